"""The store of book-scale runs.

Each stored run is a folder ``results/<chapter>/<run-name>/`` with:

- ``config.json`` -- the full configuration (trainer options, data, evaluation, seed, scale);
- ``meta.json`` -- git commit, hardware, wall time, torch and i2ilib versions, date;
- ``metrics.json`` -- the numbers the chapter reports;
- ``history.json`` -- the loss history (one entry every few steps);
- ``samples.png`` -- a sample grid of test translations;
- ``generators.pt`` -- the generators' weights in float16 (optional);
- ``digests.json`` -- the sha256 of each of the files above, written with them; and of each
  optional file removed on purpose (:func:`remove_files`), so that what was derived from it
  (cached scores, say) stays tied to the run that made it.

A run may keep its metrics but not its weights: a repository of many runs keeps
``generators.pt`` only for the runs whose images it shows (``save_run(..., drop_files=...)``
or :func:`remove_files` afterwards). Asking such a run for its weights raises
:class:`WeightsNotStoredError`, naming the command that retrains it with its weights. What was
derived from a run's weights can be cached beside it (:func:`cached_result`), recorded and
verified like its files.

Nothing stored is trusted unverified: :func:`read_run` (and so :func:`find_run` and
:func:`load_or_train`) checks every file against ``digests.json`` and parses it before a run is
returned. A missing, unreadable or altered file raises :class:`StoredRunError`, which names the
file, the run and the command that regenerates it (``make reproduce CHAPTER=NN``). Digests of a
folder whose files have not changed (size, modification time) are checked once per process, so
loading a chapter's runs again costs nothing.

:func:`load_or_train` returns the stored run whose configuration matches exactly, and otherwise
trains it (and stores it, except at smoke scale, whose runs go to a temporary folder). A stored
run whose configuration no longer matches is never used silently: it is retrained.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import __version__
from .device import describe_hardware

#: The file in a run's folder that records the sha256 of the run's other files.
DIGESTS_FILE = "digests.json"
#: Files every stored run has.
REQUIRED_FILES = ("config.json", "meta.json", "metrics.json")
#: Files a stored run may have (:func:`save_run` always writes ``history.json``); each one
#: recorded in ``digests.json`` must be there.
OPTIONAL_FILES = ("history.json", "samples.png", "generators.pt")
#: The generators' weights (float16), one of :data:`OPTIONAL_FILES`.
WEIGHTS_FILE = "generators.pt"
#: The JSON files and the type each must hold.
_JSON_TYPES: dict[str, type] = {"config.json": dict, "meta.json": dict, "metrics.json": dict,
                                "history.json": list}
_DIGESTS_VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")


class StoredRunError(ValueError):
    """A stored run's files are missing, unreadable, or not the files that were stored.

    Attributes:
        run: the run's folder.
        file: the offending file (``None`` when the whole run is concerned).
        command: the command that regenerates the run.
    """

    def __init__(self, run: Path, file: Path | None, problem: str) -> None:
        self.run = Path(run)
        self.file = Path(file) if file is not None else None
        self.command = regenerate_command(self.run)
        what = f"{self.file.name} of stored run" if self.file is not None else "Stored run"
        restore = (f" (or, if the committed run is intact, restore it with "
                   f"`git checkout -- {self.run}`)" if self.command.endswith(tuple("0123456789"))
                   else "")
        super().__init__(
            f"{what} {run_label(self.run)} ({self.run}): {problem}. Do not use this run: "
            f"regenerate it with `{self.command}`{restore}.")


class WeightsNotStoredError(StoredRunError):
    """A stored run kept its metrics but not its generators' weights (removed on purpose).

    Not a damaged run: everything else it stores is verified and usable."""

    def __init__(self, run: Path) -> None:  # pylint: disable=super-init-not-called
        self.run = Path(run)
        self.file = self.run / WEIGHTS_FILE
        self.command = regenerate_command(self.run, weights=True)
        ValueError.__init__(
            self, f"Stored run {run_label(self.run)} ({self.run}) has no generator weights: to "
            "keep the repository small they are kept only for the runs whose images the book "
            "shows; its metrics, configuration and digests are stored. Retrain it with its "
            f"weights: `{self.command}`.")


def run_label(path: str | Path) -> str:
    """``<chapter>/<run-name>`` of a run folder, e.g. ``07_pseudo_pairs/glasses-seed0``."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}"


