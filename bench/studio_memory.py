"""The studio's memory estimate against real peaks: two training steps of each plan in a fresh process.

    python bench/studio_memory.py            # a dozen plans, ~1 minute on 2 cores; writes results/studio_memory.json

``ui/studio/memory.py`` refuses a plan whose estimated step does not fit in a run's memory. Its coefficients
(16 bytes a parameter; 14·D + 2·F numbers per token and layer; 18 bytes per attention entry; 7 numbers per
vocabulary entry at the masked 15 %) were fitted to these measurements and rounded up: the estimate should
sit at or a little above the measured peak, never far below it. The peak is the process's maximum resident
memory minus what it held before the model was built (the libraries), as the fresh process sees it.
"""
from __future__ import annotations

import json
import subprocess
import sys

from common import ROOT, machine, table, write_json

PLANS = [   # n_layers, d_model, n_heads, d_ff, max_len, batch, vocab
    (2, 128, 4, 512, 64, 32, 4000),        # the pretrain page's default
    (2, 128, 4, 512, 128, 64, 4000), (2, 128, 4, 512, 64, 128, 4000), (2, 128, 4, 2048, 64, 64, 4000),
    (4, 256, 4, 1024, 128, 32, 8000), (6, 128, 4, 512, 64, 32, 4000), (2, 256, 4, 512, 64, 32, 30000),
    (2, 512, 8, 2048, 64, 64, 30000), (2, 128, 16, 512, 256, 32, 4000), (2, 128, 2, 512, 512, 8, 4000),
    (1, 64, 2, 128, 512, 16, 2000), (2, 64, 8, 256, 512, 16, 2000),
]
STEP = """
import json, resource, sys
import torch
torch.set_num_threads(1)
from transformer_core.bert import BertForPreTraining
from transformer_core.config import TransformerConfig
L, D, H, F, T, B, V = map(int, sys.argv[1:8])
before = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
model = BertForPreTraining(TransformerConfig(vocab_size=V, n_layers=L, d_model=D, n_heads=H, d_ff=F, max_len=T))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
ids = torch.randint(5, V, (B, T))
labels = torch.where(torch.rand(ids.shape) < 0.15, ids, torch.full_like(ids, -100))   # the studio's 15 %
for _ in range(2):                                  # the second step holds AdamW's moments too
    out = model(input_ids=ids, labels=labels, next_sentence_label=torch.zeros(B, dtype=torch.long),
                masked_logits_only=True)
    out.loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(peak - before))
"""


def measured(plan: tuple) -> int:
    done = subprocess.run([sys.executable, "-c", STEP, *map(str, plan)], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT)}, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from transformer_core.config import TransformerConfig
    from ui.studio.memory import training_memory
    rows, results = [], []
    for plan in PLANS:
        n_layers, d, h, f, t, batch, vocab = plan
        config = TransformerConfig(vocab_size=vocab, n_layers=n_layers, d_model=d, n_heads=h, d_ff=f, max_len=t)
        estimate, peak = training_memory(config, batch).total, measured(plan)
        results.append({"plan": dict(zip(("n_layers", "d_model", "n_heads", "d_ff", "max_len", "batch", "vocab"),
                                         plan, strict=True)), "estimate_mb": estimate / 1e6, "measured_mb": peak / 1e6})
        rows.append([" ".join(map(str, plan)), f"{estimate / 1e6:,.0f}", f"{peak / 1e6:,.0f}",
                     f"{estimate / peak:.2f}"])
    print(table(["L D H F T B V", "estimate MB", "measured MB", "ratio"], rows, "one training step, fresh process"))
    write_json("studio_memory", {"machine": machine(), "plans": results})


if __name__ == "__main__":
    main()
