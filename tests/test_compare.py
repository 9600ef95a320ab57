"""Seed statistics, tables and verdicts used by every chapter's results table."""

import pytest

from i2ibook.verdicts import Verdict, compare_means, fmt_mean_std, markdown_table, mean_std


def test_mean_std_is_sample_std():
    assert mean_std([1.0, 2.0, 3.0]) == (2.0, 1.0)  # sqrt(((1)^2 + 0 + 1^2) / 2)
    assert mean_std([4.0]) == (4.0, 0.0)
    assert fmt_mean_std([0.5, 0.7], 2) == "0.60 ± 0.14"
    assert fmt_mean_std([0.5], 2) == "0.50"
    with pytest.raises(ValueError, match="at least one"):
        mean_std([])
    with pytest.raises(ValueError, match="non-finite"):
        mean_std([1.0, float("nan")])


def test_markdown_table():
    t = markdown_table(["a", "b"], [["x", 1], ["y", 2]], align="lr")
    assert t.splitlines() == ["| a | b |", "|:---|---:|", "| x | 1 |", "| y | 2 |"]
    with pytest.raises(ValueError, match="2 cells"):
        markdown_table(["a", "b", "c"], [["x", 1]])
    with pytest.raises(ValueError, match="align"):
        markdown_table(["a"], [["x"]], align="q")


def test_compare_means_needs_a_margin_beyond_the_spread():
    assert compare_means([0.9, 0.91, 0.92], [0.5, 0.52, 0.51], higher_is_better=True) == "better"
    assert compare_means([0.9, 0.91, 0.92], [0.5, 0.52, 0.51], higher_is_better=False) == "worse"
    # means differ by 0.02 but the seeds spread by 0.1: no winner
    assert compare_means([0.5, 0.6, 0.7], [0.52, 0.62, 0.72], higher_is_better=True) == "tie"


def test_verdict_words_are_checked():
    assert Verdict("L1 is best", "reproduced", "...").verdict == "reproduced"
    with pytest.raises(ValueError, match="verdict must be one of"):
        Verdict("L1 is best", "kind of", "...")
