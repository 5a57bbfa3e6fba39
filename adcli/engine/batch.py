"""Batches: the reverse sweep over numpy arrays (one numpy call per node) that
keeps no more memory than a gradient written by hand.

The steps of reverse.forward and reverse.backward with adcli.engine.vectorized
as the namespace, in reverse.backward_order, each adjoint summing its
contributions in the same order: the same bits.  Every rule comes from the
op table.  Three habits of hand-written numpy are added:

- a node's value is dropped once its own adjoint rule has run (the nodes
  using it come before it in the backward order), unless the caller keeps it;
- a node's adjoint is dropped once passed on to its inputs (a variable's is
  the result, and stays);
- an array no one else holds (a rule's fresh result, a sum made here) is
  written in place: adjoint * partial into the partial, a contribution added
  into the running adjoint (``out=``), so the sweep reuses its buffers.

Whether a rule's result is fresh is read from its reference count: a result
that is also a value, an argument or a constant is held elsewhere too.
"""
import sys
import types
from typing import NamedTuple

import numpy as np

from . import reverse, vectorized

_refcount = getattr(sys, "getrefcount", None)  # None off CPython: nothing is written in place


def _fresh_refcount():
    """What sys.getrefcount says of an array held by one local variable only."""
    fresh = np.empty(2)
    return _refcount(fresh)


#: the C loop of adcli/engine/_libm.c, or None (not built, or ADCLI_PURE_PYTHON=1)
C_LOOP = vectorized._LIBM
#: the count of a result held by the sweep's local variable alone (None: never trusted)
FRESH = None if _refcount is None else _fresh_refcount()


class Step(NamedTuple):
    """One op node of the backward sweep: its inputs, and the (input, rule) of
    each input that is not a constant; rules None for a variadic op, whose one
    rule (op.partials) gives every input's partial from the stack."""

    node: int
    op: object
    inputs: tuple
    rules: object


class Plan(NamedTuple):
    forward: list  # (node, op, inputs) in tape order
    backward: list  # Step in reverse.backward_order


def plan(graph):
    """The batch sweeps of graph, built once (cached on the graph)."""
    return graph.cached("batch_plan", _plan)


def _plan(graph):
    ops, args = graph.ops, graph.args
    forward = [(node, ops[node], tuple(args[node])) for node in graph.op_nodes]
    backward = []
    for node in reverse.backward_order(graph):
        op, inputs = ops[node], tuple(args[node])
        rules = None if op.variadic else [
            (i, op.partials[slot]) for slot, i in enumerate(inputs) if not graph.is_constant(i)]
        backward.append(Step(node, op, inputs, rules))
    return Plan(forward, backward)


