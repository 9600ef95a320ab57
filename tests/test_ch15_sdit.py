"""Chapter 15 (SDIT): the multi-domain faces and their truth, the catalogue configurations and
strict specs, the chapter's measures and sanity check on hand-made cases, the count of networks
and parameters, the verdict orientation, and a smoke-scale run end to end."""

import copy
from types import SimpleNamespace

import pytest
import torch

from i2ibook import catalogue
from i2ibook.chapters import ch15_sdit as chapter
from i2ibook.papers import wang2020_sdit as paper
from i2ibook.runner import METHODS, multidomain_scores, sdit_targets, train_translation
from i2ibook.specs import MultiDomainData, SpecError, parse_experiment
from i2ilib.data.multidomain import HAIR_DOMAINS, domain_attributes, hair_colour_faces
from i2ilib.results import config_hash, load_or_train
from i2ilib.train.sdit import SDITConfig, SDITTrainer

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def faces():
    return hair_colour_faces(12, 6, size=16, seed=3)


def test_domains_and_their_attributes():
    assert HAIR_DOMAINS == ("black", "blond", "other")
    assert domain_attributes(0) == {"Black_Hair": 1.0, "Blond_Hair": 0.0}
    assert domain_attributes(1) == {"Black_Hair": 0.0, "Blond_Hair": 1.0}
    assert domain_attributes(2) == {"Black_Hair": 0.0, "Blond_Hair": 0.0}
    with pytest.raises(ValueError):
        domain_attributes(3)


def test_faces_hold_their_truth_in_every_domain(faces):
    n, c = 6, len(HAIR_DOMAINS)
    assert faces.train_x.shape == (12, 3, 16, 16) and faces.train_y.shape == (12,)
    assert faces.truth.shape == (n, c, 3, 16, 16) and faces.n_domains == c
    assert faces.train_x.min() >= -1 and faces.train_x.max() <= 1
    assert set(faces.train_y.tolist()) <= set(range(c))
    # a test face is its own domain's rendering; the other renderings differ from it, in part
    for i in range(n):
        assert torch.equal(faces.test_x[i], faces.truth[i, faces.test_y[i]])
        for d in range(c):
            if d != faces.test_y[i]:
                diff = (faces.truth[i, d] - faces.test_x[i]).abs().amax(0)
                assert 0 < (diff > 0).float().mean() < 0.6  # the hair changes, not the whole face
    again = hair_colour_faces(12, 6, size=16, seed=3)
    assert torch.equal(again.truth, faces.truth) and torch.equal(again.train_x, faces.train_x)
    assert not torch.equal(hair_colour_faces(12, 6, size=16, seed=4).train_x, faces.train_x)
    # training people are not the test people: no training image equals a test rendering
    flat = faces.truth.flatten(0, 1)
    assert not any(torch.equal(a, b) for a in faces.train_x for b in flat)
    with pytest.raises(ValueError):
        hair_colour_faces(0, 2)


def test_chapter_configurations_parse_with_the_strict_specs():
    names = set()
    for scale in ("smoke", "book", "paper"):
        for make in catalogue.RUNS["15"]:
            name, config = make(scale)
            before = (copy.deepcopy(config), config_hash(config))
            exp, data, trainer = parse_experiment(config)
            assert isinstance(data, MultiDomainData) and (config, config_hash(config)) == before
            assert exp.method == "sdit" and trainer.image_size == data.size
            if scale == "book":
                names.add(name)
    assert len(names) == len(catalogue.RUNS["15"])
    assert catalogue.RUNS["15"][0]("book")[0] == "15_scalable_diverse_translation/sdit-seed0"
    assert METHODS["sdit"] == (SDITConfig, SDITTrainer)
    # the published loss weights, learning rate and betas at every scale
    for scale in ("book", "paper"):
        t = catalogue.sdit_run(scale)[1]["trainer"]
        for key in ("lambda_GAN", "lambda_FAKE", "lambda_REAL", "lambda_LAT", "lr",
                    "beta1", "beta2", "z_dim"):
            assert t[key] == getattr(SDITConfig(), key)
    assert catalogue.sdit_run("paper")[1]["trainer"]["lambda_REC"] == SDITConfig().lambda_REC
    p = catalogue.sdit_run("paper")[1]["trainer"]
    assert (p["image_size"], p["ngf"], p["n_res"], p["n_layers_D"], p["batch_size"]) == (
        128, 64, 6, 6, 16)
    no_cin = catalogue.sdit_run("book", cin=False, latent_loss=False)
    assert no_cin[0].endswith("sdit-no-cin-no-lat-seed0") and not no_cin[1]["trainer"]["cin"]
    assert no_cin[1]["trainer"]["lambda_LAT"] == 0
    beta = catalogue.sdit_run("book", cin_params="beta", seed=2)
    assert beta[0].endswith("sdit-beta-only-seed2") and beta[1]["trainer"]["cin_params"] == "beta"
    with pytest.raises(ValueError):
        catalogue.sdit_run("book", cin=False)
    # every variant of Table 6.1 is in the catalogue with the switches the thesis prints
    for label, row in paper.TABLE6_1.items():
        t = catalogue.sdit_run("book", **catalogue.SDIT_VARIANTS[label])[1]["trainer"]
        assert (t["attention"], t["cin"], t["lambda_LAT"] > 0) == (
            row["attention"], row["cin"], row["lat"])


