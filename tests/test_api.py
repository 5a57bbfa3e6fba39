"""The reverse-mode core through the Python API: the textbook example and its
trace, node naming, kink conventions, domain errors, batches."""
import math

import numpy as np
import pytest

import adcli
from conftest import assert_close, fd_gradient

TEXTBOOK = "3*(x1**2+x2*x3)"


# --- the textbook example ---------------------------------------------------------


def test_textbook_value_and_gradient():
    result = adcli.grad(TEXTBOOK, [2, 3, 4])
    assert result.value == 48.0
    # by hand: d/dx1 = 6 x1 = 12, d/dx2 = 3 x3 = 12, d/dx3 = 3 x2 = 9
    assert result.gradient == {"x1": 12.0, "x2": 12.0, "x3": 9.0}
    assert result.variables == ("x1", "x2", "x3")
    assert list(result.gradient) == ["x1", "x2", "x3"]
    assert result.point == {"x1": 2.0, "x2": 3.0, "x3": 4.0}


def test_textbook_trace_names_values_adjoints():
    trace = adcli.grad(TEXTBOOK, [2, 3, 4]).trace
    assert [row.node for row in trace] == ["x1", "x2", "x3", "x4", "x5", "x6", "x7"]
    assert [row.value for row in trace] == [2, 3, 4, 4, 12, 16, 48]
    adjoints = {row.node: row.adjoint for row in trace}
    assert adjoints == {"x7": 1, "x6": 3, "x5": 3, "x4": 3, "x3": 9, "x2": 12, "x1": 12}


def test_textbook_trace_computes_and_partials():
    rows = {row.node: row for row in adcli.grad(TEXTBOOK, [2, 3, 4]).trace}
    assert rows["x4"].computes == "x1**2"
    assert rows["x5"].computes == "x2*x3"
    assert rows["x6"].computes == "x4 + x5"
    assert rows["x7"].computes == "3*x6"
    assert rows["x1"].computes == "input x1"
    # local partials, constants left out: d(x1**2)/dx1 = 2 x1 = 4, ...
    assert rows["x4"].partials == [("x1", 4.0)]
    assert rows["x5"].partials == [("x2", 4.0), ("x3", 3.0)]
    assert rows["x6"].partials == [("x4", 1.0), ("x5", 1.0)]
    assert rows["x7"].partials == [("x6", 3.0)]
    assert rows["x1"].partials == []
    assert rows["x4"].source == "x1**2"
    assert not any(row.kink for row in rows.values())


def test_trace_as_dict_is_plain_data():
    row = adcli.grad(TEXTBOOK, [2, 3, 4]).trace[4]
    assert row.as_dict() == {"node": "x5", "computes": "x2*x3", "value": 12.0,
                             "partials": [{"wrt": "x2", "value": 4.0},
                                          {"wrt": "x3", "value": 3.0}],
                             "adjoint": 3.0, "kink": False, "source": "x2*x3",
                             "span": [9, 14]}


def test_constants_are_not_nodes():
    graph = adcli.parse(TEXTBOOK)
    assert len(graph.op_nodes) == 4
    assert len(adcli.grad(graph, [2, 3, 4]).trace) == 7


def test_graph_is_parsed_once_and_evaluated_many_times():
    graph = adcli.parse(TEXTBOOK)
    for x1, x2, x3 in [(2, 3, 4), (0, 0, 0), (-1.5, 2.5, 0.25)]:
        result = adcli.grad(graph, [x1, x2, x3])
        assert result.value == 3 * (x1 ** 2 + x2 * x3)
        assert result.gradient == {"x1": 6 * x1, "x2": 3 * x3, "x3": 3 * x2}


# --- node names -----------------------------------------------------------------------


def _names(text, variables=None):
    graph = adcli.parse(text, variables)
    return graph, [n for n in graph.node_names() if n is not None]


