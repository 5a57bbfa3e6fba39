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
import dataclasses
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
    # --- array ops (ARRAY_TABLE; see the array section below) ---
    array: bool = False
    # one rule per argument: vjp(xp, g, ans, *args, **params) -> the cotangent
    # of that argument, in its shape; a variadic op has one rule giving all of them
    vjp: object = None
    # jvp(xp, tangents, ans, *args, **params) -> the output tangent (tangents: a
    # list, None for an argument without one)
    jvp: Optional[Callable] = None
    # shape(*shapes, **params) -> the output shape, or raises ShapeError
    shape: Optional[Callable] = None
    # static parameters ((key, value) pairs: axis, an index spec, a shape): the
    # rules get them as keywords; ops.with_params makes one Op per set
    params: tuple = ()
    # array ops: the reverse rule as a matrix formula per argument (variadic: one),
    # for adcli explain: the arguments by their names (arg_names; x for one), the
    # op's value y (z when an argument is named y), a bar for an adjoint (ȳ the
    # value's), · the matrix product, ⊙ the elementwise one
    adjoint: tuple = ()

    def __repr__(self):
        if self.params:
            shown = ", ".join(f"{k}={_param_text(v)}" for k, v in self.params)
            return f"<op {self.name} {shown}>"
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


# --- array ops ------------------------------------------------------------------
# ARRAY_TABLE holds the ops whose arguments are arrays (reductions, linear
# algebra, indexing, literals).  The elementwise ops are TABLE's own entries,
# applied with numpy broadcasting by adcli.engine.arrays: not a second copy.
# Each entry has its forward rule, vjp, jvp and shape rule side by side (as
# autograd's numpy_vjps.py, JAX's rule-beside-primitive).  Every rule is a
# composition of functions of the array namespace ``xp`` (engine/arrays.py
# names them), never numpy directly: a later interpreter runs the vjp rules on
# dual numbers (forward over reverse) for exact Hessians, so each rule must
# itself be differentiable through the namespace.  Shape rules are plain
# Python on tuples.  Static parameters (axis, an index spec, a shape) are the
# op's ``params``: ``with_params(op, axis=0)`` gives one cached Op per set, so
# the graph's hash-consing by (op, args) keeps working.

#: name -> Op of the array ops; kept out of TABLE (the parser and the scalar
#: tests read TABLE) until the language knows arrays
ARRAY_TABLE = {}
_WITH_PARAMS = {}


def array_op(name, *, forward, vjp, jvp, shape, adjoint=(), nargs=1, arg_names=(), params=(),
             doc="", symbol="", complex_step=True):
    """An array op: forward(xp, *args, **params); vjp one rule per argument
    (variadic: one rule giving the list), jvp and shape as the Op fields;
    adjoint the vjp as formulas (Op.adjoint); params the static parameters
    with their defaults; symbol makes it infix in node texts (A @ B);
    complex_step False when the forward rule is not analytic on complex
    arrays (adcli compare and check then difference instead)."""
    op = Op(name, nargs, forward, (), None, kind="infix" if symbol else "call",
            symbol=symbol, doc=doc, arg_names=arg_names, array=True, vjp=vjp, jvp=jvp,
            shape=shape, params=tuple(params), complex_step=complex_step,
            min_args=1 if nargs is None else 0, adjoint=tuple(adjoint))
    ARRAY_TABLE[name] = op
    return op


def with_params(op, **params):
    """The one Op that is op with these static parameters (cached: the same
    parameters give the same object, so identical nodes hash-cons)."""
    merged = dict(op.params)
    base = ARRAY_TABLE.get(op.name, op) if op.array else op
    unknown = sorted(set(params).difference(merged))
    if unknown:
        from .errors import ExpressionError
        takes = ", ".join(f"{k}=" for k, _ in base.params) or "none"
        raise ExpressionError(f"{op.name} has no parameter {unknown[0]}= (its parameters: "
                              f"{takes})", kind="arguments")
    merged.update(params)
    key = (id(base), tuple(sorted((k, _hashable(v)) for k, v in merged.items())))
    found = _WITH_PARAMS.get(key)
    if found is None:
        found = _WITH_PARAMS[key] = dataclasses.replace(base, params=tuple(sorted(merged.items())))
    return found


