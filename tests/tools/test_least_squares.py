"""Levenberg-Marquardt (MINPACK lmder) and the fit statistics, against known solutions.

Truth: closed forms (linear least squares), the Moré-Garbow-Hillstrom
minima (ACM TOMS 7, 1981), NIST StRD Misra1a's certified values.  The test
Jacobians are exact to rounding: complex-step derivatives of the residuals.
"""
import math
from fractions import Fraction

import numpy as np
import pytest

import adcli
from adcli.tools.least_squares import (
    METHOD, FitStatistics, LeastSquaresResult, _qr_pivoted, _apply_qt, fit_statistics,
    incomplete_beta, least_squares, t_quantile)
from complex_step import complex_step


def fit(fun, x0, **kw):
    return least_squares(fun, complex_step(fun), np.asarray(x0, dtype=float), **kw)


# ---------------------------------------------------------------- MGH problems

def rosenbrock(x):
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def freudenstein_roth(x):
    return np.array([-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1],
                     -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]])


def powell_badly_scaled(x):
    return np.array([1e4 * x[0] * x[1] - 1, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001])


def brown_badly_scaled(x):
    return np.array([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2])


def beale(x):
    y = np.array([1.5, 2.25, 2.625])
    i = np.arange(1, 4)
    return y - x[0] * (1 - x[1] ** i)


def jennrich_sampson(x):
    i = np.arange(1, 11)
    return 2 + 2 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))


def helical_valley(x):
    theta = np.arctan(x[1] / x[0]) / (2 * np.pi) + (0.5 if np.real(x[0]) < 0 else 0.0)
    return np.array([10 * (x[2] - 10 * theta), 10 * (np.sqrt(x[0] ** 2 + x[1] ** 2) - 1), x[2]])


BARD_Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34,
                   2.10, 4.39])


def bard(x):
    u = np.arange(1, 16)
    v = 16 - u
    w = np.minimum(u, v)
    return BARD_Y - (x[0] + u / (v * x[1] + w * x[2]))


GAUSSIAN_Y = np.array([0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521,
                       0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009])


def gaussian(x):
    t = (8 - np.arange(1, 16)) / 2
    return x[0] * np.exp(-x[1] * (t - x[2]) ** 2 / 2) - GAUSSIAN_Y


MEYER_Y = np.array([34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005,
                    5147, 4427, 3820, 3307, 2872], dtype=float)


def meyer(x):
    t = 45 + 5 * np.arange(1, 17)
    return x[0] * np.exp(x[1] / (t + x[2])) - MEYER_Y


def box_3d(x):
    t = 0.1 * np.arange(1, 11)
    return np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * (np.exp(-t) - np.exp(-10 * t))


KOWALIK_Y = np.array([0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323,
                      0.0235, 0.0246])
KOWALIK_U = np.array([4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])


def kowalik_osborne(x):
    u = KOWALIK_U
    return KOWALIK_Y - x[0] * (u ** 2 + u * x[1]) / (u ** 2 + u * x[2] + x[3])


OSBORNE1_Y = np.array([0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784,
                       0.751, 0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522,
                       0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420,
                       0.414, 0.411, 0.406])


def osborne1(x):
    t = 10 * np.arange(33)
    return OSBORNE1_Y - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))


def powell_singular(x):
    return np.array([x[0] + 10 * x[1], math.sqrt(5) * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2,
                     math.sqrt(10) * (x[0] - x[3]) ** 2])


# (name, residuals, start, known minimum of sum r^2 (MGH 1981), known minimizer or None)
MGH = [
    ("rosenbrock", rosenbrock, [-1.2, 1.0], 0.0, [1.0, 1.0]),
    ("powell badly scaled", powell_badly_scaled, [0.0, 1.0], 0.0,
     [1.098159329699759e-05, 9.106146739867318]),
    ("brown badly scaled", brown_badly_scaled, [1.0, 1.0], 0.0, [1e6, 2e-6]),
    ("beale", beale, [1.0, 1.0], 0.0, [3.0, 0.5]),
    ("jennrich-sampson", jennrich_sampson, [0.3, 0.4], 124.362182355, None),
    ("helical valley", helical_valley, [-1.0, 0.0, 0.0], 0.0, [1.0, 0.0, 0.0]),
    ("bard", bard, [1.0, 1.0, 1.0], 8.21487730657e-3, None),
    ("gaussian", gaussian, [0.4, 1.0, 0.0], 1.12793276961e-8, None),
    ("meyer", meyer, [0.02, 4000.0, 250.0], 87.9458551718, None),
    ("box 3-d", box_3d, [0.0, 10.0, 20.0], 0.0, [1.0, 10.0, 1.0]),
    ("kowalik-osborne", kowalik_osborne, [0.25, 0.39, 0.415, 0.39], 3.07505603849e-4, None),
    ("osborne 1", osborne1, [0.5, 1.5, -1.0, 0.01, 0.02], 5.46489469748e-5, None),
    ("powell singular", powell_singular, [3.0, -1.0, 0.0, 1.0], 0.0, [0.0, 0.0, 0.0, 0.0]),
]


