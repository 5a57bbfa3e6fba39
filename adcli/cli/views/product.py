"""jvp and vjp: the outputs' values and the product J·v or uᵀ·J."""
from .common import csv_text, json_numbers, number_text, plain_text, schema, show_for


def document(result, kind="jvp"):
    return {"schema": schema(kind),
            "outputs": list(result.outputs), "variables": list(result.variables),
            "point": json_numbers(result.point), "values": json_numbers(result.values),
            kind: json_numbers(result.product)}


def csv(result, precision=None, kind="jvp"):
    keys = "output" if kind == "jvp" else "variable"
    return csv_text([[keys, kind]] + [[name, number_text(v, precision)]
                                      for name, v in result.product.items()])


def plain(result, precision=None, kind="jvp"):
    rows = [["value", name, number_text(v, precision)] for name, v in result.values.items()]
    rows += [[kind, name, number_text(v, precision)] for name, v in result.product.items()]
    return plain_text(rows)


def tables(result, precision=None, kind="jvp"):
    from . import terminal as t
    from . import values

    table = t.named_numbers("J·v (forward mode)" if kind == "jvp" else "uᵀ·J (reverse mode)",
                            ("output" if kind == "jvp" else "variable", kind), result.product,
                            precision)
    return [*values.tables(result.values, precision), table]


show = show_for(document, plain, csv, tables)
