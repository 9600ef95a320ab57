"""Synthetic music for audio separation: instrumental backgrounds, a singing "voice", and their
mixtures with the truth of both parts.

Benaim and Wolf's slides on content transfer propose audio separation as one more domain: the
training data are mixed music and an *unmatched* set of instrumental music; a mixture's voice
is what is left after its background is subtracted in spectrogram space. This module renders
both sets offline, deterministically by seed (:func:`numpy.random.default_rng`), at a low
sample rate (:data:`SAMPLE_RATE`, 8 kHz) and a clip length (:data:`CLIP_SAMPLES`, about half a
second) whose spectrogram is a 64 x 64 image (:mod:`i2ilib.data.spectrogram`):

* an **instrumental** clip (:func:`render_instrumental`): two to four chords in turn, each of
  three harmonic tones (a triad on a root of the A minor scale, harmonics falling as
  ``1 / k^1.5``, a plucked attack and decay), under a bass note, plus zero to three
  percussive bursts (decaying noise, a falling low "kick");
* a **voice** (:func:`render_voice`): a harmonic series whose pitch glides (up to three
  semitones) and trembles (vibrato of 4.5-6.5 Hz), its harmonics shaped by two or three
  vowel-like formants that change with each syllable, and syllables switched on and off by
  smooth envelopes;
* a **mixture** = background + voice, the voice scaled to a voice-to-background ratio drawn
  in ``[-3, 3]`` dB; the true voice and background are kept (:class:`AudioMixtures`).

Each clip has its own generator ``default_rng([seed, stream, index])``: the training
mixtures, the unmatched backgrounds and the test mixtures are three streams, so no background
of the unmatched set is one of the mixtures', and a clip does not change with the number of
clips drawn. :func:`audio_separation_data` builds the three sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CLIP_SAMPLES", "SAMPLE_RATE", "AudioMixtures", "AudioSeparationData",
           "audio_separation_data", "make_mixtures", "render_instrumental", "render_voice",
           "unmatched_backgrounds"]

#: Samples per second of every clip.
SAMPLE_RATE = 8000
#: Samples per clip: 63 hops of 64 samples, so that a centred STFT has 64 frames (0.504 s).
CLIP_SAMPLES = 4032
#: RMS of every background; the voice's RMS follows from the voice-to-background ratio.
BACKGROUND_RMS = 0.1
#: The range of voice-to-background power ratios, in dB.
VOICE_TO_BACKGROUND_DB = (-3.0, 3.0)

#: The streams of :func:`_clip_rng`: training mixtures, unmatched backgrounds, test mixtures.
_STREAMS = {"train_mixtures": 0, "unmatched_backgrounds": 1, "test_mixtures": 2}
#: Semitones of the A minor scale above A, the chord roots of the backgrounds.
_SCALE = (0, 2, 3, 5, 7, 8, 10)
#: Vowel-like formants (F1, F2, F3 in Hz) the voice's syllables draw from (a, e, i, o, u).
_VOWELS = ((730, 1090, 2440), (530, 1840, 2480), (300, 2250, 3000), (570, 840, 2410),
           (300, 870, 2240))


def _clip_rng(seed: int, stream: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[stream], index])


def _harmonic_tone(freq: float | np.ndarray, n_samples: int, sr: int, rolloff: float,
                   phase0: float = 0.0) -> np.ndarray:
    """A harmonic series on ``freq`` (a constant or an ``(n_samples,)`` pitch contour in Hz),
    harmonic ``k`` at amplitude ``k^-rolloff``, harmonics above 0.45 ``sr`` left out.
    ``(n_samples,)``."""
    f = np.broadcast_to(np.asarray(freq, dtype=np.float64), (n_samples,))
    phase = 2 * np.pi * np.cumsum(f) / sr + phase0
    out = np.zeros(n_samples)
    for k in range(1, int(0.45 * sr / f.max()) + 1):
        out += np.sin(k * phase) / k ** rolloff
    return out


def render_instrumental(rng: np.random.Generator, n_samples: int = CLIP_SAMPLES,
                        sr: int = SAMPLE_RATE) -> np.ndarray:
    """One instrumental clip: chords that change, a bass note and percussive bursts, scaled to
    RMS :data:`BACKGROUND_RMS`. ``(n_samples,)`` float32."""
    t = np.arange(n_samples) / sr
    out = np.zeros(n_samples)
    n_chords = int(rng.integers(2, 5))
    bounds = np.sort(rng.choice(np.arange(1, 8), n_chords - 1, replace=False)) / 8 * n_samples
    starts = np.concatenate([[0], bounds]).astype(int)
    ends = np.concatenate([bounds, [n_samples]]).astype(int)
    for start, end in zip(starts, ends):
        root = 110.0 * 2 ** (_SCALE[int(rng.integers(len(_SCALE)))] / 12)
        third = 3 if rng.random() < 0.5 else 4
        seg = end - start
        tt = t[:seg]
        envelope = (1 - np.exp(-tt / 0.005)) * np.exp(-tt / rng.uniform(0.15, 0.6))
        octave = 2.0 if rng.random() < 0.5 else 1.0
        for semis in (0, third, 7):
            f = root * octave * 2 ** (semis / 12)
            tone = _harmonic_tone(f, seg, sr, rolloff=1.5, phase0=rng.uniform(0, 2 * np.pi))
            out[start:end] += rng.uniform(0.6, 1.0) * envelope * tone
        bass = _harmonic_tone(root / 2, seg, sr, rolloff=2.0)
        out[start:end] += 0.8 * (1 - np.exp(-tt / 0.01)) * np.exp(-tt / 0.5) * bass
    for _ in range(int(rng.integers(0, 4))):
        at = int(rng.integers(0, n_samples - sr // 20))
        seg = n_samples - at
        tt = t[:seg]
        if rng.random() < 0.5:  # a hi-hat-like burst of noise
            burst = rng.standard_normal(seg) * np.exp(-tt / rng.uniform(0.01, 0.04))
            out[at:] += rng.uniform(0.5, 1.5) * np.diff(burst, prepend=0.0)
        else:  # a kick: a sine falling from about 150 Hz to 50 Hz
            f = 50 + 100 * np.exp(-tt / 0.03)
            out[at:] += 2.0 * np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-tt / 0.08)
    out *= BACKGROUND_RMS / max(float(np.sqrt(np.mean(out ** 2))), 1e-12)
    return out.astype(np.float32)


def _formant_gain(freqs: np.ndarray, formants: np.ndarray) -> np.ndarray:
    """The gain of a harmonic at ``freqs`` (Hz, ``(K, T)``) through resonances at
    ``formants`` (``(3, T)``, Hz): a sum of bell curves (bandwidths 80, 110, 160 Hz, F3
    weaker), so each vowel has its own pattern of loud harmonics. ``(K, T)``."""
    gain = np.zeros_like(freqs)
    for i, (width, weight) in enumerate(((80.0, 1.0), (110.0, 0.7), (160.0, 0.3))):
        gain += weight * np.exp(-0.5 * ((freqs - formants[i]) / width) ** 2)
    return gain + 0.02


def render_voice(rng: np.random.Generator, n_samples: int = CLIP_SAMPLES,
                 sr: int = SAMPLE_RATE) -> np.ndarray:
    """One sung phrase: a gliding, trembling pitch, vowel formants and syllables, with unit
    RMS (:func:`make_mixtures` scales it). ``(n_samples,)`` float32."""
    t = np.arange(n_samples) / sr
    duration = n_samples / sr
    base = rng.uniform(140.0, 280.0)
    glide = rng.uniform(-3.0, 3.0) * (t / duration) ** rng.uniform(0.7, 1.5)  # semitones
    vibrato = rng.uniform(0.2, 0.5) * np.sin(2 * np.pi * rng.uniform(4.5, 6.5) * t
                                             + rng.uniform(0, 2 * np.pi))
    f0 = base * 2 ** ((glide + vibrato) / 12)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    n_syllables = int(rng.integers(2, 5))
    edges = np.sort(rng.uniform(0.1, 0.9, n_syllables - 1)) if n_syllables > 1 else np.array([])
    bounds = np.concatenate([[0.0], edges, [1.0]]) * n_samples
    formants = np.zeros((3, n_samples))
    envelope = np.zeros(n_samples)
    for i in range(n_syllables):
        start, end = int(bounds[i]), int(bounds[i + 1])
        formants[:, start:end] = np.asarray(_VOWELS[int(rng.integers(len(_VOWELS)))])[:, None]
        on = start + int(rng.uniform(0.0, 0.15) * (end - start))
        off = end - int(rng.uniform(0.1, 0.3) * (end - start))
        ramp = max(1, int(0.02 * sr))
        n = off - on
        if n <= 2 * ramp:
            continue
        shape = np.ones(n)
        rise = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, ramp))
        shape[:ramp], shape[-ramp:] = rise, rise[::-1]
        envelope[on:off] = shape
    # glide between vowels over 30 ms instead of jumping
    width = int(0.03 * sr)
    kernel = np.ones(width) / width
    padded = np.pad(formants, ((0, 0), (width // 2, width - 1 - width // 2)), mode="edge")
    formants = np.stack([np.convolve(f, kernel, mode="valid") for f in padded])
    n_harmonics = int(0.45 * sr / f0.max())
    k = np.arange(1, n_harmonics + 1)[:, None]
    gain = _formant_gain(k * f0[None, :], formants) / k ** 0.5
    out = (gain * np.sin(k * phase[None, :])).sum(axis=0) * envelope
    out /= max(float(np.sqrt(np.mean(out ** 2))), 1e-12)
    return out.astype(np.float32)


@dataclass
class AudioMixtures:
    """Mixtures with the truth of both parts, float32 ``(N, n_samples)`` at ``sample_rate``:
    ``mixtures = backgrounds + voices`` (exactly, up to float32 rounding)."""

    mixtures: np.ndarray
    voices: np.ndarray
    backgrounds: np.ndarray
    sample_rate: int = SAMPLE_RATE

    def __len__(self) -> int:
        return len(self.mixtures)


def make_mixtures(n: int, seed: int = 0, stream: str = "train_mixtures",
                  n_samples: int = CLIP_SAMPLES, sr: int = SAMPLE_RATE) -> AudioMixtures:
    """``n`` mixtures of ``stream`` (``"train_mixtures"`` or ``"test_mixtures"``), each a
    background plus a voice at a voice-to-background ratio drawn in
    :data:`VOICE_TO_BACKGROUND_DB`."""
    if stream not in ("train_mixtures", "test_mixtures"):
        raise ValueError(f"stream must be 'train_mixtures' or 'test_mixtures', got {stream!r}")
    voices, backgrounds = [], []
    for i in range(n):
        rng = _clip_rng(seed, stream, i)
        background = render_instrumental(rng, n_samples, sr)
        ratio_db = rng.uniform(*VOICE_TO_BACKGROUND_DB)
        voice = render_voice(rng, n_samples, sr) * BACKGROUND_RMS * 10 ** (ratio_db / 20)
        voices.append(voice.astype(np.float32))
        backgrounds.append(background)
    v = np.stack(voices) if n else np.zeros((0, n_samples), np.float32)
    b = np.stack(backgrounds) if n else np.zeros((0, n_samples), np.float32)
    return AudioMixtures(mixtures=(b + v).astype(np.float32), voices=v, backgrounds=b,
                         sample_rate=sr)


def unmatched_backgrounds(n: int, seed: int = 0, n_samples: int = CLIP_SAMPLES,
                          sr: int = SAMPLE_RATE) -> np.ndarray:
    """``n`` instrumental clips from their own stream (none is a mixture's background).
    ``(n, n_samples)`` float32."""
    clips = [render_instrumental(_clip_rng(seed, "unmatched_backgrounds", i), n_samples, sr)
             for i in range(n)]
    return np.stack(clips) if n else np.zeros((0, n_samples), np.float32)


@dataclass
class AudioSeparationData:
    """The two training domains and the held-out mixtures.

    Attributes:
        backgrounds: domain A, instrumental clips ``(n_train, n_samples)``.
        mixtures: domain B, mixtures ``(n_train, n_samples)`` (their parts are not used for
            training; they are kept in ``train``).
        train: the training mixtures with their truth.
        test: held-out mixtures with their truth (``n_test`` clips).
    """

    backgrounds: np.ndarray
    train: AudioMixtures
    test: AudioMixtures

    @property
    def mixtures(self) -> np.ndarray:
        return self.train.mixtures

    @property
    def sample_rate(self) -> int:
        return self.test.sample_rate


def audio_separation_data(n_train: int, n_test: int, seed: int = 0) -> AudioSeparationData:
    """``n_train`` unmatched instrumental clips (A), ``n_train`` training mixtures (B) and
    ``n_test`` test mixtures; the test mixtures depend on ``seed`` only, not on ``n_train``."""
    return AudioSeparationData(backgrounds=unmatched_backgrounds(n_train, seed),
                               train=make_mixtures(n_train, seed, "train_mixtures"),
                               test=make_mixtures(n_test, seed, "test_mixtures"))
