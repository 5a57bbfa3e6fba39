"""eval: the value of every output at a point."""
from .common import csv_text, json_numbers, number_text, plain_text, present, schema


def show(values, point, output_format, precision=None):
    present(output_format,
            document=lambda: document(values, point),
            plain=lambda: plain(values, precision),
            csv=lambda: csv(values, precision),
            tables=lambda: tables(values, precision))


def document(values, point):
    return {"schema": schema("eval"),
            "outputs": list(values), "point": json_numbers(point), "values": json_numbers(values)}


def csv(values, precision=None):
    return csv_text([["output", "value"]] + [[n, number_text(v, precision)]
                                             for n, v in values.items()])


def plain(values, precision=None):
    return plain_text(["value", n, number_text(v, precision)] for n, v in values.items())


def tables(values, precision=None):
    from . import terminal as t

    return [t.named_numbers("values", ("output", "value"), values, precision)]
