"""adcli/engine/arrays.py: the array interpreter over graphs built by hand
(GraphBuilder; the language does not know arrays yet).  Elementwise ops of
ops.TABLE with broadcasting (generated from the table), matrix-calculus
identities against closed forms, shape errors at the node with a caret,
non-finite values named, and the plan cached per set of input shapes."""
import math

import numpy as np
import pytest

from adcli import ops
from adcli.engine import arrays, scalar
from adcli.errors import DomainError, ShapeError
from array_tapes import Tape

RNG = np.random.default_rng(2026)
H = 1e-6


def value_of(graph, point, output=None):
    values = arrays.forward(graph, point)
    return values[graph.outputs[0] if output is None else output]


def numeric_gradient(graph, point, seed=1.0):
    """d <seed, f> / d point, entry by entry, by central differences."""
    grads = []
    for k, x in enumerate(point):
        x = np.asarray(x, dtype=float)
        grad = np.zeros(x.shape)
        for i in np.ndindex(x.shape):
            sides = []
            for sign in (1.0, -1.0):
                moved = [np.array(p, dtype=float) for p in point]
                moved[k][i] += sign * H * max(1.0, abs(x[i]))
                sides.append(np.sum(seed * value_of(graph, moved)))
            grad[i] = (sides[0] - sides[1]) / (2 * H * max(1.0, abs(x[i])))
        grads.append(grad)
    return grads


def gradient(graph, point, seed=None):
    values = arrays.forward(graph, point)
    adjoints = arrays.backward(graph, values, seed)
    return [adjoints[v] for v in graph.var_nodes]


# --- elementwise ops of TABLE, with broadcasting ----------------------------------------

#: argument shapes that broadcast to (3, 4) or (2, 3)
BROADCAST = {1: [(2, 3)], 2: [(3, 1), (4,)], 3: [(2, 1), (3,), ()]}


def _sample(domain, shape):
    low, high = domain
    return RNG.uniform(low, high, shape) if shape else float(RNG.uniform(low, high))


def _elementwise_graph(op):
    count = op.nargs or 3
    tape = Tape(op.name)
    names = [f"x{k}" for k in range(1, count + 1)]
    nodes = [tape.var(name) for name in names]
    graph = tape.build(tape.elementwise(op.name, *nodes))
    domains = op.domain if op.nargs else op.domain * count
    point = [_sample(d, s) for d, s in zip(domains, BROADCAST[count])]
    return graph, point


@pytest.mark.parametrize("name", sorted(ops.TABLE))
def test_elementwise_vjp_sums_over_broadcast_axes(name):
    op = ops.TABLE[name]
    graph, point = _elementwise_graph(op)
    out_shape = np.broadcast_shapes(*(np.shape(p) for p in point))
    seed = RNG.uniform(-1.0, 1.0, out_shape)
    grads = gradient(graph, point, seed)
    for got, expected, x in zip(grads, numeric_gradient(graph, point, seed), point):
        assert np.shape(got) == np.shape(x)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ops.TABLE))
def test_elementwise_jvp_matches_central_differences(name):
    op = ops.TABLE[name]
    graph, point = _elementwise_graph(op)
    tangents = [RNG.uniform(-1.0, 1.0, np.shape(p)) for p in point]
    (got,) = arrays.jvp(graph, arrays.forward(graph, point), tangents)
    ahead = value_of(graph, [p + H * t for p, t in zip(point, tangents)])
    behind = value_of(graph, [p - H * t for p, t in zip(point, tangents)])
    np.testing.assert_allclose(got, (ahead - behind) / (2 * H), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(n for n, op in ops.TABLE.items() if op.nargs == 1))
def test_elementwise_values_are_the_scalar_paths_bits(name):
    op = ops.TABLE[name]
    graph, point = _elementwise_graph(op)
    got = value_of(graph, point)
    expected = [op.forward(scalar, float(x)) for x in point[0].ravel()]
    assert [float(v).hex() for v in np.ravel(got)] == [v.hex() for v in expected]


