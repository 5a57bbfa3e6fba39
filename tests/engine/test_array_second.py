"""adcli/engine/array_second.py: exact Hessian-vector products and Hessians
of array graphs by forward over reverse (the backward pass run on DUAL).
Truth: central differences of arrays.gradient (every ARRAY_TABLE op and
every elementwise op of TABLE, generated from the tables), closed forms
(x'Ax, logsumexp, logdet, least squares), and the scalar engine's exact
Hessian of the same Rosenbrock written out term by term."""
import numpy as np
import pytest

import adcli
from adcli import ops
from adcli.engine import array_second, arrays
from adcli.errors import ShapeError

from array_tapes import Tape
from test_array_ops import SAMPLES
from test_arrays import matmul_chain

RNG = np.random.default_rng(4242)
STEP = 1e-5


def _central_hvp(graph, point, names, direction):
    """(grad(x + h v) - grad(x - h v)) / 2h, per wrt variable."""
    index = graph.variable_index()

    def moved(sign):
        shifted = [np.array(p, dtype=float) for p in point]
        for name, d in zip(names, direction):
            shifted[index[name]] = shifted[index[name]] + sign * STEP * d
        return arrays.gradient(graph, arrays.forward(graph, shifted), names)
    ahead, behind = moved(1.0), moved(-1.0)
    return [(a - b) / (2 * STEP) for a, b in zip(ahead, behind)]


def test_dual_has_every_name_of_the_namespace():
    assert set(vars(arrays.NAMESPACE)) == set(vars(array_second.DUAL))


# --- every array op, from the table --------------------------------------------------------


def _op_objective(name, params, makers):
    """sum(sin(op(a...)) * w): the op's own curvature and that of sin
    through the op's Jacobian; every argument a variable."""
    op = ops.ARRAY_TABLE[name]
    if params:
        op = ops.with_params(op, **params)
    args = [np.asarray(make(RNG), dtype=float) for make in makers]
    shape = np.shape(op.forward(arrays.NAMESPACE, *args, **dict(op.params)))
    tape = Tape(name)
    nodes = [tape.var(f"a{k}") for k in range(len(args))]
    weight = tape.var("w")
    node = tape.elementwise("mul", tape.elementwise("sin", tape.builder.apply(
        op, tuple(nodes), (0, 1))), weight)
    graph = tape.build(tape("sum", node))
    graph = graph.with_variables([f"a{k}" for k in range(len(args))] + ["w"])
    return graph, args + [RNG.uniform(-1, 1, shape)], [f"a{k}" for k in range(len(args))]


CASES = [pytest.param(name, params, makers, id=f"{name}-{k}")
         for name, samples in SAMPLES.items() for k, (params, makers) in enumerate(samples)
         if makers]


@pytest.mark.parametrize("name, params, makers", CASES)
def test_hvp_of_every_array_op_matches_central_differences_of_the_gradient(name, params,
                                                                            makers):
    graph, point, names = _op_objective(name, params, makers)
    values = arrays.forward(graph, point)
    direction = [RNG.uniform(-1, 1, np.shape(point[k])) for k in range(len(names))]
    gradients, products = array_second.hvp(graph, values, direction, names)
    for got, expected in zip(gradients, arrays.gradient(graph, values, names)):
        assert np.array_equal(got, expected)  # the value of the dual pass: the same bits
    for got, expected, x in zip(products, _central_hvp(graph, point, names, direction), point):
        assert np.shape(got) == np.shape(x)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, params, makers", CASES)
