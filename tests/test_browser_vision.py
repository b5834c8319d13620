"""The vision page in Debian's Chromium, as a teacher uses it: draw a 1, a 7 and a 0 by clicking cells, read the
answer, in both languages; no exception box, no console error, no request leaves the machine."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import CHROMIUM, Watch, _wait_settled, app_url, browser  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
              pytest.mark.skipif(not (Path(__file__).resolve().parents[1] / "assets/models/vit-digits").is_dir(),
                                 reason="vit-digits is not shipped")]

DRAWN = {   # '#' = a cell to click, as a learner would draw the digit
    "1": ["...##...", "..###...", "...##...", "...##...", "...##...", "...##...", "...##...", "..####.."],
    "7": [".######.", ".....##.", "....##..", "...##...", "..##....", "..##....", "..##....", "..##...."],
    "0": ["..####..", ".##..##.", ".##..##.", ".##..##.", ".##..##.", ".##..##.", ".##..##.", "..####.."],
}
ANSWER = {"en": "The model reads", "zh": "模型读出的是"}


def draw(page, rows: list[str]) -> str:
    """Clear the grid, click every '#' cell, and return the answer line the page shows."""
    page.locator(".st-key-vision_clear button").click()
    _wait_settled(page)
    for r, row in enumerate(rows):
        for c, mark in enumerate(row):
            if mark == "#":
                page.locator(f".st-key-vision_cell_{r * 8 + c} button").click()
                _wait_settled(page)
    page.locator(".st-key-vision_read button").click()
    _wait_settled(page)
    return page.get_by_text(re.compile(rf"^{page.answer_prefix}\s*\d")).first.inner_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_teacher_draws_three_digits(app_url, browser, lang):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    watch = Watch(page)
    page.goto(f"{app_url}/vision?lang={lang}")
    _wait_settled(page)
    page.answer_prefix = ANSWER[lang]
    digits = DRAWN if lang == "en" else {"1": DRAWN["1"]}       # each click is a rerun: one digit is enough in zh
    answers = {digit: draw(page, rows) for digit, rows in digits.items()}
    print(lang, answers)
    assert page.locator('[data-testid="stException"]').count() == 0
    for digit, text in answers.items():
        assert ANSWER[lang] in text and digit in text, (digit, text)
    page.locator(".st-key-vision_clear button").click()
    _wait_settled(page)
    page.locator(".st-key-vision_read button").click()
    _wait_settled(page)
    assert ("empty" if lang == "en" else "空") in page.inner_text("body")
    page.close()
    assert not watch.errors, watch.errors[:5]
    assert not watch.outside, watch.outside[:5]
