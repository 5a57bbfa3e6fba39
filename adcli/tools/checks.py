"""Derivative checks written in expression files, for CI (adcli check).

    f = 3*(x1**2 + x2*x3)
    check f at x1=2, x2=3, x3=4: value 48, grad [12, 12, 9]
    check f at x1=0.5, x2=-1, x3=2: grad ~ fd
    check f over x1 in [-2, 2], x2 in [0, 1], x3 in [0, 1]: grad ~ fd, samples 100
    check f at x1=1, x2=2, x3=3: hessian [[6,0,0],[0,0,3],[0,3,0]]
    g = (x - 1)**2 + (y + 2)**2
    check g from x=0, y=0: minimum 0
    tolerance rtol 1e-9, atol 1e-12

A check names outputs or definitions, a place (``at`` a point, ``over`` a
box sampled at seeded random points, ``from`` a starting point), and claims:

- ``value V``, ``grad [..]``, ``hessian [[..]]``, ``jacobian [[..]]``: expected
  numbers (vectors in the order of the file's variables);
- ``grad ~ fd|cs|forward`` (also jacobian, hessian ~ fd): AD agrees with
  central finite differences, the complex step, or forward mode;
- ``finite``: value and gradient are finite;
- ``minimum V`` (with ``from``): adcli.minimize from the point reaches V
  (default atol 1e-8);
- ``root [..]`` (with ``from``): adcli.solve of the checked outputs (the
  equations) from the point reaches this root: the unknowns are the
  statement's ``wrt`` (default every variable), the other variables data;
  the numbers in the unknowns' order, each entry of an array one number;
- settings: ``samples N`` (1 to 10,000; default 20), ``seed N`` (a whole
  number, 0 to 2**53), ``rtol X``, ``atol X`` (finite, at least 0).

A hessian or jacobian claim has at most 1,000,000 entries (1,000 variables
for a Hessian), so no file makes adcli allocate more than it can say.

A number passes when |got - expected| <= atol + rtol * |expected|, and
both are finite (an overflowing finite difference never agrees).  Defaults:
rtol 1e-9, atol 1e-12 for expected numbers and the complex step/forward
mode (exact to rounding); rtol 1e-6, atol 1e-7 against finite differences
(truncation error).  A file's ``tolerance`` statement replaces the first and
loosens, never tightens, the second; a check's own rtol/atol applies as
written.  A file without checks gets the default check:
every output is evaluated at a seeded point in [0.5, 1.5]^n and its gradient
agrees with finite differences there.
"""
import math
import random
from dataclasses import dataclass, field

from .. import api
from ..engine import differences, dispatch, nonfinite, reverse, second
from ..errors import AdcliError, ExpressionError, line_and_column
from ..graph import count_text

ASSERTIONS = ("value", "grad", "gradient", "hessian", "jacobian", "finite", "minimum", "root",
              "params", "stderr", "rss")
#: the claims about a fit (check f from b1=.., b2=..: fit y, params [..], stderr [..])
FIT_CLAIMS = ("params", "stderr", "rss")
SETTINGS = ("samples", "seed", "rtol", "atol")
#: the claims about a run from a start (check f from x=..: minimum V, root [..])
FROM_CLAIMS = ("minimum", "root")
METHODS = {"fd": "finite differences", "cs": "the complex step", "forward": "forward mode"}
EXACT = {"rtol": 1e-9, "atol": 1e-12}
MAX_SAMPLES = 10_000
MAX_SEED = 2 ** 53  # float64 holds every whole number up to here
MAX_ENTRIES = 10 ** 6  # of a hessian or jacobian claim
DIFFERENCED = {"rtol": 1e-6, "atol": 1e-7}


@dataclass
class Mismatch:
    """One number that differs: where, expected, got, errors, tolerance."""

    component: str  # e.g. "grad[x2] (index 1)"
    expected: float
    got: float
    tolerance: str  # "atol 1e-12 + rtol 1e-09 * |expected|"
    point: dict = field(default_factory=dict)

    @property
    def abs_error(self):
        return abs(self.got - self.expected)

    @property
    def rel_error(self):
        return self.abs_error / abs(self.expected) if self.expected else math.inf

    def describe(self):
        where = ", ".join(f"{k}={_short(v)}" for k, v in self.point.items())
        if math.isfinite(self.expected) and math.isfinite(self.got):
            detail = (f"abs error {self.abs_error:.3g}, rel error {self.rel_error:.3g}; "
                      f"tolerance {self.tolerance}")
        else:
            detail = "a number that is not finite never agrees"
        return (f"{self.component}: expected {_short(self.expected)}, got {_short(self.got)} "
                f"({detail})" + (f" at {where}" if where else ""))


@dataclass
class Outcome:
    """The verdict on one claim of one check (or on a default check)."""

    name: str  # "f at x1=2, x2=3: grad [12, 12, 9]"
    line: int
    column: int
    passed: bool
    message: str = ""  # why it failed, in one line
    mismatches: list = field(default_factory=list)
    output: str = ""


def run(graph, seed=0):
    """Outcomes of every check of a parsed file (the default check when it
    has none)."""
    tolerance = _settings(graph.source, graph.tolerances)
    if not graph.checks:
        return _default_check(graph, seed)
    outcomes = []
    for number, statement in enumerate(graph.checks):
        outcomes += _run_statement(graph, statement, tolerance, seed + number)
    return outcomes


