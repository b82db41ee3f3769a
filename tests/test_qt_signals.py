"""Guard against the PySide6 6.12.0 crash: Signal.emit() dropped a reference to True on every
call under CPython 3.11 and the process aborted after a few thousand emits. The emits run in a
subprocess so that an abort fails this test instead of killing pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

EMITS = 100_000

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Source(QObject):
        plain = Signal()
        flag = Signal(bool)
        number = Signal(int)
        payload = Signal(object)

    app = QCoreApplication(sys.argv)
    src = Source()
    counts = [0, 0, 0, 0]
    src.plain.connect(lambda: counts.__setitem__(0, counts[0] + 1))
    src.flag.connect(lambda v: counts.__setitem__(1, counts[1] + (v is True)))
    src.number.connect(lambda v: counts.__setitem__(2, counts[2] + 1))
    src.payload.connect(lambda v: counts.__setitem__(3, counts[3] + 1))
    before = sys.getrefcount(True)
    for i in range({EMITS}):
        src.plain.emit()
        src.flag.emit(True)
        src.number.emit(i)
        src.payload.emit(None)
    after = sys.getrefcount(True)
    print(counts[0], counts[1], counts[2], counts[3], before, after)
    """
)


def test_100k_signal_emits_survive() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=240, env=env
    )
    assert proc.returncode == 0, f"emitting aborted the process: {proc.returncode}\n{proc.stderr}"
    plain, flag, number, payload, before, after = (int(x) for x in proc.stdout.split())
    assert (plain, flag, number, payload) == (EMITS, EMITS, EMITS, EMITS)
    # True is immortal only from 3.12; on 3.11 a leaked or dropped reference shows up here.
    if sys.version_info < (3, 12):
        assert abs(after - before) < 100, (before, after)
