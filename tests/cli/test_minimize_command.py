"""`adcli minimize` (issue 5) through click's CliRunner: every exit code and
reason, trace files (CSV, JSON lines) complete after any stop and absent when
the run could not start, the JSON schema, plain and csv parsed back, no
terminal decoration when piped, --plot, an interrupted run."""
import csv
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import pytest

import adcli
from adcli.cli import artifacts
from adcli.tools import optimize
from conftest import exited, failed, killed_at_the_end

ROSENBROCK = "100*(y-x**2)**2 + (1-x)**2"
QUADRATIC = "(x-3)**2 + (y+1)**2"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ANSI = re.compile(r"\x1b\[")
TRACE_COLUMNS = ["iteration", "f", "grad_norm", "step", "evaluations"]
JSON_KEYS = {"schema", "x", "value", "converged", "reason", "message", "iterations", "evaluations",
             "hessian_evaluations", "gradient_norm", "method", "variables", "maximize"}


def as_json(result):
    return json.loads(result.stdout)


def leftovers(folder):
    """Temporary files of the atomic writers that were not cleaned up."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".partial")
            or p.name.startswith(".adcli-")]


def variable_columns(header):
    """The variable names of a CSV trace header: the columns after the five
    fixed ones, each written x[NAME]."""
    assert header[:5] == TRACE_COLUMNS
    assert all(re.fullmatch(r"x\[.+\]", column) for column in header[5:]), header
    return [column[2:-1] for column in header[5:]]


def process_env():
    """For a child process: the adcli these tests import, no debug mode."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(adcli.__file__))
    env.pop("ADCLI_DEBUG", None)
    return env


