"""engine/dispatch.py: which interpreter runs (the scalar loop, levels with
numpy, a numpy batch) and which AD mode, with the thresholds named there."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import adcli
from adcli.engine import dispatch, reverse
from adcli.engine.dispatch import ModeChoice, choose_mode
from conftest import subprocess_env


def _wide_sum(terms):
    """sin(x1)*x2 + sin(x2)*x3 + ...: two levels of terms nodes each, wide."""
    return " + ".join(f"sin(x{k})*x{k + 1}" for k in range(1, terms + 1))


def _chain(length):
    """sin(sin(...sin(x)...)): one node per level, as narrow as a graph gets."""
    return "sin(" * length + "x" + ")" * length


# --- the scalar loop or levels with numpy ---------------------------------------


def test_a_small_graph_takes_the_scalar_loop():
    assert not dispatch.levels_pay(adcli.parse(_wide_sum(10)))


def test_a_wide_graph_takes_the_levels_once_numpy_is_loaded():
    assert "numpy" in sys.modules  # the test suite has loaded it
    graph = adcli.parse(_wide_sum(60))
    assert dispatch.MIN_OP_NODES_NUMPY_LOADED <= len(graph.op_nodes) < dispatch.MIN_OP_NODES
    assert dispatch.levels_pay(graph)


def test_a_narrow_graph_takes_the_scalar_loop_however_large():
    graph = adcli.parse(_chain(dispatch.MIN_OP_NODES + 10))
    assert len(graph.op_nodes) >= dispatch.MIN_OP_NODES
    assert len(graph.op_nodes) < dispatch.MIN_NODES_PER_GROUP * len(reverse.groups(graph))
    assert not dispatch.levels_pay(graph)


def test_the_choice_is_made_once_per_graph(monkeypatch):
    graph = adcli.parse(_wide_sum(60))
    point = [1.0] * len(graph.variables)
    assert isinstance(dispatch.values_and_adjoints(graph, point)[0], np.ndarray)  # levels
    monkeypatch.setattr(dispatch, "MIN_OP_NODES_NUMPY_LOADED", 10 ** 9)
    assert not dispatch.levels_pay(graph)
    # every later call takes the path of the first
    assert isinstance(dispatch.values_and_adjoints(graph, point)[0], np.ndarray)
    assert isinstance(dispatch.values(graph, point), np.ndarray)


def test_both_paths_give_the_same_values_and_adjoints():
    graph = adcli.parse(_wide_sum(60))
    point = [0.1 * k for k in range(1, len(graph.variables) + 1)]
    values, adjoints = dispatch.values_and_adjoints(graph, point)
    assert isinstance(values, np.ndarray)  # the levels ran
    scalar_values = reverse.forward(graph, point)
    scalar_adjoints = reverse.backward(graph, scalar_values)
    assert values.tolist() == scalar_values
    assert dispatch.variable_entries(adjoints, graph) == dispatch.variable_entries(
        scalar_adjoints, graph)
    assert dispatch.values(graph, point).tolist() == scalar_values


def test_a_medium_graph_from_the_shell_does_not_load_numpy():
    """Below MIN_OP_NODES a fresh process keeps the scalar loop: importing
    numpy would cost more than the levels save."""
    code = ("import sys, adcli; text = " + repr(_wide_sum(200)) + "; "
            "r = adcli.grad(text, [1.0] * 201); "
            "print(len(adcli.parse(text).op_nodes), 'numpy' in sys.modules)")
    env = subprocess_env()
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(adcli.__file__))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    nodes, loaded = done.stdout.split()
    assert dispatch.MIN_OP_NODES_NUMPY_LOADED <= int(nodes) < dispatch.MIN_OP_NODES
    assert loaded == "False"


# --- forward or reverse mode ------------------------------------------------------------


@pytest.mark.parametrize("inputs, outputs, mode", [
    (1, 3, "forward"), (2, 3, "forward"), (3, 3, "reverse"), (3, 2, "reverse"),
    (5, 1, "reverse"), (1, 1, "reverse"), (0, 2, "forward"),
])
def test_auto_picks_the_mode_with_fewer_passes(inputs, outputs, mode):
    choice = choose_mode("auto", inputs, outputs)
    assert choice.mode == mode
    assert choice.passes == (inputs if mode == "forward" else outputs)


def test_auto_through_the_api():
    assert adcli.jacobian("x*y; x+y; x-y", [1, 2]).mode.mode == "forward"  # 2 in, 3 out
    assert adcli.jacobian("x*y*z; x+y", [1, 2, 3]).mode.mode == "reverse"  # 3 in, 2 out
    assert adcli.jacobian("x*y; x+y", [1, 2]).mode.mode == "reverse"  # 2 in, 2 out
    assert adcli.grad("x*y", [1, 2], mode="auto").mode.mode == "reverse"
    assert adcli.grad("x", [1], mode="auto").mode.mode == "reverse"


def _passes(text, mode):
    """The pass count the explanation gives for a mode."""
    found = re.search(rf"{mode}[^;,\d]*(\d+) pass", text)
    assert found, f"no pass count for {mode} in: {text}"
    return int(found.group(1))


@pytest.mark.parametrize("requested, inputs, outputs", [
    ("auto", 2, 3), ("auto", 4, 1), ("forward", 4, 1), ("reverse", 1, 5)])
def test_explain_states_the_choice_and_the_pass_counts(requested, inputs, outputs):
    choice = choose_mode(requested, inputs, outputs)
    text = choice.explain()
    assert isinstance(choice, ModeChoice)
    assert choice.mode in text
    assert requested in text
    assert _passes(text, "forward") == inputs
    assert _passes(text, "reverse") == outputs
    assert choice.as_dict() == {"mode": choice.mode, "requested": requested,
                                "inputs": inputs, "outputs": outputs,
                                "passes": choice.passes}


def test_unknown_mode_is_an_error():
    with pytest.raises(adcli.ExpressionError, match="mode"):
        adcli.jacobian("x", [1], mode="sideways")
    with pytest.raises(adcli.ExpressionError, match="mode"):
        adcli.grad("x", [1], mode="sideways")
