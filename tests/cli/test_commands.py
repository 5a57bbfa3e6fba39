"""The command line through click's CliRunner: exit codes, stdout and stderr
apart, every output format parsed back."""
import csv
import io
import json
import math
import os
import subprocess
import sys

import click
import pytest

import adcli
from adcli.cli import cli
from conftest import domain_error, failed, ok

TEXTBOOK = "3*(x1**2+x2*x3)"


# --- output formats ---------------------------------------------------------------------------


def test_plain_is_the_default_when_not_a_terminal(run_cli):
    result = ok(run_cli("grad", TEXTBOOK, "--at", "2,3,4"))
    assert result.stdout == "value\t48\ngrad\tx1\t12\ngrad\tx2\t12\ngrad\tx3\t9\n"
    assert result.stderr == ""


def test_plain_format_lines(run_cli):
    result = ok(run_cli("grad", "x*y + 0.5", "--at", "1.5,2", "--format", "plain"))
    lines = result.stdout.splitlines()
    assert lines == ["value\t3.5", "grad\tx\t2", "grad\ty\t1.5"]
    words = [line.split() for line in lines]
    assert all(len(w) in (2, 3) for w in words)


def test_json_round_trip(run_cli):
    result = ok(run_cli("grad", TEXTBOOK, "--at", "2,3,4", "--format", "json"))
    document = json.loads(result.stdout)
    assert document["value"] == 48
    assert document["gradient"] == {"x1": 12, "x2": 12, "x3": 9}
    assert document["variables"] == ["x1", "x2", "x3"]
    assert document["point"] == {"x1": 2, "x2": 3, "x3": 4}
    assert "trace" not in document
    assert result.stderr == ""


def test_json_trace(run_cli):
    result = ok(run_cli("grad", TEXTBOOK, "--at", "2,3,4", "--format", "json", "--trace"))
    trace = json.loads(result.stdout)["trace"]
    assert [row["node"] for row in trace] == [f"x{k}" for k in range(1, 8)]
    assert [row["value"] for row in trace] == [2, 3, 4, 4, 12, 16, 48]
    assert [row["adjoint"] for row in trace] == [12, 12, 9, 3, 3, 3, 1]
    x5 = trace[4]
    assert x5["computes"] == "x2*x3"
    assert x5["partials"] == [{"wrt": "x2", "value": 4}, {"wrt": "x3", "value": 3}]
    assert x5["kink"] is False


def test_json_keeps_full_precision(run_cli):
    result = ok(run_cli("grad", "x/3", "--at", "1", "--format", "json", "--precision", "3"))
    document = json.loads(result.stdout)
    assert document["value"] == 1 / 3
    assert document["gradient"]["x"] == 1 / 3


def test_json_nonfinite_is_null(run_cli):
    result = ok(run_cli("grad", "log(x)", "--at", "0", "--format", "json",
                        "--allow-nonfinite"))
    document = json.loads(result.stdout)
    assert document["value"] is None
    assert document["gradient"] == {"x": None}


def test_csv_round_trip(run_cli):
    result = ok(run_cli("grad", TEXTBOOK, "--at", "2,3,4", "--format", "csv"))
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [["x[x1]", "x[x2]", "x[x3]", "value", "grad[x1]", "grad[x2]", "grad[x3]"],
                    ["2", "3", "4", "48", "12", "12", "9"]]


def test_csv_trace(run_cli):
    result = ok(run_cli("grad", TEXTBOOK, "--at", "2,3,4", "--format", "csv", "--trace"))
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["node"] for row in rows] == [f"x{k}" for k in range(1, 8)]
    assert [float(row["adjoint"]) for row in rows] == [12, 12, 9, 3, 3, 3, 1]
    assert rows[5]["computes"] == "x4 + x5"
    assert rows[3]["partials"] == "d/dx1=4"


