"""Which interpreter runs: the one place that decides.

- One point of a small graph: the scalar loop (reverse.py with Python
  floats); numpy is never imported for it.
- One point of a large, wide graph: level by level with numpy (levels.py),
  when its shape says that pays (the thresholds below).
- A batch of points: the scalar loop's steps with numpy arrays
  (batch.py, adcli.engine.vectorized as the namespace), one numpy call per
  node, buffers reused and dropped once used.
- Derivatives of several outputs: forward mode (one pass per input) or
  reverse mode (one pass per output), as choose_mode decides.

Every path adds in the same order, so every path gives the same bits.
"""
import sys
from dataclasses import dataclass
from typing import Optional

from . import forward, reverse, scalar
from ..errors import PointError
from ..graph import count_text

# --- the scalar loop or levels with numpy ---------------------------------------

#: a graph is evaluated by levels when it has at least this many op nodes
#: (importing numpy costs ~70 ms: worth it for a large graph even once) ...
MIN_OP_NODES = 2000
#: ... or this many once numpy is loaded anyway (minimize, batches), where
#: levels beat the scalar loop from about 60 nodes
MIN_OP_NODES_NUMPY_LOADED = 100
#: ... and on average at least this many op nodes per group
MIN_NODES_PER_GROUP = 8


def levels_pay(graph):
    """Whether level-by-level evaluation beats the scalar loop for graph,
    judged from its shape alone (no numpy needed to decide)."""
    count = len(graph.op_nodes)
    if count < (MIN_OP_NODES_NUMPY_LOADED if "numpy" in sys.modules else MIN_OP_NODES):
        return False
    return count >= MIN_NODES_PER_GROUP * len(reverse.groups(graph))


def values(graph, point):
    """Values of every node at one point, on the same path as
    values_and_adjoints."""
    if graph.cached("by_levels", levels_pay):  # decided once: every call takes one path
        from . import levels
        return levels.forward(levels.plan(graph), point)[0]
    return reverse.forward(graph, point)


def values_and_adjoints(graph, point):
    """Values and adjoints of every node at one point (the adjoints of the
    output): by levels for large wide graphs, else by the scalar loop."""
    if graph.cached("by_levels", levels_pay):  # decided once: every call takes one path
        from . import levels
        plan = levels.plan(graph)
        computed, gathered = levels.forward(plan, point)
        return computed, levels.backward(plan, computed, gathered)
    computed = reverse.forward(graph, point)
    return computed, reverse.backward(graph, computed)


def variable_entries(items, graph):
    """The variables' entries of items (values or adjoints from either path),
    as Python floats."""
    if isinstance(items, list):
        return [float(items[i]) for i in graph.var_nodes]
    from . import levels
    return items[levels.plan(graph).var_nodes].tolist()


# --- batches: numpy arrays through the scalar loop's steps (engine/batch.py) --------


def batch_values_and_adjoints(graph, columns):
    """(values, adjoints) at a batch (one array per variable): the values of
    the outputs and the variables, the adjoints of the output for the
    variables; other nodes' entries are None (dropped once used, to keep the
    memory of a hand-written gradient).  Non-finite entries are left for the
    caller to find, not warned about."""
    import numpy as np

    from . import batch
    with np.errstate(all="ignore"):
        return batch.values_and_adjoints(graph, columns)


def batch_jacobian(graph, columns, outputs, mode):
    """jacobian over a batch: each entry an array over the points."""
    import numpy as np

    from . import batch
    with np.errstate(all="ignore"):
        xp = batch.sweep_namespace()
        values = batch.forward(graph, columns, xp)
        if mode == "forward":
            rows, passes = forward.jacobian_rows(graph, values, outputs, xp), len(graph.var_nodes)
        else:
            shape = batch.batch_shape(columns)
            rows, passes = batch.jacobian_rows(graph, values, outputs, shape, xp), len(outputs)
        return [values[o] for o in outputs], rows, passes


# --- forward or reverse mode ------------------------------------------------------

MODES = ("auto", "forward", "reverse")


@dataclass
class ModeChoice:
    """Which AD mode computes a derivative, and why."""

    mode: str  # "forward" or "reverse"
    requested: str  # what the user asked: "auto", "forward" or "reverse"
    inputs: int
    outputs: int
    # set when auto ran forward mode over a column colouring (engine/sparsity.py):
    # one pass carrying this many directions, one per colour
    colours: Optional[int] = None

    @property
    def passes(self):
        if self.colours is not None:
            return self.colours
        return self.inputs if self.mode == "forward" else self.outputs

    def explain(self):
        forward = f"forward mode needs {count_text(self.inputs, 'pass')} (one per input)"
        reverse = f"reverse mode needs {count_text(self.outputs, 'pass')} (one per output)"
        shape = f"{count_text(self.inputs, 'input')}, {count_text(self.outputs, 'output')}"
        if self.colours is not None:
            return (f"mode auto chose forward mode over a column colouring of the "
                    f"Jacobian's pattern: {shape}; {count_text(self.colours, 'colour')}, so "
                    f"{count_text(self.colours, 'direction')} in one pass, where plain "
                    f"forward mode needs {self.inputs} and reverse mode {self.outputs}.")
        if self.requested == "auto":
            why = ("fewer inputs than outputs" if self.mode == "forward"
                   else "no fewer outputs than inputs")
            head = f"mode auto chose {self.mode} ({why}): "
        else:
            head = f"mode {self.mode} (as asked): "
        return f"{head}{shape}; {forward}, {reverse}."

    def as_dict(self):
        data = {"mode": self.mode, "requested": self.requested, "inputs": self.inputs,
                "outputs": self.outputs, "passes": self.passes}
        if self.colours is not None:
            data["colours"] = self.colours
        return data


def check_mode(requested):
    """PointError unless requested is one of MODES."""
    if requested not in MODES:
        raise PointError(f"unknown mode {requested!r}; choose one of {', '.join(MODES)}")


def choose_mode(requested, inputs, outputs):
    """auto: forward when there are fewer inputs than outputs, else reverse."""
    check_mode(requested)
    mode = requested
    if requested == "auto":
        mode = "forward" if inputs < outputs else "reverse"
    return ModeChoice(mode, requested, inputs, outputs)


def jacobian(graph, point, outputs, mode="reverse", xp=scalar):
    """(values, m x n Jacobian as a list of rows, passes) at one point, or
    with xp=vectorized at a batch (each entry then an array over the points).

    Reverse mode runs one reverse sweep per output (m passes); forward mode
    one forward sweep per variable (n passes).
    """
    computed = reverse.forward(graph, point, xp)
    if mode == "forward":
        rows, passes = forward.jacobian_rows(graph, computed, outputs, xp), len(graph.var_nodes)
    else:
        rows, passes = reverse.jacobian_rows(graph, computed, outputs, xp), len(outputs)
    return [computed[o] for o in outputs], rows, passes
