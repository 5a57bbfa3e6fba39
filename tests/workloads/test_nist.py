"""adcli.workloads.nist: the NIST StRD nonlinear regression problems.

Independent truth is NIST's: at the certified parameters each model, in
adcli's syntax and again written out here in numpy, gives the certified
residual sum of squares to about 10 digits (this checks the hand translation
of every model and every data file), and each file holds the number of
observations NIST states. Lanczos1 is the exception NIST builds in: its
certified sum of squares (1.4e-25) is below what 11-digit parameters can
reach, so its data are held to the generating function NIST names instead.
"""
import pathlib

import numpy as np
import pytest

import adcli
from adcli.workloads import nist

LOWER = ("Misra1a", "Chwirut2", "Chwirut1", "Lanczos3", "Gauss1", "Gauss2", "DanWood",
         "Misra1b")
AVERAGE = ("Kirby2", "Hahn1", "Nelson", "MGH17", "Lanczos1", "Lanczos2", "Gauss3", "Misra1c",
           "Misra1d", "Roszman1", "ENSO")
HIGHER = ("MGH09", "Thurber", "BoxBOD", "Rat42", "MGH10", "Eckerle4", "Rat43", "Bennett5")


def _gauss(x, b):
    return (b[0] * np.exp(-b[1] * x) + b[2] * np.exp(-(x - b[3]) ** 2 / b[4] ** 2)
            + b[5] * np.exp(-(x - b[6]) ** 2 / b[7] ** 2))


def _lanczos(x, b):
    return b[0] * np.exp(-b[1] * x) + b[2] * np.exp(-b[3] * x) + b[4] * np.exp(-b[5] * x)


def _rational3(x, b):
    return ((b[0] + b[1] * x + b[2] * x ** 2 + b[3] * x ** 3)
            / (1 + b[4] * x + b[5] * x ** 2 + b[6] * x ** 3))


def _enso(x, b):
    w = 2 * np.pi * x
    return (b[0] + b[1] * np.cos(w / 12) + b[2] * np.sin(w / 12) + b[4] * np.cos(w / b[3])
            + b[5] * np.sin(w / b[3]) + b[7] * np.cos(w / b[6]) + b[8] * np.sin(w / b[6]))


# NIST's models written again in numpy (x: the columns, b: b1.. as a list);
# each returns the residual of the response
NUMPY = {
    "Misra1a": lambda x, y, b: y - b[0] * (1 - np.exp(-b[1] * x["x"])),
    "Chwirut2": lambda x, y, b: y - np.exp(-b[0] * x["x"]) / (b[1] + b[2] * x["x"]),
    "Chwirut1": lambda x, y, b: y - np.exp(-b[0] * x["x"]) / (b[1] + b[2] * x["x"]),
    "Lanczos3": lambda x, y, b: y - _lanczos(x["x"], b),
    "Gauss1": lambda x, y, b: y - _gauss(x["x"], b),
    "Gauss2": lambda x, y, b: y - _gauss(x["x"], b),
    "DanWood": lambda x, y, b: y - b[0] * x["x"] ** b[1],
    "Misra1b": lambda x, y, b: y - b[0] * (1 - (1 + b[1] * x["x"] / 2) ** -2),
    "Kirby2": lambda x, y, b: y - ((b[0] + b[1] * x["x"] + b[2] * x["x"] ** 2)
                                   / (1 + b[3] * x["x"] + b[4] * x["x"] ** 2)),
    "Hahn1": lambda x, y, b: y - _rational3(x["x"], b),
    "Nelson": lambda x, y, b: np.log(y) - (b[0] - b[1] * x["x1"] * np.exp(-b[2] * x["x2"])),
    "MGH17": lambda x, y, b: y - (b[0] + b[1] * np.exp(-x["x"] * b[3])
                                  + b[2] * np.exp(-x["x"] * b[4])),
    "Lanczos1": lambda x, y, b: y - _lanczos(x["x"], b),
    "Lanczos2": lambda x, y, b: y - _lanczos(x["x"], b),
    "Gauss3": lambda x, y, b: y - _gauss(x["x"], b),
    "Misra1c": lambda x, y, b: y - b[0] * (1 - (1 + 2 * b[1] * x["x"]) ** -0.5),
    "Misra1d": lambda x, y, b: y - b[0] * b[1] * x["x"] / (1 + b[1] * x["x"]),
    "Roszman1": lambda x, y, b: y - (b[0] - b[1] * x["x"]
                                     - np.arctan(b[2] / (x["x"] - b[3])) / np.pi),
    "ENSO": lambda x, y, b: y - _enso(x["x"], b),
    "MGH09": lambda x, y, b: y - (b[0] * (x["x"] ** 2 + x["x"] * b[1])
                                  / (x["x"] ** 2 + x["x"] * b[2] + b[3])),
    "Thurber": lambda x, y, b: y - _rational3(x["x"], b),
    "BoxBOD": lambda x, y, b: y - b[0] * (1 - np.exp(-b[1] * x["x"])),
    "Rat42": lambda x, y, b: y - b[0] / (1 + np.exp(b[1] - b[2] * x["x"])),
    "MGH10": lambda x, y, b: y - b[0] * np.exp(b[1] / (x["x"] + b[2])),
    "Eckerle4": lambda x, y, b: y - (b[0] / b[1]) * np.exp(-0.5 * ((x["x"] - b[2]) / b[1]) ** 2),
    "Rat43": lambda x, y, b: y - b[0] / (1 + np.exp(b[1] - b[2] * x["x"])) ** (1 / b[3]),
    "Bennett5": lambda x, y, b: y - b[0] * (b[1] + x["x"]) ** (-1 / b[2]),
}

