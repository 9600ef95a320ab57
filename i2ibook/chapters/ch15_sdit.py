"""Chapter 15's measurements: SDIT (Wang 2020, thesis chapter 6) on three hair-colour domains of
SynthFaces, the trivial baselines and sanity check, the Table 6.1 analogue beside the thesis's
numbers, the CIN ablation (Fig. 6.6), the count of networks and parameters (Tables 6.3-6.4's
"Num E/G") and the verdicts.

**The measures** (:func:`i2ibook.runner.sdit_scores`), on every (test face, other domain)
pair, with :data:`i2ibook.runner.SDIT_STYLES` latent codes each:

* *ID distance* (lower is better): the distance between the identity embeddings of input and
  output (the book's ``synthid`` network in place of the thesis's VGGFace, Section 6.4.2);
* *diversity* (higher is more diverse): the mean LPIPS-style distance between two translations
  of one face to one domain (the LPIPS column of Tables 6.1-6.2; offline, on the book's
  ``synthcnn`` features, so the values are not LPIPS's);
* *MSE to the truth*: the face rendered in the target domain is known here, CelebA's is not;
* *target accuracy*: the share of translations whose nearest rendering of their face (over the
  three domains) is the target's: the truth acts as the attribute classifier.

**The trivial baselines** (:func:`baseline_scores`): the input unchanged, the input blurred
(:func:`i2ilib.metrics.baselines.blur_baseline`), and the mean training face of the target
domain.

**The sanity check** (:func:`sanity_check`): a model passes when its translations reach the
target domain on most of them (target accuracy >= 1/2) and are closer to the truth (MSE) than
each trivial baseline's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import torch

from i2ibook.catalogue import SDIT_CIN_PARAMS, SDIT_SEEDS, SDIT_VARIANTS, sdit_run
from i2ibook.papers import wang2020_sdit as paper
from i2ibook.runner import cached_beside, get_run, multidomain_scores, sdit_data, sdit_targets
from i2ibook.verdicts import (
    Verdict,
    checks_table,  # noqa: F401  (the notebook shows the sanity checks with it)
    fmt_mean_std,
    markdown_table,
    paired_effect,
    passes,
    verdict_from,
)
from i2ilib.metrics.baselines import SanityCheck, blur_baseline, sanity_checks
from i2ilib.results import Run

#: The measures of a run, with the direction in which they improve.
MEASURES = {"id_distance": "ID distance ↓", "diversity": "diversity ↑",
            "mse_truth": "MSE to truth ↓", "target_accuracy": "target accuracy ↑"}
LOWER_IS_BETTER = ("id_distance", "mse_truth")
#: The trivial baselines, each a deterministic translation.
BASELINES = ("input unchanged", "blur", "mean target face")
#: The share of translations that must reach their target domain ("most test faces").
MIN_TARGET_ACCURACY = 0.5


def variant_runs(variant: str, scale: str = "book", seeds: Sequence[int] = SDIT_SEEDS,
                 train: bool = False, results_dir=None) -> list[Run | None]:
    """The runs of one of :data:`~i2ibook.catalogue.SDIT_VARIANTS` or
    :data:`~i2ibook.catalogue.SDIT_CIN_PARAMS`, one per seed."""
    switches = {**SDIT_VARIANTS, **SDIT_CIN_PARAMS}[variant]
    return [get_run(partial(sdit_run, **switches, seed=s), scale, train,
                    results_dir=results_dir) for s in seeds]


def baseline_outputs(data, faces: torch.Tensor, targets: torch.Tensor
                     ) -> dict[str, torch.Tensor]:
    """The trivial translations of test face ``faces[m]`` to ``targets[m]``, each
    ``(M, 1, 3, S, S)``."""
    x = data.test_x[faces]
    means = torch.stack([data.train_x[data.train_y == d].mean(0) for d in range(data.n_domains)])
    return {"input unchanged": x[:, None].clone(), "blur": blur_baseline(x)[:, None],
            "mean target face": means[targets][:, None]}


@functools.cache
def baseline_scores(scale: str = "book", seed: int = 0) -> dict[str, dict[str, Any]]:
    """The trivial baselines of the module docstring on the test faces of ``seed``, scored like
    a model (their diversity is 0: each gives one translation)."""
    data = sdit_data(sdit_run(scale, seed=seed)[1]["data"])
    faces, targets = sdit_targets(data.test_y, data.n_domains)
    return {name: {**multidomain_scores(out, faces, targets, data), "diversity": 0.0}
            for name, out in baseline_outputs(data, faces, targets).items()}


#: Version of :func:`baseline_scores` whose values are cached beside the stored runs.
BASELINES_VERSION = 1


def stored_baselines(scale: str = "book", seed: int = 0, results_dir=None) -> dict[str, Any]:
    """:func:`baseline_scores` of ``seed``, cached beside the seed's stored SDIT run
    (``baselines.json``), computed when that run is not stored
    (:func:`i2ibook.runner.cached_beside`)."""
    return cached_beside(partial(sdit_run, seed=seed), scale, "baselines.json",
                         BASELINES_VERSION, lambda: baseline_scores(scale, seed), results_dir)


@functools.cache
def seed_baselines(scale: str = "book", seeds: tuple[int, ...] = SDIT_SEEDS,
                   results_dir=None) -> tuple[dict[str, Any] | None, ...]:
    """The baselines of every seed (each seed has its own faces), in seed order; ``None`` for a
    seed of which no run is stored (nothing of it is judged)."""
    from i2ilib.results import find_run

    makes = [partial(sdit_run, **v) for v in (*SDIT_VARIANTS.values(), *SDIT_CIN_PARAMS.values())]
    out = []
    for s in seeds:
        stored = any(find_run(*m(scale, seed=s), results_dir) is not None for m in makes)
        out.append(stored_baselines(scale, s, results_dir) if stored else None)
    return tuple(out)


def sanity_check(metrics: Mapping[str, Any], baselines: Mapping[str, Mapping[str, Any]]
                 ) -> list[SanityCheck]:
    """The checks of the module docstring for one run's ``metrics``
    (:func:`i2ilib.metrics.baselines.sanity_checks` on the MSE to the truth, the target
    accuracy as the completion)."""
    checks = sanity_checks(metrics["mse_truth"], {b: baselines[b]["mse_truth"] for b in BASELINES},
                           completion=metrics["target_accuracy"],
                           min_completion=MIN_TARGET_ACCURACY)
    return [SanityCheck(c.name.replace("completes the task", "reaches the target domain"),
                        c.passed, c.detail) for c in checks]


def values(runs: Sequence[Run | None], measure: str) -> list[float]:
    """``measure`` of every stored run."""
    return [float(r.metrics[measure]) for r in runs if r is not None]


def mean_of(runs: Sequence[Run | None], measure: str) -> float:
    """The mean over stored seeds (NaN when none is stored)."""
    v = values(runs, measure)
    return float(np.mean(v)) if v else float("nan")


def scores_table(runs: Mapping[str, Sequence[Run | None]],
                 baselines: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """Every model's measures, mean ± std over its stored seeds, the trivial baselines below
    (their test faces: seed 0's)."""
    rows = []
    for model, rs in runs.items():
        n = sum(r is not None for r in rs)
        rows.append([f"{model} ({n} seed{'s' if n != 1 else ''})",
                     *[fmt_mean_std(values(rs, m)) if n else "not stored" for m in MEASURES]])
    for name, scores in (baselines or {}).items():
        rows.append([f"baseline: {name}", *[f"{scores[m]:.3f}" for m in MEASURES]])
    return markdown_table(["model", *MEASURES.values()], rows, "l" + "r" * len(MEASURES))


def table6_1(runs: Mapping[str, Sequence[Run | None]]) -> str:
    """The Table 6.1 analogue: each variant's switches, the thesis's ID distance and LPIPS and
    ours (ID distance on ``synthid``, diversity on the LPIPS-style distance: the scales differ,
    the orders can be compared)."""
    rows = []
    for label, p in paper.TABLE6_1.items():
        rs = runs.get(label, [])
        n = sum(r is not None for r in rs)
        yn = ["Y" if p[k] else "N" for k in ("attention", "cin", "lat")]
        ours = [fmt_mean_std(values(rs, m)) if n else "not stored"
                for m in ("id_distance", "diversity")]
        rows.append([label, *yn, f"{p['id_distance']:.3f}", ours[0], f"{p['lpips']:.3f}",
                     ours[1], str(n)])
    return markdown_table(["variant", "Atten", "CIN", "L_LAT", "ID dist. (paper)", "ID dist. (ours)",
                           "LPIPS (paper)", "diversity (ours)", "seeds"], rows, "lcccrrrrr")


def paired_differences(a: Sequence[Run | None], b: Sequence[Run | None],
                       measure: str) -> list[float]:
    """Per seed where both are stored: ``a``'s ``measure`` minus ``b``'s, oriented so that a
    positive value means ``a`` is better."""
    sign = -1.0 if measure in LOWER_IS_BETTER else 1.0
    return [sign * (float(x.metrics[measure]) - float(y.metrics[measure]))
            for x, y in zip(a, b) if x is not None and y is not None]


def passing(runs: Sequence[Run | None], baselines: Sequence[Mapping[str, Any]]
            ) -> list[bool | None]:
    """Per seed: the run passes the sanity check against its own seed's baselines (None where
    it is not stored)."""
    return [None if r is None else passes(sanity_check(r.metrics, b))
            for r, b in zip(runs, baselines, strict=True)]


def verdict(claim_key: str, claim: str, a: tuple[str, Sequence[Run | None]],
            b: tuple[str, Sequence[Run | None]], baselines: Sequence[Mapping[str, Any]],
            measure: str, paper_effect: float | None = None,
            figure_only=None) -> Verdict:
    """The claim that variant ``a`` beats variant ``b`` on ``measure`` (the runs of each seed
    paired), in the vocabulary of :mod:`i2ibook.verdicts`; *inconclusive* when a compared run
    fails its sanity check. ``paper_effect``: the thesis's ``a - b``, oriented like ours."""
    diffs = paired_differences(a[1], b[1], measure)
    effect = paired_effect(diffs) if diffs else None
    failed = [f"{name} seed {i} fails its sanity check" for name, rs in (a, b)
              for i, ok in enumerate(passing(rs, baselines)) if ok is False]
    rules = {} if figure_only is None else {"figure_only": figure_only}
    return verdict_from(claim, effect, paper_effect, evidence=paper.CLAIMS.get(claim_key, ""),
                        failed_checks=failed, **rules)


def _t61(label: str, key: str) -> float:
    return float(paper.TABLE6_1[label][key])


def claims(runs: Mapping[str, Sequence[Run | None]]) -> list[dict[str, Any]]:
    """The thesis's claims the grid tests, as keyword arguments of :func:`verdict` (less the
    baselines); the paper's effects from Table 6.1, oriented as ours (LPIPS up, ID distance
    down)."""
    from i2ibook.verdicts import FigureOnly

    full, no_cin, no_lat = "SDIT", "SDIT w/o CIN (Atten)", "SDIT (L_LAT = 0)"
    no_att = "SDIT w/o Atten (L_LAT > 0)"
    rows = [
        ("cin_gives_diversity", ("CIN makes the translations diverse: SDIT beats SDIT w/o CIN on "
         "diversity (Table 6.1, LPIPS)"), full, no_cin, "diversity",
         _t61(full, "lpips") - _t61(no_cin, "lpips"), None),
        ("lat_gives_diversity", ("the latent reconstruction L_LAT adds diversity: SDIT beats SDIT "
         "(L_LAT = 0) on diversity (Table 6.1, LPIPS)"), full, no_lat, "diversity",
         _t61(full, "lpips") - _t61(no_lat, "lpips"), None),
        ("attention_keeps_identity", ("attention keeps the identity: SDIT has a lower ID distance "
         "than SDIT w/o Atten (L_LAT > 0) (Table 6.1)"), full, no_att, "id_distance",
         _t61(no_att, "id_distance") - _t61(full, "id_distance"), None),
        ("beta_is_key", ("beta is the key to diversity: CIN with beta only is more diverse than "
         "CIN with gamma only (Fig. 6.6)"), "beta only (gamma = 1)", "gamma only (beta = 0)",
         "diversity", None, FigureOnly("the gamma-only and beta-only outputs", "6.6")),
    ]
    return [dict(claim_key=k, claim=c, a=(a, runs.get(a, [])), b=(b, runs.get(b, [])),
                 measure=m, paper_effect=e, figure_only=f) for k, c, a, b, m, e, f in rows]


# --------------------------------------------------------------------------------------------
# Scalability: networks and parameters for N domains (Tables 6.3-6.4's "Num E/G")


def _n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@functools.cache
def sdit_parameters(n_domains: int) -> int:
    """Parameters of SDIT's generator (``E``, ``M``, ``G``; no discriminator) for ``n_domains``
    domains at the published widths (Section 6.4): only the encoder's first convolution grows
    with ``N`` (one input channel per domain)."""
    from i2ilib.train.sdit import SDITConfig, sdit_generator_from_config

    return _n_params(sdit_generator_from_config(SDITConfig(n_domains=n_domains).to_dict()))


@functools.cache
def cyclegan_parameters() -> int:
    """Parameters of one CycleGAN model's generators (``G_AB`` and ``G_BA``: ResNet generators
    with 9 blocks, width 64, the published layout; no discriminators)."""
    from i2ilib.train import CycleGANConfig, generator_from_config

    cyc = CycleGANConfig().to_dict()
    return sum(_n_params(generator_from_config(cyc, n)) for n in ("G_AB", "G_BA"))


#: Generators of one pairwise model (CycleGAN's ``G_AB`` and ``G_BA``; MUNIT's two auto-encoders).
GENERATORS_PER_PAIR = 2


def pairwise_models(n_domains: int) -> int:
    """Models a pairwise method needs for ``n_domains`` domains: one per unordered pair,
    ``N (N - 1) / 2`` (Section 6.5.3)."""
    if isinstance(n_domains, bool) or not isinstance(n_domains, int) or n_domains < 2:
        raise ValueError(f"Translation needs an integer number of domains >= 2, got "
                         f"{n_domains!r}.")
    return n_domains * (n_domains - 1) // 2


def model_counts(n_domains: int) -> dict[str, dict[str, int | None]]:
    """For ``n_domains`` domains: ``method -> {"models", "generators", "parameters"}``. A pairwise
    method needs one model per pair of domains, ``N (N - 1) / 2`` (Section 6.5.3), each with two
    generators; SDIT needs one model with one generator. MUNIT's parameters are not counted
    (``None``): the library has MUNIT's structure in UDIT's layout, not MUNIT's sizes."""
    pairs = pairwise_models(n_domains)
    g = GENERATORS_PER_PAIR * pairs
    return {"SDIT": {"models": 1, "generators": 1, "parameters": sdit_parameters(n_domains)},
            "CycleGAN": {"models": pairs, "generators": g,
                         "parameters": pairs * cyclegan_parameters()},
            "MUNIT": {"models": pairs, "generators": g, "parameters": None}}


def count_table(ns: Sequence[int] = (2, 3, 4, 10, 40)) -> str:
    """:func:`model_counts` for several numbers of domains, parameters in millions."""
    rows = []
    for n in ns:
        c = model_counts(n)
        rows.append([str(n), f"1 / {c['SDIT']['parameters'] / 1e6:.2f} M",
                     (f"{c['CycleGAN']['models']} / {c['CycleGAN']['generators']} / "
                      f"{c['CycleGAN']['parameters'] / 1e6:.1f} M"),
                     f"{c['MUNIT']['models']} / {c['MUNIT']['generators']}"])
    return markdown_table(["domains N", "SDIT: models / parameters",
                           "CycleGAN: models / generators / parameters",
                           "MUNIT: models / generators"], rows, "rrrr")


# --------------------------------------------------------------------------------------------
# Translations of a stored run


def generator(run: Run) -> torch.nn.Module:
    """A stored run's SDIT generator (``E``, ``M``, ``G``), float32, in eval mode."""
    from i2ilib.train.sdit import sdit_generator_from_config

    net = sdit_generator_from_config(run.config["trainer"])
    net.load_state_dict({k: v.float() for k, v in run.generator_state()["SDIT"].items()})
    return net.eval()


@torch.no_grad()
def translations(net: torch.nn.Module, x: torch.Tensor, n_styles: int = 3, seed: int = 0
                 ) -> torch.Tensor:
    """``(N, C, K, 3, S, S)``: each face translated to every domain with ``n_styles`` codes
    (the same ``K`` codes for every face and domain)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n_styles, net.z_dim, generator=g)
    out = [[net(x, torch.full((len(x),), d), z[k].expand(len(x), -1)).clamp(-1, 1)
            for k in range(n_styles)] for d in range(net.n_domains)]
    return torch.stack([torch.stack(row, 1) for row in out], 1)


@torch.no_grad()
def attention_maps(net: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``(N, C, 1, S/4, S/4)``: the attention ``a = T^a(E(x, l))`` for every target domain."""
    return torch.stack([net.attention_map(net.E(x, torch.full((len(x),), d)))
                        for d in range(net.n_domains)], 1)


def test_faces(scale: str = "book", seed: int = 0):
    """The multi-domain faces of ``seed`` (:class:`i2ilib.data.multidomain.MultiDomainFaces`)."""
    return sdit_data(sdit_run(scale, seed=seed)[1]["data"])
