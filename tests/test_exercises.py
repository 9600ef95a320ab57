"""The exercise checks (i2ibook.exercises), the answer cells in the notebooks and the export of
a chapter as an nbgrader assignment (i2ibook.assignments, tools/export_assignment.py)."""

import copy
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from i2ibook import assignments, exercises
from i2ibook.exercises import CHECKS, OPEN_EXERCISES, WrongAnswer

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _nb(path):
    return json.loads(path.read_text())


def _src(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _accepts(check, answer, *args, capsys=None):
    check(answer, *args)
    if capsys is not None:
        assert "correct" in capsys.readouterr().out


def _rejects(check, answer, *args, match=None):
    with pytest.raises(WrongAnswer, match=match):
        check(answer, *args)


# --- the checks --------------------------------------------------------------------------------

def test_patch_shape(capsys):
    size = 256
    for _ in range(3):  # 4x4 convolutions, stride 2, padding 1
        size = (size + 2 * 1 - 4) // 2 + 1
    for _ in range(2):  # 4x4 convolutions, stride 1, padding 1
        size = size + 2 * 1 - 4 + 1
    _accepts(exercises.check_patch_shape, (1, 1, size, size), capsys=capsys)
    _accepts(exercises.check_patch_shape, torch.Size([1, 1, size, size]))
    _rejects(exercises.check_patch_shape, (1, 1, 32, 32), match="too large")
    _rejects(exercises.check_patch_shape, (1, 64, size, size), match="C = 64 is too large")
    _rejects(exercises.check_patch_shape, (4, 1, size, size), match="batch size")
    _rejects(exercises.check_patch_shape, (size, size), match="four sizes")
    _rejects(exercises.check_patch_shape, "(1, 1, 30, 30)")


def _regions(seed, n_people=50):
    from i2ilib.data.synthfaces import (
        RENDERED_ATTRIBUTES,
        render_true_pair,
        sample_identity,
        sample_pose,
    )

    rng = np.random.default_rng(seed)
    people = [(sample_identity(rng), sample_pose(rng)) for _ in range(n_people)]
    return {a: float(np.mean([render_true_pair(p, a, pose, size=64).region.mean()
                              for p, pose in people])) for a in RENDERED_ATTRIBUTES}


def test_attribute_regions_accepts_another_sample_of_people(capsys):
    other = _regions(seed=7)  # other people than the check's reference: within sampling noise
    _accepts(exercises.check_attribute_regions, other, capsys=capsys)
    _rejects(exercises.check_attribute_regions, {a: 100 * v for a, v in other.items()},
             match="not a fraction")
    _rejects(exercises.check_attribute_regions, {**other, "Eyeglasses": 2 * other["Eyeglasses"]},
             match="Eyeglasses: too large")
    _rejects(exercises.check_attribute_regions, {**other, "Blond_Hair": 0.2},
             match="Blond_Hair: too small")
    _rejects(exercises.check_attribute_regions, {k: v for k, v in other.items() if k != "Male"},
             match="missing keys: 'Male'")
    _rejects(exercises.check_attribute_regions, sorted(other), match="give a dict")


def _nearest_accuracy(features, identity):
    d = torch.cdist(torch.as_tensor(features), torch.as_tensor(features))
    d.fill_diagonal_(float("inf"))
    return float((identity[d.argmin(1).numpy()] == identity).mean())


def test_background_identity(capsys):
    from i2ilib.data.synthfaces import make_synthfaces

    faces = make_synthfaces(40, 4)
    x = faces.images.astype(np.float64)
    corners = np.stack([np.concatenate([im[:8, :8], im[:8, -8:], im[-8:, :8], im[-8:, -8:]])
                        .reshape(-1, 3).mean(0) for im in x])
    background = _nearest_accuracy(corners, faces.identity)
    cheek = _nearest_accuracy(x[:, 30:34, 20:44].reshape(len(x), -1, 3).mean(1), faces.identity)
    _accepts(exercises.check_background_identity, {"background": background, "cheek": cheek},
             capsys=capsys)
    exclusive = _nearest_accuracy(x[:, 30:33, 20:43].reshape(len(x), -1, 3).mean(1),
                                  faces.identity)
    assert abs(exclusive - cheek) > 0.05  # reading "rows 30-33" as 30:33 gives another answer
    _rejects(exercises.check_background_identity, {"background": background, "cheek": exclusive},
             match="cheek: too small")
    _rejects(exercises.check_background_identity, {"background": 0.25, "cheek": cheek},
             match="background: too large")
    _rejects(exercises.check_background_identity, {"background": background, "cheek": 25.6},
             match="not a fraction")


def test_code_sizes(capsys):
    from i2ibook.catalogue import content_transfer_run

    t = content_transfer_run("book")[1]["trainer"]
    side = t["size"] // 2 ** t["n_down"]  # e1: n_down stride-2 layers; e2: down to 1 x 1
    right = (t["content_nc"] * side * side, t["sep"])
    _accepts(exercises.check_code_sizes, right, capsys=capsys)
    _rejects(exercises.check_code_sizes, (t["content_nc"] * side * side * 4, t["sep"]),
             match="too large")
    _rejects(exercises.check_code_sizes, (right[0], t["sep"] * 4), match="e2")
    _rejects(exercises.check_code_sizes, right[0], match="two sizes")


def test_reverse_confusion(capsys):
    import torch.nn.functional as F

    def confusion(la, lb):
        return -(F.binary_cross_entropy_with_logits(la, torch.zeros_like(la))
                 + F.binary_cross_entropy_with_logits(lb, torch.ones_like(lb)))

    def wrong_sign(la, lb):
        return -confusion(la, lb)

    def pooled(la, lb):  # one mean over both batches, not a mean per domain
        x = torch.cat([la, lb])
        y = torch.cat([torch.zeros_like(la), torch.ones_like(lb)])
        return -2 * F.binary_cross_entropy_with_logits(x, y)

    _accepts(exercises.check_reverse_confusion, confusion, capsys=capsys)
    exercises.check_reverse_confusion(confusion, graded=True)
    _rejects(exercises.check_reverse_confusion, wrong_sign, match="sign")
    _rejects(exercises.check_reverse_confusion, pooled, match="own batch")
    _rejects(exercises.check_reverse_confusion, lambda la, lb: float(confusion(la, lb)),
             match="scalar tensor")


def test_mode_kl(capsys):
    from scipy.stats import entropy

    def mode_kl(coverage):
        q = np.asarray(coverage.counts, dtype=float)
        return float(entropy(q / q.sum(), np.full(len(q), 1 / len(q))))

    def reversed_kl(coverage):
        q = np.asarray(coverage.counts, dtype=float) + 1e-9
        return float(entropy(np.full(len(q), 1 / len(q)), q / q.sum()))

    def unnormalised(coverage):
        q = np.asarray(coverage.counts, dtype=float)
        nonzero = q > 0
        return float(np.sum(q[nonzero] * np.log(q[nonzero] * len(q) / q.sum())))

    def unanswered(coverage):
        ...

    _accepts(exercises.check_mode_kl, mode_kl, capsys=capsys)
    exercises.check_mode_kl(mode_kl, graded=True)
    _rejects(exercises.check_mode_kl, reversed_kl, match="too large")
    _rejects(exercises.check_mode_kl, unnormalised, match="too large")
    _rejects(exercises.check_mode_kl, lambda coverage: math.log(8), match="balanced")
    _rejects(exercises.check_mode_kl, 2.08, match="the function itself")
    exercises.check_mode_kl(unanswered)
    assert "not answered yet" in capsys.readouterr().out
    with pytest.raises(WrongAnswer, match="not answered yet"):
        exercises.check_mode_kl(unanswered, graded=True)


def test_train_mode_translation(capsys):
    def right(G, x, times=8):
        copy_of_G = copy.deepcopy(G).train()
        with torch.no_grad():
            return torch.stack([copy_of_G(x).clamp(-1, 1) for _ in range(times)])

    def in_place(G, x, times=8):  # train mode on G itself: its running statistics move
        G.train()
        with torch.no_grad():
            out = torch.stack([G(x) for _ in range(times)])
        G.eval()
        return out

    def eval_mode(G, x, times=8):
        with torch.no_grad():
            return torch.stack([G(x) for _ in range(times)])

    def with_gradients(G, x, times=8):
        copy_of_G = copy.deepcopy(G).train()
        return torch.stack([copy_of_G(x) for _ in range(times)])

    _accepts(exercises.check_train_mode_translation, right, capsys=capsys)
    exercises.check_train_mode_translation(right, graded=True)
    _rejects(exercises.check_train_mode_translation, in_place, match="running")
    _rejects(exercises.check_train_mode_translation, eval_mode, match="all outputs are the same")
    _rejects(exercises.check_train_mode_translation, with_gradients, match="no_grad")
    _rejects(exercises.check_train_mode_translation,
             lambda G, x, times=8: [right(G, x, 1)[0]] * times, match="one tensor")


def test_no_half(capsys):
    from i2ilib.train import Pix2PixTrainer

    class DoubledD(Pix2PixTrainer):
        def _backward_step(self, loss, optimizer, terms=None):
            if optimizer is self.optimizers["D"]:
                loss = 2 * loss
            super()._backward_step(loss, optimizer, terms)

    class DoubledG(Pix2PixTrainer):
        def _backward_step(self, loss, optimizer, terms=None):
            if optimizer is self.optimizers["G"]:
                loss = 2 * loss
            super()._backward_step(loss, optimizer, terms)

    class QuadrupledD(Pix2PixTrainer):
        def _backward_step(self, loss, optimizer, terms=None):
            if optimizer is self.optimizers["D"]:
                loss = 4 * loss
            super()._backward_step(loss, optimizer, terms)

    class Unchanged(Pix2PixTrainer):
        def translate(self, A):
            return super().translate(A)

    class Placeholder(Pix2PixTrainer):
        ...

    _accepts(exercises.check_no_half, DoubledD, capsys=capsys)
    exercises.check_no_half(DoubledD, graded=True)
    for wrong in (DoubledG, QuadrupledD, Unchanged):
        _rejects(exercises.check_no_half, wrong, match="gradients are")
    _rejects(exercises.check_no_half, DoubledD.train_step, match="subclass")
    exercises.check_no_half(Placeholder)
    assert "not answered yet" in capsys.readouterr().out


def test_checks_leave_the_random_state_alone():
    from i2ilib.train import Pix2PixTrainer

    class DoubledD(Pix2PixTrainer):
        def _backward_step(self, loss, optimizer, terms=None):
            super()._backward_step(2 * loss if optimizer is self.optimizers["D"] else loss,
                                   optimizer, terms)

    torch.manual_seed(5)
    np.random.seed(5)
    random.seed(5)
    states = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    exercises.check_no_half(DoubledD)
    exercises.check_train_mode_translation(
        lambda G, x, times=8: torch.stack([copy.deepcopy(G).train()(x).detach()
                                           for _ in range(times)]))
    assert torch.equal(torch.get_rng_state(), states[0])
    assert np.array_equal(np.random.get_state()[1], states[1])
    assert random.getstate() == states[2]


def test_fd_bias(capsys):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(2000, 12)) * np.linspace(0.5, 2.0, 12)
    other = rng.normal(size=(2000, 12)) * np.linspace(0.5, 2.0, 12)
    pooled_variances = np.concatenate([real, other]).var(axis=0, ddof=1)
    right = 2 * pooled_variances.sum() / 50
    _accepts(exercises.check_fd_bias, right, real, other, capsys=capsys)
    _accepts(exercises.check_fd_bias, 2 * real.var(axis=0, ddof=1).sum() / 50, real, other)
    _rejects(exercises.check_fd_bias, right / 2, real, other, match="too small")
    _rejects(exercises.check_fd_bias, right * 50, real, other, match="too large")
    _rejects(exercises.check_fd_bias, [right], real, other, match="must be a number")