def test_plain_trace(run_cli):
    result = ok(run_cli("grad", "abs(x) + x", "--at", "0", "--trace"))
    lines = result.stdout.splitlines()
    assert lines[:2] == ["value\t0", "grad\tx\t1"]
    table = [line.split("\t") for line in lines[3:]]
    assert table[0] == ["node", "computes", "value", "partials", "adjoint", "note"]
    by_node = {row[0]: row for row in table[1:]}
    assert by_node["v2"][1] == "abs(v1)"
    assert by_node["v2"][5] == "kink"
    assert by_node["v3"][5] == ""


def test_table_format(run_cli):
    result = ok(run_cli("grad", TEXTBOOK, "--at", "2,3,4", "--format", "table", "--trace"))
    out = result.stdout
    assert "48" in out and "∂f/∂x1" in out
    assert "x4 + x5" in out
    assert "\x1b[" not in out  # no colour codes when not a terminal


@pytest.mark.parametrize("precision, text", [("1", "0.3"), ("3", "0.333"), ("17", "0.33333333333333331")])
def test_precision(run_cli, precision, text):
    result = ok(run_cli("grad", "x/3", "--at", "1", "--precision", precision))
    assert result.stdout == f"value\t{text}\ngrad\tx\t{text}\n"
    result = ok(run_cli("grad", "x/3", "--at", "1", "--precision", precision, "--format", "csv"))
    assert list(csv.reader(io.StringIO(result.stdout)))[1] == ["1", text, text]


def test_default_precision_reads_back_exactly(run_cli):
    result = ok(run_cli("grad", "x/3 + sin(x)", "--at", "1.1"))
    value = float(result.stdout.splitlines()[0].split()[1])
    assert value == 1.1 / 3 + math.sin(1.1)


@pytest.mark.parametrize("precision", ["0", "18", "x"])
def test_bad_precision(run_cli, precision):
    failed(run_cli("grad", "x", "--at", "1", "--precision", precision), 2)


def test_bad_format(run_cli):
    failed(run_cli("grad", "x", "--at", "1", "--format", "xml"), 2)


# --- points and variables -----------------------------------------------------------------------


def test_named_point_in_any_order(run_cli):
    result = ok(run_cli("grad", TEXTBOOK, "--at", "x3=4,x1=2,x2=3"))
    assert result.stdout.startswith("value\t48\n")


def test_point_values_may_be_constant_expressions(run_cli):
    result = ok(run_cli("grad", "sin(x)", "--at", "x=pi/2", "--format", "json"))
    assert json.loads(result.stdout)["value"] == 1.0


def test_vars_sets_the_positional_order(run_cli):
    result = ok(run_cli("grad", TEXTBOOK, "--vars", "x3,x1,x2", "--at", "4,2,3",
                        "--format", "json"))
    document = json.loads(result.stdout)
    assert document["value"] == 48
    assert document["variables"] == ["x3", "x1", "x2"]
    assert list(document["gradient"].items()) == [("x3", 9), ("x1", 12), ("x2", 12)]


@pytest.mark.parametrize("args, says", [
    (["--at", "1,2"], "expected 3 values"),
    (["--at", "1,2,3,4"], "expected 3 values"),
    (["--at", "x1=1,x2=2"], "no value for x3"),
    (["--at", "x1=1,x2=2,x4=3"], "x4 is not a variable"),
    (["--at", "x1=1,2,3"], "mixes named and positional"),
    (["--at", "1,two,3"], "not a number"),
    (["--at", "1,,3"], "empty"),
    (["--at", "1,nan,3"], "not a finite number"),
    (["--at", "x1=1,x1=2,x3=3"], "twice"),
    (["--vars", "x1,x2", "--at", "1,2"], "missing: x3"),
    (["--vars", "x1,x2,x3,pi", "--at", "1,2,3,4"], "pi is a constant, not a variable"),
    (["--vars", "x1,2x,x3", "--at", "1,2,3"], "not a variable name"),
    ([], "missing --at"),
])
def test_bad_points_and_variables_exit_2(run_cli, args, says):
    stderr = failed(run_cli("grad", TEXTBOOK, *args), 2)
    assert says in stderr


def test_unknown_name_suggests_a_close_one(run_cli):
    stderr = failed(run_cli("grad", "alpha*beta", "--at", "alpha=1,betta=2"), 2)
    assert "did you mean beta?" in stderr


