"""Lessons: a guided path through the explorer's pages. Lesson N, step K comes from the URL (lesson=, step=),
so a teacher can put one step on a slide; each step shows two or three sentences, one live view (the page's
own figure builders, ui/st/lesson_views.py), one thing to try, and often a predict-then-check exercise whose
answer comes from the live model (ui/exercises.py). Content: ui/lessons.py.
"""
from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from ui import exercises, export, lessons
from ui import mlm_view as mv
from ui import seq2seq_view as sq
from ui import state as view_state
from ui.encode import InputProblem, encode
from ui.examples import opening_pair
from ui.i18n import FRAME, tr
from ui.model_names import short_name
from ui.pages import by_url
from ui.st import lesson_views, page, session
from ui.st.export_buttons import export_buttons
from ui.st.keys import Namespace
from ui.st.widgets import kept

lang = session.lang()
state = st.session_state
mine = Namespace("lessons")
PAIR_VIEWS = {"segments", "nsp", "cls", "masking"}          # views that read sentence A and sentence B
HEAD_VIEWS = {"qkv", "scores", "scale", "weights", "context", "heads", "concat", "ablation", "enc", "dec", "cross",
              "greedy", "output"}                           # views that follow a layer and a head picker


def say(key: str, **values) -> str:
    return lessons.TEXT(key, lang, **values)


def go_to(number: int) -> None:
    state.lesson_step = number


# ── which lesson, which step ──
numbers = list(range(1, len(lessons.LESSONS) + 1))
number = kept(st.radio, say("pick"), key=f"lessons_pick@{lang}", store="lesson", default=1, options=numbers,
              fit=lambda v: v if v in numbers else 1, horizontal=True,
              format_func=lambda n: say(f"{lessons.lesson_at(n).name}_title"), on_change=lambda: go_to(1))
lesson = lessons.lesson_at(number)
index = lessons.step_at(lesson, state.get("lesson_step") or 1)
step = lesson.steps[index]
n_steps = len(lesson.steps)
text_key, try_key = lessons.keys(lesson, step)
page.title(say(f"{lesson.name}_title"))
if index == 0:
    st.write(say(f"{lesson.name}_intro"))
results = mine.setdefault("results", {})                    # {(lesson, step): (options, choice, right)}
right = sum(v[2] for k, v in results.items() if k[0] == lesson.name)
n_ex = sum(s.exercise is not None for s in lesson.steps)
st.progress(lessons.progress(index, lesson), text=say("progress", k=index + 1, n=n_steps, right=right, total=n_ex))

# ── the model ──
if lesson.needs == "seq2seq":
    found = sq.seq2seq_sources(session.sources())
    if not found:
        st.info(sq.TEXT("none", lang))
        st.stop()
    loaded = session.load_model(found[0])
    n_layers = max(loaded.config.n_layers, loaded.config.n_decoder_layers or loaded.config.n_layers)
else:
    loaded = page.model_with((lambda s: s.has_mlm) if lesson.needs == "mlm" else (lambda s: s.is_encoder),
                             mv.TEXT("no_mlm", lang), FRAME("needs_mlm", lang, model="{model}", other="{other}"), lang)
    page.random_warning(loaded, lang)
    n_layers = loaded.config.n_layers
config = loaded.config
if mine.get("at") != (lesson.name, index):                   # arriving at a step: its layer and head
    mine.at = (lesson.name, index)
    state.layer, state.head = lessons.fit(step.layer, n_layers), lessons.fit(step.head, config.n_heads)

st.markdown(say(text_key.partition(".")[2]))
if step.view in HEAD_VIEWS:
    layer, head = page.layer_head(type("Size", (), {"n_layers": n_layers, "n_heads": config.n_heads}), lang,
                                  page="lessons")
else:
    layer, head = min(state.get("layer", 0), n_layers - 1), min(state.get("head", 0), config.n_heads - 1)

