"""adcli check: check statements in expression files, against hand-computed
numbers.  Every kind of claim passes when true and fails, with the right
file:line:column and details, when the expected number is deliberately
wrong; tolerances, seeded sampling, parse errors, the default check; the
command's exit codes and every report format parsed back."""
import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from adcli.tools import checks
from adcli.engine import reverse
from adcli.errors import ExpressionError
from conftest import ROOT

TEXTBOOK = "f = 3*(x1**2 + x2*x3)\n"  # grad [6 x1, 3 x3, 3 x2], hessian [[6,0,0],[0,0,3],[0,3,0]]

# px, py of a two-link arm (links 1 and 0.7) at t1 = 0.3, t2 = 1.1, by hand
T1, T2 = 0.3, 1.1
ARM = "px = cos(t1) + 0.7*cos(t1 + t2)\npy = sin(t1) + 0.7*sin(t1 + t2)\noutput px, py\n"
ARM_VALUE = [math.cos(T1) + 0.7 * math.cos(T1 + T2), math.sin(T1) + 0.7 * math.sin(T1 + T2)]
ARM_JACOBIAN = [[-math.sin(T1) - 0.7 * math.sin(T1 + T2), -0.7 * math.sin(T1 + T2)],
                [math.cos(T1) + 0.7 * math.cos(T1 + T2), 0.7 * math.cos(T1 + T2)]]

# g = x**3*y + sin(y) at (1, 2): grad [3x^2 y, x^3 + cos y], hessian [[6xy, 3x^2], [3x^2, -sin y]]
CUBIC = "g = x**3*y + sin(y)\n"
CUBIC_VALUE = 2 + math.sin(2)
CUBIC_GRAD = [6.0, 1 + math.cos(2)]
CUBIC_HESSIAN = [[12.0, 3.0], [3.0, -math.sin(2)]]


def text_of(numbers):
    """A vector or matrix as check text, every float at full precision."""
    if isinstance(numbers, list):
        return "[" + ", ".join(text_of(n) for n in numbers) + "]"
    return repr(float(numbers))


def position(text, needle, occurrence=0):
    """1-based (line, column) of the occurrence-th needle in text."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)


def run(text, seed=0):
    return checks.check_text(text, seed)


def one(text, seed=0):
    outcomes = run(text, seed)
    assert len(outcomes) == 1, [o.name for o in outcomes]
    return outcomes[0]


def passes(text, seed=0):
    outcomes = run(text, seed)
    assert outcomes, "no outcomes"
    failed = [f"{o.line}:{o.column} {o.name}: {o.message}" for o in outcomes if not o.passed]
    assert not failed, "\n".join(failed)
    return outcomes


def fails_at(text, claim, occurrence=0, seed=0):
    """The single failing outcome, checked to sit at the claim's line:column."""
    failed = [o for o in run(text, seed) if not o.passed]
    assert len(failed) == 1, [(o.name, o.message) for o in failed]
    outcome = failed[0]
    assert (outcome.line, outcome.column) == position(text, claim, occurrence)
    assert outcome.message
    return outcome


def parse_error(text):
    with pytest.raises(ExpressionError) as caught:
        run(text)
    error = caught.value
    assert error.source is not None and error.start is not None, error
    line = error.source.count("\n", 0, error.start) + 1
    column = error.start - error.source.rfind("\n", 0, error.start)
    return error, (line, column)


def assert_mismatch(mismatch, component, expected, got, rtol, atol):
    """Every detail of one reported number, recomputed by hand."""
    assert mismatch.component == component
    assert mismatch.expected == pytest.approx(expected, rel=1e-15, abs=0)
    assert mismatch.got == pytest.approx(got, rel=1e-12, abs=1e-300)
    assert mismatch.abs_error == pytest.approx(abs(got - expected), rel=1e-6)
    if expected:
        assert mismatch.rel_error == pytest.approx(abs(got - expected) / abs(expected), rel=1e-6)
    assert mismatch.tolerance == f"atol {atol:g} + rtol {rtol:g} * |expected|"
    text = mismatch.describe()
    for part in (component, f"expected {expected:.10g}", f"got {got:.10g}",
                 f"abs error {abs(got - expected):.3g}", "rel error", mismatch.tolerance):
        assert part in text, (part, text)


# --- expected numbers: value, grad, hessian, jacobian ---------------------------------


def test_value_and_grad_pass_at_the_hand_values():
    text = TEXTBOOK + "check f at x1=2, x2=3, x3=4: value 48, grad [12, 12, 9]\n"
    outcomes = passes(text)
    assert [(o.line, o.column) for o in outcomes] == [position(text, "value 48"),
                                                      position(text, "grad [")]
    assert all(o.output == "f" for o in outcomes)


def test_wrong_value_fails_with_every_detail():
    text = TEXTBOOK + "check f at x1=2, x2=3, x3=4: value 49\n"
    outcome = fails_at(text, "value 49")
    assert outcome.output == "f"
    assert len(outcome.mismatches) == 1
    mismatch = outcome.mismatches[0]
    assert_mismatch(mismatch, "value[f]", 49, 48, 1e-9, 1e-12)
    assert mismatch.point == {"x1": 2, "x2": 3, "x3": 4}
    assert outcome.message == mismatch.describe()
    assert "x1=2, x2=3, x3=4" in outcome.message


def test_wrong_gradient_component_names_variable_and_index():
    text = TEXTBOOK + "check f at x1=2, x2=3, x3=4: grad [12, 13, 9]\n"
    outcome = fails_at(text, "grad [12, 13, 9]")
    assert len(outcome.mismatches) == 1
    assert_mismatch(outcome.mismatches[0], "grad[x2] (index 1)", 13, 12, 1e-9, 1e-12)


def test_every_wrong_gradient_component_is_listed():
    text = TEXTBOOK + "check f at x1=2, x2=3, x3=4: grad [11, 12, 8]\n"
    outcome = fails_at(text, "grad [11")
    assert [m.component for m in outcome.mismatches] == ["grad[x1] (index 0)",
                                                         "grad[x3] (index 2)"]


def test_gradient_of_the_wrong_length_fails_clearly():
    text = TEXTBOOK + "check f at x1=2, x2=3, x3=4: grad [12, 12]\n"
    outcome = fails_at(text, "grad [12, 12]")
    assert "3 numbers" in outcome.message and "gives 2" in outcome.message


def test_hessian_passes_and_a_wrong_entry_fails():
    good = CUBIC + f"check g at x=1, y=2: value {CUBIC_VALUE!r}, grad {text_of(CUBIC_GRAD)}, " \
                   f"hessian {text_of(CUBIC_HESSIAN)}\n"
    assert len(passes(good)) == 3
    wrong = [[12.0, 3.0], [3.0, math.sin(2)]]  # the sign of d2g/dy2 flipped
    text = CUBIC + f"check g at x=1, y=2: hessian {text_of(wrong)}\n"
    outcome = fails_at(text, "hessian [[")
    assert len(outcome.mismatches) == 1
    assert_mismatch(outcome.mismatches[0], "hessian[y, y]", math.sin(2), -math.sin(2),
                    1e-9, 1e-12)


