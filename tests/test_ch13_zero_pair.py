"""Chapter 13 (zero-pair translation): its catalogue configurations and strict specs, the
oracle's data and trainer, the baselines, the sanity check and verdict orientation on constructed
cases, the side-information statistics by hand, and a smoke-scale run end to end."""

import copy
import math
from types import SimpleNamespace

import pytest
import torch

from i2ibook import catalogue
from i2ibook.chapters import ch13_zero_pair as chapter
from i2ibook.papers import wang2018_mmnets as paper
from i2ibook.runner import (
    side_information_statistics,
    train_translation,
    zero_pair_data,
)
from i2ibook.specs import SpecError, ZeroPairData, parse_experiment
from i2ilib.data.synthscenes import render_scenes
from i2ilib.data.zeropair import encode_depth
from i2ilib.results import config_hash, load_or_train
from i2ilib.train.mmnets import MMNetConfig, MMNetOracleTrainer, MMNetTrainer

torch.set_num_threads(1)


def test_chapter_configurations_parse_with_the_strict_specs():
    names = set()
    for scale in ("smoke", "book", "paper"):
        for make in catalogue.RUNS["13"]:
            name, config = make(scale)
            before = (copy.deepcopy(config), config_hash(config))
            exp, data, _ = parse_experiment(config)
            assert isinstance(data, ZeroPairData) and (config, config_hash(config)) == before
            assert exp.method in ("mmnets", "mmnets-oracle", "zp-2xpix2pix", "zp-cyclegan",
                                  "zp-stargan-unpaired", "zp-stargan-paired")
            if scale == "book":
                names.add(name)
    n_models = (len(catalogue.ZERO_PAIR_MODELS) + len(catalogue.ZERO_PAIR_ABLATIONS)
                + len(catalogue.ZERO_PAIR_BASELINES) + len(catalogue.ZERO_PAIR_STARGANS))
    assert len(names) == len(catalogue.RUNS["13"]) == n_models * len(catalogue.ZERO_PAIR_SEEDS)
    # the pilot is trained first, and the four models of a seed share their scenes
    assert catalogue.RUNS["13"][0]("book")[0] == "13_zero_pair_translation/mmnets-indices-seed0"
    datas = {catalogue.zero_pair_run("book", **m, seed=1)[1]["data"]["seed"]
             for m in catalogue.ZERO_PAIR_MODELS.values()}
    assert datas == {1}
    book = catalogue.zero_pair_run("book", pseudo_pairs=True)[1]["trainer"]
    paper_t = catalogue.zero_pair_run("paper", pseudo_pairs=True)[1]["trainer"]
    # the published weights, noise and learning rates at every scale; the paper's schedule
    for key in ("lambda_S", "lambda_D", "lambda_PP", "noise_std", "lr", "lr_stage3", "batch_size"):
        assert book[key] == paper_t[key] == getattr(MMNetConfig(), key)
    assert (paper_t["stage1_steps"], paper_t["stage2_steps"], paper_t["stage3_steps"]) == (
        paper.SCHEDULE["stage1_iterations"], paper.SCHEDULE["stage2_iterations"],
        paper.SCHEDULE["stage3_iterations"])
    assert (paper_t["ngf"], paper_t["n_levels"]) == (64, 5)
    assert catalogue.zero_pair_run("book", oracle=True)[1]["method"] == "mmnets-oracle"
    assert not catalogue.zero_pair_run("book", oracle=True, pseudo_pairs=True)[1]["trainer"][
        "pseudo_pairs"]
    off = catalogue.zero_pair_run("book", autoencoders=False, noise=False)
    assert off[0].endswith("mmnets-indices-no-autoencoders-no-noise-seed0")
    assert off[1]["trainer"]["noise_std"] == 0.0 and not off[1]["trainer"]["autoencoders"]


def test_specs_refuse_what_would_train_something_else():
    _, config = catalogue.zero_pair_run("smoke")
    with pytest.raises(SpecError, match="zero-pair scenes"):
        parse_experiment(dict(config, method="pix2pix",
                              trainer={"netG": "unet_64"}))
    _, scenes = catalogue.pix2pix_scenes_run("smoke")
    with pytest.raises(SpecError, match="zero-pair scenes"):
        parse_experiment(dict(config, data=scenes["data"]))
    with pytest.raises(SpecError, match="depth_encoding"):
        parse_experiment(dict(config, data=dict(config["data"], depth_encoding="inverse")))
    with pytest.raises(SpecError, match="n_trian"):
        parse_experiment(dict(config, data=dict(config["data"], n_trian=3)))


