"""adcli explain: the textbook example end to end, by hand; the chain rule as
a sum over paths (fan-out, shared subexpressions, random programs, graphs
with too many paths to list); the op table's partial formulas against its
numeric rules; kinks and non-finite nodes.

The textbook example (Griewank's, and every AD course's): f = 3*(x1**2 +
x2*x3) at (2, 3, 4).  By hand:

    x4 = x1**2  = 4     dx4/dx1 = 2*x1 = 4
    x5 = x2*x3  = 12    dx5/dx2 = x3 = 4,  dx5/dx3 = x2 = 3
    x6 = x4 + x5 = 16   dx6/dx4 = dx6/dx5 = 1
    x7 = 3*x6   = 48    dx7/dx6 = 3

backward: x̄7 = 1, x̄6 = 3, x̄5 = x̄4 = 3, x̄3 = 3*3 = 9, x̄2 = 3*4 = 12,
x̄1 = 3*4 = 12; one path per input: 4*1*3 = 12, 4*1*3 = 12, 3*1*3 = 9.
"""
import csv
import io
import json
import math
import random
import re
import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import adcli
from adcli.tools import explain as explaining
from adcli import ops
from adcli.engine import scalar
from adcli.cli.views.explain import sections as explain_sections
from conftest import domain_of, expression_for, ok

TEXTBOOK = "3*(x1**2+x2*x3)"
AT = [2, 3, 4]

NODES = ["x1", "x2", "x3", "x4", "x5", "x6", "x7"]
COMPUTES = ["input x1", "input x2", "input x3", "x1**2", "x2*x3", "x4 + x5", "3*x6"]
VALUES = [2, 3, 4, 4, 12, 16, 48]
# (node, input) -> (formula, number)
PARTIALS = {("x4", "x1"): ("2*x1", 4), ("x5", "x2"): ("x3", 4), ("x5", "x3"): ("x2", 3),
            ("x6", "x4"): ("1", 1), ("x6", "x5"): ("1", 1), ("x7", "x6"): ("3", 3)}
ADJOINTS = {"x7": 1, "x6": 3, "x5": 3, "x4": 3, "x3": 9, "x2": 12, "x1": 12}
PATHS = {"x1": (["x1", "x4", "x6", "x7"], [4, 1, 3], 12),
         "x2": (["x2", "x5", "x6", "x7"], [4, 1, 3], 12),
         "x3": (["x3", "x5", "x6", "x7"], [3, 1, 3], 9)}
TANGENTS_X1 = [1, 0, 0, 4, 0, 4, 12]

ANSI = re.compile(r"\x1b\[")


def step(explanation, name):
    return next(s for s in explanation.steps if s.node == name)


def plain_sections(text):
    """explain's plain text -> {title: (header, rows, notes)}; rows split at tabs
    (a section's title is its first line, a note)."""
    blocks = text.split("\n\n")
    sections = {}
    for block in blocks[1:]:
        lines = block.strip("\n").splitlines()
        title, header = lines[0].removeprefix("# "), lines[1].split("\t")
        rows = [line.split("\t") for line in lines[2:] if not line.startswith("# ")]
        notes = [line[2:] for line in lines[2:] if line.startswith("# ")]
        sections[title] = (header, rows, notes)
    return sections


def section(sections, prefix):
    return next(v for k, v in sections.items() if k.startswith(prefix))


# --- the textbook example, through the API ----------------------------------------------


@pytest.fixture(scope="module")
def textbook():
    return explaining.explain(TEXTBOOK, AT)


def test_textbook_tape_values_and_what_each_node_computes(textbook):
    assert textbook.variables == ("x1", "x2", "x3")
    assert textbook.point == {"x1": 2, "x2": 3, "x3": 4}
    assert [s.node for s in textbook.steps] == NODES
    assert [s.computes for s in textbook.steps] == COMPUTES
    assert [s.value for s in textbook.steps] == VALUES
    assert textbook.output == "x7" and textbook.value == 48
    assert [s.label for s in textbook.steps[:3]] == ["x1", "x2", "x3"]
    assert not any(s.kink or s.notes for s in textbook.steps)


def test_textbook_local_partials_formulas_and_numbers(textbook):
    found = {(e.target, e.source): (e.formula, e.partial)
             for s in textbook.steps for e in s.inputs}
    assert found == PARTIALS
    assert [e.source for e in step(textbook, "x5").inputs] == ["x2", "x3"]  # input order
    assert not step(textbook, "x1").inputs


