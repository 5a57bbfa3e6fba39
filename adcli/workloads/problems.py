"""The classic unconstrained test problems as adcli expression text.

Moré, Garbow and Hillstrom's set (MGH: "Testing unconstrained optimization
software", ACM TOMS 7(1), 1981, 17-41), problems 1-35, plus Himmelblau's
function.  Used by the tests and by bench/ (goal 6)::

    from adcli import problems
    p = problems.by_name("helical_valley")
    p.text, p.variables, p.x0, p.fstar        # what a minimizer needs
    adcli.grad(adcli.parse(p.text, p.variables), p.x0)

Every MGH problem is a sum of squares f = r1**2 + ... + rm**2; its text
defines the residuals ``r1..rm`` and ends with ``output f``.  Variables are
x1..xn, in that order; ``x0`` is the paper's standard starting point.

``fstar`` is the minimum value reached from x0 as the literature reports it
(``reported``, the digits printed there, often truncated), recomputed here as
the text's value at ``xstar``, a minimizer: exact where it has a closed form,
else found by us from x0 (scipy's BFGS with adcli's gradient, then Newton
steps with adcli's exact Hessian) and kept to 15 digits; fstar is good to
about 12 digits (Meyer's to 11).  Where the function has other minima,
``note`` names them and ``minima`` lists the other known minimum values; a
minimizer that ends below ``fstar`` has found a better one (for
Freudenstein-Roth and Trigonometric the value from x0 is a local minimum;
for Biggs EXP6 a saddle point that gradient methods cannot leave from x0,
see its note).

Scalable problems have builders (``extended_rosenbrock(n)``, ``watson(n)``,
...); ``PROBLEMS`` holds one instance of each, at the sizes MGH tabulate.
Pure Python: nothing imported at module level beyond the standard library.
In MGH problem 34 x1 and xn do not occur: its text does not use them, and
its ``variables`` (given to adcli.parse) declare them.
"""
from dataclasses import dataclass
from typing import Optional

MGH = ("J. J. Moré, B. S. Garbow, K. E. Hillstrom, Testing unconstrained "
       "optimization software, ACM Trans. Math. Software 7 (1981) 17-41")


@dataclass(frozen=True)
class Problem:
    """One test problem: minimize the output of ``text`` over ``variables``
    from ``x0``; the minimum value from there is ``fstar``."""

    name: str
    text: str  # adcli program text; parse with adcli.parse(text, variables)
    variables: tuple  # ("x1", ..., "xn")
    x0: tuple  # the standard starting point
    fstar: float  # the minimum value from x0, see the module docstring
    reported: str  # f* as printed in the literature
    xstar: Optional[tuple] = None  # a point where text evaluates to fstar
    minima: tuple = ()  # other known local minimum values (may be at infinity)
    note: str = ""
    reference: str = MGH
    number: Optional[int] = None  # MGH's number
    residuals: Optional[int] = None  # m, the number of squared terms

    @property
    def n(self):
        return len(self.variables)

    def solved(self, value, tol=1e-8):
        """value is fstar to tol, absolute below 1, relative above; a lower
        value (a better minimum than the one reported) also counts."""
        return value - self.fstar <= tol * max(1.0, abs(self.fstar))


# --- writing text ----------------------------------------------------------------


def _names(n):
    return tuple(f"x{j}" for j in range(1, n + 1))


