"""Image pool, learning-rate schedule and atomic checkpoints."""

import os

import pytest
import torch

from i2ilib.train import (
    ImagePool,
    atomic_save,
    linear_decay_factor,
    linear_decay_scheduler,
    load_checkpoint,
)


def test_pool_size_zero_returns_input():
    pool = ImagePool(0)
    x = torch.randn(4, 3, 2, 2)
    assert torch.equal(pool.query(x), x)
    assert len(pool) == 0


def test_pool_fills_then_mixes_history():
    pool = ImagePool(3, seed=0)
    first = torch.arange(3.0).view(3, 1, 1, 1)
    assert torch.equal(pool.query(first), first)  # while filling, images pass through
    assert len(pool) == 3
    seen_old, seen_new = 0, 0
    for step in range(200):
        x = torch.full((1, 1, 1, 1), 100.0 + step)
        out = pool.query(x)
        if out.item() == x.item():
            seen_new += 1
        else:
            seen_old += 1
            assert out.item() < x.item()  # an image generated earlier
        assert len(pool) == 3
    # about half of the queries return a stored image
    assert 70 < seen_old < 130 and seen_old + seen_new == 200


def test_pool_state_round_trip_gives_same_choices():
    a = ImagePool(2, seed=3)
    for i in range(5):
        a.query(torch.full((1, 1, 1, 1), float(i)))
    b = ImagePool(2, seed=99)
    b.load_state_dict(a.state_dict())
    for i in range(20):
        x = torch.full((2, 1, 1, 1), 10.0 + i)
        assert torch.equal(a.query(x), b.query(x))


def test_pool_size_mismatch():
    with pytest.raises(ValueError, match="pool_size=5"):
        ImagePool(5).load_state_dict(ImagePool(50).state_dict())


def test_linear_decay_values():
    # 100 + 100 epochs: constant, then down to 1/101
    assert linear_decay_factor(0, 100, 100) == 1.0
    assert linear_decay_factor(99, 100, 100) == 1.0
    assert linear_decay_factor(100, 100, 100) == pytest.approx(1 - 1 / 101)
    assert linear_decay_factor(149, 100, 100) == pytest.approx(1 - 50 / 101)
    assert linear_decay_factor(199, 100, 100) == pytest.approx(1 / 101)


def test_scheduler_applies_factor_per_epoch():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=2e-4)
    sch = linear_decay_scheduler(opt, 2, 3)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sch.step()
    assert lrs == pytest.approx([2e-4, 2e-4, 2e-4 * 3 / 4, 2e-4 * 2 / 4, 2e-4 * 1 / 4])


def test_atomic_save_keeps_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "ck.pt"
    atomic_save({"v": 1}, path)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic_save({"v": Unpicklable()}, path)
    assert load_checkpoint(path)["v"] == 1
    assert os.listdir(tmp_path) == ["ck.pt"]  # no temporary file left behind


def test_missing_checkpoint_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="No checkpoint at"):
        load_checkpoint(tmp_path / "nope.pt")
