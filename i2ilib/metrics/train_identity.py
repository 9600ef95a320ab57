"""Train the SynthFaces identity embedder shipped in ``i2ilib/assets`` (:mod:`.identity`).

Run: ``python -m i2ilib.metrics.train_identity [--out-dir i2ilib/assets] [--identities 1500]
[--epochs 12] [--seed 0]`` (about 7 minutes on ONE CPU thread: 45 s rendering, 30 s per
epoch; deterministic for a given seed and torch build).

Data (rendered once at 64 px by :func:`i2ilib.data.synthfaces.render_face`): ``--identities``
people (training seed), each photographed in ``--poses`` random poses (light, background,
clothes, framing). Every pose is rendered **twice**: once with random transient attributes,
drawn more often than in CelebA (glasses 50 %, smile 50 %, bangs 35 %, hat 15 %, open mouth
25 %, make-up, and a hair colour other than the person's own 40 % of the time), and once with
one of them switched -- the true pair of ``Eyeglasses``, ``Smiling``, ``Bangs``, ``Blond_Hair``,
``Black_Hair``, ``Wearing_Hat``, ``Heavy_Makeup`` or ``Mouth_Slightly_Open`` (glasses, smile and
bangs most often). Both renderings carry the same label, so the network must map a person with
and without glasses, smile or fringe to the same point: the invariance that InfoSim and the ID
distance need to measure *identity* loss, not the attribute change the translation was asked
for. ``Male`` and ``Pale_Skin`` stay the person's own (they are part of who the person is in
SynthFaces).

Loss: CosFace (Wang et al. 2018), a normalised-softmax classifier over the training identities
with an additive cosine margin: ``CE(s * (cos(e, w_y) - m), ...)`` with ``s = 24``,
``m = 0.25``; embeddings and class weights are unit vectors, so the classifier learns one
direction per person and the margin pulls renderings of a person together. The class weights are
thrown away after training. Adam(2e-3, weight decay 5e-4), cosine decay, horizontal flips.

Validation on **held-out people** (``make_synthfaces`` with seed ``seed + 10_000``, CelebA-like
attribute rates):

- ``verification_auc``: ROC AUC (``sklearn.metrics.roc_auc_score``) of the cosine similarity
  over all same-person vs different-person pairs;
- ``invariance[attribute]``: fraction of held-out faces whose true pair (same person and pose,
  attribute switched; :func:`render_true_pair`) is closer than a different person's face,
  ``d(off, on) < min(d(off, other), d(on, other))``; ``invariance_vs_nearest``, stricter: the
  true pair is closer than *every* held-out photo of another person.

The weights are saved in float16 with a JSON record (data, loss, epochs, validation, seconds).
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

from i2ilib.data.synthfaces import (
    make_synthfaces,
    render_face,
    render_true_pair,
    resolve_attributes,
    sample_identity,
    sample_pose,
)

from .assets import save_state
from .identity import ASSET_RECORD, ASSET_WEIGHTS, FaceIdentityNet
from .retrain import retrain

#: Attributes the embedder is trained to ignore, with how often each is the switched one.
INVARIANT_TO: dict[str, float] = {
    "Eyeglasses": 0.25,
    "Smiling": 0.2,
    "Bangs": 0.15,
    "Blond_Hair": 0.1,
    "Black_Hair": 0.1,
    "Wearing_Hat": 0.05,
    "Heavy_Makeup": 0.05,
    "Mouth_Slightly_Open": 0.1,
}
#: Attributes reported by the invariance check (the book's chapters translate the first two).
CHECKED_ATTRIBUTES: tuple[str, ...] = tuple(INVARIANT_TO)


def _to_tensor(images_u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images_u8)).permute(0, 3, 1, 2).float() / 127.5 - 1


def fit_with_flips(net: nn.Module, parameters: list, loss_fn, images: np.ndarray,
                   labels: torch.Tensor, args: argparse.Namespace, gen: torch.Generator,
                   scores_fn, t0: float, cpu0: float) -> list[dict]:
    """The training loop the face networks share: ``args.epochs`` epochs of Adam (``args.lr``,
    ``args.weight_decay``) with cosine decay to 0, mini-batches of ``args.batch_size`` drawn
    from ``gen``, random horizontal flips, and ``scores_fn()`` after every epoch.

    Args:
        net: put in training mode at the start of every epoch (``scores_fn`` may switch it).
        parameters: what the optimiser updates (the network, and a loss head if any).
        loss_fn: ``(x (B, 3, H, W) in [-1, 1], labels[idx]) -> scalar loss``.
        images: uint8 ``(N, H, W, 3)``; labels: indexed alongside them.

    Returns:
        One dict per epoch: ``epoch``, mean ``loss``, the scores, wall and CPU seconds (each
        also printed as a JSON line).
    """
    n = len(images)
    steps = args.epochs * math.ceil(n / args.batch_size)
    opt = torch.optim.Adam(parameters, lr=args.lr, weight_decay=args.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history = []
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for s in range(0, n, args.batch_size):
            idx = perm[s:s + args.batch_size]
            x = _to_tensor(images[idx.numpy()])
            flip = torch.rand(len(idx), generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            loss = loss_fn(x, labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx) / n
        history.append({"epoch": epoch + 1, "loss": round(total, 4), **scores_fn(),
                        "seconds": round(time.perf_counter() - t0, 1),
                        "cpu_seconds": round(time.process_time() - cpu0, 1)})
        print(json.dumps(history[-1]), flush=True)
    return history


def sample_training_attributes(identity, rng: np.random.Generator) -> dict[str, float]:
    """One training photo's transient attributes (more varied than CelebA's rates)."""
    v = {
        "Eyeglasses": float(rng.random() < 0.5),
        "Smiling": float(rng.uniform(0.6, 1.0) if rng.random() < 0.5 else rng.uniform(0.0, 0.2)),
        "Bangs": float(rng.random() < 0.35 and identity.hair_style not in ("bald", "buzz")),
        "Wearing_Hat": float(rng.random() < 0.15),
        "Mouth_Slightly_Open": float(rng.random() < 0.25),
        "Heavy_Makeup": float(rng.random() < (0.02 if identity.male else 0.4)),
    }
    u = rng.random()
    if u < 0.2:
        v.update(Blond_Hair=1.0, Black_Hair=0.0)
    elif u < 0.4:
        v.update(Blond_Hair=0.0, Black_Hair=1.0)
    return v


def switch(identity, values: dict[str, float], attribute: str) -> dict[str, float]:
    """``values`` with ``attribute`` switched to its opposite (hair colours exclude each other)."""
    v = resolve_attributes(identity, values)
    v[attribute] = 0.0 if v[attribute] >= 0.5 else 1.0
    if attribute == "Smiling" and v[attribute] > 0:
        v[attribute] = 0.8
    if v[attribute] >= 0.5 and attribute in ("Blond_Hair", "Black_Hair"):
        v["Black_Hair" if attribute == "Blond_Hair" else "Blond_Hair"] = 0.0
    return v


def build_training_set(n_identities: int, poses: int, seed: int, size: int = 64
                       ) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images ``(n_identities * poses * 2, size, size, 3)`` and labels ``(N,)`` int64."""
    names = list(INVARIANT_TO)
    weights = np.asarray([INVARIANT_TO[a] for a in names])
    weights = weights / weights.sum()
    n = n_identities * poses * 2
    images = np.empty((n, size, size, 3), np.uint8)
    labels = np.repeat(np.arange(n_identities, dtype=np.int64), poses * 2)
    k = 0
    for child in np.random.SeedSequence(seed).spawn(n_identities):
        rng = np.random.default_rng(child)
        ident = sample_identity(rng)
        for _ in range(poses):
            pose = sample_pose(rng)
            vals = sample_training_attributes(ident, rng)
            attr = names[int(rng.choice(len(names), p=weights))]
            if attr == "Bangs" and ident.hair_style in ("bald", "buzz"):
                attr = "Eyeglasses"
            images[k] = render_face(ident, vals, pose, size).image
            images[k + 1] = render_face(ident, switch(ident, vals, attr), pose, size).image
            k += 2
    return images, labels


