"""The array interpreter: shapes, values, adjoints and tangents of a graph
whose nodes hold numpy arrays.

A graph here mixes the elementwise ops of ops.TABLE (applied with numpy
broadcasting through engine/vectorized.py, so the same bits as the scalar
path) and the array ops of ops.ARRAY_TABLE (matmul, sum, index, solve, ...),
each with its forward rule, vjp, jvp and shape rule side by side.  The
elementwise ops have no second copy: their vjp is derived here as
``unbroadcast(g * partial_k, shape of argument k)`` (autograd's
``unbroadcast``: the cotangent summed over the broadcast axes), their jvp as
``sum_k partial_k * t_k`` and their shape as ``numpy.broadcast_shapes``.

    shapes(graph, input_shapes)      one shape per node, or ShapeError at the node
    forward(graph, point)            values per node (shapes checked first, once
                                     per set of input shapes: a cached plan)
    backward(graph, values, seed, wrt)   adjoints per node, each in its node's shape
    gradient(graph, values, wrt)         the gradients of the wrt variables
    jvp(graph, values, tangents)     output tangents (forward mode)
    first_nonfinite(graph, values, adjoints)  DomainError for the first non-finite
                                     value (or adjoint)

Every rule calls only the functions of the namespace ``NAMESPACE`` (below):
engine/vectorized.py's elementwise functions plus the array functions the
rules need (matmul, transpose, sum, solve, ...), each a plain numpy call.
The plan for second derivatives: every vjp rule is a composition of these
namespace functions, so a later interpreter can run the backward pass on
dual numbers (a namespace whose arrays carry tangents: forward over
reverse) and get exact Hessian-vector products and Hessians with no second
rules written by hand.  Loops are iterative; adjoints are summed in one
fixed order (reverse tape order).
"""
import functools
import types

import numpy as np

from . import vectorized
from ..errors import DomainError, ShapeError


# --- the array namespace --------------------------------------------------------------

def solve(a, b):
    """numpy.linalg.solve; nan (no exception) when a is singular."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return np.full(np.shape(b), np.nan)


def inv(a):
    """numpy.linalg.inv; nan (no exception) when a is singular."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.full(np.shape(a), np.nan)


def logabsdet(a):
    """log |det a| from slogdet: -inf when a is singular."""
    return np.linalg.slogdet(a)[1]


def index(x, spec):
    """x[spec] for a basic index (integers and slices)."""
    return np.asarray(x)[tuple(spec)]


def index_adjoint(g, shape, spec):
    """The cotangent of x from that of x[spec]: g placed in zeros of x's shape
    (basic indices never repeat an entry)."""
    result = np.zeros(shape, dtype=np.result_type(g, np.float64))
    result[tuple(spec)] = g
    return result


def diag_matrix(v, shape):
    """Zeros of shape with v on the diagonal (the adjoint of diag(A))."""
    result = np.zeros(shape, dtype=np.result_type(v, np.float64))
    k = min(shape)
    result[np.arange(k), np.arange(k)] = v
    return result


def exclusive_cumprod(x, axis):
    """Along axis, the product of the entries before each (1 at the first)."""
    x = np.asarray(x)
    ones = np.ones_like(np.take(x, [0], axis=axis)) if x.shape[axis] else x
    shifted = np.concatenate([ones, np.take(x, np.arange(x.shape[axis] - 1), axis=axis)],
                             axis=axis)
    return np.cumprod(shifted, axis=axis)


def _namespace():
    space = types.SimpleNamespace(**{name: value for name, value in vars(vectorized).items()
                                     if not name.startswith("_")
                                     and not isinstance(value, types.ModuleType)})
    space.__name__ = "adcli.engine.arrays.NAMESPACE"
    for name in ("matmul", "transpose", "sum", "mean", "prod", "expand_dims", "broadcast_to",
                 "reshape", "squeeze", "zeros", "ones", "eye", "stack", "outer", "trace",
                 "diag", "flip", "shape", "ndim", "size", "equal", "multiply", "add",
                 "negative", "concatenate", "linspace"):
        setattr(space, name, getattr(np, name))
    space.max, space.min = np.max, np.min
    space.det = np.linalg.det
    space.solve, space.inv, space.logabsdet = solve, inv, logabsdet
    space.index, space.index_adjoint, space.diag_matrix = index, index_adjoint, diag_matrix
    space.exclusive_cumprod = exclusive_cumprod
    return space