def _settings(source, tolerance_statements):
    settings = {}
    for claims in tolerance_statements:
        for claim in claims:
            wrong = ("tolerance takes rtol X and atol X" if claim.word not in ("rtol", "atol")
                     else setting_problem(claim.word, claim.value))
            if wrong:
                raise ExpressionError(wrong, source, claim.start, claim.end, kind="check")
            settings[claim.word] = claim.value
    return settings


class _Context:
    """One check statement being run: its graph, points and tolerances."""

    def __init__(self, graph, statement, file_tolerance, seed):
        self.statement = statement
        self.source = graph.source
        self.names = [name for name, _, _ in statement.names]
        self.graph = graph.focus(self.names).used_variables_only()
        self.word = statement.word[0]
        settings = {c.word: c.value for c in statement.claims if c.word in SETTINGS}
        self.samples = int(settings.get("samples", 20))
        self.seed = int(settings.get("seed", seed))
        self.tolerance = {k: settings[k] for k in ("rtol", "atol") if k in settings}
        self.file_tolerance = file_tolerance
        wrt = [c.value for c in statement.claims if c.word == "wrt"]
        self.wrt = tuple(name for names in wrt for name in names) if wrt else None
        self.program = graph
        self.response = next((c.value for c in statement.claims if c.word == "fit"), None)
        self._fit = None

    def fit(self, start):
        """The fit of the check's output to its response from start, run once."""
        if self._fit is None:
            from .fit import fit_in_program
            self._fit = fit_in_program(self.program, self.names[0], self.response, start)
        return self._fit

    def tolerances(self, differenced=False):
        """The file's tolerance applies to exact comparisons; against finite
        differences it never goes below their truncation error. A check's own
        rtol/atol applies as written."""
        base = dict(EXACT)
        base.update(self.file_tolerance)
        if differenced:
            base = {k: max(v, DIFFERENCED[k]) for k, v in base.items()}
        base.update(self.tolerance)
        return base

    def points(self):
        """The points the claims are checked at (a list of lists)."""
        variables = self.graph.variables
        bound = {b.name: b for b in self.statement.bindings}
        unknown = [n for n in bound if n not in self.graph.variable_index()]
        missing = [n for n in variables if n not in bound]
        if unknown or missing:
            raise _CheckProblem("the check must give every variable, and only them: "
                                + "; ".join(part for part in (
                                    unknown and "not variables: " + ", ".join(unknown),
                                    missing and "missing: " + ", ".join(missing)) if part))
        strange = [n for n in self.wrt or () if n not in self.graph.variable_index()]
        if strange:
            raise _CheckProblem(f"wrt {strange[0]}: not a variable of "
                                f"{', '.join(self.names)} (its variables: "
                                f"{', '.join(variables) or 'none'})")
        if self.word in ("at", "from"):
            return [[_binding_value(bound[n].values[0]) for n in variables]]
        return self._samples([bound[n] for n in variables])

    def _samples(self, bindings):
        """One point at a time: memory stays one point, whatever samples says."""
        rng = random.Random(self.seed)
        for _ in range(self.samples):
            yield [_sample(rng, binding) for binding in bindings]


class _CheckProblem(Exception):
    """A check that cannot be run as written (reported as a failure)."""


def _sample(rng, binding):
    """A uniform number in the binding's [low, high] (rng.uniform's, unless the
    width overflows)."""
    low, high = binding.values
    u = rng.random()
    width = high - low
    return low + width * u if math.isfinite(width) else (1 - u) * low + u * high


def _run_statement(graph, statement, file_tolerance, seed):
    word, start, end = statement.word
    if word not in ("at", "over", "from"):
        raise ExpressionError(f"a check says where: 'at', 'over' or 'from', not {word!r}",
                              graph.source, start, end, kind="check")
    claims = [c for c in statement.claims if c.word not in SETTINGS + ("wrt", "fit")]
    fitted = [c for c in statement.claims if c.word == "fit"]
    if any(c.word in FIT_CLAIMS for c in claims) and not fitted:
        claim = next(c for c in claims if c.word in FIT_CLAIMS)
        raise ExpressionError(f"'{claim.word}' needs the data fitted: add fit NAME (the "
                              "response, e.g. y = load(\"y.csv\"))", graph.source,
                              claim.start, claim.end, kind="check")
    for claim in statement.claims:
        _validate(graph.source, claim, word)
    _validate_bindings(graph.source, statement.bindings, word)
    known = set(graph.definitions).union(graph.output_names)  # one set, not a focus per name
    for name, start, end in statement.names:
        if name not in known:
            try:
                graph.focus([name])  # raises, with a hint
            except ExpressionError as error:
                error.source, error.start, error.end = graph.source, start, end
                raise
    context = _Context(graph, statement, file_tolerance, seed)
    for claim in claims:
        _validate_size(context, claim)
    return [_run_claim(context, claim) for claim in claims]


def _validate_size(context, claim):
    """ExpressionError at a hessian or jacobian claim larger than MAX_ENTRIES."""
    n, m = len(context.graph.variables), len(context.graph.outputs)
    entries = {"hessian": n * n, "jacobian": m * n}.get(claim.word, 0)
    if entries > MAX_ENTRIES:
        raise ExpressionError(
            f"this {claim.word} has {entries:,} entries ({count_text(n, 'variable')}); "
            f"a check compares at most {MAX_ENTRIES:,}", context.source, claim.start,
            claim.end, hint="check a definition with fewer variables", kind="check")


