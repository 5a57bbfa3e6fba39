"""adcli graph: DOT read back by a small reader (nodes, edges, labels with
the operation, value and adjoint; edge labels the local partials), Graphviz
itself when installed, Mermaid checked line by line, the JSON graph against
`adcli grad --trace`, and --max-nodes on large export."""
import json
import re
import shutil
import subprocess

import pytest

from adcli.tools import explain as explaining
from adcli.cli import export
from conftest import ok

TEXTBOOK = "3*(x1**2+x2*x3)"
# what each node computes, its value and adjoint, by hand (see tools/test_explain.py)
NODES = {"x1": ("input x1", "2", "12"), "x2": ("input x2", "3", "12"),
         "x3": ("input x3", "4", "9"), "x4": ("x1**2", "4", "3"),
         "x5": ("x2*x3", "12", "3"), "x6": ("x4 + x5", "16", "3"),
         "x7": ("3*x6", "48", "1")}
EDGES = {("x1", "x4"): "4", ("x2", "x5"): "4", ("x3", "x5"): "3", ("x4", "x6"): "1",
         ("x5", "x6"): "1", ("x6", "x7"): "3"}
SHARED = "s = sin(x)\ny = s*s + s"  # s feeds the product twice and the sum once


# --- a small DOT reader -------------------------------------------------------------------

# a quoted DOT string: the only escape is \" (a backslash before anything else stays)
QUOTED = r'"(?:\\"|[^"])*"'
ATTRIBUTE = re.compile(r'(\w+)=(' + QUOTED + r'|[^,\]\s]+)')
NODE = re.compile(r'^\s*(\w+) \[(.*)\];$')
EDGE = re.compile(r'^\s*(\w+) -> (\w+)(?: \[(.*)\])?;$')
STATEMENT = re.compile(r'(?:[^;"]|' + QUOTED + r')+;')


def unquote(text):
    if text.startswith('"'):
        return text[1:-1].replace('\\"', '"')
    return text


def attributes(text):
    return {key: unquote(value) for key, value in ATTRIBUTE.findall(text or "")}


def read_dot(text):
    """DOT text -> (graph label, {node: attributes}, [(source, target, attributes)]).
    Fails on any statement it does not know."""
    lines = text.splitlines()
    assert lines[0] == "digraph adcli {" and lines[-1] == "}", text
    body = "\n".join(lines[1:-1])
    statements, end = [], 0
    for match in STATEMENT.finditer(body):  # split at the ; outside quotes
        assert not body[end:match.start()].strip(), f"stray text: {body[end:match.start()]!r}"
        statements.append(match.group())
        end = match.end()
    assert not body[end:].strip(), f"stray text: {body[end:]!r}"
    label, nodes, edges = None, {}, []
    for statement in (s.strip() for s in statements):
        if statement in ("rankdir=LR;", "labelloc=t;") or statement.startswith("node ["):
            continue
        if statement.startswith("label="):
            label = unquote(statement[len("label="):-1])
            continue
        edge = EDGE.match(statement)
        if edge:
            edges.append((edge.group(1), edge.group(2), attributes(edge.group(3))))
            continue
        node = NODE.match(statement)
        assert node, f"not a DOT statement this reader knows: {statement!r}"
        assert node.group(1) not in nodes, f"node declared twice: {node.group(1)}"
        nodes[node.group(1)] = attributes(node.group(2))
    for source, target, _ in edges:
        assert source in nodes and target in nodes, (source, target)
    return label, nodes, edges


def label_lines(attrs):
    return attrs["label"].split("\\n")


# --- DOT ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def textbook_dot():
    from adcli.cli import cli
    from conftest import make_runner
    return ok(make_runner().invoke(cli, ["graph", TEXTBOOK, "--at", "2,3,4"])).stdout