def test_the_oracle_sees_true_pairs_and_mmnets_never_do():
    spec = catalogue.zero_pair_run("smoke")[1]["data"]
    train, _ = zero_pair_data(spec)
    oracle, _ = zero_pair_data(spec, oracle=True)
    truth = render_scenes(2 * spec["n_train"], spec["size"], spec["seed"], "train")
    n = spec["n_train"]
    assert len(oracle) == 2 * n and len(train) == n
    for i in (0, n - 1, n, 2 * n - 1):
        item = oracle[i]
        assert torch.equal(item["S"], torch.from_numpy(truth["labels"][i].copy()))
        assert torch.allclose(item["D"][0], encode_depth(truth["depth"][i], "log"))
        assert torch.equal(item["R_RS"], item["R_RD"])  # one scene
    # M&MNets: the labels come from the first n scenes, the depth from the other n
    for i in range(n):
        item = train[i]
        assert torch.equal(item["S"], torch.from_numpy(truth["labels"][i].copy()))
        assert torch.allclose(item["D"][0], encode_depth(truth["depth"][n + i], "log"))


def test_the_oracle_trains_only_the_unseen_translators():
    spec = catalogue.zero_pair_run("smoke")[1]["data"]
    data, _ = zero_pair_data(spec, oracle=True)
    t = MMNetOracleTrainer(MMNetConfig(ngf=4, n_levels=2, ndf=4, n_layers_D=2, n_classes=12,
                                       batch_size=4, stage1_steps=3, stage2_steps=0, seed=0))
    before = {k: copy.deepcopy(m.state_dict()) for k, m in t.nets.items()}
    t.fit(data, progress=False)
    moved = {k: any(not torch.equal(v, t.nets[k].state_dict()[n]) for n, v in s.items()
                    if v.is_floating_point()) for k, s in before.items()}
    assert moved == {"f_R": False, "g_R": False, "f_D": True, "g_D": True, "f_S": True,
                     "g_S": True, "C": False}
    assert t.global_step == 3 and set(t.history[-1]) >= {"SEG", "DEPTH", "total"}


def _metrics(seg=(0.8, 0.3, 0.25), depth=(0.6, 0.8, 0.9, 30.0, 0.5)):
    return {"D->S": dict(zip(("global_acc", "class_acc", "mean_iou"), seg)),
            "S->D": dict(zip(("delta1", "delta2", "delta3", "rmse", "rmse_log"), depth))}


BASELINES = {"D->S": {"class prior": dict(global_acc=0.4, class_acc=0.08, mean_iou=0.03),
                      "per-pixel majority": dict(global_acc=0.75, class_acc=0.25, mean_iou=0.2)},
             "S->D": {"mean depth": dict(delta1=0.1, delta2=0.2, delta3=0.3, rmse=90.0,
                                         rmse_log=1.5),
                      "per-pixel mean depth": dict(delta1=0.58, delta2=0.7, delta3=0.8,
                                                   rmse=57.0, rmse_log=0.58)}}


def test_sanity_check_on_constructed_cases():
    assert chapter.passes(chapter.sanity_check(_metrics(), BASELINES))
    # below the layout baseline in global accuracy: fails, and says which check
    checks = chapter.sanity_check(_metrics(seg=(0.74, 0.3, 0.25)), BASELINES)
    failed = [c.name for c in checks if not c.passed]
    assert failed == ["depth -> segmentation beats per-pixel majority in global accuracy"]
    # a depth error above the per-pixel mean depth's (lower is better): fails
    checks = chapter.sanity_check(_metrics(depth=(0.6, 0.8, 0.9, 30.0, 0.6)), BASELINES)
    assert [c.name for c in checks if not c.passed] == [
        "segmentation -> depth beats per-pixel mean depth in RMSE (log)"]
    assert chapter.better("rmse", 1.0, 2.0) and not chapter.better("mean_iou", 1.0, 2.0)


