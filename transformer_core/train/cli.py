"""``python -m transformer_core.train pretrain | finetune | seq2seq``: the Trainer from a shell.

    python -m transformer_core.train pretrain --corpus en --steps 2000 --out runs/bert-en
    python -m transformer_core.train finetune --pretrained runs/bert-en --corpus reviews.csv --pooling mean
    python -m transformer_core.train seq2seq --seq2seq-task number-zh --steps 3000
    python -m transformer_core.train pretrain --config my_run.json --steps 50     # flags override the file
    python -m transformer_core.train pretrain --resume runs/bert-en               # continue exactly
    torchrun --nproc_per_node=2 -m transformer_core.train pretrain …              # DistributedDataParallel

Prints one progress line every ``--log-every`` steps (loss, accuracy, lr, tokens/s, ETA) and a
summary at the end. Exit status: 0 done, 1 bad input, 2 stopped by the NaN/inf guard.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..checkpoint import CheckpointError
from ..config import PRESETS, ConfigError
from ..data.corpora import SHIPPED
from ..data.pretraining import LONE
from ..data.seq2seq_tasks import TASKS as SEQ2SEQ_TASKS
from ..errors import DataError, SaveError
from .build import build_parts
from .config import DECAYS, DEVICES, MAX_LEN_LIMIT, PRECISIONS, TASKS, TrainConfig
from .distributed import close, finish, init_from_env
from .resume import plan_resume
from .state import checkpoint_folder, read_info
from .trainer import StepMetrics, Trainer, TrainingStopped

FLAGS = {   # flag → (TrainConfig field, type, help)
    "--out": ("out_dir", str, "checkpoint folder"), "--steps": ("steps", int, "optimisation steps"),
    "--batch-size": ("batch_size", int, "sequences per step (global)"), "--lr": ("lr", float, "peak learning rate"),
    "--warmup": ("warmup_steps", int, "warmup steps"), "--decay": ("decay", str, "learning-rate decay after warmup"),
    "--max-len": ("max_len", int, f"longest sequence in tokens (at most {MAX_LEN_LIMIT})"),
    "--corpus": ("corpus", str, f"shipped corpus ({', '.join(SHIPPED)}) or the path of your own file"),
    "--tokenizer": ("tokenizer", str, "folder with tokenizer.json"),
    "--vocab-size": ("vocab_size", int, "word pieces to train"),
    "--pretrained": ("pretrained", str, "finetune: pretrained BERT folder"),
    "--pooling": ("pooling", str, "finetune: sentence vector"), "--seq2seq-task": ("seq2seq_task", str, "seq2seq task"),
    "--n-pairs": ("n_pairs", int, "seq2seq: generated pairs"), "--preset": ("preset", str, "model preset"),
    "--seed": ("seed", int, "random seed"), "--device": ("device", str, "where to compute"),
    "--precision": ("precision", str, "arithmetic precision"), "--save-every": ("save_every", int, "steps per save"),
    "--eval-every": ("eval_every", int, "steps per evaluation"), "--log-every": ("log_every", int, "steps per line"),
    "--eval-batches": ("eval_batches", int, "held-out batches"), "--weight-decay": ("weight_decay", float, "AdamW"),
    "--grad-clip": ("grad_clip", float, "max gradient norm (0 = off)"),
    "--teacher": ("teacher", str, "pretrain: distil from this BERT folder (its tokenizer unless --tokenizer)"),
    "--kd-alpha": ("kd_alpha", float, "distillation: weight of the hard-label loss"),
    "--kd-temperature": ("kd_temperature", float, "distillation: softmax temperature"),
    "--lone-sentences": ("lone_sentences", str, "pretrain: a one-sentence document is a NotNext pair or MLM only"),
}
CHOICES = {"decay": DECAYS, "device": DEVICES, "precision": PRECISIONS, "pooling": ("cls", "mean"),
           "preset": tuple(PRESETS), "seq2seq_task": SEQ2SEQ_TASKS, "lone_sentences": LONE}
SHOWN_DEFAULTS = {"warmup_steps": "10%% of --steps, at most 100", "tokenizer": "train one on the corpus",
                  "pretrained": "none; finetune needs it", "save_every": "0 = only at the end",
                  "eval_every": "0 = only at the end", "teacher": "none: labels only"}
# (%% because argparse formats help with %)
MODEL_FLAGS = {"--layers": "n_layers", "--d-model": "d_model", "--heads": "n_heads", "--ffn": "d_ff",
               "--dropout": "dropout", "--patch": "patch_size"}       # --patch: vision (a ViT's patch side)


def parse_args(argv=None) -> argparse.Namespace:
    """A flag that is not given is absent from the result (``argument_default=SUPPRESS``), so that the
    --config file is not overridden by defaults and a resumed run can name the flags given to it."""
    parser = argparse.ArgumentParser(prog="python -m transformer_core.train", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     argument_default=argparse.SUPPRESS)
    parser.add_argument("task", choices=TASKS)
    parser.add_argument("--config", default=None, help="JSON file of TrainConfig fields; flags override it")
    parser.add_argument("--resume", default=None, help="checkpoint folder to continue from (its saved settings "
                        "are used; only --steps and the --out/--*-every/--eval-batches/--device/--precision flags "
                        "may change)")
    parser.add_argument("--stop-at", type=int, default=None, help="end this session at this step and save")
    defaults = TrainConfig()
    for flag, (name, kind, text) in FLAGS.items():
        shown = SHOWN_DEFAULTS.get(name, getattr(defaults, name))
        parser.add_argument(flag, type=kind, choices=CHOICES.get(name), help=f"{text} (default: {shown})")
    for flag, name in MODEL_FLAGS.items():
        parser.add_argument(flag, type=float if name == "dropout" else int,
                            help=f"model {name} (default: the preset's)")
    return parser.parse_args(argv)


def given_flags(args: argparse.Namespace) -> dict:
    """{flag: (field, value)} of the flags on the command line (see resume.plan_resume)."""
    def value(flag):
        return getattr(args, flag[2:].replace("-", "_"), None)
    given = {flag: (name, value(flag)) for flag, (name, _, _) in FLAGS.items()}
    given |= {flag: ("model." + name, value(flag)) for flag, name in MODEL_FLAGS.items()}
    given["--config"] = (None, args.config)
    return {flag: (name, value) for flag, (name, value) in given.items() if value is not None}


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Defaults ← the --config file ← flags given on the command line."""
    data = json.loads(Path(args.config).read_text(encoding="utf-8")) if args.config else {}
    data["task"] = args.task
    model = dict(data.get("model", {}))
    for name, value in given_flags(args).values():
        if name is None:
            continue
        if name.startswith("model."):
            model[name.removeprefix("model.")] = value
            if name == "model.dropout":
                model["attn_dropout"] = value
        else:
            data[name] = value
    data["model"] = model
    return TrainConfig.from_dict(data)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def progress_line(m: StepMetrics, total: int, elapsed: float, done: int) -> str:
    """One plain-text line: where we are, how it goes, how fast, how long still."""
    accuracy = " ".join(f"{k} {v:.3f}" for k, v in m.metrics.items())
    parts = " ".join(f"{k} {v:.3f}" for k, v in m.parts.items()) if len(m.parts) > 1 else ""
    eta = elapsed / max(done, 1) * (total - m.step)
    return (f"step {m.step:>6}/{total}  loss {m.loss:.4f} {('(' + parts + ')') if parts else ''}  {accuracy}  "
            f"lr {m.lr:.2e}  |g| {m.grad_norm:.2f}  {m.tokens_per_s:,.0f} tok/s  ETA {_clock(eta)}")


