"""The GPU throughput benchmark (benchmarks/grid.py, benchmarks/flops.py), run on the CPU: the
FLOP counts its model-FLOP utilisation rests on, the peak table, its plan and its measuring
worker, so that the script a GPU machine runs is exercised here."""

import sys
from pathlib import Path

import pytest
import torch
from test_trainers import Pairs, cyc_config
from torch import nn

from i2ilib.train import CycleGANTrainer
from i2ilib.train.grid import _Grid, fold

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import flops
import grid as grid_bench


def test_the_flops_of_one_convolution_are_the_hand_count():
    conv = nn.Conv2d(3, 8, 3, padding=1)
    x = torch.rand(2, 3, 16, 16, requires_grad=True)
    # 2 x (2 * 8 * 16 * 16 outputs) x (3 * 3 * 3 products each)
    assert flops.conv2d_flops(2, 3, 8, (3, 3), (16, 16)) == 2 * 4096 * 27 == 221184
    assert flops.count_flops(lambda: conv(x)) == 221184
    # backward: the input's and the weight's gradients cost one forward each
    assert flops.count_flops(lambda: conv(x).sum().backward()) == 3 * 221184
    strided = nn.Conv2d(4, 6, 4, stride=2, padding=1, groups=2)
    y = torch.rand(1, 4, 8, 8)
    assert flops.count_flops(lambda: strided(y)) == flops.conv2d_flops(1, 4, 6, (4, 4), (4, 4),
                                                                        groups=2) == 2 * 96 * 32


def test_folding_k_runs_counts_k_times_the_flops_of_one():
    """Forward and backward; torch's own formula counts a grouped convolution's weight gradient
    ``groups`` times (flops._conv_backward_flop counts it once)."""
    nets = [nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.ConvTranspose2d(4, 2, 3, stride=2))
            for _ in range(3)]
    folded = fold(nets)
    x = torch.rand(2, 3, 10, 10, requires_grad=True)
    xf = x.detach().repeat(1, 3, 1, 1).requires_grad_()
    one = flops.count_flops(lambda: nets[0](x))
    assert one > 0
    assert flops.count_flops(lambda: folded(xf)) == 3 * one
    one = flops.count_flops(lambda: nets[0](x).sum().backward())
    assert flops.count_flops(lambda: folded(xf).sum().backward()) == 3 * one
    conv = nn.Conv2d(8, 8, 3, groups=4)
    y = torch.rand(1, 8, 6, 6)
    fwd = flops.conv2d_flops(1, 8, 8, (3, 3), (4, 4), groups=4)
    # input gradient not needed: the weight gradient alone costs one forward
    assert flops.count_flops(lambda: conv(y).sum().backward()) == 2 * fwd


def test_a_grid_step_is_k_training_steps_of_arithmetic():
    trainers = [CycleGANTrainer(cyc_config(seed=s)) for s in (0, 1)]
    alone = CycleGANTrainer(cyc_config(seed=0))
    batch = {"A": Pairs(n=2).A, "B": Pairs(n=2).B}
    one = flops.count_flops(lambda: alone.train_step(batch))
    grid = _Grid(trainers, channels_last=False)
    two = flops.count_flops(lambda: grid.step(torch.cat([batch["A"]] * 2, 1),
                                              torch.cat([batch["B"]] * 2, 1)))
    assert one > 0 and two == 2 * one


def test_peak_table_and_utilisation():
    assert flops.gpu_model("NVIDIA H100 80GB HBM3") == "H100 SXM"
    assert flops.gpu_model("NVIDIA H100 PCIe") == "H100 PCIe"
    assert flops.gpu_model("NVIDIA H100 NVL") == "H100 NVL"
    assert flops.gpu_model("NVIDIA H200") == "H200 SXM"
    assert flops.gpu_model("NVIDIA H200 NVL") == "H200 NVL"
    assert flops.gpu_model("Tesla T4") is None and flops.peak_tflops("Tesla T4") is None
    assert flops.peak_tflops("NVIDIA H100 80GB HBM3") == {"bf16": 989.4, "tf32": 494.7,
                                                          "fp32": 66.9}
    for peaks in flops.PEAK_TFLOPS.values():  # tensor cores: bf16 twice tf32, both above fp32
        assert peaks["bf16"] == pytest.approx(2 * peaks["tf32"], rel=0.01)
        assert peaks["tf32"] > peaks["fp32"]
    # 7.43 GFLOP per step at 16.5 steps/s on 494.7 TFLOP/s
    assert flops.mfu(7.43e9, 16.5, 494.7) == pytest.approx(7.43e9 * 16.5 / 494.7e12)
    assert flops.mfu(7.43e9, 16.5, None) is None
    assert flops.device_facts(torch.device("cpu")) == {"device": "cpu", "torch": torch.__version__}


