"""Machine-readable output: json, csv and plain text, as strings.

The schemas are stable and documented in the README.  JSON numbers are
full float64 precision (shortest round-trip); a non-finite number, possible
only with --allow-nonfinite, is null.  --precision applies to csv and plain.
"""
import math

from .graph import format_number


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
        document["trace"] = [_trace_dict(row) for row in result.trace]
    return document


def _trace_dict(row):
    entry = row.as_dict()
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


def batch_rows(result, precision=None):
    """Text cells per point: the point, the value, the gradient."""
    import numpy as np

    columns = list(result.columns)
    columns += [result.value] + [result.gradient[name] for name in result.variables]
    matrix = np.column_stack(columns) if columns else np.empty((0, 0))
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


def sparsity_cells(result):
    """One row per output: '*' where the output depends on the variable."""
    pattern = result.sparsity()
    return [[name] + ["*" if v in pattern[name] else "." for v in result.variables]
            for name in result.outputs]


def jacobian_rows(result, precision=None):
    return [[name, number_text(result.values[name], precision)]
            + [number_text(v, precision) for v in row]
            for name, row in zip(result.outputs, result.matrix)]


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


def hessian_rows(result, precision=None):
    return [[name, number_text(result.gradient[name], precision)]
            + [number_text(v, precision) for v in row]
            for name, row in zip(result.variables, result.matrix)]


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


def batch_jacobian_rows(result, precision=None):
    for p in range(len(result.values)):
        numbers = ([c[p] for c in result.columns] + list(result.values[p])
                   + list(result.matrices[p].ravel()))
        yield [number_text(v, precision) for v in numbers]


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