def test_no_variables_needs_no_point(run_cli):
    result = ok(run_cli("grad", "2*pi"))
    assert result.stdout == f"value\t{2 * math.pi!r}\n"


# --- where the expression comes from ----------------------------------------------------------------


def test_expression_from_a_file(run_cli, tmp_path):
    path = tmp_path / "model.txt"
    path.write_text("# a model\nsin(x) * exp(y)  # product\n  + x*y\n", encoding="utf-8")
    result = ok(run_cli("grad", "-f", path, "--at", "x=1,y=2", "--format", "json"))
    document = json.loads(result.stdout)
    assert document["value"] == pytest.approx(math.sin(1) * math.exp(2) + 2, rel=1e-15)
    assert document["gradient"]["x"] == pytest.approx(math.cos(1) * math.exp(2) + 2, rel=1e-15)
    assert document["gradient"]["y"] == pytest.approx(math.sin(1) * math.exp(2) + 1, rel=1e-15)


def test_expression_from_stdin(run_cli):
    result = ok(run_cli("grad", "-", "--at", "0.5,1", input="sin(x)*exp(y)\n"))
    lines = result.stdout.splitlines()
    assert float(lines[0].split()[1]) == pytest.approx(math.sin(0.5) * math.e, rel=1e-15)
    assert lines[1].startswith("grad\tx\t")


def test_expression_file_from_stdin(run_cli):
    result = ok(run_cli("grad", "-f", "-", "--at", "2,3,4", input=TEXTBOOK))
    assert result.stdout.startswith("value\t48\n")


