"""Nonlinear least squares: Levenberg-Marquardt as in MINPACK's lmder, and fit statistics.

``least_squares(fun, jac, x0)`` minimizes ``sum(fun(x)**2)`` given the exact
Jacobian ``jac(x)`` of the residual vector.  The method is Moré's (1978, "The
Levenberg-Marquardt algorithm: implementation and theory"; the MINPACK-1
user guide), step by step:

- the Jacobian is factored ``J P = Q R`` by Householder QR with column
  pivoting (``_qr_pivoted``);
- the step solves the trust-region subproblem ``min |J p + r|`` subject to
  ``|D p| <= delta``: the Levenberg-Marquardt parameter is found by Moré's
  safeguarded Newton iteration on the secular equation ``|D p(par)| =
  delta`` (``_lm_parameter``, MINPACK's lmpar), each trial solving the
  regularized problem from R (``_qr_solve``, MINPACK's qrsolv);
- the scaling D is the running maximum of the Jacobian's column norms;
- the radius follows the ratio of actual to predicted reduction: below
  0.25 it shrinks (by 0.5, or by the factor the quadratic model suggests,
  never under 0.1), above 0.75 (or when par = 0) it becomes twice the step.
  A step is accepted when the ratio is at least 1e-4.

The last digits (ours, beyond MINPACK), with the Jacobian evaluations they
save:

- at each new Jacobian, when the full Gauss-Newton step predicts a relative
  reduction of at most ``ftol``, or changes ``J z`` by no more than the
  data's rounding (``floor``, eps |y|, times ``NOISE_FLOOR``), that step is
  taken (unless it raises the cost beyond rounding) and the run ends with
  the Jacobian at hand (``final_step``; ``jacobian_at`` says where it was
  evaluated);
- given ``gradient`` (J^T r, one reverse sweep), once a full Gauss-Newton
  step was accepted with a predicted reduction below ``REFINE_START`` or a
  step below ``REFINE_STEP`` relative to x, further steps solve
  (J0^T J0) z = J(x)^T r(x) with the last factorization, while they shrink
  by half and lower the cost (``refine``); the next Jacobian then decides.

- given ``newton`` (the gradient and the exact Hessian of the cost), a
  converged x is polished by Newton's steps, each kept only when it halves
  the gradient (``polish``): where the cost's rounding hides the last
  digits (large residuals, or flat minima) the gradient still shows them.

Stopping tests (``reason``; all but the last two mean converged):

- ``"ftol"``: both the actual and the predicted relative reduction of the
  sum of squares are at most ``ftol`` (MINPACK's test), or the Gauss-Newton
  step (par = 0) predicts a relative reduction at most ``ftol`` (default
  ``FTOL = 1e-15``, about five float64 epsilons: the sum of squares cannot
  be reduced further in float64).  The second form is ours: the actual
  reduction is a difference of two sums of squares, rounding noise near the
  minimum (1e-13 relative on Misra1a), while the predicted one, |J p|^2 /
  |r|^2, is accurate; it stops where MINPACK's test would shrink the
  radius through a series of rejected steps until xtol;
- ``"xtol"``: the trust radius is at most ``xtol * |D x|`` (default ``XTOL =
  1e-15``: the step changes the scaled x only in its last bits);
- ``"ftol+xtol"``: both;
- ``"gtol"``: the cosine of the angle between the residuals and any column
  of J is at most ``gtol`` (default 0: only an exactly zero gradient, e.g. a
  zero residual);
- ``"no-progress"``: a trial point equal to x in float64, or the radius or
  the reductions below machine precision (MINPACK's info 6-8), or (ours) a
  rejected step whose cost rose by more than its predicted gain while the
  Gauss-Newton step predicts under ``NOISE_PREDICTED = 1e-10``: rounding
  in the sum of squares hides any further progress (x is as accurate as
  the float64 cost can verify; MINPACK would reject steps until xtol).
  When the last trial of an ftol or no-progress stop is a Gauss-Newton
  step (par = 0) rejected by that noise, its point is returned: at that
  scale the linear model is exact and the cost cannot tell the two apart;
- ``"saturated"`` (not converged): the gradient vanished because a
  Jacobian column fell below eps times its largest norm so far (e.g. b2
  so large that exp(-b2 x) underflows): a plateau, not a minimum;
- ``"max-evals"`` (not converged): ``max_evals`` evaluations of fun (default
  ``200 * (n + 1)``, twice MINPACK's maxfev for lmder: MGH09 from its far
  start needs 420 with n = 4);
- ``"callback"`` (not converged): the callback returned True;
- ``"nonfinite"`` (not converged): r or J is not finite at the start, or J
  at an accepted point.  A non-finite residual at a trial point is a
  rejected step (the radius shrinks), not an error.

scipy's defaults (ftol = xtol = gtol = 1e-8) stop while the relative
reduction is still 1e-8, which leaves only 5-6 correct digits on NIST
problems such as Thurber, ENSO and Rat43; with these defaults the run goes
on until float64 is exhausted, which costs a few Jacobians more at most
(convergence is then quadratic or fast linear).

``fit_statistics(J, r)`` gives standard errors, correlations, t-values,
95% intervals, rank and condition from the SVD of J with unit-norm columns
(never an explicit inverse of JᵀJ), naming the parameters involved in a
rank deficiency.

Pure numpy; the functions never print.
"""
import math
from dataclasses import dataclass, field