@pytest.mark.parametrize("name,fun,x0,fmin,xmin", MGH, ids=[p[0] for p in MGH])
def test_mgh_minima(name, fun, x0, fmin, xmin):
    res = fit(fun, x0)
    assert res.converged, (res.reason, res.message)
    assert res.method == METHOD
    assert res.cost == pytest.approx(float(fun(res.x) @ fun(res.x)), rel=1e-12, abs=1e-300)
    if fmin == 0.0:
        assert res.cost < 1e-20
    else:
        assert res.cost == pytest.approx(fmin, rel=1e-9)
    if xmin is not None and name != "powell singular":
        np.testing.assert_allclose(res.x, xmin, rtol=1e-8, atol=1e-12)
    if name == "powell singular":  # a singular minimum: linear convergence only
        assert np.max(np.abs(res.x)) < 1e-6
    assert res.jacobian.shape == (fun(res.x).size, len(x0))
    np.testing.assert_allclose(res.jacobian, complex_step(fun)(res.jacobian_at), rtol=1e-12,
                               atol=1e-300)
    # at most a last Gauss-Newton step away from x: the statistics cannot tell
    np.testing.assert_allclose(res.jacobian_at, res.x, rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(res.residuals, fun(res.x))
    assert res.evaluations <= 200 * (len(x0) + 1)
    assert res.jacobian_evaluations <= res.evaluations + 1


def test_freudenstein_roth_reaches_a_known_minimum():
    # from the standard start MINPACK (and scipy's lm) finds the local minimum 48.98...
    res = fit(freudenstein_roth, [0.5, -2.0])
    assert res.converged
    assert res.cost < 1e-20 or res.cost == pytest.approx(48.9842536792, rel=1e-9)


# ---------------------------------------------------------------- closed forms

def exact_least_squares(a, b):
    """The least-squares solution in exact rational arithmetic (normal equations, small n)."""
    fa = [[Fraction(float(v)) for v in row] for row in a]
    fb = [Fraction(float(v)) for v in b]
    m, n = a.shape
    mat = [[sum(fa[k][i] * fa[k][j] for k in range(m)) for j in range(n)] for i in range(n)]
    rhs = [sum(fa[k][i] * fb[k] for k in range(m)) for i in range(n)]
    for i in range(n):
        for k in range(i + 1, n):
            f = mat[k][i] / mat[i][i]
            mat[k] = [u - f * w for u, w in zip(mat[k], mat[i])]
            rhs[k] -= f * rhs[i]
    x = [Fraction(0)] * n
    for i in reversed(range(n)):
        x[i] = (rhs[i] - sum(mat[i][j] * x[j] for j in range(i + 1, n))) / mat[i][i]
    return np.array([float(v) for v in x])


def test_linear_regression_matches_lstsq():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(40, 3)) * [1.0, 100.0, 0.01]
    b = rng.normal(size=40)
    res = least_squares(lambda x: a @ x - b, lambda x: a, np.zeros(3))
    assert res.converged
    # the exact solution of the normal equations in rational arithmetic
    np.testing.assert_allclose(res.x, exact_least_squares(a, b), rtol=1e-14)
    # (numpy's SVD-based lstsq is 2.6e-12 off in the first entry here)
    np.testing.assert_allclose(res.x, np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-10)
    assert res.jacobian_evaluations <= 3
    stats = fit_statistics(res.jacobian, res.residuals, params=res.x, response=b)
    s2 = res.cost / 37
    cov = s2 * np.linalg.inv(a.T @ a)  # fine for this well-conditioned test matrix
    np.testing.assert_allclose(stats.covariance, cov, rtol=1e-10)
    np.testing.assert_allclose(stats.stderr, np.sqrt(np.diag(cov)), rtol=1e-10)
    np.testing.assert_allclose(stats.correlation, cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov))),
                               rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(stats.t_values, res.x / stats.stderr, rtol=1e-12)
    t = t_quantile(0.975, 37)
    np.testing.assert_allclose(stats.ci95[:, 0], res.x - t * stats.stderr, rtol=1e-12)
    np.testing.assert_allclose(stats.ci95[:, 1], res.x + t * stats.stderr, rtol=1e-12)
    assert stats.dof == 37 and stats.rank == 3 and stats.deficient == []
    assert stats.rss == pytest.approx(res.cost)
    assert stats.residual_sd == pytest.approx(math.sqrt(s2))
    assert stats.r2 == pytest.approx(1 - res.cost / np.sum((b - b.mean()) ** 2))
    assert isinstance(stats, FitStatistics) and isinstance(res, LeastSquaresResult)


