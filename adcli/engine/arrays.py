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
    backward(graph, values, seed, wrt, keep, xp)   adjoints per node, each in its
                                     node's shape (xp: the namespace the rules run on)
    gradient(graph, values, wrt)         the gradients of the wrt variables
    value_and_gradient(graph, point, wrt)  (value, gradients) in less memory: values
                                     dropped after their last use (RULE_READS)
    jvp(graph, values, tangents)     output tangents (forward mode)
    first_nonfinite(graph, values, adjoints)  DomainError for the first non-finite
                                     value (or adjoint)

Every rule calls only the functions of the namespace ``NAMESPACE`` (below):
engine/vectorized.py's elementwise functions plus the array functions the
rules need (matmul, transpose, sum, solve, ...), each a plain numpy call.
Every vjp rule is a composition of these namespace functions, so
engine/array_second.py runs the backward pass on its namespace DUAL (arrays
that carry tangents: forward over reverse) for exact Hessian-vector products
and Hessians, with no second rules written by hand.  Loops are iterative;
adjoints are summed in one fixed order (reverse tape order).

On NAMESPACE, at nodes of 4096 entries or more, the reverse pass works in
place where that gives the same bits: it adds into the adjoints it owns
(arrays it made and nobody else holds), multiplies into a dying cotangent,
gives x * x's one product to both arguments, and writes the adjoints of
x[i:j] straight into one buffer for x (only the sign of a zero may differ
from the plain pass: -0.0 where x + 0.0 gave 0.0).
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
    # nodes large enough for the reverse pass's in-place bookkeeping to pay
    big = bytearray(len(node_shapes))
    for node in graph.op_nodes:  # the decisions are made at op nodes
        big[node] = _size(node_shapes[node]) >= _IN_PLACE_SIZE
    return node_shapes, steps, big if any(big) else None


#: from this many entries on, the reverse pass adds and multiplies in place
#: into the adjoints it owns (below it the bookkeeping costs more than it saves)
_IN_PLACE_SIZE = 4096


def _size(shape):
    size = 1
    for d in shape:
        size *= d
    return size


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
    steps = _plan(graph, tuple(np.shape(v) for v in point))[1]
    values = list(graph.initial_values)
    for node, value in zip(graph.var_nodes, point):
        values[node] = value
    xp = NAMESPACE
    for node, op, args, params in steps:  # _forward's loop, inline: a call less
        inputs = [values[a] for a in args]
        if op.array:
            values[node] = op.forward(xp, *inputs, **params)
        elif op.variadic:
            values[node] = op.forward(xp, inputs)
        else:
            values[node] = op.forward(xp, *inputs)
    return values


def _forward(graph, point, steps):
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


def _elementwise_partials(xp, op, ans, inputs, wanted):
    if op.variadic:
        return op.partials(xp, ans, inputs)
    return [rule(xp, ans, *inputs) if want else None
            for rule, want in zip(op.partials, wanted)]


def _elementwise_cotangents(xp, op, g, ans, inputs, arg_shapes, wanted):
    if op.variadic:
        partials = op.partials(xp, ans, inputs)
    else:
        partials = [rule(xp, ans, *inputs) if want else None
                    for rule, want in zip(op.partials, wanted)]
    return [unbroadcast(xp, _times_partial(g, p), s) if want else None
            for p, s, want in zip(partials, arg_shapes, wanted)]


def _float_array(value, shape):
    """Whether value is a writable float64 ndarray of this shape that owns
    its memory (one we may add into, or multiply into, in place)."""
    return (type(value) is np.ndarray and value.dtype == np.float64 and value.shape == shape
            and value.flags.owndata and value.flags.writeable)