def _num(value):
    """The shortest text that reads back as the float (repr), without ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _least_squares(residuals, definitions=()):
    """Program text: definitions, r1..rm, f = r1**2 + ... + rm**2, output f."""
    lines = list(definitions)
    lines += [f"r{i} = {r}" for i, r in enumerate(residuals, 1)]
    squares = [f"r{i}**2" for i in range(1, len(residuals) + 1)]
    rows = [" + ".join(squares[k:k + 10]) for k in range(0, len(squares), 10)]
    lines.append("f = " + "\n  + ".join(rows))  # a line starting with + continues
    lines.append("output f")
    return "\n".join(lines)


def _sum(terms):
    return " + ".join(terms).replace("+ -", "- ")


def _problem(name, number, text, n, x0, fstar, reported, m=None, **fields):
    return Problem(name=name, text=text, variables=_names(n), x0=tuple(float(v) for v in x0),
                   fstar=float(fstar), reported=reported, number=number, residuals=m,
                   **fields)


# --- the problems with fixed n, MGH 1-19 ------------------------------------------


def rosenbrock():
    return _problem(
        "rosenbrock", 1, "100*(x2 - x1**2)**2 + (1 - x1)**2", 2, (-1.2, 1), 0.0, "0",
        m=2, xstar=(1.0, 1.0),
        note="Rosenbrock (1960); the banana valley.")


def freudenstein_roth():
    text = _least_squares(["-13 + x1 + ((5 - x2)*x2 - 2)*x2",
                           "-29 + x1 + ((x2 + 1)*x2 - 14)*x2"])
    return _problem(
        "freudenstein_roth", 2, text, 2, (0.5, -2), 48.98425367924, "48.9842",
        m=2, xstar=(11.4127789353228, -0.896805256324606), minima=(0.0,),
        note="Global minimum 0 at (5, 4); from x0 gradient methods usually stop in "
             "the local minimum 48.9842... at (11.41..., -0.8968...), which MGH also "
             "list: fstar is that local value.")


def powell_badly_scaled():
    text = _least_squares(["10000*x1*x2 - 1", "exp(-x1) + exp(-x2) - 1.0001"])
    return _problem(
        "powell_badly_scaled", 3, text, 2, (0, 1), 0.0, "0", m=2,
        xstar=(1.0981593296998e-05, 9.1061467398667),
        note="Minimum 0 at (1.098...e-5, 9.106...).")


def brown_badly_scaled():
    text = _least_squares(["x1 - 1000000", "x2 - 0.000002", "x1*x2 - 2"])
    return _problem(
        "brown_badly_scaled", 4, text, 2, (1, 1), 0.0, "0", m=3, xstar=(1e6, 2e-6),
        note="Minimum 0 at (1e6, 2e-6) (in float64 1e6*2e-6 is 2 to 1 ulp).")


def beale():
    y = ("1.5", "2.25", "2.625")
    text = _least_squares([f"{y[i - 1]} - x1*(1 - x2**{i})" for i in (1, 2, 3)])
    return _problem("beale", 5, text, 2, (1, 1), 0.0, "0", m=3, xstar=(3.0, 0.5),
                    note="Minimum 0 at (3, 0.5).")


def jennrich_sampson(m=10):
    text = _least_squares([f"{2 + 2 * i} - (exp({i}*x1) + exp({i}*x2))"
                           for i in range(1, m + 1)])
    if m != 10:
        raise ValueError("f* is tabulated for m = 10 only")
    return _problem(
        "jennrich_sampson", 6, text, 2, (0.3, 0.4), 124.362182355615, "124.362", m=m,
        xstar=(0.257825213670364, 0.257825213670364),
        note="m = 10; minimum 124.362... at x1 = x2 = 0.2578... (a second one, "
             "by symmetry, with x1 and x2 exchanged is the same point).")


def helical_valley():
    # MGH define theta = atan(x2/x1)/(2 pi), plus 1/2 when x1 < 0: an angle in
    # (-1/4, 3/4) that jumps on the negative x2 axis.  atan2(-x1, x2)/(2 pi) + 1/4
    # is that angle everywhere off the x2 axis, with the same cut (x1 = 0,
    # x2 < 0), and is smooth across x1 = 0 for x2 > 0 where MGH's is undefined.
    # atan2(x2, x1)/(2 pi) would put the cut on the negative x1 axis, through
    # the start (-1, 0, 0); atan2(-x2, -x1) would put it through the minimum.
    text = "\n".join([
        "theta = atan2(-x1, x2)/(2*pi) + 0.25",
        "r1 = 10*(x3 - 10*theta)",
        "r2 = 10*(sqrt(x1**2 + x2**2) - 1)",
        "r3 = x3",
        "f = r1**2 + r2**2 + r3**2",
        "output f"])
    return _problem(
        "helical_valley", 7, text, 3, (-1, 0, 0), 0.0, "0", m=3, xstar=(1.0, 0.0, 0.0),
        note="Minimum 0 at (1, 0, 0).  theta = atan2(-x1, x2)/(2*pi) + 1/4 equals "
             "MGH's piecewise arctan(x2/x1)/(2*pi) (+1/2 for x1 < 0) off the x2 axis, "
             "with its cut on the negative x2 axis, away from x0 and the minimum.")


BARD_Y = (0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96,
          1.34, 2.10, 4.39)


def bard():
    residuals = [f"{_num(y)} - (x1 + {i}/({16 - i}*x2 + {min(i, 16 - i)}*x3))"
                 for i, y in enumerate(BARD_Y, 1)]
    return _problem(
        "bard", 8, _least_squares(residuals), 3, (1, 1, 1), 0.00821487730657897,
        "8.21487e-3", m=15, xstar=(0.082410560218408, 1.13303609970722, 2.34369517140521),
        minima=(17.4286,),
        note="Minimum 8.21487...e-3; also 17.4286... as x2, x3 -> -infinity.")


GAUSSIAN_Y = (0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521,
              0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009)


def gaussian():
    residuals = [f"x1*exp(-x2*({_num((8 - i) / 2)} - x3)**2/2) - {_num(y)}"
                 for i, y in enumerate(GAUSSIAN_Y, 1)]
    return _problem(
        "gaussian", 9, _least_squares(residuals), 3, (0.4, 1, 0), 1.12793276961895e-08,
        "1.12793e-8", m=15, xstar=(0.398956137838757, 1.00001908448781, 0.0),
        note="Minimum 1.12793...e-8 (x3 = 0 by the symmetry of the data).")


MEYER_Y = (34780, 28610, 23650, 19630, 16370, 13720, 11540, 9744, 8261, 7030, 6005, 5147,
           4427, 3820, 3307, 2872)


def meyer():
    residuals = [f"x1*exp(x2/({45 + 5 * i} + x3)) - {y}" for i, y in enumerate(MEYER_Y, 1)]
    return _problem(
        "meyer", 10, _least_squares(residuals), 3, (0.02, 4000, 250), 87.9458551707,
        "87.9458", m=16, xstar=(0.00560963647100173, 6181.34634629269, 345.223634624426),
        note="Minimum 87.9458...; notoriously badly scaled (x1 ~ 5.6e-3, x2 ~ 6181).")


def gulf(m=99):
    if not 3 <= m <= 100:
        raise ValueError("MGH's Gulf research problem has 3 <= m <= 100")
    definitions = [f"y{i} = 25 + (-50*log({_num(i / 100)}))**(2/3)" for i in range(1, m + 1)]
    residuals = [f"exp(-abs(y{i} - x2)**x3/x1) - {_num(i / 100)}" for i in range(1, m + 1)]
    return _problem(
        "gulf", 11, _least_squares(residuals, definitions), 3, (5, 2.5, 0.15), 0.0, "0",
        m=m, xstar=(50.0, 25.0, 1.5),
        note=f"m = {m}; minimum 0 at (50, 25, 1.5).  MGH's printed |y_i m i x_2| "
             "is |y_i - x_2|, the reading under which (50, 25, 1.5) solves it.")


def box_3d(m=10):
    residuals = [f"exp(-{_num(i / 10)}*x1) - exp(-{_num(i / 10)}*x2) "
                 f"- x3*(exp(-{_num(i / 10)}) - exp(-{i}))" for i in range(1, m + 1)]
    return _problem(
        "box_3d", 12, _least_squares(residuals), 3, (0, 10, 20), 0.0, "0", m=m,
        xstar=(1.0, 10.0, 1.0),
        note=f"m = {m}; minimum 0 at (1, 10, 1), (10, 1, -1), and wherever x1 = x2, x3 = 0.")


def powell_singular():
    text = _least_squares(["x1 + 10*x2", "sqrt(5)*(x3 - x4)", "(x2 - 2*x3)**2",
                           "sqrt(10)*(x1 - x4)**2"])
    return _problem(
        "powell_singular", 13, text, 4, (3, -1, 0, 1), 0.0, "0", m=4,
        xstar=(0.0, 0.0, 0.0, 0.0),
        note="Minimum 0 at the origin, where the Hessian is singular: convergence "
             "is linear for Newton-type methods.")


def wood():
    text = ("100*(x2 - x1**2)**2 + (1 - x1)**2 + 90*(x4 - x3**2)**2 + (1 - x3)**2\n"
            "+ 10*(x2 + x4 - 2)**2 + 0.1*(x2 - x4)**2")
    return _problem(
        "wood", 14, text, 4, (-3, -1, -3, -1), 0.0, "0", m=6, xstar=(1.0, 1.0, 1.0, 1.0),
        note="Colville's; minimum 0 at (1, 1, 1, 1).  Written expanded "
             "(MGH's residuals squared: 10, sqrt(90), sqrt(10), 1/sqrt(10)).")


KOWALIK_Y = (0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323,
             0.0235, 0.0246)
KOWALIK_U = (4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625)


def kowalik_osborne():
    residuals = [f"{_num(y)} - x1*({_num(u * u)} + {_num(u)}*x2)/({_num(u * u)} + "
                 f"{_num(u)}*x3 + x4)" for y, u in zip(KOWALIK_Y, KOWALIK_U)]
    return _problem(
        "kowalik_osborne", 15, _least_squares(residuals), 4, (0.25, 0.39, 0.415, 0.39),
        0.000307505603849237, "3.07505e-4", m=11,
        xstar=(0.192806934579016, 0.191282328734885, 0.123056506926517, 0.136062330684003),
        minima=(1.02734e-3,),
        note="Minimum 3.07505...e-4 (u as MGH print them, 0.167 for 1/6 etc.); "
             "also 1.02734...e-3 at infinity.")


def brown_dennis(m=20):
    residuals = [f"(x1 + {_num(i / 5)}*x2 - exp({_num(i / 5)}))**2 + "
                 f"(x3 + x4*sin({_num(i / 5)}) - cos({_num(i / 5)}))**2"
                 for i in range(1, m + 1)]
    if m != 20:
        raise ValueError("f* is tabulated for m = 20 only")
    return _problem(
        "brown_dennis", 16, _least_squares(residuals), 4, (25, 5, -5, -1),
        85822.2016263563, "85822.2", m=m,
        xstar=(-11.5944399045579, 13.2036300511278, -0.403439487801614, 0.236778773875978),
        note="m = 20; minimum 85822.2...: solved means relative error <= 1e-8.")


OSBORNE1_Y = (0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784,
              0.751, 0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522,
              0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420,
              0.414, 0.411, 0.406)


def osborne_1():
    residuals = [f"{_num(y)} - (x1 + x2*exp(-{10 * i}*x4) + x3*exp(-{10 * i}*x5))"
                 for i, y in enumerate(OSBORNE1_Y)]
    return _problem(
        "osborne_1", 17, _least_squares(residuals), 5, (0.5, 1.5, -1, 0.01, 0.02),
        5.46489469748263e-05, "5.46489e-5", m=33,
        xstar=(0.375410052446722, 1.93584695208367, -1.46468717624116, 0.0128675347203846,
               0.0221226995021561),
        note="Minimum 5.46489...e-5.")


def biggs_exp6(m=13):
    definitions = [f"y{i} = exp(-{_num(i / 10)}) - 5*exp(-{i}) + 3*exp(-{_num(4 * i / 10)})"
                   for i in range(1, m + 1)]
    residuals = [f"x3*exp(-{_num(i / 10)}*x1) - x4*exp(-{_num(i / 10)}*x2) "
                 f"+ x6*exp(-{_num(i / 10)}*x5) - y{i}" for i in range(1, m + 1)]
    if m != 13:
        raise ValueError("f* is tabulated for m = 13 only")
    return _problem(
        "biggs_exp6", 18, _least_squares(residuals, definitions), 6, (1, 2, 1, 1, 1, 1),
        0.00565564992549996, "5.65565e-3", m=m,
        xstar=(1.71141599472092, 17.6831981809492, 1.16314366091865, 5.18656155199353,
               1.71141599471826, 1.16314366091913),
        minima=(0.0,),
        note="m = 13; minimum 0 at (1, 10, 1, 5, 4, 3), and at (4, 10, 3, 5, 1, 1): f is "
             "unchanged by swapping (x1, x3) with (x5, x6).  x0 lies on that symmetric "
             "subspace, which gradient methods do not leave; on it the minimum is "
             "5.65565...e-3, the value MGH and most reports give from x0, but that "
             "point is a saddle of f (moving x1 and x5 apart lowers f).  fstar is "
             "that value; a method that reaches 0 did better.")


OSBORNE2_Y = (1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746,
              0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649,
              0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395,
              0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653,
              0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739,
              0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054)


def osborne_2():
    residuals = []
    for i, y in enumerate(OSBORNE2_Y):
        t = _num(i / 10)
        residuals.append(f"{_num(y)} - (x1*exp(-{t}*x5) + x2*exp(-({t} - x9)**2*x6) "
                         f"+ x3*exp(-({t} - x10)**2*x7) + x4*exp(-({t} - x11)**2*x8))")
    return _problem(
        "osborne_2", 19, _least_squares(residuals), 11,
        (1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5), 0.0401377362935478, "4.01377e-2",
        m=65, xstar=(1.30997715457576, 0.431553794495943, 0.633661698857562,
                     0.599430534681992, 0.754183226180022, 0.904288579892957,
                     1.36581183470223, 4.82369881710071, 2.39868486608638,
                     4.56887459768617, 5.67534147055664),
        note="Minimum 4.01377...e-2.")


# --- scalable problems, MGH 20-35 -------------------------------------------------

#: n -> (fstar, as MGH print it, a minimizer found from x0)
WATSON_MINIMA = {
    6: (0.00228767005355249, "2.28767e-3",
        (-0.0157250868511016, 1.01243486909864, -0.232991626200683, 1.26043007675739,
         -1.51372890320158, 0.99299642172568)),
    9: (1.3997601381024e-06, "1.39976e-6",
        (-1.53070366163776e-05, 0.999789703932169, 0.0147639636945704, 0.146342328288978,
         1.00082110304558, -2.61773114060765, 4.10440316458314, -3.14361227861827,
         1.05262640802455)),
    12: (4.7223811073408e-10, "4.72238e-10",
         (-6.63806047037536e-09, 1.00000164411786, -0.000563932210212741, 0.347820540501246,
          -0.156731504070395, 1.05281517707852, -3.24727115307406, 7.28843489721184,
          -10.271848240455, 9.07411364643866, -4.54137546642981, 1.01201188850619))}


def watson(n=9):
    if n not in WATSON_MINIMA:
        raise ValueError(f"f* is tabulated for n in {sorted(WATSON_MINIMA)}, not {n}")
    definitions, residuals = [], []
    for i in range(1, 30):
        definitions.append(f"t{i} = {i}/29")
        powers = ["1"] + [f"t{i}" if k == 1 else f"t{i}**{k}" for k in range(1, n)]
        s = _sum(f"x{j}" if j == 1 else f"x{j}*{powers[j - 1]}" for j in range(1, n + 1))
        ds = _sum(f"x{j}" if j == 2 else f"{j - 1}*x{j}*{powers[j - 2]}"
                  for j in range(2, n + 1))
        residuals.append(f"{ds} - ({s})**2 - 1")
    residuals += ["x1", "x2 - x1**2 - 1"]
    fstar, reported, xstar = WATSON_MINIMA[n]
    return _problem("watson", 20, _least_squares(residuals, definitions), n, [0] * n,
                    fstar, reported, m=31, xstar=xstar,
                    note=f"n = {n} (MGH tabulate 6, 9, 12), m = 31.")


def extended_rosenbrock(n=10):
    if n < 2 or n % 2:
        raise ValueError("extended Rosenbrock needs an even n")
    text = "\n+ ".join(f"100*(x{2 * i} - x{2 * i - 1}**2)**2 + (1 - x{2 * i - 1})**2"
                       for i in range(1, n // 2 + 1))
    return _problem("extended_rosenbrock", 21, text, n, [-1.2, 1] * (n // 2), 0.0, "0",
                    m=n, xstar=(1.0,) * n,
                    note=f"n = {n}; n/2 uncoupled Rosenbrock functions; minimum 0 at (1, ..., 1).")


def extended_powell(n=8):
    if n < 4 or n % 4:
        raise ValueError("extended Powell needs n a multiple of 4")
    residuals = []
    for i in range(1, n // 4 + 1):
        a, b, c, d = (f"x{4 * i - k}" for k in (3, 2, 1, 0))
        residuals += [f"{a} + 10*{b}", f"sqrt(5)*({c} - {d})", f"({b} - 2*{c})**2",
                      f"sqrt(10)*({a} - {d})**2"]
    return _problem("extended_powell", 22, _least_squares(residuals), n, [3, -1, 0, 1] * (n // 4),
                    0.0, "0", m=n, xstar=(0.0,) * n,
                    note=f"n = {n}; minimum 0 at the origin (singular Hessian).")


PENALTY1_MINIMA = {
    4: (2.24997750089994e-05, "2.24997e-5",
        (0.250007500726454, 0.250007499659806, 0.250007496009094, 0.250007501954814)),
    10: (7.08765146709037e-05, "7.08765e-5", (0.158122301113116,) * 10)}


def penalty_1(n=10):
    if n not in PENALTY1_MINIMA:
        raise ValueError(f"f* is tabulated for n in {sorted(PENALTY1_MINIMA)}, not {n}")
    residuals = [f"sqrt(0.00001)*(x{j} - 1)" for j in range(1, n + 1)]
    residuals.append(_sum(f"x{j}**2" for j in range(1, n + 1)) + " - 0.25")
    fstar, reported, xstar = PENALTY1_MINIMA[n]
    return _problem("penalty_1", 23, _least_squares(residuals), n, range(1, n + 1), fstar,
                    reported, m=n + 1, xstar=xstar, note=f"n = {n}, a = 1e-5.")


PENALTY2_MINIMA = {
    4: (9.37629300735544e-06, "9.37629e-6",
        (0.199999333342092, 0.191316701837752, 0.480101484835605, 0.518845404389169)),
    10: (0.000293660537456746, "2.93660e-4",
         (0.199983605198031, 0.0103506482195505, 0.019604934803439, 0.032089068419366,
          0.0499326768343365, 0.0765139927501944, 0.11862407349811, 0.192144871729006,
          0.347320587937211, 0.369164374569147))}


def penalty_2(n=10):
    if n not in PENALTY2_MINIMA:
        raise ValueError(f"f* is tabulated for n in {sorted(PENALTY2_MINIMA)}, not {n}")
    residuals = ["x1 - 0.2"]
    residuals += [f"sqrt(0.00001)*(exp(x{i}/10) + exp(x{i - 1}/10) - "
                  f"(exp({_num(i / 10)}) + exp({_num((i - 1) / 10)})))" for i in range(2, n + 1)]
    residuals += [f"sqrt(0.00001)*(exp(x{i - n + 1}/10) - exp(-0.1))"
                  for i in range(n + 1, 2 * n)]
    residuals.append(_sum(f"{n - j + 1}*x{j}**2" if j < n else f"x{j}**2"
                          for j in range(1, n + 1)) + " - 1")
    fstar, reported, xstar = PENALTY2_MINIMA[n]
    return _problem("penalty_2", 24, _least_squares(residuals), n, [0.5] * n, fstar, reported,
                    m=2 * n, xstar=xstar, note=f"n = {n}, a = 1e-5.")


def variably_dimensioned(n=10):
    residuals = [f"x{j} - 1" for j in range(1, n + 1)]
    definitions = ["s = " + _sum(f"{j}*(x{j} - 1)" if j > 1 else "(x1 - 1)"
                                 for j in range(1, n + 1))]
    residuals += ["s", "s**2"]
    return _problem("variably_dimensioned", 25, _least_squares(residuals, definitions), n,
                    [1 - j / n for j in range(1, n + 1)], 0.0, "0", m=n + 2,
                    xstar=(1.0,) * n, note=f"n = {n}; minimum 0 at (1, ..., 1).")


TRIGONOMETRIC_MINIMA = {
    10: (2.79505612187841e-05, "2.79506e-5",
         (0.0551509039806681, 0.0568406167946849, 0.0587640017627328, 0.0609906086567263,
          0.063626213695625, 0.0668431794527297, 0.208161518569833, 0.164363095885782,
          0.0850068956886792, 0.0914314507146645))}


def trigonometric(n=10):
    definitions = ["c = " + _sum(f"cos(x{j})" for j in range(1, n + 1))]
    residuals = [f"{n} - c + {i}*(1 - cos(x{i})) - sin(x{i})" for i in range(1, n + 1)]
    fstar, reported, xstar = TRIGONOMETRIC_MINIMA.get(n, (0.0, "0", None))
    return _problem("trigonometric", 26, _least_squares(residuals, definitions), n,
                    [1 / n] * n, fstar, reported, m=n, minima=(0.0,), xstar=xstar,
                    note=f"n = {n}; MGH give f* = 0; from x0 methods reach the local "
                         "minimum 2.79506...e-5 (n = 10), the value usually reported: "
                         "fstar is that value.")


def brown_almost_linear(n=10):
    total = _sum(f"x{j}" for j in range(1, n + 1))
    definitions = [f"s = {total}"]
    residuals = [f"x{i} + s - {n + 1}" for i in range(1, n)]
    residuals.append("*".join(f"x{j}" for j in range(1, n + 1)) + " - 1")
    return _problem("brown_almost_linear", 27, _least_squares(residuals, definitions), n,
                    [0.5] * n, 0.0, "0", m=n, xstar=(1.0,) * n, minima=(1.0,),
                    note=f"n = {n}; minimum 0 at (1, ..., 1) (and at (a, ..., a, a**(1-n)) "
                         "for the roots a of n a**n - (n+1) a**(n-1) + 1); 1 at "
                         "(0, ..., 0, n+1).")


#: zeros of the residuals at n = 10, found from x0 (BFGS, then Newton)
BVP_SOLUTION_10 = (-0.0431649825187649, -0.0815771565353869, -0.114485714380529,
                   -0.140973576862597, -0.159908696181983, -0.169877202312775,
                   -0.169089983781208, -0.155249535221832, -0.125355891678935,
                   -0.0754165336858921)
BROYDEN_TRIDIAGONAL_10 = (-0.570722132011225, -0.681806949984275, -0.70221007601766,
                          -0.70551062989508, -0.704906155728744, -0.701496607029851,
                          -0.691889322354798, -0.665796514405854, -0.596035109026366,
                          -0.416412257528693)
BROYDEN_BANDED_10 = (-0.42830286358725, -0.47659642435629, -0.519652463646862,
                     -0.558099324832181, -0.592506156829457, -0.624503682199468,
                     -0.623239471440591, -0.621393841796574, -0.620453596659087,
                     -0.586469270720435)


def discrete_boundary_value(n=10):
    h = 1 / (n + 1)
    definitions = [f"h = 1/{n + 1}"]
    residuals = []
    for i in range(1, n + 1):
        left = f" - x{i - 1}" if i > 1 else ""
        right = f" - x{i + 1}" if i < n else ""
        residuals.append(f"2*x{i}{left}{right} + h**2*(x{i} + {i}*h + 1)**3/2")
    x0 = [i * h * (i * h - 1) for i in range(1, n + 1)]
    return _problem("discrete_boundary_value", 28, _least_squares(residuals, definitions), n,
                    x0, 0.0, "0", m=n, xstar=BVP_SOLUTION_10 if n == 10 else None,
                    note=f"n = {n}, h = 1/(n+1); minimum 0 at the finite-difference "
                         "solution of u'' = (u + t + 1)**3/2, u(0) = u(1) = 0.")


def discrete_integral_equation(n=10):
    h = 1 / (n + 1)
    definitions = [f"h = 1/{n + 1}"]
    definitions += [f"c{j} = (x{j} + {j}*h + 1)**3" for j in range(1, n + 1)]
    residuals = []
    for i in range(1, n + 1):
        low = _sum(f"{j}*h*c{j}" for j in range(1, i + 1))
        high = _sum(f"(1 - {j}*h)*c{j}" for j in range(i + 1, n + 1))
        inner = f"(1 - {i}*h)*({low})" + (f" + {i}*h*({high})" if high else "")
        residuals.append(f"x{i} + h*({inner})/2")
    x0 = [i * h * (i * h - 1) for i in range(1, n + 1)]
    return _problem("discrete_integral_equation", 29,
                    _least_squares(residuals, definitions), n, x0, 0.0, "0", m=n,
                    xstar=BVP_SOLUTION_10 if n == 10 else None,
                    note=f"n = {n}, h = 1/(n+1); minimum 0, at the same point as the "
                         "discrete boundary value problem (the integral form of the "
                         "same equation, trapezoidal rule).")


def broyden_tridiagonal_residuals(n):
    """F_k = (3 - 2 x_k) x_k - x_{k-1} - 2 x_{k+1} + 1, k = 1..n, as adcli text
    (MGH 30; MINPACK's hybrj problem 13)."""
    residuals = []
    for i in range(1, n + 1):
        left = f" - x{i - 1}" if i > 1 else ""
        right = f" - 2*x{i + 1}" if i < n else ""
        residuals.append(f"(3 - 2*x{i})*x{i}{left}{right} + 1")
    return residuals


def broyden_banded_residuals(n, lower=5, upper=1):
    """F_k = x_k (2 + 5 x_k**2) + 1 - sum over the band of x_j (1 + x_j), as
    adcli text (MGH 31; MINPACK's hybrj problem 14)."""
    residuals = []
    for i in range(1, n + 1):
        band = [j for j in range(max(1, i - lower), min(n, i + upper) + 1) if j != i]
        coupling = " - ".join(f"x{j}*(1 + x{j})" for j in band)
        residuals.append(f"x{i}*(2 + 5*x{i}**2) + 1" + (f" - {coupling}" if coupling else ""))
    return residuals


def broyden_tridiagonal(n=10):
    residuals = broyden_tridiagonal_residuals(n)
    return _problem("broyden_tridiagonal", 30, _least_squares(residuals), n, [-1] * n,
                    0.0, "0", m=n, xstar=BROYDEN_TRIDIAGONAL_10 if n == 10 else None,
                    note=f"n = {n}; minimum 0.")


def broyden_banded(n=10, lower=5, upper=1):
    residuals = broyden_banded_residuals(n, lower, upper)
    return _problem("broyden_banded", 31, _least_squares(residuals), n, [-1] * n, 0.0, "0",
                    m=n, xstar=BROYDEN_BANDED_10 if (n, lower, upper) == (10, 5, 1) else None,
                    note=f"n = {n}, ml = {lower}, mu = {upper}; minimum 0.")


def linear_full_rank(n=10, m=20):
    definitions = ["s = " + _sum(f"x{j}" for j in range(1, n + 1))]
    residuals = [f"x{i} - 2*s/{m} - 1" for i in range(1, n + 1)]
    residuals += [f"-2*s/{m} - 1" for _ in range(n + 1, m + 1)]
    return _problem("linear_full_rank", 32, _least_squares(residuals, definitions), n, [1] * n,
                    m - n, str(m - n), m=m, xstar=(-1.0,) * n,
                    note=f"n = {n}, m = {m}; minimum m - n at (-1, ..., -1).")


def linear_rank_1(n=10, m=20):
    definitions = ["s = " + _sum(f"{j}*x{j}" if j > 1 else "x1" for j in range(1, n + 1))]
    residuals = [f"{i}*s - 1" if i > 1 else "s - 1" for i in range(1, m + 1)]
    fstar = m * (m - 1) / (2 * (2 * m + 1))
    return _problem("linear_rank_1", 33, _least_squares(residuals, definitions), n, [1] * n,
                    fstar, f"m(m-1)/(2(2m+1)) = {fstar:.6g}", m=m,
                    xstar=(3 / (2 * m + 1),) + (0.0,) * (n - 1),
                    note=f"n = {n}, m = {m}; minimum m(m-1)/(2(2m+1)) on the hyperplane "
                         "sum j*xj = 3/(2m+1).")


def linear_rank_1_zero_columns_and_rows(n=10, m=20):
    # MGH problem 34, "Linear function - rank 1 with zero columns and rows"
    # (Moré, Garbow & Hillstrom 1981, section 3, problem 34): f1 = fm = -1 and
    # fi = (i - 1)*(sum of j*xj for j = 2..n-1) - 1 for i = 2..m-1; x0 = (1, ..., 1);
    # f* = (m**2 + 3m - 6)/(2(2m - 3)) wherever sum j*xj (j = 2..n-1) = 3/(2m - 3).
    # x1 and xn occur in no residual: the zero columns; f1 and fm: the zero rows.
    definitions = ["s = " + _sum(f"{j}*x{j}" for j in range(2, n))]
    residuals = ["-1"] + [f"{i - 1}*s - 1" if i > 2 else "s - 1" for i in range(2, m)] + ["-1"]
    fstar = (m * m + 3 * m - 6) / (2 * (2 * m - 3))
    return _problem("linear_rank_1_zero_columns_and_rows", 34,
                    _least_squares(residuals, definitions), n, [1] * n, fstar,
                    f"(m**2 + 3m - 6)/(2(2m - 3)) = {fstar:.6g}", m=m,
                    xstar=(1.0, 3 / (2 * (2 * m - 3))) + (0.0,) * (n - 3) + (1.0,),
                    note=f"n = {n}, m = {m}; minimum (m**2 + 3m - 6)/(2(2m - 3)) on the "
                         f"hyperplane sum j*xj (j = 2..n-1) = 3/(2m - 3); x1 and x{n} do "
                         "not occur (zero Jacobian columns), r1 and rm are constant.")


CHEBYQUAD_MINIMA = {
    8: (0.00351687372567792, "3.51687e-3",
        (0.0431527601624205, 0.193090840459893, 0.266328706858805, 0.499999999999308,
         0.500000000052679, 0.733671293093992, 0.806909159686285, 0.956847239887439)),
    10: (0.0065039548008823, "6.50395e-3",
         (0.0596199004337452, 0.166708281672314, 0.239170658733736, 0.39888429216252,
          0.398884292067548, 0.601115707600963, 0.601115707428553, 0.760829340864688,
          0.833291717992308, 0.940380099372199))}


def chebyquad(n=8):
    if n in CHEBYQUAD_MINIMA:
        fstar, reported, xstar = CHEBYQUAD_MINIMA[n]
    elif 1 <= n <= 7 or n == 9:
        fstar, reported, xstar = 0.0, "0", None  # the Gauss-Chebyshev nodes
    else:
        raise ValueError(f"f* is tabulated for m = n in 1..10, not {n}")
    m = n
    definitions = []
    for j in range(1, n + 1):
        # T_i(2x - 1), the Chebyshev polynomials shifted to [0, 1], by the
        # three-term recurrence T_{i+1} = 2 y T_i - T_{i-1}
        definitions.append(f"T1_{j} = 2*x{j} - 1")
        if m >= 2:
            definitions.append(f"T2_{j} = 2*T1_{j}**2 - 1")
        for i in range(3, m + 1):
            prev = f"T{i - 2}_{j}"
            definitions.append(f"T{i}_{j} = 2*T1_{j}*T{i - 1}_{j} - {prev}")
    residuals = []
    for i in range(1, m + 1):
        mean = f"({_sum(f'T{i}_{j}' for j in range(1, n + 1))})/{n}"
        residuals.append(mean if i % 2 else f"{mean} + 1/{i * i - 1}")
    return _problem("chebyquad", 35, _least_squares(residuals, definitions), n,
                    [j / (n + 1) for j in range(1, n + 1)], fstar, reported, m=m, xstar=xstar,
                    note=f"n = m = {n}; the mean of T_i(2xj - 1) minus its integral "
                         "over [0, 1] (-1/(i**2 - 1) for even i, 0 for odd).")


def himmelblau():
    return Problem(
        name="himmelblau", text="(x1**2 + x2 - 11)**2 + (x1 + x2**2 - 7)**2",
        variables=("x1", "x2"), x0=(1.0, 1.0), fstar=0.0, reported="0", xstar=(3.0, 2.0),
        residuals=2, reference="D. M. Himmelblau, Applied Nonlinear Programming, "
                               "McGraw-Hill, 1972",
        note="Four minima of value 0: (3, 2), (-2.805118, 3.131312), "
             "(-3.779310, -3.283186), (3.584428, -1.848126); a maximum at "
             "(-0.270845, -0.923039).  No standard start: x0 = (1, 1) is ours.")


#: one instance of each problem, in MGH's order, then Himmelblau
PROBLEMS = [rosenbrock(), freudenstein_roth(), powell_badly_scaled(), brown_badly_scaled(),
            beale(), jennrich_sampson(), helical_valley(), bard(), gaussian(), meyer(),
            gulf(), box_3d(), powell_singular(), wood(), kowalik_osborne(), brown_dennis(),
            osborne_1(), biggs_exp6(), osborne_2(), watson(), extended_rosenbrock(),
            extended_powell(), penalty_1(), penalty_2(), variably_dimensioned(),
            trigonometric(), brown_almost_linear(), discrete_boundary_value(),
            discrete_integral_equation(), broyden_tridiagonal(), broyden_banded(),
            linear_full_rank(), linear_rank_1(), linear_rank_1_zero_columns_and_rows(),
            chebyquad(), himmelblau()]

_BY_NAME = {p.name: p for p in PROBLEMS}


def by_name(name):
    """The problem of PROBLEMS called name (KeyError with the names if none)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no problem {name!r}; known: {', '.join(_BY_NAME)}") from None
