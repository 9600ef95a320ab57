"""Chapter 09 (one-shot translation): its catalogue configurations, the digit classifier, the
sanity check on constructed cases, and a smoke-scale OST run end to end."""

import copy

import numpy as np
import pytest
import torch

from i2ibook import catalogue
from i2ibook.chapters import ch09_one_shot as chapter
from i2ibook.runner import N_A_POOL, digits_data, handwritten_split, phase1_state
from i2ibook.specs import DigitsData, SpecError, parse_experiment
from i2ilib.results import config_hash

torch.set_num_threads(1)


def test_chapter_configurations_parse_with_the_strict_specs():
    names = set()
    for scale in ("smoke", "book", "paper"):
        for make in catalogue.RUNS["09"]:
            name, config = make(scale)
            before = (copy.deepcopy(config), config_hash(config))
            exp, data, trainer = parse_experiment(config)
            assert isinstance(data, DigitsData) and (config, config_hash(config)) == before
            if scale == "book":
                names.add(name)
            if exp.method == "ost" and trainer.phase == 2:  # Phase II names its Phase I
                first_name, first = catalogue.ost_phase1_run(scale, data.seed)
                assert config["phase1"] == {"name": first_name, "config": first}
    n_runs = len(catalogue.OST_SEEDS) * (1 + 2 * len(catalogue.OST_N_A) + 1)
    assert len(names) == n_runs == len(catalogue.RUNS["09"])
    # one Phase I per seed, shared by every Phase II run of that seed
    phase1 = {catalogue.ost_run("book", n_A=n, seed=0)[1]["phase1"]["name"]
              for n in catalogue.OST_N_A}
    assert phase1 == {"09_one_shot_translation/ost-phase1-seed0"}
    assert catalogue.ost_run("book", n_A="all")[1]["data"]["n_A"] == N_A_POOL


def test_digits_specs_refuse_what_would_train_something_else():
    _, config = catalogue.ost_run("smoke")
    with pytest.raises(SpecError, match="names its Phase I run"):
        parse_experiment({k: v for k, v in config.items() if k != "phase1"})
    with pytest.raises(SpecError, match="Phase I sees B only"):
        parse_experiment(dict(config, data=dict(config["data"], n_A=0)))
    other_B = copy.deepcopy(config)
    other_B["data"]["n_B"] += 1
    with pytest.raises(SpecError, match="same B digits"):
        parse_experiment(other_B)
    with pytest.raises(SpecError, match="augment"):
        parse_experiment(dict(config, data=dict(config["data"], augment="flip")))
    with pytest.raises(SpecError, match="n_A"):
        parse_experiment(dict(config, data=dict(config["data"], n_A=N_A_POOL + 1)))
    _, cyc = catalogue.cyclegan_digits_run("smoke")
    with pytest.raises(SpecError, match="needs A samples"):
        parse_experiment(dict(cyc, data=dict(cyc["data"], n_A=0)))


def test_the_split_and_the_one_shot_samples():
    pool, _, test, test_labels = handwritten_split(32)
    assert len(pool) == N_A_POOL and len(test) == 500 and pool.shape[1:] == (3, 32, 32)
    assert set(test_labels.tolist()) == set(range(10))
    # no test digit is in the pool
    flat_pool = {tuple(x.flatten().tolist()) for x in pool[:, 0, ::4, ::4]}
    assert not any(tuple(x.flatten().tolist()) in flat_pool for x in test[:50, 0, ::4, ::4])
    spec = catalogue.ost_run("smoke", seed=0)[1]["data"]
    one = [digits_data(dict(spec, seed=s)).A for s in (0, 1)]
    assert one[0].shape == (1, 3, 32, 32) and not torch.equal(one[0], one[1])
    assert torch.equal(digits_data(spec).test_A, test[:spec["n_test"]])


