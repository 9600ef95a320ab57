"""Warm starts: auto-encoder pretraining of the generators, and the runner's optional key."""

import pytest
import torch
from torch.utils.data import Dataset

from i2ibook.catalogue import pseudo_pairs_run
from i2ibook.specs import SpecError, parse_experiment
from i2ilib.results import config_hash
from i2ilib.train import CycleGANConfig, CycleGANTrainer
from i2ilib.train.warmstart import autoencoder_warm_start


class Faces(Dataset):
    """Smooth random images in both domains."""

    def __init__(self, n: int = 6, size: int = 16):
        g = torch.Generator().manual_seed(0)
        low = torch.rand(2 * n, 3, size // 4, size // 4, generator=g) * 2 - 1
        x = torch.nn.functional.interpolate(low, size=(size, size), mode="bilinear")
        self.A, self.B = x[:n], x[n:]

    def __len__(self) -> int:
        return len(self.A)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"A": self.A[i], "B": self.B[i]}


def _trainer(run_dir=None) -> CycleGANTrainer:
    config = CycleGANConfig(netG="resnet_1blocks", ngf=4, ndf=4, netD="n_layers", n_layers_D=2,
                            n_epochs=1, n_epochs_decay=0, batch_size=2, device="cpu", seed=0,
                            pool_size=2, lr=2e-3)
    return CycleGANTrainer(config, run_dir)


def test_warm_start_learns_the_identity_and_leaves_training_state_alone():
    data = Faces()
    trainer = _trainer()
    opt_state = {k: o.state_dict() for k, o in trainer.optimizers.items()}
    rng = torch.get_rng_state()
    losses = autoencoder_warm_start(trainer, data, 60)
    assert len(losses) == 60 and losses[-1] < 0.6 * losses[0]
    assert torch.equal(torch.get_rng_state(), rng)
    assert trainer.global_step == 0 and trainer.wall_time > 0
    assert all(not o.state_dict()["state"] for o in trainer.optimizers.values()) and opt_state
    # deterministic: the same seed gives the same generators
    again = _trainer()
    autoencoder_warm_start(again, data, 60)
    for name in trainer.generator_names:
        for (k, a), b in zip(trainer.nets[name].state_dict().items(),
                             again.nets[name].state_dict().values()):
            assert torch.equal(a, b), f"{name}.{k} differs"


def test_warm_start_refuses_a_trained_trainer_and_negative_steps():
    data = Faces()
    trainer = _trainer()
    with pytest.raises(ValueError, match="steps"):
        autoencoder_warm_start(trainer, data, -1)
    assert autoencoder_warm_start(trainer, data, 0) == []
    trainer.fit(data, max_steps=1, progress=False)
    with pytest.raises(ValueError, match="before the first training step"):
        autoencoder_warm_start(trainer, data, 5)


def test_runner_warm_start_runs_once_and_keeps_existing_hashes(tmp_path):
    from i2ibook.runner import warm_start

    _, config = pseudo_pairs_run("book")
    before = config_hash(config)
    assert "warm_start" not in config  # existing configurations are untouched
    parse_experiment(config)
    assert config_hash(pseudo_pairs_run("book")[1]) == before
    warm = {**config, "warm_start": {"steps": 3}}
    parse_experiment(warm)
    assert config_hash(warm) != before
    parse_experiment({**config, "warm_start": {"steps": 3, "lr": 1e-3}})
    for bad in ({"steps": -1}, {"step": 3}, {"steps": 1.5}, {"steps": 3, "lr": 0},
                {"steps": 3, "lr": "fast"}):
        with pytest.raises(SpecError, match="warm_start"):
            parse_experiment({**config, "warm_start": bad})

    data = Faces()
    trainer = _trainer(tmp_path / "run")
    assert len(warm_start(trainer, data, {"warm_start": {"steps": 3}})) == 3
    assert trainer.checkpoint_path.exists()  # a resumed run does not repeat it
    resumed = _trainer(tmp_path / "run")
    assert warm_start(resumed, data, {"warm_start": {"steps": 3}}) == []
    assert warm_start(_trainer(), data, {}) == []
