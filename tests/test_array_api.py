"""adcli.grad, jacobian, hessian, hvp, jvp, vjp, values and minimize on
arrays, against matrix-calculus identities in closed form (numpy) and
central differences."""
import numpy as np
import pytest

import adcli
from adcli.array_results import ArrayGradient

RNG = np.random.default_rng(12)
X = RNG.normal(size=(3, 3)) + 3 * np.eye(3)  # well conditioned
M = RNG.normal(size=(3, 3))
u, v = RNG.normal(size=3), RNG.normal(size=3)


def central(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    out = np.zeros_like(x)
    for k in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[k] = h
        out[k] = (f(x + e) - f(x - e)) / (2 * h)
    return out


@pytest.mark.parametrize("text, closed_form", [
    ("trace(M @ X)", lambda: M.T),
    ("logdet(X)", lambda: np.linalg.inv(X).T),
    ("det(X)", lambda: np.linalg.det(X) * np.linalg.inv(X).T),
    ("u @ X @ v", lambda: np.outer(u, v)),
    ("trace(inv(X))", lambda: -(np.linalg.inv(X) @ np.linalg.inv(X)).T),
    ("sum(X**2)", lambda: 2 * X),
    ("norm(X)", lambda: X / np.linalg.norm(X)),
    ("sum(solve(X, u))", lambda: -np.outer(np.linalg.solve(X.T, np.ones(3)),
                                           np.linalg.solve(X, u))),
    ("trace(X.T @ M @ X)", lambda: (M + M.T) @ X),
])
def test_matrix_gradients_match_their_closed_forms(text, closed_form):
    given = {"X": X, "M": M, "u": u, "v": v}
    graph = adcli.parse(text)
    result = adcli.grad(graph, {name: given[name] for name in graph.variables}, wrt=["X"])
    assert isinstance(result, ArrayGradient)
    assert result.gradient["X"].shape == (3, 3)
    assert np.allclose(result.gradient["X"], closed_form(), rtol=1e-12, atol=1e-12)


def test_least_squares_gradient_and_hessian():
    a, b, x = RNG.normal(size=(6, 3)), RNG.normal(size=6), RNG.normal(size=3)
    at = {"A": a, "b": b, "x": x}
    g = adcli.grad("sum((A @ x - b)**2)", at, wrt=["x"])
    assert np.allclose(g.gradient["x"], 2 * a.T @ (a @ x - b), rtol=1e-13, atol=1e-13)
    h = adcli.hessian("sum((A @ x - b)**2)", at, wrt=["x"])
    assert np.allclose(h.matrix, 2 * a.T @ a, rtol=1e-13, atol=1e-13)
    assert h.labels == ["x[0]", "x[1]", "x[2]"]


def test_softmax_cross_entropy_gradient_is_p_minus_y():
    z, y = RNG.normal(size=5), np.eye(5)[2]
    result = adcli.grad("logsumexp(z) - dot(y, z)", {"z": z, "y": y}, wrt="z")
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert np.allclose(result.gradient["z"], p - y, rtol=1e-14, atol=1e-15)


def test_a_small_network_against_central_differences():
    text = "sum((W2 @ tanh(W1 @ X.T + b1) + b2 - y)**2) / 4"
    data = {"X": RNG.normal(size=(4, 2)), "y": RNG.normal(size=(1, 4)),
            "W1": RNG.normal(size=(3, 2)), "b1": RNG.normal(size=(3, 1)),
            "W2": RNG.normal(size=(1, 3)), "b2": RNG.normal(size=(1, 1))}
    result = adcli.grad(text, data, wrt=["W1", "b1", "W2", "b2"])
    for name in ("W1", "b1", "W2", "b2"):
        def f(value, name=name):
            return float(adcli.values(text, {**data, name: value}).values["f"])
        assert np.allclose(result.gradient[name], central(f, data[name]), rtol=1e-7,
                           atol=1e-8), name
    assert set(result.gradient) == {"W1", "b1", "W2", "b2"}  # X and y are data


def test_hessian_of_logsumexp_and_hvp_agree():
    x = np.array([1.0, 2.0, 3.0])
    h = adcli.hessian("logsumexp(x)", {"x": x})
    p = np.exp(x) / np.exp(x).sum()
    assert np.allclose(h.matrix, np.diag(p) - np.outer(p, p), rtol=1e-14, atol=1e-16)
    direction = np.array([0.5, -1.0, 2.0])
    product = adcli.hvp("logsumexp(x)", {"x": x}, {"x": direction})
    assert np.allclose(product.product["x"], h.matrix @ direction, rtol=1e-14, atol=1e-15)


def test_hessian_of_a_matrix_variable_is_flattened_in_c_order():
    h = adcli.hessian("logdet(X)", {"X": X})
    inverse = np.linalg.inv(X)
    # d2 logdet / dX_ij dX_kl = -inv(X)_jk inv(X)_li
    expected = -np.einsum("jk,li->ijkl", inverse, inverse).reshape(9, 9)
    assert np.allclose(h.matrix, expected, rtol=1e-12, atol=1e-13)
    assert h.labels[:4] == ["X[0,0]", "X[0,1]", "X[0,2]", "X[1,0]"]


def test_jacobian_blocks_have_shape_s_plus_t():
    result = adcli.jacobian("A @ x; sum(A, axis=0)", {"A": M, "x": u})
    assert result.blocks["f1", "x"].shape == (3, 3)
    assert result.blocks["f1", "A"].shape == (3, 3, 3)
    assert result.blocks["f2", "A"].shape == (3, 3, 3)
    assert np.allclose(result.blocks["f1", "x"], M)
    assert result.matrix.shape == (6, 12)
    forward = adcli.jacobian("A @ x; sum(A, axis=0)", {"A": M, "x": u}, mode="forward")
    assert forward.mode.mode == "forward"
    for key, block in result.blocks.items():
        assert np.allclose(block, forward.blocks[key], rtol=1e-15, atol=1e-15)


def test_jvp_and_vjp_are_the_jacobian_times_a_vector():
    at = {"A": M, "x": u}
    jacobian = adcli.jacobian("tanh(A @ x)", at, wrt=["x"]).blocks["f", "x"]
    jvp = adcli.jvp("tanh(A @ x)", at, {"x": v}, wrt=["x"]).product["f"]
    vjp = adcli.vjp("tanh(A @ x)", at, {"f": v}, wrt=["x"]).product["x"]
    assert np.allclose(jvp, jacobian @ v, rtol=1e-14, atol=1e-15)
    assert np.allclose(vjp, v @ jacobian, rtol=1e-14, atol=1e-15)


def test_points_is_the_explicit_batch():
    batch = adcli.grad("x*y", points={"x": np.array([1.0, 2.0]), "y": np.array([3.0, 4.0])})
    assert batch.gradient["x"].tolist() == [3.0, 4.0]
    with pytest.raises(adcli.PointError):
        adcli.grad("x*y", [1, 2], points={"x": [1.0], "y": [2.0]})


def test_the_same_shapes_reuse_one_plan():
    graph = adcli.parse("sum((A @ x - b)**2)")
    first = adcli.grad(graph, {"A": M, "b": u, "x": v}, wrt=["x"])
    plans = [key for key in first.graph._cache if key[0] == "arrays.plan"]
    second = adcli.grad(graph, {"A": 2 * M, "b": u, "x": v}, wrt=["x"])
    assert [key for key in second.graph._cache if key[0] == "arrays.plan"] == plans
    assert second.graph is first.graph


def test_minimize_least_squares_on_arrays_matches_lstsq():
    a, b = RNG.normal(size=(8, 3)), RNG.normal(size=8)
    result = adcli.minimize("sum((A @ x - b)**2)", {"x": np.zeros(3)}, at={"A": a, "b": b})
    assert result.converged
    assert np.allclose(result.x["x"], np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-9,
                       atol=1e-10)


def test_minimize_the_slice_form_rosenbrock():
    result = adcli.minimize("sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)",
                            "x=zeros(10)")
    assert result.converged and result.method == "newton"
    assert np.allclose(result.x["x"], np.ones(10), atol=1e-7)
    assert result.labels[0] == "x[0]" and len(result.labels) == 10


def test_the_caller_s_arrays_are_never_written():
    a, b, x = RNG.normal(size=(50, 50)), RNG.normal(size=50), RNG.normal(size=50)
    seed = RNG.normal(size=50)
    kept = [array.copy() for array in (a, b, x, seed)]
    text = "sum((A @ x - b)**2) + sum(exp(x)*x) - sum(x[1:]*x[:-1])"
    adcli.grad(text, {"A": a, "b": b, "x": x})
    adcli.hessian(text, {"A": a, "b": b, "x": x}, wrt=["x"])
    adcli.vjp("A @ x - b", {"A": a, "b": b, "x": x}, {"f": seed})
    adcli.jvp("A @ x - b", {"A": a, "b": b, "x": x}, {"A": a, "b": b, "x": seed})
    for array, copy in zip((a, b, x, seed), kept):
        assert np.array_equal(array, copy)


def test_forward_mode_gradients_are_the_reverse_ones():
    at = {"A": M, "x": u}
    reverse = adcli.grad("sum(tanh(A @ x)**2)", at, wrt=["x", "A"])
    forward = adcli.grad("sum(tanh(A @ x)**2)", at, wrt=["x", "A"], mode="forward")
    assert forward.mode.mode == "forward" and forward.mode.inputs == 12
    for name in ("x", "A"):
        assert forward.gradient[name].shape == reverse.gradient[name].shape
        assert np.allclose(forward.gradient[name], reverse.gradient[name], rtol=1e-14,
                           atol=1e-15)


def test_operators_without_batches_read_a_mapping_of_arrays_as_arrays():
    # values, hessian, jvp, vjp have no batch form: arrays there are arrays
    assert adcli.values("b*x", {"x": np.array([1.0, 2.0]), "b": 2.0}).values["f"].tolist() \
        == [2.0, 4.0]
    assert adcli.hessian("sum(x**3)", {"x": [1.0, 2.0]}).matrix.tolist() == [[6.0, 0.0],
                                                                           [0.0, 12.0]]
    ragged = {"A": np.ones((2, 2)), "x": np.ones(3)}
    with pytest.raises(adcli.AdcliError, match="cannot matmul"):
        adcli.values("A @ x", ragged)