def test_exponential_decay_exact_data():
    t = np.linspace(0, 20, 50)
    truth = np.array([100.0, 5.0, 1.0])
    y = truth[0] * np.exp(-t / truth[1]) + truth[2]
    res = fit(lambda p: p[0] * np.exp(-t / p[1]) + p[2] - y, [50.0, 2.0, 0.0])
    assert res.converged
    np.testing.assert_allclose(res.x, truth, rtol=1e-12)


def test_pivoted_qr_reconstructs():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(9, 4))
    a[:, 2] *= 1e-6
    vectors, r, perm = _qr_pivoted(a)
    q = np.column_stack([_apply_qt(vectors, e) for e in np.eye(9)]).T  # rows of Q^T -> Q
    np.testing.assert_allclose(q[:, :4] @ r, a[:, perm], atol=1e-13)
    assert np.all(np.diff(np.abs(np.diag(r))) <= 0)
    assert perm[-1] == 2


# ---------------------------------------------------------------- NIST Misra1a

MISRA1A_X = np.array([77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8,
                      593.1, 689.1, 760.0])
MISRA1A_Y = np.array([10.07, 14.73, 17.94, 23.93, 29.61, 35.18, 40.02, 44.82, 50.76, 55.05, 61.01,
                      66.40, 75.47, 81.78])
MISRA1A_PARAMS = np.array([2.3894212918e02, 5.5015643181e-04])
MISRA1A_STDERR = np.array([2.7070075241e00, 7.2668688436e-06])
MISRA1A_RSS = 1.2455138894e-01
MISRA1A_SD = 1.0187876330e-01


def misra1a(b):
    return b[0] * (1 - np.exp(-b[1] * MISRA1A_X)) - MISRA1A_Y


def misra1a_jac(b):
    e = np.exp(-b[1] * MISRA1A_X)
    return np.column_stack([1 - e, b[0] * MISRA1A_X * e])


def digits(got, want):
    return -math.log10(max(np.max(np.abs(got - want) / np.abs(want)), 1e-16))


@pytest.mark.parametrize("x0", [[500.0, 1e-4], [250.0, 5e-4]])
def test_misra1a_certified(x0):
    res = least_squares(misra1a, misra1a_jac, np.array(x0))
    assert res.converged and res.reason == "ftol"
    assert digits(res.x, MISRA1A_PARAMS) > 10.5  # NIST certifies 11 digits
    stats = fit_statistics(res.jacobian, res.residuals, params=res.x,
                           response=MISRA1A_Y)
    # the Jacobian is the one before the last Gauss-Newton step (no new one for it)
    assert digits(stats.stderr, MISRA1A_STDERR) > 9
    assert stats.rss == pytest.approx(MISRA1A_RSS, rel=1e-9)
    assert stats.residual_sd == pytest.approx(MISRA1A_SD, rel=1e-9)
    assert stats.dof == 12 and stats.rank == 2 and stats.deficient == []
    assert abs(stats.correlation[0, 1]) < 1 and stats.correlation[0, 1] == stats.correlation[1, 0]
    assert 0.999 < stats.r2 < 1
    assert res.jacobian_evaluations <= 17


