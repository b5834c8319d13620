"""The app in a real browser: Debian's Chromium driven by playwright (never a downloaded browser).

Every page in both languages: no exception box, no browser console error, no page error, and no
request that leaves this machine (the app must work in a classroom without internet). Screenshots
go to screenshots/ (git-ignored) so a person can look at them.
"""
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ui.i18n import tr
from ui.pages import HOME
from ui.pages import PAGES as ALL_PAGES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="needs Debian's chromium: apt-get install -y chromium chromium-driver"),
]
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["" if p is HOME else p.url for p in ALL_PAGES]     # "" is home: the default page lives at the root
LOCAL = {"127.0.0.1", "localhost"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url():
    """A fresh server per test, so one test's state cannot leak into the next. (A shared server once hung
    in CI: Streamlit's file watcher flooded on the .venv/ inside the checkout; .streamlit/config.toml now
    turns the watcher off.)"""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail(f"streamlit did not start: {server.stderr.read().decode()[-2000:]}")
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Watch:
    """Collects what must not happen: page errors, console errors, requests leaving the machine."""

    def __init__(self, page):
        self.errors, self.outside = [], []
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message):
        """Console errors fail the test, except Streamlit's base-path probe: opened at /mlm, the frontend
        first asks /mlm/_stcore/health and /mlm/_stcore/host-config (404), then the real root."""
        if message.type == "error" and "/_stcore/" not in (message.location or {}).get("url", ""):
            self.errors.append(f"console: {message.text}")

    def _request(self, request):
        host = urlparse(request.url).hostname
        if request.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in LOCAL:
            self.outside.append(request.url)


def _wait_settled(page) -> None:
    """Streamlit is done when its status widget stops saying it is running and no placeholder
    (skeleton) is left; charts are done when every plotly container holds a drawn plot."""
    page.wait_for_selector('[data-testid="stApp"] h1', timeout=120_000)           # the page script has run
    page.wait_for_timeout(500)
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-testid="stSkeleton"]')
        && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))""",
                           timeout=120_000)
    page.wait_for_timeout(700)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_renders_offline_without_errors(app_url, browser, lang):
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    watch = Watch(page)
    for name in PAGES:
        page.goto(f"{app_url}/{name}?lang={lang}")
        _wait_settled(page)
        page.screenshot(path=SHOTS / f"{name or 'home'}-{lang}.png", full_page=True)
        exceptions = page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, f"{name}: {exceptions.first.inner_text()[:500]}"
        assert page.locator("h1").count() >= 1, f"{name}: no title"
    page.close()
    assert not watch.errors, watch.errors[:5]
    assert not watch.outside, f"requests left the machine: {watch.outside[:5]}"


def test_language_switch_and_shared_sentence_follow_the_learner(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    watch = Watch(page)
    page.goto(f"{app_url}/sizes")
    page.get_by_role("heading", name="Attention Lab").wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)     # the diagram really drew
    assert page.get_by_text("110.1M").count() > 0
    page.get_by_text("中文", exact=True).click()
    page.get_by_role("heading", name="注意力实验室").wait_for(timeout=30_000)
    box = page.locator('[data-testid="stSidebar"] textarea').first
    box.fill("a shared sentence about a dog")
    box.press("Control+Enter")
    _wait_settled(page)
    page.get_by_role("link", name="分词").first.click()                 # the tokenization page, in 中文
    _wait_settled(page)
    assert "a shared sentence about a dog" in page.locator('[data-testid="stSidebar"] textarea').first.input_value()
    assert "lang=zh" in page.url and "shared" in page.url              # the view is in the link
    page.close()
    assert not watch.errors and not watch.outside


def test_first_page_shows_its_title(app_url, browser):
    """A freshly started server's first page is the home page, drawn without an exception. (How fast it
    paints is measured in bench/page_speed.py, never asserted here: machines are noisy.)"""
    page = browser.new_page()
    page.goto(app_url)
    _wait_settled(page)
    assert page.get_by_role("heading", name=tr("glossary.app_title", "en")).count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_a_lesson_walks_answers_and_downloads_offline(app_url, browser):
    """Lesson 1 from its link: three steps forward, an exercise answered, then the step's attention CSV and
    the chart's PNG (plotly's own button, drawn in the browser) downloaded and read; nothing leaves the machine."""
    import csv
    import io
    page = browser.new_page(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    watch = Watch(page)
    page.goto(f"{app_url}/lessons?lesson=1&step=1")
    _wait_settled(page)
    for _ in range(3):
        page.get_by_role("button", name=tr("lessons.next", "en")).click()
        _wait_settled(page)
    assert "step=4" in page.url
    answers = page.locator('[data-testid="stRadio"]').filter(has_text=tr("lessons.your_answer", "en"))
    answers.locator('[data-testid="stRadioOption"]').first.click()
    _wait_settled(page)                                          # the rerun enables "check"
    page.get_by_role("button", name=tr("lessons.check", "en")).click()
    _wait_settled(page)
    assert page.locator('[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]').count() >= 1
    with page.expect_download() as got:
        page.get_by_role("button", name=tr("lessons.csv", "en")).click()
    rows = list(csv.reader(io.StringIO(open(got.value.path(), encoding="utf-8").read())))
    assert len(rows) > 2 and all(len(r) == len(rows[0]) for r in rows)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.hover()
    with page.expect_download() as got:
        chart.locator(".modebar-btn").first.click()
    assert open(got.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    page.close()
    assert not watch.errors, watch.errors[:5]
    assert not watch.outside, f"requests left the machine: {watch.outside[:5]}"