def test_textbook_dot_nodes_and_edges(textbook_dot):
    label, nodes, edges = read_dot(textbook_dot)
    assert label == "f = 3*(x1**2+x2*x3)"
    assert len(nodes) == 7 and len(edges) == 6
    for name, (computes, value, adjoint) in NODES.items():
        assert label_lines(nodes[name]) == [f"{name}: {computes}", f"value {value}",
                                            f"adjoint {adjoint}"]
    assert {(s, t): a["label"] for s, t, a in edges} == EDGES
    assert [nodes[n]["shape"] for n in ("x1", "x2", "x3")] == ["box"] * 3
    assert {nodes[n]["shape"] for n in ("x4", "x5", "x6", "x7")} == {"ellipse"}
    assert nodes["x7"].get("style") == "filled"  # the output stands out
    assert not any("fillcolor" in nodes[n] for n in ("x1", "x4", "x6"))


def test_dot_is_the_default_format(run_cli, textbook_dot):
    assert ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--format", "dot")).stdout == \
        textbook_dot


def test_shared_subexpression_is_one_node_with_several_outgoing_edges(run_cli):
    _, nodes, edges = read_dot(ok(run_cli("graph", SHARED, "--at", "0.7")).stdout)
    assert len(nodes) == 4  # x, s, s*s, s*s + s
    sine = [n for n, a in nodes.items() if ": sin(" in a["label"]]
    assert sine == ["v2"] and label_lines(nodes["v2"])[0] == "v2 (s): sin(v1)"
    outgoing = sorted(t for s, t, _ in edges if s == "v2")
    assert outgoing == ["v3", "v3", "v4"]
    assert [a["label"] for s, t, a in edges if (s, t) == ("v2", "v3")] == ["0.644218"] * 2
    assert label_lines(nodes["v4"])[0] == "v4 (y): v3 + v2"


def test_x_times_x_has_two_edges(run_cli):
    _, nodes, edges = read_dot(ok(run_cli("graph", "x*x", "--at", "3")).stdout)
    assert [(s, t, a["label"]) for s, t, a in edges] == [("v1", "v2", "3"), ("v1", "v2", "3")]
    assert label_lines(nodes["v1"])[2] == "adjoint 6"


def test_kink_node_is_marked(run_cli):
    _, nodes, _ = read_dot(ok(run_cli("graph", "abs(x) + x", "--at", "0")).stdout)
    kink = next(a for a in nodes.values() if "abs(" in a["label"])
    assert kink.get("fillcolor") == "#fff3b0"
    document = json.loads(ok(run_cli("graph", "abs(x) + x", "--at", "0",
                                     "--format", "json")).stdout)
    assert [n["kink"] for n in document["nodes"]] == [False, True, False]


def test_program_output_selection(run_cli):
    text = ok(run_cli("graph", "-f", "-", "--at", "t1=0.3,t2=1.1", "--output", "py",
                      input=_arm())).stdout
    _, nodes, edges = read_dot(text)
    output = [a for a in nodes.values() if a.get("fillcolor") == "#cde8ff"]
    assert len(output) == 1 and "(py)" in output[0]["label"]


def _arm():
    from conftest import EXAMPLES
    return (EXAMPLES / "two_link_arm.adx").read_text(encoding="utf-8")


