"""Trainers under faults: interrupts, signals, data errors, divergence, damaged or hostile
checkpoint files. Training must lose nothing and never be silently wrong."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from test_trainers import Pairs, _assert_same, _weights, cyc_config, p2p_config

from i2ilib.train import (
    CycleGANTrainer,
    NonFiniteLossError,
    Pix2PixTrainer,
    atomic_save,
    load_checkpoint,
)

ROOT = Path(__file__).resolve().parents[1]
TRAINERS = {
    "pix2pix": lambda run_dir=None, **kw: Pix2PixTrainer(p2p_config(**kw), run_dir),
    "cyclegan": lambda run_dir=None, **kw: CycleGANTrainer(cyc_config(**kw), run_dir),
}


def _uninterrupted(kind, tmp_path, **kw):
    t = TRAINERS[kind](tmp_path / "full", **kw)
    t.fit(Pairs(), progress=False)  # 3 epochs x 2 steps
    return t


def _step_of(path):
    return load_checkpoint(path)["global_step"]


def _tmp_files(folder):
    return [p.name for p in Path(folder).rglob("*.tmp")]


# --------------------------------------------------------------------------- signals
# The child trains pix2pix and, in the middle of step 3 (after D's update, before G's), tells
# the parent it is there and waits; the parent signals it, then lets it go on.
CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, {tests!r})
    from test_trainers import Pairs, p2p_config
    from i2ilib.train import Pix2PixTrainer, Trainer

    run_dir = Path({run_dir!r})
    original = Trainer._backward_step

    def backward_step(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.global_step + 1 == 3 and args[1] is self.optimizers["D"]:
            (run_dir / "ready").touch()
            while not (run_dir / "go").exists():
                time.sleep(0.01)

    Trainer._backward_step = backward_step
    Pix2PixTrainer(p2p_config(), run_dir).fit(Pairs(), progress=False)
""")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_step_saves_that_step_and_resume_is_bit_identical(signum, tmp_path):
    run_dir = tmp_path / "part"
    run_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "I2I_PROGRESS": "off"}
    code = CHILD.format(tests=str(ROOT / "tests"), run_dir=str(run_dir))
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE,
                             text=True)
    try:
        deadline = time.monotonic() + 60
        while not (run_dir / "ready").exists():
            assert child.poll() is None, child.communicate()[1]
            assert time.monotonic() < deadline, "the child never reached step 3"
            time.sleep(0.01)
        child.send_signal(signum)
        time.sleep(0.2)
        (run_dir / "go").touch()
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode != 0, err  # it stopped, and said so
    if signum == signal.SIGTERM:
        assert child.returncode == -signal.SIGTERM, err  # the signal's usual end
    else:
        assert "KeyboardInterrupt" in err
    ckpt = run_dir / "checkpoints" / "latest.pt"
    assert ckpt.exists(), err
    assert _step_of(ckpt) == 3  # the step running when the signal came was completed
    assert _tmp_files(run_dir) == []

    resumed = TRAINERS["pix2pix"](run_dir)
    resumed.fit(Pairs(), progress=False)
    full = _uninterrupted("pix2pix", tmp_path)
    _assert_same(_weights(full), _weights(resumed))
    assert [h["step"] for h in resumed.history] == list(range(1, 7))
    assert resumed.history == full.history


# --------------------------------------------------------------------------- data errors
class BrokenAt(Pairs):
    """Pairs whose ``fail_at``-th item read (1-based, counting all reads) raises."""

    def __init__(self, fail_at, **kw):
        super().__init__(**kw)
        self.reads, self.fail_at = 0, fail_at

    def __getitem__(self, i):
        self.reads += 1
        if self.reads == self.fail_at:
            raise OSError(f"image {i} is truncated")
        return super().__getitem__(i)


@pytest.mark.parametrize("kind", TRAINERS)
def test_data_error_at_step_k_leaves_checkpoint_and_is_reraised(kind, tmp_path):
    run_dir = tmp_path / "part"
    t = TRAINERS[kind](run_dir)
    # 4 reads for the sample grid, then 2 per step: read 13 belongs to step 5
    with pytest.raises(OSError, match="truncated") as info:
        t.fit(BrokenAt(fail_at=13), progress=False)
    assert t.global_step == 4
    assert _step_of(t.checkpoint_path) == 4
    notes = "\n".join(getattr(info.value, "__notes__", []))  # Python >= 3.11
    assert sys.version_info < (3, 11) or "Checkpoint of step 4" in notes
    resumed = TRAINERS[kind](run_dir)
    resumed.fit(Pairs(), progress=False)
    _assert_same(_weights(_uninterrupted(kind, tmp_path)), _weights(resumed))