def _fast_elementwise_cotangents(op, g, g_owned, ans, inputs, args, arg_shapes, out_shape,
                                 wanted):
    """_elementwise_cotangents on float64 arrays, the same bits, with less
    memory: an argument that appears twice with the same partial object
    (x * x) gets the one product twice; g, when it is ours and dies here,
    takes the last product in place.  Returns (cotangents, fresh flags): a
    fresh cotangent is a new array nobody else holds."""
    xp = NAMESPACE
    partials = _elementwise_partials(xp, op, ans, inputs, wanted)
    count = len(args)
    cotangents, fresh = [None] * count, [False] * count
    # g may be overwritten only by the last product, and only if no other
    # cotangent is g itself (a partial exactly 1)
    in_place = g_owned and _float_array(g, out_shape)
    source = list(range(count))  # the same argument, the same partial: the same product
    for k in range(count):
        for j in range(k):
            if wanted[j] and wanted[k] and args[j] == args[k] and partials[j] is partials[k]:
                source[k] = j
                break
    last = max((k for k in range(count) if wanted[k] and source[k] == k), default=-1)
    for k in range(count):
        if not wanted[k]:
            continue
        p = partials[k]
        if source[k] != k:
            cotangents[k], fresh[k] = cotangents[source[k]], False
        else:
            if type(p) is float and p == 1.0:
                c = g
                in_place = False
            elif type(p) is float and type(g) is np.ndarray and g.ndim and not any(g.strides):
                # g is one number broadcast (the cotangent of a sum): so is g * p
                c = np.broadcast_to(g.flat[0] * p, g.shape)
            elif (in_place and k == last and arg_shapes[k] == out_shape
                  and (type(p) is float or (type(p) is np.ndarray and p.dtype == np.float64
                                            and p.shape in (out_shape, ())))):
                c = np.negative(g, out=g) if type(p) is float and p == -1.0 \
                    else np.multiply(g, p, out=g)
                fresh[k] = True
            else:
                c = _times_partial(g, p)
                fresh[k] = c is not g
            reduced = unbroadcast(xp, c, arg_shapes[k])
            if reduced is not c:
                fresh[k] = type(reduced) is np.ndarray and reduced.flags.owndata
            cotangents[k] = reduced
    return cotangents, fresh


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


def _checked_seed(out_shape, seed):
    if seed is None:
        if out_shape != ():
            raise ShapeError(f"the output has shape {out_shape}: a gradient needs a scalar "
                             "output, or a seed of that shape")
        return 1.0
    if np.shape(seed) != out_shape:
        raise ShapeError(f"the seed has shape {np.shape(seed)}, the output {out_shape}")
    return seed


@_quiet
def backward(graph, values, seed=None, wrt=None, keep=True, xp=None):
    """Adjoints per node, each in its node's shape, of the one output
    (graph.output): a scalar, or any shape with a seed (the cotangent of the
    output, in its shape).  wrt: the variable names to differentiate with
    respect to (None: all); nodes that depend on none of them, and nodes the
    output does not depend on, get zeros.  keep=False frees each op node's
    adjoint once it is passed on (its entry is then None): gradient's
    memory is the values plus a few adjoints.

    xp: the namespace the rules run on (None: NAMESPACE).  Another namespace
    (array_second.DUAL: values and seed carrying tangents) runs the same
    pass on its own arrays; only NAMESPACE's pass adds and multiplies in
    place into the adjoints it owns."""
    shapes_, _, big = _plan(graph, tuple(np.shape(values[v]) for v in graph.var_nodes))
    output = graph.output
    if seed is None and shapes_[output] == ():
        seed = 1.0
    else:
        seed = _checked_seed(shapes_[output], seed)
    active = active_nodes(graph, wrt)
    if big is None or (xp is not None and xp is not NAMESPACE):
        return _reverse_plain(graph, values, seed, active, keep,
                              NAMESPACE if xp is None else xp, shapes_, output)
    return _reverse(graph, values, seed, active, keep, shapes_, big)


def _reverse_plain(graph, values, seed, active, keep, xp, shapes_, output=None):
    """The reverse pass on any namespace, each cotangent a new value: for
    DUAL, and for graphs too small for in-place work to pay."""
    output = graph.output if output is None else output
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


