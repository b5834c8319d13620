"""Fine-tuning studio, part 1: what to fine-tune (base model, labelled data) and how (the settings).

Fine-tuning starts from a BERT that already knows its language (pretrained on masked words and next
sentences) and puts a fresh linear layer on top: p(class | text) = softmax(W·v + b), where v is the
[CLS] vector or the mean of the token vectors. Then *every* weight is trained a little, with a small
learning rate, on labelled examples. This file chooses the ingredients; ``finetune_results.py``
looks at what came out. Pure functions, no Streamlit: the page draws what these return.

An uploaded file is read with ``read_labelled`` (which explains every bad file), split into train and
test by a hash of each text (the same text always lands on the same side, so nothing leaks), and
written into the session's workspace under OUR fixed names — the learner's file name is never a path.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from transformer_core.data import classification, corpora
from transformer_core.kinds import CLASSIFY
from transformer_core.train.config import TrainConfig
from ui.models import ModelSource
from ui.sentiment_view import show_label

from ..i18n import TERMS, Scope
from .memory import memory_problem, training_memory

UPLOAD = "upload"                                   # the dataset choice "my own file"
TRAIN_FILE, TEST_FILE = "labelled-train.csv", "labelled-train-heldout.csv"   # the trainer evaluates on
                                                                              # NAME-heldout (see build.py)
PREFERRED_SETS = ("sentiment-en-small", "sentiment-zh")   # shown first when the manifest has them
DEFAULTS = {"steps": 300, "batch_size": 16, "lr": "2e-4", "max_len": 128}   # bert-mini-zh: 82% test accuracy
LIMITS = {"steps": (1, 5000), "batch_size": (1, 128), "max_len": (8, 512)}
LR_RANGE = (1e-6, 1e-2)
MS_PER_TOKEN = 0.47         # measured on 2 CPU cores, bert-mini (4 layers, d=256), build and 11 checkpoints
                            # included: 300 steps × 16 reviews took 107 s in Chinese (47 tokens a review),
                            # 39 s in English (18 tokens a review)
TOKEN_SAMPLE = 500          # texts measured for the average length
SAMPLE_ROWS = 5
STEPS_PER_CHECKPOINT = 20   # a checkpoint (evaluation + model and optimiser on disk) costs about 2 steps

TEXT = Scope("finetune")


class SplitProblem(ValueError):
    """An uploaded set that reads fine but cannot be split into train and test; ``key`` names the message."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Dataset:
    name: str                  # the shipped corpus, or UPLOAD
    label_names: list[str]     # label_names[id] = the label as written in the data
    train_texts: list[str]
    train_labels: list[int]    # ids 0 … C−1
    test_texts: list[str]
    test_labels: list[int]

    def counts(self) -> tuple[list[int], list[int]]:
        """(examples per label in train, in test)."""
        n = len(self.label_names)
        return ([self.train_labels.count(i) for i in range(n)], [self.test_labels.count(i) for i in range(n)])


# ── base models ────────────────────────────────────────────────────────────────────────────────────

def base_models(sources: list[ModelSource]) -> list[ModelSource]:
    """BERTs on disk that can start a fine-tune: encoders with a folder (not the random fallback)."""
    return [s for s in sources if s.is_encoder and s.folder and s.origin != "random"]


def default_base(bases: list[ModelSource], lang: str) -> str | None:
    """A pretrained (not yet classifying) BERT in the page's language, else any in that language, else the first;
    of several, the smallest: a live run should finish while the class watches."""
    for fits in (lambda s: s.lang == lang and not s.can(CLASSIFY), lambda s: s.lang == lang):
        found = sorted((s for s in bases if fits(s)), key=_size)
        if found:
            return found[0].key
    return bases[0].key if bases else None


def _size(source: ModelSource) -> int:
    """Width × depth from config.json (a stand-in for the cost of a step); unknown sizes sort last."""
    try:
        data = json.loads((Path(source.folder) / "config.json").read_text(encoding="utf-8"))
        return int(data["hidden_size"]) * int(data["num_hidden_layers"])
    except (OSError, KeyError, TypeError, ValueError):
        return 1 << 30


