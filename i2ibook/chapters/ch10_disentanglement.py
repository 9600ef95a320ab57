"""Chapter 10's measurements: content transfer (Press, Galanti, Benaim & Wolf, ICLR 2019) on
SynthFaces, judged with the truth the renderer knows.

**Removal** (B -> A, ``g(e1(b), 0)``). A test face with the attribute is scored by the book's
attribute classifier (``synthattr-v1``: the probability that the output still shows it; the
slides' Table 4 reports its mean) and by its mean squared error to the **true counterpart**, the
same face rendered without the attribute. The task counts as done on a face, *judged with the
truth*, when the classifier no longer sees the attribute **and** the output is closer to the
truth than the input was (:func:`i2ilib.metrics.baselines.completed_with_truth`).

**Guided transfer** (A -> B, ``g(e1(a), e2(b'))``). A test face without the attribute takes the
attribute of a guide face ``b'``; the truth is the face rendered with the guide's attribute (the
guide's glasses; :mod:`i2ilib.data.contenttransfer`). Done, judged with the truth: the
classifier sees the attribute **and** the output is closer to the truth than the input was.

**The sanity check** (:func:`sanity`) a model passes before any comparison: removal done on at
least half of the test faces judged with the truth, and a mean squared error to the truth below
every trivial baseline's -- the input unchanged, its blur, the mean A training face.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from i2ibook.runner import get_run
from i2ilib.metrics.baselines import (
    SanityCheck,
    blur_baseline,
    completed_with_truth,
    identity_baseline,
    mean_baseline,
)

#: The share of test faces on which a task must be done (judged with the truth).
MIN_COMPLETION = 0.5
#: The trivial baselines of removal, in the order of the tables.
IDENTITY, BLUR, MEAN = "input unchanged", "blur (σ = 1.5)", "mean A face"
BASELINES = (IDENTITY, BLUR, MEAN)


def _mse(x: Tensor, y: Tensor) -> np.ndarray:
    """Per-image MSE on the [0, 1] intensity scale of two [-1, 1] batches."""
    return ((x.double() - y.double()) / 2).pow(2).flatten(1).mean(1).numpy()


@torch.no_grad()
def attribute_prob(images: Tensor, attribute: str, classifier=None) -> np.ndarray:
    """``(N,)`` probability the book's attribute classifier gives ``attribute`` on ``images``."""
    from i2ilib.metrics.attributes import attribute_probabilities, face_attribute_classifier

    classifier = classifier or face_attribute_classifier()
    return attribute_probabilities(classifier, images)[attribute].double().numpy()


def score_removal(inputs: Tensor, outputs: Tensor, truth: Tensor, attribute: str,
                  classifier=None) -> dict[str, np.ndarray]:
    """Per-image ``attribute_prob`` (of the output), ``mse`` (output to truth), ``input_mse``
    (input to truth) and ``done`` (judged with the truth)."""
    prob = attribute_prob(outputs, attribute, classifier)
    mse, mse_in = _mse(outputs, truth), _mse(inputs, truth)
    from i2ilib.metrics.attributes import THRESHOLD

    return {"attribute_prob": prob, "mse": mse, "input_mse": mse_in,
            "done": completed_with_truth(prob, mse, mse_in, THRESHOLD).astype(float)}


def score_transfer(inputs: Tensor, outputs: Tensor, truth: Tensor, attribute: str,
                   classifier=None) -> dict[str, np.ndarray]:
    """Per-image ``attribute_prob`` (the attribute appears when >= 0.5), ``mse`` to the truth
    (the face with the guide's attribute), ``input_mse`` and ``done``: the attribute appears and
    the output is closer to the truth than the input."""
    from i2ilib.metrics.attributes import THRESHOLD

    prob = attribute_prob(outputs, attribute, classifier)
    mse, mse_in = _mse(outputs, truth), _mse(inputs, truth)
    return {"attribute_prob": prob, "mse": mse, "input_mse": mse_in,
            "done": ((prob >= THRESHOLD) & (mse < mse_in)).astype(float)}


def removal_baselines(inputs: Tensor, truth: Tensor, train_A: Tensor, attribute: str,
                      classifier=None) -> dict[str, dict[str, np.ndarray]]:
    """:func:`score_removal` of the trivial baselines: the input, its blur, the mean A face."""
    outs = {IDENTITY: identity_baseline(inputs), BLUR: blur_baseline(inputs),
            MEAN: mean_baseline(train_A, len(inputs))}
    return {k: score_removal(inputs, v, truth, attribute, classifier) for k, v in outs.items()}


