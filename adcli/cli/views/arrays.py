"""An ndarray in the four forms, shared by the views of array results
(array_gradient.py, array_jacobian.py, array_hessian.py, array_product.py,
array_values.py; the result types are in adcli/array_results.py).

The conventions (the README's "Output formats", arrays):

- JSON: the documents are version 2 of the scalar ones ("adcli.grad/2"),
  since a value may now be an array (version 1 stays what the scalar
  graphs print, byte for byte); a document new with arrays starts at 1
  ("adcli.hvp/1").  An array is nested lists, a 0-d array a number; each
  number as json_number gives it (null when not finite).  Shapes are
  lists ([] for a scalar, [2, 3] for a matrix).
- plain: one line per entry, its label as array_results.flat_labels gives
  it (x[0], A[0,1], s for a scalar): ``grad\tA[0,1]\t3``.
- CSV: long form, one row per entry: the name, then its index (``i`` or
  ``i,j``, which the csv writer quotes; empty for a scalar), then the number.
- table: a scalar as a number; a vector as a column of its entries; a
  matrix as a table with its row and column indices, in blocks of columns
  that fit the console; a higher rank as one matrix per leading index.
  An array of more than THRESHOLD entries is summarized as NumPy prints
  it, the first and last EDGE_ITEMS along each long axis with … between,
  unless full (--full).

Entries are always in C order (row-major), the order of numpy's ravel.
"""
import numpy as np

from ...array_results import flat_labels
from ..streams import emit
from .common import csv_text, json_number, number_text, plain_text, present, resolve_format

#: NumPy's default print options: an array of more entries than THRESHOLD is
#: summarized, showing the first and last EDGE_ITEMS along each longer axis
THRESHOLD = 1000
EDGE_ITEMS = 3

#: the documents that exist for scalar graphs at version 1: theirs for arrays is 2
_SCALAR_DOCUMENTS = {"grad", "jacobian", "hessian", "jvp", "vjp", "eval", "minimize"}


def schema(name):
    """The "schema" of an array document: version 2 of a scalar document
    ("adcli.grad/2"), version 1 of one new with arrays ("adcli.hvp/1")."""
    return f"adcli.{name}/{2 if name in _SCALAR_DOCUMENTS else 1}"


def products_header(kind, result):
    """The keys a Jacobian's and a product's documents share: the schema,
    the names, the shapes, the point and the outputs' values."""
    return {"schema": schema(kind),
            "outputs": list(result.outputs), "variables": list(result.point),
            "wrt": list(result.wrt),
            "output_shapes": shapes_of(result.values),
            "shapes": {name: shape_of(result.point[name]) for name in result.wrt},
            "point": json_arrays(result.point),
            "values": json_arrays(result.values)}


def show_for(document, plain, csv, tables):
    """The show() of an array view: document(result), plain and csv
    (result, precision), tables(result, precision, full)."""
    def show(result, output_format, precision=None, full=False):
        if resolve_format(output_format) == "json":
            emit(document_text(document(result)) + "\n")
            return
        present(output_format,
                document=lambda: document(result),
                plain=lambda: plain(result, precision),
                csv=lambda: csv(result, precision),
                tables=lambda: tables(result, precision, full))
    return show


# --- JSON ---------------------------------------------------------------------------------


def json_array(array):
    """array as nested lists (a 0-d array as a number), None where not finite."""
    array = np.asarray(array, dtype=float)
    finite = np.isfinite(array)
    if finite.all():
        return array.tolist()
    if array.ndim == 0:
        return json_number(array)
    shown = array.astype(object)
    shown[~finite] = None
    return shown.tolist()


def document_text(document):
    """document as JSON, laid out as common.dumps lays out a document
    (indent 2), but each list of numbers or names on one line: [8.0, 14.0],
    a matrix a line per row, ["x", "A"].  Lists of numbers are written by
    json's C encoder (json.dumps with indent is pure Python: 40 times
    slower on a gradient of 10^6 entries)."""
    return "\n".join(_json_lines(document, ""))


