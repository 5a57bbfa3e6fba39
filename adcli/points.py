"""Points: the values of the variables, from Python objects or from text
(--at 2,3,4, --at x=1,y=2), and batches of points (arrays, mappings to
arrays, CSV files) as one column per variable."""
import math
import operator
import re
from collections.abc import Mapping

from .errors import ExpressionError, PointError, require_text, shown
from .graph import collection_paused, count_text, format_number


_BLANKS = " \t\r\n\f\v"
#: words a value may be, only to be told that it must be finite
_NONFINITE = {"inf", "infinity", "nan"}
_is_number = None  # parser.number_syntax().fullmatch, once loaded


def number(text, what="value"):
    """A float from text: a number as expressions write it (ASCII digits, an
    optional sign and exponent: 1.5, -2e3) or a constant expression (pi/2,
    -e) parsed by the grammar, never evaluated as Python."""
    global _is_number
    if _is_number is None:
        from .language.parser import number_syntax
        _is_number = number_syntax().fullmatch
    text = text.strip(_BLANKS)
    if _is_number(text) or _is_nonfinite_word(text):
        value = float(text)
    else:
        value = _constant_expression(text, what)
    if not math.isfinite(value):
        raise PointError(f"{what} {text!r} is not a finite number")
    return value


def _is_nonfinite_word(text):
    word = text[1:] if text[:1] in ("+", "-") else text
    return word.lower() in _NONFINITE


def _constant_expression(text, what):
    from .language.parser import parse_builder

    if not text:
        raise PointError(f"{what} is empty", hint="write a number, e.g. 1.5")
    try:
        builder = parse_builder(text)
        outputs = builder.outputs()
    except ExpressionError as error:  # the expression's own message, caret and hint
        problem = PointError(f"{what} {text!r} is not a number: {error.message}",
                             hint=error.hint or _NUMBERS)
        problem.source, problem.start, problem.end = error.source, error.start, error.end
        raise problem from None
    if len(outputs) != 1 or not builder.is_constant(outputs[0][1]):
        raise PointError(f"{what} {text!r} is not a number", hint=_NUMBERS)
    return builder.values[outputs[0][1]]


_NUMBERS = "write numbers like 2, -0.5, 1e-3 or pi/2"


def parse_point_text(text):
    """'2,3,4' -> [2.0, 3.0, 4.0];  'x=1, y=2' -> {'x': 1.0, 'y': 2.0}."""
    items = [item.strip() for item in text.split(",")]
    if items == [""]:
        return []
    named = ["=" in item for item in items]
    if any(named) and not all(named):
        raise PointError(f"the point {text!r} mixes named and positional values",
                         hint="write all values by name (x=1,y=2) or none (1,2)")
    if not all(named):
        return [number(item, f"value {k}") for k, item in enumerate(items, start=1)]
    point = {}
    for item in items:
        name, _, value = (part.strip() for part in item.partition("="))
        if name in point:
            raise PointError(f"{name} is given twice in the point {text!r}")
        point[name] = number(value, f"value of {name}")
    return point


def merge_points(parts):
    """One point from repeated options (--at x=1 --at y=2 is --at x=1,y=2):
    named parts merge, a name given once; positional parts join in order."""
    parts = [part for part in parts if part != []]
    if len(parts) <= 1:
        return parts[0] if parts else []
    named = [isinstance(part, Mapping) for part in parts]
    if any(named) and not all(named):
        raise PointError("the point mixes named and positional values",
                         hint="name every value (x=1 and y=2) or none (1,2)")
    if not all(named):
        kind = type(next((part for part in parts if type(part) is not list), parts[0]))
        return kind(value for part in parts for value in part)
    point = type(next((part for part in parts if type(part) is not dict), parts[0]))()
    for part in parts:  # an ArrayPoint (values may be arrays) stays one
        for name, value in part.items():
            if name in point:
                raise PointError(f"{name} is given twice in the point",
                                 hint=f"give {name} one value, in one of the options")
            point[name] = value
    return point


