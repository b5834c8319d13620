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
from ..config import ConfigError
from ..data.errors import DataError
from .build import build_parts
from .config import TrainConfig
from .distributed import close, init_from_env
from .state import SaveError
from .trainer import StepMetrics, Trainer, TrainingStopped

FLAGS = {   # flag → (TrainConfig field, type, help)
    "--out": ("out_dir", str, "checkpoint folder"), "--steps": ("steps", int, "optimisation steps"),
    "--batch-size": ("batch_size", int, "sequences per step (global)"), "--lr": ("lr", float, "peak learning rate"),
    "--warmup": ("warmup_steps", int, "warmup steps"), "--decay": ("decay", str, "linear | cosine | constant"),
    "--max-len": ("max_len", int, "longest sequence in tokens"), "--corpus": ("corpus", str, "corpus name or file"),
    "--tokenizer": ("tokenizer", str, "folder with tokenizer.json"),
    "--vocab-size": ("vocab_size", int, "word pieces to train"),
    "--pretrained": ("pretrained", str, "finetune: pretrained BERT folder"),
    "--pooling": ("pooling", str, "finetune: cls | mean"), "--seq2seq-task": ("seq2seq_task", str, "seq2seq task"),
    "--n-pairs": ("n_pairs", int, "seq2seq: generated pairs"), "--preset": ("preset", str, "model preset"),
    "--seed": ("seed", int, "random seed"), "--device": ("device", str, "auto | cpu | cuda | mps"),
    "--precision": ("precision", str, "auto | fp32 | bf16"), "--save-every": ("save_every", int, "steps per save"),
    "--eval-every": ("eval_every", int, "steps per evaluation"), "--log-every": ("log_every", int, "steps per line"),
    "--eval-batches": ("eval_batches", int, "held-out batches"), "--weight-decay": ("weight_decay", float, "AdamW"),
    "--grad-clip": ("grad_clip", float, "max gradient norm (0 = off)"),
}
MODEL_FLAGS = {"--layers": "n_layers", "--d-model": "d_model", "--heads": "n_heads", "--ffn": "d_ff",
               "--dropout": "dropout"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m transformer_core.train", description=__doc__.split("\n")[0])
    parser.add_argument("task", choices=("pretrain", "finetune", "seq2seq"))
    parser.add_argument("--config", help="JSON file of TrainConfig fields; flags override it")
    parser.add_argument("--resume", help="checkpoint folder to continue from (its saved settings are used)")
    parser.add_argument("--stop-at", type=int, help="end this session at this step and save (resume later)")
    for flag, (_, kind, text) in FLAGS.items():
        parser.add_argument(flag, type=kind, help=text)
    for flag, name in MODEL_FLAGS.items():
        parser.add_argument(flag, type=float if name == "dropout" else int, help=f"model {name}")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Defaults ← the --config file ← flags given on the command line."""
    data = json.loads(Path(args.config).read_text(encoding="utf-8")) if args.config else {}
    data["task"] = args.task
    for flag, (name, _, _) in FLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            data[name] = value
    model = dict(data.get("model", {}))
    for flag, name in MODEL_FLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None:
            model[name] = value
            if name == "dropout":
                model["attn_dropout"] = value
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


def make_trainer(args, config: TrainConfig) -> Trainer:
    if args.resume:
        return Trainer.load(args.resume)
    parts = build_parts(config)
    return Trainer(config, parts.model, parts.train, parts.eval, **parts.trainer_kwargs())


def train(args) -> int:
    config = config_from_args(args)
    ctx = init_from_env()
    say = print if ctx.is_main else (lambda *a, **k: None)
    trainer = make_trainer(args, config)
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
