"""The app in a real browser: Debian's Chromium driven by playwright (never a downloaded browser)."""
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="needs Debian's chromium: apt-get install -y chromium chromium-driver"),
]
ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
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


def test_architecture_page_renders_and_switches_language(app_url, tmp_path):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{app_url}/sizes")
        page.get_by_role("heading", name="Attention Lab").wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)   # the diagram really drew
        assert page.locator(".js-plotly-plot .main-svg").count() > 0
        assert page.get_by_text("110.1M").count() > 0
        page.get_by_text("中文", exact=True).click()
        page.get_by_role("heading", name="注意力实验室").wait_for(timeout=30_000)
        page.screenshot(path=tmp_path / "zh.png", full_page=True)
        assert (tmp_path / "zh.png").stat().st_size > 20_000
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
    assert not errors, errors
