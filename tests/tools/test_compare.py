"""adcli compare: reverse, forward, central differences and the complex step
against hand gradients; what each costs; the complex step naming the op it
cannot pass; --sweep's truncation/round-off trade-off; --plot."""
import csv
import io
import json
import math

import pytest

from adcli.tools import compare as comparing
from adcli.engine import differences
from conftest import ok

# h = exp(x)*sin(y) + x*y**2: grad [exp(x) sin(y) + y^2, exp(x) cos(y) + 2 x y]
SMOOTH = "exp(x)*sin(y) + x*y**2"
X, Y = 0.7, -1.3
SMOOTH_GRAD = [math.exp(X) * math.sin(Y) + Y ** 2, math.exp(X) * math.cos(Y) + 2 * X * Y]

# the example: 3*(x1^2 + x2 x3), grad [6 x1, 3 x3, 3 x2] = [12, 12, 9] at (2, 3, 4)
TEXTBOOK = "3*(x1**2+x2*x3)"


def smooth(x, y):
    return math.exp(x) * math.sin(y) + x * y ** 2


def method(result, name):
    return next(m for m in result.methods if m.name == name)


# --- the four methods -------------------------------------------------------------------


def test_reverse_forward_and_complex_step_agree_to_rounding_with_the_hand_gradient():
    result = comparing.compare(SMOOTH, [X, Y])
    assert [m.name for m in result.methods] == ["reverse", "forward", "central differences",
                                                "complex step"]
    assert result.variables == ("x", "y")
    assert result.value == pytest.approx(smooth(X, Y), rel=1e-15)
    for name in ("reverse", "forward", "complex step"):
        assert method(result, name).gradient == pytest.approx(SMOOTH_GRAD, rel=1e-14), name
        assert result.differences(name) < 1e-14


def test_central_differences_are_within_1e_8():
    result = comparing.compare(SMOOTH, [X, Y])
    central = method(result, "central differences").gradient
    assert central == pytest.approx(SMOOTH_GRAD, rel=1e-8, abs=1e-8)
    assert 0 < result.differences("central differences") < 1e-8
    assert central != SMOOTH_GRAD  # truncation and round-off are visible


def test_textbook_example_exact_for_ad_and_complex_step():
    result = comparing.compare(TEXTBOOK, [2, 3, 4])
    assert result.value == 48
    for name in ("reverse", "forward", "complex step"):
        assert method(result, name).gradient == [12, 12, 9]
    assert method(result, "central differences").gradient == pytest.approx([12, 12, 9],
                                                                           rel=1e-8)


def test_cost_column_says_what_each_method_took(monkeypatch):
    calls = []
    real = differences.outputs_at

    def counting(graph, point, xp=None):
        calls.append(any(isinstance(v, complex) for v in point))  # np.complex128 too
        return real(graph, point, xp)

    monkeypatch.setattr(differences, "outputs_at", counting)
    graph = comparing.api.parse(TEXTBOOK)
    rows, cost = differences.central(graph, [2, 3, 4])
    assert (cost, len(calls)) == (6, 6)  # 2n evaluations for n = 3
    calls.clear()
    rows, cost = differences.complex_step(graph, [2, 3, 4])
    assert (cost, len(calls)) == (3, 3)  # n complex evaluations
    assert all(calls)  # each with a complex argument

    result = comparing.compare(TEXTBOOK, [2, 3, 4])
    assert method(result, "central differences").evaluations == "6 evaluations of f"
    assert method(result, "complex step").evaluations == "3 complex evaluations of f"
    assert method(result, "forward").evaluations.startswith("3 forward passes")
    assert method(result, "reverse").evaluations == "1 forward + 1 reverse pass"