import numpy as np

EPS = float(np.finfo(float).eps)
DWARF = float(np.finfo(float).tiny)
FTOL = 1e-15
XTOL = 1e-15
METHOD = "levenberg-marquardt (MINPACK lmder)"
#: below this Gauss-Newton predicted relative reduction, a rejected step whose cost
#: rose by more than predicted is taken as rounding noise (see ``"no-progress"``)
NOISE_PREDICTED = 1e-10
#: the initial step bound: delta0 = FACTOR * |D x0|.  MINPACK's default is 100
#: (its range 0.1-100); 10 is as fast on the Moré-Garbow-Hillstrom problems and
#: solves NIST BoxBOD and MGH09 from their first (far) start, where 100 jumps
#: onto a plateau (exp(-b2 x) underflows: a zero gradient) as scipy's lm does
FACTOR = 10.0
#: the Gauss-Newton predicted relative reduction, or relative step, below which the
#: last digits are sought with gradients and the last Jacobian kept (``refine``),
#: at most REFINE_STEPS steps before a new Jacobian
REFINE_START = 1e-3
REFINE_STEP = 1e-6
REFINE_STEPS = 20
#: a refinement step whose |J z| is at most NOISE_FLOOR times ``floor`` (the norm of
#: the residuals' rounding, eps |y|) ends the run: the data's rounding hides the rest
NOISE_FLOOR = 10.0
#: the converged stops after which ``newton`` polishes x, at most POLISH_STEPS steps,
#: each within POLISH_REACH of x (scaled); the polish ends when a step is below
#: ROUNDING eps |x| (scaled)
POLISHED = ("ftol", "xtol", "ftol+xtol", "no-progress")
POLISH_STEPS = 5
POLISH_REACH = 1e-4
ROUNDING = 16.0

MESSAGES = {
    "ftol": "the sum of squares cannot be reduced by more than ftol (relative)",
    "xtol": "the step is below xtol relative to the parameters",
    "ftol+xtol": "the sum of squares and the parameters no longer change (ftol and xtol)",
    "gtol": "the residuals are orthogonal to the Jacobian's columns (gtol)",
    "no-progress": "no further progress is possible in float64",
    "saturated": "stalled where a parameter no longer changes the residuals (a plateau, not a "
                 "minimum): try another start",
    "max-evals": "the evaluation limit was reached before convergence",
    "callback": "stopped by the callback",
    "nonfinite": "a residual or a Jacobian entry is not finite",
}
CONVERGED = ("ftol", "xtol", "ftol+xtol", "gtol", "no-progress")


@dataclass
class LeastSquaresResult:
    x: np.ndarray
    residuals: np.ndarray
    jacobian: np.ndarray
    cost: float
    converged: bool
    reason: str
    message: str
    iterations: int
    evaluations: int
    jacobian_evaluations: int
    gradient_evaluations: int = 0
    hessian_evaluations: int = 0
    #: where ``jacobian`` was evaluated: x, or the point before a last
    #: Gauss-Newton step taken without a new Jacobian (``final_step``)
    jacobian_at: np.ndarray = None
    method: str = METHOD


@dataclass
class FitStatistics:
    dof: int
    rss: float
    residual_sd: float
    covariance: np.ndarray
    stderr: np.ndarray
    correlation: np.ndarray
    t_values: np.ndarray
    ci95: np.ndarray
    rank: int
    condition: float
    deficient: list = field(default_factory=list)
    r2: float = math.nan
    weighted: bool = False
    t_quantile: float = math.nan
    #: the right singular vector of the smallest singular value (unit-norm columns):
    #: the parameter combination an ill-conditioned fit determines worst
    weakest: np.ndarray = None


# ---------------------------------------------------------------- linear algebra