def test_textbook_hessian_from_the_issue():
    text = TEXTBOOK + "check f at x1=1, x2=2, x3=3: hessian [[6,0,0],[0,0,3],[0,3,0]]\n"
    passes(text)
    text = TEXTBOOK + "check f at x1=1, x2=2, x3=3: hessian [[6,0,0],[0,0,3],[0,3,1]]\n"
    outcome = fails_at(text, "hessian")
    assert_mismatch(outcome.mismatches[0], "hessian[x3, x3]", 1, 0, 1e-9, 1e-12)


def test_value_and_jacobian_of_several_names():
    text = ARM + (f"check px, py at t1=0.3, t2=1.1: value {text_of(ARM_VALUE)}, "
                  f"jacobian {text_of(ARM_JACOBIAN)}\n")
    outcomes = passes(text)
    assert [o.output for o in outcomes] == ["px, py", "px, py"]
    wrong = [row[:] for row in ARM_JACOBIAN]
    wrong[1][1] += 1e-3
    text = ARM + f"check px, py at t1=0.3, t2=1.1: jacobian {text_of(wrong)}\n"
    outcome = fails_at(text, "jacobian")
    assert outcome.output == "px, py"
    assert len(outcome.mismatches) == 1
    assert_mismatch(outcome.mismatches[0], "jacobian[py, t2]", wrong[1][1],
                    ARM_JACOBIAN[1][1], 1e-9, 1e-12)


def test_wrong_value_of_the_second_name_is_named():
    values = [ARM_VALUE[0], ARM_VALUE[1] + 0.5]
    text = ARM + f"check px, py at t1=0.3, t2=1.1: value {text_of(values)}\n"
    outcome = fails_at(text, "value")
    assert_mismatch(outcome.mismatches[0], "value[py]", values[1], ARM_VALUE[1], 1e-9, 1e-12)


def test_a_definition_can_be_checked_with_only_its_variables():
    text = ("a = 1\nb = 100\nvalley = y - x**2\nf = (a - x)**2 + b*valley**2\n"
            "check valley at x=2, y=1: value -3, grad [-4, 1]\n"
            "check f at x=-1.2, y=1: value 24.2, grad [-215.6, -88]\n")
    passes(text)


def test_grad_of_several_names_asks_for_jacobian():
    text = ARM + "check px, py at t1=0.3, t2=1.1: grad [1, 2]\n"
    outcome = fails_at(text, "grad [1, 2]")
    assert "jacobian" in outcome.message


def test_position_is_the_claims_own_on_any_line():
    text = ("# a comment\n\n"
            "f = x*y; check f at x=1, y=2: value 2, value 3\n"
            "\n"
            "check f at x=3, y=4:\n"
            "    value 13\n")
    outcomes = run(text)
    assert [(o.passed, o.line, o.column) for o in outcomes] == [
        (True, 3, 31), (False, 3, 40), (False, 6, 5)]
    assert position(text, "value 3") == (3, 40)


# --- agreement: ~ fd, ~ cs, ~ forward ------------------------------------------------------


SMOOTH = "h = exp(x)*sin(y) + x*y**2\n"


@pytest.mark.parametrize("claim", ["grad ~ fd", "grad ~ cs", "grad ~ forward",
                                   "hessian ~ fd", "finite"])
def test_agreement_claims_pass_at_a_point_and_over_a_box(claim):
    text = SMOOTH + (f"check h at x=0.7, y=-1.3: {claim}\n"
                     f"check h over x in [-1, 1], y in [-2, 2]: {claim}, samples 10\n")
    outcomes = passes(text)
    assert [(o.line, o.column) for o in outcomes] == [position(text, claim, 0),
                                                      position(text, claim, 1)]


@pytest.mark.parametrize("method", ["fd", "cs", "forward"])
def test_jacobian_agreement_of_several_names(method):
    text = ARM + (f"check px, py over t1 in [-3, 3], t2 in [-3, 3]: jacobian ~ {method}, "
                  "samples 10\n")
    passes(text)


def test_grad_fd_fails_at_a_kink_with_the_differences_as_expected():
    # relu at 0: AD takes the derivative 0, central differences (h - 0)/2h = 1/2
    text = "r = relu(x)\ncheck r at x=0: grad ~ fd\n"
    outcome = fails_at(text, "grad ~ fd")
    mismatch = outcome.mismatches[0]
    assert mismatch.component == "grad[x] (index 0) vs finite differences"
    assert mismatch.expected == pytest.approx(0.5, rel=1e-9)
    assert mismatch.got == 0
    assert mismatch.tolerance == "atol 1e-07 + rtol 1e-06 * |expected|"
    assert "vs finite differences" in outcome.message


def test_hessian_fd_fails_at_a_kink():
    # relu's AD gradient jumps from 0 to 1 across 0: its difference quotient is
    # about 1/(2h) with h = cbrt(eps), while relu's AD second derivative is 0
    text = "r = relu(x) + y**2\ncheck r at x=0, y=1: hessian ~ fd\n"
    outcome = fails_at(text, "hessian ~ fd")
    mismatch = outcome.mismatches[0]
    assert mismatch.component == "hessian[x, x] vs finite differences"
    assert mismatch.got == 0
    assert mismatch.expected > 1e4
    assert [m.component for m in outcome.mismatches] == [mismatch.component]


@pytest.mark.parametrize("text, claim, component", [
    # exp(709.78) is finite, its finite difference overflows: inf <= inf is no agreement
    ("g = exp(x)\ncheck g at x=709.78: grad ~ fd\n", "grad ~ fd", "grad[x] (index 0)"),
    ("g = exp(x)/2\ncheck g at x=709.779: hessian ~ fd\n", "hessian ~ fd", "hessian[x, x]"),
    ("g = exp(x)\ncheck g at x=709.78: grad ~ fd, rtol 1, atol 1e300\n", "grad ~ fd",
     "grad[x] (index 0)"),
])
def test_a_non_finite_reference_never_counts_as_agreement(text, claim, component):
    outcome = fails_at(text, claim)
    mismatch = outcome.mismatches[0]
    assert mismatch.component == component + " vs finite differences"
    assert mismatch.expected == math.inf and math.isfinite(mismatch.got)
    assert "expected inf" in outcome.message and "never agrees" in outcome.message


@pytest.mark.parametrize("got, expected", [(math.inf, math.inf), (-math.inf, -math.inf),
                                           (math.nan, math.nan), (1.0, math.inf),
                                           (math.inf, 1.0), (1.0, math.nan)])
