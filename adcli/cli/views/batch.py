"""grad --points: the value and gradient at every point of a CSV file."""
from .common import csv_text, json_number, number_text, plain_text, schema, show_for
from .gradient import header as gradient_header


def header(result):
    return gradient_header(result.variables)


def table_header(result):
    """The table's headings, as people read them (the table's layout is its own)."""
    return list(result.variables) + ["value"] + [f"grad_{n}" for n in result.variables]


def rows(result, precision=None, points=None, columns=None):
    """Text cells per point: the point, the value, the gradient (only the
    points and columns at these positions, when given: a table's summary)."""
    import numpy as np

    data = list(result.columns)
    data += [result.value] + [result.gradient[name] for name in result.variables]
    if columns is not None:
        data = [data[c] for c in columns]
    if points is not None:
        data = [column[points] for column in data]
    matrix = np.column_stack(data) if data else np.empty((0, 0))
    for row in matrix:
        yield [number_text(v, precision) for v in row]


def csv(result, precision=None):
    return csv_text([header(result)] + list(rows(result, precision)))


def plain(result, precision=None):
    return plain_text([header(result), *rows(result, precision)])


def document(result):
    points = []
    for k in range(len(result.value)):
        points.append({
            "point": {n: json_number(c[k]) for n, c in zip(result.variables, result.columns)},
            "value": json_number(result.value[k]),
            "gradient": {n: json_number(result.gradient[n][k]) for n in result.variables},
        })
    return {"schema": schema("grad.points"),
            "expression": result.graph.source.strip(), "variables": list(result.variables),
            "rows": points,
            "failed_rows": [row + 1 for row in result.failed_rows]}


def tables(result, precision=None):
    from . import terminal as t

    return [t.point_grid(None, table_header(result), len(result.value),
                         lambda points, columns: rows(result, precision, points, columns),
                         result.failed_rows)]


show = show_for(document, plain, csv, tables)