def make_trainer(args) -> tuple[Trainer, list[str]]:
    """A new Trainer, or a resumed one with the safe flag changes applied → (trainer, notes for the log)."""
    if args.resume:
        folder = checkpoint_folder(args.resume)
        info = read_info(folder)
        changes, notes = plan_resume(TrainConfig.from_dict(info["config"]), info["step"], args.task,
                                     given_flags(args))
        return Trainer.load(folder, changes=changes), notes
    config = config_from_args(args)
    parts = build_parts(config)
    return Trainer(config, parts.model, parts.train, parts.eval, **parts.trainer_kwargs()), parts.notes


def train(args) -> int:
    ctx = init_from_env()
    say = print if ctx.is_main else (lambda *a, **k: None)
    trainer, notes = make_trainer(args)
    for note in notes:
        say(note, file=sys.stderr if note.startswith("warning") else sys.stdout)
    config, total = trainer.config, trainer.config.steps
    n_params = sum(p.numel() for p in trainer.model.parameters())
    say(f"{config.task}: {type(trainer.model).__name__}, {n_params / 1e6:.2f}M parameters, on {trainer.device} "
        f"× {ctx.world} process(es), batch {config.batch_size}, {total - trainer.step_count} steps to go")
    start, done, tokens = time.perf_counter(), 0, 0
    end = min(total, args.stop_at or total)
    for m in trainer.steps(max(0, end - trainer.step_count)):
        done, tokens = done + 1, tokens + m.tokens
        if m.step % config.log_every == 0 or m.step == total:
            say(progress_line(m, total, time.perf_counter() - start, done), flush=True)
    train_seconds = time.perf_counter() - start
    result = trainer.evaluate() if trainer.eval_batches else {}
    folder = trainer.save()
    finish(ctx)
    say(f"\ndone: {done} steps in {_clock(train_seconds)} ({tokens / max(train_seconds, 1e-9):,.0f} tokens/s "
        f"on average), now at step {trainer.step_count}")
    for key, value in result.items():
        say(f"  {key:<16} {value:.4f}" if isinstance(value, float) else f"  {key:<16} {value}")
    say(f"saved to {Path(folder).resolve()}")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return train(args)
    except TrainingStopped as stop:
        print(f"stopped: {stop}", file=sys.stderr)
        return 2
    except (ConfigError, DataError, CheckpointError, SaveError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        close()
