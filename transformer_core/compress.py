"""Compression: five ways to make a trained BERT smaller, each returning a *new* model (the original is untouched)
with its size on disk and its parameter count, so a page can put them side by side.

- ``int8``: dynamic quantization of every ``nn.Linear`` — weights stored as 8-bit integers with one scale,
  activations quantized on the fly at each matmul (``torch.ao.quantization.quantize_dynamic``).
- ``bf16`` / ``fp16``: every weight in 16 bits (half the bytes; bf16 keeps fp32's range, fp16 its precision).
- ``prune_heads``: drop the k heads that matter least. Importance of head h (Michel et al., 2019):
  I_h = |Σ_batches ∂L/∂m_h|, the gradient of the loss with respect to the head's mask m_h at m = 1 — a
  first-order estimate of how much the loss changes when the head is switched off. Dropping a head removes
  its rows of W_Q, W_K, W_V and its columns of W_O.
- ``low_rank``: each attention and FFN matrix W (out × in) replaced by its best rank-r approximation
  (Eckart–Young: the truncated SVD), W ≈ (U_r √S_r)(√S_r V_rᵀ): two thin matrices, r·(in + out) numbers
  instead of in·out — smaller only when r < in·out / (in + out).
- ``factor_embeddings``: ALBERT's idea. The word table V × D becomes V × E · E × D (truncated SVD), and the
  tied MLM decoder reads through the same two factors.
"""
from __future__ import annotations

import copy
import io
import statistics
import time
import warnings
from dataclasses import dataclass

import torch
from safetensors.torch import save as safetensors_bytes
from torch import Tensor, nn

METHODS = ("fp32", "int8", "bf16", "fp16", "prune_heads", "low_rank", "factor_embeddings")


@dataclass(frozen=True)
class Compressed:
    model: nn.Module        # the new model, in eval mode (the original is untouched)
    method: str             # one of METHODS
    knob: int | None        # k heads dropped, rank r, or embedding width E; None for the others
    disk_bytes: int         # bytes of its weights saved (safetensors; torch.save for int8's packed weights)
    parameters: int         # numbers in its weights (tied matrices counted once)


def _dynamic_linears(model: nn.Module):
    return [m for m in model.modules() if type(m).__name__ == "Linear" and m.__module__.startswith("torch.ao")]


def count_parameters(model: nn.Module) -> int:
    """Every distinct weight's size; int8's packed Linear weights (not ``parameters()`` any more) included."""
    seen, total = set(), 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    for m in _dynamic_linears(model):
        total += m.weight().numel() + (m.bias().numel() if m.bias() is not None else 0)
    return total


def disk_bytes(model: nn.Module) -> int:
    """Bytes of the model's weights as a file: safetensors (tied tensors once), or torch.save's for int8."""
    state = model.state_dict()
    if _dynamic_linears(model):
        buffer = io.BytesIO()
        torch.save(state, buffer)
        return buffer.getbuffer().nbytes
    unique, seen = {}, set()
    for key, t in state.items():
        ident = (t.data_ptr(), t.dtype, tuple(t.shape))
        if ident not in seen:                       # a tied matrix (decoder = word embeddings) is stored once
            seen.add(ident)
            unique[key] = t.contiguous()
    return len(safetensors_bytes(unique))


def _done(model: nn.Module, method: str, knob: int | None = None) -> Compressed:
    model.eval()
    return Compressed(model, method, knob, disk_bytes(model), count_parameters(model))


def baseline(model: nn.Module) -> Compressed:
    return _done(copy.deepcopy(model).float(), "fp32")


def to_dtype(model: nn.Module, dtype: torch.dtype) -> Compressed:
    """Every weight in ``dtype`` (bf16 or fp16): half the bytes of fp32; the maths then runs in that dtype."""
    name = {torch.bfloat16: "bf16", torch.float16: "fp16"}[dtype]
    return _done(copy.deepcopy(model).to(dtype), name)


def int8_dynamic(model: nn.Module) -> Compressed:
    """``quantize_dynamic`` on every nn.Linear (the embedding tables stay fp32). torch 2.13 still ships it but
    marks ``torch.ao.quantization`` deprecated; its warnings are silenced here, the note is on the page."""
    from torch.ao.quantization import quantize_dynamic
    plain = copy.deepcopy(model).float().eval()
    tied = {id(m.decoder) for m in plain.modules() if hasattr(m, "decoder")}   # the MLM decoder *is* the word
    linears = {name for name, m in plain.named_modules()                        # table: quantizing it would store
               if isinstance(m, nn.Linear) and id(m) not in tied}               # V × D twice, so it stays tied
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantized = quantize_dynamic(plain, linears, dtype=torch.qint8)
    return _done(quantized, "int8")


