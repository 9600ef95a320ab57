"""Chapter 06's α-paired experiments: the data hold exactly the hidden pairs they should."""

import pytest
import torch

from i2ibook import catalogue
from i2ibook.runner import alpha_paired_train, build_data, scene_fcn_scores


@pytest.mark.parametrize("alpha, n_pairs", [(0.0, 0), (0.25, 2), (0.5, 4), (1.0, 8)])
def test_alpha_sets_hide_the_right_number_of_true_pairs(alpha, n_pairs):
    _, config = catalogue.implicit_pairs_run("smoke", alpha=alpha)
    pairs = alpha_paired_train(config["data"])
    assert pairs.n == config["data"]["n_train"] == 8
    assert pairs.n_paired == n_pairs
    # the hidden pairs really are the same scene in both domains ...
    for i, j in pairs.pairs:
        assert pairs.A_source[i] == pairs.B_source[j]
    # ... and no other A image has its counterpart in B
    assert len(set(pairs.A_source.tolist()) & set(pairs.B_source.tolist())) == n_pairs


def test_every_alpha_trains_on_the_same_A_images():
    sets = [alpha_paired_train(catalogue.implicit_pairs_run("smoke", alpha=a)[1]["data"])
            for a in catalogue.ALPHAS]
    for s in sets[1:]:
        assert torch.equal(s.A, sets[0].A)
    assert not torch.equal(sets[0].B, sets[-1].B)


def test_alpha_data_is_unpaired_for_the_trainer():
    _, config = catalogue.implicit_pairs_run("smoke", alpha=1.0)
    train, test_A, test_B = build_data(config)
    assert not train.paired and len(train) == 8
    assert test_A.shape == test_B.shape == (8, 3, 32, 32)


def test_alpha_with_pix2pix_is_refused():
    _, config = catalogue.implicit_pairs_run("smoke", alpha=0.5)
    config = dict(config, method="pix2pix")
    with pytest.raises(ValueError, match="unpaired"):
        build_data(config)


def test_book_runs_of_chapter_06_cover_ratios_tasks_and_seeds():
    names = [make("book")[0] for make in catalogue.RUNS["06"]]
    assert len(names) == len(set(names)) == 5 * 2 * 3
    assert "06_implicit_pairs/day2night-alpha0.25-seed2" in names
    with pytest.raises(ValueError, match="alpha"):
        catalogue.implicit_pairs_run("book", alpha=1.5)


def test_fcn_scores_of_both_directions_are_perfect_on_the_truth():
    _, config = catalogue.implicit_pairs_run("smoke", alpha=0.0)
    _, test_A, test_B = build_data(config)
    s = scene_fcn_scores(test_B, test_A, config["data"])  # the true label images and photos
    assert s["photo->labels"]["pixel_acc"] == pytest.approx(1.0)
    assert s["labels->photo"]["pixel_acc"] > 0.8  # the segmenter on real photos
    with pytest.raises(ValueError, match="photo2labels"):
        scene_fcn_scores(test_B, test_A, dict(config["data"], task="day2night"))


def test_training_time_sums_the_stored_runs():
    import json

    from i2ilib.results import find_run

    note = catalogue.training_time("04", "book")
    total = sum(json.loads((find_run(*m("book")).path / "meta.json").read_text())["wall_time_s"]
                for m in catalogue.RUNS["04"])
    assert f"{len(catalogue.RUNS['04'])} of {len(catalogue.RUNS['04'])} runs stored" in note
    assert f"{total / 60:.0f} min" in note
    assert "None of chapter 02" in catalogue.training_time("02", "smoke")
    with pytest.raises(ValueError, match="chapters with runs"):
        catalogue.training_time("99", "book")
