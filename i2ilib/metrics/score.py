"""A reported number that always says what measured it.

A Fréchet distance computed on Inception-V3 pool features (the pytorch-fid weights) is the
FID of Heusel et al. that papers report (thesis eq. 2.5; UCSD report eq. 9). The same formula on any
other feature space is a different number on a different scale. :class:`Score` carries the name of
the metric *and* of the feature extractor (or distance network) with the value, so that a table
or plot built from scores can never call a non-Inception distance "FID" by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Name prefix of extractors whose features are the standard pytorch-fid Inception-V3 features.
INCEPTION_NAME = "inception-v3-pytorch-fid"


@dataclass(frozen=True)
class Score:
    """A metric value with its provenance.

    Attributes:
        value: the number.
        metric: what was computed, e.g. ``"FID"``, ``"FD"``, ``"KID"``, ``"precision"``.
        extractor: the feature extractor / network that produced the features the metric was
            computed on, e.g. ``"inception-v3-pytorch-fid"`` or ``"randconv-s0-d256"``.
        extras: further numbers of the same measurement (e.g. ``{"std": ...}`` for KID, ``{"n_a":
            1000, "n_b": 1000}``).
    """

    value: float
    metric: str
    extractor: str
    extras: dict = field(default_factory=dict)

    def __float__(self) -> float:
        return float(self.value)

    @property
    def label(self) -> str:
        """A short label for tables and plots, e.g. ``"FD[randconv-s0-d256]"``."""
        return f"{self.metric}[{self.extractor}]"

    def __str__(self) -> str:
        return f"{self.label} = {self.value:.6g}"

    def as_dict(self) -> dict:
        """A JSON-friendly dict ``{"metric", "extractor", "value", **extras}``."""
        return {"metric": self.metric, "extractor": self.extractor, "value": float(self.value),
                **self.extras}


def frechet_metric_name(extractor_name: str) -> str:
    """``"FID"`` for the standard Inception features, ``"FD"`` (Fréchet distance) for any other."""
    return "FID" if extractor_name.startswith(INCEPTION_NAME) else "FD"