def resolve(variables, at):
    """The point as a list in variable order, checked against the variables.

    ``at``: a mapping name -> number, a sequence in variable order, or a
    single number when there is one variable.
    """
    n = len(variables)
    if isinstance(at, str):
        at = parse_point_text(at)
    if isinstance(at, Mapping):
        at = in_order(variables, at)  # then as a sequence: the same fast path
    if isinstance(at, (int, float)) or _is_scalar(at):
        at = [at]
    if at is None:
        at = []
    values = at if isinstance(at, (list, tuple)) else list(at)
    if len(values) != n:
        listing = ", ".join(variables) if variables else "none"
        raise PointError(
            f"expected {count_text(n, 'value')} (variables: {listing}), "
            f"got {len(values)}",
            hint="give one value per variable in this order, or name them: "
            + ",".join(f"{v}=..." for v in variables[:4]) if n else None)
    try:  # the fast path: plain finite numbers (text is read by number())
        if not any(issubclass(kind, _TEXT) for kind in set(map(type, values))):
            converted = list(map(float, values))
            if all(map(math.isfinite, converted)):
                return converted
    except (TypeError, ValueError, OverflowError):
        pass
    return [_float(value, name) for value, name in zip(values, variables)]


def in_order(variables, mapping):
    """The mapping's values in variable order (a sequence); PointError for a
    missing or unknown name.  A mapping already in that order (built from
    graph.variables) is read as it is; else one itemgetter call does the
    lookups: either way a named point costs about what a list costs."""
    if len(mapping) == len(variables) and variables:
        if tuple(mapping) == tuple(variables):
            return list(mapping.values())
        try:
            values = operator.itemgetter(*variables)(mapping)
        except KeyError:
            pass
        else:
            return (values,) if len(variables) == 1 else values
    check_names(variables, mapping)
    return [mapping[name] for name in variables]


def _is_scalar(value):
    return getattr(value, "ndim", None) == 0


_TEXT = (str, bytes, bytearray)  # float() reads these with Python's syntax, not ours


def _float(value, name):
    if isinstance(value, str):
        return number(value, f"value of {name}")
    try:
        result = float(value) if not isinstance(value, _TEXT) else None
    except OverflowError:  # an int or Fraction beyond float64, such as 10**400
        raise PointError(f"the value of {name} is too large for float64: "
                         f"{shown(value)}") from None
    except (TypeError, ValueError):
        result = None
    if result is None:
        raise PointError(f"the value of {name} is not a number: {shown(value)}")
    if not math.isfinite(result):
        raise PointError(f"the value of {name} is not finite: {format_number(result)}")
    return result


def check_names(variables, names):
    """Every variable has a value and every name is a variable (dicts and
    sets: a point may name 10^5 variables)."""
    require_text(names)
    given = names if isinstance(names, Mapping) else set(names)
    missing = [name for name in variables if name not in given]
    if not missing and len(given) == len(variables):
        return  # the names are distinct: none is left over
    known = set(variables)
    unknown = [name for name in names if name not in known]
    if unknown:
        import difflib
        close = difflib.get_close_matches(unknown[0], variables, n=1)
        raise PointError(
            f"{unknown[0]} is not a variable of the expression "
            f"(its variables: {', '.join(variables) or 'none'})",
            hint=f"did you mean {close[0]}?" if close else None)
    if missing:
        raise PointError(f"no value for {', '.join(missing)}",
                         hint="every variable needs a value: "
                         + ",".join(f"{v}=..." for v in variables))


def read_csv_points(text, variables, source="points"):
    """A batch from CSV text whose header names the variables (any order):
    returns a float64 array of shape (rows, len(variables)).  Quoted cells
    and a UTF-8 byte-order mark (spreadsheet exports) are accepted."""
    header, data = read_csv_table(text, source, variables)
    column_of = {name: k for k, name in enumerate(header)}
    order = [column_of[name] for name in variables]
    return data[:, order]


def read_csv_table(text, source="data", variables=None, *, numbers_only=False,
                   check_header=None):
    """(header names, float64 array (rows, columns)) of CSV text with a header
    row.  Columns are separated by ',', or by ';' or a tab when the header row
    holds that one and no other.  Blank lines (and lines of empty cells) hold
    no values and are skipped; every other row holds one finite number per
    column, else a PointError says the line, the row and the column: no row
    is ever dropped.  ``variables``: names the header must hold
    (check_names); ``check_header``: called with the header's names, a
    reader's own rule for them; ``numbers_only``: cells are numbers, not
    constant expressions (pi/2)."""
    text = text.lstrip("\ufeff")
    text, delimiter, header_end = _delimiter(text, source)
    with collection_paused():  # millions of cells, none in a cycle
        return _read_table(text, source, variables, numbers_only, check_header, delimiter,
                           header_end)