def sin_and_cos(x):
    """(sin(x), cos(x)) for a float64 array: one C library sincos per element
    in the C loop (the bits of sin and of cos), else numpy's sin and cos."""
    x = np.asarray(x)
    if C_LOOP is None or x.dtype != np.float64 or x.ndim == 0:
        return vectorized.sin(x), vectorized.cos(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    sines, cosines = np.empty(flat.shape), np.empty(flat.shape)
    if C_LOOP.sincos(flat, sines, cosines):
        unusual = np.flatnonzero(~np.isfinite(flat))
        sines[unusual] = vectorized.sin(flat[unusual])
        cosines[unusual] = vectorized.cos(flat[unusual])
    if sines.shape != x.shape:  # not for 1-D: a reshape makes a view, not the sweep's own
        sines, cosines = sines.reshape(x.shape), cosines.reshape(x.shape)
    return sines, cosines


def sweep_namespace():
    """adcli.engine.vectorized for one sweep, with two shortcuts that keep the
    bits.  x**1.0 is x itself, not a copy (x**2's partial asks it): the sweep
    writes only into arrays nothing else holds, never into a value.  And
    sin(x) of an array also computes cos(x) (one C library sincos per
    element: the bits of both) and keeps it for the cos(x) that the sine's
    adjoint rule asks next.  The arrays a sweep gives the rules are its
    values, which nothing changes while it runs, so a kept cosine stays
    right; it is handed out once, then dropped."""
    space = types.SimpleNamespace(**vars(vectorized))

    def power(x, y):
        if type(y) is float and y == 1.0 and type(x) is np.ndarray and x.dtype == np.float64:
            return x
        return vectorized.power(x, y)

    space.power = power
    if C_LOOP is None:  # numpy's sin and cos: nothing to share
        return space
    kept = {}  # id(x) -> (x, cos(x)); x held so that its id is not reused

    def sin(x):
        if type(x) is not np.ndarray or x.ndim == 0 or x.dtype != np.float64:
            return vectorized.sin(x)
        sines, cosines = sin_and_cos(x)
        kept[id(x)] = (x, cosines)
        return sines

    def cos(x):
        pair = kept.pop(id(x), None)
        if pair is not None and pair[0] is x:
            return pair[1]
        return vectorized.cos(x)

    space.sin, space.cos = sin, cos
    return space


def forward(graph, columns, xp=None):
    """Values of every node at a batch (one array per variable, in
    graph.variables order), as reverse.forward with the numpy namespace
    (xp: a sweep_namespace, made here by default)."""
    values = list(graph.initial_values)
    for node, column in zip(graph.var_nodes, columns):
        values[node] = column
    xp = sweep_namespace() if xp is None else xp
    for node, op, inputs in plan(graph).forward:
        arguments = [values[i] for i in inputs]  # a variadic op takes the list as its stack
        values[node] = op.forward(xp, arguments) if op.variadic else op.forward(xp, *arguments)
    return values


def values_and_adjoints(graph, columns, keep=None):
    """(values, adjoints) at a batch: values of the nodes in keep (default:
    the outputs) and of the variables, adjoints of the output for the
    variables (0.0 where the output does not depend on one); other entries
    None, dropped once used."""
    xp = sweep_namespace()
    values = forward(graph, columns, xp)
    keep = set(graph.outputs) if keep is None else set(keep)
    adjoints = backward(graph, values, {graph.output: 1.0}, batch_shape(columns), keep, xp)
    return values, adjoints


def jacobian_rows(graph, values, outputs, shape, xp=None):
    """The Jacobian of outputs at a batch as a list of rows (one reverse sweep
    per output; values kept for the next sweep; xp: forward's namespace)."""
    rows = []
    xp = vectorized if xp is None else xp
    for output in outputs:
        adjoints = backward(graph, values, {output: 1.0}, shape, None, xp)
        rows.append([adjoints[v] for v in graph.var_nodes])
    return rows


def batch_shape(columns):
    """The batch's shape: every column has it or broadcasts to it."""
    return np.broadcast_shapes(*(np.shape(c) for c in columns)) if columns else ()


def backward(graph, values, seeds, shape, keep, xp=vectorized):
    """Adjoints of the variables by one reverse sweep seeded with seeds
    ({node: cotangent}), as reverse.backward with the numpy namespace (xp:
    the one forward used); the op nodes' adjoints are None on return.  keep:
    the nodes whose values outlive the sweep (None: every node's)."""
    adjoints = [None] * len(values)
    # owned[i]: adjoints[i] is a batch-shaped float64 array nothing else holds
    owned = bytearray(len(values))
    for node, seed in seeds.items():
        adjoints[node] = seed
    for node, op, inputs, rules in plan(graph).backward:
        adjoint = adjoints[node]
        if adjoint is None:  # a constant-only branch never reached
            _drop(values, node, keep)
            continue
        ans = values[node]
        arguments = [values[i] for i in inputs]  # gathered once for every input's rule
        # the adjoint's buffer is free for the last contribution, unless an
        # earlier one passed it on unchanged (a partial of 1.0)
        reusable = owned[node]
        if rules is None:
            partials = op.partials(xp, ans, arguments)  # held by the list: never fresh
            last = len(inputs) - 1
            for row, i in enumerate(inputs):
                contribution, mine = _contribution(adjoint, partials[row], False,
                                                   reusable and row == last, shape)
                reusable = reusable and contribution is not adjoint
                _accumulate(adjoints, owned, i, contribution, mine, shape)
        else:
            last = len(rules) - 1
            for slot, (i, rule) in enumerate(rules):
                partial = rule(xp, ans, *arguments)
                fresh = FRESH is not None and _refcount(partial) == FRESH
                contribution, mine = _contribution(adjoint, partial, fresh,
                                                   reusable and slot == last, shape)
                del partial
                reusable = reusable and contribution is not adjoint
                _accumulate(adjoints, owned, i, contribution, mine, shape)
        adjoints[node] = None
        owned[node] = 0
        del adjoint, ans, arguments
        _drop(values, node, keep)
    for v in graph.var_nodes:
        if adjoints[v] is None:
            adjoints[v] = 0.0
    return adjoints


def _drop(values, node, keep):
    if keep is not None and node not in keep:
        values[node] = None


def _is_batch_array(item, shape):
    """A writable float64 array of the batch's shape owning its memory (no view)."""
    return (type(item) is np.ndarray and item.base is None and item.dtype == np.float64
            and item.shape == shape and item.flags.writeable)


def _is_real(item):
    """A float64 number or array: a product or sum with it stays float64."""
    return type(item) is float or (isinstance(item, (np.ndarray, np.float64))
                                   and item.dtype == np.float64)


def _contribution(adjoint, partial, fresh, adjoint_free, shape):
    """(adjoint * partial, whether nothing else holds it), into partial's
    buffer when fresh, else into the adjoint's when adjoint_free.  A partial
    of exactly 1.0 (sums) passes the adjoint on; an adjoint of exactly 1.0
    passes the partial on (as reverse._accumulate, so the same bits)."""
    if type(partial) is float and partial == 1.0:
        return adjoint, adjoint_free
    if type(adjoint) is float and adjoint == 1.0:
        return partial, fresh and _is_batch_array(partial, shape)
    if fresh and _is_batch_array(partial, shape) and _is_real(adjoint):
        return np.multiply(adjoint, partial, out=partial), True
    if adjoint_free and _is_real(partial) and np.shape(partial) in (shape, ()):
        return np.multiply(adjoint, partial, out=adjoint), True
    product = adjoint * partial
    return product, _is_batch_array(product, shape)


def _accumulate(adjoints, owned, i, contribution, mine, shape):
    """Add contribution to adjoints[i] (the first one is stored), in place
    in a buffer the sweep owns, else into a new array."""
    current = adjoints[i]
    if current is None:
        adjoints[i] = contribution
        owned[i] = mine
        return
    if owned[i] and _is_real(contribution) and np.shape(contribution) in (shape, ()):
        np.add(current, contribution, out=current)
        return
    if mine and _is_real(current) and np.shape(current) in (shape, ()):
        adjoints[i] = np.add(current, contribution, out=contribution)
        owned[i] = 1
        return
    total = current + contribution
    adjoints[i] = total
    owned[i] = _is_batch_array(total, shape)
