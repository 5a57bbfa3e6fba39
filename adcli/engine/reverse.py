"""Forward and backward passes over a graph: loops over the tape, never
recursion.

Two ways to run the same op-table rules here:

- one point, with Python floats and the scalar namespace (cheap to start);
- a batch of points, with numpy arrays: one numpy call per node over all
  points at once.

(levels.py is the third: one point of a large graph, level by level; this
module decides when it pays.)  All follow IEEE float64; ``first_nonfinite``
turns a non-finite value or adjoint into a DomainError naming the node that
produced it.
"""
from . import scalar
from ..errors import DomainError


def _program(graph):
    """(forward steps in tape order, the same steps in backward order).  A
    step is (node, op, inputs, [(slot, input, rule) for inputs that are not
    constants]).  Built once per graph."""
    steps = [None] * len(graph.ops)
    for node in graph.op_nodes:
        op = graph.ops[node]
        inputs = graph.args[node]
        if op.variadic:
            active = [(None, None, op.partials)]
        else:
            active = [(slot, i, op.partials[slot]) for slot, i in enumerate(inputs)
                      if not graph.is_constant(i)]
        steps[node] = (node, op, inputs, active)
    return ([steps[node] for node in graph.op_nodes],
            [steps[node] for node in backward_order(graph)])


def program(graph):
    return graph.cached("program", _program)


def backward_order(graph):
    """The op nodes in the order every reverse sweep visits them, so that
    adjoints sum their contributions in one order on every path: groups (see
    groups) last to first, each group's nodes in tape order, and within a
    node its inputs in order (levels.py scatters a group at once)."""
    return [node for group in reversed(groups(graph)) for node in group]


def groups(graph):
    """The op nodes by level, op and arity: the groups levels.py evaluates at
    once, ordered by level, then by first appearance; nodes in tape order."""
    return graph.cached("groups", _groups)


def _groups(graph):
    level = levels(graph)
    buckets = {}
    for node in graph.op_nodes:
        key = (level[node], id(graph.ops[node]), len(graph.args[node]))
        buckets.setdefault(key, []).append(node)
    return [nodes for _, nodes in sorted(buckets.items(), key=lambda item: item[0][0])]


# --- which evaluator: the scalar loop, or numpy level by level (levels.py) ---

#: a graph is evaluated by levels when it has at least this many op nodes
#: (importing numpy costs ~70 ms: worth it for a large graph even once) ...
MIN_OP_NODES = 2000
#: ... or this many once numpy is loaded anyway (minimize, batches), where
#: levels beat the scalar loop from about 60 nodes (bench: 300 nodes 17x)
MIN_OP_NODES_NUMPY_LOADED = 100
#: ... and on average at least this many op nodes per group
MIN_NODES_PER_GROUP = 8


def levels(graph):
    """Level of every node (leaves 0), by one pass over the tape; cached."""
    return graph.cached("levels", _levels)


def _levels(graph):
    level = [0] * len(graph.ops)
    args = graph.args
    for node in graph.op_nodes:
        inputs = args[node]
        level[node] = 1 + (max(level[i] for i in inputs) if len(inputs) > 2 else
                           max(level[inputs[0]], level[inputs[-1]]))
    return level


def worth_it(graph):
    """Whether level-by-level evaluation beats the scalar loop for graph,
    judged from its shape alone (no numpy needed to decide)."""
    import sys

    count = len(graph.op_nodes)
    if count < (MIN_OP_NODES_NUMPY_LOADED if "numpy" in sys.modules else MIN_OP_NODES):
        return False
    return count >= MIN_NODES_PER_GROUP * len(groups(graph))


def _call(op, xp, rule, values, inputs, ans=None):
    """Apply a forward rule (ans None) or a partial rule to the inputs' values."""
    if op.variadic:
        stack = [values[i] for i in inputs]  # both namespaces take a list as a stack
        return rule(xp, stack) if ans is None else rule(xp, ans, stack)
    args = [values[i] for i in inputs]
    return rule(xp, *args) if ans is None else rule(xp, ans, *args)


