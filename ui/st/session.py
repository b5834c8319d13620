"""Streamlit glue shared by every page: the view state, the chosen model, and cached forward passes.

- Models are read-only and shared by all sessions: ``st.cache_resource``, run under
  ``torch.inference_mode()``. Traces are cached per (model, sentence, options), also as shared
  read-only resources (no copy per hit).
- Everything a learner changes lives in their own ``st.session_state``; nothing mutable is shared.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import torch

from transformer_core.errors import LabError
from transformer_core.trace import ModelTrace

from .. import beam_tree, models, seq2seq_view, state
from ..encode import Encoded, encode

# session_state keys of the frame (the shared view's fields keep their plain names: ui/state.FIELDS)
SESSION_MODELS = "app.session_models"  # {key: ModelSource} trained in this browser session
LOCAL_MODELS = "app.local_models"      # {key: ModelSource} folders this learner opened
LOADED_HERE = "app.session_loaded"     # {key: Loaded} models trained in this session
PENDING_MODEL = "app.pending_model"    # a model to select in the picker before it is drawn (just opened or saved)
LOST_MODEL = "app.lost_session_model"  # a link named a model trained in another session: say so once
BAD_LINK = "app.bad_folder_link"       # (folder, error): a link named a folder that cannot be opened: say so once
READY = "app.ready"                    # init_state has run for this session


def init_state() -> None:
    """Once per browser session: defaults, then whatever the URL says (a shared link wins)."""
    session = st.session_state
    if session.get(READY):
        for name in state.FIELDS:             # re-own the shared values every run: several are also widget keys
            if name in session:               # (the sidebar's), and Streamlit's clean-up of widgets a run did not
                session[name] = session[name]  # draw (a page switch) would otherwise drop them
        return
    from_url = state.parse_params(dict(st.query_params))
    lang = from_url.get("lang", "en")
    for name, value in {**state.defaults(lang), **from_url}.items():
        session.setdefault(name, value)
    if str(session.model).startswith("session:"):     # a link to a model trained in another browser session
        session.model, session[LOST_MODEL] = "", True
    if str(session.model).startswith("local:"):       # a shared link to a folder on this machine
        folder = session.model.removeprefix("local:")
        try:
            add_local_folder(folder)
        except LabError as err:                       # the default model instead, and a note saying why
            session.model, session[BAD_LINK] = "", (folder, err)
    session.setdefault(SESSION_MODELS, {})
    session[READY] = True


def sync_url(page: str | None = None) -> None:
    """Write the current view into the address bar (only what differs from the defaults)."""
    values = {name: st.session_state.get(name) for name in state.FIELDS}
    wanted = state.to_params(values, page)
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def lang() -> str:
    return st.session_state.get("lang", "en")


# ── models ───────────────────────────────────────────────────────────────────────────────────────────

def sources() -> list[models.ModelSource]:
    """Every model this learner can pick: shipped, opened from a folder, trained in this session."""
    extra = tuple(st.session_state.get(LOCAL_MODELS, {}).values()) + tuple(
        st.session_state.get(SESSION_MODELS, {}).values())
    return models.available(extra)


def add_local_folder(path: str) -> models.ModelSource:
    """Validate a folder and add it to this session's picker; a LabError explains what is wrong (one no check
    foresaw is logged with its traceback and said as a sentence with an error id: models.open_folder)."""
    source = models.open_folder(path, load_model)    # loaded now: it fails here, with a message, not on every page
    st.session_state.setdefault(LOCAL_MODELS, {})[source.key] = source
    return source


def register_session_model(source: models.ModelSource) -> None:
    """For the training studio: a model saved in this session's folder shows up in the picker."""
    st.session_state.setdefault(SESSION_MODELS, {})[source.key] = source


def load_model(source: models.ModelSource) -> models.Loaded:
    """Shipped and opened models are shared by every session (read-only); a model trained in this
    session is kept in this session only, so it is freed when the tab's session ends."""
    if source.origin != "session":
        return _load_shared(source)
    loaded = st.session_state.setdefault(LOADED_HERE, {})
    if source.key not in loaded:
        with torch.inference_mode():
            loaded[source.key] = models.load(source)
    return loaded[source.key]


@st.cache_resource(max_entries=8, show_spinner=False)
def _load_shared(source: models.ModelSource) -> models.Loaded:
    with torch.inference_mode():
        return models.load(source)


