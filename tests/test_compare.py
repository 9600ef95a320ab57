"""Seed statistics, tables and verdicts used by every chapter's results table."""

import pytest

from i2ibook.verdicts import VERDICTS, VOCABULARY, Verdict, fmt_mean_std, markdown_table, mean_std


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


def test_verdict_words_are_checked():
    assert Verdict("L1 is best", "reproduced", "...").verdict == "reproduced"
    with pytest.raises(ValueError, match="verdict must be one of"):
        Verdict("L1 is best", "kind of", "...")
    # only the six words of the vocabulary: the earlier rule's words are gone
    assert VERDICTS == tuple(VOCABULARY) and len(VERDICTS) == 6
    for old in ("partly reproduced", "not comparable"):
        with pytest.raises(ValueError, match="verdict must be one of"):
            Verdict("L1 is best", old, "...")
