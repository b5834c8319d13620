"""Pretrain a BERT, live: corpus → WordPiece → model size → the data as BERT sees it → train → watch.

Thin page: widgets and layout. Logic lives in ui/studio/ (pretrain.py, plans.py, figures.py), the run
itself in a LiveRun owned by this browser session (ui/studio/live.py).
"""
from __future__ import annotations

import re

import streamlit as st
import torch

from transformer_core.data.masking import MaskingRates
from transformer_core.errors import DataError
from transformer_core.tokenizer import MAX_WORD_CHARS
from transformer_core.train.config import TrainConfig
from transformer_core.train.snapshots import DEFAULT_PROBES
from ui import timelapse_view as tv
from ui.i18n import TERMS, error_text, tr
from ui.st import page, session
from ui.st import studio_panel as panel
from ui.st.widgets import kept, stored
from ui.studio import figures as fg
from ui.studio import memory, plans, speed
from ui.studio import pretrain as pt
from ui.studio.pretrain_text import TEXT

KIND = "pretrain"
BATCH = 32                                # the batch size until the learner picks one
lang = session.lang()
mine = panel.mine(KIND)                   # this page's own session keys


def say(key: str, **values) -> str:
    return TEXT(key, lang, **values)


def memo(name: str, key, make):
    """This session's last ``make()`` for ``name``, rebuilt only when ``key`` changes: the vocabulary
    chart and the masking sample cost ~70 ms together and would otherwise be redrawn on every rerun."""
    found = mine.setdefault("memo", {}).get(name)
    if found is None or found[0] != key:
        found = mine.memo[name] = (key, make())
    return found[1]


def corpus_section() -> tuple[str, list] | None:
    """(corpus for the TrainConfig: a shipped name or our workspace file, its documents) or None."""
    st.header(say("s_corpus"))
    choices = [*pt.shipped_corpora(), "upload"]
    choice = kept(st.radio, say("corpus"), key="keep_pt_corpus", default=lang if lang in choices else choices[0],
                  options=choices, horizontal=True,
                  format_func=lambda c: say(f"corpus_{c}") if f"corpus_{c}" in TEXT else c)
    if choice != "upload":
        return choice, pt.documents_of(choice)
    # no type=[...]: Streamlit checks a file's name against it before the page runs and raises its own exception
    # (a .zip posted past the browser's filter broke the page); the reader checks what the file holds instead
    upload = st.file_uploader(say("upload", mb=pt.UPLOAD_LIMIT_MB), key="pt_upload")
    if upload is not None and mine.get("upload_id") != upload.file_id:
        mine.upload_id = upload.file_id
        try:
            documents, mine.upload_long = pt.without_long_words(pt.read_upload(upload.getvalue()))
        except DataError as err:
            mine.upload_path, mine.upload_error = None, error_text(err, lang)
        else:
            train, held = pt.split_upload(documents)
            workspace = panel.workspace()
            mine.upload_path = str(workspace.save_upload(pt.upload_text(train), "corpus.txt"))
            if held:                                        # the trainer evaluates on NAME-heldout (build.py)
                workspace.save_upload(pt.upload_text(held), "corpus-heldout.txt")
            mine.upload_error = None
    if mine.get("upload_error"):
        st.error(f"{tr('studio.bad_file', lang)} {mine.upload_error}")
    if not mine.get("upload_path"):
        st.info(say("upload_first"))
        return None
    if mine.get("upload_long"):
        st.info(say("long_words", n=mine.upload_long, limit=MAX_WORD_CHARS))
    return mine.upload_path, pt.documents_of(mine.upload_path)


