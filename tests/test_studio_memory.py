"""The studio's memory estimate (ui/studio/memory.py): what a plan needs before anything is built, and the
message that refuses a plan that cannot fit. Pure arithmetic; bench/studio_memory.py compares it with real
peaks."""
import pytest

from transformer_core.config import TransformerConfig
from ui.studio import finetune as fn
from ui.studio import plans
from ui.studio.live import describe_failure
from ui.studio.memory import (
    MIN_RUN_MEMORY,
    RUN_MEMORY_ENV,
    largest_batch,
    memory_problem,
    run_memory_limit,
    training_memory,
)

GB = 10**9
DEFAULT = {"n_layers": 2, "d_model": 128, "n_heads": 4, "d_ff": 512, "max_len": 64, "position": "learned"}
LARGEST = {"n_layers": 6, "d_model": 512, "n_heads": 16, "d_ff": 2048, "max_len": 512, "position": "learned"}


def config(**sizes) -> TransformerConfig:
    return TransformerConfig(vocab_size=sizes.pop("vocab_size", 4000), **{**DEFAULT, **sizes})


def test_each_part_grows_with_what_it_is_made_of():
    base = training_memory(config(), 32)
    assert training_memory(config(), 64).layers == 2 * base.layers                       # batch: linear
    assert training_memory(config(), 64).weights == base.weights                         # weights: not at all
    assert training_memory(config(max_len=128), 32).attention == 4 * base.attention      # length: squared
    assert training_memory(config(n_heads=8), 32).attention == 2 * base.attention
    assert training_memory(config(vocab_size=8000), 32).head == 2 * base.head
    assert training_memory(config(), 32, masked_share=0.0).head == 0                    # a classifier


def test_the_default_plan_fits_anywhere_and_the_largest_settings_fit_nowhere():
    assert training_memory(config(), 32).total < 0.5 * GB < MIN_RUN_MEMORY             # measured: 0.22 GB
    largest = training_memory(config(**LARGEST, vocab_size=30000), 256)
    assert largest.total > 100 * GB and largest.largest() == "attention"


def test_largest_batch_is_the_last_that_fits():
    memory, limit = training_memory(config(**LARGEST), 256), 4 * GB
    fits = largest_batch(memory, 256, limit)
    assert 1 <= fits < 256
    assert training_memory(config(**LARGEST), fits).total <= limit < training_memory(config(**LARGEST), fits + 1).total


@pytest.mark.parametrize("lang, words", [("en", ["168.6 GB", "max length", "at most 8"]),
                                         ("zh", ["168.6 GB", "最大长度", "最多为 8"])])
def test_the_message_says_how_much_what_to_reduce_and_which_batch_fits(lang, words):
    problem = memory_problem(training_memory(config(**LARGEST, vocab_size=30000), 256), 256, lang, limit=6 * GB)
    assert all(w in problem for w in words), problem
    assert "。 " not in problem                                              # Chinese sentences join without spaces


def test_a_plan_too_big_for_any_batch_says_so():
    problem = memory_problem(training_memory(config(**LARGEST), 4), 4, "en", limit=MIN_RUN_MEMORY // 4)
    assert "Even a batch of one row" in problem


def test_the_limit_follows_the_setting_and_never_breaks_on_a_typo(monkeypatch):
    monkeypatch.setenv(RUN_MEMORY_ENV, "2e9")
    assert run_memory_limit() == 2 * GB
    monkeypatch.setenv(RUN_MEMORY_ENV, "lots")
    assert run_memory_limit() >= MIN_RUN_MEMORY


def test_the_pretrain_plan_refuses_the_largest_settings_before_timing_anything(monkeypatch):
    monkeypatch.setattr(plans, "estimate_step_seconds", lambda *a: pytest.fail("timed a plan that cannot fit"))
    plan = plans.model_plan(LARGEST, 30000, 256, "en")
    assert plan.config is None and "of memory" in plan.problems[0] and plan.memory > 100 * GB


def test_the_finetune_settings_refuse_what_cannot_fit(monkeypatch):
    monkeypatch.setenv(RUN_MEMORY_ENV, str(4 * GB))
    mini = TransformerConfig(vocab_size=8000, n_layers=4, d_model=256, n_heads=4, d_ff=1024, max_len=512)
    assert fn.memory_check(mini, 16, 128, "en") is None                      # the page's defaults
    assert "batch size of at most" in fn.memory_check(mini, 128, 512, "en")
    assert "基础模型" in fn.memory_check(mini.replace(vocab_size=200_000, d_model=2048, n_heads=8), 1, 8, "zh")


@pytest.mark.parametrize("text", [
    "[enforce fail at alloc_cpu.cpp:117] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to "
    "allocate 171798691840 bytes. Error code 12 (Cannot allocate memory)",
    "std::bad_alloc: Cannot allocate memory",
])
def test_allocator_errors_are_out_of_memory(text):
    assert describe_failure(RuntimeError(text))[0] == "memory"
    assert describe_failure(MemoryError())[0] == "memory"
