"""Nothing quadratic (issue 10, items 9-13): each path is timed (or its
memory measured) at n and at 8n.  Linear work grows about 8x, quadratic
work 64x; the bound 24 leaves room for a noisy machine and for caches
without letting a quadratic path through.  The sizes take seconds on a
quadratic path and milliseconds on a linear one; no test asserts an
absolute time."""
import gc
import io
import json
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


def test_named_values_of_every_kind_are_still_told_apart():
    """A named point's batch test sums its values first: arrays, numpy
    scalars, text and a mix of scalars and arrays keep their meaning."""
    import numpy as np

    batch = adcli.grad("x*y", {"x": 2.0, "y": np.array([1.0, 3.0])})
    assert batch.value.tolist() == [2.0, 6.0] and batch.gradient["x"].tolist() == [1.0, 3.0]
    assert len(adcli.grad("x*y", {"x": 2.0, "y": np.array([3.0])}).value) == 1
    for point in ({"x": "2", "y": 3}, {"x": np.float64(2), "y": 3}, {"y": 3, "x": 2.0}):
        result = adcli.grad("x*y", point)
        assert result.value == 6.0 and result.gradient == {"x": 3.0, "y": 2.0}
        assert all(type(v) is float for v in result.point.values())
    with pytest.raises(adcli.PointError, match="not a finite number|not finite"):
        adcli.grad("x*y", {"x": 1e308, "y": float("inf")})
    assert adcli.grad("x + y", {"x": 1e308, "y": 1e308}, allow_nonfinite=True).value == math.inf


def test_a_batch_is_told_finite_by_its_sum_without_being_fooled():
    """points.all_finite sums first: a sum that overflows on finite entries
    is looked at entry by entry; an inf or nan anywhere is found."""
    import numpy as np

    from adcli import points

    big = np.array([1e308, 1e308, -1e308])
    assert points.all_finite(np, [big]) and points.all_finite(np, [big, big])
    for bad in (np.inf, -np.inf, np.nan):
        column = np.ones(1000)
        column[617] = bad
        assert not points.all_finite(np, [big, column])
    batch = adcli.grad("x*y", {"x": np.array([1e308, 2.0]), "y": np.array([1e308, 1.0])},
                       allow_nonfinite=True)
    assert batch.failed_rows == [0]  # the product overflows in row 1 only
    with pytest.raises(adcli.PointError, match="not a finite number"):
        adcli.grad("x*y", {"x": np.array([1.0, np.nan]), "y": np.array([1.0, 1.0])})


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


def test_a_long_number_that_fails_to_read_is_rejected_in_linear_time():
    """The grammar's NUMBER once split a run of digits two ways ([0-9]+ then
    [0-9]*), so a long run followed by a letter backtracked quadratically
    (40,000 digits took 39 s)."""
    from adcli import points
    from adcli.errors import PointError

    def prepare(n):
        text = "1" * n + "x"

        def read():
            with pytest.raises(PointError):
                points.number(text, "x")
        return read

    assert growth(prepare, 5_000) < LINEAR


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

    assert growth(prepare, 2_000, repeat=1) < LINEAR


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

    assert growth(prepare, 3_000, repeat=1) < LINEAR


# --- item 10: explain and graph ----------------------------------------------------------


def nested_sines(n):
    return "sin(" * n + "x" + ")" * n


def chain_of_sums(n):
    """A program of n lines, each adding a new input: n inputs whose paths
    to the output hold n**2/2 nodes together."""
    lines = ["s1 = sin(x1)"] + [f"s{k} = s{k - 1} + sin(x{k})" for k in range(2, n + 1)]
    return "\n".join(lines + [f"s{n}"])


def test_explain_of_a_long_chain_scales_linearly(run_cli):
    def prepare(n):
        text = nested_sines(n)

        def run():
            result = run_cli("explain", "-", "--at", "0.5", "--format", "plain", input=text)
            assert result.exit_code == 0, result.stderr
        return run

    assert growth(prepare, 2_000, repeat=1) < LINEAR


def test_the_path_of_a_long_chain_is_still_listed_whole():
    from adcli.tools import explain

    (entry,) = explain.explain(nested_sines(3_000), [0.5]).paths
    trail, edges, product = entry.paths[0]
    assert entry.count == 1 and len(trail) == 3_001 and len(edges) == 3_000
    assert trail[0] == "v1" and trail[-1] == "v3001"
    assert product == math.prod(e.partial for e in edges)
    assert product == pytest.approx(entry.total, rel=1e-12)


def test_graph_and_explain_of_a_program_with_many_inputs_scale_linearly(run_cli):
    def prepare(n):
        text, at = chain_of_sums(n), ",".join(["0.5"] * n)

        def run():
            for command in (("graph", "--format", "dot"), ("explain", "--format", "json")):
                result = run_cli(command[0], "-", "--at", at, *command[1:], input=text)
                assert result.exit_code == 0, result.stderr
        return run

    assert growth(prepare, 150, repeat=1) < LINEAR