def test_cost_grows_with_n():
    result = comparing.compare("x1 + x2*x3 + x4*x5", [1, 2, 3, 4, 5])
    assert method(result, "central differences").evaluations == "10 evaluations of f"
    assert method(result, "complex step").evaluations == "5 complex evaluations of f"
    assert method(result, "forward").evaluations.startswith("5 forward passes")
    assert method(result, "reverse").evaluations == "1 forward + 1 reverse pass"


@pytest.mark.parametrize("expr, point, ops, grad", [
    ("abs(x)*y", [-2, 3], ["abs"], [-3, 2]),
    ("max(x, y) + x*y", [2, 3], ["max"], [3, 3]),
    ("abs(x) + max(x, y)", [2, 3], ["abs", "max"], [1, 1]),
])
def test_complex_step_names_the_non_analytic_op(expr, point, ops, grad):
    result = comparing.compare(expr, point)
    cs = method(result, "complex step")
    assert cs.gradient is None
    assert result.differences("complex step") is None
    for op in ops:
        assert op in cs.note
    assert "complex step" in cs.note
    # the other three still work
    assert method(result, "reverse").gradient == grad
    assert method(result, "forward").gradient == grad
    assert method(result, "central differences").gradient == pytest.approx(grad, rel=1e-8)


def test_complex_step_is_not_blocked_by_ops_off_the_path():
    # abs is in another output; --output picks the analytic one
    result = comparing.compare("f = x*y\ng = abs(x)\noutput f, g", [2, 3], output="f")
    assert method(result, "complex step").gradient == [3, 2]


# exp(1e14*x**2) at x = 0 is 1 with derivative 0, but overflows at x +- cbrt(eps):
# central differences give (inf - inf)/2h = nan in the second component
OVERFLOWING = "a + exp(1e14*x**2)"


def test_a_nan_component_is_not_dropped_from_the_largest_difference():
    result = comparing.compare(OVERFLOWING, [0, 0])
    central = method(result, "central differences")
    assert central.gradient[0] == pytest.approx(1, rel=1e-8) and math.isnan(central.gradient[1])
    assert math.isnan(result.differences("central differences"))
    assert central.note.startswith("not finite: d/dx is nan; ")
    assert result.differences("complex step") == 0
    assert not method(result, "complex step").note.startswith("not finite")


def test_a_nan_component_is_reported_by_the_command(run_cli):
    result = ok(run_cli("compare", OVERFLOWING, "--at", "0,0", "--format", "json"))
    central = json.loads(result.stdout)["methods"][2]
    assert central["method"] == "central differences"
    assert central["gradient"]["x"] is None
    assert central["max_difference_from_reverse"] is None  # not finite: null, not 0
    assert "d/dx is nan" in central["note"]
    plain = ok(run_cli("compare", OVERFLOWING, "--at", "0,0", "--format", "plain"))
    row = plain.stdout.splitlines()[3].split("\t")
    assert row[0] == "central differences" and row[2:4] == ["nan", "nan"]


def test_an_overflowing_difference_is_an_infinite_difference():
    result = comparing.compare("exp(x)", [709.78])
    assert result.differences("central differences") == math.inf
    assert "d/dx is inf" in method(result, "central differences").note


def test_the_best_step_of_a_sweep_is_never_one_whose_error_is_nan():
    result = comparing.sweep(OVERFLOWING, [0, 0])
    assert math.isnan(result.central_error[1][0])  # the step 1e-1 overflows both ways
    step, error = result.best(result.central_error)[1]
    assert error == 0 and step <= 1e-6


# --- the command -----------------------------------------------------------------------------


def test_plain_table_of_the_four_methods(run_cli):
    result = ok(run_cli("compare", TEXTBOOK, "--at", "2,3,4", "--format", "plain"))
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0] == ["method", "grad[x1]", "grad[x2]", "grad[x3]", "max_difference_from_reverse",
                       "cost", "note"]
    by_name = {row[0]: row for row in rows[1:]}
    assert list(by_name) == ["reverse", "forward", "central differences", "complex step"]
    for name in ("reverse", "forward", "complex step"):
        assert [float(v) for v in by_name[name][1:4]] == [12, 12, 9]
        assert float(by_name[name][4]) == 0
    central = by_name["central differences"]
    assert [float(v) for v in central[1:4]] == pytest.approx([12, 12, 9], rel=1e-8)
    assert 0 < float(central[4]) < 1e-8
    assert central[5] == "6 evaluations of f"
    assert by_name["complex step"][5] == "3 complex evaluations of f"
    assert result.stderr == ""


