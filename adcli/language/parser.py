"""Text to graph: the Lark grammar in grammars/adcli.lark, applied by an LALR
parser whose callbacks build the graph during parsing (no tree, no
recursion).

For start-up speed the parser is the one Lark's standalone tool generated from
the grammar (adcli/language/_generated_parser.py, which carries the grammar's text and sha256).
When the shipped grammar no longer matches it, the grammar itself is loaded
with Lark, so the .lark file is always the source of truth.
"""
import gc
import os
import re
import threading
from dataclasses import dataclass

from .. import ops
from ..engine import scalar
from ..errors import AdcliError, ExpressionError, line_and_column
from ..graph import GraphBuilder, count_text

GRAMMAR_FILE = "adcli.lark"
_ADD = ops.TABLE["add"]


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
    n-ary add node, and a 100,000-term sum is one node, not a deep chain."""


class _Callbacks:
    """LALR reduction callbacks.  Each returns a ref (node, start, end)."""

    def __init__(self):
        self.builder = None

    # leaves
    def number(self, children):
        _, text, start, end = children[0]
        value = float(text)
        if value == float("inf"):
            raise ExpressionError(f"the number {text} is too large for float64",
                                  self.builder.source, start, end)
        return (self.builder.constant(value, (start, end)), start, end)

    def name(self, children):
        _, token, start, end = children[0]
        span = (start, end)
        defined = self.builder.definitions.get(token)
        if defined is not None:
            return (defined[0],) + span
        if token in ops.CONSTANTS:
            return (self.builder.constant(ops.CONSTANTS[token], span),) + span
        if token in ops.TABLE:
            raise ExpressionError(
                f"{token} is a function, not a variable", self.builder.source, *span,
                hint=f"call it: {ops.TABLE[token].signature()}", kind="name")
        return (self.builder.variable(token, span),) + span

    # statements
    def program(self, children):
        return None

    def expression(self, children):
        node, start, end = self._node(children[0])
        self.builder.expressions.append((node, start, end))

    def define(self, children):
        (_, name, start, end), _, value = children
        if name in ops.TABLE or name in ops.CONSTANTS:
            what = "a function" if name in ops.TABLE else "a constant"
            raise ExpressionError(f"{name} is {what} and cannot be redefined",
                                  self.builder.source, start, end, hint="choose another name",
                                  kind="definition")
        self.builder.define(name, self._node(value)[0], start, end)

    def declare_outputs(self, children):
        self.builder.declared += [token[1:] for token in children[1:] if token[0] == "NAME"]

    # check statements: their numbers must be constants
    def check(self, children):
        _, names, (_, word, start, end), bindings, _, claims = children
        self.builder.checks.append(
            CheckStatement(names, (word, start, end), bindings, claims,
                           (children[0][2], claims[-1].end)))

    def tolerance(self, children):
        self.builder.tolerances.append(children[1])

    def names(self, children):
        return [token[1:] for token in children[::2]]

    def bindings(self, children):
        return children[::2]

    def claims(self, children):
        return children[::2]

    def bind_point(self, children):
        (_, name, start, _), _, value = children
        value, end = self._constant(value)
        return Binding(name, "=", (value,), start, end)

    def bind_range(self, children):
        (_, name, start, _), (_, word, word_start, word_end), _, low, _, high, right = children
        if word != "in":
            raise ExpressionError(f"expected 'in', got {word!r}", self.builder.source,
                                  word_start, word_end, hint=f"write {name} in [low, high]",
                                  kind="check")
        return Binding(name, "in", (self._constant(low)[0], self._constant(high)[0]),
                       start, right[3])

    def claim_flag(self, children):
        _, word, start, end = children[0]
        return Claim(word, None, start, end)

    def claim_number(self, children):
        (_, word, start, _), value = children
        value, end = self._constant(value)
        return Claim(word, value, start, end)

    def claim_array(self, children):
        (_, word, start, _), (values, end) = children
        return Claim(word, values, start, end)

    def claim_agrees(self, children):
        (_, word, start, _), _, (_, method, _, end) = children
        return Claim(word, ("~", method), start, end)

    def array(self, children):
        items = []
        for child in children[1:-1:2]:
            items.append(child[0] if type(child) is list else self._constant(child)[0])
        return [items, children[-1][3]]

    def _constant(self, ref):
        """(value, end) of a number in a check; a name there is an error."""
        node, start, end = self._node(ref)
        if not self.builder.is_constant(node):
            raise ExpressionError("a check compares with numbers, not expressions of "
                                  "variables", self.builder.source, start, end, kind="check")
        return self.builder.values[node], end

    # operators
    def add(self, children):
        left, _, right = children
        if type(left) is _PendingSum:
            left.append(self._node(right))
            return left
        return _PendingSum((self._node(left), self._node(right)))

    def sub(self, children):
        return self._binary("sub", children)

    def mul(self, children):
        return self._binary("mul", children)

    def div(self, children):
        return self._binary("div", children)

    def pow(self, children):
        return self._binary("pow", children)

    def neg(self, children):
        token, operand = children
        operand = self._node(operand)
        span = (token[2], operand[2])
        return (self.builder.apply(ops.TABLE["neg"], (operand[0],), span),) + span

    def pos(self, children):
        token, operand = children
        operand = self._node(operand)
        return (operand[0], token[2], operand[2])

    def paren(self, children):
        left, inner, right = children
        return (self._node(inner)[0], left[2], right[3])

    def args(self, children):
        return [self._node(child) for child in children[::2]]

    def call(self, children):
        name = children[0]
        arguments = children[2] if len(children) == 4 else []
        span = (name[2], children[-1][3])
        op = self._function(name, len(arguments), span)
        inputs = tuple(ref[0] for ref in arguments)
        return (self.builder.apply(op, inputs, span),) + span

    # helpers
    def _node(self, ref):
        if type(ref) is _PendingSum:
            span = (ref[0][1], ref[-1][2])
            inputs = tuple(term[0] for term in ref)
            return (self.builder.apply(_ADD, inputs, span),) + span
        return ref

    def _binary(self, name, children):
        left, _, right = children
        left, right = self._node(left), self._node(right)
        span = (left[1], right[2])
        return (self.builder.apply(ops.TABLE[name], (left[0], right[0]), span),) + span

    def _function(self, name_token, count, span):
        """The op a call names, checked for its argument count."""
        source = self.builder.source
        _, name, start, end = name_token
        op = ops.TABLE.get(name)
        if name in self.builder.var_index:
            raise ExpressionError(f"{name} is a variable, not a function", source, start,
                                  end, hint=f"to multiply, write {name}*(...)", kind="name")
        if op is None or name in ops.OPERATOR_OPS:
            raise ExpressionError(f"unknown function {name!r}", source, start, end,
                                  hint=_function_hint(name), kind="name")
        if op.variadic:
            if count >= op.min_args:
                return op
            wanted = f"at least {count_text(op.min_args, 'argument')}"
        elif count == op.nargs:
            return op
        else:
            wanted = count_text(op.nargs, "argument")
        raise ExpressionError(f"{name} takes {wanted}, got {count}", source, *span,
                              hint=f"write {op.signature()}", kind="arity")


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


_CONTINUES_AFTER = {None, "PLUS", "MINUS", "STAR", "SLASH", "POW", "LPAR", "LSQB", "COMMA",
                    "ASSIGN", "COLON", "TILDE"}
_CONTINUES_BEFORE = {"PLUS", "MINUS", "STAR", "SLASH", "POW", "RPAR", "RSQB"}


_OPENING = {"LPAR", "LSQB"}
_CLOSING = {"RPAR", "RSQB"}


def _reduction(rule, callback):
    """(size, callback, name) of a reduce action; callback None for a unit
    ?rule (one child, no alias), which Lark would hand through unchanged."""
    if rule.options.expand1 and len(rule.expansion) == 1 and not rule.alias:
        return (1, None, rule.origin.name)
    return (len(rule.expansion), callback, rule.origin.name)


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


@dataclass(frozen=True)
class CheckStatement:
    names: list  # [(name, start, end)] of the outputs checked
    word: tuple  # (at|over|from, start, end)
    bindings: list
    claims: list
    span: tuple


class _UnexpectedToken(Exception):
    def __init__(self, token, state, expected, previous):
        super().__init__(token)
        self.token = token
        self.state = state  # the LALR state that has no action for the token
        self.expected = expected
        self.previous = previous  # the value on top of the stack: a token or a ref


class _Parser:
    """Lark's LALR tables and callbacks for the grammar, driven by a short
    loop over a single-regex tokenizer.

    Lark's own parse loop costs about 9 us a token; this one about a third of
    that, with the same tables, so the grammar still decides everything.
    """

    def __init__(self):
        self.callbacks = _Callbacks()
        self.lock = threading.Lock()
        self.explanations = None  # (state, token kind) -> explanation, from _EXAMPLES
        text = grammar_text()
        from . import _generated_parser as generated
        if generated.GRAMMAR_TEXT == text:
            self.lark = generated.Lark_StandAlone(transformer=self.callbacks)
        else:  # the grammar was edited since the parser was generated
            import lark
            self.lark = lark.Lark(text, parser="lalr", lexer="basic",
                                  transformer=self.callbacks)
        self._prepare(self.lark)

    def _prepare(self, lark_instance):
        import re

        lexer = lark_instance.parser.lexer
        parser = lark_instance.parser.parser.parser
        name = lexer.terminals_by_name["NAME"].pattern.to_regexp()
        self.name = re.compile(name)
        number = lexer.terminals_by_name["NUMBER"].pattern.to_regexp()
        self.number = re.compile(f"[+-]?(?:{number})")
        # keywords (output) are names to the regex, told apart after matching
        self.keywords = {t.pattern.value: t.name for t in lexer.terminals
                         if t.pattern.type == "str" and re.fullmatch(name, t.pattern.value)}
        # Lark orders the terminals by priority; the alternation keeps that order
        pattern = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in lexer.terminals
                           if t.name not in self.keywords.values())
        self.scan = re.compile(pattern + "|(?P<_BAD>.)", re.DOTALL).finditer
        self.ignore = frozenset(lexer.ignore_types)
        table = parser.parse_table
        self.unit_chains = {}
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        # Each action becomes a state number (shift, or goto on a rule's
        # name) or a (size, callback, rule name) tuple (reduce): no Rule
        # objects are hashed in the loop.
        reductions = {}
        self.table = {
            state: {kind: arg if type(arg) is int else reductions.setdefault(
                id(arg), _reduction(arg, parser.callbacks[arg]))
                for kind, (_, arg) in row.items()}
            for state, row in table.states.items()}

    def parse(self, source):
        with self.lock:
            builder = self.callbacks.builder = new_builder(source)
            paused = gc.isenabled()
            gc.disable()  # the parse allocates no cycles; scanning them is waste
            try:
                self._run(source)
            except _UnexpectedToken as error:
                raise self._syntax_error(error, source) from None
            finally:
                self.callbacks.builder = None
                if paused:
                    gc.enable()
        return builder

    def _run(self, source):
        """The LALR loop: shift each token, reducing while the table says so.
        (Hot: locals stand in for attribute and stack lookups.)"""
        table, end_state, chains = self.table, self.end, self.unit_chains
        state = self.start
        states, values = [state], []
        push_state, push_value = states.append, values.append
        for token in self._tokens(source):
            kind = token[0]
            while True:
                action = table[state].get(kind)
                if action is None:
                    raise _UnexpectedToken(token, state,
                                           {k for k in table[state] if k.isupper()},
                                           values[-1] if values else None)
                if type(action) is int:  # shift
                    state = action
                    push_state(state)
                    push_value(token)
                    break
                size, callback, name = action
                if callback is None:  # a ?rule with one child: the value passes through
                    below = states[-2]
                    next_state = chains.get((below, state, kind))
                    if next_state is None:
                        next_state = self._pass_through(below, state, kind)
                    state = states[-1] = next_state
                else:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                    push_value(callback(children))
                    state = table[states[-1]][name]
                    push_state(state)
                if state == end_state and kind == "$END":
                    return values[-1]
        raise AssertionError("the parser stopped before the end state")

    def _syntax_error(self, error, source):
        """The ExpressionError for a token the parser cannot take: what the
        examples that fail the same way mean (see _EXAMPLES), else what was
        expected."""
        kind = error.token[0]
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
        parsing = self.callbacks.builder
        try:
            for explain, anywhere, examples in _EXAMPLES:
                for example in examples:
                    self.callbacks.builder = new_builder(example)
                    try:
                        self._run(example)
                    except _UnexpectedToken as error:
                        key = (None if anywhere else error.state, error.token[0])
                        table.setdefault(key, explain)
                    except ExpressionError:  # not a syntax error: a test says so
                        pass
        finally:
            self.callbacks.builder = parsing
        return table

    def _pass_through(self, below, top, kind):
        """The state after every unit reduction that token kind triggers on
        top of below (memoized: chains like atom -> power -> unary -> product
        recur for every operand)."""
        key = (below, top, kind)
        state = self.unit_chains.get(key)
        if state is None:
            state = top
            action = self.table[state].get(kind)
            while type(action) is tuple and action[1] is None:
                state = self.table[below][action[2]]
                action = self.table[state].get(kind)
            self.unit_chains[key] = state
        return state

    def _tokens(self, source):
        """(kind, text, start, end) per token.  A newline ends a statement
        unless it is inside parentheses, follows an operator, or comes before
        a line that starts with a binary operator."""
        ignore, keywords = self.ignore, self.keywords
        depth = 0
        previous = None
        newline = None  # a newline held until the next token decides
        for match in self.scan(source):
            kind = match.lastgroup
            if kind in ignore:
                continue
            if kind == "_BAD":
                raise ExpressionError(*_bad_character(source, match.start()))
            token = (kind, match.group(), *match.span())
            if kind == "_NEWLINE":
                if depth == 0 and previous not in _CONTINUES_AFTER:
                    newline = token
                continue
            if kind == "NAME" and token[1] in keywords:
                token = (keywords[token[1]],) + token[1:]
            if newline is not None and kind not in _CONTINUES_BEFORE:
                yield newline
            newline = None
            if kind in _CLOSING:
                if not depth:  # whatever the state: nothing is open
                    raise ExpressionError(f"unmatched {token[1]!r}", source, *token[2:],
                                          hint="remove it or add a matching "
                                               + ("'('" if kind == "RPAR" else "'['"))
                depth -= 1
            elif kind in _OPENING:
                depth += 1
            previous = kind
            yield token
        yield ("$END", "", len(source), len(source))


_parser = None


def _the_parser():
    global _parser
    if _parser is None:
        _parser = _Parser()
    return _parser


def parse_builder(source):
    """Parse text into a GraphBuilder holding the tape and the statements."""
    if not source.strip() or not _has_code(source):
        raise ExpressionError("the expression is empty",
                              hint='write a formula, e.g. "x**2 + sin(y)"')
    return _the_parser().parse(source)


def new_builder(source):
    """A graph builder for source: constants fold in the scalar namespace, and
    declared variables follow the grammar's rule for names."""
    return GraphBuilder(source, scalar, variable_name_problem)


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
}


