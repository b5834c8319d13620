"""``python -m transformer_core.train.evaluate MODEL_FOLDER``: a model's scores on data it never trained on.

    python -m transformer_core.train.evaluate runs/bert-en                      # the held-out split of its corpus
    python -m transformer_core.train.evaluate runs/bert-en --corpus zh --split validation
    python -m transformer_core.train.evaluate runs/sent-zh --json scores.json
    python -m transformer_core.train.evaluate runs/bert-en --cloze assets/eval/cloze_en.tsv --show
    python -m transformer_core.train.evaluate runs/bert-en --nsp-pairs assets/eval/nsp_pairs.tsv --language en \
        --coherence
    python -m transformer_core.train.evaluate runs/sent-en --clear assets/eval/sentiment_clear.tsv --language en

What is measured depends on the model: a pretrained BERT gets masked-LM top-1 / top-5 accuracy and
perplexity plus next-sentence accuracy; a classifier gets accuracy, macro-F1 and the confusion matrix;
an encoder-decoder gets exact match of greedy generation and token accuracy. Masks, sentence pairs and
batches are drawn from a fixed seed, so the same folder always gets the same numbers.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from ..checkpoint import CheckpointError, folder_kind, load_pretrained, load_seq2seq
from ..config import ConfigError
from ..errors import DataError
from ..kinds import ModelKind

SPLITS = ("train", "validation", "test")
CAUSAL_WINDOWS = 256           # a GPT is scored on the first 256 windows of the split (32,768 pieces at 128)


def _saved_settings(folder: Path) -> dict:
    """The TrainConfig the model was trained with, when the folder came from our trainer."""
    path = folder / "trainer_state.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("config", {})


def _kind(folder: Path) -> ModelKind:
    """The registered kind the folder holds (named in config.json, else shown by its weights' names)."""
    path = folder / "config.json"
    if not path.is_file():
        raise CheckpointError(f"{path} is missing: {folder} is not a model folder.", "not_model_folder",
                              path=path, folder=folder)
    return folder_kind(folder, json.loads(path.read_text(encoding="utf-8")))


def split_file(corpus: str, split: str, suffix: str) -> Path | None:
    """A corpus given as a path: a folder holding ``{split}{suffix}``, or a file whose sibling
    ``{split}{suffix}`` is the requested split (train.txt → test.txt)."""
    path = Path(corpus).expanduser()
    if path.is_dir():
        return path / f"{split}{suffix}"
    if path.is_file():
        sibling = path.with_name(f"{split}{suffix}")
        if path.stem in SPLITS and sibling.is_file():
            return sibling
        return path
    return None


def _pretraining(model, tokenizer, corpus: str, split: str, batch_size: int, seed: int, max_len: int) -> dict:
    from ..data.corpora import load_documents
    from ..data.files import read_corpus_file
    from ..data.pretraining import PretrainingBatches, make_nsp_examples
    from ..tokenizer import special_ids
    from .tasks import PretrainTask
    path = split_file(corpus, split, ".txt")
    documents = read_corpus_file(path) if path is not None else load_documents(corpus, split)
    examples = make_nsp_examples(documents, tokenizer, max_len, seed)
    ids = special_ids(tokenizer)
    batches = PretrainingBatches(examples, batch_size, ids["mask"], model.config.vocab_size, seed=seed,
                                 shuffle=False, pad_id=ids["pad"])
    return {"sentence_pairs": len(examples), **PretrainTask().evaluate(model, batches)}


def _causal_lm(model, tokenizer, corpus: str, split: str, batch_size: int, max_len: int) -> dict:
    """The first CAUSAL_WINDOWS windows of ``max_len`` pieces of the split (a fixed sample: a whole split takes
    minutes on a busy CPU), as the GPT was trained: loss, perplexity, top-1/top-5 over every position."""
    from ..data.causal_lm import CausalBatches, token_stream, windows
    from ..data.corpora import load_documents
    from ..data.files import read_corpus_file
    from ..tokenizer import special_ids
    from .tasks import CausalLMTask
    path = split_file(corpus, split, ".txt")
    documents = read_corpus_file(path) if path is not None else load_documents(corpus, split)
    ids = special_ids(tokenizer)
    rows = windows(token_stream(documents, tokenizer, ids["cls"], ids["sep"]), max_len)[:CAUSAL_WINDOWS]
    if not len(rows):
        return {"windows": 0}
    batches = CausalBatches(rows, batch_size, seed=0, shuffle=False, drop_last=False)
    return {"windows": len(rows), "pieces": rows.numel(), **CausalLMTask().evaluate(model, batches)}


def _classifier(model, tokenizer, corpus: str, split: str, batch_size: int) -> dict:
    from ..data.classification import LabelledBatches, LabelledData, encode_labelled, read_labelled
    from ..data.corpora import load_labelled
    from .metrics import dense_confusion
    from .tasks import ClassifyTask
    path = split_file(corpus, split, ".csv")
    data = read_labelled(path) if path is not None else LabelledData(*load_labelled(corpus, split))
    encoded = encode_labelled(data, tokenizer, model.config.max_len)
    batches = LabelledBatches(encoded, batch_size, seed=0, shuffle=False)
    scores = ClassifyTask(model.config.n_labels).evaluate(model, batches)
    cells = scores.pop("confusion", [])                  # one report: the full table reads better
    return {"examples": len(data), "label_names": data.label_names, **scores,
            "confusion_matrix": dense_confusion(cells, model.config.n_labels)}


def _seq2seq(folder: Path, settings: dict, split: str, batch_size: int) -> dict:
    from ..data.seq2seq_data import PairBatches
    from ..data.seq2seq_tasks import make_pairs, split_pairs
    from .tasks import Seq2SeqTask
    if "seq2seq_task" not in settings:
        raise DataError(f"{folder} has no trainer_state.json saying which task it learnt; evaluate it in Python "
                        "with make_pairs(...) and greedy_decode(...).", "no_task_saved", folder=folder)
    model, source, _ = load_seq2seq(folder)
    pairs = make_pairs(settings["seq2seq_task"], settings["n_pairs"], settings["seed"])
    held = dict(zip(SPLITS, split_pairs(pairs), strict=True))[split]
    batches = PairBatches(held, source, batch_size, seed=0, shuffle=False)
    task = Seq2SeqTask(pad=source.pad_id, bos=source.bos_id, eos=source.eos_id)
    return {"task": settings["seq2seq_task"], "pairs": len(held), **task.evaluate(model, batches)}


def _vision(folder: Path, batch_size: int) -> dict:
    from ..data.digits import held_out_batches, split
    from .metrics import dense_confusion
    from .tasks import VisionTask
    model, _ = load_pretrained(folder)
    test = split()[1]
    scores = VisionTask(model.config).evaluate(model, held_out_batches(test, batch_size))
    return {"images": len(test.labels), **scores,
            "confusion_matrix": dense_confusion(scores.pop("confusion", []), model.config.n_labels)}


@torch.inference_mode()
def evaluate_folder(folder, corpus: str | None = None, split: str = "test", batch_size: int = 32,
                    seed: int = 0) -> dict:
    """Scores of the model in ``folder`` on ``split`` of ``corpus`` (default: the corpus it trained on)."""
    folder = Path(folder)
    kind, settings = _kind(folder), _saved_settings(folder)      # evaluated as the training task it belongs to
    if kind.task == "seq2seq":
        return {"model": str(folder), "split": split, **_seq2seq(folder, settings, split, batch_size)}
    if kind.task == "vision":                                    # a ViT: the 8 × 8 digits' fixed test split
        return {"model": str(folder), "split": "test", **_vision(folder, batch_size)}
    corpus = corpus or settings.get("corpus")
    if not corpus:
        raise DataError(f"{folder} does not say which corpus it was trained on: pass --corpus.", "no_corpus_saved",
                        folder=folder)
    model, tokenizer = load_pretrained(folder)
    if tokenizer is None:
        raise DataError(f"{folder} has no tokenizer.json or vocab.txt, so no text can be fed to it.", "no_tokenizer",
                        folder=folder)
    result = {"model": str(folder), "corpus": corpus, "split": split}
    if kind.task == "finetune":
        return {**result, **_classifier(model, tokenizer, corpus, split, batch_size)}
    if kind.task == "causal_lm":                                 # GPT: next-token loss over held-out windows
        max_len = min(settings.get("max_len") or model.config.max_len, model.config.max_len)
        return {**result, **_causal_lm(model, tokenizer, corpus, split, batch_size, max_len)}
    if kind.task != "pretrain":
        architecture = kind.name
        raise DataError(f"{folder} holds a {architecture}; evaluation covers BertForPreTraining, "
                        "BertForSequenceClassification and Seq2SeqTransformer.", "cannot_evaluate",
                        folder=folder, architecture=architecture)
    max_len = min(settings.get("max_len") or model.config.max_len, model.config.max_len)   # as it was trained
    return {**result, **_pretraining(model, tokenizer, corpus, split, batch_size, seed, max_len)}


@torch.inference_mode()
def classroom_scores(folder, cloze=None, nsp_pairs=None, clear=None, language=None, coherence_corpus=None,
                     split: str = "test", show=None) -> dict:
    """Scores on the committed classroom sets (see classroom.py); ``show`` receives one line per item."""
    from .. import classroom as C
    model, tokenizer = load_pretrained(folder)
    result = {}
    if cloze:
        items = C.cloze(model, tokenizer, C.read_cloze(cloze))
        result |= C.cloze_summary(items)
        for item in items if show else ():
            show(f"{'ok ' if item.rank else 'MISS'} {item.sentence}  → {', '.join(item.guesses)}"
                 f"  (want {'|'.join(item.answers)})")
    if nsp_pairs:
        rows = C.read_tsv(nsp_pairs)
        scored = C.nsp_pairs(model, tokenizer, C.for_language(rows, language) if language else rows)
        result |= {"nsp_pairs": len(scored), "nsp_pairs_accuracy": sum(ok for *_, ok in scored) / max(len(scored), 1)}
        for row, p, ok in scored if show else ():
            pair = f"{row['sentence_a']} | {row['sentence_b']}"
            show(f"{'ok ' if ok else 'MISS'} {row['label']:<7} P(IsNext) {p:.3f}  {pair}")
    if coherence_corpus:
        from ..data.corpora import load_documents
        from ..data.files import read_corpus_file
        path = split_file(coherence_corpus, split, ".txt")
        docs = read_corpus_file(path) if path is not None else load_documents(coherence_corpus, split)
        result |= C.nsp_coherence(model, tokenizer, docs)
    if clear:
        rows = C.read_tsv(clear)
        scored = C.clear_sentences(model, tokenizer, C.for_language(rows, language) if language else rows)
        result |= {"clear_sentences": len(scored), "clear_accuracy": sum(ok for *_, ok in scored) / max(len(scored), 1)}
        for row, p, ok in scored if show else ():
            show(f"{'ok ' if ok else 'MISS'} label {row['label']} P {max(p):.3f}  {row['text']}")
    return result


def _print(result: dict) -> None:
    width = max(len(k) for k in result)
    for key, value in result.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"  {key:<{width}}  {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m transformer_core.train.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="a model folder written by the trainer or save_pretrained")
    parser.add_argument("--corpus", help="shipped corpus name, a corpus folder, or a file (default: the one "
                        "the model trained on)")
    parser.add_argument("--split", default="test", choices=SPLITS)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0, help="seed of the masks and sentence pairs")
    parser.add_argument("--json", help="also write the scores to this JSON file")
    parser.add_argument("--cloze", help="TSV of sentences with one [MASK] and their answers: top-1 / top-5")
    parser.add_argument("--nsp-pairs", help="TSV of sentence pairs labelled IsNext / NotNext")
    parser.add_argument("--clear", help="TSV of clear sentiment sentences (for a classifier)")
    parser.add_argument("--language", help="only the rows of this language in --nsp-pairs / --clear")
    parser.add_argument("--coherence", action="store_true", help="NSP on consecutive sentences vs a sentence "
                        "of another document of the same held-out split")
    parser.add_argument("--show", action="store_true", help="print every classroom item with the model's answer")
    args = parser.parse_args(argv)
    classroom = args.cloze or args.nsp_pairs or args.clear or args.coherence
    try:
        if classroom:
            corpus = (args.corpus or _saved_settings(Path(args.folder)).get("corpus")) if args.coherence else None
            result = classroom_scores(args.folder, args.cloze, args.nsp_pairs, args.clear, args.language, corpus,
                                      args.split, print if args.show else None)
        else:
            result = evaluate_folder(args.folder, args.corpus, args.split, args.batch_size, args.seed)
    except (CheckpointError, ConfigError, DataError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    _print(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
