"""The operators (grad, jacobian, hessian, hvp, jvp, vjp, values) on array
graphs: graphs with array ops or array data, or points whose values are
arrays.  api.py sends a call here when ``is_array_call`` says so; the result
types are in array_results.py.

A point binds each variable to a float or a float64 array, by name (a
mapping, or text 'x=[1,2],A=@A.csv') or in variable order.  Shapes are
checked when the values are bound, before anything is evaluated
(engine/arrays.py: ShapeError with a caret under the operator), and the
plan made for a set of shapes is reused at every point of those shapes.
``wrt`` names the variables differentiated; the others are data.
"""
import math
from collections.abc import Mapping

import numpy as np

from . import array_values, points
from .array_results import (ArrayGradient, ArrayHessian, ArrayJacobian, ArrayProduct,
                            ArrayValues)
from .engine import arrays, dispatch
from .errors import DomainError, ExpressionError, PointError, ShapeError
from .graph import count_text


def is_array_call(graph, at, wrt=None):
    """Does this call go to the array interpreter?  Yes for a graph with array
    ops or data, a wrt, or a point that binds an array (text with brackets,
    @FILE or zeros(3), an ArrayPoint from the CLI).  Otherwise a mapping of
    names to sequences stays a batch (api's ``points=``), as before."""
    if graph.has_arrays or wrt is not None or isinstance(at, array_values.ARRAY_POINTS):
        return True
    if isinstance(at, str) and "[" in at:
        return True  # an array literal (read once, by bind)
    if isinstance(at, str) and any(mark in at for mark in "@("):  # a file, zeros(3), pi/2
        parsed = array_values.parse_array_point_text(at)
        bound = parsed.values() if isinstance(parsed, Mapping) else parsed
        return any(isinstance(v, np.ndarray) for v in bound)
    return False


def bind(graph, at, wrt=None, allow_nonfinite=False):
    """(graph specialized for arrays, the point in variable order, wrt names)."""
    graph = graph.for_arrays()
    if isinstance(at, str):
        at = array_values.parse_array_point_text(at, allow_nonfinite=allow_nonfinite)
    if at is None:
        at = []
    if isinstance(at, Mapping):
        at = points.in_order(graph.variables, at)
    elif not isinstance(at, (list, tuple)):
        at = [at]
    if len(at) != len(graph.variables):
        listing = ", ".join(graph.variables) or "none"
        raise PointError(f"expected {count_text(len(graph.variables), 'value')} "
                         f"(variables: {listing}), got {len(at)}",
                         hint="name them: " + ",".join(f"{v}=..." for v in graph.variables[:4]))
    point = [_value(v, name, allow_nonfinite) for v, name in zip(at, graph.variables)]
    wrt = graph.variables if wrt is None else _wrt_names(graph, wrt)
    return graph, point, wrt  # arrays.forward checks the shapes before evaluating


def _wrt_names(graph, wrt):
    if isinstance(wrt, str):
        wrt = [name.strip() for name in wrt.split(",")]
    wrt = tuple(wrt)
    index = graph.variable_index()
    for name in wrt:
        if name not in index:
            from .graph import _suggest
            hint = _suggest(name, index) or "variables: " + (", ".join(graph.variables) or "none")
            raise ExpressionError(f"--wrt {name}: not a variable of the expression",
                                  hint=hint, kind="variables")
    if len(set(wrt)) != len(wrt):
        raise ExpressionError("--wrt names a variable twice", kind="variables")
    return wrt


def _value(value, name, allow_nonfinite):
    """A float or a float64 array (the caller's own array when it is one:
    the interpreters never write into their inputs)."""
    if isinstance(value, str):
        value = array_values.value_from_text(value, name, allow_nonfinite=allow_nonfinite)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise PointError(f"the value of {name} is not an array of numbers: "
                         f"{points.shown(value)}", hint=str(error)) from None
    # a non-finite entry is said when a result is not finite (_check_finite):
    # scanning every input at every call would cost as much as the gradient
    return float(array) if array.ndim == 0 else array


def _named(graph, point):
    return dict(zip(graph.variables, point))


def _as_array(value):
    return np.asarray(value, dtype=np.float64)