def test_syntax_error_in_a_file_names_the_line(run_cli, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("x +\n  2y\n", encoding="utf-8")
    stderr = failed(run_cli("grad", "-f", path, "--at", "1,2"), 2)
    assert f"{path}:2:4: a number followed by a name" in stderr
    assert "2*y" in stderr


@pytest.mark.parametrize("args", [
    ["grad", "x", "-f", "FILE", "--at", "1"],     # both EXPR and -f
    ["grad", "--at", "1"],                         # neither
    ["grad", "-f", "does-not-exist.txt", "--at", "1"],
    ["grad", "x", "--at", "1", "--no-such-option"],
    ["no-such-command"],
])
def test_usage_errors_exit_2(run_cli, tmp_path, args):
    (tmp_path / "FILE").write_text("x", encoding="utf-8")
    args = [str(tmp_path / "FILE") if a == "FILE" else a for a in args]
    failed(run_cli(*args), 2)


# --- batches -------------------------------------------------------------------------------------------


@pytest.fixture
def points_file(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("y,x\n2,1\n1,0\n-0.5,3\n", encoding="utf-8")
    return path


def _batch_expected():
    # f = x**2 + x*y: df/dx = 2x + y, df/dy = x
    return [(x, y, x * x + x * y, 2 * x + y, x) for y, x in [(2, 1), (1, 0), (-0.5, 3)]]


def test_points_csv(run_cli, points_file):
    result = ok(run_cli("grad", "x**2 + x*y", "--points", points_file, "--format", "csv"))
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["x[x]", "x[y]", "value", "grad[x]", "grad[y]"]
    assert [[float(c) for c in row] for row in rows[1:]] == [list(map(float, e))
                                                              for e in _batch_expected()]
    assert result.stderr == ""


def test_points_json(run_cli, points_file):
    result = ok(run_cli("grad", "x**2 + x*y", "--points", points_file, "--format", "json"))
    document = json.loads(result.stdout)
    assert document["variables"] == ["x", "y"]
    assert document["failed_rows"] == []
    for row, (x, y, value, gx, gy) in zip(document["rows"], _batch_expected()):
        assert row["point"] == {"x": x, "y": y}
        assert row["value"] == value
        assert row["gradient"] == {"x": gx, "y": gy}


def test_points_plain(run_cli, points_file):
    result = ok(run_cli("grad", "x**2 + x*y", "--points", points_file))
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["x[x]", "x[y]", "value", "grad[x]", "grad[y]"]
    assert [[float(c) for c in line.split("\t")] for line in lines[1:]] == \
        [list(map(float, e)) for e in _batch_expected()]


def test_points_from_stdin(run_cli):
    result = ok(run_cli("grad", "x*y", "--points", "-", "--format", "csv",
                        input="x,y\n1,2\n3,4\n"))
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1:] == [["1", "2", "2", "2", "1"], ["3", "4", "12", "4", "3"]]


def test_failed_batch_rows_exit_3_and_name_the_row(run_cli, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,y\n1,2\n0,1\n-1,3\n", encoding="utf-8")
    stderr = domain_error(run_cli("grad", "log(x)*y", "--points", path))
    assert "2 of 3 points fail" in stderr
    assert "row 2" in stderr
    assert "log(x)" in stderr


def test_failed_batch_rows_with_allow_nonfinite(run_cli, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,y\n1,2\n0,1\n-1,3\n", encoding="utf-8")
    result = ok(run_cli("grad", "log(x)*y", "--points", path, "--allow-nonfinite",
                        "--format", "json"), stderr=None)
    document = json.loads(result.stdout)
    assert document["failed_rows"] == [2, 3]
    assert document["rows"][0]["value"] == 0.0
    assert document["rows"][1]["value"] is None
    assert "row 2" in result.stderr  # reported, not dropped silently


@pytest.mark.parametrize("content, says", [
    ("x,z\n1,2\n", "z"),
    ("x\n1\n", "no value for y"),
    ("x,y\n1,2\n3\n", "row 2"),
    ("x,y\n1,2\n3,abc\n", "row 2"),
    ("x,y\n1,nan\n", "row 1"),
    ("", "no header"),
    ("x,x,y\n1,2,3\n", "twice"),
])
def test_bad_points_file_exit_2(run_cli, tmp_path, content, says):
    path = tmp_path / "points.csv"
    path.write_text(content, encoding="utf-8")
    stderr = failed(run_cli("grad", "x*y", "--points", path), 2)
    assert says in stderr


@pytest.mark.parametrize("content", [
    'x,y\n1,2\n3,4\n',
    '"x","y"\n"1","2"\n"3","4"\n',            # quoted, as spreadsheets write it
    '\ufeffx,y\r\n1,2\r\n3,4\r\n',             # UTF-8 byte-order mark, CRLF
    'x , y\n 1 , 2\n\n3,4\n\n',                 # spaces and blank lines
])
def test_points_file_dialects(run_cli, tmp_path, content):
    path = tmp_path / "points.csv"
    path.write_bytes(content.encode("utf-8"))  # as given: no newline translation
    result = ok(run_cli("grad", "x*y", "--points", path, "--format", "csv"))
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1:] == [["1", "2", "2", "2", "1"], ["3", "4", "12", "4", "3"]]


def test_points_file_error_names_the_file(run_cli, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("x,z\n1,2\n", encoding="utf-8")
    stderr = failed(run_cli("grad", "x*y", "--points", path), 2)
    assert "mine.csv" in stderr and "z" in stderr


def test_points_and_at_together_is_a_usage_error(run_cli, points_file):
    failed(run_cli("grad", "x*y", "--points", points_file, "--at", "1,2"), 2)


def test_trace_of_a_batch_is_a_usage_error_not_ignored(run_cli, points_file):
    stderr = failed(run_cli("grad", "x*y", "--points", points_file, "--trace"), 2)
    assert "--trace" in stderr


def test_expression_and_points_both_from_stdin_is_a_usage_error(run_cli):
    failed(run_cli("grad", "-", "--points", "-", input="x\n"), 2)


# --- domain errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("expr, at, node", [
    ("log(x)", "-1", "v2"), ("x*log(y)", "1,0", "v3"), ("1/x", "0", "v2"),
    ("sqrt(x)", "0", "v2"), ("sqrt(x)", "-1", "v2"),
])
def test_domain_errors_exit_3(run_cli, expr, at, node):
    stderr = domain_error(run_cli("grad", expr, "--at", at))
    lines = stderr.splitlines()
    assert f"node {node}" in lines[0]
    assert lines[1].strip() == expr
    assert "^" in lines[2]
    assert "--allow-nonfinite" in stderr


def test_allow_nonfinite_prints_ieee_values(run_cli):
    result = ok(run_cli("grad", "log(x)", "--at", "0", "--allow-nonfinite"))
    assert result.stdout == "value\t-inf\ngrad\tx\tinf\n"
    result = ok(run_cli("grad", "log(x)", "--at", "-1", "--allow-nonfinite", "--format", "csv"))
    assert list(csv.reader(io.StringIO(result.stdout)))[1] == ["-1", "nan", "-1"]


# --- version and help -----------------------------------------------------------------------------------


def test_version(run_cli):
    result = ok(run_cli("--version"))
    assert adcli.__version__ in result.stdout
    assert result.stdout.startswith("adcli")


def test_grad_help_has_examples(run_cli):
    result = ok(run_cli("grad", "--help"))
    assert "Examples" in result.stdout
    assert 'adcli grad "3*(x1**2+x2*x3)" --at 2,3,4' in result.stdout
    for option in ("--at", "--vars", "--points", "--trace", "--format", "--precision",
                   "--allow-nonfinite", "-f"):
        assert option in result.stdout


def test_every_command_help_ends_with_examples(run_cli):
    for name in [None, *cli.list_commands(click.Context(cli))]:
        result = ok(run_cli(*([name] if name else []), "--help"))
        assert "Examples" in result.stdout, name
        assert "adcli " in result.stdout.split("Examples")[1], name


def test_the_command_table_names_every_command_its_module_registers():
    # the group lists commands from the table, before any module is imported:
    # a command missing from it would be absent from --help and completion
    from adcli.cli import commands
    commands.load_all()
    assert sorted(cli.commands) == cli.list_commands(click.Context(cli))
    for name, command in cli.commands.items():
        assert command.callback.__module__ == f"adcli.cli.commands.{commands.MODULE_OF[name]}"


def test_help_and_completion_list_every_command():
    listed = set(cli.list_commands(click.Context(cli)))
    assert {"grad", "jacobian", "hessian", "hvp", "jvp", "vjp", "eval", "minimize", "fit",
            "solve", "check", "compare", "explain", "graph"} <= listed
    code = "import sys; from adcli.cli import main; main()"
    helped = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True,
                            text=True, check=False, timeout=60)
    assert helped.returncode == 0, helped.stderr
    commands_section = helped.stdout.split("Commands:")[1].split()
    assert listed <= set(commands_section)
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=False, timeout=60,
                               env={**os.environ, "_ADCLI_COMPLETE": "bash_complete",
                                    "COMP_WORDS": "adcli ", "COMP_CWORD": "1"})
    assert completed.returncode == 0, completed.stderr
    assert {line.split(",")[1] for line in completed.stdout.split()} == listed


