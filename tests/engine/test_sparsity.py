"""engine/sparsity.py (issue 15, goal 5): the Hessian and Jacobian patterns
read from the graph, the star and column colourings, and the compressed
evaluation, against the dense path (engine/second.py, forward mode), closed
forms and brute-force checks of the colouring properties."""
import itertools
import random

import numpy as np
import pytest

import adcli
from adcli.engine import dispatch, second, sparsity
from adcli.errors import DomainError
from adcli.workloads import generate, problems
from conftest import exited, ok


def _dense(graph, point):
    return second.hessian(graph, list(point), graph.output)


def _assert_matches_dense(graph, point, by_levels):
    value, gradient, dense = _dense(graph, point)
    result = sparsity.compressed_hessian(graph, list(point), graph.output, by_levels=by_levels)
    assert result is not None, "non-finite on the compressed path"
    s_value, s_gradient, matrix = result
    assert s_value == value
    assert s_gradient == pytest.approx(gradient, rel=1e-14, abs=1e-300)
    scale = max(1.0, float(np.abs(dense).max()))
    assert np.abs(matrix - dense).max() <= 1e-13 * scale
    plan = sparsity.hessian_plan(graph)
    inside = np.zeros(dense.shape, dtype=bool)
    inside[plan.rows, plan.columns] = True
    assert (matrix[~inside] == 0).all(), "an entry outside the pattern is not exactly 0"
    assert (dense[~inside] == 0).all(), "the pattern misses a nonzero of the dense Hessian"
    assert np.array_equal(matrix, matrix.T)


@pytest.mark.parametrize("problem", problems.PROBLEMS, ids=lambda p: p.name)
@pytest.mark.parametrize("by_levels", [False, True], ids=["scalar", "levels"])
def test_every_mgh_problem_matches_the_dense_hessian(problem, by_levels):
    graph = adcli.parse(problem.text, problem.variables)
    _assert_matches_dense(graph, problem.x0, by_levels)


def _rosenbrock_hessian(x):
    """The closed form: 2 x 2 blocks [[1200 a^2 - 400 b + 2, -400 a], [-400 a, 200]]."""
    n = len(x)
    matrix = np.zeros((n, n))
    for i in range(0, n, 2):
        a, b = x[i], x[i + 1]
        matrix[i, i] = 1200.0 * a * a - 400.0 * b + 2.0
        matrix[i, i + 1] = matrix[i + 1, i] = -400.0 * a
        matrix[i + 1, i + 1] = 200.0
    return matrix


@pytest.mark.parametrize("problem", problems.PROBLEMS, ids=lambda p: p.name)
def test_levels_sweep_gives_the_gradients_bits(problem):
    """The compressed sweep by levels carries adcli.grad's gradient bit for bit."""
    graph = adcli.parse(problem.text, problem.variables)
    point = list(problem.x0)
    result = sparsity.compressed_hessian(graph, point, graph.output, by_levels=True)
    from adcli.engine import levels
    plan = levels.plan(graph)
    values, gathered = levels.forward(plan, point)
    expected = levels.backward(plan, values, gathered)[plan.var_nodes].tolist()
    assert [repr(v) for v in result[1]] == [repr(v) for v in expected]
    grad = adcli.grad(graph, point)
    assert [repr(v) for v in result[1]] == [repr(v) for v in grad.gradient.values()]


@pytest.mark.parametrize("n", [100, 1000])
def test_extended_rosenbrock_two_colours_and_closed_form(n):
    graph = adcli.parse(generate.rosenbrock(n))
    point = [0.3 + 0.01 * k for k in range(n)]
    plan = sparsity.hessian_plan(graph)
    assert plan.pattern == [[i - i % 2, i - i % 2 + 1] for i in range(n)]
    assert plan.colours == 2 and plan.pays()
    for by_levels in (False, True):
        _assert_matches_dense(graph, point, by_levels)
    result = adcli.hessian(graph, point)
    expected = _rosenbrock_hessian(point)
    assert np.abs(result.matrix - expected).max() <= 1e-12 * np.abs(expected).max()
    off_block = _rosenbrock_hessian([1.0] * n) == 0
    assert (result.matrix[off_block] == 0).all()


def _is_star_colouring(pattern, colour):
    """Adjacent vertices differ, and no path on four vertices has two colours."""
    neighbours = [[j for j in row if j != i] for i, row in enumerate(pattern)]
    for i, row in enumerate(neighbours):
        if any(colour[i] == colour[j] for j in row):
            return False
    for v1 in range(len(pattern)):
        for v2 in neighbours[v1]:
            for v3 in neighbours[v2]:
                if v3 == v1:
                    continue
                for v4 in neighbours[v3]:
                    if v4 in (v1, v2):
                        continue
                    if len({colour[v1], colour[v2], colour[v3], colour[v4]}) == 2:
                        return False
    return True


def _symmetric(n, edges, diagonal=True):
    rows = [{i} if diagonal else set() for i in range(n)]
    for i, j in edges:
        rows[i].add(j)
        rows[j].add(i)
    return [sorted(r) for r in rows]


