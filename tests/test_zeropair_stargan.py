"""The StarGAN baselines of zero-pair translation (Wang 2020 thesis, Section 4.6.2, Tables
4.4-4.5): shapes for every source and target, modality-specific first and last layers around
shared ones, the target label where the docstring puts it, the classification loss by hand, the
paired version without a cycle and the unpaired one without pairs, resume, the specs and a smoke
run through the runner."""

import math

import pytest
import torch
from test_mmnets import SIZE, K, _weights, batch_of, dataset, inputs  # the same batches

from i2ibook import catalogue
from i2ibook.chapters import ch13_zero_pair as chapter
from i2ibook.runner import train_translation, zero_pair_data
from i2ibook.specs import SpecError, parse_experiment
from i2ilib.nets.mmnets import MODALITIES, MMNetArchitecture, one_hot_labels
from i2ilib.nets.stargan_modalities import (
    StarGANModalityDiscriminator,
    StarGANModalityGenerator,
    modality_label_maps,
)
from i2ilib.results import load_or_train
from i2ilib.train.stargan_modalities import (
    STARGAN_TRANSLATIONS,
    StarGANModalityConfig,
    StarGANModalityTrainer,
    stargan_modality_generator_from_config,
)

torch.set_num_threads(1)

CHANNELS = {"R": 3, "D": 1, "S": K}


def arch():
    return MMNetArchitecture(ngf=4, n_levels=2, n_classes=K)


def config(**kw):
    base = dict(ngf=4, n_levels=2, n_classes=K, ndf=4, n_layers_D=2, batch_size=2, steps=6,
                n_critic=2, device="cpu", seed=0)
    base.update(kw)
    return StarGANModalityConfig(**base)


def _as_input(m, x):
    return one_hot_labels(x, K) if m == "S" else x


# ------------------------------------------------------------------------------- networks


