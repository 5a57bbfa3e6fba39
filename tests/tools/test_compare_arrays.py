"""adcli compare on array graphs (tools.compare.compare_arrays and the compare
view): reverse, forward, central differences and the complex step entry by
entry against closed forms; the ops the complex step cannot use; large
gradients compared at evenly spaced entries."""
import csv
import io
import json

import numpy as np
import pytest

from adcli import ops
from adcli.cli.views import compare as view
from adcli.cli.views.common import dumps
from adcli.engine import arrays
from adcli.tools import compare
from array_tapes import LEAST_SQUARES_AT, Tape, least_squares, quadratic_form, rosenbrock

RNG = np.random.default_rng(7)


def by_name(result):
    return {m.name: m for m in result.methods}


def test_least_squares_all_four_agree_with_the_closed_form():
    A, b, x = RNG.normal(size=(4, 3)), RNG.normal(size=4), RNG.normal(size=3)
    result = compare.compare_arrays(least_squares(), [A, b, x], ["x"])
    exact = 2 * A.T @ (A @ x - b)
    methods = by_name(result)
    assert result.variables == ("x[0]", "x[1]", "x[2]")
    for name, tolerance in (("reverse", 1e-13), ("forward", 1e-13), ("complex step", 1e-13),
                            ("central differences", 1e-8)):
        np.testing.assert_allclose(methods[name].gradient, exact, rtol=tolerance, atol=tolerance)
    assert result.differences("complex step") < 1e-12
    assert 0 < result.differences("central differences") < 1e-7
    assert methods["central differences"].evaluations == "6 evaluations of f"
    assert result.value == pytest.approx(np.sum((A @ x - b) ** 2), rel=1e-14)
    assert result.note == "" and result.entries == 3


def test_matrix_entries_are_labelled_in_c_order():
    X = np.array([[2.0, 1.0], [1.0, 3.0]])
    t = Tape("trace(inv(X))")
    graph = t.build(t("trace", t("inv", t.var("X"))))
    result = compare.compare_arrays(graph, [X])
    assert result.variables == ("X[0,0]", "X[0,1]", "X[1,0]", "X[1,1]")
    inverse = np.linalg.inv(X)
    exact = -(inverse @ inverse).T.ravel()  # d tr(X^-1) / dX = -(X^-2)^T
    for m in result.methods:
        np.testing.assert_allclose(m.gradient, exact, rtol=1e-7)


def test_quadratic_form_with_data_a():
    A, x = np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0])
    result = compare.compare_arrays(quadratic_form(), [A, x], ["x"])
    assert result.value == 18.0
    for m in result.methods:
        np.testing.assert_allclose(m.gradient, [8.0, 14.0], rtol=1e-9)


def _arguments(name):
    """A point for op name's arguments: vectors where it takes vectors, else a
    well-conditioned matrix (and a vector for a right-hand side)."""
    M = RNG.uniform(0.5, 1.5, (3, 3)) + 3 * np.eye(3)
    v, u = RNG.uniform(0.5, 1.5, 3), RNG.uniform(0.5, 1.5, 3)
    return {"dot": [v, u], "outer": [v, u], "norm": [v], "diag": [v], "matmul": [M, v],
            "solve": [M, v]}.get(name, [M])


@pytest.mark.parametrize("name", sorted(n for n, op in ops.ARRAY_TABLE.items()
                                        if op.nargs != 0))
def test_the_complex_step_flag_of_every_array_op_is_honest(name):
    """sum(w * op(p, q)): an op marked complex_step agrees with central
    differences and reverse mode through the complex step; one marked
    otherwise is refused by name."""
    op = ops.ARRAY_TABLE[name]
    if name == "index":
        op = ops.with_params(op, index=(slice(1, None),))
    arguments = _arguments(name)
    t = Tape(name)
    names = ["p", "q"][:len(arguments)]
    node = t.builder.apply(op, tuple(t.var(n) for n in names), (0, 1))
    graph = t.build(t("sum", t.elementwise("mul", node, t.var("w"))), variables=names + ["w"])
    shape = arrays.shapes(graph, [np.shape(a) for a in arguments] + [()])[node]
    point = arguments + [RNG.uniform(0.5, 1.5, shape)]
    wrt = [n for n in graph.variables if n != "w"]
    methods = by_name(compare.compare_arrays(graph, point, wrt))
    if op.complex_step:
        np.testing.assert_allclose(methods["complex step"].gradient,
                                   methods["central differences"].gradient, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(methods["complex step"].gradient,
                                   methods["reverse"].gradient, rtol=1e-12, atol=1e-13)
    else:
        assert methods["complex step"].gradient is None
        assert methods["complex step"].note.endswith("not analytic here: " + name)


def test_ops_on_data_alone_do_not_block_the_complex_step():
    # logdet(A) is data when wrt is x: the complex step goes only through x's path
    t = Tape("logdet(A) * sum(x)")
    A, x = t.var("A"), t.var("x")
    graph = t.build(t.elementwise("mul", t("logdet", A), t("sum", x)))
    point = [np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0])]
    assert by_name(compare.compare_arrays(graph, point, ["x"]))["complex step"].gradient \
        == pytest.approx([np.log(5.0)] * 2, rel=1e-14)
    blocked = by_name(compare.compare_arrays(graph, point))["complex step"]
    assert blocked.gradient is None and "logdet" in blocked.note


