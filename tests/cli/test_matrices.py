"""The CLI for issue 4: jacobian, hessian, jvp, vjp, eval, --mode and
--explain, -e, -f program files, --output; every format parsed back, exit
codes, stdout and stderr apart.  Expected numbers are written by hand."""
import csv
import io
import json
import math

import pytest
from conftest import failed, ok

#: the issue's example: J = [[y, x], [1, 1], [y cos x, sin x]] at (1, 2)
EXAMPLE = "x*y; x+y; sin(x)*y"
EXAMPLE_J = [[2.0, 1.0], [1.0, 1.0], [2 * math.cos(1.0), math.sin(1.0)]]
EXAMPLE_VALUES = {"f1": 2.0, "f2": 3.0, "f3": 2 * math.sin(1.0)}
ROSENBROCK = "100*(y-x**2)**2 + (1-x)**2"

PROGRAM = """\
# two outputs sharing an intermediate
s = x*y
a = s + x
b = s*s
output a, b
"""


def close(a, b, rel=1e-15):
    return a == pytest.approx(b, rel=rel, abs=1e-300)


@pytest.fixture
def program_file(tmp_path):
    path = tmp_path / "model.adx"
    path.write_text(PROGRAM, encoding="utf-8")
    return path


# --- jacobian ------------------------------------------------------------------------------


def test_jacobian_json_schema(run_cli):
    document = json.loads(ok(run_cli("jacobian", EXAMPLE, "--at", "1,2", "--format", "json")).stdout)
    assert set(document) == {"schema", "outputs", "variables", "point", "values", "jacobian",
                             "mode"}
    assert document["schema"] == "adcli.jacobian/1"
    assert document["outputs"] == ["f1", "f2", "f3"]
    assert document["variables"] == ["x", "y"]
    assert document["point"] == {"x": 1.0, "y": 2.0}
    assert document["values"] == EXAMPLE_VALUES  # JSON keeps every digit
    assert document["jacobian"] == EXAMPLE_J
    assert document["mode"]["mode"] == "forward"  # 2 inputs < 3 outputs
    assert document["mode"]["requested"] == "auto"
    assert (document["mode"]["inputs"], document["mode"]["outputs"]) == (2, 3)


def test_jacobian_csv_parses_back(run_cli):
    rows = list(csv.reader(io.StringIO(ok(run_cli("jacobian", EXAMPLE, "--at", "1,2",
                                                  "--format", "csv")).stdout)))
    assert rows[0] == ["output", "value", "grad[x]", "grad[y]"]
    assert [row[0] for row in rows[1:]] == ["f1", "f2", "f3"]
    for row, name, expected in zip(rows[1:], ["f1", "f2", "f3"], EXAMPLE_J):
        assert float(row[1]) == EXAMPLE_VALUES[name]  # shortest text reads back exactly
        assert [float(v) for v in row[2:]] == expected


def test_jacobian_plain_parses_back(run_cli):
    lines = ok(run_cli("jacobian", EXAMPLE, "--at", "1,2", "--format", "plain")).stdout.splitlines()
    assert lines[0].split("\t") == ["output", "value", "grad[x]", "grad[y]"]
    for line, name, expected in zip(lines[1:], ["f1", "f2", "f3"], EXAMPLE_J):
        fields = line.split("\t")
        assert fields[0] == name
        assert float(fields[1]) == EXAMPLE_VALUES[name]
        assert [float(v) for v in fields[2:]] == expected
    assert len(lines) == 4


def test_plain_is_the_default_when_piped(run_cli):
    assert ok(run_cli("jacobian", EXAMPLE, "--at", "1,2")).stdout == \
        ok(run_cli("jacobian", EXAMPLE, "--at", "1,2", "--format", "plain")).stdout


def test_jacobian_table_names_outputs_and_variables(run_cli):
    text = ok(run_cli("jacobian", "px*t; py", "--at", "2,3,5", "--format", "table")).stdout
    for name in ("f1", "f2", "px", "py", "t"):
        assert name in text
    assert "\x1b[" not in text  # no colour when not a terminal


def test_jacobian_precision(run_cli):
    lines = ok(run_cli("jacobian", EXAMPLE, "--at", "1,2", "--format", "plain",
                       "--precision", "4")).stdout.splitlines()
    assert lines[3].split() == ["f3", "1.683", "1.081", "0.8415"]


def test_jacobian_with_repeated_e(run_cli):
    document = json.loads(ok(run_cli("jacobian", "-e", "x*y", "-e", "x+y", "-e", "sin(x)*y",
                                     "--at", "1,2", "--format", "json")).stdout)
    assert document["outputs"] == ["f1", "f2", "f3"]
    assert document["jacobian"] == EXAMPLE_J


