"""The benchmark: FLOPs counted right on a known layer, the shape floor records what a step runs, p1's steps take
the protocol's paths, the speed-up and projection arithmetic against hand-computed values, and a tiny run writes
the CSV's columns and a page with both ratios and a captioned figure."""

import csv
import math
from dataclasses import replace

import pandas as pd
import pytest
import torch

from omicslib.benchmarks import suite
from omicslib.book import performance, rehearsal
from omicslib.papers.p1_crossmodal import model as p1_model
from omicslib.papers.p1_crossmodal.config import config


def test_counted_flops_of_a_linear_layer_are_2mnk():
    m, k, n = 7, 13, 5                       # batch m, in features k, out features n
    lin = torch.nn.Linear(k, n)
    x = torch.randn(m, k)
    assert suite.count_flops(lambda: lin(x)) == 2 * m * n * k
    # forward + backward (input and weight gradients): three matmuls of the same size
    x.requires_grad_()
    assert suite.count_flops(lambda: lin(x).sum().backward()) == 3 * 2 * m * n * k


def test_ceiling_probes_are_positive():
    assert suite.matmul_ceiling("cpu", (64,), min_s=0.01) > 0
    assert suite.memory_bandwidth("cpu", mb=1, min_s=0.01) > 0


def test_shape_floor_records_each_matmul_and_draw_with_its_count_and_nothing_else():
    a, b, c = torch.randn(32, 48), torch.randn(48, 16), torch.randn(5, 32, 8)
    with suite.ShapeFloor() as rec:
        for _ in range(3):
            a @ b                               # one signature, three calls
        torch.bmm(c, c.transpose(1, 2))         # another (a transposed operand: its own strides)
        _ = torch.rand(100) < 0.1               # a draw; the comparison is element-wise, not recorded
        (a * 2).exp()                           # element-wise: not recorded
    calls = sorted((kind, str(func), count) for kind, func, _, _, count in rec.calls.values())
    assert calls == [("kernel", "aten.bmm.default", 1), ("kernel", "aten.mm.default", 3),
                     ("random", "aten.rand.default", 1)]
    s = rec.seconds("cpu", repeats=2)
    assert s["kernel"] > 0 and s["random"] > 0


def test_shape_floor_replays_with_the_recorded_strides():
    x, y = torch.randn(64, 32).t(), torch.randn(64, 8)      # x not contiguous
    with suite.ShapeFloor() as rec:
        x @ y
    (_, _, args, _, _), = rec.calls.values()
    assert args[0].stride() == x.stride() and torch.equal(args[0], x)


def test_protocol_speedup_weights_step_times_by_planned_steps():
    # (1 x 2 + 3 x 1) / (1 x 1 + 3 x 1) = 5 / 4; the step timed on one side only is left out
    assert suite.protocol_speedup({"a": 2.0, "b": 1.0, "c": 9.0}, {"a": 1.0, "b": 1.0}, {"a": 1, "b": 3, "c": 1}) \
        == pytest.approx(1.25)
    with pytest.raises(ValueError, match="no step"):
        suite.protocol_speedup({"a": 1.0}, {"b": 1.0}, {"a": 1, "b": 1})


def test_p1_protocol_weights_follow_the_unit():
    cfg = config("paper")
    w = suite.p1_protocol_weights("paper")
    assert set(w) == set(suite.P1_STEPS)
    assert w["stage 1 · EXP"] == w["stage 1 · MUT"] == cfg.s1_epochs
    assert w["stage 2 · EXP+CNA+MUT"] == cfg.s2_epochs
    assert w["stage 3 · MLP"] == cfg.s3_epochs * len(cfg.variants)     # one classifier per variant


def test_p1_stage2_step_attends_to_frozen_mutation_embeddings_through_the_grouped_path(monkeypatch):
    """What the benchmark times is what the protocol trains: stage 2's contexts are frozen stage-1 embeddings,
    so the mutation and CNA cross-attention go through grouped_attention (the end-to-end model never does)."""
    calls = []
    real = p1_model.grouped_attention
    monkeypatch.setattr(p1_model, "grouped_attention", lambda *a, **k: calls.append(1) or real(*a, **k))
    model, loss = suite.p1_step_build("cpu", 8, "stage 2 · EXP+CNA+MUT", "smoke", k=12, n_cna=6, n_mut=40)()
    loss().backward()
    assert len(calls) == 2 and model.cross["mut"].attn.in_proj_weight.grad is not None