def _read_table(text, source, variables, numbers_only, check_header, delimiter, header_end):
    records, lines = _csv_records(text, source, delimiter)
    at = _first_filled(records)
    if at is None:
        what = "holds only blank lines" if text else "is empty"
        raise PointError(f"{source}: no header row: the file {what}",
                         hint="the first row names the columns, e.g. x,y, and each row "
                              "after it holds one number per column")
    header_line = lines[at] if lines else at + 1
    header = _header([cell.strip(_BLANKS) for cell in records[at]], source, header_line)
    if check_header is not None:
        check_header(header)
    if variables is not None:
        try:
            check_names(variables, header)
        except PointError as error:
            raise PointError(f"{source}, header: {error.message}", hint=error.hint) from None
    rows = records[at + 1:]
    data = _plain_table(rows, len(header), _PLAIN_ROWS(text, header_end))
    if data is None:  # something to skip, or to report: row by row
        found = lines[at + 1:] if lines else range(at + 2, at + 2 + len(rows))
        data = _careful_table(zip(found, rows), header, source, numbers_only, delimiter)
    if not len(data):
        raise PointError(f"{source}: no rows of numbers after the header row "
                         f"({', '.join(header)})",
                         hint="each row after the header holds one number per column")
    return header, data


#: what may separate the columns of a CSV file, told apart by the header row
_DELIMITERS = {",": "','", ";": "';'", "\t": "a tab"}
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+([eE][+-]?[0-9]+)?").fullmatch
_cell_number = None  # a number with blanks around it: the regex's fullmatch, once built


def _number_cell():
    global _cell_number
    if _cell_number is None:
        from .language.parser import number_syntax
        _cell_number = re.compile(rf"[ \t]*(?:{number_syntax().pattern})[ \t]*").fullmatch
    return _cell_number


