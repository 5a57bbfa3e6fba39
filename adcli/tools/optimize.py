"""Gradient-based minimization, with exact gradients (and Hessians) by AD.

Methods (``method=``):

- ``gd``: gradient descent, x <- x - lr * g (the textbook method); with
  ``line_search=True`` the step is backtracked until the Armijo condition holds.
- ``momentum``: heavy-ball gradient descent, v <- beta v - lr g, x <- x + v.
- ``adam``: Adam with bias correction.
- ``bfgs``: quasi-Newton, dense inverse-Hessian update, strong-Wolfe line search.
- ``lbfgs``: limited-memory BFGS (two-loop recursion), strong-Wolfe line search.
- ``newton``: Newton's method with exact Hessians from AD (compressed by a
  colouring where the Hessian is sparse) inside a trust region.  A step
  inside the region comes from a Cholesky solve; otherwise the subproblem is
  solved exactly from the Hessian's eigenvalues, so indefinite Hessians are
  safe.
- ``auto`` (the default): newton for up to 20 variables, lbfgs above.  With
  exact second derivatives the trust-region Newton method is the most robust
  of these on the classic hard problems (curved valleys, bad scaling,
  singular minima) and needs the fewest evaluations; but a dense Hessian
  costs up to n passes and an O(n^3) factorization per iteration, so beyond
  20 variables L-BFGS is faster per iteration and still robust (it solves
  all 36 classic problems of adcli.workloads.problems).

The optimizer never prints; a ``callback(info)`` sees every iteration and
may stop the run by returning True.
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .. import api, points
from ..engine import dispatch, nonfinite, reverse, sparsity
from ..errors import AdcliError, DomainError
from ..graph import count_text

METHODS = ("auto", "newton", "bfgs", "lbfgs", "gd", "momentum", "adam")
NEWTON_MAX_VARIABLES = 20
#: the methods that take each setting ("gd --line-search": gd with a line
#: search); giving a setting to another method is an error, not ignored
MONOTONE = ("newton", "bfgs", "lbfgs", "gd --line-search")  # they test f and x for change
TAKEN_BY = {"lr": ("gd", "momentum", "adam"), "line_search": ("gd",), "momentum": ("momentum",),
            "beta1": ("adam",), "beta2": ("adam",), "epsilon": ("adam",), "memory": ("lbfgs",),
            "ftol": MONOTONE, "xtol": MONOTONE}
#: the settings' defaults (lr: see minimize)
DEFAULTS = {"lr": None, "line_search": False, "momentum": 0.9, "beta1": 0.9, "beta2": 0.999,
            "epsilon": 1e-8, "memory": 10, "ftol": 1e-15, "xtol": 1e-15}

#: reasons that count as converged
CONVERGED = {"gtol": "the gradient norm fell below gtol",
             "ftol": "f stopped changing (relative change below ftol)",
             "xtol": "x stopped changing (relative step below xtol)",
             "precision": "f cannot decrease further in float64 (by more than its rounding)"}
#: reasons that stop a run without convergence
NOT_CONVERGED = {"max_iter": "the iteration limit was reached",
                 "max_evals": "the evaluation limit was reached",
                 "stalled": "f stopped decreasing where the gradient is not small",
                 "callback": "the callback asked to stop"}
DIVERGED = {"diverged": "f or x grew without bound, or f fell without bound",
            "nonfinite": "a value or derivative is not finite"}


@dataclass
class Iteration:
    """What a callback (and a trace file) sees after each iteration."""

    iteration: int
    x: list  # in variable order
    value: float
    gradient_norm: float
    step: float  # length of the step just taken (0 at iteration 0)
    evaluations: int


class Recorded(NamedTuple):
    """One iteration as History gives it back: x is () unless the path was kept."""

    iteration: int
    value: float
    gradient_norm: float
    x: tuple


class History:
    """What a convergence plot needs of a run, recorded from the callback
    (``history.record(info)``): f and the gradient norm of every iteration,
    16 bytes each, and with ``keep_path`` x[0] and x[1] (16 more), not the
    Iteration records, whose x grows with the number of variables."""

    def __init__(self, keep_path=False):
        from array import array

        self.values, self.gradient_norms = array("d"), array("d")
        self.path = (array("d"), array("d")) if keep_path else None

    def record(self, info):
        self.values.append(info.value)
        self.gradient_norms.append(info.gradient_norm)
        if self.path is not None:
            self.path[0].append(info.x[0])
            self.path[1].append(info.x[1])

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        """A Recorded per iteration (iterations are numbered from 0, one apart)."""
        for k, (value, norm) in enumerate(zip(self.values, self.gradient_norms)):
            x = (self.path[0][k], self.path[1][k]) if self.path is not None else ()
            yield Recorded(k, value, norm, x)


@dataclass
class MinimizeResult:
    x: dict  # variable name -> value at the end
    value: float
    converged: bool
    reason: str  # a key of CONVERGED, NOT_CONVERGED or DIVERGED
    message: str
    iterations: int
    evaluations: int  # evaluations of f and its gradient (always together)
    hessian_evaluations: int
    gradient_norm: float  # largest |component| of the gradient at the end
    method: str
    variables: tuple
    maximize: bool = False
    error: object = field(default=None, repr=False)  # DomainError when reason is nonfinite
    # on arrays: x holds arrays, and labels names each entry in C order (x[0], A[0,1])
    labels: object = field(default=None, repr=False)

    @property
    def diverged(self):
        return self.reason in DIVERGED


class Stop(Exception):
    """Ends a run early with a reason (raised inside methods)."""

    def __init__(self, reason, error=None):
        super().__init__(reason)
        self.reason = reason
        self.error = error


class Objective:
    """f, its gradient and Hessian of one output at numpy points, counted,
    negated to maximize."""

    def __init__(self, graph, maximize, max_evals):
        import numpy as np

        self.np = np
        self.graph = graph
        self.sign = -1.0 if maximize else 1.0
        self.max_evals = max_evals
        self.evaluations = 0
        self.hessian_evaluations = 0

    def __call__(self, x):
        """(f, gradient) at x."""
        if self.evaluations >= self.max_evals:
            raise Stop("max_evals")
        self.evaluations += 1
        point = x.tolist()
        values, adjoints = dispatch.values_and_adjoints(self.graph, point)
        f = float(values[self.graph.output]) * self.sign
        g = self.np.array(dispatch.variable_entries(adjoints, self.graph)) * self.sign
        if not (math.isfinite(f) and self.np.isfinite(g).all()):
            raise Stop("nonfinite", self._locate(point, values, adjoints))
        return f, g

    def hessian(self, x):
        self.hessian_evaluations += 1
        point = x.tolist()
        # compressed by a colouring where that pays (a banded Hessian: a few sweeps)
        _, _, matrix, _ = sparsity.hessian(self.graph, point, self.graph.output)
        if not self.np.isfinite(matrix).all():
            raise Stop("nonfinite", nonfinite.second_order_error(self.graph, point))
        return matrix * self.sign

    def _locate(self, point, values, adjoints):
        values = reverse.forward(self.graph, point)
        adjoints = reverse.backward(self.graph, values)
        return (nonfinite.first_nonfinite(self.graph, values, adjoints)
                or DomainError("f or its gradient is not finite", self.graph.source))


class Unknowns:
    """The unknowns of an array problem as one flat float64 vector (their
    entries in C order, one variable after the other) and back; the other
    variables (data) keep their values."""

    def __init__(self, graph, point, wrt):
        import numpy as np

        self.np = np
        self.point = list(point)
        index = graph.variable_index()
        self.slots = [index[name] for name in wrt]
        self.wrt = wrt
        self.shapes = [np.shape(point[k]) for k in self.slots]
        self.sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]

    def start(self):
        return self.np.concatenate([self.np.ravel(self.point[k]) for k in self.slots]
                                   or [self.np.zeros(0)]).astype(self.np.float64)

    def unpack(self, x):
        """{name: value in its shape} of a flat x."""
        out, at = {}, 0
        for name, shape, size in zip(self.wrt, self.shapes, self.sizes):
            piece = x[at:at + size]
            out[name] = float(piece[0]) if shape == () else piece.reshape(shape).copy()
            at += size
        return out

    def point_at(self, x):
        """Every variable's value, the unknowns' from x."""
        point = list(self.point)
        for k, value in zip(self.slots, self.unpack(x).values()):
            point[k] = value
        return point

    def labels(self):
        """x[0], A[0,1]: the label of each entry of x."""
        from ..array_results import flat_labels
        return flat_labels(self.wrt, dict(zip(self.wrt, self.shapes)))


def unknowns_and_data(graph, x0, at):
    """(graph for arrays, every variable's value, the unknowns' names): the
    names of x0 are the unknowns (positional: the variables in order), those
    of ``at`` the data."""
    from .. import array_api, array_values

    if isinstance(x0, str):
        x0 = array_values.parse_array_point_text(x0)
    if isinstance(at, str):
        at = array_values.parse_array_point_text(at)
    if not isinstance(x0, Mapping):
        if at:
            raise AdcliError("with data (at=), name the unknowns of the start: x=...")
        x0 = dict(zip(graph.variables, x0 if isinstance(x0, (list, tuple)) else [x0]))
    both = dict(at or {})
    twice = sorted(set(both).intersection(x0))
    if twice:
        raise AdcliError(f"{twice[0]} is given both as data and as a start")
    both.update(x0)
    return array_api.bind(graph, both, wrt=list(x0))


class ArrayObjective(Objective):
    """The Objective of an array graph over its Unknowns."""

    def __init__(self, graph, point, wrt, maximize, max_evals):
        super().__init__(graph, maximize, max_evals)
        from ..engine import arrays

        self.arrays = arrays
        self.unknowns = Unknowns(graph, point, wrt)
        self.wrt = wrt
        self.start, self.unpack = self.unknowns.start, self.unknowns.unpack
        self._point = self.unknowns.point_at

    def __call__(self, x):
        if self.evaluations >= self.max_evals:
            raise Stop("max_evals")
        self.evaluations += 1
        values = self.arrays.forward(self.graph, self._point(x))
        f = float(values[self.graph.output]) * self.sign
        gradient = self.arrays.gradient(self.graph, values, self.wrt)
        g = self.np.concatenate([self.np.ravel(v) for v in gradient]
                                or [self.np.zeros(0)]) * self.sign
        if not (math.isfinite(f) and self.np.isfinite(g).all()):
            adjoints = self.arrays.backward(self.graph, values, wrt=self.wrt)
            raise Stop("nonfinite", self.arrays.first_nonfinite(self.graph, values, adjoints)
                       or DomainError("f or its gradient is not finite", self.graph.source))
        return f, g

    def hessian(self, x):
        from ..engine import array_second

        self.hessian_evaluations += 1
        values = self.arrays.forward(self.graph, self._point(x))
        _, matrix = array_second.hessian(self.graph, values, self.wrt)
        if not self.np.isfinite(matrix).all():
            raise Stop("nonfinite", DomainError("the Hessian is not finite",
                                                self.graph.source))
        return matrix * self.sign


def _array_objective(graph, x0, at, output, maximize, max_evals):
    """(objective, the start x, the graph) of an array problem: the names of
    x0 are the unknowns, those of ``at`` the data."""
    if output is not None:
        graph = graph.select(output)
    graph, point, wrt = unknowns_and_data(graph, x0, at)
    graph.output  # noqa: B018 (one output, or its error)
    objective = ArrayObjective(graph, point, wrt, maximize, max_evals)
    return objective, objective.start(), graph


def minimize(expr, x0, *, at=None, method="auto", variables=None, output=None, maximize=False,
             gtol=1e-8, ftol=None, xtol=None, max_iter=10000, max_evals=100000,
             lr=None, line_search=None, momentum=None, beta1=None, beta2=None,
             epsilon=None, memory=None, callback=None):
    """Minimize (or maximize) one output of ``expr`` from ``x0``.

    ``x0`` is a mapping name -> number or a sequence in variable order.  On
    an array expression (or with array values) the names of ``x0`` are the
    unknowns, each an array whose shape is its start's, and ``at`` binds the
    other variables (data); the result's x then holds arrays.
    Stops when the largest gradient component is below ``gtol``, when f or x
    stop changing (relative ``ftol``, ``xtol``; line-search and Newton
    methods), or at ``max_iter`` iterations / ``max_evals`` evaluations.
    ``lr`` is the step of gd and momentum (default 0.01) and adam (0.001);
    the other settings (defaults in DEFAULTS) belong to the methods of
    TAKEN_BY, and AdcliError says so when one is given to another method.
    """
    import numpy as np

    if method not in METHODS:
        raise AdcliError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    graph = api.parse(expr, variables)
    if _is_array_problem(graph, x0, at):
        objective, x, graph = _array_objective(graph, x0, at, output, maximize, max_evals)
    else:
        if variables is None and isinstance(x0, Mapping):
            points.require_text(x0)  # {1: 2} is a bad point before it is a bad name
            graph = graph.declaring(x0)  # a start point names the inputs, used or not
        graph, point, _ = api.prologue(graph, x0, output=output, one_output=True)
        x = np.array(point, dtype=np.float64)
        objective = Objective(graph, maximize, max_evals)
    given = dict(lr=lr, line_search=line_search, momentum=momentum, beta1=beta1,
                 beta2=beta2, epsilon=epsilon, memory=memory, ftol=ftol, xtol=xtol)
    chosen = resolve_method(method, len(x))
    wrong = misplaced_settings(chosen, given)
    if wrong:
        raise AdcliError(misplaced_message(wrong[0], method, chosen, len(x)))
    method = chosen
    settings = {**DEFAULTS, **{k: v for k, v in given.items() if v is not None}}
    run = _Run(objective, _STEPPERS[method](settings), callback,
               dict(gtol=gtol, ftol=settings["ftol"], xtol=settings["xtol"],
                    max_iter=max_iter))
    with np.errstate(all="ignore"):  # an overflowing step is reported as such, not warned about
        x, f, g, reason, error = run.solve(x)
    arrays = isinstance(objective, ArrayObjective)
    return MinimizeResult(
        x=objective.unpack(x) if arrays else dict(zip(graph.variables, x.tolist())),
        value=f * objective.sign,
        converged=reason in CONVERGED, reason=reason,
        message={**CONVERGED, **NOT_CONVERGED, **DIVERGED}[reason],
        iterations=run.iteration, evaluations=objective.evaluations,
        hessian_evaluations=objective.hessian_evaluations,
        gradient_norm=float(np.abs(g).max()) if len(g) else 0.0, method=method,
        variables=objective.wrt if arrays else graph.variables, maximize=maximize,
        error=error, labels=_labels(objective) if arrays else None)


def _is_array_problem(graph, x0, at):
    from .. import array_values
    if graph.has_arrays or at is not None or isinstance(x0, array_values.ARRAY_POINTS):
        return True
    values = x0.values() if isinstance(x0, Mapping) else x0 if isinstance(x0, (list, tuple)) \
        else ()
    return isinstance(x0, str) and "[" in x0 or any(hasattr(v, "__len__") and
                                                     not isinstance(v, str) for v in values)


def _labels(objective):
    return objective.unknowns.labels()


def resolve_method(method, n):
    """The method auto stands for with n variables (any other, itself)."""
    if method == "auto":
        return "newton" if n <= NEWTON_MAX_VARIABLES else "lbfgs"
    return method


def misplaced_settings(method, given):
    """The settings given (not None, not False) that method does not take."""
    kinds = {method, "gd --line-search"} if method == "gd" and given.get("line_search") \
        else {method}
    return [name for name, value in given.items() if value is not None and value is not False
            and not kinds.intersection(TAKEN_BY[name])]


def misplaced_message(name, method, chosen, n, spell=str):
    """Why a setting cannot be used; spell turns a setting's name into the
    caller's (``--line-search`` on the command line)."""
    owners = TAKEN_BY[name]
    listing = ", ".join(owners[:-1]) + " and " * (len(owners) > 1) + owners[-1]
    here = method if method == chosen else (f"{method}, which is {chosen} for "
                                            f"{count_text(n, 'variable')}")
    return (f"{spell(name)} is a setting of {listing}, not of {here}"
            + (" (no learning rate)" if name == "lr" else ""))


