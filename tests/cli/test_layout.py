"""The building blocks of terminal tables (adcli.cli.layout) at the widths of
ordinary terminals: nothing is cut, no column is dropped, no line is wider
than the console; a table that does not fit changes its layout."""
import io
import pathlib

import pytest

from rich.console import Console

from adcli.cli import layout

WIDTHS = (60, 80, 120, 200)


def rendered(renderable, width):
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def assert_whole(text, width, given):
    assert layout.lost(text, width, given) == [], text


# --- a wide record table: compare's methods ------------------------------------------

COLUMNS = [layout.name("method"), layout.number("d/dx"), layout.number("d/dy"),
           layout.number("max |diff| vs reverse"), layout.number("cost"), layout.prose("note")]
ROWS = [["reverse", "12.000000000087073", "-8.2039989837899", "0", "1", "one backward pass"],
        ["central differences", "12.000000000087073", "-8.2039989834165", "3.7e-10", "4",
         "two evaluations per variable, step 1e-6 scaled to the point"]]
GIVEN = [cell for row in ROWS for cell in row] + [c.header for c in COLUMNS]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_wide_table_shows_every_cell_and_header_whole(width):
    text = rendered(layout.table("the gradient of f four ways", COLUMNS, ROWS), width)
    assert_whole(text, width, GIVEN + ["the gradient of f four ways"])
    for header in ("method", "d/dx", "d/dy", "cost", "note"):
        assert header in text  # no column dropped
    assert "the gradient of f four ways" in text.splitlines()[0]


def test_a_table_that_fits_is_one_table_with_a_header_line():
    text = rendered(layout.table("t", COLUMNS, ROWS), 200)
    header = next(line for line in text.splitlines() if "method" in line)
    assert header.split() == ["method", "d/dx", "d/dy", "max", "|diff|", "vs", "reverse",
                              "cost", "note"]
    assert sum("reverse" in line for line in text.splitlines()) == 2  # header and row


def test_a_table_narrower_than_its_free_text_wraps_the_text_not_the_numbers():
    columns = [layout.name("name"), layout.number("value"), layout.prose("note")]
    rows = [["x", "-1.2345678901234567", "a long note " * 8]]
    text = rendered(layout.table(None, columns, rows), 60)
    assert_whole(text, 60, rows[0])
    assert sum("-1.2345678901234567" in line for line in text.splitlines()) == 1
    assert len([line for line in text.splitlines() if "long note" in line]) > 1
    assert "".join(rows[0][2].split()) in "".join(text.split())


def test_a_header_wraps_between_words_before_the_table_stacks():
    columns = [layout.name("m"), layout.number("max |diff| vs reverse")]
    rows = [["central", "3.7e-10"]]
    text = rendered(layout.table(None, columns, rows), 24)
    assert "vs" in text and "reverse" in text and "3.7e-10" in text
    assert all(len(line.rstrip()) <= 24 for line in text.splitlines())


def test_a_table_that_does_not_fit_stacks_one_block_per_row():
    text = rendered(layout.table(None, COLUMNS, ROWS), 60)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0] == "method: reverse"
    assert lines[1].split() == ["d/dx", "12.000000000087073"]
    assert "method: central differences" in lines


def test_a_stacked_row_of_a_bare_number_names_its_column():
    columns = [layout.number("x")] + [layout.number(f"column {k}") for k in range(9)]
    rows = [["1.5"] + ["-1.2345678901234567"] * 9]
    text = rendered(layout.table(None, columns, rows), 60)
    assert text.splitlines()[0].strip() == "x: 1.5"


def test_a_gap_row_stays_a_gap_when_stacked():
    columns = [layout.name("x")] + [layout.number(f"column {k}") for k in range(9)]
    rows = [["a"] + ["1.25"] * 9, [layout.GAP] * 10, ["b"] + ["2.5"] * 9]
    text = rendered(layout.table(None, columns, rows), 40)
    assert [line.strip() for line in text.splitlines()].count(layout.GAP) == 1


