"""explain: how reverse (or forward) mode computes the gradient, step by
step, as sections of tables."""
from .common import csv_text, json_number, json_numbers, number_text, plain_text, present, schema


def show(result, output_format, precision=None, max_rows=None):
    from ...tools.explain import ArrayExplanation

    if isinstance(result, ArrayExplanation):
        show_arrays(result, output_format, precision, max_rows)
        return
    present(output_format,
            document=lambda: document(result),
            plain=lambda: plain(result, precision, max_rows),
            csv=lambda: csv(result, precision),
            tables=lambda: tables(result, precision, max_rows))


def _n(value, precision=None):
    """A number as the explanation writes it (short: it is used in every line)."""
    return number_text(value, precision)


def sections(result, precision=None, max_rows=None):
    """[(title, header, rows, notes)]: the parts of an explanation as tables,
    shared by plain text and rich."""
    steps = result.steps
    limit = max_rows if max_rows is not None else len(steps)
    cut = [f"... {len(steps) - limit} more nodes (raise --max-rows)"] if len(steps) > limit else []
    nodes = [[s.node, s.computes, s.label] for s in steps[:limit]]
    values = [[s.node, _n(s.value, precision), "; ".join(s.notes)] for s in steps[:limit]]
    partials = [[f"d{e.target}/d{e.source}", e.formula, _n(e.partial, precision)]
                for s in steps[:limit] for e in s.inputs]
    sections = [("1. the graph, in evaluation order", ["node", "computes", "name"], nodes, cut),
                ("2. forward pass: values", ["node", "value", "note"], values, cut),
                ("3. local partials", ["partial", "formula", "value"], partials, cut)]
    if result.mode == "forward":
        sections.append(_tangent_section(result, precision, limit, cut))
    else:
        sections.append(_adjoint_section(result, precision, limit, cut))
        sections.append(_paths_section(result, precision, limit))
    return sections


def _adjoint_section(result, precision, limit, cut):
    adjoint_of = {s.node: s.adjoint for s in result.steps}
    rows = []
    for s in list(reversed(result.steps))[:limit]:
        if s.node == result.output:
            rows.append([f"x̄ {s.node}", "1 (the output: df/df)", _n(s.adjoint, precision)])
            continue
        terms = " + ".join(f"x̄ {e.target}·d{e.target}/d{s.node}" for e in s.contributions)
        numbers = " + ".join(f"{_n(adjoint_of[e.target], precision)}·"
                             f"{_n(e.partial, precision)}" for e in s.contributions)
        rows.append([f"x̄ {s.node}", f"{terms} = {numbers}" if terms else "0 (not used)",
                     _n(s.adjoint, precision)])
    return ("4. backward pass: adjoints, in reverse order", ["adjoint", "sum of contributions",
                                                          "value"], rows, cut)


def _tangent_section(result, precision, limit, cut):
    tangent_of = {s.node: s.tangent for s in result.steps}
    rows = []
    for s in result.steps[:limit]:
        if not s.inputs:
            rows.append([f"ẋ {s.node}", f"seed: {'1' if s.tangent else '0'} "
                         f"(d{s.label}/d{result.wrt})", _n(s.tangent, precision)])
            continue
        terms = " + ".join(f"d{s.node}/d{e.source}·ẋ {e.source}" for e in s.inputs)
        numbers = " + ".join(f"{_n(e.partial, precision)}·{_n(tangent_of[e.source], precision)}"
                             for e in s.inputs)
        rows.append([f"ẋ {s.node}", f"{terms} = {numbers}", _n(s.tangent, precision)])
    notes = [f"one forward pass gives d{result.output}/d{result.wrt} = "
             f"{_n(tangent_of[result.output], precision)}; the whole gradient takes "
             f"{result.passes['forward']} forward passes (one per input), reverse mode 1 "
             "(one per output)"] + cut
    return (f"4. forward pass of tangents along {result.wrt}",
            ["tangent", "sum over inputs", "value"], rows, notes)