def test_paths_beyond_the_size_bound_are_counted_and_said_not_listed(run_cli):
    from adcli.tools import explain

    n = 200  # paths of 200 + 199 + ... nodes: 20,100 in all, over the bound of 10,000
    result = explain.explain(chain_of_sums(n), [0.5] * n)
    listed = [entry for entry in result.paths if entry.paths]
    assert 0 < len(listed) < n
    assert sum(len(trail) for entry in listed for trail, _, _ in entry.paths) <= 10_000
    assert all(entry.count == 1 and "too long" in entry.unlisted
               for entry in result.paths if not entry.paths)
    text = run_cli("explain", "-", "--at", ",".join(["0.5"] * n), "--format", "plain",
                   input=chain_of_sums(n)).stdout
    assert f"# x{n}: 1 path, too long to list" in text
    document = json.loads(run_cli("explain", "-", "--at", ",".join(["0.5"] * n), "--format",
                                  "json", input=chain_of_sums(n)).stdout)
    assert document["paths"][0]["unlisted"] == "" and document["paths"][0]["paths"]
    assert document["paths"][-1]["unlisted"].startswith("too long to list")


def test_path_counts_saturate_instead_of_growing_without_bound(run_cli):
    """A graph doubling its paths at each of n nodes would carry n-bit counts."""
    from adcli.tools import explain

    text = "\n".join(["a1 = x + x"] + [f"a{k} = a{k - 1} + a{k - 1}" for k in range(2, 100)])
    (entry,) = explain.explain(text, [1.0]).paths
    assert entry.count == explain.MAX_COUNT == 2 ** 53 and entry.paths == []
    assert entry.total == 2.0 ** 99
    plain = run_cli("explain", "-", "--at", "1", "--format", "plain", input=text).stdout
    assert f"# x: at least {2 ** 53} paths, too many to list" in plain


def test_a_node_used_many_times_explains_in_linear_time(run_cli):
    def prepare(n):
        text = " + ".join(f"sin({k}*x)" for k in range(1, n + 1))

        def run():
            result = run_cli("explain", "-", "--at", "0.5", "--format", "plain",
                             "--max-rows", 10 ** 6, input=text)
            assert result.exit_code == 0, result.stderr
        return run

    assert growth(prepare, 500, repeat=1) < LINEAR


