"""Text to graph: the grammar in grammars/adcli.lark, applied by an LALR
parser whose reductions build the graph during parsing (no tree, no
recursion).

The grammar's tables are plain literals in adcli/language/tables.py, which
regenerate.py writes from the grammar with lark (a test checks they are
current); lalr.py runs them, so parsing never imports lark.
"""
import os
import re
import threading
from itertools import chain
from dataclasses import dataclass
from typing import NamedTuple

from .. import ops
from ..engine import scalar
from ..errors import AdcliError, ExpressionError, line_and_column
from ..graph import GraphBuilder, collection_paused, count_text
from . import precedence
from .lalr import Automaton, Lexicon, Token, UnexpectedToken, new_token

GRAMMAR_FILE = "adcli.lark"
_INFINITY = float("inf")
_ADD, _SUB, _MUL, _DIV, _POW, _NEG = (ops.TABLE[name]
                                      for name in ("add", "sub", "mul", "div", "pow", "neg"))
_MATMUL, _STACK, _TRANSPOSE, _INDEX = (ops.ARRAY_TABLE[name]
                                       for name in ("matmul", "stack", "transpose", "index"))


def grammar_path():
    """The grammar shipped in the package, or the source tree's grammars/."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for folder in (os.path.join(package, "grammars"), os.path.join(package, os.pardir, "grammars")):
        path = os.path.join(folder, GRAMMAR_FILE)
        if os.path.isfile(path):
            return os.path.normpath(path)
    raise AdcliError(f"the grammar file {GRAMMAR_FILE} is missing from the installation")


def grammar_text():
    with open(grammar_path(), encoding="utf-8") as handle:
        return handle.read()


def grammar_digest(text):
    import hashlib  # for tests and the generator; the runtime compares the text
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _PendingSum(list):
    """The terms of a + chain not yet made a node: a + b + c becomes one
    n-ary add node, and a 100,000-term sum is one node, not a deep chain.
    The list holds the terms' nodes; the span runs from the first term's
    start to the last one's end."""

    __slots__ = ("start", "end")


def _binary_reduction(op):
    """The reduction of left OP right: the node of op applied to both sides."""
    def binary(self, left, operator, right):
        if type(left) is _PendingSum:  # (hot: a call saved for most operands)
            left = self._node(left)
        if type(right) is _PendingSum:
            right = self._node(right)
        node_left, start, _ = left
        node_right, _, end = right
        return (self._builder.apply_binary(op, node_left, node_right, start, end), start, end)
    binary.__name__ = binary.__qualname__ = op.name
    return binary