def _json_lines(value, indent):
    """The lines of value in a document, the first without its indent.
    Recursive over the document's nesting only: the views' few levels and
    an array's rank (numpy allows at most 64)."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = list(value.items())
        yield "{"
        for k, (key, item) in enumerate(items):
            lines = list(_json_lines(item, inner))
            lines[0] = f"{inner}{_scalar(key)}: {lines[0]}"
            lines[-1] += "," if k < len(items) - 1 else ""
            yield from lines
        yield indent + "}"
    elif isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
        yield "["
        for k, item in enumerate(value):
            lines = list(_json_lines(item, inner))
            lines[0] = inner + lines[0]
            lines[-1] += "," if k < len(value) - 1 else ""
            yield from lines
        yield indent + "]"
    else:
        yield _scalar(value)


def _scalar(value):
    """A number, a name, null, an empty container or a flat list, on one line."""
    import json

    return json.dumps(value, allow_nan=False)


def json_arrays(mapping):
    return {name: json_array(value) for name, value in mapping.items()}


def shape_of(array):
    """The shape of array as a JSON list ([] for a scalar)."""
    return list(np.shape(array))


def shapes_of(mapping):
    return {name: shape_of(value) for name, value in mapping.items()}


# --- plain and CSV -----------------------------------------------------------------------


def labels(name, array):
    """The label of each entry of array, in C order: x[0], A[0,1], s."""
    return flat_labels([name], {name: np.shape(array)})


def index_text(index):
    """The CSV index of an entry: "2", "0,1"; "" for a scalar."""
    return ",".join(map(str, index))


def numbers(array, precision=None):
    """The text of each entry of array, in C order."""
    return [number_text(v, precision) for v in np.asarray(array, dtype=float).ravel().tolist()]


def labelled(key, mapping, precision=None):
    """Plain records: key, label, number, one per entry of each array."""
    return [[key, label, text] for name, array in mapping.items()
            for label, text in zip(labels(name, array), numbers(array, precision))]


def long_rows(mapping, precision=None):
    """CSV rows: name, index, number, one per entry of each array."""
    rows = []
    for name, array in mapping.items():
        indices = np.ndindex(*np.shape(array))
        rows += [[name, index_text(index), text]
                 for index, text in zip(indices, numbers(array, precision))]
    return rows


def long_csv(heads, mapping, precision=None):
    """A long-form CSV: the header heads (name, index, number), then
    long_rows."""
    return csv_text([list(heads)] + long_rows(mapping, precision))


def long_plain(key, mapping, precision=None):
    return plain_text(labelled(key, mapping, precision))


def shape_text(shape):
    """A shape as Python prints a tuple: (3,), (2, 2), ()."""
    return str(tuple(shape))


# --- tables ------------------------------------------------------------------------------


def summarized(size, full=False):
    """Whether an array of size entries is summarized (as NumPy would)."""
    return not full and size > THRESHOLD


def positions(length, summarize):
    """The positions shown along an axis of length: all of them, or the
    first and last EDGE_ITEMS with None for those left out."""
    if not summarize or length <= 2 * EDGE_ITEMS:
        return list(range(length))
    return [*range(EDGE_ITEMS), None, *range(length - EDGE_ITEMS, length)]


def left_out_note(shown, size):
    """The note below a summarized array (none when it shows everything)."""
    if shown >= size:
        return []
    from ..layout import text

    return [text(f"{size - shown:,} of {size:,} entries not shown, summarized as NumPy "
                 "prints it: --full shows every entry, --format plain, csv or json "
                 "prints them all", style="dim")]


def array_tables(name, array, title, precision=None, full=False, head="value"):
    """The renderables of one array: a scalar or a vector as a table of one
    column of numbers (head), a matrix with its row and column indices, a
    higher rank as one matrix per leading index (name[i, :, :]); title
    above them, and a note when summarized."""
    from . import terminal as t
    from ..layout import name as name_column
    from ..layout import number, table, text

    array = np.asarray(array, dtype=float)
    summarize = summarized(array.size, full)
    if array.ndim == 0:
        return [table(title, [name_column("", style="bold"), number(head)],
                      [[name, number_text(array, precision)]])]
    if array.ndim == 1:
        rows = positions(array.size, summarize)
        cells = ([str(p), number_text(array[p], precision)] for p in t.kept(rows))
        return [table(title, [name_column("index", style="bold"), number(head)],
                      t.filled(rows, cells, 2),
                      notes=left_out_note(len(t.kept(rows)), array.size))]
    matrices = array.reshape(int(np.prod(array.shape[:-2])), *array.shape[-2:])
    blocks = positions(len(matrices), summarize)
    found, shown = [text(title, style="italic")], 0
    for block in blocks:
        if block is None:
            found.append(text(t.GAP))
            continue
        index = np.unravel_index(block, array.shape[:-2])
        caption = None if array.ndim == 2 else f"{name}[{', '.join(map(str, index))}, :, :]"
        matrix, count = matrix_table(caption, matrices[block], precision, summarize)
        found.append(matrix)
        shown += count
    found += left_out_note(shown, array.size)
    return found


def matrix_table(title, matrix, precision=None, summarize=False):
    """A matrix with its row and column indices (0-based), summarized or
    not, and how many entries it shows."""
    from . import terminal as t
    from ..layout import GAP, matrix as matrix_layout, name, number

    rows, columns = (positions(n, summarize) for n in matrix.shape)
    kept = t.kept(columns)
    heads = [GAP if c is None else str(c) for c in columns]
    cells = ([str(r)] + t.with_gap([number_text(v, precision) for v in matrix[r, kept]], columns)
             for r in t.kept(rows))
    return (matrix_layout(title, [name("", style="bold")] + [number(h) for h in heads],
                          t.filled(rows, cells, len(heads) + 1), numbers=columns,
                          total=matrix.shape[1]),
            len(t.kept(rows)) * len(kept))


def scalar_rows(mapping, precision=None):
    """Table rows [name, number] of the 0-d arrays of mapping."""
    return [[name, number_text(value, precision)]
            for name, value in mapping.items() if np.ndim(value) == 0]


def named_arrays(title, heads, mapping, precision=None, full=False, caption=None):
    """The arrays of mapping: its scalars in one table of two columns
    (heads) titled title, then each other array titled caption(name, shape)."""
    from ..layout import name, number, table

    caption = caption or (lambda n, shape: f"{n}  shape {shape_text(shape)}")
    found = []
    rows = scalar_rows(mapping, precision)
    if rows:
        found.append(table(title, [name(heads[0], style="bold"), number(heads[1])], rows))
    for key, value in mapping.items():
        if np.ndim(value):
            found += array_tables(key, value, caption(key, np.shape(value)), precision, full)
    return found


def flat_matrix(title, heads, row_labels, row_numbers, column_labels, matrix, precision=None,
                full=False, notes=()):
    """A flattened matrix (a Jacobian's, a Hessian's): a row label, one more
    number (row_numbers: the value, the gradient), then a column per
    column label, headed ∂/∂label; summarized as NumPy prints it unless
    full, in blocks of columns that fit the console."""
    from . import terminal as t
    from ..layout import GAP, matrix as matrix_layout, name, number

    matrix = np.asarray(matrix, dtype=float)
    summarize = summarized(matrix.size, full)
    rows, columns = (positions(n, summarize) for n in matrix.shape)
    kept = t.kept(columns)
    headers = [heads[1]] + [GAP if c is None else f"∂/∂{column_labels[c]}" for c in columns]
    cells = ([row_labels[r], number_text(row_numbers[r], precision)]
             + t.with_gap([number_text(v, precision) for v in matrix[r, kept]], columns)
             for r in t.kept(rows))
    shown = len(t.kept(rows)) * len(kept)
    return matrix_layout(title, [name(heads[0], style="bold")] + [number(h) for h in headers],
                         t.filled(rows, cells, len(headers) + 1),
                         numbers=t.numbered(columns, 1), total=len(column_labels) + 1,
                         notes=[*notes, *left_out_note(shown, matrix.size)])