def _validate_bindings(source, bindings, word):
    """ExpressionError at the binding that gives no point or an empty box."""
    seen = set()
    for binding in bindings:
        problem = _binding_problem(binding, word, seen)
        if problem:
            raise ExpressionError(problem[0], source, binding.start, binding.end,
                                  hint=problem[1], kind="check")
        seen.add(binding.name)


def _binding_problem(binding, word, seen):
    """(message, hint) when a binding cannot be used after word, or None."""
    name = binding.name
    if name in seen:
        return f"{name} is given twice in this check", None
    if word == "over" and binding.kind != "in":
        return f"'over' takes a box: write {name} in [low, high]", None
    if word != "over" and binding.kind != "=":
        return f"'{word}' takes a point: write {name}=VALUE", "'over' samples a box"
    if word == "over" and not binding.values[0] <= binding.values[1]:
        low, high = map(_short, binding.values)
        return (f"the range of {name} is empty: [{low}, {high}]",
                f"write the low end first: {name} in [{high}, {low}]")
    return None


#: which ``~ METHOD`` each claim accepts
AGREEMENTS = {"grad": ("fd", "cs", "forward"), "gradient": ("fd", "cs", "forward"),
              "jacobian": ("fd", "cs", "forward"), "hessian": ("fd",)}


def _validate(source, claim, word):
    """ExpressionError at the claim when it cannot mean anything."""
    def problem(message, hint=None):
        return ExpressionError(message, source, claim.start, claim.end, hint=hint,
                               kind="check")

    if claim.word in SETTINGS:
        wrong = setting_problem(claim.word, claim.value)
        if wrong:
            raise problem(wrong)
        return None
    if claim.word == "fit":
        if word != "from":
            raise problem("a fit starts from its parameters: check f from b1=.., b2=..: fit y")
        return None
    if claim.word == "wrt":
        if not (isinstance(claim.value, (list, tuple)) and claim.value
                and all(isinstance(n, str) for n in claim.value)):
            raise problem("wrt takes the names of the variables to differentiate",
                          "write wrt x, or wrt x, y")
        return None
    if claim.word not in ASSERTIONS:
        import difflib
        close = difflib.get_close_matches(claim.word, ASSERTIONS + SETTINGS, n=1)
        raise problem(f"unknown claim {claim.word!r}", f"did you mean {close[0]}?" if close
                      else "claims: " + ", ".join(ASSERTIONS + SETTINGS))
    if isinstance(claim.value, tuple):
        methods = AGREEMENTS.get(claim.word, ())
        if claim.value[1] not in methods:
            raise problem(f"{claim.word} ~ {claim.value[1]} is not a check",
                          f"{claim.word} ~ takes {', '.join(methods)}" if methods
                          else "'~' follows grad, jacobian or hessian")
    if claim.word in FIT_CLAIMS:
        if word != "from":
            raise problem(f"'{claim.word}' is a claim about a fit: check f from ...: fit y, "
                          f"{claim.word} ...")
        return None
    if (claim.word in FROM_CLAIMS) != (word == "from"):
        raise problem("'minimum' and 'root' go with 'from', and 'from' with one of them")
    return None


def setting_problem(word, number):
    """Why a setting's number cannot be used, or None.  Every size a file
    can ask for is bounded (MAX_SAMPLES, MAX_SEED)."""
    if not isinstance(number, float):
        return f"{word} takes a number"
    if word == "samples" and not (1 <= number <= MAX_SAMPLES and number == int(number)):
        return f"samples takes a whole number of points from 1 to {MAX_SAMPLES:,}"
    if word == "seed" and not (0 <= number <= MAX_SEED and number == int(number)):
        return "seed takes a whole number from 0 to 2**53"
    if word in ("rtol", "atol") and not 0 <= number < math.inf:
        return f"{word} takes a finite number, at least 0"
    return None


def _run_claim(context, claim):
    line, column = line_and_column(context.source, claim.start)
    text = context.source[claim.start:claim.end]
    places = ", ".join(" ".join(context.source[b.start:b.end].split())
                       for b in context.statement.bindings)
    name = f"{', '.join(context.names)} {context.word} {places}: {' '.join(text.split())}"
    outcome = Outcome(name, line, column, True, output=", ".join(context.names))
    try:
        for point in context.points():
            mismatches = _evaluate_claim(context, claim, point)
            if mismatches:
                outcome.passed = False
                outcome.mismatches = mismatches
                outcome.message = mismatches[0].describe()
                break
    except (_CheckProblem, AdcliError) as problem:
        outcome.passed = False
        outcome.message = getattr(problem, "message", None) or str(problem)
    return outcome


def _evaluate_claim(context, claim, point):
    graph = context.graph
    where = dict(zip(graph.variables, point))
    if claim.word in FIT_CLAIMS:
        return _fit_claim(context, claim, where)
    if context.wrt is not None or is_array_check(graph, point):
        return _evaluate_array_claim(context, claim, point, where)
    word = "grad" if claim.word == "gradient" else claim.word
    if word == "finite":
        return _finite(graph, point, where)
    if word == "minimum":
        return _minimum(context, claim, point, where)
    if word == "root":
        return _root(context, claim, point, where)
    if isinstance(claim.value, tuple):
        return _agreement(context, word, claim.value[1], point, where)
    got, labels = _computed(graph, word, point)
    expected = _flatten(claim.value)
    if len(expected) != len(got):
        raise _CheckProblem(f"{word} has {count_text(len(got), 'number')} here "
                            f"({', '.join(labels)}), the check gives {len(expected)}")
    return _compare(got, expected, labels, context.tolerances(), where)