def test_paired_differences_are_oriented_and_verdicts_follow():
    def run(seg, depth):
        return SimpleNamespace(metrics=_metrics(seg=seg, depth=depth))

    good = [run((0.8, 0.3, 0.30 + 0.01 * i), (0.6, 0.8, 0.9, 30.0, 0.40 + 0.01 * i))
            for i in range(3)]
    worse = [run((0.8, 0.3, 0.25 + 0.012 * i), (0.6, 0.8, 0.9, 30.0, 0.50 + 0.009 * i))
             for i in range(3)]
    d = chapter.paired_differences(good, worse, "D->S", "mean_iou")
    assert d == pytest.approx([0.05, 0.048, 0.046])
    r = chapter.paired_differences(good, worse, "S->D", "rmse_log")
    assert r == pytest.approx([0.10, 0.099, 0.098])  # lower error counts as positive
    per_seed = [BASELINES] * 3
    v = chapter.verdict("indices_beat_skip", "a beats b", ("a", good), ("b", worse), per_seed)
    assert v.verdict == "reproduced"
    v = chapter.verdict("indices_beat_skip", "b beats a", ("b", worse), ("a", good), per_seed)
    assert v.verdict == "contradicted"
    failing = [run((0.5, 0.1, 0.1), (0.6, 0.8, 0.9, 30.0, 0.4))] + good[1:]
    v = chapter.verdict("indices_beat_skip", "a beats b", ("a", failing), ("b", worse), per_seed)
    assert v.verdict == "inconclusive" and "a seed 0 fails" in v.evidence


def test_ablation_verdicts_check_only_the_model_put_ahead():
    def run(seg, depth=(0.6, 0.8, 0.9, 30.0, 0.5)):
        return SimpleNamespace(metrics=_metrics(seg=seg, depth=depth))

    per_seed = [BASELINES] * 3
    works = [run((0.8, 0.3, 0.30 + 0.01 * i)) for i in range(3)]
    broken = [run((0.5, 0.1, 0.05 + 0.01 * i)) for i in range(3)]  # below the layout
    assert not any(chapter.passing(broken, per_seed)) and all(chapter.passing(works, per_seed))
    runs = {m: works for m in chapter.ablation_runs("smoke")}
    runs[chapter.NONE] = broken
    claims = chapter.ablation_claims(runs)
    # the thesis's differences of the same rows of Tables 4.2-4.3, as shares
    assert [round(c["paper_effect"], 4) for c in claims] == [0.134, 0.171, 0.1382, 0.255, 0.009]
    assert all(c["check_b"] is False for c in claims)
    first = chapter.verdict(**claims[0], baselines=per_seed)  # indices (works) vs none (broken)
    assert first.verdict == "reproduced"
    second = chapter.verdict(**claims[1], baselines=per_seed)  # none (broken) put ahead of skip
    assert second.verdict == "inconclusive" and "no side information seed 0 fails" in (
        second.evidence)
    # the main claims still check both models
    both = chapter.verdict("pseudo_pairs_help", "a beats b", ("a", works), ("b", broken),
                           per_seed)
    assert both.verdict == "inconclusive" and "b seed 0 fails" in both.evidence
    table = chapter.ablation_table(runs, per_seed, "4.3")
    assert table.count("\n") == 2 + len(chapter.TABLE4_3_ROWS) - 1
    assert "(0.065)" in table and "3 of 3" in table
    assert "0 of 3" in chapter.ablation_table(runs, per_seed, "4.2")


def test_baseline_claims_take_every_baseline_and_check_both_models():
    def run(seg, depth=(0.6, 0.8, 0.9, 30.0, 0.5)):
        return SimpleNamespace(metrics=_metrics(seg=seg, depth=depth))

    per_seed = [BASELINES] * 3
    mmnets = {chapter.PI: [run((0.8, 0.3, 0.30 + 0.01 * i)) for i in range(3)]}
    cascade = [run((0.8, 0.3, 0.25 + 0.01 * i), (0.6, 0.8, 0.9, 30.0, 0.45)) for i in range(3)]
    stargan = [run((0.5, 0.1, 0.05 + 0.01 * i)) for i in range(3)]  # below the layout
    claims = chapter.baseline_claims(mmnets, {"2x pix2pix (skip connections)": cascade,
                                              "StarGAN paired (pooling indices)": stargan})
    assert [(c["b"][0], c["direction"]) for c in claims] == [
        ("2x pix2pix (skip connections)", "D->S"), ("2x pix2pix (skip connections)", "S->D"),
        ("StarGAN paired (pooling indices)", "D->S"),
        ("StarGAN paired (pooling indices)", "S->D")]
    # the thesis's differences: Table 4.4 mIoU 55.4 - 25.4 and 55.4 - 8.62 points, Table 4.5
    # RMSE (log) 1.28 - 0.67 and 1.94 - 0.67
    assert [round(c["paper_effect"], 4) for c in claims] == [0.30, 0.61, 0.4678, 1.27]
    verdicts = [chapter.verdict(**c, baselines=per_seed) for c in claims]
    assert [v.verdict for v in verdicts[:2]] == ["reproduced", "contradicted"]
    # a baseline that fails its sanity check gives no verdict, whichever side wins
    assert all(v.verdict == "inconclusive" and "StarGAN paired (pooling indices) seed 0 fails"
               in v.evidence for v in verdicts[2:])


