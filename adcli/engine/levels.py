"""Evaluation of a large graph at one point, level by level, with numpy.

A node's level is one more than the highest level among its inputs, so all
nodes of a level can be computed at once.  Nodes of one level with the same
op and arity form a group: the forward pass is one numpy call per group (the
op-table rule, with adcli.engine.vectorized as ``xp``, on gathered input values), the
backward pass one call per group and input slot, scattering adjoint
contributions.  On wide graphs (sums of many terms) that is a few dozen numpy
calls in all, instead of a Python-level step per node.  The groups and the
order in which adjoints add up are reverse.py's, so the bits are the scalar
loop's.
"""
import numpy as np

from . import vectorized
from .reverse import Grouping, groups


class Group:
    """Op nodes of one level sharing op and arity."""

    __slots__ = ("op", "out", "inputs", "slots", "targets", "unique", "fixed")

    def __init__(self, tape, nodes, constant, columns, scratch):
        """nodes: the group's nodes (an intp array); columns: the tape's
        (offsets, inputs) as numpy arrays; scratch: the Plan's reached
        flags, marks (see _is_unique) and two buffers of the largest group's
        length, of the columns' types."""
        offsets, flat = columns
        first = int(nodes[0])
        self.op = op = tape.op_of(first)
        self.out = nodes
        arity = int(offsets[first + 1] - offsets[first])
        # inputs[k] holds input k of every node: shape (arity, nodes)
        self.inputs = inputs = np.empty((arity, len(nodes)), dtype=np.intp)
        begins = offsets[nodes]
        if arity > len(nodes):  # a few nodes of many inputs (long sums): slices
            for j, begin in enumerate(begins.tolist()):
                inputs[:, j] = flat[begin:begin + arity]
        else:  # slot by slot through one reused buffer (its pages already mapped)
            where, found = scratch[2][:len(nodes)], scratch[3][:len(nodes)]
            for k in range(arity):
                np.add(begins, k, out=where)
                inputs[k] = np.take(flat, where, out=found)
        del begins
        # a slot holding one constant for every node (the 2 of x**2, the 100
        # of 100*x) is passed as a Python float: numpy's scalar fast paths
        self.fixed = ([None] * arity if op.variadic else
                      [_same_constant(tape, row, constant) for row in inputs])
        # input slots that reach at least one non-constant node
        self.slots = (range(arity) if op.variadic else
                      [k for k in range(arity)
                       if not _all_constant(inputs[k], self.fixed[k], constant)])
        # where an input takes several of the group's contributions, the
        # backward pass adds them node by node, each node's slots in order:
        # the order of reverse.backward
        rows = (inputs if op.variadic or len(self.slots) == arity else
                inputs[self.slots[0]:self.slots[0] + 1] if len(self.slots) == 1 else
                inputs[self.slots])
        self.unique = _is_unique(rows, *scratch[:2])
        self.targets = None if self.unique else rows.T.ravel()

    def gather(self, values):
        """The inputs' values: a 2-D stack (variadic ops) or one array or
        float per slot."""
        if self.op.variadic:
            return values[self.inputs]
        return [values[row] if fixed is None else fixed
                for row, fixed in zip(self.inputs, self.fixed)]


def _all_constant(row, fixed, constant):
    """Is every node of row a constant?  Asked of the nodes only when the
    first is one and the row holds several."""
    return fixed is not None or bool(constant[row[0]]) and bool(constant[row].all())


def _same_constant(tape, row, constant):
    """The value when every node has the same constant node here (the
    builder makes one node per constant, 0.0 and -0.0 apart), else None."""
    if constant[row[0]] and (row == row[0]).all():
        return tape.value_of(int(row[0]))
    return None


