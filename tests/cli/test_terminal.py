"""User text never reaches the terminal as raw control characters nor as
rich markup: source lines under carets, comments in titles, file names, CSV
headers, names in --at and --wrt are escaped (\\x1b) by errors.visible."""
import pytest

import adcli
from adcli.errors import ExpressionError, visible

CONTROLS = "\x1b\x07\x08\x0b\x0c\r\x7f\x85\x9b\u202e\u2028\ufeff"


def _clean(text):
    """No character visible() would escape, other than newlines."""
    return visible(text, lines=True) == text


def test_visible_escapes_every_control_and_invisible_character():
    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("\t\n\r") == "\\t\\n\\r"
    assert visible("\u202eevil\u2066") == "\\u202eevil\\u2066"
    assert visible("caf\udce9.adx") == "caf\\udce9.adx"  # an undecodable byte of a file name
    assert visible("a\xa0b") == "a\\xa0b"  # looks like a space, is not one
    assert visible("two\nlines\tand\x1b", lines=True) == "two\nlines\tand\\x1b"
    assert _clean(visible(CONTROLS)) and visible(visible(CONTROLS)) == visible(CONTROLS)


def test_visible_escapes_every_control_format_separator_and_odd_space_as_repr_does():
    import unicodedata
    kinds = {"Cc", "Cf", "Cs", "Zl", "Zp", "Zs"}
    for code in range(0x110000):
        char = chr(code)
        odd = (unicodedata.category(char) in kinds and char != " ") or code in (0xFFFE, 0xFFFF)
        if odd:
            assert visible(char) == repr(char)[1:-1], hex(code)
        elif unicodedata.category(char) != "Cn":  # an unassigned code point may be either
            assert visible(char) == char, hex(code)


def test_printable_text_is_left_alone():
    text = "∂f/∂x · x² × 名前 café [bold] :smile: \\x1b"
    assert visible(text) == text


def _caret(text):
    with pytest.raises(ExpressionError) as caught:
        adcli.parse(text)
    return str(caught.value).splitlines()


@pytest.mark.parametrize("text, fault", [
    ("x\x1b[2J+", "\\x1b"), ("x\x0b+1", "\\x0b"), ("x\x9b2J", "\\x9b"),
    ("a + b\x1b + c\x1b", "\\x1b"), ("x # \x1b[2J\n&", "&"), ("x\u202e + 1", "\\u202e"),
])
def test_the_caret_stays_under_the_escaped_fault(text, fault):
    lines = _caret(text)
    assert all(map(_clean, lines)), lines
    source, carets = lines[1], lines[2]
    start = carets.index("^")
    assert start == source.index(fault)
    assert carets.strip() == "^" * len(fault)


def test_the_caret_on_a_long_escaped_line_keeps_the_fault_in_view():
    lines = _caret("x" * 300 + "\x1b" + "\x07" * 300)
    assert lines[1][lines[2].index("^"):].startswith("\\x1b\\x07")


def test_cli_error_on_an_escape_sequence_does_not_clear_the_screen(run_cli):
    result = run_cli("grad", "x\x1b[2J+", "--at", "1")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "x\\x1b[2J+" in result.stderr


# --- the CLI: stderr and stdout, as a terminal would get them --------------------------

#: clear the screen, set the window title (OSC), ring the bell, return to
#: column 0, an 8-bit CSI: what a terminal would act on
ATTACK = "\x1b[2J\x1b]0;owned\x07\r\x9b1m"
SHOWN = "\\x1b[2J\\x1b]0;owned\\x07\\r\\x9b1m"


@pytest.fixture
def run_tty():
    """Like run_cli, but click keeps escape sequences as a terminal gets them
    (click strips some of them from output that is not a terminal)."""
    from adcli.cli import cli
    from conftest import make_runner
    runner = make_runner()

    def run(*args, input=None):
        return runner.invoke(cli, [str(a) for a in args], input=input, color=True,
                             catch_exceptions=False)
    return run


