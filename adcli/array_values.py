"""Array values: read from text (--at 'x=[1,2],A=[[2,1],[1,3]]') and from
data files (.csv, .npy, .json), checked, as float64 numpy arrays; a scalar
stays a Python float.  Not yet reachable from the language or the CLI
(issue 12): today a mapping of names to sequences is a batch of points.

Conventions, for every reader here:

- Numbers are adcli's one number syntax (points.number: an optional sign,
  digits, an optional exponent; -0 stays -0.0); in text typed by a user an
  element may also be a constant expression (pi/2), never in a data file.
- A value must be finite: nan, inf and numbers beyond float64 are errors
  naming their position, unless ``allow_nonfinite`` (the CLI's
  --allow-nonfinite) lets nan, inf and -inf through.
- Arrays are rectangular, of 1 to MAX_DIMENSIONS dimensions, and never
  empty; a fault is a PointError whose ``source``/``start``/``end`` put a
  caret under it (and whose ``filename`` names the data file, so it reads
  file:line:column).
- Every reader is iterative and linear in the size of its input; numpy is
  imported only when an array is read.
"""
import math
import os
import re

from .errors import AdcliError, PointError, visible
from .files import decode
from .graph import count_text
from .points import number as _number  # the one number reader (pi/2 too)

#: more dimensions than numpy (1.x) can hold is an error at the bracket that opens them
MAX_DIMENSIONS = 32
#: the file types read_array_file reads, by their (lower-case) suffix
FILE_TYPES = (".csv", ".npy", ".json")

_BLANKS = " \t\r\n\f\v"  # as points.number strips them
_STRUCTURE = re.compile(r"[\[\],]")
_SPLITTING = re.compile(r"[\[\](),]")  # a point's items: commas outside brackets and calls
_BRACKETS = re.compile(r"[\[\]]")
_NONFINITE_WORDS = {"nan", "inf", "infinity"}
#: the language's number syntax (parser.number_syntax: a sign, digits, a point, an
#: exponent), for building the patterns below.  Each piece can match a text one
#: way only, so a failing match backtracks in linear time (no possessive
#: quantifiers: they need Python 3.11, and adcli runs on 3.10)
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_B = "[ \t\r\n\f\v]*"
_is_number = re.compile(_NUMBER).fullmatch
_is_number_list = re.compile(f"{_B}{_NUMBER}{_B}(?:,{_B}{_NUMBER}{_B})*").fullmatch
_is_blank = re.compile(_B).fullmatch
_is_comma = re.compile(f"{_B},{_B}").fullmatch
#: a CSV file of one column: one number a line, blank lines between them allowed
_is_column = re.compile(f"{_B}(?:{_NUMBER}[ \\t]*[\\r\\n]{_B})*(?:{_NUMBER}{_B})?").fullmatch


# --- shapes ---------------------------------------------------------------------


def shape_text(value):
    """A value's shape as messages state it: "(3, 2)", "(3,)", "scalar".
    ``value`` is an array (anything with .shape), a number, or a shape tuple."""
    shape = value if isinstance(value, tuple) else getattr(value, "shape", ())
    return str(tuple(int(n) for n in shape)) if shape else "scalar"


# --- text -------------------------------------------------------------------------


def array_from_text(text, name=None, *, allow_nonfinite=False):
    """The value typed after --at x=: '2.5' -> 2.5 (a float, as points.number
    reads it), '[1,2,3]' -> float64 array of shape (3,), '[[1,2],[3,4]]' ->
    shape (2, 2), nested deeper for more dimensions.  Blanks are allowed
    around every element and bracket.  PointError for ragged rows, an empty
    array, unbalanced brackets, a missing or extra comma, or an element that
    is not a (finite) number, with a caret under the fault."""
    if not isinstance(text, str):
        raise PointError(f"an array value is text (str), not {type(text).__name__}")
    what = f"value of {name}" if name is not None else "value"
    return _value(text, what, allow_nonfinite, constants=True)


def array_to_text(value):
    """The text array_from_text reads back exactly: nested lists of each
    element's shortest round-trip repr ('-0.0', '1e-300', 'nan'), or the
    number's repr for a scalar.  Linear: one pass per dimension."""
    shape = getattr(value, "shape", ())
    if not shape:
        return repr(float(value))
    import numpy as np

    if not all(shape):
        raise PointError(f"an empty array of shape {shape_text(value)} has no text",
                         hint="an array needs at least one element")
    items = list(map(repr, np.asarray(value, dtype=np.float64).ravel().tolist()))
    for size in reversed(shape):
        items = ["[" + ", ".join(items[k:k + size]) + "]" for k in range(0, len(items), size)]
    return items[0]


