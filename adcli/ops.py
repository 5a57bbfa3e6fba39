"""The op table: every operation adcli knows, each defined once.

An entry holds the forward function, one partial-derivative rule per argument
(what reverse and forward mode both use), the second partials (what Hessians
use), how the op is written, where it has a kink, and the domain its tests
sample from.  The parser looks names up here; the tests are generated from
here.  Adding a function is adding one entry.

Every rule is written against an array namespace ``xp`` (adcli.scalar for one
point, numpy for batches), so one rule serves both.  Rules receive the
forward result ``ans`` so that, e.g., exp reuses it instead of recomputing.
Powers in rules are ``xp.power``, never ``**``: on Python floats ``**``
raises OverflowError where numpy returns inf.

Conventions (documented in the README, tested in tests/test_ops.py):

- Kinks take the minimum-norm subgradient: abs'(0) = 0, relu'(0) = 0,
  sign, floor and ceil have derivative 0 everywhere, hypot'(0, 0) = (0, 0).
- Ties of min/max share the derivative equally: max(x, x, y) at x > y gives
  1/2 to each copy of x.
- Domain errors follow IEEE float64: log(-1) is nan, 1/0 is inf; adcli
  reports them (see evaluate.py) instead of passing them on silently.
"""
from dataclasses import dataclass
from typing import Callable, Optional

#: second-order rule of an op whose second partials are all zero
LINEAR = "linear"


@dataclass(frozen=True, eq=False)  # identity hash: ops key the node table
class Op:
    name: str
    nargs: Optional[int]  # None: variadic, at least ``min_args``
    forward: Callable
    partials: object  # tuple of rules, one per argument; variadic: one rule
    second: object = None  # tuple of upper-triangle rules, LINEAR, or None
    kind: str = "call"  # "call", "infix", "prefix"
    symbol: str = ""
    kink: Optional[Callable] = None
    domain: tuple = ((-2.0, 2.0),)
    doc: str = ""
    min_args: int = 1
    arg_names: tuple = ()
    # False when the forward rule is not analytic (or numpy rejects complex
    # input): the complex-step derivative (adcli compare, checks) cannot use it
    complex_step: bool = True
    # the partials as formulas, for adcli explain: {0}, {1} the inputs, {f} the
    # op's own value (d/dx sin(x) is "cos({0})"); tests check them against the rules
    partial_text: tuple = ()

    def __repr__(self):
        return f"<op {self.name}>"

    @property
    def variadic(self):
        return self.nargs is None

    def signature(self):
        if self.variadic:
            return f"{self.name}(x1, x2, ...)"
        names = self.arg_names or (("x",) if self.nargs == 1 else ("x", "y"))
        return f"{self.name}({', '.join(names)})"


TABLE = {}


def _register(op):
    TABLE[op.name] = op
    return op


def unary(name, forward, partial, second, domain=(-2.0, 2.0), kink=None, doc="",
          complex_step=True, partial_text=()):
    """An op of one argument; partial and second get (xp, ans, x)."""
    second_rules = second if second is LINEAR or second is None else (second,)
    return _register(Op(name, 1, forward, (partial,), second_rules, domain=(domain,),
                        kink=kink, doc=doc, complex_step=complex_step,
                        partial_text=partial_text))


def binary(name, forward, partials, second, domain=((-2.0, 2.0), (-2.0, 2.0)),
           kind="call", symbol="", kink=None, doc="", arg_names=("x", "y"),
           complex_step=True, partial_text=()):
    """An op of two arguments; second is (d2/dx2, d2/dxdy, d2/dy2) or LINEAR."""
    return _register(Op(name, 2, forward, partials, second, kind=kind,
                        symbol=symbol, domain=domain, kink=kink, doc=doc,
                        arg_names=arg_names, complex_step=complex_step,
                        partial_text=partial_text))


def _zero(xp, ans, *args):
    return 0.0 * ans


def _at_zero(xp, ans, x):
    return x == 0


def _at_integer(xp, ans, x):
    return x == xp.floor(x)


def _sigmoid(xp, x):
    # tanh form: stable for large |x| in both directions
    return 0.5 * (xp.tanh(0.5 * x) + 1.0)


# --- arithmetic: the operators of the grammar --------------------------------

_register(Op("add", None, lambda xp, s: xp.stack_sum(s),
             lambda xp, ans, s: xp.stack_ones(s), LINEAR,
             kind="infix", symbol="+", min_args=2, doc="x1 + x2 + ...", partial_text=('1',)))
