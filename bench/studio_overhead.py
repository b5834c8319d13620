"""What the training studio costs over the command-line trainer: tokens/s of the same run, same process.

    python bench/studio_overhead.py                    # the studio's default model, 3 rounds of 60 steps each
    python bench/studio_overhead.py --steps 30 --rounds 2

"cli":    Trainer.run(n) — what `python -m transformer_core.train pretrain` does, no UI — with as many CPU
          threads as the studio's worker gets (ui/studio/live.py worker_threads: one core is left to the
          web server), so that the ratio measures the studio's own overhead.
"studio": a LiveRun (background worker thread) while a stand-in for the page's live panel wakes every
          second, reads run.view() and builds the curves figure and its JSON (what Streamlit sends).
"cli-all-cores": the CLI with every core, for reference (what the studio gives up to stay responsive).
Both save a checkpoint (with attention snapshots and a held-out evaluation) at the start and at the end,
as the studio does. tokens/s is measured from the end of step 5 to the end of the last step (the first
steps warm up the allocator). The variants alternate, and the ratio is of the medians (target ≥ 0.9).
Writes bench/results/studio_overhead.json.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time

import torch
from common import machine, median, table, write_json  # puts the repo root on sys.path

from transformer_core.train.build import build_parts
from transformer_core.train.config import TrainConfig
from transformer_core.train.trainer import Trainer
from ui.studio import figures as fg
from ui.studio.live import LiveRun, wait_for, worker_threads

WARM = 5
MODEL = {"n_layers": 2, "d_model": 128, "n_heads": 4, "d_ff": 512}      # the studio's default size


def config(steps: int, folder: str) -> TrainConfig:
    return TrainConfig(task="pretrain", preset="tiny", model=MODEL, corpus="en", vocab_size=2000, max_len=64,
                       batch_size=32, steps=steps, lr=1e-3, eval_batches=4, out_dir=folder)


def rate(history: list, times: list) -> float:
    """Tokens of steps WARM+1 … n over the wall time between the end of step WARM and the end of step n."""
    tokens = sum(h["tokens"] for h in history[WARM:])
    return tokens / (times[-1] - times[WARM - 1])


def cli(steps: int, threads: int | None = None) -> float:
    before = torch.get_num_threads()
    torch.set_num_threads(threads or worker_threads(1))
    try:
        return _cli(steps)
    finally:
        torch.set_num_threads(before)


def _cli(steps: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        cfg = config(steps, folder)
        parts = build_parts(cfg)
        trainer = Trainer(cfg, parts.model, parts.train, parts.eval, **parts.trainer_kwargs())
        trainer.evaluate()
        trainer.save(folder)
        times = []
        trainer.run(steps, callback=lambda m: times.append(time.perf_counter()))
        trainer.evaluate()
        trainer.save(folder)
        return rate(trainer.history, times)


def studio(steps: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        run = LiveRun(config(steps, folder), folder, checkpoints=1)
        done = threading.Event()

        def panel() -> None:                        # what the page's fragment does once a second
            while not done.wait(1.0):
                view = run.view()
                fg.curves(view.history, view.evaluations, "pretrain", "en").to_plotly_json()
                fg.progress_line(fg.progress(view.history, view.total), "en")
        poller = threading.Thread(target=panel, daemon=True)
        poller.start()
        run.start()
        view = wait_for(run, timeout=3600)
        done.set()
        poller.join()
        assert view.status == "done", view.message
        return rate(view.history, run.step_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runners = {"cli": lambda: cli(args.steps), "studio": lambda: studio(args.steps),
               "cli-all-cores": lambda: cli(args.steps, os.cpu_count())}
    found = {name: [] for name in runners}
    for i in range(args.rounds):
        order = list(runners) if i % 2 == 0 else list(reversed(runners))
        for name in order:
            found[name].append(runners[name]())
            print(f"round {i + 1}: {name} {found[name][-1]:,.0f} tokens/s", flush=True)
    medians = {name: median(values) for name, values in found.items()}
    ratio = medians["studio"] / medians["cli"]
    print(table(["path", "tokens/s (median)", "all rounds"],
                [[name, f"{medians[name]:,.0f}", ", ".join(f"{v:,.0f}" for v in found[name])] for name in found],
                title=f"studio / cli = {ratio:.3f} (target ≥ 0.9), {worker_threads(1)} "
                f"thread(s) each; studio / cli-all-cores = {medians['studio'] / medians['cli-all-cores']:.3f}"))
    write_json("studio_overhead", {"machine": machine(), "steps": args.steps, "rounds": args.rounds,
                                   "threads": worker_threads(1),
                                   "model": MODEL, "tokens_per_s": found, "median": medians, "ratio": ratio})


if __name__ == "__main__":
    main()
