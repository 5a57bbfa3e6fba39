"""Sparse Hessians and Jacobians: the pattern read from the graph, a
colouring, and one compressed sweep.

Pattern.  A flat pass over the tape carries each node's set of variables
(a bit mask, as forward.dependencies).  A Hessian entry (i, j) can be
nonzero only where some node combines i and j nonlinearly: a node whose
second partial in slots (a, b) is not structurally zero links every
variable of input a with every variable of input b (the nonlinear
interaction domains of ADOL-C, Walther 2008).  Linear ops link nothing.

Colouring.  Symmetric Hessians get a star colouring (Gebremedhin, Manne
and Pothen, "What color is your Jacobian?", SIAM Review 2005, Algorithm
4.1; the one ColPack and CasADi use): adjacent variables differ in colour
and every path of four vertices has at least three colours, so each entry
is read directly from one product column.  Jacobians get a column
colouring: two variables that share an output differ in colour.

Compressed evaluation.  Seeding variable j with the unit vector of its
colour, one forward-over-reverse sweep (engine/second.py) gives H @ S, k
columns for k colours instead of n; the Jacobian's forward sweep gives
J @ S.  Each structurally nonzero entry is then one element of that
product; entries outside the pattern are exactly 0.
"""
from . import forward, reverse, second
from .. import ops

#: the compressed path runs when colours * COLOURS_PER_VARIABLE <= variables
#: (a handful of sweeps against n); otherwise the dense path does
COLOURS_PER_VARIABLE = 4


#: a colouring is skipped (the dense path runs) when its first-fit search
#: would walk more than this many paths: dense patterns, where colours are
#: not few anyway
STAR_WORK_LIMIT = 4_000_000


def _bits(mask):
    """The indices of the set bits of a Python int, lowest first, in time
    linear in its width (a loop of mask ^= low would copy it per bit)."""
    text = bin(mask)[:1:-1]  # lowest bit first, without "0b"
    indices = []
    i = text.find("1")
    while i >= 0:
        indices.append(i)
        i = text.find("1", i + 1)
    return indices


def _nonlinear_slots(op, arity):
    """The pairs (a, b), a <= b, of input slots whose second partial is not
    structurally zero (ops._zero is the table's structural zero)."""
    rules = iter(op.second)
    return [(a, b) for a in range(arity) for b in range(a, arity)
            if next(rules) is not ops._zero]


def hessian_pattern(graph):
    """For each variable i (graph.variables order), the sorted indices j
    with H[i, j] possibly nonzero; None when an op has no second rule (the
    dense path then says so).  Cached on the graph."""
    return graph.cached("hessian_pattern", _hessian_pattern)


def _hessian_pattern(graph):
    mask = [0] * len(graph.ops)
    for k, node in enumerate(graph.var_nodes):
        mask[node] = 1 << k
    links = [0] * len(graph.var_nodes)
    for node in graph.op_nodes:
        inputs = graph.args[node]
        bits = 0
        for i in inputs:
            bits |= mask[i]
        mask[node] = bits
        op = graph.ops[node]
        if op.second is ops.LINEAR or not bits:
            continue
        if op.second is None:
            return None
        for a, b in _nonlinear_slots(op, len(inputs)):
            left, right = mask[inputs[a]], mask[inputs[b]]
            if not (left and right):
                continue
            for i in _bits(left):
                links[i] |= right
            if a != b:
                for j in _bits(right):
                    links[j] |= left
    return [_bits(m) for m in links]


def jacobian_pattern(graph):
    """For each output, the sorted variable indices it depends on (cached):
    forward.dependencies' masks, their bits read by _bits (in time with
    the bits set, not with n)."""
    return graph.cached("jacobian_pattern", _jacobian_pattern)


def _jacobian_pattern(graph):
    mask = forward.dependency_masks(graph)
    return [_bits(mask[o]) for o in graph.outputs]


# --- colourings -----------------------------------------------------------------------


def star_colouring(pattern):
    """Colours 0..k-1 of the variables such that every structurally nonzero
    entry is read directly (GMP 2005, Algorithm 4.1, first fit in natural
    order).  pattern[i]: the columns of row i (symmetric)."""
    n = len(pattern)
    neighbours = [[j for j in row if j != i] for i, row in enumerate(pattern)]
    colour = [-1] * n
    for v in range(n):
        forbidden = set()
        for w in neighbours[v]:
            cw = colour[w]
            if cw >= 0:
                forbidden.add(cw)
            for x in neighbours[w]:
                cx = colour[x]
                if x == v or cx < 0:
                    continue
                if cw < 0:
                    forbidden.add(cx)  # v-w-x with w uncoloured: w will need a third colour
                elif any(colour[y] == cw for y in neighbours[x] if y != w):
                    forbidden.add(cx)  # v-w-x-y would be a two-coloured path
        colour[v] = _first_free(forbidden)
    return colour


