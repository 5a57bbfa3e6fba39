"""The op table: every operation adcli knows, each defined once.

An entry holds the forward function, one partial-derivative rule per argument
(what reverse and forward mode both use), the second partials (what Hessians
use), how the op is written, where it has a kink, and the domain its tests
sample from.  The parser looks names up here; the tests are generated from
here.  Adding a function is adding one entry.

Every rule is written against an array namespace ``xp`` (adcli.engine.scalar for one
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
  reports them (see engine/nonfinite.py) instead of passing them on silently.
- A derivative that does not exist is inf or nan, never a guarded 0: pow's
  guards at x = 0 hold only where the limit exists (d/dx x**0 = 0, d/dy
  0**y = 0 for y > 0; x**x at 0 is a domain error).
- Every rule (value, first and second partials) is accurate to a few ulps
  over the whole float64 range: no intermediate that overflows, underflows or
  cancels where the result does not (tests/engine/test_accuracy.py, against mpmath).
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


# One constructor per kind of op (as JAX's standard_unop, standard_naryop);
# every entry goes through one.  ``text`` gives the partials as formulas, for
# adcli explain: {0}, {1} the inputs, {f} the op's own value.


def unary(name, *, forward, partial, second, text, symbol="", domain=(-2.0, 2.0),
          kink=None, doc="", complex_step=True):
    """An op of one argument, called by name (prefix when it has a symbol:
    -x); partial and second get (xp, ans, x); text is one formula."""
    second_rules = second if second is LINEAR or second is None else (second,)
    return _register(Op(name, 1, forward, (partial,), second_rules,
                        kind="prefix" if symbol else "call", symbol=symbol,
                        domain=(domain,), kink=kink, doc=doc, complex_step=complex_step,
                        partial_text=(text,)))


def binary(name, *, forward, partials, second, text, symbol="",
           domain=((-2.0, 2.0), (-2.0, 2.0)), kink=None, doc="", arg_names=("x", "y"),
           complex_step=True):
    """An op of two arguments, called by name (infix when it has a symbol:
    x * y); partials and text have one entry per argument, second is
    (d2/dx2, d2/dxdy, d2/dy2) or LINEAR."""
    return _register(Op(name, 2, forward, partials, second,
                        kind="infix" if symbol else "call", symbol=symbol, domain=domain,
                        kink=kink, doc=doc, arg_names=arg_names,
                        complex_step=complex_step, partial_text=text))


def variadic(name, *, forward, partials, second, text, symbol="", min_args=1, kink=None,
             doc="", complex_step=True):
    """An op of any number of arguments, which its rules get as one stack
    (infix when it has a symbol: x1 + x2 + ...); partials gives the partial
    of every argument at once, text is one formula."""
    return _register(Op(name, None, forward, partials, second,
                        kind="infix" if symbol else "call", symbol=symbol, kink=kink,
                        doc=doc, min_args=min_args, complex_step=complex_step,
                        partial_text=(text,)))


def _zero(xp, ans, *args):
    # shaped like ans, nan only where ans is: an overflowed value keeps its 0
    return xp.where(ans == ans, 0.0, ans)


def _at_zero(xp, ans, x):
    return x == 0


def _at_integer(xp, ans, x):
    return x == xp.floor(x)


# --- named guards: each says what it guards --------------------------------


def _replace_zero(xp, x):
    """x with its zeros replaced by 1: the divisor of a quotient whose value
    at 0 a guard discards (no 0/0 computed for nothing)."""
    return xp.where(x == 0, 1.0, x)


def _zero_at(xp, known, derivative):
    """derivative, but exactly 0 where it is known to be 0 (a limit that
    exists, a kink's minimum-norm subgradient, an axis) though the formula
    there gives inf, nan or an overflowed intermediate."""
    return xp.where(known, 0.0, derivative)


# --- stable building blocks of the rules ---------------------------------------

#: the smallest normal float64
_TINY = 2.2250738585072014e-308

# Each keeps every intermediate in range wherever the result is: no x*x that
# overflows while x/(1 + x*x) does not, no 1 - ans**2 that cancels.


def _over_power(xp, x, h, n):
    """x / h**n for an integer n: divided at once where h**n is a normal
    number, else n times over (h**n overflows or is subnormal; the partial
    quotients then stay in range wherever the result is)."""
    low, high = _NORMAL_POWER_BASES[n]
    # h*h rather than a power: the same bits from math and from numpy
    power = h * h if n == 2 else xp.power(h, float(n))
    if xp.all_within(h, low, high):
        return xp.divide(x, power)
    repeated = x
    for _ in range(n):
        repeated = xp.divide(repeated, h)
    size = xp.abs(h)
    return xp.where((size >= low) & (size < high), xp.divide(x, power), repeated)


#: for n: the range of |h| where h**n is surely a normal number
_NORMAL_POWER_BASES = {n: (1e-300 ** (1.0 / n), 1e300 ** (1.0 / n)) for n in (2, 3)}


def _two_sum(a, b):
    """(s, err) with s = fl(a + b) and a + b = s + err exactly (Knuth)."""
    s = a + b
    b_part = s - a
    return s, (a - (s - b_part)) + (b - b_part)


def _power_shifted(xp, x, y, k, factor, cofactor=None, ans=None):
    """factor * x**(y - k) * cofactor, accurate wherever the product is a float
    (ans: x**y, given for k = 0).

    The exponent y - k is kept exact as hi + lo (a rounded exponent costs
    |(y - k) log x| ulps, hundreds near overflow).  Where x**(y - k) alone
    overflows or is subnormal, the factor goes into its square root first:
    y * x**(y-1) stays finite for tiny y though x**(y-1) overflows, and
    x**y * log(x)**2 keeps its digits though x**y is subnormal.  The two
    factors are applied one at a time: y * (y - 1) may overflow where
    y * (y - 1) * x**(y - 2) is 0.
    """
    hi, lo = (y, 0.0) if k == 0 else _two_sum(y, -k)
    exact = not xp.any_true(lo != 0)  # y - k is a float: no tail (a constant y, mostly)
    if exact and _is_zero_or_one(hi):  # x**0 and x**1 are exact: nothing to guard
        return _times(factor * xp.power(x, hi), cofactor)
    power = xp.power(x, hi) if ans is None else ans
    tail = 1.0 if exact else xp.power(x, lo)  # else nearly 1, or x to a small integer
    if not exact:
        power = power * tail
    direct = _times(factor * power, cofactor)
    if xp.all_within(power, _TINY, xp.inf):
        return direct
    size = xp.abs(power)
    sign = xp.where(x < 0, xp.power(-1.0, hi), 1.0)  # x < 0: hi is an integer
    root = xp.power(xp.abs(x), 0.5 * hi)
    rebuilt = (factor * root) * _times(root, cofactor) * (tail * sign)
    # beyond 1e±616 even the square root is out of range: fourth roots then
    quarter = xp.power(xp.abs(x), 0.25 * hi)
    rebuilt_quarter = ((factor * quarter) * quarter) * _times(quarter, cofactor) * quarter
    root_size = xp.abs(root)
    root_in_range = (root_size >= _TINY) & (root_size < xp.inf)
    rebuilt = xp.where(root_in_range, rebuilt, rebuilt_quarter * (tail * sign))
    # not where the power is exact (x**0, x**1): as the fast path above, same bits
    inexact = (lo != 0) | ((hi != 0) & (hi != 1))
    result = xp.where(((size < _TINY) | (size == xp.inf)) & inexact, rebuilt, direct)
    # x = 0, or 0 * inf in the split (a huge exponent): the plain power is right
    plain = _times(factor * xp.power(x, y - k), cofactor)
    return xp.where((x == 0) | (power != power), plain, result)


def _is_zero_or_one(exponent):
    """Whether exponent is one number, 0 or 1 (y - k of a constant y, mostly)."""
    return isinstance(exponent, float) and (exponent == 0.0 or exponent == 1.0)


def _times(value, factor):
    return value if factor is None else value * factor


def _sigmoid_parts(xp, x):
    """(exp(-|x|), 1/(1 + exp(-|x|))): sigmoid and its derivatives from these
    never overflow and never subtract from 1."""
    # -|x| written branch by branch, so the complex step still sees an analytic f
    z = xp.exp(xp.where(x >= 0, -x, x))
    return z, xp.divide(1.0, 1.0 + z)


def _sigmoid(xp, x):
    z, q = _sigmoid_parts(xp, x)
    return xp.where(x >= 0, q, xp.divide(z, 1.0 + z))  # one rounding fewer than z * q


def _sigmoid_slope(xp, x):
    """sigmoid(x) * sigmoid(-x), as exp(-|x|) / (1 + exp(-|x|))**2."""
    z, _ = _sigmoid_parts(xp, x)
    return xp.divide(z, (1.0 + z) * (1.0 + z))


def _sigmoid_curvature(xp, x):
    # 1 - 2 sigmoid(x) = -tanh(x/2), without the cancellation near 0
    return -(_sigmoid_slope(xp, x) * xp.tanh(0.5 * x))


def _tanh_dx(xp, ans, x):
    """1/cosh(x)**2 (cosh(x)**2 would overflow from |x| = 355); where
    tanh(x) < 1/2, 1 - tanh(x)**2 rounds less and cannot cancel."""
    inverse = xp.divide(1.0, xp.cosh(x))
    return xp.where(xp.abs(ans) < 0.5, 1.0 - ans * ans, inverse * inverse)


def _one_minus_square(xp, x):
    # 1 - x is exact near |x| = 1, where 1 - x*x cancels; below 1/2, 1 - x*x
    # rounds less
    return xp.where(xp.abs(x) < 0.5, 1.0 - x * x, (1.0 - x) * (1.0 + x))


def _asin_dx(xp, ans, x):
    return xp.divide(1.0, xp.sqrt(_one_minus_square(xp, x)))


def _asin_dxx(xp, ans, x):
    u = _one_minus_square(xp, x)
    return xp.divide(x, u * xp.sqrt(u))


#: 1/log(2) and 1/log(10), the factors of log2' and log10'
_LOG2_E = 1.4426950408889634
_LOG10_E = 0.4342944819032518

#: beyond this, x**2 - 1 is x**2 to far below an ulp (and x**2 may overflow)
_HUGE_FOR_ACOSH = 1e10


def _acosh_dx(xp, ans, x):
    huge = x > _HUGE_FOR_ACOSH
    v = (x - 1.0) * (x + 1.0)  # x - 1 is exact near 1
    return xp.where(huge, xp.divide(1.0, x), xp.divide(1.0, xp.sqrt(v)))


def _acosh_dxx(xp, ans, x):
    huge = x > _HUGE_FOR_ACOSH
    v = (x - 1.0) * (x + 1.0)
    return xp.where(huge, -_over_power(xp, 1.0, x, 2), -xp.divide(x, v * xp.sqrt(v)))


def _atan_dx(xp, ans, x):
    """1/(1 + x**2); beyond 1e150, where x*x would overflow, (1/x)**2."""
    r = xp.divide(1.0, x)
    return xp.where(xp.abs(x) > 1e150, r * r, xp.divide(1.0, 1.0 + x * x))


def _atan_dxx(xp, ans, x):
    # -2x/(1 + x**2)**2; where 1 + x*x overflows so does the true value's 1/x**3
    return -2.0 * _over_power(xp, x, 1.0 + x * x, 2)


def _asinh_dxx(xp, ans, x):
    """-x/(1 + x**2)**1.5; beyond 1e100 (the power would overflow) from
    r = 1/hypot(1, x) as ((x r) r) r, x r staying near 1."""
    w = 1.0 + x * x
    r = xp.divide(1.0, xp.hypot(1.0, x))
    return xp.where(xp.abs(x) < 1e100, -xp.divide(x, w * xp.sqrt(w)), -(((x * r) * r) * r))


# --- arithmetic: the operators of the grammar --------------------------------

variadic("add", symbol="+", min_args=2, doc="x1 + x2 + ...",
         forward=lambda xp, s: xp.stack_sum(s),
         partials=lambda xp, ans, s: xp.stack_ones(s),
         second=LINEAR, text="1")
binary("sub", symbol="-", doc="x - y",
       forward=lambda xp, a, b: a - b,
       partials=(lambda xp, ans, a, b: 1.0, lambda xp, ans, a, b: -1.0),
       second=LINEAR, text=("1", "-1"))
binary("mul", symbol="*", doc="x * y",
       forward=lambda xp, a, b: a * b,
       partials=(lambda xp, ans, a, b: b, lambda xp, ans, a, b: a),
       second=(_zero, lambda xp, ans, a, b: 1.0, _zero),
       text=("{1}", "{0}"))
binary("div", symbol="/", doc="x / y", domain=((-2.0, 2.0), (0.5, 3.0)),
       forward=lambda xp, a, b: xp.divide(a, b),
       partials=(lambda xp, ans, a, b: xp.divide(1.0, b),
                 lambda xp, ans, a, b: -_over_power(xp, a, b, 2)),
       second=(_zero,
               lambda xp, ans, a, b: -_over_power(xp, 1.0, b, 2),
               lambda xp, ans, a, b: 2.0 * _over_power(xp, a, b, 3)),
       text=("1/{1}", "-{f}/{1}"))
unary("neg", symbol="-", doc="-x",
      forward=lambda xp, a: -a,
      partial=lambda xp, ans, a: -1.0,
      second=LINEAR, text="-1")


# pow: a guard gives a derivative at x = 0 only where its limit exists (as
# JAX's pow rule does): d/dx x**0 = 0 for every x, and d/dy 0**y = 0 where
# 0**y = 0 all around y (y > 0).  Elsewhere at x = 0 the formulas give inf or
# nan (x**x at 0, x**y at (0, 0), 0**y for y <= 0), which adcli reports.
def _pow_dx(xp, ans, x, y):
    return _zero_at(xp, y == 0, _power_shifted(xp, x, y, 1.0, y))


def _zero_power_flat(x, y):
    """Where x = 0 and 0**y is 0 in a whole neighbourhood of y."""
    return (x == 0) & (y > 0)


def _pow_dy(xp, ans, x, y):
    power = _power_shifted(xp, x, y, 0.0, xp.log(x), ans=ans)
    return _zero_at(xp, _zero_power_flat(x, y), power)


def _pow_dxx(xp, ans, x, y):
    # y = 0 and y = 1 make x**y constant or linear in x: 0 for every x
    linear = (y == 0) | (y == 1)
    return _zero_at(xp, linear, _power_shifted(xp, x, y, 2.0, y, y - 1.0))


def _pow_dxy(xp, ans, x, y):
    # at x = 0, d/dx x**y = y * 0**(y-1) is 0 all around y only for y > 1
    flat = (x == 0) & (y > 1)
    log_x = xp.log(x)
    factor = 1.0 + y * log_x
    # where 1 + y log x overflows, as y * (log x + 1/y): x**(y-1) then decides
    finite = xp.isfinite(factor)
    cofactor = xp.where(finite, 1.0, log_x + xp.divide(1.0, y))
    power = _power_shifted(xp, x, y, 1.0, xp.where(finite, factor, y), cofactor)
    return _zero_at(xp, flat, power)


def _pow_dyy(xp, ans, x, y):
    log_x = xp.log(x)
    squared = _power_shifted(xp, x, y, 0.0, log_x * log_x, ans=ans)
    return _zero_at(xp, _zero_power_flat(x, y), squared)


# one entry serves both x**y (and x^y) and pow(x, y)
binary("pow", symbol="**", doc="x ** y, also x ^ y", domain=((0.5, 3.0), (-2.0, 2.0)),
       forward=lambda xp, x, y: xp.power(x, y),
       partials=(_pow_dx, _pow_dy),
       second=(_pow_dxx, _pow_dxy, _pow_dyy),
       text=("{1}*{0}**({1} - 1)", "log({0})*{f}"))


# --- functions: looked up by name from a call ---------------------------------

# atan2(y, x) and hypot: the inputs are first scaled by a power of two
# (exactly), so that x*x + y*y (atan2) or hypot(x, y) is a normal number: x*x
# + y*y as written overflows from 1e154 and underflows below 1e-154.  A
# partial homogeneous of degree -d in (x, y) is then scaled back by
# multiplying by s, d times.
def _rescaled(xp, x, y, huge, down, tiny):
    """(x * s, y * s, s): s = down beyond huge, 2**600 below tiny, else 1."""
    size = xp.maximum(xp.abs(x), xp.abs(y))
    s = xp.where(size > huge, down, xp.where(size < tiny, 2.0 ** 600, 1.0))
    return x * s, y * s, s


def _atan2_parts(xp, y, x):
    """(x, y, x**2 + y**2, s), x and y rescaled into [1e-143, 1e150]."""
    x, y, s = _rescaled(xp, x, y, 1e150, 2.0 ** -600, 1e-140)
    return x, y, x * x + y * y, s


def _atan2_dy(xp, ans, y, x):
    x, y, square, s = _atan2_parts(xp, y, x)
    return xp.divide(x, square) * s


def _atan2_dx(xp, ans, y, x):
    x, y, square, s = _atan2_parts(xp, y, x)
    return -xp.divide(y, square) * s


def _atan2_xy(xp, y, x):
    """x*y / (x**2 + y**2)**2, as (x/r2) * (y/r2); where the smaller ratio is
    subnormal, as smaller * (larger/r2/r2), rounded once.  0 on the axes
    (where the larger ratio may overflow), not at the origin."""
    x, y, square, s = _atan2_parts(xp, y, x)
    x_larger = xp.abs(x) >= xp.abs(y)
    larger, smaller = xp.where(x_larger, x, y), xp.where(x_larger, y, x)
    small_ratio, large_ratio = xp.divide(smaller, square), xp.divide(larger, square)
    product = xp.where(xp.abs(small_ratio) < _TINY,
                       smaller * xp.divide(large_ratio, square), small_ratio * large_ratio)
    return _zero_at(xp, (smaller == 0) & (square != 0), product * s * s)


def _atan2_dyx(xp, ans, y, x):
    """(y**2 - x**2) / (x**2 + y**2)**2 as (y - x)(y + x): the factor that
    cancels is a difference of inputs, exact, not of rounded squares."""
    x, y, square, s = _atan2_parts(xp, y, x)
    return (xp.divide(y - x, square) * xp.divide(y + x, square)) * s * s


binary("atan2", arg_names=("y", "x"), domain=((0.5, 2.0), (0.5, 2.0)),
       doc="angle of the point (x, y), in (-pi, pi]", complex_step=False,
       forward=lambda xp, y, x: xp.atan2(y, x),
       partials=(_atan2_dy, _atan2_dx),
       second=(lambda xp, ans, y, x: -2.0 * _atan2_xy(xp, y, x), _atan2_dyx,
               lambda xp, ans, y, x: 2.0 * _atan2_xy(xp, y, x)),
       text=("{1}/({0}**2 + {1}**2)", "-{0}/({0}**2 + {1}**2)"))



def _hypot_dx(xp, ans, x, y):
    x, y, s = _rescaled(xp, x, y, 1e300, 0.5, 1e-290)  # ans may overflow; x/h does not
    h = xp.hypot(x, y)
    return _zero_at(xp, h == 0, xp.divide(x, _replace_zero(xp, h)))


def _hypot_dy(xp, ans, x, y):
    return _hypot_dx(xp, ans, y, x)


def _hypot_second(xp, x, y, a, b):
    """a*b / h**3 for a, b in {x, y}, as (smaller / h**2) * (larger / h): a
    ratio that underflows is the one that does not matter."""
    x, y, s = _rescaled(xp, x, y, 1e300, 0.5, 1e-290)
    a, b = a * s, b * s
    h = xp.hypot(x, y)
    a_larger = xp.abs(a) >= xp.abs(b)
    larger, smaller = xp.where(a_larger, a, b), xp.where(a_larger, b, a)
    return (_over_power(xp, smaller, h, 2) * xp.divide(larger, h)) * s


binary("hypot", doc="sqrt(x**2 + y**2) without overflow", complex_step=False,
       forward=lambda xp, x, y: xp.hypot(x, y),
       partials=(_hypot_dx, _hypot_dy),
       second=(lambda xp, ans, x, y: _hypot_second(xp, x, y, y, y),
               lambda xp, ans, x, y: -_hypot_second(xp, x, y, x, y),
               lambda xp, ans, x, y: _hypot_second(xp, x, y, x, x)),
       kink=lambda xp, ans, x, y: ans == 0,
       text=("{0}/{f}", "{1}/{f}"))

unary("sin", domain=(-3.0, 3.0),
      forward=lambda xp, x: xp.sin(x),
      partial=lambda xp, ans, x: xp.cos(x),
      second=lambda xp, ans, x: -ans, text="cos({0})")
unary("cos", domain=(-3.0, 3.0),
      forward=lambda xp, x: xp.cos(x),
      partial=lambda xp, ans, x: -xp.sin(x),
      second=lambda xp, ans, x: -ans, text="-sin({0})")
unary("tan", domain=(-1.2, 1.2),
      forward=lambda xp, x: xp.tan(x),
      partial=lambda xp, ans, x: 1.0 + ans * ans,
      second=lambda xp, ans, x: 2.0 * ans * (1.0 + ans * ans), text="1 + {f}**2")
unary("asin", domain=(-0.9, 0.9),
      forward=lambda xp, x: xp.asin(x),
      partial=_asin_dx, second=_asin_dxx, text="1/sqrt((1 - {0})*(1 + {0}))")
unary("acos", domain=(-0.9, 0.9),
      forward=lambda xp, x: xp.acos(x),
      partial=lambda xp, ans, x: -_asin_dx(xp, ans, x),
      second=lambda xp, ans, x: -_asin_dxx(xp, ans, x), text="-1/sqrt((1 - {0})*(1 + {0}))")
unary("atan", domain=(-3.0, 3.0),
      forward=lambda xp, x: xp.atan(x),
      partial=_atan_dx, second=_atan_dxx, text="1/(1 + {0}**2)")
unary("sinh",
      forward=lambda xp, x: xp.sinh(x),
      partial=lambda xp, ans, x: xp.cosh(x),
      second=lambda xp, ans, x: ans, text="cosh({0})")
unary("cosh",
      forward=lambda xp, x: xp.cosh(x),
      partial=lambda xp, ans, x: xp.sinh(x),
      second=lambda xp, ans, x: ans, text="sinh({0})")
unary("tanh",
      forward=lambda xp, x: xp.tanh(x),
      partial=_tanh_dx,
      second=lambda xp, ans, x: -2.0 * ans * _tanh_dx(xp, ans, x), text="1/cosh({0})**2")
unary("asinh", domain=(-3.0, 3.0),
      forward=lambda xp, x: xp.asinh(x),
      partial=lambda xp, ans, x: xp.divide(1.0, xp.hypot(1.0, x)),
      second=_asinh_dxx, text="1/hypot(1, {0})")
unary("acosh", domain=(1.1, 4.0),
      forward=lambda xp, x: xp.acosh(x),
      partial=_acosh_dx, second=_acosh_dxx, text="1/sqrt(({0} - 1)*({0} + 1))")
unary("atanh", domain=(-0.9, 0.9),
      forward=lambda xp, x: xp.atanh(x),
      partial=lambda xp, ans, x: xp.divide(1.0, _one_minus_square(xp, x)),
      second=lambda xp, ans, x: xp.divide(
          2.0 * x, _one_minus_square(xp, x) * _one_minus_square(xp, x)),
      text="1/((1 - {0})*(1 + {0}))")
unary("exp",
      forward=lambda xp, x: xp.exp(x),
      partial=lambda xp, ans, x: ans,
      second=lambda xp, ans, x: ans, text="{f}")
# expm1' is exp(x), not ans + 1: that cancels to 0 below x = -37
unary("expm1", doc="exp(x) - 1, accurate near 0",
      forward=lambda xp, x: xp.expm1(x),
      partial=lambda xp, ans, x: xp.exp(x),
      second=lambda xp, ans, x: xp.exp(x), text="exp({0})")
unary("log", domain=(0.1, 4.0), doc="natural logarithm",
      forward=lambda xp, x: xp.log(x),
      partial=lambda xp, ans, x: xp.divide(1.0, x),
      second=lambda xp, ans, x: -_over_power(xp, 1.0, x, 2), text="1/{0}")
unary("log2", domain=(0.1, 4.0),
      forward=lambda xp, x: xp.log2(x),
      partial=lambda xp, ans, x: xp.divide(_LOG2_E, x),
      second=lambda xp, ans, x: -_over_power(xp, _LOG2_E, x, 2), text="1/({0}*log(2))")
unary("log10", domain=(0.1, 4.0),
      forward=lambda xp, x: xp.log10(x),
      partial=lambda xp, ans, x: xp.divide(_LOG10_E, x),
      second=lambda xp, ans, x: -_over_power(xp, _LOG10_E, x, 2), text="1/({0}*log(10))")


def _log1p_dx(xp, ans, x):
    """1/(1 + x) with the rounding error e of 1 + x = u + e put back."""
    u, e = _two_sum(1.0, x)
    r = xp.divide(1.0, u)
    return xp.where(e == 0, r, r - (e * r) * r)


def _log1p_dxx(xp, ans, x):
    u, e = _two_sum(1.0, x)
    square = _over_power(xp, 1.0, u, 2)
    return -xp.where(e == 0, square, square - 2.0 * xp.divide(e, u) * square)


unary("log1p", domain=(-0.9, 3.0), doc="log(1 + x), accurate near 0",
      forward=lambda xp, x: xp.log1p(x),
      partial=_log1p_dx, second=_log1p_dxx, text="1/(1 + {0})")
# sqrt'' from sqrt' divided by x: x**1.5 overflows
unary("sqrt", domain=(0.1, 4.0),
      forward=lambda xp, x: xp.sqrt(x),
      partial=lambda xp, ans, x: xp.divide(0.5, ans),
      second=lambda xp, ans, x: -xp.divide(xp.divide(0.25, ans), x), text="0.5/{f}")
# cbrt'(x) = cbrt(x) / (3x): ans once, not squared (libm's cbrt is off by up to 3 ulps)
unary("cbrt", domain=(0.2, 4.0), doc="cube root, real for negative x", complex_step=False,
      forward=lambda xp, x: xp.cbrt(x),
      partial=lambda xp, ans, x: xp.divide(ans, x) / 3.0,
      second=lambda xp, ans, x: -_over_power(xp, 0.2222222222222222 * ans, x, 2),
      text="1/(3*{f}**2)")
unary("abs", doc="|x|; derivative 0 at 0", complex_step=False,
      forward=lambda xp, x: xp.abs(x),
      partial=lambda xp, ans, x: xp.sign(x),
      second=LINEAR, kink=_at_zero, text="sign({0})")
unary("sign", doc="-1, 0 or 1; derivative 0", complex_step=False,
      forward=lambda xp, x: xp.sign(x),
      partial=_zero, second=LINEAR, kink=_at_zero, text="0")
unary("floor", domain=(0.1, 0.9), doc="derivative 0", complex_step=False,
      forward=lambda xp, x: xp.floor(x),
      partial=_zero, second=LINEAR, kink=_at_integer, text="0")
unary("ceil", domain=(0.1, 0.9), doc="derivative 0", complex_step=False,
      forward=lambda xp, x: xp.ceil(x),
      partial=_zero, second=LINEAR, kink=_at_integer, text="0")
unary("sigmoid", domain=(-4.0, 4.0), doc="1 / (1 + exp(-x))",
      forward=_sigmoid,
      partial=lambda xp, ans, x: _sigmoid_slope(xp, x),
      second=lambda xp, ans, x: _sigmoid_curvature(xp, x), text="sigmoid({0})*sigmoid(-{0})")
unary("softplus", domain=(-4.0, 4.0), doc="log(1 + exp(x)), without overflow",
      complex_step=False,
      forward=lambda xp, x: xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(x, 0.0),
      partial=lambda xp, ans, x: _sigmoid(xp, x),
      second=lambda xp, ans, x: _sigmoid_slope(xp, x), text="sigmoid({0})")
unary("relu", doc="max(x, 0); derivative 0 at 0", complex_step=False,
      forward=lambda xp, x: xp.maximum(x, 0.0),
      partial=lambda xp, ans, x: xp.where(x > 0, 1.0, 0.0),
      second=LINEAR, kink=_at_zero, text="sign(relu({0}))")


def _stack_kink(xp, ans, s):
    return xp.stack_count_ties(s, ans) > 1


variadic("max", doc="largest argument; ties share the derivative equally", complex_step=False,
         forward=lambda xp, s: xp.stack_max(s),
         partials=lambda xp, ans, s: xp.stack_ties(s, ans),
         second=LINEAR, kink=_stack_kink, text="1/k at the largest argument (k ties), else 0")
variadic("min", doc="smallest argument; ties share the derivative equally", complex_step=False,
         forward=lambda xp, s: xp.stack_min(s),
         partials=lambda xp, ans, s: xp.stack_ties(s, ans),
         second=LINEAR, kink=_stack_kink, text="1/k at the smallest argument (k ties), else 0")

#: names that read as numbers, not variables
CONSTANTS = {"pi": 3.141592653589793, "e": 2.718281828459045}

#: ops written with operators, not callable by name
OPERATOR_OPS = ("add", "sub", "mul", "div", "neg")


def function_names():
    """The names a user can call, sorted."""
    return sorted(name for name in TABLE if name not in OPERATOR_OPS)
