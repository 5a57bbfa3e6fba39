"""adcli.fit: exact answers on noise-free data, linear regression's closed
forms for the parameters and their standard errors, the response ~ model
form, weights, fixed parameters, rank deficiency and bad input."""
import numpy as np
import pytest

import adcli
from adcli.errors import AdcliError, ExpressionError, PointError

RNG = np.random.default_rng(3)
X = np.linspace(0.0, 4.0, 25)
NOISE = RNG.normal(scale=0.05, size=X.size)


def test_noise_free_data_gives_the_parameters_back():
    y = 3.0 * np.exp(-0.7 * X) + 0.25
    result = adcli.fit("a*exp(-k*x) + c", {"x": X, "y": y}, {"a": 1, "k": 1, "c": 0})
    assert result.converged
    for name, value in {"a": 3.0, "k": 0.7, "c": 0.25}.items():
        assert result.params[name] == pytest.approx(value, rel=1e-12)
    assert result.rss < 1e-25 and result.r2 == pytest.approx(1.0)


def test_a_straight_line_matches_the_closed_forms():
    y = 1.5 + 2.0 * X + NOISE
    result = adcli.fit("b0 + b1*x", {"x": X, "y": y}, {"b0": 0, "b1": 0})
    design = np.column_stack([np.ones_like(X), X])
    coefficients, rss, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = X.size - 2
    covariance = rss[0] / dof * np.linalg.inv(design.T @ design)
    assert [result.params["b0"], result.params["b1"]] == pytest.approx(coefficients, rel=1e-12)
    assert [result.stderr["b0"], result.stderr["b1"]] == pytest.approx(
        np.sqrt(np.diag(covariance)), rel=1e-9)
    assert result.dof == dof and result.n == X.size
    assert result.rss == pytest.approx(rss[0], rel=1e-10)
    assert result.residual_sd == pytest.approx(np.sqrt(rss[0] / dof), rel=1e-10)
    correlation = covariance[0, 1] / np.sqrt(covariance[0, 0] * covariance[1, 1])
    assert result.correlation[0, 1] == pytest.approx(correlation, rel=1e-9)
    t = 2.0686576104190406  # Student t, 0.975 quantile, 23 degrees of freedom
    low, high = result.ci95["b1"]
    assert low == pytest.approx(result.params["b1"] - t * result.stderr["b1"], rel=1e-9)
    assert high == pytest.approx(result.params["b1"] + t * result.stderr["b1"], rel=1e-9)
    mean = np.mean(y)
    assert result.r2 == pytest.approx(1 - rss[0] / np.sum((y - mean) ** 2), rel=1e-10)


def test_a_transformed_response():
    y = np.exp(0.3 - 0.4 * X)
    result = adcli.fit("log(y) ~ b0 - b1*x", {"x": X, "y": y}, {"b0": 0, "b1": 0})
    assert result.params["b0"] == pytest.approx(0.3, rel=1e-12)
    assert result.params["b1"] == pytest.approx(0.4, rel=1e-12)
    assert result.response == "log(y)"


def test_weights_are_one_over_sigma():
    y = 2.0 + 0.5 * X + NOISE
    sigma = np.where(X > 2, 10.0, 0.1)
    result = adcli.fit("a + b*x", {"x": X, "y": y, "s": sigma}, {"a": 0, "b": 0}, sigma="s")
    design = np.column_stack([np.ones_like(X), X]) / sigma[:, None]
    expected = np.linalg.lstsq(design, y / sigma, rcond=None)[0]
    assert [result.params["a"], result.params["b"]] == pytest.approx(expected, rel=1e-10)


def test_a_fixed_parameter_is_held():
    y = 3.0 * np.exp(-0.7 * X) + 0.25
    result = adcli.fit("a*exp(-k*x) + c", {"x": X, "y": y}, {"a": 1, "k": 1}, fix={"c": 0.25})
    assert result.params["c"] == 0.25 and result.stderr["c"] == 0.0
    assert result.params["k"] == pytest.approx(0.7, rel=1e-12)
    assert result.free == ("a", "k")


def test_a_rank_deficient_model_is_said():
    y = 2.0 * X + NOISE
    result = adcli.fit("a*b*x", {"x": X, "y": y}, {"a": 1, "b": 1})
    assert set(result.deficient) == {"a", "b"}
    assert result.params["a"] * result.params["b"] == pytest.approx(
        np.dot(X, y) / np.dot(X, X), rel=1e-9)


@pytest.mark.parametrize("model, data, start, says", [
    ("a*exp(-k*x)", {"x": X, "y": X}, {"a": 1}, "no start for the parameter k"),
    ("a*x", {"x": X, "y": X}, {"a": 1, "q": 2}, "q is not a parameter"),
    ("a*x + b*x**2 + c", {"x": X[:3], "y": X[:3]}, {"a": 1, "b": 1, "c": 1},
     "needs more observations than parameters"),
    ("a*x", {"x": X, "z": X}, {"a": 1}, "needs the column y"),
    ("a*x", {"x": X, "y": X[:-1]}, {"a": 1}, "differ in length"),
    ("a*x", {"x": X, "y": np.where(X > 1, np.nan, X)}, {"a": 1}, "is not finite"),
])
def test_bad_input_is_a_clear_error(model, data, start, says):
    with pytest.raises(AdcliError) as caught:
        adcli.fit(model, data, start)
    assert says in str(caught.value)


def test_a_model_that_does_not_parse_shows_its_own_text():
    with pytest.raises(ExpressionError) as caught:
        adcli.fit("a*exp(-k*x", {"x": X, "y": X}, {"a": 1, "k": 1})
    assert caught.value.source == "a*exp(-k*x"