def test_node_names_with_other_variables_use_a_prefix_that_cannot_clash():
    trace = adcli.grad("x*y + sin(x)", {"x": 1.0, "y": 2.0}).trace
    assert [row.node for row in trace] == ["v1", "v2", "v3", "v4", "v5"]
    assert trace[0].computes == "input x"
    assert trace[2].computes == "v1*v2"


def test_node_names_avoid_a_variable_named_like_the_prefix():
    graph, names = _names("v1 * x")
    assert graph.variables == ("v1", "x")
    prefixes = {name.rstrip("0123456789") for name in names}
    assert len(prefixes) == 1 and prefixes != {"v"}
    assert not set(names) & {"v1", "x"}


def test_reordered_textbook_variables_are_not_named_x():
    # x1 would be the name of the input x2: confusing, so another prefix
    graph, names = _names("x1*x2", ["x2", "x1"])
    assert not set(names) & {"x1", "x2"}


@pytest.mark.parametrize("variables", [
    ["x", "y"], ["x1", "x3"], ["x2", "x1"], ["v1", "x"], ["v2", "w1", "u3", "t4", "z5"],
    ["v1", "w1", "u1", "t1", "z1", "node1"],
    ["a", "node1", "node_2", "t1", "u1", "v1", "w1", "z1"],
    ["node_1", "node__1", "v1", "w1", "u1", "t1", "z1", "node1", "b"],
])
def test_no_node_name_is_another_variable(variables):
    text = " + ".join(f"sin({v})" for v in variables)
    graph = adcli.parse(text, variables)
    names = graph.node_names()
    for variable, node in zip(graph.variables, graph.var_nodes):
        others = set(graph.variables) - {variable}
        assert names[node] not in others, (variable, names[node])
    for node in graph.op_nodes:
        assert names[node] not in graph.variables
    assert len(set(n for n in names if n)) == len(graph.var_nodes) + len(graph.op_nodes)


# --- kinks: one documented convention --------------------------------------------------


def _kinks(result):
    return [row.node for row in result.trace if row.kink]


def test_abs_at_zero():
    result = adcli.grad("abs(x)", [0.0])
    assert result.gradient == {"x": 0.0}
    assert _kinks(result) == ["v2"]
    assert adcli.grad("abs(x)", [-2.0]).gradient == {"x": -1.0}
    assert _kinks(adcli.grad("abs(x)", [-2.0])) == []


def test_relu_at_zero():
    result = adcli.grad("relu(x)", [0.0])
    assert result.gradient == {"x": 0.0}
    assert _kinks(result) == ["v2"]
    assert adcli.grad("relu(x)", [0.5]).gradient == {"x": 1.0}


def test_max_ties_share_equally():
    result = adcli.grad("max(x, x, y)", {"x": 1.0, "y": 0.0})
    row = result.trace[-1]
    assert row.partials == [("v1", 0.5), ("v1", 0.5), ("v2", 0.0)]
    assert row.kink
    assert result.gradient == {"x": 1.0, "y": 0.0}
    result = adcli.grad("max(x, y)", [2.0, 2.0])
    assert result.gradient == {"x": 0.5, "y": 0.5}
    assert result.value == 2.0
    result = adcli.grad("max(x, y, z)", [3.0, 3.0, 3.0])
    assert_close(list(result.gradient.values()), [1 / 3] * 3, rtol=1e-15, atol=0)


def test_min_ties_share_equally():
    result = adcli.grad("min(x, y, z)", [1.0, 1.0, 5.0])
    assert result.gradient == {"x": 0.5, "y": 0.5, "z": 0.0}
    assert _kinks(result) == ["v4"]
    assert adcli.grad("min(x, y)", [1.0, 2.0]).gradient == {"x": 1.0, "y": 0.0}
    assert _kinks(adcli.grad("min(x, y)", [1.0, 2.0])) == []


@pytest.mark.parametrize("function", ["sign", "floor", "ceil"])
@pytest.mark.parametrize("x", [-1.0, 0.0, 0.3, 2.0])
def test_step_functions_have_derivative_zero(function, x):
    result = adcli.grad(f"{function}({function}(x) + x)", [x])
    assert result.gradient == {"x": 0.0}


