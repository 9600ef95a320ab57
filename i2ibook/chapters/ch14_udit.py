"""Chapter 14 -- biases in diverse translation: UDIT (Wang 2020 thesis, chapter 5) beside MUNIT.

The chapter's data are the biased faces of :mod:`i2ilib.data.biasedfaces`: domain A without
glasses (half blond, half black hair), domain B with glasses and 90 % blond. Adding glasses is
the wanted change ``w``; the hair colour ``u`` (the stand-in for the thesis's gender) must not
change.

What this module holds:

* the **hair-colour networks**: :class:`HairNet`, a small classifier of blond vs black hair;
  the semantic extractor ``h`` is its reduced ``1 x 1 x D`` layer (Section 5.5.1,
  :class:`i2ilib.nets.semantic.ReducedExtractor`), trained on a balanced set of its own and
  then frozen; a second one, trained on a disjoint set with another seed, is the **judge** of
  the translations' hair colour (the thesis's "gender classifier ... trained on a disjoint
  subset", Table 5.3);
* the **measures** (:func:`score_udit`): the glasses rate (the book's attribute classifier),
  the distance to the true translation against trivial baselines (the sanity check), the
  **unwanted-change rate** (the share of translations whose judged hair colour differs from
  the input's true one, the thesis's "misclassification rate", Section 5.6.3) and the
  **diversity** (the mean LPIPS-style distance between two translations of one input with
  two style draws, Table 5.4's protocol with the book's offline distance);
* the tables beside the paper and the verdicts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from i2ibook.verdicts import checks_table  # noqa: F401  (the notebook shows the checks with it)
from i2ilib.nets.semantic import ReducedExtractor

#: The sanity check: a translation that adds glasses to at least this share of the test faces
#: (the book's attribute classifier) ...
GLASSES_MIN = 0.8
#: ... and keeps the face: its ID distance to the true translation (the same person with
#: glasses) is below that of every trivial baseline that adds glasses (a random B face, the mean
#: B face). The ID distance, not L1: a diverse translator may change the background and the
#: light with its style, which L1 would count against it.
SANITY_BASELINES = ("random_B", "mean_B")
#: The reduced dimension D of the semantic extractor (Table 5.5 picks 8 for colour).
HAIR_D = 8
#: Style draws per test face for the rates and the diversity.
N_STYLES = 4


# --------------------------------------------------------------------------------------------
# the hair-colour networks


def _stage(a: int, b: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(a, b, 4, 2, 1), nn.BatchNorm2d(b), nn.LeakyReLU(0.2))


class HairNet(nn.Module):
    """Three stride-2 convolutions (``width``, 2, 4 ``width`` channels; 32 px -> a 4 x 4 map),
    the ``1 x 1 x D`` reduction and a linear head: ``(N, 3, 32, 32)`` in [-1, 1] -> 2 logits
    (black, blond). ``extractor`` is the :class:`ReducedExtractor` whose output ``(N, D, 4, 4)``
    is the semantic feature ``u = h(x)``."""

    def __init__(self, width: int = 16, D: int = HAIR_D, size: int = 32):
        super().__init__()
        features = nn.Sequential(_stage(3, width), _stage(width, 2 * width),
                                 _stage(2 * width, 4 * width))
        side = size // 8
        self.extractor = ReducedExtractor(features, 4 * width, D, 2, (side, side))

    def forward(self, x: Tensor) -> Tensor:
        return self.extractor.logits(x)


def train_hair_net(images: np.ndarray, u: np.ndarray, seed: int = 0, steps: int = 400,
                   batch_size: int = 64, lr: float = 2e-3, width: int = 16,
                   D: int = HAIR_D) -> HairNet:
    """A :class:`HairNet` trained on ``images`` (uint8 ``(N, H, W, 3)``) with labels ``u``
    (Adam, cross-entropy, horizontal flips), returned in eval mode with frozen parameters."""
    from i2ilib.data.synthfaces import images_to_tensor

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        x, y = images_to_tensor(images), torch.as_tensor(u, dtype=torch.long)
        net = HairNet(width, D, x.shape[-1])
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        g = torch.Generator().manual_seed(seed)
        net.train()
        for _ in range(steps):
            idx = torch.randint(0, len(x), (batch_size,), generator=g)
            xb = x[idx]
            flip = torch.rand(batch_size, generator=g) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
            loss = nn.functional.cross_entropy(net(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval().requires_grad_(False)
    return net


@torch.no_grad()
def hair_prob(net: HairNet, images: Tensor, batch_size: int = 256) -> Tensor:
    """``P(blond)`` of each image, ``(N,)``."""
    out = [net(images[s:s + batch_size]).softmax(1)[:, 1] for s in range(0, len(images),
                                                                          batch_size)]
    return torch.cat(out)


def hair_networks(size: int, n: int, seed: int = 0, steps: int = 400
                  ) -> tuple[HairNet, HairNet, dict[str, float]]:
    """``(h_net, judge, accuracies)``: the semantic extractor's classifier and the judge, each
    trained on ``n`` balanced faces of its own (:func:`i2ilib.data.biasedfaces.hair_faces`),
    and their accuracies on each other's set."""
    from i2ilib.data.biasedfaces import hair_faces
    from i2ilib.data.synthfaces import images_to_tensor

    xh, uh = hair_faces(n, size, seed, "h")
    xj, uj = hair_faces(n, size, seed, "judge")
    h_net = train_hair_net(xh, uh, seed=seed, steps=steps)
    judge = train_hair_net(xj, uj, seed=seed + 1, steps=steps, width=24, D=16)
    acc = {"h_on_judge_set": float(((hair_prob(h_net, images_to_tensor(xj)) >= 0.5).long()
                                    == torch.as_tensor(uj)).float().mean()),
           "judge_on_h_set": float(((hair_prob(judge, images_to_tensor(xh)) >= 0.5).long()
                                    == torch.as_tensor(uh)).float().mean())}
    return h_net, judge, acc


