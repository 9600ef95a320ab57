"""Checks a student can run on the exercises that have a checkable answer.

Each exercise with a definite answer (a number, a shape, a set of names, a function or a
class the student writes) has one ``check_<name>(answer)`` here. A check computes the right
answer itself, from the library or from the chapter's own data (never from a number typed
here), and compares:

- a right answer prints one line, ``<label>: correct. ...``;
- a wrong one raises :class:`WrongAnswer` (an :class:`AssertionError`) with a message that says
  what is off ("too large", "the running statistics changed") without giving the answer away;
- the placeholder ``...`` (or a function or class whose body is still ``...``) prints
  ``<label>: not answered yet``, so that a chapter with its placeholders runs from top to
  bottom (``make test`` runs every notebook). With ``graded=True`` (the hidden tests of an
  exported assignment, :mod:`i2ibook.assignments`) a placeholder fails, and checks of a
  function or class try it on further inputs.

In a notebook the answer cell sits right after its ``{exercise}`` and before its
``{solution}``, and is tagged ``exercise-answer``::

    from i2ibook import exercises

    answer = ...  # your answer: ...
    exercises.check_patch_shape(answer)

Checked exercises (label: check):

- ``ex-00-shapes``: :func:`check_patch_shape`, the PatchGAN's output shape.
- ``ex-00-region``: :func:`check_attribute_regions`, each attribute's share of the pixels.
- ``ex-00-background``: :func:`check_background_identity`, nearest-neighbour accuracies.
- ``ex-01p-kl``: :func:`check_mode_kl`, a function: KL divergence of the mode histogram.
- ``ex-02-dropout``: :func:`check_train_mode_translation`, a function: eight outputs in
  train mode without touching ``G``.
- ``ex-02-half``: :func:`check_no_half`, a trainer subclass without the factor 0.5.
- ``ex-03-bias``: :func:`check_fd_bias`, the expected squared distance of two sample means.
- ``ex-04-mem``: :func:`check_failure_signatures`, which numbers catch each copier.
- ``ex-05-rf``: :func:`check_receptive_fields`, the PatchGAN's receptive fields.
- ``ex-05-skip``: :func:`check_noskip_bottleneck`, the skip-less U-Net's bottleneck.
- ``ex-06-sources``: :func:`check_alpha_sources`, the aligned samples an α-paired set needs.
- ``ex-06-seeds``: :func:`check_seeds_needed`, seeds per ratio for 80 % power.
- ``ex-07-transparency``: :func:`check_transparency_errors`, pseudo-glasses error by
  transparency.
- ``ex-08-nstd``: :func:`check_ellipse_size`, which Fig. 10 numbers depend on the ellipse size.
- ``ex-09-reversed``: :func:`check_minimal_reversed_map`, ``(W, b)``: the minimal network's
  ``t -> 1 - t`` from segment A onto segment B.
- ``ex-10-codes``: :func:`check_code_sizes`, the numbers in e1's and e2's codes at book scale.
- ``ex-10-confusion``: :func:`check_reverse_confusion`, a function: the encoders' term -L_D.
- ``ex-11-iterations``: :func:`check_generator_updates`, generator updates of a target run.
- ``ex-11-effect``: :func:`check_table2_1_effect`, the thesis's effect in the verdicts' unit.
- ``ex-11-gp``: :func:`check_gradient_penalty`, a function: the WGAN-GP gradient penalty.
- ``ex-12-miner``: :func:`check_miner_parameters`, the parameters stage 1 trains in ``G``'s place.
- ``ex-12-selector``: :func:`check_selector`, a function: the selector's ``p_hat`` (eqs. 3.5-3.6).
- ``ex-12-effect``: :func:`check_table3_1_effect`, Table 3.1's effect in the verdicts' unit.
- ``ex-13-latent``: :func:`check_latent_shape`, the shape of M&MNets' latent code.
- ``ex-13-agreement``: :func:`check_index_agreement`, a function: pooling-index agreement per
  level.
- ``ex-13-majority``: :func:`check_majority_baseline`, the per-pixel majority baseline of
  seed 1.
- ``ex-14-minority``: :func:`check_minority_count`, the black-haired faces of B at book scale.
- ``ex-14-semantic``: :func:`check_semantic_feature_size`, the numbers in UDIT's semantic
  feature ``u = h(x)``.
- ``ex-14-flip``: :func:`check_unwanted_change_rate`, a function: the unwanted-change rate.
- ``ex-15-pairs``: :func:`check_pairwise_generators`, the generators pairwise CycleGANs need.
- ``ex-15-cin``: :func:`check_cin`, a function: conditional instance normalisation (eq. 6.10).
- ``ex-15-m-units``: :func:`check_m_units`, the output units of SDIT's ``M`` at book scale.

Exercises without a check, and why (:data:`OPEN_EXERCISES` holds the same list):

- ``ex-00-scales``: compare printed cells and explain: a discussion.
- ``ex-01p-lr``, ``ex-01p-sat``, ``ex-01p-ignore``: predict, train and look at the samples;
  the numbers belong to the reader's runs and the answer is the explanation.
- ``ex-02-l1``, ``ex-04-idt``, ``ex-04-pool``, ``ex-04-l2``: train a variant and compare
  images or loss curves: judged by eye.
- ``ex-02-design``, ``ex-04-steg``: design an experiment: many designs are right.
- ``ex-03-pr``: build a degenerate "generator": any construction that fools the metrics works.
- ``ex-03-infosim``, ``ex-03-fcn``: a plot or a measurement whose point is its interpretation.
- ``ex-04-backward``: the demonstration (``torch.allclose`` on the gradients, a timing) is the
  answer itself.
- ``ex-05-oneseed``, ``ex-06-losses``, ``ex-08-noglasses``, ``ex-08-infosim``,
  ``ex-08-glasses``: measurements on the stored runs, which differ between scales; the answer
  is the comparison.
- ``ex-06-facades``, ``ex-07-hats``: projects (new data, a new pseudo-pair model, training).
- ``ex-06-visible``, ``ex-07-infosim``, ``ex-07-judge``: reading tables or images and
  explaining.
- ``ex-07-study``: a user study with people.
- ``ex-09-inversion``, ``ex-09-collapse``: an argument or an explanation (then a run to test it).
- ``ex-09-sample``, ``ex-09-shared``: training runs whose accuracies or curves are read for their
  meaning.
- ``ex-10-sep``: a training run (a larger e2) whose removal scores are read for their meaning.
- ``ex-11-source``: a project: another source GAN, trained and compared.
- ``ex-12-targets``: training runs on 10 and 1000 target images, read for their FD curves.
- ``ex-13-skip``: a new loss term and a training run whose result is read against an
  explanation.
- ``ex-14-lambda``: training runs with other weights of the constraint, read for the trade-off
  between unwanted changes and diversity.
"""

from __future__ import annotations

import copy
import functools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import torch

__all__ = [
    "CHECKS",
    "OPEN_EXERCISES",
    "WrongAnswer",
    "check_alpha_sources",
    "check_attribute_regions",
    "check_background_identity",
    "check_cin",
    "check_code_sizes",
    "check_ellipse_size",
    "check_failure_signatures",
    "check_fd_bias",
    "check_generator_updates",
    "check_gradient_penalty",
    "check_index_agreement",
    "check_latent_shape",
    "check_m_units",
    "check_majority_baseline",
    "check_miner_parameters",
    "check_minimal_reversed_map",
    "check_mode_kl",
    "check_no_half",
    "check_noskip_bottleneck",
    "check_pairwise_generators",
    "check_patch_shape",
    "check_receptive_fields",
    "check_reverse_confusion",
    "check_seeds_needed",
    "check_selector",
    "check_table2_1_effect",
    "check_table3_1_effect",
    "check_train_mode_translation",
    "check_transparency_errors",
]

#: exercise label -> its check (filled by the ``_exercise`` decorator below).
CHECKS: dict[str, Callable[..., None]] = {}

