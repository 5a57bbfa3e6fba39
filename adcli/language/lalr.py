"""The LALR(1) driver: the tables of adcli/language/tables.py run over a
stream of tokens, each reduction calling a callback by the rule's name with
the values it keeps as arguments (as lark's ``@v_args(inline=True)``).

The loop keeps its own stacks, so deep nesting never recurses; the tables
are data, generated from grammars/adcli.lark by regenerate.py, and nothing
here imports lark.
"""
import re
from typing import NamedTuple


class Token(NamedTuple):
    kind: str  # the terminal's name in the grammar: NAME, NUMBER, PLUS, $END, ...
    text: str
    start: int
    end: int


def new_token(kind, text, start, end, _new=tuple.__new__):
    """A Token without NamedTuple's keyword-checking constructor (tokenizers
    in a hot loop call tuple.__new__(Token, ...) themselves)."""
    return _new(Token, (kind, text, start, end))


class UnexpectedToken(Exception):
    """A token the parser has no action for."""

    def __init__(self, token, state, expected, previous):
        super().__init__(token)
        self.token = token
        self.state = state  # the LALR state that has no action for the token
        self.expected = expected  # the token kinds it has an action for
        self.previous = previous  # the value on top of the stack: a Token or a callback's value


class Lexicon:
    """The tokens of the tables: one regex for all of them (in the tables'
    order, which is the order Lark's lexer tries them), the kinds to skip,
    and the names that are keywords.

    ``scan`` finds one match per token, skipped ones included.  ``skim``
    finds the same tokens with fewer matches, for the parser's hot loop:
    the skipped tokens before a token are part of its match (the token is
    the match's last group, ``kinds[match.lastindex]``, or ``_END`` after
    the last token), and each run of consecutive one-character tokens in the
    order is one character class (``kinds`` says ``_CHARACTER``; the text
    tells the kind, ``characters[text]``).  The characters of a run are
    distinct, so trying them as one class changes no match; skipped tokens
    tried first must start with characters no earlier token starts with, as
    blanks and comments do (a test checks it on the tables)."""

    def __init__(self, tables):
        alternatives = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in tables.TOKENS)
        self.scan = re.compile(alternatives + "|(?P<_BAD>.)", re.DOTALL).finditer
        self.ignored = frozenset(tables.IGNORED)
        self.keywords = dict(tables.KEYWORDS)
        self.patterns = dict(tables.TOKENS)
        self.characters = {}  # the text of a one-character token -> its kind
        skipped = "|".join(pattern for kind, pattern in tables.TOKENS if kind in self.ignored)
        runs = []  # each alternative of skim: a token's (kind, pattern) or a run of characters
        for kind, pattern in tables.TOKENS:
            character = _one_character(pattern)
            if kind in self.ignored:
                continue
            if character is None:
                runs.append((kind, pattern))
                continue
            self.characters[character] = kind
            if not runs or type(runs[-1]) is not list:
                runs.append([])
            runs[-1].append(character)
        alternatives = "|".join(
            f"(?P<{run[0]}>{run[1]})" if type(run) is tuple
            else f"(?P<{CHARACTER}{k}>[" + "".join(map(_in_class, run)) + "])"
            for k, run in enumerate(runs))
        prefix = f"(?:{skipped})*" if skipped else ""
        skim = re.compile(f"{prefix}(?:{alternatives}|(?P<_BAD>.)|(?P<_END>\\Z))", re.DOTALL)
        self.skim = skim.finditer
        self.kinds = [None] * (skim.groups + 1)  # None: a group inside a token's pattern
        for kind, index in skim.groupindex.items():
            self.kinds[index] = CHARACTER if kind.startswith(CHARACTER) else kind


CHARACTER = "_CHARACTER"  # Lexicon.kinds of a group of one-character tokens


def _one_character(pattern):
    """The character a token's pattern matches when it matches exactly one
    literal character (\\+, =, \\n), else None."""
    for character in {pattern, pattern[1:]}:
        if len(character) == 1 and re.escape(character) in (pattern, re.escape(pattern)):
            return character
    return None


def _in_class(character):
    return "\\" + character if character in "\\]^-[" else re.escape(character)


