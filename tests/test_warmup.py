"""The background warm-up of a fresh server (ui/st/warmup.py): it finds the pages' modules by itself, imports
them all, and hands the shipped models of the learner's language to the shared loader."""
from ui import models
from ui.st import warmup


def test_page_modules_are_found_from_the_views():
    found = warmup.page_modules()
    assert {"ui.st.page", "ui.st.session", "ui.studio.pretrain"} <= set(found)
    assert all(name.split(".")[0] in ("ui", "transformer_core") for name in found)


def test_warm_imports_every_page_module_and_loads_the_languages_models():
    loaded = []
    failed = warmup.warm("en", load=loaded.append)
    assert failed == []
    keys = {s.key for s in loaded}
    shipped = [s for s in models.available() if s.origin == "shipped"]
    assert keys == {s.key for s in shipped if s.lang in ("en", None, "") and s.kind.tokenizer in warmup.TEXT_KINDS}
    assert not any(s.lang == "zh" for s in loaded)


def test_off_when_the_environment_says_so(monkeypatch):
    monkeypatch.setenv("ATTENTION_LAB_WARMUP", "0")
    assert warmup.start("en") is False
