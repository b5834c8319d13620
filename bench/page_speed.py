"""How live the explorer feels: page rerun time for a 64-piece sentence, and first paint in Chromium.

    python bench/page_speed.py                 # every explorer page, 7 reruns each, the default (shipped) model
    python bench/page_speed.py --pages multi-head attention-head --reruns 15
    python bench/page_speed.py --pages --paints 5     # only the first paint, median of 5 fresh servers
    python bench/page_speed.py --pages --paints 0 --visits 5   # first paint + every page's first visit, 5 servers

A rerun is what happens when a learner moves a slider: Streamlit runs app.py and the page again.
We time it with Streamlit's AppTest (the script run itself, without the browser's drawing), after
one warm-up run that fills the caches (models in st.cache_resource, traces in st.cache_data), as a
median. The reference measured in the same run is one Hugging Face forward of the same weights with
all attentions returned (eager attention): a page should cost a small multiple of that, not more.
Target from the issue: ≤ 150 ms for the attention pages. First paint: from a started server (health
check answering) to the first page's title in Chromium, each time on a freshly started server, as a median.
The pages are the explorer's (``ui.pages.explorer()``: every page that reads the picked model).
First visits (``--visits N``, targets from issue 17: first paint ≤ 3 s, every page's first visit ≤ 2 s): on each
of N freshly started servers, Chromium opens the home page (first paint: its title; home done: the script has
run and every chart is drawn), then clicks every page of ``ui.pages.PAGES`` in the sidebar's order, once each,
as a learner would; a visit lasts from the click until the page's script has run (observed running, then
not) and its charts are drawn. The median over the servers is reported per page.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import torch
from common import RESULTS, ROOT, machine, median, timed

from ui.pages import by_url, explorer

SENTENCE = ("The quick brown fox jumps over the lazy dog while the children watch from the old stone bridge, "
            "laughing at the tired farmer who chases his runaway goats across the muddy field before sunset, "
            "and the baker's wife calls them all home for a warm supper.")      # 64 pieces with bert-mini-en
PAGES = [page.url for page in explorer()]


def page_reruns(name: str, reruns: int) -> dict:
    from streamlit.testing.v1 import AppTest
    os.environ["ATTENTION_LAB_WARMUP"] = "0"      # a rerun is timed alone, not beside the first-visit warm-up
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["text"] = SENTENCE
    at.session_state["masked"] = (3, 9)                                # the MLM page predicts, not asks
    at.run()
    at.switch_page(by_url(name).file).run()                            # warm-up: fills the caches
    times = [timed(at.run) for _ in range(reruns)]
    return {"median_ms": round(1000 * median(times), 1), "min_ms": round(1000 * min(times), 1),
            "exception": bool(at.exception)}


def hf_reference(reruns: int) -> dict:
    """One HF forward with attentions (eager) of the default model's weights on the same sentence."""
    from transformers import BertModel as HFBert

    from ui import models
    from ui.encode import encode
    source = next(s for s in models.available() if s.is_encoder)
    loaded = models.load(source)
    enc = encode(loaded.tokenizer, SENTENCE, None, loaded.config.max_len)
    ids = torch.tensor([enc.ids])
    ours = lambda: loaded.model(ids, record=True)                  # noqa: E731
    result = {"model": source.key, "pieces": len(enc.ids)}
    with torch.inference_mode():
        result["ours_record_ms"] = round(1000 * median([timed(ours) for _ in range(reruns)]), 2)
        if source.folder:
            hf = HFBert.from_pretrained(source.folder, attn_implementation="eager").eval()
            run = lambda: hf(ids, output_attentions=True, output_hidden_states=True)  # noqa: E731
            result["hf_eager_ms"] = round(1000 * median([timed(run) for _ in range(reruns)]), 2)
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def first_paint() -> dict:
    """One fresh server: seconds until it answers its health check, then until Chromium shows the home page's
    title (from the health answer, and from the browser's request)."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.port", str(port), "--server.address", "127.0.0.1"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.perf_counter()
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        healthy = time.perf_counter()
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
            page = browser.new_page()
            opened = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator("h1").first.wait_for(timeout=120_000)
            painted = time.perf_counter()
            browser.close()
        return {"server_start_s": healthy - start, "first_paint_after_health_s": painted - healthy,
                "page_load_s": painted - opened}
    finally:
        _stop(server)


BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WATCH_RUN = """() => { window.__ran = false;
    new MutationObserver(() => { const app = document.querySelector('[data-testid="stApp"]');
        if (app && app.getAttribute('data-test-script-state') === 'running') window.__ran = true; })
        .observe(document.body, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']}); }"""
DONE = """() => { const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running') window.__ran = true;
    return window.__ran && state === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]')
        && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
            .every(c => c.querySelector('.main-svg')); }"""
SETTLED = DONE.replace("window.__ran && ", "")      # after a page load: no click to see the run start from


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:          # a busy machine: a session thread still finishing a run
        server.kill()
        server.wait()


def _start_server() -> tuple[subprocess.Popen, int]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.port", str(port), "--server.address", "127.0.0.1"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "ATTENTION_LAB_WARMUP": "1"})
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return server, port
        except OSError:
            time.sleep(0.1)


def visit_round() -> dict:
    """One fresh server: the home page's first paint and completion, then each page's first visit (seconds)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from ui.pages import HOME
    from ui.pages import PAGES as ALL
    server, port = _start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator("h1").first.wait_for(timeout=120_000)
            times = {"first_paint": time.perf_counter() - start}
            page.wait_for_function(SETTLED, timeout=120_000)
            times["home_done"] = time.perf_counter() - start
            for entry in ALL:
                if entry is HOME:
                    continue
                page.evaluate(WATCH_RUN)
                link = page.locator(f'[data-testid="stSidebar"] a[href="{entry.url}"]').first
                start = time.perf_counter()
                link.click()
                try:
                    page.wait_for_function(DONE, timeout=120_000, polling=20)
                except PlaywrightTimeout:                      # counted as 120 s, named in the output
                    times[entry.url + " (timed out)"] = 1
                times[entry.url] = time.perf_counter() - start
                if page.locator('[data-testid="stException"]').count():
                    times[entry.url + " (exception)"] = 1
            browser.close()
        return times
    finally:
        _stop(server)


def first_visits(n: int) -> dict:
    """``visit_round`` on ``n`` fresh servers: per page, the median, the slowest and whether it holds."""
    rounds = []
    for i in range(n):
        rounds.append(visit_round())
        print(f"round {i + 1} ({Path('/proc/loadavg').read_text().split()[0]} load): "
              + ", ".join(f"{k} {v:.2f}" for k, v in rounds[-1].items()), flush=True)
    out = {}
    for name in rounds[0]:
        values = [r[name] for r in rounds if name in r]
        target = 3.0 if name == "first_paint" else None if name == "home_done" else 2.0
        out[name] = {"median_s": round(median(values), 2), "max_s": round(max(values), 2),
                     "target_s": target, "holds": None if target is None else median(values) <= target}
    return out


def first_paints(n: int) -> dict:
    """``first_paint`` on ``n`` fresh servers: the median and the fastest of each time."""
    runs = [first_paint() for _ in range(n)]
    return {name: {"median_s": round(median([r[name] for r in runs]), 2), "min_s": round(min(r[name] for r in runs), 2)}
            for name in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", nargs="*", default=PAGES)
    parser.add_argument("--reruns", type=int, default=7)
    parser.add_argument("--paints", type=int, default=3, help="fresh servers for the first-paint median")
    parser.add_argument("--visits", type=int, default=0, help="fresh servers for the first-visit medians")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    result = {"machine": machine(), "reference": hf_reference(args.reruns) if args.pages else None, "pages": {}}
    print(json.dumps(result["reference"]))
    for name in args.pages:
        result["pages"][name] = page_reruns(name, args.reruns)
        print(f"{name:<16} {result['pages'][name]}", flush=True)
    if not args.no_browser and args.paints:
        result["first_paint"] = first_paints(args.paints)
        print(result["first_paint"])
    if not args.no_browser and args.visits:
        result["first_visits"] = first_visits(args.visits)
        for name, row in result["first_visits"].items():
            print(f"{name:<16} {row}")
    result["loadavg"] = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "page_speed.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
