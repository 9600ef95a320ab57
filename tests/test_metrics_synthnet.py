"""The shipped offline feature CNN: it loads, is named, and separates the book's domains."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from i2ilib.metrics import distribution, perceptual, train_features
from i2ilib.metrics.features import best_available_extractor, extract_features
from i2ilib.metrics.synthnet import (
    SynthFeatureNet,
    synth_feature_extractor,
    synth_feature_record,
)


@pytest.fixture(scope="module")
def net():
    return synth_feature_extractor()


@pytest.fixture(scope="module")
def small_sets():
    from i2ilib.data import synthfaces, synthscenes

    def faces(seed):
        f = synthfaces.make_synthfaces(12, 4, size=64, seed=seed)
        return torch.from_numpy(f.images).permute(0, 3, 1, 2).float() / 127.5 - 1

    day, night = synthscenes.paired_tensors(24, size=64, task="day2night", seed=5, split="test")
    return {"faces_a": faces(101), "faces_b": faces(202), "day": day, "night": night}


def test_shipped_weights_load_with_record(net):
    assert isinstance(net, SynthFeatureNet)
    assert net.name == "synthcnn-v1-d192" and net.dim == 192
    assert not net.training and not any(p.requires_grad for p in net.parameters())
    record = synth_feature_record()
    assert record["name"] == net.name
    # the record documents held-out quality of the training tasks
    assert record["validation"]["domain_acc"] > 0.95
    x = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    torch.testing.assert_close(net(x), synth_feature_extractor()(x))
    assert net(x).shape == (3, 192)
    # other sizes are resized to 64 px
    assert net(torch.zeros(2, 3, 128, 128)).shape == (2, 192)


def test_features_separate_domains_and_day_night(net, small_sets):
    feats = {k: extract_features(net, v, device="cpu", progress=False).double().numpy()
             for k, v in small_sets.items()}
    same = distribution.mmd2_unbiased(feats["faces_a"], feats["faces_b"])
    face_vs_street = distribution.mmd2_unbiased(feats["faces_a"], feats["day"])
    day_vs_night = distribution.mmd2_unbiased(feats["day"], feats["night"])
    assert face_vs_street > 20 * abs(same)
    assert day_vs_night > 5 * abs(same)
    with torch.no_grad():
        dom = net.heads(small_sets["night"])["domain"].argmax(1)
    assert (dom == 2).float().mean() > 0.9  # night street scenes


def test_defaults_prefer_the_shipped_network_offline(monkeypatch, tmp_path, net):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no Inception / LPIPS weights here
    ext = best_available_extractor(verbose=False)
    assert ext.name == net.name
    d = perceptual.perceptual_distance()
    assert d.name == f"LPIPS-style[{net.name}]"


def test_training_script_round_trip(tmp_path):
    args = train_features.argparse.Namespace(
        identities=4, per_identity=2, scenes=6, facades=4, epochs=1, batch_size=8, lr=2e-3,
        seed=3,
    )
    trained, record = train_features.train(args)
    path = train_features.save(trained, record, tmp_path)
    loaded = synth_feature_extractor(str(path))
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), trained(x), atol=5e-2, rtol=5e-2)  # float16 storage
    assert record["train_images"] == 4 * 2 + 2 * 6 + 4
    assert set(record["validation"]) == {"domain_acc", "attribute_acc", "fraction_mae"}
    assert np.isfinite(list(record["validation"].values())).all()
