"""Fine-tune a classifier, live: base model → labelled data → settings → train → test, mistakes, attention.

Thin page: widgets and layout. The logic lives in ui/studio/finetune.py (data and settings) and
ui/studio/finetune_results.py (what came out); the run itself is a LiveRun owned by this session.
"""
from __future__ import annotations

import streamlit as st
import torch

from transformer_core import CheckpointError, load_pretrained
from transformer_core.config import ConfigError
from transformer_core.errors import DataError
from transformer_core.kinds import CLASSIFY
from transformer_core.train.checks import MAX_UNKNOWN_SHARE, unknown_share
from ui import sentiment_view as sv
from ui.encode import InputProblem
from ui.examples import sentiment_example
from ui.i18n import TERMS, error_text, tr
from ui.model_names import display_name
from ui.st import page, session
from ui.st import studio_panel as panel
from ui.st.widgets import kept
from ui.studio import figures as fg
from ui.studio import finetune as fn
from ui.studio import finetune_results as fr
from ui.studio import speed
from ui.studio.live import ACTIVE

KIND = "finetune"
lang = session.lang()
mine = panel.mine(KIND)                   # this page's own session keys


def say(key: str, **values) -> str:
    return fn.TEXT(key, lang, **values)


def say_results(key: str, **values) -> str:
    return fr.TEXT(key, lang, **values)


def base_section():
    """(the picked BERT's source, its tokenizer), or None after saying why there is none."""
    st.header(say("h_base"))
    bases = fn.base_models(session.sources())
    if not bases:
        st.info(say("no_base"))
        return None
    names = {b.key: display_name(b, lang) for b in bases}
    key = kept(st.selectbox, say("base"), key="keep_ft_base", default=fn.default_base(bases, lang),
               options=list(names), format_func=names.get)
    base = next(b for b in bases if b.key == key)
    if base.can(CLASSIFY):
        st.caption(say("base_classifier"))
    try:
        return base, session.load_model(base).tokenizer
    except CheckpointError as err:
        page.problem(err, lang)
        return None


def data_section(base) -> fn.Dataset | None:
    st.header(say("h_data"))
    options = [*fn.shipped_sets(), fn.UPLOAD]
    name = kept(st.selectbox, say("dataset"), key="keep_ft_set", default=fn.default_set(options, base.lang),
                options=options, format_func=lambda n: fn.set_label(n, lang))
    dataset = fn.load_shipped(name) if name != fn.UPLOAD else upload_section()
    if dataset is None:
        return None
    train, test = dataset.counts()
    st.write(say("sizes", train=sum(train), test=sum(test)))
    cols = st.columns([1, 2])
    cols[0].dataframe(fn.label_table(dataset, lang), hide_index=True)
    cols[0].caption(say("split_note"))
    cols[1].caption(say("samples"))
    cols[1].dataframe(fn.sample_rows(dataset, lang), hide_index=True)
    return dataset


def upload_section() -> fn.Dataset | None:
    """Parse an upload once (per file); its rows live in session state until another file replaces them."""
    # no type=[...]: Streamlit checks a file's name against it before the page runs and raises its own exception
    # (a .zip posted past the browser's filter broke the page); read_labelled checks what the file holds instead
    upload = st.file_uploader(say("upload"), key="ft_upload")
    if upload is not None and mine.get("upload_id") != upload.file_id:
        mine.upload_id, mine.upload_data, mine.upload_error = upload.file_id, None, None
        try:
            mine.upload_data = fn.split_upload(upload.getvalue())
        except DataError as err:
            mine.upload_error = f"{tr('studio.bad_file', lang)} {error_text(err, lang)}"
        except fn.SplitProblem as err:
            mine.upload_error = fn.TEXT(err.key, lang, **err.values)
    if mine.get("upload_error"):
        st.error(mine.upload_error)
    if mine.get("upload_data") is None:
        st.info(say("upload_wait"))
        st.code("text,label\n\"A wonderful film, I loved it.\",positive\n\"Boring and far too long.\",negative")
    return mine.get("upload_data")


