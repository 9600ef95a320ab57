"""``python -m i2ilib``: the command line of :mod:`i2ilib.cli` (``train`` and ``translate``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
