"""Opening one page of the app in AppTest, as the page tests do: the app, then the language, then the page."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_app_page(page: str, lang: str = "en", timeout: int = 120) -> AppTest:
    """``page``: e.g. "views/sentiment.py". Fails the test if the page raised."""
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    if lang != "en":
        at.sidebar.radio(key="lang").set_value(lang).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
