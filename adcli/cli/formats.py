"""Machine-readable output: json, csv and plain text, as strings.

The schemas are stable and documented in the README.  JSON numbers are
full float64 precision (shortest round-trip); a non-finite number, possible
only with --allow-nonfinite, is null.  --precision applies to csv and plain.
"""
import math

from ..graph import format_number


def number_text(value, precision=None):
    return format_number(float(value), precision)


def _json_number(value):
    value = float(value)
    return value if math.isfinite(value) else None


def dumps(document):
    import json
    return json.dumps(document, indent=2, allow_nan=False)


# --- one point ------------------------------------------------------------------


def gradient_document(result, with_trace=False):
    document = {
        "expression": result.graph.source.strip(),
        "variables": list(result.variables),
        "point": {name: _json_number(v) for name, v in result.point.items()},
        "value": _json_number(result.value),
        "gradient": {name: _json_number(v) for name, v in result.gradient.items()},
    }
    if with_trace:
        source = result.graph.source
        shift = len(source) - len(source.lstrip())  # spans index "expression", stripped
        document["trace"] = [_trace_dict(row, shift) for row in result.trace]
    return document


def _trace_dict(row, shift=0):
    entry = row.as_dict()
    entry["span"] = [entry["span"][0] - shift, entry["span"][1] - shift]
    entry["value"] = _json_number(entry["value"])
    entry["adjoint"] = _json_number(entry["adjoint"])
    for partial in entry["partials"]:
        partial["value"] = _json_number(partial["value"])
    return entry


def gradient_plain(result, precision=None, with_trace=False):
    lines = [f"value {number_text(result.value, precision)}"]
    lines += [f"grad {name} {number_text(v, precision)}" for name, v in result.gradient.items()]
    if with_trace:
        lines.append("")
        lines.append("\t".join(TRACE_COLUMNS))
        lines += ["\t".join(trace_cells(row, precision)) for row in result.trace]
    return "\n".join(lines) + "\n"


def gradient_csv(result, precision=None, with_trace=False):
    if with_trace:
        return _csv_text([TRACE_COLUMNS] + [trace_cells(row, precision) for row in result.trace])
    header = ["value"] + [f"grad_{name}" for name in result.variables]
    row = [result.value] + list(result.gradient.values())
    return _csv_text([header, [number_text(v, precision) for v in row]])


TRACE_COLUMNS = ["node", "computes", "value", "partials", "adjoint", "note"]


def trace_cells(row, precision=None):
    """One trace row as text cells, shared by plain, csv and the table."""
    partials = " ".join(f"d/d{name}={number_text(v, precision)}" for name, v in row.partials)
    return [row.node, row.computes, number_text(row.value, precision), partials,
            number_text(row.adjoint, precision), "kink" if row.kink else ""]


def _csv_text(rows):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


# --- a batch ----------------------------------------------------------------------


def batch_header(result):
    return list(result.variables) + ["value"] + [f"grad_{n}" for n in result.variables]


def batch_rows(result, precision=None, rows=None, columns=None):
    """Text cells per point: the point, the value, the gradient (only the
    rows and columns at these positions, when given: a table's summary)."""
    import numpy as np

    data = list(result.columns)
    data += [result.value] + [result.gradient[name] for name in result.variables]
    if columns is not None:
        data = [data[c] for c in columns]
    if rows is not None:
        data = [column[rows] for column in data]
    matrix = np.column_stack(data) if data else np.empty((0, 0))
    for row in matrix:
        yield [number_text(v, precision) for v in row]


def batch_csv(result, precision=None):
    return _csv_text([batch_header(result)] + list(batch_rows(result, precision)))


def batch_plain(result, precision=None):
    lines = [" ".join(batch_header(result))]
    lines += [" ".join(cells) for cells in batch_rows(result, precision)]
    return "\n".join(lines) + "\n"


def batch_document(result):
    rows = []
    for k in range(len(result.value)):
        rows.append({
            "point": {n: _json_number(c[k]) for n, c in zip(result.variables, result.columns)},
            "value": _json_number(result.value[k]),
            "gradient": {n: _json_number(result.gradient[n][k]) for n in result.variables},
        })
    return {"expression": result.graph.source.strip(), "variables": list(result.variables),
            "rows": rows,
            "failed_rows": [row + 1 for row in result.failed_rows]}


# --- Jacobians, Hessians, products, values ------------------------------------------


def _numbers(mapping):
    return {name: _json_number(v) for name, v in mapping.items()}


def _matrix(matrix):
    return [[_json_number(v) for v in row] for row in matrix]


