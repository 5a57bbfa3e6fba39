"""solve: the root (or the point reached), the residuals there, and how the
run ended."""
from . import arrays
from .common import csv_text, field_text, json_number, plain_text, schema, show_for

#: the statistics every form lists after x and the residuals, in this order
STATISTICS = ("residual_norm", "max_residual", "converged", "reason", "iterations",
              "evaluations", "jacobian_evaluations", "condition", "method")


def document(result):
    """adcli.solve/1 (README: adcli solve)."""
    return {
        "schema": schema("solve"),
        "x": arrays.json_arrays(result.x), "shapes": arrays.shapes_of(result.x),
        "residuals": arrays.json_arrays(result.residuals),
        "residual_norm": json_number(result.residual_norm),
        "max_residual": json_number(result.max_residual),
        "start_residual_norm": json_number(result.start_residual_norm),
        "converged": result.converged, "reason": result.reason, "message": result.message,
        "iterations": result.iterations, "evaluations": result.evaluations,
        "jacobian_evaluations": result.jacobian_evaluations,
        "condition": json_number(result.condition), "method": result.method,
        "unknowns": list(result.unknowns), "equations": list(result.equations),
        "least_squares": result.least_squares, "warnings": list(result.warnings),
        "error": None if result.error is None else {"message": result.error.message,
                                                    "node": result.error.node},
    }


def _entries(mapping, precision):
    """(label, text) per entry of each value: x, x[0], A[0,1]."""
    return [(label, text) for name, value in mapping.items()
            for label, text in zip(arrays.labels(name, value), arrays.numbers(value, precision))]


def fields(result, precision=None):
    """(kind, label, text): x and residual entries, then (key, "", text)."""
    return ([("x", label, text) for label, text in _entries(result.x, precision)]
            + [("residual", label, text) for label, text in _entries(result.residuals, precision)]
            + [(key, "", field_text(getattr(result, key), precision)) for key in STATISTICS])


def plain(result, precision=None):
    """x LABEL VALUE, residual LABEL VALUE, then KEY VALUE lines."""
    return plain_text([kind, label, text] if label else [kind, text]
                      for kind, label, text in fields(result, precision))


def csv(result, precision=None):
    """One header row (x[label], residual[label], then the statistics) and
    one row of values."""
    triples = fields(result, precision)
    return csv_text([[f"{kind}[{label}]" if label else kind for kind, label, _ in triples],
                     [text for _, _, text in triples]])


def tables(result, precision=None):
    from . import terminal as t
    from ..layout import records

    verdict = "converged" if result.converged else "NOT converged"
    title = f"root ({result.method}): {verdict}, {result.message}"
    triples = fields(result, precision)
    rows = t.shown(len(triples), t.MAX_ROWS)
    cells = ([f"{triples[k][0]} {triples[k][1]}".strip(), triples[k][2]] for k in t.kept(rows))
    return [records(title, t.filled(rows, cells, 2), notes=t.left_out(rows, len(triples)))]


show = show_for(document, plain, csv, tables)