def read_csv_trace(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def read_jsonl_trace(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


# --- exit codes and reasons ---------------------------------------------------------------


def test_converged_exit_0(run_cli):
    result = exited(run_cli("minimize", ROSENBROCK, "--from", "-1.2,1", "--format", "json"), 0)
    assert result.stderr == ""
    document = as_json(result)
    assert document["converged"] is True
    assert document["reason"] == "gtol"
    assert document["gradient_norm"] <= 1e-8
    assert document["value"] <= 1e-20
    assert document["x"] == pytest.approx({"x": 1.0, "y": 1.0}, abs=1e-10)


@pytest.mark.parametrize("options, reason", [
    (["--max-iter", "3"], "max_iter"),
    (["--max-evals", "5"], "max_evals"),
], ids=["max_iter", "max_evals"])
def test_limits_exit_4(run_cli, options, reason):
    result = exited(run_cli("minimize", ROSENBROCK, "--from", "-1.2,1", "--method", "bfgs",
                            "--format", "json", *options), 4)
    document = as_json(result)  # the result is printed in every case
    assert document["reason"] == reason
    assert document["converged"] is False
    assert result.stderr.startswith("warning: not converged: ")
    assert optimize.NOT_CONVERGED[reason] in result.stderr
    if reason == "max_iter":
        assert document["iterations"] == 3
    else:
        assert document["evaluations"] == 5


def test_stalled_exit_4(run_cli):
    """max(x, -2x) at its kink: the shared derivative -1/2 is not 0, yet no
    step decreases f."""
    result = exited(run_cli("minimize", "max(x, -2*x)", "--from", "0", "--format", "json"), 4)
    assert as_json(result)["reason"] == "stalled"
    assert "warning: not converged" in result.stderr


def test_diverged_exit_5(run_cli):
    """gd with lr 1.5 on (x-3)^2 multiplies the error by -2 at each step."""
    result = exited(run_cli("minimize", "(x-3)**2", "--from", "0", "--method", "gd",
                            "--lr", "1.5", "--format", "json"), 5)
    document = as_json(result)
    assert document["reason"] == "diverged"
    assert document["converged"] is False
    assert document["iterations"] == 84  # first k with 9*4^k > 1e50 * 9
    assert result.stderr.startswith("error: ")
    assert "after iteration 84" in result.stderr


@pytest.mark.parametrize("expression, start", [("x", "0"), ("-x**2", "0.5"), ("x + y", "0,0")])
def test_an_unbounded_f_is_diverged_exit_5_with_the_default_method(run_cli, expression, start):
    """The issue's example: newton walked a linear f to x = -1e14 in 10,000
    iterations and exited 4."""
    result = exited(run_cli("minimize", expression, "--from", start, "--format", "json"), 5)
    document = as_json(result)
    assert (document["reason"], document["method"]) == ("diverged", "newton")
    assert document["iterations"] <= 5
    assert result.stderr.startswith("error: f or x grew without bound, or f fell without bound")


@pytest.mark.parametrize("args, words", [
    (["--lr", "0.1"], "--lr is a setting of gd, momentum and adam, not of auto, which is "
                      "newton for 2 variables (no learning rate)"),
    (["--method", "newton", "--lr", "0.1"],
     "--lr is a setting of gd, momentum and adam, not of newton (no learning rate)"),
    (["--method", "bfgs", "--line-search"], "--line-search is a setting of gd, not of bfgs"),
    (["--method", "gd", "--momentum", "0.5"], "--momentum is a setting of momentum, not of gd"),
    (["--method", "momentum", "--beta2", "0.9"], "--beta2 is a setting of adam, not of momentum"),
    (["--method", "adam", "--memory", "3"], "--memory is a setting of lbfgs, not of adam"),
    (["--method", "gd", "--ftol", "1e-3"],
     "--ftol is a setting of newton, bfgs, lbfgs and gd --line-search, not of gd"),
])
def test_a_setting_of_another_method_is_a_usage_error(run_cli, args, words):
    stderr = failed(run_cli("minimize", QUADRATIC, "--from", "0,0", *args), 2)
    assert f"Error: {words}" in stderr


@pytest.mark.parametrize("expression", ["log(x)", "0.5*x + log(x)"])
def test_nonfinite_exit_5_names_the_node_with_a_caret(run_cli, expression):
    result = exited(run_cli("minimize", expression, "--from", "1", "--method", "gd",
                            "--format", "json"), 5)
    document = as_json(result)
    assert document["reason"] == "nonfinite"
    assert document["x"]["x"] > 0  # the last finite point
    assert document["error"]["node"]
    assert "log(x) is nan" in document["error"]["message"]
    stderr = result.stderr
    assert re.search(r"after iteration \d+: log\(x\) is nan", stderr)
    lines = stderr.splitlines()
    source = next(k for k, line in enumerate(lines) if line.strip() == expression)
    caret = lines[source + 1]
    start = lines[source].index("log(x)")
    assert caret[start:start + 6] == "^^^^^^"
    assert caret.strip() == "^^^^^^"


def test_nonfinite_at_the_start_exit_5(run_cli):
    result = exited(run_cli("minimize", "log(x)", "--from", "-1", "--format", "json"), 5)
    document = as_json(result)
    assert document["reason"] == "nonfinite"
    assert document["iterations"] == 0
    assert document["value"] is None  # nan in JSON
    assert "after iteration 0" in result.stderr


def hessian_at_the_start(tmp_path, *python_options):
    """`adcli minimize "x**1.5 + (y-1)**2" --from 0,0` through the console
    entry point (the CliRunner would re-raise): 0.75/sqrt(x) is infinite."""
    return subprocess.run(
        [sys.executable, *python_options, "-c", "from adcli.cli import main; main()",
         "minimize", "x**1.5 + (y-1)**2", "--from", "0,0"],
        cwd=tmp_path, env=process_env(), capture_output=True, text=True, timeout=60)


def test_nonfinite_hessian_at_the_start_exit_5(tmp_path):
    """A regression test: the first Hessian's Stop escaped as an internal error."""
    process = hessian_at_the_start(tmp_path, "-W", "ignore")
    assert "internal error" not in process.stderr
    assert process.returncode == 5, process.stderr
    assert "reason\tnonfinite" in process.stdout
    assert "error: a value or derivative is not finite after iteration 0" in process.stderr


def test_nonfinite_hessian_prints_no_python_warning(tmp_path):
    process = hessian_at_the_start(tmp_path)
    assert process.returncode == 5
    assert "RuntimeWarning" not in process.stderr, process.stderr


def test_nonfinite_hessian_names_the_node(tmp_path):
    process = hessian_at_the_start(tmp_path, "-W", "ignore")
    assert process.returncode == 5
    assert "x**1.5" in process.stderr and "^" in process.stderr, process.stderr


def test_unknown_method_exit_2(run_cli):
    stderr = failed(run_cli("minimize", QUADRATIC, "--from", "0,0", "--method", "nope"), 2)
    assert "'nope'" in stderr and "newton" in stderr


def test_several_outputs_without_output_exit_2(run_cli):
    stderr = failed(run_cli("minimize", "(x-1)**2; (x+1)**2", "--from", "0"), 2)
    assert "2 outputs" in stderr
    assert "--output" in stderr


def test_output_picks_one(run_cli):
    result = exited(run_cli("minimize", "(x-1)**2; (x+1)**2", "--from", "0", "--output", "f2",
                            "--format", "json"), 0)
    assert as_json(result)["x"]["x"] == pytest.approx(-1.0, abs=1e-12)


@pytest.mark.parametrize("args", [
    ["x**", "--from", "1"],                       # syntax
    ["foo(x)", "--from", "1"],                    # unknown function
    ["(x-1)**2 + y**2", "--from", "1"],          # too few values
    ["(x-1)**2", "--from", "z=1"],                # unknown variable
    ["(x-1)**2", "--from", "1", "--max-iter", "-1"],
    ["(x-1)**2"],                                 # no --from
], ids=["syntax", "function", "short-point", "unknown-variable", "max-iter", "no-start"])
def test_bad_input_exit_2(run_cli, args):
    stderr = failed(run_cli("minimize", *args), 2)
    assert stderr.strip()


def test_an_unwritable_trace_file_is_an_error_not_a_traceback(run_cli, tmp_path):
    result = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file",
                            tmp_path / "missing" / "t.csv"), 1)
    assert "cannot write" in result.stderr


