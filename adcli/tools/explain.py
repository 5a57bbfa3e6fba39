"""The method made visible (adcli explain, adcli graph): the tape, the forward
pass, the local partials as formulas and numbers, the backward pass as sums
of contributions, and the chain rule as a sum over paths.

For f = 3*(x1**2 + x2*x3) at (2, 3, 4): df/dx1 is the one path
x1 -> x4 -> x6 -> x7 with local partials 2*x1 = 4, 1 and 3, whose product 12
is the adjoint of x1.
"""
from dataclasses import dataclass, field

from .. import api, points
from ..engine import reverse
from ..engine.nonfinite import scalar_text

#: enumerate the paths of an input only when it has at most this many
MAX_PATHS = 64
#: the paths listed, all inputs together, hold at most this many nodes, or
#: PATH_NODES_PER_NODE per node of a larger graph: a chain of n sums has n
#: inputs whose paths hold n**2/2 nodes
MAX_PATH_NODES = 10_000
PATH_NODES_PER_NODE = 4
#: path counts saturate here (2**53, exact as a float and in JSON): a graph
#: that doubles its paths at each of n nodes would otherwise carry n-bit counts
MAX_COUNT = 2 ** 53


@dataclass
class Edge:
    """input -> node: the local partial d node / d input, formula and number."""

    source: str
    target: str
    formula: str
    partial: float


@dataclass
class Step:
    """One node of the tape with everything both passes know about it."""

    node: str
    computes: str  # "x1**2", "input x1"
    value: float
    label: str = ""  # the name a program gave it (px, c), or the variable's name
    inputs: list = field(default_factory=list)  # Edges into this node
    adjoint: float = 0.0
    contributions: list = field(default_factory=list)  # Edges out, for the backward sum
    tangent: float = None  # forward mode: d node / d wrt
    kink: bool = False
    notes: list = field(default_factory=list)  # why a value is not finite, kinks


@dataclass
class Paths:
    """The chain rule for one input: every path to the output, or their count."""

    variable: str
    node: str
    count: int  # at most MAX_COUNT: "at least" when equal to it
    paths: list  # [(node names, [Edge], product)], empty when not listed
    total: float  # the sum of the products: the adjoint, the gradient component
    unlisted: str = ""  # why the paths are not listed ("" when they are, or there are none)


@dataclass
class Explanation:
    expression: str
    variables: tuple
    point: dict
    output: str  # the output node's name
    value: float
    steps: list  # in evaluation order: inputs, then op nodes
    paths: list  # one Paths per input (reverse mode)
    mode: str  # "reverse" or "forward"
    wrt: str = None  # forward mode: the variable pushed through
    passes: dict = field(default_factory=dict)  # {"forward": n, "reverse": 1}

    @property
    def gradient(self):
        return {p.variable: p.total for p in self.paths}


def explain(expr, at, *, variables=None, output=None, mode="reverse", wrt=None,
            max_paths=MAX_PATHS):
    """Both passes of reverse mode (or the tangent pass of forward mode along
    ``wrt``) with every intermediate number."""
    graph, point, _ = api.prologue(expr, at, variables=variables, output=output)
    values = reverse.forward(graph, point)
    adjoints = reverse.backward(graph, values)
    names = graph.node_names()
    steps, by_node = _steps(graph, values, adjoints, names)
    explanation = Explanation(
        graph.source.strip(), graph.variables, dict(zip(graph.variables, point)),
        names[graph.output], float(values[graph.output]), steps,
        _all_paths(graph, by_node, names, max_paths), mode,
        passes={"forward": len(graph.variables), "reverse": 1})
    if mode == "forward":
        explanation.wrt = _wrt(graph, wrt)
        _tangents(graph, steps, by_node, explanation.wrt)
    return explanation


def _steps(graph, values, adjoints, names):
    order = graph.var_nodes + graph.op_nodes
    steps, by_node = [], {}
    for node in order:
        step = Step(names[node], graph.node_text(node), float(values[node]),
                    adjoint=float(adjoints[node]))
        if graph.is_variable(node):
            step.label = graph.variable_name(node)
        else:
            step.label = graph.labels.get(node, "")
            step.inputs = _edges_into(graph, values, node, names)
            step.kink = reverse.is_kink(graph, values, node)
        steps.append(step)
        by_node[node] = step
    for node in graph.op_nodes:  # each input learns where its adjoint comes from
        for edge, source in zip(by_node[node].inputs, _active_inputs(graph, node)):
            by_node[source].contributions.append(edge)
    value_of = {step.node: step.value for step in steps}
    for step in steps:
        step.notes = _notes(step, value_of)
    return steps, by_node


def _active_inputs(graph, node):
    return [i for i in graph.args[node] if not graph.is_constant(i)]


def _edges_into(graph, values, node, names):
    op = graph.ops[node]
    inputs = graph.args[node]
    operands = [graph.operand_text(i) for i in inputs]
    edges = []
    partials = reverse.local_partials(graph, values, node)
    slots = [k for k, i in enumerate(inputs) if not graph.is_constant(i)]
    for slot, (i, partial) in zip(slots, partials):
        template = op.partial_text[0 if op.variadic else slot] if op.partial_text else "?"
        formula = template.format(*operands, f=names[node]) if "{" in template else template
        edges.append(Edge(names[i], names[node], _tidy(formula), float(partial)))
    return edges


