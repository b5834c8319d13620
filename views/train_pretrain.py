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
from transformer_core.train.config import TrainConfig
from transformer_core.train.snapshots import DEFAULT_PROBES
from ui import timelapse_view as tv
from ui.st import page, session
from ui.st import studio_panel as panel
from ui.st.studio_panel import kept
from ui.studio import figures as fg
from ui.studio import plans, speed
from ui.studio import pretrain as pt
from ui.studio.file_errors import explain
from ui.studio.pretrain_text import TEXT

KIND = "pretrain"
VOCAB_DEFAULTS = {"en": 2000, "zh": 4000, "upload": 4000}
lang = session.lang()
s = st.session_state


def T(key: str, **values) -> str:
    return TEXT(key, lang, **values)


def memo(name: str, key, make):
    """This session's last ``make()`` for ``name``, rebuilt only when ``key`` changes: the vocabulary
    chart and the masking sample cost ~70 ms together and would otherwise be redrawn on every rerun."""
    found = s.setdefault("pt_memo", {}).get(name)
    if found is None or found[0] != key:
        found = s.pt_memo[name] = (key, make())
    return found[1]


def corpus_section() -> tuple[str, list] | None:
    """(corpus for the TrainConfig: a shipped name or our workspace file, its documents) or None."""
    st.header(T("s_corpus"))
    choices = [*pt.shipped_corpora(), "upload"]
    choice = st.radio(T("corpus"), choices, key=kept("keep_pt_corpus", lang if lang in choices else choices[0]),
                      horizontal=True,
                      format_func=lambda c: T(f"corpus_{c}") if f"corpus_{c}" in TEXT else c)
    if choice != "upload":
        return choice, pt.documents_of(choice)
    upload = st.file_uploader(T("upload", mb=pt.UPLOAD_LIMIT_MB), type=["txt"], key="pt_upload")
    if upload is not None and s.get("pt_upload_id") != upload.file_id:
        s.pt_upload_id = upload.file_id
        try:
            documents = pt.read_upload(upload.getvalue())
        except DataError as err:
            s.pt_upload_path, s.pt_upload_error = None, explain(str(err), lang)
        else:
            train, held = pt.split_upload(documents)
            workspace = panel.workspace()
            s.pt_upload_path = str(workspace.save_upload(pt.upload_text(train), "corpus.txt"))
            if held:                                        # the trainer evaluates on NAME-heldout (build.py)
                workspace.save_upload(pt.upload_text(held), "corpus-heldout.txt")
            s.pt_upload_error = None
    if s.get("pt_upload_error"):
        st.error(f"{T('bad_file')} {s.pt_upload_error}")
    if not s.get("pt_upload_path"):
        st.info(T("upload_first"))
        return None
    return s.pt_upload_path, pt.documents_of(s.pt_upload_path)


def tokenizer_section(corpus: str, documents) -> tuple | None:
    st.header(T("s_tokenizer"))
    st.write(T("tokenizer_intro"))
    name = corpus if corpus in VOCAB_DEFAULTS else "upload"          # Chinese needs room for its characters
    vocab_size = st.number_input(T("vocab_size"), 200, 30000, step=500,
                                 key=kept(f"keep_pt_vocab_{name}", VOCAB_DEFAULTS[name]))
    wanted = (corpus, int(vocab_size), s.get("pt_upload_id"))      # a new upload is saved under the same name
    if s.get("pt_tok_for") != wanted:
        with st.spinner(T("training_tokenizer")):
            try:
                tokenizer = pt.train_tokenizer(documents, int(vocab_size))
            except DataError as err:
                st.error(explain(str(err), lang))
                return None
        folder = panel.workspace().new_folder("tokenizer")
        tokenizer.save(str(folder / "tokenizer.json"))
        s.pt_tok_for, s.pt_tok = wanted, (tokenizer, str(folder))
    tokenizer, folder = s.pt_tok
    vocab = tokenizer.get_vocab()
    st.caption(T("vocab_learned", n=len(vocab)))
    page.chart(memo("vocab", (folder, lang), lambda: fg.vocab_figure(vocab, lang)), key="pt_vocab_fig")
    c1, c2 = st.columns(2)
    query = c1.text_input(T("vocab_search"), key=kept("keep_pt_vocab_q", ""), max_chars=40)
    kind = c2.selectbox(T("vocab_kind"), ["all", "word", "continuation", "char", "cjk", "special"],
                        key=kept("keep_pt_vocab_kind", "all"), format_func=lambda k: fg.kind_label(k, lang))
    st.dataframe(fg.vocab_table(vocab, query, kind, lang), height=240, hide_index=True)
    sample = documents[0][0][:200]
    st.caption(T("sample_tokens"))
    st.code(" ".join(tokenizer.encode(sample).tokens), language=None, wrap_lines=True)
    return tokenizer, folder


