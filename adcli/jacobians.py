"""The Python API for every derivative object beyond the gradient:
Jacobians, Hessians, Jacobian-vector and vector-Jacobian products, and the
values of all outputs.

    >>> import adcli
    >>> adcli.jacobian("x*y; x+y; sin(x)*y", [1, 2]).matrix.shape
    (3, 2)
    >>> adcli.hessian("100*(y-x**2)**2 + (1-x)**2", [1, 1]).matrix.tolist()
    [[802.0, -400.0], [-400.0, 200.0]]
"""
import math
from dataclasses import dataclass, field

from .engine import derivatives, reverse
from . import points
from .engine.derivatives import ModeChoice, choose_mode
from . import api
from .api import parse
from .errors import ExpressionError, PointError

@dataclass
class Jacobian:
    """m x n matrix of d output / d variable at one point."""

    matrix: object  # numpy array (outputs, variables)
    outputs: tuple
    variables: tuple
    values: dict  # output name -> value
    point: dict
    mode: ModeChoice
    graph: object = field(repr=False)

    def sparsity(self):
        """Structural pattern: for each output, the variables it depends on
        (read from the graph, not from numerical zeros)."""
        return structural_sparsity(self.graph)


def parse_outputs(exprs, variables=None):
    """A graph from text, a Graph, or a list of expression texts (one output each)."""
    if isinstance(exprs, (list, tuple)):
        points.require_text(exprs, "expressions", ExpressionError)
        exprs = ";".join(exprs)  # not newlines: a line starting with '-' would continue
    return parse(exprs, variables)


@dataclass
class BatchJacobian:
    """Jacobians at many points: matrices[p] is the m x n Jacobian at point p."""

    matrices: object  # numpy array (points, outputs, variables)
    values: object  # numpy array (points, outputs)
    outputs: tuple
    variables: tuple
    columns: list  # the points: one array per variable
    failed_rows: list  # points with a non-finite value or derivative
    mode: ModeChoice
    graph: object = field(repr=False)
    first_error: object = field(default=None, repr=False)  # DomainError of the first failed row

    def sparsity(self):
        return structural_sparsity(self.graph)


def jacobian(exprs, at, *, variables=None, mode="auto", allow_nonfinite=False):
    """The Jacobian of every output at one point, by forward or reverse mode;
    with a batch ``at`` (as in adcli.grad), a BatchJacobian."""
    import numpy as np

    graph = parse_outputs(exprs, variables)
    choice = choose_mode(mode, len(graph.variables), len(graph.outputs))
    if api.is_batch(at):
        return _jacobian_batch(graph, at, choice, allow_nonfinite)
    point = points.resolve(graph.variables, at)
    values, rows, _ = derivatives.jacobian(graph, point, graph.outputs, choice.mode)
    values = [float(v) for v in values]
    matrix = np.array(rows, dtype=np.float64).reshape(len(graph.outputs), len(graph.variables))
    if not allow_nonfinite:
        _check(graph, point, values, matrix)
    return Jacobian(matrix, graph.output_names, graph.variables,
                    dict(zip(graph.output_names, values)),
                    dict(zip(graph.variables, point)), choice, graph)


def _jacobian_batch(graph, at, choice, allow_nonfinite):
    import numpy as np
    from .engine import vectorized
    columns, count = api.batch_columns(graph, at)
    with np.errstate(all="ignore"):
        values, rows, _ = derivatives.jacobian(graph, columns, graph.outputs, choice.mode,
                                               xp=vectorized)
    full = lambda v: np.broadcast_to(np.asarray(v, dtype=np.float64), (count,))  # noqa: E731
    value_matrix = np.stack([full(v) for v in values], axis=1).reshape(count, len(values))
    matrices = np.stack([np.stack([full(v) for v in row], axis=1) for row in rows], axis=1
                        ).reshape(count, len(graph.outputs), len(graph.variables))
    finite = np.isfinite(value_matrix).all(axis=1) & np.isfinite(matrices).all(axis=(1, 2))
    failed_rows = np.flatnonzero(~finite).tolist()
    first_error = None
    if failed_rows:
        row = failed_rows[0]
        first_error = reverse.diagnose(graph, [c[row] for c in columns], row)
        if not allow_nonfinite:
            first_error.message = (f"{len(failed_rows)} of {count} points fail; the first, "
                                   f"row {row + 1}: {first_error.message}")
            first_error.args = (first_error.message,)
            raise first_error
    return BatchJacobian(matrices, value_matrix, graph.output_names, graph.variables,
                         columns, failed_rows, choice, graph, first_error)


