"""The corpus the derivative tests share (tests/engine/test_forward.py,
test_second.py), generated from the op table: every op (at every argument
count its tests use) is applied to arguments that depend on the variables
through products, quotients and powers with variable exponents, each
argument mapped into that op's own sampling domain; the result is then
multiplied, divided, fed to the next op of the table (a composition) and
raised to a variable power.  Each corpus entry is written three ways: adcli
text, a Python function (math module, tests/reference.py) and a SymPy
expression.
"""
import math

import numpy as np
import pytest

import adcli
from adcli import ops
from conftest import arg_counts, domain_of, expression_for
from reference import REFERENCE, sympy_rules

VARIABLES = ("x", "y", "z")
#: every variable is sampled from this interval; the feeders below map the
#: box into (0, 1), so each op argument stays strictly inside its domain
BOX = (0.2, 0.8)
#: a sample point is redrawn when a kinked op is closer than this to its kink
KINK_MARGIN = 1e-3


# --- the corpus: one expression, three ways ---------------------------------------------


class NearKink(Exception):
    """A kinked op (abs, floor, max, ...) is evaluated too close to its kink
    for finite differences to judge it."""


class Piece:
    """An expression as adcli text, as a Python function of {name: float}
    (``py(env, margin)``, margin > 0 raises NearKink near a kink) and as a
    SymPy expression builder ``sym({name: Symbol})``."""

    def __init__(self, text, py, sym):
        self.text, self.py, self.sym = text, py, sym

    def value(self, point, margin=0.0):
        return self.py(dict(zip(VARIABLES, point)), margin)


def _kink_distance(name, args):
    """How far an op's arguments are from the op's kink (inf: no kink)."""
    if name in ("abs", "relu", "sign"):
        return abs(args[0])
    if name in ("floor", "ceil"):
        return abs(args[0] - round(args[0]))
    if name in ("max", "min") and len(args) > 1:
        ranked = sorted(args, reverse=(name == "max"))
        return ranked[1] - ranked[0] if name == "min" else ranked[0] - ranked[1]
    if name == "hypot":
        return math.hypot(*args)
    return math.inf


def leaf(name):
    return Piece(name, lambda env, margin: env[name], lambda s: s[name])


def apply(op, pieces):
    """op applied to pieces (each already inside the op's domain)."""
    reference = REFERENCE[op.name]
    name = op.name

    def py(env, margin):
        args = [p.py(env, margin) for p in pieces]
        if margin and _kink_distance(name, args) < margin:
            raise NearKink(name)
        return reference(*args)

    def sym(s):
        return sympy_rules()[name](*[p.sym(s) for p in pieces])

    return Piece(expression_for(op, [f"({p.text})" for p in pieces]), py, sym)


def into(piece, interval):
    """A piece with values in (0, 1) mapped affinely into the interval."""
    lo, hi = interval
    width = hi - lo
    return Piece(f"{lo!r} + {width!r}*({piece.text})",
                 lambda env, margin: lo + width * piece.py(env, margin),
                 lambda s: lo + width * piece.sym(s))


def squash(piece):
    """sigmoid(piece): any value into (0, 1)."""
    def py(env, margin):
        v = piece.py(env, margin)
        return 1.0 / (1.0 + math.exp(-v))

    def sym(s):
        import sympy as sp
        return 1 / (1 + sp.exp(-piece.sym(s)))

    return Piece(f"sigmoid({piece.text})", py, sym)


def _feeders():
    """Pieces of x, y, z with values in (0, 1) on BOX**3: a product, a sum
    with a square, a quotient, a power with a variable exponent, a sine."""
    import sympy as sp  # noqa: F401 - only the builders use it

    return [
        Piece("x*y", lambda e, m: e["x"] * e["y"], lambda s: s["x"] * s["y"]),
        Piece("(x + y**2)/2", lambda e, m: (e["x"] + e["y"] ** 2) / 2,
              lambda s: (s["x"] + s["y"] ** 2) / 2),
        Piece("y/(1 + z)", lambda e, m: e["y"] / (1 + e["z"]),
              lambda s: s["y"] / (1 + s["z"])),
        Piece("x**z", lambda e, m: e["x"] ** e["z"], lambda s: s["x"] ** s["z"]),
        Piece("sin(x*z)", lambda e, m: math.sin(e["x"] * e["z"]),
              lambda s: __import__("sympy").sin(s["x"] * s["z"])),
    ]


FEEDERS = _feeders()
OP_NAMES = list(ops.TABLE)


