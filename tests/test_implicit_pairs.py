"""Ginger et al. 2019 (implicit pairs): quoted numbers, tables, claims and the reproduction page."""

import json
from pathlib import Path

import pytest

from i2ibook.catalogue import ALPHAS, IMPLICIT_SEEDS, implicit_pairs_run
from i2ibook.chapters import ch06_implicit_pairs as ch06
from i2ibook.papers import ginger2019
from i2ibook.reproduction import COMMAND, PAGE, render_reproduction
from i2ilib.results import Run, record_digests

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- fabricated runs

def _metrics(quality: float, offset: float = 0.0, fcn: bool = True) -> dict:
    """Metrics of a run whose translation quality is ``quality`` (higher: lower MSE, higher
    FCN-scores), moved by a seed ``offset``."""
    mse = 0.05 * (1 - 0.4 * quality) * (1 + offset)
    score = 1 + 0.5 * quality
    out = {"A->B": {"mse": mse, "l1": 2 * mse}, "B->A": {"mse": 1.1 * mse, "l1": 2 * mse},
           "steps": 800}
    if fcn:
        out["fcn"] = {d: {"pixel_acc": 0.5 * score * (1 + offset),
                          "class_acc": 0.2 * score * (1 + offset),
                          "mean_iou": 0.15 * score * (1 + offset)}
                      for d in ("photo->labels", "labels->photo")}
    return out


def _sweep(quality: dict[float, float], offsets=(-0.002, 0.0, 0.002), fcn: bool = True,
           wall: float = 100.0) -> ch06.Sweep:
    return {a: [Run(Path(f"fake-{a}-{i}"), {}, {"wall_time_s": wall, "hardware": "cpu: test"},
                    _metrics(q, off, fcn), [], True) for i, off in enumerate(offsets)]
            for a, q in quality.items()}


IMPROVING = {0.0: 0.0, 0.25: 0.8, 0.5: 1.0, 0.75: 0.8, 1.0: 0.7}  # the paper's pattern, clearly
WORSE = {0.0: 0.0, 0.25: -0.5, 0.5: -0.6, 0.75: -0.7, 1.0: -0.5}  # pairs hurt, clearly


def _verdicts(photo, day, group="all"):
    return [v.verdict for v in ch06.claims(photo, day, group)]


# ---------------------------------------------------------------------------- the paper's numbers

def test_paper_values_quoted_from_the_tables():
    assert ginger2019.TABLE2_FCN_LABELS2PHOTO[0.0]["pixel_acc"] == 0.46
    assert ginger2019.TABLE2_FCN_LABELS2PHOTO[0.25]["mean_iou"] == 0.15
    assert ginger2019.TABLE1_MSE["Facades"][0.5]["B2A"] == 0.80
    assert ginger2019.TABLE1_MSE["CVC-14"][0.25]["A2B"] == 0.28
    assert ginger2019.TABLE1_MSE["Cityscapes"][0.75]["A2B"] == 0.27
    assert ginger2019.TABLE3_FCN_PHOTO2LABELS[0.5]["pixel_acc"] == 0.663
    assert ginger2019.TABLE3_FCN_PHOTO2LABELS[0.0]["class_acc"] == 0.132
    assert ginger2019.TABLE4_INFOSIM_BASELINES["Eyeglass"]["(ii) pseudo-unpaired"] == 0.00313
    assert ginger2019.TABLE5_INFOSIM_RATIOS["Smile"][0.75] == 0.00093
    assert ginger2019.TABLE6_PREFERENCE["Eyeglass"]["50%"]["100%"] == 1.0
    assert ginger2019.TABLE6_PREFERENCE["Smile"]["100%"]["100%"] is None
    assert ginger2019.TABLE7_INFOSIM_SETTINGS == {"implicit": 0.00180, "explicit": 0.000342}
    for table in (ginger2019.TABLE2_FCN_LABELS2PHOTO, ginger2019.TABLE3_FCN_PHOTO2LABELS,
                  *ginger2019.TABLE1_MSE.values()):
        assert tuple(table) == ALPHAS


def test_user_study_rates_of_each_pair_sum_to_one():
    for task, table in ginger2019.TABLE6_PREFERENCE.items():
        for p in table:
            for r in table:
                if p != r:
                    assert table[p][r] + table[r][p] == pytest.approx(1.0, abs=0.0015), (task, p, r)


