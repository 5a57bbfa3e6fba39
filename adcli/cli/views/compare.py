"""compare: the gradient four ways side by side; with --sweep, the
finite-difference error against the step."""
from .common import (csv_text, derivative, json_number, json_numbers, number_text, plain_text,
                     present, schema, show_for)


def document(result):
    from ...tools.compare import ArrayComparison

    if isinstance(result, ArrayComparison):
        return array_document(result)
    return {"schema": schema("compare"), "output": result.output,
            "variables": list(result.variables),
            "point": json_numbers(result.point), "value": json_number(result.value),
            "methods": [{"method": m.name,
                         "gradient": None if m.gradient is None else
                         dict(zip(result.variables, map(json_number, m.gradient))),
                         "max_difference_from_reverse": json_number(
                             result.differences(m.name)) if m.gradient is not None else None,
                         "evaluations": m.evaluations, "note": m.note}
                        for m in result.methods]}


def rows(result, precision=None):
    found = []
    for m in result.methods:
        numbers = (["-"] * len(result.variables) if m.gradient is None
                   else [number_text(v, precision) for v in m.gradient])
        difference = result.differences(m.name)
        found.append([m.name] + numbers
                     + ["-" if difference is None else f"{difference:.2g}", m.evaluations,
                        m.note])
    return found


def header(result):
    """csv and plain name the columns as the JSON keys (no spaces); the
    table as people read them (table_header)."""
    return (["method"] + [derivative(v) for v in result.variables]
            + ["max_difference_from_reverse", "cost", "note"])


def table_header(result):
    return (["method"] + [f"d/d{v}" for v in result.variables]
            + ["max |diff| vs reverse", "cost", "note"])


def csv(result, precision=None):
    return csv_text([header(result)] + rows(result, precision))


def plain(result, precision=None):
    notes = [[f"# {result.note}"]] if getattr(result, "note", "") else []
    return plain_text([header(result), *rows(result, precision), *notes])


def tables(result, precision=None):
    from . import terminal as t
    from ..layout import name, number, prose, table

    titles = table_header(result)
    columns = t.middle_shown(len(titles), 1, 3)
    # the method, the cost and the note in words; the rest are numbers
    kinds = {0: name, len(titles) - 2: prose, len(titles) - 1: prose}
    laid_out = [number(t.GAP) if k is None else kinds.get(k, number)(titles[k]) for k in columns]
    cells = [t.with_gap([row[k] for k in t.kept(columns)], columns)
             for row in rows(result, precision)]
    notes = t.left_out([], 0, columns, len(titles))
    if getattr(result, "note", ""):
        notes = [t.text(result.note, style="dim")] + notes
    return [table(f"the gradient of {result.output} four ways", laid_out, cells, notes=notes)]


show = show_for(document, plain, csv, tables)


def array_document(result):
    """An array graph's comparison: the entries compared by label (x[0],
    A[0,1]), each method's numbers in that order; the point whole."""
    from .explain import json_array

    return {"schema": schema("compare.arrays"), "output": result.output,
            "wrt": list(result.wrt),
            "shapes": {name: list(shape) for name, shape in result.shapes.items()},
            "point": {name: json_array(v) for name, v in result.point.items()},
            "value": json_number(result.value),
            "entries": result.entries, "compared": list(result.variables),
            "positions": result.compared, "note": result.note,
            "methods": [{"method": m.name,
                         "gradient": None if m.gradient is None else
                         [json_number(v) for v in m.gradient],
                         "max_difference_from_reverse": json_number(
                             result.differences(m.name)) if m.gradient is not None else None,
                         "evaluations": m.evaluations, "note": m.note}
                        for m in result.methods]}


# --- --sweep ------------------------------------------------------------------------------


def show_sweep(result, output_format, precision=None):
    present(output_format,
            document=lambda: sweep_document(result),
            plain=lambda: sweep_plain(result),
            csv=lambda: sweep_csv(result),
            tables=lambda: sweep_tables(result))


def sweep_document(result):
    from ...tools.compare import ArraySweep

    if isinstance(result, ArraySweep):
        from .explain import json_array
        return {"schema": schema("compare.sweep.arrays"), "wrt": list(result.wrt),
                "point": {name: json_array(v) for name, v in result.point.items()},
                "entries": result.entries, "swept": list(result.variables),
                "positions": result.compared, "note": result.note,
                "steps": list(result.steps),
                "ad_gradient": dict(zip(result.variables, result.exact)),
                "forward_error": dict(zip(result.variables, result.forward_error)),
                "central_error": dict(zip(result.variables, result.central_error))}
    return {"schema": schema("compare.sweep"),
            "variables": list(result.variables), "point": json_numbers(result.point),
            "steps": list(result.steps), "ad_gradient": dict(zip(result.variables, result.exact)),
            "forward_error": dict(zip(result.variables, result.forward_error)),
            "central_error": dict(zip(result.variables, result.central_error))}


def sweep_rows(result):
    found = []
    for k, h in enumerate(result.steps):
        row = [f"{h:.0e}"]
        for forward_row, central_row in zip(result.forward_error, result.central_error):
            row += [f"{forward_row[k]:.2e}", f"{central_row[k]:.2e}"]
        found.append(row)
    return found


def sweep_header(result):
    return ["step"] + [f"{kind}_error[{v}]" for v in result.variables
                       for kind in ("forward", "central")]


def sweep_table_header(result):
    return ["step"] + [f"{kind} d/d{v}" for v in result.variables
                       for kind in ("forward", "central")]


def sweep_csv(result):
    return csv_text([sweep_header(result)] + sweep_rows(result))


def sweep_plain(result):
    best = result.best(result.central_error)
    notes = [[f"# best central step for d/d{v}: {h:.0e} (error {e:.2e}); AD error: 0 "
              "(exact to rounding)"] for v, (h, e) in zip(result.variables, best)]
    if getattr(result, "note", ""):
        notes.append([f"# {result.note}"])
    return plain_text([sweep_header(result), *sweep_rows(result), *notes])


def sweep_tables(result):
    from rich.text import Text

    from . import terminal as t
    from ..layout import number, table

    titles = sweep_table_header(result)
    columns = t.middle_shown(len(titles), 1, 0)
    shown_titles = t.with_gap([titles[k] for k in t.kept(columns)], columns)
    cells = [t.with_gap([row[k] for k in t.kept(columns)], columns) for row in sweep_rows(result)]
    best = result.best(result.central_error)
    notes = [Text(t.GAP, style="dim") if k is None else
             t.text(f"best central step for d/d{result.variables[k]}: {best[k][0]:.0e} "
                    f"(error {best[k][1]:.2e}); AD: exact to rounding, no step", style="dim")
             for k in t.shown(len(result.variables), t.MAX_ROWS)]
    return [table("finite-difference error |difference - AD| against step",
                           [number(title) for title in shown_titles], cells,
                           notes=t.left_out([], 0, columns, len(titles)) + notes)]
