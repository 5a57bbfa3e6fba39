"""Programs and expression files (.adx, issue 4): statements, definitions,
outputs, line continuation, shared nodes, lazy definitions, errors with
their location, and a 100,000-line file.  Truth is written by hand."""
import math

import numpy as np
import pytest

import adcli
from adcli import ops


def error_of(text):
    """The ExpressionError parsing text raises."""
    with pytest.raises(adcli.ExpressionError) as info:
        adcli.parse(text)
    return info.value


def marked(error):
    """The source text the error's start/end point at."""
    return error.source[error.start:error.end]


def line_col(source, position):
    """1-based (line, column) of a position, computed here independently."""
    before = source[:position]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


# --- statements ----------------------------------------------------------------------------


ARM = """\
# planar two-link arm: end-effector position

l1 = 1.0                  # a named constant
l2 = 0.7
c  = cos(t1)              # an intermediate, shared below
px = l1*c + l2*cos(t1 + t2)
py = l1*sin(t1) + l2*sin(t1 + t2)
output px, py             # the outputs
"""


def test_program_with_comments_constants_intermediates_and_outputs():
    graph = adcli.parse(ARM)
    assert graph.variables == ("t1", "t2")  # the free names; l1, l2, c are defined
    assert graph.output_names == ("px", "py")
    t1, t2 = 0.3, 1.1
    values = adcli.values(graph, {"t1": t1, "t2": t2})
    assert values["px"] == pytest.approx(math.cos(t1) + 0.7 * math.cos(t1 + t2), rel=1e-15)
    assert values["py"] == pytest.approx(math.sin(t1) + 0.7 * math.sin(t1 + t2), rel=1e-15)
    result = adcli.jacobian(graph, [t1, t2])
    s1, s12, c1, c12 = math.sin(t1), math.sin(t1 + t2), math.cos(t1), math.cos(t1 + t2)
    expected = [[-s1 - 0.7 * s12, -0.7 * s12], [c1 + 0.7 * c12, 0.7 * c12]]
    for got, want in zip(result.matrix.tolist(), expected):
        assert got == pytest.approx(want, rel=1e-14, abs=1e-15)


def test_named_constants_are_folded_not_variables():
    graph = adcli.parse("k = 2.5\nscale = k*k\nz = scale*x")
    assert graph.variables == ("x",)
    assert adcli.grad(graph, [2]).gradient == {"x": 6.25}
    # k*k is folded, so the only op node is scale*x
    assert [graph.ops[n].name for n in graph.op_nodes] == ["mul"]


def test_constant_program_has_no_variables():
    assert adcli.values("k = 2\nm = k*pi", []) == {"m": pytest.approx(2 * math.pi)}


def test_intermediates_used_by_later_lines():
    text = "u = x + y\nv = u*u\nw = v - u\noutput w"
    x, y = 1.5, -0.5
    result = adcli.grad(text, [x, y])
    u = x + y
    assert result.value == u * u - u
    assert result.gradient == {"x": 2 * u - 1, "y": 2 * u - 1}


def test_a_definition_may_name_a_variable_alias_and_an_output_may_be_a_variable():
    graph = adcli.parse("y = 2*x\noutput x, y")
    assert graph.output_names == ("x", "y")
    assert adcli.jacobian(graph, [3]).matrix.tolist() == [[1.0], [2.0]]


def test_fan_out_through_definitions():
    """micrograd's test: b = a + a; c = b + b gives dc/da = 4."""
    result = adcli.grad("b = a + a\nc = b + b", [1.5])
    assert result.value == 6.0
    assert result.gradient == {"a": 4.0}


@pytest.mark.parametrize("text, names", [
    ("x*y", ("f",)),  # one bare expression: f
    ("x*y\nx+y", ("f1", "f2")),  # several: f1, f2, ...
    ("x*y; x+y; x-y", ("f1", "f2", "f3")),
    ("a = x*y\nb = a + 1", ("b",)),  # none: the last definition
    ("a = x*y\nb = a + 1\na - b", ("f",)),  # bare expressions win over definitions
    ("f = x*2\nf + 1", ("out",)),  # f is taken: another name
    ("a = x*y\nb = a + 1\noutput a, b", ("a", "b")),
    ("a = x\noutput a\nb = 2*x\noutput b", ("a", "b")),  # several output statements
    ("a = x; output a; a + 1", ("a", "f")),  # declared outputs, then bare expressions
])
def test_default_and_declared_outputs(text, names):
    graph = adcli.parse(text)
    assert graph.output_names == names
    assert len(graph.outputs) == len(names)


