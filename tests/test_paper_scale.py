"""Paper scale on real data: the configurations name the papers' sets and schedules, the
``"registry"`` data source reads them from ``$I2I_DATA`` (here fake trees built per test), and
the official pretrained generators run on them (here fabricated official-layout checkpoints)."""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

# official-layout state dicts, written out independently of i2ilib's networks
from test_official_checkpoints import random_state_dict, resnet_9blocks_layout, unet_256_layout

from i2ibook import catalogue
from i2ibook.official_demo import (
    OFFICIAL_MODELS,
    PretrainedMissingError,
    official_checkpoint,
    official_demo,
    run_on_colab_note,
)
from i2ibook.runner import build_data, build_test_data, train_translation
from i2ibook.runner import data_root as book_data_root
from i2ilib.data.errors import DataLayoutError
from i2ilib.data.folders import AlignedAsUnpaired, PairedImageFolder, UnpairedImageFolder
from i2ilib.data.registry import DatasetDownloadError

W = 32  # side of each half of a fake A|B image (files are 2W x W)


# ------------------------------------------------------------------------------ fake trees


def _aligned_tree(folder: Path, n_train: int = 8, n_val: int = 4) -> None:
    """A pix2pix set: file ``i`` of a split has left half (A) of red level ``10 + 20 i`` and
    right half (B) of green level ``250 - 20 i``, so every half tells where it came from."""
    for split, n in (("train", n_train), ("val", n_val)):
        (folder / split).mkdir(parents=True)
        for i in range(n):
            ab = np.zeros((W, 2 * W, 3), np.uint8)
            ab[:, :W, 0] = 10 + 20 * i
            ab[:, W:, 1] = 250 - 20 * i
            Image.fromarray(ab).save(folder / split / f"{i + 1}.png")


def _unaligned_tree(folder: Path, sizes: dict[str, int]) -> None:
    """A CycleGAN set: ``trainA/`` images are red, ``trainB/`` blue (grey level = index)."""
    for sub, n in sizes.items():
        (folder / sub).mkdir(parents=True)
        for i in range(n):
            img = np.zeros((W, W, 3), np.uint8)
            img[..., 0 if sub.endswith("A") else 2] = 30 + 20 * i
            Image.fromarray(img).save(folder / sub / f"{i:03d}.jpg", quality=100)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "datasets"
    _aligned_tree(root / "facades")
    _unaligned_tree(root / "horse2zebra", {"trainA": 5, "trainB": 6, "testA": 3, "testB": 4})
    monkeypatch.setenv("I2I_DATA", str(root))
    monkeypatch.setenv("I2I_DOWNLOAD", "0")
    monkeypatch.setenv("I2I_RUNS", str(tmp_path / "runs"))
    return root


def _red(x: torch.Tensor) -> float:
    """Mean red level (0-255) of an image in [-1, 1]."""
    return float((x[0].mean() + 1) * 127.5)


def _green(x: torch.Tensor) -> float:
    return float((x[1].mean() + 1) * 127.5)


def _tiny(make, size: int = 16, **trainer) -> dict:
    """A paper-scale configuration shrunk to run in a second: ``size`` px, a tiny network."""
    _, config = make("paper")
    config["data"].update(size=size, load_size=size + 4, n_test=4)
    config["trainer"].update(batch_size=4, n_epochs=1, n_epochs_decay=0, device="cpu",
                             ngf=4, ndf=4, **trainer)
    config.pop("set_metrics", None)
    return config


# ------------------------------------------------------------------- paper configurations


