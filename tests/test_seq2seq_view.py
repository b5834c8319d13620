"""ui/seq2seq_view.py, ui/beam_tree.py and ui/seq2seq_figures.py: source checks, greedy decoding with its
attention maps, the beam-search tree and the figures (no Streamlit)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from fixtures_models import make_seq2seq, number_vocab

from transformer_core.char_vocab import CharVocab
from transformer_core.decoding import beam_search, greedy_decode
from transformer_core.trace import DecodeStep
from ui import beam_tree as bt
from ui import models
from ui import seq2seq_figures as figs
from ui import seq2seq_view as v
from ui.encode import InputProblem


@pytest.fixture(scope="module")
def s2s(tmp_path_factory):
    folder = make_seq2seq(tmp_path_factory.mktemp("m") / "numbers", n_layers=1, n_decoder_layers=2)
    return models.load(models.describe_folder(folder, "shipped", key="numbers"))


# ── the source ────────────────────────────────────────────────────────────────────────────────────────
def test_prepare_source_encodes_characters_then_eos():
    vocab = number_vocab()
    src = v.prepare_source("  three   hundred ", vocab, 64)
    assert src.text == "three hundred"
    assert src.ids == vocab.encode("three hundred") + [vocab.eos_id]
    assert src.tokens[5] == "␣" and src.tokens[-1] == "[EOS]" and len(src.tokens) == 14


def test_prepare_source_explains_problems():
    vocab = number_vocab()
    with pytest.raises(InputProblem) as err:
        v.prepare_source("three 😀 hundred!", vocab, 64)
    assert err.value.key == "s2s_unknown"
    assert err.value.values["chars"] == "“😀” “!”"
    assert "零" in err.value.values["allowed"] and "␣" in err.value.values["allowed"]
    with pytest.raises(InputProblem) as err:
        v.prepare_source(" \t", vocab, 64)
    assert err.value.key == "input_empty"
    src = v.prepare_source("THREE Hundred", vocab, 64)
    assert src.text == "three hundred" and ("s2s_lowercased", {}) in src.notes
    src = v.prepare_source("one " * 2500, vocab, 64)                                # 10,000 characters
    keys = dict(src.notes)
    assert keys["note_chars_cut"]["n"] == 10000 and keys["s2s_cut"]["limit"] == 63
    assert len(src.ids) <= 64
    src = v.prepare_source("fi\x00ve\x07", vocab, 64)
    assert src.text == "five" and "note_control_removed" in dict(src.notes)


# ── greedy decoding and its attention maps ───────────────────────────────────────────────────────────
def test_greedy_attention_maps(s2s):
    run = v.decode_greedy(s2s, "three hundred and five")
    ts, tt = len(run.source.tokens), len(run.written)
    assert run.encoder_attn.shape == (1, 2, ts, ts)
    assert run.decoder_attn.shape == (2, 2, tt, tt) and run.cross_attn.shape == (2, 2, tt, ts)
    for weights in (run.encoder_attn, run.decoder_attn, run.cross_attn):
        assert np.allclose(weights.sum(-1), 1.0, atol=1e-5)
    future = np.triu(np.ones((tt, tt), dtype=bool), k=1)
    assert np.all(run.decoder_attn[..., future] == 0)                             # the causal mask at work
    assert run.decoder_in[0] == "[BOS]" and run.decoder_in[1:] == run.written[:-1]


def step_cross_attention(loaded, text: str) -> list[np.ndarray]:
    """The cross-attention greedy_decode recorded at each step, (Ld, H, Ts) per step."""
    model, src_vocab, tgt_vocab = loaded.model, loaded.tokenizer.source, loaded.tokenizer.target
    source = v.prepare_source(text, src_vocab, model.config.max_len)
    result = greedy_decode(model, torch.tensor([source.ids]), tgt_vocab.bos_id, tgt_vocab.eos_id,
                           v.generation_limit(source, model.config), record=True)
    return [s.cross_attention[0].numpy() for s in result.steps]


def test_one_recorded_pass_equals_step_by_step(s2s):
    run = v.decode_greedy(s2s, "twelve thousand and forty")
    per_step = step_cross_attention(s2s, "twelve thousand and forty")
    assert len(per_step) == len(run.steps) == len(run.written)
    for t, cross in enumerate(per_step):                                          # (Ld, H, Ts) at step t
        assert np.allclose(cross, run.cross_attn[:, :, t], atol=1e-5)


def test_greedy_steps_and_score(s2s):
    run = v.decode_greedy(s2s, "nine")
    assert [s.chosen for s in run.steps] == run.written
    for s in run.steps:
        probs = [p for _, p in s.candidates]
        assert probs == sorted(probs, reverse=True) and len(probs) == v.TOP_C
        assert s.chosen_prob == probs[0]
    assert run.score == pytest.approx(sum(math.log(s.chosen_prob) for s in run.steps), abs=1e-4)
    assert run.steps[2].prefix == ["[BOS]"] + run.written[:2]
    assert len(run.written) <= len("nine") + v.MAX_EXTRA_STEPS


# ── beam search ──────────────────────────────────────────────────────────────────────────────────────
def test_beam_size_one_is_greedy(s2s):
    greedy = v.decode_greedy(s2s, "three hundred and five")
    view = bt.run_beam(s2s, "three hundred and five", 1, n_pruned=0)
    assert view.text == greedy.text and view.score == pytest.approx(greedy.score, abs=1e-4)
    assert v.comparison(greedy, view.text, view.score) == "same"


def test_beam_tree_structure(s2s):
    view = bt.run_beam(s2s, "two million", 3, n_pruned=2)
    nodes = view.nodes
    assert nodes[0].kind == "root" and nodes[0].parent is None
    for n in nodes[1:]:
        parent = nodes[n.parent]
        assert n.step == parent.step + 1 and parent.kind in ("root", "kept")
        assert n.ids[:-1] == parent.ids
        assert n.score == pytest.approx(parent.score + math.log(n.prob), abs=1e-4)
    for step in range(1, max(n.step for n in nodes) + 1):
        kept = [n for n in nodes if n.step == step and n.kind in ("kept", "finished")]
        assert 1 <= len(kept) <= 2 * 3
    best = [n for n in nodes if n.best]
    assert best[-1].kind == "finished" and best[-1].score == pytest.approx(view.score, abs=1e-4)
    assert [n.step for n in best] == list(range(len(best)))                        # one node per step, root first
    assert [h[1] for h in view.hypotheses] == sorted((h[1] for h in view.hypotheses), reverse=True)


def _step(step, beams, scores, cands, probs, kept, kept_scores, finished):
    return DecodeStep(step, torch.tensor(beams), torch.tensor(scores), torch.tensor(cands), torch.tensor(probs),
                      kept, torch.tensor(kept_scores), finished, torch.zeros(len(beams), 1, 1, 1))


def test_build_tree_by_hand():
    """Two steps of a K = 2 search over the vocabulary {a, b}: ids a = 4, b = 5, [EOS] = 2."""
    vocab = CharVocab("ab")
    la, lb = math.log(0.6), math.log(0.3)
    steps = [_step(0, [[1]], [0.0], [[4, 5, 2]], [[0.6, 0.3, 0.1]], ((0, 4), (0, 5)), [la, lb], ()),
             _step(1, [[1, 4], [1, 5]], [la, lb], [[2, 4, 5], [4, 2, 5]], [[0.7, 0.2, 0.1], [0.5, 0.4, 0.1]],
                   ((0, 2), (1, 4), (0, 4)), [la + math.log(0.7), lb + math.log(0.5), la + math.log(0.2)], (0,))]
    nodes = bt.build_tree(steps, vocab, n_pruned=1)
    summary = [(n.step, n.parent, n.token, n.kind) for n in nodes]
    assert summary == [(0, None, "[BOS]", "root"), (1, 0, "a", "kept"), (1, 0, "b", "kept"),
                       (1, 0, "[EOS]", "pruned"), (2, 1, "[EOS]", "finished"), (2, 2, "a", "kept"),
                       (2, 1, "a", "kept"), (2, 1, "b", "pruned"), (2, 2, "[EOS]", "pruned")]
    assert nodes[4].prob == pytest.approx(0.7) and nodes[5].prob == pytest.approx(0.5)
    rows = bt.layout(nodes)
    assert rows == 6                                                               # the leaves
    for n in nodes:
        if n.children:
            assert n.y == pytest.approx(np.mean([nodes[c].y for c in n.children]))
    leaves = sorted(n.y for n in nodes if not n.children)
    assert leaves == list(range(6))


def test_tree_figure(s2s):
    view = bt.run_beam(s2s, "five", 2, n_pruned=1)
    fig = bt.tree_figure(view, "zh").to_dict()
    names = [d.get("name") for d in fig["data"] if d.get("showlegend", True) and d.get("name")]
    assert names == ["保留在束中", "已完成（[EOS]）", "被剪掉（不在前 K 名）", "最佳句子"]
    drawn = sum(len(d["x"]) for d in fig["data"] if d.get("mode") == "markers+text")
    assert drawn == len(view.nodes)
    best_edges = [d for d in fig["data"] if d.get("mode") == "lines" and d["line"]["width"] == 4 and len(d["x"]) > 1]
    assert len(best_edges[0]["x"]) == 3 * (sum(n.best for n in view.nodes) - 1)   # one segment per step


# ── figures ──────────────────────────────────────────────────────────────────────────────────────────
def test_causal_heatmap_greys_the_future():
    w = np.tril(np.ones((4, 4)))
    w = w / w.sum(1, keepdims=True)
    fig = figs.attention_heatmap(w, list("abcd"), list("abcd"), "t", "en", causal=True, highlight_row=2).to_dict()
    weights, grey = fig["data"]
    assert weights["z"][0] == [1.0, None, None, None] and weights["z"][3] == [0.25] * 4
    assert grey["z"][0] == [None, 1, 1, 1] and grey["z"][3] == [None] * 4
    assert grey["text"][1] == ["", "", "−∞", "−∞"]
    assert fig["layout"]["shapes"][0]["y0"] == 1.5
    plain = figs.attention_heatmap(w, list("abcd"), list("abcd"), "t", "en").to_dict()
    assert len(plain["data"]) == 1


def test_candidates_and_cross_bar():
    fig = figs.candidates_figure([("三", 0.7), ("二", 0.2)], 0, "zh").to_dict()
    assert fig["data"][0]["x"] == [0.7, 0.2] and fig["data"][0]["marker"]["color"][0] == "#e65100"
    assert "第 1 步" in fig["layout"]["title"]["text"]
    cross = np.random.default_rng(0).dirichlet(np.ones(3), size=(2, 4))              # (H, Tt, Ts)
    bar = figs.cross_bar(cross, ["a", "b", "[EOS]"], 1, "三", 0, 1, "en").to_dict()
    assert bar["data"][0]["y"] == pytest.approx(cross[1, 1].tolist())
    assert bar["data"][1]["y"] == pytest.approx(cross[:, 1].mean(0).tolist())


def test_sentence_probability_and_comparison():
    assert v.sentence_probability(math.log(0.5)) == "50.00%"
    assert v.sentence_probability(-40.0) == "4.2e-18"
    greedy = v.Greedy(None, [], "三", -2.0, True, [], [], [], None, None, None)
    assert v.comparison(greedy, "三", -2.0) == "same"
    assert v.comparison(greedy, "四", -1.0) == "beam_better"
    assert v.comparison(greedy, "四", -3.0) == "different"


class _TableModel:
    """A stand-in decoder with fixed next-token probabilities, so a beam search can be followed by hand.
    Vocabulary: 0 [PAD], 1 [BOS], 2 [EOS], 3 "a", 4 "b". From [BOS]: a .9, [EOS] .05, b .05; after one "a":
    a .98; after "aa": [EOS] .99; after "b": [EOS] .5, b .5."""

    config = SimpleNamespace(max_len=12, position="learned", pad_token_id=0)
    TABLE = {(1,): [0.9, 0.05, 0.05], (1, 3): [0.98, 0.01, 0.01], (1, 3, 3): [0.005, 0.99, 0.005]}

    def encode(self, src):
        return torch.zeros(1, src.size(1), 4), None

    def decode(self, prefix, memory, src, record=False):
        rows = []
        for p in prefix.tolist():
            a, eos, b = self.TABLE.get(tuple(p), [0.01, 0.5, 0.49])
            rows.append([1e-9, 1e-9, eos, a, b])
        probs = torch.tensor(rows)[:, None, :].expand(-1, prefix.size(1), -1)          # (K, t, V)
        return probs.log(), None


def test_beam_search_does_not_stop_while_a_live_prefix_is_better():
    """Two poor sentences finish early ([EOS] at −3.0, "b[EOS]" at −3.7) while "aa" (−0.12) is still being
    written: the search must go on until no live prefix can beat the K-th finished one."""
    result = beam_search(_TableModel(), torch.tensor([[5]]), bos=1, eos=2, beam_size=2, max_len=8)
    assert result.tokens == [1, 3, 3, 2]
    assert result.score == pytest.approx(math.log(0.9) + math.log(0.98) + math.log(0.99), abs=1e-5)
    greedy = greedy_decode(_TableModel(), torch.tensor([[5]]), bos=1, eos=2, max_len=8)
    assert greedy.tokens[0].tolist() == result.tokens
