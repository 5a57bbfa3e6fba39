"""Independent reference values of every op of the table: python math and
plain formulas, never adcli's own rules.  Shared by test_ops.py and
test_properties.py; an op added to the table needs an entry here."""
import math
import operator


def _sign(x):
    return float((x > 0) - (x < 0))


def _cbrt(x):
    return math.copysign(abs(x) ** (1.0 / 3.0), x)


#: forward values written independently of adcli (python math, plain formulas)
REFERENCE = {
    "add": lambda *a: math.fsum(a),
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "neg": operator.neg,
    "pow": lambda x, y: x ** y,
    "atan2": math.atan2,
    "hypot": lambda x, y: math.sqrt(x * x + y * y),
    "sin": math.sin, "cos": math.cos, "tan": math.tan,
    "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "sinh": lambda x: (math.exp(x) - math.exp(-x)) / 2,
    "cosh": lambda x: (math.exp(x) + math.exp(-x)) / 2,
    "tanh": lambda x: (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1),
    "asinh": lambda x: math.log(x + math.sqrt(x * x + 1)),
    "acosh": lambda x: math.log(x + math.sqrt(x * x - 1)),
    "atanh": lambda x: 0.5 * math.log((1 + x) / (1 - x)),
    "exp": math.exp,
    "expm1": lambda x: math.exp(x) - 1,
    "log": math.log,
    "log2": lambda x: math.log(x) / math.log(2),
    "log10": lambda x: math.log(x) / math.log(10),
    "log1p": lambda x: math.log(1 + x),
    "sqrt": lambda x: x ** 0.5,
    "cbrt": _cbrt,
    "abs": lambda x: x if x >= 0 else -x,
    "sign": _sign,
    "floor": lambda x: float(math.floor(x)),
    "ceil": lambda x: float(math.ceil(x)),
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "softplus": lambda x: math.log(1 + math.exp(x)),
    "relu": lambda x: x if x > 0 else 0.0,
    "max": lambda *a: max(a),
    "min": lambda *a: min(a),
}


def sympy_rules():
    """The op table's ops as SymPy functions: an independent reference for the
    symbolic checks (tests/test_ops.py, tests/engine/test_forward.py, test_second.py)."""
    import sympy as sp
    return {
        "add": lambda *a: sp.Add(*a), "sub": lambda x, y: x - y,
        "mul": lambda x, y: x * y, "div": lambda x, y: x / y, "neg": lambda x: -x,
        "pow": lambda x, y: x ** y, "atan2": sp.atan2,
        "hypot": lambda x, y: sp.sqrt(x ** 2 + y ** 2),
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos,
        "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
        "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh, "exp": sp.exp,
        "expm1": lambda x: sp.exp(x) - 1, "log": sp.log,
        "log2": lambda x: sp.log(x, 2), "log10": lambda x: sp.log(x, 10),
        "log1p": lambda x: sp.log(1 + x), "sqrt": sp.sqrt,
        "cbrt": lambda x: x ** sp.Rational(1, 3),
        "sigmoid": lambda x: 1 / (1 + sp.exp(-x)),
        "softplus": lambda x: sp.log(1 + sp.exp(x)),
        "abs": sp.Abs, "sign": sp.sign, "floor": sp.floor, "ceil": sp.ceiling,
        "relu": lambda x: sp.Max(x, 0), "max": lambda *a: sp.Max(*a),
        "min": lambda *a: sp.Min(*a),
    }