def summary(scores: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Means: ``attribute_prob``, ``mse``, ``done`` (share of faces)."""
    return {k: float(np.mean(scores[k])) for k in ("attribute_prob", "mse", "done")}


def sanity(removal: Mapping[str, np.ndarray],
           baselines: Mapping[str, Mapping[str, np.ndarray]]) -> list[SanityCheck]:
    """The removal sanity check: MSE to the truth below each baseline's, and done (judged with
    the truth) on at least :data:`MIN_COMPLETION` of the test faces."""
    mse = float(np.mean(removal["mse"]))
    checks = [SanityCheck(f"beats {k} on MSE to the truth", mse < float(np.mean(v["mse"])),
                          f"{mse:.5f} vs {float(np.mean(v['mse'])):.5f}")
              for k, v in baselines.items()]
    done = float(np.mean(removal["done"]))
    checks.append(SanityCheck("removal done judged with the truth on most test faces",
                              done >= MIN_COMPLETION, f"{done:.0%} of faces"))
    return checks


def evaluate_trainer(trainer: Any, data: Any, classifier=None) -> dict[str, Any]:
    """Removal and guided-transfer scores of a trained
    :class:`~i2ilib.train.ContentTransferTrainer` on a
    :class:`~i2ilib.data.contenttransfer.ContentTransferData`, with the removal baselines and
    the sanity check."""
    att = data.attribute
    r_in, r_truth = data.tensors("removal_input"), data.tensors("removal_truth")
    t_in, t_guide = data.tensors("transfer_input"), data.tensors("transfer_guide")
    t_truth = data.tensors("transfer_truth")
    removal = score_removal(r_in, trainer.remove(r_in), r_truth, att, classifier)
    transfer = score_transfer(t_in, trainer.transfer(t_in, t_guide), t_truth, att, classifier)
    base = removal_baselines(r_in, r_truth, data.tensors("A"), att, classifier)
    checks = sanity(removal, base)
    return {"removal": removal, "transfer": transfer, "baselines": base,
            "sanity": [(c.name, bool(c.passed), c.detail) for c in checks],
            "passes": all(c.passed for c in checks)}


# --------------------------------------------------------------------------------------------
# Stored runs


#: The rows of the chapter's tables: the catalogue's ``separate`` option for each model.
MODELS: dict[str, str] = {"Fader-style baseline": "fader", "ours (e1, e2, g)": "e2"}
#: The slides' Table 4 row of each model.
PAPER_ROW = {"Fader-style baseline": "Fader networks (Lample et al., 2017)",
             "ours (e1, e2, g)": "Our"}




def model_runs(model: str, scale: str = "book", seeds=None, results_dir=None) -> dict[int, Any]:
    """``{seed: stored run}`` of a row of :data:`MODELS` (missing seeds left out)."""
    from functools import partial

    from i2ibook.catalogue import CONTENT_SEEDS, content_transfer_run

    out = {}
    for s in seeds if seeds is not None else CONTENT_SEEDS:
        run = get_run(partial(content_transfer_run, separate=MODELS[model], seed=s), scale,
                      results_dir=results_dir)
        if run is not None:
            out[s] = run
    return out


def scores_of(run: Any, task: str = "removal") -> dict[str, np.ndarray]:
    """The per-image scores a stored run keeps (``task``: ``"removal"`` or ``"transfer"``)."""
    m = run.metrics[task]
    return {k: np.asarray(v, dtype=float) for k, v in m.items() if k != "mean"}


def baselines_of(run: Any) -> dict[str, dict[str, np.ndarray]]:
    """The trivial baselines' per-image removal scores stored with a run."""
    return {k: {q: np.asarray(v, dtype=float) for q, v in d.items() if q != "mean"}
            for k, d in run.metrics["baselines"].items()}


def checks_table(checks: list[SanityCheck] | list[tuple]) -> str:
    """The sanity checks as a Markdown table."""
    from i2ibook.verdicts import markdown_table

    rows = [(c.name, "passes" if c.passed else "fails", c.detail) if isinstance(c, SanityCheck)
            else (c[0], "passes" if c[1] else "fails", c[2]) for c in checks]
    return markdown_table(["check", "result", "numbers"], rows, "lll")


