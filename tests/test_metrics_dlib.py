"""dlib's real-face descriptors (the ``faces`` extra, part of the test install)."""

from __future__ import annotations

import dlib  # noqa: F401  (the faces extra is installed with the tests: fail loudly if not)
import numpy as np
import pytest
import torch
from skimage import data

from i2ilib.metrics.dlib_faces import (
    SAME_PERSON_THRESHOLD,
    DlibFaceEmbedder,
    dlib_available,
)
from i2ilib.metrics.reconstruction import id_distance


@pytest.fixture(scope="module")
def embedder() -> DlibFaceEmbedder:
    return DlibFaceEmbedder()


@pytest.fixture(scope="module")
def astronaut(embedder) -> tuple[np.ndarray, torch.Tensor]:
    img = data.astronaut()
    return img, embedder(img)


def _to_tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float() / 127.5 - 1


def test_available():
    assert dlib_available()


def test_one_descriptor_per_image(astronaut):
    _, d = astronaut
    assert d.shape == (1, 128) and d.dtype == torch.float64
    assert torch.isfinite(d).all()
    # dlib's descriptors have norm about 1 (not normalised exactly); a zero vector would be a bug.
    assert 0.5 < float(d.norm()) < 1.5


def test_mirror_is_same_person(embedder, astronaut):
    img, d = astronaut
    mirrored = embedder(img[:, ::-1])
    dist = float((mirrored - d).norm())
    assert 0.0 < dist < SAME_PERSON_THRESHOLD


def test_other_person_is_farther(embedder, astronaut):
    img, d = astronaut
    mirror_dist = float((embedder(img[:, ::-1]) - d).norm())
    # Real faces shipped by scikit-image (LFW, 25 x 25 grey crops), enlarged by the embedder.
    faces = (np.clip(data.lfw_subset()[:6], 0, 1) * 255).round().astype(np.uint8)
    rgb = np.repeat(faces[..., None], 3, axis=-1)
    others = DlibFaceEmbedder(on_missing="nan")(rgb)
    found = torch.isfinite(others[:, 0])
    assert int(found.sum()) >= 3
    dists = (others[found] - d).norm(dim=1)
    assert float(dists.min()) > SAME_PERSON_THRESHOLD
    assert float(dists.min()) > 2 * mirror_dist


def test_tensor_and_uint8_agree(embedder, astronaut):
    img, d = astronaut
    from_tensor = embedder(_to_tensor(img))
    assert torch.allclose(from_tensor, d, atol=1e-6)
    # and it plugs into the ID distance (thesis Sec. 5.6.3) as embed_fn
    x = _to_tensor(img)
    assert id_distance(embedder, x, x) == pytest.approx(0.0, abs=1e-9)
    assert 0.0 < id_distance(embedder, x, x.flip(-1)) < SAME_PERSON_THRESHOLD


def test_no_face_raises_with_index(embedder, astronaut):
    img, _ = astronaut
    batch = np.stack([img[:400, :400], data.coffee()[:, :400]])  # both 400 x 400
    with pytest.raises(ValueError, match="no face in image 1"):
        embedder(batch)
    rows = DlibFaceEmbedder(on_missing="nan")(batch)
    assert torch.isfinite(rows[0]).all() and torch.isnan(rows[1]).all()


def test_bad_inputs(embedder):
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        embedder(torch.full((1, 3, 32, 32), 3.0))
    with pytest.raises(ValueError, match="uint8"):
        embedder(np.zeros((32, 32, 3), np.float32))
    with pytest.raises(ValueError, match="3, H, W"):
        embedder(torch.zeros(1, 1, 32, 32))
    with pytest.raises(ValueError, match="on_missing"):
        DlibFaceEmbedder(on_missing="skip")
