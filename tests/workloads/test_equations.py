"""adcli.workloads.equations: every system's text against an independent numpy
evaluation of the published equations (MINPACK's vecfcn, MGH 1981, the
practical systems' sources), at the starts and at random points; the known
roots give F = 0; adcli's Jacobian against central differences of the numpy
version; the set and the starts as MINPACK's hybrj test driver has them.

The numpy versions are written in matrix form (Chebyshev series by
numpy.polynomial, the integral equation by its kernel matrix, Watson's
gradient as A^T r), not term by term as the module writes text.
"""
import functools
import math

import numpy as np
import pytest

import adcli
from adcli.workloads import equations, problems

SYSTEMS = equations.SYSTEMS
PRACTICAL = equations.SYSTEMS_PRACTICAL
#: the builders at sizes outside the set
OTHER_SIZES = (equations.watson(3), equations.chebyquad(3), equations.brown_almost_linear(5),
               equations.discrete_boundary_value(20), equations.discrete_integral_equation(7),
               equations.trigonometric(5), equations.variably_dimensioned(6),
               equations.broyden_tridiagonal(7), equations.broyden_banded(12),
               equations.bratu(8))
ALL = SYSTEMS + PRACTICAL + OTHER_SIZES
IDS = [s.name for s in ALL]


@functools.cache
def graph(system):
    return adcli.parse(system.text, system.variables)


def adcli_values_and_jacobian(system, x):
    result = adcli.jacobian(graph(system), [float(v) for v in x], allow_nonfinite=True)
    values = np.array([result.values[f"F{k}"] for k in range(1, system.n + 1)])
    return values, np.asarray(result.matrix)


# --- independent numpy versions, from MINPACK's vecfcn / MGH's definitions --------


def _rosenbrock(x):
    return np.array([1 - x[0], 10 * (x[1] - x[0] ** 2)])


def _powell_singular(x):
    return np.array([x[0] + 10 * x[1], math.sqrt(5) * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2,
                     math.sqrt(10) * (x[0] - x[3]) ** 2])


def _powell_badly_scaled(x):
    return np.array([1e4 * x[0] * x[1] - 1, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001])


def _wood(x):
    a, b = x[1] - x[0] ** 2, x[3] - x[2] ** 2
    return np.array([-200 * x[0] * a - (1 - x[0]),
                     200 * a + 20.2 * (x[1] - 1) + 19.8 * (x[3] - 1),
                     -180 * x[2] * b - (1 - x[2]),
                     180 * b + 20.2 * (x[3] - 1) + 19.8 * (x[1] - 1)])


def _helical_valley(x):
    # MINPACK's piecewise angle, literally
    if x[0] > 0:
        theta = math.atan(x[1] / x[0]) / (2 * math.pi)
    elif x[0] < 0:
        theta = math.atan(x[1] / x[0]) / (2 * math.pi) + 0.5
    else:
        theta = math.copysign(0.25, x[1])
    return np.array([10 * (x[2] - 10 * theta), 10 * (math.hypot(x[0], x[1]) - 1), x[2]])


def _watson(x):
    n = len(x)
    t = np.arange(1, 30) / 29
    k = np.arange(n)
    powers = t[:, None] ** k[None, :]  # t_i**(j-1), column j-1
    s = powers @ x
    lower = np.zeros_like(powers)
    lower[:, 1:] = k[1:] * t[:, None] ** (k[1:] - 1)  # d/dx_j of sum (j-1) x_j t**(j-2)
    r = lower @ x - s ** 2 - 1
    dr = lower - 2 * s[:, None] * powers
    q = x[1] - x[0] ** 2 - 1
    extra = np.zeros(n)
    extra[0] = x[0] - 2 * x[0] * q
    extra[1] = q
    return dr.T @ r + extra


def _chebyquad(x):
    n = len(x)
    out = np.empty(n)
    for i in range(1, n + 1):
        coefficients = np.zeros(i + 1)
        coefficients[i] = 1
        mean = np.polynomial.chebyshev.chebval(2 * x - 1, coefficients).mean()
        out[i - 1] = mean + (1 / (i * i - 1) if i % 2 == 0 else 0)
    return out


