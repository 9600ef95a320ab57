"""OST (Benaim & Wolf 2018): the parts and their sharing, the KL term, the one-shot
augmentations, and the two-phase trainer -- selective backpropagation, resume, determinism."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import i2ilib.train.ost as ost_module
from i2ilib.data import Augmentation, AugmentedUnpaired, AugmentParams
from i2ilib.losses import kl_to_standard_normal
from i2ilib.nets import (
    OSTArchitecture,
    OSTTranslator,
    ResnetGenerator,
    SharedDecoder,
    SharedEncoder,
    UnsharedDecoder,
    UnsharedEncoder,
    define_ost_parts,
)
from i2ilib.train import (
    NonFiniteLossError,
    OSTConfig,
    OSTTrainer,
    generator_from_config,
    load_checkpoint,
    set_requires_grad,
)
from i2ilib.train.ost import frozen

SIZE = 16


def config(**kw):
    base = dict(ngf=4, ndf=4, netD="n_layers", n_layers_D=2, n_blocks_shared=1, n_epochs=1, n_epochs_decay=2,
                batch_size=2, device="cpu", seed=0, pool_size=3)
    base.update(kw)
    return OSTConfig(**base)


def images(n, seed, c=3, size=SIZE):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, c, size, size, generator=g) * 2 - 1


def phase1_data(n=4):
    return AugmentedUnpaired(None, images(n, 1), seed=0)


def phase2_data(n_A=1, n_B=4):
    return AugmentedUnpaired(images(n_A, 2), images(n_B, 1), seed=0)


def trained_phase1(steps=2, **kw):
    t = OSTTrainer(config(phase=1, **kw))
    t.fit(phase1_data(), max_steps=steps, progress=False)
    return t


def phase2(phase1=None, run_dir=None, **kw):
    t = OSTTrainer(config(phase=2, **kw), run_dir)
    t.start_from_phase1(phase1 if phase1 is not None else trained_phase1())
    return t


def _weights(trainer):
    return {f"{n}.{k}": v.clone() for n, net in trainer.nets.items()
            for k, v in net.state_dict().items()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs"


def _params(module):
    return {k: p.detach().clone() for k, p in module.named_parameters()}


# --------------------------------------------------------------------------- networks
@pytest.mark.parametrize("n_unshared", [0, 1, 2])
def test_parts_shapes(n_unshared):
    arch = OSTArchitecture(ngf=4, n_downsampling=2, n_unshared=n_unshared, n_blocks_shared=1)
    parts = define_ost_parts(1, 3, arch)
    x_A, x_B = torch.randn(2, 1, 32, 32), torch.randn(2, 3, 32, 32)
    h = parts["E_A_U"](x_A)
    s = 2**n_unshared
    assert h.shape == (2, 4 * s, 32 // s, 32 // s) == (2, arch.unshared_channels, 32 // s, 32 // s)
    mu = parts["E_S"](h)
    assert mu.shape == (2, arch.latent_channels, 8, 8) == (2, 16, 8, 8)
    assert parts["G_S"](mu).shape == h.shape
    assert parts["G_A_U"](parts["G_S"](mu)).shape == (2, 1, 32, 32)
    T_AB = OSTTranslator(parts["E_A_U"], parts["E_S"], parts["G_S"], parts["G_B_U"], arch)
    T_BA = OSTTranslator(parts["E_B_U"], parts["E_S"], parts["G_S"], parts["G_A_U"], arch)
    out = T_AB(x_A)
    assert out.shape == (2, 3, 32, 32) and out.abs().max() <= 1
    assert T_BA(x_B).shape == (2, 1, 32, 32)
    assert T_AB.encode(x_A).shape == (2, 16, 8, 8)


def test_parts_are_the_resnet_generator_cut_in_four():
    # Without unshared residual blocks, E_U -> E_S -> G_S -> G_U is CycleGAN's ResNet
    # generator with 2 n_blocks_shared blocks, layer for layer.
    arch = OSTArchitecture(ngf=4, n_unshared=1, n_blocks_shared=2)
    torch.manual_seed(0)
    resnet = ResnetGenerator(3, 3, ngf=4, n_blocks=4)
    parts = [UnsharedEncoder(3, arch), SharedEncoder(arch), SharedDecoder(arch),
             UnsharedDecoder(3, arch)]
    ours = [p for part in parts for p in part.parameters()]
    theirs = list(resnet.parameters())
    assert [p.shape for p in ours] == [p.shape for p in theirs]
    with torch.no_grad():
        for a, b in zip(ours, theirs):
            a.copy_(b)
    x = torch.randn(2, 3, 32, 32)
    T = OSTTranslator(*parts, arch)
    assert torch.allclose(T(x), resnet(x), atol=1e-6)


def test_architecture_errors_are_clear():
    with pytest.raises(ValueError, match="n_unshared=3 exceeds n_downsampling=2"):
        OSTArchitecture(n_unshared=3)
    with pytest.raises(ValueError, match="norm"):
        OSTArchitecture(norm="layer")
    arch = OSTArchitecture(ngf=4, n_blocks_shared=1)
    parts = define_ost_parts(3, 3, arch)
    T = OSTTranslator(parts["E_A_U"], parts["E_S"], parts["G_S"], parts["G_B_U"], arch)
    with pytest.raises(ValueError, match="multiples of 4"):
        T(torch.randn(1, 3, 30, 30))
    with pytest.raises(ValueError, match=r"expects \(N, 3, H, W\)"):
        T(torch.randn(1, 1, 32, 32))
    with pytest.raises(ValueError, match="domains"):
        define_ost_parts(3, 3, arch, domains="A")


def test_phase2_translators_share_the_same_parameter_objects():
    t = phase2()
    assert t.T_AB.E_S is t.T_BA.E_S is t.T_AA.E_S is t.T_BB.E_S is t.E_S
    assert t.T_AB.G_S is t.T_BA.G_S is t.G_S
    assert t.T_AB.E_U is t.E_A_U and t.T_AB.G_U is t.G_B_U
    assert t.T_BA.E_U is t.E_B_U and t.T_BA.G_U is t.G_A_U
    shared = {id(p) for m in (t.E_S, t.G_S) for p in m.parameters()}
    for T in (t.T_AA, t.T_AB, t.T_BA, t.T_BB):
        assert shared <= {id(p) for p in T.parameters()}
    # Each parameter is optimised once, and the unshared parts of A and B are distinct.
    in_G = [id(p) for g in t.optimizers["G"].param_groups for p in g["params"]]
    assert len(in_G) == len(set(in_G)) == sum(
        1 for k in ("E_A_U", "E_B_U", "E_S", "G_S", "G_A_U", "G_B_U")
        for _ in t.nets[k].parameters())
    assert not {id(p) for p in t.E_A_U.parameters()} & {id(p) for p in t.E_B_U.parameters()}
    # A change to E^S through one translator is seen by the other.
    with torch.no_grad():
        next(t.T_AB.E_S.parameters()).add_(1.0)
    assert torch.equal(next(t.T_BA.E_S.parameters()), next(t.E_S.parameters()))


# --------------------------------------------------------------------------- KL
def test_kl_on_hand_computed_cases():
    mu = torch.tensor([[1.0, -2.0], [0.0, 3.0]])
    # unit variance: mean of mu^2 / 2 = (1 + 4 + 0 + 9) / 4 / 2
    assert kl_to_standard_normal(mu).item() == pytest.approx(1.75)
    # N(0, 4) against N(0, 1): (4 - log 4 - 1) / 2 per element
    kl = kl_to_standard_normal(torch.zeros(3), torch.full((3,), math.log(4.0)))
    assert kl.item() == pytest.approx((3 - math.log(4.0)) / 2)
    # N(1, e^-1): (1 + e^-1 + 1 - 1) / 2
    kl = kl_to_standard_normal(torch.ones(1), -torch.ones(1))
    assert kl.item() == pytest.approx((1 + math.exp(-1)) / 2)
    assert kl_to_standard_normal(torch.zeros(5), torch.zeros(5)).item() == 0.0
    m = mu.clone().requires_grad_(True)
    kl_to_standard_normal(m).backward()
    assert torch.allclose(m.grad, mu / mu.numel())  # d/dmu mean(mu^2 / 2)
    with pytest.raises(ValueError, match="shape of mu"):
        kl_to_standard_normal(mu, torch.zeros(3))


# --------------------------------------------------------------------------- augmentation
def test_augmentation_pieces_on_constructed_images():
    x = torch.rand(3, 8, 8) * 2 - 1
    assert torch.equal(Augmentation(zoom=1, flip=False, max_rotation=0).apply(x, AugmentParams()),
                       x)
    assert torch.equal(Augmentation(zoom=1).apply(x, AugmentParams(flip=True)), x.flip(-1))
    # zoom 2 with the crop at the top-left corner = upsample x2 and take the top-left quarter
    z = Augmentation(zoom=2).apply(x, AugmentParams(crop_x=-1, crop_y=-1))
    ref = F.interpolate(x[None], scale_factor=2, mode="bilinear", align_corners=False)[0]
    assert torch.allclose(z, ref[:, :8, :8], atol=1e-6)
    # a bright pixel right of the centre turns to above it (90 degrees counter-clockwise)
    dot = -torch.ones(1, 9, 9)
    dot[0, 4, 7] = 1
    turned = Augmentation(zoom=1, max_rotation=90).apply(dot, AugmentParams(angle=90.0))
    assert (turned[0] > 0.5).nonzero().tolist() == [[1, 4]]
    # rotation brings black (-1) into the corners, or the border pixels with fill="border"
    ones = torch.ones(1, 8, 8)
    assert Augmentation(zoom=1).apply(ones, AugmentParams(angle=45.0))[0, 0, 0] == -1
    assert Augmentation(zoom=1, fill="border").apply(ones, AugmentParams(angle=45.0))[0, 0, 0] == 1
    with pytest.raises(ValueError, match="zoom"):
        Augmentation(zoom=0.5)
    with pytest.raises(ValueError, match="fill"):
        Augmentation(fill="grey")


def test_augmentation_draws_stay_in_their_ranges():
    aug = Augmentation(max_rotation=7.0)
    rng = np.random.default_rng(0)
    draws = [aug.sample(rng) for _ in range(200)]
    assert all(abs(d.angle) <= 7 and abs(d.crop_x) <= 1 and abs(d.crop_y) <= 1 for d in draws)
    assert 50 < sum(d.flip for d in draws) < 150
    assert all(not d.flip and d.angle == 0 for d in
               (Augmentation(flip=False, max_rotation=0).sample(rng) for _ in range(20)))


def test_augmented_items_are_a_function_of_seed_epoch_and_index():
    A, B = images(1, 2), images(5, 1)
    ds = AugmentedUnpaired(A, B, seed=3)
    assert len(ds) == 5
    item = ds[2, 0]
    assert set(item) == {"A", "B", "A_path", "B_path"} and item["A_path"] == "memory/A/0"
    again = AugmentedUnpaired(A, B, seed=3)[2, 0]
    assert torch.equal(item["A"], again["A"]) and torch.equal(item["B"], again["B"])
    # the one sample x is augmented afresh in every item and epoch: P(x)
    assert not torch.equal(ds[2, 0]["A"], ds[3, 0]["A"])
    assert not torch.equal(ds[2, 0]["A"], ds[2, 1]["A"])
    assert not torch.equal(item["A"], AugmentedUnpaired(A, B, seed=4)[2, 0]["A"])
    # Phase I: B alone, every B image once per epoch
    b_only = AugmentedUnpaired(None, B, seed=3)
    assert len(b_only) == 5 and set(b_only[0]) == {"B", "B_path"}
    assert [b_only[i]["B_path"] for i in range(5)] == [f"memory/B/{i}" for i in range(5)]
    plain = AugmentedUnpaired(None, B, augment_B=None)
    assert torch.equal(plain[4]["B"], B[4])
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        AugmentedUnpaired(A * 3, B)


# --------------------------------------------------------------------------- configuration
def test_config_is_strict_and_checked():
    with pytest.raises(ValueError, match="Unknown option.*lambda_cyc\\b"):
        OSTConfig.from_dict({"lambda_cyc": 10.0})
    assert OSTConfig.from_dict(config(phase=2).to_dict()) == config(phase=2)
    with pytest.raises(ValueError, match="phase must be 1"):
        OSTConfig(phase=3)
    with pytest.raises(ValueError, match="not available for OST"):
        OSTConfig(gan_mode="wgangp")
    with pytest.raises(ValueError, match="lambda_cycle"):
        OSTConfig(lambda_cycle=-1.0)
    with pytest.raises(ValueError, match="clone_unshared=False"):
        OSTConfig(phase=2, input_nc=1, output_nc=3)
    OSTConfig(phase=2, input_nc=1, output_nc=3, clone_unshared=False)
    OSTConfig(phase=1, input_nc=1, output_nc=3)  # Phase I never sees A


def test_published_defaults():
    c = OSTConfig()
    assert (c.lr, c.beta1, c.beta2, c.batch_size, c.n_epochs, c.n_epochs_decay) == (
        2e-4, 0.5, 0.999, 1, 60, 20)
    assert (c.gan_mode, c.netD, c.norm, c.pool_size, c.ngf, c.n_blocks_shared) == (
        "lsgan", "basic", "instance", 50, 64, 6)
    assert (c.lambda_rec_B_phase1, c.lambda_rec_B_phase2, c.lambda_rec_A, c.lambda_cycle,
            c.lambda_gan) == (10.0, 1.0, 1.0, 10.0, 1.0)
    # the authors add 0.1 * mean(mu^2) = 0.2 * (mean KL of a unit-variance Gaussian)
    mu = torch.randn(2, 3, 4, 4)
    assert (c.lambda_vae * kl_to_standard_normal(mu)).item() == pytest.approx(
        (0.1 * mu.pow(2).mean()).item())
    assert c.selective_backprop and c.clone_unshared and c.phase2_B_terms


# --------------------------------------------------------------------------- training
def test_phase1_then_phase2_smoke_training_has_finite_losses():
    t1 = OSTTrainer(config(phase=1))
    hist = t1.fit(phase1_data(), progress=False)  # 3 epochs x 2 steps
    assert len(hist) == 6 and set(hist[0]) == {"step", "epoch", "REC_B", "VAE_B", "GAN_B", "D_B"}
    assert all(math.isfinite(v) for h in hist for v in h.values())
    assert t1.reconstruct_B(images(2, 5)).shape == (2, 3, SIZE, SIZE)
    assert list(t1.generator_state()) == ["T_BB"]
    with pytest.raises(ValueError, match="Phase II only"):
        t1.translate_AB(images(1, 5))

    t2 = OSTTrainer(config(phase=2))
    t2.start_from_phase1(t1)
    hist = t2.fit(phase2_data(), progress=False)
    assert len(hist) == 6
    assert set(hist[0]) == {"step", "epoch", "REC_A", "cycle", "GAN_AB", "REC_B", "VAE_B",
                            "GAN_B", "D_AB", "D_B"}
    assert all(math.isfinite(v) for h in hist for v in h.values())
    x = images(1, 2)
    assert t2.translate_AB(x).shape == t2.translate_BA(x).shape == (1, 3, SIZE, SIZE)
    cols = t2.samples({"A": x, "B": images(1, 1)})
    assert list(cols) == ["real A", "T_AB(A)", "T_BA(T_AB(A))", "T_AA(A)", "real B", "T_BA(B)"]


def test_phase2_without_b_terms_logs_only_the_slides_terms():
    t = phase2(phase2_B_terms=False)
    hist = t.fit(phase2_data(), max_steps=1, progress=False)
    assert set(hist[0]) == {"step", "epoch", "REC_A", "cycle", "GAN_AB", "D_AB"}


def _grads_of_A_terms(t):
    """Gradients of the A terms alone (slide 18, eqs. 1-3) with respect to every part."""
    for p in t.optimizers["G"].param_groups[0]["params"]:
        p.grad = None
    set_requires_grad(t.D_B, False)
    terms, _ = t.phase2_generator_terms(images(2, 2))
    sum(terms.values()).backward()
    return {name: [p.grad for p in t.nets[name].parameters()]
            for name in ("E_A_U", "G_A_U", "E_B_U", "G_B_U", "E_S", "G_S")}


def _some(grads):
    return any(g is not None and bool(g.abs().sum() > 0) for g in grads)


def test_selective_backprop_keeps_the_a_terms_out_of_the_shared_layers():
    p1 = trained_phase1()
    on = _grads_of_A_terms(phase2(p1))
    assert all(g is None for name in ("E_S", "G_S") for g in on[name])
    # ... while gradients still flow through E^S and G^S down to E_A^U (slide 19)
    assert _some(on["E_A_U"]) and _some(on["G_A_U"])
    assert _some(on["E_B_U"]) and _some(on["G_B_U"])  # unbarred on the slide
    off = _grads_of_A_terms(phase2(p1, selective_backprop=False))
    assert _some(off["E_S"]) and _some(off["G_S"])
    code = _grads_of_A_terms(phase2(p1, a_path_trains_B_unshared=False))
    assert all(g is None for n in ("E_S", "G_S", "E_B_U", "G_B_U") for g in code[n])
    assert _some(code["E_A_U"]) and _some(code["G_A_U"])


@pytest.mark.parametrize("selective", [True, False], ids=["on", "off"])
def test_a_phase2_step_moves_the_shared_layers_only_without_selective_backprop(selective):
    # Only the A terms (phase2_B_terms=False): with selective backpropagation, E^S and G^S leave
    # the step bit for bit as they came; without it, the one sample x moves them.
    t = phase2(selective_backprop=selective, phase2_B_terms=False)
    before = {k: _params(m) for k, m in t.nets.items()}
    t.fit(phase2_data(), max_steps=1, progress=False)
    after = {k: _params(m) for k, m in t.nets.items()}

    def moved(name):
        return any(not torch.equal(before[name][k], after[name][k]) for k in before[name])

    assert moved("E_A_U") and moved("G_A_U") and moved("D_B")
    assert moved("E_S") is (not selective) and moved("G_S") is (not selective)


@pytest.mark.parametrize("selective", [True, False], ids=["on", "off"])
def test_with_b_terms_the_shared_layers_learn_from_b_samples_only(selective):
    # With the B terms on, a step moves E^S and G^S exactly as the B terms alone would (with
    # selective backpropagation), and otherwise not.
    p1 = trained_phase1()
    full = phase2(p1, selective_backprop=selective)
    full.fit(phase2_data(), max_steps=1, progress=False)
    b_only = phase2(p1, selective_backprop=selective)
    original = b_only.phase2_generator_terms

    def zero_a_terms(real_A):
        terms, T_AB = original(real_A)
        return {k: v * 0.0 for k, v in terms.items()}, T_AB

    b_only.phase2_generator_terms = zero_a_terms
    b_only.fit(phase2_data(), max_steps=1, progress=False)
    same = all(torch.equal(full.nets[n].state_dict()[k], b_only.nets[n].state_dict()[k])
               for n in ("E_S", "G_S") for k in full.nets[n].state_dict())
    assert same is selective


def test_frozen_leaves_parameters_and_running_statistics_alone():
    bn = torch.nn.Sequential(torch.nn.Conv2d(2, 2, 3, padding=1), torch.nn.BatchNorm2d(2))
    x = torch.randn(4, 2, 5, 5, requires_grad=True)
    stats = bn[1].running_mean.clone()
    out = frozen(bn)(x)
    assert torch.allclose(out, bn(x.detach()), atol=1e-6)  # same function (train mode)
    bn[1].running_mean.copy_(stats)  # (the plain call above updated them)
    frozen(bn)(x).sum().backward()
    assert torch.equal(bn[1].running_mean, stats)
    assert all(p.grad is None for p in bn.parameters()) and x.grad is not None


def test_phase2_starts_from_phase1():
    p1 = trained_phase1()
    t = phase2(p1)
    for name in ("E_B_U", "E_S", "G_S", "G_B_U"):
        _assert_same(p1.nets[name].state_dict(), t.nets[name].state_dict())
    _assert_same(t.E_A_U.state_dict(), t.E_B_U.state_dict())  # cloned (paper, Fig. 1) ...
    assert not {id(p) for p in t.E_A_U.parameters()} & {id(p) for p in t.E_B_U.parameters()}
    assert t.phase1["global_step"] == 2
    fresh = phase2(p1, clone_unshared=False)  # ... or fresh, as the authors' code
    assert not torch.equal(next(fresh.E_A_U.parameters()), next(fresh.E_B_U.parameters()))


def test_phase2_misuse_is_explained(tmp_path):
    t = OSTTrainer(config(phase=2))
    with pytest.raises(ValueError, match="call start_from_phase1"):
        t.fit(phase2_data(), progress=False)
    with pytest.raises(ValueError, match="Phase II starts from a Phase I"):
        t.start_from_phase1(phase2())
    with pytest.raises(ValueError, match="ngf: Phase I 4 vs now 8"):
        OSTTrainer(config(phase=2, ngf=8)).start_from_phase1(trained_phase1())
    with pytest.raises(ValueError, match="belongs to a Phase II trainer"):
        OSTTrainer(config(phase=1)).start_from_phase1(trained_phase1())
    with pytest.raises(FileNotFoundError, match="No Phase I checkpoint"):
        t.start_from_phase1(tmp_path / "nothing")
    with pytest.raises(KeyError, match="Phase I trains on domain B only"):
        OSTTrainer(config(phase=1)).check_batch({"A": images(1, 0)})
    with pytest.raises(ValueError, match="3 channel\\(s\\) in domain A.*input_nc=1"):
        phase2(input_nc=1, clone_unshared=False).fit(phase2_data(), progress=False)


def test_phase2_starts_from_a_phase1_checkpoint_on_disk(tmp_path):
    p1 = OSTTrainer(config(phase=1), tmp_path / "phase1")
    p1.fit(phase1_data(), max_steps=2, progress=False)
    from_disk = OSTTrainer(config(phase=2))
    from_disk.start_from_phase1(tmp_path / "phase1")  # the run folder
    from_memory = phase2(p1)
    _assert_same(_weights(from_disk), _weights(from_memory))


@pytest.mark.parametrize("phase", [1, 2])
def test_resume_equals_uninterrupted(phase, tmp_path):
    p1 = trained_phase1() if phase == 2 else None
    data = phase1_data() if phase == 1 else phase2_data()

    def make(run_dir, start=True):
        t = OSTTrainer(config(phase=phase, sample_latent=True), run_dir)
        if phase == 2 and start:
            t.start_from_phase1(p1)
        return t

    full = make(tmp_path / "full")
    full.fit(data, progress=False)  # 3 epochs x 2 steps
    assert full.global_step == 6 and full.epoch == 3

    part = make(tmp_path / "part")
    part.fit(data, max_steps=3, progress=False)  # stops in the middle of epoch 1
    assert part.global_step == 3 and part.step_in_epoch == 1
    resumed = make(tmp_path / "part", start=False)  # a fresh process: the checkpoint suffices
    resumed.fit(data, progress=False)
    assert resumed.global_step == 6
    _assert_same(_weights(full), _weights(resumed))
    assert full.learning_rate == resumed.learning_rate
    assert [h["step"] for h in resumed.history] == list(range(1, 7))
    assert resumed.history == full.history
    assert (tmp_path / "part" / "samples").is_dir()


def test_resume_with_another_phase_or_ablation_is_refused(tmp_path):
    t = phase2(run_dir=tmp_path)
    t.fit(phase2_data(), max_steps=1, progress=False)
    other = OSTTrainer(config(phase=2, selective_backprop=False), tmp_path)
    with pytest.raises(ValueError, match="selective_backprop: checkpoint True vs now False"):
        other.fit(phase2_data(), progress=False)


def test_same_seed_same_weights_and_other_seed_differs():
    def run(seed):
        p1 = OSTTrainer(config(phase=1, seed=seed))
        p1.fit(AugmentedUnpaired(None, images(4, 1), seed=seed), max_steps=2, progress=False)
        t = OSTTrainer(config(phase=2, seed=seed))
        t.start_from_phase1(p1)
        t.fit(AugmentedUnpaired(images(1, 2), images(4, 1), seed=seed), max_steps=2,
              progress=False)
        return t

    a, b, c = run(0), run(0), run(1)
    _assert_same(_weights(a), _weights(b))
    assert a.history == b.history
    assert not torch.equal(a.E_A_U.state_dict()["model.1.weight"],
                           c.E_A_U.state_dict()["model.1.weight"])


def test_stored_translators_rebuild_from_the_configuration():
    t = phase2()
    t.fit(phase2_data(), max_steps=1, progress=False)
    x_A, x_B = images(2, 7), images(2, 8)
    for name, x, expected in (("T_AB", x_A, t.translate_AB(x_A)),
                              ("T_BA", x_B, t.translate_BA(x_B))):
        G = generator_from_config(t.config.to_dict(), name)
        G.load_state_dict(t.generator_state()[name])
        with torch.no_grad():
            assert torch.allclose(G.eval()(x), expected, atol=1e-6)
    with pytest.raises(ValueError, match="not an OST one"):
        generator_from_config({"netG": "unet_32"}, "T_AB")
    with pytest.raises(ValueError, match="Unknown OST translator"):
        generator_from_config(t.config.to_dict(), "T_XY")


def test_nan_loss_names_the_term_before_any_update(tmp_path, monkeypatch):
    t = OSTTrainer(config(phase=1), tmp_path)
    t.fit(phase1_data(), max_steps=2, progress=False)
    good = t.checkpoint_path.read_bytes()
    before = {k: _params(m) for k, m in t.nets.items()}
    monkeypatch.setattr(ost_module, "kl_to_standard_normal",
                        lambda mu: mu.float().mean() * float("nan"))
    with pytest.raises(NonFiniteLossError, match="'VAE_B' is nan at step 3") as info:
        t.fit(phase1_data(), progress=False)
    assert (info.value.step, info.value.term) == (3, "VAE_B")
    for k, m in t.nets.items():
        _assert_same(before[k], _params(m))
    assert t.checkpoint_path.read_bytes() == good
    assert load_checkpoint(t.checkpoint_path)["global_step"] == 2


def test_non_finite_b_images_are_refused_before_the_step():
    B = images(4, 1)
    B[1, 0, 3, 3] = float("nan")
    t = OSTTrainer(config(phase=1))
    with pytest.raises(ValueError, match=r"batch\['B'\] of step 1 holds NaN or infinite"):
        t.fit(AugmentedUnpaired(None, B, augment_B=None), progress=False)
    assert t.global_step == 0


def test_cli_translates_with_an_ost_checkpoint(tmp_path, capsys):
    from PIL import Image

    from i2ilib.cli import main

    t = phase2(run_dir=tmp_path / "run")
    t.fit(phase2_data(), max_steps=1, progress=False)
    img = tmp_path / "x.png"
    Image.fromarray(np.full((SIZE, SIZE, 3), 200, np.uint8)).save(img)
    for which in ([], ["--generator", "T_BA"]):
        assert main(["translate", "--checkpoint", str(tmp_path / "run"), str(img), "--out",
                     str(tmp_path / "out"), "--device", "cpu", *which]) == 0
        assert Image.open(tmp_path / "out" / "x_translated.png").size == (SIZE, SIZE)
    capsys.readouterr()
    assert main(["translate", "--checkpoint", str(tmp_path / "run"), str(img),
                 "--generator", "G_AB", "--device", "cpu"]) == 2
    assert "holds the generator(s) T_AB, T_BA, T_AA, T_BB" in capsys.readouterr().err