def _computed(graph, word, point):
    """(numbers, their labels) that a claim about word compares with."""
    names, variables = graph.output_names, graph.variables
    if word == "value":
        values = reverse.forward(graph, point)
        got = [float(values[o]) for o in graph.outputs]
        if not all(map(math.isfinite, got)):
            error = nonfinite.first_nonfinite_value(graph, values)
            if error is not None:
                raise _CheckProblem(f"not finite at {_where(dict(zip(variables, point)))}: "
                                    + error.message)
        return got, [f"value[{n}]" for n in names]
    if word == "grad":
        rows = _reverse_rows(graph, point)
        if len(names) != 1:
            raise _CheckProblem("grad checks one output; use jacobian for several")
        return rows[0], [f"grad[{v}] (index {k})" for k, v in enumerate(variables)]
    if word == "jacobian":
        rows = _reverse_rows(graph, point)
        return _flatten(rows), [f"jacobian[{o}, {v}]" for o in names for v in variables]
    if word == "hessian":
        if len(names) != 1:
            raise _CheckProblem("hessian checks one output")
        _, _, matrix = second.hessian(graph, point, graph.outputs[0])
        return matrix.ravel().tolist(), [f"hessian[{a}, {b}]" for a in variables
                                         for b in variables]
    raise _CheckProblem(f"{word} takes no expected numbers")


def _reverse_rows(graph, point):
    _, rows, _ = dispatch.jacobian(graph, point, graph.outputs, "reverse")
    return [[float(v) for v in row] for row in rows]


def _agreement(context, word, method, point, where):
    graph = context.graph
    if word == "hessian":
        got, labels = _computed(graph, "hessian", point)
        expected = _flatten(_differenced_hessian(graph, point))
        return _compare(got, expected, labels, context.tolerances(True), where, method)
    got, labels = _computed(graph, "jacobian" if word == "jacobian" else "grad", point)
    if method == "fd":
        rows, _ = differences.central(graph, point)
    elif method == "cs":
        rows, _ = differences.complex_step(graph, point)
    else:
        _, rows, _ = dispatch.jacobian(graph, point, graph.outputs, "forward")
    expected = _flatten([[float(v) for v in row] for row in rows])
    return _compare(got, expected, labels, context.tolerances(method == "fd"), where, method)


def _differenced_hessian(graph, point):
    """Central differences of the AD gradient (only the gradient is AD here)."""
    rows = []
    for k, x in enumerate(point):
        h = differences.central_step(x)
        up = _reverse_rows(graph, differences._moved(point, k, h))[0]
        down = _reverse_rows(graph, differences._moved(point, k, -h))[0]
        rows.append([(a - b) / (2 * h) for a, b in zip(up, down)])
    return rows


def _finite(graph, point, where):
    values = reverse.forward(graph, point)
    mismatches = []
    for name, node in zip(graph.output_names, graph.outputs):
        adjoints = reverse.backward(graph, values, seeds={node: 1.0})
        numbers = [values[node]] + [adjoints[v] for v in graph.var_nodes]
        if not all(map(math.isfinite, numbers)):
            error = nonfinite.first_nonfinite(graph, values, adjoints)
            raise _CheckProblem(f"not finite at {_where(where)}: "
                                + (error.message if error else f"{name} or its gradient"))
    return mismatches


def _minimum(context, claim, point, where, start=None, data=None):
    from .optimize import minimize

    if not isinstance(claim.value, float):
        raise _CheckProblem("write minimum VALUE")
    result = (minimize(context.graph, point) if start is None
              else minimize(context.graph, start, at=data))
    tolerance = context.tolerances()
    if "atol" not in context.tolerance and "atol" not in context.file_tolerance:
        tolerance["atol"] = 1e-8  # a minimizer's accuracy, not rounding's
    mismatches = _compare([result.value], [claim.value], ["minimum"], tolerance, where)
    if mismatches and not result.converged:
        mismatches[0].component += f" (minimize: {result.message})"
    return mismatches


def _root(context, claim, point, where):
    """root [..]: adcli.solve of the outputs from the point, the unknowns the
    statement's wrt (default all), the root's entries in their order."""
    import numpy as np

    from .solve import solve

    if isinstance(claim.value, (float, tuple)) or claim.value is None:
        raise _CheckProblem("write root [x1, x2, ...]: the unknowns' values at the root")
    bound = dict(zip(context.graph.variables, point))
    wrt = _array_wrt(context, claim)
    start = {name: bound[name] for name in wrt}
    data = {name: value for name, value in bound.items() if name not in start}
    result = solve(context.graph, start, at=data or None)
    got = [float(v) for name in wrt for v in np.ravel(result.x[name])]
    expected = _flatten(claim.value)
    if len(expected) != len(got):
        raise _CheckProblem(f"the root has {count_text(len(got), 'number')} "
                            f"({', '.join(result.labels)}), the claim {len(expected)}")
    mismatches = _compare(got, expected, list(result.labels), context.tolerances(), where)
    if mismatches and not result.converged:
        mismatches[0].component += f" (solve: {result.message})"
    return mismatches


