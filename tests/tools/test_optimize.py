"""adcli.minimize (issue 5), the Python API: convergence of every method on
classic problems from their standard starts, against minima known from the
literature or in closed form; the stopping reasons and their sets; the
callback's records against the result; maximize; the 200-variable path.

Independent truth: each problem's text is written here from its paper (not
taken from adcli.workloads.problems), f* and x* are the published values, and the
first-order methods are checked iterate by iterate against their textbook
update rules written out in plain Python."""
import math
import warnings

import pytest

import adcli
from adcli.tools import optimize

# --- the classic problems, from the literature -------------------------------------------


ROSENBROCK = "100*(y - x**2)**2 + (1 - x)**2"  # Rosenbrock (1960); f* = 0 at (1, 1)


def extended_rosenbrock(n):
    """Moré, Garbow, Hillstrom (1981) problem 21; f* = 0 at (1, ..., 1)."""
    return " + ".join(f"100*(x{2 * i} - x{2 * i - 1}**2)**2 + (1 - x{2 * i - 1})**2"
                      for i in range(1, n // 2 + 1))


def extended_rosenbrock_start(n):
    return [-1.2 if k % 2 == 0 else 1.0 for k in range(n)]


#: name -> (text, standard start, f*, a minimizer or None when there are several)
PROBLEMS = {
    "rosenbrock": (ROSENBROCK, [-1.2, 1.0], 0.0, [1.0, 1.0]),
    # MGH 13: (x1 + 10 x2)^2 + 5 (x3 - x4)^2 + (x2 - 2 x3)^4 + 10 (x1 - x4)^4
    "powell_singular": ("(x1 + 10*x2)**2 + 5*(x3 - x4)**2 + (x2 - 2*x3)**4 + 10*(x1 - x4)**4",
                        [3.0, -1.0, 0.0, 1.0], 0.0, [0.0, 0.0, 0.0, 0.0]),
    # MGH 14 (Colville's function), in MGH's own form
    "wood": ("100*(x2 - x1**2)**2 + (1 - x1)**2 + 90*(x4 - x3**2)**2 + (1 - x3)**2"
             " + 10.1*((x2 - 1)**2 + (x4 - 1)**2) + 19.8*(x2 - 1)*(x4 - 1)",
             [-3.0, -1.0, -3.0, -1.0], 0.0, [1.0, 1.0, 1.0, 1.0]),
    # MGH 5
    "beale": ("(1.5 - x*(1 - y))**2 + (2.25 - x*(1 - y**2))**2 + (2.625 - x*(1 - y**3))**2",
              [1.0, 1.0], 0.0, [3.0, 0.5]),
    # Himmelblau (1972): four minima, all with f = 0
    "himmelblau": ("(x**2 + y - 11)**2 + (x + y**2 - 7)**2", [0.0, 0.0], 0.0, None),
    # MGH 4
    "brown_badly_scaled": ("(x - 1e6)**2 + (y - 2e-6)**2 + (x*y - 2)**2",
                           [1.0, 1.0], 0.0, [1e6, 2e-6]),
    # MGH 7: theta = atan2(x2, x1) / (2 pi) is MGH's branch for x1 < 0, x2 >= 0 and x1 > 0
    "helical_valley": ("100*(x3 - 10*atan2(x2, x1)/(2*pi))**2"
                       " + 100*(sqrt(x1**2 + x2**2) - 1)**2 + x3**2",
                       [-1.0, 0.0, 0.0], 0.0, [1.0, 0.0, 0.0]),
    "extended_rosenbrock_10": (extended_rosenbrock(10), extended_rosenbrock_start(10), 0.0,
                               [1.0] * 10),
}

HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                     (3.584428, -1.848126)]


def test_the_problems_start_where_the_literature_says():
    """f(x0) as tabulated by MGH: Rosenbrock 24.2, Powell 215, Wood 19192,
    Beale 14.203125, Brown 999998000003, helical valley 2500."""
    expected = {"rosenbrock": 24.2, "powell_singular": 215.0, "wood": 19192.0,
                "beale": 14.203125, "brown_badly_scaled": 999998000003.0,
                "helical_valley": 2500.0, "himmelblau": 170.0,
                "extended_rosenbrock_10": 121.0}
    for name, (text, x0, _, _) in PROBLEMS.items():
        assert adcli.values(text, x0)["f"] == pytest.approx(expected[name], rel=1e-12), name


def check_solved(name, result, fstar, xstar, xtol=1e-4):
    assert result.converged, (name, result)
    assert result.reason in optimize.CONVERGED
    assert not result.diverged
    assert abs(result.value - fstar) <= 1e-8, (name, result.value)
    x = list(result.x.values())
    if xstar is not None:
        assert x == pytest.approx(xstar, rel=xtol, abs=xtol), (name, x)
    elif name == "himmelblau":
        assert any(x == pytest.approx(m, abs=1e-5) for m in HIMMELBLAU_MINIMA), x


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_default_method_solves_the_classic_problems(name):
    text, x0, fstar, xstar = PROBLEMS[name]
    # Powell's minimum is singular: f ~ |x|^4 there, so x is known to ~1e-3 only
    result = adcli.minimize(text, x0)
    assert result.method == "newton"  # auto, at most 20 variables
    check_solved(name, result, fstar, xstar, xtol=1e-2 if name == "powell_singular" else 1e-6)
    assert result.gradient_norm <= 1e-4


QUASI_NEWTON_SUBSET = ["rosenbrock", "beale", "himmelblau", "helical_valley", "wood",
                       "powell_singular"]


@pytest.mark.parametrize("method", ["bfgs", "lbfgs"])
@pytest.mark.parametrize("name", QUASI_NEWTON_SUBSET)
def test_quasi_newton_methods_solve_a_subset(method, name):
    text, x0, fstar, xstar = PROBLEMS[name]
    result = adcli.minimize(text, x0, method=method)
    assert result.method == method
    assert result.hessian_evaluations == 0
    check_solved(name, result, fstar, xstar, xtol=1e-2 if name == "powell_singular" else 1e-5)


def test_newton_is_what_auto_runs():
    auto = adcli.minimize(ROSENBROCK, [-1.2, 1])
    newton = adcli.minimize(ROSENBROCK, [-1.2, 1], method="newton")
    assert (auto.x, auto.value, auto.iterations, auto.evaluations) == \
        (newton.x, newton.value, newton.iterations, newton.evaluations)


def test_newton_trust_region_leaves_a_region_of_negative_curvature():
    """f = x^4 - 2x^2 + y^2: at x = 0.1 the Hessian is indefinite (f_xx = -3.88);
    a plain Newton step would go to the maximum at x = 0.  The trust region
    reaches a minimum, (+-1, 0) with f = -1, decreasing f at every step."""
    records = []
    result = adcli.minimize("x**4 - 2*x**2 + y**2", [0.1, 1.0], method="newton",
                            callback=records.append)
    assert result.converged
    assert result.value == pytest.approx(-1.0, abs=1e-12)
    assert abs(result.x["x"]) == pytest.approx(1.0, abs=1e-8)
    assert result.x["y"] == pytest.approx(0.0, abs=1e-8)
    values = [r.value for r in records]
    assert all(b < a for a, b in zip(values, values[1:]))


def test_trust_region_step_solves_its_subproblem_on_both_paths():
    """The Newton step inside the region comes from a Cholesky solve; on the
    boundary or with negative curvature from the eigendecomposition.  Each
    is checked against its defining equations: H p = -g inside; on the
    boundary |p| = radius and (H + shift I) p = -g with shift >= 0 and
    H + shift I positive semi-definite (Moré & Sorensen's conditions)."""
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(5)
    basis = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    g = rng.normal(size=6)
    for eigenvalues in ([1.0, 2, 3, 4, 5, 6], [-2.0, 0.5, 1, 2, 3, 4]):
        hessian = basis @ np.diag(eigenvalues) @ basis.T
        newton = np.linalg.solve(hessian, -g)
        for radius in (10 * np.linalg.norm(newton), 0.1 * np.linalg.norm(newton)):
            p = optimize.trust_region_step(np, hessian, g, radius)
            if eigenvalues[0] > 0 and radius > np.linalg.norm(newton):
                assert optimize._newton_step(np, hessian, g) is not None
                np.testing.assert_allclose(hessian @ p, -g, atol=1e-12)
                continue
            assert np.linalg.norm(p) == pytest.approx(radius, rel=1e-10)
            shift = float(np.median((-g - hessian @ p) / p))
            assert shift >= -1e-9 and shift + eigenvalues[0] >= -1e-9
            np.testing.assert_allclose((hessian + shift * np.eye(6)) @ p, -g, atol=1e-8)
    assert optimize._newton_step(np, basis @ np.diag([-1.0, 1, 1, 1, 1, 1]) @ basis.T,
                                 g) is None


@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs"])
def test_monotone_methods_never_increase_f(method):
    records = []
    adcli.minimize(ROSENBROCK, [-1.2, 1], method=method, callback=records.append)
    values = [r.value for r in records]
    assert all(b <= a for a, b in zip(values, values[1:]))


# --- first-order methods, against their textbook updates ----------------------------------

#: a convex quadratic: minimum 0 at (3, -1); gradient (2(x-3), 20(y+1))
QUADRATIC = "(x - 3)**2 + 10*(y + 1)**2"


def quadratic_gradient(x, y):
    return [2 * (x - 3), 20 * (y + 1)]


def test_gd_fixed_step_follows_the_closed_form():
    """x_k - 3 = (1 - 2 lr)^k (x0 - 3), y_k + 1 = (1 - 20 lr)^k (y0 + 1): every
    iterate, and the iteration at which max|grad| first falls below gtol."""
    lr, gtol = 0.04, 1e-8
    records = []
    result = adcli.minimize(QUADRATIC, [0, 0], method="gd", lr=lr, gtol=gtol,
                            callback=records.append)
    for r in records:
        k = r.iteration
        expected = [3 - 3 * (1 - 2 * lr) ** k, -1 + (1 - 20 * lr) ** k]
        assert r.x == pytest.approx(expected, rel=1e-12, abs=1e-13), k
    # |g_x| = 6 * 0.92^k dominates after the first steps
    first_k = next(k for k in range(10000)
                   if max(6 * (1 - 2 * lr) ** k, 20 * abs(1 - 20 * lr) ** k) <= gtol)
    assert result.reason == "gtol"
    assert result.iterations == first_k
    assert result.evaluations == first_k + 1  # one (f, gradient) per step
    assert result.value <= 1e-15


def test_gd_default_step_is_0_01():
    records = []
    adcli.minimize("x**2", [1.0], method="gd", max_iter=3, callback=records.append)
    assert [r.x[0] for r in records] == pytest.approx([1.0, 0.98, 0.98**2, 0.98**3],
                                                      rel=1e-15)


def test_gd_line_search_converges_and_satisfies_armijo():
    records = []
    result = adcli.minimize(QUADRATIC, [0, 0], method="gd", line_search=True,
                            callback=records.append)
    assert result.converged
    assert result.value <= 1e-8
    assert [result.x["x"], result.x["y"]] == pytest.approx([3, -1], abs=1e-6)
    for before, after in zip(records, records[1:]):
        g = quadratic_gradient(*before.x)
        # x_new = x - t g, so |step| = t |g| and Armijo reads f_new <= f - 1e-4 t |g|^2
        t = after.step / math.hypot(*g)
        assert after.value <= before.value - 1e-4 * t * (g[0] ** 2 + g[1] ** 2) * (1 - 1e-9)


def test_gd_line_search_reaches_rosenbrock_eventually():
    """Slow (thousands of Armijo steps along the valley) but monotone; it ends
    when f stops decreasing, below 1e-8."""
    result = adcli.minimize(ROSENBROCK, [-1.2, 1], method="gd", line_search=True,
                            max_iter=100000)
    assert result.reason in optimize.CONVERGED or result.reason == "stalled", result
    assert result.value <= 1e-8
    assert [result.x["x"], result.x["y"]] == pytest.approx([1, 1], abs=1e-4)


def test_momentum_follows_the_heavy_ball_update():
    """v <- beta v - lr g, x <- x + v (written out here) for 30 steps, then
    convergence to the minimum."""
    lr, beta = 0.01, 0.9
    records = []
    result = adcli.minimize(QUADRATIC, [0, 0], method="momentum", lr=lr, momentum=beta,
                            callback=records.append)
    x, v = [0.0, 0.0], [0.0, 0.0]
    for r in records[:30]:
        assert r.x == pytest.approx(x, rel=1e-12, abs=1e-14), r.iteration
        g = quadratic_gradient(*x)
        v = [beta * vi - lr * gi for vi, gi in zip(v, g)]
        x = [xi + vi for xi, vi in zip(x, v)]
    assert result.converged and result.reason == "gtol"
    assert [result.x["x"], result.x["y"]] == pytest.approx([3, -1], abs=1e-8)
    assert result.value <= 1e-15


def test_adam_follows_its_update_with_bias_correction():
    """Kingma & Ba (2015), Algorithm 1, written out here."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    records = []
    result = adcli.minimize(QUADRATIC, [0, 0], method="adam", lr=lr, callback=records.append)
    x, m, v = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    for t, r in enumerate(records[:30]):
        assert r.x == pytest.approx(x, rel=1e-12, abs=1e-14), r.iteration
        g = quadratic_gradient(*x)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        x = [xi - lr * (mi / (1 - b1 ** (t + 1))) / (math.sqrt(vi / (1 - b2 ** (t + 1))) + eps)
             for xi, mi, vi in zip(x, m, v)]
    assert records[1].x == pytest.approx([0.1, -0.1], rel=1e-8)  # first step: lr * sign(g)
    assert result.converged and result.reason == "gtol"
    assert [result.x["x"], result.x["y"]] == pytest.approx([3, -1], abs=1e-8)


# --- maximize ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["auto", "bfgs", "lbfgs", "gd"])
def test_maximize_x_exp_minus_x(method):
    """max of x e^-x is 1/e at x = 1; values reported are of f itself."""
    options = {"lr": 0.5} if method == "gd" else {}
    records = []
    result = adcli.minimize("x*exp(-x)", [0.5], method=method, maximize=True,
                            callback=records.append, **options)
    assert result.maximize is True
    assert result.converged
    assert result.x["x"] == pytest.approx(1.0, abs=1e-6)
    assert result.value == pytest.approx(math.exp(-1), rel=1e-12)
    assert records[0].value == pytest.approx(0.5 * math.exp(-0.5), rel=1e-15)
    assert records[-1].value == result.value
    assert all(b >= a for a, b in zip([r.value for r in records],
                                      [r.value for r in records][1:]))


def test_minimizing_the_negation_is_the_same_run():
    up = adcli.minimize("x*exp(-x)", [0.5], maximize=True)
    down = adcli.minimize("-(x*exp(-x))", [0.5])
    assert down.maximize is False
    assert down.x == up.x
    assert down.value == -up.value
    assert down.value == pytest.approx(-math.exp(-1), rel=1e-12)
    assert (down.iterations, down.evaluations) == (up.iterations, up.evaluations)


# --- many variables ------------------------------------------------------------------------


def test_200_variables_take_the_lbfgs_path():
    n = 200
    records = []
    result = adcli.minimize(extended_rosenbrock(n), extended_rosenbrock_start(n),
                            callback=records.append)
    assert result.method == "lbfgs"
    assert result.hessian_evaluations == 0
    assert result.converged
    assert result.value <= 1e-8
    assert list(result.x) == [f"x{k}" for k in range(1, n + 1)]  # natural order
    assert list(result.x.values()) == pytest.approx([1.0] * n, abs=1e-5)
    assert len(records[0].x) == n


def test_auto_switches_at_20_variables():
    def text(n):
        return " + ".join(f"(x{k} - {k % 5})**2" for k in range(1, n + 1))

    at_20 = adcli.minimize(text(20), [0] * 20)
    at_21 = adcli.minimize(text(21), [0] * 21)
    assert (at_20.method, at_21.method) == ("newton", "lbfgs")
    for result in (at_20, at_21):
        assert result.converged
        assert result.value <= 1e-20


# --- the result and the callback's records ---------------------------------------------------


def test_x_is_a_dict_in_variable_order():
    result = adcli.minimize("(b - 1)**2 + (a - 2)**2 + (x10 - 3)**2 + (x2 - 4)**2",
                            {"x10": 0, "b": 0, "x2": 0, "a": 0})
    assert isinstance(result.x, dict)
    assert list(result.x) == list(result.variables) == ["a", "b", "x2", "x10"]
    assert result.x == pytest.approx({"a": 2, "b": 1, "x2": 4, "x10": 3}, abs=1e-10)


def test_explicit_variable_order_applies_to_a_positional_start():
    records = []
    result = adcli.minimize("(x - 1)**2 + (y - 2)**2", [10, 20], variables=["y", "x"],
                            callback=records.append)
    assert records[0].x == [10.0, 20.0]  # y = 10, x = 20
    assert records[0].value == (20 - 1) ** 2 + (10 - 2) ** 2
    assert list(result.x) == ["y", "x"]
    assert result.x == pytest.approx({"y": 2, "x": 1}, abs=1e-10)


def test_output_picks_one_output_of_a_program():
    program = "u = (x - 1)**2\nv = (x + 1)**2\noutput u, v"
    assert adcli.minimize(program, [0], output="v").x["x"] == pytest.approx(-1, abs=1e-10)
    assert adcli.minimize(program, [0], output="u").x["x"] == pytest.approx(1, abs=1e-10)


def records_match(records, result):
    """The callback saw iterations 0..n, once each, and the last is the result."""
    assert [r.iteration for r in records] == list(range(result.iterations + 1))
    last = records[-1]
    assert last.x == list(result.x.values())
    assert last.value == result.value
    assert last.gradient_norm == result.gradient_norm
    assert records[0].step == 0.0
    for before, after in zip(records, records[1:]):
        assert after.evaluations >= before.evaluations + 1
        moved = math.sqrt(sum((a - b) ** 2 for a, b in zip(after.x, before.x)))
        assert after.step == pytest.approx(moved, rel=1e-12, abs=1e-300)
    assert records[0].evaluations == 1


RUNS = [("auto", {}), ("newton", {}), ("bfgs", {}), ("lbfgs", {}),
        ("gd", {"line_search": True, "max_iter": 200}), ("gd", {"lr": 0.001, "max_iter": 50}),
        ("momentum", {"lr": 0.0005, "max_iter": 50}), ("adam", {"lr": 0.01, "max_iter": 50})]


@pytest.mark.parametrize("method, options", RUNS, ids=[f"{m}-{len(o)}" for m, o in RUNS])
def test_callback_records_are_consistent_with_the_result(method, options):
    records = []
    result = adcli.minimize(ROSENBROCK, [-1.2, 1], method=method, callback=records.append,
                            **options)
    records_match(records, result)
    # stopped by a test on the last point (gtol, a limit): nothing evaluated after it
    if result.reason in ("gtol", "max_iter"):
        assert records[-1].evaluations == result.evaluations
    assert result.evaluations >= result.iterations + 1
    if result.method == "newton":  # one exact Hessian per accepted point
        assert result.hessian_evaluations == result.iterations + 1
    else:
        assert result.hessian_evaluations == 0


def test_callback_sees_the_records_while_the_run_goes():
    """Iteration records are fresh lists: keeping them does not alias the
    optimizer's state."""
    records = []
    adcli.minimize(QUADRATIC, [0, 0], method="gd", lr=0.04, max_iter=5, callback=records.append)
    assert len({id(r.x) for r in records}) == len(records)
    assert records[0].x == [0.0, 0.0]


def test_callback_returning_true_stops_the_run():
    records = []

    def callback(info):
        records.append(info)
        return info.iteration == 3

    result = adcli.minimize(QUADRATIC, [0, 0], method="gd", lr=0.04, callback=callback)
    assert result.reason == "callback"
    assert result.reason in optimize.NOT_CONVERGED
    assert result.converged is False
    assert result.iterations == 3
    assert result.evaluations == 4
    records_match(records, result)


def test_callback_returning_true_at_iteration_0_stops_before_any_step():
    records = []
    result = adcli.minimize(QUADRATIC, [0, 0], callback=lambda info: records.append(info) or True)
    assert result.reason == "callback"
    assert result.iterations == 0
    assert result.evaluations == 1
    assert len(records) == 1
    assert result.x == {"x": 0.0, "y": 0.0}


def test_callback_returning_falsy_values_does_not_stop():
    for value in (None, False, 0):
        result = adcli.minimize(QUADRATIC, [0, 0], callback=lambda info, v=value: v)
        assert result.converged


def test_the_optimizer_never_prints(capsys):
    adcli.minimize(ROSENBROCK, [-1.2, 1])
    adcli.minimize("log(x)", [1], method="gd")
    adcli.minimize("(x-3)**2", [0], method="gd", lr=1.5)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# --- stopping reasons ------------------------------------------------------------------------


def test_reason_sets_are_disjoint_and_have_messages():
    sets = [optimize.CONVERGED, optimize.NOT_CONVERGED, optimize.DIVERGED]
    keys = [set(s) for s in sets]
    assert not (keys[0] & keys[1] or keys[0] & keys[2] or keys[1] & keys[2])
    assert keys[0] == {"gtol", "ftol", "xtol", "precision"}
    assert keys[1] == {"max_iter", "max_evals", "stalled", "callback"}
    assert keys[2] == {"diverged", "nonfinite"}
    assert all(isinstance(m, str) and m for s in sets for m in s.values())


def check_reason(result, reason):
    assert result.reason == reason, result
    everything = {**optimize.CONVERGED, **optimize.NOT_CONVERGED, **optimize.DIVERGED}
    assert result.message == everything[reason]
    assert result.converged == (reason in optimize.CONVERGED)
    assert result.diverged == (reason in optimize.DIVERGED)


def test_gtol():
    result = adcli.minimize(QUADRATIC, [0, 0], method="bfgs", gtol=1e-6)
    check_reason(result, "gtol")
    assert result.gradient_norm <= 1e-6


def test_gtol_at_the_start_takes_no_step():
    result = adcli.minimize("(x - 1)**2", [1.0])
    check_reason(result, "gtol")
    assert (result.iterations, result.evaluations) == (0, 1)


def test_ftol():
    """x^4 has a singular minimum: near 0 f changes by less than ftol while the
    gradient (4x^3) is still above a strict gtol, but already tiny."""
    result = adcli.minimize("x**4", [1.0], method="newton", gtol=1e-12)
    check_reason(result, "ftol")
    assert 1e-12 < result.gradient_norm <= 1e-6
    assert abs(result.x["x"]) < 1e-3


def test_xtol():
    result = adcli.minimize("x**4", [1.0], method="newton", gtol=1e-12, ftol=0, xtol=1e-4)
    check_reason(result, "xtol")
    assert 1e-12 < result.gradient_norm <= 1e-6
    assert abs(result.x["x"]) < 1e-3


#: first-order methods with a step small enough not to diverge on Rosenbrock
GENTLE = {"gd": {"lr": 1e-4}, "momentum": {"lr": 1e-4}, "adam": {"lr": 1e-3}}


@pytest.mark.parametrize("method", optimize.METHODS)
def test_max_iter(method):
    result = adcli.minimize(ROSENBROCK, [-1.2, 1], method=method, max_iter=3,
                            **GENTLE.get(method, {}))
    check_reason(result, "max_iter")
    assert result.iterations == 3


def test_max_iter_0_evaluates_the_start_only():
    result = adcli.minimize(ROSENBROCK, [-1.2, 1], method="bfgs", max_iter=0)
    check_reason(result, "max_iter")
    assert (result.iterations, result.evaluations) == (0, 1)
    assert result.x == {"x": -1.2, "y": 1.0}
    assert result.value == pytest.approx(24.2, rel=1e-14)


@pytest.mark.parametrize("method", optimize.METHODS)
def test_max_evals_is_never_exceeded(method):
    records = []
    result = adcli.minimize(ROSENBROCK, [-1.2, 1], method=method, max_evals=7,
                            callback=records.append, **GENTLE.get(method, {}))
    check_reason(result, "max_evals")
    assert result.evaluations == 7
    records_match(records, result)  # the result is the last accepted point


def test_stalled_when_no_step_decreases_f():
    """max(x, -2x) at its kink x = 0: the tie shares the derivative, 1/2 - 1 =
    -1/2, so the gradient is not 0, but f rises in both directions."""
    for method in ("auto", "bfgs", "lbfgs"):
        result = adcli.minimize("max(x, -2*x)", [0.0], method=method)
        check_reason(result, "stalled")
        assert result.x == {"x": 0.0}
    result = adcli.minimize("max(x, -2*x)", [0.0], method="gd", line_search=True)
    check_reason(result, "stalled")


def test_diverged_with_a_too_large_step():
    """gd with lr 1.5 on (x-3)^2: x_k - 3 = (-2)^k (-3), f_k = 9 * 4^k.  The
    run stops at the first k with f_k > 1e50 * f_0, k = 84."""
    records = []
    result = adcli.minimize("(x - 3)**2", [0.0], method="gd", lr=1.5, callback=records.append)
    check_reason(result, "diverged")
    assert result.reason in optimize.DIVERGED
    expected_k = next(k for k in range(1000) if 9 * 4.0 ** k > 1e50 * 9)
    assert result.iterations == expected_k == 84
    assert result.value == pytest.approx(9 * 4.0 ** 84, rel=1e-9)
    assert result.x["x"] == pytest.approx(3 - 3 * (-2.0) ** 84, rel=1e-9)
    records_match(records, result)


def test_momentum_diverges_too():
    result = adcli.minimize("(x - 3)**2 + y**2", [0.0, 1.0], method="momentum", lr=2.0)
    check_reason(result, "diverged")


#: f unbounded below, with a start that is not stationary
UNBOUNDED = [("x", [0.0]), ("-x**2", [0.5]), ("x + y", [0.0, 0.0]), ("-x**4 - y**2", [1.0, 1.0])]


@pytest.mark.parametrize("method", optimize.METHODS)
@pytest.mark.parametrize("expression, start", UNBOUNDED, ids=[e for e, _ in UNBOUNDED])
def test_an_unbounded_f_diverges_with_every_method(method, expression, start):
    """A linear f has a zero Hessian (the trust region walked to its radius
    forever) and a concave one a negative one; gd, momentum and adam creep.
    Every method says diverged, by the limit at the latest, from a finite point."""
    records = []
    result = adcli.minimize(expression, start, method=method, max_iter=2000,
                            callback=records.append)
    check_reason(result, "diverged")
    assert all(math.isfinite(v) for v in result.x.values()) and math.isfinite(result.value)
    assert result.value < adcli.minimize(expression, start, max_iter=0).value
    records_match(records, result)


@pytest.mark.parametrize("expression, start", UNBOUNDED, ids=[e for e, _ in UNBOUNDED])
def test_the_default_method_sees_an_unbounded_f_within_a_few_iterations(expression, start):
    result = adcli.minimize(expression, start)
    check_reason(result, "diverged")
    assert result.iterations <= 5 and result.evaluations <= 30  # not 10,000 iterations


@pytest.mark.parametrize("method", ["auto", "bfgs", "gd"])
def test_an_f_bounded_below_with_its_infimum_at_infinity_does_not_diverge(method):
    """exp(-x) falls toward 0 forever, ever more slowly: not unbounded."""
    result = adcli.minimize("exp(-x)", [0.0], method=method, max_iter=500)
    assert result.reason in ("gtol", "max_iter"), result
    assert 0 < result.value < 1


def test_a_bounded_run_that_converges_pays_for_no_probe(monkeypatch):
    probes = []
    real = optimize.falls_without_bound
    monkeypatch.setattr(optimize, "falls_without_bound",
                        lambda *args: probes.append(args) or real(*args))
    for method in ("auto", "bfgs", "lbfgs"):
        assert adcli.minimize(ROSENBROCK, [-1.2, 1], method=method).converged
    assert probes == []


@pytest.mark.parametrize("method, setting", [
    ("newton", {"lr": 0.1}), ("auto", {"lr": 0.1}), ("bfgs", {"lr": 0.1}),
    ("lbfgs", {"line_search": True}), ("gd", {"momentum": 0.5}), ("momentum", {"beta1": 0.8}),
    ("adam", {"memory": 3}), ("auto", {"memory": 3}), ("newton", {"epsilon": 1e-6}),
    ("adam", {"ftol": 1e-3}), ("gd", {"xtol": 1e-3}), ("momentum", {"ftol": 0.0}),
])
def test_a_setting_of_another_method_is_an_error_not_ignored(method, setting):
    name = next(iter(setting))
    with pytest.raises(adcli.AdcliError, match=f"^{name} is a setting of "):
        adcli.minimize(ROSENBROCK, [-1.2, 1], method=method, **setting)


def test_a_method_takes_its_own_settings():
    for method in ("newton", "bfgs", "lbfgs"):
        assert adcli.minimize(ROSENBROCK, [-1.2, 1], method=method, ftol=0, xtol=0).converged
    assert adcli.minimize(QUADRATIC, [0, 0], method="gd", line_search=True, ftol=1e-3).converged
    assert adcli.minimize(ROSENBROCK, [-1.2, 1], method="lbfgs", memory=3).converged
    sphere = " + ".join(f"(x{k} - 1)**2" for k in range(22))
    result = adcli.minimize(sphere, [0.0] * 22, memory=3)  # auto is lbfgs above 20 variables
    assert (result.method, result.converged) == ("lbfgs", True)


def test_nonfinite_value_met_along_the_way():
    """gd on log(x) from 1 walks toward 0 with growing steps (lr / x) and
    jumps below 0, where log is nan: the run stops at the last finite point,
    with the offending node named."""
    records = []
    result = adcli.minimize("log(x)", [1.0], method="gd", callback=records.append)
    check_reason(result, "nonfinite")
    assert result.x["x"] > 0
    assert result.value == pytest.approx(math.log(result.x["x"]), rel=1e-14)
    assert isinstance(result.error, adcli.DomainError)
    assert "log(x)" in str(result.error)
    records_match(records, result)
    assert records[-1].x[0] - 0.01 / records[-1].x[0] < 0  # the next step leaves the domain


def test_nonfinite_at_the_start():
    records = []
    result = adcli.minimize("log(x)", [-1.0], callback=records.append)
    check_reason(result, "nonfinite")
    assert result.iterations == 0
    assert math.isnan(result.value)
    assert records == []  # no finite iteration 0 to report
    assert isinstance(result.error, adcli.DomainError)


def test_nonfinite_hessian_at_the_start_is_a_result_not_an_exception():
    """x**1.5 at x = 0: f and the gradient (0, -2) are finite, the second
    derivative 0.75/sqrt(x) is not (a regression test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = adcli.minimize("x**1.5 + (y - 1)**2", [0.0, 0.0])
    assert isinstance(result, adcli.MinimizeResult)
    check_reason(result, "nonfinite")
    assert result.iterations == 0
    assert result.x == {"x": 0.0, "y": 0.0}
    assert result.value == 1.0
    assert result.error is not None


def test_converged_is_not_claimed_far_from_a_minimum():
    """Newton's steps in x leave the domain of x**1.5 (x < 0) near x = 0, the
    trust region shrinks until f barely changes at y = 0.895, |grad| = 0.21:
    that is not convergence (a regression test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = adcli.minimize("x**1.5 + (y - 1)**2", [1.0, 0.0])
    if result.converged:
        assert result.gradient_norm <= 1e-4, result
        assert result.x["y"] == pytest.approx(1.0, abs=1e-4)
    else:  # the trust region collapsed against x = 0, where x**1.5 ends
        check_reason(result, "stalled")


# --- errors that stop a run before it starts ----------------------------------------------


def test_unknown_method_is_an_error():
    with pytest.raises(adcli.AdcliError, match="unknown method 'nope'"):
        adcli.minimize("x**2", [1], method="nope")


def test_several_outputs_need_a_choice():
    with pytest.raises(adcli.ExpressionError, match="2 outputs"):
        adcli.minimize("x**2; (x-1)**2", [1])


def test_a_start_of_the_wrong_length_is_a_point_error():
    with pytest.raises(adcli.PointError):
        adcli.minimize("(x-1)**2 + y**2", [1])


def test_a_bad_expression_is_an_expression_error():
    with pytest.raises(adcli.ExpressionError):
        adcli.minimize("x**", [1])


def test_minimize_takes_a_parsed_graph():
    graph = adcli.parse(ROSENBROCK)
    result = adcli.minimize(graph, [-1.2, 1])
    assert result.converged and result.value <= 1e-20


def test_a_badly_scaled_problem_that_cannot_improve_in_float64_is_converged():
    """Meyer's function (MGH 10) from its standard start: f reaches its tabulated
    minimum 87.9458551707 while the gradient, next to f ~ 88 and x2 ~ 6181, stays
    near 1e-3; no step can lower f in float64, which counts as converged."""
    text = ("y = [34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, "
            "6005, 5147, 4427, 3820, 3307, 2872]")
    ys = [float(v) for v in text.split("[")[1].rstrip("]").split(",")]
    terms = " + ".join(f"(x1*exp(x2/({45 + 5 * i} + x3)) - {y})**2"
                       for i, y in enumerate(ys, start=1))
    result = adcli.minimize(terms, [0.02, 4000, 250])
    assert result.value == pytest.approx(87.9458551707, rel=1e-9)
    assert result.converged and result.reason in ("precision", "gtol", "ftol", "xtol")