def column_colouring(rows, n):
    """Colours of n columns such that no row has two columns of one colour
    (first fit over the column intersection graph)."""
    columns_of_row = rows
    rows_of_column = [[] for _ in range(n)]
    for r, columns in enumerate(columns_of_row):
        for j in columns:
            rows_of_column[j].append(r)
    colour = [-1] * n
    for j in range(n):
        forbidden = {colour[c] for r in rows_of_column[j] for c in columns_of_row[r]
                     if colour[c] >= 0}
        colour[j] = _first_free(forbidden)
    return colour


def distance_two_colouring(pattern):
    """Colours such that variables within two steps differ: directly
    recoverable on any pattern (more colours than a star colouring)."""
    return column_colouring(pattern, len(pattern))


def _first_free(forbidden):
    c = 0
    while c in forbidden:
        c += 1
    return c


# --- recovery -------------------------------------------------------------------------


def hessian_sources(pattern, colour):
    """For each entry (i, j) of the pattern, the position i * k + c of the
    element of H @ S (n x k) that holds it; None when the colouring does
    not give some entry directly."""
    k = max(colour, default=-1) + 1
    counts = []
    for row in pattern:
        count = {}
        for j in row:
            count[colour[j]] = count.get(colour[j], 0) + 1
        counts.append(count)
    sources = []
    for i, row in enumerate(pattern):
        for j in row:
            # (i, j) and (j, i) read one element, so the result is exactly symmetric
            low, high = min(i, j), max(i, j)
            if counts[low][colour[high]] == 1:  # high is the only column of its colour in row low
                sources.append(low * k + colour[high])
            elif counts[high][colour[low]] == 1:  # H[low, high] = H[high, low], from row high
                sources.append(high * k + colour[low])
            else:
                return None
    return sources


class HessianPlan:
    """The pattern, colouring and recovery indices of one graph's Hessian."""

    def __init__(self, pattern, colour, sources):
        import numpy as np

        self.pattern = pattern
        self.colour = colour  # None: too dense a pattern to colour
        self.colours = None if colour is None else max(colour, default=-1) + 1
        self.rows = np.array([i for i, row in enumerate(pattern) for _ in row], dtype=np.intp)
        self.columns = np.array([j for row in pattern for j in row], dtype=np.intp)
        if colour is not None:
            self.sources = np.array(sources, dtype=np.intp)
            self.seeds = np.eye(max(self.colours, 1))[colour] if colour else np.zeros((0, 1))

    def pays(self):
        n = len(self.pattern)
        return self.colour is not None and n > 0 and self.colours * COLOURS_PER_VARIABLE <= n

    def recover(self, product):
        """The n x n Hessian from H @ S (n x k)."""
        import numpy as np

        n = len(self.pattern)
        matrix = np.zeros((n, n))
        matrix[self.rows, self.columns] = product.ravel()[self.sources]
        return matrix


def hessian_plan(graph):
    """The graph's HessianPlan (cached), or None without a pattern."""
    return graph.cached("hessian_plan", _hessian_plan)


def _star_work(pattern):
    """About how many steps star_colouring takes: for each w, its degree
    times the degrees of its neighbours."""
    degree = [len(row) for row in pattern]
    return sum(degree[w] * sum(degree[x] for x in row) for w, row in enumerate(pattern))


def _hessian_plan(graph):
    pattern = hessian_pattern(graph)
    if pattern is None:
        return None
    if _star_work(pattern) > STAR_WORK_LIMIT:
        return HessianPlan(pattern, None, None)
    colour = star_colouring(pattern)
    sources = hessian_sources(pattern, colour)
    if sources is None:  # not expected of a star colouring; a safe one instead
        colour = distance_two_colouring(pattern)
        sources = hessian_sources(pattern, colour)
    return HessianPlan(pattern, colour, sources)


def hessian(graph, point, output):
    """(value, gradient, Hessian, finite) as second.hessian gives the first
    three: by one compressed sweep where the colouring pays and everything
    is finite (finite is then True), else by the dense path, whose errors
    and non-finite entries stand (finite is then False: not checked)."""
    plan = hessian_plan(graph)
    result = None
    if plan is not None and plan.pays():
        result = compressed_hessian(graph, point, output)
    if result is None:
        return (*second.hessian(graph, point, output), False)
    return (*result, True)


