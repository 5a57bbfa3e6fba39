"""The output conventions every command shares (adcli.cli.views.common):
a JSON schema field, CSV columns that bracket the user's names, plain text
as tab-separated records, and json/plain that never load rich or numpy."""
import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ok

#: every command and form with a JSON document: (arguments, its schema)
JSON_COMMANDS = [
    (["grad", "x*y", "--at", "1,2"], "adcli.grad/1"),
    (["grad", "x*y", "--points", "-"], "adcli.grad.points/1"),
    (["jacobian", "x*y; x+y", "--at", "1,2"], "adcli.jacobian/1"),
    (["jacobian", "x*y; x+y", "--points", "-"], "adcli.jacobian.points/1"),
    (["hessian", "x*y", "--at", "1,2"], "adcli.hessian/1"),
    (["jvp", "x*y; x+y", "--at", "1,2", "--dir", "1,0"], "adcli.jvp/1"),
    (["vjp", "x*y; x+y", "--at", "1,2", "--dir", "1,0"], "adcli.vjp/1"),
    (["eval", "x*y; x+y", "--at", "1,2"], "adcli.eval/1"),
    (["minimize", "(x-1)**2", "--from", "0"], "adcli.minimize/1"),
    (["compare", "x*y", "--at", "1,2"], "adcli.compare/1"),
    (["compare", "x*y", "--at", "1,2", "--sweep"], "adcli.compare.sweep/1"),
    (["explain", "x*y", "--at", "1,2"], "adcli.explain/1"),
    (["graph", "x*y", "--at", "1,2"], "adcli.graph/1"),
]
POINTS = "x,y\n1,2\n3,4\n"


def _input(args):
    return POINTS if "--points" in args else None


@pytest.mark.parametrize("args, schema", JSON_COMMANDS, ids=[s for _, s in JSON_COMMANDS])
def test_every_json_document_starts_with_its_schema(run_cli, args, schema):
    document = json.loads(ok(run_cli(*args, "--format", "json", input=_input(args))).stdout)
    assert list(document)[0] == "schema"
    assert document["schema"] == schema


def test_the_check_report_has_its_schema(run_cli, tmp_path):
    path = tmp_path / "f.adx"
    path.write_text("f = x*y\ncheck f at x=1, y=2: value 2\n", encoding="utf-8")
    result = run_cli("check", path, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["schema"] == "adcli.check/1"


# --- CSV: the user's names never collide with adcli's columns ---------------------------

#: variables named as adcli's own columns ("output" is a keyword of the language)
CLASHING = ["value", "grad_value", "method", "variable", "gradient"]


def _csv(run_cli, *args, input=None):
    return list(csv.reader(io.StringIO(ok(run_cli(*args, "--format", "csv",
                                                  input=input)).stdout)))


def test_a_points_file_headed_value_and_grad_value_gives_distinct_columns(run_cli):
    rows = _csv(run_cli, "grad", "value*grad_value", "--points", "-",
                input="value,grad_value\n2,3\n")
    assert rows[0] == ["x[grad_value]", "x[value]", "value", "grad[grad_value]", "grad[value]"]
    assert rows[1] == ["3", "2", "6", "2", "3"]


@pytest.mark.parametrize("args", [
    ["grad", "+".join(CLASHING), "--at", "1,2,3,4,5"],
    ["grad", "+".join(CLASHING), "--points", "-"],
    ["jacobian", "value*method; gradient + variable + grad_value", "--at", "1,2,3,4,5"],
    ["jacobian", "value*method; gradient + variable + grad_value", "--points", "-"],
    ["jacobian", "value*method; gradient + variable + grad_value", "--at", "1,2,3,4,5",
     "--sparsity"],
    ["hessian", "value*method*gradient*variable*grad_value", "--at", "1,2,3,4,5"],
    ["minimize", "(value-1)**2 + (method-2)**2", "--from", "0,0"],
    ["compare", "value*method*gradient", "--at", "1,2,3"],
    ["compare", "value*method", "--at", "1,2", "--sweep"],
], ids=lambda args: " ".join(args[:1] + [a for a in args if a.startswith("--")]))
def test_no_csv_header_repeats_a_column_whatever_the_names(run_cli, args):
    points = ",".join(CLASHING) + "\n1,2,3,4,5\n"
    header = _csv(run_cli, *args, input=points if "--points" in args else None)[0]
    assert len(set(header)) == len(header), header
    adcli_columns = {"value", "output", "variable", "gradient", "method", "step", "cost",
                     "note", "max_difference_from_reverse", "converged", "reason",
                     "iterations", "evaluations", "hessian_evaluations", "gradient_norm"}
    for column in header:  # every other column brackets a name of the user's
        assert column in adcli_columns or re.fullmatch(r"[a-z_]+\[\w+\](/d\[\w+\])?", column)


def test_the_same_column_name_means_the_same_thing_in_every_command(run_cli):
    at = ["--at", "2,3"]
    grad = _csv(run_cli, "grad", "x*y", *at)
    jacobian = _csv(run_cli, "jacobian", "x*y", *at)
    compare = _csv(run_cli, "compare", "x*y", *at)
    minimize = _csv(run_cli, "minimize", "(x-2)**2 + (y-3)**2", "--from", "0,0")
    points = _csv(run_cli, "jacobian", "x*y", "--points", "-", input="x,y\n2,3\n")
    # grad[name]: the derivative of the row's output
    derivatives = {"grad[x]": "3", "grad[y]": "2"}
    for header, row in (grad, jacobian[:2], compare[:2]):
        assert {k: v for k, v in zip(header, row) if k in derivatives} == derivatives
    assert dict(zip(*points))["d[f]/d[x]"] == "3"
    # x[name]: a coordinate of the point
    for header, row in (grad, minimize, points):
        assert {k: float(v) for k, v in zip(header, row) if k.startswith("x[")} == \
            {"x[x]": 2, "x[y]": 3}
    # value: the row's output
    assert dict(zip(*grad))["value"] == dict(zip(*jacobian))["value"] == "6"


# --- plain: tab-separated records -----------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["grad", "x*y", "--points", "-"],
    ["jacobian", "x*y; x+y", "--at", "1,2"],
    ["jacobian", "x*y; x+y", "--points", "-"],
    ["jacobian", "x*y; x+y", "--at", "1,2", "--sparsity"],
    ["compare", "x*y", "--at", "1,2"],
    ["explain", "x*y", "--at", "1,2"],
], ids=lambda args: " ".join(args[:1] + [a for a in args if a.startswith("--")]))
def test_plain_tables_are_the_csv_rows_separated_by_tabs(run_cli, args):
    input = POINTS if "--points" in args else None
    plain = ok(run_cli(*args, "--format", "plain", input=input)).stdout
    records = [line.split("\t") for line in plain.splitlines()]
    if args[0] == "explain":  # plain has every section; csv the nodes with all they hold
        assert all(line == [""] or line[0].startswith("# ") or len(line) > 1
                   for line in records)
        return
    assert records == _csv(run_cli, *args, input=input)


