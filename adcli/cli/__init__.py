"""The command line: the only package that imports click or rich."""
from .app import cli, main

__all__ = ["cli", "main"]