# --------------------------------------------------------------------------------------------
# the measures


def unwanted_change_rate(p_blond: Tensor, u_true: Tensor) -> float:
    """The share of translations whose judged hair colour (``p_blond >= 0.5``) differs from
    the input's true one. ``p_blond``: ``(N,)`` or ``(N, K)`` (``K`` style draws each);
    ``u_true``: ``(N,)`` of 0/1."""
    p = torch.as_tensor(p_blond, dtype=torch.float64)
    u = torch.as_tensor(u_true, dtype=torch.float64)
    if p.dim() == 2:
        u = u[:, None].expand_as(p)
    if p.shape != u.shape or p.numel() == 0:
        raise ValueError(f"p_blond {tuple(p.shape)} and u_true {tuple(u.shape)} do not match.")
    return float(((p >= 0.5).double() != u).double().mean())


def style_pair_distance(outputs: Tensor, distance) -> float:
    """Diversity: the mean ``distance`` between two translations of one input with two style
    draws, over every pair of the ``K`` draws and every input (``outputs``: ``(N, K, 3, H,
    W)``, :func:`i2ilib.metrics.perceptual.pairwise_diversity`)."""
    from i2ilib.metrics.perceptual import pairwise_diversity

    return pairwise_diversity(outputs, distance).value


def l1(a: Tensor, b: Tensor) -> Tensor:
    """Per-image mean absolute difference, ``(N,)``, on [-1, 1] images."""
    return (a.float() - b.float()).abs().flatten(1).mean(1)


def lpips_style_distance():
    """The book's offline LPIPS-style distance (``synthcnn`` feature maps, uniform weights)."""
    from i2ilib.metrics.perceptual import LPIPSStyleDistance
    from i2ilib.metrics.synthnet import synth_feature_extractor

    return LPIPSStyleDistance(synth_feature_extractor())


def id_distance(a: Tensor, b: Tensor, embed=None) -> Tensor:
    """Per-image ID distance (thesis Section 5.6.3): the Euclidean distance between the book's
    identity embeddings (``synthid-v1``, unit vectors, trained to ignore hair colour, glasses
    and pose) of ``a`` and ``b``, ``(N,)``."""
    from i2ilib.metrics.identity import synthfaces_identity_embedder

    embed = embed or synthfaces_identity_embedder()
    with torch.no_grad():
        return (embed(a.float()) - embed(b.float())).norm(dim=1)


