"""The Add dialog's Request section (referrer, cookies, cookie file, headers): read by the
CLI's own code, checked inline, and turned into each job's secret request context."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from app.engine.errors import BadInput
from app.requestargs import ContextArgs, header_lines
from app.store.models import JobState
from app.ui.dialogs.add import AddDialog
from tests.support.faultserver import FaultServer
from tests.test_ui_integration import Harness, run  # noqa: F401 (a fixture)

COOKIES_TXT = (
    "# Netscape HTTP Cookie File\n"
    "127.0.0.1\tFALSE\t/\tFALSE\t0\tfilesid\tfr0mF1le\n"
    "other.example\tFALSE\t/\tFALSE\t0\telsewhere\tn0tS3nt\n"
)


def test_header_lines_name_the_bad_line() -> None:
    assert header_lines("X-A: 1\n\n  X-B: two words \n") == ["X-A: 1", "X-B: two words"]
    with pytest.raises(BadInput, match=r"^header line 2: a header without a colon"):
        header_lines("X-A: 1\nno colon here")
    with pytest.raises(BadInput, match="header line 1: the Range header is Tether's own"):
        header_lines("Range: bytes=0-")
    assert not ContextArgs.of(headers=[], cookie="", referer="")
    args = ContextArgs.of(headers=["X-Token: s3cr3t"], cookie="a=b", referer="https://p/")
    context = args.for_url("https://h/f")
    assert context is not None and context.cookies == "a=b" and context.referrer == "https://p/"
    assert "s3cr3t" not in repr(context)


def test_a_bad_field_is_an_inline_error_and_blocks_add(qtbot: Any, tmp_path: Path) -> None:
    dialog = AddDialog(None, urls=["https://example.com/f.iso"], dest_dir=str(tmp_path))
    qtbot.addWidget(dialog)
    fields = dialog.request_fields
    assert dialog.ok_button.isEnabled() and not fields.body.isVisibleTo(dialog)
    fields.headers.setPlainText("X-Ok: 1\nBroken header")
    assert not dialog.ok_button.isEnabled()
    assert (
        fields.error_label.text()
        == "header line 2: a header without a colon (give it as 'Name: value')"
    )
    assert fields.body.isVisibleTo(dialog), "the section opens to show what is wrong"
    fields.headers.setPlainText("X-Ok: 1\nX-Two: 2")
    assert dialog.ok_button.isEnabled() and not fields.error_label.isVisibleTo(dialog)
    fields.cookie_file.setText(str(tmp_path / "missing.txt"))
    assert not dialog.ok_button.isEnabled()
    assert fields.error_label.text() == f"no cookie file {tmp_path / 'missing.txt'}"
    fields.cookie_file.clear()
    fields.cookies.setText("a=b\x00")
    assert not dialog.ok_button.isEnabled() and "line break" in fields.error_label.text()
    assert "a=b" not in fields.error_label.text(), "an error never quotes a value"
    fields.cookies.clear()
    assert dialog.ok_button.isEnabled()
    # the file goes away between the check and the click: one line, the dialog stays open
    cookie_file = tmp_path / "cookies.txt"
    cookie_file.write_text(COOKIES_TXT)
    fields.cookie_file.setText(str(cookie_file))
    assert dialog.ok_button.isEnabled()
    cookie_file.unlink()
    cookie_file.mkdir()  # a folder now: reading it fails
    submitted: list[Any] = []
    dialog.submitted.connect(submitted.append)
    dialog.show()
    dialog.ok_button.click()
    assert submitted == [] and dialog.isVisible()
    assert fields.error_label.text().startswith(f"cannot read the cookie file {cookie_file}: ")


def test_two_adds_with_different_contexts(
    run: Any,  # noqa: F811
    server: FaultServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    first, second = b"1" * 300_000, b"2" * 200_000
    server.add_file(
        "/one.bin", first, require_headers={"Cookie": "sid=0neC00kie", "X-Token": "t0k1"}
    )
    server.add_file("/two.bin", second, require_headers={"Cookie": "filesid=fr0mF1le"})
    cookie_file = tmp_path / "cookies.txt"
    cookie_file.write_text(COOKIES_TXT)
    secrets = ("0neC00kie", "t0k1", "fr0mF1le", "n0tS3nt", "page-one")

    async def scenario(h: Harness) -> None:
        window = h.window
        assert window is not None
        dialog = window.show_add_dialog([server.url("/one.bin")], dest_dir=str(h.dest))
        fields = dialog.request_fields
        fields.toggle.click()
        assert fields.body.isVisibleTo(dialog)
        fields.referrer.setText("https://pages.example/page-one")
        fields.cookies.setText("sid=0neC00kie")
        fields.headers.setPlainText("X-Token: t0k1\n")
        assert dialog.ok_button.isEnabled()
        dialog.ok_button.click()
        await h.wait_for(lambda: h.model.rowCount() == 1)

        dialog = window.show_add_dialog([server.url("/two.bin")], dest_dir=str(h.dest))
        assert not dialog.request_fields.cookies.text(), "a new dialog starts empty"
        dialog.request_fields.cookie_file.setText(str(cookie_file))
        dialog.ok_button.click()
        await h.wait_for(lambda: h.model.rowCount() == 2)
        ids = sorted(h.model.job_at(r).id for r in range(2))
        await h.wait_for(lambda: all(h.state(i) is JobState.COMPLETED for i in ids))
        for job_id, content in zip(ids, (first, second), strict=True):
            job = h.model.job(job_id)
            assert job is not None and job.path is not None
            assert Path(job.path).read_bytes() == content
        one = server.requests_for("/one.bin")[-1].headers
        assert (
            one.get("Referer") == "https://pages.example/page-one" and one.get("X-Token") == "t0k1"
        )
        two = server.requests_for("/two.bin")
        assert all("Referer" not in r.headers and "X-Token" not in r.headers for r in two)
        assert all(r.headers.get("Cookie") == "filesid=fr0mF1le" for r in two)
        # secrets: not in the list, the history or the logs
        shown = [
            str(h.model.index(r, c).data())
            for r in range(h.model.rowCount())
            for c in range(h.model.columnCount())
        ]
        history = [m for i in ids for _t, m in h.controller.job_history(i)]
        for secret in secrets:
            assert not any(secret in text for text in shown + history), secret

    run(scenario)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged and not any(secret in logged for secret in secrets)
