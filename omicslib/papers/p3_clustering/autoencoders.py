"""The ten autoencoder baselines of the DL-mo benchmark (Leng et al. 2022), as p3 compares them.

Names follow the benchmark (``p3-protocol-notes.md`` §2; the p3 paper swaps ef/lf for AE and
VAE in its prose, we use the benchmark's definitions):

* ``ef*`` early fusion: max-abs-scaled omics concatenated, one model; ``lf*`` late fusion:
  one model per omic, latents concatenated (trained jointly here with the sum of the
  per-omic losses, which is equivalent to separate training since no parameter is shared).
* AE: MSE. DAE: MSE to the clean input from ONE fixed corrupted copy ``x + 0.1 N(0,1)``.
  VAE: per-sample summed binary cross-entropy + KL. SVAE: two stochastic hidden layers,
  BCE + beta * KL(latent), beta = 0 as the benchmark's code effectively runs it.
  lfmmdVAE: per-omic VAE trained with MSE + MMD(z, N(0, I)) (no KL). efmmdVAE ("ZVAE"):
  per-omic input branches joined at a shared layer into one latent, per-omic decoders
  with ReLU outputs, loss = sum of per-omic MSE + MMD.
* Hidden layers ReLU, linear latent, tanh output (ZVAE: ReLU). The embedding is the
  encoder output (``z_mean`` for variational models).

Models only (``forward`` and ``loss``); ``protocol.train_baseline`` trains them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

METHODS = ("lfAE", "efAE", "lfDAE", "efDAE", "lfVAE", "efVAE", "lfSVAE", "efSVAE", "lfmmdVAE", "efmmdVAE")
EPS = 1e-7


# ----------------------------------------------------------------------------- architecture tables

#: per-context early-fusion hidden sizes (d1, d2) and default total latent
EF_HIDDEN = {"simulated": (300, 100), "cancer": (3000, 300), "single-cell": (4096, 1024)}
EF_LATENT = {"simulated": None, "cancer": 10, "single-cell": 2}  # None: latent = number of clusters
#: per-omic late-fusion hidden sizes by omic kind
LF_HIDDEN = {
    "simulated": {"methylation": (100, 50), "expression": (80, 50), "protein": (80, 50)},
    "cancer": {"expression": (1000, 100), "mirna": (500, 50), "methylation": (1000, 100)},
    "single-cell": {"rna": (2048, 512), "atac": (2048, 512)},
}
#: benchmark's split of the total latent over omics (sims by k; cancer 4/2/4; single-cell 1/1)
LF_LATENT_SIMS = {5: (3, 1, 1), 10: (4, 3, 3), 15: (5, 5, 5)}
LF_LATENT_CANCER = {"expression": 4, "mirna": 2, "methylation": 4}
ZVAE_BRANCH = {"simulated": (300, 100, 100), "cancer": (300, 100, 100), "single-cell": (1000, 1000)}


@dataclass(frozen=True)
class TrainSpec:
    lr: float
    epochs: int
    batch_size: int


#: benchmark training settings (Keras Adam; default lr 1e-3)
TRAIN = {
    "AE": TrainSpec(1e-3, 100, 8),
    "DAE": TrainSpec(1e-3, 100, 16),
    "VAE": TrainSpec(1e-3, 100, 16),
    "SVAE": TrainSpec(1e-6, 100, 16),
    "lfmmdVAE": TrainSpec(1e-4, 5, 16),
    "efmmdVAE": TrainSpec(1e-5, 100, 16),
}


def _split_latent(total: int, n: int) -> list[int]:
    base = [total // n] * n
    for i in range(total - sum(base)):
        base[i] += 1
    return [max(b, 1) for b in base]


def late_latents(context: str, kinds: list[str], total: int) -> list[int]:
    """Latent size of each per-omic model so that they sum to ``total`` (benchmark splits where defined)."""
    if context == "simulated" and len(kinds) == 3 and total in LF_LATENT_SIMS:
        return list(LF_LATENT_SIMS[total])
    if context == "cancer" and all(k in LF_LATENT_CANCER for k in kinds) and len(kinds) == 3 and total == 10:
        return [LF_LATENT_CANCER[k] for k in kinds]
    return _split_latent(total, len(kinds))


# ----------------------------------------------------------------------------- building blocks

def _mlp(sizes, last_act: nn.Module | None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if last_act is not None:
        layers.append(last_act)
    return nn.Sequential(*layers)


def _sample(mu: torch.Tensor, logvar: torch.Tensor, training: bool) -> torch.Tensor:
    return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if training else mu


def kl_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Per-sample KL(N(mu, exp(logvar)) || N(0, I)) summed over dimensions, (N,)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)


def bce_sum(recon: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Per-sample summed binary cross-entropy with outputs clipped to (eps, 1-eps), as Keras does."""
    p = recon.clamp(EPS, 1 - EPS)
    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(1)


