"""Chapter 09's short section on minimality: which of the many distribution-preserving mappings
a circular GAN finds (Benaim & Wolf's slides, "Minimality", Fig. 1; Galanti, Wolf & Benaim,
ICLR 2018).

**The example.** A and B are line segments in the plane with points uniform on each. Any map
that carries the uniform distribution on A to the uniform distribution on B satisfies the GAN
terms exactly, and there are infinitely many: along the segments (position ``t`` in [0, 1]) every
measure-preserving map of [0, 1] will do. "Only two stand out as semantic", ``t -> t`` and
``t -> 1 - t``, and these are exactly the mappings that ``h(x) = sigma_a(W x + b)``, two Leaky
ReLU units, can capture (the slide's caption). The reason is short: each output coordinate of
``h`` is a monotone, continuous function of ``t``, and a continuous monotone map of [0, 1] onto
itself that keeps the uniform distribution is ``t`` or ``1 - t``.

**The geometry** (:data:`SEGMENT_A`, :data:`SEGMENT_B`). A runs from (2, 4) to (4, 2), B parallel
to it from (0.5, 2.5) to (2.5, 0.5), so that ``t -> t`` draws parallel rungs from A to B and
``t -> 1 - t`` rungs that all cross in the middle. Swapping the x and y axes maps B onto itself
with its ends exchanged, and swapping a network's two outputs leaves the distribution of its
random start unchanged (for ``h`` and for an MLP alike; the other networks absorb the swap in
their inputs), so neither orientation is favoured, and which of the two a seed finds is its own
coin toss.

- :data:`CANDIDATE_MAPS` and :func:`candidate_properties` -- four maps that all keep the
  distribution (two semantic, the halves swapped, a fold), with what each needs.
- :func:`minimality_configs` -- the two circular GANs of the section at each scale.
- :func:`mapping_found` -- which mapping each seed's ``G_AB`` is, measured on test points of A.
- :func:`plot_mapping`, :class:`MappingExplorer` -- the pictures (a slider over training steps).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr

from i2ibook.scale import pick
from i2ibook.widgets import require_ipywidgets
from i2ilib.data.toy2d import segment_points, segment_position
from i2ilib.train.circular_points import CircularPointsConfig, CircularPointsRun
from i2ilib.viz import figure_png

#: Domain A: the segment from (2, 4) to (4, 2), parallel to B.
SEGMENT_A = ((2.0, 4.0), (4.0, 2.0))
#: Domain B: the segment from (0.5, 2.5) to (2.5, 0.5), symmetric under swapping x and y. Both
#: lie in the positive quadrant, where the Leaky ReLU is the identity.
SEGMENT_B = ((0.5, 2.5), (2.5, 0.5))

#: Maps of positions along the segments, t in [0, 1] -> t' in [0, 1]; each keeps the uniform
#: distribution (the two semantic ones, the two halves exchanged, and a fold).
CANDIDATE_MAPS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "t → t": lambda t: t,
    "t → 1 − t": lambda t: 1.0 - t,
    "halves swapped": lambda t: (t + 0.5) % 1.0,
    "folded": lambda t: 1.0 - np.abs(2.0 * t - 1.0),
}
SEMANTIC = ("t → t", "t → 1 − t")

#: |Spearman correlation| between positions on A and on B above which a mapping is one of the
#: two semantic ones (a monotone map has 1 exactly).
RHO_SEMANTIC = 0.99
#: A mapping *fits B* when its outputs are uniform along B to within this Wasserstein-1 distance
#: (in units of B's length) and lie this close to B's line on average (same units).
FIT_W1 = 0.05
FIT_OFF = 0.05


@dataclass(frozen=True)
class MapProperties:
    """What one candidate map is: does it keep the distribution, undo, and fit in ``h``?"""

    name: str
    w1_to_uniform: float  # Wasserstein-1 distance of the mapped sample to the uniform on [0, 1]
    one_to_one: bool  # an inverse exists, so a cycle loss can reach 0
    monotone: bool  # t' never goes back along B as t moves along A
    continuous: bool  # no jump between neighbouring points

    @property
    def fits_minimal_network(self) -> bool:
        """Only a continuous monotone map can be ``sigma_a(W x + b)`` along a segment."""
        return self.monotone and self.continuous


def w1_to_uniform(t: np.ndarray) -> float:
    """Wasserstein-1 distance between the sample ``t`` (n,) and the uniform distribution on
    [0, 1]: the mean gap between the sorted sample and the uniform quantiles ``(i + 0.5) / n``."""
    t = np.sort(np.asarray(t, dtype=np.float64).ravel())
    return float(np.abs(t - (np.arange(t.size) + 0.5) / t.size).mean())


def candidate_properties(n: int = 20_000, seed: int = 0) -> list[MapProperties]:
    """Every :data:`CANDIDATE_MAPS` entry measured: the distance of ``n`` mapped uniform
    positions to the uniform distribution, and on a grid of 10 000 positions whether the map is
    one-to-one, monotone and continuous (no step larger than 0.01)."""
    t = np.random.default_rng(seed).random(n)
    grid = np.arange(10_000) / 10_000  # positions in [0, 1), as segment_points draws them
    out = []
    for name, f in CANDIDATE_MAPS.items():
        v = f(grid)
        steps = np.diff(v)
        out.append(MapProperties(
            name=name,
            w1_to_uniform=w1_to_uniform(f(t)),
            one_to_one=bool(np.unique(np.round(v, 9)).size == v.size),
            monotone=bool((steps >= 0).all() or (steps <= 0).all()),
            continuous=bool(np.abs(steps).max() < 0.01)))
    return out


def minimality_configs(scale: str) -> dict[str, CircularPointsConfig]:
    """The section's two circular GANs: the minimal translator ``sigma_a(W x + b)`` and an MLP
    (two hidden layers of 32 units) that could fold a segment.

    Learning rates from pilots on eight seeds: at 3e-3 the minimal translator had not spread
    over the whole of B after 2000 steps on four seeds (on two after 3000 steps; its six
    weights move slowly); at 6e-3 every seed had. The MLP fits B on every seed at 3e-3 in 1000
    steps.
    """
    seeds = tuple(range(pick(scale, smoke=2, book=8, paper=8)))
    steps = pick(scale, smoke=200, book=2000, paper=4000)
    every = max(steps // 8, 1)
    return {
        "σ_a(Wx + b), 2 units": CircularPointsConfig(
            translator="minimal", lr=6e-3, steps=steps, seeds=seeds, snapshot_every=every),
        "MLP, 2 × 32 units": CircularPointsConfig(
            translator="mlp", lr=3e-3, steps=steps // 2, seeds=seeds,
            snapshot_every=max(every // 2, 1)),
    }


@dataclass(frozen=True)
class MappingFound:
    """One seed's ``G_AB`` measured on test points of A."""

    seed: int
    rho: float  # Spearman correlation between positions on A and on B
    w1: float  # outputs' positions along B against the uniform distribution
    off: float  # mean distance of the outputs to B's line, in units of B's length

    @property
    def mapping(self) -> str:
        """``t → t``, ``t → 1 − t`` or ``other``."""
        if self.rho >= RHO_SEMANTIC:
            return SEMANTIC[0]
        if self.rho <= -RHO_SEMANTIC:
            return SEMANTIC[1]
        return "other"

    @property
    def fits_B(self) -> bool:
        return self.w1 <= FIT_W1 and self.off <= FIT_OFF


