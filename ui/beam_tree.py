"""Beam search drawn as a tree: one node per prefix the search kept at each step, edges from its parent.

beam_search(record=True) returns one DecodeStep per step: the live prefixes (``beams``), the
extensions kept (``kept``: (prefix index, token)), their summed log-probabilities and which of them
ended with [EOS]. The kept extensions that did not finish are, in order, the next step's live prefixes —
that is how a node finds its parent. Candidates that were considered but not kept are "pruned".
Score of a prefix y₁…y_t:  Σᵢ log p(yᵢ | y₍<ᵢ₎, source)  (the sum of its tokens' log-probabilities).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import plotly.graph_objects as go
import torch

from transformer_core.decoding import beam_search

from .i18n import TERMS, Scope
from .models import Loaded
from .seq2seq_view import beam_limit, generation_limit, one_thread, prepare_source, shown

TEXT = Scope("beam")
COLORS = {"root": "#616161", "kept": "#1f77b4", "pruned": "#bdbdbd", "finished": "#2e7d32"}
BEST = "#e65100"


@dataclass
class Node:
    id: int
    step: int                 # 0 = [BOS] (the root), then 1, 2, … = tokens written
    parent: int | None
    token: str                # the token this node added, as drawn
    prob: float               # p(token | parent prefix)
    score: float              # Σ log p of the whole prefix
    kind: str                 # "root", "kept", "finished" or "pruned"
    ids: list[int]            # the prefix's token ids, [BOS] first
    best: bool = False        # on the path of the best finished sentence
    children: list[int] = field(default_factory=list)
    y: float = 0.0


@dataclass(frozen=True)
class BeamView:
    nodes: list[Node]
    hypotheses: list[tuple[str, float, int]]   # (sentence, Σ log p, tokens) of every finished sentence, best first
    text: str                                  # the best sentence
    score: float
    beam_size: int
    cut: int | None = None                     # the step limit (beam size × steps ≤ BEAM_WORK) when it stopped
                                               # live prefixes the greedy limit would have let go on, else None


@torch.inference_mode()
def run_beam(loaded: Loaded, text: str, beam_size: int, n_pruned: int = 3) -> BeamView:
    """Beam search on one source sentence, recorded, turned into a tree of nodes."""
    model, src_vocab, tgt_vocab = loaded.model, loaded.tokenizer.source, loaded.tokenizer.target
    source = prepare_source(text, src_vocab, model.config.max_len)
    limit = beam_limit(source, model.config, beam_size)
    with one_thread():
        result = beam_search(model, torch.tensor([source.ids]), tgt_vocab.bos_id, tgt_vocab.eos_id, beam_size,
                             limit, record=True, top_c=beam_size + n_pruned)
    nodes = build_tree(result.steps, tgt_vocab, n_pruned)
    finals = {tuple(ids) for ids, _ in result.hypotheses}
    for node in nodes:
        if node.kind == "kept" and tuple(node.ids) in finals:        # ran out of steps: counted as finished
            node.kind = "finished"
        node.best = tuple(result.tokens[:len(node.ids)]) == tuple(node.ids) and node.kind != "pruned"
    hyps = [(tgt_vocab.decode(ids), score, len(ids) - 1) for ids, score in result.hypotheses]
    unfinished = any(ids[-1] != tgt_vocab.eos_id for ids, _ in result.hypotheses)     # ran out of steps
    cut = limit if unfinished and limit < generation_limit(source, model.config) else None
    return BeamView(nodes, hyps, tgt_vocab.decode(result.tokens), result.score, beam_size, cut)


def build_tree(steps, vocab, n_pruned: int) -> list[Node]:
    """DecodeSteps → nodes. Pruned candidates: the ``n_pruned`` most likely per prefix that were not kept."""
    nodes = [Node(0, 0, None, "[BOS]", 1.0, 0.0, "root", [vocab.bos_id])]
    alive = [nodes[0]]                                             # the live prefixes, in the order of step.beams
    for s in steps:
        kept_pairs, next_alive = set(s.kept), []
        for j, (k, token) in enumerate(s.kept):
            parent, score = alive[k], float(s.kept_scores[j])
            kind = "finished" if j in s.finished else "kept"
            node = _add(nodes, parent, token, vocab, math.exp(score - parent.score), score, kind)
            if kind == "kept":
                next_alive.append(node)
        for k, parent in enumerate(alive):
            extra = [(int(t), float(p)) for t, p in zip(s.candidates[k], s.candidate_probs[k], strict=True)
                     if (k, int(t)) not in kept_pairs][:n_pruned]
            for token, p in extra:
                _add(nodes, parent, token, vocab, p, parent.score + math.log(max(p, 1e-30)), "pruned")
        alive = next_alive
    return nodes


def _add(nodes: list[Node], parent: Node, token: int, vocab, prob: float, score: float, kind: str) -> Node:
    name = "[EOS]" if token == vocab.eos_id else shown(vocab.tokens[token])
    node = Node(len(nodes), parent.step + 1, parent.id, name, prob, score, kind, parent.ids + [token])
    nodes.append(node)
    parent.children.append(node.id)
    return node


def layout(nodes: list[Node]) -> int:
    """A tidy tree: leaves get rows 0, 1, 2 … in depth-first order (children best first, pruned last);
    a parent sits at the mean of its children, so no two edges cross. Returns the number of leaves."""
    order = {"finished": 0, "kept": 0, "pruned": 1}
    next_row = 0

    def place(node: Node) -> None:
        nonlocal next_row
        kids = sorted((nodes[c] for c in node.children), key=lambda n: (order[n.kind], -n.score))
        for kid in kids:
            place(kid)
        if kids:
            node.y = sum(k.y for k in kids) / len(kids)
        else:
            node.y, next_row = next_row, next_row + 1
    place(nodes[0])
    return next_row


def tree_figure(view: BeamView, lang: str) -> go.Figure:
    """Edges first (pruned faded and dotted, the best path thick), then one node trace per kind."""
    nodes, rows = view.nodes, layout(view.nodes)
    fig = go.Figure()
    for style, pick in ((dict(color=COLORS["pruned"], width=1, dash="dot"), lambda n: n.kind == "pruned"),
                        (dict(color="#90a4ae", width=1.6), lambda n: n.kind != "pruned" and not n.best),
                        (dict(color=BEST, width=4), lambda n: n.best)):
        xs, ys = [], []
        for n in nodes[1:]:
            if pick(n):
                p = nodes[n.parent]
                xs += [p.step, n.step, None]
                ys += [p.y, n.y, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=style, hoverinfo="skip", showlegend=False))
    for kind in ("root", "kept", "finished", "pruned"):
        group = [n for n in nodes if n.kind == kind]
        if not group:
            continue
        fig.add_trace(go.Scatter(
            x=[n.step for n in group], y=[n.y for n in group], mode="markers+text", text=[_label(n) for n in group],
            textposition="middle right", showlegend=False, opacity=0.55 if kind == "pruned" else 1.0,
            textfont=dict(size=11 if kind == "pruned" else 13, color="#9e9e9e" if kind == "pruned" else "#222"),
            marker=dict(size=[14 if n.best else 12 if kind == "finished" else 10 for n in group], color=COLORS[kind],
                        symbol="star" if kind == "finished" else "square" if kind == "root" else "circle",
                        line=dict(color=[BEST if n.best else "white" for n in group], width=2)),
            customdata=[["".join(_prefix(nodes, n)), n.prob, n.score] for n in group],
            hovertemplate=TEXT("hover", lang)))
    for kind, symbol in (("kept", "circle"), ("finished", "star"), ("pruned", "circle")):       # legend only
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=TEXT(kind, lang),
                                 marker=dict(size=10, color=COLORS[kind], symbol=symbol)))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=BEST, width=4),
                             name=TEXT("best", lang)))
    last = max(n.step for n in nodes)
    steps = ["[BOS]"] + [f"{TERMS('step', lang)} {s}" for s in range(1, last + 1)]
    fig.update_xaxes(tickmode="array", tickvals=list(range(last + 1)), ticktext=steps, range=[-0.3, last + 1.4],
                     showgrid=True, zeroline=False, side="top")
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(title=dict(text=TEXT("title", lang, k=view.beam_size), y=0.99),
                      height=min(1600, max(380, 140 + 26 * rows)), margin=dict(l=10, r=10, t=90, b=10),
                      plot_bgcolor="white", legend=dict(orientation="h", y=-0.02, yanchor="top"))
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _label(node: Node) -> str:
    """What is written beside a node: the token and p(token | prefix); a finished one shows its score."""
    if node.kind == "root":
        return node.token
    return f"{node.token} {node.score:.2f}" if node.kind == "finished" else f"{node.token} {node.prob:.0%}"


def _prefix(nodes: list[Node], node: Node) -> list[str]:
    """The tokens from the root to this node, e.g. ["[BOS]", "三", "百"]."""
    out = []
    while node is not None:
        out.append(node.token)
        node = nodes[node.parent] if node.parent is not None else None
    return out[::-1]
