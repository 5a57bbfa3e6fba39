"""The json, plain and csv forms of the array results (adcli.cli.views.arrays
and the array_* views), each parsed back (json.loads, csv.reader, tab
splits) and compared with the arrays the results were built from.  The
results are built by hand; the expected numbers are closed forms."""
import csv
import io
import itertools
import json
import math

import numpy as np
import pytest

import adcli
from adcli.array_results import (ArrayGradient, ArrayHessian, ArrayJacobian, ArrayProduct,
                                 ArrayValues)
from adcli.cli.views import (array_gradient, array_hessian, array_jacobian, array_product,
                             array_values, arrays)
from adcli.engine.dispatch import ModeChoice

RNG = np.random.default_rng(12)

#: the issue's example: f = xᵀ A x at x = [1, 2], A = [[2, 1], [1, 3]]
X = np.array([1.0, 2.0])
A = np.array([[2.0, 1.0], [1.0, 3.0]])


def quadratic_form(wrt=("x",)):
    """f = xᵀAx: value 18, df/dx = (A + Aᵀ)x = [8, 14], df/dA = x xᵀ; s a scalar
    variable that f depends on as f + s (df/ds = 1)."""
    gradient = {"x": (A + A.T) @ X, "A": np.outer(X, X), "s": np.array(1.0)}
    return ArrayGradient(value=np.array(X @ A @ X), output="f",
                         gradient={name: gradient[name] for name in wrt}, wrt=tuple(wrt),
                         point={"x": X, "A": A, "s": np.array(0.5)},
                         graph=adcli.parse("x*y"), values=[], adjoints=None)


def softmax_jacobian():
    """f = softmax(x) (3,) and g = x ⊗ x (3, 3) with respect to x (3,) and c
    (a scalar that neither depends on): blocks of shapes S + T."""
    x = np.array([0.5, -1.0, 2.0])
    p = np.exp(x) / np.exp(x).sum()
    eye = np.eye(3)
    outer = np.einsum("ik,j->ijk", eye, x) + np.einsum("i,jk->ijk", x, eye)  # d(x_i x_j)/dx_k
    blocks = {("f", "x"): np.diag(p) - np.outer(p, p), ("f", "c"): np.zeros(3),
              ("g", "x"): outer, ("g", "c"): np.zeros((3, 3))}
    return ArrayJacobian(blocks=blocks, values={"f": p, "g": np.outer(x, x)},
                         outputs=("f", "g"), wrt=("x", "c"),
                         point={"x": x, "c": np.array(4.0)},
                         mode=ModeChoice("reverse", "auto", 4, 12), graph=None)


def quadratic_hessian():
    """f = xᵀAx + s² over x (2,) and s: the Hessian blocks A + Aᵀ and 2."""
    matrix = np.zeros((3, 3))
    matrix[:2, :2] = A + A.T
    matrix[2, 2] = 2.0
    s = np.array(-0.25)
    return ArrayHessian(value=np.array(X @ A @ X + s * s),
                        gradient={"x": (A + A.T) @ X, "s": 2 * s}, matrix=matrix,
                        wrt=("x", "s"), shapes={"x": (2,), "s": ()},
                        point={"x": X, "s": s, "A": A}, output="f")


def product(kind):
    """jvp of y = A @ x along v: A v; vjp along u: uᵀA; hvp of xᵀAx: (A + Aᵀ)v."""
    v = np.array([1.0, -3.0])
    point = {"x": X, "A": A}
    if kind == "jvp":
        return ArrayProduct("jvp", {"y": A @ X}, {"y": A @ v}, ("y",), ("x",), point)
    if kind == "vjp":
        return ArrayProduct("vjp", {"y": A @ X}, {"x": v @ A}, ("y",), ("x",), point)
    return ArrayProduct("hvp", {"f": np.array(X @ A @ X)}, {"x": (A + A.T) @ v}, ("f",),
                        ("x",), point)


def evaluation():
    matrix = RNG.standard_normal((2, 3))
    return ArrayValues(values={"f": np.array(math.pi), "M": matrix, "v": matrix.sum(axis=0)},
                       outputs=("f", "M", "v"), point={"x": X}, graph=None)


