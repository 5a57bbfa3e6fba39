"""check: the outcome of every check of every file, in the formats CI
tools read (junit, github, tap) besides json, csv, plain and the table.

A report is a list of (path, outcomes, error): error is the parse error of
a file that does not parse (its outcomes are then empty)."""
from .common import csv_text, json_number, json_numbers, plain_text, present, schema


def show(report, output_format):
    present(output_format,
            document=lambda: document(report),
            plain=lambda: plain(report),
            csv=lambda: csv(report),
            github=lambda: github(report),
            tap=lambda: tap(report),
            junit=lambda: junit(report),
            tables=lambda: tables(report))


def error_text(error):
    """A parse error's message with its hint, on one line."""
    return error.message + (f" (hint: {error.hint})" if getattr(error, "hint", None) else "")


def counts(report):
    passed = sum(o.passed for _, outcomes, _ in report for o in outcomes)
    failed = sum(not o.passed for _, outcomes, _ in report for o in outcomes)
    return passed, failed + sum(error is not None for _, _, error in report)


def summary(report):
    passed, failed = counts(report)
    return f"{passed} passed, {failed} failed"


def _location(path, outcome):
    return f"{path}:{outcome.line}:{outcome.column}"


def _error_location(path, error):
    from ...errors import line_and_column

    if error.source is not None and error.start is not None:
        line, column = line_and_column(error.source, error.start)
        return path, line, column
    return path, getattr(error, "line", 1), 1  # InputError: the line of its bad byte


def document(report):
    files = []
    for path, outcomes, error in report:
        entry = {"path": path, "checks": [_outcome_dict(o) for o in outcomes]}
        if error is not None:
            _, line, column = _error_location(path, error)
            entry["error"] = {"message": error_text(error), "line": line, "column": column}
        files.append(entry)
    passed, failed = counts(report)
    return {"schema": schema("check"), "files": files, "passed": passed, "failed": failed}


def _outcome_dict(outcome):
    return {"name": outcome.name, "line": outcome.line, "column": outcome.column,
            "passed": outcome.passed, "output": outcome.output, "message": outcome.message,
            "mismatches": [{"component": m.component, "expected": json_number(m.expected),
                            "got": json_number(m.got), "abs_error": json_number(m.abs_error),
                            "rel_error": json_number(m.rel_error),
                            "tolerance": m.tolerance, "point": json_numbers(m.point)}
                           for m in outcome.mismatches]}


def plain(report):
    """STATUS, FILE:LINE:COLUMN, the check and (when it fails) why, then the
    summary as a note."""
    rows = []
    for path, outcomes, error in report:
        if error is not None:
            where = "{}:{}:{}".format(*_error_location(path, error))
            rows.append(["ERROR", where, "parses", error_text(error)])
        for outcome in outcomes:
            status = ["PASS"] if outcome.passed else ["FAIL"]
            detail = [] if outcome.passed else [outcome.message]
            rows.append(status + [_location(path, outcome), outcome.name] + detail)
    rows.append([f"# {summary(report)}"])
    return plain_text(rows)


def csv(report):
    rows = [["path", "line", "column", "passed", "check", "message"]]
    for path, outcomes, error in report:
        if error is not None:
            _, line, column = _error_location(path, error)
            rows.append([path, line, column, "error", "parse", error_text(error)])
        rows += [[path, o.line, o.column, str(o.passed).lower(), o.name, o.message]
                 for o in outcomes]
    return csv_text(rows)


def github(report):
    """GitHub Actions workflow commands: an ::error line per failure."""
    lines = []
    for path, outcomes, error in report:
        if error is not None:
            _, line, column = _error_location(path, error)
            lines.append(_annotation(path, line, column, f"does not parse: {error_text(error)}"))
        lines += [_annotation(path, o.line, o.column, f"{o.name}: {o.message}")
                  for o in outcomes if not o.passed]
    lines.append(f"::notice title=adcli check::{_escape_data(summary(report))}")
    return "\n".join(lines) + "\n"


def _annotation(path, line, column, message):
    properties = f"file={_escape_property(path)},line={line},col={column},title=adcli check"
    return f"::error {properties}::{_escape_data(message)}"


def _escape_data(text):
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text):
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def tap(report):
    """Test Anything Protocol, version 13."""
    items = []
    for path, outcomes, error in report:
        if error is not None:
            items.append((False, f"{path} parses", [f"message: {_yaml(error_text(error))}"]))
        for o in outcomes:
            items.append((o.passed, f"{_location(path, o)} {o.name}",
                          [] if o.passed else [f"message: {_yaml(o.message)}",
                                               f"at: {_yaml(_location(path, o))}"]))
    lines = ["TAP version 13", f"1..{len(items)}"]
    for number, (passed, name, details) in enumerate(items, start=1):
        lines.append(f"{'ok' if passed else 'not ok'} {number} - {name.replace('#', '%23')}")
        if details:
            lines += ["  ---"] + [f"  {d}" for d in details] + ["  ..."]
    lines.append(f"# {summary(report)}")
    return "\n".join(lines) + "\n"


def _yaml(text):
    import json
    return json.dumps(text)  # a JSON string is a valid YAML scalar


def junit(report):
    """JUnit XML in the xunit2 schema pytest writes: a testsuite per file, a
    testcase per check (its location in the failure text: the schema has no
    file or line on a testcase).  Valid XML 1.0 whatever the files hold:
    characters XML forbids are escaped (errors.visible)."""
    import xml.etree.ElementTree as ET

    from ...errors import visible

    def element(parent, tag, text=None, **attributes):
        node = ET.SubElement(parent, tag, {k: visible(v, lines=True)
                                           for k, v in attributes.items()})
        if text is not None:
            node.text = visible(text, lines=True)
        return node

    passed, failed = counts(report)
    errors = sum(error is not None for _, _, error in report)
    root = ET.Element("testsuites", name="adcli check", tests=str(passed + failed),
                      failures=str(failed - errors), errors=str(errors))
    for path, outcomes, error in report:
        suite = element(root, "testsuite", name=path,
                        tests=str(len(outcomes) + (error is not None)),
                        failures=str(sum(not o.passed for o in outcomes)),
                        errors=str(int(error is not None)))
        if error is not None:
            case = element(suite, "testcase", name="parses", classname=path)
            element(case, "error", str(error), message=error_text(error))
        for o in outcomes:
            case = element(suite, "testcase", name=o.name, classname=path)
            if not o.passed:
                element(case, "failure", f"{_location(path, o)}\n"
                        + "\n".join(m.describe() for m in o.mismatches), message=o.message)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def tables(report):
    from rich.text import Text

    from . import terminal as t
    from ..layout import name, prose, table

    rows = []
    for path, outcomes, error in report:
        if error is not None:
            rows.append([Text("ERROR", style="bold red"), path, "parses", error_text(error)])
        for o in outcomes:
            status = Text("PASS", style="green") if o.passed else Text("FAIL", style="bold red")
            rows.append([status, f"{path}:{o.line}:{o.column}", o.name, o.message])
    # the place file:line:col stays whole on one line: editors and terminals open it
    columns = [name(""), name("where"), prose("check"), prose("why it failed")]
    return [table("adcli check", columns, rows), t.text(summary(report))]