def test_misra1a_against_scipy_lm():
    optimize = pytest.importorskip("scipy.optimize")
    for x0 in ([500.0, 1e-4], [250.0, 5e-4]):
        ours = least_squares(misra1a, misra1a_jac, np.array(x0))
        theirs = optimize.least_squares(misra1a, x0, jac=misra1a_jac, method="lm")
        assert digits(ours.x, MISRA1A_PARAMS) >= digits(theirs.x, MISRA1A_PARAMS) + 0.9
        # scipy evaluates jac(x) once more after lmder returns, not counted in njev;
        # ours counts it.  At most one Jacobian more than scipy's real count, for
        # 11 digits instead of 10 (scipy's defaults stop 1e-8 early)
        assert ours.jacobian_evaluations <= (theirs.njev + 1) + 1


# ---------------------------------------------------------------- bad values

def test_nonfinite_start_is_a_result_not_a_traceback():
    res = least_squares(lambda x: np.array([np.nan, x[0]]), lambda x: np.eye(2)[:, :1],
                        np.array([1.0]))
    assert not res.converged and res.reason == "nonfinite"
    assert res.evaluations == 1 and res.jacobian_evaluations == 0
    res = least_squares(lambda x: np.array([x[0] - 1, x[0]]),
                        lambda x: np.array([[np.inf], [1.0]]), np.array([3.0]))
    assert not res.converged and res.reason == "nonfinite"
    assert res.message


def test_nonfinite_trial_shrinks_the_radius():
    # log is NaN left of 0; the first steps overshoot there and are rejected
    def fun(x):
        with np.errstate(invalid="ignore"):
            return np.array([np.log(x[0]) - math.log(1e-3), 1e-3 * (x[0] - 1e-3)])

    def jac(x):
        return np.array([[1 / x[0]], [1e-3]])

    res = least_squares(fun, jac, np.array([50.0]))
    assert res.converged
    assert res.x[0] == pytest.approx(1e-3, rel=1e-12)


def test_max_evals_and_callback():
    res = fit(rosenbrock, [-1.2, 1.0], max_evals=3)
    assert not res.converged and res.reason == "max-evals" and res.evaluations == 3
    seen = []
    res = fit(rosenbrock, [-1.2, 1.0], callback=lambda info: seen.append(info) or len(seen) == 2)
    assert res.reason == "callback" and not res.converged and res.iterations == 2
    assert [s["iteration"] for s in seen] == [1, 2]


def test_zero_residual_at_start():
    res = least_squares(lambda x: x - 1.0, lambda x: np.eye(2), np.array([1.0, 1.0]))
    assert res.converged and res.reason == "gtol" and res.cost == 0.0
    assert res.iterations == 0


# ---------------------------------------------------------------- statistics

def test_rank_deficiency_names_the_parameters():
    t = np.linspace(0, 1, 10)
    # y = a + b + c t: a and b enter only through their sum
    j = np.column_stack([np.ones(10), np.ones(10), t])
    r = np.sin(7 * t) * 1e-2
    stats = fit_statistics(j, r, params=np.array([1.0, 2.0, 3.0]))
    assert stats.rank == 2
    assert stats.deficient == [0, 1]
    assert np.all(np.isinf(stats.stderr[:2])) and np.isfinite(stats.stderr[2])
    assert math.isinf(stats.condition) or stats.condition > 1e14


def test_zero_column_is_deficient():
    j = np.column_stack([np.linspace(0, 1, 6), np.zeros(6)])
    stats = fit_statistics(j, np.full(6, 0.1))
    assert stats.deficient == [1] and stats.rank == 1


def test_ill_conditioned_but_full_rank():
    t = np.linspace(0, 1, 30)
    j = np.column_stack([t ** k for k in range(6)])
    stats = fit_statistics(j, np.cos(t) * 1e-3)
    assert stats.rank == 6 and stats.deficient == []
    assert 1e3 < stats.condition < 1e8
    assert stats.weakest.shape == (6,) and abs(np.linalg.norm(stats.weakest) - 1) < 1e-12


