"""Jacobians at a batch of points: `adcli jacobian EXPR --points FILE` in
csv, json and plain (one Jacobian per point), and the API
`adcli.jacobian(expr, {"x": array, ...})` returning a BatchJacobian.
Every row is checked against the formulas evaluated here with math and
against central differences; failed rows with and without allow_nonfinite."""
import csv
import io
import json
import math

import numpy as np
import pytest

import adcli
from conftest import fd_jacobian, ok

EXPR = "x*y; log(x) + y; sin(x)*y"
OUTPUTS = ["f1", "f2", "f3"]


def f(x, y):
    return [x * y, math.log(x) + y, math.sin(x) * y]


def exact_jacobian(x, y):
    return [[y, x], [1 / x, 1.0], [math.cos(x) * y, math.sin(x)]]


#: points in the header's order y, x (the header, not the position, names them)
POINTS = [(1.0, 2.0), (0.5, -1.0), (3.0, 0.25), (2.5, 1e3)]  # (x, y)
POINTS_CSV = "y,x\n" + "".join(f"{y!r},{x!r}\n" for x, y in POINTS)
HEADER = (["x[x]", "x[y]"] + [f"value[{o}]" for o in OUTPUTS]
          + [f"d[{o}]/d[{v}]" for o in OUTPUTS for v in ("x", "y")])


