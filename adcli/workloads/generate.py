"""Large test expressions as text, at any size, with Python references.

Used by the tests (correctness at scale) and by bench/ (performance)::

    python -m adcli.workloads.generate rosenbrock 10000 > rosenbrock.txt
    python -m adcli.workloads.generate compositions 500 --seed 1 > compositions.txt

- ``rosenbrock(n)``: the extended Rosenbrock function written out as scalar
  operations, one flat sum; ``rosenbrock_value`` and ``rosenbrock_gradient``
  are its closed forms.  ``rosenbrock_program(n)``: the same sum laid out
  with comments, long names and spaces (variables position_1..position_n).
- ``random_compositions(terms, seed)``: a sum of random compositions of the
  functions in the op table, every argument kept inside the op's sampling
  domain for any point in [-1, 1]^n; ``compositions(terms, seed)`` returns it
  with a reference value and gradient written with the math module.

Pure Python: no numpy, nothing imported from adcli but the op table.
"""
import argparse
import math
import random
import sys

from .. import ops
# --- extended Rosenbrock --------------------------------------------------------


def rosenbrock(n):
    """Sum over i = 1..n/2 of 100*(x{2i} - x{2i-1}**2)**2 + (1 - x{2i-1})**2,
    as one flat sum over variables x1..xn (n even)."""
    _check_even(n)
    return " + ".join(f"100*(x{2 * i}-x{2 * i - 1}**2)**2 + (1-x{2 * i - 1})**2"
                      for i in range(1, n // 2 + 1))


def rosenbrock_program(n):
    """rosenbrock(n) as a person might lay it out: one commented line per
    term, long variable names (position_1 .. position_n), spaces around every
    operator.  Sparser text than rosenbrock(n) (more characters per token)
    for the same sum; lines after the first start with '+', so they continue it."""
    _check_even(n)
    lines = ["# the extended Rosenbrock function, one pair of variables a line"]
    for i in range(1, n // 2 + 1):
        even, odd = f"position_{2 * i}", f"position_{2 * i - 1}"
        plus = "  " if i == 1 else "+ "
        lines.append(f"{plus}100 * ({even} - {odd} ** 2) ** 2  +  (1 - {odd}) ** 2"
                     f"    # pair {i}: the valley, then the distance from 1")
    return "\n".join(lines) + "\n"


def rosenbrock_start(n):
    """The classic starting point (-1.2, 1, -1.2, 1, ...)."""
    _check_even(n)
    return [-1.2, 1.0] * (n // 2)


def rosenbrock_value(x):
    """Closed-form value of rosenbrock(len(x)) at the list of floats x."""
    _check_even(len(x))
    return math.fsum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
                     for i in range(0, len(x), 2))


def rosenbrock_gradient(x):
    """Closed-form gradient of rosenbrock(len(x)) at x, as a list."""
    _check_even(len(x))
    gradient = [0.0] * len(x)
    for i in range(0, len(x), 2):
        inner = x[i + 1] - x[i] ** 2
        gradient[i] = -400.0 * x[i] * inner - 2.0 * (1.0 - x[i])
        gradient[i + 1] = 200.0 * inner
    return gradient


def rosenbrock_nodes(n):
    """Op nodes of the parsed rosenbrock(n): six per pair and the sum."""
    _check_even(n)
    return 3 * n + 1


def _check_even(n):
    if n < 2 or n % 2:
        raise ValueError(f"the extended Rosenbrock needs an even n >= 2, got {n}")


# --- random compositions ---------------------------------------------------------


def _cbrt(x):
    return math.copysign(abs(x) ** (1.0 / 3.0), x)


def _sign(x):
    return (x > 0) - (x < 0)


#: each callable name, written independently of the op table with math
REFERENCE = {
    "abs": abs, "acos": math.acos, "acosh": math.acosh, "asin": math.asin,
    "asinh": math.asinh, "atan": math.atan, "atan2": math.atan2,
    "atanh": math.atanh, "cbrt": _cbrt, "ceil": math.ceil, "cos": math.cos,
    "cosh": math.cosh, "exp": math.exp, "expm1": math.expm1,
    "floor": math.floor, "hypot": math.hypot, "log": math.log,
    "log10": math.log10, "log1p": math.log1p, "log2": math.log2, "max": max,
    "min": min, "pow": math.pow, "relu": lambda x: max(x, 0.0),
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)), "sign": _sign,
    "sin": math.sin, "sinh": math.sinh,
    "softplus": lambda x: math.log1p(math.exp(-abs(x))) + max(x, 0.0),
    "sqrt": math.sqrt, "tan": math.tan, "tanh": math.tanh,
}

#: functions with a kink or a jump inside their domain, where a difference
#: quotient is not the derivative; leave them out for gradient checks
KINKED = ("abs", "ceil", "floor", "hypot", "max", "min", "relu", "sign")


class Compositions:
    """A generated sum of compositions: ``text`` for adcli, ``variables``
    (x1..xn), and a reference ``value(x)`` / ``gradient(x)`` for x a list
    of floats in [-1, 1]^n.

    Structure: a term is (coefficient, factors); a factor is a leaf
    (variable index, squared?) followed by steps (name, p, q, extra), each
    step computing u <- name(p*u + q, *extra), extra being further leaves
    (index, p, q) meaning p*x + q.  Loops only, no recursion.
    """

    def __init__(self, terms, variables):
        self.terms = terms
        self.variables = tuple(f"x{k}" for k in range(1, variables + 1))
        self.text = " + ".join(_term_text(term) for term in terms).replace("+ -", "- ")

    def value(self, x):
        """Reference value at x (a list of floats in variable order)."""
        return math.fsum(_term_value(term, x) for term in self.terms)

    def gradient(self, x, h=5e-5):
        """Reference gradient: a 5-point central difference per term and per
        variable the term uses (error about 1e-9 relative, except within 2h
        of a kink)."""
        gradient = [0.0] * len(x)
        for term in self.terms:
            for k in _term_variables(term):
                gradient[k] += _derivative(term, x, k, h)
        return gradient


def compositions(terms, seed=0, variables=None, depth=3, functions=None):
    """A Compositions of ``terms`` random terms over ``variables`` variables
    (default terms // 2, at least 1), each factor a chain of 1..depth calls
    of ``functions`` (default: every op-table function with a reference).
    The same arguments give the same expression."""
    rng = random.Random(seed)
    count = variables or max(1, terms // 2)
    if not 1 <= count <= terms:
        raise ValueError(f"need 1 <= variables <= terms, got {count} and {terms}")
    names = sorted(functions or [n for n in ops.function_names() if n in REFERENCE])
    unknown = [n for n in names if n not in REFERENCE or n not in ops.TABLE]
    if unknown:
        raise ValueError(f"no reference or no op for: {', '.join(unknown)}")
    made = [_random_term(rng, t % count, count, depth, names) for t in range(terms)]
    return Compositions(made, count)


def random_compositions(terms, seed=0, **options):
    """The text of compositions(terms, seed, ...), e.g.
    ``-1.35*sigmoid(2.15*tan(1.92*x3**2 - 0.96)) - 0.64*softplus(3.2*x4) + ...``."""
    return compositions(terms, seed, **options).text


def _random_term(rng, first, count, depth, names):
    """Term number t starts from variable t % count: every variable occurs."""
    coefficient = round(rng.choice((-1, 1)) * rng.uniform(0.5, 2.0), 2)
    factors = [_random_factor(rng, first, count, depth, names)]
    if rng.random() < 0.3:
        factors.append(_random_factor(rng, rng.randrange(count), count, depth, names))
    return coefficient, factors


def _random_factor(rng, index, count, depth, names):
    """x{index+1} or its square, then 1..depth calls, each argument mapped
    into the op's domain."""
    leaf = (index, rng.random() < 0.3)
    low, high = (0.0, 1.0) if leaf[1] else (-1.0, 1.0)
    steps = []
    for _ in range(rng.randint(1, depth)):
        name = rng.choice(names)
        op = ops.TABLE[name]
        nargs = 2 if op.nargs is None else op.nargs
        domains = [op.domain[min(slot, len(op.domain) - 1)] for slot in range(nargs)]
        p, q = _affine_into(low, high, domains[0])
        extra = tuple((rng.randrange(count),) + _affine_into(-1.0, 1.0, domain)
                      for domain in domains[1:])
        steps.append((name, p, q, extra))
        low, high = _range(name, (p * low + q, p * high + q),
                           [(-abs(ep) + eq, abs(ep) + eq) for _, ep, eq in extra])
    return leaf, steps


def _affine_into(low, high, domain):
    """(p, q), short decimals, mapping [low, high] into the middle 80% of
    domain; an exact image still inside the domain."""
    a, b = domain
    a, b = a + 0.1 * (b - a), b - 0.1 * (b - a)
    p = 1.0 if high - low < 1e-6 else (b - a) / (high - low)  # 1: a constant
    q = (a + b) / 2 - p * (low + high) / 2
    for digits in (3, 6, 17):
        rp, rq = float(f"{p:.{digits}g}"), float(f"{q:.{digits}g}")
        rq = 0.0 if abs(rq) < 1e-9 * max(1.0, abs(rp)) else rq  # not 4.4e-16
        lo, hi = sorted((rp * low + rq, rp * high + rq))
        if domain[0] < lo and hi < domain[1]:
            return rp, rq
    return p, q


def _range(name, first, others, samples=64):
    """Range of name over the box of argument intervals, by sampling and a
    2% margin (the next op maps it into the middle of its domain anyway)."""
    fn = REFERENCE[name]
    grid = [first] + others
    points = [[lo + (hi - lo) * k / samples for k in range(samples + 1)]
              for lo, hi in grid]
    if len(points) == 1:
        values = [fn(u) for u in points[0]]
    else:
        values = [fn(u, v) for u in points[0] for v in points[1]]
    low, high = min(values), max(values)
    margin = 0.02 * (high - low) + 1e-9
    return low - margin, high + margin


def _leaf_text(index, squared):
    return f"x{index + 1}**2" if squared else f"x{index + 1}"


def _affine_text(p, u, q):
    scaled = u if p == 1 else f"{p!r}*{u}"  # p > 0: domains map forwards
    if q == 0:
        return scaled
    return f"{scaled} - {repr(-q)}" if q < 0 else f"{scaled} + {repr(q)}"


def _factor_text(factor):
    (index, squared), steps = factor
    text = _leaf_text(index, squared)
    for name, p, q, extra in steps:
        args = [_affine_text(p, text, q)]
        args += [_affine_text(ep, f"x{ei + 1}", eq) for ei, ep, eq in extra]
        text = f"{name}({', '.join(args)})"
    return text


def _term_text(term):
    coefficient, factors = term
    return "*".join([repr(coefficient)] + [_factor_text(f) for f in factors])


def _term_value(term, x):
    coefficient, factors = term
    product = coefficient
    for (index, squared), steps in factors:
        u = x[index] ** 2 if squared else x[index]
        for name, p, q, extra in steps:
            u = REFERENCE[name](p * u + q, *[ep * x[ei] + eq for ei, ep, eq in extra])
        product *= u
    return product


def _term_variables(term):
    used = set()
    for (index, _), steps in term[1]:
        used.add(index)
        used.update(ei for _, _, _, extra in steps for ei, _, _ in extra)
    return sorted(used)


def _derivative(term, x, k, h):
    """d term / d x[k] by the 5-point central difference."""
    shifted = list(x)
    values = []
    for step in (-2, -1, 1, 2):
        shifted[k] = x[k] + step * h
        values.append(_term_value(term, shifted))
    return (values[0] - 8.0 * values[1] + 8.0 * values[2] - values[3]) / (12.0 * h)


# --- command line ----------------------------------------------------------------


def main(argv=None):
    """python -m adcli.workloads.generate {rosenbrock N | rosenbrock_program N |
    compositions TERMS [--seed S]}"""
    parser = argparse.ArgumentParser(prog="python -m adcli.workloads.generate",
                                     description="Print a large test expression.")
    parser.add_argument("kind", choices=("rosenbrock", "rosenbrock_program", "compositions"))
    parser.add_argument("size", type=int, help="variables (rosenbrock) or terms")
    parser.add_argument("--seed", type=int, default=0, help="compositions only")
    args = parser.parse_args(argv)
    try:
        text = (rosenbrock(args.size) if args.kind == "rosenbrock"
                else rosenbrock_program(args.size) if args.kind == "rosenbrock_program"
                else random_compositions(args.size, args.seed))
    except ValueError as error:
        parser.error(str(error))
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
