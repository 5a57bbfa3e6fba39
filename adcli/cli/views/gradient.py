"""grad at one point: the value and gradient, and with --trace the tape."""
from .common import (coordinate, csv_text, derivative, json_number, number_text, plain_text,
                     schema, show_for)

TRACE_COLUMNS = ["node", "computes", "value", "partials", "adjoint", "note"]


def document(result, with_trace=False):
    data = {
        "schema": schema("grad"),
        "expression": result.graph.source.strip(),
        "variables": list(result.variables),
        "point": {name: json_number(v) for name, v in result.point.items()},
        "value": json_number(result.value),
        "gradient": {name: json_number(v) for name, v in result.gradient.items()},
    }
    if with_trace:
        source = result.graph.source
        shift = len(source) - len(source.lstrip())  # spans index "expression", stripped
        data["trace"] = [_trace_entry(row, shift) for row in result.trace]
    return data


def _trace_entry(row, shift=0):
    entry = row.as_dict()
    entry["span"] = [entry["span"][0] - shift, entry["span"][1] - shift]
    entry["value"] = json_number(entry["value"])
    entry["adjoint"] = json_number(entry["adjoint"])
    for partial in entry["partials"]:
        partial["value"] = json_number(partial["value"])
    return entry


def plain(result, precision=None, with_trace=False):
    rows = [["value", number_text(result.value, precision)]]
    rows += [["grad", name, number_text(v, precision)] for name, v in result.gradient.items()]
    if with_trace:
        rows += [[], TRACE_COLUMNS] + [trace_cells(row, precision) for row in result.trace]
    return plain_text(rows)


def header(variables):
    """The CSV columns of a gradient: the point, the value, the derivatives
    (one point here, one row per point with --points)."""
    return ([coordinate(name) for name in variables] + ["value"]
            + [derivative(name) for name in variables])


def csv(result, precision=None, with_trace=False):
    if with_trace:
        return csv_text([TRACE_COLUMNS] + [trace_cells(row, precision) for row in result.trace])
    numbers = [*result.point_values, result.value, *result.gradient.values()]
    return csv_text([header(result.variables), [number_text(v, precision) for v in numbers]])


def trace_cells(row, precision=None):
    """One trace row as text cells, shared by plain, csv and the table."""
    partials = " ".join(f"d/d{name}={number_text(v, precision)}" for name, v in row.partials)
    return [row.node, row.computes, number_text(row.value, precision), partials,
            number_text(row.adjoint, precision), "kink" if row.kink else ""]


def tables(result, precision=None, with_trace=False):
    found = [gradient_table(result, precision)]
    if with_trace:
        found.append(trace_table(result, precision))
    return found


def gradient_table(result, precision=None):
    from . import terminal as t
    from ..layout import name, number, table

    names, derivatives = result.variables, list(result.gradient.values())
    rows = t.shown(len(names), t.MAX_ROWS)
    cells = ([f"∂f/∂{names[k]}", number_text(result.point_values[k], precision),
              number_text(derivatives[k], precision)] for k in t.kept(rows))
    return table(f"f = {t.short(result.graph.source)}",
                          [name("", style="bold"), number("at"), number("value / derivative")],
                          [["f", "", number_text(result.value, precision)]]
                          + t.filled(rows, cells, 3),
                          notes=t.left_out(rows, len(names)))


def trace_table(result, precision=None):
    """The tape: one row per node, forward values and backward adjoints."""
    from . import terminal as t
    from ..layout import name, number, prose, table

    kinds = {"node": name, "value": number, "adjoint": number}  # the rest: free text
    columns = [kinds.get(c, prose)(c if c != "partials" else "local partials")
               for c in TRACE_COLUMNS]
    trace = result.trace
    rows = t.shown(len(trace), t.MAX_ROWS)
    cells = []
    for position in t.kept(rows):
        row = trace_cells(trace[position], precision)
        row[3] = row[3].replace(" ", "  ")
        cells.append(row)
    kinks = {k: "yellow" for k in t.kept(rows) if trace[k].kink}
    return table("evaluation trace (forward values, backward adjoints)", columns,
                          t.filled(rows, cells, len(columns)), styles=t.styled(rows, kinks),
                          notes=t.left_out(rows, len(trace)))


show = show_for(document, plain, csv, tables)
