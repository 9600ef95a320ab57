"""The trained networks shipped with the package: their weights and records in ``i2ilib/assets``.

Each shipped network (the offline feature net :mod:`.synthnet`, the identity embedder
:mod:`.identity`, the FCN-score segmenter :mod:`.segnet`) is stored the same way, by its
training script (``python -m i2ilib.metrics.train_*``):

- ``<name>.pt``: the state dict in float16 (half the size; loaded back as float32), plus an
  entry ``"_meta"``, a dict of the integer constructor arguments that rebuild the architecture
  (``width``, ``dim``, ...);
- ``<name>.json``: the record of how the weights were made (data, seed, epochs, held-out scores),
  written with ``indent=1`` and a final newline.

This module reads and writes that format; the network modules add the architecture.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn

#: Package folder that holds the shipped weights and records.
ASSET_DIR = "assets"
#: Key of the constructor arguments inside a saved state dict.
META_KEY = "_meta"

NetT = TypeVar("NetT", bound=nn.Module)


def _missing(name: str, script: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"i2ilib/{ASSET_DIR}/{name} is missing. Reinstall i2ilib, or train the weights with: "
        f"python -m {script}"
    )


def read_record(record_name: str, script: str) -> dict:
    """The JSON record shipped next to a network's weights, e.g. ``read_record("synthid_v1.json",
    "i2ilib.metrics.train_identity")``.

    Args:
        record_name: file name inside ``i2ilib/assets``.
        script: module that writes the record (named in the error message).

    Raises:
        FileNotFoundError: if the record is not in the installed package.
    """
    path = resources.files("i2ilib") / ASSET_DIR / record_name
    if not path.is_file():
        raise _missing(record_name, script)
    return json.loads(path.read_text())


def load_state(weights_name: str, weights_path: str | Path | None = None,
               script: str = "i2ilib.metrics.train_features",
               ) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
    """Read a state dict saved by :func:`save_state`, on the CPU.

    Args:
        weights_name: file name of the shipped weights inside ``i2ilib/assets``.
        weights_path: a file written by the training script instead; default: the shipped copy.
        script: the training module (``python -m <script>`` is named in the error message).

    Returns:
        ``(state, meta)``: the state dict with floating-point tensors converted to float32, and
        the constructor arguments stored under ``"_meta"`` as ints (``{}`` if there are none).

    Raises:
        FileNotFoundError: if the weights are missing; the message names the training script.
    """
    if weights_path is None:
        res = resources.files("i2ilib") / ASSET_DIR / weights_name
        if not res.is_file():
            raise _missing(weights_name, script)
        with resources.as_file(res) as p:
            state = torch.load(p, map_location="cpu", weights_only=True)
    else:
        try:
            state = torch.load(weights_path, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"No weights at {weights_path}. Train them with: python -m {script} --out-dir DIR"
            ) from None
    meta = state.pop(META_KEY, None) or {}
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    return state, {k: int(v) for k, v in meta.items()}


def frozen(net: NetT) -> NetT:
    """``net`` in eval mode with gradients off for all parameters (returned for chaining)."""
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def load_frozen(build: Callable[..., NetT], weights_name: str,
                weights_path: str | Path | None = None,
                script: str = "i2ilib.metrics.train_features") -> NetT:
    """Rebuild a network with ``build(**meta)``, load its weights (:func:`load_state`) and
    freeze it (:func:`frozen`): eval mode, CPU, float32, gradients off.

    Raises:
        FileNotFoundError: as :func:`load_state`.
    """
    state, meta = load_state(weights_name, weights_path, script)
    net = build(**meta)
    net.load_state_dict(state)
    return frozen(net)


def save_state(net_state: Mapping[str, torch.Tensor], meta: Mapping[str, int], record: dict,
               out_dir: str | Path, weights_name: str, record_name: str) -> Path:
    """Write ``out_dir/weights_name`` (float16 state dict + ``"_meta"``) and
    ``out_dir/record_name`` (the JSON record), creating ``out_dir`` if needed.

    Args:
        net_state: the network's ``state_dict()``; floating-point tensors are stored as float16.
        meta: integer constructor arguments that rebuild the architecture.
        record: JSON-serialisable description of the training and validation.

    Returns:
        The path of the weights file (load it with the network's loader, ``weights_path=...``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state: dict = {k: v.half() if v.is_floating_point() else v for k, v in net_state.items()}
    state[META_KEY] = {k: int(v) for k, v in meta.items()}
    torch.save(state, out / weights_name)
    (out / record_name).write_text(json.dumps(record, indent=1) + "\n")
    return out / weights_name