class _Reductions:
    """The grammar's reductions, called by rule name with the values the rule
    keeps (tokens are lalr.Token).  Each expression rule returns a ref
    (node, start, end), or a _PendingSum."""

    def __init__(self):
        self.builder = None

    @property
    def builder(self):
        return self._builder

    @builder.setter
    def builder(self, builder):
        """The builder the reductions append to, with a memo of its own."""
        self._builder = builder
        self.leaves = {}  # the text of a number or name -> its node, once resolved

    # leaves: a text means the same node wherever it stands (a name is
    # defined before any use, once), so the memo only skips the lookups
    def number(self, number):
        _, text, start, end = number
        try:
            return (self.leaves[text], start, end)
        except KeyError:
            pass  # the first time: below, so an error raised has no KeyError context
        value = float(text)
        if value == _INFINITY:
            raise ExpressionError(f"the number {text} is too large for float64",
                                  self.builder.source, start, end)
        node = self.leaves[text] = self.builder.constant(value, (start, end))
        return (node, start, end)

    def name(self, name):
        _, word, start, end = name
        node = self.leaves.get(word)  # (not a KeyError: most names are met once)
        if node is None:
            node = self.leaves[word] = self._name_node(word, start, end)
        return (node, start, end)

    def _name_node(self, word, start, end):
        defined = self.builder.definitions.get(word)
        if defined is not None:
            return defined[0]
        if word in ops.CONSTANTS:
            return self.builder.constant(ops.CONSTANTS[word], (start, end))
        if word in ops.TABLE:
            raise ExpressionError(
                f"{word} is a function, not a variable", self.builder.source, start, end,
                hint=f"call it: {ops.TABLE[word].signature()}", kind="name")
        return self.builder.variable(word, (start, end))

    # statements
    def program(self, *statements):
        return None

    def expression(self, value):
        node, start, end = self._node(value)
        self.builder.expressions.append((node, start, end))

    def define(self, name, assign, value):
        if name.text in ops.TABLE or name.text in ops.CONSTANTS:
            what = "a function" if name.text in ops.TABLE else "a constant"
            raise ExpressionError(f"{name.text} is {what} and cannot be redefined",
                                  self.builder.source, name.start, name.end,
                                  hint="choose another name", kind="definition")
        self.builder.define(name.text, self._node(value)[0], name.start, name.end)

    def declare_outputs(self, output, *names_and_commas):
        self.builder.declared += [(name.text, name.start, name.end)
                                  for name in names_and_commas if name.kind == "NAME"]

    # check statements: their numbers must be constants
    def check(self, check, names, word, bindings, colon, claims):
        self.builder.checks.append(
            CheckStatement(names, (word.text, word.start, word.end), bindings, claims,
                           (check.start, claims[-1].end)))

    def tolerance(self, tolerance, claims):
        self.builder.tolerances.append(claims)

    def names(self, *names_and_commas):
        return [(name.text, name.start, name.end) for name in names_and_commas[::2]]

    def bindings(self, *bindings_and_commas):
        return list(bindings_and_commas[::2])

    def claims(self, *claims_and_commas):
        return list(claims_and_commas[::2])

    def bind_point(self, name, assign, value):
        value, end = self._constant(value)
        return Binding(name.text, "=", (value,), name.start, end)

    def bind_range(self, name, word, open_bracket, low, comma, high, close_bracket):
        if word.text != "in":
            raise ExpressionError(f"expected 'in', got {word.text!r}", self.builder.source,
                                  word.start, word.end,
                                  hint=f"write {name.text} in [low, high]", kind="check")
        return Binding(name.text, "in", (self._constant(low)[0], self._constant(high)[0]),
                       name.start, close_bracket.end)

    def claim_flag(self, word):
        return Claim(word.text, None, word.start, word.end)

    def claim_number(self, word, value):
        if word.text == "wrt":
            return self._wrt_claim(word, value)
        if word.text == "fit":  # fit y: the data the check's output is fitted to
            node, start, end = self._node(value)
            name = self.builder.source[start:end].strip()
            if not name.isidentifier():
                raise ExpressionError("fit takes the name of the data to fit", self.builder.source,
                                      start, end, hint="write fit y, y = load(\"y.csv\") above",
                                      kind="check")
            return Claim("fit", name, word.start, end)
        value, end = self._constant(value)
        return Claim(word.text, value, word.start, end)

    def claim_equals(self, word, assign, value):
        return self.claim_number(word, value)

    def claim_variable(self, word, variable, assign, value):
        """grad x = [8, 14]: the claim about one variable's derivative."""
        value, end = self._constant(value)
        return Claim(word.text, value, word.start, end, variable=variable.text)

    def _wrt_claim(self, word, ref):
        """wrt x or wrt [x, y]: the variables a check differentiates."""
        node, start, end = self._node(ref)
        builder = self.builder
        nodes = builder.args[node] if builder.ops[node] is _STACK else (node,)
        names = {index: name for name, index in builder.var_index.items()}
        if not all(n in names for n in nodes):
            raise ExpressionError("wrt takes the names of variables", builder.source, start,
                                  end, hint="write wrt x, or wrt [x, y]", kind="check")
        return Claim("wrt", [names[n] for n in nodes], word.start, end)

    def claim_agrees(self, word, tilde, method):
        return Claim(word.text, ("~", method.text), word.start, method.end)

    def _constant(self, ref):
        """(value, end) of a number or an array of numbers in a check (nested
        lists); a name there is an error."""
        node, start, end = self._node(ref)
        value = _constant_value(self.builder, node)
        if value is None:
            raise ExpressionError("a check compares with numbers, not expressions of "
                                  "variables", self.builder.source, start, end, kind="check",
                                  hint="a claim about one variable reads grad x = [8, 14]")
        return value, end

    # operators
    def add(self, left, plus, right):
        if type(right) is _PendingSum:
            right = self._node(right)
        if type(left) is _PendingSum:  # (hot: once per term of a long sum)
            left.append(right[0])
            left.end = right[2]
            return left
        left = self._node(left)
        terms = _PendingSum((left[0], right[0]))
        terms.start, terms.end = left[1], right[2]
        return terms

    sub = _binary_reduction(_SUB)
    mul = _binary_reduction(_MUL)
    div = _binary_reduction(_DIV)
    pow = _binary_reduction(_POW)
    matmul = _binary_reduction(_MATMUL)

    # arrays
    def array(self, open_bracket, elements, close_bracket):
        """[a, b, c]: the elements stacked along a new first axis."""
        span = (open_bracket.start, close_bracket.end)
        return (self.builder.apply(_STACK, tuple(ref[0] for ref in elements), span),) + span

    def elements(self, *elements_and_commas):
        return [self._node(element) for element in elements_and_commas[::2]]

    def transpose(self, operand, mark):
        operand = self._node(operand)
        span = (operand[1], mark.end)
        return (self.builder.apply(_TRANSPOSE, (operand[0],), span),) + span

    def subscript(self, operand, open_bracket, items, close_bracket):
        """x[i], x[a:b], A[i, :]: a basic index, its parts integer constants."""
        operand = self._node(operand)
        span = (operand[1], close_bracket.end)
        spec = tuple(item if type(item) is slice else self._integer(item, "an index")
                     for item in items)
        op = ops.with_params(_INDEX, index=spec)
        return (self.builder.apply(op, (operand[0],), span),) + span

    def subscripts(self, *items_and_commas):
        return list(items_and_commas[::2])

    def slice(self, *parts):
        """lo:hi or lo:hi:step with any part left out: the sums between colons."""
        given, current = [], None
        for part in parts:
            if type(part) is Token and part.kind == "COLON":
                given.append(current)
                current = None
            else:
                current = self._integer(part, "a slice bound")
        given.append(current)
        return slice(*given)

    def keyword(self, name, assign, value):
        return _Keyword(name, self._node(value))

    def string(self, text):
        return _Keyword(None, text)

    def neg(self, minus, operand):
        operand = self._node(operand)
        span = (minus.start, operand[2])
        return (self.builder.apply(_NEG, (operand[0],), span),) + span

    def pos(self, plus, operand):
        operand = self._node(operand)
        return (operand[0], plus.start, operand[2])

    def paren(self, open_paren, inner, close_paren):
        return (self._node(inner)[0], open_paren.start, close_paren.end)

    def args(self, *arguments_and_commas):
        return [argument if type(argument) is _Keyword else self._node(argument)
                for argument in arguments_and_commas[::2]]

    def call(self, name, open_paren, *arguments_and_close):
        """name(args) or name(): arguments_and_close is (args, ')') or (')',);
        args may hold keywords (axis=0) and a string (load("A.csv"))."""
        *arguments, close_paren = arguments_and_close
        arguments = arguments[0] if arguments else []
        span = (name.start, close_paren.end)
        positional = [a for a in arguments if type(a) is not _Keyword]
        keywords = [a for a in arguments if type(a) is _Keyword]
        if keywords and keywords[0].name is None or name.text == "load":
            return self._load(name, keywords, positional, span)
        op = self._function(name, len(positional), span, keywords)
        if op.array and op.nargs == 0:  # zeros(2, 3), eye(3): the arguments are the shape
            op = self._static_arguments(op, positional, span)
            positional = []
        if keywords:
            op = ops.with_params(op, **{k.name.text: self._keyword_value(op, k)
                                        for k in keywords})
        inputs = tuple(ref[0] for ref in positional)
        return (self.builder.apply(op, inputs, span),) + span

    # helpers
    def _node(self, ref):
        if type(ref) is _PendingSum:
            span = (ref.start, ref.end)
            return (self.builder.apply(_ADD, tuple(ref), span),) + span
        return ref


    def _function(self, name_token, count, span, keywords=()):
        """The op a call names, checked for its argument count.  max and min
        with one argument (or axis=) are the array reductions, with two or
        more the elementwise functions."""
        source = self.builder.source
        name, start, end = name_token.text, name_token.start, name_token.end
        if name in self.builder.var_index:
            raise ExpressionError(f"{name} is a variable, not a function", source, start,
                                  end, hint=f"to multiply, write {name}*(...)", kind="name")
        op = ops.TABLE.get(name)
        array_op = ops.ARRAY_TABLE.get(name) if name in CALLABLE_ARRAY_OPS else None
        # max(x) stays the elementwise op (a scalar's max is itself): on an
        # array, graph.for_arrays() makes it the reduction, as numpy.max(x)
        if array_op is not None and (op is None or keywords):
            op = array_op
        if op is None or name in ops.OPERATOR_OPS:
            raise ExpressionError(f"unknown function {name!r}", source, start, end,
                                  hint=_function_hint(name), kind="name")
        if op.array and op.nargs == 0:
            if count <= len(op.params) or op.params[0][0] == "shape":
                return op
            wanted = f"at most {count_text(len(op.params), 'argument')}"
        elif op.variadic:
            if count >= op.min_args:
                return op
            wanted = f"at least {count_text(op.min_args, 'argument')}"
        elif count == op.nargs:
            return op
        else:
            wanted = count_text(op.nargs, "argument")
        raise ExpressionError(f"{name} takes {wanted}, got {count}", source, *span,
                              hint=f"write {_signature(op)}", kind="arity")

    def _static_arguments(self, op, positional, span):
        """zeros(2, 3), ones(n), eye(3), linspace(0, 1, 50): the arguments are
        constants that fix the op (its shape), not inputs."""
        if op.params[0][0] == "shape":
            shape = tuple(self._integer(ref, "a size") for ref in positional)
            return ops.with_params(op, shape=shape)
        given = {}
        for (key, default), ref in zip(op.params, positional):
            given[key] = (self._integer(ref, f"{op.name}'s {key}") if type(default) is int
                          else self._number(ref, f"{op.name}'s {key}"))
        return ops.with_params(op, **given)

    def _keyword_value(self, op, keyword):
        """The constant of axis=0 (an integer, or none for all axes)."""
        name = keyword.name
        if not op.array or name.text not in dict(op.params) or name.text == "index":
            takes = ", ".join(f"{k}=" for k, _ in op.params if k != "index") or "none"
            raise ExpressionError(f"{op.name} has no argument {name.text}= (it takes: {takes})",
                                  self.builder.source, name.start, name.end, kind="arguments")
        return self._integer(keyword.value, f"{name.text}=")

    def _number(self, ref, what):
        node, start, end = self._node(ref)
        if not self.builder.is_constant(node):
            raise ExpressionError(f"{what} must be a number, not an expression of variables",
                                  self.builder.source, start, end, kind="arguments")
        return self.builder.values[node]

    def _integer(self, ref, what):
        """The integer a constant sum holds (x[n-1] with n = 3 defined)."""
        value = self._number(ref, what)
        if not float(value).is_integer() or abs(value) > 2**62:
            _, start, end = self._node(ref)
            raise ExpressionError(f"{what} must be an integer, not {value!r}",
                                  self.builder.source, start, end, kind="arguments")
        return int(value)

    def _load(self, name, strings, positional, span):
        """load("A.csv"): the array in a data file beside the program."""
        source = self.builder.source
        if name.text != "load":
            self._function(name, len(positional) + len(strings), span)  # unknown names first
            raise ExpressionError(f"{name.text} takes no text argument", source,
                                  strings[0].value.start, strings[0].value.end,
                                  hint=_STRINGS, kind="arguments")
        if positional or len(strings) != 1 or strings[0].name is not None:
            raise ExpressionError('load takes one file name: load("A.csv")', source, *span,
                                  kind="arity")
        token = strings[0].value
        value = self.builder.load(token.text[1:-1], (token.start, token.end))
        return (value,) + span