def test_elementwise_max_ties_share_the_derivative_as_the_scalar_max_does():
    tape = Tape("max(x, y)")
    graph = tape.build(tape.elementwise("max", tape.var("x"), tape.var("y")))
    gx, gy = gradient(graph, [np.array([1.0, 2.0, 3.0]), 2.0], np.ones(3))
    np.testing.assert_array_equal(gx, [0.0, 0.5, 1.0])
    assert gy == 1.5  # 1 from the first entry, 1/2 from the tie


# --- matrix calculus against closed forms ---------------------------------------------


def _matrix(n, m=None):
    return RNG.uniform(-1.0, 1.0, (n, m or n))


def _spd(n):
    a = _matrix(n)
    return a @ a.T + n * np.eye(n)


def test_quadratic_form_gradient_is_a_plus_a_transpose_times_x():
    tape = Tape("x.T @ A @ x")
    x, a = tape.var("x"), tape.var("A")
    out = tape("matmul", tape("matmul", tape("transpose", x), a), x)
    graph = tape.build(out)
    A, xv = _matrix(4), RNG.uniform(-1, 1, 4)
    gA, gx = gradient(graph, [A, xv])
    np.testing.assert_allclose(gx, (A + A.T) @ xv, rtol=1e-12)
    np.testing.assert_allclose(gA, np.outer(xv, xv), rtol=1e-12)


def test_the_issues_example_value_18_gradient_8_14():
    tape = Tape("x.T @ A @ x")
    x, a = tape.var("x"), tape.var("A")
    graph = tape.build(tape("matmul", tape("matmul", tape("transpose", x), a), x))
    point = [np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0])]
    assert value_of(graph, point) == 18.0
    np.testing.assert_array_equal(gradient(graph, point)[1], [8.0, 14.0])


def test_logdet_gradient_is_the_inverse_transpose():
    tape = Tape("logdet(X)")
    graph = tape.build(tape("logdet", tape.var("X")))
    X = _matrix(4) + 3 * np.eye(4)
    (g,) = gradient(graph, [X])
    np.testing.assert_allclose(g, np.linalg.inv(X).T, rtol=1e-12)
    assert value_of(graph, [X]) == pytest.approx(math.log(abs(np.linalg.det(X))), rel=1e-13)


def test_det_gradient_is_det_times_the_inverse_transpose():
    tape = Tape("det(X)")
    graph = tape.build(tape("det", tape.var("X")))
    X = _matrix(3) + 2 * np.eye(3)
    (g,) = gradient(graph, [X])
    np.testing.assert_allclose(g, np.linalg.det(X) * np.linalg.inv(X).T, rtol=1e-12)


def test_trace_of_a_x_gradient_is_a_transpose():
    tape = Tape("trace(A @ X)")
    graph = tape.build(tape("trace", tape("matmul", tape.var("A"), tape.var("X"))))
    A, X = _matrix(3, 4), _matrix(4, 3)
    gA, gX = gradient(graph, [A, X])
    np.testing.assert_allclose(gX, A.T, rtol=1e-14)
    np.testing.assert_allclose(gA, X.T, rtol=1e-14)


def test_least_squares_gradient_is_two_a_transpose_residual():
    tape = Tape("sum((A @ x - b)**2)")
    A, x, b = tape.var("A"), tape.var("x"), tape.var("b")
    residual = tape.elementwise("sub", tape("matmul", A, x), b)
    out = tape("sum", tape.elementwise("pow", residual, tape.const(2.0)))
    graph = tape.build(out)
    Av, xv, bv = _matrix(5, 3), RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 5)
    gA, gb, gx = gradient(graph, [Av, bv, xv])
    r = Av @ xv - bv
    np.testing.assert_allclose(gx, 2 * Av.T @ r, rtol=1e-12)
    np.testing.assert_allclose(gb, -2 * r, rtol=1e-12)
    np.testing.assert_allclose(gA, 2 * np.outer(r, xv), rtol=1e-12)


