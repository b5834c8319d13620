"""Ship a trained GPT (task causal_lm) under assets/models/<name>/ with its model card.

    python tools/ship_gpt.py runs/gpt-en gpt-en --lang en --label "gpt-en (English)" \
        --corpus ~/.cache/attention-lab/corpora/en-full/train.txt --card-notes tools/cards/gpt-en.md \
        --command "…" --wall "…"

Writes what tools/ship_model.py writes for a BERT (int8-row weights, tokenizer, snapshots, thinned log), then
evaluation.json (held-out loss, perplexity, next-token top-1/top-5 of the shipped copy and of the fp32
checkpoint, beside the uniform guess) and MODEL_CARD.md: the person-written notes, the measured numbers, and
ten generations chosen before seeing them (five prompts, greedy and sampled), failures included.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.ship_model import export, public_name  # noqa: E402
from transformer_core import load_pretrained  # noqa: E402
from transformer_core.sampling import generate  # noqa: E402
from transformer_core.train.evaluate import evaluate_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = {"en": ["The king said", "Once upon a time", "She was not", "And God said", "I think that"],
           "zh": ["今天天气", "我们一起", "这本书", "中国的经济", "我觉得"]}
SAMPLED = {"temperature": 0.8, "top_k": 40, "top_p": 0.9, "seed": 0}     # the page's defaults
STEPS = 24


def join(tokens: list[str]) -> str:
    """Pieces → text (## glued, Chinese without spaces): the page's own join (ui/gpt_view.join_pieces)."""
    from ui.gpt_view import join_pieces
    return join_pieces(tokens)


def generations(folder: Path, lang: str) -> list[tuple[str, str, str]]:
    """(prompt, setting, continuation) for each prompt, greedy then sampled with the page's defaults."""
    model, tokenizer = load_pretrained(folder)
    cls, sep, rows = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]"), []
    for prompt in PROMPTS[lang]:
        enc = tokenizer.encode(prompt, add_special_tokens=False)
        for name, settings in (("greedy", {"temperature": 0.0}), ("sampled", SAMPLED)):
            steps = generate(model, [cls] + enc.ids, STEPS, stop=(sep,), **settings)
            rows.append((prompt, name, join([tokenizer.id_to_token(s.token) for s in steps])))
    return rows


def card(out: Path, args, shipped: dict, fp32: dict, rows) -> str:
    state = json.loads((out / "training_log.json").read_text(encoding="utf-8"))
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))["attention_lab"]
    model, _ = load_pretrained(out)
    params = sum(p.numel() for p in model.parameters())
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    uniform = math.log(config["vocab_size"])
    lines = [f"# {args.name}", "", args.card_notes.read_text(encoding="utf-8").strip(), "",
             "## Model", "",
             f"GPT (transformer_core/gpt.py): {config['n_layers']} pre-LN decoder layers, {config['n_heads']} heads, "
             f"width {config['d_model']}, FFN {config['d_ff']}, {config['max_len']} learned positions, vocabulary "
             f"{config['vocab_size']:,} (the BERT's own WordPiece), LM head tied to the token table; {params:,} "
             f"parameters. Stored in the Hugging Face GPT-2 layout, large matrices as int8 rows "
             f"(quantize.py): {size / 1e6:.2f} MB on disk with tokenizer, snapshots and logs.", "",
             "## Training", "",
             f"{state['steps']} steps, {state['tokens_seen']:,} pieces seen, {state['train_seconds'] / 60:.1f} "
             f"minutes of training steps as the trainer measured them. {args.wall}", "",
             "```", args.command, "```", "",
             "## Held-out results (test split: its first windows, the same for every model)", "",
             "| | loss (nats) | perplexity | next-piece top-1 | top-5 |", "|---|---|---|---|---|",
             *[f"| {name} | {s['lm_loss']:.3f} | {s['perplexity']:.1f} | {s['next_top1']:.1%} | {s['next_top5']:.1%} |"
               for name, s in (("shipped (int8)", shipped), ("fp32 checkpoint", fp32))],
             f"| uniform guess over the vocabulary | {uniform:.3f} | {config['vocab_size']:,} | "
             f"{1 / config['vocab_size']:.2%} | {5 / config['vocab_size']:.2%} |", "",
             f"{shipped['windows']:,} windows of {config['max_len']} pieces ({shipped['pieces']:,} pieces). "
             "Evaluate again with:", "", "```", args.eval_command, "```", "",
             "## Ten generations (prompts fixed before training; greedy, then sampled with the page's defaults "
             f"τ {SAMPLED['temperature']}, top-k {SAMPLED['top_k']}, top-p {SAMPLED['top_p']}, seed {SAMPLED['seed']}; "
             f"at most {STEPS} pieces, [SEP] = the model ended the text)", "",
             "| prompt | setting | what the model wrote |", "|---|---|---|",
             *[f"| {p} | {s} | {w.replace('|', '/')} |" for p, s, w in rows], ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("name")
    for flag in ("--lang", "--label", "--corpus", "--command", "--eval-command", "--wall"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--card-notes", type=Path, required=True)
    parser.add_argument("--order", type=int, default=100)
    parser.add_argument("--root", type=Path, default=ROOT / "assets" / "models", help="where model folders go")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = args.root / args.name
    export(args.checkpoint, out, args.label, args.lang, int8=True, order=args.order)
    shipped, fp32 = evaluate_folder(out, args.corpus), evaluate_folder(args.checkpoint, args.corpus)
    shipped["model"], fp32["model"] = f"assets/models/{args.name}", f"training checkpoint ({args.checkpoint.name})"
    for scores in (shipped, fp32):
        scores["corpus"] = public_name(scores.get("corpus"))
    rows = generations(out, args.lang)
    evaluation = {"int8": shipped, "fp32_checkpoint": fp32,
                  "generations": [{"prompt": p, "setting": s, "text": w} for p, s, w in rows]}
    (out / "evaluation.json").write_text(json.dumps(evaluation, indent=1, ensure_ascii=False), encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(card(out, args, shipped, fp32, rows), encoding="utf-8")
    print(json.dumps(evaluation, indent=1, ensure_ascii=False)[:4000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
