"""The C loop (adcli/engine/_libm.c) and the mapped path of vectorized give
the bits of the scalar namespace, element by element, on every input kind.

Each function vectorized applies through the C library is run three ways on
the same inputs (huge, tiny, subnormal, both zeros, nan, inf, the edges of
overflow and of each domain): the chosen path (the C loop when built), the
mapped path (``.mapped``: math over the elements) and the scalar namespace
point by point.  ADCLI_PURE_PYTHON=1 must select the mapped path.
"""
import json
import math
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from adcli.engine import batch, scalar, vectorized

from test_paths import assert_same_bits, bits

#: vectorized name -> scalar name, for the functions applied through the C library
UNARY = ["tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
         "exp", "expm1", "log", "log2", "log10", "log1p", "cbrt"]
BINARY = ["atan2", "_pow"]
SCALAR_NAME = {"_pow": "power"}

#: the edges: overflow of exp and sinh, the domains' ends, signed zeros,
#: subnormals and the largest and smallest floats
EDGES = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, -1e-310, 1e-300, 1e300, -1e300,
         1.7976931348623157e308, -1.7976931348623157e308, 709.782712893384, 709.7827128933841,
         710.0, -745.1332191019411, -745.2, 710.4758600739439, 710.476, 1.0, -1.0,
         0.9999999999999999, -0.9999999999999999, 1.0000000000000002, -1.0000000000000002,
         math.pi / 2, -math.pi / 2, math.pi, 0.5, -0.5, 2.0, 3.0, -3.0, math.inf, -math.inf,
         math.nan]


