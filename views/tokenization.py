"""Tokenization: the shared sentence as word pieces, ids, token types and attention mask; English next to
中文; padding to a batch. Thin page: the grid, tables and notes come from ui/tokens_view.py."""
from __future__ import annotations

import streamlit as st

from transformer_core.tokenizer import load_tokenizer, pieces, word_pieces
from ui import tokens_view as tv
from ui.encode import InputProblem, encode
from ui.examples import tokens_example
from ui.i18n import FRAME, language_name
from ui.model_names import display_name
from ui.st import page, session


@st.cache_resource(max_entries=8, show_spinner=False)
def tokenizer_of(source):
    """Only the tokenizer of another model (no weights read), shared by every session."""
    if source.folder is None:
        return session.load_model(source).tokenizer
    return load_tokenizer(source.folder)


def grid(pieces_, lang, key, **options) -> None:
    page.chart(tv.token_grid(pieces_, lang, **options), key=key)


def main_grid(loaded, run, lang: str) -> None:
    st.subheader(tv.TEXT("grid_header", lang))
    enc = run.encoded
    numbers = tv.stats(list(enc.pieces))
    cols = st.columns(4)
    for col, name in zip(cols, ("words", "pieces", "ratio", "unknown"), strict=True):
        value = numbers[name]
        col.metric(tv.TEXT(f"m_{name}", lang), f"{value:.2f}" if name == "ratio" else int(value))
    grid(list(enc.pieces), lang, "tok_main", sources=(enc.text, enc.pair))
    st.caption(tv.TEXT("grid_caption", lang))
    unknown = tv.unknown_sources(list(enc.pieces), enc.text, enc.pair)
    if unknown:
        st.warning(tv.TEXT("unk_explain", lang, chars=" ".join(f"“{c}”" for c in unknown)))
    with st.expander(tv.TEXT("words_header", lang)):
        spans = word_pieces(loaded.tokenizer, enc.text, enc.pair)
        st.dataframe(tv.word_records(spans, list(enc.pieces), lang), hide_index=True, width="stretch")


def other_example(loaded, lang: str, container) -> None:
    """An example in the other language, read by a model of that language when one is installed."""
    other = tv.other_language(loaded.source.lang, lang)
    language = language_name(other, lang)
    text = container.text_input(tv.TEXT("other_box", lang, language=language), value=tokens_example(other),
                                key=f"tok_other@{other}")
    native = tv.source_for(session.sources(), other)
    tokenizer = tokenizer_of(native) if native else None
    try:
        enc = encode(tokenizer or loaded.tokenizer, text, None, loaded.config.max_len)
    except InputProblem as err:
        with container:
            page.problem(err, lang)
        return
    for key, values in enc.notes:
        if key != "note_unknown":                   # the caption below says it, for this example
            container.info(FRAME(key, lang, **values))
    with container:
        grid(list(enc.pieces), lang, "tok_other", rows=("piece", "id"), per_line=8, sources=(enc.text, None))
    if tokenizer:
        container.caption(tv.TEXT("other_by", lang, model=display_name(native, lang), language=language))
    else:
        container.caption(tv.fallback_note(list(enc.pieces), language, lang))


def side_by_side(loaded, run, lang: str) -> None:
    st.subheader(tv.TEXT("side_header", lang))
    st.write(tv.TEXT("side_intro", lang))
    left, right = st.columns(2)
    left.markdown(tv.TEXT("yours", lang, model=display_name(loaded.source, lang)))
    with left:
        grid(pieces(loaded.tokenizer, run.encoded.text), lang, "tok_yours", rows=("piece", "id"), per_line=8,
             sources=(run.encoded.text, None))
    other_example(loaded, lang, right)


def padding(loaded, run, lang: str) -> None:
    st.subheader(tv.TEXT("pad_header", lang))
    st.write(tv.TEXT("pad_intro", lang))
    real = list(run.encoded.pieces)
    longest = loaded.config.max_len
    if len(real) >= longest:
        st.info(tv.TEXT("pad_full", lang, n=longest))
        return
    high = min(longest, len(real) + 32)
    st.session_state["tok_pad"] = min(max(st.session_state.get("tok_pad", len(real) + 4), len(real)), high)
    length = st.slider(tv.TEXT("pad_length", lang), len(real), high, key="tok_pad")
    padded, mask = tv.pad_to(real, length, loaded.tokenizer.token_to_id("[PAD]") or 0)
    grid(padded, lang, "tok_pad_grid", mask=mask, rows=("position", "piece", "mask"),
         sources=(run.encoded.text, run.encoded.pair))


def main() -> None:
    lang = session.lang()
    page.header(tv.TEXT("title", lang), tv.TEXT("intro", lang))
    page.formula(r"\underbrace{[\mathrm{CLS}]\;a_1\cdots a_n\;[\mathrm{SEP}]}_{\text{token type }0}\;"
                 r"\underbrace{b_1\cdots b_m\;[\mathrm{SEP}]}_{\text{token type }1}\;"
                 r"\underbrace{[\mathrm{PAD}]\cdots}_{\text{mask }0}",
                 tv.TEXT("formula_caption", lang))
    has_pair = tv.usable(st.session_state.get("pair"))
    use_pair = has_pair and st.toggle(tv.TEXT("pair_toggle", lang), value=True, key="tok_use_pair")
    loaded, run = page.model_and_run(lang, pair=use_pair)
    if run is None:
        return
    main_grid(loaded, run, lang)
    side_by_side(loaded, run, lang)
    padding(loaded, run, lang)
    page.show_code(pieces, word_pieces, tv.pad_to, lang=lang)


main()