class _Run:
    """The loop shared by every method: stopping tests, divergence, callback."""

    def __init__(self, objective, stepper, callback, limits):
        self.objective = objective
        self.stepper = stepper
        self.callback = callback
        self.limits = limits
        self.iteration = 0

    def solve(self, x):
        np = self.objective.np
        try:
            f, g = self.objective(x)
        except Stop as stop:
            return x, math.nan, np.full(len(x), math.nan), stop.reason, stop.error
        self.start_f = f
        self.start_x = x
        # the distance from the start at which falls_without_bound is next
        # asked: far enough that most runs that converge never pay for a probe
        self.far = 10.0 * max(1.0, float(np.linalg.norm(x)))
        if self._report(x, f, g, 0.0):
            return x, f, g, "callback", None
        try:
            self.stepper.start(self.objective, x, f, g)
        except Stop as stop:
            return x, f, g, stop.reason, stop.error
        while True:
            reason = self._converged_at(g) or self._limit()
            if reason:
                return x, f, g, reason, None
            try:
                x_new, f_new, g_new = self.stepper.step(self.objective, x, f, g)
            except Stop as stop:
                if stop.reason == "stalled" and (self._small(f, g) or self._model_spent(f)):
                    return x, f, g, "precision", None
                return x, f, g, stop.reason, stop.error
            self.iteration += 1
            step = float(np.linalg.norm(x_new - x))
            reason = (self._diverged(x_new, f_new) or self._unbounded(x_new, f_new, g_new)
                      or self._stagnant(x, f, f_new, g_new, step))
            x, f, g = x_new, f_new, g_new
            if self._report(x, f, g, step):
                return x, f, g, "callback", None
            if reason:
                return x, f, g, reason, None

    def _converged_at(self, g):
        return "gtol" if len(g) == 0 or float(abs(g).max()) <= self.limits["gtol"] else None

    def _limit(self):
        return "max_iter" if self.iteration >= self.limits["max_iter"] else None

    def _diverged(self, x, f):
        bound = 1e50 * max(1.0, abs(self.start_f))
        if abs(f) > bound or float(abs(x).max(initial=0.0)) > 1e100:
            return "diverged"
        return None

    def _unbounded(self, x, f, g):
        """Diverged when f falls without bound along -g from x (a linear f, a
        concave one), whatever the method: probed each time x gets twice as far
        from the start (a few times per run), and after the last iteration
        allowed (a run that creeps, as adam's does)."""
        distance = float(self.objective.np.linalg.norm(x - self.start_x))
        if distance < self.far and self.iteration < self.limits["max_iter"]:
            return None
        self.far = max(self.far, 2.0 * distance)
        return "diverged" if falls_without_bound(self.objective, x, f, g, self._diverged) else None

    def _stagnant(self, x, f, f_new, g_new, step):
        """ftol or xtol when f or x stopped changing near a stationary point;
        stalled when they stopped changing where the gradient is not small
        (a trust region collapsed against the edge of the domain, say)."""
        if not self.stepper.monotone:  # gd, momentum, adam: f may rise and fall
            return None
        scale = max(abs(f), abs(f_new), 1.0)
        size = 1.0 + float(self.objective.np.linalg.norm(x))
        if abs(f - f_new) <= self.limits["ftol"] * scale:
            reason, rounding = "ftol", abs(f - f_new) <= 1e-14 * scale
        elif step <= self.limits["xtol"] * size:
            reason, rounding = "xtol", step <= 1e-14 * size
        else:
            return None
        if rounding and not self._small(f_new, g_new):
            return "stalled"
        return reason

    def _small(self, f, g):
        """Is the gradient small next to f?  A change at rounding level is
        convergence only then (badly scaled problems such as Meyer's end with
        |grad| near 1e-5 |f|)."""
        scale = max(abs(f), 1.0)
        return len(g) == 0 or float(abs(g).max()) <= max(self.limits["gtol"], 1e-4 * scale)

    def _model_spent(self, f):
        """Is what the stepper's model still promises (Newton: the decrease
        of its unconstrained step) below f's 12th digit?  Then f's own
        rounding hides it: Meyer's function ends so with |grad| ~ 20 along a
        variable of size 0.005 (a Hessian of condition 1e16)."""
        promised = getattr(self.stepper, "promised", None)
        return promised is not None and promised() <= 1e-12 * max(abs(f), 1.0)

    def _report(self, x, f, g, step):
        if self.callback is None:
            return False
        info = Iteration(self.iteration, x.tolist(), f * self.objective.sign,
                         float(abs(g).max()) if len(g) else 0.0, step,
                         self.objective.evaluations)
        return bool(self.callback(info))


