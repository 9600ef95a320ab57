"""Atomic checkpoint files: a crash or a Colab disconnect in the middle of a save never leaves a
truncated checkpoint behind (write to a temporary file in the same folder, fsync, rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch


def atomic_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save(obj, path)`` such that ``path`` holds either the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint written by :func:`atomic_save`, with a clear error when it is missing
    or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}: train first, or pass the path of an "
                                "existing checkpoint file.")
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except Exception as exc:  # pragma: no cover - depends on how the file is broken
        raise ValueError(f"Checkpoint {path} cannot be read ({exc}); it may be corrupt or "
                         "written by another program.") from exc
