"""Chapter 12's measurements: MineGAN (Wang et al. CVPR 2020; Wang 2020 thesis, chapter 3) on the
book's embedded images: chapter 11's source GAN (2000 SynthFaces) adapted to 200 faces that all
wear glasses and a hat by five methods with the same data, sizes, optimiser and number of steps,
and the verdicts.

**The methods** (:data:`METHODS`). *scratch* and *TransferGAN* are chapter 11's stored runs
(:func:`i2ibook.catalogue.transfer_gan_run`: a WGAN-GP from random weights, and one that starts
from the source's generator and critic). *BSA* trains only the batch-norm scales and shifts of
the source generator (with the source critic; the BSA-style baseline of
:mod:`i2ilib.train.wgan`). *MineGAN w/o FT* trains a miner ``M`` (four fully connected layers) in
front of the frozen source generator, with the source critic (eqs. 3.3-3.4), for every step;
*MineGAN* does so for the first half of the steps and then fine-tunes miner, generator and
critic (Section 3.3.4). :func:`i2ibook.catalogue.minegan_run` builds the last three.

**The measures** are chapter 11's (:mod:`i2ibook.chapters.ch11_transfer_gans`): FD on
``synthcnn-v1-d192`` between 500 samples and the 500 held-out target faces, IW, FD every 100
critic steps, and the sanity check against the trivial generator. One reference is new: the
*untouched source generator*, the FD of chapter 11's source GAN on the target (the step-0 point
of every TransferGAN run, the same for every seed: same generator, same noise, same held-out
faces). A MineGAN run passes the pilot when it passes the sanity check and its FD is below the
source generator's (:func:`pilot_checks`).

**Overfitting over iterations** (:func:`overfit`): the FD at the end of a run minus the lowest FD
its curve reached after step 0; zero when a run ends at its best.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch
from torch import Tensor

from i2ibook.catalogue import MINEGAN_METHODS, MINEGAN_SEEDS, minegan_run, transfer_gan_run
from i2ibook.chapters.ch11_transfer_gans import (
    baselines,
    fd,
    fd_at,
    fd_curve,
    get_run,
    iw,
    passes,
    run_passes,
    sanity_check,
)
from i2ibook.papers.wang2020_minegan import CLAIMS
from i2ibook.verdicts import (
    FigureOnly,
    Verdict,
    fmt_mean_std,
    markdown_table,
    paired_effect,
    verdict_from,
)
from i2ilib.metrics.baselines import SanityCheck
from i2ilib.results import Run

__all__ = ["METHODS", "baselines", "fd", "fd_at", "fd_curve", "get_run", "iw", "passes",
           "run_passes", "sanity_check"]

#: The five adaptations, in the order the chapter's tables list them.
METHODS = ("scratch", "TransferGAN", "BSA", "MineGAN w/o FT", "MineGAN")


def method_maker(method: str, seed: int = 0, n_target: int | None = None):
    """The catalogue entry (``scale -> (name, config)``) of ``method`` for ``seed``."""
    if method in ("scratch", "TransferGAN"):
        return partial(transfer_gan_run, init=method, seed=seed, n_target=n_target)
    if method not in MINEGAN_METHODS:
        raise ValueError(f"Unknown method {method!r}: choose one of {', '.join(METHODS)}.")
    return partial(minegan_run, method=method, seed=seed, n_target=n_target)


def method_runs(scale: str = "book", seeds: Sequence[int] = MINEGAN_SEEDS,
                methods: Sequence[str] = METHODS, train: bool = False, results_dir=None
                ) -> dict[str, list[Run | None]]:
    """``{method: [run per seed]}`` (None where a run is not stored)."""
    return {m: [get_run(method_maker(m, s), scale, train, results_dir=results_dir)
                for s in seeds] for m in methods}


def source_fd(transfergan: Run) -> float:
    """FD of the untouched source generator on the target: step 0 of a TransferGAN run."""
    return fd_at(transfergan, 0)


def overfit(run: Run) -> float:
    """FD at the end minus the lowest FD the run's curve reached after step 0 (>= 0)."""
    steps, values = fd_curve(run)
    later = [v for s, v in zip(steps, values) if s > 0]
    return float(values[-1] - min(later))


def pilot_checks(run: Run, source: float) -> list[SanityCheck]:
    """The MineGAN pilot: chapter 11's sanity check, and an FD below ``source`` (the untouched
    source generator's)."""
    return [*sanity_check(fd(run), baselines(run)),
            SanityCheck("FD below the untouched source generator's", fd(run) < source,
                        f"FD {fd(run):.2f} vs source generator {source:.2f}")]


# --------------------------------------------------------------------------- samples

