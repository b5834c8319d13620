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

from transformer_core import CheckpointError
from transformer_core.trace import ModelTrace

from .. import models, state
from ..encode import Encoded, encode

SESSION_MODELS = "session_models"      # session_state key: {key: ModelSource} trained in this browser session
LOCAL_MODELS = "local_models"          # session_state key: {key: ModelSource} folders this learner opened
KEEP = "keep_"                         # widget keys starting with this keep their value across pages
SHADOW = "_kept_"                      # … through a copy under this prefix (not a widget key)
LOADED_HERE = "session_loaded"         # session_state key: {key: Loaded} models trained in this session


def init_state() -> None:
    """Once per browser session: defaults, then whatever the URL says (a shared link wins)."""
    s = st.session_state
    if s.get("_state_ready"):
        for name in state.FIELDS:             # re-own the shared values every run, so that Streamlit's widget
            if name in s:                     # clean-up on a page switch (st.switch_page) cannot drop them
                s[name] = s[name]
        keep_settings(s)
        return
    from_url = state.parse_params(dict(st.query_params))
    lang = from_url.get("lang", "en")
    for name, value in {**state.defaults(lang), **from_url}.items():
        s.setdefault(name, value)
    if str(s.model).startswith("session:"):        # a link to a model trained in another browser session
        s.model, s.lost_session_model = "", True
    if str(s.model).startswith("local:"):          # a shared link to a folder on this machine
        try:
            add_local_folder(s.model.removeprefix("local:"))
        except CheckpointError:
            s.model = ""
    s.setdefault(SESSION_MODELS, {})
    s._state_ready = True


def keep_settings(s) -> None:
    """The studio's settings (widget keys ``keep_…``) survive visits to other pages. Streamlit forgets
    the state of widgets a run did not draw; while a live panel was refreshing, even re-owning the key
    each run lost them (measured: Layers 3 → 2 after one visit elsewhere). So each value is also copied
    to a plain key of ours, and put back whenever the widget's own state has gone."""
    for name in [k for k in s if str(k).startswith(KEEP)]:
        s[name] = s[name]
        s[SHADOW + name] = s[name]
    for shadow in [k for k in s if str(k).startswith(SHADOW)]:
        if shadow[len(SHADOW):] not in s:
            s[shadow[len(SHADOW):]] = s[shadow]


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
    """Validate a folder and add it to this session's picker; CheckpointError explains what is wrong."""
    source = models.describe_folder(path)
    load_model(source)                               # fail now, with the loader's message, not on every page
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
             head_mask: tuple[tuple[float, ...], ...] | None = None) -> BertRun:
    """Encode, replace the ``masked`` positions by [MASK], and run with record=True. Raises
    ``encode.InputProblem`` for unusable text. Cached per model key + arguments; do not modify the result."""
    return _run_bert(loaded, loaded.source.key, text, pair, tuple(masked), head_mask)


# cache_resource, not cache_data: cache_data pickles on store and unpickles on every hit — measured 2.1 s and
# 3.9 s for a 512-token, 12-layer trace (712 MB). Shared traces are read-only; pages never modify them.
@st.cache_resource(max_entries=24, show_spinner=False)
def _run_bert(_loaded: models.Loaded, key: str, text: str, pair: str | None, masked: tuple[int, ...],
              head_mask) -> BertRun:
    return bert_forward(_loaded, text, pair, masked, head_mask)


def bert_forward(loaded: models.Loaded, text, pair=None, masked=(), head_mask=None) -> BertRun:
    """The uncached forward (pure; tests call it directly)."""
    enc = encode(loaded.tokenizer, text, pair, loaded.config.max_len)
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
