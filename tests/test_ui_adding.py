"""Adding links from the window: "already here" questions with remembered answers, adding
without asking, the clipboard prefill and per-kind folders. Each action twice in a session."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.options import Options
from app.store.models import JobState
from app.ui.conflicts import ConflictKind, find_conflict
from app.ui.controller import Controller
from app.ui.dropparse import DropContent
from app.ui.i18n import install_translators
from app.ui.mainwindow import MainWindow
from app.ui.model import JobTableModel
from tests.support.fakeengine import FakeEngine, make_job, sample_jobs
from tests.test_ui_window import DictStore


@pytest.fixture
def env(qtbot: Any, tmp_path: Path) -> Iterator[tuple[MainWindow, FakeEngine, DictStore]]:
    install_translators(QApplication.instance())  # type: ignore[arg-type]
    model = JobTableModel()
    controller = Controller(model)
    done = tmp_path / "report-2024.pdf"
    done.write_bytes(b"pdf")
    jobs = sample_jobs()
    jobs[2].dest_dir = str(tmp_path)  # the completed report: its file exists
    engine = FakeEngine(jobs, on_event=controller.on_engine_event)
    controller.attach(engine)
    store = DictStore()
    window = MainWindow(controller, store, Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    QGuiApplication.clipboard().setText("")
    yield window, engine, store
    window.request_quit()
    controller.detach()


def adds(engine: FakeEngine) -> list[str]:
    return [c[1][0] for c in engine.calls if c[0] == "add"]


def test_find_conflict_order_and_kinds(tmp_path: Path) -> None:
    (tmp_path / "x.iso").write_bytes(b"")
    jobs = [
        make_job(1, JobState.PAUSED, url="https://e.org/a.bin"),
        make_job(2, JobState.COMPLETED, url="https://e.org/b.bin", dest_dir=str(tmp_path)),
    ]
    (tmp_path / "file2.bin").write_bytes(b"")
    in_queue = find_conflict("https://e.org/a.bin", str(tmp_path), jobs)
    assert in_queue is not None and in_queue.kind is ConflictKind.IN_QUEUE
    assert in_queue.job_id == 1
    completed = find_conflict("https://e.org/b.bin", str(tmp_path), jobs)
    assert completed is not None and completed.kind is ConflictKind.COMPLETED
    assert completed.path == str(tmp_path / "file2.bin")
    exists = find_conflict("https://other.org/dl/x.iso?t=1", str(tmp_path), jobs)
    assert exists is not None and exists.kind is ConflictKind.FILE_EXISTS
    assert find_conflict("https://other.org/new.iso", str(tmp_path), jobs) is None
    assert find_conflict("https://other.org/", str(tmp_path), jobs) is None


def _submit(window: MainWindow, url: str) -> None:
    dialog = window.show_add_dialog()
    dialog.urls_edit.setPlainText(url)
    dialog.accept()


def test_file_exists_asks_and_remembers(env: Any, qtbot: Any, tmp_path: Path) -> None:
    window, engine, store = env
    (tmp_path / "movie.mp4").write_bytes(b"old")
    urls = ["https://example.com/movie.mp4", "https://mirror.example.com/movie.mp4"]
    for url in urls:  # rename, without remembering: asked each time
        _submit(window, url)
        qtbot.waitUntil(lambda: window.add_flow.question is not None)
        question = window.add_flow.question
        assert "movie (1).mp4" in question.buttons_by_choice["rename"].text()
        question.choose("rename")
        qtbot.waitUntil(lambda: not window.add_flow.busy())
    assert adds(engine) == urls
    # Skip: nothing added.
    _submit(window, "https://example.com/movie.mp4?v=2")
    qtbot.waitUntil(lambda: window.add_flow.question is not None)
    window.add_flow.question.choose(None)
    qtbot.waitUntil(lambda: not window.add_flow.busy())
    assert len(adds(engine)) == 2
    # Replace, remembered: the old file goes (to the trash, or deleted), later adds don't ask.
    (tmp_path / "clip.mp4").write_bytes(b"old")
    _submit(window, "https://example.com/clip.mp4")
    qtbot.waitUntil(lambda: window.add_flow.question is not None)
    window.add_flow.question.remember.setChecked(True)
    window.add_flow.question.choose("overwrite")
    qtbot.waitUntil(lambda: not window.add_flow.busy())
    assert not (tmp_path / "clip.mp4").exists()
    assert store["exists_action"] == "overwrite"
    (tmp_path / "clip.mp4").write_bytes(b"old again")
    _submit(window, "https://cdn.example.com/clip.mp4")
    assert window.add_flow.question is None
    assert adds(engine)[-1] == "https://cdn.example.com/clip.mp4"
    assert not (tmp_path / "clip.mp4").exists()


def test_link_in_the_list_shows_it_or_adds_again(env: Any, qtbot: Any) -> None:
    window, engine, store = env
    url = engine._jobs[2].url  # paused
    for _ in range(2):
        window.view.clearSelection()
        _submit(window, url)
        qtbot.waitUntil(lambda: window.add_flow.question is not None)
        window.add_flow.question.choose("show")
        qtbot.waitUntil(lambda: not window.add_flow.busy())
        assert [j.id for j in window.selected_jobs()] == [2]
        assert url not in adds(engine)
    _submit(window, url)
    qtbot.waitUntil(lambda: window.add_flow.question is not None)
    window.add_flow.question.remember.setChecked(True)
    window.add_flow.question.choose("add")
    qtbot.waitUntil(lambda: not window.add_flow.busy())
    assert adds(engine) == [url]
    assert store["queued_url_action"] == "add"
    _submit(window, url)  # remembered now: no question
    assert adds(engine) == [url, url]


def test_completed_link_opens_or_downloads_again(
    env: Any, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    window, engine, _ = env
    opened: list[str] = []
    monkeypatch.setattr(window, "_open_path", opened.append)
    url = engine._jobs[3].url
    for n in (1, 2):
        _submit(window, url)
        qtbot.waitUntil(lambda: window.add_flow.question is not None)
        assert window.add_flow.question.windowTitle() == "Already downloaded"
        window.add_flow.question.choose("open")
        qtbot.waitUntil(lambda: not window.add_flow.busy())
        assert opened == [str(tmp_path / "report-2024.pdf")] * n
    _submit(window, url)
    qtbot.waitUntil(lambda: window.add_flow.question is not None)
    window.add_flow.question.choose("add")
    qtbot.waitUntil(lambda: not window.add_flow.busy())
    assert adds(engine) == [url]


def test_several_conflicts_are_asked_one_after_the_other(env: Any, qtbot: Any) -> None:
    window, engine, _ = env
    first, second = engine._jobs[2].url, engine._jobs[5].url
    dialog = window.show_add_dialog()
    dialog.urls_edit.setPlainText(f"{first}\nhttps://example.com/fresh.bin\n{second}")
    dialog.accept()
    asked = []
    for _ in range(2):
        qtbot.waitUntil(lambda: window.add_flow.question not in (None, *asked))
        asked.append(window.add_flow.question)
        window.add_flow.question.choose("add")
    qtbot.waitUntil(lambda: not window.add_flow.busy())
    assert adds(engine) == [first, "https://example.com/fresh.bin", second]


def test_add_without_asking_for_drops_and_pastes(env: Any, qtbot: Any, tmp_path: Path) -> None:
    window, engine, store = env
    videos = tmp_path / "videos"
    options = dataclasses.replace(window.options, add_without_asking=True, folder_video=str(videos))
    window.apply_options(options)
    assert store["add_without_asking"] is True
    for n, url in enumerate(("https://e.org/a.mp4", "https://e.org/b.zip"), start=1):
        QGuiApplication.clipboard().setText(url)
        window.commands.paste.trigger()
        assert window.add_dialog is None or not window.add_dialog.isVisible()
        assert adds(engine)[-1] == url
        assert len(adds(engine)) == n
    calls = [c[1] for c in engine.calls if c[0] == "add"]
    assert calls[0][1] == str(videos)  # the kind's own folder
    assert calls[1][1] == str(tmp_path)  # archives have none: the download folder
    window.offer_urls(DropContent(urls=["https://e.org/c.mp4", "https://e.org/d.pdf"]))
    assert adds(engine)[-2:] == ["https://e.org/c.mp4", "https://e.org/d.pdf"]


def test_add_dialog_prefills_from_the_clipboard(env: Any, qtbot: Any) -> None:
    window, _, _ = env
    for url in ("https://e.org/one.iso", "https://e.org/two.iso"):
        QGuiApplication.clipboard().setText(f"see {url} here")
        dialog = window.show_add_dialog()
        assert dialog.urls() == [url]
        dialog.reject()
        qtbot.waitUntil(lambda d=dialog: not d.isVisible())
    QGuiApplication.clipboard().setText("no links")
    dialog = window.show_add_dialog()
    assert dialog.urls() == []
    dialog.reject()


def test_add_dialog_follows_the_kind_folder_until_the_user_picks(
    env: Any, qtbot: Any, tmp_path: Path
) -> None:
    window, _, _ = env
    music = str(tmp_path / "music")
    window.apply_options(dataclasses.replace(window.options, folder_audio=music))
    for _ in range(2):
        dialog = window.show_add_dialog()
        default = dialog.folder.path()
        dialog.urls_edit.setPlainText("https://e.org/song.flac")
        assert dialog.folder.path() == music
        dialog.urls_edit.setPlainText("https://e.org/song.flac\nhttps://e.org/x.iso")
        assert dialog.folder.path() == default  # mixed kinds: the usual folder
        dialog.urls_edit.setPlainText("https://e.org/song.flac")
        assert dialog.folder.path() == music
        dialog.folder.edit.setText(str(tmp_path / "mine"))
        dialog.folder.edit.textEdited.emit(dialog.folder.edit.text())
        dialog.urls_edit.setPlainText("https://e.org/other.mp3")
        assert dialog.folder.path() == str(tmp_path / "mine")
        dialog.reject()
        qtbot.waitUntil(lambda d=dialog: not d.isVisible())


def test_settings_adding_page_round_trip(env: Any, qtbot: Any, tmp_path: Path) -> None:
    window, _, store = env
    for value in (True, False):
        dialog = window.show_settings()
        dialog.more.without_asking.setChecked(value)
        dialog.more.folders["video"].set_path(str(tmp_path / f"v{value}"))
        combo = dialog.more.choices["exists_action"]
        combo.setCurrentIndex(combo.findData("rename" if value else "ask"))
        dialog.accept()
        qtbot.waitUntil(lambda d=dialog: not d.isVisible())
        assert store["add_without_asking"] is value
        assert store["folder_video"] == str(tmp_path / f"v{value}")
        assert window.options.exists_action == ("rename" if value else "ask")