def _value(text, what, allow_nonfinite, constants):
    """array_from_text's reader; ``constants``: may an element be a constant
    expression (typed text) or only a number (data files)?"""
    first = len(text) - len(text.lstrip(_BLANKS))
    if not text.startswith("[", first):
        return _scalar(text.strip(_BLANKS), what, allow_nonfinite, constants, text, first)
    import numpy as np

    array = _plain_array(text, first, np)
    if array is not None and (allow_nonfinite or np.isfinite(array).all()):
        return array
    return _ArrayReader(text, what, allow_nonfinite, constants).read(first, np)


def _plain_array(text, first, np):
    """The common case fast: a rectangular array of plain numbers, each list
    of numbers checked by one regex and converted by one map(float); None for
    anything else (which _ArrayReader then reads, or explains).  Its loop
    runs over the brackets only."""
    values = []
    counts = []  # per open list: its lists so far
    dims = [0] * (MAX_DIMENSIONS + 1)  # dims[d]: the length of every list at depth d
    leaf = 0  # the depth of the lists of numbers
    pos, previous = first, ""
    for match in _BRACKETS.finditer(text, first):
        at = match.start()
        depth = len(counts)
        if text[at] == "[":
            if previous == "]" and not _is_comma(text, pos, at):
                return None
            if (previous == "[" and not _is_blank(text, pos, at)) or depth == MAX_DIMENSIONS \
                    or (leaf and depth >= leaf):
                return None
            counts.append(0)
        else:
            if not depth:
                return None
            if previous == "[":  # a list of numbers
                if (leaf and leaf != depth) or not _is_number_list(text, pos, at):
                    return None
                leaf = depth
                items = text[pos:at].split(",")
                values.extend(map(float, items))
                count = len(items)
                counts.pop()
            else:
                if not _is_blank(text, pos, at):
                    return None
                count = counts.pop()
            if dims[depth] != count:
                if dims[depth]:
                    return None
                dims[depth] = count
            if depth == 1:
                if not _is_blank(text, at + 1):
                    return None
                return np.array(values, dtype=np.float64).reshape(tuple(dims[1:leaf + 1]))
            counts[-1] += 1
        previous, pos = text[at], at + 1
    return None


def _scalar(word, what, allow_nonfinite, constants, source, start):
    if allow_nonfinite and _is_nonfinite_word(word):
        return float(word)
    if constants:
        if "(" in word and not _is_number(word):
            return constant_value(word, what)
        return _number(word, what)
    if not _is_number(word):
        raise _located(_prefix(what) + (f"{word!r} is not a number" if word else "no number"),
                       source, start, start + max(1, len(word)), hint=_NUMBERS)
    value = float(word)
    if not math.isfinite(value):
        raise _located(_prefix(what) + f"{word} is not a finite number", source, start,
                       start + len(word), hint=_NONFINITE_HINT)
    return value


def constant_value(text, what="value"):
    """The value of a constant expression typed as a value: zeros(1000),
    linspace(0, 1, 50), 2*ones(3), pi/2 (a float when it is a scalar)."""
    from .engine import arrays
    from .errors import ExpressionError
    from .language.parser import parse_builder

    try:
        graph = parse_builder(text).build()
        graph.output  # noqa: B018 (one output, or its error)
    except ExpressionError as error:
        raise _located(_prefix(what) + f"{text!r} is not a number: {error.message}",
                       error.source, error.start, error.end, hint=error.hint) from None
    if graph.variables:
        raise PointError(_prefix(what) + f"{text!r} uses the variable {graph.variables[0]}",
                         hint="a value is a number, an array or an expression of constants")
    if not graph.has_arrays:
        return _number(text, what)
    value = arrays.forward(graph, [])[graph.output]
    if not np_isfinite_all(value):
        raise PointError(_prefix(what) + f"{text!r} is not finite")
    return float(value) if getattr(value, "ndim", 1) == 0 else value


def np_isfinite_all(value):
    import numpy as np
    return bool(np.isfinite(value).all())


def _is_nonfinite_word(word):
    return (word[1:] if word[:1] in "+-" else word).lower() in _NONFINITE_WORDS


