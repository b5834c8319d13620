"""Strings a learner reads: all of them in the catalog (no table of translations left in the code, issue 13),
and no emoji on screen anywhere (issue 12.5: without a colour-emoji font they are empty boxes). The catalog's
own checks (every language complete, the same markdown and placeholders) are in test_catalog.py."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from emoji import emoji_in

import ui
import ui.st
import ui.studio
from ui.i18n import LANGS, catalog

ROOT = Path(__file__).resolve().parents[1]
NOT_OURS: set[str] = set()          # every page and UI file is checked


def _modules():
    for package in (ui, ui.st, ui.studio):
        for info in pkgutil.iter_modules(package.__path__):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


def _by_language(value) -> bool:
    """A dict keyed by the language codes ({"en": …, "zh": …}), or a table of such dicts."""
    if not isinstance(value, dict) or not value:
        return False
    if set(value) <= set(LANGS) and len(value) > 1:
        return True
    return all(isinstance(v, dict) and len(v) > 1 and set(v) <= set(LANGS) for v in value.values())


def test_no_tables_of_translations_left_in_the_code():
    """Strings and example sentences per language live in ui/locales/<lang>.toml, nowhere else."""
    found = [f"{module.__name__}.{name}" for module in _modules() for name, value in vars(module).items()
             if _by_language(value) and value is not LANGS]        # LANGS: the one list of languages
    assert found == []


def test_the_table_rule_itself():
    assert _by_language({"en": "cat", "zh": "猫"}) and _by_language({"title": {"en": "A", "zh": "甲"}})
    assert not _by_language({"en": 1}) and not _by_language({"a": 1, "b": 2}) and not _by_language({})


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_no_emoji_in_the_catalog(lang):
    bad = {f"{section}.{key}": emoji_in(str(value)) for section, table in catalog(lang).items()
           for key, value in table.items()}
    assert not {k: v for k, v in bad.items() if v}


def test_no_emoji_in_the_pages_and_ui_code():
    files = [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]
    bad = {str(f.relative_to(ROOT)): emoji_in(f.read_text(encoding="utf-8")) for f in files
           if str(f.relative_to(ROOT)) not in NOT_OURS}
    assert not {k: v for k, v in bad.items() if v}


def test_the_emoji_rule_itself():
    assert emoji_in("🎲 x ✅ 👆 ℹ️ ☹️") == ["🎲", "✅", "👆", "ℹ️", "☹️"]
    assert emoji_in("✓ ▶ ⬇ ★ → · ① 中文 ×") == []
