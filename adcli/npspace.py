"""The numpy array namespace: the same function names as adcli.scalar.

Imported only on the paths that evaluate batches or large graphs, so that a
one-point gradient never pays for importing numpy.
"""
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
hypot, where, maximum, minimum = np.hypot, np.where, np.maximum, np.minimum
divide, power = np.true_divide, np.power


def stack_sum(stack):
    return np.sum(stack, axis=0)


def stack_max(stack):
    return np.max(stack, axis=0)


def stack_min(stack):
    return np.min(stack, axis=0)


def stack_ties(stack, ans):
    hits = (np.asarray(stack) == ans).astype(np.float64)
    count = hits.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count == 0, np.nan, hits / count)


def stack_ones(stack):
    return np.ones_like(np.asarray(stack, dtype=np.float64))


def stack_count_ties(stack, ans):
    return (np.asarray(stack) == ans).sum(axis=0)
