"""Systems of nonlinear equations solved by scipy's hybr (and adcli solve).

For every system of adcli.workloads.equations (MINPACK's hybrj test set,
SYSTEMS, then the practical ones, SYSTEMS_PRACTICAL) and every start
(factor 1, 10, 100 times x0, as MINPACK's initpt: see System.start), each
method solves F(x) = 0 with the exact Jacobian (adcli's, of the outputs
F1..Fn), and the table reports

    ok      "yes" when the run solved the system: ||F(x)|| <= 1e-8 s, or
            ||F(x)||inf <= 1e-10, or x within 1e-6 (relative) of one of the
            system's documented roots; "no" otherwise, "fail" when it raised.
            s is ||F(start)||, the 2-norm at the run's start, capped at
            max(||F(x0)||, 1) with x0 the standard start: from 10 x0 and
            100 x0, ||F(start)|| can be so large (Bratu's exp(100), Wood's
            1e10) that 1e-8 of it passes points that are plainly no root
            (||F|| = 0.9 for Wood); the summary lists the runs that the
            uncapped rule would also pass
    |F|     ||F(x)||, the 2-norm at the point the method returned, evaluated
            here (not the method's own figure)
    nfev    evaluations of F the method asked for
    njev    evaluations of the Jacobian
    ms      wall time of the run (one run: a rough figure; F and J come from
            one adcli.jacobian call, so an F costs about a Jacobian here)

Methods: scipy.optimize.root(method="hybr", jac=exact) with scipy's default
settings (MINPACK's hybrj, xtol 1.49e-8, maxfev 100 (n + 1)), and `adcli`,
adcli.solve when the package has it (adcli_solve_run below), otherwise its
columns are left out.  `minpack` is not a run: it is MINPACK's own hybrj1
on its 55 runs (not every system from 10 x0 and 100 x0), as its test output
prints them (equations.MINPACK_RESULTS), judged by the printed final ||F||.
hybr's counts are what scipy asks for, its checks at x0 included: with
MINPACK's settings (diag = 1) it makes exactly MINPACK's evaluations plus 2 F
and 1 J on 41 of the 55 runs (the others part on rounding).

    python bench/solve.py                        # every system, every start
    python bench/solve.py --system wood --factor 1
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
from adcli.workloads import equations  # noqa: E402
import peers  # noqa: E402  (bench/, beside this script)

FACTORS = (1, 10, 100)
RELATIVE_SOLVED = 1e-8
ABSOLUTE_SOLVED = 1e-10
ROOT_DISTANCE = 1e-6


# --- F and its Jacobian, by adcli ----------------------------------------------------


class Equations(peers.CountedJacobian):
    """F(x) and dF/dx by adcli for one system; counts what the method asks for."""

    def __init__(self, system):
        super().__init__()
        self.system = system
        self.graph = adcli.parse(system.text, system.variables)
        self.outputs = [f"F{k}" for k in range(1, system.n + 1)]

    def evaluate(self, x):
        with np.errstate(all="ignore"):
            result = adcli.jacobian(self.graph, [float(v) for v in x], allow_nonfinite=True)
        values = np.array([result.values[name] for name in self.outputs])
        return values, np.asarray(result.matrix, dtype=float)

    def norm(self, x):
        """||F(x)|| and ||F(x)||inf, not counted."""
        values = self._at(x)[1]
        return float(np.linalg.norm(values)), float(np.abs(values).max())


# --- the methods -----------------------------------------------------------------


def hybr_run(system, start):
    """scipy's hybr from start: (x, nfev, njev, note)."""
    from scipy.optimize import root
    f = Equations(system)
    result = root(f, np.array(start), jac=f.jac, method="hybr")
    message = " ".join(str(result.message).split())  # scipy's messages wrap
    note = "" if result.success else f"status {result.status}: {message}"
    return np.asarray(result.x, dtype=float), f.nfev, f.njev, note


def adcli_solve_run(system, start):
    """adcli.solve from start: (x, nfev, njev, note), or None when this adcli
    has no solve (the adcli columns are then left out)."""
    solve = getattr(adcli, "solve", None)
    if solve is None:
        return None
    graph = adcli.parse(system.text, system.variables)
    result = solve(graph, start=dict(zip(system.variables, start)))
    x = np.array([result.x[name] for name in system.variables], dtype=float)
    note = "" if result.converged else f"not converged: {result.reason}"
    return x, result.evaluations, result.jacobian_evaluations, note


# --- judging a run and the table --------------------------------------------------


