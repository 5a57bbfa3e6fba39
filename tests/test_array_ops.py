"""ops.ARRAY_TABLE, rule by rule: every array op's vjp and jvp against
central differences on random shapes (generated from the table: an op
without samples here fails), the two rules against each other, and each
shape rule's error messages."""
import numpy as np
import pytest

from adcli import ops
from adcli.engine.arrays import NAMESPACE as XP
from adcli.errors import ExpressionError, ShapeError

RNG = np.random.default_rng(12)


def _plain(*shape):
    return lambda rng: rng.uniform(-2.0, 2.0, shape)


def _distinct(*shape):
    """Entries at least 0.1 apart: no ties for max and min to share."""
    def make(rng):
        size = int(np.prod(shape))
        return (rng.permutation(size) * 0.1 - size * 0.05).reshape(shape) + rng.uniform(0, 0.01)
    return make


def _away_from_zero(*shape):
    return lambda rng: rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _well_conditioned(n):
    """A random n x n matrix with a dominant diagonal (of either sign)."""
    def make(rng):
        return rng.uniform(-1.0, 1.0, (n, n)) + np.diag(rng.choice([-1.0, 1.0], n) * (n + 1.0))
    return make


#: name -> [(params, [argument makers])]: the random shapes each rule is checked on
SAMPLES = {
    "matmul": [({}, [_plain(3, 2), _plain(2, 4)]), ({}, [_plain(3, 2), _plain(2)]),
               ({}, [_plain(3), _plain(3, 4)]), ({}, [_plain(3), _plain(3)])],
    "dot": [({}, [_plain(4), _plain(4)]), ({}, [_plain(2, 3), _plain(3)])],
    "transpose": [({}, [_plain(3, 2)]), ({}, [_plain(3)]), ({}, [_plain(2, 3, 4)])],
    "sum": [({}, [_plain(3, 2)]), ({"axis": 0}, [_plain(3, 2)]), ({"axis": 1}, [_plain(3, 2)]),
            ({"axis": -1}, [_plain(2, 3)]), ({}, [_plain(5)]), ({"axis": 0}, [_plain(5)])],
    "mean": [({}, [_plain(3, 2)]), ({"axis": 0}, [_plain(3, 2)]), ({"axis": -1}, [_plain(4)])],
    "prod": [({}, [_away_from_zero(2, 3)]), ({"axis": 1}, [_away_from_zero(3, 2)]),
             ({"axis": -2}, [_away_from_zero(2, 3)]), ({}, [_away_from_zero(4)])],
    "max": [({}, [_distinct(3, 2)]), ({"axis": 0}, [_distinct(3, 2)]),
            ({"axis": -1}, [_distinct(2, 3)]), ({}, [_distinct(5)])],
    "min": [({}, [_distinct(3, 2)]), ({"axis": 1}, [_distinct(3, 2)]), ({}, [_distinct(5)])],
    "index": [({"index": (0,)}, [_plain(4)]), ({"index": (-1,)}, [_plain(4)]),
              ({"index": (slice(1, None),)}, [_plain(5)]),
              ({"index": (slice(None, -1),)}, [_plain(5)]),
              ({"index": (slice(0, 5, 2),)}, [_plain(6)]),
              ({"index": (slice(None, None, -1),)}, [_plain(4)]),
              ({"index": (slice(None), 0)}, [_plain(3, 2)]),
              ({"index": (1, slice(None))}, [_plain(3, 2)]),
              ({"index": (0, 1)}, [_plain(3, 2)]), ({"index": (1,)}, [_plain(3, 2)])],
    "stack": [({}, [_plain(), _plain(), _plain()]), ({}, [_plain(2), _plain(2)]),
              ({}, [_plain(2, 2)])],
    "outer": [({}, [_plain(3), _plain(2)])],
    "trace": [({}, [_plain(3, 3)]), ({}, [_plain(2, 3)])],
    "det": [({}, [_well_conditioned(3)]), ({}, [_well_conditioned(1)])],
    "logdet": [({}, [_well_conditioned(3)]), ({}, [_well_conditioned(2)])],
    "inv": [({}, [_well_conditioned(3)])],
    "solve": [({}, [_well_conditioned(3), _plain(3)]), ({}, [_well_conditioned(3), _plain(3, 2)])],
    "diag": [({}, [_plain(3)]), ({}, [_plain(3, 3)]), ({}, [_plain(2, 3)])],
    "norm": [({}, [_away_from_zero(4)]), ({}, [_away_from_zero(3, 2)])],
    "logsumexp": [({}, [_plain(4)]), ({}, [_plain(3, 2)]), ({"axis": 0}, [_plain(3, 2)]),
                  ({"axis": 1}, [_plain(3, 2)])],
    "softmax": [({}, [_plain(4)]), ({"axis": 1}, [_plain(2, 3)]), ({"axis": 0}, [_plain(2, 3)])],
    "zeros": [({"shape": (2, 3)}, [])],
    "ones": [({"shape": (4,)}, [])],
    "eye": [({"n": 3}, [])],
    "linspace": [({"start": -1.0, "stop": 2.0, "num": 4}, [])],
}

