"""The catalog section of the "Train an encoder-decoder, live" page (``[train_seq2seq]`` in
ui/locales/<lang>.toml), read as ``TEXT(key, lang)`` by the page and by ``seq2seq_live.py``."""
from __future__ import annotations

from ..i18n import Scope

# the page labels its number inputs by setting name; two of those names are glossary terms
TEXT = Scope("train_seq2seq", shared={"steps": "glossary.steps", "batch_size": "glossary.batch_size"})