def _tidy(formula):
    """Fold what constants make trivial: x**(2 - 1) reads x**1, then x."""
    import re

    formula = re.sub(r"\((-?\d+(?:\.\d+)?) - 1\)",
                     lambda m: _number(float(m.group(1)) - 1), formula)
    return re.sub(r"\*\*1(?![\d.])", "", formula)


def _number(value):
    from ..graph import format_number
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def _notes(step, value_of):
    """Kinks, and where a non-finite number starts (not where it passes by)."""
    import math

    notes = []
    if step.kink:
        notes.append("kink: the derivative takes the documented convention here")
    inputs_finite = all(math.isfinite(value_of[e.source]) for e in step.inputs)
    if not math.isfinite(step.value):
        value = scalar_text(step.value)
        notes.append(f"value {value}: outside the domain of {step.computes}"
                     if inputs_finite else f"value {value}, passed on from an input")
    for edge in step.inputs:
        if not math.isfinite(edge.partial) and inputs_finite:
            kind = "infinite slope" if math.isinf(edge.partial) else "no derivative here"
            notes.append(f"d{step.node}/d{edge.source} = "
                         f"{scalar_text(edge.partial)}: {kind}")
    if not math.isfinite(step.adjoint):
        notes.append(f"adjoint {scalar_text(step.adjoint)}")
    return notes


def _all_paths(graph, by_node, names, max_paths):
    """For each input: how many paths reach the output, and (when few and
    short enough) each path with the product of its local partials.
    Iterative, never recursive; the listing is bounded by the graph's size."""
    counts, lengths = {graph.output: 1}, {graph.output: 0}
    for node in reversed(graph.var_nodes + graph.op_nodes):
        if node != graph.output:  # lengths: the edges of all paths from node, together
            targets = [_node_of(graph, e.target) for e in by_node[node].contributions]
            counts[node] = min(MAX_COUNT, sum(counts[t] for t in targets))
            lengths[node] = min(MAX_COUNT, sum(lengths[t] + counts[t] for t in targets))
    budget = max(MAX_PATH_NODES, PATH_NODES_PER_NODE * len(by_node))
    result = []
    for variable, node in zip(graph.variables, graph.var_nodes):
        count = counts[node]
        size = lengths[node] + count  # the nodes of its paths: edges and a start each
        unlisted = ("too many to list" if count > max_paths else
                    "too long to list (the paths listed, all inputs together, are bounded "
                    "by the size of the graph)" if size > budget else "")
        paths = _enumerate(graph, by_node, node) if count and not unlisted else []
        budget -= 0 if unlisted else size
        result.append(Paths(variable, names[node], count, paths, by_node[node].adjoint,
                            unlisted))
    return result


def _node_of(graph, name):
    return graph.cached("node_by_name", lambda g: {n: i for i, n in enumerate(g.node_names())
                                                   if n is not None})[name]


def _enumerate(graph, by_node, start):
    """Every path from start to the output, depth first.  Each prefix of a
    path is stored once, as its last edge and a link to the prefix before it,
    so the search costs the total length of the paths, not its square."""
    prefixes = [(None, None, 1.0)]  # (index of the shorter prefix, last edge, product)
    stack = [(start, 0)]
    paths = []
    while stack:
        node, prefix = stack.pop()
        if node == graph.output:
            paths.append(_path(prefixes, prefix, by_node[start].node))
            continue
        product = prefixes[prefix][2]
        for edge in reversed(by_node[node].contributions):
            prefixes.append((prefix, edge, product * edge.partial))
            stack.append((_node_of(graph, edge.target), len(prefixes) - 1))
    return paths


def _path(prefixes, index, first):
    """(node names, edges, product) of the path ending at prefix index."""
    product = prefixes[index][2]
    edges = []
    while prefixes[index][0] is not None:
        index, edge, _ = prefixes[index]
        edges.append(edge)
    edges.reverse()
    return [first] + [e.target for e in edges], edges, product


def _wrt(graph, wrt):
    if wrt is None:
        if len(graph.variables) == 1:
            return graph.variables[0]
        raise points.PointError("forward mode pushes one input through: choose it with wrt "
                                f"(--wrt), one of {', '.join(graph.variables)}")
    if wrt not in graph.variable_index():
        raise points.PointError(f"{wrt} is not a variable (variables: "
                                f"{', '.join(graph.variables)})")
    return wrt


def _tangents(graph, steps, by_node, wrt):
    """d node / d wrt for every node: the seed 1 at wrt, then the sum over each
    node's inputs of partial * tangent."""
    tangent_of = {}
    for step in steps:
        if not step.inputs and step.computes.startswith("input"):
            step.tangent = 1.0 if step.label == wrt else 0.0
        else:
            step.tangent = sum(edge.partial * tangent_of[edge.source] for edge in step.inputs)
        tangent_of[step.node] = step.tangent
