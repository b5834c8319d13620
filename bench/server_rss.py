"""The server's memory with 10 learners on bert-base (issue 17): a fresh Streamlit server, one Chromium, one
browser context (its own Streamlit session) per learner, each with a sentence of its own, on the pages that
record a trace; the server process's RSS after each learner, with every session still open.

    python bench/server_rss.py                       # 10 sessions, bert-base with random weights, ~80 pieces each
    python bench/server_rss.py --sessions 3 --pages attention-head

The model is a random-weight bert-base (12 layers × 12 heads, width 768, vocabulary 30,522; 110M parameters)
written to a temporary folder with the shipped English tokenizer, opened by every learner through a
``?model=local:<folder>`` link, so all sessions share one loaded copy (st.cache_resource) as with a shipped
model. What each session adds is its own trace (cached per model and sentence) and its state.
Writes bench/results/server_rss.json.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import torch
from common import RESULTS, ROOT, machine
from page_speed import BROWSER_ARGS, SETTLED, _start_server, _stop

from transformer_core import PRESETS, BertForPreTraining, save_pretrained
from transformer_core.tokenizer import load_tokenizer

WORDS = ("river", "mountain", "teacher", "garden", "window", "letter", "market", "winter", "station", "kitchen")
BASE = ("On a quiet morning the {w} seemed different to everyone who passed by, and the children who walked to "
        "school along the old road stopped to look at it for a while before the bell rang. Later that day the "
        "farmer and his wife talked about the {w} over a long supper, remembering how it had looked years ago "
        "when they were young and the village was still small.")


def bert_base_folder(out: Path) -> Path:
    folder = out / "bert-base-random"
    torch.manual_seed(0)
    model = BertForPreTraining(PRESETS["bert-base"])
    save_pretrained(model, folder, tokenizer=load_tokenizer(ROOT / "assets" / "models" / "minilm-mlm-en"),
                    dtype=torch.float16)
    return folder


def rss_mib(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    field = lambda name: int(next(x for x in status.splitlines() if x.startswith(name)).split()[1]) / 1024  # noqa: E731
    return {"rss_mib": round(field("VmRSS:"), 1), "peak_rss_mib": round(field("VmHWM:"), 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=10)
    p.add_argument("--pages", nargs="+", default=["attention-head", "multi-head", "inside-layer", "mlm"])
    args = p.parse_args()
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as tmp:
        folder = bert_base_folder(Path(tmp))
        server, port = _start_server()
        rows = [{"after": "server start", **rss_mib(server.pid)}]
        print(rows[-1], flush=True)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
                contexts = []
                for i in range(args.sessions):
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    contexts.append(context)                       # kept open: the session stays alive
                    page = context.new_page()
                    text = quote(BASE.format(w=WORDS[i % len(WORDS)]) + f" ({i})")
                    start = time.perf_counter()
                    for name in args.pages:
                        page.goto(f"http://127.0.0.1:{port}/{name}?model=local:{quote(str(folder))}&text={text}")
                        page.locator("h1").first.wait_for(timeout=300_000)
                        page.wait_for_function(SETTLED, timeout=300_000)
                        error = page.locator('[data-testid="stException"]')
                        if error.count():
                            raise RuntimeError(f"{name}: {error.first.inner_text()}")
                    rows.append({"after": f"session {i + 1}", "seconds": round(time.perf_counter() - start, 1),
                                 **rss_mib(server.pid)})
                    print(rows[-1], flush=True)
                browser.close()
        finally:
            _stop(server)
    per_session = (rows[-1]["rss_mib"] - rows[1]["rss_mib"]) / max(1, args.sessions - 1)
    print(f"server RSS with {args.sessions} sessions on bert-base: {rows[-1]['rss_mib']:.0f} MiB "
          f"(peak {rows[-1]['peak_rss_mib']:.0f}); first session {rows[1]['rss_mib']:.0f} MiB; "
          f"{per_session:.0f} MiB per further session")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "server_rss.json").write_text(json.dumps(
        {"machine": machine(), "args": vars(args), "rows": rows, "per_further_session_mib": per_session,
         "loadavg": Path("/proc/loadavg").read_text().split()[:3]}, indent=1))


if __name__ == "__main__":
    main()
