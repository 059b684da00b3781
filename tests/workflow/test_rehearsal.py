"""The rehearsal's cost summary: measured seconds per job and the projection to uncapped training."""

import json

import pandas as pd
import pytest

from omicslib.book import rehearsal

BENCH = ("s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
         "{wall}\t0:00:10\t500\t1\t1\t1\t0\t0\t90\t{cpu}\n")


def _job(logdir, name, wall, cpu, fit_lines):
    (logdir / f"{name}.benchmark.tsv").parent.mkdir(parents=True, exist_ok=True)
    (logdir / f"{name}.benchmark.tsv").write_text(BENCH.format(wall=wall, cpu=cpu))
    if fit_lines is not None:
        (logdir / f"{name}.fits.jsonl").write_text("".join(json.dumps(f) + "\n" for f in fit_lines))


def test_projection_scales_each_fit_by_planned_over_taken_steps(tmp_path):
    _job(tmp_path, "p1_02_grid", 100.0, 90.0, [{"steps": 2, "steps_planned": 200, "seconds": 1.0},
                                               {"steps": 2, "steps_planned": 2, "seconds": 0.5},
                                               {"steps": 0, "steps_planned": 0, "seconds": 0.25}])
    _job(tmp_path, "p3_02/methodDMACL-dataX-seed0", 10.0, 8.0, [{"steps": 2, "steps_planned": 20, "seconds": 0.1}])
    _job(tmp_path, "p4_01_table", 5.0, 4.0, None)   # trains nothing
    df = rehearsal.summary(tmp_path).set_index("job")
    g = df.loc["p1_02_grid"]
    assert g["fit_s"] == pytest.approx(1.75) and g["projected_fit_s"] == pytest.approx(100.0 + 0.5 + 0.25)
    assert g["projected_cpu_h"] == pytest.approx((90.0 - 1.75 + 100.75) / 3600)
    assert df.loc["p3_02/methodDMACL-dataX-seed0", "projected_fit_s"] == pytest.approx(1.0)
    assert df.loc["p4_01_table", "fits"] == 0 and df.loc["p4_01_table", "projected_cpu_h"] == pytest.approx(4 / 3600)


def test_bad_fit_line_names_the_file_and_line(tmp_path):
    (tmp_path / "x.fits.jsonl").write_text('{"steps": 1}\nnot json\n')
    with pytest.raises(ValueError, match=r"x.fits.jsonl:2: not a JSON fit line"):
        rehearsal.fits(tmp_path / "x.fits.jsonl")


def test_cli_prints_totals_and_writes_csv(tmp_path, capsys):
    _job(tmp_path / "logs", "a", 60.0, 120.0, [{"steps": 1, "steps_planned": 10, "seconds": 2.0}])
    assert rehearsal.main([str(tmp_path / "logs"), "--csv", str(tmp_path / "c.csv")]) == 0
    assert "1 jobs: 1.0 min wall (sum), 2.0 min CPU" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "c.csv")["projected_fit_s"].iloc[0] == pytest.approx(20.0)


def test_gpu_projection_from_counted_flops_with_a_per_step_floor(tmp_path):
    # 1e13 FLOPs a step x 989 planned steps at 25 % of 989 TFLOP/s = 40 s (above the 5 ms x 989 floor);
    # a fit without a count and 10 planned steps adds its floor, 0.05 s, and is reported
    _job(tmp_path, "p5_01_rna", 10.0, 9.0, [{"steps": 2, "steps_planned": 989, "seconds": 1.0, "flops_per_step": 1e13},
                                            {"steps": 2, "steps_planned": 10, "seconds": 1.0}])
    # a tiny model: 1e6 FLOPs a step is nothing; 1,000 steps at the 5 ms floor take 5 s
    _job(tmp_path, "p5_02_syn", 10.0, 5.0, [{"steps": 2, "steps_planned": 1000, "seconds": 0.1, "flops_per_step": 1e6}])
    df = rehearsal.summary(tmp_path).set_index("job")
    assert df.loc["p5_01_rna", "projected_gpu_train_h"] == pytest.approx(40.05 / 3600)
    assert df.loc["p5_02_syn", "projected_gpu_train_h"] == pytest.approx(5.0 / 3600)
    assert df.loc["p5_01_rna", "fits_without_flops"] == 1 and df.loc["p5_02_syn", "fits_without_flops"] == 0
    assert df.loc["p5_01_rna", "gflop_planned"] == pytest.approx(9.89e6)
    assert df.loc["p5_01_rna", "non_training_cpu_h"] == pytest.approx(7.0 / 3600)
    paper = rehearsal.per_paper(df.reset_index()).set_index("paper")
    assert paper.loc["p5", "cpu_s"] == pytest.approx(14.0) and paper.loc["p5", "steps_planned"] == 1999


