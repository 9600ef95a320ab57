"""Identity of *real* faces: dlib's face-recognition ResNet, offline.

InfoSim (implicit-pairs paper, Ginger et al. 2019, Sec. 4.2) used OpenFace, the thesis
(Sections 5.6.3, 6.4) VGGFace, to embed real CelebA photos. Neither can be installed offline;
dlib's 128-D face descriptor can (King 2017, a ResNet-29 trained on about three million faces,
99.38 % on LFW). The ``faces`` extra installs it::

    pip install 'i2ilib[faces]'      # dlib-bin, face_recognition_models, setuptools<81

Per image, :class:`DlibFaceEmbedder` finds the largest face with dlib's HOG frontal face
detector, places five landmarks (eye corners, nose) with the 5-point shape predictor, aligns a
150 x 150 chip and computes the descriptor. Two descriptors closer than
:data:`SAME_PERSON_THRESHOLD` (0.6, Euclidean) are dlib's "same person".

The model files come from the ``face_recognition_models`` package (nothing is downloaded). Use
:mod:`i2ilib.metrics.identity` for SynthFaces: dlib was not trained on drawings and its
detector often misses them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch
from PIL import Image

#: dlib's Euclidean distance below which two descriptors are the same person.
SAME_PERSON_THRESHOLD = 0.6
DESCRIPTOR_DIM = 128
_INSTALL = "pip install 'i2ilib[faces]'"


def dlib_available() -> bool:
    """True when ``dlib`` and the ``face_recognition_models`` files are installed."""
    if importlib.util.find_spec("dlib") is None:
        return False
    try:
        _model_dir()
    except ImportError:
        return False
    return True


def _model_dir() -> Path:
    """The folder of face_recognition_models' ``.dat`` files, found without importing the
    package (its ``__init__`` imports the deprecated ``pkg_resources``)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"face_recognition_models (dlib's model files) is not installed: {_INSTALL}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    missing = [f for f in ("shape_predictor_5_face_landmarks.dat",
                           "dlib_face_recognition_resnet_model_v1.dat")
               if not (folder / f).is_file()]
    if missing:
        raise ImportError(f"face_recognition_models lacks {missing} in {folder}; reinstall: "
                          f"{_INSTALL}")
    return folder


