"""Train the FCN-score segmenter shipped in ``i2ilib/assets`` (:mod:`i2ilib.metrics.segnet`).

Run: ``python -m i2ilib.metrics.train_segnet [--out-dir i2ilib/assets] [--scenes 4000]
[--epochs 25] [--seed 0]`` (about 6 minutes on one CPU thread, 1 minute of it rendering;
deterministic for a given seed and torch build). The defaults make the shipped weights:
width 24 and score layers down to stride 2 (``--finest-stride 8`` gives the plain FCN-8s fusion).

Data, rendered on the fly at 64 px by :func:`i2ilib.data.synthscenes.render_scenes`: the real
daytime photos and exact label maps of SynthScenes street scenes of the *train* split (and a
smaller number of facade views, ``--facades``); the validation scenes come from the *test*
split, which never shares a scene with the train split, so the recorded scores are held out.
This mirrors pix2pix (Section 4.2): its FCN-8s was trained on real Cityscapes photos only, never
on generated ones.

Training: per-pixel cross-entropy with mildly balanced class weights (inverse square root of
each class' pixel frequency on the training set, normalised to mean 1, so that thin classes such
as poles, signs and people are not ignored), Adam, one-cycle cosine schedule, random horizontal
flips of photo and label map together. The weights are saved in float16 with a JSON record of
the data sizes, seed, epochs, held-out per-pixel accuracy, mean class accuracy and mean IoU.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from i2ilib.data import synthscenes
from i2ilib.data.synthscenes import CLASSES

from .assets import save_state
from .retrain import retrain
from .segmentation import class_iou, confusion_matrix, segmentation_scores
from .segnet import ASSET_RECORD, ASSET_WEIGHTS, SIZE, SceneSegNet, segment


def _to_tensor(images_u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images_u8)).permute(0, 3, 1, 2).float() / 127.5 - 1


def build_data(n_scenes: int, n_facades: int, seed: int, split: str) -> dict[str, torch.Tensor]:
    """Real photos ``(N, 3, 64, 64)`` in [-1, 1] and their labels ``(N, 64, 64)`` int64."""
    photos, labels = [], []
    for view, n in (("street", n_scenes), ("facade", n_facades)):
        if n > 0:
            d = synthscenes.render_scenes(n, size=SIZE, seed=seed, split=split, view=view)
            photos.append(_to_tensor(d["photo"]))
            labels.append(torch.from_numpy(d["labels"]).long())
    return {"images": torch.cat(photos), "labels": torch.cat(labels), "n_streets": n_scenes}


def class_weights(labels: torch.Tensor, n_classes: int, power: float = 0.5) -> torch.Tensor:
    """``freq_c ** -power`` normalised to mean 1 over the classes present; absent classes get 0."""
    freq = torch.bincount(labels.flatten(), minlength=n_classes)[:n_classes].double()
    freq = freq / freq.sum()
    w = torch.where(freq > 0, freq.clamp_min(1e-12) ** -power, torch.zeros_like(freq))
    return (w / w[freq > 0].mean()).float()


def evaluate(net: SceneSegNet, data: dict, n_classes: int) -> dict:
    """Held-out FCN-score of the real photos: pixel acc., mean class acc., mIoU, per-class IoU.

    ``street_*`` entries score the street scenes only (the labels -> photo task of the book).
    """
    pred = segment(net, data["images"], batch_size=256)
    out = {}
    ns = data["n_streets"]
    for prefix, sl in (("", slice(None)), ("street_", slice(0, ns))):
        s = segmentation_scores(pred[sl], data["labels"][sl], n_classes, ignore_index=None)
        out.update({f"{prefix}pixel_acc": s["pixel_acc"], f"{prefix}class_acc": s["class_acc"],
                    f"{prefix}mean_iou": s["mean_iou"]})
    cm = confusion_matrix(pred[:ns], data["labels"][:ns], n_classes, ignore_index=None)
    out["street_class_iou"] = [None if math.isnan(v) else round(float(v), 4) for v in class_iou(cm)]
    return out


def train(args: argparse.Namespace) -> tuple[SceneSegNet, dict]:

    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.perf_counter()
    train_data = build_data(args.scenes, args.facades, args.seed, "train")
    val_data = build_data(args.val_scenes, args.val_facades, args.seed, "test")
    t_data = time.perf_counter() - t0
    k = len(CLASSES)
    net = SceneSegNet(n_classes=k, width=args.width, finest_stride=args.finest_stride)
    weights = class_weights(train_data["labels"], k, args.balance)
    n = len(train_data["images"])
    steps = args.epochs * math.ceil(n / args.batch_size)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps,
                                                pct_start=0.15)
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for s in range(0, n, args.batch_size):
            idx = perm[s:s + args.batch_size]
            x, y = train_data["images"][idx], train_data["labels"][idx]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            y = torch.where(flip[:, None, None], y.flip(-1), y)
            loss = nn.functional.cross_entropy(net(x), y, weight=weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx) / n
        if (epoch + 1) % args.eval_every == 0 or epoch + 1 == args.epochs:
            scores = evaluate(net, val_data, k)
            print(json.dumps({"epoch": epoch + 1, "loss": round(total, 4),
                              "seconds": round(time.perf_counter() - t0, 1),
                              **{key: round(v, 4) for key, v in scores.items()
                                 if not isinstance(v, list)}}), flush=True)
    record = {
        "name": net.name,
        "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "class_weight_power": args.balance, "width": args.width,
        "finest_stride": args.finest_stride,
        "train_images": n, "val_images": len(val_data["images"]),
        "data": {"street_scenes": args.scenes, "facades": args.facades,
                 "val_street_scenes": args.val_scenes, "val_facades": args.val_facades,
                 "size": SIZE, "train_split": "train", "val_split": "test", "input": "photo (day)"},
        "classes": list(CLASSES),
        "validation": evaluate(net, val_data, k),
        "seconds_data": round(t_data, 1),
        "seconds_total": round(time.perf_counter() - t0, 1),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }
    return net.eval(), record


def save(net: SceneSegNet, record: dict, out_dir: str | Path) -> Path:
    """Write ``scenesegnet_v1.pt`` (float16 state dict + architecture) and ``scenesegnet_v1.json``."""
    meta = {"n_classes": net.n_classes, "width": net.width, "finest_stride": net.finest_stride}
    return save_state(net.state_dict(), meta, record, out_dir, ASSET_WEIGHTS, ASSET_RECORD)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """This network's training options (``python -m i2ilib.metrics.retrain segnet --help``)."""
    ap.add_argument("--scenes", type=int, default=4000, help="training street scenes")
    ap.add_argument("--facades", type=int, default=0, help="training facade views")
    ap.add_argument("--val-scenes", type=int, default=300)
    ap.add_argument("--val-facades", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--balance", type=float, default=0.5,
                    help="class weights = pixel frequency ** -balance (0: plain cross-entropy)")
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--finest-stride", type=int, default=2, choices=(2, 4, 8),
                    help="finest score layer: 8 = FCN-8s; 4 or 2 add finer skips")
    ap.add_argument("--eval-every", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)


def main(argv: list[str] | None = None) -> dict:
    """``python -m i2ilib.metrics.train_segnet``, the same as ``python -m i2ilib.metrics.retrain segnet``."""
    return retrain("segnet", argv)


if __name__ == "__main__":
    main()