def _dot_program():
    return shutil.which("dot")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_accepts_the_dot(textbook_dot):
    done = subprocess.run([_dot_program(), "-Tsvg"], input=textbook_dot.encode(),
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert b"<svg" in done.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_format_svg_and_png_through_graphviz(run_cli):
    svg = ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--format", "svg")).stdout
    assert "<svg" in svg and "</svg>" in svg
    assert "x4: x1**2" in svg and "adjoint 12" in svg
    png = ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--format", "png")).stdout_bytes
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("image", ["svg", "png"])
def test_without_graphviz_svg_and_png_say_how_to_get_it(run_cli, monkeypatch, tmp_path,
                                                         image):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    result = run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--format", image)
    assert result.exit_code == 2 and result.stdout == ""
    assert "Graphviz" in result.stderr and "install graphviz" in result.stderr
    assert "--format dot" in result.stderr
    # DOT text needs nothing
    assert ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--format", "dot")).stdout


def test_a_quote_in_a_comment_survives_in_the_dot_label(run_cli):
    program = '# the "square" of x\ny = x*x\n'
    text = ok(run_cli("graph", "-f", "-", "--at", "3", input=program)).stdout
    label, _, _ = read_dot(text)
    assert label == "f = " + program.strip()
    if shutil.which("dot") is not None:
        done = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr.decode()


# --- Mermaid ------------------------------------------------------------------------------

M_NODE = re.compile(r'^  (\w+)(?:\["([^"]*)"\]|\("([^"]*)"\))$')
M_EDGE = re.compile(r'^  (\w+) -- "([^"]*)" --> (\w+)$')
M_PLAIN_EDGE = re.compile(r'^  (\w+) --> (\w+)$')


def read_mermaid(text):
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges = {}, []
    for line in lines[1:]:
        node, edge, plain = M_NODE.match(line), M_EDGE.match(line), M_PLAIN_EDGE.match(line)
        assert node or edge or plain, f"not Mermaid this reader knows: {line!r}"
        if node:
            assert node.group(1) not in nodes, f"declared twice: {line}"
            box = node.group(2) is not None
            nodes[node.group(1)] = (node.group(2) if box else node.group(3), box)
        elif edge:
            edges.append((edge.group(1), edge.group(3), edge.group(2)))
        else:
            edges.append((plain.group(1), plain.group(2), None))
    for source, target, _ in edges:
        assert source in nodes and target in nodes, (source, target)
    return nodes, edges


def test_textbook_mermaid(run_cli):
    text = ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--format", "mermaid")).stdout
    nodes, edges = read_mermaid(text)
    assert len(nodes) == 7 and len(edges) == 6
    for name, (computes, value, adjoint) in NODES.items():
        label, box = nodes[name]
        assert label == f"{name}: {computes}<br/>value {value}<br/>adjoint {adjoint}"
        assert box == computes.startswith("input")  # inputs square, ops rounded
    assert {(s, t): label for s, t, label in edges} == EDGES


def test_shared_subexpression_in_mermaid(run_cli):
    nodes, edges = read_mermaid(ok(run_cli("graph", SHARED, "--at", "0.7",
                                           "--format", "mermaid")).stdout)
    assert len(nodes) == 4
    assert sorted(t for s, t, _ in edges if s == "v2") == ["v3", "v3", "v4"]
    assert nodes["v2"][0].startswith("v2 (s): sin(v1)<br/>")


# --- JSON against the trace of grad --trace ----------------------------------------------


@pytest.mark.parametrize("expr, at", [(TEXTBOOK, "2,3,4"), (SHARED, "0.7"),
                                      ("max(x, y)*x", "1,1"),
                                      ("exp(x)*sin(y) + x*y**2", "0.7,-1.3")])
def test_json_graph_matches_the_trace(run_cli, expr, at):
    document = json.loads(ok(run_cli("graph", expr, "--at", at, "--format", "json")).stdout)
    trace = json.loads(ok(run_cli("grad", expr, "--at", at, "--trace",
                                  "--format", "json")).stdout)
    assert set(document) == {"schema", "expression", "output", "nodes", "edges", "collapsed"}
    assert document["schema"] == "adcli.graph/1"
    assert document["collapsed"] == 0
    rows = trace["trace"]
    assert [n["id"] for n in document["nodes"]] == [r["node"] for r in rows]
    for node, row in zip(document["nodes"], rows):
        assert (node["computes"], node["value"], node["adjoint"], node["kink"]) == (
            row["computes"], row["value"], row["adjoint"], row["kink"])
        assert node["kind"] == ("input" if row["computes"].startswith("input") else "op")
    edges = sorted((e["from"], e["to"], e["partial"]) for e in document["edges"])
    partials = sorted((p["wrt"], r["node"], p["value"]) for r in rows for p in r["partials"])
    assert edges == partials
    assert document["output"] == rows[-1]["node"]
    gradient = trace["gradient"]
    inputs = [n for n in document["nodes"] if n["kind"] == "input"]
    assert [n["adjoint"] for n in inputs] == list(gradient.values())


def test_json_graph_formulas(run_cli):
    document = json.loads(ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4",
                                     "--format", "json")).stdout)
    formulas = {(e["from"], e["to"]): e["formula"] for e in document["edges"]}
    assert formulas == {("x1", "x4"): "2*x1", ("x2", "x5"): "x3", ("x3", "x5"): "x2",
                        ("x4", "x6"): "1", ("x5", "x6"): "1", ("x6", "x7"): "3"}


