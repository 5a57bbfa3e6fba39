"""jvp, vjp and hvp of an array graph: the outputs' values and the product
J·v (per output), uᵀ·J or H·v (per variable), each in its shape (the
forms: arrays.py)."""
from . import arrays
from .common import plain_text

#: per kind: what the product is keyed by, and its table's title
KINDS = {"jvp": ("output", "J·v (forward mode)"),
         "vjp": ("variable", "uᵀ·J (reverse mode)"),
         "hvp": ("variable", "H·v (forward over reverse)")}


def document(result):
    kind = result.kind
    return {**arrays.products_header(kind, result), kind: arrays.json_arrays(result.product)}


def plain(result, precision=None):
    """value OUT V per entry of each output, then KIND LABEL D per entry of
    the product (jvp f[0] 1.5, vjp x[1] 2, hvp A[0,1] 3)."""
    return plain_text(arrays.labelled("value", result.values, precision)
                      + arrays.labelled(result.kind, result.product, precision))


def csv(result, precision=None):
    """output,index,jvp or variable,index,vjp (hvp): one row per entry."""
    key = KINDS[result.kind][0]
    return arrays.long_csv((key, "index", result.kind), result.product, precision)


def tables(result, precision=None, full=False):
    from . import array_values

    key, title = KINDS[result.kind]
    return [*array_values.value_tables(result.values, precision, full),
            *arrays.named_arrays(title, (key, result.kind), result.product, precision, full,
                                 caption=lambda n, shape: f"{title}: {n}  shape "
                                                          f"{arrays.shape_text(shape)}")]


show = arrays.show_for(document, plain, csv, tables)
