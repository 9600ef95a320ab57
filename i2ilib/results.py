"""The store of book-scale runs.

Each stored run is a folder ``results/<chapter>/<run-name>/`` with:

- ``config.json`` -- the full configuration (trainer options, data, evaluation, seed, scale);
- ``meta.json`` -- git commit, hardware, wall time, torch and i2ilib versions, date;
- ``metrics.json`` -- the numbers the chapter reports;
- ``history.json`` -- the loss history (one entry every few steps);
- ``samples.png`` -- a sample grid of test translations;
- ``generators.pt`` -- the generators' weights in float16 (optional).

:func:`load_or_train` returns the stored run whose configuration matches exactly, and otherwise
trains it (and stores it, except at smoke scale, whose runs go to a temporary folder). A stored
run whose configuration no longer matches is never used silently: it is retrained.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import __version__


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def config_hash(config: dict) -> str:
    """A short, stable fingerprint of a configuration."""
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()[:12]


def project_root(start: str | Path | None = None) -> Path | None:
    """The i2i-book checkout containing ``start`` (default: the working directory), if any."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "pyproject.toml").is_file() and (d / "i2ilib").is_dir():
            return d
    return None


def default_results_dir() -> Path:
    """``$I2I_RESULTS`` if set, else ``results/`` of the checkout, else ``./results``."""
    if os.environ.get("I2I_RESULTS"):
        return Path(os.environ["I2I_RESULTS"])
    root = project_root() or project_root(Path(__file__).parent)
    return (root / "results") if root else Path("results")