#: the namespace every rule of an array graph receives as ``xp``
NAMESPACE = _namespace()


def unbroadcast(xp, g, shape):
    """g summed over the axes broadcasting added or stretched, to shape."""
    g_shape = xp.shape(g)
    if g_shape == tuple(shape):
        return g
    extra = len(g_shape) - len(shape)
    if extra > 0:
        g = xp.sum(g, axis=tuple(range(extra)))
    stretched = tuple(k for k, d in enumerate(shape) if d == 1 and xp.shape(g)[k] != 1)
    if stretched:
        g = xp.sum(g, axis=stretched, keepdims=True)
    if xp.shape(g) != tuple(shape):  # a scalar partial times a scalar g, say
        g = xp.broadcast_to(g, shape)
    return g


# --- shapes -------------------------------------------------------------------------


def _elementwise_shape(op, arg_shapes):
    try:
        return np.broadcast_shapes(*arg_shapes)
    except ValueError:
        shown = ", ".join(str(s) for s in arg_shapes[:-1]) + f" and {arg_shapes[-1]}"
        raise ShapeError(f"cannot broadcast {shown} ({op.name})") from None


def shapes(graph, input_shapes):
    """One shape (a tuple) per node: input_shapes in graph.variables order,
    () for constants.  A shape rule's ShapeError comes back with the source
    and the node's span, so its caret falls under the operator."""
    input_shapes = [tuple(s) for s in input_shapes]
    if len(input_shapes) != len(graph.var_nodes):
        raise ShapeError(f"expected {len(graph.var_nodes)} input shapes, "
                         f"got {len(input_shapes)}")
    result = [()] * len(graph.ops)
    for node, value in enumerate(graph.initial_values):
        if type(value) is not float:  # array data: load("A.csv")
            result[node] = np.shape(value)
    for node, shape in zip(graph.var_nodes, input_shapes):
        result[node] = shape
    for node in graph.op_nodes:
        op = graph.ops[node]
        arg_shapes = [result[a] for a in graph.args[node]]
        try:
            if op.array:
                result[node] = tuple(op.shape(*arg_shapes, **dict(op.params)))
            else:
                result[node] = _elementwise_shape(op, arg_shapes)
        except ShapeError as error:
            start, end = graph.spans[node]
            raise ShapeError(error.message, graph.source, start, end, hint=error.hint,
                             node=node) from None
    return result


def _plan(graph, input_shapes):
    """Shapes checked and the evaluation steps laid out, once per set of
    input shapes (a new point of the same shapes reuses it)."""
    key = ("arrays.plan", tuple(input_shapes))
    return graph.cached(key, lambda g: _make_plan(g, input_shapes))


def _make_plan(graph, input_shapes):
    node_shapes = shapes(graph, input_shapes)
    steps = []
    for node in graph.op_nodes:
        op = graph.ops[node]
        steps.append((node, op, graph.args[node], dict(op.params)))
    return node_shapes, steps


def _as_value(value):
    if isinstance(value, np.ndarray):
        return value.astype(np.float64, copy=False) if value.dtype.kind != "c" else value
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=np.float64)
    return value


def _quiet(function):
    """function under np.errstate(all="ignore"): non-finite entries follow
    IEEE and are reported (first_nonfinite), not warned about."""
    @functools.wraps(function)
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)
    return quiet


# --- forward ---------------------------------------------------------------------------


@_quiet
def forward(graph, point):
    """Values per node (None for nodes no output uses): point in
    graph.variables order, each a float or an ndarray.  Shapes are checked
    (ShapeError at the node) before anything is evaluated."""
    point = [_as_value(v) for v in point]
    if len(point) != len(graph.var_nodes):
        raise ShapeError(f"expected {len(graph.var_nodes)} values, got {len(point)}")
    _, steps = _plan(graph, tuple(np.shape(v) for v in point))
    values = list(graph.initial_values)
    for node, value in zip(graph.var_nodes, point):
        values[node] = value
    xp = NAMESPACE
    for node, op, args, params in steps:
        inputs = [values[a] for a in args]
        if op.array:
            values[node] = op.forward(xp, *inputs, **params)
        elif op.variadic:
            values[node] = op.forward(xp, inputs)
        else:
            values[node] = op.forward(xp, *inputs)
    return values


