"""Exact second derivatives of array graphs: forward over reverse.

    hvp(graph, values, direction, wrt=None)  -> (gradients, Hessian-vector products)
    hessian(graph, values, wrt=None)         -> (gradients, H), H n x n over the wrt
                                                entries flattened in C order
    first_nonfinite(graph, values, direction, wrt=None)  -> DomainError or None

The design.  Every reverse rule (the vjp rules of ops.ARRAY_TABLE and the
elementwise partials of ops.TABLE, with arrays.unbroadcast) is a composition
of the functions of the namespace arrays.NAMESPACE.  DUAL (below) is a
namespace of the same names whose functions accept Duals, arrays that carry
a tangent beside their value, and give the tangent of their result: an
elementwise function by its own partials from ops.TABLE (exp by ops.TABLE
["exp"]'s partial, divide by div's, power by pow's, maximum by max's), a
function of ARRAY_TABLE by that entry's jvp rule (det, logabsdet, inv,
prod, max, min), the linear ones (sum, transpose, index, broadcast_to ...)
by themselves; solve, matmul and exclusive_cumprod write their tangent out
(solve's jvp rule calls solve).  No second rule is written per op.  A
forward-mode sweep (the ops' own jvp rules, run on DUAL) gives every node's
value a tangent; arrays.backward then runs unchanged on DUAL with these
dual values, and the adjoint of each variable comes out as a Dual: its value
is the gradient (the same bits as arrays.gradient), its tangent H v.

Tangents are batched: a Dual's tangent has a leading axis of k directions
(shape (k,) + the value's shape), so hessian sweeps k unit directions at a
time (k chosen so the tangents of all nodes stay within about 64 MB).

Conventions: kinks follow the first-order rules (abs'' = 0 everywhere, max
ties share equally, norm'' at 0 from its 0 subgradient: the derivative of
the rule as written).  Non-finite second derivatives (sqrt'' at 0, a
singular matrix) are returned as they come, inf or nan entries: nothing is
raised here, the caller checks (as arrays.first_nonfinite is separate from
arrays.backward) and asks first_nonfinite for the node to name.  IEEE
rules apply to the tangents: where a second partial is inf, a zero tangent
through it gives nan (0 * inf), so a non-finite diagonal entry of H makes
its whole row non-finite.  H is symmetrized ((H + H^T)/2) only when it is symmetric
to within rounding anyway (64 ulps of its largest entry); otherwise it is
returned as computed, so an error in a rule shows.
"""
import builtins
import functools
import types

import numpy as np

from . import arrays, vectorized
from .scalar import _halving_sum
from .. import ops
from ..errors import ShapeError

NS = arrays.NAMESPACE


class Dual:
    """A value and its tangents: primal (a float or an ndarray) and tangent
    (an ndarray of shape (k,) + shape(primal), k directions at once)."""
    __slots__ = ("primal", "tangent")
    __array_ufunc__ = None  # numpy defers to the reflected operators below

    def __init__(self, primal, tangent):
        self.primal = primal
        self.tangent = tangent

    @property
    def shape(self):
        return np.shape(self.primal)

    @property
    def ndim(self):
        return np.ndim(self.primal)

    @property
    def size(self):
        return np.size(self.primal)

    @property
    def dtype(self):
        return np.result_type(self.primal)

    def __repr__(self):
        return f"Dual({self.primal!r}, tangent shape {self.tangent.shape})"

    # arithmetic: + - * exactly; / and ** through the op table's partials
    def __add__(self, other):
        return _add(self, other)

    def __radd__(self, other):
        return _add(other, self)

    def __sub__(self, other):
        return _sub(self, other)

    def __rsub__(self, other):
        return _sub(other, self)

    def __mul__(self, other):
        return _mul(self, other)

    def __rmul__(self, other):
        return _mul(other, self)

    def __truediv__(self, other):
        return divide(self, other)

    def __rtruediv__(self, other):
        return divide(other, self)

    def __pow__(self, other):
        return power(self, other)

    def __rpow__(self, other):
        return power(other, self)

    def __neg__(self):
        return Dual(-self.primal, -self.tangent)

    def __pos__(self):
        return self

    def __abs__(self):
        return abs(self)

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        return _make(np.asarray(self.primal)[key], self.tangent[(slice(None),) + key])

    # comparisons are of the values (the conditions of where)
    def __eq__(self, other):
        return self.primal == _p(other)

    def __ne__(self, other):
        return self.primal != _p(other)

    def __lt__(self, other):
        return self.primal < _p(other)

    def __le__(self, other):
        return self.primal <= _p(other)

    def __gt__(self, other):
        return self.primal > _p(other)

    def __ge__(self, other):
        return self.primal >= _p(other)

    __hash__ = None


