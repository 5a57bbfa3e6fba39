"""Systems of nonlinear equations F(x) = 0 as adcli program text.

The test set MINPACK's ``hybrj`` was tested on: the fourteen systems of
Moré, Garbow and Hillstrom ("Testing unconstrained optimization software",
ACM TOMS 7(1), 1981, 17-41), in the form and at the sizes of MINPACK's test
driver (its ``vecfcn``, ``initpt`` and the hybrj test data), plus a few
practical systems (``SYSTEMS_PRACTICAL``).  Used by the tests and by
bench/solve.py::

    from adcli.workloads import equations
    s = equations.by_name("watson_6")
    graph = adcli.parse(s.text, s.variables)     # outputs F1..Fn, in order
    adcli.jacobian(graph, s.start(10))            # J at 10*x0

Every text ends with ``output F1, F2, ..., Fn``: the outputs are the
equations, the variables x1..xn the unknowns (the practical systems name
theirs: ``theta1``, ``E``, ...).  ``x0`` is the standard start and
``start(factor)`` the start MINPACK's test uses for factor 1, 10, 100.
``roots`` lists the MINPACK systems' roots known in closed form (some of
them where the roots are many); a root known only numerically is in
``note``.  The practical systems list their reference roots, closed form or
computed to rounding, each note saying which and how.

Where MGH's least-squares problem has residuals r1..rm with m = n (most of
them), the system is r = 0, in MINPACK's order.  Wood's residuals (m = 6)
and Watson's (m = 31, minimum above zero) are not square systems: MINPACK
solves their gradient systems instead, and so do these texts (see notes).

Scalable systems have builders (``watson(n)``, ``chebyquad(n)``, ...);
``SYSTEMS`` holds one System per (problem, n) that MINPACK's hybrj test runs.
Pure Python: nothing imported beyond the standard library.
"""
import math
from dataclasses import dataclass

from . import problems

MGH = ("J. J. Moré, B. S. Garbow, K. E. Hillstrom, Testing unconstrained "
       "optimization software, ACM Trans. Math. Software 7 (1981) 17-41")
MINPACK = ("MINPACK-1 (Argonne, 1980), the hybrj test driver's vecfcn and initpt "
           "(J. J. Moré, B. S. Garbow, K. E. Hillstrom, User Guide for MINPACK-1, "
           "ANL-80-74)")


@dataclass(frozen=True)
class System:
    """The square system F(x) = 0: the outputs of ``text`` over ``variables``."""

    name: str  # snake_case; "watson_6" where MINPACK tests several sizes
    number: int  # MINPACK's problem number 1..14; 0 for the practical systems
    text: str  # adcli program text; parse with adcli.parse(text, variables)
    variables: tuple  # ("x1", ..., "xn")
    x0: tuple  # the standard start (MINPACK's initpt, factor 1)
    roots: tuple = ()  # known roots, each a tuple in variable order (module docstring)
    note: str = ""

    @property
    def n(self):
        return len(self.variables)

    def start(self, factor=1):
        """The start MINPACK's initpt gives for ``factor``: x0 for factor 1,
        else factor * x0, except that where x0 is the origin (Watson) every
        component is ``factor`` (a multiple of zero would be zero again)."""
        factor = float(factor)
        if factor == 1.0:
            return self.x0
        if all(v == 0.0 for v in self.x0):
            return (factor,) * self.n
        return tuple(factor * v for v in self.x0)


# --- writing text ----------------------------------------------------------------


def _names(n):
    return tuple(f"x{j}" for j in range(1, n + 1))


def _num(value):
    """The shortest text that reads back as the float (repr), without ".0"."""
    return repr(float(value)).removesuffix(".0")


def _sum(terms):
    return " + ".join(terms).replace("+ -", "- ")


def _program(equations, definitions=()):
    """Program text: definitions, F1..Fn, and ``output F1, ..., Fn``."""
    lines = list(definitions)
    lines += [f"F{k} = {equation}" for k, equation in enumerate(equations, 1)]
    lines.append("output " + ", ".join(f"F{k}" for k in range(1, len(equations) + 1)))
    return "\n".join(lines)


def _system(name, number, equations, x0, definitions=(), roots=(), note="", variables=None):
    return System(name=name, number=number, text=_program(equations, definitions),
                  variables=variables or _names(len(equations)),
                  x0=tuple(float(v) for v in x0),
                  roots=tuple(tuple(float(v) for v in root) for root in roots), note=note)


