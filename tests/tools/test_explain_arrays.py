"""adcli explain on array graphs (tools.explain.explain_arrays and its view):
per node its shape, value and adjoint summarized, and its reverse rule as a
matrix formula.  Graphs are built by hand (array_tapes) until the language
parses arrays.

Issue 12's example by hand: sum((A @ x - b)**2) at A=[[1,2],[3,4]], x=[1,1],
b=[0,1], wrt x:

    v4 = A @ x   = [3, 7]     v̄4 = v̄5          = [6, 12]
    v5 = v4 - b  = [3, 6]     v̄5 = v̄6 ⊙ 2 v5    = [6, 12]
    v6 = v5**2   = [9, 36]    v̄6 = v̄7 · 1       = [1, 1]
    v7 = sum(v6) = 45         x̄ = Aᵀ·v̄4        = [1*6+3*12, 2*6+4*12] = [42, 60]
"""
import csv
import io
import json
import unicodedata

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console

from adcli import ops
from adcli.cli.views import explain as view
from adcli.cli.views.common import dumps
from adcli.engine import arrays
from adcli.tools import explain as explaining
from array_tapes import (LEAST_SQUARES_AT, Tape, central_gradient, least_squares, logdet,
                         quadratic_form, rosenbrock)

RNG = np.random.default_rng(12)


def nfc(text):
    return unicodedata.normalize("NFC", text)


def explained(graph, point, wrt=None):
    return explaining.explain_arrays_at(graph, point, wrt)


# --- the issue's example, by hand -------------------------------------------------------

def test_least_squares_rows_by_hand():
    result = explained(least_squares(), LEAST_SQUARES_AT, ["x"])
    assert result.rows() == [
        ("v1", "input A", "(2, 2)", "[[1, 2], [3, 4]]", "-", ""),
        ("v2", "input b", "(2,)", "[0, 1]", "-", ""),
        ("v3", "input x", "(2,)", "[1, 1]", "[42, 60]", ""),
        ("v4", "A @ x", "(2,)", "[3, 7]", "[6, 12]", nfc("x̄ += Aᵀ·v̄4")),
        ("v5", "v4 - b", "(2,)", "[3, 6]", "[6, 12]", nfc("v̄4 += v̄5")),
        ("v6", "v5**2", "(2,)", "[9, 36]", "[1, 1]", nfc("v̄5 += v̄6 ⊙ (2*v5)")),
        ("v7", "sum(v6)", "scalar", "45", "1", nfc("v̄6 += v̄7·1 (broadcast)")),
    ]
    assert result.wrt == ("x",)
    np.testing.assert_array_equal(result.gradient["x"], [42.0, 60.0])
    rules = {r.op: (r.computes, r.formulas) for r in result.op_rules}
    assert rules["matmul"] == ("y = A @ B", [nfc("Ā = ȳ·Bᵀ"), nfc("B̄ = Aᵀ·ȳ")])
    assert rules["sum"] == ("y = sum(x)", [nfc("x̄ = ȳ·1 (broadcast)")])
    assert list(rules) == ["matmul", "sub", "pow", "sum"]  # order of first use


def test_the_gradient_is_the_closed_form_and_central_differences():
    graph = least_squares()
    A, b, x = RNG.normal(size=(5, 3)), RNG.normal(size=5), RNG.normal(size=3)
    result = explained(graph, [A, b, x])  # wrt all
    np.testing.assert_allclose(result.gradient["x"], 2 * A.T @ (A @ x - b), rtol=1e-12)
    np.testing.assert_allclose(result.gradient["A"], 2 * np.outer(A @ x - b, x), rtol=1e-12)
    for k, name in enumerate(graph.variables):
        np.testing.assert_allclose(result.gradient[name],
                                   central_gradient(graph, [A, b, x], k), rtol=1e-6, atol=1e-8)
    assert all(s.adjoint is not None for s in result.steps)