def regenerate_command(path: str | Path, weights: bool = False) -> str:
    """The command that retrains and stores the run in folder ``path``:
    ``make reproduce CHAPTER=NN``, NN being the prefix of its chapter folder
    (``results/07_pseudo_pairs/...`` -> ``07``); with ``weights``, the command that retrains this
    one run and keeps its weights (``make reproduce RUN=07_pseudo_pairs/... KEEP_WEIGHTS=1``)."""
    m = re.match(r"(\d+)_", Path(path).parent.name)
    if m and weights:
        return f"make reproduce RUN={run_label(path)} KEEP_WEIGHTS=1"
    if m:
        return f"make reproduce CHAPTER={m.group(1)}"
    if weights:
        return "load_or_train(..., retrain=True) (it stores the weights by default)"
    return "make reproduce (or load_or_train(..., retrain=True) for a run outside the book)"


def file_sha256(path: str | Path) -> str:
    """The sha256 hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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

    @property
    def has_weights(self) -> bool:
        """True when the run stores its generators' weights (``generators.pt``)."""
        return WEIGHTS_FILE in _read_record(self.path).files

    @property
    def weights_digest(self) -> str | None:
        """The sha256 of the run's ``generators.pt``, also when the file was removed on purpose
        (:func:`remove_files`): what was derived from these weights can be tied to them."""
        record = _read_record(self.path)
        return record.files.get(WEIGHTS_FILE) or record.removed.get(WEIGHTS_FILE)

    def generator_state(self) -> dict[str, dict[str, torch.Tensor]]:
        """The stored generators' weights (float32), by name (e.g. ``G`` or ``G_AB``).

        Raises:
            WeightsNotStoredError: the weights were not kept (:func:`remove_files`); the
                message names the command that retrains the run with them.
            FileNotFoundError: the run never had weights (written without generators).
            StoredRunError: the weights file is altered or unreadable.
        """
        p = self.path / WEIGHTS_FILE
        digests = verify_run(self.path)  # a recorded generators.pt must be there, unaltered
        if WEIGHTS_FILE in _read_record(self.path).removed:
            raise WeightsNotStoredError(self.path)
        if WEIGHTS_FILE not in digests:
            raise FileNotFoundError(f"Run {self.path} was stored without generator weights.")
        try:
            state = torch.load(p, map_location="cpu", weights_only=True)
        except Exception as e:  # torch raises RuntimeError, UnpicklingError, EOFError ...
            raise StoredRunError(self.path, p, f"the weights cannot be loaded ({e})") from e
        if not isinstance(state, dict) or not all(isinstance(sd, dict) for sd in state.values()):
            raise StoredRunError(self.path, p, "the file does not hold generators' state dicts")
        return {name: {k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()}
                for name, sd in state.items()}

    def summary(self) -> str:
        """Two short lines: the run and where it comes from; how and where it was trained."""
        src = "loaded from the results store" if self.loaded else "trained just now"
        return (f"{self.path.name}: {src}\n"
                f"  trained in {self.meta.get('wall_time_s', float('nan')):.0f} s on "
                f"{self.meta.get('hardware')} (commit {str(self.meta.get('git_commit'))[:10]})")


def is_run_folder(path: str | Path) -> bool:
    """True when ``path`` holds (what is left of) a stored run: a ``config.json`` or a
    ``digests.json``."""
    path = Path(path)
    return (path / "config.json").is_file() or (path / DIGESTS_FILE).is_file()


