"""The book's structure: what CI, Colab and the rendered book rely on."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _src(cell):
    return "".join(cell["source"])


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), "name must be NN_topic.ipynb"
    cells = _cells(path)
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), \
        "commit notebooks without outputs (python tools/sync_notebooks.py clears them)"
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1 and "I2I_SCALE" in _src(params[0]), "one 'parameters' cell reading I2I_SCALE"
    assert code.index(params[0]) == 0, "the parameters cell comes first"
    text = "\n".join(_src(c) for c in cells if c["cell_type"] == "markdown")
    assert "## Summary" in text and "## Exercises" in text
    n_ex, n_sol = text.count("```{exercise}"), text.count("```{solution}")
    assert n_ex >= 2 and n_ex == n_sol, "every exercise has a solution block"
    assert text.count(":class: dropdown") >= n_sol, "solutions are togglable"


def test_notebooks_in_step_with_config():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "sync_notebooks.py"), "--check"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_toc_lists_every_notebook_and_page():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    for f in files:
        assert any((ROOT / (f + ext)).is_file() for ext in (".md", ".ipynb")), f
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in files, f"{nb.name} is missing from _toc.yml"


def test_config_fails_on_notebook_errors():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["allow_errors"] is False
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    assert "sphinx_exercise" in config["sphinx"]["extra_extensions"]
    assert config["repository"]["url"].startswith("https://")


def test_config_renders_outputs_for_readers():
    sphinx = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert sphinx["nb_merge_streams"] is True, "one output box per cell, not one per flush"
    assert sphinx["nb_render_markdown_format"] == "myst", "notes and tables printed as Markdown"


def test_readme_and_ci_agree():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make book", "make test"]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
    assert ci[-1].strip() == "make test"


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in ("book", "dev", "metrics", "faces")
                                      for d in project["optional-dependencies"][extra]]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    flat = [d for d in env if isinstance(d, str)]
    flat += [d for d in env if isinstance(d, dict) for d in d["pip"]]
    names = {re.split(r"[<>=!\[ ]", d.strip('"'), maxsplit=1)[0].lower() for d in flat}
    conda_names = {"pytorch": "torch"}
    names |= {conda_names[n] for n in names if n in conda_names}
    for dep in deps:
        name = re.split(r"[<>=!\[ ;]", dep, maxsplit=1)[0].lower()
        assert name in names, f"{name} (pyproject.toml) is missing from environment.yml"


def test_no_exact_pins_in_package_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        deps += extra
    assert not [d for d in deps if "==" in d], "exact pins break Colab: use lower bounds"


# --- exercises ---------------------------------------------------------------------------------

PAGES = NOTEBOOKS + sorted((ROOT / "book").glob("*.md"))


def _markdown(path):
    if path.suffix == ".ipynb":
        return "\n".join(_src(c) for c in _cells(path) if c["cell_type"] == "markdown")
    return path.read_text()


def _directives(text, name):
    """(argument, options) of every ``{name}`` directive (backtick or colon fence) in ``text``."""
    found = []
    fence = r"^[ \t]*(?:`{3,}|:{3,})\{" + name + r"\}[ \t]*([^\n]*)\n"
    for m in re.finditer(fence, text, re.MULTILINE):
        options = {}
        for line in text[m.end():].split("\n"):
            option = re.fullmatch(r"\s*:([\w-]+):\s*(.*)", line)
            if not option:
                break
            options[option.group(1)] = option.group(2).strip()
        found.append((m.group(1).strip(), options))
    return found


def _exercises_and_solutions():
    exercises, solutions, refs = [], [], []
    for path in PAGES:
        text = _markdown(path)
        exercises += [(options.get("label"), path.name) for _, options in
                      _directives(text, "exercise")]
        solutions += [(argument, path.name) for argument, _ in _directives(text, "solution")]
        refs += [(label, path.name) for label in
                 re.findall(r"\{(?:ref|numref)\}`(?:[^`<]*<)?(ex-[^`>]+)>?`", text)]
    return exercises, solutions, refs


def test_directive_parser_reads_labels_and_arguments():
    text = ("```{exercise} A title\n:label: ex-a\nBody.\n```\n\n"
            "````{solution} ex-a\n:class: dropdown\n```python\nx = 1\n```\n````\n")
    assert _directives(text, "exercise") == [("A title", {"label": "ex-a"})]
    assert _directives(text, "solution") == [("ex-a", {"class": "dropdown"})]


def test_exercise_labels_are_unique_and_every_solution_has_its_exercise():
    exercises, solutions, refs = _exercises_and_solutions()
    assert len(exercises) > 10
    unlabelled = [page for label, page in exercises if not label]
    assert not unlabelled, f"exercises without a :label: in {unlabelled}"
    labels = [label for label, _ in exercises]
    duplicates = sorted({f"{label} ({page})" for label, page in exercises
                         if labels.count(label) > 1})
    assert not duplicates, f"exercise labels used more than once: {duplicates}"
    orphans = [f"{page}: {label}" for label, page in solutions if label not in labels]
    assert not orphans, f"solutions whose exercise does not exist: {orphans}"
    solved = [label for label, _ in solutions]
    unsolved = [f"{page}: {label}" for label, page in exercises if solved.count(label) != 1]
    assert not unsolved, f"exercises without exactly one solution: {unsolved}"
    dangling = [f"{page}: {label}" for label, page in refs if label not in labels]
    assert not dangling, f"references to exercises that do not exist: {dangling}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_are_referenced_by_label_not_by_number(path):
    # numbers restart in every chapter and shift when an exercise is added: {numref}`ex-...`
    typed = re.findall(r"\b[Ee]xercises? \d+\b", _markdown(path))
    assert not typed, f"write {{numref}}`ex-label` instead of {typed}"


def test_exercise_numbers_restart_in_every_chapter():
    from i2ibook.exercise_numbers import restart_per_document

    fignumbers = {"a": {"exercise": {"ex-a2": (4,), "ex-a1": (3,)}, "figure": {"f": (7,)}},
                  "b": {"exercise": {"ex-b1": (5,)}}, "c": {}}
    restart_per_document(fignumbers)
    assert fignumbers == {"a": {"exercise": {"ex-a1": (1,), "ex-a2": (2,)}, "figure": {"f": (7,)}},
                          "b": {"exercise": {"ex-b1": (1,)}}, "c": {}}
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "i2ibook.exercise_numbers" in config["sphinx"]["extra_extensions"]


# --- the repository's address ------------------------------------------------------------------

#: Other projects' repositories the book links to; every other GitHub link is the book's own.
EXTERNAL_REPOSITORIES = {"junyanz/pytorch-CycleGAN-and-pix2pix"}


def _repository():
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    url = repo["url"].rstrip("/")
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    return url, url.split("github.com/", 1)[1], repo.get("branch", "main")


def test_badges_and_setup_clone_use_the_configured_repository():
    url, slug, branch = _repository()
    for path in NOTEBOOKS:
        cells = _cells(path)
        badge = f"https://colab.research.google.com/github/{slug}/blob/{branch}/notebooks/{path.name}"
        assert f"]({badge})" in _src(cells[0]), f"{path.name}: the Colab badge is not {badge}"
        setup = [_src(c) for c in cells if "setup" in c["metadata"].get("tags", [])]
        assert len(setup) == 1, f"{path.name}: one set-up cell"
        clones = re.findall(r'"--branch", "([^"]+)",\s*"([^"]+)"', setup[0])
        assert clones == [(branch, url)], f"{path.name}: the set-up cell clones {clones}"


def test_setup_cell_is_collapsed_on_the_page():
    for path in NOTEBOOKS:
        setup = [c for c in _cells(path) if "setup" in c["metadata"].get("tags", [])]
        assert "hide-input" in setup[0]["metadata"]["tags"], path.name


def test_every_github_link_is_the_configured_repository_or_a_cited_project():
    url, slug, _ = _repository()
    pages = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "book").glob("*.md")),
             *NOTEBOOKS]
    wrong = []
    for path in pages:
        text = (_markdown(path) + "\n".join(_src(c) for c in _cells(path)
                                            if c["cell_type"] == "code")
                if path.suffix == ".ipynb" else path.read_text())
        links = re.findall(r"(?:github\.com|colab\.research\.google\.com/github)/([\w.-]+/[\w.-]+)",
                           text)
        wrong += [f"{path.name}: {link}" for link in links
                  if link.removesuffix(".git") not in {slug, *EXTERNAL_REPOSITORIES}]
    assert not wrong, f"GitHub links that are not {url} (_config.yml): {wrong}"


def test_launch_buttons_read_the_repository_from_the_config():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["html"]["use_repository_button"] and config["launch_buttons"]["colab_url"]
    readme = (ROOT / "README.md").read_text()
    assert _repository()[0] in readme


# --- what a page shows -------------------------------------------------------------------------

#: Matplotlib calls that return an object whose repr (``Text(0.5, 1.0, '...')``,
#: ``[<matplotlib.lines.Line2D ...>]``) would be printed under the figure if a cell ended on one.
PLOT_CALLS = {"suptitle", "set_title", "title", "set_xlabel", "set_ylabel", "xlabel", "ylabel",
              "legend", "text", "annotate", "imshow", "plot", "scatter", "bar", "barh", "hist",
              "axhline", "axvline", "errorbar", "fill_between", "colorbar", "set_xticks",
              "set_yticks", "set_xlim", "set_ylim", "subplots", "figure", "image_grid",
              "plot_losses"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_plotting_cells_print_no_repr(path):
    leaks = []
    for i, cell in enumerate(_cells(path)):
        src = _src(cell).rstrip()
        if cell["cell_type"] != "code" or not src or src.endswith(";"):
            continue
        try:
            last = ast.parse(src).body[-1]
        except SyntaxError:  # IPython syntax (!, %): not a plotting cell
            continue
        if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
            func = last.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in PLOT_CALLS:
                leaks.append(f"cell {i}: {ast.get_source_segment(src, last).splitlines()[0]}")
    assert not leaks, "end these cells with ';' or plt.show(): " + "; ".join(leaks)