CLI_RUNS = [
    (["--method", "gd", "--line-search"], dict(method="gd", line_search=True)),
    (["--method", "gd", "--lr", "0.05"], dict(method="gd", lr=0.05)),
    (["--method", "momentum", "--lr", "0.02", "--momentum", "0.5"],
     dict(method="momentum", lr=0.02, momentum=0.5)),
    (["--method", "adam", "--lr", "0.05", "--beta1", "0.8", "--beta2", "0.99"],
     dict(method="adam", lr=0.05, beta1=0.8, beta2=0.99)),
    (["--method", "lbfgs", "--memory", "2"], dict(method="lbfgs", memory=2)),
    (["--method", "bfgs", "--gtol", "1e-4"], dict(method="bfgs", gtol=1e-4)),
    (["--method", "newton", "--ftol", "1e-3", "--xtol", "1e-3"],
     dict(method="newton", ftol=1e-3, xtol=1e-3)),
]


@pytest.mark.parametrize("args, options", CLI_RUNS, ids=[" ".join(a[1:]) for a, _ in CLI_RUNS])
def test_method_options_reach_the_optimizer(run_cli, args, options):
    """The CLI's result is the API's with the same settings, digit for digit;
    on a convex quadratic every one of these converges."""
    result = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--format", "json",
                            "--max-iter", "100000", *args), 0)
    document = as_json(result)
    api = adcli.minimize(QUADRATIC, [0, 0], max_iter=100000, **options)
    assert document["x"] == api.x
    assert document["value"] == api.value
    assert (document["iterations"], document["evaluations"], document["reason"]) == \
        (api.iterations, api.evaluations, api.reason)
    assert document["x"] == pytest.approx({"x": 3.0, "y": -1.0}, abs=1e-2)


def test_momentum_0_is_gradient_descent(run_cli):
    gd = as_json(exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--method", "gd",
                                "--lr", "0.1", "--format", "json"), 0))
    heavy = as_json(exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--method",
                                   "momentum", "--momentum", "0", "--lr", "0.1",
                                   "--format", "json"), 0))
    assert heavy["x"] == gd["x"] and heavy["iterations"] == gd["iterations"]


# --- maximize --------------------------------------------------------------------------


def test_maximize(run_cli):
    result = exited(run_cli("minimize", "x*exp(-x)", "--from", "0.5", "--maximize",
                            "--format", "json"), 0)
    document = as_json(result)
    assert document["maximize"] is True
    assert document["x"]["x"] == pytest.approx(1.0, abs=1e-8)
    assert document["value"] == pytest.approx(math.exp(-1), rel=1e-12)


