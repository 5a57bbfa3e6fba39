"""adcli.fit beyond NIST: the curve fits of Moré, Garbow and Hillstrom's test
set (ACM TOMS 7, 1981) from their standard starts against the published
minima; weighted fits against the closed form and an independent Gauss-Newton;
bounds active at the solution against the closed form of the rest; a fixed
parameter against the model with the number written in; and random models
against scipy's curve_fit with an exact Jacobian (where scipy is installed).

The MGH parameters to 13 digits (REFERENCE) are Newton's method on the
gradient of the sum of squares in 50-digit arithmetic (mpmath), on the data
as written: independent of any float64 solver; each sum of squares agrees
with the one MGH publish (MINIMA) to their 6 digits."""
import math

import numpy as np
import pytest

import adcli


def _mgh():
    problems = {}
    u = np.arange(1.0, 16.0)
    problems["bard"] = (
        "b1 + u/(b2*v + b3*w)",
        {"u": u, "v": 16 - u, "w": np.minimum(u, 16 - u),
         "y": [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34,
               2.10, 4.39]},
        {"b1": 1, "b2": 1, "b3": 1})
    problems["kowalik_osborne"] = (
        "b1*(u**2 + u*b2)/(u**2 + u*b3 + b4)",
        {"u": [4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625],
         "y": [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323,
               0.0235, 0.0246]},
        {"b1": 0.25, "b2": 0.39, "b3": 0.415, "b4": 0.39})
    problems["meyer"] = (
        "b1*exp(b2/(t + b3))",
        {"t": 45 + 5 * np.arange(1.0, 17.0),
         "y": [34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005,
               5147, 4427, 3820, 3307, 2872]},
        {"b1": 0.02, "b2": 4000, "b3": 250})
    problems["osborne1"] = (
        "b1 + b2*exp(-t*b4) + b3*exp(-t*b5)",
        {"t": 10 * np.arange(33.0),
         "y": [0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751,
               0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490,
               0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406]},
        {"b1": 0.5, "b2": 1.5, "b3": -1, "b4": 0.01, "b5": 0.02})
    problems["osborne2"] = (
        "b1*exp(-t*b5) + b2*exp(-(t - b9)**2*b6) + b3*exp(-(t - b10)**2*b7)"
        " + b4*exp(-(t - b11)**2*b8)",
        {"t": 0.1 * np.arange(65.0),
         "y": [1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746,
               0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649,
               0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395,
               0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653,
               0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739,
               0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054]},
        dict(zip([f"b{k}" for k in range(1, 12)],
                 [1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5])))
    problems["gaussian"] = (
        "b1*exp(-b2*(t - b3)**2/2)",
        {"t": (8 - np.arange(1.0, 16.0)) / 2,
         "y": [0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521,
               0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009]},
        {"b1": 0.4, "b2": 1, "b3": 0})
    problems["brown_dennis"] = (
        "(b1 + t*b2 - exp(t))**2 + (b3 + b4*sin(t) - cos(t))**2",
        {"t": np.arange(1.0, 21.0) / 5, "y": np.zeros(20)},
        {"b1": 25, "b2": 5, "b3": -5, "b4": -1})
    t = 0.1 * np.arange(1.0, 14.0)
    problems["biggs_exp6"] = (
        "b3*exp(-t*b1) - b4*exp(-t*b2) + b6*exp(-t*b5)",
        {"t": t, "y": np.exp(-t) - 5 * np.exp(-10 * t) + 3 * np.exp(-4 * t)},
        {"b1": 1, "b2": 2, "b3": 1, "b4": 1, "b5": 1, "b6": 1})
    return problems


MGH = _mgh()
#: the sums of squares MGH publish (Biggs EXP6: its global minimum, 0, which
#: adcli reaches; MGH list the local one, 5.65565e-3, beside it)
MINIMA = {"bard": 8.21487e-3, "kowalik_osborne": 3.07505e-4, "meyer": 87.9458,
          "osborne1": 5.46489e-5, "osborne2": 4.01377e-2, "gaussian": 1.12793e-8,
          "brown_dennis": 85822.2, "biggs_exp6": 0.0}
