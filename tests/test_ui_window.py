"""The main window over a fake engine: actions, shortcuts, drops, paste, dialogs, closing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from app.options import Options
from app.store.models import JobState
from app.ui.controller import Controller
from app.ui.i18n import install_translators
from app.ui.mainwindow import MainWindow
from app.ui.model import Column, JobTableModel
from app.ui.proxy import Category
from tests.support.fakeengine import FakeEngine, make_job, sample_jobs


class MemorySecrets(dict[str, str]):
    """The secret storage's settings part (app/store/secrets.py), in memory."""

    def put_app(self, name: str, value: str | None) -> None:
        if value:
            self[name] = value
        else:
            self.pop(name, None)

    def get_app(self, name: str) -> str | None:
        return self.get(name)


class DictStore(dict[str, Any]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secrets = MemorySecrets()

    def get_setting(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)

    def set_setting(self, key: str, value: Any) -> None:
        self[key] = value

    def all_settings(self) -> dict[str, Any]:
        return dict(self)


@pytest.fixture
def env(qtbot: Any, tmp_path: Path) -> Iterator[tuple[MainWindow, FakeEngine, DictStore]]:
    install_translators(QApplication.instance())  # type: ignore[arg-type]
    model = JobTableModel()
    controller = Controller(model)
    engine = FakeEngine(sample_jobs(), on_event=controller.on_engine_event)
    controller.attach(engine)
    store = DictStore()
    window = MainWindow(controller, store, Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window, engine, store
    window.request_quit()
    controller.detach()


def select_ids(window: MainWindow, *ids: int) -> None:
    window.view.clearSelection()
    sm = window.view.selectionModel()
    from PySide6.QtCore import QItemSelectionModel

    for job_id in ids:
        row = window.model.row_of(job_id)
        assert row is not None
        index = window.proxy.mapFromSource(window.model.index(row, 0))
        sm.select(
            index,
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def state(window: MainWindow, job_id: int) -> JobState:
    job = window.model.job(job_id)
    assert job is not None
    return job.state


def test_pause_and_resume_through_actions(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    select_ids(window, 1)
    assert window.commands.pause.isEnabled()
    assert not window.commands.resume.isEnabled()
    window.commands.pause.trigger()
    qtbot.waitUntil(lambda: state(window, 1) is JobState.PAUSED)
    assert ("pause", 1) in engine.calls
    assert window.commands.resume.isEnabled()
    window.commands.resume.trigger()
    qtbot.waitUntil(lambda: state(window, 1) is JobState.QUEUED)


def test_keyboard_shortcuts_reach_actions(env: Any, qtbot: Any) -> None:
    window, _engine, _ = env
    window.view.setFocus()
    select_ids(window, 5)
    qtbot.keyClick(window.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: state(window, 5) is JobState.PAUSED)
    qtbot.keyClick(window.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: state(window, 5) is JobState.QUEUED)
    qtbot.keyClick(window.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.add_dialog is not None and window.add_dialog.isVisible())
    window.add_dialog.reject()


def test_resume_on_failed_job_retries(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    select_ids(window, 4)
    assert window.commands.resume.isEnabled()
    window.commands.resume.trigger()
    assert ("retry", 4) in engine.calls
    qtbot.waitUntil(lambda: state(window, 4) is JobState.QUEUED)


def test_pause_all_resume_all_and_retry_failed(env: Any, qtbot: Any) -> None:
    window, _engine, _ = env
    assert window.commands.pause_all.isEnabled()
    window.commands.pause_all.trigger()
    qtbot.waitUntil(lambda: window.model.active_count() == 0)
    assert not window.commands.pause_all.isEnabled()
    window.commands.resume_all.trigger()
    qtbot.waitUntil(lambda: window.model.active_count() == 3)
    window.view.clearSelection()
    window.commands.retry.trigger()  # nothing selected: every failed job
    qtbot.waitUntil(lambda: state(window, 4) is JobState.QUEUED)


def test_remove_asks_only_when_partial_data_is_lost(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    select_ids(window, 3)  # completed: no question
    window.commands.remove.trigger()
    qtbot.waitUntil(lambda: window.model.job(3) is None)
    assert ("remove", (3, False)) in engine.calls
    select_ids(window, 2)  # paused at 300 MiB: asks
    window.commands.remove.trigger()
    assert window.question is not None
    window.question.button(QMessageBox.StandardButton.Cancel).click()
    assert window.model.job(2) is not None
    window.commands.remove.trigger()
    window.question.buttons()[0].click()  # the confirm button
    qtbot.waitUntil(lambda: window.model.job(2) is None)


def test_remove_with_file_always_asks(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    select_ids(window, 3, 5)
    window.commands.remove_with_file.trigger()
    box = window.question
    assert box is not None and "delete their files" in box.text()
    confirm = next(b for b in box.buttons() if b.text() == "Delete Files")
    confirm.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    assert ("remove", (3, True)) in engine.calls and ("remove", (5, True)) in engine.calls


def test_cancel_asks_then_cancels(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    select_ids(window, 1)
    window.commands.cancel.trigger()
    box = window.question
    assert box is not None
    next(b for b in box.buttons() if b.text() == "Cancel Downloads").click()
    assert ("cancel", 1) in engine.calls


def test_cancel_takes_a_retrying_job_too(env: Any, qtbot: Any) -> None:
    """Cancel is enabled on a retrying job (JobState.CANCELLABLE): it must cancel it too."""
    window, engine, _ = env
    engine.set_state(1, JobState.RETRYING)
    qtbot.waitUntil(
        lambda: window.model.job(1) is not None and window.model.job(1).state == JobState.RETRYING
    )
    select_ids(window, 1)
    assert window.commands.cancel.isEnabled()
    window.commands.cancel.trigger()
    box = window.question
    assert box is not None
    next(b for b in box.buttons() if b.text() == "Cancel Downloads").click()
    assert ("cancel", 1) in engine.calls


def test_engine_errors_go_to_the_status_bar_not_dialogs(env: Any, qtbot: Any) -> None:
    window, engine, _ = env

    def boom(job_id: int) -> None:
        raise RuntimeError(f"disk on fire for {job_id}")

    engine.pause = boom  # type: ignore[method-assign]
    select_ids(window, 1, 5)
    window.commands.pause.trigger()
    assert "Could not pause 2 downloads" in window.status.currentMessage()
    assert not [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible() and w.parent() is window
    ]


def test_copy_url_and_open_folder(env: Any, qtbot: Any, monkeypatch: Any) -> None:
    window, _, _ = env
    select_ids(window, 1, 2)
    window.commands.copy_url.trigger()
    text = QGuiApplication.clipboard().text()
    assert text.splitlines() == [
        "https://example.com/files/file1.bin",
        "https://example.com/files/file2.bin",
    ]
    opened: list[str] = []
    monkeypatch.setattr(
        "app.ui.windowcommands.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()) or True,
    )
    os.makedirs("/tmp/tether-fake", exist_ok=True)
    window.commands.open_folder.trigger()
    assert opened == ["/tmp/tether-fake"]


def test_double_click_opens_completed_file_else_properties(
    env: Any, qtbot: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    window, engine, _ = env
    done_file = tmp_path / "report-2024.pdf"
    done_file.write_bytes(b"%PDF")
    engine.set_state(3, JobState.COMPLETED, dest_dir=str(tmp_path))
    window.model.flush_events()
    opened: list[str] = []
    monkeypatch.setattr(
        "app.ui.windowcommands.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()) or True,
    )
    row = window.proxy.mapFromSource(window.model.index(window.model.row_of(3), 0))
    window.view.doubleClicked.emit(row)
    assert opened == [str(done_file)]
    row = window.proxy.mapFromSource(window.model.index(window.model.row_of(2), 0))
    window.view.doubleClicked.emit(row)
    assert 2 in window.properties_dialogs


def test_context_menu_holds_the_actions(env: Any) -> None:
    window, _, _ = env
    menu = window.context_menu()
    names = {a.objectName() for a in menu.actions() if a.objectName()}
    assert {
        "action_pause",
        "action_resume",
        "action_cancel",
        "action_remove",
        "action_remove_with_file",
        "action_retry",
        "action_open_file",
        "action_open_folder",
        "action_copy_url",
        "action_properties",
    } <= names
    menu.deleteLater()


def test_filter_buttons_and_search(env: Any, qtbot: Any) -> None:
    window, _, store = env
    assert window.filters.button("all").text().endswith("5")
    qtbot.mouseClick(window.filters.button("failed"), Qt.MouseButton.LeftButton)
    assert window.proxy.rowCount() == 1
    qtbot.mouseClick(window.filters.button("active"), Qt.MouseButton.LeftButton)
    assert window.proxy.rowCount() == 3
    qtbot.mouseClick(window.filters.button("all"), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.search, "flac")
    assert window.proxy.rowCount() == 1
    window.search.clear()
    window.save_state()
    assert store["ui.filter_category"] == "all"


def test_add_dialog_adds_and_remembers_folder(env: Any, qtbot: Any, tmp_path: Path) -> None:
    window, engine, store = env
    dialog = window.show_add_dialog()
    dialog.urls_edit.setPlainText("https://example.com/new.iso\nnot a link\nhttps://e.org/b")
    assert "2 links will be added" in dialog.count_label.text()
    assert "1 line without a link" in dialog.count_label.text()
    assert not dialog.checksum.isEnabled()  # a checksum is for one file
    target = tmp_path / "isos"
    dialog.folder.set_path(str(target))
    dialog.connections.setValue(4)
    dialog.start_now.setChecked(False)
    dialog.accept()
    adds = [c for c in engine.calls if c[0] == "add"]
    assert adds == [
        ("add", ("https://example.com/new.iso", str(target), 4, None, False)),
        ("add", ("https://e.org/b", str(target), 4, None, False)),
    ]
    assert window.model.rowCount() == 7
    assert store["ui.last_dest_dir"] == str(target)
    again = window.show_add_dialog()
    assert again.folder.path() == str(target)
    again.reject()


def test_add_dialog_checksum_recognises_the_algorithm(env: Any) -> None:
    window, engine, _ = env
    for text, algo, label in (
        ("AB" * 32, "sha256", "SHA-256"),
        (" " + "cd" * 16 + "\n", "md5", "MD5"),
        ("sha-512=" + "ef" * 64, "sha512", "SHA-512"),
        ("sha1:" + "01" * 20, "sha1", "SHA-1"),
    ):
        dialog = window.show_add_dialog([f"https://example.com/{algo}.iso"])
        assert dialog.ok_button.isEnabled()
        dialog.checksum.setText("abc")
        assert not dialog.ok_button.isEnabled()
        assert dialog.checksum_kind.text() == "not a checksum"
        dialog.checksum.setText(text)
        assert dialog.ok_button.isEnabled() and dialog.checksum_kind.text() == label
        dialog.accept()
        _url, checksum, _name = engine.calls[-1][1]
        assert engine.calls[-1][0] == "add_extra" and checksum.startswith(algo + ":")


def _drop(window: MainWindow, mime: QMimeData) -> None:
    pos = QPointF(window.view.geometry().center())
    enter = QDragEnterEvent(
        pos.toPoint(),
        Qt.DropAction.CopyAction | Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    assert window.view.drop_hint
    event = QDropEvent(
        pos,
        Qt.DropAction.CopyAction | Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)
    assert event.isAccepted()
    # A copy, never a move: the source must not delete what was dragged.
    assert event.dropAction() == Qt.DropAction.CopyAction
    assert not window.view.drop_hint


def _dialog_urls(window: MainWindow, qtbot: Any) -> list[str]:
    qtbot.waitUntil(lambda: window.add_dialog is not None and window.add_dialog.isVisible())
    assert window.add_dialog is not None
    return window.add_dialog.urls()


def test_drop_uri_list_from_a_file_manager(env: Any, qtbot: Any, tmp_path: Path) -> None:
    window, _, _ = env
    link = tmp_path / "mirror.url"
    link.write_text("[InternetShortcut]\nURL=https://example.com/from-link-file.iso\n")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8")
    mime = QMimeData()
    mime.setUrls(
        [
            QUrl("https://example.com/a.iso"),
            QUrl.fromLocalFile(str(link)),
            QUrl.fromLocalFile(str(photo)),
        ]
    )
    _drop(window, mime)
    assert _dialog_urls(window, qtbot) == [
        "https://example.com/a.iso",
        "https://example.com/from-link-file.iso",
    ]
    assert "photo.jpg" in window.add_dialog.note_label.text()


def test_drop_moz_url_from_firefox(env: Any, qtbot: Any) -> None:
    window, _, _ = env
    mime = QMimeData()
    payload = "https://example.com/firefox.bin\nThe title".encode("utf-16-le")
    mime.setData("text/x-moz-url", payload)
    _drop(window, mime)
    assert _dialog_urls(window, qtbot) == ["https://example.com/firefox.bin"]


def test_drop_plain_text_with_urls(env: Any, qtbot: Any) -> None:
    window, _, _ = env
    mime = QMimeData()
    mime.setText("Grab https://example.com/1.zip and\nhttps://example.com/2.zip\nthanks!")
    _drop(window, mime)
    assert _dialog_urls(window, qtbot) == [
        "https://example.com/1.zip",
        "https://example.com/2.zip",
    ]
    assert "thanks!" in window.add_dialog.note_label.text()


def test_drop_without_links_only_notes(env: Any, qtbot: Any) -> None:
    window, _, _ = env
    mime = QMimeData()
    mime.setText("just words")
    _drop(window, mime)
    qtbot.wait(20)
    assert window.add_dialog is None
    assert "just words" in window.status.currentMessage()


def test_second_drop_merges_into_open_dialog(env: Any, qtbot: Any) -> None:
    window, _, _ = env
    for url in ("https://example.com/1", "https://example.com/2", "https://example.com/1"):
        mime = QMimeData()
        mime.setText(url)
        _drop(window, mime)
        qtbot.waitUntil(lambda: window.add_dialog is not None)
    qtbot.wait(20)
    assert window.add_dialog.urls() == ["https://example.com/1", "https://example.com/2"]


def test_paste_reads_clipboard_without_changing_it(env: Any, qtbot: Any) -> None:
    window, _, _ = env
    clipboard = QGuiApplication.clipboard()
    original = "see https://example.com/p1.iso or https://example.com/p2.iso"
    clipboard.setText(original)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert _dialog_urls(window, qtbot) == [
        "https://example.com/p1.iso",
        "https://example.com/p2.iso",
    ]
    assert clipboard.text() == original


def test_properties_dialog_edits_url_of_failed_job(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    engine.logs[4] = [(1_700_000_000.0, "404 Not Found"), (1_700_000_100.0, "gave up")]
    dialog = window.show_properties(4)
    assert dialog is not None
    assert "404 Not Found" in dialog.history.toPlainText()
    assert not dialog.url_edit.isReadOnly()
    assert not dialog.url_button.isEnabled()
    dialog.url_edit.setText("https://mirror.example.com/dataset.tar.gz")
    dialog.url_edit.textEdited.emit(dialog.url_edit.text())
    assert dialog.url_button.isEnabled()
    dialog.url_button.click()
    assert ("set_url", (4, "https://mirror.example.com/dataset.tar.gz")) in engine.calls
    qtbot.waitUntil(lambda: window.model.job(4).url == "https://mirror.example.com/dataset.tar.gz")
    # A downloading job's URL is read-only.
    running = window.show_properties(1)
    assert running.url_edit.isReadOnly()
    assert running.segments.rowCount() == 4
    running.reject()
    dialog.reject()


def test_settings_dialog_saves_and_applies_live(env: Any, qtbot: Any, tmp_path: Path) -> None:
    window, engine, store = env
    dialog = window.show_settings()
    dialog.max_concurrent.setValue(5)
    dialog.connections.setValue(16)
    dialog.limit_enabled.setChecked(True)
    dialog.limit.setValue(2500)
    dialog.notify.setChecked(False)
    dialog.folder.set_path(str(tmp_path / "elsewhere"))
    dialog.accept()
    assert store["max_concurrent"] == 5
    assert store["connections"] == 16
    assert store["speed_limit"] == 2_500_000
    assert store["notify"] is False
    applied = [c[1] for c in engine.calls if c[0] == "apply_settings"][-1]
    assert (applied.max_concurrent, applied.connections, applied.speed_limit) == (
        5,
        16,
        2_500_000,
    )
    assert window.options.download_dir == str(tmp_path / "elsewhere")
    assert window.tray.notify_enabled is False


def test_progress_timer_runs_only_while_something_is_active(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    controller = window.controller
    assert controller.is_polling()
    engine.set_progress(1, 200 << 20, speed=2e6, segments=((0, 10, 5),))
    qtbot.waitUntil(lambda: window.model.progress_of(1) is not None, timeout=2000)
    qtbot.waitUntil(lambda: "2.0 MB/s" in window.status.speed_label.text(), timeout=2000)
    assert "2.0 MB/s" in window.tray.last_tooltip
    engine.pause_all()
    qtbot.waitUntil(lambda: not controller.is_polling())
    assert window.model.index(window.model.row_of(1), Column.SPEED).data() == ""


def test_tray_notifies_on_completion_and_failure(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    engine.set_state(1, JobState.COMPLETED)
    window.model.flush_events()
    assert window.tray.last_message == ("Download complete", "ubuntu-24.04-desktop-amd64.iso")
    engine.set_state(5, JobState.FAILED, error="403 Forbidden: the link expired")
    window.model.flush_events()
    assert window.tray.last_message is not None
    assert window.tray.last_message[0] == "Download failed"
    assert "403 Forbidden" in window.tray.last_message[1]


def test_close_with_running_downloads_asks(env: Any, qtbot: Any) -> None:
    window, _, store = env
    quits: list[bool] = []
    window.quit_requested.connect(lambda: quits.append(True))
    window.close()
    assert window.question is not None and "Downloads running: 2" in window.question.text()
    window.question.button(QMessageBox.StandardButton.Cancel).click()
    assert not quits and window.isVisible()
    window.close()
    next(b for b in window.question.buttons() if b.text() == "Quit").click()
    assert quits == [True]
    assert "ui.window_geometry" in store


def test_close_with_keep_downloading_quits_without_the_pause_question(
    qtbot: Any, tmp_path: Path
) -> None:
    """With 'keep downloading after the window closes' the downloads do not pause: no question
    that says they would; the window just goes (the service keeps them running)."""
    model = JobTableModel()
    controller = Controller(model)
    controller.attach(FakeEngine(sample_jobs(), on_event=controller.on_engine_event))
    assert model.active_count() > 0
    options = Options(download_dir=str(tmp_path), keep_downloading="yes")
    window = MainWindow(controller, DictStore(), options)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.quit_requested, timeout=1000):
        window.close()
    assert window.question is None


def test_close_when_idle_quits_at_once(qtbot: Any, tmp_path: Path) -> None:
    model = JobTableModel()
    controller = Controller(model)
    engine = FakeEngine([make_job(1, JobState.COMPLETED)], on_event=controller.on_engine_event)
    controller.attach(engine)
    window = MainWindow(controller, DictStore(), Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.quit_requested, timeout=1000):
        window.close()


def test_empty_list_shows_hint_and_category_restored(qtbot: Any, tmp_path: Path) -> None:
    model = JobTableModel()
    controller = Controller(model)
    controller.attach(FakeEngine([], on_event=controller.on_engine_event))
    store = DictStore({"ui.filter_category": "failed"})
    window = MainWindow(controller, store, Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    window.show()
    assert window.proxy.category() is Category.FAILED
    assert window.filters.current() == "failed"
    image = window.view.viewport().grab().toImage()
    assert not image.isNull()


def test_help_menu_has_log_folder_and_about(
    env: Any, qtbot: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    window, _, _ = env
    monkeypatch.setenv("TETHER_DATA_DIR", str(tmp_path / "data"))  # never the user's folders
    menus = {m.title().replace("&", ""): m for m in window.menuBar().findChildren(QMenu)}
    texts = [a.text().replace("&", "") for a in menus["Help"].actions()]
    assert "Open Log Folder" in texts and "About Tether" in texts
    opened: list[str] = []
    monkeypatch.setattr(window, "_open_path", opened.append)  # nothing is really launched
    window.commands.open_logs.trigger()
    assert opened == [str(tmp_path / "data" / "logs")] and Path(opened[0]).is_dir()


def test_cancelled_is_apart_from_failed_and_retry_failed_leaves_it(env: Any, qtbot: Any) -> None:
    """Issue 9 bug 7: cancel showed 'Failed: cancelled', counted as failed, and Retry Failed
    restarted it."""
    window, engine, _ = env
    engine.cancel(2)
    window.model.flush_events()
    qtbot.waitUntil(lambda: state(window, 2) is JobState.CANCELLED)
    row = window.model.row_of(2)
    assert row is not None
    assert window.model.index(row, Column.STATE).data() == "Cancelled"
    qtbot.waitUntil(
        lambda: window.filters.button(Category.CANCELLED.value).text() == "Cancelled  1"
    )
    assert window.filters.button(Category.FAILED.value).text() == "Failed  1"
    window.view.clearSelection()
    window.commands.retry.trigger()  # every failed job, not the cancelled one
    qtbot.waitUntil(lambda: state(window, 4) is JobState.QUEUED)
    assert ("retry", 2) not in engine.calls and ("resume", 2) not in engine.calls
    assert state(window, 2) is JobState.CANCELLED
    select_ids(window, 2)
    assert window.commands.resume.isEnabled()  # explicitly, it can start again


def test_add_dialog_expands_patterns_with_a_count(env: Any) -> None:
    window, engine, _ = env
    for n in range(2):  # two batches in a row
        dialog = window.show_add_dialog()
        dialog.urls_edit.setPlainText(
            "https://example.com/img[001-045].jpg\nhttps://example.com/{a,b}.zip\n"
        )
        assert "47 links will be added" in dialog.count_label.text()
        dialog.urls_edit.setPlainText("https://example.com/f[1-100000].jpg")
        assert "100,000" in dialog.count_label.text() and not dialog.ok_button.isEnabled()
        dialog.urls_edit.setPlainText("https://example.com/[9-1]")
        assert not dialog.ok_button.isEnabled()
        dialog.patterns.setChecked(False)  # taken literally: brackets aren't a link character
        dialog.urls_edit.setPlainText(
            f"https://example.com/{n}/img[001-045].jpg\nhttps://e.org/{n}"
        )
        assert dialog.ok_button.isEnabled()
        dialog.patterns.setChecked(True)
        assert "46 links will be added" in dialog.count_label.text()
        before = len([c for c in engine.calls if c[0] == "add"])
        dialog.accept()
        adds = [c for c in engine.calls if c[0] == "add"][before:]
        assert len(adds) == 46 and adds[0][1][0] == f"https://example.com/{n}/img001.jpg"


def test_verified_downloads_say_so_in_the_status(env: Any) -> None:
    window, _engine, _ = env
    job = make_job(99, JobState.COMPLETED, checksum="sha256:" + "ab" * 32)
    model = window.model
    model.load([*model.jobs(), job])
    row = model.row_of(99)
    assert row is not None
    index = model.index(row, Column.STATE)
    assert model.data(index) == "Verified (SHA-256)"
    assert "ab" * 32 in model.data(index, Qt.ItemDataRole.ToolTipRole)
    job.checksum = None
    model.load([*[j for j in model.jobs() if j.id != 99], job])
    assert model.data(model.index(model.row_of(99) or 0, Column.STATE)) == "Completed"


def test_file_menu_imports_and_exports_lists(env: Any, tmp_path: Path) -> None:
    window, engine, _ = env
    names = [a.objectName() for a in window.menuBar().actions()[0].menu().actions()]
    assert "action_import_list" in names and "action_export_list" in names
    listing = tmp_path / "list.txt"
    listing.write_text(
        "https://example.com/a.iso\n  dir=/tmp/elsewhere\n  out=b.iso\n"
        f"  checksum=sha-256={'ab' * 32}\nhttps://example.com/c.iso\n"
    )
    for _ in range(2):  # the action twice in one session
        before = len(engine.calls)
        ids = window.lists.import_from(str(listing))
        assert len(ids) == 2
        calls = engine.calls[before:]
        assert ("add", ("https://example.com/a.iso", "/tmp/elsewhere", 8, None, True)) in calls
        assert ("add_extra", ("https://example.com/a.iso", f"sha256:{'ab' * 32}", "b.iso")) in calls
        assert ("add", ("https://example.com/c.iso", str(tmp_path), 8, None, True)) in calls
    bad = tmp_path / "bad.txt"
    bad.write_text("  out=x\n")
    assert window.lists.import_from(str(bad)) == []
    assert "line 1" in window.status.currentMessage()
    for name in ("q.txt", "q.json"):
        assert window.lists.export_to(str(tmp_path / name))
        text = (tmp_path / name).read_text()
        assert "https://example.com/a.iso" in text and "b.iso" in text
    assert "  checksum=sha-256=" + "ab" * 32 in (tmp_path / "q.txt").read_text()
    assert not window.lists.export_to(str(tmp_path / "no" / "such" / "dir.txt"))
    dialog = window.lists.ask_import()
    assert dialog.isVisible()
    dialog.reject()


def test_pasting_a_pattern_keeps_it_whole_for_the_dialog(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    clipboard = QGuiApplication.clipboard()
    for n in range(2):  # two pastes in a row
        clipboard.setText(
            f"https://example.com/{{a,b}}{n}/f[1-{n + 2}].bin\nsee https://e.org/{n}\n"
        )
        window.view.setFocus()
        qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        dialog = window.add_dialog
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible)
        expected = 2 * (n + 2) + 1
        assert f"{expected} links will be added" in dialog.count_label.text()
        before = len([c for c in engine.calls if c[0] == "add"])
        dialog.accept()
        adds = [c for c in engine.calls if c[0] == "add"][before:]
        assert [c[1][0] for c in adds][:2] == [
            f"https://example.com/a{n}/f1.bin",
            f"https://example.com/a{n}/f2.bin",
        ]
        assert len(adds) == expected


def test_properties_show_the_checksum_and_whether_it_was_verified(env: Any) -> None:
    window, engine, _ = env
    job = make_job(98, JobState.COMPLETED, checksum="sha512:" + "cd" * 64)
    engine._jobs[98] = job
    window.model.load([*window.model.jobs(), job])
    dialog = window.show_properties(98)
    assert dialog is not None
    text = dialog.sha256_label.text()
    assert text.startswith("SHA-512 " + "cd" * 64) and "verified" in text
    dialog.reject()


def test_selection_survives_a_reload_after_the_service_came_back(env: Any, qtbot: Any) -> None:
    """After a reconnection the window reloads every row from the new service; the rows the
    user had selected stay selected (the toolbar acts on them, the details panel follows)."""
    window, _engine, _ = env
    select_ids(window, 1, 2)
    from PySide6.QtCore import QItemSelectionModel

    window.view.selectionModel().setCurrentIndex(
        window.proxy.mapFromSource(window.model.index(window.model.row_of(1) or 0, 0)),
        QItemSelectionModel.SelectionFlag.NoUpdate,
    )
    assert sorted(j.id for j in window.selected_jobs()) == [1, 2]
    assert window.commands.pause.isEnabled()
    again = FakeEngine(sample_jobs(), on_event=window.controller.on_engine_event)
    window.controller.attach(again)  # what the link's on_engine does after a restart
    assert sorted(j.id for j in window.selected_jobs()) == [1, 2]
    assert window.commands.pause.isEnabled()
    current = window.proxy.mapToSource(window.view.currentIndex())
    assert current.isValid() and window.model.job_at(current.row()).id == 1
    again.calls.clear()
    window.commands.pause.trigger()
    assert ("pause", 1) in again.calls
