"""Retrain the networks shipped in ``i2ilib/assets`` (what ``make assets`` runs)::

    python -m i2ilib.metrics.retrain features|segnet|identity|attributes|digits|all [--out-dir DIR] [...]

One entry point for the five training scripts: each of ``train_features``, ``train_segnet``,
``train_identity``, ``train_attributes`` and ``train_digits`` declares its options
(``add_arguments``), builds
its data and trains (``train``) and writes its weights with their JSON record (``save``); this
module parses the command line, runs them and reports the held-out scores. With the default
options the shipped weights are reproduced (each script's docstring states its data and time).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

import torch

#: The shipped networks, in the order ``all`` trains them, and the module that trains each.
NETWORKS: dict[str, str] = {"features": "train_features", "segnet": "train_segnet",
                            "identity": "train_identity", "attributes": "train_attributes",
                            "digits": "train_digits"}
ASSETS = Path(__file__).resolve().parents[1] / "assets"


def _module(network: str) -> ModuleType:
    if network not in NETWORKS:
        raise ValueError(f"Unknown network {network!r}; choose one of {', '.join(NETWORKS)}.")
    return importlib.import_module(f"{__package__}.{NETWORKS[network]}")


def parser(network: str) -> argparse.ArgumentParser:
    """The command line of one network's training: ``--out-dir`` plus its own options."""
    module = _module(network)
    ap = argparse.ArgumentParser(prog=f"python -m i2ilib.metrics.retrain {network}",
                                 description=module.__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out-dir", default=str(ASSETS),
                    help="where the weights and their JSON record go (default: i2ilib/assets)")
    module.add_arguments(ap)
    return ap


def retrain(network: str, argv: list[str] | None = None) -> dict:
    """Train one shipped network with the options in ``argv`` and save it; returns its record."""
    module = _module(network)
    args = parser(network).parse_args(argv)
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
    net, record = module.train(args)
    path = module.save(net, record, args.out_dir)
    scores = {k: record[k] for k in ("validation", "pseudo_pairs") if k in record}
    print(f"saved {path}: {json.dumps(scores)}")
    return record


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    choices = [*NETWORKS, "all"]
    if not argv or argv[0] not in choices:
        print(f"usage: python -m i2ilib.metrics.retrain {{{','.join(choices)}}} [options]\n"
              f"       python -m i2ilib.metrics.retrain NETWORK --help   (its options)",
              file=sys.stderr)
        return 2
    networks = list(NETWORKS) if argv[0] == "all" else [argv[0]]
    for network in networks:
        retrain(network, argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