def tokenizer_section(corpus: str, documents) -> tuple | None:
    st.header(say("s_tokenizer"))
    st.write(say("tokenizer_intro"))
    name = corpus if corpus in pt.shipped_corpora() else "upload"
    vocab_size = kept(st.number_input, say("vocab_size"), 200, 30000, step=500, key=f"keep_pt_vocab_{name}",
                      default=pt.default_vocab_size(name, documents))
    wanted = (corpus, int(vocab_size), mine.get("upload_id"))      # a new upload is saved under the same name
    if mine.get("tok_for") != wanted:
        tokenizer = pt.shipped_tokenizer(corpus, int(vocab_size))   # a shipped corpus at its default size: ready
        if tokenizer is None:
            with st.spinner(say("training_tokenizer")):
                try:
                    tokenizer = pt.train_tokenizer(documents, int(vocab_size))
                except DataError as err:
                    st.error(error_text(err, lang))
                    return None
        folder = panel.workspace().new_folder("tokenizer")
        tokenizer.save(str(folder / "tokenizer.json"))
        mine.tok_for, mine.tok = wanted, (tokenizer, str(folder))
    tokenizer, folder = mine.tok
    vocab = tokenizer.get_vocab()
    st.caption(say("vocab_learned", n=len(vocab)))
    page.chart(memo("vocab", (folder, lang), lambda: fg.vocab_figure(vocab, lang)), key="pt_vocab_fig")
    left, right = st.columns(2)
    query = kept(left.text_input, say("vocab_search"), key="keep_pt_vocab_q", default="", max_chars=40)
    kind = kept(right.selectbox, say("vocab_kind"), key="keep_pt_vocab_kind", default="all",
                options=["all", "word", "continuation", "char", "cjk", "special"],
                format_func=lambda k: fg.kind_label(k, lang))
    st.dataframe(fg.vocab_table(vocab, query, kind, lang), height=240, hide_index=True)
    sample = documents[0][0][:200]
    st.caption(say("sample_tokens"))
    st.code(" ".join(tokenizer.encode(sample).tokens), language=None, wrap_lines=True)
    return tokenizer, folder


def size_section(tokenizer, batch_size: int) -> plans.Plan:
    st.header(say("s_size"))
    cols = st.columns(6)
    sizes = {"n_layers": kept(cols[0].number_input, say("layers"), 1, 6, key="keep_pt_layers", default=2),
             "d_model": kept(cols[1].number_input, "d_model", 16, 512, step=16, key="keep_pt_d", default=128),
             "n_heads": kept(cols[2].number_input, TERMS("heads", lang), 1, 16, key="keep_pt_heads", default=4),
             "d_ff": kept(cols[3].number_input, "d_ff", 16, 2048, step=64, key="keep_pt_ff", default=512),
             "max_len": kept(cols[4].number_input, say("max_len"), 16, 512, step=16, key="keep_pt_len", default=64),
             "position": kept(cols[5].selectbox, say("position"), key="keep_pt_pos", default="learned",
                              options=plans.POSITIONS, format_func=lambda p: TERMS(f"pos_{p}", lang))}
    plan = plans.model_plan({k: v if isinstance(v, str) else int(v) for k, v in sizes.items()},
                            tokenizer.get_vocab_size(), batch_size, lang)
    for problem in plan.problems:
        st.error(problem)
    if plan.config is not None:
        cols = st.columns(3)
        cols[0].metric(TERMS("params", lang), f"{plan.params:,}")
        step_s = speed.calibrated(KIND, plan.step_seconds)
        cols[1].metric(say("step_time"), f"{step_s:.2g} s" if step_s < 10 else fg.format_duration(step_s, lang),
                       help=speed.note(KIND, lang) or None)
        cols[2].metric(tr("plans.memory_metric", lang), memory.gigabytes(plan.memory))
    return plan


def data_section(documents, tokenizer, max_len: int) -> MaskingRates | None:
    st.header(say("s_data"))
    st.write(say("data_intro"))
    cols = st.columns(4)
    select = kept(cols[0].slider, say("select"), 1, 50, key="keep_pt_select", default=15) / 100
    mask = kept(cols[1].slider, say("to_mask"), 0, 100, key="keep_pt_mask", default=80) / 100
    random = kept(cols[2].slider, say("to_random"), 0, 100, key="keep_pt_random", default=10) / 100
    if cols[3].button(say("another"), key="pt_another"):
        mine.sample_seed = mine.get("sample_seed", 0) + 1
    try:
        rates = MaskingRates(select=select, mask=mask, random=random)
    except DataError:
        st.error(say("rates_sum"))
        return None
    cols[3].caption(say("kept_share", keep=round(rates.keep * 100)))
    seed = mine.get("sample_seed", 0)
    sample, figure = memo("sample", (mine.tok[1], max_len, rates, seed, lang), lambda: _sample(
        documents, tokenizer, max_len, rates, seed))
    page.chart(figure, key="pt_masking")
    counts = fg.masking_counts(sample["fate"])
    st.caption(say("counts", **{k: counts.get(k, 0) for k in ("mask", "random", "kept")},
                 share=round(100 * counts.get("chosen_share", 0))))
    return rates


def _sample(documents, tokenizer, max_len: int, rates: MaskingRates, seed: int):
    sample = pt.masking_sample(documents, tokenizer, max_len, rates, seed)
    return sample, fg.masking_figure(sample["pieces"], sample["shown"], sample["fate"], sample["segments"],
                                     sample["is_next"], lang)