def _zeros_for_the_rest(graph, adjoints, active, keep, shapes_):
    wanted_nodes = range(len(adjoints)) if keep else [v for v in graph.var_nodes if active[v]]
    for node in wanted_nodes:
        if adjoints[node] is None:
            adjoints[node] = np.zeros(shapes_[node]) if shapes_[node] else 0.0
    return adjoints


def _reverse(graph, values, seed, active, keep, shapes_, big, lean=None):
    """The reverse pass on NAMESPACE with in-place work at the big nodes
    (the same bits as _reverse_plain).  lean (value_and_gradient's plan):
    the values no rule reads are None in values, and each value is dropped
    from values once the last rule that reads it has run."""
    xp = NAMESPACE
    output = graph.output
    owned = bytearray(len(graph.ops))  # adjoints[node] is a float64 array only we hold
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
        fast = big[node]
        if lean is None:
            inputs = [values[a] for a in args]
            ans = values[node]
        else:
            inputs = [_ShapeOnly(shapes_[a]) if values[a] is None else values[a] for a in args]
            ans = _ShapeOnly(shapes_[node]) if values[node] is None else values[node]
        fresh = None
        if op.array:
            params = dict(op.params)
            if fast and op.name == "index" and _index_into(adjoints, owned, args[0], g,
                                                          shapes_[args[0]], params["index"]):
                cotangents = [None]
                wanted = [False]
            elif op.variadic:
                cotangents = op.vjp(xp, g, ans, *inputs, **params)
            else:
                cotangents = [rule(xp, g, ans, *inputs, **params) if want else None
                              for rule, want in zip(op.vjp, wanted)]
            if fast:
                fresh = _fresh_flags(cotangents, g, ans, inputs, wanted)
        elif fast:
            cotangents, fresh = _fast_elementwise_cotangents(
                op, g, owned[node] and not keep, ans, inputs, args,
                [shapes_[a] for a in args], shapes_[node], wanted)
        else:
            cotangents = _elementwise_cotangents(xp, op, g, ans, inputs,
                                                 [shapes_[a] for a in args], wanted)
        if fast and not keep and owned[node]:
            # g is ours and dies here: an argument that receives g itself, alone, owns it
            receivers = [k for k, c in enumerate(cotangents) if wanted[k] and c is g]
            if len(receivers) == 1 and all(c is not g for k, c in enumerate(cotangents)
                                           if k != receivers[0]):
                fresh[receivers[0]] = True
        for k, (a, c, want) in enumerate(zip(args, cotangents, wanted)):
            if not want:  # one fixed order: the arguments'
                continue
            current = adjoints[a]
            if current is None:
                adjoints[a] = c
                owned[a] = fast and fresh[k] and _float_array(c, shapes_[a])
            elif owned[a] and _addable(c, current.shape):
                np.add(current, c, out=current)
            else:
                adjoints[a] = current + c
                owned[a] = fast and _float_array(adjoints[a], shapes_[a])
        g = ans = inputs = cotangents = None
        if lean is not None:
            for v in lean.release[node]:
                values[v] = None
    return _zeros_for_the_rest(graph, adjoints, active, keep, shapes_)


class _ShapeOnly:
    """Stands for a value no rule reads (lean mode): it has a shape, nothing
    else, so a rule that did read it fails loudly instead of computing with
    a stand-in."""
    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        size = 1
        for d in self.shape:
            size *= d
        return size


def _addable(c, shape):
    """Whether c can be added into a float64 array of this shape in place
    with the bits of current + c."""
    if type(c) is float:
        return True
    return type(c) is np.ndarray and c.dtype == np.float64 and c.shape in (shape, ())


def _fresh_flags(cotangents, g, ans, inputs, wanted):
    """Which vjp results are new arrays nobody else holds (not g, ans, an
    input, a view of something, or one result given twice)."""
    flags = []
    for k, c in enumerate(cotangents):
        flags.append(bool(wanted[k]) and type(c) is np.ndarray and c.flags.owndata
                     and c is not g and c is not ans and all(c is not x for x in inputs)
                     and all(c is not d for d in cotangents[:k]))
    return flags


