"""hessian of an array graph: the value, the gradient in each variable's
shape, and the Hessian flattened to n x n over the variables' entries in C
order, as every form says (the forms: arrays.py)."""
import numpy as np

from . import arrays
from .common import csv_text, number_text, plain_text

#: how every form says the Hessian's layout
ORDER_NOTE = "the Hessian's rows and columns: the entries of {}, flattened in C order"


def document(result):
    return {"schema": arrays.schema("hessian"),
            "output": result.output, "variables": list(result.point),
            "wrt": list(result.wrt),
            "shapes": {name: list(result.shapes[name]) for name in result.wrt},
            "point": arrays.json_arrays(result.point), "value": arrays.json_array(result.value),
            "gradient": arrays.json_arrays(result.gradient),
            "order": "C", "labels": result.labels,
            "hessian": arrays.json_array(result.matrix)}


def _note(result):
    return ORDER_NOTE.format(", ".join(f"{n} {arrays.shape_text(result.shapes[n])}"
                                       for n in result.wrt))


def _gradient(result):
    """The gradient flattened as the Hessian's rows are."""
    if not result.wrt:
        return np.empty(0)
    return np.concatenate([np.ravel(result.gradient[n]) for n in result.wrt])


def plain(result, precision=None):
    """value V, grad LABEL D per entry, a note on the order, then hessian
    LABEL LABEL H per entry of the n x n matrix."""
    labels = result.labels
    matrix = np.asarray(result.matrix, dtype=float)
    rows = [["value", number_text(result.value, precision)]]
    rows += arrays.labelled("grad", result.gradient, precision)
    rows.append(["# " + _note(result)])
    rows += [["hessian", labels[i], labels[j], number_text(h, precision)]
             for (i, j), h in zip(np.ndindex(*matrix.shape), matrix.ravel().tolist())]
    return plain_text(rows)


def csv(result, precision=None):
    """variable,index,gradient,hessian[LABEL]...: one row per entry of the
    variables, flattened in C order (as the scalar hessian's CSV, with the
    entry's index)."""
    heads = ["variable", "index", "gradient"] + [f"hessian[{label}]" for label in result.labels]
    grad = arrays.numbers(_gradient(result), precision)
    entries = [(n, index) for n in result.wrt for index in np.ndindex(*result.shapes[n])]
    return csv_text([heads] + [[n, arrays.index_text(index), g] + arrays.numbers(row, precision)
                               for (n, index), g, row in zip(entries, grad, result.matrix)])


def tables(result, precision=None, full=False):
    from ..layout import text

    title = f"{result.output} = {number_text(result.value, precision)}: gradient and Hessian"
    labels = result.labels
    return [arrays.flat_matrix(title, ("", "gradient"), labels, _gradient(result), labels,
                               result.matrix, precision, full,
                               notes=[text(_note(result), style="dim")])]


show = arrays.show_for(document, plain, csv, tables)
