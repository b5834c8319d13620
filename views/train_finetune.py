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
from transformer_core.train.checks import MAX_UNKNOWN_SHARE, unknown_share
from ui import sentiment_view as sv
from ui.encode import InputProblem
from ui.model_names import display_name
from ui.st import page, session
from ui.st import studio_panel as panel
from ui.st.studio_panel import kept
from ui.studio import figures as fg
from ui.studio import finetune as fn
from ui.studio import finetune_results as fr
from ui.studio import speed
from ui.studio.file_errors import explain
from ui.studio.live import ACTIVE

KIND = "finetune"
lang = session.lang()
s = st.session_state


def T(key: str, **values) -> str:
    return fn.TEXT(key, lang, **values)


def R(key: str, **values) -> str:
    return fr.TEXT(key, lang, **values)


def choose(label: str, options: list, key: str, default, container=st, **kwargs):
    """A select box whose value survives page changes; a remembered value that vanished falls back."""
    if s.get(key) not in options:
        s[key] = default
    return container.selectbox(label, options, key=kept(key, default), **kwargs)


def base_section():
    """(the picked BERT's source, its tokenizer), or None after saying why there is none."""
    st.header(T("h_base"))
    bases = fn.base_models(session.sources())
    if not bases:
        st.info(T("no_base"))
        return None
    names = {b.key: display_name(b, lang) for b in bases}
    key = choose(T("base"), list(names), "keep_ft_base", fn.default_base(bases, lang), format_func=names.get)
    base = next(b for b in bases if b.key == key)
    if base.architecture == sv.CLASSIFIER:
        st.caption(T("base_classifier"))
    try:
        return base, session.load_model(base).tokenizer
    except CheckpointError as err:
        page.problem(err, lang)
        return None


def data_section(base) -> fn.Dataset | None:
    st.header(T("h_data"))
    options = [*fn.shipped_sets(), fn.UPLOAD]
    name = choose(T("dataset"), options, "keep_ft_set", fn.default_set(options, base.lang),
                  format_func=lambda n: fn.set_label(n, lang))
    dataset = fn.load_shipped(name) if name != fn.UPLOAD else upload_section()
    if dataset is None:
        return None
    train, test = dataset.counts()
    st.write(T("sizes", train=sum(train), test=sum(test)))
    cols = st.columns([1, 2])
    cols[0].dataframe(fn.label_table(dataset, lang), hide_index=True)
    cols[0].caption(T("split_note"))
    cols[1].caption(T("samples"))
    cols[1].dataframe(fn.sample_rows(dataset, lang), hide_index=True)
    return dataset


def upload_section() -> fn.Dataset | None:
    """Parse an upload once (per file); its rows live in session state until another file replaces them."""
    upload = st.file_uploader(T("upload"), type=["csv", "tsv", "txt"], key="ft_upload")
    if upload is not None and s.get("ft_upload_id") != upload.file_id:
        s.ft_upload_id, s.ft_upload_data, s.ft_upload_error = upload.file_id, None, None
        try:
            s.ft_upload_data = fn.split_upload(upload.getvalue())
        except DataError as err:
            s.ft_upload_error = f"{T('bad_file')} {explain(str(err), lang)}"
        except fn.SplitProblem as err:
            s.ft_upload_error = fn.TEXT(err.key, lang, **err.values)
    if s.get("ft_upload_error"):
        st.error(s.ft_upload_error)
    if s.get("ft_upload_data") is None:
        st.info(T("upload_wait"))
        st.code("text,label\n\"A wonderful film, I loved it.\",positive\n\"Boring and far too long.\",negative")
    return s.get("ft_upload_data")


