"""The expression language: numbers, precedence, names, shared subexpressions,
variable order, points, and deep or long input (nothing may recurse)."""
import math

import pytest

import adcli
from adcli import ops


def value(text, at=()):
    return adcli.grad(text, list(at)).value


# --- numbers and constants ---------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2", 2.0), ("2.5", 2.5), (".5", 0.5), ("2.", 2.0), ("1e-3", 0.001),
    ("1E3", 1000.0), ("1.5E+10", 1.5e10), ("2.5e-1", 0.25), (".5e1", 5.0),
    ("007", 7.0), ("0.1", 0.1), ("1e308", 1e308),
])
def test_numbers(text, expected):
    assert value(text) == expected


def test_constants():
    assert value("pi") == math.pi
    assert value("e") == math.e
    assert value("2*pi*x", [0.5]) == math.pi
    assert adcli.parse("pi*e*x").variables == ("x",)
    assert adcli.grad("e**x", [1.0]).gradient["x"] == pytest.approx(math.e, rel=1e-15)


# --- precedence and associativity, like Python ------------------------------------------


@pytest.mark.parametrize("text, at, expected", [
    ("-x**2", [3.0], -9.0),            # -(x**2)
    ("(-x)**2", [3.0], 9.0),
    ("-2**2", [], -4.0),
    ("2**-1", [], 0.5),
    ("2**-x", [1.0], 0.5),
    ("2**3**2", [], 512.0),            # right associative: 2**(3**2)
    ("x**y**z", [2.0, 3.0, 2.0], 512.0),
    ("(2**3)**2", [], 64.0),
    ("2^3^2", [], 512.0),              # ^ is **
    ("x^2", [3.0], 9.0),
    ("-x^2", [3.0], -9.0),
    ("10-4-3", [], 3.0),               # left associative
    ("a-b-c", [10.0, 4.0, 3.0], 3.0),
    ("a-(b-c)", [10.0, 4.0, 3.0], 9.0),
    ("8/4/2", [], 1.0),
    ("a/b/c", [8.0, 4.0, 2.0], 1.0),
    ("a/b*c", [8.0, 4.0, 2.0], 4.0),
    ("2+3*4", [], 14.0),
    ("2*3**2", [], 18.0),
    ("2*-3", [], -6.0),
    ("-2*-3", [], 6.0),
    ("+x", [3.0], 3.0),
    ("--x", [3.0], 3.0),
    ("-+-x", [3.0], 3.0),
    ("- - - x", [3.0], -3.0),
    ("x - -y", [1.0, 2.0], 3.0),
    ("-x**-y", [2.0, 1.0], -0.5),
    ("2**+3", [], 8.0),
    ("1 - 2 + 3", [], 2.0),
    ("-sin(x)**2", [1.0], -math.sin(1.0) ** 2),
    ("sin(x)**-1", [1.0], 1 / math.sin(1.0)),
])
def test_precedence_like_python(text, at, expected):
    assert value(text, at) == pytest.approx(expected, rel=1e-15)


def test_unary_minus_binds_looser_than_power_in_the_gradient():
    # d/dx -(x**2) = -2x; (-x)**2 would give +2x
    assert adcli.grad("-x**2", [3.0]).gradient == {"x": -6.0}
    assert adcli.grad("(-x)**2", [3.0]).gradient == {"x": 6.0}


def test_power_is_right_associative_in_the_gradient():
    # x**(y**z): d/dz = x**(y**z) * log(x) * y**z * log(y)
    result = adcli.grad("x**y**z", [2.0, 3.0, 2.0])
    expected = 2.0 ** 9 * math.log(2.0) * 9 * math.log(3.0)
    assert result.gradient["z"] == pytest.approx(expected, rel=1e-14)


def test_subtraction_is_left_associative_in_the_gradient():
    assert adcli.grad("a-b-c", [1.0, 2.0, 3.0]).gradient == {"a": 1.0, "b": -1.0, "c": -1.0}
    assert adcli.grad("a-(b-c)", [1.0, 2.0, 3.0]).gradient == {"a": 1.0, "b": -1.0, "c": 1.0}


