"""Checks with array values (tools/checks.py's array path): bindings whose
values are arrays, claims whose values are nested lists, against closed forms;
graphs and check statements built by hand until the grammar reads them.

    f = x.T @ A @ x at x = [1, 2], A = [[2, 1], [1, 3]]: value 18,
    df/dx = (A + Aᵀ) x = [8, 14], df/dA = x xᵀ = [[1, 2], [2, 4]]
"""
import dataclasses

import numpy as np
import pytest

from adcli.language.parser import Binding, CheckStatement, Claim
from adcli.tools import checks
from array_tapes import Tape

QUADRATIC_AT = {"x": [1.0, 2.0], "A": [[2.0, 1.0], [1.0, 3.0]]}


@dataclasses.dataclass(frozen=True)
class NamedClaim(Claim):
    """A claim naming its variable (grad x [..]), as the grammar may give it."""

    variable: str = None


def run(graph, bindings, *claims, word="at"):
    """Outcomes of one check statement of graph's output f: bindings {name:
    value} (a value is nested lists or a number), claims (word, value) pairs
    or Claims."""
    source = graph.source
    made = [c if isinstance(c, Claim) else Claim(c[0], c[1], 0, len(source)) for c in claims]
    statement = CheckStatement([("f", 0, 1)], (word, 0, 1),
                               [Binding(n, "=", (v,), 0, 1) for n, v in bindings.items()],
                               made, (0, len(source)))
    graph.checks.append(statement)
    try:
        return checks.run(graph)
    finally:
        graph.checks.remove(statement)


def quadratic():
    t = Tape("f = x.T @ A @ x")
    A, x = t.var("A"), t.var("x")
    out = t("matmul", t("matmul", t("transpose", x), A), x)
    t.builder.define("f", out, 0, 1)
    return t.build()


def passed(outcomes):
    return [o.passed for o in outcomes], [o.message for o in outcomes if not o.passed]


def test_value_and_gradient_per_variable_in_variable_order():
    graph = quadratic()
    assert graph.variables == ("A", "x")
    outcomes = run(graph, QUADRATIC_AT, ("value", 18.0),
                   ("grad", [[[1.0, 2.0], [2.0, 4.0]], [8.0, 14.0]]),
                   ("grad", [1.0, 2.0, 2.0, 4.0, 8.0, 14.0]))  # flat, C order: the same
    assert passed(outcomes) == ([True, True, True], [])


def test_wrt_makes_the_others_data():
    outcomes = run(quadratic(), QUADRATIC_AT, ("value", 18.0), ("grad", [8.0, 14.0]),
                   ("wrt", ["x"]))
    assert passed(outcomes) == ([True, True], [])


def test_a_claim_naming_its_variable():
    claim = NamedClaim("grad", [8.0, 14.0], 0, 1, variable="x")
    assert passed(run(quadratic(), QUADRATIC_AT, claim)) == ([True], [])
    claim = NamedClaim("grad", [[1.0, 2.0], [2.0, 4.0]], 0, 1, variable="A")
    assert passed(run(quadratic(), QUADRATIC_AT, claim)) == ([True], [])


def test_a_gradient_of_the_wrong_shape_says_which_shapes_it_needs():
    (outcome,) = run(quadratic(), QUADRATIC_AT, ("grad", [8.0, 14.0]))
    assert not outcome.passed
    assert outcome.message == ("grad has 6 numbers here (A: (2, 2), x: (2,)); the check gives "
                               "shape (2,): give one gradient per variable, in the order A, x "
                               "(or wrt NAMES)")


def test_a_wrong_entry_is_named_by_variable_and_index():
    (outcome,) = run(quadratic(), QUADRATIC_AT, ("grad", [8.0, 15.0]), ("wrt", ["x"]))
    assert not outcome.passed
    (mismatch,) = outcome.mismatches
    assert (mismatch.component, mismatch.expected, mismatch.got) == ("grad[x][1]", 15.0, 14.0)
    assert outcome.message.endswith("at A=[[2, 1], [1, 3]], x=[1, 2]")