def settings_section(dataset: fn.Dataset, tokenizer) -> dict:
    st.header(T("h_settings"))
    pooling = st.radio(T("pooling"), ["cls", "mean"], key=kept("keep_ft_pooling", "cls"), horizontal=True,
                       format_func=lambda p: T(f"pool_{p}"),
                       captions=[T("pool_cls_help"), T("pool_mean_help")])
    c = st.columns(5)
    lo, hi = fn.LIMITS["steps"]
    steps = int(c[0].number_input(T("steps"), lo, hi, step=50, key=kept("keep_ft_steps", fn.DEFAULTS["steps"])))
    lo, hi = fn.LIMITS["batch_size"]
    batch = int(c[1].number_input(T("batch"), lo, hi, key=kept("keep_ft_batch", fn.DEFAULTS["batch_size"])))
    lr_text = c[2].text_input(T("lr"), key=kept("keep_ft_lr", fn.DEFAULTS["lr"]), help=T("lr_help"), max_chars=20)
    lo, hi = fn.LIMITS["max_len"]
    max_len = int(c[3].number_input(T("max_len"), lo, hi, step=16, key=kept("keep_ft_len", fn.DEFAULTS["max_len"])))
    device = choose(T("device"), fn.device_options(torch.cuda.is_available()), "keep_ft_device", "cpu",
                    container=c[4], format_func=lambda d: T(f"dev_{d}"))
    n_train = len(dataset.train_texts)
    tokens = fn.mean_tokens(tokenizer, dataset.train_texts, max_len)
    s[f"{KIND}_step_estimate"] = fn.step_estimate(batch, tokens)           # the live panel compares the run
    takes = fn.estimate(steps, batch, tokens, lang, speed.factor(KIND) or 1.0)
    st.caption(f"{T('estimate', time=takes, tokens=tokens)} {speed.note(KIND, lang)} "
               f"{T('epochs', epochs=steps * batch / max(1, n_train))}")
    if speed.busy_message(lang):
        st.warning(speed.busy_message(lang))
    problems = fn.settings_problems(batch, lr_text, n_train, lang)
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
            s.ft_start_error = str(err)
            return
        if panel.start(KIND, config, lang, checkpoints=fn.checkpoint_count(config.steps)) is not None:
            s.ft_run = {"dataset": dataset, "base": base, "lang": fn.set_lang(dataset.name) or base.lang or lang}
    if s.get("ft_start_error"):
        st.error(s.pop("ft_start_error"))
    panel.controls(KIND, lang, start_run)
    panel.live(KIND, "finetune", lang)


def tuned_model(view):
    """The fine-tuned checkpoint, loaded once per (folder, step) and kept in this session only."""
    key = (str(view.checkpoint), view.checkpoint_step)
    if s.get("ft_model_key") != key:
        s.ft_model, s.ft_test = load_pretrained(view.checkpoint), None
        s.ft_model_key = key
    return s.ft_model


def results_section(run, view) -> None:
    inputs = s.get("ft_run")
    if view.checkpoint is None or view.status in ACTIVE or inputs is None:
        return
    dataset, names = inputs["dataset"], inputs["dataset"].label_names
    try:
        model, tokenizer = tuned_model(view)
    except CheckpointError as err:
        page.problem(err, lang)
        return
    max_len = min(run.config.max_len, model.config.max_len)
    if s.get("ft_test") is None:
        s.ft_test = fr.test_result(model, tokenizer, dataset.test_texts, dataset.test_labels, max_len)
    result = s.ft_test
    st.header(R("h_results"))
    st.caption(R("results_at", step=view.checkpoint_step, n=len(dataset.test_texts)))
    top, share = fr.majority_share(dataset.train_labels, dataset.test_labels)
    shown = [sv.show_label(n, lang) for n in names]
    left, right = st.columns([1, 3])
    left.metric(R("accuracy"), f"{result.accuracy:.1%}")
    left.caption(R("baseline", label=shown[top], p=share))
    with right:
        page.chart(fg.confusion_figure(result.matrix, shown, lang), key="ft_confusion")
    st.subheader(R("h_mistakes"))
    st.caption(R("mistakes_help"))
    rows = fr.mistakes(dataset.test_texts, result, names, lang)
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.success(R("no_mistakes"))
    typed = try_section(model, tokenizer, shown, max_len, inputs["lang"])
    attention_section(inputs["base"], model, tokenizer, typed, dataset.test_texts, max_len)


