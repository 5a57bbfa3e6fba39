"""Second order: the exact Hessian by forward over reverse.

One forward sweep carries n tangents (one per variable), then one reverse
sweep carries each adjoint and its n tangents, which needs each op's second
partials.  It is exact (no differencing) and symmetrized, so symmetric to
the last bit; the gradient it carries has adcli.grad's bits (the same
backward order).
"""
from . import forward, reverse, scalar
from .. import ops
from ..errors import AdcliError


def hessian(graph, point, output):
    """(value, gradient, Hessian as an n x n numpy array) of one output."""
    import numpy as np

    n = len(graph.var_nodes)
    with np.errstate(all="ignore"):  # non-finite entries are reported, not warned about
        value, gradient, rows = compressed_hessian(graph, point, output, list(np.eye(n)))
        matrix = _symmetrized(rows)
    return value, gradient, matrix


def compressed_hessian(graph, point, output, seeds):
    """(value, gradient, H @ S) of one output: seeds[j] is row j of S (n x k),
    the tangent variable j starts with; S = I gives the Hessian itself, the
    seeds of a colouring (engine/sparsity.py) its compressed columns."""
    import numpy as np

    values = reverse.forward(graph, point)
    k = len(seeds[0]) if len(seeds) else 0
    with np.errstate(all="ignore"):  # non-finite entries are reported, not warned about
        tangent = forward.tangents(graph, values, seeds, xp=scalar)
        adjoint, adjoint_tangent = _second_order_sweep(graph, values, tangent, output)
        rows = [adjoint_tangent[v] if adjoint_tangent[v] is not None else np.zeros(k)
                for v in graph.var_nodes]
    product = np.array(rows, dtype=np.float64).reshape(len(graph.var_nodes), k)
    gradient = [0.0 if adjoint[v] is None else float(adjoint[v]) for v in graph.var_nodes]
    return float(values[output]), gradient, product


def _symmetrized(matrix):
    """(H + H.T) / 2, entry by entry, and finite wherever both entries are:
    halving first where the sum overflows (H is near the float64 limit)."""
    import numpy as np

    total = matrix + matrix.T
    return np.where(np.isfinite(total), 0.5 * total, 0.5 * matrix + 0.5 * matrix.T)


def _second_order_sweep(graph, values, tangent, output):
    """Reverse sweep carrying each adjoint and its tangent (n-vectors):
    adj'(u_j) += adj'(v) p_j + adj(v) sum_l s_jl u'_l."""
    adjoint = [None] * len(values)
    adjoint_tangent = [None] * len(values)
    adjoint[output] = 1.0
    for node in reverse.backward_order(graph):  # the gradient's bits are adcli.grad's
        a = adjoint[node]
        if a is None:
            continue
        a_dot = adjoint_tangent[node]
        partials = reverse.local_partials(graph, values, node)
        curvature = _curvature(graph, values, node, tangent)
        for slot, (i, partial) in enumerate(partials):
            adjoint[i] = a * partial if adjoint[i] is None else adjoint[i] + a * partial
            terms = [t for t in (None if a_dot is None else a_dot * partial,
                                 None if curvature[slot] is None else a * curvature[slot])
                     if t is not None]
            for term in terms:
                adjoint_tangent[i] = term if adjoint_tangent[i] is None else adjoint_tangent[i] + term
    return adjoint, adjoint_tangent


def _curvature(graph, values, node, tangent):
    """For each non-constant input slot j of node: sum_l s_jl * tangent(u_l),
    or None when that is structurally zero."""
    op = graph.ops[node]
    inputs = graph.args[node]
    active = [slot for slot, i in enumerate(inputs) if not graph.is_constant(i)]
    if op.second is ops.LINEAR:
        return [None] * len(active)
    if op.second is None:
        raise AdcliError(f"{op.name} has no second-derivative rule, so no Hessian")
    args = [values[i] for i in inputs]
    ans = values[node]
    k = len(inputs)
    second = {}
    rule = iter(op.second)
    for a in range(k):
        for b in range(a, k):
            second[a, b] = second[b, a] = next(rule)
    result = []
    for j in active:
        total = None
        for lo in range(k):
            t = tangent[inputs[lo]]
            if t is None:
                continue
            term = second[j, lo](scalar, ans, *args) * t
            total = term if total is None else total + term
        result.append(total)
    return result