# --- first-order methods ------------------------------------------------------------


class _GradientDescent:
    monotone = False

    def __init__(self, settings):
        self.line_search = settings["line_search"]
        default = 1.0 if self.line_search else 0.01  # a search shortens a long first step
        self.lr = settings["lr"] if settings["lr"] is not None else default
        self.monotone = self.line_search

    def start(self, objective, x, f, g):
        self.trial = self.lr

    def step(self, objective, x, f, g):
        if not self.line_search:
            x_new = x - self.lr * g
            return (x_new, *objective(x_new))
        # each search starts from twice the last accepted step, so steps can grow
        x_new, f_new, g_new, taken = _armijo(objective, x, f, g, -g, self.trial)
        self.trial = 2.0 * taken
        return x_new, f_new, g_new


def _armijo(objective, x, f, g, direction, step, c1=1e-4, shrink=0.5):
    """Backtrack from step until f decreases enough (Armijo condition);
    returns (x, f, g, the step taken)."""
    slope = float(g @ direction)
    for _ in range(60):
        x_new = x + step * direction
        try:
            f_new, g_new = objective(x_new)
        except Stop as stop:
            if stop.reason != "nonfinite":
                raise
            step *= shrink  # stepped out of the domain: come back
            continue
        if f_new <= f + c1 * step * slope:
            return x_new, f_new, g_new, step
        step *= shrink
    raise Stop("stalled")


