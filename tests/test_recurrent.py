"""RNN vs Transformer (transformer_core/recurrent.py, ui/rnn_view.py, views/rnn_vs_transformer.py): the tasks, the
two models of about the same size, that both learn a short copy task, the costs, and the page in both languages."""
import pytest
import torch
from apptest import open_app_page

from transformer_core import ConfigError
from transformer_core import recurrent as rec
from ui import rnn_view as rv


def test_tasks_put_the_answer_where_it_belongs():
    g = torch.Generator().manual_seed(0)
    copy = rec.make_batch("copy", 5, 3, 8, g)
    assert copy.inputs.shape == copy.targets.shape == (3, 11)                      # L symbols, [SEP], L blanks
    assert (copy.inputs[:, 5] == rec.SEP).all() and (copy.inputs[:, 6:] == rec.BLANK).all()
    assert torch.equal(copy.targets[:, 6:], copy.inputs[:, :5]) and (copy.targets[:, :6] == rec.IGNORE).all()
    reverse = rec.make_batch("reverse", 5, 3, 8, g)
    assert torch.equal(reverse.targets[:, 6:], reverse.inputs[:, :5].flip(1))
    first = rec.make_batch("first", 9, 64, 8, g)
    assert first.inputs.shape == (64, 9) and (first.targets[:, :-1] == rec.IGNORE).all()
    assert torch.equal(first.targets[:, -1], first.inputs[:, 0])
    assert set(first.inputs[:, 0].tolist()) <= {rec.FIRST_SYMBOL, rec.FIRST_SYMBOL + 1}
    assert rec.chance("first", 8) == 0.5 and rec.chance("copy", 8) == 0.125


def test_bad_task_settings_are_keyed_errors():
    g = torch.Generator()
    with pytest.raises(ConfigError) as err:
        rec.make_batch("sort", 4, 2, 8, g)
    assert err.value.key == "one_of"
    with pytest.raises(ConfigError) as err:
        rec.make_batch("copy", 0, 2, 8, g)
    assert err.value.key == "whole_number"
    model = rec.build(rec.SeqConfig("transformer", max_len=8))
    with pytest.raises(ConfigError) as err:
        model(torch.full((1, 9), rec.FIRST_SYMBOL))
    assert err.value.key == "too_long"


@pytest.mark.parametrize("rnn", ["gru", "lstm"])
def test_both_models_have_about_the_same_size_and_shapes(rnn):
    rnn_config, tf_config = rec.matched_configs(rnn=rnn, max_len=64)
    rnn_model, tf_model = rec.build(rnn_config), rec.build(tf_config)
    tf_weights = rec.parameters(tf_model) - 64 * tf_config.d_model               # position table aside
    assert rec.rnn_parameters(rnn_config) == rec.parameters(rnn_model)          # the formula is the model
    assert abs(rec.parameters(rnn_model) - tf_weights) / tf_weights < 0.05
    ids = torch.full((2, 17), rec.FIRST_SYMBOL)
    assert rnn_model(ids).shape == tf_model(ids).shape == (2, 17, rnn_config.vocab_size)


def test_both_learn_a_short_copy_task_well_above_chance():
    torch.set_num_threads(1)
    for config in rv.configs("gru", "copy", [3]).values():
        result = rv.train_run(config, "copy", 3, steps=150)
        assert result.accuracy > 0.6 > 3 * result.chance, (config.kind, result.accuracy)
        assert result.losses[-1] < result.losses[0] and result.seq_len == 7


def test_costs_paths_and_crossovers():
    rnn_config, tf_config = rec.matched_configs(rnn="gru")
    T = rec.flops_crossover(rnn_config, tf_config)
    assert rec.mixing_flops(tf_config, T) > rec.mixing_flops(rnn_config, T)
    assert rec.mixing_flops(tf_config, T - 1) <= rec.mixing_flops(rnn_config, T - 1)
    assert rec.mixing_flops(tf_config, 2 * T) / rec.mixing_flops(tf_config, T) == 4          # T²
    assert rec.layer_flops(rnn_config, 2 * T) == 2 * rec.layer_flops(rnn_config, T)          # T
    assert rec.path_length("transformer", 0, 99) == 1 and rec.path_length("gru", 0, 99) == 99
    assert rec.crossover([10, 100, 1000], [1.0, 2.0, 3.0], [0.5, 1.0, 4.0]) == pytest.approx(
        10 ** (2 + 0.5), rel=1e-6)
    assert rec.crossover([10, 100], [1.0, 2.0], [0.5, 1.0]) is None
    assert rec.crossover([10, 100, 1000], [1.0, 2.0, 3.0], [1.5, 1.0, 4.0]) == pytest.approx(10 ** 2.5)  # noisy start
    assert rec.crossover([10, 100], [1.0, 2.0], [1.5, 3.0]) == 10                                      # always slower


def test_plans_are_validated():
    assert rv.plan("copy", [8, 4], "gru") == [("gru", 4), ("transformer", 4), ("gru", 8), ("transformer", 8)]
    for args, key in ((("copy", [], "gru"), "no_lengths"), (("copy", [5], "gru"), "bad_length"),
                      (("sort", [4], "gru"), "bad_task"), (("copy", [4], "rnn"), "bad_rnn")):
        with pytest.raises(rv.PlanProblem) as err:
            rv.plan(*args)
        assert err.value.key == key


def test_figures_and_tables():
    result = rec.RunResult("gru", "copy", 4, 9, 0.5, 0.125, 1000, 1.0, (2.0, 1.0))
    other = rec.RunResult("transformer", "copy", 4, 9, 1.0, 0.125, 1000, 1.0, (2.0, 0.1))
    fig = rv.accuracy_figure([result, other], "copy", "zh")
    assert [list(t.y) for t in fig.data] == [[50.0], [100.0]]
    assert len(rv.result_rows([result, other], "en")) == 2
    timing = rv.Timing("gru", (16, 64), (1.0, 2.0), (0.5, 3.0), (1, 2), (1, 8), 40.0, 30)
    assert len(rv.time_figure(timing, "en").data) == 4 and len(rv.timing_rows(timing, "zh")) == 2
    assert list(rv.path_figure(5, "lstm", "en").data[1].y) == [1, 1, 1, 1]


def small_measure(monkeypatch):
    """The page's timing at two short lengths (the real one runs up to T = 2048: a bench's job, not a test's)."""
    real = rv.measure
    monkeypatch.setattr(rv, "measure", lambda rnn, repeats=1: real(rnn, lengths=(8, 16), batch=1, repeats=1))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_trains_both_and_measures(lang, monkeypatch):
    small_measure(monkeypatch)
    at = open_app_page("rnn-vs-transformer", lang, state={"rnn.steps": 100})
    assert not at.exception and len(at.get("plotly_chart")) == 1                   # the path chart only
    at.multiselect(key="rnn_lengths_copy").set_value([4]).run()
    at.button(key="rnn_train").click().run(timeout=240)
    assert not at.exception
    results = at.session_state["rnn.results"][("copy", "gru", 100)]
    assert set(results) == {("gru", 4), ("transformer", 4)}
    assert len(at.get("plotly_chart")) == 2
    at.button(key="rnn_time").click().run(timeout=240)
    assert not at.exception and len(at.get("plotly_chart")) == 3 and at.success
    assert len(at.dataframe) == 2                                                 # the runs and the timings
    at.multiselect(key="rnn_lengths_copy").set_value([]).run()
    assert at.warning and not at.exception                                       # no lengths: said, not raised