def _reaches_no_terminal_raw(result):
    for stream in (result.stdout, result.stderr):
        assert _clean(stream), stream
    assert "bug" not in result.stderr


@pytest.mark.parametrize("args, says", [
    (["grad", f"x+{ATTACK}", "--at", "1"], f"x+{SHOWN}"),
    (["grad", "x", "--at", f"x{ATTACK}=1"], f"x{SHOWN} is not a variable"),
    (["grad", "x", "--at", f"1,{ATTACK}"], SHOWN),
    (["grad", "x", "--at", "1", f"--o{ATTACK}"], f"--o{SHOWN}"),
    ([f"--o{ATTACK}"], f"--o{SHOWN}"),
    (["grad", "x", "--at", "1", "--output", ATTACK], SHOWN),
    (["explain", "x", "--at", "1", "--mode", "forward", "--wrt", ATTACK], SHOWN),
    (["grad", "x", "--at", "1", "--vars", ATTACK], SHOWN),
    (["grad", "x", "--at", "1", "extra", ATTACK], SHOWN),
])
def test_user_text_in_an_error_is_escaped(run_tty, args, says):
    result = run_tty(*args)
    assert result.exit_code == 2
    _reaches_no_terminal_raw(result)
    assert says in result.stderr


def test_a_csv_header_is_escaped_in_the_error(run_tty, tmp_path):
    points = tmp_path / "p.csv"
    points.write_text(f"x,{ATTACK.replace(chr(13), '')}\n1,2\n")  # \r ends a CSV line
    result = run_tty("grad", "x", "--points", points)
    assert result.exit_code == 2
    _reaches_no_terminal_raw(result)
    assert SHOWN.replace("\\r", "") in result.stderr


def test_a_file_name_is_escaped_in_the_error(run_tty, tmp_path):
    path = tmp_path / f"f{ATTACK}.adx"
    path.write_text("x +\n")
    result = run_tty("grad", "-f", path, "--at", "1")
    assert result.exit_code == 2
    _reaches_no_terminal_raw(result)
    assert f"f{SHOWN}.adx:1:4:" in result.stderr


@pytest.mark.parametrize("output_format", ["plain", "csv", "tap", "github", "junit", "table"])
def test_check_output_escapes_file_names(run_tty, tmp_path, output_format):
    path = tmp_path / f"f{ATTACK}\udce9.adx"  # and a byte that is not UTF-8 in the name
    path.write_text("f = x**2\ncheck f at x=1: value 2\n")
    result = run_tty("check", path, "--format", output_format)
    assert result.exit_code == 6
    _reaches_no_terminal_raw(result)
    assert "\\udce9.adx" in "".join(result.stdout.split())


def test_json_escapes_control_characters_itself(run_cli, tmp_path):
    import json
    path = tmp_path / f"f{ATTACK}.adx"
    path.write_text("f = x**2\n")
    result = run_cli("check", path, "--format", "json")
    assert _clean(result.stdout)
    assert json.loads(result.stdout)["files"][0]["path"] == str(path)


@pytest.mark.parametrize("output_format", ["plain", "csv", "table"])
def test_a_comment_is_escaped_in_every_format(run_tty, output_format):
    result = run_tty("explain", f"x**2 # {ATTACK}", "--at", "1", "--format", output_format)
    assert result.exit_code == 0
    _reaches_no_terminal_raw(result)
    if output_format != "csv":  # csv has no expression column
        assert SHOWN in "".join(result.stdout.split())


# --- JUnit XML: valid XML 1.0 and valid against pytest's xunit2 schema ----------------