def git_commit(root: Path | None = None) -> str:
    """``HEAD`` of the checkout (``+dirty`` when there are uncommitted changes), or
    ``$I2I_GIT_COMMIT`` when set (a copy of the tree without its ``.git``), else ``"unknown"``."""
    if os.environ.get("I2I_GIT_COMMIT"):
        return os.environ["I2I_GIT_COMMIT"]
    root = root or project_root() or Path.cwd()
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, check=True,
                               timeout=10).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def describe_environment(device: torch.device | None = None) -> dict[str, Any]:
    from .device import describe_hardware

    return {
        "hardware": describe_hardware(device),
        "torch": torch.__version__,
        "i2ilib": __version__,
        "python": platform.python_version(),
        "git_commit": git_commit(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@dataclass
class Outcome:
    """What a training function hands to the store."""

    metrics: dict[str, Any]
    history: list[dict[str, float]] = field(default_factory=list)
    generators: dict[str, dict[str, torch.Tensor]] | None = None
    figure: Any = None  # a matplotlib Figure with test samples
    device: torch.device | None = None
    wall_time_s: float | None = None


@dataclass
class Run:
    """A stored (or just trained) run."""

    path: Path
    config: dict[str, Any]
    meta: dict[str, Any]
    metrics: dict[str, Any]
    history: list[dict[str, float]]
    loaded: bool  # True when it came from the store rather than from training now

    @property
    def samples_path(self) -> Path:
        return self.path / "samples.png"

    def generator_state(self) -> dict[str, dict[str, torch.Tensor]]:
        """The stored generators' weights (float32), by name (e.g. ``G`` or ``G_AB``)."""
        p = self.path / "generators.pt"
        if not p.is_file():
            raise FileNotFoundError(f"Run {self.path} was stored without generator weights.")
        state = torch.load(p, map_location="cpu", weights_only=True)
        return {name: {k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()}
                for name, sd in state.items()}

    def summary(self) -> str:
        src = "loaded from the results store" if self.loaded else "trained just now"
        return (f"{self.path.name}: {src}; trained on {self.meta.get('hardware')} in "
                f"{self.meta.get('wall_time_s', float('nan')):.0f} s "
                f"(commit {str(self.meta.get('git_commit'))[:10]})")


def _read_json(p: Path, default=None):
    return json.loads(p.read_text()) if p.is_file() else default


def read_run(path: str | Path) -> Run:
    path = Path(path)
    config = _read_json(path / "config.json")
    if config is None:
        raise FileNotFoundError(f"No stored run at {path} (config.json is missing).")
    return Run(path, config, _read_json(path / "meta.json", {}),
               _read_json(path / "metrics.json", {}), _read_json(path / "history.json", []),
               loaded=True)


def results_dir_for(scale: str | None, results_dir: str | Path | None = None) -> Path:
    """Where runs of ``scale`` are stored: smoke-scale runs always in a temporary folder (so CI
    never touches ``results/``), others in ``results_dir`` (default
    :func:`default_results_dir`)."""
    if scale == "smoke":
        return Path(tempfile.gettempdir()) / "i2i-smoke-results"
    return Path(results_dir or default_results_dir())


def find_run(name: str, config: dict, results_dir: str | Path | None = None) -> Run | None:
    """The stored run ``name`` if its configuration equals ``config``, else ``None``."""
    path = Path(results_dir or default_results_dir()) / name
    if not (path / "config.json").is_file():
        return None
    run = read_run(path)
    return run if canonical_json(run.config) == canonical_json(config) else None


def config_diff(a: dict, b: dict, prefix: str = "") -> list[str]:
    """Human-readable differences between two nested configurations."""
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k, "<missing>"), b.get(k, "<missing>")
        if isinstance(va, dict) and isinstance(vb, dict):
            out += config_diff(va, vb, f"{prefix}{k}.")
        elif canonical_json(va) != canonical_json(vb):
            out.append(f"{prefix}{k}: {va!r} -> {vb!r}")
    return out


def _thin(history: list[dict], max_points: int = 2000) -> list[dict]:
    if len(history) <= max_points:
        return history
    step = -(-len(history) // max_points)
    return history[::step]


def save_run(name: str, config: dict, outcome: Outcome,
             results_dir: str | Path | None = None) -> Run:
    """Write a run to the store atomically (a temporary folder renamed into place)."""
    import matplotlib.pyplot as plt

    root = Path(results_dir or default_results_dir())
    final = root / name
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    meta = describe_environment(outcome.device)
    meta["wall_time_s"] = round(outcome.wall_time_s, 1) if outcome.wall_time_s else None
    meta["config_hash"] = config_hash(config)
    (tmp / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
    (tmp / "metrics.json").write_text(json.dumps(outcome.metrics, indent=2, sort_keys=True))
    (tmp / "history.json").write_text(json.dumps(_thin(outcome.history)))
    if outcome.figure is not None:
        outcome.figure.savefig(tmp / "samples.png", dpi=90)
        plt.close(outcome.figure)
    if outcome.generators:
        half = {n: {k: (v.half() if v.is_floating_point() else v).cpu() for k, v in sd.items()}
                for n, sd in outcome.generators.items()}
        torch.save(half, tmp / "generators.pt")
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(final)
    run = read_run(final)
    run.loaded = False
    return run


def load_or_train(
    name: str,
    config: dict,
    train: Callable[[dict], Outcome],
    results_dir: str | Path | None = None,
    retrain: bool | None = None,
    verbose: bool = True,
) -> Run:
    """Load the stored run ``name`` whose configuration equals ``config``; else train and store it.

    Args:
        name: the run's folder below the results directory, e.g. ``"02_pix2pix/labels2photo"``.
        config: the complete configuration (JSON-serialisable); include ``"scale"``.
        train: ``train(config) -> Outcome``.
        results_dir: default :func:`default_results_dir`. Smoke-scale runs always go to a
            temporary folder, so CI never touches the stored results.
        retrain: train even when a matching run is stored (default: ``$I2I_RETRAIN == "1"``).
    """
    if retrain is None:
        retrain = os.environ.get("I2I_RETRAIN", "") == "1"
    results_dir = results_dir_for(config.get("scale"), results_dir)
    if not retrain:
        run = find_run(name, config, results_dir)
        if run is not None:
            if verbose:
                print(run.summary())
            return run
        stored = results_dir / name / "config.json"
        if verbose and stored.is_file():
            diff = config_diff(json.loads(stored.read_text()), config)
            print(f"Stored run {name} has another configuration ({'; '.join(diff[:5])}); "
                  "training it anew.")
    if verbose:
        print(f"Training {name} ...")
    t0 = time.perf_counter()
    outcome = train(config)
    if outcome.wall_time_s is None:
        outcome.wall_time_s = time.perf_counter() - t0
    run = save_run(name, config, outcome, results_dir)
    if verbose:
        print(run.summary())
    return run
