"""The line between the reusable library and the book: ``i2ilib`` never imports ``i2ibook``,
and every package's docstring lists each of its modules (the map a newcomer reads first)."""

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_no_library_file_imports_the_book_layer():
    offenders = [f"{p.relative_to(ROOT)}: {name}"
                 for p in sorted((ROOT / "i2ilib").rglob("*.py"))
                 for name in _imports(p) if name.split(".")[0] == "i2ibook"]
    assert not offenders, "i2ilib must not import i2ibook:\n" + "\n".join(offenders)


def test_the_scan_sees_an_import_of_the_book(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from i2ibook.catalogue import RUNS\n    return RUNS\n")
    assert "i2ibook.catalogue" in _imports(f)


def test_importing_every_library_module_loads_no_book_module():
    code = (
        "import importlib, pkgutil, sys\n"
        "import i2ilib\n"
        "for m in pkgutil.walk_packages(i2ilib.__path__, 'i2ilib.'):\n"
        "    importlib.import_module(m.name) if not m.name.endswith('__main__') else None\n"
        "book = sorted(n for n in sys.modules if n.split('.')[0] == 'i2ibook')\n"
        "print(len([n for n in sys.modules if n.startswith('i2ilib')]), book)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split(maxsplit=1)
    assert int(out[0]) > 40 and out[1].strip() == "[]", out


PACKAGES = ["i2ilib", "i2ilib.nets", "i2ilib.losses", "i2ilib.train", "i2ilib.data",
            "i2ilib.metrics", "i2ibook", "i2ibook.papers", "i2ibook.chapters"]


@pytest.mark.parametrize("package", PACKAGES)
def test_package_docstring_lists_every_module(package):
    pkg = importlib.import_module(package)
    doc = pkg.__doc__ or ""
    names = [m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name != "__main__"]
    missing = [n for n in names if f"{package}.{n}`" not in doc and f".{n}`" not in doc]
    assert not missing, f"{package}'s docstring does not list: {', '.join(missing)}"
