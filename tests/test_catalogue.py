"""The run catalogue's entry point: ``python -m i2ibook reproduce``."""

import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

from i2ibook import __main__ as book_cli
from i2ibook import catalogue
from i2ibook.runner import run_dir_for
from i2ilib import results


def test_reproduce_unknown_chapter_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        book_cli.main(["reproduce", "--chapter", "99"])
    assert exc.value.code == 2
    assert "invalid choice: '99'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="No stored runs for chapter"):
        catalogue.reproduce("99")


def test_reproduce_missing_trains_only_runs_not_stored(monkeypatch, capsys):
    stored = {"ch/a"}
    trained = []
    monkeypatch.setitem(catalogue.RUNS, "xx", [lambda scale, n=n: (f"ch/{n}", {"scale": scale})
                                               for n in "abc"])
    monkeypatch.setattr(results, "find_run",
                        lambda name, config, results_dir=None:
                        SimpleNamespace(meta={"wall_time_s": 600.0}) if name in stored else None)
    monkeypatch.setattr(results, "load_or_train",
                        lambda name, config, train, retrain=False, drop_files=():
                        trained.append(name))
    assert catalogue.reproduce("xx", "book", missing_only=True) == ["ch/b", "ch/c"]
    assert trained == ["ch/b", "ch/c"]
    trained.clear()
    monkeypatch.setattr(book_cli, "RUNS", {**catalogue.RUNS, "xx": catalogue.RUNS["xx"]})
    assert book_cli.main(["reproduce", "--chapter", "xx", "--jobs", "1"]) == 0
    assert trained == ["ch/a", "ch/b", "ch/c"]
    out = capsys.readouterr().out
    assert "3 run(s) to train in 1 process(es): about 30 min of CPU time" in out
    assert "Retrained 3 run(s): ch/a, ch/b, ch/c" in out
    trained.clear()
    assert book_cli.main(["reproduce", "--chapter", "xx", "--missing", "--plan"]) == 0
    assert trained == []  # --plan trains nothing
    out = capsys.readouterr().out
    assert "2 run(s) to train" in out and "ch/b  (10 min, without weights)" in out and "ch/a " not in out