class Plan:
    """The groups of a graph in level order, built once and reused.  Made
    from the graph's tape (typed arrays, read by numpy without a copy) and
    reverse.groups, never from its per-node lists."""

    def __init__(self, graph):
        tape = graph.tape
        # the constants (node, value), made into a values array at each forward
        # pass rather than kept as a copy of it
        self.size = len(tape)
        self.constant_nodes = np.fromiter(tape.constants, dtype=np.intp,
                                          count=len(tape.constants))
        self.constant_values = np.fromiter(tape.constants.values(), dtype=np.float64,
                                           count=len(tape.constants))
        # a flag per constant node (floats and data arrays), from the tape's
        # dicts of them rather than a scan of every node's code
        constant = np.zeros(len(tape), dtype=bool)
        constant[self.constant_nodes] = True
        constant[np.fromiter(tape.arrays, dtype=np.intp, count=len(tape.arrays))] = True
        columns = tape.numpy_inputs()
        grouping = groups(graph)
        if isinstance(grouping, Grouping):
            members = [grouping.members(k) for k in range(len(grouping))]
        else:
            members = [np.array(nodes, dtype=np.intp) for nodes in grouping]
        # nodes some contribution reaches start from -0.0, which adds as an
        # exact identity (0.0 + -0.0 would be 0.0); the rest stay 0.0, as in
        # reverse.backward
        self.reached = np.zeros(len(tape), dtype=bool)
        largest = max((len(nodes) for nodes in members), default=0)
        scratch = (self.reached, np.empty(len(tape), dtype=np.int32),
                   np.empty(largest, dtype=columns[0].dtype),
                   np.empty(largest, dtype=columns[1].dtype))
        self.groups = [Group(tape, nodes, constant, columns, scratch) for nodes in members]
        self.var_nodes = np.fromiter(graph.var_nodes, dtype=np.intp, count=len(graph.var_nodes))
        # the one output backward seeds; a plan of several outputs serves values only
        self.output = graph.outputs[0] if len(graph.outputs) == 1 else None


def _is_unique(rows, reached, marks):
    """No node twice in rows?  Flags the nodes reached, then: rows read in
    order ascending hold no node twice; otherwise each position writes its
    own number at its node in marks and reads it back, and a node held
    twice keeps one writer's number, so another position reads a number
    not its own.  Linear in the graph, where sorting would not be."""
    reached[rows] = True
    ordered = rows.ravel()
    if bool((ordered[1:] > ordered[:-1]).all()):
        return True
    positions = np.arange(rows.size, dtype=np.int32).reshape(rows.shape)
    marks[rows] = positions
    return bool(np.array_equal(marks[rows], positions))


def plan(graph):
    return graph.cached("level_plan", Plan)


def forward(plan_, point):
    """Values of every node as a float64 array; also the gathered inputs of
    each group, which the backward pass reuses."""
    values = np.zeros(plan_.size, dtype=np.float64)
    values[plan_.constant_nodes] = plan_.constant_values
    values[plan_.var_nodes] = point
    gathered = []
    with np.errstate(all="ignore"):
        for group in plan_.groups:
            args = group.gather(values)
            op = group.op
            values[group.out] = op.forward(vectorized, args) if op.variadic else op.forward(vectorized, *args)
            gathered.append(args)
    return values, gathered


def backward(plan_, values, gathered):
    """Adjoints of every node as a float64 array."""
    adjoints = np.zeros_like(values)
    adjoints[plan_.reached] = -0.0
    adjoints[plan_.output] = 1.0
    with np.errstate(all="ignore"):
        for group, args in zip(reversed(plan_.groups), reversed(gathered)):
            adjoint = adjoints[group.out]
            ans = values[group.out]
            op = group.op
            if op.variadic:
                contributions = adjoint * op.partials(vectorized, ans, args)
            else:
                contributions = [adjoint * op.partials[k](vectorized, ans, *args)
                                 for k in group.slots]
            _scatter(adjoints, group, contributions)
    return adjoints


def _scatter(adjoints, group, contributions):
    """Add the contributions (one row per slot) to the slots' inputs."""
    if not group.unique:  # in reverse.backward's order: np.add.at adds repeats in turn
        np.add.at(adjoints, group.targets, np.stack(contributions, axis=1).ravel())
    elif group.op.variadic:  # no input twice: one addition each, order is moot
        adjoints[group.inputs] += contributions
    else:
        for k, contribution in zip(group.slots, contributions):
            adjoints[group.inputs[k]] += contribution