def test_step_functions_are_kinks_at_their_jumps():
    assert _kinks(adcli.grad("floor(x)", [1.0])) == ["v2"]
    assert _kinks(adcli.grad("ceil(x)", [-3.0])) == ["v2"]
    assert _kinks(adcli.grad("sign(x)", [0.0])) == ["v2"]
    assert _kinks(adcli.grad("floor(x)", [1.5])) == []


def test_hypot_at_origin():
    result = adcli.grad("hypot(x, y)", [0.0, 0.0])
    assert result.value == 0.0
    assert result.gradient == {"x": 0.0, "y": 0.0}
    assert _kinks(result) == ["v3"]
    assert adcli.grad("hypot(x, y)", [3.0, 4.0]).gradient == {"x": 0.6, "y": 0.8}


def test_pow_at_zero_base_is_finite_where_the_limit_is():
    assert adcli.grad("x**y", [0.0, 2.0]).gradient == {"x": 0.0, "y": 0.0}
    assert adcli.grad("x**0", [0.0]).gradient == {"x": 0.0}
    assert adcli.grad("x**2", [-3.0]).gradient == {"x": -6.0}


# --- domain errors ------------------------------------------------------------------------


@pytest.mark.parametrize("text, at, node, span, says", [
    ("log(x)", [-1.0], "v2", (0, 6), "nan"),
    ("log(x)", [0.0], "v2", (0, 6), "-inf"),
    ("1/x", [0.0], "v2", (0, 3), "inf"),
    ("y + x/y", [1.0, 0.0], "v3", (4, 7), "inf"),
    ("sqrt(x)", [-1.0], "v2", (0, 7), "nan"),
    ("x*log(y)", [1.0, 0.0], "v3", (2, 8), "-inf"),
    ("exp(x)", [1000.0], "v2", (0, 6), "inf"),
])
def test_domain_error_names_the_node_and_its_place(text, at, node, span, says):
    with pytest.raises(adcli.DomainError) as caught:
        adcli.grad(text, at)
    error = caught.value
    assert error.node == node
    assert (error.start, error.end) == span
    assert error.source == text
    message = str(error)
    assert says in message
    assert text in message
    caret_line = message.splitlines()[2]
    assert caret_line.index("^") - 2 == span[0]
    assert caret_line.count("^") == span[1] - span[0]


def test_infinite_derivative_is_a_domain_error():
    with pytest.raises(adcli.DomainError) as caught:
        adcli.grad("sqrt(x)", [0.0])
    assert caught.value.node == "v2"
    assert "derivative" in str(caught.value)
    assert (caught.value.start, caught.value.end) == (0, 7)


def test_zero_adjoint_times_infinite_partial_is_reported_not_zero():
    with pytest.raises(adcli.DomainError):
        adcli.grad("0*sqrt(x) + x", [0.0])


def test_constant_domain_errors():
    for text in ("log(-1)", "log(0)", "1/0", "sqrt(-1)"):
        with pytest.raises(adcli.DomainError) as caught:
            adcli.grad(text, [])
        assert caught.value.node is not None
        assert caught.value.start == 0


def test_the_first_failing_node_is_named():
    with pytest.raises(adcli.DomainError) as caught:
        adcli.grad("exp(log(x) * 2) + log(y)", [-1.0, -1.0])
    assert caught.value.node == "v3"
    assert caught.value.start == 4


@pytest.mark.parametrize("text, at, value, gradient", [
    ("log(x)", [-1.0], math.nan, [-1.0]),
    ("log(x)", [0.0], -math.inf, [math.inf]),
    ("1/x", [0.0], math.inf, [-math.inf]),
    ("sqrt(x)", [0.0], 0.0, [math.inf]),
])
def test_allow_nonfinite_returns_ieee_results(text, at, value, gradient):
    result = adcli.grad(text, at, allow_nonfinite=True)

    def same(a, b):
        return (math.isnan(a) and math.isnan(b)) or a == b

    assert same(result.value, value)
    assert all(same(a, b) for a, b in zip(result.gradient.values(), gradient))


