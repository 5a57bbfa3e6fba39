"""Lexicon.chunks: the tokenizer's pieces a chunk of text at a time are the
pieces of the whole text split at once, wherever the chunks end (inside a
name, a number with an exponent, a comment, a run of blanks)."""
import random

import pytest

from adcli.language import lalr, parser
from adcli.workloads import generate


def _lexicon():
    return parser._the_parser().lexicon


TEXTS = [
    generate.rosenbrock(200),
    "a_long_name_" * 40 + " = 1.5e-3 * x\n# " + "a comment " * 30 + "\nf = a_long_name_" * 3,
    " ".join(f"{k}.{k}e+{k % 9}*y{k}" for k in range(300)),
    "x" * 5000 + " + 1",  # one piece longer than a chunk
    "\t \n" * 400 + "sin(x) ** 2 ^ 3 .T",
]


@pytest.mark.parametrize("size", [65, 100, 257, 1000])
@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_chunks_give_the_pieces_of_the_whole_text(text, size):
    lexicon = _lexicon()
    chunks = list(lexicon.chunks(text, size))
    assert [piece for chunk in chunks for piece in chunk] == lexicon.split(text)
    if len(text) > 4 * size and len(max(lexicon.split(text), key=len)) < size // 2:
        assert len(chunks) > 1  # it did cut the text


def test_random_texts_split_the_same_in_chunks():
    rng = random.Random(15)
    alphabet = ["x", "y1", "_z", "12", ".5", "e", "E", "+", "-", "*", "**", " ", "\n", "#",
                "(", ")", "1e5", "3.", ",", ".T", "@"]
    lexicon = _lexicon()
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(50, 400)))
        size = rng.randrange(lalr.MARGIN + 1, 200)
        assert [p for chunk in lexicon.chunks(text, size) for p in chunk] == lexicon.split(text)


def test_a_text_with_quotes_is_split_at_once():
    text = 'A = load("' + "d" * 300 + '.csv")\nf = sum(A)'
    chunks = list(_lexicon().chunks(text, 100))
    assert len(chunks) == 1 and chunks[0] == _lexicon().split(text)