def test_every_source_to_every_target_shapes():
    G = StarGANModalityGenerator(arch())
    D = StarGANModalityDiscriminator(arch(), ndf=4, n_layers=2)
    x = inputs()
    for s in MODALITIES:
        for t in MODALITIES:
            y = G(_as_input(s, x[s]), s, t)
            assert y.shape == (2, CHANNELS[t], SIZE, SIZE)
            if t == "R":
                assert float(y.detach().abs().max()) <= 1.0  # tanh
        src, cls = D(_as_input(s, x[s]), s)
        assert src.shape == (2, 1, SIZE // 4, SIZE // 4) and cls.shape == (2, len(MODALITIES))
    t = StarGANModalityTrainer(config())
    for s in MODALITIES:
        for tgt in MODALITIES:
            out = t.translate(s, tgt, x[s])
            assert out.shape == (2, CHANNELS[tgt], SIZE, SIZE)
            if tgt != "S":
                assert float(out.abs().max()) <= 1.0
    # labels in as class ids or as one-hot maps: the same translation
    assert torch.equal(t.translate("S", "D", x["S"]), t.translate("S", "D", one_hot_labels(x["S"],
                                                                                           K)))
    with pytest.raises(ValueError, match="Unknown modality"):
        t.translate("N", "S", x["D"])
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        G(x["R"], "D", "S")


def test_only_the_first_and_last_layers_are_modality_specific():
    G = StarGANModalityGenerator(arch())
    firsts = {m: G.first[m][0] for m in MODALITIES}
    assert {m: c.in_channels for m, c in firsts.items()} == CHANNELS
    assert {m: G.last[m].out_channels for m, c in firsts.items()} == CHANNELS
    # separate weights per modality
    ids = {id(p) for m in MODALITIES for p in (*G.first[m].parameters(), *G.last[m].parameters())}
    n_params = sum(len(list(G.first[m].parameters())) + len(list(G.last[m].parameters()))
                   for m in MODALITIES)
    assert len(ids) == n_params
    # the shared encoder takes ngf + one label channel per modality
    assert G.encoder[0][0].in_channels == 4 + len(MODALITIES)
    x = inputs()
    for s, t in (("R", "S"), ("D", "S"), ("S", "D")):
        G.zero_grad()
        G(_as_input(s, x[s]), s, t).square().mean().backward()
        for m in MODALITIES:
            used_first = any(p.grad is not None and p.grad.abs().sum() > 0
                             for p in G.first[m].parameters())
            used_last = any(p.grad is not None and p.grad.abs().sum() > 0
                            for p in G.last[m].parameters())
            assert used_first == (m == s) and used_last == (m == t), (s, t, m)
        # every shared weight takes part in every translation
        for module in G.shared_modules():
            for name, p in module.named_parameters():
                assert p.grad is not None and p.grad.abs().sum() > 0, (s, t, name)
    D = StarGANModalityDiscriminator(arch(), ndf=4, n_layers=2)
    assert {m: D.first[m][0].in_channels for m in MODALITIES} == CHANNELS
    D.zero_grad()
    D(x["D"], "D")[1].sum().backward()
    assert all(p.grad is None for m in ("R", "S") for p in D.first[m].parameters())
    assert all(p.grad is not None for p in D.shared.parameters())


def test_the_target_label_enters_the_shared_encoder():
    maps = modality_label_maps("D", 2, 3, 3)
    assert maps.shape == (2, 3, 3, 3) and maps[:, 1].eq(1).all() and maps[:, [0, 2]].eq(0).all()
    G = StarGANModalityGenerator(arch()).eval()
    x = inputs()["R"]
    to_s, to_d = G.encode(x, "R", "S"), G.encode(x, "R", "D")
    assert not torch.allclose(to_s.h, to_d.h)  # the code depends on the target
    with torch.no_grad():
        G.encoder[0][0].weight[:, 4:] = 0  # the label channels cut: the target no longer matters
    assert torch.allclose(G.encode(x, "R", "S").h, G.encode(x, "R", "D").h)


# ------------------------------------------------------------------------------- losses


def test_classification_loss_hand_computed():
    t = StarGANModalityTrainer(config())
    logits = torch.tensor([[0.0, math.log(2.0), 0.0], [math.log(3.0), 0.0, 0.0]])
    # modality order R, D, S: the first row is right with probability 2/4, the second 1/5
    assert MODALITIES == ("R", "D", "S")
    expected = (-math.log(2 / 4) - math.log(1 / 5)) / 2
    assert float(t._cls_loss(logits, "D")) == pytest.approx(expected)
    # the critic's D_cls on real images is that loss averaged over the three modalities
    batch = batch_of(dataset())
    reals = t.reals(batch)
    terms = t.critic_terms(batch)  # (the gradient penalty needs gradients)
    with torch.no_grad():
        by_hand = sum(torch.nn.functional.cross_entropy(
            t.D(reals[m], m)[1], torch.full((len(reals[m]),), i)) for i, m in
            enumerate(MODALITIES)) / 3
    assert float(terms["D_cls"].detach()) == pytest.approx(float(by_hand), rel=1e-5)


def _count_calls(trainer):
    calls = []
    forward = trainer.G.forward

    def counting(x, s, t):
        calls.append((s, t))
        return forward(x, s, t)

    trainer.G.forward = counting
    return calls


def test_paired_has_no_cycle_and_unpaired_has_it():
    batch = batch_of(dataset())
    paired = StarGANModalityTrainer(config(paired=True))
    calls = _count_calls(paired)
    terms = paired.generator_terms(batch)
    assert set(terms) == {"G_adv", "G_cls", "PAIR"}
    assert sorted(calls) == sorted(STARGAN_TRANSLATIONS)  # each translation once, none back
    unpaired = StarGANModalityTrainer(config(paired=False))
    calls = _count_calls(unpaired)
    terms = unpaired.generator_terms(batch)
    assert set(terms) == {"G_adv", "G_cls", "REC"}
    assert sorted(calls) == sorted([*STARGAN_TRANSLATIONS, *((t, s) for s, t in
                                                             STARGAN_TRANSLATIONS)])


def _shuffled(batch):
    """The same images, every pair broken: S against R_RS and D against R_RD rolled."""
    return {**batch, "S": batch["S"].roll(1, 0), "D": batch["D"].roll(1, 0)}


def test_the_unpaired_version_never_uses_a_pair_and_the_paired_one_does():
    batch = batch_of(dataset(), n=3)
    for paired in (False, True):
        # He initialisation: outputs that depend on the input (N(0, 0.02) gives nearly constant
        # ones); batch norm from running statistics: per-image outputs
        t = StarGANModalityTrainer(config(paired=paired, init_type="kaiming"))
        t.G.eval()
        torch.manual_seed(0)
        a = {k: float(v.detach()) for k, v in t.generator_terms(batch).items()}
        torch.manual_seed(0)
        b = {k: float(v.detach()) for k, v in t.generator_terms(_shuffled(batch)).items()}
        for k in ("G_adv", "G_cls"):
            assert a[k] == pytest.approx(b[k], rel=1e-5)
        if paired:
            assert a["PAIR"] != pytest.approx(b["PAIR"], rel=1e-3)
        else:
            assert a["REC"] == pytest.approx(b["REC"], rel=1e-5)


def test_paired_term_hand_computed():
    batch = batch_of(dataset())
    t = StarGANModalityTrainer(config(paired=True))
    t.G.eval()
    with torch.no_grad():
        terms = t.generator_terms(batch)
        G = t.G
        y1 = one_hot_labels(batch["S"], K)
        by_hand = (torch.nn.functional.cross_entropy(G(batch["R_RS"], "R", "S"), batch["S"])
                   + (G(y1, "S", "R") - batch["R_RS"]).abs().mean()
                   + chapter_berhu(G(batch["R_RD"], "R", "D"), batch["D"])
                   + (G(batch["D"], "D", "R") - batch["R_RD"]).abs().mean()) / 4
    assert float(terms["PAIR"]) == pytest.approx(float(by_hand), rel=1e-5)


def chapter_berhu(pred, target):
    from i2ilib.losses import berhu_loss

    return berhu_loss(pred, target)


def test_generator_steps_every_n_critic_and_training_moves():
    t = StarGANModalityTrainer(config(n_critic=3, steps=6))
    t.fit(dataset(), progress=False)
    has_g = [("G" in h) for h in t.history]
    assert has_g == [False, False, True, False, False, True]
    assert all(math.isfinite(v) for h in t.history for v in h.values())


# ------------------------------------------------------------------------------- config, resume


def test_config_is_strict_with_stargan_defaults():
    c = StarGANModalityConfig()
    assert (c.lr, c.beta1, c.beta2, c.lambda_cls, c.lambda_rec, c.lambda_gp, c.n_critic,
            c.n_layers_D, c.steps) == (1e-4, 0.5, 0.999, 1.0, 10.0, 10.0, 5, 6, 200_000)
    for bad in (dict(n_critic=0), dict(steps=0), dict(lambda_rec=-1.0), dict(lambda_gp=math.nan),
                dict(n_epochs=3), dict(output_nc=1), dict(n_levels=6), dict(ngf=True)):
        with pytest.raises(ValueError):
            StarGANModalityConfig(**bad)
    with pytest.raises(TypeError):
        StarGANModalityConfig(paired=1)
    with pytest.raises(ValueError, match="Unknown option"):
        StarGANModalityConfig.from_dict({"lambda_cycle": 10.0})
    with pytest.raises(TypeError):
        StarGANModalityTrainer(object())


def test_resume_equals_uninterrupted(tmp_path):
    data = dataset()
    full = StarGANModalityTrainer(config(), tmp_path / "full")
    full.fit(data, progress=False)
    assert full.global_step == 6
    part = StarGANModalityTrainer(config(), tmp_path / "part")
    part.fit(data, max_steps=3, progress=False)  # stops between two generator steps, mid-epoch
    assert part.global_step == 3 and part.step_in_epoch == 1
    resumed = StarGANModalityTrainer(config(), tmp_path / "part")
    resumed.fit(data, progress=False)
    assert resumed.global_step == 6
    a, b = _weights(full), _weights(resumed)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert resumed.history == full.history
    G = stargan_modality_generator_from_config(full.config.to_dict())
    G.load_state_dict(full.generator_state()["G"])


# ------------------------------------------------------------------------------- book layer


def test_catalogue_and_specs():
    names = set()
    for scale in ("smoke", "book", "paper"):
        for paired in (False, True):
            name, cfg = catalogue.zero_pair_stargan_run(scale, paired=paired, seed=1)
            exp, _, trainer = parse_experiment(cfg)
            assert exp.method == f"zp-stargan-{'paired' if paired else 'unpaired'}"
            assert trainer.paired is paired
            # the scenes of M&MNets' run of the same seed
            assert cfg["data"] == catalogue.zero_pair_run(scale, seed=1)[1]["data"]
            names.add(name)
    assert names == {"13_zero_pair_translation/stargan-paired-seed1",
                     "13_zero_pair_translation/stargan-unpaired-seed1"}
    book = catalogue.zero_pair_stargan_run("book", paired=True)[1]["trainer"]
    mm = catalogue.zero_pair_run("book")[1]["trainer"]
    for key in ("ngf", "n_levels", "batch_size", "ndf", "n_layers_D", "n_classes"):
        assert book[key] == mm[key]
    assert book["steps"] == mm["stage1_steps"] + mm["stage2_steps"] == 5000
    # appended after M&MNets' runs, every seed of both versions
    tail = [make("book")[0] for make in catalogue.RUNS["13"][-6:]]
    assert tail == [f"13_zero_pair_translation/stargan-{k}-seed{s}" for s in (0, 1, 2)
                    for k in ("paired", "unpaired")]
    assert set(catalogue.ZERO_PAIR_STARGANS) == {"StarGAN unpaired (pooling indices)",
                                                 "StarGAN paired (pooling indices)"}
    pending = catalogue.pending_runs("book")
    for m, s in catalogue.ZERO_PAIR_STARGAN_PENDING:
        assert catalogue.zero_pair_stargan_run("book", **catalogue.ZERO_PAIR_STARGANS[m],
                                               seed=s)[0] in pending
    name, cfg = catalogue.zero_pair_stargan_run("smoke", paired=True)
    wrong = {**cfg, "trainer": {**cfg["trainer"], "paired": False}}
    with pytest.raises(SpecError, match="paired"):
        parse_experiment(wrong)
    other_data = catalogue.pix2pix_scenes_run("smoke")[1]["data"]
    with pytest.raises(SpecError, match="zero-pair"):
        parse_experiment({**cfg, "data": other_data})


def test_paper_rows_of_the_baselines():
    rows = chapter.stargan_paper_rows()
    assert rows["StarGAN paired (pooling indices)"] == (
        {"mIoU": 8.62, "global": 14.1},
        {"delta1": 0.07, "delta2": 0.15, "delta3": 0.26, "rmse": 4.58, "rmse_log": 1.94})
    assert rows["StarGAN unpaired (pooling indices)"][0] == {"mIoU": 7.21, "global": 10.7}
    assert rows["StarGAN unpaired (pooling indices)"][1]["rmse_log"] == 1.96
    assert set(rows) == set(catalogue.ZERO_PAIR_STARGANS)


@pytest.mark.parametrize("paired", [True, False])
def test_a_smoke_run_end_to_end(tmp_path, monkeypatch, paired):
    monkeypatch.setenv("I2I_RESULTS", str(tmp_path))
    name, cfg = catalogue.zero_pair_stargan_run("smoke", paired=paired)
    run = load_or_train(name, cfg, lambda c: train_translation(c, progress=False), verbose=False)
    m = run.metrics
    assert m["steps"] == cfg["trainer"]["steps"]
    for key in ("D->S", "R->S", "D->R->S"):
        assert 0 <= m[key]["global_acc"] <= 1 and 0 <= m[key]["mean_iou"] <= 1
    for key in ("S->D", "R->D", "S->R->D"):
        assert all(math.isfinite(m[key][k]) for k in chapter.DEPTH_MEASURES)
    assert "RD->S" not in m and "side" not in m
    assert set(run.generator_state()) == {"G"}
    # the sanity check of the chapter takes these metrics as M&MNets'
    baselines = chapter.baseline_scores("smoke", 0)
    assert len(chapter.sanity_check(m, baselines)) == 8
    G = stargan_modality_generator_from_config(run.config["trainer"])
    G.load_state_dict({k: v.float() if v.is_floating_point() else v
                       for k, v in run.generator_state()["G"].items()})
    test = zero_pair_data(cfg["data"])[1].test
    with torch.no_grad():
        assert G.eval()(test["D"], "D", "S").shape[1] == 12


def test_stargan_table_puts_ours_beside_the_thesis():
    from types import SimpleNamespace

    def run(g, iou):
        return SimpleNamespace(metrics={"D->S": {"global_acc": g, "class_acc": 0.2,
                                                 "mean_iou": iou}})

    runs = {"StarGAN paired (pooling indices)": [run(0.6, 0.1), run(0.8, 0.3), None],
            "StarGAN unpaired (pooling indices)": [None, None, None]}
    table = chapter.stargan_table(runs, "D->S").splitlines()
    assert table[2].startswith("| StarGAN paired (pooling indices) | 2 | 0.700 ± 0.141 (0.141)")
    assert "0.200 ± 0.141 (0.0862)" in table[2]
    assert table[3].count("not run") == 3 and "(0.107)" in table[3]
