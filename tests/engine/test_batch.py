"""adcli.engine.batch: the batch sweep gives reverse.backward's bits with the
numpy namespace, never writes into an array it does not own, and keeps no
more memory than the gradient written by hand in numpy.
"""
import math
import random
import tracemalloc

import numpy as np
import pytest

import adcli
from adcli.engine import batch, dispatch, reverse, vectorized

from test_paths import OPS, assert_same_bits, random_points, random_program


def reference(graph, columns, seeds=None):
    """reverse.forward and reverse.backward with the numpy namespace."""
    with np.errstate(all="ignore"):
        values = reverse.forward(graph, columns, vectorized)
        return values, reverse.backward(graph, values, vectorized, seeds=seeds)


def as_columns(points):
    return [np.array(column, dtype=np.float64) for column in zip(*points)]


def full(item, count):
    return np.broadcast_to(np.asarray(item, dtype=np.float64), (count,))


@pytest.mark.parametrize("seed", range(16))
def test_random_programs_give_the_bits_of_reverse_backward(seed):
    rng = random.Random(500 + seed)
    graph = adcli.parse(random_program(rng, OPS, layers=4, width=8))
    points = random_points(rng, len(graph.variables), 64)
    columns = as_columns(points)
    before = [c.copy() for c in columns]
    expected_values, expected_adjoints = reference(graph, columns)
    with np.errstate(all="ignore"):
        values, adjoints = batch.values_and_adjoints(graph, columns)
    count = len(points)
    for node in graph.var_nodes:
        assert_same_bits(full(adjoints[node], count), full(expected_adjoints[node], count),
                         f"adjoint of {graph.variable_name(node)}")
    assert_same_bits(full(values[graph.output], count),
                     full(expected_values[graph.output], count), "output value")
    for column, copy in zip(columns, before):  # nothing written into the inputs
        assert_same_bits(column, copy, "input column")
    dropped = [n for n in graph.op_nodes if n != graph.output]
    assert all(values[n] is None and adjoints[n] is None for n in dropped)


@pytest.mark.parametrize("seed", range(6))
def test_every_value_kept_and_several_sweeps_give_the_same_bits(seed):
    """keep=None keeps every value; sweeps from several outputs reuse them
    without one sweep's in-place sums reaching the next."""
    rng = random.Random(900 + seed)
    graph = adcli.parse(random_program(rng, OPS, layers=3, width=6, variables=3, outputs=3))
    columns = as_columns(random_points(rng, len(graph.variables), 32))
    with np.errstate(all="ignore"):
        values = batch.forward(graph, columns)
        rows = batch.jacobian_rows(graph, values, graph.outputs, (32,))
    with np.errstate(all="ignore"):
        expected_values = reverse.forward(graph, columns, vectorized)
    for node in graph.op_nodes:
        assert_same_bits(full(values[node], 32), full(expected_values[node], 32), "value")
    for output, row in zip(graph.outputs, rows):
        _, expected = reference(graph, columns, seeds={output: 1.0})
        for node, entry in zip(graph.var_nodes, row):
            assert_same_bits(full(entry, 32), full(expected[node], 32), "Jacobian entry")


@pytest.mark.parametrize("text", [
    "x*y", "x*y + x", "x + x + y", "(x + y)*(x - y)", "exp(x)*exp(x)", "x - y - x*y",
    "sin(x)*exp(y) + x**2*y", "sin(x*y - y)", "cos(x + y + x*y)",
    "max(x, y, x*y) + min(x, -y)", "x", "2*x", "x*x*x*x", "x**1", "x**1*y + x",
    "(x*y)**2 + x**2", "y**3*x**0.5"])
def test_shared_and_aliased_arrays_are_never_overwritten(text):
    """Rules that return an argument (mul), the adjoint passed on (sums and
    differences), a node used twice: the sweep writes only into its own
    arrays, so inputs, kept values and every variable's adjoint stay right."""
    x, y = np.linspace(-2, 2, 41), np.linspace(0.5, 3, 41)
    graph = adcli.parse(text)
    columns = [x, y][:len(graph.variables)]
    copies = [c.copy() for c in columns]
    expected_values, expected_adjoints = reference(graph, columns)
    values, adjoints = dispatch.batch_values_and_adjoints(graph, columns)
    for node in graph.var_nodes:
        assert_same_bits(full(adjoints[node], 41), full(expected_adjoints[node], 41), text)
    assert_same_bits(full(values[graph.output], 41), full(expected_values[graph.output], 41),
                     text)
    for column, copy in zip(columns, copies):
        assert_same_bits(column, copy, f"{text}: input column")


