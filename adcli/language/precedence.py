"""The common case of the grammar, parsed by operator precedence: one
expression statement of numbers, names, calls with positional arguments,
parentheses, signs and the arithmetic operators (+ - * / @ ** ^), across
lines by the tokenizer's rules.

The loop calls the grammar's reductions (parser._Reductions) with the same
values, in the same order, as the LALR tables do on that text: both reduce
bottom-up, left to right, so an operator is reduced when the next one of
lower precedence arrives, a number or name before the token after it.  It
only skips the tables' state machine and the Token of every token.  The
same loop is written in C (_precedence.c, built at install when a compiler
is there), which also tokenizes; the tests run both against the tables.

Anything else gives up (returns False) and parser.py parses the text again
from the start with the LALR tables, which stay the authority on the
grammar: another statement, arrays, indexing, keywords, strings, any syntax
error, and any error a reduction raises (the LALR parse raises it again, or
the syntax error it meets first).
"""
from itertools import chain

from .. import extensions
from .lalr import Token

SUM, PRODUCT, UNARY, POWER = 1, 2, 3, 4
_BRACKET = 0  # an open bracket on the operator stack: reductions stop at it
_PAREN, _CALL = "paren", "call"

#: the binary operators: their precedence, and the reduction of each
_BINARY_KINDS = {"PLUS": SUM, "MINUS": SUM, "STAR": PRODUCT, "SLASH": PRODUCT,
                 "MATMUL": PRODUCT, "POW": POWER}
_CALLBACK_OF = {"PLUS": "add", "MINUS": "sub", "STAR": "mul", "SLASH": "div",
                "MATMUL": "matmul", "POW": "pow"}


#: the loop in C, or None
C_LOOP = extensions.optional(__package__, "_precedence")
#: the reductions the C loop calls, in the order it takes them
C_CALLBACKS = ("add", "sub", "mul", "div", "matmul", "pow", "neg", "pos", "paren", "args",
               "call", "number", "name", "expression", "program")