def test_failure_signatures(capsys):
    from i2ilib.data.synthscenes import paired_tensors
    from i2ilib.metrics.failures import (
        input_retrieval,
        memorisation_ratio,
        nearest_distances,
        spread_ratio,
    )

    # the chapter's claim measured on other scenes than the check's: which numbers flag whom
    _, bank = paired_tensors(160, size=32, task="labels2photo", seed=3)
    _, truth = paired_tensors(48, size=32, task="labels2photo", seed=4)
    copies = {"random copy": bank[torch.randint(len(bank), (len(truth),),
                                                generator=torch.Generator().manual_seed(1))],
              "nearest copy": bank[nearest_distances(truth, bank)[1]]}
    right = {}
    for name, fake in copies.items():
        right[name] = {k for k, caught in (
            ("spread ratio", spread_ratio(fake, truth) < 0.4),
            ("input retrieval", input_retrieval(fake, truth) < 5 / len(truth)),
            ("memorisation ratio", memorisation_ratio(fake, truth, bank) < 0.5)) if caught}
    assert right == {"random copy": {"input retrieval", "memorisation ratio"},
                     "nearest copy": {"memorisation ratio"}}
    _accepts(exercises.check_failure_signatures, right, capsys=capsys)
    _accepts(exercises.check_failure_signatures, {k: sorted(v) for k, v in right.items()})
    _rejects(exercises.check_failure_signatures,
             {**right, "random copy": {"memorisation ratio"}}, match="random copy: .* missing")
    _rejects(exercises.check_failure_signatures,
             {**right, "nearest copy": {"memorisation ratio", "spread ratio"}},
             match="nearest copy: .* does not catch")
    _rejects(exercises.check_failure_signatures, {**right, "nearest copy": "memorisation ratio"},
             match="set of names")
    _rejects(exercises.check_failure_signatures, {**right, "nearest copy": {"FD"}},
             match="unknown names")