def size_section(tokenizer, batch_size: int) -> plans.Plan:
    st.header(T("s_size"))
    c = st.columns(6)
    sizes = {"n_layers": c[0].number_input(T("layers"), 1, 6, key=kept("keep_pt_layers", 2)),
             "d_model": c[1].number_input("d_model", 16, 512, step=16, key=kept("keep_pt_d", 128)),
             "n_heads": c[2].number_input(T("heads"), 1, 16, key=kept("keep_pt_heads", 4)),
             "d_ff": c[3].number_input("d_ff", 16, 2048, step=64, key=kept("keep_pt_ff", 512)),
             "max_len": c[4].number_input(T("max_len"), 16, 512, step=16, key=kept("keep_pt_len", 64)),
             "position": c[5].selectbox(T("position"), plans.POSITIONS, key=kept("keep_pt_pos", "learned"),
                                        format_func=lambda p: T(f"pos_{p}"))}
    plan = plans.model_plan({k: v if isinstance(v, str) else int(v) for k, v in sizes.items()},
                            tokenizer.get_vocab_size(), batch_size, lang)
    for problem in plan.problems:
        st.error(problem)
    if plan.config is not None:
        m = st.columns(3)
        m[0].metric(T("params"), f"{plan.params:,}")
        step_s = speed.calibrated(KIND, plan.step_seconds)
        m[1].metric(T("step_time"), f"{step_s:.2g} s" if step_s < 10 else fg.format_duration(step_s, lang),
                    help=speed.note(KIND, lang) or None)
        s.pt_step_estimate = plan.step_seconds
    return plan


def data_section(documents, tokenizer, max_len: int) -> MaskingRates | None:
    st.header(T("s_data"))
    st.write(T("data_intro"))
    c = st.columns(4)
    select = c[0].slider(T("select"), 1, 50, key=kept("keep_pt_select", 15)) / 100
    mask = c[1].slider(T("to_mask"), 0, 100, key=kept("keep_pt_mask", 80)) / 100
    random = c[2].slider(T("to_random"), 0, 100, key=kept("keep_pt_random", 10)) / 100
    if c[3].button(T("another"), key="pt_another"):
        s.pt_sample_seed = s.get("pt_sample_seed", 0) + 1
    try:
        rates = MaskingRates(select=select, mask=mask, random=random)
    except DataError:
        st.error(T("rates_sum"))
        return None
    c[3].caption(T("kept_share", keep=round(rates.keep * 100)))
    seed = s.get("pt_sample_seed", 0)
    sample, figure = memo("sample", (s.pt_tok[1], max_len, rates, seed, lang), lambda: _sample(
        documents, tokenizer, max_len, rates, seed))
    page.chart(figure, key="pt_masking")
    counts = fg.masking_counts(sample["fate"])
    st.caption(T("counts", **{k: counts.get(k, 0) for k in ("mask", "random", "kept")},
                 share=round(100 * counts.get("chosen_share", 0))))
    return rates


def _sample(documents, tokenizer, max_len: int, rates: MaskingRates, seed: int):
    sample = pt.masking_sample(documents, tokenizer, max_len, rates, seed)
    return sample, fg.masking_figure(sample["pieces"], sample["shown"], sample["fate"], sample["segments"],
                                     sample["is_next"], lang)