def document(view, result):
    """The JSON the view prints, read back."""
    return json.loads(arrays.document_text(view.document(result)))


def records(text):
    """plain text as lists of tab-separated fields, notes apart."""
    lines = text.splitlines()
    assert all("\t" in line for line in lines if not line.startswith("# "))
    return [line.split("\t") for line in lines if not line.startswith("# ")]


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def index_of(text):
    """A CSV index back to a tuple: "0,1" -> (0, 1), "" -> ()."""
    return tuple(int(part) for part in text.split(",")) if text else ()


def label(name, index):
    """The label of an entry, written independently of the views."""
    return f"{name}[{','.join(str(i) for i in index)}]" if index else name


def entries(name, array):
    """(label, value) of each entry of array in C order (itertools, not numpy)."""
    array = np.asarray(array)
    indices = itertools.product(*(range(n) for n in array.shape))
    return [(label(name, index), float(array[index])) for index in indices]


# --- schemas ----------------------------------------------------------------------------


@pytest.mark.parametrize("view, make, schema", [
    (array_gradient, quadratic_form, "adcli.grad/2"),
    (array_jacobian, softmax_jacobian, "adcli.jacobian/2"),
    (array_hessian, quadratic_hessian, "adcli.hessian/2"),
    (array_product, lambda: product("jvp"), "adcli.jvp/2"),
    (array_product, lambda: product("vjp"), "adcli.vjp/2"),
    (array_product, lambda: product("hvp"), "adcli.hvp/1"),
    (array_values, evaluation, "adcli.eval/2"),
])
def test_every_array_document_starts_with_its_schema(view, make, schema):
    found = document(view, make())
    assert list(found)[0] == "schema"
    assert found["schema"] == schema


# --- grad --------------------------------------------------------------------------------


def test_the_gradient_document_of_the_issue_example():
    found = document(array_gradient, quadratic_form())
    assert found["value"] == 18.0
    assert found["gradient"] == {"x": [8.0, 14.0]}
    assert found["shapes"] == {"x": [2]}
    assert found["wrt"] == ["x"]
    assert found["point"] == {"x": [1.0, 2.0], "A": [[2.0, 1.0], [1.0, 3.0]], "s": 0.5}
    assert found["variables"] == ["x", "A", "s"]
    assert found["output"] == "f" and found["expression"] == "x*y"


def test_the_gradient_document_keeps_each_shape_and_every_digit():
    result = quadratic_form(("x", "A", "s"))
    result.gradient["A"] = RNG.standard_normal((2, 2)) * 1e-7
    found = document(array_gradient, result)
    for name, array in result.gradient.items():
        assert np.array_equal(np.array(found["gradient"][name]), array)
        assert found["shapes"][name] == list(array.shape)
    assert found["gradient"]["s"] == 1.0  # a scalar variable's derivative is a number
    assert found["shapes"]["s"] == []


def test_a_non_finite_entry_is_null_as_in_the_scalar_documents():
    result = quadratic_form(("x", "A"))
    result.gradient["A"] = np.array([[math.inf, 1.0], [math.nan, -math.inf]])
    result.value = np.array(math.nan)
    found = document(array_gradient, result)
    assert found["gradient"]["A"] == [[None, 1.0], [None, None]]
    assert found["value"] is None
    plain = dict((r[1], r[2]) for r in records(array_gradient.plain(result)) if r[0] == "grad")
    assert plain["A[0,0]"] == "inf" and plain["A[1,0]"] == "nan" and plain["A[1,1]"] == "-inf"


def test_the_gradient_plain_is_one_line_per_entry_labelled_for_grep():
    result = quadratic_form(("x", "A", "s"))
    rows = records(array_gradient.plain(result))
    assert rows[0] == ["value", "18"]
    assert rows[1:3] == [["grad", "x[0]", "8"], ["grad", "x[1]", "14"]]
    assert ["grad", "A[0,1]", "2"] in rows  # d(xᵀAx)/dA[0,1] = x0 x1
    assert rows[-1] == ["grad", "s", "1"]
    expected = [e for name in result.wrt for e in entries(name, result.gradient[name])]
    assert [(r[1], float(r[2])) for r in rows[1:]] == expected


