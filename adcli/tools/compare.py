"""The four ways to a derivative, side by side (adcli compare).

Reverse-mode AD, forward-mode AD, central finite differences and the
complex step, on one output at one point; and the finite-difference error
against the step size, which shows the truncation/round-off trade-off that
AD does not have.
"""
import math
from dataclasses import dataclass, field

from .. import api
from ..engine import differences
from ..graph import count_text, format_number
from ..errors import AdcliError

#: the steps of the sweep: 1e-1 down to 1e-15
SWEEP_STEPS = tuple(10.0 ** -k for k in range(1, 16))


@dataclass
class Method:
    name: str
    gradient: list  # None when the method does not apply
    evaluations: str  # what it cost, e.g. "1 forward + 1 reverse pass"
    note: str = ""  # why it does not apply, or how it was done


@dataclass
class Comparison:
    output: str
    variables: tuple
    point: dict
    value: float
    methods: list = field(default_factory=list)

    def differences(self, name):
        """Largest |method - reverse| over the gradient, or None; nan when a
        component is nan (max() would drop it, depending on its place)."""
        reference = self.methods[0].gradient
        method = next(m for m in self.methods if m.name == name)
        if method.gradient is None:
            return None
        gaps = [abs(a - b) for a, b in zip(method.gradient, reference)]
        return math.nan if any(map(math.isnan, gaps)) else max(gaps, default=0.0)


def compare(expr, at, *, variables=None, output=None):
    """The gradient of one output by reverse mode, forward mode, central
    differences and the complex step."""
    graph, point, _ = api.prologue(expr, at, variables=variables, output=output)
    n = len(point)
    gradient = api.grad(graph, point)
    forward = api.grad(graph, point, mode="forward")
    central, central_cost = differences.central(graph, point)
    methods = [
        Method("reverse", list(gradient.gradient.values()), "1 forward + 1 reverse pass"),
        Method("forward", list(forward.gradient.values()),
               f"{count_text(n, 'forward pass')} (one per variable)"),
        Method("central differences", central[0],
               f"{count_text(central_cost, 'evaluation')} of f",
               "step cbrt(eps)*max(1,|x|)"),
    ]
    try:
        rows, cost = differences.complex_step(graph, point)
        methods.append(Method("complex step", rows[0], f"{count_text(cost, 'complex evaluation')} of f",
                              "step 1e-200"))
    except AdcliError as error:
        methods.append(Method("complex step", None, "-", str(error)))
    for method in methods:
        _note_nonfinite(method, graph.variables)
    return Comparison(graph.output_names[0], graph.variables, dict(zip(graph.variables, point)),
                      gradient.value, methods)


def _note_nonfinite(method, variables):
    """Say which components are not finite (JSON shows them as null)."""
    if method.gradient is None:
        return
    bad = [f"d/d{v} is {format_number(float(g))}" for v, g in zip(variables, method.gradient)
           if not math.isfinite(g)]
    if bad:
        notes = ["not finite: " + ", ".join(bad), method.note]
        method.note = "; ".join(note for note in notes if note)


@dataclass
class Sweep:
    """Finite-difference error against step, per variable."""

    variables: tuple
    point: dict
    steps: tuple
    exact: list  # the AD gradient
    forward_error: list  # [variable][step] |forward difference - exact|
    central_error: list

    def best(self, errors):
        """(step, error) with the least error, per variable; a nan error is
        never the least (min() would keep one that comes first)."""
        return [min(zip(self.steps, row), key=lambda item: (math.isnan(item[1]), item[1]))
                for row in errors]


def sweep(expr, at, *, variables=None, output=None, steps=SWEEP_STEPS):
    """Forward and central difference errors for steps 1e-1 .. 1e-15."""
    graph, point, _ = api.prologue(expr, at, variables=variables, output=output)
    exact = list(api.grad(graph, point).gradient.values())
    base = differences.outputs_at(graph, point)[0]
    forward_error, central_error = [], []
    for k in range(len(point)):
        forward_row, central_row = [], []
        for h in steps:
            up = differences.outputs_at(graph, differences._moved(point, k, h))[0]
            down = differences.outputs_at(graph, differences._moved(point, k, -h))[0]
            forward_row.append(abs((up - base) / h - exact[k]))
            central_row.append(abs((up - down) / (2 * h) - exact[k]))
        forward_error.append(forward_row)
        central_error.append(central_row)
    return Sweep(graph.variables, dict(zip(graph.variables, point)), tuple(steps), exact,
                 forward_error, central_error)
