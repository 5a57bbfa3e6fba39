"""Array gradients and Hessians against autograd and JAX, when installed
(skipped otherwise: never required)."""
import numpy as np
import pytest

import adcli

RNG = np.random.default_rng(5)
A = RNG.normal(size=(4, 3))
B = RNG.normal(size=4)
S = A.T @ A + np.eye(3)

#: (adcli text, the same function of x for the peer's numpy, the data)
CASES = [
    ("sum((A @ x - b)**2)", lambda np, x: np.sum((np.dot(A, x) - B) ** 2)),
    ("logsumexp(A @ x)", lambda np, x: np.log(np.sum(np.exp(np.dot(A, x))))),
    ("sum(tanh(A @ x) * b)", lambda np, x: np.sum(np.tanh(np.dot(A, x)) * B)),
    ("x @ S @ x / 2 + sum(exp(x))", lambda np, x: np.dot(x, np.dot(S, x)) / 2 + np.sum(np.exp(x))),
    ("sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)",
     lambda np, x: np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)),
    ("norm(A @ x - b)", lambda np, x: np.sqrt(np.sum((np.dot(A, x) - B) ** 2))),
    ("logdet(S + outer(x, x))", lambda np, x: np.linalg.slogdet(S + np.outer(x, x))[1]),
]
DATA = {"A": A, "b": B, "S": S}


def _adcli(text, x):
    graph = adcli.parse(text)
    at = {name: DATA[name] for name in graph.variables if name != "x"}
    at["x"] = x
    return (adcli.grad(graph, at, wrt=["x"]).gradient["x"],
            adcli.hessian(graph, at, wrt=["x"]).matrix)


@pytest.mark.parametrize("text, function", CASES, ids=[case[0] for case in CASES])
def test_against_autograd(text, function):
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    x = RNG.normal(size=3) * 0.5
    gradient, hessian = _adcli(text, x)
    f = lambda x: function(anp, x)  # noqa: E731
    assert np.allclose(gradient, autograd.grad(f)(x), rtol=1e-12, atol=1e-12)
    assert np.allclose(hessian, autograd.hessian(f)(x), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("text, function", CASES, ids=[case[0] for case in CASES])
def test_against_jax(text, function):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = pytest.importorskip("jax.numpy")
    x = RNG.normal(size=3) * 0.5
    gradient, hessian = _adcli(text, x)
    f = lambda x: function(jnp, x)  # noqa: E731
    assert np.allclose(gradient, np.asarray(jax.grad(f)(x)), rtol=1e-12, atol=1e-12)
    assert np.allclose(hessian, np.asarray(jax.hessian(f)(x)), rtol=1e-10, atol=1e-10)
