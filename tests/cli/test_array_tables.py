"""The table forms of the array results (adcli.cli.views.arrays) at the widths
of ordinary terminals: every number whole (layout.lost), no line wider than
the console, matrices in blocks of columns, and large arrays summarized as
NumPy prints them (numpy.array2string is the reference) unless full."""
import io
import re

import numpy as np
import pytest

from rich.console import Console

import adcli
from adcli.array_results import ArrayHessian, ArrayJacobian
from adcli.cli import layout
from adcli.cli.views import (array_gradient, array_hessian, array_jacobian, array_product,
                             array_values, arrays)
from adcli.cli.views.common import number_text
from adcli.engine.dispatch import ModeChoice

from test_array_views import evaluation, product, quadratic_form, quadratic_hessian

WIDTHS = (60, 80, 120, 200)
RNG = np.random.default_rng(7)


def rendered(renderables, width=80):
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    for renderable in renderables:
        console.print(renderable)
    return out.getvalue()


def texts(array, precision=None):
    return [number_text(v, precision) for v in np.ravel(array).tolist()]


def shown_numbers(text):
    """The numbers of a rendering, as floats, block headings and notes apart."""
    lines = [line for line in text.splitlines() if "not shown" not in line
             and not re.fullmatch(r"columns \d+-\d+ of \d+", line.strip())]
    return [float(n) for line in lines for n in layout.numbers_in(line)]


def numpy_shown(array):
    """The entries NumPy prints of array (its default print options)."""
    return {float(n) for n in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?",
                                          np.array2string(array, separator=" "))}


def long_numbers(shape):
    """Entries as wide as float64 text gets: -0.12345678901234568e-05 and the like."""
    return RNG.standard_normal(shape) * 10.0 ** RNG.integers(-8, 8, shape)


# --- grad --------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_a_gradient_shows_every_number_whole_at_every_width(width):
    result = quadratic_form(("x", "A", "s"))
    result.gradient["A"] = long_numbers((4, 9))
    result.gradient["x"] = long_numbers(5)
    tables = array_gradient.tables(result)
    text = rendered(tables, width)
    given = [*texts(result.gradient["A"]), *texts(result.gradient["x"]), "18", "0.5", "1",
             "f = x*y", "∂f/∂A  shape (4, 9)", "∂f/∂x  shape (5,)",
             *map(str, range(9))]
    assert layout.lost(text, width, given) == [], text
    assert "∂f/∂A  shape (4, 9)" in text and "∂f/∂x  shape (5,)" in text


def test_the_gradient_table_keeps_the_scalar_table_for_the_value_and_scalars():
    text = rendered(array_gradient.tables(quadratic_form(("x", "s"))), 100)
    lines = text.splitlines()
    assert lines[0] == "f = x*y"
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.strip()}
    assert rows["f"] == ["18"] and rows["∂f/∂s"] == ["0.5", "1"]
    block = lines.index("∂f/∂x  shape (2,)")
    assert [line.split() for line in lines[block:] if line.split()[:1] in (["0"], ["1"])] == [
        ["0", "8"], ["1", "14"]]


def test_a_matrix_gradient_is_labelled_by_row_and_column_index():
    result = quadratic_form(("A",))
    text = rendered(array_gradient.tables(result))
    lines = [line.split() for line in text.splitlines()]
    at = lines.index(["∂f/∂A", "shape", "(2,", "2)"])
    assert ["0", "1"] in lines[at:]  # the column indices
    assert ["0", "1", "2"] in lines[at:] and ["1", "2", "4"] in lines[at:]  # x xᵀ by rows