# --- layout -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "3*(x1**2+x2*x3)",
    "  3 * ( x1 ** 2 + x2 * x3 )  ",
    "3*(x1**2\n  + x2*x3)\n",
    "\t3*(x1^2+x2*x3)\r\n",
    "# the textbook example\n3*(x1**2 + x2*x3)  # 48 at (2, 3, 4)\n",
    "3*(   # open\n x1**2 # square\n + x2*x3 # product\n)",
])
def test_whitespace_newlines_and_comments_are_free(text):
    result = adcli.grad(text, [2, 3, 4])
    assert result.value == 48.0
    assert result.gradient == {"x1": 12.0, "x2": 12.0, "x3": 9.0}


def test_names_with_digits_and_underscores():
    result = adcli.grad("_a + b_2*B_2 + longer_name9", {"_a": 1, "b_2": 2, "B_2": 3,
                                                         "longer_name9": 4})
    assert result.value == 11.0
    assert result.gradient == {"B_2": 2.0, "_a": 1.0, "b_2": 3.0, "longer_name9": 1.0}


def test_names_are_case_sensitive():
    assert adcli.parse("x*X").variables == ("X", "x")
    with pytest.raises(adcli.ExpressionError):
        adcli.parse("SIN(x)")


# --- one node per subexpression ---------------------------------------------------------


@pytest.mark.parametrize("text, op_nodes", [
    ("sin(x)*sin(x)", 2),
    ("(x+y)*(x+y)", 2),
    ("x*y + x*y", 2),
    ("exp(x) + exp(x) + exp(x)", 2),
    ("sin(x)*cos(x) + cos(x)*sin(x)", 5),   # x*y and y*x are different nodes
    ("(a+a)+(a+a)", 2),
    ("x + y + z + w", 1),                   # one n-ary sum
    ("2*3 + x", 1),                         # constants fold
    ("pi/2 + sin(pi/6) + x", 1),
])
def test_identical_subexpressions_are_one_node(text, op_nodes):
    assert len(adcli.parse(text).op_nodes) == op_nodes


def test_fan_out_b_equals_a_plus_a_c_equals_b_plus_b():
    # b = a + a; c = b + b: dc/da = 4
    result = adcli.grad("(a+a)+(a+a)", [1.5])
    assert result.value == 6.0
    assert result.gradient == {"a": 4.0}
    b_row = result.trace[1]
    assert b_row.computes == "v1 + v1"
    assert b_row.partials == [("v1", 1.0), ("v1", 1.0)]
    assert b_row.adjoint == 2.0


def test_repeated_subexpressions_accumulate_adjoints():
    # f = s*s + s with s = sin(x): df/dx = (2 s + 1) cos x
    x = 0.7
    result = adcli.grad("sin(x)*sin(x) + sin(x)", [x])
    assert result.value == pytest.approx(math.sin(x) ** 2 + math.sin(x), rel=1e-15)
    expected = (2 * math.sin(x) + 1) * math.cos(x)
    assert result.gradient["x"] == pytest.approx(expected, rel=1e-15)
    assert adcli.grad("x*y + x*y", [2.0, 5.0]).gradient == {"x": 10.0, "y": 4.0}
    assert adcli.grad("x*x*x", [2.0]).gradient == {"x": 12.0}


# --- variable order ------------------------------------------------------------------------


def test_natural_variable_order():
    assert adcli.parse("x10 + x2 + x1").variables == ("x1", "x2", "x10")
    assert adcli.parse("c + a + b").variables == ("a", "b", "c")
    assert adcli.parse("x2y10 + x2y9 + x10y1").variables == ("x2y9", "x2y10", "x10y1")
    result = adcli.grad("x10 - x2", [1.0, 5.0])  # x2 = 1, x10 = 5
    assert result.value == 4.0
    assert result.gradient == {"x2": -1.0, "x10": 1.0}


def test_variables_override():
    graph = adcli.parse("x1 - 2*x2 + 3*x3", variables=["x3", "x1", "x2"])
    assert graph.variables == ("x3", "x1", "x2")
    result = adcli.grad(graph, [1.0, 2.0, 3.0])  # x3=1, x1=2, x2=3
    assert result.value == 2 - 6 + 3
    assert list(result.gradient.items()) == [("x3", 3.0), ("x1", 1.0), ("x2", -2.0)]
    result = adcli.grad("x1 - 2*x2", [1.0, 2.0], variables=["x2", "x1"])
    assert result.value == 0.0
    # the same graph reordered without reparsing
    again = adcli.parse(graph, variables=["x1", "x2", "x3"])
    assert adcli.grad(again, [1.0, 2.0, 3.0]).value == 1 - 4 + 9


