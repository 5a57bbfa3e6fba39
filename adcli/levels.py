"""Evaluation of a large graph at one point, level by level, with numpy.

A node's level is one more than the highest level among its inputs, so all
nodes of a level can be computed at once.  Nodes of one level with the same
op and arity form a group: the forward pass is one numpy call per group (the
op-table rule, with numpy as ``xp``, on gathered input values), the backward
pass one call per group and input slot, scattering adjoint contributions.
On wide graphs (sums of many terms) that is a few dozen numpy calls in all,
instead of a Python-level step per node.
"""
import numpy as np

from . import npspace
from .evaluate import levels


class Group:
    """Op nodes of one level sharing op and arity."""

    __slots__ = ("op", "out", "inputs", "slots", "unique", "fixed")

    def __init__(self, graph, op, nodes, constant):
        self.op = op
        self.out = np.array(nodes, dtype=np.intp)
        # inputs[k] holds input k of every node: shape (arity, nodes)
        self.inputs = np.array([graph.args[n] for n in nodes], dtype=np.intp).T.copy()
        if op.variadic:  # all slots scatter at once (backward)
            self.slots = []
            self.unique = ([], _is_unique(self.inputs.ravel()))
            self.fixed = []
            return
        # input slots that reach at least one non-constant node
        self.slots = [k for k in range(len(self.inputs)) if not constant[self.inputs[k]].all()]
        self.unique = ([_is_unique(row) for row in self.inputs], False)
        # a slot holding one constant for every node (the 2 of x**2, the 100
        # of 100*x) is passed as a Python float: numpy's scalar fast paths
        self.fixed = [_same_constant(graph, row, constant) for row in self.inputs]

    def gather(self, values):
        """The inputs' values: a 2-D stack (variadic ops) or one array or
        float per slot."""
        if self.op.variadic:
            return values[self.inputs]
        return [values[row] if fixed is None else fixed
                for row, fixed in zip(self.inputs, self.fixed)]


def _same_constant(graph, row, constant):
    if not constant[row].all():
        return None
    first = graph.initial_values[row[0]]
    return first if all(graph.initial_values[i] == first for i in row.tolist()) else None


class Plan:
    """The groups of a graph in level order, built once and reused."""

    def __init__(self, graph, level):
        buckets = {}
        for node in graph.op_nodes:
            op = graph.ops[node]
            key = (level[node], id(op), len(graph.args[node]))
            buckets.setdefault(key, (op, []))[1].append(node)
        constant = np.zeros(len(graph.ops), dtype=bool)
        constant[[i for i, op in enumerate(graph.ops) if op == "const"]] = True
        self.groups = [Group(graph, op, nodes, constant) for _, (op, nodes) in sorted(
            buckets.items(), key=lambda item: item[0][:1])]
        self.initial = np.array(graph.initial_values, dtype=np.float64)
        self.var_nodes = np.array(graph.var_nodes, dtype=np.intp)
        self.output = graph.output


def _is_unique(index):
    return len(np.unique(index)) == len(index)


def plan(graph):
    return graph.cached("level_plan", lambda g: Plan(g, levels(g)))


def forward(plan_, point):
    """Values of every node as a float64 array; also the gathered inputs of
    each group, which the backward pass reuses."""
    values = plan_.initial.copy()
    values[plan_.var_nodes] = point
    gathered = []
    with np.errstate(all="ignore"):
        for group in plan_.groups:
            args = group.gather(values)
            op = group.op
            values[group.out] = op.forward(npspace, args) if op.variadic else op.forward(npspace, *args)
            gathered.append(args)
    return values, gathered


def backward(plan_, values, gathered):
    """Adjoints of every node as a float64 array."""
    adjoints = np.zeros_like(values)
    adjoints[plan_.output] = 1.0
    with np.errstate(all="ignore"):
        for group, args in zip(reversed(plan_.groups), reversed(gathered)):
            adjoint = adjoints[group.out]
            ans = values[group.out]
            op = group.op
            if op.variadic:
                contribution = adjoint * op.partials(npspace, ans, args)
                _scatter(adjoints, group.inputs.ravel(), contribution.ravel(), group.unique[1])
                continue
            for k in group.slots:
                contribution = adjoint * op.partials[k](npspace, ans, *args)
                _scatter(adjoints, group.inputs[k], contribution, group.unique[0][k])
    return adjoints


def _scatter(target, index, contribution, unique):
    if unique:
        target[index] += contribution
    else:  # repeated targets must accumulate, which fancy += does not
        np.add.at(target, index, contribution)
