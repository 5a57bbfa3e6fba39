"""adcli.array_values: array values from text and data files (issue 12), each form
and each error with its message and caret; exact round trips (hypothesis);
agreement with today's point syntax for every scalar case; linear time."""
import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from adcli.errors import AdcliError, InputError, PointError
from adcli.language.parser import number_syntax
from adcli.points import number, parse_point_text
from adcli.array_values import (MAX_DIMENSIONS, array_from_text, array_to_text,
                          parse_array_point_text, read_array_file, shape_text,
                          split_point_text, value_from_text)
from engine.test_scaling import LINEAR, growth


def same(a, b):
    """Equal in shape, dtype, value and sign (-0.0 is not 0.0; a nan is a nan,
    its sign bit meaningless and not written by repr)."""
    a, b = np.asarray(a), np.asarray(b)
    signed = ~np.isnan(a) if a.shape == b.shape else True
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(
        a, b, equal_nan=True) and np.array_equal(np.signbit(a)[signed], np.signbit(b)[signed])


def fault(call, *args, **kwargs):
    """The PointError a call raises: (message, the text under the caret, hint)."""
    with pytest.raises(PointError) as caught:
        call(*args, **kwargs)
    error = caught.value
    under = None if error.start is None else error.source[error.start:error.end]
    return error.message, under, error.hint


# --- array_from_text: the forms --------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("[1,2,3]", np.array([1.0, 2.0, 3.0])),
    ("[[1,2],[3,4]]", np.array([[1.0, 2.0], [3.0, 4.0]])),
    (" [ [ 1 , 2 ] ,\n [3,\t4] ] ", np.array([[1.0, 2.0], [3.0, 4.0]])),
    ("[[[1],[2]],[[3],[4]]]", np.arange(1.0, 5.0).reshape(2, 2, 1)),
    ("[-0, 1e-3, +2.5E2, .5, 3.]", np.array([-0.0, 0.001, 250.0, 0.5, 3.0])),
    ("[7]", np.array([7.0])),
    ("[[7]]", np.array([[7.0]])),
])
def test_arrays_of_numbers(text, expected):
    value = array_from_text(text, "x")
    assert isinstance(value, np.ndarray) and same(value, expected)


def test_a_scalar_stays_a_float_as_points_number_reads_it():
    for text in ("2.5", " -0 ", "1e-3", "pi/2", "-e"):
        value = array_from_text(text, "x")
        assert type(value) is float and same(value, number(text))
    assert math.copysign(1, array_from_text("-0")) == -1


def test_an_element_may_be_a_constant_expression():
    assert same(array_from_text("[pi/2, -e, 2**3]"), np.array([math.pi / 2, -math.e, 8.0]))


