"""Every command of adcli, named with the module that defines it.  Each module
registers its commands on the group (adcli.cli.app.cli) when imported; the
group imports a module only when one of its commands is asked for, so a run
of one command loads that command's module alone (--help and shell completion
ask for them all).  Each command converts its arguments, calls one function
of the core, prints the result through its view, and exits."""
import importlib

#: command name -> the module of this package that defines it
MODULE_OF = {
    "check": "check",
    "compare": "compare",
    "eval": "derivatives",
    "explain": "explain",
    "fit": "fit",
    "grad": "derivatives",
    "graph": "explain",
    "hessian": "derivatives",
    "hvp": "derivatives",
    "jacobian": "derivatives",
    "jvp": "derivatives",
    "minimize": "minimize",
    "solve": "solve",
    "vjp": "derivatives",
}


def load(name):
    """Import the module that defines the command name (a known name)."""
    importlib.import_module(f".{MODULE_OF[name]}", __name__)


def load_all():
    """Import every command module: each registers its commands."""
    for module in sorted(set(MODULE_OF.values())):
        importlib.import_module(f".{module}", __name__)


__all__ = ["MODULE_OF", "load", "load_all"]
