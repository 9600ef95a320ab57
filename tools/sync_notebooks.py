"""Keep every notebook's Colab badge and set-up cell in step with _config.yml, and strip outputs.

The repository's address and branch live in one place, ``_config.yml`` (``repository.url``,
``repository.branch``); this script writes them into each notebook's badge (the first line of
the first cell) and into its set-up cell (the code cell tagged ``setup``). It also tags the
set-up cell ``hide-input``: the rendered book collapses its code behind a "Show code" toggle,
while Colab and Jupyter run it as usual.

    python tools/sync_notebooks.py            # rewrite the notebooks
    python tools/sync_notebooks.py --check    # exit 1 if any notebook is out of step
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BADGE_PREFIX = "[![Open In Colab]"
SETUP_TAGS = ["setup", "hide-input"]  # Jupyter Book: the code is collapsed on the page

SETUP = '''\
# Set-up (written from _config.yml by tools/sync_notebooks.py: edit that file, not this cell).
# On Colab: fetch or update the book (code and stored runs) and install it; elsewhere nothing
# happens. Safe to run again, e.g. after a failed install.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    BOOK = "/content/i2i-book"
    if not os.path.isdir(os.path.join(BOOK, ".git")):
        subprocess.run(["git", "clone", "--depth", "1", "--branch", "{branch}",
                        "{url}", BOOK], check=True)
    else:  # a clone from earlier in this session: bring it up to date (your edits are kept)
        subprocess.run(["git", "-C", BOOK, "pull", "--ff-only", "-q"], check=False)
    try:
        import i2ibook  # noqa: F401  (installed by an earlier run of this cell)
    except ImportError:  # first run, or an install that failed: install (again)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", BOOK], check=True)
    sys.path.insert(0, BOOK)  # import the checkout itself, so edits to its code take effect
    os.environ.setdefault("I2I_RESULTS", BOOK + "/results")

from i2ilib.device import gpu_check

device = gpu_check(I2I_SCALE)'''


def repository() -> tuple[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def badge(url: str, branch: str, nb_path: Path) -> str:
    slug = url.split("github.com/", 1)[-1]
    rel = nb_path.relative_to(ROOT).as_posix()
    return (f"{BADGE_PREFIX}(https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/{slug}/blob/{branch}/{rel})")


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def synced(nb: dict, nb_path: Path, url: str, branch: str) -> dict:
    """The notebook with badge, set-up cell and cleared outputs (a new dict)."""
    nb = json.loads(json.dumps(nb))
    cells = nb["cells"]
    first = "".join(cells[0]["source"]).split("\n")
    if cells[0]["cell_type"] != "markdown":
        raise ValueError(f"{nb_path}: the first cell must be markdown (title and badge).")
    first = [line for line in first if not line.startswith(BADGE_PREFIX)]
    title, rest = first[0], first[1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    head = [title, "", badge(url, branch, nb_path)]
    cells[0]["source"] = _lines("\n".join(head + ([""] + rest if rest else [])))
    setup = [c for c in cells if "setup" in c.get("metadata", {}).get("tags", [])]
    if len(setup) != 1:
        raise ValueError(f"{nb_path}: expected exactly one code cell tagged 'setup', found "
                         f"{len(setup)}.")
    setup[0]["source"] = _lines(SETUP.format(url=url, branch=branch))
    tags = setup[0]["metadata"].setdefault("tags", [])
    tags += [t for t in SETUP_TAGS if t not in tags]
    for c in cells:
        if c["cell_type"] == "code":
            c["outputs"] = []
            c["execution_count"] = None
    return nb


def main(argv: list[str]) -> int:
    check = "--check" in argv
    url, branch = repository()
    stale = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        new = synced(nb, path, url, branch)
        if new != nb:
            stale.append(path.name)
            if not check:
                path.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n")
    if check and stale:
        print("Out of step with _config.yml (run python tools/sync_notebooks.py): "
              + ", ".join(stale))
        return 1
    print(("Checked" if check else "Synced") + f" notebooks; {len(stale)} changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
