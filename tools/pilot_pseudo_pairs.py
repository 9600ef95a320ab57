"""Pilot runs for chapter 07: does one CycleGAN pass its task's sanity check at a given scale?

Before a grid of settings x seeds is trained, one pilot run of the base model must pass the
sanity check of its task (CONTRIBUTING.md): its MSE to the true counterpart below that of the
input returned unchanged and of a Gaussian blur of it (sigma = 1.5), and the task done, judged
with the truth, on most test faces (:func:`i2ibook.chapters.ch07_pseudo_pairs.sanity`).

The configuration is the chapter's own (:func:`i2ibook.catalogue.pseudo_pairs_run` at book
scale); a pilot changes only the trainer (generator, width, schedule, identity weight) and may
add a warm start (:func:`i2ilib.train.warmstart.autoencoder_warm_start`, the runner's optional
``"warm_start"`` key). Runs train in ``--run-root/<config hash>`` and resume from their
checkpoint when started again. Scores are the chapter's (InfoSim, task completion judged with
the truth, MSE to the truth) on the chapter's 200 held-out faces, beside the two baselines.

Usage::

    python tools/pilot_pseudo_pairs.py --time                     # ms per step, per generator
    python tools/pilot_pseudo_pairs.py --epochs 1 1 --warm-start 300
    python tools/pilot_pseudo_pairs.py --netG resnet_3blocks --ngf 16 --epochs 2 2

Each pilot prints one line (and appends it, as JSON, to ``--log``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from i2ibook.catalogue import pseudo_pairs_run
from i2ibook.chapters import ch07_pseudo_pairs as ch07
from i2ibook.runner import build_data, train_translation
from i2ilib.results import config_hash
from i2ilib.train import CycleGANConfig, CycleGANTrainer

#: The generator choices ``--time`` measures by default: ``netG:ngf``.
TIMED = ("resnet_6blocks:8", "resnet_6blocks:16", "resnet_3blocks:16", "resnet_6blocks:32",
         "resnet_3blocks:32", "unet_64:8", "unet_64:16")


def pilot_config(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The chapter's configuration with the pilot's trainer changes and warm start."""
    name, config = pseudo_pairs_run("book", args.task, args.setting, args.seed)
    t = config["trainer"]
    for key in ("netG", "ngf", "ndf", "lambda_id", "lambda_cyc", "lr"):
        value = getattr(args, key)
        if value is not None:
            t[key] = value
    if args.epochs is not None:
        t["n_epochs"], t["n_epochs_decay"] = args.epochs
    if args.size is not None:  # a larger rendering of the faces and of their attribute
        config["data"]["size"] = args.size
    if args.glasses_scale is not None:  # thicker frames at the same image size
        config["data"]["glasses_scale"] = args.glasses_scale
    t.update(CycleGANConfig.from_dict(t).to_dict())  # refuses unknown or inconsistent options
    if args.warm_start:
        config["warm_start"] = {"steps": args.warm_start}
        if args.warm_start_lr is not None:
            config["warm_start"]["lr"] = args.warm_start_lr
    return name, config


def time_steps(choices: list[str], config: dict[str, Any], n: int = 5) -> list[dict[str, Any]]:
    """Median seconds per CycleGAN training step (batch of the chapter's size, 64 px, CPU) of
    each ``netG:ngf`` choice, after two warm-up steps, on one batch of the chapter's data."""
    train, _, _ = build_data(config)
    bs = config["trainer"]["batch_size"]
    batch = {k: torch.stack([train[i][k] for i in range(bs)]) for k in ("A", "B")}
    out = []
    for choice in choices:
        netG, ngf = choice.split(":")
        cfg = CycleGANConfig.from_dict({**config["trainer"], "netG": netG, "ngf": int(ngf)})
        trainer = CycleGANTrainer(cfg)
        times = []
        for i in range(n + 2):
            t0 = time.perf_counter()
            trainer.train_step(batch)
            trainer.scaler.update()
            if i >= 2:
                times.append(time.perf_counter() - t0)
        params = sum(p.numel() for p in trainer.G_AB.parameters())
        row = {"netG": netG, "ngf": int(ngf), "ndf": cfg.ndf, "G_params": params,
               "s_per_step": float(np.median(times))}
        print(json.dumps(row), flush=True)
        out.append(row)
    return out