def _hashable(value):
    if isinstance(value, slice):
        return ("slice", value.start, value.stop, value.step)
    if isinstance(value, (tuple, list)):
        return tuple(_hashable(v) for v in value)
    return value


def _param_text(value):
    if isinstance(value, slice):
        parts = [value.start, value.stop] + ([] if value.step is None else [value.step])
        return ":".join("" if v is None else str(v) for v in parts)
    if isinstance(value, tuple):
        return "[" + ", ".join(_param_text(v) for v in value) + "]"
    return repr(value)


def param_text(value):
    """A parameter as the language writes it inside brackets or parentheses:
    (1, slice(None, -1)) -> "1, :-1", (2, 3) -> "2, 3"."""
    if isinstance(value, tuple):
        return ", ".join(_param_text(v) for v in value)
    return _param_text(value)


def _shape_error(message, hint=None):
    from .errors import ShapeError
    return ShapeError(message, hint=hint)


def _rank_name(shape):
    return {0: "a scalar", 1: "a vector", 2: "a matrix"}.get(len(shape), f"a {len(shape)}-D array")


# --- shape rules ------------------------------------------------------------------


def _matmul_shape(a, b, name="matmul", symbol="@"):
    for s in (a, b):
        if len(s) not in (1, 2):
            raise _shape_error(f"cannot {name} {_rank_name(s)} of shape {s}: "
                               f"{name} takes vectors and matrices",
                               hint="use * for a product with a scalar" if not s else None)
    inner_a, inner_b = a[-1], b[0]
    if inner_a != inner_b:
        raise _shape_error(f"cannot {name} {a} {symbol} {b}: {inner_a} != {inner_b}")
    return a[:-1] + b[1:]


def _axis_of(shape, axis):
    """axis as a non-negative axis of shape, or ShapeError."""
    n = len(shape)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise _shape_error(f"axis must be an integer or None, not {axis!r}")
    if not -n <= axis < n:
        raise _shape_error(f"axis {axis} is out of range for {_rank_name(shape)} of shape {shape}",
                           hint=f"axes of {n}-D values are {-n} to {n - 1}" if n else None)
    return axis % n


def _reduce_shape(shape, axis=None):
    if axis is None:
        return ()
    k = _axis_of(shape, axis)
    return shape[:k] + shape[k + 1:]


def _nonempty_reduce_shape(name):
    def rule(shape, axis=None):
        result = _reduce_shape(shape, axis)
        size = _size(shape) if axis is None else shape[_axis_of(shape, axis)]
        if size == 0:
            raise _shape_error(f"{name} of an empty array (shape {shape}) has no value")
        return result
    return rule


def _size(shape):
    size = 1
    for d in shape:
        size *= d
    return size


def _square_shape(name, result=lambda n: ()):
    def rule(shape):
        if len(shape) != 2 or shape[0] != shape[1]:
            raise _shape_error(f"{name} needs a square matrix, not {_rank_name(shape)} "
                               f"of shape {shape}")
        return result(shape[0])
    return rule


def _index_shape(shape, index=()):
    result, axis = [], 0
    for item in index:
        if axis >= len(shape):
            raise _shape_error(f"too many indices ({len(index)}) for {_rank_name(shape)} "
                               f"of shape {shape}")
        size = shape[axis]
        if isinstance(item, slice):
            parts = (item.start, item.stop, item.step)
            if not all(p is None or (isinstance(p, int) and not isinstance(p, bool))
                       for p in parts):
                raise _shape_error(f"a slice's bounds are integers, not {_param_text(item)}")
            if item.step == 0:
                raise _shape_error("a slice's step cannot be 0")
            result.append(len(range(*item.indices(size))))
        elif isinstance(item, int) and not isinstance(item, bool):
            if not -size <= item < size:
                raise _shape_error(f"index {item} is out of range for axis {axis} of size "
                                   f"{size} (shape {shape})")
        else:
            raise _shape_error(f"an index is an integer or a slice, not {item!r}")
        axis += 1
    return tuple(result) + tuple(shape[axis:])


