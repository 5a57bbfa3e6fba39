"""Every evaluation path gives the same bits (issue 10).

adcli evaluates a graph three ways: the scalar loop (one point, Python
floats), the numpy batch (many points, one numpy call per node) and level by
level (one point of a large graph, one numpy call per group of nodes).  On
random programs built from the op table, with shared subexpressions, signed
zeros among the constants and the inputs, and sizes small and large enough
for adcli.grad to choose each path, all three must agree to the last bit:
values, adjoints, gradients and Jacobians, -0.0 apart from 0.0 (any NaN
equals any NaN); the Hessian's gradient has the bits of adcli.grad.
"""
import json
import math
import random
import warnings

import numpy as np
import pytest

import adcli
from adcli.engine import dispatch, levels, reverse, scalar, vectorized
from adcli import ops
from conftest import expression_for

OPS = sorted(ops.TABLE.values(), key=lambda op: op.name)

#: constants as a user writes them: both zeros, tiny, huge, and ones that
#: repeat so some groups get the same constant in every node (a fixed slot)
CONSTANTS = ["0", "(-0)", "1", "(-1)", "2", "0.5", "(-2.5)", "3", "1e-300", "(-1e300)", "pi"]

#: input values: both zeros, subnormal, huge, at kinks, and ordinary ones
SPECIAL_INPUTS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, 5e-324, -1e-310, 1e300, -1e300,
                  math.pi, 0.999999]


def bits(values):
    """Each float64 as its IEEE bits, every NaN alike: -0.0 differs from 0.0."""
    array = np.array(values, dtype=np.float64)
    raw = array.view(np.int64).copy()
    raw[np.isnan(array)] = 0x7FF8000000000000
    return raw


def assert_same_bits(actual, expected, what):
    actual_bits, expected_bits = bits(actual), bits(expected)
    differ = np.flatnonzero(actual_bits != expected_bits)
    assert differ.size == 0, (
        f"{what}: {differ.size} of {expected_bits.size} differ, first at {differ[0]}: "
        f"{np.ravel(actual)[differ[0]]!r} against {np.ravel(expected)[differ[0]]!r}")


# --- random programs -----------------------------------------------------------------


def random_program(rng, ops_, layers, width, variables=4, outputs=1):
    """A program of definitions in layers: each node applies an op to nodes of
    earlier layers (mostly the previous one, so the graph is wide and shallow),
    variables or constants; names are shared, so many nodes have several
    consumers.  The outputs sum the nodes nothing else uses."""
    names = [f"x{k}" for k in range(1, variables + 1)]
    lines, previous, used, defined = [], list(names), set(), []
    for layer in range(layers):
        current = []
        for k in range(width):
            op = rng.choice(ops_)
            count = op.nargs or rng.randint(2, 4)
            args = [_argument(rng, previous, names, defined) for _ in range(count)]
            used.update(args)
            name = f"t{layer}_{k}"
            lines.append(f"{name} = {expression_for(op, args)}")
            current.append(name)
        defined += current
        previous = current
    sinks = [name for name in defined if name not in used]
    rng.shuffle(sinks)
    for k in range(outputs):
        share = sinks[k::outputs] or [defined[-1 - k]]
        lines.append(" + ".join(share + [names[k % len(names)]]))
    return "\n".join(lines)


def _argument(rng, previous, names, defined):
    roll = rng.random()
    if roll < 0.2:
        return rng.choice(CONSTANTS)
    if roll < 0.35:
        return rng.choice(names)
    if roll < 0.45 and defined:
        return rng.choice(defined)
    return rng.choice(previous)


def random_points(rng, variables, count):
    return [[rng.choice(SPECIAL_INPUTS) if rng.random() < 0.4 else rng.uniform(-3, 3)
             for _ in range(variables)] for _ in range(count)]


def _op_subset(seed, size=8):
    """Ops for one large graph: consecutive slices of the table, so that the
    seeds together cover every op."""
    start = seed * size % len(OPS)
    return [OPS[(start + k) % len(OPS)] for k in range(size)]


#: enough seeds that every op lands in some large graph, twice over
LARGE_SEEDS = range(2 * math.ceil(len(OPS) / 8))


def test_large_seeds_cover_every_op():
    covered = {op.name for seed in LARGE_SEEDS for op in _op_subset(seed)}
    assert covered == set(ops.TABLE)