def test_hessian_of_every_array_op_is_its_hvps_and_symmetric(name, params, makers):
    graph, point, names = _op_objective(name, params, makers)
    values = arrays.forward(graph, point)
    _, matrix = array_second.hessian(graph, values, names)
    sizes = [np.size(point[k]) for k in range(len(names))]
    n = sum(sizes)
    assert matrix.shape == (n, n)
    np.testing.assert_allclose(matrix, matrix.T, rtol=1e-9, atol=1e-11)
    v = RNG.uniform(-1, 1, n)
    pieces = np.split(v, np.cumsum(sizes)[:-1])
    direction = [p.reshape(np.shape(point[k])) for k, p in enumerate(pieces)]
    _, products = array_second.hvp(graph, values, direction, names)
    flat = np.concatenate([np.ravel(p) for p in products])
    np.testing.assert_allclose(matrix @ v, flat, rtol=1e-9, atol=1e-11)


# --- every elementwise op, with broadcasting ----------------------------------------------------

BROADCAST = {1: [(2, 3)], 2: [(3, 1), (4,)], 3: [(2, 1), (3,), ()]}


@pytest.mark.parametrize("name", sorted(ops.TABLE))
def test_hvp_of_every_elementwise_op_matches_central_differences(name):
    op = ops.TABLE[name]
    count = op.nargs or 3
    domains = op.domain if op.nargs else op.domain * count
    point = [RNG.uniform(*d, s) if s else float(RNG.uniform(*d))
             for d, s in zip(domains, BROADCAST[count])]
    out_shape = np.broadcast_shapes(*(np.shape(p) for p in point))
    tape = Tape(name)
    nodes = [tape.var(f"x{k}") for k in range(count)]
    weight = tape.var("w")
    value = tape.elementwise(name, *nodes)
    # sum(f * w + f * f): f's own second partials and the product's
    graph = tape.build(tape("sum", tape.elementwise(
        "add", tape.elementwise("mul", value, weight), tape.elementwise("mul", value, value))))
    graph = graph.with_variables([f"x{k}" for k in range(count)] + ["w"])
    point = point + [RNG.uniform(-1, 1, out_shape)]
    names = graph.variables[:-1]
    values = arrays.forward(graph, point)
    direction = [RNG.uniform(-1, 1, np.shape(p)) for p in point[:-1]]
    _, products = array_second.hvp(graph, values, direction, names)
    for got, expected in zip(products, _central_hvp(graph, point, names, direction)):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


# --- closed forms ----------------------------------------------------------------------------