@pytest.mark.parametrize("expression, x, value", [
    ("-(x*exp(-x))", 1.0, -math.exp(-1)),
    ("-hypot(x, 1) + x**2/4", math.sqrt(3), -1.25),
], ids=["exp", "hypot"])
def test_an_expression_starting_with_minus(run_cli, expression, x, value):
    """The issue's own example: the letters e, f, h inside must not be read
    as the options -e, -f, -h (a regression test)."""
    result = exited(run_cli("minimize", expression, "--from", "0.5", "--format", "json"), 0)
    document = as_json(result)
    assert document["x"]["x"] == pytest.approx(x, abs=1e-8)
    assert document["value"] == pytest.approx(value, rel=1e-12)


def test_minimize_the_negation_after_a_double_dash(run_cli):
    result = exited(run_cli("minimize", "--from", "0.5", "--format", "json", "--",
                            "-(x*exp(-x))"), 0)
    document = as_json(result)
    assert document["maximize"] is False
    assert document["x"]["x"] == pytest.approx(1.0, abs=1e-8)
    assert document["value"] == pytest.approx(-math.exp(-1), rel=1e-12)


def test_an_expression_starting_with_minus_without_option_letters(run_cli):
    """-x**2 + x**4: minima at +-1/sqrt(2), f = -1/4."""
    result = exited(run_cli("minimize", "-x**2 + x**4", "--from", "0.5", "--format", "json"), 0)
    document = as_json(result)
    assert document["x"]["x"] == pytest.approx(math.sqrt(0.5), abs=1e-8)
    assert document["value"] == pytest.approx(-0.25, rel=1e-12)


# --- output formats -----------------------------------------------------------------------


def test_json_schema(run_cli):
    result = exited(run_cli("minimize", ROSENBROCK, "--from", "-1.2,1", "--format", "json"), 0)
    document = as_json(result)
    assert set(document) == JSON_KEYS
    assert document["schema"] == "adcli.minimize/1"
    assert isinstance(document["x"], dict)
    assert list(document["x"]) == document["variables"] == ["x", "y"]
    assert all(isinstance(v, float) for v in document["x"].values())
    assert isinstance(document["value"], float)
    assert document["converged"] is True
    assert document["reason"] in optimize.CONVERGED
    assert document["message"] == optimize.CONVERGED[document["reason"]]
    for key in ("iterations", "evaluations", "hessian_evaluations"):
        assert isinstance(document[key], int) and not isinstance(document[key], bool)
    assert document["evaluations"] >= document["iterations"] + 1
    assert document["hessian_evaluations"] == document["iterations"] + 1
    assert isinstance(document["gradient_norm"], float)
    assert document["method"] == "newton"
    assert document["maximize"] is False
    # the same numbers as the API, to the last digit
    api = adcli.minimize(ROSENBROCK, [-1.2, 1])
    assert document["x"] == api.x
    assert document["value"] == api.value
    assert (document["iterations"], document["evaluations"]) == (api.iterations,
                                                                 api.evaluations)


@pytest.mark.parametrize("args, code", [
    (["--method", "gd", "--max-iter", "2"], 4),
    (["--method", "gd", "--lr", "1.5"], 5),
], ids=["not-converged", "diverged"])
def test_json_schema_when_not_converged(run_cli, args, code):
    result = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--format", "json",
                            *args), code)
    document = as_json(result)
    assert set(document) == JSON_KEYS
    assert document["schema"] == "adcli.minimize/1"
    assert document["converged"] is False


def test_json_schema_with_an_error(run_cli):
    result = exited(run_cli("minimize", "log(x)", "--from", "1", "--method", "gd",
                            "--format", "json"), 5)
    document = as_json(result)
    assert set(document) == JSON_KEYS | {"error"}
    assert set(document["error"]) == {"message", "node"}


def test_plain_parsed_back(run_cli):
    result = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--format", "plain"), 0)
    x, fields = {}, {}
    for line in result.stdout.splitlines():
        words = line.split()
        if words[0] == "x":
            assert len(words) == 3
            x[words[1]] = float(words[2])
        else:
            assert len(words) == 2, line
            fields[words[0]] = words[1]
    assert x == {"x": 3.0, "y": -1.0}
    assert float(fields["value"]) == 0.0
    assert fields["converged"] == "true"
    assert fields["reason"] == "gtol"
    assert fields["method"] == "newton"
    assert int(fields["iterations"]) >= 1
    assert int(fields["evaluations"]) >= int(fields["iterations"]) + 1
    assert set(fields) >= {"value", "converged", "reason", "iterations", "evaluations",
                           "hessian_evaluations", "gradient_norm", "method"}


