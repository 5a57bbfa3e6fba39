"""stdout and stderr: data on one, diagnostics on the other, and what to do
when stdout cannot be written."""
import contextlib
import os
import sys

from .. import files
from ..errors import visible


def say(text):
    """A diagnostic on stderr, user text in it escaped (errors.visible)."""
    import click  # here, not above: the quick path (quick.py) imports this module, not click

    click.echo(visible(text, lines=True), err=True)


def emit(text):
    """Data on stdout.  Every format writes user text with control characters
    escaped (JSON as \\u001b by json itself), piped or not."""
    import click

    with writing_stdout():
        click.echo(visible(text, lines=True), nl=False)


@contextlib.contextmanager
def writing_stdout():
    """A stdout that cannot be written (a full disk, /dev/full) is a clear
    error (exit 1), not an internal one."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        silence_stdout()
        raise files.cannot_write("standard output", error) from None


def silence_stdout():
    """Point stdout at /dev/null: what is still buffered cannot fail at exit."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test runner's)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def print_renderables(renderables, file=None):
    """rich renderables on stdout (or file); a broken pipe stays a
    BrokenPipeError, for the CLI's exit code (rich would exit 1)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self):
            raise  # the BrokenPipeError being handled

    console = _Console(file=file, markup=False, emoji=False, highlight=False)
    with writing_stdout():
        for renderable in renderables:
            console.print(renderable)
