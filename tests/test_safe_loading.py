"""Checkpoint files are loaded without executing code, and bad files give one-line errors.

A crafted file whose pickle calls ``open(marker, "w")`` while loading stands for any malicious
``.pth``: the marker must never appear, whether the file goes through the library's loaders,
the command line in this process, or ``python -m i2ilib translate`` in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from i2ilib.cli import load_generator, main
from i2ilib.nets import load_official_generator, read_state_dict
from i2ilib.nets.official import UnsafeCheckpointError, load_weights_file
from i2ilib.results import record_digests

ROOT = Path(__file__).resolve().parents[1]


class CreatesMarker:
    """Unpickling this object calls ``open(path, "w")``, which creates ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _crafted(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    """A crafted checkpoint of ``kind`` and the marker that executing it would create."""
    marker = tmp_path / f"marker-{kind}"
    weights = {"model.1.weight": torch.zeros(4, 3, 7, 7)}
    if kind == "official":
        obj = {**weights, "payload": CreatesMarker(marker)}
    elif kind == "training":  # shaped like a trainer checkpoint; the payload hides in "rng"
        obj = {"trainer": "Pix2PixTrainer", "config": {}, "nets": {"G": weights},
               "rng": {"numpy": CreatesMarker(marker)}}
    else:
        raise ValueError(kind)
    path = tmp_path / f"crafted-{kind}.pth"
    torch.save(obj, path)
    return path, marker


def _image(tmp_path: Path) -> Path:
    path = tmp_path / "in.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(path)
    return path


def _one_error_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("i2ilib: error: ")
    return lines[0]


@pytest.mark.parametrize("kind", ["official", "training"])
def test_crafted_file_is_refused_by_the_loaders(tmp_path, kind):
    path, marker = _crafted(tmp_path, kind)
    loaders = [
        lambda: load_weights_file(path),
        lambda: load_weights_file(path, numpy_arrays=True),
        lambda: read_state_dict(path),
        lambda: load_official_generator(path),
        lambda: load_generator(path),
    ]
    for load in loaders:
        with pytest.raises(UnsafeCheckpointError, match="would call io.open") as err:
            load()
        text = str(err.value)
        assert str(path) in text and "weights_only safeguard turned off" in text and "\n" not in text
    assert not marker.exists()


def test_crafted_stored_run_is_refused(tmp_path, capsys):
    """A stored run's generators.pt goes through the results store's weights-only loader."""
    run = tmp_path / "store" / "07_x" / "run-seed0"
    run.mkdir(parents=True)
    (run / "config.json").write_text('{"method": "pix2pix", "trainer": {}, "data": {}}')
    (run / "meta.json").write_text("{}")
    (run / "metrics.json").write_text("{}")
    marker = tmp_path / "marker-run"
    torch.save({"G": {"w": torch.zeros(1)}, "x": CreatesMarker(marker)}, run / "generators.pt")
    record_digests(run)  # the files are what was stored: only the unpickler may refuse them
    for checkpoint in (run, run / "generators.pt"):
        try:
            status = main(["translate", "--checkpoint", str(checkpoint), str(_image(tmp_path)),
                           "--out", str(tmp_path / "out"), "--device", "cpu"])
        finally:
            assert not marker.exists(), "loading the checkpoint ran code from it"
        assert status == 1
        line = _one_error_line(capsys.readouterr().err)
        assert "Refused to load" in line and "generators.pt" in line


def test_crafted_file_is_refused_by_the_cli_in_process(tmp_path, capsys):
    path, marker = _crafted(tmp_path, "official")
    try:
        status = main(["translate", "--checkpoint", str(path), str(_image(tmp_path)),
                       "--out", str(tmp_path / "out"), "--device", "cpu"])
    finally:
        assert not marker.exists(), "loading the checkpoint ran code from it"
    assert status == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "Refused to load" in line and "crafted-official.pth" in line
    assert not (tmp_path / "out").exists()


def test_crafted_file_is_refused_by_python_m_i2ilib(tmp_path):
    path, marker = _crafted(tmp_path, "training")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "i2ilib", "translate", "--checkpoint", str(path),
         str(_image(tmp_path)), "--out", str(tmp_path / "out"), "--device", "cpu"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert not marker.exists(), "loading the checkpoint ran code from it"
    assert proc.returncode == 1, proc.stderr
    line = _one_error_line(proc.stderr)
    assert "Refused to load" in line and "crafted-training.pth" in line
    assert "weights_only safeguard turned off" in line  # how to load a trusted file deliberately


def _training_checkpoint(tmp_path: Path) -> Path:
    from i2ilib.train import Pix2PixConfig, Pix2PixTrainer

    config = Pix2PixConfig(netG="unet_32", ngf=4, ndf=4, device="cpu")
    return Pix2PixTrainer(config, run_dir=tmp_path / "run").save()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated", "truncated or corrupt checkpoint"),
        ("random", "neither a zip archive nor a pickle"),
        ("empty", "the file is empty"),
        ("image", "neither a zip archive nor a pickle"),
        ("list", "holds a list, not a generator"),
    ],
)
def test_bad_files_give_one_line(tmp_path, capsys, kind, message):
    path = tmp_path / f"{kind}.pth"
    if kind == "truncated":
        data = _training_checkpoint(tmp_path).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "random":
        path.write_bytes(b"\x17" + np.random.default_rng(0).bytes(4095))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "image":
        path = _image(tmp_path).rename(tmp_path / "image.pth")
    else:
        torch.save([torch.zeros(1)], path)
    status = main(["translate", "--checkpoint", str(path), str(_image(tmp_path)),
                   "--out", str(tmp_path / "out"), "--device", "cpu"])
    assert status == 1
    line = _one_error_line(capsys.readouterr().err)
    assert message in line and path.name in line


def test_debug_shows_the_traceback(tmp_path, capsys):
    path = tmp_path / "random.pth"
    path.write_bytes(b"\x17" + np.random.default_rng(0).bytes(255))
    status = main(["translate", "--checkpoint", str(path), str(_image(tmp_path)), "--debug",
                   "--out", str(tmp_path / "out"), "--device", "cpu"])
    assert status == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1].startswith("i2ilib: error: Could not read")


def test_training_checkpoint_loads_weights_only(tmp_path):
    """The trainer's own format (NumPy random state included) loads without unpickling code."""
    ckpt = _training_checkpoint(tmp_path)
    state = load_weights_file(ckpt)
    assert state["trainer"] == "Pix2PixTrainer" and "G" in state["nets"]
    old = tmp_path / "old-format.pt"  # earlier checkpoints kept NumPy's random state as arrays
    torch.save({**state, "rng": {"numpy": np.random.get_state()}}, old)
    with pytest.raises(UnsafeCheckpointError, match="numpy"):  # arrays only when asked for
        load_weights_file(old)
    assert load_weights_file(old, numpy_arrays=True)["trainer"] == "Pix2PixTrainer"
    assert load_generator(old).source == "training checkpoint"
    loaded = load_generator(ckpt)
    assert loaded.source == "training checkpoint" and loaded.train_size is None