class _Keyword(NamedTuple):
    """axis=0 in a call (name is its NAME token, value its ref), or a string
    argument (name None, value the STRING token)."""

    name: object
    value: object


#: the array ops a call may name (index and stack are written x[i] and [a, b])
CALLABLE_ARRAY_OPS = frozenset(name for name in ops.ARRAY_TABLE
                               if name not in ("index", "stack"))


def _signature(op):
    if op.array and op.nargs == 0:
        if op.params[0][0] == "shape":
            return f"{op.name}(n) or {op.name}(m, n)"
        return f"{op.name}({', '.join(k for k, _ in op.params)})"
    if op.array:
        names = op.arg_names or ("x",)
        keys = "".join(f", {k}=" for k, _ in op.params)
        return f"{op.name}({', '.join(names)}{keys})"
    return op.signature()


def _constant_value(builder, node):
    """A constant node's float, or the nested lists of an array literal of
    constants ([[1, 2], [3, 4]]); None when a variable is involved.  Walked
    with a stack: literals may nest deeply."""
    done = {}
    pending = [node]
    while pending:
        current = pending[-1]
        if builder.is_constant(current):
            done[current] = builder.values[current]
            pending.pop()
            continue
        if builder.ops[current] is not _STACK:
            return None
        missing = [a for a in builder.args[current] if a not in done]
        if missing:
            pending.extend(missing)
            continue
        done[current] = [done[a] for a in builder.args[current]]
        pending.pop()
    return done[node]


