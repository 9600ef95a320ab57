"""Export a chapter as an nbgrader assignment: solutions in solution regions, checks as tests.

nbgrader (the Jupyter ecosystem's grading tool) reads an instructor's *source* notebook in which
every graded cell carries metadata under ``cell.metadata["nbgrader"]`` (schema version 3:
``grade``, ``solution``, ``locked``, ``task``, ``grade_id``, ``points``, ``schema_version``) and
the instructor's answers sit between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
``nbgrader generate_assignment`` replaces those regions by a stub (``# YOUR CODE HERE`` /
``raise NotImplementedError()``, or ``YOUR ANSWER HERE`` in Markdown) and drops the lines
between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` to make the students' version.

:func:`export_chapter` turns a chapter notebook into both versions. For each exercise:

- the ``{exercise}`` directive becomes a heading and its text, numbered from 1 as the book
  numbers it (references ``{numref}`ex-...``` become "Exercise N");
- an answer cell (tagged ``exercise-answer``, see :mod:`i2ibook.exercises`) becomes an
  *autograded answer*: its placeholder (``answer = ...``, or the ``...`` body of a function or
  class) is replaced by the solution's code in a solution region; its ``check_...`` calls become
  an *autograder test* cell (locked, 1 point) with the same calls and, as hidden tests, the calls
  with ``graded=True`` (an unanswered placeholder fails, functions meet further inputs);
- the ``{solution}`` dropdown becomes a *manually graded answer* (Markdown, 1 point) whose text
  is the solution in a solution region, so the student version shows ``YOUR ANSWER HERE``.

The answer code is the fenced ``python`` block of the solution that binds the placeholder's
name (for a function or class: a block holding only its definition, with the same signature).
Everything else in the notebook is copied unchanged, without outputs.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ANSWER_TAG",
    "AnswerCell",
    "Directive",
    "Exercise",
    "chapter_exercises",
    "chapter_notebooks",
    "export_chapter",
    "nbgrader_problems",
    "parse_answer_cell",
    "release_version",
    "solution_regions",
    "source_version",
]

ROOT = Path(__file__).resolve().parents[1]
ANSWER_TAG = "exercise-answer"
SCHEMA_VERSION = 3
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = "YOUR ANSWER HERE"
CHECK_POINTS = 1
WRITTEN_POINTS = 1
NBGRADER_KEYS = {"grade", "solution", "locked", "task", "grade_id", "points", "schema_version",
                 "cell_type", "checksum"}
GRADE_ID = re.compile(r"[A-Za-z0-9_\-]+")


# --- reading the book's notebooks --------------------------------------------------------------

@dataclass
class Directive:
    """One top-level ``{exercise}`` or ``{solution}`` directive of a Markdown text."""

    name: str
    argument: str
    options: dict[str, str]
    body: str
    start: int
    end: int


def directives(text: str) -> list[Directive]:
    """The top-level ``{exercise}`` and ``{solution}`` directives of ``text`` (backtick or colon
    fences), in order, with their options and their body (without the options)."""
    opening = re.compile(r"^[ \t]*(`{3,}|:{3,})\{(exercise|solution)\}[ \t]*([^\n]*)\n", re.MULTILINE)
    found, position = [], 0
    while m := opening.search(text, position):
        fence = m.group(1)
        closing = re.compile(r"^[ \t]*" + re.escape(fence) + r"[ \t]*$", re.MULTILINE).search(text, m.end())
        if closing is None:
            raise ValueError(f"the {{{m.group(2)}}} directive at offset {m.start()} is not closed "
                             f"by {fence}")
        lines = text[m.end():closing.start()].split("\n")
        options = {}
        while lines and (option := re.fullmatch(r"\s*:([\w-]+):\s*(.*)", lines[0])):
            options[option.group(1)] = option.group(2).strip()
            lines.pop(0)
        found.append(Directive(m.group(2), m.group(3).strip(), options,
                               "\n".join(lines).strip("\n"), m.start(), closing.end()))
        position = closing.end()
    return found


@dataclass
class Exercise:
    """One exercise of a chapter: its number in the chapter, text and solution."""

    label: str
    number: int
    title: str
    body: str
    solution: str


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def chapter_exercises(nb: dict) -> list[Exercise]:
    """The exercises of a notebook in order, numbered from 1 as the book numbers them.

    Raises:
        ValueError: an exercise without a label, or without exactly one solution.
    """
    found: list[Directive] = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            found += directives(_source(cell))
    solutions: dict[str, list[str]] = {}
    for d in found:
        if d.name == "solution":
            solutions.setdefault(d.argument, []).append(d.body)
    exercises = []
    for d in (d for d in found if d.name == "exercise"):
        label = d.options.get("label")
        if not label:
            raise ValueError(f"exercise {d.argument!r} has no :label:")
        if len(solutions.get(label, [])) != 1:
            raise ValueError(f"exercise {label} needs exactly one {{solution}}, found "
                             f"{len(solutions.get(label, []))}")
        exercises.append(Exercise(label, len(exercises) + 1, d.argument, d.body,
                                  solutions[label][0]))
    return exercises


def python_blocks(markdown: str) -> list[str]:
    """The fenced code blocks of ``markdown`` whose language is ``python``."""
    blocks = []
    pattern = re.compile(r"^([ \t]*)(`{3,}|~{3,})[ \t]*python[ \t]*\n(.*?)^[ \t]*\2[ \t]*$",
                         re.MULTILINE | re.DOTALL)
    for m in pattern.finditer(markdown):
        blocks.append(textwrap.dedent(m.group(3)).rstrip("\n"))
    return blocks


@dataclass
class AnswerCell:
    """An ``exercise-answer`` cell: its placeholder and the check calls.

    ``kind`` is ``"value"`` for ``name = ...`` and ``"body"`` for a function or class whose body
    is ``...``; ``lines`` are the 0-based first and last line of the placeholder statement (for
    ``"body"``: of the ``...``) and ``indent`` its indentation; ``comment`` is the comment on
    its line (instructions for the student), if any.
    """

    source: str
    name: str
    kind: str
    lines: tuple[int, int]
    indent: str
    comment: str
    definition: ast.stmt | None
    checks: list[str] = field(default_factory=list)
    check_lines: list[int] = field(default_factory=list)

    @property
    def check_names(self) -> list[str]:
        return [re.match(r"exercises\.(\w+)", c).group(1) for c in self.checks]  # type: ignore[union-attr]


def _is_ellipsis(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
        and node.value.value is Ellipsis


def _check_call(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "exercises"
            and node.value.func.attr.startswith("check_"))


def _trailing_comment(line: str, end_col: int) -> str:
    rest = line[end_col:].strip()
    return rest if rest.startswith("#") else ""


def parse_answer_cell(source: str) -> AnswerCell:
    """Read an answer cell: imports and comments, one placeholder, then ``exercises.check_...``
    calls.

    Raises:
        ValueError: any other statement, no placeholder or several, no check call, or a check
            call before the placeholder.
    """
    tree = ast.parse(source)
    lines = source.split("\n")
    placeholder: AnswerCell | None = None
    checks: list[str] = []
    check_lines: list[int] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if _check_call(node):
            if placeholder is None:
                raise ValueError("a check call comes before the placeholder")
            checks.append(ast.get_source_segment(source, node) or "")
            check_lines += list(range(node.lineno - 1, node.end_lineno or node.lineno))
            continue
        if placeholder is not None:
            raise ValueError(f"one placeholder per answer cell; line {node.lineno} is another "
                             "statement")
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant) and node.value.value is Ellipsis):
            first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
            placeholder = AnswerCell(source, node.targets[0].id, "value", (first, last), "",
                                     _trailing_comment(lines[last], node.end_col_offset or 0),
                                     None)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            if len(body) != 1 or not _is_ellipsis(body[0]):
                raise ValueError(f"the body of {node.name} must be a single ... (the placeholder)")
            dots = body[0]
            line = lines[dots.lineno - 1]
            placeholder = AnswerCell(source, node.name, "body",
                                     (dots.lineno - 1, (dots.end_lineno or dots.lineno) - 1),
                                     line[:len(line) - len(line.lstrip())],
                                     _trailing_comment(line, dots.end_col_offset or 0), node)
        else:
            raise ValueError(f"line {node.lineno}: an answer cell holds imports, one placeholder "
                             "(name = ..., or a def or class whose body is ...) and "
                             "exercises.check_...(...) calls")
    if placeholder is None:
        raise ValueError("no placeholder (name = ..., or a def or class whose body is ...)")
    if not checks:
        raise ValueError("no exercises.check_...(...) call")
    placeholder.checks, placeholder.check_lines = checks, check_lines
    return placeholder


def _binds(tree: ast.Module, name: str) -> bool:
    """Whether ``name`` is assigned at module level (also inside ``with``, ``for``, ``if``)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            if getattr(node, "name", None) == name:
                return True
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name:
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def solution_code(answer: AnswerCell, solution: str, label: str = "") -> str:
    """The code of the solution that answers ``answer``: for a ``"value"`` placeholder the
    python block that binds its name; for a ``"body"`` placeholder the body of the definition
    in the block that holds only that definition (same signature or bases as the placeholder).

    Raises:
        ValueError: no such block, several, or a definition that does not match.
    """
    where = f"{label}: " if label else ""
    matches = [b for b in python_blocks(solution) if _binds(ast.parse(b), answer.name)]
    if len(matches) != 1:
        raise ValueError(f"{where}the solution needs exactly one python block that defines "
                         f"{answer.name}, found {len(matches)}")
    block = matches[0]
    if answer.kind == "value":
        return block
    tree = ast.parse(block)
    definition = answer.definition
    if len(tree.body) != 1 or type(tree.body[0]) is not type(definition) \
            or tree.body[0].name != answer.name:  # type: ignore[attr-defined]
        raise ValueError(f"{where}the solution's block for {answer.name} must hold only its "
                         "definition")
    node = tree.body[0]
    if isinstance(node, ast.FunctionDef) and ast.dump(node.args) != ast.dump(definition.args):  # type: ignore[union-attr]
        raise ValueError(f"{where}the solution's {answer.name} has another signature than the "
                         "answer cell's")
    if isinstance(node, ast.ClassDef) and [ast.dump(b) for b in node.bases] \
            != [ast.dump(b) for b in definition.bases]:  # type: ignore[union-attr]
        raise ValueError(f"{where}the solution's {answer.name} has other base classes than the "
                         "answer cell's")
    lines = block.split("\n")
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return textwrap.dedent("\n".join(lines[body[0].lineno - 1:node.end_lineno]))