CASES = [pytest.param(name, params, makers, id=f"{name}-{k}")
         for name, samples in SAMPLES.items() for k, (params, makers) in enumerate(samples)]

H = 1e-6


def test_every_array_op_has_samples():
    assert set(SAMPLES) == set(ops.ARRAY_TABLE)


def _apply(op, args):
    return np.asarray(op.forward(XP, *args, **dict(op.params)), dtype=float)


def _cotangents(op, g, ans, args):
    params = dict(op.params)
    if op.variadic:
        return op.vjp(XP, g, ans, *args, **params)
    return [rule(XP, g, ans, *args, **params) for rule in op.vjp]


def _numeric_vjp(op, g, args, k):
    """d<g, f(args)>/d args[k], entry by entry, by central differences."""
    result = np.zeros(np.shape(args[k]))
    for i in np.ndindex(result.shape):
        shifted = []
        for sign in (1.0, -1.0):
            moved = [np.array(a, dtype=float) for a in args]
            moved[k][i] += sign * H
            shifted.append(np.sum(g * _apply(op, moved)))
        result[i] = (shifted[0] - shifted[1]) / (2 * H)
    return result


@pytest.mark.parametrize("name, params, makers", CASES)
def test_vjp_matches_central_differences(name, params, makers):
    op = ops.with_params(ops.ARRAY_TABLE[name], **params)
    args = [np.asarray(make(RNG), dtype=float) for make in makers]
    ans = op.forward(XP, *args, **dict(op.params))
    assert np.shape(ans) == op.shape(*(a.shape for a in args), **dict(op.params))
    g = RNG.uniform(-1.0, 1.0, np.shape(ans))
    cotangents = _cotangents(op, g, ans, args)
    assert len(cotangents) == len(args)
    for k, c in enumerate(cotangents):
        assert np.shape(c) == args[k].shape
        np.testing.assert_allclose(c, _numeric_vjp(op, g, args, k), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, params, makers", CASES)
def test_jvp_matches_central_differences_and_the_vjp(name, params, makers):
    op = ops.with_params(ops.ARRAY_TABLE[name], **params)
    args = [np.asarray(make(RNG), dtype=float) for make in makers]
    ans = op.forward(XP, *args, **dict(op.params))
    tangents = [RNG.uniform(-1.0, 1.0, a.shape) for a in args]
    t_out = op.jvp(XP, tangents, ans, *args, **dict(op.params))
    assert np.shape(t_out) == np.shape(ans)
    ahead = _apply(op, [a + H * t for a, t in zip(args, tangents)])
    behind = _apply(op, [a - H * t for a, t in zip(args, tangents)])
    np.testing.assert_allclose(t_out, (ahead - behind) / (2 * H), rtol=1e-6, atol=1e-7)
    # <g, J t> = sum_k <J_k^T g, t_k>: the two rules are one Jacobian
    g = RNG.uniform(-1.0, 1.0, np.shape(ans))
    through_vjp = sum(np.sum(c * t) for c, t in zip(_cotangents(op, g, ans, args), tangents))
    np.testing.assert_allclose(np.sum(g * t_out), through_vjp, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", [n for n, op in ops.ARRAY_TABLE.items() if op.nargs == 2])
def test_jvp_of_a_binary_op_takes_one_tangent_alone(name):
    params, makers = SAMPLES[name][0]
    op = ops.with_params(ops.ARRAY_TABLE[name], **params)
    args = [np.asarray(make(RNG), dtype=float) for make in makers]
    ans = op.forward(XP, *args)
    t = [RNG.uniform(-1.0, 1.0, a.shape) for a in args]
    both = op.jvp(XP, t, ans, *args)
    apart = op.jvp(XP, [t[0], None], ans, *args) + op.jvp(XP, [None, t[1]], ans, *args)
    np.testing.assert_allclose(both, apart, rtol=1e-12, atol=1e-12)


# --- conventions the rules keep -------------------------------------------------------


def test_ties_of_max_and_min_share_the_derivative_equally():
    x = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 0.0]])
    for name, expected in (("max", [[0.5, 0, 0.5], [0, 0, 0]]),
                           ("min", [[0, 0, 0], [0, 0, 1.0]])):
        op = ops.ARRAY_TABLE[name]
        (c,) = _cotangents(op, 1.0, op.forward(XP, x), [x])
        np.testing.assert_array_equal(c, expected)
    op = ops.with_params(ops.ARRAY_TABLE["max"], axis=1)
    (c,) = _cotangents(op, np.ones(2), op.forward(XP, x, axis=1), [x])
    np.testing.assert_array_equal(c, [[0.5, 0, 0.5], [0.5, 0.5, 0]])