# ── the live run ──
run = g = b = None
query, masked = 0, ()
if lesson.needs == "seq2seq":
    source_text = state.get("s2s_value") or sq.DEFAULT_SOURCE
    try:
        g = session.greedy(loaded, source_text)
    except InputProblem as err:
        page.problem(err, lang)
        st.stop()
    b = session.beam(loaded, source_text, exercises.BEAM, 1)
    st.caption(say("source", text=source_text))
else:
    text, pair = state.get("text", ""), state.get("pair") if step.view in PAIR_VIEWS else None
    try:
        encoded = encode(loaded.tokenizer, text, None, config.max_len)
    except InputProblem as err:
        page.problem(err, lang)
        st.stop()
    query = lessons.word_position(encoded.tokens, say("word" if lesson.name == "attention" else "mask_word"),
                                  mv.maskable(encoded)) or 0
    masked = (query,) if step.mask else ()
    run = session.run_bert(loaded, text, pair, masked)
    page.language_warning(loaded, text, pair, lang)
here = lesson_views.Here(lang, loaded, run, layer, head, query, g, b)
lesson_views.VIEWS[step.view](here)
st.info(say("try", what=say(try_key.partition(".")[2])))
st.page_link(by_url(step.page).file, label=say("open_page", page=tr(by_url(step.page).title, lang)))

# ── the exercise: predict, then check against the model ──
if step.exercise:
    live = (exercises.Live(model=loaded.model, tokenizer=loaded.tokenizer, greedy=g, beam=b, layer=layer, head=head)
            if g is not None else exercises.live_from_run(loaded, run, masked, layer, head, query))
    question = exercises.build(step.exercise, live)
    st.subheader(say("predict"))
    if question is None:
        st.caption(say("no_question"))
    else:
        st.write(exercises.prompt(question, lang))
        widget = f"lessons_ex_{lesson.name}_{step.name}@{lang}"
        choice = st.radio(say("your_answer"), range(len(question.options)), index=None, key=widget,
                          format_func=lambda i: exercises.option_text(question, i, lang))
        if st.button(say("check"), key=f"{widget}_check", disabled=choice is None):
            results[(lesson.name, step.name)] = (question.options, choice, exercises.correct(question, choice))
            st.rerun()                                       # the score in the progress line follows at once
        got = results.get((lesson.name, step.name))
        if got and got[0] == question.options:
            answer = exercises.option_text(question, question.answer, lang)
            if got[2]:
                st.success(say("right", answer=answer))
            else:
                st.error(say("wrong", answer=answer))
            st.caption(exercises.why(question, lang))

# ── the numbers behind the view, a caption, back / next, the link ──
model_name = short_name(loaded.source, lang)
shown_text = source_text if g is not None else state.get("text", "")
if step.view in HEAD_VIEWS:          # a step that shows no head gets no head caption and no head download
    st.caption(export.caption(model_name, shown_text, lang, layer + 1, head + 1))
    tokens = g.source.tokens if g is not None else run.encoded.tokens
    export_buttons(lang, loaded.source.key, lesson_views.attention_matrix(here), tokens, layer, head, "lessons", run,
                   shown_text)
back, forward = st.columns(2)
back.button(say("back"), key="lessons_back", disabled=index == 0, on_click=go_to, args=(index,), width="stretch")
forward.button(say("next"), key="lessons_next", disabled=index == n_steps - 1, on_click=go_to, args=(index + 2,),
               type="primary", width="stretch")
state.lesson, state.lesson_step = number, index + 1
values = {name: state.get(name) for name in view_state.FIELDS}
st.caption(say("link"))
st.code("/lessons?" + urlencode(view_state.to_params(values)), language=None)
if state.get("text") != opening_pair(lang)[0] and lesson.needs != "seq2seq":
    st.button(say("reset_text"), key="lessons_reset",
              on_click=lambda: state.update(dict(zip(("text", "pair"), opening_pair(lang), strict=True))))
session.sync_url()
