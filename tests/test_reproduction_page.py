"""The reproduction page's identity and expression spaces (Ginger et al. 2019, Sec. 5): Figs. 9
and 10 (b) are there with their verdicts and the paper's words, and read from the projections
cached in the run folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from i2ibook import catalogue
from i2ibook import reproduction as rp
from i2ibook.catalogue import PSEUDO_SEEDS
from i2ibook.chapters import ch08_spaces as ch08
from i2ibook.papers import ginger2019
from i2ibook.verdicts import VOCABULARY

ROOT = Path(__file__).resolve().parents[1]


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    nxt = page.find("\n#", start + len(heading))
    return page[start:] if nxt < 0 else page[start:nxt]


def _words(section: str) -> list[str]:
    return [line.split("**")[1] for line in section.splitlines() if line.startswith("- **")]


def test_the_page_has_fig9_and_fig10b_with_verdicts_and_the_papers_words():
    page = (ROOT / rp.PAGE).read_text(encoding="utf-8")
    fig9 = _section(page, "### Fig. 9: the training samples")
    fig10b = _section(page, "### Fig. 10 (b):")
    for section, claims, figure in (
            (fig9, list(ginger2019.FIG9_CLAIMS.values()), "Fig. 9"),
            (fig10b, [ginger2019.FIG10B_CLAIM, *ginger2019.FIG10B_MODELS.values()],
             "Fig. 10 (b)")):
        words = _words(section)
        assert len(words) == 2 and all(w in VOCABULARY for w in words), words
        assert all(c in section for c in claims)  # the paper's reading, in its words
        assert f"no number for Fig. {figure[5:]}, only the figure" in section
        assert section.count(f", only {figure}.") == 2  # every verdict's reason says so
    # the ratio-1.0 models of chapter 07 fail their sanity check: Fig. 10 (b) is inconclusive
    assert _words(fig10b) == ["inconclusive", "inconclusive"]
    assert "pix2pix fails its sanity check" in fig10b and "CycleGAN fails its sanity check" in fig10b
    # Fig. 10 (a): the identity-space verdict says the paper has no number there
    fig10a = _section(page, "### Fig. 10 (a):")
    identity = next(line for line in fig10a.splitlines() if "*identity space:" in line)
    assert identity.endswith("the paper reports no number for the centre distances in the "
                             "space of identities, only Fig. 10 (a).")


def _store(results: Path, setting: str, seed: int, explicit: bool = False):
    from i2ilib.results import read_run, record_digests

    name, config = catalogue.pseudo_pairs_run("book", "smile_removal", setting, seed, explicit)
    folder = results / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "meta.json").write_text("{}")
    (folder / "metrics.json").write_text("{}")
    (folder / "generators.pt").write_bytes(f"stand-in {name}".encode())
    record_digests(folder)
    return read_run(folder)


@pytest.fixture
def stored(tmp_path, monkeypatch):
    """Fig. 9's and Fig. 10 (b)'s runs with stand-in weights and no caches; the sanity checks
    say CycleGAN fails and pix2pix passes."""
    monkeypatch.setattr(ch08, "fig10b_sanity_failures", lambda *a, **k: {
        "pix2pix": [], "CycleGAN": ["CycleGAN fails its sanity check (MSE 0.0125)"]})
    runs = {"ours": [_store(tmp_path, "ours", s) for s in PSEUDO_SEEDS],
            **{m: [_store(tmp_path, "ratio_1.0", s, e) for s in PSEUDO_SEEDS]
               for m, e in ch08.FIG10B_MODELS.items()}}
    return tmp_path, runs


def test_sections_without_runs_or_caches_say_so(stored):
    tmp, _ = stored
    fig9 = "\n".join(rp._fig9_section(tmp))
    fig10b = "\n".join(rp._fig10b_section(tmp))
    assert "Not cached: the projections of the training sets" in fig9
    assert _words(fig9) == ["not testable here", "not testable here"]
    assert "Not cached: the projections of these runs' test translations" in fig10b
    assert _words(fig10b) == ["not testable here", "inconclusive"]  # pix2pix, CycleGAN
    empty = tmp / "empty"
    empty.mkdir()
    assert "Not run:" in "\n".join(rp._fig9_section(empty))
    assert "Not run:" in "\n".join(rp._fig10b_section(empty))


def test_sections_read_the_cached_projections(stored):
    tmp, runs = stored
    rng = np.random.default_rng(0)
    for s, run in enumerate(runs["ours"]):  # expression: pseudo-smiles off the smiling faces
        pts = {sp: {"smiling": rng.normal(size=(100, 2)),
                    "neutral": rng.normal(size=(100, 2)) + [8.0 if sp == "expression" else 0, 0],
                    "augmented": rng.normal(size=(100, 2)) + [0, 2.5 if sp == "expression" else 0]}
               for sp in ("identity", "expression")}
        ch08._write_points(Path(run.path) / ch08.TRAINING_PROJECTIONS_FILE,
                           ch08._training_key(run.config["data"]), pts)
    for i, seed in enumerate(PSEUDO_SEEDS):
        truth = rng.normal(size=(50, 2))
        for m in ch08.FIG10B_MODELS:
            moved = truth + (4.0 if m == "CycleGAN" else 0.0)  # CycleGAN keeps off the truth
            run = runs[m][i]
            ch08._write_points(Path(run.path) / ch08.PROJECTIONS_FILE, ch08._projections_key(run),
                               {sp: {"translations": moved, "truth": truth}
                                for sp in ("identity", "expression")})
    fig9 = "\n".join(rp._fig9_section(tmp))
    assert "Seeds 0, 1, 2; 100 real smiling, 100 real neutral and 100 pseudo-smiles" in fig9
    assert "| space of expressions | pseudo-smiles |" in fig9 and "only Fig. 9: \"clearly" in fig9
    assert _words(fig9)[1] == "reproduced"
    fig10b = "\n".join(rp._fig10b_section(tmp))
    assert "Seeds 0, 1, 2, 50 test faces each" in fig10b
    assert "| *paper* | no number, only Fig. 10 (b) |" in fig10b
    assert "| pix2pix | 0.000 ± 0.000 (0–0, 0–0, 0–0) |" in fig10b
    # pix2pix lands on the true faces (no effect, no paper number); CycleGAN fails its check
    assert _words(fig10b) == ["not testable here", "inconclusive"]
    assert rp._fig9_section(tmp) == rp._fig9_section(tmp)  # deterministic


def test_cache_projections_visits_the_runs_the_page_reads(stored, monkeypatch):
    tmp, runs = stored
    seen: dict[str, list[str]] = {"training": [], "translations": []}
    monkeypatch.setattr(ch08, "training_projections",
                        lambda run: seen["training"].append(Path(run.path).name))
    monkeypatch.setattr(ch08, "run_projections",
                        lambda run: seen["translations"].append(Path(run.path).name))
    counts = ch08.cache_projections("book", results_dir=tmp)
    # Fig. 9: the "ours" training sets; Figs. 10 (a) and (b): every stored run's translations
    assert seen["training"] == [Path(r.path).name for r in runs["ours"]]
    assert sorted(seen["translations"]) == sorted(Path(r.path).name
                                                  for rs in runs.values() for r in rs)
    assert counts == {"training sets": 3, "translations": 9, "missing runs": 9}


def test_the_page_has_chapter_09_with_its_verdicts_and_the_slides_table_2():
    from i2ibook.papers import benaim2018

    page = (ROOT / rp.PAGE).read_text(encoding="utf-8")
    fig3 = _section(page, "### Fig. 3 (a): classifier accuracy")
    assert _words(fig3) == ["inconclusive"] * 3  # seeds 1 and 2 of OST fail their sanity check
    assert "| OST | 0.530 (passes) | 0.448 (fails) | 0.420 (fails) |" in fig3
    assert "| baseline: identity | 0.454 |" in fig3
    table2 = page[page.index("### Table 2: perceptual content and style distances"):]
    for values in (benaim2018.TABLE2_CONTENT, benaim2018.TABLE2_STYLE):
        for task, by in values.items():
            assert f"| {task} | " + " | ".join(f"{v:.2f}" for v in by.values()) + " |" in table2
    assert table2.count("| ours | not run |") == 2


def test_the_one_shot_section_without_runs_says_so(tmp_path):
    section = "\n".join(rp._one_shot_section(tmp_path))
    assert "Stored runs: 0 of 21; none has been trained yet." in section
    assert "### Fig. 3 (a)" not in section and "- **" not in section


def test_chapter_11_says_whether_its_source_gan_beats_the_blur():
    from types import SimpleNamespace

    from i2ibook.catalogue import transfer_source_run
    from i2ibook.chapters import ch11_transfer_gans as ch11
    from i2ilib.results import find_run

    source = find_run(*transfer_source_run("book"))
    page = (ROOT / rp.PAGE).read_text(encoding="utf-8")
    note = "\n".join(rp._transfer_source_note(source))
    assert note.split("\n")[0] in page
    assert ("**Caveat.**" in note) != ch11.beats_blur(source)
    blurry = SimpleNamespace(metrics={"fd": 20.1, "steps": 3000, "baselines": {"blur": 11.7}})
    assert "**Caveat.**" in "\n".join(rp._transfer_source_note(blurry))
    good = SimpleNamespace(metrics={"fd": 9.0, "steps": 15000, "baselines": {"blur": 11.7}})
    assert "passes chapter 11's pilot" in "\n".join(rp._transfer_source_note(good))
    assert rp._transfer_source_note(None) == []


def test_chapter_11_shows_tables_2_4_2_5_or_says_their_runs_are_missing(tmp_path):
    empty = "\n".join(rp._transfer_section(tmp_path))
    assert "### Tables 2.4, 2.5 and A.1" in empty
    assert "Not all runs are stored: `make reproduce CHAPTER=11 MISSING=1`." in empty
    assert "- **not testable here**: *the FID between source generated and target real data" \
        in empty
    page = (ROOT / rp.PAGE).read_text(encoding="utf-8")
    section = page.split("### Tables 2.4, 2.5 and A.1")[1].split("\n## ")[0]
    assert "| from objects (ImageNet) |" in section and "| objects (ImageNet) |" in section
    assert "*The related source (faces) transfers better than objects.*" in section