class _Momentum:
    monotone = False

    def __init__(self, settings):
        self.lr = settings["lr"] if settings["lr"] is not None else 0.01
        self.beta = settings["momentum"]

    def start(self, objective, x, f, g):
        self.velocity = x * 0.0

    def step(self, objective, x, f, g):
        self.velocity = self.beta * self.velocity - self.lr * g
        x_new = x + self.velocity
        return (x_new, *objective(x_new))


class _Adam:
    monotone = False

    def __init__(self, settings):
        self.lr = settings["lr"] if settings["lr"] is not None else 0.001
        self.beta1, self.beta2 = settings["beta1"], settings["beta2"]
        self.epsilon = settings["epsilon"]

    def start(self, objective, x, f, g):
        self.m = x * 0.0
        self.v = x * 0.0
        self.t = 0

    def step(self, objective, x, f, g):
        np = objective.np
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.v = self.beta2 * self.v + (1 - self.beta2) * g * g
        m_hat = self.m / (1 - self.beta1 ** self.t)
        v_hat = self.v / (1 - self.beta2 ** self.t)
        x_new = x - self.lr * m_hat / (np.sqrt(v_hat) + self.epsilon)
        return (x_new, *objective(x_new))


# --- quasi-Newton methods -----------------------------------------------------------