def _qr_pivoted(a):
    """Householder QR with column pivoting of a (m x n, m >= n or not).

    Returns (reflectors, R, perm): a[:, perm] = Q R with R upper triangular
    (k x n, k = min(m, n)), |R[j, j]| non-increasing; Q is kept as the list
    of Householder vectors (applied by ``_apply_qt``).  At each column the
    remaining column with the largest norm is brought forward (MINPACK's
    qrfac; norms recomputed, not downdated, which costs the same order).
    """
    a = np.array(a, dtype=float, order="F")
    m, n = a.shape
    k = min(m, n)
    perm = np.arange(n)
    vectors = []
    for j in range(k):
        norms = np.einsum("ij,ij->j", a[j:, j:], a[j:, j:])
        p = j + int(np.argmax(norms))
        if p != j:
            a[:, [j, p]] = a[:, [p, j]]
            perm[[j, p]] = perm[[p, j]]
        col = a[j:, j]
        norm = enorm(col)
        if norm == 0.0:
            vectors.append(None)
            continue
        alpha = -norm if col[0] >= 0 else norm
        v = col.copy()
        v[0] -= alpha
        v /= enorm(v)
        vectors.append(v)
        a[j:, j + 1:] -= np.outer(v, 2.0 * (v @ a[j:, j + 1:]))
        a[j, j] = alpha
        a[j + 1:, j] = 0.0
    return vectors, np.triu(a[:k, :]), perm


def _apply_qt(vectors, b):
    """Q^T b for the reflectors of ``_qr_pivoted``."""
    b = np.array(b, dtype=float)
    for j, v in enumerate(vectors):
        if v is not None:
            b[j:] -= 2.0 * (v @ b[j:]) * v
    return b


def _solve_upper(r, b):
    """Back substitution r x = b, r upper triangular and nonsingular."""
    n = b.shape[0]
    x = np.zeros(n)
    for j in range(n - 1, -1, -1):
        x[j] = (b[j] - r[j, j + 1:] @ x[j + 1:]) / r[j, j]
    return x


def _solve_lower_transposed(r, b):
    """Forward substitution r^T x = b, r upper triangular and nonsingular."""
    n = b.shape[0]
    x = np.zeros(n)
    for j in range(n):
        x[j] = (b[j] - r[:j, j] @ x[:j]) / r[j, j]
    return x


def _qr_solve(r, perm, d, qtb):
    """MINPACK's qrsolv: x minimizing |A x - b|^2 + |D x|^2 given A P = Q R.

    d is the diagonal of D (already times sqrt(par)), qtb = (Q^T b)[:n].
    The augmented matrix [R; D P] is triangularized again; MINPACK does it
    with Givens rotations, here by Householder QR of the 2n x n stack, which
    gives the same triangle S (up to row signs) with S^T S = R^T R + P^T D^2 P.
    Returns (x, s) with s upper triangular (for lmpar's Newton correction).
    """
    n = r.shape[1]
    stack = np.vstack([r, np.diag(d[perm])])
    rhs = np.concatenate([qtb, np.zeros(n)])
    q, s = np.linalg.qr(stack)
    z = q.T @ rhs
    diag = np.abs(np.diag(s))
    nsing = n
    small = np.flatnonzero(diag == 0.0)
    if small.size:
        nsing = int(small[0])
    zs = np.zeros(n)
    if nsing:
        zs[:nsing] = _solve_upper(s[:nsing, :nsing], z[:nsing])
    x = np.empty(n)
    x[perm] = zs
    return x, s


def _lm_parameter(r, perm, diag, qtb, delta, par):
    """MINPACK's lmpar: the LM parameter par >= 0 and step -x with |D x| ~ delta.

    Either par = 0 and |D x| <= 1.1 delta (the Gauss-Newton step fits), or
    par > 0 and |(|D x| - delta)| <= 0.1 delta, found by Moré's Newton
    iteration on phi(par) = |D x(par)| - delta, safeguarded by bounds
    [parl, paru], at most 10 iterations.  x solves J x ~ r (so the step is -x).
    """
    n = r.shape[1]
    r = _square(r, n)
    # the Gauss-Newton direction (a least-squares solution if R is singular)
    zero = np.flatnonzero(np.diag(r) == 0.0)
    nsing = int(zero[0]) if zero.size else n
    z = np.zeros(n)
    if nsing:
        z[:nsing] = _solve_upper(r[:nsing, :nsing], qtb[:nsing])
    x = np.empty(n)
    x[perm] = z
    dx = diag * x
    dxnorm = enorm(dx)
    fp = dxnorm - delta
    if fp <= 0.1 * delta:
        return 0.0, x
    rsq = r
    # lower bound parl from the Newton step at par = 0 (only when R is nonsingular)
    parl = 0.0
    if nsing == n:
        w = diag[perm] * (dx[perm] / dxnorm)
        w = _solve_lower_transposed(rsq, w)
        wnorm = enorm(w)
        parl = ((fp / delta) / wnorm) / wnorm
    # upper bound paru = |D^-1 J^T r| / delta
    g = (rsq.T @ qtb) / diag[perm]
    gnorm = enorm(g)
    paru = gnorm / delta
    if paru == 0.0:
        paru = DWARF / min(delta, 0.1)
    par = min(max(par, parl), paru)
    if par == 0.0:
        par = gnorm / dxnorm
    for iteration in range(1, 11):
        if par == 0.0:
            par = max(DWARF, 0.001 * paru)
        x, s = _qr_solve(rsq, perm, math.sqrt(par) * diag, qtb)
        dx = diag * x
        dxnorm = enorm(dx)
        previous = fp
        fp = dxnorm - delta
        if abs(fp) <= 0.1 * delta or (parl == 0.0 and fp <= previous < 0.0) or iteration == 10:
            break
        # Newton correction: phi'(par) from the triangle S of the regularized problem
        w = diag[perm] * (dx[perm] / dxnorm)
        w = _solve_lower_transposed(s, w)
        wnorm = enorm(w)
        parc = ((fp / delta) / wnorm) / wnorm
        if fp > 0.0:
            parl = max(parl, par)
        elif fp < 0.0:
            paru = min(paru, par)
        par = max(parl, par + parc)
    return par, x