def test_quadratic_form_issue_example():
    # x.T @ A @ x at x=[1,2], A=[[2,1],[1,3]]: value 18, gradient (A + Aᵀ) x = [8, 14]
    result = explained(quadratic_form(), [np.array([[2.0, 1.0], [1.0, 3.0]]),
                                          np.array([1.0, 2.0])], ["x"])
    assert result.value == 18.0
    np.testing.assert_array_equal(result.gradient["x"], [8.0, 14.0])
    rules = {s.computes: s.rule for s in result.steps}
    assert rules["x.T"] == nfc("x̄ += v̄3ᵀ")
    assert rules["v3 @ A"] == nfc("v̄3 += v̄4·Aᵀ")  # A is data: no Ā formed
    assert rules["v4 @ x"] == nfc("v̄4 += v̄5·xᵀ; x̄ += v4ᵀ·v̄5")


def test_logdet_adjoint_is_the_inverse_transpose():
    X = np.array([[2.0, 1.0], [0.5, 3.0]])
    result = explained(logdet(), [X])
    step = result.steps[-1]
    assert step.rule == nfc("X̄ += v̄2·X⁻ᵀ")
    assert result.op_rules[0].formulas == [nfc("Ā = ȳ·A⁻ᵀ")]
    np.testing.assert_allclose(result.gradient["X"], np.linalg.inv(X).T, rtol=1e-13)
    assert result.value == pytest.approx(np.log(abs(np.linalg.det(X))), rel=1e-14)


# --- the formulas come from the op table -------------------------------------------------

@pytest.mark.parametrize("name", sorted(ops.ARRAY_TABLE))
def test_every_array_op_has_one_formula_per_argument_for_that_argument(name):
    op = ops.ARRAY_TABLE[name]
    formulas = explaining.rule_formulas(op)
    expected = 1 if op.variadic else op.nargs
    assert len(formulas) == expected
    letters, out = explaining._letters(op)
    for formula, letter in zip(formulas, letters if not op.variadic else ["x"]):
        left = unicodedata.normalize("NFD", formula).split("=")[0]
        assert left.startswith(letter + "\u0304"), formula  # the argument's adjoint
        assert out + "\u0304" in unicodedata.normalize("NFD", formula)  # from the value's


@pytest.mark.parametrize("name", sorted(ops.TABLE))
def test_elementwise_formulas_come_from_the_partial_text(name):
    op = ops.TABLE[name]
    formulas = explaining.rule_formulas(op)
    assert len(formulas) == (1 if op.variadic else op.nargs)
    for formula in formulas:
        assert "unbroadcast(" in formula or formula.endswith("= 0")


def test_elementwise_rule_unbroadcasts_only_when_shapes_differ():
    t = Tape("x * s + x")
    x, s = t.var("x"), t.var("s")
    graph = t.build(t("sum", t.elementwise("add", t.elementwise("mul", x, s), x)))
    result = explained(graph, [2.0, np.array([1.0, 2.0, 3.0])])  # s, x in natural order
    mul = next(st for st in result.steps if st.op == "mul")
    assert mul.rule == nfc("x̄ += v̄3 ⊙ s; s̄ += unbroadcast(v̄3 ⊙ x)")
    np.testing.assert_allclose(result.gradient["s"], 6.0)  # sum(x)
    np.testing.assert_allclose(result.gradient["x"], [3.0, 3.0, 3.0])  # s + 1


def test_index_and_stack_rules_name_their_entries():
    t = Tape("[x[0], x[-1]]")
    x = t.var("x")
    first, last = t("index", x, index=(0,)), t("index", x, index=(-1,))
    graph = t.build(t("sum", t("stack", first, last)))
    result = explained(graph, [np.array([1.0, 2.0, 3.0])])
    rules = [s.rule for s in result.steps if s.op in ("index", "stack")]
    assert rules == [nfc("x̄[0] += v̄2"), nfc("x̄[-1] += v̄3"),
                     nfc("v̄2 += v̄4[0]; v̄3 += v̄4[1]")]
    np.testing.assert_array_equal(result.gradient["x"], [1.0, 0.0, 1.0])


