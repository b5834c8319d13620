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


def server_answers(url: str, tries: int = 120) -> bool:
    """Wait (up to ``tries`` × ~0.5 s) until a Streamlit server at ``url`` says it is healthy."""
    for _ in range(tries):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return True
        except OSError:
            time.sleep(0.5)
    return False


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
    if not server_answers(url):
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


def test_a_sentence_typed_after_switching_language_stays_as_typed(app_url, browser):
    """On the MLM page the example picker's options and labels change with the language; the first
    sentence typed after a switch used to be replaced by the picker's placeholder, "（请选择）" or
    "(choose one)" (seen by a fresh-eyes pass; AppTest does not reproduce it: the browser sends it)."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    watch = Watch(page)
    page.goto(f"{app_url}/mlm?lang=en")
    _wait_settled(page)
    page.get_by_text("中文", exact=True).click()
    _wait_settled(page)
    box = page.locator('[data-testid="stSidebar"] textarea').first
    box.fill("我的朋[MASK]来了。")
    box.press("Control+Enter")
    _wait_settled(page)
    assert box.input_value() == "我的朋[MASK]来了。"
    assert page.locator('[data-testid="stException"]').count() == 0
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


def _download(page, click, timeout=180_000) -> bytes:
    """The bytes of the file that ``click()`` makes the browser save. A download button reruns the page; the
    next click waits for it: a deferred download clicked mid-rerun asks for a callable that rerun just replaced,
    and no file ever comes."""
    with page.expect_download(timeout=timeout) as got:
        click()
    data = Path(got.value.path()).read_bytes()
    _wait_settled(page)
    return data


def _chart_image(page, fmt: str) -> bytes:
    """Pick ``fmt`` in the sidebar's "Chart download format", then save the first chart with plotly's camera
    button (plotly.js toImage, drawn in the browser: no server, no network)."""
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').filter(
        has_text=tr("frame.sb_export", "en"))
    picker.get_by_text(fmt.upper(), exact=True).click()
    _wait_settled(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.scroll_into_view_if_needed()
    chart.hover()
    button = chart.locator(".modebar-btn").first
    button.wait_for(state="visible", timeout=30_000)
    return _download(page, button.click)


def _check_csv(data: bytes) -> None:
    """One head's weights: a header of key labels, one row per query, a square table whose rows sum to 1."""
    import csv
    import io
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    header, body = rows[0], rows[1:]
    assert len(body) > 2 and len(header) == len(body) + 1, (len(header), len(body))
    for row in body:
        weights = [float(w) for w in row[1:]]
        assert len(weights) == len(body) and all(0 <= w <= 1 for w in weights)
        assert abs(sum(weights) - 1) < 1e-3, row


def _check_npz(data: bytes) -> None:
    """The whole forward: readable without pickle; index.json names every other array with its shape."""
    import io
    import json

    import numpy as np
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        index = json.loads(str(npz["index.json"]))
        names = set(npz.files) - {"index.json"}
        assert names and names == set(index["arrays"]), sorted(names ^ set(index["arrays"]))[:5]
        for name in names:
            assert list(npz[name].shape) == index["arrays"][name]["shape"], name
            assert str(npz[name].dtype) == index["arrays"][name]["dtype"], name
        assert index["tokens"] and index["about"]["model"]


def test_a_whole_lesson_walks_answers_and_downloads_offline(app_url, browser):
    """Lesson 1 from its link, every step with "Next" to the end; each exercise answered and checked; on the
    softmax step the chart saved as PNG and as SVG (the sidebar's format), the head's attention CSV and the
    forward's .npz (built on click) downloaded and read. No exception box, no request leaves the machine."""
    from ui import lessons
    steps = lessons.lesson_at(1).steps
    downloads_at = next(k for k, s in enumerate(steps) if s.view == "weights")
    page = browser.new_page(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page.set_default_timeout(120_000)
    watch = Watch(page)
    page.goto(f"{app_url}/lessons?lesson=1&step=1")
    _wait_settled(page)
    answered = 0
    for k, step in enumerate(steps):
        _wait_settled(page)
        assert page.locator('[data-testid="stException"]').count() == 0, f"step {k + 1}"
        assert f"step={k + 1}" in page.url, (k, page.url)
        answers = page.locator('[data-testid="stRadio"]').filter(has_text=tr("lessons.your_answer", "en"))
        if step.exercise and answers.count():
            answers.locator('[data-testid="stRadioOption"]').first.click()
            _wait_settled(page)                                  # the rerun enables "check"
            page.get_by_role("button", name=tr("lessons.check", "en")).click()
            _wait_settled(page)
            verdict = page.locator('[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]')
            assert verdict.count() >= 1, f"step {k + 1}: no verdict"
            answered += 1
        if k == downloads_at:
            assert _chart_image(page, "png")[:8] == b"\x89PNG\r\n\x1a\n"
            svg = _chart_image(page, "svg")
            assert b"<svg" in svg[:2000], svg[:200]
            _check_csv(_download(page, page.get_by_role("button", name=tr("export.csv", "en")).click))
            _check_npz(_download(page, page.get_by_role("button", name=tr("export.npz", "en")).click))
        forward = page.get_by_role("button", name=tr("lessons.next", "en"))
        if k == len(steps) - 1:
            assert forward.is_disabled()                         # the end of the lesson
        else:
            forward.click()
    assert answered == sum(s.exercise is not None for s in steps), answered
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
    assert not watch.errors, watch.errors[:5]
    assert not watch.outside, f"requests left the machine: {watch.outside[:5]}"