def _gauss_newton_from_gradient(r, perm, g):
    """The step z solving (J^T J) z = g, given J P = Q R and the gradient g = J^T r,
    and |J z| (the norm of r's projection on J's range when g is exact)."""
    w = _solve_lower_transposed(r, g[perm])
    z = np.empty(g.size)
    z[perm] = _solve_upper(r, w)
    return z, enorm(w)


def _square(r, n):
    """R padded with zero rows to n x n (when there are fewer residuals than parameters)."""
    if r.shape[0] == n:
        return r
    out = np.zeros((n, n))
    out[: r.shape[0]] = r
    return out


# ---------------------------------------------------------------- the solver

def enorm(v):
    """The Euclidean norm, without overflow or underflow in its squares
    (MINPACK's enorm): scaled by the largest entry when that is far from 1
    (|1e304 * 700| is 7e306, its square inf). inf or nan when v has one."""
    v = np.asarray(v, dtype=np.float64)
    if v.size == 0:
        return 0.0
    big = float(np.max(np.abs(v)))
    if not math.isfinite(big):
        return float(np.sum(np.abs(v)))
    if 1e-150 < big < 1e150:
        return float(np.linalg.norm(v))
    return 0.0 if big == 0.0 else big * float(np.linalg.norm(v / big))


def column_norms(a):
    """enorm of each column of a."""
    a = np.asarray(a, dtype=np.float64)
    big = np.max(np.abs(a), axis=0) if a.shape[0] else np.zeros(a.shape[1])
    safe = np.where((big > 0) & np.isfinite(big), big, 1.0)
    return safe * np.linalg.norm(a / safe, axis=0)


def _norm(r):
    """|r|, inf when r is not finite or its norm overflows (a trial to reject)."""
    return enorm(r) if _finite(r) else math.inf


def _finite(a):
    with np.errstate(over="ignore", invalid="ignore"):  # a sum of huge finite numbers
        return bool(np.isfinite(np.sum(a))) or bool(np.all(np.isfinite(a)))


