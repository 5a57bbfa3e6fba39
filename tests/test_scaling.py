"""Nothing quadratic (issue 10, items 9-13): each path is timed (or its
memory measured) at n and at 8n.  Linear work grows about 8x, quadratic
work 64x; the bound 24 leaves room for a noisy machine and for caches
without letting a quadratic path through.  The sizes take seconds on a
quadratic path and milliseconds on a linear one; no test asserts an
absolute time."""
import gc
import math
import time
import tracemalloc

import pytest

import adcli

#: t(8n) / t(n) stays below this for linear work (quadratic work gives about 64)
LINEAR = 24


def best_seconds(function, repeat=3, min_time=0.02):
    """Seconds per call: the fastest of repeat timings, each looping a fast
    function for at least min_time, the garbage collector kept out."""
    start = time.perf_counter()
    function()
    loops = max(1, math.ceil(min_time / max(time.perf_counter() - start, 1e-9)))
    best = math.inf
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(loops):
                function()
            best = min(best, (time.perf_counter() - start) / loops)
        finally:
            gc.enable()
    return best


def growth(prepare, n, repeat=3):
    """t(8n) / t(n), where prepare(size) does the set-up and returns the
    function to time."""
    small, large = prepare(n), prepare(8 * n)
    return best_seconds(large, repeat) / max(best_seconds(small, repeat), 1e-4)


def peak_growth(prepare, n):
    """Peak traced memory at 8n over that at n (prepare as for growth)."""
    peaks = []
    for size in (n, 8 * n):
        function = prepare(size)
        tracemalloc.start()
        try:
            function()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    return peaks[1] / peaks[0]


def sum_of_squares(n):
    return adcli.parse(" + ".join(f"x{k}*x{k}" for k in range(1, n + 1)))


# --- item 11: names are matched with dicts and sets, never lists -------------------------


def test_a_named_point_costs_about_what_a_list_costs():
    graph = sum_of_squares(10_000)
    listed = [1.0] * len(graph.variables)
    named = dict(zip(graph.variables, listed))
    adcli.grad(graph, listed)  # evaluation plans are built once, outside the timing
    assert adcli.grad(graph, named).gradient == adcli.grad(graph, listed).gradient
    ratio = best_seconds(lambda: adcli.grad(graph, named), 5) / best_seconds(
        lambda: adcli.grad(graph, listed), 5)
    assert ratio < 3


def test_a_named_point_scales_linearly():
    def prepare(n):
        graph = sum_of_squares(n)
        named = {name: 1.0 for name in reversed(graph.variables)}
        adcli.grad(graph, named)
        return lambda: adcli.grad(graph, named)

    assert growth(prepare, 2_500) < LINEAR


def test_a_named_batch_scales_linearly():
    import numpy as np

    def prepare(n):
        graph = sum_of_squares(n)
        named = {name: np.ones(2) for name in graph.variables}
        return lambda: adcli.grad(graph, named)

    assert growth(prepare, 1_000) < LINEAR


def test_a_variable_order_scales_linearly():
    def prepare(n):
        graph = sum_of_squares(n)
        order = list(reversed(graph.variables))
        return lambda: adcli.parse(graph, variables=order)

    assert growth(prepare, 2_500) < LINEAR


def test_a_variable_order_listing_a_name_twice_is_still_reported():
    with pytest.raises(adcli.ExpressionError, match="listed twice: x"):
        adcli.parse("x + y", variables=["x", "y", "x"])


def test_wrong_names_are_still_reported(run_cli):
    graph = sum_of_squares(3)
    with pytest.raises(adcli.PointError, match="x4 is not a variable"):
        adcli.grad(graph, {"x1": 1, "x2": 2, "x3": 3, "x4": 4})
    with pytest.raises(adcli.PointError, match="no value for x3"):
        adcli.grad(graph, {"x1": 1, "x2": 2})
    with pytest.raises(adcli.PointError, match="y is not a variable"):
        adcli.grad(graph, {"x1": 1, "x2": 2, "y": 3})  # the same count, one name wrong
    assert adcli.grad("x**2", {"x": 3}).gradient["x"] == 6


def test_a_points_header_scales_linearly(run_cli, tmp_path):
    def prepare(n):
        names = [f"x{k}" for k in range(1, n + 1)]
        expression = tmp_path / f"f{n}.txt"
        expression.write_text(" + ".join(names))
        table = tmp_path / f"points{n}.csv"
        table.write_text(",".join(reversed(names)) + "\n" + ",".join(["1"] * n) + "\n")

        def run():
            result = run_cli("grad", "-f", expression, "--points", table, "--format", "csv")
            assert result.exit_code == 0, result.stderr
        return run

    assert growth(prepare, 2_000, repeat=2) < LINEAR


def test_at_by_name_and_check_bindings_scale_linearly(run_cli, tmp_path):
    def prepare(n):
        names = [f"x{k}" for k in range(1, n + 1)]
        expression = tmp_path / f"f{n}.txt"
        expression.write_text(" + ".join(names))
        at = ",".join(f"{name}=1" for name in reversed(names))
        checked = tmp_path / f"f{n}.adx"
        checked.write_text(f"f = {' + '.join(names)}\ncheck f at "
                           + ", ".join(f"{name}=1" for name in names) + f": value {n}\n")

        def run():
            result = run_cli("grad", "-f", expression, "--at", at, "--format", "json")
            assert result.exit_code == 0, result.stderr
            result = run_cli("check", checked, "--format", "plain")
            assert result.exit_code == 0, result.stdout + result.stderr
        return run

    assert growth(prepare, 3_000, repeat=2) < LINEAR