def test_norm_of_a_residual_gradient():
    tape = Tape("norm(A @ x - b)")
    A, x, b = tape.var("A"), tape.var("x"), tape.var("b")
    graph = tape.build(tape("norm", tape.elementwise("sub", tape("matmul", A, x), b)))
    Av, xv, bv = _matrix(4, 2), RNG.uniform(-1, 1, 2), RNG.uniform(-1, 1, 4)
    r = Av @ xv - bv
    np.testing.assert_allclose(gradient(graph, [Av, bv, xv])[2],
                               Av.T @ r / np.linalg.norm(r), rtol=1e-12)


def test_softmax_jacobian_is_diag_s_minus_s_s_transpose():
    tape = Tape("softmax(x)")
    graph = tape.build(tape("softmax", tape.var("x")))
    xv = RNG.uniform(-2, 2, 4)
    values = arrays.forward(graph, [xv])
    s = np.exp(xv) / np.sum(np.exp(xv))
    expected = np.diag(s) - np.outer(s, s)
    by_rows = np.array([gradient(graph, [xv], seed=e)[0] for e in np.eye(4)])
    by_columns = np.array([arrays.jvp(graph, values, [e])[0] for e in np.eye(4)]).T
    np.testing.assert_allclose(by_rows, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(by_columns, expected, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_gradient_is_softmax_minus_the_label():
    tape = Tape("logsumexp(z) - dot(y, z)")
    z, y = tape.var("z"), tape.var("y")
    graph = tape.build(tape.elementwise("sub", tape("logsumexp", z), tape("dot", y, z)))
    zv, yv = RNG.uniform(-3, 3, 5), np.eye(5)[2]
    gy, gz = gradient(graph, [yv, zv])
    np.testing.assert_allclose(gz, np.exp(zv) / np.sum(np.exp(zv)) - yv, rtol=1e-12, atol=1e-15)


def test_inverse_and_solve_agree_and_match_closed_forms():
    # f = c^T inv(A) b: df/dA = -inv(A)^T c b^T inv(A)^T, df/db = inv(A)^T c
    for form in ("inv", "solve"):
        tape = Tape(form)
        A, b, c = tape.var("A"), tape.var("b"), tape.var("c")
        x = tape("matmul", tape("inv", A), b) if form == "inv" else tape("solve", A, b)
        graph = tape.build(tape("dot", c, x))
        Av, bv, cv = _spd(3), RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 3)
        gA, gb, gc = gradient(graph, [Av, bv, cv])
        inverse = np.linalg.inv(Av)
        np.testing.assert_allclose(gA, -inverse.T @ np.outer(cv, bv) @ inverse.T, rtol=1e-11)
        np.testing.assert_allclose(gb, inverse.T @ cv, rtol=1e-11)
        np.testing.assert_allclose(gc, inverse @ bv, rtol=1e-11)


def test_a_small_network_against_central_differences():
    # sum((W2 @ tanh(W1 @ x + b1) - y)**2) over a batch of 5 columns
    tape = Tape("net")
    W1, b1, W2, X, Y = (tape.var(n) for n in ("W1", "b1", "W2", "X", "Y"))
    hidden = tape.elementwise("tanh", tape.elementwise(
        "add", tape("matmul", W1, X), tape("transpose", tape("stack", b1))))
    error = tape.elementwise("sub", tape("matmul", W2, hidden), Y)
    graph = tape.build(tape("mean", tape.elementwise("mul", error, error)))
    point = [_matrix(3, 2), _matrix(1, 3), RNG.uniform(-1, 1, (2, 5)), RNG.uniform(-1, 1, (1, 5)),
             RNG.uniform(-1, 1, 3)]
    order = dict(zip(("W1", "W2", "X", "Y", "b1"), point))
    point = [order[name] for name in graph.variables]
    for got, expected in zip(gradient(graph, point), numeric_gradient(graph, point)):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_slice_form_rosenbrock_against_its_closed_form():
    tape = Tape("sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)")
    x = tape.var("x")
    head = tape("index", x, index=(slice(None, -1),))
    tail = tape("index", x, index=(slice(1, None),))
    two = tape.const(2.0)
    first = tape.elementwise("mul", tape.const(100.0), tape.elementwise(
        "pow", tape.elementwise("sub", tail, tape.elementwise("pow", head, two)), two))
    second = tape.elementwise("pow", tape.elementwise("sub", tape.const(1.0), head), two)
    graph = tape.build(tape("sum", tape.elementwise("add", first, second)))
    xv = RNG.uniform(-1.5, 1.5, 50)
    expected = np.zeros(50)
    t = xv[1:] - xv[:-1] ** 2
    expected[:-1] += -400 * xv[:-1] * t - 2 * (1 - xv[:-1])
    expected[1:] += 200 * t
    np.testing.assert_allclose(gradient(graph, [xv])[0], expected, rtol=1e-12, atol=1e-12)
    assert value_of(graph, [xv]) == pytest.approx(np.sum(100 * t ** 2 + (1 - xv[:-1]) ** 2),
                                                  rel=1e-14)


def test_an_array_literal_of_expressions_and_its_gradient():
    # [[x, 2*x], [y, x*y]] summed: d/dx = 1 + 2 + y, d/dy = 1 + x
    tape = Tape("[[x, 2*x], [y, x*y]]")
    x, y = tape.var("x"), tape.var("y")
    rows = [tape("stack", x, tape.elementwise("mul", tape.const(2.0), x)),
            tape("stack", y, tape.elementwise("mul", x, y))]
    literal = tape("stack", *rows)
    graph = tape.build(tape("sum", literal))
    assert arrays.shapes(graph, [(), ()])[literal] == (2, 2)
    gx, gy = gradient(graph, [1.5, -2.0])
    assert (gx, gy) == (1.0 + 2.0 - 2.0, 1.0 + 1.5)


def test_constants_zeros_ones_eye_are_nodes_not_folded():
    tape = Tape("sum((eye(3) + ones(3)) @ x) + sum(zeros(2, 3))")
    x = tape.var("x")
    eye = tape("eye", n=3)
    assert not tape.builder.is_constant(eye)
    total = tape.elementwise("add", tape("sum", tape("matmul", tape.elementwise(
        "add", eye, tape("ones", shape=(3,))), x)), tape("sum", tape("zeros", shape=(2, 3))))
    graph = tape.build(total)
    xv = np.array([1.0, 2.0, 3.0])
    assert value_of(graph, [xv]) == pytest.approx(np.sum((np.eye(3) + 1) @ xv))
    np.testing.assert_allclose(gradient(graph, [xv])[0], np.sum(np.eye(3) + 1, axis=0))
    (t,) = arrays.jvp(graph, arrays.forward(graph, [xv]), [np.ones(3)])
    assert t == pytest.approx(np.sum((np.eye(3) + 1) @ np.ones(3)))


def test_an_array_op_of_constants_only_is_not_folded():
    tape = Tape("sum([1, 2]) * x")
    literal = tape("stack", tape.const(1.0), tape.const(2.0))
    total = tape("sum", literal)
    assert not tape.builder.is_constant(literal) and not tape.builder.is_constant(total)
    graph = tape.build(tape.elementwise("mul", total, tape.var("x")))
    assert value_of(graph, [2.0]) == 6.0
    assert gradient(graph, [2.0]) == [3.0]


def test_identical_nodes_with_the_same_params_are_one_node():
    tape = Tape("sum(A, axis=0) + sum(A, axis=0) + sum(A, axis=1)")
    A = tape.var("A")
    assert tape("sum", A, axis=0) == tape("sum", A, axis=0)
    assert tape("sum", A, axis=0) != tape("sum", A, axis=1)
    spec = (slice(1, None), 0)
    assert tape("index", A, index=spec) == tape("index", A, index=(slice(1, None), 0))


# --- vector outputs, seeds, tangents -------------------------------------------------------


def test_a_vector_output_needs_a_seed_for_backward():
    tape = Tape("A @ x")
    graph = tape.build(tape("matmul", tape.var("A"), tape.var("x")))
    values = arrays.forward(graph, [_matrix(2, 3), np.ones(3)])
    with pytest.raises(ShapeError, match=r"the output has shape \(2,\)"):
        arrays.backward(graph, values)
    with pytest.raises(ShapeError, match=r"the seed has shape \(3,\), the output \(2,\)"):
        arrays.backward(graph, values, np.ones(3))


def test_jacobian_of_a_vector_output_by_rows_and_columns_agree():
    # f(x) = A @ exp(x) * x: J = A diag(exp(x)) then times x elementwise ...
    tape = Tape("exp(A @ x) / sum(x)")
    A, x = tape.var("A"), tape.var("x")
    graph = tape.build(tape.elementwise("div", tape.elementwise("exp", tape("matmul", A, x)),
                                        tape("sum", x)))
    point = [_matrix(3, 4), RNG.uniform(0.5, 1.5, 4)]
    values = arrays.forward(graph, point)
    rows = np.array([arrays.backward(graph, values, e)[graph.var_nodes[1]] for e in np.eye(3)])
    columns = np.array([arrays.jvp(graph, values, [None, e])[0] for e in np.eye(4)]).T
    np.testing.assert_allclose(rows, columns, rtol=1e-13, atol=1e-15)
    numeric = np.array([numeric_gradient(graph, point, e)[1] for e in np.eye(3)])
    np.testing.assert_allclose(rows, numeric, rtol=1e-6)


def test_variables_the_output_does_not_use_get_zero_adjoints_of_their_shape():
    tape = Tape("sum(x)")
    x = tape.var("x")
    tape.var("A")
    graph = tape.build(tape("sum", x))
    gA, gx = gradient(graph, [np.ones((2, 3)), np.ones(4)])
    np.testing.assert_array_equal(gA, np.zeros((2, 3)))
    np.testing.assert_array_equal(gx, np.ones(4))


def test_scalar_variables_mix_with_arrays():
    tape = Tape("sum(a * x + b)")
    a, x, b = tape.var("a"), tape.var("x"), tape.var("b")
    graph = tape.build(tape("sum", tape.elementwise("add", tape.elementwise("mul", a, x), b)))
    ga, gb, gx = gradient(graph, [2.0, 3.0, np.array([1.0, 2.0, 4.0])])
    assert np.shape(ga) == () and ga == 7.0
    assert gb == 3.0
    np.testing.assert_array_equal(gx, [2.0, 2.0, 2.0])


# --- shapes and their errors -----------------------------------------------------------------


def test_a_matmul_mismatch_names_both_shapes_and_points_at_the_operator():
    source = "A @ x"
    tape = Tape(source)
    graph = tape.build(tape("matmul", tape.var("A"), tape.var("x"), at="@"))
    with pytest.raises(ShapeError) as caught:
        arrays.forward(graph, [np.ones((3, 2)), np.ones(3)])
    error = caught.value
    assert error.message == "cannot matmul (3, 2) @ (3,): 2 != 3"
    assert (error.start, error.end) == (2, 3)
    assert str(error).splitlines() == ["cannot matmul (3, 2) @ (3,): 2 != 3", "  A @ x", "    ^"]


def test_a_broadcast_mismatch_names_both_shapes():
    tape = Tape("x + y")
    graph = tape.build(tape.elementwise("add", tape.var("x"), tape.var("y"), at="+"))
    with pytest.raises(ShapeError) as caught:
        arrays.shapes(graph, [(3,), (4,)])
    assert caught.value.message.startswith("cannot broadcast (3,) and (4,)")
    assert str(caught.value).splitlines()[1:] == ["  x + y", "    ^"]


def test_shape_errors_come_before_any_evaluation():
    tape = Tape("log(x) + det(A)")
    graph = tape.build(tape.elementwise("add", tape.elementwise("log", tape.var("x")),
                                        tape("det", tape.var("A"), at="det")))
    with pytest.raises(ShapeError, match="det needs a square matrix") as caught:
        arrays.forward(graph, [np.ones((2, 3)), np.array([-1.0])])
    assert caught.value.start == 9


def test_axis_and_index_errors_at_their_nodes():
    tape = Tape("sum(A, axis=2) + x[5]")
    summed = tape("sum", tape.var("A"), axis=2, at="sum(A, axis=2)")
    indexed = tape("index", tape.var("x"), index=(5,), at="x[5]")
    graph = tape.build(tape.elementwise("add", summed, indexed))
    with pytest.raises(ShapeError, match=r"axis 2 is out of range for a matrix of shape \(2, 2\)"):
        arrays.shapes(graph, [(2, 2), (3,)])
    with pytest.raises(ShapeError, match=r"index 5 is out of range") as caught:
        arrays.shapes(graph, [(2, 2, 2), (3,)])
    assert caught.value.node == indexed
    assert caught.value.start == tape.source.index("x[5]")


def test_shapes_of_every_node():
    tape = Tape("outer(x, y) @ A")
    o = tape("outer", tape.var("x"), tape.var("y"))
    out = tape("matmul", o, tape.var("A"))
    graph = tape.build(out)
    result = arrays.shapes(graph, [(4, 5), (3,), (4,)])
    assert result[o] == (3, 4) and result[out] == (3, 5)


def test_the_plan_is_made_once_per_set_of_input_shapes():
    tape = Tape("sum(A @ x)")
    graph = tape.build(tape("sum", tape("matmul", tape.var("A"), tape.var("x"))))
    for _ in range(3):
        arrays.forward(graph, [_matrix(3, 2), RNG.uniform(-1, 1, 2)])
    plans = [key for key in graph._cache if key[0] == "arrays.plan"]
    assert len(plans) == 1
    arrays.forward(graph, [_matrix(4, 2), RNG.uniform(-1, 1, 2)])
    assert len([key for key in graph._cache if key[0] == "arrays.plan"]) == 2


# --- non-finite values ---------------------------------------------------------------------


def test_a_singular_solve_is_a_domain_error_naming_the_node():
    tape = Tape("sum(solve(A, b))")
    solved = tape("solve", tape.var("A"), tape.var("b"), at="solve(A, b)")
    graph = tape.build(tape("sum", solved))
    values = arrays.forward(graph, [np.array([[1.0, 2.0], [2.0, 4.0]]), np.ones(2)])
    error = arrays.first_nonfinite(graph, values)
    assert isinstance(error, DomainError)
    assert error.message.startswith("solve(A, b) is not finite")
    assert (error.start, error.end) == (4, 15)
    assert arrays.first_nonfinite(graph, arrays.forward(graph, [np.eye(2), np.ones(2)])) is None


def test_logdet_of_a_singular_matrix_is_a_domain_error():
    tape = Tape("logdet(X)")
    graph = tape.build(tape("logdet", tape.var("X")))
    values = arrays.forward(graph, [np.zeros((2, 2))])
    assert "-inf" in arrays.first_nonfinite(graph, values).message


# --- no recursion, linear work ----------------------------------------------------------------


def test_a_long_chain_runs_without_recursion():
    tape = Tape("x")
    node = tape.var("x")
    for _ in range(20000):
        node = tape.elementwise("mul", tape.const(1.0001), tape("transpose", node))
    graph = tape.build(tape("sum", node))
    (g,) = gradient(graph, [np.ones(3)])
    np.testing.assert_allclose(g, np.full(3, 1.0001 ** 20000), rtol=1e-9)


# --- wrt: only the wanted variables' adjoints are formed ---------------------------------


def test_gradient_with_respect_to_some_variables_only():
    tape = Tape("sum((A @ x - b)**2)")
    A, x, b = tape.var("A"), tape.var("x"), tape.var("b")
    residual = tape.elementwise("sub", tape("matmul", A, x), b)
    graph = tape.build(tape("sum", tape.elementwise("mul", residual, residual)))
    Av, xv, bv = _matrix(4, 3), RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 4)
    values = arrays.forward(graph, [Av, bv, xv])
    (gx,) = arrays.gradient(graph, values, wrt=["x"])
    np.testing.assert_allclose(gx, 2 * Av.T @ (Av @ xv - bv), rtol=1e-12)
    gb, gA = arrays.gradient(graph, values, wrt=["b", "A"])
    np.testing.assert_allclose(gA, 2 * np.outer(Av @ xv - bv, xv), rtol=1e-12)
    adjoints = arrays.backward(graph, values, wrt=["x"])
    np.testing.assert_array_equal(adjoints[graph.var_nodes[0]], np.zeros((4, 3)))
    with pytest.raises(ShapeError, match="not a variable of the expression: y"):
        arrays.gradient(graph, values, wrt=["y"])