def _array_minimum(context, claim, graph, point, where):
    """minimum V from an array point: the wrt variables (default all) are
    the unknowns, started at their bindings; the others are data."""
    wrt = _array_wrt(context, claim)
    bound = dict(zip(graph.variables, point))
    start = {name: bound[name] for name in wrt}
    data = {name: value for name, value in bound.items() if name not in start}
    return _minimum(context, claim, point, where, start=start, data=data or None)


def _fit_claim(context, claim, where):
    """params [...], stderr [...] (in the parameters' order) or rss V of the
    fit of the output to the data named by the statement's fit claim."""
    result = context.fit({n: float(v) for n, v in where.items()})
    if not result.converged:
        raise _CheckProblem(f"the fit did not converge: {result.message}")
    if claim.word == "rss":
        got, labels = [result.rss], ["rss"]
    else:
        values = result.params if claim.word == "params" else result.stderr
        got = [values[n] for n in result.names]
        labels = [f"{claim.word}[{n}]" for n in result.names]
    expected = [claim.value] if isinstance(claim.value, float) else _flatten(claim.value)
    if len(expected) != len(got):
        raise _CheckProblem(f"{claim.word} has {count_text(len(got), 'number')} here "
                            f"({', '.join(result.names)}), the check gives {len(expected)}")
    return _compare(got, expected, labels, context.tolerances(), where)


def _compare(got, expected, labels, tolerance, where, method=None):
    rtol, atol = tolerance["rtol"], tolerance["atol"]
    text = f"atol {atol:g} + rtol {rtol:g} * |expected|"
    mismatches = []
    for value, wanted, label in zip(got, expected, labels):
        if not agrees(value, wanted, rtol, atol):
            if method:
                label = f"{label} vs {METHODS[method]}"
            mismatches.append(Mismatch(label, wanted, value, text, where))
    return mismatches


def agrees(got, expected, rtol, atol):
    """The tolerance test of every claim: |got - expected| <= atol + rtol *
    |expected|, both finite.  A non-finite reference (a finite difference
    that overflowed, say) never counts as agreement, even with itself."""
    return (math.isfinite(got) and math.isfinite(expected)
            and abs(got - expected) <= atol + rtol * abs(expected))


def _flatten(value):
    """The numbers of nested lists, in order (a loop: nesting is user-sized)."""
    flat, stack = [], [iter([value])]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
        elif isinstance(item, list):
            stack.append(iter(item))
        else:
            flat.append(float(item))
    return flat


_END = object()


def _default_check(graph, seed):
    """Parses, evaluates at a seeded point, and agrees with finite differences."""
    rng = random.Random(seed)
    point = [rng.uniform(0.5, 1.5) for _ in graph.variables]
    where = dict(zip(graph.variables, point))
    outcome = Outcome(f"default: gradient ~ fd at a sampled point ({_where(where)})",
                      1, 1, True, output=", ".join(graph.output_names))
    if is_array_check(graph, point):
        return [_default_array_check(graph, point, where, outcome)]
    try:
        values = differences.outputs_at(graph, point)
        if not all(map(math.isfinite, values)):
            raise _CheckProblem(f"an output is not finite at {_where(where)}")
        got = _flatten(_reverse_rows(graph, point))
        rows, _ = differences.central(graph, point)
        labels = [f"d{o}/d{v}" for o in graph.output_names for v in graph.variables]
        outcome.mismatches = _compare(got, _flatten(rows), labels, DIFFERENCED, where, "fd")
    except (_CheckProblem, AdcliError) as problem:
        outcome.message = getattr(problem, "message", None) or str(problem)
        outcome.passed = False
        return [outcome]
    if outcome.mismatches:
        outcome.passed = False
        outcome.message = outcome.mismatches[0].describe()
    return [outcome]


def _where(where):
    return ", ".join(f"{k}={_short(v)}" for k, v in where.items())


def _short(value):
    if isinstance(value, float) or not hasattr(value, "shape") or not value.shape:
        return f"{float(value):.10g}"
    from .explain import summary
    return summary(value, 10)


def check_text(text, seed=0, folder=None):
    """Outcomes of the checks in text (a whole file); ExpressionError when it
    does not parse.  folder: the file's own folder, where load("A.csv")
    reads its data (None: load is an error)."""
    if folder is None:
        return run(api.parse(text), seed)
    from ..language.parser import parse_builder

    return run(parse_builder(text, _data_loader(folder)).build(), seed)


def _data_loader(folder):
    """loader(path) of load("A.csv"): the file read relative to folder."""
    from ..array_values import read_array_file

    def load(path):
        try:
            return read_array_file(path, base=folder)
        except AdcliError as error:
            if not hasattr(error, "message"):  # an unreadable file: the builder quotes it
                error.message, error.hint = str(error), None
            raise
    return load