#: exercise label -> why it has no check.
OPEN_EXERCISES: dict[str, str] = {
    "ex-00-scales": "compare printed cells and explain: a discussion",
    "ex-01p-lr": "predict, train and look at the samples: the answer is the explanation",
    "ex-01p-sat": "predict, train and look at the samples: the answer is the explanation",
    "ex-01p-ignore": "predict, train and measure: the answer is the explanation",
    "ex-02-l1": "train a variant and compare images: judged by eye",
    "ex-02-design": "design an experiment: many designs are right",
    "ex-03-pr": "any construction that fools the set metrics works",
    "ex-03-infosim": "a plot whose point is its interpretation",
    "ex-03-fcn": "a measurement whose point is its interpretation",
    "ex-04-idt": "train a variant and compare colours: judged by eye",
    "ex-04-pool": "train a variant and compare loss curves: judged by eye",
    "ex-04-l2": "train a variant and compare reconstructions: judged by eye",
    "ex-04-steg": "design a test: many designs are right",
    "ex-04-backward": "the demonstration (allclose, a timing) is the answer itself",
    "ex-05-oneseed": "tables of the stored runs, which differ between scales",
    "ex-06-losses": "averages of the stored runs, which differ between scales",
    "ex-06-facades": "a project: new data and training",
    "ex-06-visible": "a discussion",
    "ex-07-infosim": "reading tables and explaining",
    "ex-07-hats": "a project: a new pseudo-pair model and training",
    "ex-07-judge": "looking at images and explaining",
    "ex-07-study": "a user study with people",
    "ex-08-noglasses": "measurements on the stored runs, which differ between scales",
    "ex-08-infosim": "measurements on the stored runs, which differ between scales",
    "ex-08-glasses": "measurements on the stored runs, which differ between scales",
    "ex-09-inversion": "argue both sides, then decide: the answer is the argument",
    "ex-09-sample": "training more seeds and reading their per-class accuracy",
    "ex-09-collapse": "an explanation, then a training run to test it",
    "ex-09-shared": "a training run whose curves are read for their meaning",
    "ex-10-sep": "a training run (a larger e2) whose removal scores are read for their meaning",
    "ex-11-source": "a project: another source GAN, trained and compared",
    "ex-12-targets": "training runs on 10 and 1000 target images, read for their FD curves",
    "ex-13-skip": "a new loss term and a training run, read against the thesis's explanation",
}

F = TypeVar("F", bound=Callable[..., str])


class _Unanswered(Exception):
    """The answer is still the placeholder (``...``, or a body of ``...``)."""


class WrongAnswer(AssertionError):
    """A check's verdict on a wrong answer (also one of the wrong kind: a list for a dict)."""


def _exercise(label: str) -> Callable[[F], Callable[..., None]]:
    """Register ``check`` for ``label``: it returns the success note or raises
    :class:`WrongAnswer` (the message gets the label in front) or :class:`_Unanswered`."""

    def register(check: F) -> Callable[..., None]:
        @functools.wraps(check)
        def run(answer: Any, *args: Any, graded: bool = False, **kwargs: Any) -> None:
            # a check draws random numbers (and runs the student's code): the notebook's
            # generators are left as they were, so that running a check changes no later cell
            python_state, numpy_state = random.getstate(), np.random.get_state()
            try:
                if answer is Ellipsis:
                    raise _Unanswered("replace the ... by your answer")
                with torch.random.fork_rng():
                    note = check(answer, *args, graded=graded, **kwargs)
            except _Unanswered as why:
                if graded:
                    raise WrongAnswer(f"{label}: not answered yet ({why}).") from None
                print(f"{label}: not answered yet ({why}, then run this cell again).")
                return
            except WrongAnswer as wrong:
                raise WrongAnswer(f"{label}: {wrong}") from None
            finally:
                random.setstate(python_state)
                np.random.set_state(numpy_state)
            print(f"{label}: correct. {note}".rstrip())

        run.label = label  # type: ignore[attr-defined]
        CHECKS[label] = run
        return run

    return register


