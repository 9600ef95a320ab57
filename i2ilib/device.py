"""Device selection and a friendly GPU check for notebooks."""

from __future__ import annotations

import platform

import torch


def select_device(preference: str | None = None) -> torch.device:
    """Pick ``cuda`` if available, else Apple ``mps``, else ``cpu``.

    Args:
        preference: ``"auto"``/``None`` for automatic choice, or an explicit device string.

    Raises:
        RuntimeError: if an explicit CUDA/MPS device is asked for but not available.
    """
    if preference in (None, "", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    dev = torch.device(preference)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            f"Device {preference!r} was requested but CUDA is not available. On Colab choose "
            "Runtime > Change runtime type > GPU; elsewhere use device='auto' or 'cpu'."
        )
    if dev.type == "mps" and not (
        getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    ):
        raise RuntimeError(f"Device {preference!r} was requested but Apple MPS is not available.")
    return dev


def describe_hardware(device: torch.device | None = None) -> str:
    """A one-line description of the hardware, stored with every result."""
    device = device or select_device()
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return f"mps: {platform.machine()}"
    threads = torch.get_num_threads()
    return f"cpu: {platform.processor() or platform.machine()} ({threads} threads)"


def gpu_check(scale: str = "book") -> torch.device:
    """Print which device the notebook will use and what that means for run time."""
    dev = select_device()
    if dev.type == "cuda":
        print(f"Using GPU: {torch.cuda.get_device_name(dev)}. Every scale runs here.")
    elif dev.type == "mps":
        print("Using Apple GPU (mps). Book scale runs comfortably.")
    else:
        msg = "No GPU found: using the CPU.\n"  # short lines: they are printed on the book's pages
        if scale == "paper":
            msg += ("Paper scale needs a GPU (hours on a CPU). On Colab: Runtime >\n"
                    "Change runtime type > GPU, then re-run this cell.")
        else:
            msg += "That is fine at this scale: stored book-scale runs load in seconds."
        print(msg)
    return dev
