"""hessian: the value, gradient and Hessian of one output."""
from .common import (csv_text, json_matrix, json_number, json_numbers, number_text, pick,
                     plain_text, schema, show_for)


def document(result):
    return {"schema": schema("hessian"),
            "output": result.output, "variables": list(result.variables),
            "point": json_numbers(result.point), "value": json_number(result.value),
            "gradient": json_numbers(result.gradient), "hessian": json_matrix(result.matrix)}


def matrix_rows(result, precision=None, rows=None, columns=None):
    """Per variable: its name, gradient component and row of the Hessian
    (the rows and columns at these positions, when given)."""
    return [[name, number_text(result.gradient[name], precision)]
            + [number_text(v, precision) for v in pick(row, columns)]
            for name, row in zip(pick(result.variables, rows), pick(result.matrix, rows))]


def csv(result, precision=None):
    """One row per variable: the gradient's component and the Hessian's row."""
    return csv_text([["variable", "gradient"] + [f"hessian[{name}]" for name in result.variables]]
                    + matrix_rows(result, precision))


def plain(result, precision=None):
    rows = [["value", number_text(result.value, precision)]]
    rows += [["grad", name, number_text(v, precision)] for name, v in result.gradient.items()]
    rows += [["hessian", a, b, number_text(result.matrix[i][j], precision)]
             for i, a in enumerate(result.variables) for j, b in enumerate(result.variables)]
    return plain_text(rows)


def tables(result, precision=None):
    from . import terminal as t

    title = f"{result.output} = {number_text(result.value, precision)}: gradient and Hessian"
    count = len(result.variables)
    rows, columns = t.shown(count, t.MAX_ROWS), t.shown(count, t.MAX_COLUMNS)
    return [t.matrix_table(title, ("", "gradient"), result.variables, rows, columns, count,
                           matrix_rows(result, precision, t.kept(rows), t.kept(columns)))]


show = show_for(document, plain, csv, tables)