# --- MINPACK 1-5: fixed sizes ------------------------------------------------------


def rosenbrock():
    return _system("rosenbrock", 1, ["1 - x1", "10*(x2 - x1**2)"], (-1.2, 1),
                   roots=[(1, 1)], note="MGH 1; the one root (1, 1).")


def powell_singular():
    return _system(
        "powell_singular", 2,
        ["x1 + 10*x2", "sqrt(5)*(x3 - x4)", "(x2 - 2*x3)**2", "sqrt(10)*(x1 - x4)**2"],
        (3, -1, 0, 1), roots=[(0, 0, 0, 0)],
        note="MGH 13; the one root is the origin, where J is singular (rank 2): "
             "Newton-type methods converge linearly there.")


def powell_badly_scaled():
    return _system(
        "powell_badly_scaled", 3, ["10000*x1*x2 - 1", "exp(-x1) + exp(-x2) - 1.0001"],
        (0, 1),
        note="MGH 3; root (1.098159329699...e-5, 9.106146739866...), no closed form "
             "(and its mirror image with x1 and x2 exchanged).")


def wood():
    # MINPACK's form: Wood's gradient with its x1 and x3 components halved,
    # (df/dx1 / 2, df/dx2, df/dx3 / 2, df/dx4) for
    # f = 100(x2-x1^2)^2 + (1-x1)^2 + 90(x4-x3^2)^2 + (1-x3)^2
    #     + 10.1((x2-1)^2 + (x4-1)^2) + 19.8(x2-1)(x4-1)
    return _system(
        "wood", 4,
        ["-200*x1*(x2 - x1**2) - (1 - x1)",
         "200*(x2 - x1**2) + 20.2*(x2 - 1) + 19.8*(x4 - 1)",
         "-180*x3*(x4 - x3**2) - (1 - x3)",
         "180*(x4 - x3**2) + 20.2*(x4 - 1) + 19.8*(x2 - 1)"],
        (-3, -1, -3, -1), roots=[(1, 1, 1, 1)],
        note="MGH 14 as MINPACK poses it: the stationarity conditions of Wood's "
             "function (its gradient, the x1 and x3 components halved); the root "
             "(1, 1, 1, 1) is the minimum; the function's other stationary points, "
             "saddles near (-0.96797, 0.94714, -0.96952, 0.95125) and (-0.031251, "
             "0.16597, -0.031258, 0.18426) (found numerically), are roots too; "
             "MINPACK's own hybrj1 runs end at the first saddle.")


def helical_valley():
    # MGH's theta is atan(x2/x1)/(2 pi), plus 1/2 for x1 < 0 (MINPACK: +-1/4
    # on x1 = 0 by the sign of x2).  atan2(-x1, x2)/(2 pi) + 1/4 is the same
    # angle with the same jump (across the negative x2 axis) and no division
    # by x1; the starts (-1, 0, 0)*factor and the root are far from the jump.
    return _system(
        "helical_valley", 5,
        ["10*(x3 - 10*theta)", "10*(sqrt(x1**2 + x2**2) - 1)", "x3"], (-1, 0, 0),
        definitions=["theta = atan2(-x1, x2)/(2*pi) + 0.25"], roots=[(1, 0, 0)],
        note="MGH 7; root (1, 0, 0).  theta = atan2(-x1, x2)/(2*pi) + 1/4 equals "
             "MGH's piecewise arctan(x2/x1)/(2*pi) (+1/2 for x1 < 0) everywhere off "
             "the negative x2 axis, where both jump by 1; on it both give -1/4 (this "
             "text 3/4 for x1 = -0.0).")


# --- MINPACK 6-14: scalable ------------------------------------------------------


#: the sizes MINPACK's hybrj test runs each scalable problem at
MINPACK_SIZES = {"watson": (6, 9), "chebyquad": (5, 6, 7, 8, 9),
                 "brown_almost_linear": (10, 30, 40), "discrete_integral_equation": (1, 10)}


def _sized(name, n):
    """name alone for a problem MINPACK runs at n only, else name_n."""
    return name if MINPACK_SIZES.get(name, (10,)) == (n,) else f"{name}_{n}"