def test_the_gradient_csv_is_long_form_and_reads_back_into_the_arrays():
    result = quadratic_form(("x", "A", "s"))
    result.gradient["A"] = RNG.standard_normal((2, 2))
    rows = csv_rows(array_gradient.csv(result))
    assert rows[0] == ["variable", "index", "grad"]
    assert rows[1:3] == [["x", "0", "8"], ["x", "1", "14"]]
    assert rows[-1] == ["s", "", "1"]
    assert 'A,"0,1",' in array_gradient.csv(result)  # the writer quotes i,j
    read = {name: np.zeros(np.shape(array)) for name, array in result.gradient.items()}
    for name, index, value in rows[1:]:
        read[name][index_of(index)] = float(value)
    for name, array in result.gradient.items():
        assert np.array_equal(read[name], array)
    assert len(rows) == 1 + 2 + 4 + 1


def test_precision_applies_to_plain_and_csv_not_json():
    result = quadratic_form()
    result.gradient["x"] = np.array([1 / 3, 2 / 3])
    assert records(array_gradient.plain(result, precision=3))[1] == ["grad", "x[0]", "0.333"]
    assert csv_rows(array_gradient.csv(result, precision=3))[2] == ["x", "1", "0.667"]
    assert document(array_gradient, result)["gradient"]["x"] == [1 / 3, 2 / 3]


def test_plain_and_csv_print_every_entry_of_a_large_array():
    result = quadratic_form()
    result.gradient["x"] = np.arange(5000.0) / 7
    rows = records(array_gradient.plain(result))
    assert len(rows) == 1 + 5000
    assert [float(r[2]) for r in rows[1:]] == (np.arange(5000.0) / 7).tolist()
    assert len(csv_rows(array_gradient.csv(result))) == 1 + 5000


# --- jacobian ----------------------------------------------------------------------------


def test_the_jacobian_document_has_one_block_per_output_and_variable_of_shape_s_plus_t():
    result = softmax_jacobian()
    found = document(array_jacobian, result)
    assert found["outputs"] == ["f", "g"] and found["wrt"] == ["x", "c"]
    assert found["output_shapes"] == {"f": [3], "g": [3, 3]}
    assert found["shapes"] == {"x": [3], "c": []}
    for (output, variable), block in result.blocks.items():
        read = np.array(found["jacobian"][output][variable])
        assert read.shape == result.values[output].shape + result.point[variable].shape
        assert np.array_equal(read, block)
    assert np.array_equal(np.array(found["values"]["g"]), result.values["g"])
    assert found["mode"] == {"mode": "reverse", "requested": "auto", "inputs": 4,
                             "outputs": 12, "passes": 12}
    p = result.values["f"]  # softmax's Jacobian: rows sum to 0
    assert np.allclose(np.array(found["jacobian"]["f"]["x"]).sum(axis=1), 0, atol=1e-16)
    assert found["jacobian"]["f"]["x"][0][1] == -p[0] * p[1]


def test_the_jacobian_csv_reads_back_into_every_block():
    result = softmax_jacobian()
    rows = csv_rows(array_jacobian.csv(result))
    assert rows[0] == ["output", "output_index", "variable", "variable_index", "jacobian"]
    read = {key: np.full(np.shape(block), np.nan) for key, block in result.blocks.items()}
    for output, output_index, variable, variable_index, value in rows[1:]:
        read[output, variable][index_of(output_index) + index_of(variable_index)] = float(value)
    for key, block in result.blocks.items():
        assert np.array_equal(read[key], block), key
    assert ["g", "1,2", "x", "2", "-1"] in rows  # d(x1 x2)/dx2 = x1
    assert len(rows) == 1 + 9 + 3 + 27 + 9


def test_the_jacobian_plain_labels_both_entries():
    result = softmax_jacobian()
    rows = records(array_jacobian.plain(result))
    values = [r for r in rows if r[0] == "value"]
    assert [(r[1], float(r[2])) for r in values] == (entries("f", result.values["f"])
                                                    + entries("g", result.values["g"]))
    jacobian = {(r[1], r[2]): float(r[3]) for r in rows if r[0] == "jacobian"}
    assert len(jacobian) == 9 + 3 + 27 + 9
    x = result.point["x"]
    assert jacobian["g[0,1]", "x[0]"] == x[1]  # d(x0 x1)/dx0
    assert jacobian["g[1,1]", "x[1]"] == 2 * x[1]
    assert jacobian["f[2]", "c"] == 0.0
    assert all(len(r) == 4 for r in rows if r[0] == "jacobian")


