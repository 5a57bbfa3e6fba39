"""A scalar array namespace: the functions the op table calls, for Python floats.

The op table (ops.py) writes every rule against a namespace ``xp``.  For a
batch of points ``xp`` is numpy; for a single point it is this module, which
is much cheaper to import and call than numpy on one number.  Each function
here returns what numpy returns for the same float64 input: nan or +-inf
instead of raising (log(-1) is nan, 1/0 is inf, exp(1000) is inf).
"""
import math
from functools import reduce as _reduce
from operator import add as _add

inf = math.inf
nan = math.nan
pi = math.pi
e = math.e

isfinite = math.isfinite
atan = math.atan
atan2 = math.atan2
tanh = math.tanh
asinh = math.asinh
hypot = math.hypot
_copysign = math.copysign


def _guard(fn, on_error):
    """Wrap a math function so domain and range errors give numpy's answer."""

    def guarded(x):
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return on_error(x)

    guarded.__name__ = fn.__name__
    guarded.__wrapped__ = fn  # vectorized maps the raw function over arrays
    return guarded


def _nan(x):
    return nan


def _inf_with_sign(x):
    return _copysign(inf, x)


def _log_error(x):
    return -inf if x == 0 else nan


sin = _guard(math.sin, _nan)
cos = _guard(math.cos, _nan)
tan = _guard(math.tan, _nan)
asin = _guard(math.asin, _nan)
acos = _guard(math.acos, _nan)
sinh = _guard(math.sinh, _inf_with_sign)
cosh = _guard(math.cosh, lambda x: inf)
acosh = _guard(math.acosh, _nan)
atanh = _guard(math.atanh, lambda x: _copysign(inf, x) if abs(x) == 1 else nan)
exp = _guard(math.exp, lambda x: inf)
expm1 = _guard(math.expm1, lambda x: inf)
log = _guard(math.log, _log_error)
log2 = _guard(math.log2, _log_error)
log10 = _guard(math.log10, _log_error)
log1p = _guard(math.log1p, lambda x: -inf if x == -1 else nan)
sqrt = _guard(math.sqrt, _nan)


def floor(x):
    # the result takes x's sign, as in IEEE 754 and numpy: floor(-0.0) is -0.0
    return _copysign(float(math.floor(x)), x) if math.isfinite(x) else x


def ceil(x):
    return _copysign(float(math.ceil(x)), x) if math.isfinite(x) else x  # ceil(-0.5) is -0.0


def abs(x):  # noqa: A001 - mirrors numpy.abs
    return math.fabs(x)


def sign(x):
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x + 0.0  # 0.0 for both zeros and nan for nan, as numpy.sign


def where(condition, if_true, if_false):
    return if_true if condition else if_false


def maximum(a, b):
    """IEEE 754-2019 maximum: nan propagates and -0.0 < 0.0, so the result
    does not depend on the order of the arguments (vectorized does the same)."""
    if a != a or b != b:
        return nan
    if a == b:
        return a + b if a == 0 else a  # max(-0.0, 0.0) is 0.0
    return a if a > b else b


def minimum(a, b):
    if a != a or b != b:
        return nan
    if a == b:
        return -(-a - b) if a == 0 else a  # min(-0.0, 0.0) is -0.0
    return a if a < b else b


def divide(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return nan
        return _copysign(inf, a) * _copysign(1.0, b)


def _is_odd_integer(y):
    # finite first: math.floor(inf) raises, and math.pow(0, -inf) raises
    # ValueError before Python 3.11 (so power asks here about y = -inf)
    return math.isfinite(y) and y == math.floor(y) and y % 2 == 1


def power(x, y):
    """math.pow, except the exponents numpy computes by exact operations
    (x*x, 1/x, sqrt), where both namespaces take the exact, correctly rounded
    form; math.pow's special values are kept (0.5 only for x > 0)."""
    if y == 2.0:
        return x * x
    if y == -1.0:
        return divide(1.0, x)
    if y == 0.5 and x > 0.0:
        return math.sqrt(x)
    try:
        return math.pow(x, y)
    except OverflowError:
        if x < 0 and _is_odd_integer(y):
            return -inf
        return inf
    except ValueError:
        if x == 0 and y < 0:
            return _copysign(inf, x) if _is_odd_integer(y) else inf
        return nan


# Variadic ops (add, min, max) receive their arguments as one stack whose
# first axis runs over the arguments: a list here, a 2-D array in numpy.

def stack_sum(stack):
    """The arguments' sum by _halving_sum: not sum(), which starts from 0 (so
    sum([-0.0]) is 0.0) and compensates from Python 3.12."""
    return _halving_sum(stack, _add)


def _halving_sum(items, add):
    """Sum by halving: item i adds to item i + n//2 (an odd last item waits),
    until one is left.  One tree on every path (vectorized follows it), and the
    rounding error grows with log n, not n, as in numpy's pairwise sum."""
    if len(items) <= 3:  # the tree of three is left to right
        return _reduce(add, items)
    items = list(items)
    count = len(items)
    while count > 1:
        half = count // 2
        items[:half] = map(add, items[:half], items[half:2 * half])
        if count % 2:
            items[half] = items[2 * half]
        count = half + count % 2
    return items[0]


def stack_max(stack):
    return _reduce(maximum, stack)


def stack_min(stack):
    return _reduce(minimum, stack)


def stack_ties(stack, ans):
    """Share 1 equally among the arguments equal to ans (others get 0)."""
    hits = [1.0 if v == ans else 0.0 for v in stack]
    count = sum(hits)
    if count == 0:  # ans is nan
        return [nan] * len(stack)
    return [h / count for h in hits]


def stack_ones(stack):
    return [1.0] * len(stack)


def stack_count_ties(stack, ans):
    return sum(1 for v in stack if v == ans)


if hasattr(math, "cbrt"):
    _cbrt_estimate = math.cbrt
else:  # Python 3.10: a power (off by up to ~60 ulps near 1e308), one Newton step
    def _cbrt_estimate(x):
        r = math.copysign(math.fabs(x) ** (1.0 / 3.0), x)
        return r if r == 0 or not math.isfinite(r) else r - (r - x / (r * r)) / 3.0


def cbrt(x):
    """math.cbrt refined by one Newton step: libm's is off by up to 3 ulps
    (numpy's by half an ulp), and cbrt's derivatives are built on it."""
    r = _cbrt_estimate(x)
    if r == 0 or not math.isfinite(r):
        return r
    return r - (r - x / (r * r)) / 3.0


def any_true(condition):
    """Whether condition holds anywhere (one point: whether it holds)."""
    return bool(condition)


def all_within(value, low, high):
    """Whether low <= |value| < high (False for nan)."""
    return low <= math.fabs(value) < high