REFERENCE = {
    "bard": [0.08241055974979, 1.133036092030, 2.343695178643],
    "kowalik_osborne": [0.1928069345790, 0.1912823287344, 0.1230565069263, 0.1360623306838],
    "meyer": [0.005609636471028, 6181.346346286, 345.2236346241],
    "osborne1": [0.3754100521070, 1.935846912712, -1.464687136613, 0.01286753464006,
                 0.02212269966167],
    "osborne2": [1.309977154627, 0.4315537946030, 0.6336616989607, 0.5994305347859,
                 0.7541832263280, 0.9042885798596, 1.365811835237, 4.823698817227,
                 2.398684866132, 4.568874597668, 5.675341470581],
    "gaussian": [0.3989561378388, 1.000019084488, 0.0],
    "brown_dennis": [-11.59443990476, 13.20363005121, -0.4034394881769, 0.2367787744557],
}


def digits(found, reference):
    """The worst parameter's correct digits (absolute for a reference of 0)."""
    worst = max(abs(f - r) / (abs(r) or 1.0) for f, r in zip(found, reference))
    return 15.0 if worst == 0 else min(15.0, -math.log10(worst))


@pytest.mark.parametrize("name", list(MGH))
def test_mgh_minima_as_published(name):
    model, data, start = MGH[name]
    result = adcli.fit(model, data, start)
    assert result.converged, result.message
    if MINIMA[name]:
        assert result.rss == pytest.approx(MINIMA[name], rel=1e-5)
    else:
        assert result.rss < 1e-28
        found = [result.params[f"b{k}"] for k in range(1, 7)]
        # the global minimum, up to swapping the two exponentials of unit weight
        assert found == pytest.approx([1, 10, 1, 5, 4, 3], rel=1e-12) or \
            found == pytest.approx([4, 10, 3, 5, 1, 1], rel=1e-12)


@pytest.mark.parametrize("name", list(REFERENCE))
def test_mgh_parameters_to_nine_digits(name):
    """Kowalik-Osborne's flat minimum and Brown-Dennis's large residuals stop
    the cost's own tests at 7 digits (its changes fall below rounding while x
    still moves); Newton's polish, kept by the gradient, reaches the rest."""
    model, data, start = MGH[name]
    result = adcli.fit(model, data, start)
    assert digits([result.params[n] for n in start], REFERENCE[name]) >= 9


# --- weights ---------------------------------------------------------------------------

RNG = np.random.default_rng(13)
T = np.linspace(0.0, 10.0, 40)
SIGMA = 0.05 + 0.1 * RNG.random(T.size)


def test_a_weighted_line_matches_the_closed_form():
    y = 1.5 - 0.8 * T + SIGMA * RNG.normal(size=T.size)
    result = adcli.fit("b0 + b1*t", {"t": T, "y": y, "s": SIGMA}, {"b0": 0, "b1": 0}, sigma="s")
    w = 1 / SIGMA ** 2
    design = np.column_stack([np.ones_like(T), T])
    normal = design.T @ (w[:, None] * design)
    coefficients = np.linalg.solve(normal, design.T @ (w * y))
    chi2 = float(np.sum(w * (y - design @ coefficients) ** 2))
    errors = np.sqrt(np.diag(np.linalg.inv(normal)) * chi2 / (T.size - 2))
    assert [result.params["b0"], result.params["b1"]] == pytest.approx(coefficients, rel=1e-13)
    assert [result.stderr["b0"], result.stderr["b1"]] == pytest.approx(errors, rel=1e-10)
    assert result.rss == pytest.approx(chi2, rel=1e-12)


def _gauss_newton(residual, jacobian, start, steps=100):
    """An independent Gauss-Newton (numpy lstsq) run to a fixed point."""
    p = np.array(start, dtype=float)
    for _ in range(steps):
        step = np.linalg.lstsq(jacobian(p), -residual(p), rcond=None)[0]
        p = p + step
        if np.all(np.abs(step) <= 1e-15 * np.abs(p)):
            break
    return p


