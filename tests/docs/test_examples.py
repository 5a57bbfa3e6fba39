"""examples/ never rots: every command of examples/commands.sh runs and
succeeds, and every expression file computes what its comments say."""
import math
import subprocess

import pytest

import adcli
from conftest import EXAMPLES, assert_close, fd_gradient, subprocess_env


def _command_lines():
    path = EXAMPLES / "commands.sh"
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines
            if "adcli" in line and not line.lstrip().startswith("#")]


COMMANDS = _command_lines()


def test_commands_script_exists_and_comments_every_command():
    path = EXAMPLES / "commands.sh"
    assert path.is_file()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(COMMANDS) >= 5
    for k, line in enumerate(lines):
        if line.strip() in COMMANDS:
            assert lines[k - 1].lstrip().startswith("#"), f"no comment above: {line}"


@pytest.mark.parametrize("command", COMMANDS, ids=[c[:60] for c in COMMANDS])
def test_example_command_succeeds(command):
    import shutil
    if shutil.which("adcli") is None:
        pytest.skip("the adcli console script is not installed (pip install .)")
    completed = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=EXAMPLES,
                               capture_output=True, text=True, env=subprocess_env(),
                               timeout=120)
    assert completed.returncode == 0, f"{command}\n{completed.stderr}"
    assert completed.stdout.strip(), command
    assert "Traceback" not in completed.stderr


def _parse_file(name):
    return adcli.parse((EXAMPLES / name).read_text(encoding="utf-8"))


def test_rosenbrock_file():
    graph = _parse_file("rosenbrock.txt")

    def f(x, y):
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2

    for point in ([1.0, 2.0], [-1.2, 1.0], [0.3, -0.4]):
        result = adcli.grad(graph, point)
        assert result.value == pytest.approx(f(*point), rel=1e-15)
        x, y = point  # by hand
        assert_close(list(result.gradient.values()),
                     [-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)], rtol=1e-14)
    minimum = adcli.grad(graph, [1.0, 1.0])
    assert minimum.value == 0.0 and all(d == 0 for d in minimum.gradient.values())


def test_logistic_loss_file():
    graph = _parse_file("logistic_loss.txt")
    assert graph.variables == ("b", "w1", "w2")
    samples = [((1.0, 2.0), 1), ((-1.5, 0.5), -1), ((0.3, -0.8), 1)]

    def loss(b, w1, w2):
        return sum(math.log1p(math.exp(-label * (w1 * x1 + w2 * x2 + b)))
                   for (x1, x2), label in samples)

    point = [0.1, 0.5, -0.25]
    result = adcli.grad(graph, point)
    assert result.value == pytest.approx(loss(*point), rel=1e-14)
    assert_close(list(result.gradient.values()), fd_gradient(loss, point))


def test_two_link_arm_file():
    graph = _parse_file("two_link_arm_x.txt")
    t1, t2 = math.pi / 4, math.pi / 6
    result = adcli.grad(graph, {"t1": t1, "t2": t2})
    assert result.value == pytest.approx(math.cos(t1) + 0.7 * math.cos(t1 + t2), rel=1e-15)
    # by hand: the first row of the arm's Jacobian
    assert_close([result.gradient["t1"], result.gradient["t2"]],
                 [-math.sin(t1) - 0.7 * math.sin(t1 + t2), -0.7 * math.sin(t1 + t2)],
                 rtol=1e-14)


def test_points_file_fits_the_rosenbrock_example():
    from adcli.points import read_csv_points
    graph = _parse_file("rosenbrock.txt")
    data = read_csv_points((EXAMPLES / "points.csv").read_text(encoding="utf-8"),
                           graph.variables)
    result = adcli.grad(graph, data)
    assert result.failed_rows == []
    assert len(result.value) == data.shape[0] >= 3


# --- the array examples: data files beside the programs (issue 12) -------------------------


def _program(name):
    """An example program with its load("...") files read from examples/."""
    return adcli.parse((EXAMPLES / name).read_text(encoding="utf-8"), base=EXAMPLES)


def _csv(name):
    """A data file read by numpy, independently of adcli's reader."""
    np = pytest.importorskip("numpy")
    return np.loadtxt(EXAMPLES / name, delimiter=",")