def test_plain_is_the_default_when_piped(run_cli):
    piped = exited(run_cli("minimize", QUADRATIC, "--from", "0,0"), 0)
    plain = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--format", "plain"), 0)
    assert piped.stdout == plain.stdout


def test_csv_parsed_back(run_cli):
    result = exited(run_cli("minimize", ROSENBROCK, "--from", "-1.2,1", "--format", "csv"), 0)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert list(row)[:2] == ["x[x]", "x[y]"]
    api = adcli.minimize(ROSENBROCK, [-1.2, 1])
    assert float(row["x[x]"]) == api.x["x"] and float(row["x[y]"]) == api.x["y"]
    assert float(row["value"]) == api.value
    assert row["converged"] == "true"
    assert row["reason"] == api.reason
    assert int(row["iterations"]) == api.iterations
    assert int(row["evaluations"]) == api.evaluations
    assert int(row["hessian_evaluations"]) == api.hessian_evaluations
    assert float(row["gradient_norm"]) == api.gradient_norm
    assert row["method"] == "newton"


def test_precision_applies_to_plain(run_cli):
    result = exited(run_cli("minimize", "(x-1/3)**2", "--from", "0", "--format", "plain",
                            "--precision", "3"), 0)
    assert "x\tx\t0.333\n" in result.stdout


@pytest.mark.parametrize("output_format", ["json", "csv", "plain", "table"])
def test_piped_output_has_no_escapes_and_no_progress(run_cli, output_format):
    """A 2000-iteration run: a live display would have had time to draw."""
    result = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--method", "gd",
                            "--lr", "0.001", "--max-iter", "2000", "--format", output_format),
                    4)
    assert not ANSI.search(result.stdout)
    assert not ANSI.search(result.stderr)
    assert "\r" not in result.stdout + result.stderr
    # stderr holds the one warning line and nothing else
    assert result.stderr.splitlines() == [line for line in result.stderr.splitlines()
                                          if line.startswith("warning: not converged")]
    assert len(result.stderr.splitlines()) == 1


def test_progress_only_for_a_table_on_a_terminal(monkeypatch):
    from adcli.cli.runs import live_progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setattr(sys, "stderr", Terminal())
    for output_format in ("json", "csv", "plain"):
        assert live_progress(output_format) is None
    assert live_progress(None) is not None  # table, the default on a terminal
    assert live_progress("table") is not None
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # stderr piped
    assert live_progress("table") is None


def test_table_piped_is_readable(run_cli):
    result = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--format", "table"), 0)
    assert "gtol" in result.stdout
    assert result.stderr == ""


# --- trace files ----------------------------------------------------------------------------


def test_csv_trace_one_row_per_iteration(run_cli, tmp_path):
    trace = tmp_path / "steps.csv"
    result = exited(run_cli("minimize", ROSENBROCK, "--from", "-1.2,1", "--trace-file", trace,
                            "--format", "json"), 0)
    document = as_json(result)
    header, rows = read_csv_trace(trace)
    assert variable_columns(header) == ["x", "y"]
    assert [int(r[0]) for r in rows] == list(range(document["iterations"] + 1))
    first, last = rows[0], rows[-1]
    assert [float(v) for v in first[5:]] == [-1.2, 1.0]
    assert float(first[1]) == pytest.approx(24.2, rel=1e-14)
    assert float(first[3]) == 0.0 and int(first[4]) == 1
    # the last row is the reported result, every digit
    assert float(last[1]) == document["value"]
    assert float(last[2]) == document["gradient_norm"]
    assert int(last[4]) == document["evaluations"]
    assert dict(zip(["x", "y"], map(float, last[5:]))) == document["x"]
    assert leftovers(tmp_path) == []