#: other tools' spellings: the function adcli calls it, or the formula to write
#: (hints only: each op is defined once, in adcli/ops.py)
FUNCTION_ALIASES = {
    "ln": "log", "lg": "log10", "lb": "log2", "sqr": "sqrt", "fabs": "abs",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "arsinh": "asinh", "arcosh": "acosh", "artanh": "atanh",
    "atn": "atan", "tg": "tan", "arctg": "atan", "sgn": "sign", "signum": "sign",
    "ceiling": "ceil", "power": "pow", "fmin": "min", "fmax": "max", "amin": "min",
    "amax": "max", "minimum": "min", "maximum": "max", "logistic": "sigmoid",
    "expit": "sigmoid",
    "sq": "x**2", "square": "x**2", "cube": "x**3", "exp10": "10**x", "pow10": "10**x",
    "exp2": "2**x", "cot": "1/tan(x)", "ctg": "1/tan(x)", "sec": "1/cos(x)",
    "csc": "1/sin(x)", "cosec": "1/sin(x)",
}


def _function_hint(name):
    """What to call instead of an unknown function."""
    alias = FUNCTION_ALIASES.get(name.lower())
    if alias is not None and alias not in ops.TABLE:
        return f"there is no {name} function: write {alias}"
    close = alias or _close_function(name)
    return (f"did you mean {close}?" if close
            else "functions: " + " ".join(ops.function_names()))


