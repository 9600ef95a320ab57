"""Train the SynthFaces attribute classifier shipped in ``i2ilib/assets`` (:mod:`.attributes`).

Run: ``python -m i2ilib.metrics.train_attributes [--out-dir i2ilib/assets] [--identities 3000]
[--poses 4] [--epochs 8] [--seed 0]`` (a few minutes on ONE CPU thread; the record stores the
measured seconds; deterministic for a given seed and torch build).

Training data (rendered once at 64 px by :func:`i2ilib.data.synthfaces.render_face`, seed
``--seed``): ``--identities`` people, each in ``--poses`` random poses (light, background,
clothes, framing). Glasses and smile are **balanced**: the four combinations (none, glasses,
smile, both) are dealt in equal numbers, in a random order per person. A smile is graded:
"on" draws ``Smiling`` from [0.55, 1], "off" from [0, 0.35] (wider than CelebA-like sets, so
faint smiles and near-neutral faces are both seen). The other transient attributes are drawn as
for the identity network (:func:`.train_identity.sample_training_attributes`: bangs, hats,
an open mouth without a smile, make-up, dyed hair), so the classifier must tell an open mouth
from a smile and a hat brim or fringe from frames. Loss: binary cross-entropy per attribute.
Adam(2e-3, weight decay 5e-4), cosine decay, horizontal flips.

The classifier never sees pseudo-pair images (:mod:`i2ilib.data.pseudopairs`).

Validation (the record's ``validation``):

- ``held_out``: accuracy per attribute (label: value >= 0.5) on a CelebA-like set of other
  people (``make_synthfaces`` with seed ``seed + 10_000``; glasses 30 %, smile 50 %), with the
  balanced accuracy (mean of the rates on faces with and without);
- ``true_pairs``: on the first photo of each held-out person rendered without and with the
  attribute (same person, pose and everything else; :func:`render_true_pair`), the fraction of
  pairs where both renderings are classified right -- the classifier reacts to the attribute,
  not to the person;
- ``pseudo_pairs``: how it rates the chapter's pseudo-pair images
  (:func:`i2ilib.data.pseudopairs.build_config`, configuration ``ours``, seed ``--pseudo-seed``):
  the fraction rated *with* the attribute among real A faces, pseudo-paired A faces
  M(b) (:func:`pseudo_eyeglasses` / :func:`pseudo_smile`; also per frame opacity / per smile
  template), and B faces; and the task completion
  (:func:`.attributes.task_completion`) of the identity map (test A unchanged) and of the ideal
  translation (the true counterparts of test A).

The weights are saved in float16 with a JSON record (data, seed, schedule, validation, seconds).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from i2ilib.data.pseudopairs import build_config
from i2ilib.data.synthfaces import (
    make_synthfaces,
    render_face,
    render_true_pair,
    sample_identity,
    sample_pose,
)

from .assets import save_state
from .attributes import (
    ASSET_RECORD,
    ASSET_WEIGHTS,
    ATTRIBUTES,
    THRESHOLD,
    FaceAttributeNet,
    attribute_probabilities,
    task_completion,
)
from .retrain import retrain
from .train_identity import _to_tensor, fit_with_flips, sample_training_attributes

#: ``Smiling`` ranges of the training faces: (off low, off high), (on low, on high).
SMILE_OFF = (0.0, 0.35)
SMILE_ON = (0.55, 1.0)
#: The pseudo-pair task of each attribute (:data:`i2ilib.data.pseudopairs.TASKS`).
PSEUDO_TASKS = {"Eyeglasses": "eyeglass_removal", "Smiling": "smile_removal"}
#: Opacity bins of the pseudo-glasses in the report.
_OPACITY_BINS = ((0.1, 0.4), (0.4, 0.7), (0.7, 1.01))


def build_training_set(n_identities: int, poses: int, seed: int, size: int = 64
                       ) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images ``(n_identities * poses, size, size, 3)`` and float32 labels ``(N, 2)``
    (columns :data:`ATTRIBUTES`), glasses and smile balanced."""
    combos = [(g, s) for g in (0, 1) for s in (0, 1)]
    n = n_identities * poses
    images = np.empty((n, size, size, 3), np.uint8)
    labels = np.empty((n, len(ATTRIBUTES)), np.float32)
    k = 0
    for p, child in enumerate(np.random.SeedSequence(seed).spawn(n_identities)):
        rng = np.random.default_rng(child)
        ident = sample_identity(rng)
        order = rng.permutation(4)
        for j in range(poses):
            glasses, smile = combos[int(order[(j + p) % 4])]
            vals = sample_training_attributes(ident, rng)
            vals["Eyeglasses"] = float(glasses)
            vals["Smiling"] = float(rng.uniform(*(SMILE_ON if smile else SMILE_OFF)))
            images[k] = render_face(ident, vals, sample_pose(rng), size).image
            labels[k] = (glasses, smile)
            k += 1
    return images, labels