def _stored_files(path: Path) -> list[str]:
    return [n for n in (*REQUIRED_FILES, *OPTIONAL_FILES) if (path / n).is_file()]


def record_digests(path: str | Path) -> dict[str, str]:
    """Write ``digests.json`` for the run in folder ``path``: the sha256 of each of its stored
    files. Returns the digests by file name. Files recorded as removed (:func:`remove_files`)
    stay recorded so, unless they are back.

    Only for files known to be right: :func:`save_run` calls it on a run it has just written,
    :func:`backfill_digests` on committed runs. Every JSON file must parse.

    Raises:
        StoredRunError: a required file is missing or a JSON file does not parse.
    """
    path = Path(path)
    for name in REQUIRED_FILES:
        if not (path / name).is_file():
            raise StoredRunError(path, path / name, "the file is missing")
    for name in _JSON_TYPES:
        if (path / name).is_file():
            _parse_json(path, name)
    digests = {name: file_sha256(path / name) for name in _stored_files(path)}
    old = _read_record(path) if (path / DIGESTS_FILE).is_file() else _Record({}, {}, {})
    _write_record(path, _Record(digests, {n: d for n, d in old.removed.items()
                                          if n not in digests}, old.derived))
    return digests


@dataclass
class _Record:
    """A run's ``digests.json``: the sha256 of each stored file (``files``), of each optional
    file removed on purpose (``removed``) and of each cached derived result (``derived``,
    :func:`cached_result`)."""

    files: dict[str, str]
    removed: dict[str, str]
    derived: dict[str, str]


def _write_record(path: Path, record: _Record) -> None:
    out: dict[str, Any] = {"version": _DIGESTS_VERSION, "algorithm": "sha256",
                           "files": record.files}
    if record.removed:
        out["removed"] = record.removed
    if record.derived:
        out["derived"] = record.derived
    tmp = path / f".{DIGESTS_FILE}.tmp"
    tmp.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path / DIGESTS_FILE)
    _VERIFIED.pop(path.resolve(), None)


def _is_digest_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and "/" not in k and isinstance(v, str) and _SHA256.fullmatch(v)
        for k, v in value.items())


