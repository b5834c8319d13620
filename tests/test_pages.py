"""The one page table (ui/pages.py): every view is in it once, its strings exist, and nothing else lists pages."""
import re
from pathlib import Path

from transformer_core import TransformerConfig
from ui import home_view
from ui.i18n import LANGS, catalog
from ui.pages import HOME, HOME_ALIAS, PAGES, by_section, by_url, explorer

ROOT = Path(__file__).resolve().parents[1]


def _in_catalog(key: str, lang: str) -> bool:
    section, _, name = key.partition(".")
    return bool(catalog(lang).get(section, {}).get(name))


def test_every_view_file_is_one_page_with_its_own_address():
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "views").glob("*.py"))
    assert sorted(p.file for p in PAGES) == files
    assert len({p.url for p in PAGES}) == len(PAGES) and HOME_ALIAS not in {p.url for p in PAGES}
    assert by_url(HOME_ALIAS) is HOME is PAGES[0] and by_url("attention-head").file == "views/attention_head.py"


def test_titles_and_sections_are_in_every_catalog():
    for page in PAGES:
        for lang in LANGS:
            assert _in_catalog(page.title, lang) and _in_catalog(page.section, lang), (page, lang)


def test_sections_keep_the_table_order():
    assert [p for pages in by_section().values() for p in pages] == list(PAGES)


def test_every_block_of_the_home_map_opens_a_page():
    config = TransformerConfig(vocab_size=100, d_model=32, n_layers=2, n_heads=2, d_ff=64, max_len=16)
    targets = {block.page for block in home_view.blocks(config, 8)}
    assert targets <= {p.url for p in explorer()}


def test_no_other_file_lists_the_pages():
    """app.py, the home page and the bench read ui/pages.py; none spells out a view file or a page list."""
    for path in ("app.py", "views/home.py", "bench/page_speed.py"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not re.search(r"views/\w+\.py", text) and "SECTIONS" not in text, path