def test_the_shared_tolerance_test_needs_both_numbers_finite(got, expected):
    assert not checks.agrees(got, expected, rtol=1.0, atol=1e300)
    assert checks.agrees(1.0, 1.0 + 1e-12, rtol=1e-9, atol=0.0)


def test_fd_fails_when_the_check_demands_more_than_truncation_allows():
    # central differences of a transcendental function are off by ~1e-10
    text = SMOOTH + "check h at x=0.7, y=-1.3: grad ~ fd, rtol 1e-15, atol 0\n"
    outcome = fails_at(text, "grad ~ fd")
    assert outcome.mismatches
    for mismatch in outcome.mismatches:
        assert 0 < mismatch.abs_error < 1e-6
        assert mismatch.tolerance == "atol 0 + rtol 1e-15 * |expected|"
        assert mismatch.component.endswith("vs finite differences")


@pytest.mark.parametrize("claim, op", [("grad ~ cs", "abs"), ("grad ~ cs", "max"),
                                       ("grad ~ cs", "relu")])
def test_complex_step_through_a_non_analytic_op_fails_naming_it(claim, op):
    call = {"abs": "abs(x)", "max": "max(x, y)", "relu": "relu(x)"}[op]
    text = f"k = {call}*y + x\ncheck k at x=1, y=2: {claim}\n"
    outcome = fails_at(text, claim)
    assert "complex step" in outcome.message
    assert op in outcome.message


def test_jacobian_cs_through_a_non_analytic_op_fails_naming_it():
    text = "p = x*y\nq = abs(x - y)\noutput p, q\ncheck p, q at x=1, y=3: jacobian ~ cs\n"
    outcome = fails_at(text, "jacobian ~ cs")
    assert "abs" in outcome.message
    # the same outputs pass against forward mode and finite differences
    passes("p = x*y\nq = abs(x - y)\noutput p, q\n"
           "check p, q at x=1, y=3: jacobian ~ forward, jacobian ~ fd, "
           "jacobian [[3, 1], [-1, 1]]\n")


def test_agreement_fails_at_a_domain_error_instead_of_crashing():
    text = "f = log(x)*y\ncheck f at x=-1, y=2: grad ~ fd, grad ~ forward, grad ~ cs\n"
    outcomes = run(text)
    assert [o.passed for o in outcomes] == [False, False, False]
    for outcome, claim in zip(outcomes, ["grad ~ fd", "grad ~ forward", "grad ~ cs"]):
        assert (outcome.line, outcome.column) == position(text, claim)
        assert outcome.message


# --- finite, minimum, domain errors ---------------------------------------------------------


def test_finite_over_a_box_reaching_log_of_negatives_fails_naming_the_node():
    text = "f = log(x)*y\ncheck f over x in [-1, 1], y in [1, 2]: finite, samples 50\n"
    outcome = fails_at(text, "finite")
    assert "log" in outcome.message
    assert "not finite" in outcome.message
    match = re.search(r"x=(-?[\d.e+-]+), y=(-?[\d.e+-]+)", outcome.message)
    x, y = float(match[1]), float(match[2])
    assert -1 <= x < 0 < 1 <= y <= 2  # the point reported is in the box, where log fails


def test_value_check_at_a_domain_error_fails_without_a_crash():
    text = "f = log(x)*y\ncheck f at x=-1, y=2: value 0, grad [-2, 0]\n"
    outcomes = run(text)
    assert [o.passed for o in outcomes] == [False, False]
    assert (outcomes[0].line, outcomes[0].column) == position(text, "value 0")


def test_value_check_at_a_domain_error_names_the_node():
    outcome = one("f = log(x)*y\ncheck f at x=-1, y=2: value 0\n")
    assert not outcome.passed
    assert "log(x)" in outcome.message


def test_minimum_from_a_start_passes_and_a_wrong_minimum_fails():
    bowl = "b = (x - 1)**2 + 2*(y + 2)**2 + 3\n"  # minimum 3 at (1, -2)
    passes(bowl + "check b from x=0, y=0: minimum 3\n")
    text = bowl + "check b from x=0, y=0: minimum 2.5\n"
    outcome = fails_at(text, "minimum 2.5")
    mismatch = outcome.mismatches[0]
    assert mismatch.component.startswith("minimum")
    assert mismatch.expected == 2.5
    assert mismatch.got == pytest.approx(3, abs=1e-8)
    assert mismatch.tolerance == "atol 1e-08 + rtol 1e-09 * |expected|"


def test_root_from_a_start_passes_and_a_wrong_root_fails():
    circle = "c = x**2 + y**2 - 4\nh = x*y - 1\n"
    x = (2 + 3 ** 0.5) ** 0.5
    passes(circle + f"check c, h from x=2, y=0.5: root [{x!r}, {1 / x!r}]\n")
    outcome = fails_at(circle + "check c, h from x=2, y=0.5: root [1.9, 0.5]\n", "root [1.9")
    assert outcome.mismatches[0].component.startswith("x")
    assert outcome.mismatches[0].got == pytest.approx(x, rel=1e-15)
    short = fails_at(circle + "check c, h from x=2, y=0.5: root [1.9]\n", "root [1.9]")
    assert "2 numbers (x, y)" in short.message


def test_root_with_data_and_array_unknowns():
    text = ("f = A @ x - b\n"
            "check f from x=[0, 0], A=[[2, 1], [1, 3]], b=[3, 5]: wrt x, root [0.8, 1.4]\n")
    passes(text)
    scalar = "f = k*x - 2\ncheck f from x=1, k=4: wrt [x], root [0.5]\n"
    passes(scalar)
    fails_at(scalar.replace("wrt [x], ", ""), "root")  # k unknown too: 1 equation, 2 unknowns


def test_minimum_default_atol_is_1e_8():
    bowl = "b = (x - 1)**2 + 2*(y + 2)**2 + 3\n"
    passes(bowl + "check b from x=0, y=0: minimum 3.000000005\n")
    fails_at(bowl + "check b from x=0, y=0: minimum 3.00000005\n", "minimum")


# --- tolerances ----------------------------------------------------------------------------


def test_default_tolerance_boundary():
    # value 2: tolerance 1e-12 + 1e-9 * |expected|
    assert one(f"f = x*y\ncheck f at x=1, y=2: value {2 * (1 + 0.5e-9)!r}\n").passed
    assert not one(f"f = x*y\ncheck f at x=1, y=2: value {2 * (1 + 2e-9)!r}\n").passed
    # near 0 the absolute part decides
    assert one("f = x - y\ncheck f at x=1, y=1: value 5e-13\n").passed
    assert not one("f = x - y\ncheck f at x=1, y=1: value 3e-12\n").passed