def test_textbook_adjoints_and_their_contributions(textbook):
    assert {s.node: s.adjoint for s in textbook.steps} == ADJOINTS
    # each input learns where its adjoint comes from: x̄3 = x̄5 * dx5/dx3 = 3 * 3
    x3 = step(textbook, "x3")
    assert [(e.source, e.target, e.formula, e.partial) for e in x3.contributions] == [
        ("x3", "x5", "x2", 3)]
    for s in textbook.steps:
        if s.node != "x7":
            assert s.adjoint == sum(ADJOINTS[e.target] * e.partial for e in s.contributions)
    assert step(textbook, "x7").contributions == []


def test_textbook_adjoint_table_is_in_reverse_order_with_the_sums(textbook):
    title, header, rows, notes = explain_sections(textbook)[3]
    assert title.startswith("4. backward pass")
    assert [r[0] for r in rows] == [f"x̄ {n}" for n in reversed(NODES)]
    by_node = {r[0]: r[1:] for r in rows}
    assert by_node["x̄ x7"] == ["1 (the output: df/df)", "1"]
    assert by_node["x̄ x3"] == ["x̄ x5·dx5/dx3 = 3·3", "9"]
    assert by_node["x̄ x1"] == ["x̄ x4·dx4/dx1 = 3·4", "12"]
    assert by_node["x̄ x6"] == ["x̄ x7·dx7/dx6 = 1·3", "3"]


def test_textbook_paths_products_and_sums_equal_the_gradient(textbook):
    gradient = adcli.grad(TEXTBOOK, AT).gradient
    assert dict(gradient) == {"x1": 12, "x2": 12, "x3": 9}
    assert textbook.gradient == dict(gradient)
    for entry in textbook.paths:
        trail, partials, product = PATHS[entry.variable]
        assert entry.node == entry.variable  # x1..x3 are the input nodes' names too
        assert entry.count == 1 and len(entry.paths) == 1
        got_trail, edges, got_product = entry.paths[0]
        assert got_trail == trail
        assert [e.partial for e in edges] == partials
        assert got_product == product == math.prod(partials)
        assert entry.total == sum(p for _, _, p in entry.paths) == gradient[entry.variable]


def test_textbook_forward_mode_tangents_along_x1():
    result = explaining.explain(TEXTBOOK, AT, mode="forward", wrt="x1")
    assert result.mode == "forward" and result.wrt == "x1"
    assert [s.tangent for s in result.steps] == TANGENTS_X1
    assert result.passes == {"forward": 3, "reverse": 1}
    # the tangent table: seeds, then each tangent as the sum over its inputs
    title, header, rows, notes = explain_sections(result)[3]
    assert title == "4. forward pass of tangents along x1"
    assert rows[0] == ["ẋ x1", "seed: 1 (dx1/dx1)", "1"]
    assert rows[1] == ["ẋ x2", "seed: 0 (dx2/dx1)", "0"]
    assert rows[6] == ["ẋ x7", "dx7/dx6·ẋ x6 = 3·4", "12"]
    assert "3 forward passes" in notes[0] and "reverse mode 1" in notes[0]
    assert "dx7/dx1 = 12" in notes[0]
    # forward mode has no backward table and no chain-rule paths section
    assert len(explain_sections(result)) == 4


@pytest.mark.parametrize("wrt, derivative", [("x1", 12), ("x2", 12), ("x3", 9)])
def test_three_forward_passes_give_the_gradient(wrt, derivative):
    result = explaining.explain(TEXTBOOK, AT, mode="forward", wrt=wrt)
    assert step(result, "x7").tangent == derivative


def test_forward_mode_needs_wrt_unless_one_variable():
    with pytest.raises(adcli.PointError, match="x1, x2, x3"):
        explaining.explain(TEXTBOOK, AT, mode="forward")
    with pytest.raises(adcli.PointError, match="y is not a variable"):
        explaining.explain(TEXTBOOK, AT, mode="forward", wrt="y")
    single = explaining.explain("x**3", [2], mode="forward")
    assert single.wrt == "x" and step(single, "v2").tangent == 12
    assert single.passes == {"forward": 1, "reverse": 1}


# --- the textbook example, through the CLI ----------------------------------------------


