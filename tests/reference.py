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
