"""The operator-precedence loop of the common case (adcli/language/precedence.py,
and its C twin adcli/language/_precedence.c) builds the graph the LALR
tables build, node for node, or gives up: on the texts of its subset it
must not give up, and on any text the tables reject it must not build
anything.  Every test runs both loops."""
import math
import random

import pytest

from adcli import ops
from adcli.errors import ExpressionError
from adcli.language import parser, precedence, tables
from adcli.workloads import generate

LOOPS = ["python"] + (["c"] if precedence.C_LOOP is not None else [])
_loop = {"c_loop": True}


@pytest.fixture(autouse=True, params=LOOPS)
def loop(request):
    """Each test once with Python's loop and once with C's (where built)."""
    _loop["c_loop"] = request.param == "c"
    yield request.param


def _common_case(source):
    """The builder of the precedence loop alone, or None where it gives up."""
    the_parser = parser._the_parser()
    builder = the_parser.reductions.builder = parser.new_builder(source)
    try:
        taken = the_parser.common_case.parse(source, **_loop)
    except ExpressionError:
        taken = False
    finally:
        the_parser.reductions.builder = None
    return builder if taken else None


def _tables(source):
    """The builder of the LALR tables alone, or the error they raise."""
    try:
        return parser._the_parser().parse(source, common_case=False)
    except ExpressionError as error:
        return error


def _summary(builder):
    """Everything a builder holds, with constants by their bits (-0.0 is not 0.0)."""
    tape = builder.tape
    return (tape.record.tolist(), tape.inputs.tolist(),
            sorted((node, value.hex()) for node, value in tape.constants.items()),
            [getattr(op, "name", op) for op in tape.op_table], builder.var_index,
            builder.expressions, builder.definitions, builder.declared)


def _same_as_tables(source):
    """Assert the loop agrees with the tables; True when it took the text."""
    mine, theirs = _common_case(source), _tables(source)
    if isinstance(theirs, ExpressionError):
        assert mine is None, f"{source!r}: the tables say {theirs.message}"
        return False
    if mine is not None:
        assert _summary(mine) == _summary(theirs), source
    return mine is not None


TAKEN = [
    "3*(x1**2+x2*x3)", "-x**2", "2**-1", "x**-y**z", "-x*y", "x - -y", "a-b+c", "a+b-c",
    "a+b*c-d/e@f", "+x", "--x", "-+-x", "-(a+b)", "(a+b)*(c+d)", "sin(x)", "max(x, y, z)",
    "max(x+y, y*z, 2)", "pi*x", "e**x", "1e308*10 + x", "x^2^3", "x**2**-3", "a**b*c**d",
    "x\n+ y", "(x\n+y)", "x +\ny", "# c\nx # d\n", "\n\n  x  \n\n", "2*3+x", "x*0", "sin(2)*x",
    "exp(710) + x", "-0.0*x", "0*-1 + x", "x + 1 + 2 + x", "(x + y) + (y + x)", "((x))",
    "atan2(y, x)", "sum(x)", "x@y@z", "x/y/z", "2**x**2", "-2**2 + x", "f_1 + _g2",
    "1.5e-3*x + .5 + 3.", "1e+5*x + 2.E-1 + x*1E3 + 7e0", "sin (x)", "hypot(x, y)**2", "log(1 + x*x)", "(-x)**2",
    generate.rosenbrock(50), generate.rosenbrock_program(20),
]


@pytest.mark.parametrize("source", TAKEN)
def test_the_common_case_builds_what_the_tables_build(source):
    assert _same_as_tables(source), f"{source!r} was given up"


GIVEN_UP = [
    "a = 1\na*x", "x\ny", "x; y", "[x, y]", "x[0]", "A.T", "sum(x, axis=0)", 'load("a.csv")',
    "output f", "x ~ y", "2 x", "x +", "", "(x", "x)", "f(x,)", "(x, y)", "* x", "x ** * y",
    "sin()", "f()", "x(y)", "sinn(x)", "sin(x, y)", "1e999 + x", "x $ y", "sin", "x = = 1",
    "check f at x=1: value 1", "1e+x", "2.5.T", "x.T", "1ex", "(1+2)(3)", "f(x)(y)",
    "x + y, z", "max(x, y", "x\n\ny",
]


@pytest.mark.parametrize("source", GIVEN_UP)
def test_the_rest_is_left_to_the_tables(source):
    assert not _same_as_tables(source)


def test_deep_nesting_stays_iterative():
    depth = 100_000
    for source in ("(" * depth + "x" + ")" * depth, "-" * depth + "x",
                   "x**" * depth + "2", "sin(" * 1000 + "x" + ")" * 1000):
        assert _common_case(source) is not None


