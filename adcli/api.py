"""The Python API: parse an expression once, differentiate it anywhere.

    >>> import adcli
    >>> r = adcli.grad("3*(x1**2+x2*x3)", [2, 3, 4])
    >>> r.value, r.gradient
    (48.0, {'x1': 12.0, 'x2': 12.0, 'x3': 9.0})
    >>> adcli.jacobian("x*y; x+y; sin(x)*y", [1, 2]).matrix.shape
    (3, 2)
    >>> adcli.hessian("100*(y-x**2)**2 + (1-x)**2", [1, 1]).matrix.tolist()
    [[802.0, -400.0], [-400.0, 200.0]]

Every operator starts with one prologue (``prologue``: parse, select the
output, resolve the point), then asks engine.dispatch which interpreter
runs.  The gradient's result types are here; those of the other operators
(Jacobian, BatchJacobian, Hessian, Product) are in jacobians.py, loaded on
first use: building their classes would slow the start-up of every
one-point gradient from the shell.
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

from . import points
from .engine import dispatch, forward, reverse
# engine.nonfinite and engine.second load on first use (a failure, a Hessian):
# a one-point gradient from the shell never pays for them
from .errors import DomainError, ExpressionError, PointError
from .graph import Graph
from .language.parser import parse_builder


def parse(text, variables=None, *, base=None):
    """Parse expression text into a Graph.  ``variables`` fixes the input
    order (default: natural order of the names, x2 before x10).  ``base``:
    the folder load("A.csv") reads from (a program's own; default the
    current directory)."""
    if variables is not None:
        points.require_text(variables, "variable names", ExpressionError)
    if isinstance(text, Graph):
        return text if variables is None else text.with_variables(variables)
    if not isinstance(text, str):
        raise ExpressionError(f"an expression is text (str) or a Graph, not "
                              f"{type(text).__name__}: {points.shown(text)}")
    return parse_builder(text, _loader(base)).build(variables)


def _loader(base):
    def load(path):
        from .array_values import read_array_file
        return read_array_file(path, base=base)
    return load


def parse_outputs(exprs, variables=None):
    """A graph from text, a Graph, or a list of expression texts (one output each)."""
    if isinstance(exprs, (list, tuple)):
        points.require_text(exprs, "expressions", ExpressionError)
        exprs = ";".join(exprs)  # not newlines: a line starting with '-' would continue
    return parse(exprs, variables)


def prologue(expr, at, *, variables=None, output=None, several=False, one_output=False,
             batch=False):
    """What every operator starts with (as autograd's start with
    unary_to_nary): the graph of ``expr`` with ``output`` selected, and the
    point ``at`` in variable order.  Returns (graph, point, count).

    ``expr`` is text or a Graph; with ``several`` also a list of texts, one
    output each.  ``one_output``: the graph must have one output (checked
    before the point).  ``at`` is what points.resolve reads; with ``batch``
    it may be a batch (see points.is_batch): point is then one float64 array
    per variable and count the number of points, else count is None.
    """
    graph = parse_outputs(expr, variables) if several else parse(expr, variables)
    if output is not None:
        graph = graph.select(output)
    if one_output:
        graph.output  # one output, or a clear error  # noqa: B018
    if batch and points.is_batch(at):
        columns, count = points.batch_columns(graph.variables, at)
        return graph, columns, count
    return graph, points.resolve(graph.variables, at), None


def _selected(expr, variables, output, several=False):
    graph = parse_outputs(expr, variables) if several else parse(expr, variables)
    return graph if output is None else graph.select(output)


class NamedValues(Mapping):
    """A read-only mapping name -> float over a list, made in O(1): a
    gradient of 100,000 variables costs no dict building until asked."""

    __slots__ = ("_names", "_index", "_values")

    def __init__(self, names, values, index=None):
        self._names = names
        self._values = values
        self._index = index

    def __getitem__(self, name):
        if self._index is None:
            self._index = {n: k for k, n in enumerate(self._names)}
        return self._values[self._index[name]]

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)

    def values(self):
        return list(self._values)

    def __repr__(self):
        return repr(dict(zip(self._names, self._values)))


#: a trace row's source text is shown whole up to this many characters
SOURCE_EXCERPT = 60


@dataclass
class TraceRow:
    """One node of the tape after a forward and a backward pass."""

    node: str  # textbook name: x1..xn inputs, then intermediates
    computes: str  # in terms of inputs: "x4 + x5", "sin(x2)", "input y"
    value: float
    partials: list  # [(input node name, d node / d input)], constants left out
    adjoint: float  # d output / d node
    kink: bool = False  # at a point of non-differentiability (abs at 0, ...)
    span: tuple = (0, 0)  # (start, end) of the node's text in the expression
    expression: str = field(default="", repr=False)  # the whole text, shared by every row

    @property
    def source(self):
        """The node's text in the expression, sliced when asked: the texts of
        nested nodes overlap, and all of them together grow as n**2."""
        start, end = self.span
        return self.expression[start:end]

    def source_excerpt(self, width=SOURCE_EXCERPT):
        """The node's text, its middle left out ("…") when longer than width."""
        start, end = self.span
        if end - start <= width:
            return self.expression[start:end]
        keep = (width - 1) // 2
        return self.expression[start:start + keep] + "…" + self.expression[end - keep:end]

    def as_dict(self):
        return {"node": self.node, "computes": self.computes, "value": self.value,
                "partials": [{"wrt": name, "value": value} for name, value in self.partials],
                "adjoint": self.adjoint, "kink": self.kink, "source": self.source_excerpt(),
                "span": list(self.span)}