@pytest.mark.parametrize("variables, says", [
    (["x", "z"], "missing: y"), (["x"], "y"), (["x", "y", "x"], "twice"),
    (["x", "y", "z", "z"], "twice"), (["x", "y", "pi"], "pi is a constant"),
    (["x", "y", "sin"], "sin is a function"), (["x", "y", "output"], "keyword"),
    (["x", "y", "2z"], "'2z' is not a variable name"), (["x", "y", "z w"], "not a variable"),
    (["x", "y", "é"], "not a variable name"), (["x", "y", ""], "not a variable name"),
])
def test_bad_variables_override(variables, says):
    with pytest.raises(adcli.ExpressionError) as caught:
        adcli.parse("x*y", variables=variables)
    assert says in str(caught.value)


# --- declared variables the expression does not use (MGH 34's x1 and xn) -------------


def test_variables_may_name_inputs_the_expression_does_not_use():
    graph = adcli.parse("x2**2", variables=["x1", "x2", "x3"])
    assert graph.variables == ("x1", "x2", "x3")
    result = adcli.grad(graph, [5.0, 3.0, 7.0])
    assert result.value == 9.0
    assert list(result.gradient.items()) == [("x1", 0.0), ("x2", 6.0), ("x3", 0.0)]
    assert result.point == {"x1": 5.0, "x2": 3.0, "x3": 7.0}
    assert adcli.grad("x2**2", {"x2": 3, "x1": 1}, variables=["x1", "x2"]).gradient == {
        "x1": 0.0, "x2": 6.0}


