"""fit: the parameters with their standard errors and 95% intervals, the
fit statistics, and how the run ended (gnuplot's "final set of parameters")."""
from .common import (csv_text, field_text, json_number, number_text, plain_text, schema,
                     show_for)

#: the statistics every form lists after the parameters, in this order
STATISTICS = ("rss", "residual_sd", "dof", "r2", "n", "converged", "reason", "iterations",
              "evaluations", "jacobian_evaluations", "gradient_evaluations",
              "hessian_evaluations", "condition", "method")


def document(result):
    return {
        "schema": schema("fit"),
        "model": result.model.strip(), "response": result.response,
        "params": {n: json_number(v) for n, v in result.params.items()},
        "stderr": {n: json_number(v) for n, v in result.stderr.items()},
        "ci95": {n: [json_number(lo), json_number(hi)] for n, (lo, hi) in result.ci95.items()},
        "t_values": {n: json_number(v) for n, v in result.t_values.items()},
        "correlation": [[json_number(v) for v in row] for row in result.correlation.tolist()],
        "correlation_order": list(result.free),
        "fixed": {n: json_number(v) for n, v in result.fixed.items()},
        "rss": json_number(result.rss), "residual_sd": json_number(result.residual_sd),
        "dof": result.dof, "r2": json_number(result.r2), "n": result.n,
        "converged": result.converged, "reason": result.reason, "message": result.message,
        "iterations": result.iterations, "evaluations": result.evaluations,
        "jacobian_evaluations": result.jacobian_evaluations,
        "gradient_evaluations": result.gradient_evaluations,
        "hessian_evaluations": result.hessian_evaluations,
        "condition": json_number(result.condition), "deficient": list(result.deficient),
        "at_bounds": list(result.at_bounds),
        "method": result.method,
    }


def plain(result, precision=None):
    """param NAME VALUE STDERR per parameter, then KEY VALUE per statistic."""
    rows = [["param", n, number_text(result.params[n], precision),
             number_text(result.stderr[n], precision)] for n in result.names]
    rows += [[key, field_text(getattr(result, key), precision)] for key in STATISTICS]
    if result.deficient:
        rows.append(["deficient", " ".join(result.deficient)])
    if result.at_bounds:
        rows.append(["at_bounds", " ".join(result.at_bounds)])
    return plain_text(rows)


CSV_COLUMNS = ["param", "value", "stderr", "ci95_low", "ci95_high", "t_value", "fixed"]


def csv(result, precision=None):
    """One row per parameter."""
    rows = [CSV_COLUMNS]
    for n in result.names:
        low, high = result.ci95[n]
        t = result.t_values.get(n)
        rows.append([n, number_text(result.params[n], precision),
                     number_text(result.stderr[n], precision), number_text(low, precision),
                     number_text(high, precision),
                     "" if t is None else number_text(t, precision),
                     "true" if n in result.fixed else "false"])
    return csv_text(rows)


def tables(result, precision=None):
    from ..layout import matrix, name, number, records, table

    verdict = "converged" if result.converged else "NOT converged"
    title = f"fit of {result.response} ~ {result.model.strip()}: {verdict}, {result.message}"
    cells, intervals = [], []
    for n in result.names:
        value, error = result.params[n], result.stderr[n]
        low, high = result.ci95[n]
        fixed = n in result.fixed
        relative = f"{abs(error / value) * 100:.3g}%" if value and not fixed else ""
        cells.append([n, number_text(value, precision),
                      "fixed" if fixed else number_text(error, precision), relative])
        if not fixed:
            intervals.append([n, number_text(low, precision), number_text(high, precision),
                              number_text(result.t_values[n], 4)])
    found = [table(title, [name("parameter", style="bold"), number("value"),
                           number("std. error"), number("rel.")], cells),
             table("95% confidence intervals (Student t)",
                   [name("parameter", style="bold"), number("low"), number("high"),
                    number("t value")], intervals)]
    pairs = [(key.replace("_", " "), field_text(getattr(result, key), precision))
             for key in STATISTICS]
    found.append(records("fit statistics", pairs))
    if len(result.free) > 1:
        free = list(result.free)
        rows = [[a] + [number_text(v, 4) for v in row]
                for a, row in zip(free, result.correlation.tolist())]
        found.append(matrix("correlation of the parameters",
                            [name("", style="bold")] + [number(b) for b in free], rows))
    warnings = []
    if result.deficient:
        warnings.append(("rank-deficient in", ", ".join(result.deficient)))
    if result.at_bounds:
        warnings.append(("on a bound (errors as if free)", ", ".join(result.at_bounds)))
    if warnings:
        found.append(records("warning", warnings))
    return found


show = show_for(document, plain, csv, tables)