# ── datasets ───────────────────────────────────────────────────────────────────────────────────────

def shipped_sets(manifest: dict | None = None) -> list[str]:
    """The labelled corpora shipped with the app (a corpus not yet built is simply not listed)."""
    found = (manifest or corpora.read_manifest())["corpora"]
    labelled = [name for name, entry in found.items() if entry.get("kind") == "labelled"]
    return sorted(labelled, key=lambda n: (PREFERRED_SETS.index(n) if n in PREFERRED_SETS else 99, n))


def set_lang(name: str) -> str:
    """"sentiment-zh" → "zh", "sentiment-en-small" → "en"; "" when the name does not say."""
    parts = name.split("-")
    return "zh" if "zh" in parts else "en" if "en" in parts else ""


def default_set(options: list[str], model_lang: str) -> str:
    return next((name for name in options if set_lang(name) == model_lang), options[0] if options else UPLOAD)


def set_label(name: str, lang: str) -> str:
    if name == UPLOAD:
        return TEXT("set_upload", lang)
    key = f"set_{name}"
    return TEXT(key, lang) if key in TEXT else TEXT("set_other", lang, name=name)


def load_shipped(name: str) -> Dataset:
    """A shipped labelled corpus: its train split for training, its test split for the test."""
    train_texts, train_labels, names = corpora.load_labelled(name, "train")
    test_texts, test_labels, _ = corpora.load_labelled(name, "test")
    return Dataset(name, list(names), train_texts, train_labels, test_texts, test_labels)


def split_upload(raw: bytes) -> Dataset:
    """An upload's bytes → Dataset. DataError (keyed, from read_labelled) for a bad file; SplitProblem
    when a label would miss the training or the test side.

    The test side is what ``split_of`` calls validation or test (about 10%): a hash of the text, so the
    same sentence always lands on the same side and duplicates cannot leak from train into test."""
    data = classification.read_labelled(raw)
    train, test = ([], []), ([], [])
    for text, label in zip(data.texts, data.labels, strict=True):
        side = train if corpora.split_of(text) == "train" else test
        side[0].append(text)
        side[1].append(label)
    dataset = Dataset(UPLOAD, list(data.label_names), train[0], train[1], test[0], test[1])
    for i, (n_train, n_test) in enumerate(zip(*dataset.counts(), strict=True)):
        if n_train == 0 or n_test == 0:
            raise SplitProblem("no_test_row", label=dataset.label_names[i], train=n_train, test=n_test)
    return dataset


def write_dataset(workspace, dataset: Dataset) -> Path:
    """Write both sides into the workspace under our fixed names; returns the training file (TrainConfig.corpus).

    Labels are written as their names, so that ``read_labelled`` (which the trainer uses) finds the same
    names in the same order and the model's class i means ``label_names[i]``."""
    for name, texts, labels in ((TRAIN_FILE, dataset.train_texts, dataset.train_labels),
                                (TEST_FILE, dataset.test_texts, dataset.test_labels)):
        rows = corpora.format_labelled(texts, [dataset.label_names[i] for i in labels])
        workspace.save_upload(rows.encode("utf-8"), name)
    return workspace.file(TRAIN_FILE)


def label_table(dataset: Dataset, lang: str) -> list[dict]:
    """One row per label: how many examples train and test on it."""
    train, test = dataset.counts()
    return [{TEXT("col_label", lang): show_label(name, lang), TEXT("col_train", lang): a,
             TEXT("col_test", lang): b} for name, a, b in zip(dataset.label_names, train, test, strict=True)]


def sample_rows(dataset: Dataset, lang: str, n: int = SAMPLE_ROWS) -> list[dict]:
    """``n`` training rows spread evenly over the file (not just its first lines, often one label)."""
    total = len(dataset.train_texts)
    picks = sorted({round(i * (total - 1) / max(1, n - 1)) for i in range(min(n, total))})
    return [{TERMS("text", lang): dataset.train_texts[i],
             TEXT("col_label", lang): show_label(dataset.label_names[dataset.train_labels[i]], lang)}
            for i in picks]


