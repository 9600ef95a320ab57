"""The results store: exact-config matching, retraining on mismatch, smoke isolation."""

import json

import pytest
import torch

from i2ibook import catalogue
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
    book_runs has a stored twin with exactly its configuration."""
    for make in catalogue.RUNS[chapter]:
        name, config = make("book")
        run = find_run(name, config)
        if run is None:
            stored = read_run_or_none(name)
            diff = config_diff(stored.config, config) if stored else ["not stored"]
            pytest.fail(f"{name}: stored run missing or out of date ({diff[:5]}); run "
                        f"`make reproduce CHAPTER={chapter}` and commit results/.")
        assert run.meta["git_commit"] != "unknown"
        assert (run.path / "samples.png").is_file()
        json.dumps(run.metrics)


def read_run_or_none(name):
    from i2ilib.results import default_results_dir

    try:
        return read_run(default_results_dir() / name)
    except FileNotFoundError:
        return None
