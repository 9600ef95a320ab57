"""Load the reference implementation's generator checkpoints into i2ilib's generators.

The reference pix2pix/CycleGAN code saves ``net.state_dict()`` as ``<epoch>_net_<name>.pth``:
``latest_net_G_A.pth`` / ``latest_net_G_B.pth`` for CycleGAN (``resnet_9blocks``, instance
norm, no dropout; implicit-pairs paper, appendix "Architectures") and ``latest_net_G.pth`` for
pix2pix (``unet_256``, batch norm, dropout). i2ilib's :class:`ResnetGenerator` and
:class:`UnetGenerator` have the same module layout, hence the same keys, so those files load
with ``strict=True`` and give the reference network's outputs on the same weights.

:func:`describe_checkpoint` reads the architecture options back from the keys and shapes
alone:

* ResNet vs U-Net: ``model.<i>.conv_block.*`` keys vs nested ``model.model.*`` keys;
* ``ngf`` / ``input_nc``: the first convolution's weight, ``(ngf, input_nc, k, k)``;
* ``output_nc``: the last convolution's output channels;
* ``norm``: batch norm stores ``weight``, ``bias``, ``running_mean``, ``running_var`` in its
  norm layers; instance norm (``affine=False``) stores nothing, but its convolutions carry a
  bias (the reference's rule, :mod:`i2ilib.nets.norm`); ``none`` stores neither;
* ``n_blocks``: the number of residual blocks; ``use_dropout`` (ResNet): the second conv of a
  block is ``conv_block.6`` with dropout, ``conv_block.5`` without;
* ``num_downs`` (U-Net): the nesting depth; ``skip``: the last transposed conv takes ``2 ngf``
  channels with skips, ``ngf`` without.

Like the reference loader, :func:`load_official_generator` also accepts ``module.``-prefixed
keys (saved from ``DataParallel``), drops the ``_metadata`` attribute and the
``running_mean`` / ``running_var`` / ``num_batches_tracked`` entries that instance-norm layers
stored before PyTorch 0.4, and tolerates batch-norm layers saved without
``num_batches_tracked``.

Files are read by :func:`load_weights_file`, which never runs code from the file: it calls
``torch.load(weights_only=True)`` (tensors and plain containers only) and refuses anything else
with an :class:`UnsafeCheckpointError` that says how to load a trusted file deliberately.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .factory import generator_name, parse_generator_name
from .norm import check_norm
from .resnet import ResnetGenerator
from .unet import UnetGenerator

_STATS = ("running_mean", "running_var", "num_batches_tracked")


class UnsafeCheckpointError(ValueError):
    """A file that ``torch.load(weights_only=True)`` refuses: reading it would call Python code
    named in the file (a pickled function or class), which could do anything."""


class CheckpointMismatchError(ValueError):
    """A reference checkpoint contradicts a generator option that the caller asked for."""


def _trust_hint(path: Path) -> str:
    return (
        f"If you trust this file, load {str(path)!r} deliberately in Python with torch.load and "
        "its weights_only safeguard turned off, save only its tensors "
        "(torch.save(state_dict, 'weights.pth')), then load that file instead."
    )


def _first_line(text: str, limit: int = 160) -> str:
    """The first non-empty line of an exception's text, without terminal escapes."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def checkpoint_load_error(path: str | os.PathLike, err: BaseException) -> ValueError:
    """A one-line, actionable error for a ``torch.load(weights_only=True)`` of ``path`` that
    raised ``err``: an :class:`UnsafeCheckpointError` when the file asks to run code, else a
    ``ValueError`` saying whether the file is empty, truncated or not a checkpoint at all."""
    path = Path(path)
    text = str(err)
    name = repr(str(path))
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        size, head = -1, b""
    if size == 0:
        return ValueError(
            f"Could not read {name}: the file is empty (0 bytes). It was probably cut off while "
            "being written, downloaded or copied: get it again."
        )
    if head and not head.startswith((b"PK", b"\x80")):  # torch.save writes a zip or a pickle
        return ValueError(
            f"Could not read {name} as a PyTorch checkpoint: it is neither a zip archive nor a "
            f"pickle (it starts with {head!r}). Pass a .pth/.pt file written by torch.save."
        )
    if head.startswith(b"PK") and not zipfile.is_zipfile(path):
        return ValueError(
            f"Could not read {name}: it is a truncated or corrupt checkpoint (its zip archive "
            "is incomplete). It was probably cut off while being written, downloaded or "
            "copied: get it again."
        )
    if "Weights only load failed" in text:
        glob = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
        build = re.search(r"but got <class '([\w.]+)'>", text)
        if glob:
            why = f"reading it would call {glob.group(1)}, which can run arbitrary code"
        elif build:
            why = f"reading it would build a {build.group(1)} object, which can run arbitrary code"
        else:
            detail = re.search(r"WeightsUnpickler error:\s*(.+)", text)
            why = (
                "it is not a file of plain weights (the weights-only reader stopped at: "
                f"{_first_line(detail.group(1) if detail else text)})"
            )
        return UnsafeCheckpointError(
            f"Refused to load {name}: {why}. i2ilib reads checkpoints with "
            f"torch.load(weights_only=True), which accepts tensors and plain containers only. "
            + _trust_hint(path)
        )
    return ValueError(
        f"Could not read {name} as a PyTorch checkpoint ({type(err).__name__}: "
        f"{_first_line(text) or 'no details'}); it may be truncated, corrupt or another kind "
        "of file."
    )