def mapping_found(run: CircularPointsRun, n: int = 2000, seed: int = 99) -> list[MappingFound]:
    """Each seed's mapping, on ``n`` test points of A (their own seed, never a training batch)."""
    a, t_A = segment_points(n, *SEGMENT_A, seed=seed)
    t_B, off = segment_position(run.translate_AB(a), *SEGMENT_B)  # (K, n) each
    length = float(np.hypot(*np.subtract(SEGMENT_B[1], SEGMENT_B[0])))
    out = []
    for k, s in enumerate(run.config.seeds):
        # a collapse to one point has no order along B: no correlation rather than undefined
        rho = float(spearmanr(t_A.numpy(), t_B[k].numpy())[0]) if t_B[k].std() > 0 else 0.0
        out.append(MappingFound(seed=s, rho=rho, w1=w1_to_uniform(t_B[k].numpy()),
                                off=float(off[k].mean()) / length))
    return out


# ------------------------------------------------------------------------------------------
# pictures


def plot_mapping(ax: Any, probe_t: np.ndarray, mapped: np.ndarray, title: str = "",
                 every: int = 4) -> None:
    """Segments A (grey) and B (black), and a line from every ``every``-th probe point of A to
    its image, both coloured by the position along A (dark at t = 0, yellow at t = 1)."""
    import matplotlib.pyplot as plt

    p0, p1 = (np.asarray(p) for p in SEGMENT_A)
    a = p0 + np.asarray(probe_t)[:, None] * (p1 - p0)
    mapped = np.asarray(mapped)
    colours = plt.get_cmap("viridis")(np.asarray(probe_t))
    for ((x0, y0), (x1, y1)), colour in ((SEGMENT_A, "0.6"), (SEGMENT_B, "k")):
        ax.plot([x0, x1], [y0, y1], color=colour, lw=3, zorder=1)
    for i in range(0, len(a), every):
        ax.plot([a[i, 0], mapped[i, 0]], [a[i, 1], mapped[i, 1]], color=colours[i], lw=0.8,
                alpha=0.7, zorder=2)
    ax.scatter(mapped[:, 0], mapped[:, 1], c=colours, s=6, zorder=3)
    ax.text(*SEGMENT_A[1], " A", va="bottom", fontsize=8)
    ax.text(*SEGMENT_B[0], "B ", ha="right", fontsize=8)
    ax.set_xlim(-0.2, 4.4)
    ax.set_ylim(-0.2, 4.4)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def candidate_figure(n_probe: int = 64) -> Any:
    """The four :data:`CANDIDATE_MAPS` drawn from A to B: a figure of four panels."""
    import matplotlib.pyplot as plt

    t = (np.arange(n_probe) + 0.5) / n_probe
    q0, q1 = (np.asarray(p) for p in SEGMENT_B)
    fig, axes = plt.subplots(1, len(CANDIDATE_MAPS), figsize=(2.4 * len(CANDIDATE_MAPS), 2.6))
    for ax, (name, f) in zip(axes, CANDIDATE_MAPS.items(), strict=True):
        plot_mapping(ax, t, q0 + f(t)[:, None] * (q1 - q0), name, every=2)
    fig.tight_layout()
    return fig


