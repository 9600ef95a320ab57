"""Chapter 07's measurements: InfoSim, task completion and distance to the truth for the
pseudo-pair runs, and the book's versions of Tables 4-7 of Ginger et al. 2019 (Sec. 4.2).

The paper scores eyeglass and smile removal with InfoSim only -- the MSE between identity
embeddings of the input and of its translation (OpenFace in the paper, the book's SynthFaces
identity network here) -- and asks people which model removed the attribute better (Table 6).
SynthFaces knows every test face's true counterpart (the same person rendered without the
attribute), so the book also measures

- **task completion**: the share of translations the attribute classifier ``synthattr-v1``
  no longer sees the attribute on (:func:`i2ilib.metrics.attributes.task_completion`), and
- **MSE to the truth**: the mean squared error against the true counterpart, on [0, 1].

:func:`score_run` computes all three per test image for one stored run and caches them in the
run's folder (``scores.json``), so that the chapter and the reproduction page read them in
milliseconds; the cache is rewritten whenever the networks, the test set or the run change.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from i2ibook.catalogue import PSEUDO_MODELS, PSEUDO_SEEDS, pseudo_pairs_run
from i2ibook.papers.ginger2019 import (
    PSEUDO_PAIR_CLAIMS,
    TABLE4_INFOSIM_BASELINES,
    TABLE5_INFOSIM_RATIOS,
    TABLE6_PREFERENCE,
    TABLE7_INFOSIM_SETTINGS,
)
from i2ibook.verdicts import (
    CONSISTENT,
    CONTRADICTED,
    INCONCLUSIVE,
    NOT_REPRODUCED,
    NOT_TESTABLE,
    REPRODUCED,
    Effect,
    Verdict,
    fmt_mean_std,
    markdown_table,
    mean_std,
    paired_effect,
    verdict_from,
)
from i2ilib.results import Run, config_hash, find_run, results_dir_for

#: The cache file written next to a stored run.
SCORES_FILE = "scores.json"
#: Bump when the way scores are computed changes: older caches are then recomputed.
SCORES_VERSION = 1
#: The per-image quantities :func:`score_run` returns.
QUANTITIES = ("infosim", "attribute_prob", "mse")

#: Table 4's settings in the book's names, with the paper's row labels.
TABLE4_SETTINGS: dict[str, str] = {
    "ours": "pseudo-pairs (ours in the paper)",
    "no_augmentation": "(i) no augmentation",
    "pseudo_unpaired": "(ii) pseudo-unpaired",
    "natural": "(iii) natural",
}
#: Short names of Table 4's settings for figure columns and legends.
SHORT_LABELS: dict[str, str] = {"ours": "pseudo-pairs (ours)", "no_augmentation": "no augmentation",
                                "pseudo_unpaired": "pseudo-unpaired", "natural": "natural"}
#: Table 5's pseudo-pairing ratios and the setting that trains each (0.5 is ``ours``).
TABLE5_SETTINGS: dict[float, str] = {0.25: "ratio_0.25", 0.5: "ours", 0.75: "ratio_0.75",
                                     1.0: "ratio_1.0"}
#: Table 6's models: the share of pseudo-paired A samples. 0 % is the pseudo-unpaired set (the
#: same augmentation samples, none of them paired), 50 % ours, 100 % the fully paired set.
TABLE6_SETTINGS: dict[str, str] = {"0%": "pseudo_unpaired", "50%": "ours", "100%": "ratio_1.0"}
#: The paper's task names (its tables' row labels) for the book's tasks.
PAPER_TASK: dict[str, str] = {"smile_removal": "Smile", "eyeglass_removal": "Eyeglass"}
TASKS = tuple(PAPER_TASK)


def attribute_of(task: str) -> str:
    """The attribute a removal task takes away: ``"Eyeglasses"`` or ``"Smiling"``."""
    from i2ilib.data.pseudopairs import TASKS as DATA_TASKS

    if task not in DATA_TASKS:
        raise ValueError(f"Unknown task {task!r}; choose one of {', '.join(DATA_TASKS)}.")
    return DATA_TASKS[task][0]


# --------------------------------------------------------------------------------------------
# Scoring translations


@torch.no_grad()
def score_translations(inputs: Tensor, outputs: Tensor, truth: Tensor, attribute: str,
                       embedder: torch.nn.Module | None = None,
                       classifier: torch.nn.Module | None = None) -> dict[str, np.ndarray]:
    """Per-image InfoSim, attribute probability and MSE to the truth.

    Args:
        inputs: ``(N, 3, H, W)`` the faces given to the model, in [-1, 1].
        outputs: ``(N, 3, H, W)`` their translations, in [-1, 1].
        truth: ``(N, 3, H, W)`` the true counterparts of ``inputs``, in [-1, 1].
        attribute: ``"Eyeglasses"`` or ``"Smiling"``, the attribute the task removes.
        embedder: identity network for InfoSim (default: the shipped ``synthid-v1-d128``).
        classifier: attribute classifier (default: the shipped ``synthattr-v1``).

    Returns:
        ``{"infosim": (N,), "attribute_prob": (N,), "mse": (N,)}`` float64 arrays: the mean
        over embedding dimensions of the squared difference between the input's and the
        output's identity embeddings (InfoSim, Sec. 4.2, is the mean of this over images); the
        probability that the output still shows ``attribute``; and the per-image MSE to the
        truth on the [0, 1] intensity scale.
    """
    from i2ilib.metrics.attributes import (
        attribute_name,
        attribute_probabilities,
        face_attribute_classifier,
    )
    from i2ilib.metrics.identity import synthfaces_identity_embedder
    from i2ilib.metrics.reconstruction import embed

    shapes = {t.shape for t in (inputs, outputs, truth)}
    if len(shapes) != 1:
        raise ValueError("inputs, outputs and truth must have the same shape (N, 3, H, W); got "
                         f"{tuple(inputs.shape)}, {tuple(outputs.shape)}, {tuple(truth.shape)}")
    attribute = attribute_name(attribute)
    embedder = embedder or synthfaces_identity_embedder()
    classifier = classifier or face_attribute_classifier()
    e_in, e_out = embed(embedder, inputs, 64), embed(embedder, outputs, 64)
    infosim = (e_in - e_out).pow(2).mean(dim=1)
    prob = attribute_probabilities(classifier, outputs)[attribute].double()
    mse = ((outputs.double() - truth.double()) / 2).pow(2).flatten(1).mean(dim=1)
    return {"infosim": infosim.numpy(), "attribute_prob": prob.numpy(), "mse": mse.numpy()}


def summarise(per_image: Mapping[str, np.ndarray]) -> dict[str, float]:
    """``{"infosim", "task_completion", "mse"}``: the means a table reports (task completion:
    the share of outputs whose attribute probability is below the classifier's threshold)."""
    from i2ilib.metrics.attributes import THRESHOLD

    return {"infosim": float(np.mean(per_image["infosim"])),
            "task_completion": float(np.mean(np.asarray(per_image["attribute_prob"]) < THRESHOLD)),
            "mse": float(np.mean(per_image["mse"]))}


def _networks_key() -> dict[str, str]:
    """A short sha256 of each shipped network the scores depend on."""
    from i2ilib.metrics.assets import ASSET_DIR
    from i2ilib.metrics.attributes import ASSET_WEIGHTS as ATTR_WEIGHTS
    from i2ilib.metrics.identity import ASSET_WEIGHTS as ID_WEIGHTS

    return {name: hashlib.sha256((resources.files("i2ilib") / ASSET_DIR / name).read_bytes())
            .hexdigest()[:16] for name in (ID_WEIGHTS, ATTR_WEIGHTS)}


def _cache_key(run: Run) -> dict[str, Any]:
    """What the cached scores depend on: the scoring version, the run's configuration, its
    stored generators (a retrained run has other weights) and the scoring networks."""
    # the digest of the weights is recorded also when they were removed from the store
    return {"version": SCORES_VERSION, "config_hash": config_hash(run.config),
            "generators": str(run.weights_digest)[:16],
            "networks": _networks_key()}


def _write_json_atomic(path: Path, obj: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def score_run(run: Run, cache: bool = True) -> dict[str, np.ndarray]:
    """Per-image scores (:func:`score_translations`) of a stored chapter 07 run on its test
    set: the held-out real faces with the attribute, translated A -> B.

    With ``cache=True`` the scores are read from ``scores.json`` in the run's folder when it
    was written for this run, these networks and this scoring version, else computed and
    written there (atomically). Smoke-scale runs live in a temporary folder, so CI never
    writes into ``results/``.
    """
    from i2ibook.runner import build_test_data, translate

    if run.config.get("data", {}).get("source") != "pseudopairs":
        raise ValueError(f"Run {run.path} is not a pseudo-pair run (data source "
                         f"{run.config.get('data', {}).get('source')!r}); score_run scores "
                         "chapter 07's runs (i2ibook.catalogue.pseudo_pairs_run).")
    path = Path(run.path) / SCORES_FILE
    key = _cache_key(run) if cache else None
    if cache and path.is_file():
        stored = json.loads(path.read_text())
        if stored.get("key") == key:
            return {q: np.asarray(stored["per_image"][q], dtype=np.float64) for q in QUANTITIES}
    test_A, truth = build_test_data(run.config)
    outputs = translate(run, test_A, "A->B")
    scores = score_translations(test_A, outputs, truth, attribute_of(run.config["data"]["task"]))
    if cache:
        _write_json_atomic(path, {"key": key, "summary": summarise(scores),
                                  "per_image": {q: [round(float(v), 8) for v in scores[q]]
                                                for q in QUANTITIES}})
        # reading back gives the rounded values, so cached and fresh scores agree exactly
        return score_run(run, cache=True)
    return scores


#: The names of the trivial baselines and of the perfect removal in :func:`reference_scores`.
IDENTITY, BLUR, TRUTH = "input unchanged", "blurred input (σ = 1.5)", "true counterpart"


@functools.lru_cache(maxsize=8)
def reference_scores(task: str, scale: str = "book") -> dict[str, dict[str, np.ndarray]]:
    """Per-image scores of the trivial baselines and of a perfect removal on the chapter's test
    set: ``"input unchanged"`` (:func:`i2ilib.metrics.baselines.identity_baseline`: InfoSim 0,
    the attribute still there), ``"true counterpart"`` (a perfect removal: MSE 0, and the
    InfoSim the identity network gives to the same person with and without the attribute) and
    ``"blurred input (σ = 1.5)"`` (:func:`i2ilib.metrics.baselines.blur_baseline`: what a model
    that only blurs would score). Cached per ``(task, scale)`` in the process (do not modify the
    result) and in :data:`REFERENCE_FILE` in the chapter's results folder of ``scale`` (about
    30 kB per task), under what the scores depend on: the test set's configuration, the
    scoring networks and :data:`SCORES_VERSION`."""
    from i2ilib.results import config_hash, results_dir_for

    _, config = pseudo_pairs_run(scale, task, "ours", 0)
    key = {"version": SCORES_VERSION, "data": config_hash(config["data"]),
           "networks": _networks_key()}
    path = results_dir_for(scale) / "07_pseudo_pairs" / REFERENCE_FILE.format(task=task)
    if path.is_file():
        stored = json.loads(path.read_text())
        if stored.get("key") == key:
            return {name: {q: np.asarray(v, dtype=np.float64) for q, v in per.items()}
                    for name, per in stored["scores"].items()}
    scores = _reference_scores(task, scale)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_json_atomic(path, {"key": key, "scores": {
        name: {q: [float(x) for x in v] for q, v in per.items()} for name, per in scores.items()}})
    # what a later read gives (float64), so a fresh and a cached rendering agree exactly
    return {name: {q: np.asarray([float(x) for x in v], dtype=np.float64) for q, v in per.items()}
            for name, per in scores.items()}


#: The file (one per task) that caches :func:`reference_scores`.
REFERENCE_FILE = "reference_scores-{task}.json"


def _reference_scores(task: str, scale: str) -> dict[str, dict[str, np.ndarray]]:
    return reference_scores_of(pseudo_pairs_run(scale, task, "ours", 0)[1])


def reference_scores_of(config: Mapping[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """:func:`reference_scores` on the test set of any pseudo-pair configuration (a pilot's at
    another image size, say), computed now, not cached."""
    from i2ibook.runner import build_test_data
    from i2ilib.metrics.baselines import BLUR_SIGMA, blur_baseline, identity_baseline

    test_A, truth = build_test_data(dict(config))
    attribute = attribute_of(config["data"]["task"])
    assert BLUR_SIGMA == 1.5, "BLUR names the blur's sigma"
    return {IDENTITY: score_translations(test_A, identity_baseline(test_A), truth, attribute),
            TRUTH: score_translations(test_A, truth, truth, attribute),
            BLUR: score_translations(test_A, blur_baseline(test_A), truth, attribute)}


def completion_with_truth(per_image: Mapping[str, np.ndarray],
                          input_mse: np.ndarray) -> float:
    """The share of test images on which the task is done judged with the truth
    (:func:`i2ilib.metrics.baselines.completed_with_truth`): the classifier no longer sees the
    attribute *and* the output is closer to the true counterpart than the input (``input_mse``,
    ``(N,)``: the input's per-image MSE to the truth)."""
    from i2ilib.metrics.attributes import THRESHOLD
    from i2ilib.metrics.baselines import completed_with_truth

    return float(np.mean(completed_with_truth(per_image["attribute_prob"], per_image["mse"],
                                              input_mse, THRESHOLD)))


# --------------------------------------------------------------------------------------------
# Runs and tables


@dataclass(frozen=True)
class Model:
    """One row of a table: a task, a setting, explicit (pix2pix) or implicit (CycleGAN)."""

    task: str
    setting: str
    explicit: bool = False
    netG: str | None = None  # another generator than the chapter's (catalogue.pseudo_pairs_run)

    def runs(self, scale: str = "book", seeds: Sequence[int] = PSEUDO_SEEDS,
             results_dir: str | Path | None = None) -> list[Run]:
        """The stored runs of this model, one per seed that has one."""
        where = results_dir_for(scale, results_dir)
        found = [find_run(*self.make(scale, s), results_dir=where) for s in seeds]
        return [r for r in found if r is not None]

    def make(self, scale: str, seed: int) -> tuple[str, dict[str, Any]]:
        """``(name, config)`` of this model's run for ``seed``."""
        return pseudo_pairs_run(scale, self.task, self.setting, seed, self.explicit, self.netG)


def chapter_models(tasks: Sequence[str] = TASKS) -> list[Model]:
    """Every model chapter 07 trains (:data:`i2ibook.catalogue.PSEUDO_MODELS`): per task,
    Table 4's settings, Table 5's other ratios and Table 7's explicit pix2pix on the fully
    pseudo-paired set."""
    return [Model(t, s, e) for t, s, e in PSEUDO_MODELS if t in tasks]


def ensure_runs(models: Sequence[Model], scale: str, seeds: Sequence[int],
                train: bool, progress: bool = True) -> dict[str, int]:
    """Make sure the runs of ``models`` x ``seeds`` exist: with ``train=True`` the missing ones
    are trained and stored (:func:`i2ilib.results.load_or_train`), else they are only counted.

    Returns:
        ``{"planned": ..., "stored": ..., "trained": ...}`` run counts.
    """
    from tqdm.auto import tqdm

    from i2ibook.runner import train_translation
    from i2ilib.results import load_or_train

    where = results_dir_for(scale)
    jobs = [(m, s) for m in models for s in seeds]
    counts = {"planned": len(jobs), "stored": 0, "trained": 0}
    for m, s in tqdm(jobs, desc="runs", disable=not progress):
        name, config = m.make(scale, s)
        if find_run(name, config, where) is not None:
            counts["stored"] += 1
        elif train:
            load_or_train(name, config, lambda c: train_translation(c, progress=False),
                          verbose=False)
            counts["trained"] += 1
    return counts


def model_scores(model: Model, scale: str = "book", seeds: Sequence[int] = PSEUDO_SEEDS,
                 results_dir: str | Path | None = None) -> dict[int, dict[str, np.ndarray]]:
    """``{seed: per-image scores}`` for the stored runs of ``model``."""
    out = {}
    for run in model.runs(scale, seeds, results_dir):
        out[int(run.config["trainer"]["seed"])] = score_run(run)
    return out


def _summaries(scores: Mapping[int, Mapping[str, np.ndarray]]) -> dict[str, list[float]]:
    per_seed = [summarise(s) for _, s in sorted(scores.items())]
    return {k: [p[k] for p in per_seed] for k in ("infosim", "task_completion", "mse")}


@dataclass
class ScoreTable:
    """A table of ours beside the paper's values: ``markdown`` for display, ``rows`` (the
    cells) and ``scores`` (``{row label: {seed: per-image scores}}``) for checks."""

    markdown: str
    rows: list[list[str]]
    scores: dict[str, dict[int, dict[str, np.ndarray]]]
    #: per-image scores of the trivial baselines (:func:`reference_scores`); empty: not scored
    baselines: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    #: ``{row label: {"steps": ..., "netG": ..., "ngf": ..., "model": ...}}`` of its runs
    setup: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _repr_markdown_(self) -> str:
        return self.markdown


_HEADER = ["InfoSim (ours)", "task completion", "done, judged with the truth", "MSE to truth",
           "sanity check", "seeds"]


def _setup(runs: Sequence[Run]) -> dict[str, Any]:
    """What a row's runs are: generator, width, model and training steps (first run)."""
    if not runs:
        return {}
    t = runs[0].config["trainer"]
    return {"model": runs[0].config.get("method", "?"),
            "netG": t.get("netG"), "ngf": t.get("ngf"),
            "steps": runs[0].metrics.get("steps")}


def sanity(scores: Mapping[int, Mapping[str, np.ndarray]],
           baselines: Mapping[str, Mapping[str, np.ndarray]]) -> list[Any]:
    """The sanity checks of one row (:func:`i2ilib.metrics.baselines.sanity_checks`): over its
    seeds, its mean MSE to the truth beats the unchanged input's and the blurred input's, and
    the task is done (judged with the truth) on at least half of the test images. Empty when
    there are no runs or no baselines."""
    from i2ilib.metrics.baselines import sanity_checks

    if not scores or not baselines:
        return []
    mse = float(np.mean([np.mean(v["mse"]) for v in scores.values()]))
    done = float(np.mean([completion_with_truth(v, baselines[IDENTITY]["mse"])
                          for v in scores.values()]))
    return sanity_checks(mse, {"the input": float(np.mean(baselines[IDENTITY]["mse"])),
                               "the blur": float(np.mean(baselines[BLUR]["mse"]))}, done)


def sanity_failures(label: str, scores: Mapping[int, Mapping[str, np.ndarray]],
                    baselines: Mapping[str, Mapping[str, np.ndarray]]) -> list[str]:
    """One phrase naming what row ``label`` fails (:func:`sanity`), or nothing if it passes."""
    checks = sanity(scores, baselines)
    if all(c.passed for c in checks):
        return []
    mse, done = checks[0].detail.split(" vs ")[0], checks[-1].detail.split(" of ")[0]
    lost = " and ".join(c.name.split(" on ")[0].replace("beats ", "")
                        for c in checks[:-1] if not c.passed)
    return [f"{label} fails its sanity check ({mse}, worse than {lost}; done on {done} "
            "judged with the truth)" if lost else
            f"{label} fails its sanity check (done on {done} judged with the truth)"]


def _cells(scores: Mapping[int, Mapping[str, np.ndarray]], n_seeds: int,
           baselines: Mapping[str, Mapping[str, np.ndarray]]) -> list[str]:
    if not scores:
        return ["not run"] * (len(_HEADER) - 1) + [f"0/{n_seeds}"]
    s = _summaries(scores)
    done = (fmt_mean_std([completion_with_truth(v, baselines[IDENTITY]["mse"])
                          for _, v in sorted(scores.items())], 2) if baselines else "–")
    checks = sanity(scores, baselines)
    ok = "–" if not checks else "passes" if all(c.passed for c in checks) else "fails"
    return [fmt_mean_std(s["infosim"], 5), fmt_mean_std(s["task_completion"], 2), done,
            fmt_mean_std(s["mse"], 4), ok, f"{len(scores)}/{n_seeds}"]


def _baseline_cells(per_image: Mapping[str, np.ndarray],
                    baselines: Mapping[str, Mapping[str, np.ndarray]]) -> list[str]:
    r = summarise(per_image)
    done = completion_with_truth(per_image, baselines[IDENTITY]["mse"])
    return [f"{r['infosim']:.5f}", f"{r['task_completion']:.2f}", f"{done:.2f}",
            f"{r['mse']:.4f}", "(baseline)", "–"]


def _table(task: str, labels: Mapping[str, Model], paper: Mapping[str, float | None],
           first: str, scale: str, seeds: Sequence[int],
           results_dir: str | Path | None, baselines: bool = True) -> ScoreTable:
    refs = reference_scores(task, scale) if baselines else {}
    rows, all_scores, setup = [], {}, {}
    for label, model in labels.items():
        runs = model.runs(scale, seeds, results_dir)
        scores = {int(r.config["trainer"]["seed"]): score_run(r) for r in runs}
        all_scores[label], setup[label] = scores, _setup(runs)
        p = paper.get(label)
        rows.append([label, "–" if p is None else f"{p:.5f}",
                     *_cells(scores, len(seeds), refs)])
    for name in (IDENTITY, BLUR):
        if refs:
            rows.append([f"*baseline: {name}*", "–", *_baseline_cells(refs[name], refs)])
    md = markdown_table([first, "InfoSim (paper)", *_HEADER], rows, "lrrrrrrr")
    return ScoreTable(md, rows, all_scores, refs, setup)


def table4(task: str, scale: str = "book", seeds: Sequence[int] = PSEUDO_SEEDS,
           results_dir: str | Path | None = None) -> ScoreTable:
    """Table 4: ours (implicit pseudo-pairs, 0.5 pairing) against the three augmentation
    baselines, InfoSim beside the paper's, plus task completion and MSE to the truth."""

    paper = TABLE4_INFOSIM_BASELINES[PAPER_TASK[task]]
    labels = {TABLE4_SETTINGS[s]: Model(task, s) for s in TABLE4_SETTINGS}
    return _table(task, labels, paper, "setting", scale, seeds, results_dir)


def table5(task: str, scale: str = "book", seeds: Sequence[int] = PSEUDO_SEEDS,
           results_dir: str | Path | None = None) -> ScoreTable:
    """Table 5: the pseudo-pairing ratios 0.25, 0.5, 0.75 and 1.0."""

    paper = {f"{a:g}": v for a, v in TABLE5_INFOSIM_RATIOS[PAPER_TASK[task]].items()}
    labels = {f"{a:g}": Model(task, s) for a, s in TABLE5_SETTINGS.items()}
    return _table(task, labels, paper, "pseudo-pairing ratio", scale, seeds, results_dir)


def table7(task: str = "eyeglass_removal", scale: str = "book",
           seeds: Sequence[int] = PSEUDO_SEEDS,
           results_dir: str | Path | None = None) -> ScoreTable:
    """Table 7: implicit (CycleGAN on the 0.5 pseudo-paired set) against explicit (pix2pix on
    the fully pseudo-paired set). The paper reports Eyeglass only; the book runs both tasks."""

    paper = TABLE7_INFOSIM_SETTINGS if task == "eyeglass_removal" else {}
    labels = {"implicit": Model(task, "ours"), "explicit": Model(task, "ratio_1.0", True)}
    return _table(task, labels, paper, "setting", scale, seeds, results_dir)


def preference_rate(attr_row: np.ndarray, attr_col: np.ndarray) -> float:
    """How often the row model completes the task better than the column model, image by
    image: the share of test images on which its output shows the attribute with a lower
    probability (ties count one half) -- the book's stand-in for Table 6's user study.

    Args:
        attr_row, attr_col: ``(N,)`` attribute probabilities of the two models' outputs for
            the same N test images.
    """
    a, b = np.asarray(attr_row, dtype=np.float64), np.asarray(attr_col, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError("preference_rate needs two (N,) arrays over the same N > 0 test images;"
                         f" got shapes {a.shape} and {b.shape}")
    return float(np.mean((a < b) + 0.5 * (a == b)))


def table6(task: str, scale: str = "book", seeds: Sequence[int] = PSEUDO_SEEDS,
           results_dir: str | Path | None = None) -> ScoreTable:
    """Table 6 with the attribute classifier as the judge: the rate at which the row model's
    output was preferred (a lower attribute probability) over the column model's, paired
    image by image and seed by seed (mean ± std over the seeds both models have)."""

    paper = TABLE6_PREFERENCE[PAPER_TASK[task]]
    scores = {k: model_scores(Model(task, s), scale, seeds, results_dir)
              for k, s in TABLE6_SETTINGS.items()}
    rows = []
    for r in TABLE6_SETTINGS:
        for c in TABLE6_SETTINGS:
            if r == c:
                continue
            common = sorted(set(scores[r]) & set(scores[c]))
            rates = [preference_rate(scores[r][s]["attribute_prob"],
                                     scores[c][s]["attribute_prob"]) for s in common]
            ours = fmt_mean_std(rates, 3) if rates else "not run"
            rows.append([r, c, f"{paper[r][c]:.3f}", ours, f"{len(common)}/{len(seeds)}"])
    refs = reference_scores(task, scale)
    checks = {k: ("passes" if all(c.passed for c in sanity(v, refs)) else "fails")
              if v else "–" for k, v in scores.items()}
    for row in rows:
        row.insert(4, f"{checks[row[0]]} / {checks[row[1]]}")
    md = markdown_table(["preferred", "over", "rate (paper, people)",
                         "rate (ours, classifier)", "sanity check (row / column)", "seeds"],
                        rows, "llrrrr")
    return ScoreTable(md, rows, scores, refs)


# --------------------------------------------------------------------------------------------
# Verdicts
#
# Every verdict uses the book's vocabulary and rule (:func:`i2ibook.verdicts.decide`): the effect
# is paired within seed (the runs of one seed share data and initialisation), relative to the
# baseline row so that it compares with the paper's despite the different identity network, and
# shown with its 95 % interval and the smallest effect three seeds detect. A row that fails its
# sanity check (:func:`sanity`) makes the verdict *inconclusive*, and so does a comparison of
# runs that differ in more than the factor under test (:func:`what_differs`).

#: How the verdicts of a claim's parts combine: the claim holds only as far as its weakest part.
_WEAKEST = (INCONCLUSIVE, CONTRADICTED, NOT_REPRODUCED, NOT_TESTABLE, CONSISTENT, REPRODUCED)


def _means(scores: Mapping[int, Any], key: str) -> list[float]:
    return _summaries(scores)[key] if scores else []


def _seed_means(scores: Mapping[int, Mapping[str, np.ndarray]], key: str) -> dict[int, float]:
    return {s: float(np.mean(v[key])) for s, v in scores.items()}


def relative_reduction(base: Mapping[int, Mapping[str, np.ndarray]],
                       new: Mapping[int, Mapping[str, np.ndarray]],
                       key: str = "infosim") -> Effect | None:
    """How much lower ``new``'s mean ``key`` is than ``base``'s, relative to ``base``, paired
    seed by seed over the seeds both have: ``(base_s - new_s) / base_s`` (positive: ``new`` is
    lower). None without a common seed."""
    common = sorted(set(base) & set(new))
    if not common:
        return None
    b, n = _seed_means(base, key), _seed_means(new, key)
    return paired_effect([(b[s] - n[s]) / b[s] for s in common], unit="%")


def what_differs(t: ScoreTable, a: str, b: str, factor: str) -> list[str]:
    """What differs between rows ``a`` and ``b`` of ``t`` besides ``factor`` (the setting under
    test): the model, the generator, its width or the number of training steps."""
    sa, sb = t.setup.get(a, {}), t.setup.get(b, {})
    out = [f"{k} ({sa[k]} vs {sb[k]})" for k in ("model", "netG", "ngf", "steps")
           if k in sa and k in sb and sa[k] != sb[k]]
    return [f"{factor} and " + ", ".join(out)] if out else []


def _combine(parts: Mapping[str, Verdict], claim: str, effect: Effect | None) -> Verdict:
    word = min((v.verdict for v in parts.values()), key=_WEAKEST.index)
    evidence = "; ".join(f"against {k}: **{v.verdict}**, {v.evidence.rstrip('.')}"
                         for k, v in parts.items())
    return Verdict(claim, word, evidence + ".", effect)


def _missing(claim: str) -> Verdict:
    return verdict_from(claim, None)


def verdict_table4(task: str, t: ScoreTable | None = None) -> Verdict:
    """Does ours have a lower InfoSim than each of the three augmentation baselines?

    One part per baseline: the relative InfoSim reduction of ours, paired within seed, against
    the paper's (e.g. 0.00365 -> 0.00160: 56 %), decided by :func:`i2ibook.verdicts.decide`;
    *inconclusive* if either row fails its sanity check or the runs differ in more than the
    augmentation (the no-augmentation set has half the samples, so half the training steps).
    The claim's word is the weakest of its parts."""

    t = t or table4(task)
    ours_label = TABLE4_SETTINGS["ours"]
    paper = TABLE4_INFOSIM_BASELINES[PAPER_TASK[task]]
    claim = f"{PAPER_TASK[task]}: {PSEUDO_PAIR_CLAIMS[4]}"
    ours = t.scores[ours_label]
    parts = {}
    for label, base in t.scores.items():
        if label == ours_label:
            continue
        effect = relative_reduction(base, ours)
        p = (paper[label] - paper[ours_label]) / paper[label]
        name = label.split(") ")[-1]
        evidence = (f"InfoSim {mean_std(_means(ours, 'infosim'))[0]:.5f} vs "
                    f"{mean_std(_means(base, 'infosim'))[0]:.5f}" if effect else "")
        parts[name] = verdict_from(
            claim, effect, p, evidence,
            failed_checks=[*sanity_failures("ours", ours, t.baselines),
                           *sanity_failures(name, base, t.baselines)],
            differs=what_differs(t, ours_label, label, "augmentation"))
    if not all(v.effect for v in parts.values()):
        return _missing(claim)
    return _combine(parts, claim, None)


def verdict_table5(task: str, t: ScoreTable | None = None) -> Verdict:
    """Does InfoSim fall as the pseudo-pairing ratio rises? The relative InfoSim reduction from
    ratio 0.25 to 1.0, paired within seed, against the paper's (0.00293 -> 0.00025 for smiles:
    91 %); *inconclusive* if either end fails its sanity check. The ratio sets have the same
    size, so the runs differ only in the ratio."""

    t = t or table5(task)
    claim = f"{PAPER_TASK[task]}: {PSEUDO_PAIR_CLAIMS[5]}"
    paper = TABLE5_INFOSIM_RATIOS[PAPER_TASK[task]]
    lo, hi = t.scores["0.25"], t.scores["1"]
    effect = relative_reduction(lo, hi)
    if effect is None or not all(t.scores.values()):
        return _missing(claim)
    m = {k: mean_std(_means(v, "infosim"))[0] for k, v in t.scores.items()}
    evidence = ("mean InfoSim by ratio " + ", ".join(f"{k}: {x:.5f}" for k, x in m.items()) +
                "; reduction from 0.25 to 1")
    return verdict_from(claim, effect, (paper[0.25] - paper[1.0]) / paper[0.25], evidence,
                        failed_checks=[*sanity_failures("ratio 0.25", lo, t.baselines),
                                       *sanity_failures("ratio 1", hi, t.baselines)],
                        differs=what_differs(t, "0.25", "1", "pairing ratio"))


def verdict_table6(task: str, t: ScoreTable | None = None) -> Verdict:
    """Is the 50 % model preferred over both others? One part per other model: the classifier's
    preference rate minus 0.5, image by image within seed and paired over seeds, against the
    paper's people (e.g. 0.742 - 0.5); *inconclusive* when a compared model fails its sanity
    check (a blur fools the classifier, so its preferences count only for models that do the
    task, judged with the truth). The weakest part is the claim's word."""

    t = t or table6(task)
    claim = f"{PAPER_TASK[task]}: {PSEUDO_PAIR_CLAIMS[6]}"
    paper = TABLE6_PREFERENCE[PAPER_TASK[task]]
    parts = {}
    for other in ("0%", "100%"):
        common = sorted(set(t.scores["50%"]) & set(t.scores[other]))
        if not common:
            return _missing(claim)
        d = [preference_rate(t.scores["50%"][s]["attribute_prob"],
                             t.scores[other][s]["attribute_prob"]) - 0.5 for s in common]
        parts[f"{other}"] = verdict_from(
            claim, paired_effect(d), paper["50%"][other] - 0.5,
            f"preferred on {0.5 + float(np.mean(d)):.0%} of the test faces",
            failed_checks=[*sanity_failures("the 50 % model", t.scores["50%"], t.baselines),
                           *sanity_failures(f"the {other} model", t.scores[other], t.baselines)])
    return _combine(parts, claim, None)


def verdict_table7(task: str = "eyeglass_removal", t: ScoreTable | None = None) -> Verdict:
    """Explicit (pix2pix) has a lower InfoSim than implicit (CycleGAN). The relative InfoSim
    reduction of explicit, paired within seed, against the paper's (0.0018 -> 0.00034: 81 %);
    the part of the claim that it does not complete the task is shown beside it. The two
    models differ in more than the use of the pairs (architecture, width, steps), so the
    verdict is *inconclusive* until a matched run exists; a failed sanity check is named too."""

    t = t or table7(task)
    claim = f"{PAPER_TASK[task]}: {PSEUDO_PAIR_CLAIMS[7]}"
    imp, exp = t.scores["implicit"], t.scores["explicit"]
    effect = relative_reduction(imp, exp)
    if effect is None:
        return _missing(claim)
    paper = (TABLE7_INFOSIM_SETTINGS["implicit"] - TABLE7_INFOSIM_SETTINGS["explicit"]) / \
        TABLE7_INFOSIM_SETTINGS["implicit"]
    ms = {k: (mean_std(_means(v, "infosim"))[0], mean_std(_means(v, "task_completion"))[0])
          for k, v in (("explicit", exp), ("implicit", imp))}
    evidence = (f"InfoSim explicit {ms['explicit'][0]:.5f} vs implicit {ms['implicit'][0]:.5f}; "
                f"task completion {ms['explicit'][1]:.0%} vs {ms['implicit'][1]:.0%}")
    return verdict_from(claim, effect, paper, evidence,
                        failed_checks=[*sanity_failures("explicit", exp, t.baselines),
                                       *sanity_failures("implicit", imp, t.baselines)],
                        differs=what_differs(t, "implicit", "explicit", "explicit pairs"))


# --------------------------------------------------------------------------------------------
# Figures


def translation_grid(task: str, columns: Mapping[str, Model], scale: str = "book",
                     seed: int = 0, n: int = 5, title: str | None = None):
    """Figs. 4-8 of the paper: ``n`` held-out faces (the first of the test set, which does not
    depend on the setting) translated by the seed-``seed`` run of each model, between the input
    and its true counterpart. Columns whose run is not stored are left out.

    Returns:
        ``(figure, shown)``: a matplotlib figure and the column labels it shows.
    """
    from i2ibook.runner import build_test_data, translate
    from i2ilib.viz import image_grid

    where = results_dir_for(scale)
    test_A, truth = build_test_data(pseudo_pairs_run(scale, task, "ours", seed)[1])
    test_A, truth = test_A[:n], truth[:n]
    cols: dict[str, Tensor] = {"input": test_A}
    for label, model in columns.items():
        run = find_run(*model.make(scale, seed), results_dir=where)
        if run is not None:
            cols[label] = translate(run, test_A)
    cols["true counterpart"] = truth
    return image_grid(cols, max_rows=n, title=title), [k for k in cols if k in columns]


def tradeoff(task: str, models: Mapping[str, Model], scale: str = "book",
             seeds: Sequence[int] = PSEUDO_SEEDS, ax: Any = None, references: bool = True):
    """Identity against task: InfoSim (x, lower keeps more of the person) and task completion
    (y, higher removes the attribute more often), mean ± std over seeds per model, with the two
    references of :func:`reference_scores` (the unchanged input and the true counterpart).

    Returns:
        ``{label: (infosim means, task-completion means)}`` per seed, for the models drawn.
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    drawn = {}
    for i, (label, model) in enumerate(models.items()):
        scores = model_scores(model, scale, seeds)
        if not scores:
            continue
        s = _summaries(scores)
        (x, dx), (y, dy) = mean_std(s["infosim"]), mean_std(s["task_completion"])
        ax.errorbar(x, y, xerr=dx, yerr=dy, fmt="o", color=f"C{i}", capsize=3, label=label)
        drawn[label] = (s["infosim"], s["task_completion"])
    if references:
        for (label, sc), marker in zip(reference_scores(task, scale).items(), ("s", "*")):
            r = summarise(sc)
            ax.plot(r["infosim"], r["task_completion"], marker, color="black", ms=9,
                    mfc="white" if marker == "s" else "black", label=label)
    ax.set_xlabel("InfoSim to the input (lower: identity kept)")
    ax.set_ylabel("task completion (attribute gone)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlim(left=-0.0003)
    ax.set_title(PAPER_TASK[task] + " removal")
    ax.grid(alpha=0.3)
    return drawn