def _read_record(path: Path) -> _Record:
    """The run's ``digests.json``, checked for form."""
    p = path / DIGESTS_FILE
    if not p.is_file():
        raise StoredRunError(path, p, "the file is missing, so the run's files cannot be "
                             "verified (runs are stored with it since i2ilib records digests)")
    try:
        record = json.loads(p.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise StoredRunError(path, p, f"the file cannot be read ({e})") from e
    files = record.get("files") if isinstance(record, dict) else None
    removed = record.get("removed", {}) if isinstance(record, dict) else None
    derived = record.get("derived", {}) if isinstance(record, dict) else None
    if (not _is_digest_map(files) or record.get("algorithm") != "sha256"
            or not _is_digest_map(removed) or not _is_digest_map(derived)):
        raise StoredRunError(path, p, "the file is not a digest record (expected "
                             '{"algorithm": "sha256", "files": {name: 64 hex digits}})')
    missing = [n for n in REQUIRED_FILES if n not in files]
    if missing:
        raise StoredRunError(path, p, f"the record lacks {', '.join(missing)}")
    wrong = [n for n in removed if n not in OPTIONAL_FILES or n in files]
    if wrong:
        raise StoredRunError(path, p, f"the record lists {', '.join(wrong)} as removed, but "
                             f"only {', '.join(OPTIONAL_FILES)} can be, and not while stored")
    return _Record(dict(files), dict(removed), dict(derived))


def _read_digests(path: Path) -> dict[str, str]:
    return _read_record(path).files


def remove_files(path: str | Path, names: Iterable[str] = (WEIGHTS_FILE,)) -> list[str]:
    """Delete optional files (default: the weights) of the stored run in folder ``path``, after
    verifying the run; their digests stay in ``digests.json`` as removed on purpose, so the run
    still loads (metrics, configuration) and what was derived from the weights stays tied to
    them (:attr:`Run.weights_digest`). Returns the names removed (those not stored are skipped).

    Raises:
        ValueError: a name is not one of :data:`OPTIONAL_FILES` (required files stay).
        StoredRunError: the run's files do not match their digests.
    """
    path = Path(path)
    names = list(names)
    wrong = [n for n in names if n not in OPTIONAL_FILES]
    if wrong:
        raise ValueError(f"Only optional files can be removed ({', '.join(OPTIONAL_FILES)}), "
                         f"not {', '.join(wrong)}.")
    verify_run(path)
    record = _read_record(path)
    gone = [n for n in names if n in record.files]
    if not gone:
        return []
    for n in gone:
        record.removed[n] = record.files.pop(n)
    _write_record(path, record)  # first the record: a file it no longer lists is ignored
    for n in gone:
        (path / n).unlink(missing_ok=True)
    return gone


def verify_derived(path: str | Path) -> dict[str, str]:
    """Check each cached result of the run in folder ``path`` (:func:`cached_result`) against
    its recorded sha256; return those digests. A recorded cache file that is gone is fine (it is
    computed again when needed, if the weights are there).

    Raises:
        StoredRunError: a cached file differs from what was recorded.
    """
    path = Path(path)
    derived = _read_record(path).derived
    for name, digest in derived.items():
        f = path / name
        if f.is_file() and file_sha256(f) != digest:
            raise StoredRunError(path, f, "the cached result was changed after it was recorded "
                                 "(delete it to compute it again)")
    return derived


def cached_result(run: Run, filename: str, version: int, compute: Callable[[], Any]) -> Any:
    """A JSON value derived from a stored run (statistics of its translations, say), computed
    once and kept in ``filename`` in the run's folder; its sha256 is recorded in the run's
    ``digests.json`` (under ``derived``) and checked on every read. It is reused while it was
    written by this ``version`` of ``compute``, for this configuration and these weights
    (:attr:`Run.weights_digest`), so it outlives the weights when they are removed
    (:func:`remove_files`). Returns what a later read returns (the value after a JSON round
    trip), so a fresh and a cached value are equal.

    Raises:
        StoredRunError: the cached file was altered after it was recorded.
        WeightsNotStoredError: nothing cached matches and ``compute`` needs the removed weights.
    """
    if "/" in filename or filename in (*REQUIRED_FILES, *OPTIONAL_FILES, DIGESTS_FILE):
        raise ValueError(f"{filename!r} is not a cache file name (a plain name, not one of the "
                         "run's stored files)")
    key = {"version": version, "config_hash": config_hash(run.config),
           "weights": run.weights_digest}
    folder = Path(run.path)
    path = folder / filename
    record = _read_record(folder)
    if path.is_file() and filename in record.derived:
        if file_sha256(path) != record.derived[filename]:
            raise StoredRunError(folder, path, "the cached result was changed after it was "
                                 "recorded (delete it to compute it again)")
        stored = json.loads(path.read_text())
        if isinstance(stored, dict) and stored.get("key") == key:
            return stored["value"]
    value = compute()
    text = json.dumps({"key": key, "value": value}, sort_keys=True)
    tmp = folder / f".{filename}.{os.getpid()}-{time.time_ns()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    record = _read_record(folder)
    record.derived[filename] = hashlib.sha256(text.encode()).hexdigest()
    _write_record(folder, record)
    return json.loads(text)["value"]


def _signature(path: Path, names: list[str]) -> tuple:
    """What must stay the same for an earlier verification to hold."""
    out = []
    for n in [DIGESTS_FILE, *names]:
        try:
            st = (path / n).stat()
        except OSError:
            return ()
        out.append((n, st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(out)


#: run folder -> signature of its files when their digests last matched (this process).
_VERIFIED: dict[Path, tuple] = {}


def verify_run(path: str | Path) -> dict[str, str]:
    """Check every file of the run in folder ``path`` against its ``digests.json``; return the
    digests. Checked once per process while the files keep their size and modification time.

    Raises:
        StoredRunError: ``digests.json`` is missing or unreadable, or a recorded file is
            missing, unreadable or has another sha256.
    """
    path = Path(path)
    key = path.resolve()
    digests = _read_digests(path)
    names = sorted(digests)
    sig = _signature(path, names)
    if sig and _VERIFIED.get(key) == sig:
        return digests
    _VERIFIED.pop(key, None)
    for name in names:
        f = path / name
        if not f.is_file():
            raise StoredRunError(path, f, "the file is missing (digests.json records it)")
        try:
            actual = file_sha256(f)
        except OSError as e:
            raise StoredRunError(path, f, f"the file cannot be read ({e})") from e
        if actual != digests[name]:
            raise StoredRunError(path, f, f"the file has sha256 {actual[:16]}..., but "
                                 f"{digests[name][:16]}... was stored: it is corrupt or was "
                                 "changed after the run was stored")
    if sig and sig == _signature(path, names):
        _VERIFIED[key] = sig
    return digests


def _parse_json(path: Path, name: str) -> Any:
    f = path / name
    try:
        value = json.loads(f.read_text())
    except FileNotFoundError as e:
        raise StoredRunError(path, f, "the file is missing") from e
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise StoredRunError(path, f, f"the file is not valid JSON ({e})") from e
    want = _JSON_TYPES[name]
    if not isinstance(value, want):
        raise StoredRunError(path, f, f"the file holds a {type(value).__name__}, "
                             f"not a JSON {'object' if want is dict else 'array'}")
    return value


def read_run(path: str | Path) -> Run:
    """The run stored in folder ``path``, its files verified against ``digests.json``.

    Raises:
        FileNotFoundError: no run is stored there (neither ``config.json`` nor
            ``digests.json`` exists).
        StoredRunError: the run is stored but a file is missing, unreadable or altered.
    """
    path = Path(path)
    if not is_run_folder(path):
        raise FileNotFoundError(f"No stored run at {path} (config.json is missing).")
    digests = verify_run(path)
    config, meta, metrics = (_parse_json(path, n) for n in REQUIRED_FILES)
    history = _parse_json(path, "history.json") if "history.json" in digests else []
    return Run(path, config, meta, metrics, history, loaded=True)


def results_dir_for(scale: str | None, results_dir: str | Path | None = None) -> Path:
    """Where runs of ``scale`` are stored: smoke-scale runs always in a temporary folder (so CI
    never touches ``results/``), others in ``results_dir`` (default
    :func:`default_results_dir`)."""
    if scale == "smoke":
        return Path(tempfile.gettempdir()) / "i2i-smoke-results"
    return Path(results_dir or default_results_dir())


def _is_scratch(results_dir: Path) -> bool:
    """True for the smoke-scale temporary folder."""
    return results_dir.resolve() == results_dir_for("smoke").resolve()


def find_run(name: str, config: dict, results_dir: str | Path | None = None) -> Run | None:
    """The stored run ``name`` if its configuration equals ``config``, else ``None``.

    Raises:
        StoredRunError: the run is stored but its files are missing, unreadable or altered
            (see :func:`read_run`): a damaged run is never taken for an absent or outdated one.
            Except in the smoke-scale temporary folder (:func:`results_dir_for`), a disposable
            cache that runs of older i2ilib versions may share, where such a run is a miss.
    """
    root = Path(results_dir or default_results_dir())
    path = root / name
    if not is_run_folder(path):
        return None
    try:
        run = read_run(path)
    except StoredRunError:
        if _is_scratch(root):  # the smoke-scale folder is a disposable cache: a miss
            return None
        raise
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
             results_dir: str | Path | None = None, drop_files: Iterable[str] = ()) -> Run:
    """Write a run to the store atomically (a temporary folder renamed into place).

    ``drop_files``: optional files (:data:`OPTIONAL_FILES`) not to keep, only their digests
    (:func:`remove_files`), e.g. ``("generators.pt",)`` for a run whose numbers are stored but
    whose images nobody needs."""
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
        torch.save(half, tmp / WEIGHTS_FILE)
    record_digests(tmp)
    remove_files(tmp, drop_files)
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
    drop_files: Iterable[str] = (),
) -> Run:
    """Load the stored run ``name`` whose configuration equals ``config``; else train and store it.

    Args:
        name: the run's folder below the results directory, e.g. ``"02_pix2pix/labels2photo"``.
        config: the complete configuration (JSON-serialisable); include ``"scale"``.
        train: ``train(config) -> Outcome``.
        results_dir: default :func:`default_results_dir`. Smoke-scale runs always go to a
            temporary folder, so CI never touches the stored results.
        retrain: train even when a matching run is stored (default: ``$I2I_RETRAIN == "1"``).
        drop_files: optional files of a run trained now to keep only the digests of
            (:func:`save_run`), e.g. ``("generators.pt",)``.
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
        stored = results_dir / name
        if verbose and is_run_folder(stored):
            try:
                why = "has another configuration ({})".format(
                    "; ".join(config_diff(read_run(stored).config, config)[:5]))
            except StoredRunError as e:  # only in the smoke-scale folder (find_run raises)
                why = f"cannot be used ({e.file.name if e.file else 'damaged'})"
            print(f"Stored run {name} {why}; training it anew.")
    if verbose:
        print(f"Training {name} ...")
    t0 = time.perf_counter()
    outcome = train(config)
    if outcome.wall_time_s is None:
        outcome.wall_time_s = time.perf_counter() - t0
    run = save_run(name, config, outcome, results_dir, drop_files=drop_files)
    if verbose:
        print(run.summary())
    return run


def stored_runs(results_dir: str | Path | None = None) -> Iterator[Path]:
    """The run folders below ``results_dir`` (default :func:`default_results_dir`), sorted."""
    root = Path(results_dir or default_results_dir())
    seen = {p.parent for name in ("config.json", DIGESTS_FILE) for p in root.rglob(name)}
    yield from sorted(p for p in seen if not any(part.startswith(".") for part in
                                                   p.relative_to(root).parts))


def backfill_digests(results_dir: str | Path | None = None) -> list[Path]:
    """Write ``digests.json`` for every stored run below ``results_dir`` that has none (runs
    stored before digests were recorded); runs that have one are left alone. Returns the run
    folders it wrote. Use it only on runs known to be right (e.g. committed and unmodified:
    ``git status results/`` is clean)."""
    written = []
    for path in stored_runs(results_dir):
        if not (path / DIGESTS_FILE).is_file():
            record_digests(path)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m i2ilib.results verify|backfill [RESULTS_DIR]``."""
    ap = argparse.ArgumentParser(prog="python -m i2ilib.results",
                                 description="Verify stored runs against their digests, or "
                                 "record digests for runs stored without them.")
    ap.add_argument("command", choices=("verify", "backfill"))
    ap.add_argument("results_dir", nargs="?", default=None)
    a = ap.parse_args(argv)
    if a.command == "backfill":
        written = backfill_digests(a.results_dir)
        print(f"Recorded digests for {len(written)} run(s).")
        return 0
    bad = 0
    runs = list(stored_runs(a.results_dir))
    for path in runs:
        try:
            read_run(path)
            verify_derived(path)
        except StoredRunError as e:
            bad += 1
            print(e, file=sys.stderr)
    print(f"{len(runs) - bad} of {len(runs)} stored run(s) verified.")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
