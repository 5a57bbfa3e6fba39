"""Forward mode, Jacobians and Hessians, from the op table's partial and
second-partial rules.

- Forward mode (JVP) pushes a tangent through the tape in evaluation order:
  the tangent of a node is the sum over its inputs of partial * tangent.
- Reverse mode (VJP) is reverse.backward, seeded at one output.
- The Hessian is forward-over-reverse: one forward sweep carrying n tangents
  (one per variable), then one reverse sweep carrying the adjoint and its n
  tangents, which needs each op's second partials.  It is exact (no
  differencing) and symmetrized, so symmetric to the last bit.
"""
from dataclasses import dataclass

from . import reverse, scalar
from .. import ops
from ..errors import AdcliError, PointError
from ..graph import count_text

MODES = ("auto", "forward", "reverse")


@dataclass
class ModeChoice:
    """Which AD mode computes a derivative, and why."""

    mode: str  # "forward" or "reverse"
    requested: str  # what the user asked: "auto", "forward" or "reverse"
    inputs: int
    outputs: int

    @property
    def passes(self):
        return self.inputs if self.mode == "forward" else self.outputs

    def explain(self):
        forward = f"forward mode needs {count_text(self.inputs, 'pass')} (one per input)"
        reverse = f"reverse mode needs {count_text(self.outputs, 'pass')} (one per output)"
        shape = f"{count_text(self.inputs, 'input')}, {count_text(self.outputs, 'output')}"
        if self.requested == "auto":
            why = ("fewer inputs than outputs" if self.mode == "forward"
                   else "no fewer outputs than inputs")
            head = f"mode auto chose {self.mode} ({why}): "
        else:
            head = f"mode {self.mode} (as asked): "
        return f"{head}{shape}; {forward}, {reverse}."

    def as_dict(self):
        return {"mode": self.mode, "requested": self.requested, "inputs": self.inputs,
                "outputs": self.outputs, "passes": self.passes}


def choose_mode(requested, inputs, outputs):
    """auto: forward when there are fewer inputs than outputs, else reverse."""
    if requested not in MODES:
        raise PointError(f"unknown mode {requested!r}; choose one of {', '.join(MODES)}")
    mode = requested
    if requested == "auto":
        mode = "forward" if inputs < outputs else "reverse"
    return ModeChoice(mode, requested, inputs, outputs)






def tangents(graph, values, direction, xp=scalar):
    """Forward-mode sweep: d node / d t along x + t*direction, every node.

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


def vjp(graph, point, cotangent, outputs):
    """(values of the outputs, cotangent @ J) at one point, by one reverse
    sweep seeded with the cotangent on the outputs."""
    values = reverse.forward(graph, point)
    seeds = {}
    for node, weight in zip(outputs, cotangent):  # two outputs may be one node
        seeds[node] = seeds[node] + weight if node in seeds else weight
    adjoints = reverse.backward(graph, values, seeds=seeds)
    return ([float(values[o]) for o in outputs],
            [float(adjoints[v]) for v in graph.var_nodes])


def jacobian(graph, point, outputs, mode="reverse", xp=scalar):
    """(values, m x n Jacobian as a list of rows, passes) at one point, or
    with xp=vectorized at a batch (each entry then an array over the points).

    Reverse mode runs one reverse sweep per output (m passes); forward mode
    one forward sweep per variable (n passes).
    """
    values = reverse.forward(graph, point, xp)
    n = len(graph.var_nodes)
    if mode == "forward":
        columns = []
        for k in range(n):
            tangent = tangents(graph, values, [1.0 if j == k else 0.0 for j in range(n)], xp)
            columns.append([0.0 if tangent[o] is None else tangent[o] for o in outputs])
        rows = [[columns[k][r] for k in range(n)] for r in range(len(outputs))]
        passes = n
    else:
        rows = []
        for o in outputs:
            adjoints = reverse.backward(graph, values, xp, seeds={o: 1.0})
            rows.append([adjoints[v] for v in graph.var_nodes])
        passes = len(outputs)
    return [values[o] for o in outputs], rows, passes


def hessian(graph, point, output):
    """(value, gradient, Hessian as an n x n numpy array) of one output."""
    import numpy as np

    values = reverse.forward(graph, point)
    n = len(graph.var_nodes)
    with np.errstate(all="ignore"):  # non-finite entries are reported, not warned about
        tangent = tangents(graph, values, list(np.eye(n)), xp=scalar)
        adjoint, adjoint_tangent = _second_order_sweep(graph, values, tangent, output, n)
        rows = [adjoint_tangent[v] if adjoint_tangent[v] is not None else np.zeros(n)
                for v in graph.var_nodes]
        matrix = _symmetrized(np.array(rows, dtype=np.float64).reshape(n, n))
    gradient = [0.0 if adjoint[v] is None else float(adjoint[v]) for v in graph.var_nodes]
    return float(values[output]), gradient, matrix


def _symmetrized(matrix):
    """(H + H.T) / 2, entry by entry, and finite wherever both entries are:
    halving first where the sum overflows (H is near the float64 limit)."""
    import numpy as np

    total = matrix + matrix.T
    return np.where(np.isfinite(total), 0.5 * total, 0.5 * matrix + 0.5 * matrix.T)


def _second_order_sweep(graph, values, tangent, output, n):
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


def nonfinite_second_error(graph, point):
    """The DomainError for a Hessian that is not finite at point: at the node
    where it starts, or (a non-finite product of finite partials) for the whole."""
    from ..errors import DomainError

    return first_nonfinite_second(graph, point) or DomainError(
        "a second derivative is not finite at this point", graph.source)


def first_nonfinite_second(graph, point):
    """DomainError at the first node whose second partials are not finite
    at point (where the Hessian became non-finite), or None."""
    values = reverse.forward(graph, point)
    names = graph.node_names()
    for node in graph.op_nodes:
        op = graph.ops[node]
        if op.second is ops.LINEAR or op.second is None:
            continue
        args = [values[i] for i in graph.args[node]]
        for rule in op.second:
            second = rule(scalar, values[node], *args)
            if not scalar.isfinite(second):
                inputs = ", ".join(f"{names[i]} = {reverse.scalar_text(values[i])}"
                                   for i in dict.fromkeys(graph.args[node])
                                   if not graph.is_constant(i))
                start, end = graph.spans[node]
                from ..errors import DomainError
                return DomainError(
                    f"a second derivative of {graph.node_source(node)} is {reverse.scalar_text(second)} "
                    f"(node {names[node]} = {graph.node_text(node)}, {inputs})",
                    graph.source, start, end, node=names[node])
    return None


def dependencies(graph, outputs):
    """Structural sparsity: for each output, the set of variable indices it
    depends on, read from the graph (not from numerical zeros)."""
    mask = [0] * len(graph.ops)
    for k, node in enumerate(graph.var_nodes):
        mask[node] = 1 << k
    for node in graph.op_nodes:
        bits = 0
        for i in graph.args[node]:
            bits |= mask[i]
        mask[node] = bits
    return [{k for k in range(len(graph.var_nodes)) if mask[o] >> k & 1} for o in outputs]