@dataclass
class Gradient:
    """Value and gradient of an expression at one point."""

    value: float
    gradient: dict  # variable name -> d value / d variable
    variables: tuple
    point_values: list = field(repr=False)  # the point, in variable order
    graph: Graph = field(repr=False)
    values: list = field(repr=False)
    adjoints: Optional[list] = field(repr=False)  # None in forward mode
    mode: object = field(default=None, repr=False)  # dispatch.ModeChoice
    _trace: Optional[list] = field(default=None, repr=False)

    @property
    def point(self):
        """variable name -> value (built on first use: large points are costly)."""
        return dict(zip(self.variables, self.point_values))

    @property
    def trace(self):
        """One TraceRow per node in evaluation order (constants left out):
        values from the forward sweep, adjoints from the reverse sweep."""
        if self.adjoints is None:
            raise ExpressionError("the trace shows the reverse sweep; it needs mode reverse",
                                  kind="mode")
        if self._trace is None:
            self._trace = _trace_rows(self.graph, self.values, self.adjoints)
        return self._trace


@dataclass
class BatchGradient:
    """Values and gradients at many points: arrays with one entry per point."""

    value: object  # ndarray (points,)
    gradient: dict  # variable name -> ndarray (points,)
    variables: tuple
    columns: list  # the points: one ndarray (points,) per variable
    failed_rows: list  # indices of points whose value or gradient is not finite
    failed: list  # DomainError for each of the first failed rows (at most 20)
    graph: Graph = field(repr=False)

    @property
    def points(self):
        """The points as one ndarray (points, variables)."""
        import numpy as np
        return np.column_stack(self.columns) if self.columns else np.empty((len(self.value), 0))


def _arrays(graph, at, wrt, batches=False):
    """array_api when the call is about arrays (see array_api.is_array_call);
    None keeps the scalar path, which never imports numpy.  ``batches``: the
    operator reads a mapping of sequences as a batch (grad, jacobian);
    for the others such a point binds arrays."""
    if not (wrt is not None or graph.has_arrays
            or (isinstance(at, str) and any(mark in at for mark in "[@("))
            or type(at).__name__ in ("ArrayPoint", "ArrayPointList")
            or (not batches and points.is_batch(at))):
        return None
    from . import array_api
    return array_api if (not batches and points.is_batch(at)) or \
        array_api.is_array_call(graph, at, wrt) else None


def _batch_or_point(at, points):
    if points is None:
        return at
    if at is not None:
        raise PointError("give at= (one point) or points= (a batch), not both")
    import numpy as np
    return points if isinstance(points, Mapping) or hasattr(points, "ndim") \
        else np.asarray(points, dtype=np.float64)