@pytest.mark.parametrize("seed", range(30))
def test_star_colouring_on_random_patterns(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 14)
    edges = [e for e in itertools.combinations(range(n), 2) if rng.random() < 0.3]
    pattern = _symmetric(n, edges, diagonal=rng.random() < 0.5)
    colour = sparsity.star_colouring(pattern)
    assert _is_star_colouring(pattern, colour)
    assert sparsity.hessian_sources(pattern, colour) is not None


def test_colour_counts_of_known_shapes():
    n = 50
    arrow = _symmetric(n, [(0, j) for j in range(1, n)])
    assert max(sparsity.star_colouring(arrow)) + 1 == 2  # distance-2 would need n
    tridiagonal = _symmetric(n, [(i, i + 1) for i in range(n - 1)])
    assert max(sparsity.star_colouring(tridiagonal)) + 1 == 3
    assert sparsity.star_colouring(_symmetric(n, [])) == [0] * n


def test_recovery_reads_each_entry_from_one_product_element():
    """Against a numpy Hessian: H @ S from the colouring, then recover."""
    rng = np.random.default_rng(5)
    n = 12
    pattern = _symmetric(n, [(i, i + 1) for i in range(n - 1)] + [(0, j) for j in range(2, n)])
    matrix = np.zeros((n, n))
    for i, row in enumerate(pattern):
        for j in row:
            matrix[i, j] = matrix[j, i] = rng.standard_normal()
    colour = sparsity.star_colouring(pattern)
    plan = sparsity.HessianPlan(pattern, colour, sparsity.hessian_sources(pattern, colour))
    assert np.array_equal(plan.recover(matrix @ plan.seeds), matrix)


def test_mul_and_linear_ops_add_no_diagonal():
    graph = adcli.parse("x1*x2 + 3*x3 - x4 + sin(x4)")
    assert sparsity.hessian_pattern(graph) == [[1], [0], [], [3]]


def test_api_hessian_takes_the_compressed_path_and_keeps_the_dense_errors():
    n = 16
    text = " + ".join(f"x{k}**3" for k in range(1, n + 1)) + " + sqrt(x1)"
    graph = adcli.parse(text)
    assert sparsity.hessian_plan(graph).pays()
    point = [1.0 + k for k in range(n)]
    result = adcli.hessian(graph, point)
    assert np.array_equal(result.matrix, np.diag(result.matrix.diagonal()))
    assert result.matrix[1, 1] == 6.0 * point[1]
    with pytest.raises(DomainError):
        adcli.hessian(graph, [0.0] + point[1:])
    assert sparsity.compressed_hessian(graph, [0.0] + point[1:], graph.output) is None


def test_dense_patterns_are_not_coloured():
    """(x1 + ... + x300)**2: every entry; no colouring is searched (its
    first fit would walk n^3 paths) and the dense path runs."""
    n = 300
    graph = adcli.parse("(" + " + ".join(f"x{k}" for k in range(1, n + 1)) + ")**2")
    plan = sparsity.hessian_plan(graph)
    assert plan.colour is None and plan.colours is None and not plan.pays()
    assert plan.pattern[0] == list(range(n)) and len(plan.columns) == n * n
    small = adcli.parse("(" + " + ".join(f"x{k}" for k in range(1, 21)) + ")**2")
    colour = sparsity.star_colouring(sparsity.hessian_pattern(small))
    assert sorted(colour) == list(range(20))  # complete: every variable its own colour


def test_dense_path_where_colours_do_not_pay():
    graph = adcli.parse("(x1 + x2 + x3 + x4 + x5)**2")
    assert not sparsity.hessian_plan(graph).pays()  # 5 colours for 5 variables
    assert np.array_equal(adcli.hessian(graph, [1, 2, 3, 4, 5]).matrix, np.full((5, 5), 2.0))


# --- Jacobians ---------------------------------------------------------------------------


def _banded_system(n):
    """Broyden's tridiagonal residuals, one output each."""
    rows = []
    for i in range(1, n + 1):
        left = f" - x{i - 1}" if i > 1 else ""
        right = f" - 2*x{i + 1}" if i < n else ""
        rows.append(f"(3 - 2*x{i})*x{i}{left}{right} + 1")
    return "; ".join(rows)


@pytest.mark.parametrize("by_levels", [False, True], ids=["scalar", "levels"])
def test_banded_jacobian_three_colours_against_forward_mode(by_levels):
    n = 40
    graph = adcli.parse(_banded_system(n))
    point = [0.1 * k - 1.0 for k in range(n)]
    plan = sparsity.jacobian_plan(graph)
    assert plan.colours == 3 and plan.pays()
    values, matrix = sparsity.jacobian(graph, point, by_levels=by_levels)
    dense_values, rows, _ = dispatch.jacobian(graph, point, graph.outputs, "forward")
    assert values == [float(v) for v in dense_values]
    assert np.array_equal(matrix, np.array(rows, dtype=np.float64))
    expected = np.zeros((n, n))
    for i in range(n):
        expected[i, i] = 3.0 - 4.0 * point[i]
        if i > 0:
            expected[i, i - 1] = -1.0
        if i < n - 1:
            expected[i, i + 1] = -2.0
    assert np.allclose(matrix, expected, rtol=1e-14, atol=1e-14)
    assert np.array_equal(matrix == 0, expected == 0)


