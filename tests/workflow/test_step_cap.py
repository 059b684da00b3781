"""The rehearsal's step cap and the terminal progress bar of omicslib.train.fit."""

import pytest
import torch
from torch import nn

from omicslib.train import fit, loader, max_steps_setting, rehearsal_limit, rehearsal_search, supervised


def _problem(n=40, batch=8):
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(n, 3, generator=g), torch.randint(0, 2, (n,), generator=g)
    return loader((x, y), batch), loader((x, y), batch)


class CountingLoss:
    """The loss step counting how many batches it saw, split into training and evaluation calls."""

    def __init__(self):
        self.train = self.eval = 0
        self.step = supervised(nn.CrossEntropyLoss())

    def __call__(self, model, batch):
        if model.training:
            self.train += 1
        else:
            self.eval += 1
        return self.step(model, batch)


def _fit(epochs=5, **kw):
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    tl, vl = _problem()
    count = CountingLoss()
    hist = fit(model, tl, vl, loss_step=count, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=epochs,
               progress=False, **kw)
    return hist, count


def test_no_cap_by_default(monkeypatch):
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    hist, count = _fit()
    # 40 samples / batch 8 = 5 batches per epoch, 5 epochs; validation 5 batches per epoch
    assert (hist.steps, count.train, count.eval) == (25, 25, 25)
    assert not hist.capped and hist.epochs_planned == 5 and len(hist.train_loss) == 5


def test_max_steps_argument_stops_inside_an_epoch_and_caps_validation(monkeypatch):
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    hist, count = _fit(max_steps=2)
    assert (hist.steps, count.train) == (2, 2)
    assert count.eval == 2            # one validation pass of at most 2 batches
    assert hist.capped and hist.epochs_planned == 5 and len(hist.train_loss) == 1
    assert hist.best_epoch == 0       # the best (only) epoch's weights are kept


def test_env_cap_counts_steps_across_epochs(monkeypatch):
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "7")
    hist, count = _fit()
    assert (hist.steps, count.train, len(hist.train_loss)) == (7, 7, 2) and hist.capped
    # an explicit argument wins over the environment; 0 switches the cap off
    hist, _ = _fit(max_steps=0)
    assert hist.steps == 25 and not hist.capped


def test_cap_reached_exactly_at_the_end_is_not_reported_as_capped(monkeypatch):
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    hist, _ = _fit(epochs=1, max_steps=5)
    assert hist.steps == 5 and not hist.capped


def test_capped_run_is_deterministic(monkeypatch):
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "3")
    assert _fit()[0].train_loss == _fit()[0].train_loss


@pytest.mark.parametrize("raw", ["two", "-1"])
def test_bad_cap_is_a_clear_error(monkeypatch, raw):
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", raw)
    with pytest.raises(ValueError, match="OMICSLIB_MAX_STEPS|max_steps"):
        max_steps_setting()


def test_progress_goes_to_the_named_file_not_the_notebook(tmp_path, monkeypatch, capsys):
    bar = tmp_path / "tty"
    monkeypatch.setenv("OMICSLIB_PROGRESS", str(bar))
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    tl, _ = _problem()
    fit(model, tl, loss_step=supervised(nn.CrossEntropyLoss()), optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=3, desc="demo")
    out = capsys.readouterr()
    assert "demo" in bar.read_text() and "demo" not in out.out + out.err
    # unset: no bar anywhere; an unwritable target (no terminal) is no bar, not an error
    monkeypatch.setenv("OMICSLIB_PROGRESS", str(tmp_path / "missing" / "tty"))
    fit(model, tl, loss_step=supervised(nn.CrossEntropyLoss()), optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=1)
    assert not (tmp_path / "missing").exists()