def removal_table(runs: Mapping[str, Mapping[int, Any]], attribute: str = "Glasses") -> str:
    """The slides' Table 4 beside ours: per model, the mean probability of B after removal (by
    the book's classifier), the paper's number, the share of faces done judged with the truth,
    the MSE to the truth and the sanity check, mean ± std over the stored seeds; then the
    trivial baselines (from the first stored run)."""
    from i2ibook.papers.press2019 import TABLE4
    from i2ibook.verdicts import fmt_mean_std, markdown_table

    rows, first = [], None
    for model, by_seed in runs.items():
        if not by_seed:
            rows.append([model, f"{TABLE4[PAPER_ROW[model]][attribute]:.3f}", "not run", "–",
                         "–", "–", "0"])
            continue
        first = first or next(iter(by_seed.values()))
        sc = [scores_of(r) for r in by_seed.values()]
        ok = all(bool(r.metrics["passes"]) for r in by_seed.values())
        rows.append([model, f"{TABLE4[PAPER_ROW[model]][attribute]:.3f}",
                     fmt_mean_std([np.mean(s["attribute_prob"]) for s in sc], 3),
                     fmt_mean_std([np.mean(s["done"]) for s in sc], 2),
                     fmt_mean_std([np.mean(s["mse"]) for s in sc], 4),
                     "passes" if ok else "fails", str(len(sc))])
    if first is not None:
        for name, b in baselines_of(first).items():
            rows.append([f"*baseline: {name}*", "–", f"{np.mean(b['attribute_prob']):.3f}",
                         f"{np.mean(b['done']):.2f}", f"{np.mean(b['mse']):.4f}", "(baseline)",
                         "–"])
    return markdown_table(["removal of glasses", "P(B) after removal (paper)",
                           "P(B) after removal (ours)", "done, judged with the truth",
                           "MSE to truth", "sanity check", "seeds"], rows, "lrrrrll")


def transfer_table(runs: Mapping[str, Mapping[int, Any]]) -> str:
    """Guided transfer: the classifier's probability of the attribute on ``g(e1(a), e2(b'))``,
    the share done judged with the truth (attribute there and closer to the truth than ``a``),
    the MSE to the truth (``a`` with ``b'``'s glasses)."""
    from i2ibook.verdicts import fmt_mean_std, markdown_table

    rows = []
    for model, by_seed in runs.items():
        sc = [scores_of(r, "transfer") for r in by_seed.values()]
        if not sc:
            rows.append([model, "not run", "–", "–", "–", "0"])
            continue
        rows.append([model, fmt_mean_std([np.mean(s["attribute_prob"]) for s in sc], 3),
                     fmt_mean_std([np.mean(s["done"]) for s in sc], 2),
                     fmt_mean_std([np.mean(s["mse"]) for s in sc], 4),
                     f"{np.mean(sc[0]['input_mse']):.4f}", str(len(sc))])
    return markdown_table(["guided transfer of glasses", "P(glasses) on the output",
                           "done, judged with the truth", "MSE to truth",
                           "MSE of a itself to truth", "seeds"], rows, "lrrrrl")


# --------------------------------------------------------------------------------------------
# Figures


def model_of(run: Any) -> torch.nn.Module:
    """The stored ``e1``, ``e2``, ``g`` of a run, in eval mode on CPU (float32)."""
    from i2ilib.train.content import content_transfer_from_config

    net = content_transfer_from_config(run.config["trainer"])
    net.load_state_dict({k: v.float() for k, v in run.generator_state()["AE"].items()})
    return net.eval()


@torch.no_grad()
def transfer_grid(net: torch.nn.Module, faces: Tensor, guides: Tensor):
    """The slides' Fig. 2: the A faces along the top row, the guides down the left column, and
    in cell (i, j) ``g(e1(faces[j]), e2(guides[i]))``."""
    import matplotlib.pyplot as plt

    from i2ilib.viz import to_image

    n, m = len(guides), len(faces)
    fig, axes = plt.subplots(n + 1, m + 1, figsize=(1.2 * (m + 1), 1.2 * (n + 1)))
    for ax in axes.flat:
        ax.axis("off")
    for j in range(m):
        axes[0, j + 1].imshow(to_image(faces[j]))
    for i in range(n):
        axes[i + 1, 0].imshow(to_image(guides[i]))
        out = net.transfer(faces, guides[i:i + 1]).clamp(-1, 1)
        for j in range(m):
            axes[i + 1, j + 1].imshow(to_image(out[j]))
    axes[0, 0].text(0.5, 0.5, "guide ↓  face →", ha="center", va="center", fontsize=8)
    fig.tight_layout(pad=0.2)
    return fig


# --------------------------------------------------------------------------------------------
# Table 1: the networks the book implements


