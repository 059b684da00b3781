"""Every package of omicslib imports its sibling modules one way only (no import circle)."""

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "omicslib"
PACKAGES = sorted(p.parent for p in ROOT.rglob("__init__.py"))


def import_graph(pkg_dir: Path) -> dict[str, set[str]]:
    """Module -> sibling modules it imports anywhere in its source (top level, inside functions and under
    ``TYPE_CHECKING``), read from the AST; relative imports included."""
    pkg = ".".join(pkg_dir.relative_to(ROOT.parent).parts)
    mods = {p.stem for p in pkg_dir.glob("*.py") if p.stem != "__init__"}
    graph = {}
    for m in mods:
        deps = set()
        for node in ast.walk(ast.parse((pkg_dir / f"{m}.py").read_text())):
            if isinstance(node, ast.ImportFrom):
                name = node.module or ""
                if node.level:
                    base = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                    name = f"{base}.{name}" if name else base
                if name.startswith(pkg + "."):
                    deps.add(name[len(pkg) + 1:].split(".")[0])
                elif name == pkg:
                    deps |= {a.name for a in node.names if a.name in mods}
            elif isinstance(node, ast.Import):
                deps |= {a.name[len(pkg) + 1:].split(".")[0] for a in node.names if a.name.startswith(pkg + ".")}
        graph[m] = deps & mods - {m}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as e:
        return list(e.args[1])
    return []


def test_the_check_sees_edges_and_fails_on_a_circle(tmp_path):
    pkg = tmp_path / "omicslib" / "fake"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "protocol.py").write_text("from omicslib.fake.analysis import evaluate\n")
    (pkg / "analysis.py").write_text("def f():\n    from .protocol import run\n")  # a function-level import counts
    global ROOT
    saved, ROOT = ROOT, tmp_path / "omicslib"
    try:
        g = import_graph(pkg)
    finally:
        ROOT = saved
    assert g == {"protocol": {"analysis"}, "analysis": {"protocol"}} and cycle(g)
    p4 = import_graph(ROOT / "papers" / "p4_mammography")
    assert "scoring" in p4["protocol"] and "scoring" in p4["analysis"]
    p5 = import_graph(ROOT / "papers" / "p5_confuseit")
    assert "splits" in p5["baselines"] and "protocol" not in p5["baselines"]


@pytest.mark.parametrize("pkg_dir", PACKAGES, ids=lambda p: ".".join(p.relative_to(ROOT.parent).parts))
def test_package_imports_go_one_way(pkg_dir):
    found = cycle(import_graph(pkg_dir))
    assert not found, f"{pkg_dir.relative_to(ROOT.parent)}: import circle {' -> '.join(found)}"


def test_p4_protocol_imports_first_in_a_fresh_interpreter():
    """protocol imported before anything else of p4 (the order in which the former circle broke)."""
    pkg = "omicslib.papers.p4_mammography"
    code = f"import {pkg}.protocol as p; assert p.evaluate.__module__ == '{pkg}.scoring'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def book_imports(path: Path) -> list[str]:
    """The ``omicslib.book`` modules a source file imports anywhere (top level or inside functions)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else \
            [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module == "omicslib":
            names = [f"omicslib.{a.name}" for a in node.names]
        out += [n for n in names if n == "omicslib.book" or n.startswith("omicslib.book.")]
    return out


def test_the_layer_check_sees_book_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import os\nfrom omicslib import book\ndef f():\n    from omicslib.book.report import Run\n")
    assert book_imports(src) == ["omicslib.book", "omicslib.book.report"]


def test_the_data_layer_never_imports_the_book_tooling():
    """``omicslib.book`` sits above ``omicslib.data``: a loader must not need the book to load data."""
    found = {str(p.relative_to(ROOT.parent)): book_imports(p) for p in sorted((ROOT / "data").rglob("*.py"))}
    assert len(found) >= 17 and not {p: b for p, b in found.items() if b}