def _csv_records(text, source, delimiter):
    """(records, their first lines or None when each record is its own line)."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True, strict=True)
    records, lines, end = [], None, 0
    try:
        if '"' not in text:  # no quoted cell: one record per line, blank ones as []
            return list(reader), None
        lines = []
        for record in reader:  # a quoted cell may hold a newline: say so
            if reader.line_num - end > 1 and record:
                raise PointError(f"{source}, line {end + 1}: a quoted cell runs on to line "
                                 f"{reader.line_num}",
                                 hint="a cell holds one number or name: is a quote left open?")
            records.append(record)
            lines.append(end + 1)
            end = reader.line_num
    except csv.Error as error:  # a quote left open, text after a closing quote
        problem = str(error)
        where = reader.line_num
        if "end of data" in problem:
            where, problem = end + 1, "a quote opened on this line is not closed"
        raise PointError(f"{source}, line {where}: {problem}",
                         hint="each cell holds one number or name" if "limit" in problem else
                         'quote a whole cell, "1.5", or nothing: a cell holds one number '
                         'or name') from None
    return records, lines


def _delimiter(text, source):
    """(text, delimiter, where the header row ends): ',' unless the header
    row (the first line with text) holds ';' or a tab and no other
    delimiter; two kinds in it is an error.  A first line sep=; (as Excel
    writes it) names the delimiter, and is left out (its line stays, blank)."""
    given = None
    for match in re.finditer(r"[^\r\n]+", text):
        line = match.group()
        if not line.strip(_BLANKS):
            continue
        if given is None and re.fullmatch(r"sep=.", line.strip(_BLANKS)):
            given = line.strip(_BLANKS)[-1]
            if given not in _DELIMITERS:
                raise PointError(f"{source}: {line.strip(_BLANKS)!r}: adcli separates "
                                 "columns with ',', ';' or a tab")
            text = text[:match.start()] + " " * len(line) + text[match.end():]
            continue
        if line.lstrip(_BLANKS).startswith("#"):
            raise PointError(f"{source}: the first line, {shown(line.strip(_BLANKS))}, is a "
                             "comment? adcli's data files have none",
                             hint="remove the comment lines: the first line names the columns")
        found = [given] if given else [d for d in _DELIMITERS if d in line.strip(_BLANKS)]
        if not found and re.search(r"[^ ] +[^ ]", line.strip(_BLANKS)):
            raise PointError(f"{source}: the header row {line.strip(_BLANKS)!r} separates its "
                             "names with spaces: adcli reads columns separated by ',', ';' "
                             "or a tab", hint="convert the file, e.g. tr -s ' ' ',' < FILE")
        if len(found) > 1:
            kinds = " and ".join(_DELIMITERS[d] for d in found)
            raise PointError(f"{source}: the header row {shown(line.strip(_BLANKS))} holds "
                             f"both {kinds}: which one separates the columns is not clear",
                             hint="separate the columns with one of ',', ';' or a tab, "
                                  "the same in every row")
        return text, (found[0] if found else ","), match.end()
    return text, given or ",", len(text)


def _first_filled(records):
    """The index of the first record with a cell that is not blank (the header)."""
    for k, record in enumerate(records):
        if any(cell.strip(_BLANKS) for cell in record):
            return k
    return None


def _header(names, source, line):
    """The header's names, empty trailing ones (a trailing separator) dropped;
    a PointError for an empty name, a name given twice, a row of numbers."""
    while names and not names[-1]:
        names.pop()
    is_number = _number_cell()
    if all(is_number(name) for name in names):
        raise PointError(f"{source}, line {line}: the first row ({', '.join(names)}) holds "
                         "numbers, not the names of the columns",
                         hint="start the file with a row naming the columns, e.g. x,y")
    seen = {}
    for k, name in enumerate(names, start=1):
        if not name:
            raise PointError(f"{source}, line {line}: column {k} of the header row has no name",
                             hint="name every column in the first row")
        if name in seen:
            raise PointError(f"{source}, line {line}: the column name {name} appears twice in the "
                             f"header (columns {seen[name]} and {k})",
                             hint="name each column once")
        seen[name] = k
    return names


def _plain_table(rows, width, plain):
    """The float64 table when every record is a blank line or holds exactly
    ``width`` numbers and ``plain`` (the text after the header row has only
    digits, signs, points, exponents, blanks, quotes and separators, so that
    what float() reads there is what number() reads), read at once in C;
    None otherwise, for _careful_table to skip or report."""
    import numpy as np

    if not plain:
        return None
    rows = list(filter(None, rows))  # blank lines are []
    lengths = set(map(len, rows))
    try:
        if lengths - {width}:  # trailing separators on every row leave empty columns
            if len(lengths) > 1 or min(lengths) < width:
                return None
            columns = list(zip(*rows))
            if any(set(column) != {""} for column in columns[width:]):
                return None
            data = np.array(columns[:width], dtype=np.float64).T.reshape(len(rows), width)
        else:
            data = np.array(rows, dtype=np.float64).reshape(len(rows), width)
    except ValueError:  # an empty cell, 1e5e5, a lone sign
        return None
    return data if np.isfinite(data).all() else None


#: the characters of rows that hold nothing but numbers
_PLAIN_ROWS = re.compile(r'[0-9eE.+\- \t,;\r\n"]*').fullmatch


def _careful_table(numbered_rows, header, source, numbers_only, delimiter):
    """The table read row by row, each fault reported by line, row and column."""
    import numpy as np

    width, data = len(header), []
    for line, record in numbered_rows:
        cells = [cell.strip(_BLANKS) for cell in record]
        if not any(cells):
            continue  # a blank line, or one of empty cells: no values to drop
        row = len(data) + 1
        if len(cells) > width and not any(cells[width:]):
            cells = cells[:width]  # trailing separators
        if len(cells) != width:
            raise PointError(f"{source}, line {line}: row {row}: "
                             f"{count_text(len(cells), 'value')}, the header has {width} "
                             f"({', '.join(header)})",
                             hint="every row holds one number per column of the header, "
                                  f"separated by {_DELIMITERS[delimiter]} as in the header")
        data.append([_cell_value(cell, f"{source}, line {line}: row {row}, column {name}",
                                 numbers_only) for cell, name in zip(cells, header)])
    return np.array(data, dtype=np.float64).reshape(len(data), width)


def _cell_value(cell, where, numbers_only):
    if not cell:
        raise PointError(f"{where} is empty",
                         hint="every cell holds a number: fill it or remove the row")
    if _number_cell()(cell):
        value = float(cell)
        if not math.isfinite(value):
            raise PointError(f"{where}: {cell!r} is not a finite number (beyond float64's "
                             "range, about 1.8e308)")
        return value
    if numbers_only and _DECIMAL_COMMA(cell):
        raise PointError(f"{where}: {cell!r} is not a number: a comma in it (a decimal "
                         "comma, or one between thousands)",
                         hint=f"write {cell.replace(',', '.')} or {cell.replace(',', '')}")
    if not numbers_only:
        return number(cell, f"{where}:")  # its error says why the text is not a number
    try:
        value = number(cell, f"{where}:")
    except PointError as error:
        raise _not_a_number(error, cell, where) from None
    if numbers_only:
        raise PointError(f"{where}: {cell!r} is an expression, not a number",
                         hint=f"a data file holds numbers: write {format_number(value)}")
    return value


#: number()'s reasons that speak of a number's own text (the rest, of expressions)
_CELL_REASONS = ("unexpected character", "numbers are decimal", "a number has no")


def _not_a_number(error, cell, where):
    """number()'s error for a data cell: its own reason when it names one
    (hex, '_', a look-alike digit, a control character), not the grammar's
    expectations after an expression's token."""
    if "is not a finite number" in error.message:  # nan, inf: said as they are
        return error
    reason = error.message.partition("is not a number: ")[2]
    if not reason.startswith(_CELL_REASONS):
        reason = ""
    hint = error.hint or ""
    if not reason or hint.startswith(("expected", "operators are", "did you mean")):
        hint = ""
    return PointError(f"{where}: {cell!r} is not a number" + (f": {reason}" if reason else ""),
                      hint=hint or "a data cell holds one number, such as 2, -0.5 or 1e-3")