# --- matrices in column blocks ---------------------------------------------------------


def _hessian(n=9):
    columns = [layout.name("")] + [layout.number(f"∂/∂x{j}") for j in range(1, n + 1)]
    rows = [[f"x{i}"] + [repr(-((i * j) ** 0.5) * 10.0 ** (i - j)) for j in range(1, n + 1)]
            for i in range(1, n + 1)]
    return columns, rows


@pytest.mark.parametrize("width", WIDTHS)
def test_a_9x9_matrix_shows_every_number_whole_in_column_blocks(width):
    columns, rows = _hessian()
    text = rendered(layout.matrix("Hessian", columns, rows), width)
    assert_whole(text, width, [c for row in rows for c in row] + ["Hessian"])
    for j in range(1, 10):
        assert f"∂/∂x{j}" in text
    blocks = [line.strip() for line in text.splitlines() if line.startswith("columns ")]
    if width < 200:
        assert blocks[0].startswith("columns 1-") and blocks[-1].endswith("-9 of 9")
    for block in blocks[1:]:  # the row labels repeat in every block
        assert sum(line.split()[:1] == ["x1"] for line in text.splitlines()) == len(blocks)


def test_a_matrix_that_fits_is_one_block_without_a_heading():
    columns, rows = _hessian(3)
    text = rendered(layout.matrix("Hessian", columns, rows), 200)
    assert "columns" not in text


def test_blocks_count_the_columns_of_the_whole_matrix():
    columns, rows = _hessian(4)
    text = rendered(layout.matrix(None, columns, rows, numbers=[1, 2, None, 10], total=10), 60)
    headings = [line.strip() for line in text.splitlines() if line.startswith("columns ")]
    assert headings[0].startswith("columns 1-") and headings[-1].endswith("-10 of 10")


def test_a_matrix_too_narrow_for_one_column_stacks():
    columns, rows = _hessian(2)
    rows[0][0] = "a_very_long_output_name_that_takes_the_whole_line_" * 2
    text = rendered(layout.matrix(None, columns, rows), 60)
    assert_whole(text, 60, [c for row in rows for c in row])


# --- records ------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_records_keep_names_and_values_whole(width):
    pairs = [("x", "1.0000000000000002"), ("f", "-12.000000000087073"),
             ("message", "the gradient norm fell below the tolerance, 1e-08")]
    text = rendered(layout.records("minimum", pairs, prose=[2]), width)
    assert_whole(text, width, [c for pair in pairs for c in pair])


def test_a_record_too_wide_for_a_line_puts_its_value_on_its_own_line():
    pairs = [("a_long_variable_name_" * 3, "-1.2345678901234567")]
    text = rendered(layout.records(None, pairs), 60)
    lines = [line.rstrip() for line in text.splitlines()]
    assert lines[0] == pairs[0][0][:60].rstrip() or lines[0].startswith("a_long")
    assert "  -1.2345678901234567" in lines


def test_only_the_value_too_wide_for_its_line_leaves_the_two_columns():
    place = "/a/long/path/" * 3 + "checks.adx:2:30"  # 54: beside the names it takes 61
    pairs = [("where", place), ("check", "f at x=1: value 2")]
    lines = [line.rstrip() for line in rendered(layout.records(None, pairs), 60).splitlines()]
    assert lines == ["where", "  " + place, "check  f at x=1: value 2"]


def test_a_heading_without_a_value_does_not_push_the_values_off_their_line():
    pairs = [("method: a rather long method name", ""), ("  d/dx", "-1.2345678901234567")]
    lines = [line.rstrip() for line in rendered(layout.records(None, pairs), 30).splitlines()]
    assert lines == ["method: a rather long method", "name", "  d/dx  -1.2345678901234567"]


# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", (30, 60))
def test_a_title_wraps_between_words_at_the_console_width(width):
    title = "4. backward pass: adjoints, in reverse order, for the gradient of f"
    text = rendered(layout.table(title, [layout.number("x")], [["1"]]), width)
    words = [word for line in text.splitlines() for word in line.split()]
    assert words[:len(title.split())] == title.split()