def least_squares(fun, jac, x0, *, gradient=None, newton=None, floor=0.0, ftol=None, xtol=None,
                  gtol=0.0, max_evals=None, callback=None):
    """Minimize sum(fun(x)**2) by Levenberg-Marquardt (MINPACK lmder) with jac(x).

    fun(x) -> residual vector (m,); jac(x) -> its Jacobian (m, n); x0 (n,).
    ``gradient(x)`` -> J(x)^T fun(x), when given, is used for the last digits
    (see ``refine``; at points where fun was just evaluated), and ``floor``
    is the norm of the residuals' rounding (eps |y|: 0 for none known).
    ``newton(x)`` -> (J^T r, the exact Hessian of |r|^2 / 2), when given,
    polishes a converged x where the residuals are large (see ``polish``).
    ``callback(info)`` sees each accepted iteration (a dict with iteration,
    x, cost, evaluations, jacobian_evaluations, gradient_evaluations) and
    stops the run by returning True.  Never raises on non-finite values: the result says
    ``reason="nonfinite"``.  fun and jac get a fresh array each call; what
    they return is copied (a reused output buffer is safe).
    """
    ftol = FTOL if ftol is None else float(ftol)
    xtol = XTOL if xtol is None else float(xtol)
    gtol = float(gtol)
    x = np.array(x0, dtype=float).reshape(-1)
    n = x.size
    max_evals = 200 * (n + 1) if max_evals is None else int(max_evals)
    state = {"evaluations": 0, "jacobians": 0, "gradients": 0, "hessians": 0, "iterations": 0}

    def residuals_at(point):
        state["evaluations"] += 1
        return np.array(fun(point.copy()), dtype=float).reshape(-1)

    def jacobian_at(point, m):
        state["jacobians"] += 1
        return np.array(jac(point.copy()), dtype=float).reshape(m, n)

    def finish(x, r, j, reason, at=None):
        if reason == "no-progress" and state.get("saturated"):
            reason = "saturated"
        if j is None:
            j = np.full((r.size, n), np.nan)
        at = x if at is None else at
        if newton is not None and reason in POLISHED and _finite(j):
            x, r = polish(x, r, j)
        cost = float(r @ r) if _finite(r) else math.inf
        return LeastSquaresResult(
            x=x, residuals=r, jacobian=j, cost=cost, converged=reason in CONVERGED,
            reason=reason, message=MESSAGES[reason], iterations=state["iterations"],
            evaluations=state["evaluations"], jacobian_evaluations=state["jacobians"],
            gradient_evaluations=state["gradients"], hessian_evaluations=state["hessians"],
            jacobian_at=at)

    def polish(x, r, j):
        """Newton steps on the cost with its exact Hessian: where the cost
        cannot show the last digits (its relative changes fall below rounding
        while x still moves, at sqrt(eps) and beyond), the gradient can, and
        Newton's method closes in quadratically where Gauss-Newton's steps do
        linearly (large residuals: the Hessian is J^T J + sum r_i d2r_i).  A
        step is kept when it halves the gradient (scaled by J's column
        norms: rounding noise does not), does not raise the cost beyond
        rounding, stays within POLISH_REACH of x and is at most half the
        previous one; a Hessian that is not positive definite ends the
        polish (no minimum's neighbourhood)."""
        scale = np.sqrt(np.maximum(np.einsum("ij,ij->j", j, j), DWARF))
        fnorm, previous = _norm(r), math.inf
        state["hessians"] += 1
        g, h = newton(x.copy())
        for _ in range(POLISH_STEPS):
            if not (_finite(g) and _finite(h)) or not np.all(np.linalg.eigvalsh(h) > 0):
                break
            try:
                z = np.linalg.solve(h, g)
            except np.linalg.LinAlgError:  # positive to rounding, singular in fact
                break
            pnorm, xnorm = enorm(scale * z), enorm(scale * x)
            if not pnorm <= min(0.5 * previous, POLISH_REACH * xnorm):
                break
            r_trial = residuals_at(x - z)
            fnorm1 = _norm(r_trial)
            if fnorm1 > fnorm * (1.0 + NOISE_PREDICTED):
                break
            state["hessians"] += 1
            g1, h1 = newton((x - z).copy())
            if not enorm(g1 / scale) <= 0.5 * enorm(g / scale):
                break
            x, r, fnorm, g, h, previous = x - z, r_trial, fnorm1, g1, h1, pnorm
            if accepted(x, fnorm) or pnorm <= ROUNDING * EPS * xnorm:
                break
        return x, r

    def accepted(x, fnorm):
        """Count an accepted iteration; True when the callback stops the run."""
        state["iterations"] += 1
        return callback is not None and bool(callback({
            "iteration": state["iterations"], "x": x.copy(), "cost": fnorm ** 2,
            "evaluations": state["evaluations"], "jacobian_evaluations": state["jacobians"],
            "gradient_evaluations": state["gradients"]}))

    def refine(x, r, fnorm, rsq, perm, diag, previous):
        """Quasi-Newton steps with the exact gradient and the last Jacobian's
        factorization: solve (J0^T J0) z = J(x)^T r(x) with J0 P = Q R kept.

        Taken once a full Gauss-Newton step was accepted with a small
        predicted reduction, while the steps shrink: the gradient J^T r is
        one reverse sweep, not a Jacobian, and with the current gradient the
        fixed point is the true stationary point (a chord step J0^+ r(x)
        would stop where J0^T r = 0, wrong when the residuals are large).
        Each step must be at most half the previous one and lower the cost,
        or, below NOISE_PREDICTED, not raise it beyond rounding. The run
        never stops here: the caller's next Jacobian tests convergence
        (``final_step``). Returns (x, r, fnorm, stopped by the callback).
        """
        if np.any(np.diag(rsq) == 0.0):
            return x, r, fnorm, False
        for _ in range(REFINE_STEPS):
            state["gradients"] += 1
            g = np.asarray(gradient(x.copy()), dtype=float).reshape(n)
            if not _finite(g):
                break
            z, projected = _gauss_newton_from_gradient(rsq, perm, g)
            predicted = (projected / fnorm) ** 2 if fnorm != 0.0 else 0.0
            pnorm = enorm(diag * z)
            if pnorm > 0.5 * previous or state["evaluations"] >= max_evals:
                break
            trial = x - z
            if np.array_equal(trial, x):
                break
            r_trial = residuals_at(trial)
            fnorm1 = _norm(r_trial)
            noise = predicted <= NOISE_PREDICTED and fnorm1 <= fnorm * (1.0 + NOISE_PREDICTED)
            if not (fnorm1 < fnorm or noise):
                break
            x, r, fnorm, previous = trial, r_trial, fnorm1, pnorm
            if accepted(x, fnorm):
                return x, r, fnorm, True
            if predicted <= ftol or projected <= NOISE_FLOOR * floor:
                break
        return x, r, fnorm, False

    def final_step(x, r, fnorm, rsq, perm, diag, qtf):
        """With a fresh Jacobian whose full Gauss-Newton step predicts a relative
        reduction of at most ftol, or changes J z by no more than the data's
        rounding, the run ends: x is stationary to what float64 resolves. The
        step is taken unless it raises the cost beyond rounding (the linear
        model is exact at that scale: x then has about twice the digits), and the
        Jacobian at hand serves the statistics (it differs from the one at the
        new x in digits they do not show). Returns (x, r, reason), or None
        when the run goes on."""
        projected = enorm(qtf)
        if fnorm == 0.0:
            return None
        if projected ** 2 <= ftol * fnorm ** 2:
            reason = "ftol"
        elif projected <= NOISE_FLOOR * floor:
            reason = "no-progress"
        else:
            return None
        _, p = _lm_parameter(rsq, perm, diag, qtf, math.inf, 0.0)
        trial = x - p
        r_trial = residuals_at(trial)
        fnorm1 = _norm(r_trial)
        if fnorm1 <= fnorm * (1.0 + NOISE_PREDICTED):
            x, r = trial, r_trial
        return x, r, reason

    r = residuals_at(x)
    m = r.size
    if not _finite(r):
        return finish(x, r, None, "nonfinite")
    fnorm = enorm(r)
    diag = None
    delta = xnorm = 0.0
    par = 0.0
    while True:
        j = jacobian_at(x, m)
        if not _finite(j):
            return finish(x, r, j, "nonfinite")
        vectors, rmat, perm = _qr_pivoted(j)
        colnorms = column_norms(j)
        if diag is None:
            diag = np.where(colnorms == 0.0, 1.0, colnorms)
            xnorm = enorm(diag * x)
            delta = FACTOR * xnorm if xnorm != 0.0 else FACTOR
        qtf = _apply_qt(vectors, r)[:n]
        if qtf.size < n:
            qtf = np.concatenate([qtf, np.zeros(n - qtf.size)])
        rsq = _square(rmat, n)
        # the relative reduction predicted for the full Gauss-Newton step, |Q^T r|^2 / |r|^2
        gn_predicted = float(qtf @ qtf) / fnorm ** 2 if fnorm != 0.0 else 0.0
        # the scaled gradient norm: the largest cosine between r and a column of J
        gnorm = 0.0
        if fnorm != 0.0:
            cosines = np.abs(rsq.T @ qtf) / fnorm
            live = colnorms[perm] != 0.0
            if live.any():
                gnorm = float(np.max(cosines[live] / colnorms[perm][live]))
        # a parameter whose Jacobian column vanished (exp(-b x) underflowing): a zero
        # gradient on a plateau is not a minimum
        saturated = fnorm != 0.0 and bool(np.any(colnorms <= EPS * diag))
        state["saturated"] = saturated
        if gnorm <= gtol:
            return finish(x, r, j, "saturated" if saturated else "gtol")
        diag = np.maximum(diag, colnorms)
        last = final_step(x, r, fnorm, rsq, perm, diag, qtf)
        if last is not None:
            return finish(last[0], last[1], j, last[2], at=x)
        while True:
            par, p = _lm_parameter(rsq, perm, diag, qtf, delta, par)
            step = -p
            trial = x + step
            pnorm = enorm(diag * step)
            if state["iterations"] == 0:
                delta = min(delta, pnorm)
            if np.array_equal(trial, x):
                return finish(x, r, j, "no-progress")
            r_trial = residuals_at(trial)
            fnorm1 = _norm(r_trial)
            actred = 1.0 - (fnorm1 / fnorm) ** 2 if 0.1 * fnorm1 < fnorm else -1.0
            # predicted reduction from the model |J p + r|^2 with the LM term
            jp = rsq @ step[perm]
            temp1 = enorm(jp) / fnorm
            temp2 = math.sqrt(par) * pnorm / fnorm
            prered = temp1 ** 2 + temp2 ** 2 / 0.5
            dirder = -(temp1 ** 2 + temp2 ** 2)
            ratio = actred / prered if prered != 0.0 else 0.0
            if ratio <= 0.25:
                if actred >= 0.0:
                    shrink = 0.5
                else:
                    shrink = 0.5 * dirder / (dirder + 0.5 * actred)
                if 0.1 * fnorm1 >= fnorm or shrink < 0.1:
                    shrink = 0.1
                delta = shrink * min(delta, pnorm / 0.1)
                par = par / shrink
            elif par == 0.0 or ratio >= 0.75:
                delta = pnorm / 0.5
                par = 0.5 * par
            if ratio >= 1e-4:
                x = trial
                r = r_trial
                xnorm = enorm(diag * x)
                fnorm = fnorm1
                if accepted(x, fnorm):
                    return finish(x, r, jacobian_at(x, m), "callback")
            # MINPACK's test, or: the full Gauss-Newton step (par = 0) predicts a
            # relative reduction below ftol.  prered is computed accurately
            # while actred is a difference of two sums of squares: once the
            # residuals are near their floor it is rounding noise (1e-13 on
            # Misra1a), which would keep MINPACK's test from ever holding.
            f_converged = (abs(actred) <= ftol and prered <= ftol and 0.5 * ratio <= 1.0) or (
                par == 0.0 and prered <= ftol)
            x_converged = delta <= xtol * xnorm
            reason = None
            if f_converged and x_converged:
                reason = "ftol+xtol"
            elif f_converged:
                reason = "ftol"
            elif x_converged:
                reason = "xtol"
            elif state["evaluations"] >= max_evals:
                reason = "max-evals"
            elif (abs(actred) <= EPS and prered <= EPS and 0.5 * ratio <= 1.0) or delta <= EPS * xnorm \
                    or gnorm <= EPS:
                reason = "no-progress"
            elif ratio < 1e-4 and gn_predicted <= NOISE_PREDICTED and -actred >= prered:
                # the cost rose by more than the (tiny) predicted gain: rounding noise in
                # the sum of squares now hides any progress (MINPACK would shrink the
                # radius through rejected steps until xtol, gaining nothing)
                reason = "no-progress"
            if reason is not None:
                if ratio < 1e-4 and par == 0.0 and reason in ("ftol", "no-progress") \
                        and fnorm1 < math.inf:
                    # a Gauss-Newton step rejected only by rounding noise in the cost
                    # (its predicted gain is below ftol or the noise): the model is
                    # exact at this scale, so its point is the more accurate one
                    # (Misra1a: 11 digits instead of 10, for one more Jacobian)
                    x, r, ratio = trial, r_trial, 1.0
                # the Jacobian at the returned x (one more evaluation after an accepted step)
                jx = j if ratio < 1e-4 else jacobian_at(x, m)
                return finish(x, r, jx, reason)
            if ratio >= 1e-4:
                break
        if gradient is not None and par == 0.0 and ratio >= 0.75 and (
                prered <= REFINE_START or pnorm <= REFINE_STEP * xnorm):
            x, r, fnorm, stopped = refine(x, r, fnorm, rsq, perm, diag, pnorm)
            if stopped:
                return finish(x, r, jacobian_at(x, m), "callback")


