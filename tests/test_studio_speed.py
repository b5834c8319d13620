"""Studio time estimates (issue 12.16): calibrated by the steps measured in this process, and a busy machine
said plainly (an estimate of 41 s took 285 s on a busy machine)."""
from __future__ import annotations

import pytest

from ui.studio import finetune as fn
from ui.studio import speed


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.setattr(speed, "_FACTORS", {})


def test_an_estimate_follows_the_measured_speed_of_the_last_run():
    assert speed.calibrated("finetune", 41.0) == 41.0 and speed.note("finetune", "en") == ""
    speed.record("finetune", 0.1, 0.7, steps=3)                     # too few steps to trust
    assert speed.factor("finetune") is None
    speed.record("finetune", 0.1, 0.7, steps=50)                    # 7 × slower than guessed
    assert speed.calibrated("finetune", 41.0) == pytest.approx(287.0)
    assert "7.0×" in speed.note("finetune", "en") and "微调" in speed.note("finetune", "zh")
    assert speed.factor("pretrain") is None                         # each kind of run on its own
    assert fn.estimate(300, 16, 20, "en", factor=7.0) != fn.estimate(300, 16, 20, "en")


def test_a_busy_machine_is_said():
    assert speed.busy_message("en", now=1.0, cores=2) is None
    assert "busy" in speed.busy_message("en", now=5.5, cores=2) and "5.5" in speed.busy_message("en", now=5.5, cores=2)
    assert "很忙" in speed.busy_message("zh", now=5.5, cores=2)
    now, cores = speed.load()
    assert now >= 0 and cores >= 1
