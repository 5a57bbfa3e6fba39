"""Tests generated from the op table (adcli.ops.TABLE): every op, sampled on
its own domain, against independent references.  An op added to the table
is picked up by every parametrized test here; the ones that need an
independent reference (REFERENCE, SYMPY) fail until it is given one.
"""
import inspect
import itertools
import math

import numpy as np
import pytest

import adcli
from adcli.engine import vectorized, scalar
from adcli import ops
from conftest import (arg_counts, assert_close, central_difference, expression_for,
                      fd_gradient, op_cases, op_forward, op_partials, sample_args,
                      variable_names)
from reference import REFERENCE, sympy_rules

POINTS_PER_OP = 6


#: ops with a derivative of 0 wherever they are differentiable: no SymPy needed
PIECEWISE = {"abs", "sign", "floor", "ceil", "relu", "max", "min"}


def _rng(name, count, salt=0):
    """A generator seeded by the test case, so every case is reproducible."""
    seed = sum(map(ord, name)) * 1000 + count * 10 + salt
    return np.random.default_rng(seed)


def _case(name, count):
    op = ops.TABLE[name]
    names = variable_names(count)
    return op, names, expression_for(op, names)


def _points(name, count, salt=0):
    op = ops.TABLE[name]
    rng = _rng(name, count, salt)
    return [sample_args(op, rng, count) for _ in range(POINTS_PER_OP)]


# --- the table itself -----------------------------------------------------------------


def test_table_is_not_empty_and_has_the_issue_functions():
    required = ("sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp "
                "expm1 log log2 log10 log1p sqrt cbrt abs sign floor ceil min max hypot "
                "pow sigmoid softplus relu").split()
    missing = [name for name in required if name not in ops.function_names()]
    assert not missing


@pytest.mark.parametrize("name", list(ops.TABLE))
def test_op_entry_is_well_formed(name):
    op = ops.TABLE[name]
    assert op.name == name
    assert op.kind in ("call", "infix", "prefix")
    if op.kind != "call":
        assert op.symbol, f"{name} is an operator without a symbol"
    if op.variadic:
        assert callable(op.partials)
        assert len(op.domain) == 1
    else:
        assert len(op.partials) == op.nargs
        assert len(op.domain) == op.nargs
    for low, high in op.domain:
        assert low < high
    assert op.second is not None, f"{name} has no second-order rules (Hessians need them)"


@pytest.mark.parametrize("name", list(ops.TABLE))
def test_every_op_has_an_independent_reference(name):
    assert name in REFERENCE, f"add a reference value function for {name!r} to REFERENCE"


@pytest.mark.parametrize("name", ops.function_names())
def test_every_function_name_parses_as_a_call(name):
    op = ops.TABLE[name]
    count = op.nargs if not op.variadic else max(op.min_args, 1)
    names = variable_names(count)
    graph = adcli.parse(f"{name}({', '.join(names)})")
    assert graph.ops[graph.output] is op
    assert list(graph.variables) == names


def test_operators_are_not_callable_by_name():
    for name in ops.OPERATOR_OPS:
        with pytest.raises(adcli.ExpressionError):
            adcli.parse(f"{name}(x, y)")


# --- values and gradients, through the public API --------------------------------------


def _with_reference(name, count):
    """The op's case, its independent reference (tests/reference.py) and graph."""
    op, names, text = _case(name, count)
    reference = REFERENCE.get(name)
    if reference is None:
        pytest.fail(f"no reference for {name}")
    return op, names, text, reference, adcli.parse(text)


@pytest.mark.parametrize("name, count", op_cases())
def test_value_matches_reference(name, count):
    op, names, text, reference, graph = _with_reference(name, count)
    for point in _points(name, count):
        result = adcli.grad(graph, point)
        assert_close(result.value, reference(*point), rtol=1e-12, atol=1e-14,
                     what=f"{text} at {point}")


@pytest.mark.parametrize("name, count", op_cases())
def test_gradient_matches_finite_differences(name, count):
    op, names, text, reference, graph = _with_reference(name, count)
    for point in _points(name, count):
        result = adcli.grad(graph, point)
        expected = fd_gradient(reference, point)
        assert_close([result.gradient[n] for n in names], expected, rtol=1e-6, atol=1e-6,
                     what=f"grad {text} at {point}")


@pytest.mark.parametrize("name, count", [c for c in op_cases()
                                         if c.values[0] not in PIECEWISE])
def test_gradient_matches_sympy(name, count):
    import sympy as sp

    rules = sympy_rules()
    if name not in rules:
        pytest.fail(f"no SymPy form for {name}; add it to reference.sympy_rules (or PIECEWISE)")
    op, names, text = _case(name, count)
    symbols = sp.symbols(names)
    formula = rules[name](*symbols)
    derivatives = [sp.lambdify(symbols, sp.diff(formula, s), "mpmath") for s in symbols]
    graph = adcli.parse(text)
    for point in _points(name, count, salt=1):
        result = adcli.grad(graph, point)
        expected = [float(d(*point)) for d in derivatives]
        assert_close([result.gradient[n] for n in names], expected, rtol=1e-11, atol=1e-12,
                     what=f"grad {text} at {point} vs SymPy")