def test_a_wide_matrix_splits_into_blocks_of_columns_named_by_their_indices():
    result = quadratic_form(("A",))
    result.gradient["A"] = long_numbers((3, 12))
    text = rendered(array_gradient.tables(result), 80)
    headings = [line.strip() for line in text.splitlines() if line.startswith("columns ")]
    assert headings[0].startswith("columns 0-") and headings[-1].endswith("-11 of 12")
    assert len(headings) > 1
    assert all(len(line) <= 80 for line in text.splitlines())
    assert sorted(shown_numbers(text)) == sorted(
        [float(t) for t in texts(result.gradient["A"])] + [0, 1, 2] * len(headings)
        + list(range(12)) + [3, 12, 18])  # row labels per block, column indices, the
    # shape, the value


@pytest.mark.parametrize("shape", [(2000,), (40, 40), (10, 10, 11), (1001,), (3, 400), (3, 2, 200)])
def test_a_large_array_shows_what_numpy_shows(shape):
    array = 10000 + np.arange(float(np.prod(shape))).reshape(shape)  # above every index
    found = rendered(arrays.array_tables("g", array, "g", head="value"), 200)
    assert {n for n in shown_numbers(found) if n >= 10000} == numpy_shown(array)
    assert "…" in found
    assert f"of {array.size:,} entries not shown" in found and "--full" in found


@pytest.mark.parametrize("shape", [(1000,), (10, 100), (6, 6)])
def test_an_array_of_up_to_a_thousand_entries_is_shown_whole(shape):
    array = np.arange(float(np.prod(shape))).reshape(shape)
    assert "..." not in np.array2string(array)  # NumPy's own threshold
    found = rendered(arrays.array_tables("g", array, "g"), 80)
    assert "…" not in found and "not shown" not in found
    assert set(range(array.size)) <= set(shown_numbers(found))


def test_full_shows_every_entry_of_a_large_array():
    array = long_numbers((30, 40))
    found = rendered(arrays.array_tables("g", array, "g", full=True), 80)
    assert "…" not in found
    assert layout.lost(found, 80, [*texts(array), "g", *map(str, range(40))]) == []


def test_a_summarized_matrix_fits_80_columns_with_its_gap():
    array = long_numbers((50, 50))
    found = rendered(arrays.array_tables("g", array, "g  shape (50, 50)"), 80)
    edge = [*range(3), *range(47, 50)]
    given = [*texts(array[np.ix_(edge, edge)]), "g  shape (50, 50)", *map(str, edge), "…"]
    assert layout.lost(found, 80, given, allowed=["2,464 of 2,500 entries"]) == [], found


def test_a_rank_3_array_is_a_matrix_per_leading_index():
    array = np.arange(12.0).reshape(2, 2, 3)
    found = rendered(arrays.array_tables("T", array, "T  shape (2, 2, 3)"), 80)
    assert "T[0, :, :]" in found and "T[1, :, :]" in found
    lines = [line.split() for line in found.splitlines()]
    assert ["1", "9", "10", "11"] in lines  # T[1, 1, :]


def test_an_empty_array_is_an_empty_table():
    found = rendered(arrays.array_tables("e", np.zeros((0,)), "e  shape (0,)"), 80)
    assert "e  shape (0,)" in found
    found = rendered(arrays.array_tables("e", np.zeros((2, 0)), "e  shape (2, 0)"), 80)
    assert "e  shape (2, 0)" in found


# --- jacobian and hessian ----------------------------------------------------------------


def _jacobian(m, n):
    matrix = long_numbers((m, n))
    return ArrayJacobian(blocks={("f", "x"): matrix}, values={"f": long_numbers(m)},
                         outputs=("f",), wrt=("x",), point={"x": np.zeros(n)},
                         mode=ModeChoice("forward", "auto", n, m), graph=None)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_jacobian_is_its_flattened_matrix_labelled_by_entries(width):
    result = _jacobian(4, 7)
    found = rendered(array_jacobian.tables(result), width)
    given = [*texts(result.blocks["f", "x"]), *texts(result.values["f"]),
             "Jacobian (4 x 7, forward mode)", *[f"f[{i}]" for i in range(4)],
             *[f"∂/∂x[{j}]" for j in range(7)]]
    note = "rows: the entries of f (4,); columns: of x (7,); each flattened in C order"
    assert layout.lost(found, width, given, allowed=[note]) == [], found
    assert note in " ".join(found.split())


