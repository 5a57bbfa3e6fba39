"""The NIST StRD nonlinear regression problems fitted by scipy (and adcli fit).

For each of the 27 problems (adcli.workloads.nist.PROBLEMS) and both of
NIST's starts, each method fits the model with the exact Jacobian (adcli's
Jacobian of the residual vector, on the arrays), and the table reports

    digits  -log10(max relative error of the parameters against NIST's
            certified values), the log relative error (LRE) NIST uses, shown
            to one decimal, capped at 15; 0 when the worst parameter is off by
            100% or more (or the fit failed: then "fail")
    se      the same for the standard errors (scipy: s^2 (J'J)^-1 from the
            Jacobian at the solution, s^2 = RSS/(n-p), as curve_fit computes)
    nfev    evaluations of the residual vector
    njev    evaluations of the Jacobian (each method's count includes the
            Jacobian at the solution that its standard errors use)
    ms      wall time of the run (one run: a rough figure)

adcli's note gives its gradient evaluations (J^T r by one reverse sweep,
which its last steps use instead of new Jacobians) and Hessian evaluations
(the cost's exact Hessian, for Newton's polish of the last digits).

Methods: scipy.optimize.least_squares method "lm" and "trf", and curve_fit,
each with scipy's default settings and with every tolerance 1e-15 (ftol,
xtol, gtol; the "15" columns; the evaluation limits stay scipy's defaults, so
a run that reaches one says so in its note, and curve_fit raises there). `adcli` is adcli.fit when the package has it
(adcli_fit_run below), otherwise its columns are left out.

    python bench/fit.py                 # every problem, both starts
    python bench/fit.py --problem Misra1a --problem MGH09
"""
import argparse
import math
import os
import platform
import subprocess
import sys
import time
import warnings

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, ROOT)  # the adcli of this tree, not an installed one

import numpy as np  # noqa: E402

import adcli  # noqa: E402
from adcli.workloads import nist  # noqa: E402
import peers  # noqa: E402  (bench/, beside this script)

TIGHT = 1e-15
DIGITS_CAP = 15.0


# --- the residual and its Jacobian, by adcli on the arrays ------------------------


class Residual(peers.CountedJacobian):
    """r(b) = response - model over the data, and dr/db, by adcli; counts calls."""

    def __init__(self, problem):
        super().__init__()
        self.names = list(problem.parameters)
        self.graph = adcli.parse(f"{problem.response} - ({problem.model})")
        self.data = problem.data()

    def evaluate(self, b):
        at = {**self.data, **dict(zip(self.names, (float(v) for v in b)))}
        result = adcli.jacobian(self.graph, at, wrt=self.names, allow_nonfinite=True)
        return result.values["f"], result.matrix


def standard_errors(residual, jacobian, dof):
    """sqrt(diag(s^2 (J'J)^-1)), s^2 = r'r/dof, by the SVD of J (as curve_fit)."""
    _, s, vt = np.linalg.svd(jacobian, full_matrices=False)
    threshold = np.finfo(float).eps * max(jacobian.shape) * s[0]
    s = s[s > threshold]
    vt = vt[:s.size]
    covariance = (vt.T / s ** 2) @ vt
    return np.sqrt(np.diag(covariance) * float(residual @ residual) / dof)


# --- the methods -----------------------------------------------------------------


def _least_squares(method, tight):
    def run(problem, start):
        from scipy.optimize import least_squares
        f = Residual(problem)
        b0 = [start[name] for name in f.names]
        options = dict(ftol=TIGHT, xtol=TIGHT, gtol=TIGHT) if tight else {}
        result = least_squares(f, b0, jac=f.jac, method=method, **options)
        dof = problem.observations - len(f.names)
        se = standard_errors(result.fun, result.jac, dof)
        note = "" if result.status > 0 else f"status {result.status}: {result.message}"
        return (dict(zip(f.names, result.x)), dict(zip(f.names, se)), f.nfev, f.njev, note)
    return run


def _curve_fit(tight):
    def run(problem, start):
        from scipy.optimize import curve_fit
        f = Residual(problem)
        # curve_fit fits ydata ~ model(xdata, *b): the model is response - r(b)
        # with xdata a dummy index; its Jacobian is -dr/db
        target = np.zeros(problem.observations)

        def model(_, *b):
            return -f(b)

        def jac(_, *b):
            return -f.jac(b)

        options = dict(ftol=TIGHT, xtol=TIGHT, gtol=TIGHT) if tight else {}
        b0 = [start[name] for name in f.names]
        popt, pcov = curve_fit(model, np.arange(problem.observations), target, p0=b0,
                               jac=jac, **options)
        return (dict(zip(f.names, popt)), dict(zip(f.names, np.sqrt(np.diag(pcov)))),
                f.nfev, f.njev)
    return run


def adcli_fit_run(problem, start):
    """adcli.fit on one problem from one start: (params, stderr, nfev, njev),
    or None when this adcli has no fit (the adcli columns are then left out)."""
    fit = getattr(adcli, "fit", None)
    if fit is None:
        return None
    result = fit(problem.model, problem.data(), start, response=problem.response)
    return (dict(result.params), dict(result.stderr), result.evaluations,
            result.jacobian_evaluations,
            f"{getattr(result, 'gradient_evaluations', 0)} gradients, "
            f"{getattr(result, 'hessian_evaluations', 0)} Hessians, {result.reason}")


METHODS = {
    "lm": _least_squares("lm", False),
    "lm15": _least_squares("lm", True),
    "trf": _least_squares("trf", False),
    "trf15": _least_squares("trf", True),
    "cf": _curve_fit(False),
    "cf15": _curve_fit(True),
}


