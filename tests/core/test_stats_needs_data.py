"""The test suite's missing-data mechanism (tests/conftest.py): ``@pytest.mark.needs_data`` and
``requires_data`` skip a test, before it runs, naming the dataset and the file looked for; a present
file lets the test run; a wrong dataset id is an error, never a skip. (Named test_stats_* only to
sit beside the other tests of the test infrastructure's statistics issue.)"""

from __future__ import annotations

import hashlib
from pathlib import Path

import conftest  # tests/conftest.py, already imported by pytest under this name
import pytest

from omicslib import paths
from omicslib.data import DatasetSpec, FileSpec, registry

pytest_plugins = ("pytester",)

TOY = "toy_needs_data"


@pytest.fixture
def toy_data(tmp_path, monkeypatch):
    """A registered toy dataset with one file present (right checksum) and one absent, in a data dir
    that is the only one searched: ../shared/data is hidden by moving the repository root."""
    data = tmp_path / "data"
    (data / "toy").mkdir(parents=True)
    (data / "toy" / "present.txt").write_text("x\n")
    sha = hashlib.sha256(b"x\n").hexdigest()
    spec = DatasetSpec(id=TOY, title="toy", papers=(), homepage="https://example.org", license="-", citation="-",
                       files=(FileSpec("present", "toy/present.txt", None, sha),
                              FileSpec("absent", "toy/absent.txt", "https://example.org/absent.txt", None)))
    monkeypatch.setitem(registry.REGISTRY, TOY, spec)
    monkeypatch.setenv("OMICSLIB_DATA", str(data))
    monkeypatch.setenv("OMICSLIB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path / "nowhere" / "repo")
    assert paths.data_dirs() == [data]
    return data


def test_missing_file_gives_a_reason_naming_dataset_and_place(toy_data, tmp_path):
    reason = conftest.missing_data(f"{TOY}:absent")
    assert reason.startswith(f"dataset {TOY!r} not available locally: file 'absent' not found at ")
    assert str(toy_data / "toy" / "absent.txt") in reason
    assert str(tmp_path / "cache" / TOY / "absent.txt") in reason
    assert conftest.missing_data(TOY) == reason        # the whole dataset: its first missing mirror file
    assert conftest.missing_data(f"{TOY}:present") is None
    with pytest.raises(pytest.skip.Exception, match="file 'absent' not found"):
        conftest.requires_data(f"{TOY}:present", f"{TOY}:absent")
    conftest.requires_data(f"{TOY}:present")          # present: no skip


def test_real_dataset_with_an_empty_data_dir_is_a_named_skip(toy_data):
    reason = conftest.missing_data("cmmd:clinical")
    assert reason is not None and "'cmmd'" in reason and "'clinical'" in reason
    assert str(toy_data / "cmmd") in reason


def test_corrupt_copy_and_unknown_id_are_errors_not_skips(toy_data):
    (toy_data / "toy" / "present.txt").write_text("changed\n")
    from omicslib.data import ChecksumError

    with pytest.raises(ChecksumError):
        conftest.missing_data(f"{TOY}:present")
    with pytest.raises(KeyError, match="unknown dataset"):
        conftest.missing_data("no_such_dataset")
    with pytest.raises(KeyError, match="has no file"):
        conftest.missing_data(f"{TOY}:nope")


def test_marker_skips_before_the_test_body_runs(toy_data, pytester):
    pytester.makeconftest(Path(conftest.__file__).read_text())
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.needs_data("{TOY}:absent")
        def test_needs_missing():
            raise AssertionError("the body must not run")

        @pytest.mark.needs_data("{TOY}:present")
        def test_needs_present():
            pass

        def test_unmarked_missing_file_fails():
            from omicslib.data import locate
            locate("{TOY}", "absent", download=False)
    """)
    result = pytester.runpytest_inprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1, failed=1)
    result.stdout.fnmatch_lines([f"SKIPPED*dataset '{TOY}' not available locally: file 'absent' not found at *absent.txt*"])
    assert "the body must not run" not in result.stdout.str()
