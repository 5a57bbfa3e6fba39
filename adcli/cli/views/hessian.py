"""hessian: the value, gradient and Hessian of one output, or with
--sparsity its structural pattern and colouring."""
from .common import (csv_text, json_matrix, json_number, json_numbers, number_text, pick,
                     plain_text, schema, show_for)


def document(result, sparsity=False):
    data = {"schema": schema("hessian"),
            "output": result.output, "variables": list(result.variables),
            "point": json_numbers(result.point), "value": json_number(result.value),
            "gradient": json_numbers(result.gradient), "hessian": json_matrix(result.matrix)}
    if sparsity:
        data["sparsity"] = result.sparsity()
    return data


def pattern_records(result):
    """The header and one row per variable: its colour and the variables its
    row of the Hessian may have nonzero (space-separated)."""
    pattern = result.sparsity()
    return ([["variable", "colour", "nonzero"]]
            + [[name, str(pattern["colour"].get(name, "-")), " ".join(row)]
               for name, row in pattern["rows"].items()])


def pattern_summary(result):
    pattern = result.sparsity()
    count = len(result.variables)
    colours = ("too dense to colour" if pattern["colours"] is None
               else f"{pattern['colours']} colours (product sweeps) for {count} variables")
    return f"{pattern['nonzeros']} structural nonzeros of {count * count}; {colours}"


def matrix_rows(result, precision=None, rows=None, columns=None):
    """Per variable: its name, gradient component and row of the Hessian
    (the rows and columns at these positions, when given)."""
    return [[name, number_text(result.gradient[name], precision)]
            + [number_text(v, precision) for v in pick(row, columns)]
            for name, row in zip(pick(result.variables, rows), pick(result.matrix, rows))]


def csv(result, precision=None, sparsity=False):
    """One row per variable: the gradient's component and the Hessian's row
    (with sparsity: its colour and nonzero columns)."""
    if sparsity:
        return csv_text(pattern_records(result))
    return csv_text([["variable", "gradient"] + [f"hessian[{name}]" for name in result.variables]]
                    + matrix_rows(result, precision))


def plain(result, precision=None, sparsity=False):
    if sparsity:
        pattern = result.sparsity()
        colours = "-" if pattern["colours"] is None else str(pattern["colours"])
        rows = [["colours", colours], ["nonzeros", str(pattern["nonzeros"])]]
        rows += [["row", name, *row] for name, row in pattern["rows"].items()]
        return plain_text(rows)
    rows = [["value", number_text(result.value, precision)]]
    rows += [["grad", name, number_text(v, precision)] for name, v in result.gradient.items()]
    rows += [["hessian", a, b, number_text(result.matrix[i][j], precision)]
             for i, a in enumerate(result.variables) for j, b in enumerate(result.variables)]
    return plain_text(rows)


def tables(result, precision=None, sparsity=False):
    from . import terminal as t

    if sparsity:
        from ..layout import name, prose, table
        records = pattern_records(result)
        positions = t.shown(len(records) - 1, t.MAX_ROWS)
        rows = t.filled(positions, [records[1 + p] for p in t.kept(positions)], 3)
        return [table(f"Hessian sparsity pattern: {pattern_summary(result)}",
                      [name("variable", style="bold"), name("colour", justify="right"),
                       prose("nonzero columns")], rows,
                      notes=t.left_out(positions, len(records) - 1))]

    title = f"{result.output} = {number_text(result.value, precision)}: gradient and Hessian"
    count = len(result.variables)
    rows, columns = t.shown(count, t.MAX_ROWS), t.shown(count, t.MAX_COLUMNS)
    return [t.matrix_table(title, ("", "gradient"), result.variables, rows, columns, count,
                           matrix_rows(result, precision, t.kept(rows), t.kept(columns)))]


show = show_for(document, plain, csv, tables)
