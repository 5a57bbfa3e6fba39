"""adcli.fit with its default settings on every packaged NIST StRD problem
from both of NIST's starts: at least 6 correct digits of every parameter
and 4 of every standard error (Lanczos1's certified errors come from a
residual sum of squares of 1e-25, at rounding level: 2 digits there)."""
import math

import pytest

import adcli
from adcli.workloads import nist

RUNS = [(name, k) for name in nist.available() for k in (0, 1)]


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
    assert digits(result.stderr, problem.stderr) >= (2 if name == "Lanczos1" else 4)
    # Rat43.dat states 9 degrees of freedom; its certified residual sd is
    # sqrt(RSS / 11), and 15 - 4 = 11: the file's line is a typo
    assert result.dof == problem.observations - len(problem.certified)
    assert result.residual_sd == pytest.approx(problem.residual_sd, rel=1e-6)
    assert result.rss == pytest.approx(problem.residual_sum_of_squares, rel=1e-6,
                                       abs=1e-20)


def test_the_packaged_problems_are_the_ones_found():
    assert len(nist.available()) >= 17