#: pytest's xunit2 schema (testing/example_scripts/junit-10.xsd), per element:
#: (allowed attributes, required attributes, allowed children, text allowed)
XUNIT2 = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}, False),
    "testsuite": ({"name", "tests", "failures", "errors", "group", "time", "skipped",
                   "timestamp", "hostname", "id", "package", "file", "log", "url", "version"},
                  {"name", "tests", "failures", "errors"},
                  {"testsuite", "properties", "testcase", "system-out", "system-err"}, False),
    "testcase": ({"name", "time", "classname", "group"}, {"name"},
                 {"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure",
                  "flakyError", "system-out", "system-err"}, False),
    "failure": ({"type", "message"}, set(), set(), True),
    "error": ({"type", "message"}, set(), set(), True),
    "skipped": ({"type", "message"}, set(), set(), True),
    "properties": (set(), set(), {"property"}, False),
    "property": ({"name", "value"}, {"name", "value"}, set(), False),
    "system-out": (set(), set(), set(), True),
    "system-err": (set(), set(), set(), True),
}


def assert_xunit2(xml_text):
    """Parse as XML 1.0 (expat rejects forbidden characters) and check every
    element against XUNIT2."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml_text.encode("utf-8"))
    assert root.tag == "testsuites"
    for node in root.iter():
        allowed, required, children, mixed = XUNIT2[node.tag]
        assert set(node.attrib) <= allowed, (node.tag, node.attrib)
        assert required <= set(node.attrib), (node.tag, node.attrib)
        assert {child.tag for child in node} <= children, node.tag
        if not mixed:
            assert not (node.text or "").strip() and not any(
                (child.tail or "").strip() for child in node), node.tag
    return root


def test_junit_is_valid_xml_and_xunit2_whatever_the_files_hold(run_cli, tmp_path):
    sources = {
        "vt.adx": "f = x\x0b+ 1\n",  # a vertical tab: the parse error quotes the line
        "nul.adx": "f = x + \x00\x1b[2J\ufffe\n",
        f"name{ATTACK}\udce9.adx": "f = x**2  # \x1b\x0c\x7f\n"
                                   "check f at x=1: value 2\ncheck f at x=1: value 1\n",
    }
    for name, text in sources.items():
        (tmp_path / name).write_text(text, errors="surrogateescape")
    result = run_cli("check", tmp_path, "--format", "junit")
    assert result.exit_code == 2
    root = assert_xunit2(result.stdout)
    suites = root.findall("testsuite")
    assert len(suites) == 3 and int(root.get("errors")) == 2 and int(root.get("failures")) == 1
    errors = [case.find("error") for case in root.iter("testcase") if case.find("error") is not None]
    assert any("x\\x0b+ 1" in e.text for e in errors)
    assert any("\\x00\\x1b[2J\\ufffe" in e.text for e in errors)
    failure = next(root.iter("failure"))
    assert f"name{SHOWN}\\udce9.adx:2:17" in failure.text  # the location, in the failure text


def test_junit_of_passing_checks_is_xunit2(run_cli):
    from conftest import EXAMPLES
    result = run_cli("check", EXAMPLES, "--format", "junit")
    root = assert_xunit2(result.stdout)
    assert int(root.get("tests")) == len(list(root.iter("testcase"))) > 0


def _on_a_terminal(*args):
    """What the installed adcli writes to a real terminal (a pty)."""
    import os
    import pty
    import subprocess

    from conftest import adcli_script, subprocess_env
    leader, follower = pty.openpty()
    try:
        subprocess.run([adcli_script(), *args], stdin=subprocess.DEVNULL, stdout=follower,
                       stderr=follower, env=subprocess_env(), timeout=60, check=False)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("args", [
    ["grad", f"x+{ATTACK}", "--at", "1"],  # an error under a caret
    ["grad", f"x**2 # {ATTACK}", "--at", "1"],  # the table's title
    ["explain", f"x**2 # {ATTACK}", "--at", "1", "--format", "plain"],
], ids=["caret", "table", "plain"])
def test_a_real_terminal_gets_no_escape_sequence_from_user_text(args):
    out = _on_a_terminal(*args)
    assert "owned" in out  # the output arrived
    for raw in ("\x1b[2J", "\x1b]0;", "\x07", "\x9b"):
        assert raw not in out, out