def test_graph_with_a_large_max_nodes_scales_linearly(run_cli):
    def prepare(n):
        text = nested_sines(n)

        def run():
            result = run_cli("graph", "-", "--at", "0.5", "--max-nodes", n // 2, input=text)
            assert result.exit_code == 0, result.stderr
            assert f"{n + 1 - n // 2} earlier nodes collapsed" in result.stdout
        return run

    assert growth(prepare, 2_000, repeat=1) < LINEAR


# --- item 9: the trace keeps spans, not the nested texts ----------------------------------


def test_the_trace_of_a_long_chain_takes_linear_memory():
    def prepare(n):
        result = adcli.grad(nested_sines(n), [0.5])
        return lambda: result.trace

    assert peak_growth(prepare, 1_000) < LINEAR


def test_the_json_trace_of_a_long_chain_is_linear_in_size(run_cli):
    sizes = []
    for n in (500, 4_000):
        result = run_cli("grad", "-", "--at", "0.5", "--trace", "--format", "json",
                         input=nested_sines(n))
        assert result.exit_code == 0, result.stderr
        sizes.append(len(result.stdout))
    assert sizes[1] / sizes[0] < LINEAR
    document = json.loads(result.stdout)
    text = document["expression"]
    for row in document["trace"]:
        start, end = row["span"]
        whole = text[start:end]
        assert row["source"] == whole or (len(row["source"]) == 59 and "…" in row["source"]
                                          and whole.startswith(row["source"][:29])
                                          and whole.endswith(row["source"][-29:]))
    assert document["trace"][-1]["source"] == text[:29] + "…" + text[-29:]


def test_a_trace_row_gives_its_whole_source_when_asked():
    result = adcli.grad("  sin(x) * (x + 1)", [0.5])
    assert [row.source for row in result.trace] == ["x", "sin(x)", "x + 1", "sin(x) * (x + 1)"]
    assert result.trace[-1].as_dict()["source"] == "sin(x) * (x + 1)"
    long = adcli.grad(nested_sines(100), [0.5]).trace[-1]
    assert long.source == nested_sines(100)
    assert long.source_excerpt() == long.as_dict()["source"] == (
        nested_sines(100)[:29] + "…" + nested_sines(100)[-29:])


# --- item 12: minimize keeps no iteration records -------------------------------------------


def _minimize_peak(run_cli, iterations):
    """Peak traced memory of `adcli minimize` running this many gd iterations
    on 50 variables (a step too short to converge)."""
    names = [f"x{k}" for k in range(1, 51)]
    text = " + ".join(f"({name} - 1)**2" for name in names)
    tracemalloc.start()
    try:
        result = run_cli("minimize", text, "--from", ",".join(["0"] * 50), "--method", "gd",
                         "--lr", "1e-9", "--max-iter", iterations, "--format", "json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 4, result.stderr
    return peak


def test_minimize_memory_does_not_grow_with_iterations(run_cli):
    """An Iteration record holds x: 50 floats, about 1.7 KB an iteration."""
    _minimize_peak(run_cli, 1)  # imports and one-off set-up, outside the measure
    small, large = _minimize_peak(run_cli, 150), _minimize_peak(run_cli, 1_200)
    assert (large - small) / 1_050 < 100  # bytes per iteration


def test_the_plot_history_keeps_f_and_the_gradient_norm_only():
    from array import array

    from adcli.tools.optimize import History

    history = History(keep_path=True)
    result = adcli.minimize("(x - 3)**2 + (y + 1)**2", [0, 0], method="gd", lr=0.1,
                            callback=history.record)
    assert len(history) == result.iterations + 1
    assert all(isinstance(a, array) for a in (history.values, history.gradient_norms,
                                               *history.path))
    records = list(history)
    assert [r.iteration for r in records] == list(range(len(history)))
    assert records[0].x == (0.0, 0.0) and records[0].value == 10.0
    assert records[-1].value == result.value
    assert list(History())[:1] == []


# --- item 13: long tables show their first and last rows and columns ----------------------


def test_a_long_batch_table_takes_linear_time_and_says_what_it_leaves_out(run_cli, tmp_path):
    def prepare(n):
        table = tmp_path / f"points{n}.csv"
        table.write_text("x,y\n" + "".join(f"{k},2\n" for k in range(n)))

        def run():
            result = run_cli("grad", "x*y", "--points", table, "--format", "table")
            assert result.exit_code == 0, result.stderr
            return result.stdout
        return run

    assert growth(prepare, 1_000, repeat=1) < LINEAR
    text = prepare(1_000)()
    assert ("900 of 1,000 rows not shown: --format plain, csv or json prints them all"
            in " ".join(text.split()))
    rows = [line.split() for line in text.splitlines()
            if line.strip() and line.strip()[0] in "0123456789…" and "shown" not in line]
    assert rows[0] == ["0", "2", "0", "2", "0"] and rows[50] == ["…"] * 5
    assert rows[-1] == ["999", "2", "1998", "2", "999"] and len(rows) == 101


@pytest.mark.parametrize("command", [("grad", "--at"), ("hessian", "--at"),
                                     ("jacobian", "--at"), ("minimize", "--from"),
                                     ("grad", "--trace", "--at")])
def test_tables_of_many_variables_take_linear_time(run_cli, command):
    """10,000 variables: the gradient, the x of minimize and the trace list
    one row per variable; the Hessian and Jacobian one column per variable."""
    def prepare(n):
        text = " + ".join(f"x{k}*x{k + 1}" for k in range(1, n))
        at = ",".join(["1"] * n)

        def run():
            extra = ("--max-iter", "0") if command[0] == "minimize" else ()
            result = run_cli(*command[:-1], text, command[-1], at, "--format", "table", *extra)
            assert result.exit_code in (0, 4), result.stderr
            assert "not shown: --format plain, csv or json prints them all" in " ".join(
                result.stdout.split())
        return run

    assert growth(prepare, 100 if command[0] == "hessian" else 400, repeat=1) < LINEAR


def test_a_summarized_matrix_keeps_its_corners():
    from adcli.cli.views import hessian
    from rich.console import Console

    n = 30
    result = adcli.hessian(" + ".join(f"{k}*x{k}**2" for k in range(1, n + 1)), [1.0] * n)
    out = io.StringIO()
    Console(file=out, width=400, color_system=None).print(*hessian.tables(result))
    lines = out.getvalue().splitlines()
    header = next(line.split() for line in lines if "∂/∂x1" in line)
    assert header == ["gradient"] + [f"∂/∂x{k}" for k in range(1, 9)] + ["…"] + [
        f"∂/∂x{k}" for k in range(23, 31)]
    x30 = next(line.split() for line in lines if line.split()[:1] == ["x30"])
    assert x30 == ["x30", "60"] + ["0"] * 8 + ["…"] + ["0"] * 7 + ["60"]
    assert "14 of 30 columns not shown" in out.getvalue()


def test_the_explain_table_of_a_long_chain_is_bounded(run_cli):
    """--max-rows bounds the rows; the path through every node is one cell,
    shortened in the middle."""
    sizes = []
    for n in (1_000, 8_000):
        result = run_cli("explain", "-", "--at", "0.5", "--format", "table", input=nested_sines(n))
        assert result.exit_code == 0, result.stderr
        sizes.append(len(result.stdout))
    assert sizes[1] < 1.5 * sizes[0]
    text = " ".join(result.stdout.split())
    assert "x v1 -> v2 -> v3 -> v4" in text
    assert "cells over 1,000 characters are shortened in the middle (…)" in text


def test_a_summarized_sparsity_pattern_counts_its_rows(run_cli):
    n = 150
    text = ";".join(f"x{k}*x{k + 1}" for k in range(1, n))
    out = run_cli("jacobian", text, "--at", ",".join(["1"] * n), "--sparsity",
                  "--format", "table").stdout
    assert "49 of 149 rows and 134 of 150 columns not shown" in " ".join(out.split())
