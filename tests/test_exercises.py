"""Every chapter has at least four graded exercises, each with a solution."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GRADES = ("Warm-up", "Derivation", "Computation", "Open-ended")
#: Pages that teach and so set exercises: every chapter notebook except the closing page and
#: the errata (which list the paper's problems and point to the chapters' exercises).
NO_EXERCISES = {"verdict", "errata"}
_EXERCISE = re.compile(r"^(?:```|:::)\{exercise\}(.*)\n:label: ([\w-]+)", re.M)
_SOLUTION = re.compile(r"^(?:```|:::)\{solution(?:-start)?\} ([\w-]+)", re.M)


def teaching_chapters() -> list[Path]:
    return [
        p
        for p in sorted((ROOT / "book").glob("*.md"))
        if (ROOT / "notebooks" / f"{p.stem}.ipynb").exists() and p.stem not in NO_EXERCISES
    ]


def exercises(text: str) -> list[tuple[str, str]]:
    """(title, label) of each exercise directive."""
    return [(title.strip(), label) for title, label in _EXERCISE.findall(text)]


def test_the_exercise_parser_reads_titles_labels_and_solutions():
    text = "```{exercise} Warm-up: a check\n:label: ex-a\n\nText.\n```\n\n"
    text += "```{solution-start} ex-a\n:class: dropdown\n```\n"
    assert exercises(text) == [("Warm-up: a check", "ex-a")]
    assert _SOLUTION.findall(text) == ["ex-a"]


@pytest.mark.parametrize("chapter", teaching_chapters(), ids=lambda p: p.stem)
def test_each_chapter_has_four_graded_exercises_with_solutions(chapter):
    text = chapter.read_text(encoding="utf-8")
    found = exercises(text)
    assert len(found) >= 4, f"{chapter.name}: {len(found)} exercises, at least 4 wanted"
    ungraded = [title for title, _ in found if not title.startswith(tuple(f"{g}:" for g in GRADES))]
    assert not ungraded, f"{chapter.name}: titles must start with one of {GRADES} and a colon: {ungraded}"
    missing = [g for g in GRADES if not any(title.startswith(f"{g}:") for title, _ in found)]
    assert not missing, f"{chapter.name}: no {', '.join(missing)} exercise"
    solved = set(_SOLUTION.findall(text))
    unsolved = [label for _, label in found if label not in solved]
    assert not unsolved, f"{chapter.name}: exercises without a solution: {unsolved}"