# --- nbgrader cells ----------------------------------------------------------------------------

def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool,
              points: int | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                            "schema_version": SCHEMA_VERSION, "solution": solution,
                            "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _cell(cell_type: str, source: str, cell_id: str, nbgrader: dict | None = None,
          tags: Sequence[str] = ()) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if tags:
        metadata["tags"] = list(tags)
    if nbgrader is not None:
        metadata["nbgrader"] = nbgrader
    cell: dict[str, Any] = {"cell_type": cell_type, "id": cell_id, "metadata": metadata,
                            "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _answer_source(answer: AnswerCell, code: str) -> str:
    """The answer cell without the check calls, with a solution region holding ``code`` in place
    of the placeholder's ``...`` body, or after its ``name = ...`` line."""
    lines = answer.source.split("\n")
    first, last = answer.lines
    region = [answer.indent + BEGIN_SOLUTION]
    region += [(answer.indent + line) if line.strip() else "" for line in code.split("\n")]
    region += [answer.indent + END_SOLUTION]
    if answer.kind == "value":  # keep `name = ...  # what to give`: it names what the tests read
        region = lines[first:last + 1] + region
    elif answer.comment:
        region.insert(0, answer.indent + answer.comment)
    kept = [(i, line) for i, line in enumerate(lines) if i not in answer.check_lines]
    out: list[str] = []
    for i, line in kept:
        if i == first:
            out += region
        elif not first < i <= last:
            out.append(line)
    return "\n".join(out).rstrip("\n")


def _test_source(answer: AnswerCell) -> str:
    graded = []
    for call in answer.checks:
        if re.search(r"\bgraded\s*=", call):
            raise ValueError(f"{call!r}: the answer cell's checks must not set graded")
        graded.append(call.rstrip()[:-1].rstrip().rstrip(",") + ", graded=True)")
    return "\n".join(["from i2ibook import exercises", "", *answer.checks, BEGIN_HIDDEN, *graded,
                      END_HIDDEN])


def _exercise_markdown(exercise: Exercise) -> str:
    return f"### Exercise {exercise.number}: {exercise.title}\n\n{exercise.body}"


def _resolve_references(text: str, exercises: dict[str, Exercise]) -> str:
    def replace(m: re.Match) -> str:
        role, explicit, label = m.group(1), m.group(2), m.group(3)
        if label not in exercises:
            return m.group(0)
        ex = exercises[label]
        if explicit:
            return explicit.strip().replace("{number}", str(ex.number)).replace("%s", str(ex.number))
        return f"Exercise {ex.number}" if role == "numref" else ex.title

    return re.sub(r"\{(numref|ref)\}`(?:([^`<]*)<)?(ex-[^`>]+)>?`", replace, text)


def _markdown_cells(text: str, cell_id: str, exercises: dict[str, Exercise],
                    pending: Exercise | None) -> tuple[list[dict], Exercise | None]:
    """A Markdown cell of the book as cells of the assignment: exercises as headings, each
    solution as a manually graded answer. Returns the cells and the exercise whose text came
    last (``None`` after a solution)."""
    cells: list[dict] = []
    buffer: list[str] = []

    def flush() -> None:
        content = "".join(buffer).strip("\n")
        buffer.clear()
        if content.strip():
            part = sum(c["metadata"].get("nbgrader") is None for c in cells)
            cells.append(_cell("markdown", _resolve_references(content, exercises),
                               cell_id if part == 0 else f"{cell_id}-{part}"))

    position = 0
    for d in directives(text):
        buffer.append(text[position:d.start])
        position = d.end
        if d.name == "exercise":
            pending = exercises[d.options["label"]]
            buffer.append(_exercise_markdown(pending))
            continue
        flush()
        label = d.argument
        written = f"{BEGIN_SOLUTION}\n{exercises[label].solution}\n{END_SOLUTION}"
        cells.append(_cell("markdown", _resolve_references(written, exercises), f"{label}-written",
                           _nbgrader(f"{label}-written", grade=True, solution=True, locked=False,
                                     points=WRITTEN_POINTS)))
        pending = None
    buffer.append(text[position:])
    flush()
    return cells, pending


def source_version(nb: dict) -> dict:
    """The instructor's nbgrader notebook of a chapter (see the module docstring).

    Raises:
        ValueError: an answer cell that does not follow its exercise, or whose check or
            solution code cannot be matched.
    """
    from i2ibook.exercises import CHECKS

    exercises = {e.label: e for e in chapter_exercises(nb)}
    check_of = {f.__name__: label for label, f in CHECKS.items()}
    out = copy.deepcopy(nb)
    cells: list[dict] = []
    pending: Exercise | None = None  # the exercise whose text was emitted last
    answered: set[str] = set()

    for cell in nb["cells"]:
        text = _source(cell)
        cell_id = cell.get("id", f"cell{len(cells)}")
        if cell["cell_type"] == "code" and ANSWER_TAG in cell["metadata"].get("tags", []):
            answer = parse_answer_cell(text)
            labels = {check_of.get(name) for name in answer.check_names}
            if None in labels or len(labels) != 1:
                raise ValueError(f"answer cell {cell_id}: unknown check or checks of several "
                                 f"exercises: {answer.check_names}")
            label = labels.pop()
            if pending is None or pending.label != label:
                raise ValueError(f"answer cell {cell_id} ({label}) must follow its exercise's "
                                 "text directly")
            code = solution_code(answer, exercises[label].solution, label)
            cells.append(_cell("code", _answer_source(answer, code), f"{label}-answer",
                               _nbgrader(f"{label}-answer", grade=False, solution=True,
                                         locked=False)))
            cells.append(_cell("code", _test_source(answer), f"{label}-test",
                               _nbgrader(f"{label}-test", grade=True, solution=False,
                                         locked=True, points=CHECK_POINTS)))
            answered.add(label)
            continue
        if cell["cell_type"] != "markdown":
            new = copy.deepcopy(cell)
            if new["cell_type"] == "code":
                new["outputs"], new["execution_count"] = [], None
            cells.append(new)
            continue
        new_cells, pending = _markdown_cells(text, cell_id, exercises, pending)
        cells += new_cells
    out["cells"] = cells
    missing = [label for label in CHECKS if label in exercises and label not in answered]
    if missing:
        raise ValueError(f"exercises with a check but no answer cell: {missing}")
    return out


def _replace_regions(source: str, begin: str, end: str, stub: Sequence[str] | None) -> tuple[str, int]:
    """``source`` with every region between lines ``begin`` and ``end`` replaced by ``stub``
    (indented as ``begin``; ``None`` removes the region), and the number of regions."""
    out, inside, count = [], False, 0
    for line in source.split("\n"):
        if line.strip() == begin:
            if inside:
                raise ValueError(f"nested {begin!r}")
            inside, count = True, count + 1
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + s for s in (stub or [])]
        elif line.strip() == end:
            if not inside:
                raise ValueError(f"{end!r} without {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{begin!r} without {end!r}")
    return "\n".join(out), count


