"""Chapter 07's pseudo-pair experiments: the data each configuration hands to the trainer."""

import numpy as np
import pytest
import torch

from i2ibook import catalogue
from i2ibook.runner import build_data, build_test_data, pseudo_pair_train
from i2ilib.data.pseudopairs import build_config


def _spec(setting="ours", task="eyeglass_removal", explicit=False):
    return catalogue.pseudo_pairs_run("smoke", task, setting, explicit=explicit)[1]


def _args(spec):
    d = spec["data"]
    return dict(n_base=d["n_base"], n_aug=d["n_aug"], n_test=d["n_test"], size=d["size"],
                seed=d["seed"])


def test_implicit_training_data_is_the_configuration_unpaired():
    config = _spec("ours")
    train, test_A, test_B = build_data(config)
    cfg = build_config("eyeglass_removal", "ours", **_args(config))
    assert not train.paired and len(train) == len(cfg.A) == 16  # 8 real + 8 pseudo-paired
    assert test_A.shape == test_B.shape == (8, 3, 32, 32)
    assert test_A.min() >= -1 and test_A.max() <= 1


def test_explicit_pairs_are_each_pseudo_sample_with_the_face_it_was_made_from():
    config = _spec("ratio_1.0", explicit=True)
    assert config["method"] == "pix2pix"
    A, B = pseudo_pair_train(config["data"], paired=True)
    cfg = build_config("eyeglass_removal", "ratio_1.0", **_args(config))
    mask = cfg.A_counterpart >= 0
    assert len(A) == len(B) == int(mask.sum()) > 0
    assert np.array_equal(B, cfg.A_truth[mask])  # the b that M(b) was applied to
    assert not np.array_equal(A, B)              # M(b) painted glasses on it


def test_the_held_out_faces_do_not_depend_on_the_setting():
    a = build_test_data(_spec("ours"))
    b = build_test_data(_spec("natural"))
    cfg = build_config("eyeglass_removal", "natural", **_args(_spec("natural")))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert np.array_equal(((a[0] + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy(),
                          cfg.test_A)


def test_explicit_use_needs_pseudo_pairs_and_names_are_distinct():
    with pytest.raises(ValueError, match="no pseudo-pairs"):
        pseudo_pair_train(_spec("natural")["data"], paired=True)
    names = {catalogue.pseudo_pairs_run("book", t, s, seed)[0]
             for t in ("eyeglass_removal", "smile_removal")
             for s in catalogue.PSEUDO_SETTINGS for seed in catalogue.PSEUDO_SEEDS}
    assert len(names) == 2 * len(catalogue.PSEUDO_SETTINGS) * 3
    assert catalogue.pseudo_pairs_run("book", setting="ratio_1.0", explicit=True)[0].endswith(
        "ratio-1-0-explicit-seed0")
    with pytest.raises(ValueError, match="setting"):
        catalogue.pseudo_pairs_run("book", setting="more")
