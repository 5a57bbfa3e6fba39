"""Derivatives without AD, to check AD against and to compare with it:
finite differences (forward and central) and the complex step.

Each function works on the outputs of a graph and returns the derivative
matrix (one row per output, one column per variable) with the number of
function evaluations it needed.
"""
import math

from . import reverse
from ..errors import AdcliError

EPSILON = 2.220446049250313e-16


def outputs_at(graph, point, xp=None):
    """The outputs' values at a point."""
    from . import scalar
    values = reverse.forward(graph, point, xp or scalar)
    return [values[o] for o in graph.outputs]


def central_step(x):
    """The usual central-difference step: cube root of epsilon, scaled by |x|."""
    return EPSILON ** (1 / 3) * max(1.0, abs(x))


def forward_step(x):
    return math.sqrt(EPSILON) * max(1.0, abs(x))


def central(graph, point, step=None):
    """(rows, evaluations) by central differences: 2n evaluations."""
    columns = []
    for k, x in enumerate(point):
        h = step if step is not None else central_step(x)
        up = outputs_at(graph, _moved(point, k, h))
        down = outputs_at(graph, _moved(point, k, -h))
        columns.append([(a - b) / (2 * h) for a, b in zip(up, down)])
    return _rows(columns, len(graph.outputs)), 2 * len(point)


def forward(graph, point, step=None):
    """(rows, evaluations) by forward differences: n + 1 evaluations."""
    base = outputs_at(graph, point)
    columns = []
    for k, x in enumerate(point):
        h = step if step is not None else forward_step(x)
        up = outputs_at(graph, _moved(point, k, h))
        columns.append([(a - b) / h for a, b in zip(up, base)])
    return _rows(columns, len(graph.outputs)), len(point) + 1


def non_analytic_ops(graph):
    """Names of the ops on the graph's path that the complex step cannot use."""
    return sorted({graph.ops[n].name for n in graph.op_nodes
                   if not graph.ops[n].complex_step})


def complex_step(graph, point, step=1e-200):
    """(rows, evaluations) by the complex step Im f(x + ih e_k) / h: exact to
    rounding, n evaluations; AdcliError naming the ops that are not analytic."""
    import numpy as np

    from . import vectorized
    blocked = non_analytic_ops(graph)
    if blocked:
        raise AdcliError("the complex step needs analytic functions; not analytic here: "
                         + ", ".join(blocked))
    columns = []
    with np.errstate(all="ignore"):
        for k in range(len(point)):
            moved = [complex(x) for x in point]
            moved[k] += complex(0.0, step)
            values = outputs_at(graph, [np.complex128(v) for v in moved], vectorized)
            columns.append([float(np.imag(v)) / step for v in values])
    return _rows(columns, len(graph.outputs)), len(point)


def _moved(point, k, h):
    moved = list(point)
    moved[k] = point[k] + h
    return moved


def _rows(columns, outputs):
    return [[column[r] for column in columns] for r in range(outputs)]
