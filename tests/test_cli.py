"""The command line: train on an image folder, resume, translate; errors on one line."""

import numpy as np
import pytest
import torch
from PIL import Image

from i2ilib.cli import load_generator, main
from i2ilib.nets import define_G
from i2ilib.nets.official import load_weights_file


def _aligned_tree(root, n=4, size=32):
    rng = np.random.default_rng(0)
    (root / "train").mkdir(parents=True)
    for i in range(n):
        a = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
        Image.fromarray(np.concatenate([a, 255 - a], axis=1)).save(root / "train" / f"{i}.png")
    return root


def test_train_pix2pix_then_resume_then_translate(tmp_path, capsys):
    data = _aligned_tree(tmp_path / "facades")
    args = ["train", "pix2pix", "--data", str(data), "--runs", str(tmp_path / "runs"),
            "--load_size", "32", "--crop_size", "32", "--netG", "unet_32", "--ngf", "4",
            "--ndf", "4", "--n_epochs", "1", "--n_epochs_decay", "1", "--batch_size", "2",
            "--device", "cpu"]
    assert main(args + ["--max_steps", "1"]) == 0
    ckpt = tmp_path / "runs" / "facades" / "checkpoints" / "latest.pt"
    assert load_weights_file(ckpt, numpy_arrays=True)["global_step"] == 1
    assert main(args) == 0  # resumes and finishes: 2 epochs x 2 steps
    assert load_weights_file(ckpt, numpy_arrays=True)["global_step"] == 4

    img = tmp_path / "in.png"
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(img)
    out = tmp_path / "out"
    assert main(["translate", "--checkpoint", str(ckpt), str(img), "--out", str(out),
                 "--size", "32", "--device", "cpu"]) == 0
    result = Image.open(out / "in_translated.png")
    assert result.size == (32, 32) and result.mode == "RGB"


def test_translate_with_official_weights_layout(tmp_path):
    G = define_G("resnet_9blocks", 3, 3, ngf=8, norm="instance")
    path = tmp_path / "latest_net_G_A.pth"
    torch.save(G.state_dict(), path)
    img = tmp_path / "horse.png"
    Image.fromarray(np.full((20, 20, 3), 128, np.uint8)).save(img)
    assert main(["translate", "--checkpoint", str(path), str(img), "--out", str(tmp_path),
                 "--size", "16", "--device", "cpu"]) == 0
    assert (tmp_path / "horse_translated.png").is_file()


def _one_error_line(capsys) -> str:
    """The single line a failing command printed on stderr."""
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("i2ilib: error: ")
    return lines[0]


def _image(path, width, height, channels=3):
    rng = np.random.default_rng(1)
    shape = (height, width, channels) if channels > 1 else (height, width)
    Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(path)
    return path


def _training_checkpoint(tmp_path, **options):
    """A tiny pix2pix U-Net training checkpoint, written by the trainer itself (untrained)."""
    from i2ilib.train import Pix2PixConfig, Pix2PixTrainer

    config = Pix2PixConfig(netG="unet_32", ngf=4, ndf=4, device="cpu", **options)
    trainer = Pix2PixTrainer(config, run_dir=tmp_path / "runs" / "tiny")
    return trainer, trainer.save()


def test_missing_data_folder_is_explained(tmp_path, capsys):
    status = main(["train", "cyclegan", "--data", str(tmp_path / "nope"), "--device", "cpu"])
    assert status == 1
    assert "not found" in _one_error_line(capsys)


def test_default_size_keeps_a_400x300_photo_on_a_unet_checkpoint(tmp_path):
    """A training checkpoint records no crop: the photo runs at the nearest multiple of 32
    (384 x 288) and the output is resized back to 400 x 300."""
    _, ckpt = _training_checkpoint(tmp_path)
    img = _image(tmp_path / "photo.png", 400, 300)
    out = tmp_path / "out"
    assert main(["translate", "--checkpoint", str(ckpt), str(img), "--out", str(out),
                 "--device", "cpu"]) == 0
    assert Image.open(out / "photo_translated.png").size == (400, 300)
    # the run folder works as well
    assert main(["translate", "--checkpoint", str(tmp_path / "runs" / "tiny"), str(img),
                 "--out", str(out), "--device", "cpu"]) == 0


