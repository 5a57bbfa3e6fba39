"""Measure the goals of issues 3, 12 and 15: adcli next to each installed peer.

    python3 bench/run.py                # every goal, full sizes (minutes)
    python3 bench/run.py --quick        # smaller sizes, fewer runs (< 60 s)
    python3 bench/run.py --goal 1 --goal 3
    python3 bench/run.py --goal 6 --methods      # also every adcli.minimize method
    python3 bench/run.py --goal 7 --adcli /path/to/venv/bin/adcli   # arrays (issue 12)
    python3 bench/run.py --goal 8       # sparse Hessians and Jacobians (issue 15)

One table per goal: adcli, each installed peer, the ratio adcli/peer, the
goal's target and a verdict.  Absent peers are skipped with a line saying so.
In-process code is the adcli of this source tree; start-up times the
installed `adcli` console script (install it first: python3 -m pip install .).
"""
import argparse
import datetime
import gc
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

#: one thread in every BLAS and in XLA (goal 7's rows are measured that way),
#: set before numpy loads; a variable already set is left as it is
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
for _variable in THREAD_VARIABLES:
    os.environ.setdefault(_variable, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1")
#: fresh processes (goals 1, 5, 7) may write and read bytecode, as an installed
#: package has it: with PYTHONDONTWRITEBYTECODE a source tree's adcli would
#: compile every module at every start (about 130 ms here)
BYTECODE_UNSET = os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, ROOT)  # the adcli of this tree, not an installed one

import adcli  # noqa: E402
from adcli.workloads import generate  # noqa: E402

import peers  # noqa: E402

FULL = {"runs": 11, "rounds": 7, "n": 10_000, "batch": 10 ** 6, "memory_nodes": 10 ** 6,
        "minimize_cap": 120.0, "minimize_n": (100, 300), "minimize_rounds": 3,
        "scipy_methods": peers.SCIPY_METHODS, "array_matrix": (100, 1000),
        "array_rosenbrock": (10 ** 4, 10 ** 6), "array_memory": 10 ** 6}
QUICK = {"runs": 3, "rounds": 3, "n": 1_000, "batch": 10 ** 5, "memory_nodes": 10 ** 5,
         "minimize_cap": 1.0, "minimize_n": (100,), "minimize_rounds": 1,
         "scipy_methods": ("BFGS",), "array_matrix": (100, 1000),
         "array_rosenbrock": (10 ** 4, 10 ** 6), "array_memory": 10 ** 6}
SKIP = "not installed, skipped (pip install '.[bench]')"

# --- measuring ---------------------------------------------------------------------


def run_process(command, cwd):
    """Wall time (s) of one fresh process; output discarded."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def peak_rss(command, cwd):
    """Peak RSS (bytes) of one more, untimed run, by GNU time; None without it.
    (The runner's own ru_maxrss from wait4 would carry the runner's RSS, which
    Linux passes across fork + exec.)"""
    if not os.path.exists("/usr/bin/time"):
        return None
    done = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    last = done.stderr.strip().splitlines()[-1:] or [""]
    return int(last[0]) * 1024 if done.returncode == 0 and last[0].isdigit() else None


def check_process(command, cwd, expect):
    """The warm-up run: None when it succeeds and prints ``expect``, else why not."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no output)"]
        return f"failed (exit {done.returncode}): {lines[-1]}"
    if expect not in done.stdout:
        return f"printed {done.stdout.strip()[:60]!r}, not {expect!r}"
    return None


def interleaved(functions, rounds, min_time=0.05):
    """Median seconds per call of each function (name -> callable), measured
    in rounds that call each function in turn, so drift hits all of them.
    Each timing loops a function long enough (min_time) to read the clock;
    gc.collect() runs before each timing, the collector stays enabled."""
    loops, times = {}, {name: [] for name in functions}
    for name, function in functions.items():  # warm-up and calibration
        start = time.perf_counter()
        function()
        once = time.perf_counter() - start
        loops[name] = max(1, math.ceil(min_time / max(once, 1e-9)))
    for _ in range(rounds):
        for name, function in functions.items():
            gc.collect()
            start = time.perf_counter()
            for _ in range(loops[name]):
                function()
            times[name].append((time.perf_counter() - start) / loops[name])
    return {name: statistics.median(values) for name, values in times.items()}


# --- printing ------------------------------------------------------------------------


def seconds(value):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def mib(value):
    return f"{value / 2 ** 20:.0f} MiB"


def verdict(value, target, unit="x"):
    """(target text, verdict) for target (op, bound[, 'stretch']) or None."""
    if target is None:
        return "-", "-"
    op, bound, *stretch = target
    met = value <= bound if op == "<=" else value >= bound if op == ">=" else value < bound
    word = "met" if met else "MISSED"
    return f"{op} {bound:g}{unit}" + (" (stretch)" if stretch else ""), word


def print_table(title, header, rows, notes=()):
    """A plain-text table: first column left, the others right-aligned."""
    print(f"\n{title}")
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        print("  " + "  ".join(cells).rstrip())
    for note in notes:
        print(f"  {note}")


def print_verdict(goal, rows, verdict_column):
    missed = [row[0] for row in rows if row[verdict_column] == "MISSED"
              and "stretch" not in str(row[verdict_column - 1])]
    print(f"  goal {goal} verdict: " + ("met" if not missed else "MISSED ("
                                       + ", ".join(missed) + ")"))


def comparison_row(name, peer_time, adcli_time, target, extra=()):
    ratio = adcli_time / peer_time
    target_text, word = verdict(ratio, target)
    return [name, seconds(peer_time), *extra, f"{ratio:.3g}x", target_text, word]


# --- goal 1: start-up -----------------------------------------------------------------


#: the adcli console script to run as a fresh process (--adcli); None: the one
#: beside this interpreter, else on PATH
ADCLI_SCRIPT = None


def adcli_command():
    """The console script given with --adcli, else the installed one beside
    this interpreter, else on PATH."""
    if ADCLI_SCRIPT is not None:
        return [ADCLI_SCRIPT] if os.path.exists(ADCLI_SCRIPT) else None
    script = os.path.join(os.path.dirname(sys.executable), "adcli")
    if os.path.exists(script):
        return [script]
    from shutil import which
    found = which("adcli")
    return [found] if found else None