@pytest.fixture
def points_file(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(POINTS_CSV, encoding="utf-8")
    return path


def check_row(point, values, matrix):
    """values and the 3 x 2 matrix at point (x, y): the formulas, to rounding;
    the Jacobian also against central differences."""
    x, y = point
    assert values == pytest.approx(f(x, y), rel=1e-15, abs=1e-300)
    assert np.asarray(matrix).shape == (3, 2)
    for got, exact, fd in zip(matrix, exact_jacobian(x, y), fd_jacobian(f, [x, y])):
        assert list(got) == pytest.approx(exact, rel=1e-15, abs=1e-300)
        assert list(got) == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_the_reference_is_sound():
    """The hand-written Jacobian agrees with central differences."""
    for x, y in POINTS:
        for exact, fd in zip(exact_jacobian(x, y), fd_jacobian(f, [x, y])):
            assert exact == pytest.approx(fd, rel=1e-6, abs=1e-8)


# --- the CLI ---------------------------------------------------------------------------------


def test_csv_one_jacobian_per_point(run_cli, points_file):
    rows = list(csv.reader(io.StringIO(ok(run_cli("jacobian", EXPR, "--points", points_file,
                                                   "--format", "csv")).stdout)))
    assert rows[0] == HEADER
    assert len(rows) == 1 + len(POINTS)
    for point, row in zip(POINTS, rows[1:]):
        numbers = [float(cell) for cell in row]
        assert numbers[:2] == list(point)
        matrix = [numbers[5:7], numbers[7:9], numbers[9:11]]
        check_row(point, numbers[2:5], matrix)


def test_json_one_jacobian_per_point(run_cli, points_file):
    document = json.loads(ok(run_cli("jacobian", EXPR, "--points", points_file,
                                     "--format", "json")).stdout)
    assert set(document) == {"schema", "outputs", "variables", "rows", "failed_rows", "mode"}
    assert document["schema"] == "adcli.jacobian.points/1"
    assert document["outputs"] == OUTPUTS
    assert document["variables"] == ["x", "y"]
    assert document["failed_rows"] == []
    assert len(document["rows"]) == len(POINTS)
    for (x, y), row in zip(POINTS, document["rows"]):
        assert set(row) == {"point", "values", "jacobian"}
        assert row["point"] == {"x": x, "y": y}
        assert list(row["values"]) == OUTPUTS
        check_row((x, y), list(row["values"].values()), row["jacobian"])
    # 2 inputs, 3 outputs: auto picks forward mode, one pass per input
    assert document["mode"]["mode"] == "forward"
    assert document["mode"]["passes"] == 2


def test_plain_one_jacobian_per_point(run_cli, points_file):
    lines = ok(run_cli("jacobian", EXPR, "--points", points_file,
                       "--format", "plain")).stdout.splitlines()
    assert lines[0].split("\t") == HEADER
    assert len(lines) == 1 + len(POINTS)
    for point, line in zip(POINTS, lines[1:]):
        numbers = [float(word) for word in line.split("\t")]
        assert numbers[:2] == list(point)
        check_row(point, numbers[2:5], [numbers[5:7], numbers[7:9], numbers[9:11]])


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_both_modes_give_the_same_rows(run_cli, points_file, mode):
    auto = ok(run_cli("jacobian", EXPR, "--points", points_file, "--format", "csv")).stdout
    forced = ok(run_cli("jacobian", EXPR, "--points", points_file, "--format", "csv",
                        "--mode", mode)).stdout
    parse = lambda text: [[float(c) for c in row]  # noqa: E731
                          for row in list(csv.reader(io.StringIO(text)))[1:]]
    for got, want in zip(parse(forced), parse(auto)):
        assert got == pytest.approx(want, rel=1e-14, abs=1e-300)


def test_points_from_stdin(run_cli):
    document = json.loads(ok(run_cli("jacobian", EXPR, "--points", "-", "--format", "json",
                                     input=POINTS_CSV)).stdout)
    assert len(document["rows"]) == len(POINTS)
    check_row(POINTS[0], list(document["rows"][0]["values"].values()),
              document["rows"][0]["jacobian"])


def test_matches_one_point_at_a_time(run_cli, points_file):
    document = json.loads(ok(run_cli("jacobian", EXPR, "--points", points_file,
                                     "--format", "json")).stdout)
    for (x, y), row in zip(POINTS, document["rows"]):
        single = json.loads(ok(run_cli("jacobian", EXPR, "--at", f"x={x!r},y={y!r}",
                                       "--format", "json")).stdout)
        np.testing.assert_allclose(row["jacobian"], single["jacobian"], rtol=1e-15)
        assert row["values"] == pytest.approx(single["values"], rel=1e-15)


# failed rows: log(x) at x = -1 is nan, at x = 0 is -inf (and 1/x is inf)
BAD_CSV = "x,y\n1,2\n-1,1\n0,3\n4,0.5\n"


def test_failed_rows_stop_with_exit_3(run_cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    result = run_cli("jacobian", EXPR, "--points", path, "--format", "csv")
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "2 of 4 points fail" in result.stderr
    assert "row 2" in result.stderr
    assert "log(x)" in result.stderr
    assert "--allow-nonfinite" in result.stderr


def test_failed_rows_kept_with_allow_nonfinite(run_cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    result = run_cli("jacobian", EXPR, "--points", path, "--format", "json",
                     "--allow-nonfinite")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("warning: 2 of 4 points")
    document = json.loads(result.stdout)
    assert document["failed_rows"] == [2, 3]  # 1-based
    rows = document["rows"]
    check_row((1.0, 2.0), list(rows[0]["values"].values()), rows[0]["jacobian"])
    check_row((4.0, 0.5), list(rows[3]["values"].values()), rows[3]["jacobian"])
    assert rows[1]["values"]["f2"] is None  # log(-1): nan -> null
    assert rows[1]["values"]["f1"] == -1.0  # the other outputs of the row stay
    assert rows[2]["values"]["f2"] is None  # log(0) = -inf -> null
    assert rows[2]["jacobian"][1][0] is None  # d log(x)/dx = 1/0


def test_failed_rows_in_csv_with_allow_nonfinite(run_cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    result = run_cli("jacobian", EXPR, "--points", path, "--format", "csv",
                     "--allow-nonfinite")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4
    assert math.isnan(float(rows[1]["value[f2]"]))
    assert float(rows[2]["value[f2]"]) == -math.inf
    assert float(rows[2]["d[f2]/d[x]"]) == math.inf


def test_points_and_at_together_is_a_usage_error(run_cli, points_file):
    result = run_cli("jacobian", EXPR, "--points", points_file, "--at", "1,2")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_a_header_missing_a_variable_is_a_usage_error(run_cli, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x\n1\n2\n", encoding="utf-8")
    result = run_cli("jacobian", EXPR, "--points", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "y" in result.stderr


# --- the API ------------------------------------------------------------------------------


def columns():
    return {"x": np.array([x for x, _ in POINTS]), "y": np.array([y for _, y in POINTS])}


def test_api_batch_jacobian():
    batch = adcli.jacobian(EXPR, columns())
    assert isinstance(batch, adcli.BatchJacobian)
    assert batch.matrices.shape == (len(POINTS), 3, 2)
    assert batch.values.shape == (len(POINTS), 3)
    assert batch.outputs == tuple(OUTPUTS)
    assert batch.variables == ("x", "y")
    assert batch.failed_rows == []
    for p, point in enumerate(POINTS):
        check_row(point, list(batch.values[p]), batch.matrices[p])
        single = adcli.jacobian(EXPR, list(point))
        np.testing.assert_allclose(batch.matrices[p], single.matrix, rtol=1e-15)


def test_api_batch_broadcasts_a_scalar():
    xs = np.array([0.5, 1.0, 2.0])
    batch = adcli.jacobian(EXPR, {"x": xs, "y": 3.0})
    assert batch.matrices.shape == (3, 3, 2)
    for p, x in enumerate(xs):
        check_row((float(x), 3.0), list(batch.values[p]), batch.matrices[p])


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_api_batch_modes_agree(mode):
    auto = adcli.jacobian(EXPR, columns())
    forced = adcli.jacobian(EXPR, columns(), mode=mode)
    assert forced.mode.mode == mode
    np.testing.assert_allclose(forced.matrices, auto.matrices, rtol=1e-14)


def test_api_failed_rows_raise_without_allow_nonfinite():
    with pytest.raises(adcli.DomainError) as caught:
        adcli.jacobian(EXPR, {"x": np.array([1.0, -1.0, 0.0, 4.0]), "y": 2.0})
    error = caught.value
    assert error.row == 1  # 0-based: the second point
    assert "2 of 4 points fail" in error.message
    assert "log(x)" in str(error)


def test_api_failed_rows_with_allow_nonfinite():
    batch = adcli.jacobian(EXPR, {"x": np.array([1.0, -1.0, 0.0, 4.0]), "y": 2.0},
                           allow_nonfinite=True)
    assert batch.failed_rows == [1, 2]
    assert batch.matrices.shape == (4, 3, 2)
    check_row((1.0, 2.0), list(batch.values[0]), batch.matrices[0])
    check_row((4.0, 2.0), list(batch.values[3]), batch.matrices[3])
    assert math.isnan(batch.values[1, 1])
    assert batch.values[2, 1] == -math.inf
    assert batch.matrices[2, 1, 0] == math.inf
    # the finite outputs of a failed row are still there
    assert batch.values[1, 0] == -2.0
    assert list(batch.matrices[1, 0]) == [2.0, -1.0]