def test_relative_improvement_gives_the_published_averages():
    # 14.2% (alpha = 1 over 0) and 3.4% (best mix over alpha = 1) from the paper's own tables
    assert round(ch06.paper_average_improvement(1.0, 0.0), 3) == ginger2019.PUBLISHED_GAIN_PAIRED_OVER_UNPAIRED
    assert round(ch06.paper_average_improvement(ch06.MIXED_ALPHAS, 1.0), 3) \
        == ginger2019.PUBLISHED_GAIN_MIX_OVER_PAIRED
    assert ch06.relative_improvement(0.2, 0.1, higher_is_better=False) == pytest.approx(0.5)
    assert ch06.relative_improvement(0.5, 1.0, higher_is_better=True) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="positive"):
        ch06.relative_improvement(0.5, 0.0, higher_is_better=True)


def test_mse_is_shown_on_the_papers_scale():
    assert ch06.to_paper_mse(0.05) == pytest.approx(0.2)
    run = Run(Path("x"), {}, {}, {"A->B": {"mse": 0.05}, "B->A": {"mse": 0.025}}, [], True)
    table = ch06.mse_table({0.0: [run]}, "Cityscapes")
    row0 = table.markdown.splitlines()[2]
    assert row0 == "| 0 | 0.26 | 0.200 | 0.22 | 0.100 | 1 of 3 |"
    a2b = next(r for r in table.rows if r["alpha"] == 0.0 and r["column"] == "A2B")
    assert a2b["mean"] == pytest.approx(0.2) and a2b["paper"] == 0.26 and a2b["n_seeds"] == 1
    assert next(r for r in table.rows if r["alpha"] == 1.0)["mean"] is None
    assert "| 1 | 0.25 | not run | 0.22 | not run | 0 of 3 |" in table.markdown
    with pytest.raises(ValueError, match="Facades"):
        ch06.mse_table(None, "Maps")


def test_fcn_table_rows_and_markdown():
    table = ch06.fcn_table(_sweep(IMPROVING), "labels->photo")
    lines = table.markdown.splitlines()
    assert len(lines) == 2 + len(ALPHAS)
    assert lines[2].startswith("| 0 | 0.46 | 0.500 ± 0.001 | 0.09 |")
    assert lines[2].endswith("| 3 of 3 |")
    assert len(table.rows) == 3 * len(ALPHAS) and all(r["table"] == 2 for r in table.rows)
    assert "| 0.5 | 0.663 |" in ch06.fcn_table(None, "photo->labels").markdown
    with pytest.raises(ValueError, match="direction"):
        ch06.fcn_table(None, "night->day")


# ---------------------------------------------------------------------------- verdicts

def test_clearly_improving_sweep_reproduces_what_the_paper_shows():
    verdicts = ch06.claims(_sweep(IMPROVING), _sweep(IMPROVING, fcn=False))
    assert [v.verdict for v in verdicts] == ["reproduced"] * 3
    assert "over 10 measures" in verdicts[0].evidence and "incomplete" not in verdicts[0].evidence
    assert verdicts[0].effect.seeds == 3 and verdicts[0].effect.low > 0
    # the mix: the per-measure best of three within each seed, and each mixed alpha on its own
    assert all(f"α = {a:g} +" in verdicts[1].evidence for a in ch06.MIXED_ALPHAS)
    assert "95 % CI" in verdicts[1].evidence and "smallest detectable" in verdicts[1].evidence


def test_clearly_worse_sweep_is_contradicted():
    words = _verdicts(_sweep(WORSE), _sweep(WORSE, fcn=False))
    # (a) and (c) resolved against the claim; (b): the best mix ties with alpha = 1
    assert words[0] == words[2] == "contradicted" and words[1] == "not reproduced"


def test_papers_own_effect_against_the_claim_is_not_testable():
    # Table 1: the paper's own gains of alpha = 1 and 0.25 over 0 are -0.1 % and -7.6 %
    verdicts = ch06.claims(_sweep(IMPROVING), _sweep(IMPROVING, fcn=False), "mse")
    assert verdicts[0].verdict == verdicts[2].verdict == "not testable here"
    assert "-0.1 %, not in the claimed direction" in verdicts[0].evidence
    assert "-7.6 %, not in the claimed direction" in verdicts[2].evidence


def test_noisy_tie_is_consistent_or_not_reproduced_never_reproduced():
    # means differ by < 1 % in favour of the pairs, the runs by 10 % within each seed too:
    # nothing is resolved
    tie = {0.0: 0.0, 0.25: 0.01, 0.5: 0.01, 0.75: 0.01, 1.0: 0.005}
    noisy = {a: s for a, s in zip(ALPHAS, ((-0.1, 0.0, 0.1), (0.1, -0.1, 0.0), (0.0, 0.1, -0.1),
                                           (0.1, 0.0, -0.1), (0.0, -0.1, 0.1)))}
    sweep = {a: _sweep({a: q}, noisy[a])[a] for a, q in tie.items()}
    day = {a: _sweep({a: q}, noisy[a], fcn=False)[a] for a, q in tie.items()}
    words = _verdicts(sweep, day)
    assert "reproduced" not in words and "contradicted" not in words


