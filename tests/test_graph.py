"""adcli/graph.py on its own: the builder's hash-consing and constant
folding, the immutable Graph and its derived views (outputs, variable
order, declared inputs), node names and texts.  Built by hand through
GraphBuilder, without the language, so a fault here is the graph's."""
import math
import random

import pytest

import adcli
from adcli import ops
from adcli.engine import scalar
from adcli.errors import ExpressionError
from adcli.graph import GraphBuilder, count_text, format_number, natural_key, natural_sorted

SPAN = (0, 0)


def no_problem(name):
    return None


def builder(source="", name_problem=no_problem):
    return GraphBuilder(source, scalar, name_problem)


# --- the builder -------------------------------------------------------------------------------


def test_an_identical_operation_is_one_node():
    b = builder()
    x, y = b.variable("x", SPAN), b.variable("y", SPAN)
    first = b.apply(ops.TABLE["mul"], (x, y), SPAN)
    assert b.apply(ops.TABLE["mul"], (x, y), SPAN) == first
    assert b.apply(ops.TABLE["mul"], (y, x), SPAN) != first  # operand order is kept
    assert b.variable("x", SPAN) == x
    assert len(b.ops) == 4


def test_constants_are_interned_by_value_and_sign():
    b = builder()
    zero, minus_zero = b.constant(0.0, SPAN), b.constant(-0.0, SPAN)
    assert zero != minus_zero  # atan2(0, -0) and atan2(0, 0) differ
    assert b.constant(0.0, SPAN) == zero and b.constant(-0.0, SPAN) == minus_zero
    assert b.constant(2.5, SPAN) == b.constant(2.5, SPAN)


def test_constant_operands_fold_in_the_namespace_given():
    b = builder()
    two, three = b.constant(2.0, SPAN), b.constant(3.0, SPAN)
    folded = b.apply(ops.TABLE["pow"], (two, three), SPAN)
    assert b.is_constant(folded) and b.values[folded] == 8.0


def test_a_non_finite_fold_stays_a_node_to_be_reported():
    b = builder()
    node = b.apply(ops.TABLE["log"], (b.constant(0.0, SPAN),), SPAN)
    assert not b.is_constant(node)
    assert b.ops[node] is ops.TABLE["log"]


def test_a_name_defined_twice_or_after_use_is_an_error():
    b = builder("a = 1\na = 2")
    b.define("a", b.constant(1.0, SPAN), 0, 1)
    with pytest.raises(ExpressionError, match="a is defined twice"):
        b.define("a", b.constant(2.0, SPAN), 6, 7)
    b = builder("x + 1\nx = 2")
    b.variable("x", (0, 1))
    with pytest.raises(ExpressionError, match="x is used before it is defined"):
        b.define("x", b.constant(2.0, SPAN), 6, 7)


def test_declared_variables_follow_the_rule_the_builder_was_given():
    def only_lower(name):
        return None if name.islower() else (f"{name} is not lower case", None)

    b = builder("x", only_lower)
    b.expressions.append((b.variable("x", (0, 1)), 0, 1))
    assert b.build(["x", "y"]).variables == ("x", "y")
    with pytest.raises(ExpressionError, match="Y is not lower case"):
        b.build(["x", "Y"])
    graph = b.build()
    with pytest.raises(ExpressionError, match="Z is not lower case"):
        graph.declaring(["Z"])


# --- the immutable graph -----------------------------------------------------------------------


def test_derived_graphs_leave_the_original_as_it_was():
    graph = adcli.parse("a = x*y\nb = a + z\noutput a, b")
    before = (graph.outputs, graph.variables, list(graph.ops), list(graph.op_nodes))
    only_a = graph.select("a")
    reordered = graph.with_variables(["z", "y", "x"])
    wider = graph.declaring(["w"])
    assert (graph.outputs, graph.variables, list(graph.ops), list(graph.op_nodes)) == before
    assert only_a.output_names == ("a",) and len(only_a.op_nodes) == 1
    assert reordered.variables == ("z", "y", "x")
    assert wider.variables == ("w", "x", "y", "z") and len(wider.ops) == len(graph.ops) + 1