def op_application(name, count, shift=0):
    """The op applied to count feeders, each mapped into its argument's domain."""
    op = ops.TABLE[name]
    pieces = [into(FEEDERS[(k + shift) % len(FEEDERS)], domain_of(op, k))
              for k in range(count)]
    return apply(op, pieces)


def _times(a, b):
    return Piece(f"({a.text})*({b.text})", lambda e, m: a.py(e, m) * b.py(e, m),
                 lambda s: a.sym(s) * b.sym(s))


def _over(a, b):
    return Piece(f"({a.text})/({b.text})", lambda e, m: a.py(e, m) / b.py(e, m),
                 lambda s: a.sym(s) / b.sym(s))


def _power(a, b):
    return Piece(f"({a.text})**({b.text})", lambda e, m: a.py(e, m) ** b.py(e, m),
                 lambda s: a.sym(s) ** b.sym(s))


def _plain(text, py, sym):
    return Piece(text, lambda e, m: py(e), sym)


def _next_op(name):
    """The op after name in the table (wrapping), at its smallest arg count."""
    index = (OP_NAMES.index(name) + 1) % len(OP_NAMES)
    op = ops.TABLE[OP_NAMES[index]]
    return op, arg_counts(op)[0]


def template(kind, name, count):
    """One corpus entry: the op applied to feeders, inside a product, a
    quotient, a composition with the next op, or a variable-exponent power."""
    inner = op_application(name, count)
    if kind == "product":
        return _times(inner, _plain("1 + x*z", lambda e: 1 + e["x"] * e["z"],
                                    lambda s: 1 + s["x"] * s["z"]))
    if kind == "quotient":
        shifted = op_application(name, count, shift=2)
        return _over(shifted, _plain("2 + y*z", lambda e: 2 + e["y"] * e["z"],
                                     lambda s: 2 + s["y"] * s["z"]))
    if kind == "composition":
        outer, outer_count = _next_op(name)
        args = [into(squash(inner), domain_of(outer, 0))]
        args += [into(FEEDERS[k % len(FEEDERS)], domain_of(outer, k))
                 for k in range(1, outer_count)]
        return apply(outer, args)
    if kind == "power":
        base = into(squash(inner), (1.5, 2.5))
        return _power(base, _plain("y - z", lambda e: e["y"] - e["z"],
                                   lambda s: s["y"] - s["z"]))
    raise ValueError(kind)


TEMPLATES = ("product", "quotient", "composition", "power")
OP_CASES = [(name, count) for name, op in ops.TABLE.items() for count in arg_counts(op)]


def corpus_cases():
    return [pytest.param(name, count, kind, id=f"{name}-{count}-{kind}")
            for name, count in OP_CASES for kind in TEMPLATES]


def sample_points(seed, piece, count=2):
    """count points of BOX**3 where no kinked op of piece is near its kink."""
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(200):
        point = [float(v) for v in rng.uniform(*BOX, size=len(VARIABLES))]
        try:
            piece.value(point, margin=KINK_MARGIN)
        except NearKink:
            continue
        found.append(point)
        if len(found) == count:
            return found
    raise AssertionError(f"no point away from the kinks of {piece.text}")


def seed_of(*parts):
    return sum(ord(c) * (k + 1) for k, c in enumerate("/".join(map(str, parts))))


def parse_piece(piece):
    """The graph, with all three variables in order (a piece may use fewer)."""
    graph = adcli.parse(piece.text)
    used = [v for v in VARIABLES if v in graph.variables]
    return graph.with_variables(used), used


def restricted(piece, used):
    """The piece's Python function of the used variables only (others fixed
    at a value that does not matter because the piece does not read them)."""
    def f(*values):
        env = dict.fromkeys(VARIABLES, 0.5)
        env.update(zip(used, values))
        return piece.py(env, 0.0)
    return f


def scale_of(matrix):
    return 1.0 + max((abs(v) for row in matrix for v in row), default=0.0)


def lambdified(symbols, matrix):
    """A numeric function of a SymPy matrix, evaluated by mpmath.  The sample
    points are away from every kink, where Heaviside steps are 0 or 1 and
    DiracDelta is 0."""
    import mpmath
    import sympy as sp

    matrix = matrix.applyfunc(
        lambda e: e.replace(lambda d: isinstance(d, sp.Derivative), lambda d: sp.S.Zero))
    away_from_kinks = {"Heaviside": lambda a, h0=0.5: mpmath.mpf(1 if a > 0 else 0),
                       "DiracDelta": lambda *a: mpmath.mpf(0)}
    return sp.lambdify(symbols, matrix, [away_from_kinks, "mpmath"])
