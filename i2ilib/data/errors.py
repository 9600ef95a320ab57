"""Errors raised by :mod:`i2ilib.data` when the data on disk (or in memory) is not usable.

Each error subclasses the built-in exception a user would expect, so ``except
FileNotFoundError`` or ``except ValueError`` keeps working, and each message says what is
wrong, with which path, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "ChannelMismatchError",
    "DataLayoutError",
    "EmptyDatasetError",
    "ImageReadError",
]


class DataLayoutError(FileNotFoundError):
    """A dataset folder is missing, or the folder does not have an expected layout."""


class EmptyDatasetError(ValueError):
    """A dataset folder exists but holds no image files."""


class ImageReadError(OSError):
    """An image file exists but cannot be decoded (corrupt, truncated, not an image)."""


class ChannelMismatchError(ValueError):
    """The data's channel count does not match a model's ``input_nc`` / ``output_nc``."""