def compressed_hessian(graph, point, output, by_levels=None):
    """(value, gradient, Hessian) by the compressed sweep whether or not it
    pays, or None where a value, gradient or product entry is not finite.
    by_levels: run it on levels.py's groups (None: where that pays)."""
    import math

    import numpy as np

    plan = hessian_plan(graph)
    if by_levels is None:
        by_levels = graph.cached("hessian_by_levels", _levels_pay)
    if by_levels:
        value, gradient, product = _compressed_by_levels(graph, point, plan.seeds)
    else:
        value, gradient, product = second.compressed_hessian(graph, point, output,
                                                             list(plan.seeds))
    finite = (math.isfinite(value) and all(map(math.isfinite, gradient))
              and bool(np.isfinite(product).all()))
    return (value, gradient, plan.recover(product)) if finite else None


def _levels_pay(graph):
    """Whether the compressed sweep runs level by level (levels.py's groups,
    one numpy call per group), decided as dispatch decides with numpy
    loaded; variadic ops must be linear (add, min and max are)."""
    from . import dispatch, levels

    if len(graph.outputs) != 1 or not dispatch.levels_pay(graph):
        return False
    plan = levels.plan(graph)
    return plan.output is not None and all(
        group.op.second is ops.LINEAR for group in plan.groups if group.op.variadic)


def _compressed_by_levels(graph, point, seeds):
    """(value, gradient, H @ S) by forward over reverse on levels.py's
    groups: tangents and adjoint tangents are (nodes, k) arrays, each group
    updated by a few numpy calls.  The rules are second.py's; the sums run
    in another order, so entries agree with the scalar sweep to rounding."""
    import numpy as np

    from . import levels

    plan = levels.plan(graph)
    values, gathered = levels.forward(plan, point)
    # the adjoints as levels.backward makes them (the same products, scattered
    # by its _scatter: adcli.grad's bits), from the partials the tangents used
    adjoints = np.zeros_like(values)
    adjoints[plan.reached] = -0.0
    adjoints[plan.output] = 1.0
    curvatures = graph.cached("hessian_curvatures",
                              lambda g: [_curvature_pairs(group) for group in plan.groups])
    with np.errstate(all="ignore"):
        tangent, slopes = _tangents_by_levels(plan, values, gathered, seeds)
        adjoint_tangent = np.zeros_like(tangent)
        steps = zip(plan.groups, gathered, slopes, curvatures, _slot_inputs(plan))
        for group, args, slope, pairs, inputs in reversed(list(steps)):
            if group.slots:
                levels._scatter(adjoints, group, adjoints[group.out] * slope)
                _second_order_group(group, args, slope, pairs, inputs, values, adjoints,
                                    tangent, adjoint_tangent)
    value = float(values[plan.output])
    gradient = adjoints[plan.var_nodes].tolist()
    return value, gradient, adjoint_tangent[plan.var_nodes]


def _tangents_by_levels(plan, values, gathered, seeds):
    """Every node's tangents along the k columns of seeds ((nodes, k)), group
    by group, and each group's first partials (reused by the reverse sweep)."""
    import numpy as np

    tangent = np.zeros((len(values), seeds.shape[1]))
    tangent[plan.var_nodes] = seeds
    slopes = []
    for group, args, inputs in zip(plan.groups, gathered, _slot_inputs(plan)):
        slope = _group_partials(group, values[group.out], args)
        slopes.append(slope)
        if group.slots:
            tangent[group.out] = np.einsum("sn,snk->nk", slope, tangent[inputs])
    return tangent, slopes


def _slot_inputs(plan):
    """Per group, the input nodes of its active slots ((slots, nodes)), made
    once per plan: indexing by the list of slots on every call costs as much
    as the sweep on a sum of 1000 terms."""
    cached = getattr(plan, "sparsity_slot_inputs", None)
    if cached is None:
        cached = plan.sparsity_slot_inputs = [group.inputs[group.slots] for group in plan.groups]
    return cached


def _as_nodes(value, shape):
    import numpy as np

    return np.broadcast_to(np.asarray(value, dtype=np.float64), shape)


def _group_partials(group, ans, args):
    """The first partials of the active slots: (slots, nodes)."""
    import numpy as np

    from . import vectorized

    op = group.op
    if op.variadic:
        return _as_nodes(op.partials(vectorized, ans, args), (len(group.inputs), len(ans)))
    return np.array([_as_nodes(op.partials[k](vectorized, ans, *args), ans.shape)
                     for k in group.slots]).reshape(len(group.slots), len(ans))