def _p(x):
    return x.primal if type(x) is Dual else x


def _t(x):
    return x.tangent if type(x) is Dual else None


def _align(t, ndim):
    """A tangent (k,) + s lined up against values of ndim axes: (k, 1, .., 1) + s."""
    missing = ndim - (t.ndim - 1)
    if missing <= 0:
        return t
    return t.reshape((t.shape[0],) + (1,) * missing + t.shape[1:])


def _make(primal, tangent):
    """primal alone when tangent is None, else the Dual, the tangent
    broadcast to (k,) + shape(primal)."""
    if tangent is None:
        return primal
    shape = np.shape(primal)
    want = (tangent.shape[0],) + shape
    if tangent.shape != want:
        tangent = np.broadcast_to(_align(tangent, len(shape)), want)
    return Dual(primal, tangent)


def _zero_primal(value):
    """Zeros of value's shape, no memory (a value of a tangent-only Dual)."""
    return np.broadcast_to(np.float64(0.0), np.shape(value))


def _sum_tangents(terms):
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


# --- arithmetic ------------------------------------------------------------------------------


def _add(a, b):
    pa, pb = _p(a), _p(b)
    value = pa + pb
    nd = np.ndim(value)
    ta, tb = _t(a), _t(b)
    return _make(value, _sum_tangents([None if ta is None else _align(ta, nd),
                                       None if tb is None else _align(tb, nd)]))


def _sub(a, b):
    pa, pb = _p(a), _p(b)
    value = pa - pb
    nd = np.ndim(value)
    ta, tb = _t(a), _t(b)
    return _make(value, _sum_tangents([None if ta is None else _align(ta, nd),
                                       None if tb is None else -_align(tb, nd)]))


def _mul(a, b):
    pa, pb = _p(a), _p(b)
    value = pa * pb
    nd = np.ndim(value)
    ta, tb = _t(a), _t(b)
    return _make(value, _sum_tangents([None if ta is None else _align(ta, nd) * pb,
                                       None if tb is None else pa * _align(tb, nd)]))


def _through_table(op, function, args):
    """function(*args) on the values, its tangent from op's partials (the
    op table's, on the values): sum_k partial_k * t_k."""
    primals = [_p(a) for a in args]
    value = function(*primals)
    tangents = [_t(a) for a in args]
    if all(t is None for t in tangents):
        return value
    if op.variadic:
        partials = op.partials(NS, value, primals)
    else:
        partials = [None if t is None else rule(NS, value, *primals)
                    for rule, t in zip(op.partials, tangents)]
    nd = np.ndim(value)
    return _make(value, _sum_tangents([None if t is None else p * _align(t, nd)
                                       for p, t in zip(partials, tangents)]))


#: namespace function -> its op in ops.TABLE (the partials give the tangent)
_UNARY = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
          "acosh", "atanh", "exp", "expm1", "log", "log2", "log10", "log1p", "cbrt", "sqrt",
          "abs", "sign", "floor", "ceil")
_BINARY = {"atan2": "atan2", "hypot": "hypot", "power": "pow", "divide": "div",
           "maximum": "max", "minimum": "min"}


def _table_function(name, op_name):
    op = ops.TABLE[op_name]
    function = getattr(vectorized, name)

    def dual_function(*args):
        return _through_table(op, function, args)
    dual_function.__name__ = name
    dual_function.__doc__ = f"vectorized.{name} with its tangent from ops.TABLE[{op_name!r}]"
    return dual_function


