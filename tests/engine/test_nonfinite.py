"""engine/nonfinite.py: the node behind a nan or inf, named with its text,
its span and its inputs' values, from the scalar loop's values and adjoints."""
import adcli
from adcli.engine import nonfinite, reverse


def _values_and_adjoints(graph, point):
    values = reverse.forward(graph, point)
    return values, reverse.backward(graph, values)


def test_everything_finite_names_no_node():
    graph = adcli.parse("x*y + sin(x)")
    assert nonfinite.first_nonfinite(graph, *_values_and_adjoints(graph, [1.0, 2.0])) is None


def test_a_value_names_the_node_that_made_it_from_finite_inputs():
    graph = adcli.parse("exp(log(x - 1) * y)")
    error = nonfinite.first_nonfinite(graph, *_values_and_adjoints(graph, [0.0, 2.0]))
    assert "log(x - 1) is nan" in error.message
    assert graph.source[error.start:error.end] == "log(x - 1)"
    assert error.node is not None


def test_a_derivative_names_the_partial_that_is_not_finite():
    graph = adcli.parse("sqrt(x)")
    error = nonfinite.first_nonfinite(graph, *_values_and_adjoints(graph, [0.0]))
    assert "the derivative of sqrt(x) with respect to x is inf" in error.message


def test_without_adjoints_a_value_comes_first():
    graph = adcli.parse("sqrt(x) + log(y)")
    error = nonfinite.first_nonfinite_value(graph, reverse.forward(graph, [0.0, -1.0]))
    assert "log(y) is nan" in error.message


def test_diagnose_replays_a_batch_row_on_the_scalar_loop():
    graph = adcli.parse("x; 1/y")
    error = nonfinite.diagnose(graph, [1.0, 0.0], row=7)
    assert error.row == 7
    assert "1/y is inf" in error.message


def test_a_second_derivative_names_its_node():
    graph = adcli.parse("x * log(y)")
    error = nonfinite.second_order_error(graph, [1.0, 1e-200])
    assert "a second derivative of log(y) is" in error.message
    assert graph.source[error.start:error.end] == "log(y)"
