"""Real BERTs already on the machine: the picker lists HF-layout BERT folders from the local Hugging Face
cache, and tools/download_bert.py puts one there (tested with a local folder standing in for the hub)."""
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.download_bert import download  # noqa: E402
from ui.models import hf_cache_models, load  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "models" / "bert-mini-en"


def fake_hub(source: Path):
    """A stand-in for huggingface_hub.snapshot_download: copies ``source`` into the cache layout."""
    def fetch(repo_id, cache_dir, allow_patterns):
        folder = Path(cache_dir) / f"models--{repo_id.replace('/', '--')}" / "snapshots" / "abc123"
        folder.mkdir(parents=True, exist_ok=True)
        for name in allow_patterns:
            if (source / name).is_file():
                shutil.copy(source / name, folder / name)
        return str(folder)
    return fetch


def test_a_downloaded_bert_is_listed_and_loads(tmp_path):
    folder = download("google/bert_uncased_L-4_H-256_A-4", str(tmp_path), fetch=fake_hub(SHIPPED))
    assert (folder / "model.safetensors").is_file() and (folder / "config.json").is_file()
    found = hf_cache_models(tmp_path)
    assert [s.key for s in found] == ["hf:google/bert_uncased_L-4_H-256_A-4"]
    assert found[0].label == "google/bert_uncased_L-4_H-256_A-4 (Hugging Face cache)" and found[0].has_mlm
    loaded = load(found[0])
    assert loaded.tokenizer.encode("the cat sat").ids and loaded.lang == "en"


def test_other_model_types_and_half_downloads_are_not_listed(tmp_path):
    gpt = tmp_path / "models--gpt2" / "snapshots" / "x"
    gpt.mkdir(parents=True)
    (gpt / "config.json").write_text('{"model_type": "gpt2"}', encoding="utf-8")
    half = tmp_path / "models--someone--bert" / "snapshots" / "y"
    half.mkdir(parents=True)
    (half / "config.json").write_text('{"model_type": "bert"}', encoding="utf-8")   # no weights yet
    assert hf_cache_models(tmp_path) == [] and hf_cache_models(tmp_path / "missing") == []


def test_download_refuses_a_model_that_is_not_a_bert(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "config.json").write_text('{"model_type": "gpt2"}', encoding="utf-8")
    with pytest.raises(SystemExit, match="not a BERT"):
        download("gpt2", str(tmp_path / "cache"), fetch=fake_hub(source))
