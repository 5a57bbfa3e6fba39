"""jacobian --points: the values and the Jacobian at every point."""
from .common import (coordinate, csv_text, json_matrix, json_number, number_text, partial,
                     pick, plain_text, present, schema, value_of)
from ...graph import count_text


def show(result, output_format, precision=None, sparsity=False):
    present(output_format,
            document=lambda: document(result, sparsity),
            plain=lambda: plain(result, precision),
            csv=lambda: csv(result, precision),
            tables=lambda: tables(result, precision))


def header(result):
    return ([coordinate(name) for name in result.variables]
            + [value_of(output) for output in result.outputs]
            + [partial(o, v) for o in result.outputs for v in result.variables])


def table_header(result):
    """The table's headings, as people read them (the table's layout is its own)."""
    return (list(result.variables) + list(result.outputs)
            + [f"d{o}/d{v}" for o in result.outputs for v in result.variables])


def rows(result, precision=None, points=None, columns=None):
    """Per point: the point, the values, the Jacobian's entries (the points
    and columns at these positions, when given)."""
    for p in range(len(result.values)) if points is None else points:
        numbers = ([c[p] for c in result.columns] + list(result.values[p])
                   + list(result.matrices[p].ravel()))
        yield [number_text(v, precision) for v in pick(numbers, columns)]


def document(result, sparsity=False):
    points = [{"point": {n: json_number(c[p]) for n, c in zip(result.variables, result.columns)},
               "values": dict(zip(result.outputs, map(json_number, result.values[p]))),
               "jacobian": json_matrix(result.matrices[p])}
              for p in range(len(result.values))]
    data = {"schema": schema("jacobian.points"),
            "outputs": list(result.outputs), "variables": list(result.variables),
            "rows": points, "failed_rows": [r + 1 for r in result.failed_rows],
            "mode": result.mode.as_dict()}
    if sparsity:
        data["sparsity"] = result.sparsity()
    return data


def csv(result, precision=None):
    return csv_text([header(result)] + list(rows(result, precision)))


def plain(result, precision=None):
    return plain_text([header(result), *rows(result, precision)])


def tables(result, precision=None):
    from . import terminal as t

    title = (f"Jacobians at {count_text(len(result.values), 'point')} "
             f"({result.mode.mode} mode)")
    return [t.point_grid(title, table_header(result), len(result.values),
                         lambda points, columns: rows(result, precision, points, columns),
                         result.failed_rows)]
