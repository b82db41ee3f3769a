"""Pure parts of the issue-9 window features: file kinds, speed history, connection rows,
the quick limit toggle and per-type folders."""

from __future__ import annotations

import pytest

from app.engine.events import Progress
from app.options import Options
from app.ui.details import ConnectionRates
from app.ui.filetypes import FileKind, classify, classify_url, url_name
from app.ui.speedgraph import SpeedHistory, nice_ceiling


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("movie.MKV", FileKind.VIDEO),
        ("clip.mp4.part", FileKind.VIDEO),
        ("song.flac", FileKind.AUDIO),
        ("src.tar.gz", FileKind.ARCHIVE),
        ("backup.tar.zst", FileKind.ARCHIVE),
        ("ubuntu.iso", FileKind.ARCHIVE),
        ("paper.pdf", FileKind.DOCUMENT),
        ("setup.exe", FileKind.PROGRAM),
        ("app.AppImage", FileKind.PROGRAM),
        ("photo.jpeg", FileKind.IMAGE),
        ("README", FileKind.OTHER),
        (".mp4", FileKind.OTHER),  # a dot file, not an extension
        ("", FileKind.OTHER),
        ("dir/sub/x.mp3", FileKind.AUDIO),
    ],
)
def test_classify_by_extension(name: str, kind: FileKind) -> None:
    assert classify(name) is kind


def test_classify_url_uses_the_last_path_segment() -> None:
    assert url_name("https://e.org/a/b%20c.mp4?x=1#y") == "b c.mp4"
    assert classify_url("https://e.org/a/b%20c.mp4?x=1") is FileKind.VIDEO
    assert classify_url("https://e.org/download?id=3") is None
    assert classify_url("https://e.org/") is None


def _p(job_id: int, speed: float) -> Progress:
    return Progress(job_id, 0, None, speed, 1, ())


def test_speed_history_keeps_a_minute_per_job() -> None:
    history = SpeedHistory(window_s=60)
    for t in range(0, 100, 10):
        history.record({1: _p(1, t), 2: _p(2, 1.0)}, float(t))
    assert [s for _t, s in history.samples(1)] == [30, 40, 50, 60, 70, 80, 90]
    history.record({2: _p(2, 1.0)}, 100.0)  # job 1 stopped: its minute ages out
    assert len(history.samples(1)) == 6
    history.record({}, 200.0)
    assert history.samples(1) == [] and history.samples(2) == []


def test_nice_ceiling() -> None:
    assert nice_ceiling(0) == 1000
    assert nice_ceiling(1.2e6) == 2e6
    assert nice_ceiling(3e6) == 5e6
    assert nice_ceiling(5e6) == 5e6
    assert nice_ceiling(7e6) == 1e7


def test_connection_rates_follow_segments_by_start() -> None:
    rates = ConnectionRates()
    rows = rates.update([(0, 100, 10), (100, 200, 100)], 0.0, live=True)
    assert [r.state for r in rows] == ["waiting", "done"]
    rows = rates.update([(0, 100, 30), (100, 200, 100)], 1.0, live=True)
    assert rows[0].speed == pytest.approx(20.0) and rows[0].state == "active"
    # A steal: segment 0 shrinks, a new one starts at 50; speeds stay keyed by start.
    rows = rates.update([(0, 50, 40), (50, 100, 0), (100, 200, 100)], 2.0, live=True)
    assert rows[0].speed == pytest.approx(15.0)
    assert rows[1].speed == 0.0
    rows = rates.update([(0, 50, 40)], 3.0, live=False)
    assert rows[0].speed is None and rows[0].state == "stopped"


def test_limit_toggle_never_loses_the_configured_value() -> None:
    options = Options(speed_limit=None, saved_speed_limit=300_000)
    on = options.toggled_speed_limit()
    assert on.speed_limit == 300_000
    off = on.toggled_speed_limit()
    assert off.speed_limit is None and off.saved_speed_limit == 300_000
    custom = Options(speed_limit=750_000).toggled_speed_limit()
    assert custom.speed_limit is None and custom.saved_speed_limit == 750_000


def test_folder_for_a_kind_falls_back_to_the_download_folder() -> None:
    options = Options(download_dir="/dl", folder_video="/videos")
    assert options.folder_for("video") == "/videos"
    assert options.folder_for("audio") == "/dl"
    assert options.folder_for(None) == "/dl"
    assert options.folder_for("other") == "/dl"
