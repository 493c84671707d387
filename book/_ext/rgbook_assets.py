"""The book's additions to the theme: CSS, theme mode, links to notebooks.

- With Sphinx 7.4, the inline configuration scripts of sphinx-thebe and
  sphinx-togglebutton reach a page twice; thebe's declares a ``const`` and
  the second copy raises "Identifier 'THEBE_JS_URL' has already been
  declared" in the browser console: each inline script is kept once.
- pydata-sphinx-theme reads the page's theme mode from
  ``html_context["default_mode"]``; Jupyter Book leaves it empty and the
  browser logs "Got invalid theme mode" on first load.
- The launch buttons (Colab, Binder) and the notebook download of
  sphinx-book-theme point at the page's source, ``book/NAME.md``, which
  Colab cannot open: they are pointed at the paired notebook
  ``notebooks/NAME.ipynb`` (written by tools/sync_notebooks.py, which turns
  MyST roles and directives into plain Markdown), and that notebook is the
  one offered for download.
- The bibliography lists its entries by the labels the text cites them
  with ("Mehta and Schwab, 2014"), sorted by author, titles as written
  (pybtex's styles number them and lower-case titles), and a ``$T_c$`` in a
  title is typeset as T with a subscript c.
- The repository address comes from _config.yml (``repository: url:``) or,
  for one build, ``RGBOOK_REPOSITORY_URL``; without one there is no
  repository link and no launch button.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path
from string import ascii_lowercase

from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.template import field, sentence

ROOT = Path(__file__).resolve().parents[2]


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # An inline script is registered with filename None and with "".
        name = getattr(script, "filename", script) or ""
        attributes = getattr(script, "attributes", {})
        key = (name, tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def notebook_for(pagename: str) -> str | None:
    """The repository path of a page's paired notebook, or None."""
    stem = pagename.rsplit("/", 1)[-1]
    path = f"notebooks/{stem}.ipynb"
    paired = pagename.startswith("book/") and (ROOT / path).is_file()
    return path if paired else None


def retarget(buttons: list, source: str, notebook: str) -> None:
    """Point every button URL (nested groups too) at ``notebook``."""
    for button in buttons:
        if not isinstance(button, dict):
            continue
        if isinstance(button.get("url"), str):
            button["url"] = button["url"].replace(source, notebook)
        retarget(button.get("buttons", []), source, notebook)


def _launch_notebooks(app, pagename, templatename, context, doctree):
    notebook = notebook_for(pagename)
    if notebook is None or "header_buttons" not in context:
        return
    for group in context["header_buttons"]:
        if (
            isinstance(group, dict)
            and group.get("label") == "launch-buttons"
        ):
            retarget(group.get("buttons", []), f"{pagename}.md", notebook)
    if context.get("ipynb_source"):
        # The theme copied the executed MyST notebook; a student gets the
        # readable one.
        target = Path(app.outdir) / "_sources" / context["ipynb_source"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / notebook, target)


def repository_url(configured: str | None) -> str:
    """The repository address: ``RGBOOK_REPOSITORY_URL``, else _config's."""
    url = os.environ.get("RGBOOK_REPOSITORY_URL") or configured or ""
    url = url.strip().rstrip("/")
    if url and not url.startswith("https://github.com/"):
        raise ValueError(
            "the repository address must be https://github.com/OWNER/NAME "
            f"(Colab opens notebooks from GitHub only), got {url!r}"
        )
    return url


def author_year(entry) -> str:
    """ "Mehta and Schwab, 2014", "Ackley et al., 1985": the text's cite.

    Names are decoded from LaTeX ("G{\\"o}kmen" is "Gökmen"). The
    notebooks' citations (tools/myst_to_notebook.py) use the same labels.
    """
    people = (
        entry.persons.get("author") or entry.persons.get("editor") or []
    )
    names = [" ".join(p.prelast_names + p.last_names) for p in people]
    if not names:
        names = [entry.fields.get("organization", entry.key)]
    names = [Text.from_latex(n).render_as("text") for n in names]
    if len(names) <= 2:
        who = " and ".join(names)
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year(e) for e in entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:  # two papers of one year: 2014a, 2014b
                seen[label] += 1
                label = f"{label}{ascii_lowercase[seen[label] - 1]}"
            yield label


class AuthorYearStyle(UnsrtStyle):
    default_label_style = "rgbook-author-year"
    # pybtex's own: by author (von part included, lower case), year, title.
    default_sorting_style = "author_year_title"

    def format_title(self, e, which_field, as_sentence=True):
        title = field(which_field)  # as written: no lower-casing
        return sentence[title] if as_sentence else title


register_plugin(
    "pybtex.style.labels", "rgbook-author-year", AuthorYearLabels
)
register_plugin("pybtex.style.formatting", "rgbook", AuthorYearStyle)

_SUBSCRIPT = re.compile(r"\$([A-Za-z])_\{?([A-Za-z0-9]+)\}?\$")


def _typeset_subscripts(app, doctree, docname):
    """Turn ``$T_c$`` in bibliography text into T with a subscript c."""
    if not docname.endswith("bibliography"):
        return  # code elsewhere has "$K_c$" strings to keep as typed
    for text in list(doctree.findall(nodes.Text)):
        if "$" not in text or not isinstance(text.parent, nodes.Element):
            continue
        parts, last = [], 0
        for m in _SUBSCRIPT.finditer(text):
            parts += [nodes.Text(text[last : m.start()]), nodes.Text(m[1])]
            parts.append(nodes.subscript("", m[2]))
            last = m.end()
        if parts:
            parts.append(nodes.Text(text[last:]))
            parent = text.parent
            index = parent.index(text)
            parent.remove(text)
            for offset, part in enumerate(parts):
                parent.insert(index + offset, part)


def _configure(app, config):
    context = dict(config.html_context or {})
    config.html_context = {**context, "default_mode": "auto"}
    static = str(ROOT / "book" / "_static")
    config.html_static_path = [*config.html_static_path, static]
    options = dict(config.html_theme_options or {})
    if "launch_buttons" not in options:
        return  # not the book's theme configuration (a test project)
    url = repository_url(options.get("repository_url"))
    options["repository_url"] = url
    options["use_repository_button"] = bool(url)
    if not url:
        # No address: no repository link and no launch buttons (they
        # would point nowhere).
        options["launch_buttons"] = {}
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("doctree-resolved", _typeset_subscripts)
    app.add_css_file("rgbook.css")
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    # After sphinx-book-theme's add_launch_buttons (priority 501).
    app.connect("html-page-context", _launch_notebooks, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
