"""A number in a chapter's prose is computed in the build (glued) or is a cited literature value."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("prose_numbers", ROOT / "tools" / "prose_numbers.py")
prose_numbers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(prose_numbers)

CHAPTERS = sorted((ROOT / "book").glob("*.md"))


def found(text):
    return [token for _, token in prose_numbers.measured_numbers(text)]


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        ("The error is roughly 10 % here.", ["10%"]),
        ("Learned couplings 0.29–0.36 sit near K'.", ["0.29", "0.36"]),
        ("exact to 1e-9 up to L = 1024", ["1e-9", "1024"]),
        ("trained on 20,000 samples", ["20,000"]),
        ("a ring of 20 spins", ["20"]),
    ],
)
def test_measured_looking_numbers_are_caught(prose, expected):
    assert found(prose) == expected


@pytest.mark.parametrize(
    "prose",
    [
        "In 1D and 2D, CD-1 with L1 and L2 penalties on 2×2 blocks.",
        "The 1600-400-100-25 network of Eq. (8), published in 2014 as arXiv:1410.3831.",
        "Math is left alone: $K_c = ½ \\ln(1+\\sqrt 2) = 0.4407$, and so is $$u = -1.414$$.",
        "Glued values pass: {glue:text}`kl:.3f` nats; code too: `lr = 0.1`; {cite:p}`wolff1989collective`.",
        "See Fig. 3, section 12 and [the notes](https://example.org/v2.5/page).",
        "One digit is not a measurement: 3 layers, 4 units.",
    ],
)
def test_identifiers_math_code_roles_and_references_pass(prose):
    assert found(prose) == []


def test_code_cells_headings_options_and_math_blocks_are_not_prose():
    text = "\n".join(
        [
            "# A heading with 3.5",
            "```{code-cell} ipython3",
            "x = 0.25",
            "```",
            "```{math}",
            ":label: eq-x",
            "y = 12.5",
            "```",
            ":::{exercise}",
            ":label: ex-1",
            "Prose inside an exercise with 0.75 is checked.",
            ":::",
        ]
    )
    assert found(text) == ["0.75"]


def test_the_allow_list_needs_a_reason_and_names_each_value():
    text = "The paper used 20,000 samples and 2.17.\n<!-- numbers: 20,000 = the paper's dataset, mehta2014exact -->"
    assert found(text) == ["2.17"]
    with pytest.raises(ValueError, match="needs a reason"):
        found("<!-- numbers: 20,000 -->")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_prose_quotes_no_number_that_no_code_computed(chapter):
    numbers = prose_numbers.measured_numbers(chapter.read_text(encoding="utf-8"))
    where = ", ".join(f"line {line}: {token}" for line, token in numbers)
    assert not numbers, (
        f"{chapter.name} quotes numbers nothing computes ({where}): glue them from a cell, or list a "
        "literature value with its source in the chapter's <!-- numbers: token = source --> comment"
    )
