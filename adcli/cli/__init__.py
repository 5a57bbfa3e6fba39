"""The command line: the only package that imports click or rich."""
from . import commands  # noqa: F401 - registers the commands on the group
from .app import cli, main

__all__ = ["cli", "main"]