def _number(value: Any, what: str) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise WrongAnswer(f"{what} must be a number, got {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value):
        raise WrongAnswer(f"{what} must be finite, got {value}.")
    return value


def _direction(value: float, reference: float) -> str:
    return "too large" if value > reference else "too small"


def _mapping(answer: Any, keys: Sequence[str], what: str) -> dict[str, Any]:
    if not isinstance(answer, Mapping):
        raise WrongAnswer(f"give a dict {{{', '.join(repr(k) for k in keys[:3])}, ...: "
                             f"{what}}}, got {type(answer).__name__}.")
    missing = [k for k in keys if k not in answer]
    extra = [k for k in answer if k not in keys]
    if missing or extra:
        raise WrongAnswer(
            ("missing keys: " + ", ".join(map(repr, missing)) if missing else "")
            + ("; " if missing and extra else "")
            + ("unknown keys: " + ", ".join(map(repr, extra)) if extra else "")
            + f" (the keys are {', '.join(map(repr, keys))}).")
    return {k: answer[k] for k in keys}


# --- 00: welcome and data ----------------------------------------------------------------------

@functools.cache
def _patch_shape() -> tuple[int, ...]:
    from i2ilib.nets import define_D

    D = define_D("basic", 3, ndf=64)
    with torch.no_grad():
        return tuple(D.eval()(torch.zeros(1, 3, 256, 256)).shape)


@_exercise("ex-00-shapes")
def check_patch_shape(answer: Any, *, graded: bool = False) -> str:
    """``answer``: the shape ``(N, C, H, W)`` of ``D(x)`` for one 256×256 image and
    ``ndf=64`` (a tuple, list or ``torch.Size``)."""
    reference = _patch_shape()
    if not isinstance(answer, (tuple, list, torch.Size)) or len(answer) != 4:
        raise WrongAnswer("give the four sizes (N, C, H, W) of D(x) as a tuple.")
    shape = tuple(int(_number(s, "every size")) for s in answer)
    n, c, h, w = shape
    if n != reference[0]:
        raise WrongAnswer(f"N = {n}: N is the batch size, and x holds one image.")
    if c != reference[1]:
        raise WrongAnswer(f"C = {c} is {_direction(c, reference[1])}: how many numbers does "
                             "D give for one patch?")
    if (h, w) != reference[2:]:
        hint = (" The last two convolutions have stride 1, but a 4x4 convolution with padding 1 "
                "still changes the size." if h in (reference[2] + 1, reference[2] + 2) else "")
        raise WrongAnswer(f"H, W = {h}, {w}: {_direction(h, reference[2])}.{hint}")
    return f"{h * w} patch scores per image."


@functools.cache
def _attribute_regions(n_people: int = 50, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Mean share of the pixels in each attribute's region and its standard error."""
    from i2ilib.data.synthfaces import (
        RENDERED_ATTRIBUTES,
        render_true_pair,
        sample_identity,
        sample_pose,
    )

    rng = np.random.default_rng(seed)
    share: dict[str, list[float]] = {a: [] for a in RENDERED_ATTRIBUTES}
    for _ in range(n_people):
        person, pose = sample_identity(rng), sample_pose(rng)
        for a in RENDERED_ATTRIBUTES:
            share[a].append(float(render_true_pair(person, a, pose, size=64).region.mean()))
    return {a: (float(np.mean(v)), float(np.std(v, ddof=1) / np.sqrt(len(v))))
            for a, v in share.items()}


@_exercise("ex-00-region")
def check_attribute_regions(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``{attribute: mean fraction of the pixels in its region}`` for every
    attribute of ``RENDERED_ATTRIBUTES`` (fractions in [0, 1], over about 50 people)."""
    reference = _attribute_regions()
    values = _mapping(answer, list(reference), "fraction of the pixels")
    for attribute, value in values.items():
        value = _number(value, attribute)
        if not 0.0 <= value <= 1.0:
            raise WrongAnswer(f"{attribute}: {value} is not a fraction in [0, 1] (percentages "
                                 "divided by 100?).")
        mean, se = reference[attribute]
        # two independent samples of 50 people differ by sqrt(2) standard errors on average
        if abs(value - mean) > 4 * math.sqrt(2) * se + 0.002:
            raise WrongAnswer(f"{attribute}: {_direction(value, mean)}. Average "
                                 "region.mean() over people and poses, at 64 px.")
    top = max(reference, key=lambda a: reference[a][0])
    return f"The largest region is {top}'s, the smallest {min(reference, key=lambda a: reference[a][0])}'s."


@functools.cache
def _background_identity() -> dict[str, float]:
    from i2ilib.data.synthfaces import make_synthfaces

    faces = make_synthfaces(40, 4)
    images = faces.images.astype(np.float64)
    k = 8
    corners = np.concatenate([images[:, :k, :k], images[:, :k, -k:], images[:, -k:, :k],
                              images[:, -k:, -k:]], axis=1).reshape(len(images), -1, 3).mean(1)
    cheek = images[:, 30:34, 20:44].reshape(len(images), -1, 3).mean(1)

    def accuracy(features: np.ndarray) -> float:
        d = ((features[:, None] - features[None]) ** 2).sum(-1)
        np.fill_diagonal(d, np.inf)
        return float(np.mean(faces.identity[d.argmin(1)] == faces.identity))

    return {"background": accuracy(corners), "cheek": accuracy(cheek),
            "chance": 1.0 / len(faces.identities), "images": float(len(images))}


@_exercise("ex-00-background")
def check_background_identity(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``{"background": accuracy, "cheek": accuracy}``, the leave-one-out nearest
    neighbour accuracies (fractions) on ``make_synthfaces(40, 4)``."""
    reference = _background_identity()
    values = _mapping(answer, ["background", "cheek"], "accuracy")
    one_image = 1.0 / reference["images"]
    for name, value in values.items():
        value = _number(value, name)
        if not 0.0 <= value <= 1.0:
            raise WrongAnswer(f"{name}: {value} is not a fraction in [0, 1].")
        if abs(value - reference[name]) > 2 * one_image + 1e-9:
            hint = {"background": " Use the four 8 x 8 corner patches, and leave each image out "
                                  "of its own search.",
                    "cheek": " Rows 30-33 and columns 20-43 include row 33 and column 43 "
                             "(img[30:34, 20:44])."}[name]
            raise WrongAnswer(f"{name}: {_direction(value, reference[name])}.{hint}")
    return f"Chance is {reference['chance']:.1%}."


# --- 01: GAN primer ----------------------------------------------------------------------------

def _kl_from_uniform(counts: Sequence[int]) -> float:
    q = np.asarray(counts, dtype=np.float64)
    q = q / q.sum()
    u = 1.0 / len(q)
    nonzero = q > 0
    return float(np.sum(q[nonzero] * np.log(q[nonzero] / u)))


@_exercise("ex-01p-kl")
def check_mode_kl(answer: Any, *, graded: bool = False) -> str:
    """``answer``: a function ``mode_kl(coverage) -> float``, the KL divergence (nats) from the
    uniform distribution over the modes to the normalised ``coverage.counts``."""
    from i2ilib.metrics.modes import ModeCoverage

    if not callable(answer):
        raise WrongAnswer(f"give the function itself (mode_kl), got {type(answer).__name__}.")

    def coverage(counts: Sequence[int]) -> ModeCoverage:
        counts = tuple(int(c) for c in counts)
        n = sum(counts)
        return ModeCoverage(modes_covered=sum(c >= 0.2 * n / len(counts) for c in counts),
                            n_modes=len(counts), high_quality=1.0, counts=counts,
                            threshold=0.2 * n / len(counts))

    cases = {"a balanced histogram": [100] * 8,
             "all samples on one mode": [800, 0, 0, 0, 0, 0, 0, 0],
             "60 % on one mode, the rest spread evenly": [600] + [400 // 7] * 6 + [400 - 6 * (400 // 7)],
             "a histogram over 25 modes": list(range(1, 26))}
    if graded:
        rng = np.random.default_rng(1)
        for i in range(5):
            k = int(rng.integers(2, 30))
            cases[f"random histogram {i + 1} ({k} modes)"] = rng.integers(0, 50, size=k).tolist()
            cases[f"random histogram {i + 1} ({k} modes)"][0] += 1
    for what, counts in cases.items():
        value = answer(coverage(counts))
        if value is None:
            raise _Unanswered("mode_kl returns None: write its body")
        value = _number(value, f"mode_kl for {what}")
        reference = _kl_from_uniform(counts)
        if not abs(value - reference) <= 1e-6 + 1e-6 * abs(reference):
            raise WrongAnswer(f"for {what}, mode_kl is {_direction(value, reference)}."
                                 + (" Is it KL(q || uniform), with q the normalised counts and "
                                    "0 log 0 = 0?" if value < 0 or not reference else ""))
    return f"A single mode of 8 gives log 8 = {math.log(8):.3f} nats, the largest value."


# --- 02: pix2pix -------------------------------------------------------------------------------

@_exercise("ex-02-dropout")
def check_train_mode_translation(answer: Any, *, graded: bool = False) -> str:
    """``answer``: a function ``(G, x, times) -> (times, N, C, H, W)`` that translates ``x``
    ``times`` times with a copy of ``G`` in train mode, without gradients, leaving ``G`` as it
    was."""
    from i2ilib.nets import define_G

    if not callable(answer):
        raise WrongAnswer(f"give the function itself, got {type(answer).__name__}.")
    torch.manual_seed(0)
    G = define_G("unet_64", 3, 3, ngf=8, norm="batch", use_dropout=True).eval()
    with torch.no_grad():  # give the running statistics values that train mode would change
        for m in G.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    before = copy.deepcopy(G.state_dict())
    x = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    for times in ((8, 2) if graded else (8,)):
        out = answer(G, x, times)
        if out is None:
            raise _Unanswered("the function returns None: write its body")
        if not isinstance(out, torch.Tensor):
            raise WrongAnswer(f"return one tensor (times, N, C, H, W), e.g. with torch.stack; "
                                 f"got {type(out).__name__}.")
        if tuple(out.shape) != (times, *x.shape):
            raise WrongAnswer(f"the outputs have shape {tuple(out.shape)}, not (times, N, C, H, "
                                 f"W) = {(times, *x.shape)}.")
        if G.training:
            raise WrongAnswer("G was left in train mode: change the mode of a copy.")
        changed = [k for k, v in G.state_dict().items() if not torch.equal(v, before[k])]
        if changed:
            raise WrongAnswer(f"G's {changed[0]} changed: in train mode batch normalisation "
                                 "updates its running statistics, even without gradients.")
        if out.requires_grad:
            raise WrongAnswer("the outputs carry gradients: translate under torch.no_grad().")
        if times > 1 and (out - out[0]).abs().amax() < 1e-6:
            raise WrongAnswer("all outputs are the same: is dropout on (train mode)?")
        with torch.no_grad():
            eval_out = G(x)
        if (out - eval_out).abs().amax() < 1e-6:
            raise WrongAnswer("the outputs are the eval-mode ones: use train mode.")
        if out.amin() < -1 - 1e-6 or out.amax() > 1 + 1e-6:
            raise WrongAnswer("outputs outside [-1, 1].")
    return "Dropout and batch statistics make each translation a little different."


def _half_step_gradients(trainer_class: type, gan_mode: str) -> tuple[list[torch.Tensor], dict]:
    """D's gradients (left in ``.grad`` by ``train_step``) and the logged losses after one step
    from the same start, batch and random state."""
    from i2ilib.data.synthscenes import paired_tensors
    from i2ilib.train import Pix2PixConfig

    config = Pix2PixConfig(netG="unet_32", ngf=8, ndf=8, batch_size=2, device="cpu", seed=0,
                           gan_mode=gan_mode)
    a, b = paired_tensors(2, size=32, task="labels2photo", seed=5)
    trainer = trainer_class(config)  # seeds every generator (the check restores them)
    torch.manual_seed(123)
    logged = trainer.train_step({"A": a, "B": b})
    grads = [p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p)
             for p in trainer.D.parameters()]
    return grads, logged


@_exercise("ex-02-half")
def check_no_half(answer: Any, *, graded: bool = False) -> str:
    """``answer``: a subclass of ``Pix2PixTrainer`` whose step back-propagates the
    discriminator's loss without the factor 0.5 (everything else as before)."""
    from i2ilib.train import Pix2PixTrainer

    if not (isinstance(answer, type) and issubclass(answer, Pix2PixTrainer)):
        raise WrongAnswer("give a subclass of Pix2PixTrainer (the class, not an instance).")
    if answer is Pix2PixTrainer or not [k for k in vars(answer) if not k.startswith("__")]:
        raise _Unanswered("the class overrides nothing yet")
    for gan_mode in (("vanilla", "lsgan") if graded else ("vanilla",)):
        base, base_logged = _half_step_gradients(Pix2PixTrainer, gan_mode)
        mine, logged = _half_step_gradients(answer, gan_mode)
        for k in ("D_real", "D_fake"):
            if k not in logged or not math.isclose(logged[k], base_logged[k], rel_tol=1e-5,
                                                   abs_tol=1e-7):
                raise WrongAnswer(f"the logged {k} differs from Pix2PixTrainer's: only the "
                                     "factor on D's loss should change, not the terms.")
        ratio = (sum(float((m * g).sum()) for m, g in zip(mine, base))
                 / max(sum(float((g * g).sum()) for g in base), 1e-30))
        if not all(torch.allclose(m, 2 * g, rtol=1e-4, atol=1e-8) for m, g in zip(mine, base)):
            raise WrongAnswer(f"D's gradients are {ratio:.2f} times Pix2PixTrainer's"
                                 + (f" (gan_mode {gan_mode!r})" if graded else "")
                                 + ": without the factor 0.5 they should change by the factor it "
                                   "removes.")
    return "D's gradients double; with Adam its first steps barely change."


# --- 03: metrics -------------------------------------------------------------------------------

@_exercise("ex-03-bias")
def check_fd_bias(answer: Any, feats_real: Any, feats_other: Any, n: int = 50, *,
                  graded: bool = False) -> str:
    """``answer``: the predicted E||mu_1 - mu_2||^2 = 2 tr(Sigma) / n for ``n`` = 50, Sigma the
    covariance of the chapter's features (``feats_real`` and ``feats_other`` pooled)."""
    value = _number(answer, "answer")
    pooled = np.concatenate([np.asarray(feats_real, dtype=np.float64),
                             np.asarray(feats_other, dtype=np.float64)])
    reference = 2.0 * float(np.trace(np.cov(pooled.T))) / n
    if abs(value - reference) > 0.03 * reference:
        raise WrongAnswer(f"{_direction(value, reference)}: tr(Sigma) is the sum of the "
                             f"feature variances, and each mean averages n = {n} samples.")
    return "The simulation of the exercise should land close to it."


# --- 04: CycleGAN ------------------------------------------------------------------------------

FAILURE_NUMBERS = ("spread ratio", "input retrieval", "memorisation ratio")
COPIERS = ("random copy", "nearest copy")


@functools.cache
def _failure_signatures() -> dict[str, frozenset[str]]:
    """Which of chapter 04's numbers flag each copier, measured on SynthScenes photos with the
    library's thresholds (spread ratio < 0.4, input retrieval < 5 x chance, memorisation ratio
    < 0.5)."""
    from i2ilib.data.synthscenes import paired_tensors
    from i2ilib.metrics.failures import (
        input_retrieval,
        memorisation_ratio,
        nearest_distances,
        spread_ratio,
    )

    _, train_B = paired_tensors(200, size=32, task="labels2photo", seed=0)
    _, test_B = paired_tensors(64, size=32, task="labels2photo", seed=1)
    pick = torch.randint(len(train_B), (len(test_B),), generator=torch.Generator().manual_seed(0))
    _, nearest = nearest_distances(test_B, train_B)
    outputs = {"random copy": train_B[pick], "nearest copy": train_B[nearest]}
    caught = {}
    for name, out in outputs.items():
        flags = {"spread ratio": spread_ratio(out, test_B) < 0.4,
                 "input retrieval": input_retrieval(out, test_B) < 5.0 / len(test_B),
                 "memorisation ratio": memorisation_ratio(out, test_B, train_B) < 0.5}
        caught[name] = frozenset(k for k, v in flags.items() if v)
    return caught


@_exercise("ex-04-mem")
def check_failure_signatures(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``{"random copy": {...}, "nearest copy": {...}}``, for each copier the set of
    numbers among "spread ratio", "input retrieval" and "memorisation ratio" that catch it."""
    reference = _failure_signatures()
    values = _mapping(answer, list(COPIERS), "set of numbers")
    for copier, numbers in values.items():
        if isinstance(numbers, str) or not isinstance(numbers, (set, frozenset, list, tuple)):
            raise WrongAnswer(f"{copier}: give a set of names, e.g. {{'spread ratio'}}.")
        unknown = [x for x in numbers if x not in FAILURE_NUMBERS]
        if unknown:
            raise WrongAnswer(f"{copier}: unknown names {unknown}; use "
                                 f"{', '.join(map(repr, FAILURE_NUMBERS))}.")
        numbers = frozenset(numbers)
        if numbers - reference[copier]:
            raise WrongAnswer(f"{copier}: your set holds a number that does not catch it: "
                                 "compute all three on its outputs.")
        if reference[copier] - numbers:
            raise WrongAnswer(f"{copier}: a number that catches it is missing: compute all "
                                 "three on its outputs.")
    return "Set metrics (FD, precision, recall) would rate both copiers as excellent."


# --- 05: ablations -----------------------------------------------------------------------------

@_exercise("ex-05-rf")
def check_receptive_fields(answer: Any, *, graded: bool = False) -> str:
    """``answer``: the receptive fields (px) for ``n_layers`` = 1, 2, 3, 4, 5, as a list in
    that order or a dict ``{n_layers: field}``."""
    from i2ilib.nets import patchgan_receptive_field

    layers = [1, 2, 3, 4, 5]
    if isinstance(answer, Mapping):
        values = _mapping(answer, layers, "receptive field")  # type: ignore[arg-type]
    elif isinstance(answer, (list, tuple)) and len(answer) == 5:
        values = dict(zip(layers, answer))
    else:
        raise WrongAnswer("give five receptive fields, for n_layers = 1 ... 5.")
    for n, value in values.items():
        reference = patchgan_receptive_field(n)
        value = _number(value, f"n_layers = {n}")
        if value != reference:
            raise WrongAnswer(f"n_layers = {n}: {_direction(value, reference)}. Walk "
                                 "backwards from one output pixel: r -> s (r - 1) + k per layer.")
    return "pix2pix's default, n_layers = 3, sees 70 x 70 patches."


@functools.cache
def _noskip_bottleneck() -> tuple[int, int, int]:
    from i2ilib.nets import define_G

    G = define_G("unet_64_noskip", 3, 3, ngf=16)
    shapes: list[tuple[int, ...]] = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
             for m in G.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        G.eval()(torch.zeros(1, 3, 64, 64))
    for h in hooks:
        h.remove()
    smallest = min(shapes, key=lambda s: (s[2] * s[3], -shapes.index(s)))
    return smallest[1], smallest[2], smallest[3]


@_exercise("ex-05-skip")
def check_noskip_bottleneck(answer: Any, *, graded: bool = False) -> str:
    """``answer``: the bottleneck of ``unet_64_noskip`` at ``ngf = 16`` on a 64 px image, as
    ``(C, H, W)``."""
    reference = _noskip_bottleneck()
    if not isinstance(answer, (tuple, list, torch.Size)) or len(answer) != 3:
        raise WrongAnswer("give the bottleneck as (C, H, W).")
    c, h, w = (int(_number(v, "every size")) for v in answer)
    if (h, w) != reference[1:]:
        raise WrongAnswer(f"H, W = {h}, {w}: {_direction(h, reference[1])}. Count the stride-2 "
                             "layers between the input and the bottleneck.")
    if c != reference[0]:
        raise WrongAnswer(f"C = {c}: {_direction(c, reference[0])}. The width grows with "
                             "depth up to a cap: look at the U-Net's inner blocks.")
    return f"{c * h * w} numbers for a whole scene."


# --- 06: implicit pairs ------------------------------------------------------------------------

@functools.cache
def _alpha_sources(alpha: float, n: int) -> int:
    """The fewest aligned samples with which ``make_alpha_paired`` builds the set."""
    from i2ilib.data.pairing import make_alpha_paired

    def works(size: int) -> bool:
        pool = np.zeros((size, 1))
        try:
            make_alpha_paired(pool, pool, alpha=alpha, n=n)
        except ValueError:
            return False
        return True

    low, high = 1, 2 * n  # 2n always works: the most an α-paired set can need
    if not works(high):
        raise RuntimeError(f"make_alpha_paired(alpha={alpha}, n={n}) fails with {high} sources.")
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if works(middle) else (middle + 1, high)
    return low


@_exercise("ex-06-sources")
def check_alpha_sources(answer: Any, *, graded: bool = False) -> str:
    """``answer``: the fewest aligned samples with which ``make_alpha_paired(A, B,
    alpha=0.25, n=100)`` succeeds."""
    value = _number(answer, "answer")
    reference = _alpha_sources(0.25, 100)
    if value != reference:
        raise WrongAnswer(f"{_direction(value, reference)}: count the pairs, and the samples "
                             "of each domain whose counterpart must be absent.")
    return "The pool of 2n scenes that the chapter renders serves every ratio."


#: The exercise's numbers: our labels -> photo per-pixel accuracy, about 0.64 with a seed
#: standard deviation of about 0.02 (chapter 06's stored runs, rounded as the exercise states).
SEEDS_EXERCISE_MEAN, SEEDS_EXERCISE_STD = 0.64, 0.02


def _seeds_needed(alpha: float = 0.05, power: float = 0.8) -> float:
    from scipy.stats import norm

    from i2ibook.papers.ginger2019 import PUBLISHED_GAIN_MIX_OVER_PAIRED

    delta = PUBLISHED_GAIN_MIX_OVER_PAIRED * SEEDS_EXERCISE_MEAN
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return float(2 * z**2 * SEEDS_EXERCISE_STD**2 / delta**2)


@_exercise("ex-06-seeds")
def check_seeds_needed(answer: Any, *, graded: bool = False) -> str:
    """``answer``: seeds per ratio for a two-sided two-sample test at 5 % with 80 % power
    (normal approximation; rounded or rounded up)."""
    value = _number(answer, "answer")
    exact = _seeds_needed()
    if not math.floor(exact) - 1e-9 <= value <= math.ceil(exact) + 1e-9:
        raise WrongAnswer(f"{'too many' if value > exact else 'too few'}. Use the normal "
                             "approximation for two groups of n seeds, with the difference "
                             "3.4 % of 0.64.")
    return "The paper ran one seed per cell."


# --- 07: pseudo-pairs --------------------------------------------------------------------------

TRANSPARENCY_EDGES = (0.28, 0.46, 0.64, 0.82)  # five equal bins over [0.1, 1.0]


@functools.cache
def _transparency_errors(n_faces: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean |M(b) - true a| inside the glasses region per transparency bin (0-255 scale) and
    the standard deviation of one face's error in each bin."""
    from i2ilib.data.pseudopairs import pseudo_eyeglasses
    from i2ilib.data.synthfaces import render_true_pair, sample_identity, sample_pose

    rng = np.random.default_rng(seed)
    t, err = [], []
    for _ in range(n_faces):
        pair = render_true_pair(sample_identity(rng), "Eyeglasses", sample_pose(rng), size=64)
        fake, params = pseudo_eyeglasses(pair.off.image, pair.off.landmarks, rng)
        t.append(params.transparency)
        err.append(np.abs(fake.astype(np.float64) - pair.on.image)[pair.region].mean())
    bins = np.digitize(t, TRANSPARENCY_EDGES)
    errors = np.asarray(err)
    return (np.array([errors[bins == b].mean() for b in range(5)]),
            np.array([errors[bins == b].std(ddof=1) for b in range(5)]))


@_exercise("ex-07-transparency")
def check_transparency_errors(answer: Any, *, graded: bool = False) -> str:
    """``answer``: five mean absolute errors (0-255 scale) inside the glasses region, one per
    transparency bin from faint to opaque (edges 0.28, 0.46, 0.64, 0.82), over about 150
    faces."""
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (Sequence, np.ndarray,
                                                                    torch.Tensor)):
        raise WrongAnswer("give the five bin means as a list.")
    values = [_number(v, "every bin mean") for v in list(answer)]
    if len(values) != 5:
        raise WrongAnswer(f"give five bin means, got {len(values)}.")
    means, stds = _transparency_errors()
    if max(values) <= 1.0:
        raise WrongAnswer("too small: measure on the 0-255 scale of the uint8 images.")
    per_bin = 150 / 5  # the exercise's 150 faces, about 30 per bin
    for b, (value, mean, std) in enumerate(zip(values, means, stds)):
        if abs(value - mean) > 4 * std / math.sqrt(per_bin) + 1.0:
            raise WrongAnswer(f"bin {b + 1} of 5: {_direction(value, mean)}. Average the "
                                 "absolute difference over the pixels of pair.region only.")
    return "Faint pseudo-glasses are closest to the truth, and opaque ones farthest."


# --- 08: identity and expression spaces --------------------------------------------------------

ELLIPSE_NUMBERS = ("centre distance", "axis difference ratio", "fraction outside")


@functools.cache
def _ellipse_size_matters() -> dict[str, bool]:
    """Whether each number changes between ``n_std=2`` and ``n_std=1``, measured with the
    library on two random point clouds."""
    from i2ilib.metrics.spaces import (
        axis_difference_ratio,
        centre_distance,
        fit_ellipse,
        fraction_outside,
    )

    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 2)) @ np.array([[1.5, 0.3], [0.0, 0.6]])
    generated = rng.normal(size=(300, 2)) @ np.array([[0.9, -0.2], [0.1, 1.1]]) + [0.7, -0.4]
    numbers = {}
    for n_std in (2.0, 1.0):
        g, r = fit_ellipse(generated, n_std=n_std), fit_ellipse(real, n_std=n_std)
        numbers[n_std] = (centre_distance(g, r), axis_difference_ratio(g, r),
                          fraction_outside(generated, r))
    return {name: not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
            for name, a, b in zip(ELLIPSE_NUMBERS, numbers[2.0], numbers[1.0])}


@_exercise("ex-08-nstd")
def check_ellipse_size(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``{"centre distance": bool, "axis difference ratio": bool,
    "fraction outside": bool}``, True where the number changes when the ellipses span one
    standard deviation instead of two."""
    reference = _ellipse_size_matters()
    values = _mapping(answer, list(ELLIPSE_NUMBERS), "True if it changes")
    for name, value in values.items():
        if not isinstance(value, (bool, np.bool_)):
            raise WrongAnswer(f"{name}: give True (changes) or False, got {value!r}.")
        if bool(value) != reference[name]:
            raise WrongAnswer(f"{name}: wrong. Compute it with fit_ellipse(points, n_std=1.0) "
                                 "and with n_std=2.0.")
    return "Only the pictures and the fraction outside depend on the ellipses' size."


# --- 10: content transfer ----------------------------------------------------------------------

def _book_content_codes() -> tuple[int, int]:
    """The numbers in e1's and e2's codes of chapter 10's book-scale model, measured."""
    from i2ibook.catalogue import content_transfer_run
    from i2ilib.train.content import content_transfer_from_config

    config = content_transfer_run("book")[1]["trainer"]
    net = content_transfer_from_config(config)
    x = torch.zeros(1, 3, config["size"], config["size"])
    with torch.no_grad():
        return int(net.common(x).numel()), int(net.separate_code(x).numel())


@_exercise("ex-10-codes")
def check_code_sizes(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``(numbers in e1(x), numbers in e2(x))`` for one 64 px face of the book-scale
    model."""
    e1, e2 = _book_content_codes()
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise WrongAnswer("give the two sizes as (numbers in e1(x), numbers in e2(x)).")
    a1, a2 = (int(_number(v, "each size")) for v in answer)
    if a1 != e1:
        raise WrongAnswer(f"e1: {a1} is {_direction(a1, e1)}. Count e1's stride-2 layers "
                             "(n_down) and its output channels (content_nc).")
    if a2 != e2:
        raise WrongAnswer(f"e2: {a2} is {_direction(a2, e2)}. e2 ends in a 1 x 1 map: how many "
                             "channels (sep)?")
    return f"e1 keeps {e1 / (64 * 64 * 3):.2f} numbers per input number; e2 only {e2}."


@_exercise("ex-10-confusion")
def check_reverse_confusion(answer: Any, *, graded: bool = False) -> str:
    """``answer``: a function ``confusion(logits_A, logits_B) -> Tensor``, the encoders' term
    ``-L_D`` (binary cross-entropy on logits, A labelled 0 and B labelled 1), which must
    back-propagate to the logits."""
    from i2ilib.losses.content import confusion_loss

    if not callable(answer):
        raise WrongAnswer(f"give the function itself, got {type(answer).__name__}.")
    g = torch.Generator().manual_seed(10)
    sizes = [(4, 4), (3, 7)] + ([(1, 1), (16, 5), (2, 9)] if graded else [])
    for n_a, n_b in sizes:
        la = (torch.randn(n_a, generator=g) * 3).requires_grad_()
        lb = (torch.randn(n_b, generator=g) * 3).requires_grad_()
        value = answer(la, lb)
        if value is None:
            raise _Unanswered("the function returns None: write its body")
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise WrongAnswer("return a scalar tensor (so that it can be back-propagated).")
        reference = confusion_loss(la, lb, "reverse")
        if not torch.allclose(value.detach().float(), reference.detach(), atol=1e-5):
            sign = " Check the sign: the encoders maximise L_D." if torch.allclose(
                -value.detach().float(), reference.detach(), atol=1e-5) else ""
            raise WrongAnswer(f"with {n_a} A and {n_b} B logits the value is "
                              f"{_direction(float(value.detach()), float(reference))}.{sign} "
                              "Average each "
                              "domain's term over its own batch.")
        if not value.requires_grad:
            raise WrongAnswer("the result does not depend on the logits through autograd.")
    return "Its gradient is L_D's, reversed: what a gradient-reversal layer computes."


# --- 11: transferring GANs ---------------------------------------------------------------------

def _critic_steps() -> int:
    from i2ibook.catalogue import transfer_gan_run

    t = transfer_gan_run("book", init="scratch", seed=0)[1]
    n = t["data"]["n_train"]
    c = t["trainer"]
    return c["n_epochs"] * math.ceil(n / c["batch_size"])


def _generator_updates() -> int:
    from i2ibook.catalogue import transfer_gan_run

    return _critic_steps() // transfer_gan_run("book")[1]["trainer"]["n_critic"]


@_exercise("ex-11-iterations")
def check_generator_updates(answer: Any, *, graded: bool = False) -> str:
    """``answer``: how many times the generator of a book-scale target run is updated."""
    value = _number(answer, "answer")
    reference = _generator_updates()
    if value == _critic_steps():
        raise WrongAnswer("that is the number of critic steps: the generator moves on every "
                          "n_critic-th one.")
    if value != reference:
        raise WrongAnswer(f"{_direction(value, reference)}: count the batches of one epoch "
                          "(the last one may be smaller), the epochs, then divide by n_critic.")
    return "The thesis's target runs take 40K such iterations (Table 2.1)."


@_exercise("ex-11-effect")
def check_table2_1_effect(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``(FID(pretrained G, scratch D) - FID(scratch G, pretrained D)) /
    FID(scratch, scratch)`` from thesis Table 2.1, as a fraction (0.5 for 50 %)."""
    from i2ibook.papers.wang2018_transfergan import TABLE2_1_FID

    value = _number(answer, "answer")
    scratch = TABLE2_1_FID[("scratch", "scratch")]
    reference = (TABLE2_1_FID[("pretrained", "scratch")]
                 - TABLE2_1_FID[("scratch", "pretrained")]) / scratch
    if math.isclose(value, 100 * reference, rel_tol=1e-3):
        raise WrongAnswer("give a fraction, not a percentage.")
    if math.isclose(abs(value), abs(reference) * scratch / TABLE2_1_FID[("pretrained", "scratch")],
                    rel_tol=1e-3):
        raise WrongAnswer("divide by the FID of the run trained from scratch, not by the worse "
                          "run's.")
    if not math.isclose(value, reference, rel_tol=2e-3, abs_tol=5e-4):
        hint = " Mind the sign: a lower FID is better." if math.isclose(
            value, -reference, rel_tol=2e-3) else " Read the columns: generator first."
        raise WrongAnswer(f"{_direction(value, reference)}.{hint}")
    return "The chapter's verdicts compare our effect with this number."


def _linear_critic(w: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: (x.flatten(1) * w.flatten()).sum(1, keepdim=True)


@_exercise("ex-11-gp")
def check_gradient_penalty(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``def penalty(D, real, fake, lambda_gp=10.0)``, the WGAN-GP gradient penalty
    of eq. 2.3 at random interpolates of ``real`` and ``fake`` (one weight per sample)."""
    from i2ilib.losses import gradient_penalty

    if not callable(answer):
        raise WrongAnswer("give the function penalty(D, real, fake, lambda_gp=10.0).")
    g = torch.Generator().manual_seed(11)
    cases = [(torch.randn(2, 4, 4, generator=g) * s, lam) for s, lam in ((1.0, 10.0), (0.1, 1.0))]
    if graded:
        cases += [(torch.randn(2, 4, 4, generator=g) * 3.0, 5.0)]
    for w, lam in cases:
        real, fake = torch.randn(5, 2, 4, 4, generator=g), torch.randn(5, 2, 4, 4, generator=g)
        D = _linear_critic(w)
        got = answer(D, real, fake, lambda_gp=lam)
        if got is None:
            raise _Unanswered("the body is still ...")
        # a linear critic has the same gradient everywhere: the interpolation does not matter
        want = gradient_penalty(D, real, fake, lambda_gp=lam)
        if not isinstance(got, torch.Tensor) or got.numel() != 1:
            raise WrongAnswer("return one number as a tensor (a scalar the critic's loss adds).")
        if not torch.isclose(got.detach().float().reshape(()), want.float(), rtol=1e-4):
            raise WrongAnswer("wrong value for a linear critic D(x) = <w, x>: its gradient is w "
                              "at every x; check the norm (over all pixels of one sample), the "
                              "- 1 and the square, and lambda.")
    # the gradient must flow into the critic (create_graph=True)
    w = torch.randn(2, 4, 4, generator=g).requires_grad_(True)
    D2 = lambda x: ((x.flatten(1) * w.flatten()) ** 2).sum(1, keepdim=True)
    real, fake = torch.randn(4, 2, 4, 4, generator=g), torch.randn(4, 2, 4, 4, generator=g)
    got = answer(D2, real, fake, lambda_gp=10.0)
    if not isinstance(got, torch.Tensor) or not got.requires_grad:
        raise WrongAnswer("the penalty must be differentiable with respect to the critic's "
                          "weights: pass create_graph=True to torch.autograd.grad.")
    return "The library's version is i2ilib.losses.gradient_penalty."


def _miner_parameters() -> int:
    from i2ibook.catalogue import minegan_run
    from i2ilib.nets.miner import Miner

    c = minegan_run("book", "MineGAN")[1]["trainer"]
    return sum(p.numel() for p in Miner(c["z_dim"], c["miner_layers"]).parameters())


@_exercise("ex-12-miner")
def check_miner_parameters(answer: Any, *, graded: bool = False) -> str:
    """``answer``: how many parameters the miner of a book-scale MineGAN run has (what stage 1
    trains on the generator's side)."""
    value = _number(answer, "answer")
    reference = _miner_parameters()
    if value == reference - 4 * 128:
        raise WrongAnswer("count the biases too.")
    if value != reference:
        raise WrongAnswer(f"{_direction(value, reference)}: the miner has miner_layers fully "
                          "connected layers of z_dim inputs and z_dim outputs each.")
    return "Compare it with sum(p.numel() for p in G.parameters()) of the source generator."


@_exercise("ex-12-selector")
def check_selector(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``def p_hat(scores)``: ``(K, N)`` critic scores of K supersamples -> ``(N,)``
    the share of supersamples each generator wins (thesis Section 3.3.3)."""
    from i2ilib.losses import selector_probabilities, supersample_max

    if not callable(answer):
        raise WrongAnswer("give the function p_hat(scores).")
    g = torch.Generator().manual_seed(12)
    shapes = [(64, 2), (50, 3), (7, 4)] + ([(1, 5), (300, 3)] if graded else [])
    for k, n in shapes:
        scores = torch.randn(k, n, generator=g) + torch.linspace(0, 1, n)
        got = answer(scores)
        if got is None:
            raise _Unanswered("the body is still ...")
        want = selector_probabilities(supersample_max(scores)[1], n)
        got = torch.as_tensor(got, dtype=torch.float64).flatten()
        if got.shape != want.shape:
            raise WrongAnswer(f"return one probability per generator: shape ({n},), got "
                              f"{tuple(got.shape)}.")
        if not torch.allclose(got, want, atol=1e-6):
            raise WrongAnswer("not the arg-max shares: count, for each generator, the "
                              "supersamples (rows) in which it has the highest score, and "
                              "divide by K.")
    return "The library's version is selector_probabilities(supersample_max(scores)[1], N)."


@_exercise("ex-12-effect")
def check_table3_1_effect(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``(min TransferGAN FID - MineGAN FID) / Scratch FID`` for the 0.5:0.5
    red-vehicle target of thesis Table 3.1, as a fraction."""
    from i2ibook.papers.wang2020_minegan import table3_1_relative

    value = _number(answer, "answer")
    reference = table3_1_relative("Red vehicle", 1)["TransferGAN_minus_MineGAN"]
    if math.isclose(value, 100 * reference, rel_tol=1e-3):
        raise WrongAnswer("give a fraction, not a percentage.")
    if not math.isclose(value, reference, rel_tol=2e-3, abs_tol=5e-4):
        raise WrongAnswer(f"{_direction(value, reference)}: take the better of the two "
                          "TransferGAN rows (the lower FID) in the middle column, and divide "
                          "by the Scratch FID of that column.")
    return "The chapter's own effects are in the same unit (share of the scratch run's FD)."


# --- 13: zero-pair translation (mix and match networks) ---------------------------------------

def _book_mmnet_architecture():
    from i2ibook.catalogue import zero_pair_run
    from i2ilib.train.mmnets import MMNetConfig

    config = zero_pair_run("book")[1]
    return MMNetConfig.from_dict(config["trainer"]).architecture(), config["data"]["size"]


@_exercise("ex-13-latent")
def check_latent_shape(answer: Any, *, graded: bool = False) -> str:
    """``answer``: the shape ``(C, H, W)`` of the latent code ``h = f_D(z)`` of one depth map
    at book scale (the chapter's ``catalogue.zero_pair_run("book")``), without the batch axis."""
    arch, size = _book_mmnet_architecture()
    reference = arch.latent_shape(size, size)
    if not isinstance(answer, (tuple, list, torch.Size)) or len(answer) != 3:
        raise WrongAnswer("give the three sizes (C, H, W) of h as a tuple (no batch axis).")
    c, h, w = (int(_number(s, "every size")) for s in answer)
    if c != reference[0]:
        raise WrongAnswer(f"C = {c} is {_direction(c, reference[0])}: the code has the width "
                          "of the deepest level, min(ngf * 2**l, 8 * ngf) for the last l.")
    if (h, w) != reference[1:]:
        raise WrongAnswer(f"H, W = {h}, {w}: {_direction(h, reference[1])}; every level ends "
                          "in a 2x2 max pooling, count the levels.")
    return (f"{c * h * w} numbers carry a whole scene from one modality to another; the pooling "
            f"indices of {arch.n_levels} levels carry where.")


def _reference_agreement(a, b) -> list[float]:
    return [float((x == y).float().mean()) for x, y in zip(a.indices, b.indices, strict=True)]


@_exercise("ex-13-agreement")
def check_index_agreement(answer: Any, *, graded: bool = False) -> str:
    """``answer``: a function ``(a, b) -> list[float]`` that takes two
    :class:`~i2ilib.nets.mmnets.Latent` of the same scenes and returns, per level (shallowest
    first), the share of pooling windows (every channel and image) whose two indices are equal."""
    from i2ilib.nets.mmnets import MMNetArchitecture, define_mmnet_parts

    if not callable(answer):
        raise WrongAnswer(f"give the function itself, got {type(answer).__name__}.")
    cases = ((8, 2), (4, 3)) if graded else ((8, 2),)
    for ngf, levels in cases:
        arch = MMNetArchitecture(ngf=ngf, n_levels=levels, n_classes=5)
        one = define_mmnet_parts(arch, "D", generator=torch.Generator().manual_seed(1))["f_D"]
        two = define_mmnet_parts(arch, "D", generator=torch.Generator().manual_seed(2))["f_D"]
        z = torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            a, b = one.eval()(z), two.eval()(z)
        for x, y in ((a, b), (a, a)):
            out = answer(x, y)
            if out is None:
                raise _Unanswered("the function returns None: write its body")
            if isinstance(out, (str, bytes)) or not isinstance(out, (Sequence, np.ndarray,
                                                                      torch.Tensor)):
                raise WrongAnswer(f"return a list of numbers, one per level; got "
                                  f"{type(out).__name__}.")
            values = [_number(v, "every level's share") for v in list(out)]
            reference = _reference_agreement(x, y)
            if len(values) != len(reference):
                raise WrongAnswer(f"{len(values)} values for {len(reference)} levels: one per "
                                  "pooling.")
            for level, (v, r) in enumerate(zip(values, reference)):
                if abs(v - r) > 1e-6:
                    hint = (" Identical latents must agree everywhere." if x is y else
                            " Compare the index tensors element by element and average.")
                    raise WrongAnswer(f"level {level + 1}: {_direction(v, r)}.{hint}")
    return "Two random encoders agree on about a quarter of the windows: chance for 2x2 pooling."


@_exercise("ex-13-majority")
def check_majority_baseline(answer: Any, *, graded: bool = False) -> str:
    """``answer``: the global accuracy (share of test pixels) of the per-pixel majority baseline
    on the test scenes of seed 1 at book scale: at each pixel, the class most frequent there
    among the segmentation maps of seed 1's ``D_RS``."""
    from i2ibook.chapters.ch13_zero_pair import baseline_scores

    value = _number(answer, "the global accuracy")
    if value > 1.0:
        raise WrongAnswer("too large: give a share in [0, 1], not a percentage.")
    reference = baseline_scores("book", seed=1)["D->S"]["per-pixel majority"]["global_acc"]
    if abs(value - reference) > 5e-4:
        raise WrongAnswer(f"{_direction(value, reference)}: take the mode over the 400 label "
                          "maps of D_RS at each pixel, then count the test pixels it gets right.")
    return "A street camera that never moves makes the layout alone a strong segmenter."


# --- 14: biases in diverse translation (UDIT) -----------------------------------------------

OPEN_EXERCISES["ex-14-lambda"] = ("training runs with other weights lambda_U, read for the "
                                  "trade-off between unwanted changes and diversity")


@_exercise("ex-14-minority")
def check_minority_count(answer: Any, *, graded: bool = False) -> str:
    """``answer``: how many faces of domain B (with glasses) have black hair at book scale
    (the chapter's ``catalogue.udit_run("book")``)."""
    from i2ibook.catalogue import udit_run

    spec = udit_run("book")[1]["data"]
    reference = spec["n_B"] - round(spec["bias"] * spec["n_B"])
    value = _number(answer, "the count")
    if value != int(value):
        raise WrongAnswer("give a whole number of faces.")
    if value != reference:
        raise WrongAnswer(f"{_direction(value, reference)}: B has n_B faces, a share `bias` of "
                          "them blond; the rest have black hair.")
    return (f"{reference} black-haired faces with glasses against {spec['n_A'] // 2} "
            "black-haired ones without: the translator rarely sees black hair with glasses.")


@_exercise("ex-14-semantic")
def check_semantic_feature_size(answer: Any, *, graded: bool = False) -> str:
    """``answer``: how many numbers the semantic feature ``u = h(x)`` of one book-scale face
    holds (``h``: the reduced ``1 x 1 x D`` layer of the chapter's hair classifier)."""
    from i2ibook.catalogue import udit_run
    from i2ibook.chapters.ch14_udit import HairNet

    size = udit_run("book")[1]["data"]["size"]
    net = HairNet(size=size).eval()
    with torch.no_grad():
        reference = int(net.extractor(torch.zeros(1, 3, size, size)).numel())
    value = _number(answer, "the count")
    if value != reference:
        hint = ("count the D channels of the reduction, not the classifier's"
                if value > reference else "the feature keeps its spatial map: D x h x w")
        raise WrongAnswer(f"{_direction(value, reference)}: {hint}.")
    return (f"{reference} numbers: what the constraint holds fixed, against "
            f"{3 * size * size} pixel values the translator may change.")


@_exercise("ex-14-flip")
def check_unwanted_change_rate(answer: Any, *, graded: bool = False) -> str:
    """``answer``: a function ``(p_blond, u) -> float``: ``p_blond`` ``(N, K)`` the judge's
    probabilities of blond hair for ``K`` translations of each of ``N`` inputs, ``u`` ``(N,)``
    the inputs' true hair colour (1 blond, 0 black); the share of the ``N * K`` translations
    whose judged colour (``p >= 0.5``) differs from the input's."""
    from i2ibook.chapters.ch14_udit import unwanted_change_rate

    if not callable(answer):
        raise WrongAnswer(f"give the function itself, got {type(answer).__name__}.")
    g = torch.Generator().manual_seed(14)
    cases = [(torch.tensor([[0.9, 0.2, 0.7], [0.1, 0.2, 0.3], [0.8, 0.9, 0.4], [0.6, 0.1, 0.2]]),
              torch.tensor([0, 0, 1, 1]))]  # 5 of the 12 translations changed
    if graded:
        cases.append((torch.rand(10, 5, generator=g), torch.randint(0, 2, (10,), generator=g)))
        cases.append((torch.tensor([[0.5, 0.49]]), torch.tensor([1])))
    for p, u in cases:
        out = answer(p.clone(), u.clone())
        if out is None:
            raise _Unanswered("the function returns None: write its body")
        value = _number(out, "the rate")
        reference = unwanted_change_rate(p, u)
        if abs(value - reference) > 1e-6:
            hint = (" Count every translation of an input, not one per input."
                    if p.shape[1] > 1 else "")
            raise WrongAnswer(f"{_direction(value, reference)}.{hint} A translation is judged "
                              "blond when p >= 0.5.")
    return "The thesis calls it the misclassification rate (Section 5.6.3)."


__all__ += ["check_minority_count", "check_semantic_feature_size", "check_unwanted_change_rate"]


# --- 15: scalable and diverse translation (SDIT) ----------------------------------------------

@_exercise("ex-15-pairs")
def check_pairwise_generators(answer: Any, *, graded: bool = False) -> str:
    """``answer``: how many generators CycleGAN needs to translate between every two of
    ``N = 5`` domains, both ways (one CycleGAN per pair of domains, two generators each)."""
    from i2ibook.chapters.ch15_sdit import GENERATORS_PER_PAIR, pairwise_models

    value = _number(answer, "the number of generators")
    pairs = pairwise_models(5)
    reference = GENERATORS_PER_PAIR * pairs
    if value == pairs:
        raise WrongAnswer("that is the number of CycleGAN models; each has two generators.")
    if value == 2 * reference:
        raise WrongAnswer("too large: a CycleGAN between A and B already translates both ways, "
                          "count unordered pairs of domains.")
    if value != reference:
        raise WrongAnswer(f"{_direction(value, reference)}: count the pairs of domains, "
                          "N (N - 1) / 2, and the generators of one CycleGAN.")
    return "SDIT needs one generator for any N; the pairwise count grows as N squared."


def _reference_cin(e: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    from i2ilib.nets.sdit import cin

    return cin(e, gamma, beta)


@_exercise("ex-15-cin")
def check_cin(answer: Any, *, graded: bool = False) -> str:
    """``answer``: a function ``(e, gamma, beta) -> Tensor``, eq. 6.10 on ``e`` ``(N, C, H, W)``
    with ``gamma``, ``beta`` ``(N, C)``: each channel of each sample normalised over space
    (mean and standard deviation, ``eps = 1e-5`` inside the square root of the variance), then
    scaled by ``gamma`` and shifted by ``beta``."""
    if not callable(answer):
        raise WrongAnswer(f"give the function itself, got {type(answer).__name__}.")
    cases = ((2, 3, 4, 4), (3, 5, 2, 6)) if graded else ((2, 3, 4, 4),)
    g = torch.Generator().manual_seed(15)
    for shape in cases:
        e = torch.randn(*shape, generator=g) * 3 + 1
        gamma = torch.randn(shape[0], shape[1], generator=g)
        beta = torch.randn(shape[0], shape[1], generator=g)
        out = answer(e.clone(), gamma.clone(), beta.clone())
        if out is None:
            raise _Unanswered("the function returns None: write its body")
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != shape:
            raise WrongAnswer(f"return a tensor of the shape of e, {shape}.")
        reference = _reference_cin(e, gamma, beta)
        if not torch.allclose(out, reference, atol=1e-3):
            means = out.mean(dim=(2, 3))
            if not torch.allclose(means, beta, atol=1e-3):
                raise WrongAnswer("each channel's spatial mean must be beta: normalise per sample "
                                  "and channel, over H and W only.")
            raise WrongAnswer("the spatial means are right, the spread is not: divide by the "
                              "standard deviation over H and W, then multiply by gamma.")
    return "With gamma = 1 only beta(z) moves the features: Fig. 6.6's beta-only variant."


@_exercise("ex-15-m-units")
def check_m_units(answer: Any, *, graded: bool = False) -> str:
    """``answer``: the number of output units of SDIT's mapping ``M`` at book scale (the
    chapter's ``catalogue.sdit_run("book")``): one ``gamma`` and one ``beta`` per channel of every
    CIN layer."""
    from i2ibook.catalogue import sdit_run
    from i2ilib.train.sdit import SDITConfig, sdit_generator_from_config

    value = _number(answer, "the number of units")
    config = sdit_run("book")[1]["trainer"]
    net = sdit_generator_from_config(config)
    reference = net.M.model[-1].out_features
    t = SDITConfig.from_dict(config)
    if value == reference // 2:
        raise WrongAnswer("too small by half: each CIN channel has a gamma and a beta.")
    if value == 4096:
        raise WrongAnswer("that is Section 6.4's printed count at the published widths; compute "
                          "it for the book's widths and blocks.")
    if value != reference:
        raise WrongAnswer(f"{_direction(value, reference)}: count the CIN layers (two per "
                          f"residual block of T^c) and their channels (4 ngf).")
    return (f"{reference} units: {2 * t.n_res} CIN layers of {4 * t.ngf} channels, times two; "
            "the published widths would need 6,144.")


@_exercise("ex-09-reversed")
def check_minimal_reversed_map(answer: Any, *, graded: bool = False) -> str:
    """``answer``: ``(W, b)``, a 2 x 2 matrix and a 2-vector (tensors, arrays or nested lists)
    such that ``h(x) = LeakyReLU_0.2(W x + b)`` carries the section's segment A onto segment B
    with its ends exchanged: the point at position ``t`` along A goes to position ``1 - t``
    along B."""
    from i2ibook.chapters.ch09_minimality import SEGMENT_A, SEGMENT_B
    from i2ilib.data.toy2d import segment_points, segment_position

    try:
        W, b = answer
        W = torch.as_tensor(np.asarray(W, dtype=np.float32))
        b = torch.as_tensor(np.asarray(b, dtype=np.float32))
    except (TypeError, ValueError) as err:
        raise WrongAnswer(f"give a pair (W, b) of numbers ({err}).") from None
    if W.shape != (2, 2) or b.shape != (2,):
        raise WrongAnswer(f"W must be 2 x 2 and b a 2-vector, got shapes {tuple(W.shape)} and "
                          f"{tuple(b.shape)}.")
    if not (torch.isfinite(W).all() and torch.isfinite(b).all()):
        raise WrongAnswer("W and b must be finite.")
    a, t = segment_points(1000 if graded else 200, *SEGMENT_A, seed=7)
    h = torch.nn.functional.leaky_relu(a @ W.T + b, 0.2)
    t_B, off = segment_position(h, *SEGMENT_B)
    if float(off.max()) > 1e-3:
        raise WrongAnswer(f"some points of A land {float(off.max()):.3f} away from B's line: "
                          "check where W x + b is negative (there the Leaky ReLU scales by 0.2).")
    if float((t_B - t).abs().max()) < 1e-3:
        raise WrongAnswer("that is t -> t, the other semantic mapping: exchange B's ends.")
    worst = float((t_B - (1 - t)).abs().max())
    if worst > 1e-3:
        raise WrongAnswer(f"the points land on B's line but not at 1 - t (off by up to "
                          f"{worst:.3f} of B's length): A's ends must go to B's ends exchanged.")
    return ("A's ends go to B's ends exchanged and sigma_a is the identity on the way (the "
            "mirror in the diagonal, then the shift by (-1.5, -1.5), is the simplest such map).")
