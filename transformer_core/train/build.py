"""From a TrainConfig to everything a Trainer needs: model, tokenizer, batches, probe sentences.

Everything here is a pure function of the config (and, when resuming, the checkpoint folder), so that
``Trainer.load`` can rebuild the very same data stream and rewind it to the saved position.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..checkpoint import load_pretrained, save_vocabs
from ..errors import DataError, Phrase
from ..kinds import kind_for_task
from ..tokenizer import load_tokenizer, special_ids, train_wordpiece
from . import snapshots
from .checks import check_tokenizer_fits, corpus_source, fit_max_len, need_one_batch, pairs_for_one_batch
from .config import TrainConfig
from .distributed import from_rank0, init_from_env
from .state import load_model

CJK = re.compile(r"[\u4e00-\u9fff]")
HELD_OUT_EXAMPLES = 8          # seq2seq: held-out pairs handed to the app (a probe, decodes to show)


@dataclass
class RunParts:
    model: torch.nn.Module
    train: object                                   # iterable of batches with state_dict / load_state_dict
    eval: list                                      # a fixed list of held-out batches
    tokenizer: object = None
    probes: list = field(default_factory=list)      # attention-snapshot probes
    extra_save: object = None                       # writes task files (e.g. a seq2seq vocabulary) into a folder
    info: dict = field(default_factory=dict)        # for the summary: sizes, label names, …
    notes: list = field(default_factory=list)       # things the run changed from what was asked, for the log

    def trainer_kwargs(self) -> dict:
        return {"tokenizer": self.tokenizer, "probes": self.probes, "extra_save": self.extra_save}


def build_parts(config: TrainConfig, model_folder: Path | None = None) -> RunParts:
    """``model_folder`` set = resuming: the model and tokenizer come from there, not from scratch."""
    torch.manual_seed(config.seed)                  # the initial weights are part of "same seed, same run"
    builders = {"pretrain": _pretrain, "finetune": _finetune, "seq2seq": _seq2seq, "causal_lm": _causal_lm,
                "vision": _vision}
    return builders[config.task](config, model_folder)


# ------------------------------------------------------------------------------------ pretraining
def held_out_file(path: Path) -> Path | None:
    """Beside a corpus file NAME.ext, an optional NAME-heldout.ext: the held-out data a run evaluates on;
    beside a built corpus's train.ext, its validation.ext. (Shipped corpora have their own validation
    split; a file of one's own has none unless it comes with one.)"""
    for sibling in (path.with_name(f"{path.stem}-heldout{path.suffix}"),
                    path.with_name(f"validation{path.suffix}") if path.stem == "train" else None):
        if sibling is not None and sibling.is_file():
            return sibling
    return None


def _documents(corpus: str, split: str) -> list[list[str]]:
    """A shipped corpus by name, or a text file: one sentence per line, documents split by blank lines."""
    from ..data.corpora import load_documents
    from ..data.files import read_corpus_file
    path = corpus_source(corpus, "documents")
    if path is not None:
        if split == "train":
            return read_corpus_file(path)
        held = held_out_file(path)
        return read_corpus_file(held) if held else []
    return load_documents(corpus, split)


def _probe_texts(config: TrainConfig, sample: str) -> tuple:
    return config.probes or snapshots.DEFAULT_PROBES["zh" if CJK.search(sample) else "en"]


def _train_tokenizer(config: TrainConfig, documents):
    """WordPiece on the training text; under DDP rank 0's, since training it twice may differ in ties."""
    from tokenizers import Tokenizer
    tokenizer = train_wordpiece((line for doc in documents for line in doc), vocab_size=config.vocab_size)
    return Tokenizer.from_str(from_rank0(tokenizer.to_str(), init_from_env()))


