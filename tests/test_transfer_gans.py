"""TransferGAN and MineGAN (Wang 2020 thesis, chapters 2-3): the WGAN-GP ResNet networks, the
losses on hand-computed cases, initialisation from pretrained runs, the frozen generator under
mining, the selector on a constructed case, the BSA-style baseline, resume and determinism."""

import math

import pytest
import torch
from torch import nn

from i2ilib.losses import (
    auxiliary_classifier_loss,
    gradient_penalty,
    selector_probabilities,
    supersample_max,
    wgan_critic_loss,
    wgan_generator_loss,
)
from i2ilib.nets import Miner, WGANResnetCritic, WGANResnetGenerator, transfer_state
from i2ilib.train import (
    ImageSet,
    WGANConfig,
    WGANTrainer,
    generator_from_config,
    wgan_generator_from_config,
)

SIZE = 16


def config(**kw):
    base = dict(image_size=SIZE, z_dim=8, ngf=4, ndf=4, batch_size=4, n_critic=2, n_epochs=2,
                device="cpu", seed=0)
    base.update(kw)
    return WGANConfig(**base)


def images(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, SIZE, SIZE, generator=g) * 2 - 1


def data(n=8, seed=1, labels=False):
    return ImageSet(images(n, seed), torch.arange(n) % 3 if labels else None)


def _weights(t):
    return {f"{k}.{n}": v.clone() for k, net in t.nets.items() for n, v in net.state_dict().items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


_SOURCES = {}


def source(n_classes=0, seed=0):
    """A small pretrained "gan" run (cached: the tests only read it)."""
    key = (n_classes, seed)
    if key not in _SOURCES:
        t = WGANTrainer(config(n_classes=n_classes, seed=seed))
        t.fit(data(labels=n_classes > 0, seed=10 + seed), max_steps=4, progress=False)
        _SOURCES[key] = t
    return _SOURCES[key]


# ----------------------------------------------------------------------------- networks
@pytest.mark.parametrize("size,blocks", [(16, 2), (32, 3), (64, 4)])
def test_generator_and_critic_shapes(size, blocks):
    G = WGANResnetGenerator(z_dim=8, image_size=size, ngf=2, output_nc=3)
    D = WGANResnetCritic(image_size=size, ndf=2, input_nc=3, n_classes=5)
    x = G(torch.randn(3, 8))
    assert x.shape == (3, 3, size, size) and x.abs().max() <= 1
    assert D(x).shape == (3,)
    score, logits = D.score_and_logits(x)
    assert score.shape == (3,) and logits.shape == (3, 5)
    # one linear layer, the residual blocks, one convolution (thesis Section 2.3.3)
    assert len(G.blocks) == blocks and len(D.blocks) == blocks
    assert isinstance(G.fc, nn.Linear) and isinstance(G.conv, nn.Conv2d)
    assert isinstance(D.conv, nn.Conv2d) and isinstance(D.fc, nn.Linear)


def test_64px_widths_are_wgan_gp():
    G = WGANResnetGenerator(z_dim=128, image_size=64, ngf=64)
    D = WGANResnetCritic(image_size=64, ndf=64)
    assert G.fc.out_features == 4 * 4 * 512
    assert [b.conv2.out_channels for b in G.blocks] == [512, 256, 128, 64]
    assert [b.conv2.out_channels for b in D.blocks] == [128, 256, 512, 512]
    assert D.fc.in_features == 4 * 4 * 512
    assert all(isinstance(m, nn.GroupNorm) and m.num_groups == 1  # layer norm in the critic
               for b in D.blocks for m in (b.norm1, b.norm2))


@pytest.mark.parametrize("conditioning", ["concat", "bnorm"])
def test_conditional_generator_depends_on_the_class(conditioning):
    torch.manual_seed(0)
    G = WGANResnetGenerator(z_dim=8, image_size=16, ngf=2, n_classes=3, conditioning=conditioning)
    with torch.no_grad():
        for p in G.parameters():
            p.add_(0.1 * torch.randn_like(p))  # make the class parameters differ
    G.eval()
    z = torch.randn(2, 8)
    a, b = G(z, torch.tensor([0, 0])), G(z, torch.tensor([1, 2]))
    assert a.shape == (2, 3, 16, 16) and not torch.allclose(a, b)
    with pytest.raises(ValueError, match="pass the labels"):
        G(z)


def test_network_errors_are_clear():
    with pytest.raises(ValueError, match="image_size must be 16, 32 or 64"):
        WGANResnetGenerator(image_size=48)
    with pytest.raises(ValueError, match=r"noise of shape \(N, 8\)"):
        WGANResnetGenerator(z_dim=8, image_size=16, ngf=2)(torch.randn(2, 9))
    with pytest.raises(ValueError, match=r"images of shape \(N, 3, 16, 16\)"):
        WGANResnetCritic(image_size=16, ndf=2)(torch.randn(2, 3, 32, 32))
    with pytest.raises(ValueError, match="conditioning"):
        WGANResnetGenerator(n_classes=2, conditioning="projection")
    with pytest.raises(ValueError, match=r"noise of shape \(N, 4\)"):
        Miner(4)(torch.randn(2, 5))


def test_miner_is_an_mlp_of_width_z():
    M = Miner(16, n_layers=2, generator=torch.Generator().manual_seed(0))
    linears = [m for m in M.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(16, 16), (16, 16)]
    assert M(torch.randn(5, 16)).shape == (5, 16)
    u = torch.randn(4096, 16, generator=torch.Generator().manual_seed(1))
    assert 0.5 < float(M(u).detach().std()) < 2.0  # starts on the scale of the prior N(0, I)
    assert len([m for m in Miner(8, n_layers=4).modules() if isinstance(m, nn.Linear)]) == 4


# ----------------------------------------------------------------------------- losses
def test_wgan_losses_hand_computed():
    d_real, d_fake = torch.tensor([1.0, 3.0]), torch.tensor([[0.0], [2.0], [4.0]])
    # eq. 3.1: E[D(G(z))] - E[D(x)] = 2 - 2
    assert float(wgan_critic_loss(d_real, d_fake)) == pytest.approx(0.0)
    assert float(wgan_critic_loss(torch.tensor([5.0]), torch.tensor([1.0, 2.0]))) == -3.5
    assert float(wgan_generator_loss(torch.tensor([1.0, 2.0, 6.0]))) == -3.0  # eq. 2.4
    with pytest.raises(ValueError, match="critic scores"):
        wgan_generator_loss(torch.zeros(2, 2))


def test_auxiliary_classifier_loss_hand_computed():
    logits = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])
    # -E[log P(C = y | x)]: P = 1/2 for the first, 3/4 for the second
    expected = -(math.log(0.5) + math.log(0.75)) / 2
    assert float(auxiliary_classifier_loss(logits, torch.tensor([1, 0]))) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        auxiliary_classifier_loss(logits, torch.tensor([0, 2]))


