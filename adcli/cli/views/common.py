"""What every view shares: number text, JSON numbers, CSV text, and printing
the form a --format asks for.

JSON numbers are full float64 precision (shortest round-trip); a non-finite
number, possible only with --allow-nonfinite, is null.  --precision applies
to table, csv and plain.
"""
import math
import sys

from ...graph import format_number
from ..streams import emit, print_renderables


def number_text(value, precision=None):
    return format_number(float(value), precision)


def json_number(value):
    value = float(value)
    return value if math.isfinite(value) else None


def json_numbers(mapping):
    return {name: json_number(v) for name, v in mapping.items()}


def json_matrix(matrix):
    return [[json_number(v) for v in row] for row in matrix]


def dumps(document):
    import json
    return json.dumps(document, indent=2, allow_nan=False)


def csv_text(rows):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def pick(items, positions):
    """The items at these positions (all of them for None)."""
    return list(items) if positions is None else [items[k] for k in positions]


def resolve_format(output_format):
    """The format asked for; without one, table on a terminal, plain when piped."""
    if output_format:
        return output_format
    return "table" if sys.stdout.isatty() else "plain"


def present(output_format, *, document, tables, **texts):
    """Print one form of a result: document() as JSON, tables() on the
    terminal, or texts[format]() (plain, csv, ...) as it is.  Each form is a
    function of no arguments, so only the one asked for is computed."""
    output_format = resolve_format(output_format)
    if output_format == "json":
        emit(dumps(document()) + "\n")
    elif output_format == "table":
        print_renderables(tables())
    else:
        emit(texts[output_format]())
