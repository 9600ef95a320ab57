"""Pictures: labelled image grids (input | output | target), framed single images, label maps
in colour, loss curves, and a figure as PNG bytes for widgets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor


def to_image(x: Tensor | np.ndarray) -> np.ndarray:
    """One image for display: ``(C, H, W)`` tensor in [-1, 1] (or ``(H, W, C)`` uint8 array) ->
    ``(H, W, 3)`` float array in [0, 1]. Grayscale is repeated to RGB."""
    if isinstance(x, torch.Tensor):
        x = x.detach().float().cpu()
        if x.dim() != 3:
            raise ValueError(f"Expected one image (C, H, W), got shape {tuple(x.shape)}.")
        arr = ((x.clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()
    else:
        arr = np.asarray(x)
        arr = arr.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else arr.astype(np.float32)
        if arr.ndim == 2:
            arr = arr[..., None]
    if arr.shape[-1] == 1:
        arr = np.repeat(arr, 3, axis=-1)
    if arr.shape[-1] != 3:
        raise ValueError(f"Cannot display an image with {arr.shape[-1]} channels.")
    return np.clip(arr, 0.0, 1.0)


def colour_labels(ids: Tensor, n_classes: int) -> Tensor:
    """Segmentation class ids as a picture: SynthScenes' palette for up to its 12 classes, SUN
    RGB-D's for its 13 (:data:`i2ilib.data.sunrgbd.PALETTE`), grey levels for more; an id outside
    ``[0, n_classes)`` (an unlabelled pixel, 255) is black.

    Shapes: ``(N, H, W)`` integer ids -> ``(N, 3, H, W)`` float32 in [-1, 1].
    """
    from i2ilib.data.sunrgbd import PALETTE as SUN_PALETTE
    from i2ilib.data.synthscenes import PALETTE

    ids = ids.long()
    known = (ids >= 0) & (ids < n_classes)
    if n_classes <= len(PALETTE):
        palette = PALETTE
    elif n_classes == len(SUN_PALETTE):
        palette = SUN_PALETTE
    else:  # more classes than colours: grey levels
        g = torch.where(known, ids.float() / max(n_classes - 1, 1) * 2 - 1, -1.0)
        return g.unsqueeze(1).expand(-1, 3, -1, -1)
    colours = torch.from_numpy(np.asarray(palette, dtype=np.float32)) / 127.5 - 1
    rgb = torch.where(known.unsqueeze(-1), colours[torch.where(known, ids, 0)], -1.0)
    return rgb.permute(0, 3, 1, 2).contiguous()


def image_grid(
    columns: Mapping[str, Tensor | Sequence],
    max_rows: int = 8,
    title: str | None = None,
    cell_inches: float = 1.6,
):
    """A figure with one labelled column per entry of ``columns``.

    Args:
        columns: e.g. ``{"input A": A, "output G(A)": fake_B, "target B": B}``, each an
            ``(N, C, H, W)`` tensor in [-1, 1] (or a list of images); all with the same N.
        max_rows: show at most this many rows.

    Returns:
        A matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt

    if not columns:
        raise ValueError("image_grid needs at least one column.")
    names = list(columns)
    counts = {len(columns[k]) for k in names}
    if len(counts) != 1:
        raise ValueError(f"All columns need the same number of images, got "
                         f"{ {k: len(columns[k]) for k in names} }.")
    n = min(counts.pop(), max_rows)
    fig, axes = plt.subplots(n, len(names), figsize=(cell_inches * len(names), cell_inches * n),
                             squeeze=False)
    for j, name in enumerate(names):
        for i in range(n):
            ax = axes[i, j]
            ax.imshow(to_image(columns[name][i]), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(name, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def show_image(
    ax,
    image: Tensor | np.ndarray,
    title: str | None = None,
    colour=None,
    size: float = 8,
):
    """Draw one image on ``ax`` without ticks, with an optional title and a coloured frame.

    Args:
        ax: a matplotlib ``Axes``.
        image: ``(H, W, C)`` uint8 array or ``(C, H, W)`` tensor in [-1, 1] (see
            :func:`to_image`).
        title: drawn above the image in font size ``size``.
        colour: any matplotlib colour: the image gets a frame of that colour (3 pt); ``None``
            draws no frame at all.

    Returns:
        ``ax``.
    """
    ax.imshow(to_image(image), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=size)
    for spine in ax.spines.values():
        spine.set_visible(colour is not None)
        if colour is not None:
            spine.set_edgecolor(colour)
            spine.set_linewidth(3)
    return ax


def save_grid(columns: Mapping[str, Tensor], path: str | Path, **kwargs) -> Path:
    """:func:`image_grid` written to a PNG file (the figure is closed)."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = image_grid(columns, **kwargs)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def figure_png(fig, dpi: int = 90) -> bytes:
    """A matplotlib figure as PNG bytes, the figure closed (what an ipywidgets ``Image`` shows)."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Moving average over ``window`` steps (shorter at the start)."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(v) == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    out = np.empty_like(v)
    for i in range(len(v)):
        lo = max(0, i + 1 - window)
        out[i] = (c[i + 1] - c[lo]) / (i + 1 - lo)
    return out


def plot_losses(
    history: Sequence[Mapping[str, float]],
    keys: Sequence[str] | None = None,
    window: int = 20,
    ax=None,
    title: str | None = None,
):
    """Loss curves from a trainer's history (one dict per step), smoothed over ``window`` steps.

    Returns:
        The matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    if not history:
        raise ValueError("The history is empty: train for at least one step first.")
    if keys is None:
        keys = [k for k in history[0] if k not in ("step", "epoch")]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    steps = [h["step"] for h in history]
    for k in keys:
        ax.plot(steps, smooth([h[k] for h in history], window), label=k, lw=1.2)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return ax
