"""Chapter 14 (biases in diverse translation, UDIT): the biased faces' proportions and truth,
the catalogue configurations and strict specs, the chapter's measures on constructed cases, the
verdict orientation, the published numbers, and a smoke-scale run end to end."""

import copy
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from i2ibook import catalogue
from i2ibook.chapters import ch14_udit as chapter
from i2ibook.papers import wang2020_udit as paper
from i2ibook.runner import METHODS, train_translation
from i2ibook.specs import BiasedFacesData, SpecError, parse_experiment
from i2ibook.verdicts import CONSISTENT, INCONCLUSIVE, NOT_TESTABLE, REPRODUCED
from i2ilib.data.biasedfaces import biased_faces, hair_faces
from i2ilib.results import config_hash, load_or_train
from i2ilib.train.udit import UDITConfig, UDITTrainer

torch.set_num_threads(1)


def test_biased_faces_have_the_asked_bias_and_the_truth():
    d = biased_faces(n_A=20, n_B=40, n_test=10, size=32, bias=0.9, seed=3)
    assert d.A.shape == (20, 32, 32, 3) and d.B.shape == (40, 32, 32, 3)
    assert d.u_A.sum() == 10 and d.u_B.sum() == 36 and d.u_test.sum() == 5
    assert d.test_truth.shape == d.test.shape
    # the truth is the same face with glasses: it differs from the input, but only in places
    diff = np.abs(d.test_truth.astype(int) - d.test.astype(int)).sum(-1) > 0
    assert 0.0 < diff.mean() < 0.5
    # the hair colour is rendered: blond faces are brighter at the top of the head
    top = d.tensors("A")[:, :, 2:8, 8:24].mean(dim=(1, 2, 3))
    blond = torch.as_tensor(d.u_A) == 1
    assert top[blond].mean() > top[~blond].mean() + 0.2
    # the glasses are the book's attribute classifier's to see
    from i2ilib.metrics.attributes import attribute_probabilities, face_attribute_classifier

    net = face_attribute_classifier()
    assert (attribute_probabilities(net, d.tensors("test_truth"))["Eyeglasses"] >= 0.5).all()
    assert (attribute_probabilities(net, d.tensors("test"))["Eyeglasses"] < 0.5).all()
    # deterministic, and the bias is a parameter
    again = biased_faces(n_A=20, n_B=40, n_test=10, size=32, bias=0.9, seed=3)
    assert np.array_equal(again.B, d.B) and np.array_equal(again.u_B, d.u_B)
    assert biased_faces(4, 10, 2, 32, bias=0.5, seed=3).u_B.sum() == 5
    with pytest.raises(ValueError, match="bias"):
        biased_faces(4, 4, 2, 32, bias=1.5)


def test_hair_sets_are_balanced_and_disjoint():
    x, u = hair_faces(40, 32, seed=0, part="h")
    y, v = hair_faces(40, 32, seed=0, part="judge")
    assert u.sum() == 20 and v.sum() == 20 and x.shape == (40, 32, 32, 3)
    assert not any(np.array_equal(a, b) for a in x[:5] for b in y)
    with pytest.raises(ValueError, match="part"):
        hair_faces(4, 32, part="train")