def _pretrain(config: TrainConfig, model_folder) -> RunParts:
    from ..data.pretraining import MaskingRates, PretrainingBatches, make_nsp_examples
    from ..data.text import split_single_lines
    documents = split_single_lines(_documents(config.corpus, "train"))
    held_out = split_single_lines(_documents(config.corpus, "validation"))
    kind = kind_for_task("pretrain")
    if model_folder is not None:
        model, tokenizer = load_model(model_folder, kind)
    elif config.pretrained:                          # continued pretraining: real weights, heads added if missing
        model, tokenizer = load_pretrained(config.pretrained, model_class=kind,
                                           init_missing_heads=True)
        model.train()
        check_tokenizer_fits(tokenizer, [line for doc in documents for line in doc], config.corpus, config.pretrained)
    else:
        source = config.tokenizer or config.teacher          # a distilled student reads the teacher's vocabulary
        tokenizer = load_tokenizer(source) if source else _train_tokenizer(config, documents)
        if source:
            check_tokenizer_fits(tokenizer, [line for doc in documents for line in doc], config.corpus, source)
        model = kind.model_class(config.model_config(vocab_size=tokenizer.get_vocab_size()))
    ids, vocab = special_ids(tokenizer), tokenizer.get_vocab_size()
    rates = MaskingRates(select=config.mlm_probability, mask=config.mlm_mask, random=config.mlm_random)

    def batches(docs, seed, shuffle):
        examples = make_nsp_examples(docs, tokenizer, config.max_len, seed, lone=config.lone_sentences)
        return PretrainingBatches(examples, config.batch_size, ids["mask"], vocab, rates, seed, shuffle=shuffle,
                                  drop_last=shuffle, pad_id=ids["pad"]), len(examples)

    train, n_train = batches(documents, config.seed, True)
    need_one_batch(n_train, config.batch_size, Phrase("sentence pairs", "what_sentence_pairs"),
                   Phrase("Use a larger corpus or a smaller --batch-size.", "advice_larger_corpus"))
    evals, n_eval = batches(held_out, config.seed + 1, False) if len(held_out) >= 2 else ([], 0)
    sample = " ".join(documents[0][:3])
    probes = snapshots.bert_probes(tokenizer, _probe_texts(config, sample), config.max_len)
    return RunParts(model, train, list(itertools.islice(evals, config.eval_batches)), tokenizer, probes,
                    info={"train_pairs": n_train, "eval_pairs": n_eval, "vocab_size": vocab})


# ------------------------------------------------------------------------------------ fine-tuning
def _labelled(config: TrainConfig, split: str):
    """(texts, labels, label_names) of a shipped labelled set, or of the user's CSV / TSV file."""
    from ..data import classification, corpora
    path = corpus_source(config.corpus, "labelled")
    if path is not None:
        path = path if split == "train" else held_out_file(path)
        if path is None:
            return None
        data = classification.read_labelled(path)
        return data.texts, data.labels, data.label_names
    return corpora.load_labelled(config.corpus, split)


def _finetune(config: TrainConfig, model_folder) -> RunParts:
    from ..data.classification import LabelledBatches, LabelledData, encode_labelled
    texts, labels, names = _labelled(config, "train")
    if len(set(labels)) < 2:
        raise DataError(f"{config.corpus}: every example has the same label; a classifier needs at least two.",
                        "one_label", corpus=config.corpus)
    source = model_folder or config.pretrained
    model, tokenizer = load_pretrained(source, model_class=kind_for_task("finetune"), init_missing_heads=True)
    if model_folder is None:                         # a fresh head sized for these labels, with the chosen pooling
        model = _with_head(model, config, len(names))
    if tokenizer is None:
        raise DataError(f"{source} has no tokenizer.json or vocab.txt, so its texts cannot be tokenized.",
                        "no_tokenizer_to_train", source=source)
    check_tokenizer_fits(tokenizer, texts, config.corpus, str(source))
    max_len, note = fit_max_len(config.max_len, model.config)
    need_one_batch(len(texts), config.batch_size, Phrase("labelled rows", "what_labelled_rows"),
                   Phrase("Use more rows or a smaller --batch-size.", "advice_more_rows"))
    encoded = encode_labelled(LabelledData(texts, labels, list(names)), tokenizer, max_len)
    train = LabelledBatches(encoded, config.batch_size, seed=config.seed, shuffle=True, drop_last=True)
    held = _labelled(config, "validation")
    evals = []
    if held is not None and list(held[2]) != list(names):       # class i must mean the same on both sides
        held = None
    if held is not None:
        held_encoded = encode_labelled(LabelledData(*held), tokenizer, max_len)
        evals = list(itertools.islice(LabelledBatches(held_encoded, config.batch_size, seed=0, shuffle=False),
                                      config.eval_batches))
    probes = snapshots.bert_probes(tokenizer, _probe_texts(config, " ".join(texts[:5])), max_len)
    return RunParts(model, train, evals, tokenizer, probes, notes=[note] if note else [],
                    info={"train_rows": len(texts), "label_names": list(names), "max_len": max_len})


def _with_head(pretrained, config: TrainConfig, n_labels: int):
    """Copy the encoder into a classifier built for n_labels and the chosen pooling."""
    model = kind_for_task("finetune").model_class(pretrained.config.replace(n_labels=n_labels, pooling=config.pooling))
    state = {k: v for k, v in pretrained.state_dict().items() if not k.startswith("classifier.")}
    model.load_state_dict(state, strict=False)
    return model


