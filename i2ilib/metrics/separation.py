"""Scores of source separation: SI-SDR, and the voice estimates of separation by subtraction.

:func:`si_sdr` is the scale-invariant signal-to-distortion ratio (Le Roux, Wisdom, Erdogan &
Hershey, ICASSP 2019): with zero-mean estimate ``s_hat`` and reference ``s``, the target is
the reference scaled to fit the estimate best, ``alpha s`` with
``alpha = <s_hat, s> / ||s||^2``, and

    SI-SDR = 10 log10(||alpha s||^2 / ||s_hat - alpha s||^2)   (dB).

Rescaling the estimate changes nothing; 0 dB means as much distortion as signal. Returning the
mixture itself as the voice scores about the voice-to-background ratio.

:func:`voice_by_subtraction` turns any estimate of the background's magnitude (a model's, the
mean instrumental spectrum of classical spectral subtraction, the true one) into a voice clip:
the mixture's magnitude minus it, clipped at 0, on the mixture's phase
(:mod:`i2ilib.data.spectrogram`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from ..data.spectrogram import (
    audio_from_magnitude,
    image_to_magnitude,
    spectrogram_image,
    stft,
    stft_magnitude,
    subtract_magnitude,
)

__all__ = ["SEPARATION_BASELINES", "mean_spectrum", "separation_baselines", "si_sdr",
           "voice_by_subtraction", "voice_from_translator"]

#: The estimates :func:`separation_baselines` scores: two trivial baselines and the ceiling.
SEPARATION_BASELINES = ("mixture as the voice", "spectral subtraction (mean instrumental)",
                        "oracle (true background subtracted)")


def si_sdr(estimate: Tensor | np.ndarray, reference: Tensor | np.ndarray,
           eps: float = 1e-8) -> np.ndarray:
    """SI-SDR in dB of each estimate against its reference, ``(N, T)`` or ``(T,)`` each (both
    made zero-mean first). ``(N,)`` (a 0-d array for one clip). ``eps`` keeps a silent
    estimate finite: it scores ``10 log10(eps)`` (-80 dB), the lowest value there is."""
    s_hat = np.asarray(estimate, dtype=np.float64)
    s = np.asarray(reference, dtype=np.float64)
    if s_hat.shape != s.shape:
        raise ValueError(f"estimate {s_hat.shape} and reference {s.shape} differ in shape")
    s_hat = s_hat - s_hat.mean(axis=-1, keepdims=True)
    s = s - s.mean(axis=-1, keepdims=True)
    alpha = (s_hat * s).sum(-1, keepdims=True) / ((s * s).sum(-1, keepdims=True) + eps)
    target = alpha * s
    noise = s_hat - target
    return 10 * np.log10((target ** 2).sum(-1) / ((noise ** 2).sum(-1) + eps) + eps)


def voice_by_subtraction(mixtures: Tensor | np.ndarray,
                         background_magnitude: Tensor) -> Tensor:
    """The voice left when ``background_magnitude`` is subtracted from the mixtures' magnitude
    spectrograms and the mixture's phase is kept: mixtures ``(N, T)``, a background magnitude
    ``(N, 64, frames)`` or one that broadcasts to it (``(64, 1)``: a mean spectrum) ->
    voices ``(N, T)``."""
    mixtures = torch.as_tensor(np.asarray(mixtures), dtype=torch.float32)
    voice_magnitude = subtract_magnitude(stft_magnitude(mixtures), background_magnitude)
    return audio_from_magnitude(voice_magnitude, stft(mixtures), mixtures.shape[-1])


def mean_spectrum(clips: Tensor | np.ndarray) -> Tensor:
    """The mean magnitude of each frequency bin over clips ``(N, T)`` and their frames: the
    noise estimate of classical spectral subtraction. ``(64, 1)``."""
    clips = torch.as_tensor(np.asarray(clips), dtype=torch.float32)
    return stft_magnitude(clips).mean(dim=(0, 2))[:, None]


def voice_from_translator(remove: Callable[[Tensor], Tensor], mixtures: Tensor | np.ndarray,
                          batch_size: int = 64) -> Tensor:
    """Separation with an image translator that removes the voice from a spectrogram (content
    transfer's ``g(e1(b), 0)``): the mixtures' images ``(N, 1, 64, 64)`` go through
    ``remove`` in batches, its outputs are read as background magnitudes, and
    :func:`voice_by_subtraction` gives the voices ``(N, T)``."""
    mixtures = torch.as_tensor(np.asarray(mixtures), dtype=torch.float32)
    images = spectrogram_image(mixtures)
    with torch.no_grad():
        removed = torch.cat([remove(images[i:i + batch_size]).float().cpu()
                             for i in range(0, len(images), batch_size)])
    return voice_by_subtraction(mixtures, image_to_magnitude(removed))


def separation_baselines(mixtures: np.ndarray, voices: np.ndarray, backgrounds: np.ndarray,
                         instrumental: np.ndarray) -> dict[str, np.ndarray]:
    """SI-SDR (dB, ``(N,)``) of the voice estimates that need no model, for mixtures ``(N, T)``
    with their true ``voices`` and ``backgrounds``: the mixture itself; classical spectral
    subtraction of the mean magnitude spectrum of ``instrumental`` clips ``(M, T)`` (the
    unmatched set, what a model may see); and the oracle that subtracts each true background's
    magnitude (a ceiling of separation by subtraction on the mixture's phase). Keys:
    :data:`SEPARATION_BASELINES`."""
    mixture_as_voice, spectral, oracle = SEPARATION_BASELINES
    true_background = stft_magnitude(torch.as_tensor(backgrounds, dtype=torch.float32))
    return {mixture_as_voice: si_sdr(mixtures, voices),
            spectral: si_sdr(voice_by_subtraction(mixtures, mean_spectrum(instrumental)), voices),
            oracle: si_sdr(voice_by_subtraction(mixtures, true_background), voices)}
