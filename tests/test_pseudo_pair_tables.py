"""Chapter 07's measurements and tables: per-image scores, their cache, Table 6's preference
rate and the verdict rules of Tables 4-7."""

import json

import numpy as np
import pytest
import torch

from i2ibook import catalogue
from i2ibook.chapters import ch07_pseudo_pairs as ch07
from i2ibook.runner import build_test_data, train_translation
from i2ilib.results import find_run, load_or_train


def _faces(n=6, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1


def test_identity_map_has_zero_infosim_and_truth_has_zero_mse():
    x, truth = _faces(seed=1), _faces(seed=2)
    same = ch07.score_translations(x, x, truth, "Eyeglasses")
    assert np.allclose(same["infosim"], 0.0)
    perfect = ch07.score_translations(x, truth, truth, "smiling")
    assert np.allclose(perfect["mse"], 0.0)
    # MSE on [0, 1]: images in [-1, 1] that differ by 2 everywhere have MSE 1
    ones = torch.ones(2, 3, 32, 32)
    assert np.allclose(ch07.score_translations(ones, -ones, ones, "Smiling")["mse"], 1.0)
    assert all(v.shape == (6,) for v in same.values())


def test_score_translations_rejects_mismatched_batches_and_unknown_attributes():
    with pytest.raises(ValueError, match="same shape"):
        ch07.score_translations(_faces(4), _faces(5), _faces(4), "Smiling")
    with pytest.raises(ValueError):
        ch07.score_translations(_faces(4), _faces(4), _faces(4), "Hat")
    with pytest.raises(ValueError, match="Unknown task"):
        ch07.attribute_of("hat_removal")


def test_summarise_thresholds_the_attribute_probability():
    s = ch07.summarise({"infosim": np.array([0.1, 0.3]), "attribute_prob": np.array([0.2, 0.7]),
                      "mse": np.array([0.0, 0.5])})
    assert s == pytest.approx({"infosim": 0.2, "task_completion": 0.5, "mse": 0.25})


def test_preference_rate_counts_wins_and_half_ties():
    assert ch07.preference_rate(np.array([0.1, 0.5, 0.9]), np.array([0.2, 0.5, 0.1])) == 0.5
    assert ch07.preference_rate(np.zeros(4), np.ones(4)) == 1.0
    assert ch07.preference_rate(np.ones(4), np.zeros(4)) == 0.0
    with pytest.raises(ValueError, match="same N"):
        ch07.preference_rate(np.zeros(3), np.zeros(4))


@pytest.fixture(scope="module")
def smoke_run():
    name, config = catalogue.pseudo_pairs_run("smoke", "smile_removal", "ours", 0)
    return load_or_train(name, config, lambda c: train_translation(c, progress=False),
                         verbose=False)


def test_score_run_caches_exactly_what_it_computes(smoke_run):
    (smoke_run.path / ch07.SCORES_FILE).unlink(missing_ok=True)
    first = ch07.score_run(smoke_run)
    cached = json.loads((smoke_run.path / ch07.SCORES_FILE).read_text())
    fresh = ch07.score_run(smoke_run, cache=False)
    for q in ch07.QUANTITIES:
        assert np.array_equal(first[q], np.asarray(cached["per_image"][q]))
        assert np.allclose(first[q], fresh[q], atol=1e-8)
    n_test = smoke_run.config["data"]["n_test"]
    assert first["mse"].shape == (n_test,)
    # a stale key (another scoring version) is recomputed, not trusted
    cached["key"]["version"] = -1
    cached["per_image"]["mse"] = [9.0] * n_test
    (smoke_run.path / ch07.SCORES_FILE).write_text(json.dumps(cached))
    assert np.allclose(ch07.score_run(smoke_run)["mse"], fresh["mse"], atol=1e-8)


def test_score_run_refuses_runs_of_other_chapters(smoke_run):
    other = type(smoke_run)(**{**smoke_run.__dict__,
                               "config": {**smoke_run.config, "data": {"source": "synthscenes"}}})
    with pytest.raises(ValueError, match="not a pseudo-pair run"):
        ch07.score_run(other)


def _table(values: dict[str, list[tuple[float, float]]]) -> ch07.ScoreTable:
    """A ScoreTable whose row ``k`` has one seed per (infosim, attribute prob) pair."""
    scores = {k: {s: {"infosim": np.full(4, info), "attribute_prob": np.full(4, prob),
                      "mse": np.zeros(4)} for s, (info, prob) in enumerate(v)}
              for k, v in values.items()}
    return ch07.ScoreTable("", [], scores)


def _baselines(input_mse=0.0001, blur_mse=0.003, n=4):
    """Trivial baselines a model with MSE 0 beats and a model with MSE > ``blur_mse`` fails."""
    one = {"infosim": np.zeros(n), "attribute_prob": np.ones(n), "mse": np.full(n, input_mse)}
    return {ch07.IDENTITY: one, ch07.BLUR: {**one, "mse": np.full(n, blur_mse)},
            ch07.TRUTH: {**one, "attribute_prob": np.zeros(n), "mse": np.zeros(n)}}


def test_table4_verdicts_in_the_vocabulary():
    ours, *rest = ch07.TABLE4_SETTINGS.values()
    base = {k: [(2.0, 0), (2.2, 0), (1.8, 0)] for k in rest}
    clear = _table({ours: [(1.0, 0), (1.1, 0), (0.9, 0)], **base})
    v = ch07.verdict_table4("smile_removal", clear)
    assert v.verdict == "reproduced" and "95 % CI" in v.evidence
    wrong = _table({ours: [(3.0, 0), (3.1, 0), (2.9, 0)], **base})
    assert ch07.verdict_table4("smile_removal", wrong).verdict == "contradicted"
    noisy = _table({ours: [(1.0, 0), (2.5, 0), (0.5, 0)], **base})
    assert ch07.verdict_table4("smile_removal", noisy).verdict in ("consistent", "not reproduced")
    missing = _table({ours: [(1.0, 0)], **{k: [] for k in rest}})
    assert ch07.verdict_table4("smile_removal", missing).verdict == "not testable here"


def test_a_model_below_its_trivial_baseline_makes_the_verdict_inconclusive():
    ours, *rest = ch07.TABLE4_SETTINGS.values()
    t = _table({ours: [(1.0, 0), (1.1, 0), (0.9, 0)], **{k: [(2.0, 0)] * 3 for k in rest}})
    blurry = ch07.ScoreTable("", [], t.scores, _baselines(blur_mse=0.003))
    for k in blurry.scores:  # every model is farther from the truth than the blur
        for sc in blurry.scores[k].values():
            sc["mse"] = np.full(4, 0.01)
    v = ch07.verdict_table4("smile_removal", blurry)
    assert v.verdict == "inconclusive" and "fails its sanity check" in v.evidence
    assert "worse than the input and the blur" in v.evidence


def test_completion_is_judged_with_the_truth():
    refs = _baselines(input_mse=0.002)
    gone_but_blurred = {"attribute_prob": np.zeros(4), "mse": np.full(4, 0.01)}
    assert ch07.completion_with_truth(gone_but_blurred, refs[ch07.IDENTITY]["mse"]) == 0.0
    removed = {"attribute_prob": np.zeros(4), "mse": np.full(4, 0.001)}
    assert ch07.completion_with_truth(removed, refs[ch07.IDENTITY]["mse"]) == 1.0


def test_table5_verdicts():
    ratios = ("0.25", "0.5", "0.75", "1")
    falling = _table({r: [(4 - i, 0), (4.1 - i, 0), (3.9 - i, 0)] for i, r in enumerate(ratios)})
    assert ch07.verdict_table5("eyeglass_removal", falling).verdict == "reproduced"
    rising = _table({r: [(1 + i, 0), (1.1 + i, 0), (0.9 + i, 0)] for i, r in enumerate(ratios)})
    assert ch07.verdict_table5("eyeglass_removal", rising).verdict == "contradicted"
    one = _table({r: [(4 - i, 0)] for i, r in enumerate(ratios)})
    v = ch07.verdict_table5("smile_removal", one)
    assert v.verdict == "consistent" and "1 seed" in v.evidence


def test_table6_and_table7_verdicts():
    t6 = _table({"0%": [(0, 0.9)] * 3, "50%": [(0, 0.1), (0, 0.2), (0, 0.1)],
                 "100%": [(0, 0.8)] * 3})
    assert ch07.verdict_table6("smile_removal", t6).verdict == "reproduced"
    t6_bad = _table({"0%": [(0, 0.1)] * 3, "50%": [(0, 0.9), (0, 0.8), (0, 0.9)],
                     "100%": [(0, 0.1)] * 3})
    assert ch07.verdict_table6("smile_removal", t6_bad).verdict == "contradicted"
    t7 = _table({"implicit": [(2.0, 0.1), (2.1, 0.1), (1.9, 0.1)],
                 "explicit": [(0.5, 0.9), (0.6, 0.9), (0.4, 0.9)]})
    assert ch07.verdict_table7("eyeglass_removal", t7).verdict == "reproduced"
    # the book's Table 7: pix2pix (U-Net, ngf 16, 6000 steps) against CycleGAN (ResNet, ngf 8,
    # 3000 steps) is not a matched comparison
    setup = {"implicit": {"model": "cyclegan", "netG": "resnet_6blocks", "ngf": 8, "steps": 3000},
             "explicit": {"model": "pix2pix", "netG": "unet_64", "ngf": 16, "steps": 6000}}
    unmatched = ch07.ScoreTable("", [], t7.scores, {}, setup)
    v = ch07.verdict_table7("eyeglass_removal", unmatched)
    assert v.verdict == "inconclusive" and "netG (resnet_6blocks vs unet_64)" in v.evidence


def test_stored_scores_match_a_fresh_computation():
    """The cached scores committed with a stored book-scale run are what scoring gives now."""
    run = find_run(*catalogue.pseudo_pairs_run("book", "smile_removal", "ours", 0))
    if run is None or not (run.path / ch07.SCORES_FILE).is_file():
        pytest.skip("chapter 07's first stored run or its scores are not in results/")
    cached = json.loads((run.path / ch07.SCORES_FILE).read_text())
    assert cached["key"] == ch07._cache_key(run), f"{run.path}/scores.json is stale; rescore it"
    fresh = ch07.score_run(run, cache=False)
    # float32 networks give results that differ in the sixth decimal between CPUs (their
    # vector kernels sum in another order): a tolerance of 1e-5 still catches any stale score
    for q in ch07.QUANTITIES:
        assert np.allclose(np.asarray(cached["per_image"][q]), fresh[q], rtol=0, atol=1e-5), q
    test_A, _ = build_test_data(run.config)
    assert len(fresh["mse"]) == len(test_A)


def test_grid_and_tradeoff_show_what_is_stored(smoke_run):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = {"ours": ch07.Model("smile_removal", "ours"),
              "never trained": ch07.Model("smile_removal", "ours", netG="unet_32")}
    fig, shown = ch07.translation_grid("smile_removal", models, "smoke", seed=0, n=3)
    assert shown == ["ours"]  # the column without a run is left out
    assert len(fig.axes) == 3 * 3  # input, ours, true counterpart; three rows
    plt.close(fig)
    drawn = ch07.tradeoff("smile_removal", models, "smoke", seeds=(0,), references=False)
    expected = ch07.summarise(ch07.score_run(smoke_run))
    assert list(drawn) == ["ours"]
    assert drawn["ours"] == ([expected["infosim"]], [expected["task_completion"]])
    plt.close("all")
    assert ch07.Model("smile_removal", "ours", netG="unet_32").make("book", 0)[0].endswith(
        "ours-unet-32-seed0")


def test_reference_scores_are_cached_on_disk(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # smoke scale caches there
    ch07.reference_scores.cache_clear()
    try:
        fresh = ch07.reference_scores("smile_removal", "smoke")
        path = (tmp_path / "i2i-smoke-results" / "07_pseudo_pairs"
                / ch07.REFERENCE_FILE.format(task="smile_removal"))
        assert path.is_file() and path.stat().st_size < 50_000
        ch07.reference_scores.cache_clear()

        def recompute(*args):
            raise AssertionError("the cached reference scores were not used")

        monkeypatch.setattr(ch07, "_reference_scores", recompute)
        cached = ch07.reference_scores("smile_removal", "smoke")
        assert set(cached) == set(fresh) == {ch07.IDENTITY, ch07.BLUR, ch07.TRUTH}
        for name in fresh:
            for q, v in fresh[name].items():
                np.testing.assert_array_equal(cached[name][q], np.asarray(v, dtype=np.float64))
    finally:
        ch07.reference_scores.cache_clear()
