"""Static checks of the window's translatable text (AST scans of app/ui), shared by the i18n tests.

- `translatable_calls`: every `self.tr("…")`, `Class.tr("…")`, `QCoreApplication.translate(
  "Ctx", "…")` and `QT_TRANSLATE_NOOP("Ctx", "…")` as (context, source), the way Qt looks it up.
- `untranslated_literals`: string literals handed straight to something the user reads
  (setText, setToolTip, QLabel(…), addAction, showMessage, QMessageBox …) without tr().
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "app" / "ui"

# Methods and constructors whose string arguments end up on screen.
SHOWN_METHODS = {
    "setText",
    "setToolTip",
    "setStatusTip",
    "setWhatsThis",
    "setWindowTitle",
    "setPlaceholderText",
    "setInformativeText",
    "setDetailedText",
    "setTitle",
    "setSuffix",
    "setPrefix",
    "setSpecialValueText",
    "setLabelText",
    "addTab",
    "addItem",
    "addItems",
    "addAction",
    "addMenu",
    "addRow",
    "addButton",
    "showMessage",
    "setHorizontalHeaderLabels",
}
BOX_METHODS = {"information", "warning", "critical", "question"}  # QMessageBox.warning(…)
SHOWN_CLASSES = {
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QRadioButton",
    "QGroupBox",
    "QAction",
    "QMenu",
    "QToolButton",
    "QMessageBox",
    "QToolBar",
}
# Words shown as they are in every language: names, and "English" (each language is offered
# in its own name in Settings).
NEUTRAL = {
    "English",
    "Tether",
    "aria2",
    "JSON",
    "SHA-256",
    "SOCKS5",
    "HTTP",
    "HTTPS",
    "URL",
    "MD5",
    "SHA-1",
}
_WORD = re.compile(r"[A-Za-z]{2,}")


def ui_files() -> list[Path]:
    return sorted(UI.rglob("*.py"))


def _str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _classes(tree: ast.Module) -> dict[ast.AST, str]:
    """Each node -> the name of the class it is written in (for self.tr's context)."""
    owner: dict[ast.AST, str] = {}
    for cls in ast.walk(tree):
        if isinstance(cls, ast.ClassDef):
            for node in ast.walk(cls):
                owner[node] = cls.name  # inner classes overwrite later: walk order is outer first
    return owner


def translatable_calls(path: Path) -> Iterator[tuple[str, str, int]]:
    """(context, source text, line) of every translation call with a literal text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owner = _classes(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "tr" and isinstance(func, ast.Attribute):
            text = _str(node.args[0])
            base = func.value
            if text is None:
                continue
            if isinstance(base, ast.Name) and base.id == "self":
                yield owner.get(node, ""), text, node.lineno
            elif isinstance(base, ast.Name):
                yield base.id, text, node.lineno
        elif name in ("translate", "QT_TRANSLATE_NOOP") and len(node.args) >= 2:
            context, text = _str(node.args[0]), _str(node.args[1])
            if context is not None and text is not None:
                yield context, text, node.lineno


def _visible(text: str) -> bool:
    words = [w for w in _WORD.findall(text) if w not in NEUTRAL]
    return bool(words)


def untranslated_literals(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of literals (or f-strings) shown to the user without a translation."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        box = isinstance(func, ast.Attribute) and ast.unparse(func.value) == "QMessageBox"
        shown = name in SHOWN_METHODS or name in SHOWN_CLASSES or (box and name in BOX_METHODS)
        if not shown:
            continue
        args = node.args
        if name == "addItem":  # addItem([icon,] text, data): the data is never shown
            icon_first = bool(args) and "icon" in ast.unparse(args[0]).lower()
            args = args[1:2] if icon_first else args[:1]
        for arg in args:
            parts = arg.elts if isinstance(arg, ast.List | ast.Tuple) else [arg]
            for part in parts:
                text = _str(part)
                if text is not None and _visible(text):
                    yield node.lineno, text
                elif isinstance(part, ast.JoinedStr):
                    literal = "".join(_str(v) or "" for v in part.values)
                    if _visible(literal):
                        yield node.lineno, ast.unparse(part)