def _index_into(adjoints, owned, a, g, shape, spec):
    """The vjp of x[spec] without zeros-then-place: g goes straight into the
    adjoint of x, a buffer of x's shape that several slices of x add into.
    False (nothing done) when that buffer cannot be written in place."""
    current = adjoints[a]
    if not (isinstance(g, float) or (isinstance(g, np.ndarray) and g.dtype == np.float64)):
        return False
    if current is None:
        buffer = np.empty(shape)  # not np.zeros: calloc maps fresh pages, each a fault
        item = spec[0] if len(spec) == 1 else None
        if isinstance(item, slice) and item.step in (None, 1):
            # x[i:j]: g into the slice, zeros into the rest, each entry written once
            start, stop, _ = item.indices(shape[0])
            stop = max(start, stop)
            buffer[start:stop] = g
            buffer[:start] = 0.0
            buffer[stop:] = 0.0
        else:
            buffer.fill(0.0)
            buffer[tuple(spec)] = g
        adjoints[a] = buffer
        owned[a] = 1
        return True
    if owned[a] and _float_array(current, shape):
        current[tuple(spec)] += g
        return True
    return False


def gradient(graph, values, wrt=None):
    """The gradients of the scalar output with respect to the variables of
    wrt (names, in that order; None: graph.variables), each in its
    variable's shape; intermediate adjoints are freed as the pass goes."""
    names = graph.variables if wrt is None else tuple(wrt)
    adjoints = backward(graph, values, wrt=names, keep=False)
    index = graph.variable_index()
    return [adjoints[graph.var_nodes[index[name]]] for name in names]


# --- value and gradient, lean ------------------------------------------------------------

#: what the reverse rules of some ops read beyond shapes: op name -> for each
#: argument k, the argument positions whose values its rule reads, and "ans"
#: when it reads the op's own value (None: only shapes).  An op not listed
#: may read every argument and its value.  tests/engine/test_arrays_lean.py
#: checks each entry by running the rules with the unread values replaced by
#: shape-only stand-ins.
RULE_READS = {
    "add": None, "sub": None, "neg": None,  # partials 1 and -1
    "mul": {0: (1,), 1: (0,)},  # d(a*b)/da = b, d(a*b)/db = a
    "div": {0: (1,), 1: (0, 1)},
    "pow": {0: (0, 1), 1: (0, 1, "ans")},  # d/dx x**y reads x and y, d/dy also x**y
    "exp": {0: ("ans",)},
    "sum": None, "mean": None, "index": None, "transpose": None, "stack": None,
    "trace": None,
}


#: elementwise ops whose forward rule is one numpy ufunc (the same bits with out=)
_UFUNC_FORWARD = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
                  "div": np.true_divide, "neg": np.negative}


class _LeanPlan:
    """For value_and_gradient: which values the reverse rules read, and when
    each value can be dropped (after its last reader's rule, or, if no rule
    reads it, after its last use in the forward pass)."""

    def __init__(self, graph, active):
        output = graph.output
        count = len(graph.ops)
        processed = bytearray(count)  # does backward reach this node with an adjoint?
        processed[output] = active[output]
        for node in reversed(graph.op_nodes):
            if processed[node]:
                for a in graph.args[node]:
                    if active[a]:
                        processed[a] = 1
        read = bytearray(count)
        release = [[] for _ in range(count)]
        last_reader = [-1] * count  # the reader processed last (the smallest index)
        for node in graph.op_nodes:
            if not processed[node] or not graph.args[node]:
                continue
            args = graph.args[node]
            op = graph.ops[node]
            if op.name in RULE_READS and (op.array or op is _ELEMENTWISE.get(op.name)):
                reads = RULE_READS[op.name] or {}
                readers = {r for k, a in enumerate(args) if active[a] for r in reads.get(k, ())}
                needed = [node if r == "ans" else args[r] for r in readers]
            else:
                needed = list(args) + [node]
            for v in needed:
                read[v] = 1
                if last_reader[v] < 0 or node < last_reader[v]:
                    last_reader[v] = node
        for v, node in enumerate(last_reader):
            if node >= 0:
                release[node].append(v)
        # the forward pass: drop a value after its last consumer when no rule reads it
        last_consumer = {}
        for step, node in enumerate(graph.op_nodes):
            for a in graph.args[node]:
                last_consumer[a] = step
        drop = [[] for _ in graph.op_nodes]
        for v, step in last_consumer.items():
            if not read[v] and v != output:
                drop[step].append(v)
        self.drop, self.release = drop, release


