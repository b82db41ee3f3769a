"""The Add dialog's own behaviour (issue 9): a refused folder keeps the dialog open with the
whole reason shown and is never remembered; Enter and Ctrl+Enter in the link box add."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.test_ui_journeys import settle, win  # noqa: F401  (the fixture)


def _adds(engine: Any) -> list[tuple[Any, ...]]:
    return [c[1] for c in engine.calls if c[0] == "add"]


def test_unwritable_folder_keeps_dialog_open_and_is_not_remembered(
    win: Any,  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    window, engine, store = win
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    bad = blocker / "downloads"
    dialog = window.show_add_dialog(["https://example.com/keep-me.iso"])
    dialog.folder.set_path(str(bad))
    dialog.accept()
    settle(qtbot)
    assert window.add_dialog is dialog and dialog.isVisible()
    assert dialog.urls() == ["https://example.com/keep-me.iso"]  # nothing lost
    assert dialog.folder_invalid()
    assert dialog.error_label.isVisible()
    message = dialog.error_label.text()
    assert str(bad) in message and "Not a directory" in message  # whole, not truncated
    assert dialog.error_label.wordWrap()
    assert _adds(engine) == []
    assert "ui.last_dest_dir" not in store
    # Typing another folder clears the mark; that one works and is remembered.
    good = tmp_path / "good"
    dialog.folder.set_path(str(good))
    assert not dialog.folder_invalid() and not dialog.error_label.isVisible()
    dialog.accept()
    settle(qtbot)
    assert [a[:2] for a in _adds(engine)] == [("https://example.com/keep-me.iso", str(good))]
    assert store["ui.last_dest_dir"] == str(good)


def test_a_bad_remembered_folder_is_not_prefilled(
    win: Any,  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    window, _, store = win
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    store["ui.last_dest_dir"] = str(blocker / "gone")
    dialog = window.show_add_dialog()
    assert dialog.folder.path() == window.options.resolved_download_dir()
    dialog.reject()


def test_a_folder_the_engine_refuses_is_not_remembered(
    win: Any,  # noqa: F811
    qtbot: Any,
    tmp_path: Path,
) -> None:
    window, engine, store = win

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise ValueError("disk says no")

    engine.add = refuse
    dialog = window.show_add_dialog(["https://example.com/x.iso"])
    dialog.folder.set_path(str(tmp_path / "fine"))
    dialog.accept()
    assert "ui.last_dest_dir" not in store


def test_enter_and_ctrl_enter_in_the_link_box_add(win: Any, qtbot: Any) -> None:  # noqa: F811
    window, engine, _ = win
    for n, modifier in enumerate(
        (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier)
    ):
        dialog = window.show_add_dialog()
        qtbot.waitUntil(dialog.isVisible, timeout=2000)
        dialog.urls_edit.setFocus()
        qtbot.keyClicks(dialog.urls_edit, f"https://example.com/typed{n}.iso")
        qtbot.keyClick(dialog.urls_edit, Qt.Key.Key_Return, modifier)
        qtbot.waitUntil(lambda: window.add_dialog is None, timeout=2000)
        settle(qtbot)
    assert [a[0] for a in _adds(engine)] == [
        "https://example.com/typed0.iso",
        "https://example.com/typed1.iso",
    ]
    # Shift+Enter is a new line, and Enter with nothing to add yet is one too.
    dialog = window.show_add_dialog()
    qtbot.keyClick(dialog.urls_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.urls_edit, "https://example.com/one")
    qtbot.keyClick(dialog.urls_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(dialog.urls_edit, "https://example.com/two")
    assert dialog.isVisible()
    assert dialog.urls() == ["https://example.com/one", "https://example.com/two"]
    dialog.reject()
