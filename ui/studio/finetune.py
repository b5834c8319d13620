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
from transformer_core.train.config import TrainConfig
from ui.i18n import tr
from ui.models import CLASSIFIER, ModelSource
from ui.sentiment_view import show_label

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

TEXT = {
    "title": {"en": "Fine-tune a classifier, live", "zh": "现场微调一个分类器"},
    "intro": {"en": "Take a BERT that already knows its language, put one small linear layer on top, and train "
                    "**all** its weights a little on labelled sentences. Watch the loss fall, then test the "
                    "classifier on sentences it never saw and look at what changed inside.",
              "zh": "拿一个已经懂这门语言的 BERT，在顶上加一个小小的线性层，再用带标签的句子把它**所有**的权重都"
                    "轻轻地训练一下。看损失下降，然后在它从没见过的句子上测试这个分类器，并看看它内部发生了什么变化。"},
    "formula_caption": {"en": "v is the sentence vector (pooled [CLS] or mean of the tokens); W, b are new. θ are "
                              "all of BERT's weights: they start from the pretrained values and move a little.",
                        "zh": "v 是句向量（池化后的 [CLS] 或所有词元的平均）；W、b 是新加的。θ 是 BERT 的全部权重："
                              "它们从预训练的值出发，只移动一点点。"},
    "h_base": {"en": "1 · Base model", "zh": "1 · 基础模型"},
    "base": {"en": "Start from", "zh": "从这个模型出发"},
    "no_base": {"en": "No BERT model is available to start from. Pretrain one on the “Pretrain a BERT” page, or "
                      "open a model folder in the sidebar.",
                "zh": "没有可以作为起点的 BERT 模型。请在“预训练 BERT”页面先预训练一个，"
                      "或在侧边栏打开一个模型文件夹。"},
    "base_classifier": {"en": "This model is already a classifier: its old linear layer is thrown away and a new "
                              "one is trained for your labels.",
                        "zh": "这个模型本来就是分类器：它原来的线性层会被丢掉，为你的标签重新训练一个新的。"},
    "unknown_share": {"en": "{share:.0%} of its word pieces would be [UNK]", "zh": "{share:.0%} 的词元会变成 [UNK]"},
    "lang_mismatch": {"en": "The base model and the data are in different languages: most words would become [UNK] "
                            "for this model's tokenizer. Pick a model and a dataset in the same language.",
                      "zh": "基础模型和数据不是同一种语言：对这个模型的分词器来说，大多数词都会变成 [UNK]。"
                            "请选择同一种语言的模型和数据集。"},
    "h_data": {"en": "2 · Labelled data", "zh": "2 · 带标签的数据"},
    "dataset": {"en": "Dataset", "zh": "数据集"},
    "set_sentiment-zh": {"en": "Chinese reviews: negative / positive (shipped)", "zh": "中文评论：负面 / 正面（自带）"},
    "set_sentiment-en-small": {"en": "English reviews: negative / positive (shipped)",
                               "zh": "英文评论：负面 / 正面（自带）"},
    "set_other": {"en": "{name} (shipped)", "zh": "{name}（自带）"},
    "set_upload": {"en": "My own file (CSV: text,label)", "zh": "我自己的文件（CSV：text,label）"},
    "upload": {"en": "A CSV or TSV file with a header line `text,label` and one example per line",
               "zh": "CSV 或 TSV 文件：第一行是表头 `text,label`，之后每行一个样本"},
    "upload_wait": {"en": "Choose a file to continue. Example:", "zh": "请选择一个文件再继续。例如："},
    "bad_file": {"en": "This file cannot be used:", "zh": "无法使用这个文件（下面是英文说明）："},
    "no_test_row": {"en": "The label “{label}” has {train} example(s) for training and {test} for testing. The "
                          "split goes by a hash of each text (about 1 in 10 is held out), so every label needs a "
                          "few more examples: add some and upload again.",
                    "zh": "标签“{label}”有 {train} 个训练样本、{test} 个测试样本。数据按每条文本的哈希值划分"
                          "（大约十分之一留作测试），所以每个标签都需要再多一些样本：补充一些后重新上传。"},
    "sizes": {"en": "{train:,} examples for training, {test:,} held out for the test. Per label:",
              "zh": "{train:,} 个样本用于训练，{test:,} 个留作测试。各标签的数量："},
    "col_label": {"en": "label", "zh": "标签"},
    "col_train": {"en": "training", "zh": "训练"},
    "col_test": {"en": "test", "zh": "测试"},
    "col_text": {"en": "text", "zh": "文本"},
    "samples": {"en": "Five training examples", "zh": "五个训练样本"},
    "split_note": {"en": "Held out by a hash of each text: the same sentence always lands on the same side, so no "
                         "test sentence is ever trained on.",
                   "zh": "按每条文本的哈希值留出测试集：同一句话总是落在同一边，所以测试句子绝不会被拿来训练。"},
    "h_settings": {"en": "3 · Settings", "zh": "3 · 设置"},
    "pooling": {"en": "Sentence vector v", "zh": "句向量 v"},
    "pool_cls": {"en": "[CLS] pooler", "zh": "[CLS] 池化"},
    "pool_mean": {"en": "mean of the tokens", "zh": "词元平均"},
    "pool_cls_help": {"en": "v = tanh(W_p·h_[CLS] + b_p): BERT's own choice. Attention has to gather the whole "
                            "sentence into the [CLS] position.",
                      "zh": "v = tanh(W_p·h_[CLS] + b_p)：BERT 原本的做法。注意力必须把整句话的信息"
                            "汇集到 [CLS] 位置上。"},
    "pool_mean_help": {"en": "v = average of every token's last vector: each word votes directly, often a little "
                             "better for small models and short runs.",
                       "zh": "v = 所有词元最后一层向量的平均：每个词都直接投票，对小模型和短时间训练往往稍好一些。"},
    "steps": {"en": "Steps", "zh": "训练步数"},
    "batch": {"en": "Batch size", "zh": "批大小"},
    "lr": {"en": "Learning rate", "zh": "学习率"},
    "lr_help": {"en": "Fine-tuning moves pretrained weights only a little: 2e-5 … 5e-5 for BERT-base; a small "
                      "model like bert-mini learns faster with 1e-4 … 3e-4.",
                "zh": "微调只让预训练的权重移动一点点：BERT-base 常用 2e-5 … 5e-5；bert-mini 这样的小模型"
                      "用 1e-4 … 3e-4 学得更快。"},
    "max_len": {"en": "Longest text (tokens)", "zh": "最长文本（词元数）"},
    "device": {"en": "Device", "zh": "设备"},
    "dev_cpu": {"en": "CPU", "zh": "CPU"},
    "dev_cuda": {"en": "GPU (CUDA)", "zh": "GPU（CUDA）"},
    "estimate": {"en": "On 2 CPU cores this takes about {time}: the texts average {tokens:.0f} tokens, and time grows "
                       "with steps × batch size × length. Measured with bert-mini, 300 steps of 16 reviews: 1.8 min "
                       "for the Chinese reviews (82% test accuracy), 40 s for the English ones (70%).",
                 "zh": "在 2 个 CPU 核心上大约需要 {time}：文本平均 {tokens:.0f} 个词元，时间随“步数 × 批大小 × 长度”"
                       "增长。实测 bert-mini 训练 300 步、每批 16 条评论：中文评论 1.8 分钟（测试准确率 82%），"
                       "英文评论 40 秒（70%）。"},
    "epochs": {"en": "That is {epochs:.1f} passes over the training examples.",
               "zh": "相当于把训练样本过 {epochs:.1f} 遍。"},
    "bad_lr": {"en": "The learning rate must be a number like 5e-5 or 0.0001, between {low:g} and {high:g}; "
                     "got “{value}”.",
               "zh": "学习率必须是像 5e-5 或 0.0001 这样的数，在 {low:g} 到 {high:g} 之间；现在是“{value}”。"},
    "bad_batch": {"en": "A batch of {batch} needs at least {batch} training examples, but there are {n}. Use a "
                        "smaller batch size or more data.",
                  "zh": "每批 {batch} 个样本至少需要 {batch} 个训练样本，但现在只有 {n} 个。请减小批大小或增加数据。"},
    "default_label": {"en": "my classifier · {data}", "zh": "我的分类器 · {data}"},
    "my_data": {"en": "my data", "zh": "我的数据"},
    "seconds": {"en": "{n:.0f} s", "zh": "{n:.0f} 秒"},
    "minutes": {"en": "{n:.1f} min", "zh": "{n:.1f} 分钟"},
}


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
    for fits in (lambda s: s.lang == lang and s.architecture != CLASSIFIER, lambda s: s.lang == lang):
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
        return tr(TEXT, "set_upload", lang)
    key = f"set_{name}"
    return tr(TEXT, key, lang) if key in TEXT else tr(TEXT, "set_other", lang, name=name)