def solved(system, x, start):
    """The run's verdict (the module docstring's "ok"), ||F(x)||, and the
    verdict with the start's ||F|| alone as the scale (the lax reading)."""
    f = Equations(system)
    norm, largest = f.norm(x)
    start_norm, _ = f.norm(start)
    standard_norm, _ = f.norm(system.x0)
    if not math.isfinite(norm):
        return False, norm, False
    lax = norm <= RELATIVE_SOLVED * start_norm
    scale = min(start_norm, max(standard_norm, 1.0))
    if largest <= ABSOLUTE_SOLVED or norm <= RELATIVE_SOLVED * scale:
        return True, norm, True
    for root in system.roots:
        root = np.array(root)
        if np.all(np.abs(x - root) <= ROOT_DISTANCE * (1 + np.abs(root))):
            return True, norm, True
    return False, norm, lax


def run_one(method, system, factor):
    """(ok, ||F||, nfev, njev, ms, note, lax ok); ok None when the method raised."""
    start = system.start(factor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        began = time.perf_counter()
        try:
            with np.errstate(all="ignore"):
                outcome = method(system, start)
        except Exception as error:  # a failed run is a row of the table, not a crash
            return None, None, None, None, None, f"{type(error).__name__}: {error}"[:120], False
        ms = 1e3 * (time.perf_counter() - began)
    if outcome is None:
        return None
    x, nfev, njev, note = outcome
    ok, norm, lax = solved(system, x, np.array(start))
    return ok, norm, nfev, njev, ms, note[:120], lax


def _ok(ok):
    return "fail" if ok is None else ("yes" if ok else "no")


def _cell(row):
    if row is None:
        return f"{'':4s} {'':>9s} {'':>5s} {'':>5s} {'':>8s}"
    ok, norm, nfev, njev, ms, *_ = row
    shown = "-" if norm is None else f"{norm:.2e}"
    return (f"{_ok(ok):4s} {shown:>9s} {'-' if nfev is None else nfev:>5} "
            f"{'-' if njev is None else njev:>5} {'-' if ms is None else f'{ms:.1f}':>8s}")


def header_lines():
    import scipy
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True, check=False).stdout.strip()
    present = "present" if hasattr(adcli, "solve") else "absent"
    return [f"# bench/solve.py: MINPACK's hybrj test systems and practical ones, commit {commit}",
            (f"# python {platform.python_version()}, numpy {np.__version__}, "
             f"scipy {scipy.__version__}, adcli.solve {present}"),
            (f"# ok: ||F|| <= {RELATIVE_SOLVED:g} min(||F(start)||, max(||F(x0)||, 1)) or "
             f"||F||inf <= {ABSOLUTE_SOLVED:g} or a documented root; |F|: ||F||2 at the end"),
            "# exact Jacobian (adcli) everywhere; F and J from one adcli.jacobian call",
            ("# hybr: scipy.optimize.root(method='hybr', jac=...) with default settings; "
             "minpack: MINPACK's own hybrj1 output (not run here)")]


def minpack_reference(system, factor):
    """MINPACK's own hybrj1 run (equations.MINPACK_RESULTS) as a row of the
    table, judged by its printed final ||F|| alone; None if MINPACK has no
    such run."""
    reference = equations.MINPACK_RESULTS.get((system.name, factor))
    if reference is None:
        return None
    initial, nfev, njev, info, final = reference
    standard_norm, _ = Equations(system).norm(system.x0)
    scale = min(initial, max(standard_norm, 1.0))
    # the 2-norm bounds the largest |F_i|: 1e-10 on it is the absolute rule
    ok = final <= ABSOLUTE_SOLVED or final <= RELATIVE_SOLVED * scale
    lax = final <= RELATIVE_SOLVED * initial
    return ok, final, nfev, njev, None, "" if info == 1 else f"info {info}", lax


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    everything = equations.SYSTEMS + equations.SYSTEMS_PRACTICAL
    parser.add_argument("--system", action="append", choices=[s.name for s in everything],
                        help="only this system (repeatable)")
    parser.add_argument("--factor", action="append", type=float, choices=FACTORS,
                        help="only this start factor (repeatable)")
    args = parser.parse_args(argv)
    systems = [s for s in everything if not args.system or s.name in args.system]
    factors = [f for f in FACTORS if not args.factor or f in args.factor]
    methods = {"hybr": hybr_run}
    if hasattr(adcli, "solve"):
        methods["adcli"] = adcli_solve_run

    for line in header_lines():
        print(line)
    for method in methods.values():  # imports and first-call caches out of the times
        run_one(method, equations.by_name("dottie"), 1)
    table = {}
    for system in systems:
        for factor in factors:
            for label, method in methods.items():
                outcome = run_one(method, system, factor)
                if outcome is not None:
                    table[(system.name, factor, label)] = outcome
            reference = minpack_reference(system, factor)
            if reference is not None:
                table[(system.name, factor, "minpack")] = reference
    labels = [label for label in (*methods, "minpack") if any(key[2] == label for key in table)]
    runs = [(s, f) for s in systems for f in factors]
    _print_table(table, runs, labels)
    _print_summary(table, runs, labels)
    if "adcli" in labels:
        for other in ("hybr", "minpack"):
            _against(table, runs, other)