def _brown_almost_linear(x):
    n = len(x)
    out = x + x.sum() - (n + 1)
    out[-1] = np.prod(x) - 1
    return out


def _grid(n):
    h = 1 / (n + 1)
    return h, h * np.arange(1, n + 1)


def _discrete_boundary_value(x):
    h, t = _grid(len(x))
    padded = np.concatenate([[0.0], x, [0.0]])
    return 2 * x - padded[:-2] - padded[2:] + h * h * (x + t + 1) ** 3 / 2


def _discrete_integral_equation(x):
    h, t = _grid(len(x))
    kernel = np.minimum(t[:, None] * (1 - t[None, :]), t[None, :] * (1 - t[:, None]))
    return x + h / 2 * kernel @ ((x + t + 1) ** 3)


def _trigonometric(x):
    n = len(x)
    k = np.arange(1, n + 1)
    return n + k - np.sin(x) - np.cos(x).sum() - k * np.cos(x)


def _variably_dimensioned(x):
    k = np.arange(1, len(x) + 1)
    s = k @ (x - 1)
    return x - 1 + k * s * (1 + 2 * s * s)


def _broyden_tridiagonal(x):
    padded = np.concatenate([[0.0], x, [0.0]])
    return (3 - 2 * x) * x - padded[:-2] - 2 * padded[2:] + 1


def _broyden_banded(x):
    n = len(x)
    out = np.empty(n)
    for k in range(n):
        band = [j for j in range(max(0, k - 5), min(n - 1, k + 1) + 1) if j != k]
        out[k] = x[k] * (2 + 5 * x[k] ** 2) + 1 - sum(x[j] * (1 + x[j]) for j in band)
    return out


def _chemical_equilibrium(x):
    x1, x2, x3, x4, x5 = x
    r, r5, r6, r7 = 10, 0.193, 0.002597 / math.sqrt(40), 0.003448 / math.sqrt(40)
    r8, r9, r10 = 0.00001799 / 40, 0.0002155 / math.sqrt(40), 0.00003846 / 40
    # Meintjes & Morgan's constraints, in the factored form they are printed in
    return np.array([
        x1 * (x2 + 1) - 3 * x5,
        x2 * (2 * x1 + x3 * (x3 + r7) + r8 + 2 * r10 * x2 + r9 * x4) + x1 - r * x5,
        x3 * (x2 * (2 * x3 + r7) + 2 * r5 * x3 + r6) - 8 * x5,
        x4 * (r9 * x2 + 2 * x4) - 4 * r * x5,
        x2 * (x1 + r10 * x2 + x3 * (x3 + r7) + r8 + r9 * x4) + x1 + x3 * (r5 * x3 + r6)
        + x4 ** 2 - 1])


def _two_link_arm(theta):
    elbow = np.array([2 * math.cos(theta[0]), 2 * math.sin(theta[0])])
    hand = elbow + 1.5 * np.array([math.cos(theta[0] + theta[1]), math.sin(theta[0] + theta[1])])
    return hand - np.array([1.5, 2.5])


def _bratu(u):
    n = len(u)
    h = 1 / (n + 1)
    second = (np.diag(-2.0 * np.ones(n)) + np.diag(np.ones(n - 1), 1)
              + np.diag(np.ones(n - 1), -1)) / h ** 2
    return second @ u + np.exp(u)


NUMPY = {1: _rosenbrock, 2: _powell_singular, 3: _powell_badly_scaled, 4: _wood,
         5: _helical_valley, 6: _watson, 7: _chebyquad, 8: _brown_almost_linear,
         9: _discrete_boundary_value, 10: _discrete_integral_equation, 11: _trigonometric,
         12: _variably_dimensioned, 13: _broyden_tridiagonal, 14: _broyden_banded,
         "chemical_equilibrium": _chemical_equilibrium, "two_link_arm": _two_link_arm,
         "bratu": _bratu, "wallis": lambda x: x ** 3 - 2 * x - 5,
         "dottie": lambda x: np.cos(x) - x,
         "kepler": lambda E: E - 0.9 * np.sin(E) - (1 - 0.9 * math.sin(1))}