def _stack_shape(*shapes):
    if not shapes:
        raise _shape_error("an array literal needs at least one element")
    for s in shapes[1:]:
        if s != shapes[0]:
            raise _shape_error(f"cannot stack {shapes[0]} and {s}: the elements of an array "
                               "literal must have one shape")
    return (len(shapes),) + shapes[0]


def _vector_pair_shape(name, result):
    def rule(a, b):
        for s in (a, b):
            if len(s) != 1:
                raise _shape_error(f"{name} takes two vectors, not {_rank_name(s)} of shape {s}")
        return result(a, b)
    return rule


def _outer_result(a, b):
    return a + b


def _solve_shape(a, b):
    _square_shape("solve")(a)
    if len(b) not in (1, 2) or b[0] != a[0]:
        raise _shape_error(f"cannot solve {a} x = {b}: "
                           + (f"{b[0]} != {a[0]}" if b else "b is a scalar"))
    return b


def _diag_shape(shape):
    if len(shape) == 1:
        return (shape[0], shape[0])
    if len(shape) == 2:
        return (min(shape),)
    raise _shape_error(f"diag takes a vector or a matrix, not {_rank_name(shape)} "
                       f"of shape {shape}")


def _trace_shape(shape):
    if len(shape) != 2:
        raise _shape_error(f"trace needs a matrix, not {_rank_name(shape)} of shape {shape}")
    return ()


def _norm_shape(shape):
    if len(shape) > 2:
        raise _shape_error(f"norm takes a vector or a matrix, not {_rank_name(shape)} "
                           f"of shape {shape}")
    return ()


def _softmax_shape(shape, axis=None):
    if axis is not None:
        _axis_of(shape, axis)
    return shape


def _is_size(n):
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0


def _constant_shape(shape=()):
    if not isinstance(shape, tuple) or not all(_is_size(n) for n in shape):
        raise _shape_error(f"a shape is a tuple of sizes >= 0, not {shape!r}")
    return shape


def _eye_shape(n=1):
    if not _is_size(n):
        raise _shape_error(f"eye needs a size >= 0, not {n!r}")
    return (n, n)


def _linspace_shape(start=0.0, stop=1.0, num=50):
    if not _is_size(num):
        raise _shape_error(f"linspace needs a count >= 0, not {num!r}")
    return (num,)


# --- helpers of the rules (namespace compositions) ---------------------------------


def _expand(xp, g, shape, axis):
    """g, a reduction's cotangent, broadcast back to the reduced shape."""
    if axis is not None:
        g = xp.expand_dims(g, axis % len(shape))
    return xp.broadcast_to(g, shape)


def _keep(xp, ans, shape, axis):
    """ans of a reduction, with the reduced axis kept (size 1)."""
    if axis is None:
        return xp.reshape(ans, (1,) * len(shape))
    return xp.expand_dims(ans, axis % len(shape))


def _product_of_others(xp, x, axis):
    """At each entry, the product of the other entries along axis (all
    entries for axis None): exclusive cumulative products from both ends,
    no division (zeros in x are fine)."""
    shape = xp.shape(x)
    if axis is None:
        flat = xp.reshape(x, (-1,))
        return xp.reshape(_product_of_others(xp, flat, 0), shape)
    axis = axis % len(shape)
    left = xp.exclusive_cumprod(x, axis)
    right = xp.flip(xp.exclusive_cumprod(xp.flip(x, axis), axis), axis)
    return left * right


