"""Drop repeated inline scripts from each page.

With Sphinx 7.4, the inline configuration scripts of sphinx-thebe and sphinx-togglebutton
reach a page twice; thebe's declares a ``const`` and the second copy raises
"Identifier 'THEBE_JS_URL' has already been declared" in the browser console.
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # An inline script is registered once with filename None and once with "".
        key = (getattr(script, "filename", script) or "", tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