def test_rehearsal_projection_divides_only_the_training_part():
    paper = pd.DataFrame({"paper": ["p1", "p2"], "projected_cpu_h": [10.0, 4.0], "non_training_cpu_h": [2.0, 1.0],
                          "projected_gpu_train_h": [0.5, 0.2]})
    out = rehearsal.with_training_speedup(paper, {"p1": 2.0})
    assert out["projected_cpu_h_after"].tolist() == [2.0 + 8.0 / 2, 4.0]          # p2 not named: unchanged
    assert out["projected_gpu_train_h_after"].tolist() == [0.5, 0.2]


def test_tiny_benchmark_writes_every_column_and_a_page_with_both_ratios(tmp_path):
    out = tmp_path / "bench.csv"
    plan = replace(suite.QUICK, p4=dict(batch=2, image=32), p4_image=(32,), p4_batch=(), p1_batch=(4,), p1_k=(12,),
                   p1_n_mut=(40,))
    rows = suite.run(plan, "cpu", steps=1, out=out, echo=lambda *a: None, p1_before=p1_model)
    with open(out) as f:
        read = list(csv.DictReader(f))
    assert tuple(read[0]) == suite.COLUMNS and len(read) == len(rows)
    assert {"ceiling", "model", "before", "after", "scaling"} <= {r["section"] for r in read}
    models = [r for r in read if r["section"] == "model"]
    assert {r["paper"] for r in models} == {"p1", "p2", "p3", "p4", "p5"}
    assert [r["step"] for r in models if r["paper"] == "p1"] == list(suite.P1_STEPS)
    assert [r["step"] for r in read if r["section"] == "before" and r["paper"] == "p1"] == list(suite.P1_STEPS)
    for r in read[1:]:
        flops, step_ms = float(r["flops_per_sample"]) * int(r["batch"]), float(r["step_ms"])
        ach, floor, rnd = float(r["achieved_gflops"]), float(r["floor_ms"]), float(r["floor_random_ms"])
        assert flops > 0 and float(r["samples_per_s"]) > 0 and step_ms > 0
        assert math.isclose(ach, flops / (step_ms / 1e3) / 1e9, rel_tol=1e-6)
        assert math.isclose(float(r["ratio_to_ceiling"]), ach / float(r["ceiling_gflops"]), rel_tol=1e-6)
        assert floor >= rnd >= 0 and floor > 0
        assert math.isclose(float(r["ratio_to_floor"]), floor / step_ms, rel_tol=1e-6)

    page = tmp_path / "performance.md"
    performance.write_page(out, page, tmp_path / "no-rehearsal.csv")
    text = page.read_text()
    assert "**Of ceiling**" in text and "**Of floor**" in text
    assert "## p1: the attention kernel before and after" in text
    fig = text[text.index("```{figure}"):]
    fig = fig[:fig.index("```\n", 4)]
    assert ":alt: " in fig and fig.rstrip().splitlines()[-1].strip()          # alt text, then a caption line
    assert (tmp_path / "performance" / "scaling.png").is_file()


def test_page_projects_the_rehearsal_before_and_after_the_p1_speedup(tmp_path):
    df = pd.DataFrame([dict(section="before", paper="p1", model="cross-modal, paper widths", step=s, step_ms=2.0)
                       for s in suite.P1_STEPS] +
                      [dict(section="model", paper="p1", model="cross-modal, paper widths", step=s, step_ms=1.0)
                       for s in suite.P1_STEPS])
    assert performance.p1_speedups(df) == {"cross-modal, paper widths": pytest.approx(2.0)}
    reh = pd.DataFrame([dict(job="p1_02_crossmodal_grid", wall_s=60.0, cpu_s=60.0, fits=1, fits_run=1,
                             steps_planned=100, gflop_planned=1.0, projected_cpu_h=10.0, non_training_cpu_h=2.0,
                             projected_gpu_train_h=0.5, fits_without_flops=0)])
    text = "\n".join(performance.rehearsal_text(reh, {"p1": 2.0}, "note."))
    assert "| p1 | 1.0 | 100 | 10.00 | 2.00x | 6.00 | 0.500 | 2.00 |" in text
    assert "10.0 -> 6.0 projected CPU hours" in text