_NUMBERS = "write numbers like 2, -0.5 or 1e-3"
_NONFINITE_HINT = "nan and inf are refused unless allowed (the CLI's --allow-nonfinite)"
_OPEN, _COMMA, _DONE = range(3)  # after '[', after ',', after an element or ']'


class _ArrayReader:
    """One left-to-right pass over the brackets, commas and elements, with a
    stack of the open lists (no recursion: any depth is a loop)."""

    def __init__(self, text, what, allow_nonfinite, constants):
        self.text, self.what = text, what
        self.allow_nonfinite, self.constants = allow_nonfinite, constants

    def fail(self, message, start, end=None, hint=None):
        raise _located(_prefix(self.what) + message, self.text, start, end, hint)

    def read(self, first, np):
        text = self.text
        values = []  # the elements, in C order
        counts = []  # per open list: its elements so far
        opens = []  # per open list: the position of its '['
        dims = [0] * (MAX_DIMENSIONS + 1)  # dims[d]: the length of every list at depth d
        leaf = 0  # the depth of the numbers, once one is read
        state, pos, closed = _OPEN, first, None
        element = self.element
        for match in _STRUCTURE.finditer(text, first):
            at = match.start()
            if pos < at:  # the text between two brackets or commas
                segment = text[pos:at]
                word = segment.strip(_BLANKS)
                if word:
                    start = pos + len(segment) - len(segment.lstrip(_BLANKS))
                    if closed is not None:
                        self.after_end(start)
                    if state == _DONE:
                        self.fail(f"a ',' is missing before {word!r}", start, start + len(word),
                                  hint="separate the elements with commas")
                    depth = len(opens)
                    if leaf != depth:
                        if leaf:
                            self.fail_nesting(start, start + len(word), number_first=False)
                        leaf = depth
                    values.append(element(word, start))
                    counts[-1] += 1
                    state = _DONE
            pos = at + 1
            char = text[at]
            if closed is not None:
                self.after_end(at)
            if char == "[":
                if state == _DONE:
                    self.fail("a ',' is missing before '['", at,
                              hint="separate the elements with commas")
                depth = len(opens) + 1
                if depth > MAX_DIMENSIONS:
                    self.fail(f"more than {MAX_DIMENSIONS} dimensions (nested brackets)", at,
                              hint=f"an array has at most {MAX_DIMENSIONS} dimensions")
                if leaf and depth > leaf:
                    self.fail_nesting(at, at + 1, number_first=True)
                counts.append(0)
                opens.append(at)
                state = _OPEN
            elif char == "]":
                if not opens:
                    self.fail("']' without a matching '['", at)
                if state == _OPEN:
                    self.fail("an empty array []", opens[-1], at + 1,
                              hint="an array needs at least one element, e.g. [0] or [0, 0]")
                if state == _COMMA:
                    self.fail("a ',' with no element after it", at - 1, at + 1,
                              hint="remove the last comma, or add the element")
                count = counts.pop()
                start = opens.pop()
                depth = len(opens) + 1
                if not dims[depth]:
                    dims[depth] = count
                elif dims[depth] != count:
                    self.fail_ragged(counts, count, dims[depth], start, at + 1)
                if opens:
                    counts[-1] += 1
                else:
                    closed = at
                state = _DONE
            else:  # ','
                if state != _DONE:
                    self.fail("a ',' with no element before it", at,
                              hint="remove the extra comma, or add the element")
                state = _COMMA
        if opens:
            self.fail("'[' is never closed", opens[-1], hint="add the missing ']'")
        rest = text[pos:]
        if rest.strip(_BLANKS):
            self.after_end(pos + len(rest) - len(rest.lstrip(_BLANKS)))
        array = np.array(values, dtype=np.float64)
        return array.reshape(tuple(dims[1:leaf + 1]))

    def element(self, word, start):
        if _is_number(word):
            value = float(word)
            if math.isfinite(value) or self.allow_nonfinite:
                return value
            self.fail(f"{word} is not a finite number (beyond float64)", start,
                      start + len(word), hint=_NONFINITE_HINT)
        if _is_nonfinite_word(word):
            if self.allow_nonfinite:
                return float(word)
            self.fail(f"{word} is not a finite number", start, start + len(word),
                      hint=_NONFINITE_HINT)
        if not self.constants:
            self.fail(f"{word!r} is not a number", start, start + len(word),
                      hint=_number_hint(word))
        try:
            return _number(word, "element")
        except PointError as error:
            problem = _located(_prefix(self.what) + error.message, self.text, start,
                               start + len(word), hint=_number_hint(word) or error.hint)
            if error.start is not None and error.source == word:
                problem.start, problem.end = start + error.start, start + error.end
            raise problem from None

    def fail_nesting(self, start, end, number_first):
        found, expected = ("a list", "a number") if number_first else ("a number", "a list")
        self.fail(f"{found} where {expected} is expected: the array nests deeper in some "
                  "places than in others", start, end,
                  hint="every element at one depth is a number, or every one a list")

    def fail_ragged(self, counts, count, first, start, end):
        if len(counts) == 1:  # a row of a matrix
            where, other, note = f"row {counts[0] + 1}", "row 1", ""
        else:
            where, other = "".join(f"[{k}]" for k in counts), "[0]" * len(counts)
            note = " (indices from 0)"
        self.fail(f"{where} has {count_text(count, 'element')}, {other} has {first}{note}",
                  start, end, hint="every row of an array has the same length")

    def after_end(self, start):
        self.fail("text after the end of the array", start,
                  hint="one value per name: x=[1,2], or rows inside one pair of brackets: "
                  "[[1,2],[3,4]]")


