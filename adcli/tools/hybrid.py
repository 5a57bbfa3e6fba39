"""Square nonlinear systems F(x) = 0: Powell's hybrid method as in MINPACK's hybrj.

``hybrid(fun, jac, x0)`` finds a root of ``fun`` (n equations, n unknowns)
given its exact Jacobian ``jac``.  The method is Powell's (1970) in the form
of MINPACK's hybrj (Moré, Garbow and Hillstrom, MINPACK-1 user guide, 1980):

- the Jacobian is factored ``J = Q R`` (Householder QR, no pivoting: the
  rank-1 updates need Q and R of J itself);
- the step is the dogleg on the trust region ``|D p| <= delta``: the
  Newton step when it fits, else a point on the path from the scaled
  steepest-descent (Cauchy) point to the Newton step (``_dogleg``).  A zero
  on R's diagonal is replaced by eps times its column's largest entry, so a
  singular Jacobian gives a long Newton direction that the dogleg cuts back
  to the gradient side: no crash, and the gradient step still lowers ||F||;
- between Jacobian evaluations, J is replaced by Broyden's rank-1 update
  ``J + (F(x + p) - F(x) - J p) (D^2 p)^T / |D p|^2``, applied to Q and R
  by Givens rotations (``_broyden_update``; MINPACK's r1updt and r1mpyq).
  A new Jacobian is evaluated only after two successive steps whose
  actual reduction of ||F||^2 is below 0.1 of the predicted one;
- D holds the running maximum of J's column norms (MINPACK's mode 1), the
  first radius is ``FACTOR * |D x0|`` (``FACTOR * max(1, |F(x0)|)`` when x0
  = 0, where hybrj's FACTOR can be below what F's rounding resolves); both
  start afresh at each Jacobian until a step is accepted, as in hybrj, so
  the steps are hybrj's (scipy's hybr) until the stopping rules below;
- the radius halves after a poor step (ratio below 0.1) and becomes twice
  the step after a good one (ratio within 0.1 of 1, or above 0.5, or a
  second success in a row); a step is accepted when the ratio is at least
  1e-4.

Stopping (``reason``; "root" and "xtol" mean converged):

- ``"root"``: ``|F_i| <= tolerance_i`` for every equation (the caller
  passes about eps times each equation's largest term; with the default 0
  only an exact zero counts);
- ``"xtol"``: x stalled *and* F is at its rounding level:
  ``|F_i| <= ROUNDING * max(tolerance_i, eps * sum_j |J_ij x_j|, noise_i)``.
  The second term is what F can be at the float64 point nearest the root
  (one ulp of each x_j moves F_i by about eps |J_ij x_j|); noise_i is the
  largest departure of F_i from its linear model seen over a step below
  ``SETTLED * |D x|`` with the exact Jacobian (rounding in terms that J x
  does not show: ``n - sum cos x_j`` with small x).  x stalls when the step
  from an exact Jacobian changes no component of x by more than
  ``STEP_ULPS`` ulps (or vanishes in float64; from the Broyden model, unless
  the probes below show the rounding level, that asks for an exact Jacobian:
  a wild trial can inflate the model far from any root); when two poor
  steps follow an accepted step below ``SETTLED * |D x|``; at a new
  Jacobian, when ||F|| is within ROUNDING of the norm of the rounding
  levels; on MINPACK's info 4 and 5 (five Jacobians in a row, or ten steps,
  without a useful reduction of ||F||); or when the radius is below the
  caller's ``xtol * |D x|`` (MINPACK's test).  The level is
  judged first by F alone (``at_rounding_by_probes``: F an ulp away from x
  changes by at most the level: two evaluations), else with the exact
  Jacobian at x (one more evaluation when the last one is elsewhere), after
  a Newton step from it when that step is below ``SETTLED * |D x|``
  (``newton_probe``).  Never with the Broyden model: it keeps entries from
  far away (variably dimensioned from 100 x0), and near a singular root J
  shrinks with x;
- a stall above the rounding level hands x to Levenberg-Marquardt
  (``least_squares``; the method then says so; at most as many evaluations
  as the dogleg took, or ``LM_EVALS``), which either finds a root
  the dogleg missed (Wood and the helical valley from 100 x0) or
  converges to the local minimum of ||F|| the dogleg was creeping to.
  Its end is judged as above ("root", "xtol"); an end without a verdict
  that lowered ||F|| tenfold where the gradient does not vanish resumes the
  dogleg once (LM can stop short); else:
- ``"local-minimum"`` (not converged): LM converged, the gradient J^T F
  vanishes (``_stationary``) and the Newton step there is out of reach (over
  ``REACH * |D x|``, or F has a part along a zero singular value of J): a
  local minimum of ||F|| that is not a root;
- ``"no-progress"`` (not converged): the rest, e.g. near a singular root
  (Powell's singular function, where ||F|| falls to 1e-35 but the Newton
  step stays half the distance to the root), or the caller's ``xtol`` met
  above the rounding level (then without LM: the caller chose to stop);
- ``"max-evals"``: ``max_evals`` evaluations of fun (default ``200 * (n + 1)``,
  twice MINPACK's hybrj1; LM's evaluations count);
- ``"callback"``: the callback returned True;
- ``"nonfinite"``: F or J is not finite at the start or at an accepted
  point.  A non-finite F at a trial point is a rejected step: the radius
  shrinks to a quarter of the step.

``jacobian`` is the last exact Jacobian, and ``jacobian_at`` says where it
was evaluated: after Broyden steps that is not x (the condition number is
that J's; evaluate J at x for the root's own).

Pure numpy; the function never prints, warns or raises on non-finite values.
"""
import math
from dataclasses import dataclass