def jacobian_document(result, sparsity=False):
    document = {"outputs": list(result.outputs), "variables": list(result.variables),
                "point": _numbers(result.point), "values": _numbers(result.values),
                "jacobian": _matrix(result.matrix), "mode": result.mode.as_dict()}
    if sparsity:
        document["sparsity"] = result.sparsity()
    return document


def sparsity_cells(result, rows=None, columns=None):
    """One row per output: '*' where the output depends on the variable (the
    outputs and variables at these positions, when given)."""
    pattern = result.sparsity()
    names = _pick(result.outputs, rows)
    variables = _pick(result.variables, columns)
    rows = []
    for name in names:
        depends = set(pattern[name])  # a row may list 10^4 variables
        rows.append([name] + ["*" if v in depends else "." for v in variables])
    return rows


def _pick(items, positions):
    return list(items) if positions is None else [items[k] for k in positions]


def jacobian_rows(result, precision=None, rows=None, columns=None):
    """Per output: its name, value and row of the Jacobian (the outputs and
    variables at these positions, when given)."""
    return [[name, number_text(result.values[name], precision)]
            + [number_text(v, precision) for v in _pick(row, columns)]
            for name, row in zip(_pick(result.outputs, rows), _pick(result.matrix, rows))]


def jacobian_csv(result, precision=None, sparsity=False):
    if sparsity:
        return _csv_text([["output"] + list(result.variables)] + sparsity_cells(result))
    return _csv_text([["output", "value"] + list(result.variables)]
                     + jacobian_rows(result, precision))


def jacobian_plain(result, precision=None, sparsity=False):
    if sparsity:
        rows = [["output"] + list(result.variables)] + sparsity_cells(result)
    else:
        rows = [["output", "value"] + list(result.variables)] + jacobian_rows(result, precision)
    return "\n".join(" ".join(row) for row in rows) + "\n"


def hessian_document(result):
    return {"output": result.output, "variables": list(result.variables),
            "point": _numbers(result.point), "value": _json_number(result.value),
            "gradient": _numbers(result.gradient), "hessian": _matrix(result.matrix)}


def hessian_rows(result, precision=None, rows=None, columns=None):
    """Per variable: its name, gradient component and row of the Hessian
    (the rows and columns at these positions, when given)."""
    return [[name, number_text(result.gradient[name], precision)]
            + [number_text(v, precision) for v in _pick(row, columns)]
            for name, row in zip(_pick(result.variables, rows), _pick(result.matrix, rows))]


def hessian_csv(result, precision=None):
    return _csv_text([["variable", "gradient"] + list(result.variables)]
                     + hessian_rows(result, precision))


def hessian_plain(result, precision=None):
    lines = [f"value {number_text(result.value, precision)}"]
    lines += [f"grad {name} {number_text(v, precision)}" for name, v in result.gradient.items()]
    lines += [f"hessian {a} {b} {number_text(result.matrix[i][j], precision)}"
              for i, a in enumerate(result.variables) for j, b in enumerate(result.variables)]
    return "\n".join(lines) + "\n"


def product_document(result, kind):
    return {"outputs": list(result.outputs), "variables": list(result.variables),
            "point": _numbers(result.point), "values": _numbers(result.values),
            kind: _numbers(result.product)}


def product_csv(result, precision=None, kind="jvp"):
    keys = "output" if kind == "jvp" else "variable"
    return _csv_text([[keys, kind]] + [[name, number_text(v, precision)]
                                       for name, v in result.product.items()])


def product_plain(result, precision=None, kind="jvp"):
    lines = [f"value {name} {number_text(v, precision)}" for name, v in result.values.items()]
    lines += [f"{kind} {name} {number_text(v, precision)}" for name, v in result.product.items()]
    return "\n".join(lines) + "\n"


def values_document(values, point):
    return {"outputs": list(values), "point": _numbers(point), "values": _numbers(values)}


def values_csv(values, precision=None):
    return _csv_text([["output", "value"]] + [[n, number_text(v, precision)]
                                              for n, v in values.items()])


def values_plain(values, precision=None):
    return "".join(f"value {n} {number_text(v, precision)}\n" for n, v in values.items())


def batch_jacobian_header(result):
    return (list(result.variables) + list(result.outputs)
            + [f"d{o}/d{v}" for o in result.outputs for v in result.variables])


def batch_jacobian_rows(result, precision=None, rows=None, columns=None):
    """Per point: the point, the values, the Jacobian's entries (the points
    and columns at these positions, when given)."""
    for p in range(len(result.values)) if rows is None else rows:
        numbers = ([c[p] for c in result.columns] + list(result.values[p])
                   + list(result.matrices[p].ravel()))
        yield [number_text(v, precision) for v in _pick(numbers, columns)]