def test_t_quantile_closed_forms_and_tables():
    assert t_quantile(0.975, 1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-14)
    assert t_quantile(0.975, 2) == pytest.approx(0.95 / math.sqrt(2 * 0.975 * 0.025), rel=1e-14)
    # 15-digit values (R's qt, which agrees with scipy.stats.t.ppf)
    table = {5: 2.570581835636314, 10: 2.228138851986274, 12: 2.178812829667228,
             30: 2.042272456301238, 120: 1.979930405082440}
    for dof, want in table.items():
        assert t_quantile(0.975, dof) == pytest.approx(want, rel=1e-12), dof
    # the general solver agrees with the closed forms too
    assert t_quantile(0.025, 10) == -t_quantile(0.975, 10)
    assert t_quantile(0.5, 7) == 0.0
    assert math.isnan(t_quantile(0.975, 0))


def test_incomplete_beta_special_cases():
    assert incomplete_beta(1.0, 1.0, 0.3) == pytest.approx(0.3, rel=1e-14)
    assert incomplete_beta(2.0, 1.0, 0.3) == pytest.approx(0.09, rel=1e-14)
    assert incomplete_beta(0.5, 0.5, 0.25) == pytest.approx(2 / math.pi * math.asin(0.5), rel=1e-14)


def test_t_quantile_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    for dof in (1, 2, 3, 4, 7, 12, 25, 60, 200, 1000, 10 ** 4):
        for p in (0.6, 0.9, 0.975, 0.995, 0.9999):
            assert t_quantile(p, dof) == pytest.approx(stats.t.ppf(p, dof), rel=1e-11), (p, dof)


# ---------------------------------------------------------------- NIST higher difficulty

BOXBOD_X = np.array([1, 2, 3, 5, 7, 10.0])
BOXBOD_Y = np.array([109, 149, 149, 191, 213, 224.0])
RAT42_X = np.array([9, 14, 21, 28, 42, 57, 63, 70, 79.0])
RAT42_Y = np.array([8.93, 10.8, 18.59, 22.33, 39.35, 56.11, 61.73, 64.62, 67.08])
RAT43_X = np.arange(1, 16.0)
RAT43_Y = np.array([16.08, 33.83, 65.80, 97.20, 191.55, 326.20, 386.87, 520.53, 590.03, 651.92,
                    724.93, 699.56, 689.96, 637.56, 717.41])

# (name, residuals, the two NIST starts, certified parameters, certified stderr or None)
NIST_HARD = [
    ("BoxBOD", lambda b: b[0] * (1 - np.exp(-b[1] * BOXBOD_X)) - BOXBOD_Y,
     [[1.0, 1.0], [100.0, 0.75]], [2.1380940889e02, 5.4723748542e-01],
     [1.2354515176e01, 1.0455993237e-01]),
    ("Rat42", lambda b: b[0] / (1 + np.exp(b[1] - b[2] * RAT42_X)) - RAT42_Y,
     [[100.0, 1.0, 0.1], [75.0, 2.5, 0.07]], [7.2462237576e01, 2.6180768402e00, 6.7359200066e-02],
     None),
    ("Rat43", lambda b: b[0] / (1 + np.exp(b[1] - b[2] * RAT43_X)) ** (1 / b[3]) - RAT43_Y,
     [[100.0, 10.0, 1.0, 1.0], [700.0, 5.0, 0.75, 1.3]],
     [6.9964151270e02, 5.2771253025e00, 7.5962938329e-01, 1.2792483859e00], None),
    ("MGH09", lambda b: b[0] * (KOWALIK_U ** 2 + KOWALIK_U * b[1])
     / (KOWALIK_U ** 2 + KOWALIK_U * b[2] + b[3]) - KOWALIK_Y,
     [[25.0, 39.0, 41.5, 39.0], [0.25, 0.39, 0.415, 0.39]],
     [1.9280693458e-01, 1.9128232873e-01, 1.2305650693e-01, 1.3606233068e-01], None),
]


@pytest.mark.parametrize("start", [0, 1])
@pytest.mark.parametrize("name,fun,starts,params,stderr", NIST_HARD, ids=[p[0] for p in NIST_HARD])
def test_nist_higher_difficulty(name, fun, starts, params, stderr, start):
    # scipy's lm with defaults: BoxBOD and MGH09 from start 1 fail, the others 4-7 digits
    with np.errstate(over="ignore", invalid="ignore"):  # far trial steps overflow exp
        res = fit(fun, starts[start])
    assert res.converged, res.reason
    assert digits(res.x, np.array(params)) > 6.5
    if stderr is not None:
        stats = fit_statistics(res.jacobian, res.residuals)
        assert digits(stats.stderr, np.array(stderr)) > 6


