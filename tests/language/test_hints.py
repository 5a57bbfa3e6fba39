"""Hints for what users of other tools type: functions called without
parentheses (sin x), other tools' function names (ln, arctan, sqr), typeset
mathematics (−, ×, ², a no-break space), and the one number syntax (ASCII
digits, no '_' separators) in expressions and in every value a user types.
Syntax errors are explained by example (parser._EXAMPLES); these tests hold
the table to its examples and to inputs it was not written from."""
import pytest

import adcli
from adcli import ops
from adcli.language import parser
from adcli.errors import visible
from test_errors import caret, parse_error


# --- a function called without parentheses ------------------------------------------


@pytest.mark.parametrize("text, hint", [
    ("sin x", "did you mean sin(x)?"),
    ("2*cos y + 1", "did you mean cos(y)?"),
    ("exp 2", "did you mean exp(2)?"),
    ("ln x", "did you mean log(x)?"),
    ("a = sqrt x\noutput a", "did you mean sqrt(x)?"),
    ("atan2 y", "call it: atan2(y, x)"),
])
def test_a_function_without_parentheses_suggests_the_call(text, hint):
    error = parse_error(text)
    assert error.hint == hint
    assert "*" not in error.hint  # not sin*x, which fails again
    if hint.startswith("did you mean "):
        adcli.parse(hint.removeprefix("did you mean ").removesuffix("?"))  # it parses


def test_a_variable_before_a_name_still_suggests_a_product():
    assert parse_error("x y").hint == "did you mean x*y?"
    assert parse_error("2 x").hint == "did you mean 2*x?"


# --- other tools' function names: one table ----------------------------------------------


@pytest.mark.parametrize("name, meant", [
    ("ln", "log"), ("arctan", "atan"), ("arcsin", "asin"), ("arccos", "acos"),
    ("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh"), ("arsinh", "asinh"),
    ("sqr", "sqrt"), ("Ln", "log"), ("ARCTAN", "atan"), ("fabs", "abs"), ("sgn", "sign"),
    ("lg", "log10"), ("expit", "sigmoid"),
])
def test_other_tools_function_names_suggest_ours(name, meant):
    error = parse_error(f"{name}(x)")
    assert error.message == f"unknown function {name!r}"
    assert error.hint == f"did you mean {meant}?"
    assert caret(error)[1] == name


@pytest.mark.parametrize("name, write", [
    ("sq", "x**2"), ("square", "x**2"), ("exp10", "10**x"), ("cot", "1/tan(x)"),
    ("sec", "1/cos(x)"),
])
def test_functions_adcli_spells_as_formulas(name, write):
    assert parse_error(f"{name}(x)").hint == f"there is no {name} function: write {write}"


def test_every_alias_names_a_function_or_a_formula_that_parses():
    for alias, meant in parser.FUNCTION_ALIASES.items():
        assert alias not in ops.TABLE, alias  # a hint, never a second name for an op
        if meant not in ops.TABLE:
            adcli.parse(meant)


# --- typeset mathematics ----------------------------------------------------------------


@pytest.mark.parametrize("text, char, instead", [
    ("x \u2212 1", "\u2212", "'-'"), ("x \u2013 1", "\u2013", "'-'"),
    ("x \u00d7 y", "\u00d7", "'*'"), ("x\u00b7y", "\u00b7", "'*'"), ("x\u22c5y", "\u22c5", "'*'"),
    ("x \u00f7 y", "\u00f7", "'/'"), ("x\u00b2", "\u00b2", "'**2'"),
    ("x\u00b3", "\u00b3", "'**3'"),
    ("x\u207b\u00b9", "\u207b", "'**-1'"), ("e\u207b\u02e3", "\u207b", "'**-x'"),
    ("\u03c0*x", "\u03c0", "'pi'"), ("\u00bd*x", "\u00bd", "'1/2'"),
    ("\u0661\u0662\u0663*x", "\u0661", "'123'"), ("x\u2081 + 1", "\u2081", "'1'"),
    ("\u221ax", "\u221a", "'sqrt(x)'"), ("x\u00a0+ 1", "\u00a0", "' '"),
    ("x \uff0b 1", "\uff0b", "'+'"), ("\U0001d465 + 1", "\U0001d465", "'x'"),
    ("\u0661*x", "\u0661", "'1'"), ("x*\U0001d7d9", "\U0001d7d9", "'1'"),
])
def test_typeset_characters_say_what_to_type(text, char, instead):
    error = parse_error(text)
    assert error.message == f"unexpected character {char!r}"
    assert error.hint.startswith(f"type {instead} instead: ")
    assert f"U+{ord(char):04X}" in error.hint
    # the caret line shows the character as the terminal gets it (\xa0 escaped)
    assert caret(error)[1].startswith(visible(char))  # and the run it starts (x⁻¹, ١٢٣)