# ------------------------------------------------------------------------------------ seq2seq
def _seq2seq(config: TrainConfig, model_folder) -> RunParts:
    from ..char_vocab import CharVocab
    from ..data.seq2seq_data import PairBatches
    from ..data.seq2seq_tasks import make_pairs, split_pairs
    pairs = make_pairs(config.seq2seq_task, config.n_pairs, config.seed)
    train_pairs, eval_pairs = split_pairs(pairs)[:2]
    what = Phrase(f"pairs (of --n-pairs {config.n_pairs}; the rest are held out for evaluation)", "what_pairs",
                  n_pairs=config.n_pairs)
    advice = Phrase(f"Use --n-pairs {pairs_for_one_batch(config.batch_size)} or more, or a smaller --batch-size.",
                    "advice_more_pairs", n_pairs=pairs_for_one_batch(config.batch_size))
    need_one_batch(len(train_pairs), config.batch_size, what, advice)
    vocab = CharVocab.from_pairs(pairs)
    kind = kind_for_task("seq2seq")
    if model_folder is not None:
        model, _ = load_model(model_folder, kind)
    else:
        model = kind.model_class(config.model_config(vocab_size=len(vocab), type_vocab_size=0, position="sinusoidal",
                                                     activation="relu", pad_token_id=vocab.pad_id))
    train = PairBatches(train_pairs, vocab, config.batch_size, config.seed, shuffle=True)
    evals = list(itertools.islice(PairBatches(eval_pairs, vocab, config.batch_size, 0, shuffle=False),
                                  config.eval_batches))
    src = config.probes or tuple(p[0] for p in eval_pairs[:2])
    probes = [snapshots.Probe(s, list(s) + ["[EOS]"], {"src_ids": torch.tensor([vocab.encode(s, add_eos=True)])})
              for s in src]
    return RunParts(model, train, evals, None, probes, extra_save=lambda folder: save_vocabs(folder, vocab),
                    info={"train_pairs": len(train_pairs), "eval_pairs": len(eval_pairs), "vocab_size": len(vocab),
                          "vocab": vocab, "held_out_examples": eval_pairs[:HELD_OUT_EXAMPLES]})


# ------------------------------------------------------------------------------------ causal LM (GPT)
def _causal_lm(config: TrainConfig, model_folder) -> RunParts:
    """GPT on a corpus's documents, packed into windows of max_len pieces. The tokenizer is a BERT's
    (--tokenizer FOLDER), so one sentence gives the same pieces to both models; without one, one is trained."""
    from ..data.causal_lm import CausalBatches, token_stream, windows
    from ..gpt import gpt_config
    documents, held_out = _documents(config.corpus, "train"), _documents(config.corpus, "validation")
    kind = kind_for_task("causal_lm")
    if model_folder is not None:
        model, tokenizer = load_model(model_folder, kind)
    elif config.pretrained:                          # continued training: the GPT's own weights and tokenizer
        model, tokenizer = load_pretrained(config.pretrained, model_class=kind)
        model.train()
        check_tokenizer_fits(tokenizer, [line for doc in documents[:2000] for line in doc], config.corpus,
                             config.pretrained)
    else:
        tokenizer = load_tokenizer(config.tokenizer) if config.tokenizer else _train_tokenizer(config, documents)
        if config.tokenizer:
            check_tokenizer_fits(tokenizer, [line for doc in documents[:2000] for line in doc], config.corpus,
                                 config.tokenizer)
        fields = {**config.model_config(vocab_size=tokenizer.get_vocab_size()).to_dict(), "type_vocab_size": 0,
                  "norm_first": True, "position": "learned"}
        model = kind.model_class(gpt_config(**fields))
    ids = special_ids(tokenizer)
    rows = windows(token_stream(documents, tokenizer, ids["cls"], ids["sep"]), config.max_len)
    need_one_batch(len(rows), config.batch_size, Phrase(f"windows of {config.max_len} word pieces", "what_windows",
                                                        length=config.max_len),
                   Phrase("Use a larger corpus or a smaller --batch-size.", "advice_larger_corpus"))
    train = CausalBatches(rows, config.batch_size, config.seed, shuffle=True)
    held = windows(token_stream(held_out, tokenizer, ids["cls"], ids["sep"]), config.max_len) if held_out else None
    evals = [] if held is None or not len(held) else list(itertools.islice(
        CausalBatches(held, config.batch_size, 0, shuffle=False, drop_last=False), config.eval_batches))
    sample = " ".join(documents[0][:3]) if documents else ""
    probes = snapshots.causal_probes(tokenizer, _probe_texts(config, sample), config.max_len, ids["cls"])
    return RunParts(model, train, evals, tokenizer, probes,
                    info={"train_windows": len(rows), "eval_windows": 0 if held is None else len(held),
                          "vocab_size": tokenizer.get_vocab_size()})


# ------------------------------------------------------------------------------------ vision (ViT)
def _vision(config: TrainConfig, model_folder) -> RunParts:
    """A ViT on the 8 × 8 digits (train/vision.py): augmented training images, the fixed test split held out."""
    from .vision import vision_data, vision_model_config
    kind = kind_for_task("vision")
    model = load_model(model_folder, kind)[0] if model_folder is not None else \
        kind.model_class(vision_model_config(config))
    data = vision_data(config)
    return RunParts(model, data.train, data.eval, info={"train_images": data.n_train, "eval_images": data.n_test,
                                                        "label_names": [str(d) for d in range(10)]})