def structural_sparsity(graph):
    """{output name: [variable names it depends on]}."""
    deps = derivatives.dependencies(graph, graph.outputs)
    return {name: [graph.variables[k] for k in sorted(d)]
            for name, d in zip(graph.output_names, deps)}


@dataclass
class Hessian:
    """Value, gradient and the exact Hessian of one output at one point."""

    value: float
    gradient: dict
    matrix: object  # numpy array (variables, variables), symmetric
    variables: tuple
    point: dict
    output: str


def hessian(expr, at, *, variables=None, output=None, allow_nonfinite=False):
    """Exact second derivatives by forward-over-reverse AD."""
    graph = parse(expr, variables)
    if output is not None:
        graph = graph.select(output)
    point = points.resolve(graph.variables, at)
    value, gradient, matrix = derivatives.hessian(graph, point, graph.output)
    if not allow_nonfinite:
        _check(graph, point, [value], [gradient])
        if not all(map(math.isfinite, matrix.ravel().tolist())):
            raise derivatives.nonfinite_second_error(graph, point)
    return Hessian(value, dict(zip(graph.variables, gradient)), matrix, graph.variables,
                   dict(zip(graph.variables, point)), graph.output_names[0])


@dataclass
class Product:
    """A Jacobian-vector (jvp) or vector-Jacobian (vjp) product at one point."""

    values: dict  # output name -> value
    product: dict  # jvp: output name -> (J v); vjp: variable name -> (u J)
    outputs: tuple
    variables: tuple
    point: dict


def jvp(exprs, at, direction, *, variables=None, allow_nonfinite=False):
    """J @ direction by one forward-mode pass (direction: one entry per variable)."""
    return _product("jvp", exprs, at, direction, variables, allow_nonfinite)


def vjp(exprs, at, cotangent, *, variables=None, allow_nonfinite=False):
    """cotangent @ J by one reverse-mode pass (cotangent: one entry per output)."""
    return _product("vjp", exprs, at, cotangent, variables, allow_nonfinite)


def _product(kind, exprs, at, vector, variables, allow_nonfinite):
    graph = parse_outputs(exprs, variables)
    point = points.resolve(graph.variables, at)
    if kind == "jvp":  # the vector runs over the variables, the product over the outputs
        given, result, compute = graph.variables, graph.output_names, derivatives.jvp
    else:
        given, result, compute = graph.output_names, graph.variables, derivatives.vjp
    vector = _vector(vector, given, "direction" if kind == "jvp" else "cotangent")
    values, product = compute(graph, point, vector, graph.outputs)
    if not allow_nonfinite:
        _check(graph, point, values, [product])
    return Product(dict(zip(graph.output_names, values)), dict(zip(result, product)),
                   graph.output_names, graph.variables, dict(zip(graph.variables, point)))


def values(exprs, at, *, variables=None, allow_nonfinite=False):
    """{output name: value} of every output at one point."""
    graph = parse_outputs(exprs, variables)
    point = points.resolve(graph.variables, at)
    computed = api.forward_values(graph, point)
    result = {name: float(computed[node]) for name, node in zip(graph.output_names, graph.outputs)}
    if not allow_nonfinite and not all(map(math.isfinite, result.values())):
        raise reverse.first_nonfinite(graph, computed, [0.0] * len(computed))
    return result


def _vector(given, names, what):
    """A direction or cotangent: a mapping by name or a sequence in order."""
    try:
        return points.resolve(names, given)
    except PointError as error:
        error.message = f"the {what}: {error.message}"
        error.args = (error.message,)
        raise


def _check(graph, point, values, rows):
    """DomainError naming the node behind the first non-finite value or
    derivative of any output."""
    finite = all(map(math.isfinite, values)) and all(
        all(map(math.isfinite, [float(v) for v in row])) for row in rows)
    if finite:
        return
    raise reverse.diagnose(graph, point)