@pytest.mark.parametrize(("make", "dataset", "direction", "method"), [
    (catalogue.pix2pix_scenes_run, "cityscapes", "BtoA", "pix2pix"),
    (lambda s: catalogue.pix2pix_scenes_run(s, task="photo2labels"), "cityscapes", "AtoB", "pix2pix"),
    (lambda s: catalogue.pix2pix_scenes_run(s, task="photo2map"), "maps", "AtoB", "pix2pix"),
    (catalogue.cyclegan_scenes_run, "cityscapes", "BtoA", "cyclegan"),
    (lambda s: catalogue.cyclegan_scenes_run(s, task="horse2zebra"), "horse2zebra", "AtoB",
     "cyclegan"),
    (lambda s: catalogue.cyclegan_switch_run(s, switch="no image pool"), "cityscapes", "BtoA",
     "cyclegan"),
    (catalogue.ablation_paired_run, "facades", "BtoA", "pix2pix"),
    (catalogue.ablation_unpaired_run, "facades", "BtoA", "cyclegan"),
    (lambda s: catalogue.implicit_pairs_run(s, task="photo2labels", alpha=0.5), "cityscapes",
     "AtoB", "cyclegan"),
])
def test_paper_configs_name_the_real_set_at_256px(make, dataset, direction, method):
    _, config = make("paper")
    data, t = config["data"], config["trainer"]
    assert config["method"] == method
    assert (data["source"], data["dataset"], data["direction"]) == ("registry", dataset, direction)
    assert (data["size"], data["load_size"], data["flip"]) == (256, 286, True)
    assert (t["lr"], t["beta1"], t["beta2"]) == (2e-4, 0.5, 0.999)
    assert t["ngf"] == 64 and t["ndf"] == 64
    assert t["checkpoint_every"] > 0  # hours-long runs resume after a disconnect
    assert t["netG"] == ("unet_256" if method == "pix2pix" else "resnet_9blocks")
    if make in (catalogue.ablation_paired_run, catalogue.ablation_unpaired_run):  # UCSD Sec. 5.1-5.2
        assert (t["batch_size"], t["n_epochs"], t["n_epochs_decay"]) == (16, 75, 75)
        assert config["set_metrics"] == "inception-v3-pytorch-fid-pool3"
    else:  # pix2pix and CycleGAN as published: batch 1, 100 + 100 epochs
        assert (t["batch_size"], t["n_epochs"], t["n_epochs_decay"]) == (1, 100, 100)


def test_paper_day2night_uses_night2day_and_its_published_schedule():
    _, p2p = catalogue.pix2pix_scenes_run("paper", task="day2night")
    assert (p2p["data"]["dataset"], p2p["data"]["direction"]) == ("night2day", "BtoA")
    t = p2p["trainer"]
    assert (t["batch_size"], t["n_epochs"] + t["n_epochs_decay"]) == (4, 17)
    _, cyc = catalogue.cyclegan_scenes_run("paper", task="day2night")
    assert cyc["data"]["dataset"] == "night2day"
    assert cyc["trainer"]["n_epochs"] + cyc["trainer"]["n_epochs_decay"] == 200


def test_paper_datasets_table_matches_the_registry():
    from i2ilib.data.registry import dataset_info

    for task, (name, direction) in catalogue.PAPER_DATASETS.items():
        assert dataset_info(name).layout in ("aligned", "unaligned"), task
        assert direction in ("AtoB", "BtoA")
    # labels are B in the pix2pix Cityscapes / facades sets: labels -> photo reads B to A
    assert catalogue.PAPER_DATASETS["labels2photo"] == ("cityscapes", "BtoA")
    assert catalogue.ABLATION_PAPER_DATASET == ("facades", "BtoA")


def test_real_sets_drop_the_synthscenes_fcn_score():
    _, config = catalogue.implicit_pairs_run("paper", task="photo2labels", alpha=0.25)
    assert not config.get("fcn_scores")
    _, book = catalogue.implicit_pairs_run("book", task="photo2labels", alpha=0.25)
    assert book["fcn_scores"] is True


@pytest.mark.parametrize("scale", ["smoke", "book"])
def test_book_and_smoke_scales_stay_on_embedded_data(scale):
    for runs in catalogue.RUNS.values():
        for make in runs:
            _, config = make(scale)
            assert config["data"]["source"] in ("synthscenes", "pseudopairs", "digits",
                                                "content", "imageset",
                                                "zeropair", "biasedfaces",
                                                "multidomain", "audio")  # generated
            assert config["data"].get("dataset", "synthfaces") == "synthfaces"  # not a real set
            assert config["data"].get("domain") != "celeba"  # the image sets' real one


def test_paper_only_tasks_fail_clearly_below_paper_scale():
    with pytest.raises(ValueError, match="horse2zebra.*only at paper scale.*day2night"):
        catalogue.cyclegan_scenes_run("book", task="horse2zebra")
    with pytest.raises(ValueError, match="photo2map.*only at paper scale"):
        catalogue.pix2pix_scenes_run("smoke", task="photo2map")
    with pytest.raises(ValueError, match="no pairs.*CycleGAN"):
        catalogue.pix2pix_scenes_run("paper", task="horse2zebra")


