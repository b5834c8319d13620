"""The training studio in a real browser: pretrain a tiny BERT, watch its curves move, pause, resume, stop,
save it into the model picker — and two learners training at the same time without seeing each other.

Why a browser and not AppTest: the live panel is an ``st.fragment`` that redraws itself every second from
a worker thread's progress; only a real frontend shows that the chart grows without a page reload. The
server, the browser and ``Watch`` (page errors, console errors, requests leaving 127.0.0.1) come from
test_browser.py. Every label and message is looked up in the pages' own TEXT tables, so the test follows
the wording and works in both languages. Screenshots: screenshots/studio-*.png (git-ignored).
"""
import re
from pathlib import Path
from typing import NamedTuple

import pytest
from test_browser import CHROMIUM, SHOTS, Watch, app_url, browser  # noqa: F401  (app_url, browser: fixtures)

from ui.i18n import TERMS
from ui.st.studio_panel import TEXT as PANEL
from ui.studio.pretrain_text import TEXT as PAGE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="needs Debian's chromium: apt-get install -y chromium chromium-driver"),
]
VIEW = {"width": 1400, "height": 1000}
# A model that trains tens of steps per second on a busy CPU; 5,000 steps never finish during the test,
# so the test decides when the run ends (Stop). Keys are the page's TEXT keys ("d_model", "d_ff" are
# labels as they are, in both languages).
TINY = {"layers": 1, "d_model": 32, "heads": 2, "d_ff": 64, "max_len": 32, "batch_size": 8, "frames": 2}
# Plotly.py ships numpy arrays base64-encoded ({dtype, bdata}) in a plot's `data`; `_fullData` holds the
# decoded arrays that plotly actually drew. Trace 0 is the raw MLM loss, one point per (thinned) step.
# While the fragment reruns, Streamlit keeps zero-size stale copies of its elements: count the drawn ones.
CHARTS_JS = """() => [...document.querySelectorAll('.st-key-pretrain_curves')].filter(e => e.offsetHeight > 0)"""
LOSS_JS = """() => { const el = (""" + CHARTS_JS + """)().map(e => e.querySelector('.js-plotly-plot'))[0];
    const trace = el && el._fullData && el._fullData[0];
    return trace && trace.x ? [Array.from(trace.x), Array.from(trace.y)] : [[], []]; }"""
# Streamlit's frontend says whether a script run is going on (its own end-to-end tests read the same).
IDLE_JS = """() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]')"""


class Seen(NamedTuple):
    """What the learner sees of the run: the progress line's "step N / total" and the loss curve."""
    step: int
    total: int
    points: int          # points in the raw MLM-loss line
    last: int            # the step of its last point


# ── driving the page ─────────────────────────────────────────────────────────────────────────────────

def settle(page) -> None:
    """Streamlit has finished its rerun (only meaningful while the live panel is not polling)."""
    page.wait_for_timeout(400)
    page.wait_for_function(IDLE_JS, timeout=120_000)


def goto_studio(page, url: str, lang: str) -> None:
    page.goto(f"{url}/train-pretrain?lang={lang}")


def wait_studio(page, lang: str) -> None:
    """The whole page is drawn: the tokenizer is trained and section 5 (Train) is there."""
    page.get_by_role("heading", name=PAGE("s_train", lang)).wait_for(timeout=180_000)
    settle(page)


def set_numbers(page, values: dict, lang: str) -> None:
    """Type each value into the number input with that label, press Enter, let Streamlit rerun. Typed while
    a rerun was still on its way, a value can be overwritten by the old one: then type it again."""
    for key, value in values.items():
        label = PAGE(key, lang) if key in PAGE else TERMS(key, lang) if key in TERMS else key
        box = page.get_by_label(label, exact=True)
        for _ in range(3):
            box.fill(str(value))
            box.press("Enter")
            settle(page)
            if box.input_value() == str(value):
                break
        assert box.input_value() == str(value), f"{label}: {box.input_value()} instead of {value}"