# --- batches: one array per variable ---------------------------------------------


def is_batch(at):
    """A 2-D array, a mapping to arrays, or a sequence of arrays is a batch."""
    if hasattr(at, "ndim"):
        return at.ndim == 2
    if isinstance(at, Mapping):
        return _has_arrays(at.values())
    if isinstance(at, (list, tuple)) and at:
        return _is_array_like(at[0])
    return False


def _has_arrays(values):
    """Is any value array-like?  A point may have 10^5 values: when the first
    is a plain number, their sum, one pass in C, is a float only when all are
    (an array in it makes an array, or a TypeError); otherwise, and for a
    batch (whose columns a sum would add up), each distinct type is asked."""
    values = list(values)
    if values and type(values[0]) in (float, int):
        try:
            if type(sum(values, 0.0)) is float:
                return False
        except (TypeError, OverflowError, ValueError):  # text, 10**400, arrays of two shapes
            pass
    return any(_is_array_like_type(t) for t in set(map(type, values)))


def _is_array_like(value):
    return _is_array_like_type(type(value))


def _is_array_like_type(kind):
    return hasattr(kind, "__len__") and not issubclass(kind, _TEXT)


def batch_columns(variables, at):
    """(one contiguous float64 array per variable, the number of points)."""
    import numpy as np

    if isinstance(at, Mapping):
        check_names(variables, at)
        raw = [at[name] for name in variables]
    elif getattr(at, "ndim", None) == 2:
        if at.shape[1] != len(variables):
            raise PointError(
                f"a batch needs one column per variable ({', '.join(variables) or 'none'}), "
                f"got shape {at.shape}")
        raw = [at[:, k] for k in range(at.shape[1])]
        if not raw:
            return [], at.shape[0]
    else:  # a sequence of columns in variable order
        raw = list(at)
        if len(raw) != len(variables):
            raise PointError(f"a batch needs {count_text(len(variables), 'column')} "
                             f"({', '.join(variables)}), got {len(raw)}")
    columns = [_column(value, name) for value, name in zip(raw, variables)]
    lengths = {len(c) for c in columns if c.ndim == 1}
    if len(lengths) > 1:
        listing = ", ".join(f"{n} has {len(c)}" for n, c in zip(variables, columns) if c.ndim)
        raise PointError(f"the batch columns differ in length: {listing}")
    count = lengths.pop() if lengths else 1
    return [np.ascontiguousarray(np.broadcast_to(c, (count,))) for c in columns], count


def _column(value, name):
    import numpy as np

    try:
        column = np.asarray(value, dtype=np.float64)
    except OverflowError:  # an int beyond float64, such as 10**400
        raise PointError(f"a value of {name} is too large for float64") from None
    except (TypeError, ValueError):
        raise PointError(f"the values of {name} are not all numbers") from None
    if column.ndim > 1:
        raise PointError(f"the values of {name} must be one number per point, "
                         f"got an array of shape {column.shape}")
    if not all_finite(np, [column]):
        raise PointError(f"a value of {name} is not a finite number")
    return column