_ELEMENTWISE = {}


def _lean_plan(graph, input_shapes, wrt):
    def make(g):
        if not _ELEMENTWISE:
            from .. import ops
            _ELEMENTWISE.update(ops.TABLE)
        return _LeanPlan(g, active_nodes(g, wrt))
    return graph.cached(("arrays.lean", tuple(input_shapes), wrt), make)


@_quiet
def planned_shapes(graph, point):
    """The shape of every node at a point of these shapes (ShapeError at the
    node when they do not fit), from the plan cached per set of shapes."""
    return _plan(graph, tuple(np.shape(v) for v in point))[0]


def value_and_gradient(graph, point, wrt=None):
    """(value, gradients) of the scalar output at point (graph.variables
    order), the gradients as gradient gives them, in less memory: values no
    reverse rule reads are dropped as soon as the forward pass is done with
    them, the others once their last reader has run, adjoints once passed
    on.  The values are not returned: to name a non-finite value or
    derivative, run forward and backward(keep=True) and first_nonfinite."""
    point = [_as_value(v) for v in point]
    if len(point) != len(graph.var_nodes):
        raise ShapeError(f"expected {len(graph.var_nodes)} values, got {len(point)}")
    input_shapes = tuple(np.shape(v) for v in point)
    shapes_, steps, big = _plan(graph, input_shapes)
    names = graph.variables if wrt is None else tuple(wrt)
    active = active_nodes(graph, names)
    output = graph.output
    seed = _checked_seed(shapes_[output], None)
    index = graph.variable_index()
    if big is None:  # small arrays: memory is no matter, the plain passes are quicker
        values = _forward(graph, point, steps)
        adjoints = _reverse_plain(graph, values, seed, active, False, NAMESPACE, shapes_, output)
        return values[output], [adjoints[graph.var_nodes[index[name]]] for name in names]
    lean = _lean_plan(graph, input_shapes, names)
    values = list(graph.initial_values)
    for node, value in zip(graph.var_nodes, point):
        values[node] = value
    xp = NAMESPACE
    owned = bytearray(len(values))  # values[node] is an array this pass made, held once
    for step, (node, op, args, params) in enumerate(steps):
        inputs = [values[a] for a in args]
        dying = lean.drop[step]
        ufunc = _UFUNC_FORWARD.get(op.name) if big[node] and not op.array else None
        target = None
        if ufunc is not None and op is _ELEMENTWISE.get(op.name) and len(args) <= 2:
            # the forward rule is this one ufunc: write into an argument that dies here
            target = next((values[a] for a in args if owned[a] and a in dying
                           and _float_array(values[a], shapes_[node])), None)
        if target is not None:
            result = ufunc(*inputs, out=target)
        elif op.array:
            result = op.forward(xp, *inputs, **params)
        elif op.variadic:
            result = op.forward(xp, inputs)
        else:
            result = op.forward(xp, *inputs)
        values[node] = result
        if type(result) is np.ndarray and result.flags.owndata:
            owned[node] = 1
            for a in args:
                if values[a] is result:  # a rule gave back its argument: held twice
                    owned[node] = owned[a] = 0
        inputs = result = target = None
        for v in dying:
            values[v] = None
    value = values[graph.output]
    adjoints = _reverse(graph, values, seed, active, False, shapes_, big, lean)
    return value, [adjoints[graph.var_nodes[index[name]]] for name in names]


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