def _extreme_shares(xp, ans, x, axis):
    """1/k at the k entries equal to the max (min), 0 elsewhere: ties share
    the derivative equally, as the scalar max does."""
    hits = xp.where(xp.equal(x, _keep(xp, ans, xp.shape(x), axis)), 1.0, 0.0)
    return hits / xp.sum(hits, axis=axis, keepdims=True)


def _reduction_jvp(xp, t, weights, axis):
    return xp.sum(weights * t, axis=axis)


def _matmul_vjp_a(xp, g, ans, a, b):
    if xp.ndim(b) == 1:
        return xp.outer(g, b) if xp.ndim(a) == 2 else g * b
    return xp.matmul(g, xp.transpose(b)) if xp.ndim(a) == 2 else xp.matmul(b, g)


def _matmul_vjp_b(xp, g, ans, a, b):
    if xp.ndim(a) == 1:
        return xp.outer(a, g) if xp.ndim(b) == 2 else g * a
    return xp.matmul(xp.transpose(a), g)


def _matmul_jvp(xp, tangents, ans, a, b):
    ta, tb = tangents
    parts = []
    if ta is not None:
        parts.append(xp.matmul(ta, b))
    if tb is not None:
        parts.append(xp.matmul(a, tb))
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


def _sum_jvp(parts):
    parts = [p for p in parts if p is not None]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def _inverse_transpose(xp, x):
    """inv(X)^T, as solve(X^T, I): no inverse formed and multiplied."""
    return xp.solve(xp.transpose(x), xp.eye(xp.shape(x)[0]))


def _solve_vjp_a(xp, g, ans, a, b):
    bbar = xp.solve(xp.transpose(a), g)
    if xp.ndim(ans) == 1:
        return -xp.outer(bbar, ans)
    return -xp.matmul(bbar, xp.transpose(ans))


def _solve_jvp(xp, tangents, ans, a, b):
    ta, tb = tangents
    rhs = _sum_jvp([tb, None if ta is None else -xp.matmul(ta, ans)])
    return xp.solve(a, rhs)


def _norm_forward(xp, x):
    """sqrt(sum(x**2)) scaled by max|x|: no overflow or underflow of the squares."""
    size = xp.max(xp.abs(x)) if xp.size(x) else 0.0
    scale = xp.where(size == 0, 1.0, xp.where(size == xp.inf, 1.0, size))
    scaled = xp.divide(x, scale)
    return xp.sqrt(xp.sum(scaled * scaled)) * scale


def _norm_slope(xp, ans, x):
    """x / ||x||; 0 at x = 0, the minimum-norm subgradient (as abs'(0) = 0)."""
    return xp.where(ans == 0, 0.0, xp.divide(x, xp.where(ans == 0, 1.0, ans)))


def _finite_max(xp, x, axis):
    """max(x) along axis (kept), 0 where that is not finite: the shift of a
    stable logsumexp or softmax."""
    m = _keep(xp, xp.max(x, axis=axis), xp.shape(x), axis)
    return xp.where(xp.isfinite(m), m, 0.0)


def _logsumexp(xp, x, axis=None):
    m = _finite_max(xp, x, axis)
    total = xp.sum(xp.exp(x - m), axis=axis, keepdims=True)
    kept = xp.log(total) + m
    return xp.reshape(kept, ()) if axis is None else xp.squeeze(kept, axis)


def _softmax(xp, x, axis=None):
    z = xp.exp(x - _finite_max(xp, x, axis))
    return z / xp.sum(z, axis=axis, keepdims=True)


def _softmax_of(xp, ans, x, axis):
    return xp.exp(x - _keep(xp, ans, xp.shape(x), axis))


def _zero_tangent(xp, tangents, ans, *args, **params):
    return xp.zeros(xp.shape(ans))


# --- the entries --------------------------------------------------------------------