# --- hessian -----------------------------------------------------------------------------


def test_the_hessian_document_says_its_order_and_labels():
    result = quadratic_hessian()
    found = document(array_hessian, result)
    assert found["order"] == "C"
    assert found["labels"] == ["x[0]", "x[1]", "s"]
    assert found["hessian"] == [[4.0, 2.0, 0.0], [2.0, 6.0, 0.0], [0.0, 0.0, 2.0]]
    assert found["gradient"] == {"x": [8.0, 14.0], "s": -0.5}
    assert found["shapes"] == {"x": [2], "s": []}
    assert found["value"] == 18.0625


def test_the_hessian_plain_says_flattened_in_c_order_and_labels_each_entry():
    result = quadratic_hessian()
    text = array_hessian.plain(result)
    notes = [line for line in text.splitlines() if line.startswith("# ")]
    assert len(notes) == 1 and "flattened in C order" in notes[0]
    rows = records(text)
    hessian = {(r[1], r[2]): float(r[3]) for r in rows if r[0] == "hessian"}
    labels = ["x[0]", "x[1]", "s"]
    assert hessian == {(a, b): result.matrix[i, j]
                       for i, a in enumerate(labels) for j, b in enumerate(labels)}
    assert ["grad", "s", "-0.5"] in rows


def test_the_hessian_csv_is_a_row_per_entry_with_its_index():
    result = quadratic_hessian()
    rows = csv_rows(array_hessian.csv(result))
    assert rows[0] == ["variable", "index", "gradient", "hessian[x[0]]", "hessian[x[1]]",
                       "hessian[s]"]
    assert [r[:3] for r in rows[1:]] == [["x", "0", "8"], ["x", "1", "14"], ["s", "", "-0.5"]]
    assert np.array_equal(np.array([[float(v) for v in r[3:]] for r in rows[1:]]),
                          result.matrix)


def test_a_matrix_variable_s_hessian_labels_are_c_order():
    n = np.arange(1.0, 7.0)
    matrix = np.outer(n, n)
    result = ArrayHessian(value=np.array(1.0), gradient={"B": n.reshape(2, 3)}, matrix=matrix,
                          wrt=("B",), shapes={"B": (2, 3)}, point={"B": n.reshape(2, 3)},
                          output="f")
    rows = csv_rows(array_hessian.csv(result))
    assert [r[1] for r in rows[1:]] == ["0,0", "0,1", "0,2", "1,0", "1,1", "1,2"]
    assert rows[0][3:5] == ["hessian[B[0,0]]", "hessian[B[0,1]]"]
    assert document(array_hessian, result)["labels"][3] == "B[1,0]"


# --- jvp, vjp, hvp, eval -----------------------------------------------------------------


@pytest.mark.parametrize("kind, key", [("jvp", "output"), ("vjp", "variable"),
                                       ("hvp", "variable")])
def test_products_in_every_form(kind, key):
    result = product(kind)
    found = document(array_product, result)
    name, array = next(iter(result.product.items()))
    assert np.array_equal(np.array(found[kind][name]), array)
    assert found["shapes"] == {"x": [2]}
    assert found["output_shapes"] == {next(iter(result.values)): [2] if kind != "hvp" else []}
    rows = csv_rows(array_product.csv(result))
    assert rows[0] == [key, "index", kind]
    assert [(r[0], index_of(r[1]), float(r[2])) for r in rows[1:]] == [
        (name, (k,), float(array[k])) for k in range(2)]
    plain = records(array_product.plain(result))
    assert [(r[1], float(r[2])) for r in plain if r[0] == kind] == entries(name, array)
    assert [r for r in plain if r[0] == "value"][0][1] == next(iter(result.values)) + (
        "[0]" if kind != "hvp" else "")


