"""Every file adcli reads (-f, stdin, check files, --points) is read the same
way: UTF-8, a byte-order mark allowed, anything else a clear error (exit 2)
naming the file and the byte offset."""
import pytest

LATIN1_EXPRESSION = "x**2 # café\n".encode("latin-1")  # 0xe9 at byte offset 10
BOM = b"\xef\xbb\xbf"


def _says_not_utf8(result, name, offset, line=1, where="stderr"):
    assert result.exit_code == 2, result.stderr
    assert f"{name} is not UTF-8 text: byte 0xe9 at byte offset {offset} (line {line})" \
        in getattr(result, where)
    assert "bug" not in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def files(tmp_path):
    def write(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


def test_expression_file_not_utf8(run_cli, files):
    path = files("f.adx", LATIN1_EXPRESSION)
    _says_not_utf8(run_cli("grad", "-f", path, "--at", "1"), path, 10)


@pytest.mark.parametrize("args", [["-"], ["-f", "-"]], ids=["EXPR -", "-f -"])
def test_stdin_not_utf8(run_cli, args):
    _says_not_utf8(run_cli("grad", *args, "--at", "1", input=LATIN1_EXPRESSION), "stdin", 10)


def test_check_file_not_utf8_is_a_file_error_in_the_report(run_cli, files):
    bad = files("bad.adx", b"f = x\n" + LATIN1_EXPRESSION)
    good = files("good.adx", b"f = x**2\n")
    result = run_cli("check", bad, good, "--format", "plain")
    _says_not_utf8(result, bad, 16, line=2, where="stdout")
    assert result.stdout.startswith(f"ERROR\t{bad}:2:1\t")  # the line of the bad byte
    assert f"PASS\t{good}" in result.stdout


def test_points_file_not_utf8(run_cli, files):
    path = files("p.csv", b"x\n1\n2\xe9\n")
    _says_not_utf8(run_cli("grad", "x", "--points", path), path, 5, line=3)


def test_the_offset_counts_the_byte_order_mark(run_cli, files):
    path = files("f.adx", BOM + LATIN1_EXPRESSION)
    _says_not_utf8(run_cli("grad", "-f", path, "--at", "1"), path, 13)


def test_a_byte_order_mark_is_accepted_everywhere(run_cli, files):
    expression = files("f.adx", BOM + b"x**2\n")
    assert run_cli("grad", "-f", expression, "--at", "3").stdout == "value\t9\ngrad\tx\t6\n"
    assert run_cli("grad", "-", "--at", "3", input=BOM + b"x**2").stdout == "value\t9\ngrad\tx\t6\n"
    checked = files("c.adx", BOM + b"f = x**2\ncheck f at x=3: value 9\n")
    assert run_cli("check", checked).exit_code == 0
    points = files("p.csv", BOM + b"x\n3\n")
    assert run_cli("grad", "x**2", "--points", points).stdout.splitlines()[1] == "3\t9\t6"


def test_utf8_text_reads_as_before(run_cli, files):
    path = files("f.adx", "f = x**2  # café, naïve: UTF-8\n".encode())
    assert run_cli("grad", "-f", path, "--at", "2").stdout == "value\t4\ngrad\tx\t4\n"


def test_a_file_that_cannot_be_read_is_an_adcli_error(tmp_path, monkeypatch):
    from adcli.errors import AdcliError
    from adcli.cli.inputs import read_text
    with pytest.raises(AdcliError, match=f"cannot read {tmp_path}: Is a directory"):
        read_text(str(tmp_path))
    monkeypatch.setattr("sys.stdin", None)  # started with stdin closed (<&-)
    with pytest.raises(AdcliError, match="cannot read stdin: it is closed"):
        read_text("-")


@pytest.mark.parametrize("args", [["-"], ["-f", "-"]], ids=["EXPR -", "-f -"])
def test_the_expression_and_the_points_cannot_both_come_from_stdin(run_cli, args):
    result = run_cli("grad", *args, "--points", "-", input=b"x\n")
    assert result.exit_code == 2
    assert "the expression and --points cannot both come from stdin" in result.stderr