def test_quadratic_form_hessian_is_a_plus_a_transpose():
    tape = Tape("x.T @ A @ x")
    A, x = tape.var("A"), tape.var("x")
    graph = tape.build(tape("matmul", x, tape("matmul", A, x)))
    Av, xv = RNG.standard_normal((5, 5)), RNG.standard_normal(5)
    values = arrays.forward(graph, [Av, xv])
    (gradient,), matrix = array_second.hessian(graph, values, ["x"])
    np.testing.assert_allclose(matrix, Av + Av.T, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(gradient, (Av + Av.T) @ xv, rtol=1e-13)


def test_logsumexp_hessian_is_diag_p_minus_p_p_transpose():
    tape = Tape("logsumexp(x)")
    graph = tape.build(tape("logsumexp", tape.var("x")))
    xv = RNG.uniform(-3, 3, 6)
    (gradient,), matrix = array_second.hessian(graph, arrays.forward(graph, [xv]))
    p = np.exp(xv - xv.max()) / np.sum(np.exp(xv - xv.max()))
    np.testing.assert_allclose(gradient, p, rtol=1e-14)
    np.testing.assert_allclose(matrix, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-15)


def test_logdet_hessian_is_minus_the_inverse_kronecker_product():
    # d2 logdet / dX_ij dX_kl = -(X^-1)_li (X^-1)_jk: in C order over (i, j) and
    # (k, l), -(X^-1 kron X^-T) with the second factor's axes swapped
    tape = Tape("logdet(X)")
    graph = tape.build(tape("logdet", tape.var("X")))
    X = RNG.uniform(-1, 1, (4, 4)) + 5 * np.eye(4)
    _, matrix = array_second.hessian(graph, arrays.forward(graph, [X]))
    inverse = np.linalg.inv(X)
    expected = -np.einsum("li,jk->ijkl", inverse, inverse).reshape(16, 16)
    np.testing.assert_allclose(matrix, expected, rtol=1e-11, atol=1e-14)
    # the same from numpy's kron: (X^-T kron X^-1)[(i, j), (l, k)], the last two swapped
    kron = -np.kron(inverse.T, inverse).reshape(4, 4, 4, 4).transpose(0, 1, 3, 2).reshape(16, 16)
    np.testing.assert_allclose(matrix, kron, rtol=1e-11, atol=1e-14)


def test_least_squares_hessian_is_two_a_transpose_a():
    tape = Tape("sum((A @ x - b)**2)")
    A, x, b = tape.var("A"), tape.var("x"), tape.var("b")
    r = tape.elementwise("sub", tape("matmul", A, x), b)
    graph = tape.build(tape("sum", tape.elementwise("pow", r, tape.const(2.0))))
    Av, xv, bv = RNG.standard_normal((7, 4)), RNG.standard_normal(4), RNG.standard_normal(7)
    point = [dict(A=Av, x=xv, b=bv)[name] for name in graph.variables]
    _, matrix = array_second.hessian(graph, arrays.forward(graph, point), ["x"])
    np.testing.assert_allclose(matrix, 2 * Av.T @ Av, rtol=1e-12, atol=1e-12)


def _rosenbrock_graph():
    tape = Tape("sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)")
    x = tape.var("x")
    head = tape("index", x, index=(slice(None, -1),))
    tail = tape("index", x, index=(slice(1, None),))
    t = tape.elementwise("sub", tail, tape.elementwise("pow", head, tape.const(2.0)))
    first = tape.elementwise("mul", tape.const(100.0),
                             tape.elementwise("pow", t, tape.const(2.0)))
    second = tape.elementwise("pow", tape.elementwise("sub", tape.const(1.0), head),
                              tape.const(2.0))
    return tape.build(tape("sum", tape.elementwise("add", first, second)))


def test_rosenbrock_slice_form_hessian_is_the_scalar_engines_hessian():
    n = 7
    xv = RNG.uniform(-1.5, 1.5, n)
    graph = _rosenbrock_graph()
    (gradient,), matrix = array_second.hessian(graph, arrays.forward(graph, [xv]))
    text = " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(n - 1))
    at = {f"x{i}": float(v) for i, v in enumerate(xv)}
    scalar = adcli.hessian(text, at, variables=[f"x{i}" for i in range(n)])
    np.testing.assert_allclose(matrix, scalar.matrix, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(gradient, [scalar.gradient[f"x{i}"] for i in range(n)],
                               rtol=1e-13, atol=1e-12)


def test_batches_of_directions_give_the_same_hessian_as_one_batch(monkeypatch):
    graph = _rosenbrock_graph()
    xv = RNG.uniform(-1, 1, 50)
    values = arrays.forward(graph, [xv])
    _, whole = array_second.hessian(graph, values)
    monkeypatch.setattr(array_second, "_BATCH_ENTRIES", 3000)  # 7-direction batches
    _, batched = array_second.hessian(graph, values)
    np.testing.assert_array_equal(whole, batched)
    assert np.count_nonzero(whole - np.diag(np.diag(whole))) == 2 * 49  # tridiagonal


def test_several_variables_flatten_one_after_the_other_in_c_order():
    # f = sum(A * B) + sum(A**2 * c): d2f/dA dB = I, d2f/dA2 = diag(2c)
    tape = Tape("f")
    A, B, c = tape.var("A"), tape.var("B"), tape.var("c")
    graph = tape.build(tape("sum", tape.elementwise(
        "add", tape.elementwise("mul", A, B),
        tape.elementwise("mul", tape.elementwise("mul", A, A), c))))
    Av, Bv, cv = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    point = [dict(A=Av, B=Bv, c=cv)[name] for name in graph.variables]
    _, matrix = array_second.hessian(graph, arrays.forward(graph, point), ["A", "B"])
    expected = np.zeros((12, 12))
    expected[:6, :6] = np.diag(2 * np.tile(cv, 2))
    expected[:6, 6:] = expected[6:, :6] = np.eye(6)
    np.testing.assert_array_equal(matrix, expected)


# --- kinks, non-finite values, errors -----------------------------------------------------------


def test_kinks_follow_the_first_order_conventions():
    # abs'' = 0 (even at 0); max ties share: the Hessian of max(x)*max(x) at a
    # tie is 2 * (1/2, 1/2) outer (1/2, 1/2)
    tape = Tape("f")
    x = tape.var("x")
    graph = tape.build(tape("sum", tape.elementwise("abs", x)))
    _, matrix = array_second.hessian(graph, arrays.forward(graph, [np.array([0.0, 1.0, -2.0])]))
    assert np.array_equal(matrix, np.zeros((3, 3)))
    tape = Tape("f")
    x = tape.var("x")
    top = tape("max", x)
    graph = tape.build(tape.elementwise("mul", top, top))
    (gradient,), matrix = array_second.hessian(graph, arrays.forward(
        graph, [np.array([3.0, 1.0, 3.0])]))
    share = np.array([0.5, 0.0, 0.5])
    np.testing.assert_array_equal(gradient, 2 * 3.0 * share)
    np.testing.assert_array_equal(matrix, 2 * np.outer(share, share))


def test_nonfinite_second_derivatives_are_returned_not_raised():
    tape = Tape("sum(sqrt(x))")
    graph = tape.build(tape("sum", tape.elementwise("sqrt", tape.var("x"))))
    values = arrays.forward(graph, [np.array([0.0, 4.0])])
    (gradient,), matrix = array_second.hessian(graph, values)
    assert np.isinf(gradient[0]) and gradient[1] == 0.25
    assert not np.isfinite(matrix[0, 0])
    assert np.isclose(matrix[1, 1], -1 / 32)  # sqrt''(4) = -1/4 * 4**-1.5
    (gradient,), (product,) = array_second.hvp(graph, values, [np.array([0.0, 1.0])])
    assert np.isclose(product[1], -1 / 32)


def test_a_direction_of_the_wrong_shape_is_a_shape_error():
    graph = _rosenbrock_graph()
    values = arrays.forward(graph, [np.ones(4)])
    with pytest.raises(ShapeError, match=r"the direction of x has shape \(3,\), "
                                         r"the variable \(4,\)"):
        array_second.hvp(graph, values, [np.ones(3)])
    with pytest.raises(ShapeError, match="expected 1 directions"):
        array_second.hvp(graph, values, [])
    with pytest.raises(ShapeError, match="not a variable"):
        array_second.hessian(graph, values, ["y"])


def test_scalar_variables_and_constants_mix_with_arrays():
    # f = s * sum(x * x) + s**3: H = [[6 s, 2 x^T], [2 x, 2 s I]]
    tape = Tape("f")
    s, x = tape.var("s"), tape.var("x")
    graph = tape.build(tape.elementwise("add", tape.elementwise(
        "mul", s, tape("sum", tape.elementwise("mul", x, x))),
        tape.elementwise("pow", s, tape.const(3.0))))
    xv = RNG.standard_normal(3)
    point = [dict(s=1.5, x=xv)[name] for name in graph.variables]
    (gs, gx), matrix = array_second.hessian(graph, arrays.forward(graph, point), ["s", "x"])
    expected = np.zeros((4, 4))
    expected[0, 0] = 6 * 1.5
    expected[0, 1:] = expected[1:, 0] = 2 * xv
    expected[1:, 1:] = 2 * 1.5 * np.eye(3)
    np.testing.assert_allclose(matrix, expected, rtol=1e-14)
    assert np.isclose(gs, np.sum(xv * xv) + 3 * 1.5 ** 2)


def test_first_nonfinite_names_the_node_where_the_second_derivative_breaks():
    # sum(x**1.5) at x = [0, 1]: the gradient 1.5 sqrt(x) is finite, the
    # second derivative 0.75 / sqrt(x) is not at 0
    tape = Tape("sum(x**1.5)")
    power = tape.elementwise("pow", tape.var("x"), tape.const(1.5), at="x**1.5")
    graph = tape.build(tape("sum", power))
    values = arrays.forward(graph, [np.array([0.0, 1.0])])
    (gradient,), matrix = array_second.hessian(graph, values)
    assert np.all(np.isfinite(gradient)) and not np.isfinite(matrix[0, 0])
    assert matrix[1, 1] == 0.75
    error = array_second.first_nonfinite(graph, values, [np.array([1.0, 0.0])])
    assert error.message.startswith("the second derivative of x**1.5 with respect to x "
                                    "is not finite")
    assert (error.start, error.end) == (4, 10)
    # IEEE: along e_1 the tangent at entry 0 is inf * 0 = nan, so that hvp is
    # not finite either (the whole row 0 of H is non-finite)
    assert not np.all(np.isfinite(matrix[0]))
    assert array_second.first_nonfinite(graph, values, [np.array([0.0, 1.0])]) is not None
    fine = arrays.forward(graph, [np.array([1.0, 4.0])])
    assert array_second.first_nonfinite(graph, fine, [np.ones(2)]) is None
    # a first-order problem is reported as arrays.first_nonfinite reports it
    tape = Tape("sum(sqrt(x))")
    graph = tape.build(tape("sum", tape.elementwise("sqrt", tape.var("x"), at="sqrt(x)")))
    values = arrays.forward(graph, [np.array([0.0, 1.0])])
    error = array_second.first_nonfinite(graph, values, [np.ones(2)])
    assert error.message.startswith("the derivative of sqrt(x) with respect to x")


def test_variables_the_output_does_not_use_get_zero_rows():
    tape = Tape("f")
    x = tape.var("x")
    tape.var("y")  # a variable the output does not use
    graph = tape.build(tape("sum", tape.elementwise("exp", x))).with_variables(["x", "y"])
    xv = RNG.uniform(-1, 1, 3)
    values = arrays.forward(graph, [xv, np.ones(2)])
    (gx, gy), matrix = array_second.hessian(graph, values)
    assert np.array_equal(gy, np.zeros(2))
    expected = np.zeros((5, 5))
    expected[:3, :3] = np.diag(np.exp(xv))
    np.testing.assert_allclose(matrix, expected, rtol=1e-15)
    _, (hx, hy) = array_second.hvp(graph, values, [np.ones(3), np.ones(2)])
    assert np.array_equal(hy, np.zeros(2))


# --- hypothesis: random shapes ------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

from engine.test_arrays import _broadcasting_pair  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(_broadcasting_pair(), st.sampled_from(["mul", "div", "pow", "atan2", "hypot", "max"]),
       st.integers(0, 2**32 - 1))
def test_hvp_with_broadcasting_on_random_shapes(shapes, name, seed):
    rng = np.random.default_rng(seed)
    tape = Tape(name)
    x, y = tape.var("x"), tape.var("y")
    f = tape.elementwise(name, x, y)
    graph = tape.build(tape("sum", tape.elementwise("mul", f, tape.elementwise("sin", f))))
    point = [rng.uniform(0.5, 2.0, s) for s in shapes]
    values = arrays.forward(graph, point)
    direction = [rng.uniform(-1, 1, s) for s in shapes]
    _, products = array_second.hvp(graph, values, direction)
    for got, expected, s in zip(products, _central_hvp(graph, point, graph.variables, direction),
                                shapes):
        assert np.shape(got) == s
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_hessian_of_a_matrix_function_on_random_shapes(m, n, k, seed):
    # f = sum(sin(A @ B)): d2f/dA dA [V, V] = -sum(sin(AB) * (V B)**2), and so on:
    # check the whole H against central differences of the gradient, column by column
    rng = np.random.default_rng(seed)
    graph, point = matmul_chain(rng, m, n, k)
    values = arrays.forward(graph, point)
    _, matrix = array_second.hessian(graph, values)
    size = m * n + n * k
    assert matrix.shape == (size, size)
    for j in range(size):
        unit = np.zeros(size)
        unit[j] = 1.0
        direction = [unit[:m * n].reshape(m, n), unit[m * n:].reshape(n, k)]
        column = np.concatenate([np.ravel(c) for c in
                                 _central_hvp(graph, point, graph.variables, direction)])
        np.testing.assert_allclose(matrix[:, j], column, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("text, point, wrt", [
    ("x**2 + y**2 - 4; x*y - 1", {"x": 2.0, "y": 0.5}, ("x", "y")),
    ("A @ x - b + 0.1*x**3; sum(x)*s", {"A": np.array([[4.0, 1.0], [1.0, 3.0]]),
                                       "b": np.array([1.0, 2.0]), "x": np.array([0.3, -0.2]),
                                       "s": 2.0}, ("x", "s")),
    ("exp(M) @ v; logsumexp(v)", {"M": np.arange(6.0).reshape(2, 3) / 7, "v": np.ones(3)},
     ("M", "v")),
])
def test_the_batched_jacobian_is_the_columns_of_jvp(text, point, wrt):
    """array_second.jacobian (k directions a sweep) against one arrays.jvp per
    column: the same matrix, every output's entries by rows."""
    graph = adcli.parse(text).for_arrays()
    values = arrays.forward(graph, [point[v] for v in graph.variables])
    matrix = array_second.jacobian(graph, values, wrt)
    index = graph.variable_index()
    columns = []
    for name in wrt:
        shape = np.shape(point[name])
        for k in range(int(np.prod(shape))):
            tangents = [None] * len(graph.variables)
            unit = np.zeros(shape)
            unit.flat[k] = 1.0
            tangents[index[name]] = unit if shape else 1.0
            columns.append(np.concatenate([np.ravel(t) for t in
                                           arrays.jvp(graph, values, tangents)]))
    np.testing.assert_allclose(matrix, np.stack(columns, axis=1), rtol=1e-14, atol=1e-15)


def test_the_hessian_of_a_weighted_sum_of_squares_is_the_scalar_programs():
    """squares_hessian (the reverse pass seeded by W r and its tangent)
    against hessian of the same sum written out as one scalar program."""
    t = np.arange(1.0, 21.0) / 5
    w = np.linspace(1.0, 2.0, 20)
    residual = "(b1 + t*b2 - exp(t))**2 + (b3 + b4*sin(t) - cos(t))**2 - y"
    point = {"t": t, "y": np.zeros(20), "w": w, "b1": 25.0, "b2": 5.0, "b3": -5.0, "b4": -1.0}
    wrt = ("b1", "b2", "b3", "b4")
    graph = adcli.parse(residual).for_arrays()
    values = arrays.forward(graph, [point[v] for v in graph.variables])
    gradient, matrix = array_second.squares_hessian(graph, values, w, wrt)
    whole = adcli.parse(f"0.5*sum(w*({residual})**2)").for_arrays()
    whole_values = arrays.forward(whole, [point[v] for v in whole.variables])
    gradients, expected = array_second.hessian(whole, whole_values, wrt)
    np.testing.assert_allclose(matrix, expected, rtol=1e-13)
    np.testing.assert_allclose(gradient, np.array(gradients, dtype=float), rtol=1e-13)
    # and the Gauss-Newton part alone is J^T W J: the rest is sum w r d2r
    jac = array_second.jacobian(graph, values, wrt)
    assert not np.allclose(matrix, jac.T @ (w[:, None] * jac), rtol=1e-3)