def test_the_products_match_their_closed_forms():
    v = [1.0, -3.0]
    assert document(array_product, product("jvp"))["jvp"] == {"y": [-1.0, -8.0]}  # A v
    assert document(array_product, product("vjp"))["vjp"] == {"x": [-1.0, -8.0]}  # vᵀA
    assert document(array_product, product("hvp"))["hvp"] == {"x": [4 * v[0] + 2 * v[1],
                                                                    2 * v[0] + 6 * v[1]]}


def test_eval_in_every_form():
    result = evaluation()
    found = document(array_values, result)
    assert found["values"]["f"] == math.pi
    assert np.array_equal(np.array(found["values"]["M"]), result.values["M"])
    assert found["shapes"] == {"f": [], "M": [2, 3], "v": [3]}
    rows = csv_rows(array_values.csv(result))
    assert rows[0] == ["output", "index", "value"]
    read = {name: np.zeros(np.shape(array)) for name, array in result.values.items()}
    for name, index, value in rows[1:]:
        read[name][index_of(index)] = float(value)
    assert all(np.array_equal(read[n], a) for n, a in result.values.items())
    plain = records(array_values.plain(result))
    assert [(r[1], float(r[2])) for r in plain] == [e for n, a in result.values.items()
                                                   for e in entries(n, a)]


# --- the JSON text -----------------------------------------------------------------------


def test_lists_of_numbers_and_names_print_on_one_line():
    text = arrays.document_text(array_gradient.document(quadratic_form(("x", "A"))))
    assert '"x": [8.0, 14.0]' in text
    assert '"wrt": ["x", "A"]' in text
    assert "[1.0, 2.0]" in text and "[2.0, 1.0]," in text  # a matrix: a line per row


@pytest.mark.parametrize("strings", [
    ["a [\n 1,\n 2\n]", 'q"[', "\\", "[", "]", "x[0, 1]  ,  2"],
    ["é ∂", "\t", ""],
])
def test_the_json_text_is_the_document_whatever_its_strings_hold(strings):
    doc = {"schema": "s", "expression": strings[0], "names": strings,
           "nested": [[1.5, None, -2e-300], [[], [0.0]]], "words": [[s] for s in strings],
           "shapes": {s: [] for s in strings}}
    text = arrays.document_text(doc)
    assert json.loads(text) == doc
    assert json.loads(text)["expression"] == strings[0]


def test_the_json_text_of_a_large_matrix_is_a_line_per_row():
    matrix = RNG.standard_normal((300, 200))
    text = arrays.document_text({"m": arrays.json_array(matrix)})
    assert len(text.splitlines()) == 300 + 4
    assert np.array_equal(np.array(json.loads(text)["m"]), matrix)


# --- show --------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "plain", "csv"])
def test_show_prints_the_form_asked_for(capsys, output_format):
    result = quadratic_form(("x", "A"))
    array_gradient.show(result, output_format)
    out = capsys.readouterr().out
    if output_format == "json":
        assert json.loads(out)["gradient"]["A"] == [[1.0, 2.0], [2.0, 4.0]]
        assert out == arrays.document_text(array_gradient.document(result)) + "\n"
    elif output_format == "plain":
        assert out == array_gradient.plain(result)
    else:
        assert out == array_gradient.csv(result)


def test_show_prints_the_tables_and_passes_full(capsys):
    result = quadratic_form()
    result.gradient["x"] = np.arange(2000.0)
    array_gradient.show(result, "table")
    summary = capsys.readouterr().out
    array_gradient.show(result, "table", full=True)
    whole = capsys.readouterr().out
    assert "1999" in summary and "1000" not in summary and "--full" in summary
    assert "1000" in whole and "not shown" not in whole


# --- the README's samples are what the views print ---------------------------------------


def _readme_samples():
    """The indented blocks of the README's "Array results" section, as text."""
    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Array results"):text.index("## Exit codes")]
    blocks, current = [], []
    for line in section.splitlines() + [""]:
        if line.startswith("    ") or (current and not line.strip()):
            current.append(line[4:])
        elif current:
            blocks.append("\n".join(current).strip("\n") + "\n")
            current = []
    return blocks


