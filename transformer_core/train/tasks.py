"""What differs between the kinds of training: which forward, which losses, which metrics.

The Trainer is the same for all of them; it asks its task three things — run a batch through the
model (``forward``), how many tokens that was (``tokens``), and how to sum up held-out data
(``evaluate``). Batches are dicts of tensors; a ``(dict, record)`` pair (the masking record of
pretraining) is accepted and the record ignored.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from ..decoding import greedy_decode
from ..kinds import kind_for_task
from . import metrics
from .distributed import SINGLE, DistContext, global_share

IGNORE = -100


@dataclass(frozen=True)
class TaskOutput:
    loss: Tensor                  # the scalar the optimiser minimises
    parts: dict                   # named loss parts as floats, e.g. {"mlm": 2.3, "nsp": 0.69}
    metrics: dict                 # accuracies of this batch as floats


def unpack(item) -> dict:
    """Batches arrive as a dict or as (dict, masking record)."""
    return item[0] if isinstance(item, tuple) else item


def _unwrap(model):
    """The model inside DistributedDataParallel, for calls other than forward (e.g. decoding)."""
    return getattr(model, "module", model)


class PretrainTask:
    """Masked LM + next-sentence prediction (BertForPreTraining)."""

    name = "pretrain"
    kind = kind_for_task(name)           # the registry's kind this task trains
    model_class = kind.name              # saved in trainer_state.json; a resumed run loads it by this name

    def __init__(self, masked_logits_only: bool = True, dist: DistContext = SINGLE):
        self.masked_only, self.dist = masked_logits_only, dist

    def tokens(self, batch: dict) -> int:
        return int(batch["attention_mask"].sum())

    def _run(self, model, batch: dict):
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                    token_type_ids=batch["token_type_ids"], labels=batch["labels"],
                    next_sentence_label=batch["next_sentence_label"], masked_logits_only=self.masked_only)
        labels = batch["labels"]
        targets = labels[labels != IGNORE] if self.masked_only else labels   # matches the logits' shape
        return out, targets

    def forward(self, model, batch: dict) -> TaskOutput:
        out, targets = self._run(model, batch)
        with torch.no_grad():
            found = {"mlm_accuracy": metrics.top_k_accuracy(out.logits, targets, 1),
                     "nsp_accuracy": metrics.accuracy(out.nsp_logits.argmax(-1), batch["next_sentence_label"])}
        mlm = out.mlm_loss * global_share(int((batch["labels"] != IGNORE).sum()), self.dist)
        return TaskOutput(mlm + out.nsp_loss, {"mlm": mlm.item(), "nsp": out.nsp_loss.item()}, found)

    @torch.no_grad()
    def evaluate(self, model, batches) -> dict:
        """Token-weighted MLM loss (→ perplexity), top-1/top-5 accuracy over every masked token; NSP accuracy."""
        n_tok = n_seq = 0
        mlm = top1 = top5 = nsp_loss = nsp_hits = 0.0
        for item in batches:
            batch = unpack(item)
            out, targets = self._run(model, batch)
            n = int((targets != IGNORE).sum())
            b = int((batch["next_sentence_label"] != IGNORE).sum())          # rows with an NSP label
            mlm, nsp_loss = mlm + out.mlm_loss.item() * n, nsp_loss + out.nsp_loss.item() * b
            top1 += metrics.top_k_accuracy(out.logits, targets, 1) * n if n else 0.0
            top5 += metrics.top_k_accuracy(out.logits, targets, 5) * n if n else 0.0
            nsp_hits += metrics.accuracy(out.nsp_logits.argmax(-1), batch["next_sentence_label"]) * b if b else 0.0
            n_tok, n_seq = n_tok + n, n_seq + b
        if not n_tok:
            return {}
        n_seq = max(n_seq, 1)                                              # every row a lone sentence: 0, not 0/0
        return {"mlm_loss": mlm / n_tok, "perplexity": metrics.perplexity(mlm / n_tok), "mlm_top1": top1 / n_tok,
                "mlm_top5": top5 / n_tok, "nsp_loss": nsp_loss / n_seq, "nsp_accuracy": nsp_hits / n_seq}


class ClassifyTask:
    """Sequence classification (BertForSequenceClassification) for fine-tuning."""

    name = "finetune"
    kind = kind_for_task(name)           # the registry's kind this task trains
    model_class = kind.name              # saved in trainer_state.json; a resumed run loads it by this name

    def __init__(self, n_labels: int):
        self.n_labels = n_labels

    def tokens(self, batch: dict) -> int:
        return int(batch["attention_mask"].sum())

    def _run(self, model, batch: dict):
        return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                     token_type_ids=batch.get("token_type_ids"), labels=batch["labels"])

    def forward(self, model, batch: dict) -> TaskOutput:
        out = self._run(model, batch)
        found = {"accuracy": metrics.accuracy(out.logits.detach().argmax(-1), batch["labels"])}
        return TaskOutput(out.loss, {"classification": out.loss.item()}, found)

    @torch.no_grad()
    def evaluate(self, model, batches) -> dict:
        """Accuracy, macro-F1 and the confusion matrix's non-zero cells ([true, predicted, count]) over all
        held-out rows: kept in every evaluation of the history, so its size follows the rows, not C × C."""
        preds, labels, loss = [], [], 0.0
        for item in batches:
            batch = unpack(item)
            out = self._run(model, batch)
            preds.append(out.logits.argmax(-1).cpu())
            labels.append(batch["labels"].cpu())
            loss += out.loss.item() * batch["labels"].numel()
        if not labels:
            return {}
        p, y = torch.cat(preds), torch.cat(labels)
        return {"loss": loss / y.numel(), "accuracy": metrics.accuracy(p, y),
                "macro_f1": metrics.macro_f1(p, y, self.n_labels),
                "confusion": metrics.confusion_cells(p, y)}


class VisionTask(ClassifyTask):
    """Image classification (ViTForImageClassification on the 8 × 8 digits): the classifier's evaluation
    (accuracy, macro-F1, confusion cells); training with label smoothing (train/vision.py says why)."""

    name = "vision"
    kind = kind_for_task(name)           # the registry's kind this task trains
    model_class = kind.name              # saved in trainer_state.json; a resumed run loads it by this name

    def __init__(self, model_config, label_smoothing: float = 0.1):
        super().__init__(model_config.n_labels)
        self.label_smoothing = label_smoothing
        self.per_image = (model_config.image_size // model_config.patch_size) ** 2 + 1   # patches + [CLS]

    def tokens(self, batch: dict) -> int:
        return batch["labels"].numel() * self.per_image

    def _run(self, model, batch: dict):
        return model(batch["pixel_values"], labels=batch["labels"])             # logits (B, 10)

    def forward(self, model, batch: dict) -> TaskOutput:
        out = model(batch["pixel_values"])
        loss = F.cross_entropy(out.logits, batch["labels"], label_smoothing=self.label_smoothing)
        found = {"accuracy": metrics.accuracy(out.logits.detach().argmax(-1), batch["labels"])}
        return TaskOutput(loss, {"classification": loss.item()}, found)


class Seq2SeqTask:
    """Encoder-decoder with teacher forcing; evaluation also generates greedily and scores exact match."""

    name = "seq2seq"
    kind = kind_for_task(name)           # the registry's kind this task trains
    model_class = kind.name              # saved in trainer_state.json; a resumed run loads it by this name

    def __init__(self, pad: int = 0, bos: int = 1, eos: int = 2, dist: DistContext = SINGLE):
        self.pad, self.bos, self.eos, self.dist = pad, bos, eos, dist

    def tokens(self, batch: dict) -> int:
        return int((batch["src_ids"] != self.pad).sum() + (batch["labels"] != self.pad).sum())

    def forward(self, model, batch: dict) -> TaskOutput:
        out = model(batch["src_ids"], batch["tgt_ids"], labels=batch["labels"])
        found = {"token_accuracy": metrics.token_accuracy(out.logits.detach().argmax(-1), batch["labels"], self.pad)}
        loss = out.loss * global_share(int((batch["labels"] != self.pad).sum()), self.dist)   # see PretrainTask
        return TaskOutput(loss, {"seq2seq": loss.item()}, found)

    @torch.no_grad()
    def evaluate(self, model, batches) -> dict:
        """Teacher-forced loss and token accuracy, and exact match of greedy generation."""
        loss = hits = n_tok = 0.0
        generated, references = [], []
        for item in batches:
            batch = unpack(item)
            out = model(batch["src_ids"], batch["tgt_ids"], labels=batch["labels"])
            keep = int((batch["labels"] != self.pad).sum())
            loss += out.loss.item() * keep
            hits += metrics.token_accuracy(out.logits.argmax(-1), batch["labels"], self.pad) * keep
            n_tok += keep
            result = greedy_decode(_unwrap(model), batch["src_ids"], self.bos, self.eos,
                                   max_len=batch["labels"].size(1) + 1)
            generated += [metrics.strip_sequence(r, self.bos, self.eos, self.pad) for r in result.tokens.tolist()]
            references += [metrics.strip_sequence(r, self.bos, self.eos, self.pad) for r in batch["labels"].tolist()]
        if not n_tok:
            return {}
        return {"loss": loss / n_tok, "token_accuracy": hits / n_tok,
                "exact_match": metrics.exact_match(generated, references)}


class CausalLMTask:
    """Next-token prediction (GPT): every position predicts the piece after it; the loss is their mean."""

    name = "causal_lm"
    kind = kind_for_task(name)           # the registry's kind this task trains
    model_class = kind.name              # saved in trainer_state.json; a resumed run loads it by this name

    def tokens(self, batch: dict) -> int:
        return int(batch["attention_mask"].sum())

    @staticmethod
    def _targets(batch: dict) -> Tensor:
        return batch["labels"][:, 1:]                                        # (B, T−1) position t predicts t+1

    def forward(self, model, batch: dict) -> TaskOutput:
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"])
        with torch.no_grad():
            found = {"next_top1": metrics.top_k_accuracy(out.logits[:, :-1], self._targets(batch), 1)}
        return TaskOutput(out.loss, {"lm": out.loss.item()}, found)

    @torch.no_grad()
    def evaluate(self, model, batches) -> dict:
        """Token-weighted loss (→ perplexity) and next-token top-1 / top-5 over every held-out position."""
        n_tok, loss, top1, top5 = 0, 0.0, 0.0, 0.0
        for item in batches:
            batch = unpack(item)
            out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"])
            targets, logits = self._targets(batch), out.logits[:, :-1]
            n = int((targets != IGNORE).sum())
            loss += out.loss.item() * n
            top1 += metrics.top_k_accuracy(logits, targets, 1) * n
            top5 += metrics.top_k_accuracy(logits, targets, 5) * n
            n_tok += n
        if not n_tok:
            return {}
        return {"lm_loss": loss / n_tok, "perplexity": metrics.perplexity(loss / n_tok), "next_top1": top1 / n_tok,
                "next_top5": top5 / n_tok}