def watson(n=9):
    """MINPACK 6: the gradient (halved) of Watson's sum of squares, n >= 2."""
    if n < 2:
        raise ValueError("Watson's system needs n >= 2")
    definitions = []
    for i in range(1, 30):
        t = f"t{i}"
        definitions.append(f"{t} = {i}/29")
        power = ["1", t] + [f"{t}**{k}" for k in range(2, n)]  # power[k] = t**k
        s = _sum(["x1"] + [f"{power[j - 1]}*x{j}" for j in range(2, n + 1)])
        d = _sum(["x2"] + [f"{j - 1}*{power[j - 2]}*x{j}" for j in range(3, n + 1)])
        definitions.append(f"s{i} = {s}")
        definitions.append(f"r{i} = {d} - s{i}**2 - 1")
        # dr_i/dx_k = (k-1) t^(k-2) - 2 s_i t^(k-1); g_i = 2 s_i r_i
        definitions.append(f"g{i} = 2*s{i}*r{i}")
    definitions.append("q = x2 - x1**2 - 1")
    equations = []
    for k in range(1, n + 1):
        terms = []
        for i in range(1, 30):
            t = f"t{i}"
            if k == 1:
                terms.append(f"-g{i}")
            elif k == 2:
                terms.append(f"r{i} - {t}*g{i}")
            else:
                low = t if k == 3 else f"{t}**{k - 2}"
                terms.append(f"{k - 1}*{low}*r{i} - {t}**{k - 1}*g{i}")
        equations.append(_sum(terms))
    equations[0] += " + x1*(1 - 2*q)"
    equations[1] += " + q"
    return _system(
        _sized("watson", n), 6, equations, [0] * n, definitions=definitions,
        note=f"n = {n}.  MGH 20's Watson function has minimum > 0 (no root of its "
             "31 residuals); MINPACK solves grad(f)/2 = 0 instead, f = sum of "
             "r_i**2 (i = 1..29, r_i = sum (j-1) x_j t_i**(j-2) - (sum x_j "
             "t_i**(j-1))**2 - 1, t_i = i/29) + x1**2 + (x2 - x1**2 - 1)**2.  f's "
             "minimizer is a root (no closed form; for n = 6, 9 see "
             "adcli.workloads.problems.WATSON_MINIMA).  x0 = 0: the factor 10 and "
             "100 starts are (10, ..., 10) and (100, ..., 100).")


def chebyquad(n=5):
    """MINPACK 7: Chebyquad with m = n; roots exist for n = 1..7 and 9."""
    if n < 1:
        raise ValueError("Chebyquad needs n >= 1")
    definitions = []
    for j in range(1, n + 1):
        # T_i(2x - 1), the Chebyshev polynomials shifted to [0, 1], by the
        # recurrence T_{i+1} = 2 y T_i - T_{i-1}
        definitions.append(f"T1_{j} = 2*x{j} - 1")
        if n >= 2:
            definitions.append(f"T2_{j} = 2*T1_{j}**2 - 1")
        for i in range(3, n + 1):
            definitions.append(f"T{i}_{j} = 2*T1_{j}*T{i - 1}_{j} - T{i - 2}_{j}")
    equations = []
    for i in range(1, n + 1):
        mean = f"({_sum(f'T{i}_{j}' for j in range(1, n + 1))})/{n}"
        equations.append(mean if i % 2 else f"{mean} + 1/{i * i - 1}")
    roots = {1: [(0.5,)], 2: [(0.5 - 0.5 / math.sqrt(3), 0.5 + 0.5 / math.sqrt(3))],
             3: [(0.5 - 0.5 / math.sqrt(2), 0.5, 0.5 + 0.5 / math.sqrt(2))]}.get(n, [])
    has = ("has roots (no closed form for n > 3)" if n <= 7 or n == 9 else
           "has no root" + (" (MGH 35 report min ||F||**2 = 3.51687e-3)" if n == 8 else ""))
    return _system(
        _sized("chebyquad", n), 7, equations, [j / (n + 1) for j in range(1, n + 1)],
        definitions=definitions, roots=roots,
        note=f"n = m = {n}: F_i = mean over j of T_i(2 x_j - 1) minus its integral over "
             f"[0, 1] (-1/(i**2 - 1) for even i, 0 for odd).  A root is a set of nodes "
             "of an equal-weight (Chebyshev) quadrature, exact for degree n, which "
             f"exists only for n = 1..7 and 9: n = {n} {has}.  Every permutation of "
             "a root is a root.")