def test_ways_and_plans():
    assert grid_bench.parse_way("seq") == {"processes": 1, "runs": 1, "fold": False,
                                           "channels_last": False, "compile": None}
    w = grid_bench.parse_way("proc4xgrid8")
    assert (w["processes"], w["runs"], w["fold"]) == (4, 8, True)
    assert grid_bench.parse_way("grid16cl")["channels_last"] is True
    assert grid_bench.parse_way("grid16")["channels_last"] is None  # fit_grid's default
    assert grid_bench.parse_way("proc2") == {"processes": 2, "runs": 1, "fold": False,
                                             "channels_last": None, "compile": None}
    assert grid_bench.parse_way("compiled-ro")["compile"] == "reduce-overhead"
    for bad in ("", "proc4grid8", "xgrid8", "grid", "grid0", "fast"):
        with pytest.raises(ValueError):
            grid_bench.parse_way(bad)
    plan = grid_bench.make_plan("cuda", False, None, None)
    assert plan[0] == ("book", "seq") and ("paper", "seq") in plan
    for k in (1, 4, 16, 32):
        assert ("book", f"grid{k}") in plan
    for config in ("book", "paper"):  # each configuration's seq before its other ways
        ways = [w for c, w in plan if c == config]
        assert ways[0] == "seq"
    assert grid_bench.make_plan("cpu", True, None, "grid2,seq") == [("book", "seq"),
                                                                   ("book", "grid2")]
    assert all(c == "paper" for c, _ in grid_bench.make_plan("cuda", False, "paper", None))
    with pytest.raises(ValueError, match="Unknown configuration"):
        grid_bench.make_plan("cuda", False, "huge", "seq")
    options, size = grid_bench.config_options("paper")
    assert (options["netG"], options["ngf"], options["ndf"], options["batch_size"], size) == (
        "resnet_9blocks", 64, 64, 1, 256)
    options, size = grid_bench.config_options("book")
    assert (options["netG"], options["ngf"], options["ndf"], options["batch_size"], size) == (
        "resnet_6blocks", 8, 16, 4, 64)


def _spec(**changes):
    options = {**cyc_config().to_dict(), "n_epochs": 1000, "n_epochs_decay": 0}
    del options["seed"], options["device"]
    return {"processes": 1, "runs": 1, "fold": False, "channels_last": None, "compile": None,
            "options": options, "size": 32, "device": "cpu", "threads": 1, "seed": 0,
            "window": 0.05, "warmup": (1, 1), "deadline": 1e12, "steps_per_epoch": 4,
            **changes}


@pytest.mark.parametrize("fold_runs", [False, True])
def test_the_measuring_worker_trains_on_the_device_it_is_given(fold_runs):
    K = 2 if fold_runs else 1
    out = grid_bench.measure_worker(_spec(runs=K, fold=fold_runs, count_flops=not fold_runs))
    assert out["t1"] >= out["t0"] and out["steps"] >= 1
    assert out["run_steps"] == K * out["steps"]
    assert out["images"] == 2 * K * out["steps"]  # batch size 2
    assert out["warm_ms_per_step"] > 0
    if not fold_runs:
        batch = {"A": Pairs(n=2).A, "B": Pairs(n=2).B}
        alone = CycleGANTrainer(cyc_config())
        assert out["flops_per_run_step"] == flops.count_flops(lambda: alone.train_step(batch))


def test_the_compiled_way_trains_through_the_compiled_networks():
    """The wiring of ``compiled`` (torch.compile on the trainer's four networks), with dynamo's
    eager backend: inductor would take minutes to compile on a CPU."""
    from torch._dynamo.utils import counters

    torch._dynamo.reset()
    counters.clear()
    out = grid_bench.measure_worker(_spec(compile="default", compile_backend="eager"))
    assert out["steps"] >= 1 and out["images"] == 2 * out["steps"]
    assert counters["stats"]["unique_graphs"] == 4  # G_AB, G_BA, D_A, D_B
    torch._dynamo.reset()


def test_a_way_of_two_processes_meets_at_the_barrier_and_reports_both():
    results = grid_bench.run_way(_spec(processes=2, window=0.1), 2, timeout=120)
    assert len(results) == 2 and all("error" not in r for r in results), results
    assert all(r["images"] >= 2 for r in results)


def test_a_failing_worker_reports_its_error_and_releases_the_barrier():
    import queue
    import threading

    barrier, q = threading.Barrier(2), queue.Queue()
    bad = _spec(runs=2, fold=True, options={**_spec()["options"], "gan_mode": "vanilla"})
    grid_bench._worker_main(bad, barrier, q)
    assert "cannot be trained as one grid" in q.get_nowait()["error"]
    assert barrier.broken  # the way's other processes stop waiting for this one
