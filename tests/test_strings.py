"""Every string table of the app, both languages: the same markdown renders in both (issue 12.4), and no
emoji on screen anywhere (issue 12.5: without a colour-emoji font they are empty boxes)."""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from emoji import emoji_in
from markdown_it import MarkdownIt

import ui
import ui.studio

ROOT = Path(__file__).resolve().parents[1]
NOT_OURS: set[str] = set()          # every page and UI file is checked


def _modules():
    for package in (ui, ui.studio):
        for info in pkgutil.iter_modules(package.__path__):
            yield importlib.import_module(f"{package.__name__}.{info.name}")


def string_tables() -> dict[str, dict]:
    """module.NAME → {key: {"en": …, "zh": …}} for every module-level table of translated strings."""
    found = {}
    for module in _modules():
        for name, value in vars(module).items():
            if (isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values())
                    and all("en" in v for v in value.values()) and any("zh" in v for v in value.values())):
                found[f"{module.__name__}.{name}"] = value
    return found


TABLES = string_tables()
MD = MarkdownIt("commonmark")


def _marks(text: str) -> tuple[int, int, bool]:
    """(bold runs, italic runs, literal ** left). Placeholders become "[x]": a value that starts or ends with
    punctuation (e.g. "[CLS] 池化") must still be bold, which in 中文 needs a space beside the **."""
    html = MD.render(re.sub(r"\{[a-z_0-9]*(:[^{}]*)?\}", "[x]", text))
    return html.count("<strong>"), html.count("<em>"), "**" in html


def test_the_tables_are_found():
    assert len(TABLES) >= 15 and "ui.i18n.STRINGS" in TABLES and "ui.sentiment_view.TEXT" in TABLES


@pytest.mark.parametrize("table", sorted(TABLES))
def test_markdown_renders_the_same_in_both_languages(table):
    wrong = []
    for key, entry in TABLES[table].items():
        if not isinstance(entry.get("zh"), str) or not isinstance(entry.get("en"), str):
            continue
        en, zh = _marks(entry["en"]), _marks(entry["zh"])
        if zh[2] or en[2] or en[:2] != zh[:2]:
            wrong.append(f"{key}: en {en} zh {zh}: {entry['zh'][:80]}")
    assert not wrong, wrong


@pytest.mark.parametrize("table", sorted(TABLES))
def test_no_emoji_in_string_tables(table):
    bad = {key: emoji_in(" ".join(str(v) for v in entry.values())) for key, entry in TABLES[table].items()}
    assert not {k: v for k, v in bad.items() if v}


def test_no_emoji_in_the_pages_and_ui_code():
    files = [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]
    bad = {str(f.relative_to(ROOT)): emoji_in(f.read_text(encoding="utf-8")) for f in files
           if str(f.relative_to(ROOT)) not in NOT_OURS}
    assert not {k: v for k, v in bad.items() if v}


def test_the_emoji_rule_itself():
    assert emoji_in("🎲 x ✅ 👆 ℹ️ ☹️") == ["🎲", "✅", "👆", "ℹ️", "☹️"]
    assert emoji_in("✓ ▶ ⬇ ★ → · ① 中文 ×") == []