_FUNCTIONS = [name for name, op in ops.TABLE.items()
              if name not in ops.OPERATOR_OPS and not op.variadic and op.nargs in (1, 2)
              and not op.array][:40]
_BLANKS = ["", "", " ", "  ", "\t"]


def _expression(rng, depth):
    """A random expression of the subset, as text, with random blanks."""
    blank = rng.choice(_BLANKS)
    roll = rng.random()
    if depth <= 0 or roll < 0.25:
        return rng.choice(["x", "y", "z", "x1", "2", "0.5", "1e-3", "3.", "pi", "0", "-0.0"])
    if roll < 0.55:
        operator = rng.choice(["+", "-", "*", "/", "**", "^", "+", "*"])
        return blank.join([_expression(rng, depth - 1), operator, _expression(rng, depth - 1)])
    if roll < 0.65:
        return rng.choice("+-") + blank + _expression(rng, depth - 1)
    if roll < 0.8:
        return "(" + blank + _expression(rng, depth - 1) + blank + ")"
    name = rng.choice(_FUNCTIONS)
    arguments = [_expression(rng, depth - 1) for _ in range(ops.TABLE[name].nargs)]
    return name + "(" + ("," + blank).join(arguments) + ")"


def test_random_expressions_build_the_same_graphs():
    rng = random.Random(15)
    taken = 0
    for _ in range(600):
        source = _expression(rng, rng.randint(1, 6))
        if rng.random() < 0.2:  # lines joined as the tokenizer joins them
            source = source.replace("+", "\n+", 1).replace("(", "(\n", 1)
        taken += _same_as_tables(source)
    assert taken > 500  # the loop gives up only where a reduction raises


def test_random_token_soups_are_never_built_where_the_tables_refuse():
    rng = random.Random(16)
    alphabet = ["x", "y", "2", ".5", "+", "-", "*", "/", "**", "^", "(", ")", ",", "sin",
                "max", " ", "\n", "#c\n", "@", "=", "[", "]", "1e999", "e", "pi"]
    refused = 0
    for _ in range(3000):
        source = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        refused += not _same_as_tables(source)
    assert refused > 1000


def test_folded_constants_keep_their_bits():
    for source in ("-0.0*x + 0.0", "x*(0*-1)", "x + 2**0.5", "x*" + repr(math.pi)):
        assert _same_as_tables(source)


def test_texts_of_wider_characters_are_read_by_the_python_loop(loop):
    """The C loop reads one byte a character; a comment in another script
    (or a name in one: the tables refuse it) passes to Python's loop."""
    source = "x**2 + y  # \u2192 the valley\n"
    the_parser = parser._the_parser()
    if loop == "c":
        the_parser.reductions.builder = parser.new_builder(source)
        try:
            assert precedence.C_LOOP.parse(source, the_parser.common_case.callbacks,
                                           the_parser.reductions.leaves,
                                           the_parser.common_case.keywords,
                                           parser.Token) is None
        finally:
            the_parser.reductions.builder = None
    assert _same_as_tables(source)
    assert not _same_as_tables("x + \u00e9")
    assert not _same_as_tables("x + \u03b1")


def test_the_c_loop_reads_the_grammars_tokens():
    """_precedence.c spells out these patterns of the grammar: a change to
    them must change it too."""
    patterns = dict(tables.TOKENS)
    assert patterns["NUMBER"] == r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
    assert patterns["NAME"] == "[A-Za-z_][A-Za-z_0-9]*"
    assert patterns["__IGNORE_0"] == "[ \t\r\x0c]+" and patterns["COMMENT"] == "#[^\n]*"
    assert patterns["POW"] == r"(?:\*\*|\^)"
    literal = {"PLUS": r"\+", "MINUS": r"\-", "STAR": r"\*", "SLASH": "/", "MATMUL": "@",
               "LPAR": r"\(", "RPAR": r"\)", "COMMA": ",", "_NEWLINE": "\n"}
    assert {kind: patterns[kind] for kind in literal} == literal
    assert set(tables.IGNORED) == {"__IGNORE_0", "COMMENT"}


def test_the_c_loop_is_used_where_it_was_built():
    import os
    try:
        from adcli.language import _precedence
    except ImportError:
        pytest.skip("adcli/language/_precedence.c not built here (no compiler at install)")
    if os.environ.get("ADCLI_PURE_PYTHON") == "1":
        assert precedence.C_LOOP is None
    else:
        assert precedence.C_LOOP is _precedence