class _BFGS:
    monotone = True

    def __init__(self, settings):
        pass

    def start(self, objective, x, f, g):
        self.inverse = None  # scaled identity until the first update

    def step(self, objective, x, f, g):
        np = objective.np
        direction = -g if self.inverse is None else -(self.inverse @ g)
        if float(g @ direction) >= 0:  # not a descent direction: restart
            self.inverse, direction = None, -g
        first = self.inverse is None
        step0 = min(1.0, 1.0 / max(float(np.abs(g).sum()), 1e-300)) if first else 1.0
        x_new, f_new, g_new = wolfe_search(objective, x, f, g, direction, step0)
        self._update(np, x_new - x, g_new - g)
        return x_new, f_new, g_new

    def _update(self, np, s, y):
        sy = float(s @ y)
        if sy <= 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y)):
            return  # curvature condition fails: keep the current approximation
        n = len(s)
        if self.inverse is None:  # Nocedal & Wright (6.20): scale H0 by s'y / y'y
            self.inverse = np.eye(n) * (sy / float(y @ y))
        rho = 1.0 / sy
        hy = self.inverse @ y
        self.inverse += (rho * rho * float(y @ hy) + rho) * np.outer(s, s) \
            - rho * (np.outer(hy, s) + np.outer(s, hy))