def brown_almost_linear(n=10):
    """MINPACK 8: F_k = x_k + sum(x) - (n + 1) for k < n, F_n = prod(x) - 1."""
    definitions = ["s = " + _sum(f"x{j}" for j in range(1, n + 1)) + f" - {n + 1}"]
    equations = [f"x{k} + s" for k in range(1, n)]
    equations.append("*".join(f"x{j}" for j in range(1, n + 1)) + " - 1")
    return _system(
        _sized("brown_almost_linear", n), 8, equations, [0.5] * n,
        definitions=definitions, roots=[(1,) * n],
        note=f"n = {n}; roots (1, ..., 1) and (a, ..., a, a**(1 - n)) for the other "
             "real roots a of n a**n - (n + 1) a**(n - 1) + 1 = 0 (no closed form).")


def _grid(n):
    """h = 1/(n+1) and the grid t_j = j h, as definitions."""
    return [f"h = 1/{n + 1}"] + [f"t{j} = {j}*h" for j in range(1, n + 1)]


def discrete_boundary_value(n=10):
    """MINPACK 9: u'' = (u + t + 1)**3/2, u(0) = u(1) = 0, by central differences."""
    equations = []
    for k in range(1, n + 1):
        left = f" - x{k - 1}" if k > 1 else ""
        right = f" - x{k + 1}" if k < n else ""
        equations.append(f"2*x{k}{left}{right} + h**2*(x{k} + t{k} + 1)**3/2")
    h = 1 / (n + 1)
    return _system(
        _sized("discrete_boundary_value", n), 9, equations,
        [j * h * (j * h - 1) for j in range(1, n + 1)], definitions=_grid(n),
        note=f"n = {n}, h = 1/(n+1), t_k = k h; the root is the finite-difference "
             "solution (no closed form; for n = 10 see adcli.workloads.problems."
             "BVP_SOLUTION_10).")


def discrete_integral_equation(n=10):
    """MINPACK 10: the same boundary value problem in integral form, trapezoidal."""
    definitions = _grid(n)
    definitions += [f"c{j} = (x{j} + t{j} + 1)**3" for j in range(1, n + 1)]
    # running sums keep the text linear in n: L_k = sum_{j<=k} t_j c_j,
    # R_k = sum_{j>k} (1 - t_j) c_j
    definitions.append("L1 = t1*c1")
    definitions += [f"L{k} = L{k - 1} + t{k}*c{k}" for k in range(2, n + 1)]
    definitions.append(f"R{n} = 0")
    definitions += [f"R{k} = R{k + 1} + (1 - t{k + 1})*c{k + 1}" for k in range(n - 1, 0, -1)]
    equations = [f"x{k} + h*((1 - t{k})*L{k} + t{k}*R{k})/2" for k in range(1, n + 1)]
    h = 1 / (n + 1)
    return _system(
        _sized("discrete_integral_equation", n), 10, equations,
        [j * h * (j * h - 1) for j in range(1, n + 1)], definitions=definitions,
        note=f"n = {n}, h = 1/(n+1), t_k = k h: x_k + h/2 ((1 - t_k) sum_(j<=k) t_j "
             "(x_j + t_j + 1)**3 + t_k sum_(j>k) (1 - t_j)(x_j + t_j + 1)**3) = 0.  "
             "Its root is the discrete boundary value problem's at the same n (the "
             "kernel h min(t_j(1-t_k), t_k(1-t_j)) is the inverse of its difference "
             "matrix/h**2).")


def trigonometric(n=10):
    """MINPACK 11: F_k = n - sum cos(x_j) + k (1 - cos x_k) - sin x_k."""
    definitions = ["c = " + _sum(f"cos(x{j})" for j in range(1, n + 1))]
    equations = [f"{n} - c + {k}*(1 - cos(x{k})) - sin(x{k})" for k in range(1, n + 1)]
    return _system(
        _sized("trigonometric", n), 11, equations, [1 / n] * n,
        definitions=definitions, roots=[(0,) * n],
        note=f"n = {n}; roots include the origin and its translates by multiples of "
             "2*pi in each component; from x0 solvers usually stop at a local minimum of "
             "||F|| (2.795...e-5 for ||F||**2 at n = 10, MGH 26).")


def variably_dimensioned(n=10):
    """MINPACK 12: F_k = x_k - 1 + k s (1 + 2 s**2), s = sum j (x_j - 1)."""
    definitions = ["s = " + _sum(f"{j}*(x{j} - 1)" for j in range(1, n + 1))]
    equations = [f"x{k} - 1 + {k}*s*(1 + 2*s**2)" for k in range(1, n + 1)]
    return _system(
        _sized("variably_dimensioned", n), 12, equations,
        [1 - j / n for j in range(1, n + 1)], definitions=definitions, roots=[(1,) * n],
        note=f"n = {n}; the one root (1, ..., 1): F = 0 gives x_k - 1 = -k s (1 + "
             "2 s**2), so s = -s (1 + 2 s**2) sum k**2, hence s = 0 and x = 1.")