def networks(run: Run) -> dict[str, torch.nn.Module]:
    """The stored generator(s) and miner(s) of a run, in eval mode."""
    from i2ilib.train.wgan import wgan_generator_from_config

    state = run.generator_state()
    nets = {}
    for name, weights in state.items():
        if name == "D":
            continue
        net = wgan_generator_from_config(run.config["trainer"], name)
        net.load_state_dict(weights)
        nets[name] = net.float().eval()
    return nets


def samples(run: Run, n: int = 16, seed: int = 0) -> Tensor:
    """``n`` samples of a stored run, ``(n, 3, S, S)`` in [-1, 1]: ``G(z)``, or ``G_0(M_0(u))``
    for a MineGAN run with one source."""
    nets = networks(run)
    u = torch.randn(n, run.config["trainer"]["z_dim"],
                    generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        if "M_0" in nets:
            return nets["G_0"](nets["M_0"](u)).clamp(-1, 1)
        return nets["G"](u).clamp(-1, 1)


def latent_shift(run_or_miner, n: int = 2000, seed: int = 0) -> dict[str, float]:
    """What a miner does to the prior ``u ~ N(0, I)`` (a stored MineGAN run's ``M_0``, or a
    :class:`~i2ilib.nets.miner.Miner`): ``"offset"``, the mean over latent dimensions of
    ``|mean(M(u))|`` (0 for the prior); ``"spread"``, the mean over dimensions of ``std(M(u))``
    (1 for the prior); ``"cosine"``, the mean cosine between ``M(u)`` and ``u``."""
    M = run_or_miner if isinstance(run_or_miner, torch.nn.Module) else networks(run_or_miner)["M_0"]
    u = torch.randn(n, M.z_dim, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        z = M(u)
    return {"offset": float(z.mean(0).abs().mean()), "spread": float(z.std(0).mean()),
            "cosine": float(torch.nn.functional.cosine_similarity(z, u).mean())}


# --------------------------------------------------------------------------- the comparison

def comparison_table(runs: Mapping[str, Sequence[Run | None]], source: float) -> str:
    """FD, IW, overfitting and how many seeds pass, per method (mean ± std over the seeds),
    with the untouched source generator as the first row."""
    rows = [["untouched source generator", f"{source:.2f}", "—", "—", "—", "—"]]
    for m, rs in runs.items():
        stored = [r for r in rs if r is not None]
        if not stored:
            rows.append([m, "not stored", "", "", "", ""])
            continue
        rows.append([m, fmt_mean_std([fd(r) for r in stored], 2),
                     fmt_mean_std([iw(r) for r in stored], 2),
                     fmt_mean_std([overfit(r) for r in stored], 2),
                     f"{sum(run_passes(r) for r in stored)} of {len(stored)}",
                     f"{sum(fd(r) < source for r in stored)} of {len(stored)}"])
    return markdown_table(["method", "FD (ours)", "IW (ours, lower = closer)",
                           "FD end - best (overfitting)", "seeds passing the sanity check",
                           "seeds below the source generator"], rows, "lrrrrr")


def relative(worse: Sequence[Run | None], better: Sequence[Run | None],
             scratch: Sequence[Run | None], measure=fd) -> list[float]:
    """Per seed: ``(m(worse) - m(better)) / m(scratch)``, positive when ``better`` is lower."""
    return [(measure(w) - measure(b)) / measure(s) for w, b, s in zip(worse, better, scratch)
            if w is not None and b is not None and s is not None]


#: The comparisons the chapter judges: (claim, worse method, better method, the figure that
#: shows the thesis's version, what it shows).
COMPARISONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("MineGAN outperforms TransferGAN (on-manifold)", "TransferGAN", "MineGAN",
     "Fig. 3.5 (left)", "the FID of MineGAN and TransferGAN on CelebA -> FFHQ women"),
    ("MineGAN outperforms training from scratch", "scratch", "MineGAN",
     "Fig. 3.5 (left)", "the FID of MineGAN and Scratch on CelebA -> FFHQ women"),
    ("Fine-tuning improves on mining alone (MineGAN vs MineGAN w/o FT)", "MineGAN w/o FT",
     "MineGAN", "Fig. 3.5 (left)", "the FID of MineGAN with and without fine-tuning"),
    ("MineGAN outperforms BSA", "BSA", "MineGAN", "Fig. 3.6 (bottom)",
     "MineGAN against BSA (KMMD and MV on SNGAN, 25 images)"),
)


def comparison_verdicts(runs: Mapping[str, Sequence[Run | None]], measure: str = "FD"
                        ) -> list[Verdict]:
    """One verdict per :data:`COMPARISONS`: the paired relative difference over seeds (share of
    the scratch run's FD, or IW); the thesis shows these comparisons only in figures;
    *inconclusive* when a compared run fails its sanity check."""
    m = fd if measure == "FD" else iw
    out = []
    for claim, worse, better, figure, what in COMPARISONS:
        diffs = relative(runs[worse], runs[better], runs["scratch"], m)
        failed = [f"{name} seed {i} fails its sanity check" for name in (worse, better)
                  for i, r in enumerate(runs[name]) if r is not None and not run_passes(r)]
        out.append(verdict_from(f"{claim}, on {measure}",
                                paired_effect(diffs, "%") if diffs else None, None,
                                evidence=f"relative {measure} difference per seed (share of "
                                         f"the scratch run's {measure})",
                                failed_checks=failed, figure_only=FigureOnly(what, figure)))
    return out


def overfitting_verdict(runs: Mapping[str, Sequence[Run | None]]) -> Verdict:
    """Section 3.4.1: TransferGAN overfits, MineGAN does not: per seed, TransferGAN's rise of FD
    from its best point to its end minus MineGAN's, relative to the scratch run's FD."""
    diffs = [(overfit(t) - overfit(m)) / fd(s) for t, m, s in
             zip(runs["TransferGAN"], runs["MineGAN"], runs["scratch"])
             if t is not None and m is not None and s is not None]
    return verdict_from("MineGAN overfits less than TransferGAN over iterations",
                        paired_effect(diffs, "%") if diffs else None, None,
                        evidence=CLAIMS["overfitting"].split(": ", 1)[0]
                        + ": FD rise from the best point to the end, TransferGAN minus MineGAN",
                        figure_only=FigureOnly("overfitting", "Fig. 3.4 and Appendix A.2.3 "
                                                              "(images)"))


#: The thesis's claims the book has no runs for yet, with what is missing.
NOT_RUN: dict[str, str] = {
    "selector": "Table 3.1 (several sources, the selector's p_i against known proportions): "
                "the library has it (n_sources > 1) and chapter 11 stores three source GANs, "
                "but no mixture target is trained",
    "multiple": "Table 3.1 (MineGAN against TransferGAN from each of several sources): no "
                "runs",
    "off_manifold": "Table A.2 (on- against off-manifold targets, FD and classifier error): no "
                    "off-manifold target is trained",
}


def not_run_verdicts() -> list[Verdict]:
    """*not testable here* for each claim of :data:`NOT_RUN`."""
    return [verdict_from(CLAIMS[k].split(": ", 1)[1].strip('"').rstrip("."), None, None,
                         missing=why) for k, why in NOT_RUN.items()]


def all_verdicts(runs: Mapping[str, Sequence[Run | None]]) -> list[Verdict]:
    """The chapter's verdicts: the comparisons on FD and IW, overfitting, the claims not run."""
    complete = all(r is not None for rs in runs.values() for r in rs)
    if complete:
        out = comparison_verdicts(runs, "FD") + comparison_verdicts(runs, "IW")
        out.append(overfitting_verdict(runs))
    else:
        out = [verdict_from(c[0], None, None, missing="the grid's runs are not all stored")
               for c in COMPARISONS]
    return out + not_run_verdicts()


def plot_curves(runs: Mapping[str, Sequence[Run | None]], ax=None,
                methods: Sequence[str] = METHODS, source: float | None = None):
    """FD over critic steps per method, every seed thin and the mean thick; optionally the
    untouched source generator's FD as a horizontal line."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for i, m in enumerate(methods):
        curves = [fd_curve(r) for r in runs[m] if r is not None]
        for steps, values in curves:
            ax.plot(steps, values, color=f"C{i}", lw=0.7, alpha=0.5)
        if curves:
            ax.plot(curves[0][0], np.mean([v for _, v in curves], axis=0), color=f"C{i}", lw=2,
                    label=f"{m} (mean of {len(curves)})")
    if source is not None:
        ax.axhline(source, color="0.3", ls="--", lw=1, label="untouched source generator")
    ax.set_xlabel("critic steps (one generator update per 5)")
    ax.set_ylabel("FD to held-out target faces")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    return ax


def summary_numbers(runs: Mapping[str, Sequence[Run | None]]) -> dict[str, Any]:
    """The numbers the chapter's prose quotes, computed from the stored runs."""
    out: dict[str, Any] = {}
    for m, rs in runs.items():
        stored = [r for r in rs if r is not None]
        out[m] = {"fd": [fd(r) for r in stored], "iw": [iw(r) for r in stored],
                  "overfit": [overfit(r) for r in stored],
                  "passing": sum(run_passes(r) for r in stored), "n": len(stored)}
    return out
