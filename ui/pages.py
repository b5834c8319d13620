"""The one list of the app's pages: where each file is, its address, its title and section, and what it
needs from the picked model. Navigation (app.py), the home page's links, the page-speed bench and the
tests all read this table, so adding a page is one row here plus its file in ``views/``.

Pure: no Streamlit here (app.py turns each row into an ``st.Page``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What a page runs on. "none": it builds or trains its own model (or none at all); "encoder": any BERT;
# the others narrow the picked model to one that has that head.
Needs = Literal["none", "encoder", "mlm", "nsp", "classifier", "seq2seq"]


@dataclass(frozen=True)
class Page:
    file: str           # the page script, relative to the repository root
    url: str            # its address: http://host/<url>
    title: str          # catalog key of its title (ui/locales/*.toml)
    section: str        # catalog key of the heading it is listed under
    needs: Needs        # what it needs from the model (see Needs)


PAGES: tuple[Page, ...] = (
    Page("views/home.py", "start", "frame.p_home", "frame.sec_start", "encoder"),
    Page("views/architecture.py", "sizes", "frame.p_architecture", "frame.sec_start", "none"),
    Page("views/lessons.py", "lessons", "frame.p_lessons", "frame.sec_lessons", "none"),
    Page("views/slips.py", "slips", "slips.title", "frame.sec_lessons", "none"),
    Page("views/tokenization.py", "tokenization", "frame.p_tokenization", "frame.sec_foundations", "encoder"),
    Page("views/embeddings.py", "embeddings", "glossary.embeddings", "frame.sec_foundations", "encoder"),
    Page("views/positions.py", "positions", "frame.p_positions", "frame.sec_foundations", "encoder"),
    Page("views/attention_head.py", "attention-head", "frame.p_attention_head", "frame.sec_attention", "encoder"),
    Page("views/multi_head.py", "multi-head", "frame.p_multi_head", "frame.sec_attention", "encoder"),
    Page("views/inside_layer.py", "inside-layer", "frame.p_inside_layer", "frame.sec_attention", "encoder"),
    Page("views/rnn_vs_transformer.py", "rnn-vs-transformer", "rnn.title", "frame.sec_attention", "none"),
    Page("views/mlm.py", "mlm", "frame.p_mlm", "frame.sec_bert", "mlm"),
    Page("views/nsp.py", "nsp", "frame.p_nsp", "frame.sec_bert", "nsp"),
    Page("views/sentiment.py", "sentiment", "frame.p_sentiment", "frame.sec_bert", "classifier"),
    Page("views/compression.py", "compression", "compression.title", "frame.sec_bert", "encoder"),
    Page("views/bert_vs_gpt.py", "bert-vs-gpt", "bert_vs_gpt.title", "frame.sec_bert", "mlm"),
    Page("views/seq2seq.py", "seq2seq", "frame.p_seq2seq", "frame.sec_seq2seq", "seq2seq"),
    Page("views/train_pretrain.py", "train-pretrain", "frame.p_train_pretrain", "frame.sec_training", "none"),
    Page("views/train_finetune.py", "train-finetune", "frame.p_train_finetune", "frame.sec_training", "none"),
    Page("views/train_seq2seq.py", "train-seq2seq", "frame.p_train_seq2seq", "frame.sec_training", "none"),
    Page("views/train_vision.py", "train-vision", "train_vision.nav", "frame.sec_training", "none"),
    Page("views/timelapse.py", "timelapse", "frame.p_timelapse", "frame.sec_training", "none"),
    Page("views/vision.py", "vision", "frame.p_vision", "frame.sec_beyond", "none"),
    Page("views/speech.py", "speech", "speech.title", "frame.sec_beyond", "none"),
)
HOME = PAGES[0]          # the default page: it lives at the root address
HOME_ALIAS = "home"      # … and at /home too: a link to /home is natural, and Streamlit knows only registered paths


def by_url(url: str) -> Page:
    """The page at an address ("mlm", "attention-head", "home"); KeyError for an address no page has."""
    if url == HOME_ALIAS:
        return HOME
    for page in PAGES:
        if page.url == url:
            return page
    raise KeyError(url)


def by_section() -> dict[str, list[Page]]:
    """Section key → its pages, in table order (the order of the sidebar)."""
    out: dict[str, list[Page]] = {}
    for page in PAGES:
        out.setdefault(page.section, []).append(page)
    return out


def explorer() -> list[Page]:
    """The pages that read the picked model (home and every concept page): what the page-speed bench
    times, and — without home — the home page's list of links."""
    return [page for page in PAGES if page.needs != "none"]