def test_file_tolerance_statement_sets_the_exact_tolerance():
    tolerance = "tolerance rtol 1e-3, atol 0\n"
    # the statement applies to checks above it too
    outcomes = run("f = x*y\ncheck f at x=1, y=2: value 2.001, value 2.01\n" + tolerance)
    assert [o.passed for o in outcomes] == [True, False]
    assert outcomes[1].mismatches[0].tolerance == "atol 0 + rtol 0.001 * |expected|"
    outcome = one(tolerance + "f = x*y\ncheck f at x=1, y=2: grad [2.003, 1]\n")
    assert not outcome.passed
    assert outcome.mismatches[0].component == "grad[x] (index 0)"


def test_check_tolerance_beats_the_file_tolerance():
    text = ("tolerance rtol 1e-3, atol 0\nf = x*y\n"
            "check f at x=1, y=2: value 2.01, rtol 1e-2\n"
            "check f at x=1, y=2: value 2.0001, rtol 1e-6\n"
            "check f at x=1, y=2: value 2.5, atol 0.6\n")
    outcomes = run(text)
    assert [o.passed for o in outcomes] == [True, False, True]
    assert outcomes[1].mismatches[0].tolerance == "atol 0 + rtol 1e-06 * |expected|"


def test_file_tolerance_never_tightens_finite_difference_checks():
    # a file asking for rounding accuracy keeps fd's truncation allowance...
    text = "tolerance rtol 1e-15, atol 0\n" + SMOOTH + "check h at x=0.7, y=-1.3: grad ~ fd\n"
    passes(text)
    # ...but loosens them when larger
    text = "tolerance rtol 0.1, atol 0\nr = relu(x)\ncheck r at x=0: grad ~ fd\n"
    assert not one(text).passed  # 0 vs 0.5 is outside 10 %
    text = "tolerance rtol 1, atol 0\nr = relu(x)\ncheck r at x=0: grad ~ fd\n"
    assert one(text).passed  # |0 - 0.5| <= 1 * 0.5


def test_tolerance_statement_takes_only_rtol_and_atol():
    error, where = parse_error("f = x\ncheck f at x=1: value 1\ntolerance rtol 1e-9, samples 3\n")
    assert where == (3, 22)


# --- sampling over a box ---------------------------------------------------------------------


@pytest.fixture
def recorded_points(monkeypatch):
    """The points at which 'finite' claims evaluate the graph."""
    points = []
    forward = reverse.forward

    def recording(graph, point, *args, **kwargs):
        points.append(tuple(float(v) for v in point))
        return forward(graph, point, *args, **kwargs)

    monkeypatch.setattr(reverse, "forward", recording)
    return points


BOX = "f = x*y + z\ncheck f over x in [-2, -1], y in [10, 20], z in [0, 0.001]: finite{}\n"


@pytest.mark.parametrize("setting, count", [("", 20), (", samples 7", 7), (", samples 1", 1)])
def test_samples_are_honored_and_lie_in_the_box(recorded_points, setting, count):
    passes(BOX.format(setting))
    assert len(recorded_points) == count
    assert len(set(recorded_points)) == count
    for x, y, z in recorded_points:
        assert -2 <= x <= -1 and 10 <= y <= 20 and 0 <= z <= 0.001


def test_sampling_is_seeded_and_reproducible(recorded_points):
    text = BOX.format(", samples 5")
    passes(text, seed=3)
    first = list(recorded_points)
    recorded_points.clear()
    passes(text, seed=3)
    assert recorded_points == first
    recorded_points.clear()
    passes(text, seed=4)
    assert recorded_points != first


def test_a_checks_own_seed_overrides_the_run_seed(recorded_points):
    text = BOX.format(", samples 5, seed 11")
    passes(text, seed=0)
    first = list(recorded_points)
    recorded_points.clear()
    passes(text, seed=99)
    assert recorded_points == first


def test_a_box_wider_than_float64_is_sampled_inside_it(recorded_points):
    passes("f = x\ncheck f over x in [-1e308, 1.7e308]: finite, samples 50\n")
    assert len(recorded_points) == 50
    assert all(-1e308 <= x <= 1.7e308 for x, in recorded_points)


def test_failing_sample_is_reported_inside_the_box_and_reproducibly():
    text = "f = x*y\ncheck f over x in [2, 3], y in [-5, -4]: value 100, samples 4\n"
    outcome = fails_at(text, "value 100")
    point = outcome.mismatches[0].point
    assert 2 <= point["x"] <= 3 and -5 <= point["y"] <= -4
    assert outcome.mismatches[0].got == pytest.approx(point["x"] * point["y"], rel=1e-15)
    assert one(text).message == outcome.message
    assert one(text, seed=1).message != outcome.message


def test_box_failure_needs_enough_samples():
    # log fails only for x < 0: 0.1 % of the box; one sample misses it, 5000 find it
    text = "f = log(x)\ncheck f over x in [-0.001, 1]: finite, seed 2, samples {}\n"
    assert one(text.format(1)).passed
    assert not one(text.format(5000)).passed


# --- errors in check statements --------------------------------------------------------------


def test_unknown_claim_word_is_a_parse_error_with_a_hint():
    text = "f = x*y\ncheck f at x=1, y=2: valu 2\n"
    error, where = parse_error(text)
    assert where == position(text, "valu")
    assert "valu" in error.message
    assert error.hint == "did you mean value?"
    assert "did you mean value?" in str(error)


def test_unknown_method_after_tilde_is_a_parse_error():
    text = "f = x*y\ncheck f at x=1, y=2: value 2, grad ~ xyz\n"
    error, where = parse_error(text)
    assert where == position(text, "grad ~ xyz")
    assert "xyz" in error.message
    assert "fd" in error.hint and "cs" in error.hint and "forward" in error.hint


@pytest.mark.parametrize("text, claim", [
    ("f = x*y\ncheck f at x=1, y=2: minimum 0\n", "minimum 0"),
    ("f = x*y\ncheck f over x in [0, 1], y in [0, 1]: minimum 0\n", "minimum 0"),
    ("f = x*y\ncheck f from x=1, y=2: value 2\n", "value 2"),
])
def test_minimum_goes_with_from(text, claim):
    error, where = parse_error(text)
    assert where == position(text, claim)
    assert "minimum" in error.message and "from" in error.message
    root = text.replace("minimum 0", "root [1, 2]")
    if root != text:
        error, where = parse_error(root)
        assert where == position(root, "root [1, 2]") and "root" in error.message


def test_a_name_in_an_expected_value_is_a_parse_error():
    text = "f = x*y\ncheck f at x=1, y=2: value x\n"
    error, where = parse_error(text)
    assert where == position(text, "x\n")
    assert "numbers" in error.message