def build_validation_set(n_identities: int, per_identity: int, seed: int) -> dict:
    """Held-out people: CelebA-like images with identity labels, and per attribute the true
    pairs of one photo per person plus another person's face.

    Returns ``{"images": (N, 3, 64, 64), "identity": (N,), "pairs": {attr: (off, on, other,
    identity)}}`` (images in [-1, 1]).
    """
    ds = make_synthfaces(n_identities, per_identity, size=64, seed=seed)
    first = np.arange(n_identities) * per_identity
    pairs = {}
    for attr in CHECKED_ATTRIBUTES:
        off, on, other, who = [], [], [], []
        for p, i in enumerate(first):
            ident = ds.identities[p]
            if attr == "Bangs" and ident.hair_style in ("bald", "buzz"):
                continue
            vals = ds.attribute_values(int(i))
            vals.pop(attr)
            pair = render_true_pair(ident, attr, ds.poses[int(i)], vals,
                                    on_value=0.8 if attr == "Smiling" else 1.0)
            off.append(pair.off.image)
            on.append(pair.on.image)
            other.append(ds.images[first[(p + 1) % n_identities] + 1])
            who.append(int(ds.identity[i]))
        pairs[attr] = (*(_to_tensor(np.stack(x)) for x in (off, on, other)), torch.tensor(who))
    return {"images": ds.tensors(), "identity": torch.from_numpy(ds.identity), "pairs": pairs}