def _curvature_pairs(group):
    """[(row, rule, input nodes of slot l)] of the group's second partials
    s_jl that are not structurally zero, row being j's position among the
    active slots (listed once per graph)."""
    op = group.op
    if op.second is ops.LINEAR:
        return []
    arity = len(group.inputs)
    rules = iter(op.second)
    table = {}
    for a in range(arity):
        for b in range(a, arity):
            table[a, b] = table[b, a] = next(rules)
    return [(row, table[j, lo], group.inputs[lo]) for row, j in enumerate(group.slots)
            for lo in group.slots if table[j, lo] is not ops._zero]


def _second_order_group(group, args, slope, pairs, inputs, values, adjoints, tangent,
                        adjoint_tangent):
    """adj'(u_j) += adj'(v) p_j + adj(v) sum_l s_jl u'_l, for one group."""
    import numpy as np

    from . import vectorized

    out = group.out
    contributions = adjoint_tangent[out][None, :, :] * slope[:, :, None]  # (slots, nodes, k)
    if pairs:
        ans = values[out]
        adjoint = adjoints[out]
        for row, rule, other in pairs:
            weight = adjoint * rule(vectorized, ans, *args)  # an array: adjoint is one
            contributions[row] += weight[:, None] * tangent[other]
    if group.unique:  # no input twice: one addition each
        adjoint_tangent[inputs] += contributions
    else:  # an input that takes several contributions adds each in turn
        np.add.at(adjoint_tangent, group.targets,
                  contributions.transpose(1, 0, 2).reshape(-1, adjoint_tangent.shape[1]))


# --- Jacobians ------------------------------------------------------------------------


class JacobianPlan:
    """Column colouring and recovery indices of one graph's Jacobian."""

    def __init__(self, pattern, n):
        import numpy as np

        self.pattern = pattern
        self.n = n
        # the columns of a row all differ in colour, so the widest row bounds
        # the count from below: where that alone cannot pay, no colouring is
        # made (first fit costs each column the widths of its rows)
        self.colour = None
        self.colours = max(map(len, pattern), default=0)
        if not self._could_pay() or sum(len(row) ** 2 for row in pattern) > STAR_WORK_LIMIT:
            return
        self.colour = column_colouring(pattern, n)
        self.colours = max(self.colour, default=-1) + 1
        self.rows = np.array([r for r, row in enumerate(pattern) for _ in row], dtype=np.intp)
        self.columns = np.array([j for row in pattern for j in row], dtype=np.intp)
        k = max(self.colours, 1)
        self.sources = self.rows * k + np.array([self.colour[j] for row in pattern for j in row],
                                                dtype=np.intp)
        self.seeds = np.eye(k)[self.colour] if self.colour else np.zeros((0, 1))

    def _could_pay(self):
        passes = min(self.n, len(self.pattern))
        return passes > 0 and self.colours * COLOURS_PER_VARIABLE <= passes

    def pays(self):
        return self.colour is not None and self._could_pay()

    def recover(self, product):
        """The m x n Jacobian from J @ S (m x k)."""
        import numpy as np

        matrix = np.zeros((len(self.pattern), self.n))
        matrix[self.rows, self.columns] = product.ravel()[self.sources]
        return matrix


def jacobian_plan(graph):
    return graph.cached("jacobian_plan",
                        lambda g: JacobianPlan(jacobian_pattern(g), len(g.var_nodes)))


def _jacobian_levels_pay(graph):
    from . import dispatch

    return dispatch.levels_pay(graph)


def jacobian(graph, point, by_levels=None):
    """(values of the outputs, m x n Jacobian) by one compressed forward
    sweep, or None where that does not pay or meets a non-finite number
    (the caller's dense path then runs).  by_levels: run the sweep on
    levels.py's groups (None: where that pays), which sums in another order."""
    import numpy as np

    plan = jacobian_plan(graph)
    if not plan.pays():
        return None
    if by_levels is None:
        by_levels = graph.cached("jacobian_by_levels", _jacobian_levels_pay)
    if by_levels:
        from . import levels

        levels_plan = levels.plan(graph)
        values, gathered = levels.forward(levels_plan, point)
        with np.errstate(all="ignore"):
            tangent, _ = _tangents_by_levels(levels_plan, values, gathered, plan.seeds)
        product = tangent[list(graph.outputs)]
        outputs = values[list(graph.outputs)].tolist()
    else:
        values = reverse.forward(graph, point)
        with np.errstate(all="ignore"):
            tangent = forward.tangents(graph, values, list(plan.seeds))
        zero = np.zeros(plan.seeds.shape[1])
        product = np.array([zero if tangent[o] is None else tangent[o] for o in graph.outputs],
                           dtype=np.float64).reshape(len(graph.outputs), -1)
        outputs = [float(values[o]) for o in graph.outputs]
    if not (np.isfinite(product).all() and np.isfinite(outputs).all()):
        return None
    return outputs, plan.recover(product)