def try_section(model, tokenizer, shown: list[str], max_len: int, model_lang: str) -> str:
    st.subheader(R("h_try"))
    example = sv.EXAMPLES.get(model_lang, sv.EXAMPLES["en"])["pos"]
    text = st.text_input(R("try"), key=kept(f"keep_ft_try_{model_lang}", example), max_chars=500)
    try:
        enc, probs = fr.classify_one(model, tokenizer, text, max_len)
    except InputProblem as err:
        page.problem(err, lang)
        return text
    page.notes(enc, lang)
    best = int(probs.argmax())
    st.markdown(R("try_says", label=shown[best], p=float(probs[best])))
    page.chart(fg.probabilities_bar(probs, shown, lang), key="ft_try_probs")
    return text


def attention_section(base_source, model, tokenizer, typed: str, test_texts: list[str], max_len: int) -> None:
    st.subheader(R("h_attention"))
    st.write(R("attention_help"))
    try:
        base = session.load_model(base_source).model
    except CheckpointError as err:
        page.problem(err, lang)
        return
    picks = [typed, *test_texts[:10]]
    c = st.columns([3, 1, 1])
    i = choose(R("sentence"), list(range(len(picks))), "keep_ft_sentence", 0, container=c[0],
               format_func=lambda k: R("typed") if k == 0 else picks[k][:80])
    n_layers, n_heads = model.config.n_layers, model.config.n_heads
    layer = choose(R("layer"), list(range(n_layers)), "keep_ft_layer", n_layers - 1, container=c[1],
                   format_func=lambda k: f"{k + 1}")
    head = choose(R("head"), [-1, *range(n_heads)], "keep_ft_head", -1, container=c[2],
                  format_func=lambda h: fr.head_label(h, lang))
    try:
        tokens, before, after = fr.before_after_maps(base, model, tokenizer, picks[i], layer,
                                                     None if head < 0 else head, max_len)
    except InputProblem as err:
        page.problem(err, lang)
        return
    st.metric(R("cls_moved"), f"{fr.cls_moved(before, after):.2f}", help=R("cls_moved_help"))
    page.chart(fg.before_after(before, after, tokens, lang, R("base_title"), R("tuned_title")), key="ft_before_after")


def main() -> None:
    page.header(T("title"), T("intro"))
    page.formula(r"p(y \mid \text{text}) = \mathrm{softmax}(W\,v_\theta(\text{text}) + b)", T("formula_caption"))
    picked = base_section()
    dataset = data_section(picked[0]) if picked is not None else None
    if dataset is None:
        return
    base, tokenizer = picked
    data_key = (base.key, dataset.name, s.get("ft_upload_id") if dataset.name == fn.UPLOAD else None)
    if s.get("ft_unknown_key") != data_key:                         # 150 ms of tokenizing: once per choice
        s.ft_unknown, s.ft_unknown_key = unknown_share(tokenizer, dataset.train_texts), data_key
    unknown = s.ft_unknown                                           # a Chinese set on an English model …
    if unknown > MAX_UNKNOWN_SHARE:
        st.error(f"{T('lang_mismatch')} ({T('unknown_share', share=unknown)})")
        return                                                      # … would train on [UNK]: no start button
    settings = settings_section(dataset, tokenizer)
    train_section(base, dataset, settings)
    run = panel.current(KIND)
    if run is not None:
        results_section(run, run.view())
        save_section(run.view())
    page.show_code(fn.split_upload, fr.classify_texts, fr.attention_map, lang=lang)


def save_section(view) -> None:
    """Name the classes in the checkpoint (so the saved model says "positive", not "class 1"), then save."""
    inputs = s.get("ft_run")
    if inputs is None:
        return
    if view.checkpoint is not None and view.status not in ACTIVE:
        try:
            fr.write_label_names(view.checkpoint, inputs["dataset"].label_names)
        except OSError:
            pass                                           # a checkpoint being replaced: named on the next rerun
    panel.save_box(KIND, lang, fn.default_label(inputs["dataset"].name, lang), inputs["lang"])


main()
