"""How long the encoder-decoder page takes per rerun for the longest source it accepts (issue 18.5).

    python bench/seq2seq_rerun.py                   # the shipped seq2seq-numbers model, 5 reruns per case
    python bench/seq2seq_rerun.py --reruns 9 --parts

A learner who pastes a long list of number words and then moves the step slider or the beam size makes the
page rerun; each rerun must stay within a second on a quiet machine. Cases: the default source, a long
source (well past what the page reads), and the long source with the widest beam. Each case is timed with
AppTest (the script run, without the browser's drawing): the first run (decodes, fills the caches) and the
median of the reruns after it. ``--parts``: also times the decodes and the figures outside Streamlit.
"""
from __future__ import annotations

import argparse
import json

import torch
from common import ROOT, machine, median, timed, write_json

LONG = ("nine hundred and ninety-nine thousand nine hundred and ninety-nine " * 12).strip()   # ~800 characters


def page_case(text: str, beam: int, reruns: int) -> dict:
    from streamlit.testing.v1 import AppTest

    from ui.pages import by_url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.session_state["s2s_value"] = text
    at.session_state["s2s_beam"] = beam
    first = timed(at.switch_page(by_url("seq2seq").file).run)
    times = [timed(at.run) for _ in range(reruns)]
    return {"chars": len(text), "beam": beam, "first_s": round(first, 2), "rerun_median_s": round(median(times), 3),
            "rerun_max_s": round(max(times), 3), "exception": [e.value for e in at.exception]}


def parts(text: str, beam: int) -> dict:
    """The page's pieces, uncached: greedy decode, beam search, and the figures built from them."""
    from ui import beam_tree as bt
    from ui import models
    from ui import seq2seq_figures as figs
    from ui import seq2seq_view as sq
    source = next(s for s in models.available() if s.key == "seq2seq-numbers")
    loaded = models.load(source)
    run = sq.decode_greedy(loaded, text)
    out = {"greedy_s": timed(sq.decode_greedy, loaded, text), "steps": len(run.steps),
           "source_tokens": len(run.source.tokens)}
    out["beam_s"] = timed(bt.run_beam, loaded, text, beam, 1)
    view = bt.run_beam(loaded, text, beam, 1)
    out["tree_nodes"] = len(view.nodes)
    out["tree_figure_s"] = timed(bt.tree_figure, view, "en")
    out["heatmaps_s"] = timed(lambda: [figs.attention_heatmap(run.cross_attn[0, 0], run.written, run.source.tokens,
                                                              "t", "en") for _ in range(3)])
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def endless(text: str) -> dict:
    """The worst case the bounds allow: the shipped model made never to write [EOS] (its generator's bias for
    [EOS] at −10⁴), so greedy and every beam run to their step limits."""
    from ui import beam_tree as bt
    from ui import models
    from ui import seq2seq_view as sq
    loaded = models.load(next(s for s in models.available() if s.key == "seq2seq-numbers"))
    with torch.no_grad():
        loaded.model.generator.bias[loaded.tokenizer.target.eos_id] = -1e4
    run = sq.decode_greedy(loaded, text)
    out = {"greedy_steps": len(run.steps), "greedy_s": timed(sq.decode_greedy, loaded, text)}
    for k in (1, 4, 8):
        out[f"beam{k}_s"] = timed(bt.run_beam, loaded, text, k, 1)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--parts", action="store_true")
    args = parser.parse_args()
    from ui.seq2seq_view import DEFAULT_SOURCE
    cases = {"default": (DEFAULT_SOURCE, 4), "long": (LONG, 4), "long_beam8": (LONG, 8)}
    result = {"machine": machine(), "cases": {}}
    for name, (text, beam) in cases.items():
        result["cases"][name] = page_case(text, beam, args.reruns)
        if args.parts:
            result["cases"][name]["parts"] = parts(text, beam)
        print(name, json.dumps(result["cases"][name]), flush=True)
    if args.parts:
        result["endless"] = endless(LONG)
        print("endless", json.dumps(result["endless"]), flush=True)
    write_json("seq2seq_rerun", result)


if __name__ == "__main__":
    main()