def _function_meant(word):
    """The function a word names, as written or as another tool spells it."""
    if word in ops.TABLE and word not in ops.OPERATOR_OPS:
        return word
    alias = FUNCTION_ALIASES.get(word.lower())
    return alias if alias in ops.TABLE else None


def _close_function(name):
    """The function a misspelt name most likely means: one it starts with
    (cosine: cos), else the closest by difflib (sinn: sin), case ignored."""
    names = ops.function_names()
    lowered = name.lower()
    if lowered in names:
        return lowered
    starts = [f for f in names if lowered.startswith(f)]
    if starts:
        return max(starts, key=len)
    import difflib
    close = difflib.get_close_matches(lowered, names, n=1)
    return close[0] if close else None


_CONTINUES_AFTER = {None, "PLUS", "MINUS", "STAR", "SLASH", "POW", "MATMUL", "LPAR", "LSQB",
                    "COMMA", "ASSIGN", "COLON", "TILDE"}
_CONTINUES_BEFORE = {"PLUS", "MINUS", "STAR", "SLASH", "POW", "MATMUL", "RPAR", "RSQB",
                     "TRANSPOSE"}


_OPENING = {"LPAR", "LSQB"}
_CLOSING = {"RPAR", "RSQB"}


@dataclass(frozen=True)
class Binding:
    """name = value (a point) or name in [low, high] (a box) in a check."""

    name: str
    kind: str  # "=" or "in"
    values: tuple
    start: int
    end: int


@dataclass(frozen=True)
class Claim:
    """One thing a check asserts: value 48, grad [..], grad ~ fd, finite, ..."""

    word: str
    value: object  # None, a float, nested lists of floats, or ("~", method)
    start: int
    end: int
    variable: object = None  # grad x = [8, 14]: the variable the claim is about


@dataclass(frozen=True)
class CheckStatement:
    names: list  # [(name, start, end)] of the outputs checked
    word: tuple  # (at|over|from, start, end)
    bindings: list
    claims: list
    span: tuple