def _paths_section(result, precision, limit=None):
    from ...tools.explain import MAX_COUNT

    rows, notes = [], []
    for entry in result.paths:
        if entry.count == 0:
            rows.append([entry.variable, "no path: the output does not depend on it", "0"])
            continue
        if entry.unlisted:
            count = f"at least {entry.count}" if entry.count >= MAX_COUNT else entry.count
            notes.append(f"{entry.variable}: {count} path{'s' if entry.count > 1 else ''}, "
                         f"{entry.unlisted}; the adjoint sums above add them up: "
                         f"{_n(entry.total, precision)}")
            continue
        for trail, edges, product in entry.paths:
            factors = " · ".join(f"{e.formula} = {_n(e.partial, precision)}" if e.formula not in
                                 (_n(e.partial), "1") else _n(e.partial, precision) for e in edges)
            rows.append([entry.variable, " -> ".join(trail) + f": {factors}",
                         _n(product, precision)])
        if len(entry.paths) > 1:
            rows.append([entry.variable, f"sum over {len(entry.paths)} paths",
                         _n(entry.total, precision)])
    if limit is not None and len(rows) > limit:
        notes.append(f"... {len(rows) - limit} more path rows (raise --max-rows)")
        rows = rows[:limit]
    return ("chain rule: each input's paths to the output, products of local partials",
            ["input", "path and local partials", "product"], rows, notes)


def plain(result, precision=None, max_rows=None):
    """The expression, the point (x NAME VALUE) and the value; then each
    section after a blank line: its title as a note, its header, its rows."""
    lines = [["expression", result.expression]]
    lines += [["x", name, _n(v, precision)] for name, v in result.point.items()]
    lines.append(["value", _n(result.value, precision)])
    for title, header, rows, notes in sections(result, precision, max_rows):
        lines += [[], [f"# {title}"], header, *rows]
        lines += [[f"# {note}"] for note in notes]
    return plain_text(lines)


def csv(result, precision=None):
    rows = [["node", "computes", "value", "adjoint", "tangent", "note"]]
    rows += [[s.node, s.computes, _n(s.value, precision), _n(s.adjoint, precision),
              "" if s.tangent is None else _n(s.tangent, precision), "; ".join(s.notes)]
             for s in result.steps]
    return csv_text(rows)


def document(result):
    def edge(e):
        return {"from": e.source, "to": e.target, "formula": e.formula,
                "partial": json_number(e.partial)}

    return {
        "schema": schema("explain"),
        "expression": result.expression, "variables": list(result.variables),
        "point": json_numbers(result.point), "output": result.output,
        "value": json_number(result.value), "mode": result.mode, "wrt": result.wrt,
        "passes": result.passes,
        "nodes": [{"node": s.node, "computes": s.computes, "name": s.label,
                   "value": json_number(s.value), "adjoint": json_number(s.adjoint),
                   "tangent": None if s.tangent is None else json_number(s.tangent),
                   "partials": [edge(e) for e in s.inputs],
                   "contributions": [edge(e) for e in s.contributions],
                   "kink": s.kink, "notes": s.notes} for s in result.steps],
        "paths": [{"variable": p.variable, "node": p.node, "count": p.count,
                   "total": json_number(p.total), "unlisted": p.unlisted,
                   "paths": [{"nodes": trail, "partials": [json_number(e.partial) for e in edges],
                              "product": json_number(product)}
                             for trail, edges, product in p.paths]} for p in result.paths],
    }


#: an explain cell longer than this shows its start and end around GAP
MAX_CELL = 1000


def _cell(text, gap):
    """text, its middle left out when longer than MAX_CELL (a path through
    10^5 nodes is one cell: rich would wrap megabytes)."""
    if len(text) <= MAX_CELL:
        return text
    keep = (MAX_CELL - 3) // 2
    return f"{text[:keep]} {gap} {text[-keep:]}"


