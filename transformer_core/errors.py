"""Every error the core raises on purpose: what went wrong, said so a student can act on it.

Each carries ``key`` and ``values`` besides its English sentence, so an interface can say the same
thing in the learner's language (the app's catalog has one entry per key); ``str(err)`` is the
English sentence for logs and the command line. Nothing here imports the rest of the core, so every
module (``data/``, ``train/``, the model files) can raise them without import cycles.
"""
from __future__ import annotations


class LabError(Exception):
    """Base of the core's own errors: an English ``message`` plus ``key`` and ``values`` to translate it."""

    def __init__(self, message: str, key: str | None = None, **values):
        super().__init__(message)
        self.key, self.values = key, values


class ConfigError(LabError, ValueError):
    """A setting or an input the model cannot work with."""


class DataError(LabError, ValueError):
    """Bad data (an empty file, a wrong column, …), with what is wrong and what to do about it."""


class CheckpointError(LabError, ValueError):
    """A model folder that cannot be loaded; the message names the file and the keys."""


class SaveError(LabError, RuntimeError):
    """A checkpoint could not be written; the previous one, if any, is untouched."""
