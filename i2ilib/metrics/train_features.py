"""Train the offline feature network shipped in ``i2ilib/assets`` (:mod:`i2ilib.metrics.synthnet`).

Run: ``python -m i2ilib.metrics.train_features [--out-dir i2ilib/assets] [--epochs 6]``
(about 5 minutes on two CPU cores; deterministic for a given seed and torch build).

Data, all rendered on the fly at 64 px from the package's own generators (training seeds only;
the validation images come from disjoint seeds/splits):

- SynthFaces (``make_synthfaces``): domain ``face`` + the ten rendered attributes (binary
  cross-entropy; ``Smiling`` thresholded at 0.5);
- SynthScenes street scenes (``render_scenes``): the day photo (domain ``street_day``) and the
  night rendering (``street_night``), with the fraction of pixels of each of the 12 classes as a
  soft target (cross-entropy against the class histogram);
- SynthScenes facades: domain ``facade``, class histogram as above.

Loss = CE(domain) + BCE(attributes, faces only) + soft-CE(class fractions, scenes only).
Adam(2e-3), cosine decay, horizontal flips. The weights are saved in float16 with a JSON
record of the data sizes, seed, epochs and validation scores.
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

from i2ilib.data import synthfaces, synthscenes

from .assets import save_state
from .retrain import retrain
from .synthnet import ASSET_RECORD, ASSET_WEIGHTS, DOMAINS, SynthFeatureNet


def _to_tensor(images_u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images_u8)).permute(0, 3, 1, 2).float() / 127.5 - 1


def _class_fractions(labels: np.ndarray, n_classes: int) -> torch.Tensor:
    flat = labels.reshape(len(labels), -1)
    hist = np.stack([np.bincount(row, minlength=n_classes)[:n_classes] for row in flat])
    return torch.from_numpy(hist / flat.shape[1]).float()


def build_data(n_identities: int, per_identity: int, n_scenes: int, n_facades: int,
               seed: int, split: str) -> dict[str, torch.Tensor]:
    """Images ``(N, 3, 64, 64)`` with ``domain (N,)``, ``attrs (N, 10)``, ``fractions (N, 12)``
    and the masks ``is_face``/``is_scene``."""
    faces = synthfaces.make_synthfaces(n_identities, per_identity, size=64,
                                       seed=seed if split == "train" else seed + 10_000)
    cols = [faces.attr_names.index(a) for a in synthfaces.RENDERED_ATTRIBUTES]
    face_attrs = torch.from_numpy((faces.attrs[:, cols] > 0).astype(np.float32))
    streets = synthscenes.render_scenes(n_scenes, size=64, seed=seed, split=split)
    facades = synthscenes.render_scenes(n_facades, size=64, seed=seed, split=split, view="facade")
    k = len(synthscenes.CLASSES)
    street_frac = _class_fractions(streets["labels"], k)
    facade_frac = _class_fractions(facades["labels"], k)
    images = torch.cat([_to_tensor(faces.images), _to_tensor(streets["photo"]),
                        _to_tensor(streets["night"]), _to_tensor(facades["photo"])])
    n_f, n_s, n_d = len(faces.images), n_scenes, n_facades
    domain = torch.cat([torch.full((n_f,), 0), torch.full((n_s,), 1), torch.full((n_s,), 2),
                        torch.full((n_d,), 3)]).long()
    attrs = torch.cat([face_attrs, torch.zeros(2 * n_s + n_d, face_attrs.shape[1])])
    fractions = torch.cat([torch.zeros(n_f, k), street_frac, street_frac, facade_frac])
    return {"images": images, "domain": domain, "attrs": attrs, "fractions": fractions,
            "is_face": domain == 0, "is_scene": domain > 0}


def _losses(out: dict, batch: dict) -> dict[str, torch.Tensor]:
    losses = {"domain": nn.functional.cross_entropy(out["domain"], batch["domain"])}
    face, scene = batch["is_face"], batch["is_scene"]
    zero = out["domain"].sum() * 0
    losses["attributes"] = (nn.functional.binary_cross_entropy_with_logits(
        out["attributes"][face], batch["attrs"][face]) if face.any() else zero)
    losses["scene"] = (-(batch["fractions"][scene] * out["scene"][scene].log_softmax(1)).sum(1)
                       .mean() if scene.any() else zero)
    return losses


@torch.no_grad()
def evaluate(net: SynthFeatureNet, data: dict, batch_size: int = 256) -> dict[str, float]:
    """Domain accuracy, mean attribute accuracy (faces), mean absolute class-fraction error."""
    net.eval()
    outs = [net.heads(data["images"][s:s + batch_size])
            for s in range(0, len(data["images"]), batch_size)]
    dom = torch.cat([o["domain"] for o in outs]).argmax(1)
    att = torch.cat([o["attributes"] for o in outs]) > 0
    frac = torch.cat([o["scene"] for o in outs]).softmax(1)
    face, scene = data["is_face"], data["is_scene"]
    return {
        "domain_acc": float((dom == data["domain"]).float().mean()),
        "attribute_acc": float((att[face] == (data["attrs"][face] > 0.5)).float().mean()),
        "fraction_mae": float((frac[scene] - data["fractions"][scene]).abs().mean()),
    }


def train(args: argparse.Namespace) -> tuple[SynthFeatureNet, dict]:
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.perf_counter()
    train_data = build_data(args.identities, args.per_identity, args.scenes, args.facades,
                            args.seed, "train")
    val_data = build_data(max(1, args.identities // 8), args.per_identity,
                          max(1, args.scenes // 8), max(1, args.facades // 8), args.seed, "test")
    t_data = time.perf_counter() - t0
    net = SynthFeatureNet(n_attributes=train_data["attrs"].shape[1],
                          n_scene_classes=train_data["fractions"].shape[1])
    n = len(train_data["images"])
    steps = args.epochs * math.ceil(n / args.batch_size)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    step = 0
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(n, generator=gen)
        totals: dict[str, float] = {}
        for s in range(0, n, args.batch_size):
            idx = perm[s:s + args.batch_size]
            batch = {k: v[idx] for k, v in train_data.items()}
            flip = torch.rand(len(idx), generator=gen) < 0.5
            batch["images"] = torch.where(flip[:, None, None, None],
                                          batch["images"].flip(-1), batch["images"])
            losses = _losses(net.heads(batch["images"]), batch)
            loss = sum(losses.values())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            for k, v in losses.items():
                totals[k] = totals.get(k, 0.0) + v.item() * len(idx) / n
        scores = evaluate(net, val_data)
        print(json.dumps({"epoch": epoch + 1, **{f"loss_{k}": round(v, 4) for k, v in totals.items()},
                          **{k: round(v, 4) for k, v in scores.items()}}), flush=True)
    record = {
        "name": net.name,
        "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "train_images": n, "val_images": len(val_data["images"]),
        "data": {"faces": f"{args.identities} identities x {args.per_identity}",
                 "street_scenes": args.scenes, "facades": args.facades, "size": 64},
        "domains": list(DOMAINS),
        "validation": evaluate(net, val_data),
        "seconds_data": round(t_data, 1),
        "seconds_total": round(time.perf_counter() - t0, 1),
        "torch": torch.__version__,
    }
    return net.eval(), record


def save(net: SynthFeatureNet, record: dict, out_dir: str | Path) -> Path:
    """Write ``synthcnn_v1.pt`` (float16 state dict + architecture) and ``synthcnn_v1.json``."""
    meta = {"n_attributes": net.attribute_head.out_features,
            "n_scene_classes": net.scene_head.out_features,
            "width": net.stages[0][0].out_channels}
    return save_state(net.state_dict(), meta, record, out_dir, ASSET_WEIGHTS, ASSET_RECORD)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """This network's training options (``python -m i2ilib.metrics.retrain features --help``)."""
    ap.add_argument("--identities", type=int, default=400)
    ap.add_argument("--per-identity", type=int, default=8)
    ap.add_argument("--scenes", type=int, default=1200)
    ap.add_argument("--facades", type=int, default=400)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)


def main(argv: list[str] | None = None) -> dict:
    """``python -m i2ilib.metrics.train_features``, the same as ``python -m i2ilib.metrics.retrain features``."""
    return retrain("features", argv)


if __name__ == "__main__":
    main()