def test_select_and_labels():
    graph = adcli.parse("a = x*y\nb = a + 1\noutput a, b")
    assert graph.labels == {graph.outputs[0]: "a", graph.outputs[1]: "b"}
    one = graph.select("b")
    assert one.output_names == ("b",)
    assert adcli.grad(one, [2, 3]).gradient == {"x": 3.0, "y": 2.0}
    assert adcli.grad(graph, [2, 3], output="a").value == 6.0
    with pytest.raises(adcli.ExpressionError, match="2 outputs"):
        adcli.grad(graph, [2, 3])


@pytest.mark.parametrize("text", [
    "a = x; b = a*2; output b",
    "a = x;;b = a*2;",
    ";a = x\n;\nb = a*2\n",
    "a = x;\n\n;b = a*2",
    "a=x;b=a*2",
])
def test_semicolons_separate_statements(text):
    graph = adcli.parse(text)
    assert graph.output_names == ("b",)
    assert adcli.values(graph, [3]) == {"b": 6.0}


def test_windows_line_endings():
    graph = adcli.parse("# model\r\na = x\r\nb = a*2\r\n")
    assert graph.output_names == ("b",)
    assert adcli.values(graph, [3]) == {"b": 6.0}


# --- line continuation -----------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    # inside parentheses
    ("a = (x +\n y)", 3.0),
    ("a = (x\n\n+\ny)", 3.0),
    ("a = atan2(\n  y,\n  x\n)", math.atan2(2, 1)),
    ("a = max(x,\n        y,\n        0)", 2.0),
    # after an operator
    ("a = x +\n y", 3.0),
    ("a = x *\n\n\n y", 2.0),
    ("a = x **\n y", 1.0),
    ("a = x -\n y", -1.0),
    ("a = x +\n  # a comment between\n  y", 3.0),
    # before a line starting with a binary operator
    ("a = x\n + y", 3.0),
    ("a = x\n - y", -1.0),
    ("a = x\n * y", 2.0),
    ("a = x\n / y", 0.5),
    ("a = x\n ** y", 1.0),
    ("x\n-y", -1.0),  # so a line starting with '-' continues, as documented
])
def test_line_continuation(text, expected):
    graph = adcli.parse(text)
    assert len(graph.outputs) == 1
    assert list(adcli.values(graph, [1, 2]).values()) == [pytest.approx(expected)]


def test_a_newline_elsewhere_ends_the_statement():
    graph = adcli.parse("x\ny")
    assert graph.output_names == ("f1", "f2")
    graph = adcli.parse("a = x\n(y)")  # '(' does not continue the previous line
    assert graph.output_names == ("f",)
    assert adcli.values(graph, [1, 2]) == {"f": 2.0}


# --- one node per subexpression, lazy definitions ---------------------------------------------


def test_identical_subexpressions_across_definitions_are_one_node():
    graph = adcli.parse("a = sin(x)*y\nb = sin(x)*y + 1\nc = exp(sin(x))\noutput a, b, c")
    sines = [n for n in graph.op_nodes if graph.ops[n].name == "sin"]
    assert len(sines) == 1
    muls = [n for n in graph.op_nodes if graph.ops[n].name == "mul"]
    assert len(muls) == 1
    assert graph.outputs[0] in graph.args[graph.outputs[1]]  # b = (the node a) + 1
    x, y = 0.4, 1.5
    result = adcli.jacobian(graph, [x, y])
    expected = [[math.cos(x) * y, math.sin(x)], [math.cos(x) * y, math.sin(x)],
                [math.exp(math.sin(x)) * math.cos(x), 0.0]]
    for got, want in zip(result.matrix.tolist(), expected):
        assert got == pytest.approx(want, rel=1e-15)


def test_the_same_formula_under_two_names_is_one_node():
    graph = adcli.parse("a = x*y\nb = x*y\noutput a, b")
    assert graph.outputs[0] == graph.outputs[1]
    assert len(graph.op_nodes) == 1


UNUSED = "p = log(x)\nq = x*x + y\noutput q"


