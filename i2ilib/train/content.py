"""Content transfer (Press, Galanti, Benaim & Wolf, ICLR 2019): two encoders, one decoder and
domain confusion on the common code.

One step, as in the reference implementation (``train.py``):

1. the auto-encoder (``e1``, ``e2``, ``g``, one Adam) minimises
   ``L_A + L_B + lambda_D * L_conf``: ``L_A`` reconstructs an A image from ``[e1(a), 0]``,
   ``L_B`` a B image from ``[e1(b), e2(b)]``, and ``L_conf``
   (:func:`i2ilib.losses.content.confusion_loss`) keeps the latent discriminator ``d`` from
   telling from ``e1``'s code which domain an image came from; gradients clipped to norm
   ``clip_grad``;
2. ``d`` (its own Adam, learning rate ``lr_D``) minimises ``L_D`` on the codes of the updated
   ``e1``.

Because A images are rebuilt with ``e2 = 0``, everything A has must pass through ``e1``; the
confusion term keeps the attribute out of ``e1``'s code, so in B it can only pass through the
small ``e2``. Removal is then ``g(e1(b), 0)`` and guided transfer ``g(e1(a), e2(b'))``.

Defaults are the reference code's (``--sep 25``, ``--disc_weight 0.001``, ``--lr 2e-4``, Adam
betas (0.5, 0.999), batch 32, clipping at 5, confusion ``"to_A"``), except the reconstruction
term: L1, as the slides write ``L_A`` and ``L_B``, where the code uses the MSE
(``rec_loss="l2"``). ``separate="fader"`` trains the Fader-networks-style baseline (the one-hot
label instead of ``e2``, labels swapped in the confusion term).
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from ..losses.content import (
    CONFUSION_KINDS,
    confusion_loss,
    content_reconstruction_loss,
    domain_loss,
)
from ..nets.content import SEPARATE_KINDS, build_content_transfer
from .base import Trainer, TrainerConfig, set_requires_grad
from .schedule import linear_decay_scheduler

#: The options :meth:`ContentTransferConfig.to_dict` leaves out while they hold these (default)
#: values.
_OMIT_AT_DEFAULT = {"side_nc": 0, "side_level": 1, "separate_every_layer": False}


@dataclasses.dataclass
class ContentTransferConfig(TrainerConfig):
    size: int = 64
    ngf: int = 32
    n_down: int = 3
    content_nc: int = 64
    sep: int = 25
    norm: str = "instance"
    separate: str = "e2"  # "e2" (the paper) or "fader" (baseline)
    hidden_D: int = 256
    rec_loss: str = "l1"
    lambda_D: float = 0.001
    confusion: str = "to_A"
    lr_D: float = 2e-4
    clip_grad: float = 5.0
    batch_size: int = 32
    n_epochs: int = 10
    n_epochs_decay: int = 0
    # Options of i2ilib.nets.content, off by default (and then left out of to_dict, so that
    # configurations written before they existed still match): the side path from e1's layer
    # side_level into the decoder (side_nc channels, read by the latent discriminator too) and
    # the separate code entering every decoder layer.
    side_nc: int = 0
    side_level: int = 1
    separate_every_layer: bool = False

    def to_dict(self):
        d = super().to_dict()
        for k, v in _OMIT_AT_DEFAULT.items():
            if d[k] == v:
                del d[k]
        return d

    def __post_init__(self) -> None:
        if self.separate not in SEPARATE_KINDS:
            raise ValueError(f"separate must be one of {SEPARATE_KINDS}, got {self.separate!r}")
        if self.confusion not in CONFUSION_KINDS:
            raise ValueError(f"confusion must be one of {CONFUSION_KINDS}, got "
                             f"{self.confusion!r}")


class ContentTransferTrainer(Trainer):
    """Trains ``e1``, ``e2``, ``g`` (together ``"AE"``) and the latent discriminator ``D`` on
    unpaired batches ``{"A": faces without the attribute, "B": faces with it}`` in [-1, 1]."""

    generator_names = ("AE",)

    def __init__(self, config: ContentTransferConfig | None = None, run_dir=None):
        config = config or ContentTransferConfig()
        super().__init__(config, run_dir)
        c = config
        net, d = build_content_transfer(c.size, c.input_nc, c.ngf, c.n_down, c.content_nc, c.sep,
                                        c.norm, c.separate, c.hidden_D, c.init_type, c.init_gain,
                                        c.side_nc, c.side_level, c.separate_every_layer)
        self.AE, self.D = self._prepare(net), self._prepare(d)
        self.nets = {"AE": self.AE, "D": self.D}
        self.optimizers = {"AE": self._adam(self.AE.parameters()),
                           "D": torch.optim.Adam(self.D.parameters(), lr=c.lr_D,
                                                 betas=(c.beta1, c.beta2))}
        self.schedulers = {k: linear_decay_scheduler(o, c.n_epochs, c.n_epochs_decay)
                           for k, o in self.optimizers.items()}

    def _clipped_step(self, loss: Tensor, name: str, terms: dict[str, Tensor]) -> None:
        """``_backward_step`` with the gradient norm clipped to ``clip_grad`` (the reference
        clips both optimisers' gradients at 5); non-finite terms or gradients still raise."""
        opt, clip = self.optimizers[name], self.config.clip_grad
        if not clip:
            self._backward_step(loss, opt, terms)
            return
        opt.zero_grad(set_to_none=True)
        loss.backward()
        for key, t in {**terms, f"loss({name})": loss}.items():
            if not bool(torch.isfinite(t).all()):
                self._raise_non_finite(f"Loss term {key!r}", key, float(t.detach()))
        params = [p for g in opt.param_groups for p in g["params"] if p.grad is not None]
        norm = torch.nn.utils.clip_grad_norm_(params, clip)
        if not bool(torch.isfinite(norm)):
            term = self._first_non_finite_tensor(opt)
            self._raise_non_finite(f"A gradient, {term},", term, None)
        opt.step()

    def losses(self, a: Tensor, b: Tensor) -> dict[str, Tensor]:
        """The auto-encoder's terms on one batch: ``L_A``, ``L_B`` and the confusion term
        (``lambda_D`` not applied), with gradients."""
        c, net = self.config, self.AE
        z_a, z_b = net.common(a), net.common(b)
        rec_a = net.decode(z_a, net.zero_code(a.shape[0], a))
        rec_b = net.decode(z_b, net.separate_code(b))
        terms = {"L_A": content_reconstruction_loss(rec_a, a, c.rec_loss),
                 "L_B": content_reconstruction_loss(rec_b, b, c.rec_loss)}
        if c.lambda_D > 0:
            terms["conf"] = confusion_loss(self.D(z_a), self.D(z_b), c.confusion)
        return terms

    def train_step(self, batch: dict[str, Tensor]) -> dict[str, float]:
        c = self.config
        a, b = self._to_device(batch["A"]), self._to_device(batch["B"])
        # --- 1. e1, e2, g: reconstruct both domains, confuse d
        set_requires_grad(self.D, False)
        terms = self.losses(a, b)
        loss = terms["L_A"] + terms["L_B"] + c.lambda_D * terms.get("conf", 0.0)
        self._clipped_step(loss, "AE", terms)
        set_requires_grad(self.D, True)
        out = {k: float(v.detach()) for k, v in terms.items()}
        # --- 2. d: tell the domains apart from the updated e1's codes
        if c.lambda_D > 0:
            with torch.no_grad():
                z_a, z_b = self.AE.common(a), self.AE.common(b)
            logits_A, logits_B = self.D(z_a), self.D(z_b)
            loss_D = domain_loss(logits_A, logits_B)
            self._clipped_step(loss_D, "D", {"L_D": loss_D})
            out["L_D"] = float(loss_D.detach())
            out["D_acc"] = float(((logits_A < 0).float().mean() + (logits_B > 0).float().mean())
                                 / 2)
        self.scaler.update()
        return out

    # ----------------------------------------------------------------- outputs
    @torch.no_grad()
    def _run(self, fn, *xs: Tensor) -> Tensor:
        was = self.AE.training
        self.AE.eval()
        try:
            y = fn(*(self._to_device(x) for x in xs))
        finally:
            self.AE.train(was)
        return y.float().clamp(-1, 1).cpu()

    def remove(self, b: Tensor) -> Tensor:
        """``g(e1(b), 0)`` in eval mode, on CPU."""
        return self._run(self.AE.remove, b)

    def transfer(self, a: Tensor, guide: Tensor) -> Tensor:
        """``g(e1(a), e2(guide))`` in eval mode, on CPU."""
        return self._run(self.AE.transfer, a, guide)

    def reconstruct_A(self, a: Tensor) -> Tensor:
        return self._run(self.AE.reconstruct_A, a)

    def reconstruct_B(self, b: Tensor) -> Tensor:
        return self._run(self.AE.reconstruct_B, b)

    def translate(self, x: Tensor) -> Tensor:
        """Removal (B -> A), the direction the book scores against the truth."""
        return self.remove(x)

    def samples(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        a, b = batch["A"], batch["B"]
        n = min(len(a), len(b))
        a, b = a[:n], b[:n]
        return {"A": a, "g(e1(a), 0)": self.reconstruct_A(a), "B": b,
                "g(e1(b), e2(b))": self.reconstruct_B(b), "removal g(e1(b), 0)": self.remove(b),
                "transfer g(e1(a), e2(b))": self.transfer(a, b)}


def content_transfer_from_config(config: dict) -> torch.nn.Module:
    """An untrained :class:`~i2ilib.nets.content.ContentTransferNet` as a trainer with this
    configuration (``ContentTransferConfig.to_dict()``) builds it; load ``"AE"`` into it."""
    c = ContentTransferConfig.from_dict(config)
    return build_content_transfer(c.size, c.input_nc, c.ngf, c.n_down, c.content_nc, c.sep,
                                  c.norm, c.separate, c.hidden_D, c.init_type, c.init_gain,
                                  c.side_nc, c.side_level, c.separate_every_layer)[0]