def build_validation_set(n_identities: int, per_identity: int, seed: int) -> dict:
    """Held-out people (CelebA-like rates) and the true pairs of their first photos.

    Returns ``{"images": (N, 3, 64, 64), "labels": (N, 2), "pairs": {attr: (off, on)}}``
    (images in [-1, 1], labels 0/1 for :data:`ATTRIBUTES`).
    """
    ds = make_synthfaces(n_identities, per_identity, size=64, seed=seed)
    labels = np.stack([ds.values[a] >= 0.5 for a in ATTRIBUTES], axis=1).astype(np.float32)
    pairs = {}
    for attr in ATTRIBUTES:
        off, on = [], []
        for p in range(n_identities):
            i = p * per_identity
            vals = ds.attribute_values(i)
            vals.pop(attr)
            pair = render_true_pair(ds.identities[p], attr, ds.poses[i], vals,
                                    on_value=0.8 if attr == "Smiling" else 1.0)
            off.append(pair.off.image)
            on.append(pair.on.image)
        pairs[attr] = (_to_tensor(np.stack(off)), _to_tensor(np.stack(on)))
    return {"images": ds.tensors(), "labels": torch.from_numpy(labels), "pairs": pairs}


def build_pseudo_sets(n: int, seed: int) -> dict:
    """Per attribute, the chapter's ``ours`` configuration with ``n`` real A, ``n``
    pseudo-paired A and ``n`` B faces, and ``n`` test faces with their true counterparts."""
    out = {}
    for attr, task in PSEUDO_TASKS.items():
        cfg = build_config(task, "ours", n_base=n, n_aug=n, n_test=n, size=64, seed=seed)
        pseudo = cfg.A_kind == "pseudo_paired"
        params = [p for p, k in zip(cfg.pseudo_params, pseudo) if k]
        if attr == "Eyeglasses":  # by the frames' opacity (the paper's transparency, 0.1-1)
            groups = [f"transparency {lo:.1f}-{hi:.1f}" for lo, hi in _OPACITY_BINS]
            group = [next(g for g, (lo, hi) in zip(groups, _OPACITY_BINS)
                          if lo <= p.transparency < hi) for p in params]
        else:  # by smile template
            group = [f"template {p.name}" for p in params]
        out[attr] = {
            "real_A": _to_tensor(cfg.A[cfg.A_kind == "real"]),
            "pseudo_paired_A": _to_tensor(cfg.A[pseudo]),
            "pseudo_group": np.asarray(group),
            "B": _to_tensor(cfg.B),
            "test_A": _to_tensor(cfg.test_A),
            "test_A_truth": _to_tensor(cfg.test_A_truth),
        }
    return out


def _accuracy(probs: torch.Tensor, labels: torch.Tensor) -> dict:
    pred = probs >= THRESHOLD
    truth = labels >= 0.5
    rates = [float((pred[truth == t] == t).float().mean()) for t in (False, True)
             if bool((truth == t).any())]
    return {"accuracy": round(float((pred == truth).float().mean()), 4),
            "balanced_accuracy": round(float(np.mean(rates)), 4),
            "positives": int(truth.sum())}


@torch.no_grad()
def evaluate(net: FaceAttributeNet, val: dict) -> dict:
    """``{"held_out": {attr: {...}}, "true_pairs": {attr: rate}}`` on the held-out people."""
    net.eval()
    probs = attribute_probabilities(net, val["images"], 256)
    held = {a: _accuracy(probs[a], val["labels"][:, j]) for j, a in enumerate(ATTRIBUTES)}
    pairs = {}
    for a in ATTRIBUTES:
        off, on = val["pairs"][a]
        p_off = attribute_probabilities(net, off, 256)[a]
        p_on = attribute_probabilities(net, on, 256)[a]
        pairs[a] = round(float(((p_off < THRESHOLD) & (p_on >= THRESHOLD)).float().mean()), 4)
    return {"held_out": held, "true_pairs": pairs}


