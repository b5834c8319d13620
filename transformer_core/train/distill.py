"""Knowledge distillation (Hinton et al., 2015; DistilBERT): a small student learns from a big teacher's
*whole* distribution over the vocabulary at each masked position, not only from the one right word.

    L = τ² · KL(p_T^τ ‖ p_S^τ) + α · CE(y, p_S) + NSP,     p^τ = softmax(z / τ)

A temperature τ > 1 flattens both distributions, so the teacher's "dark knowledge" — that *mat* and *floor*
are both plausible, *banana* not — carries weight; τ² keeps the soft term's gradient the same size as τ
changes (each logit's gradient is scaled by 1/τ twice). α weighs the hard labels. The student must read
the teacher's vocabulary: it shares the teacher's tokenizer, so position v means the same word in both.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..config import ConfigError
from . import metrics
from .distributed import SINGLE, DistContext, global_share
from .tasks import IGNORE, PretrainTask, TaskOutput


def kd_loss(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """τ² · KL(p_T^τ ‖ p_S^τ), averaged over positions. Logits (N, V); 0 when the two distributions agree."""
    log_student = F.log_softmax(student_logits.float() / temperature, dim=-1)     # (N, V)
    log_teacher = F.log_softmax(teacher_logits.float() / temperature, dim=-1)     # (N, V)
    kl = F.kl_div(log_student, log_teacher, log_target=True, reduction="batchmean")  # Σ p_T (log p_T − log p_S)
    return kl * temperature ** 2


class DistillTask(PretrainTask):
    """Pretraining (MLM + NSP) with the teacher's soft targets added at every masked position.
    Evaluation is the plain pretraining one: the student's own held-out masked-token accuracy."""

    name = "pretrain"

    def __init__(self, teacher, alpha: float, temperature: float, dist: DistContext = SINGLE):
        super().__init__(masked_logits_only=True, dist=dist)                   # soft targets only where labelled
        self.teacher, self.alpha, self.temperature = teacher.eval(), alpha, temperature
        for p in self.teacher.parameters():
            p.requires_grad_(False)

    def check_vocabulary(self, student) -> None:
        ours, theirs = student.config.vocab_size, self.teacher.config.vocab_size
        if ours != theirs:
            raise ConfigError(f"The student reads {ours} word pieces and the teacher {theirs}: distillation "
                              "compares the two distributions word by word, so the student must use the "
                              "teacher's tokenizer (--tokenizer TEACHER_FOLDER).", "teacher_vocab",
                              student=ours, teacher=theirs)

    def forward(self, model, batch: dict) -> TaskOutput:
        out, targets = self._run(model, batch)
        with torch.no_grad():
            teacher = self.teacher(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                                   token_type_ids=batch["token_type_ids"], labels=batch["labels"],
                                   masked_logits_only=True).logits                # (N, V) at the labelled positions
        share = global_share(int((batch["labels"] != IGNORE).sum()), self.dist)
        soft = kd_loss(out.logits, teacher, self.temperature) * share
        hard = out.mlm_loss * share
        with torch.no_grad():
            found = {"mlm_accuracy": metrics.top_k_accuracy(out.logits, targets, 1),
                     "nsp_accuracy": metrics.accuracy(out.nsp_logits.argmax(-1), batch["next_sentence_label"])}
        loss = soft + self.alpha * hard + out.nsp_loss
        return TaskOutput(loss, {"kd": soft.item(), "mlm": hard.item(), "nsp": out.nsp_loss.item()}, found)


def load_teacher(folder: str, device) -> torch.nn.Module:
    """The teacher from its folder, frozen, on the student's device (any BERT with an MLM head)."""
    from ..checkpoint import load_pretrained
    teacher, _ = load_pretrained(folder)
    if not hasattr(teacher, "mlm"):
        raise ConfigError(f"{folder} has no masked-LM head, so it cannot give soft targets over the vocabulary.",
                          "teacher_no_mlm", folder=folder)
    return teacher.to(device).eval()


STUDENT = {"n_layers": 2, "d_model": 128, "n_heads": 2, "d_ff": 512}   # the small student of the measurement


def compare(teacher: str, corpus: str = "en", steps: int = 300, batch_size: int = 16, max_len: int = 64,
            student: dict | None = None, lr: float = 1e-3, alpha: float = 0.5, temperature: float = 2.0,
            eval_batches: int = 20, seed: int = 0, precision: str = "auto", on_step=None) -> dict:
    """The same student (same initial weights, batches, masking, steps) trained twice — from the labels
    alone, then with the teacher's soft targets — and each one's held-out masked-token accuracy.
    ``on_step(arm, StepMetrics)`` is called after every step (a page's progress bar)."""
    from .build import build_parts
    from .config import TrainConfig
    from .trainer import Trainer
    results = {}
    for arm, source in (("labels_only", ""), ("distilled", teacher)):
        config = TrainConfig(task="pretrain", preset="mini", model=dict(student or STUDENT), corpus=corpus,
                             tokenizer=teacher, teacher=source, kd_alpha=alpha, kd_temperature=temperature,
                             max_len=max_len, batch_size=batch_size, steps=steps, lr=lr, seed=seed,
                             eval_batches=eval_batches, precision=precision, out_dir="", log_every=max(steps, 1))
        parts = build_parts(config)
        trainer = Trainer(config, parts.model, parts.train, parts.eval, tokenizer=parts.tokenizer)
        for m in trainer.steps(steps):
            if on_step is not None:
                on_step(arm, m)
        held = trainer.evaluate()
        results[arm] = {"mlm_top1": held.get("mlm_top1"), "mlm_top5": held.get("mlm_top5"),
                        "mlm_loss": held.get("mlm_loss"), "train_seconds": sum(h["seconds"] for h in trainer.history)}
        results["student_parameters"] = sum(p.numel() for p in parts.model.parameters())
        results["precision"] = str(trainer.autocast or torch.float32).removeprefix("torch.")
    return results