def test_a_scalar_reads_no_numpy():
    import subprocess
    import sys
    code = ("import sys; from adcli.array_values import array_from_text; "
            "assert array_from_text('2.5') == 2.5; print('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


def test_the_most_dimensions_numpy_holds_everywhere():
    text = "[" * MAX_DIMENSIONS + "1" + "]" * MAX_DIMENSIONS
    assert array_from_text(text).shape == (1,) * MAX_DIMENSIONS


# --- array_from_text: the errors, message and caret ----------------------------------


@pytest.mark.parametrize("text, message, under", [
    ("[[1,2],[3,4,5]]", "value of x: row 2 has 3 elements, row 1 has 2", "[3,4,5]"),
    ("[[1,2],[3]]", "value of x: row 2 has 1 element, row 1 has 2", "[3]"),
    ("[[[1,2],[3,4]],[[1,2],[3]]]",
     "value of x: [1][1] has 1 element, [0][0] has 2 (indices from 0)", "[3]"),
    ("[[1,2],[3,4],[5,6],[7]]", "value of x: row 4 has 1 element, row 1 has 2", "[7]"),
    ("[]", "value of x: an empty array []", "[]"),
    ("[[1],[]]", "value of x: an empty array []", "[]"),
    ("[[1,2],[3,4]", "value of x: '[' is never closed", "["),
    ("[1,2]]", "value of x: text after the end of the array", "]"),
    ("[1,2] 3", "value of x: text after the end of the array", "3"),
    ("[1][2]", "value of x: text after the end of the array", "["),
    ("[1,abc]", "value of x: element 'abc' is not a number", "abc"),
    ("[1, 'a']", "value of x: element \"'a'\" is not a number: unexpected character \"'\"",
     "'"),
    ("[1,,2]", "value of x: a ',' with no element before it", ","),
    ("[,1]", "value of x: a ',' with no element before it", ","),
    ("[1,2,]", "value of x: a ',' with no element after it", ",]"),
    ("[[1]2]", "value of x: a ',' is missing before '2'", "2"),
    ("[[1][2]]", "value of x: a ',' is missing before '['", "["),
    ("[1,[2]]", "value of x: a list where a number is expected: the array nests "
     "deeper in some places than in others", "["),
    ("[[1],2]", "value of x: a number where a list is expected: the array nests "
     "deeper in some places than in others", "2"),
    ("[nan]", "value of x: nan is not a finite number", "nan"),
    ("[1, -Infinity]", "value of x: -Infinity is not a finite number", "-Infinity"),
    ("[1e999]", "value of x: 1e999 is not a finite number (beyond float64)", "1e999"),
    ("[2*]", "value of x: element '2*' is not a number: the expression ends too early", None),
])
def test_array_errors(text, message, under):
    got, got_under, hint = fault(array_from_text, text, "x")
    assert got == message
    if under is not None:
        assert got_under == under
    assert hint


def test_the_hints_say_what_to_do():
    assert "e.g. [0]" in fault(array_from_text, "[]")[2]
    assert fault(array_from_text, "[1 2]")[2] == "separate the elements with commas"
    assert "--allow-nonfinite" in fault(array_from_text, "[nan]")[2]
    assert fault(array_from_text, "[1,2")[2] == "add the missing ']'"


def test_the_message_without_a_name_and_the_caret_in_str():
    error = pytest.raises(PointError, array_from_text, "[[1,2],[3]]").value
    assert str(error).splitlines() == [
        "value: row 2 has 1 element, row 1 has 2", "  [[1,2],[3]]", "         ^^^",
        "hint: every row of an array has the same length"]


def test_scalar_errors_are_points_number_errors():
    for text in ("abc", "nan", "", "1e999", "2*"):
        with pytest.raises(PointError) as ours:
            array_from_text(text, "x")
        with pytest.raises(PointError) as today:
            number(text, "value of x")
        assert ours.value.message == today.value.message


def test_nonfinite_values_when_allowed():
    value = array_from_text("[nan, inf, -Infinity, 1e999, 1]", allow_nonfinite=True)
    assert same(value, np.array([np.nan, np.inf, -np.inf, np.inf, 1.0]))
    assert math.isnan(array_from_text("nan", allow_nonfinite=True))


@pytest.mark.parametrize("text", ["[" * 10_000 + "1" + "]" * 10_000, "[" * 10_000,
                                  "[1" + "]" * 10_000, "[" * 10_000 + "]" * 10_000])
def test_deep_nesting_is_an_error_not_a_recursion(text):
    message, _, _ = fault(array_from_text, text)
    assert message.startswith("value: ")


# --- round trips ---------------------------------------------------------------------


finite = st.floats(allow_nan=False, allow_infinity=False)
shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, shapes, elements=finite))
def test_array_to_text_and_back_is_exact(array):
    assert same(array_from_text(array_to_text(array)), array)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, shapes, elements=st.floats()))
def test_the_round_trip_keeps_nonfinite_values_when_allowed(array):
    assert same(array_from_text(array_to_text(array), allow_nonfinite=True), array)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, shapes, elements=finite), st.sampled_from([" ", "\n ", "\t"]))
def test_blanks_anywhere_between_tokens(array, blank):
    text = re.sub(r"([\[\],])", lambda m: blank + m.group() + blank, array_to_text(array))
    assert same(array_from_text(text), array)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.eE+-x ", max_size=12))
def test_the_number_syntax_is_the_languages(word):
    from adcli import array_values as values
    assert bool(values._is_number(word)) == bool(number_syntax().fullmatch(word))


def test_a_long_failing_number_is_read_in_linear_time():
    def prepare(n):
        text = "[" + "1" * n + "x]"
        return lambda: pytest.raises(PointError, array_from_text, text)
    assert growth(prepare, 4000, repeat=2) < LINEAR


# --- points with array values ----------------------------------------------------------


def test_split_point_text_on_top_level_commas():
    assert split_point_text("x=[1,2],A=[[2,1],[1,3]],b=3") == [
        ("x", "[1,2]"), ("A", "[[2,1],[1,3]]"), ("b", "3")]
    assert split_point_text(" x = [1, 2] , y=@y.csv") == [("x", "[1, 2]"), ("y", "@y.csv")]
    assert split_point_text("1,2,3") == [(None, "1"), (None, "2"), (None, "3")]
    assert split_point_text("[1,2],[3,4]") == [(None, "[1,2]"), (None, "[3,4]")]
    assert split_point_text("") == [] and split_point_text("  ") == []
    assert split_point_text("x=[1,2") == [("x", "[1,2")]  # the value's reader explains it