def test_prod_gradient_has_no_division_so_zeros_are_fine():
    x = np.array([2.0, 0.0, 3.0, 0.5])
    op = ops.ARRAY_TABLE["prod"]
    (c,) = _cotangents(op, 1.0, op.forward(XP, x), [x])
    np.testing.assert_array_equal(c, [0.0, 3.0, 0.0, 0.0])
    x = np.array([0.0, 0.0, 3.0])
    (c,) = _cotangents(op, 1.0, op.forward(XP, x), [x])
    np.testing.assert_array_equal(c, [0.0, 0.0, 0.0])


def test_norm_is_stable_and_takes_the_minimum_norm_subgradient_at_zero():
    op = ops.ARRAY_TABLE["norm"]
    assert op.forward(XP, np.array([3e200, 4e200])) == pytest.approx(5e200, rel=1e-15)
    assert op.forward(XP, np.array([3e-200, 4e-200])) == pytest.approx(5e-200, rel=1e-15)
    zero = np.zeros(3)
    (c,) = _cotangents(op, 1.0, op.forward(XP, zero), [zero])
    np.testing.assert_array_equal(c, zero)


def test_logsumexp_and_softmax_do_not_overflow():
    x = np.array([1000.0, 1000.0, -1000.0])
    lse = ops.ARRAY_TABLE["logsumexp"].forward(XP, x)
    assert lse == pytest.approx(1000.0 + np.log(2.0), rel=1e-15)
    s = ops.ARRAY_TABLE["softmax"].forward(XP, x)
    np.testing.assert_allclose(s, [0.5, 0.5, 0.0], atol=1e-300)
    m = ops.with_params(ops.ARRAY_TABLE["logsumexp"], axis=1)
    np.testing.assert_allclose(m.forward(XP, np.array([[800.0, 800.0], [0.0, 0.0]]), axis=1),
                               [800 + np.log(2), np.log(2)], rtol=1e-15)


def test_singular_matrices_give_nonfinite_values_not_exceptions():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert not np.all(np.isfinite(ops.ARRAY_TABLE["inv"].forward(XP, singular)))
    assert not np.all(np.isfinite(ops.ARRAY_TABLE["solve"].forward(XP, singular, np.ones(2))))
    assert ops.ARRAY_TABLE["logdet"].forward(XP, singular) == -np.inf


def test_with_params_gives_one_op_per_set_of_parameters():
    base = ops.ARRAY_TABLE["sum"]
    assert ops.with_params(base, axis=0) is ops.with_params(base, axis=0)
    assert ops.with_params(base, axis=0) is not ops.with_params(base, axis=1)
    assert ops.with_params(ops.with_params(base, axis=0), axis=1) is ops.with_params(base, axis=1)
    index = ops.ARRAY_TABLE["index"]
    spec = (slice(1, None), 0)
    assert ops.with_params(index, index=spec) is ops.with_params(index, index=(slice(1, None), 0))
    assert repr(ops.with_params(index, index=spec)) == "<op index index=[1:, 0]>"
    assert ops.with_params(base, axis=0).params == (("axis", 0),)
    assert base.params == (("axis", None),)


def test_with_params_rejects_a_parameter_the_op_does_not_have():
    message = r"sum has no parameter axes= \(its parameters: axis=\)"
    with pytest.raises(ExpressionError, match=message):
        ops.with_params(ops.ARRAY_TABLE["sum"], axes=0)
    with pytest.raises(ExpressionError, match=r"its parameters: none"):
        ops.with_params(ops.ARRAY_TABLE["det"], axis=0)


def test_array_ops_stay_out_of_the_scalar_table():
    assert not any(op.array for op in ops.TABLE.values())
    assert all(op.array and op.vjp is not None and op.jvp and op.shape
               for op in ops.ARRAY_TABLE.values())
    assert "matmul" not in ops.function_names()


# --- shape rules: every error with its message --------------------------------------------

