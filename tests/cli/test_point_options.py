"""Point options (--at, --from, --dir) given more than once, and the one
number syntax every reader of a value shares."""
import json

import pytest


# --- repeated point options are one point ------------------------------------------


def test_repeated_at_merges_the_names(run_cli):
    result = run_cli("grad", "x*y", "--at", "x=1", "--at", "y=2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["point"] == {"x": 1.0, "y": 2.0}
    assert document["gradient"] == {"x": 2.0, "y": 1.0}


def test_repeated_at_gives_the_same_result_as_one(run_cli):
    once = run_cli("hessian", "x*y**2", "--at", "x=1,y=2", "--format", "json")
    twice = run_cli("hessian", "x*y**2", "--at", "y=2", "--at", "x=1", "--format", "json")
    assert twice.exit_code == 0, twice.stderr
    assert twice.stdout == once.stdout


def test_repeated_positional_values_join_in_order(run_cli):
    result = run_cli("eval", "x - y", "--at", "3", "--at", "1", "--format", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["value", "f", "2"]


def test_a_name_given_twice_across_options_is_a_usage_error(run_cli):
    result = run_cli("grad", "x*y", "--at", "x=1", "--at", "x=2,y=2")
    assert result.exit_code == 2
    assert "x is given twice" in result.stderr
    assert "no value for" not in result.stderr


def test_named_and_positional_parts_do_not_mix(run_cli):
    result = run_cli("grad", "x*y", "--at", "1", "--at", "y=2")
    assert result.exit_code == 2
    assert "mixes named and positional" in result.stderr


@pytest.mark.parametrize("args, key, expected", [
    (["minimize", "(x-1)**2 + (y+2)**2", "--from", "x=0", "--from", "y=0"], "x",
     {"x": 1.0, "y": -2.0}),
    (["jvp", "x*y", "--at", "1,2", "--dir", "x=1", "--dir", "y=0"], "jvp", {"f": 2.0}),
])
def test_from_and_dir_merge_too(run_cli, args, key, expected):
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[key] == pytest.approx(expected)


# --- one number syntax: --at, --points, the API's text values, check bindings ---------

NOT_NUMBERS = [
    ("1_000", "a number has no '_' separators", "write 1000"),
    ("\u0661", "unexpected character", "type '1' instead"),
    ("\U0001d7d9", "unexpected character", "type '1' instead"),
    ("\uff12", "unexpected character", "type '2' instead"),
    ("2\u22125", "unexpected character", "type '-' instead"),
]


@pytest.mark.parametrize("text, says, hint", NOT_NUMBERS)
def test_at_reads_numbers_as_expressions_do(run_cli, text, says, hint):
    result = run_cli("grad", "x*y", "--at", f"x={text},y=1")
    assert result.exit_code == 2
    assert says in result.stderr and hint in result.stderr
    assert "^" in result.stderr  # a caret under the fault
    assert result.stdout == ""


@pytest.mark.parametrize("text, says, hint", NOT_NUMBERS)
def test_csv_reads_numbers_as_expressions_do(run_cli, tmp_path, text, says, hint):
    points = tmp_path / "points.csv"
    points.write_text(f"x,y\n1,2\n{text},3\n", encoding="utf-8")
    result = run_cli("grad", "x*y", "--points", points)
    assert result.exit_code == 2
    assert "row 2, column x" in result.stderr
    assert says in result.stderr and hint in result.stderr


@pytest.mark.parametrize("text, says, hint", NOT_NUMBERS)
def test_api_text_values_read_numbers_as_expressions_do(text, says, hint):
    import adcli
    with pytest.raises(adcli.PointError) as caught:
        adcli.grad("x*y", [text, 1.0])
    assert says in str(caught.value) and hint in str(caught.value)
    with pytest.raises(adcli.PointError):
        adcli.grad("x*y", {"x": text, "y": 1.0})


@pytest.mark.parametrize("text, says, hint", NOT_NUMBERS)
def test_check_bindings_read_numbers_as_expressions_do(text, says, hint):
    from adcli.tools import checks
    import adcli
    with pytest.raises(adcli.ExpressionError) as caught:
        checks.check_text(f"f = x**2\ncheck f at x={text}: value 4\n", 0)
    assert says in str(caught.value) and hint in str(caught.value)


@pytest.mark.parametrize("text, value", [
    ("2", 2.0), ("-0.5", -0.5), ("+3", 3.0), ("1e-3", 0.001), (".5", 0.5), ("2.", 2.0),
    (" 7 ", 7.0), ("pi/2", 1.5707963267948966), ("-e", -2.718281828459045),
])
def test_numbers_every_reader_accepts(run_cli, tmp_path, text, value):
    import adcli
    assert adcli.grad("x", [text]).value == value
    result = run_cli("eval", "x", "--at", text, "--format", "json")
    assert json.loads(result.stdout)["values"]["f"] == value
    points = tmp_path / "points.csv"
    points.write_text(f'x\n"{text}"\n', encoding="utf-8")
    result = run_cli("grad", "x", "--points", points, "--format", "json")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("word", ["inf", "-inf", "nan", "Infinity"])
def test_nonfinite_words_are_read_and_refused_as_not_finite(run_cli, word):
    result = run_cli("grad", "x", "--at", word)
    assert result.exit_code == 2
    assert "is not a finite number" in result.stderr


def test_repeated_vars_continue_the_order(run_cli):
    result = run_cli("grad", "x*y", "--vars", "y", "--vars", "x", "--at", "1,2",
                     "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["variables"] == ["y", "x"]
    result = run_cli("grad", "x*y", "--vars", "y,x", "--vars", "x", "--at", "1,2")
    assert result.exit_code == 2 and "listed twice: x" in result.stderr


@pytest.mark.parametrize("value", [b"1_000", b"2", bytearray(b"2")])
def test_bytes_are_not_numbers(value):
    import adcli
    with pytest.raises(adcli.PointError, match="not a number"):
        adcli.grad("x*y", [value, 1.0])
