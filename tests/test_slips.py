"""The slips page (ui/slips_view.py, views/slips.py): every slip's settling computation, its links, and the page
in both languages on the shipped default model."""
import pytest
import torch
from apptest import open_app_page

from transformer_core import PRESETS, BertForMaskedLM, TransformerConfig
from ui import lessons, pages, rnn_view
from ui import slips_view as sv
from ui.i18n import LANGS, catalog


def test_every_slip_has_its_strings_a_page_and_a_real_lesson_step():
    for slip in sv.SLIPS:
        for lang in LANGS:
            assert catalog(lang)["slips"].get(f"{slip.name}_claim") and catalog(lang)["slips"].get(f"{slip.name}_right")
        if slip.page != "vision":                          # the ViT page belongs to another part of the app
            assert sv.page_at(slip.page) is not None, slip
        if slip.lesson:
            n, k = sv.lesson_numbers(*slip.lesson)
            assert lessons.LESSONS[n - 1].steps[k - 1].name == slip.lesson[1]
    assert sv.lesson_numbers("attention", "scale") == (1, 6) and sv.lesson_numbers("bert", "stopwords") == (2, 12)
    assert sv.page_at("no-such-page") is None and pages.by_url("slips").file == "views/slips.py"


def test_softmax_saturates_without_the_scaling():
    rows = sv.saturation((4, 64, 1024), keys=16, samples=256)
    raw = [r.max_raw for r in rows]
    assert raw == sorted(raw) and raw[-1] > 0.9                                    # towards one-hot
    assert all(0.15 < r.max_scaled < 0.35 for r in rows)                            # steady with 1/√d_k
    assert rows[-1].entropy_raw < 0.5 < 3 < rows[-1].entropy_scaled <= 4


def test_bert_sizes_are_110m_and_340m():
    sizes = sv.bert_sizes()
    assert 105e6 < sizes["bert-base"] < 115e6 and 330e6 < sizes["bert-large"] < 345e6
    assert sv.ARTICLE_LARGE / sizes["bert-large"] > 9


def _tiny_run():
    config = TransformerConfig(vocab_size=50, d_model=32, n_layers=2, n_heads=4, d_ff=64, max_len=16, dropout=0.0,
                               attn_dropout=0.0)
    torch.manual_seed(0)
    model = BertForMaskedLM(config).eval()
    ids = torch.randint(5, 50, (1, 9))
    with torch.inference_mode():
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), record=True)
    return config, model, out.trace


def test_heads_are_concatenated_and_projected_not_summed():
    config, model, trace = _tiny_run()
    attn = trace.layers[1].self_attn
    check = sv.heads_check(attn.context, attn.output, model.bert.layers[1].self_attn.out_proj)
    assert (check.n_heads, check.d_head, check.d_model) == (4, 8, 32)
    assert check.concat_diff < 1e-5 and check.blocks_diff < 1e-5 and check.summed_diff > 0.05


def test_many_heads_cost_the_same_as_one():
    costs = sv.head_costs(768, 128)
    assert [c.n_heads for c in costs][:4] == [1, 2, 3, 4] and len({c.total for c in costs}) == 1
    assert costs[0].attention == 4 * 128 * 128 * 768


def test_ffn_is_per_position_and_reads_all_heads():
    config, model, trace = _tiny_run()
    check = sv.ffn_check(model.bert.layers[0].ffn, sv.ffn_input(trace.layers[0], config.norm_first), config.n_heads)
    assert (check.d_in, check.d_ff) == (32, 64) and check.alone_diff < 1e-5


def test_encoder_attends_forwards_and_vit_patches_are_one_matrix():
    _, _, trace = _tiny_run()
    assert sv.future_weight(trace.attentions) > 0.2
    causal = torch.ones(4, 4).tril()[None, None, None] / torch.arange(1, 5).view(4, 1)   # (1, 1, 1, T, T)
    assert sv.future_weight(causal) == 0.0
    assert sv.patch_embedding_is_linear() < 1e-5
    assert sv.rnn_crossover() > 16


def test_stop_words_are_kept_and_attended():
    tokens = ["[CLS]", "the", "cat", "sat", "on", "the", "mat", "[SEP]"]
    special = [True] + [False] * 6 + [True]
    weights = torch.full((2, 8, 8), 1 / 8)
    found = sv.stop_words(tokens, special, weights)
    assert found.tokens == ("the", "on", "the") and found.token_share == pytest.approx(0.5)
    assert found.attention_share == pytest.approx(0.5)
    assert sv.stop_words(["[CLS]", "我", "的", "猫", "[SEP]"], [True, False, False, False, True],
                         torch.full((1, 5, 5), 0.2)).tokens == ("我", "的")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_shows_every_slip(lang, monkeypatch):
    real = rnn_view.measure
    monkeypatch.setattr(rnn_view, "measure", lambda rnn, repeats=1: real(rnn, lengths=(8, 16), batch=1, repeats=1))
    text = "the cat sat on the mat" if lang == "en" else "我的猫在桌子上。"
    at = open_app_page("slips", lang, text=text)
    assert not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    for slip in sv.SLIPS:
        assert sv.TEXT(f"{slip.name}_claim", lang) in markdown
    captions = " ".join(c.value for c in at.caption)
    assert "/lessons?lesson=1&step=6" in captions and len(at.get("plotly_chart")) == 1
    assert sv.TEXT("stop_words_none", lang) not in markdown and "[MASK]" in markdown    # stop words found, guessed
    at.button(key="slips_time").click().run(timeout=240)
    assert not at.exception and at.session_state["slips.measured"]
    at.button(key="slips_lesson_scaling").click().run()
    assert not at.exception and at.session_state["lesson"] == 1 and at.session_state["lesson_step"] == 6


def test_preset_counts_match_the_page_formula():
    assert sv.bert_sizes()["bert-base"] == sv.parameter_total(PRESETS["bert-base"])