import numpy as np

from .least_squares import (EPS, _finite, _norm, _solve_upper, column_norms, enorm,
                            least_squares)

METHOD = "powell hybrid (MINPACK hybrj)"
METHOD_AFTER_STALL = METHOD + ", then levenberg-marquardt from its stall"
#: the initial radius: delta0 = FACTOR * |D x0| (MINPACK's default 100)
FACTOR = 100.0
#: MINPACK's relative step test (the radius below xtol * |D x| stops the run) is off
#: by default: the componentwise STEP_ULPS test ends a run at full float64 accuracy
XTOL = 0.0
#: F within this factor of its rounding level counts as converged at an xtol stop
ROUNDING = 16.0
#: a step changing no component of x by more than this many ulps ends the run
STEP_ULPS = 4.0
#: a step below SETTLED * |D x| with the exact J measures F's noise (its curvature
#: term is ~1e-16 relative)
SETTLED = 1e-8
#: the LM stage's evaluations: as many as the dogleg took, at least LM_EVALS (the
#: helical valley from 100 x0 needs 34)
LM_EVALS = 100
#: LM's end without a verdict resumes the dogleg when ||F|| fell below RESUME times
#: its value at the stall
RESUME = 0.1
#: a gradient of ||F||^2 / 2 below this, relative to |F| and the column scale, vanishes
STATIONARY = 1e-6
#: a Newton step longer than REACH * |D x| is out of reach (a local minimum, not a root)
REACH = 100.0

MESSAGES = {
    "root": "every equation is within its tolerance",
    "xtol": "x no longer changes (beyond its last bits, or xtol) and F is at its rounding "
            "level",
    "local-minimum": "converged to a local minimum of ||F|| that is not a root (the Jacobian "
                     "is singular there): try another start",
    "no-progress": "stopped short of a root: x no longer changes (beyond xtol) or ||F|| no "
                   "longer decreases, and F is above its rounding level",
    "max-evals": "the evaluation limit was reached before convergence",
    "callback": "stopped by the callback",
    "nonfinite": "an equation's value or a Jacobian entry is not finite",
}
CONVERGED = ("root", "xtol")


@dataclass
class HybridResult:
    x: np.ndarray
    residuals: np.ndarray
    #: the last exact Jacobian (never a Broyden update), evaluated at ``jacobian_at``
    jacobian: np.ndarray
    jacobian_at: np.ndarray
    residual_norm: float
    converged: bool
    reason: str
    message: str
    iterations: int
    evaluations: int
    jacobian_evaluations: int
    #: the 2-norm condition number of ``jacobian``: inf when singular, nan when not finite
    condition: float
    method: str = METHOD