def baselines(test: Tensor, truth: Tensor, B: Tensor, seed: int = 0,
              distance=None) -> dict[str, float]:
    """Mean ``distance`` (default :func:`l1`) to the true translation of the trivial
    translators: the input itself (``"identity"``: keeps the face, adds no glasses), a random B
    training face (``"random_B"``) and the mean B face (``"mean_B"``)."""
    distance = distance or l1
    g = torch.Generator().manual_seed(seed)
    rand = B[torch.randint(0, len(B), (len(test),), generator=g)]
    mean = B.float().mean(0, keepdim=True).expand_as(test)
    return {"identity": float(distance(test, truth).mean()),
            "random_B": float(distance(rand, truth).mean()),
            "mean_B": float(distance(mean, truth).mean())}


@torch.no_grad()
def score_udit(trainer, data, judge: HairNet, n_styles: int = N_STYLES, seed: int = 0
               ) -> dict[str, Any]:
    """The chapter's measures of a trained MUNIT/UDIT on the test faces of ``data``
    (:class:`i2ilib.data.biasedfaces.BiasedFaces`), ``n_styles`` style draws per face.

    Returns a dict: ``glasses`` (share of translations with glasses), ``l1_truth`` and
    ``id_truth`` (mean L1 and ID distance to the true translation), ``baselines`` and
    ``id_baselines`` (:func:`baselines` in each distance), ``sanity`` and ``passes``,
    ``unwanted`` (the unwanted-change rate over every translation), ``unwanted_black`` and
    ``unwanted_blond`` (over the black- / blond-haired inputs: black is the value
    under-represented in B), ``diversity`` (mean LPIPS-style distance between style draws),
    ``judge_on_inputs`` (the judge's accuracy on the untranslated test faces).
    """
    from i2ilib.metrics.attributes import attribute_probabilities, face_attribute_classifier

    test, truth = data.tensors("test"), data.tensors("test_truth")
    u = torch.as_tensor(data.u_test)
    g = torch.Generator().manual_seed(seed)
    out = trainer.sample_styles(test, n_styles, "AB", g)  # (N, K, 3, H, W)
    flat = out.flatten(0, 1)
    glasses = attribute_probabilities(face_attribute_classifier(), flat)["Eyeglasses"]
    p_blond = hair_prob(judge, flat).view(len(test), n_styles)
    truths = truth.repeat_interleave(n_styles, 0)
    base = baselines(test, truth, data.tensors("B"), seed)
    id_base = baselines(test, truth, data.tensors("B"), seed, id_distance)
    glasses_rate = float((glasses >= 0.5).float().mean())
    black = u == 0
    res = {"glasses": glasses_rate, "l1_truth": float(l1(flat, truths).mean()),
           "id_truth": float(id_distance(flat, truths).mean()), "baselines": base,
           "id_baselines": id_base,
           "unwanted": unwanted_change_rate(p_blond, u),
           "unwanted_black": unwanted_change_rate(p_blond[black], u[black]),
           "unwanted_blond": unwanted_change_rate(p_blond[~black], u[~black]),
           "diversity": style_pair_distance(out, lpips_style_distance()),
           "judge_on_inputs": 1.0 - unwanted_change_rate(hair_prob(judge, test), u),
           "n_test": len(test), "n_styles": n_styles}
    res["sanity"] = sanity(res)
    res["passes"] = all(res["sanity"].values())
    return res


def sanity(scores: dict[str, Any]) -> dict[str, bool]:
    """The sanity check's parts: glasses on at least :data:`GLASSES_MIN` of the translations,
    and a mean ID distance to the truth below each baseline of :data:`SANITY_BASELINES`."""
    out = {"adds_glasses": scores["glasses"] >= GLASSES_MIN}
    for name in SANITY_BASELINES:
        out[f"beats_{name}"] = scores["id_truth"] < scores["id_baselines"][name]
    return out


# --------------------------------------------------------------------------------------------
# the stored runs, the tables and the verdicts