def test_receptive_fields(capsys):
    fields = []
    for n in range(1, 6):
        r = 1
        for k, s in reversed([(4, 2)] * n + [(4, 1), (4, 1)]):
            r = s * (r - 1) + k
        fields.append(r)
    _accepts(exercises.check_receptive_fields, fields, capsys=capsys)
    _accepts(exercises.check_receptive_fields, dict(zip(range(1, 6), fields)))
    _rejects(exercises.check_receptive_fields, [f + 1 for f in fields], match="n_layers = 1")
    _rejects(exercises.check_receptive_fields, fields[:4], match="five")


def test_noskip_bottleneck(capsys):
    ngf, size, downs = 16, 64, 6  # unet_64: log2(64) stride-2 layers, widths capped at 8 ngf
    right = (min(2 ** (downs - 1), 8) * ngf, size // 2**downs, size // 2**downs)
    _accepts(exercises.check_noskip_bottleneck, right, capsys=capsys)
    _rejects(exercises.check_noskip_bottleneck, (128, 2, 2), match="too large")
    _rejects(exercises.check_noskip_bottleneck, (16, 1, 1), match="C = 16")
    _rejects(exercises.check_noskip_bottleneck, 128, match=r"\(C, H, W\)")


def test_alpha_sources(capsys):
    n, alpha = 100, 0.25
    k = int(np.floor(alpha * n + 0.5))
    right = n + (n - k)  # the paired sources, and one counterpart-free source per domain sample
    _accepts(exercises.check_alpha_sources, right, capsys=capsys)
    _rejects(exercises.check_alpha_sources, right - 1, match="too small")
    _rejects(exercises.check_alpha_sources, 2 * n, match="too large")


def test_seeds_needed(capsys):
    z = statistics.NormalDist()
    delta = 0.034 * 0.64
    n = 2 * (z.inv_cdf(0.975) + z.inv_cdf(0.8)) ** 2 * 0.02**2 / delta**2
    for right in (n, round(n), math.ceil(n)):
        _accepts(exercises.check_seeds_needed, right, capsys=capsys)
    _rejects(exercises.check_seeds_needed, math.floor(n) - 1, match="too few")
    _rejects(exercises.check_seeds_needed, math.ceil(n) + 1, match="too many")
    _rejects(exercises.check_seeds_needed, n / 2, match="too few")  # forgot the two groups


def _transparency_errors(seed, n=150):
    from i2ilib.data.pseudopairs import pseudo_eyeglasses
    from i2ilib.data.synthfaces import render_true_pair, sample_identity, sample_pose

    rng = np.random.default_rng(seed)
    t, err = [], []
    for _ in range(n):
        pair = render_true_pair(sample_identity(rng), "Eyeglasses", sample_pose(rng), size=64)
        fake, params = pseudo_eyeglasses(pair.off.image, pair.off.landmarks, rng)
        t.append(params.transparency)
        err.append(np.abs(fake.astype(float) - pair.on.image)[pair.region].mean())
    bins = np.minimum(((np.asarray(t) - 0.1) / 0.18).astype(int), 4)  # five equal bins
    return [float(np.mean(np.asarray(err)[bins == b])) for b in range(5)]


def test_transparency_errors(capsys):
    right = _transparency_errors(seed=11)  # other faces than the check's reference
    _accepts(exercises.check_transparency_errors, right, capsys=capsys)
    _rejects(exercises.check_transparency_errors, [e / 255 for e in right], match="0-255")
    _rejects(exercises.check_transparency_errors, right[::-1], match="bin 1 of 5: too large")
    _rejects(exercises.check_transparency_errors, right[:4], match="five")


def test_ellipse_size(capsys):
    from i2ilib.metrics.spaces import (
        axis_difference_ratio,
        centre_distance,
        fit_ellipse,
        fraction_outside,
    )

    rng = np.random.default_rng(3)
    real, generated = rng.normal(size=(200, 2)) * [2.0, 0.5], rng.normal(size=(200, 2)) + 0.3
    numbers = {}
    for n_std in (1.0, 2.0):
        g, r = fit_ellipse(generated, n_std=n_std), fit_ellipse(real, n_std=n_std)
        numbers[n_std] = (centre_distance(g, r), axis_difference_ratio(g, r),
                          fraction_outside(generated, r))
    right = {name: not math.isclose(a, b) for name, a, b in
             zip(exercises.ELLIPSE_NUMBERS, numbers[1.0], numbers[2.0])}
    _accepts(exercises.check_ellipse_size, right, capsys=capsys)
    _rejects(exercises.check_ellipse_size, {**right, "centre distance": True},
             match="centre distance: wrong")
    _rejects(exercises.check_ellipse_size, {**right, "fraction outside": False},
             match="fraction outside: wrong")
    _rejects(exercises.check_ellipse_size, {**right, "fraction outside": "yes"},
             match="True .* or False")


@pytest.mark.parametrize("label", sorted(CHECKS))
def test_placeholder_is_not_answered_unless_graded(label, capsys):
    check = CHECKS[label]
    extra = (np.zeros((3, 2)), np.zeros((3, 2))) if label == "ex-03-bias" else ()
    check(..., *extra)
    assert capsys.readouterr().out.startswith(f"{label}: not answered yet")
    with pytest.raises(WrongAnswer, match=f"^{label}: not answered yet"):
        check(..., *extra, graded=True)


# --- the exercises of the notebooks ------------------------------------------------------------

def _book_exercises():
    return {path.stem: assignments.chapter_exercises(_nb(path)) for path in NOTEBOOKS}


def test_every_exercise_is_checked_or_listed_as_open():
    labels = [e.label for exs in _book_exercises().values() for e in exs]
    both = set(CHECKS) & set(OPEN_EXERCISES)
    assert not both, f"both checked and open: {both}"
    unlisted = [label for label in labels if label not in CHECKS and label not in OPEN_EXERCISES]
    assert not unlisted, f"exercises neither checked nor in OPEN_EXERCISES: {unlisted}"
    stale = (set(CHECKS) | set(OPEN_EXERCISES)) - set(labels)
    assert not stale, f"labels of no exercise in the notebooks: {stale}"
    undocumented = [label for label in labels if f"``{label}``" not in exercises.__doc__]
    assert not undocumented, f"missing from the module docstring: {undocumented}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_answer_cells_sit_between_their_exercise_and_its_solution(path):
    cells = _nb(path)["cells"]
    exercises_here = {e.label: e for e in assignments.chapter_exercises({"cells": cells})}
    check_label = {f.__name__: label for label, f in CHECKS.items()}
    answered = []
    for i, cell in enumerate(cells):
        if assignments.ANSWER_TAG not in cell["metadata"].get("tags", []):
            continue
        assert cell["cell_type"] == "code"
        answer = assignments.parse_answer_cell(_src(cell))
        (label,) = {check_label[name] for name in answer.check_names}
        before, after = _src(cells[i - 1]), _src(cells[i + 1])
        assert re.search(r":label: " + re.escape(label) + r"\n(?:.*\n)*?[`:]{3,}\s*$", before), \
            f"cell {i}: the cell before must end with the exercise {label}"
        assert re.match(r"[`:]{3,}\{solution\} " + re.escape(label), after), \
            f"cell {i}: the cell after must start with the solution of {label}"
        assert assignments.solution_code(answer, exercises_here[label].solution, label).strip()
        answered.append(label)
    expected = [label for label in exercises_here if label in CHECKS]
    assert answered == expected, f"answer cells {answered}, checked exercises {expected}"


def test_answer_cells_have_one_placeholder_and_a_check():
    parse = assignments.parse_answer_cell
    value = parse("from i2ibook import exercises\n\nanswer = ...  # hint\n"
                  "exercises.check_patch_shape(answer)\n")
    assert (value.name, value.kind, value.comment, value.lines) == ("answer", "value", "# hint",
                                                                    (2, 2))
    body = parse("def f(x):\n    ...  # your code\n\n\nexercises.check_mode_kl(f)\n")
    assert (body.name, body.kind, body.indent, body.check_names) == ("f", "body", "    ",
                                                                      ["check_mode_kl"])
    for wrong, why in [("answer = ...\n", "no exercises.check"),
                       ("exercises.check_x(a)\na = ...\n", "before the placeholder"),
                       ("a = ...\nb = ...\nexercises.check_x(a)\n", "one placeholder"),
                       ("a = 3\nexercises.check_x(a)\n", "an answer cell holds"),
                       ("def f():\n    return 1\nexercises.check_x(f)\n", "single ...")]:
        with pytest.raises(ValueError, match=why):
            parse(wrong)


def test_solution_code_must_match_the_placeholder():
    answer = assignments.parse_answer_cell("def f(x):\n    ...\n\n\nexercises.check_mode_kl(f)\n")
    solution = "Text.\n\n```python\ndef f(x):\n    y = x + 1\n    return y\n```\n"
    assert assignments.solution_code(answer, solution) == "y = x + 1\nreturn y"
    with pytest.raises(ValueError, match="signature"):
        assignments.solution_code(answer, solution.replace("f(x)", "f(x, y)"))
    with pytest.raises(ValueError, match="exactly one"):
        assignments.solution_code(answer, "No code here.")
    with pytest.raises(ValueError, match="only its definition"):
        assignments.solution_code(answer, solution.replace("```\n", "print(f(1))\n```\n"))


# --- the export --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("assignments")
    pairs = {}
    for chapter in sorted({p.name[:2] for p in NOTEBOOKS}):
        for source, release in assignments.export_chapter(chapter, out):
            pairs[source.stem] = (json.loads(source.read_text()), json.loads(release.read_text()))
    return pairs


def test_every_notebook_is_exported(exported):
    assert sorted(exported) == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_export_is_valid_nbgrader(path, exported):
    import nbformat

    source, release = exported[path.stem]
    for nb in (source, release):
        nbformat.validate(nbformat.from_dict(nb))
    assert assignments.nbgrader_problems(source) == []
    assert assignments.nbgrader_problems(release, release=True) == []
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in source["cells"]
           if "nbgrader" in c["metadata"]]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    cell_ids = [c["id"] for c in source["cells"]]
    assert len(cell_ids) == len(set(cell_ids)), "cell ids must be unique"
    expected = []
    for e in assignments.chapter_exercises(_nb(path)):
        expected += [f"{e.label}-answer", f"{e.label}-test"] if e.label in CHECKS else []
        expected.append(f"{e.label}-written")
    assert ids == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_version_holds_no_solution(path, exported):
    source, release = exported[path.stem]
    text = "\n".join(_src(c) for c in release["cells"])
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "graded=True"):
        assert marker not in text
    assert "{solution}" not in text and "{exercise}" not in text
    book = _nb(path)
    public = ""  # the book's text without its solutions: what students may see anyway
    for cell in book["cells"]:
        cell_text = _src(cell)
        for d in reversed(assignments.directives(cell_text) if cell["cell_type"] == "markdown"
                          else []):
            if d.name == "solution":
                cell_text = cell_text[:d.start] + cell_text[d.end:]
        public += cell_text + "\n"
    secret = 0
    for e in assignments.chapter_exercises(book):
        for line in e.solution.split("\n"):
            line = line.strip()
            if len(line) >= 20 and line not in public:
                secret += 1
                assert line not in text, f"{e.label}: solution text in the student version"
        assert f"### Exercise {e.number}: {e.title}" in text
    assert secret > 0
    source_text = "\n".join(_src(c) for c in source["cells"])
    assert "{solution}" not in source_text  # the dropdowns became graded answers
    answer_cells = [c for c in release["cells"] if c["id"].endswith("-answer")]
    assert all("raise NotImplementedError()" in _src(c) for c in answer_cells)