# --- array values ---------------------------------------------------------------------
# A check of an array graph (or with array bindings: x=[1, 2], A=[[2, 1], [1, 3]])
# runs on engine.arrays.  Its claims:
#
# - value V: the output's value, V a number or nested lists of its shape
#   (several outputs: one such entry per output, in the check's order);
# - grad G: the gradient of the one output with respect to the variables
#   differentiated (all of them, or the statement's ``wrt x, y``), G being
#   one gradient per variable in their order, each a number or nested lists
#   of that variable's shape (with one variable, just its gradient: grad
#   [8, 14]); a flat list of all their entries (C order, variables in
#   order) is read the same way.  A claim naming a variable (Claim.variable,
#   ``grad x [8, 14]``) is that variable's gradient alone;
# - grad ~ fd | cs | forward: entry by entry against central differences, the
#   complex step (refused, naming them, through ops that are not analytic)
#   or forward mode; a large gradient is compared at evenly spaced entries
#   (tools.compare.COMPARE_BUDGET);
# - jacobian J: per variable, d output / d variable, of shape S + T (S the
#   output's, T the variable's), one block per variable as grad lists them;
#   jacobian ~ fd | cs | forward column by column;
# - finite: the value and the gradient are finite (else the first node that
#   is not, engine.arrays.first_nonfinite).
# A statement's ``wrt`` (Claim("wrt", [names])) applies to all its claims.


def is_array_check(graph, point):
    """Whether a check runs on the array engine: an array op or array data on
    the graph's path, or a binding whose value is an array."""
    return graph.has_arrays or any(getattr(v, "ndim", 0) for v in point)


def _binding_value(value):
    """A binding's value: a number, or nested lists (an array) as an ndarray."""
    if isinstance(value, (list, tuple)):
        import numpy as np
        shape = nested_shape(value)
        if shape is None:
            raise _CheckProblem("an array value needs rows of equal length")
        return np.array(_flatten(value), dtype=float).reshape(shape)
    return value


def nested_shape(value):
    """The shape of nested lists (() for a number), None when ragged; level by
    level, never recursive."""
    shape, level = [], [value]
    while level and all(isinstance(item, list) for item in level):
        lengths = {len(item) for item in level}
        if len(lengths) != 1:
            return None
        shape.append(lengths.pop())
        level = [x for item in level for x in item]
    if any(isinstance(item, list) for item in level):
        return None
    return tuple(shape)


def _array_wrt(context, claim):
    """The variables a grad claim is about: the claim's own variable, else the
    statement's wrt, else all the graph's variables."""
    graph = context.graph
    named = getattr(claim, "variable", None)
    wrt = (named,) if named else context.wrt or graph.variables
    unknown = [n for n in wrt if n not in graph.variable_index()]
    if unknown:
        raise _CheckProblem(f"not a variable of {', '.join(context.names)}: "
                            + ", ".join(unknown))
    return tuple(wrt)


def _evaluate_array_claim(context, claim, point, where):
    from ..engine import arrays

    graph = context.graph.for_arrays()  # max(x) of one argument: the reduction
    word = "grad" if claim.word == "gradient" else claim.word
    point = [_binding_value(v) for v in point]
    if word == "minimum":
        return _array_minimum(context, claim, graph, point, where)
    if word == "root":
        return _root(context, claim, point, where)
    values = arrays.forward(graph, point)
    if word == "value":
        return _array_value_claim(context, claim, graph, values, where)
    if len(graph.outputs) != 1:
        raise _CheckProblem(f"{word} checks one output; check each output on its own")
    wrt = _array_wrt(context, claim)
    if word == "finite":
        return _array_finite(graph, values, wrt, where)
    if word == "jacobian":
        return _array_jacobian_claim(context, claim, graph, point, values, wrt, where)
    output_shape = arrays.node_shapes(graph, values)[graph.output]
    if output_shape:
        raise _CheckProblem(f"{word} needs a scalar output; {context.names[0]} has shape "
                            f"{output_shape}")
    if word == "hessian":
        return _array_hessian_claim(context, claim, graph, values, wrt, where)
    gradients = arrays.gradient(graph, values, wrt)
    got = [float(v) for g in gradients for v in _ravel(g)]
    labels = _entry_labels(wrt, {n: _shape_of(g) for n, g in zip(wrt, gradients)})
    if isinstance(claim.value, tuple):
        return _array_agreement(context, claim.value[1], graph, point, values, wrt, got,
                                labels, where)
    expected = _expected_gradient(claim.value, wrt, [_shape_of(g) for g in gradients])
    return _compare(got, expected, labels, context.tolerances(), where)


def _array_hessian_claim(context, claim, graph, values, wrt, where):
    """hessian [[...]]: the n x n Hessian over the wrt entries in C order."""
    from ..array_results import flat_labels
    from ..engine import array_second

    if isinstance(claim.value, tuple):
        raise _CheckProblem("hessian ~ ... is not checked on array values; give the matrix")
    gradients, matrix = array_second.hessian(graph, values, wrt)
    entries = flat_labels(wrt, {n: _shape_of(g) for n, g in zip(wrt, gradients)})
    n = len(entries)
    if nested_shape(claim.value) != (n, n):
        given = nested_shape(claim.value)
        raise _CheckProblem(
            f"hessian is {n} x {n} here (the entries {', '.join(entries[:4])}"
            f"{', ...' if n > 4 else ''} in C order); the check gives "
            + ("ragged lists" if given is None else f"shape {_shape_words(given)}"))
    labels = [f"hessian[{a},{b}]" for a in entries for b in entries]
    return _compare([float(v) for v in _ravel(matrix)], _flatten(claim.value), labels,
                    context.tolerances(), where)


def _ravel(value):
    import numpy as np
    return np.ravel(value)


def _shape_of(value):
    import numpy as np
    return tuple(np.shape(value))