def batch_jacobian_document(result, sparsity=False):
    rows = [{"point": {n: _json_number(c[p]) for n, c in zip(result.variables, result.columns)},
             "values": dict(zip(result.outputs, map(_json_number, result.values[p]))),
             "jacobian": _matrix(result.matrices[p])}
            for p in range(len(result.values))]
    document = {"outputs": list(result.outputs), "variables": list(result.variables),
                "rows": rows, "failed_rows": [r + 1 for r in result.failed_rows],
                "mode": result.mode.as_dict()}
    if sparsity:
        document["sparsity"] = result.sparsity()
    return document


def batch_jacobian_csv(result, precision=None, sparsity=False):
    return _csv_text([batch_jacobian_header(result)] + list(batch_jacobian_rows(result, precision)))


def batch_jacobian_plain(result, precision=None, sparsity=False):
    rows = [batch_jacobian_header(result)] + list(batch_jacobian_rows(result, precision))
    return "\n".join(" ".join(row) for row in rows) + "\n"


# --- minimize ---------------------------------------------------------------------


def minimize_document(result):
    document = {"x": _numbers(result.x), "value": _json_number(result.value),
                "converged": result.converged, "reason": result.reason,
                "message": result.message, "iterations": result.iterations,
                "evaluations": result.evaluations,
                "hessian_evaluations": result.hessian_evaluations,
                "gradient_norm": _json_number(result.gradient_norm),
                "method": result.method, "variables": list(result.variables),
                "maximize": result.maximize}
    if result.error is not None:
        document["error"] = {"message": result.error.message, "node": result.error.node}
    return document


def minimize_fields(result, precision=None):
    """(label, text) pairs shared by plain and table output."""
    return ([(f"x {name}", number_text(v, precision)) for name, v in result.x.items()]
            + [("value", number_text(result.value, precision)),
               ("converged", "true" if result.converged else "false"),
               ("reason", result.reason), ("iterations", str(result.iterations)),
               ("evaluations", str(result.evaluations)),
               ("hessian_evaluations", str(result.hessian_evaluations)),
               ("gradient_norm", number_text(result.gradient_norm, precision)),
               ("method", result.method)])


def minimize_plain(result, precision=None):
    return "".join(f"{label} {text}\n" for label, text in minimize_fields(result, precision))


def minimize_csv(result, precision=None):
    fields = minimize_fields(result, precision)
    return _csv_text([[label.replace("x ", "x_") for label, _ in fields],
                      [text for _, text in fields]])


# --- check -----------------------------------------------------------------------------
# A report is a list of (path, outcomes, error): error is the parse error of a
# file that does not parse (its outcomes are then empty).


def error_text(error):
    """A parse error's message with its hint, on one line."""
    return error.message + (f" (hint: {error.hint})" if getattr(error, "hint", None) else "")


def check_counts(report):
    passed = sum(o.passed for _, outcomes, _ in report for o in outcomes)
    failed = sum(not o.passed for _, outcomes, _ in report for o in outcomes)
    return passed, failed + sum(error is not None for _, _, error in report)


def check_summary(report):
    passed, failed = check_counts(report)
    return f"{passed} passed, {failed} failed"


def _location(path, outcome):
    return f"{path}:{outcome.line}:{outcome.column}"


def _error_location(path, error):
    from ..errors import line_and_column

    if error.source is not None and error.start is not None:
        line, column = line_and_column(error.source, error.start)
        return path, line, column
    return path, getattr(error, "line", 1), 1  # InputError: the line of its bad byte


def check_document(report):
    files = []
    for path, outcomes, error in report:
        entry = {"path": path, "checks": [_outcome_dict(o) for o in outcomes]}
        if error is not None:
            _, line, column = _error_location(path, error)
            entry["error"] = {"message": error_text(error), "line": line, "column": column}
        files.append(entry)
    passed, failed = check_counts(report)
    return {"files": files, "passed": passed, "failed": failed}


def _outcome_dict(outcome):
    return {"name": outcome.name, "line": outcome.line, "column": outcome.column,
            "passed": outcome.passed, "output": outcome.output, "message": outcome.message,
            "mismatches": [{"component": m.component, "expected": _json_number(m.expected),
                            "got": _json_number(m.got), "abs_error": _json_number(m.abs_error),
                            "rel_error": _json_number(m.rel_error),
                            "tolerance": m.tolerance, "point": _numbers(m.point)}
                           for m in outcome.mismatches]}


