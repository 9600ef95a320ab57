"""The blind A/B study (a user study like implicit pairs Table 6 on the book's own outputs)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from i2ibook.widgets import CHOICES, BlindABStudy

N = 20


def _batches(n: int = N):
    """Inputs, A and B outputs whose pixel values say which input and model they are."""
    idx = np.arange(n, dtype=np.uint8)[:, None, None, None]
    inputs = np.broadcast_to(idx * 3, (n, 8, 8, 3)).copy()
    a = inputs.copy()
    a[..., 1] = 100
    b = inputs.copy()
    b[..., 1] = 200
    return inputs, a, b


def _is_a(image: np.ndarray) -> bool:
    assert image[0, 0, 1] in (100, 200)
    return bool(image[0, 0, 1] == 100)


def test_order_and_sides_are_random_but_fixed_by_the_seed():
    inputs, a, b = _batches()
    s0, s0_again, s1 = (BlindABStudy(inputs, a, b, seed=s) for s in (0, 0, 1))
    shown = [[s.trial_images(t)[0][0, 0, 0] // 3 for t in range(N)] for s in (s0, s0_again, s1)]
    assert shown[0] == shown[1]
    assert shown[0] != shown[2]
    assert sorted(shown[0]) == list(range(N))  # every input exactly once
    assert shown[0] != list(range(N))  # not the input order
    sides = [[_is_a(s.trial_images(t)[1]) for t in range(N)] for s in (s0, s0_again, s1)]
    assert sides[0] == sides[1] and sides[0] != sides[2]
    for s in sides:
        assert sum(s) == N // 2  # A on the left in exactly half of the trials
    for t in range(N):  # the other side always shows the other model, same input
        x, left, right = s0.trial_images(t)
        assert _is_a(left) != _is_a(right)
        assert left[0, 0, 0] == right[0, 0, 0] == x[0, 0, 0]


@pytest.mark.parametrize("n", [1, 7])
def test_odd_numbers_of_trials_stay_balanced(n):
    inputs, a, b = _batches(n)
    study = BlindABStudy(inputs, a, b, seed=3)
    left_a = sum(_is_a(study.trial_images(t)[1]) for t in range(n))
    assert abs(left_a - n / 2) <= 0.5


def test_recording_and_unblinded_results():
    inputs, a, b = _batches(6)
    study = BlindABStudy(inputs, a, b, names=("50% paired", "100% paired"), seed=5)
    # A participant who always picks model A's image, except two "same" answers
    for t in range(6):
        _, left, _ = study.trial_images(t)
        choice = "same" if t in (1, 4) else ("left" if _is_a(left) else "right")
        study.record(t, choice)
    r = study.results()
    assert r["counts"] == {"50% paired": 4, "100% paired": 0, "same": 2}
    assert r["answered"] == r["trials"] == 6
    assert r["percent"]["50% paired"] == pytest.approx(100 * 4 / 6)
    assert r["percent"]["same"] == pytest.approx(100 * 2 / 6)
    assert r["preference_rate"] == {"50% paired": 1.0, "100% paired": 0.0}
    assert [p["preferred"] for p in r["per_trial"]] == [
        "50% paired", "same", "50% paired", "50% paired", "same", "50% paired"]
    assert sorted(p["input"] for p in r["per_trial"]) == list(range(6))
    # changing one answer to model B
    _, left, _ = study.trial_images(0)
    study.record(0, "right" if _is_a(left) else "left")
    r = study.results()
    assert r["counts"] == {"50% paired": 3, "100% paired": 1, "same": 2}
    assert r["preference_rate"]["100% paired"] == pytest.approx(0.25)
    assert "100% paired preferred" not in study.summary() and "6 trials" in study.summary()


def test_results_stay_hidden_until_the_end():
    inputs, a, b = _batches(4)
    study = BlindABStudy(inputs, a, b)
    assert study.next_trial == 0 and not study.done
    study.record(0, "left")
    study.record(2, "same")
    assert study.n_answered == 2 and study.next_trial == 1
    with pytest.raises(RuntimeError, match="2 of 4 trials are unanswered"):
        study.results()
    r = study.results(partial=True)
    assert r["answered"] == 2 and sum(r["counts"].values()) == 2
    assert r["per_trial"][1]["choice"] is None and r["per_trial"][1]["preferred"] is None
    assert "a_side" not in repr(study) and "left" not in repr(study)
    for t in (1, 3):
        study.record(t, "same")
    assert study.done and study.next_trial is None
    assert study.results()["preference_rate"]["model A"] in (0.0, 1.0)


def test_all_same_gives_no_preference():
    inputs, a, b = _batches(3)
    study = BlindABStudy(inputs, a, b)
    for t in range(3):
        study.record(t, "same")
    r = study.results()
    assert r["counts"]["same"] == 3 and r["percent"]["same"] == 100.0
    assert all(math.isnan(v) for v in r["preference_rate"].values())


def test_invalid_choices_and_trials_raise():
    inputs, a, b = _batches(4)
    study = BlindABStudy(inputs, a, b)
    with pytest.raises(ValueError, match="'left', 'right', 'same'"):
        study.record(0, "A")
    with pytest.raises(IndexError, match="0 to 3"):
        study.record(4, "left")
    with pytest.raises(IndexError, match="0 to 3"):
        study.record(-1, "left")
    with pytest.raises(TypeError, match="integer"):
        study.record(1.0, "left")
    with pytest.raises(IndexError):
        study.trial_images(10)
    assert study.n_answered == 0
    assert set(CHOICES) == {"left", "right", "same"}


def test_bad_construction_raises():
    inputs, a, b = _batches(4)
    with pytest.raises(ValueError, match="same number of images"):
        BlindABStudy(inputs, a[:3], b)
    with pytest.raises(ValueError, match="two different"):
        BlindABStudy(inputs, a, b, names=("x", "x"))
    with pytest.raises(ValueError, match="two different"):
        BlindABStudy(inputs, a, b, names=("x", "same"))
    with pytest.raises(ValueError, match="empty"):
        BlindABStudy(inputs[:0], a[:0], b[:0])
    with pytest.raises(ValueError, match="batch"):
        BlindABStudy(torch.zeros(3, 8, 8), a, b)
    with pytest.raises(TypeError, match="tensor"):
        BlindABStudy(inputs, 3, b)


def test_tensors_in_minus_one_one_are_accepted():
    x = torch.zeros(2, 3, 4, 4)
    study = BlindABStudy(x, torch.ones(2, 3, 4, 4), -torch.ones(2, 3, 4, 4), seed=0)
    img, left, right = study.trial_images(0)
    assert img.dtype == np.uint8 and img.shape == (4, 4, 3)
    assert {int(left.max()), int(right.max())} == {0, 255}
    assert int(img.min()) == int(img.max()) == 128


def test_widget_runs_the_study():
    w = pytest.importorskip("ipywidgets")
    inputs, a, b = _batches(3)
    study = BlindABStudy(inputs, a, b, names=("ours", "baseline"), seed=2)
    box = study.widget(display_size=32)
    assert isinstance(box, w.VBox)
    images, buttons, progress, result = box.children
    pictures = [col.children[1] for col in images.children]
    assert all(isinstance(p, w.Image) and p.value[:4] == b"\x89PNG" for p in pictures)
    left_btn, same_btn, right_btn = buttons.children
    assert progress.value.startswith("Trial 1 of 3")
    first_input = pictures[0].value
    left_btn.click()
    assert study.n_answered == 1 and progress.value.startswith("Trial 2 of 3")
    assert pictures[0].value != first_input  # the next trial's input is shown
    assert study.results(partial=True)["per_trial"][0]["choice"] == "left"
    same_btn.click()
    right_btn.click()
    assert study.done and left_btn.disabled and right_btn.disabled
    assert progress.value.startswith("Done") and "3 trials" in result.value
    counts = study.results()["counts"]
    assert counts["same"] == 1 and counts["ours"] + counts["baseline"] == 2


def test_widget_without_ipywidgets_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "ipywidgets" or name.startswith("ipywidgets."):
            raise ImportError("No module named 'ipywidgets'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    inputs, a, b = _batches(2)
    with pytest.raises(ImportError, match="pip install ipywidgets"):
        BlindABStudy(inputs, a, b).widget()


def test_blind_study_static_figure_shows_trials_without_the_names():
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 255, (5, 8, 8, 3), dtype=np.uint8)
    study = BlindABStudy(faces, faces, 255 - faces, names=("x", "y"), seed=1)
    fig = study.figure(3)
    axes = fig.axes
    assert len(axes) == 9
    assert [a.get_title() for a in axes[:3]] == ["input", "left", "right"]
    left, right = study.trial_images(0)[1:]
    assert np.array_equal(axes[1].images[0].get_array(), left)
    assert np.array_equal(axes[2].images[0].get_array(), right)
    texts = " ".join(t.get_text() for a in axes for t in [a.title, a.yaxis.label])
    assert "x" not in texts.split() and "y" not in texts.split()
    assert study.n_answered == 0


def test_a_widget_without_ipywidgets_says_how_to_install_it_and_what_works(monkeypatch):
    import sys

    from i2ibook.chapters import ch09_minimality
    from i2ibook.widgets import require_ipywidgets

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # as if not installed
    with pytest.raises(ImportError, match=r"X.widget needs ipywidgets: pip install ipywidgets.*"
                                          r"i2ilib\[book\].*without it, figure\(\) works"):
        require_ipywidgets("X.widget", "figure() works")
    explorer = object.__new__(ch09_minimality.MappingExplorer)
    with pytest.raises(ImportError, match="MappingExplorer.widget needs ipywidgets"):
        explorer.widget()