def test_cli_plain_has_the_four_parts_and_the_chain_rule(run_cli):
    text = ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--format", "plain")).stdout
    assert text.splitlines()[:5] == ["expression\t3*(x1**2+x2*x3)", "x\tx1\t2", "x\tx2\t3",
                                     "x\tx3\t4", "value\t48"]
    sections = plain_sections(text)
    assert list(sections) == ["1. the graph, in evaluation order", "2. forward pass: values",
                              "3. local partials",
                              "4. backward pass: adjoints, in reverse order",
                              "chain rule: each input's paths to the output, products of "
                              "local partials"]
    header, rows, _ = section(sections, "1.")
    assert header == ["node", "computes", "name"]
    assert [r[:2] for r in rows] == [list(p) for p in zip(NODES, COMPUTES)]
    _, rows, _ = section(sections, "2.")
    assert [r[:2] for r in rows] == [[n, str(v)] for n, v in zip(NODES, VALUES)]
    _, rows, _ = section(sections, "3.")
    assert ["dx5/dx3", "x2", "3"] in rows and ["dx4/dx1", "2*x1", "4"] in rows
    assert ["dx7/dx6", "3", "3"] in rows and len(rows) == 6
    _, rows, _ = section(sections, "4.")
    assert rows[0] == ["x̄ x7", "1 (the output: df/df)", "1"]
    assert ["x̄ x3", "x̄ x5·dx5/dx3 = 3·3", "9"] in rows
    _, rows, _ = section(sections, "chain rule")
    assert rows == [["x1", "x1 -> x4 -> x6 -> x7: 2*x1 = 4 · 1 · 3", "12"],
                    ["x2", "x2 -> x5 -> x6 -> x7: x3 = 4 · 1 · 3", "12"],
                    ["x3", "x3 -> x5 -> x6 -> x7: x2 = 3 · 1 · 3", "9"]]
    assert not ANSI.search(text)


def test_cli_forward_mode_plain(run_cli):
    text = ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--mode", "forward",
                      "--wrt", "x1", "--format", "plain")).stdout
    header, rows, notes = section(plain_sections(text), "4. forward pass of tangents")
    assert [r[-1] for r in rows] == [str(t) for t in TANGENTS_X1]
    assert rows[3] == ["ẋ x4", "dx4/dx1·ẋ x1 = 4·1", "4"]
    assert rows[5] == ["ẋ x6", "dx6/dx4·ẋ x4 + dx6/dx5·ẋ x5 = 1·4 + 1·0", "4"]
    assert "3 forward passes (one per input), reverse mode 1" in notes[0]
    assert "chain rule" not in text and "backward pass" not in text


def test_cli_forward_mode_without_wrt_is_a_usage_error(run_cli):
    result = run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--mode", "forward")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--wrt" in result.stderr and "x1, x2, x3" in result.stderr


def test_cli_json_parsed_back(run_cli):
    document = json.loads(ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4",
                                     "--format", "json")).stdout)
    assert document["expression"] == TEXTBOOK and document["value"] == 48
    assert document["variables"] == ["x1", "x2", "x3"] and document["output"] == "x7"
    assert document["mode"] == "reverse" and document["wrt"] is None
    assert document["passes"] == {"forward": 3, "reverse": 1}
    nodes = document["nodes"]
    assert [n["node"] for n in nodes] == NODES
    assert [n["computes"] for n in nodes] == COMPUTES
    assert [n["value"] for n in nodes] == VALUES
    assert {n["node"]: n["adjoint"] for n in nodes} == ADJOINTS
    partials = {(p["to"], p["from"]): (p["formula"], p["partial"])
                for n in nodes for p in n["partials"]}
    assert partials == PARTIALS
    x3 = nodes[2]
    assert x3["contributions"] == [{"from": "x3", "to": "x5", "formula": "x2", "partial": 3}]
    paths = {p["variable"]: p for p in document["paths"]}
    for name, (trail, factors, product) in PATHS.items():
        assert paths[name]["count"] == 1 and paths[name]["total"] == product
        assert paths[name]["paths"] == [{"nodes": trail, "partials": factors,
                                         "product": product}]


def test_cli_json_forward_mode_has_tangents(run_cli):
    document = json.loads(ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--mode",
                                     "forward", "--wrt", "x1", "--format", "json")).stdout)
    assert document["mode"] == "forward" and document["wrt"] == "x1"
    assert [n["tangent"] for n in document["nodes"]] == TANGENTS_X1


def test_cli_csv(run_cli):
    text = ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--format", "csv")).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["node"] for r in rows] == NODES
    assert [float(r["value"]) for r in rows] == VALUES
    assert {r["node"]: float(r["adjoint"]) for r in rows} == ADJOINTS