def test_a_mistyped_command_is_matched_against_every_command():
    # a fresh process: no command module is loaded when the name is not found
    code = "import sys; from adcli.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "minimise", "x**2", "--from", "1"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert "No such command 'minimise'. Did you mean 'minimize'?" in done.stderr


def test_no_arguments_shows_usage(run_cli):
    result = run_cli()
    assert result.exit_code in (0, 2)
    assert "Usage" in result.stdout + result.stderr


# --- an expression that starts with a minus ---------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["-x**2", "--at", "3"], ["--at", "3", "-x**2"], ["-x**2", "--at=3"],
])
def test_expression_starting_with_minus_is_not_an_option(run_cli, args):
    result = ok(run_cli("grad", *args))
    assert result.stdout == "value\t-9\ngrad\tx\t-6\n"


def test_negative_point_values(run_cli):
    result = ok(run_cli("grad", "-2*x", "--at", "-1.5"))
    assert result.stdout == "value\t3\ngrad\tx\t-2\n"


@pytest.mark.parametrize("args", [["--formt", "--at", "1"], ["x", "--at", "1", "--formt", "json"]])
def test_mistyped_option_is_a_usage_error(run_cli, args):
    stderr = failed(run_cli("grad", *args), 2)
    assert "--formt" in stderr
