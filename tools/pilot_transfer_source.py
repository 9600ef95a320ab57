"""Pilot runs for chapter 11: does a GAN beat the blurred copy of its training images at a
given trainer setting and length? The source GAN, or (``--target INIT``) a target run.

The configuration is the chapter's own source run (:func:`i2ibook.catalogue.transfer_source_run`
at book scale), or with ``--target`` its target run of that initialisation, ``--seed`` and
``--source`` domain (:func:`i2ibook.catalogue.transfer_gan_run`), which starts from the book's
stored source run. A pilot changes only trainer options (``--option key=JSON``), the number of
critic steps (``--steps``) and how often FD is logged (``--fd-every``). It trains in
``--root/<label>/runs`` and stores in ``--root/<label>/results`` (both away from the book's),
resuming from its checkpoint when started again. A pilot whose configuration is the catalogue's
can be copied into ``results/`` as it is.

Usage::

    python tools/pilot_transfer_source.py --label T1 --steps 15000 --option lr=2e-4
    python tools/pilot_transfer_source.py --label L1 --target scratch --steps 3000

It prints one line and appends it, as JSON, to ``--log``: the final FD, the FD curve, the
trivial generator's and the blur's FD, and whether the run passes the sanity check and beats
the blur (:func:`i2ibook.chapters.ch11_transfer_gans.beats_blur`).
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.pilot_common import append_line, parse_options


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--label", required=True, help="the pilot's name in benchmarks/pilots.md")
    ap.add_argument("--steps", type=int, default=None, help="critic steps (default: the book's)")
    ap.add_argument("--fd-every", type=int, default=None, help="log FD every this many steps")
    ap.add_argument("--option", action="append", default=[], help="trainer key=JSON")
    ap.add_argument("--target", default=None, metavar="INIT",
                    help="pilot a target run of this initialisation (scratch, pretrained G, "
                    "pretrained D, TransferGAN) instead of the source")
    ap.add_argument("--seed", type=int, default=0, help="the target run's seed")
    ap.add_argument("--source", default=None, help="the target run's source domain "
                    "(default: the chapter's)")
    ap.add_argument("--root", default="/tmp/pilot_transfer_source")
    ap.add_argument("--log", default=str(ROOT / "benchmarks/results/pilots_ch11.jsonl"))
    args = ap.parse_args(argv)
    options = parse_options(args.option)

    from i2ibook import catalogue
    from i2ibook.chapters import ch11_transfer_gans as chapter
    from i2ibook.runner import get_run
    from i2ibook.specs import parse_experiment

    if args.target is None:
        book = catalogue.transfer_source_run("book")
    else:
        book = catalogue.transfer_gan_run("book", args.target, args.seed,
                                          source=args.source or catalogue.TRANSFER_SOURCE)
    name, config = copy.deepcopy(book)
    config["trainer"].update(options)
    if args.steps is not None:
        per_epoch = -(-config["data"]["n_train"] // config["trainer"]["batch_size"])
        config["trainer"]["n_epochs"] = -(-args.steps // per_epoch)
    if args.fd_every is not None:
        config["fd_every"] = args.fd_every
    parse_experiment(config)  # strict: an option the trainer does not have stops here
    results = Path(args.root) / args.label / "results"
    os.environ["I2I_RUNS"] = str(Path(args.root) / args.label / "runs")
    if "pretrained" in config:  # the target run starts from the book's stored source run
        from i2ilib.results import find_run

        source = config["pretrained"]["name"]
        if find_run(source, config["pretrained"]["config"]) is None:
            raise SystemExit(f"The source run {source} is not stored in results/: "
                             "make reproduce CHAPTER=11 MISSING=1 trains it.")
        if not (results / source).exists():
            shutil.copytree(ROOT / "results" / source, results / source)
    os.environ["I2I_RESULTS"] = str(results)
    run = get_run(lambda scale: (name, config), "book", train=True, progress=True)
    base = chapter.baselines(run)
    line = {"label": args.label, "run": name, "options": options,
            "steps": int(run.metrics["steps"]),
            "wall_s": round(float(run.meta["wall_time_s"]), 1),
            "fd": round(chapter.fd(run), 2), "iw": round(chapter.iw(run), 3),
            "fd_curve": [[s, round(v, 2)] for s, v in zip(*chapter.fd_curve(run))],
            "baselines": {k: round(v, 2) for k, v in base.items()},
            "passes": chapter.run_passes(run), "beats_blur": chapter.beats_blur(run),
            "same_as_catalogue": config == book[1]}
    append_line(args.log, line)
    print(line)
    return line


if __name__ == "__main__":
    main()
