"""Train the printed-digit classifier shipped in ``i2ilib/assets`` (:mod:`i2ilib.metrics.digitnet`).

Run: ``python -m i2ilib.metrics.retrain digits [--out-dir i2ilib/assets] [--epochs 4]``
(a few minutes on one CPU core; deterministic for a given seed and torch build).

Data: :func:`i2ilib.data.digits.printed_digits` at 32 px, ``--train`` digits of seed
``--data-seed`` (default 101) and ``--val`` held-out digits of seed ``--data-seed + 1``; the
book's translation experiments draw their B images from other seeds (0, 1, 2, ...), so the
classifier sees none of them. Augmentation: a random shift of up to 2 px. Adam(2e-3), cosine
decay, batch 64, cross-entropy. The weights are saved in float16 with a JSON record of the data,
seed, epochs and held-out accuracy (on printed digits, and on the handwritten digits it was
never trained on, for reference).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch
from torch import nn

from i2ilib.data.digits import digits_tensors

from .assets import save_state
from .digitnet import ASSET_RECORD, ASSET_WEIGHTS, DigitNet, digit_accuracy
from .retrain import retrain


def _shift(x: torch.Tensor, gen: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Each image moved by a random integer shift in ``[-max_shift, max_shift]`` (edge pixels
    repeated)."""
    pad = nn.functional.pad(x, (max_shift,) * 4, mode="replicate")
    h, w = x.shape[-2:]
    out = torch.empty_like(x)
    offsets = torch.randint(0, 2 * max_shift + 1, (len(x), 2), generator=gen)
    for i, (dy, dx) in enumerate(offsets.tolist()):
        out[i] = pad[i, :, dy:dy + h, dx:dx + w]
    return out


def train(args: argparse.Namespace) -> tuple[DigitNet, dict]:
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.perf_counter()
    x, y = digits_tensors("printed", args.train, 32, seed=args.data_seed)
    x_val, y_val = digits_tensors("printed", args.val, 32, seed=args.data_seed + 1)
    x_hw, y_hw = digits_tensors("handwritten", None, 32)
    t_data = time.perf_counter() - t0
    net = DigitNet(width=args.width)
    n = len(x)
    steps = args.epochs * math.ceil(n / args.batch_size)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for s in range(0, n, args.batch_size):
            idx = perm[s:s + args.batch_size]
            loss = nn.functional.cross_entropy(net(_shift(x[idx], gen)), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx) / n
        net.eval()
        print(json.dumps({"epoch": epoch + 1, "loss": round(total, 4),
                          "val_acc": round(digit_accuracy(net, x_val, y_val), 4)}), flush=True)
    net.eval()
    record = {
        "name": net.name, "seed": args.seed, "epochs": args.epochs,
        "batch_size": args.batch_size, "lr": args.lr, "width": args.width,
        "data": {"source": "i2ilib.data.digits.printed_digits", "size": 32,
                 "train": f"{args.train} digits of seed {args.data_seed}",
                 "val": f"{args.val} digits of seed {args.data_seed + 1}"},
        "validation": {"printed_acc": digit_accuracy(net, x_val, y_val),
                       "handwritten_acc": digit_accuracy(net, x_hw, y_hw)},
        "seconds_data": round(t_data, 1),
        "seconds_total": round(time.perf_counter() - t0, 1),
        "torch": torch.__version__,
    }
    return net, record


def save(net: DigitNet, record: dict, out_dir: str | Path) -> Path:
    """Write ``digitcnn_v1.pt`` (float16 state dict + width) and ``digitcnn_v1.json``."""
    return save_state(net.state_dict(), {"width": net.head.in_features // 4}, record, out_dir,
                      ASSET_WEIGHTS, ASSET_RECORD)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """This network's training options (``python -m i2ilib.metrics.retrain digits --help``)."""
    ap.add_argument("--train", type=int, default=8000)
    ap.add_argument("--val", type=int, default=1000)
    ap.add_argument("--data-seed", type=int, default=101)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)


def main(argv: list[str] | None = None) -> dict:
    """``python -m i2ilib.metrics.train_digits``, the same as ``python -m i2ilib.metrics.retrain digits``."""
    return retrain("digits", argv)


if __name__ == "__main__":
    main()
