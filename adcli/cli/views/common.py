"""What every view shares: number text, JSON numbers, CSV and plain text,
the column names, and printing the form a --format asks for.

The conventions, the same in every command (the README's "Output formats"):

- JSON: one document, its first key "schema" ("adcli.grad/1", ...), which
  changes only when a key changes meaning or goes away.  Numbers are full
  float64 precision (shortest round-trip); a non-finite number, possible
  only with --allow-nonfinite, is null.
- plain: one record per line, its fields separated by one tab (no field
  holds a tab or a newline, except a program's text in explain); a line
  starting with "# " is a note for people; a blank line separates parts.
- CSV: a header row, then one row per record.  A column named after a
  variable or an output always brackets the name (the names are the user's:
  a variable called "value" must not make a second "value" column):
  x[name] a point's coordinate, value[out] an output's value, grad[name] the
  derivative of the row's output, d[out]/d[name] an entry of a Jacobian,
  hessian[name] an entry of the row's Hessian row, depends[name] a sparsity
  mark, forward_error[name] and central_error[name] a difference's error.
- --precision applies to table, csv and plain; JSON is always exact.
"""
import math
import sys

from ...graph import format_number
# streams loads where a form is printed (present): the quick path
# (adcli/cli/quick.py) takes the forms of a view without click


def number_text(value, precision=None):
    return format_number(float(value), precision)


def json_number(value):
    value = float(value)
    return value if math.isfinite(value) else None


def json_numbers(mapping):
    return {name: json_number(v) for name, v in mapping.items()}


def json_matrix(matrix):
    return [[json_number(v) for v in row] for row in matrix]


def schema(name):
    """The "schema" field of a JSON document: its name and version."""
    return f"adcli.{name}/1"


def coordinate(name):
    return f"x[{name}]"


def derivative(name):
    """The column of the derivative of the row's output with respect to name."""
    return f"grad[{name}]"


def value_of(output):
    return f"value[{output}]"


def partial(output, name):
    return f"d[{output}]/d[{name}]"


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


def plain_text(rows):
    """Records, one per line, the fields tab-separated."""
    return "".join("\t".join(map(str, row)) + "\n" for row in rows)


def pick(items, positions):
    """The items at these positions (all of them for None)."""
    return list(items) if positions is None else [items[k] for k in positions]


def resolve_format(output_format):
    """The format asked for; without one, table on a terminal, plain when piped."""
    if output_format:
        return output_format
    return "table" if sys.stdout.isatty() else "plain"


def show_for(document, plain, csv, tables):
    """The show() of a view whose options (keywords) every form takes:
    document(result, **options), the others (result, precision, **options)."""
    def show(result, output_format, precision=None, **options):
        present(output_format,
                document=lambda: document(result, **options),
                plain=lambda: plain(result, precision, **options),
                csv=lambda: csv(result, precision, **options),
                tables=lambda: tables(result, precision, **options))
    return show


def present(output_format, *, document, tables, **texts):
    """Print one form of a result: document() as JSON, tables() on the
    terminal, or texts[format]() (plain, csv, ...) as it is.  Each form is a
    function of no arguments, so only the one asked for is computed."""
    from ..streams import emit, print_renderables

    output_format = resolve_format(output_format)
    if output_format == "json":
        emit(dumps(document()) + "\n")
    elif output_format == "table":
        print_renderables(tables())
    else:
        emit(texts[output_format]())


def field_text(value, precision=None):
    """A result field as plain, csv and table forms show it: true/false, a
    number (shortest exact, or to precision), or the text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_text(value, precision)
    return str(value)
