"""Roots of nonlinear equations and systems, with exact Jacobians by AD.

``solve(equations, start, at=None)``: the equations are the outputs of
``equations`` (text with ``;``-separated expressions, a program's outputs, or
a Graph), every entry of each output one equation; the unknowns are the
names of ``start`` (or, given positionally, the variables in order), and
``at`` binds the other variables (data). A vector output and a vector
unknown are one system.

- As many equations as unknowns: Powell's hybrid method (MINPACK's hybrj,
  ``tools/hybrid.py``) with the exact Jacobian, one forward sweep per
  unknown (never more than the reverse sweeps: there are no fewer
  equations than unknowns).
- More equations than unknowns: the least-squares solution by
  Levenberg-Marquardt (``tools/least_squares.py``), said in ``method``.
- Fewer: an error (no isolated root).

A root is declared (``converged``) when the method says so, or when the
Newton step from the last Jacobian is below x's rounding (the run ended
where float64 cannot get closer: ``reason="root"``). ``ftol`` is an
absolute bound on every |F_i|.
"""
import math
from dataclasses import dataclass, field

from .. import api
from ..errors import DomainError, PointError
from .least_squares import enorm
from .optimize import Unknowns, unknowns_and_data

#: the Newton step at the end is x's rounding when |D s| <= ROUNDING * eps * |D x|
ROUNDING = 16.0
#: a root whose Jacobian's condition number exceeds this gets a warning
ILL_CONDITIONED = 1e10
LEAST_SQUARES = "levenberg-marquardt (more equations than unknowns: least squares)"
MESSAGES = {
    "root": "a root: the Newton step is below the rounding of x",
    "max-iter": "the iteration limit was reached before convergence",
    "interrupted": "interrupted: the point reached",
}


@dataclass
class SolveResult:
    """A root (or the point a run reached), its residuals and how it ended."""

    x: dict  # unknown -> float or array
    residuals: dict  # equation (output name) -> float or array
    residual_norm: float  # 2-norm of F at x
    max_residual: float  # the largest |F_i|
    start_residual_norm: float
    converged: bool
    reason: str
    message: str
    iterations: int
    evaluations: int
    jacobian_evaluations: int
    condition: float  # 2-norm condition number of the Jacobian at the end
    method: str
    unknowns: tuple
    equations: tuple
    labels: tuple  # one per entry of x: x, x[0], A[0,1]
    equation_labels: tuple  # one per equation entry: f1, F[2]
    least_squares: bool  # more equations than unknowns
    warnings: tuple = ()
    error: object = None  # the DomainError of a non-finite value, node named
    shapes: dict = field(default_factory=dict)  # unknown -> shape

    @property
    def diverged(self):
        return self.reason == "nonfinite"


