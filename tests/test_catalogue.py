"""The run catalogue's entry point: ``python -m i2ibook reproduce``."""

import subprocess
import sys

import pytest

from i2ibook import __main__ as book_cli
from i2ibook import catalogue
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
                        lambda name, config, results_dir=None: object() if name in stored else None)
    monkeypatch.setattr(results, "load_or_train",
                        lambda name, config, train, retrain=False: trained.append(name))
    assert catalogue.reproduce("xx", "book", missing_only=True) == ["ch/b", "ch/c"]
    assert trained == ["ch/b", "ch/c"]
    trained.clear()
    monkeypatch.setattr(book_cli, "RUNS", {**catalogue.RUNS, "xx": catalogue.RUNS["xx"]})
    assert book_cli.main(["reproduce", "--chapter", "xx"]) == 0
    assert trained == ["ch/a", "ch/b", "ch/c"]
    assert "Retrained 3 run(s): ch/a, ch/b, ch/c" in capsys.readouterr().out


def test_module_entry_point_help():
    out = subprocess.run([sys.executable, "-m", "i2ibook", "reproduce", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--chapter" in out and "--missing" in out