def grad(expr, at=None, *, points=None, wrt=None, variables=None, output=None, mode="reverse",
         allow_nonfinite=False):
    """Value and gradient of ``expr`` (text or Graph).

    ``at`` is one point: a mapping name -> value, a sequence in variable
    order, or text ("x=1,y=2", "x=[1,2],A=@A.csv").  Values may be arrays
    when the expression has array operations (sum, @, x[i], ...) or the text
    binds an array: the result is then an ArrayGradient, each gradient in its
    variable's shape, with respect to the variables of ``wrt`` (default
    all; the others are data).  ``points`` is a batch: a 2-D array (one row
    per point) or a mapping name -> 1-D array; the result is a BatchGradient
    evaluated in one vectorized pass.  (A mapping of names to sequences given
    as ``at`` to an expression without array operations is still read as a
    batch, as before.)  ``output`` picks one output of a program with
    several.  ``mode``: "reverse" (one reverse pass), "forward" (one forward
    pass per variable) or "auto".

    A non-finite value or gradient raises DomainError naming the node that
    produced it, unless ``allow_nonfinite``.
    """
    dispatch.check_mode(mode)
    if points is None:
        graph = _selected(expr, variables, output)
        arrays = _arrays(graph, at, wrt, batches=True)
        if arrays is not None:
            return arrays.grad(graph, at, wrt, mode, allow_nonfinite)
        expr = graph
    graph, point, count = prologue(expr, _batch_or_point(at, points), variables=variables,
                                   output=output, batch=True)
    if count is not None:
        return _grad_batch(graph, point, count, allow_nonfinite)
    choice = dispatch.choose_mode(mode, len(graph.variables), 1)
    if choice.mode == "forward":
        values = reverse.forward(graph, point)
        adjoints = None
        gradient = dispatch.jacobian(graph, point, [graph.output], "forward")[1][0]
    else:
        values, adjoints = dispatch.values_and_adjoints(graph, point)
        gradient = dispatch.variable_entries(adjoints, graph)
    result = Gradient(
        value=float(values[graph.output]),
        gradient=NamedValues(graph.variables, gradient, graph.variable_index()),
        variables=graph.variables, point_values=point,
        graph=graph, values=values, adjoints=adjoints, mode=choice)
    if not allow_nonfinite:
        error = _nonfinite(graph, result)
        if error is not None:
            raise error
    return result


def _nonfinite(graph, result):
    if math.isfinite(result.value) and all(map(math.isfinite, result.gradient.values())):
        return None
    adjoints = result.adjoints
    if adjoints is None:
        adjoints = reverse.backward(graph, result.values)
    from .engine import nonfinite
    return (nonfinite.first_nonfinite(graph, result.values, adjoints)
            or DomainError("the gradient is not finite at this point", graph.source))


def _full(value, count, input_ids):
    """value as a float64 array of length count that aliases no input
    (input_ids: the id of each input column)."""
    import numpy as np

    array = np.asarray(value, dtype=np.float64)
    if array.shape != (count,) or id(array) in input_ids:
        array = np.broadcast_to(array, (count,)).copy()
    return array


def _grad_batch(graph, columns, count, allow_nonfinite):
    import numpy as np

    values, adjoints = dispatch.batch_values_and_adjoints(graph, columns)
    input_ids = set(map(id, columns))
    value = _full(values[graph.output], count, input_ids)
    gradient = {name: _full(adjoints[node], count, input_ids)
                for name, node in zip(graph.variables, graph.var_nodes)}
    failed_rows = _nonfinite_rows(np, [value, *gradient.values()])
    failed = [_diagnose_row(graph, columns, row) for row in failed_rows[:20]]
    result = BatchGradient(value, gradient, graph.variables, columns, failed_rows, failed, graph)
    if failed and not allow_nonfinite:
        raise _batch_error(failed[0], failed_rows, count)
    return result


def _nonfinite_rows(np, columns):
    """The rows where any column is not finite."""
    if points.all_finite(np, columns):
        return []
    finite = np.isfinite(columns[0])
    for column in columns[1:]:
        finite &= np.isfinite(column)
    return np.flatnonzero(~finite).tolist()


def _diagnose_row(graph, columns, row):
    """The DomainError behind a failed row of a batch, from one scalar pass."""
    from .engine import nonfinite
    return nonfinite.diagnose(graph, [c[row] for c in columns], row)