binary("sub", lambda xp, a, b: a - b,
       (lambda xp, ans, a, b: 1.0, lambda xp, ans, a, b: -1.0), LINEAR,
       kind="infix", symbol="-", doc="x - y", partial_text=('1', '-1'))
binary("mul", lambda xp, a, b: a * b,
       (lambda xp, ans, a, b: b, lambda xp, ans, a, b: a),
       (_zero, lambda xp, ans, a, b: 1.0, _zero),
       kind="infix", symbol="*", doc="x * y", partial_text=('{1}', '{0}'))
binary("div", lambda xp, a, b: xp.divide(a, b),
       (lambda xp, ans, a, b: xp.divide(1.0, b),
        lambda xp, ans, a, b: -xp.divide(ans, b)),
       (_zero,
        lambda xp, ans, a, b: -xp.divide(1.0, b * b),
        lambda xp, ans, a, b: xp.divide(2.0 * ans, b * b)),
       domain=((-2.0, 2.0), (0.5, 3.0)), kind="infix", symbol="/", doc="x / y", partial_text=('1/{1}', '-{f}/{1}'))
_register(Op("neg", 1, lambda xp, a: -a, (lambda xp, ans, a: -1.0,), LINEAR,
             kind="prefix", symbol="-", doc="-x", partial_text=('-1',)))


# pow: the guards keep the derivatives at x = 0 finite where the limit is
# (d/dx x**0 = 0, d/dy 0**y = 0 for y > 0), as JAX's pow rule does.
def _pow_dx(xp, ans, x, y):
    return xp.where(y == 0, 0.0, y * xp.power(x, y - 1.0))


def _pow_dy(xp, ans, x, y):
    return xp.where(x == 0, 0.0, xp.log(xp.where(x == 0, 1.0, x)) * ans)


def _pow_dxx(xp, ans, x, y):
    return xp.where(y * (y - 1.0) == 0, 0.0, y * (y - 1.0) * xp.power(x, y - 2.0))


def _pow_dxy(xp, ans, x, y):
    # at x = 0 the limit is 0 for y > 1 (x**(y-1) log x -> 0)
    safe_x = xp.where(x == 0, 1.0, x)
    return xp.where((x == 0) & (y > 1), 0.0,
                    xp.power(x, y - 1.0) * (1.0 + y * xp.log(xp.where(y > 1, safe_x, x))))


def _pow_dyy(xp, ans, x, y):
    log_x = xp.log(xp.where(x == 0, 1.0, x))
    return xp.where(x == 0, 0.0, log_x * log_x * ans)


# one entry serves both x**y (and x^y) and pow(x, y)
binary("pow", lambda xp, x, y: xp.power(x, y), (_pow_dx, _pow_dy),
       (_pow_dxx, _pow_dxy, _pow_dyy), domain=((0.5, 3.0), (-2.0, 2.0)),
       kind="infix", symbol="**", doc="x ** y, also x ^ y", partial_text=('{1}*{0}**({1} - 1)', 'log({0})*{f}'))

# --- functions: looked up by name from a call ---------------------------------

binary("atan2", lambda xp, y, x: xp.atan2(y, x),
       (lambda xp, ans, y, x: xp.divide(x, x * x + y * y),
        lambda xp, ans, y, x: -xp.divide(y, x * x + y * y)),
       (lambda xp, ans, y, x: xp.divide(-2.0 * x * y, xp.power(x * x + y * y, 2.0)),
        lambda xp, ans, y, x: xp.divide(y * y - x * x, xp.power(x * x + y * y, 2.0)),
        lambda xp, ans, y, x: xp.divide(2.0 * x * y, xp.power(x * x + y * y, 2.0))),
       domain=((0.5, 2.0), (0.5, 2.0)), arg_names=("y", "x"),
       doc="angle of the point (x, y), in (-pi, pi]", complex_step=False, partial_text=('{1}/({0}**2 + {1}**2)', '-{0}/({0}**2 + {1}**2)'))


def _hypot_dx(xp, ans, x, y):
    return xp.where(ans == 0, 0.0, xp.divide(x, xp.where(ans == 0, 1.0, ans)))


def _hypot_dy(xp, ans, x, y):
    return _hypot_dx(xp, ans, y, x)


binary("hypot", lambda xp, x, y: xp.hypot(x, y), (_hypot_dx, _hypot_dy),
       (lambda xp, ans, x, y: xp.divide(y * y, xp.power(ans, 3.0)),
        lambda xp, ans, x, y: -xp.divide(x * y, xp.power(ans, 3.0)),
        lambda xp, ans, x, y: xp.divide(x * x, xp.power(ans, 3.0))),
       kink=lambda xp, ans, x, y: ans == 0, doc="sqrt(x**2 + y**2) without overflow", complex_step=False, partial_text=('{0}/{f}', '{1}/{f}'))