def _numpy_data_globals() -> list:
    """What ``torch.load(weights_only=True)`` needs to rebuild NumPy arrays and scalars of
    numeric dtypes (a training checkpoint's NumPy random state, NumPy floats in a loss
    history): constructors of data only, never of arbitrary objects."""
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy 1.x
        from numpy.core import multiarray  # type: ignore[no-redef]
    codes = "?" + np.typecodes["AllInteger"] + np.typecodes["AllFloat"]
    dtypes = {type(np.dtype(c)) for c in codes}
    return [
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
        # files written with NumPy 1.x name the same functions under numpy.core
        (multiarray._reconstruct, "numpy.core.multiarray._reconstruct"),
        (multiarray.scalar, "numpy.core.multiarray.scalar"),
        *sorted(dtypes, key=str),
    ]


def load_weights_file(path: str | os.PathLike, *, numpy_arrays: bool = False) -> Any:
    """``torch.load(path, weights_only=True)`` onto the CPU, with one-line errors.

    Nothing in the file is executed: tensors, numbers, strings and plain containers are
    rebuilt, anything else is refused. ``numpy_arrays=True`` also accepts NumPy arrays and
    scalars of numeric dtypes (training checkpoints store the NumPy random state).

    Raises:
        FileNotFoundError: if ``path`` is not a file.
        UnsafeCheckpointError: if the file holds more than data (a pickled function or class);
            the message says how to load a file you trust deliberately.
        ValueError: if the file is empty, truncated or not a PyTorch checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        what = "a folder, not a file" if path.is_dir() else "not found"
        raise FileNotFoundError(
            f"Checkpoint file {str(path)!r}: {what} (expected e.g. latest_net_G_A.pth)."
        )
    allow = (
        torch.serialization.safe_globals(_numpy_data_globals())
        if numpy_arrays
        else contextlib.nullcontext()
    )
    try:
        with allow, warnings.catch_warnings():
            # plain pickles are refused anyway; the warning about their protocol is noise
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # pickle/zip/OS errors of many kinds, classified for the user
        raise checkpoint_load_error(path, err) from err


def read_state_dict(checkpoint: str | os.PathLike | Mapping[str, Tensor]) -> OrderedDict:
    """A clean ``state_dict``: loaded from a path if needed (on the CPU), ``module.`` prefixes
    stripped, no ``_metadata``.

    Files are read with :func:`load_weights_file` (``weights_only=True``: nothing in the file
    is executed).

    Raises:
        FileNotFoundError: if a path does not exist.
        UnsafeCheckpointError: if the file holds more than data (see :func:`load_weights_file`).
        ValueError: if the file or mapping is not a ``state_dict`` of tensors.
        TypeError: for anything else than a path or a mapping.
    """
    if isinstance(checkpoint, (str, os.PathLike)):
        path = Path(checkpoint)
        obj: Any = load_weights_file(path)
        source = repr(str(path))
    elif isinstance(checkpoint, Mapping):
        obj, source = checkpoint, "the given mapping"
    else:
        raise TypeError(
            f"checkpoint must be a path or a state_dict, got {type(checkpoint).__name__}."
        )
    if not isinstance(obj, Mapping):
        # a ValueError: the file's content is wrong, not the argument's type
        raise ValueError(f"{source} holds a {type(obj).__name__}, not a state_dict.")  # noqa: TRY004
    clean: OrderedDict = OrderedDict()  # a fresh dict: the _metadata attribute is not copied
    for key, value in obj.items():
        if not torch.is_tensor(value):
            raise ValueError(
                f"{source} is not a network state_dict: entry {key!r} is a "
                f"{type(value).__name__}, not a tensor."
            )
        clean[key.removeprefix("module.")] = value
    return clean


def describe_checkpoint(checkpoint: str | os.PathLike | Mapping[str, Tensor]) -> dict:
    """Infer a generator checkpoint's architecture options from its keys and shapes.

    Returns:
        A dict with ``arch`` (``"resnet"``/``"unet"``), ``netG`` (e.g. ``"resnet_9blocks"``),
        ``norm``, ``conv_bias``, ``ngf``, ``input_nc``, ``output_nc``, ``use_dropout``
        (``None`` for a U-Net: its dropout layers hold no parameters), ``old_instance_stats``
        (pre-0.4 instance-norm buffers present), and ``n_blocks``, ``n_downsampling``,
        ``padding_type`` (ResNet; reflect and replicate look alike, reported as ``"reflect"``)
        or ``num_downs``, ``skip`` (U-Net).

    Raises:
        ValueError: if the keys match neither reference generator layout (the message says
            what it looks like instead, e.g. a discriminator).
    """
    sd = read_state_dict(checkpoint)
    if "model.model.0.weight" in sd:
        return _describe_unet(sd)
    has_blocks = any(".conv_block." in k for k in sd)
    if ("model.1.weight" in sd and has_blocks) or _is_resnet_without_blocks(sd):
        return _describe_resnet(sd)
    if "model.0.weight" in sd:
        hint = "an NLayerDiscriminator (PatchGAN) checkpoint such as latest_net_D_A.pth"
    elif "net.0.weight" in sd:
        hint = "a PixelDiscriminator checkpoint"
    else:
        hint = f"no reference network (first keys: {list(sd)[:4]})"
    raise ValueError(
        f"Not a reference generator checkpoint: it looks like {hint}. Expected the keys of a "
        "ResnetGenerator ('model.1.weight', 'model.<i>.conv_block...') or a UnetGenerator "
        "('model.model.0.weight', ...): load latest_net_G_A.pth / latest_net_G.pth."
    )


def _is_resnet_without_blocks(sd: Mapping[str, Tensor]) -> bool:
    w = sd.get("model.1.weight")
    return w is not None and w.dim() == 4 and w.shape[-1] == 7


def _norm_of(sd: Mapping[str, Tensor], norm_prefix: str, conv_key: str) -> tuple[str, bool, bool]:
    """``(norm, conv_bias, old_instance_stats)`` from one norm layer's keys and its conv."""
    affine = f"{norm_prefix}weight" in sd
    stats = f"{norm_prefix}running_mean" in sd
    conv_bias = f"{conv_key}bias" in sd
    if affine:
        return "batch", conv_bias, False
    if stats or conv_bias:
        return "instance", conv_bias, stats
    return "none", conv_bias, False


