"""The classroom checks in a real browser (issue 12): every page at 1280 × 720 in presentation mode, both
languages — no horizontal overflow of the main column, no chart wider or taller than the projector's view,
no chart text outside its chart, no emoji in the rendered text; the sentence box in view without scrolling;
the presentation toggle folds the sidebar away."""
import pytest
import test_browser
from emoji import emoji_in
from test_browser import PAGES, SHOTS, Watch, _wait_settled, app_url, browser  # noqa: F401

pytestmark = test_browser.pytestmark
VIEW = {"width": 1280, "height": 720}

OVERFLOW = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const width = main.clientWidth;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg')].filter(s =>
      s.parentElement.classList.contains('svg-container'));
  const wide = charts.filter(s => s.getBoundingClientRect().width > width + 1).length;
  const tall = charts.filter(s => s.getBoundingClientRect().height > 721).length;
  let outside = [];
  for (const svg of document.querySelectorAll('[data-testid="stPlotlyChart"] .svg-container')) {
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      if (!text.textContent.trim() || r.width === 0) continue;
      if (r.left < box.left - 2 || r.right > box.right + 2 || r.top < box.top - 2 || r.bottom > box.bottom + 2)
        outside.push(text.textContent.slice(0, 30));
    }
  }
  return {scroll: main.scrollWidth - main.clientWidth, wide, tall, outside: outside.slice(0, 5)};
}"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_fits_a_projector_in_presentation_mode(app_url, browser, lang):  # noqa: F811
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=VIEW)
    watch = Watch(page)
    problems = []
    for name in PAGES:
        page.goto(f"{app_url}/{name}?lang={lang}&present=1")
        _wait_settled(page)
        page.screenshot(path=SHOTS / f"present-{name or 'home'}-{lang}.png")
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > 1 or found["wide"] or found["tall"] or found["outside"]:
            page.wait_for_timeout(2000)                   # plotly may still be re-laying out (automargin)
            found = page.evaluate(OVERFLOW)
        if found["scroll"] > 1 or found["wide"] or found["tall"] or found["outside"]:
            problems.append(f"{name or 'home'}: {found}")
        text = page.locator('[data-testid="stApp"]').inner_text()
        if emoji_in(text):
            problems.append(f"{name or 'home'}: emoji {emoji_in(text)[:5]}")
        assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0, name
    page.close()
    assert not problems, "\n".join(problems)
    assert not watch.errors, watch.errors[:5]


def test_the_sentence_box_is_in_view_and_presentation_folds_the_sidebar(app_url, browser):  # noqa: F811
    page = browser.new_page(viewport=VIEW)
    page.goto(f"{app_url}/attention-head")
    _wait_settled(page)
    box = page.locator('[data-testid="stSidebar"] textarea').first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= VIEW["height"]      # no scrolling to find it
    page.locator('[data-testid="stSidebar"]').get_by_text("Presentation mode (projector)").click()
    page.wait_for_timeout(1500)
    _wait_settled(page)
    assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0
    assert "present=1" in page.url
    page.close()


def test_home_link_and_a_shared_view_open(app_url, browser):  # noqa: F811
    """Issue 12.14: /home said "Page not found"; a link's layer and head are the numbers on screen."""
    page = browser.new_page(viewport=VIEW)
    page.goto(f"{app_url}/home")
    _wait_settled(page)
    assert "page not found" not in page.locator('[data-testid="stApp"]').inner_text().lower()
    page.goto(f"{app_url}/attention-head?layer=2&head=3")
    _wait_settled(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_text("Layer", exact=True).count() and "layer=2" in page.url and "head=3" in page.url
    page.close()
