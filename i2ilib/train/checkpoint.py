"""Atomic, safely loaded checkpoint files.

Saving: a crash, a kill or a Colab disconnect in the middle of a save never leaves a truncated
checkpoint behind. The file is written to a temporary file next to it (``.NAME.PID-TOKEN.tmp``),
fsynced and renamed over ``NAME``; a temporary file that a killed process left behind is removed
by the next save. Files get the usual permissions (``0666`` less the umask), like any file the
process creates.

Loading: checkpoints are read with ``torch.load(weights_only=True)``, which builds tensors,
numbers, strings and containers only and never runs code stored in the file. Trainer checkpoints
of the earlier format also hold NumPy's random state as a NumPy array: exactly the NumPy types
that this needs are allowed while such a file is read, and nothing else.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

# A temporary file older than this is stale even when its process id names a live process (it
# may come from another machine sharing the folder, or from a reused process id).
_STALE_TMP_SECONDS = 3600.0


def atomic_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save(obj, path)`` such that ``path`` holds either the old or the new file.

    Temporary files that an earlier, killed save left next to ``path`` are removed first, and
    this save's own temporary file is removed whatever happens (error, ``KeyboardInterrupt``).
    The file's mode follows the umask (``0644`` with the usual umask ``022``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    renamed = False
    try:
        fd = os.open(tmp, flags, 0o666)  # the umask applies, as for open(path, "wb")
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        renamed = True
        _fsync_dir(path.parent)
    finally:
        if not renamed:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
    return path


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files that interrupted saves of ``path`` left behind.

    A temporary file is stale when the process that wrote it is gone (or, for files of another
    machine or the earlier naming without a process id, when it is over an hour old or has no
    process id). Returns the removed paths.
    """
    path = Path(path)
    removed = []
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        if _is_stale(tmp, path.name):
            try:
                tmp.unlink()
                removed.append(tmp)
            except FileNotFoundError:
                pass
    return removed


def _is_stale(tmp: Path, name: str) -> bool:
    middle = tmp.name[len(name) + 2:-len(".tmp")]
    pid_text, sep, _token = middle.partition("-")
    if not (sep and pid_text.isdigit()):
        return True  # the earlier naming (tempfile.mkstemp): no writer can still be running
    try:
        if time.time() - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
            return True
    except FileNotFoundError:
        return False
    pid = int(pid_text)
    if pid == os.getpid() or os.name == "nt":  # os.kill(pid, 0) would end a process on Windows
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by another user
        return False
    return False


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _legacy_numpy_globals() -> list:
    """The NumPy types a trainer checkpoint of the earlier format needs (NumPy's random state:
    a ``uint32`` array), under the names NumPy 1 and NumPy 2 pickle them with."""
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # NumPy 1
        from numpy.core.multiarray import _reconstruct
    allowed: list = [np.ndarray, np.dtype]
    if _torch_version() >= (2, 6):  # full names: files pickled by NumPy 1 and by NumPy 2
        allowed += [(_reconstruct, "numpy._core.multiarray._reconstruct"),
                    (_reconstruct, "numpy.core.multiarray._reconstruct")]
    else:
        allowed.append(_reconstruct)
    dtypes = getattr(np, "dtypes", None)
    if dtypes is not None and hasattr(dtypes, "UInt32DType"):
        allowed.append(dtypes.UInt32DType)
    return allowed


def _torch_version() -> tuple[int, int]:
    major, minor = torch.__version__.split(".")[:2]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


@contextmanager
def _legacy_numpy_allowed() -> Iterator[None]:
    """Allow exactly :func:`_legacy_numpy_globals` while one file is read (torch >= 2.5; older
    torch cannot allow them, and refuses earlier-format files with an explanation)."""
    if not hasattr(torch.serialization, "safe_globals"):
        yield
        return
    with torch.serialization.safe_globals(_legacy_numpy_globals()):
        yield


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint written by :func:`atomic_save` without running code stored in it.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is not a checkpoint that loads with ``weights_only=True`` (corrupt,
            truncated, or holding other Python objects); the message names the file, the reason
            and how to load a file you trust deliberately.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}: train first, or pass the path of an "
                                "existing checkpoint file.")
    try:
        with _legacy_numpy_allowed():
            return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:
        reason = str(exc)
        if "WeightsUnpickler error" in reason:  # keep torch's reason, drop its generic advice
            reason = reason.split("WeightsUnpickler error:", 1)[1].strip().split("\n\n")[0]
            reason = reason.split(" Please use `torch.serialization.")[0]  # not for unknown files
        raise ValueError(
            f"Checkpoint {path} cannot be loaded safely: {reason.strip()}\n"
            "Trainer checkpoints hold only tensors, numbers, strings and containers, and are read "
            "with torch.load(weights_only=True), which never runs code stored in a file. This "
            "file is corrupt, truncated, or holds other Python objects (loading it could run "
            "code). Delete it to start afresh, or point to another checkpoint. If you wrote the "
            "file yourself and trust it, load it deliberately with torch.load and its "
            "weights_only safeguard turned off, and save the parts you need again."
        ) from exc