def _print_table(table, runs, labels):
    print()
    print((f"{'':41s} " + " | ".join(f"{label:35s}" for label in labels)).rstrip())
    print(f"{'system':30s} {'n':>3s} {'factor':>6s} "
          + " | ".join(f"{'ok':4s} {'|F|':>9s} {'nfev':>5s} {'njev':>5s} {'ms':>8s}"
                       for _ in labels))
    for system, factor in runs:
        cells = " | ".join(_cell(table.get((system.name, factor, label))) for label in labels)
        print(f"{system.name:30s} {system.n:>3d} {factor:>6g} {cells}".rstrip())

    notes = [(s.name, f, label, table[(s.name, f, label)][5]) for s, f in runs
             for label in labels if (s.name, f, label) in table and table[(s.name, f, label)][5]]
    if notes:
        print()
        print("## notes: the method's message where it did not report success")
        for name, factor, label, note in notes:
            print(f"{name:30s} {factor:>6g} {label:7s} {note}")


def _print_summary(table, runs, labels):
    print()
    print("## per method: runs solved (all its runs / MINPACK's 55 runs / the practical "
          "systems), total nfev / njev, total ms")
    minpack = {(s.name, f) for s, f in runs if (s.name, f) in equations.MINPACK_RESULTS}
    practical = {s.name for s in equations.SYSTEMS_PRACTICAL}
    for label in labels:
        mine = {(s.name, f): table[(s.name, f, label)] for s, f in runs
                if (s.name, f, label) in table}
        good = {key for key, row in mine.items() if row[0]}
        print(f"{label:7s} {len(good):>3d} of {len(mine):>3d}   "
              f"{len(good & minpack):>3d} of {len(minpack & set(mine)):>3d}   "
              f"{sum(key[0] in practical for key in good):>3d} of "
              f"{sum(key[0] in practical for key in mine):>3d}   "
              f"nfev {sum(r[2] or 0 for r in mine.values()):>7d}   "
              f"njev {sum(r[3] or 0 for r in mine.values()):>6d}   "
              f"ms {sum(r[4] or 0 for r in mine.values()):>8.0f}")
    for label in labels:
        lax = [f"{s.name}@{f:g}" for s, f in runs if (s.name, f, label) in table
               and table[(s.name, f, label)][6] and not table[(s.name, f, label)][0]]
        print(f"{label:7s} passed only by the uncapped ||F|| <= 1e-8 ||F(start)||: {len(lax)} "
              f"{' '.join(lax)}")


def _against(table, runs, other):
    """adcli against another method on the runs both made: runs one solves
    and the other does not; Jacobian evaluations where both solve."""
    def name(system, factor):
        return f"{system.name}@{factor:g}"

    pairs = [(s, f, table[(s.name, f, "adcli")], table[(s.name, f, other)]) for s, f in runs
             if (s.name, f, "adcli") in table and (s.name, f, other) in table]
    only_adcli = [name(s, f) for s, f, a, h in pairs if a[0] and not h[0]]
    only_other = [name(s, f) for s, f, a, h in pairs if h[0] and not a[0]]
    both = [(s, f, a, h) for s, f, a, h in pairs if a[0] and h[0]]
    more = [f"{name(s, f)} ({a[3]} > {h[3]})" for s, f, a, h in both if a[3] > h[3]]
    print(f"\n## adcli against {other} on {len(pairs)} runs")
    print(f"adcli solves, {other} does not: {len(only_adcli)} {' '.join(only_adcli)}")
    print(f"{other} solves, adcli does not: {len(only_other)} {' '.join(only_other)}")
    print(f"where both solve ({len(both)} runs): njev {sum(a[3] for _, _, a, _ in both)} "
          f"against {sum(h[3] for _, _, _, h in both)}; runs with more Jacobian evaluations: "
          f"{len(more)} {' '.join(more)}")


if __name__ == "__main__":
    main()
