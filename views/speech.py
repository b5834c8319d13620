"""Speech: a Transformer hears a spoken digit. The spectrogram is the sentence, its 40 ms slices are the tokens."""
from __future__ import annotations

from pathlib import Path

import streamlit as st
import torch

from transformer_core.audio import MAX_BYTES, check_size
from transformer_core.data import speech_digits
from transformer_core.data.speech_digits import sample_clips
from transformer_core.errors import LabError
from transformer_core.speech import SpeechTransformer, load_speech
from ui import models
from ui import speech_view as sv
from ui.st import page, session
from ui.st.widgets import kept

NAME = "speech-digits"
SOURCES = ("sample", "record", "upload")


@st.cache_resource(show_spinner=False)
def speech_model(folder: str) -> SpeechTransformer:
    """The shipped model, shared read-only by every session."""
    model, _ = load_speech(folder)
    return model


@st.cache_data(max_entries=64, show_spinner=False)
def sample_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def recording(lang: str) -> bytes | None:
    """The bytes the learner chose (a sample, a recording, an upload), in memory; None while there are none."""
    source = kept(st.radio, sv.TEXT("source", lang), key=f"speech_source_w@{lang}", store="speech.source",
                  default="sample", options=SOURCES, horizontal=True,
                  format_func=lambda s: sv.TEXT(f"source_{s}", lang))
    if source == "sample":
        folder = speech_digits.SAMPLES                  # read at run time (tests point it elsewhere)
        clips = sample_clips(folder)
        if not clips:
            st.info(sv.TEXT("no_samples", lang))
            return None
        index = kept(st.selectbox, sv.TEXT("sample", lang), key=f"speech_sample_w@{lang}", store="speech.sample",
                     default=0, options=range(len(clips)), format_func=lambda i: sv.sample_label(clips[i], lang))
        return sample_bytes(str(folder / clips[index]["file"]))
    if source == "record":
        got = st.audio_input(sv.TEXT("record", lang), key="speech_mic")
    else:
        got = st.file_uploader(sv.TEXT("upload", lang, mb=MAX_BYTES / 1e6), key="speech_upload")
    if got is None:
        return None
    try:
        check_size(got.size)                       # refused before its bytes are copied
    except LabError as err:
        page.problem(err, lang)
        return None
    return got.getvalue()


def show_model(heard: sv.Heard, model: SpeechTransformer, lang: str) -> None:
    with torch.inference_mode():
        out = model(heard.window[None], record=True)
    probs = out.logits.softmax(-1)[0].numpy()
    st.subheader(sv.verdict(probs, lang))
    page.chart(sv.probabilities_figure(probs, lang), key="speech_probs")
    labels = sv.token_labels(heard)
    attentions = out.trace.attentions[:, 0].numpy()                           # (L, H, T, T)
    st.markdown(sv.TEXT("cls_intro", lang))
    page.chart(sv.cls_figure(attentions, labels, lang), key="speech_cls")
    layer, head = page.layer_head(model.config, lang, page="speech")
    page.chart(sv.attention_figure(attentions[layer, head], labels, layer, head, lang), key="speech_attention")
    page.show_code(SpeechTransformer.patches, SpeechTransformer.embed, SpeechTransformer.forward, lang=lang)


def main() -> None:
    lang = session.lang()
    page.header(sv.TEXT("title", lang), sv.TEXT("intro", lang))
    data = recording(lang)
    if data is None:
        return
    try:
        heard = sv.hear(data)
    except LabError as err:
        page.problem(err, lang)
        return
    for key, values in sv.notes(heard):
        st.caption(sv.TEXT(key, lang, **values))
    st.audio(heard.wav(), format="audio/wav")
    page.formula(r"\text{mel}(f) = 2595\,\log_{10}(1 + f/700)", sv.TEXT("mel_caption", lang))
    page.chart(sv.spectrogram_figure(heard, lang), key="speech_spectrogram")
    folder = models.MODELS_ROOT / NAME
    if not (folder / "config.json").is_file():
        st.info(sv.TEXT("no_model", lang))
        return
    try:
        model = speech_model(str(folder))
    except LabError as err:
        page.problem(err, lang)
        return
    show_model(heard, model, lang)
    st.info(sv.TEXT("synthetic", lang))


main()
