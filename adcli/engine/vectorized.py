"""The numpy array namespace: the same function names as adcli.engine.scalar, and
the same bits.

Imported only on the paths that evaluate batches or large graphs, so that a
one-point gradient never pays for importing numpy.

Every path must give the bits of the one-point path (adcli.engine.scalar, Python's
math, so the C library).  numpy's own kernels are used where they compute
the same thing exactly: the correctly rounded operations (+ - * / sqrt),
abs, sign, floor, ceil, comparisons and where, and sin and cos, for which
numpy calls the C library on float64.  For the rest numpy ships its own
vector kernels (SVML on AVX-512, for one), which differ from the C library in
the last bit on a fraction of inputs: those functions map the math function
over the elements instead (``_through_libm``).  tests/test_paths.py checks
every path against the others bit for bit, sin and cos included.
"""
import functools
import itertools
import math

import numpy as np

from . import scalar
from .scalar import _halving_sum

inf = np.inf
nan = np.nan
pi = np.pi
e = np.e

isfinite = np.isfinite
sin, cos = np.sin, np.cos
sqrt, abs, sign, floor, ceil = np.sqrt, np.abs, np.sign, np.floor, np.ceil
divide = np.true_divide


def _elements(array, shape, size):
    """An iterator over array's float64 elements broadcast to shape."""
    if array.ndim == 0:
        return itertools.repeat(float(array), size)
    if array.shape != shape:
        array = np.broadcast_to(array, shape)
    if array.dtype != np.float64 or not array.flags.c_contiguous:
        array = np.ascontiguousarray(array, dtype=np.float64)
    return memoryview(array.reshape(-1))


def _through_libm(function, ufunc, raw=None):
    """function, a scalar-namespace function, applied to each element.

    The raw math function runs first (a C call per element); only when it
    raises (a domain or range error) does the guarded one, which gives numpy's
    nan or inf, run instead.  Complex input (the complex step of adcli
    compare) takes numpy's ufunc: no path to agree with there.
    """
    raw = raw or getattr(function, "__wrapped__", function)

    def elementwise(*args):
        arrays = [np.asarray(a) for a in args]
        if any(a.dtype.kind == "c" for a in arrays):
            return ufunc(*args)
        shape = (arrays[0].shape if len(arrays) == 1
                 else np.broadcast_shapes(*(a.shape for a in arrays)))
        size = math.prod(shape)
        try:
            flat = np.fromiter(map(raw, *(_elements(a, shape, size) for a in arrays)),
                               np.float64, size)
        except (ValueError, OverflowError):
            flat = np.fromiter(map(function, *(_elements(a, shape, size) for a in arrays)),
                               np.float64, size)
        return flat[0] if shape == () else flat.reshape(shape)

    elementwise.__name__ = ufunc.__name__
    return elementwise


tan = _through_libm(scalar.tan, np.tan)
asin = _through_libm(scalar.asin, np.arcsin)
acos = _through_libm(scalar.acos, np.arccos)
atan = _through_libm(scalar.atan, np.arctan)
atan2 = _through_libm(scalar.atan2, np.arctan2)
sinh = _through_libm(scalar.sinh, np.sinh)
cosh = _through_libm(scalar.cosh, np.cosh)
tanh = _through_libm(scalar.tanh, np.tanh)
asinh = _through_libm(scalar.asinh, np.arcsinh)
acosh = _through_libm(scalar.acosh, np.arccosh)
atanh = _through_libm(scalar.atanh, np.arctanh)
exp = _through_libm(scalar.exp, np.exp)
expm1 = _through_libm(scalar.expm1, np.expm1)
log = _through_libm(scalar.log, np.log)
log2 = _through_libm(scalar.log2, np.log2)
log10 = _through_libm(scalar.log10, np.log10)
log1p = _through_libm(scalar.log1p, np.log1p)
cbrt = _through_libm(scalar.cbrt, np.cbrt)
hypot = _through_libm(scalar.hypot, np.hypot)  # CPython's own hypot, not the C library's
# math.pow is scalar.power but for its shortcuts, which power() applies after
_pow = _through_libm(scalar.power, np.power, raw=math.pow)


# --- maximum and minimum: numpy leaves max(-0.0, 0.0) to the CPU ---------------------