def test_module_entry_point_help():
    out = subprocess.run([sys.executable, "-m", "i2ibook", "reproduce", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--chapter" in out and "--missing" in out


def test_runs_trained_side_by_side_equal_runs_trained_alone():
    """Two processes (one per core) store exactly what one process stores, run by run."""
    import torch

    for make in catalogue.RUNS["02"]:
        shutil.rmtree(run_dir_for(make("smoke")[1]), ignore_errors=True)
    names = catalogue.reproduce("02", scale="smoke", jobs=1)
    alone = {n: results.find_run(n, dict(catalogue.RUNS["02"][i]("smoke")[1]),
                                 results.results_dir_for("smoke")).generator_state()
             for i, n in enumerate(names)}
    for i in range(len(names)):  # no checkpoint to resume from: both ways train from step 0
        shutil.rmtree(run_dir_for(catalogue.RUNS["02"][i]("smoke")[1]), ignore_errors=True)
    assert catalogue.reproduce("02", scale="smoke", jobs=2) == names
    for i, n in enumerate(names):
        run = results.find_run(n, catalogue.RUNS["02"][i]("smoke")[1],
                               results.results_dir_for("smoke"))
        side = run.generator_state()
        for g in alone[n]:
            for k, v in alone[n][g].items():
                assert torch.equal(v, side[g][k]), (n, g, k)


def test_plan_estimates_from_the_stored_runs():
    planned = catalogue.plan("02", "book")
    assert [p.name for p in planned] == [catalogue.RUNS["02"][i]("book")[0] for i in range(3)]
    assert all(p.estimate_s and p.estimate_s > 0 for p in planned)
    assert catalogue.plan("02", "book", missing_only=True) == []
    assert "Nothing to train" in catalogue.describe_plan([], 2)
    text = catalogue.describe_plan(planned, 2)
    assert "3 run(s) to train in 2 process(es)" in text


def test_plan_estimates_a_missing_run_from_stored_runs_of_its_own_method(monkeypatch):
    """Chapter 09 mixes CycleGAN runs (~25 min) with OST runs (~2 min): a missing CycleGAN run is
    estimated from the stored CycleGAN runs, not from the chapter's median."""
    real = results.find_run
    gone = "09_one_shot_translation/cyclegan-nA1-seed0"
    monkeypatch.setattr(results, "find_run",
                        lambda name, *a, **k: None if name == gone else real(name, *a, **k))
    planned = {p.name: p for p in catalogue.plan("09", "book")}
    cyclegan = sorted(p.estimate_s for n, p in planned.items()
                      if "/cyclegan-" in n and n != gone and p.estimate_s)
    ost = [p.estimate_s for n, p in planned.items() if "/ost-" in n and p.estimate_s]
    assert cyclegan and ost and max(ost) < min(cyclegan)  # the premise: the methods differ
    assert min(cyclegan) <= planned[gone].estimate_s <= max(cyclegan)


def test_plan_scales_an_estimate_by_the_steps_of_runs_as_long():
    """Chapter 11's source GAN (15000 critic steps, ~1 h) and its target runs (312 steps, ~3 min)
    share a method: a missing source is estimated from runs of its length, per step, not from
    the chapter's many short runs."""
    short, long_ = (180.0, 312), (3540.0, 15000)
    assert catalogue._typical([short] * 5 + [long_], 15000) == pytest.approx(3540.0)
    assert catalogue._typical([short] * 5 + [long_], 30000) == pytest.approx(7080.0)
    assert catalogue._typical([short] * 5 + [long_], 312) == pytest.approx(180.0)
    assert catalogue._typical([short, (600.0, None)], 312) == pytest.approx(600.0)  # median
    assert catalogue._typical([], 312) is None
    source = catalogue.transfer_source_run("book")[1]
    target = catalogue.transfer_gan_run("book")[1]
    assert catalogue._steps(source) == 15000 and catalogue._steps(target) == 312


# --------------------------------------------------------------------------------------------
# which runs keep their weights: only those whose images the book shows


def test_every_shown_run_is_a_catalogue_run():
    every = {make("book")[0] for makers in catalogue.RUNS.values() for make in makers}
    shown = catalogue.shown_runs("book")
    assert set(shown) <= every, sorted(set(shown) - every)
    assert "05_ablations/paired-l1-seed0" in shown and "05_ablations/paired-l1-seed1" not in shown
    assert "chapter 04" in shown["05_ablations/paired-l1-seed0"]  # both places are named


def test_reproduce_drops_the_files_of_runs_the_book_does_not_show(monkeypatch):
    calls = {}
    monkeypatch.setattr(results, "load_or_train",
                        lambda name, config, train, retrain=False, drop_files=():
                        calls.setdefault(name, tuple(drop_files)))
    names = ["05_ablations/paired-l1-seed0", "05_ablations/paired-l1-seed1"]
    assert catalogue.reproduce(runs=names, jobs=1) == names
    assert calls == {names[0]: (), names[1]: catalogue.NOT_KEPT_UNLESS_SHOWN}
    calls.clear()
    catalogue.reproduce(runs=names[1:], jobs=1, keep_all=True)
    assert calls == {names[1]: ()}
    with pytest.raises(ValueError, match="No run named 05_ablations/nope"):
        catalogue.plan(runs=["05_ablations/nope"])


def test_slim_removes_only_what_the_book_does_not_show(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_RESULTS", str(tmp_path))
    outcome = results.Outcome(metrics={"m": 1}, history=[{"step": 1}],
                              generators={"G": {"w": __import__("torch").zeros(2)}})
    shown, hidden = "05_ablations/paired-l1-seed0", "05_ablations/paired-l1-seed1"
    for name in (shown, hidden):
        results.save_run(name, {"scale": "book"}, outcome, tmp_path)
    assert catalogue.slim(dry_run=True) == {hidden: ["generators.pt", "history.json"]}
    assert (tmp_path / hidden / "generators.pt").is_file()
    assert catalogue.slim() == {hidden: ["generators.pt", "history.json"]}
    assert not (tmp_path / hidden / "generators.pt").exists()
    assert results.read_run(tmp_path / hidden).metrics == {"m": 1}
    assert results.read_run(tmp_path / shown).has_weights
    assert catalogue.slim() == {}


def test_stored_results_keep_weights_exactly_for_the_runs_shown():
    """The repository's budget: weights only where the book shows images, 120 MB in all."""
    shown = catalogue.shown_runs("book")
    root = results.default_results_dir()
    wrong = []
    for path in results.stored_runs(root):
        name = results.run_label(path)
        if name in shown and not results.read_run(path).has_weights:
            wrong.append(f"{name} is shown ({shown[name]}) but has no weights")
        if name not in shown and (path / "generators.pt").exists():
            wrong.append(f"{name} is not shown but keeps its weights "
                         "(python -m i2ibook slim removes them)")
    assert not wrong, wrong
    size = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    assert size <= 120e6, f"results/ holds {size / 1e6:.0f} MB, over its 120 MB budget"


def test_reproduce_trains_on_the_gpu_when_there_is_one_and_says_so_first(monkeypatch, capsys):
    """Every catalogue run's trainer asks for ``device="auto"``: on a machine with CUDA (mocked
    here) the runs train there, and the plan, printed before the first run starts, says so."""
    import torch

    from i2ilib.device import select_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "NVIDIA H100 80GB HBM3")
    planned = catalogue.plan("02", "book")
    assert {p.config["trainer"]["device"] for p in planned} == {"auto"}
    assert select_device(planned[0].config["trainer"]["device"]).type == "cuda"
    assert catalogue.training_device(planned, 3) == (
        "Training on cuda: NVIDIA H100 80GB HBM3 (3 processes share it).")
    seen = []
    monkeypatch.setattr(results, "load_or_train",
                        lambda name, config, train, retrain=False, drop_files=():
                        seen.append(capsys.readouterr().out))
    catalogue.reproduce("02", jobs=1, show_plan=True)
    assert len(seen) == 3
    assert "3 run(s) to train in 1 process(es)" in seen[0]
    assert "Training on cuda: NVIDIA H100 80GB HBM3." in seen[0]
    assert book_cli.main(["reproduce", "--chapter", "02", "--plan", "--jobs", "2"]) == 0
    assert "Training on cuda: NVIDIA H100 80GB HBM3 (2 processes share it)." in (
        capsys.readouterr().out)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert catalogue.training_device(planned, 3).startswith("Training on the CPU (")