# --- the three evaluators ----------------------------------------------------------------


def scalar_loop(graph, point):
    values = reverse.forward(graph, point)
    return values, reverse.backward(graph, values)


def level_by_level(graph, point):
    plan = levels.plan(graph)
    values, gathered = levels.forward(plan, point)
    return values, levels.backward(plan, values, gathered)


def batch(graph, points):
    columns = [np.array(column, dtype=np.float64) for column in zip(*points)]
    with np.errstate(all="ignore"):
        values = reverse.forward(graph, columns, vectorized)
        adjoints = reverse.backward(graph, values, vectorized)
    count = len(points)
    as_rows = lambda items: np.stack(  # noqa: E731
        [np.broadcast_to(np.asarray(v, dtype=np.float64), (count,)) for v in items], axis=1)
    return as_rows(values), as_rows(adjoints)


def assert_paths_agree(graph, points):
    """Values of every op node and adjoints of every op and variable node,
    scalar loop against levels and against the batch, point by point."""
    ops_, differentiated = graph.op_nodes, graph.var_nodes + graph.op_nodes
    batch_values, batch_adjoints = batch(graph, points)
    for row, point in enumerate(points):
        values, adjoints = scalar_loop(graph, point)
        expected_values = [values[n] for n in ops_]
        expected_adjoints = [adjoints[n] for n in differentiated]
        level_values, level_adjoints = level_by_level(graph, point)
        assert_same_bits(level_values[ops_], expected_values, f"levels values at {point}")
        assert_same_bits(level_adjoints[differentiated], expected_adjoints,
                         f"levels adjoints at {point}")
        assert_same_bits(batch_values[row][ops_], expected_values, f"batch values at {point}")
        assert_same_bits(batch_adjoints[row][differentiated], expected_adjoints,
                         f"batch adjoints at {point}")


def assert_api_agrees(graph, points):
    """adcli.grad at each point (the path it picks) against adcli.grad on
    the batch."""
    result = adcli.grad(graph, np.array(points), allow_nonfinite=True)
    for row, point in enumerate(points):
        one = adcli.grad(graph, point, allow_nonfinite=True)
        assert_same_bits(result.value[row], one.value, f"grad value at {point}")
        assert_same_bits([result.gradient[v][row] for v in graph.variables],
                         [one.gradient[v] for v in graph.variables], f"gradient at {point}")


@pytest.mark.parametrize("seed", range(12))
def test_small_random_programs_give_the_same_bits_on_every_path(seed):
    rng = random.Random(seed)
    graph = adcli.parse(random_program(rng, OPS, layers=3, width=6))
    assert not dispatch.levels_pay(graph)  # adcli.grad takes the scalar loop
    points = random_points(rng, len(graph.variables), 12)
    assert_paths_agree(graph, points)
    assert_api_agrees(graph, points)


@pytest.mark.parametrize("seed", LARGE_SEEDS)
def test_large_random_programs_give_the_same_bits_on_every_path(seed):
    rng = random.Random(1000 + seed)
    graph = adcli.parse(random_program(rng, _op_subset(seed), layers=6, width=900,
                                       variables=16))
    assert len(graph.op_nodes) >= dispatch.MIN_OP_NODES
    assert dispatch.levels_pay(graph)  # adcli.grad takes the levels
    points = random_points(rng, len(graph.variables), 4)
    assert_paths_agree(graph, points)
    assert_api_agrees(graph, points)


@pytest.mark.parametrize("constant", CONSTANTS)
def test_a_constant_shared_by_a_whole_group_gives_the_same_bits(constant):
    """levels.py passes a constant that every node of a group has in one slot
    as a Python float (x**2 for 40 variables: numpy's scalar fast paths)."""
    binary = [op for op in OPS if op.nargs == 2 or op.variadic]
    terms = [expression_for(op, [f"x{k}", constant][::order])
             for op in binary for order in (1, -1) for k in range(1, 41)]
    graph = adcli.parse(" + ".join(terms))
    plan = levels.plan(graph)
    assert sum(any(fixed is not None for fixed in group.fixed) for group in plan.groups) >= 10
    rng = random.Random(constant)
    assert_paths_agree(graph, random_points(rng, len(graph.variables), 4))


