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


#: Lexicon.chunks: characters of text split at a time, and the tail of a
#: chunk split again with the next (longer than any token reads past its end)
CHUNK = 1 << 16
MARGIN = 64


class Lexicon:
    """The tokens of the tables: one regex for all of them (in the tables'
    order, which is the order Lark's lexer tries them), the kinds to skip,
    and the names that are keywords.

    ``scan`` finds one match per token, skipped ones included.  ``split``
    cuts a text into the same tokens as a list of strings, for the parser's
    hot loop (no match objects): every character belongs to one piece (a
    character no token starts with is a piece of its own, as scan's _BAD),
    so a piece's position is the length of those before it, and the pieces
    repeat, so ``kind(piece)`` is asked once per distinct text.  A run of
    skipped tokens (blanks and comments) is one piece when the skipped
    tokens stand together in the order."""

    def __init__(self, tables):
        alternatives = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in tables.TOKENS)
        self.scan = re.compile(alternatives + "|(?P<_BAD>.)", re.DOTALL).finditer
        self.ignored = frozenset(tables.IGNORED)
        self.keywords = dict(tables.KEYWORDS)
        self.patterns = dict(tables.TOKENS)
        self.split = re.compile("|".join(_pieces(tables.TOKENS, self.ignored)) + "|.",
                                re.DOTALL).findall
        self._match = self.scan.__self__.match

    def chunks(self, source, size=CHUNK):
        """split's pieces of source as lists, a chunk of the text at a time:
        the list of every piece of a 10 MB text would outweigh its graph.
        A chunk's last pieces may be cut short where it ends (a name, a
        number, a comment running on): those ending within MARGIN of its end
        start the next chunk.  Before that no token pattern reads beyond a
        match by more than a few characters, except a string's, which reads
        to its closing quote: a text with quotes is split at once."""
        split = self.split
        position, length = 0, len(source)
        if '"' in source:
            size = length
        while length - position > size:
            end = position + size
            pieces = split(source, position, end)
            kept, cut = len(pieces), end
            while kept and cut > end - MARGIN:
                kept -= 1
                cut -= len(pieces[kept])
            if not kept:  # one piece as long as the chunk: a longer chunk
                size *= 2
                continue
            del pieces[kept:]
            yield pieces
            position = cut
        yield split(source, position)

    def kind(self, piece):
        """The kind of a piece of split: its token's, a keyword's for a NAME
        that is one, _BAD for a character no token starts with."""
        kind = self._match(piece).lastgroup
        return self.keywords.get(piece, kind) if kind == "NAME" else kind


def _pieces(tokens, ignored):
    """The alternatives of Lexicon.split, without capturing groups (findall
    would return them): the fixed strings first, which most pieces are
    (operators, brackets), the longer before the shorter (** before *);
    then the patterns in the tables' order.  No pattern of the grammar
    matches where a fixed string starts (a test compares split with scan,
    which keeps the tables' order)."""
    kinds = [kind for kind, _ in tokens]
    skipped = [index for index, kind in enumerate(kinds) if kind in ignored]
    together = bool(skipped) and skipped == list(range(skipped[0], skipped[-1] + 1))
    fixed, characters, patterns = [], [], []
    for index, (kind, pattern) in enumerate(tokens):
        character = _one_character(pattern)
        if together and kind in ignored:
            if index == skipped[0]:
                patterns.append("(?:" + "|".join(_CAPTURING.sub("(?:", tokens[k][1])
                                                 for k in skipped) + ")+")
        elif character is not None and not character.isalnum() and character != "_":
            characters.append(character)  # one class of distinct characters
        elif _is_fixed(pattern):
            fixed.append("(?:" + pattern + ")")
        elif character is not None:  # a letter: where the tables put it, after NAME
            patterns.append(re.escape(character))
        else:
            patterns.append("(?:" + _CAPTURING.sub("(?:", pattern) + ")")
    fixed.sort(key=_longest, reverse=True)
    if characters:
        fixed.append("[" + "".join(map(_in_class, characters)) + "]")
    return fixed + patterns


def _longest(fixed):
    """The length of the longest string a fixed alternative matches."""
    return max(len(re.sub(r"\\(.)", r"\1", part)) for part in fixed[3:-1].split("|"))


def _is_fixed(pattern):
    """Whether pattern matches fixed strings only, none starting with a word
    character (which a NAME could go on from): literals joined by | (POW:
    (?:\\*\\*|\\^)), escaped or not."""
    if pattern.startswith("(?:") and pattern.endswith(")"):
        pattern = pattern[3:-1]
    return all(_LITERAL.fullmatch(part) for part in pattern.split("|"))


#: a literal, its first character not a word character
_LITERAL = re.compile(r"(?:\\[^A-Za-z0-9]|[^\w\\.^$*+?()\[\]{}|])"
                      r"(?:\\[^A-Za-z0-9]|[^\\.^$*+?()\[\]{}|])*")


def _one_character(pattern):
    """The character a token's pattern matches when it matches exactly one
    literal character (\\+, =, \\n), else None."""
    for character in {pattern, pattern[1:]}:
        if len(character) == 1 and re.escape(character) in (pattern, re.escape(pattern)):
            return character
    return None


def _in_class(character):
    return "\\" + character if character in "\\]^-[" else re.escape(character)


_CAPTURING = re.compile(r"(?<!\\)\((?!\?)")  # an opening ( that is not \( nor (?...


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
            try:
                after = after_rule[kind]
            except KeyError:
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
                try:
                    state = after[below << bits | rule]
                except KeyError:
                    state = self._after(below, name, kind)
                states[-1] = state
                try:
                    action = rows[state][kind]
                except KeyError:  # the end state has no actions: the end, or an error
                    if state == end_state and kind == "$END":
                        return values[-1]
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