# ---------------------------------------------------------------- statistics

#: Stirling series coefficients B_2k / (2k (2k-1)) of log Gamma
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400)


def _stirling_tail(x):
    """log Gamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2), for x >= 10."""
    inv = 1.0 / x
    inv2 = inv * inv
    total = 0.0
    for c in reversed(_STIRLING):
        total = total * inv2 + c
    return total * inv


def _log_beta(a, b):
    """log B(a, b), accurate also when one argument is large (a t with many dof).

    lgamma(a) - lgamma(a + b) cancels for large a (lgamma(5000) ~ 4e4
    loses 1e-11); Stirling's series for the difference avoids it.
    """
    if a < b:
        a, b = b, a
    if a < 10.0:
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    # lgamma(a) - lgamma(a + b) = -(a - 1/2) log1p(b / a) - b log(a + b) + b + tails
    diff = -(a - 0.5) * math.log1p(b / a) - b * math.log(a + b) + b
    diff += _stirling_tail(a) - _stirling_tail(a + b)
    return math.lgamma(b) + diff


def _beta_fraction(a, b, x):
    """The continued fraction of I_x(a, b) (modified Lentz), x < (a+1)/(a+b+2)."""
    tiny = 1e-300
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for k in range(1, 100000):
        k2 = 2 * k
        num = k * (b - k) * x / ((a + k2 - 1.0) * (a + k2))
        d = 1.0 + num * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + num / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        num = -(a + k) * (a + b + k) * x / ((a + k2) * (a + k2 + 1.0))
        d = 1.0 + num * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + num / c
        c = c if abs(c) > tiny else tiny
        change = d * c
        h *= change
        if abs(change - 1.0) < 1e-16:
            break
    return h


