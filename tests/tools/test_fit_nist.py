"""adcli.fit with its default settings on the 27 NIST StRD problems from
both of NIST's starts: at least 6 correct digits of every parameter and 4 of
every standard error, but Lanczos1's: its certified errors come from a
residual sum of squares of 1.4e-25, residuals of 8e-14 against data of order
1, where float64's rounding of the data themselves (x = 0.05 is not a
binary number) moves the sum of squares in its third digit. Exact arithmetic
on the float64 data gives its errors to 3.4 digits; on NIST's decimal data 7.

Where scipy is installed, each run also takes no more Jacobian evaluations
than scipy.optimize.least_squares(method="lm") with the exact Jacobian and
its default settings, on the runs where lm reaches 6 digits (each side
counted with the Jacobian at the solution the standard errors need)."""
import math

import numpy as np
import pytest

import adcli
from adcli.workloads import nist

RUNS = [(name, k) for name in nist.PROBLEMS for k in (0, 1)]


def digits(found, certified):
    worst = max(abs(found[b] - v) / abs(v) for b, v in certified.items())
    return 15.0 if worst == 0 else min(15.0, -math.log10(worst))


@pytest.mark.parametrize("name, start", RUNS, ids=[f"{n}-{k + 1}" for n, k in RUNS])
def test_certified_values_from_both_starts(name, start):
    problem = nist.load(name)
    result = adcli.fit(problem.model, problem.data(), problem.starts[start],
                       response=problem.response)
    assert result.converged, result.message
    assert digits(result.params, problem.certified) >= 6
    assert digits(result.stderr, problem.stderr) >= (3 if name == "Lanczos1" else 4)
    # Rat43.dat states 9 degrees of freedom; its certified residual sd is
    # sqrt(RSS / 11), and 15 - 4 = 11: the file's line is a typo
    assert result.dof == problem.observations - len(problem.certified)
    assert result.residual_sd == pytest.approx(problem.residual_sd, rel=1e-6)
    assert result.rss == pytest.approx(problem.residual_sum_of_squares, rel=1e-6,
                                       abs=1e-20)


def _scipy_lm(problem, start):
    """(digits, Jacobian evaluations) of scipy's lm with adcli's exact Jacobian."""
    optimize = pytest.importorskip("scipy.optimize")
    names = list(problem.parameters)
    graph = adcli.parse(f"{problem.response} - ({problem.model})")
    data, count = problem.data(), [0]

    def jacobian_at(b):
        at = {**data, **dict(zip(names, map(float, b)))}
        return adcli.jacobian(graph, at, wrt=names, allow_nonfinite=True)

    def jac(b):
        count[0] += 1
        return jacobian_at(b).matrix

    solved = optimize.least_squares(lambda b: jacobian_at(b).values["f"], [start[n] for n in names],
                                    jac=jac, method="lm")
    jac(solved.x)  # the Jacobian at the solution, as adcli's count includes it
    return digits(dict(zip(names, solved.x)), problem.certified), count[0]


@pytest.mark.parametrize("name, start", RUNS, ids=[f"{n}-{k + 1}" for n, k in RUNS])
def test_no_more_jacobians_than_scipy_lm(name, start):
    problem = nist.load(name)
    with np.errstate(all="ignore"):
        lm_digits, lm_jacobians = _scipy_lm(problem, problem.starts[start])
    if lm_digits < 6:
        pytest.skip(f"scipy's lm reaches {lm_digits:.1f} digits here")
    result = adcli.fit(problem.model, problem.data(), problem.starts[start],
                       response=problem.response)
    assert result.jacobian_evaluations <= lm_jacobians
