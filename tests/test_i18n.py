"""Tether in Chinese (issue 14): every string the window shows goes through tr(), the zh_CN
catalogue translates all of them, the shipped .qm is built from the .ts, and the window really
speaks Chinese when asked to (and English again after).

To regenerate after changing UI strings, see resources/translations/README.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QLabel

from app.options import Options, load_options, save_options
from app.ui.controller import Controller
from app.ui.i18n import install_translators
from app.ui.mainwindow import MainWindow
from app.ui.model import Column, JobTableModel
from tests.i18n_scan import ROOT, UI, translatable_calls, ui_files, untranslated_literals
from tests.support.fakeengine import FakeEngine, sample_jobs
from tests.test_ui_window import DictStore

TS = ROOT / "resources" / "translations" / "tether_zh_CN.ts"
QM = TS.with_suffix(".qm")
LUPDATE = shutil.which("pyside6-lupdate")
LRELEASE = shutil.which("pyside6-lrelease")
LUPDATE_OPTIONS = ("-target-language", "zh_CN", "-no-obsolete", "-locations", "none")
# Units, examples and names a Chinese download manager shows as they are.
SAME_IN_CHINESE = {"kB/s", "%1/s", "ETag:", "proxy.example.com", "localhost, .lan, 10.0.0.0/8"}
_MARKERS = re.compile(r"%(?:\d\d?|n)")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _messages() -> dict[tuple[str, str], ET.Element]:
    found: dict[tuple[str, str], ET.Element] = {}
    for context in ET.parse(TS).getroot():
        name = context.findtext("name") or ""
        for message in context.findall("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def _translations(message: ET.Element) -> list[str]:
    tr = message.find("translation")
    assert tr is not None
    if message.get("numerus") == "yes":
        return [form.text or "" for form in tr.findall("numerusform")]
    return [tr.text or ""]


def test_no_user_visible_literal_in_the_window_escapes_translation() -> None:
    found = [
        f"{path.relative_to(UI)}:{line}: {text!r}"
        for path in ui_files()
        for line, text in untranslated_literals(path)
    ]
    assert not found, "wrap these in self.tr(...):\n" + "\n".join(found)


def test_the_scan_catches_an_untranslated_label(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "class W:\n"
        "    def build(self):\n"
        '        self.label.setText("Downloads paused")\n'
        '        self.ok.setText(self.tr("Downloads paused"))\n'
        '        box = QCheckBox(f"Limit to {n}")\n'
        '        self.speed.setText("↓ " + speed)\n',
        encoding="utf-8",
    )
    assert [line for line, _ in untranslated_literals(sample)] == [3, 5]
    assert list(translatable_calls(sample)) == [("W", "Downloads paused", 4)]


def test_every_translatable_string_has_a_finished_chinese_translation() -> None:
    messages = _messages()
    problems: list[str] = []
    for path in ui_files():
        for context, source, line in translatable_calls(path):
            where = f"{path.relative_to(UI)}:{line} [{context}] {source!r}"
            message = messages.get((context, source))
            if message is None:
                problems.append(f"not in the .ts (re-run pyside6-lupdate): {where}")
                continue
            tr = message.find("translation")
            assert tr is not None
            if tr.get("type") in ("unfinished", "vanished", "obsolete"):
                problems.append(f"unfinished: {where}")
                continue
            texts = _translations(message)
            chinese = all(texts) and any(_HAN.search(t) for t in texts)
            if not chinese and source not in SAME_IN_CHINESE:
                problems.append(f"no Chinese translation: {where}")
            for text in texts:
                if sorted(set(_MARKERS.findall(text))) != sorted(set(_MARKERS.findall(source))):
                    problems.append(f"markers differ: {where} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_the_ts_has_no_unfinished_or_leftover_entries() -> None:
    text = TS.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text
    assert 'type="vanished"' not in text and 'type="obsolete"' not in text


@pytest.mark.skipif(LUPDATE is None, reason="pyside6-lupdate not installed")
def test_the_ts_holds_exactly_what_lupdate_finds_in_app_ui(tmp_path: Path) -> None:
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    sources = [str(p.relative_to(ROOT)) for p in ui_files()]
    run = subprocess.run(
        [LUPDATE, *sources, "-ts", str(copy), *LUPDATE_OPTIONS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "(0 new and" in run.stdout, run.stdout
    assert copy.read_text(encoding="utf-8") == TS.read_text(encoding="utf-8"), (
        "the .ts is stale: re-run pyside6-lupdate (see this file's docstring)"
    )


@pytest.mark.skipif(LRELEASE is None, reason="pyside6-lrelease not installed")
def test_the_shipped_qm_is_built_from_the_ts(tmp_path: Path) -> None:
    built = tmp_path / QM.name
    subprocess.run(
        [LRELEASE, str(TS), "-qm", str(built)], capture_output=True, timeout=60, check=True
    )
    assert built.read_bytes() == QM.read_bytes(), (
        "the .qm is stale: re-run pyside6-lrelease (see this file's docstring)"
    )


@pytest.fixture
def chinese_window(qtbot: Any, tmp_path: Path) -> Iterator[MainWindow]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    model = JobTableModel()
    controller = Controller(model)
    engine = FakeEngine(sample_jobs(), on_event=controller.on_engine_event)
    controller.attach(engine)
    options = Options(download_dir=str(tmp_path), language="zh_CN")
    window = MainWindow(controller, DictStore(), options)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        yield window
    finally:
        window.request_quit()
        controller.detach()
        install_translators(app, "system")  # the next tests read English again


def test_the_window_speaks_chinese_when_the_setting_says_so(
    chinese_window: MainWindow, qtbot: Any
) -> None:
    window = chinese_window
    menus = [a.text() for a in window.menuBar().actions()]
    assert {"文件(&F)", "下载(&D)", "视图(&V)", "队列(&Q)", "帮助(&H)"} <= set(menus), menus
    assert window.commands.pause.text() == "暂停(&P)"
    # the toolbar drops the bracketed mnemonic a Chinese menu item carries
    button = window.toolbar.widgetForAction(window.commands.add)
    assert button is not None and button.text() == "添加链接"
    assert window.commands.resume.toolTip().startswith("继续所选下载")
    horizontal = Qt.Orientation.Horizontal
    header = [window.model.headerData(c, horizontal) for c in (Column.NAME, Column.STATE)]
    assert header == ["名称", "状态"]
    states = {window.model.index(r, Column.STATE).data() for r in range(window.model.rowCount())}
    assert states & {"下载中", "已暂停", "排队中", "已完成"}, states
    qtbot.waitUntil(lambda: "个下载中" in window.status.active_label.text(), timeout=2000)
    assert window.status.free_label.text().startswith("可用 ")
    settings = window.show_settings()
    tabs = [settings.pages.tabText(i) for i in range(settings.pages.count())]
    assert tabs == ["常规", "添加", "网络", "计划"]
    assert settings.language.itemText(0) == "跟随系统"
    settings.reject()
    add = window.show_add_dialog(["https://example.com/a.iso"])
    assert add.windowTitle() == "添加下载"
    add.reject()


def test_after_chinese_the_window_reads_english_again(qtbot: Any, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translators(app, "zh_CN")
    assert QCoreApplication.translate("Actions", "&Pause") == "暂停(&P)"
    install_translators(app, "en")
    assert QCoreApplication.translate("Actions", "&Pause") == "&Pause"
    # English plurals come back with the English source
    assert QCoreApplication.translate("WindowCommands", "Copied %n address(es)", "", 1) == (
        "Copied 1 address"
    )
    install_translators(app, "system")


def test_the_language_setting_is_stored_and_bad_values_fall_back() -> None:
    store = DictStore()
    save_options(store, Options(language="zh_CN"))  # type: ignore[arg-type]
    assert load_options(store).language == "zh_CN"  # type: ignore[arg-type]
    store["language"] = "klingon"
    assert load_options(store).language == "system"  # type: ignore[arg-type]


def test_the_window_follows_a_chinese_system_locale(tmp_path: Path) -> None:
    """Language "system" (the default) with LANG=zh_CN.UTF-8: Chinese, as a user there expects."""
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from app.ui.i18n import install_translators\n"
        "from app.ui.actions import Actions\n"
        "from app.ui.jobcells import Column, header_text\n"
        "app = QApplication([])\n"
        "install_translators(app, sys.argv[1])\n"
        "actions = Actions(app)\n"
        "print(actions.pause.text(), header_text(Column.NAME))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("LANGUAGE", None)
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    outputs = {}
    for lang, setting in (("zh_CN.UTF-8", "system"), ("C.UTF-8", "system"), ("C.UTF-8", "zh_CN")):
        run = subprocess.run(
            [sys.executable, "-c", script, setting],
            env={**env, "LANG": lang},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        outputs[(lang, setting)] = run.stdout.strip()
    assert outputs[("zh_CN.UTF-8", "system")] == "暂停(&P) 名称"
    assert outputs[("C.UTF-8", "system")] == "&Pause Name"
    assert outputs[("C.UTF-8", "zh_CN")] == "暂停(&P) 名称"


def test_choosing_a_language_in_settings_is_saved_for_the_next_start(
    qtbot: Any, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translators(app, "system")
    model = JobTableModel()
    controller = Controller(model)
    controller.attach(FakeEngine(sample_jobs(), on_event=controller.on_engine_event))
    store = DictStore()
    window = MainWindow(controller, store, Options(download_dir=str(tmp_path)))
    qtbot.addWidget(window)
    try:
        for choice in ("zh_CN", "system", "zh_CN", "en"):  # each choice made twice, or back
            dialog = window.show_settings()
            assert "next time Tether starts" in " ".join(
                label.text() for label in dialog.findChildren(QLabel)
            )
            dialog.language.setCurrentIndex(dialog.language.findData(choice))
            dialog.accept()
            assert store["language"] == choice
            assert window.options.language == choice
            # on restart, not now: the window still reads English
            assert window.commands.pause.text() == "&Pause"
            reopened = window.show_settings()
            assert reopened.language.currentData() == choice
            reopened.reject()
    finally:
        window.request_quit()
        controller.detach()