def test_sanity_check_on_constructed_cases():
    baselines = {"identity": 0.45, "blur": 0.30, "mean B image": 0.10}
    assert chapter.passes(chapter.sanity_check(0.62, baselines))
    # beats chance and the baselines, but not on most digits
    checks = chapter.sanity_check(0.49, {"blur": 0.2})
    assert [c.passed for c in checks] == [True, True, False]
    # most digits right, but not clearly above the identity
    checks = chapter.sanity_check(0.52, dict(baselines, identity=0.48))
    assert not chapter.passes(checks)
    assert [c.name for c in checks if not c.passed] == ["beats identity by 0.05"]
    # chance
    assert not chapter.sanity_check(0.12, {})[0].passed
    with pytest.raises(ValueError):
        chapter.sanity_check(1.2, baselines)


def test_the_classifier_reads_printed_digits_and_fails_on_noise():
    from i2ilib.data.digits import digits_tensors
    from i2ilib.metrics.digitnet import digit_accuracy, digit_classifier, digit_classifier_record

    net = digit_classifier()
    x, y = digits_tensors("printed", 100, 32, seed=77)
    assert digit_accuracy(net, x, y) > 0.9
    assert digit_classifier_record()["validation"]["printed_acc"] > 0.95
    scores = chapter.digit_scores(torch.zeros(20, 3, 32, 32), torch.arange(20) % 10)
    assert sum(scores["predicted"]) == 20 and len(scores["predictions"]) == 20
    assert scores["accuracy"] <= 0.2  # one class for every blank image


def test_smoke_run_end_to_end(monkeypatch):
    monkeypatch.setenv("I2I_RETRAIN", "1")  # smoke runs live in a scratch folder: train afresh
    run = chapter.get_run(catalogue.ost_run, "smoke", train=True)
    m = run.metrics
    assert set(m) == {"A->B", "train A->B", "cycle_l1", "steps"} and m["steps"] > 0
    assert len(m["A->B"]["predictions"]) == m["A->B"]["n"] == 50
    assert 0.0 <= m["A->B"]["accuracy"] <= 1.0 and m["train A->B"]["n"] == 1
    # Phase I is stored once and Phase II started from it
    monkeypatch.setenv("I2I_RETRAIN", "0")
    first = chapter.get_run(catalogue.ost_phase1_run, "smoke")
    state = phase1_state(first)
    assert set(state["nets"]) == {"E_B_U", "E_S", "G_S", "G_B_U"}
    out = chapter.translate_with(run, chapter.test_set("smoke")[0][:3])
    assert out.shape == (3, 3, 32, 32) and out.abs().max() <= 1
    assert np.isfinite(m["cycle_l1"])


def test_phase2_starts_from_the_same_numbers_whichever_source(monkeypatch):
    """Stored float16 weights, or (when the store kept none) the finished checkpoint rounded
    the same way: Phase II receives identical numbers."""
    from i2ibook.runner import phase1_start
    from i2ilib.results import find_run, remove_files, results_dir_for

    _, config = catalogue.ost_run("smoke")
    monkeypatch.setenv("I2I_RETRAIN", "1")
    stored = phase1_start(config["phase1"])
    monkeypatch.setenv("I2I_RETRAIN", "0")
    run = find_run(config["phase1"]["name"], config["phase1"]["config"], results_dir_for("smoke"))
    remove_files(run.path, ["generators.pt"])
    from_checkpoint = phase1_start(config["phase1"])
    assert set(stored["nets"]) == set(from_checkpoint["nets"]) == {"E_B_U", "E_S", "G_S", "G_B_U"}
    for part, state in stored["nets"].items():
        for key, value in state.items():
            assert torch.equal(value, from_checkpoint["nets"][part][key]), (part, key)
            if value.is_floating_point():
                assert torch.equal(value, value.half().float())


def test_weights_as_the_store_keeps_them():
    from i2ibook.runner import as_stored

    w = torch.tensor([1.0, 1.0 + 2 ** -12, 0.1])  # 1 + 2^-12 lies between two float16 values
    steps = torch.tensor(7)
    out = as_stored({"E_S": {"w": w, "num_batches_tracked": steps}})
    assert out["E_S"]["w"].dtype == torch.float32
    assert torch.equal(out["E_S"]["w"], w.half().float())
    assert out["E_S"]["w"][1] == 1.0 and out["E_S"]["w"][2] != w[2]
    assert out["E_S"]["num_batches_tracked"] is steps