def test_on_instead_of_in_is_a_parse_error():
    text = "f = x*y\ncheck f over x on [0, 1], y in [0, 1]: finite\n"
    error, where = parse_error(text)
    assert where == position(text, "on")
    assert "'in'" in error.message and "'on'" in error.message


def test_where_word_other_than_at_over_from_is_a_parse_error():
    text = "f = x*y\ncheck f near x=1, y=2: value 2\n"
    with pytest.raises(ExpressionError) as caught:
        run(text)
    assert "near" in caught.value.message


def test_check_of_an_unknown_name_is_a_parse_error():
    text = "f = x*y\ncheck g at x=1, y=2: value 2\n"
    with pytest.raises(ExpressionError) as caught:
        run(text)
    assert "'g'" in caught.value.message


def test_check_of_an_unknown_name_is_reported_at_the_name():
    text = "f = x*y\ncheck g at x=1, y=2: value 2\n"
    error, where = parse_error(text)
    assert where == (2, 7)


@pytest.mark.parametrize("bindings, words", [
    ("x=1", ["missing: y"]),
    ("x=1, y=2, z=3", ["not variables: z"]),
    ("x=1, z=3", ["not variables: z", "missing: y"]),
])
def test_binding_too_few_or_unknown_variables_fails_clearly(bindings, words):
    text = f"f = x*y\ncheck f at {bindings}: value 2\n"
    outcome = fails_at(text, "value 2")
    assert "every variable" in outcome.message
    for word in words:
        assert word in outcome.message


def test_bindings_and_expected_numbers_may_be_constant_expressions():
    passes("f = 2*x\ncheck f at x=1/3: value 2/3, grad [2]\n"
           "g = sin(x)\ncheck g at x=pi/2: value 1, grad [0], rtol 0, atol 1e-15\n"
           "check f over x in [-1/2, 2**-1]: finite, samples 3\n")


def test_a_variable_bound_twice_is_an_error():
    text = "f = x*y\ncheck f at x=1, x=2, y=3: value 3\n"
    try:
        outcome = one(text)
    except ExpressionError:
        return
    assert not outcome.passed and "twice" in outcome.message


@pytest.mark.parametrize("text, binding, words", [
    ("f = x\ncheck f at x in [0, 1]: value 0\n", "x in", ["x=VALUE"]),
    ("f = x\ncheck f over x=1: finite\n", "x=1", ["x in [low, high]"]),
    ("f = x*y\ncheck f over y in [0, 1], x in [1, 0]: finite\n", "x in", ["empty", "[1, 0]"]),
])
def test_bindings_of_the_wrong_shape_are_parse_errors_at_the_binding(text, binding, words):
    error, place = parse_error(text)
    assert place == position(text, binding)
    for word in words:
        assert word in error.message


def test_a_reversed_box_is_bad_input_exit_2_with_a_caret(run_cli, tmp_path):
    path = write(tmp_path, "reversed.adx", "f = x\ncheck f over x in [1, 0]: finite\n")
    result = run_cli("check", path, "--format", "plain")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "the range of x is empty: [1, 0]" in result.stdout
    assert "hint: write the low end first: x in [0, 1]" in result.stdout


@pytest.mark.parametrize("setting, words", [
    ("samples 0", "samples takes a whole number of points from 1 to 10,000"),
    ("samples -3", "samples takes a whole number of points from 1 to 10,000"),
    ("samples 2.5", "samples takes a whole number of points from 1 to 10,000"),
    ("samples 10001", "samples takes a whole number of points from 1 to 10,000"),
    ("samples 1e300", "samples takes a whole number of points from 1 to 10,000"),
    ("seed 1.5", "seed takes a whole number from 0 to 2**53"),
    ("seed -1", "seed takes a whole number from 0 to 2**53"),
    ("seed 1e300", "seed takes a whole number from 0 to 2**53"),
    ("seed 2**53 + 2", "seed takes a whole number from 0 to 2**53"),
    ("rtol -1e-9", "rtol takes a finite number, at least 0"),
    ("atol -1", "atol takes a finite number, at least 0"),
])
def test_settings_out_of_their_bounds_are_parse_errors(setting, words):
    text = f"f = x\ncheck f over x in [0, 1]: finite, {setting}\n"
    error, where = parse_error(text)
    assert where == position(text, setting.split()[0])
    assert error.message == words


def test_settings_at_their_bounds_are_accepted(recorded_points):
    passes("f = x\ncheck f over x in [0, 1]: finite, samples 10000, seed 2**53\n")
    assert len(recorded_points) == 10000


@pytest.mark.parametrize("claim, outputs, n, entries", [
    ("hessian ~ fd", 1, 1001, "1,002,001"), ("hessian [[1]]", 1, 1001, "1,002,001"),
    ("jacobian ~ cs", 1001, 1000, "1,001,000"),
])
def test_a_matrix_claim_larger_than_a_million_entries_is_a_parse_error(claim, outputs, n,
                                                                       entries):
    names = [f"x{k}" for k in range(n)]
    text = ("s = " + " + ".join(f"{v}**2" for v in names) + "\n"
            + "".join(f"g{k} = s + {k}\n" for k in range(outputs))
            + "check " + ", ".join(f"g{k}" for k in range(outputs)) + " at "
            + ", ".join(f"{v}=1" for v in names) + f": {claim}\n")
    error, where = parse_error(text)
    assert where == position(text, claim)
    assert error.message == (f"this {claim.split()[0]} has {entries} entries ({n} variables); "
                             "a check compares at most 1,000,000")


def test_the_names_of_a_check_are_looked_up_once_not_focused_one_by_one(monkeypatch):
    """A focus per name copied the graph per name: quadratic in a long check."""
    from adcli.graph import Graph
    calls = []
    focus = Graph.focus
    monkeypatch.setattr(Graph, "focus", lambda self, names: calls.append(names) or
                        focus(self, names))
    names = [f"g{k}" for k in range(50)]
    passes("".join(f"{n} = x + {k}\n" for k, n in enumerate(names))
           + f"check {', '.join(names)} at x=1: finite\n")
    assert len(calls) == 1


def test_a_file_tolerance_out_of_bounds_is_a_parse_error():
    text = "f = x\ncheck f at x=1: value 1\ntolerance rtol -1\n"
    error, where = parse_error(text)
    assert (where, error.message) == (position(text, "rtol"),
                                      "rtol takes a finite number, at least 0")


def test_deeply_nested_expected_numbers_do_not_recurse():
    depth = 100_000
    passes("f = x\ncheck f at x=1: value " + "[" * depth + "1" + "]" * depth + "\n")


@pytest.mark.parametrize("claim", ["value ~ fd", "finite ~ fd", "hessian ~ cs",
                                   "hessian ~ forward"])
def test_agreement_claims_that_mean_nothing_are_parse_errors(claim):
    parse_error(SMOOTH + f"check h at x=0.7, y=-1.3: {claim}\n")