def test_rehearsal_cuts_tuned_baseline_searches_only_under_the_cap(monkeypatch):
    grid = {"C": [0.01, 0.1, 1.0], "l1_ratio": (0.5, 1.0)}
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    assert rehearsal_search(grid, 2000) == (grid, 2000)
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "2")
    assert rehearsal_search(grid, 2000) == ({"C": [0.01], "l1_ratio": [0.5]}, 20)
    assert rehearsal_search(grid) == ({"C": [0.01], "l1_ratio": [0.5]}, None)


def test_rehearsal_runs_one_kmeans_restart(monkeypatch):
    import numpy as np

    from omicslib.papers.p3_clustering.clustering import kmeans_runs

    x = np.random.default_rng(0).normal(size=(30, 2))
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    assert rehearsal_limit(100) == 100 and len(kmeans_runs(x, 3, 4)) == 4
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "2")
    assert rehearsal_limit(100) == 1 and len(kmeans_runs(x, 3, 4)) == 1
    assert rehearsal_limit(None, 8) == 8 and rehearsal_limit(5, 8) == 5


def test_rehearsal_featurises_a_few_tiles_per_section(monkeypatch):
    import numpy as np

    from omicslib import histology

    image = np.zeros((64 * 5, 64 * 5, 3), np.uint8)
    image[:, :, 0] = 120   # all tissue-coloured except the mask is computed: give the mask explicitly
    mask = np.ones(image.shape[:2], bool)
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    assert len(histology.tile(image, 64, mask=mask)) == 25
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "2")
    assert len(histology.tile(image, 64, mask=mask)) == histology.REHEARSAL_TILES


def test_capped_p5_ridge_cox_search_tries_one_penalty(monkeypatch):
    import numpy as np

    from omicslib.papers.p5_confuseit.baselines import tune_ridge_cox

    rng = np.random.default_rng(0)
    x, time, event = rng.normal(size=(60, 4)), rng.exponential(size=60), rng.integers(0, 2, 60)
    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    _, _, free = tune_ridge_cox(x, time, event, penalties=(100.0, 1.0, 0.01))
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "2")
    capped, beta, rec = tune_ridge_cox(x, time, event, penalties=(100.0, 1.0, 0.01))
    assert capped == 100.0 and beta.shape == (4,) and rec["n_grid"] == 1 and free["n_grid"] >= 3


def test_fit_log_records_steps_taken_and_planned(tmp_path, monkeypatch):
    import json

    log = tmp_path / "fits.jsonl"
    monkeypatch.setenv("OMICSLIB_FIT_LOG", str(log))
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "3")
    hist, _ = _fit(epochs=5)          # 40 rows in batches of 8: 5 batches per epoch
    line = json.loads(log.read_text())
    assert (line["steps"], line["steps_planned"], line["epochs_planned"], line["capped"]) == (3, 25, 5, True)
    assert hist.steps_planned == 25 and line["seconds"] >= 0


def test_unwritable_fit_log_warns_and_training_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("OMICSLIB_FIT_LOG", str(tmp_path / "missing" / "fits.jsonl"))
    with pytest.warns(RuntimeWarning, match="fits.jsonl: fit not logged"):
        hist, _ = _fit(epochs=1)
    assert hist.steps == 5



def test_capped_predict_runs_that_many_batches_and_keeps_the_output_shape(monkeypatch):
    from omicslib.train import predict

    x, y = torch.arange(20, dtype=torch.float32)[:, None], torch.zeros(20, dtype=torch.long)
    calls = []

    def forward(model, batch):
        calls.append(len(batch[0]))
        return model(batch[0])

    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    free = predict(nn.Identity(), loader((x, y), 8), forward=forward)
    assert calls == [8, 8, 4] and free[:, 0].tolist() == list(range(20))
    calls.clear()
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "1")
    capped = predict(nn.Identity(), loader((x, y), 8), forward=forward)
    # one batch run (rows 0-7); rows 8-19 repeat them in order
    assert calls == [8] and capped[:, 0].tolist() == [i % 8 for i in range(20)]
