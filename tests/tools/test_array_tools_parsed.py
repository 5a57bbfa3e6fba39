"""explain, compare and check on array expressions as the language parses them
(issue 12's spellings), through the tools' own entry points: explain(expr,
at, wrt=), compare(expr, at, wrt=), sweep, check_text."""
import unicodedata

import numpy as np
import pytest

from adcli.errors import AdcliError, ShapeError
from adcli.tools import checks, compare, explain

LEAST_SQUARES = "sum((A @ x - b)**2)"
AT = "A=[[1,2],[3,4]],x=[1,1],b=[0,1]"


def nfc(text):
    return unicodedata.normalize("NFC", text)


def test_the_issue_explain_example():
    result = explain.explain(LEAST_SQUARES, AT, wrt="x")
    assert isinstance(result, explain.ArrayExplanation)
    rows = {row[1]: row for row in result.rows()}
    assert rows["A @ x"][3:] == ("[3, 7]", "[6, 12]", nfc("x̄ += Aᵀ·v̄4"))
    np.testing.assert_array_equal(result.gradient["x"], [42.0, 60.0])
    assert result.wrt == ("x",) and result.value == 45.0


def test_issue_spellings_show_as_written():
    result = explain.explain("sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)", "x=[1,2,3]")
    computes = [s.computes for s in result.steps]
    assert "x[1:]" in computes and "x[:-1]" in computes
    x = np.array([1.0, 2.0, 3.0])
    expected = np.zeros(3)  # the extended Rosenbrock gradient by hand
    expected[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    expected[1:] += 200 * (x[1:] - x[:-1] ** 2)
    np.testing.assert_allclose(result.gradient["x"], expected, rtol=1e-14)
    result = explain.explain("x.T @ A @ x", "x=[1,2],A=[[2,1],[1,3]]", wrt="x")
    assert "x.T" in [s.computes for s in result.steps]
    np.testing.assert_array_equal(result.gradient["x"], [8.0, 14.0])


def test_logdet_explained():
    result = explain.explain("logdet(X)", "X=[[2,1],[1,3]]")
    np.testing.assert_allclose(result.gradient["X"], np.linalg.inv([[2.0, 1.0], [1.0, 3.0]]).T,
                               rtol=1e-14)
    assert nfc("X̄ += ") in result.steps[-1].rule and nfc("X⁻ᵀ") in result.steps[-1].rule


def test_max_of_one_argument_is_the_reduction():
    result = explain.explain("max(x) + sum(x**2)", "x=[1,5,2]")
    np.testing.assert_array_equal(result.gradient["x"], [2.0, 11.0, 4.0])
    assert any(r.op == "max" and "k entries" in r.formulas[0] for r in result.op_rules)


def test_scalar_explain_is_unchanged_and_forward_mode_on_arrays_is_refused():
    assert type(explain.explain("x*y", "1,2")).__name__ == "Explanation"
    with pytest.raises(AdcliError, match="reverse mode on array graphs"):
        explain.explain("sum(x)", "x=[1,2]", mode="forward", wrt="x")


def test_shape_errors_before_anything_runs():
    with pytest.raises(ShapeError, match=r"cannot matmul \(2, 2\) @ \(3,\): 2 != 3"):
        explain.explain(LEAST_SQUARES, "A=[[1,2],[3,4]],x=[1,1,1],b=[0,1]")
    with pytest.raises(ShapeError):
        compare.compare(LEAST_SQUARES, "A=[[1,2],[3,4]],x=[1,1,1],b=[0,1]")


def test_compare_and_sweep_with_text_points():
    result = compare.compare(LEAST_SQUARES, AT, wrt="x")
    assert result.variables == ("x[0]", "x[1]")
    for m in result.methods:
        np.testing.assert_allclose(m.gradient, [42.0, 60.0], rtol=1e-9)
    result = compare.compare("logsumexp(x)", "x=[1,2,3]")
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(result.methods[-1].gradient, e / e.sum(), rtol=1e-14)
    swept = compare.sweep("x.T @ A @ x", "x=[1,2],A=[[2,1],[1,3]]", wrt="x")
    assert swept.exact == [8.0, 14.0]
    assert type(compare.compare("x*y", "1,2")).__name__ == "Comparison"


PROGRAM = """\
f = x.T @ A @ x
check f at x=[1,2], A=[[2,1],[1,3]]: value 18, grad [[[1,2],[2,4]],[8,14]], grad ~ cs, finite
g = max(x) + sum(x**2)
check g at x=[1,5,2]: value 35, grad [2, 11, 4], grad ~ fd, grad ~ forward
h = softmax(x)
check h at x=[0, 0]: value [0.5, 0.5], jacobian [[0.25, -0.25], [-0.25, 0.25]], jacobian ~ cs
"""


def test_a_program_with_array_checks():
    outcomes = checks.check_text(PROGRAM)
    assert [(o.passed, o.message) for o in outcomes] == [(True, "")] * len(outcomes)
    assert len(outcomes) == 11


def test_failing_array_checks_say_why():
    text = PROGRAM.replace("grad [2, 11, 4]", "grad [2, 11, 5]").replace(
        "grad ~ cs, finite", "grad [8, 14]")
    failed = [o for o in checks.check_text(text) if not o.passed]
    assert [o.message.split(":")[0] for o in failed] == ["grad has 6 numbers here (A",
                                                          "grad[x][2]"]
    assert failed[1].line == 4


def test_complex_step_refused_through_max():
    (outcome,) = checks.check_text("g = max(x)\ncheck g at x=[1,5,2]: grad ~ cs\n")
    assert outcome.message == ("the complex step needs analytic functions; not analytic "
                               "here: max")


def test_kinks_are_noted_with_their_count():
    result = explain.explain("sum(abs(x) + max(x, y) + relu(x) + exp(x))", "x=[0,1,2],y=[1,1,0]")
    notes = {s.computes: s.notes for s in result.steps}
    kink = "kink at 1 of 3 entries: the derivative takes the documented convention there"
    assert notes["abs(x)"] == notes["max(x, y)"] == notes["relu(x)"] == [kink]
    assert notes["exp(x)"] == []
