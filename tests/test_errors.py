"""Every class of bad input: a clear message with the source line and a caret
under the fault, a hint where one helps, and never a Python traceback (the
CLI exits 2 with the message on stderr)."""
import fractions

import numpy as np
import pytest

import adcli
from adcli.errors import ExpressionError, PointError


def parse_error(text):
    with pytest.raises(adcli.ExpressionError) as caught:
        adcli.parse(text)
    return caught.value


def caret(error):
    """(displayed source line, the text under the carets) from str(error)."""
    lines = str(error).splitlines()
    for k, line in enumerate(lines[1:], start=1):
        if line.strip() and set(line.strip()) == {"^"}:
            shown = lines[k - 1]
            start = line.index("^")
            end = line.rindex("^") + 1
            return shown, shown[start:end]
    raise AssertionError(f"no caret line in:\n{error}")


# --- syntax errors: caret under the fault -----------------------------------------------


@pytest.mark.parametrize("text, under, says, hint", [
    ("2x", "x", "multiplication needs '*'", "2*x"),
    ("2 x + 1", "x", "multiplication needs '*'", "2*x"),
    ("3*(x1**2+x2 x3)", "x3", "missing operator", "x2*x3"),
    ("(x+1)(x-1)", "(", "missing operator", "'*'"),
    ("x + * y", "*", "unexpected '*'", "expected"),
    ("*x", "*", "unexpected '*'", "expected"),
    ("x,y", ",", "unexpected ','", None),
    ("x+1)", ")", "unmatched ')'", "matching '('"),
    ("()", ")", "empty parentheses", None),
    ("x & y", "&", "unexpected character '&'", "operators are"),
    ("x % 2", "%", "unexpected character '%'", "modulo"),
    ("x!", "!", "unexpected character '!'", "factorial"),
    ("x[1.5]", "1.5", "an index must be an integer", None),
    ("x[y]", "y", "an index must be a number", None),
    ("x[0", "", "missing ']'", "column 2"),
    ("sum(x, axis=y)", "y", "axis= must be a number", None),
    ("sum(x, foo=1)", "foo", "sum has no argument foo= (it takes: axis=)", None),
    ("sin(x, axis=0)", "axis", "sin has no argument axis=", None),
    ("zeros(n)", "n", "a size must be a number", None),
    ("zeros(2.5)", "2.5", "a size must be an integer", None),
    ("x.y", ".", "unexpected character '.'", "A.T"),
    ('load("no-such-file.csv")', '"no-such-file.csv"', "cannot read no-such-file.csv", None),
    ("[[1, 2], [3, 4]", "", "missing ']'", "column 1"),
    ("x = )", ")", "unmatched", None),
    ("1 = x", "=", "unexpected", None),
    ("x × y", "×", "unexpected character", None),
    ("x1..2", ".", "unexpected character '.'", "decimal point"),
    ("1.2.3", "1.2.3", "one decimal point", None),
    ("__import__('os')", "'", "unexpected character", "strings"),
    ('__import__("os").system("ls")', '.', "unexpected character '.'", None),
    ('sin("os")', '"os"', "sin takes no text argument", "load"),
    ("1e999", "1e999", "too large", None),
    ("x + 1e400*y", "1e400", "too large", None),
])
def test_syntax_errors_point_at_the_fault(text, under, says, hint):
    error = parse_error(text)
    message = str(error)
    assert message.splitlines()[0].startswith(says) or says in message.splitlines()[0]
    shown, marked = caret(error)
    assert shown.strip() == text.strip()
    assert marked == under
    if hint:
        assert "hint:" in message and hint in message
    assert "Traceback" not in message


def test_error_attributes_locate_the_fault():
    error = parse_error("x + &")
    assert error.source == "x + &"
    assert (error.start, error.end) == (4, 5)
    assert error.message == "unexpected character '&'"
    assert error.kind == "syntax"


def test_2x_hint_suggests_2_times_x():
    error = parse_error("2x")
    assert error.hint == "did you mean 2*x?"
    assert (error.start, error.end) == (1, 2)


@pytest.mark.parametrize("text", ["(x+1", "((x)", "sin(x", "max(x, (y", "(" * 50 + "x"])
def test_unbalanced_open_paren(text):
    error = parse_error(text)
    assert error.message == "missing ')'"
    assert "is never closed" in error.hint
    # the caret sits at the end of the expression, where ')' is missing
    assert error.start == len(text)