def test_json_graph_with_non_finite_values_is_strict_json(run_cli):
    text = ok(run_cli("graph", "log(x)*x", "--at", "-1", "--format", "json")).stdout
    assert "NaN" not in text and "Infinity" not in text
    document = json.loads(text)
    assert document["nodes"][1]["value"] is None


# --- --max-nodes ----------------------------------------------------------------------------


def _sines_of_one_variable(n):
    """sum of sin(k*x), k = 1..n: one input, 2n + 1 op nodes."""
    return " + ".join(f"sin({k}*x)" for k in range(1, n + 1))


def _many_sines(n):
    expr = " + ".join(f"sin(x{i})" for i in range(1, n + 1))
    at = ",".join(f"{0.001 * i:.3f}" for i in range(1, n + 1))
    return expr, at


def test_max_nodes_collapses_a_long_graph(run_cli):
    expr = _sines_of_one_variable(250)  # 1 input, 501 op nodes
    document = json.loads(ok(run_cli("graph", expr, "--at", "0.1", "--max-nodes", "50",
                                     "--format", "json")).stdout)
    assert len(document["nodes"]) == 50 and document["collapsed"] == 501 - 49
    shown = {n["id"] for n in document["nodes"]}
    assert document["nodes"][0]["id"] == "v1" and document["nodes"][-1]["id"] == "v502"
    assert all(e["from"] in shown | {"collapsed"} and e["to"] in shown
               for e in document["edges"])
    assert any(e["from"] == "collapsed" for e in document["edges"])
    text = ok(run_cli("graph", expr, "--at", "0.1", "--max-nodes", "50")).stdout
    _, nodes, edges = read_dot(text)
    assert len(nodes) == 51  # 50 and the stand-in
    assert nodes["collapsed"]["label"] == "452 earlier nodes collapsed (--max-nodes)"
    assert any(s == "collapsed" for s, _, _ in edges)
    mermaid, _ = read_mermaid(ok(run_cli("graph", expr, "--at", "0.1", "--max-nodes", "50",
                                         "--format", "mermaid")).stdout)
    assert len(mermaid) == 51
    assert mermaid["collapsed"][0] == "452 earlier nodes collapsed (--max-nodes)"


def test_max_nodes_on_a_500_term_sum_says_how_many_were_collapsed(run_cli):
    expr, at = _many_sines(500)  # 500 inputs, 500 sines and one sum
    document = json.loads(ok(run_cli("graph", expr, "--at", at, "--max-nodes", "50",
                                     "--format", "json")).stdout)
    assert document["collapsed"] + len(document["nodes"]) == 1001  # every node, inputs too
    assert len(document["nodes"]) <= 50
    text = ok(run_cli("graph", expr, "--at", at, "--max-nodes", "50")).stdout
    _, nodes, _ = read_dot(text)
    count = int(re.match(r"(\d+) earlier nodes collapsed", nodes["collapsed"]["label"])[1])
    assert count == document["collapsed"] > 0


def test_max_nodes_bounds_the_nodes_drawn_even_with_many_inputs(run_cli):
    expr, at = _many_sines(500)
    _, nodes, _ = read_dot(ok(run_cli("graph", expr, "--at", at, "--max-nodes", "50")).stdout)
    assert len(nodes) <= 51


def test_small_graphs_are_not_collapsed(run_cli):
    text = ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--max-nodes", "7")).stdout
    assert "collapsed" not in text
    text = ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--max-nodes", "6")).stdout
    _, nodes, _ = read_dot(text)
    assert nodes["collapsed"]["label"] == "2 earlier nodes collapsed (--max-nodes)"
    assert "x4" not in nodes and "x1" not in nodes  # the earliest op node goes first,
    # and with it the input only it reads
    assert run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--max-nodes", "1").exit_code == 2


def test_the_api_functions_agree_with_the_cli(run_cli):
    result = explaining.explain(TEXTBOOK, [2, 3, 4])
    for name, function in (("dot", export.to_dot), ("mermaid", export.to_mermaid),
                           ("json", export.to_json)):
        assert ok(run_cli("graph", TEXTBOOK, "--at", "2,3,4", "--format", name)).stdout == \
            function(result, 300)