def test_each_e_is_one_output_even_when_it_starts_with_minus(run_cli):
    document = json.loads(ok(run_cli("jacobian", "-e", "x", "-e", "-y", "--at", "1,2",
                                     "--format", "json")).stdout)
    assert document["outputs"] == ["f1", "f2"]
    assert document["jacobian"] == [[1.0, 0.0], [0.0, -1.0]]


def test_expression_given_twice_is_a_usage_error(run_cli):
    stderr = failed(run_cli("jacobian", "x*y", "-e", "x", "--at", "1,2"), 2)
    assert "once" in stderr


def test_jacobian_of_a_program_file(run_cli, program_file):
    x, y = 2.0, 3.0
    document = json.loads(ok(run_cli("jacobian", "-f", program_file, "--at", "x=2,y=3",
                                     "--format", "json")).stdout)
    assert document["outputs"] == ["a", "b"]
    s = x * y
    assert document["values"] == {"a": s + x, "b": s * s}
    assert document["jacobian"] == [[y + 1, x], [2 * s * y, 2 * s * x]]


def test_jacobian_of_a_program_from_stdin(run_cli):
    document = json.loads(ok(run_cli("jacobian", "-f", "-", "--at", "2,3", "--format", "json",
                                     input=PROGRAM)).stdout)
    assert document["outputs"] == ["a", "b"]


def test_jacobian_vars_orders_the_columns(run_cli):
    document = json.loads(ok(run_cli("jacobian", EXAMPLE, "--vars", "y,x", "--at", "2,1",
                                     "--format", "json")).stdout)
    assert document["variables"] == ["y", "x"]
    assert document["jacobian"] == [row[::-1] for row in EXAMPLE_J]


@pytest.mark.parametrize("args, chosen", [
    (["x*y; x+y; x-y", "--at", "1,2"], "forward"),  # 2 inputs, 3 outputs
    (["x*y*z; x+y", "--at", "1,2,3"], "reverse"),  # 3 inputs, 2 outputs
    (["x*y; x+y", "--at", "1,2"], "reverse"),  # a tie: reverse
    (["x*y; x+y; x-y", "--at", "1,2", "--mode", "reverse"], "reverse"),
    (["x*y*z; x+y", "--at", "1,2,3", "--mode", "forward"], "forward"),
])
def test_mode_auto_and_explain_on_stderr(run_cli, args, chosen):
    result = run_cli("jacobian", *args, "--explain", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)  # the explanation does not pollute stdout
    assert document["mode"]["mode"] == chosen
    assert chosen in result.stderr
    inputs, outputs = len(document["variables"]), len(document["outputs"])
    assert f"{inputs} pass" in result.stderr and f"{outputs} pass" in result.stderr
    assert result.stderr.strip() not in result.stdout
    # and stdout is what it is without --explain
    assert result.stdout == run_cli("jacobian", *args, "--format", "json").stdout


def test_explain_is_off_by_default(run_cli):
    result = run_cli("jacobian", EXAMPLE, "--at", "1,2")
    assert result.stderr == ""


def test_forward_and_reverse_jacobians_agree_through_the_cli(run_cli, program_file):
    documents = [json.loads(ok(run_cli("jacobian", "-f", program_file, "--at", "0.3,-1.7",
                                       "--mode", mode, "--format", "json")).stdout)
                 for mode in ("forward", "reverse")]
    for a, b in zip(documents[0]["jacobian"], documents[1]["jacobian"]):
        assert a == pytest.approx(b, rel=1e-14)


def test_bad_mode_is_a_usage_error(run_cli):
    failed(run_cli("jacobian", EXAMPLE, "--at", "1,2", "--mode", "sideways"), 2)


# --- sparsity ------------------------------------------------------------------------------


def test_sparsity_plain(run_cli):
    lines = ok(run_cli("jacobian", "x*y; z; cos(x)", "--at", "0,1,2", "--sparsity",
                       "--format", "plain")).stdout.splitlines()
    assert [line.split("\t") for line in lines] == [
        ["output", "depends[x]", "depends[y]", "depends[z]"],
        ["f1", "*", "*", "."],
        ["f2", ".", ".", "*"],
        ["f3", "*", ".", "."],  # d cos(x)/dx = 0 at x = 0, but it depends on x
    ]