def _batch_error(error, failed_rows, count):
    """The first failed row's error, saying how many rows fail (and which)."""
    error.failed_rows = failed_rows
    error.message = (f"{len(failed_rows)} of {count} points fail; the first, "
                     f"row {error.row + 1}: {error.message}")
    error.args = (error.message,)
    return error


def jacobian(exprs, at=None, *, points=None, wrt=None, variables=None, mode="auto",
             allow_nonfinite=False):
    """The Jacobian of every output at one point, by forward or reverse mode;
    with ``points`` (as in adcli.grad), a BatchJacobian; on arrays an
    ArrayJacobian, whose block for an output of shape S and a variable of
    shape T has shape S + T."""
    import numpy as np

    from .jacobians import Jacobian
    dispatch.check_mode(mode)
    if points is None:
        graph = _selected(exprs, variables, None, several=True)
        arrays = _arrays(graph, at, wrt, batches=True)
        if arrays is not None:
            return arrays.jacobian(graph, at, wrt, mode, allow_nonfinite)
        exprs = graph
    graph, point, count = prologue(exprs, _batch_or_point(at, points), variables=variables,
                                   several=True, batch=True)
    choice = dispatch.choose_mode(mode, len(graph.variables), len(graph.outputs))
    if count is not None:
        return _jacobian_batch(graph, point, count, choice, allow_nonfinite)
    sparse = _sparse_jacobian(graph, point) if mode == "auto" else None
    if sparse is not None:  # all finite: the sparse path checked it
        values, matrix, colours = sparse
        choice = dispatch.ModeChoice("forward", "auto", choice.inputs, choice.outputs, colours)
    else:
        values, rows, _ = dispatch.jacobian(graph, point, graph.outputs, choice.mode)
        values = [float(v) for v in values]
        matrix = np.array(rows, dtype=np.float64).reshape(len(graph.outputs),
                                                          len(graph.variables))
        finite = np.isfinite(matrix).all() and all(map(math.isfinite, values))  # at C speed
        if not allow_nonfinite and not finite:
            _check(graph, point, values, matrix)
    return Jacobian(matrix, graph.output_names, graph.variables,
                    dict(zip(graph.output_names, values)),
                    dict(zip(graph.variables, point)), choice, graph)


def _sparse_jacobian(graph, point):
    """(values, matrix, colours) by one compressed forward sweep where the
    colouring pays and all is finite (engine/sparsity.py), else None."""
    from .engine import sparsity

    result = sparsity.jacobian(graph, point)
    return None if result is None else (*result, sparsity.jacobian_plan(graph).colours)


def _jacobian_batch(graph, columns, count, choice, allow_nonfinite):
    import numpy as np

    from .jacobians import BatchJacobian

    values, rows, _ = dispatch.batch_jacobian(graph, columns, graph.outputs, choice.mode)
    full = lambda v: np.broadcast_to(np.asarray(v, dtype=np.float64), (count,))  # noqa: E731
    value_matrix = np.stack([full(v) for v in values], axis=1).reshape(count, len(values))
    matrices = np.stack([np.stack([full(v) for v in row], axis=1) for row in rows], axis=1
                        ).reshape(count, len(graph.outputs), len(graph.variables))
    finite = np.isfinite(value_matrix).all(axis=1) & np.isfinite(matrices).all(axis=(1, 2))
    failed_rows = np.flatnonzero(~finite).tolist()
    first_error = None
    if failed_rows:
        first_error = _diagnose_row(graph, columns, failed_rows[0])
        if not allow_nonfinite:
            raise _batch_error(first_error, failed_rows, count)
    return BatchJacobian(matrices, value_matrix, graph.output_names, graph.variables,
                         columns, failed_rows, choice, graph, first_error)