# --- batches ------------------------------------------------------------------------------


def test_batch_of_the_textbook_example():
    points = np.array([[2, 3, 4], [1, 1, 1], [0, -1, 2.5]], dtype=float)
    result = adcli.grad(TEXTBOOK, points)
    assert result.value.tolist() == [48, 6, -7.5]
    assert result.gradient["x1"].tolist() == [12, 6, 0]
    assert result.gradient["x2"].tolist() == [12, 3, 7.5]
    assert result.gradient["x3"].tolist() == [9, 3, -3]
    assert result.failed_rows == []


def test_batch_by_name_with_a_broadcast_scalar():
    x = np.linspace(0, 1, 5)
    result = adcli.grad("x**2+y**2", {"x": x, "y": 1.0})
    assert np.allclose(result.value, x ** 2 + 1)
    assert np.allclose(result.gradient["x"], 2 * x)
    assert np.allclose(result.gradient["y"], 2.0)


def test_batch_with_a_constant_output_has_one_value_per_point():
    result = adcli.grad("x - x + 2", {"x": np.arange(4.0)})
    assert result.value.tolist() == [2.0] * 4
    assert result.gradient["x"].tolist() == [0.0] * 4


def test_batch_failed_rows_are_reported():
    at = {"x": [1.0, 0.0, -1.0, 2.0], "y": 1.0}
    with pytest.raises(adcli.DomainError) as caught:
        adcli.grad("x/y + log(x)", at)
    assert caught.value.failed_rows == [1, 2]
    assert caught.value.row == 1
    assert "row 2" in str(caught.value)
    result = adcli.grad("x/y + log(x)", at, allow_nonfinite=True)
    assert result.failed_rows == [1, 2]
    assert result.value[1] == -math.inf and math.isnan(result.value[2])
    assert result.value[0] == 1.0
    assert [error.node for error in result.failed] == ["v4", "v4"]


def test_batch_of_the_wrong_shape_is_a_point_error():
    with pytest.raises(adcli.PointError):
        adcli.grad("x*y", np.zeros((3, 3)))
    with pytest.raises(adcli.PointError):
        adcli.grad("x*y", {"x": [1.0, 2.0]})


def test_batch_columns_of_different_lengths_are_a_point_error():
    with pytest.raises(adcli.PointError):
        adcli.grad("x*y", {"x": [1.0, 2.0], "y": [1.0, 2.0, 3.0]})


def test_batch_with_a_non_number_is_a_point_error():
    with pytest.raises(adcli.PointError):
        adcli.grad("x*y", {"x": [1.0, 2.0], "y": ["a", 1.0]})


def test_batch_with_a_nan_input_is_a_point_error():
    with pytest.raises(adcli.PointError):
        adcli.grad("x*y", np.array([[1.0, math.nan], [1.0, 2.0]]))


def test_batch_as_a_sequence_of_columns_in_variable_order():
    result = adcli.grad("x*y", (np.array([1.0, 2.0]), 3.0))
    assert result.value.tolist() == [3.0, 6.0]
    assert result.gradient["x"].tolist() == [3.0, 3.0]


def test_batch_with_a_two_dimensional_column_is_a_point_error():
    with pytest.raises(adcli.PointError):
        adcli.grad("x*y", {"x": np.ones((2, 2)), "y": 1.0})


def test_batch_of_a_constant_expression_has_one_value_per_point():
    result = adcli.grad("2*pi", np.zeros((3, 0)))
    assert result.value.tolist() == [2 * math.pi] * 3


def _wide_sum(n):
    """A sum of n terms in n variables: large enough for the level-by-level path."""
    return " + ".join(f"(x{i} - {i % 7})**2 + sin(x{i})*x{i}**3" for i in range(1, n + 1))


