"""The p4 package's modules import each other one way only (no import circle)."""

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import omicslib.papers.p4_mammography as P

PKG = "omicslib.papers.p4_mammography"
ROOT = Path(P.__file__).parent


def import_graph() -> dict[str, set[str]]:
    """Module -> sibling modules it imports anywhere in its source (top level, inside functions and under
    ``TYPE_CHECKING``), from the AST."""
    mods = {p.stem for p in ROOT.glob("*.py") if p.stem != "__init__"}
    graph = {}
    for m in mods:
        deps = set()
        for node in ast.walk(ast.parse((ROOT / f"{m}.py").read_text())):
            if isinstance(node, ast.ImportFrom):
                name = node.module or ""
                if node.level:  # relative import
                    name = f"{PKG}.{name}" if name else PKG
                if name.startswith(PKG + "."):
                    deps.add(name[len(PKG) + 1:].split(".")[0])
                elif name == PKG:
                    deps |= {a.name for a in node.names if a.name in mods}
            elif isinstance(node, ast.Import):
                deps |= {a.name[len(PKG) + 1:].split(".")[0] for a in node.names if a.name.startswith(PKG + ".")}
        graph[m] = deps & mods - {m}
    return graph


def test_graph_sees_the_known_edges():
    g = import_graph()
    assert "scoring" in g["protocol"] and "scoring" in g["analysis"]
    assert "protocol" in g["analysis"]  # the TYPE_CHECKING import is counted too


def test_p4_import_graph_is_acyclic():
    g = import_graph()
    try:
        order = list(graphlib.TopologicalSorter(g).static_order())
    except graphlib.CycleError as e:
        raise AssertionError(f"import circle in {PKG}: {e.args[1]}") from None
    assert set(order) == set(g)


def test_cycle_detection_works_on_a_circle():
    # the oracle itself must fail on a circle like the former protocol <-> analysis one
    g = {"protocol": {"analysis"}, "analysis": {"protocol"}}
    try:
        list(graphlib.TopologicalSorter(g).static_order())
    except graphlib.CycleError:
        return
    raise AssertionError("TopologicalSorter did not report the circle")


def test_protocol_imports_first_in_a_fresh_interpreter():
    # protocol imported before anything else of the package (the order in which a circle would break)
    code = f"import {PKG}.protocol as p; assert p.evaluate.__module__ == '{PKG}.scoring'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