def least_squares_file():
    t = Tape("f = sum((A @ x - b)**2)")
    A, x, b = t.var("A"), t.var("x"), t.var("b")
    r = t.elementwise("sub", t("matmul", A, x), b)
    t.builder.define("f", t("sum", t.elementwise("mul", r, r)), 0, 1)
    return t.build()


@pytest.mark.parametrize("method", ["fd", "cs", "forward"])
def test_agreement_entry_by_entry(method):
    rng = np.random.default_rng(3)
    point = {"A": rng.normal(size=(4, 3)).tolist(), "b": rng.normal(size=4).tolist(),
             "x": rng.normal(size=3).tolist()}
    outcomes = run(least_squares_file(), point, ("grad", ("~", method)))
    assert passed(outcomes) == ([True], [])


def test_the_complex_step_is_refused_through_logdet_by_name():
    t = Tape("f = logdet(X)")
    t.builder.define("f", t("logdet", t.var("X")), 0, 1)
    (outcome,) = run(t.build(), {"X": [[2.0, 1.0], [1.0, 3.0]]}, ("grad", ("~", "cs")))
    assert outcome.message == ("the complex step needs analytic functions; not analytic "
                               "here: logdet")
    (outcome,) = run(t.build(), {"X": [[2.0, 1.0], [1.0, 3.0]]},
                     ("grad", [[0.6, -0.2], [-0.2, 0.4]]))  # inv(X).T
    assert outcome.passed, outcome.message


def test_a_vector_value():
    t = Tape("f = softmax(x)")
    t.builder.define("f", t("softmax", t.var("x")), 0, 1)
    e = np.exp([0.0, np.log(2.0), np.log(5.0)])  # 1, 2, 5
    outcomes = run(t.build(), {"x": np.log([1.0, 2.0, 5.0]).tolist()},
                   ("value", (e / e.sum()).tolist()), ("value", [0.125, 0.25, 0.6]))
    assert [o.passed for o in outcomes] == [True, False]
    assert outcomes[1].message.startswith("value[f[2]]: expected 0.6, got 0.625")
    (outcome,) = run(t.build(), {"x": [1.0, 2.0, 3.0]}, ("value", [1.0, 2.0]))
    assert outcome.message == "the value here is f: (3,); the check gives shape (2,)"
    (outcome,) = run(t.build(), {"x": [1.0, 2.0, 3.0]}, ("grad", ("~", "fd")))
    assert outcome.message == "grad needs a scalar output; f has shape (3,)"


def test_finite_names_the_node():
    t = Tape("f = sum(log(x))")
    t.builder.define("f", t("sum", t.elementwise("log", t.var("x"), at="log(x)")), 0, 1)
    assert passed(run(t.build(), {"x": [1.0, 2.0]}, ("finite", None))) == ([True], [])
    (outcome,) = run(t.build(), {"x": [1.0, -2.0]}, ("finite", None))
    assert outcome.message.startswith("not finite at x=[1, -2]: log(x) is not finite")


def test_bad_bindings_and_claims_fail_with_a_message():
    (outcome,) = run(quadratic(), {"x": [1.0, 2.0, 3.0], "A": [[2.0, 1.0], [1.0, 3.0]]},
                     ("value", 18.0))
    assert outcome.message == "cannot matmul (3,) @ (2, 2): 3 != 2"  # x.T @ A
    (outcome,) = run(quadratic(), {"x": [[1.0], [2.0, 3.0]], "A": [[2.0]]}, ("value", 1.0))
    assert outcome.message == "an array value needs rows of equal length"
    (outcome,) = run(quadratic(), QUADRATIC_AT, ("hessian", [[1.0]]))
    assert outcome.message.startswith("hessian claims on array values are not checked yet")
    (outcome,) = run(quadratic(), QUADRATIC_AT, ("grad", [1.0]), ("wrt", ["y"]))
    assert outcome.message == "wrt y: not a variable of f (its variables: A, x)"