def current_source(want=None) -> models.ModelSource:
    """The picked model; ``want`` (a predicate) narrows the choice, e.g. ``lambda s: s.has_mlm``.
    Falls back to the first model that qualifies when the picked one does not."""
    found = sources()
    key = st.session_state.get("model", "")
    picked = next((s for s in found if s.key == key), None) or next(s for s in found if s.is_encoder)
    if want is None or want(picked):
        return picked
    return next((s for s in found if want(s)), picked)


def current_model(want=None) -> models.Loaded:
    return load_model(current_source(want))


# ── cached forward passes ───────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class BertRun:
    encoded: Encoded             # the pieces the model read (after cleaning / truncation)
    trace: ModelTrace            # every intermediate, batch of one
    logits: torch.Tensor | None  # (T, V) masked-LM scores, or (n_labels,) for a classifier
    nsp_probs: torch.Tensor | None  # (2,) P(IsNext), P(NotNext) when the model has the NSP head


def run_bert(loaded: models.Loaded, text: str, pair: str | None = None, masked: tuple[int, ...] = (),
             head_mask: tuple[tuple[float, ...], ...] | None = None, encoded: Encoded | None = None) -> BertRun:
    """Encode, replace the ``masked`` positions by [MASK], and run with record=True. Raises
    ``encode.InputProblem`` for unusable text. ``encoded``: ``encode(loaded.tokenizer, text, pair, max_len)``
    when the page has it already (it is not tokenized twice). Cached per model (name and folder) + arguments; do not
    modify the result."""
    return _run_bert(loaded, model_identity(loaded), text, pair, tuple(masked), head_mask, encoded)


# cache_resource, not cache_data: cache_data pickles on store and unpickles on every hit — measured 2.1 s and
# 3.9 s for a 512-token, 12-layer trace (712 MB). Shared traces are read-only; pages never modify them.
@st.cache_resource(max_entries=24, show_spinner=False)
def _run_bert(_loaded: models.Loaded, key: str, text: str, pair: str | None, masked: tuple[int, ...],
              head_mask, _encoded: Encoded | None) -> BertRun:
    return bert_forward(_loaded, text, pair, masked, head_mask, _encoded)


def bert_forward(loaded: models.Loaded, text, pair=None, masked=(), head_mask=None, encoded=None) -> BertRun:
    """The uncached forward (pure; tests call it directly)."""
    enc = encoded or encode(loaded.tokenizer, text, pair, loaded.config.max_len)
    ids = torch.tensor([enc.ids])                                                  # (1, T)
    mask_id = loaded.tokenizer.token_to_id("[MASK]")
    for p in masked:
        if 0 < p < ids.shape[1] - 1 and not enc.pieces[p].is_special:
            ids[0, p] = mask_id
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids),
              "token_type_ids": torch.tensor([enc.type_ids])}
    if head_mask is not None:
        inputs["head_mask"] = torch.tensor(head_mask, dtype=torch.float32)        # (L, H) 1 = on, 0 = off
    with torch.inference_mode():
        out = loaded.model(**inputs, record=True)
    nsp = getattr(out, "nsp_logits", None)
    logits = getattr(out, "logits", None)                # a bare BertModel (no head) has none
    logits = logits[0] if logits is not None else None
    return BertRun(enc, out.trace, logits, nsp[0].softmax(-1) if nsp is not None else None)


# ── cached decodes of the encoder-decoder (its page and the lessons share them) ─────────────────────

def model_identity(loaded: models.Loaded) -> str:
    """What the decode caches key on: a model's name *and* folder (two folders can share one name)."""
    return f"{loaded.source.key}|{loaded.source.folder}"


@st.cache_data(max_entries=64, show_spinner=False)
def _greedy(_loaded, identity: str, text: str) -> seq2seq_view.Greedy:
    return seq2seq_view.decode_greedy(_loaded, text)


@st.cache_data(max_entries=64, show_spinner=False)
def _beam(_loaded, identity: str, text: str, beam_size: int, n_pruned: int) -> beam_tree.BeamView:
    return beam_tree.run_beam(_loaded, text, beam_size, n_pruned)


def greedy(loaded: models.Loaded, text: str) -> seq2seq_view.Greedy:
    """Greedy decoding of ``text``, cached per model and text."""
    return _greedy(loaded, model_identity(loaded), text)


def beam(loaded: models.Loaded, text: str, beam_size: int, n_pruned: int) -> beam_tree.BeamView:
    """Beam search of ``text``, cached per model, text and beam settings."""
    return _beam(loaded, model_identity(loaded), text, beam_size, n_pruned)