def test_scale_table_names_the_real_training_set():
    table = catalogue.scale_table(catalogue.pix2pix_scenes_run)
    assert "all of cityscapes train (BtoA)" in table
    assert "| 400 |" in table  # the book column is unchanged


# --------------------------------------------------------------------- the registry source


def test_paired_registry_data_jitter_and_test_halves(data_root):
    config = _tiny(catalogue.ablation_paired_run, size=16)
    train, test_A, test_B = build_data(config)
    assert isinstance(train, PairedImageFolder) and len(train) == 8
    item = train[3]
    assert item["A"].shape == item["B"].shape == (3, 16, 16)
    # BtoA: the input is the right (green) half of file 4, the target its left (red) half
    assert _green(item["A"]) == pytest.approx(250 - 60, abs=2) and _red(item["A"]) < 2
    assert _red(item["B"]) == pytest.approx(10 + 60, abs=2)
    # the crop comes from a 20 px resize: both halves get the same random crop and flip
    assert (train.load_size, train.crop_size, train.flip) == (20, 16, True)
    assert test_A.shape == test_B.shape == (4, 3, 16, 16)
    assert test_A.min() >= -1 and test_A.max() <= 1
    for i in range(4):  # the first n_test files of val/, in order, halves as in training
        assert _green(test_A[i]) == pytest.approx(250 - 20 * i, abs=2)
        assert _red(test_B[i]) == pytest.approx(10 + 20 * i, abs=2)


def test_aligned_set_trained_unpaired_takes_a_and_b_from_different_files(data_root):
    config = _tiny(catalogue.ablation_unpaired_run, size=16)
    train, test_A, _ = build_data(config)
    assert isinstance(train, AlignedAsUnpaired)
    names_A = {Path(p).name for p in train.A_files}
    names_B = {Path(p).name for p in train.B_files}
    assert names_A == {"1.png", "2.png", "3.png", "4.png"}
    assert names_B == {"5.png", "6.png", "7.png", "8.png"}
    seen_A, seen_B = set(), set()
    for key in range(len(train)):
        for epoch in range(12):  # the targets are drawn at random: 48 draws of 4 files
            item = train[key, epoch]
            assert item["A"].shape == item["B"].shape == (3, 16, 16)
            # inputs: green halves of files 1-4; targets: red halves of files 5-8
            seen_A.add(round((250 - _green(item["A"])) / 20))
            seen_B.add(round((_red(item["B"]) - 10) / 20))
    assert seen_A == {0, 1, 2, 3} and seen_B == {4, 5, 6, 7}
    assert test_A.shape == (4, 3, 16, 16)


def test_unaligned_set_reads_train_and_test_folders(data_root):
    config = _tiny(lambda s: catalogue.cyclegan_scenes_run(s, task="horse2zebra"), size=16)
    train, test_A, test_B = build_data(config)
    assert isinstance(train, UnpairedImageFolder)
    assert len(train) == 6 and train[0]["A"].shape == (3, 16, 16)
    assert _red(train[0]["A"]) > 20 and _red(train[0]["B"]) < 5  # horses are red here
    # testA holds 3 images, testB 4: the test set has the 3 both can give
    with pytest.warns(UserWarning, match="3 image"):
        test_A, test_B = build_test_data(config)
    assert test_A.shape == test_B.shape == (3, 3, 16, 16)


def test_missing_dataset_names_the_set_and_the_folder(data_root):
    _, config = catalogue.pix2pix_scenes_run("paper")  # cityscapes: not in the fake root
    with pytest.raises(DataLayoutError) as err:
        build_test_data(config)
    msg = str(err.value)
    assert "'cityscapes'" in msg and str(data_root / "cityscapes") in msg
    assert "get_dataset('cityscapes'" in msg and "I2I_DATA" in msg


def test_missing_dataset_offline_fails_fast_with_the_url(data_root, monkeypatch):
    from i2ilib.data import registry

    def offline(url, timeout):
        raise urllib.error.URLError("network unreachable")

    monkeypatch.setattr(registry, "_urlopen", offline)
    monkeypatch.setenv("I2I_DOWNLOAD", "1")
    _, config = catalogue.pix2pix_scenes_run("paper", task="photo2map")
    with pytest.raises(DatasetDownloadError) as err:
        build_data(config)
    msg = str(err.value)
    assert "'maps'" in msg and str(data_root / "maps") in msg and "maps.tar.gz" in msg
    assert not (data_root / "maps").exists()