def test_small_effect_with_a_tight_interval_is_not_reproduced():
    # no effect, and the seeds agree exactly: the paper's 16.6 % would have been seen
    flat = {a: 0.0 for a in ALPHAS}
    jitter = (-0.001, 0.0, 0.0012)
    v = ch06.claims(_sweep(flat, jitter), _sweep(flat, jitter, fcn=False))[0]
    assert v.verdict == "not reproduced" and "would have been seen" in v.evidence


def test_a_model_that_loses_to_a_trivial_baseline_makes_the_verdict_inconclusive():
    photo, day = _sweep(IMPROVING), _sweep(IMPROVING, fcn=False)
    beaten = {m.name: {ch06.BLUR: 1.0, ch06.TRAIN_MEAN: 1.0} if not m.higher_is_better else
              {ch06.BLUR: 0.0, ch06.TRAIN_MEAN: 0.0} for m in ch06.measures()}
    assert _verdicts(photo, day) == ["reproduced"] * 3
    assert [v.verdict for v in ch06.claims(photo, day, baselines=beaten)] == ["reproduced"] * 3
    # the training-set mean label map is closer to the truth than every model (MSE 0.01)
    mean_wins = {**beaten, "Cityscapes A2B MSE": {ch06.BLUR: 1.0, ch06.TRAIN_MEAN: 0.01}}
    verdicts = ch06.claims(photo, day, baselines=mean_wins)
    assert [v.verdict for v in verdicts] == ["inconclusive"] * 3
    assert "fail the sanity check on 1 of 10 measures" in verdicts[0].evidence
    assert "(Cityscapes A2B MSE 0.144–0.200 vs training-set mean 0.010)" in verdicts[0].evidence
    # a measure outside the group does not count
    assert ch06.claims(photo, day, "fcn labels->photo", mean_wins)[0].verdict == "reproduced"
    assert ch06.sanity_failures({"photo2labels": photo}, "mse", (0.0, 1.0), None) == []


def test_baseline_rows_in_the_tables():
    bl = {f"Cityscapes {d} MSE": {ch06.IDENTITY: 0.25, ch06.BLUR: 0.23, ch06.TRAIN_MEAN: 0.075}
          for d in ("A2B", "B2A")}
    md = ch06.mse_table(None, "Cityscapes", baselines=bl).markdown
    assert "| *baseline: training-set mean* | – | 0.075 | – | 0.075 | – |" in md
    assert "*baseline: input unchanged*" in md
    assert "baseline" not in ch06.fcn_table(None, "photo->labels", baselines=bl).markdown


def test_incomplete_and_missing_sweeps():
    assert ch06.claims(None, None) == ch06.claims({}, {})
    for v in ch06.claims(None, None):
        assert (v.verdict, v.evidence) == ("not testable here", "not run.")
    # one seed only: never resolved, and the evidence says how many seeds
    one = _sweep(IMPROVING, offsets=(0.0,))
    verdicts = ch06.claims(one, None)
    assert [v.verdict for v in verdicts] == ["consistent"] * 3
    assert "1 seed" in verdicts[0].evidence and "day2night not run" in verdicts[0].evidence
    # alpha = 1 missing: claims (a) and (b) cannot be checked, (c) can
    partial = {a: r for a, r in _sweep(IMPROVING).items() if a != 1.0}
    v = ch06.claims(partial, None)
    assert [x.verdict for x in v] == ["not testable here", "not testable here", "reproduced"]
    assert "α = 1: 0 of 3 seeds" in v[0].evidence
    # a run stored without FCN-scores is left out of the FCN measures, not an error
    no_fcn = _sweep(IMPROVING, fcn=False)
    assert ch06.compare_alphas({"photo2labels": no_fcn}, 1.0, 0.0, "fcn photo->labels") is None


def test_claims_per_table_use_that_tables_measures():
    photo = _sweep(IMPROVING)
    assert ch06.compare_alphas({"photo2labels": photo}, 1.0, 0.0, "mse").n_measures == 2
    assert ch06.compare_alphas({"photo2labels": photo}, 1.0, 0.0, "fcn labels->photo").n_measures == 3
    c = ch06.compare_alphas({"photo2labels": photo}, ch06.MIXED_ALPHAS, 1.0, "mse")
    assert c.new == ch06.MIXED_ALPHAS and c.seeds == (0, 1, 2)
    with pytest.raises(ValueError, match="group"):
        ch06.claims(photo, None, "fid")


