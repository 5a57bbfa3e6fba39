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
from ..graph import op_text
from ..ops import param_text

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
    ``wrt``) with every intermediate number.  An array graph (array ops or
    data, or a point binding arrays) gives an ArrayExplanation of reverse
    mode, ``wrt`` then naming the variables differentiated (default all)."""
    graph = api.parse(expr, variables)
    if output is not None:
        graph = graph.select(output)
    if api._arrays(graph, at, None) is not None:
        if mode == "forward":
            raise points.PointError("explain shows reverse mode on array graphs; drop "
                                    "--mode forward (adcli jvp gives forward-mode products)")
        return explain_array_point(graph, at, wrt)
    graph, point, _ = api.prologue(graph, at)
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


# --- array graphs -------------------------------------------------------------------
# explain on a graph whose nodes hold arrays: per node its shape, a summary of
# its value and of its adjoint, and its reverse rule as a matrix formula (for
# y = A @ x: x̄ = Aᵀ·ȳ), once with the op's own letters (ops.Op.adjoint; for
# the elementwise ops built from their partial_text) and once with the
# graph's names (x̄ += Aᵀ·v̄4).  Formulas name variables by their names and op
# nodes by their node names (v4); a bar marks an adjoint (v̄4, Ā).

#: an array of at most this many entries is summarized whole, inline: [1, 2, 3]
INLINE_ENTRIES = 10
#: a longer vector shows this many entries at each end: [1, 2, 3, ..., 8, 9, 10]
EDGE_ENTRIES = 3
#: significant digits of the entries of a summarized array (a scalar is shown
#: whole); --precision replaces it
SUMMARY_DIGITS = 6
_BAR = "\u0304"


@dataclass
class ArrayRule:
    """node -> input: how the node's adjoint reaches that input's."""

    source: str  # the input's node name (v1)
    target: str  # the node's (v4)
    formula: str  # with the op's letters: "x̄ = Aᵀ·ȳ"
    here: str  # with the graph's names: "x̄ += Aᵀ·v̄4"


@dataclass
class ArrayStep:
    """One node of an array graph: what it computes, its shape, its value and
    adjoint (None when it depends on no variable of wrt: no adjoint formed)."""

    node: str  # v4
    computes: str  # "A @ x", "input A", "sum(v6)"
    label: str  # the variable's name, or the name a program gave the node
    shape: tuple
    value: object  # ndarray or float
    adjoint: object = None
    rules: list = field(default_factory=list)  # ArrayRules to the active inputs
    op: str = ""  # the op's name ("" for an input or a constant)
    notes: list = field(default_factory=list)
    arguments: list = field(default_factory=list)  # node names of its non-constant inputs

    @property
    def rule(self):
        """The node's reverse rule with the graph's names, one statement per
        active input ("" for an input or a node passing nothing back)."""
        return "; ".join(r.here for r in self.rules)


@dataclass
class OpRule:
    """One op of the graph with its reverse rule in its own letters."""

    op: str  # the op's name, with its parameters when it has any ("sum axis=0")
    computes: str  # "y = A @ B"
    formulas: list  # ["Ā = ȳ·Bᵀ", "B̄ = Aᵀ·ȳ"]


@dataclass
class ArrayExplanation:
    expression: str
    variables: tuple
    wrt: tuple  # the variables differentiated
    point: dict  # every variable's value
    output: str  # the output node's name
    value: object
    steps: list  # ArraySteps, in evaluation order: inputs, then op nodes
    op_rules: list  # OpRules, one per op of the graph, in order of first use
    output_name: str = "f"  # the output's own name (f, or a program's name)

    @property
    def gradient(self):
        """wrt name -> its gradient (the adjoint of its input node)."""
        by_label = {s.label: s for s in self.steps if s.computes.startswith("input ")}
        return {name: by_label[name].adjoint for name in self.wrt}

    def rows(self, precision=None):
        """(node, computes, shape, value summary, adjoint summary, rule): one
        per node, in evaluation order; the adjoint "-" when none is formed."""
        return [(s.node, s.computes, shape_text(s.shape), summary(s.value, precision),
                 "-" if s.adjoint is None else summary(s.adjoint, precision), s.rule)
                for s in self.steps]


def explain_arrays(graph, values, adjoints, wrt=None):
    """The explanation of an array graph's gradient: graph as the array
    interpreter runs it (graph.for_arrays(), as array_api.bind returns it),
    values from engine.arrays.forward, adjoints from
    engine.arrays.backward(graph, values, wrt=wrt, keep=True), wrt the
    variable names differentiated (None: all)."""
    from ..engine import arrays

    wrt = tuple(graph.variables if wrt is None else wrt)
    active = arrays.active_nodes(graph, wrt)
    shapes = arrays.node_shapes(graph, values)
    names = graph.node_names()
    steps, seen = [], {}
    for node in graph.var_nodes + graph.op_nodes:
        op = graph.ops[node]
        is_input = graph.is_variable(node)
        step = ArrayStep(names[node], array_node_text(graph, node), _step_label(graph, node),
                         tuple(shapes[node]), values[node],
                         adjoints[node] if active[node] else None,
                         op="" if is_input else op.name)
        if not is_input:
            step.rules = _array_rules(graph, node, shapes, active)
            step.arguments = [names[a] for a in graph.args[node] if not graph.is_constant(a)]
            key = _op_title(op)  # one row per op and parameters (an index's aside)
            if key not in seen:
                seen[key] = OpRule(_op_title(op), generic_text(op), list(rule_formulas(op)))
        step.notes = _array_notes(graph, node, values, adjoints if active[node] else None)
        steps.append(step)
    output = graph.output
    return ArrayExplanation(graph.source.strip(), graph.variables, wrt,
                            {name: values[v] for name, v in zip(graph.variables, graph.var_nodes)},
                            names[output], values[output], steps, list(seen.values()),
                            graph.output_names[list(graph.outputs).index(output)])


def explain_arrays_at(graph, point, wrt=None):
    """forward, backward (keep=True) and explain_arrays at a point (graph.variables
    order, floats or arrays): what adcli explain calls on an array graph."""
    from ..engine import arrays

    graph = graph.for_arrays()
    values = arrays.forward(graph, point)
    adjoints = arrays.backward(graph, values, wrt=wrt, keep=True)
    return explain_arrays(graph, values, adjoints, wrt)


def explain_array_point(graph, at, wrt=None):
    """explain_arrays_at after array_api.bind: at as the API takes it (text
    'A=[[1,2]],x=[1,1]', a mapping, values in variable order), wrt names or
    "x,y" text; the point's shapes are checked before anything runs."""
    from .. import array_api

    graph, point, wrt = array_api.bind(graph, at, wrt)
    return explain_arrays_at(graph, point, wrt)


