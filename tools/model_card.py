"""The measured half of a MODEL_CARD.md: configuration, training totals, evaluation, example predictions.

The written half (data and licence, known limits) comes from a markdown file a person writes; this
module only reports numbers it measured, and picks examples without looking at whether they succeed
(the first held-out ones, then the first failures, so the card shows both).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import torch

from transformer_core import greedy_decode, load_pretrained, load_seq2seq
from transformer_core.checkpoint import folder_kind
from transformer_core.kinds import CLASSIFY, GENERATE
from transformer_core.train.evaluate import split_file

N_EXAMPLES = 10


def _mlm_examples(folder: Path, corpus: str) -> list[str]:
    from transformer_core.data.files import read_corpus_file
    model, tokenizer = load_pretrained(folder)
    docs = read_corpus_file(split_file(corpus, "test", ".txt"))
    rng, mask, rows = random.Random(0), tokenizer.token_to_id("[MASK]"), []
    for doc in docs:
        enc = tokenizer.encode(doc[0][:300])
        if not 8 <= len(enc.ids) <= 60:
            continue
        words = [i for i, tok in enumerate(enc.tokens[1:-1], 1) if tok.isalpha() and len(tok) > 1 or
                 "\u4e00" <= tok <= "\u9fff"]
        if not words:
            continue
        pos = rng.choice(words)
        ids = list(enc.ids)
        truth, ids[pos] = enc.tokens[pos], mask
        with torch.inference_mode():
            probs = model(torch.tensor([ids]), record=False).logits[0, pos].softmax(-1)
        top = probs.topk(3)
        guesses = ", ".join(f"{tokenizer.id_to_token(i)} ({p:.0%})" for p, i in zip(top.values.tolist(),
                                                                                    top.indices.tolist(), strict=True))
        shown = " ".join(enc.tokens[1:pos] + ["**[MASK]**"] + enc.tokens[pos + 1:-1]).replace(" ##", "")
        ok = "✓" if tokenizer.id_to_token(top.indices[0].item()) == truth else "✗"
        rows.append(f"| {shown} | {truth} | {guesses} | {ok} |")
        if len(rows) == N_EXAMPLES:
            break
    return ["| input | answer | top-3 predictions | top-1 right? |", "|---|---|---|---|", *rows]


def _classifier_examples(folder: Path, corpus: str) -> list[str]:
    from transformer_core.data.classification import read_labelled
    model, tokenizer = load_pretrained(folder)
    data = read_labelled(split_file(corpus, "test", ".csv"))
    names = data.label_names
    good, bad = [], []
    for text, label in zip(data.texts, data.labels, strict=True):
        enc = tokenizer.encode(text)
        with torch.inference_mode():
            probs = model(torch.tensor([enc.ids[:model.config.max_len]])).logits[0].softmax(-1)
        guess = int(probs.argmax())
        row = f"| {text[:140].replace('|', '/')} | {names[label]} | {names[guess]} ({probs[guess]:.0%}) | " \
              f"{'✓' if guess == label else '✗'} |"
        (good if guess == label else bad).append(row)
        if len(good) >= 7 and len(bad) >= 3:
            break
    rows = good[:N_EXAMPLES - min(3, len(bad))] + bad[:3]
    return ["| text | true label | prediction | right? |", "|---|---|---|---|", *rows]


def _seq2seq_examples(folder: Path) -> list[str]:
    from transformer_core.data.seq2seq_tasks import make_pairs, split_pairs
    settings = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))["config"]
    if settings["seq2seq_task"] == "number-zh":                    # typed numbers + random held-out, with scores
        from tools.numbers_eval import card_section
        return card_section(folder)
    model, source, target = load_seq2seq(folder)
    test = split_pairs(make_pairs(settings["seq2seq_task"], settings["n_pairs"], settings["seed"]))[2]
    good, bad = [], []
    for src, tgt in test:
        with torch.inference_mode():
            result = greedy_decode(model, torch.tensor([source.encode(src, add_eos=True)]), target.bos_id,
                                   target.eos_id, max_len=len(tgt) + 8)
        out = target.decode(result.tokens[0].tolist())
        row = f"| {src} | {tgt} | {out} | {'✓' if out == tgt else '✗'} |"
        (good if out == tgt else bad).append(row)
        if len(good) >= 7 and len(bad) >= 3 or len(good) + len(bad) >= 400:
            break
    rows = good[:N_EXAMPLES - min(3, len(bad))] + bad[:3]
    return ["| input | expected | greedy output | exact? |", "|---|---|---|---|", *rows]


def examples_for(folder: Path, corpus: str | None) -> list[str]:
    kind = folder_kind(folder)
    if kind.can(GENERATE):
        return _seq2seq_examples(folder)
    if kind.can(CLASSIFY):
        return _classifier_examples(folder, corpus)
    return _mlm_examples(folder, corpus)


def _score_rows(fp16: dict, fp32: dict) -> list[str]:
    rows = ["| metric | shipped | checkpoint (fp32) |", "|---|---|---|"]
    for key, value in fp16.items():
        if isinstance(value, float):
            rows.append(f"| {key} | {value:.4f} | {fp32.get(key, float('nan')):.4f} |")
        elif isinstance(value, int) and key not in ("model",):
            rows.append(f"| {key} | {value} | {fp32.get(key)} |")
    return rows


def _examples_block(examples: list[str]) -> list[str]:
    """The examples under the default heading, unless they bring their own sections (number-zh does)."""
    if examples and examples[0].startswith("## "):
        return examples
    return [f"## {N_EXAMPLES} example predictions (held-out; the first ones, then failures)", "", *examples]


def extra_evaluation(folder: Path) -> dict:
    """Scores beyond the held-out split that belong in evaluation.json (number-zh: typed + random held-out)."""
    state = folder / "trainer_state.json"
    settings = json.loads(state.read_text(encoding="utf-8")).get("config", {}) if state.is_file() else {}
    if settings.get("seq2seq_task") != "number-zh":
        return {}
    from tools.numbers_eval import evaluate_numbers
    return {f"{name} (fp16, greedy)": part for name, part in evaluate_numbers(folder).items()}


def _storage(out: Path) -> str:
    from safetensors import safe_open
    with safe_open(str(out / "model.safetensors"), framework="pt") as f:
        int8 = any(k.endswith(".int8_scale") for k in f.keys())
    return "int8 rows with an fp16 scale each for the large matrices, float16 for the rest" if int8 else "float16"


def write_card(out: Path, args, fp16: dict, fp32: dict, log: dict, examples: list[str]) -> None:
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))["attention_lab"]
    notes = Path(args.card_notes).read_text(encoding="utf-8").strip()
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    lines = [f"# {args.label}", "", notes, "", "## Configuration", "",
             "| field | value |", "|---|---|", *[f"| {k} | {v} |" for k, v in config.items()],
             "", f"Folder size: {size:.1f} MB (weights stored as {_storage(out)}).", "",
             "## Training", "", f"- Steps: {log['steps']:,}; tokens seen (non-padding): {log['tokens_seen']:,}",
             f"- Time inside training steps: {log['train_seconds'] / 60:.1f} min; {args.wall}",
             "- Reproduce:", "", "```bash", args.command, "```", "",
             "## Evaluation (held-out test split, never seen in training)", "", *_score_rows(fp16, fp32), "",
             "Reproduce:", "", "```bash", args.eval_command, "```", "",
             *_examples_block(examples), ""]
    (out / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")
