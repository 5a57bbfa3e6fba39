"""The errors the core raises.  The CLI maps each class to an exit code.

User text in a message (source lines, names, file names) goes through
``visible`` first, so no message carries a raw control character.
"""
import math
import re


class AdcliError(Exception):
    """Base of every error adcli reports to a user."""

    #: the file the source came from, set by whoever read it (for file:line:col)
    filename = None


class ExpressionError(AdcliError):
    """The text is not a valid expression (syntax, unknown name, arity), or a
    point or variable order does not fit it.

    ``start``/``end`` locate the fault in ``source`` when known; ``hint`` is a
    suggestion such as "did you mean sin?".
    """

    def __init__(self, message, source=None, start=None, end=None, hint=None,
                 kind="syntax"):
        super().__init__(message)
        self.message = message
        self.source = source
        self.start = start
        self.end = end if end is not None else (None if start is None else start + 1)
        self.hint = hint
        self.kind = kind

    def __str__(self):
        return describe(self.message, self.source, self.start, self.end, self.hint,
                        self.filename)


class PointError(ExpressionError):
    """A point (--at, --points) does not fit the expression's variables."""

    def __init__(self, message, hint=None):
        super().__init__(message, hint=hint, kind="point")


class ShapeError(ExpressionError):
    """Array shapes that do not fit an op: "cannot matmul (3, 2) @ (3,): 2 != 3".

    A shape rule raises it with the message alone; the array interpreter
    re-raises it with the source and the node's span (``start``/``end``), so
    the caret falls under the operator, and the node index in ``node``.
    """

    def __init__(self, message, source=None, start=None, end=None, hint=None, node=None):
        super().__init__(message, source, start, end, hint=hint, kind="shape")
        self.node = node


class InputError(ExpressionError):
    """A file or stream adcli reads is not UTF-8 text; ``line`` holds the
    first bad byte."""

    def __init__(self, message, line=1, hint=None):
        super().__init__(message, hint=hint, kind="input")
        self.line = line


class DomainError(AdcliError):
    """A value or derivative is not finite (log(-1), 1/0, sqrt'(0)).

    ``node`` names the first node that produced it; ``start``/``end`` locate
    that node in ``source``; ``row`` is the batch row, when there is one.
    """

    def __init__(self, message, source=None, start=None, end=None, node=None,
                 row=None, failed_rows=None, hint=None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.start = start
        self.end = end
        self.node = node
        self.row = row
        self.failed_rows = failed_rows or []
        self.hint = hint  # what to do instead (the CLI's default: --allow-nonfinite)

    def __str__(self):
        return describe(self.message, self.source, self.start, self.end, self.hint,
                        self.filename)


def shown(value):
    """A value as a message shows it: its repr, cut short (10**400 too)."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {int(value.bit_length() * math.log10(2)) + 1} digits"
    try:
        text = repr(value)
    except ValueError:  # a repr past Python's limit on integer digits
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def require_text(items, what="a point's names", error=PointError):
    """error unless every item is a str: {1: 2} is bad input, not a TypeError."""
    if set(map(type, items)) <= {str}:  # one pass in C: a point may name 10^5
        return
    for item in items:
        if not isinstance(item, str):
            raise error(f"{what} must be text (str), not {type(item).__name__}: "
                        f"{shown(item)}")


def describe(message, source, start, end, hint, filename=None):
    """The message (after file:line:column when the source is a file), then
    the source line with a caret under the fault."""
    lines = [visible(message)]
    if source is not None and start is not None:
        if filename:
            line, column = line_and_column(source, start)
            lines[0] = f"{visible(str(filename))}:{line}:{column}: {lines[0]}"
        lines.extend(caret_lines(source, start, end, numbered=not filename))
    if hint:
        lines.append(f"hint: {visible(hint)}")
    return "\n".join(lines)


#: what must never reach a terminal raw: C0 and C1 controls and DEL (escape
#: sequences, carriage return, backspace), format characters that hide or
#: reorder text (zero-width and bidirectional marks, BOM, tags), spaces other than
#: the ASCII one (a no-break space looks like one but is not), line separators,
#: noncharacters and lone surrogates (the undecodable bytes of a file name).
#: What is left is valid XML 1.0 text (JUnit output relies on it).
_INVISIBLE = ("\x00-\x08\x0b-\x1f\x7f-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
              "\u08e2\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff"
              "\ufff9-\ufffb\ufffe\uffff\ud800-\udfff\U000110bd\U000110cd\U00013430-\U0001343f"
              "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f")
#: (ASCII text?, keep tabs and newlines?) -> the pattern, compiled on first
#: use (a run that quotes nothing never compiles the long class); tabs and
#: newlines lay text out in lines; the ASCII class alone scans large outputs faster
_PATTERNS = {}


def _pattern(ascii_only, lines):
    key = (ascii_only, lines)
    if key not in _PATTERNS:
        _PATTERNS[key] = re.compile("[{}{}]".format(
            "" if lines else "\t\n", "\x00-\x08\x0b-\x1f\x7f" if ascii_only else _INVISIBLE))
    return _PATTERNS[key]


def visible(text, lines=False):
    """text with each control or invisible character written as Python's repr
    writes it (\\x1b, \\t, \\u202e, \\xa0; an undecodable byte of a file name
    as \\udce9), as adcli's messages quote characters.  With ``lines``, newlines
    and tabs stay as they are."""
    return _pattern(text.isascii(), lines).sub(_escape, text)


def _escape(match):
    return repr(match.group())[1:-1]


def line_and_column(source, position):
    """1-based line and column of a position in source."""
    line_start = source.rfind("\n", 0, position) + 1
    return source.count("\n", 0, position) + 1, position - line_start + 1


def caret_lines(source, start, end=None, width=100, numbered=True):
    """Two lines: the source line holding ``start``, made visible, and carets
    under start..end (clipped to that line, the line clipped to ``width``)."""
    start = max(0, min(start, len(source)))
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    if line_end == -1:
        line_end = len(source)
    end = start + 1 if end is None or end <= start else min(end, line_end)
    raw = source[line_start:line_end].replace("\t", " ")
    line = visible(raw)  # the caret counts the escapes' width, not the raw characters'
    column = len(visible(raw[:start - line_start]))
    stop = len(visible(raw[:end - line_start]))
    offset = 0
    if len(line) > width:  # keep the fault in view on very long lines
        offset = max(0, min(column - width // 2, len(line) - width))
        line = line[offset:offset + width]
    prefix = ""
    if numbered and "\n" in source:
        number = source.count("\n", 0, start) + 1
        prefix = f"line {number}: "
    caret = " " * (len(prefix) + column - offset) + "^" * max(1, min(stop - column, width))
    return [f"  {prefix}{line}", f"  {caret}"]
