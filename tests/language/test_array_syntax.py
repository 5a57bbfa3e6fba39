"""The array syntax: literals, indexing and slicing, @, .T, keywords,
load(...), and what each becomes in the graph; values against numpy."""
import numpy as np
import pytest

import adcli
from adcli.engine import arrays
from adcli.errors import ExpressionError, ShapeError

A = np.array([[2.0, 1.0, -1.0], [0.5, 3.0, 4.0]])
X = np.array([1.0, -2.0, 3.0, 0.25])


def value(text, **at):
    graph = adcli.parse(text).for_arrays()
    point = [np.asarray(at[name], dtype=float) for name in graph.variables]
    return arrays.forward(graph, point)[graph.output]


@pytest.mark.parametrize("text, expected", [
    ("x[0]", X[0]), ("x[-1]", X[-1]), ("x[1:]", X[1:]), ("x[:-1]", X[:-1]),
    ("x[1:3]", X[1:3]), ("x[::2]", X[::2]), ("x[::-1]", X[::-1]), ("x[3:0:-2]", X[3:0:-2]),
    ("x[:]", X), ("x[0]**2", X[0] ** 2), ("-x[1]", -X[1]), ("x[n - 1]", X[2]),
    ("2*x[1:]**2 - x[:-1]", 2 * X[1:] ** 2 - X[:-1]),
])
def test_indexing_and_slicing_follow_python(text, expected):
    source = "n = 3\n" + text if "n" in text else text
    assert np.array_equal(value(source, x=X), expected)


@pytest.mark.parametrize("text, expected", [
    ("A[0, 1]", A[0, 1]), ("A[:, 0]", A[:, 0]), ("A[1, :]", A[1, :]), ("A[-1]", A[-1]),
    ("A.T", A.T), ("A.T[2, 0]", A.T[2, 0]), ("transpose(A)", A.T),
    ("A @ A.T", A @ A.T), ("A.T @ A", A.T @ A), ("sum(A, axis=0)", A.sum(axis=0)),
    ("sum(A, axis=1)", A.sum(axis=1)), ("sum(A)", A.sum()), ("mean(A, axis=-1)", A.mean(-1)),
    ("max(A)", A.max()), ("min(A, axis=0)", A.min(axis=0)), ("max(A, 1)", np.maximum(A, 1)),
    ("prod(A)", A.prod()), ("norm(A)", np.linalg.norm(A)), ("A * 2 + 1", A * 2 + 1),
    ("exp(A)", np.exp(A)), ("A / [1, 2, 4]", A / np.array([1, 2, 4])),
    ("[[1, 2], [3, 4]] @ A[:, :2]", np.array([[1, 2], [3, 4]]) @ A[:, :2]),
    ("trace(A[:, :2])", np.trace(A[:, :2])), ("det(A[:, 1:])", np.linalg.det(A[:, 1:])),
    ("diag(A[:, :2])", np.diag(A[:, :2])), ("outer(A[0], A[1])", np.outer(A[0], A[1])),
])
def test_matrix_expressions_follow_numpy(text, expected):
    assert np.allclose(value(text, A=A), expected, rtol=1e-15, atol=0)


def test_constructors_take_their_shape_from_constant_arguments():
    assert np.array_equal(value("zeros(2, 3)"), np.zeros((2, 3)))
    assert np.array_equal(value("ones(4)"), np.ones(4))
    assert np.array_equal(value("eye(3)"), np.eye(3))
    assert np.array_equal(value("linspace(0, 1, 5)"), np.linspace(0, 1, 5))
    assert np.array_equal(value("n = 2\nzeros(n + 1)"), np.zeros(3))


def test_array_literals_stack_rows_and_take_expressions():
    assert np.array_equal(value("[x[0], 2*x[1], 3]", x=X), [X[0], 2 * X[1], 3])
    assert np.array_equal(value("[[1, 2], [3, 4]]"), [[1, 2], [3, 4]])
    assert np.array_equal(value("[[x[0], 0], [0, x[1]]] @ [1, 1]", x=X), [X[0], X[1]])


