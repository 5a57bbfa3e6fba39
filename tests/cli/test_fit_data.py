"""adcli fit --data with every kind of data file a user has: the spreadsheet
variants read as the plain file reads (the same fit to the last bit), and
each malformed file a clear error (exit 2) naming the line, the row and the
column, never a traceback and never a row dropped."""
import io
import json
import os
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import exited, ok

X = [1.0, 2.0, 3.0, 4.0]
Y = [2.1, 3.9, 6.2, 7.8]
PLAIN = "x,y\n" + "".join(f"{x!r},{y!r}\n" for x, y in zip(X, Y))
#: the least-squares slope of y = a*x through the origin, by its closed form
SLOPE = sum(x * y for x, y in zip(X, Y)) / sum(x * x for x in X)


def fit_file(run_cli, tmp_path, content, name="data.csv", model="a*x", start="a=1"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return run_cli("fit", model, "--data", path, "--from", start, "--format", "json")


def slope_of(result):
    ok(result)
    return json.loads(result.stdout)["params"]["a"]


def test_the_plain_file_gives_the_closed_form(run_cli, tmp_path):
    assert slope_of(fit_file(run_cli, tmp_path, PLAIN)) == pytest.approx(SLOPE, rel=1e-15)


@pytest.mark.parametrize("content", [
    PLAIN.replace("\n", "\r\n"),                                  # CRLF
    PLAIN.replace("\n", "\r"),                                    # old Mac CR
    "\ufeff" + PLAIN,                                             # UTF-8 byte-order mark
    PLAIN + "\n\n",                                               # trailing empty lines
    PLAIN.rstrip("\n"),                                           # no final newline
    PLAIN.replace("\n", ",\n"),                                   # trailing commas
    PLAIN.replace("\n", ",,\n", 1).replace("\n", ",\n"),          # a header's too
    PLAIN.replace(",", ";"),                                      # ';' separated
    PLAIN.replace(",", "\t"),                                     # tab separated
    PLAIN.replace(",", " , "),                                    # blanks around cells
    PLAIN.replace("x,y", "x,y\t"),                                # a tab after the header
    "\n".join(",".join(f'"{cell}"' for cell in line.split(","))  # quoted cells and names
              for line in PLAIN.splitlines()) + "\n",
    "y,x\n" + "".join(f"{y!r},{x!r}\n" for x, y in zip(X, Y)),  # columns in any order
    PLAIN.replace("\n", "\n\n"),                                  # blank lines between rows
    PLAIN.replace("\n", "\n,\n"),                                 # lines of empty cells
    "sep=;\n" + PLAIN.replace(",", ";"),                          # Excel's separator line
])
def test_spreadsheet_variants_read_as_the_plain_file(run_cli, tmp_path, content):
    assert slope_of(fit_file(run_cli, tmp_path, content)) == pytest.approx(SLOPE, rel=1e-15)


@pytest.mark.parametrize("content, says", [
    (b"", ["data.csv: no header row: the file is empty"]),
    (b"\n\n \n", ["no header row: the file holds only blank lines"]),
    (b"x,y\n", ["no rows of numbers after the header row (x, y)"]),
    (b"1,2\n2,4\n3,6\n", ["data.csv, line 1:", "the first row (1, 2) holds numbers",
                          "naming the columns"]),
    (b"x,y\n1,2\n2,4,5\n3,6\n", ["data.csv, line 3: row 2: 3 values, the header has 2 (x, y)"]),
    (b"x,y\n1,2\n2\n3,6\n", ["data.csv, line 3: row 2: 1 value, the header has 2"]),
    (b"x,y\n1,2\n\n2\n", ["data.csv, line 4: row 2: 1 value"]),  # the row counts data, the line all
    (b"x;y\n1,2\n", ["data.csv, line 2: row 1: 1 value", "separated by ';' as in the header"]),
    (b"x,y;z\n1,2;3\n", ["the header row 'x,y;z' holds both ',' and ';'"]),
    (b"sep=|\nx|y\n1|2\n", ["'sep=|': adcli separates columns with ',', ';' or a tab"]),
    (b"sep=;\nx;y\n1;2\n2;\n", ["data.csv, line 4: row 2, column y is empty"]),
    (b"x\ty,z\n1\t2,3\n", ["the header row 'x\\ty,z' holds both ',' and a tab"]),
    (b"x,y,x\n1,2,3\n", ["data.csv, line 1: the column name x appears twice in the header "
                         "(columns 1 and 3)"]),
    (b"x,,y\n1,2,3\n", ["data.csv, line 1: column 2 of the header row has no name"]),
    (b"x,y\n1,2\n2,\n", ["data.csv, line 3: row 2, column y is empty"]),
    (b"x,y\n1,2\n,4\n", ["data.csv, line 3: row 2, column x is empty"]),
    (b"x,y\n1,2\n2,NaN\n", ["data.csv, line 3: row 2, column y: 'NaN' is not a finite number"]),
    (b"x,y\n1,2\n2,-inf\n", ["row 2, column y: '-inf' is not a finite number"]),
    (b"x,y\n1,2\n2,1e400\n", ["row 2, column y: '1e400' is not a finite number",
                              "float64's range"]),
    (b"x,y\n1,2\n2,pi\n", ["row 2, column y: 'pi' is an expression, not a number",
                           "write 3.141592653589793"]),
    (b"x;y\n1;2\n2;4,5\n", ["row 2, column y: '4,5' is not a number: a comma in it",
                            "write 4.5 or 45"]),
    (b'x,y\n1,2\n2,"1,234"\n', ["row 2, column y: '1,234' is not a number: a comma in it"]),
    (b"x,y\n1,2\n2,1\xc2\xa0234\n", ["row 2, column y: '1\\xa0234' is not a number"]),
    (b"x,y\n1,2\n2,5%\n", ["row 2, column y: '5%' is not a number"]),
    (b"x,y\n1,2\n2," + b"9" * 200000 + b"\n", ["data.csv, line 3: field larger than field"]),
    (b"x,y\n1,2\n2,1_000\n", ["row 2, column y: '1_000' is not a number"]),
    (b"x,y\n1,2\n2,0x10\n", ["row 2, column y: '0x10' is not a number: numbers are decimal",
                             "write 16"]),
    (b"x,y\n1,2\n2,1e5e5\n", ["row 2, column y: '1e5e5' is not a number\n",
                              "a data cell holds one number"]),
    ("x,y\n1,2\n2,\u0664\n".encode(), ["row 2, column y:", "U+0664"]),
    (b"x,y\n1,2\n2,4\xe9\n", ["data.csv is not UTF-8 text: byte 0xe9", "(line 3)"]),
    ("x,y\n1,2\n".encode("utf-16"), ["data.csv is not UTF-8 text: byte 0xff"]),
    (b'x,y\n1,"2\n2,4\n', ["data.csv, line 2: a quote opened on this line is not closed"]),
    (b'x,y\n1,"2"3\n', ["data.csv, line 2:", "expected after"]),
    (b'x,y\n1,"2\n3"\n', ["data.csv, line 2: a quoted cell runs on to line 3"]),
    (b"x,my y\n1,2\n", ["the column name 'my y' (column 2) is not a name a model can use",
                        "e.g. my_y"]),
    (b"x,2y\n1,2\n", ["the column name '2y' (column 2)", "e.g. _2y"]),
    (b"# data\nx,y\n1,2\n", ["the first line, '# data', is a comment?"]),
    (b"#x,y\n1,2\n", ["the first line, '#x,y', is a comment?"]),
    (b"x y\n1 2\n", ["the header row 'x y' separates its names with spaces"]),
    ("x,\u00fc\n1,2\n".encode(), ["the column name '\u00fc' (column 2)"]),
])
def test_malformed_csv(run_cli, tmp_path, content, says):
    result = exited(fit_file(run_cli, tmp_path, content), 2, stdout="")
    for words in says:
        assert words in result.stderr


def test_the_row_of_a_bad_cell_is_counted_in_a_long_file(run_cli, tmp_path):
    rows = [f"{k},{2 * k}" for k in range(1, 100001)]
    rows[-1] = "100000,oops"
    result = exited(fit_file(run_cli, tmp_path, "x,y\n" + "\n".join(rows) + "\n"), 2)
    assert "data.csv, line 100001: row 100000, column y: 'oops' is not a number" in result.stderr


def test_a_long_file_is_read_whole(run_cli, tmp_path):
    x = np.arange(1.0, 100001.0)
    text = "x,y\n" + "".join(f"{v!r},{3.5 * v!r}\n" for v in x.tolist())
    result = fit_file(run_cli, tmp_path, text)
    ok(result)
    document = json.loads(result.stdout)
    assert document["n"] == 100000 and document["params"]["a"] == pytest.approx(3.5, rel=1e-15)


@pytest.mark.parametrize("content", [
    b"x,y\x1b[31m\n1,2\n2,4\n", b"x,y\n1,2\n2,4\x1b[31m\n", b"x,y\n1,2\n2,\x07\n",
    b"x,y\x9b\n1,2\n",
])
def test_control_characters_never_reach_the_terminal(run_cli, tmp_path, content):
    result = exited(fit_file(run_cli, tmp_path, content), 2, stdout="")
    assert not any(ord(c) < 32 and c != "\n" or 0x7f <= ord(c) < 0xa0 for c in result.stderr)


@pytest.mark.parametrize("content, shown", [
    (b"x,[bold]y\n1,2\n", "'[bold]y'"), (b"x,y\n1,2\n2,[bold]4[/bold]\n", "'[bold]4[/bold]'"),
    (b"x,y\n1,2\n2,[red]\n", "'[red]'"),
])
def test_markup_in_a_file_is_shown_as_typed(run_cli, tmp_path, content, shown):
    result = exited(fit_file(run_cli, tmp_path, content), 2, stdout="")
    assert shown in result.stderr


@pytest.mark.parametrize("column, model, says", [
    ("sin", "a*sin", "the column sin is named like the function sin"),
    ("exp", "a*exp", "the column exp is named like the function exp"),
    ("pi", "a*pi", "the column pi is named like the constant pi"),
    ("e", "a*e", "the column e is named like the constant e"),
    ("output", "a*output", "the column output is named like the keyword output"),
    ("check", "a*check", "the column check is named like the keyword check"),
])
def test_a_column_named_like_the_language(run_cli, tmp_path, column, model, says):
    content = PLAIN.replace("x,y", f"{column},y")
    result = exited(fit_file(run_cli, tmp_path, content, model=model), 2, stdout="")
    assert says in result.stderr and "rename the column" in result.stderr


@pytest.mark.parametrize("column", ["if", "lambda", "sin_data", "Exp", "_x"])
def test_a_column_named_like_a_python_keyword_is_a_column(run_cli, tmp_path, column):
    content = PLAIN.replace("x,y", f"{column},y")
    result = fit_file(run_cli, tmp_path, content, model=f"a*{column}")
    assert slope_of(result) == pytest.approx(SLOPE, rel=1e-15)


def test_an_unused_column_named_like_a_function_is_no_matter(run_cli, tmp_path):
    content = PLAIN.replace("x,y", "x,y,sin").replace("\n", ",0\n").replace("y,sin,0", "y,sin")
    assert slope_of(fit_file(run_cli, tmp_path, content)) == pytest.approx(SLOPE, rel=1e-15)


def test_a_column_given_a_start(run_cli, tmp_path):
    content = PLAIN.replace("x,y", "x,y,a").replace("\n", ",1\n").replace("y,a,1", "y,a")
    result = exited(fit_file(run_cli, tmp_path, content, start="a=1"), 2)
    assert "a is a column of the data: the model reads it as data" in result.stderr


def test_a_name_of_fits_own_is_refused(run_cli, tmp_path):
    result = exited(fit_file(run_cli, tmp_path, PLAIN, model="a*x + _fit_response"), 2)
    assert "the name _fit_response is fit's own" in result.stderr


def test_one_row(run_cli, tmp_path):
    result = exited(fit_file(run_cli, tmp_path, "x,y\n1,2\n"), 2)
    assert "1 parameter and 1 observation (rows of data)" in result.stderr


@pytest.mark.parametrize("document, says", [
    ("[1, 2]", "the JSON is a list of 2 items, not an object of columns"),
    ("3", "the JSON is the number 3, not an object of columns"),
    ('"x"', "the JSON is the string 'x'"),
    ("null", "the JSON is null"),
    ("{}", "no columns"),
    ('{"x": [1, 2', "data.json:1:12: not JSON"),
    ('{"x": [[1], [2]], "y": [1, 2]}', "the column 'x', row 1: a list of 1 item is not a number"),
    ('{"d": {"x": [1, 2]}}', "the column 'd' is an object, not a list of numbers"),
    ('{"x": {"0": 1, "1": 2}}', "orient='list'"),  # pandas' to_json()
    ('[{"x": 1, "y": 2}, {"x": 2, "y": 4}]', "a list of 2 items (rows), not an object"),
    ('{"x": 5, "y": [1, 2]}', "the column 'x' is the number 5, not a list"),
    ('{"x": [1, 2, 3], "y": [1, 2]}', "the columns differ in length: x has 3 rows, y has 2"),
    ('{"x": [], "y": []}', "the column x has no rows"),
    ('{"x": ["1", "2"], "y": [1, 2]}', "the column 'x', row 1: the string '1' is not a number"),
    ('{"x": [1, true], "y": [1, 2]}', "the column 'x', row 2: true is not a number"),
    ('{"x": [1, null], "y": [1, 2]}', "the column 'x', row 2: null is not a number"),
    ('{"x": [1, NaN], "y": [1, 2]}', "row 2: 'NaN' is not a finite number in float64"),
    ('{"x": [1, -Infinity], "y": [1, 2]}', "row 2: '-Infinity' is not a finite number"),
    ('{"x": [1, 1e400], "y": [1, 2]}', "row 2: '1e400' is not a finite number"),
    ('{"x": [1, 1' + "0" * 400 + '], "y": [1, 2]}', "row 2: '1000000"),
    ('{"x": [1, 2], "y": [1, 2], "x": [3, 4]}', "the key 'x' appears twice"),
    ('{"x": [1, 2], "my y": [1, 2]}', "the column name 'my y' (column 2) is not a name"),
    ('{"x": ' + "[" * 100000 + "]" * 100000 + "}", "nested too deeply"),
])
def test_malformed_json(run_cli, tmp_path, document, says):
    result = exited(fit_file(run_cli, tmp_path, document, name="data.json"), 2, stdout="")
    assert says in result.stderr


def test_json_integers_and_floats(run_cli, tmp_path):
    document = json.dumps({"x": [1, 2, 3, 4], "y": Y})
    result = fit_file(run_cli, tmp_path, document, name="data.json")
    assert slope_of(result) == pytest.approx(SLOPE, rel=1e-15)


def _npy(array, **kwargs):
    buffer = io.BytesIO()
    np.save(buffer, array, **kwargs)
    return buffer.getvalue()


def test_a_structured_npy_file(run_cli, tmp_path):
    content = _npy(np.rec.fromarrays([np.array(X), np.array(Y)], names="x,y"))
    assert slope_of(fit_file(run_cli, tmp_path, content, name="d.npy")) == \
        pytest.approx(SLOPE, rel=1e-15)


class Exploding:
    """Unpickling this would write a file: the test that fit never unpickles."""

    def __reduce__(self):
        return (open, (os.environ["ADCLI_TEST_PICKLED"], "w"))


@pytest.mark.parametrize("make, says", [
    (lambda: _npy(np.array(3.0)), "one number (a 0-d array), with no column names"),
    (lambda: _npy(np.column_stack([X, Y])), "a plain array of shape (4, 2), with no column"),
    (lambda: _npy(np.array(X)), "a plain array of shape (4,)"),
    (lambda: _npy(np.array([Exploding()], dtype=object), allow_pickle=True),
     "an array of Python objects, which adcli never unpickles"),
    (lambda: __import__("pickle").dumps(Exploding()), "a Python pickle, which adcli never"),
    (lambda: b"hello", "not a .npy file (it does not start as numpy.save writes one)"),
    (lambda: _npy(np.rec.fromarrays([np.array(X), np.array(Y)], names="x,y"))[:100],
     "not a .npy file adcli reads"),
    (lambda: _npy(np.rec.fromarrays([np.array(X), np.array(Y)], names="x,y").reshape(2, 2)),
     "a structured array of shape (2, 2)"),
    (lambda: _npy(np.rec.fromarrays([np.array(X), np.array(["a"] * 4)], names="x,y")),
     "the column 'y' holds text values"),
    (lambda: _npy(np.rec.fromarrays([np.array(X), np.array([True] * 4)], names="x,y")),
     "the column 'y' holds true/false values"),
    (lambda: _npy(np.zeros(4, dtype=[("x", float), ("y", float, (2,))])),
     "the column 'y' holds arrays of shape (2,)"),
    (lambda: _npy(np.rec.fromarrays([np.array(X), np.array([1, np.nan, 2, 3])],
                                    names="x,y")),
     "the column 'y', row 2: nan is not a finite number"),
    (lambda: _npy(np.rec.fromarrays([np.array(X), np.array(Y)], names="x,y")[:0]),
     "the column x has no rows"),
    (lambda: _npy(np.rec.fromarrays([np.array(X), np.array(Y)], names="x,my y")),
     "the column name 'my y' (column 2)"),
])
def test_malformed_npy(run_cli, tmp_path, monkeypatch, make, says):
    pickled = tmp_path / "unpickled"
    monkeypatch.setenv("ADCLI_TEST_PICKLED", str(pickled))
    result = exited(fit_file(run_cli, tmp_path, make(), name="d.npy"), 2, stdout="")
    assert says in result.stderr
    assert not pickled.exists()


@pytest.mark.parametrize("name", ["d.npy", "d.npz", "d.xlsx", "d.csv"])
def test_a_zip_archive_is_named(run_cli, tmp_path, name):
    buffer = io.BytesIO()
    np.savez(buffer, x=np.array(X), y=np.array(Y))
    result = exited(fit_file(run_cli, tmp_path, buffer.getvalue(), name=name), 2, stdout="")
    assert "a zip archive (an .xlsx workbook, an .npz?)" in result.stderr


def test_a_long_double_beyond_float64_is_named(run_cli, tmp_path):
    big = np.array([1, 2, 3, 4], dtype=np.longdouble) * np.longdouble(10) ** 400
    if not np.isfinite(big).all():
        pytest.skip("long double is float64 here")
    content = _npy(np.rec.fromarrays([np.array(X), big], names="x,y"))
    result = exited(fit_file(run_cli, tmp_path, content, name="d.npy"), 2)
    assert "the column 'y', row 1:" in result.stderr and "Warning" not in result.stderr


@pytest.mark.parametrize("content", [
    PLAIN.encode(), json.dumps({"x": X, "y": Y}).encode(), b"\n " + json.dumps(
        {"x": X, "y": Y}).encode(),
    _npy(np.rec.fromarrays([np.array(X), np.array(Y)], names="x,y")),
])
def test_stdin_reads_each_kind(run_cli, content):
    result = run_cli("fit", "a*x", "--data", "-", "--from", "a=1", "--format", "json",
                     input=content)
    assert slope_of(result) == pytest.approx(SLOPE, rel=1e-15)


@pytest.mark.parametrize("name", ["data.csv", "data.txt", "data"])
def test_a_file_is_read_by_its_contents(run_cli, tmp_path, name):
    for content in (json.dumps({"x": X, "y": Y}).encode(),
                    _npy(np.rec.fromarrays([np.array(X), np.array(Y)], names="x,y"))):
        assert slope_of(fit_file(run_cli, tmp_path, content, name=name)) == \
            pytest.approx(SLOPE, rel=1e-15)


def test_malformed_stdin_is_named_stdin(run_cli):
    result = exited(run_cli("fit", "a*x", "--data", "-", "--from", "a=1", input="x,y\n1,\n"), 2)
    assert "stdin, line 2: row 1, column y is empty" in result.stderr


def test_the_model_and_the_data_cannot_both_be_stdin(run_cli):
    result = exited(run_cli("fit", "-f", "-", "--data", "-", "--from", "a=1", input="a*x"), 2)
    assert "cannot both come from stdin" in result.stderr


def test_a_missing_file_and_a_directory(run_cli, tmp_path):
    result = exited(run_cli("fit", "a*x", "--data", tmp_path / "none.csv", "--from", "a=1"), 2)
    assert "none.csv: cannot read it: No such file or directory" in result.stderr
    result = exited(run_cli("fit", "a*x", "--data", tmp_path, "--from", "a=1"), 2)
    assert "a directory, not a data file" in result.stderr


@pytest.mark.parametrize("content", [
    PLAIN.encode(), _npy(np.rec.fromarrays([np.array(X), np.array(Y)], names="x,y")),
])
def test_a_fifo_is_read_to_its_end(run_cli, tmp_path, content):
    fifo = tmp_path / "data"  # no suffix: read by its contents, as <(command) is
    os.mkfifo(fifo)

    def write():
        with open(fifo, "wb") as handle:
            handle.write(content)
    writer = threading.Thread(target=write)
    writer.start()
    result = run_cli("fit", "a*x", "--data", fifo, "--from", "a=1", "--format", "json")
    writer.join(timeout=10)
    assert slope_of(result) == pytest.approx(SLOPE, rel=1e-15)


def test_residual_columns_never_repeat_a_data_column(run_cli, tmp_path):
    content = PLAIN.replace("x,y", "x,y,fitted").replace("\n", ",0\n").replace("fitted,0", "fitted")
    data = tmp_path / "d.csv"
    data.write_text(content)
    out = tmp_path / "res.csv"
    ok(run_cli("fit", "a*x", "--data", data, "--from", "a=1", "--residuals", out,
               "--format", "json"))
    assert out.read_text().splitlines()[0] == "x,y,fitted,fitted_fit,residual"


# --- the fast path reads what the row-by-row path reads --------------------------------

CELLS = st.sampled_from(["1", "-2.5", "1e3", ".5", "+3.", "", " ", "1e", "e5", "--1", "1.2.3",
                         "1e400", '"4"', "7 ", " 8", "1,5"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(CELLS, min_size=1, max_size=3), min_size=1, max_size=5),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n"]))
def test_the_fast_path_reads_as_the_careful_one(rows, delimiter, newline):
    from adcli import points
    from adcli.errors import PointError

    text = newline.join([delimiter.join(["x", "y", "z"])]
                        + [delimiter.join(row) for row in rows]) + newline

    def read():
        try:
            return points.read_csv_table(text, "t", numbers_only=True)[1].tolist()
        except PointError as error:
            return str(error)
    fast = read()
    real = points._PLAIN_ROWS
    points._PLAIN_ROWS = lambda *args: None  # every file row by row
    try:
        careful = read()
    finally:
        points._PLAIN_ROWS = real
    assert fast == careful