# --- the default check ------------------------------------------------------------------------


def test_the_example_check_files_cite_only_files_that_exist():
    cited = {}
    for path in sorted((ROOT / "examples").glob("*.adx")):
        for name in re.findall(r"[\w./-]+\.(?:md|adx|txt|csv|py)\b", path.read_text("utf-8")):
            cited[f"{path.name}: {name}"] = (ROOT / name).is_file() or (path.parent / name).is_file()
    assert cited and all(cited.values()), cited


def test_default_check_passes_on_a_good_file():
    outcome = one("f = exp(x)*sin(y) + x*y**2\n")
    assert outcome.passed
    assert (outcome.line, outcome.column) == (1, 1)
    assert outcome.name.startswith("default")
    assert outcome.output == "f"
    x, y = map(float, re.search(r"x=([\d.]+), y=([\d.]+)", outcome.name).groups())
    assert 0.5 <= x <= 1.5 and 0.5 <= y <= 1.5


def test_default_check_fails_where_the_function_is_not_finite():
    # log(x - 5) is nan at every point of the default box [0.5, 1.5]^n
    outcome = one("f = log(x - 5)*y\n")
    assert not outcome.passed
    assert "not finite" in outcome.message
    assert (outcome.line, outcome.column) == (1, 1)


def test_default_check_point_follows_the_seed():
    names = {one("f = x*y\n", seed=s).name for s in (0, 0, 1)}
    assert len(names) == 2


def test_default_check_covers_every_output():
    outcome = one(ARM)
    assert outcome.passed
    assert outcome.output == "px, py"


# --- the command: exit codes, files, directories -----------------------------------------------


GOOD = TEXTBOOK + "check f at x1=2, x2=3, x3=4: value 48, grad [12, 12, 9]\n"
BAD = TEXTBOOK + "check f at x1=2, x2=3, x3=4: value 48, grad [12, 13, 9]\n"
BROKEN = "f = x*y\ncheck f at x=1, y=2: valu 2\n"
SPANNING = "f = x*y\ncheck f over x in [0,\n 1], y in [0, 1]: value 2\n"  # bindings over 2 lines


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def summary(stdout):
    """The summary line, plain text's last (a note: "# ...") or the table's."""
    return stdout.rstrip("\n").splitlines()[-1].removeprefix("# ")


def test_exit_0_when_every_check_holds(run_cli, tmp_path):
    result = run_cli("check", write(tmp_path, "good.adx", GOOD))
    assert result.exit_code == 0, result.output
    assert summary(result.stdout) == "2 passed, 0 failed"
    assert result.stderr == ""


def test_exit_6_when_a_check_fails_with_file_line_column(run_cli, tmp_path):
    path = write(tmp_path, "bad.adx", BAD)
    result = run_cli("check", path, "--format", "plain")
    assert result.exit_code == 6
    line, column = position(BAD, "grad [12, 13, 9]")
    failing = [x for x in result.stdout.splitlines() if x.startswith("FAIL")]
    assert len(failing) == 1
    assert failing[0].startswith(f"FAIL\t{path}:{line}:{column}\t")
    for part in ("grad[x2] (index 1)", "expected 13", "got 12", "abs error 1",
                 "rel error 0.0769", "atol 1e-12 + rtol 1e-09 * |expected|"):
        assert part in failing[0]
    assert summary(result.stdout) == "1 passed, 1 failed"


def test_exit_2_for_a_parse_error_and_the_other_files_still_reported(run_cli, tmp_path):
    good = write(tmp_path, "a_good.adx", GOOD)
    broken = write(tmp_path, "b_broken.adx", BROKEN)
    bad = write(tmp_path, "c_bad.adx", BAD)
    result = run_cli("check", good, broken, bad, "--format", "plain")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    line, column = position(BROKEN, "valu")
    assert (f"ERROR\t{broken}:{line}:{column}\tparses\t"
            "unknown claim 'valu' (hint: did you mean value?)") in lines
    assert sum(x.startswith(f"PASS\t{good}:") for x in lines) == 2
    assert sum(x.startswith(f"PASS\t{bad}:") for x in lines) == 1
    assert sum(x.startswith(f"FAIL\t{bad}:") for x in lines) == 1
    assert lines[-1] == "# 3 passed, 2 failed"  # the file that does not parse counts as failed
    assert "Traceback" not in result.output


def test_the_did_you_mean_hint_reaches_the_user(run_cli, tmp_path):
    result = run_cli("check", write(tmp_path, "broken.adx", BROKEN), "--format", "plain")
    assert result.exit_code == 2
    assert "did you mean value?" in result.stdout + result.stderr


@pytest.mark.parametrize("seed", ["-1", str(2 ** 53 + 1), "1e300"])
def test_the_seed_option_has_the_bounds_of_a_files_seed(run_cli, tmp_path, seed):
    result = run_cli("check", write(tmp_path, "good.adx", GOOD), "--seed", seed)
    assert result.exit_code == 2 and "--seed" in result.stderr, result.stderr


def test_directories_are_searched_for_adx_files(run_cli, tmp_path):
    write(tmp_path, "models/one.adx", GOOD)
    write(tmp_path, "models/deeper/two.adx", "f = x*y\ncheck f at x=1, y=2: value 2\n")
    write(tmp_path, "models/notes.txt", BROKEN)
    write(tmp_path, "models/model.adx.bak", BROKEN)
    result = run_cli("check", tmp_path / "models", "--format", "plain")
    assert result.exit_code == 0, result.output
    paths = {x.split("\t")[1].split(":")[0] for x in result.stdout.splitlines()[:-1]}
    assert paths == {str(tmp_path / "models" / "one.adx"),
                     str(tmp_path / "models" / "deeper" / "two.adx")}
    assert result.stdout.splitlines()[-1] == "# 3 passed, 0 failed"


def test_a_directory_without_adx_files_is_a_usage_error(run_cli, tmp_path):
    write(tmp_path, "empty/readme.txt", "nothing")
    result = run_cli("check", tmp_path / "empty")
    assert result.exit_code == 2
    assert ".adx" in result.stderr
    assert run_cli("check", tmp_path / "missing.adx").exit_code == 2
    assert run_cli("check").exit_code == 2


def test_a_file_without_checks_gets_the_default_check(run_cli, tmp_path):
    good = write(tmp_path, "plain.adx", "f = exp(x)*y\n")
    result = run_cli("check", good, "--format", "plain")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"PASS\t{good}:1:1\tdefault")
    bad = write(tmp_path, "nan.adx", "f = log(x - 5)\n")
    result = run_cli("check", bad, "--format", "plain")
    assert result.exit_code == 6
    assert result.stdout.startswith(f"FAIL\t{bad}:1:1\tdefault")
    assert summary(result.stdout) == "0 passed, 1 failed"