def test_parse_array_point_text():
    point = parse_array_point_text("x=[1,2],A=[[2,1],[1,3]],b=3")
    assert list(point) == ["x", "A", "b"] and point["b"] == 3.0
    assert same(point["A"], np.array([[2.0, 1.0], [1.0, 3.0]]))
    assert parse_array_point_text("[1,2], 3")[1] == 3.0
    assert fault(parse_array_point_text, "x=[1,[2]]")[0].startswith("value of x: a list")
    assert fault(parse_array_point_text, "[1,2],[3")[0] == "value 2: '[' is never closed"


scalar_points = st.lists(
    st.tuples(st.sampled_from(["x", "y", " z ", "x", ""]),
              st.sampled_from(["1", " -0 ", "2.5e3", "pi/2", "nan", "", "a", "1 2", "=",
                               "1=2"])),
    max_size=4)


@settings(max_examples=400, deadline=None)
@given(scalar_points, st.booleans(), st.sampled_from([",", ", "]))
def test_agrees_with_parse_point_text_on_every_scalar_point(items, named, comma):
    text = comma.join(f"{n}={v}" if named else v for n, v in items)
    try:
        today = parse_point_text(text)
    except PointError as error:
        with pytest.raises(PointError) as ours:
            parse_array_point_text(text)
        assert ours.value.message == error.message
    else:
        assert parse_array_point_text(text) == today
        assert [v for _, v in split_point_text(text)] == [
            item.partition("=")[2].strip() if "=" in item else item.strip()
            for item in text.split(",")] or text.strip() == ""


