"""Attention snapshots: how a few fixed probe sentences are attended to, checkpoint after checkpoint.

At step 0 every head attends almost uniformly; as training goes on some heads lock onto the previous
token, some onto [SEP], some onto related words. Saving the attention of the same probes at every
checkpoint lets the app play that story back. The file stays small: a few short sentences, fp16.

Files (inside the checkpoint folder, carried over and appended to at every save):
  attention_snapshots.safetensors  key "step{step:08d}/probe{i}" → (L, H, T, T) float16
  attention_snapshots.json         {"probes": [{"text", "tokens"}], "steps": [...]}
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ..seq2seq import Seq2SeqTransformer

TENSORS, META = "attention_snapshots.safetensors", "attention_snapshots.json"
DEFAULT_PROBES = {
    "en": ("the cat sat on the mat because it was tired.", "she opened the door and walked into the garden."),
    "zh": ("今天天气很好，我们去公园散步。", "这部电影的故事非常感人。"),
}


@dataclass(frozen=True)
class Probe:
    text: str            # the sentence as written
    tokens: list         # its pieces, as the model sees them
    inputs: dict         # model inputs for a batch of one: input_ids (1, T) …, or src_ids for seq2seq


def bert_probes(tokenizer, texts, max_len: int) -> list[Probe]:
    """Encode each probe on its own (no padding), cut to max_len."""
    probes = []
    for text in texts:
        enc = tokenizer.encode(text)
        ids, types = enc.ids[:max_len], enc.type_ids[:max_len]
        inputs = {"input_ids": torch.tensor([ids]), "attention_mask": torch.ones(1, len(ids), dtype=torch.long),
                  "token_type_ids": torch.tensor([types])}
        probes.append(Probe(text, enc.tokens[:max_len], inputs))
    return probes


def causal_probes(tokenizer, texts, max_len: int, cls_id: int) -> list[Probe]:
    """A GPT's probes: [CLS] + the sentence's pieces (no [SEP]: GPT reads up to the last word), cut to max_len."""
    probes = []
    for text in texts:
        enc = tokenizer.encode(text, add_special_tokens=False)
        ids, tokens = ([cls_id] + enc.ids)[:max_len], (["[CLS]"] + enc.tokens)[:max_len]
        probes.append(Probe(text, tokens, {"input_ids": torch.tensor([ids]),
                                           "attention_mask": torch.ones(1, len(ids), dtype=torch.long)}))
    return probes


@torch.no_grad()
def capture(model, probes: list[Probe], device) -> list[torch.Tensor]:
    """(L, H, T, T) float16 self-attention of each probe (the encoder's, for the encoder-decoder)."""
    was_training = model.training
    model.eval()
    try:
        out = []
        for probe in probes:
            inputs = {k: v.to(device) for k, v in probe.inputs.items()}
            if isinstance(model, Seq2SeqTransformer):
                trace = model.encode(inputs["src_ids"], record=True)[1]
            else:
                trace = model(**inputs, record=True).trace
            out.append(trace.attentions[:, 0].to(torch.float16).cpu())            # (L, H, T, T)
        return out
    finally:
        model.train(was_training)


def read(folder) -> tuple[dict, dict]:
    """(meta, {key: tensor}) of a checkpoint's snapshots; empty when it has none yet."""
    folder = Path(folder)
    if not (folder / META).is_file():
        return {"probes": [], "steps": []}, {}
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    with safe_open(str(folder / TENSORS), framework="pt") as f:
        return meta, {k: f.get_tensor(k) for k in f.keys()}


def append(new_folder: Path, old_folder: Path | None, probes: list[Probe], step: int,
           attentions: list[torch.Tensor]) -> None:
    """Write the previous snapshots plus this step's into ``new_folder`` (the checkpoint being built)."""
    meta, tensors = read(old_folder) if old_folder is not None else ({"steps": []}, {})
    meta["probes"] = [{"text": p.text, "tokens": list(p.tokens)} for p in probes]
    if step in meta["steps"]:                       # saving twice at one step: keep the latest
        meta["steps"].remove(step)
    meta["steps"].append(step)
    for i, attention in enumerate(attentions):
        tensors[f"step{step:08d}/probe{i}"] = attention.contiguous()
    save_file(tensors, str(Path(new_folder) / TENSORS))
    (Path(new_folder) / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