def maximum(a, b):
    """IEEE 754-2019 maximum, as scalar.maximum: nan propagates, -0.0 < 0.0."""
    both_zero = (np.equal(a, 0) & np.equal(b, 0))
    return np.where(both_zero, np.add(a, b), np.maximum(a, b))


def minimum(a, b):
    both_zero = (np.equal(a, 0) & np.equal(b, 0))
    return np.where(both_zero, -np.subtract(np.negative(a), b), np.minimum(a, b))


# --- powers -------------------------------------------------------------------------


def _root(x):
    # math.pow's zeros and infinity: pow(-0.0, 0.5) is 0.0, pow(-inf, 0.5) is inf
    return np.where(x == -np.inf, np.inf, np.sqrt(x) + 0.0)


#: exponent -> the exact form scalar.power takes instead of math.pow (0.5 made
#: to keep math.pow's zeros and infinity where sqrt does not)
_SCALAR_SHORTCUTS = {2.0: lambda x: x * x, -1.0: lambda x: np.divide(1.0, x), 0.5: _root}
#: ... and for one exponent, also 1 and 0, which math.pow computes exactly
_SHORTCUTS = {**_SCALAR_SHORTCUTS, 1.0: np.positive, 0.0: lambda x: np.ones(np.shape(x))}


def power(x, y):
    x = np.asarray(x)
    if x.dtype.kind == "c" or np.iscomplexobj(y):
        return np.power(x, y)
    x = x.astype(np.float64, copy=False)
    if np.ndim(y) == 0:  # one exponent (x**2): numpy's exact forms where they agree
        shortcut = _SHORTCUTS.get(float(y))
        return _pow(x, y) if shortcut is None else shortcut(x)
    y = np.asarray(y, dtype=np.float64)
    result = _pow(x, y)
    for exponent, shortcut in _SCALAR_SHORTCUTS.items():
        chosen = y == exponent
        if chosen.any():
            result = np.where(chosen, shortcut(x), result)
    return result


# --- stacks -------------------------------------------------------------------------
# A stack is a 2-D array (levels.py: one row per argument) or a list of
# equal-shape arrays and floats (a batch).  Sums take _halving_sum's
# tree: np.add.reduce sums in an order of its own, and from 0.0.

def stack_sum(stack):
    if not isinstance(stack, np.ndarray):
        return _halving_sum(stack, np.add)
    rows = stack.copy()  # the same tree, a row of nodes at a time, in place
    count = len(rows)
    while count > 1:
        half = count // 2
        np.add(rows[:half], rows[half:2 * half], out=rows[:half])
        if count % 2:
            rows[half] = rows[2 * half]
        count = half + count % 2
    return rows[0]


def stack_max(stack):
    return functools.reduce(maximum, stack)


def stack_min(stack):
    return functools.reduce(minimum, stack)


def stack_ties(stack, ans):
    hits = [np.equal(item, ans).astype(np.float64) for item in stack]
    count = functools.reduce(np.add, hits)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = [np.where(count == 0, np.nan, hit / count) for hit in hits]
    return np.array(shares) if isinstance(stack, np.ndarray) else shares


def stack_ones(stack):
    if isinstance(stack, np.ndarray):
        return np.ones_like(stack)
    return [1.0] * len(stack)


def stack_count_ties(stack, ans):
    """How many arguments equal the max (or min) at each point: integers (a
    sum of booleans would stay boolean, and never count past one)."""
    return functools.reduce(np.add, [np.equal(item, ans).astype(np.intp) for item in stack])


def where(condition, if_true, if_false):
    """numpy.where, skipped when the condition is one Python bool (a rule
    testing a constant exponent, say)."""
    if condition is True or condition is False:
        return if_true if condition else if_false
    return np.where(condition, if_true, if_false)


def any_true(condition):
    """Whether condition holds anywhere in the batch: lets a rule skip work
    that only some points need."""
    if condition is True or condition is False:  # one Python bool: a constant's test
        return condition
    return bool(np.any(condition))


def all_within(value, low, high):
    """Whether low <= |v| < high for every entry v (False for nan): from the
    smallest and largest entry, so entries of both signs answer False."""
    if np.size(value) == 0:
        return True
    least, most = np.min(value), np.max(value)
    return bool((low <= least and most < high) or (-high < least and most <= -low))