# ---------------------------------------------------------------- linear algebra

def _newton_direction(r, qtf):
    """z with R z = Q^T F (the Newton step is -z); a zero diagonal entry is
    replaced by eps times the largest entry of its column (or eps), as
    MINPACK's dogleg does, so a singular R gives a long but finite direction."""
    diagonal = np.diag(r)
    if np.all(diagonal != 0.0):
        with np.errstate(over="ignore", invalid="ignore"):
            return _solve_upper(r, qtf)
    r = r.copy()
    for j in np.flatnonzero(diagonal == 0.0):
        largest = float(np.max(np.abs(r[: j + 1, j])))
        r[j, j] = EPS * largest if largest > 0.0 else EPS
    with np.errstate(over="ignore", invalid="ignore"):
        return _solve_upper(r, qtf)


def _dogleg(r, diag, qtf, delta):
    """MINPACK's dogleg: z with |D z| <= delta on the path from the scaled
    Cauchy point to the Newton direction (the step is -z)."""
    newton = _newton_direction(r, qtf)
    qnorm = _norm(diag * newton)
    if qnorm <= delta:
        return newton
    gradient = (r.T @ qtf) / diag  # the scaled gradient of |F|^2 / 2
    gnorm = enorm(gradient)
    if gnorm == 0.0:
        # no descent direction: the Newton direction cut to the radius (it tests
        # whether the model's flat direction lowers ||F||)
        return newton * (delta / qnorm) if math.isfinite(qnorm) else np.zeros_like(newton)
    direction = (gradient / gnorm) / diag
    curvature = enorm(r @ direction)
    with np.errstate(divide="ignore", over="ignore"):
        cauchy = (gnorm / curvature) / curvature  # the scaled length to the Cauchy point
    toward_cauchy = min(cauchy, delta) * direction
    if not (cauchy < delta and math.isfinite(qnorm)):
        return toward_cauchy
    # the point of the segment [Cauchy point, Newton] at distance delta
    bnorm = enorm(qtf)
    ratio_d = delta / qnorm
    ratio_s = cauchy / delta
    temp = (bnorm / gnorm) * (bnorm / qnorm) * ratio_s
    temp = temp - ratio_d * ratio_s ** 2 + math.hypot(
        temp - ratio_d, math.sqrt((1.0 - ratio_d ** 2) * (1.0 - ratio_s ** 2)))
    alpha = ratio_d * (1.0 - ratio_s ** 2) / temp
    return (1.0 - alpha) * toward_cauchy + alpha * newton


def _givens(a, b):
    """(c, s) with [[c, s], [-s, c]] @ [a, b] = [hypot(a, b), 0]."""
    if b == 0.0:
        return 1.0, 0.0
    h = math.hypot(a, b)
    return a / h, b / h


def _rotate(q, r, qtf, i, k, c, s):
    """Apply the rotation to rows i, k of R and of Q^T F, and columns i, k of Q."""
    ri, rk = r[i].copy(), r[k]
    r[i] = c * ri + s * rk
    r[k] = c * rk - s * ri
    qi, qk = q[:, i].copy(), q[:, k]
    q[:, i] = c * qi + s * qk
    q[:, k] = c * qk - s * qi
    fi, fk = qtf[i], qtf[k]
    qtf[i] = c * fi + s * fk
    qtf[k] = c * fk - s * fi


def _broyden_update(q, r, qtf, w, v):
    """Q R + Q w v^T = Q' R' in place (R' upper triangular), Q^T F rotated alike.

    Rotations from the bottom turn w into a multiple of e_1 (R becomes upper
    Hessenberg), the rank-1 term then changes R's first row only, and a second
    sweep restores the triangle (MINPACK's r1updt with r1mpyq): O(n^2).
    """
    n = w.size
    w = w.copy()
    for k in range(n - 1, 0, -1):
        c, s = _givens(w[k - 1], w[k])
        w[k - 1] = c * w[k - 1] + s * w[k]
        w[k] = 0.0
        _rotate(q, r, qtf, k - 1, k, c, s)
    r[0] += w[0] * v
    for k in range(n - 1):
        c, s = _givens(r[k, k], r[k + 1, k])
        _rotate(q, r, qtf, k, k + 1, c, s)
        r[k + 1, k] = 0.0