def run_section(corpus, documents, tokenizer, folder, plan, rates) -> None:
    st.header(say("s_train"))
    cols = st.columns(5)
    steps = int(kept(cols[0].number_input, TERMS("steps", lang), 1, 100_000, step=100, key="keep_pt_steps",
                     default=600))
    batch = int(kept(cols[1].number_input, TERMS("batch_size", lang), 1, 256, key="keep_pt_batch", default=BATCH))
    lr = kept(cols[2].select_slider, TERMS("lr", lang), key="keep_pt_lr", default=1e-3,
              options=[1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3])
    n_frames = int(kept(cols[3].number_input, say("frames"), 2, 30, key="keep_pt_frames", default=10,
                        help=say("frames_help")))
    devices = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
    device = kept(cols[4].selectbox, TERMS("device", lang), key="keep_pt_device", default="cpu", options=devices,
                  format_func=lambda d: TERMS(f"dev_{d}", lang))
    if plan.step_seconds:
        mine.step_estimate = plan.step_seconds                         # what the live panel compares the run with
        st.caption(" ".join(x for x in (say("total_time", t=fg.format_duration(
            speed.calibrated(KIND, plan.step_seconds) * steps, lang)), speed.note(KIND, lang)) if x))
        busy = speed.busy_message(lang)
        if busy:
            st.warning(busy)
    probe_lang = "zh" if re.search(r"[\u4e00-\u9fff]", documents[0][0]) else "en"
    probe = kept(st.text_input, say("probe"), key=f"keep_pt_probe_{probe_lang}", default=DEFAULT_PROBES[probe_lang][0],
                 max_chars=200)

    def start_run() -> None:
        config = TrainConfig(task="pretrain", preset="tiny", model=_model_fields(plan.config), corpus=corpus,
                             tokenizer=folder, max_len=plan.config.max_len, batch_size=batch, steps=steps, lr=lr,
                             mlm_probability=rates.select, mlm_mask=rates.mask, mlm_random=rates.random,
                             device=device, eval_batches=4, probes=(probe.strip() or DEFAULT_PROBES[probe_lang][0],
                                                                    DEFAULT_PROBES[probe_lang][1]))
        ids = pt.drift_ids(tokenizer, documents)
        capture = pt.embedding_capture(ids, [tokenizer.id_to_token(i) for i in ids])
        mine.model_lang = probe_lang
        panel.start(KIND, config, lang, capture=capture, checkpoints=n_frames)

    if plan.config is None or rates is None:
        st.warning(say("fix_first"))
    else:
        panel.controls(KIND, lang, start_run)
    panel.live(KIND, "pretrain", lang, extra=timelapse)
    panel.save_box(KIND, lang, say("default_label"), mine.get("model_lang", lang))


def _model_fields(config) -> dict:
    return {k: getattr(config, k) for k in ("n_layers", "d_model", "n_heads", "d_ff", "position")}


def timelapse(view) -> None:
    """Inside the live fragment: attention of the probe and the embedding drift, one frame per checkpoint."""
    if view.checkpoint is None:
        return
    st.subheader(say("s_timelapse"))
    key = (str(view.checkpoint), view.checkpoint_step)
    if mine.get("snap_key") != key:
        mine.snap_key, mine.snaps = key, tv.load(str(view.checkpoint))
    meta, by_step = mine.snaps
    if not meta["steps"]:
        return
    first = by_step[meta["steps"][0]][0]
    config = type("C", (), {"n_layers": first.shape[0], "n_heads": first.shape[1]})
    layer, head = page.layer_head(config, lang, page="studio")
    page.chart(tv.animation(meta, by_step, 0, layer, head, lang), key="pt_timelapse")
    frames = pt.drift_frames(view.frames)
    if frames:
        st.subheader(say("s_drift"))
        st.caption(say("drift_intro"))
        page.chart(fg.embedding_drift(frames, view.frames[-1].data["tokens"], lang), key="pt_drift")


def main() -> None:
    page.header(say("title"), say("intro"))
    picked = corpus_section()
    if picked is None:
        return
    corpus, documents = picked
    st.caption(say("stats", **pt.corpus_stats(documents)))
    tok = tokenizer_section(corpus, documents)
    if tok is None:
        return
    tokenizer, folder = tok
    plan = size_section(tokenizer, int(st.session_state.get(stored("keep_pt_batch"), BATCH)))   # drawn further down
    max_len = plan.config.max_len if plan.config else 64
    rates = data_section(documents, tokenizer, max_len)
    run_section(corpus, documents, tokenizer, folder, plan, rates)


main()
