"""eval of an array graph: the value of every output at a point, each in
its shape (the forms: arrays.py)."""
from . import arrays


def document(result):
    return {"schema": arrays.schema("eval"),
            "outputs": list(result.outputs), "variables": list(result.point),
            "shapes": arrays.shapes_of(result.values),
            "point": arrays.json_arrays(result.point),
            "values": arrays.json_arrays(result.values)}


def plain(result, precision=None):
    """value OUT V per entry of each output (value f[0] 1.5)."""
    return arrays.long_plain("value", result.values, precision)


def csv(result, precision=None):
    """output,index,value: one row per entry of each output."""
    return arrays.long_csv(("output", "index", "value"), result.values, precision)


def value_tables(values, precision=None, full=False):
    """The scalar outputs in one table, then each array output."""
    return arrays.named_arrays("values", ("output", "value"), values, precision, full)


def tables(result, precision=None, full=False):
    return value_tables(result.values, precision, full)


show = arrays.show_for(document, plain, csv, tables)