def test_random_programs_are_mostly_finite():
    """The programs exercise the rules, not only NaN: most values are finite."""
    rng = random.Random(7)
    finite = total = 0
    for seed in LARGE_SEEDS:
        graph = adcli.parse(random_program(rng, _op_subset(seed), layers=6, width=900,
                                           variables=16))
        values, _ = scalar_loop(graph, random_points(rng, len(graph.variables), 1)[0])
        finite += sum(math.isfinite(values[n]) for n in graph.op_nodes)
        total += len(graph.op_nodes)
    assert finite > 0.5 * total


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobians_give_the_same_bits_at_a_point_and_in_a_batch(seed, mode):
    rng = random.Random(100 + seed)
    graph = adcli.parse(random_program(rng, OPS, layers=3, width=6, variables=3, outputs=3))
    points = random_points(rng, len(graph.variables), 8)
    in_batch = adcli.jacobian(graph, np.array(points), mode=mode, allow_nonfinite=True)
    for row, point in enumerate(points):
        one = adcli.jacobian(graph, point, mode=mode, allow_nonfinite=True)
        assert_same_bits(in_batch.values[row], list(one.values.values()), f"values at {point}")
        assert_same_bits(in_batch.matrices[row], one.matrix, f"{mode} Jacobian at {point}")


@pytest.mark.parametrize("seed", range(6))
def test_the_hessian_gradient_has_the_bits_of_grad(seed):
    rng = random.Random(200 + seed)
    graph = adcli.parse(random_program(rng, [op for op in OPS if op.second is not None],
                                       layers=3, width=6, variables=3))
    for point in random_points(rng, len(graph.variables), 6):
        hessian = adcli.hessian(graph, point, allow_nonfinite=True)
        gradient = adcli.grad(graph, point, allow_nonfinite=True).gradient
        assert_same_bits([hessian.gradient[v] for v in graph.variables],
                         [gradient[v] for v in graph.variables], f"gradient at {point}")


# --- the namespaces, function by function --------------------------------------------------

#: the namespace functions of two arguments (the rest take one)
TWO_ARGUMENTS = {"atan2", "hypot", "maximum", "minimum", "divide", "power"}
#: tested on their own below
NOT_ELEMENTWISE = {"where", "isfinite", "stack_sum", "stack_max", "stack_min", "stack_ties",
                   "stack_ones", "stack_count_ties"}
#: questions about a whole batch, by which a rule skips work (never a value)
BATCH_PREDICATES = {"any_true", "all_within"}
NOT_ELEMENTWISE |= BATCH_PREDICATES


#: every function of the scalar namespace (a function appended for a new rule too)
NAMESPACE_FUNCTIONS = sorted(name for name, value in vars(scalar).items()
                             if not name.startswith("_") and callable(value)
                             and name not in NOT_ELEMENTWISE)


def test_the_numpy_namespace_has_every_function_of_the_scalar_namespace():
    assert {"exp", "log", "power", "atan2", "hypot", "maximum", "tanh"} <= set(NAMESPACE_FUNCTIONS)
    assert [name for name in NAMESPACE_FUNCTIONS if not hasattr(vectorized, name)] == []