# ------------------------------------------------------------------------------------ heads
def encoder(model: nn.Module) -> nn.Module:
    return getattr(model, "bert", model)


def head_importance(model: nn.Module, loss_of) -> Tensor:
    """(L, H) importance I_h = |∂L/∂m_h| at m = 1. ``loss_of(model, head_mask)`` returns the summed loss over
    the batches it chooses (the caller's calibration data, not the data it scores on)."""
    cfg = encoder(model).config
    mask = torch.ones(cfg.n_layers, cfg.n_heads, requires_grad=True)         # (L, H)
    work = _autograd_copy(model).eval()
    with torch.enable_grad():
        loss = loss_of(work, mask)
        (grad,) = torch.autograd.grad(loss, mask)
    return grad.abs()                                                          # (L, H)


def _autograd_copy(model: nn.Module) -> nn.Module:
    """A copy whose weights autograd may use: a model loaded under ``torch.inference_mode()`` (as the app
    shares them) holds inference tensors, which no backward pass may save. Tied weights stay tied."""
    work, fresh = copy.deepcopy(model), {}
    for module in work.modules():
        for name, p in list(module._parameters.items()):
            if p is not None:
                if id(p) not in fresh:
                    fresh[id(p)] = nn.Parameter(p.detach().clone(), requires_grad=False)
                module._parameters[name] = fresh[id(p)]
    return work


def least_important(importance: Tensor, k: int) -> list[tuple[int, int]]:
    """The k (layer, head) pairs of lowest importance, never a layer's last head (a layer keeps ≥ 1)."""
    L, H = importance.shape
    order = sorted((importance[i, h].item(), i, h) for i in range(L) for h in range(H))
    dropped, left = [], [H] * L
    for _, i, h in order:
        if len(dropped) == k:
            break
        if left[i] > 1:
            dropped.append((i, h))
            left[i] -= 1
    return dropped


def _slice_linear(linear: nn.Linear, keep: Tensor, dim: int) -> nn.Linear:
    """A Linear keeping only the given output rows (dim 0) or input columns (dim 1)."""
    weight = linear.weight.detach().index_select(dim, keep)
    out = nn.Linear(weight.shape[1], weight.shape[0], bias=linear.bias is not None)
    out.weight.data.copy_(weight)
    if linear.bias is not None:
        out.bias.data.copy_(linear.bias.detach() if dim == 1 else linear.bias.detach()[keep])
    return out.to(linear.weight.dtype)


def prune_heads(model: nn.Module, k: int, importance: Tensor) -> Compressed:
    """Remove the k least important heads: their W_Q/W_K/W_V rows and W_O columns are gone (not masked)."""
    pruned = copy.deepcopy(model)
    dropped = least_important(importance, k)
    for i, layer in enumerate(encoder(pruned).layers):
        attn = layer.self_attn
        heads = [h for h in range(attn.n_heads) if (i, h) not in dropped]
        if len(heads) == attn.n_heads:
            continue
        keep = torch.cat([torch.arange(h * attn.d_head, (h + 1) * attn.d_head) for h in heads])  # (H' · Dh,)
        attn.q_proj, attn.k_proj, attn.v_proj = (_slice_linear(p, keep, 0)
                                                 for p in (attn.q_proj, attn.k_proj, attn.v_proj))
        attn.out_proj = _slice_linear(attn.out_proj, keep, 1)
        attn.n_heads = len(heads)                                              # _split reads it: (B, H', T, Dh)
    return _done(pruned, "prune_heads", len(dropped))