def test_sparsity_csv_and_json(run_cli):
    rows = list(csv.reader(io.StringIO(ok(run_cli(
        "jacobian", "-e", "x*0 + y", "-e", "z", "--at", "1,2,3", "--sparsity",
        "--format", "csv")).stdout)))
    assert rows == [["output", "depends[x]", "depends[y]", "depends[z]"],
                    ["f1", "*", "*", "."], ["f2", ".", ".", "*"]]
    document = json.loads(ok(run_cli("jacobian", "-e", "x*0 + y", "-e", "z", "--at", "1,2,3",
                                     "--sparsity", "--format", "json")).stdout)
    assert document["sparsity"] == {"f1": ["x", "y"], "f2": ["z"]}
    assert document["jacobian"] == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_sparsity_of_a_program_leaves_out_unused_definitions(run_cli, tmp_path):
    path = tmp_path / "p.adx"
    path.write_text("u = w*log(x)\np = y*2\nq = sin(z)\noutput p, q\n", encoding="utf-8")
    # x = -1 would be a domain error if the unused u were evaluated
    lines = ok(run_cli("jacobian", "-f", path, "--at", "w=1,x=-1,y=2,z=3", "--sparsity",
                       "--format", "plain")).stdout.splitlines()
    assert [line.split("\t") for line in lines] == [
        ["output", "depends[w]", "depends[x]", "depends[y]", "depends[z]"],
        ["p", ".", ".", "*", "."], ["q", ".", ".", ".", "*"]]


# --- hessian --------------------------------------------------------------------------------


def test_hessian_json_schema(run_cli):
    document = json.loads(ok(run_cli("hessian", ROSENBROCK, "--at", "1,1", "--format", "json")).stdout)
    assert set(document) == {"schema", "value", "gradient", "hessian", "variables", "point",
                             "output"}
    assert document["schema"] == "adcli.hessian/1"
    assert document["value"] == 0.0
    assert document["gradient"] == {"x": 0.0, "y": 0.0}
    assert document["hessian"] == [[802.0, -400.0], [-400.0, 200.0]]
    assert document["variables"] == ["x", "y"]
    assert document["point"] == {"x": 1.0, "y": 1.0}
    assert document["output"] == "f"


def test_hessian_plain_and_csv_parse_back(run_cli):
    x, y = -1.2, 1.0
    expected = {("x", "x"): 1200 * x * x - 400 * y + 2, ("x", "y"): -400 * x,
                ("y", "x"): -400 * x, ("y", "y"): 200.0}
    lines = ok(run_cli("hessian", ROSENBROCK, "--at", "-1.2,1", "--format", "plain")).stdout.splitlines()
    entries = {tuple(line.split()[1:3]): float(line.split()[3])
               for line in lines if line.startswith("hessian\t")}
    assert entries.keys() == expected.keys()
    for key, want in expected.items():
        assert close(entries[key], want, rel=1e-14)
    grads = {line.split()[1]: float(line.split()[2]) for line in lines if line.startswith("grad\t")}
    assert close(grads["x"], -2 * (1 - x) - 400 * x * (y - x * x), rel=1e-14)
    assert close(grads["y"], 200 * (y - x * x), rel=1e-14)
    rows = list(csv.reader(io.StringIO(ok(run_cli("hessian", ROSENBROCK, "--at", "-1.2,1",
                                                  "--format", "csv")).stdout)))
    assert rows[0] == ["variable", "gradient", "hessian[x]", "hessian[y]"]
    for row in rows[1:]:
        for column, value in zip(["x", "y"], row[2:]):
            assert close(float(value), expected[row[0], column], rel=1e-14)


def test_hessian_of_one_output_of_a_program(run_cli, program_file):
    x, y = 2.0, 3.0
    document = json.loads(ok(run_cli("hessian", "-f", program_file, "--output", "b",
                                     "--at", "2,3", "--format", "json")).stdout)
    # b = (x y)**2: Hessian [[2 y**2, 4 x y], [4 x y, 2 x**2]]
    assert document["output"] == "b"
    assert document["value"] == 36.0
    assert document["hessian"] == [[2 * y * y, 4 * x * y], [4 * x * y, 2 * x * x]]


def test_hessian_table_format(run_cli):
    text = ok(run_cli("hessian", ROSENBROCK, "--at", "1,1", "--format", "table")).stdout
    for piece in ("802", "-400", "200", "x", "y"):
        assert piece in text


@pytest.mark.parametrize("command", ["grad", "hessian"])
def test_multi_output_without_output_is_a_usage_error(run_cli, program_file, command):
    stderr = failed(run_cli(command, "-f", program_file, "--at", "2,3"), 2)
    assert "--output" in stderr
    assert "a, b" in stderr


