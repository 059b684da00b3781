"""Cox proportional-hazards partial likelihood as a training loss (Cox 1972; Breslow 1974 ties)."""

from __future__ import annotations

import torch


def cox_ph_loss(risk: torch.Tensor, time: torch.Tensor, event: torch.Tensor,
                reduction: str = "mean") -> torch.Tensor:
    """Negative Cox partial log-likelihood with Breslow's handling of tied times.

    ``risk`` is the linear predictor (log hazard ratio, higher = shorter
    survival), ``event`` 1 for an observed event and 0 for censoring. For each
    event i: ``-(risk_i - log sum_{j: t_j >= t_i} exp(risk_j))``; tied events
    share the same risk set (Breslow). ``reduction='mean'`` divides by the number
    of events, ``'sum'`` gives the plain negative log-likelihood. A batch without
    events carries no information: the result is a zero that keeps the graph.
    """
    risk = risk.reshape(-1)
    time = time.reshape(-1).to(risk.dtype)
    event = event.reshape(-1).to(risk.dtype)
    if not (risk.shape == time.shape == event.shape):
        raise ValueError(f"risk, time and event must have one value per sample, got "
                         f"{tuple(risk.shape)}, {tuple(time.shape)}, {tuple(event.shape)}")
    if reduction not in {"mean", "sum"}:
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    at_risk = time[None, :] >= time[:, None]  # row i: who is still at risk at t_i
    log_denominator = risk[None, :].masked_fill(~at_risk, float("-inf")).logsumexp(dim=1)
    nll = -((risk - log_denominator) * event).sum()
    n_events = event.sum()
    if n_events == 0:
        return risk.sum() * 0.0
    return nll / n_events if reduction == "mean" else nll