# --- digits and the table ---------------------------------------------------------


def digits(found, certified):
    """NIST's LRE: -log10 of the worst relative error, in [0, 15]; None if not finite."""
    worst = 0.0
    for name, value in certified.items():
        got = found.get(name)
        if got is None or not math.isfinite(got):
            return None
        worst = max(worst, abs(got - value) / abs(value))
    if worst == 0.0:
        return DIGITS_CAP
    return min(DIGITS_CAP, max(0.0, -math.log10(worst)))


def run_one(method, problem, start):
    """(digits of the parameters, digits of the standard errors, nfev, njev, ms, note)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        began = time.perf_counter()
        try:
            with np.errstate(all="ignore"):
                outcome = method(problem, start)
        except Exception as error:  # a failed fit is a row of the table, not a crash
            return None, None, None, None, None, f"{type(error).__name__}: {error}"[:60]
        ms = 1e3 * (time.perf_counter() - began)
    if outcome is None:
        return None
    params, stderr, nfev, njev, *note = outcome
    return (digits(params, problem.certified), digits(stderr, problem.stderr), nfev, njev, ms,
            note[0][:60] if note else "")


def _shown(value):
    return "fail" if value is None else f"{value:.1f}"


def header_lines():
    import scipy
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    return [f"# bench/fit.py: NIST StRD nonlinear regression, commit {commit}",
            f"# python {platform.python_version()}, numpy {np.__version__}, "
            f"scipy {scipy.__version__}, adcli.fit {'present' if hasattr(adcli, 'fit') else 'absent'}",
            "# digits: -log10(max relative error vs certified), capped at 15; "
            "se: the same for the standard errors;",
            "# lm/trf: scipy.optimize.least_squares, cf: curve_fit; 15: ftol=xtol=gtol=1e-15; "
            "exact Jacobian (adcli) everywhere"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", action="append", choices=nist.PROBLEMS,
                        help="only this problem (repeatable)")
    args = parser.parse_args(argv)
    names = [n for n in nist.PROBLEMS if not args.problem or n in args.problem]
    methods = dict(METHODS)
    if hasattr(adcli, "fit"):
        methods["adcli"] = adcli_fit_run

    for line in header_lines():
        print(line)
    rows = []
    for name in names:
        problem = nist.load(name)
        for index, start in enumerate(problem.starts, 1):
            for label, method in methods.items():
                outcome = run_one(method, problem, start)
                if outcome is not None:
                    rows.append((name, problem.difficulty, index, label, *outcome))

    labels = list(dict.fromkeys(row[3] for row in rows))
    print()
    print("## digits of the parameters (se: of the standard errors)")
    print(f"{'dataset':10s} {'level':7s} {'start':>5s} "
          + " ".join(f"{label:>11s}" for label in labels))
    table = {(r[0], r[2], r[3]): r for r in rows}
    for name in names:
        for index in (1, 2):
            cells = []
            for label in labels:
                row = table.get((name, index, label))
                cells.append(f"{_shown(row[4]):>5s}/{_shown(row[5]):>5s}" if row else " " * 11)
            level = nist.load(name).difficulty
            print(f"{name:10s} {level:7s} {index:>5d} " + " ".join(cells))

    print()
    print("## every run")
    print(f"{'dataset':10s} {'start':>5s} {'method':7s} {'digits':>6s} {'se':>5s} "
          f"{'nfev':>6s} {'njev':>6s} {'ms':>7s}  note")
    for name, _, index, label, d, se, nfev, njev, ms, note in rows:
        print(f"{name:10s} {index:>5d} {label:7s} {_shown(d):>6s} {_shown(se):>5s} "
              f"{'-' if nfev is None else nfev:>6} {'-' if njev is None else njev:>6} "
              f"{'-' if ms is None else f'{ms:.1f}':>7s}  {note}")

    print()
    print("## per method: runs with at least 4 / 6 digits of every parameter, with 4 digits "
          "of every standard error, median digits, total nfev / njev, total ms")
    for label in labels:
        mine = [r for r in rows if r[3] == label]
        ds = [r[4] if r[4] is not None else 0.0 for r in mine]
        se4 = sum(r[5] is not None and r[5] >= 4 for r in mine)
        print(f"{label:7s} {sum(d >= 4 for d in ds):>3d} / {sum(d >= 6 for d in ds):>3d} "
              f"of {len(mine):>3d}   se4 {se4:>3d}   median {float(np.median(ds)):5.1f}   "
              f"nfev {sum(r[6] or 0 for r in mine):>7d}   njev {sum(r[7] or 0 for r in mine):>7d}"
              f"   ms {sum(r[8] or 0 for r in mine):>8.0f}")
    if "adcli" in labels:
        _against_lm(table, names)


def _against_lm(table, names):
    """adcli against lm on the runs where both reach 6 digits: Jacobian evaluations."""
    both = [(table[(n, k, "adcli")], table[(n, k, "lm")]) for n in names for k in (1, 2)
            if (n, k, "adcli") in table and all(
                table[(n, k, m)][4] is not None and table[(n, k, m)][4] >= 6
                for m in ("adcli", "lm"))]
    more = [f"{a[0]}-{a[2]} ({a[7]} > {b[7]})" for a, b in both if a[7] > b[7]]
    print(f"\n## adcli against lm where both reach 6 digits: {len(both)} runs, njev "
          f"{sum(a[7] for a, _ in both)} against {sum(b[7] for _, b in both)}; runs with more: "
          f"{len(more)} {' '.join(more)}")

if __name__ == "__main__":
    main()