def _check_finite(graph, values, adjoints=None, results=()):
    """DomainError naming the first node that made a non-finite value (or
    adjoint) when an output or one of ``results`` is not finite: as on
    scalars, what is printed decides, and the search runs only then."""
    if all(_finite(values[o]) for o in graph.outputs) and all(map(_finite, results)):
        return
    for name, node in zip(graph.variables, graph.var_nodes):
        if not _finite(values[node]):
            raise PointError(f"the value of {name} is not finite",
                             hint="values must be finite numbers (or pass --allow-nonfinite)")
    if adjoints is None and results:
        adjoints = arrays.backward(graph, values) if np.shape(values[graph.outputs[0]]) == () \
            and len(graph.outputs) == 1 else None
    error = arrays.first_nonfinite(graph, values, adjoints)
    raise error or DomainError("a value or derivative is not finite at this point",
                               graph.source)


def _finite(value):
    """Are all entries finite?  Their sum is finite only if they are (nan and
    inf propagate), and costs a third of isfinite's scan; an overflowing sum
    of finite entries falls back to the scan."""
    total = np.add.reduce(value, axis=None) if type(value) is np.ndarray else value
    return math.isfinite(total) or bool(np.isfinite(value).all())


def _scalar_output(graph, values, what):
    shape = np.shape(values[graph.output])
    if shape != ():
        raise ShapeError(f"{what} needs a scalar output; {graph.output_names[0]} has shape "
                         f"{shape}", graph.source, *graph.spans[graph.output],
                         hint="take sum(...), norm(...) or one entry f[i], or use jacobian; "
                         "for many points at once, pass them as points= (--points FILE)")


# --- the operators ------------------------------------------------------------------


def grad(graph, at, wrt=None, mode="reverse", allow_nonfinite=False):
    graph, point, wrt = bind(graph, at, wrt, allow_nonfinite)
    shapes = arrays.planned_shapes(graph, point)
    if shapes[graph.output] != ():
        _scalar_output(graph, {graph.output: np.zeros(shapes[graph.output])}, "a gradient")
    chosen = set(wrt)
    sizes = sum(np.size(v) for v, name in zip(point, graph.variables) if name in chosen)
    choice = dispatch.choose_mode(mode, int(sizes), 1)
    if choice.mode == "forward":  # one forward sweep per entry, as --explain says
        values = arrays.forward(graph, point)
        index = graph.variable_index()
        blocks = _forward_blocks(graph, values, shapes, wrt,
                                 [graph.var_nodes[index[name]] for name in wrt])
        value = values[graph.output]
        gradients = [blocks[graph.output_names[0], name] for name in wrt]
    else:
        value, gradients = arrays.value_and_gradient(graph, point, wrt)
    gradient = {name: _as_array(g) for name, g in zip(wrt, gradients)}
    if not allow_nonfinite and not (_finite(value) and all(map(_finite, gradient.values()))):
        values = arrays.forward(graph, point)
        _check_finite(graph, values, arrays.backward(graph, values, wrt=wrt), [np.nan])
    return ArrayGradient(_as_array(value), graph.output_names[0], gradient, wrt,
                         _named(graph, point), graph, None, None, choice)


def jacobian(graph, at, wrt=None, mode="auto", allow_nonfinite=False):
    """Every output's block with respect to every wrt variable, by one
    reverse sweep per output entry or one forward sweep per variable entry."""
    graph, point, wrt = bind(graph, at, wrt, allow_nonfinite)
    values = arrays.forward(graph, point)
    shapes = arrays.node_shapes(graph, values)
    index = graph.variable_index()
    wrt_nodes = [graph.var_nodes[index[name]] for name in wrt]
    out_sizes = [int(np.prod(shapes[o], dtype=np.int64)) for o in graph.outputs]
    in_sizes = [int(np.prod(shapes[v], dtype=np.int64)) for v in wrt_nodes]
    choice = dispatch.choose_mode(mode, sum(in_sizes), sum(out_sizes))
    blocks = (_forward_blocks if choice.mode == "forward" else _reverse_blocks)(
        graph, values, shapes, wrt, wrt_nodes)
    outputs = {name: _as_array(values[o]) for name, o in zip(graph.output_names, graph.outputs)}
    if not allow_nonfinite:
        _check_finite(graph, values)
        _check_blocks(graph, point, blocks)
    return ArrayJacobian(blocks, outputs, graph.output_names, wrt, _named(graph, point),
                         choice, graph)


