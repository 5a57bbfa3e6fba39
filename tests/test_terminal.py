"""User text never reaches the terminal as raw control characters nor as
rich markup: source lines under carets, comments in titles, file names, CSV
headers, names in --at and --wrt are escaped (\\x1b) by errors.visible."""
import pytest

import adcli
from adcli.errors import ExpressionError, visible

CONTROLS = "\x1b\x07\x08\x0b\x0c\r\x7f\x85\x9b\u202e\u2028\ufeff"


def _clean(text):
    """No character visible() would escape, other than newlines."""
    return visible(text, keep="\n") == text


def test_visible_escapes_every_control_and_invisible_character():
    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("\t\n\r") == "\\t\\n\\r"
    assert visible("\u202eevil\u2066") == "\\u202eevil\\u2066"
    assert visible("caf\udce9.adx") == "caf\\xe9.adx"  # an undecodable byte of a file name
    assert visible("two\nlines\x1b", keep="\n") == "two\nlines\\x1b"
    assert _clean(visible(CONTROLS)) and visible(visible(CONTROLS)) == visible(CONTROLS)


def test_printable_text_is_left_alone():
    text = "∂f/∂x · x² × 名前 café [bold] :smile: \\x1b"
    assert visible(text) == text


def _caret(text):
    with pytest.raises(ExpressionError) as caught:
        adcli.parse(text)
    return str(caught.value).splitlines()


@pytest.mark.parametrize("text, fault", [
    ("x\x1b[2J+", "\\x1b"), ("x\x0b+1", "\\x0b"), ("x\x9b2J", "\\x9b"),
    ("a + b\x1b + c\x1b", "\\x1b"), ("x # \x1b[2J\n@", "@"), ("x\u202e + 1", "\\u202e"),
])
def test_the_caret_stays_under_the_escaped_fault(text, fault):
    lines = _caret(text)
    assert all(map(_clean, lines)), lines
    source, carets = lines[1], lines[2]
    start = carets.index("^")
    assert start == source.index(fault)
    assert carets.strip() == "^" * len(fault)


def test_the_caret_on_a_long_escaped_line_keeps_the_fault_in_view():
    lines = _caret("x" * 300 + "\x1b" + "\x07" * 300)
    assert lines[1][lines[2].index("^"):].startswith("\\x1b\\x07")


def test_cli_error_on_an_escape_sequence_does_not_clear_the_screen(run_cli):
    result = run_cli("grad", "x\x1b[2J+", "--at", "1")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "x\\x1b[2J+" in result.stderr