def test_cli_table_and_default_carry_no_ansi_escapes_when_piped(run_cli, monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    default = ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4"))
    assert default.stdout == ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4",
                                        "--format", "plain")).stdout  # piped: plain
    table = ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--format", "table")).stdout
    for text in (default.stdout, default.stderr, table):
        assert not ANSI.search(text)
    for needle in ("value 48", "local partials", "x̄ x5·dx5/dx3 = 3·3",
                   "x1 -> x4 -> x6 -> x7: 2*x1 = 4 · 1 · 3", "x2 -> x5 -> x6 -> x7"):
        assert needle in table


def test_cli_precision(run_cli):
    text = ok(run_cli("explain", "sin(x)", "--at", "1", "--precision", "3",
                      "--format", "plain")).stdout
    _, rows, _ = section(plain_sections(text), "3.")
    assert rows == [["dv2/dv1", "cos(v1)", "0.54"]]  # cos(1) = 0.5403...


def test_cli_program_with_output_and_labels(run_cli):
    program = "s = sin(x)\nc = cos(x)\ny = s*c\nz = s + c"
    text = ok(run_cli("explain", program, "--at", "0.5", "--output", "z",
                      "--format", "plain")).stdout
    _, rows, _ = section(plain_sections(text), "1.")
    labels = {r[0]: r[2] for r in rows}
    assert "s" in labels.values() and "c" in labels.values()
    _, rows, _ = section(plain_sections(text), "chain rule")
    assert rows[-1][1] == "sum over 2 paths"
    assert float(rows[-1][2]) == pytest.approx(math.cos(0.5) - math.sin(0.5), rel=1e-15)


# --- fan-out and shared subexpressions --------------------------------------------------


def test_a_plus_a_twice_has_four_paths():
    result = explaining.explain("(a+a)+(a+a)", [1.5])
    assert [s.computes for s in result.steps] == ["input a", "v1 + v1", "v2 + v2"]
    (entry,) = result.paths
    assert entry.count == 4 and len(entry.paths) == 4
    assert [p for _, _, p in entry.paths] == [1, 1, 1, 1]
    assert all(trail == ["v1", "v2", "v3"] for trail, _, _ in entry.paths)
    # the four paths use the four combinations of the two parallel edges at each node
    edge_ids = {tuple(map(id, edges)) for _, edges, _ in entry.paths}
    assert len(edge_ids) == 4
    assert entry.total == 4 == adcli.grad("(a+a)+(a+a)", [1.5]).gradient["a"]


def test_micrograd_fan_out_program():
    result = explaining.explain("b = a + a\nc = b + b", [-3.0])
    assert result.paths[0].count == 4 and result.gradient == {"a": 4}


def test_x_times_x_has_two_parallel_edges():
    result = explaining.explain("x*x", [3.0])
    product = step(result, "v2")
    assert [(e.source, e.formula, e.partial) for e in product.inputs] == [
        ("v1", "v1", 3), ("v1", "v1", 3)]
    assert len(step(result, "v1").contributions) == 2
    (entry,) = result.paths
    assert entry.count == 2 and [p for _, _, p in entry.paths] == [3, 3]
    assert entry.total == 6 == 2 * 3


def test_sin_times_cos_paths():
    x = 0.5
    result = explaining.explain("sin(x)*cos(x)", [x])
    (entry,) = result.paths
    products = sorted(p for _, _, p in entry.paths)
    # through sin: cos(x) * cos(x); through cos: -sin(x) * sin(x)
    assert products == pytest.approx(sorted([math.cos(x) ** 2, -math.sin(x) ** 2]),
                                     rel=1e-15)
    assert entry.total == pytest.approx(math.cos(2 * x), rel=1e-15)
    formulas = sorted(e.formula for _, edges, _ in entry.paths for e in edges)
    assert formulas == ["-sin(v1)", "cos(v1)", "v2", "v3"]


def test_shared_subexpression_in_a_program():
    x = 0.7
    result = explaining.explain("s = sin(x)\ny = s*s + s", [x])
    s = step(result, "v2")
    assert s.label == "s"
    assert sorted(e.target for e in s.contributions) == ["v3", "v3", "v4"]
    (entry,) = result.paths
    assert entry.count == 3 == len(entry.paths)
    assert entry.total == pytest.approx((2 * math.sin(x) + 1) * math.cos(x), rel=1e-14)


