"""Interactive tools for the notebooks: a blind A/B comparison to run a user study.

Ginger et al. 2019 (Sec. 4.2, Table 6) judged task completion with a user study: participants
saw the results of two models side by side and chose the one that completed the task better,
or neither when both were equally good or bad. :class:`BlindABStudy` runs the same study on a
class's own outputs. The trial order and the side each model is shown on are randomised by a
seed and stay hidden until every trial is answered; :meth:`BlindABStudy.results` then unblinds
the answers into per-model preference counts.

The study logic is plain Python (testable without a display); :meth:`BlindABStudy.widget`
wraps it in ipywidgets for a notebook (the ``book`` extra: ``pip install "i2ilib[book]"``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from i2ilib.viz import to_image

__all__ = ["CHOICES", "BlindABStudy", "require_ipywidgets"]

#: What a participant can answer: the left image is better, the right one, or neither.
CHOICES: tuple[str, ...] = ("left", "right", "same")


def require_ipywidgets(owner: str, without: str) -> Any:
    """The ``ipywidgets`` module, for ``owner`` (e.g. ``"BlindABStudy.widget"``).

    Raises:
        ImportError: naming ``owner``, how to install ipywidgets, and ``without``: what works
            without it.
    """
    try:
        import ipywidgets
    except ImportError:
        raise ImportError(f"{owner} needs ipywidgets: pip install ipywidgets (or the book's "
                          f"extras: pip install \"i2ilib[book]\"); without it, {without}"
                          ) from None
    return ipywidgets


def _as_uint8_batch(images: Any, name: str) -> np.ndarray:
    """``(N, 3, H, W)`` tensor in [-1, 1] or ``(N, H, W, 3)`` uint8 array (or a sequence of
    single images of either kind) -> uint8 ``(N, H, W, 3)``."""
    if isinstance(images, torch.Tensor):
        if images.ndim != 4:
            raise ValueError(
                f"{name} must be a batch (N, 3, H, W) in [-1, 1], got shape {tuple(images.shape)}"
            )
        items: Sequence = list(images)
    elif isinstance(images, np.ndarray):
        if images.ndim != 4:
            raise ValueError(
                f"{name} must be a batch (N, H, W, 3) uint8 array, got shape {images.shape}"
            )
        items = list(images)
    else:
        try:
            items = list(images)
        except TypeError:
            raise TypeError(
                f"{name} must be a tensor (N, 3, H, W) in [-1, 1], a uint8 array (N, H, W, 3) or "
                f"a list of images, got {type(images).__name__}"
            ) from None
    if not items:
        raise ValueError(f"{name} is empty: a study needs at least one trial")
    out = []
    for k, x in enumerate(items):
        try:
            out.append(np.round(to_image(x) * 255.0).astype(np.uint8))
        except ValueError as err:
            raise ValueError(f"{name}[{k}]: {err}") from None
    shapes = {a.shape for a in out}
    if len(shapes) != 1:
        raise ValueError(f"{name} holds images of different sizes {sorted(shapes)}")
    return np.stack(out)


def _png(image: np.ndarray, size: int) -> bytes:
    """PNG bytes of a uint8 ``(H, W, 3)`` image scaled (nearest neighbour) to ``size`` wide."""
    from PIL import Image

    im = Image.fromarray(image)
    if size and im.width != size:
        im = im.resize((size, max(1, round(im.height * size / im.width))), Image.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


class BlindABStudy:
    """A blind two-alternative comparison of two models' outputs on the same inputs.

    Trial ``t`` shows input ``order[t]`` with model A's output on one side and model B's on the
    other. The order is a random permutation and model A is on the left in half of the trials
    (one more or fewer when the number is odd), both drawn from ``seed``: the same seed gives
    the same study. Neither is revealed before every trial is answered.

    Args:
        inputs: the source images, ``(N, 3, H, W)`` tensor in [-1, 1] or ``(N, H, W, 3)``
            uint8 array.
        outputs_a, outputs_b: the two models' translations of ``inputs``, same layout and N.
        names: what to call the two models in the results.
        seed: randomises the trial order and the sides.

    Raises:
        ValueError: on empty or mismatched batches, or names that are not two different
            strings (``"same"`` is reserved).
        TypeError: on images that are neither tensors nor arrays.

    Example::

        study = BlindABStudy(test_A, out_50, out_100, names=("50% paired", "100% paired"))
        study.widget()          # in a notebook; or, by hand:
        study.record(0, "left")
        ...
        study.results()["preference_rate"]
    """

    def __init__(self, inputs: Any, outputs_a: Any, outputs_b: Any,
                 names: tuple[str, str] = ("model A", "model B"), seed: int = 0) -> None:
        self.inputs = _as_uint8_batch(inputs, "inputs")
        a = _as_uint8_batch(outputs_a, "outputs_a")
        b = _as_uint8_batch(outputs_b, "outputs_b")
        n = len(self.inputs)
        if len(a) != n or len(b) != n:
            raise ValueError(
                f"inputs, outputs_a and outputs_b must hold the same number of images, got "
                f"{n}, {len(a)} and {len(b)}; pass each model's translation of every input"
            )
        names = tuple(names)
        if (len(names) != 2 or not all(isinstance(x, str) and x for x in names)
                or names[0] == names[1] or "same" in names):
            raise ValueError(
                f"names must be two different non-empty strings other than 'same', got {names!r}"
            )
        self.names: tuple[str, str] = (names[0], names[1])
        self.seed = int(seed)
        self._a, self._b = a, b
        rng = np.random.default_rng(self.seed)
        self._order = rng.permutation(n)
        left = np.zeros(n, bool)
        left[: n // 2] = True
        if n % 2:
            left[-1] = bool(rng.random() < 0.5)
        self._a_on_left = rng.permutation(left)
        self._choices: list[str | None] = [None] * n

    def __repr__(self) -> str:
        return (f"BlindABStudy({self.n_trials} trials, {self.n_answered} answered, "
                f"names={self.names!r}, seed={self.seed})")

    def __len__(self) -> int:
        return self.n_trials

    @property
    def n_trials(self) -> int:
        """Number of trials (one per input)."""
        return len(self._choices)

    @property
    def n_answered(self) -> int:
        """Trials answered so far."""
        return sum(c is not None for c in self._choices)

    @property
    def done(self) -> bool:
        """True when every trial is answered (the results can be unblinded)."""
        return self.n_answered == self.n_trials

    @property
    def next_trial(self) -> int | None:
        """The first unanswered trial, or ``None`` when all are answered."""
        return next((t for t, c in enumerate(self._choices) if c is None), None)

    def _check_trial(self, trial: int) -> int:
        if isinstance(trial, bool) or not isinstance(trial, (int, np.integer)):
            raise TypeError(f"trial must be an integer, got {type(trial).__name__}")
        if not 0 <= int(trial) < self.n_trials:
            raise IndexError(
                f"trial {trial} does not exist: trials are numbered 0 to {self.n_trials - 1}"
            )
        return int(trial)

    def trial_images(self, trial: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What trial ``trial`` shows: uint8 ``(H, W, 3)`` images (input, left, right)."""
        t = self._check_trial(trial)
        i = int(self._order[t])
        a, b = self._a[i], self._b[i]
        return (self.inputs[i], a, b) if self._a_on_left[t] else (self.inputs[i], b, a)

    def record(self, trial: int, choice: str) -> None:
        """Record the answer to ``trial``: ``"left"``, ``"right"`` or ``"same"`` (both equally
        good or bad). Answering a trial again replaces the earlier answer.

        Raises:
            IndexError: if there is no such trial. TypeError: if ``trial`` is not an integer.
            ValueError: on another choice.
        """
        t = self._check_trial(trial)
        if choice not in CHOICES:
            raise ValueError(f"choice must be one of {', '.join(map(repr, CHOICES))}, got {choice!r}")
        self._choices[t] = choice

    def results(self, partial: bool = False) -> dict:
        """The unblinded answers.

        Args:
            partial: unblind before every trial is answered (the study is then no longer
                blind for whoever reads the result).

        Returns:
            ``{"names", "trials", "answered", "counts": {name_a, name_b, "same"},
            "percent": {...}`` (of the answered trials) ``, "preference_rate": {name_a,
            name_b}`` (share of the decided trials, "same" left out: the rate of Table 6, NaN
            when nothing was decided) ``, "per_trial": [{"trial", "input", "a_side", "choice",
            "preferred"}, ...]}``.

        Raises:
            RuntimeError: if some trials are unanswered and ``partial`` is False.
        """
        if not self.done and not partial:
            raise RuntimeError(
                f"{self.n_trials - self.n_answered} of {self.n_trials} trials are unanswered; "
                "the sides stay hidden until every trial is answered (results(partial=True) "
                "unblinds early)"
            )
        name_a, name_b = self.names
        counts = {name_a: 0, name_b: 0, "same": 0}
        per_trial = []
        for t, choice in enumerate(self._choices):
            a_side = "left" if self._a_on_left[t] else "right"
            if choice is None:
                preferred = None
            elif choice == "same":
                preferred = "same"
            else:
                preferred = name_a if choice == a_side else name_b
            if preferred is not None:
                counts[preferred] += 1
            per_trial.append({"trial": t, "input": int(self._order[t]), "a_side": a_side,
                              "choice": choice, "preferred": preferred})
        answered = sum(counts.values())
        decided = counts[name_a] + counts[name_b]
        percent = {k: (100.0 * v / answered if answered else float("nan"))
                   for k, v in counts.items()}
        rate = {k: (counts[k] / decided if decided else float("nan")) for k in self.names}
        return {"names": self.names, "trials": self.n_trials, "answered": answered,
                "counts": counts, "percent": percent, "preference_rate": rate,
                "per_trial": per_trial}

    def summary(self) -> str:
        """One line of the unblinded result (all trials answered)."""
        r = self.results()
        a, b = self.names
        return (f"{r['answered']} trials: {a} preferred {r['counts'][a]} "
                f"({r['percent'][a]:.0f}%), {b} {r['counts'][b]} ({r['percent'][b]:.0f}%), "
                f"same {r['counts']['same']} ({r['percent']['same']:.0f}%)")

    def figure(self, n: int = 4, ax_size: float = 1.6):
        """The first ``n`` trials as a participant sees them (input, left, right), without
        saying which model is on which side: the static page's stand-in for :meth:`widget`.
        Returns the matplotlib figure."""
        import matplotlib.pyplot as plt

        n = max(1, min(int(n), self.n_trials))
        fig, axes = plt.subplots(n, 3, figsize=(3 * ax_size, n * ax_size), squeeze=False)
        for t in range(n):
            for c, (image, title) in enumerate(zip(self.trial_images(t),
                                                   ("input", "left", "right"))):
                ax = axes[t, c]
                ax.imshow(image)
                ax.set_xticks([])
                ax.set_yticks([])
                if t == 0:
                    ax.set_title(title, fontsize=9)
            axes[t, 0].set_ylabel(f"trial {t + 1}", fontsize=8)
        fig.suptitle("Which translation removes the attribute better?", fontsize=10)
        fig.tight_layout()
        return fig

    def widget(self, display_size: int = 192) -> Any:
        """An ipywidgets ``VBox``: input | left | right, three answer buttons and a progress
        label. Each click records the shown trial and moves to the next unanswered one; after
        the last, the buttons are disabled and the unblinded summary is shown.

        Args:
            display_size: width in pixels the images are shown at (nearest-neighbour scaling).

        Raises:
            ImportError: if ipywidgets is not installed (the message says how to install it).
        """
        w = require_ipywidgets("BlindABStudy.widget", "show trial_images(t) yourself and call "
                               "record(t, choice)")

        def column(caption: str) -> tuple[Any, Any]:
            img = w.Image(format="png", width=display_size)
            return img, w.VBox([w.HTML(f"<b>{caption}</b>"), img])

        (img_in, col_in), (img_l, col_l), (img_r, col_r) = (
            column(c) for c in ("input", "left", "right"))
        buttons = {
            "left": w.Button(description="Left is better"),
            "same": w.Button(description="Same (both good or bad)"),
            "right": w.Button(description="Right is better"),
        }
        progress = w.Label()
        result = w.HTML()
        state: dict[str, int | None] = {"trial": self.next_trial}

        def show() -> None:
            t = state["trial"]
            if t is None:
                for b in buttons.values():
                    b.disabled = True
                progress.value = f"Done: {self.n_trials} of {self.n_trials} trials answered."
                result.value = f"<p>{self.summary()}</p>"
                return
            x, left, right = self.trial_images(t)
            img_in.value, img_l.value, img_r.value = (_png(im, display_size)
                                                      for im in (x, left, right))
            progress.value = (f"Trial {t + 1} of {self.n_trials} "
                              f"({self.n_answered} answered)")

        def answer(choice: str) -> Any:
            def on_click(_button: Any) -> None:
                t = state["trial"]
                if t is None:
                    return
                self.record(t, choice)
                state["trial"] = self.next_trial
                show()
            return on_click

        for choice, b in buttons.items():
            b.on_click(answer(choice))
        show()
        return w.VBox([w.HBox([col_in, col_l, col_r]),
                       w.HBox([buttons["left"], buttons["same"], buttons["right"]]),
                       progress, result])