def score(outcome_generators: dict[str, dict[str, torch.Tensor]], config: dict[str, Any],
          ) -> dict[str, float]:
    """The chapter's scores of ``G_AB`` on its held-out faces, beside identity and blur."""
    from i2ibook.runner import _translate_all, build_test_data
    from i2ilib.train import generator_from_config

    test_A, truth = build_test_data(config)
    G = generator_from_config(config["trainer"], "G_AB")
    G.load_state_dict(outcome_generators["G_AB"])
    G.eval()
    outputs = _translate_all(G, test_A, 32).clamp(-1, 1)
    task = config["data"]["task"]
    per_image = ch07.score_translations(test_A, outputs, truth, ch07.attribute_of(task))
    own_data = config["data"]["size"] != 64 or "glasses_scale" in config["data"]
    refs = (ch07.reference_scores_of(config) if own_data  # the baselines on the pilot's faces
            else ch07.reference_scores(task, "book"))
    checks = ch07.sanity({0: per_image}, refs)
    s = ch07.summarise(per_image)
    row = {"mse": s["mse"], "infosim": s["infosim"], "task_completion": s["task_completion"],
           "done_with_truth": ch07.completion_with_truth(per_image, refs[ch07.IDENTITY]["mse"]),
           "passes": all(c.passed for c in checks)}
    for label, key in ((ch07.IDENTITY, "identity"), (ch07.BLUR, "blur")):
        r = ch07.summarise(refs[label])
        row[f"{key}_mse"], row[f"{key}_infosim"] = r["mse"], r["infosim"]
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="eyeglass_removal",
                   choices=("eyeglass_removal", "smile_removal"))
    p.add_argument("--setting", default="ours")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--netG", help="generator, e.g. resnet_3blocks or unet_64")
    p.add_argument("--ngf", type=int)
    p.add_argument("--ndf", type=int)
    p.add_argument("--lambda-id", dest="lambda_id", type=float)
    p.add_argument("--lambda-cyc", dest="lambda_cyc", type=float,
                   help="weight of the cycle loss (the chapter's, CycleGAN's: 10)")
    p.add_argument("--lr", type=float)
    p.add_argument("--epochs", type=int, nargs=2, metavar=("CONSTANT", "DECAY"),
                   help="epochs at constant and at decaying learning rate (500 steps each)")
    p.add_argument("--size", type=int, help="image size of the faces (the chapter's: 64)")
    p.add_argument("--glasses-scale", dest="glasses_scale", type=float,
                   help="frames of the real glasses this many times as thick (the chapter's: 1)")
    p.add_argument("--warm-start", type=int, default=0, metavar="STEPS",
                   help="auto-encoder steps for both generators before CycleGAN training")
    p.add_argument("--warm-start-lr", type=float, help="its learning rate (default: the GAN's)")
    p.add_argument("--run-root", type=Path, default=Path("/tmp/pilot_runs"))
    p.add_argument("--label", default="", help="the pilot's name in the output")
    p.add_argument("--log", type=Path, default=Path("/tmp/pilot_runs/pilots.jsonl"))
    p.add_argument("--time", action="store_true", help="only time one step per generator")
    p.add_argument("--choices", nargs="*", default=list(TIMED), help="netG:ngf for --time")
    args = p.parse_args(argv)
    torch.set_num_threads(1)

    _, config = pilot_config(args)
    if args.time:
        time_steps(args.choices, config)
        return 0
    import os

    os.environ["I2I_RUNS"] = str(args.run_root)  # runner.run_dir_for: run_root/<hash>
    os.environ.setdefault("I2I_PROGRESS", "off")
    t0 = time.perf_counter()
    outcome = train_translation(config, progress=False)
    wall = time.perf_counter() - t0
    row = {"label": args.label, "hash": config_hash(config), "task": args.task,
           "setting": args.setting, "seed": args.seed, "size": config["data"]["size"],
           "glasses_scale": config["data"].get("glasses_scale", 1.0),
           **{k: config["trainer"][k] for k in ("netG", "ngf", "ndf", "lambda_id", "lambda_cyc")},
           "warm_start": args.warm_start, "warm_start_lr": args.warm_start_lr,
           "steps": outcome.metrics["steps"],
           "train_s": round(outcome.wall_time_s, 1), "wall_s": round(wall, 1),
           **score(outcome.generators, config)}
    print(" | ".join(f"{k} {v:.5f}" if isinstance(v, float) else f"{k} {v}"
                     for k, v in row.items()), flush=True)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    with args.log.open("a") as f:
        f.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