def test_json_schema(run_cli):
    result = ok(run_cli("compare", SMOOTH, "--at", f"{X},{Y}", "--format", "json"))
    document = json.loads(result.stdout)
    assert set(document) == {"schema", "output", "variables", "point", "value", "methods"}
    assert document["schema"] == "adcli.compare/1"
    assert document["variables"] == ["x", "y"]
    assert document["point"] == {"x": X, "y": Y}
    assert document["value"] == pytest.approx(smooth(X, Y), rel=1e-15)
    assert [m["method"] for m in document["methods"]] == [
        "reverse", "forward", "central differences", "complex step"]
    for entry in document["methods"]:
        assert set(entry) == {"method", "gradient", "max_difference_from_reverse",
                              "evaluations", "note"}
        assert list(entry["gradient"]) == ["x", "y"]
        tolerance = 1e-8 if entry["method"] == "central differences" else 1e-14
        assert list(entry["gradient"].values()) == pytest.approx(SMOOTH_GRAD, rel=tolerance)
        assert entry["max_difference_from_reverse"] <= tolerance


def test_json_of_a_non_analytic_op(run_cli):
    result = ok(run_cli("compare", "abs(x)*y", "--at", "-2,3", "--format", "json"))
    cs = json.loads(result.stdout)["methods"][3]
    assert cs["method"] == "complex step"
    assert cs["gradient"] is None and cs["max_difference_from_reverse"] is None
    assert "abs" in cs["note"]


def test_plain_of_a_non_analytic_op_says_which(run_cli):
    result = ok(run_cli("compare", "max(x, y)*y", "--at", "2,3", "--format", "plain"))
    row = next(line for line in result.stdout.splitlines() if line.startswith("complex step"))
    assert "max" in row and "-" in row.split("\t")[1:3]


def test_csv_and_table(run_cli):
    rows = list(csv.reader(io.StringIO(ok(run_cli("compare", TEXTBOOK, "--at", "2,3,4",
                                                  "--format", "csv")).stdout)))
    assert rows[0][0] == "method" and len(rows) == 5
    assert rows[1][:4] == ["reverse", "12", "12", "9"]
    table = ok(run_cli("compare", TEXTBOOK, "--at", "2,3,4", "--format", "table")).stdout
    assert table.startswith("the gradient of f")
    for name in ("reverse", "forward", "central", "complex"):
        assert name in table


def test_table_shows_the_central_difference_digits(run_cli):
    table = ok(run_cli("compare", TEXTBOOK, "--at", "2,3,4", "--format", "table")).stdout
    assert "…" not in table
    assert "11.99999999" in table