def test_matmul_binds_as_tightly_as_times_and_left_to_right():
    # Python: a * b @ c is (a * b) @ c; x.T @ A @ x is (x.T @ A) @ x
    x = np.array([1.0, 2.0])
    m = np.array([[2.0, 1.0], [1.0, 3.0]])
    assert value("x.T @ A @ x", x=x, A=m) == 18.0
    assert value("2 * x @ A @ x + 1", x=x, A=m) == 37.0


def test_node_texts_read_as_the_language_writes_them():
    graph = adcli.parse("sum(A[1:, 0] @ B.T, axis=0) + zeros(2)[1] + [x, y][0]")
    texts = [graph.node_text(n) for n in graph.op_nodes]
    assert "v1[1:, 0]" in texts[0] or any("[1:, 0]" in t for t in texts)
    assert any(t.endswith(".T") for t in texts)
    assert any("axis=0" in t for t in texts)
    assert any(t == "zeros(2)" for t in texts)
    assert any(t.startswith("[") and t.endswith("]") for t in texts)


def test_max_of_one_scalar_argument_keeps_the_scalar_op():
    graph = adcli.parse("max(x)")
    assert not graph.has_arrays and graph.ops[graph.output].name == "max"
    assert graph.for_arrays().ops[graph.output].array  # the reduction on arrays
    assert adcli.grad("max(x)", [2.0]).gradient["x"] == 1.0


@pytest.mark.parametrize("text, says, under", [
    ("x[1.5]", "an index must be an integer", "1.5"),
    ("x[y]", "must be a number", "y"),
    ("sum(x, axis=1.5)", "axis= must be an integer", "1.5"),
    ("sum(x, keepdims=1)", "sum has no argument keepdims=", "keepdims"),
    ("exp(x, axis=0)", "exp has no argument axis=", "axis"),
    ("zeros(x)", "a size must be a number", "x"),
    ("eye(2, 3)", "eye takes at most 1 argument", "eye(2, 3)"),
    ("det(A, B)", "det takes 1 argument", "det(A, B)"),
    ('load("no-such-file.csv")', "cannot read no-such-file.csv", '"no-such-file.csv"'),
    ('exp("A.csv")', "exp takes no text argument", '"A.csv"'),
])
def test_array_syntax_errors_point_at_the_fault(text, says, under):
    with pytest.raises(ExpressionError) as caught:
        adcli.parse(text)
    error = caught.value
    assert says in error.message
    assert text[error.start:error.end] == under


@pytest.mark.parametrize("text, at, says, under", [
    ("A @ x", {"A": np.ones((3, 2)), "x": np.ones(3)}, "cannot matmul (3, 2) @ (3,)", "A @ x"),
    ("x + y", {"x": np.ones(3), "y": np.ones(2)}, "cannot broadcast", "x + y"),
    ("x[5]", {"x": np.ones(3)}, "out of range", "x[5]"),
    ("det(A)", {"A": np.ones((2, 3))}, "square", "det(A)"),
    ("sum(A, axis=2)", {"A": np.ones((2, 3))}, "axis", "sum(A, axis=2)"),
    ("[x, y]", {"x": np.ones(3), "y": np.ones(2)}, "cannot stack", "[x, y]"),
])
def test_shape_errors_name_both_shapes_at_the_operator(text, at, says, under):
    with pytest.raises(ShapeError) as caught:
        adcli.values(text, at) if adcli.parse(text).has_arrays else adcli.grad(text, at, wrt="x")
    error = caught.value
    assert says in error.message
    assert text[error.start:error.end] == under
    assert error.kind == "shape"


def test_load_reads_relative_to_the_loader(tmp_path):
    from adcli.language.parser import parse_builder
    (tmp_path / "A.csv").write_text("1,2\n3,4\n")
    from adcli.array_values import read_array_file
    builder = parse_builder('A = load("A.csv")\nsum(A @ x)',
                            loader=lambda path: read_array_file(path, base=str(tmp_path)))
    graph = builder.build()
    assert graph.has_arrays and graph.variables == ("x",)
    result = adcli.grad(graph, {"x": [1.0, 1.0]})
    assert result.value == 10.0
    assert result.gradient["x"].tolist() == [4.0, 6.0]
