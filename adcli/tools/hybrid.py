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
  first radius is ``FACTOR * |D x0|``;
- the radius halves after a poor step (ratio below 0.1) and becomes twice
  the step after a good one (ratio within 0.1 of 1, or above 0.5, or a
  second success in a row); a step is accepted when the ratio is at least
  1e-4.

Stopping (``reason``; "root" and "xtol" mean converged):

- ``"root"``: ``|F_i| <= tolerance_i`` for every equation (the caller
  passes about eps times each equation's largest term; with the default 0
  only an exact zero counts);
- ``"xtol"``: x no longer changes *and* F is at its rounding level:
  ``|F_i| <= ROUNDING * max(tolerance_i, eps * sum_j |J_ij x_j|)``.  The
  second term is what F can be at the float64 point nearest the root (one
  ulp of each x_j moves F_i by about eps |J_ij x_j|).  "x no longer
  changes" is one of: the step changes no component of x by more than
  ``STEP_ULPS`` ulps (or vanishes in float64), or, when ``xtol`` is given,
  the radius is below ``xtol * |D x|`` (MINPACK's test), judged with the
  Broyden model Q R for J (the step is the evidence, the model only sizes
  the rounding); or two poor steps in a row after an accepted step below
  ``SETTLED * |D x|`` (the steps fail because ||F|| is noise: no new
  Jacobian is needed to say so), also judged with the model; or, at a new
  Jacobian, ||F|| within ROUNDING times the norm of the rounding levels,
  judged with that exact J;
- other stalls (MINPACK's info 4 and 5: five Jacobians in a row, or ten
  steps, without a useful reduction of ||F||) are judged with the exact
  Jacobian at x (one more evaluation when the last one is elsewhere): near
  a singular root J shrinks with x, and an older J would overstate the
  rounding level;
- a stall above the rounding level hands x to Levenberg-Marquardt
  (``least_squares``; the method then says so), which either finds a root
  the dogleg missed (Wood from 100 x0) or
  converges to the local minimum of ||F|| the dogleg was creeping to.
  Its end is judged as above ("root", "xtol"), else:
- ``"local-minimum"`` (not converged): LM converged, the gradient J^T F
  vanishes (``_stationary``) and the Newton step there is out of reach (over
  ``REACH * |D x|``, or F has a part along a zero singular value of J): a
  local minimum of ||F|| that is not a root;
- ``"no-progress"`` (not converged): the rest, e.g. near a singular root
  (Powell's singular function, where ||F|| falls to 1e-35 but the Newton
  step stays half the distance to the root);
- ``"max-evals"``: ``max_evals`` evaluations of fun (default ``200 * (n + 1)``,
  twice MINPACK's hybrj1; LM's evaluations count);
- ``"callback"``: the callback returned True;
- ``"nonfinite"``: F or J is not finite at the start or at an accepted
  point.  A non-finite F at a trial point is a rejected step: the radius
  shrinks to a quarter of the step.

``jacobian`` is the last exact Jacobian, and ``jacobian_at`` says where it
was evaluated: after Broyden steps that is not x (the condition number is
that J's; evaluate J at x for the root's own).

Pure numpy; the function never prints and never raises on non-finite values.
"""
import math
from dataclasses import dataclass

import numpy as np

from adcli.tools.least_squares import EPS, _finite, _norm, _solve_upper, least_squares

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
#: x has settled when the last accepted step was at most SETTLED * |D x|
SETTLED = 1e-8
#: a gradient of ||F||^2 / 2 below this, relative to |F| and the column scale, vanishes
STATIONARY = 1e-6
#: a Newton step longer than REACH * |D x| is out of reach (a local minimum, not a root)
REACH = 100.0

MESSAGES = {
    "root": "every equation is within its tolerance",
    "xtol": "x no longer changes (the step is below xtol relative to x) and F is at its "
            "rounding level",
    "local-minimum": "converged to a local minimum of ||F|| that is not a root (the Jacobian "
                     "is singular there): try another start",
    "no-progress": "the iteration is not making progress: ||F|| no longer decreases",
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
    gnorm = float(np.linalg.norm(gradient))
    if gnorm == 0.0:
        # no descent direction: the Newton direction cut to the radius (it tests
        # whether the model's flat direction lowers ||F||)
        return newton * (delta / qnorm) if math.isfinite(qnorm) else np.zeros_like(newton)
    direction = (gradient / gnorm) / diag
    curvature = float(np.linalg.norm(r @ direction))
    with np.errstate(divide="ignore", over="ignore"):
        cauchy = (gnorm / curvature) / curvature  # the scaled length to the Cauchy point
    alpha = 0.0
    if cauchy < delta and math.isfinite(qnorm):
        # the point of the segment [Cauchy point, Newton] at distance delta
        bnorm = float(np.linalg.norm(qtf))
        ratio_d = delta / qnorm
        ratio_s = cauchy / delta
        temp = (bnorm / gnorm) * (bnorm / qnorm) * ratio_s
        temp = temp - ratio_d * ratio_s ** 2 + math.sqrt(
            (temp - ratio_d) ** 2 + (1.0 - ratio_d ** 2) * (1.0 - ratio_s ** 2))
        alpha = ratio_d * (1.0 - ratio_s ** 2) / temp
    return (1.0 - alpha) * min(cauchy, delta) * direction + alpha * newton


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
    tolerance_i for every i.  ``xtol``: MINPACK's relative step test (default
    ``XTOL = 1e-15``: the run goes on until x changes only in its last
    bits).  ``callback(info)`` sees each accepted step (a dict with
    iteration, x, residual_norm, evaluations, jacobian_evaluations) and stops
    the run by returning True.  Raises ValueError when the system is not
    square; never raises on non-finite values (``reason="nonfinite"``).
    fun and jac get a fresh array each call; what they return is copied.
    """
    x = np.array(x0, dtype=float).reshape(-1)
    n = x.size
    if n == 0:
        raise ValueError("there are no unknowns to solve for")
    tol = _tolerances(tolerance, n)
    xtol = XTOL if xtol is None else float(xtol)
    max_evals = 200 * (n + 1) if max_evals is None else int(max_evals)
    state = {"evaluations": 0, "jacobians": 0, "iterations": 0, "j": None, "at": None,
             "method": METHOD}

    def residuals_at(point):
        state["evaluations"] += 1
        f = np.array(fun(point.copy()), dtype=float).reshape(-1)
        if f.size != n:
            raise ValueError(f"the system is not square: {f.size} equations in {n} unknowns")
        return f

    def jacobian_at(point):
        state["jacobians"] += 1
        j = np.array(jac(point.copy()), dtype=float)
        if j.shape != (n, n):
            raise ValueError(f"the Jacobian has shape {j.shape}, not ({n}, {n})")
        state["j"], state["at"] = j, point.copy()
        return j

    def exact_jacobian(point):
        """The exact Jacobian at point: the last one when it was evaluated there."""
        if state["j"] is not None and np.array_equal(state["at"], point):
            return state["j"]
        return jacobian_at(point)

    def finish(x, f, reason):
        j = state["j"]
        if j is None or (reason in CONVERGED and _finite(f) and not _finite(j)):
            j = exact_jacobian(x) if _finite(f) else np.full((n, n), np.nan)
        at = state["at"] if state["at"] is not None else x.copy()
        return HybridResult(
            x=x, residuals=f, jacobian=j, jacobian_at=at, residual_norm=_norm(f),
            converged=reason in CONVERGED, reason=reason, message=MESSAGES[reason],
            iterations=state["iterations"], evaluations=state["evaluations"],
            jacobian_evaluations=state["jacobians"], condition=_condition(j),
            method=state["method"])

    def accepted(x, fnorm):
        """Count an accepted step; True when the callback stops the run."""
        state["iterations"] += 1
        return callback is not None and bool(callback({
            "iteration": state["iterations"], "x": x.copy(), "residual_norm": fnorm,
            "evaluations": state["evaluations"], "jacobian_evaluations": state["jacobians"]}))

    def stalled(x, f, reason, model):
        """The result of a run that cannot move x (or reduce ||F||) any more.

        F at its rounding level ends the run ("xtol"), judged with ``model``
        (the Broyden model Q R) when x stalled because the model's step no
        longer changes it: the step is then the evidence, and the model,
        which matched the last steps, only sizes F's rounding.  Other stalls
        (||F|| no longer decreasing while x moves) are judged with the exact
        Jacobian at x (``model`` None): near a singular root J shrinks with x,
        and an older J or the model would overstate the rounding level.  Otherwise Levenberg-Marquardt
        goes on from x (``_after_stall``): it finds a root the dogleg missed,
        or converges to the local minimum of ||F|| the dogleg was creeping to.
        """
        if _at_rounding_level(exact_jacobian(x) if model is None else model, x, f, floor):
            return finish(x, f, "xtol")
        return after_stall(x, f, reason)

    def after_stall(x, f, reason):
        def lm_callback(info):
            state["iterations"] += 1
            return callback is not None and bool(callback({
                "iteration": state["iterations"], "x": info["x"],
                "residual_norm": math.sqrt(info["cost"]),
                "evaluations": state["evaluations"] + info["evaluations"],
                "jacobian_evaluations": state["jacobians"] + info["jacobian_evaluations"]}))

        remaining = max_evals - state["evaluations"]
        if remaining <= 0:
            return finish(x, f, "max-evals")
        lm = least_squares(fun, jac, x, max_evals=remaining, callback=lm_callback)
        state["evaluations"] += lm.evaluations
        state["jacobians"] += lm.jacobian_evaluations
        state["method"] = METHOD_AFTER_STALL
        x, f, j = lm.x, lm.residuals, lm.jacobian
        if lm.jacobian_evaluations:
            state["j"], state["at"] = j, lm.jacobian_at.copy()
        if not _finite(f) or not _finite(j):
            return finish(x, f, "nonfinite")
        if np.all(np.abs(f) <= tol):
            return finish(x, f, "root")
        if _at_rounding_level(j, x, f, floor):
            return finish(x, f, "xtol")
        if lm.reason in ("max-evals", "callback"):
            return finish(x, f, lm.reason)
        if lm.converged and _stationary(j, f, diag) and _newton_out_of_reach(
                j, f, diag, x):
            return finish(x, f, "local-minimum")
        return finish(x, f, reason)

    f = residuals_at(x)
    if not _finite(f):
        return finish(x, f, "nonfinite")
    fnorm = _norm(f)
    if np.all(np.abs(f) <= tol):
        return finish(x, f, "root")
    diag = None
    delta = xnorm = 0.0
    first = True
    # MINPACK's counters run across Jacobians: after a new Jacobian, a failure
    # (ncfail = 3) shrinks the radius without asking for another one
    ncsuc = ncfail = nslow1 = nslow2 = 0
    last_step = math.inf  # |D p| of the last accepted step
    floor = tol.copy()  # F's rounding level beyond eps |J| |x|: the tolerance, or noise seen
    while True:
        j = jacobian_at(x)
        if not _finite(j):
            return finish(x, f, "nonfinite")
        q, r = np.linalg.qr(j)
        colnorms = np.linalg.norm(j, axis=0)
        if diag is None:
            diag = np.where(colnorms == 0.0, 1.0, colnorms)
            xnorm = float(np.linalg.norm(diag * x))
            delta = FACTOR * xnorm if xnorm != 0.0 else FACTOR
        elif _noise_dominated(j, x, f, floor):
            # the last two steps failed because ||F|| is rounding noise
            return stalled(x, f, "no-progress", j)
        diag = np.maximum(diag, colnorms)
        qtf = q.T @ f
        fresh = True
        while True:
            step = -_dogleg(r, diag, qtf, delta)
            trial = x + step
            pnorm = float(np.linalg.norm(diag * step))
            if first:
                delta = min(delta, pnorm)
            if np.array_equal(trial, x):
                return stalled(x, f, "no-progress", q @ r)
            f_trial = residuals_at(trial)
            fnorm1 = _norm(f_trial)
            actred = 1.0 - (fnorm1 / fnorm) ** 2 if fnorm1 < fnorm else -1.0
            model = r @ step + qtf
            if fresh and pnorm <= SETTLED * xnorm and math.isfinite(fnorm1):
                # F's departure from its linear model over a tiny step with the exact
                # Jacobian is rounding noise (the curvature term is ~1e-16 relative)
                floor = np.maximum(floor, np.abs(f_trial - q @ model))
            mnorm = float(np.linalg.norm(model))
            prered = 1.0 - (mnorm / fnorm) ** 2 if mnorm < fnorm else 0.0
            ratio = actred / prered if prered > 0.0 else 0.0
            if not math.isfinite(fnorm1):
                ncsuc = 0
                ncfail += 1
                delta = 0.25 * min(delta, pnorm)
            elif ratio < 0.1:
                ncsuc = 0
                ncfail += 1
                delta *= 0.5
            else:
                ncfail = 0
                ncsuc += 1
                if ratio >= 0.5 or ncsuc > 1:
                    delta = max(delta, pnorm / 0.5)
                if abs(ratio - 1.0) <= 0.1:
                    delta = pnorm / 0.5
            success = ratio >= 1e-4
            if success:
                x, f, fnorm, last_step = trial, f_trial, fnorm1, pnorm
                xnorm = float(np.linalg.norm(diag * x))
                first = False
                if np.all(np.abs(f) <= tol):
                    return finish(x, f, "root")
                if accepted(x, fnorm):
                    return finish(x, f, "callback")
            nslow1 = 0 if actred >= 0.001 else nslow1 + 1
            if fresh:
                nslow2 += 1
            if actred >= 0.1:
                nslow2 = 0
            if delta <= xtol * xnorm or _unchanged(step, x):
                return stalled(x, f, "no-progress", q @ r)
            if state["evaluations"] >= max_evals:
                return finish(x, f, "max-evals")
            if nslow2 == 5 or nslow1 == 10:
                return stalled(x, f, "no-progress", None)
            if ncfail == 2:
                # two poor steps call for a new Jacobian, unless x has settled (the
                # last accepted step was below SETTLED relative to x: not the
                # halving steps of a singular root) and F is at its rounding level:
                # the steps then fail because ||F|| is rounding noise
                if last_step <= SETTLED * xnorm and _at_rounding_level(q @ r, x, f, floor):
                    return finish(x, f, "xtol")
                break
            if math.isfinite(fnorm1):
                # Broyden's update with what the trial taught, accepted or not
                qtf_trial = q.T @ f_trial
                w = (qtf_trial - model) / pnorm
                v = diag * (diag * step / pnorm)
                if success:
                    qtf = qtf_trial
                _broyden_update(q, r, qtf, w, v)
            fresh = False


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
    return float(np.linalg.norm(f)) <= ROUNDING * float(np.linalg.norm(_rounding_level(j, x, tol)))


def _unchanged(step, x):
    """True when the step changes no component of x by more than STEP_ULPS ulps."""
    return bool(np.all(np.abs(step) <= STEP_ULPS * EPS * np.abs(x)))


def _stationary(j, f, diag):
    """The gradient J^T F of ||F||^2 / 2 vanishes: each component at most
    STATIONARY * |F| * max(D_j, |J_:j|).  D (the largest column norms seen)
    is the scale: at a minimum of x**2 + 1 the column itself goes to 0."""
    fnorm = float(np.linalg.norm(f))
    if fnorm == 0.0:
        return True
    scale = np.maximum(diag, np.linalg.norm(j, axis=0))
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
        return not _norm(diag * p) <= REACH * float(np.linalg.norm(diag * x))