def test_usage_errors(run_cli):
    result = run_cli("compare", "x*y", "--at", "1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert run_cli("compare", "x*y(", "--at", "1,2").exit_code == 2


# --- the sweep -------------------------------------------------------------------------------


SWEEP = "x1**2*sin(x2)"  # grad [2 x1 sin x2, x1^2 cos x2] at (2, 3)
SWEEP_GRAD = [4 * math.sin(3), 4 * math.cos(3)]


@pytest.mark.parametrize("expr, point, grad", [
    (SWEEP, [2, 3], SWEEP_GRAD),
    (SMOOTH, [X, Y], SMOOTH_GRAD),
])
def test_sweep_shows_truncation_and_round_off_for_every_variable(expr, point, grad):
    result = comparing.sweep(expr, point)
    steps = list(result.steps)
    assert steps == [10.0 ** -k for k in range(1, 16)]
    assert result.exact == pytest.approx(grad, rel=1e-14)
    k5, k6, k1, k15 = steps.index(1e-5), steps.index(1e-6), 0, len(steps) - 1
    for v in range(len(point)):
        forward, central = result.forward_error[v], result.central_error[v]
        assert len(forward) == len(central) == 15
        assert central[k5] < 1e-8  # central differences at their best
        assert forward[k1] > forward[k6] * 100  # forward: truncation O(h)
        assert forward[k15] > 1e-5 and central[k15] > 1e-5  # round-off dominates
        assert central[k15] > central[k5] * 100


def test_sweep_errors_are_the_hand_differences():
    result = comparing.sweep(SWEEP, [2, 3])

    def f(x1, x2):
        return x1 ** 2 * math.sin(x2)

    for h in (1e-1, 1e-2, 1e-3):
        k = result.steps.index(h)
        forward = [(f(2 + h, 3) - f(2, 3)) / h, (f(2, 3 + h) - f(2, 3)) / h]
        central = [(f(2 + h, 3) - f(2 - h, 3)) / (2 * h), (f(2, 3 + h) - f(2, 3 - h)) / (2 * h)]
        for v in range(2):
            assert result.forward_error[v][k] == pytest.approx(
                abs(forward[v] - SWEEP_GRAD[v]), rel=1e-6)
            if h > 1e-3 or v == 1:  # the x1 direction is quadratic: central exact to rounding
                assert result.central_error[v][k] == pytest.approx(
                    abs(central[v] - SWEEP_GRAD[v]), rel=1e-6, abs=1e-12)
    # truncation of forward differences: |f''/2| h, f_x1x1 = 2 sin 3
    assert result.forward_error[0][0] == pytest.approx(abs(math.sin(3)) * 0.1, rel=1e-9)


def test_sweep_json_and_plain(run_cli):
    document = json.loads(ok(run_cli("compare", SWEEP, "--at", "2,3", "--sweep",
                                     "--format", "json")).stdout)
    assert set(document) == {"schema", "variables", "point", "steps", "ad_gradient",
                             "forward_error", "central_error"}
    assert document["schema"] == "adcli.compare.sweep/1"
    assert document["variables"] == ["x1", "x2"]
    assert document["steps"] == [10.0 ** -k for k in range(1, 16)]
    assert list(document["ad_gradient"].values()) == pytest.approx(SWEEP_GRAD, rel=1e-14)
    for kind in ("forward_error", "central_error"):
        assert list(document[kind]) == ["x1", "x2"]
        assert all(len(row) == 15 for row in document[kind].values())
    plain = ok(run_cli("compare", SWEEP, "--at", "2,3", "--sweep", "--format", "plain")).stdout
    lines = plain.splitlines()
    assert lines[0].split("\t") == ["step", "forward_error[x1]", "central_error[x1]",
                                    "forward_error[x2]", "central_error[x2]"]
    table = [line.split("\t") for line in lines[1:16]]
    assert [float(row[0]) for row in table] == document["steps"]
    for row, k in zip(table, range(15)):
        assert float(row[1]) == pytest.approx(document["forward_error"]["x1"][k], rel=0.01)
        assert float(row[4]) == pytest.approx(document["central_error"]["x2"][k], rel=0.01)
    assert [line for line in lines[16:] if line.startswith("# best central step")]


def test_plot_writes_a_png(run_cli, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "sweep.png"
    ok(run_cli("compare", SWEEP, "--at", "2,3", "--sweep", "--plot", path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_sweep_is_a_usage_error(run_cli, tmp_path):
    path = tmp_path / "sweep.png"
    result = run_cli("compare", SWEEP, "--at", "2,3", "--plot", path)
    assert result.exit_code == 2
    assert "--sweep" in result.stderr
    assert result.stdout == ""
    assert not path.exists()
