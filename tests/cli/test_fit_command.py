"""adcli fit from the shell: the data file's columns, every output form
parsed back, --residuals, and the exit codes."""
import csv
import io
import json

import numpy as np
import pytest

from conftest import exited, ok

X = np.linspace(1.0, 6.0, 12)
Y = 2.0 * np.exp(-0.5 * X) + 0.01 * np.sin(7 * X)


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "decay.csv"
    lines = ["x,y,err"] + [f"{float(x)!r},{float(y)!r},0.01" for x, y in zip(X, Y)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_json_has_the_documented_keys(run_cli, data):
    result = run_cli("fit", "a*exp(-k*x)", "--data", data, "--from", "a=1,k=1",
                     "--format", "json")
    ok(result)
    document = json.loads(result.stdout)
    assert document["schema"] == "adcli.fit/1"
    for key in ("params", "stderr", "ci95", "correlation", "rss", "residual_sd", "dof", "r2",
                "n", "converged", "reason", "iterations", "evaluations",
                "jacobian_evaluations", "method"):
        assert key in document, key
    assert document["n"] == 12 and document["dof"] == 10 and document["converged"]
    import adcli
    direct = adcli.fit("a*exp(-k*x)", {"x": X, "y": Y}, {"a": 1, "k": 1})
    assert document["params"] == pytest.approx(direct.params, rel=1e-14)


def test_plain_lines_start_with_param(run_cli, data):
    result = run_cli("fit", "a*exp(-k*x)", "--data", data, "--from", "a=1,k=1",
                     "--format", "plain")
    ok(result)
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    params = [line for line in lines if line[0] == "param"]
    assert [p[1] for p in params] == ["a", "k"] and all(len(p) == 4 for p in params)
    assert ["converged", "true"] in lines


def test_csv_has_one_row_per_parameter(run_cli, data):
    result = run_cli("fit", "a*exp(-k*x) + c", "--data", data, "--from", "a=1,k=1",
                     "--fix", "c=0", "--format", "csv")
    ok(result)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:3] == ["param", "value", "stderr"]
    assert [row[0] for row in rows[1:]] == ["a", "c", "k"]
    assert rows[2][-1] == "true"  # c is fixed


def test_residuals_file_and_sigma(run_cli, data, tmp_path):
    out = tmp_path / "res.csv"
    result = run_cli("fit", "a*exp(-k*x)", "--data", data, "--from", "a=1,k=1",
                     "--sigma", "err", "--residuals", str(out), "--format", "json")
    ok(result)
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 12 and set(rows[0]) == {"x", "y", "err", "fitted", "residual"}
    for row in rows:
        assert float(row["y"]) - float(row["fitted"]) == pytest.approx(
            float(row["residual"]), abs=1e-15)


def test_a_transformed_response_from_stdin(run_cli, data):
    text = open(data).read()
    result = run_cli("fit", "log(y) ~ log(a) - k*x", "--data", "-", "--from", "a=1,k=1",
                     "--format", "json", input=text)
    ok(result)
    assert json.loads(result.stdout)["response"] == "log(y)"


@pytest.mark.parametrize("args, code, says", [
    (["a*exp(-k*x)", "--from", "a=1"], 2, "no start for the parameter k"),
    (["a*exp(-k*x)", "--from", "a=1,k=1", "--y", "z"], 2, "column z"),
    (["a*exp(-k*x)", "--from", "a=1,k=1", "--sigma", "nope"], 2, "--sigma nope"),
    (["a*exp(-k*x", "--from", "a=1,k=1"], 2, "missing ')'"),
    (["log(a - x)", "--from", "a=1"], 3, "first at row 1 of the data"),
])
def test_errors_and_exit_codes(run_cli, data, args, code, says):
    result = run_cli("fit", *args[:1], "--data", data, *args[1:])
    exited(result, code)
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_a_data_file_with_a_bad_cell_names_row_and_column(run_cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n1,2\n2,abc\n")
    result = run_cli("fit", "a*x", "--data", str(path), "--from", "a=1")
    exited(result, 2)
    assert "row 2" in result.stderr and "column y" in result.stderr


def test_plot_of_a_fit(run_cli, data, tmp_path):
    pytest.importorskip("matplotlib")
    png, svg = tmp_path / "fit.png", tmp_path / "residuals.svg"
    ok(run_cli("fit", "a*exp(-k*x)", "--data", data, "--from", "a=1,k=1", "--plot", str(png),
               "--format", "json"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ok(run_cli("fit", "a*exp(-k*x)*e**(0*err)", "--data", data, "--from", "a=1,k=1",
               "--plot", str(svg), "--format", "json"))  # two data columns: residuals
    assert b"<svg" in svg.read_bytes()[:400]


def test_plot_without_matplotlib_is_a_usage_error(run_cli, data, tmp_path, monkeypatch):
    import builtins
    real = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = run_cli("fit", "a*exp(-k*x)", "--data", data, "--from", "a=1,k=1",
                     "--plot", str(tmp_path / "f.png"))
    exited(result, 2)
    assert "matplotlib" in result.stderr


def test_the_progress_line_of_a_fit():
    from adcli.cli.commands.fit import _progress
    assert _progress("json") is None  # never when the output is for a program
    from adcli.cli.views.terminal import Progress
    line = Progress(lambda info: f"iteration {info['iteration']}").line({"iteration": 3})
    assert line == "iteration 3"


def test_json_data(run_cli, tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"x": X.tolist(), "y": (3 * X).tolist()}))
    result = run_cli("fit", "a*x", "--data", str(path), "--from", "a=1", "--format", "json")
    ok(result)
    assert json.loads(result.stdout)["params"]["a"] == pytest.approx(3.0, rel=1e-14)


def test_npy_data_with_named_fields(run_cli, tmp_path):
    path = tmp_path / "d.npy"
    np.save(path, np.rec.fromarrays([X, 3 * X], names="x,y"))
    result = run_cli("fit", "a*x", "--data", str(path), "--from", "a=1", "--format", "json")
    ok(result)
    assert json.loads(result.stdout)["params"]["a"] == pytest.approx(3.0, rel=1e-14)
    plain = tmp_path / "plain.npy"
    np.save(plain, np.column_stack([X, X]))
    result = run_cli("fit", "a*x", "--data", str(plain), "--from", "a=1")
    exited(result, 2)
    assert "no column names" in result.stderr