def mmd(z: torch.Tensor, prior: torch.Tensor | None = None) -> torch.Tensor:
    """Unweighted kernel MMD between ``z`` and N(0, I) samples; kernel exp(-mean_d (a-b)^2 / dim)."""
    prior = torch.randn_like(z) if prior is None else prior
    dim = z.shape[1]

    def k(a, b):
        return torch.exp(-((a[:, None, :] - b[None, :, :]) ** 2).mean(2) / dim)

    return k(z, z).mean() + k(prior, prior).mean() - 2 * k(z, prior).mean()


class SingleAE(nn.Module):
    """One autoencoder of the benchmark on one input block; ``variant`` in AE, DAE, VAE, SVAE, MMD."""

    def __init__(self, in_dim: int, hidden: tuple[int, int], latent: int, variant: str = "AE", beta: float = 0.0):
        super().__init__()
        if variant not in {"AE", "DAE", "VAE", "SVAE", "MMD"}:
            raise ValueError(f"unknown variant {variant!r}")
        self.variant, self.beta = variant, beta
        d1, d2 = hidden
        if variant == "SVAE":
            self.s1 = nn.Linear(in_dim, 2 * d1)  # stochastic layer 1: mean and log-variance
            self.s2 = nn.Linear(d1, 2 * d2)      # stochastic layer 2
            self.dense = nn.Sequential(nn.Linear(d2, d2), nn.ReLU())
            self.head = nn.Linear(d2, 2 * latent)
        else:
            self.body = _mlp((in_dim, d1, d2), nn.ReLU())
            self.head = nn.Linear(d2, 2 * latent if variant in {"VAE", "MMD"} else latent)
        self.decoder = _mlp((latent, d2, d1, in_dim), nn.Tanh())

    def encode(self, x: torch.Tensor):
        """(z used by the decoder, embedding, mu, logvar); mu/logvar None for deterministic AEs."""
        if self.variant == "SVAE":
            m1, v1 = self.s1(x).chunk(2, 1)
            h = _sample(m1, v1, self.training)
            m2, v2 = self.s2(h).chunk(2, 1)
            h = self.dense(_sample(m2, v2, self.training))
            mu, logvar = self.head(h).chunk(2, 1)
            return _sample(mu, logvar, self.training), mu, mu, logvar
        h = self.head(self.body(x))
        if self.variant in {"VAE", "MMD"}:
            mu, logvar = h.chunk(2, 1)
            return _sample(mu, logvar, self.training), mu, mu, logvar
        return h, h, None, None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x)[1]

    def loss(self, x_in: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        z, _, mu, logvar = self.encode(x_in)
        recon = self.decoder(z)
        if self.variant in {"AE", "DAE"}:
            return F.mse_loss(recon, target)
        if self.variant == "VAE":
            return (bce_sum(recon, target) + kl_normal(mu, logvar)).mean()
        if self.variant == "SVAE":
            return (bce_sum(recon, target) + self.beta * kl_normal(mu, logvar)).mean()
        return F.mse_loss(recon, target) + mmd(z)


class LateFusion(nn.Module):
    """One :class:`SingleAE` per omic; embedding = concatenated per-omic embeddings."""

    def __init__(self, dims: list[int], hidden: list[tuple[int, int]], latents: list[int], variant: str,
                 beta: float = 0.0):
        super().__init__()
        self.dims = list(dims)
        self.parts = nn.ModuleList(SingleAE(d, h, lat, variant, beta) for d, h, lat in zip(dims, hidden, latents))

    def _split(self, x):
        return torch.split(x, self.dims, dim=1)

    def forward(self, x):
        return torch.cat([p(xi) for p, xi in zip(self.parts, self._split(x))], 1)

    def loss(self, x_in, target):
        return sum(p.loss(a, b) for p, a, b in zip(self.parts, self._split(x_in), self._split(target)))


class EarlyFusion(nn.Module):
    """One :class:`SingleAE` on the concatenated omics."""

    def __init__(self, dims: list[int], hidden: tuple[int, int], latent: int, variant: str, beta: float = 0.0):
        super().__init__()
        self.ae = SingleAE(sum(dims), hidden, latent, variant, beta)

    def forward(self, x):
        return self.ae(x)

    def loss(self, x_in, target):
        return self.ae.loss(x_in, target)


class ZVAE(nn.Module):
    """efmmdVAE: per-omic branches -> shared Dense(100) -> latent; per-omic decoders with ReLU output."""

    def __init__(self, dims: list[int], branch: tuple[int, ...], latent: int, shared: int = 100):
        super().__init__()
        self.dims = list(dims)
        branch = [branch[i] if i < len(branch) else 100 for i in range(len(dims))]
        self.branches = nn.ModuleList(_mlp((d, b, 100), nn.ReLU()) for d, b in zip(dims, branch))
        self.shared = nn.Sequential(nn.Linear(100 * len(dims), shared), nn.ReLU(), nn.Linear(shared, latent))
        self.dec_shared = nn.Sequential(nn.Linear(latent, shared), nn.ReLU())
        self.decoders = nn.ModuleList(_mlp((shared, 100, b, d), nn.ReLU()) for d, b in zip(dims, branch))

    def forward(self, x):
        parts = torch.split(x, self.dims, dim=1)
        return self.shared(torch.cat([br(p) for br, p in zip(self.branches, parts)], 1))

    def loss(self, x_in, target):
        z = self(x_in)
        h = self.dec_shared(z)
        rec = sum(F.mse_loss(dec(h), t) for dec, t in zip(self.decoders, torch.split(target, self.dims, dim=1)))
        return rec + mmd(z)


# ----------------------------------------------------------------------------- factory

def variant_of(method: str) -> tuple[str, str]:
    """('ef'|'lf', variant) for a benchmark method name."""
    if method not in METHODS:
        raise ValueError(f"unknown baseline {method!r}; expected one of {METHODS}")
    fusion, rest = method[:2], method[2:]
    return fusion, {"AE": "AE", "DAE": "DAE", "VAE": "VAE", "SVAE": "SVAE", "mmdVAE": "MMD"}[rest]


def build(method: str, dims: list[int], kinds: list[str], context: str, latent: int, beta: float = 0.0) -> nn.Module:
    """Instantiate a baseline for omics of sizes ``dims`` and kinds ``kinds`` (e.g. 'mirna')."""
    if context not in EF_HIDDEN:
        raise ValueError(f"context must be one of {sorted(EF_HIDDEN)}, got {context!r}")
    if len(dims) != len(kinds):
        raise ValueError("dims and kinds must have the same length")
    fusion, variant = variant_of(method)
    if method == "efmmdVAE":
        return ZVAE(dims, ZVAE_BRANCH[context], latent)
    if fusion == "ef" or len(dims) == 1:  # with one omic, late fusion is the early-fusion model
        return EarlyFusion(dims, EF_HIDDEN[context], latent, variant, beta)
    hidden = [LF_HIDDEN[context].get(k, EF_HIDDEN[context]) for k in kinds]
    return LateFusion(dims, hidden, late_latents(context, kinds, latent), variant, beta)


def train_spec(method: str) -> TrainSpec:
    _, variant = variant_of(method)
    return TRAIN[method] if method in TRAIN else TRAIN["VAE" if variant == "MMD" else variant]


def same_network_as(method: str, n_omics: int) -> str:
    """The method whose network and training ``method`` coincides with on ``n_omics`` omics: with a single
    omic a late-fusion model is its early-fusion twin (:func:`build`), except lfmmdVAE (a per-omic MMD-VAE,
    not the ZVAE of efmmdVAE). Returns ``method`` itself where it is distinct."""
    fusion, _ = variant_of(method)
    if n_omics == 1 and fusion == "lf" and method != "lfmmdVAE":
        return "ef" + method[2:]
    return method


def distinct_methods(methods, n_omics: int) -> list[str]:
    """``methods`` without those that coincide with another listed method on ``n_omics`` omics."""
    out = []
    for m in methods:
        twin = same_network_as(m, n_omics) if m in METHODS else m
        if twin == m or twin not in methods:
            out.append(m)
    return out
