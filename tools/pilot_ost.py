"""Chapter 09's pilots: OST's two phases on the book's digits with options changed, scored with
the chapter's sanity check. Runs go to /tmp/pilot_ost/<name>/seed<k>/phase{1,2} and resume from
their checkpoints; a line per finished pilot and seed is appended to
benchmarks/results/pilots_ch09.jsonl. Nothing is stored in results/.

    python tools/pilot_ost.py --name O3 --seed 1 --option n_unshared=1
    python tools/pilot_ost.py --name O4 --seed 1 --phase2-option lr=5e-5 --augment authors

``--option`` changes both phases (the parts' sizes must agree), ``--phase1-option`` and
``--phase2-option`` one of them. ``--phase1-from NAME`` reuses the Phase I of another pilot of
the same seed.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pilot_common import append_line, parse_options

from i2ibook.catalogue import ost_phase1_run, ost_run
from i2ibook.chapters import ch09_one_shot as ch
from i2ibook.runner import (
    _translate_all,
    as_stored,
    digit_scores,
    digits_data,
    digits_dataset,
)
from i2ibook.specs import parse_experiment
from i2ilib.train import OSTTrainer
from i2ilib.viz import save_grid

ROOT = Path("/tmp/pilot_ost")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-A", default="1")
    p.add_argument("--augment", default=None, help="shift_rotate (the book's), authors or none")
    p.add_argument("--option", action="append", default=[], help="key=JSON, both phases")
    p.add_argument("--phase1-option", action="append", default=[], help="key=JSON")
    p.add_argument("--phase2-option", action="append", default=[], help="key=JSON")
    p.add_argument("--phase1-from", default=None, help="another pilot's name (same seed)")
    a = p.parse_args()
    n_A = a.n_A if a.n_A == "all" else int(a.n_A)
    _, c1 = ost_phase1_run("book", a.seed)
    _, c2 = ost_run("book", n_A=n_A, seed=a.seed)
    both = parse_options(a.option)
    c1["trainer"].update({**both, **parse_options(a.phase1_option), "device": "cpu"})
    c2["trainer"].update({**both, **parse_options(a.phase2_option), "device": "cpu"})
    if a.augment:
        c1["data"]["augment"] = c2["data"]["augment"] = a.augment
    c2["phase1"] = {"name": f"pilot {a.name}", "config": c1}
    t1, t2 = parse_experiment(c1)[2], parse_experiment(c2)[2]

    here = ROOT / a.name / f"seed{a.seed}"
    first = OSTTrainer(t1, run_dir=(ROOT / a.phase1_from / f"seed{a.seed}" if a.phase1_from
                                    else here) / "phase1")
    t0 = time.perf_counter()
    first.fit(digits_dataset(c1["data"], with_A=False), progress=False)
    phase1_s = time.perf_counter() - t0
    state = first.state_dict()
    # Phase II starts from Phase I's weights as the store keeps them (runner.phase1_start)
    state["nets"] = as_stored({k: state["nets"][k] for k in ("E_B_U", "E_S", "G_S", "G_B_U")})
    second = OSTTrainer(t2, run_dir=here / "phase2")
    if not second.checkpoint_path.exists():
        second.start_from_phase1(state)
    t0 = time.perf_counter()
    second.fit(digits_dataset(c2["data"]), progress=False)
    phase2_s = time.perf_counter() - t0

    data = digits_data(c2["data"])
    fake = _translate_all(second.translate_AB, data.test_A).clamp(-1, 1)
    scores = digit_scores(fake, data.test_labels)
    base = {k: v["accuracy"] for k, v in ch.baseline_scores("book").items()}
    checks = ch.sanity_check(scores["accuracy"], base)
    line = {"name": a.name, "seed": a.seed, "n_A": n_A, "augment": c2["data"]["augment"],
            "phase1": {k: v for k, v in c1["trainer"].items() if k != "device"},
            "phase2": {k: v for k, v in c2["trainer"].items() if k != "device"},
            "one_shot_labels": data.A_labels.tolist()[:10],
            "phase1_s": round(phase1_s), "phase2_s": round(phase2_s),
            "accuracy": scores["accuracy"], "per_class": scores["per_class"],
            "baselines": base, "passes": all(c.passed for c in checks)}
    print(json.dumps(line))
    save_grid({"A": data.test_A[:12], "T_AB": fake[:12]}, here / "pilot.png",
              title=f"{a.name} seed {a.seed}: {scores['accuracy']:.3f}")
    append_line("benchmarks/results/pilots_ch09.jsonl", line)


if __name__ == "__main__":
    main()
