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


def compare(expr, at, *, variables=None, output=None, wrt=None):
    """The gradient of one output by reverse mode, forward mode, central
    differences and the complex step.  An array graph (array ops or data, or
    a point binding arrays) gives an ArrayComparison, entry by entry, with
    respect to ``wrt`` (default all variables)."""
    graph, array_call = _array_call(expr, at, variables, output, wrt)
    if array_call is not None:
        return compare_arrays(*array_call)
    graph, point, _ = api.prologue(graph, at)
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


def _array_call(expr, at, variables, output, wrt):
    """(the graph, parsed once with its output selected; (graph, point, wrt)
    bound by array_api when the call is about arrays, else None): api's test,
    array ops or data, a point binding arrays, or a wrt."""
    graph = api.parse(expr, variables)
    if output is not None:
        graph = graph.select(output)
    if api._arrays(graph, at, wrt) is None:
        return graph, None
    from .. import array_api
    return graph, array_api.bind(graph, at, wrt)


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


def sweep(expr, at, *, variables=None, output=None, steps=SWEEP_STEPS, wrt=None):
    """Forward and central difference errors for steps 1e-1 .. 1e-15 (an
    array graph: sweep_arrays, at evenly spaced entries of wrt's)."""
    graph, array_call = _array_call(expr, at, variables, output, wrt)
    if array_call is not None:
        return sweep_arrays(*array_call, steps=steps)
    graph, point, _ = api.prologue(graph, at)
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


# --- array graphs -------------------------------------------------------------------------
# The same comparison on a graph whose variables are arrays, entry by entry:
# reverse mode (one backward pass), forward mode (one jvp per entry), central
# differences (two evaluations per entry) and the complex step (one complex
# evaluation per entry: engine.arrays.forward runs on complex arrays, every
# rule calling the namespace).  Entries are the wrt variables' entries
# flattened in C order, labelled x[0], A[0,1] (array_results.flat_labels).

#: the entries differenced, at most: a larger gradient is compared at this many
#: evenly spaced entries (each costs two evaluations of f, or one complex one)
MAX_COMPARED_ENTRIES = 1000
#: and fewer on large data: entries compared times the entries of the point
#: stay below this (but at least MIN_COMPARED_ENTRIES are compared), so a
#: comparison costs seconds, not the square of the problem's size
COMPARE_BUDGET = 5 * 10 ** 6
MIN_COMPARED_ENTRIES = 5


@dataclass
class ArrayComparison(Comparison):
    """Comparison of an array graph: variables are the labels of the entries
    compared (x[0], A[0,1]), each method's gradient one number per entry;
    point maps every variable's name to its value (an array or a float)."""

    wrt: tuple = ()
    shapes: dict = field(default_factory=dict)  # wrt name -> shape
    entries: int = 0  # of the wrt variables together
    compared: list = field(default_factory=list)  # the flat positions compared
    note: str = ""  # when not every entry is compared, which are


