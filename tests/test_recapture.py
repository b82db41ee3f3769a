""" "Refresh address…" through the service: `recapture` asks the browsers' native hosts (the
subscribers that said `browser: true`) to re-capture a job from its referring page; the host's
watcher passes it to the extension. Nobody else hears it, and the referrer goes nowhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.browser.host import Watcher
from app.service import protocol as p
from app.service.client import Client
from tests.test_service_server import ServiceThread, service  # noqa: F401 (a fixture)

REFERRER = "https://pages.example.com/downloads?session=s3cr3t"


def _notifications(client: Client, method: str, timeout: float) -> list[dict[str, Any]]:
    """The `method` notifications that arrive within `timeout` (events are skipped)."""
    found = []
    while (message := client.next_notification(timeout)) is not None:
        if message.get("method") == method:
            found.append(message)
    return found


def _paused_job(client: Client, context: dict[str, Any] | None) -> int:
    params: dict[str, Any] = {"url": "http://127.0.0.1:9/file.bin", "start": False}
    if context is not None:
        params["context"] = context
    return int(client.call("add", dir="/tmp", **params)["job"]["id"])


def test_recapture_goes_to_the_browsers_only_with_the_referrer(
    service: ServiceThread,  # noqa: F811
) -> None:
    with service.client() as window, service.client() as browser, service.client() as other:
        job = _paused_job(window, {"referrer": REFERRER, "cookies": "sid=abc"})
        assert window.call("recapture", id=job) == {"asked": 0, "reason": "no_browser"}
        browser.call("subscribe", progress=False, browser=True)
        other.call("subscribe", progress=False)
        assert window.call("recapture", id=job) == {"asked": 1, "reason": None}
        [note] = _notifications(browser, "recapture", 1.0)
        assert note["params"]["job"]["id"] == job
        assert note["params"]["job"]["referrer"] == REFERRER
        assert "sid=abc" not in str(note), "cookies stay in the service"
        assert _notifications(other, "recapture", 0.3) == []
        # the referrer is a secret of the job everywhere else
        listed = window.call("jobs.list")
        assert REFERRER not in str(listed) and "s3cr3t" not in str(window.call("jobs.get", id=job))


def test_recapture_without_a_referrer_or_of_a_finished_job(
    service: ServiceThread,  # noqa: F811
) -> None:
    with service.client() as window, service.client() as browser:
        browser.call("subscribe", progress=False, browser=True)
        bare = _paused_job(window, None)
        assert window.call("recapture", id=bare) == {"asked": 0, "reason": "no_referrer"}
        cookies_only = _paused_job(window, {"cookies": "a=b"})
        assert window.call("recapture", id=cookies_only)["reason"] == "no_referrer"
        assert _notifications(browser, "recapture", 0.3) == []
        with pytest.raises(p.RpcError) as err:
            window.call("recapture", id=999)
        assert err.value.name == "unknown_job"


def test_a_browsers_none_found_reaches_the_window_at_once(
    service: ServiceThread,  # noqa: F811
) -> None:
    from app.browser.host import Host

    with service.client() as window, service.client() as browser:
        window.call("subscribe", progress=False)
        browser.call("subscribe", progress=False, browser=True)
        job = _paused_job(window, {"referrer": REFERRER})
        assert window.call("recapture", id=job)["asked"] == 1
        _notifications(window, "event", 0.3)
        for _ in range(2):  # the extension says "none found" through its native host
            host = Host(service.data_dir, lambda _d, _s: service.client())
            answer = host.handle({"id": 1, "method": "recapture_none", "params": {"id": job}})
            host.close()
            assert answer == {"id": 1, "result": {"told": 1}}, answer
            [note] = _notifications(window, "recapture.none", 1.0)
            assert note["params"] == {"id": job}
        assert _notifications(browser, "recapture.none", 0.3) == []  # not to the browsers
        with pytest.raises(p.RpcError) as err:
            window.call("recapture.none", id=999)
        assert err.value.name == "unknown_job"
        bad = Host(service.data_dir, lambda _d, _s: service.client())
        assert "error" in bad.handle({"id": 2, "method": "recapture_none", "params": {"id": "x"}})
        bad.close()


def test_the_hosts_watcher_passes_a_recapture_to_the_extension() -> None:
    sent: list[dict[str, Any]] = []
    watcher = Watcher(Path("/x"), lambda _d, _s: None, sent.append)
    job = {"id": 4, "state": "paused", "url": "https://h/v1/f.bin", "file_name": "f.bin"}
    watcher._on_event({"method": "recapture", "params": {"job": {**job, "referrer": REFERRER}}})
    watcher._on_event({"method": "recapture", "params": {"job": job}})  # no page: nothing
    watcher._on_event({"method": "recapture", "params": {"job": "4"}})
    assert sent == [
        {
            "event": "recapture",
            "job": {
                "id": 4,
                "state": "paused",
                "file_name": "f.bin",
                "size": None,
                "done": None,
                "error": None,
                "url": "https://h/v1/f.bin",
                "referrer": REFERRER,
            },
        }
    ]