def test_user_text_is_never_markup_and_controls_are_escaped():
    text = rendered(layout.table("[bold]t[/bold] \x1b[2J", [layout.name("[red]h")],
                                 [["[/foo] \x07"]]), 60)
    assert "[bold]t[/bold] \\x1b[2J" in text and "[red]h" in text and "[/foo] \\x07" in text


# --- the check itself -----------------------------------------------------------------


def test_lost_sees_a_cut_number_a_wide_line_and_an_ellipsis():
    assert layout.lost("x  12.0000000000870\n", 80, ["12.000000000087073"]) == [
        "12.000000000087073 is not shown whole",
        "12.0000000000870 is shown but was not given (cut?)"]
    assert layout.lost("0.1…\n", 80, ["0.125"])[-1] == "… in the rendering"
    assert layout.lost("a" * 61 + "\n", 60, []) == ["line 1 is 61 wide"]
    assert layout.lost("x1  ∂/∂x2  -1.5e-08\n", 80, ["-1.5e-08"]) == []


# --- every table of the CLI, at the widths of ordinary terminals ------------------------

F = "exp(x)*sin(y) + x**3/y"
TEXTBOOK = "3*(x1**2+x2*x3)"
TWO = "x*y + exp(z); x + sin(y)*z"
NINE = " + ".join(f"sin(x{i}*x{j})" for i in range(1, 10) for j in range(i, 10))
AT9 = ",".join(str(k / 7) for k in range(1, 10))
COMMANDS = {
    "grad": ["grad", F, "--at", "2,3"],
    "grad --trace": ["grad", F, "--at", "2,3", "--trace"],
    "grad --points": ["grad", F + " + z", "--points", "POINTS"],
    "jacobian": ["jacobian", TWO, "--at", "1.5,2.5,0.5"],
    "jacobian --sparsity": ["jacobian", TWO, "--at", "1.5,2.5,0.5", "--sparsity"],
    "jacobian --points": ["jacobian", TWO, "--points", "POINTS"],
    "hessian 9x9": ["hessian", NINE, "--at", AT9],
    "jvp": ["jvp", TWO, "--at", "1.5,2.5,0.5", "--dir", "1,0,1"],
    "vjp": ["vjp", TWO, "--at", "1.5,2.5,0.5", "--dir", "1,1"],
    "eval": ["eval", TWO, "--at", "1.5,2.5,0.5"],
    "minimize": ["minimize", "(1-x)**2 + 100*(y-x**2)**2", "--from", "-1.2,1"],
    "compare": ["compare", F, "--at", "2,3"],
    "compare textbook": ["compare", TEXTBOOK, "--at", "2,3,4"],
    "compare --sweep": ["compare", F, "--at", "2,3", "--sweep"],
    "explain": ["explain", F, "--at", "2,3"],
    "explain --mode forward": ["explain", F, "--at", "2,3", "--mode", "forward", "--wrt", "x"],
    "check": ["check", "CHECKED"],
}


#: numbers in the titles of tables, not in their plain output
TITLES = {"jacobian": "Jacobian (2 x 3, reverse mode), Jacobians at 2 points"}