def button(page, key: str, lang: str):
    return page.get_by_role("button", name=PANEL(key, lang), exact=True)


def seen(page) -> Seen:
    """Read both: en "step 56 / 5,000 · …", zh "第 56 / 5,000 步 · …", and the curve's steps."""
    text = page.locator('[data-testid="stProgress"]:visible').first.inner_text()
    step, total = (int(n.replace(",", "")) for n in re.search(r"([\d,]+) / ([\d,]+)", text).groups())
    steps, _ = page.evaluate(LOSS_JS)
    return Seen(step, total, len(steps), int(steps[-1]) if steps else 0)


def wait_past(page, step: int, timeout_s: float = 90) -> Seen:
    """Poll the page (never reload it) until the progress line and the curve are past ``step``."""
    for _ in range(int(timeout_s * 4)):
        if page.locator('[data-testid="stProgress"]:visible').count():
            now = seen(page)
            if now.step > step and now.last > step:
                return now
        page.wait_for_timeout(250)
    raise AssertionError(f"the run did not get past step {step} within {timeout_s} s")


def shot(page, name: str) -> None:
    """The whole page in one picture: Streamlit scrolls inside its own container, so a full-page screenshot
    would show only the window; grow the window to the content's height instead, then shrink it back."""
    SHOTS.mkdir(exist_ok=True)
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stAppViewContainer"]')].map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": VIEW["width"], "height": min(max(height, VIEW["height"]), 12_000)})
    page.wait_for_timeout(800)                                    # plotly redraws at the new size
    page.screenshot(path=SHOTS / f"studio-{name}.png")
    page.set_viewport_size(VIEW)


def stopped_step(page, lang: str) -> int:
    """Wait for the "Stopped after N steps" line and return N."""
    pattern = re.escape(PANEL("stopped", lang, step=999_999)).replace("999999", r"(\d+)")
    line = page.get_by_text(re.compile(pattern))
    line.wait_for(timeout=60_000)
    return int(re.search(pattern, line.inner_text()).group(1))


def picker_options(page, name: str) -> list[str]:
    """Open the sidebar's model picker, photograph it open (studio-{name}.png) and read its choices."""
    box = page.locator('.st-key-model input[role="combobox"]')
    box.click()
    box.press("ArrowDown")                                         # a click only focuses it; the arrow opens it
    page.get_by_role("option").first.wait_for(timeout=10_000)
    options = page.get_by_role("option").all_inner_texts()
    page.screenshot(path=SHOTS / f"studio-{name}.png")
    page.keyboard.press("Escape")
    return options


def assert_clean(watch: Watch) -> None:
    assert not watch.errors, watch.errors[:5]
    assert not watch.outside, f"requests left the machine: {watch.outside[:5]}"


# ── the tests ────────────────────────────────────────────────────────────────────────────────────────

