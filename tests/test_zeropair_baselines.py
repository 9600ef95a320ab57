"""Chapter 13's baselines of Tables 4.4-4.5: 2x pix2pix through RGB and CycleGAN between depth and
segmentation. Shapes and the translation contract, the losses on a hand-computed case, what data
each may see, resumption bit for bit, strict configurations, and a smoke-scale run end to end
through the runner."""

import copy
import math

import pytest
import torch
from torch import nn

from i2ibook import catalogue
from i2ibook.chapters import ch13_zero_pair as chapter
from i2ibook.runner import train_translation, zero_pair_data
from i2ibook.specs import SpecError, parse_experiment
from i2ilib.data.zeropair import ZeroPairDataset
from i2ilib.results import load_or_train
from i2ilib.train.zeropair_cyclegan import ZeroPairCycleGANConfig, ZeroPairCycleGANTrainer
from i2ilib.train.zeropair_pix2pix import ZeroPairPix2PixConfig, ZeroPairPix2PixTrainer

torch.set_num_threads(1)

TINY = dict(netG="unet_32", ngf=4, ndf=4, n_layers_D=2, netD="n_layers", batch_size=2,
            steps=4, n_classes=12)
KINDS = [(ZeroPairPix2PixConfig, ZeroPairPix2PixTrainer),
         (ZeroPairCycleGANConfig, ZeroPairCycleGANTrainer)]


