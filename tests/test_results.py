"""The results store: exact-config matching, retraining on mismatch, smoke isolation, and
verification of every stored file against the digests recorded with it."""

import json
import shutil
from pathlib import Path

import pytest
import torch

from i2ibook import catalogue
from i2ilib import results
from i2ilib.results import Outcome, config_diff, find_run, load_or_train, read_run, save_run


def _outcome(value=1.0):
    return Outcome(metrics={"score": value}, history=[{"step": 1, "loss": 0.5}],
                   generators={"G": {"w": torch.full((2, 2), value)}}, wall_time_s=1.5)


def test_load_or_train_trains_once_then_loads(tmp_path):
    calls = []

    def train(config):
        calls.append(config)
        return _outcome(3.0)

    config = {"scale": "book", "lr": 2e-4, "nested": {"a": 1}}
    run = load_or_train("ch/run", config, train, results_dir=tmp_path, verbose=False)
    assert not run.loaded and run.metrics == {"score": 3.0} and len(calls) == 1
    again = load_or_train("ch/run", config, train, results_dir=tmp_path, verbose=False)
    assert again.loaded and again.metrics == {"score": 3.0} and len(calls) == 1
    assert torch.equal(again.generator_state()["G"]["w"], torch.full((2, 2), 3.0))
    meta = again.meta
    assert {"git_commit", "hardware", "wall_time_s", "torch", "date"} <= set(meta)
    assert meta["wall_time_s"] == 1.5


def test_changed_config_is_retrained_not_reused(tmp_path, capsys):
    n = []

    def train(config):
        n.append(1)
        return _outcome(float(len(n)))

    load_or_train("r", {"scale": "book", "nested": {"a": 1}}, train, results_dir=tmp_path)
    run = load_or_train("r", {"scale": "book", "nested": {"a": 2}}, train, results_dir=tmp_path)
    assert len(n) == 2 and run.metrics["score"] == 2.0
    assert "nested.a: 1 -> 2" in capsys.readouterr().out
    assert read_run(tmp_path / "r").config["nested"]["a"] == 2


def test_retrain_flag_and_env(tmp_path, monkeypatch):
    n = []

    def train(config):
        n.append(1)
        return _outcome()

    cfg = {"scale": "book"}
    load_or_train("r", cfg, train, results_dir=tmp_path, verbose=False)
    load_or_train("r", cfg, train, results_dir=tmp_path, retrain=True, verbose=False)
    monkeypatch.setenv("I2I_RETRAIN", "1")
    load_or_train("r", cfg, train, results_dir=tmp_path, verbose=False)
    assert len(n) == 3


def test_smoke_runs_never_touch_the_store(tmp_path):
    load_or_train("r", {"scale": "smoke"}, lambda c: _outcome(), results_dir=tmp_path,
                  verbose=False)
    assert not (tmp_path / "r").exists()