def numpy_version(system):
    return NUMPY[system.number or system.name.removesuffix(f"_{system.n}")]


def points(system, count=3, seed=0):
    """The starts MINPACK uses and a few random points around x0."""
    rng = np.random.default_rng([seed, system.number, system.n])
    x0 = np.array(system.x0)
    scale = np.maximum(np.abs(x0), 0.5)
    yield from (np.array(system.start(f)) for f in (1, 10, 100))
    for _ in range(count):
        yield x0 + scale * rng.uniform(-1, 1, system.n)


# --- the texts against numpy ---------------------------------------------------------


@pytest.mark.parametrize("system", ALL, ids=IDS)
def test_values_equal_the_numpy_version(system):
    f = numpy_version(system)
    for x in points(system):
        with np.errstate(over="ignore"):
            expected = f(x)
        got, _ = adcli_values_and_jacobian(system, x)
        finite = np.isfinite(expected)
        assert np.array_equal(finite, np.isfinite(got)), (system.name, x)
        scale = 1 + np.abs(expected[finite])
        assert np.all(np.abs(got[finite] - expected[finite]) <= 1e-12 * scale), (system.name, x)


@pytest.mark.parametrize("system", ALL, ids=IDS)
def test_jacobian_matches_central_differences_of_numpy(system):
    f = numpy_version(system)
    for x in list(points(system))[:1] + list(points(system))[3:]:  # x0 and random
        _, jacobian = adcli_values_and_jacobian(system, x)
        differences = np.empty((system.n, system.n))
        for j in range(system.n):
            step = 1e-6 * max(1.0, abs(x[j]))
            up, down = x.copy(), x.copy()
            up[j] += step
            down[j] -= step
            differences[:, j] = (f(up) - f(down)) / (2 * step)
        scale = 1 + np.abs(jacobian).max()
        assert np.abs(jacobian - differences).max() <= 1e-6 * scale, (system.name, x)


@pytest.mark.parametrize("system", [s for s in ALL if s.roots], ids=lambda s: s.name)
def test_known_roots_give_zero(system):
    f = numpy_version(system)
    for root in system.roots:
        got, jacobian = adcli_values_and_jacobian(system, root)
        # rounding of the terms: |J| |x| plus the equations' constants
        tolerance = 1e-14 * (1 + np.abs(jacobian) @ (1 + np.abs(np.array(root))))
        assert np.all(np.abs(got) <= tolerance), (system.name, got)
        assert np.all(np.abs(f(np.array(root))) <= tolerance)


# --- the set as MINPACK's hybrj test has it ------------------------------------------

#: (problem number, n) of every case of MINPACK's hybrj test, in its order
MINPACK_CASES = [(1, 2), (2, 4), (3, 2), (4, 4), (5, 3), (6, 6), (6, 9), (7, 5), (7, 6), (7, 7),
                 (7, 8), (7, 9), (8, 10), (8, 30), (8, 40), (9, 10), (10, 1), (10, 10),
                 (11, 10), (12, 10), (13, 10), (14, 10)]


def test_the_set_is_minpacks():
    assert [(s.number, s.n) for s in SYSTEMS] == MINPACK_CASES
    assert len({s.name for s in ALL}) == len(ALL)
    assert {s.name for s in SYSTEMS} == set(equations.MINPACK_FACTORS)
    for s in ALL:
        assert s.variables == tuple(s.variables) and len(s.x0) == s.n
        assert adcli.parse(s.text, s.variables).output_names == tuple(
            f"F{k}" for k in range(1, s.n + 1))
        assert s.note