def test_fcn_labels_are_not_asked_of_real_sets(data_root):
    from i2ibook.runner import _fcn_labels, scene_labels_for_test

    _, config = catalogue.ablation_paired_run("paper")
    assert _fcn_labels(config["data"]) is None
    with pytest.raises(ValueError, match="FCN-score.*skipped on real sets"):
        scene_labels_for_test(config["data"])


def test_pix2pix_trains_on_the_fake_set_with_set_metrics(data_root):
    config = _tiny(catalogue.ablation_paired_run, size=32, netG="unet_32")
    config["set_metrics"] = "synthcnn-v1-d192"  # offline features; labels -> photo, no FCN
    outcome = train_translation(config, progress=False)
    assert outcome.metrics["steps"] == 2  # 8 pairs, batch 4, one epoch
    ab = outcome.metrics["A->B"]
    assert 0 < ab["l1"] < 1 and "fd" in ab and "fcn" not in ab
    assert len(outcome.history) == 2
    assert all(np.isfinite(v) for h in outcome.history for v in h.values())


def test_cyclegan_trains_on_the_fake_unpaired_set(data_root):
    config = _tiny(lambda s: catalogue.cyclegan_scenes_run(s, task="horse2zebra"), size=32,
                   netG="resnet_2blocks")
    config["data"]["n_test"] = 3
    outcome = train_translation(config, progress=False)
    assert outcome.metrics["steps"] == 2  # max(5, 6) = 6 items, batch 4
    assert set(outcome.metrics) >= {"A->B", "B->A"}


def test_alpha_pairs_on_a_real_set_are_cropped_to_size(data_root):
    _, config = catalogue.implicit_pairs_run("paper", task="photo2labels", alpha=0.5)
    config["data"].update(dataset="facades", size=16, load_size=20, n_train=4, n_test=2)
    train, test_A, _ = build_data(config)
    assert train[0]["A"].shape == (3, 16, 16) and len(train) == 4
    assert test_A.shape == (2, 3, 16, 16)


# --------------------------------------------------------------- official pretrained demo


