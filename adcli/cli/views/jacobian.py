"""jacobian at one point: the outputs' values and the matrix, or with
--sparsity its structural pattern."""
from .common import (csv_text, derivative, json_matrix, json_numbers, number_text, pick,
                     plain_text, schema, show_for)


def document(result, sparsity=False):
    data = {"schema": schema("jacobian"),
            "outputs": list(result.outputs), "variables": list(result.variables),
            "point": json_numbers(result.point), "values": json_numbers(result.values),
            "jacobian": json_matrix(result.matrix), "mode": result.mode.as_dict()}
    if sparsity:
        data["sparsity"] = result.sparsity()
    return data


def sparsity_cells(result, rows=None, columns=None):
    """One row per output: '*' where the output depends on the variable (the
    outputs and variables at these positions, when given)."""
    pattern = result.sparsity()
    variables = pick(result.variables, columns)
    cells = []
    for name in pick(result.outputs, rows):
        depends = set(pattern[name])  # a row may list 10^4 variables
        cells.append([name] + ["*" if v in depends else "." for v in variables])
    return cells


def matrix_rows(result, precision=None, rows=None, columns=None):
    """Per output: its name, value and row of the Jacobian (the outputs and
    variables at these positions, when given)."""
    return [[name, number_text(result.values[name], precision)]
            + [number_text(v, precision) for v in pick(row, columns)]
            for name, row in zip(pick(result.outputs, rows), pick(result.matrix, rows))]


def records(result, precision=None, sparsity=False):
    """The header and one row per output, for csv and plain: the value and
    the row of the Jacobian (the output's gradient), or where it depends."""
    if sparsity:
        return ([["output"] + [f"depends[{name}]" for name in result.variables]]
                + sparsity_cells(result))
    return ([["output", "value"] + [derivative(name) for name in result.variables]]
            + matrix_rows(result, precision))


def csv(result, precision=None, sparsity=False):
    return csv_text(records(result, precision, sparsity))


def plain(result, precision=None, sparsity=False):
    return plain_text(records(result, precision, sparsity))


def tables(result, precision=None, sparsity=False):
    from . import terminal as t
    from ..layout import matrix, name

    shown_rows = t.shown(len(result.outputs), t.MAX_ROWS)
    columns = t.shown(len(result.variables), t.MAX_COLUMNS)
    if sparsity:
        names = t.with_gap([result.variables[c] for c in t.kept(columns)], columns)
        cells = ([row[0]] + t.with_gap(row[1:], columns)
                 for row in sparsity_cells(result, t.kept(shown_rows), t.kept(columns)))
        return [matrix(
            "sparsity pattern (* where the output depends on the variable)",
            [name("output", style="bold")] + [name(n, justify="center") for n in names],
            t.filled(shown_rows, cells, len(names) + 1),
            numbers=t.numbered(columns), total=len(result.variables),
            notes=t.left_out(shown_rows, len(result.outputs), columns, len(result.variables)))]
    title = (f"Jacobian ({len(result.outputs)} x {len(result.variables)}, "
             f"{result.mode.mode} mode)")
    return [t.matrix_table(title, ("output", "value"), result.variables, shown_rows, columns,
                           len(result.outputs),
                           matrix_rows(result, precision, t.kept(shown_rows), t.kept(columns)))]


show = show_for(document, plain, csv, tables)
