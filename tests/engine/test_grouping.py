"""reverse.groups of a large graph by sorting arrays (Grouping) against the
same groups made by the plain loop over the op nodes, on graphs whose
levels, ops and arities mix, and the level plan made from it."""
import numpy as np
import pytest

import adcli
from adcli.engine import levels, reverse
from adcli.graph import NUMPY_NODES
from adcli.workloads import generate


def _by_loop(graph):
    """Groups keyed (level, op, arity) in first-appearance order, sorted by
    level: written out here from graph.args and graph.ops."""
    level = {}
    buckets = {}
    for node, args in enumerate(graph.args):
        level[node] = 1 + max(level[a] for a in args) if args else 0
    for node in graph.op_nodes:
        key = (level[node], id(graph.ops[node]), len(graph.args[node]))
        buckets.setdefault(key, []).append(node)
    return [nodes for _, nodes in sorted(buckets.items(), key=lambda item: item[0][0])]


def _mixed(n):
    terms = [f"sin(x{k})*x{k + 1} + max(x{k}, x{k + 1}, {k}) - exp(x{k})**2" for k in range(n)]
    return " + ".join(terms) + " + " + "*".join(f"x{k}" for k in range(0, n, 7))


def _out_of_code_order(n):
    """Level 2 meets sin (a later op code) before exp: its groups are not in
    the order of their codes."""
    return " + ".join(f"sin(exp(x{k})) + cos(x{k + 1}) + exp(cos(x{k + 2}))"
                      for k in range(0, 3 * n, 3))


@pytest.mark.parametrize("text", [generate.rosenbrock(2000), _mixed(400),
                                  "u = sin(x1)\n" + _mixed(300), _out_of_code_order(1000)],
                         ids=["rosenbrock", "mixed", "unused", "out of code order"])
def test_grouping_matches_the_loop(text):
    graph = adcli.parse(text)
    assert len(graph.op_nodes) >= NUMPY_NODES
    grouping = reverse.groups(graph)
    assert isinstance(grouping, reverse.Grouping)
    expected = _by_loop(graph)
    assert list(grouping) == expected
    assert len(grouping) == len(expected)
    assert [grouping[k] for k in range(-1, -len(expected) - 1, -1)] == expected[::-1]
    assert list(reversed(grouping)) == expected[::-1]
    for k, nodes in enumerate(expected):
        assert graph.ops[nodes[0]] is graph.tape.op_table[grouping.codes[k]]
        assert grouping.arities[k] == len(graph.args[nodes[0]])


def test_the_plan_gives_the_scalar_loops_bits():
    graph = adcli.parse(_mixed(400))
    point = [0.1 + 0.01 * k for k in range(len(graph.variables))]
    plan = levels.plan(graph)
    values, gathered = levels.forward(plan, point)
    adjoints = levels.backward(plan, values, gathered)
    scalar_values = reverse.forward(graph, point)
    scalar_adjoints = reverse.backward(graph, scalar_values)
    assert values.tolist() == scalar_values
    assert adjoints[np.array(graph.var_nodes)].tolist() == [scalar_adjoints[v]
                                                             for v in graph.var_nodes]


def test_variadic_ops_of_one_level_are_grouped_by_arity():
    """max of two and max of three arguments side by side: one level, one op,
    two arities, so two groups (the numbering of variadic nodes apart)."""
    terms = [f"max(x{k}, x{k + 1})" if k % 3 else f"max(x{k}, x{k + 1}, x{k + 2})"
             for k in range(3000)]
    graph = adcli.parse(" * 2 + ".join(terms))
    grouping = reverse.groups(graph)
    assert isinstance(grouping, reverse.Grouping)
    assert list(grouping) == _by_loop(graph)
    maxima = [k for k, code in enumerate(grouping.codes)
              if graph.tape.op_table[code].name == "max"]
    assert sorted(grouping.arities[k] for k in maxima) == [2, 3]
