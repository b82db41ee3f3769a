"""The engine's API as a module: app.engine's exports, the window's EngineLike protocol against
the Engine and the UI tests' fake (mypy checks types: tests/support/enginelike.py; this checks
names at run time), KEEP in configure(), and one exception tree."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import app.engine
from app import errors
from app.engine import KEEP, Engine
from app.service.remote_engine import RemoteEngine
from app.store.models import JobState
from app.ui.controller import EngineLike
from tests.engine_helpers import run_engine
from tests.support.fakeengine import FakeEngine


def test_every_exported_name_resolves_and_nothing_else_does() -> None:
    assert sorted(app.engine.__all__) == sorted(set(app.engine.__all__))
    for name in app.engine.__all__:
        assert getattr(app.engine, name) is not None, name
    with pytest.raises(AttributeError):
        app.engine.Download  # noqa: B018 — internal, not part of the API


def test_importing_one_engine_module_does_not_load_the_whole_engine() -> None:
    code = (
        "import json, sys; import app.engine.events; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('app.', 'requests')))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out)
    assert "app.engine.events" in loaded
    assert "app.engine.engine" not in loaded and "requests" not in loaded


def _methods(cls: type) -> dict[str, list[tuple[str, inspect._ParameterKind]]]:
    names = [n for n, v in vars(cls).items() if callable(v) and not n.startswith("_")]
    return {
        n: [(p.name, p.kind) for p in inspect.signature(getattr(cls, n)).parameters.values()]
        for n in names
    }


@pytest.mark.parametrize("implementation", [Engine, FakeEngine, RemoteEngine])
def test_engine_and_fake_take_what_the_window_passes(implementation: type) -> None:
    """Same parameter names and kinds (positional or keyword-only) as EngineLike says."""
    wanted = _methods(EngineLike)
    assert wanted, "EngineLike lists no methods?"
    for name, params in wanted.items():
        have = dict(
            (p.name, p.kind)
            for p in inspect.signature(getattr(implementation, name)).parameters.values()
        )
        for pname, kind in params:
            assert pname in have, f"{implementation.__name__}.{name} lacks {pname}"
            assert have[pname] == kind, f"{implementation.__name__}.{name}({pname}): {kind}"


def test_configure_keeps_what_it_is_not_told_to_change(tmp_path: Path) -> None:
    async def body(engine: Engine) -> None:
        job = engine.add("http://127.0.0.1:9/f.bin", str(tmp_path / "out"), start=False)
        engine.configure(job.id, speed_limit=64 * 1024)
        engine.configure(job.id, connections=3)  # speed_limit left at KEEP
        assert engine.job(job.id).speed_limit == 64 * 1024
        assert engine.job(job.id).connections == 3
        engine.configure(job.id, connections=None, speed_limit=KEEP)
        assert (engine.job(job.id).connections, engine.job(job.id).speed_limit) == (3, 65536)
        engine.configure(job.id, speed_limit=None)  # None: unlimited
        assert engine.job(job.id).speed_limit is None
        engine.configure(job.id, speed_limit=32 * 1024)
        engine.configure(job.id, speed_limit=0)  # 0: unlimited too
        assert engine.job(job.id).speed_limit is None
        assert engine.job(job.id).state == JobState.PAUSED

    run_engine(tmp_path, body)


def test_every_error_tether_raises_on_purpose_has_one_root() -> None:
    from app.cli import CliError
    from app.engine import errors as engine_errors
    from app.engine import http
    from app.store.jobstore import StoreError
    from app.store.schema import SchemaTooNew

    for cls in (
        CliError,
        StoreError,
        SchemaTooNew,
        http.RangeNotSatisfiable,
        http.RangesBroken,
        engine_errors.BadInput,
        engine_errors.TransientError,
        engine_errors.PermanentError,
        engine_errors.RestartNeeded,
    ):
        assert issubclass(cls, errors.TetherError), cls
    # the old homes still name the same classes
    assert engine_errors.DownloadError is errors.DownloadError
    assert http.RangesBroken is errors.RangesBroken and StoreError is errors.StoreError
    assert CliError("bad flag").code == 2