class _Linear(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = w

    def forward(self, x):
        return (x * self.w).flatten(1).sum(1)


def test_gradient_penalty_with_a_known_gradient_norm():
    # D(x) = <w, x>: the gradient is w everywhere, ||w|| = 3 -> lambda (3 - 1)^2 = 40
    w = torch.zeros(1, 2, 2)
    w[0, 0, 0], w[0, 1, 1] = 2.0, math.sqrt(5.0)
    gp = gradient_penalty(_Linear(w), torch.randn(4, 1, 2, 2), torch.randn(4, 1, 2, 2),
                          lambda_gp=10.0)
    assert float(gp) == pytest.approx(40.0, rel=1e-5)
    # D(x) = ||x||^2 / 2: the gradient at x_hat is x_hat; real = fake = c fixes x_hat = c.
    c = torch.full((2, 1, 2, 2), 0.25)  # ||c|| = 0.5 -> 10 (0.5 - 1)^2 = 2.5
    gp = gradient_penalty(lambda x: 0.5 * x.pow(2).flatten(1).sum(1), c, c.clone())
    assert float(gp.detach()) == pytest.approx(2.5, rel=1e-5)
    # and it back-propagates into the critic: d/dw of 10 (||w|| - 1)^2 = 20 (1 - 1/||w||) w
    w2 = w.clone().requires_grad_(True)
    gradient_penalty(_Linear(w2), torch.randn(2, 1, 2, 2), torch.randn(2, 1, 2, 2)).backward()
    assert torch.allclose(w2.grad, 20 * (1 - 1 / 3) * w, atol=1e-5)


def test_supersample_max_backpropagates_only_the_winner():
    scores = torch.tensor([[0.1, 0.9, 0.3], [2.0, -1.0, 1.0]], requires_grad=True)  # (K=2, N=3)
    values, winner = supersample_max(scores)
    assert winner.tolist() == [1, 0] and values.tolist() == pytest.approx([0.9, 2.0])
    wgan_generator_loss(values).backward()  # eq. 3.6
    assert scores.grad.tolist() == [[0.0, -0.5, 0.0], [-0.5, 0.0, 0.0]]
    p_hat = selector_probabilities(torch.tensor([1, 0, 1, 1]), 3)
    assert p_hat.tolist() == [0.25, 0.75, 0.0]


class _FilledGenerator(nn.Module):
    """A fixed "generator": an image filled with ``z[:, 0]`` (or with ``constant``)."""

    def __init__(self, constant=None):
        super().__init__()
        self.constant = constant
        self.a = nn.Parameter(torch.ones(()))  # a parameter, so that losses have a graph

    def forward(self, z, y=None):
        v = z[:, 0] if self.constant is None else torch.full_like(z[:, 0], self.constant)
        return (self.a * v)[:, None, None, None].expand(-1, 3, SIZE, SIZE)


class _MeanCritic(nn.Module):
    """A fixed critic: ``D(x) = mean(x)``."""

    def __init__(self):
        super().__init__()
        self.s = nn.Parameter(torch.ones(()))

    def forward(self, x):
        return self.s * x.flatten(1).mean(1)

    def score_and_logits(self, x):
        return self(x), None


class _ShiftedGenerator(_FilledGenerator):
    """A fixed "generator" filled with ``offset + scale * z_0``."""

    def __init__(self, offset, scale):
        super().__init__()
        self.offset, self.scale = offset, scale

    def forward(self, z, y=None):
        v = self.offset + self.scale * z[:, 0]
        return (self.a * v)[:, None, None, None].expand(-1, 3, SIZE, SIZE)


def _constructed_minegan(generators, miners, lr=0.0, **kw):
    """A "minegan" trainer whose generators, miners and critic (``mean(x)``) are replaced."""
    t = WGANTrainer(config(method="minegan", pretrained_G=True, n_sources=len(generators),
                           lr=lr, n_epochs=100, **kw))
    t.generators, t.miners, t.D = nn.ModuleList(generators), nn.ModuleList(miners), _MeanCritic()
    t.nets = {**{f"G_{i}": g for i, g in enumerate(t.generators)},
              **{f"M_{i}": m for i, m in enumerate(t.miners)}, "D": t.D}
    t.optimizers = {"G": torch.optim.Adam([*t.generators.parameters(), *t.miners.parameters()],
                                          lr=lr),
                    "D": torch.optim.Adam(t.D.parameters(), lr=0.0)}
    t.schedulers = {}
    t.sources = [{} for _ in generators]
    return t


def test_only_the_winning_member_receives_gradients():
    """Eq. 3.6: "we only backpropagate from the generated image that obtained the highest critic
    score". G_2's images (about 10) always beat G_1's (about 0) under D(x) = mean(x), so only
    M_2 may change; the generators stay fixed in stage 1."""
    torch.manual_seed(0)
    miners = [nn.Linear(8, 8), nn.Linear(8, 8)]
    before = [{k: v.clone() for k, v in m.state_dict().items()} for m in miners]
    t = _constructed_minegan([_ShiftedGenerator(0.0, 1.0), _ShiftedGenerator(10.0, 0.1)], miners,
                             lr=1e-2, n_critic=1)
    t.fit(data(), max_steps=3, progress=False)
    assert t.selector_p.tolist() == [0.0, 1.0]
    _assert_same(before[0], t.miners[0].state_dict())
    assert not torch.equal(before[1]["weight"], t.miners[1].weight)
    assert all(float(g.a) == 1.0 for g in t.generators)


class _TanhFilledGenerator(_FilledGenerator):
    """A fixed "generator": an image filled with ``tanh(z_0)``."""

    def forward(self, z, y=None):
        return (self.a * torch.tanh(z[:, 0]))[:, None, None, None].expand(-1, 3, SIZE, SIZE)


class _LinearCritic(nn.Module):
    """A trainable linear critic."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3 * SIZE * SIZE, 1)

    def forward(self, x):
        return self.lin(x.flatten(1)).squeeze(1)

    def score_and_logits(self, x):
        return self(x), None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_miner_steers_a_fixed_generator_to_the_target(seed):
    """Eqs. 3.3-3.4 on a constructed case: G fills the image with tanh(z_0) and stays fixed; the
    target images are filled with about 0.5. Only by moving the prior, M(u), can the generated
    images reach the target (a linear critic measures the difference of the means)."""
    torch.manual_seed(seed)
    t = _constructed_minegan([_TanhFilledGenerator()], [Miner(8)], lr=5e-3, n_critic=5,
                             batch_size=16, seed=seed)
    t.D = t.nets["D"] = _LinearCritic()
    t.optimizers["D"] = torch.optim.Adam(t.D.parameters(), lr=5e-3, betas=(0.5, 0.9))
    g = torch.Generator().manual_seed(seed)
    target = ImageSet(0.5 + 0.1 * torch.randn(64, 3, SIZE, SIZE, generator=g))

    def gap():
        x = t.generate(1000, generator=torch.Generator().manual_seed(1))
        return abs(float(x.mean()) - 0.5)

    before = gap()
    t.fit(target, max_steps=500, progress=False)
    assert gap() < 0.1 and gap() < before / 2
    assert float(t.generators[0].a) == 1.0  # the generator is unchanged


def test_selector_recovers_known_proportions_on_a_constructed_case():
    """G_1 fills the image with z_0 ~ N(0, 1), G_2 with the constant Phi^-1(0.75); a critic that
    scores the mean picks G_1 exactly when z_0 > Phi^-1(0.75): p = (0.25, 0.75) (eqs. 3.5-3.6
    and the selector of Section 3.3.3, through the trainer)."""
    q75 = 0.6744897501960817
    # mining_steps=0: the fixed generators' dummy scale takes gradients (lr 0: nothing moves)
    t = _constructed_minegan([_FilledGenerator(), _FilledGenerator(q75)],
                             [nn.Identity(), nn.Identity()], batch_size=64, mining_steps=0)
    t.fit(data(n=64), max_steps=30, progress=False)
    assert t.selector_history.shape == (30, 2)
    assert torch.allclose(t.selector_p, torch.tensor([0.25, 0.75], dtype=torch.float64),
                          atol=0.04)
    _, members = t.generate(4000, generator=torch.Generator().manual_seed(0),
                            return_members=True)
    share = float((members == 0).double().mean())
    assert abs(share - float(t.selector_p[0])) < 0.03  # sampling follows p


def test_selector_averages_the_last_window_of_minibatches():
    t = WGANTrainer(config(method="minegan", pretrained_G=True, n_sources=2, selector_window=3))
    assert t.selector_p.tolist() == [0.5, 0.5]  # uniform before the first minibatch
    for winners in ([0, 0], [1, 1], [0, 1], [1, 1]):
        t._record_selector(torch.tensor(winners))
    assert t.selector_history.shape == (3, 2)  # the first minibatch has left the window
    assert t.selector_p.tolist() == pytest.approx([0.5 / 3, 2.5 / 3])


# ----------------------------------------------------------------------------- pretrained
@pytest.mark.parametrize("pre_G,pre_D", [(False, True), (True, False), (True, True)])
def test_pretrained_initialisation_copies_exactly_the_chosen_networks(pre_G, pre_D):
    src = source()
    scratch = WGANTrainer(config(seed=5))
    t = WGANTrainer(config(seed=5, pretrained_G=pre_G, pretrained_D=pre_D))
    t.start_from_pretrained(src)
    for name, chosen in (("G", pre_G), ("D", pre_D)):
        expected = (src if chosen else scratch).nets[name].state_dict()
        got = t.nets[name].state_dict()
        assert all(torch.equal(got[k], expected[k]) for k in expected), name
    assert t.sources[0]["global_step"] == src.global_step


def test_scratch_run_refuses_a_source_and_a_pretrained_run_needs_one():
    with pytest.raises(ValueError, match="trains from scratch"):
        WGANTrainer(config()).start_from_pretrained(source())
    with pytest.raises(ValueError, match="call start_from_pretrained"):
        WGANTrainer(config(pretrained_D=True)).fit(data(), progress=False)
    with pytest.raises(ValueError, match="other sizes.*ngf: source 4 vs now 8"):
        WGANTrainer(config(ngf=8, pretrained_G=True)).start_from_pretrained(source())
    with pytest.raises(ValueError, match=r"Expected 2 source\(s\)"):
        WGANTrainer(config(method="minegan", pretrained_G=True, n_sources=2)
                    ).start_from_pretrained(source())


@pytest.mark.parametrize("conditioning", ["concat", "bnorm"])
def test_unconditional_source_initialises_an_ac_gan(conditioning):
    """Thesis Section 2.4.1: label weights random (Cond Concat), batch-norm parameters copied to
    every class (Cond BNorm), the auxiliary classifier new."""
    src = source()
    t = WGANTrainer(config(n_classes=3, conditioning=conditioning, pretrained_G=True,
                           pretrained_D=True))
    fresh_fc = t.G.fc.weight.detach().clone()
    report = t.start_from_pretrained(src)
    G_src = src.G.state_dict()
    if conditioning == "concat":
        assert report["G"]["adapted"] == ["fc.weight"]
        assert torch.equal(t.G.fc.weight[:, :8], G_src["fc.weight"])
        assert torch.equal(t.G.fc.weight[:, 8:], fresh_fc[:, 8:])  # the label's weights
    else:
        assert "norm.weight" in report["G"]["adapted"]
        assert torch.equal(t.G.norm.weight, G_src["norm.weight"].expand(3, -1))
        assert torch.equal(t.G.blocks[0].norm1.bias, G_src["blocks.0.norm1.bias"].expand(3, -1))
    assert report["D"]["fresh"] == ["classifier.weight", "classifier.bias"]
    assert torch.equal(t.D.fc.weight, src.D.fc.weight)
    t.fit(data(labels=True), max_steps=2, progress=False)


def test_transfer_state_refuses_a_network_of_another_size():
    G = WGANResnetGenerator(z_dim=8, image_size=16, ngf=4)
    before = {k: v.clone() for k, v in G.state_dict().items()}
    with pytest.raises(ValueError, match="do not fit"):
        transfer_state(G, WGANResnetGenerator(z_dim=8, image_size=32, ngf=4).state_dict())
    _assert_same(before, G.state_dict())  # unchanged


# ----------------------------------------------------------------------------- methods
def test_mining_keeps_the_generator_bit_identical_then_stage_2_fine_tunes_it():
    src = source()
    t = WGANTrainer(config(method="minegan", pretrained_G=True, pretrained_D=True,
                           mining_steps=4, n_epochs=3))
    t.start_from_pretrained(src)
    G0 = {k: v.clone() for k, v in t.nets["G_0"].state_dict().items()}  # weights and BN stats
    M0 = {k: v.clone() for k, v in t.nets["M_0"].state_dict().items()}
    D0 = {k: v.clone() for k, v in t.D.state_dict().items()}
    t.fit(data(), max_steps=4, progress=False)  # stage 1: two miner updates
    _assert_same(G0, t.nets["G_0"].state_dict())
    assert not torch.equal(M0["net.0.weight"], t.nets["M_0"].state_dict()["net.0.weight"])
    assert not torch.equal(D0["fc.weight"], t.D.state_dict()["fc.weight"])
    assert t.stage == 2
    t.fit(data(), max_steps=6, progress=False)  # stage 2 (Section 3.3.4): G trains too
    assert t.global_step == 6
    assert not torch.equal(G0["fc.weight"], t.nets["G_0"].state_dict()["fc.weight"])


def test_bsa_trains_only_the_batch_norm_parameters():
    src = source()
    t = WGANTrainer(config(method="bsa", pretrained_G=True, pretrained_D=True))
    t.start_from_pretrained(src)
    t.fit(data(), max_steps=4, progress=False)
    bn = {id(p) for p in t.G.bn_parameters()}
    names = dict(t.G.named_parameters())
    changed = {k for k, p in names.items() if not torch.equal(p, src.G.state_dict()[k])}
    assert changed and changed <= {k for k, p in names.items() if id(p) in bn}
    assert changed == {k for k, p in names.items() if id(p) in bn}  # every BN parameter moved
    assert not torch.equal(t.D.fc.weight, src.D.fc.weight)  # the critic trains as usual


@pytest.mark.parametrize("kw", [
    {},
    {"n_classes": 3, "conditioning": "bnorm"},
    {"n_classes": 3, "conditioning": "concat"},
    {"method": "minegan", "pretrained_G": True, "pretrained_D": True},
    {"method": "minegan", "pretrained_G": True, "n_sources": 2, "mining_steps": 2},
    {"method": "minegan", "pretrained_G": True, "n_classes": 3},
])
def test_smoke_training_has_finite_losses(kw):
    t = WGANTrainer(config(**kw))
    if kw.get("pretrained_G"):
        n_src, k = kw.get("n_sources", 1), kw.get("n_classes", 0)
        t.start_from_pretrained([source(n_classes=k, seed=s) for s in range(n_src)])
    history = t.fit(data(labels=t.config.conditional_gan), progress=False)
    assert len(history) == 4
    assert all(math.isfinite(v) for h in history for v in h.values())
    assert {"D", "GP", "W"} <= set(history[0]) and "G" not in history[0]
    assert "G" in history[1]  # n_critic = 2
    if t.config.conditional_gan:
        assert {"AC_D", "AC_G"} <= set(history[1])
        images = t.generate(3, y=torch.tensor([0, 1, 2]))
    else:
        images = t.generate(3)
    assert images.shape == (3, 3, SIZE, SIZE) and images.abs().max() <= 1


def test_resume_equals_uninterrupted(tmp_path):
    src = source()

    def make(run_dir, start=True):
        t = WGANTrainer(config(method="minegan", pretrained_G=True, pretrained_D=True,
                               mining_steps=3, n_epochs=3), run_dir)
        if start:
            t.start_from_pretrained(src)
        return t

    full = make(tmp_path / "full")
    full.fit(data(), progress=False)  # 3 epochs x 2 steps, stage 2 from step 4
    part = make(tmp_path / "part")
    part.fit(data(), max_steps=3, progress=False)  # stops in stage 1, mid-epoch
    resumed = make(tmp_path / "part", start=False)
    resumed.fit(data(), progress=False)
    assert resumed.global_step == full.global_step == 6
    _assert_same(_weights(full), _weights(resumed))
    assert resumed.history == full.history
    assert torch.equal(resumed.selector_history, full.selector_history)
    assert resumed.sources == full.sources


def test_same_seed_same_run_other_seed_differs():
    def run(seed):
        t = WGANTrainer(config(seed=seed, n_classes=3))
        t.fit(data(labels=True), max_steps=4, progress=False)
        return t

    a, b, c = run(0), run(0), run(1)
    _assert_same(_weights(a), _weights(b))
    assert a.history == b.history
    assert not torch.equal(a.G.fc.weight, c.G.fc.weight)


# ----------------------------------------------------------------------------- configuration
def test_config_is_strict_and_validated():
    with pytest.raises(ValueError, match="Unknown option.*lambda_cyc"):
        WGANConfig.from_dict({"lambda_cyc": 10.0})
    c = config(method="minegan", pretrained_G=True, n_sources=3, mining_steps=5)
    assert WGANConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="pretrained_G=True"):
        WGANConfig(method="bsa")
    with pytest.raises(ValueError, match="method='minegan' only"):
        WGANConfig(n_sources=2)
    with pytest.raises(ValueError, match="Unknown method"):
        WGANConfig(method="vae")
    with pytest.raises(ValueError, match="n_critic must be an integer >= 1"):
        WGANConfig(n_critic=0)
    with pytest.raises(ValueError, match="family of its classes"):
        WGANConfig(method="minegan", pretrained_G=True, n_classes=3, n_sources=2)
    d = WGANConfig()  # TransferGAN's defaults (thesis Section 2.3.3, WGAN-GP's standard values)
    assert (d.lr, d.beta1, d.beta2, d.n_critic, d.lambda_gp, d.batch_size, d.image_size,
            d.z_dim) == (1e-4, 0.0, 0.9, 5, 10.0, 64, 64, 128)


def test_batches_are_checked():
    t = WGANTrainer(config(n_classes=3))
    with pytest.raises(KeyError, match="key 'x'"):
        t.check_batch({"A": images(2, 0)})
    with pytest.raises(ValueError, match=r"shape \(N, 3, 16, 16\)"):
        t.check_batch({"x": torch.zeros(2, 3, 32, 32), "y": torch.zeros(2, dtype=torch.long)})
    with pytest.raises(KeyError, match="labels 'y'"):
        t.check_batch({"x": images(2, 0)})
    with pytest.raises(ValueError, match=r"labels in \[0, 3\)"):
        t.check_batch({"x": images(2, 0), "y": torch.tensor([0, 3])})


def test_stored_networks_rebuild_from_the_configuration():
    src = source()
    t = WGANTrainer(config(method="minegan", pretrained_G=True))
    t.start_from_pretrained(src)
    state = t.generator_state()
    assert set(state) == {"G_0", "M_0"}
    for name, weights in state.items():
        net = wgan_generator_from_config(t.config.to_dict(), name)
        net.load_state_dict(weights)
    G = generator_from_config(src.config.to_dict(), "G")
    G.load_state_dict(src.generator_state()["G"])
    assert isinstance(G, WGANResnetGenerator)


# ----------------------------------------------------------------------------- IW metric
def test_independent_wasserstein_on_images_separates_shifted_sets():
    from i2ilib.metrics import independent_wasserstein_images

    ref = images(64, 2) * 0.5
    same = images(64, 3) * 0.5
    far = (images(64, 4) * 0.5 + 0.8).clamp(-1, 1)
    kw = dict(ndf=2, n_steps=40, batch_size=16, lr=1e-3)
    iw_same = independent_wasserstein_images(ref, same, **kw)
    iw_far = independent_wasserstein_images(ref, far, **kw)
    assert iw_far.value > iw_same.value + 0.2 and abs(iw_same.value) < 0.1
    assert iw_far.table_value == -iw_far.value  # the thesis's sign: higher is better
    again = independent_wasserstein_images(ref, far, **kw)
    assert again.value == iw_far.value  # deterministic by seed
    with pytest.raises(ValueError, match="same image shape"):
        independent_wasserstein_images(ref, torch.zeros(8, 1, SIZE, SIZE), **kw)


def test_the_command_line_refuses_a_gan_checkpoint_with_a_clear_error(tmp_path, capsys):
    from PIL import Image

    from i2ilib.cli import main

    t = WGANTrainer(config(), tmp_path / "run")
    t.fit(data(), max_steps=1, progress=False)
    img = tmp_path / "x.png"
    Image.new("RGB", (SIZE, SIZE)).save(img)
    status = main(["translate", "--checkpoint", str(t.checkpoint_path), str(img), "--out",
                   str(tmp_path / "out"), "--device", "cpu"])
    assert status == 1 and "WGANTrainer.generate(n)" in capsys.readouterr().err


def test_an_epoch_that_ends_while_the_generator_sits_out_warns_nothing():
    """With five critic steps per generator step, the first epoch (2 batches) ends before the
    generator's optimizer (the miner's, while mining) has stepped; the epoch's scheduler step
    must not print torch's "lr_scheduler.step() before optimizer.step()" warning to a reader."""
    import warnings

    t = WGANTrainer(config(method="minegan", pretrained_G=True, pretrained_D=True, n_critic=5,
                           mining_steps=10, n_epochs=3))
    t.start_from_pretrained(source())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t.fit(data(), max_steps=6, progress=False)  # three epochs of 2 batches, all mining
    assert t.epoch == 3 and t.stage == 1