def run_section(corpus, documents, tokenizer, folder, plan, rates) -> None:
    st.header(T("s_train"))
    c = st.columns(5)
    steps = int(c[0].number_input(T("steps"), 1, 100_000, step=100, key=kept("keep_pt_steps", 600)))
    batch = int(c[1].number_input(T("batch"), 1, 256, key=kept("keep_pt_batch", 32)))
    lr = c[2].select_slider(T("lr"), [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3], key=kept("keep_pt_lr", 1e-3))
    n_frames = int(c[3].number_input(T("frames"), 2, 30, key=kept("keep_pt_frames", 10), help=T("frames_help")))
    devices = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
    device = c[4].selectbox(T("device"), devices, key=kept("keep_pt_device", "cpu"),
                            format_func=lambda d: T(f"dev_{d}"))
    if plan.step_seconds:
        s[f"{KIND}_step_estimate"] = plan.step_seconds              # what the live panel compares the run with
        st.caption(" ".join(x for x in (T("total_time", t=fg.format_duration(
            speed.calibrated(KIND, plan.step_seconds) * steps, lang)), speed.note(KIND, lang)) if x))
        busy = speed.busy_message(lang)
        if busy:
            st.warning(busy)
    probe_lang = "zh" if re.search(r"[\u4e00-\u9fff]", documents[0][0]) else "en"
    probe = st.text_input(T("probe"), key=kept(f"keep_pt_probe_{probe_lang}", DEFAULT_PROBES[probe_lang][0]),
                          max_chars=200)

    def start_run() -> None:
        config = TrainConfig(task="pretrain", preset="tiny", model=_model_fields(plan.config), corpus=corpus,
                             tokenizer=folder, max_len=plan.config.max_len, batch_size=batch, steps=steps, lr=lr,
                             mlm_probability=rates.select, mlm_mask=rates.mask, mlm_random=rates.random,
                             device=device, eval_batches=4, probes=(probe.strip() or DEFAULT_PROBES[probe_lang][0],
                                                                    DEFAULT_PROBES[probe_lang][1]))
        ids = pt.drift_ids(tokenizer, documents)
        capture = pt.embedding_capture(ids, [tokenizer.id_to_token(i) for i in ids])
        s.pt_model_lang = probe_lang
        panel.start(KIND, config, lang, capture=capture, checkpoints=n_frames)

    if plan.config is None or rates is None:
        st.warning(T("fix_first"))
    else:
        panel.controls(KIND, lang, start_run)
    panel.live(KIND, "pretrain", lang, extra=timelapse)
    panel.save_box(KIND, lang, T("default_label"), s.get("pt_model_lang", lang))


def _model_fields(config) -> dict:
    return {k: getattr(config, k) for k in ("n_layers", "d_model", "n_heads", "d_ff", "position")}


def timelapse(view) -> None:
    """Inside the live fragment: attention of the probe and the embedding drift, one frame per checkpoint."""
    if view.checkpoint is None:
        return
    st.subheader(T("s_timelapse"))
    key = (str(view.checkpoint), view.checkpoint_step)
    if s.get("pt_snap_key") != key:
        s.pt_snap_key, s.pt_snaps = key, tv.load(str(view.checkpoint))
    meta, by_step = s.pt_snaps
    if not meta["steps"]:
        return
    first = by_step[meta["steps"][0]][0]
    config = type("C", (), {"n_layers": first.shape[0], "n_heads": first.shape[1]})
    layer, head = page.layer_head(config, lang, page="studio")
    page.chart(tv.animation(meta, by_step, 0, layer, head, lang), key="pt_timelapse")
    frames = pt.drift_frames(view.frames)
    if frames:
        st.subheader(T("s_drift"))
        st.caption(T("drift_intro"))
        page.chart(fg.embedding_drift(frames, view.frames[-1].data["tokens"], lang), key="pt_drift")


def main() -> None:
    page.header(T("title"), T("intro"))
    picked = corpus_section()
    if picked is None:
        return
    corpus, documents = picked
    st.caption(T("stats", **pt.corpus_stats(documents)))
    tok = tokenizer_section(corpus, documents)
    if tok is None:
        return
    tokenizer, folder = tok
    plan = size_section(tokenizer, int(s.get("keep_pt_batch", 32)))
    max_len = plan.config.max_len if plan.config else 64
    rates = data_section(documents, tokenizer, max_len)
    run_section(corpus, documents, tokenizer, folder, plan, rates)


main()
