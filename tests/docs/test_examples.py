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
