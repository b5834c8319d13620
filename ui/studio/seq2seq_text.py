"""Every string of the "Train an encoder-decoder, live" page, in English and 中文 (``TEXT(key, lang)``).

Kept apart from the logic in ``seq2seq_live.py`` so that both files stay short enough to read.
"""
from __future__ import annotations

from ..i18n import Scope

TEXT = Scope("train_seq2seq")