for _name in _UNARY:
    globals()[_name] = _table_function(_name, _name)
for _name, _op_name in _BINARY.items():
    globals()[_name] = _table_function(_name, _op_name)
abs = globals()["abs"]  # noqa: A001  (the namespace's abs)
divide, power = globals()["divide"], globals()["power"]


def where(condition, if_true, if_false):
    condition = _p(condition)
    if condition is True or condition is False:
        return if_true if condition else if_false
    value = np.where(condition, _p(if_true), _p(if_false))
    ta, tb = _t(if_true), _t(if_false)
    if ta is None and tb is None:
        return value
    nd = np.ndim(value)
    k = (ta if ta is not None else tb).shape[0]
    ta = np.zeros((k,) + (1,) * nd) if ta is None else _align(ta, nd)
    tb = np.zeros((k,) + (1,) * nd) if tb is None else _align(tb, nd)
    return _make(value, np.where(condition, ta, tb))


def isfinite(x):
    return np.isfinite(_p(x))


def any_true(condition):
    return vectorized.any_true(_p(condition))


def all_within(value, low, high):
    return vectorized.all_within(_p(value), low, high)


def equal(a, b):
    return np.equal(_p(a), _p(b))


def multiply(a, b):
    return _mul(a, b)


def add(a, b):
    return _add(a, b)


def negative(a):
    return -a if type(a) is Dual else np.negative(a)


# --- stacks (the variadic ops' rules) ----------------------------------------------------------


def stack_sum(stack):
    if isinstance(stack, np.ndarray):
        return vectorized.stack_sum(stack)
    return _halving_sum(list(stack), lambda a, b: a + b)


def stack_max(stack):
    return functools.reduce(maximum, stack)  # noqa: F821 (made above)


def stack_min(stack):
    return functools.reduce(minimum, stack)  # noqa: F821


def stack_ties(stack, ans):
    return vectorized.stack_ties([_p(s) for s in stack], _p(ans))


def stack_ones(stack):
    return vectorized.stack_ones(stack if isinstance(stack, np.ndarray) else list(stack))


def stack_count_ties(stack, ans):
    return vectorized.stack_count_ties([_p(s) for s in stack], _p(ans))


# --- shapes and linear array functions ---------------------------------------------------------


def shape(x):
    return np.shape(_p(x))


def ndim(x):
    return np.ndim(_p(x))


def size(x, *args):
    return np.size(_p(x), *args)