def all_finite(np, arrays):
    """Whether every entry of the arrays is finite.  A finite sum proves it
    (an inf or nan in a sum leaves it inf or nan): one pass each, without a
    mask; only a sum that overflows looks closer."""
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf is the answer, not news
        if math.isfinite(sum(float(np.sum(array)) for array in arrays)):
            return True
    return all(bool(np.isfinite(array).all()) for array in arrays)


# --- data files: named columns, for fit ---------------------------------------------

#: a column's name as a model writes a name (the grammar's NAME)
_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*").fullmatch
NPY_MAGIC = b"\x93NUMPY"


def read_data_columns(data, source="data", kind="csv"):
    """column name -> float64 1-D array, from the bytes of a data file:
    ``kind`` 'csv' (a header row naming the columns), 'json' (an object of
    columns, {"x": [1, 2], "y": [3, 4]}) or 'npy' (a structured array, never
    unpickled).  Every column has a name a model can use, and the same
    number of rows, each a finite number; a PointError names the fault
    (the file, and the row and column of a cell)."""
    from .files import decode

    if data.startswith(b"PK\x03\x04"):
        raise PointError(f"{source}: a zip archive (an .xlsx workbook, an .npz?), not a data "
                         "file adcli reads",
                         hint="export the sheet as CSV, or save one structured array with "
                              "numpy.save")
    if kind == "npy":
        columns, hint = _npy_columns(data, source), _NPY_HINT
    elif kind == "json":
        columns, hint = _json_columns(decode(data, source), source), _COLUMNS_HINT
    else:
        header, table = read_csv_table(decode(data, source), source, numbers_only=True,
                                       check_header=lambda names: _check_names(names, source))
        return {name: table[:, k].copy() for k, name in enumerate(header)}
    _check_names(list(columns), source)
    lengths = {len(column) for column in columns.values()}
    if not columns:
        raise PointError(f"{source}: no columns", hint=hint)
    if 0 in lengths:
        empty = next(name for name, column in columns.items() if not len(column))
        raise PointError(f"{source}: the column {empty} has no rows", hint=hint)
    if len(lengths) > 1:
        raise PointError(f"{source}: the columns differ in length: " + ", ".join(
            f"{name} has {count_text(len(column), 'row')}" for name, column in columns.items()),
            hint="every column holds one number per observation")
    return columns


_COLUMNS_HINT = 'a JSON data file is an object of columns: {"x": [1, 2], "y": [3, 4]}'
_PANDAS = "; from pandas: json.dump(df.to_dict(orient='list'), file)"
_NPY_HINT = ("save a structured array (numpy.rec.fromarrays([x, y], names='x,y')), or "
             "write the data as CSV with a header row")
#: what a message calls the values of a .npy field that are not real numbers
_NPY_KINDS = {"b": "true/false", "c": "complex", "U": "text", "S": "bytes", "M": "date",
              "m": "time-delta", "O": "object", "V": "raw"}


def _check_names(names, source):
    for k, name in enumerate(names, start=1):
        if not _COLUMN_NAME(name):
            suggestion = re.sub(r"[^A-Za-z_0-9]+", "_", name).strip("_") or "x"
            if suggestion[0].isdigit():
                suggestion = "_" + suggestion
            raise PointError(f"{source}: the column name {shown(name)} (column {k}) is not a "
                             "name a model can use",
                             hint="column names are ASCII letters, digits and _, not starting "
                                  f"with a digit: rename it, e.g. {suggestion}")


class _Unreadable(str):
    """A JSON number float64 cannot hold (NaN, Infinity, 1e400): its text."""


def _json_number(text):
    value = float(text)  # an integer's text too: exact to 2**53, as float64 holds it
    return value if math.isfinite(value) else _Unreadable(text)