def settings_section(dataset: fn.Dataset, tokenizer, config) -> dict:
    """The run's settings; ``config``: the base model's (its size sets the memory a step needs)."""
    st.header(say("h_settings"))
    pooling = kept(st.radio, say("pooling"), key="keep_ft_pooling", default="cls", options=["cls", "mean"],
                   horizontal=True, format_func=lambda p: say(f"pool_{p}"),
                   captions=[say("pool_cls_help"), say("pool_mean_help")])
    cols = st.columns(5)
    lo, hi = fn.LIMITS["steps"]
    steps = int(kept(cols[0].number_input, TERMS("steps", lang), lo, hi, step=50, key="keep_ft_steps",
                     default=fn.DEFAULTS["steps"]))
    lo, hi = fn.LIMITS["batch_size"]
    batch = int(kept(cols[1].number_input, TERMS("batch_size", lang), lo, hi, key="keep_ft_batch",
                     default=fn.DEFAULTS["batch_size"]))
    lr_text = kept(cols[2].text_input, TERMS("lr", lang), key="keep_ft_lr", default=fn.DEFAULTS["lr"],
                   help=say("lr_help"), max_chars=20)
    lo, hi = fn.LIMITS["max_len"]
    max_len = int(kept(cols[3].number_input, say("max_len"), lo, hi, step=16, key="keep_ft_len",
                       default=fn.DEFAULTS["max_len"]))
    device = kept(cols[4].selectbox, TERMS("device", lang), key="keep_ft_device", default="cpu",
                  options=fn.device_options(torch.cuda.is_available()), format_func=lambda d: TERMS(f"dev_{d}", lang))
    n_train = len(dataset.train_texts)
    lengths = fn.token_lengths(tokenizer, dataset.train_texts, min(max_len, config.max_len))
    tokens = sum(lengths) / max(1, len(lengths))
    mine.step_estimate = fn.step_estimate(batch, tokens)                     # the live panel compares the run
    takes = fn.estimate(steps, batch, tokens, lang, speed.factor(KIND) or 1.0)
    st.caption(f"{say('estimate', time=takes, tokens=tokens)} {speed.note(KIND, lang)} "
               f"{say('epochs', epochs=steps * batch / max(1, n_train))}")
    if speed.busy_message(lang):
        st.warning(speed.busy_message(lang))
    problems = fn.settings_problems(batch, lr_text, n_train, lang)
    too_big = fn.memory_check(config, batch, max(lengths, default=1), lang)     # before a run fails inside
    problems += [too_big] if too_big else []                                    # the allocator
    for problem in problems:
        st.warning(problem)
    return {"pooling": pooling, "steps": steps, "batch_size": batch, "lr": fn.parse_lr(lr_text),
            "max_len": max_len, "device": device, "ok": not problems}


def train_section(base, dataset: fn.Dataset, settings: dict) -> None:
    def start_run() -> None:
        if not settings["ok"]:
            return                                          # the problems are shown above the buttons
        corpus = dataset.name if dataset.name != fn.UPLOAD else fn.write_dataset(panel.workspace(), dataset)
        try:
            config = fn.make_config(base.folder, corpus, **{k: v for k, v in settings.items() if k != "ok"})
        except ConfigError as err:
            mine.start_error = error_text(err, lang)
            return
        if panel.start(KIND, config, lang, checkpoints=fn.checkpoint_count(config.steps)) is not None:
            mine.run = {"dataset": dataset, "base": base, "lang": fn.set_lang(dataset.name) or base.lang or lang}
    if mine.get("start_error"):
        st.error(mine.pop("start_error"))
    panel.controls(KIND, lang, start_run)
    panel.live(KIND, "finetune", lang)


def tuned_model(view):
    """The fine-tuned checkpoint, loaded once per (folder, step) and kept in this session only."""
    key = (str(view.checkpoint), view.checkpoint_step)
    if mine.get("model_key") != key:
        mine.model, mine.test = load_pretrained(view.checkpoint), None
        mine.model_key = key
    return mine.model


def results_section(run, view) -> None:
    inputs = mine.get("run")
    if view.checkpoint is None or view.status in ACTIVE or inputs is None:
        return
    dataset, names = inputs["dataset"], inputs["dataset"].label_names
    try:
        model, tokenizer = tuned_model(view)
    except CheckpointError as err:
        page.problem(err, lang)
        return
    max_len = min(run.config.max_len, model.config.max_len)
    if mine.get("test") is None:
        mine.test = fr.test_result(model, tokenizer, dataset.test_texts, dataset.test_labels, max_len)
    result = mine.test
    st.header(say_results("h_results"))
    st.caption(say_results("results_at", step=view.checkpoint_step, n=len(dataset.test_texts)))
    top, share = fr.majority_share(dataset.train_labels, dataset.test_labels)
    shown = [sv.show_label(n, lang) for n in names]
    left, right = st.columns([1, 3])
    left.metric(say_results("accuracy"), f"{result.accuracy:.1%}")
    left.caption(say_results("baseline", label=shown[top], p=share))
    with right:
        page.chart(fg.confusion_figure(result.matrix, shown, lang), key="ft_confusion")
    st.subheader(say_results("h_mistakes"))
    st.caption(say_results("mistakes_help"))
    rows = fr.mistakes(dataset.test_texts, result, names, lang)
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.success(say_results("no_mistakes"))
    typed = try_section(model, tokenizer, shown, max_len, inputs["lang"])
    attention_section(inputs["base"], model, tokenizer, typed, dataset.test_texts, max_len)