def hessian(expr, at, *, wrt=None, variables=None, output=None, allow_nonfinite=False):
    """Exact second derivatives by forward-over-reverse AD; on arrays an
    ArrayHessian over the wrt variables' entries flattened in C order."""
    import numpy as np

    from .engine import nonfinite, sparsity
    from .jacobians import Hessian

    graph = _selected(expr, variables, output)
    arrays = _arrays(graph, at, wrt)
    if arrays is not None:
        return arrays.hessian(graph, at, wrt, allow_nonfinite)
    graph, point, _ = prologue(graph, at, variables=variables, output=output)
    # dense unless it pays; finite: whether the sparse path found all of it finite
    value, gradient, matrix, finite = sparsity.hessian(graph, point, graph.output)
    if not allow_nonfinite and not finite:
        _check(graph, point, [value], [gradient])
        if not matrix.size == 0 and not np.isfinite(matrix).all():
            raise nonfinite.second_order_error(graph, point)
    return Hessian(value, dict(zip(graph.variables, gradient)), matrix, graph.variables,
                   dict(zip(graph.variables, point)), graph.output_names[0], graph)


def jvp(exprs, at, direction, *, wrt=None, variables=None, allow_nonfinite=False):
    """J @ direction by one forward-mode pass (direction: one entry per
    variable, of its shape on arrays)."""
    return _product("jvp", exprs, at, direction, variables, allow_nonfinite, wrt)


def vjp(exprs, at, cotangent, *, wrt=None, variables=None, allow_nonfinite=False):
    """cotangent @ J by one reverse-mode pass (cotangent: one entry per
    output, of its shape on arrays)."""
    return _product("vjp", exprs, at, cotangent, variables, allow_nonfinite, wrt)


def hvp(expr, at, direction, *, wrt=None, variables=None, output=None, allow_nonfinite=False):
    """H @ direction, the Hessian of a scalar output times a direction (one
    entry per wrt variable, in its shape), by one forward-over-reverse pass:
    the n x n Hessian is never formed.  An ArrayProduct (kind "hvp")."""
    from . import array_api

    graph = _selected(expr, variables, output)
    return array_api.hvp(graph, at, direction, wrt, allow_nonfinite)


def _product(kind, exprs, at, vector, variables, allow_nonfinite, wrt=None):
    from .jacobians import Product

    graph = _selected(exprs, variables, None, several=True)
    arrays = _arrays(graph, at, wrt)
    if arrays is not None:
        return getattr(arrays, kind)(graph, at, vector, wrt, allow_nonfinite)
    graph, point, _ = prologue(graph, at, variables=variables, several=True)
    if kind == "jvp":  # the vector runs over the variables, the product over the outputs
        given, result, compute = graph.variables, graph.output_names, forward.jvp
    else:
        given, result, compute = graph.output_names, graph.variables, reverse.vjp
    vector = _vector(vector, given, "direction" if kind == "jvp" else "cotangent")
    values, product = compute(graph, point, vector, graph.outputs)
    if not allow_nonfinite:
        _check(graph, point, values, [product])
    return Product(dict(zip(graph.output_names, values)), dict(zip(result, product)),
                   graph.output_names, graph.variables, dict(zip(graph.variables, point)))


def values(exprs, at, *, variables=None, allow_nonfinite=False):
    """{output name: value} of every output at one point; on arrays an
    ArrayValues."""
    graph = _selected(exprs, variables, None, several=True)
    arrays = _arrays(graph, at, None)
    if arrays is not None:
        return arrays.values(graph, at, allow_nonfinite)
    graph, point, _ = prologue(graph, at, variables=variables, several=True)
    computed = dispatch.values(graph, point)
    result = {name: float(computed[node]) for name, node in zip(graph.output_names, graph.outputs)}
    if not allow_nonfinite and not all(map(math.isfinite, result.values())):
        from .engine import nonfinite
        raise nonfinite.first_nonfinite_value(graph, computed)
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
    from .engine import nonfinite
    raise nonfinite.diagnose(graph, point)


def _trace_rows(graph, values, adjoints):
    names = graph.node_names()
    rows = []
    for node in graph.var_nodes + graph.op_nodes:
        is_op = not graph.is_variable(node)
        partials = reverse.local_partials(graph, values, node) if is_op else []
        rows.append(TraceRow(
            node=names[node], computes=graph.node_text(node), value=float(values[node]),
            partials=[(names[i], float(p)) for i, p in partials],
            adjoint=float(adjoints[node]),
            kink=is_op and reverse.is_kink(graph, values, node),
            span=graph.spans[node], expression=graph.source))
    return rows
