"""The numpy array namespace: the same function names as adcli.scalar.

Imported only on the paths that evaluate batches or large graphs, so that a
one-point gradient never pays for importing numpy.
"""
import functools

import numpy as np

inf = np.inf
nan = np.nan
pi = np.pi
e = np.e

isfinite = np.isfinite
sin, cos, tan = np.sin, np.cos, np.tan
asin, acos, atan, atan2 = np.arcsin, np.arccos, np.arctan, np.arctan2
sinh, cosh, tanh = np.sinh, np.cosh, np.tanh
asinh, acosh, atanh = np.arcsinh, np.arccosh, np.arctanh
exp, expm1, log, log2, log10, log1p = np.exp, np.expm1, np.log, np.log2, np.log10, np.log1p
sqrt, cbrt, abs, sign, floor, ceil = np.sqrt, np.cbrt, np.abs, np.sign, np.floor, np.ceil
hypot, maximum, minimum = np.hypot, np.maximum, np.minimum
divide = np.true_divide


# A stack is a 2-D array (levels.py: one row per argument) or a list of
# equal-shape arrays and floats (a batch): reducing a list pairwise avoids
# copying every argument into one array first.

def _reduce(ufunc, stack):
    if isinstance(stack, np.ndarray):
        return ufunc.reduce(stack, axis=0)
    return functools.reduce(ufunc, stack)


def stack_sum(stack):
    return _reduce(np.add, stack)


def stack_max(stack):
    return _reduce(np.maximum, stack)


def stack_min(stack):
    return _reduce(np.minimum, stack)


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
    return functools.reduce(np.add, [np.equal(item, ans) for item in stack])


def where(condition, if_true, if_false):
    """numpy.where, skipped when the condition is one Python bool (a rule
    testing a constant exponent, say)."""
    if condition is True or condition is False:
        return if_true if condition else if_false
    return np.where(condition, if_true, if_false)


def power(x, y):
    # ndarray ** scalar takes numpy's fast paths (x**2 is a square, x**0.5 a sqrt)
    return np.asarray(x) ** y


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