#: The chapter's measures: key of the stored metrics -> (label, higher is better).
MEASURES: dict[str, tuple[str, bool]] = {
    "glasses": ("glasses added (share)", True),
    "id_truth": ("ID distance to the true translation", False),
    "l1_truth": ("L1 to the true translation", False),
    "unwanted_black": ("hair turned blond (black-haired inputs)", False),
    "unwanted_blond": ("hair turned black (blond inputs)", False),
    "unwanted": ("unwanted-change rate (all inputs)", False),
    "diversity": ("diversity (LPIPS-style)", True),
}
MUNIT, UDIT = "MUNIT (lambda_U = 0)", "UDIT (hair-colour constraint)"


def model_runs(model: str, scale: str = "book", seeds=None, train: bool = False,
               results_dir=None) -> list:
    """The runs of one of :data:`~i2ibook.catalogue.UDIT_MODELS`, one per seed (None where a
    run is not stored)."""
    from functools import partial

    from i2ibook.catalogue import UDIT_MODELS, UDIT_SEEDS, udit_run
    from i2ibook.runner import get_run

    seeds = UDIT_SEEDS if seeds is None else seeds
    return [get_run(partial(udit_run, **UDIT_MODELS[model], seed=s), scale, train,
                    results_dir=results_dir) for s in seeds]


def sanity_checks(metrics: dict[str, Any]) -> list:
    """The sanity check of one run's metrics as :class:`i2ilib.metrics.baselines.SanityCheck`
    rows (:func:`sanity`)."""
    from i2ilib.metrics.baselines import SanityCheck

    b = metrics["id_baselines"]
    rows = [SanityCheck(f"adds glasses to at least {GLASSES_MIN:.0%} of the translations",
                        metrics["glasses"] >= GLASSES_MIN, f"{metrics['glasses']:.3f}")]
    for name, label in (("random_B", "a random B face"), ("mean_B", "the mean B face")):
        rows.append(SanityCheck(f"nearer the true translation (ID distance) than {label}",
                                metrics["id_truth"] < b[name],
                                f"{metrics['id_truth']:.3f} vs {b[name]:.3f}"))
    return rows


def values(runs, measure: str) -> list[float]:
    """``measure`` of every stored run."""
    return [float(r.metrics[measure]) for r in runs if r is not None]


def comparison_table(runs: dict[str, list]) -> str:
    """Every model's measures (mean ± std over the stored seeds), and the trivial translators'
    L1 to the truth (seed 0's test faces) below."""
    from i2ibook.verdicts import fmt_mean_std, markdown_table

    rows = []
    for model, rs in runs.items():
        n = sum(r is not None for r in rs)
        rows.append([f"{model} ({n} seed{'s' if n != 1 else ''})",
                     *[fmt_mean_std(values(rs, m)) if n else "not stored" for m in MEASURES]])
    first = next((r for rs in runs.values() for r in rs if r is not None), None)
    if first is not None:
        for name, label in (("identity", "the input itself"), ("random_B", "a random B face"),
                            ("mean_B", "the mean B face")):
            rows.append([f"baseline: {label}", "—",
                         f"{first.metrics['id_baselines'][name]:.3f}",
                         f"{first.metrics['baselines'][name]:.3f}", "—", "—", "—", "—"])
    return markdown_table(["model", *[v[0] for v in MEASURES.values()]], rows,
                          "l" + "r" * len(MEASURES))


def paper_table() -> str:
    """Thesis Table 5.4 (LPIPS on Biased makeup), quoted."""
    from i2ibook.papers import wang2020_udit as paper
    from i2ibook.verdicts import markdown_table

    models = list(next(iter(paper.TABLE5_4_LPIPS.values())))
    rows = [[g, d, *[f"{row[m]:.3f}" for m in models]]
            for (g, d), row in paper.TABLE5_4_LPIPS.items()]
    return markdown_table(["input", "direction", *models], rows, "ll" + "r" * len(models))


def passing(runs) -> list[bool | None]:
    """Per seed: the run passes its sanity check (None where it is not stored)."""
    return [None if r is None else all(c.passed for c in sanity_checks(r.metrics)) for r in runs]


def paired_differences(a, b, measure: str) -> list[float]:
    """Per seed where both are stored: ``b``'s ``measure`` minus ``a``'s for a measure where
    lower is better, ``a``'s minus ``b``'s otherwise: positive means ``a`` is better."""
    sign = 1.0 if MEASURES[measure][1] else -1.0
    return [sign * (float(x.metrics[measure]) - float(y.metrics[measure]))
            for x, y in zip(a, b) if x is not None and y is not None]