class Driver:
    """The loop, bound to a lexicon and the reductions of one parser."""

    def __init__(self, lexicon, reductions, continues_after, continues_before):
        self.lexicon = lexicon
        self.reductions = reductions
        self.continues_after = frozenset(continues_after)
        self.continues_before = frozenset(continues_before)
        self.binary = {kind: (precedence, getattr(reductions, _CALLBACK_OF[kind]))
                       for kind, precedence in _BINARY_KINDS.items()}
        self.callbacks = tuple(getattr(reductions, name) for name in C_CALLBACKS)
        self.keywords = dict(lexicon.keywords)

    def parse(self, source, c_loop=True):
        """True when source was one expression statement of the subset, its
        reductions made; False when the LALR parser must parse it.  The C
        loop reads texts of one byte a character (c_loop False: Python's)."""
        if c_loop and C_LOOP is not None and type(source) is str:
            taken = C_LOOP.parse(source, self.callbacks, self.reductions.leaves, self.keywords,
                                 Token)
            if taken is not None:
                return taken
        try:
            return self._run(source)
        except _GiveUp:
            return False

    def _run(self, source):
        reductions = self.reductions
        leaves = reductions.leaves
        binary, paren = self.binary, reductions.paren
        classify, ignored = self.lexicon.kind, self.lexicon.ignored
        continues_after, continues_before = self.continues_after, self.continues_before
        kinds = {}  # piece -> kind, for this text
        new = tuple.__new__
        values, stack = [], []  # operand refs; operators (precedence, ...) and brackets
        push_value, pop_value, push = values.append, values.pop, stack.append
        operand_expected = True
        name = None  # a NAME waiting for the next token: a call's or a variable's
        name_start = name_end = 0
        previous = None  # the kind of the last token that was not skipped
        newline = False  # a newline held until the next token decides
        depth = start = 0
        for piece in chain.from_iterable(self.lexicon.chunks(source)):
            end = start + len(piece)
            try:
                kind = kinds[piece]
            except KeyError:
                kind = kinds[piece] = classify(piece)
            if kind in ignored:
                start = end
                continue
            if kind == "_NEWLINE":
                if depth == 0 and previous not in continues_after:
                    newline = True
                start = end
                continue
            if newline:
                if kind not in continues_before:
                    return False  # a second statement
                newline = False
            if name is not None:
                if kind == "LPAR":
                    push((_BRACKET, _CALL, new(Token, ("NAME", name, name_start, name_end)),
                          new(Token, (kind, piece, start, end)), []))
                    name = None
                    depth += 1
                    operand_expected = True
                    previous = kind
                    start = end
                    continue
                node = leaves.get(name)
                push_value((node, name_start, name_end) if node is not None else
                           reductions.name(new(Token, ("NAME", name, name_start, name_end))))
                name = None
            if operand_expected:
                if kind == "NAME":
                    name, name_start, name_end = piece, start, end
                    operand_expected = False
                elif kind == "NUMBER":
                    node = leaves.get(piece)
                    push_value((node, start, end) if node is not None
                               else reductions.number(new(Token, (kind, piece, start, end))))
                    operand_expected = False
                elif kind == "LPAR":
                    push((_BRACKET, _PAREN, new(Token, (kind, piece, start, end))))
                    depth += 1
                elif kind == "MINUS":
                    push((UNARY, reductions.neg, new(Token, (kind, piece, start, end))))
                elif kind == "PLUS":
                    push((UNARY, reductions.pos, new(Token, (kind, piece, start, end))))
                elif kind == "RPAR" and previous == "LPAR" and stack[-1][1] is _CALL:
                    push_value(_call(reductions, stack.pop(),
                                     new(Token, (kind, piece, start, end))))
                    depth -= 1
                    operand_expected = False
                else:
                    return False
            else:
                precedence = binary.get(kind)
                if precedence is not None:
                    precedence, callback = precedence
                    # left associative but for **: reduce what binds as tight or tighter
                    bound = precedence + 1 if precedence == POWER else precedence
                    while stack and stack[-1][0] >= bound:  # (hot: _reduce inlined)
                        below, reduction, token = stack.pop()
                        if below == UNARY:
                            values[-1] = reduction(token, values[-1])
                        else:
                            right = pop_value()
                            values[-1] = reduction(values[-1], token, right)
                    push((precedence, callback, None))  # the reductions ignore the operator
                    operand_expected = True
                elif kind == "RPAR":
                    bracket = _reduce_to_bracket(stack, values)
                    if bracket[1] is _PAREN:
                        values[-1] = paren(bracket[2], values[-1],
                                           new(Token, (kind, piece, start, end)))
                    else:
                        bracket[4].append(pop_value())
                        push_value(_call(reductions, bracket,
                                         new(Token, (kind, piece, start, end))))
                    depth -= 1
                elif kind == "COMMA":
                    bracket = _reduce_to_bracket(stack, values)
                    if bracket[1] is not _CALL:
                        return False
                    push(bracket)
                    bracket[4].append(pop_value())
                    bracket[4].append(new(Token, (kind, piece, start, end)))
                    operand_expected = True
                else:
                    return False
            previous = kind
            start = end
        if name is not None:
            push_value(reductions.name(new(Token, ("NAME", name, name_start, name_end))))
        elif operand_expected:
            return False  # empty, or ending in an operator
        while stack:
            entry = stack.pop()
            if entry[0] == _BRACKET:
                return False  # an unclosed bracket
            _reduce(entry, values)
        reductions.program(reductions.expression(values[0]))
        return True


class _GiveUp(Exception):
    pass


def _call(reductions, bracket, close):
    """name(...) closed: the args reduction of the arguments (commas between
    them, as the tables keep them), then the call's."""
    _, _, name, open_paren, arguments = bracket
    if arguments:
        return reductions.call(name, open_paren, reductions.args(*arguments), close)
    return reductions.call(name, open_paren, close)


def _reduce(entry, values):
    """An operator off the stack applied to the operands on top of values."""
    precedence, callback, token = entry
    if precedence == UNARY:
        values[-1] = callback(token, values[-1])
    else:
        right = values.pop()
        values[-1] = callback(values[-1], token, right)


def _reduce_to_bracket(stack, values):
    """Every operator above the innermost open bracket reduced, and that
    bracket popped; a closing bracket or comma with none open gives up."""
    while stack:
        entry = stack.pop()
        if entry[0] == _BRACKET:
            return entry
        _reduce(entry, values)
    raise _GiveUp