def broyden_tridiagonal(n=10):
    """MINPACK 13: F_k = (3 - 2 x_k) x_k - x_{k-1} - 2 x_{k+1} + 1."""
    equations = problems.broyden_tridiagonal_residuals(n)
    return _system(
        _sized("broyden_tridiagonal", n), 13, equations, [-1] * n,
        note=f"n = {n}; root from x0 without a closed form (for n = 10 see "
             "adcli.workloads.problems.BROYDEN_TRIDIAGONAL_10).")


def broyden_banded(n=10, lower=5, upper=1):
    """MINPACK 14: F_k = x_k (2 + 5 x_k**2) + 1 - sum over the band of x_j (1 + x_j)."""
    equations = problems.broyden_banded_residuals(n, lower, upper)
    return _system(
        _sized("broyden_banded", n), 14, equations, [-1] * n,
        note=f"n = {n}, ml = {lower}, mu = {upper}; root from x0 without a closed form "
             "(for n = 10 see adcli.workloads.problems.BROYDEN_BANDED_10).")


#: the (problem, n) pairs of MINPACK's hybrj test, in its order; its driver
#: runs factors 1, 10, 100 except: Powell badly scaled 1, 10; Watson 1, 10;
#: Chebyquad 8 and 9, Brown 30 and 40: factor 1 only (MINPACK_FACTORS)
SYSTEMS = (rosenbrock(), powell_singular(), powell_badly_scaled(), wood(), helical_valley(),
           watson(6), watson(9), chebyquad(5), chebyquad(6), chebyquad(7), chebyquad(8),
           chebyquad(9), brown_almost_linear(10), brown_almost_linear(30),
           brown_almost_linear(40), discrete_boundary_value(10),
           discrete_integral_equation(1), discrete_integral_equation(10), trigonometric(10),
           variably_dimensioned(10), broyden_tridiagonal(10), broyden_banded(10))

# --- practical systems -------------------------------------------------------------

#: Meintjes & Morgan's constants for the reduced propane system (R = 10)
COMBUSTION_CONSTANTS = (("R", "10"), ("R5", "0.193"), ("R6", "0.002597/sqrt(40)"),
                        ("R7", "0.003448/sqrt(40)"), ("R8", "0.00001799/40"),
                        ("R9", "0.0002155/sqrt(40)"), ("R10", "0.00003846/40"))
#: its root with every unknown positive (the physical one), solved to rounding
COMBUSTION_ROOT = (0.0031141022659849503, 34.597924530290136, 0.06504177869743799,
                   0.8593780505779406, 0.03695185914804602)


def chemical_equilibrium():
    definitions = [f"{name} = {value}" for name, value in COMBUSTION_CONSTANTS]
    equations = [
        "x1*x2 + x1 - 3*x5",
        "2*x1*x2 + x1 + x2*x3**2 + R8*x2 - R*x5 + 2*R10*x2**2 + R7*x2*x3 + R9*x2*x4",
        "2*x2*x3**2 + 2*R5*x3**2 - 8*x5 + R6*x3 + R7*x2*x3",
        "R9*x2*x4 + 2*x4**2 - 4*R*x5",
        ("x1*(x2 + 1) + R10*x2**2 + x2*x3**2 + R8*x2 + R5*x3**2 + x4**2 - 1 + R6*x3"
         " + R7*x2*x3 + R9*x2*x4")]
    return _system(
        "chemical_equilibrium", 0, equations, (1, 1, 1, 1, 1), definitions=definitions,
        roots=[COMBUSTION_ROOT],
        note="Combustion of propane in air, the reduced five-unknown form: K. Meintjes "
             "and A. P. Morgan, Chemical equilibrium systems as numerical test "
             "problems, ACM TOMS 16(2) (1990) 143-151, with R = 10.  The root listed "
             "is the one with every x_j >= 0 (x2 = 34.5979...), the physical one, "
             "solved here to ||F||inf < 1e-15 (scipy hybr from x0); the interval "
             "solver Realpaver 1.0 (its benchmark Chemistry) proves it the only "
             "root in [0, 1000]**5 and encloses it to 10 digits, which agree.  The "
             "system has other real roots (one with x3 < 0 near (0.00276, 39.24, "
             "-0.0614, 0.8597, 0.0370)).  x0 = (1, ..., 1) is ours, not the paper's.")