def test_an_input_the_output_does_not_use_has_no_path(run_cli):
    program = "u = sin(y)\nf = x*2"  # y feeds only u, which f does not use
    result = explaining.explain(program, {"x": 1.0, "y": 5.0})
    entry = next(p for p in result.paths if p.variable == "y")
    assert entry.count == 0 and entry.paths == [] and entry.total == 0
    text = ok(run_cli("explain", program, "--at", "x=1,y=5", "--format", "plain")).stdout
    _, rows, _ = section(plain_sections(text), "chain rule")
    assert ["y", "no path: the output does not depend on it", "0"] in rows


# random programs: definitions that reuse earlier names, so fan-out and shared
# subexpressions are the rule
UNARY = ["sin({0})", "cos({0})", "tanh({0})", "atan({0})", "sigmoid({0})", "{0}**2",
         "{0}**3", "exp(-{0}**2)", "sqrt(1 + {0}**2)", "log(1 + {0}**2)", "-{0}",
         "abs({0})", "2.5*{0}"]
BINARY = ["{0} + {1}", "{0} - {1}", "{0}*{1}", "{0}/(2 + {1}**2)", "max({0}, {1})",
          "hypot({0}, {1})", "atan2({0}, 2 + {1}**2)", "{0}*{1} + {0}", "{0}**2 + {1}"]


@st.composite
def programs(draw):
    names = ["a", "b", "c"]
    lines = []
    for k in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            template = draw(st.sampled_from(UNARY))
            operands = [draw(st.sampled_from(names))]
        else:
            template = draw(st.sampled_from(BINARY))
            operands = [draw(st.sampled_from(names)), draw(st.sampled_from(names))]
        lines.append(f"t{k} = " + template.format(*operands))
        names.append(f"t{k}")
    point = {v: draw(st.floats(-1.5, 1.5, allow_nan=False)) for v in "abc"}
    return "\n".join(lines), point


def _independent_counts(graph):
    """Paths from each variable to the output, counted forward over the
    graph's own arguments (constants left out): not explain's backward count."""
    counts = {}
    for variable, var_node in zip(graph.variables, graph.var_nodes):
        ways = {var_node: 1}
        for node in graph.op_nodes:
            ways[node] = sum(ways.get(i, 0) for i in graph.args[node]
                             if not graph.is_constant(i))
        counts[variable] = ways.get(graph.output, 0)
    return counts


def _abs_scale(result):
    """sum over paths of |product|, by a forward pass of |partials|: the size
    of the terms whose sum is the gradient (rounding is relative to it)."""
    scale = {}
    for variable in result.variables:
        size = {}
        for s in result.steps:
            if not s.inputs:
                size[s.node] = 1.0 if s.label == variable and s.computes.startswith(
                    "input") else 0.0
            else:
                size[s.node] = sum(abs(e.partial) * size[e.source] for e in s.inputs)
        scale[variable] = size[result.output]
    return scale


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_path_sums_equal_the_gradient(case):
    program, point = case
    graph = adcli.parse(program)
    at = {v: point[v] for v in graph.variables}
    gradient = adcli.grad(graph, at, allow_nonfinite=True)
    assume(math.isfinite(gradient.value))
    assume(all(math.isfinite(g) for g in gradient.gradient.values()))
    result = explaining.explain(graph, at)
    assume(all(math.isfinite(e.partial) for s in result.steps for e in s.inputs))
    counts = _independent_counts(graph)
    scale = _abs_scale(result)
    for entry in result.paths:
        variable = entry.variable
        tolerance = 1e-12 * max(scale[variable], 1e-300)
        assert entry.count == counts[variable], program
        assert abs(entry.total - gradient.gradient[variable]) <= 1e-12 * abs(
            gradient.gradient[variable]), program
        if entry.count > explaining.MAX_PATHS:
            assert entry.paths == []
            continue
        assert len(entry.paths) == entry.count
        assert len({tuple(map(id, edges)) for _, edges, _ in entry.paths}) == entry.count
        for trail, edges, product in entry.paths:
            assert trail[0] == entry.node and trail[-1] == result.output
            assert [e.source for e in edges] == trail[:-1]
            assert [e.target for e in edges] == trail[1:]
            assert product == math.prod(e.partial for e in edges)
        total = sum(p for _, _, p in entry.paths)
        assert abs(total - gradient.gradient[variable]) <= tolerance, (program, total)
    # forward mode along each variable reaches the same numbers
    for variable in graph.variables:
        forward = explaining.explain(graph, at, mode="forward", wrt=variable)
        tangent = step(forward, forward.output).tangent
        assert abs(tangent - gradient.gradient[variable]) <= 1e-12 * max(
            scale[variable], 1e-300), (program, variable)


