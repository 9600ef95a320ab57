"""The shipped SynthFaces identity embedder (InfoSim / ID distance, implicit pairs Sec. 4.2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from i2ilib.data.synthfaces import images_to_tensor, make_synthfaces, render_true_pair
from i2ilib.metrics.identity import (
    FaceIdentityNet,
    synthfaces_identity_embedder,
    synthfaces_identity_record,
)
from i2ilib.metrics.reconstruction import id_distance, infosim

N_PEOPLE, PER_PERSON = 40, 4
HELD_OUT_SEED = 4242  # neither the training seed (0) nor the record's validation seed (10000)


@pytest.fixture(scope="module")
def net() -> FaceIdentityNet:
    return synthfaces_identity_embedder()


@pytest.fixture(scope="module")
def held_out():
    return make_synthfaces(N_PEOPLE, PER_PERSON, size=64, seed=HELD_OUT_SEED)


def _auc(embeddings: torch.Tensor, identity: np.ndarray) -> float:
    e = torch.nn.functional.normalize(embeddings.double(), dim=1)
    sim = (e @ e.T).numpy()
    iu = np.triu_indices(len(e), k=1)
    same = (identity[:, None] == identity[None, :])[iu]
    return float(roc_auc_score(same, sim[iu]))


def _true_pairs(ds, attribute: str):
    """Per person: its first photo without / with ``attribute`` (same pose), and another
    person's photo."""
    off, on, other = [], [], []
    for p in range(N_PEOPLE):
        i = p * PER_PERSON
        vals = ds.attribute_values(i)
        vals.pop(attribute)
        pair = render_true_pair(ds.identities[p], attribute, ds.poses[i], vals)
        off.append(pair.off.image)
        on.append(pair.on.image)
        other.append(ds.images[((p + 7) % N_PEOPLE) * PER_PERSON + 1])
    return tuple(images_to_tensor(np.stack(x)) for x in (off, on, other))


def test_shipped_weights_and_record(net):
    assert net.name == "synthid-v1-d128"
    assert not net.training
    assert not any(p.requires_grad for p in net.parameters())
    record = synthfaces_identity_record()
    assert record["name"] == net.name
    val = record["validation"]
    assert val["verification_auc"] >= 0.95
    assert val["invariance"]["Eyeglasses"] >= 0.95 and val["invariance"]["Smiling"] >= 0.95
    path = Path(__file__).resolve().parents[1] / "i2ilib" / "assets" / "synthid_v1.pt"
    assert path.stat().st_size < 2_000_000


def test_unit_embeddings_any_size(net, held_out):
    x = held_out.tensors(range(8))
    e = net(x)
    assert e.shape == (8, 128)
    assert torch.allclose(e.norm(dim=1), torch.ones(8), atol=1e-5)
    # 128 px renderings of the same photos land next to their 64 px embeddings
    big = images_to_tensor(np.stack([held_out.render(i, size=128).image for i in range(8)]))
    e_big = net(big)
    same = (e_big - e).norm(dim=1)
    others = torch.cdist(e_big, e) + torch.eye(8) * 10
    assert bool((same < others.min(dim=1).values).all())


def test_verification_auc_on_held_out_people(net, held_out):
    with torch.no_grad():
        auc = _auc(net(held_out.tensors()), held_out.identity)
    assert auc >= 0.95


def test_untrained_network_fails_the_same_check(held_out):
    torch.manual_seed(0)
    with torch.no_grad():
        auc = _auc(FaceIdentityNet().eval()(held_out.tensors()), held_out.identity)
    assert auc < 0.95


@pytest.mark.parametrize("attribute", ["Eyeglasses", "Smiling"])
def test_invariant_to_translated_attributes(net, held_out, attribute):
    off, on, other = _true_pairs(held_out, attribute)
    with torch.no_grad():
        a, b, c = net(off), net(on), net(other)
    d_pair = (a - b).norm(dim=1)
    d_other = torch.minimum((a - c).norm(dim=1), (b - c).norm(dim=1))
    assert float((d_pair < d_other).float().mean()) >= 0.95
    # InfoSim (implicit pairs Sec. 4.2): a perfect translation keeps the identity ...
    assert infosim(net, off, off) == 0.0
    # ... and the true counterpart is far more similar than a different person.
    assert infosim(net, off, on) < 0.5 * infosim(net, off, other)
    assert id_distance(net, off, on) < id_distance(net, off, other)


def test_bad_inputs(net):
    with pytest.raises(ValueError, match="batch"):
        net(torch.zeros(3, 64, 64))
    with pytest.raises(ValueError, match="3 .RGB. channels"):
        net(torch.zeros(2, 1, 64, 64))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        net(torch.full((2, 3, 64, 64), 200.0))
    with pytest.raises(ValueError, match="float"):
        net(torch.zeros(2, 3, 64, 64, dtype=torch.uint8))
    with pytest.raises(TypeError, match="torch.Tensor"):
        net(np.zeros((2, 3, 64, 64), np.float32))


def test_missing_weights_name_the_training_script(tmp_path):
    with pytest.raises(FileNotFoundError, match="i2ilib.metrics.train_identity"):
        synthfaces_identity_embedder(tmp_path / "nothing.pt")