# NIST's parameter counts
PARAMETERS = {"Misra1a": 2, "Chwirut2": 3, "Chwirut1": 3, "Lanczos3": 6, "Gauss1": 8,
              "Gauss2": 8, "DanWood": 2, "Misra1b": 2, "Kirby2": 5, "Hahn1": 7, "Nelson": 3,
              "MGH17": 5, "Lanczos1": 6, "Lanczos2": 6, "Gauss3": 8, "Misra1c": 2,
              "Misra1d": 2, "Roszman1": 4, "ENSO": 9, "MGH09": 4, "Thurber": 7, "BoxBOD": 2,
              "Rat42": 3, "MGH10": 3, "Eckerle4": 3, "Rat43": 4, "Bennett5": 3}

#: relative agreement with the certified sum of squares (NIST prints 11 digits
#: of each parameter; Lanczos2 at the rounded values is 1.0e-10 off)
RSS_RTOL = 5e-10


@pytest.fixture(scope="module", params=nist.PROBLEMS)
def problem(request):
    return nist.load(request.param)


def test_the_27_problems_in_nists_order_and_levels():
    assert nist.PROBLEMS == LOWER + AVERAGE + HIGHER
    assert set(NUMPY) == set(nist.PROBLEMS) == set(nist.OBSERVATIONS) == set(PARAMETERS)


def test_an_unknown_name_lists_the_problems():
    with pytest.raises(ValueError, match="Misra1a, Chwirut2"):
        nist.load("Misra2")


def test_the_files_are_package_data():
    package = pathlib.Path(adcli.__file__).resolve().parent
    for name in nist.PROBLEMS:
        file = pathlib.Path(str(nist.path(name)))
        assert file.is_file() and package in file.resolve().parents


def test_counts_as_nist_states(problem):
    name = problem.name
    k = PARAMETERS[name]
    assert problem.observations == nist.OBSERVATIONS[name]
    assert problem.parameters == tuple(f"b{i}" for i in range(1, k + 1))
    # NIST's Rat43 header states 9 degrees of freedom for 15 observations and
    # 4 parameters; its residual SD is computed with 11 (the next test)
    assert problem.dof == (9 if name == "Rat43" else problem.observations - k)
    assert [tuple(s) for s in problem.starts] == [problem.parameters] * 2
    assert tuple(problem.stderr) == problem.parameters
    for column in problem.x.values():
        assert column.shape == problem.y.shape
    assert set(problem.x) == ({"x1", "x2"} if name == "Nelson" else {"x"})
    assert problem.response == ("log(y)" if name == "Nelson" else "y")
    assert problem.difficulty == ("lower" if name in LOWER else
                                  "average" if name in AVERAGE else "higher")


def _numpy_rss(problem):
    b = [problem.certified[p] for p in problem.parameters]
    r = NUMPY[problem.name](problem.x, problem.y, b)
    return float(r @ r)


def _adcli_rss(problem):
    at = {**problem.data(), **problem.certified}
    residual = f"{problem.response} - ({problem.model})"
    r = adcli.jacobian(residual, at, wrt=list(problem.parameters)).values["f"]
    return float(r @ r)


def test_the_certified_sum_of_squares_in_numpy(problem):
    if problem.name == "Lanczos1":
        pytest.skip("certified RSS 1.4e-25 is below 11-digit parameters: see the next tests")
    assert _numpy_rss(problem) == pytest.approx(problem.residual_sum_of_squares, rel=RSS_RTOL)


def test_the_certified_sum_of_squares_in_adcli(problem):
    """The adcli text of the model, evaluated by adcli on the arrays."""
    if problem.name == "Lanczos1":
        pytest.skip("certified RSS 1.4e-25 is below 11-digit parameters: see the next tests")
    assert _adcli_rss(problem) == pytest.approx(problem.residual_sum_of_squares, rel=RSS_RTOL)


def test_the_residual_sd_and_the_sum_of_squares_agree(problem):
    dof = problem.observations - len(problem.parameters)
    sd = (problem.residual_sum_of_squares / dof) ** 0.5
    assert sd == pytest.approx(problem.residual_sd, rel=1e-9)


def test_lanczos1_data_are_the_generating_function_to_14_digits():
    problem = nist.load("Lanczos1")
    x = problem.x["x"]
    f = 0.0951 * np.exp(-x) + 0.8607 * np.exp(-3 * x) + 1.5576 * np.exp(-5 * x)
    np.testing.assert_allclose(problem.y, f, rtol=1e-12)
    # and at the (rounded) certified parameters both evaluations stay near zero
    assert _numpy_rss(problem) < 1e-19
    assert _adcli_rss(problem) == pytest.approx(_numpy_rss(problem), rel=1e-6)


def test_the_parser_holds_a_file_to_its_stated_count():
    text = nist.path("Misra1a").read_text(encoding="ascii")
    cut = text.rstrip("\n").rsplit("\n", 1)[0] + "\n"
    with pytest.raises(ValueError, match="13 data rows, the header states 14"):
        nist.parse(cut, "Misra1a")
    with pytest.raises(ValueError, match="level of difficulty"):
        nist.parse(text.replace("Lower Level", "Higher Level"), "Misra1a")