def _stored_run(tmp_path, method="pix2pix", **options):
    """A run saved by the results store's own save_run into a temporary store."""
    from i2ilib.results import Outcome, save_run
    from i2ilib.train import CycleGANConfig, CycleGANTrainer, Pix2PixConfig, Pix2PixTrainer

    cfg_cls, trainer_cls = ((Pix2PixConfig, Pix2PixTrainer) if method == "pix2pix"
                            else (CycleGANConfig, CycleGANTrainer))
    config = cfg_cls(netG="unet_32", ngf=4, ndf=4, device="cpu", **options)
    trainer = trainer_cls(config)
    run_config = {"method": method, "scale": "test", "trainer": config.to_dict(),
                  "data": {"size": 32}}
    outcome = Outcome(metrics={}, generators=trainer.generator_state())
    run = save_run("07_test/tiny-seed0", run_config, outcome, results_dir=tmp_path / "store")
    return trainer, run.path


def test_stored_run_generators_pt_translates(tmp_path):
    trainer, folder = _stored_run(tmp_path)
    loaded = load_generator(folder / "generators.pt")
    assert loaded.source == "stored run" and loaded.train_size == 32
    for key, value in trainer.G.state_dict().items():  # stored in float16
        assert torch.allclose(loaded.net.state_dict()[key].float(), value.float(), atol=1e-2)
    img = _image(tmp_path / "labels.png", 50, 40)
    out = tmp_path / "out"
    for checkpoint in (folder / "generators.pt", folder):
        assert main(["translate", "--checkpoint", str(checkpoint), str(img), "--out", str(out),
                     "--device", "cpu"]) == 0
        assert Image.open(out / "labels_translated.png").size == (50, 40)


def test_stored_cyclegan_run_picks_the_generator(tmp_path, capsys):
    _, folder = _stored_run(tmp_path, "cyclegan", input_nc=3, output_nc=1, norm="instance",
                            lambda_id=0.0)
    gray = _image(tmp_path / "gray.png", 32, 32, channels=1)
    out = tmp_path / "out"
    assert main(["translate", "--checkpoint", str(folder), str(gray), "--out", str(out),
                 "--generator", "G_BA", "--device", "cpu"]) == 0
    assert Image.open(out / "gray_translated.png").mode == "RGB"  # G_BA: 1 -> 3 channels
    capsys.readouterr()
    assert main(["translate", "--checkpoint", str(folder), str(gray), "--generator", "G",
                 "--device", "cpu"]) == 2
    assert "holds the generator(s) G_AB, G_BA" in _one_error_line(capsys)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--size", "40"], "--size 40: this generator needs a multiple of 32"),
        (["--netG", "unet_32"], "--netG applies to official .pth weights only"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--size", "big"], "invalid int value: 'big'"),
    ],
)
def test_usage_errors_exit_2_on_one_line(tmp_path, capsys, extra, message):
    _, ckpt = _training_checkpoint(tmp_path)
    img = _image(tmp_path / "in.png", 32, 32)
    status = main(["translate", "--checkpoint", str(ckpt), str(img), "--out",
                   str(tmp_path / "out"), "--device", "cpu", *extra])
    assert status == 2
    assert message in _one_error_line(capsys)


def test_official_netg_mismatch_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "latest_net_G_A.pth"
    torch.save(define_G("resnet_6blocks", 3, 3, ngf=4, norm="instance").state_dict(), path)
    img = _image(tmp_path / "in.png", 16, 16)
    assert main(["translate", "--checkpoint", str(path), str(img), "--netG", "resnet_9blocks",
                 "--out", str(tmp_path), "--device", "cpu"]) == 2
    assert "use netG='resnet_6blocks'" in _one_error_line(capsys)


def test_missing_image_and_train_without_method(tmp_path, capsys):
    _, ckpt = _training_checkpoint(tmp_path)
    assert main(["translate", "--checkpoint", str(ckpt), str(tmp_path / "nope.png"),
                 "--out", str(tmp_path / "out"), "--device", "cpu"]) == 1
    assert "Image file not found" in _one_error_line(capsys)
    assert main(["train"]) == 2
    assert "train needs a method first, pix2pix or cyclegan" in _one_error_line(capsys)
    assert main(["train", "pix3pix"]) == 2
    assert "not 'pix3pix'" in _one_error_line(capsys)


def test_no_reproduce_subcommand(capsys, monkeypatch, tmp_path):
    """The command line trains and translates only; retraining the book's runs is not its job.
    (``--help``, so that a command line that still had ``reproduce`` would train nothing.)"""
    monkeypatch.setenv("I2I_RESULTS", str(tmp_path))
    assert main(["reproduce", "--help"]) == 2
    assert "invalid choice: 'reproduce'" in _one_error_line(capsys)
