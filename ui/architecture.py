"""The architecture page's pure logic in one import: config in, tables and figures out.

No Streamlit here, so every function is unit-tested and can be reused by later pages. The work
is split by idea — ``params`` (counting by formula), ``shapes`` (shapes from a real forward),
``diagram`` (the plotly block diagram) — and this module adds the display tables on top.
"""
from __future__ import annotations

from transformer_core import PRESETS, TransformerConfig

from .diagram import architecture_figure
from .i18n import ARCH
from .params import (
    FlopsEstimate,
    ParamRow,
    flops_per_token,
    format_count,
    parameter_table,
    parameter_total,
    part_totals,
)
from .shapes import ShapeStep, build_meta_model, format_shape, model_parameter_count, shape_flow, trace_shapes

__all__ = ["FlopsEstimate", "ParamRow", "ShapeStep", "architecture_figure", "bert_size_check",
           "build_meta_model", "config_from_preset", "flops_per_token", "format_count", "format_shape",
           "model_parameter_count", "param_records", "parameter_table", "parameter_total", "part_totals",
           "shape_flow", "shape_records", "trace_shapes"]


def param_records(rows: list[ParamRow], lang: str = "en") -> list[dict]:
    """Rows ready for a dataframe, with column names and labels in the reader's language."""
    return [{ARCH("col_part", lang): ARCH(row.part, lang), ARCH("col_component", lang): ARCH(row.component, lang),
             ARCH("col_shape", lang): row.shape, ARCH("col_each", lang): row.each,
             ARCH("col_repeat", lang): row.repeat, ARCH("col_total", lang): row.total} for row in rows]


def shape_records(steps: list[ShapeStep], lang: str = "en") -> list[dict]:
    """Shape-flow steps ready for a dataframe: the shape written 'B × T × D' style."""
    return [{ARCH("col_stage", lang): step.stage, ARCH("col_tensor", lang): format_shape(step.shape),
             ARCH("col_note", lang): step.note} for step in steps]


def bert_size_check() -> dict[str, int]:
    """Our BERT-Base / BERT-Large presets counted by the same formula (paper: ≈ 110M and ≈ 340M)."""
    return {name: parameter_total(PRESETS[name]) for name in ("bert-base", "bert-large")}


def config_from_preset(preset: str, **changes) -> TransformerConfig:
    """A preset with the learner's changes; ``TransformerConfig`` validates and may raise ``ConfigError``."""
    return PRESETS[preset].replace(**changes)