def test_the_spec_ties_sdit_to_multidomain_faces():
    _, config = catalogue.sdit_run("smoke")
    bad = copy.deepcopy(config)
    bad["data"]["size"] = 18
    with pytest.raises(SpecError, match="multiple of 4"):
        parse_experiment(bad)
    bad = copy.deepcopy(config)
    bad["method"] = "cyclegan"
    with pytest.raises(SpecError):
        parse_experiment(bad)
    bad = copy.deepcopy(config)
    bad["data"]["domains"] = 4
    with pytest.raises(SpecError):
        parse_experiment(bad)


def test_targets_leave_out_the_source_domain():
    faces, targets = sdit_targets(torch.tensor([0, 2]), 3)
    assert faces.tolist() == [0, 0, 1, 1] and targets.tolist() == [1, 2, 0, 1]


class _Const(torch.nn.Module):
    """An identity network that embeds a face by its mean colour (unit vector)."""

    def forward(self, x):
        return torch.nn.functional.normalize(x.mean(dim=(2, 3)) + 2.0, dim=1)


def test_measures_on_hand_made_translations(faces):
    f, t = sdit_targets(faces.test_y, faces.n_domains)
    truth = faces.truth[f, t][:, None]
    perfect = multidomain_scores(truth, f, t, faces, _Const())
    assert perfect["mse_truth"] == 0 and perfect["target_accuracy"] == 1
    assert set(perfect["accuracy_by_target"]) <= set(HAIR_DOMAINS)
    unchanged = multidomain_scores(faces.test_x[f][:, None], f, t, faces, _Const())
    assert unchanged["target_accuracy"] == 0 and unchanged["id_distance"] < 1e-6
    assert unchanged["mse_truth"] > 0
    # half the outputs right, half the input: accuracy 1/2, MSE half the input's
    mixed = torch.cat([truth, faces.test_x[f][:, None]], dim=1)
    m = multidomain_scores(mixed, f, t, faces, _Const())
    assert m["target_accuracy"] == pytest.approx(0.5)
    assert m["mse_truth"] == pytest.approx(unchanged["mse_truth"] / 2, rel=1e-5)


def test_sanity_check_needs_the_target_and_the_truth():
    base = {b: {"mse_truth": 0.05} for b in chapter.BASELINES}
    good = {"mse_truth": 0.02, "target_accuracy": 0.8}
    assert chapter.passes(chapter.sanity_check(good, base))
    assert not chapter.passes(chapter.sanity_check({**good, "target_accuracy": 0.4}, base))
    worse_than_input = {**base, "input unchanged": {"mse_truth": 0.01}}
    checks = chapter.sanity_check(good, worse_than_input)
    assert [c.passed for c in checks].count(False) == 1
    assert "input unchanged" in next(c.name for c in checks if not c.passed)
    assert any("target domain" in c.name for c in checks)


def test_baselines_score_as_expected():
    b = chapter.baseline_scores("smoke", 0)
    assert set(b) == set(chapter.BASELINES)
    assert b["input unchanged"]["target_accuracy"] == 0
    assert b["input unchanged"]["id_distance"] < 1e-3
    assert all(v["diversity"] == 0 for v in b.values())
    assert b["blur"]["mse_truth"] > 0


def _run(**metrics):
    return SimpleNamespace(metrics=metrics)


