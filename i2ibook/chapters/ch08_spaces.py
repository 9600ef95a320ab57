"""Identity and expression spaces: where pseudo-samples and translations lie (Ginger et al. 2019, Sec. 5).

The discussion of the implicit-pairs paper looks at the smile-removal task in two
representation spaces, each flattened to two dimensions by a PCA fitted on the whole dataset:

- the **space of identities** (features of a face-recognition network, OpenFace in the paper),
  which should not care whether a face smiles;
- the **space of expressions** (features of a smiling-vs-neutral classifier), which should.

Fig. 9 places the *training* samples there: real smiling faces (orange), real neutral faces
(black) and the pseudo-smiles M(b) (fuchsia). Fig. 10 places the *test translations* of the
models trained with each augmentation setting, fits an ellipse to each cloud and measures "the
Euclidean distance between the center of the ellipse of the real samples and the center of the
generated ones, as well as the average difference ratio between the major and minor axes"
(ours: 0.269 and 6 %; closest baseline: 1.172 and 11 %).

The book's stand-ins, named where they are built:

- identity: :func:`i2ilib.metrics.identity.synthfaces_identity_embedder` (128-d unit
  vectors; OpenFace in the paper, dlib's descriptor for real photos through
  :class:`i2ilib.metrics.dlib_faces.DlibFaceEmbedder`);
- expression: the flattened output of the last convolutional stage of
  :func:`i2ilib.metrics.attributes.face_attribute_classifier` (2048 numbers, the input of its
  linear head; the network classifies ``Eyeglasses`` and ``Smiling``);
- the PCA is fitted once on a fixed sample of SynthFaces with every attribute drawn at its
  default rate (:func:`reference_faces`), where the paper fits it on all of CelebA.

Everything here is plain numpy / torch and deterministic; the plots use matplotlib and the
explorer ipywidgets (the ``book`` extra).
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from i2ibook.verdicts import Effect, Verdict, decide, fmt_mean_std, paired_effect
from i2ilib.metrics.spaces import (
    Ellipse,
    Space,
    as_points,
    axis_difference_ratio,
    bootstrap_centre_distance,
    centre_distance,
    fit_ellipse,
)

__all__ = [
    "FIG9_COLOURS",
    "FIG10_CLAIM",
    "REFERENCE_SEED",
    "EllipseComparison",
    "Fig10Verdict",
    "Fig10a",
    "SpaceExplorer",
    "celeba_smile_samples",
    "compare_ellipses",
    "fig10_from_numbers",
    "fig10_sanity_failures",
    "fig10_verdict",
    "fig10a",
    "paper_fig10_effect",
    "plot_test_distributions",
    "plot_training_samples",
    "reference_faces",
    "reference_set",
]

#: Seed of the SynthFaces sample the PCA is fitted on (the year of the paper).
REFERENCE_SEED = 2019
#: Fig. 9's colours: smiling orange, neutral black, augmented (pseudo-samples) fuchsia.
FIG9_COLOURS: dict[str, str] = {"smiling": "orange", "neutral": "black", "augmented": "fuchsia"}



# ------------------------------------------------------------------------------------------
# embeddings










# ------------------------------------------------------------------------------------------
# PCA








def reference_set(n: int = 2000, size: int = 64, seed: int = REFERENCE_SEED):
    """The :class:`~i2ilib.data.synthfaces.SynthFacesSet` behind :func:`reference_faces`
    (with its attribute labels, e.g. to read what a principal component encodes).

    Raises:
        ValueError: if ``n`` is not a positive multiple of 4.
    """
    from i2ilib.data.synthfaces import make_synthfaces

    if n < 4 or n % 4:
        raise ValueError(f"n must be a positive multiple of 4 (four images per person), got {n}")
    return make_synthfaces(n // 4, 4, size=size, seed=seed)


def reference_faces(n: int = 2000, size: int = 64, seed: int = REFERENCE_SEED) -> Tensor:
    """The faces the PCA of both spaces is fitted on: ``n`` SynthFaces (``n / 4`` people, four
    images each), every attribute at its default rate (``Smiling`` 0.5, ``Eyeglasses`` 0.3,
    hats, bangs, make-up, open mouths, all poses), fixed ``seed``. The paper fits on all of
    CelebA; this sample plays that part.

    Returns:
        ``(n, 3, size, size)`` float32 in [-1, 1].

    Raises:
        ValueError: if ``n`` is not a positive multiple of 4.
    """
    from i2ilib.data.synthfaces import images_to_tensor

    return images_to_tensor(reference_set(n, size, seed).images)




# ------------------------------------------------------------------------------------------
# ellipses and the numbers of Fig. 10










@dataclass(frozen=True)
class EllipseComparison:
    """One generated cloud against the real one: its ellipse, the centre distance and the
    average axis difference ratio."""

    name: str
    ellipse: Ellipse
    centre_distance: float
    axis_ratio: float


def compare_ellipses(generated: Mapping[str, Ellipse], real: Ellipse) -> dict[str, EllipseComparison]:
    """:func:`centre_distance` and :func:`axis_difference_ratio` of every generated ellipse.

    Raises:
        ValueError: if ``generated`` is empty.
    """
    if not generated:
        raise ValueError("generated is empty: pass at least one setting's ellipse")
    return {k: EllipseComparison(k, e, centre_distance(e, real), axis_difference_ratio(e, real))
            for k, e in generated.items()}


#: Sec. 5's claim on Fig. 10 (a), in one space (the space's name is put in front).
FIG10_CLAIM = ("implicit pseudo-pairs bring the translations closest to the real neutral faces "
               "(Sec. 5, Fig. 10 (a))")


def paper_fig10_effect(space: str) -> float | None:
    """The paper's effect on Fig. 10 (a), oriented like :func:`fig10_verdict`'s: the relative
    reduction of the centre distance of ours against the closest baseline, ``(1.172 - 0.269) /
    1.172`` in the space of expressions (where the paper gives its numbers); None elsewhere."""
    from i2ibook.papers.ginger2019 import PAPER_FIG10

    if space != "expression":
        return None
    ours = PAPER_FIG10["ours"]["centre_distance"]
    base = PAPER_FIG10["closest baseline"]["centre_distance"]
    return (base - ours) / base


@dataclass(frozen=True)
class Fig10Verdict:
    """The paper's Fig. 10 (a) claim in one space, judged over the seeds in the book's
    vocabulary (:func:`i2ibook.verdicts.decide`).

    The effect is the relative reduction of the centre distance of ours against the closest
    baseline (the baseline with the smallest mean distance over the seeds),
    ``(d_baseline - d_ours) / d_baseline``, paired within seed (the settings of one seed share
    their data seed and test faces), with its 95 % interval over the seeds; the paper's effect
    is :func:`paper_fig10_effect` (a ratio of distances, so our PCA's scale does not matter).
    A model compared that fails its sanity check (chapter 07's ``sanity_failures``) makes the
    verdict *inconclusive* whatever the effect.

    Attributes:
        space: the space's name.
        verdict: the word; ``reason``: why (from :func:`~i2ibook.verdicts.decide`).
        effect: the paired effect (None when a baseline's distance is 0).
        distances: ``{setting: [centre distance per seed]}``; ``axis_ratios`` likewise.
        closest_baseline: the baseline with the smallest mean distance.
        rank: ours' rank by mean distance (1: nearest), of ``rank_of`` settings.
        failed_checks: the sanity-check failures that were passed in.
    """

    space: str
    verdict: str
    reason: str
    effect: Effect | None
    distances: dict[str, list[float]]
    axis_ratios: dict[str, list[float]]
    ours: str
    closest_baseline: str
    rank: int
    rank_of: int
    paper_effect: float | None = None
    failed_checks: tuple[str, ...] = ()

    @property
    def claim(self) -> str:
        return f"{self.space} space: {FIG10_CLAIM}"

    @property
    def evidence(self) -> str:
        o, b = self.ours, self.closest_baseline
        d, a = self.distances, self.axis_ratios
        n = len(d[o])
        digits = 3 if np.mean(d[o]) < 1 else 1
        parts = [(f"centre distance of ours {fmt_mean_std(d[o], digits)}, of the closest "
                 f"baseline ({b}) {fmt_mean_std(d[b], digits)} over {n} seed{'s' if n != 1 else ''}; axis "
                 f"difference {100 * np.mean(a[o]):.0f} % against {100 * np.mean(a[b]):.0f} %; "
                 f"ours ranks {self.rank} of {self.rank_of} by distance")]
        if self.effect is not None:
            parts.append(str(self.effect))
        parts.append(self.reason)
        return "; ".join(parts)

    def as_verdict(self) -> Verdict:
        """The claim, the word and the evidence as a :class:`~i2ibook.verdicts.Verdict`."""
        return Verdict(self.claim, self.verdict, self.evidence + ".", self.effect)


def fig10_verdict(distances: Mapping[str, Sequence[float]],
                  axis_ratios: Mapping[str, Sequence[float]] | None = None, ours: str = "ours",
                  space: str = "expression", paper_effect: float | None = None,
                  failed_checks: Sequence[str] = ()) -> Fig10Verdict:
    """Judge Sec. 5's claim that implicit pseudo-pairs bring the translations closest to the
    real neutral faces (:class:`Fig10Verdict` defines the effect and the rule).

    Args:
        distances: ``{setting: [centre distance per seed]}`` (:func:`centre_distance`, the
            seeds in the same order for every setting), ``ours`` and at least one baseline.
        axis_ratios: ``{setting: [average axis difference ratio per seed]}``, reported beside
            the distances (default: not given, shown as 0).
        ours: the key of the implicit pseudo-pairs setting.
        space: the space's name (for the claim).
        paper_effect: the paper's effect (:func:`paper_fig10_effect`); None: no number.
        failed_checks: one phrase per compared model that fails its sanity check.

    Raises:
        ValueError: if ``ours`` is missing, there is no baseline, the settings have different
            numbers of seeds, or a distance is negative or not finite.
    """
    if ours not in distances:
        raise ValueError(f"{ours!r} is not among the settings {sorted(distances)}")
    d = {k: [float(x) for x in v] for k, v in distances.items()}
    baselines = [k for k in d if k != ours]
    if not baselines:
        raise ValueError("need at least one baseline besides ours")
    if len({len(v) for v in d.values()}) != 1 or not d[ours]:
        raise ValueError(f"every setting needs the same seeds: {[len(v) for v in d.values()]}")
    if not all(np.isfinite(x) and x >= 0 for v in d.values() for x in v):
        raise ValueError(f"distances must be finite and >= 0, got {d}")
    a = {k: [float(x) for x in (axis_ratios or {}).get(k, [0.0] * len(d[ours]))] for k in d}
    means = {k: float(np.mean(v)) for k, v in d.items()}
    closest = min(baselines, key=means.get)
    o, b = np.array(d[ours]), np.array(d[closest])
    effect = paired_effect((b - o) / b, unit="%") if (b > 0).all() else None
    word, reason = decide(effect, paper_effect, failed_checks=list(failed_checks))
    rank = 1 + sum(means[k] < means[ours] for k in baselines)
    return Fig10Verdict(space, word, reason, effect, d, a, ours, closest, rank, len(d),
                        paper_effect, tuple(failed_checks))


@dataclass
class Fig10a:
    """Fig. 10 (a)'s numbers in one space over the seeds (:func:`fig10a`): the projections
    and ellipses of the first seed (the figure), the distances, intervals and axis ratios of
    every seed, and the verdict."""

    space: str
    seeds: list[int]
    generated: dict[str, np.ndarray]  # setting -> (N, 2) projected translations, first seed
    real: np.ndarray  # (N, 2) projected true counterparts, first seed
    comparisons: dict[str, EllipseComparison]  # first seed
    per_seed: dict[int, dict[str, EllipseComparison]]
    intervals: dict[int, dict[str, tuple[float, float]]]  # 90 % bootstrap over the test faces
    verdict: Fig10Verdict

    def numbers(self) -> dict[str, Any]:
        """The numbers behind the verdict, as plain JSON-able values (:func:`fig10a_numbers`
        reads them back)."""
        return {"seeds": list(self.seeds),
                "distances": {k: [self.per_seed[s][k].centre_distance for s in self.seeds]
                              for k in self.comparisons},
                "axis_ratios": {k: [self.per_seed[s][k].axis_ratio for s in self.seeds]
                                for k in self.comparisons},
                "intervals": {k: [list(self.intervals[s][k]) for s in self.seeds]
                              for k in self.comparisons}}


def _fig10a_from_points(name: str, generated: Mapping[int, Mapping[str, np.ndarray]],
                       real: Mapping[int, np.ndarray], ours: str,
                       failed_checks: Sequence[str]) -> Fig10a:
    seeds = list(generated)
    if not seeds or set(seeds) != set(real):
        raise ValueError(f"the translations and the truths need the same seeds, got {seeds} "
                         f"and {list(real)}")
    per_seed = {s: compare_ellipses({k: fit_ellipse(p) for k, p in generated[s].items()},
                                    fit_ellipse(real[s])) for s in seeds}
    intervals = {s: {k: bootstrap_centre_distance(p, real[s]) for k, p in generated[s].items()}
                 for s in seeds}
    fig = Fig10a(name, seeds, dict(generated[seeds[0]]), real[seeds[0]], per_seed[seeds[0]],
                 per_seed, intervals, None)  # type: ignore[arg-type]
    fig.verdict = fig10_from_numbers(fig.numbers(), name, ours, failed_checks)
    return fig


def fig10a(spaces: Mapping[str, Space], outputs: Mapping[int, Mapping[str, Tensor]],
           truths: Mapping[int, Tensor], ours: str = "ours",
           failed_checks: Sequence[str] = ()) -> dict[str, Fig10a]:
    """Sec. 5, Fig. 10 (a) over the seeds: project each seed's translations of its test faces
    and their true neutral counterparts into each space, fit the ellipses, measure the
    distances with a bootstrap interval per seed, and judge the claim over the seeds
    (:func:`compare_ellipses`, :func:`bootstrap_centre_distance`, :func:`fig10_verdict`).

    Args:
        spaces: ``{name: Space}`` (:func:`fit_space`).
        outputs: ``{seed: {setting: (N, 3, H, W)}}`` translations in [-1, 1], ``ours`` among
            the settings, the same settings for every seed.
        truths: ``{seed: (N, 3, H, W)}`` the true counterparts of that seed's N test faces.
        failed_checks: sanity-check failures of the compared models (see
            :class:`Fig10Verdict`).

    Returns:
        ``{space name: Fig10a}``.

    Raises:
        ValueError: if ``outputs`` is empty or its seeds differ from ``truths``'.
    """
    return {name: _fig10a_from_points(
        name, {s: {k: space.project(o) for k, o in by_setting.items()}
               for s, by_setting in outputs.items()},
        {s: space.project(t) for s, t in truths.items()}, ours, failed_checks)
        for name, space in spaces.items()}


#: The file in a chapter 07 run's folder that caches the projections of its test translations
#: (and of their true counterparts) in the book's two spaces (:func:`run_projections`).
PROJECTIONS_FILE = "spaces.json"
#: Bump when what :func:`run_projections` computes changes.
PROJECTIONS_VERSION = 1


@functools.lru_cache(maxsize=1)
def book_spaces() -> dict[str, Space]:
    """The book's two spaces (:data:`i2ilib.metrics.spaces.SPACE_NAMES`), fitted on
    :func:`reference_faces` (computed once per process: do not modify the result)."""
    from i2ilib.metrics.spaces import SPACE_NAMES, fit_space

    faces = reference_faces()
    return {n: fit_space(n, faces) for n in SPACE_NAMES}


def _projections_key(run: Any) -> dict[str, Any]:
    """What the cached projections depend on: their version, the reference sample of the PCA
    and everything chapter 07's scores depend on (configuration, generators, networks)."""
    from i2ibook.chapters.ch07_pseudo_pairs import _cache_key

    return {"version": PROJECTIONS_VERSION, "reference": [REFERENCE_SEED, 2000, 64],
            "run": _cache_key(run)}


def run_projections(run: Any, cache: bool = True) -> dict[str, dict[str, np.ndarray]]:
    """``{space: {"translations": (N, 2), "truth": (N, 2)}}``: a stored chapter 07 run's
    translations of its held-out test faces, and their true counterparts, projected into
    :func:`book_spaces`.

    With ``cache=True`` they are read from :data:`PROJECTIONS_FILE` in the run's folder when it
    was written for this run, these networks and this reference sample (a few kB), else
    computed and written there, as chapter 07 caches its scores.
    """
    from i2ibook.chapters.ch07_pseudo_pairs import _write_json_atomic
    from i2ibook.runner import build_test_data, translate

    path = Path(run.path) / PROJECTIONS_FILE
    key = _projections_key(run) if cache else None
    if cache and path.is_file():
        stored = json.loads(path.read_text())
        if stored.get("key") == key:
            return {sp: {k: np.asarray(v, dtype=np.float64) for k, v in by.items()}
                    for sp, by in stored["points"].items()}
    test_A, truth = build_test_data(run.config)
    outputs = translate(run, test_A, "A->B")
    points = {n: {"translations": sp.project(outputs), "truth": sp.project(truth)}
              for n, sp in book_spaces().items()}
    if not cache:
        return points
    _write_json_atomic(path, {"key": key, "points": {
        n: {k: np.round(v, 6).tolist() for k, v in by.items()} for n, by in points.items()}})
    return run_projections(run, cache=True)  # the rounded values, as a later read gives


def fig10a_from_runs(runs: Mapping[str, Sequence[Any]], ours: str = "ours",
                     failed_checks: Sequence[str] = (), cache: bool = True) -> dict[str, Fig10a]:
    """:func:`fig10a` on stored chapter 07 runs, from their cached projections
    (:func:`run_projections`): ``runs`` is ``{setting: [run per seed]}`` (the same seeds in
    the same order for every setting).

    Raises:
        ValueError: if the settings have different seeds, or the runs of one seed do not
            share their test faces (their true counterparts project differently).
    """
    seeds = [[int(r.config["trainer"]["seed"]) for r in rs] for rs in runs.values()]
    if not seeds or any(s != seeds[0] for s in seeds) or not seeds[0]:
        raise ValueError(f"every setting needs runs of the same seeds, got {seeds}")
    points = {k: [run_projections(r, cache) for r in rs] for k, rs in runs.items()}
    out = {}
    from i2ilib.metrics.spaces import SPACE_NAMES

    found = list(next(iter(points.values()))[0])
    for name in [n for n in SPACE_NAMES if n in found] + [n for n in found if n not in SPACE_NAMES]:
        generated, real = {}, {}
        for i, seed in enumerate(seeds[0]):
            real[seed] = points[ours][i][name]["truth"]
            for k, p in points.items():
                if not np.allclose(p[i][name]["truth"], real[seed], atol=1e-5):
                    raise ValueError(f"the seed-{seed} runs of {ours!r} and {k!r} do not share "
                                     "their test faces")
            generated[seed] = {k: p[i][name]["translations"] for k, p in points.items()}
        out[name] = _fig10a_from_points(name, generated, real, ours, failed_checks)
    return out


def fig10_sanity_failures(task: str = "smile_removal", scale: str = "book",
                          seeds: Sequence[int] | None = None,
                          results_dir: str | Path | None = None) -> list[str]:
    """The sanity-check failures (chapter 07's ``sanity_failures``: MSE to the truth against
    the unchanged and the blurred input, the task done judged with the truth) of the models
    Fig. 10 (a) compares: chapter 07's Table 4 settings of ``task``, over ``seeds`` (default:
    chapter 07's)."""
    from i2ibook.catalogue import PSEUDO_SEEDS
    from i2ibook.chapters import ch07_pseudo_pairs as ch07

    t4 = ch07.table4(task, scale, PSEUDO_SEEDS if seeds is None else seeds, results_dir)
    return [f for label, scores in t4.scores.items()
            for f in ch07.sanity_failures(label, scores, t4.baselines)]


def fig10_from_numbers(numbers: Mapping[str, Any], space: str, ours: str = "ours",
                       failed_checks: Sequence[str] = ()) -> Fig10Verdict:
    """:func:`fig10_verdict` from :meth:`Fig10a.numbers` (e.g. read back from a cache), with
    the paper's effect in ``space`` (:func:`paper_fig10_effect`)."""
    return fig10_verdict(numbers["distances"], numbers["axis_ratios"], ours, space,
                         paper_fig10_effect(space), failed_checks)


# ------------------------------------------------------------------------------------------
# figures


def plot_training_samples(projections: Mapping[str, Mapping[str, np.ndarray]],
                          axes: Sequence[Any] | None = None,
                          labels: Mapping[str, tuple[str, str]] | None = None,
                          max_points: int = 1000, seed: int = 0):
    """Fig. 9: training samples in each space, smiling orange, neutral black, augmented
    fuchsia (:data:`FIG9_COLOURS`).

    Args:
        projections: ``{space: {"smiling" | "neutral" | "augmented": (N, 2)}}``.
        axes: one matplotlib axis per space (default: a new row of them).
        labels: ``{space: (x label, y label)}``.
        max_points: at most this many points per group are drawn (a fixed random subset).

    Returns:
        the matplotlib Figure.

    Raises:
        ValueError: on an unknown group name or empty ``projections``.
    """
    import matplotlib.pyplot as plt

    if not projections:
        raise ValueError("projections is empty: give {space: {group: (N, 2)}}")
    if axes is None:
        fig, axes = plt.subplots(1, len(projections), figsize=(5.2 * len(projections), 4.6),
                                 squeeze=False)
        axes = list(axes[0])
    fig = axes[0].figure
    rng = np.random.default_rng(seed)
    for ax, (space, groups) in zip(axes, projections.items()):
        for g, pts in groups.items():
            if g not in FIG9_COLOURS:
                raise ValueError(f"unknown group {g!r}; use {', '.join(FIG9_COLOURS)}")
            p = as_points(pts, f"{space}/{g}", dim=2)
            if len(p) > max_points:
                p = p[rng.choice(len(p), max_points, replace=False)]
            ax.scatter(p[:, 0], p[:, 1], s=5, alpha=0.45, color=FIG9_COLOURS[g],
                       label=f"{g} ({len(pts)})", linewidths=0)
        ax.set_title(f"space of {'identities' if space == 'identity' else space + 's'}")
        if labels and space in labels:
            ax.set_xlabel(labels[space][0])
            ax.set_ylabel(labels[space][1])
        ax.legend(fontsize=8, markerscale=3)
    return fig


def plot_test_distributions(points: Mapping[str, np.ndarray], real: np.ndarray,
                            colours: Mapping[str, str], ax: Any = None, n_std: float = 2.0,
                            title: str = "", labels: tuple[str, str] | None = None,
                            real_label: str = "real neutral"):
    """Fig. 10: test translations of several models with their fitted ellipses, and the real
    target faces (black) with theirs.

    Args:
        points: ``{model: (N, 2)}`` projections of each model's test translations.
        real: ``(M, 2)`` projections of the true neutral test faces.
        colours: ``{model: colour}`` (Fig. 10 (a): ours cyan, baselines red; (b): pix2pix red,
            CycleGAN cyan).
        ax: a matplotlib axis (default: a new figure).
        n_std: ellipse size (:func:`fit_ellipse`).

    Returns:
        the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.4, 4.8))
    r = as_points(real, "real", dim=2, min_rows=3)
    ax.scatter(r[:, 0], r[:, 1], s=5, color="black", alpha=0.35, linewidths=0)
    ax.add_patch(fit_ellipse(r, n_std).patch(color="black", lw=2, label=real_label))
    styles = ["-", "--", ":", "-."]
    for j, (k, pts) in enumerate(points.items()):
        if k not in colours:
            raise ValueError(f"no colour for {k!r}; colours has {sorted(colours)}")
        p = as_points(pts, k, dim=2, min_rows=3)
        ax.scatter(p[:, 0], p[:, 1], s=5, color=colours[k], alpha=0.35, linewidths=0)
        ax.add_patch(fit_ellipse(p, n_std).patch(color=colours[k], lw=1.6,
                                                 ls=styles[j % len(styles)], label=k))
    ax.autoscale_view()
    ax.set_title(title, fontsize=10)
    if labels:
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
    ax.legend(fontsize=7, loc="best")
    return ax.figure


# ------------------------------------------------------------------------------------------
# interactive explorer


def _uint8_images(images: Any, name: str) -> np.ndarray:
    """``(N, 3, H, W)`` tensor in [-1, 1] or uint8 ``(N, H, W, 3)`` -> uint8 ``(N, H, W, 3)``."""
    if isinstance(images, torch.Tensor):
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"{name} must be (N, 3, H, W) in [-1, 1], got {tuple(images.shape)}")
        x = ((images.detach().cpu().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        return x.permute(0, 2, 3, 1).numpy()
    a = np.asarray(images)
    if a.ndim != 4 or a.shape[-1] != 3 or a.dtype != np.uint8:
        raise ValueError(f"{name} must be uint8 (N, H, W, 3) or a float tensor (N, 3, H, W), got "
                         f"{a.dtype} {a.shape}")
    return a


class SpaceExplorer:
    """Pick a setting and a space, pick a test face, and see where its translation lies
    (Fig. 10) next to the face, its translation and its true neutral counterpart.

    Args:
        points: ``{setting: {space: (N, 2)}}``: projections of each setting's translations
            of the N test faces (same order for every setting and space).
        real: ``{space: (N, 2)}``: projections of the true neutral counterparts.
        inputs: the N test faces (``(N, 3, H, W)`` in [-1, 1] or uint8 ``(N, H, W, 3)``).
        outputs: ``{setting: images}`` the translations, same layout and N.
        truths: the true neutral counterparts, same layout and N.
        colours: ``{setting: colour}`` of the scatter (default cyan for ``"ours"``, red else).

    Raises:
        ValueError: on missing settings or spaces, or mismatched numbers of faces.

    The logic and the static figure (:meth:`figure`) need no display; :meth:`widget` wraps
    them in ipywidgets: a setting menu, space buttons and a slider over the test faces.
    """

    def __init__(self, points: Mapping[str, Mapping[str, np.ndarray]],
                 real: Mapping[str, np.ndarray], inputs: Any, outputs: Mapping[str, Any],
                 truths: Any, colours: Mapping[str, str] | None = None) -> None:
        if not points:
            raise ValueError("points is empty: give {setting: {space: (N, 2)}}")
        self.inputs = _uint8_images(inputs, "inputs")
        self.truths = _uint8_images(truths, "truths")
        n = len(self.inputs)
        if len(self.truths) != n:
            raise ValueError(f"inputs and truths hold {n} and {len(self.truths)} faces; they "
                             "must be the same test faces")
        self.settings = list(points)
        self.spaces = list(real)
        if set(outputs) != set(self.settings):
            raise ValueError(f"outputs has settings {sorted(outputs)} but points has "
                             f"{sorted(self.settings)}")
        self.outputs = {k: _uint8_images(v, f"outputs[{k!r}]") for k, v in outputs.items()}
        self.real = {s: as_points(p, f"real[{s!r}]", dim=2, min_rows=n) for s, p in real.items()}
        self.points: dict[str, dict[str, np.ndarray]] = {}
        for k, by_space in points.items():
            missing = set(self.spaces) - set(by_space)
            if missing:
                raise ValueError(f"points[{k!r}] lacks the spaces {sorted(missing)}")
            self.points[k] = {s: as_points(by_space[s], f"points[{k!r}][{s!r}]", dim=2)
                              for s in self.spaces}
            for s, p in self.points[k].items():
                if len(p) != n:
                    raise ValueError(f"points[{k!r}][{s!r}] has {len(p)} rows for {n} faces")
            if len(self.outputs[k]) != n:
                raise ValueError(f"outputs[{k!r}] holds {len(self.outputs[k])} images for {n}")
        self.colours = dict(colours or {k: ("cyan" if k == "ours" else "red")
                                        for k in self.settings})
        self.setting, self.space, self.index = self.settings[0], self.spaces[0], 0

    def __len__(self) -> int:
        return len(self.inputs)

    def select(self, setting: str | None = None, space: str | None = None,
               index: int | None = None) -> None:
        """Change the selection (any of the three).

        Raises:
            ValueError: on an unknown setting or space, or an index out of range.
        """
        if setting is not None and setting not in self.settings:
            raise ValueError(f"unknown setting {setting!r}; choose one of {self.settings}")
        if space is not None and space not in self.spaces:
            raise ValueError(f"unknown space {space!r}; choose one of {self.spaces}")
        if index is not None and not 0 <= int(index) < len(self):
            raise ValueError(f"index must be in [0, {len(self) - 1}], got {index}")
        self.setting = setting or self.setting
        self.space = space or self.space
        self.index = self.index if index is None else int(index)

    def selected_point(self) -> np.ndarray:
        """``(2,)``: where the selected translation lies in the selected space."""
        return self.points[self.setting][self.space][self.index]

    def figure(self, setting: str | None = None, space: str | None = None,
               index: int | None = None):
        """A static matplotlib Figure of a selection: the scatter with the chosen translation
        ringed (and a line to its true counterpart), then input, translation and truth."""
        import matplotlib.pyplot as plt

        self.select(setting, space, index)
        fig = plt.figure(figsize=(10.5, 3.6))
        grid = fig.add_gridspec(1, 4, width_ratios=[2.2, 1, 1, 1])
        ax = fig.add_subplot(grid[0])
        i, s, k = self.index, self.space, self.setting
        r, p = self.real[s], self.points[k][s]
        ax.scatter(r[:, 0], r[:, 1], s=5, color="black", alpha=0.3, linewidths=0,
                   label="real neutral")
        ax.scatter(p[:, 0], p[:, 1], s=5, color=self.colours.get(k, "red"), alpha=0.5,
                   linewidths=0, label=k)
        ax.plot([p[i, 0], r[i, 0]], [p[i, 1], r[i, 1]], color="grey", lw=1)
        ax.scatter([r[i, 0]], [r[i, 1]], s=60, facecolors="none", edgecolors="black", lw=1.5)
        ax.scatter([p[i, 0]], [p[i, 1]], s=90, facecolors="none", edgecolors="blue", lw=2,
                   label=f"face {i}")
        ax.set_title(f"{k}, space of {'identities' if s == 'identity' else s + 's'}", fontsize=9)
        ax.legend(fontsize=7, loc="best")
        for j, (title, img) in enumerate((("input (smiling)", self.inputs[i]),
                                          (f"translation ({k})", self.outputs[k][i]),
                                          ("true neutral", self.truths[i]))):
            a = fig.add_subplot(grid[j + 1])
            a.imshow(img)
            a.set_title(title, fontsize=9)
            a.axis("off")
        fig.tight_layout()
        return fig

    def png(self) -> bytes:
        """The current selection's figure as PNG bytes (closed after rendering)."""
        import matplotlib.pyplot as plt

        fig = self.figure()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        plt.close(fig)
        return buf.getvalue()

    def widget(self) -> Any:
        """An ipywidgets ``VBox``: setting menu, space buttons, face slider, and the figure
        (re-drawn as a PNG on every change, so it needs no plotting backend).

        Raises:
            ImportError: if ipywidgets is missing (``pip install ipywidgets``).
        """
        try:
            import ipywidgets as w
        except ImportError:
            raise ImportError("SpaceExplorer.widget needs ipywidgets: pip install ipywidgets "
                              "(or pip install \"i2ilib[book]\"); figure() works without it"
                              ) from None
        setting = w.Dropdown(options=self.settings, value=self.setting, description="setting")
        space = w.ToggleButtons(options=self.spaces, value=self.space, description="space")
        index = w.IntSlider(value=self.index, min=0, max=len(self) - 1, description="test face",
                            continuous_update=False)
        image = w.Image(format="png", value=self.png())

        def update(_change: Any = None) -> None:
            self.select(setting.value, space.value, index.value)
            image.value = self.png()

        for c in (setting, space, index):
            c.observe(update, names="value")
        box = w.VBox([w.HBox([setting, space]), index, image])
        box.controls = {"setting": setting, "space": space, "index": index, "image": image}
        return box


# ------------------------------------------------------------------------------------------
# real CelebA


def celeba_smile_samples(root: str | Path, n: int = 500, size: int = 64, seed: int = 0,
                         split: str = "all") -> dict[str, np.ndarray]:
    """Fig. 9's three groups from real CelebA: ``n`` smiling faces, ``n`` neutral faces and
    ``n`` pseudo-smiles M(b) (:func:`i2ilib.data.pseudopairs.pseudo_smile`) made from other
    neutral faces with CelebA's own landmarks, as the paper builds its augmentation.

    Each image is centre-cropped to a square (CelebA's aligned 178 x 218 -> 178 x 178, the
    landmarks shifted with it), M(b) is applied at that resolution, and the result resized to
    ``size``. Works on any folder in CelebA's layout (:func:`i2ilib.data.celeba_format.
    read_celeba`), e.g. one written by :func:`~i2ilib.data.celeba_format.write_celeba`.

    Returns:
        ``{"smiling", "neutral", "augmented"}``: uint8 ``(n, size, size, 3)`` each.

    Raises:
        FileNotFoundError: if ``root`` is not a CelebA folder (the message says what to get).
        ValueError: if there are fewer than ``n`` smiling or ``2 n`` neutral faces.
    """
    from PIL import Image

    from i2ilib.data.celeba_format import read_celeba
    from i2ilib.data.pseudopairs import pseudo_smile

    ann = read_celeba(root)
    rows = ann.split_indices(split)
    smile = ann.column("Smiling")[rows] == 1
    smiling, neutral = rows[smile], rows[~smile]
    if len(smiling) < n or len(neutral) < 2 * n:
        raise ValueError(f"{root} has {len(smiling)} smiling and {len(neutral)} neutral faces in "
                         f"split {split!r}; need {n} and {2 * n} (lower n)")
    rng = np.random.default_rng(seed)
    pick_s = np.sort(rng.choice(smiling, n, replace=False))
    pick_n = rng.choice(neutral, 2 * n, replace=False)

    def crop(i: int) -> tuple[np.ndarray, np.ndarray]:
        img = ann.load_image(int(i))
        h, w = img.shape[:2]
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        lm = ann.landmarks[int(i)].astype(np.float64) - np.array([x0, y0])
        return np.ascontiguousarray(img[y0:y0 + side, x0:x0 + side]), lm

    def resize(img: np.ndarray) -> np.ndarray:
        if img.shape[0] == size:
            return img
        return np.asarray(Image.fromarray(img).resize((size, size), Image.BICUBIC))

    out = {"smiling": [resize(crop(i)[0]) for i in pick_s],
           "neutral": [resize(crop(i)[0]) for i in np.sort(pick_n[:n])], "augmented": []}
    for j, i in enumerate(np.sort(pick_n[n:])):
        img, lm = crop(i)
        fake, _ = pseudo_smile(img, lm, np.random.default_rng([seed, j]))
        out["augmented"].append(resize(fake))
    return {k: np.stack(v) for k, v in out.items()}
