"""Every error the core raises on purpose: what went wrong, said so a student can act on it.

Each carries ``key`` and ``values`` besides its English sentence, so an interface can say the same
thing in the learner's language (the app's catalog has one entry per key, a template with the values'
names as ``{placeholders}``); ``str(err)`` is the English sentence for logs and the command line.

    raise DataError(f"{path} is empty.", "file_empty", path=str(path))

A value that is itself English words (a part of the sentence that varies: "the uploaded file", the
likely cause of a NaN) is a ``Phrase``: a ``str`` whose text is the English, with its own key and values,
so the message reads the same in English and the interface translates the part too. ``Phrases`` is a
list of them joined by a separator. Nothing here imports the rest of the core, so every module
(``data/``, ``train/``, the model files) can raise them without import cycles.
"""
from __future__ import annotations


class LabError(Exception):
    """Base of the core's own errors: an English ``message`` plus ``key`` and ``values`` to translate it."""

    def __init__(self, message: str, key: str | None = None, **values):
        super().__init__(message)
        self.key, self.values = key, values


class Phrase(str):
    """Part of a message in English (``str(phrase)``), with a ``key`` and ``values`` to translate it."""

    def __new__(cls, text: str, key: str, **values):
        phrase = super().__new__(cls, text)
        phrase.key, phrase.values, phrase.capital = key, values, False
        return phrase

    def capitalized(self) -> Phrase:
        """The same phrase starting a sentence: "the uploaded file" → "The uploaded file"."""
        phrase = Phrase(self[:1].upper() + self[1:], self.key, **self.values)
        phrase.capital = True
        return phrase


class Phrases(str):
    """Several phrases joined by ``sep`` (e.g. "; "): the English join, and the parts to translate one by one."""

    def __new__(cls, parts, sep: str = "; "):
        joined = super().__new__(cls, sep.join(parts))
        joined.parts, joined.sep = list(parts), sep
        return joined


class ConfigError(LabError, ValueError):
    """A setting or an input the model cannot work with."""


class DataError(LabError, ValueError):
    """Bad data (an empty file, a wrong column, …), with what is wrong and what to do about it."""


class CheckpointError(LabError, ValueError):
    """A model folder that cannot be loaded; the message names the file and the keys."""


class SaveError(LabError, RuntimeError):
    """A checkpoint could not be written; the previous one, if any, is untouched."""
