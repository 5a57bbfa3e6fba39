"""Text to graph: the Lark grammar in grammars/adcli.lark, applied by an LALR
parser whose callbacks build the graph during parsing (no tree, no
recursion).

For start-up speed the parser is the one Lark's standalone tool generated from
the grammar (adcli/_generated_parser.py, which carries the grammar's text and sha256).
When the shipped grammar no longer matches it, the grammar itself is loaded
with Lark, so the .lark file is always the source of truth.
"""
import gc
import os
import threading
from dataclasses import dataclass

from . import ops
from .errors import AdcliError, ExpressionError, line_and_column
from .graph import GraphBuilder, count_text

GRAMMAR_FILE = "adcli.lark"
_ADD = ops.TABLE["add"]


def grammar_path():
    """The grammar shipped in the package, or the source tree's grammars/."""
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (os.path.join(here, "grammars"), os.path.join(here, os.pardir, "grammars")):
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
            close = _close_function(name)
            hint = (f"did you mean {close}?" if close
                    else "functions: " + " ".join(ops.function_names()))
            raise ExpressionError(f"unknown function {name!r}", source, start, end,
                                  hint=hint, kind="name")
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
    def __init__(self, token, expected):
        super().__init__(token)
        self.token = token
        self.expected = expected


class _Parser:
    """Lark's LALR tables and callbacks for the grammar, driven by a short
    loop over a single-regex tokenizer.

    Lark's own parse loop costs about 9 us a token; this one about a third of
    that, with the same tables, so the grammar still decides everything.
    """

    def __init__(self):
        self.callbacks = _Callbacks()
        self.lock = threading.Lock()
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
            builder = self.callbacks.builder = GraphBuilder(source)
            paused = gc.isenabled()
            gc.disable()  # the parse allocates no cycles; scanning them is waste
            try:
                self._run(source)
            except _UnexpectedToken as error:
                raise _syntax_error(error, source) from None
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
                    raise _UnexpectedToken(token, {k for k in table[state] if k.isupper()})
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
            depth += (kind in _OPENING) - (kind in _CLOSING and depth > 0)
            previous = kind
            yield token
        yield ("$END", "", len(source), len(source))


_parser = None


def parse_builder(source):
    """Parse text into a GraphBuilder holding the tape and the statements."""
    global _parser
    if not source.strip() or not _has_code(source):
        raise ExpressionError("the expression is empty",
                              hint='write a formula, e.g. "x**2 + sin(y)"')
    if _parser is None:
        _parser = _Parser()
    return _parser.parse(source)


def _has_code(source):
    return any(line.split("#", 1)[0].strip(" \t\r\f;") for line in source.splitlines())


# --- syntax errors made readable ---------------------------------------------------

_TOKEN_WORDS = {
    "NUMBER": "a number", "NAME": "a name", "LPAR": "'('", "RPAR": "')'",
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "POW": "'**'",
    "COMMA": "','", "$END": "the end of the expression", "ASSIGN": "'='",
    "_SEMI": "';'", "_NEWLINE": "a new line", "OUTPUT": "'output'", "CHECK": "'check'",
    "TOLERANCE": "'tolerance'", "COLON": "':'", "TILDE": "'~'", "LSQB": "'['", "RSQB": "']'",
}


def _syntax_error(error, source):
    kind, text, start, end = error.token
    if kind == "$END":
        return _early_end(source, error.expected)
    previous = _previous_token(source, start)
    hint = None
    if previous and previous[0] in "0123456789." and text.startswith("."):  # 1.2.3
        return ExpressionError("a number has one decimal point", source, start, end,
                               hint="write numbers like 1.5, .5 or 2.")
    if previous and kind in ("NAME", "NUMBER", "LPAR"):
        hint = (f"did you mean {previous}*{text}?" if previous != ")"
                else "put '*' between ')' and what follows it")
        if (previous[0].isdigit() or previous[0] == ".") and kind == "NAME":
            return ExpressionError(
                "a number followed by a name: multiplication needs '*'",
                source, start, end, hint=hint)
        return ExpressionError(f"missing operator before {text}", source, start, end,
                               hint=hint)
    if kind == "RPAR" and _previous_significant(source, start) == ",":
        return ExpressionError("a ',' must be followed by an argument", source, start, end,
                               hint="remove the trailing ',' or add the missing argument")
    if kind == "RPAR" and _previous_significant(source, start) == "(":
        return ExpressionError("empty parentheses", source, start, end,
                               hint="put an expression inside, e.g. (x)")
    if kind == "RPAR" and _unclosed_paren(source[:start]) is None:
        return ExpressionError("unmatched ')'", source, start, end,
                               hint="remove it or add a matching '('")
    if kind == "LSQB":
        return ExpressionError("unexpected '['", source, start, end,
                               hint="use ( ) for grouping; [ ] lists belong in check statements")
    expected = sorted(_TOKEN_WORDS.get(name, name) for name in error.expected)
    return ExpressionError(f"unexpected {_TOKEN_WORDS.get(kind, repr(text))}",
                           source, start, end,
                           hint="expected " + ", ".join(expected) if expected else None)


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


def _previous_significant(source, position):
    """The last character before position that is not blank or in a comment."""
    for line in reversed(source[:position].split("\n")):
        code = line.split("#", 1)[0].rstrip()
        if code:
            return code[-1]
    return None


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


_CHARACTER_HINTS = {
    "'": "strings are not part of the language; write names without quotes",
    '"': "strings are not part of the language; write names without quotes",
    "{": "use ( ) for grouping",
    "!": "there is no factorial; use * and **",
    "%": "there is no modulo operator",
}


def _bad_character(source, position):
    """Arguments of the ExpressionError for a character no token starts with."""
    char = source[position]
    hint = _CHARACTER_HINTS.get(char)
    if char == ".":
        hint = "a number has one decimal point, e.g. 1.5 or .5"
    if hint is None:
        hint = "operators are + - * / ** ^, names are letters, digits and _"
    return (f"unexpected character {char!r}", source, position, position + 1, hint)
