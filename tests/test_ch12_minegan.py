"""Chapter 12 (MineGAN): the catalogue's runs (equal settings to chapter 11's), the runner's
MineGAN and BSA runs, the chapter's overfitting measure, pilot and verdict rules, the paper
module and the exercises' checks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from i2ibook import catalogue, exercises
from i2ibook.chapters import ch12_minegan as chapter
from i2ibook.papers import wang2020_minegan as paper


def test_the_grid_is_three_methods_per_seed_with_chapter_11s_settings():
    made = [make("book") for make in catalogue.RUNS["12"]]
    names = [n for n, _ in made]
    assert len(names) == len(set(names)) == len(catalogue.MINEGAN_METHODS) * len(
        catalogue.MINEGAN_SEEDS)
    assert all(n.startswith("12_minegan/") for n in names)
    for _, config in made:
        like = catalogue.transfer_gan_run("book", "TransferGAN", config["data"]["seed"])[1]
        # the same data, source, steps, sizes and optimiser as chapter 11's TransferGAN run
        assert config["data"] == like["data"] and config["pretrained"] == like["pretrained"]
        differ = {k for k in like["trainer"] if like["trainer"][k] != config["trainer"][k]}
        assert differ <= {"method", "miner_layers", "mining_steps"}
        assert config["fd_every"] == like["fd_every"]


def test_minegan_methods_name_their_stages():
    c = {m: catalogue.minegan_run("book", m)[1]["trainer"] for m in catalogue.MINEGAN_METHODS}
    steps = c["MineGAN"]["n_epochs"] * -(-200 // c["MineGAN"]["batch_size"])
    assert c["MineGAN"]["method"] == "minegan" and c["MineGAN"]["mining_steps"] == steps // 2
    assert c["MineGAN w/o FT"]["mining_steps"] == -1
    assert c["MineGAN"]["miner_layers"] == 4  # thesis Section 3.4: four layers but on MNIST
    assert c["BSA"]["method"] == "bsa" and c["BSA"]["pretrained_G"]
    with pytest.raises(ValueError, match="method"):
        catalogue.minegan_run("book", "FreezeD")


def test_method_maker_reaches_both_chapters():
    assert chapter.method_maker("TransferGAN", 1)("book")[0] == \
        catalogue.transfer_gan_run("book", "TransferGAN", 1)[0]
    assert chapter.method_maker("MineGAN", 2)("book")[0].startswith("12_minegan/minegan-")
    with pytest.raises(ValueError):
        chapter.method_maker("pretrained D")


def _fake_run(fd, curve=None, iw=1.0, noise=200.0):
    curve = curve or [fd * 2, fd]
    return SimpleNamespace(metrics={
        "fd": fd, "iw": iw, "baselines": {"mean_noise": noise, "blur": 20.0, "train_set": 0.5},
        "fd_curve": [{"step": 100 * i, "fd": v} for i, v in enumerate(curve)]})


def test_overfit_is_the_rise_after_the_best_point():
    assert chapter.overfit(_fake_run(9.0, [7.0, 8.0, 6.0, 9.0])) == pytest.approx(3.0)
    # step 0 (the source generator) does not count as the run's best point
    assert chapter.overfit(_fake_run(8.0, [5.0, 9.0, 8.0])) == pytest.approx(0.0)


def test_pilot_needs_the_source_generator_beaten():
    good = chapter.pilot_checks(_fake_run(7.0), source=7.5)
    assert chapter.passes(good)
    assert not chapter.passes(chapter.pilot_checks(_fake_run(8.0), source=7.5))
    assert not chapter.passes(chapter.pilot_checks(_fake_run(7.0, noise=8.0), source=7.5))


def _runs(fds, **kw):
    return {m: [_fake_run(f, **kw) for f in v] for m, v in fds.items()}


def test_verdicts_follow_the_vocabulary():
    clear = _runs({"scratch": [70, 71, 69], "TransferGAN": [9, 9.5, 9.2], "BSA": [8.5, 8.6, 8.4],
                   "MineGAN w/o FT": [8, 8.2, 8.1], "MineGAN": [7, 7.1, 7.2]})
    words = [v.verdict for v in chapter.comparison_verdicts(clear)]
    assert words == ["reproduced"] * 4
    assert all("Fig. 3." in v.evidence for v in chapter.comparison_verdicts(clear))
    flipped = _runs({"scratch": [70, 71, 69], "TransferGAN": [7, 7.1, 7.2], "BSA": [8, 8, 8],
                     "MineGAN w/o FT": [8, 8.2, 8.1], "MineGAN": [9, 9.5, 9.2]})
    assert chapter.comparison_verdicts(flipped)[0].verdict == "contradicted"
    failing = _runs({m: [8, 8, 8] for m in chapter.METHODS}, noise=9.0)
    assert {v.verdict for v in chapter.comparison_verdicts(failing)} == {"inconclusive"}
    ov = chapter.overfitting_verdict(clear)
    assert ov.verdict in {"consistent", "not testable here", "reproduced", "contradicted"}
    missing = chapter.all_verdicts({m: [None] for m in chapter.METHODS})
    assert {v.verdict for v in missing} == {"not testable here"}


def test_paper_numbers_are_quoted_not_computed():
    assert paper.TABLE3_1_FID["MineGAN"]["Red vehicle"] == (61.2, 59.4, 61.5)
    assert paper.TABLE3_1_P["Car"]["Red vehicle"] == (0.34, 0.48, 0.64)
    assert paper.TABLEA_2_AVERAGE[("off-manifold", "unconditional")] == (21.5, 6.0)
    rel = paper.table3_1_relative("Red vehicle", 1)
    assert rel["TransferGAN_minus_MineGAN"] == pytest.approx((71.3 - 59.4) / 185)
    # the selector's p tracks the car shares of the three targets (Table 3.1, bottom)
    cars = paper.TABLE3_1_P["Car"]["Red vehicle"]
    assert list(cars) == sorted(cars) and len(cars) == len(paper.TABLE3_1_CAR_SHARES)


def test_exercise_checks_fail_on_wrong_answers(capsys):
    n = exercises._miner_parameters()
    exercises.check_miner_parameters(n)
    with pytest.raises(exercises.WrongAnswer):
        exercises.check_miner_parameters(n + 1)
    exercises.check_table3_1_effect(paper.table3_1_relative("Red vehicle", 1)[
        "TransferGAN_minus_MineGAN"])
    with pytest.raises(exercises.WrongAnswer):
        exercises.check_table3_1_effect(0.5)

    def good(scores):
        from i2ilib.losses import selector_probabilities, supersample_max
        return selector_probabilities(supersample_max(scores)[1], scores.shape[1])

    exercises.check_selector(good)
    with pytest.raises(exercises.WrongAnswer):
        exercises.check_selector(lambda s: torch.softmax(s, 1).mean(0))
    exercises.check_selector(...)
    assert "not answered yet" in capsys.readouterr().out


def test_smoke_minegan_run_trains_and_stores_its_miner(tmp_path, monkeypatch):
    """A smoke-scale MineGAN run stores G_0 and M_0, and its samples come from G_0(M_0(u))."""
    from i2ibook.runner import train_translation
    from i2ilib.results import load_or_train

    monkeypatch.setenv("I2I_RESULTS", str(tmp_path / "results"))
    name, config = catalogue.minegan_run("smoke", "MineGAN")
    run = load_or_train(name, config, train_translation, results_dir=tmp_path, verbose=False)
    assert set(run.generator_state()) == {"G_0", "M_0", "D"}
    assert run.metrics["steps"] > config["trainer"]["mining_steps"] > 0
    x = chapter.samples(run, 4)
    assert x.shape[0] == 4 and x.abs().max() <= 1
    shift = chapter.latent_shift(run, 64)
    assert shift["spread"] > 0


def test_latent_shift_reads_the_prior_as_the_prior():
    from i2ilib.nets.miner import Miner

    identity = Miner(16, 1)
    with torch.no_grad():
        identity.net[0].weight.copy_(torch.eye(16))
    s = chapter.latent_shift(identity, 4000)
    assert s["offset"] < 0.05 and abs(s["spread"] - 1) < 0.05 and s["cosine"] > 0.99
    random = chapter.latent_shift(Miner(16, 4, generator=torch.Generator().manual_seed(0)), 4000)
    assert random["offset"] > 0.1 and abs(random["cosine"]) < 0.2


def test_reproduction_section_without_runs_says_so(tmp_path):
    from i2ibook.reproduction import _minegan_section

    text = "\n".join(_minegan_section(tmp_path))
    assert "Stored runs: 0 of 9" in text
    assert "61.2" in text and "0.34 / 0.48 / 0.64" in text  # Table 3.1 quoted
    assert "**contradicted**" not in text and "**reproduced**" not in text
    assert text.count("**not testable here**") == 7


def test_paper_scale_builds_the_thesis_sizes_from_the_celeba_source():
    name, config = catalogue.minegan_run("paper", "MineGAN")
    t = config["trainer"]
    assert (t["image_size"], t["ngf"], t["batch_size"]) == (64, 64, 64)
    steps = t["n_epochs"] * -(-config["data"]["n_train"] // t["batch_size"])
    assert t["mining_steps"] == steps // 2 and steps >= 200_000
    assert config["pretrained"]["config"]["data"]["domain"] == "celeba"
    assert "from-celeba" in name
