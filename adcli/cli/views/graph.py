"""graph: the computational graph as DOT, Mermaid or JSON text, or as an
image drawn by Graphviz (export builds the text)."""
import click

from .. import export
from ...errors import AdcliError
from ..streams import emit, writing_stdout


def show(result, output_format, max_nodes=None):
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
