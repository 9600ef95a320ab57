"""Benchmark: milliseconds per CycleGAN training step, and images per second.

One step = the reference CycleGAN iteration (Zhu et al. 2017, Sec. 4; implicit-pairs paper,
eqs. 4-6): both generators forward (translation, cycle, identity), LSGAN + lambda_cyc * L1 cycle
+ lambda_id * lambda_cyc * L1 identity, backward, Adam step; then both 70x70 PatchGANs on real
and fake images, backward, Adam step. ``images_per_s`` = ``batch_size / step time`` (each
sample is one A and one B image).

Implementations timed on the same data, interleaved round by round:

* ``trainer``   -- ``i2ilib.train.CycleGANTrainer.train_step`` (with its image pool), when the
  module is importable;
* ``nets``      -- the step written here in plain torch around ``i2ilib.nets`` networks;
* ``reference`` -- the same step around networks written below in the reference
  implementation's module layout (independently of ``i2ilib.nets``, same weights), so that
  "i2ilib is no slower than the reference networks" can be checked on any machine.

Variants: CPU runs fp32; CUDA runs fp32, amp (float16 autocast + GradScaler), channels_last and
amp+channels_last. Each configuration writes one JSON line to stdout and appends it to
``benchmarks/results/train_step.jsonl`` (hardware, torch version, date, load average).

Usage::

    python benchmarks/train_step.py                # every config, device, variant, impl
    python benchmarks/train_step.py --quick        # a few minutes on a 2-core CPU
    python benchmarks/train_step.py --reference    # only nets vs reference (and trainer)
    python benchmarks/train_step.py --configs book --device cuda --impls nets,reference
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from i2ilib.nets import define_D, define_G

# The configurations, smallest last. "paper" is the published CycleGAN set-up; "book" is the
# book-scale layout of notebooks/04_cyclegan.ipynb (resnet_6blocks, 64 px, batch 4) at width 32;
# the chapter's stored run uses ngf 16 (see i2ibook/catalogue.py), half this width.
CONFIGS: list[dict] = [
    {"name": "paper", "image_size": 256, "ngf": 64, "ndf": 64, "n_blocks": 9, "batch_size": 1},
    {"name": "book", "image_size": 64, "ngf": 32, "ndf": 32, "n_blocks": 6, "batch_size": 4},
]
# (name, amp, channels_last)
VARIANTS: dict[str, list[tuple[str, bool, bool]]] = {
    "cpu": [("fp32", False, False)],
    "cuda": [
        ("fp32", False, False),
        ("amp", True, False),
        ("channels_last", False, True),
        ("amp+channels_last", True, True),
    ],
}
IMPLS = ("trainer", "nets", "reference")
LAMBDA_CYC, LAMBDA_ID = 10.0, 0.5
RESULTS = ROOT / "benchmarks" / "results" / "train_step.jsonl"


# ------------------------------------------------------------ reference-layout networks


class _RefResidual(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3),
            nn.InstanceNorm2d(dim),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3),
            nn.InstanceNorm2d(dim),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv_block(x)


class _RefModel(nn.Module):
    """Holds ``self.model`` like the reference networks."""

    def __init__(self, layers: list[nn.Module]) -> None:
        super().__init__()
        self.model = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x)


def reference_resnet_generator(nc: int, ngf: int, n_blocks: int) -> nn.Module:
    """c7s1-ngf, d2ngf, d4ngf, R4ngf x n_blocks, u2ngf, ungf, c7s1-nc; instance norm (no
    affine), conv biases, reflect padding, transposed-conv upsampling."""

    def cnr(c_in: int, c_out: int, **kw) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, **kw), nn.InstanceNorm2d(c_out), nn.ReLU(True)]

    def unr(c_in: int, c_out: int) -> list[nn.Module]:
        up = nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1)
        return [up, nn.InstanceNorm2d(c_out), nn.ReLU(True)]

    layers: list[nn.Module] = [nn.ReflectionPad2d(3), *cnr(nc, ngf, kernel_size=7)]
    layers += cnr(ngf, 2 * ngf, kernel_size=3, stride=2, padding=1)
    layers += cnr(2 * ngf, 4 * ngf, kernel_size=3, stride=2, padding=1)
    layers += [_RefResidual(4 * ngf) for _ in range(n_blocks)]
    layers += unr(4 * ngf, 2 * ngf) + unr(2 * ngf, ngf)
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, nc, 7), nn.Tanh()]
    return _RefModel(layers)


def reference_patchgan(nc: int, ndf: int) -> nn.Module:
    """C64-C128-C256-C512 (the last with stride 1), then a 1-channel conv; instance norm."""

    def cnl(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
        conv = nn.Conv2d(c_in, c_out, 4, stride=stride, padding=1)
        return [conv, nn.InstanceNorm2d(c_out), nn.LeakyReLU(0.2, True)]

    layers: list[nn.Module] = [nn.Conv2d(nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
    layers += cnl(ndf, 2 * ndf, 2) + cnl(2 * ndf, 4 * ndf, 2) + cnl(4 * ndf, 8 * ndf, 1)
    layers += [nn.Conv2d(8 * ndf, 1, 4, stride=1, padding=1)]
    return _RefModel(layers)


# ------------------------------------------------------------------- the plain step


class PlainCycleGANStep:
    """One CycleGAN iteration in plain torch around four given networks."""

    def __init__(self, nets: dict[str, nn.Module], device: torch.device, amp: bool) -> None:
        self.G_AB, self.G_BA, self.D_A, self.D_B = (nets[k] for k in ("G_AB", "G_BA", "D_A", "D_B"))
        self.device, self.amp = device, amp
        adam = {"lr": 2e-4, "betas": (0.5, 0.999)}
        gens = itertools.chain(self.G_AB.parameters(), self.G_BA.parameters())
        self.opt_G = torch.optim.Adam(gens, **adam)
        self.opt_D = torch.optim.Adam(
            itertools.chain(self.D_A.parameters(), self.D_B.parameters()), **adam
        )
        self.scaler = torch.amp.GradScaler(device.type, enabled=amp)

    def autocast(self):
        return torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp)

    def _discriminators(self, flag: bool) -> None:
        for p in itertools.chain(self.D_A.parameters(), self.D_B.parameters()):
            p.requires_grad_(flag)

    def __call__(self, batch: dict[str, Tensor]) -> None:
        A, B = batch["A"], batch["B"]
        self._discriminators(False)
        with self.autocast():
            fake_B, fake_A = self.G_AB(A), self.G_BA(B)
            rec_A, rec_B = self.G_BA(fake_B), self.G_AB(fake_A)
            idt_B, idt_A = self.G_AB(B), self.G_BA(A)
            pred_B, pred_A = self.D_B(fake_B), self.D_A(fake_A)
            loss_G = (
                F.mse_loss(pred_B, torch.ones_like(pred_B))
                + F.mse_loss(pred_A, torch.ones_like(pred_A))
                + LAMBDA_CYC * (F.l1_loss(rec_A, A) + F.l1_loss(rec_B, B))
                + LAMBDA_CYC * LAMBDA_ID * (F.l1_loss(idt_A, A) + F.l1_loss(idt_B, B))
            )
        self.opt_G.zero_grad(set_to_none=True)
        self.scaler.scale(loss_G).backward()
        self.scaler.step(self.opt_G)

        self._discriminators(True)
        with self.autocast():
            loss_D = 0.0
            for D, real, fake in ((self.D_B, B, fake_B), (self.D_A, A, fake_A)):
                p_real, p_fake = D(real), D(fake.detach())
                loss_D = loss_D + 0.5 * (
                    F.mse_loss(p_real, torch.ones_like(p_real))
                    + F.mse_loss(p_fake, torch.zeros_like(p_fake))
                )
        self.opt_D.zero_grad(set_to_none=True)
        self.scaler.scale(loss_D).backward()
        self.scaler.step(self.opt_D)
        self.scaler.update()


# ------------------------------------------------------------------------ builders


def i2ilib_nets(cfg: dict, seed: int) -> dict[str, nn.Module]:
    g = torch.Generator().manual_seed(seed)

    def G() -> nn.Module:
        netG = f"resnet_{cfg['n_blocks']}blocks"
        return define_G(netG, 3, 3, cfg["ngf"], norm="instance", generator=g)

    def D() -> nn.Module:
        return define_D("basic", 3, cfg["ndf"], norm="instance", generator=g)

    return {"G_AB": G(), "G_BA": G(), "D_A": D(), "D_B": D()}


def reference_nets(cfg: dict, seed: int) -> dict[str, nn.Module]:
    """Reference-layout networks carrying the same weights as :func:`i2ilib_nets`."""
    ours = i2ilib_nets(cfg, seed)
    nets: dict[str, nn.Module] = {}
    for name, net in ours.items():
        if name.startswith("G"):
            ref = reference_resnet_generator(3, cfg["ngf"], cfg["n_blocks"])
        else:
            ref = reference_patchgan(3, cfg["ndf"])
        ref.load_state_dict(net.state_dict(), strict=True)  # same layout, same weights
        nets[name] = ref
    return nets


def _place(nets: dict[str, nn.Module], device: torch.device, channels_last: bool) -> None:
    for net in nets.values():
        net.to(device)
        if channels_last:
            net.to(memory_format=torch.channels_last)


def build_step(
    impl: str, cfg: dict, device: torch.device, amp: bool, channels_last: bool, seed: int
) -> Callable[[dict[str, Tensor]], object]:
    """A callable running one training step of ``impl`` on a batch dict."""
    if impl == "trainer":
        from i2ilib.train import CycleGANConfig, CycleGANTrainer

        tcfg = CycleGANConfig(
            input_nc=3,
            output_nc=3,
            ngf=cfg["ngf"],
            ndf=cfg["ndf"],
            n_blocks=cfg["n_blocks"],
            netG=f"resnet_{cfg['n_blocks']}blocks",
            norm="instance",
            gan_mode="lsgan",
            batch_size=cfg["batch_size"],
            device=device.type,
            amp=amp,
            channels_last=channels_last,
            seed=seed,
        )
        trainer = CycleGANTrainer(tcfg)

        def step(batch: dict[str, Tensor]) -> object:
            losses = trainer.train_step(batch)
            scaler = getattr(trainer, "scaler", None)
            if scaler is not None:
                scaler.update()  # what Trainer.fit does after every train_step
            return losses

        return step
    nets = i2ilib_nets(cfg, seed) if impl == "nets" else reference_nets(cfg, seed)
    _place(nets, device, channels_last)
    return PlainCycleGANStep(nets, device, amp)


def make_batch(cfg: dict, device: torch.device, channels_last: bool, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    shape = (cfg["batch_size"], 3, cfg["image_size"], cfg["image_size"])
    batch = {k: (torch.rand(shape, generator=g) * 2 - 1).to(device) for k in ("A", "B")}
    if channels_last:
        batch = {k: v.contiguous(memory_format=torch.channels_last) for k, v in batch.items()}
    return batch


# ----------------------------------------------------------------------- measuring


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_steps(step, batch: dict, steps: int, device: torch.device) -> float:
    """Milliseconds per step over ``steps`` consecutive steps."""
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step(batch)
    _sync(device)
    return (time.perf_counter() - t0) * 1000 / steps


def trainer_available() -> bool:
    try:
        from i2ilib.train import CycleGANConfig, CycleGANTrainer  # noqa: F401
    except ImportError:
        return False
    return True


def environment(device: torch.device) -> dict:
    if device.type == "cuda":
        hardware = torch.cuda.get_device_name(device)
    else:
        hardware = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "hardware": hardware,
        "torch": torch.__version__,
        "cuda": torch.version.cuda if device.type == "cuda" else None,
        "threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "commit": commit or None,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def run_config(
    cfg: dict,
    device: torch.device,
    variant: tuple[str, bool, bool],
    impls: list[str],
    warmup: int,
    steps: int,
    rounds: int,
    seed: int,
) -> list[dict]:
    """Time every impl on one (config, device, variant), interleaving impls round by round
    (in an order rotated each round); report the median and the minimum over rounds."""
    name, amp, channels_last = variant
    batch = make_batch(cfg, device, channels_last, seed)
    built = {impl: build_step(impl, cfg, device, amp, channels_last, seed) for impl in impls}
    for impl, step in built.items():
        for _ in range(warmup):
            step(batch)
    times: dict[str, list[float]] = {impl: [] for impl in impls}
    for r in range(rounds):  # rotate the order so that no impl always runs first
        for impl in impls[r % len(impls) :] + impls[: r % len(impls)]:
            times[impl].append(time_steps(built[impl], batch, steps, device))
    env = environment(device)
    lines = []
    for impl in impls:
        ms = statistics.median(times[impl])
        lines.append(
            {
                "benchmark": "train_step",
                "model": "cyclegan",
                "config": cfg["name"],
                **{k: cfg[k] for k in ("image_size", "ngf", "ndf", "n_blocks", "batch_size")},
                "impl": impl,
                "device": device.type,
                "variant": name,
                "ms_per_step": round(ms, 2),
                "ms_per_step_min": round(min(times[impl]), 2),
                "images_per_s": round(cfg["batch_size"] * 1000 / ms, 3),
                "warmup": warmup,
                "steps": steps,
                "rounds": rounds,
                "load_avg_1min": round(os.getloadavg()[0], 2)
                if hasattr(os, "getloadavg")
                else None,
                **env,
            }
        )
    del built
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="few steps; the paper config on CPU with the nets impl only (< 3 min)",
    )
    p.add_argument(
        "--reference",
        action="store_true",
        help="time only the nets and reference impls (plus trainer if importable)",
    )
    p.add_argument("--configs", default=",".join(c["name"] for c in CONFIGS))
    p.add_argument("--device", choices=("all", "cpu", "cuda"), default="all")
    p.add_argument("--impls", default=None, help=f"comma-separated subset of {', '.join(IMPLS)}")
    p.add_argument("--variants", default=None, help="comma-separated subset, e.g. fp32,amp")
    p.add_argument("--warmup", type=int, default=None)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    p.add_argument("--out", type=Path, default=RESULTS, help="JSON-lines file to append to")
    p.add_argument("--no-save", action="store_true", help="print only, append nothing")
    return p.parse_args(argv)


def plan(args: argparse.Namespace, device: torch.device, cfg: dict) -> dict:
    """Steps, impls and variants for one (device, config)."""
    big = device.type == "cpu" and cfg["image_size"] >= 128
    if device.type == "cuda":
        warmup, steps, rounds = (3, 5, 2) if args.quick else (5, 20, 3)
    elif args.quick:
        warmup, steps, rounds = (0, 1, 1) if big else (1, 1, 1)
    else:
        warmup, steps, rounds = (1, 2, 2) if big else (2, 3, 3)
    impls = list(IMPLS)
    if args.impls:
        impls = [i.strip() for i in args.impls.split(",") if i.strip()]
    elif args.quick and big:
        impls = ["nets"]
    if not trainer_available():
        impls = [i for i in impls if i != "trainer"]
    unknown = sorted(set(impls) - set(IMPLS))
    if unknown:
        raise SystemExit(f"Unknown impl(s) {unknown}: choose from {', '.join(IMPLS)}.")
    variants = VARIANTS[device.type]
    if args.variants:
        wanted = {v.strip() for v in args.variants.split(",")}
        variants = [v for v in variants if v[0] in wanted]
    return {
        "warmup": args.warmup if args.warmup is not None else warmup,
        "steps": args.steps if args.steps is not None else steps,
        "rounds": args.rounds if args.rounds is not None else rounds,
        "impls": impls,
        "variants": variants,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    by_name = {c["name"]: c for c in CONFIGS}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SystemExit(f"Unknown config(s) {missing}: choose from {', '.join(by_name)}.")
    devices = []
    if args.device in ("all", "cpu"):
        devices.append(torch.device("cpu"))
    if args.device in ("all", "cuda"):
        if torch.cuda.is_available():
            devices.append(torch.device("cuda"))
            torch.backends.cudnn.benchmark = True
        elif args.device == "cuda":
            raise SystemExit("--device cuda was asked for but CUDA is not available.")
    if args.reference and not args.impls:
        args.impls = "nets,reference" + (",trainer" if trainer_available() else "")
    for device in devices:
        for cfg in (by_name[n] for n in names):
            p = plan(args, device, cfg)
            for variant in p["variants"]:
                lines = run_config(
                    cfg,
                    device,
                    variant,
                    p["impls"],
                    p["warmup"],
                    p["steps"],
                    p["rounds"],
                    args.seed,
                )
                for line in lines:
                    if device.type == "cuda":
                        line["cudnn_benchmark"] = bool(torch.backends.cudnn.benchmark)
                    text = json.dumps(line)
                    print(text, flush=True)
                    if not args.no_save:
                        args.out.parent.mkdir(parents=True, exist_ok=True)
                        with open(args.out, "a") as f:
                            f.write(text + "\n")


if __name__ == "__main__":
    main()