def test_fit_counts_flops_of_its_first_step_when_asked(monkeypatch):
    import torch
    from torch import nn

    from omicslib.train import COUNT_FLOPS_ENV, fit, loader, supervised

    x, y = torch.randn(32, 10), torch.arange(32) % 2
    model = nn.Linear(10, 2)

    def run():
        return fit(model, loader((x, y), 16), loss_step=supervised(nn.CrossEntropyLoss()),
                   optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)

    assert run().flops_per_step is None
    monkeypatch.setenv(COUNT_FLOPS_ENV, "1")
    # a Linear(10 -> 2) on 16 rows: forward 2*16*10*2 = 640, backward (weight gradient only) 640 FLOPs
    assert run().flops_per_step == 1280


def test_performance_page_shows_the_projection_per_paper(tmp_path):
    from omicslib.book import performance

    _job(tmp_path, "p1_02_grid", 120.0, 100.0, [{"steps": 2, "steps_planned": 989, "seconds": 1.0,
                                                "flops_per_step": 3.6e12}])
    _job(tmp_path, "p4_01_table", 60.0, 30.0, None)
    text = "\n".join(performance.rehearsal_text(rehearsal.summary(tmp_path)))
    # 3.6e12 x 989 / (0.25 x 989e12) s = 14.4 s = 0.004 GPU hours; wall 120 s = 2.0 min
    assert "| p1 | 2.0 | 989 |" in text and "| 0.004 |" in text and "| p4 | 1.0 | 0 |" in text
    assert rehearsal.GPU in text and "25 %" in text
    assert "has not been run" in "\n".join(performance.rehearsal_text(None))


def test_a_fit_standing_for_left_out_runs_counts_that_many_times(tmp_path):
    # one fit of 2 of 100 steps (1 s) run for 5 seeds: projected 5 x 50 s; a plain fit counts once
    _job(tmp_path, "p4_05_real", 20.0, 18.0, [{"steps": 2, "steps_planned": 100, "seconds": 1.0, "repeats": 5},
                                             {"steps": 2, "steps_planned": 2, "seconds": 0.5}])
    g = rehearsal.summary(tmp_path).set_index("job").loc["p4_05_real"]
    assert g["projected_fit_s"] == pytest.approx(250.0 + 0.5)
    assert (g["fits"], g["fits_run"], g["steps_planned"]) == (6, 2, 502)


def test_rehearsal_runs_and_repeats_reach_the_fit_log(tmp_path, monkeypatch):
    import torch
    from torch import nn

    from omicslib.train import fit, loader, rehearsal_repeats, rehearsal_runs, supervised

    monkeypatch.delenv("OMICSLIB_MAX_STEPS", raising=False)
    assert rehearsal_runs(5) == (5, 1)
    monkeypatch.setenv("OMICSLIB_MAX_STEPS", "1")
    assert rehearsal_runs(5) == (1, 5)
    with pytest.raises(ValueError, match="at least one run"):
        rehearsal_runs(0)
    log = tmp_path / "fits.jsonl"
    monkeypatch.setenv("OMICSLIB_FIT_LOG", str(log))
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
    model = nn.Linear(3, 2)

    def one_fit():
        fit(model, loader((x, y), 4), None, loss_step=supervised(nn.CrossEntropyLoss()),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)

    one_fit()
    with rehearsal_repeats(5):
        with rehearsal_repeats(3):
            one_fit()
        one_fit()
    lines = [json.loads(s) for s in log.read_text().splitlines()]
    assert [d.get("repeats", 1) for d in lines] == [1, 15, 5]
