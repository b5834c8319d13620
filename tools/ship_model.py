"""Turn a training checkpoint into a shipped model folder under assets/models/, with its model card.

    python tools/ship_model.py runs/bert-mini-en bert-mini-en --lang en --label "bert-mini-en (English)" \
        --corpus ~/.cache/attention-lab/corpora/en-full/train.txt --command "python -m transformer_core.train …"

What it writes: config.json (+ an ``attention_lab_card`` block: label and language for the app's
picker), model.safetensors in float16 (checked: the held-out scores of the fp16 copy are printed next
to the fp32 checkpoint's, and the card shows both), tokenizer.json or the seq2seq vocabularies, the
attention snapshots recorded during training, training_log.json (a thinned loss curve), and
evaluation.json. MODEL_CARD.md is written from ``--card-notes`` (a markdown file with the parts a
person must write: data and licence, known limits) plus the measured parts.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.classroom_card import classroom_evaluation, classroom_section  # noqa: E402
from tools.model_card import examples_for, extra_evaluation, write_card  # noqa: E402
from transformer_core import load_pretrained, load_seq2seq, save_pretrained  # noqa: E402
from transformer_core.checkpoint import folder_kind, save_vocabs  # noqa: E402
from transformer_core.kinds import CHAR_PAIR, WORDPIECE  # noqa: E402
from transformer_core.train.evaluate import evaluate_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ("attention_snapshots.safetensors", "attention_snapshots.json")
LOG_POINTS = 400


def thinned_log(state: dict) -> dict:
    """Every k-th step of the history (≤ LOG_POINTS points) and the totals the card reports."""
    history = state.get("history", [])
    k = max(1, len(history) // LOG_POINTS)
    keep = [{"step": h["step"], "loss": round(h["loss"], 4), "lr": h["lr"],
             **{key: round(v, 4) for key, v in h.get("metrics", {}).items()}} for h in history[::k]]
    return {"steps": state.get("step"), "tokens_seen": sum(h.get("tokens", 0) for h in history),
            "train_seconds": round(sum(h.get("seconds", 0.0) for h in history), 1), "curve": keep,
            "config": state.get("config", {})}


def export(checkpoint: Path, out: Path, label: str, lang: str, int8: bool = False, order: int = 100) -> None:
    """The weights in float16 (large matrices in int8 with ``int8``) plus everything the app and the
    evaluation command need."""
    if out.exists():
        shutil.rmtree(out)
    if folder_kind(checkpoint).tokenizer == CHAR_PAIR:
        model, source, target = load_seq2seq(checkpoint)
        save_pretrained(model, out, dtype=torch.float16)
        save_vocabs(out, source, target)
    else:
        model, tokenizer = load_pretrained(checkpoint)
        save_pretrained(model, out, tokenizer, dtype=torch.float16, int8=int8)
    data = json.loads((out / "config.json").read_text(encoding="utf-8"))
    data["attention_lab_card"] = {"label": label, "language": lang, "order": order}
    (out / "config.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    for name in SNAPSHOTS:
        if (checkpoint / name).is_file():
            shutil.copy2(checkpoint / name, out / name)
    state = json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
    (out / "trainer_state.json").write_text(json.dumps({k: state[k] for k in ("format", "step", "task",
                                                        "model_class", "config")}, indent=1), encoding="utf-8")
    (out / "training_log.json").write_text(json.dumps(thinned_log(state)), encoding="utf-8")


def public_name(corpus):
    """A corpus path as it reads on any machine: ~/… for the home folder, else the name as given."""
    if not corpus:
        return corpus
    home = str(Path.home())
    return "~" + corpus[len(home):] if str(corpus).startswith(home) else corpus


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("name")
    parser.add_argument("--lang", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--corpus", help="corpus for evaluation (default: the one in trainer_state.json)")
    parser.add_argument("--command", required=True, help="the exact command that trained it")
    parser.add_argument("--eval-command", required=True, help="the exact command that evaluates it")
    parser.add_argument("--card-notes", type=Path, required=True, help="markdown: data, licence, limits")
    parser.add_argument("--wall", required=True, help="wall-clock and hardware, as measured")
    parser.add_argument("--int8", action="store_true", help="store large matrices as int8 rows (half of fp16)")
    parser.add_argument("--order", type=int, default=100, help="picker order: the lowest of a language is its default")
    parser.add_argument("--label-names", nargs="+", help="a classifier's class names (e.g. negative positive)")
    args = parser.parse_args(argv)
    out = ROOT / "assets" / "models" / args.name
    export(args.checkpoint, out, args.label, args.lang, args.int8, args.order)
    if args.label_names:                            # the sentiment page shows "positive", not "class 1"
        from ui.studio.finetune_results import write_label_names
        write_label_names(out, args.label_names)
    fp32 = evaluate_folder(args.checkpoint, args.corpus)
    fp16 = evaluate_folder(out, args.corpus)
    fp16["model"], fp32["model"] = f"assets/models/{args.name}", f"training checkpoint ({args.checkpoint.name})"
    for scores in (fp16, fp32):                                    # no machine paths in evaluation.json
        scores["corpus"] = public_name(scores.get("corpus"))
    shipped = "int8" if args.int8 else "fp16"
    evaluation = {shipped: fp16, "fp32_checkpoint": fp32, **extra_evaluation(out)}
    kind = folder_kind(out)                 # the classroom sets are sentences: for the WordPiece models
    corpus = args.corpus or json.loads((out / "trainer_state.json").read_text(encoding="utf-8"))["config"]["corpus"]
    if kind.tokenizer == WORDPIECE:
        evaluation["classroom"] = classroom_evaluation(out, args.lang, corpus, kind)
        evaluation["classroom_fp32_checkpoint"] = classroom_evaluation(args.checkpoint, args.lang, None, kind)
    (out / "evaluation.json").write_text(json.dumps(evaluation, indent=1, ensure_ascii=False), encoding="utf-8")
    log = json.loads((out / "training_log.json").read_text(encoding="utf-8"))
    examples = examples_for(out, args.corpus or log["config"].get("corpus"))
    if kind.tokenizer == WORDPIECE:
        examples += ["", *classroom_section(out, args.lang, evaluation["classroom"], kind)]
    write_card(out, args, fp16, fp32, log, examples)
    print(json.dumps({"fp16": fp16, "fp32": fp32}, indent=1, ensure_ascii=False)[:3000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
