"""minimize: the point reached, its value, and how the run ended."""
from .common import (coordinate, csv_text, json_number, json_numbers, number_text, plain_text,
                     schema, show_for)


def document(result):
    arrays = _array_module(result)
    data = {"schema": arrays.schema("minimize") if arrays else schema("minimize"),
            "x": arrays.json_arrays(result.x) if arrays else json_numbers(result.x),
            "value": json_number(result.value),
            "converged": result.converged, "reason": result.reason,
            "message": result.message, "iterations": result.iterations,
            "evaluations": result.evaluations,
            "hessian_evaluations": result.hessian_evaluations,
            "gradient_norm": json_number(result.gradient_norm),
            "method": result.method, "variables": list(result.variables),
            "maximize": result.maximize}
    if arrays:
        data["shapes"] = arrays.shapes_of(result.x)
    if result.error is not None:
        data["error"] = {"message": result.error.message, "node": result.error.node}
    return data


def fields(result, precision=None):
    """(key, text) pairs shared by every form but JSON: key is ("x", name)
    for a coordinate of the point, else a name."""
    return (_coordinates(result, precision)
            + [("value", number_text(result.value, precision)),
               ("converged", "true" if result.converged else "false"),
               ("reason", result.reason), ("iterations", str(result.iterations)),
               ("evaluations", str(result.evaluations)),
               ("hessian_evaluations", str(result.hessian_evaluations)),
               ("gradient_norm", number_text(result.gradient_norm, precision)),
               ("method", result.method)])


def _coordinates(result, precision):
    """(("x", label), text) per entry of the point: x[0], A[0,1] on arrays."""
    arrays = _array_module(result)
    if arrays is None:
        return [(("x", name), number_text(v, precision)) for name, v in result.x.items()]
    return [(("x", label), text) for name, value in result.x.items()
            for label, text in zip(arrays.labels(name, value), arrays.numbers(value, precision))]


def _array_module(result):
    """The array views' helpers when the run was on arrays, else None."""
    if getattr(result, "labels", None) is None:
        return None
    from . import arrays
    return arrays


def _cells(key):
    return list(key) if isinstance(key, tuple) else [key]


def plain(result, precision=None):
    """x NAME VALUE for each coordinate, then KEY TEXT lines."""
    return plain_text(_cells(key) + [text] for key, text in fields(result, precision))


def csv(result, precision=None):
    pairs = fields(result, precision)
    return csv_text([[coordinate(key[1]) if isinstance(key, tuple) else key for key, _ in pairs],
                     [text for _, text in pairs]])


def tables(result, precision=None):
    from . import terminal as t
    from ..layout import records

    verdict = "converged" if result.converged else "NOT converged"
    title = (f"{'maximum' if result.maximize else 'minimum'} ({result.method}): "
             f"{verdict}, {result.message}")
    pairs = fields(result, precision)  # x of every variable, then the verdict's
    rows = t.shown(len(pairs), t.MAX_ROWS)
    cells = ([" ".join(_cells(pairs[k][0])), pairs[k][1]] for k in t.kept(rows))
    return [records(title, t.filled(rows, cells, 2), notes=t.left_out(rows, len(pairs)))]


show = show_for(document, plain, csv, tables)
