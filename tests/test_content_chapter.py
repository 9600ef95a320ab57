"""Chapter 10's book layer: runs, data specification, scoring rules, tables and verdicts."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from i2ibook import catalogue
from i2ibook.chapters import ch10_disentanglement as ch
from i2ibook.papers import press2019
from i2ibook.specs import SpecError, parse_experiment


def test_runs_are_defined_at_every_scale():
    names = [make("book")[0] for make in catalogue.RUNS["10"]]
    assert len(names) == len(set(names)) == 7  # 2 models x 3 seeds, and audio separation
    for scale in ("smoke", "book", "paper"):
        for make in catalogue.RUNS["10"]:
            parse_experiment(make(scale)[1])
    paper = catalogue.content_transfer_run("paper")[1]
    assert paper["data"]["dataset"] == "celeba" and paper["trainer"]["size"] == 128
    fader = catalogue.content_transfer_run("book", separate="fader")[1]["trainer"]
    assert fader["separate"] == "fader" and fader["confusion"] == "swap"


def test_spec_refuses_what_it_cannot_train():
    config = catalogue.content_transfer_run("book")[1]
    with pytest.raises(SpecError, match="attribute"):
        parse_experiment({**config, "data": {**config["data"], "attribute": "Bangs"}})
    with pytest.raises(SpecError, match="dataset"):
        parse_experiment({**config, "data": {**config["data"], "dataset": "ffhq"}})
    with pytest.raises(SpecError, match="n_identities"):
        parse_experiment({**config, "data": {**config["data"], "n_identities": 0}})


def test_paper_scale_without_celeba_says_where_to_put_it(tmp_path, monkeypatch):
    from i2ibook.runner import content_data
    from i2ilib.data.errors import DataLayoutError

    monkeypatch.setenv("I2I_DATA", str(tmp_path))
    monkeypatch.setenv("I2I_DOWNLOAD", "0")
    spec = catalogue.content_transfer_run("paper")[1]["data"]
    with pytest.raises(DataLayoutError, match="celeba.*I2I_DATA"):
        content_data(spec)


def _scores(prob, mse, mse_in):
    prob, mse, mse_in = (np.asarray(v, float) for v in (prob, mse, mse_in))
    from i2ilib.metrics.baselines import completed_with_truth

    return {"attribute_prob": prob, "mse": mse, "input_mse": mse_in,
            "done": completed_with_truth(prob, mse, mse_in, 0.5).astype(float)}


def test_sanity_needs_the_truth_and_every_baseline():
    base = {ch.IDENTITY: _scores([0.9, 0.9], [0.002, 0.002], [0.002, 0.002]),
            ch.BLUR: _scores([0.4, 0.4], [0.003, 0.003], [0.002, 0.002])}
    good = _scores([0.1, 0.2], [0.001, 0.0015], [0.002, 0.002])
    assert all(c.passed for c in ch.sanity(good, base))
    # the glasses gone by the classifier, but farther from the truth than the input: not done
    blurred = _scores([0.1, 0.2], [0.0025, 0.0015], [0.002, 0.002])
    checks = ch.sanity(blurred, base)
    assert not checks[0].passed and checks[-1].passed  # done on 1 of 2 = half
    kept = _scores([0.9, 0.8], [0.001, 0.001], [0.002, 0.002])
    assert not ch.sanity(kept, base)[-1].passed


def test_transfer_done_needs_the_attribute_and_the_truth():
    inputs = torch.zeros(3, 3, 4, 4)
    truth = torch.full((3, 3, 4, 4), 0.2)
    outputs = torch.stack([torch.full((3, 4, 4), 0.2), torch.full((3, 4, 4), 0.2),
                           torch.full((3, 4, 4), -0.5)])

    class FixedClassifier:
        pass

    probs = np.array([0.9, 0.1, 0.9])
    orig = ch.attribute_prob
    try:
        ch.attribute_prob = lambda images, attribute, classifier=None: probs
        s = ch.score_transfer(inputs, outputs, truth, "Eyeglasses", FixedClassifier())
    finally:
        ch.attribute_prob = orig
    assert s["done"].tolist() == [1.0, 0.0, 0.0]  # 2nd: no glasses; 3rd: farther than the input


def _fake_run(prob, passes=True):
    scores = {"attribute_prob": list(prob), "mse": [0.001] * len(prob), "done": [1.0] * len(prob),
              "input_mse": [0.002] * len(prob)}
    base = {ch.IDENTITY: {**scores, "attribute_prob": [0.99] * len(prob)}}
    return SimpleNamespace(metrics={"removal": scores, "transfer": scores, "baselines": base,
                                    "passes": passes})


def test_verdict_table4_pairs_seeds_and_refuses_failing_models():
    ours = {s: _fake_run([0.01 + 0.001 * s] * 4) for s in range(3)}
    fader = {s: _fake_run([0.07 + 0.002 * s] * 4) for s in range(3)}
    v = ch.verdict_table4({"ours (e1, e2, g)": ours, "Fader-style baseline": fader})
    assert v.verdict == "reproduced" and v.effect.estimate == pytest.approx(0.061)
    fader[1] = _fake_run([0.07] * 4, passes=False)
    v = ch.verdict_table4({"ours (e1, e2, g)": ours, "Fader-style baseline": fader})
    assert v.verdict == "inconclusive" and "seed 1" in v.evidence
    assert ch.verdict_table4({"ours (e1, e2, g)": {}, "Fader-style baseline": {}}).verdict == \
        "not testable here"
    # a failing pilot makes the comparison inconclusive even before the baseline is run
    v = ch.verdict_table4({"ours (e1, e2, g)": {0: _fake_run([0.3] * 4, passes=False)},
                           "Fader-style baseline": {}})
    assert v.verdict == "inconclusive" and "Fader-style baseline: not run" in v.evidence


def test_tables_show_the_paper_beside_ours():
    runs = {"Fader-style baseline": {}, "ours (e1, e2, g)": {0: _fake_run([0.02] * 4)}}
    md = ch.removal_table(runs)
    assert f"{press2019.TABLE4['Our']['Glasses']:.3f}" in md and "not run" in md
    assert "baseline: input unchanged" in md
    assert "0.020" in ch.transfer_table(runs)


def test_paper_numbers_as_quoted():
    assert press2019.TABLE4["Our"] == {"Glasses": 0.011, "Smile": 0.052, "Facial Hair": 0.119}
    assert press2019.TABLE4["Fader networks (Lample et al., 2017)"]["Glasses"] == 0.066
    assert press2019.TABLE3["b over g(e1(a), e2(b'))"]["Glasses"] == 0.582
    assert press2019.TABLE1["Encoders"][-1] == "2"


def test_sharing_table_counts_the_trainers_networks():
    md = ch.sharing_table()
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in md.splitlines()[2:]}
    assert rows["content transfer (ours, ch. 10)"][4:6] == ["2", "1"]
    assert rows["Fader-style baseline (ch. 10)"][4] == "1"
    assert rows["MUNIT-style (UDIT without its constraint)"][4:7] == ["4", "2", "2"]


def test_the_audio_separation_run_reads_spectrograms_of_one_channel():
    for scale in ("smoke", "book", "paper"):
        name, config = catalogue.audio_separation_run(scale)
        assert name == "10_content_disentanglement/audio-separation-seed0"
        t = config["trainer"]
        assert config["method"] == "content" and config["data"]["source"] == "audio"
        assert t["input_nc"] == t["output_nc"] == 1 and t["size"] == 64
    config = catalogue.audio_separation_run("book")[1]
    with pytest.raises(SpecError, match="n_test"):
        parse_experiment({**config, "data": {**config["data"], "n_test": 0}})
    with pytest.raises(SpecError, match="Unknown key"):
        parse_experiment({**config, "data": {**config["data"], "size": 64}})


def test_separation_table_counts_the_clips_the_model_wins():
    from i2ilib.metrics.separation import SEPARATION_BASELINES

    scores = {ch.SEPARATION_MODEL: np.array([2.0, 4.0, 6.0, 8.0]),
              SEPARATION_BASELINES[0]: np.array([0.0, 0.0, 0.0, 9.0]),
              SEPARATION_BASELINES[1]: np.array([3.0, 3.0, 3.0, 3.0])}
    table = ch.separation_table(scores)
    lines = table.splitlines()
    assert "| 5.00 |" in lines[2] and lines[2].rstrip().endswith("|  |")
    assert lines[3].rstrip().endswith("| 75% |") and lines[4].rstrip().endswith("| 75% |")


def test_removal_diagnostics_on_a_hand_made_case():
    background = torch.full((1, 1, 2, 2), -0.5)
    voice = torch.tensor([[[[0.0, -1.0], [-1.0, -1.0]]]])  # loud on one pixel only
    mixture = background.clone()
    mixture[0, 0, 0, 0] = 0.5  # the voice adds 1.0 there
    removed = background.clone()
    removed[0, 0, 0, 0] = -0.25  # a quarter of the voice's excess is kept
    removed[0, 0, 1, 1] = -0.1  # and one background pixel is rebuilt 0.4 too loud
    d = ch.removal_diagnostics(removed, mixture, background, voice)
    assert d["voice excess kept"] == pytest.approx(0.25)
    assert d["mixture's error"] == pytest.approx(1.0 / 4)
    assert d["removal's error"] == pytest.approx((0.25 + 0.4) / 4)