class _LBFGS:
    monotone = True

    def __init__(self, settings):
        self.memory = max(1, int(settings["memory"]))

    def start(self, objective, x, f, g):
        self.pairs = []

    def step(self, objective, x, f, g):
        np = objective.np
        direction = -self._apply(np, g)
        if float(g @ direction) >= 0:
            self.pairs, direction = [], -g
        step0 = 1.0 if self.pairs else min(1.0, 1.0 / max(float(np.abs(g).sum()), 1e-300))
        x_new, f_new, g_new = wolfe_search(objective, x, f, g, direction, step0)
        s, y = x_new - x, g_new - g
        if float(s @ y) > 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y)):
            self.pairs = (self.pairs + [(s, y, 1.0 / float(s @ y))])[-self.memory:]
        return x_new, f_new, g_new

    def _apply(self, np, g):
        """Two-loop recursion: the L-BFGS inverse Hessian times g."""
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * float(s @ q)
            q -= alpha * y
            alphas.append(alpha)
        if self.pairs:
            s, y, _ = self.pairs[-1]
            q *= float(s @ y) / float(y @ y)
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas)):
            q += (alpha - rho * float(y @ q)) * s
        return q


def wolfe_search(objective, x, f, g, direction, step, c1=1e-4, c2=0.9, max_steps=40):
    """A step satisfying the strong Wolfe conditions (Nocedal & Wright,
    Algorithms 3.5 and 3.6, cubic interpolation).  Returns (x, f, g)."""
    slope0 = float(g @ direction)
    previous = (0.0, f, slope0)
    best = None
    for trial in range(max_steps):
        point = _probe(objective, x, direction, step)
        if point is None:  # out of the domain: shorten
            step = 0.5 * (previous[0] + step)
            continue
        f_new, g_new, slope = point
        if f_new <= f + c1 * step * slope0 and (best is None or f_new < best[1]):
            best = (step, f_new, g_new)
        if f_new > f + c1 * step * slope0 or (trial > 0 and f_new >= previous[1]):
            return _zoom(objective, x, f, direction, slope0, previous, (step, f_new, slope),
                         c1, c2, best)
        if abs(slope) <= -c2 * slope0:
            return x + step * direction, f_new, g_new
        if slope >= 0:
            return _zoom(objective, x, f, direction, slope0, (step, f_new, slope), previous,
                         c1, c2, best)
        previous = (step, f_new, slope)
        step *= 2.0
    return _accept_best(x, direction, best)  # a long step: the run's probe sees if f is unbounded