# --- hypothesis: broadcasting over random shapes ----------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402


@st.composite
def _broadcasting_pair(draw):
    """Two shapes that broadcast: each axis of the result, 1 or dropped in either."""
    result = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    shapes = []
    for _ in range(2):
        shape = [1 if draw(st.booleans()) else d for d in result]
        drop = draw(st.integers(0, len(shape)))
        shapes.append(tuple(shape[drop:]))
    return shapes


@settings(max_examples=60, deadline=None)
@given(_broadcasting_pair(), st.sampled_from(["mul", "sub", "div", "atan2", "hypot"]),
       st.integers(0, 2**32 - 1))
def test_broadcasting_vjp_and_jvp_on_random_shapes(shapes, name, seed):
    rng = np.random.default_rng(seed)
    tape = Tape(name)
    graph = tape.build(tape.elementwise(name, tape.var("x"), tape.var("y")))
    point = [rng.uniform(0.5, 2.0, s) for s in shapes]
    out_shape = np.broadcast_shapes(*shapes)
    assert arrays.shapes(graph, shapes)[graph.output] == out_shape
    g = rng.uniform(-1, 1, out_shape)
    values = arrays.forward(graph, point)
    cotangents = [arrays.backward(graph, values, g)[v] for v in graph.var_nodes]
    for got, expected, s in zip(cotangents, numeric_gradient(graph, point, g), shapes):
        assert np.shape(got) == s
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    tangents = [rng.uniform(-1, 1, s) for s in shapes]
    (t,) = arrays.jvp(graph, values, tangents)
    assert np.shape(t) == out_shape
    np.testing.assert_allclose(np.sum(g * t), sum(np.sum(c * u) for c, u in
                                                  zip(cotangents, tangents)), rtol=1e-10,
                               atol=1e-12)


