"""The computational graph as Graphviz DOT, Mermaid or JSON (adcli graph):
one node per tape node with its operation, value and adjoint; one edge per
input with the local partial as its label.  A shared subexpression is one
node with several outgoing edges."""
import json

from ..graph import format_number
from .views.common import schema


def _short(value):
    return format_number(value, 6)


def _kept(explanation, max_nodes):
    """(steps shown, number collapsed): the op nodes nearest the output, with
    the inputs they read, as many as max_nodes allows."""
    steps = explanation.steps
    if max_nodes is None or len(steps) <= max_nodes:
        return steps, 0
    is_input = {s.node: not s.inputs for s in steps}
    kept = set()
    for step in reversed(steps):
        if not step.inputs:
            continue
        wanted = {step.node} | {e.source for e in step.inputs if is_input[e.source]}
        wanted -= kept  # the new nodes only: kept | wanted would copy kept each time
        if len(kept) + len(wanted) > max_nodes:
            break
        kept |= wanted
    shown = [s for s in steps if s.node in kept]
    return shown, len(steps) - len(shown)


def _edges(steps, collapsed):
    """Edges between shown nodes; edges from collapsed nodes come from one
    stand-in node, "collapsed"."""
    shown = {s.node for s in steps}
    edges = []
    for step in steps:
        for edge in step.inputs:
            source = edge.source if edge.source in shown else "collapsed"
            edges.append((source, step.node, edge))
    if collapsed:  # one edge per target from the stand-in is enough
        seen = set()
        edges = [e for e in edges if e[0] != "collapsed" or not (e[1] in seen or seen.add(e[1]))]
    return edges


def _label(step):
    name = f" ({step.label})" if step.label and step.inputs else ""  # a program's name
    return (f"{step.node}{name}: {step.computes}\\nvalue {_short(step.value)}\\n"
            f"adjoint {_short(step.adjoint)}")


def to_dot(explanation, max_nodes=None):
    steps, collapsed = _kept(explanation, max_nodes)
    lines = ["digraph adcli {", "  rankdir=LR;", '  node [fontname="Helvetica"];',
             f'  label="f = {_escape(explanation.expression)}"; labelloc=t;']
    for step in steps:
        shape = "box" if not step.inputs else "ellipse"
        style = ', style=filled, fillcolor="#fff3b0"' if step.kink or step.notes else ""
        if step.node == explanation.output:
            style = ', style=filled, fillcolor="#cde8ff"'
        lines.append(f'  {step.node} [shape={shape}, label="{_escape(_label(step))}"{style}];')
    if collapsed:
        lines.append(f'  collapsed [shape=note, label="{collapsed} earlier nodes collapsed '
                     '(--max-nodes)"];')
    for source, target, edge in _edges(steps, collapsed):
        text = "" if source == "collapsed" else f' [label="{_escape(_short(edge.partial))}"]'
        lines.append(f"  {source} -> {target}{text};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text):
    """Text inside a DOT string: backslashes and quotes escaped; the label's
    own line breaks (\\n, written by _label) kept."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n")


def to_mermaid(explanation, max_nodes=None):
    steps, collapsed = _kept(explanation, max_nodes)
    nodes = [(step.node, _label(step), bool(step.inputs)) for step in steps]
    edges = [(source, target, None if source == "collapsed" else _short(edge.partial))
             for source, target, edge in _edges(steps, collapsed)]
    return mermaid(nodes, collapsed, edges)


def mermaid(nodes, collapsed, edges):
    """A Mermaid flowchart: nodes (id, label with \\n breaks, is an op: a
    rounded box), the count of collapsed nodes, edges (source, target, the
    text on the arrow or None)."""
    lines = ["flowchart LR"]
    for node, label, is_op in nodes:
        label = label.replace("\\n", "<br/>").replace('"', "#quot;")
        shape = ('("', '")') if is_op else ('["', '"]')
        lines.append(f"  {node}{shape[0]}{label}{shape[1]}")
    if collapsed:
        lines.append(f'  collapsed["{collapsed} earlier nodes collapsed (--max-nodes)"]')
    for source, target, text in edges:
        arrow = f'-- "{text.replace(chr(34), "#quot;")}" -->' if text else "-->"
        lines.append(f"  {source} {arrow} {target}")
    return "\n".join(lines) + "\n"


def to_json(explanation, max_nodes=None):
    steps, collapsed = _kept(explanation, max_nodes)
    document = {
        "schema": schema("graph"),
        "expression": explanation.expression, "output": explanation.output,
        "nodes": [{"id": s.node, "computes": s.computes, "name": s.label,
                   "kind": "op" if s.inputs else "input", "value": _finite(s.value),
                   "adjoint": _finite(s.adjoint), "kink": s.kink} for s in steps],
        "edges": [{"from": source, "to": target, "formula": edge.formula,
                   "partial": _finite(edge.partial)}
                  for source, target, edge in _edges(steps, collapsed)],
        "collapsed": collapsed,
    }
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def _finite(value):
    import math
    return value if math.isfinite(value) else None


def render_with_dot(dot_text, image_format):
    """Graphviz's dot turns DOT text into svg or png bytes; AdcliError when it
    is not installed."""
    import shutil
    import subprocess

    from ..errors import AdcliError

    program = shutil.which("dot")
    if program is None:
        raise AdcliError(f"--format {image_format} needs Graphviz's dot on the PATH "
                         "(apt-get install graphviz, brew install graphviz); "
                         "--format dot prints the DOT text, which needs nothing")
    done = subprocess.run([program, f"-T{image_format}"], input=dot_text.encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise AdcliError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
