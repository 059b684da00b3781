"""GPU-readiness options of the training loop (so the paper profile runs at a GPU's speed), checked on the CPU: autocast
(bf16 / fp16), channels-last, torch.compile and DataLoader workers stay within tolerance of the default float32 run,
and the defaults leave the result unchanged.

Precision of the path comparisons (channels-last, torch.compile, fused Adam, marked ``numerics``): both runs
in float64, agreeing to 1e-10. In float32 the two paths sum in different orders (other convolution kernels,
one fused update instead of a loop, and a CPU kernel chosen per machine: AVX-512, AVX2 or scalar), so they
differ by rounding that training then carries on (measured: relative differences up to 1.5e-4 of fused Adam's
weights after 50 steps); in float64 the same reorderings stay below 1e-12 of the values, so 1e-10 is portable
and still fails on any real difference in the update. The autocast test compares bf16 / fp16 against float32
and keeps its loose tolerance (half precision is not the same computation).
"""

import numpy as np
import pytest
import torch
from torch import nn

from omicslib.runtime import seed_everything
from omicslib.train import fit, loader, predict, supervised

#: float64 tolerance of the path comparisons (module docstring)
TOL = dict(rtol=1e-10, atol=1e-10)


def _mlp_run(seed=0, epochs=6, dtype=torch.float32, **kw):
    seed_everything(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(192, 10)).astype(np.float64 if dtype == torch.float64 else np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2)).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    hist = fit(model, loader((x[:160], y[:160]), 32, shuffle=True, seed=seed), loader((x[160:], y[160:]), 32),
               loss_step=supervised(nn.CrossEntropyLoss()), optimizer=opt, epochs=epochs, device="cpu", **kw)
    return model, hist, x


def _conv_run(seed=0, epochs=3, dtype=torch.float64, **kw):
    seed_everything(seed)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(48, 3, 12, 12, generator=g, dtype=dtype)
    y = (x[:, 0].mean((1, 2)) > 0).long()
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(8, 2)).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    hist = fit(model, loader((x[:32], y[:32]), 8, shuffle=True, seed=seed), loader((x[32:], y[32:]), 8),
               loss_step=supervised(nn.CrossEntropyLoss()), optimizer=opt, epochs=epochs, device="cpu", **kw)
    return model, hist, x


def _params(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_defaults_unchanged():
    a, ha, _ = _mlp_run()
    b, hb, _ = _mlp_run(amp=False, channels_last=False, compile=False)
    assert ha.train_loss == hb.train_loss and ha.val_loss == hb.val_loss
    assert torch.equal(_params(a), _params(b))


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_autocast_on_cpu_within_tolerance(precision):
    ref, href, x = _mlp_run()
    low, hlow, _ = _mlp_run(amp=precision)
    np.testing.assert_allclose(hlow.train_loss, href.train_loss, rtol=0.05, atol=0.02)
    np.testing.assert_allclose(hlow.val_loss, href.val_loss, rtol=0.05, atol=0.02)
    assert all(p.dtype == torch.float32 for p in low.parameters())          # master weights stay float32
    xs = torch.as_tensor(x[160:])
    with torch.no_grad():
        assert (ref(xs).argmax(1) == low(xs).argmax(1)).float().mean() > 0.9


def test_autocast_rejects_unknown_precision():
    with pytest.raises(ValueError, match="amp"):
        _mlp_run(epochs=1, amp="fp8")


@pytest.mark.numerics
def test_channels_last_same_result():
    ref, href, x = _conv_run()
    cl, hcl, _ = _conv_run(channels_last=True)
    assert cl[0].weight.is_contiguous(memory_format=torch.channels_last) and cl[0].weight.dtype == torch.float64
    np.testing.assert_allclose(hcl.train_loss, href.train_loss, **TOL)
    torch.testing.assert_close(_params(cl), _params(ref), **TOL)


@pytest.mark.numerics
def test_compile_same_result_and_plain_weights():
    ref, href, x = _mlp_run(epochs=3, dtype=torch.float64)
    comp, hcomp, _ = _mlp_run(epochs=3, dtype=torch.float64, compile={"backend": "aot_eager"})
    assert isinstance(comp, nn.Sequential)                                  # the caller's module, not a wrapper
    assert all("_orig_mod" not in k for k in comp.state_dict())
    np.testing.assert_allclose(hcomp.train_loss, href.train_loss, **TOL)
    torch.testing.assert_close(_params(comp), _params(ref), **TOL)


def test_loader_workers_same_batches():
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20)
    plain = [b[1].tolist() for b in loader((x, y), 6, shuffle=True, seed=3)]
    workers = [b[1].tolist() for b in loader((x, y), 6, shuffle=True, seed=3, num_workers=2, pin_memory=True)]
    assert plain == workers
    model = nn.Linear(2, 3)
    np.testing.assert_allclose(predict(model, loader((x, y), 6, num_workers=2)), predict(model, loader((x, y), 6)))


@pytest.mark.numerics
@pytest.mark.parametrize("decoupled", [False, True])
def test_fused_adam_matches_the_loop_implementation(decoupled):
    """omicslib.train.adam takes torch's fused kernel on a CPU; 50 steps land within float64 rounding of
    torch's default (per-parameter loop) Adam / AdamW with the same settings, groups included (float64:
    see the module docstring)."""
    from omicslib.train import adam

    def run(make):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3)).double()
        groups = [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 3e-3}]
        opt = make(groups)
        x, y = torch.randn(128, 20, generator=torch.Generator().manual_seed(1), dtype=torch.float64), torch.arange(128) % 3
        for _ in range(50):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        return opt, _params(model)

    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    fused, a = run(lambda g: adam(g, 1e-2, decoupled=decoupled, weight_decay=1e-2, eps=1e-3))
    _, b = run(lambda g: cls(g, lr=1e-2, weight_decay=1e-2, eps=1e-3))
    assert type(fused) is cls and fused.defaults["fused"] is True
    assert a.dtype == torch.float64 and not torch.equal(a, torch.zeros_like(a))
    torch.testing.assert_close(a, b, **TOL)
