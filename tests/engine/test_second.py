"""engine/second.py through adcli.hessian (issue 4): exact Hessians by
forward over reverse against independent truth: second differences of an
independent Python evaluation of the corpus (tests/engine/corpus.py), SymPy,
and hand results."""
import math

import numpy as np
import pytest

import adcli
from adcli import ops
from conftest import assert_close, fd_gradient, fd_hessian
from corpus import (OP_CASES, TEMPLATES, VARIABLES, corpus_cases, parse_piece, restricted,
                    lambdified, sample_points, scale_of, seed_of, template)


# --- Hessians --------------------------------------------------------------------------------


@pytest.mark.parametrize("name, count, kind", corpus_cases())
def test_hessian_matches_second_differences(name, count, kind):
    """Against central differences of central differences of the Python
    function (no AD involved), at a loose tolerance."""
    piece = template(kind, name, count)
    graph, used = parse_piece(piece)
    f = restricted(piece, used)
    for point in sample_points(seed_of(name, count, kind), piece):
        values = [point[VARIABLES.index(v)] for v in used]
        result = adcli.hessian(graph, values)
        expected = fd_hessian(f, values)
        assert result.value == pytest.approx(f(*values), rel=1e-11, abs=1e-12)
        assert_close(list(result.gradient.values()), fd_gradient(f, values),
                     rtol=1e-6, atol=1e-6 * scale_of([[f(*values)]]),
                     what=f"gradient of {piece.text}")
        scale = scale_of(expected)
        for i in range(len(used)):
            assert_close(list(result.matrix[i]), expected[i], rtol=1e-4, atol=1e-5 * scale,
                         what=f"Hessian row {used[i]} of {piece.text} at {values}")
        assert np.array_equal(result.matrix, result.matrix.T), "not exactly symmetric"


def _sympy_hessian(piece, used):
    """SymPy's Hessian of the piece as a function of numbers (mpmath)."""
    sp = pytest.importorskip("sympy")
    symbols = {v: sp.Symbol(v, real=True) for v in VARIABLES}
    formula = piece.sym(symbols)
    # floor and ceil have derivative 0 away from integers, which SymPy
    # leaves unevaluated: lambdified makes it 0
    matrix = sp.hessian(formula, [symbols[v] for v in used])
    return lambdified([symbols[v] for v in used], matrix)


#: SymPy is slow: each op case is checked with one template, the templates
#: taking turns down the table so each is used about equally often
SYMPY_CASES = [pytest.param(name, count, TEMPLATES[k % len(TEMPLATES)],
                            id=f"{name}-{count}-{TEMPLATES[k % len(TEMPLATES)]}")
               for k, (name, count) in enumerate(OP_CASES)]


@pytest.mark.parametrize("name, count, kind", SYMPY_CASES)
def test_hessian_matches_sympy(name, count, kind):
    piece = template(kind, name, count)
    graph, used = parse_piece(piece)
    hessian_of = _sympy_hessian(piece, used)
    for point in sample_points(seed_of(name, count, kind, "sympy"), piece, count=1):
        values = [point[VARIABLES.index(v)] for v in used]
        expected = [[float(v) for v in row] for row in hessian_of(*values).tolist()]
        result = adcli.hessian(graph, values)
        scale = scale_of(expected)
        for i in range(len(used)):
            assert_close(list(result.matrix[i]), expected[i], rtol=1e-9, atol=1e-11 * scale,
                         what=f"Hessian row {used[i]} of {piece.text} at {values} vs SymPy")


def test_rosenbrock_hessian_at_the_minimum_by_hand():
    result = adcli.hessian("100*(y-x**2)**2 + (1-x)**2", [1, 1])
    assert result.matrix.tolist() == [[802.0, -400.0], [-400.0, 200.0]]
    assert result.value == 0.0
    assert result.gradient == {"x": 0.0, "y": 0.0}
    assert result.variables == ("x", "y")
    assert result.point == {"x": 1.0, "y": 1.0}


def test_rosenbrock_hessian_at_the_classic_start_by_hand():
    x, y = -1.2, 1.0
    result = adcli.hessian("100*(y-x**2)**2 + (1-x)**2", [x, y])
    expected = [[1200 * x * x - 400 * y + 2, -400 * x], [-400 * x, 200.0]]
    for got, want in zip(result.matrix.tolist(), expected):
        assert_close(got, want, rtol=1e-14, atol=0)