def _reverse_blocks(graph, values, shapes, wrt, wrt_nodes):
    blocks = {}
    for name, output in zip(graph.output_names, graph.outputs):
        single = graph.focus([name])
        out_shape = shapes[output]
        rows = {v: np.zeros((int(np.prod(out_shape, dtype=np.int64)),) + shapes[n])
                for v, n in zip(wrt, wrt_nodes)}
        for k in range(len(next(iter(rows.values()))) if rows else 0):
            seed = np.zeros(out_shape)
            seed.flat[k] = 1.0
            adjoints = arrays.backward(single, values, seed=seed if out_shape else 1.0,
                                       wrt=wrt, keep=False)
            for v, n in zip(wrt, wrt_nodes):
                rows[v][k] = adjoints[n]
        for v, n in zip(wrt, wrt_nodes):
            blocks[name, v] = rows[v].reshape(out_shape + shapes[n])
    return blocks


def _forward_blocks(graph, values, shapes, wrt, wrt_nodes):
    columns = {(o, v): [] for o in graph.output_names for v in wrt}
    index = {n: k for k, n in enumerate(graph.var_nodes)}
    for v, n in zip(wrt, wrt_nodes):
        size = int(np.prod(shapes[n], dtype=np.int64))
        for k in range(size):
            tangent = np.zeros(shapes[n])
            tangent.flat[k] = 1.0
            tangents = [None] * len(graph.var_nodes)
            tangents[index[n]] = tangent if shapes[n] else 1.0
            for o, t in zip(graph.output_names, arrays.jvp(graph, values, tangents)):
                columns[o, v].append(np.ravel(t))
    blocks = {}
    output_of = dict(zip(graph.output_names, graph.outputs))
    node_of = dict(zip(wrt, wrt_nodes))
    for (o, v), cols in columns.items():
        out_shape = shapes[output_of[o]]
        n = node_of[v]
        matrix = np.stack(cols, axis=1) if cols else np.zeros((max(1, np.prod(out_shape)), 0))
        blocks[o, v] = matrix.reshape(out_shape + shapes[n])
    return blocks


def _check_blocks(graph, point, blocks):
    for (output, variable), block in blocks.items():
        if not np.isfinite(block).all():
            raise DomainError(f"the derivative of {output} with respect to {variable} is not "
                              "finite at this point", graph.source)


def hessian(graph, at, wrt=None, allow_nonfinite=False):
    from .engine import array_second

    graph, point, wrt = bind(graph, at, wrt, allow_nonfinite)
    values = arrays.forward(graph, point)
    _scalar_output(graph, values, "a Hessian")
    gradient, matrix = array_second.hessian(graph, values, wrt)
    if not allow_nonfinite:
        _check_finite(graph, values, results=gradient)
        if not np.isfinite(matrix).all():
            column = int(np.flatnonzero(~np.isfinite(matrix).all(axis=0))[0])
            raise _second_order_error(graph, values, wrt, np.eye(len(matrix))[column])
    shapes = {name: np.shape(g) for name, g in zip(wrt, gradient)}
    return ArrayHessian(_as_array(values[graph.output]),
                        {name: _as_array(g) for name, g in zip(wrt, gradient)},
                        np.asarray(matrix, dtype=np.float64), wrt, shapes,
                        _named(graph, point), graph.output_names[0])


def _second_order_error(graph, values, wrt, direction):
    """The DomainError naming the node whose second derivative is not finite
    along direction (a flat vector over the wrt entries, or a list)."""
    from .engine import array_second

    if not isinstance(direction, list):
        shapes = arrays.node_shapes(graph, values)
        index = graph.variable_index()
        pieces, at = [], 0
        for name in wrt:
            shape = shapes[graph.var_nodes[index[name]]]
            size = int(np.prod(shape, dtype=np.int64))
            piece = direction[at:at + size]
            pieces.append(piece.reshape(shape) if shape else float(piece[0]))
            at += size
        direction = pieces
    return (array_second.first_nonfinite(graph, values, direction, wrt)
            or DomainError("a second derivative is not finite at this point", graph.source))


