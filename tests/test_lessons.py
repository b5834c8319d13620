"""Lessons (ui/lessons.py, views/lessons.py) and their exercises (ui/exercises.py): the content is complete in every
language, every step opens in both languages, and every exercise's answer agrees with the model's own numbers on
two models (a shipped one and a tiny random one)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.apptest import open_app_page
from tests.fixtures_models import SENTENCES, make_bert, make_seq2seq
from ui import attention_view as av
from ui import beam_tree as bt
from ui import exercises, lessons, models
from ui import mlm_view as mv
from ui import seq2seq_view as sq
from ui.i18n import LANGS, catalog
from ui.pages import by_url
from ui.st.lesson_views import VIEWS
from ui.st.session import bert_forward

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "assets" / "models"
TEXT, PAIR = "The cat sat on the mat because it was tired.", "It fell asleep in the warm sun."


# ── the content ──────────────────────────────────────────────────────────────────────────────────────

def test_three_lessons_of_8_to_15_steps_each_with_5_exercises_or_more():
    assert [lesson.name for lesson in lessons.LESSONS] == ["attention", "bert", "transformer"]
    for lesson in lessons.LESSONS:
        assert 8 <= len(lesson.steps) <= 15, lesson.name
        assert sum(s.exercise is not None for s in lesson.steps) >= 5, lesson.name
        assert len({s.name for s in lesson.steps}) == len(lesson.steps)
        for step in lesson.steps:
            assert step.view in VIEWS and by_url(step.page)
            assert step.exercise is None or step.exercise in exercises.TEMPLATES


def test_every_lesson_string_and_exercise_string_is_in_every_catalog():
    wanted = lessons.all_keys() + [f"exercises.{t}{end}" for t in exercises.TEMPLATES for end in ("", "_why")]
    for lang in LANGS:
        for key in wanted:
            section, _, name = key.partition(".")
            assert catalog(lang)[section].get(name), (lang, key)


def test_lesson_and_step_numbers_are_forgiving():
    assert lessons.lesson_at(2).name == "bert" and lessons.lesson_at(9).name == "attention"
    assert lessons.step_at(lessons.BERT, 99) == len(lessons.BERT.steps) - 1 and lessons.step_at(lessons.BERT, 0) == 0
    assert lessons.fit(lessons.LAST, 6) == 5 and lessons.fit(9, 2) == 1
    tokens = ["[CLS]", "the", "cat", "sat", "[SEP]"]
    assert lessons.word_position(tokens, "Cat", [1, 2, 3]) == 2 and lessons.word_position(tokens, "dog", [1, 2, 3]) == 2


# ── every step opens, in both languages, and an exercise can be answered ─────────────────────────────

@pytest.mark.parametrize("lang", list(LANGS))
@pytest.mark.parametrize("number", [1, 2, 3])
def test_every_step_opens_and_its_exercise_is_checked(number, lang):
    lesson = lessons.lesson_at(number)
    at = open_app_page("lessons", lang=lang, state={"lesson": number, "lesson_step": 1})
    answered = 0
    for index, step in enumerate(lesson.steps):
        assert not at.exception, (step.name, [e.value for e in at.exception])
        assert at.session_state["lesson_step"] == index + 1
        if step.exercise and at.radio(key=f"lessons_ex_{lesson.name}_{step.name}@{lang}") is not None:
            at.radio(key=f"lessons_ex_{lesson.name}_{step.name}@{lang}").set_value(0).run()
            at.button(key=f"lessons_ex_{lesson.name}_{step.name}@{lang}_check").click().run()
            assert len(at.success) + len(at.error) >= 1, step.name          # the model's answer, right or wrong
            answered += 1
        if index < len(lesson.steps) - 1:
            at.button(key="lessons_next").click().run()
    assert answered >= 5
    assert at.button(key="lessons_next").disabled and not at.exception
    at.button(key="lessons_back").click().run()
    assert at.session_state["lesson_step"] == len(lesson.steps) - 1


# ── every template's answer is the model's: two BERTs, two encoder-decoders ──────────────────────────

def _shipped(name: str) -> models.Loaded | None:
    folder = SHIPPED / name
    return models.load(models.describe_folder(folder, "shipped")) if folder.is_dir() else None


@pytest.fixture(scope="module", params=["minilm-mlm-en", "tiny"])
def bert(request, tmp_path_factory):
    if request.param == "tiny":
        folder = make_bert(tmp_path_factory.mktemp("tiny"), SENTENCES, n_layers=2, n_heads=4, max_len=64)
        return models.load(models.describe_folder(folder, "local"))
    loaded = _shipped(request.param)
    if loaded is None:
        pytest.skip(f"{request.param} is not shipped here")
    return loaded


@pytest.fixture(scope="module", params=["seq2seq-numbers", "tiny"])
def translator(request, tmp_path_factory):
    if request.param == "tiny":
        folder = make_seq2seq(tmp_path_factory.mktemp("s2s"))
        return models.load(models.describe_folder(folder, "local"))
    loaded = _shipped(request.param)
    if loaded is None:
        pytest.skip(f"{request.param} is not shipped here")
    return loaded


def _live(loaded, layer=0, head=0, word="it", mask=False, pair=None) -> exercises.Live:
    from ui.encode import encode
    enc = encode(loaded.tokenizer, TEXT, None, loaded.config.max_len)
    query = lessons.word_position(enc.tokens, word, mv.maskable(enc))
    masked = (query,) if mask else ()
    run = bert_forward(loaded, TEXT, pair, masked)
    return exercises.live_from_run(loaded, run, masked, layer, min(head, loaded.config.n_heads - 1), query)


def test_attention_templates_answer_from_the_trace(bert):
    live = _live(bert, layer=bert.config.n_layers - 1, head=1)
    steps = av.head_steps(live.trace, live.layer, live.head, bert.config.norm_first)
    labels = av.labels(live.tokens)
    q = exercises.build("top_key", live)
    assert q.options[q.answer] == labels[int(np.argmax(steps.weights[live.query]))]
    q = exercises.build("head_shape", live)
    assert q.options[q.answer] == f"{steps.q.shape[0]} × {steps.q.shape[1]}"
    q = exercises.build("row_sum", live)
    assert q.options[q.answer] == "1"
    q = exercises.build("self_most", live)
    plain = av.unprojected(steps.x, steps.allowed)[live.query]
    assert q.options[q.answer] == labels[int(np.argmax(plain))]
    q = exercises.build("sharper", live)
    real, raw = (float(av.entropy_bits(w).mean()) for w in (steps.weights, av.unscaled(steps)))
    assert q.options[q.answer] == ("opt_same" if abs(raw - real) < 0.01 else "opt_sharper" if raw < real
                                   else "opt_flatter")
    assert exercises.build("norm_mean", live).answer == 0               # LayerNorm: mean 0, sd 1 before γ, β
    q = exercises.build("cls_top", live)
    assert q.options[q.answer] == labels[int(np.argmax(steps.weights[0]))]
    for lang in LANGS:                                                   # every question reads in every language
        for name in ("top_key", "head_shape", "row_sum", "self_most", "sharper", "norm_mean", "cls_top"):
            q = exercises.build(name, live)
            assert exercises.prompt(q, lang) and exercises.why(q, lang)
            assert all(exercises.option_text(q, i, lang) for i in range(len(q.options)))


def test_bert_templates_answer_from_the_trace(bert):
    live = _live(bert, layer=bert.config.n_layers - 1, head=0, word="mat", mask=True)
    p = live.masked[0]
    q = exercises.build("fill_mask", live)
    assert q.options[q.answer] == bert.tokenizer.id_to_token(int(live.logits[p].argmax()))
    q = exercises.build("head_off", live)
    best = int(live.logits[p].argmax())
    before = float(live.logits[p].softmax(-1)[best])
    mask = torch.ones(bert.config.n_layers, bert.config.n_heads)
    mask[live.layer, live.head] = 0
    ids = torch.tensor([live.ids])
    with torch.inference_mode():
        after = float(bert.model(ids, torch.ones_like(ids), torch.tensor([live.type_ids]),
                                 head_mask=mask).logits[0, p].softmax(-1)[best])
    assert q.options[q.answer] == ("opt_same" if abs(after - before) <= 1e-4 else
                                   "opt_up" if after > before else "opt_down")
    q = exercises.build("lens_layer", live)
    lens = mv.logit_lens(bert.model, live.trace, p, bert.tokenizer, 1)
    assert all(row[0].id == lens.final.id for row in lens.top[q.answer:])
    assert q.answer == 0 or lens.top[q.answer - 1][0].id != lens.final.id
    q = exercises.build("kept_expected", live)
    assert q.options[q.answer] == "2"                                    # 20 × 10%
    with_pair = _live(bert, pair=PAIR)
    q = exercises.build("nsp", with_pair)
    if with_pair.nsp_probs is None:
        assert q is None
    else:
        assert q.options[q.answer] == ("opt_isnext" if float(with_pair.nsp_probs[0]) >= 0.5 else "opt_notnext")
    assert exercises.build("fill_mask", _live(bert)) is None            # nothing hidden: no question


def test_encoder_decoder_templates_answer_from_the_decoding(translator):
    text = "three hundred and five"
    if not set(text) <= set(translator.tokenizer.source.index):
        text = "".join(ch for ch in text if ch in translator.tokenizer.source.index) or "1"
    g, b = sq.decode_greedy(translator, text), bt.run_beam(translator, text, exercises.BEAM, 1)
    live = exercises.Live(greedy=g, beam=b, layer=0, head=0)
    labels = av.labels(g.source.tokens)
    q = exercises.build("enc_top", live)
    assert q.options[q.answer] == labels[int(np.argmax(g.encoder_attn[0, 0][len(labels) // 2]))]
    assert exercises.build("causal_future", live).options[exercises.build("causal_future", live).answer] == "opt_none"
    q = exercises.build("cross_top", live)
    assert q.options[q.answer] == labels[int(np.argmax(g.cross_attn[0, 0][0]))]
    q = exercises.build("greedy_next", live)
    assert q.options[q.answer] == g.steps[0].chosen == g.written[0]
    q = exercises.build("beam_same", live)
    assert (q.options[q.answer] == "opt_yes") == (b.text == g.text)
    q = exercises.build("beam_score", live)
    expected = "opt_equal" if abs(b.score - g.score) <= 1e-6 else "opt_higher" if b.score > g.score else "opt_lower"
    assert q.options[q.answer] == expected