def test_least_squares_example():
    np = pytest.importorskip("numpy")
    graph = _program("least_squares.adx")
    assert graph.variables == ("x",) and graph.output_names == ("loss",)
    A, b = _csv("least_squares_A.csv"), _csv("least_squares_b.csv")
    assert A.shape == (5, 2) and b.shape == (5,)
    rng = np.random.default_rng(5)
    for x in [np.zeros(2), np.array([1.0, 2.0]), *rng.normal(size=(3, 2))]:
        result = adcli.grad(graph, {"x": x})
        r = A @ x - b
        assert float(result.value) == pytest.approx(r @ r, rel=1e-14)
        assert_close(result.gradient["x"].tolist(), (2 * A.T @ r).tolist(), rtol=1e-13,
                     atol=1e-12)
    # the comments' closed form: the normal equations' solution is [1, 2], loss 0.1
    solution = np.linalg.lstsq(A, b, rcond=None)[0]
    assert solution == pytest.approx([1.0, 2.0], abs=1e-13)
    assert (A.T @ A).tolist() == [[5, 10], [10, 30]]
    assert (A.T @ b) == pytest.approx([25, 70], rel=1e-15)
    at_answer = adcli.grad(graph, {"x": solution})
    assert float(at_answer.value) == pytest.approx(0.1, rel=1e-12)
    assert np.abs(at_answer.gradient["x"]).max() < 1e-12
    at_origin = adcli.grad(graph, "x=[0, 0]")
    assert float(at_origin.value) == pytest.approx(165.1, rel=1e-15)
    assert at_origin.gradient["x"].tolist() == pytest.approx([-50, -140], rel=1e-15)


#: the network's weights of commands.sh, as the scalar example named them:
#: W1 = [[w11, w12], [w21, w22]], b1 = [b1, b2], W2 = [v1, v2], b2 = c
NET_WEIGHTS = {"w11": 0.5, "w12": -0.3, "w21": 0.8, "w22": 0.2, "b1": 0.1, "b2": -0.1,
               "v1": 1.2, "v2": -0.7, "c": 0.05}


def _net_arrays(w):
    np = pytest.importorskip("numpy")
    return {"W1": np.array([[w["w11"], w["w12"]], [w["w21"], w["w22"]]]),
            "b1": np.array([w["b1"], w["b2"]]), "W2": np.array([w["v1"], w["v2"]]),
            "b2": w["c"]}


def _net_backprop(w, data):
    """The loss and its gradient by hand, one data point at a time, with the
    math module: backpropagation written out."""
    loss, grad = 0.0, dict.fromkeys(w, 0.0)
    for (x1, x2), target in data:
        h1 = math.tanh(w["w11"] * x1 + w["w12"] * x2 + w["b1"])
        h2 = math.tanh(w["w21"] * x1 + w["w22"] * x2 + w["b2"])
        out = 1 / (1 + math.exp(-(w["v1"] * h1 + w["v2"] * h2 + w["c"])))
        loss += (out - target) ** 2
        d_z = 2 * (out - target) * out * (1 - out)  # through the square and the sigmoid
        grad["c"] += d_z
        grad["v1"] += d_z * h1
        grad["v2"] += d_z * h2
        d_a1 = d_z * w["v1"] * (1 - h1 * h1)  # through tanh
        d_a2 = d_z * w["v2"] * (1 - h2 * h2)
        grad["b1"] += d_a1
        grad["b2"] += d_a2
        grad["w11"] += d_a1 * x1
        grad["w12"] += d_a1 * x2
        grad["w21"] += d_a2 * x1
        grad["w22"] += d_a2 * x2
    return loss, grad