def test_seed_option_makes_sampling_reproducible(run_cli, tmp_path):
    path = write(tmp_path, "box.adx",
                 "f = x*y\ncheck f over x in [2, 3], y in [-5, -4]: value 100\n")
    outputs = [run_cli("check", path, "--seed", s, "--format", "json").stdout
               for s in (5, 5, 6)]
    points = [json.loads(o)["files"][0]["checks"][0]["mismatches"][0]["point"] for o in outputs]
    assert points[0] == points[1]
    assert points[0] != points[2]
    for point in points:
        assert 2 <= point["x"] <= 3 and -5 <= point["y"] <= -4


def test_table_format_has_rows_and_the_summary(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "bad.adx", BAD)
    result = run_cli("check", "bad.adx", "--format", "table")
    assert result.exit_code == 6
    assert "PASS" in result.stdout and "FAIL" in result.stdout
    line, column = position(BAD, "grad [12, 13, 9]")
    assert f"bad.adx:{line}:{column}" in result.stdout
    assert summary(result.stdout) == "1 passed, 1 failed"


def test_table_format_survives_a_long_path(run_cli, tmp_path):
    path = write(tmp_path / ("d" * max(1, 70 - len(str(tmp_path)))), "bad.adx", BAD)
    result = run_cli("check", path, "--format", "table")
    assert "FAIL" in result.stdout and "(index 1)" in result.stdout


def test_table_format_names_the_component(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "bad.adx", BAD)
    result = run_cli("check", "bad.adx", "--format", "table")
    assert "FAIL" in result.stdout and "(index 1)" in result.stdout
    assert "grad[x2]" in "".join(result.stdout.split())


# --- report formats -------------------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path):
    """Three files: one good (2 pass), one failing (1 pass, 1 fail), one broken."""
    return [write(tmp_path, "a_good.adx", GOOD), write(tmp_path, "b_bad.adx", BAD),
            write(tmp_path, "c_broken.adx", BROKEN)]


def test_json_report_schema(run_cli, mixed):
    result = run_cli("check", *mixed, "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert result.stderr.strip() == "3 passed, 2 failed"
    assert set(document) == {"schema", "files", "passed", "failed"}
    assert document["schema"] == "adcli.check/1"
    assert (document["passed"], document["failed"]) == (3, 2)
    assert [f["path"] for f in document["files"]] == [str(p) for p in mixed]
    good, bad, broken = document["files"]
    assert "error" not in good and "error" not in bad
    assert broken["checks"] == []
    line, column = position(BROKEN, "valu")
    assert broken["error"] == {"message": "unknown claim 'valu' (hint: did you mean value?)", "line": line,
                               "column": column}
    keys = {"name", "line", "column", "passed", "output", "message", "mismatches"}
    for check in good["checks"] + bad["checks"]:
        assert set(check) == keys
    assert [c["passed"] for c in bad["checks"]] == [True, False]
    failing = bad["checks"][1]
    assert (failing["line"], failing["column"]) == position(BAD, "grad [12, 13, 9]")
    assert failing["output"] == "f"
    assert failing["mismatches"] == [{
        "component": "grad[x2] (index 1)", "expected": 13, "got": 12, "abs_error": 1,
        "rel_error": pytest.approx(1 / 13, rel=1e-15),
        "tolerance": "atol 1e-12 + rtol 1e-09 * |expected|",
        "point": {"x1": 2, "x2": 3, "x3": 4}}]


def test_json_rel_error_of_an_expected_zero_is_null(run_cli, tmp_path):
    path = write(tmp_path, "zero.adx", "f = x*y\ncheck f at x=1, y=2: value 0\n")
    document = json.loads(run_cli("check", path, "--format", "json").stdout)
    mismatch = document["files"][0]["checks"][0]["mismatches"][0]
    assert mismatch["rel_error"] is None and mismatch["abs_error"] == 2


def test_csv_report(run_cli, mixed):
    result = run_cli("check", *mixed, "--format", "csv")
    assert result.exit_code == 2
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["path", "line", "column", "passed", "check", "message"]
    assert [r[3] for r in rows[1:]] == ["true", "true", "true", "false", "error"]
    assert rows[4][:3] == [str(mixed[1]), *map(str, position(BAD, "grad [12, 13, 9]"))]
    assert "grad[x2] (index 1)" in rows[4][5]
    assert result.stderr.strip() == "3 passed, 2 failed"


def test_plain_last_line_is_the_summary(run_cli, mixed):
    result = run_cli("check", *mixed)  # plain when not a terminal
    assert result.stdout.endswith("\n")
    assert result.stdout.splitlines()[-1] == "# 3 passed, 2 failed"
    assert re.fullmatch(r"# \d+ passed, \d+ failed", result.stdout.splitlines()[-1])


def test_a_check_spanning_lines_is_one_line_of_plain_output(run_cli, tmp_path):
    path = write(tmp_path, "long.adx", SPANNING)
    result = run_cli("check", path, "--format", "plain")
    assert len(result.stdout.splitlines()) == 2


def test_junit_parses_with_the_right_counts(run_cli, mixed):
    result = run_cli("check", *mixed, "--format", "junit")
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout)
    assert result.stderr.strip() == "3 passed, 2 failed"
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(p) for p in mixed]
    counts = [(int(s.get("tests")), int(s.get("failures")), int(s.get("errors")))
              for s in suites]
    assert counts == [(2, 0, 0), (2, 1, 0), (1, 0, 1)]
    for suite, (tests, failures, errors) in zip(suites, counts):
        cases = suite.findall("testcase")
        assert len(cases) == tests
        assert sum(c.find("failure") is not None for c in cases) == failures
        assert sum(c.find("error") is not None for c in cases) == errors
    failure = suites[1].findall("testcase")[1].find("failure")
    assert "grad[x2] (index 1)" in failure.get("message")
    line, column = position(BAD, "grad [12, 13, 9]")
    assert f"{mixed[1]}:{line}:{column}" in failure.text
    assert set(suites[1].findall("testcase")[1].attrib) == {"name", "classname"}  # xunit2
    assert int(root.get("tests")) == 5
    assert "did you mean value?" in suites[2].find("testcase").find("error").text


def test_junit_totals_are_the_sums_of_the_suites(run_cli, mixed):
    root = ET.fromstring(run_cli("check", *mixed, "--format", "junit").stdout)
    for key in ("tests", "failures", "errors"):
        assert int(root.get(key, "0")) == sum(int(s.get(key)) for s in root.iter("testsuite"))


GITHUB_LINE = re.compile(r"::error (?P<properties>[^:\n]*)::(?P<message>[^\r\n]*)")


def _unescape_property(text):
    for code, char in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(code, char)
    return text