@pytest.mark.parametrize("command", ["grad", "hessian"])
def test_output_that_does_not_exist(run_cli, program_file, command):
    stderr = failed(run_cli(command, "-f", program_file, "--output", "bb", "--at", "2,3"), 2)
    assert "bb" in stderr
    assert "did you mean b" in stderr


def test_grad_output_picks_one(run_cli, program_file):
    lines = ok(run_cli("grad", "-f", program_file, "--output", "a", "--at", "2,3",
                       "--format", "plain")).stdout.splitlines()
    assert lines == ["value\t8", "grad\tx\t4", "grad\ty\t2"]  # a = x y + x


# --- grad by forward mode ----------------------------------------------------------------------


@pytest.mark.parametrize("expr, at", [("x**2*y", "3,4"), (ROSENBROCK, "-1.2,1"),
                                      ("sin(x)*exp(y)/hypot(x, y)", "0.5,1")])
def test_grad_forward_equals_reverse(run_cli, expr, at):
    documents = {mode: json.loads(ok(run_cli("grad", expr, "--at", at, "--mode", mode,
                                            "--format", "json")).stdout)
                 for mode in ("forward", "reverse", "auto")}
    for mode in ("forward", "auto"):
        assert documents[mode]["value"] == documents["reverse"]["value"]
        for name, d in documents["reverse"]["gradient"].items():
            assert documents[mode]["gradient"][name] == pytest.approx(d, rel=1e-14)


def test_grad_forward_by_hand_and_explained(run_cli):
    result = run_cli("grad", "x**2*y", "--at", "3,4", "--mode", "forward", "--explain")
    assert result.exit_code == 0
    assert result.stdout == "value\t36\ngrad\tx\t24\ngrad\ty\t9\n"
    assert "forward" in result.stderr and "2 pass" in result.stderr


def test_trace_with_forward_mode_is_a_usage_error(run_cli):
    stderr = failed(run_cli("grad", "x**2*y", "--at", "3,4", "--mode", "forward", "--trace"), 2)
    assert "--trace" in stderr


# --- jvp and vjp ---------------------------------------------------------------------------------


def test_jvp_positional_and_named(run_cli):
    # J = [[y, x], [1, 1]] at (1, 2)
    assert ok(run_cli("jvp", "x*y; x+y", "--at", "1,2", "--dir", "1,0")).stdout.splitlines() == [
        "value\tf1\t2", "value\tf2\t3", "jvp\tf1\t2", "jvp\tf2\t1"]
    document = json.loads(ok(run_cli("jvp", "x*y; x+y", "--at", "1,2", "--dir", "y=1,x=0",
                                     "--format", "json")).stdout)
    assert document["jvp"] == {"f1": 1.0, "f2": 1.0}
    assert document["values"] == {"f1": 2.0, "f2": 3.0}


def test_vjp_positional_and_named(run_cli):
    assert ok(run_cli("vjp", "x*y; x+y", "--at", "1,2", "--dir", "1,0")).stdout.splitlines() == [
        "value\tf1\t2", "value\tf2\t3", "vjp\tx\t2", "vjp\ty\t1"]
    document = json.loads(ok(run_cli("vjp", "x*y; x+y", "--at", "1,2", "--dir", "f2=1,f1=3",
                                     "--format", "json")).stdout)
    assert document["vjp"] == {"x": 3 * 2.0 + 1, "y": 3 * 1.0 + 1}


def test_products_csv(run_cli):
    rows = list(csv.reader(io.StringIO(ok(run_cli("jvp", EXAMPLE, "--at", "1,2", "--dir", "2,-1",
                                                  "--format", "csv")).stdout)))
    assert rows[0] == ["output", "jvp"]
    for row, J in zip(rows[1:], EXAMPLE_J):
        assert close(float(row[1]), 2 * J[0] - J[1], rel=1e-15)
    rows = list(csv.reader(io.StringIO(ok(run_cli("vjp", EXAMPLE, "--at", "1,2",
                                                  "--dir", "1,1,1", "--format", "csv")).stdout)))
    assert rows[0] == ["variable", "vjp"]
    assert close(float(rows[1][1]), sum(J[0] for J in EXAMPLE_J), rel=1e-15)
    assert close(float(rows[2][1]), sum(J[1] for J in EXAMPLE_J), rel=1e-15)


@pytest.mark.parametrize("command, direction", [
    ("jvp", "1"), ("jvp", "1,0,0"), ("vjp", "1"), ("vjp", "1,0,0"),
    ("jvp", "x=1"), ("vjp", "f1=1,f3=2"), ("jvp", "1,abc"),
])
def test_wrong_direction_is_a_usage_error(run_cli, command, direction):
    failed(run_cli(command, "x*y; x+y", "--at", "1,2", "--dir", direction), 2)


