"""Jacobians, Hessians, forward mode, jvp and vjp (issue 4) against
independent truth: hand results, central differences of an independent
Python evaluation, and SymPy.

The corpus is generated from the op table: every op (at every argument count
its tests use) is applied to arguments that depend on the variables through
products, quotients and powers with variable exponents, each argument mapped
into that op's own sampling domain; the result is then multiplied, divided,
fed to the next op of the table (a composition) and raised to a variable
power.  Each corpus entry is written three ways: adcli text, a Python
function (math module, tests/reference.py) and a SymPy expression.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import adcli
from adcli import ops
from conftest import (arg_counts, assert_close, domain_of, expression_for, fd_gradient,
                      fd_hessian, fd_jacobian)
from reference import REFERENCE, sympy_rules

VARIABLES = ("x", "y", "z")
#: every variable is sampled from this interval; the feeders below map the
#: box into (0, 1), so each op argument stays strictly inside its domain
BOX = (0.2, 0.8)
#: a sample point is redrawn when a kinked op is closer than this to its kink
KINK_MARGIN = 1e-3


# --- the corpus: one expression, three ways ---------------------------------------------


class NearKink(Exception):
    """A kinked op (abs, floor, max, ...) is evaluated too close to its kink
    for finite differences to judge it."""


class Piece:
    """An expression as adcli text, as a Python function of {name: float}
    (``py(env, margin)``, margin > 0 raises NearKink near a kink) and as a
    SymPy expression builder ``sym({name: Symbol})``."""

    def __init__(self, text, py, sym):
        self.text, self.py, self.sym = text, py, sym

    def value(self, point, margin=0.0):
        return self.py(dict(zip(VARIABLES, point)), margin)


def _kink_distance(name, args):
    """How far an op's arguments are from the op's kink (inf: no kink)."""
    if name in ("abs", "relu", "sign"):
        return abs(args[0])
    if name in ("floor", "ceil"):
        return abs(args[0] - round(args[0]))
    if name in ("max", "min") and len(args) > 1:
        ranked = sorted(args, reverse=(name == "max"))
        return ranked[1] - ranked[0] if name == "min" else ranked[0] - ranked[1]
    if name == "hypot":
        return math.hypot(*args)
    return math.inf


def leaf(name):
    return Piece(name, lambda env, margin: env[name], lambda s: s[name])


def apply(op, pieces):
    """op applied to pieces (each already inside the op's domain)."""
    reference = REFERENCE[op.name]
    name = op.name

    def py(env, margin):
        args = [p.py(env, margin) for p in pieces]
        if margin and _kink_distance(name, args) < margin:
            raise NearKink(name)
        return reference(*args)

    def sym(s):
        return sympy_rules()[name](*[p.sym(s) for p in pieces])

    return Piece(expression_for(op, [f"({p.text})" for p in pieces]), py, sym)


def into(piece, interval):
    """A piece with values in (0, 1) mapped affinely into the interval."""
    lo, hi = interval
    width = hi - lo
    return Piece(f"{lo!r} + {width!r}*({piece.text})",
                 lambda env, margin: lo + width * piece.py(env, margin),
                 lambda s: lo + width * piece.sym(s))


def squash(piece):
    """sigmoid(piece): any value into (0, 1)."""
    def py(env, margin):
        v = piece.py(env, margin)
        return 1.0 / (1.0 + math.exp(-v))

    def sym(s):
        import sympy as sp
        return 1 / (1 + sp.exp(-piece.sym(s)))

    return Piece(f"sigmoid({piece.text})", py, sym)


def _feeders():
    """Pieces of x, y, z with values in (0, 1) on BOX**3: a product, a sum
    with a square, a quotient, a power with a variable exponent, a sine."""
    import sympy as sp  # noqa: F401 - only the builders use it

    return [
        Piece("x*y", lambda e, m: e["x"] * e["y"], lambda s: s["x"] * s["y"]),
        Piece("(x + y**2)/2", lambda e, m: (e["x"] + e["y"] ** 2) / 2,
              lambda s: (s["x"] + s["y"] ** 2) / 2),
        Piece("y/(1 + z)", lambda e, m: e["y"] / (1 + e["z"]),
              lambda s: s["y"] / (1 + s["z"])),
        Piece("x**z", lambda e, m: e["x"] ** e["z"], lambda s: s["x"] ** s["z"]),
        Piece("sin(x*z)", lambda e, m: math.sin(e["x"] * e["z"]),
              lambda s: __import__("sympy").sin(s["x"] * s["z"])),
    ]


FEEDERS = _feeders()
OP_NAMES = list(ops.TABLE)


def op_application(name, count, shift=0):
    """The op applied to count feeders, each mapped into its argument's domain."""
    op = ops.TABLE[name]
    pieces = [into(FEEDERS[(k + shift) % len(FEEDERS)], domain_of(op, k))
              for k in range(count)]
    return apply(op, pieces)


def _times(a, b):
    return Piece(f"({a.text})*({b.text})", lambda e, m: a.py(e, m) * b.py(e, m),
                 lambda s: a.sym(s) * b.sym(s))


def _over(a, b):
    return Piece(f"({a.text})/({b.text})", lambda e, m: a.py(e, m) / b.py(e, m),
                 lambda s: a.sym(s) / b.sym(s))


def _power(a, b):
    return Piece(f"({a.text})**({b.text})", lambda e, m: a.py(e, m) ** b.py(e, m),
                 lambda s: a.sym(s) ** b.sym(s))


def _plain(text, py, sym):
    return Piece(text, lambda e, m: py(e), sym)


def _next_op(name):
    """The op after name in the table (wrapping), at its smallest arg count."""
    index = (OP_NAMES.index(name) + 1) % len(OP_NAMES)
    op = ops.TABLE[OP_NAMES[index]]
    return op, arg_counts(op)[0]


def template(kind, name, count):
    """One corpus entry: the op applied to feeders, inside a product, a
    quotient, a composition with the next op, or a variable-exponent power."""
    inner = op_application(name, count)
    if kind == "product":
        return _times(inner, _plain("1 + x*z", lambda e: 1 + e["x"] * e["z"],
                                    lambda s: 1 + s["x"] * s["z"]))
    if kind == "quotient":
        shifted = op_application(name, count, shift=2)
        return _over(shifted, _plain("2 + y*z", lambda e: 2 + e["y"] * e["z"],
                                     lambda s: 2 + s["y"] * s["z"]))
    if kind == "composition":
        outer, outer_count = _next_op(name)
        args = [into(squash(inner), domain_of(outer, 0))]
        args += [into(FEEDERS[k % len(FEEDERS)], domain_of(outer, k))
                 for k in range(1, outer_count)]
        return apply(outer, args)
    if kind == "power":
        base = into(squash(inner), (1.5, 2.5))
        return _power(base, _plain("y - z", lambda e: e["y"] - e["z"],
                                   lambda s: s["y"] - s["z"]))
    raise ValueError(kind)


TEMPLATES = ("product", "quotient", "composition", "power")
OP_CASES = [(name, count) for name, op in ops.TABLE.items() for count in arg_counts(op)]


def corpus_cases():
    return [pytest.param(name, count, kind, id=f"{name}-{count}-{kind}")
            for name, count in OP_CASES for kind in TEMPLATES]


def sample_points(seed, piece, count=2):
    """count points of BOX**3 where no kinked op of piece is near its kink."""
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(200):
        point = [float(v) for v in rng.uniform(*BOX, size=len(VARIABLES))]
        try:
            piece.value(point, margin=KINK_MARGIN)
        except NearKink:
            continue
        found.append(point)
        if len(found) == count:
            return found
    raise AssertionError(f"no point away from the kinks of {piece.text}")


def _seed(*parts):
    return sum(ord(c) * (k + 1) for k, c in enumerate("/".join(map(str, parts))))


def _parse(piece):
    """The graph, with all three variables in order (a piece may use fewer)."""
    graph = adcli.parse(piece.text)
    used = [v for v in VARIABLES if v in graph.variables]
    return graph.with_variables(used), used


def _restrict(piece, used):
    """The piece's Python function of the used variables only (others fixed
    at a value that does not matter because the piece does not read them)."""
    def f(*values):
        env = dict.fromkeys(VARIABLES, 0.5)
        env.update(zip(used, values))
        return piece.py(env, 0.0)
    return f


def _scale(matrix):
    return 1.0 + max((abs(v) for row in matrix for v in row), default=0.0)


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


# --- Hessians --------------------------------------------------------------------------------


@pytest.mark.parametrize("name, count, kind", corpus_cases())
def test_hessian_matches_second_differences(name, count, kind):
    """Against central differences of central differences of the Python
    function (no AD involved), at a loose tolerance."""
    piece = template(kind, name, count)
    graph, used = _parse(piece)
    f = _restrict(piece, used)
    for point in sample_points(_seed(name, count, kind), piece):
        values = [point[VARIABLES.index(v)] for v in used]
        result = adcli.hessian(graph, values)
        expected = fd_hessian(f, values)
        assert result.value == pytest.approx(f(*values), rel=1e-11, abs=1e-12)
        assert_close(list(result.gradient.values()), fd_gradient(f, values),
                     rtol=1e-6, atol=1e-6 * _scale([[f(*values)]]),
                     what=f"gradient of {piece.text}")
        scale = _scale(expected)
        for i in range(len(used)):
            assert_close(list(result.matrix[i]), expected[i], rtol=1e-4, atol=1e-5 * scale,
                         what=f"Hessian row {used[i]} of {piece.text} at {values}")
        assert np.array_equal(result.matrix, result.matrix.T), "not exactly symmetric"


def _sympy_hessian(piece, used):
    """SymPy's Hessian of the piece as a function of numbers (mpmath)."""
    sp = pytest.importorskip("sympy")
    symbols = {v: sp.Symbol(v, real=True) for v in VARIABLES}
    formula = piece.sym(symbols)
    # floor and ceil have derivative 0 away from integers, which SymPy
    # leaves unevaluated: _lambdify makes it 0
    matrix = sp.hessian(formula, [symbols[v] for v in used])
    return _lambdify([symbols[v] for v in used], matrix)


def _lambdify(symbols, matrix):
    """A numeric function of a SymPy matrix, evaluated by mpmath.  The sample
    points are away from every kink, where Heaviside steps are 0 or 1 and
    DiracDelta is 0."""
    import mpmath
    import sympy as sp

    matrix = matrix.applyfunc(
        lambda e: e.replace(lambda d: isinstance(d, sp.Derivative), lambda d: sp.S.Zero))
    away_from_kinks = {"Heaviside": lambda a, h0=0.5: mpmath.mpf(1 if a > 0 else 0),
                       "DiracDelta": lambda *a: mpmath.mpf(0)}
    return sp.lambdify(symbols, matrix, [away_from_kinks, "mpmath"])


#: SymPy is slow: each op case is checked with one template, the templates
#: taking turns down the table so each is used about equally often
SYMPY_CASES = [pytest.param(name, count, TEMPLATES[k % len(TEMPLATES)],
                            id=f"{name}-{count}-{TEMPLATES[k % len(TEMPLATES)]}")
               for k, (name, count) in enumerate(OP_CASES)]


@pytest.mark.parametrize("name, count, kind", SYMPY_CASES)
def test_hessian_matches_sympy(name, count, kind):
    piece = template(kind, name, count)
    graph, used = _parse(piece)
    hessian_of = _sympy_hessian(piece, used)
    for point in sample_points(_seed(name, count, kind, "sympy"), piece, count=1):
        values = [point[VARIABLES.index(v)] for v in used]
        expected = [[float(v) for v in row] for row in hessian_of(*values).tolist()]
        result = adcli.hessian(graph, values)
        scale = _scale(expected)
        for i in range(len(used)):
            assert_close(list(result.matrix[i]), expected[i], rtol=1e-9, atol=1e-11 * scale,
                         what=f"Hessian row {used[i]} of {piece.text} at {values} vs SymPy")


def test_rosenbrock_hessian_at_the_minimum_by_hand():
    result = adcli.hessian("100*(y-x**2)**2 + (1-x)**2", [1, 1])
    assert result.matrix.tolist() == [[802.0, -400.0], [-400.0, 200.0]]
    assert result.value == 0.0
    assert result.gradient == {"x": 0.0, "y": 0.0}
    assert result.variables == ("x", "y")
    assert result.point == {"x": 1.0, "y": 1.0}


def test_rosenbrock_hessian_at_the_classic_start_by_hand():
    x, y = -1.2, 1.0
    result = adcli.hessian("100*(y-x**2)**2 + (1-x)**2", [x, y])
    expected = [[1200 * x * x - 400 * y + 2, -400 * x], [-400 * x, 200.0]]
    for got, want in zip(result.matrix.tolist(), expected):
        assert_close(got, want, rtol=1e-14, atol=0)


@pytest.mark.parametrize("text, at, expected", [
    # polynomial: exact in float64
    ("x**3*y", [2.0, 3.0], [[36.0, 12.0], [12.0, 0.0]]),
    ("x*y*z", [2.0, 3.0, 5.0], [[0, 5, 3], [5, 0, 2], [3, 2, 0]]),
    ("x*x", [3.0], [[2.0]]),
    ("x/y", [3.0, 2.0], [[0.0, -0.25], [-0.25, 0.75]]),
    # x**y with a variable exponent
    ("x**y", [2.0, 3.0], [[6.0 * 2.0, 4.0 * (1 + 3 * math.log(2.0))],
                          [4.0 * (1 + 3 * math.log(2.0)), 8.0 * math.log(2.0) ** 2]]),
    ("exp(x*y)", [0.5, -1.0], [[math.exp(-0.5), (1 - 0.5) * math.exp(-0.5)],
                               [(1 - 0.5) * math.exp(-0.5), 0.25 * math.exp(-0.5)]]),
    ("sin(x)*cos(y)", [0.3, 0.4], [[-math.sin(0.3) * math.cos(0.4), -math.cos(0.3) * math.sin(0.4)],
                                   [-math.cos(0.3) * math.sin(0.4), -math.sin(0.3) * math.cos(0.4)]]),
    ("log(x*y)", [2.0, 4.0], [[-0.25, 0.0], [0.0, -1 / 16]]),
    # fan-out: a = x*x, b = a + a, c = b*b = 4 x**4, c'' = 48 x**2
    ("a = x*x\nb = a + a\nc = b*b", [1.0], [[48.0]]),
    ("x", [3.0], [[0.0]]),
    ("abs(x)*x", [-2.0], [[-2.0]]),
])
def test_hessian_by_hand(text, at, expected):
    result = adcli.hessian(text, at)
    for got, want in zip(result.matrix.tolist(), expected):
        assert_close(got, [float(w) for w in want], rtol=1e-13, atol=1e-15)
    assert np.array_equal(result.matrix, result.matrix.T)


def test_hessian_of_a_constant_is_empty():
    result = adcli.hessian("2*pi", [])
    assert result.value == pytest.approx(2 * math.pi)
    assert result.matrix.shape == (0, 0)


def test_hessian_needs_one_output():
    with pytest.raises(adcli.ExpressionError, match="2 outputs"):
        adcli.hessian("x*y; x+y", [1, 2])
    result = adcli.hessian("x*y; x+y", [1, 2], output="f1")
    assert result.output == "f1"
    assert result.matrix.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_an_op_without_second_partials_is_an_explicit_error(monkeypatch):
    """Never a silent zero: an op whose second-order rule is missing stops
    the Hessian with an error naming it."""
    import dataclasses
    crippled = dataclasses.replace(ops.TABLE["sin"], second=None)
    monkeypatch.setitem(ops.TABLE, "sin", crippled)
    with pytest.raises(adcli.AdcliError, match="sin"):
        adcli.hessian("sin(x)*y", [0.5, 2.0])
    assert adcli.grad("sin(x)*y", [0.5, 2.0]).gradient["y"] == pytest.approx(math.sin(0.5))


def test_every_op_has_second_order_rules():
    missing = [name for name, op in ops.TABLE.items() if op.second is None]
    assert not missing


def test_hessian_domain_errors():
    with pytest.raises(adcli.DomainError):
        adcli.hessian("log(x)", [-1])
    with pytest.raises(adcli.DomainError):
        adcli.hessian("sqrt(x)", [0])  # sqrt' is infinite at 0
    result = adcli.hessian("log(x)", [-1], allow_nonfinite=True)
    assert math.isnan(result.value)


def test_hessian_of_variable_power_at_zero_base_is_finite_like_its_gradient():
    assert adcli.grad("x**y", [0.0, 2.0]).gradient == {"x": 0.0, "y": 0.0}
    # x**y at (0, y) for y = 2: d2/dx2 = y(y-1)x**(y-2) = 2, d2/dxdy =
    # x**(y-1)(1 + y log x) -> 0, d2/dy2 = log(x)**2 x**y -> 0
    result = adcli.hessian("x**y", [0.0, 2.0])
    assert result.matrix.tolist() == [[2.0, 0.0], [0.0, 0.0]]


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

    point = sample_points(_seed(name, count, "jacobian"), _Many(pieces), count=1)[0]
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
    jacobian_of = _lambdify([symbols[v] for v in VARIABLES], matrix)
    point = sample_points(_seed(name, count, "jacobian-sympy"), _Many(pieces), count=1)[0]
    expected = [[float(v) for v in row] for row in jacobian_of(*point).tolist()]
    result = adcli.jacobian(text, point, variables=VARIABLES)
    for row, want in zip(result.matrix.tolist(), expected):
        assert_close(row, want, rtol=1e-9, atol=1e-11 * _scale(expected),
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
    point = sample_points(_seed(name, count, "modes"), _Many(pieces), count=1)[0]
    forward = adcli.jacobian(graph, point, mode="forward").matrix
    reverse = adcli.jacobian(graph, point, mode="reverse").matrix
    assert np.allclose(forward, reverse, rtol=1e-12, atol=1e-13 * _scale(reverse.tolist()))
    for k, output in enumerate(graph.output_names):
        one = graph.select(output)
        by_forward = adcli.grad(one, point, mode="forward")
        by_default = adcli.grad(one, point)
        assert by_forward.value == by_default.value
        assert np.allclose(list(by_forward.gradient.values()),
                           list(by_default.gradient.values()), rtol=1e-12,
                           atol=1e-13 * _scale(reverse.tolist()))


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
    scale = _scale(reverse.matrix.tolist())
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
        point = sample_points(_seed(name, count, "sparsity"), _Many(pieces), count=1)[0]
        result = adcli.jacobian(graph, point)
        pattern = result.sparsity()
        for r, output in enumerate(result.outputs):
            for c, variable in enumerate(result.variables):
                if result.matrix[r][c] != 0.0:
                    assert variable in pattern[output], (text, output, variable)