def matmul_chain(rng, m, n, k):
    """The tape of f = sum(sin(A @ B)) and a random point (A m x n, B n x k)."""
    tape = Tape("sum(sin(A @ B))")
    graph = tape.build(tape("sum", tape.elementwise(
        "sin", tape("matmul", tape.var("A"), tape.var("B")))))
    return graph, [rng.uniform(-1, 1, (m, n)), rng.uniform(-1, 1, (n, k))]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_matmul_chain_gradients_on_random_shapes(m, n, k, seed):
    rng = np.random.default_rng(seed)
    graph, point = matmul_chain(rng, m, n, k)
    values = arrays.forward(graph, point)
    cosine = np.cos(point[0] @ point[1])
    gA, gB = arrays.gradient(graph, values)
    np.testing.assert_allclose(gA, cosine @ point[1].T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gB, point[0].T @ cosine, rtol=1e-12, atol=1e-15)


# --- the backward pass is itself differentiable ----------------------------------------------
# The plan for exact Hessians is forward over reverse: the vjp rules run on
# arrays that carry tangents.  The complex step is such a carrier for
# analytic functions: grad(x + i h v) = grad(x) + i h H v + O(h^2), so
# Im(grad(x + i h v)) / h is H v to rounding, for h = 1e-30.  These pass only
# because every rule on the path is a composition of namespace functions.