def test_chapter_configurations_parse_with_the_strict_specs():
    names = set()
    for scale in ("smoke", "book", "paper"):
        for make in catalogue.RUNS["14"]:
            name, config = make(scale)
            before = (copy.deepcopy(config), config_hash(config))
            exp, data, trainer = parse_experiment(config)
            assert isinstance(data, BiasedFacesData) and (config, config_hash(config)) == before
            assert exp.method == "udit" and isinstance(trainer, UDITConfig)
            if scale == "book":
                names.add(name)
    assert len(names) == len(catalogue.RUNS["14"]) == 2 * len(catalogue.UDIT_SEEDS)
    assert catalogue.RUNS["14"][0]("book")[0] == "14_biases_in_diverse_translation/munit-seed0"
    munit, udit = (catalogue.udit_run("book", constraint=c)[1] for c in (False, True))
    assert not munit["trainer"]["semantic_constraint"] and udit["trainer"]["semantic_constraint"]
    assert munit["data"] == udit["data"]  # only the factor under test differs
    rest = {k: v for k, v in munit["trainer"].items() if k != "semantic_constraint"}
    assert rest == {k: v for k, v in udit["trainer"].items() if k != "semantic_constraint"}
    paper_t = catalogue.udit_run("paper")[1]["trainer"]
    assert (paper_t["ngf"], paper_t["n_down"], paper_t["n_res"], paper_t["kernel"]) == (64, 3, 6, 7)
    for key in ("lambda_x", "lambda_c", "lambda_s", "beta1", "beta2"):
        assert paper_t[key] == munit["trainer"][key] == getattr(UDITConfig(), key)
    assert catalogue.udit_run("paper")[1]["data"]["bias"] == pytest.approx(
        round(paper.BIASED_MAKEUP_SHARE, 2))
    assert METHODS["udit"] == (UDITConfig, UDITTrainer)
    assert {n for n in catalogue.shown_runs("book") if n.startswith("14_")} == {
        "14_biases_in_diverse_translation/munit-seed0",
        "14_biases_in_diverse_translation/udit-seed0"}


def test_specs_refuse_what_would_train_something_else():
    _, config = catalogue.udit_run("smoke")
    with pytest.raises(SpecError, match="biased faces"):
        parse_experiment(dict(config, method="cyclegan", trainer={}))
    _, scenes = catalogue.pix2pix_scenes_run("smoke")
    with pytest.raises(SpecError, match="biased faces"):
        parse_experiment(dict(config, data=scenes["data"]))
    with pytest.raises(SpecError, match="bias"):
        parse_experiment(dict(config, data=dict(config["data"], bias=1.2)))
    with pytest.raises(SpecError, match="n_tset"):
        parse_experiment(dict(config, data=dict(config["data"], n_tset=3)))


def test_unwanted_change_rate_on_constructed_cases():
    u = torch.tensor([0, 0, 1, 1])
    assert chapter.unwanted_change_rate(torch.tensor([0.1, 0.2, 0.9, 0.8]), u) == 0.0
    assert chapter.unwanted_change_rate(torch.tensor([0.9, 0.2, 0.9, 0.1]), u) == 0.5
    # K style draws per input: every translation counts
    p = torch.tensor([[0.9, 0.1], [0.1, 0.1], [0.9, 0.9], [0.9, 0.2]])
    assert chapter.unwanted_change_rate(p, u) == pytest.approx(2 / 8)
    with pytest.raises(ValueError, match="match"):
        chapter.unwanted_change_rate(torch.tensor([0.1, 0.2]), u)


def test_diversity_is_zero_for_one_output_and_grows_with_the_spread():
    class L1:
        name = "L1"

        def __call__(self, x, y):
            return (x - y).abs().flatten(1).mean(1)

    dist = L1()
    x = torch.rand(3, 1, 3, 8, 8) * 2 - 1
    assert chapter.style_pair_distance(x.expand(3, 4, 3, 8, 8), dist) == 0.0
    near = x + 0.05 * torch.randn(3, 4, 3, 8, 8)
    far = x + 0.5 * torch.randn(3, 4, 3, 8, 8)
    assert 0 < chapter.style_pair_distance(near, dist) < chapter.style_pair_distance(far, dist)
    # two draws: the mean distance between them, nothing else
    two = torch.stack([torch.zeros(2, 3, 4, 4), torch.ones(2, 3, 4, 4)], 1)
    assert chapter.style_pair_distance(two, dist) == pytest.approx(1.0)


def test_baselines_and_the_sanity_check_on_constructed_cases():
    test = torch.zeros(4, 3, 8, 8)
    truth = test.clone()
    truth[:, :, 3:5] = 1.0  # "glasses": a band of 2 rows
    B = torch.ones(6, 3, 8, 8)
    base = chapter.baselines(test, truth, B)
    assert base["identity"] == pytest.approx(2 / 8)
    assert base["random_B"] == base["mean_B"] == pytest.approx(6 / 8)
    good = {"glasses": 0.9, "id_truth": 0.3, "id_baselines": base}
    assert all(chapter.sanity(good).values())
    assert all(c.passed for c in chapter.sanity_checks(good))
    assert not chapter.sanity(dict(good, glasses=0.5))["adds_glasses"]
    assert not chapter.sanity(dict(good, id_truth=0.8))["beats_random_B"]
    # the ID distance: zero for the same images, the same person far closer than another
    from i2ilib.data.biasedfaces import biased_faces

    d = biased_faces(2, 8, 6, 32, seed=1)
    test, truth = d.tensors("test"), d.tensors("test_truth")
    assert chapter.id_distance(test, test).max() < 1e-5
    ids = chapter.baselines(test, truth, d.tensors("B"), distance=chapter.id_distance)
    assert ids["identity"] < ids["random_B"]


