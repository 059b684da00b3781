"""The benchmark (issue 23): FLOPs counted right on a known layer, and a tiny run writes the CSV's columns."""

import csv
import math
from dataclasses import replace

import torch

from omicslib.benchmarks import suite


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


def test_tiny_benchmark_writes_every_column(tmp_path):
    out = tmp_path / "bench.csv"
    plan = replace(suite.QUICK, p4=dict(batch=2, image=32), p4_image=(), p4_batch=(), p1_batch=(4,), p1_k=(12,),
                   p1_n_mut=(40,))
    rows = suite.run(plan, "cpu", steps=1, out=out, echo=lambda *a: None)
    with open(out) as f:
        read = list(csv.DictReader(f))
    assert tuple(read[0]) == suite.COLUMNS and len(read) == len(rows)
    sections = {r["section"] for r in read}
    assert {"ceiling", "model", "before", "after", "scaling"} <= sections
    models = [r for r in read if r["section"] == "model"]
    assert {r["paper"] for r in models} == {"p1", "p2", "p3", "p4", "p5"}
    for r in read[1:]:
        flops, sps, ach = float(r["flops_per_sample"]), float(r["samples_per_s"]), float(r["achieved_gflops"])
        assert flops > 0 and sps > 0 and math.isclose(ach, flops * sps / 1e9, rel_tol=1e-6)
        assert math.isclose(float(r["ratio_to_ceiling"]), ach / float(r["ceiling_gflops"]), rel_tol=1e-6)
    before = next(r for r in read if r["section"] == "before")
    after = next(r for r in read if r["section"] == "after")
    assert float(after["flops_per_sample"]) < float(before["flops_per_sample"])   # grouped attention: fewer FLOPs