def _conv_indices(sd: Mapping[str, Tensor], prefix: str) -> list[int]:
    found = set()
    for key, value in sd.items():
        m = re.fullmatch(re.escape(prefix) + r"(\d+)\.weight", key)
        if m and value.dim() == 4:
            found.add(int(m.group(1)))
    return sorted(found)


def _describe_resnet(sd: Mapping[str, Tensor]) -> dict:
    first = sd["model.1.weight"]
    ngf, input_nc = int(first.shape[0]), int(first.shape[1])
    blocks = sorted(
        {int(m.group(1)) for k in sd if (m := re.match(r"model\.(\d+)\.conv_block\.", k))}
    )
    if blocks:
        n_down = (blocks[0] - 4) // 3
    else:  # no residual blocks: down and up layers are the 3x3 layers at 4, 7, 10, ...
        i = 4
        while f"model.{i}.weight" in sd and sd[f"model.{i}.weight"].shape[-1] == 3:
            i += 3
        n_down = (i - 4) // 6
    n_blocks = len(blocks)
    last = f"model.{5 + 6 * n_down + n_blocks}.weight"
    if last not in sd or blocks != list(range(4 + 3 * n_down, 4 + 3 * n_down + n_blocks)):
        raise ValueError(
            "Unrecognised ResnetGenerator layout: expected the residual blocks right after the "
            f"downsampling layers and the output conv at {last!r}."
        )
    output_nc = int(sd[last].shape[0])
    norm, conv_bias, old = _norm_of(sd, "model.2.", "model.1.")
    padding_type, use_dropout = "reflect", False
    if blocks:
        convs = _conv_indices(sd, f"model.{blocks[0]}.conv_block.")
        padding_type = "zero" if convs[0] == 0 else "reflect"
        use_dropout = convs[1] - convs[0] == (4 if padding_type == "reflect" else 3) + 1
    return {
        "arch": "resnet",
        "netG": generator_name("resnet", n_blocks=n_blocks),
        "norm": norm,
        "conv_bias": conv_bias,
        "ngf": ngf,
        "input_nc": input_nc,
        "output_nc": output_nc,
        "use_dropout": use_dropout,
        "old_instance_stats": old,
        "n_blocks": n_blocks,
        "n_downsampling": n_down,
        "padding_type": padding_type,
    }