def test_computes_shows_parameters_as_numpy_spells_them():
    t = Tape("f")
    A = t.var("A")
    graph = t.build(t("sum", t("softmax", t("index", A, index=(slice(None), 0)), axis=0)))
    result = explained(graph, [np.eye(3)])
    assert [s.computes for s in result.steps] == ["input A", "A[:, 0]", "softmax(v2, axis=0)",
                                                  "sum(v3)"]
    assert [r.op for r in result.op_rules] == ["index", "softmax axis=0", "sum"]


# --- summaries ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    (0.1, "0.1"), (np.float64(1 / 3), "0.3333333333333333"), (np.array(2.0), "2"),
    (np.array([1.0, 2.0, 3.0]), "[1, 2, 3]"),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), "[[1, 2], [3, 4]]"),
    (np.array([1 / 3, 2.0]), "[0.333333, 2]"),
    (np.arange(1.0, 101.0), "[1, 2, 3, ..., 98, 99, 100]"),
    (np.arange(12.0).reshape(3, 4), "min 0, max 11"),
    (np.array([[np.nan, 1.0, 2.0, 3.0]] * 3), "min 1, max 3; 3 of 12 not finite"),
    (np.full((4, 4), np.inf), "16 of 16 not finite"),
    (np.zeros(0), "[]"), (np.zeros((0, 3)), "[]"),
])
def test_summary(value, text):
    assert explaining.summary(value) == text


def test_summary_precision():
    assert explaining.summary(np.array([1 / 3, 2.0]), precision=3) == "[0.333, 2]"
    assert explaining.summary(1 / 3, precision=3) == "0.333"


def test_bar_and_shape_text():
    assert [nfc(explaining.bar(n)) for n in ("x", "A", "v4", "x_1")] == \
        [nfc("x̄"), nfc("Ā"), nfc("v̄4"), nfc("x̄_1")]
    assert [explaining.shape_text(s) for s in ((), (3,), (2, 3))] == ["scalar", "(3,)", "(2, 3)"]


def test_a_large_problem_is_summarized_and_linear():
    graph = rosenbrock()
    x = np.linspace(-1.0, 1.0, 20_000)
    result = explained(graph, [x])
    rows = result.rows()
    assert rows[0][2] == "(20000,)" and "..." in rows[0][3]
    assert all(len(cell) < 120 for row in rows for cell in row)
    document = view.array_document(result)
    assert document["nodes"][1]["value"] is None  # 19,999 entries > MAX_JSON_ENTRIES
    assert len(document["gradient"]["x"]) == 20_000  # the gradient always whole


def test_nonfinite_values_are_noted_where_they_start():
    t = Tape("sum(log(x))")
    graph = t.build(t("sum", t.elementwise("log", t.var("x"))))
    result = explained(graph, [np.array([1.0, -1.0, 2.0])])
    log, total = result.steps[1], result.steps[2]
    assert log.notes[0] == "value: 1 of 3 entries not finite, outside the domain of this op"
    assert total.notes[0].endswith("passed on from an input")


# --- the view's four forms ---------------------------------------------------------------

@pytest.fixture
def issue_example():
    return explained(least_squares(), LEAST_SQUARES_AT, ["x"])


def test_plain_is_tab_separated_sections(issue_example):
    text = view.array_plain(issue_example)
    lines = text.splitlines()
    assert lines[:6] == ["expression\tsum((A @ x - b)**2)", "x\tA\t[[1, 2], [3, 4]]",
                         "x\tb\t[0, 1]", "x\tx\t[1, 1]", "wrt\tx", "value\t45"]
    assert nfc("v̄4\t(2,)\t[6, 12]\tx̄ += Aᵀ·v̄4") in lines
    assert "x\t(2,)\t[42, 60]" in lines
    assert nfc("matmul\ty = A @ B\tĀ = ȳ·Bᵀ; B̄ = Aᵀ·ȳ") in lines


def test_csv_one_row_per_node(issue_example):
    rows = list(csv.reader(io.StringIO(view.array_csv(issue_example))))
    assert rows[0] == ["node", "computes", "name", "shape", "value", "adjoint", "rule", "note"]
    assert rows[4] == ["v4", "A @ x", "", "(2,)", "[3, 7]", "[6, 12]", nfc("x̄ += Aᵀ·v̄4"), ""]
    assert rows[1][5] == ""  # A is data: no adjoint