def test_the_gradient_of_a_sum_of_products_matches_a_closed_form():
    x, y = np.linspace(-1, 1, 1001), np.linspace(2, -2, 1001)
    result = adcli.grad(adcli.parse("sin(x)*exp(y) + x**2*y"), {"x": x, "y": y})
    assert np.allclose(result.gradient["x"], np.cos(x) * np.exp(y) + 2 * x * y, rtol=1e-14)
    assert np.allclose(result.gradient["y"], np.sin(x) * np.exp(y) + x ** 2, rtol=1e-14)


def peak_bytes(function):
    tracemalloc.start()
    try:
        result = function()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def hand_written(x, y):
    sin_x, exp_y = np.sin(x), np.exp(y)
    return sin_x * exp_y + x ** 2 * y, np.cos(x) * exp_y + 2 * x * y, sin_x * exp_y + x ** 2


def test_the_batch_peak_is_at_most_the_hand_written_peak_plus_the_inputs():
    count = 200_000
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-1, 1, count), rng.uniform(-1, 1, count)
    graph = adcli.parse("sin(x)*exp(y) + x**2*y")
    adcli.grad(graph, {"x": x, "y": y})  # the plan is built once, outside the peak
    ours, _ = peak_bytes(lambda: adcli.grad(graph, {"x": x, "y": y}))
    theirs, _ = peak_bytes(lambda: hand_written(x, y))
    assert ours <= theirs + x.nbytes + y.nbytes, (ours, theirs)


def test_a_long_chain_drops_each_adjoint_once_passed_on():
    """The backward sweep of a 60-node chain holds a few arrays beyond the
    forward values, not one per node."""
    count = 100_000
    x = np.linspace(0.1, 0.9, count)
    graph = adcli.parse("+".join(["x"] * 1) + "".join(["*1.0001 + 0.25*x"] * 30))
    values = batch.forward(graph, [x])
    array_bytes = x.nbytes
    peak, adjoints = peak_bytes(
        lambda: batch.backward(graph, values, {graph.output: 1.0}, (count,), set()))
    assert peak <= 6 * array_bytes, peak / array_bytes
    expected = reference(graph, [x])[1][graph.var_nodes[0]]
    assert_same_bits(full(adjoints[graph.var_nodes[0]], count), full(expected, count), "chain")


def test_off_cpython_nothing_is_taken_as_fresh(monkeypatch):
    monkeypatch.setattr(batch, "FRESH", None)
    x, y = np.linspace(-2, 2, 9), np.linspace(1, 2, 9)
    graph = adcli.parse("sin(x)*exp(y) + x**2*y")
    _, expected = reference(graph, [x, y])
    _, adjoints = batch.values_and_adjoints(graph, [x, y])
    for node in graph.var_nodes:
        assert_same_bits(adjoints[node], expected[node], "no refcounts")
    assert not math.isnan(batch.FRESH or 0.0)


@pytest.mark.parametrize("text", ["sin(x) + cos(x)", "sin(x)*cos(x)", "cos(x)*sin(x)",
                                  "sin(sin(x))*cos(x*y)", "sin(x) + sin(y)*cos(y)"])
def test_a_sine_shares_its_cosine_with_the_rule_that_asks_for_it(text):
    x, y = np.linspace(-3, 3, 61), np.linspace(0.5, 2, 61)
    graph = adcli.parse(text)
    columns = [x, y][:len(graph.variables)]
    _, expected = reference(graph, columns)
    _, adjoints = batch.values_and_adjoints(graph, columns)
    for node in graph.var_nodes:
        assert_same_bits(full(adjoints[node], 61), full(expected[node], 61), text)


def test_a_kept_cosine_never_outlives_its_sweep():
    """A cosine kept by one sweep is not handed to the next, though the
    caller changed the array in place between the calls."""
    x = np.linspace(-1, 1, 50)
    graph = adcli.parse("sin(x)")
    space = batch.sweep_namespace()
    space.sin(x)
    x *= 2.0  # the same array object, new values
    fresh_space = batch.sweep_namespace()
    assert_same_bits(fresh_space.cos(x), np.cos(x), "another sweep's cos")
    result = adcli.grad(graph, {"x": x})
    assert_same_bits(result.gradient["x"], [math.cos(v) for v in x.tolist()], "gradient")
    assert_same_bits(space.cos(x[:10].copy()), np.cos(x[:10]), "another array's cos")


def test_the_sweep_takes_x_to_the_first_power_as_x_itself():
    x = np.array([-0.0, 0.0, 5e-324, -2.5, np.inf, np.nan, 1e300])
    space = batch.sweep_namespace()
    assert space.power(x, 1.0) is x
    with np.errstate(all="ignore"):
        assert_same_bits(space.power(x, 1.0), vectorized.power(x, 1.0), "x**1")
        for exponent in (2.0, 0.5, -1.0, 3.0):
            assert_same_bits(space.power(x, exponent), vectorized.power(x, exponent), "x**y")
