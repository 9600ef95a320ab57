"""The book's structure: what CI, Colab and the rendered book rely on."""

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
