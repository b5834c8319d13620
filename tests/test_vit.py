"""The Vision Transformer: shapes, traces, the HF ViT layout and parity, the digits data, a short training run,
and the shipped vit-digits."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import transformers

from transformer_core import kinds
from transformer_core.checkpoint import folder_kind, load_pretrained, save_pretrained
from transformer_core.config import TransformerConfig
from transformer_core.data.digits import augment, load_all, split
from transformer_core.errors import ConfigError, DataError
from transformer_core.train.vision import VisionRecipe, accuracy, digits_config, train_vit
from transformer_core.vit import ViTForImageClassification, patchify

SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "models" / "vit-digits"
TOL = 1e-5


def small(**kw) -> TransformerConfig:
    return digits_config(d_model=32, n_layers=2, n_heads=4, **kw).replace(dropout=0.0)


def test_shapes_and_trace():
    model = ViTForImageClassification(small()).eval()
    out = model(torch.rand(3, 1, 8, 8), record=True)
    assert out.logits.shape == (3, 10)
    assert out.last_hidden_state.shape == (3, 17, 32)                  # [CLS] + 16 patches of 2 × 2
    assert out.trace.attentions.shape == (2, 3, 4, 17, 17)              # (L, B, H, T, T)
    assert torch.allclose(out.trace.attentions.sum(-1), torch.ones(2, 3, 4, 17), atol=1e-5)
    assert out.trace.embeddings.token.shape == (3, 17, 32)
    plain = model(torch.rand(3, 8, 8))                                  # (B, S, S) is read as one channel
    assert plain.logits.shape == (3, 10) and plain.trace is None


def test_recording_leaves_the_output_identical():
    model = ViTForImageClassification(small()).eval()
    x = torch.rand(2, 1, 8, 8)
    assert torch.equal(model(x).logits, model(x, record=True).logits)


def test_patchify_reads_patches_row_by_row():
    image = torch.arange(64.0).view(1, 1, 8, 8)
    patches = patchify(image, 2)                                        # (1, 16, 4)
    assert patches.shape == (1, 16, 4)
    assert patches[0, 0].tolist() == [0, 1, 8, 9]                       # top left 2 × 2
    assert patches[0, 1].tolist() == [2, 3, 10, 11]                     # its right-hand neighbour
    assert patches[0, 4].tolist() == [16, 17, 24, 25]                   # the one below it


@pytest.mark.parametrize("change, key", [(dict(patch_size=3), "vit_patch_divides"),
                                         (dict(norm_first=False), "vit_pre_ln")])
def test_bad_configs_are_keyed(change, key):
    with pytest.raises(ConfigError) as err:
        ViTForImageClassification(small().replace(**change))
    assert err.value.key == key


@pytest.mark.parametrize("bad", [torch.rand(2, 1, 7, 7), torch.rand(2, 3, 8, 8), torch.ones(2, 1, 8, 8).long()])
def test_wrong_images_are_a_sentence(bad):
    with pytest.raises(DataError) as err:
        ViTForImageClassification(small())(bad)
    assert err.value.key == "vit_image_shape"


def test_saved_folder_uses_hf_vit_names_and_round_trips(tmp_path):
    model = ViTForImageClassification(small()).eval()
    save_pretrained(model, tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model_type"] == "vit" and config["architectures"] == ["ViTForImageClassification"]
    assert folder_kind(tmp_path) is kinds.VIT
    loaded, tokenizer = load_pretrained(tmp_path)
    assert tokenizer is None and isinstance(loaded, ViTForImageClassification)
    x = torch.rand(4, 1, 8, 8)
    assert torch.equal(loaded(x).logits, model(x).logits)
    assert kinds.kind_of(model) is kinds.VIT and kinds.VIT.can(kinds.CLASSIFY_IMAGE)


def _compare(ours, theirs, x):
    with torch.no_grad():
        hf = theirs(pixel_values=x, output_attentions=True, output_hidden_states=True)
    mine = ours(x, record=True)
    assert torch.allclose(mine.logits, hf.logits, atol=TOL, rtol=0)
    for a, b in zip(mine.trace.attentions, hf.attentions, strict=True):
        assert torch.allclose(a, b, atol=TOL, rtol=0)
    assert torch.allclose(mine.trace.embeddings.output, hf.hidden_states[0], atol=TOL, rtol=0)


def test_parity_our_weights_in_transformers(tmp_path):
    ours = ViTForImageClassification(small()).eval()
    save_pretrained(ours, tmp_path)
    theirs = transformers.ViTForImageClassification.from_pretrained(tmp_path, attn_implementation="eager").eval()
    _compare(ours, theirs, torch.rand(3, 1, 8, 8))


def test_parity_transformers_weights_in_ours(tmp_path):
    config = transformers.ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                                    image_size=8, patch_size=2, num_channels=1, num_labels=10,
                                    attn_implementation="eager")
    theirs = transformers.ViTForImageClassification(config).eval()
    theirs.save_pretrained(tmp_path)
    ours = ViTForImageClassification(small())
    state = {name: tensor for name, tensor in
             __import__("safetensors.torch", fromlist=["load_file"]).load_file(tmp_path / "model.safetensors").items()}
    folder = tmp_path / "ours"
    save_pretrained(ours, folder)                                       # our config.json, then their weights
    (folder / "model.safetensors").write_bytes((tmp_path / "model.safetensors").read_bytes())
    loaded, _ = load_pretrained(folder)
    assert set(state) >= {"vit.embeddings.patch_embeddings.projection.weight", "classifier.weight"}
    _compare(loaded, theirs, torch.rand(3, 1, 8, 8))


def test_digits_split_is_fixed_and_stratified():
    data = load_all()
    assert data.images.shape == (1797, 1, 8, 8) and 0 <= float(data.images.min()) and float(data.images.max()) == 1
    train, test = split(data)
    assert len(train.labels) + len(test.labels) == 1797 and len(test.labels) == 359
    assert not set(train.index.tolist()) & set(test.index.tolist())
    assert test.labels.bincount().min() >= 35
    assert torch.equal(split(data)[1].index, test.index)


def test_augment_keeps_shape_and_range():
    train, _ = split()
    out = augment(train.images[:32], torch.Generator().manual_seed(0), binarize=1.0)
    assert out.shape == (32, 1, 8, 8) and set(out.unique().tolist()) <= {0.0, 1.0}


def test_short_training_beats_chance_by_far():
    train, test = split()
    torch.set_num_threads(1)
    model, history = train_vit(small(patch_size=4), train, VisionRecipe(steps=200, warmup=20, lr=3e-3))
    assert history[-1][1] < history[0][1]
    assert accuracy(model, test) > 0.5                                  # chance is 0.1


@pytest.mark.skipif(not SHIPPED.is_dir(), reason="vit-digits is not shipped")
def test_shipped_vit_digits_loads_and_stays_above_a_floor():
    model, _ = load_pretrained(SHIPPED)
    _, test = split()
    assert accuracy(model, test) >= 0.96
    assert sum(f.stat().st_size for f in SHIPPED.iterdir()) <= 1_000_000