#: Table 5.4's row of the gender under-represented in the target domain (male, makeup): the
#: relative LPIPS drop of UDIT+PI against MUNIT+PI (the book's networks keep pooling indices).
def paper_diversity_drop() -> float:
    from i2ibook.papers import wang2020_udit as paper

    row = paper.TABLE5_4_LPIPS[("M", "Makeup")]
    return 1.0 - row["UDIT+PI"] / row["MUNIT+PI"]


def verdicts(runs: dict[str, list]) -> list:
    """The chapter's two verdicts, with the vocabulary of :mod:`i2ibook.verdicts`:

    1. the constraint removes the unwanted change: UDIT's rate of black-haired inputs turned
       blond is below MUNIT's (paired by seed, percentage points; the thesis shows its
       robustness measures in figures only, Figs. 5.5 and 5.11);
    2. the constraint costs diversity (Table 5.4): UDIT's diversity below MUNIT's, as a share of
       MUNIT's, beside the thesis's drop for the male inputs (UDIT+PI against MUNIT+PI).

    Either is *inconclusive* when a compared run fails its sanity check.
    """
    from i2ibook.papers import wang2020_udit as paper
    from i2ibook.verdicts import FigureOnly, paired_effect, verdict_from

    munit, udit = runs[MUNIT], runs[UDIT]
    failed = [f"{m} seed {i} fails its sanity check" for m, rs in runs.items()
              for i, ok in enumerate(passing(rs)) if ok is False]
    flips = paired_differences(udit, munit, "unwanted_black")
    one = verdict_from(
        "the semantic constraint removes the unwanted change (black hair turned blond)",
        paired_effect(flips, unit="points") if flips else None, None,
        evidence=paper.CLAIMS["robustness"], failed_checks=failed,
        figure_only=FigureOnly("the misclassification rate", "Figs. 5.5, 5.8, 5.9 and 5.11"))
    drops = [(float(m.metrics["diversity"]) - float(u.metrics["diversity"]))
             / float(m.metrics["diversity"]) for m, u in zip(munit, udit)
             if m is not None and u is not None]
    two = verdict_from(
        "the constraint lowers the diversity (LPIPS) of the translations (Table 5.4)",
        paired_effect(drops, unit="%") if drops else None, paper_diversity_drop(),
        evidence=paper.CLAIMS["diversity_drop"], failed_checks=failed)
    return [one, two]


def autoencoders(run) -> dict[str, nn.Module]:
    """A stored run's ``AE_A`` and ``AE_B`` (float32, eval mode)."""
    from i2ilib.train.udit import udit_autoencoder_from_config

    out = {}
    for name, state in run.generator_state().items():
        net = udit_autoencoder_from_config(run.config["trainer"], name)
        net.load_state_dict({k: v.float() if v.is_floating_point() else v
                             for k, v in state.items()})
        out[name] = net.eval()
    return out


@torch.no_grad()
def translations(run, images: Tensor, n_styles: int = 4, seed: int = 0) -> Tensor:
    """``(N, K, 3, H, W)``: each image translated A -> B by a stored run with ``n_styles``
    styles ``s' ~ N(0, I)`` (the same ``K`` styles for every image, seeded)."""
    nets = autoencoders(run)
    g = torch.Generator().manual_seed(seed)
    styles = torch.randn(n_styles, run.config["trainer"]["style_dim"], generator=g)
    content = nets["AE_A"].E_c(images)
    out = [nets["AE_B"].decode(content, s.expand(len(images), -1)) for s in styles]
    return torch.stack(out, 1).clamp(-1, 1)


def test_faces(scale: str = "book", seed: int = 0):
    """The biased faces of ``seed`` (:class:`i2ilib.data.biasedfaces.BiasedFaces`)."""
    from i2ibook.catalogue import udit_run
    from i2ilib.data.biasedfaces import biased_faces

    spec = udit_run(scale, seed=seed)[1]["data"]
    return biased_faces(spec["n_A"], spec["n_B"], spec["n_test"], spec["size"], spec["bias"],
                        spec["seed"])
