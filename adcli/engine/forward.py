"""Forward mode: tangents pushed through the tape in evaluation order.

The tangent of a node is the sum over its inputs of partial * tangent (the
op table's first partials, as reverse mode uses them).  One sweep gives
J @ direction; n sweeps, one per variable, the whole Jacobian.  Bit masks
pushed the same way give the structural sparsity.
"""
from . import reverse, scalar


def tangents(graph, values, direction, xp=scalar):
    """d node / d t along x + t*direction, for every node.

    ``direction`` is in graph.variables order.  A node no variable reaches
    has tangent None (structurally zero).
    """
    tangent = [None] * len(values)
    for node, d in zip(graph.var_nodes, direction):
        tangent[node] = d
    for node in graph.op_nodes:
        total = None
        for i, partial in reverse.local_partials(graph, values, node, xp):
            if tangent[i] is None:
                continue
            term = partial * tangent[i]
            total = term if total is None else total + term
        tangent[node] = total
    return tangent


def jvp(graph, point, direction, outputs):
    """(values of the outputs, J @ direction) at one point, by one forward sweep."""
    values = reverse.forward(graph, point)
    tangent = tangents(graph, values, direction)
    return ([float(values[o]) for o in outputs],
            [0.0 if tangent[o] is None else float(tangent[o]) for o in outputs])


def jacobian_rows(graph, values, outputs, xp=scalar):
    """The m x n Jacobian as a list of rows, by one forward sweep per
    variable (n passes) from the nodes' values."""
    n = len(graph.var_nodes)
    columns = []
    for k in range(n):
        tangent = tangents(graph, values, [1.0 if j == k else 0.0 for j in range(n)], xp)
        columns.append([0.0 if tangent[o] is None else tangent[o] for o in outputs])
    return [[columns[k][r] for k in range(n)] for r in range(len(outputs))]


def dependencies(graph, outputs):
    """Structural sparsity: for each output, the set of variable indices it
    depends on, read from the graph (not from numerical zeros)."""
    mask = dependency_masks(graph)
    return [{k for k in range(len(graph.var_nodes)) if mask[o] >> k & 1} for o in outputs]


def dependency_masks(graph):
    """For every node, an int whose bit k says it depends on variable k."""
    mask = [0] * len(graph.ops)
    for k, node in enumerate(graph.var_nodes):
        mask[node] = 1 << k
    for node in graph.op_nodes:
        bits = 0
        for i in graph.args[node]:
            bits |= mask[i]
        mask[node] = bits
    return mask
