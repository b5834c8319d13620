"""Unbounded model configs (issue 18, item 2): a config.json asking for more memory than the server allows is
refused from its numbers, naming the field, before a single weight is allocated — checked in a subprocess under
an address-space cap, so that a regression fails instead of swapping."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from fixtures_models import SENTENCES, make_bert

from transformer_core.config import MAX_MODEL_BYTES_ENV, PRESETS, estimate_bytes, memory_limit
from transformer_core.errors import LabError
from ui import models

from .spoil import CJK, assert_said_in_every_language, change_weights, copy_folder, hf_config, keys_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_bert(tmp_path_factory.mktemp("base") / "model", SENTENCES)


def test_the_estimate_counts_the_real_models():
    from transformer_core.config import parameter_count
    from transformer_core.kinds import CHAR_PAIR, SHIPPED, WORDPIECE
    text = PRESETS["tiny"].replace(n_labels=3)
    for kind in SHIPPED:
        # a ViT needs its image and patch sizes; a kind that reads no tokens (images, sound) has no token table,
        # which the estimate still counts: an upper bound there, close only for the kinds that read text
        config = text.replace(image_size=8, patch_size=2, norm_first=True) if kind.name.startswith("ViT") else text
        real = sum(p.numel() for p in kind.model_class(config).parameters())
        estimate = parameter_count(config, decoder=kind.can("generate"))
        assert real <= estimate, (kind.name, real, estimate)
        if kind.tokenizer in (WORDPIECE, CHAR_PAIR):
            assert estimate <= 1.15 * real, (kind.name, real, estimate)
    assert estimate_bytes(PRESETS["bert-large"]) < memory_limit()            # bert-large always loads


def test_the_limit_is_a_setting(base, monkeypatch):
    monkeypatch.setenv(MAX_MODEL_BYTES_ENV, "1000")
    with pytest.raises(LabError) as caught:
        models.open_folder(base)
    assert "model_too_big" in keys_of(caught.value) and MAX_MODEL_BYTES_ENV in str(caught.value)
    monkeypatch.setenv(MAX_MODEL_BYTES_ENV, "not a number")                  # a typo: the default, not a crash
    assert memory_limit() >= 2 * 1024**3


def test_a_weights_file_bigger_than_the_limit_is_not_read(base, tmp_path, monkeypatch):
    folder = copy_folder(base, tmp_path)
    change_weights(folder, lambda t: t.update({"padding.weight": torch.zeros(1_000_000)}))   # a 4 MB file
    monkeypatch.setenv(MAX_MODEL_BYTES_ENV, str(2_000_000))
    with pytest.raises(LabError) as caught:
        models.open_folder(folder)
    assert caught.value.key == "weights_too_big"
    assert_said_in_every_language(caught.value)


HUGE = {   # HF field → value; each alone asks for far more memory than any machine has
    "num_hidden_layers": 10_000, "hidden_size": 1_000_000, "vocab_size": 1_000_000_000,
    "intermediate_size": 10**9, "max_position_embeddings": 10**9, "type_vocab_size": 10**9, "num_labels": 10**9,
}
CAPPED = """
import json, resource, sys
import torch                                      # libraries first: they map address space of their own
from transformer_core.errors import LabError
from ui import models
from ui.i18n import error_text
used = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
cap = used + (3 << 29)                            # 1.5 GiB more than the process already maps
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
try:
    torch.empty(1 << 30, dtype=torch.float32)     # 4 GiB: must fail, or the cap proves nothing
    bites = False
except (RuntimeError, MemoryError):
    bites = True
out = {"bites": bites}
for folder in sys.argv[1:]:
    try:
        models.open_folder(folder)
        out[folder] = ["loaded"]
    except LabError as err:
        keys = [err.key] + ([err.values["err"].key] if isinstance(err.values.get("err"), LabError) else [])
        out[folder] = keys + [error_text(err, "en"), error_text(err, "zh")]
    except BaseException as err:                  # MemoryError, an allocator RuntimeError: the regression
        out[folder] = ["crashed", type(err).__name__, str(err)[:200]]
print(json.dumps(out))
"""


def test_huge_configs_are_refused_before_any_allocation_under_a_memory_cap(base, tmp_path):
    folders = {}
    for field, value in HUGE.items():
        folder = Path(shutil.copytree(base, tmp_path / field))
        extra = {"hidden_size": {"num_attention_heads": 8}, "num_labels": {"id2label": None},      # as the issue's
                 "num_hidden_layers": {"hidden_size": 768, "num_attention_heads": 12}}.get(field, {})  # bert-base
        hf_config(folder, **{field: value}, **extra)
        folders[field] = str(folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(MAX_MODEL_BYTES_ENV, None)                                      # the default limit
    done = subprocess.run([sys.executable, "-c", CAPPED, *folders.values()], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out.pop("bites"), "the address-space cap did not stop a 4 GiB allocation"
    for field, folder in folders.items():
        keys, *texts = out[folder]
        assert keys == "bad_config" and texts[0] == "model_too_big", (field, out[folder])
        english, chinese = texts[1:]
        assert english.split(": ", 1)[1].startswith(f"{field} = "), english      # names the field
        assert CJK.search(chinese) and field in chinese


