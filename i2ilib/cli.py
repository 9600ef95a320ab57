"""Command line for users who work outside notebooks: train and translate.

    python -m i2ilib train pix2pix --data datasets/facades --netG unet_256 --n_epochs 100
    python -m i2ilib train cyclegan --data datasets/horse2zebra --name h2z
    python -m i2ilib translate --checkpoint runs/h2z/checkpoints/latest.pt photo.jpg --out out/
    python -m i2ilib translate --checkpoint results/02_pix2pix/labels2photo-seed0 labels.png
    python -m i2ilib translate --checkpoint latest_net_G_A.pth horse.jpg     # official weights

Every trainer option is a command-line option of the same name (``--lambda_L1``, ``--ngf``, ...):
the configuration dataclasses are the one place where options and their defaults live.

Checkpoints are read with ``torch.load(weights_only=True)``: a file that would run code while
loading is refused. A mistake prints one line ``i2ilib: error: ...`` and exits with status 2
(wrong command line) or 1 (unreadable or unsuitable file or data); ``--debug`` adds the
traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import traceback
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import numpy as np
import torch
from PIL import Image

from .data import PairedImageFolder, UnpairedImageFolder
from .data.errors import ImageReadError
from .data.transforms import load_image, to_tensor_m11, to_uint8
from .device import select_device
from .nets import OSTTranslator, ResnetGenerator, UnetGenerator, parse_generator_name
from .nets.official import (
    CheckpointMismatchError,
    checkpoint_load_error,
    load_official_generator,
    load_weights_file,
)
from .results import read_run

if TYPE_CHECKING:
    from torch import nn

TRAINERS = ("pix2pix", "cyclegan")
PROG = "python -m i2ilib"


class UsageError(Exception):
    """The command line is wrong (exit status 2); the message says what to type instead."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors become :class:`UsageError` (one line, exit status 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _config_class(method: str):
    from .train import CycleGANConfig, Pix2PixConfig

    return {"pix2pix": Pix2PixConfig, "cyclegan": CycleGANConfig}[method]


def _parse_bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true/false, got {text!r}")


def _add_config_options(parser: argparse.ArgumentParser, cls: type) -> None:
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(f"{cls.__name__} options (defaults as published)")
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        args = typing.get_args(hint)
        base = next((a for a in args if a is not type(None)), hint) if args else hint
        conv = _parse_bool if base is bool else base
        group.add_argument(f"--{f.name}", type=conv, default=None,
                           help=f"default: {f.default!r}")