@pytest.mark.parametrize("args", [
    ["grad", "x*y", "--at", "1,2"],
    ["hessian", "x*y", "--at", "1,2"],
    ["jvp", "x*y; x+y", "--at", "1,2", "--dir", "1,0"],
    ["vjp", "x*y; x+y", "--at", "1,2", "--dir", "1,0"],
    ["eval", "x*y; x+y", "--at", "1,2"],
    ["minimize", "(x-1)**2 + y**2", "--from", "0,0"],
], ids=lambda args: args[0])
def test_plain_records_are_a_key_then_names_and_a_number(run_cli, args):
    for line in ok(run_cli(*args, "--format", "plain")).stdout.splitlines():
        fields = line.split("\t")
        assert 2 <= len(fields) <= 4 and all(f and " " not in f for f in fields), line


def test_the_sweep_and_check_summaries_are_notes(run_cli, tmp_path):
    sweep = ok(run_cli("compare", "x*y", "--at", "1,2", "--sweep")).stdout.splitlines()
    assert [line for line in sweep if "best central step" in line] == \
        [line for line in sweep if line.startswith("# ")]
    path = tmp_path / "f.adx"
    path.write_text("f = x*y\ncheck f at x=1, y=2: value 2\n", encoding="utf-8")
    lines = run_cli("check", path).stdout.splitlines()
    assert lines[0].split("\t") == ["PASS", f"{path}:2:22", "f at x=1, y=2: value 2"]
    assert lines[-1] == "# 1 passed, 0 failed"


# --- start-up: the forms people script against load no heavy package ------------------------


@pytest.mark.parametrize("output_format", ["json", "plain", "csv"])
def test_a_one_point_gradient_loads_neither_rich_nor_numpy(output_format):
    code = ("import sys; from adcli.cli import main; sys.argv = ['adcli', 'grad', "
            f"'3*(x1**2+x2*x3)', '--at', '2,3,4', '--format', '{output_format}']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'numpy', "
            "'lark')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.stderr.strip() == "[]", done.stderr
    assert "48" in done.stdout


@pytest.mark.parametrize("entry", ["from adcli.cli import main; main()",
                                   "import runpy; runpy.run_module('adcli', run_name='__main__')"])
def test_a_one_point_gradient_loads_its_command_module_alone(entry):
    # the console script's path and python -m adcli: the group imports the
    # module of the command asked for, not the modules of every command (with
    # ADCLI_NO_QUICK: the quick path, which answers this run, loads none)
    report = ("import atexit, sys\n"
              "atexit.register(lambda: print(sorted(m for m in sys.modules if "
              "m.startswith('adcli.cli.commands.') or m.split('.')[0] in ('rich', 'numpy')), "
              "file=sys.stderr))\n")
    argv = ["grad", "3*(x1**2+x2*x3)", "--at", "2,3,4", "--format", "json"]
    done = subprocess.run([sys.executable, "-c", report + entry, *argv], capture_output=True,
                          text=True, check=False, timeout=60,
                          env={**os.environ, "ADCLI_NO_QUICK": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "['adcli.cli.commands.derivatives']", done.stderr
    assert json.loads(done.stdout)["gradient"] == {"x1": 12.0, "x2": 12.0, "x3": 9.0}