def _describe_unet(sd: Mapping[str, Tensor]) -> dict:
    down, up = sd["model.model.0.weight"], sd.get("model.model.3.weight")
    if up is None:
        raise ValueError("Unrecognised UnetGenerator layout: 'model.model.3.weight' is missing.")
    ngf, input_nc, output_nc = int(down.shape[0]), int(down.shape[1]), int(up.shape[1])
    if up.shape[0] not in (ngf, 2 * ngf):
        raise ValueError(
            f"Unrecognised UnetGenerator layout: the last transposed conv takes {up.shape[0]} "
            f"channels, expected {2 * ngf} (with skips) or {ngf} (without)."
        )
    num_downs, prefix = 1, "model.model.1."
    while True:
        num_downs += 1
        inner = prefix + "model.3.model."
        if not any(k.startswith(inner) for k in sd):
            break
        prefix += "model.3."
    norm, conv_bias, old = _norm_of(sd, "model.model.1.model.2.", "model.model.0.")
    skip = bool(up.shape[0] == 2 * ngf)
    return {
        "arch": "unet",
        "netG": generator_name("unet", num_downs=num_downs, skip=skip),
        "norm": norm,
        "conv_bias": conv_bias,
        "ngf": ngf,
        "input_nc": input_nc,
        "output_nc": output_nc,
        "use_dropout": None,
        "old_instance_stats": old,
        "num_downs": num_downs,
        "skip": skip,
    }