def tables(result, precision=None, max_rows=None):
    from rich.text import Text

    from . import terminal as t
    from .. import layout

    point = ", ".join(f"{k} = {_n(v, precision)}" for k, v in result.point.items())
    head = f"f = {result.expression} at {point}: value {_n(result.value, precision)}"
    parts = [t.text(_cell(head, t.GAP), style="bold", lines=True)]
    shortened = len(head) > MAX_CELL
    # names of nodes and inputs stay whole, numbers too; any other column is free text
    kinds = {"node": layout.name, "partial": layout.name, "adjoint": layout.name,
             "tangent": layout.name, "input": layout.name, "value": layout.number,
             "product": layout.number}
    for title, header, rows, notes in sections(result, precision, max_rows):
        columns = [kinds.get(c, layout.prose)(c) for c in header]
        shortened = shortened or any(len(cell) > MAX_CELL for row in rows for cell in row)
        parts.append(layout.table(title, columns, [[_cell(c, t.GAP) for c in row] for row in rows],
                                  notes=[t.text(_cell(note, t.GAP), style="dim")
                                         for note in notes]))
    if shortened:
        parts.append(Text(f"cells over {MAX_CELL:,} characters are shortened in the middle "
                          f"({t.GAP}): --format plain or json prints them whole", style="dim"))
    return parts


# --- array graphs ----------------------------------------------------------------------
# The same command on an array graph (tools.explain.ArrayExplanation): per node
# its shape, its value and adjoint summarized (tools.explain.summary), and its
# reverse rule as a matrix formula; then each op's rule in its own letters, and
# the gradient.  plain and csv summarize the arrays as the table does; JSON
# holds them whole (an intermediate of more than MAX_JSON_ENTRIES entries by its
# summary only; the point and the gradient always whole).

#: an intermediate array with more entries is written by its summary in JSON
MAX_JSON_ENTRIES = 10_000

ARRAY_LEGEND = ("a bar marks an adjoint: ȳ (z̄) is d output / d y, y (z) the op's value; "
                "· matrix product, ⊙ elementwise product, ᵀ transpose, ⁻ᵀ inverse transpose; "
                "unbroadcast: summed over the axes broadcasting stretched")


def show_arrays(result, output_format, precision=None, max_rows=None):
    present(output_format,
            document=lambda: array_document(result),
            plain=lambda: array_plain(result, precision, max_rows),
            csv=lambda: array_csv(result, precision),
            tables=lambda: array_tables(result, precision, max_rows))


def array_sections(result, precision=None, max_rows=None):
    """[(title, header, rows, notes)] of an array explanation, shared by plain
    text and the table."""
    from ...tools.explain import bar, shape_text, summary

    steps = result.steps
    limit = max_rows if max_rows is not None else len(steps)

    def cut(count):
        return [f"... {count - limit} more rows (raise --max-rows)"] if count > limit else []

    forward = [[s.node if not s.label or s.computes.startswith("input ") else
                f"{s.node} ({s.label})", s.computes, shape_text(s.shape),
                summary(s.value, precision)] for s in steps]
    notes = [f"{s.node}: {note}" for s in steps for note in s.notes]
    active = [s for s in reversed(steps) if s.adjoint is not None]
    backward = []
    for s in active:
        rule = s.rule if s.node != result.output or s.rule else ""
        if s.node == result.output:
            rule = "seed: 1 (d output / d output)" + (f"; {s.rule}" if s.rule else "")
        elif not s.rule and s.computes.startswith("input "):
            rule = f"the gradient with respect to {s.label}"
        backward.append([bar(s.node), shape_text(s.shape), summary(s.adjoint, precision),
                         rule])
    inactive = [s.node for s in steps if s.adjoint is None]
    backward_notes = cut(len(backward))
    if inactive:
        backward_notes.append(
            f"{len(inactive)} node{'s' if len(inactive) > 1 else ''} "
            f"({', '.join(inactive[:8])}{', ...' if len(inactive) > 8 else ''}) depend on no "
            f"variable of wrt ({', '.join(result.wrt) or 'none'}): no adjoint is formed for them")
    rules = [[r.op, r.computes, "; ".join(r.formulas) or "(no arguments)"]
             for r in result.op_rules]
    gradient = [[name, shape_text(_shape(value)), summary(value, precision)]
                for name, value in result.gradient.items()]
    return [("1. forward pass: the graph in evaluation order", ["node", "computes", "shape",
                                                               "value"],
             forward[:limit], cut(len(forward)) + notes),
            ("2. backward pass, in reverse order: each adjoint and what its rule adds to "
             "its inputs' adjoints", ["adjoint", "shape", "value", "reverse rule"],
             backward[:limit], backward_notes),
            ("3. the reverse rules as matrix formulas", ["op", "computes", "reverse rule"],
             rules[:limit], cut(len(rules)) + [ARRAY_LEGEND]),
            (f"the gradient of {result.output_name} ({result.output})", ["variable", "shape", "gradient"],
             gradient[:limit], cut(len(gradient)))]