def falls_without_bound(objective, x, f, g, diverged, growth=1e4, max_probes=30):
    """Does f keep falling along -g, at least half as steeply as at x, out to
    where diverged(x, f) says a run has diverged?  Probes at steps growing
    growth-fold from one length of x; a bounded f rises or flattens within a
    probe or two."""
    np = objective.np
    slope0 = -float(g @ g)
    if not slope0 < 0:
        return False
    step = max(1.0, float(np.linalg.norm(x))) / math.sqrt(-slope0)
    previous = f
    for _ in range(max_probes):
        try:
            point = _probe(objective, x, -g, step)
        except Stop:  # out of evaluations: the run's own loop says so
            return False
        if point is None or not (point[0] < previous and point[2] <= 0.5 * slope0):
            return False
        if diverged(x - step * g, point[0]):
            return True
        previous = point[0]
        step *= growth
    return False


def _probe(objective, x, direction, step):
    """(f, g, directional derivative) at x + step*direction, None if not finite."""
    try:
        f_new, g_new = objective(x + step * direction)
    except Stop as stop:
        if stop.reason != "nonfinite":
            raise
        return None
    return f_new, g_new, float(g_new @ direction)


def _zoom(objective, x, f, direction, slope0, low, high, c1, c2, best, max_steps=30):
    for _ in range(max_steps):
        step = _cubic_min(low, high)
        point = _probe(objective, x, direction, step)
        if point is None:
            high = (step, math.inf, 0.0)
            continue
        f_new, g_new, slope = point
        if f_new <= f + c1 * step * slope0 and (best is None or f_new < best[1]):
            best = (step, f_new, g_new)
        if f_new > f + c1 * step * slope0 or f_new >= low[1]:
            high = (step, f_new, slope)
            continue
        if abs(slope) <= -c2 * slope0:
            return x + step * direction, f_new, g_new
        if slope * (high[0] - low[0]) >= 0:
            high = low
        low = (step, f_new, slope)
        if abs(high[0] - low[0]) <= 1e-16 * max(1.0, abs(low[0])):
            break
    return _accept_best(x, direction, best)


def _cubic_min(a, b):
    """Minimizer of the cubic through (step, f, slope) at a and b, kept
    inside the interval (bisection when the cubic is of no use)."""
    (s0, f0, d0), (s1, f1, d1) = a, b
    lo, hi = min(s0, s1), max(s0, s1)
    if math.isfinite(f1) and s0 != s1:
        d1_ = d0 + d1 - 3 * (f0 - f1) / (s0 - s1)
        radicand = d1_ * d1_ - d0 * d1
        if radicand >= 0:
            d2 = math.copysign(math.sqrt(radicand), s1 - s0)
            denominator = d1 - d0 + 2 * d2
            if denominator != 0:
                step = s1 - (s1 - s0) * (d1 + d2 - d1_) / denominator
                margin = 0.1 * (hi - lo)
                if lo + margin <= step <= hi - margin:
                    return step
    return 0.5 * (lo + hi)


def _accept_best(x, direction, best):
    """When no strong-Wolfe step was found, the best sufficient decrease."""
    if best is None:
        raise Stop("stalled")
    step, f_new, g_new = best
    return x + step * direction, f_new, g_new


# --- Newton's method in a trust region ------------------------------------------------