array_op("matmul", nargs=2, arg_names=("A", "B"), symbol="@",
         doc="A @ B: numpy.matmul for 1-D and 2-D",
         adjoint=("Ā = ȳ·Bᵀ", "B̄ = Aᵀ·ȳ"),
         forward=lambda xp, a, b: xp.matmul(a, b),
         vjp=(_matmul_vjp_a, _matmul_vjp_b), jvp=_matmul_jvp, shape=_matmul_shape)
array_op("dot", nargs=2, arg_names=("x", "y"), doc="numpy.dot for 1-D and 2-D (as matmul)",
         adjoint=("x̄ = z̄·yᵀ", "ȳ = xᵀ·z̄"),
         forward=lambda xp, a, b: xp.matmul(a, b),
         vjp=(_matmul_vjp_a, _matmul_vjp_b), jvp=_matmul_jvp,
         shape=lambda a, b: _matmul_shape(a, b, "dot", "·"))
array_op("transpose", doc="A.T: the axes reversed (a vector is unchanged)",
         adjoint=("x̄ = ȳᵀ",),
         forward=lambda xp, x: xp.transpose(x),
         vjp=(lambda xp, g, ans, x: xp.transpose(g),),
         jvp=lambda xp, tangents, ans, x: xp.transpose(tangents[0]),
         shape=lambda s: tuple(reversed(s)))
array_op("sum", params=(("axis", None),), doc="sum over all entries or along axis",
         adjoint=("x̄ = ȳ·1 (broadcast)",),
         forward=lambda xp, x, axis=None: xp.sum(x, axis=axis),
         vjp=(lambda xp, g, ans, x, axis=None: _expand(xp, g, xp.shape(x), axis),),
         jvp=lambda xp, tangents, ans, x, axis=None: xp.sum(tangents[0], axis=axis),
         shape=_reduce_shape)
array_op("mean", params=(("axis", None),), doc="mean over all entries or along axis",
         adjoint=("x̄ = ȳ·1/n (broadcast; n entries per mean)",),
         forward=lambda xp, x, axis=None: xp.mean(x, axis=axis),
         vjp=(lambda xp, g, ans, x, axis=None:
              _expand(xp, g, xp.shape(x), axis) * (xp.size(ans) / xp.size(x)),),
         jvp=lambda xp, tangents, ans, x, axis=None: xp.mean(tangents[0], axis=axis),
         shape=_nonempty_reduce_shape("mean"))
array_op("prod", params=(("axis", None),), doc="product over all entries or along axis",
         adjoint=("x̄ᵢ = ȳ·∏ⱼ≠ᵢ xⱼ (the product of the others)",),
         forward=lambda xp, x, axis=None: xp.prod(x, axis=axis),
         vjp=(lambda xp, g, ans, x, axis=None:
              _expand(xp, g, xp.shape(x), axis) * _product_of_others(xp, x, axis),),
         jvp=lambda xp, tangents, ans, x, axis=None:
             _reduction_jvp(xp, tangents[0], _product_of_others(xp, x, axis), axis),
         shape=_reduce_shape)
for _name, _forward in (("max", lambda xp, x, axis=None: xp.max(x, axis=axis)),
                        ("min", lambda xp, x, axis=None: xp.min(x, axis=axis))):
    # complex entries compare by their real parts first and a tie goes to one
    # entry, not shared: not complex-step safe, as the scalar max and min are not
    array_op(_name, params=(("axis", None),),
             doc=f"{_name} over all entries or along axis; ties share the derivative equally",
             adjoint=("x̄ = ȳ·[x = y]/k (the k entries equal to y share ȳ)",),
             complex_step=False,
             forward=_forward,
             vjp=(lambda xp, g, ans, x, axis=None:
                  _expand(xp, g, xp.shape(x), axis) * _extreme_shares(xp, ans, x, axis),),
             jvp=lambda xp, tangents, ans, x, axis=None:
                 _reduction_jvp(xp, tangents[0], _extreme_shares(xp, ans, x, axis), axis),
             shape=_nonempty_reduce_shape(_name))