def _wide_sample(rng, count):
    """Values over the whole float64 range, both signs, and the special ones."""
    values = [math.ldexp(rng.random(), rng.randint(-1074, 1024)) * rng.choice((-1, 1))
              for _ in range(count // 2)]
    values += [rng.uniform(-4, 4) for _ in range(count // 2)]
    return values + SPECIAL_INPUTS + [math.inf, -math.inf, math.nan, 709.78, 710.0, -745.2]


@pytest.mark.parametrize("name", NAMESPACE_FUNCTIONS)
def test_numpy_namespace_has_the_bits_of_the_scalar_namespace(name):
    rng = random.Random(name)
    arity = 2 if name in TWO_ARGUMENTS else 1
    xs = _wide_sample(rng, 4000)
    columns = [xs] + [[rng.choice(xs + [2.0, 0.5, -1.0, 0.0, 1.0, 3.0]) for _ in xs]
                      for _ in range(arity - 1)]
    expected = [getattr(scalar, name)(*args) for args in zip(*columns)]
    with np.errstate(all="ignore"):
        got = getattr(vectorized, name)(*[np.array(c) for c in columns])
    assert_same_bits(got, expected, name)


@pytest.mark.parametrize("exponent", [2.0, -1.0, 0.5, 1.0, 0.0, 3.0, -0.5, 1.5])
def test_a_constant_exponent_has_the_bits_of_an_exponent_array(exponent):
    """levels.py passes an exponent shared by a whole group as one float (numpy's
    x**2 is x*x), the batch path an array, the scalar loop math.pow: one answer."""
    xs = np.array(_wide_sample(random.Random(3), 2000))
    expected = [scalar.power(x, exponent) for x in xs.tolist()]
    with np.errstate(all="ignore"):
        assert_same_bits(vectorized.power(xs, exponent), expected, "constant exponent")
        assert_same_bits(vectorized.power(xs, np.full(len(xs), exponent)), expected, "array")


@pytest.mark.parametrize("values, largest, smallest", [
    ([0.0, -0.0], 0.0, -0.0), ([-0.0, 0.0], 0.0, -0.0), ([-0.0, -0.0], -0.0, -0.0),
    ([-1.0, -0.0], -0.0, -1.0), ([0.0, -3.0], 0.0, -3.0), ([math.nan, 1.0], math.nan, math.nan)])
def test_max_and_min_order_signed_zeros_alike_on_every_path(values, largest, smallest):
    """IEEE 754-2019: -0.0 < 0.0, whatever the order of the arguments."""
    stacks = {"scalar": (scalar, values), "batch": (vectorized, [np.array([v]) for v in values]),
              "levels": (vectorized, np.array([[v] for v in values]))}
    for path, (space, stack) in stacks.items():
        assert_same_bits(space.stack_max(stack), [largest], f"{path} max{tuple(values)}")
        assert_same_bits(space.stack_min(stack), [smallest], f"{path} min{tuple(values)}")
    a, b = values
    assert_same_bits(vectorized.maximum(np.array([a] * 40), np.array([b] * 40)), [largest] * 40,
                     "maximum")
    assert_same_bits(vectorized.minimum(np.array([a] * 40), b), [smallest] * 40, "minimum")
    assert_same_bits(scalar.maximum(a, b), largest, "scalar maximum")


@pytest.mark.parametrize("stack, total", [
    ([-0.0], -0.0), ([-0.0, -0.0], -0.0), ([-0.0, 0.0], 0.0), ([1e16, 1.0, -1e16], 0.0),
    ([1e16, 1.0, -1e16, 1.0], 2.0), ([1.0, 1e16, 1.0, -1e16, 1.0], 3.0)])
def test_sums_add_by_halving_from_the_first_argument(stack, total):
    """Not sum(), which starts from 0 and, from Python 3.12, compensates, nor
    np.add.reduce, which sums in its own order."""
    assert_same_bits(scalar.stack_sum(stack), total, "scalar")
    assert_same_bits(vectorized.stack_sum([np.array([v]) for v in stack]), [total], "batch")
    assert_same_bits(vectorized.stack_sum(np.array([[v] * 3 for v in stack])), [total] * 3,
                     "levels")


def test_a_long_sum_keeps_its_accuracy():
    """The error of a sum by halving grows with log n: 10^5 tenths."""
    terms = [0.1] * 100_000
    assert abs(scalar.stack_sum(terms) - 10_000) < 1e-9
    assert_same_bits(vectorized.stack_sum(np.array(terms)[:, None]), [scalar.stack_sum(terms)],
                     "levels")


# --- issue 10, item 1: 0 and -0 on large graphs ----------------------------------------------


def test_zero_and_minus_zero_constants_stay_apart_on_a_large_graph():
    terms = ["atan2(-0, x1)"] + [f"atan2(0, x{k})" for k in range(2, 2501)]
    graph = adcli.parse(" + ".join(terms))
    assert dispatch.levels_pay(graph)
    point = [-1.0] * 2500
    expected = math.fsum([-math.pi] + [math.pi] * 2499)
    result = adcli.grad(graph, point)
    assert result.value == pytest.approx(expected, rel=1e-12)  # 7847.70, not -7853.98
    assert_same_bits(result.value, scalar_loop(graph, point)[0][graph.output], "value")


def test_the_command_line_prints_the_large_graph_value_with_both_zeros(run_cli, tmp_path):
    source = tmp_path / "zeros.txt"
    source.write_text(" + ".join(["atan2(-0, x1)"] + [f"atan2(0, x{k})" for k in range(2, 2501)]))
    result = run_cli("grad", "-f", source, "--at", ",".join(["-1"] * 2500), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["value"] == pytest.approx(7847.698448667, rel=1e-12)


def test_a_minus_zero_derivative_stays_minus_zero_on_a_large_graph():
    """levels.py started every adjoint from 0.0, and 0.0 + -0.0 is 0.0."""
    graph = adcli.parse(" + ".join(f"(-0)*x{k} + sin(y{k})" for k in range(1, 1201)))
    assert dispatch.levels_pay(graph)
    point = [0.5] * len(graph.variables)
    gradient = adcli.grad(graph, point).gradient
    assert_same_bits([gradient[f"x{k}"] for k in range(1, 1201)], [-0.0] * 1200, "d/dx")
    assert_same_bits(gradient["y7"], math.cos(0.5), "d/dy7")


def test_the_trace_writes_a_minus_zero_constant_as_minus_zero():
    """Two nodes that differ only in the sign of a zero read differently."""
    rows = adcli.grad("atan2(-0, x) + atan2(0, x)", [-1.0]).trace
    assert [row.computes for row in rows[1:3]] == ["atan2((-0), v1)", "atan2(0, v1)"]
    assert [row.value for row in rows[1:3]] == [-math.pi, math.pi]


# --- issue 10, item 4: the Hessian's symmetrization ---------------------------------------


def test_a_hessian_near_the_float64_limit_is_finite_and_warns_nothing(run_cli):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning fails the test
        result = run_cli("hessian", "sinh(x)", "--at", "710", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "1.1169973830808557e+308" in result.stdout


def test_hessian_entries_near_the_limit_average_without_overflow():
    hessian = adcli.hessian("1.5e308*x*y", [1.0, 1.0])  # (H + H.T)/2 overflowed
    assert hessian.matrix.tolist() == [[0.0, 1.5e308], [1.5e308, 0.0]]


@pytest.mark.parametrize("method", ["bfgs", "lbfgs", "adam", "newton", "gd"])
def test_an_overflowing_minimization_warns_nothing(run_cli, method):
    """Overflow inside a method's update is reported by adcli (a non-finite
    step), never by a numpy RuntimeWarning on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_cli("minimize", "exp(x)+exp(-x)", "--from", "700", "--method", method)
    assert "RuntimeWarning" not in result.stderr
    assert result.exit_code in (0, 4, 5), result.stderr


def test_a_batch_predicate_holds_for_a_batch_when_it_holds_for_each_point():
    # a rule's fast path for a batch must be the one each of its points takes
    rng = random.Random(7)
    for _ in range(200):
        values = _wide_sample(rng, 6)
        low, high = sorted(abs(v) for v in rng.sample(_wide_sample(rng, 8), 2))
        batch = np.array(values)
        assert vectorized.all_within(batch, low, high) == all(
            scalar.all_within(v, low, high) for v in values)
        condition = batch > 0
        assert vectorized.any_true(condition) == any(scalar.any_true(v > 0) for v in values)


def test_ties_are_counted_in_batches_as_at_one_point():
    import numpy as np

    from adcli.engine import scalar, vectorized
    a, b, c = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0]), np.array([0.0, 0.0, 3.0])
    counts = vectorized.stack_count_ties([a, b, c], np.maximum(np.maximum(a, b), c))
    assert counts.tolist() == [2, 1, 3]
    assert [scalar.stack_count_ties([x, y, z], max(x, y, z))
            for x, y, z in zip(a, b, c)] == [2, 1, 3]


def test_values_of_a_large_program_with_several_outputs_by_levels():
    """A wide graph of several outputs takes the level-by-level path for its
    values (once numpy is loaded): the same bits as the scalar loop."""
    import numpy as np  # noqa: F401  (levels need numpy loaded)

    from adcli.engine import dispatch, levels, reverse

    terms = [f"F{k} = " + " + ".join(f"sin({k}*x{j})*x{j}" for j in range(1, 11))
             for k in range(1, 11)]
    text = "\n".join(terms) + "\noutput " + ", ".join(f"F{k}" for k in range(1, 11))
    graph = adcli.parse(text)
    assert graph.cached("by_levels", dispatch.levels_pay)
    point = [0.1 * j for j in range(1, 11)]
    got = adcli.values(graph, point)
    computed = reverse.forward(graph, point)
    assert got == {name: float(computed[node])
                   for name, node in zip(graph.output_names, graph.outputs)}
    assert levels.plan(graph).output is None