def test_declaring_names_it_already_has_returns_the_same_graph():
    graph = adcli.parse("x + y")
    assert graph.declaring(["y", "x"]) is graph


def test_used_variables_only_drops_inputs_no_output_reads():
    graph = adcli.parse("x*y", variables=["x", "y", "z"])
    assert graph.used_variables_only().variables == ("x", "y")


def test_focus_on_an_unknown_output_suggests_a_close_name():
    graph = adcli.parse("speed = x*2\noutput speed")
    with pytest.raises(ExpressionError, match="no output named 'sped'") as caught:
        graph.focus(["sped"])
    assert "speed" in caught.value.hint
    with pytest.raises(ExpressionError, match="must be text"):
        graph.focus([1])


def test_a_variable_order_names_each_variable_once_and_may_add_inputs():
    graph = adcli.parse("x + y")
    for order, says in ((["x"], "missing: y"), (["x", "y", "x"], "listed twice: x")):
        with pytest.raises(ExpressionError, match=says):
            graph.with_variables(order)
    assert graph.with_variables(["q", "y", "x"]).variables == ("q", "y", "x")


def test_cached_structures_are_made_once_per_graph_and_not_shared_by_derived_ones():
    graph = adcli.parse("x*y + 1")
    made = []
    assert graph.cached("plan", lambda g: made.append(g) or len(made)) == 1
    assert graph.cached("plan", lambda g: made.append(g) or len(made)) == 1
    assert graph.with_variables(["y", "x"]).cached("plan", lambda g: made.append(g) or len(made)) == 2


# --- names and texts -------------------------------------------------------------------------


def test_textbook_names_and_what_each_node_computes():
    graph = adcli.parse("3*(x1**2+x2*x3)")
    names = graph.node_names()
    texts = {names[i]: graph.node_text(i) for i in graph.op_nodes}
    assert texts == {"x4": "x1**2", "x5": "x2*x3", "x6": "x4 + x5", "x7": "3*x6"}


def test_node_names_avoid_a_prefix_a_variable_could_be_read_as():
    assert adcli.parse("v1 + w3").node_prefix() == "u"
    assert adcli.parse("v1 + w").node_prefix() == "w"  # w alone reads as no node name
    assert adcli.parse("a*b").node_prefix() == "v"


def test_negative_zero_constant_prints_with_its_sign():
    graph = adcli.parse("atan2(y, -0.0)")
    assert "atan2(v1, (-0))" in [graph.node_text(i) for i in graph.op_nodes]


@pytest.mark.parametrize("value, precision, text", [
    (48.0, None, "48"), (-0.0, None, "0"), (0.1, None, "0.1"), (1e16, None, "1e+16"),
    (math.inf, None, "inf"), (2 / 3, 3, "0.667"), (12.000000000087073, None, "12.000000000087073"),
])
def test_format_number(value, precision, text):
    assert format_number(value, precision) == text


def test_counts_agree_with_their_nouns_and_names_sort_naturally():
    assert [count_text(1, "pass"), count_text(2, "pass"), count_text(3, "node")] == \
        ["1 pass", "2 passes", "3 nodes"]
    assert sorted(["x10", "x2", "x1", "y"], key=natural_key) == ["x1", "x2", "x10", "y"]


@pytest.mark.parametrize("seed", range(20))
def test_natural_sorted_is_sorted_by_natural_key(seed):
    """natural_sorted's fast paths (one word and numbers; words and numbers)
    give the order of sorted(key=natural_key), ties (x01, x1) kept in order."""
    rng = random.Random(seed)
    words = ["x"] if seed % 2 else ["x", "y", "x_", "ab", "x1y", "p"]
    ends = [""] if seed % 3 else ["", "", "z"]
    widest = 1 if seed % 4 == 1 else 2  # 1: no leading zeros (x1, x10: two sorts in C)
    names = [rng.choice(words) + str(rng.randrange(3000)).zfill(rng.randrange(1, widest + 1))
             + rng.choice(ends) for _ in range(rng.randrange(1, 40))]
    assert natural_sorted(names) == sorted(names, key=natural_key)