class Automaton:
    """The LALR tables bound to callbacks: a row per state mapping a symbol
    to the next state (an int) or to a reduction (a Reduction)."""

    def __init__(self, tables, callbacks):
        self.start, self.end = tables.START, tables.END
        names = sorted({rule[0] for rule in tables.RULES})
        self.rule_number = {name: number for number, name in enumerate(names)}
        self.name_bits = len(names).bit_length()
        reductions = [_reduction(rule, callbacks, self.rule_number[rule[0]])
                      for rule in tables.RULES]
        self.rows = [dict(goto) for goto in tables.GOTO]
        for row, reduce in zip(self.rows, tables.REDUCE):
            for kind, rule in reduce.items():
                row[kind] = reductions[rule]
        self.rule_names = frozenset(names)
        # token kind -> {below << name_bits | rule number: the next state}: see _after
        self.after_rule = {}

    def expected(self, state):
        """The token kinds state has an action for."""
        return {symbol for symbol in self.rows[state] if symbol not in self.rule_names}

    def run(self, tokens):
        """The value of the start rule for the tokens (ending with $END);
        UnexpectedToken for a token no action takes.  The loop shifts each
        token, reducing while the table says so.  (Hot: locals stand in for
        attribute lookups; a reduction overwrites the top of the state stack
        rather than popping and pushing it.)"""
        rows, end_state, bits = self.rows, self.end, self.name_bits
        after_rule = self.after_rule
        state = self.start
        states, values = [state], []
        push_state, push_value, pop_value = states.append, values.append, values.pop
        for token in tokens:
            kind = token[0]
            after = after_rule.get(kind)
            if after is None:
                after = after_rule[kind] = {}
            try:
                action = rows[state][kind]
            except KeyError:
                raise self._unexpected(token, state, values) from None
            while type(action) is not int:  # a reduction
                shape, callback, rule, plan, size, name = action
                if shape is _ONE:  # one value in, one out: in place
                    values[-1] = callback(values[-1])
                elif shape is _THREE:  # three in, one out: x + y, (x), f()
                    right, operator = pop_value(), pop_value()
                    values[-1] = callback(values[-1], operator, right)
                    del states[-2:]
                elif shape is _PASS:  # a ?rule's one value passes through
                    pass
                else:
                    children = values[-size:]
                    del values[-size:]
                    del states[len(states) - size + 1:]
                    if plan is not None:
                        children = _kept(children, plan)
                    push_value(children if callback is None else callback(*children))
                below = states[-2]
                state = after.get(below << bits | rule)
                if state is None:
                    state = self._after(below, name, kind)
                states[-1] = state
                if state == end_state and kind == "$END":
                    return values[-1]
                try:
                    action = rows[state][kind]
                except KeyError:
                    raise self._unexpected(token, state, values) from None
            state = action
            push_state(state)
            push_value(token)
        raise AssertionError("the parser stopped before the end state")

    def _unexpected(self, token, state, values):
        return UnexpectedToken(token, state, self.expected(state),
                               values[-1] if values else None)

    def _after(self, below, name, kind):
        """The state after a reduction to rule name on top of state below,
        with every unit reduction (a ?rule's one child passing through) that
        token kind then triggers, memoized in after_rule: the chain
        atom -> power -> unary -> product recurs for every operand."""
        key = below << self.name_bits | self.rule_number[name]
        state = self.rows[below][name]
        action = self.rows[state].get(kind)
        while type(action) is tuple and action[1] is None and action[3] is None:
            state = self.rows[below][action[5]]
            action = self.rows[state].get(kind)
        self.after_rule.setdefault(kind, {})[key] = state
        return state


_ONE, _THREE, _PASS, _OTHER = ("one value in place", "three values into one",
                               "one value passing through", "any other")


def _reduction(rule, callbacks, number):
    """The action of a rule of the tables: (shape, the callback or None, the
    rule's number, the kept values' plan or None when every value is kept in
    order, the number of symbols, the rule's name)."""
    name, symbols, marks, reduction = rule
    size = len(symbols.split())
    plan = None if marks == "k" * size else tuple(
        (index, mark == "*") for index, mark in enumerate(marks) if mark != "-")
    if reduction == "":  # a ?rule of one symbol
        return (_shape(size, None, None), None, number, None, size, name)
    if reduction == "[]":  # a _rule: its kept values, for the rule that splices them
        everything = tuple((index, False) for index in range(size))
        return (_OTHER, None, number, everything if plan is None else plan, size, name)
    callback = getattr(callbacks, reduction)
    return (_shape(size, callback, plan), callback, number, plan, size, name)


def _shape(size, callback, plan):
    if plan is None and size == 1:
        return _PASS if callback is None else _ONE
    if plan is None and callback is not None and size == 3:
        return _THREE
    return _OTHER


def _kept(children, plan):
    """The values a rule keeps, in order: children at the plan's indices,
    the lists of spliced _rules flattened in."""
    kept = []
    for index, spliced in plan:
        if not spliced:
            kept.append(children[index])
        elif kept:
            kept += children[index]
        else:  # the first value: a left-recursive _rule's list grows in place
            kept = children[index]
    return kept
