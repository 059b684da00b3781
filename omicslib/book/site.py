"""Sphinx extension for the published book (registered in ``_config.yml``).

- the repository address is one setting: ``$REPO_URL`` (``make book REPO_URL=...``) overrides
  ``repository.url`` of ``_config.yml``, ``$REPO_BRANCH`` the branch; with an address the header
  gets the repository and issues buttons, without one the book has no launch links at all;
- launch links (Binder, JupyterHub, Colab) on every notebook page open the tracked Jupytext source
  or its Colab mirror (:mod:`omicslib.book.launch`) instead of the executed copy, which is a build
  output; a notebook page without a tracked source is a warning (a failure in the strict build);
- the interactive explorers' plotly.js (:mod:`omicslib.book.interactive`) is copied from the
  installed ``plotly`` package to ``_static/`` so the book works offline;
- the live ipywidgets explorers render as their one-line note (no widget manager from a CDN);
- accessibility repairs of the theme's markup that axe-core reports as serious or critical: the
  sidebar's icon-only expand/collapse toggles get a name, citation entries a valid list-item role;
- every table (CSV) and sidecar (JSON) under ``book/pN/results/`` is published at the same path, machine
  paths removed (:func:`public_sidecar`), so a provenance link under a figure or table resolves;
- source links: with an address, every module or file a page names in code (``omicslib.papers.p3_clustering``,
  ``omicslib/book/report.py``, a bare ``dmacl.py`` on that paper's pages) links to its file at the commit the
  book is built from (:func:`link_sources`), and each notebook page names its Jupytext source under its title,
  linked likewise (:func:`notebook_source_html`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from sphinx.util import logging

from omicslib.book import launch

LOG = logging.getLogger(__name__)
_PROVIDER_KEYS = ("binderhub_url", "jupyterhub_url", "colab_url")


#: MyST-NB settings for the HTML book: the live (ipywidgets) explorers need a kernel and the widget manager
#: from a CDN, so the page renders their note (:data:`omicslib.book.widgets.LIVE_NOTE`) instead.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _configure(app, config) -> None:
    config.nb_ipywidgets_js = {}
    overrides = [o for o in (config.nb_mime_priority_overrides or ()) if o[1] != WIDGET_VIEW]
    config.nb_mime_priority_overrides = [*overrides, ("html", WIDGET_VIEW, None), ("dirhtml", WIDGET_VIEW, None)]
    opts = config.html_theme_options
    url = launch.repo_url(opts.get("repository_url", ""))
    if "executablebooks/jupyter-book" in url:  # jupyter-book's own default, never ours
        url = ""
    buttons = dict(opts.get("launch_buttons") or {})
    if not url:
        opts["repository_url"] = ""
        if any(buttons.get(k) for k in _PROVIDER_KEYS):
            LOG.info("omicslib.book.site: no repository address (set REPO_URL): no launch links")
        opts["launch_buttons"] = {k: v for k, v in buttons.items() if k not in _PROVIDER_KEYS}
        return
    launch.github_parts(url)  # a clear error on an address Binder/Colab cannot use
    opts["repository_url"] = url
    opts["repository_branch"] = os.environ.get(launch.BRANCH_ENV) or opts.get("repository_branch") or launch.DEFAULT_BRANCH
    opts.setdefault("use_repository_button", True)
    opts.setdefault("use_issues_button", True)


def _launch_links(app, pagename, templatename, context, doctree) -> None:
    groups = [b for b in context.get("header_buttons", []) if b.get("label") == "launch-buttons"]
    if not groups:
        return
    opts = app.config.html_theme_options
    buttons = opts.get("launch_buttons") or {}
    source = launch.source_of(pagename, Path(app.confdir))
    if source is None:
        LOG.warning(f"{pagename}: notebook page without a tracked source under notebooks/: no launch links",
                    location=pagename)
        context["header_buttons"][:] = [b for b in context["header_buttons"] if b not in groups]
        return
    urls = launch.launch_urls(opts["repository_url"], source, branch=opts.get("repository_branch") or "main",
                              binderhub_url=buttons.get("binderhub_url", ""),
                              jupyterhub_url=buttons.get("jupyterhub_url", ""), colab_url=buttons.get("colab_url", ""),
                              colab_branch=buttons.get("colab_branch", launch.COLAB_BRANCH),
                              interface=buttons.get("notebook_interface", "jupyterlab"))
    for group in groups:
        for b in group.get("buttons", []):
            if b.get("text") in urls:
                b["url"] = urls[b["text"]]
                b["tooltip"] = f"Open {source if b['text'] != 'Colab' else launch.colab_path(source)} on {b['text']}"


_TOGGLE = re.compile(r'(?:<a class="reference internal" href="[^"]*">(?P<text>[^<]*)</a>\s*)?<details(?P<open>[^>]*)>\s*'
                     r'<summary><span class="toctree-toggle" role="presentation">')


def accessible_toctree(markup: str) -> str:
    """Name the sidebar's expand/collapse toggles (the theme's ``<summary>`` holds only an icon, which
    axe-core reports as *summary-name*, serious): ``aria-label="Sections of <chapter>"``."""
    import html

    def label(m):
        name = html.unescape(m.group("text") or "").strip()
        text = f"Sections of {name}" if name else "Sections"
        return (m.group(0).split("<details")[0] + f"<details{m.group('open')}><summary aria-label=\"{html.escape(text)}\">"
                '<span class="toctree-toggle" role="presentation">')

    return _TOGGLE.sub(label, markup)


def _accessibility(app, pagename, templatename, context, doctree) -> None:
    make = context.get("generate_toctree_html")
    if make is not None and not getattr(make, "_omicslib", False):
        def wrapped(*args, **kwargs):
            out = make(*args, **kwargs)  # the sidebar: a BeautifulSoup tree, rendered by the template as text
            if (args[0] if args else kwargs.get("kind")) != "sidebar" or out is None:
                return out
            return accessible_toctree(str(out))

        wrapped._omicslib = True
        context["generate_toctree_html"] = wrapped
    if "body" in context:  # Sphinx's citation entries: a deprecated ARIA role that a role="list" cannot hold
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


#: What of ``book/pN/results/<notebook>/`` is published beside the pages: the tables and their sidecars.
PUBLISHED = ("*.csv", "*.json")
_ABS = re.compile(r"^(?:/|[A-Za-z]:[\\/])")


def public_sidecar(value, roots: tuple[str, ...]):
    """A sidecar with machine paths made relative: a path under one of ``roots`` (the data folders, the
    download cache, the repository) keeps its part below it, as ``<data>/...``; another absolute path
    keeps only its file name. Everything else (checksums, parameters, commit) is kept as it is."""
    if isinstance(value, dict):
        return {k: public_sidecar(v, roots) for k, v in value.items()}
    if isinstance(value, list):
        return [public_sidecar(v, roots) for v in value]
    if isinstance(value, str) and _ABS.match(value):
        for root in roots:
            if value.startswith(root.rstrip("/") + "/"):
                return "<data>/" + value[len(root.rstrip("/")) + 1:]
        return "<local>/" + Path(value).name
    return value


def publish_results(srcdir: Path, outdir: Path) -> int:
    """Copy every table (CSV) and sidecar (JSON, machine paths removed) of ``srcdir/book/*/results`` to
    the same place under ``outdir``, so the provenance links under figures and tables resolve in the
    published book; returns the number of files."""
    from omicslib import paths

    roots = [str(p) for p in paths.data_dirs()]
    try:
        roots.append(str(paths.cache_dir()))
    except Exception:  # noqa: BLE001 - no cache folder configured: nothing to strip
        pass
    roots.append(str(srcdir))
    n = 0
    for pattern in PUBLISHED:
        for f in sorted(srcdir.glob(f"book/*/results/*/{pattern}")):
            if f.name.startswith("."):
                continue
            dst = outdir / f.relative_to(srcdir)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if f.suffix == ".json":
                dst.write_text(json.dumps(public_sidecar(json.loads(f.read_text()), tuple(roots)), indent=2))
            else:
                shutil.copyfile(f, dst)
            n += 1
    return n


def _finish(app, exc) -> None:
    if exc is None and app.builder.format == "html":
        from omicslib.book import interactive

        interactive.install_js(Path(app.outdir) / "_static")
        publish_results(Path(app.confdir), Path(app.outdir))


def link_sources(doctree, docname: str, url: str, ref: str, root: Path) -> int:
    """Make every inline code that names a tracked module or file (:func:`omicslib.book.launch.module_path`) a
    link to that file at ``ref``; returns how many. Code already inside a link is left alone."""
    from docutils import nodes

    package = launch.paper_package(docname, root)
    n = 0
    for lit in list(doctree.findall(nodes.literal)):
        if lit.parent is None or isinstance(lit.parent, nodes.reference):
            continue
        path = launch.module_path(lit.astext(), root, package)
        if path is None:
            continue
        lit.replace_self(nodes.reference("", "", lit.deepcopy(), refuri=launch.source_url(url, path, ref),
                                         reftitle=f"{path} at {ref[:12]}", classes=["omicslib-source-link"]))
        n += 1
    return n


def notebook_source_html(source: str, url: str = "", ref: str = "") -> str:
    """The line under a notebook page's title naming its tracked Jupytext source (a link with an address)."""
    import html

    code = f"<code>{html.escape(source)}</code>"
    if url:
        code = f'<a href="{html.escape(launch.source_url(url, source, ref))}">{code}</a>'
    return (f'<p class="omicslib-nb-source">Source: {code} (Jupytext; the page is its executed copy, '
            f"{'at commit ' + html.escape(ref[:12]) if url and ref else 'rerun it with the runner or papermill'})</p>")


def _ref(app) -> str:
    if not hasattr(app, "_omicslib_ref"):
        opts = app.config.html_theme_options
        app._omicslib_ref = launch.built_commit(app.confdir) or opts.get("repository_branch") or launch.DEFAULT_BRANCH
    return app._omicslib_ref


def _source_links(app, doctree, docname) -> None:
    url = app.config.html_theme_options.get("repository_url", "")
    if url:
        link_sources(doctree, docname, url, _ref(app), Path(app.confdir))


def _notebook_source(app, pagename, templatename, context, doctree) -> None:
    if doctree is None or "body" not in context:
        return
    source = launch.source_of(pagename, Path(app.confdir))
    if source is None:
        return
    url = app.config.html_theme_options.get("repository_url", "")
    line = notebook_source_html(source, url, _ref(app) if url else "")
    body = context["body"]
    end = body.find("</h1>")
    context["body"] = body[:end + 5] + line + body[end + 5:] if end >= 0 else line + body


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("doctree-resolved", _source_links)
    app.connect("html-page-context", _notebook_source, priority=503)
    app.connect("html-page-context", _launch_links, priority=502)  # after the theme's launch buttons (501)
    app.connect("html-page-context", _accessibility, priority=502)  # after the theme's toctree functions (500)
    app.connect("build-finished", _finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
