"""Ways to spoil a tiny valid model folder, one at a time, and the checks every hostile-folder test makes of the
error it gets (tests/adversarial/test_model_folders.py, test_model_sizes.py)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

from transformer_core.errors import LabError
from ui.i18n import LANGS, catalog, error_text

CJK = re.compile(r"[\u4e00-\u9fff]")


def copy_folder(base: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(base, tmp_path / "model"))


# ── ways to spoil a folder ───────────────────────────────────────────────────────────────────────────

def set_config(folder: Path, text: str | bytes) -> None:
    path = folder / "config.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def hf_config(folder: Path, **changes) -> None:
    """config.json as a real HF BERT folder has it (no "attention_lab" block), with ``changes``."""
    data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    data.pop("attention_lab")
    data.update(changes)
    set_config(folder, json.dumps(data))


def ours_config(folder: Path, **changes) -> None:
    data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    data["attention_lab"].update(changes)
    set_config(folder, json.dumps(data))


def top_config(folder: Path, **changes) -> None:
    data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    data.update(changes)
    set_config(folder, json.dumps(data))


def change_weights(folder: Path, change) -> None:
    tensors = load_file(folder / "model.safetensors")
    change(tensors)
    save_file(tensors, folder / "model.safetensors")


def poison(value: float):
    def change(tensors):
        tensors["bert.embeddings.word_embeddings.weight"][3, 0] = value
    return change


def vocab_lines(folder: Path) -> list[str]:
    from tokenizers import Tokenizer
    vocab = Tokenizer.from_file(str(folder / "tokenizer.json")).get_vocab()
    return sorted(vocab, key=vocab.get)


def as_vocab_txt(folder: Path, lines: list[str] | None = None, data: bytes | None = None) -> Path:
    """Swap tokenizer.json for a BERT vocab.txt (``lines``, or raw ``data``)."""
    lines = lines if lines is not None else vocab_lines(folder)
    (folder / "tokenizer.json").unlink()
    path = folder / "vocab.txt"
    path.write_bytes(data if data is not None else "\n".join(lines).encode("utf-8"))
    return path


def link(folder: Path, name: str, target: Path) -> None:
    (folder / name).unlink(missing_ok=True)
    (folder / name).symlink_to(target)


def outside_vocab(folder: Path) -> None:
    """vocab.txt is a link to a perfectly good vocabulary outside the folder: only the rule refuses it."""
    secret = folder.parent / "secret_vocab.txt"
    secret.write_text("\n".join(vocab_lines(folder)), encoding="utf-8")
    as_vocab_txt(folder)
    link(folder, "vocab.txt", secret)


def bigger_tokenizer(folder: Path) -> None:
    lines = vocab_lines(folder)
    as_vocab_txt(folder, lines + [f"extra{i}" for i in range(50)])


# name → (spoil the folder, a key the error or the error inside it carries)
def hf_data(folder: Path) -> dict:
    data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    data.pop("attention_lab")
    return data


def keys_of(err: BaseException) -> list[str]:
    """The key of an error and of the errors inside it (bad_config carries the ConfigError that says why)."""
    found = []
    while isinstance(err, LabError):
        found.append(err.key)
        err = err.values.get("err")
    return found


def assert_said_in_every_language(err: LabError) -> None:
    """A sentence in each language, from the catalog (no key missing), never a traceback."""
    assert err.key in catalog("en")["errors"], err.key
    assert error_text(err, "en") == str(err)
    for lang in LANGS:
        text = error_text(err, lang)
        assert text.strip() and "Traceback" not in text and 'File "' not in text, text
    assert CJK.search(error_text(err, "zh")), error_text(err, "zh")


