"""Property-based tests (hypothesis).

- Any text at all: adcli.parse / adcli.grad either succeed or raise an
  adcli.AdcliError, never another exception; the CLI never shows a traceback.
- Random valid expressions built from the op table, each function's argument
  squashed into the op's own domain: gradients agree with central finite
  differences of an independent evaluation (python math), values agree too.
"""
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import adcli
from adcli import ops, points
from conftest import expression_for
from reference import REFERENCE

MODEST = settings(max_examples=200, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])

#: characters expressions are made of, so random text gets past the lexer often
EXPRESSION_CHARACTERS = "0123456789.eE+-*/^()_, \n\t#xyzabcsinolgqrtmpwh="
WORDS = ["sin", "cos", "log", "exp", "sqrt", "max", "min", "atan2", "hypot", "pow", "pi",
         "e", "x", "y", "x1", "x2", "**", "^", "(", ")", ",", "-", "+", "*", "/", " ",
         "1", "2.5", ".5", "1e-3", "1e999", "2x", "#", "\n", "__import__", "'", "..",
         "0", "-1", "relu", "abs", "sign", "floor"]

random_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=EXPRESSION_CHARACTERS, max_size=40),
    st.lists(st.sampled_from(WORDS), max_size=25).map("".join),
)


def _try_grad(graph, at):
    try:
        return adcli.grad(graph, at)
    except adcli.AdcliError:
        return None


@MODEST
@given(random_text, st.floats(allow_nan=True, allow_infinity=True))
def test_random_text_raises_only_adcli_errors(text, number):
    try:
        graph = adcli.parse(text)
    except adcli.AdcliError as error:
        assert str(error)  # the message renders (caret lines included)
        return
    n = len(graph.variables)
    _try_grad(graph, [number] * n)
    _try_grad(graph, [0.5] * n)
    _try_grad(graph, {name: 0.0 for name in graph.variables})
    _try_grad(text, [1.0] * (n + 1))


@MODEST
@given(random_text)
def test_random_point_text_raises_only_point_errors(text):
    try:
        parsed = points.parse_point_text(text)
    except adcli.ExpressionError:
        return
    assert isinstance(parsed, (list, dict))


@MODEST
@given(st.one_of(st.text(max_size=60),
                 st.text(alphabet='xyz,\n\r"\' 0123456789.e-+nai#;\ufeff', max_size=60)))
def test_random_points_files_raise_only_point_errors(text):
    try:
        data = points.read_csv_points(text, ("x", "y"))
    except adcli.ExpressionError:
        return
    assert data.shape[1] == 2


@settings(max_examples=60, deadline=None)
@given(random_text)
def test_random_text_on_the_command_line_never_shows_a_traceback(text):
    from conftest import make_runner
    from adcli.cli import cli

    result = make_runner().invoke(cli, ["grad", "--", text] if text.startswith("-")
                                  else ["grad", text, "--at", "1"])
    assert result.exit_code in (0, 2, 3), (result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code:
        assert result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- random valid expressions --------------------------------------------------------------


VARIABLES = ("x", "y", "z")

#: ops whose derivative is smooth wherever they are defined: no kinks, so
#: finite differences are a fair judge (kinks are tested in test_api.py)
SMOOTH = [op for op in ops.TABLE.values() if op.kink is None]


def _sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    z = math.exp(v)
    return z / (1.0 + z)


def _constant(c):
    text = repr(c) if math.copysign(1.0, c) > 0 else f"({c!r})"
    return text, lambda env: c


def _variable(name):
    return name, lambda env: env[name]


leaves = st.one_of(
    st.sampled_from(VARIABLES).map(_variable),
    st.floats(-3, 3, allow_nan=False, allow_subnormal=False).map(lambda c: round(c, 3))
      .map(_constant),
)


def _into_domain(node, interval):
    """node squashed into the open interval: lo + (hi - lo) * sigmoid(node)."""
    (text, f), (lo, hi) = node, interval
    return (f"({lo!r} + {hi - lo!r}*sigmoid({text}))",
            lambda env: lo + (hi - lo) * _sigmoid(f(env)))


@st.composite
def _apply_op(draw, children):
    op = draw(st.sampled_from(SMOOTH))
    count = op.nargs if not op.variadic else draw(st.integers(max(op.min_args, 1), 3))
    args = [draw(children) for _ in range(count)]
    intervals = [op.domain[k] if k < len(op.domain) else op.domain[-1] for k in range(count)]
    if op.name in ("add", "sub", "mul", "neg"):  # defined everywhere: no squashing
        wrapped = [(f"({text})", f) for text, f in args]
    else:
        wrapped = [_into_domain(arg, interval) for arg, interval in zip(args, intervals)]
    text = expression_for(op, [t for t, _ in wrapped])
    reference = REFERENCE[op.name]
    functions = [f for _, f in wrapped]
    return text, lambda env: reference(*[f(env) for f in functions])


expressions = st.recursive(leaves, lambda children: _apply_op(children), max_leaves=10)
coordinates = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)


def _richardson_derivative(f, point, k, h=1e-4):
    """Central difference with one Richardson step: error O(h**4)."""
    def central(step):
        up, down = list(point), list(point)
        up[k] += step
        down[k] -= step
        return (f(up) - f(down)) / (2 * step)

    return (4 * central(h / 2) - central(h)) / 3


@MODEST
@given(expressions, st.tuples(coordinates, coordinates, coordinates))
def test_random_expressions_match_finite_differences(expression, point):
    text, f = expression
    env = dict(zip(VARIABLES, point))
    try:
        expected_value = f(env)
    except (ValueError, ZeroDivisionError, OverflowError):
        assume(False)
    graph = adcli.parse(text, variables=[v for v in VARIABLES if v in adcli.parse(text).variables])
    try:
        result = adcli.grad(graph, {name: env[name] for name in graph.variables})
    except adcli.DomainError:
        assume(False)
    assume(abs(expected_value) < 1e6)
    assert result.value == pytest.approx(expected_value, rel=1e-9, abs=1e-9), text

    def g(values):
        return f(dict(zip(graph.variables, values)))

    values = [env[name] for name in graph.variables]
    scale = 1.0 + abs(expected_value)
    for k, name in enumerate(graph.variables):
        try:
            numeric = _richardson_derivative(g, values, k)
        except (ValueError, ZeroDivisionError, OverflowError):
            assume(False)
        assert result.gradient[name] == pytest.approx(numeric, rel=1e-5, abs=1e-6 * scale), \
            f"d/d{name} of {text} at {env}"


def test_expression_strategy_reaches_every_smooth_op():
    """The property above draws from the table: every smooth op is reachable."""
    assert {op.name for op in SMOOTH} >= {"sin", "log", "pow", "atan2", "div", "add"}
    assert all(op.name in REFERENCE for op in SMOOTH)
