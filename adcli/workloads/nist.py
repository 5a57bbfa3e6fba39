"""The NIST StRD nonlinear regression problems: data, starts, certified values.

The 27 datasets of https://www.itl.nist.gov/div898/strd/nls/nls_main.shtml,
in NIST's order (lower, average, then higher difficulty). Each .dat file under
nist/ is NIST's text (nist/README.md says where it came from); `load` reads it
by content, not by line number. The models are
translated from NIST's notation (`exp[...]`, `arctan`, `**`) to adcli's
expression syntax by hand in the table below, with parameters b1..bk and the
predictor x (x1, x2 for Nelson, whose response is log(y)).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import numpy as np

# name: (difficulty, response, model in adcli syntax); NIST's order
_TABLE = {
    # lower difficulty
    "Misra1a": ("lower", "y", "b1*(1 - exp(-b2*x))"),
    "Chwirut2": ("lower", "y", "exp(-b1*x)/(b2 + b3*x)"),
    "Chwirut1": ("lower", "y", "exp(-b1*x)/(b2 + b3*x)"),
    "Lanczos3": ("lower", "y", "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)"),
    "Gauss1": ("lower", "y",
               "b1*exp(-b2*x) + b3*exp(-(x - b4)**2/b5**2) + b6*exp(-(x - b7)**2/b8**2)"),
    "Gauss2": ("lower", "y",
               "b1*exp(-b2*x) + b3*exp(-(x - b4)**2/b5**2) + b6*exp(-(x - b7)**2/b8**2)"),
    "DanWood": ("lower", "y", "b1*x**b2"),
    "Misra1b": ("lower", "y", "b1*(1 - (1 + b2*x/2)**(-2))"),
    # average difficulty
    "Kirby2": ("average", "y", "(b1 + b2*x + b3*x**2)/(1 + b4*x + b5*x**2)"),
    "Hahn1": ("average", "y",
              "(b1 + b2*x + b3*x**2 + b4*x**3)/(1 + b5*x + b6*x**2 + b7*x**3)"),
    "Nelson": ("average", "log(y)", "b1 - b2*x1*exp(-b3*x2)"),
    "MGH17": ("average", "y", "b1 + b2*exp(-x*b4) + b3*exp(-x*b5)"),
    "Lanczos1": ("average", "y", "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)"),
    "Lanczos2": ("average", "y", "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)"),
    "Gauss3": ("average", "y",
               "b1*exp(-b2*x) + b3*exp(-(x - b4)**2/b5**2) + b6*exp(-(x - b7)**2/b8**2)"),
    "Misra1c": ("average", "y", "b1*(1 - (1 + 2*b2*x)**(-0.5))"),
    "Misra1d": ("average", "y", "b1*b2*x*(1 + b2*x)**(-1)"),
    "Roszman1": ("average", "y", "b1 - b2*x - atan(b3/(x - b4))/pi"),
    "ENSO": ("average", "y",
             "b1 + b2*cos(2*pi*x/12) + b3*sin(2*pi*x/12) + b5*cos(2*pi*x/b4)"
             " + b6*sin(2*pi*x/b4) + b8*cos(2*pi*x/b7) + b9*sin(2*pi*x/b7)"),
    # higher difficulty
    "MGH09": ("higher", "y", "b1*(x**2 + x*b2)/(x**2 + x*b3 + b4)"),
    "Thurber": ("higher", "y",
                "(b1 + b2*x + b3*x**2 + b4*x**3)/(1 + b5*x + b6*x**2 + b7*x**3)"),
    "BoxBOD": ("higher", "y", "b1*(1 - exp(-b2*x))"),
    "Rat42": ("higher", "y", "b1/(1 + exp(b2 - b3*x))"),
    "MGH10": ("higher", "y", "b1*exp(b2/(x + b3))"),
    "Eckerle4": ("higher", "y", "(b1/b2)*exp(-0.5*((x - b3)/b2)**2)"),
    "Rat43": ("higher", "y", "b1/(1 + exp(b2 - b3*x))**(1/b4)"),
    "Bennett5": ("higher", "y", "b1*(b2 + x)**(-1/b3)"),
}

PROBLEMS = tuple(_TABLE)

# the number of observations NIST states for each dataset (the tests hold the
# files to it)
OBSERVATIONS = {
    "Misra1a": 14, "Chwirut2": 54, "Chwirut1": 214, "Lanczos3": 24, "Gauss1": 250,
    "Gauss2": 250, "DanWood": 6, "Misra1b": 14, "Kirby2": 151, "Hahn1": 236, "Nelson": 128,
    "MGH17": 33, "Lanczos1": 24, "Lanczos2": 24, "Gauss3": 250, "Misra1c": 14, "Misra1d": 14,
    "Roszman1": 25, "ENSO": 168, "MGH09": 11, "Thurber": 37, "BoxBOD": 6, "Rat42": 9,
    "MGH10": 16, "Eckerle4": 35, "Rat43": 15, "Bennett5": 154,
}


@dataclass(frozen=True)
class NistProblem:
    """One NIST problem: the model (adcli syntax) fitted to `response`."""

    name: str
    difficulty: str            # "lower", "average" or "higher"
    model: str                 # adcli expression in b1..bk and the predictors
    response: str              # "y", or "log(y)" for Nelson
    x: dict                    # predictor column name -> ndarray
    y: np.ndarray
    starts: tuple              # (start1, start2), each a dict b1.. -> float
    certified: dict            # b -> certified value
    stderr: dict               # b -> certified standard deviation
    residual_sum_of_squares: float
    residual_sd: float
    dof: int

    @property
    def parameters(self):
        """The parameter names b1..bk, in order."""
        return tuple(self.certified)

    @property
    def observations(self):
        return len(self.y)

    def data(self):
        """The columns a fit binds: the predictors and y."""
        return {**self.x, "y": self.y}


def path(name):
    """The packaged .dat file of a problem."""
    _check_name(name)
    return resources.files(__package__).joinpath("nist", f"{name}.dat")


def load(name):
    """Parse the packaged NIST file of `name` into a NistProblem."""
    return parse(path(name).read_text(encoding="ascii"), name)


def _check_name(name):
    if name not in _TABLE:
        raise ValueError(f"no NIST problem named {name!r}; the problems: "
                         + ", ".join(PROBLEMS))


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PARAMETER_ROW = re.compile(rf"^\s*(b\d+)\s*=\s*({_NUMBER})\s+({_NUMBER})\s+({_NUMBER})"
                            rf"\s+({_NUMBER})\s*$")
_COLUMNS = re.compile(r"^\s*Data:\s+(y(?:\s+x\d*)+)\s*$")


def _statistic(text, label, name):
    match = re.search(rf"^\s*{label}:\s+({_NUMBER})\s*$", text, re.MULTILINE)
    if match is None:
        raise ValueError(f"{name}: no '{label}' line")
    return match.group(1)


def parse(text, name):
    """Read NIST's StRD text: the parameter table, the statistics, the data."""
    _check_name(name)
    difficulty, response, model = _TABLE[name]
    start1, start2, certified, stderr = {}, {}, {}, {}
    lines = text.splitlines()
    columns, first_row = None, None
    for number, line in enumerate(lines):
        row = _PARAMETER_ROW.match(line)
        if row:
            b, s1, s2, value, sd = row.groups()
            start1[b], start2[b] = float(s1), float(s2)
            certified[b], stderr[b] = float(value), float(sd)
            continue
        header = _COLUMNS.match(line)
        if header:
            columns, first_row = header.group(1).split(), number + 1
            break
    if not certified:
        raise ValueError(f"{name}: no parameter rows (b1 = start1 start2 value sd)")
    if columns is None:
        raise ValueError(f"{name}: no 'Data:  y x' column line")
    rows = [line.split() for line in lines[first_row:] if line.strip()]
    if any(len(row) != len(columns) for row in rows):
        raise ValueError(f"{name}: a data row does not have {len(columns)} numbers")
    table = np.array(rows, dtype=float).reshape(len(rows), len(columns))
    stated = re.search(r"(\d+)\s+Observations", text)
    if stated is None or int(stated.group(1)) != len(rows):
        raise ValueError(f"{name}: {len(rows)} data rows, the header states "
                         f"{stated.group(1) if stated else 'no count'}")
    level = re.search(r"(Lower|Average|Higher) Level of Difficulty", text)
    if level is None or level.group(1).lower() != difficulty:
        raise ValueError(f"{name}: the header's level of difficulty is not {difficulty}")
    x = {column: table[:, index].copy() for index, column in enumerate(columns) if index}
    return NistProblem(
        name=name, difficulty=difficulty, model=model, response=response, x=x,
        y=table[:, 0].copy(), starts=(start1, start2), certified=certified, stderr=stderr,
        residual_sum_of_squares=float(_statistic(text, "Residual Sum of Squares", name)),
        residual_sd=float(_statistic(text, "Residual Standard Deviation", name)),
        dof=int(_statistic(text, "Degrees of Freedom", name)))