def test_csv_trace_matches_the_gd_closed_form(run_cli, tmp_path):
    """gd with lr 0.1 on (x-3)^2: x_k = 3 - 3 * 0.8^k, f_k = 9 * 0.64^k."""
    trace = tmp_path / "steps.csv"
    exited(run_cli("minimize", "(x-3)**2", "--from", "0", "--method", "gd", "--lr", "0.1",
                   "--max-iter", "10", "--trace-file", trace), 4)
    header, rows = read_csv_trace(trace)
    assert len(rows) == 11
    for k, row in enumerate(rows):
        assert float(row[5]) == pytest.approx(3 - 3 * 0.8 ** k, rel=1e-13)
        assert float(row[1]) == pytest.approx(9 * 0.64 ** k, rel=1e-12)
        assert float(row[2]) == pytest.approx(6 * 0.8 ** k, rel=1e-12)
        assert float(row[3]) == pytest.approx(0.6 * 0.8 ** (k - 1) if k else 0.0, rel=1e-12)


def test_jsonl_trace(run_cli, tmp_path):
    trace = tmp_path / "steps.jsonl"
    result = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--method", "bfgs",
                            "--trace-file", trace, "--format", "json"), 0)
    document = as_json(result)
    rows = read_jsonl_trace(trace)
    assert [r["iteration"] for r in rows] == list(range(document["iterations"] + 1))
    for row in rows:
        assert set(row) == {"iteration", "f", "grad_norm", "step", "evaluations", "x"}
        assert list(row["x"]) == ["x", "y"]
    assert rows[0]["x"] == {"x": 0.0, "y": 0.0} and rows[0]["f"] == 10.0
    assert rows[-1]["x"] == document["x"]
    assert rows[-1]["f"] == document["value"]
    assert rows[-1]["grad_norm"] == document["gradient_norm"]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["steps.json", "steps.ndjson", "STEPS.JSONL"])
def test_json_lines_for_other_json_names(run_cli, tmp_path, name):
    exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", tmp_path / name), 0)
    assert read_jsonl_trace(tmp_path / name)[0]["iteration"] == 0


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_trace_complete_after_max_iter(run_cli, tmp_path, suffix):
    trace = tmp_path / f"steps.{suffix}"
    result = exited(run_cli("minimize", ROSENBROCK, "--from", "-1.2,1", "--method", "gd",
                            "--lr", "0.001", "--max-iter", "25", "--trace-file", trace,
                            "--format", "json"), 4)
    document = as_json(result)
    if suffix == "csv":
        _, rows = read_csv_trace(trace)
        iterations = [int(r[0]) for r in rows]
        last_f, last_x = float(rows[-1][1]), dict(zip("xy", map(float, rows[-1][5:])))
    else:
        rows = read_jsonl_trace(trace)
        iterations = [r["iteration"] for r in rows]
        last_f, last_x = rows[-1]["f"], rows[-1]["x"]
    assert iterations == list(range(26))
    assert (last_f, last_x) == (document["value"], document["x"])
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_trace_complete_after_divergence(run_cli, tmp_path, suffix):
    trace = tmp_path / f"steps.{suffix}"
    result = exited(run_cli("minimize", "(x-3)**2", "--from", "0", "--method", "gd", "--lr",
                            "1.5", "--trace-file", trace, "--format", "json"), 5)
    document = as_json(result)
    if suffix == "csv":
        _, rows = read_csv_trace(trace)
        values = [float(r[1]) for r in rows]
    else:
        values = [r["f"] for r in read_jsonl_trace(trace)]
    assert len(values) == 85  # iterations 0..84
    assert values[-1] == document["value"]
    assert values == pytest.approx([9 * 4.0 ** k for k in range(85)], rel=1e-9)
    assert leftovers(tmp_path) == []


def test_trace_complete_after_a_nonfinite_value(run_cli, tmp_path):
    trace = tmp_path / "steps.csv"
    result = exited(run_cli("minimize", "log(x)", "--from", "1", "--method", "gd",
                            "--trace-file", trace, "--format", "json"), 5)
    document = as_json(result)
    _, rows = read_csv_trace(trace)
    assert len(rows) == document["iterations"] + 1
    assert all(math.isfinite(float(r[1])) for r in rows)
    assert float(rows[-1][5]) == document["x"]["x"]
    assert leftovers(tmp_path) == []


