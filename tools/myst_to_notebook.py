"""Turn a MyST chapter into a notebook that reads well in Jupyter and Colab.

A chapter ``book/NAME.md`` is written for Jupyter Book: roles (``{cite:p}``, ``{glue:text}``,
``{ref}``, ``{eq}``, ...) and directives (``prf:theorem``, ``exercise``, ...) that only Sphinx
understands. Jupyter and Colab render CommonMark with ``$``-math, so there the raw syntax shows.
:meth:`Book.notebook` rewrites the Markdown cells of jupytext's reading of a chapter into that
subset. Code cells, their tags and metadata stay exactly as jupytext gives them (papermill and
nbval run them, and the book's build compares them with the chapter's); the notebook gains a
first code cell that installs rgkit where it is missing (Colab), a caption cell after each code
cell that draws a captioned figure, and a closing list of the works it cites.

Design: one walk over a page both converts it and numbers what it defines (labelled equations,
each kind of ``prf`` block, exercises, figures: 1, 2, 3 in order of appearance in the page).
The walk runs twice: over every page of ``book/`` to collect the targets (label -> page, kind,
number, title), then over the chapter with that index, so that a reference and its target carry
the same number and a reference into another chapter links to that chapter's notebook.

A role or directive the converter does not know is an error naming the page and the construct,
so that a new construct fails ``make sync`` instead of leaking raw MyST into a notebook.

Usage: python tools/myst_to_notebook.py book/NAME.md   (prints the converted Markdown cells)
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import yaml
from pybtex.database import BibliographyData, parse_file
from pybtex.plugin import find_plugin

ROOT = Path(__file__).resolve().parent.parent
# The bibliography's style is the book's own (the Sphinx extension in book/_ext): the
# notebooks cite with the labels the book's list uses.
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from rgbook_assets import AuthorYearLabels, AuthorYearStyle  # noqa: E402

#: sphinx-proof's statement kinds; each is numbered on its own (Theorem 1, Definition 1, ...).
PRF_KINDS = frozenset(
    "axiom algorithm assumption conjecture corollary criterion definition example lemma notation "
    "observation property proposition remark theorem".split()
)
ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}
#: Directives that have no place in a notebook: dropped with their body.
DROPPED = frozenset({"toctree", "tableofcontents", "bibliography"})
#: Python-domain roles ({func}`rgkit.x.f`): the name in code font.
PY_ROLE = re.compile(r"(py:)?(func|meth|class|data|attr|mod|obj|exc|const|property|type)")
#: Roles whose text is kept as it is, in the given wrapping.
TEXT_ROLES = {
    "code": "`{}`",
    "samp": "`{}`",
    "file": "`{}`",
    "command": "`{}`",
    "envvar": "`{}`",
    "program": "**{}**",
    "dfn": "*{}*",
    "term": "{}",
    "guilabel": "**{}**",
    "menuselection": "**{}**",
    "sub": "<sub>{}</sub>",
    "sup": "<sup>{}</sup>",
    "kbd": "<kbd>{}</kbd>",
}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_LABEL = re.compile(r"^\s*\((?P<label>[^()\s]+)\)=\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
_MATH_END = re.compile(r"^(?P<math>.*)\$\$\s*(?:\((?P<label>[^()\s]+)\))?\s*$", re.S)
_INLINE = re.compile(
    r"\{(?P<name>[A-Za-z][\w:+.-]*)\}(?P<tick>`+)(?P<content>.+?)(?P=tick)|(?P<code>(?P<codetick>`+).+?(?P=codetick))",
    re.S,
)
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])(\s|$)")
#: Jupyter makes a heading's anchor from its text, spaces turned into dashes; only plain
#: titles give an anchor that a Markdown link can name safely.
_PLAIN_TITLE = re.compile(r"[A-Za-z0-9 ,.:'-]+")


@dataclass(frozen=True)
class Target:
    """Something a reference can point to.

    Attributes
    ----------
    page : str
        Stem of the book page that defines it (``mapping`` for ``book/mapping.md``).
    kind : str
        ``chapter``, ``section``, ``paragraph`` (a label before anything else), ``equation``,
        ``figure``, ``exercise`` or a ``prf`` kind (``theorem``, ``definition``, ...).
    number : int or None
        Its number within the page (equations, figures, exercises, ``prf`` blocks).
    title : str
        Heading or directive title, as written in MyST ('' when there is none).
    """

    page: str
    kind: str
    number: int | None
    title: str


@dataclass
class _Fence:
    """A fenced block: a directive when ``name`` is set, else plain code kept as written."""

    name: str | None
    argument: str
    options: dict[str, str]
    body: list[str]
    raw: list[str]


def _blocks(lines: list[str]) -> list[str | _Fence]:
    """Split Markdown lines into plain lines and fenced blocks (nested fences stay in the body)."""
    out: list[str | _Fence] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        info = match["info"].strip() if match else ""
        directive = _DIRECTIVE.match(info) if match else None
        # A colon fence without {name} is no fence; a backtick fence's info has no backtick.
        if not match or (match["fence"][0] == ":" and not directive) or (match["fence"][0] == "`" and "`" in info):
            out.append(lines[i])
            i += 1
            continue
        fence = match["fence"]
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = i + 1
        while end < len(lines) and not close.match(lines[end]):
            end += 1
        body = lines[i + 1 : end]
        indent = len(match["indent"])
        body = [line[indent:] if line[:indent].strip() == "" else line for line in body]
        if directive:
            options, body = _options(body)
            out.append(_Fence(directive["name"], directive["argument"].strip(), options, body, lines[i : end + 1]))
        else:
            out.append(_Fence(None, info, {}, body, lines[i : end + 1]))
        i = end + 1
    return out


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """A directive's ``:key: value`` lines (or a ``---`` YAML block), and the body after them."""
    options: dict[str, str] = {}
    k = 0
    if body and body[0].strip() == "---":
        end = next((j for j in range(1, len(body)) if body[j].strip() == "---"), None)
        if end is not None:
            loaded = yaml.safe_load("\n".join(body[1:end])) or {}
            options = {str(key): str(value) for key, value in loaded.items()}
            k = end + 1
    else:
        while k < len(body) and (match := _OPTION.match(body[k])):
            options[match["key"]] = match["value"].strip()
            k += 1
    rest = body[k:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    return options, rest


def _is_prose(line: str) -> bool:
    """Whether a line continues a paragraph (so that a bold lead-in can go in front of it)."""
    stripped = line.lstrip()
    return bool(stripped) and not (
        stripped.startswith(("$$", "```", ":::", "#", ">", "|", "<"))
        or _LIST_ITEM.match(line)
        or line.startswith("    ")
    )


def _lead(lead: str, body: list[str]) -> list[str]:
    """Put a bold lead-in ("**Theorem 2.**") in front of the first paragraph of a body."""
    k = next((j for j, line in enumerate(body) if line.strip()), None)
    if k is not None and _is_prose(body[k]):
        return [*body[:k], f"{lead} {body[k].lstrip()}", *body[k + 1 :]]
    return [lead, "", *body[(k or 0) :]]


def _quote(lines: list[str]) -> list[str]:
    """A blockquote of converted Markdown.

    JupyterLab takes the math out of a cell before it parses the Markdown, so a ``> `` in front
    of a line inside ``$$ ... $$`` (or inside ``$...$`` broken over lines) would end up in the
    TeX. Each paragraph and each display equation is therefore put on one line first.
    """
    joined: list[str] = []
    in_code = in_math = False
    blocks = ("#", "|", "<", ">", "```", "~~~", "$$")
    for line in lines:
        stripped = line.strip()
        if in_code or stripped.startswith(("```", "~~~")):
            in_code ^= stripped.startswith(("```", "~~~"))
            joined.append(line)
        elif in_math:
            joined[-1] += " " + stripped
            in_math = not stripped.endswith("$$")
        elif stripped.startswith("$$"):
            joined.append(stripped)
            in_math = stripped == "$$" or not stripped.endswith("$$")
        elif (
            stripped
            and joined
            and joined[-1].strip()
            and not joined[-1].strip().startswith(blocks)
            and not stripped.startswith(blocks)
            and not _LIST_ITEM.match(line)
        ):
            joined[-1] = joined[-1].rstrip() + " " + stripped
        else:
            joined.append(line)
    return [f"> {line}" if line.strip() else ">" for line in joined]


def _anchor(title: str) -> str | None:
    """The anchor Jupyter gives a heading with this title, if the title is plain text."""
    return title.replace(" ", "-") if _PLAIN_TITLE.fullmatch(title) else None


class Bibliography:
    """Author-year citations and a formatted list of works, from a BibTeX file.

    Parameters
    ----------
    data : pybtex.database.BibliographyData
        The parsed file (:func:`pybtex.database.parse_file` or ``parse_string``).
    """

    def __init__(self, data: BibliographyData):
        self.data = data
        self._style = AuthorYearStyle()
        # Looking a backend up scans the installed entry points: once, not at every name.
        self._markdown = find_plugin("pybtex.backends", "markdown")()
        # Labelled over the whole list, as the book's bibliography is: two works with one
        # author-year label are 2014a and 2014b in both.
        ordered = self._style.sort(list(data.entries.values()))
        labels = AuthorYearLabels().format_labels(ordered)
        self._label = {entry.key: label for entry, label in zip(ordered, labels, strict=True)}

    def _entry(self, key: str):
        try:
            return self.data.entries[key]
        except KeyError:
            raise ValueError(f"citation {key!r} is not in the bibliography") from None

    def authors(self, key: str) -> str:
        """ "Kadanoff", "Mehta and Schwab" or "Iso et al." (three authors or more)."""
        self._entry(key)
        return self._label[key].rsplit(", ", 1)[0]

    def year(self, key: str) -> str:
        """The year, with a letter when the same authors have two works that year."""
        self._entry(key)
        return self._label[key].rsplit(", ", 1)[1]

    def url(self, key: str) -> str | None:
        """The work's DOI, else its arXiv page, else its ``url`` field."""
        fields = self._entry(key).fields
        if fields.get("doi"):
            return f"https://doi.org/{fields['doi']}"
        if fields.get("eprint") and fields.get("archivePrefix", "arXiv").lower() == "arxiv":
            return f"https://arxiv.org/abs/{fields['eprint']}"
        return fields.get("url") or None

    def cite(self, keys: list[str], textual: bool) -> str:
        """``(Mehta and Schwab, 2014; Iso et al., 2018)``, or ``Mehta and Schwab (2014)`` when textual."""
        parts = []
        for key in keys:
            text = f"{self.authors(key)} ({self.year(key)})" if textual else f"{self.authors(key)}, {self.year(key)}"
            url = self.url(key)
            parts.append(f"[{text}]({url})" if url else text)
        return ", ".join(parts) if textual else f"({'; '.join(parts)})"

    def references(self, keys: list[str]) -> list[str]:
        """One Markdown line per work, labelled as the text cites it, sorted by author and year."""
        lines = []
        for entry in self._style.format_bibliography(self.data, list(dict.fromkeys(keys))):
            text = entry.text.render(self._markdown).replace("\n", " ")
            # The Markdown backend escapes _ in TeX too; Jupyter reads $...$ before Markdown.
            text = re.sub(r"\$[^$]+\$", lambda m: re.sub(r"\\([_*\[\]()#+.!-])", r"\1", m[0]), text)
            lines.append(f"- **{self.authors(entry.key)}, {self.year(entry.key)}.** {text}")
        return lines


class _Page:
    """One walk over one page: converts its Markdown and numbers its targets.

    With ``collect=True`` (the first walk) references are not resolved and targets are recorded
    in ``found``; with ``collect=False`` every reference must resolve in ``book.targets``.
    ``strict=False`` skips unknown constructs (pages that are not notebooks, read only for their
    targets).
    """

    def __init__(self, book: Book, stem: str, collect: bool, strict: bool = True):
        self.book = book
        self.stem = stem
        self.collect = collect
        self.strict = strict
        self.counts: Counter[str] = Counter()
        self.found: dict[str, Target] = {}
        self.pending: str | None = None
        self.glued: list[str] = []
        self.cited: list[str] = []
        self.seen_heading = False
        # The code cells of the notebook, and the index of the cell being converted among all.
        self.code: list[str] = []
        self.cell = 0

    # ------------------------------------------------------------------ targets and numbers
    def _define(self, label: str | None, kind: str, title: str = "", numbered: bool = True) -> int | None:
        number = None
        if numbered:
            self.counts[kind] += 1
            number = self.counts[kind]
        if label:
            if self.collect:
                self.found[label] = Target(self.stem, kind, number, title)
            elif self.book.targets.get(label) != Target(self.stem, kind, number, title):
                raise RuntimeError(f"{self.stem}: {label!r} numbered differently in the two walks")
        return number

    def _settle_label(self, next_line: str | None) -> None:
        """A label not followed by a heading marks a paragraph (or a block)."""
        if self.pending and next_line is not None and next_line.strip():
            self._define(self.pending, "paragraph", numbered=False)
            self.pending = None

    def _error(self, message: str) -> str:
        if self.strict:
            raise ValueError(f"book/{self.stem}.md: {message}")
        return ""

    # ------------------------------------------------------------------ Markdown
    def markdown(self, text: str) -> str:
        """The converted text of one Markdown cell."""
        lines = self._lines(text.split("\n"))
        return "\n".join(lines).strip("\n")

    def _lines(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        prose: list[str] = []

        def emit(new: list[str], spaced: bool) -> None:
            # Directives become paragraphs of their own: a blank line on each side.
            if spaced and out and out[-1].strip():
                out.append("")
            out.extend(new)
            if spaced:
                out.append("")

        for block in _blocks(lines):
            if isinstance(block, str):
                prose.append(block)
                continue
            emit(self._text(prose), spaced=False)
            prose = []
            self._settle_label(block.raw[0])
            emit(self._fence(block), spaced=block.name is not None)
        emit(self._text(prose), spaced=False)
        # Collapse the blank lines that dropped labels and spaced directives leave (not in code).
        collapsed: list[str] = []
        in_code = False
        for line in out:
            in_code ^= line.lstrip().startswith(("```", "~~~"))
            if in_code or line.strip() or (collapsed and collapsed[-1].strip()):
                collapsed.append(line)
        return collapsed

    def _text(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        buffer: list[str] = []

        def flush() -> None:
            if buffer:
                out.extend(self.inline("\n".join(buffer)).split("\n"))
                buffer.clear()

        i = 0
        while i < len(lines):
            line = lines[i]
            if match := _LABEL.match(line):
                flush()
                self._settle_label(line)
                self.pending = match["label"]
                i += 1
                continue
            if match := _HEADING.match(line):
                flush()
                self._heading(len(match["hashes"]), match["title"])
                out.append(f"{match['hashes']} {self.inline(match['title'])}")
                i += 1
                continue
            self._settle_label(line)
            if line.strip().startswith("$$"):
                end = self._math_end(lines, i)
                if end is not None:
                    flush()
                    out.extend(self._display_math(lines[i : end + 1]))
                    i = end + 1
                    continue
            buffer.append(line)
            i += 1
        flush()
        return out

    def _heading(self, level: int, title: str) -> None:
        kind = "chapter" if level == 1 and not self.seen_heading else "section"
        self.seen_heading = True
        if kind == "chapter" and self.collect:
            self.book.titles.setdefault(self.stem, title)
        if self.pending:
            self._define(self.pending, kind, title, numbered=False)
            self.pending = None

    @staticmethod
    def _math_end(lines: list[str], start: int) -> int | None:
        """The line that closes the display equation opened at ``start``."""
        first = lines[start].strip()
        if first != "$$" and _MATH_END.match(first[2:]):
            return start
        for j in range(start + 1, len(lines)):
            if _MATH_END.match(lines[j]):
                return j
        return None

    def _display_math(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines).strip()
        match = _MATH_END.match(text[2:])
        body = self.book.expand_macros(match["math"]).strip("\n")
        if not match["label"]:
            return [f"$${body}$$"] if len(lines) == 1 else ["$$", *body.strip("\n").split("\n"), "$$"]
        number = self._define(match["label"], "equation")
        return ["$$", *body.strip().split("\n"), rf"\tag{{{number}}}", "$$"]

    def inline(self, text: str) -> str:
        """Roles replaced; code spans kept as written; the book's TeX macros expanded."""
        pieces = []
        position = 0
        for match in _INLINE.finditer(text):
            pieces.append(self.book.expand_macros(text[position : match.start()]))
            pieces.append(match[0] if match["code"] else self._role(match["name"], match["content"]))
            position = match.end()
        pieces.append(self.book.expand_macros(text[position:]))
        return "".join(pieces)

    # ------------------------------------------------------------------ roles
    def _role(self, name: str, content: str) -> str:
        explicit = _EXPLICIT.match(content)
        text, target = (explicit["text"], explicit["target"].strip()) if explicit else (None, content.strip())
        if name.startswith("cite"):
            keys = [key.strip() for key in content.split(",") if key.strip()]
            self.cited += keys
            bib = self.book.bibliography
            if name in ("cite:t", "cite:ts"):
                return bib.cite(keys, textual=True)
            if name in ("cite", "cite:p", "cite:ps"):
                return bib.cite(keys, textual=False)
            if name == "cite:author":
                return ", ".join(bib.authors(key) for key in keys)
            if name == "cite:year":
                return ", ".join(bib.year(key) for key in keys)
            return self._error(f"unknown citation role {{{name}}}")
        if name == "glue" or name.startswith("glue:"):
            glued = content.split(":", 1)[0].strip()
            self.glued.append(glued)
            return f"`{glued}`"
        if name in ("ref", "numref", "prf:ref", "eq"):
            return self._reference(name, text, target)
        if name == "doc":
            stem = Path(target).stem
            title = text or self.book.titles.get(stem, stem)
            return self._link(stem, self.inline(title))
        if PY_ROLE.fullmatch(name):
            if text is not None:
                return text
            # Sphinx shows only the last part of a name written with a leading ~.
            return f"`{target[1:].rsplit('.', 1)[-1]}`" if target.startswith("~") else f"`{target}`"
        if name == "math":
            return f"${self.book.expand_macros(content)}$"
        if name == "abbr":
            return re.sub(r"\s*\(.*\)\s*$", "", content)
        if name == "download":
            return f"[{text or Path(target).name}]({self._path(target)})"
        if name in TEXT_ROLES:
            return TEXT_ROLES[name].format(content)
        return self._error(f"unknown role {{{name}}}`{content}`")

    def _link(self, page: str, text: str, anchor: str | None = None) -> str:
        """``text``, linked to the anchor in this notebook or to the other chapter's notebook."""
        if page == self.stem:
            return f"[{text}](#{anchor})" if anchor else text
        if page in self.book.notebooks:
            return f"[{text}]({page}.ipynb{'#' + anchor if anchor else ''})"
        return text

    def _reference(self, role: str, text: str | None, label: str) -> str:
        if self.collect:
            return text or "?"
        found = self.book.targets.get(label)
        if found is None:
            return self._error(f"{{{role}}}`{label}` has no target in book/")
        where = ""
        if found.page != self.stem:
            where = " of " + self._link(found.page, self.inline(self.book.titles.get(found.page, found.page)))
        if role == "eq":
            if found.kind != "equation":
                return self._error(f"{{eq}}`{label}` is not an equation")
            return f"({found.number}){where}"
        if text is not None and role != "numref":
            # The book shows the text given; it links it to its target.
            if found.kind in ("chapter", "section"):
                return self._link(
                    found.page, self.inline(text), _anchor(found.title) if found.kind == "section" else None
                )
            return self.inline(text) + where
        if found.kind == "chapter":
            return self._link(found.page, self.inline(found.title))
        if found.kind == "section":
            return self._link(found.page, self.inline(found.title), _anchor(found.title))
        if found.kind == "paragraph":
            return self._error(f"{{{role}}}`{label}` points to a paragraph: give the link a text")
        name = "Figure" if found.kind == "figure" else found.kind.capitalize()
        numbered = f"{name} {found.number}" if found.number else (found.title or name)
        if role == "numref" and text is not None:
            numbered = text.replace("%s", str(found.number)).replace("{number}", str(found.number))
            numbered = numbered.replace("{name}", found.title)
        return numbered + where

    def _path(self, target: str) -> str:
        """A path of the book (relative to book/, or to the root when it starts with /) from notebooks/."""
        if re.match(r"^[a-z]+://", target):
            return target
        return f"..{target}" if target.startswith("/") else f"../book/{target}"

    # ------------------------------------------------------------------ directives
    def _fence(self, fence: _Fence) -> list[str]:
        name = fence.name
        if name is None:
            return fence.raw
        label = fence.options.get("label") or fence.options.get("name")
        numbered = "nonumber" not in fence.options
        argument = self.inline(fence.argument)
        if name.startswith("prf:") and name[4:] in PRF_KINDS:
            kind = name[4:]
            number = self._define(label, kind, fence.argument, numbered)
            head = " ".join(filter(None, [kind.capitalize(), str(number) if number else ""]))
            lead = f"**{head} ({argument}).**" if argument else f"**{head}.**"
            return _quote(_lead(lead, self._lines(fence.body)))
        if name == "prf:proof":
            body = self._lines(fence.body)
            while body and not body[-1].strip():
                body.pop()
            if body and _is_prose(body[-1]):
                body[-1] += " ∎"
            else:
                body += ["", "∎"]
            return _lead("*Proof.*", body)
        if name == "exercise":
            number = self._define(label, "exercise", fence.argument, numbered)
            head = f"Exercise {number}" if number else "Exercise"
            lead = f"**{head} ({argument}).**" if argument else f"**{head}.**"
            return _lead(lead, self._lines(fence.body))
        if name in ("solution-start", "solution"):
            lead = f"**Solution to {self._exercise(fence.argument)}.**"
            if name == "solution-start":
                return [lead]
            return [*_lead(lead, self._lines(fence.body)), "", "---"]
        if name == "solution-end":
            return ["---"]
        if name in ADMONITIONS or name in ("admonition", "dropdown", "topic", "sidebar", "margin"):
            title = ADMONITIONS.get(name) or argument or name.capitalize()
            return _quote(_lead(f"**{title}.**", self._lines(fence.body)))
        if name == "epigraph":
            return _quote(self._lines(fence.body))
        if name == "math":
            body = self.book.expand_macros("\n".join(fence.body).strip()).split("\n")
            if label:
                return ["$$", *body, rf"\tag{{{self._define(label, 'equation')}}}", "$$"]
            return ["$$", *body, "$$"]
        if name in ("figure", "image"):
            return self._figure(fence, label)
        if name.startswith("glue"):
            # The glued output exists only once the code has run: name it, and say where it is made.
            glued = fence.argument.strip()
            self.glued.append(glued)
            if name != "glue:figure":
                return [f"`{glued}`"]
            where = {True: "above", False: "below", None: "of this notebook"}[self._glued_above(glued)]
            note = f"*Figure {self._define(label, 'figure')}* (`{glued}`, drawn by the code {where})."
            caption = self._lines(fence.body)
            return _lead(note, caption) if caption else [note]
        if name in ("code-block", "code", "sourcecode"):
            return [f"```{fence.argument}", *fence.body, "```"]
        if name == "list-table":
            return self._list_table(fence)
        if name == "raw":
            return fence.body if fence.argument.strip() == "html" else []
        if name in DROPPED:
            return []
        if name == "code-cell":
            return self._error("a {code-cell} inside a Markdown cell") or fence.raw
        self._error(f"unknown directive {{{name}}}")
        return []

    def _glued_above(self, name: str) -> bool | None:
        """Whether the code cell that glues ``name`` comes before the cell being converted."""
        call = re.compile(rf"""\bglue\(\s*["']{re.escape(name)}["']""")
        where = [i for i, source in enumerate(self.code) if call.search(source)]
        return None if not where else where[0] < self.cell

    def _exercise(self, label: str) -> str:
        if self.collect:
            return "exercise"
        found = self.book.targets.get(label)
        if found is None or found.kind != "exercise":
            return self._error(f"solution to {label!r}, which is no exercise") or "exercise"
        return f"exercise {found.number}" if found.number else "the exercise"

    def _figure(self, fence: _Fence, label: str | None) -> list[str]:
        alt = fence.options.get("alt", "")
        lines = [f"![{alt}]({self._path(fence.argument)})"]
        if fence.name == "figure":
            number = self._define(label, "figure", "")
            caption = self._lines(fence.body)
            if caption:
                lines += ["", *_lead(f"*Figure {number}.*", caption)]
        return lines

    def figure_caption(self, cell) -> str | None:
        """The caption a code cell gives its figure in the book (``mystnb: figure:``), numbered."""
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if not figure.get("caption") and not figure.get("name"):
            return None
        number = self._define(figure.get("name"), "figure", "")
        caption = self.markdown(str(figure.get("caption", "")))
        return f"*Figure {number}.* {caption}".rstrip()

    def _list_table(self, fence: _Fence) -> list[str]:
        rows: list[list[str]] = []
        for line in fence.body:
            if match := re.match(r"^\*\s+-\s+(.*)$", line):
                rows.append([match[1]])
            elif match := re.match(r"^\s+-\s+(.*)$", line):
                rows[-1].append(match[1])
            elif line.strip() and rows:
                rows[-1][-1] += " " + line.strip()
        if not rows:
            return []
        cells = [[self.inline(c).replace("|", r"\|") for c in row] for row in rows]
        header = int(fence.options.get("header-rows", "0") or 0)
        head, rest = (cells[0], cells[1:]) if header else ([""] * len(cells[0]), cells)
        table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return table + ["| " + " | ".join(row) + " |" for row in rest]


#: Tags of the code cells the book hides or collapses; in the notebook their source starts
#: collapsed (``jupyter.source_hidden``), so a student reads the chapter as the book shows it.
HIDDEN_TAGS = frozenset({"remove-cell", "remove-input", "hide-input", "hide-cell"})


class Book:
    """The pages of the book, their targets and bibliography; makes a chapter's notebook.

    Parameters
    ----------
    pages : dict of str to str
        Page stem -> its MyST text (``book/NAME.md``).
    notebooks : set of str
        The stems of the pages that are notebooks (a jupytext header).
    bibliography : Bibliography
    macros : dict of str to str, optional
        The book's MathJax macros (name without backslash -> replacement): they do not reach
        Jupyter or Colab, so they are expanded in the notebooks.
    repository : str, optional
        URL of the book's Git repository ('' when unknown): the first cell installs rgkit from it.
    branch : str, optional
    title : str, optional
        The book's title.
    baseurl : str, optional
        The address the book is published at ('' when unknown, ``html: baseurl:`` in
        _config.yml): the first cell points rgkit's cache at its ``artefacts/``, so a chapter
        fetches the published networks and datasets instead of training them.
    """

    def __init__(
        self,
        pages: dict[str, str],
        notebooks: set[str],
        bibliography: Bibliography,
        macros: dict[str, str] | None = None,
        repository: str = "",
        branch: str = "",
        title: str = "",
        baseurl: str = "",
    ):
        self.pages = pages
        self.notebooks = set(notebooks)
        self.bibliography = bibliography
        self.macros = dict(macros or {})
        self.repository = repository
        self.branch = branch
        self.title = title
        self.baseurl = baseurl.strip().rstrip("/")
        self.titles: dict[str, str] = {}
        self.targets: dict[str, Target] = {}
        self._read = {stem: jupytext.reads(pages[stem], fmt="md:myst") for stem in sorted(self.notebooks)}
        for stem, text in pages.items():
            walk = _Page(self, stem, collect=True, strict=stem in self.notebooks)
            cells = self._read[stem].cells if stem in self.notebooks else [nbformat.v4.new_markdown_cell(_body(text))]
            for cell in cells:
                if cell.cell_type == "markdown":
                    walk.markdown(cell.source)
                elif cell.cell_type == "code":
                    walk.figure_caption(cell)
            for label, target in walk.found.items():
                if label in self.targets:
                    raise ValueError(
                        f"label {label!r} is defined in book/{self.targets[label].page}.md and in book/{stem}.md"
                    )
                self.targets[label] = target

    @classmethod
    def load(cls, root: Path = ROOT) -> Book:
        """The book under ``root``: ``book/*.md``, ``book/references.bib`` and ``_config.yml``."""
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
        pages, notebooks = {}, set()
        for path in sorted((root / "book").glob("*.md")):
            pages[path.stem] = text = path.read_text(encoding="utf-8")
            if is_notebook_page(text):
                notebooks.add(path.stem)
        macros = config.get("sphinx", {}).get("config", {}).get("mathjax3_config", {}).get("tex", {}).get("macros", {})
        repository = config.get("repository") or {}
        bib = (config.get("bibtex_bibfiles") or ["book/references.bib"])[0]
        return cls(
            pages,
            notebooks,
            Bibliography(parse_file(str(root / bib))),
            macros={name: value for name, value in macros.items() if isinstance(value, str)},
            repository=str(repository.get("url") or ""),
            branch=str(repository.get("branch") or ""),
            title=str(config.get("title") or ""),
            baseurl=str((config.get("html") or {}).get("baseurl") or ""),
        )

    def expand_macros(self, text: str) -> str:
        for name, value in self.macros.items():
            text = re.sub(rf"\\{name}(?![A-Za-z])", lambda _, v=value: v, text)
        return text

    def install_cell(self, stem: str):
        """The first code cell: installs rgkit where it is missing (Colab); a no-op where it is not."""
        head = [
            "# On Colab, or anywhere without the book's package, install rgkit from",
            "# the book's repository (rgkit on PyPI is a different project). The",
            "# chapter records its numbers with myst-nb's glue, which Colab lacks.",
            "import importlib.util",
            "import subprocess",
            "import sys",
            "",
        ]
        if self.repository:
            ref = f"@{self.branch}" if self.branch else ""
            body = [
                "needed = {",
                f'    "rgkit": "rgkit @ git+{self.repository}{ref}",',
                '    "myst_nb": "myst-nb",',
                "}",
                "find = importlib.util.find_spec",
                "missing = [spec for name, spec in needed.items() if find(name) is None]",
                "if missing:",
                '    pip = [sys.executable, "-m", "pip", "install", "-q"]',
                "    subprocess.check_call([*pip, *missing])",
            ]
        else:
            body = [
                'if importlib.util.find_spec("rgkit") is None:',
                "    raise ModuleNotFoundError(",
                '        "this notebook needs rgkit, the book\'s own package: clone "',
                '        "the book\'s repository, run `pip install -e .` in it and "',
                '        "restart the kernel"',
                "    )",
                'if importlib.util.find_spec("myst_nb") is None:',
                "    subprocess.check_call(",
                '        [sys.executable, "-m", "pip", "install", "-q", "myst-nb"]',
                "    )",
            ]
        if self.baseurl:
            body += [
                "",
                "# A cache entry missing here is fetched from the published book",
                "# (checked against its SHA-256) instead of being computed.",
                "import os",
                "",
                "os.environ.setdefault(",
                f'    "RGBOOK_ARTEFACTS_URL", "{self.baseurl}/artefacts"',
                ")",
            ]
        cell = nbformat.v4.new_code_cell("\n".join(head + body), metadata={"tags": ["colab-install"]})
        cell.id = f"{stem}-colab-install"
        return cell

    def notebook(self, stem: str):
        """The notebook of chapter ``book/STEM.md``: converted Markdown, jupytext's code cells."""
        if stem not in self.notebooks:
            raise ValueError(f"book/{stem}.md is not a notebook page (no jupytext header)")
        nb = copy.deepcopy(self._read[stem])
        nb.metadata.pop("jupytext", None)  # not jupytext's representation of the chapter any more
        walk = _Page(self, stem, collect=False)
        walk.code = [c.source if c.cell_type == "code" else "" for c in nb.cells]
        cells = [self.install_cell(stem)]
        for i, cell in enumerate(nb.cells):
            walk.cell = i
            cell.id = f"{stem}-{i}"  # stable ids keep the diff of a sync small
            cells.append(cell)
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
                if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
                    # What the book hides (checks, glue, set-up) starts collapsed in Jupyter.
                    cell.metadata["jupyter"] = {"source_hidden": True}
                caption = walk.figure_caption(cell)
                if caption:
                    cells.append(nbformat.v4.new_markdown_cell(caption, id=f"{stem}-{i}-caption"))
            elif cell.cell_type == "markdown":
                cell.source = walk.markdown(cell.source)
        first = next(c for c in cells if c.cell_type == "markdown")
        first.source = first.source.rstrip() + "\n\n" + self._about(stem, walk.glued)
        if walk.cited:
            references = "## References\n\n" + "\n".join(self.bibliography.references(walk.cited))
            cells.append(nbformat.v4.new_markdown_cell(references, id=f"{stem}-references"))
        nb.cells = cells
        return nb

    def _about(self, stem: str, glued: list[str]) -> str:
        book = f"the book *{self.title}*" if self.title else "the book"
        text = (
            f"> *About this notebook.* It is a chapter of {book}, converted from its source "
            f"`book/{stem}.md` by `tools/sync_notebooks.py`: edit the source, not this file."
        )
        if glued:
            text += (
                " The numbers that the book prints in the text are computed by the code cells; here"
                " they appear as the names under which the code records them, in code font (such as"
                f' `{glued[0]}`, recorded by `glue("{glued[0]}", ...)`). Run the cells to compute them,'
                " or read this chapter in the book, which prints them."
            )
        return text


def is_notebook_page(text: str) -> bool:
    """Whether a page of book/ is a Markdown notebook: front matter with a jupytext header."""
    return text.startswith("---\n") and "\njupytext:" in text.split("\n---\n", 1)[0]


def _body(text: str) -> str:
    """A page without its front matter."""
    if text.startswith("---\n") and "\n---\n" in text[4:]:
        return text[4:].split("\n---\n", 1)[1]
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+", type=Path, help="book/NAME.md files")
    args = parser.parse_args()
    book = Book.load()
    for path in args.chapters:
        for cell in book.notebook(path.stem).cells:
            if cell.cell_type == "markdown":
                print(f"--- [{cell.id}]\n{cell.source}\n")


if __name__ == "__main__":
    main()