def _shape(value):
    import numpy as np
    return np.shape(value)


def array_plain(result, precision=None, max_rows=None):
    """As plain for scalar graphs: the expression, the point (x NAME VALUE),
    the value, then each section after a blank line."""
    from ...tools.explain import summary

    lines = [["expression", result.expression]]
    lines += [["x", name, summary(v, precision)] for name, v in result.point.items()]
    lines.append(["wrt", *result.wrt])
    lines.append(["value", summary(result.value, precision)])
    for title, header, rows, notes in array_sections(result, precision, max_rows):
        lines += [[], [f"# {title}"], header, *rows]
        lines += [[f"# {note}"] for note in notes]
    return plain_text(lines)


def array_csv(result, precision=None):
    """One row per node, the arrays summarized (JSON has them whole)."""
    from ...tools.explain import shape_text, summary

    rows = [["node", "computes", "name", "shape", "value", "adjoint", "rule", "note"]]
    rows += [[s.node, s.computes, s.label, shape_text(s.shape), summary(s.value, precision),
              "" if s.adjoint is None else summary(s.adjoint, precision), s.rule,
              "; ".join(s.notes)] for s in result.steps]
    return csv_text(rows)


def json_array(value):
    """An array as nested lists (a scalar as a number), non-finite entries null."""
    import numpy as np

    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return json_number(array)
    finite = np.isfinite(array)
    if finite.all():
        return array.tolist()
    entries = array.astype(object)
    entries[~finite] = None
    return entries.tolist()


def _json_node_value(value):
    import numpy as np
    return json_array(value) if np.size(value) <= MAX_JSON_ENTRIES else None


def array_document(result):
    from ...tools.explain import summary

    def node(s):
        entry = {"node": s.node, "computes": s.computes, "name": s.label,
                 "shape": list(s.shape), "value": _json_node_value(s.value),
                 "adjoint": None if s.adjoint is None else _json_node_value(s.adjoint),
                 "summary": {"value": summary(s.value),
                             "adjoint": None if s.adjoint is None else summary(s.adjoint)},
                 "rule": s.rule,
                 "rules": [{"from": r.source, "to": r.target, "formula": r.formula,
                            "here": r.here} for r in s.rules],
                 "notes": s.notes}
        return entry

    return {
        "schema": schema("explain.arrays"),
        "expression": result.expression, "variables": list(result.variables),
        "wrt": list(result.wrt),
        "point": {name: json_array(v) for name, v in result.point.items()},
        "output": result.output, "value": json_array(result.value),
        "gradient": {name: json_array(v) for name, v in result.gradient.items()},
        "nodes": [node(s) for s in result.steps],
        "rules": [{"op": r.op, "computes": r.computes, "formulas": r.formulas}
                  for r in result.op_rules],
        "max_json_entries": MAX_JSON_ENTRIES,
    }


def array_tables(result, precision=None, max_rows=None):
    from . import terminal as t
    from .. import layout
    from ...tools.explain import summary

    point = ", ".join(f"{k} = {summary(v, precision)}" for k, v in result.point.items())
    head = (f"f = {result.expression} at {point}: value {summary(result.value, precision)}; "
            f"gradient with respect to {', '.join(result.wrt)}")
    parts = [t.text(_cell(head, t.GAP), style="bold", lines=True)]
    kinds = {"node": layout.name, "adjoint": layout.name, "shape": layout.name,
             "variable": layout.name, "op": layout.name}
    for title, header, rows, notes in array_sections(result, precision, max_rows):
        columns = [kinds.get(c, layout.prose)(c) for c in header]
        parts.append(layout.table(title, columns, [[_cell(c, t.GAP) for c in row] for row in rows],
                                  notes=[t.text(_cell(note, t.GAP), style="dim")
                                         for note in notes]))
    return parts
