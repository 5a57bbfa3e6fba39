"""jacobian of an array graph at one point: the outputs' values and, for
each output of shape S and variable of shape T, the block d output /
d variable of shape S + T (the forms: arrays.py)."""
import numpy as np

from . import arrays
from .common import csv_text, number_text, plain_text


def document(result):
    """The blocks as {output: {variable: nested lists of shape S + T}}."""
    return {**arrays.products_header("jacobian", result),
            "jacobian": {o: {v: arrays.json_array(result.blocks[o, v]) for v in result.wrt}
                         for o in result.outputs},
            "mode": result.mode.as_dict()}


def _entries(result):
    """(output, output index, variable, variable index, derivative) per entry
    of every block, blocks in the order of outputs then wrt, each in C order."""
    for o in result.outputs:
        rank = np.ndim(result.values[o])
        for v in result.wrt:
            block = np.asarray(result.blocks[o, v], dtype=float)
            for index, d in zip(np.ndindex(*block.shape), block.ravel().tolist()):
                yield o, index[:rank], v, index[rank:], d


def _label(name, index):
    return f"{name}[{','.join(map(str, index))}]" if index else name


def plain(result, precision=None):
    """value OUT V per entry of each output, then jacobian OUT V D per entry
    of each block (jacobian f[0] x[1] 0.09)."""
    rows = arrays.labelled("value", result.values, precision)
    rows += [["jacobian", _label(o, i), _label(v, j), number_text(d, precision)]
             for o, i, v, j, d in _entries(result)]
    return plain_text(rows)


def csv(result, precision=None):
    """output,output_index,variable,variable_index,jacobian: one row per entry."""
    return csv_text([["output", "output_index", "variable", "variable_index", "jacobian"]]
                    + [[o, arrays.index_text(i), v, arrays.index_text(j),
                        number_text(d, precision)] for o, i, v, j, d in _entries(result)])


def tables(result, precision=None, full=False):
    """The Jacobian flattened, as the scalar jacobian's table: a row per
    entry of each output (with its value), a column per entry of each
    variable."""
    from ..layout import text

    rows = [label for o in result.outputs for label in arrays.labels(o, result.values[o])]
    values = np.concatenate([np.ravel(result.values[o]) for o in result.outputs]) \
        if result.outputs else np.empty(0)
    columns = [label for v in result.wrt for label in arrays.labels(v, result.point[v])]
    matrix = _matrix(result)
    title = (f"Jacobian ({matrix.shape[0]} x {matrix.shape[1]}, {result.mode.mode} mode)")
    note = text("rows: the entries of " + _shapes(result.outputs, result.values)
                + "; columns: of " + _shapes(result.wrt, result.point)
                + "; each flattened in C order", style="dim")
    return [arrays.flat_matrix(title, ("output", "value"), rows, values, columns, matrix,
                               precision, full, notes=[note])]


def _matrix(result):
    """result.matrix, also when an output or a variable has no entries (the
    sizes from the values and the point: a block of size 0 cannot say them)."""
    if not (result.outputs and result.wrt):
        return np.empty((sum(np.size(result.values[o]) for o in result.outputs),
                         sum(np.size(result.point[v]) for v in result.wrt)))
    return np.vstack([np.hstack([np.reshape(result.blocks[o, v], (np.size(result.values[o]),
                                                                 np.size(result.point[v])))
                                 for v in result.wrt]) for o in result.outputs])


def _shapes(names, arrays_by_name):
    return ", ".join(f"{n} {arrays.shape_text(np.shape(arrays_by_name[n]))}" for n in names)


show = arrays.show_for(document, plain, csv, tables)