def _complex_step_hvp(graph, point, k, v, h=1e-30):
    moved = [np.asarray(p, dtype=complex) for p in point]
    moved[k] = moved[k] + 1j * h * v
    values = arrays.forward(graph, moved)
    return [np.imag(g) / h for g in arrays.gradient(graph, values)]


def test_hessian_of_logsumexp_is_diag_s_minus_s_s_transpose():
    tape = Tape("logsumexp(x)")
    graph = tape.build(tape("logsumexp", tape.var("x")))
    xv = RNG.uniform(-2, 2, 4)
    s = np.exp(xv) / np.sum(np.exp(xv))
    hessian = np.array([_complex_step_hvp(graph, [xv], 0, e)[0] for e in np.eye(4)])
    np.testing.assert_allclose(hessian, np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-15)


def test_hessian_of_logdet_is_minus_inverse_products():
    # d2 logdet(X)[V, W] = -trace(X^-1 V X^-1 W): H v = -(X^-1 V X^-1)^T
    tape = Tape("logdet(X)")
    graph = tape.build(tape("logdet", tape.var("X")))
    X = _spd(3)
    V = _matrix(3)
    (hv,) = _complex_step_hvp(graph, [X], 0, V)
    inverse = np.linalg.inv(X)
    np.testing.assert_allclose(hv, -(inverse @ V @ inverse).T, rtol=1e-11, atol=1e-14)