@torch.no_grad()
def evaluate_pseudo(net: FaceAttributeNet, sets: dict) -> dict:
    """How the classifier rates pseudo-pair images (see the module docstring)."""
    net.eval()
    out = {}
    for a, s in sets.items():
        rated = {k: (attribute_probabilities(net, s[k], 256)[a] >= THRESHOLD).numpy()
                 for k in ("real_A", "pseudo_paired_A", "B")}
        by_group = {str(g): {"n": int((s["pseudo_group"] == g).sum()),
                             "rated_with": round(float(rated["pseudo_paired_A"][
                                 s["pseudo_group"] == g].mean()), 4)}
                    for g in sorted(set(s["pseudo_group"].tolist()))}
        out[a] = {
            "task": PSEUDO_TASKS[a], "n": len(s["real_A"]),
            **{f"{k}_rated_with": round(float(v.mean()), 4) for k, v in rated.items()},
            "pseudo_paired_A_rated_with_by": by_group,
            "task_completion_identity_map": round(task_completion(net, s["test_A"], a), 4),
            "task_completion_true_counterparts": round(
                task_completion(net, s["test_A_truth"], a), 4),
        }
    return out


def train(args: argparse.Namespace) -> tuple[FaceAttributeNet, dict]:
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t0, cpu0 = time.perf_counter(), time.process_time()
    images, labels_np = build_training_set(args.identities, args.poses, args.seed)
    labels = torch.from_numpy(labels_np)
    val = build_validation_set(args.val_identities, 4, args.seed + 10_000)
    t_data = time.perf_counter() - t0
    print(json.dumps({"train_images": len(images), "seconds_data": round(t_data, 1),
                      "cpu_seconds": round(time.process_time() - cpu0, 1)}), flush=True)
    net = FaceAttributeNet(width=args.width)
    n = len(images)
    history = fit_with_flips(
        net, list(net.parameters()),
        lambda x, y: nn.functional.binary_cross_entropy_with_logits(net(x), y),
        images, labels, args, gen, lambda: evaluate(net, val), t0, cpu0)
    seconds_train = round(time.perf_counter() - t0, 1)
    cpu_train = round(time.process_time() - cpu0, 1)
    pseudo = evaluate_pseudo(net, build_pseudo_sets(args.pseudo_n, args.pseudo_seed))
    record = {
        "name": net.name,
        "attributes": list(ATTRIBUTES),
        "threshold": THRESHOLD,
        "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "weight_decay": args.weight_decay, "schedule": "Adam, cosine decay to 0, horizontal flips",
        "loss": "binary cross-entropy per attribute",
        "data": {"identities": args.identities, "poses_per_identity": args.poses,
                 "train_images": n, "size": 64, "seed": args.seed,
                 "balance": "glasses x smile: the four combinations in equal numbers",
                 "smiling_off": list(SMILE_OFF), "smiling_on": list(SMILE_ON),
                 "other_attributes": "i2ilib.metrics.train_identity.sample_training_attributes",
                 "pseudo_pairs_in_training": False},
        "validation": {"identities": args.val_identities, "images_per_identity": 4,
                       "seed": args.seed + 10_000, "rates": "make_synthfaces defaults",
                       **evaluate(net, val),
                       "true_pairs_rule": "off rated without and on rated with the attribute"},
        "pseudo_pairs": {"configuration": "ours", "seed": args.pseudo_seed, **pseudo},
        "history": history,
        "seconds_data": round(t_data, 1),
        "seconds_train": seconds_train,
        "cpu_seconds_train": cpu_train,
        "seconds_total": round(time.perf_counter() - t0, 1),
        "cpu_seconds_total": round(time.process_time() - cpu0, 1),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }
    return net.eval(), record


def save(net: FaceAttributeNet, record: dict, out_dir: str | Path) -> Path:
    """Write ``synthattr_v1.pt`` (float16 state dict + architecture) and ``synthattr_v1.json``."""
    return save_state(net.state_dict(), {"width": net.width}, record, out_dir, ASSET_WEIGHTS,
                      ASSET_RECORD)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """This network's training options (``python -m i2ilib.metrics.retrain attributes --help``)."""
    ap.add_argument("--identities", type=int, default=3000)
    ap.add_argument("--poses", type=int, default=4, help="poses per identity (one image each)")
    ap.add_argument("--val-identities", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pseudo-n", type=int, default=300,
                    help="real A, pseudo-paired A, B and test faces per pseudo-pair task")
    ap.add_argument("--pseudo-seed", type=int, default=0,
                    help="seed of the pseudo-pair configurations (the chapter's default)")


def main(argv: list[str] | None = None) -> dict:
    """``python -m i2ilib.metrics.train_attributes``, the same as ``python -m i2ilib.metrics.retrain attributes``."""
    return retrain("attributes", argv)


if __name__ == "__main__":
    main()