array_op("index", params=(("index", ()),), doc="x[i], x[a:b:c], A[i, j], A[:, j]: basic indexing",
         adjoint=("x̄[i] += ȳ",),
         forward=lambda xp, x, index=(): xp.index(x, index),
         vjp=(lambda xp, g, ans, x, index=(): xp.index_adjoint(g, xp.shape(x), index),),
         jvp=lambda xp, tangents, ans, x, index=(): xp.index(tangents[0], index),
         shape=_index_shape)
array_op("stack", nargs=None, doc="[x1, x2, ...]: equal shapes along a new leading axis",
         adjoint=("x̄ₖ = ȳ[k]",),
         forward=lambda xp, *args: xp.stack(args),
         vjp=lambda xp, g, ans, *args: [xp.index(g, (k,)) for k in range(len(args))],
         jvp=lambda xp, tangents, ans, *args: xp.stack(
             [xp.zeros(xp.shape(a)) if t is None else t for a, t in zip(args, tangents)]),
         shape=_stack_shape)
array_op("outer", nargs=2, arg_names=("x", "y"), doc="x y^T of two vectors",
         adjoint=("x̄ = z̄·y", "ȳ = z̄ᵀ·x"),
         forward=lambda xp, a, b: xp.outer(a, b),
         vjp=(lambda xp, g, ans, a, b: xp.matmul(g, b),
              lambda xp, g, ans, a, b: xp.matmul(a, g)),
         jvp=lambda xp, tangents, ans, a, b: _sum_jvp(
             [None if tangents[0] is None else xp.outer(tangents[0], b),
              None if tangents[1] is None else xp.outer(a, tangents[1])]),
         shape=_vector_pair_shape("outer", _outer_result))
array_op("trace", arg_names=("A",), doc="sum of the diagonal",
         adjoint=("Ā = ȳ·I",),
         forward=lambda xp, a: xp.trace(a),
         vjp=(lambda xp, g, ans, a: g * xp.eye(xp.shape(a)[0], xp.shape(a)[1]),),
         jvp=lambda xp, tangents, ans, a: xp.trace(tangents[0]),
         shape=_trace_shape)
array_op("det", arg_names=("A",), doc="determinant of a square matrix",
         adjoint=("Ā = ȳ·y·A⁻ᵀ",),
         forward=lambda xp, a: xp.det(a),
         vjp=(lambda xp, g, ans, a: (g * ans) * _inverse_transpose(xp, a),),
         jvp=lambda xp, tangents, ans, a: ans * xp.trace(xp.solve(a, tangents[0])),
         shape=_square_shape("det"))
# slogdet of a complex matrix gives a real log|det|: the complex step loses
# the imaginary part, so it is not complex-step safe
array_op("logdet", arg_names=("A",), doc="log |det A|, from slogdet",
         adjoint=("Ā = ȳ·A⁻ᵀ",), complex_step=False,
         forward=lambda xp, a: xp.logabsdet(a),
         vjp=(lambda xp, g, ans, a: g * _inverse_transpose(xp, a),),
         jvp=lambda xp, tangents, ans, a: xp.trace(xp.solve(a, tangents[0])),
         shape=_square_shape("logdet"))
array_op("inv", arg_names=("A",), doc="inverse of a square matrix (nan when singular)",
         adjoint=("Ā = -yᵀ·ȳ·yᵀ",),
         forward=lambda xp, a: xp.inv(a),
         vjp=(lambda xp, g, ans, a:
              -xp.matmul(xp.transpose(ans), xp.matmul(g, xp.transpose(ans))),),
         jvp=lambda xp, tangents, ans, a: -xp.matmul(ans, xp.matmul(tangents[0], ans)),
         shape=_square_shape("inv", lambda n: (n, n)))