def test_at_file_values_resolve_against_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "A.csv").write_text("1,2\n3,4\n")
    monkeypatch.chdir(tmp_path)
    assert same(value_from_text("@A.csv", "A"), np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert same(parse_array_point_text("A=@A.csv,b=1")["A"], np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert "names no file" in fault(value_from_text, "@", "A")[0]


# --- shape_text --------------------------------------------------------------------------


def test_shape_text():
    assert shape_text(np.zeros((3, 2))) == "(3, 2)"
    assert shape_text(np.zeros(3)) == "(3,)"
    assert shape_text(2.5) == shape_text(np.float64(1)) == shape_text(np.array(1.0)) == "scalar"
    assert shape_text((4, 1, 2)) == "(4, 1, 2)" and shape_text(()) == "scalar"


# --- read_array_file -------------------------------------------------------------------


@pytest.fixture
def write(tmp_path):
    def write(name, content):
        path = tmp_path / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path
    return write


@pytest.mark.parametrize("content, expected", [
    ("1,2\n3,4\n", np.array([[1.0, 2.0], [3.0, 4.0]])),
    ("1, 2 ,3\n", np.array([1.0, 2.0, 3.0])),  # one row: a vector
    ("1\n2\n3", np.array([1.0, 2.0, 3.0])),  # one column: a vector
    ("\n 1 \n\n2\r\n", np.array([1.0, 2.0])),
    ("1,2\r\n\r\n3,4\r\n", np.array([[1.0, 2.0], [3.0, 4.0]])),
    ('"1","2"\n"3", 4\n', np.array([[1.0, 2.0], [3.0, 4.0]])),
    ("\ufeff1,-0\n", np.array([1.0, -0.0])),
    ("-0\n1e-3\n", np.array([-0.0, 0.001])),
])
def test_csv_forms(write, content, expected):
    assert same(read_array_file(write("A.csv", content)), expected)


def test_csv_of_one_number_is_a_float(write):
    assert read_array_file(write("b.csv", "2.5\n")) == 2.5
    assert type(read_array_file(write("b.csv", "\ufeff 3"))) is float


def file_fault(path, **kwargs):
    with pytest.raises(PointError) as caught:
        read_array_file(path, **kwargs)
    return str(caught.value).splitlines()


@pytest.mark.parametrize("content, first_line, caret", [
    ("x,y\n1,2\n", "A.csv:1:1: the first row is a header of names, not numbers", "^^^"),
    ("1,2\n3,4,5\n", "A.csv:2:1: this row has 3 values, the first (line 1) has 2", "^^^^^"),
    ("1,2\n3\n", "A.csv:2:1: this row has 1 value, the first (line 1) has 2", "^"),
    ("1,2\n3,x\n", "A.csv:2:3: 'x' is not a number", "  ^"),
    ("1,2\n3, \n", "A.csv:2:4: an empty cell", "   ^"),
    ("1,2\n3,nan\n", "A.csv:2:3: nan is not a finite number", "  ^^^"),
    ("1\n1e999\n", "A.csv:2:1: 1e999 is not a finite number (beyond float64)", "^^^^^"),
    ('1,"2\n', "A.csv:1:1: this row is not CSV: unexpected end of data", "^^^^"),
])
def test_csv_errors_name_the_file_line_and_column(write, content, first_line, caret):
    lines = file_fault(write("A.csv", content))
    assert lines[0].endswith(first_line) and lines[0].startswith(str(write("x", "").parent))
    assert lines[2] == "  " + caret


def test_csv_edge_errors(write):
    assert file_fault(write("A.csv", "\n \n"))[0].endswith("A.csv: no numbers in the file")
    assert "remove the header row" in file_fault(write("A.csv", "a,_b\n1,2\n"))[-1]


def test_csv_nonfinite_when_allowed(write):
    value = read_array_file(write("A.csv", "nan,1\ninf,-inf\n"), allow_nonfinite=True)
    assert same(value, np.array([[np.nan, 1.0], [np.inf, -np.inf]]))
    assert same(read_array_file(write("b.csv", "1\nnan\n"), allow_nonfinite=True),
                np.array([1.0, np.nan]))


def test_csv_agrees_with_numpy_loadtxt(write):
    data = np.random.default_rng(1).standard_normal((7, 5))
    path = write("A.csv", "")
    np.savetxt(path, data, delimiter=",", fmt="%.17g")
    assert same(read_array_file(path), np.loadtxt(path, delimiter=","))


@pytest.mark.parametrize("array", [
    np.array([[1.5, -0.0], [2.0, 3.0]]), np.arange(6, dtype=np.int32).reshape(3, 2),
    np.array([1, 2], dtype=np.uint64), np.array([1.5], dtype=np.float32),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.arange(24.0).reshape(2, 3, 4),
])
def test_npy_numeric_arrays_as_float64(tmp_path, array):
    path = tmp_path / "A.npy"
    np.save(path, array)
    value = read_array_file(path)
    assert value.dtype == np.float64 and value.flags.c_contiguous
    assert same(value, array.astype(np.float64))


def test_npy_scalar_is_a_float(tmp_path):
    np.save(tmp_path / "b.npy", np.array(2.5))
    assert type(read_array_file(tmp_path / "b.npy")) is float


@pytest.mark.parametrize("array, message", [
    (np.array([True, False]), "the array holds bool values, not real numbers"),
    (np.array([1 + 2j]), "the array holds complex128 values, not real numbers"),
    (np.array(["a"]), "the array holds <U1 values, not real numbers"),
    (np.zeros((0, 3)), "an empty array of shape (0, 3)"),
    (np.array([[1.0, 2.0], [3.0, np.nan]]), "element [1, 1] is nan, not a finite number"),
    (np.array(np.inf), "the value is inf, not a finite number"),
])
def test_npy_errors(tmp_path, array, message):
    np.save(tmp_path / "A.npy", array)
    assert file_fault(tmp_path / "A.npy")[0] == f"{tmp_path / 'A.npy'}: {message}"


def test_npy_refuses_pickles_and_other_files(tmp_path, write):
    np.save(tmp_path / "A.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert "not a .npy array adcli reads" in file_fault(tmp_path / "A.npy")[0]
    assert "not a .npy file" in file_fault(write("B.npy", "1,2\n"))[0]
    np.save(tmp_path / "C.npy", np.arange(100.0))
    cut = (tmp_path / "C.npy").read_bytes()[:200]
    assert "not a .npy" in file_fault(write("C.npy", cut))[0]
    np.save(tmp_path / "D.npy", np.array([np.nan, 1.0]))
    assert same(read_array_file(tmp_path / "D.npy", allow_nonfinite=True),
                np.array([np.nan, 1.0]))


def test_json_forms_and_errors(write):
    assert same(read_array_file(write("A.json", "[[1, 2],\n [3, 4]]\n")),
                np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert read_array_file(write("b.json", " 2.5 ")) == 2.5
    data = np.random.default_rng(2).standard_normal((3, 4))
    assert same(read_array_file(write("C.json", json.dumps(data.tolist()))), data)
    lines = file_fault(write("A.json", "[[1, 2],\n [3]]"))
    assert lines[0].endswith("A.json:2:2: row 2 has 1 element, row 1 has 2")
    assert lines[1:3] == ["   [3]]", "   ^^^"]
    assert file_fault(write("A.json", '[1, "2"]'))[0].endswith(
        "A.json:1:5: '\"2\"' is not a number")
    assert file_fault(write("A.json", "[pi]"))[0].endswith("A.json:1:2: 'pi' is not a number")
    assert file_fault(write("A.json", '{"a": 1}'))[0].endswith("A.json:1:1: '{\"a\": 1}' is "
                                                              "not a number")
    assert file_fault(write("A.json", "[NaN]"))[0].endswith("NaN is not a finite number")
    assert same(read_array_file(write("A.json", "[NaN, Infinity]"), allow_nonfinite=True),
                np.array([np.nan, np.inf]))


def test_files_relative_to_base(tmp_path, write):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "A.json").write_text("[1, 2]")
    assert same(read_array_file("A.json", base=folder), np.array([1.0, 2.0]))
    assert same(read_array_file(folder / "A.json", base="/nonexistent"), np.array([1.0, 2.0]))


def test_file_problems(tmp_path, write):
    with pytest.raises(AdcliError) as missing:
        read_array_file(tmp_path / "none.csv")
    assert not isinstance(missing.value, PointError)
    assert str(missing.value).startswith(f"cannot read {tmp_path / 'none.csv'}: No such file")
    unknown = file_fault(write("A.txt", "1"))
    assert unknown[0].endswith("A.txt: not a data file adcli reads (the name ends in '.txt')")
    assert unknown[1] == "hint: give a .csv, .npy or .json file"
    with pytest.raises(InputError) as latin1:
        read_array_file(write("A.csv", b"1,2\n\xe9\n"))
    assert "is not UTF-8 text: byte 0xe9 at byte offset 4 (line 2)" in str(latin1.value)


# --- linear time ---------------------------------------------------------------------------


def _file_of(tmp_path, suffix, make):
    def prepare(n):
        path = tmp_path / f"{n}{suffix}"
        path.write_text(make(np.random.default_rng(n).standard_normal(n)))
        return lambda: read_array_file(path)
    return prepare


@pytest.mark.parametrize("suffix, make", [
    (".csv", lambda v: "\n".join(",".join(map(repr, row)) for row in v.reshape(-1, 125).tolist())),
    (".csv", lambda v: "\n".join(map(repr, v.tolist()))),
    (".json", lambda v: json.dumps(v.reshape(-1, 125).tolist())),
    (".json", lambda v: json.dumps(v.reshape(-1, 1).tolist())),
], ids=["csv-matrix", "csv-column", "json-matrix", "json-column"])
def test_files_up_to_a_million_elements_in_linear_time(tmp_path, suffix, make):
    assert growth(_file_of(tmp_path, suffix, make), 125_000, repeat=1) < LINEAR


def test_csv_slow_path_in_linear_time(tmp_path):
    """Rows that need the cell-by-cell reader (quoted cells)."""
    def make(v):
        return "\n".join(",".join(f'"{x!r}"' for x in row) for row in v.reshape(-1, 4).tolist())
    assert growth(_file_of(tmp_path, ".csv", make), 20_000, repeat=1) < LINEAR


def test_text_in_linear_time():
    def prepare(n):
        text = array_to_text(np.random.default_rng(n).standard_normal((n // 10, 10)))
        return lambda: array_from_text(text)
    assert growth(prepare, 20_000, repeat=2) < LINEAR

    def slow(n):  # elements that are expressions: the element-by-element reader
        text = "[" + ", ".join(["pi/2"] * n) + "]"
        return lambda: array_from_text(text)
    assert growth(slow, 200, repeat=1) < LINEAR


def test_split_point_text_in_linear_time():
    def prepare(n):
        text = ",".join(f"x{k}=[[1,2],[3,4]]" for k in range(n))
        return lambda: split_point_text(text)
    assert growth(prepare, 5_000, repeat=2) < LINEAR



def test_the_module_shadows_no_name_of_the_package():
    """adcli.values is the API's function: a submodule of that name would
    replace it once imported (this module is adcli.array_values for that)."""
    import adcli
    import adcli.array_values  # noqa: F401
    assert callable(adcli.values) and callable(adcli.grad)


def test_odd_inputs_are_errors_not_tracebacks(write):
    assert fault(array_from_text, None)[0] == "an array value is text (str), not NoneType"
    assert file_fault(write("A.json", ""))[0].endswith("A.json:1:1: no number")
    assert file_fault(write("A.json", "[1, 2] [3]"))[0].endswith(
        "A.json:1:8: text after the end of the array")


def test_array_to_text():
    assert array_to_text(np.array([[1.5, -0.0], [1e-300, 3.0]])) == "[[1.5, -0.0], [1e-300, 3.0]]"
    assert array_to_text(2.5) == "2.5" and array_to_text(np.array(-0.0)) == "-0.0"
    with pytest.raises(PointError, match=r"an empty array of shape \(2, 0\)"):
        array_to_text(np.zeros((2, 0)))