@torch.no_grad()
def _embed(net: FaceIdentityNet, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    return torch.cat([net(images[s:s + batch_size]) for s in range(0, len(images), batch_size)])


def verification_auc(embeddings: torch.Tensor, identity: torch.Tensor) -> float:
    """ROC AUC of the cosine similarity, all same-person vs different-person pairs."""
    from sklearn.metrics import roc_auc_score

    e = nn.functional.normalize(embeddings.double(), dim=1)
    sim = e @ e.T
    iu = torch.triu_indices(len(e), len(e), offset=1)
    same = (identity[:, None] == identity[None, :])[iu[0], iu[1]]
    return float(roc_auc_score(same.numpy(), sim[iu[0], iu[1]].numpy()))


def invariance_rate(net: FaceIdentityNet, off: torch.Tensor, on: torch.Tensor,
                    other: torch.Tensor) -> float:
    """Fraction with ``d(off, on) < min(d(off, other), d(on, other))`` (Euclidean)."""
    a, b, c = _embed(net, off), _embed(net, on), _embed(net, other)
    d_pair = (a - b).norm(dim=1)
    d_other = torch.minimum((a - c).norm(dim=1), (b - c).norm(dim=1))
    return float((d_pair < d_other).float().mean())


def nearest_invariance_rate(net: FaceIdentityNet, off: torch.Tensor, on: torch.Tensor,
                            gallery: torch.Tensor, gallery_identity: torch.Tensor,
                            pair_identity: torch.Tensor) -> float:
    """Stricter: fraction with ``d(off, on)`` below the distance from ``off`` to *every* face of
    another person in ``gallery``."""
    a, b, g = _embed(net, off), _embed(net, on), _embed(net, gallery)
    d_pair = (a - b).norm(dim=1)
    d_g = torch.cdist(a, g)
    d_g[pair_identity[:, None] == gallery_identity[None, :]] = float("inf")
    return float((d_pair < d_g.min(dim=1).values).float().mean())


@torch.no_grad()
def evaluate(net: FaceIdentityNet, val: dict) -> dict:
    """``{"verification_auc", "invariance": {attribute: rate}, "invariance_vs_nearest": ...}``
    on the held-out people."""
    net.eval()
    auc = verification_auc(_embed(net, val["images"]), val["identity"])
    inv = {a: round(invariance_rate(net, *val["pairs"][a][:3]), 4) for a in CHECKED_ATTRIBUTES}
    near = {a: round(nearest_invariance_rate(net, *val["pairs"][a][:2], val["images"],
                                             val["identity"], val["pairs"][a][3]), 4)
            for a in CHECKED_ATTRIBUTES}
    return {"verification_auc": round(auc, 4), "invariance": inv, "invariance_vs_nearest": near}


class CosFaceHead(nn.Module):
    """Normalised-softmax classifier with an additive cosine margin (CosFace)."""

    def __init__(self, dim: int, n_classes: int, scale: float = 24.0, margin: float = 0.25):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_classes, dim) * 0.01)
        self.scale, self.margin = scale, margin

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        cos = embeddings @ nn.functional.normalize(self.weight, dim=1).T
        cos = cos - self.margin * nn.functional.one_hot(labels, cos.shape[1])
        return nn.functional.cross_entropy(self.scale * cos, labels)


def train(args: argparse.Namespace) -> tuple[FaceIdentityNet, dict]:
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
    net = FaceIdentityNet(dim=args.dim, width=args.width)
    head = CosFaceHead(args.dim, args.identities, args.scale, args.margin)
    n = len(images)
    history = fit_with_flips(net, [*net.parameters(), *head.parameters()],
                             lambda x, y: head(net(x), y), images, labels, args, gen,
                             lambda: evaluate(net, val), t0, cpu0)
    record = {
        "name": net.name,
        "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "weight_decay": args.weight_decay,
        "loss": {"kind": "CosFace (normalised softmax, additive cosine margin)",
                 "scale": args.scale, "margin": args.margin},
        "data": {"identities": args.identities, "poses_per_identity": args.poses,
                 "images_per_pose": 2, "train_images": n, "size": 64,
                 "invariant_to": INVARIANT_TO},
        "validation": {"identities": args.val_identities, "images_per_identity": 4,
                       "seed": args.seed + 10_000, **evaluate(net, val),
                       "invariance_rule": "d(off, on) < min(d(off, other), d(on, other))"},
        "history": history,
        "seconds_data": round(t_data, 1),
        "seconds_total": round(time.perf_counter() - t0, 1),
        "cpu_seconds_total": round(time.process_time() - cpu0, 1),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }
    return net.eval(), record


def save(net: FaceIdentityNet, record: dict, out_dir: str | Path) -> Path:
    """Write ``synthid_v1.pt`` (float16 state dict + architecture) and ``synthid_v1.json``."""
    meta = {"dim": net.dim, "width": net.width}
    return save_state(net.state_dict(), meta, record, out_dir, ASSET_WEIGHTS, ASSET_RECORD)


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """This network's training options (``python -m i2ilib.metrics.retrain identity --help``)."""
    ap.add_argument("--identities", type=int, default=1500)
    ap.add_argument("--poses", type=int, default=6, help="poses per identity (2 images each)")
    ap.add_argument("--val-identities", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--scale", type=float, default=24.0)
    ap.add_argument("--margin", type=float, default=0.25)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)


def main(argv: list[str] | None = None) -> dict:
    """``python -m i2ilib.metrics.train_identity``, the same as ``python -m i2ilib.metrics.retrain identity``."""
    return retrain("identity", argv)


if __name__ == "__main__":
    main()