def test_neural_net_example():
    np = pytest.importorskip("numpy")
    graph = _program("neural_net.adx")
    assert graph.variables == ("W1", "W2", "b1", "b2") and graph.output_names == ("loss",)
    X, y = _csv("neural_net_X.csv"), _csv("neural_net_y.csv")
    data = [(tuple(row), target) for row, target in zip(X.tolist(), y.tolist())]
    assert data == [((0.5, -1.0), 1.0), ((-0.3, 0.8), 0.0)]  # the scalar example's points
    rng = np.random.default_rng(7)
    for weights in [NET_WEIGHTS, dict(zip(NET_WEIGHTS, rng.normal(size=9).tolist()))]:
        result = adcli.grad(graph, _net_arrays(weights))
        loss, by_hand = _net_backprop(weights, data)
        assert float(result.value) == pytest.approx(loss, rel=1e-14)
        expected = _net_arrays(by_hand)
        for name in graph.variables:
            assert result.gradient[name].shape == np.shape(expected[name])
            assert_close(np.ravel(result.gradient[name]).tolist(),
                         np.ravel(expected[name]).tolist(), rtol=1e-12, atol=1e-15, what=name)


def test_neural_net_example_hessian():
    """The exact 9 x 9 Hessian (C order over W1, W2, b1, b2) against central
    differences of central differences of the loss by hand."""
    from conftest import fd_hessian
    np = pytest.importorskip("numpy")
    graph = _program("neural_net.adx")
    data = [((0.5, -1.0), 1.0), ((-0.3, 0.8), 0.0)]
    # the flattened order: W1[0,0] W1[0,1] W1[1,0] W1[1,1] W2[0] W2[1] b1[0] b1[1] b2
    order = ["w11", "w12", "w21", "w22", "v1", "v2", "b1", "b2", "c"]
    hessian = adcli.hessian(graph, _net_arrays(NET_WEIGHTS))
    assert np.shape(hessian.matrix) == (9, 9)
    expected = fd_hessian(lambda *v: _net_backprop(dict(zip(order, v)), data)[0],
                          [NET_WEIGHTS[name] for name in order])
    for got, want in zip(np.asarray(hessian.matrix).tolist(), expected):
        assert got == pytest.approx(want, rel=1e-4, abs=1e-6)


def _logistic_data():
    data = _csv("logistic_regression.csv")
    return data[:, :2], data[:, 2]


def _logistic_numpy(X, y, w, b):
    """Loss and gradient with numpy: logaddexp(0, z) is log(1 + exp(z))."""
    np = pytest.importorskip("numpy")
    z = X @ w + b
    p = 0.5 * (1 + np.tanh(z / 2))  # sigmoid(z), without overflow
    return float(np.mean(np.logaddexp(0.0, z) - y * z)), X.T @ (p - y) / len(y), np.mean(p - y)


def test_logistic_regression_data_file():
    X, y = _logistic_data()
    assert X.shape == (40, 2) and set(y.tolist()) == {0.0, 1.0}
    assert 0 < y.sum() < 40


def test_logistic_regression_example():
    np = pytest.importorskip("numpy")
    graph = _program("logistic_regression.adx")
    assert graph.variables == ("b", "w") and graph.output_names == ("loss",)
    X, y = _logistic_data()
    rng = np.random.default_rng(3)
    points = [(np.zeros(2), 0.0), (np.array([2.0, -1.0]), 0.5)]
    points += [(rng.normal(size=2), float(rng.normal())) for _ in range(3)]
    for w, b in points:
        result = adcli.grad(graph, {"w": w, "b": b})
        value, grad_w, grad_b = _logistic_numpy(X, y, w, b)
        assert float(result.value) == pytest.approx(value, rel=1e-13)
        assert_close(result.gradient["w"].tolist(), grad_w.tolist(), rtol=1e-12, atol=1e-14)
        assert float(result.gradient["b"]) == pytest.approx(grad_b, rel=1e-12, abs=1e-14)
    # the comment's log 2 at the origin
    assert float(adcli.grad(graph, "w=[0, 0], b=0").value) == pytest.approx(math.log(2),
                                                                            rel=1e-15)


