"""The helpers of the pilot scripts in tools/ (run by hand, so only their shared parts are
tested here: how options are read and how a pilot's line is logged), and that every pilot script
at least parses its command line."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_options_are_json_values_by_key():
    common = _load("pilot_common")
    assert common.parse_options(["lr=5e-4", 'norm="none"', "n_unshared=1", "flip=false",
                                 "betas=[0.5, 0.999]"]) == {
        "lr": 5e-4, "norm": "none", "n_unshared": 1, "flip": False, "betas": [0.5, 0.999]}
    assert common.parse_options(["a=1", "a=2"]) == {"a": 2}  # the last one wins
    for bad in ("lr", "norm=none", "lr="):
        with pytest.raises(SystemExit, match=f"option '{bad}' must be key=JSON"):
            common.parse_options([bad])


def test_lines_are_appended_one_json_object_each(tmp_path):
    common = _load("pilot_common")
    log = tmp_path / "new" / "pilots.jsonl"
    common.append_line(log, {"name": "P1", "accuracy": 0.5})
    common.append_line(log, {"name": "P2", "passes": False})
    assert [json.loads(x) for x in log.read_text().splitlines()] == [
        {"name": "P1", "accuracy": 0.5}, {"name": "P2", "passes": False}]


PILOT_SCRIPTS = sorted(p.name for p in (ROOT / "tools").glob("pilot_*.py")
                       if p.name != "pilot_common.py")


def test_the_pilot_scripts_are_found():
    assert {"pilot_ost.py", "pilot_zero_pair.py", "pilot_transfer_source.py"} <= set(PILOT_SCRIPTS)


@pytest.mark.parametrize("script", PILOT_SCRIPTS)
def test_every_pilot_script_parses_its_command_line(script):
    r = subprocess.run([sys.executable, str(ROOT / "tools" / script), "--help"],
                       check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "usage:" in r.stdout


def test_the_zero_pair_pilot_refuses_an_unknown_run_or_option(tmp_path):
    from i2ibook.specs import SpecError

    pilot = _load("pilot_zero_pair")
    with pytest.raises(SystemExit, match="No chapter-13 run named"):
        pilot.main(["--run", "13_zero_pair_translation/nope", "--label", "X",
                    "--root", str(tmp_path)])
    with pytest.raises(SpecError, match="Unknown option"):
        pilot.main(["--run", "13_zero_pair_translation/stargan-paired-seed0", "--label", "X",
                    "--option", "nope=1", "--root", str(tmp_path)])


def test_the_transfer_source_pilot_refuses_an_unknown_option(tmp_path):
    from i2ibook.specs import SpecError

    pilot = _load("pilot_transfer_source")
    with pytest.raises(SpecError, match="Unknown option"):
        pilot.main(["--label", "X", "--option", "nope=1", "--root", str(tmp_path)])


def test_the_transfer_pilot_builds_target_runs_from_the_catalogue(tmp_path):
    from i2ibook.specs import SpecError

    pilot = _load("pilot_transfer_source")
    with pytest.raises(ValueError, match="Unknown initialisation"):
        pilot.main(["--label", "X", "--target", "nope", "--root", str(tmp_path)])
    with pytest.raises(SpecError, match="Unknown option"):
        pilot.main(["--label", "X", "--target", "TransferGAN", "--source", "objects",
                    "--option", "nope=1", "--root", str(tmp_path)])
    assert not (tmp_path / "X").exists()  # nothing copied or trained before the checks