class _Parser:
    """The tables of tables.py, bound to the reductions, run by lalr.py's
    loop over the tokens of _tokens; syntax errors explained by _EXAMPLES."""

    def __init__(self):
        from . import tables

        self.reductions = _Reductions()
        self.lock = threading.Lock()
        self.explanations = None  # (state, token kind) -> explanation, from _EXAMPLES
        self.lexicon = Lexicon(tables)
        self.automaton = Automaton(tables, self.reductions)
        self.name = re.compile(self.lexicon.patterns["NAME"])
        self.number = re.compile(f"[+-]?(?:{self.lexicon.patterns['NUMBER']})")
        self.keywords = self.lexicon.keywords  # output, check, ...: names to the regex
        # the token kinds _tokens does more with than yield them
        self.special = self.lexicon.ignored | {"_NEWLINE", "_BAD"} | _OPENING | _CLOSING
        self.common_case = precedence.Driver(self.lexicon, self.reductions,
                                             _CONTINUES_AFTER, _CONTINUES_BEFORE)

    def parse(self, source, loader=None, common_case=True):
        """The builder of source (common_case False: the LALR tables only,
        for the tests that compare the two)."""
        with self.lock:
            try:
                with collection_paused():  # the parse allocates no cycles
                    return self._parse(source, loader, common_case)
            except UnexpectedToken as error:
                raise self._syntax_error(error, source) from None
            finally:
                self.reductions.builder = None

    def _parse(self, source, loader, common_case):
        """The common case by operator precedence; anything else (errors
        included) by the LALR tables, from the start."""
        if common_case:
            builder = self.reductions.builder = new_builder(source, loader)
            try:
                if self.common_case.parse(source):
                    return builder
            except ExpressionError:
                pass
        builder = self.reductions.builder = new_builder(source, loader)
        self.automaton.run(self._tokens(source))
        return builder

    def _syntax_error(self, error, source):
        """The ExpressionError for a token the parser cannot take: what the
        examples that fail the same way mean (see _EXAMPLES), else what was
        expected."""
        kind = error.token.kind
        if kind == "$END":
            return _early_end(source, error.expected)
        if self.explanations is None:
            self.explanations = self._explain_examples()
        explain = (self.explanations.get((error.state, kind))
                   or self.explanations.get((None, kind)))
        return (_misspelt_number(source, error.token, error.previous)
                or (explain and explain(source, error.token))
                or _unexpected(source, error.token, error.expected))

    def _explain_examples(self):
        """(state, token kind) -> explanation: where each example of _EXAMPLES
        fails (Lark's UnexpectedInput.match_examples, on our loop); the
        first example to claim a pair keeps it."""
        table = {}
        parsing = self.reductions.builder
        try:
            for explain, anywhere, examples in _EXAMPLES:
                for example in examples:
                    self.reductions.builder = new_builder(example)
                    try:
                        self.automaton.run(self._tokens(example))
                    except UnexpectedToken as error:
                        key = (None if anywhere else error.state, error.token.kind)
                        table.setdefault(key, explain)
                    except ExpressionError:  # not a syntax error: a test says so
                        pass
        finally:
            self.reductions.builder = parsing
        return table

    def _tokens(self, source):
        """A Token per token, then $END.  A newline ends a statement unless it
        is inside parentheses, follows an operator, or comes before a line
        that starts with a binary operator.  (Hot: Lexicon.chunks cuts the
        text in C, a chunk at a time; each distinct piece is classified once; most tokens pass
        one set test, self.special holds the kinds that need more.)"""
        kinds = {}  # piece -> kind, for this text
        classify, ignored = self.lexicon.kind, self.lexicon.ignored
        special = self.special
        new = tuple.__new__
        depth = 0
        previous = None
        newline = None  # a newline held until the next token decides
        start = 0
        for text in chain.from_iterable(self.lexicon.chunks(source)):
            end = start + len(text)
            try:
                kind = kinds[text]
            except KeyError:
                kind = kinds[text] = classify(text)
            if kind in special:
                if kind in ignored:
                    start = end
                    continue
                if kind == "_NEWLINE":
                    if depth == 0 and previous not in _CONTINUES_AFTER:
                        newline = new(Token, (kind, text, start, end))
                    start = end
                    continue
                if kind in _OPENING:
                    depth += 1
                elif kind in _CLOSING:
                    if not depth:  # a closing bracket, whatever the state: nothing is open
                        raise ExpressionError(f"unmatched {text!r}", source, start, end,
                                              hint="remove it or add a matching "
                                              + ("'('" if kind == "RPAR" else "'['"))
                    depth -= 1
                elif kind == "_BAD":
                    raise ExpressionError(*_bad_character(source, start))
            if newline is not None:
                if kind not in _CONTINUES_BEFORE:
                    yield newline
                newline = None
            previous = kind
            yield new(Token, (kind, text, start, end))
            start = end
        yield new_token("$END", "", len(source), len(source))


_parser = None


def _the_parser():
    global _parser
    if _parser is None:
        _parser = _Parser()
    return _parser


def parse_builder(source, loader=None):
    """Parse text into a GraphBuilder holding the tape and the statements;
    loader(path) reads the data files of load("A.csv") (None: load is an
    error)."""
    if not source.strip() or not _has_code(source):
        raise ExpressionError("the expression is empty",
                              hint='write a formula, e.g. "x**2 + sin(y)"')
    return _the_parser().parse(source, loader)


def new_builder(source, loader=None):
    """A graph builder for source: constants fold in the scalar namespace, and
    declared variables follow the grammar's rule for names."""
    return GraphBuilder(source, scalar, variable_name_problem, loader)


def variable_name_problem(name):
    """(message, hint) saying why name cannot be a variable, or None: a
    declared variable (--vars, variables=) is a name an expression could use."""
    parser = _the_parser()
    if not isinstance(name, str) or not parser.name.fullmatch(name):
        return (f"{name!r} is not a variable name",
                "a name is ASCII letters, digits and _, not starting with a digit")
    if name in parser.keywords:
        return f"{name} is a keyword, not a variable", "choose another name"
    if name in ops.CONSTANTS:
        return f"{name} is a constant, not a variable", "choose another name"
    if name in ops.TABLE:
        return f"{name} is a function, not a variable", "choose another name"
    return None


def number_syntax():
    """The compiled regex of a number's text: an optional sign, then the
    grammar's NUMBER.  Every reader of numbers uses it (--at, --points, the
    API's text values); expressions and checks read NUMBER tokens."""
    return _the_parser().number


def _has_code(source):
    return any(line.split("#", 1)[0].strip(" \t\r\f;") for line in source.splitlines())


# --- syntax errors made readable ---------------------------------------------------
#
# A syntax error is explained by example, as Lark's UnexpectedInput.match_examples
# does it: every example below fails in some parser state on some kind of
# token, and an error failing in the same state on the same kind of token gets
# that example's explanation (the LALR state knows what came before, so "2 x",
# "a = 2 x" and "f(2 x)" are one case).  A new kind of error gets examples, not
# a new branch.  An explanation may return None: the generic message follows.