def _step_label(graph, node):
    if graph.is_variable(node):
        return graph.variable_name(node)
    return graph.labels.get(node, "")


def bar(name):
    """The adjoint's name: a bar over the last letter of the name's leading
    letters (x̄, Ā, v̄4, x̄_1)."""
    k = 0
    while k < len(name) and name[k].isalpha():
        k += 1
    k = max(k, 1)
    return name[:k] + _BAR + name[k:]


def shape_text(shape):
    """(2, 3), (3,), () as numpy prints shapes; () reads "scalar"."""
    shape = tuple(shape)
    if not shape:
        return "scalar"
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def summary(value, precision=None):
    """A value in a few characters: a scalar whole (or to precision), an array
    of at most INLINE_ENTRIES entries inline ([1, 2, 3], [[1, 2], [3, 4]]), a
    longer vector by its ends ([1, 2, 3, ..., 8, 9, 10]), a larger array by
    its least and greatest finite entries, each entry to SUMMARY_DIGITS
    significant digits unless precision says otherwise."""
    import numpy as np

    from ..graph import format_number

    array = np.asarray(value)
    if array.ndim == 0:
        return format_number(float(array), precision)
    digits = SUMMARY_DIGITS if precision is None else precision

    def number(v):
        return format_number(float(v), digits)

    if array.size <= INLINE_ENTRIES:
        return _nested_text(array, number)
    if array.ndim == 1:
        ends = [number(v) for v in array[:EDGE_ENTRIES]] + ["..."] \
            + [number(v) for v in array[-EDGE_ENTRIES:]]
        return "[" + ", ".join(ends) + "]"
    finite = np.isfinite(array)
    bad = int(array.size - np.count_nonzero(finite))
    parts = []
    if bad < array.size:
        entries = array[finite]
        parts.append(f"min {number(entries.min())}, max {number(entries.max())}")
    if bad:
        parts.append(f"{bad:,} of {array.size:,} not finite")
    return "; ".join(parts)


