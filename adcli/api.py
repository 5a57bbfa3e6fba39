"""The Python API: parse an expression once, differentiate it anywhere.

    >>> import adcli
    >>> r = adcli.grad("3*(x1**2+x2*x3)", [2, 3, 4])
    >>> r.value, r.gradient
    (48.0, {'x1': 12.0, 'x2': 12.0, 'x3': 9.0})
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

from .engine import derivatives, reverse
from . import points
from .errors import DomainError, ExpressionError
from .graph import Graph, count_text
from .language.parser import parse_builder


def parse(text, variables=None):
    """Parse expression text into a Graph.  ``variables`` fixes the input
    order (default: natural order of the names, x2 before x10)."""
    if variables is not None:
        points.require_text(variables, "variable names", ExpressionError)
    if isinstance(text, Graph):
        return text if variables is None else text.with_variables(variables)
    if not isinstance(text, str):
        raise ExpressionError(f"an expression is text (str) or a Graph, not "
                              f"{type(text).__name__}: {points.shown(text)}")
    return parse_builder(text).build(variables)


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
    mode: object = field(default=None, repr=False)  # derivatives.ModeChoice
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


def grad(expr, at, *, variables=None, output=None, mode="reverse", allow_nonfinite=False):
    """Value and gradient of ``expr`` (text or Graph).

    ``at`` is a mapping name -> number, or a sequence in variable order.  When
    its values are arrays (or ``at`` is a 2-D array, one row per point) the
    result is a BatchGradient evaluated in one vectorized pass.  ``output``
    picks one output of a program with several.  ``mode``: "reverse" (one
    reverse pass), "forward" (one forward pass per variable) or "auto".

    A non-finite value or gradient raises DomainError naming the node that
    produced it, unless ``allow_nonfinite``.
    """
    graph = parse(expr, variables)
    if output is not None:
        graph = graph.select(output)
    choice = derivatives.choose_mode(mode, len(graph.variables), 1)
    if is_batch(at):
        return _grad_batch(graph, at, allow_nonfinite)
    point = points.resolve(graph.variables, at)
    if choice.mode == "forward":
        values = reverse.forward(graph, point)
        adjoints = None
        _, rows, _ = derivatives.jacobian(graph, point, [graph.output], "forward")
        gradient = rows[0]
    else:
        values, adjoints = value_and_adjoints(graph, point)
        gradient = pick_variables(adjoints, graph)
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


def forward_values(graph, point):
    """Values of every node at one point, on the same path as
    value_and_adjoints (levels with numpy for large wide graphs)."""
    if graph.cached("by_levels", _by_levels):
        from .engine import levels
        return levels.forward(levels.plan(graph), point)[0]
    return reverse.forward(graph, point)


def value_and_adjoints(graph, point):
    """Values and adjoints of every node at one point: by levels with numpy
    for large wide graphs, else by the scalar loop."""
    if graph.cached("by_levels", _by_levels):
        from .engine import levels
        plan = levels.plan(graph)
        values, gathered = levels.forward(plan, point)
        return values, levels.backward(plan, values, gathered)
    values = reverse.forward(graph, point)
    return values, reverse.backward(graph, values)


def pick_variables(items, graph):
    """The variables' entries of items, as Python floats (items a list or an array)."""
    if isinstance(items, list):
        return [float(items[i]) for i in graph.var_nodes]
    from .engine import levels
    return items[levels.plan(graph).var_nodes].tolist()


def _by_levels(graph):
    return reverse.worth_it(graph)


def _nonfinite(graph, result):
    if math.isfinite(result.value) and all(map(math.isfinite, result.gradient.values())):
        return None
    adjoints = result.adjoints
    if adjoints is None:
        adjoints = reverse.backward(graph, result.values)
    return (reverse.first_nonfinite(graph, result.values, adjoints)
            or DomainError("the gradient is not finite at this point", graph.source))


def is_batch(at):
    """A 2-D array, a mapping to arrays, or a sequence of arrays is a batch."""
    if hasattr(at, "ndim"):
        return at.ndim == 2
    if isinstance(at, Mapping):
        return _has_arrays(at.values())
    if isinstance(at, (list, tuple)) and at:
        return _is_array_like(at[0])
    return False


