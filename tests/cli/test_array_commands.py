"""The commands on arrays: --at array values (literals, @FILE, constant
expressions), --wrt, every output form parsed back, and the errors."""
import csv
import io
import json

import numpy as np
import pytest

from conftest import exited, ok

QUADRATIC = ["x.T @ A @ x", "--at", "x=[1,2],A=[[2,1],[1,3]]"]


def test_grad_of_a_quadratic_form_wrt_x(run_cli):
    result = run_cli("grad", *QUADRATIC, "--wrt", "x", "--format", "json")
    ok(result)
    data = json.loads(result.stdout)
    assert data["value"] == 18.0
    assert data["gradient"] == {"x": [8.0, 14.0]}  # (A + A^T) x
    assert data["wrt"] == ["x"]


def test_grad_wrt_every_variable_by_default(run_cli):
    data = json.loads(run_cli("grad", *QUADRATIC, "--format", "json").stdout)
    assert data["gradient"]["A"] == [[1.0, 2.0], [2.0, 4.0]]  # x x^T
    assert data["gradient"]["x"] == [8.0, 14.0]


def test_plain_lines_can_be_grepped(run_cli):
    result = run_cli("grad", *QUADRATIC, "--wrt", "x", "--format", "plain")
    ok(result)
    assert result.stdout.splitlines() == ["value\t18", "grad\tx[0]\t8", "grad\tx[1]\t14"]


def test_csv_is_long_form(run_cli):
    result = run_cli("grad", "logdet(X)", "--at", "X=[[2,1],[1,3]]", "--format", "csv")
    ok(result)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["variable", "index", "grad"]
    got = {row[1]: float(row[2]) for row in rows[1:]}
    expected = np.linalg.inv(np.array([[2.0, 1.0], [1.0, 3.0]])).T
    assert got == pytest.approx({"0,0": expected[0, 0], "0,1": expected[0, 1],
                                 "1,0": expected[1, 0], "1,1": expected[1, 1]}, rel=1e-15)


def test_values_from_files_and_constant_expressions(run_cli, tmp_path):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    np.savetxt(tmp_path / "A.csv", a, delimiter=",")
    np.save(tmp_path / "b.npy", b)
    result = run_cli("grad", "sum((A @ x - b)**2)", "--at",
                     f"x=ones(3),A=@{tmp_path / 'A.csv'},b=@{tmp_path / 'b.npy'}",
                     "--wrt", "x", "--format", "json")
    ok(result)
    gradient = np.array(json.loads(result.stdout)["gradient"]["x"])
    a = np.loadtxt(tmp_path / "A.csv", delimiter=",")
    assert np.allclose(gradient, 2 * a.T @ (a @ np.ones(3) - b), rtol=1e-13, atol=1e-13)


def test_jacobian_of_softmax_is_its_closed_form(run_cli):
    result = run_cli("jacobian", "softmax(x)", "--at", "x=[1,2,3]", "--format", "json")
    ok(result)
    block = np.array(json.loads(result.stdout)["jacobian"]["f"]["x"])
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    assert np.allclose(block, np.diag(p) - np.outer(p, p), rtol=1e-14, atol=1e-16)


def test_an_elementwise_expression_takes_an_array_point(run_cli):
    result = run_cli("jacobian", "exp(x)", "--at", "x=[0,1]", "--format", "json")
    ok(result)
    block = json.loads(result.stdout)["jacobian"]["f"]["x"]
    assert block == [[1.0, 0.0], [0.0, float(np.exp(1.0))]]


def test_eval_of_a_matrix_product(run_cli):
    result = run_cli("eval", "A @ x", "--at", "A=[[1,2],[3,4]],x=[1,1]", "--format", "plain")
    ok(result)
    assert result.stdout.splitlines() == ["value\tf[0]\t3", "value\tf[1]\t7"]


def test_jvp_and_vjp_on_arrays(run_cli):
    at = ["--at", "A=[[1,2],[3,4]],x=[1,1]", "--wrt", "x", "--format", "json"]
    jvp = json.loads(run_cli("jvp", "A @ x", *at, "--dir", "x=[1,0]").stdout)
    vjp = json.loads(run_cli("vjp", "A @ x", *at, "--dir", "f=[1,0]").stdout)
    assert jvp["jvp"]["f"] == [1.0, 3.0]  # A e1
    assert vjp["vjp"]["x"] == [1.0, 2.0]  # e1^T A


