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
the last bit on a fraction of inputs: those functions apply the C library's
function to each element instead (``_through_libm``), in the C loop of
adcli/engine/_libm.c when it was built, else by mapping math over the
elements.  tests/test_paths.py checks every path against the others bit for
bit, sin and cos included.
"""
import functools
import itertools
import math

import numpy as np

from .. import extensions
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


#: the C loop, or None: functions then map Python's math over the elements
_LIBM = extensions.optional(__package__, "_libm")


def _elements(array, shape, size):
    """An iterator over array's float64 elements broadcast to shape."""
    if array.ndim == 0:
        return itertools.repeat(float(array), size)
    if array.shape != shape:
        array = np.broadcast_to(array, shape)
    if array.dtype != np.float64 or not array.flags.c_contiguous:
        array = np.ascontiguousarray(array, dtype=np.float64)
    return memoryview(array.reshape(-1))


def _mapped(function, ufunc, raw):
    """function applied to each element by a Python-level map: the raw math
    function runs first (a C call per element); only when it raises (a domain
    or range error) does the guarded one, which gives numpy's nan or inf."""

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
        return flat[0] if shape == () else _shaped(flat, shape)

    return elementwise


def _flat(array, shape):
    """array's float64 elements as one contiguous row: one element stays one
    (the C loop pairs it with every element of the other argument)."""
    if array.size != 1 and array.shape != shape:
        array = np.broadcast_to(array, shape)
    return np.ascontiguousarray(array, dtype=np.float64).reshape(-1)


def _looped(name, function, ufunc, mapped):
    """function applied to each element by the C loop of _libm, which calls the
    C library function that math calls.  Where an input or the result is not
    finite (math raises, or special-cases, there) the element is recomputed
    by function, the guarded scalar one: the same bits as mapped."""
    binary = name in ("atan2", "pow")

    def elementwise(*args):
        arrays = [np.asarray(a) for a in args]
        kinds = {a.dtype.kind for a in arrays}
        if "c" in kinds:
            return ufunc(*args)
        if "O" in kinds:  # Python objects (ints beyond float64, say): math's own errors
            return mapped(*args)
        shape = (arrays[0].shape if len(arrays) == 1
                 else np.broadcast_shapes(*(a.shape for a in arrays)))
        flats = [_flat(a, shape) for a in arrays]
        out = np.empty(math.prod(shape))
        unusual = (_LIBM.binary(name, *flats, out) if binary
                   else _LIBM.unary(name, flats[0], out))
        if unusual:
            _recompute_unusual(function, flats, out)
        return out[0] if shape == () else _shaped(out, shape)

    return elementwise


def _shaped(flat, shape):
    """flat in shape; itself when it has it already (a reshape would make a
    view, which the batch sweep cannot take for a buffer of its own)."""
    return flat if flat.shape == shape else flat.reshape(shape)


def _recompute_unusual(function, flats, out):
    """out[i] = function(...) where an input or out[i] is not finite."""
    finite = np.isfinite(out)
    for flat in flats:
        finite &= np.isfinite(flat)  # a one-element row broadcasts
    where = np.flatnonzero(~finite)
    columns = [(flat if len(flat) == len(out) else np.broadcast_to(flat, out.shape))[where]
               for flat in flats]
    out[where] = np.fromiter(map(function, *(c.tolist() for c in columns)),
                             np.float64, len(where))


def _through_libm(function, ufunc, raw=None, name=None):
    """function, a scalar-namespace function, applied to each element: by the
    C loop (name: its C library function) when built, else mapped over the
    elements in Python; the same bits either way.  Complex input (the complex
    step of adcli compare) takes numpy's ufunc: no path to agree with there.
    The mapped form stays reachable as ``.mapped`` (the tests compare)."""
    raw = raw or getattr(function, "__wrapped__", function)
    mapped = _mapped(function, ufunc, raw)
    chosen = mapped if _LIBM is None or name is None else _looped(name, function, ufunc, mapped)
    chosen.__name__ = ufunc.__name__
    chosen.mapped = mapped
    return chosen


tan = _through_libm(scalar.tan, np.tan, name="tan")
asin = _through_libm(scalar.asin, np.arcsin, name="asin")
acos = _through_libm(scalar.acos, np.arccos, name="acos")
atan = _through_libm(scalar.atan, np.arctan, name="atan")
atan2 = _through_libm(scalar.atan2, np.arctan2, name="atan2")
sinh = _through_libm(scalar.sinh, np.sinh, name="sinh")
cosh = _through_libm(scalar.cosh, np.cosh, name="cosh")
tanh = _through_libm(scalar.tanh, np.tanh, name="tanh")
asinh = _through_libm(scalar.asinh, np.arcsinh, name="asinh")
acosh = _through_libm(scalar.acosh, np.arccosh, name="acosh")
atanh = _through_libm(scalar.atanh, np.arctanh, name="atanh")
exp = _through_libm(scalar.exp, np.exp, name="exp")
expm1 = _through_libm(scalar.expm1, np.expm1, name="expm1")
log = _through_libm(scalar.log, np.log, name="log")
log2 = _through_libm(scalar.log2, np.log2, name="log2")
log10 = _through_libm(scalar.log10, np.log10, name="log10")
log1p = _through_libm(scalar.log1p, np.log1p, name="log1p")
# scalar.cbrt refines math.cbrt (Python 3.11 on); 3.10 has no math.cbrt, and
# estimates otherwise: mapped there
cbrt = _through_libm(scalar.cbrt, np.cbrt, name="cbrt" if hasattr(math, "cbrt") else None)
hypot = _through_libm(scalar.hypot, np.hypot)  # CPython's own hypot, not the C library's
# math.pow is scalar.power but for its shortcuts, which power() applies after
_pow = _through_libm(scalar.power, np.power, raw=math.pow, name="pow")


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
