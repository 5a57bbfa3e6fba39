"""grad of an array graph at one point: the value and the gradient, each
variable's in its shape (the forms: arrays.py)."""
import numpy as np

from . import arrays
from .common import number_text, plain_text


def document(result):
    return {
        "schema": arrays.schema("grad"),
        "expression": _expression(result.graph),
        "output": result.output,
        "variables": list(result.point),
        "wrt": list(result.wrt),
        "shapes": arrays.shapes_of(result.gradient),
        "point": arrays.json_arrays(result.point),
        "value": arrays.json_array(result.value),
        "gradient": arrays.json_arrays(result.gradient),
    }


def _expression(graph):
    """The expression's text (None when the result has no graph)."""
    source = getattr(graph, "source", None)
    return None if source is None else source.strip()


def plain(result, precision=None):
    """value V, then grad LABEL D per entry (grad x[0] 8, grad s 1)."""
    return plain_text([["value", number_text(result.value, precision)]]
                      + arrays.labelled("grad", result.gradient, precision))


def csv(result, precision=None):
    """variable,index,grad: one row per entry of each variable's gradient."""
    return arrays.long_csv(("variable", "index", "grad"), result.gradient, precision)


def tables(result, precision=None, full=False):
    """The value and the scalar variables' derivatives in one table (with
    their values at the point), as the scalar grad's table (the value alone
    without them); then one table per array variable, titled
    ∂f/∂A  shape (2, 2)."""
    from . import terminal as t
    from ..layout import name, number, table

    output = result.output
    source = _expression(result.graph)
    title = f"{output} = {t.short(source)}" if source else output
    scalars = [[f"∂{output}/∂{n}", number_text(result.point[n], precision),
                number_text(d, precision)]
               for n, d in result.gradient.items() if np.ndim(d) == 0]
    if scalars:  # the scalar grad's table
        found = [table(title, [name("", style="bold"), number("at"),
                               number("value / derivative")],
                       [[output, "", number_text(result.value, precision)]] + scalars)]
    else:
        found = [table(title, [name("", style="bold"), number("value")],
                       [[output, number_text(result.value, precision)]])]
    for n, d in result.gradient.items():
        if np.ndim(d):
            title = f"∂{output}/∂{n}  shape {arrays.shape_text(np.shape(d))}"
            found += arrays.array_tables(n, d, title, precision, full, head="derivative")
    return found


show = arrays.show_for(document, plain, csv, tables)