def test_export_resolves_references_to_exercises(exported):
    source, _ = exported["04_cyclegan"]
    text = "\n".join(_src(c) for c in source["cells"])
    numbers = {e.label: e.number for e in assignments.chapter_exercises(
        _nb(ROOT / "notebooks" / "04_cyclegan.ipynb"))}
    assert "{numref}" not in text
    assert f"Exercise {numbers['ex-04-mem']}" in text


def _valid_assignment():
    source = assignments.source_version(_nb(ROOT / "notebooks" / "00_welcome.ipynb"))
    assert assignments.nbgrader_problems(source) == []
    return source


def _graded(nb, suffix):
    return next(c for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id", "").endswith(suffix))


@pytest.mark.parametrize("breakage, problem", [
    (lambda nb: _graded(nb, "-test")["metadata"]["nbgrader"].update(
        grade_id=_graded(nb, "-written")["metadata"]["nbgrader"]["grade_id"]), "used twice"),
    (lambda nb: _graded(nb, "-test")["metadata"]["nbgrader"].pop("points"), "needs points"),
    (lambda nb: _graded(nb, "-test")["metadata"]["nbgrader"].update(locked=False), "locked"),
    (lambda nb: _graded(nb, "-written")["metadata"]["nbgrader"].update(solution=False),
     "graded Markdown"),
    (lambda nb: _graded(nb, "-answer")["metadata"]["nbgrader"].update(grade_id="a b"),
     "not \\[A-Za-z0-9_-\\]"),
    (lambda nb: _graded(nb, "-answer")["metadata"]["nbgrader"].update(schema_version=2),
     "not 3"),
    (lambda nb: _graded(nb, "-answer")["metadata"]["nbgrader"].update(colour="red"),
     "unknown keys"),
    (lambda nb: _graded(nb, "-answer")["metadata"]["nbgrader"].update(points=1),
     "not graded"),
    (lambda nb: _graded(nb, "-test")["metadata"]["nbgrader"].update(solution=True, grade=False,
                                                                     locked=False),
     "hidden tests in a cell that is not graded"),
    (lambda nb: nb["cells"][3].update(source="### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
     "without nbgrader metadata"),
    (lambda nb: _graded(nb, "-answer").update(source="### BEGIN SOLUTION\nx = 1\n"),
     "without"),
])
def test_nbgrader_problems_finds_what_nbgrader_rejects(breakage, problem):
    nb = copy.deepcopy(_valid_assignment())
    breakage(nb)
    assert re.search(problem, "\n".join(assignments.nbgrader_problems(nb)))


def test_release_flags_left_solutions():
    source = _valid_assignment()
    problems = assignments.nbgrader_problems(source, release=True)
    assert any("student version" in p for p in problems)


def test_chapter_notebooks():
    assert [p.stem for p in assignments.chapter_notebooks("00")] == ["00_datasets", "00_welcome"]
    assert [p.stem for p in assignments.chapter_notebooks("4")] == ["04_cyclegan"]
    assert [p.stem for p in assignments.chapter_notebooks("00_welcome")] == ["00_welcome"]
    with pytest.raises(ValueError, match="no chapter '98'"):
        assignments.chapter_notebooks("98")


def test_export_tool(tmp_path):
    tool = [sys.executable, str(ROOT / "tools" / "export_assignment.py")]
    done = subprocess.run(tool + ["05", "--out", str(tmp_path)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    for part in ("source", "release"):
        assert (tmp_path / part / "05_ablations" / "05_ablations.ipynb").is_file()
    done = subprocess.run(tool + ["42", "--out", str(tmp_path)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 1 and "no chapter '42'" in done.stderr


def _run(nb, tmp_path, monkeypatch):
    import nbclient
    import nbformat

    monkeypatch.setenv("I2I_SCALE", "smoke")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("I2I_PROGRESS", "off")
    node = nbformat.reads(json.dumps(nb), as_version=4)
    nbclient.NotebookClient(node, timeout=300, allow_errors=True,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    return {c["id"]: c for c in node.cells}


def _errors(cell):
    return [o["ename"] for o in cell.get("outputs", []) if o["output_type"] == "error"]


def test_assignment_grades_solutions_and_unanswered_placeholders(exported, tmp_path,
                                                                 monkeypatch):
    source, release = exported["00_welcome"]
    ran = _run(source, tmp_path, monkeypatch)  # the instructor's solutions pass every test
    assert all(not _errors(c) for c in ran.values()), {k: _errors(c) for k, c in ran.items()
                                                       if _errors(c)}
    assert "ex-00-shapes: correct" in "".join(
        o.get("text", "") for o in ran["ex-00-shapes-test"]["outputs"])
    # nbgrader grades a submission with the students' answer cells and the source's test cells
    submitted = copy.deepcopy(source)
    answers = {c["id"]: c for c in release["cells"] if c["id"].endswith("-answer")}
    submitted["cells"] = [answers.get(c["id"], c) for c in submitted["cells"]]
    ran = _run(submitted, tmp_path, monkeypatch)
    assert _errors(ran["ex-00-shapes-answer"]) == ["NotImplementedError"]
    assert _errors(ran["ex-00-shapes-test"]) == ["WrongAnswer"]


# --- chapter 11 ----------------------------------------------------------------------------------

def test_generator_updates(capsys):
    from i2ibook.catalogue import transfer_gan_run

    t = transfer_gan_run("book", init="scratch")[1]
    n, c = t["data"]["n_train"], t["trainer"]
    steps = c["n_epochs"] * -(-n // c["batch_size"])
    _accepts(exercises.check_generator_updates, steps // 5, capsys=capsys)
    _rejects(exercises.check_generator_updates, steps, match="critic steps")
    _rejects(exercises.check_generator_updates, c["n_epochs"] * (n // c["batch_size"]) // 5,
             match="too small")  # dropped the last, smaller batch


def test_table2_1_effect(capsys):
    right = (56.16 - 30.57) / 32.87
    _accepts(exercises.check_table2_1_effect, right, capsys=capsys)
    _rejects(exercises.check_table2_1_effect, 100 * right, match="fraction")
    _rejects(exercises.check_table2_1_effect, -right, match="sign")
    _rejects(exercises.check_table2_1_effect, (56.16 - 30.57) / 56.16, match="scratch")


def _penalty(D, real, fake, lambda_gp=10.0, create_graph=True, square=True):
    a = torch.rand(len(real), 1, 1, 1)
    x = (a * real + (1 - a) * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(D(x).sum(), x, create_graph=create_graph)
    d = g.flatten(1).norm(dim=1) - 1
    return lambda_gp * (d**2 if square else d.abs()).mean()


def test_gradient_penalty(capsys):
    from functools import partial

    _accepts(exercises.check_gradient_penalty, _penalty, capsys=capsys)
    exercises.check_gradient_penalty(_penalty, graded=True)
    _rejects(exercises.check_gradient_penalty, partial(_penalty, create_graph=False),
             match="create_graph")
    _rejects(exercises.check_gradient_penalty, partial(_penalty, square=False), match="wrong value")


# --- chapter 13 ----------------------------------------------------------------------------------

def test_latent_shape(capsys):
    # book scale: 32 px, ngf 16, three levels of widths 16, 32, 64, each halving the size
    from i2ibook.catalogue import zero_pair_run

    trainer = zero_pair_run("book")[1]["trainer"]
    width = min(trainer["ngf"] * 2 ** (trainer["n_levels"] - 1), 8 * trainer["ngf"])
    side = 32 // 2 ** trainer["n_levels"]
    _accepts(exercises.check_latent_shape, (width, side, side), capsys=capsys)
    _rejects(exercises.check_latent_shape, (128, side, side), match="C = 128 is too large")
    _rejects(exercises.check_latent_shape, (width, 2, 2), match="too small")
    _rejects(exercises.check_latent_shape, (1, width, side, side), match="three sizes")


def test_index_agreement(capsys):
    def right(a, b):
        return [float((i == j).float().mean()) for i, j in zip(a.indices, b.indices)]

    def last_level_only(a, b):
        return [float((a.indices[-1] == b.indices[-1]).float().mean())] * len(a.indices)

    def codes_instead(a, b):
        return [float((a.h == b.h).float().mean())] * len(a.indices)

    _accepts(exercises.check_index_agreement, right, capsys=capsys)
    exercises.check_index_agreement(right, graded=True)
    _rejects(exercises.check_index_agreement, last_level_only, match="level 1")
    _rejects(exercises.check_index_agreement, codes_instead)
    _rejects(exercises.check_index_agreement, lambda a, b: right(a, b)[:1], match="levels")
    _rejects(exercises.check_index_agreement, 0.25, match="function")


def test_majority_baseline(capsys):
    from i2ibook.chapters.ch13_zero_pair import test_scenes

    seed1 = test_scenes("book", seed=1)
    labels, truth = seed1.rs["S"], seed1.test["S"]
    counts = torch.stack([(labels == k).sum(0) for k in range(seed1.n_classes)])
    mode = counts.argmax(0)
    value = float((mode.expand_as(truth) == truth).float().mean())
    _accepts(exercises.check_majority_baseline, value, capsys=capsys)
    prior = int(torch.bincount(labels.flatten()).argmax())
    _rejects(exercises.check_majority_baseline, float((truth == prior).float().mean()),
             match="too small")
    _rejects(exercises.check_majority_baseline, 100 * value, match="percentage")


# --- chapter 14 ----------------------------------------------------------------------------------

def test_minority_count(capsys):
    from i2ibook.catalogue import udit_run
    from i2ilib.data.biasedfaces import biased_faces

    spec = udit_run("book")[1]["data"]
    small = biased_faces(2, 40, 2, 32, spec["bias"])  # the same rule on fewer faces
    assert (small.u_B == 0).sum() == 40 - round(spec["bias"] * 40)
    black = spec["n_B"] - round(spec["bias"] * spec["n_B"])
    _accepts(exercises.check_minority_count, black, capsys=capsys)
    _rejects(exercises.check_minority_count, spec["n_B"] - black, match="too large")
    _rejects(exercises.check_minority_count, black + 0.5, match="whole")
    _rejects(exercises.check_minority_count, 1, match="too small")


def test_semantic_feature_size(capsys):
    from i2ibook.chapters.ch14_udit import HAIR_D

    side = 32 // 8  # three stride-2 convolutions on 32 px faces
    _accepts(exercises.check_semantic_feature_size, HAIR_D * side * side, capsys=capsys)
    _rejects(exercises.check_semantic_feature_size, 64 * side * side, match="too large")
    _rejects(exercises.check_semantic_feature_size, HAIR_D, match="too small")


def test_unwanted_change_rate(capsys):
    def right(p, u):
        return float(((p >= 0.5).long() != u[:, None]).float().mean())

    def one_per_input(p, u):
        return float(((p[:, 0] >= 0.5).long() != u).float().mean())

    def strict(p, u):
        return float(((p > 0.5).long() != u[:, None]).float().mean())

    _accepts(exercises.check_unwanted_change_rate, right, capsys=capsys)
    exercises.check_unwanted_change_rate(right, graded=True)
    _rejects(exercises.check_unwanted_change_rate, one_per_input)
    _rejects(exercises.check_unwanted_change_rate, lambda p, u: 1 - right(p, u))
    with pytest.raises(WrongAnswer):
        exercises.check_unwanted_change_rate(strict, graded=True)
    _rejects(exercises.check_unwanted_change_rate, 0.5, match="function")


# --- chapter 15 ----------------------------------------------------------------------------------

def test_pairwise_generators(capsys):
    # five domains: ten unordered pairs, one CycleGAN each, two generators per CycleGAN
    _accepts(exercises.check_pairwise_generators, 20, capsys=capsys)
    _rejects(exercises.check_pairwise_generators, 10, match="two generators")
    _rejects(exercises.check_pairwise_generators, 40, match="unordered pairs")
    _rejects(exercises.check_pairwise_generators, 5, match="too small")


def test_cin(capsys):
    def right(e, gamma, beta):
        mu = e.mean(dim=(2, 3), keepdim=True)
        sd = (e.var(dim=(2, 3), keepdim=True, unbiased=False) + 1e-5).sqrt()
        return gamma[:, :, None, None] * (e - mu) / sd + beta[:, :, None, None]

    def batch_norm(e, gamma, beta):  # statistics over the batch too
        mu = e.mean(dim=(0, 2, 3), keepdim=True)
        sd = (e.var(dim=(0, 2, 3), keepdim=True, unbiased=False) + 1e-5).sqrt()
        return gamma[:, :, None, None] * (e - mu) / sd + beta[:, :, None, None]

    def no_division(e, gamma, beta):
        return gamma[:, :, None, None] * (e - e.mean(dim=(2, 3), keepdim=True)) \
            + beta[:, :, None, None]

    _accepts(exercises.check_cin, right, capsys=capsys)
    exercises.check_cin(right, graded=True)
    _rejects(exercises.check_cin, batch_norm, match="over H and W")
    _rejects(exercises.check_cin, no_division, match="standard deviation")
    _rejects(exercises.check_cin, 3.0, match="function")


def test_m_units(capsys):
    # book scale: ngf 16 -> 64 channels in the bottleneck, 3 blocks -> 6 CIN layers
    from i2ibook.catalogue import sdit_run

    t = sdit_run("book")[1]["trainer"]
    units = 2 * (4 * t["ngf"]) * (2 * t["n_res"])
    _accepts(exercises.check_m_units, units, capsys=capsys)
    _rejects(exercises.check_m_units, units // 2, match="by half")
    _rejects(exercises.check_m_units, 4096, match="printed")
    _rejects(exercises.check_m_units, units + 1, match="too large")