def test_definitions_no_output_uses_are_not_evaluated():
    graph = adcli.parse(UNUSED)
    assert [graph.ops[n].name for n in graph.op_nodes] == ["mul", "add"]
    at = [-1.0, 2.0]  # log(-1) would be a domain error
    assert adcli.values(graph, at) == {"q": 3.0}
    assert adcli.grad(graph, at).gradient == {"x": -2.0, "y": 1.0}
    assert adcli.grad(graph, at, mode="forward").gradient == {"x": -2.0, "y": 1.0}
    assert adcli.jacobian(graph, at, mode="forward").matrix.tolist() == [[-2.0, 1.0]]
    assert adcli.jacobian(graph, at, mode="reverse").matrix.tolist() == [[-2.0, 1.0]]
    assert adcli.hessian(graph, at).matrix.tolist() == [[2.0, 0.0], [0.0, 0.0]]
    assert adcli.jvp(graph, at, [1, 0]).product == {"q": -2.0}
    assert adcli.vjp(graph, at, [1]).product == {"x": -2.0, "y": 1.0}


def test_an_unused_definition_is_not_evaluated_after_select():
    graph = adcli.parse("p = log(x)\nq = x*x\noutput p, q")
    with pytest.raises(adcli.DomainError):
        adcli.values(graph, [-1.0])
    assert adcli.grad(graph.select("q"), [-1.0]).value == 1.0
    assert adcli.hessian(graph, [-1.0], output="q").matrix.tolist() == [[2.0]]
    with pytest.raises(adcli.DomainError):
        adcli.grad(graph, [-1.0], output="p")


def test_a_batch_does_not_evaluate_unused_definitions():
    import numpy as np
    result = adcli.grad(UNUSED, {"x": np.array([-1.0, -2.0]), "y": 1.0})
    assert result.failed_rows == []
    assert result.gradient["x"].tolist() == [-2.0, -4.0]


# --- errors, each with its location -----------------------------------------------------------


@pytest.mark.parametrize("text, token, line, says", [
    ("a = b + 1\nb = x\noutput a", "b", 1, "used before it is defined"),
    ("a = x\n  a = y", "a", 2, "defined twice"),
    ("a = b\nb = a", "b", 1, "used before it is defined"),  # a cycle
    ("a = a + 1", "a", 1, "used before it is defined"),  # a cycle of one
    ("sin = x", "sin", 1, "function"),
    ("z = 1\nexp = z", "exp", 2, "function"),
    ("pi = 3", "pi", 1, "constant"),
    ("y = x\ne = 2", "e", 2, "constant"),
    ("alpha = x\noutput alpah", "alpah", 2, "no definition named 'alpah'"),
    ("a = x\nb = y\noutput a, c", "c", 3, "no definition named 'c'"),
    ("a = x\noutput a, a", "a", 2, "listed as an output twice"),
    ("a = x\noutput a\noutput a", "a", 3, "listed as an output twice"),
])
def test_program_errors_point_at_the_token(text, token, line, says):
    error = error_of(text)
    assert says in error.message
    assert marked(error) == token
    assert line_col(text, error.start)[0] == line
    if "\n" in text:
        assert f"line {line}:" in str(error)  # the caret line is numbered


def test_used_before_defined_points_at_the_use():
    text = "a = 2*speed\nspeed = x"
    error = error_of(text)
    assert (error.start, error.end) == (6, 11)
    assert "line 1" in error.hint


def test_defined_twice_names_the_first_line():
    error = error_of("a = x\nb = a\n\na = y")
    assert line_col(error.source, error.start) == (4, 1)
    assert "line 1" in error.hint


def test_missing_output_suggests_a_close_name():
    error = error_of("alpha = x\nbeta = y\noutput alpah")
    assert error.hint == "did you mean alpha?"
    assert "did you mean alpha?" in str(error)


def test_selecting_a_missing_output_suggests_a_close_name():
    graph = adcli.parse("px = x\npy = y\noutput px, py")
    with pytest.raises(adcli.ExpressionError) as info:
        graph.select("pz")
    assert "pz" in info.value.message
    assert "px" in info.value.hint or "py" in info.value.hint