def _run(metrics):
    return SimpleNamespace(metrics=metrics)


def _metrics(unwanted_black, diversity, glasses=0.95):
    base = {"identity": 0.1, "random_B": 0.5, "mean_B": 0.4}
    return {"glasses": glasses, "l1_truth": 0.2, "id_truth": 0.2, "unwanted_black": unwanted_black,
            "unwanted_blond": 0.0, "unwanted": unwanted_black / 2, "diversity": diversity,
            "baselines": base, "id_baselines": base}


def test_verdicts_are_oriented_and_follow_the_sanity_check():
    munit = [_run(_metrics(0.6 + d, 0.10 + d / 10)) for d in (0.0, 0.05, -0.03)]
    udit = [_run(_metrics(0.1 + d, 0.06 + d / 10)) for d in (0.01, 0.0, 0.02)]
    one, two = chapter.verdicts({chapter.MUNIT: munit, chapter.UDIT: udit})
    assert one.verdict == REPRODUCED and one.effect.estimate > 0
    assert two.verdict in (REPRODUCED, CONSISTENT) and two.effect.estimate > 0
    # the opposite: UDIT changes more hair
    one, _ = chapter.verdicts({chapter.MUNIT: udit, chapter.UDIT: munit})
    assert one.effect.estimate < 0 and one.verdict != REPRODUCED
    # a run that adds no glasses makes both inconclusive
    bad = [_run(_metrics(0.1, 0.06, glasses=0.2))] + udit[1:]
    assert {v.verdict for v in chapter.verdicts({chapter.MUNIT: munit, chapter.UDIT: bad})} == {
        INCONCLUSIVE}
    # nothing stored: not testable
    none = chapter.verdicts({chapter.MUNIT: [None] * 3, chapter.UDIT: [None] * 3})
    assert {v.verdict for v in none} == {NOT_TESTABLE}


def test_the_published_numbers_show_the_claims():
    for row in paper.TABLE5_4_LPIPS.values():
        assert row["UDIT+PI"] < row["MUNIT+PI"] and row["UDIT"] < row["MUNIT"]
    assert chapter.paper_diversity_drop() == pytest.approx(1 - 0.151 / 0.267)
    assert paper.BIASED_MAKEUP_SHARE == pytest.approx(0.95)
    for name, d in paper.TABLE5_5_SELECTED.items():
        assert d in paper.TABLE5_5_D and name in paper.TABLE5_5_ACCURACY


def test_a_smoke_run_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_RESULTS", str(tmp_path))
    name, config = catalogue.udit_run("smoke", constraint=True)
    run = load_or_train(name, config, lambda c: train_translation(c, progress=False),
                        verbose=False)
    m = run.metrics
    assert m["steps"] >= 1 and set(m["hair_networks"]) == {"h_on_judge_set", "judge_on_h_set"}
    for key in ("glasses", "unwanted", "unwanted_black", "unwanted_blond", "judge_on_inputs"):
        assert 0.0 <= m[key] <= 1.0
    assert math.isfinite(m["diversity"]) and m["diversity"] >= 0
    assert set(m["sanity"]) == {"adds_glasses", "beats_random_B", "beats_mean_B"}
    spec = config["data"]
    faces = chapter.test_faces("smoke")
    out = chapter.translations(run, faces.tensors("test"), n_styles=3)
    assert out.shape == (spec["n_test"], 3, 3, spec["size"], spec["size"])
    assert out[:, 0].sub(out[:, 1]).abs().max() > 0  # two styles, two translations