def _number_then_name(source, token):
    _, text, start, end = token
    return ExpressionError("a number followed by a name: multiplication needs '*'",
                           source, start, end,
                           hint=f"did you mean {_shown(_previous_token(source, start))}*"
                                f"{_shown(text)}?")


def _missing_operator(source, token):
    _, text, start, end = token
    previous = _previous_token(source, start)
    function = _function_meant(previous) if previous else None
    if function is not None:  # sin x, ln x: a call without parentheses
        op = ops.TABLE[function]
        hint = (f"did you mean {function}({_shown(text)})?"
                if op.nargs == 1 and not op.variadic else f"call it: {op.signature()}")
    elif previous == ")":
        hint = "put '*' between ')' and what follows it"
    else:
        hint = f"did you mean {_shown(previous)}*{_shown(text)}?" if previous else None
    return ExpressionError(f"missing operator before {_shown(text)}", source, start, end,
                           hint=hint)


def _trailing_comma(source, token):
    return ExpressionError("a ',' must be followed by an argument", source, *token[2:],
                           hint="remove the trailing ',' or add the missing argument")


def _empty_parentheses(source, token):
    return ExpressionError("empty parentheses", source, *token[2:],
                           hint="put an expression inside, e.g. (x)")


def _square_bracket(source, token):
    return ExpressionError("unexpected '['", source, *token[2:],
                           hint="use ( ) for grouping; [ ] lists belong in check statements")