def _mismatches(
    info: dict,
    netG: str | None,
    norm: str | None,
    use_dropout: bool | None,
    input_nc: int | None,
    output_nc: int | None,
    ngf: int | None,
) -> list[str]:
    """One sentence per requested option that the checkpoint contradicts."""
    out: list[str] = []
    if netG is not None:
        spec = parse_generator_name(netG)
        use = f"use netG={info['netG']!r}"
        if spec["arch"] != info["arch"]:
            kind = "a U-Net" if info["arch"] == "unet" else "a ResNet"
            out.append(f"checkpoint is {kind} generator ({info['netG']}) but netG={netG!r}: {use}")
        elif spec["arch"] == "resnet" and spec["n_blocks"] != info["n_blocks"]:
            out.append(
                f"checkpoint has {info['n_blocks']} residual blocks but netG={netG!r}: {use}"
            )
        elif spec["arch"] == "unet" and spec["num_downs"] != info["num_downs"]:
            out.append(
                f"checkpoint's U-Net has num_downs={info['num_downs']} (for "
                f"{2 ** info['num_downs']} px images) but netG={netG!r} has "
                f"num_downs={spec['num_downs']}: {use}"
            )
        elif spec["arch"] == "unet" and spec["skip"] != info["skip"]:
            has = "has" if info["skip"] else "has no"
            out.append(f"checkpoint's U-Net {has} skip connections but netG={netG!r}: {use}")
    if norm is not None and check_norm(norm) != info["norm"]:
        why = {
            "batch": "its norm layers store weight/bias/running_mean/running_var",
            "instance": "its norm layers store no parameters and its convolutions have biases",
            "none": "it has neither norm parameters nor conv biases",
        }[info["norm"]]
        out.append(
            f"checkpoint uses norm={info['norm']!r} ({why}) but norm={norm!r}: "
            f"use norm={info['norm']!r}"
        )
    if (
        use_dropout is not None
        and info["use_dropout"] is not None
        and use_dropout != info["use_dropout"]
    ):
        where = "conv_block.6" if info["use_dropout"] else "conv_block.5"
        if info.get("padding_type") == "zero":
            where = "conv_block.4" if info["use_dropout"] else "conv_block.3"
        out.append(
            f"checkpoint's residual blocks {'contain' if info['use_dropout'] else 'have no'} "
            f"dropout (second conv at {where}) but use_dropout={use_dropout}: "
            f"use use_dropout={info['use_dropout']}"
        )
    for name, value, what in (
        ("ngf", ngf, "its first convolution has {} filters"),
        ("input_nc", input_nc, "its first convolution reads {} channels"),
        ("output_nc", output_nc, "its last convolution writes {} channels"),
    ):
        if value is not None and value != info[name]:
            out.append(
                f"checkpoint has {name}={info[name]} ({what.format(info[name])}) but "
                f"{name}={value}: use {name}={info[name]}"
            )
    return out


def build_generator_for(info: dict, use_dropout: bool | None = None) -> nn.Module:
    """An uninitialised generator with the architecture ``info`` describes (see
    :func:`describe_checkpoint`); ``use_dropout`` defaults to the checkpoint's (ResNet) or to
    pix2pix's ``True`` (U-Net, where a checkpoint cannot tell)."""
    if info["arch"] == "resnet":
        return ResnetGenerator(
            info["input_nc"],
            info["output_nc"],
            info["ngf"],
            norm=info["norm"],
            use_dropout=info["use_dropout"] if use_dropout is None else use_dropout,
            n_blocks=info["n_blocks"],
            padding_type=info["padding_type"],
            n_downsampling=info["n_downsampling"],
            conv_bias=info["conv_bias"],
        )
    return UnetGenerator(
        info["input_nc"],
        info["output_nc"],
        info["num_downs"],
        info["ngf"],
        norm=info["norm"],
        use_dropout=True if use_dropout is None else use_dropout,
        skip=info["skip"],
        conv_bias=info["conv_bias"],
    )