# ── settings ───────────────────────────────────────────────────────────────────────────────────────

def parse_lr(text: str) -> float | None:
    """"5e-5", "0.0001", " 1E-4 " → a float in LR_RANGE; anything else → None."""
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if LR_RANGE[0] <= value <= LR_RANGE[1] else None


def settings_problems(batch_size: int, lr_text: str, n_train: int, lang: str) -> list[str]:
    """What is wrong with the settings, in the learner's language (empty: ready to start).
    Steps and max_len come from bounded number inputs and cannot be wrong."""
    problems = []
    if parse_lr(lr_text) is None:
        problems.append(TEXT("bad_lr", lang, value=lr_text, low=LR_RANGE[0], high=LR_RANGE[1]))
    if batch_size > n_train:
        problems.append(TEXT("bad_batch", lang, batch=batch_size, n=n_train))
    return problems


def make_config(base_folder: str, corpus: str, pooling: str, steps: int, batch_size: int, lr: float,
                max_len: int, device: str) -> TrainConfig:
    """The run's TrainConfig (raises ConfigError for impossible values; the page validates first)."""
    return TrainConfig(task="finetune", pretrained=str(base_folder), corpus=str(corpus), pooling=pooling,
                       steps=int(steps), batch_size=int(batch_size), lr=float(lr), max_len=int(max_len),
                       device=device, eval_batches=10)


def checkpoint_count(steps: int) -> int:
    """Checkpoints after step 0: up to 10 (points of the held-out curve), at least 20 steps apart."""
    return max(1, min(10, steps // STEPS_PER_CHECKPOINT))


def device_options(cuda: bool) -> list[str]:
    return ["cpu", "cuda"] if cuda else ["cpu"]


def token_lengths(tokenizer, texts: list[str], max_len: int) -> list[int]:
    """Lengths in tokens ([CLS] and [SEP] included, cut at max_len) of the first TOKEN_SAMPLE texts."""
    return [min(max_len, len(e.ids)) for e in tokenizer.encode_batch(texts[:TOKEN_SAMPLE])]


def mean_tokens(tokenizer, texts: list[str], max_len: int) -> float:
    """Average length in tokens ([CLS] and [SEP] included, cut at max_len) of the first TOKEN_SAMPLE texts."""
    lengths = token_lengths(tokenizer, texts, max_len)
    return sum(lengths) / max(1, len(lengths))


def memory_check(config, batch_size: int, longest: int, lang: str) -> str | None:
    """None when fine-tuning ``config`` (the base model) fits in a run's memory with batches of ``batch_size``
    rows of up to ``longest`` tokens (a batch is cut to its own longest row); else what to reduce."""
    memory = training_memory(config, batch_size, max(1, longest), masked_share=0.0)   # a classifier: no MLM
    return memory_problem(memory, batch_size, lang, base_model=True)


def step_estimate(batch_size: int, tokens: float) -> float:
    """Seconds per step on 2 quiet CPU cores: every token of every example costs about MS_PER_TOKEN (a step's
    work grows with batch × length; attention's T² part is small next to the T·D² of short texts)."""
    return batch_size * tokens * MS_PER_TOKEN / 1000


def estimate(steps: int, batch_size: int, tokens: float, lang: str, factor: float = 1.0) -> str:
    """About how long the run takes; ``factor``: measured / estimated speed of this machine's last run."""
    seconds = steps * step_estimate(batch_size, tokens) * factor
    return TEXT("seconds", lang, n=seconds) if seconds < 90 else TEXT("minutes", lang, n=seconds / 60)


def default_label(dataset_name: str, lang: str) -> str:
    """The name proposed for the model picker, e.g. "my classifier · sentiment-zh"."""
    data = TEXT("my_data", lang) if dataset_name == UPLOAD else dataset_name
    return TEXT("default_label", lang, data=data)
