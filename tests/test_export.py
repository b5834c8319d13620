"""ui/export.py: one head's weights as CSV, a whole trace as .npz with its index, the charts' download button."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
import torch

from tests.fixtures_models import SENTENCES
from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core.tokenizer import train_wordpiece
from ui import export, models
from ui.i18n import LANGS
from ui.st.session import bert_forward

TEXT = "The cat sat on the mat because it was tired."


def _run():
    tokenizer = train_wordpiece(SENTENCES, vocab_size=200)
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=2, n_heads=4, d_ff=64,
                               max_len=64)
    source = models.ModelSource("tiny", "tiny", None, "BertForPreTraining", "en", "random")
    return bert_forward(models.Loaded(source, BertForPreTraining(config).eval(), tokenizer), TEXT, "It slept.")


def test_the_csv_holds_every_weight_with_token_labels():
    run = _run()
    weights = run.trace.layers[1].self_attn.weights[0, 2].numpy()                 # (T, T)
    rows = list(csv.reader(io.StringIO(export.attention_csv(weights, run.encoded.tokens))))
    T = len(run.encoded.tokens)
    assert len(rows) == T + 1 and all(len(r) == T + 1 for r in rows)
    assert rows[0][1] == f"0 {run.encoded.tokens[0]}" and rows[2][0] == f"1 {run.encoded.tokens[1]}"
    table = np.array([[float(x) for x in r[1:]] for r in rows[1:]])
    assert np.allclose(table, weights, atol=1e-6) and np.allclose(table.sum(1), 1, atol=1e-4)


def test_the_npz_loads_without_pickle_and_its_index_names_every_array():
    run = _run()
    data = np.load(io.BytesIO(export.trace_npz(run.trace, run.encoded.tokens, {"model": "tiny"})), allow_pickle=False)
    index = json.loads(str(data[export.INDEX]))
    names = set(data.files) - {export.INDEX}
    assert names == set(index["arrays"]) and index["tokens"] == run.encoded.tokens and index["about"]["model"] == "tiny"
    for name in names:
        assert list(data[name].shape) == index["arrays"][name]["shape"], name
    T = len(run.encoded.tokens)
    assert data["layers.1.self_attn.weights"].shape == (1, 4, T, T)
    assert np.allclose(data["layers.0.self_attn.q"], run.trace.layers[0].self_attn.q.numpy())
    assert data["embeddings.token"].shape == (1, T, 32)


def test_the_download_button_exports_in_the_browser_at_print_resolution():
    png, svg = export.image_config("minilm/layer 2", "png"), export.image_config("x", "svg")
    assert png["modeBarButtons"] == [["toImage"]] and png["displaylogo"] is False
    assert png["toImageButtonOptions"] == {"format": "png", "filename": "minilm-layer-2", "scale": export.PNG_SCALE}
    assert svg["toImageButtonOptions"]["format"] == "svg"
    assert export.image_config("x", "gif")["toImageButtonOptions"]["format"] == "png"


def test_the_caption_names_model_sentence_layer_and_head_in_every_language():
    for lang in LANGS:
        line = export.caption("minilm-mlm-en", TEXT, lang, 2, 3)
        assert "minilm-mlm-en" in line and TEXT in line and "2" in line and "3" in line
    assert "layer" not in export.caption("m", "t", "en")
