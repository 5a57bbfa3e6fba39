"""graph: the computational graph as DOT, Mermaid or JSON text, or as an
image drawn by Graphviz (export builds the text)."""
import click

from .. import export
from ...errors import AdcliError
from ..streams import emit, writing_stdout


def show(result, output_format, max_nodes=None):
    from ...tools.explain import ArrayExplanation

    if isinstance(result, ArrayExplanation):
        show_arrays(result, output_format, max_nodes)
        return
    if output_format == "mermaid":
        emit(export.to_mermaid(result, max_nodes))
    elif output_format == "json":
        emit(export.to_json(result, max_nodes))
    elif output_format == "dot":
        emit(export.to_dot(result, max_nodes))
    else:
        _emit_image(export.to_dot(result, max_nodes), output_format)


def _emit_image(dot, image_format):
    try:
        image = export.render_with_dot(dot, image_format)
    except AdcliError as error:
        raise click.UsageError(str(error)) from None
    with writing_stdout(), click.open_file("-", "wb") as stdout:
        stdout.write(image)
        stdout.flush()


# --- array graphs ---------------------------------------------------------------------
# The same formats for an array explanation (tools.explain.ArrayExplanation):
# each node's label gives its shape and its value and adjoint summarized; an
# edge input -> node is labelled with the node's reverse rule toward that input
# (x̄ += Aᵀ·v̄4), unlabelled when the input is data (no adjoint formed).


def show_arrays(result, output_format, max_nodes=None):
    if output_format == "mermaid":
        emit(array_mermaid(result, max_nodes))
    elif output_format == "json":
        emit(array_json(result, max_nodes))
    elif output_format == "dot":
        emit(array_dot(result, max_nodes))
    else:
        _emit_image(array_dot(result, max_nodes), output_format)


def _array_kept(explanation, max_nodes):
    """(steps shown, number collapsed), as export's: the op nodes nearest the
    output with the inputs they read, at most max_nodes."""
    steps = explanation.steps
    if max_nodes is None or len(steps) <= max_nodes:
        return steps, 0
    is_input = {s.node: not s.op for s in steps}
    kept = set()
    for step in reversed(steps):
        if not step.op:
            continue
        wanted = {step.node} | {a for a in step.arguments if is_input[a]}
        wanted -= kept
        if len(kept) + len(wanted) > max_nodes:
            break
        kept |= wanted
    shown = [s for s in steps if s.node in kept]
    return shown, len(steps) - len(shown)


def _array_edges(steps, collapsed):
    """(source, target, label): label the rule toward source, "" for data;
    edges from collapsed nodes come from one stand-in node, once per target."""
    shown = {s.node for s in steps}
    edges, seen = [], set()
    for step in steps:
        rules = {}
        for rule in step.rules:
            rules.setdefault(rule.source, []).append(rule.here)
        for argument in dict.fromkeys(step.arguments):
            if argument in shown:
                edges.append((argument, step.node, "; ".join(rules.get(argument, []))))
            elif collapsed and step.node not in seen:
                seen.add(step.node)
                edges.append(("collapsed", step.node, ""))
    return edges


def _array_label(step):
    from ...tools.explain import shape_text, summary

    name = f" ({step.label})" if step.label and step.op else ""
    adjoint = "no adjoint (data)" if step.adjoint is None else f"adjoint {summary(step.adjoint)}"
    return (f"{step.node}{name}: {step.computes}\\n{shape_text(step.shape)} "
            f"{summary(step.value)}\\n{adjoint}")


def array_dot(explanation, max_nodes=None):
    steps, collapsed = _array_kept(explanation, max_nodes)
    lines = ["digraph adcli {", "  rankdir=LR;", '  node [fontname="Helvetica"];',
             f'  label="f = {export._escape(explanation.expression)}"; labelloc=t;']
    for step in steps:
        shape = "box" if not step.op else "ellipse"
        style = ', style=filled, fillcolor="#fff3b0"' if step.notes else ""
        if step.node == explanation.output:
            style = ', style=filled, fillcolor="#cde8ff"'
        lines.append(f'  {step.node} [shape={shape}, '
                     f'label="{export._escape(_array_label(step))}"{style}];')
    if collapsed:
        lines.append(f'  collapsed [shape=note, label="{collapsed} earlier nodes collapsed '
                     '(--max-nodes)"];')
    for source, target, rule in _array_edges(steps, collapsed):
        text = f' [label="{export._escape(rule)}"]' if rule else ""
        lines.append(f"  {source} -> {target}{text};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def array_mermaid(explanation, max_nodes=None):
    steps, collapsed = _array_kept(explanation, max_nodes)
    nodes = [(step.node, _array_label(step), bool(step.op)) for step in steps]
    return export.mermaid(nodes, collapsed, list(_array_edges(steps, collapsed)))


def array_json(explanation, max_nodes=None):
    import json

    from ...tools.explain import summary
    from .common import schema

    steps, collapsed = _array_kept(explanation, max_nodes)
    document = {
        "schema": schema("graph.arrays"),
        "expression": explanation.expression, "output": explanation.output,
        "nodes": [{"id": s.node, "computes": s.computes, "name": s.label,
                   "kind": "op" if s.op else "input", "shape": list(s.shape),
                   "value": summary(s.value),
                   "adjoint": None if s.adjoint is None else summary(s.adjoint)}
                  for s in steps],
        "edges": [{"from": source, "to": target, "rule": rule}
                  for source, target, rule in _array_edges(steps, collapsed)],
        "collapsed": collapsed,
    }
    return json.dumps(document, indent=2, allow_nan=False) + "\n"