def test_json_holds_the_arrays(issue_example):
    document = json.loads(dumps(view.array_document(issue_example)))
    assert document["schema"] == "adcli.explain.arrays/1"
    assert document["point"]["A"] == [[1.0, 2.0], [3.0, 4.0]]
    assert document["gradient"] == {"x": [42.0, 60.0]}
    v4 = document["nodes"][3]
    assert (v4["shape"], v4["value"], v4["adjoint"]) == ([2], [3.0, 7.0], [6.0, 12.0])
    assert v4["rules"] == [{"from": "v3", "to": "v4", "formula": nfc("B̄ = Aᵀ·ȳ"),
                            "here": nfc("x̄ += Aᵀ·v̄4")}]
    assert document["nodes"][0]["adjoint"] is None


def test_json_nonfinite_entries_are_null():
    assert view.json_array(np.array([1.0, np.nan, np.inf])) == [1.0, None, None]
    assert view.json_array(np.float64(np.nan)) is None


@pytest.mark.parametrize("width", [80, 60, 200])
def test_table_is_readable_at_the_width(issue_example, width):
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for part in view.array_tables(issue_example):
        console.print(part)
    text = out.getvalue()
    assert max(cell_len(line.rstrip()) for line in text.splitlines()) <= width
    for needed in ("A @ x", "[42, 60]", nfc("x̄ += Aᵀ·v̄4"), nfc("Ā = ȳ·Bᵀ")):
        assert needed in text.replace("\n", " ") or needed in text


def test_show_dispatches_on_the_result(issue_example, capsys):
    view.show(issue_example, "plain")
    assert capsys.readouterr().out == view.array_plain(issue_example)


# --- each formula says what its vjp computes (numpy, written from the formula) ------------

def _sym(n):
    m = RNG.uniform(-1.0, 1.0, (n, n))
    return m @ m.T + n * np.eye(n)


M, N, V, W = _sym(3), RNG.uniform(-1.0, 1.0, (3, 3)), RNG.uniform(0.5, 1.5, 3), \
    RNG.uniform(0.5, 1.5, 3)
inv_t = np.linalg.inv(M).T