#: the arm: link lengths and the target point of the hand
ARM = {"l1": 2.0, "l2": 1.5, "px": 1.5, "py": 2.5}


def _arm_roots():
    """The two closed-form solutions (elbow up and down) of the arm's equations."""
    l1, l2, px, py = ARM["l1"], ARM["l2"], ARM["px"], ARM["py"]
    cosine = (px * px + py * py - l1 * l1 - l2 * l2) / (2 * l1 * l2)
    roots = []
    for theta2 in (math.acos(cosine), -math.acos(cosine)):
        theta1 = math.atan2(py, px) - math.atan2(l2 * math.sin(theta2),
                                                 l1 + l2 * math.cos(theta2))
        roots.append((theta1, theta2))
    return roots


def two_link_arm():
    definitions = [f"{name} = {_num(value)}" for name, value in ARM.items()]
    equations = ["l1*cos(theta1) + l2*cos(theta1 + theta2) - px",
                 "l1*sin(theta1) + l2*sin(theta1 + theta2) - py"]
    return _system(
        "two_link_arm", 0, equations, (0.5, 0.5), definitions=definitions,
        roots=_arm_roots(), variables=("theta1", "theta2"),
        note="Inverse kinematics of a planar two-link arm (links l1 = 2, l2 = 1.5) "
             "reaching (1.5, 2.5): the textbook closed form by the law of cosines, "
             "cos(theta2) = (px**2 + py**2 - l1**2 "
             "- l2**2)/(2 l1 l2), theta1 = atan2(py, px) - atan2(l2 sin(theta2), "
             "l1 + l2 cos(theta2)), both signs of theta2 (elbow up and down; angles "
             "modulo 2*pi).  J is singular where theta2 = 0 or pi (arm straight or folded).")


BRATU_LAMBDA = 1.0
#: the discrete solution for n = 20, lambda = 1 (lower branch): Newton's method
#: on the tridiagonal system from u = 0 (numpy; 4 steps to ||F||inf ~ 1e-14);
#: it lies within 3.3e-5 of the continuous solution -2 log(cosh((t - 1/2)
#: theta/2)/cosh(theta/4)), theta = sqrt(2 lambda) cosh(theta/4) = 1.51716...,
#: the O(h**2) error of the differences
BRATU_SOLUTION_20 = (0.02502148335364466, 0.04771793916087578, 0.06803599413568004,
                     0.08592682952761287, 0.1013466295690274, 0.11425699610380391,
                     0.12462532138953755, 0.1324251116047337, 0.13763625438051685,
                     0.140245224695683, 0.140245224695683, 0.13763625438051685,
                     0.13242511160473366, 0.12462532138953752, 0.1142569961038039,
                     0.10134662956902739, 0.08592682952761285, 0.06803599413568001,
                     0.047717939160875765, 0.025021483353644652)


def bratu(n=20, lam=BRATU_LAMBDA):
    """u'' + lam exp(u) = 0, u(0) = u(1) = 0, by central differences on n points."""
    equations = []
    for k in range(1, n + 1):
        left = f"x{k - 1}" if k > 1 else "0"
        right = f" + x{k + 1}" if k < n else ""
        equations.append(f"({left} - 2*x{k}{right})/h**2 + lam*exp(x{k})")
    known = (n, lam) == (20, BRATU_LAMBDA)
    return _system(
        "bratu" if known else f"bratu_{n}", 0, equations, [0] * n,
        definitions=[f"h = 1/{n + 1}", f"lam = {_num(lam)}"],
        roots=[BRATU_SOLUTION_20] if known else [],
        note=f"Bratu's problem (the Liouville-Bratu-Gelfand equation), n = {n}, "
             f"lambda = {_num(lam)}, h = 1/(n+1); solutions exist for lambda below "
             "3.5138... (two of them; this start reaches the lower branch).  The "
             "listed root is computed (see BRATU_SOLUTION_20): Newton's method on "
             "the discrete system, agreeing with the continuous closed form to "
             "O(h**2).")


def wallis():
    return _system(
        "wallis", 0, ["x**3 - 2*x - 5"], (2,), roots=[(2.0945514815423265,)],
        variables=("x",),
        note="x**3 - 2x - 5 = 0, the cubic Newton showed his method on (De analysi, "
             "1669; first printed in Wallis's A Treatise of Algebra, 1685); its one "
             "real root 2.0945514815423265 "
             "(Cardano: cbrt(5/2 + sqrt(643/108)) + cbrt(5/2 - sqrt(643/108))).")