def test_declared_variables_in_every_derivative():
    graph = adcli.parse("a = x*y\noutput a", variables=["w", "x", "y"])
    at = [1.0, 2.0, 3.0]
    assert adcli.jacobian(graph, at).matrix.tolist() == [[0.0, 3.0, 2.0]]
    assert adcli.hessian(graph, at).matrix.tolist() == [
        [0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    assert adcli.jvp(graph, at, [1.0, 0.0, 0.0]).product == {"a": 0.0}
    assert adcli.vjp(graph, at, [1.0]).product == {"w": 0.0, "x": 3.0, "y": 2.0}
    batch = adcli.grad(graph, {"w": [1.0, 2.0], "x": [2.0, 3.0], "y": [3.0, 4.0]})
    assert batch.gradient["w"].tolist() == [0.0, 0.0]
    assert batch.gradient["y"].tolist() == [2.0, 3.0]


def test_a_parsed_graph_can_declare_more_variables_without_changing_itself():
    graph = adcli.parse("x*y")
    wider = adcli.parse(graph, variables=["y", "z", "x"])
    assert wider.variables == ("y", "z", "x")
    assert adcli.grad(wider, [2.0, 9.0, 3.0]).gradient == {"y": 3.0, "z": 0.0, "x": 2.0}
    assert graph.variables == ("x", "y") and len(graph) == 3  # the original is untouched
    assert adcli.grad(graph, [3.0, 2.0]).gradient == {"x": 2.0, "y": 3.0}


def test_declared_variables_on_the_level_by_level_path():
    terms = " + ".join(f"sin(x{k})" for k in range(1, 3001))
    names = ["x0"] + [f"x{k}" for k in range(1, 3001)]
    graph = adcli.parse(terms, variables=names)
    result = adcli.grad(graph, [0.0] * len(names))
    assert result.gradient["x0"] == 0.0 and result.gradient["x3000"] == 1.0


def test_a_start_point_declares_its_names():
    result = adcli.minimize("(x2 - 1)**2 + (x3 + 2)**2", {"x1": 5, "x2": 0, "x3": 0, "x4": 7})
    assert result.variables == ("x1", "x2", "x3", "x4")
    assert result.converged
    assert result.x == pytest.approx({"x1": 5.0, "x2": 1.0, "x3": -2.0, "x4": 7.0})
    with pytest.raises(adcli.PointError, match="z is not a variable"):
        adcli.minimize("x**2", {"x": 1, "z": 2}, variables=["x"])  # an order fixes them
    with pytest.raises(adcli.PointError, match="z is not a variable"):
        adcli.grad("x**2", {"x": 1, "z": 2})  # only a start point declares


@pytest.mark.parametrize("command, zero", [
    ("grad", lambda d: d["gradient"]["x1"]),
    ("hessian", lambda d: d["hessian"][0] + [d["gradient"]["x1"]]),
    ("jacobian", lambda d: d["jacobian"][0][0]),
    ("explain", lambda d: (d["nodes"][0]["adjoint"], d["paths"][0]["total"])),
    ("graph", lambda d: d["nodes"][0]["adjoint"]),
])
def test_cli_vars_may_name_unused_variables(run_cli, command, zero):
    import json
    result = run_cli(command, "x2**2", "--vars", "x1,x2", "--at", "1,3",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document.get("variables", ["x1", "x2"]) == ["x1", "x2"]
    assert document["nodes"][0]["computes"] == "input x1" if "nodes" in document else True
    assert zero(document) in (0.0, [0.0, 0.0, 0.0], (0.0, 0.0))


def test_cli_vars_gradient_of_an_unused_variable_is_zero(run_cli):
    import json
    result = run_cli("grad", "x2**2", "--vars", "x1,x2,x3", "--at", "1,3,5", "--format", "json")
    assert json.loads(result.stdout)["gradient"] == {"x1": 0.0, "x2": 6.0, "x3": 0.0}
    result = run_cli("vjp", "x2**2", "--vars", "x1,x2", "--at", "1,3", "--dir", "1",
                     "--format", "json")
    assert json.loads(result.stdout)["vjp"] == {"x1": 0.0, "x2": 6.0}


def test_cli_minimize_from_declares_its_names(run_cli, tmp_path):
    import json
    trace = tmp_path / "steps.csv"
    result = run_cli("minimize", "(x2 - 1)**2", "--from", "x1=4,x2=0", "--format", "json",
                     "--trace-file", trace)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["variables"] == ["x1", "x2"]
    assert document["x"] == {"x1": 4.0, "x2": 1.0}
    assert trace.read_text().splitlines()[0].endswith(",x[x1],x[x2]")
    result = run_cli("minimize", "(x2 - 1)**2", "--vars", "x2", "--from", "x1=4,x2=0")
    assert result.exit_code == 2 and "x1 is not a variable" in result.stderr


def test_an_expression_without_variables():
    result = adcli.grad("2*pi", [])
    assert result.value == 2 * math.pi
    assert result.gradient == {}
    assert adcli.grad("2*pi", {}).value == 2 * math.pi


# --- points ----------------------------------------------------------------------------------


def test_named_points_in_any_order():
    for at in ({"x1": 2, "x2": 3, "x3": 4}, {"x3": 4, "x1": 2, "x2": 3}):
        result = adcli.grad("3*(x1**2+x2*x3)", at)
        assert result.value == 48.0
        assert result.gradient == {"x1": 12.0, "x2": 12.0, "x3": 9.0}


def test_positional_points_in_variable_order():
    assert adcli.grad("a - b", (5, 2)).value == 3.0
    assert adcli.grad("sin(x)", 0.0).gradient == {"x": 1.0}


def test_point_values_may_be_text_or_constant_expressions():
    result = adcli.grad("sin(x) + y", {"x": "pi/2", "y": "1e-3"})
    assert result.value == pytest.approx(1.001, rel=1e-15)
    assert result.point == {"x": math.pi / 2, "y": 0.001}
    assert adcli.grad("x", ["-2*e"]).value == -2 * math.e


@pytest.mark.parametrize("at, says", [
    ([1.0], "expected 2 values"),
    ([1.0, 2.0, 3.0], "expected 2 values"),
    ({"x": 1.0}, "no value for y"),
    ({"x": 1.0, "y": 2.0, "z": 3.0}, "z is not a variable"),
    ({"x": 1.0, "yy": 2.0}, "yy"),
    ({"x": "abc", "y": 1.0}, "not a number"),
    ({"x": "y", "y": 1.0}, "not a number"),
    ([None, 1.0], "not a number"),
    ([math.nan, 1.0], "not finite"),
    ([math.inf, 1.0], "not finite"),
    (["", 1.0], "empty"),
])
def test_bad_points_are_point_errors(at, says):
    with pytest.raises(adcli.PointError) as caught:
        adcli.grad("x*y", at)
    assert says in str(caught.value)


def test_unknown_name_in_a_point_suggests_the_close_one():
    with pytest.raises(adcli.PointError) as caught:
        adcli.grad("alpha*beta", {"alpha": 1, "betta": 2})
    assert "did you mean beta?" in str(caught.value)


def test_point_errors_are_expression_errors():
    # the CLI maps ExpressionError (and so PointError) to exit code 2
    assert issubclass(adcli.PointError, adcli.ExpressionError)
    assert issubclass(adcli.ExpressionError, adcli.AdcliError)
    assert issubclass(adcli.DomainError, adcli.AdcliError)
    assert not issubclass(adcli.DomainError, adcli.ExpressionError)


# --- deep and long input: nothing recurses --------------------------------------------------


DEPTH = 10_000


def test_ten_thousand_nested_parentheses():
    text = "(" * DEPTH + "x*y" + ")" * DEPTH
    result = adcli.grad(text, [3.0, 4.0])
    assert result.value == 12.0
    assert result.gradient == {"x": 4.0, "y": 3.0}


def test_ten_thousand_nested_parentheses_around_sums():
    text = "(" * DEPTH + "x" + "+ 1)" * DEPTH
    result = adcli.grad(text, [0.5])
    assert result.value == 0.5 + DEPTH
    assert result.gradient == {"x": 1.0}


@pytest.mark.parametrize("depth", [DEPTH, DEPTH + 1])
def test_ten_thousand_unary_minus(depth):
    result = adcli.grad("-" * depth + "x", [2.0])
    sign = -1.0 if depth % 2 else 1.0
    assert result.value == sign * 2.0
    assert result.gradient == {"x": sign}


def test_ten_thousand_nested_sin():
    text = "sin(" * DEPTH + "x" + ")" * DEPTH
    x = 0.9
    result = adcli.grad(text, [x])
    # by hand: v_k = sin(v_{k-1}), dv_k/dx = cos(v_{k-1}) dv_{k-1}/dx
    v, dv = x, 1.0
    for _ in range(DEPTH):
        v, dv = math.sin(v), dv * math.cos(v)
    assert result.value == pytest.approx(v, rel=1e-12)
    assert result.gradient["x"] == pytest.approx(dv, rel=1e-9)


def test_ten_thousand_nested_calls_of_two_arguments():
    text = "max(" * DEPTH + "x" + ", y)" * DEPTH
    result = adcli.grad(text, [2.0, 1.0])
    assert result.value == 2.0
    assert result.gradient == {"x": 1.0, "y": 0.0}


def test_hundred_thousand_term_sum():
    n = 100_000
    text = " + ".join(f"{k}*x" for k in range(1, n + 1))
    result = adcli.grad(text, [0.5])
    assert result.value == 0.5 * n * (n + 1) / 2
    assert result.gradient == {"x": n * (n + 1) / 2}


def test_hundred_thousand_term_sum_of_one_variable():
    n = 100_000
    graph = adcli.parse(" + ".join(["x"] * n))
    result = adcli.grad(graph, [3.0])
    assert result.value == 3.0 * n
    assert result.gradient == {"x": float(n)}


def test_ten_thousand_long_chain_of_subtractions():
    n = DEPTH
    result = adcli.grad("x" + " - y" * n, [1.0, 2.0])
    assert result.value == 1.0 - 2.0 * n
    assert result.gradient == {"x": 1.0, "y": -float(n)}
    result = adcli.grad("x" + "".join(f" - {k}" for k in range(1, n + 1)), [1.0])
    assert result.value == 1.0 - n * (n + 1) / 2
    assert result.gradient == {"x": 1.0}


def test_ten_thousand_long_chains_of_products_and_powers():
    n = DEPTH
    result = adcli.grad("x" + "*y" * n, [2.0, 1.0001])
    assert result.value == pytest.approx(2.0 * 1.0001 ** n, rel=1e-10)
    assert result.gradient["y"] == pytest.approx(2.0 * n * 1.0001 ** (n - 1), rel=1e-10)
    result = adcli.grad("x" + "**1" * n, [3.0])  # right associative: x**(1**(1**...))
    assert result.value == 3.0
    assert result.gradient == {"x": 1.0}


def test_a_deep_syntax_error_is_reported_not_a_crash():
    with pytest.raises(adcli.ExpressionError) as caught:
        adcli.parse("(" * DEPTH + "x" + ")" * (DEPTH - 1))
    assert "missing ')'" in str(caught.value)
    with pytest.raises(adcli.ExpressionError):
        adcli.parse("sin(" * DEPTH + "x" + ")" * (DEPTH + 1))


def test_every_function_accepts_any_spacing():
    for name in ops.function_names():
        op = ops.TABLE[name]
        count = op.nargs or max(op.min_args, 1)
        args = " ,\n ".join("x" for _ in range(count))
        graph = adcli.parse(f" {name} (\n {args} ) ")
        assert graph.ops[graph.output] is op