# ---------------------------------------------------------------- NIST lower difficulty (small)

DANWOOD_X = np.array([1.309, 1.471, 1.490, 1.565, 1.611, 1.680])
DANWOOD_Y = np.array([2.138, 3.421, 3.597, 4.340, 4.882, 5.660])

NIST_LOWER = [
    ("DanWood", lambda b: b[0] * DANWOOD_X ** b[1] - DANWOOD_Y, [[1.0, 5.0], [0.7, 4.0]],
     [7.6886226176e-01, 3.8604055871e00], [1.8281973860e-02, 5.1726610913e-02]),
    ("Misra1b", lambda b: b[0] * (1 - (1 + b[1] * MISRA1A_X / 2) ** (-2)) - MISRA1A_Y,
     [[500.0, 1e-4], [300.0, 2e-4]], [3.3799746163e02, 3.9039091287e-04],
     [3.1643950207e00, 4.2547321834e-06]),
]


@pytest.mark.parametrize("start", [0, 1])
@pytest.mark.parametrize("name,fun,starts,params,stderr", NIST_LOWER, ids=[p[0] for p in NIST_LOWER])
def test_nist_lower_difficulty(name, fun, starts, params, stderr, start):
    res = fit(fun, starts[start])
    assert res.converged, res.reason
    assert digits(res.x, np.array(params)) > 9
    stats = fit_statistics(res.jacobian, res.residuals)
    assert digits(stats.stderr, np.array(stderr)) > 8


def test_a_plateau_is_not_a_minimum():
    # MINPACK's radius factor 100 jumps from BoxBOD's first start to b2 = 111, where
    # exp(-b2 x) underflows: the gradient is zero in float64 but the fit is poor
    from adcli.tools import least_squares as module
    fun = NIST_HARD[0][1]
    saved = module.FACTOR
    module.FACTOR = 100.0
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            res = fit(fun, [1.0, 1.0])
    finally:
        module.FACTOR = saved
    assert not res.converged and res.reason == "saturated"
    assert "plateau" in res.message


def _brown_dennis():
    """MGH 16 as a residual program: (f, jac, newton) by adcli on the arrays."""
    from adcli.engine import array_second, arrays

    t = np.arange(1.0, 21.0) / 5
    graph = adcli.parse("(b1 + t*b2 - exp(t))**2 + (b3 + b4*sin(t) - cos(t))**2").for_arrays()
    slot = {name: k for k, name in enumerate(graph.variables)}
    wrt = ("b1", "b2", "b3", "b4")

    def values(b):
        point = [None] * len(graph.variables)
        point[slot["t"]] = t
        for name, v in zip(wrt, b):
            point[slot[name]] = float(v)
        return arrays.forward(graph, point)

    def fun(b):
        return np.asarray(values(b)[graph.output])

    def jac(b):
        return array_second.jacobian(graph, values(b), wrt)

    def newton(b):
        return array_second.squares_hessian(graph, values(b), 1.0, wrt)

    return fun, jac, newton


BROWN_DENNIS = np.array([-11.59443990476, 13.20363005121, -0.4034394881769, 0.2367787744557])


def test_newton_polishes_a_large_residual_problem():
    """Brown-Dennis (RSS 85822): the cost's rounding hides x below 1e-7, so
    Gauss-Newton's tests stop at 5 to 7 digits; Newton's steps on the exact
    Hessian (newton=) reach what MGH's 13-digit minimizer shows."""
    fun, jac, newton = _brown_dennis()
    start = np.array([25.0, 5.0, -5.0, -1.0])
    plain = least_squares(fun, jac, start)
    polished = least_squares(fun, jac, start, newton=newton)
    assert plain.converged and polished.converged
    assert digits(plain.x, BROWN_DENNIS) < 9  # 5 to 7: where the cost's noise stops it
    assert digits(polished.x, BROWN_DENNIS) > 12
    assert polished.hessian_evaluations >= 2 and plain.hessian_evaluations == 0
    assert polished.jacobian_evaluations == plain.jacobian_evaluations
    np.testing.assert_allclose(polished.jacobian_at, plain.x)  # the statistics' J: no new one