def dottie():
    return _system(
        "dottie", 0, ["cos(x) - x"], (1,), roots=[(0.7390851332151607,)], variables=("x",),
        note="cos(x) = x; its one root, the Dottie number 0.7390851332151607 "
             "(OEIS A003957).")


#: Kepler's equation: eccentricity, and the eccentric anomaly we make the root
KEPLER_E, KEPLER_ROOT = 0.9, 1.0


def kepler():
    return _system(
        "kepler", 0, ["E - ecc*sin(E) - M"], (1 - KEPLER_E * math.sin(KEPLER_ROOT),),
        definitions=[f"ecc = {_num(KEPLER_E)}",
                     f"M = {_num(KEPLER_ROOT)} - ecc*sin({_num(KEPLER_ROOT)})"],
        roots=[(KEPLER_ROOT,)], variables=("E",),
        note="Kepler's equation E - e sin(E) = M for the eccentric anomaly E, at the "
             "high eccentricity e = 0.9, with M = 1 - 0.9 sin(1) so that the root is E = 1; the "
             "start is the usual E0 = M.  One root: E - e sin E increases (e < 1).")


SYSTEMS_PRACTICAL = (chemical_equilibrium(), two_link_arm(), bratu(), wallis(), dottie(),
                     kepler())

_BY_NAME = {s.name: s for s in SYSTEMS + SYSTEMS_PRACTICAL}
#: "watson" alone where one size is in SYSTEMS; "rosenbrock_2" also works
_BY_SIZED_NAME = {f"{s.name.rsplit('_', 1)[0] if s.name[-1].isdigit() else s.name}_{s.n}": s
                  for s in SYSTEMS + SYSTEMS_PRACTICAL}


def by_name(name):
    """The System of SYSTEMS or SYSTEMS_PRACTICAL called ``name`` ("wood",
    "watson_6"; a name with its size, "wood_4", also works).  KeyError with
    the names if none."""
    found = _BY_NAME.get(name) or _BY_SIZED_NAME.get(name)
    if found is None:
        raise KeyError(f"no system {name!r}; known: {', '.join(_BY_NAME)}")
    return found


