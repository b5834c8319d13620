"""Training: pretraining (MLM + NSP), fine-tuning and seq2seq — one Trainer for the CLI and the app.

    from transformer_core.train import Trainer, TrainConfig
    trainer = Trainer(TrainConfig(steps=100), model, train_batches, eval_batches)
    for metrics in trainer.steps(100): …

No Streamlit here; the app drives ``Trainer.step`` itself.
"""
from ..errors import SaveError
from .config import TrainConfig
from .schedule import lr_factor, warmup_schedule
from .trainer import StepMetrics, Trainer, TrainingStopped, autocast_dtype, make_optimizer, pick_device

__all__ = ["TrainConfig", "lr_factor", "warmup_schedule", "SaveError", "StepMetrics", "Trainer", "TrainingStopped",
           "autocast_dtype", "make_optimizer", "pick_device"]