def test_logistic_regression_example_minimum():
    """Newton's method in numpy finds the minimum the comment states; adcli's
    gradient is zero there, and its Hessian is numpy's X̃ᵀ diag(p(1-p)) X̃ / 40."""
    np = pytest.importorskip("numpy")
    graph = _program("logistic_regression.adx")
    X, y = _logistic_data()
    Z = np.column_stack([X, np.ones(len(y))])
    theta = np.zeros(3)
    for _ in range(25):
        p = 0.5 * (1 + np.tanh(Z @ theta / 2))
        theta -= np.linalg.solve((Z.T * (p * (1 - p))) @ Z, Z.T @ (p - y))
    assert theta == pytest.approx([2.495, -0.996, 0.595], abs=5e-4)
    w, b = theta[:2], float(theta[2])
    result = adcli.grad(graph, {"w": w, "b": b})
    assert np.abs(result.gradient["w"]).max() < 1e-12 and abs(float(result.gradient["b"])) < 1e-12
    hessian = adcli.hessian(graph, {"w": w, "b": b})  # variables b, w: b first
    p = 0.5 * (1 + np.tanh(Z @ theta / 2))
    expected = (Z.T * (p * (1 - p))) @ Z / len(y)
    permute = [2, 0, 1]
    assert_close(np.ravel(hessian.matrix).tolist(),
                 np.ravel(expected[np.ix_(permute, permute)]).tolist(), rtol=1e-12, atol=1e-14)


def test_logistic_regression_loss_is_stable_at_large_weights():
    """softplus(z) - y*z stays finite and exact where log(1 + exp(z)) overflows."""
    np = pytest.importorskip("numpy")
    graph = _program("logistic_regression.adx")
    X, y = _logistic_data()
    w, b = np.array([800.0, -800.0]), 0.0
    result = adcli.grad(graph, {"w": w, "b": b})
    value, grad_w, _ = _logistic_numpy(X, y, w, b)
    assert math.isfinite(float(result.value)) and value > 100
    assert float(result.value) == pytest.approx(value, rel=1e-13)
    assert_close(result.gradient["w"].tolist(), grad_w.tolist(), rtol=1e-12, atol=1e-12)


def _cli_json(*args):
    """The JSON document of an adcli command run in examples/."""
    import json
    import shutil
    if shutil.which("adcli") is None:
        pytest.skip("the adcli console script is not installed (pip install .)")
    completed = subprocess.run(["adcli", *args, "--format", "json"], cwd=EXAMPLES,
                               capture_output=True, text=True, env=subprocess_env(), timeout=120)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_least_squares_example_from_the_cli():
    np = pytest.importorskip("numpy")
    A, b = _csv("least_squares_A.csv"), _csv("least_squares_b.csv")
    x = np.array([0.5, -1.25])
    document = _cli_json("grad", "-f", "least_squares.adx", "--at", "x=[0.5, -1.25]")
    r = A @ x - b
    assert document["value"] == pytest.approx(r @ r, rel=1e-14)
    assert document["gradient"]["x"] == pytest.approx((2 * A.T @ r).tolist(), rel=1e-13)
    fit = _cli_json("minimize", "-f", "least_squares.adx", "--from", "x=[0, 0]")
    assert fit["converged"] is True
    assert np.ravel(fit["x"]["x"]).tolist() == pytest.approx(
        np.linalg.lstsq(A, b, rcond=None)[0].tolist(), abs=1e-8)


def test_logistic_regression_example_from_the_cli():
    np = pytest.importorskip("numpy")
    X, y = _logistic_data()
    document = _cli_json("grad", "-f", "logistic_regression.adx", "--at", "w=[1, 2],b=-0.5",
                         "--wrt", "w")
    value, grad_w, _ = _logistic_numpy(X, y, np.array([1.0, 2.0]), -0.5)
    assert list(document["gradient"]) == ["w"]
    assert document["value"] == pytest.approx(value, rel=1e-13)
    assert document["gradient"]["w"] == pytest.approx(grad_w.tolist(), rel=1e-12)
    fit = _cli_json("minimize", "-f", "logistic_regression.adx", "--from", "w=[0, 0],b=0")
    assert fit["converged"] is True
    assert np.ravel(fit["x"]["w"]).tolist() == pytest.approx([2.4951529, -0.9960314], abs=1e-6)
    assert float(fit["x"]["b"]) == pytest.approx(0.5947713, abs=1e-6)


def test_least_squares_example_names_a_shape_mismatch():
    graph = _program("least_squares.adx")
    with pytest.raises(adcli.AdcliError) as caught:
        adcli.grad(graph, "x=[1, 2, 3]")
    assert "cannot matmul (5, 2) @ (3,): 2 != 3" in str(caught.value.message)
