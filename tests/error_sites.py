"""Every place the code makes one of the core's errors or a ``Phrase``, found by an AST walk: its key, the
names of its values, and the English template its message implies.

The template is the message's f-string with each ``{expression}`` written as the value passed under that
expression (``raise DataError(f"{path} is empty.", "file_empty", path=path)`` → ``"{path} is empty."``),
so the catalog's English entry can be checked against the sentence the code really writes."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("transformer_core", "tools", "ui")
KEYED = {"LabError", "ConfigError", "DataError", "CheckpointError", "SaveError", "Phrase"}
SELF_KEYED = {"TrainingStopped"}       # builds its message and key in its own __init__ (checked there)
DEFINITIONS = ROOT / "transformer_core" / "errors.py"       # where the classes are defined, not used
CONVERSIONS = {-1: "", 115: "!s", 114: "!r", 97: "!a"}


@dataclass(frozen=True)
class Site:
    path: str                 # relative to the repository root
    line: int
    kind: str                 # the class called, or "super" for a LabError subclass's own __init__
    key: str | None           # the literal key; None when there is none
    values: dict              # value name → its expression (ast node)
    message: ast.expr | None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _name(func: ast.expr) -> str | None:
    return getattr(func, "id", getattr(func, "attr", None))


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "__init__" and isinstance(func.value, ast.Call)
            and _name(func.value.func) == "super")


def _site(path: Path, call: ast.Call, kind: str) -> Site:
    key = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "key"), None)
    literal = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
    values = {k.arg: k.value for k in call.keywords if k.arg not in (None, "key")}
    return Site(str(path.relative_to(ROOT)), call.lineno, kind, literal, values, call.args[0] if call.args else None)


def _lab_error_classes(tree: ast.Module) -> list[ast.ClassDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            and any(_name(base) in {"LabError", *KEYED} for base in node.bases)]


def all_sites() -> list[Site]:
    """Every call of a keyed class, and every ``super().__init__`` inside a LabError subclass."""
    sites = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == DEFINITIONS:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and _name(node.func) in KEYED:
                    sites.append(_site(path, node, _name(node.func)))
            for cls in _lab_error_classes(tree):
                for node in ast.walk(cls):
                    if isinstance(node, ast.Call) and _is_super_init(node):
                        sites.append(_site(path, node, "super"))
    return sites


def keyed_sites() -> list[Site]:
    return [site for site in all_sites() if site.key is not None]


def raised_names(folder: str) -> list[tuple[str, str]]:
    """(where, class name) of every ``raise Name(...)`` under ``folder``."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", _name(node.exc.func)))
    return found


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def implied_template(site: Site) -> tuple[str | None, list[str]]:
    """(the English template the message implies, expressions in it that are passed as no value);
    (None, []) when the message is not a string written at the call."""
    message = site.message
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        return _escape(message.value), []
    if not isinstance(message, ast.JoinedStr):
        return None, []
    names = {ast.unparse(expr): name for name, expr in site.values.items()}
    out, loose = [], []
    for part in message.values:
        if isinstance(part, ast.Constant):
            out.append(_escape(part.value))
            continue
        source = ast.unparse(part.value)
        if source not in names:
            loose.append(source)
        spec = ":" + "".join(c.value for c in part.format_spec.values) if part.format_spec else ""
        out.append("{" + names.get(source, source) + CONVERSIONS[part.conversion] + spec + "}")
    return "".join(out), loose


def with_constants(template: str, site: Site) -> str:
    """``template`` with each placeholder whose value at ``site`` is a plain string constant written out
    (``{name}`` with ``name="preset"`` → ``preset``), for a key shared by a site that spells a value out."""
    from string import Formatter
    out = []
    for literal, field, spec, conversion in Formatter().parse(template):
        out.append(_escape(literal))
        if field is None:
            continue
        value = site.values.get(field)
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and not spec and not conversion:
            out.append(_escape(value.value))
        else:
            out.append("{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)