def _doubling_chain(levels):
    lines = ["a1 = x + x"] + [f"a{k} = a{k - 1} + a{k - 1}" for k in range(2, levels + 1)]
    return "\n".join(lines)


def test_two_to_the_thirty_paths_are_counted_not_listed():
    start = time.perf_counter()
    result = explaining.explain(_doubling_chain(30), [1.0])
    assert time.perf_counter() - start < 2.0
    (entry,) = result.paths
    assert entry.count == 2 ** 30 and entry.paths == []
    assert entry.total == 2.0 ** 30 == adcli.grad(_doubling_chain(30), [1.0]).gradient["x"]


def test_two_to_the_thirty_paths_through_the_cli(run_cli):
    start = time.perf_counter()
    text = ok(run_cli("explain", "-f", "-", "--at", "1", "--format", "plain",
                      input=_doubling_chain(30))).stdout
    assert time.perf_counter() - start < 3.0
    _, rows, notes = section(plain_sections(text), "chain rule")
    assert rows == []
    assert notes == ["x: 1073741824 paths, too many to list; the adjoint sums above add "
                     "them up: 1073741824"]
    document = json.loads(ok(run_cli("explain", "-f", "-", "--at", "1", "--format", "json",
                                      input=_doubling_chain(30))).stdout)
    assert document["paths"] == [{"variable": "x", "node": "v1", "count": 2 ** 30,
                                  "total": 2 ** 30, "unlisted": "too many to list",
                                  "paths": []}]


@pytest.mark.parametrize("levels, listed", [(6, True), (7, False)])
def test_paths_are_listed_up_to_max_paths(levels, listed):
    assert explaining.MAX_PATHS == 64
    (entry,) = explaining.explain(_doubling_chain(levels), [1.0]).paths
    assert entry.count == 2 ** levels
    assert len(entry.paths) == (2 ** levels if listed else 0)
    assert entry.total == 2 ** levels


def test_max_paths_argument():
    (entry,) = explaining.explain(_doubling_chain(3), [1.0], max_paths=4).paths
    assert entry.count == 8 and entry.paths == []


def test_max_rows_truncates_the_tables_and_says_how_many_are_left_out(run_cli):
    text = ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--max-rows", "3",
                      "--format", "plain")).stdout
    sections = plain_sections(text)
    for prefix in ("1.", "2.", "4."):
        _, rows, notes = section(sections, prefix)
        assert len(rows) == 3, prefix
        assert notes == ["... 4 more nodes (raise --max-rows)"], prefix
    assert [r[0] for r in section(sections, "1.")[1]] == ["x1", "x2", "x3"]
    assert [r[0] for r in section(sections, "4.")[1]] == ["x̄ x7", "x̄ x6", "x̄ x5"]
    # JSON lists everything
    document = json.loads(ok(run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--max-rows", "3",
                                     "--format", "json")).stdout)
    assert len(document["nodes"]) == 7
    assert run_cli("explain", TEXTBOOK, "--at", "2,3,4", "--max-rows", "0").exit_code == 2


def _many_sines(n):
    expr = " + ".join(f"sin(x{i})" for i in range(1, n + 1))
    at = ",".join(f"{0.001 * i:.3f}" for i in range(1, n + 1))
    return expr, at


def test_max_rows_on_a_large_graph_is_fast(run_cli):
    expr, at = _many_sines(500)
    start = time.perf_counter()
    text = ok(run_cli("explain", expr, "--at", at, "--max-rows", "10",
                      "--format", "plain")).stdout
    assert time.perf_counter() - start < 5.0
    sections = plain_sections(text)
    for prefix in ("1.", "2.", "4."):
        _, rows, notes = section(sections, prefix)
        assert len(rows) == 10 and notes == ["... 991 more nodes (raise --max-rows)"]


def test_max_rows_also_limits_the_chain_rule_section(run_cli):
    expr, at = _many_sines(500)
    text = ok(run_cli("explain", expr, "--at", at, "--max-rows", "10",
                      "--format", "plain")).stdout
    _, rows, notes = section(plain_sections(text), "chain rule")
    assert len(rows) <= 10 and notes


# --- the op table's partial formulas ----------------------------------------------------