@pytest.mark.parametrize("name", [n for n in ops.TABLE if n in PIECEWISE
                                  and n not in ("max", "min", "abs", "relu")])
def test_piecewise_constant_ops_have_zero_derivative(name):
    op, names, text = _case(name, 1)
    for point in _points(name, 1):
        assert adcli.grad(text, point).gradient == {"x1": 0.0}


def test_pow_written_four_ways_is_one_op():
    graphs = [adcli.parse(t) for t in ("x**y", "x^y", "pow(x, y)", "pow(x,y)")]
    for graph in graphs:
        assert graph.ops[graph.output] is ops.TABLE["pow"]
    for point in ([1.5, 0.7], [2.0, -1.3]):
        expected = fd_gradient(lambda x, y: x ** y, point)
        for graph in graphs:
            result = adcli.grad(graph, point)
            assert_close(result.value, point[0] ** point[1], rtol=1e-14)
            assert_close([result.gradient["x"], result.gradient["y"]], expected)


# --- the rules themselves, in both namespaces ----------------------------------------------


def _second_index(count):
    """The upper-triangle order of second partials: (0,0), (0,1), ..., (n-1,n-1)."""
    return [(i, j) for i in range(count) for j in range(i, count)]


@pytest.mark.parametrize("name, count", op_cases())
def test_second_order_rules_match_finite_differences_of_first_partials(name, count):
    op = ops.TABLE[name]
    if op.second is None:
        pytest.fail(f"{name} has no second-order rules")
    if op.variadic and op.second is not ops.LINEAR:
        pytest.fail(f"variadic {name}: only LINEAR second rules are understood")
    for point in _points(name, count, salt=2):
        if op.second is ops.LINEAR:
            rules = {pair: None for pair in _second_index(count)}
        else:
            assert len(op.second) == len(_second_index(count)), name
            rules = dict(zip(_second_index(count), op.second))
        ans = op_forward(op, scalar, point)
        for (i, j), rule in rules.items():
            def partial_i(*args, i=i):
                return op_partials(op, scalar, args)[i]

            def partial_j(*args, j=j):
                return op_partials(op, scalar, args)[j]

            d_ij = central_difference(partial_i, point, j, h=1e-5)
            d_ji = central_difference(partial_j, point, i, h=1e-5)
            stated = 0.0 if rule is None else rule(scalar, ans, *point)
            assert_close(stated, d_ij, rtol=1e-5, atol=1e-5,
                         what=f"d2 {name}/d{i}d{j} at {point}")
            assert_close(stated, d_ji, rtol=1e-5, atol=1e-5,
                         what=f"d2 {name}/d{j}d{i} at {point}")


#: values where the namespaces could part ways: zeros, signs, overflow, inf, nan
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, 1e-300, 1e103, 1e154, 710.0,
           -710.0, 1e308, math.inf, -math.inf, math.nan]


def _same(a, b, rtol=1e-13):
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + 1e-300


def _numpy_rules(op, args):
    """(forward, partials, seconds) with numpy arrays of one element each."""
    arrays = [np.array([a]) for a in args]
    if op.variadic:
        stack = np.array(args)[:, None]
        ans = op.forward(vectorized, stack)
        partials = [np.asarray(p).reshape(-1)[0] for p in op.partials(vectorized, ans, stack)]
        return float(ans[0]), partials, []
    ans = op.forward(vectorized, *arrays)
    partials = [float(np.broadcast_to(r(vectorized, ans, *arrays), (1,))[0]) for r in op.partials]
    seconds = []
    if op.second is not ops.LINEAR and op.second is not None:
        seconds = [float(np.broadcast_to(r(vectorized, ans, *arrays), (1,))[0]) for r in op.second]
    return float(ans[0]), partials, seconds


def _scalar_rules(op, args):
    ans = op_forward(op, scalar, args)
    partials = op_partials(op, scalar, args)
    seconds = []
    if not op.variadic and op.second is not ops.LINEAR and op.second is not None:
        seconds = [r(scalar, ans, *args) for r in op.second]
    return ans, partials, seconds


@pytest.mark.parametrize("name, count", op_cases())
def test_scalar_and_numpy_namespaces_agree_on_the_domain(name, count):
    op = ops.TABLE[name]
    for point in _points(name, count, salt=3):
        _assert_namespaces_agree(name, op, point, rtol=1e-12)


@pytest.mark.parametrize("name, count", op_cases())
def test_scalar_and_numpy_namespaces_agree_on_special_values(name, count):
    """IEEE answers in both: nan and inf where numpy gives them, never an
    exception from the scalar namespace (Python floats raise on overflow)."""
    op = ops.TABLE[name]
    for point in itertools.product(SPECIAL, repeat=min(count, 2)):
        point = list(point) + [0.5] * (count - len(point))
        _assert_namespaces_agree(name, op, point)