# ------------------------------------------------------------------------------------ low rank
class LowRankLinear(nn.Module):
    """x → x·Aᵀ·Bᵀ + b with A (r × in), B (out × r): a Linear whose weight B·A has rank ≤ r."""

    def __init__(self, linear: nn.Linear, rank: int):
        super().__init__()
        W = linear.weight.detach().float()                                     # (out, in)
        U, S, Vh = torch.linalg.svd(W, full_matrices=False)                     # W = U diag(S) Vh
        r = min(rank, S.numel())
        root = S[:r].sqrt()
        self.first = nn.Linear(W.shape[1], r, bias=False)                      # A = √S_r V_rᵀ: in → r
        self.second = nn.Linear(r, W.shape[0], bias=linear.bias is not None)   # B = U_r √S_r: r → out
        self.first.weight.data.copy_(root[:, None] * Vh[:r])
        self.second.weight.data.copy_(U[:, :r] * root[None, :])
        if linear.bias is not None:
            self.second.bias.data.copy_(linear.bias.detach())
        self.to(linear.weight.dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self.second(self.first(x))                                      # (..., in) → (..., r) → (..., out)


ATTENTION = ("q_proj", "k_proj", "v_proj", "out_proj")
FFN = ("up", "down")


def low_rank(model: nn.Module, rank: int, parts: tuple[str, ...] = ("attention", "ffn")) -> Compressed:
    """Every attention (W_Q, W_K, W_V, W_O) and/or FFN (W₁, W₂) matrix of every layer at rank ``rank``."""
    factored = copy.deepcopy(model)
    for layer in encoder(factored).layers:
        if "attention" in parts:
            for name in ATTENTION:
                setattr(layer.self_attn, name, LowRankLinear(getattr(layer.self_attn, name), rank))
        if "ffn" in parts:
            for name in FFN:
                setattr(layer.ffn, name, LowRankLinear(getattr(layer.ffn, name), rank))
    return _done(factored, "low_rank", rank)


def break_even_rank(n_in: int, n_out: int) -> int:
    """The largest r for which r·(in + out) < in·out: above it a factorised matrix is *bigger*."""
    return (n_in * n_out - 1) // (n_in + n_out)


# ------------------------------------------------------------------------------------ embeddings
class FactorisedEmbedding(nn.Module):
    """ALBERT's factorised word table: id → row of A (V × E) → · B (E × D)."""

    def __init__(self, table: Tensor, width: int):
        super().__init__()
        U, S, Vh = torch.linalg.svd(table.detach().float(), full_matrices=False)  # (V, D) = U diag(S) Vh
        e = min(width, S.numel())
        self.small = nn.Embedding(table.shape[0], e)                          # A = U_E S_E: (V, E)
        self.up = nn.Linear(e, table.shape[1], bias=False)                    # B = V_Eᵀ: E → D (weight (D, E))
        self.small.weight.data.copy_(U[:, :e] * S[:e])
        self.up.weight.data.copy_(Vh[:e].T)
        self.num_embeddings = table.shape[0]                                  # what Embeddings checks ids against
        self.to(table.dtype)

    def forward(self, ids: Tensor) -> Tensor:
        return self.up(self.small(ids))                                        # (B, T) → (B, T, E) → (B, T, D)


class FactorisedDecoder(nn.Module):
    """The tied MLM decoder through the same factors: h·(A·B)ᵀ + b = (h·Bᵀ)·Aᵀ + b — never V × D."""

    def __init__(self, factors: FactorisedEmbedding, bias: Tensor):
        super().__init__()
        self.factors = factors                                                # shared module: tied, stored once
        self.bias = nn.Parameter(bias.detach().clone())

    def forward(self, h: Tensor) -> Tensor:
        small = h @ self.factors.up.weight                                     # (..., D) → (..., E)
        return small @ self.factors.small.weight.T + self.bias                 # (..., V)


def factor_embeddings(model: nn.Module, width: int) -> Compressed:
    """The V × D word table as V × E · E × D (E = ``width``); the MLM decoder, tied to it, follows."""
    factored = copy.deepcopy(model)
    embeddings = encoder(factored).embeddings
    factors = FactorisedEmbedding(embeddings.word.weight, width)
    embeddings.word = factors
    head = getattr(factored, "mlm", None)
    if head is not None:
        head.decoder = FactorisedDecoder(factors, head.decoder.bias)
    return _done(factored, "factor_embeddings", width)


# ------------------------------------------------------------------------------------ timing
def _timed(model, ids: Tensor, types: Tensor) -> float:
    start = time.perf_counter()
    model(ids, token_type_ids=types)
    return time.perf_counter() - start


@torch.inference_mode()
def paired_latency(reference: nn.Module, model: nn.Module, n_tokens: int = 64, repeats: int = 7,
                   vocab: int | None = None) -> tuple[float, float]:
    """Median seconds of one forward of a single sequence of ``n_tokens``, for ``reference`` and ``model``
    timed in turns (a, b, a, b, …) so that a busy machine slows both alike: their ratio is what to read."""
    vocab = vocab or encoder(reference).config.vocab_size
    ids = torch.randint(5, vocab, (1, n_tokens), generator=torch.Generator().manual_seed(0))   # (1, T)
    types = torch.zeros_like(ids)
    _timed(reference, ids, types), _timed(model, ids, types)                 # warm-up
    pairs = [(_timed(reference, ids, types), _timed(model, ids, types)) for _ in range(repeats)]
    return statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs)


def forward_latency(model: nn.Module, n_tokens: int = 64, repeats: int = 7, vocab: int | None = None) -> float:
    """Median seconds of one forward of a single sequence of ``n_tokens`` (after one warm-up call)."""
    return paired_latency(model, model, n_tokens, (repeats + 1) // 2, vocab)[0]
