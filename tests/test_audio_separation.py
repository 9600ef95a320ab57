"""Audio separation as translation of spectrograms: the synthetic music, the spectrogram
images and their inverse, SI-SDR, and separation by subtraction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from i2ilib.data.audio_mixtures import (
    CLIP_SAMPLES,
    SAMPLE_RATE,
    audio_separation_data,
    make_mixtures,
    unmatched_backgrounds,
)
from i2ilib.data.spectrogram import (
    DB_CEIL,
    DB_FLOOR,
    audio_from_magnitude,
    image_to_magnitude,
    magnitude_to_image,
    spectrogram_image,
    stft,
    stft_magnitude,
)
from i2ilib.metrics.separation import (
    SEPARATION_BASELINES,
    separation_baselines,
    si_sdr,
    voice_by_subtraction,
    voice_from_translator,
)


@pytest.fixture(scope="module")
def mixtures():
    return make_mixtures(6, seed=3, stream="test_mixtures")


def test_clips_are_deterministic_by_seed_and_independent_of_the_count():
    a, b = make_mixtures(3, seed=1), make_mixtures(5, seed=1)
    np.testing.assert_array_equal(a.mixtures, b.mixtures[:3])
    np.testing.assert_array_equal(a.voices, b.voices[:3])
    other = make_mixtures(3, seed=2)
    assert not np.allclose(a.mixtures, other.mixtures)
    np.testing.assert_array_equal(unmatched_backgrounds(2, seed=1), unmatched_backgrounds(2, 1))


def test_mixtures_are_background_plus_voice_at_the_stated_levels(mixtures):
    assert mixtures.mixtures.shape == (6, CLIP_SAMPLES) and mixtures.mixtures.dtype == np.float32
    assert mixtures.sample_rate == SAMPLE_RATE
    np.testing.assert_allclose(mixtures.mixtures, mixtures.backgrounds + mixtures.voices,
                               atol=1e-6)
    background_rms = np.sqrt((mixtures.backgrounds ** 2).mean(1))
    np.testing.assert_allclose(background_rms, 0.1, rtol=1e-4)
    ratio_db = 10 * np.log10((mixtures.voices ** 2).mean(1) / background_rms ** 2)
    assert np.all(np.abs(ratio_db) <= 3.0 + 1e-3)
    assert np.all(np.abs(mixtures.mixtures) < 1.0)


def test_the_unmatched_backgrounds_are_none_of_the_mixtures_backgrounds():
    data = audio_separation_data(4, 2, seed=0)
    assert data.backgrounds.shape == data.mixtures.shape == (4, CLIP_SAMPLES)
    for clip in data.backgrounds:
        assert not any(np.allclose(clip, b) for b in data.train.backgrounds)
        assert not any(np.allclose(clip, b) for b in data.test.backgrounds)
    np.testing.assert_array_equal(data.test.mixtures,
                                  audio_separation_data(1, 2, seed=0).test.mixtures)


def test_spectrogram_images_are_64_by_64_in_m11(mixtures):
    images = spectrogram_image(torch.from_numpy(mixtures.mixtures))
    assert images.shape == (6, 1, 64, 64)
    assert images.min() >= -1 and images.max() <= 1
    assert images.std() > 0.2  # not a flat image: the dB range fits the clips
    assert stft(torch.from_numpy(mixtures.mixtures)).shape == (6, 65, 64)


def test_image_and_magnitude_invert_each_other_inside_the_db_range():
    db = torch.linspace(DB_FLOOR + 1, DB_CEIL - 1, 50).reshape(1, 5, 10)
    magnitude = 10 ** (db / 20)
    np.testing.assert_allclose(image_to_magnitude(magnitude_to_image(magnitude)), magnitude,
                               rtol=1e-4)
    assert float(image_to_magnitude(-torch.ones(1, 1, 2, 2)).abs().max()) == 0.0


def test_spectrogram_to_audio_with_the_true_phase_gives_the_clip_back(mixtures):
    voices = torch.from_numpy(mixtures.voices)
    images = spectrogram_image(voices)
    back = audio_from_magnitude(image_to_magnitude(images), stft(voices), CLIP_SAMPLES)
    assert back.shape == voices.shape
    assert si_sdr(back, voices).min() > 30  # dB: only the dB floor and the Nyquist bin are lost


def test_si_sdr_of_a_hand_computed_case():
    reference = np.array([1.0, -1.0, 1.0, -1.0])
    noise = np.array([1.0, 1.0, -1.0, -1.0])  # zero mean and orthogonal to the reference
    estimate = 2 * reference + noise
    # alpha = <estimate, reference> / ||reference||^2 = 8 / 4 = 2: target energy 16, noise 4
    assert float(si_sdr(estimate, reference)) == pytest.approx(10 * np.log10(16 / 4), abs=1e-6)
    assert float(si_sdr(-3 * estimate, reference)) == pytest.approx(10 * np.log10(16 / 4),
                                                                    abs=1e-6)
    assert float(si_sdr(estimate + 5.0, reference)) == pytest.approx(10 * np.log10(4), abs=1e-6)
    assert float(si_sdr(np.zeros(4), reference)) == pytest.approx(-80.0)
    with pytest.raises(ValueError):
        si_sdr(np.zeros(3), reference)


def test_subtracting_the_true_background_recovers_the_voice(mixtures):
    true_background = stft_magnitude(torch.from_numpy(mixtures.backgrounds))
    voice = voice_by_subtraction(mixtures.mixtures, true_background)
    oracle = si_sdr(voice, mixtures.voices)
    as_is = si_sdr(mixtures.mixtures, mixtures.voices)
    assert oracle.mean() > 8 and np.all(oracle > as_is + 3)


def test_separation_by_a_translator_and_the_baselines(mixtures):
    backgrounds = spectrogram_image(torch.from_numpy(mixtures.backgrounds))
    oracle = si_sdr(voice_from_translator(lambda images: backgrounds, mixtures.mixtures,
                                          batch_size=len(backgrounds)), mixtures.voices)
    silent = si_sdr(voice_from_translator(lambda images: images, mixtures.mixtures),
                    mixtures.voices)
    assert np.all(silent < -50)  # removing nothing leaves (almost) no voice: what is below
    # the image's dB floor
    scores = separation_baselines(mixtures.mixtures, mixtures.voices, mixtures.backgrounds,
                                  unmatched_backgrounds(8, seed=3))
    assert tuple(scores) == SEPARATION_BASELINES
    mixture_as_voice, spectral, ceiling = (scores[k].mean() for k in SEPARATION_BASELINES)
    assert mixture_as_voice < spectral < ceiling
    # the true background read back from its 80 dB image is nearly as good as the oracle
    assert oracle.mean() > ceiling - 1.0
