"""The publishing workflow and CITATION.cff, validated offline with the tools when they are installed
(``make check-ci`` installs check-jsonschema, ``make check-citation`` cffconvert in its own venv)."""

import re
import shutil
import subprocess

import pytest

from omicslib.book.launch import project_version
from omicslib.paths import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "pages.yml"


def _tool(name: str, *extra):
    for cand in (shutil.which(name), *(REPO_ROOT / d / "bin" / name for d in (".venv", *extra))):
        if cand and (REPO_ROOT / cand).is_file():  # absolute candidates stay as they are
            return str(cand)
    pytest.skip(f"{name} is not installed")


def test_workflow_builds_the_quick_book_and_publishes_it():
    yaml = pytest.importorskip("yaml")
    wf = yaml.safe_load(WORKFLOW.read_text())
    build = wf["jobs"]["build"]["steps"]
    runs = " ".join(s.get("run", "") for s in build)
    assert "make site PROFILE=quick" in runs and "make check-ci check-citation" in runs
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    deploy = wf["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])
    assert "${{ github.repository }}" in wf["env"]["REPO_URL"]  # the one address setting, filled by CI
    assert wf["permissions"] == {"contents": "read"}  # write access only where a job needs it


def test_workflow_validates_against_the_github_workflow_schema(tmp_path):
    exe = _tool("check-jsonschema")
    ok = subprocess.run([exe, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)], capture_output=True,
                        text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(re.sub(r"runs-on: ubuntu-latest", "runs_on: ubuntu-latest", WORKFLOW.read_text(), count=1))
    bad = subprocess.run([exe, "--builtin-schema", "vendor.github-workflows", str(broken)], capture_output=True,
                         text=True)
    assert bad.returncode != 0  # the schema check does catch a mistake


def test_citation_cff_is_valid_and_carries_the_package_version():
    text = (REPO_ROOT / "CITATION.cff").read_text()
    assert re.search(r"^version: (\S+)$", text, re.M).group(1) == project_version()
    exe = _tool("cffconvert", "_build/tools-venv")
    res = subprocess.run([exe, "--validate", "-i", str(REPO_ROOT / "CITATION.cff")], capture_output=True, text=True)
    assert res.returncode == 0 and "valid" in res.stdout, res.stdout + res.stderr
