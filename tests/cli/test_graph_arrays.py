"""adcli graph on array graphs (cli/views/graph.py's array forms): node labels
with shapes, values and adjoints summarized, edges labelled with the reverse
rule toward each input; DOT, Mermaid and JSON parsed back; --max-nodes."""
import json
import os
import re
import sys
import unicodedata

import numpy as np
import pytest

from adcli.cli.views import graph as view
from adcli.tools import explain as explaining

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "tools"))
from array_tapes import LEAST_SQUARES_AT, least_squares, rosenbrock  # noqa: E402


def nfc(text):
    return unicodedata.normalize("NFC", text)


@pytest.fixture
def issue_example():
    return explaining.explain_arrays_at(least_squares(), LEAST_SQUARES_AT, ["x"])


def test_dot_labels_carry_shapes_and_edges_the_rules(issue_example):
    text = view.array_dot(issue_example)
    labels = dict(re.findall(r'^  (v\d+) \[shape=\w+, label="([^"]*)"', text, re.M))
    assert labels["v1"] == r"v1: input A\n(2, 2) [[1, 2], [3, 4]]\nno adjoint (data)"
    assert labels["v4"] == r"v4: A @ x\n(2,) [3, 7]\nadjoint [6, 12]"
    assert labels["v7"] == r"v7: sum(v6)\nscalar 45\nadjoint 1"
    edges = re.findall(r'^  (\w+) -> (\w+)(?: \[label="([^"]*)"\])?;', text, re.M)
    assert ("v1", "v4", "") in edges  # A is data: no rule toward it
    assert ("v3", "v4", nfc("x̄ += Aᵀ·v̄4")) in edges
    assert len(edges) == 6
    assert text.startswith("digraph adcli {") and text.endswith("}\n")


def test_mermaid_and_json(issue_example):
    mermaid = view.array_mermaid(issue_example)
    assert 'v4("v4: A @ x<br/>(2,) [3, 7]<br/>adjoint [6, 12]")' in mermaid
    assert nfc('v3 -- "x̄ += Aᵀ·v̄4" --> v4') in mermaid
    document = json.loads(view.array_json(issue_example))
    assert document["schema"] == "adcli.graph.arrays/1"
    node = {n["id"]: n for n in document["nodes"]}["v4"]
    assert (node["shape"], node["value"], node["adjoint"]) == ([2], "[3, 7]", "[6, 12]")
    assert {"from": "v3", "to": "v4", "rule": nfc("x̄ += Aᵀ·v̄4")} in document["edges"]


def test_max_nodes_collapses_the_earliest(issue_example):
    document = json.loads(view.array_json(issue_example, max_nodes=3))
    assert [n["id"] for n in document["nodes"]] == ["v6", "v7"]
    assert document["collapsed"] == 5
    assert {"from": "collapsed", "to": "v6", "rule": ""} in document["edges"]


def test_a_large_graph_has_short_labels():
    result = explaining.explain_arrays_at(rosenbrock(), [np.linspace(0, 1, 10_000)])
    text = view.array_dot(result)
    assert max(len(line) for line in text.splitlines()) < 300
    assert "(10000,) [0, 0.00010001, 0.00020002, ..., 0.9998, 0.9999, 1]" in text


def test_show_dispatches_on_the_result(issue_example, capsys):
    view.show(issue_example, "dot")
    assert capsys.readouterr().out == view.array_dot(issue_example)
