"""adcli check, explain, graph and compare on array expressions from the
command line.  check reads arrays from the file; explain, graph and compare
need --at to read array values (the CLI's point option): until it does, those
tests skip, and they run as soon as it does."""
import csv
import io
import json
import unicodedata

import pytest

from conftest import exited, ok

LEAST_SQUARES = "sum((A @ x - b)**2)"
AT = "A=[[1,2],[3,4]],x=[1,1],b=[0,1]"


def nfc(text):
    return unicodedata.normalize("NFC", text)


PROGRAM = """\
f = x.T @ A @ x
check f at x=[1,2], A=[[2,1],[1,3]]: value 18, grad [[[1,2],[2,4]],[8,14]], grad ~ fd
g = logsumexp(x)
check g at x=[0, 0]: value 0.6931471805599453, grad [0.5, 0.5], grad ~ cs
"""


def test_check_a_program_with_arrays(run_cli, tmp_path):
    path = tmp_path / "models.adx"
    path.write_text(PROGRAM, encoding="utf-8")
    result = ok(run_cli("check", path, "--format", "json"), stderr=None)
    document = json.loads(result.stdout)
    assert (document["passed"], document["failed"]) == (6, 0)


def test_a_failing_array_check_exits_6_naming_the_entry(run_cli, tmp_path):
    path = tmp_path / "models.adx"
    path.write_text(PROGRAM.replace("grad [0.5, 0.5]", "grad [0.5, 0.6]"), encoding="utf-8")
    result = exited(run_cli("check", path, "--format", "plain"), 6)
    failing = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failing) == 1
    assert "models.adx:4:" in failing[0]
    assert "grad[x][1]: expected 0.6, got 0.5" in failing[0]


@pytest.fixture
def array_points(run_cli):
    """Skip until --at reads array values."""
    import click

    from adcli.cli import options
    try:
        options.PointType().convert("x=[1,2]", None, None)
    except click.ClickException:
        pytest.skip("--at does not read array values yet")
    return run_cli


def test_explain_the_issue_example(array_points):
    result = ok(array_points("explain", LEAST_SQUARES, "--at", AT, "--wrt", "x",
                             "--format", "json"))
    document = json.loads(result.stdout)
    assert document["schema"] == "adcli.explain.arrays/1"
    assert document["gradient"] == {"x": [42.0, 60.0]}
    plain = ok(array_points("explain", LEAST_SQUARES, "--at", AT, "--wrt", "x",
                            "--format", "plain")).stdout
    assert nfc("v̄4\t(2,)\t[6, 12]\tx̄ += Aᵀ·v̄4") in plain.splitlines()
    rows = list(csv.reader(io.StringIO(ok(array_points(
        "explain", LEAST_SQUARES, "--at", AT, "--wrt", "x", "--format", "csv")).stdout)))
    assert rows[0][:4] == ["node", "computes", "name", "shape"]
    table = ok(array_points("explain", LEAST_SQUARES, "--at", AT, "--wrt", "x",
                            "--format", "table")).stdout
    assert "A @ x" in table


def test_graph_labels_have_shapes(array_points):
    dot = ok(array_points("graph", LEAST_SQUARES, "--at", AT)).stdout
    assert r'label="v4: A @ x\n(2,) [3, 7]' in dot


def test_compare_entry_by_entry(array_points):
    document = json.loads(ok(array_points("compare", LEAST_SQUARES, "--at", AT,
                                          "--format", "json")).stdout)
    assert document["schema"] == "adcli.compare.arrays/1"
    assert document["compared"][:2] == ["A[0,0]", "A[0,1]"]


def test_check_reads_data_beside_the_program(run_cli, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "A.csv").write_text("2,1\n1,3\n", encoding="utf-8")
    (models / "x0.json").write_text("[1, 2]", encoding="utf-8")
    (models / "fit.adx").write_text(
        'A = load("A.csv")\nf = x.T @ A @ x\n'
        "check f at x=[1,2]: value 18, grad [8, 14], grad ~ cs\n", encoding="utf-8")
    (models / "default.adx").write_text('A = load("A.csv")\nf = sum(A * s)\n',
                                        encoding="utf-8")
    result = ok(run_cli("check", models, "--format", "json"), stderr=None)
    document = json.loads(result.stdout)
    assert (document["passed"], document["failed"]) == (4, 0), result.stdout
    (models / "broken.adx").write_text('A = load("missing.csv")\nf = sum(A)\n', encoding="utf-8")
    result = exited(run_cli("check", models / "broken.adx", "--format", "plain"), 2)
    assert "missing.csv" in result.stdout + result.stderr


def test_compare_and_sweep_with_wrt(array_points):
    document = json.loads(ok(array_points("compare", LEAST_SQUARES, "--at", AT, "--wrt", "x",
                                          "--format", "json")).stdout)
    assert document["compared"] == ["x[0]", "x[1]"]
    assert document["methods"][0]["gradient"] == [42.0, 60.0]
    plain = ok(array_points("compare", LEAST_SQUARES, "--at", AT, "--wrt", "x", "--sweep",
                            "--format", "plain")).stdout
    assert plain.splitlines()[0] == "step\tforward_error[x[0]]\tcentral_error[x[0]]\t" \
                                    "forward_error[x[1]]\tcentral_error[x[1]]"


def test_errors_exit_2_with_the_caret(array_points):
    from conftest import failed
    message = failed(array_points("explain", LEAST_SQUARES, "--at",
                                  "A=[[1,2],[3,4]],x=[1,1,1],b=[0,1]"), 2)
    assert "cannot matmul (2, 2) @ (3,): 2 != 3" in message and "^" in message
    message = failed(array_points("explain", "sum(x)", "--at", "x=[1,2]", "--mode", "forward"), 2)
    assert "reverse mode on array graphs" in message
    message = failed(array_points("compare", "sum(x)", "--at", "x=[1,2]", "--wrt", "y"), 2)
    assert "--wrt y" in message