@pytest.fixture
def command_files(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("x,y,z\n1.5,2.5,0.5\n-3.25,4.125,1e-3\n")
    folder = tmp_path / ("a_long_folder_name_for_the_checks_of_a_project" * 2)
    folder.mkdir()
    checked = folder / "checks.adx"
    checked.write_text(f"f = {TEXTBOOK}\ncheck f at x1=2, x2=3, x3=4: value 84\n"
                       "check f at x1=2, x2=3, x3=4: grad [12, 13, 9]\n")
    return {"POINTS": str(points), "CHECKED": str(checked)}


def _output(run_cli, args, output_format):
    result = run_cli(*args, "--format", output_format)
    assert result.exit_code in (0, 6), result.stderr  # 6: a check failed, as it should
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_table_shows_its_numbers_whole_at_every_width(run_cli, command_files, monkeypatch,
                                                            args, width):
    """Every number of the plain output shows whole in the table; the table
    shows no number that is not in the plain or JSON output or the command
    (a cut one), no GAP, and no line wider than the terminal."""
    args = [command_files.get(a, a) for a in args]
    monkeypatch.setenv("COLUMNS", str(width))
    table = _output(run_cli, args, "table")
    plain = _output(run_cli, args, "plain")
    document = _output(run_cli, args, "json") if args[0] != "check" else ""
    notes = [line for line in plain.splitlines() if line.startswith("# ")]  # worded apart
    data = [line for line in plain.splitlines() if not line.startswith("# ")]
    allowed = [document, *args, *notes, TITLES.get(args[0], "")]
    assert layout.lost(table, width, data, allowed=allowed) == [], table


#: the columns of wide tables, as the table heads them
HEADERS = {
    "compare": ["method", "d/dx", "d/dy", "max |diff| vs reverse", "cost", "note"],
    "compare textbook": ["method", "d/dx1", "d/dx2", "d/dx3", "max |diff| vs reverse", "cost",
                         "note"],
    "grad --trace": ["node", "computes", "value", "local partials", "adjoint"],  # no note here
    "grad --points": ["x", "y", "z", "value", "grad_x", "grad_y", "grad_z"],
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", HEADERS)
def test_no_column_is_dropped(run_cli, command_files, monkeypatch, case, width):
    args = [command_files.get(a, a) for a in COMMANDS[case]]
    monkeypatch.setenv("COLUMNS", str(width))
    words = {word.rstrip(":") for word in _output(run_cli, args, "table").split()}
    for header in HEADERS[case]:  # a stacked row says "method: ..."; a header may wrap
        assert set(header.split()) <= words, (header, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("where", ["short", "long"])
def test_check_keeps_file_line_column_on_one_line(run_cli, command_files, tmp_path,
                                                  monkeypatch, where, width):
    path = command_files["CHECKED"]
    if where == "short":
        monkeypatch.chdir(pathlib.Path(path).parent)
        path = "checks.adx"
    monkeypatch.setenv("COLUMNS", str(width))
    table = _output(run_cli, ["check", path], "table")
    for place in (f"{path}:2:30", f"{path}:3:30"):
        if len(place) + 2 * layout.INDENT <= width:
            assert any(place in line for line in table.splitlines()), table
        else:  # wider than the terminal: folded, every character kept
            assert place in "".join(line.strip() for line in table.splitlines()), table
    assert "FAIL" in table and "(index 1)" in " ".join(table.split())


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_explain_titles_are_not_wrapped(run_cli, monkeypatch, mode, width):
    args = ["explain", F, "--at", "2,3", "--mode", mode] + (["--wrt", "x"] * (mode == "forward"))
    monkeypatch.setenv("COLUMNS", str(width))
    table = _output(run_cli, args, "table").splitlines()
    plain = _output(run_cli, args, "plain").splitlines()
    titles = [plain[k + 1].removeprefix("# ") for k, line in enumerate(plain[:-1]) if not line]
    assert len(titles) == (5 if mode == "reverse" else 4)
    for title in titles:
        assert title in table or len(title) > width, (title, table)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_long_expression_in_a_title_is_shortened_between_numbers(run_cli, monkeypatch, width):
    expression = "x + 12.000000000087073*y + 1e-5*x*y + " * 4 + "y"
    monkeypatch.setenv("COLUMNS", str(width))
    table = _output(run_cli, ["grad", expression, "--at", "2,3"], "table")
    plain = _output(run_cli, ["grad", expression, "--at", "2,3"], "plain")
    assert layout.GAP in table.split("value / derivative")[0]  # in the title
    assert layout.lost(table, width, [plain], allowed=[expression, "2,3", layout.GAP]) == [], table