def test_unclosed_paren_hint_names_its_column():
    error = parse_error("max(x, (y")
    assert error.hint == "the '(' at column 8 is never closed"


@pytest.mark.parametrize("text", ["x +", "x**", "-", "sin(x) *"])
def test_ends_too_early(text):
    error = parse_error(text)
    assert "ends too early" in error.message
    assert error.start == len(text)


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "# only a comment", "# a\n  # b\n"])
def test_empty_expression(text):
    error = parse_error(text)
    assert "empty" in error.message
    assert error.hint


def test_caret_on_the_right_line_of_a_multi_line_expression():
    text = "x +\n  y * * z\n+ 1"
    error = parse_error(text)
    lines = str(error).splitlines()
    assert "line 2:" in lines[1]
    shown, marked = caret(error)
    assert marked == "*"
    assert shown.endswith("y * * z")
    assert shown.index(marked, shown.index("y * ") + 3) == lines[2].index("^")


def test_caret_after_a_tab():
    error = parse_error("\tx % y")
    shown, marked = caret(error)
    assert marked == "%"


def test_caret_on_a_very_long_line_keeps_the_fault_in_view():
    text = "+".join(["x"] * 400) + " % " + "+".join(["y"] * 400)
    error = parse_error(text)
    shown, marked = caret(error)
    assert marked == "%"
    assert len(shown) < 120


# --- names and calls ------------------------------------------------------------------------


@pytest.mark.parametrize("text, suggestion", [
    ("sinn(x)", "sin"), ("expp(x)", "exp"), ("sqr(x)", "sqrt"), ("SIN(x)", "sin"),
    ("Max(x, y)", "max"), ("cosine(x)", "cos"), ("arctan(x)", "atan"),
    ("tanhh(x)", "tanh"), ("logarithm(x)", "log"),
])
def test_unknown_function_did_you_mean(text, suggestion):
    error = parse_error(text)
    name = text.split("(")[0]
    assert error.message == f"unknown function {name!r}"
    assert error.hint == f"did you mean {suggestion}?"
    assert error.kind == "name"
    assert caret(error)[1] == name


def test_unknown_function_without_a_close_name_lists_the_functions():
    error = parse_error("qqq(x)")
    assert "functions:" in error.hint
    assert "sin" in error.hint and "atan2" in error.hint


@pytest.mark.parametrize("text, says, hint", [
    ("atan2(x)", "atan2 takes 2 arguments, got 1", "atan2(y, x)"),
    ("atan2(x, y, z)", "atan2 takes 2 arguments, got 3", "atan2(y, x)"),
    ("sin(x, y)", "sin takes 1 argument, got 2", "sin(x)"),
    ("sin()", "sin takes 1 argument, got 0", "sin(x)"),
    ("hypot(x)", "hypot takes 2 arguments, got 1", "hypot(x, y)"),
    ("pow(x)", "pow takes 2 arguments, got 1", "pow(x, y)"),
    ("max()", "max takes at least 1 argument, got 0", "max(x1, x2, ...)"),
])
def test_wrong_argument_count_says_what_the_function_takes(text, says, hint):
    error = parse_error(text)
    assert error.message == says
    assert hint in error.hint
    assert error.kind == "arity"
    assert caret(error)[1] == text


def test_calling_a_variable():
    error = parse_error("x*y + y(2)")
    assert error.message == "y is a variable, not a function"
    assert "y*(" in error.hint
    assert caret(error)[1] == "y"
    error = parse_error("x(2)")  # never used as a variable: an unknown function
    assert error.message == "unknown function 'x'"


@pytest.mark.parametrize("text", ["sin + 1", "sin", "2*exp", "max"])
def test_using_a_function_as_a_variable(text):
    error = parse_error(text)
    name = next(w for w in ("sin", "exp", "max") if w in text)
    assert error.message == f"{name} is a function, not a variable"
    assert error.hint.startswith("call it:")
    assert caret(error)[1] == name


@pytest.mark.parametrize("text", ["pi(2)", "e(x)"])
def test_calling_a_constant(text):
    error = parse_error(text)
    assert "unknown function" in error.message