def test_exponential_decay_with_sigma_matches_weighted_gauss_newton(run_cli, tmp_path):
    counts = 120 * np.exp(-T / 3.2) + 4 + SIGMA * 20 * RNG.normal(size=T.size)
    err = SIGMA * 20

    def residual(p):
        return (counts - (p[0] * np.exp(-T / p[1]) + p[2])) / err

    def jacobian(p):  # d residual / d (a, tau, c), by hand
        e = np.exp(-T / p[1])
        return -np.column_stack([e, p[0] * e * T / p[1] ** 2, np.ones_like(T)]) / err[:, None]
    p = _gauss_newton(residual, jacobian, [100, 5, 1])
    j = jacobian(p)
    chi2 = float(residual(p) @ residual(p))
    errors = np.sqrt(np.diag(np.linalg.inv(j.T @ j)) * chi2 / (T.size - 3))

    path = tmp_path / "decay.csv"
    path.write_text("t,counts,err\n" + "".join(
        f"{a!r},{b!r},{c!r}\n" for a, b, c in zip(T.tolist(), counts.tolist(), err.tolist())))
    import json
    result = run_cli("fit", "a*exp(-t/tau) + c", "--data", path, "--y", "counts", "--sigma",
                     "err", "--from", "a=100,tau=5,c=1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [document["params"][n] for n in ("a", "tau", "c")] == pytest.approx(p, rel=1e-11)
    assert [document["stderr"][n] for n in ("a", "tau", "c")] == pytest.approx(errors, rel=1e-8)
    assert document["rss"] == pytest.approx(chi2, rel=1e-12)


# --- bounds and fixed parameters ---------------------------------------------------------

Y_DECAY = 2.0 * np.exp(-0.5 * T / 2.5) + 0.01 * RNG.normal(size=T.size)


def _amplitude_at(k):
    """The least-squares a of a*exp(-k*t) for k held: its closed form."""
    e = np.exp(-k * T)
    return float(Y_DECAY @ e / (e @ e))


@pytest.mark.parametrize("bounds, start, k", [
    ((0.0, 0.15), 0.1, 0.15), ((0.3, np.inf), 1.0, 0.3), ((-np.inf, 0.15), 0.1, 0.15),
    ((0.25, 0.7), 0.6, 0.25), ((0.1, 0.19), 0.15, 0.19),
])
def test_a_bound_active_at_the_solution(bounds, start, k):
    result = adcli.fit("a*exp(-k*t)", {"t": T, "y": Y_DECAY}, {"a": 1, "k": start},
                       bounds={"k": bounds})
    assert result.converged and result.at_bounds == ("k",)
    assert result.params["k"] == k  # exactly on it
    assert result.params["a"] == pytest.approx(_amplitude_at(k), rel=1e-13)


def test_an_inactive_bound_changes_nothing():
    free = adcli.fit("a*exp(-k*t)", {"t": T, "y": Y_DECAY}, {"a": 1, "k": 1})
    for bounds, start in (((0.1, 0.5), 0.11), ((0.1, np.inf), 0.49), ((-np.inf, 0.5), 0.11)):
        held = adcli.fit("a*exp(-k*t)", {"t": T, "y": Y_DECAY}, {"a": 1, "k": start},
                         bounds={"k": bounds})
        assert held.at_bounds == ()
        assert held.params == pytest.approx(free.params, rel=1e-12)
        assert held.stderr == pytest.approx(free.stderr, rel=1e-8)


def test_two_bounds_active_at_once():
    y = 3.0 * np.exp(-0.4 * T) + 0.5 + 0.01 * RNG.normal(size=T.size)

    def profile(k, c):  # the sum of squares with a at its closed form
        e = np.exp(-k * T)
        return float(np.sum((y - c - (y - c) @ e / (e @ e) * e) ** 2))
    h = 1e-6  # both bounds are active: the profile falls outward from each
    assert profile(0.25 + h, 0.1) < profile(0.25 - h, 0.1)
    assert profile(0.25, 0.1 + h) < profile(0.25, 0.1 - h)
    result = adcli.fit("a*exp(-k*t) + c", {"t": T, "y": y}, {"a": 1, "k": 0.2, "c": 0.05},
                       bounds={"k": (0.0, 0.25), "c": (-1.0, 0.1)})
    assert set(result.at_bounds) == {"k", "c"}
    assert (result.params["k"], result.params["c"]) == (0.25, 0.1)
    e = np.exp(-0.25 * T)
    assert result.params["a"] == pytest.approx(float((y - 0.1) @ e / (e @ e)), rel=1e-13)


def test_a_start_on_a_bound_is_refused():
    with pytest.raises(adcli.PointError, match="is on its bound"):
        adcli.fit("a*exp(-k*t)", {"t": T, "y": Y_DECAY}, {"a": 1, "k": 0.3},
                  bounds={"k": (0.3, 0.6)})


def test_a_bound_in_json_and_on_stderr(run_cli, tmp_path):
    import json
    path = tmp_path / "d.csv"
    path.write_text("t,y\n" + "".join(f"{a!r},{b!r}\n" for a, b in zip(T.tolist(),
                                                                     Y_DECAY.tolist())))
    result = run_cli("fit", "a*exp(-k*t)", "--data", path, "--from", "a=1,k=0.1",
                     "--bounds", "k=0:0.15", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["at_bounds"] == ["k"]
    assert "warning: k ended on a bound" in result.stderr


def test_a_fixed_parameter_is_the_number_written_in():
    y = 2.0 * np.exp(-0.3 * T) + 0.4 + 0.01 * RNG.normal(size=T.size)
    fixed = adcli.fit("a*exp(-k*t) + c", {"t": T, "y": y}, {"a": 1, "k": 1}, fix={"c": 0.375})
    written = adcli.fit("a*exp(-k*t) + 0.375", {"t": T, "y": y}, {"a": 1, "k": 1})
    for name in ("a", "k"):
        assert fixed.params[name] == pytest.approx(written.params[name], rel=1e-14)
        assert fixed.stderr[name] == pytest.approx(written.stderr[name], rel=1e-12)
    assert fixed.dof == written.dof == T.size - 2


# --- random models against scipy -------------------------------------------------------

#: (model, its values and exact Jacobian in numpy, by hand, true parameters)
TEMPLATES = [
    ("a*exp(-k*t) + b*exp(-m*t)",
     lambda p, t: p[0] * np.exp(-p[1] * t) + p[2] * np.exp(-p[3] * t),
     lambda p, t: np.column_stack([np.exp(-p[1] * t), -p[0] * t * np.exp(-p[1] * t),
                                   np.exp(-p[3] * t), -p[2] * t * np.exp(-p[3] * t)]),
     ("a", "k", "b", "m"), lambda rng: [rng.uniform(1, 3), rng.uniform(0.1, 0.3),
                                        rng.uniform(1, 3), rng.uniform(1.0, 2.0)]),
    ("h*exp(-(t - c)**2/(2*w**2)) + z",
     lambda p, t: p[0] * np.exp(-(t - p[1]) ** 2 / (2 * p[2] ** 2)) + p[3],
     lambda p, t: np.column_stack([
         np.exp(-(t - p[1]) ** 2 / (2 * p[2] ** 2)),
         p[0] * np.exp(-(t - p[1]) ** 2 / (2 * p[2] ** 2)) * (t - p[1]) / p[2] ** 2,
         p[0] * np.exp(-(t - p[1]) ** 2 / (2 * p[2] ** 2)) * (t - p[1]) ** 2 / p[2] ** 3,
         np.ones_like(t)]),
     ("h", "c", "w", "z"), lambda rng: [rng.uniform(2, 5), rng.uniform(3, 7),
                                        rng.uniform(0.8, 2), rng.uniform(-1, 1)]),
    ("L/(1 + exp(-g*(t - m)))",
     lambda p, t: p[0] / (1 + np.exp(-p[1] * (t - p[2]))),
     lambda p, t: np.column_stack([
         1 / (1 + np.exp(-p[1] * (t - p[2]))),
         p[0] * (t - p[2]) * np.exp(-p[1] * (t - p[2])) / (1 + np.exp(-p[1] * (t - p[2]))) ** 2,
         -p[0] * p[1] * np.exp(-p[1] * (t - p[2])) / (1 + np.exp(-p[1] * (t - p[2]))) ** 2]),
     ("L", "g", "m"), lambda rng: [rng.uniform(5, 10), rng.uniform(0.8, 2), rng.uniform(4, 6)]),
    ("(a + b*t)/(1 + c*t)",
     lambda p, t: (p[0] + p[1] * t) / (1 + p[2] * t),
     lambda p, t: np.column_stack([1 / (1 + p[2] * t), t / (1 + p[2] * t),
                                   -t * (p[0] + p[1] * t) / (1 + p[2] * t) ** 2]),
     ("a", "b", "c"), lambda rng: [rng.uniform(0.5, 2), rng.uniform(1, 3), rng.uniform(0.1, 1)]),
    ("A*exp(-d*t)*sin(w*t + f)",
     lambda p, t: p[0] * np.exp(-p[1] * t) * np.sin(p[2] * t + p[3]),
     lambda p, t: np.column_stack([
         np.exp(-p[1] * t) * np.sin(p[2] * t + p[3]),
         -t * p[0] * np.exp(-p[1] * t) * np.sin(p[2] * t + p[3]),
         t * p[0] * np.exp(-p[1] * t) * np.cos(p[2] * t + p[3]),
         p[0] * np.exp(-p[1] * t) * np.cos(p[2] * t + p[3])]),
     ("A", "d", "w", "f"), lambda rng: [rng.uniform(1, 3), rng.uniform(0.05, 0.2),
                                        rng.uniform(1, 2), rng.uniform(0, 1)]),
    ("a*t**b + c",
     lambda p, t: p[0] * t ** p[1] + p[2],
     lambda p, t: np.column_stack([t ** p[1], p[0] * t ** p[1] * np.log(t), np.ones_like(t)]),
     ("a", "b", "c"), lambda rng: [rng.uniform(1, 3), rng.uniform(0.3, 1.5), rng.uniform(-1, 1)]),
]
CASES = [(k, seed) for k in range(len(TEMPLATES)) for seed in range(4)]


@pytest.mark.parametrize("k, seed", CASES, ids=[f"{TEMPLATES[k][0]}-{s}" for k, s in CASES])
def test_random_models_against_scipy_curve_fit(k, seed):
    optimize = pytest.importorskip("scipy.optimize")
    model, values, jacobian, names, draw = TEMPLATES[k]
    rng = np.random.default_rng(100 * k + seed)
    truth = np.array(draw(rng))
    t = np.linspace(0.1, 10.0, 60)
    y = values(truth, t) + 0.02 * rng.normal(size=t.size)
    start = truth * (1 + 0.1 * rng.uniform(-1, 1, size=truth.size))
    result = adcli.fit(model, {"t": t, "y": y}, dict(zip(names, start)))
    scipy_p, scipy_cov = optimize.curve_fit(
        lambda t, *p: values(p, t), t, y, p0=start, jac=lambda t, *p: jacobian(p, t),
        method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15, maxfev=100000)
    scipy_rss = float(np.sum((y - values(scipy_p, t)) ** 2))
    assert result.converged
    assert result.rss <= scipy_rss * (1 + 1e-12)  # never a worse minimum
    found = np.array([result.params[n] for n in names])
    assert found == pytest.approx(scipy_p, rel=1e-8, abs=1e-12)
    assert [result.stderr[n] for n in names] == pytest.approx(np.sqrt(np.diag(scipy_cov)),
                                                             rel=1e-6)


# --- a linear model as ill-conditioned as they come, and a start that cannot move -----------

LONGLEY = {  # NIST StRD Longley (1967): employment against six economic series
    "y": [60323, 61122, 60171, 61187, 63221, 63639, 64989, 63761, 66019, 67857, 68169, 66513,
          68655, 69564, 69331, 70551],
    "x1": [83.0, 88.5, 88.2, 89.5, 96.2, 98.1, 99.0, 100.0, 101.2, 104.6, 108.4, 110.8, 112.6,
           114.2, 115.7, 116.9],
    "x2": [234289, 259426, 258054, 284599, 328975, 346999, 365385, 363112, 397469, 419180,
           442769, 444546, 482704, 502601, 518173, 554894],
    "x3": [2356, 2325, 3682, 3351, 2099, 1932, 1870, 3578, 2904, 2822, 2936, 4681, 3813, 3931,
           4806, 4007],
    "x4": [1590, 1456, 1616, 1650, 3099, 3594, 3547, 3350, 3048, 2857, 2798, 2637, 2552, 2514,
           2572, 2827],
    "x5": [107608, 108632, 109773, 110929, 112075, 113270, 115094, 116219, 117388, 118734,
           120445, 121950, 123366, 125368, 127852, 130081],
    "x6": list(range(1947, 1963)),
}
LONGLEY_CERTIFIED = [-3482258.63459582, 15.0618722713733, -0.0358191792925910,
                     -2.02022980381683, -1.03322686717359, -0.0511041056535807, 1829.15146461355]
LONGLEY_STDERR = [890420.383607373, 84.9149257747669, 0.0334910077722432, 0.488399681651699,
                  0.214274163161675, 0.226073200069370, 455.478499142212]


def test_longley_as_certified():
    model = "b0 + " + " + ".join(f"b{k}*x{k}" for k in range(1, 7))
    result = adcli.fit(model, LONGLEY, {f"b{k}": 0 for k in range(7)})
    assert result.converged
    names = [f"b{k}" for k in range(7)]
    assert digits([result.params[n] for n in names], LONGLEY_CERTIFIED) >= 10
    assert digits([result.stderr[n] for n in names], LONGLEY_STDERR) >= 10
    assert result.residual_sd == pytest.approx(304.854073561965, rel=1e-10)
    assert result.r2 == pytest.approx(0.995479004577296, rel=1e-12)


def test_a_parameter_that_cannot_leave_its_start_is_not_converged():
    x = np.linspace(0.1, 4.0, 25)
    result = adcli.fit("a*x + b**2", {"x": x, "y": 2 * x + 1}, {"a": 1, "b": 0})
    # b = 0 is stationary (d/db b**2 = 0), a saddle of the cost: b = 1 fits exactly
    assert not result.converged and result.reason == "saturated"
    assert "b never left its start" in result.message
    moved = adcli.fit("a*x + b**2", {"x": x, "y": 2 * x + 1}, {"a": 1, "b": 0.5})
    assert moved.converged and abs(moved.params["b"]) == pytest.approx(1.0, rel=1e-12)
    exact = adcli.fit("a*x + b**2", {"x": x, "y": 2 * x}, {"a": 1, "b": 0})
    assert exact.converged and exact.rss == 0.0  # at its start, and a perfect fit


def test_brown_dennis_from_a_hundred_times_its_start():
    """scipy's lm ends at 4 digits here; the polish takes adcli to float64's."""
    model, data, start = MGH["brown_dennis"]
    result = adcli.fit(model, data, {n: 100 * v for n, v in start.items()})
    assert digits([result.params[n] for n in start], REFERENCE["brown_dennis"]) >= 9


def test_a_logistic_run_onto_its_plateau_is_not_converged():
    rng = np.random.default_rng(1224)
    t = np.linspace(0.1, 10.0, 60)
    y = 6.6746558 / (1 + np.exp(-1.92027807 * (t - 5.79189035))) + 0.02 * rng.normal(size=60)
    result = adcli.fit("L/(1 + exp(-g*(t - m)))", {"t": t, "y": y},
                       {"L": 2.93401028, "g": 1.33859335, "m": 10.36044229})
    # from this start the step leaves the data (exp(-g (t - m)) underflows for every
    # row): the sum of squares is flat in g and m, hundreds of times the minimum's
    assert result.converged is False or result.rss < 0.1
    if not result.converged:
        assert result.reason == "saturated" and "no longer change" in result.message
