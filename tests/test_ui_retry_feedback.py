"""Retry shows what happened (issue 9: retrying a 404 gave no visible feedback)."""

from __future__ import annotations

import re
from typing import Any

from app.store.models import JobState
from tests.test_ui_journeys import win  # noqa: F401  (the fixture)
from tests.test_ui_window import select_ids


def test_retry_of_a_404_says_so_each_time(win: Any, qtbot: Any) -> None:  # noqa: F811
    window, engine, _ = win
    for _ in range(2):
        select_ids(window, 4)
        window.commands.retry.trigger()
        assert "Retrying 1 download" in window.status.currentMessage()
        qtbot.waitUntil(lambda: window.model.job(4).state is JobState.QUEUED, timeout=2000)
        engine.set_state(4, JobState.FAILED, error="404 Not Found: gone")
        window.model.flush_events()
        message = window.status.currentMessage()
        assert "dataset.tar.gz failed again" in message and "404 Not Found" in message
        assert re.search(r"\d\d:\d\d:\d\d", message), message
