"""The result types of the operators on array graphs (variables, constants or
intermediates that are vectors and matrices).  api.py makes them; the CLI's
views show them.  Every array here is a numpy float64 array (a scalar is a
0-d array); names map to arrays in the order of ``wrt`` (the variables
differentiated) or of ``outputs``.

Flattening, where a result needs one matrix (a Hessian, the ``matrix`` of
a Jacobian), is C order over the variables in ``wrt`` order: entry k of
variable v is row ``offsets[v] + k``.
"""
from dataclasses import dataclass, field

import numpy as np


def flat_labels(names, shapes):
    """One label per flattened entry: x[0], x[1], A[0,1], s (a scalar)."""
    labels = []
    for name in names:
        shape = shapes[name]
        if not shape:
            labels.append(name)
            continue
        labels += [f"{name}[{','.join(map(str, index))}]" for index in np.ndindex(*shape)]
    return labels


@dataclass
class ArrayGradient:
    """Value (a scalar output) and the gradient of each wrt variable, each in
    its variable's shape."""

    value: object  # 0-d ndarray (the output is a scalar)
    output: str
    gradient: dict  # wrt name -> ndarray of that variable's shape
    wrt: tuple
    point: dict  # every variable's value, by name (wrt and data alike)
    graph: object = field(repr=False)
    values: list = field(repr=False)  # per node, or None (the lean pass keeps none)
    adjoints: object = field(repr=False)  # per node, or None
    mode: object = field(default=None, repr=False)


@dataclass
class ArrayJacobian:
    """d output / d variable for each output and wrt variable: the block of an
    output of shape S and a variable of shape T has shape S + T."""

    blocks: dict  # (output name, variable name) -> ndarray of shape S + T
    values: dict  # output name -> ndarray
    outputs: tuple
    wrt: tuple
    point: dict
    mode: object  # engine.dispatch.ModeChoice
    graph: object = field(repr=False)

    @property
    def matrix(self):
        """All blocks flattened: rows are output entries, columns variable
        entries, each in C order."""
        rows = [np.hstack([self.blocks[o, v].reshape(self.values[o].size,
                                                     np.size(self.point[v]))
                           for v in self.wrt]) for o in self.outputs]
        return np.vstack(rows) if rows else np.empty((0, 0))


@dataclass
class ArrayHessian:
    """Value, gradient and the exact Hessian of a scalar output, the Hessian
    flattened to n x n over the wrt variables' entries in C order."""

    value: object
    gradient: dict  # wrt name -> ndarray
    matrix: object  # ndarray (n, n), symmetric
    wrt: tuple
    shapes: dict  # wrt name -> shape
    point: dict
    output: str

    @property
    def labels(self):
        return flat_labels(self.wrt, self.shapes)


@dataclass
class ArrayProduct:
    """jvp (output name -> J v), vjp (variable name -> u J) or hvp (variable
    name -> H v, in the variable's shape) at one point."""

    kind: str  # "jvp", "vjp" or "hvp"
    values: dict  # output name -> ndarray
    product: dict
    outputs: tuple
    wrt: tuple
    point: dict


@dataclass
class ArrayValues:
    """The outputs' values at one point (adcli eval)."""

    values: dict  # output name -> ndarray
    outputs: tuple
    point: dict
    graph: object = field(repr=False)