def _data(n=4, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    rs = {"R": torch.rand(n, 3, size, size, generator=g) * 2 - 1,
          "S": torch.randint(0, 12, (n, size, size), generator=g)}
    rd = {"R": torch.rand(n, 3, size, size, generator=g) * 2 - 1,
          "D": torch.rand(n, 1, size, size, generator=g) * 2 - 1}
    return ZeroPairDataset(rs, rd)


def _batch(ds, n=2):
    return {k: torch.stack([ds[i][k] for i in range(n)]) for k in ds[0]}


@pytest.mark.parametrize("cfg,trainer_cls", KINDS)
def test_shapes_and_the_translation_contract(cfg, trainer_cls):
    t = trainer_cls(cfg(**TINY))
    b = _batch(_data())
    s = t.translate("D", "S", b["D"])
    d = t.translate("S", "D", b["S"])
    assert s.shape == (2, 12, 32, 32) and d.shape == (2, 1, 32, 32)
    assert float(d.abs().max()) <= 1
    # labels as ids or as one-hot maps give the same depth
    onehot = torch.nn.functional.one_hot(b["S"], 12).permute(0, 3, 1, 2).float()
    assert torch.allclose(t.translate("S", "D", onehot), d)
    # segmentation scores are not squashed by a tanh
    assert trainer_cls.generators["G_DS" if "G_DS" in trainer_cls.generators else "G_RS"][1] == "S"
    assert not isinstance(t.nets[next(k for k, (_, o) in t.generators.items() if o == "S")]
                          .model.model[-1], nn.Tanh)
    with pytest.raises(ValueError, match="Unknown modality"):
        t.translate("X", "S", b["D"])
    with pytest.raises(ValueError, match="takes"):
        t.translate("D", "S", b["R_RS"])
    if trainer_cls is ZeroPairCycleGANTrainer:
        with pytest.raises(ValueError, match="does not translate R->S"):
            t.translate("R", "S", b["R_RS"])
    else:
        assert t.translate("R", "S", b["R_RS"]).shape == (2, 12, 32, 32)
        assert t.translate("D", "R", b["D"]).shape == (2, 3, 32, 32)
        # the unseen pair goes through RGB
        assert torch.allclose(t.translate("D", "S", b["D"]),
                              t.translate("R", "S", t.translate("D", "R", b["D"])), atol=1e-6)


class _Const(nn.Module):
    """A network whose output is a constant of the given channels (with a zero-valued, trainable
    term, so the loss has a graph)."""

    def __init__(self, channels, value=0.0, size=None):
        super().__init__()
        self.channels, self.value, self.size = channels, value, size
        self.w = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        h, w = (x.shape[-2:] if self.size is None else (self.size, self.size))
        return torch.full((x.shape[0], self.channels, h, w), self.value) + self.w


def test_pix2pix_losses_on_a_hand_computed_case():
    t = ZeroPairPix2PixTrainer(ZeroPairPix2PixConfig(**TINY))
    t.nets.update(G_DR=_Const(3), G_SR=_Const(3), G_RD=_Const(1), G_RS=_Const(12),
                  C_DR=_Const(1, size=2), C_SR=_Const(1, size=2))
    b = _batch(_data())
    b["R_RD"] = torch.full_like(b["R_RD"], 0.5)
    b["R_RS"] = torch.full_like(b["R_RS"], -0.5)
    b["D"] = torch.full_like(b["D"], 0.5)
    out = t.train_step(b)
    # vanilla GAN on zero logits: log 2; L1 of 0 against +-0.5: 0.5; CE of flat scores: log 12;
    # Berhu of a constant difference 0.5: c = 0.1, (0.25 + 0.01) / 0.2 = 1.3
    want = {"GAN_DR": math.log(2), "GAN_SR": math.log(2), "L1_DR": 0.5, "L1_SR": 0.5,
            "SEG": math.log(12), "DEPTH": 1.3, "D_DR": math.log(2), "D_SR": math.log(2)}
    for k, v in want.items():
        assert out[k] == pytest.approx(v, rel=1e-5), k
    total = 2 * math.log(2) + 100 * (0.5 + 0.5) + 10 * 1.3 + 100 * math.log(12)
    assert out["total"] == pytest.approx(total, rel=1e-5)


def test_cyclegan_losses_on_a_hand_computed_case():
    t = ZeroPairCycleGANTrainer(ZeroPairCycleGANConfig(**TINY))
    t.nets.update(G_DS=_Const(12), G_SD=_Const(1), C_S=_Const(1, size=2), C_D=_Const(1, size=2))
    b = _batch(_data())
    b["D"] = torch.full_like(b["D"], 0.5)
    out = t.train_step(b)
    # least squares on zero outputs: generators (0 - 1)^2 = 1; discriminators 1/2 (1 + 0);
    # D -> S -> D: L1 of 0 against 0.5; S -> D -> S: CE of flat scores, log 12
    want = {"GAN_DS": 1.0, "GAN_SD": 1.0, "CYC_D": 0.5, "CYC_S": math.log(12), "D_S": 0.5,
            "D_D": 0.5}
    for k, v in want.items():
        assert out[k] == pytest.approx(v, rel=1e-5), k
    assert out["total"] == pytest.approx(2 + 10 * (0.5 + math.log(12)), rel=1e-5)


class _Recording(dict):
    """A batch that records which keys are read."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def test_cyclegan_reads_depth_and_segmentation_only_never_a_pair():
    t = ZeroPairCycleGANTrainer(ZeroPairCycleGANConfig(**TINY))
    b = _Recording(_batch(_data()))
    t.train_step(b)
    assert b.read == {"S", "D"}
    # and in the book's data the labels and the depth of a batch item are of different scenes
    spec = catalogue.zero_pair_baseline_run("smoke", "zp-cyclegan")[1]["data"]
    train, scenes = zero_pair_data(spec)
    n = spec["n_train"]
    for i in range(n):
        assert torch.equal(train[i]["S"], scenes.rs["S"][i])
        assert torch.equal(train[i]["D"], scenes.rd["D"][i])
    assert not any(torch.equal(scenes.rs["R"][i], scenes.rd["R"][j])
                   for i in range(n) for j in range(n))


def test_2x_pix2pix_never_couples_depth_and_segmentation():
    """Changing the depth of a batch leaves every network of the segmentation side (R <-> S) as
    it was, bit for bit, and changing the labels leaves the depth side: no loss sees a (D, S)
    pair."""
    ds = _data()
    other = _data(seed=5)

    def trained(change):
        t = ZeroPairPix2PixTrainer(ZeroPairPix2PixConfig(**TINY))
        for step in range(3):
            b = _batch(ds)
            if change:
                b[change] = _batch(other)[change]
            t.train_step(b)
        return {k: copy.deepcopy(n.state_dict()) for k, n in t.nets.items()}

    base, new_d, new_s = trained(None), trained("D"), trained("S")

    def same(a, b):
        return all(torch.equal(a[k], b[k]) for k in a)

    for side, changed, kept in (("D", new_d, ("G_RS", "G_SR", "C_SR")),
                                ("S", new_s, ("G_DR", "G_RD", "C_DR"))):
        assert all(same(base[k], changed[k]) for k in kept), side
        moved = [k for k in base if k not in kept]
        assert not any(same(base[k], changed[k]) for k in moved), side


@pytest.mark.parametrize("cfg,trainer_cls", KINDS)
def test_resume_equals_uninterrupted(cfg, trainer_cls, tmp_path):
    ds = _data(n=6)
    c = cfg(**{**TINY, "steps": 6})
    whole = trainer_cls(c)
    whole.fit(ds, progress=False)
    first = trainer_cls(c, run_dir=tmp_path)
    first.fit(ds, max_steps=3, progress=False)
    assert first.global_step == 3
    second = trainer_cls(c, run_dir=tmp_path)
    second.fit(ds, progress=False)
    assert second.global_step == whole.global_step == 6
    for k, net in whole.nets.items():
        for name, v in net.state_dict().items():
            assert torch.equal(v, second.nets[k].state_dict()[name]), (k, name)
    assert [h["total"] for h in second.history] == [h["total"] for h in whole.history]


@pytest.mark.parametrize("cfg", [ZeroPairPix2PixConfig, ZeroPairCycleGANConfig])
def test_configurations_are_strict(cfg):
    for bad in (dict(netG="resnet_9blocks"), dict(steps=0), dict(n_epochs=5),
                dict(output_nc=1), dict(n_classes=1), dict(steps=1.5), dict(lr=-1.0)):
        with pytest.raises(ValueError):
            cfg(**{**TINY, **bad})
    with pytest.raises(ValueError, match="Unknown option"):
        cfg.from_dict({"lambda_cycle": 1.0})
    with pytest.raises(ValueError, match="gan_mode"):
        cfg(**{**TINY, "gan_mode": "hinge"})
    with pytest.raises(TypeError):
        (ZeroPairCycleGANTrainer if cfg is ZeroPairPix2PixConfig
         else ZeroPairPix2PixTrainer)(cfg(**TINY))


def test_catalogue_runs_share_mmnets_data_and_budget():
    for scale in ("smoke", "book", "paper"):
        mm = catalogue.zero_pair_run(scale, seed=1)[1]
        for label, method in catalogue.ZERO_PAIR_BASELINES.items():
            name, config = catalogue.zero_pair_baseline_run(scale, method, seed=1)
            assert name == f"13_zero_pair_translation/{method}-seed1"
            exp, _, tcfg = parse_experiment(config)
            assert exp.method == method and label in chapter.PAPER_ROW
            assert tcfg.steps == mm["trainer"]["stage1_steps"] + mm["trainer"]["stage2_steps"]
            assert tcfg.batch_size == mm["trainer"]["batch_size"] == 6
            if scale != "smoke":
                assert config["data"] == mm["data"]
    book = catalogue.zero_pair_baseline_run("book", "zp-2xpix2pix")[1]["trainer"]
    assert (book["steps"], book["ngf"], book["netG"]) == (5000, 16, "unet_32")
    names = {make("book")[0] for make in catalogue.RUNS["13"]}
    assert names >= {f"13_zero_pair_translation/{m}-seed{s}" for s in catalogue.ZERO_PAIR_SEEDS
                     for m in catalogue.ZERO_PAIR_BASELINES.values()}
    with pytest.raises(ValueError, match="Unknown zero-pair baseline"):
        catalogue.zero_pair_baseline_run("book", "pix2pix")
    # the baselines train on zero-pair scenes only
    _, config = catalogue.zero_pair_baseline_run("smoke", "zp-cyclegan")
    _, scenes = catalogue.pix2pix_scenes_run("smoke")
    with pytest.raises(SpecError, match="zero-pair scenes"):
        parse_experiment(dict(config, data=scenes["data"]))


@pytest.mark.parametrize("method", ["zp-2xpix2pix", "zp-cyclegan"])
def test_smoke_run_end_to_end_through_the_runner(method, tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_RESULTS", str(tmp_path))
    name, config = catalogue.zero_pair_baseline_run("smoke", method)
    run = load_or_train(name, config, lambda c: train_translation(c, progress=False),
                        results_dir=tmp_path, verbose=False)
    m = run.metrics
    assert set(m) == {"D->S", "S->D", "steps"} and m["steps"] == config["trainer"]["steps"]
    assert set(m["D->S"]) >= {"global_acc", "mean_iou", "class_acc"}
    assert set(m["S->D"]) >= {"delta1", "rmse_log", "rmse"}
    baselines = chapter.baseline_scores("smoke")
    assert len(chapter.sanity_check(m, baselines)) == 8  # the chapter's check takes it
