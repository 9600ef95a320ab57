"""Benchmark: feature extraction + Fréchet distance on 10 000 images at 64 px.

Run: ``python benchmarks/fid.py [--n 10000] [--size 64] [--devices cpu,cuda] [--no-save]``;
on a GPU machine ``python benchmarks/fid.py --devices cuda --features-only`` times only the
feature extraction on the GPU (what ``benchmarks/gpu.sh`` runs).

Prints one JSON object per line and appends it to ``benchmarks/results/fid.jsonl`` (unless
``--no-save``), each with the hardware, torch version, threads, 1-min load average and date:

- ``{"benchmark": "fid_features", "extractor", "device", "n", "size", "batch_size", "seconds",
  "images_per_s", ...}`` — :func:`i2ilib.metrics.extract_features` throughput;
- ``{"benchmark": "fid_frechet", "extractor", "dim", "n", "seconds", "value"}`` — mean,
  covariance and ``scipy.linalg.sqrtm`` in float64 on the CPU
  (:func:`i2ilib.metrics.frechet_distance`);
- ``{"benchmark": "fid_kid" | "fid_precision_recall", ...}`` — the other set metrics on the same
  features (KID: 100 subsets of 1000; precision/recall: k = 3, all N x N distances).

Extractors: ``randconv`` (:class:`RandomConvExtractor`, 256-D, works offline), ``synthcnn``
(the shipped offline CNN, 192-D) and ``inception`` — the pytorch-fid Inception-V3 when its weights are present, otherwise the same
architecture from torchvision with random weights, named ``inception-v3-arch-random-init``: its
*timings* stand for the real network (same layers, 299 px input), its values mean nothing.
On the CPU the Inception pass is slow, so it runs on ``--cpu-inception-n`` images and reports
the measured throughput.

The images are procedural (smooth random colour fields + noise, seeded), generated up front and
excluded from the timings.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from i2ilib.device import describe_hardware
from i2ilib.metrics import distribution
from i2ilib.metrics.features import RandomConvExtractor, extract_features, inception_extractor
from i2ilib.metrics.synthnet import synth_feature_extractor


def make_images(n: int, size: int, seed: int) -> torch.Tensor:
    """``(n, 3, size, size)`` uint8: bilinear-upsampled 8x8 colour fields plus pixel noise."""
    g = torch.Generator().manual_seed(seed)
    out = torch.empty(n, 3, size, size, dtype=torch.uint8)
    for s in range(0, n, 1000):
        m = min(1000, n - s)
        low = torch.rand(m, 3, 8, 8, generator=g)
        x = nn.functional.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)
        x = (x + 0.1 * torch.randn(x.shape, generator=g)).clamp(0, 1)
        out[s:s + m] = (x * 255).round().to(torch.uint8)
    return out


def _batches(images_u8: torch.Tensor, batch_size: int):
    for s in range(0, len(images_u8), batch_size):
        yield images_u8[s:s + batch_size].float() / 127.5 - 1.0


class _ArchOnlyInception(nn.Module):
    """torchvision Inception-V3 with random weights, 299 px bilinear resize, 2048-D pool.

    For timings only: same layers and input size as the FID network, meaningless values.
    """

    def __init__(self) -> None:
        super().__init__()
        import torchvision

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            net = torchvision.models.inception_v3(weights=None, aux_logits=False,
                                                  init_weights=True)
        net.fc = nn.Identity()
        self.net = net.eval()
        self.dim = 2048
        self.name = "inception-v3-arch-random-init"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        f = self.net(x)
        # random weights give activations of arbitrary scale: unit RMS keeps the set metrics'
        # arithmetic (and so their timings) representative
        return f / f.pow(2).mean(dim=1, keepdim=True).sqrt().clamp_min(1e-12)


def _inception() -> nn.Module:
    try:
        return inception_extractor()
    except (ImportError, FileNotFoundError):
        return _ArchOnlyInception()


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def bench_features(extractor, images_u8, device: str, batch_size: int) -> tuple[dict, torch.Tensor]:
    # warm-up (cuDNN autotuning, allocator) on one batch
    extract_features(extractor, images_u8[:batch_size].float() / 127.5 - 1, batch_size,
                     device, progress=False)
    _sync(device)
    t0 = time.perf_counter()
    feats = extract_features(extractor, _batches(images_u8, batch_size), batch_size, device,
                             progress=False)
    _sync(device)
    dt = time.perf_counter() - t0
    row = {"benchmark": "fid_features", "extractor": extractor.name, "device": device,
           "n": len(images_u8), "size": images_u8.shape[-1], "batch_size": batch_size,
           "seconds": round(dt, 3), "images_per_s": round(len(images_u8) / dt, 1)}
    return row, feats


def bench_set_metrics(name: str, fa: torch.Tensor, fb: torch.Tensor) -> list[dict]:
    rows = []
    t0 = time.perf_counter()
    value = distribution.frechet_distance(fa, fb)
    rows.append({"benchmark": "fid_frechet", "extractor": name, "dim": fa.shape[1], "n": len(fa),
                 "seconds": round(time.perf_counter() - t0, 3), "value": round(value, 4)})
    n_sub = min(1000, len(fa), len(fb))
    t0 = time.perf_counter()
    mean, std = distribution.kid(fa, fb, n_subsets=100, subset_size=n_sub)
    rows.append({"benchmark": "fid_kid", "extractor": name, "dim": fa.shape[1], "n": len(fa),
                 "n_subsets": 100, "subset_size": n_sub,
                 "seconds": round(time.perf_counter() - t0, 3), "value": mean, "std": std})
    t0 = time.perf_counter()
    p, r = distribution.precision_recall(fa, fb, k=3)
    rows.append({"benchmark": "fid_precision_recall", "extractor": name, "dim": fa.shape[1],
                 "n": len(fa), "seconds": round(time.perf_counter() - t0, 3),
                 "precision": p, "recall": r})
    return rows


RESULTS = Path(__file__).resolve().parent / "results" / "fid.jsonl"


def _context(device: str) -> dict:
    return {
        "hardware": describe_hardware(torch.device(device)),
        "torch": torch.__version__,
        **({"gpu": torch.cuda.get_device_name(), "cuda": torch.version.cuda}
           if device == "cuda" else {}),
        "threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "load_avg_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000, help="images per set")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=200)
    ap.add_argument("--devices", default="cpu,cuda", help="comma list; cuda skipped if absent")
    ap.add_argument("--extractors", default="randconv,synthcnn,inception")
    ap.add_argument("--cpu-inception-n", type=int, default=500,
                    help="images for the (slow) Inception pass on the CPU")
    ap.add_argument("--set-metrics-device", default="cuda",
                    help="features of this device's run feed the set-metric timings")
    ap.add_argument("--features-only", action="store_true",
                    help="time the feature extraction only (no FD, KID, precision/recall)")
    ap.add_argument("--out", default=str(RESULTS), help="JSON-lines file to append to")
    ap.add_argument("--no-save", action="store_true", help="print only")
    args = ap.parse_args(argv)

    real = make_images(args.n, args.size, seed=0)
    fake = make_images(args.n, args.size, seed=1)
    fake[:, 0] = (fake[:, 0].float() * 0.8).to(torch.uint8)  # a colour shift: FD > 0
    devices = [d for d in args.devices.split(",") if d != "cuda" or torch.cuda.is_available()]
    if not devices:
        raise SystemExit(f"None of the devices {args.devices!r} is available.")
    metric_device = args.set_metrics_device if args.set_metrics_device in devices else devices[-1]
    rows: list[dict] = []

    def emit(row: dict, device: str) -> None:
        row = {**row, **_context(device if row["benchmark"] == "fid_features" else "cpu")}
        rows.append(row)
        print(json.dumps(row), flush=True)
        if not args.no_save:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            with open(args.out, "a") as fh:
                fh.write(json.dumps(row) + "\n")

    for ext_name in args.extractors.split(","):
        extractor = {"randconv": lambda: RandomConvExtractor(seed=0),
                     "synthcnn": synth_feature_extractor, "inception": _inception}[ext_name]()
        for device in devices:
            n = args.n
            if device == "cpu" and ext_name == "inception":
                n = min(n, args.cpu_inception_n)
            row_a, fa = bench_features(extractor, real[:n], device, args.batch_size)
            emit(row_a, device)
            if device == metric_device and not args.features_only:
                _, fb = bench_features(extractor, fake[:n], device, args.batch_size)
                for row in bench_set_metrics(extractor.name, fa, fb):
                    emit(row, device)
    return rows


if __name__ == "__main__":
    main()
