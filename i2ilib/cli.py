"""Command line for users who work outside notebooks: train and translate.

    python -m i2ilib train pix2pix --data datasets/facades --netG unet_256 --n_epochs 100
    python -m i2ilib train cyclegan --data datasets/horse2zebra --name h2z
    python -m i2ilib translate --checkpoint runs/h2z/checkpoints/latest.pt photo.jpg --out out/
    python -m i2ilib translate --checkpoint latest_net_G_A.pth horse.jpg     # official weights

Every trainer option is a command-line option of the same name (``--lambda_L1``, ``--ngf``, ...):
the configuration dataclasses are the one place where options and their defaults live.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from pathlib import Path

TRAINERS = ("pix2pix", "cyclegan")


def _config_class(method: str):
    from .train import CycleGANConfig, Pix2PixConfig

    return {"pix2pix": Pix2PixConfig, "cyclegan": CycleGANConfig}[method]


def _parse_bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def _add_config_options(parser: argparse.ArgumentParser, cls) -> None:
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(f"{cls.__name__} options (defaults as published)")
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        args = typing.get_args(hint)
        base = next((a for a in args if a is not type(None)), hint) if args else hint
        conv = _parse_bool if base is bool else base
        group.add_argument(f"--{f.name}", type=conv, default=None,
                           help=f"default: {f.default!r}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m i2ilib", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train pix2pix or cyclegan on an image folder")
    train.add_argument("method", choices=TRAINERS)
    train.add_argument("rest", nargs=argparse.REMAINDER,
                       help="--data DIR and options (see `train pix2pix --help`)")

    tr = sub.add_parser("translate", help="translate images with a trained generator")
    tr.add_argument("--checkpoint", required=True,
                    help="a trainer checkpoint (latest.pt), a stored run's generators.pt, or an "
                         "official pix2pix/CycleGAN .pth file")
    tr.add_argument("images", nargs="+", help="image files")
    tr.add_argument("--out", default="translated", help="output folder (default: translated)")
    tr.add_argument("--generator", default=None,
                    help="which generator of a CycleGAN checkpoint: G_AB (default) or G_BA")
    tr.add_argument("--size", type=int, default=None,
                    help="resize images to SIZE x SIZE first (default: the training crop size, "
                         "or 256 for official weights)")
    tr.add_argument("--netG", default=None, help="official weights only: generator name "
                    "(inferred from the file when omitted)")
    tr.add_argument("--device", default="auto")

    return p


def _add_train_options(t: argparse.ArgumentParser, method: str) -> None:
    t.add_argument("--data", required=True, help="dataset root (pix2pix: DIR/train with A|B "
                   "images or DIR/train/A + DIR/train/B; cyclegan: DIR/trainA + DIR/trainB)")
    t.add_argument("--name", default=None, help="run name (default: the data folder's name)")
    t.add_argument("--runs", default="runs", help="folder of runs (default: runs)")
    t.add_argument("--direction", default="AtoB", choices=("AtoB", "BtoA"))
    t.add_argument("--load_size", type=int, default=286)
    t.add_argument("--crop_size", type=int, default=256)
    t.add_argument("--preprocess", default="resize_and_crop")
    t.add_argument("--no_flip", action="store_true")
    t.add_argument("--max_steps", type=int, default=None, help="stop after this many steps "
                   "(the run can be resumed later by running the same command)")
    _add_config_options(t, _config_class(method))


def train_main(method: str, argv: list[str]) -> int:
    from .data import PairedImageFolder, UnpairedImageFolder
    from .train import CycleGANTrainer, Pix2PixTrainer

    parser = argparse.ArgumentParser(prog=f"python -m i2ilib train {method}")
    _add_train_options(parser, method)
    a = parser.parse_args(argv)
    cls = _config_class(method)
    opts = {f.name: getattr(a, f.name) for f in dataclasses.fields(cls)
            if getattr(a, f.name) is not None}
    config = cls(**opts)
    common = dict(phase="train", direction=a.direction, load_size=a.load_size,
                  crop_size=a.crop_size, preprocess=a.preprocess, flip=not a.no_flip,
                  input_nc=config.input_nc, output_nc=config.output_nc, seed=config.seed)
    data_cls = PairedImageFolder if method == "pix2pix" else UnpairedImageFolder
    dataset = data_cls(a.data, **common)
    run_dir = Path(a.runs) / (a.name or Path(a.data).resolve().name)
    trainer_cls = Pix2PixTrainer if method == "pix2pix" else CycleGANTrainer
    trainer = trainer_cls(config, run_dir=run_dir)
    print(f"Training {method} on {len(dataset)} images from {a.data} on {trainer.device}; "
          f"run folder {run_dir}")
    trainer.fit(dataset, max_steps=a.max_steps)
    print(f"Checkpoint: {trainer.checkpoint_path}; samples in {run_dir / 'samples'}")
    return 0


def _generator_from_checkpoint(path: Path, which: str | None, netG: str | None):
    """(generator module, crop size or None) from any of the three checkpoint kinds."""
    import torch

    from .nets import load_official_generator
    from .train import generator_from_config

    state = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(state, dict) and "trainer" in state and "nets" in state:  # trainer checkpoint
        name = which or ("G" if state["trainer"] == "Pix2PixTrainer" else "G_AB")
        if name not in state["nets"]:
            raise ValueError(f"{path} holds generators {[k for k in state['nets'] if 'G' in k]}, "
                             f"not {name!r}.")
        G = generator_from_config(state["config"], name)
        G.load_state_dict(state["nets"][name])
        return G, None
    if isinstance(state, dict) and state and all(isinstance(v, dict) for v in state.values()):
        raise ValueError(f"{path} is a stored run's generators.pt: load it with "
                         "i2ilib.results.read_run(folder) and the run's config.json instead.")
    kwargs = {"netG": netG} if netG else {}
    return load_official_generator(state, **kwargs), 256


def translate_main(a: argparse.Namespace) -> int:
    import numpy as np
    import torch
    from PIL import Image

    from .data.transforms import load_image, to_tensor_m11, to_uint8
    from .device import select_device

    G, default_size = _generator_from_checkpoint(Path(a.checkpoint), a.generator, a.netG)
    device = select_device(a.device)
    G = G.to(device).eval()
    in_nc = next(m for m in G.modules() if isinstance(m, torch.nn.Conv2d)).in_channels
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    size = a.size or default_size
    for name in a.images:
        img = load_image(name, channels=in_nc)
        if size:
            img = img.resize((size, size), Image.BICUBIC)
        x = to_tensor_m11(img).unsqueeze(0).to(device)
        with torch.no_grad():
            y = G(x)[0].cpu()
        target = out / (Path(name).stem + "_translated.png")
        arr = to_uint8(y)
        Image.fromarray(arr.squeeze(-1) if arr.shape[-1] == 1 else np.ascontiguousarray(arr)).save(
            target)
        print(f"{name} -> {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) >= 2 and argv[0] == "train" and argv[1] in TRAINERS:
        return train_main(argv[1], argv[2:])
    a = build_parser().parse_args(argv)
    if a.command == "translate":
        return translate_main(a)
    if a.command == "train":  # no method or --help
        build_parser().parse_args(["train", "--help"])
    return 2


if __name__ == "__main__":
    sys.exit(main())
