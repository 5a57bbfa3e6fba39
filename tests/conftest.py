"""Shared helpers: independent truth (central finite differences), sampling
points from an op's domain, writing an op as expression text, and running
the CLI with stdout and stderr kept apart.

The tests import ``adcli`` as installed: run them from this folder
(``cd tests && python3 -m pytest``) so the source checkout is not on the path.
"""
import contextlib
import inspect
import os
import pathlib

import pytest

#: the source checkout (the folder holding adcli/, grammars/, examples/)
ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


# --- finite differences ---------------------------------------------------------


def central_difference(f, point, k, h=1e-6):
    """d f / d point[k] by a central difference, the step scaled to point[k]."""
    step = h * max(1.0, abs(point[k]))
    up = list(point)
    down = list(point)
    up[k] += step
    down[k] -= step
    return (f(*up) - f(*down)) / (up[k] - down[k])


def fd_gradient(f, point, h=1e-6):
    """The gradient of f (a function of len(point) floats) at point."""
    return [central_difference(f, point, k, h) for k in range(len(point))]


def fd_jacobian(f, point, h=1e-6):
    """The m x n Jacobian of f (n floats -> a list of m floats) by central
    differences, the step scaled to each coordinate: a list of rows."""
    columns = []
    for k in range(len(point)):
        step = h * max(1.0, abs(point[k]))
        up, down = list(point), list(point)
        up[k] += step
        down[k] -= step
        high, low = f(*up), f(*down)
        columns.append([(a - b) / (up[k] - down[k]) for a, b in zip(high, low)])
    return [list(row) for row in zip(*columns)] if columns else []


def fd_hessian(f, point, h=1e-4):
    """The n x n Hessian of f (n floats -> a float) by central differences of
    central differences (the gradient differenced once more): independent of
    any AD, accurate to about 1e-7 relative for smooth f."""
    n = len(point)
    steps = [h * max(1.0, abs(p)) for p in point]

    def at(shifts):
        moved = list(point)
        for k, s in shifts:
            moved[k] += s * steps[k]
        return f(*moved)

    matrix = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            value = (at([(i, 1), (j, 1)]) - at([(i, 1), (j, -1)])
                     - at([(i, -1), (j, 1)]) + at([(i, -1), (j, -1)])) / (4 * steps[i] * steps[j])
            matrix[i][j] = matrix[j][i] = value
    return matrix


def assert_close(actual, expected, rtol=1e-6, atol=1e-6, what=""):
    """Elementwise |actual - expected| <= atol + rtol * |expected|."""
    if not isinstance(expected, (list, tuple)):
        actual, expected = [actual], [expected]
    assert len(actual) == len(expected), f"{what}: {actual} vs {expected}"
    for k, (a, e) in enumerate(zip(actual, expected)):
        assert abs(a - e) <= atol + rtol * abs(e), (
            f"{what} [{k}]: got {a!r}, expected {e!r} (all: {list(actual)} vs {list(expected)})")


# --- the op table as test cases ---------------------------------------------------


def arg_counts(op):
    """Argument counts to test an op with: its arity, or a few for a variadic op."""
    if not op.variadic:
        return [op.nargs]
    low = max(op.min_args, 1)
    return sorted({low, max(low, 2), max(low, 3)})


def domain_of(op, k):
    """The sampling interval of argument k (a variadic op has one for all)."""
    return op.domain[k] if k < len(op.domain) else op.domain[-1]


def sample_args(op, rng, count):
    """count argument values drawn uniformly from the op's domain."""
    return [float(rng.uniform(*domain_of(op, k))) for k in range(count)]


def variable_names(count):
    return [f"x{k}" for k in range(1, count + 1)]


def expression_for(op, names):
    """How a user writes the op applied to names: x1 + x2, -x1, sin(x1)."""
    if op.kind == "infix":
        return f" {op.symbol} ".join(names)
    if op.kind == "prefix":
        return f"{op.symbol}{names[0]}"
    return f"{op.name}({', '.join(names)})"


def op_forward(op, xp, args):
    """The op's forward rule on a list of argument values."""
    return op.forward(xp, list(args)) if op.variadic else op.forward(xp, *args)


def op_partials(op, xp, args):
    """The op's first partials (one per argument) from its rules."""
    ans = op_forward(op, xp, args)
    if op.variadic:
        return list(op.partials(xp, ans, list(args)))
    return [rule(xp, ans, *args) for rule in op.partials]


def op_cases():
    """(op name, argument count) for every op of the table: the ids of the
    generated tests."""
    from adcli import ops
    return [pytest.param(name, count, id=f"{name}-{count}")
            for name, op in ops.TABLE.items() for count in arg_counts(op)]


# --- the CLI -----------------------------------------------------------------------


def make_runner():
    """A CliRunner whose result has .stdout and .stderr apart (click >= 8.2
    always; older click needs mix_stderr=False)."""
    from click.testing import CliRunner
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()


@pytest.fixture
def run_cli():
    """run_cli(*args, input=None) -> click Result for `adcli ARGS`."""
    from adcli.cli import cli
    runner = make_runner()

    def run(*args, input=None):
        return runner.invoke(cli, [str(a) for a in args], input=input,
                             catch_exceptions=False)

    return run


def exited(result, code=0, *, stdout=None, stderr=None):
    """The one assertion on a CLI run: its exit code, then stdout and stderr
    apart, each None (anything), "" (nothing) or the exact text; never a
    traceback.  Returns the result."""
    shown = f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.exit_code == code, shown
    assert "Traceback" not in result.stderr, shown
    if stdout is not None:
        assert result.stdout == stdout, shown
    if stderr is not None:
        assert result.stderr == stderr, shown
    return result


def ok(result, stderr=""):
    """A run that succeeded: exit 0 and nothing on stderr (stderr=None: anything)."""
    return exited(result, 0, stderr=stderr)


def failed(result, code):
    """A run that failed with code: nothing on stdout, a message on stderr; the message."""
    exited(result, code, stdout="")
    assert result.stderr.strip(), f"exit {code} without a message"
    return result.stderr


def domain_error(result):
    """Exit 3 with adcli's own "error: ..." message."""
    stderr = failed(result, 3)
    assert stderr.startswith("error: "), stderr
    return stderr


def adcli_script():
    """The installed console script, or skip."""
    import shutil
    path = shutil.which("adcli")
    if path is None:
        pytest.skip("the adcli console script is not installed (pip install .)")
    return path


def subprocess_env():
    """The environment for subprocesses, without the source tree on PYTHONPATH."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("ADCLI_DEBUG", None)
    return env


@contextlib.contextmanager
def killed_at_the_end(process):
    """A subprocess under test is never left running, whatever the test did."""
    try:
        yield
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
