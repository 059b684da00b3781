"""Every notebook opens the same way, so that a reader who knows one knows all twenty: the parameters cell
declares the same five names, then the paper's configuration (when it has one) is built with ``P.config`` (or a
named variant such as ``P.real_config``) before ``report.start`` opens the run, and each package's configuration
class is called ``Config``. Read from the sources with ``ast`` (nothing is executed)."""

import ast
import importlib

import pytest

from omicslib.book.runner import declared_parameters, discover

NOTEBOOKS = discover()
PACKAGES = ("p1_crossmodal", "p2_fusion", "p3_clustering", "p4_mammography", "p5_confuseit")


def _first_code_after_parameters(nb) -> ast.Module:
    cells = nb.source.read_text().split("\n# %%")
    i = next(i for i, c in enumerate(cells) if c.lstrip().startswith('tags=["parameters"]'))
    code = next(c for c in cells[i + 1:] if not c.lstrip().startswith("[markdown]"))
    return ast.parse(code.split("\n", 1)[1])


def _calls(tree: ast.Module) -> list[str]:
    """Dotted names of the calls in ``tree``'s top-level statements, in source order."""
    out = []
    for stmt in tree.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name):
                out.append((node.lineno, f"{node.func.value.id}.{node.func.attr}"))
    return [name for _, name in sorted(out)]


def test_twenty_notebooks_are_checked():
    assert len(NOTEBOOKS) == 20


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda nb: nb.stem)
def test_notebook_declares_the_five_parameters_and_opens_config_then_run(nb):
    assert {"profile", "device", "seed", "data_source", "outdir"} <= declared_parameters(nb)
    calls = _calls(_first_code_after_parameters(nb))
    assert calls.count("report.start") == 1, calls
    assert "P.start" not in calls
    configs = [i for i, c in enumerate(calls) if c in ("P.config", "P.real_config")]
    assert all(i < calls.index("report.start") for i in configs), calls


@pytest.mark.parametrize("package", PACKAGES)
def test_every_paper_package_exports_its_configuration_as_Config(package):
    mod = importlib.import_module(f"omicslib.papers.{package}")
    assert "Config" in mod.__all__ and mod.Config.__module__ == f"omicslib.papers.{package}.config"
    assert mod.config.__annotations__.get("return") in ("Config", mod.Config)