def test_a_large_jacobian_is_summarized_as_numpy_prints_its_matrix():
    result = _jacobian(40, 30)
    found = rendered(array_jacobian.tables(result), 200)
    assert "∂/∂x[2]" in found and "∂/∂x[27]" in found and "∂/∂x[3]" not in found
    assert "f[37]" in found and "f[3]" not in found
    assert "1,164 of 1,200 entries not shown" in found
    whole = rendered(array_jacobian.tables(result, full=True), 200)
    assert "∂/∂x[15]" in whole and "not shown" not in whole


@pytest.mark.parametrize("width", WIDTHS)
def test_the_hessian_table_says_flattened_in_c_order(width):
    result = quadratic_hessian()
    result.matrix = long_numbers((3, 3))
    found = rendered(array_hessian.tables(result), width)
    caption = "the Hessian's rows and columns: the entries of x (2,), s (), flattened in C order"
    assert caption in " ".join(found.split())
    given = [*texts(result.matrix), "8", "14", "-0.5", "x[0]", "x[1]", "∂/∂x[0]", "∂/∂x[1]",
             "f = 18.0625: gradient and Hessian"]
    assert layout.lost(found, width, given, allowed=[caption]) == [], found


def test_a_matrix_variable_s_hessian_is_labelled_in_c_order():
    n = np.arange(1.0, 7.0)
    result = ArrayHessian(value=np.array(1.0), gradient={"B": n.reshape(2, 3)},
                          matrix=np.outer(n, n), wrt=("B",), shapes={"B": (2, 3)},
                          point={"B": n.reshape(2, 3)}, output="f")
    found = rendered(array_hessian.tables(result), 200)
    rows = [line.split() for line in found.splitlines() if line.strip().startswith("B[")]
    assert [r[0] for r in rows] == ["B[0,0]", "B[0,1]", "B[0,2]", "B[1,0]", "B[1,1]", "B[1,2]"]
    assert rows[3] == ["B[1,0]", "4", "4", "8", "12", "16", "20", "24"]


# --- products and values -----------------------------------------------------------------


@pytest.mark.parametrize("kind, title", [("jvp", "J·v (forward mode)"),
                                         ("vjp", "uᵀ·J (reverse mode)"),
                                         ("hvp", "H·v (forward over reverse)")])
def test_product_tables(kind, title):
    result = product(kind)
    found = rendered(array_product.tables(result), 80)
    name, array = next(iter(result.product.items()))
    assert f"{title}: {name}  shape (2,)" in found
    assert layout.lost(found, 80, [*texts(array), *texts(next(iter(result.values.values()))),
                                   title, "0", "1", "2", "values"]) == [], found


@pytest.mark.parametrize("width", WIDTHS)
def test_value_tables(width):
    result = evaluation()
    found = rendered(array_values.tables(result), width)
    assert "M  shape (2, 3)" in found and "v  shape (3,)" in found
    given = [*texts(result.values["M"]), *texts(result.values["v"]), number_text(np.pi),
             "0", "1", "2", "M  shape (2, 3)", "v  shape (3,)"]
    assert layout.lost(found, width, given) == [], found


def test_precision_applies_to_the_tables():
    result = quadratic_form(("x",))
    result.gradient["x"] = np.array([1 / 3, 2 / 3])
    found = rendered(array_gradient.tables(result, precision=3))
    assert "0.333" in found and "0.3333" not in found


def test_a_long_expression_in_the_title_is_shortened():
    result = quadratic_form()
    result.graph = adcli.parse(" + ".join(f"x{k}*{k}.5" for k in range(40)))
    title = rendered(array_gradient.tables(result), 80).splitlines()[0]
    assert title.startswith("f = x0*0.5 + ") and title.endswith("…") and len(title) <= 80