def _has_arrays(values):
    """Is any value array-like?  A point may have 10^5 values: their sum, one
    pass in C, is a float only when they are plain numbers (an array in it
    makes an array, or a TypeError); otherwise each distinct type is asked."""
    try:
        if type(sum(values, 0.0)) is float:
            return False
    except (TypeError, OverflowError):  # text, or an int beyond float64 (10**400)
        pass
    return any(_is_array_like_type(t) for t in set(map(type, values)))


def _is_array_like(value):
    return _is_array_like_type(type(value))


def _is_array_like_type(kind):
    return hasattr(kind, "__len__") and not issubclass(kind, (str, bytes, bytearray))


def batch_columns(graph, at):
    """(one contiguous float64 array per variable, the number of points)."""
    import numpy as np

    names = graph.variables
    if isinstance(at, Mapping):
        points._check_names(names, at)
        raw = [at[name] for name in names]
    elif getattr(at, "ndim", None) == 2:
        if at.shape[1] != len(names):
            raise points.PointError(
                f"a batch needs one column per variable ({', '.join(names) or 'none'}), "
                f"got shape {at.shape}")
        raw = [at[:, k] for k in range(at.shape[1])]
        if not raw:
            return [], at.shape[0]
    else:  # a sequence of columns in variable order
        raw = list(at)
        if len(raw) != len(names):
            raise points.PointError(f"a batch needs {count_text(len(names), 'column')} "
                                    f"({', '.join(names)}), got {len(raw)}")
    columns = [_column(value, name) for value, name in zip(raw, names)]
    lengths = {len(c) for c in columns if c.ndim == 1}
    if len(lengths) > 1:
        listing = ", ".join(f"{n} has {len(c)}" for n, c in zip(names, columns) if c.ndim)
        raise points.PointError(f"the batch columns differ in length: {listing}")
    count = lengths.pop() if lengths else 1
    return [np.ascontiguousarray(np.broadcast_to(c, (count,))) for c in columns], count


def _column(value, name):
    import numpy as np

    try:
        column = np.asarray(value, dtype=np.float64)
    except OverflowError:  # an int beyond float64, such as 10**400
        raise points.PointError(f"a value of {name} is too large for float64") from None
    except (TypeError, ValueError):
        raise points.PointError(f"the values of {name} are not all numbers") from None
    if column.ndim > 1:
        raise points.PointError(f"the values of {name} must be one number per point, "
                                f"got an array of shape {column.shape}")
    if not np.isfinite(column).all():
        raise points.PointError(f"a value of {name} is not a finite number")
    return column


def _full(value, count, input_ids):
    """value as a float64 array of length count that aliases no input
    (input_ids: the id of each input column)."""
    import numpy as np

    array = np.asarray(value, dtype=np.float64)
    if array.shape != (count,) or id(array) in input_ids:
        array = np.broadcast_to(array, (count,)).copy()
    return array


def _grad_batch(graph, at, allow_nonfinite):
    import numpy as np
    from .engine import vectorized
    columns, count = batch_columns(graph, at)
    with np.errstate(all="ignore"):
        values = reverse.forward(graph, columns, xp=vectorized)
        adjoints = reverse.backward(graph, values, xp=vectorized)
    input_ids = set(map(id, columns))
    value = _full(values[graph.output], count, input_ids)
    gradient = {name: _full(adjoints[node], count, input_ids)
                for name, node in zip(graph.variables, graph.var_nodes)}
    finite = np.isfinite(value)
    for column in gradient.values():
        finite &= np.isfinite(column)
    failed_rows = np.flatnonzero(~finite).tolist()
    failed = [reverse.diagnose(graph, [c[row] for c in columns], row)
              for row in failed_rows[:20]]
    result = BatchGradient(value, gradient, graph.variables, columns, failed_rows, failed, graph)
    if failed and not allow_nonfinite:
        error = failed[0]
        error.failed_rows = failed_rows
        error.message = (f"{len(failed_rows)} of {count} points fail; the first, "
                         f"row {error.row + 1}: {error.message}")
        error.args = (error.message,)
        raise error
    return result


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