def test_hessian_vector_products_through_solve_matmul_and_softmax():
    # f = sum(softmax(solve(A, x)) * (B @ x)): H v against central differences of the gradient
    tape = Tape("f")
    A, B, x = tape.var("A"), tape.var("B"), tape.var("x")
    graph = tape.build(tape("sum", tape.elementwise(
        "mul", tape("softmax", tape("solve", A, x)), tape("matmul", B, x))))
    point = [_spd(3), _matrix(3), RNG.uniform(-1, 1, 3)]
    v = RNG.uniform(-1, 1, 3)
    got = _complex_step_hvp(graph, point, 2, v)
    step = 1e-5
    ahead = arrays.gradient(graph, arrays.forward(graph, point[:2] + [point[2] + step * v]))
    behind = arrays.gradient(graph, arrays.forward(graph, point[:2] + [point[2] - step * v]))
    for g, a, b in zip(got, ahead, behind):
        np.testing.assert_allclose(g, (a - b) / (2 * step), rtol=1e-6, atol=1e-9)


def test_a_nonfinite_derivative_is_a_domain_error_naming_the_node():
    # sqrt(x) at x = [0, 1]: the value is finite, sqrt'(0) is not
    tape = Tape("sum(sqrt(x))")
    root = tape.elementwise("sqrt", tape.var("x"), at="sqrt(x)")
    graph = tape.build(tape("sum", root))
    values = arrays.forward(graph, [np.array([0.0, 1.0])])
    adjoints = arrays.backward(graph, values)
    assert arrays.first_nonfinite(graph, values) is None
    error = arrays.first_nonfinite(graph, values, adjoints)
    assert error.message.startswith("the derivative of sqrt(x) with respect to x is not finite")
    assert "1 of 2 entries" in error.message
    assert (error.start, error.end) == (4, 11)
    fine = arrays.forward(graph, [np.array([1.0, 4.0])])
    assert arrays.first_nonfinite(graph, fine, arrays.backward(graph, fine)) is None