def script_interpreter():
    """The Python that runs the console script (its #! line), else this one."""
    command = adcli_command()
    if command:
        with open(command[0], "rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
        if first.startswith("#!") and os.path.exists(first[2:].split()[0]):
            return first[2:].split()[0]
    return sys.executable


def installed_matches_tree(cwd):
    """A note saying whether the installed adcli has this tree's sources."""
    done = subprocess.run([script_interpreter(), "-c", "import adcli, os; "
                           "print(os.path.dirname(adcli.__file__))"],
                          cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        return "adcli is not installed: python3 -m pip install ."
    installed = done.stdout.strip()
    tree = os.path.join(ROOT, "adcli")
    differ = []
    for name in sorted(os.listdir(tree)):
        if name.endswith(".py"):
            other = os.path.join(installed, name)
            with open(os.path.join(tree, name), "rb") as mine:
                same = os.path.exists(other) and open(other, "rb").read() == mine.read()
            if not same:
                differ.append(name)
    if differ:
        return (f"WARNING: the installed adcli ({installed}) differs from this tree in "
                f"{', '.join(differ)}; reinstall: python3 -m pip install .")
    return f"installed adcli ({installed}) matches this tree"


#: not a peer: click imported and nothing run, the floor of a command line built on
#: click (adcli/floor: what adcli's own imports, parse, gradient and output add)
CLICK_FLOOR = ("python -c 'import click'", "import click")
#: not a peer: the same run through the click commands alone (ADCLI_NO_QUICK=1:
#: no quick path), so adcli/this row is what the quick path saves
CLICK_PATH = "adcli through click (ADCLI_NO_QUICK=1)"


def run_process_in(command, cwd, env):
    """Wall time (s) of one fresh process in the environment env (None: this one's)."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True, env=env)
    return time.perf_counter() - start


def goal_startup(size):
    cwd = tempfile.mkdtemp(prefix="adcli-bench-")
    command = adcli_command()
    title = (f"Goal 1: start-up, one gradient of {peers.STARTUP_EXPRESSION} at "
             f"({peers.STARTUP_POINT}) as a fresh process (median of {size['runs']} "
             f"interleaved runs after a warm-up)")
    if command is None:
        print(f"\n{title}\n  adcli console script not found: python3 -m pip install .")
        return
    adcli_run = command + ["grad", peers.STARTUP_EXPRESSION, "--at", peers.STARTUP_POINT,
                           "--format", "json"]
    notes = [installed_matches_tree(cwd), "adcli: " + " ".join(adcli_run[1:]),
             f"interpreter: {sys.executable}; RSS: GNU time -f %M, one more run each"]
    problem = check_process(adcli_run, cwd, "48")
    if problem:
        print(f"\n{title}\n  adcli {problem}")
        return
    rows, adcli_all = [], []
    # issue 15: within 0.6x of the CasADi script and 1.6x of Python doing nothing
    targets = {"casadi": ("<=", 0.6), "python -c pass": ("<=", 1.6)}
    for name, script in [*peers.STARTUP_SCRIPTS.items(), CLICK_FLOOR, (CLICK_PATH, None)]:
        if script is not None and not peers.available(name.split()[0]):
            notes.append(f"{name}: {SKIP}")
            continue
        peer_run = [sys.executable, "-c", script] if script is not None else adcli_run
        peer_env = None if script is not None else {**os.environ, "ADCLI_NO_QUICK": "1"}
        problem = check_process(peer_run, cwd, "48" if script is None or "print" in script
                                else "")
        if problem:
            notes.append(f"{name}: {problem}")
            continue
        if peer_env is not None:
            run_process_in(peer_run, cwd, peer_env)  # warm-up of this path itself
        mine, theirs = [], []
        for _ in range(size["runs"]):  # adcli, peer, adcli, peer, ...
            mine.append(run_process(adcli_run, cwd))
            theirs.append(run_process_in(peer_run, cwd, peer_env))
        adcli_all.extend(mine)
        rss = peak_rss(peer_run, cwd) if script is not None else None
        rows.append(comparison_row(name, statistics.median(theirs), statistics.median(mine),
                                   targets.get(name),
                                   (mib(rss) if rss else "n/a",
                                    seconds(statistics.median(mine)))))
    header = ["peer", "peer time", "peer RSS", "adcli (paired)", "adcli/peer", "target",
              "verdict"]
    if adcli_all:
        rss = peak_rss(adcli_run, cwd)
        notes.insert(0, f"adcli over all runs: median {seconds(statistics.median(adcli_all))}, "
                        f"peak RSS {mib(rss) if rss else 'n/a'}")
    print_table(title, header, rows, notes)
    print_verdict(1, rows, 6)


# --- goals 2 and 3: the extended Rosenbrock -----------------------------------------


def max_error(gradient, reference):
    return max(abs(a - b) / (1.0 + abs(b)) for a, b in zip(gradient, reference))


def goal_one_shot(size):
    n = size["n"]
    text, point = generate.rosenbrock(n), generate.rosenbrock_start(n)
    adcli.grad("x + y", [1, 2])  # one-off parser set-up, not part of the measure
    result = adcli.grad(text, point)
    error = max_error([result.gradient[v] for v in result.variables],
                      generate.rosenbrock_gradient(point))
    functions = {"adcli": lambda: adcli.grad(text, point),
                 "parse": lambda: adcli.parse(text)}
    notes = [f"text: {len(text) / 1e6:.3f} MB, {generate.rosenbrock_nodes(n)} op nodes; "
             f"adcli gradient vs closed form: max relative error {error:.1e}"]
    if peers.available("casadi"):
        functions["casadi"] = lambda: peers.casadi_one_shot(point)
    else:
        notes.append(f"casadi: {SKIP}")
    times = interleaved(functions, size["rounds"], min_time=0)
    rows = [["adcli.grad(text, point)", seconds(times["adcli"]), "", "", ""]]
    if "casadi" in times:
        rows.append(comparison_row("casadi: SX graph + gradient + Function + call",
                                   times["casadi"], times["adcli"], ("<=", 0.7)))
    throughput = len(text.encode()) / 1e6 / times["parse"]
    target, word = verdict(throughput, (">=", 0.5), " MB/s")
    rows.append(["adcli.parse(text)", seconds(times["parse"]),
                 f"{throughput:.2f} MB/s", target, word])
    print_table(f"Goal 2: parse + gradient of the n = {n} Rosenbrock text, in-process "
                f"(median of {size['rounds']})",
                ["", "time", "adcli/peer", "target", "verdict"], rows, notes)
    print_verdict(2, rows, 4)


def goal_repeated(size):
    n = size["n"]
    graph, point = adcli.parse(generate.rosenbrock(n)), generate.rosenbrock_start(n)
    nodes = len(graph.op_nodes)
    result = adcli.grad(graph, point)
    error = max_error([result.gradient[v] for v in result.variables],
                      generate.rosenbrock_gradient(point))
    named = dict(zip(graph.variables, point))
    functions = {"adcli": lambda: adcli.grad(graph, point),
                 "named": lambda: adcli.grad(graph, named),
                 "forward": lambda: adcli.values(graph, point),
                 "tape": lambda: peers.tape_value_and_grad(peers.rosenbrock, point)}
    labels = {"tape": "pure-Python tape (bench/peers.py)", "autograd": "autograd on scalars",
              "casadi": "casadi Function call (built once)", "torch": "torch on scalars"}
    targets = {"tape": ("<=", round(1 / 3, 3)), "torch": ("<=", round(1 / 30, 4)),
               "casadi": ("<=", 10, "stretch")}
    notes = [f"{nodes} op nodes (len(g.op_nodes)); adcli gradient vs closed form: "
             f"max relative error {error:.1e}",
             "evaluation: adcli.values(g, point), the value alone on the same "
             "evaluation path as adcli.grad"]
    for name, make in (("autograd", lambda: lambda: peers.autograd_scalars(point)),
                       ("casadi", lambda: _casadi_call(n, point)),
                       ("torch", lambda: lambda: peers.torch_scalars(point))):
        if peers.available(name):
            functions[name] = make()
        else:
            notes.append(f"{name}: {SKIP}")
    times = interleaved(functions, size["rounds"])
    per_node = times["adcli"] / nodes * 1e9
    target, word = verdict(per_node, ("<=", 300), " ns/node")
    rows = [["adcli.grad(g, point)", seconds(times["adcli"]), f"{per_node:.0f} ns/node",
             target, word]]
    ratio = times["adcli"] / times["forward"]
    target, word = verdict(ratio, ("<=", 3))
    rows.append(["adcli.values(g, point)", seconds(times["forward"]),
                 f"gradient/eval {ratio:.3g}x", target, word])
    ratio = times["named"] / times["adcli"]  # issue 10: names matched by dict, not list
    target, word = verdict(ratio, ("<=", 1.3))
    rows.append(["adcli.grad(g, {name: value})", seconds(times["named"]),
                 f"named/list {ratio:.3g}x", target, word])
    for name in ("tape", "autograd", "casadi", "torch"):
        if name in times:
            rows.append(comparison_row(labels[name], times[name], times["adcli"],
                                       targets.get(name)))
    print_table(f"Goal 3: value + gradient of a graph parsed once, Rosenbrock n = {n} "
                f"(median per call of {size['rounds']} rounds)",
                ["", "per call", "adcli/peer", "target", "verdict"], rows, notes)
    print_verdict(3, rows, 4)


def _casadi_call(n, point):
    function = peers.casadi_function(n)  # built once, outside the timing
    return lambda: peers.casadi_call(function, point)


# --- goal 4: batches ------------------------------------------------------------------


def traced_peaks(functions):
    """Peak traced memory (tracemalloc; numpy reports its buffers to it) of
    one warm call of each function: label -> bytes (the inputs, made before,
    are not counted)."""
    import tracemalloc

    peaks = {}
    for label, function in functions.items():
        function()  # warm: plans and caches are not the call's memory
        gc.collect()
        tracemalloc.start()
        function()
        peaks[label] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peaks


def goal_batch(size):
    import numpy as np

    count = size["batch"]
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-1, 1, count), rng.uniform(-1, 1, count)
    graph = adcli.parse(peers.BATCH_EXPRESSION)
    result = adcli.grad(graph, {"x": x, "y": y})
    value, dx, dy = peers.numpy_batch(x, y)
    error = max(float(np.max(np.abs(a - b))) for a, b in
                ((result.value, value), (result.gradient["x"], dx), (result.gradient["y"], dy)))
    functions = {"adcli": lambda: adcli.grad(graph, {"x": x, "y": y}),
                 "numpy": lambda: peers.numpy_batch(x, y)}
    from adcli.engine import vectorized  # _LIBM: absent from trees before the C loop
    path = ("the C loop of adcli/engine/_libm.c" if getattr(vectorized, "_LIBM", None)
            else "math mapped over the elements (no C loop built, or ADCLI_PURE_PYTHON=1)")
    notes = [f"adcli: adcli.grad(g, {{'x': x, 'y': y}}), g parsed once; max difference "
             f"from hand-written numpy {error:.1e}; exp through {path}"]
    for name, function in (("autograd", peers.autograd_batch), ("torch", peers.torch_batch)):
        if peers.available(name):
            functions[name] = lambda function=function: function(x, y)
        else:
            notes.append(f"{name}: {SKIP}")
    if "autograd" in functions:
        notes.append("autograd: elementwise_grad(f, (0, 1)), gradient only (no value)")
    rounds = 3 * size["rounds"]  # calls of tens of ms on a shared machine: more rounds
    times = interleaved(functions, rounds)
    labels = {"numpy": "hand-written numpy gradient", "autograd": "autograd elementwise_grad",
              "torch": "torch backward"}
    targets = {"numpy": ("<=", 1.2), "autograd": ("<", 1), "torch": ("<", 1)}
    rows = [["adcli", seconds(times["adcli"]), "", "", ""]]
    rows += [comparison_row(labels[name], times[name], times["adcli"], targets[name])
             for name in ("numpy", "autograd", "torch") if name in times]
    peaks = traced_peaks({"adcli": functions["adcli"], "numpy": functions["numpy"]})
    inputs = x.nbytes + y.nbytes
    bound = round((peaks["numpy"] + inputs) / 2 ** 20, 1)
    target_text, word = verdict(peaks["adcli"] / 2 ** 20, ("<=", bound), " MiB")
    rows.append(["peak memory: adcli", mib(peaks["adcli"]), "", target_text, word])
    notes.append(f"peak memory (tracemalloc, one warm call, inputs not counted): hand-written "
                 f"numpy {mib(peaks['numpy'])}; the target is that plus the inputs "
                 f"({mib(inputs)})")
    print_table(f"Goal 4: value + gradient of {peers.BATCH_EXPRESSION} at {count:,} points "
                f"(median of {rounds} rounds)",
                ["", "time", "adcli/peer", "target", "verdict"], rows, notes)
    print_verdict(4, rows, 4)


# --- goal 5: memory --------------------------------------------------------------------

#: goal 5 (issue 15, goal 4): peak bytes per op node of parse + gradient, and
#: the first gradient (its level plan made) against later ones
MEMORY_BYTES_PER_NODE = 200
FIRST_GRADIENT_RATIO = 2.0

MEMORY_SCRIPT = """\
import json, resource, sys, time
def peak_rss():  # VmHWM: ru_maxrss keeps the parent's RSS across fork + exec
    try:
        with open("/proc/self/status") as status:
            line = next(l for l in status if l.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
sys.path.insert(0, sys.argv[1])
import adcli
from adcli.workloads import generate
n, path = int(sys.argv[2]), sys.argv[3]
with open(path) as handle:
    text = handle.read()
point = generate.rosenbrock_start(n)
base = peak_rss()
start = time.perf_counter()
graph = adcli.parse(text)
parsed = time.perf_counter()
parse_peak = peak_rss()
result = adcli.grad(graph, point)
done = time.perf_counter()
peak = peak_rss()
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
error = abs(result.value - generate.rosenbrock_value(point)) / generate.rosenbrock_value(point)
del result
later = []
for _ in range(int(sys.argv[4])):  # the same gradient again: the level plan is made
    begin = time.perf_counter()
    adcli.grad(graph, point)
    later.append(time.perf_counter() - begin)
print(json.dumps({"base": base, "peak": peak, "parse_peak": parse_peak, "maxrss": maxrss,
                  "nodes": len(graph.op_nodes), "parse": parsed - start, "grad": done - parsed,
                  "later": later, "error": error}))
"""


def goal_memory(size):
    n = 2 * math.ceil(size["memory_nodes"] / 6)  # 3n + 1 op nodes
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(generate.rosenbrock(n))
        path, megabytes = handle.name, handle.tell() / 1e6
    try:
        done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, ROOT, str(n), path,
                               str(size["rounds"])], capture_output=True, text=True)
    finally:
        os.unlink(path)
    title = (f"Goal 5: memory, parse + gradient of the n = {n} Rosenbrock file "
             f"({megabytes:.1f} MB) in a fresh process")
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no output)"]
        print(f"\n{title}\n  adcli failed (exit {done.returncode}): {lines[-1]}")
        print("  goal 5 verdict: MISSED (failed)")
        return
    report = json.loads(done.stdout)
    nodes, peak, base = report["nodes"], report["peak"], report["base"]
    target, word = verdict(peak / 2 ** 30, ("<=", 1), " GiB")
    per_node, per_node_word = verdict((peak - base) / nodes, ("<=", MEMORY_BYTES_PER_NODE),
                                      " B/node")
    rows = [["peak RSS", mib(peak), f"{peak / nodes:.0f} B/node",
             target, word],
            ["  of which parse + gradient", mib(peak - base),
             f"{(peak - base) / nodes:.0f} B/node", per_node, per_node_word],
            ["  of which the parse alone", mib(report["parse_peak"] - base),
             f"{(report['parse_peak'] - base) / nodes:.0f} B/node", "", ""]]
    later = statistics.median(report["later"])
    ratio, ratio_word = verdict(report["grad"] / later, ("<=", FIRST_GRADIENT_RATIO), "x")
    rows += [["first gradient (plan included)", seconds(report["grad"]), "", "", ""],
             [f"later gradients (median of {len(report['later'])})", seconds(later), "", "",
              ""],
             ["  first / later", f"{report['grad'] / later:.1f}x", "", ratio, ratio_word]]
    notes = [f"{nodes:,} op nodes; parse {seconds(report['parse'])}, gradient "
             f"{seconds(report['grad'])}; value vs closed form: relative error "
             f"{report['error']:.1e}",
             "base = peak RSS after importing adcli and reading the text; the parse "
             "alone: peak RSS once the graph is made",
             f"peak RSS is the child's VmHWM; its ru_maxrss says {mib(report['maxrss'])}, "
             "which includes the runner's RSS inherited across fork + exec"]
    print_table(title, ["", "memory", "per node", "target", "verdict"], rows, notes)
    print_verdict(5, rows, 4)


# --- goal 6: minimize -------------------------------------------------------------------

#: adcli.minimize's methods besides the default (method="auto"), for --methods
ADCLI_METHODS = ("newton", "bfgs", "lbfgs", "gd", "momentum", "adam")


def adcli_minimize(graph, x0, method=None, cap=None):
    """adcli.minimize on a graph parsed once, with its default method unless
    one is given; the same fields as peers.scipy_minimize, plus the method
    that ran.  The callback stops the run after cap seconds."""
    options = {} if method is None else {"method": method}
    if cap is not None:
        options["callback"] = lambda info: time.perf_counter() > start + cap
    start = time.perf_counter()
    result = adcli.minimize(graph, list(x0), variables=graph.variables, **options)
    elapsed = time.perf_counter() - start
    return {"value": result.value, "iterations": result.iterations,
            "evaluations": result.evaluations,
            "hessian_evaluations": result.hessian_evaluations, "seconds": elapsed,
            "success": result.converged, "message": result.reason, "method": result.method,
            "capped": cap is not None and result.reason == "callback"}


def _failed(error):
    return {"value": math.nan, "iterations": 0, "evaluations": 0, "hessian_evaluations": 0,
            "seconds": 0.0, "success": False, "message": f"raised {type(error).__name__}",
            "capped": False}


def _stop_text(label, run):
    """Why a run stopped: adcli's reason, scipy's message (short), or the cap."""
    if run["capped"]:
        return "time cap"
    if label.startswith("scipy") and run["success"]:
        return "success"
    message = run["message"].split(":")[0].split(".")[0]
    return message if len(message) <= 32 else message[:31] + "..."


def minimize_runs(problem, methods, scipy_methods, cap):
    """(label, run) for the default adcli method, each extra adcli method, and
    each scipy method, on one problem; a run that raises is recorded as failed."""
    graph = adcli.parse(problem.text, problem.variables)
    runs = []
    for method in [None] + list(methods):
        try:
            run = adcli_minimize(graph, problem.x0, method, cap)
        except (adcli.AdcliError, ArithmeticError, ValueError) as error:
            run = _failed(error)
        label = (f"adcli default ({run.get('method', '?')})" if method is None
                 else f"adcli {method}")
        runs.append((label, run))
    for method in scipy_methods:
        try:
            run = peers.scipy_minimize(graph, problem.x0, method, cap)
        except (adcli.AdcliError, ArithmeticError, ValueError) as error:
            run = _failed(error)
        runs.append((f"scipy {method}", run))
    return runs


def goal_minimize(size):
    title = "Goal 6: minimize"
    if not hasattr(adcli, "minimize"):
        print(f"\n{title}\n  not implemented yet (issue 5): adcli.minimize does not exist; "
              "skipped")
        return
    if not peers.available("scipy"):
        print(f"\n{title}\n  scipy: {SKIP}")
        return
    from adcli.workloads import problems

    import scipy.optimize  # noqa: F401  (imported before the first run is timed)

    methods = size.get("methods") or ()
    cap = size["minimize_cap"]
    rows, by_label, pairs = [], {}, []
    for problem in problems.PROBLEMS:
        runs = minimize_runs(problem, methods, size["scipy_methods"], cap)
        for label, run in runs:
            solved = problem.solved(run["value"])
            key = "adcli default" if label.startswith("adcli default") else label
            by_label.setdefault(key, []).append((solved, run))
            rows.append([problem.name, str(problem.n), label, "yes" if solved else "NO",
                         f"{run['value']:.10g}", str(run["iterations"]),
                         str(run["evaluations"]), str(run["hessian_evaluations"] or ""),
                         seconds(run["seconds"]), _stop_text(label, run)])
        default = runs[0][1]
        bfgs = dict(runs)["scipy BFGS"]
        pairs.append((problem, default, bfgs))
    count = len(problems.PROBLEMS)
    print_table(
        f"{title}: the {count} problems of adcli.workloads.problems (Moré, Garbow & Hillstrom 1981, "
        "and Himmelblau) from their standard starts; adcli.minimize next to "
        "scipy.optimize.minimize (f and gradient from adcli.grad, Hessian from adcli.hessian)",
        ["problem", "n", "method", "solved", "final f", "iters", "f/g evals", "H evals",
         "time", "stopped by"], rows,
        ["solved: f - f* <= 1e-8, relative when |f*| > 1; a lower f counts too (from x0, "
         "Freudenstein-Roth and Trigonometric are reported at a local minimum, Biggs EXP6 "
         "at a saddle)",
         "f/g evals: calls that evaluate f and its gradient together (for scipy: calls of "
         "its jac=True objective); H evals: Hessians on top",
         f"scipy options: {peers.SCIPY_OPTIONS}, the rest default; "
         f"each run stopped after {cap:g} s ('time cap')"])

    summary = []
    for key, results in by_label.items():
        solved = sum(1 for ok, _ in results if ok)
        summary.append([key, f"{solved}/{len(results)}",
                        str(sum(r["evaluations"] for _, r in results)),
                        str(sum(r["hessian_evaluations"] for _, r in results)),
                        seconds(sum(r["seconds"] for _, r in results))])
    fewer = sum(1 for _, mine, theirs in pairs if mine["evaluations"] <= theirs["evaluations"])
    both = [(p, mine, theirs) for p, mine, theirs in pairs
            if p.solved(mine["value"]) and p.solved(theirs["value"])]
    fewer_both = sum(1 for _, mine, theirs in both
                     if mine["evaluations"] <= theirs["evaluations"])
    print_table("Goal 6 summary, per method", ["method", "solved", "f/g evals (sum)",
                                                "H evals (sum)", "time (sum)"], summary,
                [f"the default method used no more f/g evaluations than scipy BFGS on "
                 f"{fewer} of {count} problems ({fewer_both} of the {len(both)} both solved); "
                 "newton evaluates a Hessian as well at each iteration"])

    default_solved = sum(1 for ok, _ in by_label["adcli default"] if ok)
    verdicts = [["default method solves (issue 5: nearly all)",
                 f"{default_solved}/{count}", ">= 90%",
                 "met" if default_solved >= 0.9 * count else "MISSED"],
                ["default f/g evals <= scipy BFGS (issue 3: on most)",
                 f"{fewer}/{count}", "> 50%", "met" if fewer > count / 2 else "MISSED"]]
    verdicts += minimize_per_iteration(size)
    print_table("Goal 6 verdicts", ["", "measured", "target", "verdict"], verdicts)
    print_verdict(6, verdicts, 3)


def _eigh_time():
    import numpy as np

    matrix = np.random.default_rng(0).standard_normal((100, 100))
    matrix = matrix + matrix.T
    return interleaved({"eigh": lambda: np.linalg.eigh(matrix)}, 3)["eigh"]


def minimize_per_iteration(size):
    """Time per iteration on the extended Rosenbrock with 100+ variables:
    adcli.minimize against scipy's BFGS driven by a SymPy-lambdified
    gradient (and by adcli.grad).  Prints a table; returns verdict rows."""
    from scipy.optimize import minimize

    from adcli.workloads import problems

    if not peers.available("sympy"):
        print(f"\nGoal 6, time per iteration\n  sympy: {SKIP}")
        return []
    rows, verdicts, notes = [], [], []
    for n in size["minimize_n"]:
        problem = problems.extended_rosenbrock(n)
        graph = adcli.parse(problem.text, problem.variables)
        fun, built = peers.sympy_rosenbrock(n)
        notes.append(f"n = {n}: SymPy diff + lambdify took {seconds(built)} (once, not "
                     "counted)")
        x0 = list(problem.x0)

        def sympy_bfgs():
            import numpy as np
            result = minimize(fun, np.array(x0), jac=True, method="BFGS",
                              options=peers.SCIPY_OPTIONS["BFGS"])
            return {"value": float(result.fun), "iterations": int(result.nit)}

        runs = {"adcli default": lambda: adcli_minimize(graph, x0),
                "adcli lbfgs": lambda: adcli_minimize(graph, x0, "lbfgs"),
                "adcli bfgs": lambda: adcli_minimize(graph, x0, "bfgs"),
                "scipy BFGS, SymPy-lambdified gradient": sympy_bfgs,
                "scipy BFGS, adcli.grad gradient":
                    lambda: peers.scipy_minimize(graph, x0, "BFGS")}
        times = {name: [] for name in runs}
        results = {}
        for _ in range(size["minimize_rounds"]):  # interleaved rounds
            for name, run in runs.items():
                start = time.perf_counter()
                results[name] = run()
                times[name].append(time.perf_counter() - start)
        per_iteration = {}
        for name, result in results.items():
            total = statistics.median(times[name])
            per_iteration[name] = total / max(1, result["iterations"])
            label = name + (f" ({result['method']})" if name == "adcli default" else "")
            rows.append([f"n = {n}", label, "yes" if problem.solved(result["value"]) else "NO",
                         str(result["iterations"]), seconds(total),
                         seconds(per_iteration[name])])
        reference = per_iteration["scipy BFGS, SymPy-lambdified gradient"]
        for name in ("adcli default", "adcli lbfgs"):
            ratio = per_iteration[name] / reference
            target, word = verdict(ratio, ("<", 1))
            verdicts.append([f"{name}: time/iteration vs scipy + SymPy gradient, n = {n} "
                             "(issue 3)", f"{ratio:.3g}x", target, word])
        total = (statistics.median(times["adcli default"])
                 / statistics.median(times["scipy BFGS, SymPy-lambdified gradient"]))
        verdicts.append([f"adcli default: total time vs scipy + SymPy gradient, n = {n}",
                         f"{total:.3g}x", "-", "-"])
    eigh = _eigh_time()
    notes.append(f"numpy.linalg.eigh of a 100 x 100 matrix takes {seconds(eigh)} here; "
                 "newton's trust region calls it once per iteration"
                 + (" (about 1 ms is usual: BLAS threads may be oversubscribed, compare "
                    "with OPENBLAS_NUM_THREADS=1)" if eigh > 3e-3 else ""))
    print_table(f"Goal 6, time per iteration: extended Rosenbrock from (-1.2, 1, ...), "
                f"median of {size['minimize_rounds']} interleaved runs",
                ["", "run", "solved", "iters", "time", "per iteration"], rows, notes)
    return verdicts


# --- goal 7: arrays (issue 12) ------------------------------------------------------------

#: the peers of goal 7: label -> (peer module needed, least-squares maker, Rosenbrock maker)
ARRAY_PEERS = {
    "autograd": ("autograd", peers.autograd_least_squares, peers.autograd_rosenbrock),
    "jax jit": ("jax", peers.jax_least_squares, peers.jax_rosenbrock),
    "jax eager": ("jax", lambda A, b, x: peers.jax_least_squares(A, b, x, jit=False),
                  lambda x: peers.jax_rosenbrock(x, jit=False)),
    "torch": ("torch", peers.torch_least_squares, peers.torch_rosenbrock),
}


def adcli_array_call(graph, point):
    """One adcli.grad on a graph parsed once: (value, gradient of x)."""
    def call():
        result = adcli.grad(graph, point, wrt=["x"])
        return float(result.value), result.gradient["x"]
    return call


def adcli_engine_call(graph, point):
    """A diagnostic below the API: the engine's lean pass
    (engine.arrays.value_and_gradient: values dropped after their last
    reader; no copies, no finiteness scans) on a graph and point bound once
    by array_api.bind.  Not a verdict's number: the goals are the API's."""
    from adcli import array_api
    from adcli.engine import arrays

    graph, point, wrt = array_api.bind(graph, point, ["x"])

    def call():
        value, (gradient,) = arrays.value_and_gradient(graph, point, wrt)
        return float(value), gradient
    return call


#: the diagnostic column (not a peer, not in the verdicts)
ENGINE = "adcli engine"


def array_cases(size):
    """(work, functions: label -> call, skipped notes) for each row of goal 7."""
    import numpy as np

    rng = np.random.default_rng(0)
    least_squares = adcli.parse(peers.ARRAY_LEAST_SQUARES)
    rosenbrock = adcli.parse(peers.ARRAY_ROSENBROCK)
    for n in size["array_matrix"]:
        A, b, x = rng.standard_normal((n, n)), rng.standard_normal(n), rng.standard_normal(n)
        point = {"A": A, "b": b, "x": x}
        functions = {"hand numpy": peers.numpy_least_squares(A, b, x),
                     "adcli": adcli_array_call(least_squares, point),
                     ENGINE: adcli_engine_call(least_squares, point)}
        for label, (module, make, _) in ARRAY_PEERS.items():
            if peers.available(module):
                functions[label] = make(A, b, x)
        yield f"sum((A@x-b)**2), A {n} x {n}", functions
    for n in size["array_rosenbrock"]:
        x = rng.uniform(-1.0, 1.0, n)
        functions = {"hand numpy": peers.numpy_rosenbrock(x),
                     "adcli": adcli_array_call(rosenbrock, {"x": x}),
                     ENGINE: adcli_engine_call(rosenbrock, {"x": x})}
        for label, (module, _, make) in ARRAY_PEERS.items():
            if peers.available(module):
                functions[label] = make(x)
        yield f"slice-form Rosenbrock, n = {n:.0e}".replace("e+0", "e"), functions


def array_error(result, reference):
    """Largest relative difference of (value, gradient) from the reference's."""
    import numpy as np

    value, gradient = result
    scale = 1.0 + np.abs(reference[1])
    return max(abs(value - reference[0]) / (1.0 + abs(reference[0])),
               float(np.max(np.abs(np.asarray(gradient) - reference[1]) / scale)))


def array_memory(x):
    """Peak traced memory of one value-and-gradient call of the Rosenbrock
    at x (traced_peaks): label -> bytes."""
    graph = adcli.parse(peers.ARRAY_ROSENBROCK)
    calls = {"hand numpy": peers.numpy_rosenbrock(x),
             "adcli": adcli_array_call(graph, {"x": x}),
             ENGINE: adcli_engine_call(graph, {"x": x})}
    if peers.available("autograd"):
        calls["autograd"] = peers.autograd_rosenbrock(x)
    return traced_peaks(calls)


#: the CLI row: a small least-squares problem in CSV files
ARRAY_CLI_AT = "x=@x0.csv,A=@A.csv,b=@b.csv"
STARTUP_ROW = ("one-shot adcli grad (3 x 3 least squares, CSV files) vs CasADi script, "
               "fresh processes")


def array_startup(size, notes):
    """One-shot `adcli grad` of a small array expression as a fresh process
    against goal 1's CasADi script: a verdict row, or None (with a note)."""
    import numpy as np

    command = adcli_command()
    if command is None:
        notes.append("start-up: adcli console script not found: python3 -m pip install .")
        return None
    if not peers.available("casadi"):
        notes.append(f"start-up: casadi: {SKIP}")
        return None
    cwd = tempfile.mkdtemp(prefix="adcli-bench-")
    rng = np.random.default_rng(1)
    A, b, x = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)
    for name, value in (("A", A), ("b", b), ("x0", x)):
        np.savetxt(os.path.join(cwd, f"{name}.csv"), np.atleast_2d(value), delimiter=",",
                   fmt="%.17g")
    adcli_run = command + ["grad", peers.ARRAY_LEAST_SQUARES, "--at", ARRAY_CLI_AT,
                           "--wrt", "x", "--format", "json"]
    done = subprocess.run(adcli_run, cwd=cwd, capture_output=True, text=True)
    try:
        document = json.loads(done.stdout)
        r = A @ x - b
        error = array_error((document["value"], document["gradient"]["x"]),
                            (float(r @ r), 2.0 * A.T @ r))
    except (ValueError, KeyError, TypeError):
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines() or ["(no output)"]
        notes.append(f"start-up: adcli {' '.join(adcli_run[1:])} failed (exit "
                     f"{done.returncode}): {lines[-1][:100]}")
        return [STARTUP_ROW, "failed", "<= 1x", "MISSED"]
    casadi_run = [sys.executable, "-c", peers.STARTUP_SCRIPTS["casadi"]]
    problem = check_process(casadi_run, cwd, "48")
    if problem:
        notes.append(f"start-up: casadi {problem}")
        return None
    mine, theirs = [], []
    for _ in range(size["runs"]):  # adcli, casadi, adcli, casadi, ...
        mine.append(run_process(adcli_run, cwd))
        theirs.append(run_process(casadi_run, cwd))
    ratio = statistics.median(mine) / statistics.median(theirs)
    target, word = verdict(ratio, ("<=", 1))
    rss = peak_rss(adcli_run, cwd)
    notes.append(f"start-up: adcli {' '.join(adcli_run[1:])} (3 x 3 data in CSV files; "
                 f"error {error:.1e}): median {seconds(statistics.median(mine))} of "
                 f"{size['runs']}, peak RSS {mib(rss) if rss else 'n/a'}; CasADi scalar script "
                 f"of goal 1: {seconds(statistics.median(theirs))}; "
                 + installed_matches_tree(cwd))
    return [STARTUP_ROW, f"{ratio:.3g}x", target, word]


def goal_arrays(size):
    peers.one_thread()
    rounds = size["rounds"]
    title = (f"Goal 7: arrays (issue 12), value + gradient with respect to x per call, "
             f"median of {rounds} interleaved rounds, one BLAS thread")
    labels = ["hand numpy", "adcli", *ARRAY_PEERS, ENGINE]
    rows, ratios = [], []
    notes = [f"{module}: {SKIP}" for module in dict.fromkeys(m for m, _, _ in
                                                           ARRAY_PEERS.values())
             if not peers.available(module)]
    for work, functions in array_cases(size):
        reference = functions["hand numpy"]()
        for label in list(functions):
            functions[label]()  # warm-up: jax compiles here
            error = array_error(functions[label](), reference)
            if error > 1e-8:
                notes.append(f"{work}, {label}: differs from hand numpy by {error:.1e}; "
                             "dropped")
                del functions[label]
        times = interleaved(functions, rounds)
        adcli_time = times["adcli"]
        rows.append([work] + [seconds(times[label]) if label in times else "-"
                              for label in labels]
                    + [f"{adcli_time / times[label]:.3g}x" if label in times else "-"
                       for label in labels if label != "adcli"])
        ratios.append((work, times))
    header = (["work"] + labels + [f"adcli/{label}" for label in labels if label != "adcli"])
    print_table(title, header, rows, [
        "adcli: adcli.grad(graph, {name: array}, wrt=['x']) on a graph parsed once "
        "(adcli.parse); the others as their users write them (bench/peers.py)",
        f"expressions: {peers.ARRAY_LEAST_SQUARES} and {peers.ARRAY_ROSENBROCK}; "
        "jax: float64, data as device arrays made once",
        f"{ENGINE}: a diagnostic, not a goal's number: engine.arrays.value_and_gradient on a "
        "graph and point bound once (the lean pass; no input copies, no finiteness scans)",
        "threads: " + ", ".join(f"{v}={os.environ.get(v)}" for v in THREAD_VARIABLES[:2])
        + "; torch.set_num_threads(1)"] + notes)

    verdicts = []
    by_work = dict(ratios)
    for work, times in ratios:
        if work.startswith("sum((A@x-b)**2), A 1000") or work.endswith("n = 1e6"):
            ratio = times["adcli"] / times["hand numpy"]
            target, word = verdict(ratio, ("<=", 1.5))
            verdicts.append([f"{work}: adcli vs hand numpy", f"{ratio:.3g}x", target, word])
    for work, times in ratios:
        if "autograd" in times:
            ratio = times["adcli"] / times["autograd"]
            target, word = verdict(ratio, ("<", 1))
            verdicts.append([f"{work}: adcli vs autograd", f"{ratio:.3g}x", target, word])
    small = by_work.get("sum((A@x-b)**2), A 100 x 100")
    if small and "autograd" in small:
        mine = small["adcli"] - small["hand numpy"]
        theirs = small["autograd"] - small["hand numpy"]
        word = "met" if mine < theirs else "MISSED"
        verdicts.append(["A 100 x 100: per-call overhead over hand numpy, adcli vs autograd",
                         f"{seconds(mine)} vs {seconds(theirs)}", "below autograd's", word])
    import numpy as np

    n = size["array_memory"]
    peaks = array_memory(np.random.default_rng(2).uniform(-1.0, 1.0, n))
    ratio = peaks["adcli"] / peaks["hand numpy"]
    target, word = verdict(ratio, ("<=", 1.5))
    verdicts.append([f"peak memory of the n = {n:.0e} Rosenbrock gradient vs hand numpy"
                     .replace("e+0", "e"), f"{ratio:.3g}x", target, word])
    memory_note = ("peak memory (tracemalloc, one warm call): "
                   + ", ".join(f"{label} {peak / 1e6:.0f} MB" for label, peak in peaks.items())
                   + f" (x itself: {8 * n / 1e6:.0f} MB)")
    verdict_notes = [memory_note]
    startup = array_startup(size, verdict_notes)
    if startup:
        verdicts.append(startup)
    print_table("Goal 7 verdicts", ["", "measured", "target", "verdict"], verdicts,
                verdict_notes)
    print_verdict(7, verdicts, 3)


# --- goal 8: sparse Hessians and Jacobians (issue 15) ---------------------------------------

#: sizes of goal 8: the Hessian of the scalar extended Rosenbrock and the
#: Jacobian of Broyden's tridiagonal system, n variables
SPARSE_SIZES = (100, 1000)


def banded_system(n):
    """Broyden's tridiagonal residuals (MGH 30) as n outputs of adcli text."""
    from adcli.workloads import problems

    return "; ".join(problems.broyden_tridiagonal_residuals(n))


def banded_residuals(x):
    """The same residuals over a sequence of floats or CasADi SX entries."""
    n = len(x)
    return [(3 - 2 * x[i]) * x[i] - (x[i - 1] if i > 0 else 0)
            - (2 * x[i + 1] if i < n - 1 else 0) + 1 for i in range(n)]


def casadi_hessian_function(n):
    """CasADi: SX graph, hessian (value, gradient, Hessian), Function."""
    import casadi as ca

    x = ca.SX.sym("x", n)
    f = peers.rosenbrock([x[i] for i in range(n)])
    hessian, gradient = ca.hessian(f, x)
    return ca.Function("H", [x], [f, gradient, hessian])


def casadi_jacobian_function(n):
    import casadi as ca

    x = ca.SX.sym("x", n)
    residuals = ca.vertcat(*banded_residuals([x[i] for i in range(n)]))
    return ca.Function("J", [x], [residuals, ca.jacobian(residuals, x)])


def casadi_matrix_call(function, point):
    """One call; the last result (Hessian or Jacobian) as CasADi returns it, a
    sparse DM (made dense only to check it: DM.full() of a 1000 x 1000
    matrix costs about 500 calls)."""
    return function(point)[-1]


def dense(result):
    """A result of any peer as a dense numpy array."""
    import numpy as np

    return result.full() if hasattr(result, "full") else np.asarray(result)


def jax_hessian(n):
    """jax.jit(jax.hessian(f)) of the extended Rosenbrock, vectorized."""
    jax = peers._jax()
    jnp = jax.numpy

    def f(x):
        odd, even = x[0::2], x[1::2]
        return jnp.sum(100.0 * (even - odd ** 2) ** 2 + (1.0 - odd) ** 2)
    return jax.jit(jax.hessian(f))


def jax_jacobian(n):
    """jax.jit(jax.jacfwd(F)) of the banded residuals, vectorized."""
    jax = peers._jax()
    jnp = jax.numpy

    def residuals(x):
        left = jnp.concatenate([jnp.zeros(1), x[:-1]])
        right = jnp.concatenate([x[1:], jnp.zeros(1)])
        return (3.0 - 2.0 * x) * x - left - 2.0 * right + 1.0
    return jax.jit(jax.jacfwd(residuals))


def jax_matrix_call(function, point):
    import numpy as np

    return np.asarray(function(point))


def sparse_cases(n):
    """(work, adcli one shot, adcli repeated, peer one shots, peer repeated
    calls, reference) for the two rows of each size."""
    import numpy as np

    point = generate.rosenbrock_start(n)
    text = generate.rosenbrock(n)
    graph = adcli.parse(text)
    system = banded_system(n)
    system_graph = adcli.parse(system)
    system_point = [0.5 + 0.001 * k for k in range(n)]
    cases = []
    for work, adcli_text, adcli_graph, x, call, make_casadi, make_jax in (
            (f"Hessian, extended Rosenbrock n = {n}", text, graph, point, adcli.hessian,
             casadi_hessian_function, jax_hessian),
            (f"Jacobian, Broyden tridiagonal n = {n}", system, system_graph, system_point,
             adcli.jacobian, casadi_jacobian_function, jax_jacobian)):
        one_shot = {"adcli": (lambda t=adcli_text, x=x, c=call: c(t, x).matrix)}
        repeated = {"adcli": (lambda g=adcli_graph, x=x, c=call: c(g, x).matrix)}
        if peers.available("casadi"):
            built = make_casadi(n)
            one_shot["casadi"] = lambda m=make_casadi, x=x: casadi_matrix_call(m(n), x)
            repeated["casadi"] = lambda b=built, x=x: casadi_matrix_call(b, x)
        if peers.available("jax"):
            jnp = peers._jax().numpy
            compiled = make_jax(n)
            device_x = jnp.asarray(x)
            # a new jit each one shot: tracing and compiling are part of it
            one_shot["jax"] = lambda m=make_jax, x=device_x: jax_matrix_call(m(n), x)
            repeated["jax"] = lambda c=compiled, x=device_x: jax_matrix_call(c, x)
        reference = np.asarray(call(adcli_text, x).matrix)
        cases.append((work, one_shot, repeated, reference))
    return cases


def goal_sparse(size):
    rounds = size["rounds"]
    peer_names = ["casadi", "jax"]
    notes = [f"{name}: {SKIP}" for name in peer_names if not peers.available(name)]
    rows, verdicts = [], []
    for n in SPARSE_SIZES:
        for work, one_shot, repeated, reference in sparse_cases(n):
            for functions in (one_shot, repeated):
                for label in list(functions):
                    error = float(abs(dense(functions[label]()) - reference).max()
                                  / (1.0 + abs(reference).max()))
                    if error > 1e-12:
                        notes.append(f"{work}, {label}: differs from adcli by {error:.1e}; "
                                     "dropped")
                        del functions[label]
            shot_times = interleaved(one_shot, rounds, min_time=0)
            call_times = interleaved(repeated, rounds)
            cells = [work]
            for label in ["adcli"] + peer_names:
                cells.append(f"{seconds(shot_times[label])} / {seconds(call_times[label])}"
                             if label in shot_times else "-")
            rows.append(cells)
            if "casadi" in shot_times:
                ratio = shot_times["adcli"] / shot_times["casadi"]
                target, word = verdict(ratio, ("<", 1))
                verdicts.append([f"{work}: one shot vs casadi build + call", f"{ratio:.3g}x",
                                 target, word])
                ratio = call_times["adcli"] / call_times["casadi"]
                target, word = verdict(ratio, ("<=", 20) if n == 1000 else None)
                verdicts.append([f"{work}: repeated vs casadi call", f"{ratio:.3g}x",
                                 target, word])
    print_table(f"Goal 8: sparse Hessians and Jacobians (issue 15), one shot / repeated call, "
                f"median of {rounds} interleaved rounds",
                ["work", "adcli", "casadi", "jax"], rows, [
                    "one shot: adcli.hessian(text, x) / adcli.jacobian(text, x) (parse, "
                    "pattern, colouring, sweep); casadi: SX graph + hessian/jacobian + "
                    "Function + call; jax: jit(hessian) / jit(jacfwd) traced, compiled, called",
                    "repeated: adcli on a graph parsed once; casadi's Function built once; "
                    "jax's jitted function compiled once; adcli's and jax's results are "
                    "dense numpy matrices, casadi's its sparse DM (not made dense)",
                    "jax: float64, vectorized (x[0::2], x[1::2]); the others on scalars"]
                + notes)
    print_table("Goal 8 verdicts", ["", "measured", "target", "verdict"], verdicts)
    print_verdict(8, verdicts, 3)


# --- goal 9: parsing throughput (issue 15) -------------------------------------------------

PARSE_SCRIPT = """\
import gc, json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import adcli
text_path, peer_path, rounds = sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(text_path, encoding="utf-8") as handle:
    text = handle.read()
with open(peer_path, encoding="utf-8") as handle:
    peer = handle.read()
times = {"adcli": [], "python": []}
for _ in range(rounds):
    for name, parse in (("adcli", lambda: adcli.parse(text)),
                        ("python", lambda: compile(peer, peer_path, "exec"))):
        gc.collect()
        start = time.perf_counter()
        result = parse()
        times[name].append(time.perf_counter() - start)
        del result
graph = adcli.parse(text)
try:  # trees before the loop in C have no precedence module
    from adcli.language import precedence
    loop = "C" if precedence.C_LOOP is not None else "Python"
except ImportError:
    loop = "LALR tables only"
print(json.dumps({"adcli": statistics.median(times["adcli"]), "loop": loop,
                  "python": statistics.median(times["python"]),
                  "nodes": len(graph.op_nodes), "variables": len(graph.variables)}))
"""

#: (label, text maker, n, target MB/s or None, environment): the dense one-line
#: sum (goal 5's file at full size too) and the laid-out program, sparser text
#: (comments, long names); the dense sum again with the common case's loop in
#: Python (no compiler at install)
PURE_PYTHON = {"ADCLI_PURE_PYTHON": "1"}
PARSE_TEXTS = (("dense, rosenbrock", generate.rosenbrock, "n", 1.0, {}),
               ("dense, goal 5's file", generate.rosenbrock, "memory", 1.0, {}),
               ("sparse, rosenbrock_program", generate.rosenbrock_program, "n", 1.5, {}),
               ("dense, rosenbrock, ADCLI_PURE_PYTHON=1", generate.rosenbrock, "n", None,
                PURE_PYTHON),
               ("sparse, ADCLI_PURE_PYTHON=1", generate.rosenbrock_program, "n", None,
                PURE_PYTHON))


def python_statements(text):
    """The same terms as Python statements, one a line: Python's own parser
    as the scale of goal 9.  (compile() of the whole sum as one expression
    fails: its nesting exceeds Python's recursion limit.)"""
    lines = text.replace(" + 100*", "\n100*").splitlines()
    return "\n".join(line.strip() for line in lines) + "\n"


def goal_parsing(size):
    """MB/s of adcli.parse (text to Graph, end to end) in a fresh process,
    next to compile() of the same terms, medians of interleaved rounds."""
    rows, notes = [], []
    for label, make, which, target, environment in PARSE_TEXTS:
        n = size["n"] * 10 if which == "n" else 2 * math.ceil(size["memory_nodes"] / 6)
        text = make(n)
        paths = []
        try:
            for content in (text, python_statements(text)):
                with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False,
                                                 encoding="utf-8") as handle:
                    handle.write(content)
                    paths.append(handle.name)
            rounds = 3 if len(text) > 4e6 else size["rounds"]
            done = subprocess.run([sys.executable, "-c", PARSE_SCRIPT, ROOT, *paths,
                                   str(rounds)], capture_output=True, text=True,
                                  env=dict(os.environ, **environment))
        finally:
            for path in paths:
                os.unlink(path)
        megabytes = len(text.encode("utf-8")) / 1e6
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or ["(no output)"]
            rows.append([f"{label}, n = {n}", f"{megabytes:.1f} MB", "failed", "-", "-",
                         *verdict(0.0, target and (">=", target), " MB/s")])
            notes.append(f"{label}: {lines[-1]}")
            continue
        report = json.loads(done.stdout)
        rate = megabytes / report["adcli"]
        target_text, word = verdict(rate, target and (">=", target), " MB/s")
        rows.append([f"{label}, n = {n}", f"{megabytes:.1f} MB", seconds(report["adcli"]),
                     f"{rate:.2f} MB/s", f"{megabytes / report['python']:.2f} MB/s",
                     target_text, word])
        notes.append(f"{label}: {report['nodes']:,} op nodes, {report['variables']:,} "
                     f"variables; {rounds} rounds; the common case's loop: {report['loop']}")
    notes.append("python: compile() of the same terms, one statement a line, in the same "
                 "process (the one-line sum exceeds Python's recursion limit)")
    print_table("Goal 9: parsing, text to Graph (adcli.parse), fresh process per text",
                ["", "text", "adcli", "adcli MB/s", "python MB/s", "target", "verdict"],
                rows, notes)
    print_verdict(9, rows, 6)


# --- main --------------------------------------------------------------------------------

GOALS = {1: goal_startup, 2: goal_one_shot, 3: goal_repeated, 4: goal_batch,
         5: goal_memory, 6: goal_minimize, 7: goal_arrays, 8: goal_sparse,
         9: goal_parsing}


def machine_line():
    versions = []
    for name in ("numpy", "casadi", "autograd", "sympy", "scipy", "torch", "jax"):
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    return (f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; "
            f"nproc {os.cpu_count()}; Python {platform.python_version()} "
            f"({platform.machine()}, {platform.system()}); "
            f"adcli tree {commit or 'not a git checkout'}; "
            + ", ".join(versions)
            + f"; {THREAD_VARIABLES[0]}={os.environ.get(THREAD_VARIABLES[0])}"
            + ("; PYTHONDONTWRITEBYTECODE unset for the fresh processes" if BYTECODE_UNSET
               else ""))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and fewer runs: a smoke test (< 60 s)")
    parser.add_argument("--goal", type=int, action="append", choices=sorted(GOALS),
                        help="run only this goal (repeatable)")
    parser.add_argument("--methods", nargs="?", const=",".join(ADCLI_METHODS), default="",
                        metavar="M1,M2",
                        help="goal 6: also run these adcli.minimize methods (all of "
                             f"{', '.join(ADCLI_METHODS)} when given alone)")
    parser.add_argument("--adcli", metavar="SCRIPT",
                        help="goals 1 and 7: the adcli console script to time (default: "
                             "the one beside this interpreter, else on PATH)")
    args = parser.parse_args(argv)
    global ADCLI_SCRIPT
    ADCLI_SCRIPT = args.adcli and os.path.abspath(args.adcli)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in ADCLI_METHODS]
    if unknown:
        parser.error(f"--methods: unknown {', '.join(unknown)}; "
                     f"choose from {', '.join(ADCLI_METHODS)}")
    size = dict(QUICK if args.quick else FULL, methods=methods)
    print(f"adcli benchmarks (issues 3, 12 and 15){' --quick' if args.quick else ''}")
    print(machine_line())
    for goal in args.goal or sorted(GOALS):
        GOALS[goal](size)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