def sharing_table() -> str:
    """The slides' Table 1 for the book's own trainers: counted from tiny instances of each
    (encoders, generators or decoders, discriminators), with the slides' rows for the paper."""
    from i2ibook.verdicts import markdown_table
    from i2ilib.train import (
        ContentTransferConfig,
        ContentTransferTrainer,
        CycleGANConfig,
        CycleGANTrainer,
        UDITConfig,
        UDITTrainer,
    )

    rows = []
    cyc = CycleGANTrainer(CycleGANConfig(netG="resnet_6blocks", ngf=4, ndf=4, device="cpu"))
    rows.append(["CycleGAN (ch. 04)", "no", "no", "no", "no", "0 (inside G)",
                 sum(k.startswith("G") for k in cyc.nets), sum(k.startswith("D") for k in cyc.nets)])
    udit = UDITTrainer(UDITConfig(device="cpu", **_tiny_udit()))
    enc = sum(type(m).__name__.endswith("Encoder") for k, ae in udit.nets.items()
              if k.startswith("AE") for m in ae.children())  # E_c and E_s per domain
    rows.append(["MUNIT-style (UDIT without its constraint)", "no", "yes", "no", "no", enc,
                 sum(1 for k in udit.nets if k.startswith("AE")),
                 sum(1 for k in udit.nets if k.startswith("D"))])
    for sep, label in (("e2", "content transfer (ours, ch. 10)"),
                       ("fader", "Fader-style baseline (ch. 10)")):
        t = ContentTransferTrainer(ContentTransferConfig(size=16, ngf=4, n_down=2, content_nc=4,
                                                         sep=2, separate=sep, device="cpu"))
        n_enc = 1 + (t.AE.e2 is not None)
        rows.append([label, "no", "yes", "yes", "yes", n_enc, 1, "1 (on e1's code)"])
    return markdown_table(["network", "shared layers", "shared latent space", "shared encoder",
                           "shared decoder", "encoders", "generators / decoders",
                           "discriminators"], rows, "lllllrrl")


def _tiny_udit() -> dict[str, Any]:
    import dataclasses

    from i2ilib.train import UDITConfig

    names = {f.name for f in dataclasses.fields(UDITConfig)}
    opts = {"ngf": 4, "ndf": 4, "style_dim": 2, "mlp_dim": 4, "n_res": 1, "n_down": 1,
            "n_layers_D": 1}
    return {k: v for k, v in opts.items() if k in names}


# --------------------------------------------------------------------------------------------
# Verdicts


def verdict_table4(runs: Mapping[str, Mapping[int, Any]], attribute: str = "Glasses"):
    """Table 4's claim: removal leaves a lower probability of B with ours than with the
    Fader-style baseline. Paired by seed (same data and seed); *inconclusive* when either model
    fails its sanity check."""
    from i2ibook.papers.press2019 import CLAIMS, TABLE4
    from i2ibook.verdicts import paired_effect, verdict_from

    ours, fader = runs.get("ours (e1, e2, g)", {}), runs.get("Fader-style baseline", {})
    seeds = sorted(set(ours) & set(fader))
    failed = [f"{m} fails its sanity check (seed {s})" for m, rs in runs.items()
              for s, r in rs.items() if not r.metrics["passes"]]
    paper = (TABLE4[PAPER_ROW["Fader-style baseline"]][attribute]
             - TABLE4[PAPER_ROW["ours (e1, e2, g)"]][attribute])
    if not seeds:
        missing = [m for m, rs in runs.items() if not rs] or list(runs)
        return verdict_from(CLAIMS["removal"], None, paper, failed_checks=failed,
                            missing=f"no seed has both models stored ({', '.join(missing)}: "
                                    "not run)")
    diffs = [np.mean(scores_of(fader[s])["attribute_prob"])
             - np.mean(scores_of(ours[s])["attribute_prob"]) for s in seeds]
    return verdict_from(CLAIMS["removal"], paired_effect(diffs), paper,
                        evidence="mean P(B) after removal, Fader-style minus ours, per seed",
                        failed_checks=failed)


@torch.no_grad()
def separate_code_effect(net: torch.nn.Module, b: Tensor, truth: Tensor) -> dict[str, float]:
    """How much ``e2`` changes the decoder's output, against how much the glasses change the
    face: the mean squared difference (on [0, 1]) between ``g(e1(b), e2(b))`` and
    ``g(e1(b), 0)``, and between ``b`` and its truth without glasses. A model whose decoder
    draws the glasses from ``e2`` has the first close to the second; one that ignores ``e2``
    has it near zero."""
    rec, removed = net.reconstruct_B(b).clamp(-1, 1), net.remove(b).clamp(-1, 1)
    return {"e2's effect": float(np.mean(_mse(rec, removed))),
            "the glasses' effect": float(np.mean(_mse(b, truth)))}