#: MINPACK's own runs of hybrj1 on SYSTEMS (its test driver, tol = sqrt(eps),
#: no scaling), as printed in the reference output of the Fortran driver that
#: cminpack distributes (examples/ref/hyjdrv.fortran.ref): per (name, factor)
#: the initial ||F||, nfev, njev, info (1: converged, 4: no progress) and the
#: final ||F||.  The initial norms check these texts and starts to 8 digits.
MINPACK_RESULTS = {
    ("rosenbrock", 1): (4.9193496e+00, 16, 3, 1, 0.0),
    ("rosenbrock", 10): (1.3400631e+03, 7, 1, 1, 2.8865799e-14),
    ("rosenbrock", 100): (1.4300005e+05, 7, 1, 1, 0.0),
    ("powell_singular", 1): (1.4662878e+01, 108, 5, 4, 7.4832034e-36),
    ("powell_singular", 10): (1.2709839e+03, 118, 6, 4, 4.3896201e-34),
    ("powell_singular", 100): (1.2688790e+05, 123, 4, 4, 6.1725251e-34),
    ("powell_badly_scaled", 1): (1.0654866e+00, 169, 6, 1, 1.7126731e-09),
    ("powell_badly_scaled", 10): (1.0000000e+00, 9, 1, 1, 3.7440617e-08),
    ("wood", 1): (8.5505574e+03, 86, 2, 1, 3.9866900e-11),
    ("wood", 10): (7.3498230e+06, 202, 8, 1, 3.7710661e-10),
    ("wood", 100): (7.2730700e+09, 386, 35, 1, 3.4801042e-11),
    ("helical_valley", 1): (5.0000000e+01, 18, 3, 1, 2.7534405e-13),
    ("helical_valley", 10): (1.0295630e+02, 20, 4, 1, 2.2509949e-10),
    ("helical_valley", 100): (9.9126182e+02, 37, 8, 1, 7.2027771e-10),
    ("watson_6", 1): (6.8485872e+01, 60, 6, 1, 3.6213512e-13),
    ("watson_6", 10): (3.5312586e+06, 140, 6, 1, 6.0049255e-14),
    ("watson_9", 1): (8.8789552e+01, 92, 4, 1, 7.2626867e-12),
    ("watson_9", 10): (1.0151080e+07, 272, 12, 4, 3.7192520e-02),
    ("chebyquad_5", 1): (2.2570657e-01, 10, 1, 1, 6.0458606e-13),
    ("chebyquad_5", 10): (4.1172432e+06, 136, 26, 1, 2.2495489e-10),
    ("chebyquad_5", 100): (5.6361303e+11, 217, 44, 1, 1.1433424e-11),
    ("chebyquad_6", 1): (2.1547198e-01, 13, 2, 1, 1.4343338e-11),
    ("chebyquad_6", 10): (1.3079247e+08, 91, 13, 1, 6.3966404e-11),
    ("chebyquad_6", 100): (1.8755789e+14, 141, 20, 1, 7.1157224e-12),
    ("chebyquad_7", 1): (1.8376789e-01, 11, 1, 1, 1.9355759e-10),
    ("chebyquad_7", 10): (4.2693282e+09, 262, 43, 1, 1.4504942e-10),
    ("chebyquad_7", 100): (6.4143166e+16, 56, 10, 4, 6.2435437e+12),
    ("chebyquad_8", 1): (1.9651386e-01, 56, 8, 4, 6.4405122e-02),
    ("chebyquad_9", 1): (1.6994993e-01, 23, 2, 1, 5.1074075e-10),
    ("brown_almost_linear_10", 1): (1.6530216e+01, 11, 2, 1, 1.1147104e-14),
    ("brown_almost_linear_10", 10): (9.7656240e+06, 11, 2, 1, 8.6853223e-15),
    ("brown_almost_linear_10", 100): (9.7656250e+16, 17, 2, 1, 1.0079211e-14),
    ("brown_almost_linear_30", 1): (8.3476044e+01, 12, 2, 1, 1.2136830e-13),
    ("brown_almost_linear_40", 1): (1.2802636e+02, 12, 2, 1, 1.1154112e-13),
    ("discrete_boundary_value", 1): (2.8080582e-02, 6, 1, 1, 2.5162633e-15),
    ("discrete_boundary_value", 10): (5.2555258e-01, 9, 1, 1, 1.7261102e-13),
    ("discrete_boundary_value", 100): (1.0657390e+02, 42, 1, 1, 4.1750601e-10),
    ("discrete_integral_equation_1", 1): (1.2792969e-01, 6, 1, 1, 3.3306691e-16),
    ("discrete_integral_equation_1", 10): (2.5625000e+00, 8, 1, 1, 5.5511151e-17),
    ("discrete_integral_equation_1", 100): (8.3611719e+02, 24, 2, 1, 2.7755576e-17),
    ("discrete_integral_equation_10", 1): (2.5182701e-01, 8, 1, 1, 8.5698248e-12),
    ("discrete_integral_equation_10", 10): (6.1168330e+00, 9, 1, 1, 2.7315310e-12),
    ("discrete_integral_equation_10", 100): (1.2693089e+03, 48, 3, 1, 7.8965670e-14),
    ("trigonometric", 1): (8.4117534e-02, 60, 7, 4, 5.2963921e-03),
    ("trigonometric", 10): (2.0305195e+01, 34, 5, 1, 5.9165818e-11),
    ("trigonometric", 100): (9.3369375e+01, 44, 4, 1, 1.5129521e-09),
    ("variably_dimensioned", 1): (2.2402135e+06, 21, 1, 1, 5.3575313e-12),
    ("variably_dimensioned", 10): (5.2234376e+07, 25, 1, 1, 1.2587250e-10),
    ("variably_dimensioned", 100): (1.5923646e+11, 40, 2, 1, 0.0),
    ("broyden_tridiagonal", 1): (4.5825757e+00, 11, 1, 1, 1.4938794e-08),
    ("broyden_tridiagonal", 10): (6.3910093e+02, 49, 1, 1, 5.1929336e-09),
    ("broyden_tridiagonal", 100): (6.3337583e+04, 22, 2, 1, 9.8789030e-11),
    ("broyden_banded", 1): (1.8973666e+01, 20, 1, 1, 2.0578977e-09),
    ("broyden_banded", 10): (1.7130922e+04, 25, 2, 1, 7.9536129e-09),
    ("broyden_banded", 100): (1.5949860e+07, 38, 2, 1, 4.5264336e-10),
}

#: the factors MINPACK's test driver runs each system of SYSTEMS from
MINPACK_FACTORS = {s.name: tuple(f for name, f in MINPACK_RESULTS if name == s.name)
                   for s in SYSTEMS}