def _patch_norm_entries(sd: OrderedDict, net: nn.Module) -> OrderedDict:
    """Drop pre-0.4 instance-norm statistics; add a missing ``num_batches_tracked`` (old BN)."""
    modules = dict(net.named_modules())
    for key in list(sd):
        path, _, leaf = key.rpartition(".")
        module = modules.get(path)
        if (
            isinstance(module, nn.InstanceNorm2d)
            and leaf in _STATS
            and not module.track_running_stats
        ):
            del sd[key]
    for path, module in modules.items():
        if isinstance(module, nn.BatchNorm2d) and f"{path}.running_mean" in sd:
            sd.setdefault(f"{path}.num_batches_tracked", torch.tensor(0, dtype=torch.long))
    return sd


def load_official_generator(
    checkpoint: str | os.PathLike | Mapping[str, Tensor],
    netG: str | None = None,
    norm: str | None = None,
    use_dropout: bool | None = None,
    input_nc: int | None = None,
    output_nc: int | None = None,
    ngf: int | None = None,
) -> nn.Module:
    """A generator with the weights of a reference-implementation checkpoint, in eval mode.

    Every option left ``None`` is read from the checkpoint (:func:`describe_checkpoint`); every
    option given is checked against it. Typical calls::

        G_A = load_official_generator("horse2zebra/latest_net_G_A.pth",
                                      netG="resnet_9blocks", norm="instance")
        G = load_official_generator("facades/latest_net_G.pth", netG="unet_256", norm="batch",
                                    use_dropout=True)

    The returned module is in ``eval()`` mode (batch norm uses its running statistics, no
    dropout). pix2pix's paper runs the generator at test time as in training (dropout on, batch
    statistics; pix2pix Sec. 3.3), which is ``.train()`` with gradients off.

    Args:
        checkpoint: path to a ``.pth`` file or a ``state_dict`` in the reference layout.
        netG: ``resnet_9blocks``, ``resnet_6blocks``, ``unet_256``, ``unet_128``, ...
        norm: ``"instance"`` (CycleGAN), ``"batch"`` (pix2pix), ``"none"``.
        use_dropout: whether the generator was built with dropout.
        input_nc / output_nc / ngf: image channels and width.

    Raises:
        FileNotFoundError: if the file does not exist.
        UnsafeCheckpointError: if the file holds more than data (see :func:`load_weights_file`).
        CheckpointMismatchError: if the checkpoint contradicts a given option; the message names
            every option that differs and the value to use.
        ValueError: if the checkpoint is not a reference generator.
    """
    sd = read_state_dict(checkpoint)
    info = describe_checkpoint(sd)
    problems = _mismatches(info, netG, norm, use_dropout, input_nc, output_nc, ngf)
    if problems:
        raise CheckpointMismatchError(
            "The checkpoint does not match the requested generator:\n- "
            + "\n- ".join(problems)
            + "\n(leave an option as None to take it from the checkpoint)."
        )
    with torch.device("meta"):  # no random initialisation: every tensor comes from the file
        net = build_generator_for(info, use_dropout)
    net = net.to_empty(device="cpu")
    sd = _patch_norm_entries(sd, net)
    expected = net.state_dict()
    missing = [k for k in expected if k not in sd]
    unexpected = [k for k in sd if k not in expected]
    wrong = [
        f"{k}: checkpoint {tuple(sd[k].shape)} vs model {tuple(v.shape)}"
        for k, v in expected.items()
        if k in sd and sd[k].shape != v.shape
    ]
    if missing or unexpected or wrong:
        raise ValueError(
            f"The checkpoint's layout differs from {info['netG']} in places its first layers do "
            f"not reveal: missing {missing[:5]}, unexpected {unexpected[:5]}, shapes {wrong[:5]}."
        )
    net.load_state_dict(sd, strict=True)
    return net.eval()