def compare_arrays(graph, point, wrt=None, max_entries=None):
    """The gradient of an array graph's one output by the four methods, entry
    by entry: point in graph.variables order (floats or arrays), wrt the
    variables differentiated (None: all; the others are data).  max_entries:
    how many entries at most are compared (None: MAX_COMPARED_ENTRIES, fewer
    on large data, see COMPARE_BUDGET)."""
    import numpy as np

    from ..engine import arrays

    graph, wrt, point, values, index, shapes, labels = _array_setup(graph, point, wrt)
    value = values[graph.output]
    total = len(labels)
    if max_entries is None:
        size = sum(int(np.size(v)) for v in point) or 1
        max_entries = min(MAX_COMPARED_ENTRIES,
                          max(MIN_COMPARED_ENTRIES, COMPARE_BUDGET // size))
    positions = _compared_positions(total, max_entries)
    entries = [_entry(wrt, shapes, k) for k in positions]
    reverse = np.concatenate([np.ravel(g) for g in arrays.gradient(graph, values, wrt)] or
                             [np.zeros(0)])
    count = len(positions)
    methods = [
        Method("reverse", [float(reverse[k]) for k in positions], "1 forward + 1 reverse pass"),
        Method("forward", _forward_entries(graph, values, point, index, entries),
               f"{count_text(count, 'forward pass')} (one per entry)"),
        Method("central differences", _central_entries(graph, point, index, entries),
               f"{count_text(2 * count, 'evaluation')} of f", "step cbrt(eps)*max(1,|x|)"),
    ]
    blocked = _non_analytic_active(graph, wrt)
    if blocked:
        methods.append(Method("complex step", None, "-",
                              "the complex step needs analytic functions; not analytic here: "
                              + ", ".join(blocked)))
    else:
        methods.append(Method("complex step", _complex_entries(graph, point, index, entries),
                              f"{count_text(count, 'complex evaluation')} of f", "step 1e-200"))
    shown = [labels[k] for k in positions]
    for method in methods:
        _note_nonfinite(method, shown)
    note = "" if count == total else (f"{count:,} of {total:,} entries compared, evenly "
                                      f"spaced (the first {shown[0]}, the last {shown[-1]})")
    return ArrayComparison(graph.output_names[list(graph.outputs).index(graph.output)],
                           tuple(shown), dict(zip(graph.variables, point)), float(value),
                           methods, wrt=wrt, shapes=shapes, entries=total,
                           compared=list(positions), note=note)


def _array_setup(graph, point, wrt):
    """What compare and sweep start from on an array graph: the graph for
    arrays (max(x) the reduction), wrt, the point, the values (a scalar
    output, else ShapeError), the variable index, the wrt shapes and one
    label per wrt entry."""
    import numpy as np

    from ..array_results import flat_labels
    from ..engine import arrays

    graph = graph.for_arrays()
    wrt = tuple(graph.variables if wrt is None else wrt)
    point = [arrays._as_value(v) for v in point]
    values = arrays.forward(graph, point)
    if np.shape(values[graph.output]) != ():
        from ..errors import ShapeError
        raise ShapeError("compare needs a scalar output; this one has shape "
                         f"{np.shape(values[graph.output])}")
    index = graph.variable_index()
    shapes = {name: np.shape(point[index[name]]) for name in wrt}
    return graph, wrt, point, values, index, shapes, flat_labels(wrt, shapes)


def _compared_positions(total, limit):
    """All positions, or limit of them evenly spaced (first and last included)."""
    if total <= limit:
        return list(range(total))
    if limit <= 1:
        return [0][:limit]
    return sorted({round(k * (total - 1) / (limit - 1)) for k in range(limit)})


def _entry(wrt, shapes, position):
    """(variable name, index tuple) of a flat position over wrt in C order."""
    import numpy as np

    for name in wrt:
        size = int(np.prod(shapes[name], dtype=np.int64)) if shapes[name] else 1
        if position < size:
            return name, tuple(int(i) for i in np.unravel_index(position, shapes[name])) \
                if shapes[name] else ()
        position -= size
    raise IndexError(position)


def _moved_entry(point, index, entry, step):
    """point with one entry of one variable moved by step (a copy of that
    variable only; step may be complex)."""
    import numpy as np

    name, at = entry
    k = index[name]
    moved = list(point)
    x = np.asarray(point[k])
    dtype = np.result_type(x, step)
    changed = np.array(x, dtype=dtype)
    changed[at] = changed[at] + step
    moved[k] = changed if changed.shape else changed[()]
    return moved


def _output_at(graph, point):
    from ..engine import arrays
    return arrays.forward(graph, point)[graph.output]


def _central_entries(graph, point, index, entries):
    import numpy as np

    found = []
    for entry in entries:
        x = float(np.asarray(point[index[entry[0]]])[entry[1]])
        h = differences.central_step(x)
        up = _output_at(graph, _moved_entry(point, index, entry, h))
        down = _output_at(graph, _moved_entry(point, index, entry, -h))
        found.append(float((up - down) / (2 * h)))
    return found


def _complex_entries(graph, point, index, entries, step=1e-200):
    import numpy as np

    found = []
    with np.errstate(all="ignore"):
        for entry in entries:
            value = _output_at(graph, _moved_entry(point, index, entry, complex(0.0, step)))
            found.append(float(np.imag(value)) / step)
    return found


def _forward_entries(graph, values, point, index, entries):
    import numpy as np

    from ..engine import arrays

    found = []
    for name, at in entries:
        tangents = [None] * len(point)
        seed = np.zeros(np.shape(point[index[name]]))
        seed[at] = 1.0
        tangents[index[name]] = seed if seed.shape else 1.0
        found.append(float(arrays.jvp(graph, values, tangents)[list(graph.outputs).index(
            graph.output)]))
    return found


def _non_analytic_active(graph, wrt):
    """Names of the ops the complex step would pass through (those depending
    on a wrt variable) that it cannot use; ops on data alone do not matter."""
    from ..engine import arrays

    active = arrays.active_nodes(graph, wrt)
    return sorted({graph.ops[n].name for n in graph.op_nodes
                   if active[n] and not graph.ops[n].complex_step})


#: the entries of an array sweep, at most (each costs 2 evaluations per step)
MAX_SWEPT_ENTRIES = 10


@dataclass
class ArraySweep(Sweep):
    """Sweep of an array graph: variables are the labels of the entries swept
    (x[0], A[0,1]); point maps every variable's name to its value."""

    wrt: tuple = ()
    entries: int = 0
    compared: list = field(default_factory=list)  # the flat positions swept
    note: str = ""


def sweep_arrays(graph, point, wrt=None, steps=SWEEP_STEPS, max_entries=MAX_SWEPT_ENTRIES):
    """Forward and central difference errors against the AD gradient for
    steps 1e-1 .. 1e-15, at most max_entries entries of the wrt variables
    (evenly spaced, first and last included)."""
    import numpy as np

    from ..engine import arrays

    graph, wrt, point, values, index, shapes, labels = _array_setup(graph, point, wrt)
    base = values[graph.output]
    positions = _compared_positions(len(labels), max_entries)
    exact_all = np.concatenate([np.ravel(g) for g in arrays.gradient(graph, values, wrt)] or
                               [np.zeros(0)])
    exact = [float(exact_all[k]) for k in positions]
    forward_error, central_error = [], []
    for k, position in enumerate(positions):
        entry = _entry(wrt, shapes, position)
        forward_row, central_row = [], []
        for h in steps:
            up = _output_at(graph, _moved_entry(point, index, entry, h))
            down = _output_at(graph, _moved_entry(point, index, entry, -h))
            forward_row.append(float(abs((up - base) / h - exact[k])))
            central_row.append(float(abs((up - down) / (2 * h) - exact[k])))
        forward_error.append(forward_row)
        central_error.append(central_row)
    shown = [labels[k] for k in positions]
    note = "" if len(positions) == len(labels) else (
        f"{len(positions):,} of {len(labels):,} entries swept, evenly spaced")
    return ArraySweep(tuple(shown), dict(zip(graph.variables, point)), tuple(steps), exact,
                      forward_error, central_error, wrt=wrt, entries=len(labels),
                      compared=list(positions), note=note)