def _condition(j):
    """The 2-norm condition number: inf when singular, nan when J is not finite."""
    if not _finite(j):
        return math.nan
    s = np.linalg.svd(j, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0.0 else math.inf


def _tolerances(tolerance, n):
    tol = np.asarray(tolerance, dtype=float)
    if tol.ndim == 0:
        tol = np.full(n, float(tol))
    if tol.shape != (n,):
        raise ValueError(f"tolerance must be a number or have one entry per equation ({n}), "
                         f"not shape {tol.shape}")
    if not np.all(tol >= 0.0):
        raise ValueError("tolerance must be non-negative")
    return tol


# ---------------------------------------------------------------- the solver

def hybrid(fun, jac, x0, *, tolerance=0.0, xtol=None, max_evals=None, callback=None):
    """Solve fun(x) = 0 (n equations in n unknowns) by Powell's hybrid method with jac(x).

    fun(x) -> F (n,); jac(x) -> its Jacobian (n, n); x0 (n,).  ``tolerance``
    (a number or one per equation): converged ("root") when |F_i| <=
    tolerance_i for every i.  ``xtol``: MINPACK's relative step test, the
    radius below ``xtol * |D x|`` (default 0, off: the run goes on until the
    steps change x only in its last bits).  ``max_evals``: evaluations of fun
    (default ``200 * (n + 1)``).  ``callback(info)`` sees each accepted step
    (a dict with iteration, x, residual_norm, evaluations,
    jacobian_evaluations) and stops the run by returning True.  Raises
    ValueError when the system is not square; never raises on non-finite
    values (``reason="nonfinite"``).  fun and jac get a fresh array each
    call; what they return is copied.
    """
    x = np.array(x0, dtype=float).reshape(-1)
    if x.size == 0:
        raise ValueError("there are no unknowns to solve for")
    tol = _tolerances(tolerance, x.size)
    xtol = XTOL if xtol is None else float(xtol)
    max_evals = 200 * (x.size + 1) if max_evals is None else int(max_evals)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # a non-finite value is a result (or a rejected trial), never a warning
        return _Solver(fun, jac, tol, xtol, max_evals, callback).run(x)


class _Solver:
    """One run of hybrid: the counters, the scaling and radius, the factors Q R."""

    def __init__(self, fun, jac, tol, xtol, max_evals, callback):
        self.fun, self.jac, self.callback = fun, jac, callback
        self.n = tol.size
        self.tol, self.xtol, self.max_evals = tol, xtol, max_evals
        self.evaluations = self.jacobians = self.iterations = 0
        self.j = self.at = None  # the last exact Jacobian and where it was evaluated
        self.method = METHOD
        # F's rounding level beyond eps |J| |x|: the tolerance, or the noise seen
        self.floor = tol.copy()
        self.diag = None
        self.delta = 0.0
        self.first = True
        # MINPACK's counters run across Jacobians: after a new Jacobian, a failure
        # (ncfail = 3) shrinks the radius without asking for another one
        self.ncsuc = self.ncfail = self.nslow1 = self.nslow2 = 0
        self.last_step = math.inf  # |D p| of the last accepted step
        self.resumed = False  # the dogleg went on once from LM's end

    # ------------------------------------------------------------ evaluations

    def residuals(self, point):
        self.evaluations += 1
        f = np.array(self.fun(point.copy()), dtype=float).reshape(-1)
        if f.size != self.n:
            raise ValueError(f"the system is not square: {f.size} equations in {self.n} "
                             "unknowns")
        return f

    def jacobian(self, point):
        self.jacobians += 1
        j = np.array(self.jac(point.copy()), dtype=float)
        if j.size == self.n * self.n:
            j = j.reshape(self.n, self.n)  # a scalar or a flat list for n = 1
        if j.shape != (self.n, self.n):
            raise ValueError(f"the Jacobian has shape {j.shape}, not ({self.n}, {self.n})")
        self.j, self.at = j, point.copy()
        return j

    def exact_jacobian(self, point):
        """The exact Jacobian at point: the last one when it was evaluated there."""
        if self.j is not None and np.array_equal(self.at, point):
            return self.j
        return self.jacobian(point)

    def finish(self, x, f, reason):
        j = self.j
        if j is None:
            j = self.jacobian(x) if _finite(f) else np.full((self.n, self.n), np.nan)
        return HybridResult(
            x=x, residuals=f, jacobian=j, jacobian_at=self.at if self.at is not None else x,
            residual_norm=_norm(f), converged=reason in CONVERGED, reason=reason,
            message=MESSAGES[reason], iterations=self.iterations,
            evaluations=self.evaluations, jacobian_evaluations=self.jacobians,
            condition=_condition(j), method=self.method)

    def accepted(self, x, fnorm, evaluations=0, jacobians=0):
        """Count an accepted step; True when the callback stops the run."""
        self.iterations += 1
        return self.callback is not None and bool(self.callback({
            "iteration": self.iterations, "x": x.copy(), "residual_norm": fnorm,
            "evaluations": self.evaluations + evaluations,
            "jacobian_evaluations": self.jacobians + jacobians}))

    # ------------------------------------------------------------ the iteration

    def run(self, x):
        f = self.residuals(x)
        if not _finite(f):
            return self.finish(x, f, "nonfinite")
        if np.all(np.abs(f) <= self.tol):
            return self.finish(x, f, "root")
        return self.iterate(x, f)

    def iterate(self, x, f):
        """hybrj's outer loop: an exact Jacobian, then dogleg steps on its factors."""
        while True:
            j = self.jacobian(x)
            if not _finite(j):
                return self.finish(x, f, "nonfinite")
            if not self.first and _noise_dominated(j, x, f, self.floor):
                # the last two steps failed because ||F|| is rounding noise
                return self.stalled(x, f, "no-progress")
            self.scale(j, x, f)
            q, r = np.linalg.qr(j)
            outcome = self.steps(x, f, q, r)
            if isinstance(outcome, HybridResult):
                return outcome
            x, f = outcome

    def scale(self, j, x, f):
        """D: the running maximum of J's column norms (zeros first taken as 1);
        the first radius FACTOR * |D x0|.  As in hybrj, both start afresh at
        each Jacobian until a step is accepted.  When x0 = 0, hybrj's radius is
        FACTOR; ours is FACTOR * max(1, |F(x0)|) (|D p| is about |J p| = |F| for
        the Newton step): x - 1e20 = 0 from 0 is then one step, not a radius
        of 100 that F's rounding (1e4 there) cannot see."""
        colnorms = column_norms(j)
        if self.first:
            self.diag = np.where(colnorms == 0.0, 1.0, colnorms)
            xnorm = enorm(self.diag * x)
            self.delta = FACTOR * (xnorm if xnorm != 0.0 else max(1.0, _norm(f)))
        self.diag = np.maximum(self.diag, colnorms)

    def steps(self, x, f, q, r):
        """Dogleg steps from the factors of one exact Jacobian, updated by Broyden
        between them.  Returns the result when the run ends, else (x, F) when
        a new Jacobian is due."""
        diag = self.diag
        fnorm = _norm(f)
        xnorm = enorm(diag * x)
        qtf = q.T @ f
        fresh = True
        while True:
            step = -_dogleg(r, diag, qtf, self.delta)
            trial = x + step
            pnorm = enorm(diag * step)
            if self.first:
                self.delta = min(self.delta, pnorm)
            if np.array_equal(trial, x):
                ended = self.x_stalled(x, f, fresh)
                return (x, f) if ended is None else ended
            f_trial = self.residuals(trial)
            fnorm1 = _norm(f_trial)
            model = r @ step + qtf  # Q^T (F + J p): the linear model at the trial
            if fresh and pnorm <= SETTLED * xnorm and math.isfinite(fnorm1):
                # F's departure from its linear model over a tiny step with the exact
                # Jacobian is rounding noise (the curvature term is ~1e-16 relative)
                self.floor = np.maximum(self.floor, np.abs(f_trial - q @ model))
            actred = 1.0 - (fnorm1 / fnorm) ** 2 if fnorm1 < fnorm else -1.0
            mnorm = enorm(model)
            prered = 1.0 - (mnorm / fnorm) ** 2 if mnorm < fnorm else 0.0
            ratio = actred / prered if prered > 0.0 else 0.0
            self.update_radius(ratio, pnorm, math.isfinite(fnorm1))
            success = ratio >= 1e-4
            if success:
                x, f, fnorm, self.last_step = trial, f_trial, fnorm1, pnorm
                xnorm = enorm(diag * x)
                self.first = False
                if np.all(np.abs(f) <= self.tol):
                    return self.finish(x, f, "root")
                if self.accepted(x, fnorm):
                    return self.finish(x, f, "callback")
            self.count_progress(actred, fresh)
            ended = self.stop_test(x, f, step, xnorm, fresh)
            if ended is not None:
                return ended
            if self.ncfail == 2 or _unchanged(step, x):
                # an unchanged x with an exact J ended the run in stop_test: with
                # the Broyden model it calls for an exact J
                return x, f
            if math.isfinite(fnorm1):
                # Broyden's update with what the trial taught, accepted or not
                qtf_trial = q.T @ f_trial
                w = (qtf_trial - model) / pnorm
                v = diag * (diag * step / pnorm)
                if success:
                    qtf = qtf_trial
                _broyden_update(q, r, qtf, w, v)
            fresh = False

    def update_radius(self, ratio, pnorm, finite):
        """MINPACK's radius rule; a non-finite trial shrinks it to a quarter step."""
        if not finite or ratio < 0.1:
            self.ncsuc = 0
            self.ncfail += 1
            self.delta = 0.25 * min(self.delta, pnorm) if not finite else 0.5 * self.delta
            return
        self.ncfail = 0
        self.ncsuc += 1
        if ratio >= 0.5 or self.ncsuc > 1:
            self.delta = max(self.delta, pnorm / 0.5)
        if abs(ratio - 1.0) <= 0.1:
            self.delta = pnorm / 0.5

    def count_progress(self, actred, fresh):
        """MINPACK's slow-progress counters: steps (nslow1) and Jacobians (nslow2)
        without a useful reduction of ||F||^2."""
        self.nslow1 = 0 if actred >= 0.001 else self.nslow1 + 1
        if fresh:
            self.nslow2 += 1
        if actred >= 0.1:
            self.nslow2 = 0

    def stop_test(self, x, f, step, xnorm, fresh):
        """The result when the run ends after this step, else None."""
        if self.delta <= self.xtol * xnorm:
            # the caller's step test: converged only at F's rounding level, and no
            # LM after it (the caller asked to stop at that step size)
            reached = self.at_rounding_by_probes(x, f)
            if not reached:
                j = self.exact_jacobian(x)
                reached = _finite(j) and _at_rounding_level(j, x, f, self.floor)
            return self.finish(x, f, "xtol" if reached else "no-progress")
        if _unchanged(step, x):
            ended = self.x_stalled(x, f, fresh)
            if ended is not None:
                return ended
        if self.evaluations >= self.max_evals:
            return self.finish(x, f, "max-evals")
        if self.nslow2 == 5 or self.nslow1 == 10:
            return self.stalled(x, f, "no-progress")
        if self.ncfail == 2 and self.last_step <= SETTLED * xnorm and self.at_rounding_by_probes(
                x, f):
            # two poor steps after x settled (the last accepted step below SETTLED
            # relative to x): they fail because ||F|| is rounding noise, which the
            # probes confirm without the new Jacobian hybrj would evaluate
            return self.finish(x, f, "xtol")
        return None

    # ------------------------------------------------------------ stalls

    def x_stalled(self, x, f, fresh):
        """The step no longer changes x.  With the exact J (``fresh``) that is a
        stall; with the Broyden model, F at its rounding level (by the probes)
        ends the run, else the model is suspect (a wild trial can inflate it
        far from any root) and None asks for an exact J."""
        if fresh:
            return self.stalled(x, f, "no-progress")
        if self.at_rounding_by_probes(x, f):
            return self.finish(x, f, "xtol")
        return None

    def stalled(self, x, f, reason):
        """The result of a run that cannot move x (or reduce ||F||) any more.

        F at its rounding level ends the run ("xtol"): judged by the probes of
        F next to x (unless the exact J at x is at hand), else with the exact
        Jacobian at x after the Newton probe.  Otherwise Levenberg-Marquardt
        goes on from x.
        """
        have_j = self.j is not None and np.array_equal(self.at, x)
        if not have_j and self.at_rounding_by_probes(x, f):
            return self.finish(x, f, "xtol")
        x, f, j, verdict = self.judged_exactly(x, f)
        if verdict is not None:
            return verdict
        if self.resumed:
            return self.finish(x, f, reason)
        return self.after_stall(x, f, reason)

    def judged_exactly(self, x, f):
        """The exact Jacobian at x, the Newton probe from it, and the verdict
        it gives: the result ("nonfinite", "root", or "xtol" for F at its
        rounding level) or None.  Returns (x, F, J, the result or None)."""
        j = self.exact_jacobian(x)
        if not _finite(j):
            return x, f, j, self.finish(x, f, "nonfinite")
        x, f = self.newton_probe(x, f, j)
        if np.all(np.abs(f) <= self.tol):
            return x, f, j, self.finish(x, f, "root")
        if _at_rounding_level(j, x, f, self.floor):
            return x, f, j, self.finish(x, f, "xtol")
        return x, f, j, None

    def at_rounding_by_probes(self, x, f):
        """F at its rounding level, tested with F alone (no Jacobian): F at two
        points next to x (each x_j moved by eps |x_j|, an ulp or two, all one
        way, then alternately) changes by about J dx, at most (up to that
        rounding of dx) the rounding level eps sum_j |J_ij x_j| of each
        equation, plus F's own noise.  When every
        |F_i| is within ROUNDING of that change (or of the floor), x is as good
        as its float64 neighbours.  A change that cancels only makes the test
        fail (an exact Jacobian then decides): it never overstates the level.
        Two evaluations (none when they are spent)."""
        if self.evaluations + 2 > self.max_evals:
            return False
        change = np.zeros(self.n)
        for signs in (np.ones(self.n), (-1.0) ** np.arange(self.n)):
            moved = x + signs * EPS * np.abs(x)
            f_moved = self.residuals(moved)
            if not _finite(f_moved):
                return False
            change = np.maximum(change, np.abs(f_moved - f))
        return bool(np.all(np.abs(f) <= ROUNDING * np.maximum(self.floor, change)))

    def newton_probe(self, x, f, j):
        """The Newton step p with the exact J at x, when below SETTLED * |D x|:
        F at x + p is what the linear model cannot explain, rounding noise and
        a curvature term at eps times F's quadratic terms (|p| <= 1e-8 |x|),
        and joins the rounding level.  Returns the better of (x, F) and
        (x + p, F(x + p)): at a regular root x + p has converged (its error
        is of the order of |p|^2), near a double root to what F's rounding
        resolves (about sqrt(eps)).  One evaluation, or none when the Newton
        step is long, J singular or the evaluations spent."""
        if self.evaluations >= self.max_evals:
            return x, f
        try:
            p = -np.linalg.solve(j, f)
        except np.linalg.LinAlgError:
            return x, f
        if not (_finite(p) and _norm(self.diag * p) <= SETTLED * _norm(self.diag * x)):
            return x, f
        trial = x + p
        f_trial = self.residuals(trial)
        if not _finite(f_trial):
            return x, f
        self.floor = np.maximum(self.floor, np.abs(f_trial - (f + j @ p)))
        if _norm(f_trial) < _norm(f):
            return trial, f_trial
        return x, f

    def after_stall(self, x, f, reason):
        """Levenberg-Marquardt from x: a root the dogleg missed, or the local
        minimum of ||F|| it was creeping to, told apart from a stall."""
        def lm_callback(info):
            return self.accepted(info["x"], math.sqrt(info["cost"]), info["evaluations"],
                                 info["jacobian_evaluations"])

        remaining = self.max_evals - self.evaluations
        if remaining <= 0:
            return self.finish(x, f, "max-evals")
        stall_norm = _norm(f)
        # LM may take as many evaluations as the dogleg took, at least LM_EVALS (it
        # crawls toward a singular minimum; each of its steps costs QRs of n x n)
        budget = min(remaining, max(self.evaluations, LM_EVALS))
        lm = least_squares(self.fun, self.jac, x, max_evals=budget, callback=lm_callback)
        self.evaluations += lm.evaluations
        self.jacobians += lm.jacobian_evaluations
        self.method = METHOD_AFTER_STALL
        x, f, j = lm.x, lm.residuals, lm.jacobian
        if lm.jacobian_evaluations:
            self.j, self.at = j, lm.jacobian_at.copy()
        if not _finite(f) or not _finite(j):
            return self.finish(x, f, "nonfinite")
        if np.all(np.abs(f) <= self.tol):
            return self.finish(x, f, "root")
        if _at_rounding_level(j, x, f, self.floor):
            return self.finish(x, f, "xtol")
        if lm.reason == "callback" or (lm.reason == "max-evals" and budget == remaining):
            return self.finish(x, f, lm.reason)
        if lm.converged:
            x, f, j, verdict = self.judged_exactly(x, f)
            if verdict is not None:
                return verdict
        if lm.converged and _stationary(j, f, self.diag) and _newton_out_of_reach(
                j, f, self.diag, x):
            return self.finish(x, f, "local-minimum")
        if (not self.resumed and _norm(f) <= RESUME * stall_norm
                and not _stationary(self.exact_jacobian(x), f, self.diag)):
            return self.resume(x, f)
        return self.finish(x, f, reason)

    def resume(self, x, f):
        """The dogleg once more from LM's end, afresh (radius, counters), when LM
        stopped without a verdict after lowering ||F||, where the gradient does
        not vanish (LM can stop short: exp(x) = 1 from -50 ends its run at x =
        -2e-5).  A stall after it is judged without another LM stage."""
        self.resumed = True
        self.first = True
        self.ncsuc = self.ncfail = self.nslow1 = self.nslow2 = 0
        self.last_step = math.inf
        return self.iterate(x, f)


def _rounding_level(j, x, tol):
    """max(tol_i, eps * sum_j |J_ij x_j|): what F_i can be at the float64 point nearest
    the root (or the caller's tolerance)."""
    return np.maximum(tol, EPS * (np.abs(j) @ np.abs(x)))


def _at_rounding_level(j, x, f, tol):
    """Every |F_i| within ROUNDING times its rounding level."""
    return bool(np.all(np.abs(f) <= ROUNDING * _rounding_level(j, x, tol)))


def _noise_dominated(j, x, f, tol):
    """||F|| within ROUNDING times the norm of the rounding levels: the reduction of
    ||F|| that drives the steps is rounding noise."""
    return enorm(f) <= ROUNDING * enorm(_rounding_level(j, x, tol))


def _unchanged(step, x):
    """True when the step changes no component of x by more than STEP_ULPS ulps."""
    return bool(np.all(np.abs(step) <= STEP_ULPS * EPS * np.abs(x)))


def _stationary(j, f, diag):
    """The gradient J^T F of ||F||^2 / 2 vanishes: each component at most
    STATIONARY * |F| * max(D_j, |J_:j|).  D (the largest column norms seen)
    is the scale: at a minimum of x**2 + 1 the column itself goes to 0."""
    fnorm = enorm(f)
    if fnorm == 0.0:
        return True
    scale = np.maximum(diag, column_norms(j))
    return bool(np.all(np.abs(j.T @ (f / fnorm)) <= STATIONARY * scale))


def _newton_out_of_reach(j, f, diag, x):
    """True when the Newton step J^-1 F (through the SVD) is over REACH times
    |D x| or does not exist (F has a part along a zero singular value).
    Near a singular root the Newton step is a fraction of the distance to
    it; near a local minimum of ||F|| it grows like ||F|| / sigma_min."""
    u, s, vt = np.linalg.svd(j)
    c = u.T @ f
    if np.any(c[s == 0.0] != 0.0):
        return True
    live = s > 0.0
    with np.errstate(over="ignore"):
        p = vt[live].T @ (c[live] / s[live])
        return not _norm(diag * p) <= REACH * enorm(diag * x)
