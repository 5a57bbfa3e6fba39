"""check: run the checks written in expression files, for people and for CI."""
import os

import click

from ...errors import ExpressionError
from ..app import ExitStatus, cli
from ..inputs import read_text
from ..streams import say
from ..views.common import resolve_format

CHECK_FORMATS = ("table", "plain", "json", "csv", "junit", "github", "tap")


@cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True),
                metavar="FILE|DIR...")
@click.option("--seed", type=click.IntRange(0, 2 ** 53), default=0, show_default=True,
              help="Seed of the random points of 'over' checks (reproducible), as a "
                   "file's seed N: 0 to 2**53.")
@click.option("--format", "output_format", type=click.Choice(CHECK_FORMATS),
              help="table on a terminal, plain when piped; junit XML, github "
                   "annotations, tap, json, csv.")
def check_command(paths, seed, output_format):
    """Run the checks written in expression files; exit 0 only if all hold.

    Directories are searched for *.adx files.  A file without check
    statements gets the default check: it parses, evaluates at a sampled
    point, and its AD gradient agrees with finite differences there.
    Exit codes: 0 every check holds, 6 a check fails, 2 a file does not
    parse (or a usage error).

    \b
    Examples:
      adcli check models/*.adx
      adcli check examples/ --format github
      adcli check models/*.adx --format junit > report.xml
    """
    from ...tools import checks
    from ..views import check as view

    report = []
    for path in _check_files(paths):
        try:
            report.append((path, checks.check_text(read_text(path), seed,
                                                   folder=os.path.dirname(path) or "."), None))
        except ExpressionError as error:
            error.filename = path
            report.append((path, [], error))
    output_format = resolve_format(output_format)
    view.show(report, output_format)
    if output_format in ("junit", "json", "csv"):  # the summary stays off their stdout
        say(view.summary(report))
    if any(error is not None for _, _, error in report):
        click.get_current_context().exit(ExitStatus.USAGE)
    if any(not o.passed for _, outcomes, _ in report for o in outcomes):
        click.get_current_context().exit(ExitStatus.CHECK_FAILED)


def _check_files(paths):
    """Files as given; directories give their *.adx files, sorted."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for folder, _, names in sorted(os.walk(path)):
                found += sorted(os.path.join(folder, n) for n in names if n.endswith(".adx"))
        else:
            found.append(path)
    if not found:
        raise click.UsageError("no .adx files found in " + ", ".join(paths))
    return found
