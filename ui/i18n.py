"""Every string a learner reads, in every language: one catalog file per language, one ``tr()``.

The strings live in ``ui/locales/<lang>.toml`` (a translator edits those files, never the code), one
``[section]`` per page or part, so a string's full key reads ``section.key`` (``mlm.title``). Code asks
``tr("mlm.title", lang, **values)``; a module that uses many keys of one section holds a ``Scope``:

    TEXT = Scope("mlm")
    TEXT("title", lang)            # == tr("mlm.title", lang)

Adding a language = adding its file and its line in ``LANGS``. A missing entry falls back to English
(and the completeness test fails), so nobody ever sees a key instead of a sentence.
"""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).with_name("locales")

# the one list of languages: code → the language's own name (what the language picker shows)
LANGS: dict[str, str] = {"en": "English", "zh": "中文"}
FALLBACK = "en"


@cache
def catalog(lang: str) -> dict[str, dict[str, str]]:
    """``{section: {key: text}}`` for one language, read once per process."""
    with open(LOCALES / f"{lang}.toml", "rb") as f:
        return tomllib.load(f)


def lookup(key: str, lang: str) -> str:
    """The raw template for ``section.key`` in ``lang``; English when that language has no text for it."""
    section, _, name = key.partition(".")
    text = catalog(lang).get(section, {}).get(name) if lang in LANGS else None
    if not text:
        text = catalog(FALLBACK)[section][name]          # a KeyError here is a typo in the code: fail loudly
    return text


def tr(key: str, lang: str = FALLBACK, **values) -> str:
    """The string for ``section.key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    text = lookup(key, lang)
    return text.format(**values) if values else text


class Scope:
    """One section of the catalog, for a module that reads many of its keys: ``TEXT("title", lang)``."""

    def __init__(self, section: str):
        self.section = section

    def __call__(self, key: str, lang: str = FALLBACK, **values) -> str:
        return tr(f"{self.section}.{key}", lang, **values)

    def __contains__(self, key: str) -> bool:
        return key in catalog(FALLBACK).get(self.section, {})

    def keys(self) -> list[str]:
        return list(catalog(FALLBACK).get(self.section, {}))

    def __repr__(self) -> str:
        return f"Scope({self.section!r})"


ARCH = Scope("arch")     # the architecture page
FRAME = Scope("frame")   # navigation, shared sidebar, messages every page uses (app.py, ui/st/page.py)


def error_text(err: Exception, lang: str = FALLBACK) -> str:
    """A core error (``transformer_core.errors``) in the learner's language: its key and values through
    the catalog's ``[errors]`` section; its own English sentence when the key has no entry."""
    key = getattr(err, "key", None)
    section = catalog(lang).get("errors", {}) if lang in LANGS else {}
    template = section.get(key) if key else None
    return template.format(**err.values) if template else str(err)