def _github_errors(stdout):
    errors = []
    for line in stdout.splitlines():
        if line.startswith("::notice "):
            continue
        match = GITHUB_LINE.fullmatch(line)
        assert match, f"not a workflow command: {line!r}"
        properties = dict(item.split("=", 1) for item in match["properties"].split(","))
        assert list(properties) == ["file", "line", "col", "title"]
        for value in properties.values():
            assert not re.search(r"%(?!25|0A|0D|2C|3A)", value), value
        assert not re.search(r"%(?!25|0A|0D)", match["message"]), match["message"]
        errors.append((_unescape_property(properties["file"]), int(properties["line"]),
                       int(properties["col"]), properties["title"],
                       _unescape_property(match["message"])))
    return errors


def test_github_annotations_match_the_workflow_syntax(run_cli, mixed):
    result = run_cli("check", *mixed, "--format", "github")
    assert result.exit_code == 2
    errors = _github_errors(result.stdout)
    line, column = position(BAD, "grad [12, 13, 9]")
    broken_line, broken_column = position(BROKEN, "valu")
    assert [e[:3] for e in errors] == [(str(mixed[1]), line, column),
                                       (str(mixed[2]), broken_line, broken_column)]
    assert "grad[x2] (index 1)" in errors[0][4]
    assert errors[1][4] == "does not parse: unknown claim 'valu' (hint: did you mean value?)"
    assert result.stdout.splitlines()[-1] == "::notice title=adcli check::3 passed, 2 failed"


def test_github_prints_only_the_notice_when_all_pass(run_cli, tmp_path):
    result = run_cli("check", write(tmp_path, "good.adx", GOOD), "--format", "github")
    assert result.exit_code == 0
    assert result.stdout == "::notice title=adcli check::2 passed, 0 failed\n"


def test_github_escapes_commas_colons_and_percent_in_the_path(run_cli, tmp_path):
    path = write(tmp_path, "a,b:c%d/model, v2.adx", BAD)
    result = run_cli("check", path, "--format", "github")
    assert result.exit_code == 6
    line = result.stdout.splitlines()[0]
    assert "%2C" in line and "%3A" in line and "%25" in line
    errors = _github_errors(result.stdout)
    assert [e[:3] for e in errors] == [(str(path), *position(BAD, "grad [12, 13, 9]"))]


def test_github_escapes_percent_and_newlines_in_messages(run_cli, tmp_path):
    percent = write(tmp_path, "percent.adx", "f = x % y\n")
    spanning = write(tmp_path, "spanning.adx", SPANNING)
    result = run_cli("check", percent, spanning, "--format", "github")
    errors = _github_errors(result.stdout)
    assert len(errors) == 2
    assert "'%'" in errors[0][4]
    # a check written over two lines is named on one; newlines in messages escape
    assert "\n" not in errors[1][4]
    from adcli.cli.views.check import _escape_data
    assert _escape_data("a\nb%c\r") == "a%0Ab%25c%0D"


def _parse_tap(text):
    """(plan, [(ok, number, description, yaml block or None)]), asserting TAP 13."""
    lines = text.splitlines()
    assert lines[0] == "TAP version 13"
    plan = re.fullmatch(r"1\.\.(\d+)", lines[1])
    assert plan, lines[1]
    tests, k = [], 2
    while k < len(lines):
        line = lines[k]
        match = re.fullmatch(r"(ok|not ok) (\d+)(?: - ([^#]*))?", line)
        if line.startswith("#"):
            k += 1
            continue
        assert match, f"not TAP: {line!r}"
        block = None
        k += 1
        if k < len(lines) and lines[k] == "  ---":
            end = lines.index("  ...", k)
            body = [x[2:] for x in lines[k + 1:end]]
            assert all(x.startswith("  ") for x in lines[k + 1:end])
            try:
                import yaml
                block = yaml.safe_load("\n".join(body))
            except ImportError:
                block = {x.split(": ", 1)[0]: json.loads(x.split(": ", 1)[1]) for x in body}
            k = end + 1
        tests.append((match[1] == "ok", int(match[2]), match[3], block))
    assert [t[1] for t in tests] == list(range(1, len(tests) + 1))
    assert len(tests) == int(plan[1])
    return int(plan[1]), tests


def test_tap_is_valid_tap_13(run_cli, mixed):
    result = run_cli("check", *mixed, "--format", "tap")
    assert result.exit_code == 2
    plan, tests = _parse_tap(result.stdout)
    assert plan == 5
    assert [t[0] for t in tests] == [True, True, True, False, False]
    line, column = position(BAD, "grad [12, 13, 9]")
    assert tests[3][3]["at"] == f"{mixed[1]}:{line}:{column}"
    assert "grad[x2] (index 1)" in tests[3][3]["message"]
    assert tests[4][3]["message"] == "unknown claim 'valu' (hint: did you mean value?)"
    assert all(t[3] is None for t in tests[:3])
    assert result.stdout.splitlines()[-1] == "# 3 passed, 2 failed"


def test_tap_stays_valid_for_a_check_spanning_lines(run_cli, tmp_path):
    path = write(tmp_path, "long.adx", SPANNING)
    plan, tests = _parse_tap(run_cli("check", path, "--format", "tap").stdout)
    assert plan == 1 and not tests[0][0]


# --- the repository: examples, CI, pre-commit -------------------------------------------------


def test_examples_pass(run_cli):
    result = run_cli("check", ROOT / "examples", "--format", "plain")
    assert result.exit_code == 0, result.stdout
    assert re.fullmatch(r"# [1-9]\d* passed, 0 failed", result.stdout.splitlines()[-1])
    files = {x.split("\t")[1].split(":")[0] for x in result.stdout.splitlines()[:-1]}
    assert files == {str(p) for p in (ROOT / "examples").glob("*.adx")}
    assert not any("default" in x for x in result.stdout.splitlines())  # all carry checks


def test_ci_runs_the_example_checks():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^adcli check examples/", script, re.M)


def _hook_entries(text):
    """The list of hooks of a .pre-commit-hooks.yaml: PyYAML, or a reader for
    its flat '- key: value' list."""
    try:
        import yaml
    except ImportError:
        hooks = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("- "):
                hooks.append({})
                line = line[2:]
            key, value = line.strip().split(":", 1)
            value = value.strip()
            if value.startswith("["):
                value = [v.strip() for v in value[1:-1].split(",")]
            hooks[-1][key] = value
        return hooks
    return yaml.safe_load(text)


def test_pre_commit_hook():
    hooks = _hook_entries((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    hook = next(h for h in hooks if h["id"] == "adcli-check")
    assert hook["entry"] == "adcli check"
    assert hook["files"] == r"\.adx$"
    assert re.search(hook["files"], "models/arm.adx")
    assert not re.search(hook["files"], "models/arm.adx.txt")
    assert hook["language"] == "python"