def _axes(axis, nd):
    """axis (None, an int or a tuple) as a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, tuple):
        return tuple(a % nd for a in axis)
    return (axis % nd,)


def _shifted(axes):
    return tuple(a + 1 for a in axes)


def transpose(x):
    value = np.transpose(_p(x))
    t = _t(x)
    if t is None:
        return value
    return _make(value, np.transpose(t, (0,) + tuple(range(t.ndim - 1, 0, -1))))


def sum(x, axis=None, keepdims=False):  # noqa: A001
    value = np.sum(_p(x), axis=axis, keepdims=keepdims)
    t = _t(x)
    if t is None:
        return value
    return _make(value, np.sum(t, axis=_shifted(_axes(axis, t.ndim - 1)), keepdims=keepdims))


def mean(x, axis=None, keepdims=False):
    value = np.mean(_p(x), axis=axis, keepdims=keepdims)
    t = _t(x)
    if t is None:
        return value
    return _make(value, np.mean(t, axis=_shifted(_axes(axis, t.ndim - 1)), keepdims=keepdims))


def expand_dims(x, axis):
    value = np.expand_dims(_p(x), axis)
    t = _t(x)
    if t is None:
        return value
    return _make(value, np.expand_dims(t, _shifted(_axes(axis, np.ndim(value)))))


def broadcast_to(x, shape_):
    shape_ = tuple(shape_) if isinstance(shape_, (tuple, list)) else (shape_,)
    value = np.broadcast_to(_p(x), shape_)
    t = _t(x)
    if t is None:
        return value
    return _make(value, np.broadcast_to(_align(t, len(shape_)), (t.shape[0],) + shape_))


def reshape(x, shape_):
    shape_ = tuple(shape_) if isinstance(shape_, (tuple, list)) else (shape_,)
    value = np.reshape(_p(x), shape_)
    t = _t(x)
    if t is None:
        return value
    return _make(value, np.reshape(t, (t.shape[0],) + np.shape(value)))


def squeeze(x, axis=None):
    primal = _p(x)
    value = np.squeeze(primal, axis)
    t = _t(x)
    if t is None:
        return value
    axes = (tuple(k for k, d in enumerate(np.shape(primal)) if d == 1) if axis is None
            else _axes(axis, np.ndim(primal)))
    return _make(value, np.squeeze(t, _shifted(axes)))


def flip(x, axis=None):
    value = np.flip(_p(x), axis)
    t = _t(x)
    if t is None:
        return value
    return _make(value, np.flip(t, _shifted(_axes(axis, t.ndim - 1))))


def _batch(items):
    return next(t.shape[0] for t in map(_t, items) if t is not None)


def stack(items, axis=0):
    items = list(items)
    value = np.stack([_p(a) for a in items], axis=axis)
    if all(_t(a) is None for a in items):
        return value
    k = _batch(items)
    tangents = [np.zeros((k,) + np.shape(_p(a))) if _t(a) is None else _t(a) for a in items]
    return _make(value, np.stack(tangents, axis=axis % np.ndim(value) + 1))


def concatenate(items, axis=0):
    items = list(items)
    value = np.concatenate([_p(a) for a in items], axis=axis)
    if all(_t(a) is None for a in items):
        return value
    k = _batch(items)
    tangents = [np.zeros((k,) + np.shape(_p(a))) if _t(a) is None else _t(a) for a in items]
    return _make(value, np.concatenate(tangents, axis=axis % np.ndim(value) + 1))


def zeros(*args, **kwargs):
    return np.zeros(*args, **kwargs)


def ones(*args, **kwargs):
    return np.ones(*args, **kwargs)


def linspace(*args, **kwargs):
    return np.linspace(*args, **kwargs)


def eye(*args, **kwargs):
    return np.eye(*args, **kwargs)


def matmul(a, b):
    pa, pb = _p(a), _p(b)
    value = np.matmul(pa, pb)
    ta, tb = _t(a), _t(b)
    terms = []
    if ta is not None:
        terms.append(np.matmul(ta, pb))
    if tb is not None:
        # a stack of vectors (k, n) is a matrix to matmul: b @ a^T is a @ b per row
        terms.append(np.matmul(tb, np.transpose(pa)) if np.ndim(pb) == 1 else np.matmul(pa, tb))
    return _make(value, _sum_tangents(terms))


def outer(a, b):
    pa, pb = np.ravel(_p(a)), np.ravel(_p(b))
    value = np.outer(pa, pb)
    ta, tb = _t(a), _t(b)
    terms = []
    if ta is not None:
        terms.append(ta.reshape(ta.shape[0], -1)[:, :, None] * pb[None, None, :])
    if tb is not None:
        terms.append(pa[None, :, None] * tb.reshape(tb.shape[0], -1)[:, None, :])
    return _make(value, _sum_tangents(terms))


def trace(a):
    value = np.trace(_p(a))
    t = _t(a)
    if t is None:
        return value
    return _make(value, np.trace(t, axis1=1, axis2=2))


def diag(x):
    value = np.diag(_p(x))
    t = _t(x)
    if t is None:
        return value
    if t.ndim == 2:  # a vector: the diagonal matrices
        k, n = t.shape
        out = np.zeros((k, n, n), dtype=t.dtype)
        out[:, np.arange(n), np.arange(n)] = t
        return _make(value, out)
    return _make(value, np.diagonal(t, axis1=1, axis2=2).copy())


def index(x, spec):
    value = arrays.index(_p(x), spec)
    t = _t(x)
    if t is None:
        return value
    return _make(value, t[(slice(None),) + tuple(spec)])


def index_adjoint(g, shape_, spec):
    value = arrays.index_adjoint(_p(g), shape_, spec)
    t = _t(g)
    if t is None:
        return value
    out = np.zeros((t.shape[0],) + tuple(shape_), dtype=np.result_type(t, np.float64))
    out[(slice(None),) + tuple(spec)] = t
    return _make(value, out)


def diag_matrix(v, shape_):
    value = arrays.diag_matrix(_p(v), shape_)
    t = _t(v)
    if t is None:
        return value
    out = np.zeros((t.shape[0],) + tuple(shape_), dtype=np.result_type(t, np.float64))
    r = np.arange(builtins.min(shape_))
    out[:, r, r] = t
    return _make(value, out)


def exclusive_cumprod(x, axis):
    """The exclusive cumulative product; its tangent by the product rule
    along the axis, E_j = E_{j-1} s_j, dE_j = dE_{j-1} s_j + E_{j-1} ds_j
    (a loop over the axis, each step over all other axes and directions)."""
    primal = np.asarray(_p(x))
    value = arrays.exclusive_cumprod(primal, axis)
    t = _t(x)
    if t is None:
        return value
    axis = axis % primal.ndim
    s = np.moveaxis(primal, axis, -1)  # s_j = x_{j-1}: the factor entering at j
    e = np.moveaxis(value, axis, -1)
    ts = np.moveaxis(t, axis + 1, -1)
    out = np.zeros(ts.shape, dtype=np.result_type(ts, np.float64))
    for j in range(1, s.shape[-1]):
        out[..., j] = out[..., j - 1] * s[..., j - 1] + e[..., j - 1] * ts[..., j - 1]
    return _make(value, np.moveaxis(out, -1, axis + 1))


# --- nonlinear array functions: the tangents of ARRAY_TABLE's jvp rules ------------------------


def _table_tangent(name, args, value, **params):
    """The tangent of ARRAY_TABLE[name] at args: its jvp rule, run on DUAL
    with tangent-only Duals (value 0), so the batch of directions passes
    through the rule's own namespace calls."""
    tangents = [None if _t(a) is None else Dual(_zero_primal(_p(a)), _t(a)) for a in args]
    primals = [_p(a) for a in args]
    out = ops.ARRAY_TABLE[name].jvp(DUAL, tangents, value, *primals, **params)
    return _make(value, _t(out))