def _entry_labels(names, shapes):
    """grad[x][0], grad[A][0,1], grad[s]: one label per entry, C order."""
    from ..array_results import flat_labels
    labels = flat_labels(names, shapes)
    return [f"grad[{label[:label.index('[')]}]{label[label.index('['):]}" if "[" in label
            else f"grad[{label}]" for label in labels]


def _shape_words(shape):
    from .explain import shape_text
    return shape_text(shape)


def _expected_gradient(value, wrt, shapes, word="grad"):
    """The claim's numbers in the order of the gradient's entries (or the
    Jacobian's blocks), or _CheckProblem saying which shapes were expected."""
    if len(wrt) == 1 and nested_shape(value) == shapes[0]:
        return _flatten(value)
    total = sum(_size(s) for s in shapes)
    if len(wrt) > 1 and isinstance(value, list) and len(value) == len(wrt) \
            and all(nested_shape(item) == shape for item, shape in zip(value, shapes)):
        return _flatten(value)
    if nested_shape(value) == (total,) and len(wrt) > 1:
        return _flatten(value)
    given = nested_shape(value)
    wanted = ", ".join(f"{n}: {_shape_words(s)}" for n, s in zip(wrt, shapes))
    raise _CheckProblem(
        f"{word} has {count_text(total, 'number')} here ({wanted}); the check gives "
        + ("ragged lists" if given is None else f"shape {_shape_words(given)}")
        + ("" if len(wrt) == 1 else
           f": give one gradient per variable, in the order {', '.join(wrt)} (or wrt NAMES)"))


def _size(shape):
    size = 1
    for d in shape:
        size *= d
    return size


def _array_value_claim(context, claim, graph, values, where):
    outputs = [values[o] for o in graph.outputs]
    shapes = [_shape_of(v) for v in outputs]
    names = graph.output_names
    value = claim.value
    if len(outputs) == 1:
        matches = nested_shape(value) == shapes[0]
    else:
        matches = isinstance(value, list) and len(value) == len(outputs) and all(
            nested_shape(item) == shape for item, shape in zip(value, shapes))
    if not matches:
        wanted = ", ".join(f"{n}: {_shape_words(s)}" for n, s in zip(names, shapes))
        given = nested_shape(value)
        raise _CheckProblem(f"the value here is {wanted}; the check gives "
                            + ("ragged lists" if given is None else
                               f"shape {_shape_words(given)}"))
    got = [float(v) for out in outputs for v in _ravel(out)]
    if not all(map(math.isfinite, got)):
        from ..engine import arrays
        error = arrays.first_nonfinite(graph, values)
        if error is not None:
            raise _CheckProblem(f"not finite at {_where(where)}: " + error.message)
    from ..array_results import flat_labels
    labels = [f"value[{label}]" for label in flat_labels(names, dict(zip(names, shapes)))]
    return _compare(got, _flatten(value), labels, context.tolerances(), where)


def _array_finite(graph, values, wrt, where):
    from ..engine import arrays

    adjoints = arrays.backward(graph, values, wrt=wrt, keep=True)
    error = arrays.first_nonfinite(graph, values, adjoints)
    if error is None:
        numbers = [values[graph.output]] + [adjoints[v] for v in graph.var_nodes]
        import numpy as np
        if all(np.all(np.isfinite(n)) for n in numbers):
            return []
    raise _CheckProblem(f"not finite at {_where(where)}: "
                        + (error.message if error else "the output or its gradient"))


def _array_jacobian_claim(context, claim, graph, point, values, wrt, where):
    """jacobian J: per variable of wrt, d output / d variable of shape S + T
    (S the output's shape, T the variable's), one block per variable in order
    (one variable: its block); one reverse pass per output entry."""
    import numpy as np

    from ..array_results import flat_labels
    from ..engine import arrays

    out_shape = tuple(arrays.node_shapes(graph, values)[graph.output])
    index = graph.variable_index()
    shapes = [_shape_of(point[index[n]]) for n in wrt]
    entries = _size(out_shape) * sum(_size(s) for s in shapes)
    if entries > MAX_ENTRIES:
        raise _CheckProblem(f"this jacobian has {entries:,} entries; a check compares at "
                            f"most {MAX_ENTRIES:,}")
    blocks = [np.zeros(out_shape + s) for s in shapes]
    for at in np.ndindex(*out_shape):
        seed = None
        if out_shape:
            seed = np.zeros(out_shape)
            seed[at] = 1.0
        adjoints = arrays.backward(graph, values, seed=seed, wrt=wrt, keep=False)
        for block, name in zip(blocks, wrt):
            block[at] = adjoints[graph.var_nodes[index[name]]]
    got = [float(v) for block in blocks for v in block.ravel()]
    output = context.names[0]
    out_labels = flat_labels([output], {output: out_shape})
    labels = [f"jacobian[{o}, {v}]" for name, shape in zip(wrt, shapes)
              for o in out_labels for v in flat_labels([name], {name: shape})]
    if isinstance(claim.value, tuple):
        return _jacobian_agreement(context, claim.value[1], graph, point, values, wrt, blocks,
                                   labels, where)
    expected = _expected_gradient(claim.value, wrt, [b.shape for b in blocks], "jacobian")
    return _compare(got, expected, labels, context.tolerances(), where)