FIXED = sorted(name for name, op in ops.TABLE.items() if not op.variadic)
VARIADIC = sorted(name for name, op in ops.TABLE.items() if op.variadic)
ARG_NAMES = ("a", "b")


def _evaluate(text, env):
    graph = adcli.parse(text)
    return adcli.grad(graph, {v: env[v] for v in graph.variables}, allow_nonfinite=True).value


def _close(got, want, rtol=1e-12):
    if want == 0 or not math.isfinite(want):
        return got == want
    return abs(got - want) <= rtol * abs(want)


def test_every_op_has_partial_formulas():
    assert VARIADIC == ["add", "max", "min"]
    for name, op in ops.TABLE.items():
        assert op.partial_text, name
        assert len(op.partial_text) == (1 if op.variadic else op.nargs), name


def test_variadic_partial_texts():
    assert ops.TABLE["add"].partial_text == ("1",)
    assert "largest" in ops.TABLE["max"].partial_text[0]
    assert "smallest" in ops.TABLE["min"].partial_text[0]
    assert "ties" in ops.TABLE["max"].partial_text[0]


@pytest.mark.parametrize("name", FIXED)
def test_partial_formula_matches_the_rule(name):
    """Each formula, with names for {0}/{1} and the op itself for {f}, parses and
    evaluates to the op's numeric partial rule on its domain."""
    op = ops.TABLE[name]
    names = ARG_NAMES[:op.nargs]
    itself = f"({expression_for(op, list(names))})"
    rng = random.Random(f"formula-{name}")
    for k, template in enumerate(op.partial_text):
        formula = template.format(*names, f=itself)
        adcli.parse(formula)  # it must parse
        for _ in range(6):
            args = [rng.uniform(*domain_of(op, j)) for j in range(op.nargs)]
            ans = op.forward(scalar, *args)
            want = float(op.partials[k](scalar, ans, *args))
            got = _evaluate(formula, dict(zip(names, args)))
            assert _close(got, want), f"d{name}/d{names[k]} = {formula} at {args}: {got} != {want}"


def _explain_cases():
    cases = []
    for name in FIXED:
        op = ops.TABLE[name]
        cases.append(pytest.param(name, None, id=f"{name}-vars"))
        if op.nargs == 2:
            cases += [pytest.param(name, 0, id=f"{name}-const0"),
                      pytest.param(name, 1, id=f"{name}-const1")]
    cases += [pytest.param("pow", ("x1**2", [1.5]), id="pow-square"),
              pytest.param("pow", ("x1**1", [1.5]), id="pow-one"),
              pytest.param("pow", ("x1**0.5", [1.5]), id="pow-half"),
              pytest.param("pow", ("x1**-1", [1.5]), id="pow-minus-one"),
              pytest.param("pow", ("x1**11", [1.5]), id="pow-eleven"),
              pytest.param("pow", ("2**x1", [1.5]), id="pow-base"),
              pytest.param("mul", ("x1*-3", [1.5]), id="mul-negative")]
    return cases


@pytest.mark.parametrize("name, constant", _explain_cases())
def test_explain_formulas_evaluate_to_the_partials_shown(name, constant):
    """What explain prints: each edge's formula, read with the node names as
    variables at the nodes' values, gives the number printed beside it."""
    op = ops.TABLE[name]
    rng = random.Random(f"explain-{name}-{constant}")
    if isinstance(constant, tuple):
        expr, point = constant
    else:
        args = [rng.uniform(*domain_of(op, j)) for j in range(op.nargs)]
        operands = [f"x{j + 1}" for j in range(op.nargs)]
        if constant is not None:  # a constant in one slot: the middle of its domain
            fixed = domain_of(op, constant)
            value = round((fixed[0] + fixed[1]) / 2, 2)
            operands[constant] = f"({value})" if value < 0 else str(value)
            args = [a for j, a in enumerate(args) if j != constant]
        expr, point = expression_for(op, operands), args
    result = explaining.explain(expr, point)
    env = {s.node: s.value for s in result.steps}
    edges = [e for s in result.steps for e in s.inputs]
    assert edges
    for edge in edges:
        assert "{" not in edge.formula and "?" not in edge.formula
        got = _evaluate(edge.formula, env)
        assert _close(got, edge.partial), f"{expr}: d{edge.target}/d{edge.source} = " \
                                          f"{edge.formula} = {got}, shown {edge.partial}"