def check_plain(report, precision=None):
    lines = []
    for path, outcomes, error in report:
        if error is not None:
            where = "{}:{}:{}".format(*_error_location(path, error))
            lines.append(f"ERROR {where} {error_text(error)}")
        for outcome in outcomes:
            status = "PASS" if outcome.passed else "FAIL"
            detail = f": {outcome.message}" if not outcome.passed else ""
            lines.append(f"{status} {_location(path, outcome)} {outcome.name}{detail}")
    lines.append(check_summary(report))
    return "\n".join(lines) + "\n"


def check_csv(report, precision=None):
    rows = [["path", "line", "column", "passed", "check", "message"]]
    for path, outcomes, error in report:
        if error is not None:
            _, line, column = _error_location(path, error)
            rows.append([path, line, column, "error", "parse", error_text(error)])
        rows += [[path, o.line, o.column, str(o.passed).lower(), o.name, o.message]
                 for o in outcomes]
    return _csv_text(rows)


def check_github(report, precision=None):
    """GitHub Actions workflow commands: an ::error line per failure."""
    lines = []
    for path, outcomes, error in report:
        if error is not None:
            _, line, column = _error_location(path, error)
            lines.append(_annotation(path, line, column, f"does not parse: {error_text(error)}"))
        lines += [_annotation(path, o.line, o.column, f"{o.name}: {o.message}")
                  for o in outcomes if not o.passed]
    lines.append(f"::notice title=adcli check::{_escape_data(check_summary(report))}")
    return "\n".join(lines) + "\n"


def _annotation(path, line, column, message):
    properties = f"file={_escape_property(path)},line={line},col={column},title=adcli check"
    return f"::error {properties}::{_escape_data(message)}"


def _escape_data(text):
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text):
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def check_tap(report, precision=None):
    """Test Anything Protocol, version 13."""
    items = []
    for path, outcomes, error in report:
        if error is not None:
            items.append((False, f"{path} parses", [f"message: {_yaml(error_text(error))}"]))
        for o in outcomes:
            items.append((o.passed, f"{_location(path, o)} {o.name}",
                          [] if o.passed else [f"message: {_yaml(o.message)}",
                                               f"at: {_yaml(_location(path, o))}"]))
    lines = ["TAP version 13", f"1..{len(items)}"]
    for number, (passed, name, details) in enumerate(items, start=1):
        lines.append(f"{'ok' if passed else 'not ok'} {number} - {name.replace('#', '%23')}")
        if details:
            lines += ["  ---"] + [f"  {d}" for d in details] + ["  ..."]
    lines.append(f"# {check_summary(report)}")
    return "\n".join(lines) + "\n"


def _yaml(text):
    import json
    return json.dumps(text)  # a JSON string is a valid YAML scalar


def check_junit(report, precision=None):
    """JUnit XML in the xunit2 schema pytest writes: a testsuite per file, a
    testcase per check (its location in the failure text: the schema has no
    file or line on a testcase).  Valid XML 1.0 whatever the files hold:
    characters XML forbids are escaped (errors.visible)."""
    import xml.etree.ElementTree as ET

    from ..errors import visible

    def element(parent, tag, text=None, **attributes):
        node = ET.SubElement(parent, tag, {k: visible(v, lines=True)
                                           for k, v in attributes.items()})
        if text is not None:
            node.text = visible(text, lines=True)
        return node

    passed, failed = check_counts(report)
    errors = sum(error is not None for _, _, error in report)
    root = ET.Element("testsuites", name="adcli check", tests=str(passed + failed),
                      failures=str(failed - errors), errors=str(errors))
    for path, outcomes, error in report:
        suite = element(root, "testsuite", name=path,
                        tests=str(len(outcomes) + (error is not None)),
                        failures=str(sum(not o.passed for o in outcomes)),
                        errors=str(int(error is not None)))
        if error is not None:
            case = element(suite, "testcase", name="parses", classname=path)
            element(case, "error", str(error), message=error_text(error))
        for o in outcomes:
            case = element(suite, "testcase", name=o.name, classname=path)
            if not o.passed:
                element(case, "failure", f"{_location(path, o)}\n"
                        + "\n".join(m.describe() for m in o.mismatches), message=o.message)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- compare ------------------------------------------------------------------------


def compare_document(result):
    return {"output": result.output, "variables": list(result.variables),
            "point": _numbers(result.point), "value": _json_number(result.value),
            "methods": [{"method": m.name,
                         "gradient": None if m.gradient is None else
                         dict(zip(result.variables, map(_json_number, m.gradient))),
                         "max_difference_from_reverse": _json_number(
                             result.differences(m.name)) if m.gradient is not None else None,
                         "evaluations": m.evaluations, "note": m.note}
                        for m in result.methods]}


