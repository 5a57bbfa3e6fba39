"""The graph's tape in typed arrays (adcli.graph.Tape): the per-node lists
a Graph shows are the tape read back, identical nodes are found by its hash
table however full it gets, a builder appending after build() leaves the
graph alone, and a large graph keeps its op nodes in an array.  The
expected values are worked out here from the text, not from the tape."""
import math

import pytest

import adcli
from adcli import ops
from adcli.engine import scalar
from adcli.graph import NUMPY_NODES, GraphBuilder, NodeList, Tape
from adcli.workloads import generate

SPAN = (0, 0)


def builder(source=""):
    return GraphBuilder(source, scalar, lambda name: None)


def test_the_lists_are_the_tape_read_back():
    text = "a = sin(x)*y\nf = a + 2.5*a - max(x, y, -0.0) + 1e-3"
    graph = adcli.parse(text)
    tape = graph.tape
    assert isinstance(tape, Tape) and len(graph) == len(tape)
    assert type(graph.ops) is list and type(graph.args) is list
    names = [op if type(op) is str else op.name for op in graph.ops]
    assert names.count("var") == 2 and names.count("sin") == 1 and names.count("max") == 1
    for node, (op, args, span) in enumerate(zip(graph.ops, graph.args, graph.spans)):
        assert type(args) is tuple and all(a < node for a in args)  # topological
        assert (op in ("var", "const")) == (args == ())
        if op == "const":  # a constant's span is its text, its value that number
            assert graph.initial_values[node] == float(text[slice(*span)])
        else:
            assert graph.initial_values[node] == 0.0
    assert graph.node_source(graph.ops.index(ops.TABLE["sin"])) == "sin(x)"
    # the 0.0 written and -0.0 folded from it: two nodes, the sign kept
    zeros = [v for op, v in zip(graph.ops, graph.initial_values) if op == "const" and v == 0]
    assert sorted(math.copysign(1.0, v) for v in zeros) == [-1.0, 1.0]  # 0.0, then -(0.0)


def test_levels_are_one_more_than_the_highest_input():
    graph = adcli.parse("sin(cos(x)) * y + exp(y)")
    levels = graph.tape.levels
    for node, args in enumerate(graph.args):
        assert levels[node] == (1 + max(levels[a] for a in args) if args else 0)
    assert max(levels) == 4  # x -> cos -> sin -> * -> +


def test_identical_nodes_are_found_after_the_table_grows():
    """A builder for a short text starts with few buckets; thousands of
    nodes later each one is still found again, and none is made twice."""
    b = builder("x")
    x, y = b.variable("x", SPAN), b.variable("y", SPAN)
    mul, sin, add = ops.TABLE["mul"], ops.TABLE["sin"], ops.TABLE["add"]
    made = []
    previous = x
    for k in range(3000):
        previous = b.apply(mul if k % 2 else sin, (previous, y) if k % 2 else (previous,), SPAN)
        made.append(previous)
    total = b.apply(add, tuple(made[:500]), SPAN)
    count = len(b.tape)
    previous = x
    for k, node in enumerate(made):
        previous = b.apply(mul if k % 2 else sin, (previous, y) if k % 2 else (previous,), SPAN)
        assert previous == node
    assert b.apply(add, tuple(made[:500]), SPAN) == total
    assert b.apply_binary(mul, made[0], y, 0, 0) == made[1]
    assert len(b.tape) == count == 2 + 3000 + 1


def test_a_builder_appending_after_build_leaves_the_graph_alone():
    b = builder("x*y")
    x, y = b.variable("x", (0, 1)), b.variable("y", (2, 3))
    b.expressions.append((b.apply(ops.TABLE["mul"], (x, y), (0, 3)), 0, 3))
    graph = b.build()
    before = (list(graph.ops), list(graph.args), len(graph.tape))
    z = b.variable("z", SPAN)
    b.apply(ops.TABLE["sin"], (z,), SPAN)
    assert (list(graph.ops), list(graph.args), len(graph.tape)) == before
    assert len(b.tape) == 5 and graph.variables == ("x", "y")


def _needed_by_hand(graph):
    """Op nodes the outputs reach, by a walk over graph.args (a set and a stack)."""
    seen, stack = set(), list(graph.outputs)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(graph.args[node])
    return sorted(n for n in seen if graph.ops[n] not in ("var", "const"))


def test_a_large_graph_keeps_its_op_nodes_in_an_array():
    graph = adcli.parse(generate.rosenbrock(1000))
    assert len(graph.tape) >= NUMPY_NODES
    assert type(graph.op_nodes) is NodeList
    assert len(graph.op_nodes) == 6 * 500 + 1  # 6 per pair of variables, and the sum
    assert list(graph.op_nodes) == _needed_by_hand(graph)
    combined = graph.var_nodes + graph.op_nodes
    assert type(combined) is list and combined[len(graph.var_nodes):] == list(graph.op_nodes)
    assert repr(graph.op_nodes) == repr(_needed_by_hand(graph))
    assert list(reversed(graph.op_nodes)) == _needed_by_hand(graph)[::-1]


def test_a_large_graph_with_an_unused_definition_walks_its_tape():
    text = "unused = sin(x1) * 3\n" + generate.rosenbrock(1000)
    graph = adcli.parse(text)
    assert list(graph.op_nodes) == _needed_by_hand(graph)
    sine = graph.ops.index(ops.TABLE["sin"])
    assert sine not in graph.op_nodes


def test_declared_variables_extend_a_copy_of_the_tape():
    graph = adcli.parse("x*y")
    wider = graph.with_variables(["w", "x", "y"])
    assert len(graph.tape) == 3 and len(wider.tape) == 4
    assert wider.ops[3] == "var" and wider.spans[3] == (0, 0)
    assert adcli.grad(wider, [5.0, 2.0, 3.0]).gradient.values() == [0.0, 3.0, 2.0]


def test_max_of_one_argument_becomes_the_reduction_for_arrays():
    graph = adcli.parse("max(x) + max(x, y)")
    arrays = graph.for_arrays()
    names = {(op.name, op.array) for op in arrays.ops if type(op) is not str}
    assert ("max", True) in names and ("max", False) in names
    assert all(not op.array for op in graph.ops if type(op) is not str)  # the original


def test_a_parsed_graph_weighs_about_a_hundred_bytes_a_node():
    """tracemalloc's peak while parsing a 20,000-node Rosenbrock file, and
    what the graph keeps, per op node: the list-of-tuples tape weighed 500
    and 350 bytes."""
    import tracemalloc
    text = generate.rosenbrock(6668)
    tracemalloc.start()
    try:
        graph = adcli.parse(text)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    nodes = len(graph.op_nodes)
    assert nodes == 3 * 6668 + 1
    assert peak / nodes < 250 and kept / nodes < 120