class MappingExplorer:
    """Which mapping each seed's ``G_AB`` reaches, step by step: a translator menu, a seed
    slider and a training-step slider over the snapshots of :class:`CircularPointsRun`.

    :meth:`figure` needs no display (the rendered book's stand-in); :meth:`widget` wraps it in
    ipywidgets.
    """

    def __init__(self, runs: dict[str, CircularPointsRun]):
        if not runs:
            raise ValueError("MappingExplorer needs at least one run")
        self.runs = runs
        self.translator = next(iter(runs))
        self.seed = runs[self.translator].config.seeds[0]
        self.step = max(runs[self.translator].snapshots)

    def steps(self, translator: str) -> list[int]:
        return sorted(self.runs[translator].snapshots)

    def select(self, translator: str, seed: int, step: int | None = None) -> None:
        """Choose what :meth:`figure` draws (the last snapshot when ``step`` is None or not one
        of this translator's snapshots)."""
        run = self.runs[translator]
        if seed not in run.config.seeds:
            raise ValueError(f"seed {seed} is not one of {run.config.seeds}")
        steps = self.steps(translator)
        self.translator, self.seed = translator, seed
        self.step = step if step in steps else steps[-1]

    def figure(self, translator: str | None = None, seed: int | None = None,
               step: int | None = None) -> Any:
        """One panel: the chosen seed's ``G_AB`` on the probe points at the chosen step."""
        import matplotlib.pyplot as plt

        if translator is not None or seed is not None or step is not None:
            self.select(translator or self.translator, self.seed if seed is None else seed, step)
        run = self.runs[self.translator]
        k = run.config.seeds.index(self.seed)
        fig, ax = plt.subplots(figsize=(3.4, 3.4))
        plot_mapping(ax, run.probe_t.numpy(), run.snapshots[self.step][k].numpy(),
                     f"{self.translator}\nseed {self.seed}, step {self.step}")
        fig.tight_layout()
        return fig

    def png(self) -> bytes:
        """The current selection's figure as PNG bytes (closed after rendering)."""
        return figure_png(self.figure(), dpi=90)

    def widget(self) -> Any:
        """An ipywidgets ``VBox``: translator menu, seed and step sliders, and the figure
        (re-drawn as a PNG on every change).

        Raises:
            ImportError: if ipywidgets is missing (``pip install ipywidgets``).
        """
        w = require_ipywidgets("MappingExplorer.widget", "figure() works")
        translator = w.Dropdown(options=list(self.runs), value=self.translator,
                                description="translator")
        seeds = list(self.runs[self.translator].config.seeds)
        seed = w.SelectionSlider(options=seeds, value=self.seed, description="seed")
        step = w.SelectionSlider(options=self.steps(self.translator), value=self.step,
                                 description="step", continuous_update=False)
        image = w.Image(format="png", value=self.png())

        def update(_change: Any = None) -> None:
            steps = self.steps(translator.value)
            if list(step.options) != steps:
                step.options = steps
            self.select(translator.value, seed.value, step.value)
            image.value = self.png()

        for c in (translator, seed, step):
            c.observe(update, names="value")
        box = w.VBox([translator, w.HBox([seed, step]), image])
        box.controls = {"translator": translator, "seed": seed, "step": step, "image": image}
        return box