def _nested_text(array, number):
    """[[1, 2], [3, 4]]: nested lists of entries (a loop over the rows; an
    inline array is small)."""
    if array.ndim == 1:
        return "[" + ", ".join(number(v) for v in array) + "]"
    if array.shape[0] == 0:
        return "[]"
    return "[" + ", ".join(_nested_text(row, number) for row in array) + "]"


def _operand(graph, node):
    """An argument as formulas write it: a variable by its name, an op node
    by its node name, a constant by its value."""
    if graph.is_variable(node):
        return graph.variable_name(node)
    if graph.is_constant(node):
        value = graph.initial_values[node]
        if hasattr(value, "shape") and value.shape:
            return summary(value)
        return graph.operand_text(node)
    return graph.node_names()[node]


def array_node_text(graph, node):
    """What a node computes: "A @ x", "v5[1:]", "sum(v6, axis=0)", "input A"."""
    if graph.is_variable(node):
        return "input " + graph.variable_name(node)
    if graph.is_constant(node):
        return _operand(graph, node)
    return op_text(graph.ops[node], [_operand(graph, a) for a in graph.args[node]])


def _letters(op, count=None):
    """(argument letters, value letter) of op's formulas: its arg_names (x
    for one argument, x and y for two, x1, x2, ... for a variadic op) and y,
    or z when an argument is named y."""
    if op.variadic:
        args = tuple(f"x{k}" for k in range(1, (count or 2) + 1))
    elif op.arg_names:
        args = tuple(op.arg_names)
    else:
        args = ("x",) if op.nargs == 1 else ("x", "y")[:op.nargs or 0]
    return args, ("z" if "y" in args else "y")


def generic_text(op):
    """y = A @ B: what the op computes, in the letters of its formulas."""
    args, out = _letters(op)
    if op.variadic:
        if op.array:
            return f"{out} = [x1, x2, ...]"
        if op.kind == "infix":
            return f"{out} = x1 {op.symbol} x2 {op.symbol} ..."
        return f"{out} = {op.name}(x1, x2, ...)"
    if op.name == "index" and op.array:
        return f"{out} = x[i]"
    return f"{out} = " + op_text(op, list(args))


def _op_title(op):
    shown = [f"{k}={_param_short(v)}" for k, v in op.params if v is not None and k != "index"]
    return " ".join([op.name] + shown)


def _param_short(value):
    from .. import ops
    return ops._param_text(value)


def rule_formulas(op):
    """The op's reverse rule, one formula per argument (variadic: one), in its
    own letters: an array op's Op.adjoint; an elementwise op's from its
    partial_text, summed over the broadcast axes ("x̄ = unbroadcast(ȳ ⊙ cos(x))")."""
    if op.array:
        import unicodedata
        return tuple(unicodedata.normalize("NFC", text) for text in op.adjoint)
    args, out = _letters(op)
    if op.variadic:
        return (_elementwise_formula(op.partial_text[0], "xₖ", out, args, unbroadcast=True),)
    return tuple(_elementwise_formula(text, arg, out, args, unbroadcast=True)
                 for text, arg in zip(op.partial_text, args))


def _elementwise_formula(template, arg, out, operands, unbroadcast, value_name=None,
                         accumulate=False):
    """"x̄ = unbroadcast(ȳ ⊙ cos(x))" from the partial's template."""
    if "{" in template:
        partial = _tidy(template.format(*operands, f=value_name or out))
    else:
        partial = template
    g = bar(out)
    if partial == "1":
        term = g
    elif partial == "-1":
        term = "-" + g
    elif partial == "0":
        term = "0"
    else:
        simple = partial.replace("_", "").isalnum()
        term = f"{g} ⊙ {partial if simple else '(' + partial + ')'}"
    if unbroadcast and term != "0":
        term = f"unbroadcast({term})"
    import unicodedata

    left = "x" + _BAR + "ₖ" if arg == "xₖ" else bar(arg)  # x̄ₖ: the bar on the x
    return unicodedata.normalize("NFC", f"{left} {'+=' if accumulate else '='} {term}")