def test_standard_starts_are_minpacks_initpt():
    by = equations.by_name
    assert by("rosenbrock").x0 == (-1.2, 1.0)
    assert by("powell_singular").start(10) == (30.0, -10.0, 0.0, 10.0)
    assert by("helical_valley").start(100) == (-100.0, 0.0, 0.0)
    assert by("watson_6").x0 == (0.0,) * 6
    assert by("watson_9").start(10) == (10.0,) * 9  # x0 = 0: every component the factor
    assert by("chebyquad_5").x0 == pytest.approx([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6])
    assert by("discrete_boundary_value").x0[0] == pytest.approx(1 / 11 * (1 / 11 - 1))
    assert by("trigonometric").x0 == (0.1,) * 10
    assert by("variably_dimensioned").x0[-1] == 0.0
    assert by("broyden_banded").start(100) == (-100.0,) * 10
    assert equations.MINPACK_FACTORS["chebyquad_8"] == (1,)


def test_by_name():
    assert equations.by_name("watson_6").n == 6
    assert equations.by_name("wood_4") is equations.by_name("wood")
    assert equations.by_name("kepler").variables == ("E",)
    with pytest.raises(KeyError, match="watson_6"):
        equations.by_name("watson")


# --- cross-checks with the least-squares problems and the literature ------------------


def mgh_gradient(problem, x):
    result = adcli.grad(adcli.parse(problem.text, problem.variables), [float(v) for v in x])
    return np.array([result.gradient[name] for name in problem.variables])


@pytest.mark.parametrize("n", [6, 9])
def test_watson_is_half_the_gradient_of_mgh_watson(n):
    least_squares = problems.watson(n)
    system = equations.watson(n)
    for x in points(system):
        got, _ = adcli_values_and_jacobian(system, x)
        expected = mgh_gradient(least_squares, x) / 2
        assert np.abs(got - expected).max() <= 1e-10 * (1 + np.abs(expected).max())


def test_watson_root_is_mgh_minimizer():
    for n in (6, 9):
        _, _, xstar = problems.WATSON_MINIMA[n]
        got, _ = adcli_values_and_jacobian(equations.watson(n), xstar)
        # xstar has 15 digits and Watson's Hessian is ill-conditioned: ||F||
        # there is about 1e-9 of its value at x0, not rounding
        assert np.abs(got).max() < 1e-7


def test_wood_is_the_scaled_gradient_of_wood():
    least_squares = problems.wood()
    system = equations.wood()
    for x in points(system):
        gradient = mgh_gradient(least_squares, x)
        got, _ = adcli_values_and_jacobian(system, x)
        expected = gradient * np.array([0.5, 1, 0.5, 1])
        assert np.abs(got - expected).max() <= 1e-12 * (1 + np.abs(expected).max())


@pytest.mark.parametrize("name, root", [
    ("discrete_boundary_value", problems.BVP_SOLUTION_10),
    ("discrete_integral_equation_10", problems.BVP_SOLUTION_10),
    ("broyden_tridiagonal", problems.BROYDEN_TRIDIAGONAL_10),
    ("broyden_banded", problems.BROYDEN_BANDED_10)])
def test_numerical_roots_from_the_least_squares_module(name, root):
    got, _ = adcli_values_and_jacobian(equations.by_name(name), root)
    assert np.abs(got).max() < 1e-13


def test_powell_badly_scaled_root_in_the_note():
    x1, x2 = 1.0981593296998e-05, 9.1061467398667  # MGH's digits
    got, _ = adcli_values_and_jacobian(equations.by_name("powell_badly_scaled"), (x1, x2))
    assert np.abs(got).max() < 1e-8
    assert "1.098159329699" in equations.by_name("powell_badly_scaled").note


def test_brown_almost_linear_other_roots():
    # (a, ..., a, a**(1-n)) with n a**n - (n+1) a**(n-1) + 1 = 0: the note's claim
    n = 10
    for a in np.roots([n, -(n + 1)] + [0] * (n - 2) + [1]):
        if abs(a.imag) < 1e-12 and abs(a.real - 1) > 1e-6:
            x = [a.real] * (n - 1) + [a.real ** (1 - n)]
            got, _ = adcli_values_and_jacobian(equations.by_name("brown_almost_linear_10"), x)
            assert np.abs(got).max() < 1e-12


# --- the practical systems -----------------------------------------------------------