_TOKEN_WORDS = {
    "NUMBER": "a number", "NAME": "a name", "LPAR": "'('", "RPAR": "')'",
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "POW": "'**'",
    "COMMA": "','", "$END": "the end of the expression", "ASSIGN": "'='",
    "_SEMI": "';'", "_NEWLINE": "a new line", "OUTPUT": "'output'", "CHECK": "'check'",
    "TOLERANCE": "'tolerance'", "COLON": "':'", "TILDE": "'~'", "LSQB": "'['", "RSQB": "']'",
    "MATMUL": "'@'", "TRANSPOSE": "'.T'", "STRING": "a file name in quotes",
}


def _number_then_name(source, name):
    return ExpressionError("a number followed by a name: multiplication needs '*'",
                           source, name.start, name.end,
                           hint=f"did you mean {_shown(_previous_token(source, name.start))}*"
                                f"{_shown(name.text)}?")


def _missing_operator(source, token):
    text = token.text
    previous = _previous_token(source, token.start)
    function = _function_meant(previous) if previous else None
    if function is not None:  # sin x, ln x: a call without parentheses
        op = ops.TABLE[function]
        hint = (f"did you mean {function}({_shown(text)})?"
                if op.nargs == 1 and not op.variadic else f"call it: {op.signature()}")
    elif previous == ")":
        hint = "put '*' between ')' and what follows it"
    else:
        hint = f"did you mean {_shown(previous)}*{_shown(text)}?" if previous else None
    return ExpressionError(f"missing operator before {_shown(text)}", source, token.start,
                           token.end, hint=hint)


def _trailing_comma(source, token):
    return ExpressionError("a ',' must be followed by an argument", source, token.start,
                           token.end, hint="remove the trailing ',' or add the missing argument")


def _empty_parentheses(source, token):
    return ExpressionError("empty parentheses", source, token.start, token.end,
                           hint="put an expression inside, e.g. (x)")


#: (explanation, in any parser state, example inputs that fail as it explains)
_EXAMPLES = (
    (_number_then_name, False, ("2 x", "x + 2 y")),
    (_missing_operator, False, (
        "x y", "x 2", "x + y z", "x + y 2", "2 3", "2 (x)", "(x) y", "(x) 2", "(x) (y)",
        "sin(x) y", "sin(x) 2", "sin(x) (y)", "x + sin(x) y", "x + (y) z")),
    (_trailing_comma, False, ("max(x,)", "max(x, y,)")),
    (_empty_parentheses, False, ("()", "x*()")),
)


def _unexpected(source, token, expected):
    words = sorted(_TOKEN_WORDS.get(name, name) for name in expected)
    return ExpressionError(f"unexpected {_TOKEN_WORDS.get(token.kind, repr(token.text))}",
                           source, token.start, token.end,
                           hint="expected " + ", ".join(words) if words else None)


#: how numbers get misspelt: (the whole written number, what is wrong, the hint)
_MISSPELT_NUMBERS = tuple((re.compile(pattern), message, hint) for pattern, message, hint in (
    (r"(?=[^_]*_)[0-9._]+(?:[eE][+-]?[0-9_]+)?", "a number has no '_' separators",
     lambda written: f"write {_shown(written.replace('_', ''))}"),
    (r"0(?:[xX][0-9a-fA-F]+|[bB][01]+|[oO][0-7]+)", "numbers are decimal",
     lambda written: f"write {int(written, 0)}" if len(written) < 20 else "write it in decimal"),
    (r"[0-9]*\.[0-9]*\.[0-9.]*(?:[eE][+-]?[0-9]+)?", "a number has one decimal point",
     lambda written: "write numbers like 1.5, .5 or 2."),
    (r"[0-9.]+[eE][+-]?[0-9]*\.[0-9.]*", "the exponent of a number is a whole number",
     lambda written: "write numbers like 1e5 or 2.5e-3"),
))
_NUMBER_RUN = re.compile(r"[0-9A-Za-z_.]*(?:(?<=[eE])[+-][0-9A-Za-z_.]*)?")


def _misspelt_number(source, token, previous):
    """A number run on into what no number holds (1_000, 0x1F, 1.2.3, 1e5.5):
    the tokens split there, so no parser state tells; the text does."""
    if not (type(previous) is Token and previous.kind == "NUMBER"
            and previous.end == token.start):
        return None
    first = previous.start
    written = source[first:_NUMBER_RUN.match(source, first).end()]
    for pattern, message, hint in _MISSPELT_NUMBERS:
        if pattern.fullmatch(written):
            return ExpressionError(message, source, first, first + len(written),
                                   hint=hint(written))
    return None


