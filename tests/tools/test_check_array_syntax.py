"""The check statements' array spellings, parsed from text: array bindings,
`wrt x` / `wrt [x, A]`, `grad = [...]` and `grad x = [...]`."""
import pytest

from adcli.errors import ExpressionError
from adcli.tools import checks

PROGRAM = "f = x.T @ A @ x\n"
AT = "check f at x=[1,2], A=[[2,1],[1,3]]: "


def outcomes(lines):
    return checks.check_text(PROGRAM + "\n".join(AT + line for line in lines))


@pytest.mark.parametrize("claims", [
    "wrt x, value 18, grad = [8, 14]",
    "wrt x, grad [8, 14]",
    "grad x = [8, 14]",
    "grad A = [[1, 2], [2, 4]]",
    "grad x = [8, 14], grad A = [[1, 2], [2, 4]]",
    "wrt [x, A], grad ~ fd",
    "wrt [A, x], grad ~ cs",
    "grad = [[[1, 2], [2, 4]], [8, 14]]",
])
def test_true_claims_pass(claims):
    results = outcomes([claims])
    assert results and all(r.passed for r in results), [r.message for r in results]


@pytest.mark.parametrize("claims, says", [
    ("grad x = [8, 15]", "expected 15, got 14"),
    ("wrt x, grad [8, 15]", "expected 15, got 14"),
    ("wrt y, value 18", "wrt y: not a variable"),
    ("value 19", "expected 19, got 18"),
])
def test_false_claims_fail_and_say_why(claims, says):
    results = outcomes([claims])
    assert any(not r.passed and says in r.message for r in results), \
        [r.message for r in results]


def test_a_claim_with_an_index_hints_at_the_variable_spelling():
    with pytest.raises(ExpressionError) as caught:
        outcomes(["grad x [8, 14]"])
    assert "grad x = [8, 14]" in caught.value.hint


def test_wrt_of_an_expression_is_an_error():
    with pytest.raises(ExpressionError) as caught:
        outcomes(["wrt 2*x, value 18"])
    assert "wrt takes the names of variables" in caught.value.message


def test_hessian_claims_on_arrays():
    text = "f = logsumexp(x)\ncheck f at x=[0,0]: hessian [[0.25, -0.25], [-0.25, 0.25]]\n" \
           "check f at x=[0,0]: hessian [[0.25, -0.25], [-0.25, 0.3]]\n" \
           "check f at x=[0,0]: hessian [[0.25]]\n"
    passed, wrong_entry, wrong_shape = checks.check_text(text)
    assert passed.passed
    assert not wrong_entry.passed and "hessian[x[1],x[1]]: expected 0.3" in wrong_entry.message
    assert not wrong_shape.passed and "hessian is 2 x 2 here" in wrong_shape.message


def test_minimum_claims_on_arrays():
    text = ("f = sum((A @ x - b)**2)\n"
            "check f from x=[0,0], A=[[1,0],[0,2],[1,1]], b=[1,2,2]: wrt x, minimum 0\n"
            "check f from x=[5,5], A=[[1,0],[0,2],[1,1]], b=[1,2,3]: wrt x, minimum 0\n")
    exact, least_squares = checks.check_text(text)
    assert exact.passed, exact.message  # x = [1, 1] solves it exactly
    assert not least_squares.passed and "minimum" in least_squares.message


def _fit_program(tmp_path, claims):
    from adcli.workloads import nist
    import numpy as np
    problem = nist.load("Misra1a")
    np.savetxt(tmp_path / "x.csv", problem.x["x"], fmt="%.17g")
    np.savetxt(tmp_path / "y.csv", problem.y, fmt="%.17g")
    text = ('x = load("x.csv")\ny = load("y.csv")\nf = b1*(1 - exp(-b2*x))\n'
            f"check f from b1=500, b2=1e-4: fit y, {claims}\ntolerance rtol 1e-8, atol 0\n")
    return checks.check_text(text, folder=str(tmp_path))


def test_fit_claims_against_nist_certified_values(tmp_path):
    results = _fit_program(tmp_path, "params [238.94212918, 5.5015643181e-4], "
                                     "stderr [2.7070075241, 7.2668688436e-6], "
                                     "rss 1.2455138894e-1")
    assert len(results) == 3 and all(r.passed for r in results), [r.message for r in results]


def test_a_wrong_fit_claim_fails_naming_the_parameter(tmp_path):
    (result,) = _fit_program(tmp_path, "params [238.9, 5.5015643181e-4]")
    assert not result.passed and "params[b1]" in result.message


def test_fit_claims_need_fit_and_from():
    with pytest.raises(ExpressionError, match="needs the data fitted"):
        checks.check_text("f = a*x\ncheck f from a=1, x=1: params [1]\n")
    with pytest.raises(ExpressionError, match="a fit starts from its parameters"):
        checks.check_text("f = a*x\ny = 2\ncheck f at a=1, x=1: fit y, params [1]\n")