def test_paired_differences_are_oriented_and_verdicts_check_sanity():
    a = [_run(id_distance=0.2, diversity=0.3, mse_truth=0.01, target_accuracy=0.9)] * 3
    b = [_run(id_distance=0.4, diversity=0.1, mse_truth=0.01, target_accuracy=0.9)] * 3
    assert chapter.paired_differences(a, b, "id_distance") == pytest.approx([0.2] * 3)
    assert chapter.paired_differences(a, b, "diversity") == pytest.approx([0.2] * 3)
    base = [{n: {"mse_truth": 0.05} for n in chapter.BASELINES}] * 3
    v = chapter.verdict("cin_gives_diversity", "claim", ("a", a), ("b", b), base, "diversity",
                        paper_effect=0.016)
    assert v.verdict in ("reproduced", "consistent")
    failing = [_run(id_distance=0.4, diversity=0.1, mse_truth=0.01, target_accuracy=0.1)] * 3
    v = chapter.verdict("cin_gives_diversity", "claim", ("a", a), ("b", failing), base,
                        "diversity", paper_effect=0.016)
    assert v.verdict == "inconclusive"
    claims = chapter.claims({k: [] for k in (*catalogue.SDIT_VARIANTS, *catalogue.SDIT_CIN_PARAMS)})
    assert [c["paper_effect"] is None for c in claims] == [False, False, False, True]
    assert claims[0]["paper_effect"] == pytest.approx(0.424 - 0.408)
    assert claims[2]["paper_effect"] == pytest.approx(0.070 - 0.060)


def test_model_counts_grow_quadratically_for_pairwise_methods(monkeypatch):
    monkeypatch.setattr(chapter, "cyclegan_parameters", lambda: 1000)
    monkeypatch.setattr(chapter, "sdit_parameters", lambda n: 500 + n)
    c = chapter.model_counts(4)
    assert c["CycleGAN"]["models"] == c["MUNIT"]["models"] == 6  # Table 6.3's "6/6"
    assert c["CycleGAN"]["generators"] == 12 and c["CycleGAN"]["parameters"] == 6000
    assert c["SDIT"] == {"models": 1, "generators": 1, "parameters": 504}
    assert chapter.model_counts(2)["CycleGAN"]["models"] == 1
    assert chapter.model_counts(40)["MUNIT"]["models"] == 780
    with pytest.raises(ValueError):
        chapter.model_counts(1)
    assert "| 3 |" in chapter.count_table((3,))


def test_sdit_parameters_count_the_domain_channels():
    # only the encoder's first 7x7 convolution (64 filters) sees the N label channels
    assert chapter.sdit_parameters(5) - chapter.sdit_parameters(4) == 64 * 7 * 7


def test_smoke_run_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_RESULTS", str(tmp_path))
    name, config = catalogue.sdit_run("smoke")
    run = load_or_train(name, config, lambda c: train_translation(c, progress=False),
                        results_dir=tmp_path)
    m = run.metrics
    for key in ("id_distance", "diversity", "mse_truth", "target_accuracy", "steps"):
        assert key in m
    assert m["diversity_distance"].startswith("LPIPS-style")
    net = chapter.generator(run)
    out = chapter.translations(net, chapter.test_faces("smoke").test_x[:2], n_styles=2)
    assert out.shape == (2, 3, 2, 3, 16, 16)
    assert chapter.attention_maps(net, chapter.test_faces("smoke").test_x[:2]).shape == (
        2, 3, 1, 4, 4)


def test_warm_start_reproduces_faces_and_leaves_training_untouched(faces):
    from i2ibook.runner import sdit_warm_start

    c = SDITConfig(n_domains=3, image_size=16, ngf=4, n_res=1, ndf=4, n_layers_D=2, mlp_dim=16,
                   batch_size=4, device="cpu", init_type="kaiming")
    trainer = SDITTrainer(c)
    state = torch.random.get_rng_state()
    losses = sdit_warm_start(trainer, faces, 40, lr=1e-3)
    assert len(losses) == 40 and losses[-1] < losses[0]
    assert trainer.global_step == 0 and torch.equal(torch.random.get_rng_state(), state)
    assert sdit_warm_start(trainer, faces, 0) == []
    from i2ilib.train.wgan import ImageSet

    trainer.fit(ImageSet(faces.train_x, faces.train_y), max_steps=1, progress=False)
    with pytest.raises(ValueError, match="before the first"):
        sdit_warm_start(trainer, faces, 1)


def test_book_scale_names_its_deviations():
    _, config = catalogue.sdit_run("book")
    assert config["warm_start"] == {"steps": catalogue.SDIT_WARM_START["book"]}
    assert config["trainer"]["init_type"] == "kaiming" and config["trainer"]["lambda_REC"] == 10
    paper_config = catalogue.sdit_run("paper")[1]
    assert "warm_start" not in paper_config and paper_config["trainer"]["init_type"] == "normal"
