"""Reverse mode: the values of every node by one forward sweep over the
tape, then the adjoints by one backward sweep (loops, never recursion).

The same op-table rules run two ways here: one point with Python floats and
the scalar namespace (cheap to start), or a batch of points with numpy
arrays (adcli.engine.vectorized), one numpy call per node.  levels.py is a
third way for one point of a large graph; dispatch.py decides which runs,
nonfinite.py names the node behind a nan or inf.
"""
from . import scalar
from ..graph import NUMPY_NODES

#: codes 0, 1 and 2 are a tape's leaves (variables, constants, data arrays)
_LEAF_CODES = 2


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
    once, ordered by level, then by first appearance; nodes in tape order.
    A sequence of lists of nodes; for a large graph a Grouping, which keeps
    them in one array."""
    return graph.cached("groups", _groups)


def _groups(graph):
    if len(graph.op_nodes) >= NUMPY_NODES:
        return Grouping(graph)
    tape = graph.tape
    buckets = {}
    for node in graph.op_nodes:
        key = (tape.level_of(node), tape.code_at(node), tape.arity(node))
        buckets.setdefault(key, []).append(node)
    return [nodes for _, nodes in sorted(buckets.items(), key=lambda item: item[0][0])]


class Grouping:
    """groups(graph) made from arrays: group k's nodes are members(k), an
    array in tape order, with op code codes[k] and arity arities[k].
    Indexing gives a list."""

    def __init__(self, graph):
        import numpy as np
        tape = graph.tape
        # keys of every node, read in tape order (no gathers); the op nodes
        # not evaluated get the last key and are left out
        count = len(graph.op_nodes)
        code, level = tape.column("code"), tape.column("level")
        ends = tape.column("inputs_end")
        keyed = _group_key(graph, level, code, ends)
        if keyed is None:  # keys too wide to number densely
            nodes = graph.op_node_array()
            arity = np.diff(tape.numpy_inputs()[0])[nodes]
            order = np.lexsort((arity, code[nodes], level[nodes]))
            by_key = nodes[order]
            change = np.zeros(count, dtype=bool)
            change[0] = True
            for column in (level[by_key], code[by_key], arity[order]):
                change[1:] |= column[1:] != column[:-1]
            starts = np.flatnonzero(change)
            del change
            sizes = np.diff(np.append(starts, count))
            groups = [by_key[start:start + size] for start, size in zip(starts, sizes)]
        else:
            groups = _by_key(*keyed, count)
        first = np.array([nodes[0] for nodes in groups], dtype=np.intp)
        # the groups of a level in the order of their first nodes
        rank = np.lexsort((first, level[first])).tolist()
        self._members = [groups[k] for k in rank]
        self.codes = code[first[rank]].tolist()
        self.arities = [tape.arity(node) for node in first[rank].tolist()]

    def __len__(self):
        return len(self.codes)

    def members(self, k):
        """The nodes of group k, as a numpy array (a view: not to be written)."""
        return self._members[k]

    def __getitem__(self, k):
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self.members(k).tolist()

    def __iter__(self):
        return (self[k] for k in range(len(self)))

    def __reversed__(self):
        return (self[k] for k in range(len(self) - 1, -1, -1))


#: up to this many groups, each group's nodes are found by one comparison of
#: the keys; more are sorted
_FEW_GROUPS = 16


def _by_key(key, values, sizes, count):
    """The nodes of each key value (values, of sizes nodes) in tape order, by
    key value: an array per group, views of one array."""
    import numpy as np
    starts = np.zeros(len(sizes), dtype=np.intp)
    np.cumsum(sizes[:-1], out=starts[1:])
    if len(values) <= _FEW_GROUPS:  # a pass per group, no index of every node
        by_key = np.empty(count, dtype=np.intp)
        for value, start, size in zip(values.tolist(), starts.tolist(), sizes.tolist()):
            by_key[start:start + size] = np.flatnonzero(key == value)
    else:
        by_key = np.argsort(key, kind="stable")[:count]  # tape order within a key
    return [by_key[start:start + size] for start, size in zip(starts.tolist(), sizes.tolist())]


def _members(graph, key):
    """A flag per node: is it one of graph.op_nodes?  Those are op nodes,
    whose keys are past the leaves' (codes at level 0), so when they are as
    many as the op nodes of the tape they are all of them, and no scatter
    is needed."""
    import numpy as np
    member = key > _LEAF_CODES
    if np.count_nonzero(member) != len(graph.op_nodes):
        member[:] = False
        member[graph.op_node_array()] = True
    return member


def _width(largest):
    """The narrowest integer type holding 0..largest."""
    import numpy as np
    return np.uint8 if largest < 2 ** 8 else np.int16 if largest < 2 ** 15 else np.int32


def _group_key(graph, level, code, ends):
    """(key, values, sizes): a small int per node telling its group (level,
    op and arity) from the others, the same for nodes of one group, the
    largest for nodes not in graph.op_nodes; the groups' key values,
    ascending, and their numbers of nodes.  None when the keys would not
    fit.  Ops of fixed arity need only (level, code); the few nodes of
    variadic ops are numbered apart by (level, code, arity).  Keys are made
    in 8 or 16 bits when they fit (a radix sort of that width, a pass over
    a narrow array); wider ones are made dense by counting.  The tape's
    columns are read once each (they are strided)."""
    import numpy as np
    tape = graph.tape
    if not len(graph.op_nodes):
        return None
    codes = len(tape.op_table)
    top = (int(level.max()) + 1) * codes
    if top > len(level) + 1024:  # the counts would outweigh the keys
        return None
    key = np.empty(len(level), dtype=_width(top))
    np.multiply(level, np.int32(codes), out=key, casting="unsafe")
    np.add(key, code, out=key, casting="unsafe")
    member = _members(graph, key)
    last = top  # the key of the nodes not in member
    variadic = [c for c, op in enumerate(tape.op_table) if type(op) is not str and op.variadic]
    if variadic:  # their nodes: keys from top + 1 on, by (level, code, arity)
        is_variadic = np.zeros(top, dtype=bool)  # by key: level * codes + code
        for c in variadic:
            is_variadic[c::codes] = True
        nodes = np.flatnonzero(np.take(is_variadic, key))
        nodes = nodes[member[nodes]]
        last = top + 1 + len(nodes)
        key = key.astype(_width(last), copy=False)
        arity = ends[nodes] - np.where(nodes > 0, ends[nodes - 1], 0)
        combined = key[nodes].astype(np.int64) * (int(arity.max(initial=0)) + 1) + arity
        key[nodes] = top + 1 + np.unique(combined, return_inverse=True)[1].ravel()
    np.copyto(key, last, where=~member, casting="unsafe")
    del member
    counts = np.bincount(key, minlength=last + 1)
    values = np.flatnonzero(counts[:last])
    sizes = counts[values]
    if key.dtype != np.int32:
        return key, values, sizes
    dense = np.cumsum(counts > 0) - 1
    return (dense.astype(np.int16 if dense[-1] < 2 ** 15 else np.int32)[key],
            np.arange(len(values)), sizes)


def node_levels(graph):
    """Level of every node (leaves 0), kept by the tape as it is built."""
    return graph.tape.levels


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
    for node, op, inputs, _ in program(graph)[0]:  # _call inlined: this is the hot loop
        args = [values[i] for i in inputs]  # a variadic op takes the list as its stack
        values[node] = op.forward(xp, args) if op.variadic else op.forward(xp, *args)
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
        args = [values[i] for i in inputs]  # gathered once for every slot's rule
        if op.variadic:  # one rule gives every input's partial, from the stack
            partials = op.partials(xp, ans, args)
            for row, i in enumerate(inputs):
                _accumulate(adjoints, i, adjoint, partials[row])
            continue
        for _, i, rule in active:
            _accumulate(adjoints, i, adjoint, rule(xp, ans, *args))
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


def vjp(graph, point, cotangent, outputs):
    """(values of the outputs, cotangent @ J) at one point, by one reverse
    sweep seeded with the cotangent on the outputs."""
    values = forward(graph, point)
    seeds = {}
    for node, weight in zip(outputs, cotangent):  # two outputs may be one node
        seeds[node] = seeds[node] + weight if node in seeds else weight
    adjoints = backward(graph, values, seeds=seeds)
    return ([float(values[o]) for o in outputs],
            [float(adjoints[v]) for v in graph.var_nodes])


def jacobian_rows(graph, values, outputs, xp=scalar):
    """The m x n Jacobian as a list of rows, by one reverse sweep per output
    (m passes) from the nodes' values."""
    rows = []
    for o in outputs:
        adjoints = backward(graph, values, xp, seeds={o: 1.0})
        rows.append([adjoints[v] for v in graph.var_nodes])
    return rows


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
