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

import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from i2ibook.verdicts import Verdict, compare_means, fmt_mean_std, markdown_table, mean_std
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
    weights = Path(run.path) / "generators.pt"
    return {"version": SCORES_VERSION, "config_hash": config_hash(run.config),
            "generators": hashlib.sha256(weights.read_bytes()).hexdigest()[:16],
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


def reference_scores(task: str, scale: str = "book") -> dict[str, dict[str, np.ndarray]]:
    """Scores of two models no training can beat or should copy, on the chapter's test set:
    ``"input unchanged"`` (the identity map: InfoSim 0, the attribute still there) and
    ``"true counterpart"`` (a perfect removal: MSE 0, and the InfoSim the identity network
    gives to the same person with and without the attribute)."""
    from i2ibook.runner import build_test_data

    _, config = pseudo_pairs_run(scale, task, "ours", 0)
    test_A, truth = build_test_data(config)
    attribute = attribute_of(task)
    return {"input unchanged": score_translations(test_A, test_A, truth, attribute),
            "true counterpart": score_translations(test_A, truth, truth, attribute)}


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


def _cells(scores: Mapping[int, Mapping[str, np.ndarray]], n_seeds: int) -> list[str]:
    if not scores:
        return ["not run", "not run", "not run", f"0/{n_seeds}"]
    s = _summaries(scores)
    return [fmt_mean_std(s["infosim"], 5), fmt_mean_std(s["task_completion"], 2),
            fmt_mean_std(s["mse"], 4), f"{len(scores)}/{n_seeds}"]


@dataclass
class ScoreTable:
    """A table of ours beside the paper's values: ``markdown`` for display, ``rows`` (the
    cells) and ``scores`` (``{row label: {seed: per-image scores}}``) for checks."""

    markdown: str
    rows: list[list[str]]
    scores: dict[str, dict[int, dict[str, np.ndarray]]]

    def _repr_markdown_(self) -> str:
        return self.markdown


_HEADER = ["InfoSim (ours)", "task completion", "MSE to truth", "seeds"]


def _table(task: str, labels: Mapping[str, Model], paper: Mapping[str, float | None],
           first: str, scale: str, seeds: Sequence[int],
           results_dir: str | Path | None) -> ScoreTable:
    rows, all_scores = [], {}
    for label, model in labels.items():
        scores = model_scores(model, scale, seeds, results_dir)
        all_scores[label] = scores
        p = paper.get(label)
        rows.append([label, "–" if p is None else f"{p:.5f}", *_cells(scores, len(seeds))])
    md = markdown_table([first, "InfoSim (paper)", *_HEADER], rows, "lrrrrr")
    return ScoreTable(md, rows, all_scores)


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
    md = markdown_table(["preferred", "over", "rate (paper, people)",
                         "rate (ours, classifier)", "seeds"], rows, "llrrr")
    return ScoreTable(md, rows, scores)


# --------------------------------------------------------------------------------------------
# Verdicts


def _means(scores: Mapping[int, Mapping[str, np.ndarray]], key: str) -> list[float]:
    return _summaries(scores)[key] if scores else []


def _verdict(claim: str, verdict: str, evidence: str,
             scores: Sequence[Mapping[int, Any]]) -> Verdict:
    """A verdict that is at most *partly reproduced* while a compared row has a single seed:
    one run shows the direction of a difference but not whether it beats the seed spread."""
    n = min(len(s) for s in scores)
    if n < 2 and verdict == "reproduced":
        verdict = "partly reproduced"
    if n < 2:
        evidence += " (one seed: the seed-to-seed spread is not known yet)"
    return Verdict(claim, verdict, evidence + ".")


def verdict_table4(task: str, t: ScoreTable | None = None) -> Verdict:
    """Does ours have the lowest InfoSim of the four settings, beyond the seed spread?
    Reproduced if ours beats every baseline beyond the spread, partly if it beats at least one
    and loses to none, else not (a lower mean within the spread is not a win)."""

    t = t or table4(task)
    ours_label = TABLE4_SETTINGS["ours"]
    ours = _means(t.scores[ours_label], "infosim")
    base = {k: _means(v, "infosim") for k, v in t.scores.items() if k != ours_label}
    claim = f"{PAPER_TASK[task]}: {PSEUDO_PAIR_CLAIMS[4]}"
    if not ours or not all(base.values()):
        return Verdict(claim, "not comparable", "Not every setting has a stored run yet.")
    outcome = {k: compare_means(ours, v, higher_is_better=False) for k, v in base.items()}
    m = {k: mean_std(v)[0] for k, v in base.items()}
    better = [k for k, o in outcome.items() if o == "better"]
    worse = [k for k, o in outcome.items() if o == "worse"]
    evidence = (f"ours {mean_std(ours)[0]:.5f} against " +
                ", ".join(f"{k.split(') ')[-1]} {m[k]:.5f} ({outcome[k]})" for k in base) +
                (f" (means over {len(ours)} seeds)" if len(ours) > 1 else ""))
    if len(better) == len(base):
        verdict = "reproduced"
    elif better and not worse:
        verdict = "partly reproduced"
    else:
        verdict = "not reproduced"
    return _verdict(claim, verdict, evidence, list(t.scores.values()))


def verdict_table5(task: str, t: ScoreTable | None = None) -> Verdict:
    """Does InfoSim fall as the pseudo-pairing ratio rises? Reproduced if the seed means fall
    at every step, partly if 1.0 beats 0.25 beyond the spread, else not."""

    t = t or table5(task)
    claim = f"{PAPER_TASK[task]}: {PSEUDO_PAIR_CLAIMS[5]}"
    vals = {k: _means(v, "infosim") for k, v in t.scores.items()}
    if not all(vals.values()):
        return Verdict(claim, "not comparable", "Not every ratio has a stored run yet.")
    m = [mean_std(v)[0] for v in vals.values()]
    evidence = ", ".join(f"{k}: {x:.5f}" for k, x in zip(vals, m)) + \
        " (mean InfoSim by ratio)"
    monotone = all(b < a for a, b in itertools.pairwise(m))
    ends = compare_means(vals["1"], vals["0.25"], higher_is_better=False)
    if monotone and ends == "better":
        verdict = "reproduced"
    elif ends == "better" or monotone:
        verdict = "partly reproduced"
    else:
        verdict = "not reproduced"
    return _verdict(claim, verdict, evidence, list(t.scores.values()))


def verdict_table6(task: str, t: ScoreTable | None = None) -> Verdict:
    """Is the 50 % model preferred over both others? A preference counts when its rate is
    above 0.5 by more than its seed standard deviation: reproduced if both count, partly if
    one does, else not (a rate within the spread of 0.5 is a coin flip, not a preference)."""

    t = t or table6(task)
    claim = f"{PAPER_TASK[task]}: {PSEUDO_PAIR_CLAIMS[6]}"
    rates = {}
    for r in TABLE6_SETTINGS:
        for c in TABLE6_SETTINGS:
            common = sorted(set(t.scores[r]) & set(t.scores[c])) if r != c else []
            if common:
                rates[r, c] = [preference_rate(t.scores[r][s]["attribute_prob"],
                                               t.scores[c][s]["attribute_prob"]) for s in common]
    need = [("50%", "0%"), ("50%", "100%")]
    if not all(k in rates for k in need):
        return Verdict(claim, "not comparable", "The 0 %, 50 % and 100 % models are not all "
                       "stored yet.")
    wins = [k for k in need if mean_std(rates[k])[0] - mean_std(rates[k])[1] > 0.5]
    evidence = (f"the classifier prefers the 50 % model's output over 0 % on "
                f"{mean_std(rates[need[0]])[0]:.0%} and over 100 % on "
                f"{mean_std(rates[need[1]])[0]:.0%} of the test faces")
    verdict = ("reproduced" if len(wins) == 2 else
               "partly reproduced" if wins else "not reproduced")
    return _verdict(claim, verdict, evidence, [t.scores[k] for k in TABLE6_SETTINGS])


def verdict_table7(task: str = "eyeglass_removal", t: ScoreTable | None = None) -> Verdict:
    """Explicit (pix2pix) has the lower InfoSim but completes the task less often."""

    t = t or table7(task)
    claim = f"{PAPER_TASK[task]}: {PSEUDO_PAIR_CLAIMS[7]}"
    imp, exp = t.scores["implicit"], t.scores["explicit"]
    if not imp or not exp:
        return Verdict(claim, "not comparable", "The explicit or implicit runs are not stored "
                       "yet.")
    info = compare_means(_means(exp, "infosim"), _means(imp, "infosim"), higher_is_better=False)
    task_c = compare_means(_means(exp, "task_completion"), _means(imp, "task_completion"),
                           higher_is_better=True)
    ms = {k: (mean_std(_means(v, "infosim"))[0], mean_std(_means(v, "task_completion"))[0])
          for k, v in (("explicit", exp), ("implicit", imp))}
    evidence = (f"InfoSim explicit {ms['explicit'][0]:.5f} vs implicit {ms['implicit'][0]:.5f} "
                f"({info} for explicit); task completion {ms['explicit'][1]:.0%} vs "
                f"{ms['implicit'][1]:.0%} ({task_c} for explicit)")
    if info == "better" and task_c == "worse":
        verdict = "reproduced"
    elif info == "better" or task_c == "worse":
        verdict = "partly reproduced"
    else:
        verdict = "not reproduced"
    return _verdict(claim, verdict, evidence, [imp, exp])


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