def test_large_wide_graph_matches_the_hand_gradient():
    n = 3000
    graph = adcli.parse(_wide_sum(n))
    point = [-1.5 - (i % 5) + 0.1 * (i % 3) for i in range(n)]
    result = adcli.grad(graph, point)
    expected = sum((x - (i % 7)) ** 2 + math.sin(x) * x ** 3
                   for i, x in zip(range(1, n + 1), point))
    assert result.value == pytest.approx(expected, rel=1e-13)
    for i, x in zip(range(1, n + 1), point):
        hand = 2 * (x - (i % 7)) + math.cos(x) * x ** 3 + 3 * math.sin(x) * x ** 2
        assert result.gradient[f"x{i}"] == pytest.approx(hand, rel=1e-12, abs=1e-12)
    batch = adcli.grad(graph, np.array([point, [x + 0.5 for x in point]]))
    assert batch.value[0] == pytest.approx(expected, rel=1e-13)
    assert batch.gradient["x7"][0] == pytest.approx(result.gradient["x7"], rel=1e-13)


def test_domain_error_in_a_large_graph_names_the_node():
    text = _wide_sum(3000) + " + log(x5)"
    with pytest.raises(adcli.DomainError) as caught:
        adcli.grad(text, [-1.0] * 3000)
    error = caught.value
    assert text[error.start:error.end] == "log(x5)"
    assert error.node == "x18001"  # 3000 inputs, 5 op nodes per term, then log


def test_domain_error_message_in_a_large_graph_reads_like_a_small_one():
    text = _wide_sum(3000) + " + log(x5)"
    with pytest.raises(adcli.DomainError) as caught:
        adcli.grad(text, [-1.0] * 3000)
    assert str(caught.value).startswith("log(x5) is nan (node ")


def test_gradient_of_a_composite_against_finite_differences():
    text = "atan2(y, x) * exp(-x**2/2) + log1p(y**2) / hypot(x, y) - max(x, y, 0.5)**2"

    def f(x, y):
        return (math.atan2(y, x) * math.exp(-x ** 2 / 2) + math.log1p(y ** 2) / math.hypot(x, y)
                - max(x, y, 0.5) ** 2)

    for point in ([0.3, 1.7], [-1.2, 0.4], [2.0, -0.7]):
        result = adcli.grad(text, point)
        assert_close(result.value, f(*point), rtol=1e-13)
        assert_close(list(result.gradient.values()), fd_gradient(f, point))


# --- the prologue every operator starts with ------------------------------------------


def test_the_prologue_parses_and_resolves_a_point():
    graph, point, count = adcli.api.prologue(TEXTBOOK, {"x3": 4, "x1": 2, "x2": 3})
    assert graph.variables == ("x1", "x2", "x3")
    assert point == [2.0, 3.0, 4.0]
    assert count is None


def test_the_prologue_selects_the_output_of_a_program():
    graph, point, _ = adcli.api.prologue("a = x*y; b = x+y", "x=1,y=2", output="b",
                                         one_output=True)
    assert graph.output_names == ("b",)
    assert point == [1.0, 2.0]


def test_the_prologue_takes_a_list_of_texts_only_for_several_outputs():
    graph, _, _ = adcli.api.prologue(["x*y", "x+y"], [1, 2], several=True)
    assert len(graph.outputs) == 2
    with pytest.raises(adcli.ExpressionError, match="text"):
        adcli.api.prologue(["x*y", "x+y"], [1, 2])


def test_the_prologue_asks_for_one_output_before_reading_the_point():
    with pytest.raises(adcli.ExpressionError, match="2 outputs"):
        adcli.api.prologue("x*y; x+y", [1, 2, 3, 4], one_output=True)


def test_the_prologue_reads_a_batch_only_when_the_operator_takes_one():
    graph, columns, count = adcli.api.prologue("x*y", {"x": [1, 2, 3], "y": 2.0}, batch=True)
    assert count == 3
    assert [c.tolist() for c in columns] == [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]
    with pytest.raises(adcli.PointError):
        adcli.api.prologue("x*y", {"x": [1, 2, 3], "y": 2.0})