def found_figure(runs: dict[str, CircularPointsRun], seeds: Sequence[int] | None = None) -> Any:
    """Every run's final ``G_AB``: a row per translator, a column per seed."""
    import matplotlib.pyplot as plt

    names = list(runs)
    seeds = list(seeds if seeds is not None else runs[names[0]].config.seeds)
    fig, axes = plt.subplots(len(names), len(seeds), figsize=(1.9 * len(seeds), 2.1 * len(names)),
                             squeeze=False)
    for row, name in enumerate(names):
        run = runs[name]
        last = run.snapshots[max(run.snapshots)]
        found = {m.seed: m for m in mapping_found(run)}
        for col, s in enumerate(seeds):
            k = run.config.seeds.index(s)
            plot_mapping(axes[row, col], run.probe_t.numpy(), last[k].numpy(),
                         f"seed {s}: {found[s].mapping}", every=4)
        axes[row, 0].set_ylabel(name, fontsize=9)
    fig.tight_layout()
    return fig


def minimal_map_by_hand(reverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """``(W, b)`` with ``sigma_a(W x + b)`` carrying A onto B exactly: ``t -> t`` (or
    ``t -> 1 - t`` with ``reverse``). The affine map sends A's ends to B's (or to B's ends
    exchanged) and keeps the direction across A; B lies in the positive quadrant, where
    ``sigma_a`` is the identity, so ``h`` is the affine map there. For the section's segments
    ``t -> t`` is the shift by (-1.5, -1.5) (``W`` the identity) and ``t -> 1 - t`` the mirror
    in the diagonal, then the same shift (``W`` swaps the coordinates)."""
    p0, p1 = (torch.tensor(p) for p in SEGMENT_A)
    q0, q1 = (torch.tensor(p) for p in SEGMENT_B)
    if reverse:
        q0, q1 = q1, q0
    along = p1 - p0
    across = torch.stack([-along[1], along[0]])
    # W [along, across] = [q1 - q0, across]
    W = torch.stack([q1 - q0, across], dim=1) @ torch.linalg.inv(torch.stack([along, across], 1))
    b = q0 - W @ p0
    return W, b
