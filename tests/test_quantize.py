"""int8 storage (transformer_core/quantize.py): small error, smaller files, same loading path."""
import torch

from transformer_core import BertForPreTraining, TransformerConfig, load_pretrained, save_pretrained
from transformer_core.quantize import MIN_NUMEL, SCALE, pack, quantize_rows, unpack


def test_each_row_is_within_half_a_step_and_its_largest_value_is_kept():
    torch.manual_seed(0)
    w = torch.randn(300, 256) * torch.linspace(0.01, 3, 300)[:, None]    # rows of very different sizes
    q, scale = quantize_rows(w)
    back = q.float() * scale.float()
    assert q.dtype == torch.int8 and scale.shape == (300, 1)
    assert ((back - w).abs() <= scale.float() / 2 + 1e-6).all()
    assert q.abs().amax(1).eq(127).all()


def test_pack_quantizes_only_large_matrices_and_unpack_restores_the_keys():
    tensors = {"big": torch.randn(MIN_NUMEL // 64, 64), "bias": torch.randn(64), "small": torch.randn(8, 8)}
    packed = pack(tensors)
    assert packed["big"].dtype == torch.int8 and "big" + SCALE in packed
    assert packed["bias"].dtype == packed["small"].dtype == torch.float16
    restored = unpack(packed)
    assert set(restored) == set(tensors)
    torch.testing.assert_close(restored["big"], tensors["big"], atol=0.03, rtol=0)


def test_an_int8_folder_loads_with_nearly_the_same_predictions(tmp_path):
    torch.manual_seed(0)
    config = TransformerConfig(vocab_size=1000, d_model=128, n_layers=2, n_heads=4, d_ff=512, max_len=32)
    model = BertForPreTraining(config).eval()
    save_pretrained(model, tmp_path / "fp16", dtype=torch.float16)
    save_pretrained(model, tmp_path / "int8", dtype=torch.float16, int8=True)
    sizes = [(tmp_path / f / "model.safetensors").stat().st_size for f in ("fp16", "int8")]
    assert sizes[1] < 0.7 * sizes[0]                 # the 2 × 128 layers are below MIN_NUMEL and stay fp16
    loaded, _ = load_pretrained(tmp_path / "int8")
    ids = torch.randint(5, 1000, (2, 16))
    with torch.inference_mode():
        a, b = model(ids).logits, loaded(ids).logits
    assert (a - b).abs().max() < 0.05 * (a.max() - a.min())     # random weights: flat logits, so no argmax test