def try_section(model, tokenizer, shown: list[str], max_len: int, model_lang: str) -> str:
    st.subheader(say_results("h_try"))
    example = sentiment_example(model_lang, "pos")
    text = kept(st.text_input, say_results("try"), key=f"keep_ft_try_{model_lang}", default=example, max_chars=500)
    try:
        enc, probs = fr.classify_one(model, tokenizer, text, max_len)
    except InputProblem as err:
        page.problem(err, lang)
        return text
    page.notes(enc, lang)
    best = int(probs.argmax())
    st.markdown(tr("sentiment.predicted", lang, label=shown[best], p=float(probs[best])))
    page.chart(fg.probabilities_bar(probs, shown, lang), key="ft_try_probs")
    return text


def attention_section(base_source, model, tokenizer, typed: str, test_texts: list[str], max_len: int) -> None:
    st.subheader(say_results("h_attention"))
    st.write(say_results("attention_help"))
    try:
        base = session.load_model(base_source).model
    except CheckpointError as err:
        page.problem(err, lang)
        return
    picks = [typed, *test_texts[:10]]
    cols = st.columns([3, 1, 1])
    picked = kept(cols[0].selectbox, TERMS("sentence", lang), key="keep_ft_sentence", default=0,
                  options=list(range(len(picks))),
                  format_func=lambda k: say_results("typed") if k == 0 else picks[k][:80])
    n_layers, n_heads = model.config.n_layers, model.config.n_heads
    layer = kept(cols[1].selectbox, TERMS("layer", lang), key="keep_ft_layer", default=n_layers - 1,
                 options=list(range(n_layers)), format_func=lambda k: f"{k + 1}")
    head = kept(cols[2].selectbox, TERMS("head", lang), key="keep_ft_head", default=-1, options=[-1, *range(n_heads)],
                format_func=lambda h: fr.head_label(h, lang))
    try:
        tokens, before, after = fr.before_after_maps(base, model, tokenizer, picks[picked], layer,
                                                     None if head < 0 else head, max_len)
    except InputProblem as err:
        page.problem(err, lang)
        return
    st.metric(say_results("cls_moved"), f"{fr.cls_moved(before, after):.2f}", help=say_results("cls_moved_help"))
    page.chart(fg.before_after(before, after, tokens, lang, say_results("base_title"), say_results("tuned_title")),
               key="ft_before_after")


def main() -> None:
    page.header(say("title"), say("intro"))
    page.formula(r"p(y \mid \text{text}) = \mathrm{softmax}(W\,v_\theta(\text{text}) + b)", say("formula_caption"))
    picked = base_section()
    dataset = data_section(picked[0]) if picked is not None else None
    if dataset is None:
        return
    base, tokenizer = picked
    data_key = (base.key, dataset.name, mine.get("upload_id") if dataset.name == fn.UPLOAD else None)
    if mine.get("unknown_key") != data_key:                         # 150 ms of tokenizing: once per choice
        mine.unknown, mine.unknown_key = unknown_share(tokenizer, dataset.train_texts), data_key
    unknown = mine.unknown                                           # a Chinese set on an English model …
    if unknown > MAX_UNKNOWN_SHARE:
        st.error(f"{say('lang_mismatch')} ({say('unknown_share', share=unknown)})")
        return                                                      # … would train on [UNK]: no start button
    settings = settings_section(dataset, tokenizer, session.load_model(base).model.config)
    train_section(base, dataset, settings)
    run = panel.current(KIND)
    if run is not None:
        results_section(run, run.view())
        save_section(run.view())
    page.show_code(fn.split_upload, fr.classify_texts, fr.attention_map, lang=lang)


def save_section(view) -> None:
    """Name the classes in the checkpoint (so the saved model says "positive", not "class 1"), then save."""
    inputs = mine.get("run")
    if inputs is None:
        return
    if view.checkpoint is not None and view.status not in ACTIVE:
        try:
            fr.write_label_names(view.checkpoint, inputs["dataset"].label_names)
        except OSError:
            pass                                           # a checkpoint being replaced: named on the next rerun
    panel.save_box(KIND, lang, fn.default_label(inputs["dataset"].name, lang), inputs["lang"])


main()