def incomplete_beta(a, b, x, y=None):
    """The regularized incomplete beta function I_x(a, b); y = 1 - x if known more exactly."""
    if y is None:
        y = 1.0 - x
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log(y) - _log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, y) / b


def t_tail(t, dof):
    """P(T > t) for Student's t with dof degrees of freedom, t >= 0."""
    t2 = t * t
    return 0.5 * incomplete_beta(0.5 * dof, 0.5, dof / (dof + t2), t2 / (dof + t2))


def t_quantile(p, dof):
    """The inverse CDF of Student's t: q with P(T <= q) = p, for 0.5 <= p < 1 (others by symmetry).

    Solved on the upper tail 1 - p (no cancellation) by Newton steps on
    log(tail) safeguarded by bisection; ~1e-14 relative.
    """
    if not 0.0 < p < 1.0 or not dof > 0:
        return math.nan
    if p < 0.5:
        return -t_quantile(1.0 - p, dof)
    if p == 0.5:
        return 0.0
    tail = 1.0 - p
    if dof == 1:
        return math.tan(math.pi * (p - 0.5))
    if dof == 2:
        return (2.0 * p - 1.0) / math.sqrt(2.0 * p * (1.0 - p))
    lo, hi = 0.0, 1.0
    while t_tail(hi, dof) > tail:
        lo, hi = hi, 2.0 * hi
    t = 0.5 * (lo + hi)
    log_norm = -_log_beta(0.5 * dof, 0.5) - 0.5 * math.log(dof)
    for _ in range(200):
        q = t_tail(t, dof)
        if q > tail:
            lo = t
        else:
            hi = t
        density = math.exp(log_norm - 0.5 * (dof + 1) * math.log1p(t * t / dof))
        # Newton on log(q) - log(tail): d/dt log q = -density / q
        newton = t + q * math.log(q / tail) / density if q > 0.0 and density > 0.0 else math.nan
        if not lo < newton < hi:
            newton = 0.5 * (lo + hi)
        if abs(newton - t) <= 1e-15 * abs(t) or hi - lo <= 1e-15 * hi:
            t = newton
            break
        t = newton
    return t