def _add_debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="on an error, print the full traceback as well")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m i2ilib`` (``train`` options are parsed by the trainer's own
    parser, see :func:`train_main`)."""
    p = _Parser(prog=PROG, description=__doc__.split("\n\n")[0])
    _add_debug(p)
    sub = p.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train pix2pix or cyclegan on an image folder")
    train.add_argument("method", choices=TRAINERS)
    train.add_argument("rest", nargs=argparse.REMAINDER,
                       help="--data DIR and options (see `train pix2pix --help`)")

    tr = sub.add_parser("translate", help="translate images with a trained generator")
    tr.add_argument("--checkpoint", required=True,
                    help="a training checkpoint (runs/NAME/checkpoints/latest.pt, or the run "
                         "folder runs/NAME), a stored run of the book (its folder in results/ "
                         "or its generators.pt), or an official pix2pix/CycleGAN .pth file. "
                         "Files are read with torch.load(weights_only=True): a file that would "
                         "run code while loading is refused")
    tr.add_argument("images", nargs="+", help="image files")
    tr.add_argument("--out", default="translated", help="output folder (default: translated)")
    tr.add_argument("--generator", default=None,
                    help="which generator: G_AB (default) or G_BA for CycleGAN checkpoints and "
                         "runs, G for pix2pix ones, T_AB (default), T_BA, T_AA or T_BB for OST "
                         "ones (T_BB only, for Phase I)")
    tr.add_argument("--size", type=int, default=None,
                    help="resize each image to SIZE x SIZE (a multiple of 2^num_downs for a "
                         "U-Net, of 4 for the usual ResNets) and write SIZE x SIZE outputs. "
                         "Default: run at the training size when the checkpoint records it (a "
                         "stored run's image size; 256 for official weights, 2^num_downs for "
                         "an official U-Net), otherwise (training checkpoints) at the image's "
                         "own size rounded to the nearest multiple the generator accepts; "
                         "either way each output is resized back to its input's size")
    tr.add_argument("--netG", default=None, help="official weights only: generator name "
                    "(inferred from the file when omitted; checked against it when given)")
    tr.add_argument("--device", default="auto", help="cuda, mps, cpu or auto (default)")
    _add_debug(tr)
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
    _add_debug(t)
    _add_config_options(t, _config_class(method))


def train_main(method: str, argv: list[str]) -> int:
    """``python -m i2ilib train METHOD ...``: train (or resume) a run in ``--runs/--name``."""
    from .train import CycleGANTrainer, Pix2PixTrainer

    parser = _Parser(prog=f"{PROG} train {method}")
    _add_train_options(parser, method)
    a = parser.parse_args(argv)
    cls = _config_class(method)
    opts = {f.name: getattr(a, f.name) for f in dataclasses.fields(cls)
            if getattr(a, f.name) is not None}
    try:
        config = cls(**opts)
    except (TypeError, ValueError) as err:  # an option value the configuration rejects
        raise UsageError(f"{err} (see `{parser.prog} --help`)") from err
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


# ------------------------------------------------------------------------------ translate


@dataclass
class LoadedGenerator:
    """A generator ready to translate, and what its checkpoint says about image sizes."""

    net: nn.Module  # in eval mode, on the CPU
    source: str  # "training checkpoint", "stored run" or "official weights"
    train_size: int | None  # the square size it was trained at, when the checkpoint records it


def _refuse_mmnets(path: Path) -> None:
    """M&MNets translate between modalities that are not all images: no command-line path."""
    raise ValueError(f"{path} holds mix and match networks (M&MNets), whose inputs and outputs "
                     "include class-id maps and depth, not only images: translate in Python with "
                     "MMNetTrainer.translate(source, target, x), or rebuild a translator with "
                     "i2ilib.train.mmnet_module_from_config and mmnet_translator_state.")


def _refuse_udit(path: Path) -> None:
    """A diverse translator needs a style code per output: no command-line path."""
    raise ValueError(f"{path} holds a diverse translator (UDITTrainer), whose output depends on "
                     "a style code drawn for each translation: translate in Python with "
                     "UDITTrainer.translate(x, style) or sample_styles(x, n), or rebuild its "
                     "auto-encoders with i2ilib.train.udit_autoencoder_from_config.")


def _refuse_sdit(path: Path) -> None:
    """A multi-domain diverse translator needs a target domain and a latent code."""
    raise ValueError(f"{path} holds a multi-domain diverse translator (SDITTrainer), whose output "
                     "depends on a target domain and a latent code: translate in Python with "
                     "SDITTrainer.translate(x, target, z) or sample_styles(x, target, n), or "
                     "rebuild it with i2ilib.train.sdit_generator_from_config.")


def _pick_generator(path: Path, names: list[str], which: str | None) -> str:
    """The generator to use among ``names`` (``G`` or ``G_AB`` by default)."""
    if names and {"f_R", "g_R"} <= set(names):
        _refuse_mmnets(path)
    if which is None:
        which = next((n for n in ("G", "G_AB", "T_AB", "T_BB") if n in names), "G_AB")
    if which not in names:
        raise UsageError(f"--generator {which}: {path} holds the generator(s) "
                         f"{', '.join(names)}; pass one of them.")
    return which


def _build_from_trainer_config(path: Path, config: dict, name: str, weights: dict) -> nn.Module:
    """The generator ``name`` that a trainer with ``config`` builds, with ``weights``, in eval
    mode."""
    if "style_dim" in config and "lambda_U" in config:  # a UDITConfig
        _refuse_udit(path)
    if "lambda_REC" in config and "z_dim" in config:  # an SDITConfig
        _refuse_sdit(path)
    if "z_dim" in config and "n_critic" in config:  # a WGANConfig
        raise ValueError(f"{path} holds an unconditional or class-conditional GAN (WGANTrainer), "
                         "whose generator turns noise into images and translates no input "
                         "image: sample in Python with WGANTrainer.generate(n), or rebuild it "
                         "with i2ilib.train.wgan_generator_from_config.")
    from .train import generator_from_config

    try:
        G = generator_from_config(config, name)
        G.load_state_dict(weights)
    except (KeyError, RuntimeError, ValueError) as err:
        raise ValueError(f"The weights of {name} in {path} do not fit the generator its "
                         f"configuration describes ({type(err).__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''}).") from err
    return G.eval()


def _load_training_checkpoint(path: Path, state: dict, which: str | None) -> LoadedGenerator:
    if state.get("trainer") == "MMNetTrainer":
        _refuse_mmnets(path)
    if state.get("trainer") == "UDITTrainer":
        _refuse_udit(path)
    if state.get("trainer") == "SDITTrainer":
        _refuse_sdit(path)
    if state.get("trainer") == "OSTTrainer":  # its translators are made of shared parts
        from .train.ost import translator_states

        weights = translator_states(state)
    else:
        weights = {k: v for k, v in state["nets"].items() if k.startswith("G")}
    name = _pick_generator(path, list(weights), which)
    G = _build_from_trainer_config(path, state["config"], name, weights[name])
    return LoadedGenerator(G, "training checkpoint", None)


def _load_stored_run(folder: Path, which: str | None) -> LoadedGenerator:
    """A run of the results store (``config.json`` + ``generators.pt``), read-only."""
    run = read_run(folder)
    weights_file = folder / "generators.pt"
    if not weights_file.is_file():
        raise FileNotFoundError(f"Stored run {folder} has no generators.pt: it was stored "
                                "without generator weights, so it cannot translate.")
    if not isinstance(run.config.get("trainer"), dict):  # the file's content is wrong
        raise ValueError(  # noqa: TRY004
            f"{folder} is a stored run without a trainer configuration (config.json has no "
            "'trainer'), so no generator can be built for it.")
    try:
        state = run.generator_state()  # torch.load(weights_only=True)
    except Exception as err:  # unreadable, truncated, or refused because it is not plain data
        raise checkpoint_load_error(weights_file, err) from err
    name = _pick_generator(weights_file, list(state), which)
    G = _build_from_trainer_config(weights_file, run.config["trainer"], name, state[name])
    data = run.config.get("data")
    size = data.get("size") if isinstance(data, dict) else None
    return LoadedGenerator(G, "stored run", size if isinstance(size, int) else None)


def _load_official(path: Path, which: str | None, netG: str | None) -> LoadedGenerator:

    if which is not None:
        raise UsageError(f"--generator applies to training checkpoints and stored runs; {path} "
                         "holds one official generator: drop --generator.")
    try:  # reads the file again (weights_only=True) so that its messages name the file
        G = load_official_generator(path, **({"netG": netG} if netG else {}))
    except CheckpointMismatchError as err:
        raise UsageError(f"--netG {netG} does not match {path}: {err}") from err
    size = 2 ** G.num_downs if isinstance(G, UnetGenerator) else 256
    return LoadedGenerator(G, "official weights", size)


def load_generator(checkpoint: str | Path, which: str | None = None,
                   netG: str | None = None) -> LoadedGenerator:
    """The generator in ``checkpoint``, whatever its kind, in eval mode on the CPU.

    ``checkpoint`` is a training checkpoint (``runs/NAME/checkpoints/latest.pt`` or the folder
    ``runs/NAME``), a stored run (its ``results/`` folder or its ``generators.pt``), or an
    official pix2pix/CycleGAN ``.pth`` state_dict. Every file is read with
    ``torch.load(weights_only=True)`` (:func:`i2ilib.nets.official.load_weights_file`, or the
    results store's own loader), so nothing in it is executed.

    Raises:
        UsageError: ``which`` or ``netG`` contradicts the checkpoint.
        FileNotFoundError: no such file or run folder.
        UnsafeCheckpointError: the file would run code while loading (refused).
        ValueError: the file is unreadable, truncated, or holds no usable generator.
    """
    path = Path(checkpoint)
    if netG is not None:

        try:
            parse_generator_name(netG)
        except ValueError as err:
            raise UsageError(f"--netG: {err}") from err
    if path.is_dir():
        if (path / "checkpoints" / "latest.pt").is_file():
            path = path / "checkpoints" / "latest.pt"
        elif (path / "config.json").is_file():
            return _checked(_load_stored_run(path, which), netG, path)
        else:
            raise FileNotFoundError(
                f"{path} is a folder but neither a stored run (config.json and generators.pt) "
                "nor a training run (checkpoints/latest.pt): pass one of those or a .pth file.")
    elif path.name == "generators.pt" and (path.parent / "config.json").is_file():
        return _checked(_load_stored_run(path.parent, which), netG, path)

    # Checkpoints written by earlier versions hold NumPy's random state as arrays: NumPy arrays
    # of numbers are allowed (nothing else that needs code to rebuild).
    state = load_weights_file(path, numpy_arrays=True)
    if isinstance(state, dict) and "trainer" in state and "nets" in state:
        if not isinstance(state.get("config"), dict) or not isinstance(state["nets"], dict):
            raise ValueError(f"{path} looks like a training checkpoint but lacks its "
                             "configuration or networks; it may be from another program.")
        return _checked(_load_training_checkpoint(path, state, which), netG, path)
    if isinstance(state, dict) and state and all(isinstance(v, dict) for v in state.values()):
        raise FileNotFoundError(
            f"{path} holds several generators ({', '.join(map(str, state))}) like a stored "
            "run's generators.pt, but the run's config.json is not next to it: pass the run "
            "folder from results/ (with its config.json).")
    if not isinstance(state, dict):  # the file's content is wrong, not an argument's type
        raise ValueError(  # noqa: TRY004
            f"{path} holds a {type(state).__name__}, not a generator: pass a training "
            "checkpoint, a stored run or an official .pth state_dict.")
    return _load_official(path, which, netG)


def _checked(loaded: LoadedGenerator, netG: str | None, path: Path) -> LoadedGenerator:
    if netG is not None:
        raise UsageError(f"--netG applies to official .pth weights only; {path} is a "
                         f"{loaded.source} that records its generator: drop --netG.")
    return loaded


def size_multiple(G: nn.Module) -> int:
    """The factor every side of an input image must be a multiple of for ``G`` to return an
    image of the same size: ``2^num_downs`` for a U-Net, ``2^n_downsampling`` for a ResNet or
    an OST translator."""
    if isinstance(G, UnetGenerator):
        return 2 ** G.num_downs
    if isinstance(G, ResnetGenerator):
        return 2 ** G.n_downsampling
    if isinstance(G, OSTTranslator):
        return G.arch.size_multiple
    return 1


def _nearest_multiple(n: int, m: int) -> int:
    return max(m, round(n / m) * m)


def translate_main(a: argparse.Namespace) -> int:
    """``python -m i2ilib translate``: one ``<stem>_translated.png`` per image in ``--out``."""
    loaded = load_generator(a.checkpoint, a.generator, a.netG)
    multiple = size_multiple(loaded.net)
    if a.size is not None and (a.size <= 0 or a.size % multiple):
        lower = max(multiple, a.size // multiple * multiple)
        raise UsageError(f"--size {a.size}: this generator needs a multiple of {multiple} "
                         f"(e.g. {lower} or {lower + multiple}).")
    for name in a.images:  # every input is checked before the first output is written
        if not Path(name).is_file():
            raise FileNotFoundError(f"Image file not found: {name}")
    device = select_device(a.device)
    G = loaded.net.to(device).eval()
    in_nc = next(m for m in G.modules() if isinstance(m, torch.nn.Conv2d)).in_channels
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in a.images:
        img = load_image(name, channels=in_nc)
        if a.size is not None:
            work, final = (a.size, a.size), (a.size, a.size)
        elif loaded.train_size is not None:
            work, final = (loaded.train_size, loaded.train_size), img.size
        else:
            work = tuple(_nearest_multiple(n, multiple) for n in img.size)
            final = img.size
        if img.size != work:
            img = img.resize(work, Image.BICUBIC)
        x = to_tensor_m11(img).unsqueeze(0).to(device)
        with torch.no_grad():
            y = G(x)[0].float().cpu()
        arr = to_uint8(y)
        result = Image.fromarray(arr.squeeze(-1) if arr.shape[-1] == 1
                                 else np.ascontiguousarray(arr))
        if result.size != final:
            result = result.resize(final, Image.BICUBIC)
        target = out / (Path(name).stem + "_translated.png")
        result.save(target)
        print(f"{name} -> {target}")
    return 0


# ------------------------------------------------------------------------------ main


def _one_line(message: str) -> str:
    """``message`` on one line: bullet lists become ``;``-separated, escapes are dropped."""
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)
    message = re.sub(r"\s*\n\s*-\s+", "; ", message)
    return " ".join(message.split())


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] == "train":
        i = next((i for i, x in enumerate(argv) if i > 0 and x != "--debug"), None)
        method = None if i is None else argv[i]
        if method in TRAINERS:
            return train_main(method, argv[1:i] + argv[i + 1:])
        if method not in ("-h", "--help"):
            got = "" if method is None else f", not {method!r}"
            raise UsageError(f"train needs a method first, {' or '.join(TRAINERS)}{got} "
                             f"(see `{PROG} train pix2pix --help`)")
    a = build_parser().parse_args(argv)
    if a.command == "translate":
        return translate_main(a)
    raise UsageError(f"unknown command {a.command!r} (see `{PROG} --help`)")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    0 on success; 2 when the command line is wrong; 1 when a file or the data cannot be used
    (missing, unreadable, refused as unsafe, unsuitable) or an unexpected error occurs. Errors
    print one line ``i2ilib: error: ...`` on stderr; with ``--debug`` the traceback comes first.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        return _dispatch(argv)
    except KeyboardInterrupt as err:
        status, message, error = 130, "interrupted", err
    except UsageError as err:
        status, message, error = 2, str(err), err
    except (FileNotFoundError, ImageReadError, ValueError) as err:
        status, message, error = 1, str(err) or type(err).__name__, err
    except OSError as err:  # permissions, full disk, ...
        status, error = 1, err
        message = f"{err.strerror or err}" + (f": {err.filename}" if err.filename else "")
    except Exception as err:  # noqa: BLE001 - a bug or an environment problem: still one line
        status, error = 1, err
        message = (f"unexpected {type(err).__name__}: {str(err).strip() or 'no details'}"
                   + ("" if debug else " (rerun with --debug to see the traceback)"))
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    print(f"i2ilib: error: {_one_line(message)}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
