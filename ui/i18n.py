"""Every string a learner reads, in every language: one catalog file per language, one ``tr()``.

The strings live in ``ui/locales/<lang>.toml`` (a translator edits those files, never the code), one
``[section]`` per page or part, so a string's full key reads ``section.key`` (``mlm.intro``). Code asks
``tr("mlm.intro", lang, **values)``; a module that uses many keys of one section holds a ``Scope``:

    TEXT = Scope("mlm")
    TEXT("intro", lang)            # == tr("mlm.intro", lang)

Adding a language = adding its file and its line in ``LANGS``. A missing entry falls back to English
(and the completeness test fails), so nobody ever sees a key instead of a sentence.

Terms used all over the app (layer, head, step, token, Add & Norm, the query and key axes, …) live once, in
the ``[glossary]`` section, with one translation each; a page reads them as ``TERMS("layer", lang)``.
"""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).with_name("locales")

# the one list of languages: code → the language's own name (what the language picker shows)
LANGS: dict[str, str] = {"en": "English", "zh": "中文"}
FALLBACK = "en"
FOLDERS: dict[str, Path] = {}      # a language whose catalog lives outside LOCALES (``register_language``)


def register_language(code: str, name: str, folder: Path | str = LOCALES) -> None:
    """Offer one more language: its catalog is ``folder/<code>.toml``. The shipped languages are listed in
    ``LANGS`` above; this is for a catalog kept elsewhere (a translator's draft, a test)."""
    LANGS[code] = name
    FOLDERS[code] = Path(folder)
    catalog.cache_clear()


@cache
def catalog(lang: str) -> dict[str, dict]:
    """``{section: {key: text}}`` for one language, read once per process."""
    with open(FOLDERS.get(lang, LOCALES) / f"{lang}.toml", "rb") as f:
        return tomllib.load(f)


def lookup(key: str, lang: str):
    """The raw entry for ``section.key`` in ``lang`` (a template, or a list of examples); English when that
    language has no entry for it."""
    section, _, name = key.partition(".")
    text = catalog(lang).get(section, {}).get(name) if lang in LANGS else None
    if not text:
        text = catalog(FALLBACK)[section][name]          # a KeyError here is a typo in the code: fail loudly
    return text


def tr(key: str, lang: str = FALLBACK, **values) -> str:
    """The string for ``section.key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    text = lookup(key, lang)
    return text.format(**values) if values else text


def entries(key: str, lang: str = FALLBACK) -> list:
    """A list from the catalog (example sentences, ``[examples]``), in ``lang`` or else in English."""
    found = lookup(key, lang)
    if not isinstance(found, list):
        raise TypeError(f"{key} is not a list in the catalog")
    return found


def language_name(code: str, lang: str = FALLBACK) -> str:
    """A language's name in the reader's language ("Chinese", "中文"); its own name (``LANGS``) when the catalog
    does not name it yet."""
    if f"lang_{code}" in catalog(FALLBACK).get("glossary", {}):
        return tr(f"glossary.lang_{code}", lang)
    return LANGS.get(code, code)


def picker_label() -> str:
    """The language picker's label in every language ("Language · 语言"): whoever cannot read the current one
    still finds the way back."""
    return " · ".join(dict.fromkeys(tr("glossary.language", lang) for lang in LANGS))


class Scope:
    """One section of the catalog, for a module that reads many of its keys: ``TEXT("intro", lang)``.

    ``shared`` names the keys this module reads under a name of its own (from a data table: a block, a part,
    a chart panel) while the text lives elsewhere, mostly in the glossary: ``{"norm1": "glossary.add_norm"}``.
    """

    def __init__(self, section: str, shared: dict[str, str] | None = None):
        self.section = section
        self.shared = shared or {}

    def full_key(self, key: str) -> str:
        return self.shared.get(key, f"{self.section}.{key}")

    def __call__(self, key: str, lang: str = FALLBACK, **values) -> str:
        return tr(self.full_key(key), lang, **values)

    def __contains__(self, key: str) -> bool:
        return key in self.shared or key in catalog(FALLBACK).get(self.section, {})

    def keys(self) -> list[str]:
        return [*catalog(FALLBACK).get(self.section, {}), *self.shared]

    def __repr__(self) -> str:
        return f"Scope({self.section!r})"


TERMS = Scope("glossary")                                             # terms every page uses
ARCH = Scope("arch", shared={"part_embeddings": "glossary.embeddings"})   # the architecture page
FRAME = Scope("frame")   # navigation, shared sidebar, messages every page uses (app.py, ui/st/page.py)


def error_text(err: Exception, lang: str = FALLBACK) -> str:
    """A core error (``transformer_core.errors``) in the learner's language: its key and values through
    the catalog's ``[errors]`` section, a value that is itself keyed (a ``Phrase``, a nested error) said
    the same way; its own English sentence when it has no key or the key no entry."""
    key = getattr(err, "key", None)
    section = catalog(lang).get("errors", {}) if lang in LANGS else {}
    template = section.get(key) if key else None
    if not template:
        return str(err)
    text = template.format(**{name: _value_text(value, lang) for name, value in err.values.items()})
    return text[:1].upper() + text[1:] if getattr(err, "capital", False) else text


def _value_text(value, lang: str):
    """A value as the message shows it: keyed parts in ``lang``, anything else as it is (numbers keep
    their format specs)."""
    if hasattr(value, "parts") and hasattr(value, "sep"):                      # Phrases: "a; b; c"
        return value.sep.join(_value_text(part, lang) for part in value.parts)
    if getattr(value, "key", None) and isinstance(getattr(value, "values", None), dict):
        return error_text(value, lang)
    return value