def _reduction(name, function):
    def reduce(x, axis=None, keepdims=False):
        value = function(_p(x), axis=axis)
        result = value if _t(x) is None else _table_tangent(name, [x], value, axis=axis)
        if keepdims:
            return expand_dims(result, _axes(axis, np.ndim(_p(x))))
        return result
    reduce.__name__ = name
    return reduce


prod = _reduction("prod", np.prod)
max = _reduction("max", np.max)  # noqa: A001
min = _reduction("min", np.min)  # noqa: A001


def det(a):
    value = np.linalg.det(_p(a))
    return value if _t(a) is None else _table_tangent("det", [a], value)


def logabsdet(a):
    value = arrays.logabsdet(_p(a))
    return value if _t(a) is None else _table_tangent("logdet", [a], value)


def inv(a):
    value = arrays.inv(_p(a))
    return value if _t(a) is None else _table_tangent("inv", [a], value)


def _solve_batch(a, rhs, vector):
    """solve(a, rhs) for each of the k directions of rhs."""
    if vector:  # rhs (k, n): the columns of one n x k right-hand side
        return np.transpose(arrays.solve(a, np.transpose(rhs)))
    return arrays.solve(a, rhs)  # (k, n, m): numpy broadcasts a over the k


def solve(a, b):
    """solve's value; its tangent is solve's jvp rule written out,
    solve(a, tb - ta @ x), since that rule calls solve itself."""
    pa, pb = _p(a), _p(b)
    value = arrays.solve(pa, pb)
    ta, tb = _t(a), _t(b)
    if ta is None and tb is None:
        return value
    rhs = _sum_tangents([tb, None if ta is None else -np.matmul(ta, value)])
    return _make(value, _solve_batch(pa, rhs, np.ndim(pb) == 1))


