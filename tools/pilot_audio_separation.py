"""Chapter 10's audio-separation pilot: content transfer (Press et al. 2019) with A = spectrograms
of unmatched instrumental clips and B = spectrograms of mixtures; the voice is the mixture minus
the removal g(e1(b), 0) in magnitude-spectrogram space, scored by SI-SDR against the true voice
beside the baselines and the oracle. One run per call, in /tmp/pilot_audio/<name> (resumed from
its checkpoint); a line per finished pilot is appended to benchmarks/results/pilots_audio.jsonl.

    python tools/pilot_audio_separation.py --name S1 --steps 1500 --option ngf=16
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from pilot_common import append_line, parse_options

from i2ibook.runner import audio_separation_scores
from i2ilib.data.audio_mixtures import audio_separation_data
from i2ilib.data.folders import TensorPairDataset
from i2ilib.data.spectrogram import DB_FLOOR, spectrogram_image
from i2ilib.train import ContentTransferConfig, ContentTransferTrainer
from i2ilib.viz import save_grid


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--n-train", type=int, default=1000)
    p.add_argument("--n-test", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--option", action="append", default=[],
                   help="trainer option key=value (JSON value), repeatable")
    a = p.parse_args()
    torch.set_num_threads(1)
    opts = {"size": 64, "input_nc": 1, "output_nc": 1, "batch_size": 16, "ngf": 16,
            "n_down": 2, "content_nc": 32, "norm": "none", "lr": 1e-3, "lambda_D": 0.1,
            "n_epochs": 1000, "seed": a.seed, "device": "cpu"}
    opts.update(parse_options(a.option))
    t0 = time.perf_counter()
    data = audio_separation_data(a.n_train, a.n_test, a.seed)
    A, B = spectrogram_image(data.backgrounds), spectrogram_image(data.mixtures)
    print(f"data: A {tuple(A.shape)}, B {tuple(B.shape)}, {time.perf_counter() - t0:.0f} s",
          flush=True)
    run_dir = Path("/tmp/pilot_audio") / a.name
    trainer = ContentTransferTrainer(ContentTransferConfig(**opts), run_dir=run_dir)
    train = TensorPairDataset(A, B, paired=False, flip=False, seed=a.seed)
    t1 = time.perf_counter()
    trainer.fit(train, max_steps=a.steps, progress=False)
    train_s = time.perf_counter() - t1
    test = data.test
    scores = {k: np.asarray(v) for k, v in
              audio_separation_scores(trainer.remove, data)["si_sdr"].items()}
    model = scores["model"]
    line = {"name": a.name, "steps": trainer.global_step, "n_train": a.n_train,
            "db_floor": DB_FLOOR,
            "n_test": a.n_test, "options": opts, "train_s": round(train_s),
            "si_sdr_db": {k: round(float(v.mean()), 3) for k, v in scores.items()},
            "model_beats_clip_share": {k: round(float(np.mean(model > v)), 3)
                                       for k, v in scores.items() if k != "model"},
            "last_losses": {k: float(np.mean([h[k] for h in trainer.history[-50:] if k in h]))
                            for k in trainer.history[-1] if k not in ("step", "epoch")}}
    print(json.dumps(line, indent=1))
    n = 8
    mix = spectrogram_image(test.mixtures[:n])
    save_grid({"mixture": mix, "removal": trainer.remove(mix),
               "true background": spectrogram_image(test.backgrounds[:n]),
               "true voice": spectrogram_image(test.voices[:n])},
              run_dir / "pilot.png", title=a.name)
    append_line(Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "pilots_audio.jsonl",
                line)


if __name__ == "__main__":
    main()