def node_shapes(graph, values):
    """The shapes of forward's values, from the cached plan."""
    return _plan(graph, tuple(np.shape(values[v]) for v in graph.var_nodes))[0]


# --- reverse ---------------------------------------------------------------------------


def _times_partial(g, p):
    """g * p, without the multiplication when p is exactly 1 or -1 (the
    partials of + and -)."""
    if type(p) is float:
        if p == 1.0:
            return g
        if p == -1.0:
            return -g
    return g * p


def _elementwise_cotangents(xp, op, g, ans, inputs, arg_shapes, wanted):
    if op.variadic:
        partials = op.partials(xp, ans, inputs)
    else:
        partials = [rule(xp, ans, *inputs) if want else None
                    for rule, want in zip(op.partials, wanted)]
    return [unbroadcast(xp, _times_partial(g, p), s) if want else None
            for p, s, want in zip(partials, arg_shapes, wanted)]


def active_nodes(graph, wrt=None):
    """A flag per node: does it depend on a variable of wrt (names; None:
    all)?  Only active arguments get cotangents: the adjoint of a data
    matrix A in A @ x is never formed when x alone is wanted."""
    key = ("arrays.active", None if wrt is None else tuple(wrt))

    def make(g):
        names = set(g.variables if wrt is None else wrt)
        unknown = names.difference(g.variables)
        if unknown:
            raise ShapeError(f"not a variable of the expression: {', '.join(sorted(unknown))}")
        active = bytearray(len(g.ops))
        for node, name in zip(g.var_nodes, g.variables):
            active[node] = name in names
        for node in g.op_nodes:
            active[node] = any(active[a] for a in g.args[node])
        return active
    return graph.cached(key, make)


@_quiet
def backward(graph, values, seed=None, wrt=None, keep=True):
    """Adjoints per node, each in its node's shape, of the one output
    (graph.output): a scalar, or any shape with a seed (the cotangent of the
    output, in its shape).  wrt: the variable names to differentiate with
    respect to (None: all); nodes that depend on none of them, and nodes the
    output does not depend on, get zeros.  keep=False frees each op node's
    adjoint once it is passed on (its entry is then None): gradient's
    memory is the values plus a few adjoints."""
    output = graph.output
    shapes_ = node_shapes(graph, values)
    out_shape = shapes_[output]
    if seed is None:
        if out_shape != ():
            raise ShapeError(f"the output has shape {out_shape}: a gradient needs a scalar "
                             "output, or a seed of that shape")
        seed = 1.0
    elif np.shape(seed) != out_shape:
        raise ShapeError(f"the seed has shape {np.shape(seed)}, the output {out_shape}")
    active = active_nodes(graph, wrt)
    xp = NAMESPACE
    adjoints = [None] * len(graph.ops)
    if active[output]:
        adjoints[output] = _as_value(seed)
    for node in reversed(graph.op_nodes):
        g = adjoints[node]
        if g is None:
            continue
        args = graph.args[node]
        if not keep:
            adjoints[node] = None
        if not args:
            continue
        op = graph.ops[node]
        wanted = [active[a] for a in args]
        inputs = [values[a] for a in args]
        if op.array:
            params = dict(op.params)
            if op.variadic:
                cotangents = op.vjp(xp, g, values[node], *inputs, **params)
            else:
                cotangents = [rule(xp, g, values[node], *inputs, **params) if want else None
                              for rule, want in zip(op.vjp, wanted)]
        else:
            cotangents = _elementwise_cotangents(xp, op, g, values[node], inputs,
                                                 [shapes_[a] for a in args], wanted)
        for a, c, want in zip(args, cotangents, wanted):  # one fixed order: the arguments'
            if want:
                adjoints[a] = c if adjoints[a] is None else adjoints[a] + c
    wanted_nodes = range(len(adjoints)) if keep else [v for v in graph.var_nodes if active[v]]
    for node in wanted_nodes:
        if adjoints[node] is None:
            adjoints[node] = np.zeros(shapes_[node]) if shapes_[node] else 0.0
    return adjoints