class EquationSystem:
    """F(x) of a graph's outputs over its unknowns, flattened (x: the unknowns'
    entries in order; F: every output's entries, output after output), with
    the Jacobian by forward sweeps; evaluations counted."""

    def __init__(self, graph, start, at):
        import numpy as np

        self.np = np
        graph, point, wrt = unknowns_and_data(graph, start, at)
        self.graph = graph
        self.unknowns = Unknowns(graph, point, wrt)
        self.evaluations = self.jacobian_evaluations = 0
        self._last = None
        values = self._values(self.unknowns.start())
        self.output_shapes = [np.shape(values[o]) for o in graph.outputs]

    @property
    def size(self):
        """(equations, unknowns): the entries of F and of x."""
        return sum(math.prod(s) for s in self.output_shapes), sum(self.unknowns.sizes)

    def _values(self, x):
        from ..engine import arrays
        key = x.tobytes()
        if self._last is None or self._last[0] != key:
            self._last = (key, arrays.forward(self.graph, self.unknowns.point_at(x)))
        return self._last[1]

    def residuals(self, x):
        self.evaluations += 1
        values = self._values(x)
        return self._flat([values[o] for o in self.graph.outputs])

    def jacobian(self, x):
        """dF/dx, (equations, unknowns): forward mode, unit directions batched
        in each sweep (there are no fewer equations than unknowns)."""
        from ..engine import array_second

        self.jacobian_evaluations += 1
        values = self._values(x)
        return array_second.jacobian(self.graph, values, self.unknowns.wrt)

    def _flat(self, parts):
        np = self.np
        pieces = [np.broadcast_to(np.asarray(p, dtype=np.float64), s).ravel()
                  for p, s in zip(parts, self.output_shapes)]
        return np.concatenate(pieces) if pieces else np.zeros(0)

    def by_equation(self, flat):
        """{output name: value in its shape} of a flat F."""
        out, at = {}, 0
        for name, shape in zip(self.graph.output_names, self.output_shapes):
            size = math.prod(shape)
            piece = flat[at:at + size]
            out[name] = float(piece[0]) if shape == () else piece.reshape(shape).copy()
            at += size
        return out

    def equation_labels(self):
        from ..array_results import flat_labels
        return flat_labels(self.graph.output_names,
                           dict(zip(self.graph.output_names, self.output_shapes)))

    def nonfinite_error(self, x):
        """The DomainError naming the node where F or J stops being finite at x."""
        from ..engine import arrays
        values = self._values(x)
        return (arrays.first_nonfinite(self.graph, values)
                or DomainError("an equation or its derivative is not finite here",
                               self.graph.source))


def solve(equations, start, *, at=None, variables=None, outputs=None, ftol=None, xtol=None,
          max_iter=None, max_evals=None, callback=None):
    """Solve F(x) = 0 for the unknowns named by ``start`` (see the module).

    ``outputs``: the output names that are the equations (default: all).
    ``callback(info)``: info has iteration, x (flat list), residual_norm,
    step, evaluations, jacobian_evaluations; returning True stops the run
    (reason "interrupted"). Raises DomainError when F is not finite at the
    start, PointError for fewer equations than unknowns.
    """
    import numpy as np

    graph = api.parse(equations, variables)
    if outputs is not None:
        graph = graph.focus(list(outputs))
    system = EquationSystem(graph, start, at)
    m, n = system.size
    if m < n:
        raise PointError(f"{m} equation{'s' * (m != 1)} and {n} unknowns: fewer equations than "
                         "unknowns have no isolated root",
                         hint="give some of the unknowns in --at (as data), or add equations")
    x0 = system.unknowns.start()
    with np.errstate(all="ignore"):
        f0 = system.residuals(x0)
    if not np.isfinite(f0).all():
        raise system.nonfinite_error(x0)
    run = _Run(system, callback, max_iter)
    with np.errstate(all="ignore"):
        core = run.solve(x0, m, n, ftol, xtol, max_evals)
    return _result(system, core, run, enorm(f0), m > n)


class _Run:
    """The callback seen by the method: the caller's, max_iter, the step."""

    def __init__(self, system, callback, max_iter):
        self.system, self.callback, self.max_iter = system, callback, max_iter
        self.previous = None
        self.stopped = None  # "max-iter" or "interrupted"

    def solve(self, x0, m, n, ftol, xtol, max_evals):
        system = self.system
        self.previous = x0
        if m == n:
            from .hybrid import hybrid
            return hybrid(system.residuals, system.jacobian, x0,
                          tolerance=0.0 if ftol is None else ftol, xtol=xtol,
                          max_evals=max_evals, callback=self.report)
        from .least_squares import least_squares
        return least_squares(system.residuals, system.jacobian, x0, xtol=xtol,
                             max_evals=max_evals, callback=self.report)

    def report(self, info):
        import numpy as np

        x = np.asarray(info["x"], dtype=np.float64)
        norm = info.get("residual_norm")
        if norm is None:  # least_squares reports the cost
            norm = math.sqrt(info["cost"])
        step = enorm(x - self.previous)
        self.previous = x
        row = SolveIteration(info["iteration"], x.tolist(), float(norm), step,
                             self.system.evaluations, self.system.jacobian_evaluations)
        if self.callback is not None and self.callback(row):
            self.stopped = "interrupted"
            return True
        if self.max_iter is not None and row.iteration >= self.max_iter:
            self.stopped = "max-iter"
            return True
        return False


