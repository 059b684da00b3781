"""Sphinx extension: drop duplicate <script> entries from every page.

jupyter-book 1.0.4 and sphinx-book-theme both register the inline
configuration script, so each page declared ``const THEBE_JS_URL`` twice and
the browser raised a SyntaxError (found by ``make browser-test``).
"""


def _dedupe(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", None) or "", getattr(script, "attributes", {}).get("body", ""))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    if "script_files" in context:
        context["script_files"][:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=1)  # emit_firstresult stops at the first handler that returns a value
    return {"parallel_read_safe": True, "parallel_write_safe": True}