@pytest.mark.parametrize("text, token, line", [
    ("a = x\nb = y\nc = a b", "b", 3),
    ("a = x\n\nb = a )", ")", 3),
    ("a = x\nb = (a +\n* 2)", "*", 3),
    ("a = x\nb = 2 3", "3", 2),
    ("a = x\n\n\nb = a $ 2", "$", 4),
    ("a = x\nb = a\noutput a b", "b", 3),
    ("a = x\n= y", "=", 2),
])
def test_syntax_errors_name_their_line(text, token, line):
    error = error_of(text)
    assert marked(error) == token
    assert line_col(text, error.start)[0] == line
    assert f"line {line}:" in str(error)


def test_a_file_that_ends_too_early_points_at_its_end():
    text = "a = x\nb = a +\n"
    error = error_of(text)
    assert line_col(text, error.start)[0] == 2
    assert "ends too early" in error.message


def test_unclosed_paren_hint_on_a_later_line_gives_its_line_and_column():
    error = error_of("a = x\nb = (a + 1")
    assert error.message == "missing ')'"
    assert "line 2" in error.hint and "column 5" in error.hint


def test_trailing_comma_in_a_call_is_not_called_an_unmatched_paren():
    error = error_of("a = atan2(\n  y,\n)")
    assert "unmatched" not in error.message


def test_errors_give_file_line_and_column_when_the_source_is_a_file():
    error = error_of("a = x\nb = y\noutput a, bb")
    error.filename = "model.adx"
    assert str(error).startswith("model.adx:3:11: no definition named 'bb'")


def test_function_names_and_constants_stay_reserved():
    for name in ops.function_names():
        assert "cannot be redefined" in error_of(f"{name} = x").message
    for name in ops.CONSTANTS:
        assert "cannot be redefined" in error_of(f"{name} = x").message


# --- a large file ------------------------------------------------------------------------------

#: lines in the large file: a chain of definitions, each using the last
LARGE = 100_000
RATIO = 0.99999


def _chained_file(lines):
    """r = RATIO; a0 = x; a_k = r*a_(k-1) + sin(x) for k < lines - 2; so
    a_n = r**n x + sin(x) (1 - r**n)/(1 - r), n = lines - 3."""
    out = ["# a long chain of definitions", f"r = {RATIO!r}", "a0 = x"]
    out += [f"a{k} = r*a{k - 1} + sin(x)" for k in range(1, lines - 2)]
    return "\n".join(out) + "\n", lines - 3


@pytest.fixture(scope="module")
def large_program():
    text, n = _chained_file(LARGE)
    assert text.count("\n") == LARGE
    return adcli.parse(text), n


def test_a_100000_line_file_parses_into_one_chain(large_program):
    graph, n = large_program
    assert graph.variables == ("x",)
    assert graph.output_names == (f"a{n}",)
    assert len(graph.op_nodes) == 2 * n + 1  # n products, n sums, one sine


def test_a_100000_line_file_differentiates_by_both_modes(large_program):
    graph, n = large_program
    x = 0.3
    geometric = (1 - RATIO ** n) / (1 - RATIO)
    value = RATIO ** n * x + math.sin(x) * geometric
    derivative = RATIO ** n + math.cos(x) * geometric
    result = adcli.grad(graph, [x])
    assert result.value == pytest.approx(value, rel=1e-9)
    assert result.gradient["x"] == pytest.approx(derivative, rel=1e-9)
    forward = adcli.jacobian(graph, [x], mode="forward")
    assert forward.matrix[0][0] == pytest.approx(derivative, rel=1e-9)
    second = adcli.hessian(graph, [x])
    assert second.matrix[0][0] == pytest.approx(-math.sin(x) * geometric, rel=1e-9)


def test_a_long_file_through_the_cli(run_cli, tmp_path):
    text, n = _chained_file(10_000)
    path = tmp_path / "chain.adx"
    path.write_text(text, encoding="utf-8")
    result = run_cli("grad", "-f", path, "--at", "0.3", "--format", "json")
    assert result.exit_code == 0, result.stderr
    import json
    document = json.loads(result.stdout)
    geometric = (1 - RATIO ** n) / (1 - RATIO)
    assert document["gradient"]["x"] == pytest.approx(RATIO ** n + math.cos(0.3) * geometric,
                                                      rel=1e-10)


# --- the example models (examples/*.adx) against hand formulas ------------------------------