def test_nothing_trained_writes_no_checkpoint(tmp_path):
    # A wrong configuration found at step 1 must not leave a checkpoint that then refuses the
    # corrected configuration.
    t = Pix2PixTrainer(p2p_config(input_nc=1), tmp_path)
    with pytest.raises(ValueError, match="input_nc=1"):
        t.fit(Pairs(), progress=False)
    assert not t.checkpoint_path.exists()


# --------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("kind", TRAINERS)
def test_diverging_run_raises_and_keeps_the_last_good_checkpoint(kind, tmp_path):
    t = TRAINERS[kind](tmp_path, checkpoint_every=1)
    t.fit(Pairs(), max_steps=2, progress=False)
    good = t.checkpoint_path.read_bytes()
    for opt in t.optimizers.values():  # the run blows up from here on
        for group in opt.param_groups:
            group["lr"] = 1e10
    with pytest.raises(NonFiniteLossError) as info:
        t.fit(Pairs(), progress=False, resume=False)  # (resuming would restore the lr)
    err = info.value
    assert err.step >= 3 and err.term
    assert f"step {err.step}" in str(err) and err.term in str(err)
    # The checkpoint holds the last completed step, finite; never a non-finite state.
    state = load_checkpoint(t.checkpoint_path)
    assert state["global_step"] == len(t.history) == err.step - 1
    assert all(torch.isfinite(v).all() for net in state["nets"].values() for v in net.values()
               if v.is_floating_point())
    if err.step == 3:
        assert t.checkpoint_path.read_bytes() == good
    assert _tmp_files(tmp_path) == []


@pytest.mark.parametrize("kind,first_term", [("pix2pix", "D_real"), ("cyclegan", "G_AB")])
def test_nan_loss_names_step_and_term_before_any_update(kind, first_term, tmp_path):
    t = TRAINERS[kind](tmp_path)
    t.fit(Pairs(), max_steps=2, progress=False)
    good = t.checkpoint_path.read_bytes()
    params = {k: v.clone() for k, v in _weights(t).items() if "running" not in k
              and "num_batches" not in k}
    t.criterion_gan = lambda pred, *a, **kw: pred.float().mean() * float("nan")
    with pytest.raises(NonFiniteLossError, match=f"'{first_term}' is nan at step 3") as info:
        t.fit(Pairs(), progress=False)
    assert (info.value.step, info.value.term) == (3, first_term)
    after = _weights(t)
    _assert_same(params, {k: after[k] for k in params})  # no optimiser step used it
    assert t.checkpoint_path.read_bytes() == good


def test_lr_1e10_from_the_start_raises_instead_of_saving_nan_weights(tmp_path):
    t = Pix2PixTrainer(p2p_config(lr=1e10), tmp_path)
    with pytest.raises(NonFiniteLossError):
        t.fit(Pairs(), progress=False)
    if t.checkpoint_path.exists():
        state = load_checkpoint(t.checkpoint_path)
        assert all(torch.isfinite(v).all() for net in state["nets"].values()
                   for v in net.values() if v.is_floating_point())


@pytest.mark.parametrize("bad", [float("nan"), float("inf")], ids=["nan", "inf"])
def test_non_finite_input_is_refused_before_the_step(bad, tmp_path):
    data = Pairs()
    data.B[1, 0, 3, 3] = bad
    t = Pix2PixTrainer(p2p_config(), tmp_path)
    before = _weights(t)
    with pytest.raises(ValueError, match=r"batch\['B'\] of step 1 holds NaN or infinite"):
        t.fit(data, progress=False)
    assert t.global_step == 0 and t.history == []
    _assert_same(before, _weights(t))


# --------------------------------------------------------------------------- checkpoint files
def test_wall_clock_checkpoints_by_default(tmp_path, monkeypatch):
    assert Pix2PixTrainer(p2p_config()).checkpoint_seconds == 300
    monkeypatch.setenv("I2I_CHECKPOINT_SECONDS", "1e-9")
    t = Pix2PixTrainer(p2p_config(), tmp_path)
    saved = []
    original = t.save
    monkeypatch.setattr(t, "save", lambda *a: saved.append(t.global_step) or original(*a))
    t.fit(Pairs(), max_steps=3, progress=False)
    assert saved == [1, 2, 3]  # every step is "5 minutes" later here
    monkeypatch.setenv("I2I_CHECKPOINT_SECONDS", "soon")
    with pytest.raises(ValueError, match="I2I_CHECKPOINT_SECONDS"):
        Pix2PixTrainer(p2p_config())