def test_trace_when_the_first_point_is_not_finite(run_cli, tmp_path):
    """No finite iteration 0, no row: the trace appears with its first row."""
    trace = tmp_path / "steps.csv"
    exited(run_cli("minimize", "log(x)", "--from", "-1", "--trace-file", trace), 5)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["x**", "--from", "1"],
    ["(x-1)**2", "--from", "1", "--method", "nope"],
    ["(x-1)**2 + y**2", "--from", "1"],
    ["(x-1)**2; x**2", "--from", "1"],
], ids=["syntax", "method", "short-point", "several-outputs"])
@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_no_trace_file_when_the_run_could_not_start(run_cli, tmp_path, args, suffix):
    trace = tmp_path / f"steps.{suffix}"
    failed(run_cli("minimize", *args, "--trace-file", trace), 2)
    assert list(tmp_path.iterdir()) == []


def test_trace_columns_are_unique_whatever_the_variable_names(run_cli, tmp_path):
    """Variables named f and step (a regression test: columns were bare names)."""
    trace = tmp_path / "steps.csv"
    exited(run_cli("minimize", "(f-1)**2 + (step-2)**2", "--from", "0,0", "--trace-file",
                   trace), 0)
    header, rows = read_csv_trace(trace)
    assert len(set(header)) == len(header), header
    assert header == TRACE_COLUMNS + ["x[f]", "x[step]"]
    last = dict(zip(header, rows[-1]))
    assert (float(last["x[f]"]), float(last["x[step]"])) == pytest.approx((1.0, 2.0))


def test_trace_file_is_replaced_not_appended(run_cli, tmp_path):
    trace = tmp_path / "steps.csv"
    trace.write_text("old content\n")
    exited(run_cli("minimize", "(x-3)**2", "--from", "0", "--trace-file", trace), 0)
    header, rows = read_csv_trace(trace)
    assert header[0] == "iteration" and "old content" not in trace.read_text()


# --- interrupted runs -----------------------------------------------------------------------


def _fake_minimize(iterations):
    """An adcli.minimize that reports some iterations, then is interrupted."""

    def fake(graph, start, *, callback=None, **options):
        for k in range(iterations):
            callback(optimize.Iteration(k, [float(k), -float(k)], 10.0 - k, 1.0 / (k + 1),
                                        float(k > 0), k + 1))
        raise KeyboardInterrupt

    return fake


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_interrupted_cli_run_leaves_the_iterations_done(run_cli, tmp_path, monkeypatch,
                                                        suffix):
    monkeypatch.setattr(adcli, "minimize", _fake_minimize(4))
    trace = tmp_path / f"steps.{suffix}"
    result = exited(run_cli("minimize", QUADRATIC, "--from", "0,0", "--trace-file", trace),
                    130)
    assert result.stdout == ""
    assert "interrupted" in result.stderr
    if suffix == "csv":
        header, rows = read_csv_trace(trace)
        assert variable_columns(header) == ["x", "y"]
        assert [r[:2] for r in rows] == [[str(k), repr(10.0 - k)] for k in range(4)]
        assert rows[3][5:] == ["3.0", "-3.0"]
    else:
        rows = read_jsonl_trace(trace)
        assert [r["iteration"] for r in rows] == [0, 1, 2, 3]
        assert rows[3]["x"] == {"x": 3.0, "y": -3.0}
    assert leftovers(tmp_path) == []


def test_interrupted_api_run_with_an_iteration_log(tmp_path):
    """The CLI's pattern: IterationLog in try/finally around adcli.minimize; a
    KeyboardInterrupt raised from the callback after iteration 5 is logged."""
    trace = tmp_path / "steps.csv"
    log = artifacts.IterationLog(trace, ["x", "y"])
    seen = []

    def callback(info):
        seen.append(info)
        log(info)
        if info.iteration == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        try:
            adcli.minimize(ROSENBROCK, [-1.2, 1], method="bfgs", callback=callback)
        finally:
            log.close()
    header, rows = read_csv_trace(trace)
    assert variable_columns(header) == ["x", "y"]
    assert [int(r[0]) for r in rows] == [0, 1, 2, 3, 4, 5]
    for row, info in zip(rows, seen):
        assert float(row[1]) == info.value
        assert [float(v) for v in row[5:]] == info.x
    assert leftovers(tmp_path) == []


