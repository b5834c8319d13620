"""Who may import whom, checked on the source of every module (AST, so lazy imports count too).

    transformer_core/  the model library: imports no ui, views, app, tools, Streamlit;
                       its top-level modules never reach up into data/ or train/, and data/ never into train/
    ui/                pure builders: no Streamlit, except the glue package ui/st/
    views/, app.py     the pages: Streamlit and ui, never the other way round
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, relative imports resolved against its package."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)   # `from . import x` imports x
    return names


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offences(paths, forbidden) -> list[str]:
    return [f"{p.relative_to(ROOT)} imports {name}" for p in paths for name in sorted(imported_modules(p))
            if any(name == f or name.startswith(f + ".") for f in forbidden(p))]


def test_core_imports_no_app_side():
    assert files("transformer_core")
    assert offences(files("transformer_core"), lambda p: ("ui", "views", "app", "tools", "streamlit")) == []


def test_core_layers_point_downward():
    """Model files < data/ < train/: a lower layer never imports a higher one."""
    def upward(p: Path):
        part = p.relative_to(ROOT / "transformer_core").parts
        if part[0] == "train":
            return ()
        if part[0] == "data":
            return ("transformer_core.train",)
        return ("transformer_core.train", "transformer_core.data")
    assert offences(files("transformer_core"), upward) == []


def test_streamlit_only_in_glue_views_and_app():
    pure = [p for p in files("ui") if "st" not in p.relative_to(ROOT / "ui").parts[:1]]
    assert len(pure) > 20 and offences(pure, lambda p: ("streamlit", "views", "app", "ui.st")) == []


def test_glue_and_pages_are_not_imported_by_the_pure_side():
    assert offences(files("tools") + files("bench"), lambda p: ("views", "app")) == []


@pytest.mark.parametrize("line, expected", [
    ("from ..errors import DataError", {"transformer_core.errors", "transformer_core.errors.DataError"}),
    ("from . import colors", {"ui", "ui.colors"}),
])
def test_relative_imports_are_resolved(tmp_path, line, expected, monkeypatch):
    module = ROOT / ("transformer_core/data/x.py" if ".." in line else "ui/x.py")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: line)
    assert imported_modules(module) == expected
