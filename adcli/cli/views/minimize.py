"""minimize: the point reached, its value, and how the run ended."""
from .common import csv_text, json_number, json_numbers, number_text, present


def show(result, output_format, precision=None):
    present(output_format,
            document=lambda: document(result),
            plain=lambda: plain(result, precision),
            csv=lambda: csv(result, precision),
            tables=lambda: tables(result, precision))


def document(result):
    data = {"x": json_numbers(result.x), "value": json_number(result.value),
            "converged": result.converged, "reason": result.reason,
            "message": result.message, "iterations": result.iterations,
            "evaluations": result.evaluations,
            "hessian_evaluations": result.hessian_evaluations,
            "gradient_norm": json_number(result.gradient_norm),
            "method": result.method, "variables": list(result.variables),
            "maximize": result.maximize}
    if result.error is not None:
        data["error"] = {"message": result.error.message, "node": result.error.node}
    return data


def fields(result, precision=None):
    """(label, text) pairs shared by plain and table output."""
    return ([(f"x {name}", number_text(v, precision)) for name, v in result.x.items()]
            + [("value", number_text(result.value, precision)),
               ("converged", "true" if result.converged else "false"),
               ("reason", result.reason), ("iterations", str(result.iterations)),
               ("evaluations", str(result.evaluations)),
               ("hessian_evaluations", str(result.hessian_evaluations)),
               ("gradient_norm", number_text(result.gradient_norm, precision)),
               ("method", result.method)])


def plain(result, precision=None):
    return "".join(f"{label} {text}\n" for label, text in fields(result, precision))


def csv(result, precision=None):
    pairs = fields(result, precision)
    return csv_text([[label.replace("x ", "x_") for label, _ in pairs],
                     [text for _, text in pairs]])


def tables(result, precision=None):
    from . import terminal as t

    verdict = "converged" if result.converged else "NOT converged"
    title = (f"{'maximum' if result.maximize else 'minimum'} ({result.method}): "
             f"{verdict}, {result.message}")
    pairs = fields(result, precision)  # x of every variable, then the verdict's
    rows = t.shown(len(pairs), t.MAX_ROWS)
    return [t.layout.records(title, t.filled(rows, (pairs[k] for k in t.kept(rows)), 2),
                             notes=t.left_out(rows, len(pairs)))]