def _json_columns(text, source):
    import json

    import numpy as np

    def unique_keys(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise PointError(f"{source}: the key {shown(key)} appears twice in an object",
                                 hint="give each column once: the second would replace "
                                      "the first")
            seen.add(key)
        return dict(pairs)
    try:
        document = json.loads(text, object_pairs_hook=unique_keys, parse_float=_json_number,
                              parse_int=_json_number, parse_constant=_Unreadable)
    except json.JSONDecodeError as error:
        raise PointError(f"{source}:{error.lineno}:{error.colno}: not JSON ({error.msg})",
                         hint=_COLUMNS_HINT) from None
    except RecursionError:
        raise PointError(f"{source}: JSON nested too deeply to be columns of numbers",
                         hint=_COLUMNS_HINT) from None
    if not isinstance(document, dict):
        rows = isinstance(document, list) and document and isinstance(document[0], dict)
        raise PointError(f"{source}: the JSON is {_json_kind(document)}"
                         f"{' (rows)' if rows else ''}, not an object of columns",
                         hint=_COLUMNS_HINT + (_PANDAS if rows else ""))
    columns = {}
    for name, values in document.items():
        if not isinstance(values, list):
            raise PointError(f"{source}: the column {shown(name)} is {_json_kind(values)}, "
                             "not a list of numbers",
                             hint=_COLUMNS_HINT + (_PANDAS if isinstance(values, dict) else ""))
        if set(map(type, values)) - {float}:
            row = next(k for k, v in enumerate(values) if type(v) is not float)
            where, value = f"{source}: the column {shown(name)}, row {row + 1}", values[row]
            if isinstance(value, _Unreadable):
                raise PointError(f"{where}: {shown(str(value))} is not a finite number in "
                                 "float64", hint="each value is a finite number in float64's "
                                                 "range (about 1.8e308)")
            raise PointError(f"{where}: {_json_kind(value)} is not a number",
                             hint=_json_hint(value))
        columns[name] = np.array(values, dtype=np.float64)
    return columns


def _json_kind(value):
    """How a message names a JSON value: 'null', 'true', 'the string "1"'."""
    import json

    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return f"the string {shown(value)}"
    if isinstance(value, list):
        return f"a list of {count_text(len(value), 'item')}"
    if isinstance(value, dict):
        return "an object"
    return f"the number {format_number(value)}"


def _json_hint(value):
    if value is None:
        return "a missing value cannot be fitted: remove the row from every column"
    if isinstance(value, str):
        return "write numbers without quotes: 1.5, not \"1.5\""
    if isinstance(value, list):
        return "a column is a flat list, one number per row"
    return "each value is a number: true and false are not"


def _npy_columns(data, source):
    """The fields of a structured .npy array as columns: read without
    pickles (allow_pickle=False), whatever the file holds."""
    import io

    import numpy as np

    hint = _NPY_HINT
    if not data.startswith(NPY_MAGIC):
        what = "a Python pickle, which adcli never loads (it can run code)" \
            if data[:1] == b"\x80" else "not a .npy file (it does not start as numpy.save " \
                                        "writes one)"
        raise PointError(f"{source}: {what}", hint=hint)
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise PointError(f"{source}: an array of Python objects, which adcli never "
                             "unpickles (it can run code)", hint=hint) from None
        raise PointError(f"{source}: not a .npy file adcli reads ({error})", hint=hint) from None
    except (OSError, EOFError) as error:
        raise PointError(f"{source}: not a .npy file adcli reads ({error})", hint=hint) from None
    if array.dtype.names is None:
        what = "one number (a 0-d array)" if array.ndim == 0 else \
            f"a plain array of shape {array.shape}"
        raise PointError(f"{source}: {what}, with no column names", hint=hint)
    if array.ndim != 1:
        raise PointError(f"{source}: a structured array of shape {array.shape}: the rows "
                         "of a table are one axis", hint=hint)
    columns = {}
    for name in array.dtype.names:
        kind = array.dtype[name]
        if kind.names is not None or kind.shape or kind.kind not in "iuf":
            what = "nested fields" if kind.names is not None else \
                f"arrays of shape {kind.shape}" if kind.shape else \
                f"{_NPY_KINDS.get(kind.kind, str(kind))} values"
            raise PointError(f"{source}: the column {shown(name)} holds {what}, not one real "
                             "number per row", hint=hint)
        with np.errstate(over="ignore"):
            column = np.asarray(array[name], dtype=np.float64)
        if not np.isfinite(column).all():
            row = int(np.flatnonzero(~np.isfinite(column))[0])
            raise PointError(f"{source}: the column {shown(name)}, row {row + 1}: "
                             f"{array[name][row]!s} is not a finite number in float64")
        columns[name] = column
    return columns
