"""Every catalog key the code names: ``tr("section.key")``, ``SCOPE("key")`` (also through a page's one-line
translator such as ``def say(key): return TEXT(key, lang)``), f-string keys by their fixed start, and the
``"section.key"`` strings of data tables (the page list). An AST walk over ui/, views/ and app.py.

Views are Streamlit scripts and are never imported; what they import from ``ui`` is."""
from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from pathlib import Path

from ui.i18n import FALLBACK, Scope, catalog, tr

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]


@dataclass(frozen=True)
class Use:
    where: str          # file:line
    key: str            # the full key, or the fixed start of an f-string key
    exact: bool         # False: only the start of the key is known

    def found(self) -> bool:
        section, _, name = self.key.partition(".")
        names = catalog(FALLBACK).get(section, {})
        return name in names if self.exact else any(k.startswith(name) for k in names)


def _module_name(path: Path) -> str | None:
    rel = path.relative_to(ROOT).with_suffix("")
    return ".".join(rel.parts) if rel.parts[0] == "ui" else None


def _imported(module: str, name: str | None = None):
    try:
        found = importlib.import_module(module)
        if name is None:
            return found
        return getattr(found, name) if hasattr(found, name) else importlib.import_module(f"{module}.{name}")
    except ImportError:
        return None


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = _module_name(path).split(".")[:-node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


class Names:
    """What the names of one file stand for: a Scope, a ui module, or a translator that calls a Scope."""

    def __init__(self, path: Path, tree: ast.Module):
        self.env: dict[str, object] = {}
        module = _module_name(path)
        if module:                                   # a ui module: its own globals, as Python sees them
            self.env.update(vars(importlib.import_module(module)))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = _absolute(path, node)
                for alias in node.names:
                    self.env.setdefault(alias.asname or alias.name, _imported(base, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.env.setdefault(alias.asname, _imported(alias.name))
        for _ in range(2):                           # a translator may wrap a name bound further down
            for node in ast.walk(tree):
                self._bind(node)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found = self.resolve(node.value) or self._translator(node.value)
            if found is not None:
                self.env[node.targets[0].id] = found
        elif isinstance(node, ast.FunctionDef):
            body = node.body[-1]
            if isinstance(body, ast.Return) and body.value is not None:
                found = self._wrapped(node.args, body.value)
                if found is not None:
                    self.env[node.name] = found

    def _translator(self, value: ast.AST):
        return self._wrapped(value.args, value.body) if isinstance(value, ast.Lambda) else None

    def _wrapped(self, args: ast.arguments, value: ast.AST):
        """``def say(key, **v): return TEXT(key, lang, **v)`` → TEXT's scope."""
        if not (isinstance(value, ast.Call) and value.args and args.args):
            return None
        first = value.args[0]
        scope = self.resolve(value.func)
        if isinstance(scope, Scope) and isinstance(first, ast.Name) and first.id == args.args[0].arg:
            return scope
        return None

    def resolve(self, node: ast.AST):
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        if isinstance(node, ast.Attribute):
            owner = self.resolve(node.value)
            return getattr(owner, node.attr, None) if owner is not None and hasattr(owner, "__file__") else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Scope":
            if node.args and isinstance(node.args[0], ast.Constant):
                return Scope(node.args[0].value)
        return None


def _key_of(node: ast.AST) -> tuple[str, bool] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, True
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value), False
    return None


def _calls(path: Path, tree: ast.Module, names: Names):
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        key = _key_of(node.args[0])
        target = names.resolve(node.func)
        if key is None or target is None:
            continue
        text, exact = key
        if target is tr:
            yield Use(f"{path.name}:{node.lineno}", text, exact)
        elif isinstance(target, Scope):
            full = target.full_key(text) if exact else f"{target.section}.{text}"
            yield Use(f"{path.name}:{node.lineno}", full, exact)


def _table_keys(path: Path, tree: ast.Module, sections: set[str]):
    """The "section.key" strings of the page list (``Page(file, url, title, section, …)``)."""
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Page"):
            continue
        for node in call.args:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                section, dot, name = node.value.partition(".")
                if dot and section in sections and name.isidentifier():
                    yield Use(f"{path.name}:{node.lineno}", node.value, True)


def used_keys() -> list[Use]:
    sections = set(catalog(FALLBACK))
    found = []
    for path in FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = Names(path, tree)
        found += [*_calls(path, tree, names), *_table_keys(path, tree, sections)]
    return found


def scopes() -> list[Scope]:
    """Every Scope object the ui modules hold (their ``shared`` keys must lead somewhere real)."""
    out = []
    for path in FILES:
        module = _module_name(path)
        if module:
            out += [v for v in vars(importlib.import_module(module)).values() if isinstance(v, Scope)]
    return out

