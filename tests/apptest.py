"""Opening the app in AppTest, as every page test does: the app (with a URL), then the language, the sidebar's
model and sentence, session values, and finally the page, named by its address in ui/pages.py."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.pages import by_url

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def page_file(page: str) -> str:
    """A page's script from its address ("mlm", "attention-head"); a script path is returned as it is."""
    return page if page.endswith(".py") else by_url(page).file


def open_app(timeout: int = 120, **query) -> AppTest:
    """The app after its first run, opened at an address whose query is ``query`` (e.g. lang="zh", layer="2")."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query)
    return at.run()


def open_app_page(page: str, lang: str = "en", timeout: int = 120, model: str | None = None,
                  text: str | None = None, state: dict | None = None) -> AppTest:
    """``page`` ("sentiment", or "views/sentiment.py") with the sidebar set as a learner would: the language,
    then ``model`` and ``text`` when given; ``state`` goes into session state as it is, just before the switch.
    Fails the test if the page raised."""
    at = open_app(timeout)
    if lang != "en":
        at.sidebar.radio(key="lang").set_value(lang).run()
    if model:
        at.sidebar.selectbox(key="model").set_value(model).run()
    if text is not None:
        at.sidebar.text_area(key="text").set_value(text).run()
    for name, value in (state or {}).items():
        at.session_state[name] = value
    at.switch_page(page_file(page)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
