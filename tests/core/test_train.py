import numpy as np
import pytest
import torch
from torch import nn

from omicslib.runtime import pick_device, seed_everything
from omicslib.train import History, fit, loader, predict, supervised


def _toy(n=256, d=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    return x, y


def _train(seed, epochs=15, **kw):
    seed_everything(seed)
    x, y = _toy()
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    hist = fit(model, loader((x[:200], y[:200]), 32, shuffle=True, seed=seed), loader((x[200:], y[200:]), 64),
               loss_step=supervised(nn.CrossEntropyLoss()), optimizer=opt, epochs=epochs, device="cpu", **kw)
    return model, hist, x, y


def test_loss_decreases_and_model_learns():
    model, hist, x, y = _train(0)
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    acc = (predict(model, loader((x[200:], y[200:]), 64)).argmax(1) == y[200:]).mean()
    assert acc > 0.85


def test_same_seed_same_result_different_seed_differs():
    a, ha, *_ = _train(3, epochs=4)
    b, hb, *_ = _train(3, epochs=4)
    c, hc, *_ = _train(4, epochs=4)
    assert ha.train_loss == hb.train_loss
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert ha.train_loss != hc.train_loss


def test_early_stopping_restores_best_weights():
    seed_everything(0)
    x, y = _toy(n=120)
    # tiny training set + large lr: validation loss rises after a few epochs (overfitting)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 2))
    snapshots = {}

    def step(m, batch):
        return nn.functional.cross_entropy(m(batch[0]), batch[1])

    def remember(epoch):
        if epoch > 0:
            snapshots[epoch - 1] = {k: v.clone() for k, v in model.state_dict().items()}

    yn = y.copy()
    yn[:20] = 1 - yn[:20]  # label noise the model can memorise
    hist = fit(model, loader((x[:20], yn[:20]), 20), loader((x[20:], y[20:]), 100), loss_step=step,
               optimizer=torch.optim.Adam(model.parameters(), lr=0.05), epochs=60, patience=5, device="cpu",
               on_epoch_start=remember)
    assert hist.stopped_early
    assert hist.best_epoch == int(np.argmin(hist.val_loss))
    assert len(hist.val_loss) == hist.best_epoch + 6
    for k, v in model.state_dict().items():
        assert torch.equal(v, snapshots[hist.best_epoch][k])


def test_reduce_on_plateau_is_stepped_with_validation_loss():
    seed_everything(0)
    x, y = _toy(n=64)
    model = nn.Linear(10, 2)
    dummy = nn.Parameter(torch.zeros(1))  # the optimiser only sees this, so validation loss stays flat
    opt = torch.optim.SGD([dummy], lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    step = lambda m, b: nn.functional.cross_entropy(m(b[0]), b[1]) + 0 * dummy.sum()  # noqa: E731
    h = fit(model, loader((x, y), 64), loader((x, y), 64), loss_step=step, optimizer=opt, scheduler=sched,
            epochs=4, device="cpu")
    assert h.lr == [1.0, 1.0, 0.5, 0.25]  # lr logged before each epoch-end step; plateau from epoch 2 on


def test_loss_step_may_log_extra_values_and_history_frame():
    seed_everything(0)
    x, y = _toy(n=64)
    model = nn.Linear(10, 2)

    def step(m, b):
        loss = nn.functional.cross_entropy(m(b[0]), b[1])
        return loss, {"double": 2 * loss.detach()}

    h = fit(model, loader((x, y), 16), None, loss_step=step, optimizer=torch.optim.SGD(model.parameters(), 0.1),
            epochs=3, device="cpu")
    df = h.to_frame()
    assert list(df["epoch"]) == [1, 2, 3]
    assert np.allclose(df["double"], 2 * df["train_loss"], rtol=1e-5)
    assert isinstance(h, History) and h.best_epoch == 2


def test_non_finite_loss_raises():
    model = nn.Linear(2, 1)
    x = np.ones((4, 2), np.float32)
    with pytest.raises(FloatingPointError, match="non-finite"):
        fit(model, loader((x, x), 4), None, loss_step=lambda m, b: m(b[0]).sum() * float("nan"),
            optimizer=torch.optim.SGD(model.parameters(), 0.1), epochs=1)


def test_pick_device():
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type in {"cpu", "cuda", "mps"}
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            pick_device("cuda")