#: a single letter, with its bar when it has one, standing alone
def _symbols():
    import re
    return re.compile(r"(?<![A-Za-z0-9_])([A-Za-z])(\u0304?)(?![A-Za-z0-9_])")


def _instantiate(formula, mapping, index_text=None):
    """formula in the op's letters -> in the graph's names: mapping sends a
    letter to a name (its bar to the name's bar); "x̄ = ..." becomes
    "x̄ += ..." (each consumer adds its share)."""
    import unicodedata

    formula = unicodedata.normalize("NFD", formula)
    if index_text is not None:
        formula = formula.replace("[i]", f"[{index_text}]")
    left, sep, right = formula.partition(" = ")
    if sep:
        formula = f"{left} += {right}"

    def replace(match):
        letter, barred = match.group(1), match.group(2)
        if letter not in mapping:
            return match.group(0)
        return bar(mapping[letter]) if barred else mapping[letter]
    return unicodedata.normalize("NFC", _symbols().sub(replace, formula))


def _array_rules(graph, node, shapes, active):
    """The ArrayRules of a node toward its active inputs."""
    op = graph.ops[node]
    args = graph.args[node]
    names = graph.node_names()
    operands = [_operand(graph, a) for a in args]
    me = names[node]
    rules = []
    if op.array:
        letters, out = _letters(op, len(args))
        formulas = rule_formulas(op)
        for k, a in enumerate(args):
            if not active[a]:
                continue
            if op.variadic:  # stack: x̄ₖ = ȳ[k]
                formula = formulas[0]
                here = _instantiate(formula.replace("ₖ", "").replace("[k]", f"[{k}]"),
                                    {"x": operands[k], out: me})
            else:
                formula = formulas[k]
                mapping = dict(zip(letters, operands))
                mapping[out] = me
                index = param_text(dict(op.params).get("index", ())) \
                    if op.name == "index" else None
                here = _instantiate(formula, mapping, index)
            rules.append(ArrayRule(names[a], me, formula, here))
        return rules
    generic = rule_formulas(op)
    for k, a in enumerate(args):
        if not active[a]:
            continue
        template = op.partial_text[0 if op.variadic else k] if op.partial_text else "?"
        here = _elementwise_formula(template, operands[k], me, operands,
                                    unbroadcast=tuple(shapes[a]) != tuple(shapes[node]),
                                    value_name=me, accumulate=True)
        rules.append(ArrayRule(names[a], me, generic[0 if op.variadic else k], here))
    return rules


def _kinks(graph, node, values):
    """How many entries of an elementwise node sit at its op's kink (abs at 0,
    relu at 0, max at a tie): 0 for an input or an op without one."""
    import numpy as np

    from ..engine import arrays

    op = graph.ops[node]
    if graph.is_variable(node) or op.array or op.kink is None:
        return 0
    inputs = [values[a] for a in graph.args[node]]
    shape = np.shape(values[node])
    if op.variadic:  # max, min: a tie (counted here: a sum of numpy bools stays a bool)
        ties = sum(np.equal(v, values[node]).astype(np.int64) for v in inputs)
        return int(np.count_nonzero(np.broadcast_to(ties > 1, shape)))
    with np.errstate(all="ignore"):
        at = op.kink(arrays.NAMESPACE, values[node], *inputs)
    return int(np.count_nonzero(np.broadcast_to(at, shape)))


def _array_notes(graph, node, values, adjoints):
    """Where a non-finite entry starts (not where it passes by)."""
    import numpy as np

    def bad(value):
        return int(np.size(value) - np.count_nonzero(np.isfinite(value)))

    notes = []
    kinks = _kinks(graph, node, values)
    if kinks:
        notes.append(f"kink at {kinks:,} of {np.size(values[node]):,} entries: the derivative "
                     "takes the documented convention there")
    count = bad(values[node])
    if count:
        inputs_finite = all(bad(values[a]) == 0 for a in graph.args[node])
        where = "outside the domain of this op" if inputs_finite else "passed on from an input"
        notes.append(f"value: {count:,} of {np.size(values[node]):,} entries not finite, {where}")
    if adjoints is not None and adjoints[node] is not None and bad(adjoints[node]):
        notes.append(f"adjoint: {bad(adjoints[node]):,} entries not finite")
    return notes