#: (explanation, in any parser state, example inputs that fail as it explains)
_EXAMPLES = (
    (_number_then_name, False, ("2 x", "x + 2 y")),
    (_missing_operator, False, (
        "x y", "x 2", "x + y z", "x + y 2", "2 3", "2 (x)", "(x) y", "(x) 2", "(x) (y)",
        "sin(x) y", "sin(x) 2", "sin(x) (y)", "x + sin(x) y", "x + (y) z")),
    (_trailing_comma, False, ("max(x,)", "max(x, y,)")),
    (_empty_parentheses, False, ("()", "x*()")),
    (_square_bracket, True, ("[x]",)),
)


def _unexpected(source, token, expected):
    kind, text, start, end = token
    words = sorted(_TOKEN_WORDS.get(name, name) for name in expected)
    return ExpressionError(f"unexpected {_TOKEN_WORDS.get(kind, repr(text))}",
                           source, start, end,
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
    if not (type(previous) is tuple and len(previous) == 4 and previous[0] == "NUMBER"
            and previous[3] == token[2]):
        return None
    first = previous[2]
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
    unclosed = _unclosed_paren(source)
    if unclosed is not None:
        line, column = line_and_column(source, unclosed)
        where = f"line {line}, column {column}" if "\n" in source else f"column {column}"
        return ExpressionError("missing ')'", source, position,
                               hint=f"the '(' at {where} is never closed")
    words = sorted(_TOKEN_WORDS.get(name, name) for name in expected)
    return ExpressionError("the expression ends too early", source, position,
                           hint="expected " + ", ".join(words))


def _unclosed_paren(source):
    depth_starts = []
    for index, char in enumerate(source):
        if char == "(":
            depth_starts.append(index)
        elif char == ")" and depth_starts:
            depth_starts.pop()
    return depth_starts[-1] if depth_starts else None


_STRINGS = "strings are not part of the language; write names without quotes"

#: characters no token starts with: what to write instead
_CHARACTER_HINTS = {
    "'": _STRINGS, '"': _STRINGS, "\u2018": _STRINGS, "\u2019": _STRINGS,
    "\u201c": _STRINGS, "\u201d": _STRINGS,
    "{": "use ( ) for grouping", "}": "use ( ) for grouping",
    "!": "there is no factorial; use * and **",
    "%": "there is no modulo operator",
    ".": "a number has one decimal point, e.g. 1.5 or .5",
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
            hint = "operators are + - * / ** ^, names are ASCII letters, digits and _"
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
