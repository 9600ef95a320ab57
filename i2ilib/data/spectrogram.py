"""Audio as images: log-magnitude spectrograms the image translators can read, and back.

A clip of :data:`i2ilib.data.audio_mixtures.CLIP_SAMPLES` samples has a centred STFT
(:data:`N_FFT` = 128, Hann window, hop :data:`HOP` = 64) of 65 frequency bins by 64 frames; the
Nyquist bin is dropped, which leaves a 64 x 64 **magnitude** spectrogram (bin ``f`` is
``f * sample_rate / N_FFT`` Hz, 62.5 Hz apart at 8 kHz; row 0 is 0 Hz). As an image it is
the magnitude in dB mapped linearly from ``[DB_FLOOR, DB_CEIL]`` to ``[-1, 1]`` and clipped,
one channel: ``(N, 1, 64, 64)``, the layout of :mod:`i2ilib.nets`.

Going back needs a phase: :func:`audio_from_magnitude` puts a magnitude on the phase of a
reference STFT (the mixture's, when separating) and inverts it (:func:`torch.istft`).
:func:`subtract_magnitude` is separation by subtraction in this "pixel space": the voice's
magnitude is the mixture's minus the background's, clipped at 0.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["DB_CEIL", "DB_FLOOR", "HOP", "N_FFT", "audio_from_magnitude", "image_to_magnitude",
           "magnitude_to_image", "spectrogram_image", "stft", "stft_magnitude",
           "subtract_magnitude"]

#: STFT size (samples) and hop; 65 bins, of which the 64 below Nyquist are kept.
N_FFT = 128
HOP = 64
#: The dB range mapped to the image's [-1, 1] (a magnitude below 10^(DB_FLOOR / 20) is black).
DB_FLOOR = -30.0
DB_CEIL = 30.0


def _window(like: Tensor) -> Tensor:
    return torch.hann_window(N_FFT, dtype=like.dtype, device=like.device)


def stft(audio: Tensor) -> Tensor:
    """The complex STFT of clips ``(N, T)`` (or one ``(T,)``): ``(N, N_FFT / 2 + 1, T / HOP + 1)``
    complex, Nyquist bin included."""
    audio = torch.as_tensor(audio, dtype=torch.float32)
    squeeze = audio.dim() == 1
    spec = torch.stft(audio.reshape(-1, audio.shape[-1]), N_FFT, HOP, window=_window(audio),
                      center=True, return_complex=True)
    return spec[0] if squeeze else spec


def stft_magnitude(audio: Tensor) -> Tensor:
    """``|STFT|`` without the Nyquist bin: ``(N, T) -> (N, N_FFT / 2, T / HOP + 1)``."""
    return stft(audio).abs()[..., :N_FFT // 2, :]


def magnitude_to_image(magnitude: Tensor) -> Tensor:
    """Magnitudes ``(N, F, frames)`` -> one-channel images ``(N, 1, F, frames)`` in [-1, 1]:
    ``20 log10(m)`` from [DB_FLOOR, DB_CEIL] to [-1, 1], clipped."""
    db = 20 * torch.log10(magnitude.clamp_min(10 ** (DB_FLOOR / 20)))
    image = 2 * (db - DB_FLOOR) / (DB_CEIL - DB_FLOOR) - 1
    return image.clamp(-1, 1).unsqueeze(1)


def image_to_magnitude(image: Tensor) -> Tensor:
    """The inverse of :func:`magnitude_to_image` (on the clipped range): ``(N, 1, F, frames)``
    in [-1, 1] -> magnitudes ``(N, F, frames)``; -1 (black) becomes 0, not the floor's
    magnitude, so that silence stays silent."""
    image = image.squeeze(1).clamp(-1, 1)
    db = (image + 1) / 2 * (DB_CEIL - DB_FLOOR) + DB_FLOOR
    return torch.where(image <= -1, torch.zeros_like(db), 10 ** (db / 20))


def spectrogram_image(audio: Tensor) -> Tensor:
    """Clips ``(N, T)`` -> log-magnitude images ``(N, 1, 64, 64)`` in [-1, 1] (for
    :data:`~i2ilib.data.audio_mixtures.CLIP_SAMPLES` samples)."""
    return magnitude_to_image(stft_magnitude(audio))


def audio_from_magnitude(magnitude: Tensor, phase_from: Tensor, length: int) -> Tensor:
    """Clips ``(N, length)`` from magnitudes ``(N, N_FFT / 2, frames)`` (Nyquist bin dropped)
    on the phase of ``phase_from``, a complex STFT ``(N, N_FFT / 2 + 1, frames)`` (the
    mixture's :func:`stft`); the Nyquist bin is set to zero."""
    magnitude = torch.as_tensor(magnitude, dtype=torch.float32)
    nyquist = magnitude.new_zeros(*magnitude.shape[:-2], 1, magnitude.shape[-1])
    full = torch.cat([magnitude, nyquist], dim=-2)
    spec = torch.polar(full, torch.angle(phase_from))
    return torch.istft(spec, N_FFT, HOP, window=_window(full), center=True, length=length)


def subtract_magnitude(mixture: Tensor, background: Tensor) -> Tensor:
    """Separation by subtraction: ``max(mixture - background, 0)``, elementwise on
    magnitudes of any (equal) shape."""
    return (mixture - background).clamp_min(0)