def load_shipped(name: str) -> Dataset:
    """A shipped labelled corpus: its train split for training, its test split for the test."""
    train_texts, train_labels, names = corpora.load_labelled(name, "train")
    test_texts, test_labels, _ = corpora.load_labelled(name, "test")
    return Dataset(name, list(names), train_texts, train_labels, test_texts, test_labels)


def split_upload(raw: bytes) -> Dataset:
    """An upload's bytes → Dataset. DataError (English, from read_labelled) for a bad file; SplitProblem
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
    return [{tr(TEXT, "col_label", lang): show_label(name, lang), tr(TEXT, "col_train", lang): a,
             tr(TEXT, "col_test", lang): b} for name, a, b in zip(dataset.label_names, train, test, strict=True)]


def sample_rows(dataset: Dataset, lang: str, n: int = SAMPLE_ROWS) -> list[dict]:
    """``n`` training rows spread evenly over the file (not just its first lines, often one label)."""
    total = len(dataset.train_texts)
    picks = sorted({round(i * (total - 1) / max(1, n - 1)) for i in range(min(n, total))})
    return [{tr(TEXT, "col_text", lang): dataset.train_texts[i],
             tr(TEXT, "col_label", lang): show_label(dataset.label_names[dataset.train_labels[i]], lang)}
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
        problems.append(tr(TEXT, "bad_lr", lang, value=lr_text, low=LR_RANGE[0], high=LR_RANGE[1]))
    if batch_size > n_train:
        problems.append(tr(TEXT, "bad_batch", lang, batch=batch_size, n=n_train))
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


def mean_tokens(tokenizer, texts: list[str], max_len: int) -> float:
    """Average length in tokens ([CLS] and [SEP] included, cut at max_len) of the first TOKEN_SAMPLE texts."""
    lengths = [min(max_len, len(e.ids)) for e in tokenizer.encode_batch(texts[:TOKEN_SAMPLE])]
    return sum(lengths) / max(1, len(lengths))


def step_estimate(batch_size: int, tokens: float) -> float:
    """Seconds per step on 2 quiet CPU cores: every token of every example costs about MS_PER_TOKEN (a step's
    work grows with batch × length; attention's T² part is small next to the T·D² of short texts)."""
    return batch_size * tokens * MS_PER_TOKEN / 1000


def estimate(steps: int, batch_size: int, tokens: float, lang: str, factor: float = 1.0) -> str:
    """About how long the run takes; ``factor``: measured / estimated speed of this machine's last run."""
    seconds = steps * step_estimate(batch_size, tokens) * factor
    return tr(TEXT, "seconds", lang, n=seconds) if seconds < 90 else tr(TEXT, "minutes", lang, n=seconds / 60)


def default_label(dataset_name: str, lang: str) -> str:
    """The name proposed for the model picker, e.g. "my classifier · sentiment-zh"."""
    data = tr(TEXT, "my_data", lang) if dataset_name == UPLOAD else dataset_name
    return tr(TEXT, "default_label", lang, data=data)
