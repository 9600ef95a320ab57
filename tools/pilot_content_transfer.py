"""Chapter 10's pilot: content transfer (Press et al. 2019) on SynthFaces glasses, judged with
the truth. One run per call; runs go to /tmp/pilot_ct/<name> and resume from their checkpoints;
a line per finished pilot is appended to benchmarks/results/pilots_ch10.jsonl.

    python tools/pilot_content_transfer.py --name P1 --steps 1500 --ngf 16 --n-down 3
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from pilot_common import append_line, parse_options

from i2ibook.chapters import ch10_disentanglement as ch
from i2ilib.data.contenttransfer import content_transfer_data
from i2ilib.data.folders import TensorPairDataset
from i2ilib.train import ContentTransferConfig, ContentTransferTrainer
from i2ilib.viz import save_grid


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--attribute", default="Eyeglasses")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--identities", type=int, default=400)
    p.add_argument("--per-identity", type=int, default=6)
    p.add_argument("--n-test", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--continue-from", default=None,
                   help="a checkpoint (e.g. the stored pilot's runs/<hash>/checkpoints/latest.pt) "
                        "whose networks, optimisers and step count this pilot continues from")
    p.add_argument("--option", action="append", default=[],
                   help="trainer option key=value (JSON value), repeatable")
    a = p.parse_args()
    opts = {"batch_size": 16, "ngf": 16, "n_epochs": 1000, "seed": a.seed, "device": "cpu"}
    opts.update(parse_options(a.option))
    t0 = time.perf_counter()
    data = content_transfer_data(a.attribute, a.identities, a.per_identity, 64, a.n_test, a.seed)
    print(f"data: A {len(data.A)}, B {len(data.B)}, {time.perf_counter() - t0:.0f} s", flush=True)
    cfg = ContentTransferConfig(**opts)
    run_dir = Path("/tmp/pilot_ct") / a.name
    trainer = ContentTransferTrainer(cfg, run_dir=run_dir)
    train = TensorPairDataset(data.A, data.B, paired=False, flip=True, seed=a.seed)
    if a.continue_from and not trainer.checkpoint_path.exists():
        from i2ilib.train import load_checkpoint

        state = load_checkpoint(a.continue_from, map_location="cpu")
        state["config"] = trainer.config.to_dict()  # only the schedule's length may differ
        trainer.load_state_dict(state)
    t1 = time.perf_counter()
    trainer.fit(train, max_steps=a.steps, progress=False)
    train_s = time.perf_counter() - t1
    res = ch.evaluate_trainer(trainer, data)
    line = {"name": a.name, "attribute": a.attribute, "steps": trainer.global_step,
            "options": opts, "train_s": round(train_s), "wall_time_s": round(trainer.wall_time),
            "removal": ch.summary(res["removal"]), "transfer": ch.summary(res["transfer"]),
            "baselines": {k: ch.summary(v) for k, v in res["baselines"].items()},
            "sanity": res["sanity"], "passes": res["passes"],
            "last_losses": {k: float(np.mean([h[k] for h in trainer.history[-50:] if k in h]))
                            for k in trainer.history[-1] if k not in ("step", "epoch")}}
    print(json.dumps(line, indent=1))
    n = 8
    r_in, t_in, t_g = (data.tensors(k)[:n] for k in ("removal_input", "transfer_input",
                                                     "transfer_guide"))
    save_grid({"b": r_in, "removal": trainer.remove(r_in),
               "truth": data.tensors("removal_truth")[:n], "a": t_in, "guide b'": t_g,
               "transfer": trainer.transfer(t_in, t_g), "truth ": data.tensors("transfer_truth")[:n]},
              run_dir / "pilot.png", title=a.name)
    append_line("benchmarks/results/pilots_ch10.jsonl", line)


if __name__ == "__main__":
    main()