def compare_rows(result, precision=None):
    rows = []
    for m in result.methods:
        numbers = (["-"] * len(result.variables) if m.gradient is None
                   else [number_text(v, precision) for v in m.gradient])
        difference = result.differences(m.name)
        rows.append([m.name] + numbers
                    + ["-" if difference is None else f"{difference:.2g}", m.evaluations, m.note])
    return rows


def compare_header(result):
    return (["method"] + [f"d/d{v}" for v in result.variables]
            + ["max |diff| vs reverse", "cost", "note"])


def compare_csv(result, precision=None):
    return _csv_text([compare_header(result)] + compare_rows(result, precision))


def compare_plain(result, precision=None):
    return "\n".join("\t".join(row) for row in
                     [compare_header(result)] + compare_rows(result, precision)) + "\n"


def sweep_document(result):
    return {"variables": list(result.variables), "point": _numbers(result.point),
            "steps": list(result.steps), "ad_gradient": dict(zip(result.variables, result.exact)),
            "forward_error": dict(zip(result.variables, result.forward_error)),
            "central_error": dict(zip(result.variables, result.central_error))}


def sweep_rows(result):
    rows = []
    for k, h in enumerate(result.steps):
        row = [f"{h:.0e}"]
        for forward_row, central_row in zip(result.forward_error, result.central_error):
            row += [f"{forward_row[k]:.2e}", f"{central_row[k]:.2e}"]
        rows.append(row)
    return rows


def sweep_header(result):
    return ["step"] + [f"{kind} d/d{v}" for v in result.variables
                       for kind in ("forward", "central")]


def sweep_csv(result, precision=None):
    return _csv_text([sweep_header(result)] + sweep_rows(result))


def sweep_plain(result, precision=None):
    best = result.best(result.central_error)
    lines = ["\t".join(sweep_header(result))] + ["\t".join(r) for r in sweep_rows(result)]
    lines += [f"# best central step for d/d{v}: {h:.0e} (error {e:.2e}); AD error: 0 "
              "(exact to rounding)" for v, (h, e) in zip(result.variables, best)]
    return "\n".join(lines) + "\n"


# --- explain -----------------------------------------------------------------------------


def _n(value, precision=None):
    return number_text(value, precision)


def explain_sections(result, precision=None, max_rows=None):
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
    from ..tools.explain import MAX_COUNT

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


def explain_plain(result, precision=None, max_rows=None):
    lines = [f"f = {result.expression}", "at " + ", ".join(
        f"{k} = {_n(v, precision)}" for k, v in result.point.items()),
        f"value {_n(result.value, precision)}"]
    for title, header, rows, notes in explain_sections(result, precision, max_rows):
        lines += ["", title, "\t".join(header)] + ["\t".join(r) for r in rows]
        lines += [f"# {note}" for note in notes]
    return "\n".join(lines) + "\n"


def explain_csv(result, precision=None, max_rows=None):
    rows = [["node", "computes", "value", "adjoint", "tangent", "note"]]
    rows += [[s.node, s.computes, _n(s.value, precision), _n(s.adjoint, precision),
              "" if s.tangent is None else _n(s.tangent, precision), "; ".join(s.notes)]
             for s in result.steps]
    return _csv_text(rows)


def explain_document(result, max_rows=None):
    def edge(e):
        return {"from": e.source, "to": e.target, "formula": e.formula,
                "partial": _json_number(e.partial)}

    return {
        "expression": result.expression, "variables": list(result.variables),
        "point": _numbers(result.point), "output": result.output,
        "value": _json_number(result.value), "mode": result.mode, "wrt": result.wrt,
        "passes": result.passes,
        "nodes": [{"node": s.node, "computes": s.computes, "name": s.label,
                   "value": _json_number(s.value), "adjoint": _json_number(s.adjoint),
                   "tangent": None if s.tangent is None else _json_number(s.tangent),
                   "partials": [edge(e) for e in s.inputs],
                   "contributions": [edge(e) for e in s.contributions],
                   "kink": s.kink, "notes": s.notes} for s in result.steps],
        "paths": [{"variable": p.variable, "node": p.node, "count": p.count,
                   "total": _json_number(p.total), "unlisted": p.unlisted,
                   "paths": [{"nodes": trail, "partials": [_json_number(e.partial) for e in edges],
                              "product": _json_number(product)}
                             for trail, edges, product in p.paths]} for p in result.paths],
    }