def test_baselines_of_the_layout():
    b = chapter.baseline_scores("smoke")
    seg, depth = b["D->S"], b["S->D"]
    assert seg["per-pixel majority"]["global_acc"] >= seg["class prior"]["global_acc"]
    # the class prior predicts one class: its mean class accuracy is 1 / (classes present)
    spec = catalogue.zero_pair_run("smoke")[1]["data"]
    _, scenes = zero_pair_data(spec)
    present = len(torch.unique(scenes.test["S"]))
    assert seg["class prior"]["class_acc"] == pytest.approx(1 / present)
    assert depth["per-pixel mean depth"]["rmse_log"] <= depth["mean depth"]["rmse_log"] + 1e-9
    assert set(depth) == {"mean depth", "per-pixel mean depth",
                          "per-class mean depth (true pairs)"}


def test_side_information_statistics_by_hand():
    t = MMNetTrainer(MMNetConfig(ngf=4, n_levels=2, ndf=4, n_layers_D=2, n_classes=12,
                                 stage1_steps=1, stage2_steps=0, seed=0))
    spec = catalogue.zero_pair_run("smoke")[1]["data"]
    test = zero_pair_data(spec)[1].test
    stats = side_information_statistics(t, test)
    lat = {m: t.latents(m, test[m]) for m in "RDS"}
    for level in range(2):
        expected = float((lat["R"].indices[level] == lat["D"].indices[level]).float().mean())
        assert stats["indices"]["RD"][level] == pytest.approx(expected)
    a, b = lat["D"].h.flatten(1).double(), lat["S"].h.flatten(1).double()
    cos = float(((a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1))).mean())
    assert stats["code"]["DS"] == pytest.approx(cos)
    # an encoder against itself agrees everywhere: f_R's latents stand in for f_D's
    fake = SimpleNamespace(latents=lambda m, x: lat["R"] if m == "D" else lat[m])
    same = side_information_statistics(fake, test)
    assert same["indices"]["RD"] == [1.0, 1.0]
    assert same["features"]["RD"] == pytest.approx([1.0, 1.0])


def test_a_smoke_run_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_RESULTS", str(tmp_path))
    name, config = catalogue.zero_pair_run("smoke", pseudo_pairs=True)
    run = load_or_train(name, config, lambda c: train_translation(c, progress=False),
                        verbose=False)
    m = run.metrics
    assert m["steps"] == 5
    for key in ("D->S", "R->S", "D->R->S", "RD->S"):
        assert 0 <= m[key]["global_acc"] <= 1 and 0 <= m[key]["mean_iou"] <= 1
    for key in ("S->D", "R->D", "S->R->D", "RS->D"):
        assert all(math.isfinite(m[key][k]) for k in chapter.DEPTH_MEASURES)
    assert len(m["side"]["indices"]["RD"]) == config["trainer"]["n_levels"]
    T = chapter.translator(run, "T_DS")
    spec = config["data"]
    test = zero_pair_data(spec)[1].test
    with torch.no_grad():
        assert T(test["D"]).shape == (spec["n_test"], 12, spec["size"], spec["size"])


def test_the_published_numbers_show_the_claims():
    assert paper.TABLE4_2[("indices", False)]["mIoU"] > paper.TABLE4_2[("skip", False)]["mIoU"]
    assert paper.paper_effect_mIoU("M&MNets+PP D->S (PI)", "M&MNets D->S (PI)") == pytest.approx(
        0.047)
    assert (paper.TABLE4_5["M&MNets+PP S->D"]["rmse_log"]
            < paper.TABLE4_5["M&MNets S->D"]["rmse_log"])
    assert paper.TABLE4_4["Oracle D->S (PI)"]["mIoU"] > paper.TABLE4_4["M&MNets D->S (PI)"]["mIoU"]


def test_top_left_indices_carry_no_position():
    like = torch.zeros(2, 3, 2, 2, dtype=torch.long)
    idx = chapter._top_left_indices(like, (4, 4))
    assert idx[0, 0].tolist() == [[0, 2], [8, 10]] and idx.shape == like.shape
    values = torch.arange(1.0, 5.0).view(1, 1, 2, 2)
    out = torch.nn.functional.max_unpool2d(values, idx[:1, :1], 2, 2, output_size=(4, 4))
    assert out[0, 0, ::2, ::2].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert float(out.sum()) == 10.0