#: op: (arguments, the formulas, per argument the formula in numpy: (g, y, *args) -> x̄)
FORMULAS = {
    "matmul": ((M, N), ["Ā = ȳ·Bᵀ", "B̄ = Aᵀ·ȳ"],
               [lambda g, y, a, b: g @ b.T, lambda g, y, a, b: a.T @ g]),
    "transpose": ((N,), ["x̄ = ȳᵀ"], [lambda g, y, x: g.T]),
    "sum": ((N,), ["x̄ = ȳ·1 (broadcast)"], [lambda g, y, x: g * np.ones_like(x)]),
    "mean": ((N,), ["x̄ = ȳ·1/n (broadcast; n entries per mean)"],
             [lambda g, y, x: g * np.ones_like(x) / x.size]),
    "prod": ((V,), ["x̄ᵢ = ȳ·∏ⱼ≠ᵢ xⱼ (the product of the others)"],
             [lambda g, y, x: g * np.array([np.prod(np.delete(x, i)) for i in range(x.size)])]),
    "max": ((V,), ["x̄ = ȳ·[x = y]/k (the k entries equal to y share ȳ)"],
            [lambda g, y, x: g * (x == y) / np.sum(x == y)]),
    "outer": ((V, W), ["x̄ = z̄·y", "ȳ = z̄ᵀ·x"],
              [lambda g, z, x, y: g @ y, lambda g, z, x, y: g.T @ x]),
    "trace": ((N,), ["Ā = ȳ·I"], [lambda g, y, a: g * np.eye(3)]),
    "det": ((M,), ["Ā = ȳ·y·A⁻ᵀ"], [lambda g, y, a: g * y * inv_t]),
    "logdet": ((M,), ["Ā = ȳ·A⁻ᵀ"], [lambda g, y, a: g * inv_t]),
    "inv": ((M,), ["Ā = -yᵀ·ȳ·yᵀ"], [lambda g, y, a: -y.T @ g @ y.T]),
    "solve": ((M, V), ["Ā = -A⁻ᵀ·ȳ·yᵀ", "b̄ = A⁻ᵀ·ȳ"],
              [lambda g, y, a, b: -np.outer(inv_t @ g, y), lambda g, y, a, b: inv_t @ g]),
    "diag": ((V,), ["x̄ = diag(ȳ)"], [lambda g, y, x: np.diag(g)]),
    "norm": ((V,), ["x̄ = ȳ·x/y"], [lambda g, y, x: g * x / y]),
    "logsumexp": ((V,), ["x̄ = ȳ·softmax(x)"],
                  [lambda g, y, x: g * np.exp(x) / np.sum(np.exp(x))]),
    "softmax": ((V,), ["x̄ = y ⊙ (ȳ - sum(ȳ ⊙ y))"],
                [lambda g, y, x: y * (g - np.sum(g * y))]),
    "dot": ((V, W), ["x̄ = z̄·yᵀ", "ȳ = xᵀ·z̄"],
            [lambda g, z, x, y: g * y, lambda g, z, x, y: x * g]),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_the_formula_is_what_the_vjp_computes(name):
    args, texts, by_hand = FORMULAS[name]
    op = ops.ARRAY_TABLE[name]
    assert list(explaining.rule_formulas(op)) == [nfc(t) for t in texts]
    xp = arrays.NAMESPACE
    y = op.forward(xp, *args)
    g = RNG.uniform(-1.0, 1.0, np.shape(y)) if np.shape(y) else 0.7
    for rule, formula in zip(op.vjp, by_hand):
        np.testing.assert_allclose(rule(xp, g, y, *args), formula(g, y, *args), rtol=1e-12,
                                   atol=1e-13)


def test_variadic_formulas_bar_the_x():
    assert explaining.rule_formulas(ops.TABLE["add"]) == (nfc("x̄ₖ = unbroadcast(ȳ)"),)
    assert explaining.generic_text(ops.TABLE["add"]) == "y = x1 + x2 + ..."
    assert explaining.generic_text(ops.ARRAY_TABLE["stack"]) == "y = [x1, x2, ...]"


# --- random broadcasting graphs ----------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

UNARY = ["exp", "sin", "tanh", "sigmoid", "neg", "atan"]
BINARY = ["add", "sub", "mul"]
SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 50),
                          st.integers(0, 50)), min_size=1, max_size=12),
       st.lists(st.sampled_from(SHAPES), min_size=2, max_size=2), st.integers(0, 1))
def test_random_graphs_explain_the_engine_gradient(program, shapes, wrt_count):
    t = Tape("f")
    nodes = [t.var("a"), t.var("b")]
    for name, i, j in program:
        if name in UNARY:
            nodes.append(t.elementwise(name, nodes[i % len(nodes)]))
        else:
            nodes.append(t.elementwise(name, nodes[i % len(nodes)], nodes[j % len(nodes)]))
    graph = t.build(t("sum", nodes[-1]))
    point = [RNG.uniform(-1.0, 1.0, s) if s else float(RNG.uniform(-1.0, 1.0)) for s in shapes]
    wrt = ["a", "b"][:wrt_count + 1]
    result = explained(graph, point, wrt)
    values = arrays.forward(graph, point)
    for name, expected in zip(wrt, arrays.gradient(graph, values, wrt)):
        np.testing.assert_allclose(result.gradient[name], expected, rtol=1e-15)
    active = arrays.active_nodes(graph, wrt)
    for step, node in zip(result.steps, graph.var_nodes + graph.op_nodes):
        if step.adjoint is not None:
            assert np.shape(step.adjoint) == step.shape
        wanted = [a for a in graph.args[node] if active[a]]
        assert len(step.rules) == (len(wanted) if step.op else 0)
        for rule in step.rules:
            assert nfc(explaining.bar(rule.target)) in rule.here
