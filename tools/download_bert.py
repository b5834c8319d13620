"""Optional, for users who are online: put a real pretrained BERT into the local Hugging Face cache.

    python tools/download_bert.py google/bert_uncased_L-4_H-256_A-4     # 4 layers × 256, English (~45 MB)
    python tools/download_bert.py bert-base-uncased                      # 12 × 768, English (~440 MB)
    python tools/download_bert.py bert-base-chinese                      # 12 × 768, 中文 (~410 MB)

The explorer never needs this: it ships its own models and runs offline. A model fetched here lands in
the standard cache (``~/.cache/huggingface/hub``, or ``$HF_HUB_CACHE``), and the sidebar's model picker
lists every BERT it finds there, e.g. "bert-base-chinese (Hugging Face cache)". Only the files the app
reads are fetched: config.json, the weights (safetensors preferred) and the vocabulary. Needs the
``huggingface_hub`` package (installed with ``transformers``, see requirements-dev.txt).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

WANTED = ["config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json"]
FALLBACK = ["pytorch_model.bin"]          # only when a repository has no safetensors (read with weights_only)


def download(repo_id: str, cache_dir: str | None = None, fetch=None) -> Path:
    """Fetch ``repo_id`` into the cache → the snapshot folder. ``fetch`` is huggingface_hub's
    ``snapshot_download`` (tests pass a stand-in that copies a local folder: no network in tests)."""
    if fetch is None:
        from huggingface_hub import snapshot_download as fetch
    folder = Path(fetch(repo_id=repo_id, cache_dir=cache_dir, allow_patterns=WANTED))
    if not (folder / "model.safetensors").is_file():
        folder = Path(fetch(repo_id=repo_id, cache_dir=cache_dir, allow_patterns=WANTED + FALLBACK))
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        raise SystemExit(f"{repo_id} is a {config.get('model_type')!r} model, not a BERT: the explorer reads BERTs.")
    return folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repo_id", help="a BERT on the Hugging Face hub, e.g. bert-base-chinese")
    parser.add_argument("--cache-dir", default=None, help="cache folder (default: the standard one)")
    args = parser.parse_args(argv)
    folder = download(args.repo_id, args.cache_dir)
    print(f"saved to {folder}\nRestart `streamlit run app.py`: the model picker lists it as "
          f"\"{args.repo_id} (Hugging Face cache)\".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