def test_save_replaces_atomically(tmp_path):
    save_run("r", {"v": 1}, _outcome(1.0), tmp_path)
    save_run("r", {"v": 2}, _outcome(2.0), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary folders left
    assert find_run("r", {"v": 2}, tmp_path).metrics["score"] == 2.0
    assert find_run("r", {"v": 1}, tmp_path) is None


def test_config_diff_lists_nested_changes():
    assert config_diff({"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"c": 3}, "d": 4}) == [
        "b.c: 2 -> 3", "d: '<missing>' -> 4"]


@pytest.mark.parametrize("chapter", sorted(catalogue.RUNS))
def test_stored_book_runs_match_their_definitions(chapter):
    """`make book` must load every book-scale run, never retrain one: each run defined in
    the run catalogue has a stored twin with exactly its configuration."""
    pending = catalogue.pending_runs("book")
    for make in catalogue.RUNS[chapter]:
        name, config = make("book")
        run = find_run(name, config)
        if name in pending:  # planned, not trained yet: the list must not go stale
            assert run is None, f"{name} is stored: remove it from catalogue.PENDING"
            continue
        if run is None:
            stored = read_run_or_none(name)
            diff = config_diff(stored.config, config) if stored else ["not stored"]
            pytest.fail(f"{name}: stored run missing or out of date ({diff[:5]}); run "
                        f"`make reproduce CHAPTER={chapter}` and commit results/.")
        assert run.meta["git_commit"] != "unknown"
        if name in catalogue.shown_runs("book"):  # the others keep only their numbers
            assert (run.path / "samples.png").is_file() and run.has_weights
        json.dumps(run.metrics)


def read_run_or_none(name):
    from i2ilib.results import default_results_dir

    try:
        return read_run(default_results_dir() / name)
    except FileNotFoundError:
        return None


# --------------------------------------------------------------------------------------------
# verification of stored files

#: A small committed run (about 1 MB), copied into a temporary folder to be damaged there.
STORED = "06_implicit_pairs/photo2labels-alpha1.00-seed0"


def _copy_of_stored_run(tmp_path: Path) -> Path:
    src = results.default_results_dir() / STORED
    dst = tmp_path / STORED
    shutil.copytree(src, dst)
    return dst


def _fresh_run(tmp_path: Path, name: str = "05_ablations/tiny-seed0") -> Path:
    save_run(name, {"scale": "book", "v": 1}, _outcome(2.0), tmp_path)
    return tmp_path / name


def _error_from(call) -> Exception:
    try:
        call()
    except Exception as e:  # noqa: BLE001 -- its type and message are checked by the caller
        return e
    pytest.fail("a damaged stored run was loaded without an error")


def _assert_names(err: Exception, file: str, run: str, chapter: str) -> None:
    msg = str(err)
    assert file in msg, msg
    assert run in msg, msg
    assert f"make reproduce CHAPTER={chapter}" in msg, msg
    assert isinstance(err, results.StoredRunError) and isinstance(err, ValueError)
    assert err.file.name == file and err.command == f"make reproduce CHAPTER={chapter}"


def test_fresh_run_round_trips_with_its_digests(tmp_path):
    path = _fresh_run(tmp_path)
    record = json.loads((path / "digests.json").read_text())
    assert record["algorithm"] == "sha256"
    assert set(record["files"]) == {"config.json", "meta.json", "metrics.json", "history.json",
                                    "generators.pt"}
    assert all(results.file_sha256(path / n) == d for n, d in record["files"].items())
    run = find_run("05_ablations/tiny-seed0", {"scale": "book", "v": 1}, tmp_path)
    assert run.loaded and run.metrics == {"score": 2.0} and run.history == [{"step": 1,
                                                                           "loss": 0.5}]
    assert torch.equal(run.generator_state()["G"]["w"], torch.full((2, 2), 2.0))


def test_tampered_generators_are_refused(tmp_path):
    path = _copy_of_stored_run(tmp_path)
    weights = path / "generators.pt"
    data = bytearray(weights.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = bytes(b ^ 0xFF for b in data[mid:mid + 64])  # 64 flipped bytes
    weights.write_bytes(bytes(data))
    err = _error_from(lambda: read_run(path).generator_state())
    _assert_names(err, "generators.pt", STORED, "06")
    config = json.loads((path / "config.json").read_text())
    _assert_names(_error_from(lambda: find_run(STORED, config, tmp_path)), "generators.pt",
                  STORED, "06")


def test_garbage_config_is_an_error_naming_the_file(tmp_path):
    path = _fresh_run(tmp_path)
    (path / "config.json").write_text("{not json")
    err = _error_from(lambda: find_run("05_ablations/tiny-seed0", {"scale": "book"}, tmp_path))
    _assert_names(err, "config.json", "05_ablations/tiny-seed0", "05")
    # never silently retrained over either
    err = _error_from(lambda: load_or_train("05_ablations/tiny-seed0", {"scale": "book"},
                                            lambda c: _outcome(), tmp_path, verbose=False))
    _assert_names(err, "config.json", "05_ablations/tiny-seed0", "05")


def test_garbage_json_with_matching_digest_is_an_error_naming_the_file(tmp_path):
    path = _fresh_run(tmp_path)
    (path / "metrics.json").write_text("[1, 2")
    record = json.loads((path / "digests.json").read_text())
    record["files"]["metrics.json"] = results.file_sha256(path / "metrics.json")
    (path / "digests.json").write_text(json.dumps(record))
    err = _error_from(lambda: read_run(path))
    _assert_names(err, "metrics.json", "05_ablations/tiny-seed0", "05")
    assert "not valid JSON" in str(err)


def test_missing_metrics_is_an_error_naming_the_file(tmp_path):
    path = _copy_of_stored_run(tmp_path)
    (path / "metrics.json").unlink()
    err = _error_from(lambda: read_run(path))
    _assert_names(err, "metrics.json", STORED, "06")


def test_run_without_digests_is_an_error_until_backfilled(tmp_path):
    path = _fresh_run(tmp_path, "04_cyclegan/old-seed0")
    (path / "digests.json").unlink()
    _assert_names(_error_from(lambda: read_run(path)), "digests.json", "04_cyclegan/old-seed0",
                  "04")
    assert results.backfill_digests(tmp_path) == [path]
    assert read_run(path).metrics == {"score": 2.0}
    assert results.backfill_digests(tmp_path) == []  # runs with digests are left alone


def test_a_run_written_by_hand_needs_only_its_json_and_digests(tmp_path):
    path = tmp_path / "06_implicit_pairs" / "hand-seed0"
    path.mkdir(parents=True)
    for name, value in (("config.json", {"a": 1}), ("meta.json", {}),
                        ("metrics.json", {"A->B": {"mse": 0.1}})):
        (path / name).write_text(json.dumps(value))
    assert set(results.record_digests(path)) == {"config.json", "meta.json", "metrics.json"}
    run = find_run("06_implicit_pairs/hand-seed0", {"a": 1}, tmp_path)
    assert run.metrics["A->B"]["mse"] == 0.1 and run.history == []
    with pytest.raises(FileNotFoundError, match="without generator weights"):
        run.generator_state()


def test_backfill_refuses_a_broken_run(tmp_path):
    path = _fresh_run(tmp_path, "04_cyclegan/old-seed0")
    (path / "digests.json").unlink()
    (path / "history.json").write_text("garbage")
    _assert_names(_error_from(lambda: results.backfill_digests(tmp_path)), "history.json",
                  "04_cyclegan/old-seed0", "04")
    assert not (path / "digests.json").exists()


def test_smoke_folder_retrains_a_run_it_cannot_verify(tmp_path, monkeypatch):
    """The smoke-scale folder is a disposable cache (older versions leave runs without
    digests there): a run that fails verification is trained anew, not an error."""
    monkeypatch.setattr(results.tempfile, "gettempdir", lambda: str(tmp_path))
    scratch = results.results_dir_for("smoke")
    cfg = {"scale": "smoke"}
    load_or_train("r", cfg, lambda c: _outcome(1.0), verbose=False)
    (scratch / "r" / "digests.json").unlink()
    assert find_run("r", cfg, scratch) is None
    run = load_or_train("r", cfg, lambda c: _outcome(4.0), verbose=False)
    assert not run.loaded and run.metrics == {"score": 4.0}
    assert load_or_train("r", cfg, lambda c: _outcome(5.0), verbose=False).loaded


def test_every_stored_run_has_digests():
    runs = list(results.stored_runs())
    assert len(runs) >= 100
    missing = [str(p) for p in runs if not (p / results.DIGESTS_FILE).is_file()]
    assert not missing, f"runs stored without digests.json: {missing[:5]}"


# --------------------------------------------------------------------------------------------
# runs kept without their weights, and results derived from them


def test_removed_weights_keep_the_run_and_their_digest(tmp_path):
    path = _fresh_run(tmp_path)
    digest = results.file_sha256(path / "generators.pt")
    assert read_run(path).has_weights and read_run(path).weights_digest == digest
    assert results.remove_files(path, ["generators.pt", "samples.png"]) == ["generators.pt"]
    assert not (path / "generators.pt").exists()
    run = find_run("05_ablations/tiny-seed0", {"scale": "book", "v": 1}, tmp_path)
    assert run is not None and run.metrics == {"score": 2.0}  # still a stored, verified run
    assert not run.has_weights and run.weights_digest == digest
    err = _error_from(run.generator_state)
    assert isinstance(err, results.WeightsNotStoredError)
    msg = str(err)
    assert "05_ablations/tiny-seed0" in msg and "has no generator weights" in msg
    assert err.command == "make reproduce RUN=05_ablations/tiny-seed0 KEEP_WEIGHTS=1"
    assert err.command in msg and "Do not use this run" not in msg
    assert results.remove_files(path) == []  # already gone: nothing to do
    assert results.main(["verify", str(tmp_path)]) == 0


def test_required_files_cannot_be_removed(tmp_path):
    path = _fresh_run(tmp_path)
    with pytest.raises(ValueError, match="Only optional files"):
        results.remove_files(path, ["metrics.json"])
    assert (path / "metrics.json").is_file()


def test_removing_from_a_tampered_run_is_refused(tmp_path):
    path = _fresh_run(tmp_path)
    (path / "metrics.json").write_text('{"score": 9.0}')
    with pytest.raises(results.StoredRunError, match="metrics.json"):
        results.remove_files(path)
    assert (path / "generators.pt").is_file()


def test_a_removed_file_listed_as_stored_is_a_broken_record(tmp_path):
    path = _fresh_run(tmp_path)
    record = json.loads((path / "digests.json").read_text())
    record["removed"] = {"generators.pt": record["files"]["generators.pt"]}
    (path / "digests.json").write_text(json.dumps(record))
    _assert_names(_error_from(lambda: read_run(path)), "digests.json", "05_ablations/tiny-seed0",
                  "05")


def test_save_run_can_drop_the_weights(tmp_path):
    run = save_run("07_x/r-seed1", {"scale": "book"}, _outcome(3.0), tmp_path,
                   drop_files=["generators.pt"])
    assert not (run.path / "generators.pt").exists() and not run.has_weights
    kept = save_run("07_x/r-seed0", {"scale": "book"}, _outcome(3.0), tmp_path)
    assert kept.has_weights and kept.weights_digest == run.weights_digest  # the same weights


def test_cached_result_is_computed_once_and_outlives_the_weights(tmp_path):
    path = _fresh_run(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return {"mean": float(read_run(path).generator_state()["G"]["w"].mean()), "x": 1 / 3}

    run = read_run(path)
    first = results.cached_result(run, "stats.json", 1, compute)
    assert first == {"mean": 2.0, "x": 1 / 3} and len(calls) == 1
    results.remove_files(path)
    again = results.cached_result(read_run(path), "stats.json", 1, compute)
    assert again == first and len(calls) == 1  # read back, not recomputed
    # another version of the computation needs the weights, which are gone: a clear error
    err = _error_from(lambda: results.cached_result(read_run(path), "stats.json", 2, compute))
    assert isinstance(err, results.WeightsNotStoredError)
    assert "stats.json" in json.loads((path / "digests.json").read_text())["derived"]


def test_cached_beside_reads_the_stored_runs_cache_and_computes_without_one(tmp_path):
    from i2ibook.runner import cached_beside

    _fresh_run(tmp_path)
    calls = []

    def make(scale):
        return "05_ablations/tiny-seed0", {"scale": "book", "v": 1}

    def compute():
        calls.append(1)
        return {"baseline": 0.25}

    for _ in range(2):
        assert cached_beside(make, "book", "baselines.json", 1, compute, tmp_path) == {
            "baseline": 0.25}
    assert len(calls) == 1 and (tmp_path / "05_ablations/tiny-seed0/baselines.json").exists()
    # no stored run of that configuration, or smoke scale: computed every time, written nowhere
    other = lambda scale: ("05_ablations/tiny-seed1", {"scale": "book", "v": 1})
    cached_beside(other, "book", "baselines.json", 1, compute, tmp_path)
    cached_beside(make, "smoke", "baselines.json", 1, compute, tmp_path)
    assert len(calls) == 3 and not (tmp_path / "05_ablations/tiny-seed1").exists()


def test_tampered_cached_result_is_refused(tmp_path):
    path = _fresh_run(tmp_path)
    results.cached_result(read_run(path), "stats.json", 1, lambda: {"mean": 2.0})
    cache = path / "stats.json"
    cache.write_text(cache.read_text().replace("2.0", "7.0"))
    err = _error_from(lambda: results.cached_result(read_run(path), "stats.json", 1,
                                                    lambda: {"mean": 2.0}))
    _assert_names(err, "stats.json", "05_ablations/tiny-seed0", "05")
    assert results.main(["verify", str(tmp_path)]) == 1


def test_cached_result_refuses_a_stored_file_name(tmp_path):
    run = read_run(_fresh_run(tmp_path))
    for name in ("metrics.json", "generators.pt", "digests.json", "../x.json"):
        with pytest.raises(ValueError, match="not a cache file name"):
            results.cached_result(run, name, 1, lambda: 0)


def test_retraining_a_run_replaces_its_record(tmp_path):
    path = _fresh_run(tmp_path)
    results.cached_result(read_run(path), "stats.json", 1, lambda: 1)
    results.remove_files(path)
    save_run("05_ablations/tiny-seed0", {"scale": "book", "v": 1}, _outcome(2.0), tmp_path)
    record = json.loads((path / "digests.json").read_text())
    assert "generators.pt" in record["files"] and "removed" not in record
    assert "derived" not in record and not (path / "stats.json").exists()