@pytest.mark.parametrize("args, code, says", [
    (["grad", "A @ x", "--at", "A=[[1,2],[3,4],[5,6]],x=[1,2,3]"], 2,
     "cannot matmul (3, 2) @ (3,): 2 != 3"),
    (["grad", "sum(x)", "--at", "x=[1,2]", "--wrt", "y"], 2, "not a variable"),
    (["grad", "x * 2", "--at", "x=[1,2]"], 2, "needs a scalar output"),
    (["grad", "sum(x[5])", "--at", "x=[1,2]"], 2, "out of range"),
    (["grad", "logdet(A)", "--at", "A=[[1,2],[2,4]]"], 3, "not finite"),
    (["grad", "sum(solve(A, b))", "--at", "A=[[1,2],[2,4]],b=[1,1]"], 3, "not finite"),
    (["grad", "sum(x)", "--at", "x=[1,2"], 2, "x"),
    (["hessian", "sum(x**1.5)", "--at", "x=[0,1]"], 3, "second derivative of x**1.5"),
    (["hvp", "sum(x**1.5)", "--at", "x=[0,1]", "--dir", "x=[1,0]"], 3, "not finite"),
    (["hvp", "sum(x)", "--at", "x=[0,1]", "--dir", "x=[1,0,0]"], 2, "shape (3,)"),
    (["jacobian", "A @ x", "--at", "A=[[1,2]],x=[1,1]", "--wrt", "x,x"], 2, "twice"),
])
def test_array_errors_have_their_exit_codes(run_cli, args, code, says):
    result = run_cli(*args)
    exited(result, code)
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_a_program_loads_data_beside_itself(run_cli, tmp_path, monkeypatch):
    (tmp_path / "A.csv").write_text("1,2\n3,4\n")
    (tmp_path / "model.adx").write_text('A = load("A.csv")\nf = sum(A @ x)\n')
    monkeypatch.chdir("/")
    result = run_cli("grad", "-f", str(tmp_path / "model.adx"), "--at", "x=[1,1]",
                     "--format", "json")
    ok(result)
    data = json.loads(result.stdout)
    assert data["value"] == 10.0 and data["gradient"]["x"] == [4.0, 6.0]


def test_scalar_commands_are_unchanged(run_cli):
    result = run_cli("grad", "3*(x1**2+x2*x3)", "--at", "2,3,4", "--format", "json")
    ok(result)
    assert json.loads(result.stdout)["schema"] == "adcli.grad/1"


def test_hessian_of_logsumexp_says_its_order(run_cli):
    result = run_cli("hessian", "logsumexp(x)", "--at", "x=[1,2,3]", "--format", "json")
    ok(result)
    data = json.loads(result.stdout)
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    assert np.allclose(data["hessian"], np.diag(p) - np.outer(p, p), rtol=1e-14, atol=1e-16)
    assert data["order"] == "C" and data["labels"] == ["x[0]", "x[1]", "x[2]"]
    plain = run_cli("hessian", "logsumexp(x)", "--at", "x=[1,2,3]", "--format", "plain")
    assert "C order" in plain.stdout


def test_hvp_command_on_arrays_and_scalars(run_cli):
    result = run_cli("hvp", "sum(x**3)", "--at", "x=[1,2]", "--dir", "x=[1,1]",
                     "--format", "json")
    ok(result)
    assert json.loads(result.stdout)["hvp"]["x"] == [6.0, 12.0]  # diag(6x) @ [1, 1]
    scalar = run_cli("hvp", "100*(y-x**2)**2 + (1-x)**2", "--at", "1,1", "--dir", "1,0",
                     "--format", "plain")
    ok(scalar)
    assert scalar.stdout.splitlines()[1:] == ["hvp\tx\t802", "hvp\ty\t-400"]


def test_minimize_on_arrays_with_data(run_cli, tmp_path):
    trace = tmp_path / "steps.csv"
    result = run_cli("minimize", "sum((A @ x - b)**2)", "--from", "x=zeros(2)",
                     "--at", "A=[[1,2],[3,4],[5,6]],b=[1,2,3]", "--trace-file", str(trace),
                     "--format", "json")
    ok(result)
    data = json.loads(result.stdout)
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert np.allclose(data["x"]["x"], np.linalg.lstsq(a, [1, 2, 3], rcond=None)[0],
                       atol=1e-9)
    assert data["schema"] == "adcli.minimize/2" and data["shapes"] == {"x": [2]}
    assert trace.read_text().splitlines()[0].endswith("x[x[0]],x[x[1]]")


def test_minimize_the_slice_rosenbrock_from_the_issue(run_cli):
    result = run_cli("minimize", "sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)",
                     "--from", "x=zeros(50)", "--format", "plain")
    ok(result)
    entries = [float(line.split("\t")[2]) for line in result.stdout.splitlines()
               if line.startswith("x\t")]
    assert len(entries) == 50 and max(abs(e - 1) for e in entries) < 1e-6