unary("sin", lambda xp, x: xp.sin(x), lambda xp, ans, x: xp.cos(x),
      lambda xp, ans, x: -ans, domain=(-3.0, 3.0), partial_text=('cos({0})',))
unary("cos", lambda xp, x: xp.cos(x), lambda xp, ans, x: -xp.sin(x),
      lambda xp, ans, x: -ans, domain=(-3.0, 3.0), partial_text=('-sin({0})',))
unary("tan", lambda xp, x: xp.tan(x), lambda xp, ans, x: 1.0 + ans * ans,
      lambda xp, ans, x: 2.0 * ans * (1.0 + ans * ans), domain=(-1.2, 1.2), partial_text=('1 + {f}**2',))
unary("asin", lambda xp, x: xp.asin(x),
      lambda xp, ans, x: xp.divide(1.0, xp.sqrt(1.0 - x * x)),
      lambda xp, ans, x: xp.divide(x, xp.power(1.0 - x * x, 1.5)), domain=(-0.9, 0.9), partial_text=('1/sqrt(1 - {0}**2)',))
unary("acos", lambda xp, x: xp.acos(x),
      lambda xp, ans, x: -xp.divide(1.0, xp.sqrt(1.0 - x * x)),
      lambda xp, ans, x: -xp.divide(x, xp.power(1.0 - x * x, 1.5)), domain=(-0.9, 0.9), partial_text=('-1/sqrt(1 - {0}**2)',))
unary("atan", lambda xp, x: xp.atan(x), lambda xp, ans, x: 1.0 / (1.0 + x * x),
      lambda xp, ans, x: -2.0 * x / xp.power(1.0 + x * x, 2.0), domain=(-3.0, 3.0), partial_text=('1/(1 + {0}**2)',))
unary("sinh", lambda xp, x: xp.sinh(x), lambda xp, ans, x: xp.cosh(x),
      lambda xp, ans, x: ans, partial_text=('cosh({0})',))
unary("cosh", lambda xp, x: xp.cosh(x), lambda xp, ans, x: xp.sinh(x),
      lambda xp, ans, x: ans, partial_text=('sinh({0})',))
unary("tanh", lambda xp, x: xp.tanh(x), lambda xp, ans, x: 1.0 - ans * ans,
      lambda xp, ans, x: -2.0 * ans * (1.0 - ans * ans), partial_text=('1 - {f}**2',))
unary("asinh", lambda xp, x: xp.asinh(x),
      lambda xp, ans, x: 1.0 / xp.sqrt(1.0 + x * x),
      lambda xp, ans, x: -x / xp.power(1.0 + x * x, 1.5), domain=(-3.0, 3.0), partial_text=('1/sqrt(1 + {0}**2)',))
unary("acosh", lambda xp, x: xp.acosh(x),
      lambda xp, ans, x: xp.divide(1.0, xp.sqrt(x * x - 1.0)),
      lambda xp, ans, x: -xp.divide(x, xp.power(x * x - 1.0, 1.5)), domain=(1.1, 4.0), partial_text=('1/sqrt({0}**2 - 1)',))
unary("atanh", lambda xp, x: xp.atanh(x),
      lambda xp, ans, x: xp.divide(1.0, 1.0 - x * x),
      lambda xp, ans, x: xp.divide(2.0 * x, xp.power(1.0 - x * x, 2.0)), domain=(-0.9, 0.9), partial_text=('1/(1 - {0}**2)',))
unary("exp", lambda xp, x: xp.exp(x), lambda xp, ans, x: ans,
      lambda xp, ans, x: ans, partial_text=('{f}',))
unary("expm1", lambda xp, x: xp.expm1(x), lambda xp, ans, x: ans + 1.0,
      lambda xp, ans, x: ans + 1.0, doc="exp(x) - 1, accurate near 0", partial_text=('{f} + 1',))
unary("log", lambda xp, x: xp.log(x), lambda xp, ans, x: xp.divide(1.0, x),
      lambda xp, ans, x: -xp.divide(1.0, x * x), domain=(0.1, 4.0),
      doc="natural logarithm", partial_text=('1/{0}',))