def _save(sd, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(sd, path)
    return path


def test_official_demo_pix2pix_on_facades(data_root, tmp_path):
    ckpt = _save(random_state_dict(unet_256_layout(ngf=4), seed=1),
                 tmp_path / "checkpoints" / "facades_label2photo_pretrained" / "latest_net_G.pth")
    out = official_demo(ckpt, "facades", n=3, mode="eval")
    assert out["direction"] == "BtoA" and out["split"] == "val"  # read from the folder name
    assert out["inputs"].shape == out["outputs"].shape == out["truth"].shape == (3, 3, 256, 256)
    assert _green(out["inputs"][1]) == pytest.approx(230, abs=2)  # label half of file 2
    assert _red(out["truth"][1]) == pytest.approx(30, abs=2)  # photo half of file 2
    from i2ilib.nets.official import load_official_generator

    with torch.no_grad():
        expected = load_official_generator(ckpt)(out["inputs"]).clamp(-1, 1)
    torch.testing.assert_close(out["outputs"], expected, atol=1e-5, rtol=1e-4)
    o, t = (expected + 1) / 2, (out["truth"] + 1) / 2
    assert out["l1"] == pytest.approx(float((o - t).abs().mean()), rel=1e-5)
    assert out["mse"] == pytest.approx(float(((o - t) ** 2).mean()), rel=1e-5)
    assert out["generator"]["netG"] == "unet_256"
    ref = official_demo(ckpt, "facades", n=2)  # the reference test.py: train mode per image
    assert ref["mode"] == "reference" and ref["outputs"].shape == (2, 3, 256, 256)
    again = official_demo(ckpt, "facades", n=2)
    torch.testing.assert_close(ref["outputs"], again["outputs"])  # dropout drawn from seed


def test_official_demo_cyclegan_on_horse2zebra(data_root, tmp_path):
    ckpt = _save(random_state_dict(resnet_9blocks_layout(ngf=4), seed=2),
                 tmp_path / "horse2zebra_pretrained" / "latest_net_G.pth")
    out = official_demo(ckpt, "horse2zebra", root=data_root, n=2, size=32)
    assert out["direction"] == "AtoB" and out["split"] == "test"
    assert out["outputs"].shape == (2, 3, 32, 32) and out["truth"] is None
    assert out["l1"] is None and out["mse"] is None
    assert _red(out["inputs"][0]) > 20  # testA: the horses
    assert out["generator"]["netG"] == "resnet_9blocks"


def test_official_demo_missing_checkpoint_says_where_and_how(data_root, tmp_path):
    ckpt = tmp_path / "checkpoints" / "horse2zebra_pretrained" / "latest_net_G.pth"
    with pytest.raises(PretrainedMissingError) as err:
        official_demo(ckpt, "horse2zebra")
    msg = str(err.value)
    assert ".../horse2zebra_pretrained/latest_net_G.pth" in msg  # outside the checkout
    assert "bash ./scripts/download_cyclegan_model.sh horse2zebra" in msg
    ckpt = tmp_path / "facades_label2photo_pretrained" / "latest_net_G.pth"
    with pytest.raises(FileNotFoundError, match="download_pix2pix_model.sh facades_label2photo"):
        official_demo(ckpt, "facades")


def test_official_demo_missing_dataset_says_where_and_how(tmp_path):
    ckpt = _save(random_state_dict(resnet_9blocks_layout(ngf=4), seed=3),
                 tmp_path / "horse2zebra_pretrained" / "latest_net_G.pth")
    root = tmp_path / "empty"
    with pytest.raises(PretrainedMissingError) as err:
        official_demo(ckpt, "horse2zebra", root=root)
    msg = str(err.value)
    assert "/empty/horse2zebra/ with" in msg and "trainA/" in msg and str(tmp_path) not in msg
    assert "download_cyclegan_dataset.sh horse2zebra" in msg
    assert "get_dataset('horse2zebra'" in msg


def _absolute_paths_of_this_machine(text: str, *folders: Path) -> list[str]:
    roots = {str(ROOT), str(Path.home()), *(str(f) for f in folders)}
    return sorted(r for r in roots if r in text)


def test_missing_official_files_name_no_absolute_path(data_root, tmp_path, monkeypatch):
    # what the book prints when a static build has neither the weights nor the set: paths
    # relative to the checkout or the data root, never the folders of the building machine
    for name, dataset in (("facades_label2photo", "facades"), ("horse2zebra", "horse2zebra")):
        if official_checkpoint(name).exists():
            continue  # a checkout that holds the published weights
        with pytest.raises(PretrainedMissingError) as err:
            official_demo(official_checkpoint(name), dataset, root=data_root)
        msg = str(err.value)
        assert f"checkpoints/{name}_pretrained/latest_net_G.pth" in msg
        assert not _absolute_paths_of_this_machine(msg, tmp_path), msg
        note = run_on_colab_note(name)
        assert note.startswith("````{admonition} Run this on Colab\n:class: note\n")
        assert note.endswith("````")
        assert f"download_{OFFICIAL_MODELS[name].method}_model.sh {name}" in note
        assert f'get_dataset("{dataset}", data_root())' in note
        assert not _absolute_paths_of_this_machine(note, tmp_path), note
    ckpt = _save(random_state_dict(resnet_9blocks_layout(ngf=4), seed=3),
                 tmp_path / "horse2zebra_pretrained" / "latest_net_G.pth")
    for env, shown in ((str(tmp_path / "sets"), "$I2I_DATA/horse2zebra/"),
                       (None, "datasets/horse2zebra/")):  # the default: datasets/ of the checkout
        if env is None:
            monkeypatch.delenv("I2I_DATA")
        else:
            monkeypatch.setenv("I2I_DATA", env)
        if env is None and (book_data_root() / "horse2zebra").exists():
            continue  # a checkout that holds the real set
        with pytest.raises(PretrainedMissingError) as err:
            official_demo(ckpt, "horse2zebra", root=book_data_root())
        msg = str(err.value)
        assert f"expected {shown}" in msg and "data_root()" in msg, msg
        assert not _absolute_paths_of_this_machine(msg, tmp_path), msg


def test_official_demo_rejects_a_discriminator(data_root, tmp_path):
    from i2ilib.nets import define_D

    ckpt = _save(define_D("basic", 6, 4).state_dict(), tmp_path / "d" / "latest_net_D.pth")
    with pytest.raises(ValueError, match="Not a reference generator"):
        official_demo(ckpt, "facades", n=1)


def test_paper_configs_are_json(data_root):
    for runs in catalogue.RUNS.values():
        for make in runs:
            json.dumps(make("paper")[1])