def test_pow_formulas_fold_the_exponent():
    formulas = {expr: explaining.explain(expr, [1.5]).steps[1].inputs[0].formula
                for expr in ("x1**2", "x1**3", "x1**0.5", "x1**11", "x1**-1")}
    assert formulas["x1**2"] == "2*x1"
    assert formulas["x1**3"] == "3*x1**2"
    assert formulas["x1**0.5"] == "0.5*x1**(-0.5)"
    assert formulas["x1**11"] == "11*x1**10"


# --- kinks and non-finite nodes ---------------------------------------------------------


def test_abs_at_zero_is_a_kink(run_cli):
    result = explaining.explain("abs(x)", [0.0])
    node = step(result, "v2")
    assert node.kink and any("kink" in note for note in node.notes)
    assert node.inputs[0].formula == "sign(v1)" and node.inputs[0].partial == 0
    assert not step(explaining.explain("abs(x)", [0.5]), "v2").kink
    text = ok(run_cli("explain", "abs(x)", "--at", "0", "--format", "plain")).stdout
    _, rows, _ = section(plain_sections(text), "2.")
    assert rows[1][0] == "v2" and "kink" in rows[1][2]
    document = json.loads(ok(run_cli("explain", "abs(x)", "--at", "0",
                                     "--format", "json")).stdout)
    assert document["nodes"][1]["kink"] is True
    assert any("kink" in n for n in document["nodes"][1]["notes"])


def test_max_at_a_tie_is_a_kink_and_shares_the_derivative():
    tie = explaining.explain("max(x, y)", [1.0, 1.0])
    node = step(tie, "v3")
    assert node.kink and any("kink" in note for note in node.notes)
    assert [e.partial for e in node.inputs] == [0.5, 0.5]
    assert tie.gradient == {"x": 0.5, "y": 0.5}
    apart = explaining.explain("max(x, y)", [2.0, 1.0])
    assert not step(apart, "v3").kink
    assert [e.partial for e in step(apart, "v3").inputs] == [1, 0]
    assert step(apart, "v3").inputs[0].formula == ops.TABLE["max"].partial_text[0]


def test_sqrt_at_zero_has_an_infinite_partial(run_cli):
    result = explaining.explain("sqrt(x)", [0.0])
    node = step(result, "v2")
    assert node.value == 0 and node.inputs[0].partial == math.inf
    assert "dv2/dv1 = inf: infinite slope" in node.notes
    assert step(result, "v1").adjoint == math.inf
    assert any("adjoint inf" in note for note in step(result, "v1").notes)
    text = ok(run_cli("explain", "sqrt(x)", "--at", "0", "--format", "plain")).stdout
    assert "infinite slope" in text


def test_log_of_a_negative_number_is_reported_not_raised(run_cli):
    # explain does not raise DomainError (unlike grad, exit 3): it shows the nan
    # and says at which node it arose
    result = explaining.explain("log(x)", [-1.0])
    node = step(result, "v2")
    assert math.isnan(node.value) and math.isnan(result.value)
    assert node.notes == ["value nan: outside the domain of log(v1)"]
    assert step(result, "v1").notes == []
    completed = run_cli("explain", "log(x)", "--at", "-1", "--format", "plain")
    assert completed.exit_code == 0 and completed.stderr == ""
    _, rows, _ = section(plain_sections(completed.stdout), "2.")
    assert rows[1] == ["v2", "nan", "value nan: outside the domain of log(v1)"]
    document = json.loads(ok(run_cli("explain", "log(x)", "--at", "-1",
                                     "--format", "json")).stdout)
    assert document["value"] is None and document["nodes"][1]["value"] is None
    assert run_cli("grad", "log(x)", "--at", "-1").exit_code == 3  # grad fails instead


def test_nan_downstream_of_log_of_a_negative_number():
    result = explaining.explain("log(x)*x", [-1.0])
    assert math.isnan(step(result, "v3").value)
    assert "outside the domain of log(v1)" in step(result, "v2").notes[0]
    assert any("adjoint nan" in n for n in step(result, "v1").notes)


def test_only_the_node_that_made_the_nan_is_said_to_be_outside_its_domain():
    result = explaining.explain("log(x)*x", [-1.0])
    blamed = [s.node for s in result.steps if any("outside the domain" in n for n in s.notes)]
    assert blamed == ["v2"]


def test_a_nan_partial_is_not_called_infinite():
    result = explaining.explain("x**y", [-2.0, 2.0])
    node = step(result, "v3")
    assert math.isnan(node.inputs[1].partial)
    assert node.notes and not any("infinite" in n for n in node.notes)