@pytest.mark.parametrize("text, at, expected", [
    # polynomial: exact in float64
    ("x**3*y", [2.0, 3.0], [[36.0, 12.0], [12.0, 0.0]]),
    ("x*y*z", [2.0, 3.0, 5.0], [[0, 5, 3], [5, 0, 2], [3, 2, 0]]),
    ("x*x", [3.0], [[2.0]]),
    ("x/y", [3.0, 2.0], [[0.0, -0.25], [-0.25, 0.75]]),
    # x**y with a variable exponent
    ("x**y", [2.0, 3.0], [[6.0 * 2.0, 4.0 * (1 + 3 * math.log(2.0))],
                          [4.0 * (1 + 3 * math.log(2.0)), 8.0 * math.log(2.0) ** 2]]),
    ("exp(x*y)", [0.5, -1.0], [[math.exp(-0.5), (1 - 0.5) * math.exp(-0.5)],
                               [(1 - 0.5) * math.exp(-0.5), 0.25 * math.exp(-0.5)]]),
    ("sin(x)*cos(y)", [0.3, 0.4], [[-math.sin(0.3) * math.cos(0.4), -math.cos(0.3) * math.sin(0.4)],
                                   [-math.cos(0.3) * math.sin(0.4), -math.sin(0.3) * math.cos(0.4)]]),
    ("log(x*y)", [2.0, 4.0], [[-0.25, 0.0], [0.0, -1 / 16]]),
    # fan-out: a = x*x, b = a + a, c = b*b = 4 x**4, c'' = 48 x**2
    ("a = x*x\nb = a + a\nc = b*b", [1.0], [[48.0]]),
    ("x", [3.0], [[0.0]]),
    ("abs(x)*x", [-2.0], [[-2.0]]),
])
def test_hessian_by_hand(text, at, expected):
    result = adcli.hessian(text, at)
    for got, want in zip(result.matrix.tolist(), expected):
        assert_close(got, [float(w) for w in want], rtol=1e-13, atol=1e-15)
    assert np.array_equal(result.matrix, result.matrix.T)


def test_hessian_of_a_constant_is_empty():
    result = adcli.hessian("2*pi", [])
    assert result.value == pytest.approx(2 * math.pi)
    assert result.matrix.shape == (0, 0)


def test_hessian_needs_one_output():
    with pytest.raises(adcli.ExpressionError, match="2 outputs"):
        adcli.hessian("x*y; x+y", [1, 2])
    result = adcli.hessian("x*y; x+y", [1, 2], output="f1")
    assert result.output == "f1"
    assert result.matrix.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_an_op_without_second_partials_is_an_explicit_error(monkeypatch):
    """Never a silent zero: an op whose second-order rule is missing stops
    the Hessian with an error naming it."""
    import dataclasses
    crippled = dataclasses.replace(ops.TABLE["sin"], second=None)
    monkeypatch.setitem(ops.TABLE, "sin", crippled)
    with pytest.raises(adcli.AdcliError, match="sin"):
        adcli.hessian("sin(x)*y", [0.5, 2.0])
    assert adcli.grad("sin(x)*y", [0.5, 2.0]).gradient["y"] == pytest.approx(math.sin(0.5))


def test_every_op_has_second_order_rules():
    missing = [name for name, op in ops.TABLE.items() if op.second is None]
    assert not missing


def test_hessian_domain_errors():
    with pytest.raises(adcli.DomainError):
        adcli.hessian("log(x)", [-1])
    with pytest.raises(adcli.DomainError):
        adcli.hessian("sqrt(x)", [0])  # sqrt' is infinite at 0
    result = adcli.hessian("log(x)", [-1], allow_nonfinite=True)
    assert math.isnan(result.value)


def test_hessian_of_variable_power_at_zero_base_is_finite_like_its_gradient():
    assert adcli.grad("x**y", [0.0, 2.0]).gradient == {"x": 0.0, "y": 0.0}
    # x**y at (0, y) for y = 2: d2/dx2 = y(y-1)x**(y-2) = 2, d2/dxdy =
    # x**(y-1)(1 + y log x) -> 0, d2/dy2 = log(x)**2 x**y -> 0
    result = adcli.hessian("x**y", [0.0, 2.0])
    assert result.matrix.tolist() == [[2.0, 0.0], [0.0, 0.0]]