def _example(name):
    from conftest import EXAMPLES
    return adcli.parse((EXAMPLES / name).read_text(encoding="utf-8"))


def test_two_link_arm_example():
    graph = _example("two_link_arm.adx")
    assert graph.variables == ("t1", "t2")
    assert graph.output_names == ("px", "py")
    # the shared intermediate cos(t1) and the angle t1 + t2 are one node each
    assert [graph.ops[n].name for n in graph.op_nodes].count("cos") == 2  # cos(t1), cos(t12)
    l1, l2 = 1.0, 0.7
    for t1, t2 in [(0.3, 1.1), (-2.0, 0.4), (math.pi / 4, math.pi / 6)]:
        result = adcli.jacobian(graph, {"t1": t1, "t2": t2})
        px = l1 * math.cos(t1) + l2 * math.cos(t1 + t2)
        py = l1 * math.sin(t1) + l2 * math.sin(t1 + t2)
        assert result.values["px"] == pytest.approx(px, rel=1e-15)
        assert result.values["py"] == pytest.approx(py, rel=1e-15)
        expected = [[-py, -l2 * math.sin(t1 + t2)], [px, l2 * math.cos(t1 + t2)]]
        for got, want in zip(result.matrix.tolist(), expected):
            assert got == pytest.approx(want, rel=1e-14, abs=1e-15)
        # det J = l1 l2 sin(t2): the arm is singular when stretched out
        assert np.linalg.det(result.matrix) == pytest.approx(l1 * l2 * math.sin(t2), abs=1e-14)
    assert adcli.jacobian(graph, [0, 0]).sparsity() == {"px": ["t1", "t2"], "py": ["t1", "t2"]}


def test_curve_fit_example():
    graph = _example("curve_fit.adx")
    assert graph.variables == ("a", "b")
    assert graph.output_names == ("r1", "r2", "r3", "r4", "r5")
    ts = [0.0, 0.5, 1.0, 1.5, 2.0]
    ys = [2.02, 2.68, 3.66, 4.89, 6.66]
    for a, b in [(2.0, 0.6), (1.5, -0.2)]:
        result = adcli.jacobian(graph, {"a": a, "b": b})
        for k, (t, y) in enumerate(zip(ts, ys)):
            assert result.values[f"r{k + 1}"] == pytest.approx(y - a * math.exp(b * t), rel=1e-14,
                                                               abs=1e-15)
            assert result.matrix[k].tolist() == pytest.approx(
                [-math.exp(b * t), -a * t * math.exp(b * t)], rel=1e-15)
        # the gradient of half the sum of squares is J^T r: a vjp with u = r
        r = [result.values[name] for name in result.outputs]
        product = adcli.vjp(graph, [a, b], r).product
        assert list(product.values()) == pytest.approx(list(result.matrix.T @ np.array(r)),
                                                       rel=1e-13)
    # r1 has t1 = 0: d r1/d b is 0 there, but r1 depends on b through the graph
    assert adcli.jacobian(graph, [2, 0.6]).sparsity()["r1"] == ["a", "b"]


def test_curve_fit_example_fits_its_data():
    """A few Gauss-Newton steps with adcli's Jacobian reach a, b near (2, 0.6)."""
    graph = _example("curve_fit.adx")
    p = np.array([1.0, 0.3])
    for _ in range(8):
        result = adcli.jacobian(graph, list(p))
        r = np.array(list(result.values.values()))
        p = p - np.linalg.lstsq(result.matrix, r, rcond=None)[0]
    assert p == pytest.approx([2.0, 0.6], abs=0.02)


def test_rosenbrock_example():
    graph = _example("rosenbrock.adx")
    assert graph.variables == ("x", "y")
    assert graph.output_names == ("f",)
    result = adcli.hessian(graph, [1, 1])
    assert result.value == 0.0
    assert result.matrix.tolist() == [[802.0, -400.0], [-400.0, 200.0]]
    x, y = -1.2, 1.0
    result = adcli.hessian(graph, [x, y])
    assert result.value == pytest.approx((1 - x) ** 2 + 100 * (y - x * x) ** 2, rel=1e-15)
    assert list(result.gradient.values()) == pytest.approx(
        [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)], rel=1e-14)
    assert result.matrix.tolist()[0] == pytest.approx([1200 * x * x - 400 * y + 2, -400 * x],
                                                      rel=1e-14)
