"""`adcli solve` (issue 14) through click's CliRunner: exit codes, the JSON
schema, plain and CSV parsed back, the trace file complete, diagnostics on
stderr only."""
import csv
import io
import json
import math
import pathlib

import pytest

from conftest import exited

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
JSON_KEYS = {"schema", "x", "shapes", "residuals", "residual_norm", "max_residual",
             "start_residual_norm", "converged", "reason", "message", "iterations",
             "evaluations", "jacobian_evaluations", "condition", "method", "unknowns",
             "equations", "least_squares", "warnings", "error"}


def test_a_single_equation_plain(run_cli):
    result = exited(run_cli("solve", "cos(x) - x", "--from", "1"), 0, stderr="")
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines[0] == ["x", "x", "0.7390851332151607"]
    assert lines[1][:2] == ["residual", "f"]
    assert ["converged", "true"] in lines


def test_a_system_as_json(run_cli):
    result = exited(run_cli("solve", "x**2 + y**2 - 4; x*y - 1", "--from", "2,0.5",
                            "--format", "json"), 0, stderr="")
    document = json.loads(result.stdout)
    assert set(document) == JSON_KEYS
    assert document["schema"] == "adcli.solve/1"
    x = math.sqrt(2 + math.sqrt(3))
    assert document["x"]["x"] == pytest.approx(x, rel=4e-16)
    assert document["x"]["y"] == pytest.approx(1 / x, rel=4e-16)
    assert document["equations"] == ["f1", "f2"] and document["unknowns"] == ["x", "y"]
    assert document["converged"] is True and document["error"] is None


def test_arrays_with_data_as_csv(run_cli):
    result = exited(run_cli("solve", "A @ x - b + 0.1*x**3", "--at", "A=[[4,1],[1,3]],b=[1,2]",
                            "--from", "x=zeros(2)", "--format", "csv"), 0, stderr="")
    header, values = list(csv.reader(io.StringIO(result.stdout)))
    row = dict(zip(header, values))
    assert header[:4] == ["x[x[0]]", "x[x[1]]", "residual[f[0]]", "residual[f[1]]"]
    x0, x1 = float(row["x[x[0]]"]), float(row["x[x[1]]"])
    assert 4 * x0 + x1 - 1 + 0.1 * x0 ** 3 == pytest.approx(0, abs=1e-15)
    assert x0 + 3 * x1 - 2 + 0.1 * x1 ** 3 == pytest.approx(0, abs=1e-15)
    assert row["converged"] == "true"


def test_no_root_exits_4_with_the_point(run_cli):
    result = exited(run_cli("solve", "x**2 + 1", "--from", "1", "--format", "json"), 4)
    assert json.loads(result.stdout)["converged"] is False
    assert "warning: not converged" in result.stderr


def test_fewer_equations_is_bad_input(run_cli):
    result = exited(run_cli("solve", "x*y - 1", "--from", "1,1"), 2, stdout="")
    assert "fewer equations than unknowns" in result.stderr


def test_a_nonfinite_start_is_a_domain_error(run_cli):
    result = exited(run_cli("solve", "log(x) - 1", "--from", "-1"), 3, stdout="")
    assert "log" in result.stderr


def test_least_squares_says_so_on_stderr(run_cli):
    result = exited(run_cli("solve", "x - 1; y - 2; x + y - 3.5", "--from", "0,0",
                            "--format", "json"), 0)
    assert json.loads(result.stdout)["least_squares"] is True
    assert "least-squares solution" in result.stderr


def test_the_trace_file_is_complete(run_cli, tmp_path):
    trace = tmp_path / "steps.csv"
    result = exited(run_cli("solve", "x**3 - 2*x - 5", "--from", "2", "--trace-file", trace,
                            "--format", "json"), 0, stderr="")
    rows = list(csv.reader(trace.open()))
    assert rows[0] == ["iteration", "residual_norm", "step", "evaluations",
                       "jacobian_evaluations", "x[x]"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, len(rows)))
    assert len(rows) - 1 <= json.loads(result.stdout)["iterations"]
    assert float(rows[-1][-1]) == pytest.approx(2.0945514815423265, rel=1e-15)
    assert [p.name for p in tmp_path.iterdir()] == ["steps.csv"]


def test_max_iter_exits_4(run_cli):
    result = exited(run_cli("solve", "x**3 - 2*x - 5", "--from", "100", "--max-iter", "1",
                            "--format", "json"), 4)
    document = json.loads(result.stdout)
    assert document["reason"] == "max-iter" and document["iterations"] == 1


def test_the_table_fits_80_columns(run_cli):
    result = exited(run_cli("solve", "x**2 + y**2 - 4; x*y - 1", "--from", "2,0.5",
                            "--format", "table"), 0, stderr="")
    assert max(map(len, result.stdout.splitlines())) <= 80
    assert "1.93185165257813" in result.stdout and "converged" in result.stdout


def test_a_program_file_with_data(run_cli):
    result = exited(run_cli("solve", "-f", EXAMPLES / "reach.adx", "--from", "t1=0.3,t2=1.1",
                            "--at", "tx=1.2,ty=0.8", "--format", "json"), 0, stderr="")
    document = json.loads(result.stdout)
    assert set(document["residuals"]) == {"ex", "ey"}
    assert document["x"]["t2"] == pytest.approx(1.1357762906864535, rel=1e-14)