def _to_uint8_images(images) -> list[np.ndarray]:
    """A list of contiguous uint8 ``(H, W, 3)`` RGB arrays from the accepted input forms."""
    if isinstance(images, torch.Tensor):
        x = images.detach().cpu()
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(
                f"tensor images must be (B, 3, H, W) (or (3, H, W)) in [-1, 1], got shape "
                f"{tuple(x.shape)}"
            )
        if not x.is_floating_point():
            raise ValueError(f"tensor images must be float in [-1, 1], got dtype {x.dtype}; "
                             "pass uint8 images as (B, H, W, 3) numpy arrays instead")
        if not torch.isfinite(x).all():
            raise ValueError("images contain NaN or inf")
        lo, hi = float(x.min()), float(x.max())
        if lo < -1.001 or hi > 1.001:
            raise ValueError(f"tensor images must be in [-1, 1], got range [{lo:.3g}, {hi:.3g}]")
        u8 = ((x.double() + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8)
        return [np.ascontiguousarray(im.permute(1, 2, 0).numpy()) for im in u8]
    arr = np.asarray(images)
    if arr.dtype != np.uint8:
        raise ValueError(
            f"array images must be uint8 (H, W, 3) or (B, H, W, 3), got dtype {arr.dtype}; "
            "pass float images as (B, 3, H, W) torch tensors in [-1, 1]"
        )
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(
            f"array images must be uint8 (H, W, 3) or (B, H, W, 3) RGB, got shape {arr.shape}"
        )
    return [np.ascontiguousarray(im) for im in arr]


class DlibFaceEmbedder:
    """dlib's 128-D face descriptors for a batch of photos (largest face per image).

    ``embedder(images)`` -> float64 ``(B, 128)`` torch tensor, where ``images`` is a
    ``(B, 3, H, W)`` float tensor in [-1, 1] (the book's convention; ``(3, H, W)`` is one
    image) or a uint8 ``(B, H, W, 3)`` / ``(H, W, 3)`` RGB array. Usable as ``embed_fn`` of
    :func:`i2ilib.metrics.reconstruction.infosim` and ``id_distance``.

    Args:
        upsample: times the image is doubled before HOG detection (1 finds faces down to about
            40 px; each step costs about 4x).
        min_side: images whose shorter side is below this are first enlarged (bicubic) to it,
            so the HOG detector (trained on faces of 80 px and more) can see small crops.
        num_jitters: dlib's test-time augmentation (0 = one pass, 10 = a little better, 10x
            slower).
        padding: context around the aligned chip (dlib's default 0.25).
        on_missing: ``"raise"`` (default): a ValueError naming the image without a face;
            ``"nan"``: a row of NaN for it instead (InfoSim / ID distance reject NaN, so
            filter those rows first).

    Raises:
        ImportError: if dlib or the model files are missing (``pip install 'i2ilib[faces]'``).
        ValueError: on an unknown ``on_missing``.
    """

    def __init__(self, upsample: int = 1, min_side: int = 200, num_jitters: int = 0,
                 padding: float = 0.25, on_missing: str = "raise") -> None:
        if on_missing not in ("raise", "nan"):
            raise ValueError(f"on_missing must be 'raise' or 'nan', got {on_missing!r}")
        try:
            import dlib
        except ImportError:
            raise ImportError(
                f"dlib is not installed; real-face identity needs the faces extra: {_INSTALL}"
            ) from None
        folder = _model_dir()
        self._dlib = dlib
        self.detector = dlib.get_frontal_face_detector()
        self.shape_predictor = dlib.shape_predictor(
            str(folder / "shape_predictor_5_face_landmarks.dat"))
        self.recognizer = dlib.face_recognition_model_v1(
            str(folder / "dlib_face_recognition_resnet_model_v1.dat"))
        self.upsample, self.min_side = int(upsample), int(min_side)
        self.num_jitters, self.padding = int(num_jitters), float(padding)
        self.on_missing = on_missing
        self.name = "dlib-resnet-v1-d128"

    def _prepare(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        if min(h, w) >= self.min_side:
            return image

        f = self.min_side / min(h, w)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        return np.ascontiguousarray(np.asarray(Image.fromarray(image).resize(size, Image.BICUBIC)))

    def largest_face(self, image: np.ndarray):
        """The largest dlib rectangle in a uint8 ``(H, W, 3)`` image (after :attr:`min_side`
        enlargement), or ``None``."""
        faces = self.detector(image, self.upsample)
        if len(faces) == 0:
            return None
        return max(faces, key=lambda r: r.width() * r.height())

    def descriptor(self, image: np.ndarray) -> np.ndarray | None:
        """The ``(128,)`` float64 descriptor of the largest face, or ``None`` if there is none."""
        img = self._prepare(image)
        rect = self.largest_face(img)
        if rect is None:
            return None
        shape = self.shape_predictor(img, rect)
        d = self.recognizer.compute_face_descriptor(img, shape, self.num_jitters, self.padding)
        return np.asarray(d, np.float64)

    def __call__(self, images) -> torch.Tensor:
        batch = _to_uint8_images(images)
        out = np.full((len(batch), DESCRIPTOR_DIM), np.nan)
        for i, im in enumerate(batch):
            d = self.descriptor(im)
            if d is None:
                if self.on_missing == "raise":
                    raise ValueError(
                        f"dlib found no face in image {i} (of {len(batch)}, size "
                        f"{im.shape[1]}x{im.shape[0]}); use on_missing='nan' to get a NaN row "
                        "instead, or crop the image closer to the face"
                    )
                continue
            out[i] = d
        return torch.from_numpy(out)