def fit_statistics(jacobian, residuals, *, weighted=False, response=None, params=None):
    """Standard errors, correlations, intervals and rank from J and r at the minimum.

    covariance = (JᵀJ)⁻¹ · rss / dof from the SVD of J with columns scaled to
    unit norm (so the rank and the condition do not depend on the units of
    the parameters).  ``weighted=True`` says J and r already carry the
    weights 1/sigma; the covariance is scaled by the reduced chi-square in
    both cases (as gnuplot, lmfit and curve_fit by default).  Parameters in
    a rank deficiency (``deficient``, from the SVD's null space) get an
    infinite stderr and NaN correlations.  ``response`` (the observed y,
    weighted by the caller when weighted) gives R² = 1 - rss / Σ(y - ȳ)².
    ``params`` (the fitted x) gives t_values = x / stderr and ci95 = x ∓
    t(0.975, dof) · stderr; without it t_values are NaN and ci95 holds the
    half-widths as [-w, w] (add x to get the interval).
    """
    j = np.asarray(jacobian, dtype=float)
    r = np.asarray(residuals, dtype=float).reshape(-1)
    m, n = j.shape
    rss = float(r @ r)
    dof = m - n
    residual_sd = math.sqrt(rss / dof) if dof > 0 else math.nan
    scale = column_norms(j)
    zero = scale == 0.0
    safe = np.where(zero, 1.0, scale)
    js = j / safe
    # the singular values and right vectors of js from its n x n triangle (memory
    # O(m n), not the m x m left factor a full SVD of a tall matrix would build)
    small = np.linalg.qr(js, mode="r") if m > n else js
    _, s, vt = np.linalg.svd(small, full_matrices=True)
    s_all = np.zeros(n)
    s_all[: s.size] = s
    tol = (s_all[0] if n else 0.0) * max(m, n) * EPS
    live = s_all > tol
    rank = int(np.count_nonzero(live))
    condition = float(s_all[0] / s_all[-1]) if n and s_all[-1] > 0 else math.inf
    null = vt[~live].T  # n x (n - rank)
    involved = np.any(np.abs(null) > 1e-8, axis=1) if null.size else np.zeros(n, dtype=bool)
    involved |= zero
    deficient = [int(i) for i in np.flatnonzero(involved)]
    v = vt[live].T / s_all[live]
    sigma2 = rss / dof if dof > 0 else math.nan
    covariance = (v @ v.T) / np.outer(safe, safe) * sigma2
    covariance[involved, :] = np.nan
    covariance[:, involved] = np.nan
    stderr = np.sqrt(np.abs(np.diag(covariance)))
    stderr[involved] = math.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = covariance / np.outer(stderr, stderr)
    np.fill_diagonal(correlation, np.where(involved, np.nan, 1.0))
    quantile = t_quantile(0.975, dof) if dof > 0 else math.nan
    half = quantile * stderr
    centre = np.zeros(n) if params is None else np.asarray(params, dtype=float).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_values = np.full(n, math.nan) if params is None else centre / stderr
    ci95 = np.column_stack([centre - half, centre + half])
    return FitStatistics(
        dof=dof, rss=rss, residual_sd=residual_sd, covariance=covariance, stderr=stderr,
        correlation=correlation, t_values=t_values, ci95=ci95, rank=rank, condition=condition,
        deficient=deficient, r2=_r2(rss, response), weighted=bool(weighted), t_quantile=quantile,
        weakest=vt[-1].copy() if n else np.zeros(0))


def _r2(rss, response):
    if response is None:
        return math.nan
    y = np.asarray(response, dtype=float).reshape(-1)
    total = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - rss / total if total > 0 else math.nan