def test_direction_is_required(run_cli):
    failed(run_cli("jvp", "x*y; x+y", "--at", "1,2"), 2)


# --- eval ------------------------------------------------------------------------------------


def test_eval_formats(run_cli, program_file):
    assert ok(run_cli("eval", "-f", program_file, "--at", "2,3")).stdout == "value\ta\t8\nvalue\tb\t36\n"
    document = json.loads(ok(run_cli("eval", "-f", program_file, "--at", "2,3",
                                     "--format", "json")).stdout)
    assert document == {"schema": "adcli.eval/1", "outputs": ["a", "b"],
                        "point": {"x": 2.0, "y": 3.0},
                        "values": {"a": 8.0, "b": 36.0}}
    rows = list(csv.reader(io.StringIO(ok(run_cli("eval", "-f", program_file, "--at", "2,3",
                                                  "--format", "csv")).stdout)))
    assert rows == [["output", "value"], ["a", "8"], ["b", "36"]]


def test_eval_of_the_example(run_cli):
    document = json.loads(ok(run_cli("eval", EXAMPLE, "--at", "1,2", "--format", "json")).stdout)
    assert document["values"] == EXAMPLE_VALUES


# --- errors: exit codes and locations ------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["jacobian", "log(x); x", "--at", "-1"],
    ["jacobian", "x; 1/y", "--at", "1,0"],
    ["hessian", "log(x)", "--at", "-1"],
    ["hessian", "sqrt(x)", "--at", "0"],
    ["jvp", "log(x)", "--at", "-1", "--dir", "1"],
    ["vjp", "log(x)", "--at", "-1", "--dir", "1"],
    ["eval", "log(x)", "--at", "-1"],
])
def test_domain_errors_exit_3(run_cli, args):
    stderr = failed(run_cli(*args), 3)
    assert stderr.startswith("error: ")
    assert "^" in stderr


def test_allow_nonfinite_prints_null(run_cli):
    document = json.loads(ok(run_cli("jacobian", "log(x); x", "--at", "-1", "--allow-nonfinite",
                                     "--format", "json")).stdout)
    assert document["values"]["f1"] is None
    assert document["jacobian"][1] == [1.0]


@pytest.mark.parametrize("content, line, column, says", [
    ("a = x\n\nb = a*\n)\n", 4, 1, "unmatched ')'"),
    ("a = x\nb = y\noutput a, bb\n", 3, 11, "no definition named 'bb'"),
    ("a = x\n  a = y\n", 2, 3, "defined twice"),
    ("a = 2*speed\nspeed = x\n", 1, 7, "used before it is defined"),
    ("y = 1\nsin = x\n", 2, 1, "cannot be redefined"),
    ("a = x\noutput a, a\n", 2, 11, "listed as an output twice"),
])
@pytest.mark.parametrize("command", ["jacobian", "hessian", "grad", "eval"])
def test_file_errors_start_with_file_line_column(run_cli, tmp_path, command, content, line,
                                                  column, says):
    path = tmp_path / "broken.adx"
    path.write_text(content, encoding="utf-8")
    stderr = failed(run_cli(command, "-f", path, "--at", "1"), 2)
    assert stderr.startswith(f"error: {path}:{line}:{column}: "), stderr
    assert says in stderr.splitlines()[0]
    assert "^" in stderr


def test_file_domain_error_gives_its_location(run_cli, tmp_path):
    path = tmp_path / "dom.adx"
    path.write_text("# comment\np = log(x)\nq = x*2\noutput p, q\n", encoding="utf-8")
    stderr = failed(run_cli("jacobian", "-f", path, "--at", "-1"), 3)
    assert stderr.startswith(f"error: {path}:2:5: ")
    # the unused definition is never evaluated: q alone is fine
    assert ok(run_cli("hessian", "-f", path, "--output", "q", "--at", "-1")).stdout.splitlines()[0] \
        == "value\t-2"


def test_expression_errors_have_no_file_prefix(run_cli):
    stderr = failed(run_cli("jacobian", "x*; y", "--at", "1,2"), 2)
    assert stderr.startswith("error: ")
    assert ".adx" not in stderr


@pytest.mark.parametrize("command", ["jacobian", "hessian", "jvp", "vjp", "eval"])
def test_every_new_command_has_help_with_examples(run_cli, command):
    text = ok(run_cli(command, "--help")).stdout
    assert "Examples:" in text
    assert f"adcli {command}" in text
