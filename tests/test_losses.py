"""GAN and reconstruction losses against values computed by hand."""

import math

import pytest
import torch
from torch import nn

from i2ilib.losses import GANLoss, cycle_loss, gradient_penalty, identity_loss, reconstruction_loss

P = torch.tensor([[[[2.0, -1.0], [0.0, 0.5]]]])  # a (1, 1, 2, 2) patch map


def _bce(p: float, y: float) -> float:
    s = 1 / (1 + math.exp(-p))
    return -(y * math.log(s) + (1 - y) * math.log(1 - s))


def test_vanilla_is_bce_on_logits():
    vals = [2.0, -1.0, 0.0, 0.5]
    real = sum(_bce(v, 1) for v in vals) / 4
    fake = sum(_bce(v, 0) for v in vals) / 4
    loss = GANLoss("vanilla")
    assert loss(P, True).item() == pytest.approx(real, rel=1e-6)
    assert loss(P, False).item() == pytest.approx(fake, rel=1e-6)


def test_lsgan_is_squared_error_to_labels():
    loss = GANLoss("lsgan")
    # (1, 4, 1, 0.25) and (4, 1, 0, 0.25) averaged
    assert loss(P, True).item() == pytest.approx((1 + 4 + 1 + 0.25) / 4)
    assert loss(P, False).item() == pytest.approx((4 + 1 + 0 + 0.25) / 4)


def test_hinge_discriminator_and_generator():
    loss = GANLoss("hinge")
    # D real: relu(1 - p) = (0, 2, 1, 0.5); D fake: relu(1 + p) = (3, 0, 1, 1.5); G: -mean(p)
    assert loss(P, True, for_discriminator=True).item() == pytest.approx(3.5 / 4)
    assert loss(P, False, for_discriminator=True).item() == pytest.approx(5.5 / 4)
    assert loss(P, True, for_discriminator=False).item() == pytest.approx(-1.5 / 4)


def test_wgan_scores():
    loss = GANLoss("wgangp")
    assert loss(P, True).item() == pytest.approx(-1.5 / 4)
    assert loss(P, False).item() == pytest.approx(1.5 / 4)


def test_unknown_mode_is_named():
    with pytest.raises(ValueError, match="Unknown gan_mode 'wgan'.*lsgan"):
        GANLoss("wgan")


class Linear(nn.Module):
    """D(x) = sum(w * x): its input gradient is w everywhere, with norm ||w||."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w)

    def forward(self, x):
        return (x * self.w).flatten(1).sum(1)


@pytest.mark.parametrize("kind", ["mixed", "real", "fake"])
def test_gradient_penalty_known_norm(kind):
    w = torch.full((1, 2, 2), 1.5)  # ||w|| = sqrt(4 * 2.25) = 3
    D = Linear(w)
    real, fake = torch.randn(5, 1, 2, 2), torch.randn(5, 1, 2, 2)
    gp = gradient_penalty(D, real, fake, kind=kind, lambda_gp=10.0)
    assert gp.item() == pytest.approx(10.0 * (3.0 - 1.0) ** 2, rel=1e-5)
    gp.backward()  # differentiable w.r.t. D's weights
    assert D.w.grad is not None and D.w.grad.abs().sum() > 0


def test_gradient_penalty_is_zero_at_unit_norm():
    D = Linear(torch.full((1, 2, 2), 0.5))  # ||w|| = 1
    gp = gradient_penalty(D, torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2))
    assert gp.item() == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(Linear(torch.ones(1, 2, 2)), torch.zeros(2, 1, 2, 2), torch.zeros(3, 1, 2, 2))


def test_reconstruction_losses():
    a = torch.tensor([1.0, -1.0, 0.5, 0.0]).view(1, 1, 2, 2)
    b = torch.tensor([0.0, 1.0, 0.5, -0.5]).view(1, 1, 2, 2)
    l1 = (1 + 2 + 0 + 0.5) / 4
    l2 = (1 + 4 + 0 + 0.25) / 4
    assert reconstruction_loss(a, b, "l1").item() == pytest.approx(l1)
    assert reconstruction_loss(a, b, "l2").item() == pytest.approx(l2)
    assert reconstruction_loss(a, b, "l1+l2").item() == pytest.approx(0.5 * l1 + 0.5 * l2)
    assert cycle_loss(a, b).item() == pytest.approx(l1)
    assert identity_loss(a, b, "l2").item() == pytest.approx(l2)


def test_reconstruction_errors():
    with pytest.raises(ValueError, match="Unknown reconstruction loss 'l3'"):
        reconstruction_loss(torch.zeros(1), torch.zeros(1), "l3")
    with pytest.raises(ValueError, match="equal shapes"):
        reconstruction_loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 1, 4, 4))