def solution_regions(source: str) -> int:
    """The number of solution regions in a cell's source (checks that they are well formed)."""
    return _replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, None)[1]


def release_version(source_nb: dict) -> dict:
    """The students' notebook, as ``nbgrader generate_assignment`` makes it from the source:
    solution regions replaced by stubs, hidden tests removed."""
    nb = copy.deepcopy(source_nb)
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        text = _source(cell)
        stub = CODE_STUB if cell["cell_type"] == "code" else (TEXT_STUB,)
        text, n = _replace_regions(text, BEGIN_SOLUTION, END_SOLUTION, stub)
        if meta.get("solution") and not n:
            text = "\n".join(stub)
        text, _ = _replace_regions(text, BEGIN_HIDDEN, END_HIDDEN, None)
        cell["source"] = text
    return nb


def nbgrader_problems(nb: dict, release: bool = False) -> list[str]:
    """What nbgrader (metadata schema version 3) would reject in ``nb``, or what makes a cell
    ungradable: missing or unknown keys, wrong types, a graded cell without points, a Markdown
    cell graded but not a solution (or the reverse), an unlocked test cell, an empty, malformed
    or repeated ``grade_id``, solution regions outside solution cells, hidden tests outside
    grade cells. With ``release=True``: any solution region or hidden test left."""
    problems, seen = [], set()
    for i, cell in enumerate(nb["cells"]):
        where = f"cell {i} ({cell.get('id', '?')})"
        text = _source(cell)
        try:
            regions = solution_regions(text)
            hidden = _replace_regions(text, BEGIN_HIDDEN, END_HIDDEN, None)[1]
        except ValueError as e:
            problems.append(f"{where}: {e}")
            continue
        meta = cell.get("metadata", {}).get("nbgrader")
        if release and (regions or hidden):
            problems.append(f"{where}: a solution region or hidden test in the student version")
        if meta is None:
            if regions or hidden:
                problems.append(f"{where}: a solution region or hidden test without nbgrader "
                                "metadata")
            continue
        unknown = set(meta) - NBGRADER_KEYS
        missing = {"grade", "solution", "locked", "grade_id", "schema_version"} - set(meta)
        if unknown or missing:
            problems.append(f"{where}: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
            continue
        if meta["schema_version"] != SCHEMA_VERSION:
            problems.append(f"{where}: schema_version {meta['schema_version']!r}, not 3")
        flags = {k: meta.get(k, False) for k in ("grade", "solution", "locked", "task")}
        if not all(isinstance(v, bool) for v in flags.values()):
            problems.append(f"{where}: grade, solution, locked and task must be true or false")
            continue
        grade_id = meta["grade_id"]
        if not isinstance(grade_id, str) or not GRADE_ID.fullmatch(grade_id):
            problems.append(f"{where}: grade_id {grade_id!r} is empty or not [A-Za-z0-9_-]")
        elif grade_id in seen:
            problems.append(f"{where}: grade_id {grade_id!r} is used twice")
        seen.add(grade_id)
        points = meta.get("points")
        if flags["grade"] or flags["task"]:
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
                problems.append(f"{where}: a graded cell needs points >= 0, got {points!r}")
        elif points is not None:
            problems.append(f"{where}: points on a cell that is not graded")
        if flags["task"]:
            if cell["cell_type"] != "markdown" or flags["grade"] or flags["solution"]:
                problems.append(f"{where}: a task cell is Markdown, neither graded nor a solution")
        elif cell["cell_type"] == "markdown" and flags["grade"] != flags["solution"]:
            problems.append(f"{where}: a graded Markdown cell must be a solution and vice versa")
        if cell["cell_type"] == "code" and flags["grade"] and not flags["solution"] \
                and not flags["locked"]:
            problems.append(f"{where}: an autograder test cell must be locked")
        if regions and not flags["solution"]:
            problems.append(f"{where}: a solution region in a cell that is not a solution cell")
        if hidden and not flags["grade"]:
            problems.append(f"{where}: hidden tests in a cell that is not graded")
    return problems


# --- files -------------------------------------------------------------------------------------

def chapter_notebooks(chapter: str, root: Path = ROOT) -> list[Path]:
    """The notebooks of ``chapter`` ("04", "4" or "04_cyclegan"; "00" names two).

    Raises:
        ValueError: no notebook matches.
    """
    name = chapter.strip()
    if name.isdigit():
        name = f"{int(name):02d}_"
    paths = sorted(p for p in (root / "notebooks").glob("*.ipynb")
                   if p.stem == name or p.stem.startswith(name if name.endswith("_") else name + "_"))
    if not paths:
        known = ", ".join(p.stem for p in sorted((root / "notebooks").glob("*.ipynb")))
        raise ValueError(f"no chapter {chapter!r}; the notebooks are {known}")
    return paths


def _write(nb: dict, path: Path) -> None:
    import nbformat

    node = nbformat.from_dict(nb)
    nbformat.validate(node)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(node))


def export_chapter(chapter: str, out: Path | str) -> list[tuple[Path, Path]]:
    """Write, for each notebook of ``chapter``, the instructor's source notebook to
    ``out/source/<stem>/<stem>.ipynb`` and the students' one to
    ``out/release/<stem>/<stem>.ipynb`` (nbgrader's course layout, one assignment per
    notebook). Returns the pairs of paths.

    Raises:
        ValueError: an unknown chapter, or a notebook that cannot be exported (see
            :func:`source_version`) or fails the checks of :func:`nbgrader_problems`.
    """
    out = Path(out)
    written = []
    for path in chapter_notebooks(chapter):
        nb = json.loads(path.read_text())
        source = source_version(nb)
        release = release_version(source)
        problems = nbgrader_problems(source) + nbgrader_problems(release, release=True)
        if problems:
            raise ValueError(f"{path.name}: " + "; ".join(problems))
        pair = (out / "source" / path.stem / path.name, out / "release" / path.stem / path.name)
        _write(source, pair[0])
        _write(release, pair[1])
        written.append(pair)
    return written
