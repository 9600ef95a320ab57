"""Number the exercises of each chapter from 1 (a Sphinx extension, listed in ``_config.yml``).

sphinx-exercise numbers exercises with Sphinx's figure counter, which runs through the whole
book when the table of contents is not numbered: the first exercise of a later chapter would be
"Exercise 19". An instructor assigns "chapter 04, exercise 2", so each chapter (each document)
starts again at 1. Cross-references by label (``{ref}`` shows the title, ``{numref}`` the
number) read the same numbers, so they stay right when exercises are added or moved.
"""

from __future__ import annotations

FIGTYPE = "exercise"


def restart_per_document(fignumbers: dict[str, dict[str, dict[str, tuple[int, ...]]]]) -> None:
    """Renumber, in place, the exercises of every document 1, 2, ... in their current order.

    ``fignumbers`` is Sphinx's ``env.toc_fignumbers``: document -> figure type -> node id ->
    number tuple.
    """
    for by_type in fignumbers.values():
        numbers = by_type.get(FIGTYPE)
        if numbers:
            in_order = sorted(numbers, key=numbers.__getitem__)
            by_type[FIGTYPE] = {node_id: (i,) for i, node_id in enumerate(in_order, start=1)}


def _on_env_get_updated(app, env) -> list[str]:
    restart_per_document(env.toc_fignumbers)
    return []


def setup(app) -> dict:
    # after Sphinx's own TocTreeCollector (priority 500) has assigned the book-wide numbers
    app.connect("env-get-updated", _on_env_get_updated, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