unary("log2", lambda xp, x: xp.log2(x),
      lambda xp, ans, x: xp.divide(1.4426950408889634, x),
      lambda xp, ans, x: -xp.divide(1.4426950408889634, x * x), domain=(0.1, 4.0), partial_text=('1/({0}*log(2))',))
unary("log10", lambda xp, x: xp.log10(x),
      lambda xp, ans, x: xp.divide(0.4342944819032518, x),
      lambda xp, ans, x: -xp.divide(0.4342944819032518, x * x), domain=(0.1, 4.0), partial_text=('1/({0}*log(10))',))
unary("log1p", lambda xp, x: xp.log1p(x), lambda xp, ans, x: xp.divide(1.0, 1.0 + x),
      lambda xp, ans, x: -xp.divide(1.0, (1.0 + x) * (1.0 + x)), domain=(-0.9, 3.0),
      doc="log(1 + x), accurate near 0", partial_text=('1/(1 + {0})',))
unary("sqrt", lambda xp, x: xp.sqrt(x), lambda xp, ans, x: xp.divide(0.5, ans),
      lambda xp, ans, x: -xp.divide(0.25, ans * x), domain=(0.1, 4.0), partial_text=('0.5/{f}',))
unary("cbrt", lambda xp, x: xp.cbrt(x),
      lambda xp, ans, x: xp.divide(1.0, 3.0 * ans * ans),
      lambda xp, ans, x: -xp.divide(2.0, 9.0 * xp.power(ans, 5.0)), domain=(0.2, 4.0),
      doc="cube root, real for negative x", complex_step=False, partial_text=('1/(3*{f}**2)',))
unary("abs", lambda xp, x: xp.abs(x), lambda xp, ans, x: xp.sign(x), LINEAR,
      kink=_at_zero, doc="|x|; derivative 0 at 0", complex_step=False, partial_text=('sign({0})',))
unary("sign", lambda xp, x: xp.sign(x), _zero, LINEAR, kink=_at_zero,
      doc="-1, 0 or 1; derivative 0", complex_step=False, partial_text=('0',))
unary("floor", lambda xp, x: xp.floor(x), _zero, LINEAR, domain=(0.1, 0.9),
      kink=_at_integer, doc="derivative 0", complex_step=False, partial_text=('0',))
unary("ceil", lambda xp, x: xp.ceil(x), _zero, LINEAR, domain=(0.1, 0.9),
      kink=_at_integer, doc="derivative 0", complex_step=False, partial_text=('0',))
unary("sigmoid", _sigmoid, lambda xp, ans, x: ans * (1.0 - ans),
      lambda xp, ans, x: ans * (1.0 - ans) * (1.0 - 2.0 * ans), domain=(-4.0, 4.0),
      doc="1 / (1 + exp(-x))", partial_text=('{f}*(1 - {f})',))
unary("softplus",
      lambda xp, x: xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(x, 0.0),
      lambda xp, ans, x: _sigmoid(xp, x),
      lambda xp, ans, x: _sigmoid(xp, x) * (1.0 - _sigmoid(xp, x)), domain=(-4.0, 4.0),
      doc="log(1 + exp(x)), without overflow", complex_step=False, partial_text=('sigmoid({0})',))
unary("relu", lambda xp, x: xp.maximum(x, 0.0),
      lambda xp, ans, x: xp.where(x > 0, 1.0, 0.0), LINEAR, kink=_at_zero,
      doc="max(x, 0); derivative 0 at 0", complex_step=False, partial_text=('sign(relu({0}))',))


def _stack_kink(xp, ans, s):
    return xp.stack_count_ties(s, ans) > 1


_register(Op("max", None, lambda xp, s: xp.stack_max(s),
             lambda xp, ans, s: xp.stack_ties(s, ans), LINEAR, kink=_stack_kink,
             doc="largest argument; ties share the derivative equally", complex_step=False, partial_text=('1/k at the largest argument (k ties), else 0',)))
_register(Op("min", None, lambda xp, s: xp.stack_min(s),
             lambda xp, ans, s: xp.stack_ties(s, ans), LINEAR, kink=_stack_kink,
             doc="smallest argument; ties share the derivative equally", complex_step=False, partial_text=('1/k at the smallest argument (k ties), else 0',)))

#: names that read as numbers, not variables
CONSTANTS = {"pi": 3.141592653589793, "e": 2.718281828459045}

#: ops written with operators, not callable by name
OPERATOR_OPS = ("add", "sub", "mul", "div", "neg")


def function_names():
    """The names a user can call, sorted."""
    return sorted(name for name in TABLE if name not in OPERATOR_OPS)