def _namespace():
    space = types.SimpleNamespace()
    for name in vars(NS):
        if name.startswith("__"):
            continue
        own = globals().get(name)
        if callable(getattr(NS, name)):
            if own is None or not callable(own):
                raise RuntimeError(f"DUAL has no {name}")  # tests/engine/test_array_second.py
            setattr(space, name, own)
        else:
            setattr(space, name, getattr(NS, name))  # inf, nan, pi, e
    space.__name__ = "adcli.engine.array_second.DUAL"
    return space


#: the namespace of Duals: every name of arrays.NAMESPACE
DUAL = _namespace()


# --- the sweeps --------------------------------------------------------------------------------


def _node_tangents(graph, values, tangents, shapes_):
    """Every node's value as a Dual (or plain, without a tangent): the
    variables' tangents given (None: none), pushed forward by the ops' own
    rules (elementwise: the partials; array ops: their jvp on DUAL)."""
    duals = list(values)
    for node, t in zip(graph.var_nodes, tangents):
        if t is not None:
            duals[node] = Dual(values[node], t)
    for node in graph.op_nodes:
        args = graph.args[node]
        if not args or all(type(duals[a]) is not Dual for a in args):
            continue
        op = graph.ops[node]
        ans = values[node]
        inputs = [values[a] for a in args]
        ts = [_t(duals[a]) for a in args]
        if op.array:
            tangent_only = [None if t is None else Dual(_zero_primal(x), t)
                            for x, t in zip(inputs, ts)]
            out = op.jvp(DUAL, tangent_only, ans, *inputs, **dict(op.params))
            duals[node] = _make(ans, _t(out))
        else:
            if op.variadic:
                partials = op.partials(NS, ans, inputs)
            else:
                partials = [None if t is None else rule(NS, ans, *inputs)
                            for rule, t in zip(op.partials, ts)]
            nd = len(shapes_[node])
            duals[node] = _make(ans, _sum_tangents([None if t is None else p * _align(t, nd)
                                                    for p, t in zip(partials, ts)]))
    return duals


def _dual_adjoints(graph, values, names, directions, shapes_, keep):
    index = graph.variable_index()
    tangents = [None] * len(graph.var_nodes)
    for name, d in zip(names, directions):
        tangents[index[name]] = d
    with np.errstate(all="ignore"):
        duals = _node_tangents(graph, values, tangents, shapes_)
        return duals, arrays.backward(graph, duals, wrt=names, keep=keep, xp=DUAL)


def _names(graph, wrt):
    names = graph.variables if wrt is None else tuple(wrt)
    arrays.active_nodes(graph, names)  # unknown names: ShapeError
    return names


def _sweep(graph, values, names, directions, shapes_):
    """(gradients, tangents of the gradients): directions per name, each
    (k,) + the variable's shape."""
    index = graph.variable_index()
    _, adjoints = _dual_adjoints(graph, values, names, directions, shapes_, keep=False)
    k = directions[0].shape[0] if directions else 0
    gradients, products = [], []
    for name in names:
        node = graph.var_nodes[index[name]]
        adjoint = adjoints[node]
        gradients.append(_p(adjoint))
        t = _t(adjoint)
        products.append(np.zeros((k,) + shapes_[node]) if t is None
                        else np.broadcast_to(t, (k,) + shapes_[node]))
    return gradients, products


def _checked_directions(graph, names, direction, shapes_):
    if len(direction) != len(names):
        raise ShapeError(f"expected {len(names)} directions, got {len(direction)}")
    index = graph.variable_index()
    directions = []
    for name, d in zip(names, direction):
        want = shapes_[graph.var_nodes[index[name]]]
        d = np.asarray(d, dtype=np.float64)
        if d.shape != want:
            raise ShapeError(f"the direction of {name} has shape {d.shape}, "
                             f"the variable {want}")
        directions.append(d[None])
    return directions


def hvp(graph, values, direction, wrt=None):
    """(gradients, Hessian-vector products) of the scalar output at forward's
    values: direction one array per wrt name (in that order, each of its
    variable's shape); both lists in wrt order, each in its variable's
    shape.  One forward-over-reverse sweep; no n x n matrix."""
    names = _names(graph, wrt)
    shapes_ = arrays.node_shapes(graph, values)
    directions = _checked_directions(graph, names, direction, shapes_)
    gradients, products = _sweep(graph, values, names, directions, shapes_)
    return gradients, [np.array(p[0]) if p.ndim > 1 else float(p[0]) for p in products]


