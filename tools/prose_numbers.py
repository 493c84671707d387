"""Find numbers in a chapter's running prose that no code computed.

Every number the book shows must come from code run in that build (glued), or be a
literature value with its citation. This scans a MyST chapter's prose, with math, code,
roles (glue, citations, cross-references), headings, directive options and link targets
removed, and returns the numbers that look measured: a decimal (0.3, 1e-9), a percentage, or
an integer of two or more digits. Identifiers pass: "1D", "CD-1", "L1", "2×2",
"1600-400-100-25", "Eq. (8)", "arXiv:1410.3831", and years (1900–2099).

A chapter lists the literature values it quotes, with their source, in one HTML comment
(invisible in the book) that the check reads:

    <!-- numbers: 20,000 = the paper's training set, mehta2014exact; 2.17 = z of Metropolis, nightingale1996 -->

Each entry allows that token everywhere in the chapter; an entry without a reason after
"=" is refused.

Usage: python tools/prose_numbers.py book/NAME.md [...]   (prints what it finds)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_FENCE = re.compile(r"^(`{3,}|~{3,}|:{3,})")
_ROLE = re.compile(r"\{[\w:.\-]+\}`[^`]*`")
_INLINE_CODE = re.compile(r"`[^`]*`")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LABEL = re.compile(r"^\([\w\-:.]+\)=\s*$")
_OPTION = re.compile(r"^:[\w\-]+:")

# A number with identifier characters on neither side: letters, digits, '-', '×', '/', ':', '.'
# next to it make it part of a name ("L1", "CD-1", "2×2", "1600-400-100-25", "arXiv:1410.3831").
_NUMBER = re.compile(
    r"(?<![\w\-×/:.^_])"
    r"(\d[\d,]*(?:\.\d+)?(?:[eE][-+−]?\d+)?)"
    r"(\s*%)?"
    r"(?![\w\-×/:^_]|\.\d)"
)
# "Eq. (8)", "Fig. 3", "section 4", "chapter 2", "appendix A": references, not measurements.
_REFERENCE_BEFORE = re.compile(r"(Eqs?\.|Figs?\.|[Ss]ections?|[Cc]hapters?|[Tt]ables?|[Pp]p?\.|[Vv]ol\.)\s*\(?$")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """The chapter's running prose, line by line (1-based line numbers), with everything that
    is not prose blanked out."""
    text = _HTML_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    lines = text.split("\n")
    out, fence, in_front = [], None, False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if number == 1 and stripped == "---":
            in_front = True
            continue
        if in_front:
            in_front = stripped != "---"
            continue
        opened = _FENCE.match(stripped)
        if fence is not None:
            if opened and stripped.startswith(fence) and stripped.rstrip(fence[0]) == "":
                fence = None
            elif opened and "{" not in stripped and stripped[:3] == fence[:3]:
                fence = None
            continue
        if opened:
            marker = opened.group(1)
            rest = stripped[len(marker) :]
            # Code, math and figure-like directives are skipped whole; prose directives (notes,
            # exercises, solutions, theorems) keep their body, minus their option lines.
            skip = (
                not rest.startswith("{")
                or rest.startswith(("{code-cell}", "{math}", "{eval-rst}", "{glue", "{figure}", "{list-table}"))
                or rest.startswith("{table}")
            )
            if skip:
                fence = marker
            continue
        if stripped.startswith("#") or _LABEL.match(stripped) or _OPTION.match(stripped) or stripped == "+++":
            continue
        out.append((number, line))
    joined = "\n".join(line for _, line in out)
    joined = _DISPLAY_MATH.sub(lambda m: "\n" * m.group().count("\n"), joined)
    cleaned = joined.split("\n")
    return [(number, cleaned[i]) for i, (number, _) in enumerate(out)]


_ALLOW = re.compile(r"<!--\s*numbers:(.*?)-->", re.S)


def allowed_numbers(text: str) -> dict[str, str]:
    """The chapter's allow-list: token -> the reason (source) given for it."""
    allowed = {}
    for block in _ALLOW.findall(text):
        for entry in filter(None, (e.strip() for e in block.split(";"))):
            token, _, reason = entry.partition("=")
            if not reason.strip():
                raise ValueError(f"allowed number {token.strip()!r} needs a reason: 'token = source'")
            allowed[token.strip()] = reason.strip()
    return allowed


def measured_numbers(text: str) -> list[tuple[int, str]]:
    """(line, number) for each measured-looking number in the running prose of ``text`` that
    the chapter's allow-list does not name."""
    allowed = allowed_numbers(text)
    return [(line, token) for line, token in _candidates(text) if token not in allowed]


def _candidates(text: str) -> list[tuple[int, str]]:
    found = []
    for number, line in prose_lines(text):
        line = _ROLE.sub(" ", line)
        line = _INLINE_CODE.sub(" ", line)
        line = _INLINE_MATH.sub(" ", line)
        line = _LINK_TARGET.sub("]", line)
        for match in _NUMBER.finditer(line):
            token, percent = match.group(1).rstrip(","), match.group(2)
            if _REFERENCE_BEFORE.search(line[: match.start()]):
                continue
            digits = token.replace(",", "")
            decimal = "." in digits or "e" in digits.lower()
            if percent or decimal:
                found.append((number, token + ("%" if percent else "")))
            elif len(digits) >= 2 and not (len(digits) == 4 and 1900 <= int(digits) <= 2099):
                found.append((number, token))
    return found


def main(paths: list[str]) -> int:
    status = 0
    for path in paths:
        for line, token in measured_numbers(Path(path).read_text(encoding="utf-8")):
            print(f"{path}:{line}: {token}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