def _assert_namespaces_agree(name, op, point, **tolerance):
    """Value, partials and second partials: the scalar namespace gives what numpy does."""
    with np.errstate(all="ignore"):
        expected = _numpy_rules(op, point)
    got = _scalar_rules(op, point)
    for what, a, b in zip(("value", "partials", "second partials"), got, expected):
        a = a if isinstance(a, list) else [a]
        b = b if isinstance(b, list) else [b]
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert _same(x, y, **tolerance), f"{name} {what} at {point}: {a} vs {b}"


def test_namespaces_offer_the_same_names():
    """A rule may call any function of either namespace: a name only one of
    them has would work for one point and fail for a batch (or back)."""
    def public(module):
        return {name for name, value in vars(module).items()
                if not name.startswith("_") and not inspect.ismodule(value)}

    assert public(scalar) == public(vectorized)


@pytest.mark.parametrize("name, count", op_cases())
def test_batch_gradient_equals_one_point_gradients(name, count):
    op, names, text = _case(name, count)
    rng = _rng(name, count, 4)
    batch = np.array([sample_args(op, rng, count) for _ in range(16)])
    graph = adcli.parse(text)
    result = adcli.grad(graph, {n: batch[:, k] for k, n in enumerate(names)})
    as_matrix = adcli.grad(graph, batch)
    assert result.value.shape == (16,)
    assert result.failed_rows == []
    for row, point in enumerate(batch):
        one = adcli.grad(graph, list(point))
        for batch_result in (result, as_matrix):
            assert _same(batch_result.value[row], one.value, rtol=1e-12)
            for n in names:
                assert _same(batch_result.gradient[n][row], one.gradient[n], rtol=1e-12), \
                    f"{text} row {row}: d/d{n}"


def test_arg_counts_cover_variadic_ops():
    assert arg_counts(ops.TABLE["add"]) == [2, 3]
    assert arg_counts(ops.TABLE["max"]) == [1, 2, 3]
    assert arg_counts(ops.TABLE["sin"]) == [1]


@pytest.mark.parametrize("name, count", [c for c in op_cases()
                                         if ops.TABLE[c.values[0]].complex_step])
def test_complex_step_of_the_forward_rule_matches_the_partials(name, count):
    """An op marked complex_step is analytic as written: Im f(x + ih)/h of its
    forward rule (in numpy complex) is its partial rule.  A stable rewrite
    with abs() or a real-only branch would silently break adcli compare."""
    op = ops.TABLE[name]
    step = 1e-200
    for point in _points(name, count, salt=5):
        expected = op_partials(op, scalar, point)
        for k in range(count):
            moved = [np.complex128(v) for v in point]
            moved[k] += complex(0.0, step)
            with np.errstate(all="ignore"):
                value = op_forward(op, vectorized, moved)
            assert_close(float(np.imag(value)) / step, float(expected[k]), rtol=1e-13,
                         atol=1e-15, what=f"complex step d{name}/d{k} at {point}")


def test_pow_rules_give_the_same_bits_for_a_constant_and_a_batch_exponent():
    """A constant exponent reaches the rules as one float (one point, a batch)
    or as an array (level by level): the same numbers either way, subnormal
    and zero bases included.  (Exponents y - k of -1, 1/2 and 2 are left
    out: numpy's ndarray ** float takes a reciprocal, sqrt or square there.)"""
    op = ops.TABLE["pow"]
    x = np.array([5e-324, 1e-310, 0.0, -0.0, 1e-300, 0.5, 3.0, 1e300, -2.0, -1e-310])
    for y in (1.0, 2.0, 2.25, 3.75, -1.75):
        as_array = np.full_like(x, y)
        with np.errstate(all="ignore"):
            ans = op.forward(vectorized, x, y)
            for rule in op.partials + op.second:
                one = np.broadcast_to(rule(vectorized, ans, x, y), x.shape)
                many = np.broadcast_to(rule(vectorized, ans, x, as_array), x.shape)
                assert one.tobytes() == many.tobytes(), f"{rule.__name__} at y = {y}: {one} {many}"


@pytest.mark.parametrize("name, count", op_cases())
def test_rules_take_an_empty_batch(name, count):
    """A batch of no points goes through every rule (a rule that looks at its
    whole batch, to skip work, must not reduce an empty array)."""
    op = ops.TABLE[name]
    empty = [np.zeros(0) for _ in range(count)]
    with np.errstate(all="ignore"):
        if op.variadic:
            stack = np.zeros((count, 0))
            ans = op.forward(vectorized, stack)
            assert np.shape(op.partials(vectorized, ans, stack))[-1:] in ((0,), ())
            return
        ans = op.forward(vectorized, *empty)
        rules = list(op.partials) + ([] if op.second is ops.LINEAR else list(op.second))
        for rule in rules:
            assert np.size(rule(vectorized, ans, *empty)) in (0, 1), rule