def test_a_sigma_column_must_be_positive():
    with pytest.raises(PointError, match="must be positive"):
        adcli.fit("a*x", {"x": X, "y": X, "s": X}, {"a": 1}, sigma="s")


def test_bounds_hold_and_an_interior_optimum_is_unchanged():
    y = 3.0 * np.exp(-0.7 * X) + 0.25
    held = adcli.fit("a*exp(-k*x) + c", {"x": X, "y": y}, {"a": 1, "k": 1, "c": 0.5},
                     bounds={"c": (0.3, np.inf)})
    assert held.params["c"] == pytest.approx(0.3, abs=1e-9)  # the bound is active
    free = adcli.fit("a*exp(-k*x) + c", {"x": X, "y": y}, {"a": 1, "k": 1, "c": 0.1},
                     bounds={"c": (0.0, 1.0), "k": (0.0, 5.0), "a": (-np.inf, 10.0)})
    for name, value in {"a": 3.0, "k": 0.7, "c": 0.25}.items():
        assert free.params[name] == pytest.approx(value, rel=1e-10)


@pytest.mark.parametrize("bounds, start, says", [
    ({"c": (1.0, 0.0)}, {"a": 1, "k": 1, "c": 0.5}, "must be below"),
    ({"c": (0.0, 1.0)}, {"a": 1, "k": 1, "c": 2.0}, "outside its bounds"),
    ({"q": (0.0, 1.0)}, {"a": 1, "k": 1, "c": 0.5}, "not a parameter fitted"),
])
def test_bad_bounds(bounds, start, says):
    with pytest.raises(PointError, match=says):
        adcli.fit("a*exp(-k*x) + c", {"x": X, "y": X}, start, bounds=bounds)


def test_a_column_named_like_a_function_or_constant_is_said():
    with pytest.raises(PointError, match="named like the constant e"):
        adcli.fit("a*x + e", {"x": X, "y": X, "e": X}, {"a": 1})
    with pytest.raises(PointError, match="named like the function exp"):
        adcli.fit("a*exp(x)", {"x": X, "y": X, "exp": X}, {"a": 1})
    # an unused column of such a name is no matter
    assert adcli.fit("a*x", {"x": X, "y": 2 * X, "e": X}, {"a": 1}).params["a"] == \
        pytest.approx(2.0)


@pytest.mark.parametrize("data, says", [
    ({"x": ["a", "b", "c"], "y": [1, 2, 3]}, "the column x holds text values"),
    ({"x": [1, None, 3], "y": [1, 2, 3]}, "the column x, row 2: None is not a number"),
    ({"x": [True, False, True], "y": [1, 2, 3]}, "the column x holds bool values"),
    ({"x": [1, 2, 10 ** 400], "y": [1, 2, 3]}, "row 3: an integer of 401 digits is too large"),
    ({"x": [1, [2, 3], 4], "y": [1, 2, 3]}, "the column x is not a flat list of numbers"),
    ({"x": [1, 2, 3], "y": [1, 2, 3j]}, "the column y holds complex128 values"),
    ({"x": [1.0, 2.0, float("nan")], "y": [1, 2, 3]}, "the column x, row 3: nan is not finite"),
    ({1: [1, 2, 3], "y": [1, 2, 3]}, "a column's name is text, not int"),
])
def test_data_that_is_not_columns_of_numbers(data, says):
    with pytest.raises(PointError) as caught:
        adcli.fit("a*x", data, {"a": 1})
    assert says in str(caught.value)


@pytest.mark.parametrize("model, says, caret", [
    ("y ~ [a*x]", "the model has shape (1, 25): a fit needs one value per row", None),
    ("[y] ~ a*x", "the response has shape (1, 25)", None),
    ("y ~ outer(a*x, x)", "the model has shape (25, 25)", None),
    ("y ~ a*x + [1, 2]", "cannot broadcast (25,) and (2,)", "a*x + [1, 2]"),
    ("y + [1, 2] ~ a*x", "cannot broadcast (25,) and (2,)", "y + [1, 2]"),
    ("[1, 2] ~ a*x", "the response ([1, 2]) and the model do not fit together", None),
])
def test_a_model_or_response_not_one_value_per_row(model, says, caret):
    with pytest.raises(ExpressionError) as caught:
        adcli.fit(model, {"x": X, "y": X}, {"a": 1})
    assert says in str(caught.value)
    assert "_fit_" not in str(caught.value)  # the residual program stays out of sight
    if caret:
        assert caught.value.source == caret


def test_a_model_of_one_value_for_all_rows_fits_their_mean():
    result = adcli.fit("y ~ a", {"x": X, "y": X}, {"a": 0})
    assert result.params["a"] == pytest.approx(np.mean(X), rel=1e-14)


@pytest.mark.parametrize("lines, says", [
    ("y = [2.1, 3.9, 6.2, 7.8]\nf = [b1*x]", "the model f has shape (1, 4), the response y (4,)"),
    ("y = [2.1, 3.9, 6.2]\nf = b1*x", "the model f has shape (4,), the response y (3,)"),
    ("y = [2.1]\nf = b1*x[0]", "1 parameter and 1 observation"),
])
def test_a_fit_check_whose_shapes_do_not_fit(lines, says):
    from adcli.tools import checks
    text = f"x = [1, 2, 3, 4]\n{lines}\noutput f\ncheck f from b1=1: fit y, params [2]\n"
    outcome = checks.check_text(text)[0]
    assert not outcome.passed and says in outcome.message