SHAPE_ERRORS = [
    ("matmul", {}, [(3, 2), (3,)], "cannot matmul (3, 2) @ (3,): 2 != 3"),
    ("matmul", {}, [(2, 3), (2, 3)], "cannot matmul (2, 3) @ (2, 3): 3 != 2"),
    ("matmul", {}, [(), (3,)], "cannot matmul a scalar of shape ()"),
    ("matmul", {}, [(2, 2, 2), (2,)], "cannot matmul a 3-D array of shape (2, 2, 2)"),
    ("dot", {}, [(3,), (4,)], "cannot dot (3,) · (4,): 3 != 4"),
    ("sum", {"axis": 2}, [(2, 3)], "axis 2 is out of range for a matrix of shape (2, 3)"),
    ("sum", {"axis": -3}, [(2, 3)], "axis -3 is out of range for a matrix of shape (2, 3)"),
    ("mean", {"axis": 0}, [()], "axis 0 is out of range for a scalar of shape ()"),
    ("max", {}, [(0,)], "max of an empty array (shape (0,)) has no value"),
    ("prod", {"axis": 1}, [(4,)], "axis 1 is out of range for a vector of shape (4,)"),
    ("min", {"axis": 0}, [(0, 2)], "min of an empty array (shape (0, 2)) has no value"),
    ("logsumexp", {"axis": 2}, [(2, 2)], "axis 2 is out of range for a matrix of shape (2, 2)"),
    ("zeros", {"shape": (2, -1)}, [], "a shape is a tuple of sizes >= 0, not (2, -1)"),
    ("ones", {"shape": (1.5,)}, [], "a shape is a tuple of sizes >= 0, not (1.5,)"),
    ("eye", {"n": -2}, [], "eye needs a size >= 0, not -2"),
    ("linspace", {"num": -1}, [], "linspace needs a count >= 0, not -1"),
    ("sum", {"axis": 1.5}, [(2, 3)], "axis must be an integer or None, not 1.5"),
    ("index", {"index": (4,)}, [(4,)],
     "index 4 is out of range for axis 0 of size 4 (shape (4,))"),
    ("index", {"index": (0, -3)}, [(2, 2)],
     "index -3 is out of range for axis 1 of size 2 (shape (2, 2))"),
    ("index", {"index": (0, 0)}, [(3,)], "too many indices (2) for a vector of shape (3,)"),
    ("index", {"index": (slice(0.5, None),)}, [(3,)], "a slice's bounds are integers, not 0.5:"),
    ("index", {"index": (slice(None, None, 0),)}, [(3,)], "a slice's step cannot be 0"),
    ("index", {"index": ("a",)}, [(3,)], "an index is an integer or a slice, not 'a'"),
    ("stack", {}, [(2,), (3,)], "cannot stack (2,) and (3,)"),
    ("stack", {}, [], "an array literal needs at least one element"),
    ("outer", {}, [(2, 2), (3,)], "outer takes two vectors, not a matrix of shape (2, 2)"),
    ("trace", {}, [(3,)], "trace needs a matrix, not a vector of shape (3,)"),
    ("det", {}, [(2, 3)], "det needs a square matrix, not a matrix of shape (2, 3)"),
    ("logdet", {}, [(3,)], "logdet needs a square matrix, not a vector of shape (3,)"),
    ("inv", {}, [(3, 2)], "inv needs a square matrix, not a matrix of shape (3, 2)"),
    ("solve", {}, [(3, 3), (2,)], "cannot solve (3, 3) x = (2,): 2 != 3"),
    ("solve", {}, [(3, 2), (3,)], "solve needs a square matrix"),
    ("diag", {}, [()], "diag takes a vector or a matrix, not a scalar of shape ()"),
    ("norm", {}, [(2, 2, 2)], "norm takes a vector or a matrix, not a 3-D array"),
    ("softmax", {"axis": 1}, [(3,)], "axis 1 is out of range for a vector of shape (3,)"),
]


@pytest.mark.parametrize("name, params, arg_shapes, message", SHAPE_ERRORS,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(SHAPE_ERRORS)])
def test_shape_rules_reject_with_a_message_naming_the_shapes(name, params, arg_shapes, message):
    op = ops.with_params(ops.ARRAY_TABLE[name], **params)
    with pytest.raises(ShapeError) as caught:
        op.shape(*arg_shapes, **dict(op.params))
    assert message in caught.value.message
    assert isinstance(caught.value, ExpressionError)  # the CLI's exit 2
    assert caught.value.kind == "shape"


def test_every_op_but_transpose_has_a_shape_error_case():
    covered = {case[0] for case in SHAPE_ERRORS}
    assert covered | {"transpose"} == set(ops.ARRAY_TABLE)  # transpose takes any shape