def _readme_result(wrt):
    import types

    result = quadratic_form(wrt)
    result.graph = types.SimpleNamespace(source="x.T @ A @ x")
    result.point = {"A": A, "x": X}
    return result


def test_the_readme_samples_are_what_the_views_print():
    from test_array_tables import rendered

    sample_json, sample_plain, sample_csv, sample_table = _readme_samples()[:4]
    assert sample_json == arrays.document_text(
        array_gradient.document(_readme_result(("x",)))) + "\n"
    both = _readme_result(("x", "A"))
    assert sample_plain == array_gradient.plain(both)
    assert sample_csv == array_gradient.csv(both)
    table = rendered(array_gradient.tables(both), 80)
    def lines(text):
        return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")

    assert lines(sample_table) == lines(table)


# --- any shape ---------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

#: arrays of rank 0 to 3, empty ones included, with every kind of float64
ARRAYS = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                 max_side=4),
                    elements=st.floats(allow_nan=True, allow_infinity=True, width=64))


@settings(max_examples=150, deadline=None)
@given(st.lists(ARRAYS, min_size=1, max_size=3))
def test_every_form_reads_back_into_the_arrays_of_any_shape(gradients):
    names = [f"v{k}" for k in range(len(gradients))]
    gradient = dict(zip(names, gradients))
    result = ArrayGradient(value=np.array(1.5), output="f", gradient=gradient,
                           wrt=tuple(names), point=gradient, graph=None, values=[],
                           adjoints=None)
    found = document(array_gradient, result)
    rows = csv_rows(array_gradient.csv(result))[1:]
    plain = records(array_gradient.plain(result))[1:]
    assert len(rows) == len(plain) == sum(a.size for a in gradients)
    by_label = {r[1]: r[2] for r in plain}
    for name, array in gradient.items():
        assert found["shapes"][name] == list(array.shape)
        read = np.array(found["gradient"][name], dtype=float).reshape(array.shape)
        finite = np.isfinite(array)
        assert np.array_equal(read[finite], array[finite])
        assert np.isnan(read[~finite]).all()  # null where not finite
        from_csv = np.full(array.shape, np.nan)
        for variable, index, value in rows:
            if variable == name:
                from_csv[index_of(index)] = float(value)
        assert np.array_equal(from_csv, array, equal_nan=True)
        for entry_label, value in entries(name, array):
            assert float(by_label[entry_label]) == value or math.isnan(value)


def test_an_empty_hessian_and_an_empty_jacobian_print_in_every_form():
    hessian = ArrayHessian(value=np.array(2.0), gradient={}, matrix=np.empty((0, 0)), wrt=(),
                           shapes={}, point={}, output="f")
    assert document(array_hessian, hessian)["hessian"] == []
    assert csv_rows(array_hessian.csv(hessian)) == [["variable", "index", "gradient"]]
    assert records(array_hessian.plain(hessian)) == [["value", "2"]]
    jacobian = ArrayJacobian(blocks={("f", "x"): np.empty((0, 2))}, values={"f": np.empty(0)},
                             outputs=("f",), wrt=("x",), point={"x": np.zeros(2)},
                             mode=ModeChoice("reverse", "auto", 2, 0), graph=None)
    assert document(array_jacobian, jacobian)["jacobian"] == {"f": {"x": []}}
    assert len(csv_rows(array_jacobian.csv(jacobian))) == 1
    from test_array_tables import rendered

    assert "Jacobian (0 x 2, reverse mode)" in rendered(array_jacobian.tables(jacobian))
    assert "gradient and Hessian" in rendered(array_hessian.tables(hessian))


def test_the_full_option_is_a_flag():
    import click
    from click.testing import CliRunner

    from adcli.cli.options import full_option

    @click.command()
    @full_option
    def command(full):
        click.echo(repr(full))

    assert CliRunner().invoke(command, []).output == "False\n"
    assert CliRunner().invoke(command, ["--full"]).output == "True\n"
    assert "--full" in CliRunner().invoke(command, ["--help"]).output


def test_the_jacobian_table_flattens_as_the_result_does():
    result = softmax_jacobian()
    assert np.array_equal(array_jacobian._matrix(result), result.matrix)