def test_an_invisible_character_is_named():
    error = parse_error("x\u200b+ 1")
    assert error.hint.startswith("remove it: '\\u200b' is U+200B ZERO WIDTH SPACE")


# --- one number syntax ----------------------------------------------------------------


@pytest.mark.parametrize("text, under, says, hint", [
    ("1_000*x", "1_000", "a number has no '_' separators", "write 1000"),
    ("x + 2_5.5", "2_5.5", "a number has no '_' separators", "write 25.5"),
    ("1_0_0", "1_0_0", "a number has no '_' separators", "write 100"),
    ("1e1_0", "1e1_0", "a number has no '_' separators", "write 1e10"),
    ("0x1F*x", "0x1F", "numbers are decimal", "write 31"),
    ("x + 0b101", "0b101", "numbers are decimal", "write 5"),
    ("1.2.3*x", "1.2.3", "a number has one decimal point", "write numbers like"),
    ("1e5.5", "1e5.5", "the exponent of a number is a whole number", "write numbers like"),
    ("2*1e-3.5", "1e-3.5", "the exponent of a number is a whole number", "write numbers like"),
])
def test_misspelt_numbers_are_explained_not_multiplied(text, under, says, hint):
    error = parse_error(text)
    assert error.message == says
    assert error.hint.startswith(hint)
    assert caret(error)[1] == under


def test_a_name_after_a_number_is_still_a_product():
    assert parse_error("2_x").hint == "did you mean 2*_x?"  # _x is a name


@pytest.mark.parametrize("digit", ["\u0661", "\U0001d7d9", "\u0967", "\uff11"])
def test_expressions_take_ascii_digits_only(digit):
    assert "unexpected character" in parse_error(f"{digit}*x").message
    assert "unexpected character" in parse_error(f"x*1{digit}").message


def test_the_number_syntax_is_the_grammars():
    accepted = ["2", "2.5", ".5", "2.", "1e-3", "1E3", "1.5E+10", "-2", "+2", "007", "-0"]
    rejected = ["1_000", "\u0661", "\U0001d7d9", "1e", ".", "e5", "0x10", "1e1.5", " 1",
                "--1", "inf", "nan", "1,5"]
    syntax = parser.number_syntax()
    for text in accepted:
        assert syntax.fullmatch(text), text
        assert adcli.grad(text.lstrip("+"), []).value == float(text)
    for text in rejected:
        assert not syntax.fullmatch(text), text


# --- the example table ----------------------------------------------------------------


#: what each explanation of the example table says
EXPLAINED = {
    "_number_then_name": "a number followed by a name: multiplication needs '*'",
    "_missing_operator": "missing operator before ",
    "_trailing_comma": "a ',' must be followed by an argument",
    "_empty_parentheses": "empty parentheses",
    "_square_bracket": "unexpected '['",
}


def test_every_example_is_explained_by_its_own_entry():
    """No example is claimed by another entry (two entries failing in the
    same state on the same token would be one case told two ways)."""
    for explain, _, examples in parser._EXAMPLES:
        says = EXPLAINED[explain.__name__]  # a new entry needs its line above
        for example in examples:
            error = parse_error(example)
            assert error.kind == "syntax", example
            assert error.message.startswith(says), (example, error.message)


@pytest.mark.parametrize("text, says", [
    # none of these is an example: the parser state generalizes them
    ("f = max(2 y, x)", "a number followed by a name"),
    ("a = 1\nb = a 3\noutput b", "missing operator before 3"),
    ("max(x, y) (z)", "missing operator"),
    ("(((x))) y", "missing operator"),
    ("hypot(x, y,)", "must be followed by an argument"),
    ("exp(())", "empty parentheses"),
    ("sin([x y])", "missing operator"),
    ("x + y))", "unmatched ')'"),
])
def test_the_table_explains_inputs_it_was_not_written_from(text, says):
    assert says in parse_error(text).message


def test_cli_hint_for_sin_x(run_cli):
    result = run_cli("grad", "sin x", "--at", "1")
    assert result.exit_code == 2
    assert "hint: did you mean sin(x)?" in result.stderr


@pytest.mark.parametrize("text", [
    "1_" * 50_000, "\u0661" * 50_000, "x" * 5000 + " y", "2 " + "y" * 5000, "0x" + "F" * 50_000,
])
def test_hints_quote_huge_input_shortened(text):
    error = parse_error(text)
    assert len(error.message) < 100 and len(error.hint or "") < 120