def _jacobian_agreement(context, method, graph, point, values, wrt, blocks, labels, where):
    """Each column (d output / d one entry of a variable) against central
    differences, the complex step or a jvp, at evenly spaced entries."""
    import numpy as np

    from . import compare
    from ..engine import arrays

    index = graph.variable_index()
    shapes = {n: _shape_of(point[index[n]]) for n in wrt}
    total = sum(_size(s) for s in shapes.values())
    size = sum(int(_size(_shape_of(v))) for v in point) or 1
    limit = min(compare.MAX_COMPARED_ENTRIES,
                max(compare.MIN_COMPARED_ENTRIES, compare.COMPARE_BUDGET // size))
    if method == "cs":
        blocked = compare._non_analytic_active(graph, wrt)
        if blocked:
            raise _CheckProblem("the complex step needs analytic functions; not analytic "
                                "here: " + ", ".join(blocked))
    out_size = int(np.size(values[graph.output]))
    offsets, start = {}, 0
    for name in wrt:
        offsets[name] = start
        start += _size(shapes[name])
    got, expected, shown = [], [], []
    for position in compare._compared_positions(total, limit):
        name, at = compare._entry(wrt, shapes, position)
        block = blocks[wrt.index(name)]
        column = block.reshape(out_size, -1)[:, position - offsets[name]]
        if method == "fd":
            x = float(np.asarray(point[index[name]])[at])
            h = differences.central_step(x)
            up = compare._output_at(graph, compare._moved_entry(point, index, (name, at), h))
            down = compare._output_at(graph, compare._moved_entry(point, index, (name, at), -h))
            other = (np.asarray(up) - np.asarray(down)) / (2 * h)
        elif method == "cs":
            with np.errstate(all="ignore"):
                moved = compare._moved_entry(point, index, (name, at), complex(0.0, 1e-200))
                other = np.imag(compare._output_at(graph, moved)) / 1e-200
        else:
            tangents = [None] * len(point)
            seed = np.zeros(shapes[name])
            seed[at] = 1.0
            tangents[index[name]] = seed if seed.shape else 1.0
            other = arrays.jvp(graph, values, tangents)[list(graph.outputs).index(graph.output)]
        got += [float(v) for v in column]
        expected += [float(v) for v in np.ravel(other)]
        # the labels of this column: entry position within its block, every output entry
        first = sum(out_size * _size(shapes[n]) for n in wrt[:wrt.index(name)])
        columns = _size(shapes[name])
        shown += [labels[first + r * columns + position - offsets[name]] for r in range(out_size)]
    return _compare(got, expected, shown, context.tolerances(method == "fd"), where, method)


def _array_agreement(context, method, graph, point, values, wrt, got, labels, where):
    """AD's gradient against another method, entry by entry (evenly spaced
    entries of a large gradient)."""
    from . import compare

    index = graph.variable_index()
    shapes = {n: _shape_of(point[index[n]]) for n in wrt}
    size = sum(int(_size(_shape_of(v))) for v in point) or 1
    limit = min(compare.MAX_COMPARED_ENTRIES,
                max(compare.MIN_COMPARED_ENTRIES, compare.COMPARE_BUDGET // size))
    positions = compare._compared_positions(len(got), limit)
    entries = [compare._entry(wrt, shapes, k) for k in positions]
    if method == "fd":
        expected = compare._central_entries(graph, point, index, entries)
    elif method == "cs":
        blocked = compare._non_analytic_active(graph, wrt)
        if blocked:
            raise _CheckProblem("the complex step needs analytic functions; not analytic "
                                "here: " + ", ".join(blocked))
        expected = compare._complex_entries(graph, point, index, entries)
    else:
        expected = compare._forward_entries(graph, values, point, index, entries)
    return _compare([got[k] for k in positions], expected, [labels[k] for k in positions],
                    context.tolerances(method == "fd"), where, method)


def _default_array_check(graph, point, where, outcome):
    """The default check of an array program (its data loaded, its variables
    numbers): each output's gradient, entry by entry, agrees with central
    differences at the sampled point.  A variable that must be an array
    makes the check fail, asking for a point."""
    from . import compare
    from ..engine import arrays
    from ..errors import ShapeError

    try:
        for name in graph.output_names:
            one = graph.select(name).for_arrays()
            values = arrays.forward(one, point)
            if arrays.node_shapes(one, values)[one.output]:
                raise _CheckProblem(f"{name} is not a number: the default check needs scalar "
                                    "outputs; write a check with a point")
            error = arrays.first_nonfinite(one, values)
            if error is not None:
                raise _CheckProblem(f"not finite at {_where(where)}: {error.message}")
            index = one.variable_index()
            got = [float(g) for g in arrays.gradient(one, values)]
            entries = [(v, ()) for v in one.variables]
            expected = compare._central_entries(one, point, index, entries)
            labels = [f"d{name}/d{v}" for v in one.variables]
            outcome.mismatches += _compare(got, expected, labels, DIFFERENCED, where, "fd")
    except ShapeError as error:
        outcome.passed = False
        outcome.message = (f"{error.message}: the default check gives every variable a "
                           "number; write a check with array values (check f at x=[...])")
        return outcome
    except (_CheckProblem, AdcliError) as problem:
        outcome.passed = False
        outcome.message = getattr(problem, "message", None) or str(problem)
        return outcome
    if outcome.mismatches:
        outcome.passed = False
        outcome.message = outcome.mismatches[0].describe()
    return outcome
