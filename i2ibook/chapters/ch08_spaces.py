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
(ours: 0.269 and 6 %; closest baseline: 1.172 and 11 %). Fig. 10 (b) does the same for pix2pix
and CycleGAN trained on a completely pseudo-paired set. The paper gives numbers only for
Fig. 10 (a), in one space; for Fig. 9, Fig. 10 (b) and the space of identities it gives only
the figures and its reading of them, which the verdicts here judge
(:func:`fig9_verdict`, :func:`fig10_verdict`, :func:`fig10b_verdict`) and say so.

The projections of the stored runs are cached in their folders (:func:`run_projections`,
:func:`training_projections`; :func:`cache_projections` writes them all), so the reproduction
page reads them without the generators' weights.

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
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from i2ibook.verdicts import Effect, FigureOnly, Verdict, decide, fmt_mean_std, paired_effect
from i2ibook.widgets import require_ipywidgets
from i2ilib.metrics.spaces import (
    Ellipse,
    Space,
    as_points,
    axis_difference_ratio,
    bootstrap_centre_distance,
    bootstrap_interval,
    centre_distance,
    fit_ellipse,
    fraction_outside,
    mahalanobis_separation,
)
from i2ilib.viz import figure_png

__all__ = [
    "FIG9_COLOURS",
    "FIG9_EFFECTS",
    "FIG9_GROUPS",
    "FIG10B_COLOURS",
    "FIG10B_MODELS",
    "FIG10B_SPACE",
    "FIG10_CLAIM",
    "PROJECTIONS_FILE",
    "REFERENCE_SEED",
    "TRAINING_PROJECTIONS_FILE",
    "EllipseComparison",
    "Fig9",
    "Fig9Stats",
    "Fig10Verdict",
    "Fig10a",
    "Fig10b",
    "SpaceExplorer",
    "cache_projections",
    "celeba_smile_samples",
    "compare_ellipses",
    "fig9",
    "fig9_stats",
    "fig9_verdict",
    "fig10_from_numbers",
    "fig10_sanity_failures",
    "fig10_verdict",
    "fig10a",
    "fig10a_from_runs",
    "fig10b",
    "fig10b_from_runs",
    "fig10b_models",
    "fig10b_sanity_failures",
    "fig10b_verdict",
    "paper_fig10_effect",
    "plot_test_distributions",
    "plot_training_samples",
    "reference_faces",
    "reference_set",
    "run_projections",
    "space_phrase",
    "training_groups",
    "training_projections",
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


def space_phrase(space: str) -> str:
    """"the space of identities", "the space of expressions", else "the <name> space"."""
    return {"identity": "the space of identities",
            "expression": "the space of expressions"}.get(space, f"the {space} space")


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
        paper_effect: the paper's effect (:func:`paper_fig10_effect`); None: the paper gives
            no number in this space, only Fig. 10 (a), and the reason says so
            (:class:`~i2ibook.verdicts.FigureOnly`).
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
    only = (None if paper_effect is not None else
            FigureOnly(f"the centre distances in {space_phrase(space)}", "Fig. 10 (a)"))
    word, reason = decide(effect, paper_effect, failed_checks=list(failed_checks),
                          figure_only=only,
                          missing=("the closest baseline's centre distance is 0 in a seed, "
                                   "which leaves the relative effect undefined"))
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


#: The reference sample of :func:`book_spaces` (seed, faces, size), part of every cache key.
_REFERENCE = [REFERENCE_SEED, 2000, 64]


def _projections_key(run: Any) -> dict[str, Any]:
    """What the cached projections depend on: their version, the reference sample of the PCA
    and everything chapter 07's scores depend on (configuration, the generators' recorded
    digest, networks), which a run stored without its weights still has."""
    from i2ibook.chapters.ch07_pseudo_pairs import _cache_key

    return {"version": PROJECTIONS_VERSION, "reference": list(_REFERENCE),
            "run": _cache_key(run)}


def _read_points(path: Path, key: Mapping[str, Any]) -> dict[str, dict[str, np.ndarray]] | None:
    """The projections cached in ``path`` under ``key``; None when the file is missing or was
    written for something else."""
    if not path.is_file():
        return None
    stored = json.loads(path.read_text())
    if stored.get("key") != key:
        return None
    return {sp: {k: np.asarray(v, dtype=np.float64) for k, v in by.items()}
            for sp, by in stored["points"].items()}


def _write_points(path: Path, key: Mapping[str, Any],
                  points: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    """Cache ``points`` (rounded to 6 decimals) in ``path`` and return them as a later read
    gives them."""
    from i2ibook.chapters.ch07_pseudo_pairs import _write_json_atomic

    _write_json_atomic(path, {"key": dict(key), "points": {
        n: {k: np.round(v, 6).tolist() for k, v in by.items()} for n, by in points.items()}})
    out = _read_points(path, key)
    assert out is not None
    return out


def run_projections(run: Any, cache: bool = True,
                    compute: bool = True) -> dict[str, dict[str, np.ndarray]] | None:
    """``{space: {"translations": (N, 2), "truth": (N, 2)}}``: a stored chapter 07 run's
    translations of its held-out test faces, and their true counterparts, projected into
    :func:`book_spaces`.

    With ``cache=True`` they are read from :data:`PROJECTIONS_FILE` in the run's folder when it
    was written for this run, these networks and this reference sample (a few kB), else
    computed and written there, as chapter 07 caches its scores. With ``compute=False``
    nothing is computed (no weights are loaded, nothing is written): None when they are not
    cached.
    """
    from i2ibook.runner import build_test_data, translate

    path = Path(run.path) / PROJECTIONS_FILE
    key = _projections_key(run)
    if cache or not compute:
        found = _read_points(path, key)
        if found is not None or not compute:
            return found
    test_A, truth = build_test_data(run.config)
    outputs = translate(run, test_A, "A->B")
    points = {n: {"translations": sp.project(outputs), "truth": sp.project(truth)}
              for n, sp in book_spaces().items()}
    return _write_points(path, key, points) if cache else points


def fig10a_from_runs(runs: Mapping[str, Sequence[Any]], ours: str = "ours",
                     failed_checks: Sequence[str] = (), cache: bool = True,
                     compute: bool = True) -> dict[str, Fig10a] | None:
    """:func:`fig10a` on stored chapter 07 runs, from their cached projections
    (:func:`run_projections`): ``runs`` is ``{setting: [run per seed]}`` (the same seeds in
    the same order for every setting). With ``compute=False`` only cached projections are
    used: None when a run's are not cached.

    Raises:
        ValueError: if the settings have different seeds, or the runs of one seed do not
            share their test faces (their true counterparts project differently).
    """
    seeds = [[int(r.config["trainer"]["seed"]) for r in rs] for rs in runs.values()]
    if not seeds or any(s != seeds[0] for s in seeds) or not seeds[0]:
        raise ValueError(f"every setting needs runs of the same seeds, got {seeds}")
    found = {k: [run_projections(r, cache, compute) for r in rs] for k, rs in runs.items()}
    if any(p is None for ps in found.values() for p in ps):
        return None
    points: dict[str, list[dict[str, dict[str, np.ndarray]]]] = found  # type: ignore[assignment]
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
# Fig. 9: the training samples, in numbers


#: The file in the folder of a chapter 07 run that caches Fig. 9's projections of its
#: training set (:func:`training_projections`); they need no generator weights.
TRAINING_PROJECTIONS_FILE = "training_spaces.json"
#: Bump when what :func:`training_projections` computes changes.
TRAINING_PROJECTIONS_VERSION = 1
#: Fig. 9's groups of a training set (:func:`training_groups`), in :data:`FIG9_COLOURS`' order.
FIG9_GROUPS: tuple[str, ...] = tuple(FIG9_COLOURS)
#: What each space's Fig. 9 verdict measures (:func:`fig9_stats`, ``effect``), per training
#: set; positive goes the way Sec. 5 describes Fig. 9.
FIG9_EFFECTS: dict[str, str] = {
    "identity": ("the share of the real neutral faces outside the real smiling faces' ellipse "
                 "minus the share of the pseudo-smiles outside it"),
    "expression": ("the share of the pseudo-smiles outside the real smiling faces' ellipse "
                   "minus the share of the real smiling faces outside it"),
}
#: What the paper shows of each space in Fig. 9 and gives no number for.
FIG9_UNQUANTIFIED: dict[str, str] = {
    "identity": "where the pseudo-samples lie in the space of identities",
    "expression": "where the pseudo-samples lie in the space of expressions",
}


def training_groups(data: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Fig. 9's three groups of a chapter 07 training set (its ``pseudopairs`` data
    specification): the real faces with the attribute (``"smiling"``), the real faces
    without it (``"neutral"``) and the pseudo-samples M(b) whose b is among the targets
    (``"augmented"``), uint8 ``(N, H, W, 3)`` each.

    Raises:
        ValueError: if ``data`` is not a pseudo-pair specification or its set has no real or
            no pseudo-paired samples (Fig. 9 shows the "ours" set).
    """
    from i2ibook.runner import pseudo_spec_args
    from i2ilib.data.pseudopairs import build_config

    if data.get("source") != "pseudopairs":
        raise ValueError(f"Fig. 9 needs a chapter 07 (pseudopairs) data specification, got "
                         f"source {data.get('source')!r}")
    cfg = build_config(data["task"], data["setting"], **pseudo_spec_args(dict(data)))
    groups = {"smiling": cfg.A[cfg.A_kind == "real"], "neutral": cfg.B,
              "augmented": cfg.A[cfg.A_kind == "pseudo_paired"]}
    empty = [g for g, x in groups.items() if len(x) == 0]
    if empty:
        raise ValueError(f"setting {data['setting']!r} has no {' and no '.join(empty)} samples; "
                         "Fig. 9 shows the 'ours' set")
    return groups


def _training_key(data: Mapping[str, Any]) -> dict[str, Any]:
    """What Fig. 9's cached projections depend on: their version, the reference sample of the
    PCA, the training set's specification and the networks (not the generators)."""
    from i2ibook.chapters.ch07_pseudo_pairs import _networks_key
    from i2ilib.results import config_hash

    return {"version": TRAINING_PROJECTIONS_VERSION, "reference": list(_REFERENCE),
            "data": config_hash(dict(data)), "networks": _networks_key()}


def training_projections(run: Any, cache: bool = True,
                         compute: bool = True) -> dict[str, dict[str, np.ndarray]] | None:
    """``{space: {"smiling" | "neutral" | "augmented": (N, 2)}}``: Fig. 9's groups of a stored
    chapter 07 run's training set (:func:`training_groups`) projected into
    :func:`book_spaces`. They depend on the run's data specification only, not on its weights.

    With ``cache=True`` they are read from :data:`TRAINING_PROJECTIONS_FILE` in the run's
    folder when it was written for this data, these networks and this reference sample, else
    computed and written there. With ``compute=False`` nothing is computed or written: None
    when they are not cached.
    """
    from i2ilib.data.transforms import to_tensor_m11

    data = run.config["data"]
    path = Path(run.path) / TRAINING_PROJECTIONS_FILE
    key = _training_key(data)
    if cache or not compute:
        found = _read_points(path, key)
        if found is not None or not compute:
            return found
    groups = training_groups(data)
    points = {n: {g: sp.project(to_tensor_m11(x)) for g, x in groups.items()}
              for n, sp in book_spaces().items()}
    return _write_points(path, key, points) if cache else points


def _fig9_effect(space: str) -> Callable[[np.ndarray, np.ndarray, np.ndarray], float]:
    """``f(smiling, neutral, augmented)``: :data:`FIG9_EFFECTS` of ``space``."""
    if space not in FIG9_EFFECTS:
        raise ValueError(f"Fig. 9 judges the spaces {', '.join(FIG9_EFFECTS)}; got {space!r}")

    def effect(smiling: np.ndarray, neutral: np.ndarray, augmented: np.ndarray) -> float:
        e = fit_ellipse(smiling)
        if space == "identity":
            return fraction_outside(neutral, e) - fraction_outside(augmented, e)
        return fraction_outside(augmented, e) - fraction_outside(smiling, e)

    return effect


@dataclass(frozen=True)
class Fig9Stats:
    """Fig. 9 in numbers, in one space, for one training set (:func:`fig9_stats`).

    Attributes:
        augmented_sep, neutral_sep: how far the centre of the pseudo-smiles (of the real
            neutral faces) lies from the centre of the real smiling faces, in the smiling
            cloud's standard deviations along that direction (:func:`mahalanobis_separation`).
        augmented_out, smiling_out, neutral_out: the share of each group outside the ellipse of
            two standard deviations fitted to the real smiling faces
            (:func:`fraction_outside`; a Gaussian cloud leaves 13.5 % of itself outside).
        effect: :data:`FIG9_EFFECTS` of the space.
        intervals: 90 % bootstrap intervals of ``augmented_sep``, ``neutral_sep`` and
            ``effect``, each group resampled on its own (:func:`bootstrap_interval`).
    """

    augmented_sep: float
    neutral_sep: float
    augmented_out: float
    smiling_out: float
    neutral_out: float
    effect: float
    intervals: dict[str, tuple[float, float]]

    def as_dict(self) -> dict[str, Any]:
        """The numbers as plain JSON-able values."""
        return {**{k: getattr(self, k) for k in ("augmented_sep", "neutral_sep",
                                                 "augmented_out", "smiling_out", "neutral_out",
                                                 "effect")},
                "intervals": {k: list(v) for k, v in self.intervals.items()}}


def fig9_stats(space: str, points: Mapping[str, Any], n_boot: int = 1000,
               seed: int = 0) -> Fig9Stats:
    """:class:`Fig9Stats` of one training set's projections ``{"smiling" | "neutral" |
    "augmented": (N, 2)}`` in ``space`` (``"identity"`` or ``"expression"``).

    Raises:
        ValueError: on an unknown space, a missing group or a group of fewer than 3 points.
    """
    effect = _fig9_effect(space)
    missing = [g for g in FIG9_GROUPS if g not in points]
    if missing:
        raise ValueError(f"points lacks the groups {missing}; give {', '.join(FIG9_GROUPS)}")
    s, n, a = (as_points(points[g], g, dim=2, min_rows=3) for g in FIG9_GROUPS)
    smiling_ellipse = fit_ellipse(s)
    boot = functools.partial(bootstrap_interval, n_boot=n_boot, seed=seed)
    return Fig9Stats(
        augmented_sep=mahalanobis_separation(a, s), neutral_sep=mahalanobis_separation(n, s),
        augmented_out=fraction_outside(a, smiling_ellipse),
        smiling_out=fraction_outside(s, smiling_ellipse),
        neutral_out=fraction_outside(n, smiling_ellipse), effect=effect(s, n, a),
        intervals={"augmented_sep": boot(mahalanobis_separation, [a, s]),
                   "neutral_sep": boot(mahalanobis_separation, [n, s]),
                   "effect": boot(effect, [s, n, a])})


def _pct(values: Sequence[float]) -> str:
    return fmt_mean_std([100 * v for v in values], 0) + " %"


def fig9_verdict(space: str, stats: Mapping[int, Fig9Stats] | None,
                 missing: str = "the projections of the training sets are not cached") -> Verdict:
    """Sec. 5's reading of Fig. 9 in one space (:data:`i2ibook.papers.ginger2019.FIG9_CLAIMS`),
    judged over the training sets of the seeds (:func:`i2ibook.verdicts.decide`).

    The effect is :data:`FIG9_EFFECTS` of the space, one value per seed's training set, with
    its 95 % interval over the seeds (unit: percentage points). In the space of identities it
    asks whether the pseudo-smiles leave the real smiling faces' cloud no more often than real
    neutral faces do ("indistinguishable from the real samples"); in the space of expressions
    whether they leave it more often than the smiling faces themselves ("clearly mapped
    outside the space spanned by the smiling samples"). The paper gives no number for Fig. 9,
    so every reason says so (:class:`~i2ibook.verdicts.FigureOnly`) and a negative effect not
    resolved from zero is *not testable here*. Positive control in the space of expressions: it
    must see the smile, i.e. more than half of the real neutral faces lie outside the smiling
    faces' ellipse in every seed; where it does not, the verdict is *inconclusive*.

    Args:
        space: ``"identity"`` or ``"expression"``.
        stats: ``{seed: Fig9Stats}`` (:func:`fig9_stats`); None or empty: not measured.
        missing: why, when ``stats`` is None or empty.
    """
    from i2ibook.papers.ginger2019 import FIG9_CLAIMS

    _fig9_effect(space)  # checks the space
    claim = f"{space} space: {FIG9_CLAIMS[space]} (Sec. 5, Fig. 9)"
    only = FigureOnly(FIG9_UNQUANTIFIED[space], "Fig. 9")
    if not stats:
        word, reason = decide(None, figure_only=only, missing=missing)
        return Verdict(claim, word, reason + ".")
    seeds = sorted(stats)
    st = [stats[s] for s in seeds]
    failed = [f"the space of expressions does not separate the real neutral faces from the "
              f"smiling ones in seed {s} (only {100 * stats[s].neutral_out:.0f} % of them lie "
              "outside the smiling faces' ellipse)"
              for s in seeds if space == "expression" and stats[s].neutral_out <= 0.5]
    effect = paired_effect([x.effect for x in st], unit="points")
    word, reason = decide(effect, failed_checks=failed, figure_only=only)
    evidence = (f"over the training sets of {len(seeds)} seed{'s' if len(seeds) != 1 else ''}: "
                f"pseudo-smiles outside the real smiling faces' ellipse "
                f"{_pct([x.augmented_out for x in st])}, real smiling "
                f"{_pct([x.smiling_out for x in st])}, real neutral "
                f"{_pct([x.neutral_out for x in st])}; centre of the pseudo-smiles "
                f"{fmt_mean_std([x.augmented_sep for x in st], 2)} σ from the smiling centre, of "
                f"the real neutral faces {fmt_mean_std([x.neutral_sep for x in st], 2)} σ; "
                f"effect: {FIG9_EFFECTS[space]}; {effect}; {reason}")
    return Verdict(claim, word, evidence + ".", effect)


@dataclass
class Fig9:
    """Fig. 9 in one space over the seeds' training sets (:func:`fig9`): the projections of
    the first seed (the figure), the numbers of every seed and the verdict."""

    space: str
    seeds: list[int]
    points: dict[str, np.ndarray]  # group -> (N, 2), first seed
    stats: dict[int, Fig9Stats]
    verdict: Verdict


def fig9(points: Mapping[int, Mapping[str, Mapping[str, Any]]],
         spaces: Sequence[str] = ("identity", "expression"), n_boot: int = 1000) -> dict[str, Fig9]:
    """Fig. 9 over the seeds: ``points`` is ``{seed: {space: {group: (N, 2)}}}``
    (:func:`training_projections` of each seed's "ours" run, or projected by hand at smoke
    scale); returns ``{space: Fig9}`` with :func:`fig9_stats` per seed and
    :func:`fig9_verdict`.

    Raises:
        ValueError: if ``points`` is empty or a seed lacks a space.
    """
    seeds = sorted(points)
    if not seeds:
        raise ValueError("points is empty: give {seed: {space: {group: (N, 2)}}}")
    out = {}
    for space in spaces:
        lacking = [s for s in seeds if space not in points[s]]
        if lacking:
            raise ValueError(f"seeds {lacking} have no projections in the space {space!r}")
        stats = {s: fig9_stats(space, points[s][space], n_boot) for s in seeds}
        first = {g: as_points(p, g, dim=2) for g, p in points[seeds[0]][space].items()}
        out[space] = Fig9(space, seeds, first, stats, fig9_verdict(space, stats))
    return out


# ------------------------------------------------------------------------------------------
# Fig. 10 (b): pix2pix and CycleGAN on a fully pseudo-paired set


#: Fig. 10 (b)'s models: chapter 07's runs on the fully pseudo-paired set, by name, with
#: whether they use the pairs explicitly (pix2pix, red in the paper) or not (CycleGAN, cyan).
FIG10B_MODELS: dict[str, bool] = {"pix2pix": True, "CycleGAN": False}
#: Their chapter 07 setting.
FIG10B_SETTING = "ratio_1.0"
#: Fig. 10 (b)'s colours.
FIG10B_COLOURS: dict[str, str] = {"pix2pix": "red", "CycleGAN": "cyan"}
#: The space in which Fig. 10 (b)'s claim is judged: only it sees whether the smile is gone.
FIG10B_SPACE = "expression"


def fig10b_models(task: str = "smile_removal") -> dict[str, Any]:
    """``{name: chapter 07 Model}`` of :data:`FIG10B_MODELS`."""
    from i2ibook.chapters.ch07_pseudo_pairs import Model

    return {k: Model(task, FIG10B_SETTING, explicit) for k, explicit in FIG10B_MODELS.items()}


def fig10b_sanity_failures(task: str = "smile_removal", scale: str = "book",
                           seeds: Sequence[int] | None = None,
                           results_dir: str | Path | None = None) -> dict[str, list[str]]:
    """``{model: [failure]}``: chapter 07's sanity check (MSE to the truth against the
    unchanged and the blurred input, the task done judged with the truth) of Fig. 10 (b)'s
    two models over ``seeds`` (default: chapter 07's), from their cached scores; empty lists
    for models without stored runs."""
    from i2ibook.catalogue import PSEUDO_SEEDS
    from i2ibook.chapters import ch07_pseudo_pairs as ch07

    seeds = PSEUDO_SEEDS if seeds is None else seeds
    scores = {k: ch07.model_scores(m, scale, seeds, results_dir)
              for k, m in fig10b_models(task).items()}
    refs = ch07.reference_scores(task, scale) if any(scores.values()) else {}
    return {k: ch07.sanity_failures(k, v, refs) for k, v in scores.items()}


def fig10b_verdict(model: str, excess: Sequence[float] | None, failed_checks: Sequence[str] = (),
                   missing: str = "the projections of these runs are not cached",
                   details: str = "") -> Verdict:
    """Sec. 5's claim on Fig. 10 (b) for one of its models
    (:data:`i2ibook.papers.ginger2019.FIG10B_CLAIM`: trained on a completely pseudo-paired set,
    neither pix2pix nor CycleGAN maps its translations "where real neutral images are
    mapped"), in the space of expressions, over the seeds.

    The effect, per seed, is the share of the model's translations outside the ellipse of two
    standard deviations fitted to the true neutral faces of the test set, minus the share of
    those real faces outside it (positive: the translations leave the real neutral cloud),
    with its 95 % interval over the seeds (unit: percentage points). The paper gives no number
    for Fig. 10 (b) (:class:`~i2ibook.verdicts.FigureOnly`). A model that fails chapter 07's
    sanity check makes the verdict *inconclusive*: the paper's point is that these models fail
    where the half pseudo-paired one succeeds, and a model that fails at everything cannot
    show that.

    Args:
        model: a key of :data:`FIG10B_MODELS`.
        excess: the effect per seed (:class:`Fig10b`); None: not measured (``missing`` says
            why).
        failed_checks: the model's sanity-check failures.
        details: our numbers, put before the effect in the evidence.

    Raises:
        ValueError: on an unknown model.
    """
    from i2ibook.papers.ginger2019 import FIG10B_CLAIM

    if model not in FIG10B_MODELS:
        raise ValueError(f"Fig. 10 (b) shows {', '.join(FIG10B_MODELS)}; got {model!r}")
    kind = "explicit" if FIG10B_MODELS[model] else "implicit"
    claim = f"{model} ({kind}): {FIG10B_CLAIM} (Sec. 5, Fig. 10 (b))"
    only = FigureOnly("where the translations of the fully pseudo-paired models lie",
                      "Fig. 10 (b)")
    effect = paired_effect(list(excess), unit="points") if excess else None
    word, reason = decide(effect, failed_checks=list(failed_checks), figure_only=only,
                          missing=missing)
    parts = [p for p in (details, str(effect) if effect is not None else "", reason) if p]
    return Verdict(claim, word, "; ".join(parts) + ".", effect)


@dataclass
class Fig10b:
    """Fig. 10 (b)'s numbers in one space over the seeds (:func:`fig10b`).

    Attributes:
        generated, real: the projections of the first seed (the figure), ``{model: (N, 2)}``
            and ``(N, 2)``.
        per_seed: ``{seed: {model: EllipseComparison}}`` against the true neutral faces.
        intervals: ``{seed: {model: (low, high)}}``, 90 % bootstrap interval of the centre
            distance over the test faces (:func:`bootstrap_centre_distance`).
        outside: ``{seed: {model: share}}`` of the translations outside the true neutral faces'
            ellipse (two standard deviations); ``real_outside``: ``{seed: share}`` of the true
            neutral faces themselves.
        excess_intervals: ``{seed: {model: (low, high)}}``, 90 % paired bootstrap interval of
            ``outside - real_outside``.
        verdicts: ``{model: Verdict}`` (:func:`fig10b_verdict`) in :data:`FIG10B_SPACE`;
            empty in the other space.
    """

    space: str
    seeds: list[int]
    generated: dict[str, np.ndarray]
    real: np.ndarray
    per_seed: dict[int, dict[str, EllipseComparison]]
    intervals: dict[int, dict[str, tuple[float, float]]]
    outside: dict[int, dict[str, float]]
    real_outside: dict[int, float]
    excess_intervals: dict[int, dict[str, tuple[float, float]]]
    verdicts: dict[str, Verdict]

    def excess(self, model: str) -> list[float]:
        """The verdict's effect per seed: ``outside - real_outside`` of ``model``."""
        return [self.outside[s][model] - self.real_outside[s] for s in self.seeds]


def _excess_outside(translations: np.ndarray, truth: np.ndarray) -> float:
    e = fit_ellipse(truth)
    return fraction_outside(translations, e) - fraction_outside(truth, e)


def fig10b(generated: Mapping[int, Mapping[str, Any]], real: Mapping[int, Any], space: str,
           failed_checks: Mapping[str, Sequence[str]] | None = None,
           n_boot: int = 1000) -> Fig10b:
    """Fig. 10 (b) in one space over the seeds: each model's ellipse against the true neutral
    faces' (:func:`compare_ellipses`), the centre distance with its bootstrap interval, the
    share of translations outside the real neutral ellipse, and in :data:`FIG10B_SPACE` the
    verdicts (:func:`fig10b_verdict`).

    Args:
        generated: ``{seed: {model: (N, 2)}}`` projected translations of that seed's N test
            faces, the models of :data:`FIG10B_MODELS`.
        real: ``{seed: (N, 2)}`` projected true neutral counterparts of the same faces.
        space: the space's name.
        failed_checks: ``{model: [failure]}`` (:func:`fig10b_sanity_failures`).

    Raises:
        ValueError: if the seeds of ``generated`` and ``real`` differ, or a seed lacks a model.
    """
    seeds = sorted(generated)
    if not seeds or set(seeds) != set(real):
        raise ValueError(f"the translations and the truths need the same seeds, got {seeds} "
                         f"and {sorted(real)}")
    for s in seeds:
        lacking = [m for m in FIG10B_MODELS if m not in generated[s]]
        if lacking:
            raise ValueError(f"seed {s} lacks the models {lacking}")
    gen = {s: {m: as_points(generated[s][m], m, dim=2, min_rows=3) for m in FIG10B_MODELS}
           for s in seeds}
    truth = {s: as_points(real[s], "real", dim=2, min_rows=3) for s in seeds}
    per_seed = {s: compare_ellipses({m: fit_ellipse(p) for m, p in gen[s].items()},
                                    fit_ellipse(truth[s])) for s in seeds}
    intervals = {s: {m: bootstrap_centre_distance(p, truth[s], n_boot=n_boot)
                     for m, p in gen[s].items()} for s in seeds}
    ellipses = {s: fit_ellipse(truth[s]) for s in seeds}
    outside = {s: {m: fraction_outside(p, ellipses[s]) for m, p in gen[s].items()}
               for s in seeds}
    real_outside = {s: fraction_outside(truth[s], ellipses[s]) for s in seeds}
    excess_iv = {s: {m: bootstrap_interval(_excess_outside, [p, truth[s]], paired=True,
                                           n_boot=n_boot) for m, p in gen[s].items()}
                 for s in seeds}
    fig = Fig10b(space, seeds, gen[seeds[0]], truth[seeds[0]], per_seed, intervals, outside,
                 real_outside, excess_iv, {})
    if space == FIG10B_SPACE:
        for m in FIG10B_MODELS:
            d = [per_seed[s][m].centre_distance for s in seeds]
            details = (f"over {len(seeds)} seed{'s' if len(seeds) != 1 else ''}: "
                       f"{_pct([outside[s][m] for s in seeds])} of its translations lie outside "
                       f"the true neutral faces' ellipse (the true faces themselves: "
                       f"{_pct([real_outside[s] for s in seeds])}); centre distance "
                       f"{fmt_mean_std(d, 3 if np.mean(d) < 1 else 1)}")
            fig.verdicts[m] = fig10b_verdict(m, fig.excess(m), (failed_checks or {}).get(m, ()),
                                             details=details)
    return fig


def fig10b_from_runs(runs: Mapping[str, Sequence[Any]],
                     failed_checks: Mapping[str, Sequence[str]] | None = None,
                     cache: bool = True, compute: bool = True) -> dict[str, Fig10b] | None:
    """:func:`fig10b` in every space on stored chapter 07 runs, ``{model: [run per seed]}``
    (:func:`fig10b_models`), from their projections (:func:`run_projections`). With
    ``compute=False`` only cached projections are used: None when a run's are not cached.

    Raises:
        ValueError: if the models have different seeds or the runs of one seed do not share
            their test faces.
    """
    seeds = [[int(r.config["trainer"]["seed"]) for r in rs] for rs in runs.values()]
    if set(runs) != set(FIG10B_MODELS) or not seeds[0] or any(s != seeds[0] for s in seeds):
        raise ValueError(f"give runs of the same seeds for {', '.join(FIG10B_MODELS)}; got "
                         f"{dict(zip(runs, seeds))}")
    found = {m: [run_projections(r, cache, compute) for r in rs] for m, rs in runs.items()}
    if any(p is None for ps in found.values() for p in ps):
        return None
    points: dict[str, list[dict[str, dict[str, np.ndarray]]]] = found  # type: ignore[assignment]
    first = next(iter(FIG10B_MODELS))
    out = {}
    for name in points[first][0]:
        generated, real = {}, {}
        for i, seed in enumerate(seeds[0]):
            real[seed] = points[first][i][name]["truth"]
            for m, p in points.items():
                if not np.allclose(p[i][name]["truth"], real[seed], atol=1e-5):
                    raise ValueError(f"the seed-{seed} runs of {first} and {m} do not share "
                                     "their test faces")
            generated[seed] = {m: p[i][name]["translations"] for m, p in points.items()}
        out[name] = fig10b(generated, real, name, failed_checks)
    return out


def cache_projections(scale: str = "book", seeds: Sequence[int] | None = None,
                      results_dir: str | Path | None = None,
                      task: str = "smile_removal") -> dict[str, int]:
    """Write every projection the reproduction page reads for Figs. 9-10 of ``task`` into the
    stored runs' folders: Fig. 9's training sets (:func:`training_projections` of the "ours"
    runs, no weights needed) and the test translations of Fig. 10 (a)'s and (b)'s runs
    (:func:`run_projections`, which loads the generators). Projections already cached are
    kept.

    Returns:
        ``{"training sets": n, "translations": n, "missing runs": n}``.
    """
    from i2ibook.catalogue import PSEUDO_SEEDS
    from i2ibook.chapters import ch07_pseudo_pairs as ch07

    seeds = PSEUDO_SEEDS if seeds is None else seeds
    models = [ch07.Model(task, s) for s in ch07.TABLE4_SETTINGS] + \
        list(fig10b_models(task).values())
    counts = {"training sets": 0, "translations": 0, "missing runs": 0}
    for model in models:
        runs = model.runs(scale, seeds, results_dir)
        counts["missing runs"] += len(seeds) - len(runs)
        for run in runs:
            if model.setting == "ours" and not model.explicit:
                training_projections(run)
                counts["training sets"] += 1
            run_projections(run)
            counts["translations"] += 1
    return counts


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
        return figure_png(self.figure(), dpi=80)

    def widget(self) -> Any:
        """An ipywidgets ``VBox``: setting menu, space buttons, face slider, and the figure
        (re-drawn as a PNG on every change, so it needs no plotting backend).

        Raises:
            ImportError: if ipywidgets is missing (``pip install ipywidgets``).
        """
        w = require_ipywidgets("SpaceExplorer.widget", "figure() works")
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