def forward(graph, point, xp=scalar):
    """Values of every node; point is a sequence in graph.variables order
    (floats, or equal-length arrays for a batch)."""
    values = list(graph.initial_values)
    for node, x in zip(graph.var_nodes, point):
        values[node] = x
    for node, op, inputs, _ in program(graph)[0]:
        values[node] = _call(op, xp, op.forward, values, inputs)
    return values


def backward(graph, values, xp=scalar, seeds=None):
    """Adjoints of every node by one reverse sweep: d output / d node, or
    with ``seeds`` ({node: cotangent}) d (sum of cotangent * node) / d node."""
    adjoints = [None] * len(values)  # None: no contribution yet
    for node, seed in (seeds or {graph.output: 1.0}).items():
        adjoints[node] = seed
    for node, op, inputs, active in program(graph)[1]:
        adjoint = adjoints[node]
        if adjoint is None:  # a constant-only branch never reached
            continue
        ans = values[node]
        if op.variadic:
            partials = _call(op, xp, op.partials, values, inputs, ans)
            for row, i in enumerate(inputs):
                _accumulate(adjoints, i, adjoint, partials[row])
            continue
        for _, i, rule in active:
            _accumulate(adjoints, i, adjoint, _call(op, xp, rule, values, inputs, ans))
    return [0.0 if a is None else a for a in adjoints]


def _accumulate(adjoints, i, adjoint, partial):
    # a partial of exactly 1.0 (sums) passes the adjoint on without a multiply;
    # the first contribution is stored, later ones add (new objects, no aliasing)
    if type(partial) is float and partial == 1.0:
        contribution = adjoint
    elif type(adjoint) is float and adjoint == 1.0:
        contribution = partial
    else:
        contribution = adjoint * partial
    current = adjoints[i]
    adjoints[i] = contribution if current is None else current + contribution


def local_partials(graph, values, node, xp=scalar):
    """[(input node, partial)] of one op node, constants left out."""
    op = graph.ops[node]
    inputs = graph.args[node]
    ans = values[node]
    if op.variadic:
        partials = _call(op, xp, op.partials, values, inputs, ans)
        return [(i, partials[row]) for row, i in enumerate(inputs)
                if not graph.is_constant(i)]
    return [(i, _call(op, xp, op.partials[slot], values, inputs, ans))
            for slot, i in enumerate(inputs) if not graph.is_constant(i)]


def is_kink(graph, values, node):
    op = graph.ops[node]
    if op.kink is None:
        return False
    return bool(_call(op, scalar, op.kink, values, graph.args[node], values[node]))


# --- non-finite values and adjoints ---------------------------------------------


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
        for i, partial in local_partials(graph, values, node):
            if not isfinite(partial):
                return _domain_error(
                    graph, values, node,
                    f"the derivative of {graph.node_source(node)} with respect to "
                    f"{graph.node_source(i)} is {scalar_text(partial)}")
            if not isfinite(adjoints[node] * partial):
                return _domain_error(graph, values, node,
                                     f"the adjoint of {names[i]} overflows at {names[node]}")
    return None


def diagnose(graph, point, row=None):
    """The DomainError naming the node behind a non-finite value or derivative
    of any output at point (one scalar pass; a batch row when row is given)."""
    values = forward(graph, [float(v) for v in point])
    error = None
    for node in graph.outputs:
        error = first_nonfinite(graph, values, backward(graph, values, seeds={node: 1.0}))
        if error is not None:
            break
    if error is None:  # not expected (every path gives the same bits): say what we saw
        error = DomainError("a value or derivative is not finite at this point", graph.source)
    if row is not None:
        error.row = int(row)
    return error


def _domain_error(graph, values, node, message):
    """The error, with the node in textbook names and its inputs' values."""
    names = graph.node_names()
    inputs = [i for i in dict.fromkeys(graph.args[node]) if not graph.is_constant(i)]
    where = ", ".join(f"{names[i]} = {scalar_text(values[i])}" for i in inputs)
    start, end = graph.spans[node]
    detail = f"node {names[node]} = {graph.node_text(node)}" + (f", {where}" if where else "")
    return DomainError(f"{message} ({detail})", graph.source, start, end, node=names[node])


def scalar_text(value):
    from ..graph import format_number
    return format_number(float(value))