def _shown(text, width=40):
    """Text for a hint, shortened: a hint quotes the input, which may be huge."""
    return text if len(text) <= width else text[:width - 3] + "..."


def _previous_token(source, position):
    """The name, number or ')' that ends just before position, if any."""
    before = source[:position].rstrip()
    if not before:
        return None
    if before[-1] == ")":
        return ")"
    index = len(before)
    while index > 0 and (before[index - 1].isalnum() or before[index - 1] in "_."):
        index -= 1
    word = before[index:]
    return word or None


def _early_end(source, expected):
    position = len(source.rstrip())
    unclosed = _unclosed_bracket(source)
    if unclosed is not None:
        opening, at = unclosed
        line, column = line_and_column(source, at)
        where = f"line {line}, column {column}" if "\n" in source else f"column {column}"
        return ExpressionError(f"missing {_CLOSER[opening]!r}", source, position,
                               hint=f"the {opening!r} at {where} is never closed")
    words = sorted(_TOKEN_WORDS.get(name, name) for name in expected)
    return ExpressionError("the expression ends too early", source, position,
                           hint="expected " + ", ".join(words))


_CLOSER = {"(": ")", "[": "]"}


def _unclosed_bracket(source):
    """(the bracket, its position) of the innermost ( or [ never closed."""
    starts = []
    for index, char in enumerate(source):
        if char in _CLOSER:
            starts.append((char, index))
        elif char in ")]" and starts:
            starts.pop()
    return starts[-1] if starts else None


_STRINGS = 'strings in quotes are only file names, in load("A.csv"); write names without quotes'

#: characters no token starts with: what to write instead
_CHARACTER_HINTS = {
    "'": _STRINGS, '"': _STRINGS, "\u2018": _STRINGS, "\u2019": _STRINGS,
    "\u201c": _STRINGS, "\u201d": _STRINGS,
    "{": "use ( ) for grouping", "}": "use ( ) for grouping",
    "!": "there is no factorial; use * and **",
    "%": "there is no modulo operator",
    ".": "a number has one decimal point, e.g. 1.5 or .5 (and A.T transposes)",
}

#: characters of typeset mathematics: the ASCII to type instead
_TYPE_INSTEAD = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-",
    "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2219": "*", "\u2217": "*",
    "\u2715": "*", "\u2716": "*",
    "\u00f7": "/", "\u2215": "/", "\u2044": "/",
    "\u221a": "sqrt(x)", "\u221b": "cbrt(x)", "\u03c0": "pi",
}
_TYPED = str.maketrans(_TYPE_INSTEAD)  # NFKC leaves some of them: ½ is 1⁄2


def _bad_character(source, position):
    """Arguments of the ExpressionError for a character no token starts with."""
    char = source[position]
    hint, end = _CHARACTER_HINTS.get(char), position + 1
    if hint is None:
        instead, end = _ascii_for(source, position)
        if instead:
            hint = f"type {_shown(instead)!r} instead: {_character_name(char)}"
        elif instead == "":
            hint = f"remove it: {_character_name(char)}, an invisible character"
        else:
            hint = "operators are + - * / ** ^ @, names are ASCII letters, digits and _"
    return (f"unexpected character {char!r}", source, position, end, hint)


def _ascii_for(source, position):
    """(the ASCII a look-alike stands for: ², ١٢, 𝟙, ＋, ½, a no-break space;
    "" for an invisible character; None for others, and where it ends)."""
    import unicodedata

    char = source[position]
    end = position + 1
    if unicodedata.category(char) == "Nd":  # digits of another script: the whole number
        while end < len(source) and unicodedata.category(source[end]) == "Nd":
            end += 1
        return "".join(str(unicodedata.digit(c)) for c in source[position:end]), end
    if char in _TYPE_INSTEAD:
        return _TYPE_INSTEAD[char], end
    if unicodedata.category(char) == "Cf":  # a zero-width space, a joiner
        return "", end
    if unicodedata.decomposition(char).startswith("<super>"):  # x², e⁻ˣ: a power
        while end < len(source) and unicodedata.decomposition(source[end]).startswith(
                "<super>"):
            end += 1
        return "**" + unicodedata.normalize("NFKC", source[position:end]).translate(_TYPED), end
    plain = unicodedata.normalize("NFKC", char).translate(_TYPED)
    if plain != char and plain.isascii() and plain.isprintable():
        return plain, end
    return None, end


def _character_name(char):
    import unicodedata
    name = unicodedata.name(char, "")
    return f"{char!r} is U+{ord(char):04X}" + (f" {name}" if name else "")