array_op("solve", nargs=2, arg_names=("A", "b"), doc="x with A x = b (nan when A is singular)",
         adjoint=("Ā = -A⁻ᵀ·ȳ·yᵀ", "b̄ = A⁻ᵀ·ȳ"),
         forward=lambda xp, a, b: xp.solve(a, b),
         vjp=(_solve_vjp_a, lambda xp, g, ans, a, b: xp.solve(xp.transpose(a), g)),
         jvp=_solve_jvp, shape=_solve_shape)
array_op("diag", doc="diag(v): the diagonal matrix; diag(A): A's diagonal",
         adjoint=("x̄ = diag(ȳ)",),
         forward=lambda xp, x: xp.diag(x),
         vjp=(lambda xp, g, ans, x: xp.diag(g) if xp.ndim(x) == 1
              else xp.diag_matrix(g, xp.shape(x)),),
         jvp=lambda xp, tangents, ans, x: xp.diag(tangents[0]),
         shape=_diag_shape)
# complex-step safe though it takes max|x|: that real scale cancels exactly,
# leaving sqrt(sum(x*x)), analytic (as sqrt is) away from x = 0
array_op("norm", doc="2-norm of a vector, Frobenius norm of a matrix; derivative 0 at 0",
         adjoint=("x̄ = ȳ·x/y",),
         forward=_norm_forward,
         vjp=(lambda xp, g, ans, x: g * _norm_slope(xp, ans, x),),
         jvp=lambda xp, tangents, ans, x: xp.sum(_norm_slope(xp, ans, x) * tangents[0]),
         shape=_norm_shape)
array_op("logsumexp", params=(("axis", None),), doc="log(sum(exp(x))), shifted by the max",
         adjoint=("x̄ = ȳ·softmax(x)",),
         forward=_logsumexp,
         vjp=(lambda xp, g, ans, x, axis=None:
              _expand(xp, g, xp.shape(x), axis) * _softmax_of(xp, ans, x, axis),),
         jvp=lambda xp, tangents, ans, x, axis=None:
             _reduction_jvp(xp, tangents[0], _softmax_of(xp, ans, x, axis), axis),
         shape=_nonempty_reduce_shape("logsumexp"))
array_op("softmax", params=(("axis", None),),
         doc="exp(x) / sum(exp(x)) over all entries or along axis, shifted by the max",
         adjoint=("x̄ = y ⊙ (ȳ - sum(ȳ ⊙ y))",),
         forward=_softmax,
         vjp=(lambda xp, g, ans, x, axis=None:
              ans * (g - xp.sum(g * ans, axis=axis, keepdims=True)),),
         jvp=lambda xp, tangents, ans, x, axis=None:
             ans * (tangents[0] - xp.sum(ans * tangents[0], axis=axis, keepdims=True)),
         shape=_softmax_shape)
array_op("zeros", nargs=0, params=(("shape", ()),), doc="zeros(n), zeros(m, n)",
         forward=lambda xp, shape=(): xp.zeros(shape),
         vjp=(), jvp=_zero_tangent, shape=_constant_shape)
array_op("ones", nargs=0, params=(("shape", ()),), doc="ones(n), ones(m, n)",
         forward=lambda xp, shape=(): xp.ones(shape),
         vjp=(), jvp=_zero_tangent, shape=_constant_shape)
array_op("linspace", nargs=0, params=(("start", 0.0), ("stop", 1.0), ("num", 50)),
         doc="linspace(start, stop, num): num evenly spaced numbers, both ends included",
         forward=lambda xp, start=0.0, stop=1.0, num=50: xp.linspace(start, stop, num),
         vjp=(), jvp=_zero_tangent, shape=_linspace_shape)
array_op("eye", nargs=0, params=(("n", 1),), doc="eye(n): the n x n identity",
         forward=lambda xp, n=1: xp.eye(n),
         vjp=(), jvp=_zero_tangent, shape=_eye_shape)
