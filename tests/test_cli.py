"""The command line: train on an image folder, resume, translate."""

import numpy as np
import pytest
import torch
from PIL import Image

from i2ilib.cli import main
from i2ilib.nets import define_G


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
    assert torch.load(ckpt, weights_only=False)["global_step"] == 1
    assert main(args) == 0  # resumes and finishes: 2 epochs x 2 steps
    assert torch.load(ckpt, weights_only=False)["global_step"] == 4

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


def test_missing_data_folder_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        main(["train", "cyclegan", "--data", str(tmp_path / "nope"), "--device", "cpu"])
