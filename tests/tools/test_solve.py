"""adcli.solve (issue 14): roots of single equations and systems, scalar and
array unknowns, checked against closed forms; the least-squares case
against numpy's lstsq; bad input and a run that cannot find a root."""
import math

import numpy as np
import pytest

import adcli
from adcli.errors import AdcliError, DomainError, PointError

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


def ulps(a, b):
    return abs(a - b) / math.ulp(b)


def test_dottie_number_to_the_last_bits():
    result = adcli.solve("cos(x) - x", {"x": 1.0})
    assert result.converged, result.message
    assert ulps(result.x["x"], 0.7390851332151607) <= 1
    assert result.residuals["f"] == pytest.approx(0.0, abs=2e-16)
    assert result.unknowns == ("x",) and result.equations == ("f",)
    assert not result.least_squares and result.jacobian_evaluations >= 1


def test_cubic_of_wallis():
    result = adcli.solve("x**3 - 2*x - 5", [2.0])
    assert result.converged
    assert ulps(result.x["x"], 2.0945514815423265) <= 1


def test_circle_and_hyperbola_closed_form():
    result = adcli.solve("x**2 + y**2 - 4; x*y - 1", [2.0, 0.5])
    x = math.sqrt(2 + math.sqrt(3))
    assert result.converged
    assert result.x["x"] == pytest.approx(x, rel=4e-16)
    assert result.x["y"] == pytest.approx(1 / x, rel=4e-16)
    assert result.equations == ("f1", "f2")
    assert result.max_residual <= 4 * 2.2e-16
    assert 1 < result.condition < 10


def test_inverse_kinematics_example_closed_form():
    text = (EXAMPLES / "reach.adx").read_text()
    result = adcli.solve(text, {"t1": 0.3, "t2": 1.1}, at={"tx": 1.2, "ty": 0.8})
    l1, l2, tx, ty = 1.0, 0.7, 1.2, 0.8
    t2 = math.acos((tx * tx + ty * ty - l1 * l1 - l2 * l2) / (2 * l1 * l2))
    t1 = math.atan2(ty, tx) - math.atan2(l2 * math.sin(t2), l1 + l2 * math.cos(t2))
    assert result.converged
    assert result.x["t1"] == pytest.approx(t1, rel=1e-14)
    assert result.x["t2"] == pytest.approx(t2, rel=1e-14)
    assert set(result.residuals) == {"ex", "ey"}


def test_an_array_system_with_matrix_data():
    a = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 5.0]])
    b = np.array([1.0, 2.0, -1.0])
    result = adcli.solve("A @ x - b + 0.1*x**3", {"x": np.zeros(3)}, at={"A": a, "b": b})
    x = result.x["x"]
    assert result.converged and x.shape == (3,)
    np.testing.assert_allclose(a @ x - b + 0.1 * x ** 3, 0.0, atol=1e-15)
    assert result.labels == ("x[0]", "x[1]", "x[2]")
    assert result.residuals["f"].shape == (3,)
    assert result.shapes == {"x": (3,)}


def test_a_vector_and_a_scalar_unknown_in_one_system():
    # x (2,) and s: x = s*[1, 2], |x|**2 = 5  ->  s = 1 (from s > 0)
    result = adcli.solve("x - s*[1, 2]; sum(x**2) - 5", {"x": np.array([0.5, 1.0]), "s": 0.7})
    assert result.converged
    np.testing.assert_allclose(result.x["x"], [1.0, 2.0], rtol=1e-15)
    assert result.x["s"] == pytest.approx(1.0, rel=1e-15)
    assert result.labels == ("x[0]", "x[1]", "s")


def test_more_equations_than_unknowns_is_least_squares():
    result = adcli.solve("x - 1; y - 2; x + y - 3.5", [0.0, 0.0])
    a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    want, *_ = np.linalg.lstsq(a, np.array([1.0, 2.0, 3.5]), rcond=None)
    assert result.least_squares and "least squares" in result.method
    assert [result.x["x"], result.x["y"]] == pytest.approx(want, rel=1e-15)
    assert result.residual_norm == pytest.approx(math.sqrt(3) / 6, rel=1e-14)
    assert any("least-squares" in w for w in result.warnings)


def test_fewer_equations_than_unknowns_is_an_error():
    with pytest.raises(PointError, match="1 equation and 2 unknowns"):
        adcli.solve("x*y - 1", [1.0, 1.0])


def test_no_real_root_is_not_converged():
    result = adcli.solve("x**2 + 1", [1.0])
    assert not result.converged
    assert result.reason not in ("root", "nonfinite")
    assert result.residual_norm >= 1.0 - 1e-12


def test_a_nonfinite_start_names_the_node():
    with pytest.raises(DomainError, match="log"):
        adcli.solve("log(x) - 1", [-1.0])


def test_outputs_pick_the_equations():
    text = "a = x + y - 3\nb = x - y - 1\nc = x*y*y*y\noutput a, b, c"
    result = adcli.solve(text, [0.0, 0.0], outputs=["a", "b"])
    assert result.converged and result.equations == ("a", "b")
    assert result.x == pytest.approx({"x": 2.0, "y": 1.0}, rel=1e-15)


def test_max_iter_and_the_callback():
    seen = []
    result = adcli.solve("x**3 - 2*x - 5", [100.0], max_iter=2, callback=seen.append)
    assert result.reason == "max-iter" and not result.converged
    assert [info.iteration for info in seen] == [1, 2]
    assert all(info.residual_norm >= 0 and info.evaluations >= 1 for info in seen)
    stopped = adcli.solve("x**3 - 2*x - 5", [100.0], callback=lambda info: True)
    assert stopped.reason == "interrupted" and stopped.iterations == 1


def test_ftol_accepts_a_residual_bound():
    result = adcli.solve("x**3 - 2*x - 5", [2.0], ftol=1e-3)
    assert result.converged and abs(result.residuals["f"]) <= 1e-3


def test_data_and_start_may_not_overlap():
    with pytest.raises(AdcliError, match="both as data and as a start"):
        adcli.solve("x - a", {"x": 1.0, "a": 2.0}, at={"a": 2.0})


def test_a_variable_without_a_value_is_named():
    with pytest.raises(AdcliError, match="a"):
        adcli.solve("x - a", {"x": 1.0})


@pytest.mark.parametrize("text", ["1/x", "exp(-x)"])
def test_an_equation_whose_root_is_at_infinity_is_not_solved(text):
    """|F| falls without bound as x grows: no root, whatever |F| reaches
    (the Newton step there is as large as x: the test must not underflow)."""
    result = adcli.solve(text, [1.0], max_evals=300)
    assert not result.converged and result.reason != "root"


def test_a_multiple_root_is_reached_and_its_singular_jacobian_said():
    """x**2 = 0: Newton halves x each step (a double root); the run ends at
    F's rounding or says it stalled, and either way the singular Jacobian
    is named in a warning."""
    result = adcli.solve("x**2; y - 1", [1.0, 0.0])
    assert abs(result.x["x"]) < 1e-7 and result.x["y"] == 1.0
    assert any("singular" in w or "ill-conditioned" in w for w in result.warnings)