# ---------------------------------------------------------------------------- stored runs, page

def _store(results: Path, task: str, alpha: float, seed: int, metrics: dict,
           wall: float = 60.0, config: dict | None = None) -> None:
    name, cfg = implicit_pairs_run("book", task, alpha, seed)
    d = results / name
    d.mkdir(parents=True)
    (d / "config.json").write_text(json.dumps(config or cfg))
    (d / "meta.json").write_text(json.dumps({"wall_time_s": wall, "hardware": "cpu: fake (1 threads)"}))
    (d / "metrics.json").write_text(json.dumps(metrics))
    record_digests(d)


def test_load_sweep_reads_stored_runs_and_skips_stale_ones(tmp_path):
    _store(tmp_path, "photo2labels", 0.0, 0, _metrics(0.0))
    _store(tmp_path, "photo2labels", 0.0, 2, _metrics(0.0))
    _store(tmp_path, "photo2labels", 1.0, 1, _metrics(1.0), config={"stale": True})
    sweep = ch06.load_sweep("photo2labels", results_dir=tmp_path)
    assert list(sweep) == [0.0] and len(sweep[0.0]) == 2
    assert sweep[0.0][0].metrics["A->B"]["mse"] == pytest.approx(0.05)
    assert ch06.load_sweep("day2night", results_dir=tmp_path) == {}
    with pytest.raises(ValueError, match="photo2labels"):
        ch06.load_sweep("labels2photo", results_dir=tmp_path)


def test_render_reproduction_from_a_results_dir(tmp_path):
    empty = render_reproduction(tmp_path)
    assert empty.startswith("# Reproduction report\n")
    assert COMMAND in empty and "Stored runs: 0 of 30" in empty
    # Sec. 4.1 claims (3 x 4 groups), the UCSD report's 5 claims, Tables 4-7 (4 x 2 tasks),
    # Fig. 9 (2 spaces), Fig. 10 (b) (2 models), the slides' Table 4 (chapter 10) and the
    # thesis's Table 2.1 claims (chapter 11: 8), MineGAN's (chapter 12: 7) and UDIT's (chapter
    # 14: 2): the runs are not stored. Chapters 09 and 13 draw no verdict without runs.
    assert empty.count("**not testable here**") == 3 * 4 + 5 + 4 * 2 + 2 + 2 + 1 + 8 + 7 + 2
    assert "Stored runs: 0 of 48" in empty and "Stored runs: 0 of 27" in empty
    assert "Not all of chapter 05's runs are stored" in empty
    assert "the smile-removal runs of Table 4 are not all stored" in empty
    for seed in IMPLICIT_SEEDS:
        for alpha, q in IMPROVING.items():
            _store(tmp_path, "photo2labels", alpha, seed, _metrics(q, 0.001 * seed), wall=360.0)
    page = render_reproduction(tmp_path)
    assert page == render_reproduction(tmp_path)  # deterministic
    assert "Stored runs: 15 of 30 (photo2labels 15, day2night 0)" in page
    assert "1.5 h of CPU wall-clock time" in page and "`cpu: fake (1 threads)`" in page
    assert "day2night not run" in page and "**inconclusive**" in page
    assert sum(line.startswith("# ") for line in page.splitlines()) == 1


def test_reproduction_page_is_up_to_date():
    page = ROOT / PAGE
    assert page.is_file(), f"{PAGE} is missing; run: {COMMAND}"
    assert page.read_text(encoding="utf-8") == render_reproduction(ROOT / "results"), \
        f"{PAGE} is out of date with results/; run: {COMMAND}"


def test_expensive_statistics_are_cached_by_what_they_depend_on(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # smoke scale caches there
    calls = []

    def compute():
        calls.append(1)
        return {"m": {"b": 0.1 + len(calls)}}

    first = ch06._cached_statistic("baselines", "smoke", {"configs": [{"a": 1}]}, compute)
    again = ch06._cached_statistic("baselines", "smoke", {"configs": [{"a": 1}]}, compute)
    other = ch06._cached_statistic("baselines", "smoke", {"configs": [{"a": 2}]}, compute)
    assert first == again == {"m": {"b": 1.1}} and other == {"m": {"b": 2.1}}
    assert len(calls) == 2
    path = tmp_path / "i2i-smoke-results" / "06_implicit_pairs" / ch06.STATISTICS_FILE
    assert path.is_file() and path.stat().st_size < 50_000


def test_committed_statistics_cache_is_small():
    path = ROOT / "results" / "06_implicit_pairs" / ch06.STATISTICS_FILE
    if path.is_file():
        assert path.stat().st_size < 50_000