def test_wrt_must_name_variables():
    from adcli.errors import ExpressionError
    with pytest.raises(ExpressionError, match="wrt takes the names"):
        run(quadratic(), QUADRATIC_AT, ("value", 18.0), ("wrt", 2.0))


@pytest.mark.parametrize("value, shape", [
    (1.0, ()), ([1.0, 2.0], (2,)), ([[1.0], [2.0]], (2, 1)), ([], (0,)), ([[], []], (2, 0)),
    ([[1.0], 2.0], None), ([[1.0], [2.0, 3.0]], None), ([[[1.0]], [2.0]], None),
])
def test_nested_shape(value, shape):
    assert checks.nested_shape(value) == shape


def test_deep_nesting_is_not_recursive():
    value = 1.0
    for _ in range(5000):
        value = [value]
    assert checks.nested_shape(value) == (1,) * 5000


# --- jacobian claims: blocks of shape S + T ----------------------------------------------

def softmax_file():
    t = Tape("f = softmax(x)")
    t.builder.define("f", t("softmax", t.var("x")), 0, 1)
    return t.build()


def test_jacobian_of_softmax_is_diag_s_minus_s_st():
    x = np.array([1.0, 2.0, 3.0])
    s = np.exp(x) / np.exp(x).sum()
    jacobian = (np.diag(s) - np.outer(s, s)).tolist()
    outcomes = run(softmax_file(), {"x": x.tolist()}, ("jacobian", jacobian),
                   ("jacobian", ("~", "fd")), ("jacobian", ("~", "cs")),
                   ("jacobian", ("~", "forward")))
    assert passed(outcomes) == ([True] * 4, [])
    wrong = [row[:] for row in jacobian]
    wrong[1][2] += 0.01
    (outcome,) = run(softmax_file(), {"x": x.tolist()}, ("jacobian", wrong))
    assert outcome.mismatches[0].component == "jacobian[f[1], x[2]]"


def test_jacobian_blocks_per_variable():
    t = Tape("f = A @ x")
    t.builder.define("f", t("matmul", t.var("A"), t.var("x")), 0, 1)
    graph = t.build()
    A, x = [[1.0, 2.0], [3.0, 4.0]], [5.0, 6.0]
    d_dA = np.zeros((2, 2, 2))  # d(Ax)_i / dA_jk = [i = j] x_k
    for i in range(2):
        d_dA[i, i] = x
    assert passed(run(graph, {"A": A, "x": x}, ("jacobian", [d_dA.tolist(), A]))) == \
        ([True], [])
    assert passed(run(graph, {"A": A, "x": x}, ("jacobian", A), ("wrt", ["x"]))) == ([True], [])
    (outcome,) = run(graph, {"A": A, "x": x}, ("jacobian", A))
    assert outcome.message.startswith("jacobian has 12 numbers here (A: (2, 2, 2), x: (2, 2))")
    outcomes = run(graph, {"A": A, "x": x}, ("jacobian", ("~", "fd")),
                   ("jacobian", ("~", "forward")))
    assert passed(outcomes) == ([True, True], [])


# --- the default check of an array program -----------------------------------------------

def test_default_check_of_an_array_program_with_number_variables():
    t = Tape("f = sum(exp(s * [1, 2]))")
    s = t.var("s")
    stacked = t("stack", t.const(1.0), t.const(2.0))
    t.builder.define("f", t("sum", t.elementwise("exp", t.elementwise("mul", s, stacked))), 0, 1)
    (outcome,) = checks.run(t.build())
    assert outcome.passed, outcome.message
    assert outcome.name.startswith("default: gradient ~ fd at a sampled point (s=")


def test_default_check_asks_for_a_point_when_a_variable_is_an_array():
    (outcome,) = checks.run(quadratic())
    assert not outcome.passed
    assert outcome.message.startswith("cannot matmul")
    assert outcome.message.endswith("write a check with array values (check f at x=[...])")