def test_pretrain_live_pause_resume_stop_and_save(app_url, browser):  # noqa: F811 (imported fixtures)
    page = browser.new_page(viewport=VIEW)
    watch = Watch(page)
    goto_studio(page, app_url, "en")
    wait_studio(page, "en")
    set_numbers(page, {**TINY, "steps": 5000}, "en")
    page.evaluate("window.__still_this_page = true")              # a reload would forget it

    button(page, "start", "en").click()
    first = wait_past(page, 0)                                   # preparing the data and model takes a few s
    page.wait_for_timeout(3000)
    later = wait_past(page, first.step, timeout_s=30)
    assert later.points > first.points and later.last > first.last, (first, later)
    assert later.total == 5000 and later.last <= later.step
    assert page.evaluate("window.__still_this_page === true"), "the page reloaded to show progress"
    shot(page, "1-training")

    button(page, "pause", "en").click()
    page.get_by_text(PANEL("paused", "en"), exact=True).wait_for(timeout=30_000)
    settle(page)
    paused = seen(page)
    assert button(page, "resume", "en").count() == 1 and button(page, "pause", "en").count() == 0
    shot(page, "2-paused")
    page.wait_for_timeout(3000)
    page.get_by_role("button", name=PAGE("another", "en")).click()   # a full rerun redraws the live panel
    settle(page)
    still = seen(page)
    # Pause takes effect between two steps, so the one in flight when the button was pressed may land.
    assert still.step <= paused.step + 1 and still.last <= paused.last + 1, (paused, still)

    button(page, "resume", "en").click()
    resumed = wait_past(page, still.step, timeout_s=30)
    assert resumed.step > still.step

    button(page, "stop", "en").click()
    n = stopped_step(page, "en")
    settle(page)
    end = seen(page)
    assert n == end.step == end.last >= resumed.step, (n, end)  # the curve shows every step that was trained
    assert button(page, "start", "en").count() == 1               # a finished run offers a fresh start

    name = "tiny studio test"
    box = page.get_by_label(PANEL("save_name", "en"), exact=True)
    box.fill(name)
    box.press("Enter")
    settle(page)
    button(page, "save", "en").click()
    page.get_by_text(PANEL("saved", "en", label=name)).wait_for(timeout=60_000)
    settle(page)
    assert button(page, "download", "en").count() == 1
    shot(page, "3-saved")
    assert_clean(watch)
    options = picker_options(page, "4-picker")
    assert any(o.startswith(f"{name} · ") for o in options), (  # name · language · size
        f"the sidebar's model picker does not list {name!r} right after saving: {options} "
                             "(the sidebar is drawn before the page registers the model)")
    page.close()
    assert_clean(watch)


def test_two_sessions_train_side_by_side_without_seeing_each_other(app_url, browser):  # noqa: F811
    """Two browser contexts = two Streamlit sessions (English and 中文, different step counts and batch
    sizes, so different curves). Each page shows its own run only; stopping one leaves the other training."""
    one, two = browser.new_context(viewport=VIEW), browser.new_context(viewport=VIEW)
    a, b = one.new_page(), two.new_page()
    watches = [Watch(a), Watch(b)]
    goto_studio(a, app_url, "en")
    goto_studio(b, app_url, "zh")                                 # both tokenizers train at once
    wait_studio(a, "en")
    wait_studio(b, "zh")
    set_numbers(a, {**TINY, "steps": 5000}, "en")
    set_numbers(b, {**TINY, "batch_size": 4, "steps": 4000}, "zh")

    button(a, "start", "en").click()
    button(b, "start", "zh").click()
    seen_a, seen_b = wait_past(a, 10), wait_past(b, 10)
    assert (seen_a.total, seen_b.total) == (5000, 4000), (seen_a, seen_b)
    assert [page.evaluate(f"({CHARTS_JS})().length") for page in (a, b)] == [1, 1]
    losses_a, losses_b = (page.evaluate(LOSS_JS)[1][:10] for page in (a, b))
    assert len(losses_a) == len(losses_b) == 10 and losses_a != losses_b, (losses_a, losses_b)

    button(a, "stop", "en").click()
    n = stopped_step(a, "en")
    settle(a)
    b_before = seen(b)
    b_after = wait_past(b, b_before.step, timeout_s=30)           # the other learner's run goes on
    assert b_after.total == 4000 and button(b, "stop", "zh").count() == 1
    assert b.get_by_text(re.compile("已在第")).count() == 0        # and B was not told it stopped
    assert seen(a).step == n and seen(a).total == 5000
    shot(a, "5-two-sessions-en-stopped")
    shot(b, "6-two-sessions-zh-running")

    button(b, "stop", "zh").click()                               # free the CPU for whoever tests next
    stopped_step(b, "zh")
    settle(b)
    shot(b, "7-two-sessions-zh-stopped")
    for context in (one, two):
        context.close()
    for watch in watches:
        assert_clean(watch)