@dataclass
class SolveIteration:
    """What a callback (and a trace file) sees after each iteration."""

    iteration: int
    x: list
    residual_norm: float
    step: float
    evaluations: int
    jacobian_evaluations: int


def _result(system, core, run, start_norm, least_squares):
    import numpy as np

    x, residuals = np.asarray(core.x, dtype=np.float64), np.asarray(core.residuals)
    reason, converged, message = core.reason, bool(core.converged), core.message
    if run.stopped is not None and reason == "callback":
        reason, converged, message = run.stopped, False, MESSAGES[run.stopped]
    jacobian = core.jacobian
    if not converged and reason not in ("nonfinite", "callback") and not least_squares:
        if not np.array_equal(core.jacobian_at, x):  # the test needs J at x itself
            with np.errstate(all="ignore"):
                jacobian = system.jacobian(x)
        if _newton_step_is_rounding(jacobian, residuals, x):
            reason, converged, message = "root", True, MESSAGES["root"]
    condition = _condition(jacobian)
    warnings = []
    if converged and condition > ILL_CONDITIONED:
        warnings.append(f"the Jacobian at the root is ill-conditioned (condition "
                        f"{condition:.3g}): the root is sensitive to rounding in the equations")
    elif not converged and reason != "nonfinite" and condition > ILL_CONDITIONED:
        warnings.append(f"the Jacobian is nearly singular here (condition {condition:.3g}): "
                        "near a multiple root steps shrink only linearly, and x is known "
                        "to about the square root of |F|'s scale")
    if least_squares:
        warnings.append(f"{len(residuals)} equations and {len(x)} unknowns: the least-squares "
                        f"solution, |F| = {enorm(residuals):.6g}")
    error = system.nonfinite_error(x) if reason == "nonfinite" else None
    return SolveResult(
        x=system.unknowns.unpack(x), residuals=system.by_equation(residuals),
        residual_norm=enorm(residuals),
        max_residual=float(np.max(np.abs(residuals))) if residuals.size else 0.0,
        start_residual_norm=start_norm, converged=converged, reason=reason, message=message,
        iterations=core.iterations, evaluations=system.evaluations,
        jacobian_evaluations=system.jacobian_evaluations, condition=condition,
        method=LEAST_SQUARES if least_squares else core.method,
        unknowns=tuple(system.unknowns.wrt), equations=tuple(system.graph.output_names),
        labels=tuple(system.unknowns.labels()), equation_labels=tuple(system.equation_labels()),
        least_squares=least_squares, warnings=tuple(warnings), error=error,
        shapes=dict(zip(system.unknowns.wrt, system.unknowns.shapes)))


def _newton_step_is_rounding(jacobian, residuals, x):
    """Is the Newton step s = J^-1 F at x below x's rounding (scaled by J's
    column norms, as MINPACK scales x)?  False when J is singular or not finite."""
    import numpy as np

    if not (np.isfinite(jacobian).all() and np.isfinite(residuals).all()):
        return False
    try:
        step = np.linalg.solve(jacobian, residuals)
    except np.linalg.LinAlgError:
        return False
    scale = np.max(np.abs(jacobian), axis=0)  # no squares: they underflow (1/x at 1e83)
    scale[scale == 0] = 1.0
    eps = np.finfo(np.float64).eps
    return bool(np.max(np.abs(scale * step)) <= ROUNDING * eps * np.max(np.abs(scale * x)))


def _condition(jacobian):
    import numpy as np

    if jacobian.size == 0 or not np.isfinite(jacobian).all():
        return math.inf
    singular = np.linalg.svd(jacobian, compute_uv=False)
    return float(singular[0] / singular[-1]) if singular[-1] > 0 else math.inf
