"""Every command of adcli: importing this package registers them on the
group (adcli.cli.app.cli).  Each converts its arguments, calls one function
of the core, prints the result through its view, and exits."""
from . import (check, compare, derivatives, explain, fit, minimize,  # noqa: F401 - registration
               solve)

__all__ = ["check", "compare", "derivatives", "explain", "fit", "minimize", "solve"]