class _Newton:
    monotone = True

    def __init__(self, settings):
        pass

    def start(self, objective, x, f, g):
        self.radius = max(1.0, 0.1 * float(objective.np.linalg.norm(x)))
        self.hessian = objective.hessian(x)

    def step(self, objective, x, f, g):
        """Steps until one is accepted (rejections shrink the region)."""
        np = self.np = objective.np
        self.gradient = g
        for _ in range(100):
            p = trust_region_step(np, self.hessian, g, self.radius)
            predicted = -(float(g @ p) + 0.5 * float(p @ self.hessian @ p))
            point = _probe(objective, x, p, 1.0)
            length = float(np.linalg.norm(p))
            if point is None or predicted <= 0:
                self.radius = 0.25 * length
                if self.radius < 1e-300:
                    raise Stop("stalled")
                continue
            f_new, g_new, _ = point
            ratio = (f - f_new) / predicted
            if ratio < 0.25:
                self.radius = 0.25 * length
            elif ratio > 0.75 and length >= 0.99 * self.radius:
                self.radius = min(2.0 * self.radius, 1e10)
            if ratio > 1e-4:
                x_new = x + p
                self.hessian = objective.hessian(x_new)
                return x_new, f_new, g_new
            if self.radius < 1e-15 * (1.0 + float(np.linalg.norm(x))):
                raise Stop("stalled")
        raise Stop("stalled")

    def promised(self):
        return _promised_decrease(self.np, self.hessian, self.gradient)


def _promised_decrease(np, hessian, g):
    """The decrease the quadratic model promises for its best step (huge, inf
    or nan where the model has no minimum: never below a threshold)."""
    p = trust_region_step(np, hessian, g, 1e300)
    return -(float(g @ p) + 0.5 * float(p @ hessian @ p))


def trust_region_step(np, hessian, g, radius):
    """argmin g.p + p.H.p/2 over |p| <= radius, exactly, from H's eigenvalues
    (Moré & Sorensen), including the hard case."""
    p = _newton_step(np, hessian, g)
    if p is not None and float(np.linalg.norm(p)) <= radius:
        return p  # the usual step near a minimum, without an eigendecomposition
    eigenvalues, vectors = np.linalg.eigh(hessian)
    coefficients = vectors.T @ g

    def step_for(shift):
        return -vectors @ (coefficients / (eigenvalues + shift))

    smallest = float(eigenvalues[0])
    if smallest > 0:
        p = step_for(0.0)
        if float(np.linalg.norm(p)) <= radius:
            return p  # the Newton step itself
    low = max(0.0, -smallest)
    scale = max(1.0, float(np.abs(eigenvalues).max()))
    flat = eigenvalues + low <= 1e-12 * scale  # directions of the smallest eigenvalue
    if flat.any() and float(np.abs(coefficients[flat]).max()) <= 1e-12 * max(
            float(np.linalg.norm(g)), 1e-300):
        p = -vectors[:, ~flat] @ (coefficients[~flat] / (eigenvalues[~flat] + low))
        if float(np.linalg.norm(p)) <= radius:
            if smallest >= -1e-12 * scale:  # flat, not negative: p is a minimizer, and a
                return p  # move along the flat direction would move unused variables
            # the hard case: move along the negative direction to the boundary
            tau = math.sqrt(max(radius * radius - float(p @ p), 0.0))
            return p + tau * vectors[:, 0]
    high = low + float(np.linalg.norm(g)) / radius + abs(float(eigenvalues[-1])) + 1.0
    for _ in range(200):  # bisection on |p(shift)| = radius: slow but certain
        middle = 0.5 * (low + high)
        if _norm_at(np, coefficients, eigenvalues, middle) > radius:
            low = middle
        else:
            high = middle
        if high - low <= 1e-14 * high:
            break
    return step_for(high)


def _newton_step(np, hessian, g):
    """-H^-1 g where a Cholesky factorization shows H positive definite (a
    fraction of an eigendecomposition's cost), else None."""
    try:
        np.linalg.cholesky(hessian)
        p = -np.linalg.solve(hessian, g)
    except np.linalg.LinAlgError:
        return None
    return p if np.isfinite(p).all() else None


def _norm_at(np, coefficients, eigenvalues, shift):
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(np.linalg.norm(coefficients / (eigenvalues + shift)))
    return value if math.isfinite(value) else math.inf


_STEPPERS = {"gd": _GradientDescent, "momentum": _Momentum, "adam": _Adam,
             "bfgs": _BFGS, "lbfgs": _LBFGS, "newton": _Newton}