# --- hessian --sparsity ------------------------------------------------------------------


def test_hessian_sparsity_option_plain_and_json(run_cli):
    expr = "x1*x2 + x2*x3 + x3**4"
    done = ok(run_cli("hessian", expr, "--at", "1,2,3", "--sparsity", "--format", "plain"))
    assert done.stdout.splitlines() == ["colours\t2", "nonzeros\t5", "row\tx1\tx2",
                                        "row\tx2\tx1\tx3", "row\tx3\tx2\tx3"]
    import json
    done = ok(run_cli("hessian", expr, "--at", "1,2,3", "--sparsity", "--format", "json"))
    data = json.loads(done.stdout)
    assert data["sparsity"]["rows"] == {"x1": ["x2"], "x2": ["x1", "x3"], "x3": ["x2", "x3"]}
    assert data["sparsity"]["colours"] == 2 and data["sparsity"]["nonzeros"] == 5
    assert data["hessian"] == [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 108.0]]


def test_hessian_sparsity_refuses_arrays(run_cli):
    exited(run_cli("hessian", "sum(x**2)", "--at", "x=[1,2]", "--sparsity"), 2)


def test_api_jacobian_auto_takes_the_colouring_and_says_so():
    n = 30
    graph = adcli.parse(_banded_system(n))
    point = [0.05 * k for k in range(n)]
    result = adcli.jacobian(graph, point)
    assert result.mode.colours == 3 and result.mode.passes == 3
    assert result.mode.as_dict()["colours"] == 3
    assert "3 colours" in result.mode.explain()
    forward = adcli.jacobian(graph, point, mode="forward")
    assert forward.mode.colours is None
    assert np.array_equal(result.matrix, forward.matrix)
    reverse = adcli.jacobian(graph, point, mode="reverse")
    assert np.allclose(result.matrix, reverse.matrix, rtol=1e-15, atol=0)


@pytest.mark.parametrize("n", [20, 40])
def test_jacobians_of_mgh_residual_systems_match_forward_mode(n):
    """Broyden banded (MGH 31) and the discrete boundary value problem (MGH
    28) as residual systems: both sweeps against dense forward mode."""
    for problem in (problems.broyden_banded(n), problems.discrete_boundary_value(n)):
        graph = adcli.parse(problem.text, problem.variables)
        system = graph.focus([f"r{i}" for i in range(1, problem.residuals + 1)])
        point = list(problem.x0)
        _, rows, _ = dispatch.jacobian(system, point, system.outputs, "forward")
        dense = np.array(rows, dtype=np.float64)
        plan = sparsity.jacobian_plan(system)
        assert plan.pays() == (plan.colours * 4 <= n)
        if not plan.pays():  # the dense path runs
            assert sparsity.jacobian(system, point) is None
            continue
        for by_levels in (False, True):
            _, matrix = sparsity.jacobian(system, point, by_levels=by_levels)
            assert np.abs(matrix - dense).max() <= 1e-14 * max(1.0, np.abs(dense).max())
            inside = np.zeros(dense.shape, dtype=bool)
            inside[plan.rows, plan.columns] = True
            assert (matrix[~inside] == 0).all() and (dense[~inside] == 0).all()


def test_no_colouring_where_the_widest_row_rules_it_out():
    """One output of n variables needs n colours: none is computed (first fit
    would cost n^2 there)."""
    graph = adcli.parse(" + ".join(f"x{k}*x{k + 1}" for k in range(1, 2000)))
    plan = sparsity.jacobian_plan(graph)
    assert plan.colour is None and plan.colours == 2000 and not plan.pays()
    assert sparsity.jacobian(graph, [1.0] * 2000) is None


def test_api_jacobian_keeps_the_dense_errors():
    graph = adcli.parse("; ".join(f"x{k}**2" for k in range(1, 9)) + "; sqrt(x1)")
    assert sparsity.jacobian_plan(graph).pays()
    with pytest.raises(DomainError):
        adcli.jacobian(graph, [0.0] + [1.0] * 7)
    assert sparsity.jacobian(graph, [0.0] + [1.0] * 7) is None


@pytest.mark.parametrize("seed", range(10))
def test_distance_two_colouring_is_recoverable_too(seed):
    """The fallback colouring: variables within two steps differ."""
    rng = random.Random(100 + seed)
    n = rng.randint(2, 14)
    edges = [e for e in itertools.combinations(range(n), 2) if rng.random() < 0.3]
    pattern = _symmetric(n, edges)
    colour = sparsity.distance_two_colouring(pattern)
    for i, row in enumerate(pattern):
        assert len({colour[j] for j in row}) == len(row)  # one column per colour in each row
    assert sparsity.hessian_sources(pattern, colour) is not None
