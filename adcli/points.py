"""Points: the values of the variables, from Python objects or from text
(--at 2,3,4, --at x=1,y=2), and batches of points (arrays, mappings to
arrays, CSV files) as one column per variable."""
import math
import operator
from collections.abc import Mapping

from .errors import ExpressionError, PointError, require_text, shown
from .graph import count_text, format_number


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


def read_csv_table(text, source="data", variables=None):
    """(header names, float64 array (rows, columns)) of CSV text with a header
    row; every cell a finite number, named by row and column when it is not.
    ``variables``: names the header must hold (check_names)."""
    import csv

    import numpy as np

    lines = text.lstrip("\ufeff").splitlines()
    reader = csv.reader(lines)
    try:
        records = [(k, [cell.strip() for cell in record])
                   for k, record in enumerate(reader) if any(c.strip() for c in record)]
    except csv.Error as error:  # such as a field over csv.field_size_limit()
        raise PointError(f"{source}, line {reader.line_num}: {error}",
                         hint="each cell holds one number or name") from None
    if not records:
        raise PointError(f"{source}: no header row", hint="the first row names the variables")
    header = records[0][1]
    if len(set(header)) != len(header):
        raise PointError(f"{source}: a column name appears twice in the header")
    if variables is not None:
        try:
            check_names(variables, header)
        except PointError as error:
            raise PointError(f"{source}, header: {error.message}", hint=error.hint) from None
    rows = [record for _, record in records[1:]]
    if not rows:
        raise PointError(f"{source}: no points after the header row")
    data = np.empty((len(rows), len(header)))
    for r, cells in enumerate(rows):
        if len(cells) != len(header):
            raise PointError(f"{source}, row {r + 1}: {count_text(len(cells), 'value')}, "
                             f"the header has {len(header)}")
        for c, cell in enumerate(cells):
            data[r, c] = number(cell, f"{source}, row {r + 1}, column {header[c]}:")  # finite
    return header, data


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
    """Is any value array-like?  A point may have 10^5 values: their sum, one
    pass in C, is a float only when they are plain numbers (an array in it
    makes an array, or a TypeError); otherwise each distinct type is asked."""
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
    if not np.isfinite(column).all():
        raise PointError(f"a value of {name} is not a finite number")
    return column
