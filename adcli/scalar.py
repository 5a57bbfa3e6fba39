"""A scalar array namespace: the functions the op table calls, for Python floats.

The op table (ops.py) writes every rule against a namespace ``xp``.  For a
batch of points ``xp`` is numpy; for a single point it is this module, which
is much cheaper to import and call than numpy on one number.  Each function
here returns what numpy returns for the same float64 input: nan or +-inf
instead of raising (log(-1) is nan, 1/0 is inf, exp(1000) is inf).
"""
import math

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
    return float(math.floor(x)) if math.isfinite(x) else x


def ceil(x):
    return float(math.ceil(x)) if math.isfinite(x) else x


def abs(x):  # noqa: A001 - mirrors numpy.abs
    return math.fabs(x)


def sign(x):
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x  # 0.0, -0.0 and nan are their own sign, as in numpy


def where(condition, if_true, if_false):
    return if_true if condition else if_false


def maximum(a, b):
    """Elementwise max that propagates nan, like numpy.maximum."""
    if a != a or b != b:
        return nan
    return a if a >= b else b


def minimum(a, b):
    if a != a or b != b:
        return nan
    return a if a <= b else b


def divide(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return nan
        return _copysign(inf, a) * _copysign(1.0, b)


def _is_odd_integer(y):
    return y == math.floor(y) and y % 2 == 1


def power(x, y):
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
    return sum(stack)


def stack_max(stack):
    return nan if any(v != v for v in stack) else max(stack)


def stack_min(stack):
    return nan if any(v != v for v in stack) else min(stack)


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


def cbrt(x):
    """math.cbrt refined by one Newton step: libm's is off by up to 3 ulps
    (numpy's by half an ulp), and cbrt's derivatives are built on it."""
    r = math.cbrt(x)
    if r == 0 or not math.isfinite(r):
        return r
    return r - (r - x / (r * r)) / 3.0


def any_true(condition):
    """Whether condition holds anywhere (one point: whether it holds)."""
    return bool(condition)


def all_within(value, low, high):
    """Whether low <= |value| < high (False for nan)."""
    return low <= math.fabs(value) < high