def test_iteration_log_is_absent_until_closed(tmp_path):
    trace = tmp_path / "steps.jsonl"
    log = artifacts.IterationLog(trace, ["x"])
    log(optimize.Iteration(0, [1.0], 2.0, 3.0, 0.0, 1))
    assert not trace.exists()
    log.close()
    assert read_jsonl_trace(trace) == [{"iteration": 0, "f": 2.0, "grad_norm": 3.0,
                                        "step": 0.0, "evaluations": 1, "x": {"x": 1.0}}]
    assert leftovers(tmp_path) == []


def test_sigint_to_a_real_process_leaves_a_complete_trace(tmp_path):
    """A long gd run in a subprocess, interrupted by SIGINT: exit 130, the
    point reached printed, and the trace holds consecutive whole rows from
    iteration 0."""
    if sys.platform == "win32":
        pytest.skip("SIGINT to a child process is POSIX")
    trace = tmp_path / "steps.csv"
    process = subprocess.Popen(
        [sys.executable, "-c", "from adcli.cli import main; main()", "minimize", ROSENBROCK,
         "--from", "-1.2,1", "--method", "gd", "--lr", "1e-6", "--gtol", "0",
         "--max-iter", "100000000", "--trace-file", str(trace)],
        cwd=tmp_path, env=process_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with killed_at_the_end(process):
        deadline = time.monotonic() + 20
        while not leftovers(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)  # the temporary appears just before the run starts
        assert leftovers(tmp_path), "the run did not start"
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 130, stderr
    assert "reason\tinterrupted" in stdout
    assert "interrupted" in stderr and "Traceback" not in stderr
    header, rows = read_csv_trace(trace)
    assert variable_columns(header) == ["x", "y"]
    assert len(rows) > 10
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    assert all(len(r) == 7 and all(math.isfinite(float(v)) for v in r) for r in rows)
    assert leftovers(tmp_path) == []


# --- --plot -------------------------------------------------------------------------------


@pytest.fixture
def matplotlib_installed():
    pytest.importorskip("matplotlib")


def test_plot_png_for_two_variables(run_cli, tmp_path, matplotlib_installed):
    plot = tmp_path / "run.png"
    result = exited(run_cli("minimize", ROSENBROCK, "--from", "-1.2,1", "--plot", plot,
                            "--format", "json"), 0)
    assert as_json(result)["converged"] is True
    data = plot.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 1000
    assert leftovers(tmp_path) == []


def test_plot_svg_for_one_variable(run_cli, tmp_path, matplotlib_installed):
    plot = tmp_path / "run.svg"
    exited(run_cli("minimize", "(x-3)**2", "--from", "0", "--method", "gd", "--lr", "0.1",
                   "--plot", plot), 0)
    text = plot.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert leftovers(tmp_path) == []


def test_plot_after_a_diverged_run(run_cli, tmp_path, matplotlib_installed):
    plot = tmp_path / "run.png"
    exited(run_cli("minimize", "(x-3)**2", "--from", "0", "--method", "gd", "--lr", "1.5",
                   "--plot", plot), 5)
    assert plot.read_bytes()[:8] == PNG_SIGNATURE


def test_plot_with_an_unsupported_extension_is_a_usage_error(run_cli, tmp_path,
                                                             matplotlib_installed):
    """Found before the run (a regression test: it was exit 1 after the run,
    the result unprinted)."""
    stderr = failed(run_cli("minimize", "(x-3)**2", "--from", "0", "--plot",
                                 tmp_path / "run.xyz", "--trace-file", tmp_path / "t.csv"), 2)
    assert "xyz" in stderr and "png" in stderr
    assert list(tmp_path.iterdir()) == []


def test_plot_without_matplotlib_is_a_usage_error(run_cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    stderr = failed(run_cli("minimize", ROSENBROCK, "--from", "-1.2,1",
                                 "--plot", tmp_path / "run.png",
                                 "--trace-file", tmp_path / "steps.csv"), 2)
    assert "pip install 'adcli[plot]'" in stderr
    assert list(tmp_path.iterdir()) == []  # neither the plot nor the trace


def test_no_plot_option_needs_no_matplotlib(run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    exited(run_cli("minimize", QUADRATIC, "--from", "0,0"), 0)