def test_logdet_complex_step_would_be_wrong():
    """Why logdet is not complex-step safe: slogdet of a complex matrix drops
    the imaginary part (the derivative would read 0)."""
    X = np.array([[2.0, 1.0], [1.0, 3.0]], dtype=complex)
    X[0, 0] += 1e-200j
    assert np.imag(arrays.NAMESPACE.logabsdet(X)) == 0.0


def test_a_large_gradient_is_compared_at_evenly_spaced_entries():
    x = np.linspace(-1.0, 1.0, 50_000)
    result = compare.compare_arrays(rosenbrock(), [x])
    assert result.entries == 50_000
    count = len(result.variables)
    assert compare.MIN_COMPARED_ENTRIES <= count <= compare.COMPARE_BUDGET // 50_000
    assert result.variables[0] == "x[0]" and result.variables[-1] == "x[49999]"
    assert result.note.startswith(f"{count:,} of 50,000 entries compared")
    assert result.differences("complex step") < 1e-9
    full = arrays.gradient(rosenbrock(), arrays.forward(rosenbrock(), [x]))[0]
    np.testing.assert_array_equal(by_name(result)["reverse"].gradient, full[result.compared])


def test_compared_positions():
    assert compare._compared_positions(5, 10) == [0, 1, 2, 3, 4]
    assert compare._compared_positions(100, 3) == [0, 50, 99]  # first and last kept
    assert compare._compared_positions(10 ** 9, 4) == [0, 333333333, 666666666, 999999999]


# --- the view ----------------------------------------------------------------------------

@pytest.fixture
def issue_example():
    return compare.compare_arrays(least_squares(), LEAST_SQUARES_AT, ["x"])


def test_json(issue_example):
    document = json.loads(dumps(view.document(issue_example)))
    assert document["schema"] == "adcli.compare.arrays/1"
    assert document["compared"] == ["x[0]", "x[1]"]
    assert document["point"]["A"] == [[1.0, 2.0], [3.0, 4.0]]
    assert document["shapes"] == {"x": [2]}
    reverse = document["methods"][0]
    assert reverse == {"method": "reverse", "gradient": [42.0, 60.0],
                       "max_difference_from_reverse": 0.0,
                       "evaluations": "1 forward + 1 reverse pass", "note": ""}


def test_csv_and_plain_columns_per_entry(issue_example):
    rows = list(csv.reader(io.StringIO(view.csv(issue_example))))
    assert rows[0] == ["method", "grad[x[0]]", "grad[x[1]]", "max_difference_from_reverse",
                       "cost", "note"]
    assert rows[1][:3] == ["reverse", "42", "60"]
    assert view.plain(issue_example).splitlines()[4].startswith("complex step\t42\t60\t0")


def test_plain_says_when_entries_are_left_out():
    result = compare.compare_arrays(rosenbrock(), [np.zeros(100)], max_entries=5)
    assert view.plain(result).splitlines()[-1] == \
        "# 5 of 100 entries compared, evenly spaced (the first x[0], the last x[99])"


# --- --sweep -----------------------------------------------------------------------------

def test_sweep_errors_against_the_closed_form():
    A, b, x = RNG.normal(size=(4, 3)), RNG.normal(size=4), RNG.normal(size=3)
    result = compare.sweep_arrays(least_squares(), [A, b, x], ["x"])
    exact = 2 * A.T @ (A @ x - b)
    np.testing.assert_allclose(result.exact, exact, rtol=1e-13)
    assert result.variables == ("x[0]", "x[1]", "x[2]") and result.note == ""
    for k in range(3):
        # f is quadratic in x: the central difference is exact but for rounding,
        # the forward one is off by h * (A^T A)_kk
        h = result.steps[0]
        assert result.forward_error[k][0] == pytest.approx(h * (A.T @ A)[k, k], rel=1e-6)
        assert result.central_error[k][0] < 1e-10
    best = result.best(result.central_error)
    assert all(error < 1e-8 for _, error in best)


def test_sweep_of_a_large_gradient_and_its_views():
    result = compare.sweep_arrays(rosenbrock(), [np.linspace(-1, 1, 1000)])
    assert len(result.variables) == compare.MAX_SWEPT_ENTRIES
    assert result.note == "10 of 1,000 entries swept, evenly spaced"
    document = json.loads(dumps(view.sweep_document(result)))
    assert document["schema"] == "adcli.compare.sweep.arrays/1"
    assert document["swept"][0] == "x[0]" and len(document["point"]["x"]) == 1000
    assert view.sweep_plain(result).splitlines()[-1] == "# " + result.note
    header = next(csv.reader(io.StringIO(view.sweep_csv(result))))
    assert header[:3] == ["step", "forward_error[x[0]]", "central_error[x[0]]"]