# --------------------------------------------------------------------------------------------
# Audio separation: content transfer on spectrograms (Benaim & Wolf's slides, "Other Domains?")

#: The model's row of the separation table, then the rows that need no model.
SEPARATION_MODEL = "content transfer: mixture minus g(e1(b), 0)"


def separation_scores_of(run: Any) -> dict[str, np.ndarray]:
    """The per-clip SI-SDR (dB) of a stored audio-separation run: the model first (under
    :data:`SEPARATION_MODEL`), then :data:`i2ilib.metrics.separation.SEPARATION_BASELINES` in
    their order."""
    from i2ilib.metrics.separation import SEPARATION_BASELINES

    stored = run.metrics["si_sdr"]
    out = {SEPARATION_MODEL: np.asarray(stored["model"], dtype=float)}
    out.update({k: np.asarray(stored[k], dtype=float) for k in SEPARATION_BASELINES})
    return out


def separation_table(scores: Mapping[str, np.ndarray]) -> str:
    """Markdown: each estimate's mean SI-SDR (dB) on the test mixtures, its median, and the
    share of clips on which the model's estimate scores higher."""
    from i2ibook.verdicts import markdown_table

    model = scores[SEPARATION_MODEL]
    rows = []
    for name, s in scores.items():
        better = "" if name == SEPARATION_MODEL else f"{np.mean(model > s):.0%}"
        rows.append([name, f"{s.mean():.2f}", f"{np.median(s):.2f}", better])
    return markdown_table(["voice estimate", "mean SI-SDR (dB)", "median (dB)",
                           "clips where the model scores higher"], rows, "lrrr")


def spectrogram_panels(columns: Mapping[str, Tensor], sample_rate: int, n_rows: int = 3):
    """Spectrogram images side by side: one column per entry of ``columns`` (``(N, 1, F, T)``
    in [-1, 1], :func:`i2ilib.data.spectrogram.spectrogram_image`), one row per clip; time in
    seconds across, frequency in kHz up (0 Hz at the bottom)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from i2ilib.data.spectrogram import HOP, N_FFT

    names = list(columns)
    fig, axes = plt.subplots(n_rows, len(names), figsize=(2.3 * len(names), 1.9 * n_rows),
                             squeeze=False, sharex=True, sharey=True)
    for j, name in enumerate(names):
        images = columns[name]
        n_bins, n_frames = images.shape[-2:]
        extent = (0, (n_frames - 1) * HOP / sample_rate, 0, n_bins * sample_rate / N_FFT / 1000)
        for i in range(n_rows):
            ax = axes[i, j]
            ax.imshow(images[i, 0].numpy(), origin="lower", aspect="auto", cmap="magma",
                      vmin=-1, vmax=1, extent=extent)
            if i == 0:
                ax.set_title(name, fontsize=9)
            if j == 0:
                ax.set_ylabel("kHz", fontsize=8)
            if i == n_rows - 1:
                ax.set_xlabel("s", fontsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=3, prune="upper"))  # none at the edge
            ax.tick_params(labelsize=7)
    fig.tight_layout(pad=0.3)
    return fig


def removal_diagnostics(removed: Tensor, mixtures: Tensor, backgrounds: Tensor, voices: Tensor,
                        loud: float = -0.5) -> dict[str, float]:
    """How a removal ``g(e1(b), 0)`` of mixture spectrograms misses the true background, on
    images ``(N, 1, F, T)`` in [-1, 1] (:func:`i2ilib.data.spectrogram.spectrogram_image`):

    * ``"removal's error"``, ``"mixture's error"``: mean absolute difference to the true
      background's image of the removal and of the mixture itself (returning the mixture
      unchanged is the trivial removal);
    * ``"voice excess kept"``: on the pixels where the voice is loud (its image above
      ``loud``), how far the removal stands above the true background, as a share of how far
      the mixture does (1: the voice is kept whole, 0: removed exactly)."""
    on_voice = voices > loud
    excess_mixture = (mixtures - backgrounds)[on_voice].mean()
    excess_removal = (removed - backgrounds)[on_voice].mean()
    return {"removal's error": float((removed - backgrounds).abs().mean()),
            "mixture's error": float((mixtures - backgrounds).abs().mean()),
            "voice excess kept": float(excess_removal / excess_mixture)}
