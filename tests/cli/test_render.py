"""Terminal tables (rich), rendered to a string without colour."""
import io

import pytest

from rich.console import Console

import adcli
from adcli.cli.views import batch, gradient


def _text(renderable, width=100):
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def test_gradient_table():
    result = adcli.grad("3*(x1**2+x2*x3)", [2, 3, 4])
    text = _text(gradient.gradient_table(result))
    assert "f = 3*(x1**2+x2*x3)" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if "∂f/∂" in line}
    assert rows == {"∂f/∂x1": ["2", "12"], "∂f/∂x2": ["3", "12"], "∂f/∂x3": ["4", "9"]}
    assert "\x1b[" not in text


def test_trace_table_marks_kinks_in_words_not_only_colour():
    result = adcli.grad("abs(x) + max(x, y)", [0.0, 0.0])
    text = _text(gradient.trace_table(result), width=120)
    kink_lines = [line for line in text.splitlines() if "kink" in line]
    assert any("abs(v1)" in line for line in kink_lines)
    assert any("max(v1, v2)" in line for line in kink_lines)
    assert not any("v3 + v4" in line for line in kink_lines)


def test_trace_table_precision():
    result = adcli.grad("x/3", [1.0])
    text = _text(gradient.trace_table(result, precision=3))
    assert "0.333" in text and "0.3333" not in text


def test_batch_table():
    import numpy as np
    result = adcli.grad("x*y", np.array([[1.0, 2.0], [3.0, 4.0]]))
    text = _text(batch.tables(result)[0])
    numbers = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    assert numbers == [["1", "2", "2", "2", "1"], ["3", "4", "12", "4", "3"]]


# --- user text is plain text: never rich markup, never raw control characters ---------

#: a comment rich would read as markup (a closing tag that matches nothing
#: raises MarkupError) or emoji, and control characters (clear the screen, bell)
COMMENT = "# [/foo] [bold]loud[/bold] :smile: \x1b[2J\x07"
ONE = f"x**2 + x*y  {COMMENT}"
TWO = f"f = x*y  {COMMENT}\ng = x + sin(y)"
TABLES = {
    "grad": ["grad", ONE, "--at", "1,2"],
    "grad --trace": ["grad", ONE, "--at", "1,2", "--trace"],
    "grad --points": ["grad", ONE, "--points", "POINTS"],
    "jacobian": ["jacobian", TWO, "--at", "1,2"],
    "jacobian --sparsity": ["jacobian", TWO, "--at", "1,2", "--sparsity"],
    "jacobian --points": ["jacobian", TWO, "--points", "POINTS"],
    "hessian": ["hessian", ONE, "--at", "1,2"],
    "jvp": ["jvp", TWO, "--at", "1,2", "--dir", "1,0"],
    "vjp": ["vjp", TWO, "--at", "1,2", "--dir", "1,0"],
    "eval": ["eval", TWO, "--at", "1,2"],
    "minimize": ["minimize", f"(x-1)**2 + (y+2)**2 {COMMENT}", "--from", "0,0"],
    "compare": ["compare", ONE, "--at", "1,2"],
    "compare --sweep": ["compare", ONE, "--at", "1,2", "--sweep"],
    "explain": ["explain", ONE, "--at", "1,2"],
    "explain --mode forward": ["explain", ONE, "--at", "1,2", "--mode", "forward", "--wrt", "x"],
    "check": ["check", "CHECKED"],
}


@pytest.fixture
def table_files(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x,y\n1,2\n3,4\n")
    checked = tmp_path / "[bold]markup[red] \x1b[2J.adx"
    checked.write_text(f"f = x*y {COMMENT}\ncheck f at x=1, y=2: value 2\n"
                       "check f at x=1, y=2: grad [2, 2]\n")
    return {"POINTS": str(points), "CHECKED": str(checked)}


@pytest.mark.parametrize("width", ["60", "400"])
@pytest.mark.parametrize("args", TABLES.values(), ids=TABLES.keys())
def test_every_table_shows_user_text_as_plain_text(run_cli, table_files, args, monkeypatch,
                                                   width):
    monkeypatch.setenv("COLUMNS", width)  # 400: one table each; 60: stacked, in blocks
    args = [table_files.get(a, a) for a in args]
    result = run_cli(*args, "--format", "table")
    assert "bug" not in result.stderr and "Traceback" not in result.stderr
    assert result.exit_code in (0, 2, 6), result.stderr
    out = result.stdout + result.stderr
    assert "\x1b" not in out and "\x07" not in out
    assert "😄" not in out  # :smile: is text, not an emoji code
    if args[0] == "explain" or args[:2] == ["grad", ONE] and "--points" not in args:
        assert "#[/foo][bold]loud[/bold]:smile:\\x1b[2J\\x07" in "".join(out.split())
    if args[0] == "check":  # the file name may fold at 60 columns, a long path
        assert "[bold]markup[red]\\x1b[2J.adx" in "".join(out.split())
        assert "grad [2, 2]" in out


def test_a_comment_with_markup_keeps_its_brackets_in_the_gradient_title():
    result = adcli.grad("x**2 # [bold]loud[/bold] [/foo]", [1.0])
    title = _text(gradient.gradient_table(result)).splitlines()[0]
    assert "# [bold]loud[/bold] [/foo]" in title


def test_an_escape_sequence_in_a_comment_is_shown_escaped_in_the_title():
    result = adcli.grad("x**2 # \x1b[2J\x9b1m", [1.0])
    title = _text(gradient.gradient_table(result)).splitlines()[0]
    assert "# \\x1b[2J\\x9b1m" in title