#: entries of node tangents one batch of hessian's directions may hold
_BATCH_ENTRIES = 2 ** 23


def hessian(graph, values, wrt=None):
    """(gradients, H) of the scalar output at forward's values: H the n x n
    Hessian over the wrt variables' entries, flattened in C order one
    variable after the other (wrt order).  Sweeps k unit directions at a
    time (k from the graph's size)."""
    names = _names(graph, wrt)
    shapes_ = arrays.node_shapes(graph, values)
    units = _UnitDirections(graph, names, shapes_)
    n = units.n
    matrix = np.zeros((n, n))
    gradients = None
    start = 0
    while start < n or gradients is None:
        stop = builtins.min(start + units.batch, n)
        k = stop - start
        directions = units(start, stop)
        gradients, products = _sweep(graph, values, names, directions, shapes_)
        if k:
            # column j of H is H e_j
            matrix[:, start:stop] = np.concatenate(
                [np.reshape(p, (k, -1)) for p in products], axis=1).T
        start = stop
        if n == 0:
            break
    return gradients, _symmetric_if_close(matrix)


class _UnitDirections:
    """The unit directions e_start..e_stop-1 over the entries of the wrt
    variables (flattened in C order, one variable after the other), split
    per variable, each (k,) + its shape; batch: how many a sweep takes (the
    tangents of all nodes within about _BATCH_ENTRIES entries)."""

    def __init__(self, graph, names, shapes_):
        index = graph.variable_index()
        self.slots = [index[name] for name in names]
        self.variables = len(graph.var_nodes)
        self.shapes = [shapes_[graph.var_nodes[index[name]]] for name in names]
        self.offsets = np.cumsum([0] + [int(np.prod(s)) for s in self.shapes])
        self.n = int(self.offsets[-1])
        per_direction = 1 + np.sum([int(np.prod(s)) for s in shapes_])
        self.batch = int(np.clip(_BATCH_ENTRIES // per_direction, 1, builtins.max(self.n, 1)))

    def __call__(self, start, stop):
        k = stop - start
        units = np.zeros((k, self.n))
        units[np.arange(k), np.arange(start, stop)] = 1.0
        return [units[:, self.offsets[i]:self.offsets[i + 1]].reshape((k,) + s)
                for i, s in enumerate(self.shapes)]

    def tangents(self, start, stop):
        """One tangent per variable of the graph (None for the others): these
        directions for the wrt variables, as _node_tangents takes them."""
        tangents = [None] * self.variables
        for slot, direction in zip(self.slots, self(start, stop)):
            tangents[slot] = direction
        return tangents


def jacobian(graph, values, wrt=None):
    """J, (output entries, wrt entries): every output's entries flattened in
    C order one output after the other, by rows, and the wrt variables'
    entries as in hessian, by columns; forward mode, k unit directions per
    sweep (k from the graph's size, as hessian)."""
    names = _names(graph, wrt)
    shapes_ = arrays.node_shapes(graph, values)
    units = _UnitDirections(graph, names, shapes_)
    out_shapes = [shapes_[o] for o in graph.outputs]
    m = int(np.sum([int(np.prod(s)) for s in out_shapes]))
    matrix = np.zeros((m, units.n))
    for start in range(0, units.n, units.batch):
        stop = builtins.min(start + units.batch, units.n)
        k = stop - start
        with np.errstate(all="ignore"):
            duals = _node_tangents(graph, values, units.tangents(start, stop), shapes_)
        rows = [np.zeros((k, int(np.prod(s)))) if type(duals[o]) is not Dual
                else np.broadcast_to(_t(duals[o]), (k,) + s).reshape(k, -1)
                for o, s in zip(graph.outputs, out_shapes)]
        matrix[:, start:stop] = np.concatenate(rows, axis=1).T
    return matrix


def squares_hessian(graph, values, weights, wrt=None):
    """(g, H) of half the weighted sum of squares of the output r,
    S = sum(weights * r**2) / 2, over the wrt entries (flattened as in
    hessian): g = J^T W r and H = J^T W J + sum_i w_i r_i (d2 r_i): the
    exact Hessian, by forward over reverse with the reverse pass seeded by
    W r (its tangent W J v), k directions per sweep.  weights broadcast to
    r's shape (1.0: unweighted)."""
    names = _names(graph, wrt)
    shapes_ = arrays.node_shapes(graph, values)
    units = _UnitDirections(graph, names, shapes_)
    output = graph.output
    out_shape = shapes_[output]
    weights = np.broadcast_to(np.asarray(weights, dtype=np.float64), out_shape)
    index = graph.variable_index()
    nodes = [graph.var_nodes[index[name]] for name in names]
    matrix = np.zeros((units.n, units.n))
    gradient = None
    for start in range(0, builtins.max(units.n, 1), units.batch):
        stop = builtins.min(start + units.batch, units.n)
        k = stop - start
        with np.errstate(all="ignore"):
            duals = _node_tangents(graph, values, units.tangents(start, stop), shapes_)
            r = duals[output]
            t = _t(r)
            t = np.zeros((k,) + out_shape) if t is None else np.broadcast_to(t, (k,) + out_shape)
            seed = Dual(weights * np.asarray(values[output], dtype=np.float64), weights * t)
            adjoints = arrays.backward(graph, duals, seed=seed, wrt=names, keep=False, xp=DUAL)
        columns = []
        for node, shape in zip(nodes, units.shapes):
            adjoint = adjoints[node]
            columns.append(np.zeros((k, int(np.prod(shape)))) if _t(adjoint) is None
                           else np.broadcast_to(_t(adjoint), (k,) + shape).reshape(k, -1))
        if gradient is None:  # the primal of every sweep's adjoints: J^T W r
            gradient = np.concatenate([np.zeros(int(np.prod(shape))) if adjoints[node] is None
                                       else np.ravel(_p(adjoints[node]))
                                       for node, shape in zip(nodes, units.shapes)])
        if k:
            matrix[:, start:stop] = np.concatenate(columns, axis=1).T
    return gradient, _symmetric_if_close(matrix)


def _symmetric_if_close(matrix):
    """(H + H^T)/2 when H is symmetric to rounding (64 ulps of its largest
    finite entry), else H as it is."""
    if matrix.size == 0 or not np.all(np.isfinite(matrix)):
        return matrix
    scale = float(np.max(np.abs(matrix)))
    gap = float(np.max(np.abs(matrix - matrix.T)))
    if gap <= 64 * np.finfo(float).eps * scale:
        return 0.5 * (matrix + matrix.T)
    return matrix


def first_nonfinite(graph, values, direction, wrt=None):
    """DomainError naming where a non-finite Hessian-vector product starts,
    or None: first arrays.first_nonfinite (a non-finite value or gradient);
    then the node nearest the output whose adjoint's tangent is finite but
    whose rules make an argument's adjoint's tangent non-finite (x**1.5 at
    0: the gradient is finite, the second derivative is not).  For a
    Hessian with a non-finite column j, pass the unit direction e_j."""
    names = _names(graph, wrt)
    shapes_ = arrays.node_shapes(graph, values)
    directions = _checked_directions(graph, names, direction, shapes_)
    with np.errstate(all="ignore"):
        error = arrays.first_nonfinite(graph, values,
                                       arrays.backward(graph, values, wrt=names, keep=True))
    if error is not None:
        return error
    _, adjoints = _dual_adjoints(graph, values, names, directions, shapes_, keep=True)

    def finite(adjoint):
        t = _t(adjoint)
        return t is None or bool(np.all(np.isfinite(t)))

    for node in reversed(graph.op_nodes):
        if not finite(adjoints[node]):
            continue
        for a in graph.args[node]:
            if not finite(adjoints[a]):
                what = graph.node_source(node) or graph.ops[node].name
                of = graph.node_source(a) or graph.node_names()[a] or "its argument"
                return arrays._domain_error(
                    graph, node, f"the second derivative of {what} with respect to {of} "
                    f"is not finite ({arrays._summary(_t(adjoints[a])[0])})")
    return None