def gradient(graph, values, wrt=None):
    """The gradients of the scalar output with respect to the variables of
    wrt (names, in that order; None: graph.variables), each in its
    variable's shape; intermediate adjoints are freed as the pass goes."""
    names = graph.variables if wrt is None else tuple(wrt)
    adjoints = backward(graph, values, wrt=names, keep=False)
    index = graph.variable_index()
    return [adjoints[graph.var_nodes[index[name]]] for name in names]


# --- forward mode -------------------------------------------------------------------------


@_quiet
def jvp(graph, values, tangents):
    """The tangents of graph.outputs (one per output, in its shape), given
    a tangent per variable in graph.variables order (None: no tangent)."""
    if len(tangents) != len(graph.var_nodes):
        raise ShapeError(f"expected {len(graph.var_nodes)} tangents, got {len(tangents)}")
    shapes_ = node_shapes(graph, values)
    node_tangents = [None] * len(graph.ops)
    for node, t in zip(graph.var_nodes, tangents):
        if t is not None:
            t = _as_value(t)
            if np.shape(t) != shapes_[node]:
                raise ShapeError(f"the tangent of {graph.variable_name(node)} has shape "
                                 f"{np.shape(t)}, the variable {shapes_[node]}")
        node_tangents[node] = t
    xp = NAMESPACE
    for node in graph.op_nodes:
        args = graph.args[node]
        ts = [node_tangents[a] for a in args]
        if all(t is None for t in ts):
            continue
        op = graph.ops[node]
        inputs = [values[a] for a in args]
        ans = values[node]
        if op.array:
            node_tangents[node] = op.jvp(xp, ts, ans, *inputs, **dict(op.params))
        else:
            if op.variadic:
                partials = op.partials(xp, ans, inputs)
            else:
                partials = [rule(xp, ans, *inputs) for rule in op.partials]
            total = None
            for p, t in zip(partials, ts):  # one fixed order: the arguments'
                if t is not None:
                    total = p * t if total is None else total + p * t
            node_tangents[node] = xp.broadcast_to(total, shapes_[node]) \
                if xp.shape(total) != shapes_[node] else total
    return [node_tangents[o] if node_tangents[o] is not None
            else (np.zeros(shapes_[o]) if shapes_[o] else 0.0) for o in graph.outputs]


# --- non-finite values -----------------------------------------------------------------------


def first_nonfinite(graph, values, adjoints=None):
    """DomainError naming the first node whose value is not finite though
    its inputs are (a singular solve, logdet of a singular matrix, log of a
    negative entry); then, given backward's adjoints (keep=True), the node
    nearest the output whose adjoint is finite but whose vjp made an
    argument's adjoint non-finite (sqrt'(0), norm of a huge entry); None when
    everything is finite."""
    def finite(value):
        return bool(np.all(np.isfinite(value)))

    for node in graph.op_nodes:
        if not finite(values[node]) and all(finite(values[a]) for a in graph.args[node]):
            what = graph.node_source(node) or graph.ops[node].name
            return _domain_error(graph, node, f"{what} is not finite ({_summary(values[node])})")
    if adjoints is None:
        return None
    for node in reversed(graph.op_nodes):
        if adjoints[node] is None or not finite(adjoints[node]):
            continue
        for a in graph.args[node]:
            if adjoints[a] is not None and not finite(adjoints[a]):
                what = graph.node_source(node) or graph.ops[node].name
                wrt = graph.node_source(a) or graph.node_names()[a] or "its argument"
                return _domain_error(graph, node, f"the derivative of {what} with respect to "
                                     f"{wrt} is not finite ({_summary(adjoints[a])})")
    return None


def _domain_error(graph, node, message):
    start, end = graph.spans[node]
    return DomainError(message, graph.source, start, end, node=graph.node_names()[node])


def _summary(value):
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(float(array))
    bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
    return f"{bad} of {array.size} entries of shape {array.shape}"