def test_wallis_root_by_cardano():
    d = math.sqrt(643 / 108)
    assert (2.5 + d) ** (1 / 3) + (2.5 - d) ** (1 / 3) == pytest.approx(2.0945514815423265,
                                                                          rel=1e-15)


def test_dottie_number_is_a_fixed_point_of_cos():
    x = 0.7390851332151607
    assert math.cos(x) == pytest.approx(x, abs=2e-16)


def test_arm_roots_reach_the_target_and_differ_by_elbow():
    arm = equations.by_name("two_link_arm")
    (a1, a2), (b1, b2) = arm.roots
    assert a2 == pytest.approx(-b2) and a1 != pytest.approx(b1)
    for root in arm.roots:
        assert np.abs(_two_link_arm(np.array(root))).max() < 1e-15


def test_bratu_solution_is_near_the_continuous_closed_form():
    theta = 1.0  # theta = sqrt(2) cosh(theta/4), by fixed-point iteration
    for _ in range(200):
        theta = math.sqrt(2) * math.cosh(theta / 4)
    t = np.arange(1, 21) / 21
    continuous = -2 * np.log(np.cosh((t - 0.5) * theta / 2) / math.cosh(theta / 4))
    error = np.abs(np.array(equations.BRATU_SOLUTION_20) - continuous).max()
    assert 1e-6 < error < 5e-5  # the O(h**2) error of the differences: near, not equal


def test_chemical_root_is_in_realpavers_enclosure():
    # Realpaver 1.0 on the same system: the only root in [0, 1000]**5, enclosed
    enclosure = [(0.003114102265, 0.003114102266), (34.59792453, 34.59792454),
                 (0.06504177869, 0.0650417787), (0.8593780505, 0.8593780506),
                 (0.03695185914, 0.03695185915)]
    (root,) = equations.by_name("chemical_equilibrium").roots
    for value, (low, high) in zip(root, enclosure):
        assert low <= value <= high


def test_kepler_root():
    (system, ) = [s for s in PRACTICAL if s.name == "kepler"]
    assert system.x0 == (1 - 0.9 * math.sin(1),)
    assert system.roots == ((1.0,),)


def test_builders_name_other_sizes_by_their_size():
    assert equations.discrete_boundary_value(20).name == "discrete_boundary_value_20"
    assert equations.discrete_boundary_value(10).name == "discrete_boundary_value"
    assert equations.watson(12).name == "watson_12"
    assert equations.bratu(50).name == "bratu_50" and not equations.bratu(50).roots
    assert equations.chebyquad(3).roots  # closed-form Chebyshev nodes for n <= 3


@pytest.mark.parametrize("system", [equations.chebyquad(n) for n in (1, 2, 3)],
                         ids=lambda s: s.name)
def test_chebyquad_closed_form_roots(system):
    for root in system.roots:
        assert np.abs(_chebyquad(np.array(root))).max() < 1e-15


def test_initial_norms_are_minpacks_to_its_8_digits():
    # MINPACK's own output for its 55 runs: the texts and the starts agree
    # with its vecfcn and initpt at every run (to the 8 digits it prints)
    assert set(equations.MINPACK_RESULTS) == {(s.name, f) for s in SYSTEMS
                                              for f in equations.MINPACK_FACTORS[s.name]}
    assert len(equations.MINPACK_RESULTS) == 55
    for (name, factor), (initial, *_) in equations.MINPACK_RESULTS.items():
        system = equations.by_name(name)
        values, _ = adcli_values_and_jacobian(system, system.start(factor))
        assert abs(np.linalg.norm(values) - initial) <= 5e-8 * initial, (name, factor)


def test_minpack_from_x0_reaches_a_wood_saddle_that_is_a_root():
    # MINPACK's hybrj1 from Wood's x0 ends at the saddle the note names
    saddle = (-0.96797402, 0.94713914, -0.96951631, 0.95124767)  # as MINPACK prints it
    values, jacobian = adcli_values_and_jacobian(equations.by_name("wood"), saddle)
    step = np.linalg.solve(jacobian, -values)
    assert np.abs(step).max() < 1e-7  # a root within the printed digits
    assert "-0.96797" in equations.by_name("wood").note