def hvp(graph, at, direction, wrt=None, allow_nonfinite=False):
    """H v by one forward-over-reverse pass: no n x n matrix."""
    from .engine import array_second

    graph, point, wrt = bind(graph, at, wrt, allow_nonfinite)
    values = arrays.forward(graph, point)
    _scalar_output(graph, values, "a Hessian-vector product")
    shapes = dict(zip(graph.variables, (np.shape(v) for v in point)))
    direction = _vectors(direction, wrt, [shapes[n] for n in wrt], "direction")
    gradient, product = array_second.hvp(graph, values, direction, wrt)
    product = {name: _as_array(p) for name, p in zip(wrt, product)}
    if not allow_nonfinite:
        _check_finite(graph, values, results=gradient)
        if not all(map(_finite, product.values())):
            raise _second_order_error(graph, values, wrt, direction)
    return ArrayProduct("hvp", {graph.output_names[0]: _as_array(values[graph.output])},
                        product, graph.output_names, wrt, _named(graph, point))


def jvp(graph, at, direction, wrt=None, allow_nonfinite=False):
    graph, point, wrt = bind(graph, at, wrt, allow_nonfinite)
    values = arrays.forward(graph, point)
    shapes = dict(zip(graph.variables, (np.shape(v) for v in point)))
    given = dict(zip(wrt, _vectors(direction, wrt, [shapes[n] for n in wrt], "direction")))
    tangents = [given.get(name) for name in graph.variables]
    product = {name: _as_array(t) for name, t in
               zip(graph.output_names, arrays.jvp(graph, values, tangents))}
    return _product("jvp", graph, point, values, product, wrt, allow_nonfinite)


def vjp(graph, at, cotangent, wrt=None, allow_nonfinite=False):
    graph, point, wrt = bind(graph, at, wrt, allow_nonfinite)
    values = arrays.forward(graph, point)
    shapes = arrays.node_shapes(graph, values)
    seeds = _vectors(cotangent, graph.output_names, [shapes[o] for o in graph.outputs],
                     "cotangent")
    index = graph.variable_index()
    total = {name: np.zeros(shapes[graph.var_nodes[index[name]]]) for name in wrt}
    for name, seed in zip(graph.output_names, seeds):
        adjoints = arrays.backward(graph.focus([name]), values, seed=seed, wrt=wrt, keep=False)
        for v in wrt:
            total[v] = total[v] + adjoints[graph.var_nodes[index[v]]]
    return _product("vjp", graph, point, values, total, wrt, allow_nonfinite)


def _product(kind, graph, point, values, product, wrt, allow_nonfinite):
    if not allow_nonfinite:
        _check_finite(graph, values)
        _check_blocks(graph, point, {(kind, n): p for n, p in product.items()})
    outputs = {name: _as_array(values[o]) for name, o in zip(graph.output_names, graph.outputs)}
    return ArrayProduct(kind, outputs, {n: _as_array(p) for n, p in product.items()},
                        graph.output_names, wrt, _named(graph, point))


def _vectors(given, names, shapes, what):
    """A direction or cotangent: one array per name, by name or in order,
    each of its name's shape (text as --at reads it)."""
    if isinstance(given, str):
        given = array_values.parse_array_point_text(given)
    if isinstance(given, Mapping):
        given = points.in_order(tuple(names), given)
    elif len(names) == 1 and _shape_of(given) == tuple(shapes[0]):
        given = [given]  # the one variable's array itself
    elif not isinstance(given, (list, tuple)):
        given = [given]
    if len(given) != len(names):
        raise PointError(f"the {what} needs {count_text(len(names), 'value')} "
                         f"({', '.join(names)}), got {len(given)}")
    result = []
    for value, name, shape in zip(given, names, shapes):
        array = np.asarray(_value(value, f"{what} {name}", True), dtype=np.float64)
        if array.shape != tuple(shape):
            raise ShapeError(f"the {what} of {name} has shape {array.shape}, {name} has "
                             f"shape {tuple(shape)}")
        result.append(array if shape else float(array))
    return result


def _shape_of(value):
    try:
        return np.shape(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        return None


def values(graph, at, allow_nonfinite=False):
    graph, point, _ = bind(graph, at, None, allow_nonfinite)
    computed = arrays.forward(graph, point)
    if not allow_nonfinite:
        _check_finite(graph, computed)
    outputs = {name: _as_array(computed[o]) for name, o in zip(graph.output_names, graph.outputs)}
    return ArrayValues(outputs, graph.output_names, _named(graph, point), graph)
