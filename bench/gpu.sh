#!/usr/bin/env bash
# Issue 17's GPU measurements, prepared for a lent GPU (a few minutes): our training tokens/s against HF
# BertForPreTraining on the same GPU (bf16 autocast, SDPA, with and without torch.compile) for the small
# config and bert-base at T = 128, the recorded-forward latency and the peak memory; ratios printed.
#     bash bench/gpu.sh                 # from the repository root; results in bench/results/gpu_speed.json
# On a machine without a CUDA GPU it says so and exits 0. Check the script itself on a CPU with:
#     python bench/gpu_speed.py --device cpu --configs tiny --batch 2 --steps 2 --warmup 1 --no-compile
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "bench/gpu.sh: no NVIDIA GPU on this machine: skipped"
    exit 0
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$PY" -c "import transformers" 2>/dev/null || { echo "bench/gpu.sh: needs transformers (pip install -r requirements-dev.txt)"; exit 1; }
"$PY" bench/gpu_speed.py "$@"
