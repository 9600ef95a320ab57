"""i2ibook: the book layer over i2ilib -- what is specific to the i2i-book and its papers.

The reusable library (:mod:`i2ilib`) never imports this package.

- :mod:`i2ibook.scale` -- the three scales (smoke / book / paper) and ``pick``.
- :mod:`i2ibook.specs` -- typed experiment specifications: a misspelt key is an error.
- :mod:`i2ibook.runner` -- builds a chapter's data from an experiment configuration, trains,
  translates and scores (what the notebooks call).
- :mod:`i2ibook.catalogue` -- every stored run of every chapter, one ``*_run`` function each,
  and ``reproduce``.
- :mod:`i2ibook.papers` -- one module per paper: its published numbers and claims.
- :mod:`i2ibook.chapters` -- one module per chapter's analysis: tables beside the paper's,
  verdicts, figures.
- :mod:`i2ibook.verdicts` -- mean ± std, Markdown tables, :class:`~i2ibook.verdicts.Verdict`.
- :mod:`i2ibook.reproduction` -- the generated reproduction page.
- :mod:`i2ibook.official_demo` -- the official pix2pix / CycleGAN weights on their real test sets.
- :mod:`i2ibook.widgets` -- the blind A/B study.
- :mod:`i2ibook.exercise_numbers` -- a Sphinx extension: each chapter's exercises from 1.
- :mod:`i2ibook.exercises` -- the ``check_...`` helpers students run on their answers.
- :mod:`i2ibook.assignments` -- a chapter as an nbgrader assignment (``make assignment``).
"""