def sample(seed, count=3000):
    """The edges and values over the whole float64 range, both signs."""
    rng = random.Random(seed)
    values = [math.ldexp(rng.random(), rng.randint(-1074, 1024)) * rng.choice((-1, 1))
              for _ in range(count // 2)]
    values += [rng.uniform(-4, 4) for _ in range(count // 2)]
    return np.array(values + EDGES)


def scalar_of(name):
    return getattr(scalar, SCALAR_NAME.get(name, name))


def expected(name, *columns):
    function = scalar_of(name)
    if name == "_pow":  # _pow is math.pow, with scalar.power's special values
        return [math.pow(*args) if _pow_defined(*args) else function(*args)
                for args in zip(*(c.tolist() for c in columns))]
    return [function(*args) for args in zip(*(c.tolist() for c in columns))]


def _pow_defined(x, y):
    try:
        math.pow(x, y)
    except (ValueError, OverflowError):
        return False
    return True


def run_both(name, *args):
    function = getattr(vectorized, name)
    with np.errstate(all="ignore"):
        return function(*args), function.mapped(*args)


@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_have_the_bits_of_the_scalar_namespace(name):
    xs = sample(name)
    chosen, mapped = run_both(name, xs)
    truth = expected(name, xs)
    assert_same_bits(chosen, truth, f"{name}, chosen path")
    assert_same_bits(mapped, truth, f"{name}, mapped path")


@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_have_the_bits_of_the_scalar_namespace(name):
    xs = sample(name)
    rng = random.Random(name)
    ys = np.array([rng.choice(xs.tolist() + [2.0, 0.5, -1.0, 0.0, -0.0, 3.0, -2.0, 1 / 3])
                   for _ in xs])
    chosen, mapped = run_both(name, xs, ys)
    truth = expected(name, xs, ys)
    assert_same_bits(chosen, truth, f"{name}, chosen path")
    assert_same_bits(mapped, truth, f"{name}, mapped path")


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("other", [0.0, -0.0, 3.0, -1.5, 1e300, math.inf, math.nan])
def test_one_number_pairs_with_every_element_on_either_side(name, other):
    xs = sample(f"{name}{other}", 600)
    column = np.full(len(xs), other)
    for args, columns in (((xs, other), (xs, column)), ((other, xs), (column, xs)),
                          ((xs, np.array([other])), (xs, column))):
        chosen, mapped = run_both(name, *args)
        truth = expected(name, *columns)
        assert_same_bits(chosen, truth, f"{name}{args[1:]!r:.20}, chosen path")
        assert_same_bits(mapped, truth, f"{name}, mapped path")


def test_shapes_broadcast_and_zero_dimensional_input_gives_a_number():
    rows, columns = np.linspace(-2, 2, 7)[:, None], np.linspace(0.1, 3, 5)[None, :]
    chosen, mapped = run_both("atan2", rows, columns)
    assert chosen.shape == (7, 5)
    truth = [[math.atan2(r, c) for c in columns[0].tolist()] for r in rows[:, 0].tolist()]
    assert_same_bits(chosen, truth, "atan2 over a grid")
    assert_same_bits(mapped, truth, "atan2 over a grid, mapped")
    for function in (vectorized.exp, vectorized.exp.mapped):
        value = function(np.float64(0.75))
        assert np.ndim(value) == 0 and bits([value]) == bits([math.exp(0.75)])
        assert np.ndim(function(np.array(2.0))) == 0
    assert vectorized.exp(np.array([])).shape == (0,)
    assert vectorized.atan2(np.array([]), 1.0).shape == (0,)


def test_strided_integer_and_single_precision_input_give_the_bits_of_float64():
    grid = np.arange(-40.0, 40.0).reshape(8, 10) / 7
    for view in (grid[:, ::3], grid.T, grid[::-1]):
        assert not view.flags.c_contiguous or view.base is not None
        chosen, mapped = run_both("expm1", view)
        truth = np.array([[math.expm1(v) for v in row] for row in view.tolist()])
        assert chosen.shape == view.shape
        assert_same_bits(chosen, truth, "strided")
        assert_same_bits(mapped, truth, "strided, mapped")
    integers = np.arange(-5, 6)
    assert_same_bits(vectorized.atan(integers), [math.atan(i) for i in range(-5, 6)], "ints")
    singles = np.linspace(0.1, 9, 13, dtype=np.float32)
    assert_same_bits(vectorized.log(singles), [math.log(float(s)) for s in singles], "float32")


def test_complex_input_takes_numpy_ufunc():
    z = np.array([0.5 + 1e-20j, -1.25 + 1e-20j, 3.0 + 2.0j])
    for name, ufunc in (("exp", np.exp), ("log", np.log), ("tan", np.tan),
                        ("cbrt", None), ("atan2", None)):
        if ufunc is not None:
            got = getattr(vectorized, name)(z)
            assert np.iscomplexobj(got) and np.array_equal(got, ufunc(z))
    assert np.array_equal(vectorized._pow(z, 2.5), np.power(z, 2.5))


def test_the_c_loop_is_used_when_it_was_built():
    try:
        from adcli.engine import _libm
    except ImportError:
        pytest.skip("adcli/engine/_libm.c not built here (no compiler at install)")
    if os.environ.get("ADCLI_PURE_PYTHON") == "1":
        pytest.skip("ADCLI_PURE_PYTHON=1 asks for the mapped path")
    assert vectorized._LIBM is _libm
    assert vectorized.exp is not vectorized.exp.mapped
    assert vectorized.hypot is vectorized.hypot.mapped  # CPython's own hypot: mapped


def test_the_c_loop_refuses_buffers_that_are_not_contiguous_float64():
    _libm = pytest.importorskip("adcli.engine._libm")
    out = np.empty(3)
    assert _libm.unary("exp", np.zeros(3), out) == 0 and out.tolist() == [1.0, 1.0, 1.0]
    assert _libm.unary("log", np.array([1.0, 0.0, -1.0]), out) == 2
    with pytest.raises(TypeError):
        _libm.unary("exp", np.zeros(3, dtype=np.float32), out)
    with pytest.raises((TypeError, ValueError, BufferError)):
        _libm.unary("exp", np.zeros(6)[::2], out)
    with pytest.raises(ValueError):
        _libm.unary("exp", np.zeros(4), out)
    with pytest.raises(ValueError):
        _libm.unary("hypot", np.zeros(3), out)
    with pytest.raises(ValueError):
        _libm.binary("pow", np.zeros(2), np.zeros(3), out)
    with pytest.raises((TypeError, BufferError)):  # bytes: read-only
        _libm.unary("exp", np.zeros(3), b"\0" * 24)


PURE_SCRIPT = """
import json, sys
import numpy as np
from adcli.engine import vectorized
xs = np.array(json.loads(sys.argv[1]))
with np.errstate(all="ignore"):
    out = {name: getattr(vectorized, name)(xs).view(np.int64).tolist()
           for name in ("exp", "log", "tan", "cbrt", "atanh")}
    out["pow"] = vectorized._pow(xs, 1.7).view(np.int64).tolist()
print(json.dumps({"libm": vectorized._LIBM is not None, "bits": out}))
"""


def test_adcli_pure_python_selects_the_mapped_path_with_the_same_bits():
    xs = [v for v in sample("pure", 400).tolist() if not math.isnan(v)]
    environment = dict(os.environ, ADCLI_PURE_PYTHON="1")
    done = subprocess.run([sys.executable, "-c", PURE_SCRIPT, json.dumps(xs)],
                          capture_output=True, text=True, env=environment, check=True)
    report = json.loads(done.stdout)
    assert report["libm"] is False
    array = np.array(xs)
    with np.errstate(all="ignore"):
        for name, got in report["bits"].items():
            here = (vectorized._pow(array, 1.7) if name == "pow"
                    else getattr(vectorized, name)(array))
            nan = np.isnan(here)
            assert np.array_equal(np.array(got)[~nan], here.view(np.int64)[~nan]), name


def test_sine_and_cosine_together_have_the_bits_of_each():
    xs = sample("sincos", 4000)
    with np.errstate(invalid="ignore"):  # sin(inf): nan, as numpy's
        sines, cosines = batch.sin_and_cos(xs)
    assert_same_bits(sines, [scalar.sin(v) for v in xs.tolist()], "sin of sincos")
    assert_same_bits(cosines, [scalar.cos(v) for v in xs.tolist()], "cos of sincos")
    grid = xs[:3000].reshape(60, 50)[:, ::2]  # strided: copied first
    sines, cosines = batch.sin_and_cos(grid)
    assert sines.shape == cosines.shape == (60, 25)
    assert_same_bits(cosines, np.cos(grid), "strided cos")
    assert_same_bits(batch.sin_and_cos(np.float64(0.5))[1], [math.cos(0.5)], "0-d")