def test_a_save_killed_midway_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "latest.pt"
    atomic_save({"v": 1}, path)
    code = textwrap.dedent(f"""
        import os, signal, torch
        from i2ilib.train import atomic_save

        def dying_save(obj, f, *a, **kw):
            f.write(b"half a checkpoint")
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        torch.save = dying_save
        atomic_save({{"v": 2}}, {str(path)!r})
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60,
                          check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert _tmp_files(tmp_path), "the killed save should have left its temporary file"
    (tmp_path / ".latest.pt.k3j_x9aa.tmp").write_bytes(b"")  # as the earlier naming left them
    assert load_checkpoint(path)["v"] == 1  # the old file is whole
    atomic_save({"v": 3}, path)
    assert _tmp_files(tmp_path) == []
    assert load_checkpoint(path)["v"] == 3


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_checkpoint_mode_follows_umask(umask, mode, tmp_path):
    old = os.umask(umask)
    try:
        t = Pix2PixTrainer(p2p_config(), tmp_path)
        t.fit(Pairs(), max_steps=1, progress=False)
    finally:
        os.umask(old)
    assert t.checkpoint_path.stat().st_mode & 0o777 == mode
    assert (tmp_path / "config.json").stat().st_mode & 0o777 == mode


# --------------------------------------------------------------------------- safe loading
class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').close()",)


def test_crafted_pickle_checkpoint_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    run_dir = tmp_path / "run"
    ckpt = run_dir / "checkpoints" / "latest.pt"
    ckpt.parent.mkdir(parents=True)
    torch.save({"trainer": "Pix2PixTrainer", "payload": _Payload(marker)}, ckpt)
    with pytest.raises(ValueError) as info:
        Pix2PixTrainer(p2p_config(), run_dir).fit(Pairs(), progress=False)
    message = str(info.value)
    assert str(ckpt) in message  # which file
    assert "Unsupported global: GLOBAL exec" in message  # why
    assert "add_safe_globals" not in message  # no advice to allow what an unknown file asks for
    assert "weights_only safeguard turned off" in message and "trust" in message  # how, deliberately
    assert not marker.exists()
    with pytest.raises(ValueError, match="cannot be loaded safely"):
        load_checkpoint(ckpt)
    assert not marker.exists()


def test_truncated_checkpoint_is_refused_clearly(tmp_path):
    path = tmp_path / "latest.pt"
    atomic_save({"w": torch.zeros(1000)}, path)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ValueError, match=f"Checkpoint {path} cannot be loaded safely"):
        load_checkpoint(path)


@pytest.mark.parametrize("kind", TRAINERS)
def test_earlier_format_checkpoint_resumes_with_weights_only(kind, tmp_path, monkeypatch):
    run_dir = tmp_path / "part"
    TRAINERS[kind](run_dir).fit(Pairs(), max_steps=3, progress=False)
    ckpt = run_dir / "checkpoints" / "latest.pt"
    # Rewrite it as the earlier trainers did: NumPy's state as np.random.get_state() gives it.
    state = load_checkpoint(ckpt)
    s = state["rng"]["numpy"]
    if isinstance(s, dict):
        s = (s["kind"], s["keys"].numpy().astype(np.uint32), s["pos"], s["has_gauss"],
             s["cached_gaussian"])
    state["rng"]["numpy"] = s
    torch.save(state, ckpt)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(ckpt)  # needs NumPy types

    calls = []
    real_load = torch.load

    def recording_load(*a, **kw):
        calls.append(kw.get("weights_only"))
        return real_load(*a, **kw)

    monkeypatch.setattr(torch, "load", recording_load)
    resumed = TRAINERS[kind](run_dir)
    resumed.fit(Pairs(), progress=False)
    assert calls and all(w is True for w in calls)
    _assert_same(_weights(_uninterrupted(kind, tmp_path)), _weights(resumed))
    assert torch.serialization.get_unsafe_globals_in_checkpoint(ckpt) == []  # saved anew