def _prefix(what):
    """'value of x: ' before a message about a typed value; nothing in a data
    file, whose name, line and column come first."""
    return f"{what}: " if what else ""


def _number_hint(word):
    parts = word.split()
    if len(parts) > 1 and all(map(_is_number, parts)):
        return "separate the elements with commas"
    return _NUMBERS


def _located(message, source, start, end=None, hint=None):
    error = PointError(message, hint=hint)
    error.source, error.start = source, start
    error.end = end if end is not None else start + 1
    return error


# --- points with array values -------------------------------------------------------


def split_point_text(text):
    """'x=[1,2],A=[[2,1],[1,3]],b=3' -> [('x', '[1,2]'), ('A', '[[2,1],[1,3]]'),
    ('b', '3')]: split on the commas outside brackets; a value named by the
    first '=' outside brackets.  Positional '1,2,3' -> [(None, '1'), (None,
    '2'), (None, '3')]; '' -> [].  The rules of points.parse_point_text (items
    and names stripped, no mixing of named and positional values, a name once)
    with the same errors; unbalanced brackets are left to the value's reader."""
    pairs = _split(text)
    _check_once([name for name, _ in pairs if name is not None], text)
    return pairs


def _check_once(names, text):
    seen = set()
    for name in names:
        if name in seen:
            raise PointError(f"{name} is given twice in the point {text!r}")
        seen.add(name)


def _split(text):
    """split_point_text without its check that a name is given once."""
    items = []
    depth = start = 0
    for match in _SPLITTING.finditer(text):
        char = match.group()
        if char in "[(":
            depth += 1
        elif char in "])":
            depth = max(0, depth - 1)
        elif not depth:
            items.append(text[start:match.start()].strip())
            start = match.end()
    items.append(text[start:].strip())
    if items == [""]:
        return []
    named = [_name_end(item) >= 0 for item in items]
    if any(named) and not all(named):
        raise PointError(f"the point {text!r} mixes named and positional values",
                         hint="write all values by name (x=1,y=2) or none (1,2)")
    if not all(named):
        return [(None, item) for item in items]
    return [(item[:end].strip(), item[end + 1:].strip())
            for item, end in zip(items, map(_name_end, items))]


def _name_end(item):
    """The position of the '=' that ends the item's name, or -1 (none before a bracket)."""
    end = item.find("=")
    return end if end >= 0 and "[" not in item[:end] and "(" not in item[:end] else -1


def value_from_text(text, name=None, *, allow_nonfinite=False):
    """One value of a point: '@A.csv' reads the file (relative to the current
    directory), anything else is array_from_text's."""
    word = text.strip(_BLANKS)
    if word.startswith("@"):
        if not word[1:]:
            raise PointError(f"{'the value of ' + name if name else 'a value'} names no file "
                             "after '@'", hint="write @FILE, e.g. A=@A.csv")
        return read_array_file(word[1:], allow_nonfinite=allow_nonfinite)
    return array_from_text(text, name, allow_nonfinite=allow_nonfinite)


class ArrayPoint(dict):
    """A point by name whose values may be arrays (from --at text): never
    read as a batch of points."""


class ArrayPointList(list):
    """A point in variable order whose values may be arrays."""


