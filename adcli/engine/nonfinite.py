"""Non-finite values and derivatives, diagnosed: the node to name.

Every evaluator follows IEEE float64, so log(-1) is nan and 1/0 is inf; when
a result is not finite, these functions replay one point on the scalar loop
and turn the first node that made a value, an adjoint or a second partial
non-finite (from finite inputs) into a DomainError with the node's text,
its span in the expression and its inputs' values.
"""
from . import reverse, scalar
from .. import ops
from ..errors import DomainError
from ..graph import format_number


def first_nonfinite(graph, values, adjoints):
    """DomainError for the first node that made a value or an adjoint
    non-finite, from finite inputs; None when everything is finite."""
    isfinite = scalar.isfinite
    names = graph.node_names()
    for node in graph.op_nodes:
        if not isfinite(values[node]) and all(isfinite(values[i]) for i in graph.args[node]):
            return _domain_error(graph, values, node,
                                 f"{graph.node_source(node)} is {scalar_text(values[node])}")
    for node in reversed(graph.op_nodes):
        if not isfinite(adjoints[node]):
            continue
        for i, partial in reverse.local_partials(graph, values, node):
            if not isfinite(partial):
                return _domain_error(
                    graph, values, node,
                    f"the derivative of {graph.node_source(node)} with respect to "
                    f"{graph.node_source(i)} is {scalar_text(partial)}")
            if not isfinite(adjoints[node] * partial):
                return _domain_error(graph, values, node,
                                     f"the adjoint of {names[i]} overflows at {names[node]}")
    return None


def first_nonfinite_value(graph, values):
    """first_nonfinite where no adjoints were computed (each taken as 0): a
    value first, else a partial that is not finite."""
    return first_nonfinite(graph, values, [0.0] * len(values))


def diagnose(graph, point, row=None):
    """The DomainError naming the node behind a non-finite value or derivative
    of any output at point (one scalar pass; a batch row when row is given)."""
    values = reverse.forward(graph, [float(v) for v in point])
    error = None
    for node in graph.outputs:
        error = first_nonfinite(graph, values, reverse.backward(graph, values, seeds={node: 1.0}))
        if error is not None:
            break
    if error is None:  # not expected (every path gives the same bits): say what we saw
        error = DomainError("a value or derivative is not finite at this point", graph.source)
    if row is not None:
        error.row = int(row)
    return error


def second_order_error(graph, point):
    """The DomainError for a Hessian that is not finite at point: at the node
    where it starts, or (a non-finite product of finite partials) for the whole."""
    return first_nonfinite_second(graph, point) or DomainError(
        "a second derivative is not finite at this point", graph.source)


def first_nonfinite_second(graph, point):
    """DomainError at the first node whose second partials are not finite
    at point (where the Hessian became non-finite), or None."""
    values = reverse.forward(graph, point)
    for node in graph.op_nodes:
        op = graph.ops[node]
        if op.second is ops.LINEAR or op.second is None:
            continue
        args = [values[i] for i in graph.args[node]]
        for rule in op.second:
            second = rule(scalar, values[node], *args)
            if not scalar.isfinite(second):
                return _domain_error(graph, values, node,
                                     f"a second derivative of {graph.node_source(node)} "
                                     f"is {scalar_text(second)}")
    return None


def _domain_error(graph, values, node, message):
    """The error, with the node in textbook names and its inputs' values."""
    names = graph.node_names()
    inputs = [i for i in dict.fromkeys(graph.args[node]) if not graph.is_constant(i)]
    where = ", ".join(f"{names[i]} = {scalar_text(values[i])}" for i in inputs)
    start, end = graph.spans[node]
    detail = f"node {names[node]} = {graph.node_text(node)}" + (f", {where}" if where else "")
    return DomainError(f"{message} ({detail})", graph.source, start, end, node=names[node])


def scalar_text(value):
    """A value as adcli writes numbers (a numpy scalar too)."""
    return format_number(float(value))
