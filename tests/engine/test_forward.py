"""engine/forward.py and the Jacobians (issue 4): forward mode against
reverse mode, jvp and vjp, structural sparsity, against independent truth:
central differences of an independent Python evaluation of the corpus
(tests/engine/corpus.py), SymPy, and hand results."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adcli
from adcli import ops
from conftest import assert_close, domain_of, expression_for, fd_jacobian
from corpus import (OP_CASES, TEMPLATES, VARIABLES, Piece, lambdified, sample_points, scale_of,
                    seed_of, template)


# --- the corpus covers the table ----------------------------------------------------------


def test_corpus_uses_every_op_of_the_table():
    seen = set()
    for name, count in OP_CASES:
        for kind in TEMPLATES:
            graph = adcli.parse(template(kind, name, count).text)
            seen |= {graph.ops[n].name for n in graph.op_nodes}
    assert seen == set(ops.TABLE)


def test_every_corpus_entry_has_products_quotients_and_variable_exponents():
    for name, count in OP_CASES:
        graph = adcli.parse("; ".join(template(kind, name, count).text for kind in TEMPLATES))
        names = [graph.ops[n].name for n in graph.op_nodes]
        assert {"mul", "div", "pow", "sigmoid", name} <= set(names), name
        variable_exponents = [n for n in graph.op_nodes if graph.ops[n].name == "pow"
                              and not graph.is_constant(graph.args[n][1])]
        assert variable_exponents, name


# --- Jacobians ---------------------------------------------------------------------------------


def _corpus_program(name, count):
    """Every template of one op case as the outputs of one program."""
    pieces = [template(kind, name, count) for kind in TEMPLATES]
    return pieces, "; ".join(p.text for p in pieces)


@pytest.mark.parametrize("name, count", [pytest.param(n, c, id=f"{n}-{c}")
                                         for n, c in OP_CASES])
def test_jacobian_of_corpus_matches_central_differences(name, count):
    pieces, text = _corpus_program(name, count)
    graph = adcli.parse(text, variables=VARIABLES)
    assert len(graph.outputs) == len(TEMPLATES)

    def f(*point):
        return [p.value(point) for p in pieces]

    point = sample_points(seed_of(name, count, "jacobian"), _Many(pieces), count=1)[0]
    expected = fd_jacobian(f, point)
    scale = 1.0 + max(abs(v) for v in f(*point))
    for mode in ("forward", "reverse"):
        result = adcli.jacobian(graph, point, mode=mode)
        assert result.matrix.shape == (len(TEMPLATES), 3)
        assert result.mode.mode == mode
        assert_close(list(result.values.values()), f(*point), rtol=1e-11, atol=1e-12)
        for row, want in zip(result.matrix.tolist(), expected):
            assert_close(row, want, rtol=1e-6, atol=1e-6 * scale,
                         what=f"{mode} Jacobian of {name}-{count} at {point}")


class _Many(Piece):
    """Several pieces checked for kinks together."""

    def __init__(self, pieces):
        super().__init__("; ".join(p.text for p in pieces),
                         lambda env, m: [p.py(env, m) for p in pieces], None)


@pytest.mark.parametrize("name, count", [pytest.param(n, c, id=f"{n}-{c}")
                                         for n, c in OP_CASES[::3]])
def test_jacobian_of_corpus_matches_sympy(name, count):
    sp = pytest.importorskip("sympy")
    pieces, text = _corpus_program(name, count)
    symbols = {v: sp.Symbol(v, real=True) for v in VARIABLES}
    matrix = sp.Matrix([p.sym(symbols) for p in pieces]).jacobian(
        [symbols[v] for v in VARIABLES])
    jacobian_of = lambdified([symbols[v] for v in VARIABLES], matrix)
    point = sample_points(seed_of(name, count, "jacobian-sympy"), _Many(pieces), count=1)[0]
    expected = [[float(v) for v in row] for row in jacobian_of(*point).tolist()]
    result = adcli.jacobian(text, point, variables=VARIABLES)
    for row, want in zip(result.matrix.tolist(), expected):
        assert_close(row, want, rtol=1e-9, atol=1e-11 * scale_of(expected),
                     what=f"Jacobian of {name}-{count} vs SymPy")


def test_jacobian_of_the_issue_example_by_hand():
    result = adcli.jacobian("x*y; x+y; sin(x)*y", [1, 2])
    assert result.outputs == ("f1", "f2", "f3")
    assert result.variables == ("x", "y")
    assert result.matrix.shape == (3, 2)
    assert result.matrix[:2].tolist() == [[2.0, 1.0], [1.0, 1.0]]
    assert_close(result.matrix[2].tolist(), [2 * math.cos(1.0), math.sin(1.0)], rtol=1e-15)
    assert result.values == {"f1": 2.0, "f2": 3.0, "f3": pytest.approx(2 * math.sin(1.0))}
    assert result.point == {"x": 1.0, "y": 2.0}


def test_jacobian_from_a_list_of_expressions():
    result = adcli.jacobian(["x*y", "x+y"], {"x": 1, "y": 2})
    assert result.outputs == ("f1", "f2")
    assert result.matrix.tolist() == [[2.0, 1.0], [1.0, 1.0]]


def test_jacobian_from_a_list_keeps_each_expression_an_output():
    result = adcli.jacobian(["x", "-y"], [1, 2])
    assert result.outputs == ("f1", "f2")
    assert result.matrix.tolist() == [[1.0, 0.0], [0.0, -1.0]]


def test_polar_to_cartesian_jacobian_by_hand():
    r, t = 2.0, 0.7
    result = adcli.jacobian("r*cos(t); r*sin(t)", {"r": r, "t": t})
    expected = [[math.cos(t), -r * math.sin(t)], [math.sin(t), r * math.cos(t)]]
    for got, want in zip(result.matrix.tolist(), expected):
        assert_close(got, want, rtol=1e-15, atol=1e-16)
    assert np.linalg.det(result.matrix) == pytest.approx(r, rel=1e-14)


def test_spherical_jacobian_determinant_by_hand():
    """r**2 sin(theta): the volume element, a classic hand result."""
    r, theta, phi = 1.5, 0.9, 2.1
    text = "r*sin(th)*cos(ph); r*sin(th)*sin(ph); r*cos(th)"
    result = adcli.jacobian(text, {"r": r, "th": theta, "ph": phi}, variables=["r", "th", "ph"])
    assert np.linalg.det(result.matrix) == pytest.approx(r * r * math.sin(theta), rel=1e-13)


def test_jacobian_with_constant_and_variable_outputs():
    for mode in ("forward", "reverse"):
        result = adcli.jacobian("x; 3; x*y", [3, 1], mode=mode)
        assert result.matrix.tolist() == [[1.0, 0.0], [0.0, 0.0], [1.0, 3.0]]


def test_jacobian_domain_error():
    with pytest.raises(adcli.DomainError) as info:
        adcli.jacobian("log(x); x", [-1])
    assert info.value.source[info.value.start:info.value.end] == "log(x)"


# --- forward and reverse mode agree ---------------------------------------------------------


@pytest.mark.parametrize("name, count", [pytest.param(n, c, id=f"{n}-{c}")
                                         for n, c in OP_CASES])
def test_forward_and_reverse_agree_on_the_corpus(name, count):
    pieces, text = _corpus_program(name, count)
    graph = adcli.parse(text, variables=VARIABLES)
    point = sample_points(seed_of(name, count, "modes"), _Many(pieces), count=1)[0]
    forward = adcli.jacobian(graph, point, mode="forward").matrix
    reverse = adcli.jacobian(graph, point, mode="reverse").matrix
    assert np.allclose(forward, reverse, rtol=1e-12, atol=1e-13 * scale_of(reverse.tolist()))
    for k, output in enumerate(graph.output_names):
        one = graph.select(output)
        by_forward = adcli.grad(one, point, mode="forward")
        by_default = adcli.grad(one, point)
        assert by_forward.value == by_default.value
        assert np.allclose(list(by_forward.gradient.values()),
                           list(by_default.gradient.values()), rtol=1e-12,
                           atol=1e-13 * scale_of(reverse.tolist()))


#: every op of the table, kinks included: both modes use the same partials
ALL_OPS = list(ops.TABLE.values())


def _random_leaf():
    return st.one_of(st.sampled_from(VARIABLES),
                     st.floats(-3, 3, allow_nan=False, allow_subnormal=False)
                     .map(lambda c: f"({round(c, 3)!r})"))


@st.composite
def _random_application(draw, children):
    op = draw(st.sampled_from(ALL_OPS))
    count = op.nargs if not op.variadic else draw(st.integers(max(op.min_args, 1), 3))
    args = []
    for k in range(count):
        child = draw(children)
        if op.name in ("add", "sub", "mul", "neg", "abs", "max", "min", "relu", "sign"):
            args.append(f"({child})")
        else:  # squash into the op's domain so most draws are finite
            lo, hi = domain_of(op, k)
            args.append(f"({lo!r} + {hi - lo!r}*sigmoid({child}))")
    return expression_for(op, args)


random_expressions = st.recursive(_random_leaf(), _random_application, max_leaves=8)
coordinates = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(random_expressions, min_size=1, max_size=3),
       st.tuples(coordinates, coordinates, coordinates))
def test_forward_and_reverse_agree_on_random_expressions(texts, point):
    text = "; ".join(texts)
    graph = adcli.parse(text)
    at = {name: point[VARIABLES.index(name)] for name in graph.variables}
    try:
        reverse = adcli.jacobian(graph, at, mode="reverse")
    except adcli.DomainError:
        with pytest.raises(adcli.DomainError):
            adcli.jacobian(graph, at, mode="forward")
        return
    forward = adcli.jacobian(graph, at, mode="forward")
    assert forward.values == reverse.values
    scale = scale_of(reverse.matrix.tolist())
    assert np.allclose(forward.matrix, reverse.matrix, rtol=1e-12, atol=1e-12 * scale), text
    if len(graph.outputs) == 1:
        by_forward = adcli.grad(graph, at, mode="forward").gradient
        by_default = adcli.grad(graph, at).gradient
        assert np.allclose(list(by_forward.values()), list(by_default.values()),
                           rtol=1e-12, atol=1e-12 * scale), text


def test_grad_forward_mode_by_hand():
    result = adcli.grad("x**2*y", [3, 4], mode="forward")
    assert result.gradient == {"x": 24.0, "y": 9.0}
    assert result.mode.mode == "forward"
    assert result.mode.passes == 2
    with pytest.raises(adcli.ExpressionError, match="reverse"):
        result.trace  # the trace is the reverse sweep


# --- jvp and vjp ------------------------------------------------------------------------------


#: (text, point, the outputs written with the math module)
PRODUCT_CASES = [
    ("x*y; x+y", [1.0, 2.0], lambda x, y: [x * y, x + y]),
    ("x*y; x+y; sin(x)*y", [0.3, -1.2], lambda x, y: [x * y, x + y, math.sin(x) * y]),
    ("exp(x)*cos(y) + z; x**y/z; hypot(x, z)", [0.7, 1.3, 2.0],
     lambda x, y, z: [math.exp(x) * math.cos(y) + z, x ** y / z, math.hypot(x, z)]),
    ("atan2(y, x); log(x*x + y*y)", [1.5, -0.5],
     lambda x, y: [math.atan2(y, x), math.log(x * x + y * y)]),
]
PRODUCT_IDS = [text for text, _, _ in PRODUCT_CASES]


@pytest.mark.parametrize("text, point, f", PRODUCT_CASES, ids=PRODUCT_IDS)
def test_jvp_is_jacobian_times_vector(text, point, f):
    graph = adcli.parse(text)
    J = np.array(fd_jacobian(f, point))
    rng = np.random.default_rng(len(text))
    for _ in range(3):
        v = rng.normal(size=len(point))
        result = adcli.jvp(graph, point, list(v))
        assert list(result.product) == list(graph.output_names)
        assert_close(list(result.product.values()), list(J @ v), rtol=1e-6, atol=1e-6)
        assert_close(list(result.values.values()), f(*point), rtol=1e-14)


@pytest.mark.parametrize("text, point, f", PRODUCT_CASES, ids=PRODUCT_IDS)
def test_vjp_is_vector_times_jacobian(text, point, f):
    graph = adcli.parse(text)
    J = np.array(fd_jacobian(f, point))
    rng = np.random.default_rng(len(text) + 1)
    for _ in range(3):
        u = rng.normal(size=len(graph.outputs))
        result = adcli.vjp(graph, point, list(u))
        assert list(result.product) == list(graph.variables)
        assert_close(list(result.product.values()), list(u @ J), rtol=1e-6, atol=1e-6)


def test_jvp_and_vjp_by_hand_and_by_name():
    assert adcli.jvp("x*y; x+y", [1, 2], [1, 0]).product == {"f1": 2.0, "f2": 1.0}
    assert adcli.jvp("x*y; x+y", [1, 2], {"y": 1, "x": 0}).product == {"f1": 1.0, "f2": 1.0}
    assert adcli.vjp("x*y; x+y", [1, 2], [1, 0]).product == {"x": 2.0, "y": 1.0}
    assert adcli.vjp("x*y; x+y", [1, 2], {"f2": 1, "f1": 0}).product == {"x": 1.0, "y": 1.0}


def test_jvp_and_vjp_of_the_wrong_length_are_point_errors():
    with pytest.raises(adcli.PointError, match="direction"):
        adcli.jvp("x*y; x+y", [1, 2], [1])
    with pytest.raises(adcli.PointError, match="cotangent"):
        adcli.vjp("x*y; x+y", [1, 2], [1, 0, 0])


@pytest.mark.parametrize("text", ["x*y; x*y", "a = x*y\nb = a\noutput a, b"])
def test_vjp_when_two_outputs_are_the_same_node(text):
    # u @ J with J = [[y, x], [y, x]] at (1, 2) and u = (1, 1): (2y, 2x) = (4, 2)
    assert adcli.jacobian(text, [1, 2]).matrix.tolist() == [[2.0, 1.0], [2.0, 1.0]]
    assert adcli.vjp(text, [1, 2], [1, 1]).product == {"x": 4.0, "y": 2.0}


# --- structural sparsity -------------------------------------------------------------------------


def test_sparsity_of_independent_outputs():
    result = adcli.jacobian("x*y; z; 2*pi", [1, 2, 3])
    assert result.sparsity() == {"f1": ["x", "y"], "f2": ["z"], "f3": []}
    assert result.matrix.tolist() == [[2.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]


@pytest.mark.parametrize("text, at, zero_column", [
    ("cos(x) + y", [0.0, 1.0], 0),  # d/dx = -sin(0) = 0
    ("(x - 1)**2 + y", [1.0, 5.0], 0),  # a minimum in x
    ("max(x, y)", [0.0, 1.0], 0),  # x is not the max
    ("relu(x) + y", [-1.0, 1.0], 0),  # relu is flat for x < 0
    ("x*0 + y", [3.0, 1.0], 0),  # x*0 is not folded: x is a variable
    ("x - x + y", [3.0, 1.0], 0),
    ("x*y", [1.0, 0.0], 0),  # d/dx = y = 0
])
def test_sparsity_is_structural_not_numerical(text, at, zero_column):
    """The derivative is exactly zero at this point, but the output depends
    on the variable through the graph, so the pattern marks it."""
    result = adcli.jacobian(text, at)
    assert result.matrix[0][zero_column] == 0.0
    assert result.sparsity() == {"f": ["x", "y"]}


def test_sparsity_leaves_out_what_constant_folding_removes():
    graph = adcli.parse("0*2*x + y")  # 0*2 folds to 0, but 0*x stays a node
    assert adcli.jacobian(graph, [1, 1]).sparsity() == {"f": ["x", "y"]}
    graph = adcli.parse("sin(pi)*3 + y")  # no x at all
    assert adcli.jacobian(graph, [1]).sparsity() == {"f": ["y"]}


def test_sparsity_of_a_program_follows_the_definitions():
    text = "a = x*y\nb = sin(z)\nc = a + 1\nunused = w*x\noutput c, b"
    result = adcli.jacobian(text, {"w": 1, "x": 2, "y": 3, "z": 4})
    assert result.variables == ("w", "x", "y", "z")
    assert result.sparsity() == {"c": ["x", "y"], "b": ["z"]}


def test_sparsity_pattern_contains_every_nonzero_of_the_corpus():
    """Everywhere a derivative is non-zero, the pattern says the output
    depends on the variable."""
    for name, count in OP_CASES:
        pieces, text = _corpus_program(name, count)
        graph = adcli.parse(text, variables=VARIABLES)
        point = sample_points(seed_of(name, count, "sparsity"), _Many(pieces), count=1)[0]
        result = adcli.jacobian(graph, point)
        pattern = result.sparsity()
        for r, output in enumerate(result.outputs):
            for c, variable in enumerate(result.variables):
                if result.matrix[r][c] != 0.0:
                    assert variable in pattern[output], (text, output, variable)
