"""The array interpreter (adcli/engine/arrays.py) beside hand-written numpy,
on issue 12's rows, before the language knows arrays (graphs built by hand):

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 bench/arrays_core.py [--quick]

Value and gradient per call (arrays.value_and_gradient), in ms; the
gradient of the least-squares rows with respect to x alone (wrt=["x"]);
peak traced memory of the n = 10^6 Rosenbrock gradient (also with every
value kept: forward, then gradient); then one hvp against one gradient and
dense Hessians (engine/array_second.py).  autograd's column appears when it
is installed.
When the language parses arrays, these rows move into bench/run.py.
"""
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from adcli import ops  # noqa: E402
from adcli.engine import array_second, arrays  # noqa: E402
from adcli.language.parser import new_builder  # noqa: E402

ARRAY, TABLE, SPAN = ops.ARRAY_TABLE, ops.TABLE, (0, 1)


def least_squares_graph():
    b = new_builder("sum((A @ x - b)**2)")
    A, x, y = (b.variable(name, SPAN) for name in ("A", "x", "b"))
    r = b.apply(TABLE["sub"], (b.apply(ARRAY["matmul"], (A, x), SPAN), y), SPAN)
    out = b.apply(ARRAY["sum"], (b.apply(TABLE["mul"], (r, r), SPAN),), SPAN)
    b.expressions.append((out, 0, 1))
    return b.build()


def rosenbrock_graph():
    b = new_builder("sum(100*(x[1:]-x[:-1]**2)**2 + (1-x[:-1])**2)")
    x = b.variable("x", SPAN)
    head = b.apply(ops.with_params(ARRAY["index"], index=(slice(None, -1),)), (x,), SPAN)
    tail = b.apply(ops.with_params(ARRAY["index"], index=(slice(1, None),)), (x,), SPAN)

    def square(n):
        return b.apply(TABLE["mul"], (n, n), SPAN)

    t = b.apply(TABLE["sub"], (tail, square(head)), SPAN)
    first = b.apply(TABLE["mul"], (b.constant(100.0, SPAN), square(t)), SPAN)
    second = square(b.apply(TABLE["sub"], (b.constant(1.0, SPAN), head), SPAN))
    out = b.apply(ARRAY["sum"], (b.apply(TABLE["add"], (first, second), SPAN),), SPAN)
    b.expressions.append((out, 0, 1))
    return b.build()


def per_call_ms(f, calls):
    f()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e3


def adcli_call(graph, point, wrt=None):
    """Value and gradient the lean way (values dropped after their last use)."""
    return arrays.value_and_gradient(graph, point, wrt)


def adcli_kept_call(graph, point, wrt=None):
    """forward, then gradient: every value kept (what first_nonfinite needs)."""
    values = arrays.forward(graph, point)
    return values[graph.output], arrays.gradient(graph, values, wrt)


def peers():
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    return autograd, anp


def main(quick):
    rng = np.random.default_rng(0)
    found = peers()
    print(f"{'work':<34} {'hand':>9} {'adcli':>9} {'ratio':>6}"
          + (f" {'autograd':>9}" if found else "  (autograd not installed)"))
    graph = least_squares_graph()
    for n in (100, 1000):
        A, x, b = rng.standard_normal((n, n)), rng.standard_normal(n), rng.standard_normal(n)

        def hand():
            r = A @ x - b
            return r @ r, 2.0 * (A.T @ r)

        calls = (200 if quick else 2000) if n == 100 else (10 if quick else 50)
        row = [per_call_ms(hand, calls),
               per_call_ms(lambda: adcli_call(graph, [A, b, x], ["x"]), calls)]
        if found:
            autograd, anp = found
            grad = autograd.value_and_grad(lambda x: anp.sum((anp.dot(A, x) - b) ** 2))
            row.append(per_call_ms(lambda: grad(x), calls))
        show(f"sum((A@x-b)**2), A {n} x {n}", row)
    graph = rosenbrock_graph()
    for n in (10**4, 10**5 if quick else 10**6):
        x = rng.uniform(-1.0, 1.0, n)

        def hand():
            t = x[1:] - x[:-1] ** 2
            value = np.sum(100.0 * t * t + (1.0 - x[:-1]) ** 2)
            g = np.zeros(n)
            g[:-1] = -400.0 * x[:-1] * t - 2.0 * (1.0 - x[:-1])
            g[1:] += 200.0 * t
            return value, g

        calls = 200 if n == 10**4 else 5
        row = [per_call_ms(hand, calls), per_call_ms(lambda: adcli_call(graph, [x]), calls)]
        if found:
            autograd, anp = found
            grad = autograd.value_and_grad(lambda x: anp.sum(
                100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))
            row.append(per_call_ms(lambda: grad(x), calls))
        show(f"slice-form Rosenbrock, n = {n}", row)
        if n == 10**6:
            for name, f in (("hand", hand), ("adcli", lambda: adcli_call(graph, [x])),
                            ("adcli, values kept", lambda: adcli_kept_call(graph, [x]))):
                tracemalloc.start()
                f()
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                print(f"  peak memory, {name}: {peak / 1e6:.0f} MB")
    second_order(graph, rng, quick)


def second_order(graph, rng, quick):
    """Exact second derivatives (engine/array_second.py), slice-form
    Rosenbrock: one hvp against one gradient, a dense Hessian in ms."""
    x = rng.uniform(-1.0, 1.0, 10**4)
    values = arrays.forward(graph, [x])
    grad = per_call_ms(lambda: arrays.gradient(graph, values), 20)
    hvp = per_call_ms(lambda: array_second.hvp(graph, values, [x]), 20)
    print(f"{'hvp / gradient, n = 10000':<34} {grad:9.4f} {hvp:9.4f} {hvp / grad:6.2f}")
    for n in (100, 1000) if quick else (100, 1000, 3000):
        x = rng.uniform(-1.0, 1.0, n)
        values = arrays.forward(graph, [x])
        start = time.perf_counter()
        array_second.hessian(graph, values)
        print(f"  dense Hessian, n = {n}: {(time.perf_counter() - start) * 1e3:.1f} ms")


def show(work, row):
    extra = f" {row[2]:9.4f}" if len(row) > 2 else ""
    print(f"{work:<34} {row[0]:9.4f} {row[1]:9.4f} {row[1] / row[0]:6.2f}{extra}")


if __name__ == "__main__":
    main("--quick" in sys.argv)
