"""Temperature, top-k and top-p cut exactly as documented; τ = 0 is the argmax; a seed repeats a text."""
import math

import pytest
import torch

from transformer_core.errors import ConfigError
from transformer_core.gpt import GPTLMHeadModel, gpt_config
from transformer_core.sampling import cut, generate, pick


def logits_of(probs):
    return torch.tensor(probs).log()


P = [0.05, 0.4, 0.1, 0.3, 0.15]          # most likely first: 1 (0.4), 3 (0.3), 4 (0.15), 2 (0.1), 0 (0.05)


def kept(c):
    return sorted(c.kept.nonzero().flatten().tolist())


def test_no_cut_keeps_everything_and_temperature_one_is_the_softmax():
    c = cut(logits_of(P), 1.0)
    assert kept(c) == [0, 1, 2, 3, 4]
    assert torch.allclose(c.probs, torch.tensor(P)) and torch.allclose(c.final, torch.tensor(P))


@pytest.mark.parametrize("k, expected", [(1, [1]), (2, [1, 3]), (3, [1, 3, 4]), (5, [0, 1, 2, 3, 4]),
                                         (10_000, [0, 1, 2, 3, 4]), (0, [0, 1, 2, 3, 4])])
def test_top_k_keeps_exactly_the_k_most_likely(k, expected):
    c = cut(logits_of(P), 1.0, top_k=k)
    assert kept(c) == expected
    assert math.isclose(c.final.sum().item(), 1.0, rel_tol=1e-6)
    assert torch.allclose(c.final[expected], torch.tensor(P)[expected] / sum(P[i] for i in expected))


@pytest.mark.parametrize("p, expected", [(0.3, [1]), (0.4, [1]), (0.41, [1, 3]), (0.69, [1, 3]),
                                         (0.71, [1, 3, 4]), (0.9, [1, 2, 3, 4]), (0.96, [0, 1, 2, 3, 4]),
                                         (1.0, [0, 1, 2, 3, 4]), (1e-9, [1])])
def test_top_p_keeps_the_fewest_whose_sum_reaches_p(p, expected):
    assert kept(cut(logits_of(P), 1.0, top_p=p)) == expected


def test_top_p_reads_the_top_k_survivors_renormalised():
    # top-k 2 leaves 0.4 and 0.3 → 4/7 and 3/7; top-p 0.5 then needs only the first (4/7 ≥ 0.5)
    assert kept(cut(logits_of(P), 1.0, top_k=2, top_p=0.5)) == [1]
    assert kept(cut(logits_of(P), 1.0, top_k=2, top_p=0.6)) == [1, 3]


def test_temperature_sharpens_and_flattens():
    z = logits_of(P)
    cold, hot = cut(z, 0.5).probs, cut(z, 2.0).probs
    assert cold.max() > 0.4 > hot.max()
    assert torch.allclose(cold, (z / 0.5).softmax(-1))


def test_temperature_zero_is_the_argmax_whatever_the_seed():
    c = cut(logits_of(P), 0.0, top_k=3, top_p=0.5)
    assert kept(c) == [1] and c.final[1] == 1
    assert {pick(c, torch.Generator().manual_seed(s)) for s in range(20)} == {1}


def test_sampling_follows_the_final_distribution():
    c = cut(logits_of(P), 1.0, top_k=2)
    g = torch.Generator().manual_seed(0)
    counts = torch.bincount(torch.tensor([pick(c, g) for _ in range(4000)]), minlength=5).float() / 4000
    assert counts[[0, 2, 4]].sum() == 0
    assert abs(counts[1].item() - 4 / 7) < 0.03


@pytest.mark.parametrize("settings", [(-0.1, 0, 1.0), (float("nan"), 0, 1.0), (1.0, -1, 1.0), (1.0, 0, 0.0),
                                      (1.0, 0, 1.5), (1.0, 2.5, 1.0)])
def test_bad_settings_are_a_keyed_error(settings):
    with pytest.raises(ConfigError) as err:
        cut(logits_of(P), *settings)
    assert err.value.key == "sampling_settings"


@pytest.fixture(scope="module")
def tiny_gpt():
    torch.manual_seed(0)
    return GPTLMHeadModel(gpt_config(vocab_size=50, d_model=16, n_layers=1, n_heads=2, d_ff=32, max_len=12,
                                     dropout=0.0, attn_dropout=0.0)).eval()


def test_generation_is_reproducible_with_a_seed_and_changes_with_another(tiny_gpt):
    run = lambda seed: [s.token for s in generate(tiny_gpt, [1, 2], 8, temperature=1.5, seed=seed)]  # noqa: E731
    assert run(7) == run(7)
    assert any(run(7) != run(s) for s in range(8, 14))


def test_greedy_generation_takes_the_argmax_each_step(tiny_gpt):
    steps = generate(tiny_gpt, [3], 5, temperature=0.0, seed=1)
    sequence = [3]
    for step in steps:
        expected = int(tiny_gpt(torch.tensor([sequence])).logits[0, -1].argmax())
        assert step.token == expected and step.n_kept == 1 and step.token_prob == 1.0
        sequence.append(step.token)


def test_generation_stops_at_max_len_and_at_a_stop_token(tiny_gpt):
    assert len(generate(tiny_gpt, list(range(10)), 50, temperature=1.0)) == 2       # max_len 12
    first = generate(tiny_gpt, [3], 1, temperature=0.0)[0].token
    assert len(generate(tiny_gpt, [3], 9, temperature=0.0, stop=(first,))) == 1


def test_a_step_shows_the_cut(tiny_gpt):
    step = generate(tiny_gpt, [1], 1, temperature=1.0, top_k=3, seed=0)[0]
    assert step.n_kept == 3 and step.kept.tolist()[:3] == [True] * 3 and not step.kept[3:].any()
    assert step.final[3:].sum() == 0 and math.isclose(step.final[:3].sum().item(), 1.0, rel_tol=1e-5)
    assert 0 < step.kept_mass < 1 and step.token in step.candidates[:3].tolist()
