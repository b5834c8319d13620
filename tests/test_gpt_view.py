"""The pure builders of the BERT vs GPT page."""
import numpy as np
import torch

from transformer_core.sampling import cut, describe
from ui import gpt_view as gv


def test_masks_are_all_ones_and_the_lower_triangle():
    bert, gpt = gv.masks(4)
    assert bert.sum() == 16 and np.array_equal(gpt, np.tril(np.ones((4, 4))))
    assert gv.future_share(gpt) == 0 and gv.future_share(bert) > 0


def test_plan_checks_every_setting():
    ids, tokens = [1] + list(range(10, 40)), ["[CLS]"] + [f"w{i}" for i in range(30)]
    p = gv.plan(ids, tokens, max_len=32, vocab_size=100, steps=10, temperature=0.0, top_k=500, top_p=2.0)
    keys = [k for k, _ in p.notes]
    assert keys == ["greedy", "top_k_all", "prompt_cut"]
    assert p.temperature == 0 and p.top_k == 0 and p.top_p == 1.0
    assert len(p.ids) + p.steps == 32 and p.ids[0] == 1 and p.ids[-1] == 39 and p.tokens[0] == "[CLS]"
    fine = gv.plan([1, 2], ["[CLS]", "a"], 32, 100, 5, 0.7, 5, 0.9)
    assert fine.notes == [] and (fine.steps, fine.temperature, fine.top_k, fine.top_p) == (5, 0.7, 5, 0.9)
    assert gv.plan([1, 2], ["[CLS]", "a"], 32, 100, 500, float("nan"), -3, 0.0).steps == gv.MAX_STEPS


def test_join_pieces():
    assert gv.join_pieces(["[CLS]", "the", "play", "##ing", "cat", ",", "said"]) == "the playing cat, said"
    assert gv.join_pieces(["[CLS]", "今", "天", "天", "气", "很", "好", "。"]) == "今天天气很好。"


def test_step_figure_and_table_show_the_cut():
    class Tok:
        def id_to_token(self, i):
            return f"t{i}"
    c = cut(torch.tensor([0.05, 0.4, 0.1, 0.3, 0.15]).log(), 1.0, top_k=2)
    step = describe(c, 1, position=3, shown=5)
    fig = gv.step_figure(step, Tok(), "en")
    before, after = fig.data
    assert list(before.y) == ["→ t1", "t3", "(t4)", "(t2)", "(t0)"]
    assert np.allclose(after.x, [4 / 7, 3 / 7, 0, 0, 0])
    table = gv.steps_table([step], Tok(), "zh")
    assert table.shape == (1, 5) and table.iloc[0, 3] == 2


def test_generated_text_is_shown_as_written():
    assert gv.markdown_safe('"he" said *so* for $5 <b>') == '"he" said \\*so\\* for \\$5 \\<b\\>'


def test_a_long_prefix_keeps_its_end_for_the_chart_title():
    from ui.gpt_view import tail
    assert tail("The cat sat on the ") == "The cat sat on the"                   # 18 columns: whole
    assert tail("今天天气很好，") == "今天天气很好，"                               # 14 columns: whole
    assert tail("今天天气很好，我们去公园散步，看见了") == "…去公园散步，看见了"     # 2 columns each: 18 of 19
    assert tail("I think that the weather will be") == "…the weather will be"
    assert tail("") == ""
