"""The computational graph: a flat tape of nodes in topological order.

A node is a variable (an input), a constant, or an op from the op table
applied to earlier nodes.  The builder hash-conses nodes by (op, inputs), so
an identical subexpression is one node, and folds ops whose inputs are all
constants.  A Graph is immutable once built and is evaluated at many points.
"""
import copy
import math
import re

from . import scalar
from .errors import ExpressionError

_VARIABLE = "var"
_CONSTANT = "const"


def natural_key(name):
    """Sort key putting x2 before x10: digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.findall(r"\d+|\D+", name)]


class GraphBuilder:
    """Appends nodes to a tape; the parser calls it once per reduction."""

    def __init__(self, source):
        self.source = source
        self.ops = []  # Op for op nodes, "var" or "const" for leaves
        self.args = []  # tuple of input node indices
        self.spans = []  # (start, end) of the node's first occurrence in source
        self.values = []  # constant values; 0.0 for other nodes
        self.var_index = {}
        self._interned = {}

    def _append(self, op, args, span, value=0.0):
        self.ops.append(op)
        self.args.append(args)
        self.spans.append(span)
        self.values.append(value)
        return len(self.ops) - 1

    def variable(self, name, span):
        index = self.var_index.get(name)
        if index is None:
            index = self.var_index[name] = self._append(_VARIABLE, (), span)
        return index

    def constant(self, value, span):
        key = (_CONSTANT, value, math.copysign(1.0, value))
        index = self._interned.get(key)
        if index is None:
            index = self._interned[key] = self._append(_CONSTANT, (), span, value)
        return index

    def is_constant(self, index):
        return self.ops[index] == _CONSTANT

    def apply(self, op, args, span):
        """The node for op(args): an existing identical node, a folded
        constant, or a new node."""
        key = (op, args)
        index = self._interned.get(key)
        if index is not None:
            return index
        if all(self.ops[a] == _CONSTANT for a in args):
            folded = _fold(op, [self.values[a] for a in args])
            if math.isfinite(folded):  # a non-finite one stays a node, to be reported
                return self.constant(folded, span)
        index = self._interned[key] = self._append(op, args, span)
        return index

    def build(self, output, variables=None):
        return Graph(self, output, _order_variables(self.var_index, variables))


def _fold(op, values):
    if op.variadic:
        return op.forward(scalar, values)
    return op.forward(scalar, *values)


def _order_variables(var_index, requested):
    if requested is None:
        return tuple(sorted(var_index, key=natural_key))
    requested = tuple(requested)
    unknown = [name for name in requested if name not in var_index]
    missing = [name for name in var_index if name not in requested]
    duplicated = sorted({name for name in requested if requested.count(name) > 1})
    problems = []
    if unknown:
        problems.append(f"not in the expression: {', '.join(unknown)}")
    if missing:
        problems.append(f"missing: {', '.join(sorted(missing, key=natural_key))}")
    if duplicated:
        problems.append(f"listed twice: {', '.join(duplicated)}")
    if problems:
        raise ExpressionError(
            "the variable order must name each variable of the expression once ("
            + "; ".join(problems) + ")", kind="variables")
    return requested


class Graph:
    """A parsed expression, ready to evaluate and differentiate.

    Node indices are tape positions.  ``variables`` is the input order;
    ``op_nodes`` lists the op nodes in evaluation order.
    """

    def __init__(self, builder, output, variables):
        self.source = builder.source
        self.ops = builder.ops
        self.args = builder.args
        self.spans = builder.spans
        self.initial_values = builder.values
        self.output = output
        self.variables = variables
        self.var_nodes = [builder.var_index[name] for name in variables]
        self.op_nodes = [i for i, op in enumerate(self.ops) if type(op) is not str]
        self._names = None
        self._cache = {}

    def with_variables(self, variables):
        """The same graph with another input order (shares the tape)."""
        index = dict(zip(self.variables, self.var_nodes))
        clone = copy.copy(self)
        clone.variables = _order_variables(index, variables)
        clone.var_nodes = [index[name] for name in clone.variables]
        clone._names = None
        clone._cache = {}
        return clone

    def __len__(self):
        return len(self.ops)

    def __repr__(self):
        return (f"<adcli.Graph {len(self.variables)} variables, "
                f"{len(self.op_nodes)} op nodes: {_abbreviate(self.source, 40)!r}>")

    def is_constant(self, index):
        return self.ops[index] == _CONSTANT

    def is_variable(self, index):
        return self.ops[index] == _VARIABLE

    def cached(self, key, make):
        """Per-graph memo for derived structures (evaluation plans)."""
        if key not in self._cache:
            self._cache[key] = make(self)
        return self._cache[key]

    # --- names in the textbook numbering ---------------------------------

    def node_prefix(self):
        """x when the inputs are x1..xn in order, else a letter no variable
        name could be confused with."""
        n = len(self.variables)
        if list(self.variables) == [f"x{i}" for i in range(1, n + 1)]:
            return "x"
        for prefix in ("v", "w", "u", "t", "z", "node"):
            if not self._prefix_taken(prefix):
                return prefix
        prefix = "node_"
        while self._prefix_taken(prefix):  # each variable blocks one prefix at most
            prefix += "_"
        return prefix

    def _prefix_taken(self, prefix):
        """True when a variable is named prefix + digits (v1 for prefix v)."""
        pattern = re.compile(re.escape(prefix) + r"\d+$")
        return any(pattern.match(name) for name in self.variables)

    def node_names(self):
        """Display name of every node: inputs x1..xn in variable order, op
        nodes continuing the count in evaluation order, constants None."""
        if self._names is None:
            prefix = self.node_prefix()
            names = [None] * len(self.ops)
            for k, index in enumerate(self.var_nodes, start=1):
                names[index] = f"{prefix}{k}"
            for k, index in enumerate(self.op_nodes, start=len(self.var_nodes) + 1):
                names[index] = f"{prefix}{k}"
            self._names = names
        return self._names

    def operand_text(self, index):
        if self.is_constant(index):
            text = format_number(self.initial_values[index])
            return f"({text})" if text.startswith("-") else text
        return self.node_names()[index]

    def node_text(self, index):
        """What the node computes, in terms of its inputs: x4 + x5, sin(x2)."""
        op = self.ops[index]
        if op == _VARIABLE:
            return "input " + self.variables[self.var_nodes.index(index)]
        if op == _CONSTANT:
            return format_number(self.initial_values[index])
        operands = [self.operand_text(a) for a in self.args[index]]
        if op.kind == "infix":
            separator = op.symbol if op.symbol in ("*", "**") else f" {op.symbol} "
            return separator.join(operands)
        if op.kind == "prefix":
            return op.symbol + operands[0]
        return f"{op.name}({', '.join(operands)})"

    def node_source(self, index):
        start, end = self.spans[index]
        return self.source[start:end]


def format_number(value, precision=None):
    """Shortest round-trip text of a float (48.0 -> 48), or N significant digits."""
    if precision is not None:
        return format(value, f".{precision}g")
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))  # -0.0 prints as 0
    return repr(value)


def _abbreviate(text, width):
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