#: the point types that say "array values, not a batch"
ARRAY_POINTS = (ArrayPoint, ArrayPointList)


def parse_array_point_text(text, *, allow_nonfinite=False):
    """points.parse_point_text with array values: a list (positional) or a
    dict (named) of floats and float64 arrays.  For text without brackets or
    '@' it returns what parse_point_text returns and raises what it raises."""
    pairs = _split(text)
    if not pairs or pairs[0][0] is None:
        return ArrayPointList(_positional(value, k, allow_nonfinite) for k, (_, value)
                              in enumerate(pairs, start=1))
    point = ArrayPoint()
    for name, value in pairs:  # in parse_point_text's order: a name twice, then its value
        if name in point:
            _check_once([name, name], text)
        point[name] = value_from_text(value, name, allow_nonfinite=allow_nonfinite)
    return point


def _positional(text, k, allow_nonfinite):
    if text.strip(_BLANKS).startswith("@"):
        return value_from_text(text, f"value {k}", allow_nonfinite=allow_nonfinite)
    return _value(text, f"value {k}", allow_nonfinite, constants=True)


# --- files ------------------------------------------------------------------------


def read_array_file(path, base=None, *, allow_nonfinite=False):
    """The value in a data file: a float (one number) or a float64 array.

    - ``.csv``: rows of numbers separated by commas (cells may be quoted and
      padded with blanks; blank lines are skipped).  A matrix, or a vector
      when the file has one row or one column, or a float when it holds one
      number (as numpy.loadtxt reads them).  A header row of names is an
      error that says so: a row that is not numbers is never guessed away.
    - ``.npy``: numpy's format, read without pickles; integer, unsigned and
      float dtypes (bool, complex, text and object arrays are errors), cast
      to float64; a 0-d array is a float.
    - ``.json``: nested lists of numbers (or one number), rectangular.

    Text files are UTF-8 with an optional byte-order mark (files.decode).  A
    relative path resolves against ``base`` (a program's own folder) when it
    is given, else against the current directory.  AdcliError when the file
    cannot be read; PointError for its contents, naming the file and (for
    text) the line and column, or (for .npy) the index."""
    path = os.fspath(path)
    if base is not None and not os.path.isabs(path):
        path = os.path.join(os.fspath(base), path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FILE_TYPES:
        raise PointError(f"{visible(path)}: not a data file adcli reads "
                         f"(the name ends in {suffix or 'no suffix'!r})",
                         hint="give a .csv, .npy or .json file")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise AdcliError(f"cannot read {visible(path)}: {error.strerror or error}") from None
    if suffix == ".npy":
        return _read_npy(data, path, allow_nonfinite)
    text = decode(data, visible(path))
    try:
        if suffix == ".json":
            value = _value(text, None, allow_nonfinite, constants=False)
        else:
            value = _read_csv(text, allow_nonfinite)
    except PointError as error:
        if error.start is None:
            error.message = f"{visible(path)}: {error.message}"
            error.args = (error.message,)
        error.filename = path
        raise
    return value


def _read_csv(text, allow_nonfinite):
    """The numbers of a CSV text (see read_array_file), checked row by row."""
    if "," not in text and _is_column(text, 1 if text.startswith("\ufeff") else 0):
        column = list(map(float, text.lstrip("\ufeff").split()))  # one regex, one map
        if column and (allow_nonfinite or all(map(math.isfinite, column))):
            import numpy as np

            return column[0] if len(column) == 1 else np.array(column, dtype=np.float64)
    rows = []  # the cells of each row, in order, as floats
    width = first_line = 0
    offset = 1 if text.startswith("\ufeff") else 0
    for number_, line in enumerate(text[offset:].splitlines(keepends=True), start=1):
        content = line.rstrip("\r\n")
        if _is_number_list(content):  # the common case: one regex, one map(float)
            row = list(map(float, content.split(",")))
            if not rows:
                width, first_line = len(row), number_
            if len(row) != width or not all(map(math.isfinite, row)):
                row = [_csv_number(word, start, text, allow_nonfinite)
                       for word, start in _csv_cells(content, offset, text)]
                if len(row) != width:
                    raise _row_length(len(row), width, first_line, text, offset, content)
            rows.append(row)
        elif content.strip(_BLANKS):
            cells = _csv_cells(content, offset, text)
            if not rows and _is_header(cells):
                raise _located("the first row is a header of names, not numbers", text,
                               cells[0][1], offset + len(content),
                               hint="an array file holds numbers only: remove the header row")
            if not rows:
                width, first_line = len(cells), number_
            elif len(cells) != width:
                raise _row_length(len(cells), width, first_line, text, offset, content)
            rows.append([_csv_number(word, start, text, allow_nonfinite)
                         for word, start in cells])
        offset += len(line)
    if not rows:
        raise PointError("no numbers in the file", hint="a .csv array file holds rows of "
                         "numbers separated by commas")
    import numpy as np

    array = np.array(rows, dtype=np.float64)
    if array.size == 1:
        return float(array[0, 0])
    return array.ravel() if 1 in array.shape else array


def _row_length(count, width, first_line, text, offset, content):
    return _located(f"this row has {count_text(count, 'value')}, the first (line "
                    f"{first_line}) has {width}", text, offset, offset + len(content),
                    hint="every row of a matrix has the same length")


def _csv_cells(content, offset, text):
    """[(cell text stripped, its position in text)] of one line."""
    if '"' in content:
        return _quoted_cells(content, offset, text)
    cells = []
    start = offset
    for cell in content.split(","):
        word = cell.strip(_BLANKS)
        cells.append((word, start + len(cell) - len(cell.lstrip(_BLANKS))))
        start += len(cell) + 1
    return cells


def _quoted_cells(content, offset, text):
    import csv

    try:
        record = next(csv.reader([content], strict=True))
    except csv.Error as error:
        raise _located(f"this row is not CSV: {error}", text, offset,
                       offset + len(content)) from None
    cells, search = [], 0
    for cell in record:  # each cell's position: where its text is found, in order
        word = cell.strip(_BLANKS)
        found = content.find(word, search) if word else search
        found = search if found < 0 else found
        cells.append((word, offset + found))
        search = found + len(word)
    return cells


def _is_header(cells):
    return all(word[:1].isalpha() or word[:1] == "_" for word, _ in cells) and not any(
        _is_number(word) or _is_nonfinite_word(word) for word, _ in cells)


def _csv_number(word, start, text, allow_nonfinite):
    if _is_number(word):
        value = float(word)
        if math.isfinite(value) or allow_nonfinite:
            return value
        raise _located(f"{word} is not a finite number (beyond float64)", text, start,
                       start + len(word), hint=_NONFINITE_HINT)
    if _is_nonfinite_word(word):
        if allow_nonfinite:
            return float(word)
        raise _located(f"{word} is not a finite number", text, start, start + len(word),
                       hint=_NONFINITE_HINT)
    if not word:
        raise _located("an empty cell", text, start, hint="every cell holds one number")
    raise _located(f"{word!r} is not a number", text, start, start + len(word),
                   hint=_number_hint(word))


def _read_npy(data, name, allow_nonfinite):
    import io

    import numpy as np

    if not data.startswith(b"\x93NUMPY"):
        raise PointError(f"{visible(name)}: not a .npy file (it does not start as one)",
                         hint="save a numeric array with numpy.save")
    try:
        array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except ValueError as error:  # an object array (pickles), a bad header
        raise PointError(f"{visible(name)}: not a .npy array adcli reads: {error}",
                         hint="save a numeric array with numpy.save") from None
    except (OSError, EOFError) as error:  # not the format, or cut short
        raise PointError(f"{visible(name)}: not a .npy file: {error}",
                         hint="save a numeric array with numpy.save") from None
    if array.dtype.kind not in "iuf":
        raise PointError(f"{visible(name)}: the array holds {array.dtype} values, not "
                         "real numbers", hint="save integer or float values")
    if array.size == 0:
        raise PointError(f"{visible(name)}: an empty array of shape {shape_text(array)}",
                         hint="an array needs at least one element")
    if array.ndim > MAX_DIMENSIONS:
        raise PointError(f"{visible(name)}: more than {MAX_DIMENSIONS} dimensions")
    array = np.array(array, dtype=np.float64, order="C")
    if not allow_nonfinite:
        finite = np.isfinite(array)
        if not finite.all():
            index = tuple(int(k) for k in np.argwhere(~finite)[0])
            place = f"element [{', '.join(map(str, index))}]" if index else "the value"
            raise PointError(f"{visible(name)}: {place} is {float(array[index])}, not a "
                             "finite number", hint=_NONFINITE_HINT)
    return float(array) if array.ndim == 0 else array
