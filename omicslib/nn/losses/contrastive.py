"""Contrastive losses of DMACL (p3): decoupled instance loss and cluster-level loss with entropy term.

Definitions follow the modules DEDUCE imports (Subtype-DCC's ``DCL`` and ``ClusterLoss``;
see ``p3-protocol-notes.md`` §1.5):

* instance level (decoupled contrastive loss, Yeh et al. 2021), for anchors ``z1`` and
  L2-normalised rows, ``s = cosine``::

      l_i = -s(z1_i, z2_i)/tau + log sum_{j != i} [exp(s(z1_i, z1_j)/tau) + exp(s(z1_i, z2_j)/tau)]

  i.e. the positive pair AND the self pair are left out of the denominator
  (2N - 2 negatives). The symmetric loss is ``dcl(z1, z2) + dcl(z2, z1)``.
* cluster level (Contrastive Clustering): the K columns of the two soft-assignment
  matrices are 2K "cluster vectors"; NT-Xent over them (positive = same cluster in the
  other view, the 2K - 2 others negative, self excluded), summed and divided by 2K,
  plus for each view ``log K + sum_k p_k log p_k`` with ``p`` the normalised column sums
  (= log K - entropy; zero for uniform cluster usage).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def decoupled_contrastive(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """One-directional decoupled contrastive loss (mean over anchors in ``z1``).

    Inputs are normalised here, so raw projections may be passed.
    """
    if z1.shape != z2.shape or z1.ndim != 2:
        raise ValueError(f"z1 and z2 must be (N, D) of equal shape, got {tuple(z1.shape)} and {tuple(z2.shape)}")
    if z1.shape[0] < 2:
        raise ValueError("the decoupled loss needs at least 2 samples (it has no negatives otherwise)")
    z1, z2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    cross = z1 @ z2.T / temperature  # s(z1_i, z2_j)
    within = z1 @ z1.T / temperature  # s(z1_i, z1_j)
    pos = cross.diagonal()
    eye = torch.eye(z1.shape[0], dtype=torch.bool, device=z1.device)
    neg = torch.cat([within.masked_fill(eye, -math.inf), cross.masked_fill(eye, -math.inf)], dim=1)
    return (-pos + torch.logsumexp(neg, dim=1)).mean()


def instance_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.5) -> torch.Tensor:
    """Symmetric instance-level loss L_D = DCL(z1, z2) + DCL(z2, z1) (as in the authors' driver)."""
    return decoupled_contrastive(z1, z2, temperature) + decoupled_contrastive(z2, z1, temperature)


def entropy_term(c: torch.Tensor) -> torch.Tensor:
    """``log K + sum_k p_k log p_k`` for soft assignments ``c`` (N, K); >= 0, 0 iff usage is uniform."""
    p = c.sum(0)
    p = p / p.sum()
    return math.log(c.shape[1]) + (p * torch.log(p.clamp_min(1e-12))).sum()


def cluster_loss(c1: torch.Tensor, c2: torch.Tensor, temperature: float = 1.0,
                 entropy_weight: float = 1.0) -> tuple[torch.Tensor, dict]:
    """Cluster-level contrastive loss plus the entropy term of both views.

    ``c1``/``c2``: (N, K) soft assignments (rows sum to 1). Returns the total and its parts.
    """
    if c1.shape != c2.shape or c1.ndim != 2:
        raise ValueError(f"c1 and c2 must be (N, K) of equal shape, got {tuple(c1.shape)} and {tuple(c2.shape)}")
    k = c1.shape[1]
    if k < 2:
        raise ValueError("the cluster loss needs K >= 2 clusters")
    ent = entropy_term(c1) + entropy_term(c2)
    v = F.normalize(torch.cat([c1.T, c2.T], dim=0), dim=1)  # 2K cluster vectors
    sim = v @ v.T / temperature
    sim = sim.masked_fill(torch.eye(2 * k, dtype=torch.bool, device=v.device), -math.inf)
    target = torch.cat([torch.arange(k, 2 * k), torch.arange(0, k)]).to(v.device)
    ce = F.cross_entropy(sim, target, reduction="sum") / (2 * k)
    return ce + entropy_weight * ent, {"cluster_ce": float(ce.detach()), "entropy": float(ent.detach())}