@pytest.mark.parametrize("name", ["sub", "add", "mul", "div", "neg"])
def test_operator_ops_are_not_functions(name):
    assert "unknown function" in parse_error(f"{name}(x, y)").message


# --- never a traceback, from the command line either --------------------------------------


BAD_EXPRESSIONS = [
    "2x", "sinn(x)", "atan2(x)", "", "(x+1", "x+1)", "__import__('os')", "x1..2",
    "1e999", "x(2)+x", "sin + 1", "\x00", "x\x00", "é", "\\", "`ls`", "$(ls)", "x" * 5000 + "(",
]


@pytest.mark.parametrize("text", BAD_EXPRESSIONS)
def test_cli_reports_bad_expressions_with_exit_code_2(run_cli, text):
    result = run_cli("grad", text, "--at", "1", "--format", "json")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- the API's own errors for values Python accepts but float64 and names do not -----

BIG = 10**400
NOT_TEXT = [
    ("grad", lambda: adcli.grad("x*y", {1: 2}), PointError, "a point's names must be text (str), not int: 1"),
    ("grad None", lambda: adcli.grad("x*y", {None: 1, "x": 1}), PointError, "not NoneType"),
    ("batch", lambda: adcli.grad("x*y", {1: np.ones(2)}), PointError, "not int: 1"),
    ("hessian", lambda: adcli.hessian("x*y", {b"x": 1, "y": 2}), PointError, "not bytes: b'x'"),
    ("jvp", lambda: adcli.jvp("x*y", [1, 2], {1: 1}), PointError, "the direction: a point's names"),
    ("vjp", lambda: adcli.vjp("x*y; x+y", [1, 2], {1: 1}), PointError, "the cotangent:"),
    ("minimize", lambda: adcli.minimize("x**2", {1: 1}), PointError, "not int: 1"),
    ("variables", lambda: adcli.parse("x", variables=[1]), ExpressionError,
     "variable names must be text (str), not int: 1"),
    ("output", lambda: adcli.grad("x", [1], output=1), ExpressionError,
     "output names must be text (str), not int: 1"),
    ("expressions", lambda: adcli.jacobian(["x", 5], [1]), ExpressionError,
     "expressions must be text (str), not int: 5"),
    ("parse", lambda: adcli.parse(b"x"), ExpressionError, "an expression is text (str) or a Graph"),
]
TOO_LARGE = [
    ("list", lambda: adcli.grad("x*y", [BIG, 1]), "the value of x is too large for float64: "
                                                  "an integer of 401 digits"),
    ("mapping", lambda: adcli.grad("x*y", {"x": 1, "y": -BIG}), "the value of y is too large"),
    ("scalar", lambda: adcli.grad("x", 10**5000), "an integer of 5001 digits"),
    ("batch", lambda: adcli.grad("x*y", {"x": [BIG, 1], "y": 1.0}), "a value of x is too large"),
    ("direction", lambda: adcli.jvp("x*y", [1, 2], [BIG, 0]), "the direction: the value of x"),
    ("minimize", lambda: adcli.minimize("x**2", [BIG]), "too large for float64"),
    ("fraction", lambda: adcli.values("x", [fractions.Fraction(BIG, 3)]), "too large for float64"),
]


@pytest.mark.parametrize("call, error, says", [c[1:] for c in NOT_TEXT],
                         ids=[c[0] for c in NOT_TEXT])
def test_names_that_are_not_text_are_adcli_errors(call, error, says):
    with pytest.raises(error) as caught:
        call()
    assert says in str(caught.value)


@pytest.mark.parametrize("call, says", [c[1:] for c in TOO_LARGE], ids=[c[0] for c in TOO_LARGE])
def test_numbers_beyond_float64_are_point_errors(call, says):
    with pytest.raises(PointError) as caught:
        call()
    assert says in str(caught.value)
    assert len(str(caught.value)) < 200  # the 401 digits are not printed


def test_a_csv_field_beyond_the_csv_limit_is_a_clear_error(run_cli, tmp_path):
    points = tmp_path / "p.csv"
    points.write_text("x\n" + "1" * 140_000 + "\n")
    result = run_cli("grad", "x", "--points", points)
    assert result.exit_code == 2
    assert f"{points}, line 2: field larger than field limit (131072)" in result.stderr
    assert "bug" not in result.stderr
