"""service.out stays bounded: rotated at a start past the cap, and by the running service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.service import output

CHILD = """
import os, sys
from app.service import output
sys.stderr.write("x" * 5000); sys.stderr.flush()
rotated = output.cap_own_output(cap=1000)
sys.stderr.write("after\\n"); sys.stderr.flush()
print(rotated, flush=True)
"""


def test_a_start_moves_a_big_file_aside_and_keeps_one_generation(tmp_path: Path) -> None:
    out = tmp_path / "service.out"
    out.write_bytes(b"a" * 2000)
    assert output.rotate(out, cap=1000)
    assert not out.exists() and (tmp_path / "service.out.1").read_bytes() == b"a" * 2000
    out.write_bytes(b"b" * 10)
    assert not output.rotate(out, cap=1000)  # small: left alone
    out.write_bytes(b"c" * 2000)
    assert output.rotate(out, cap=1000)
    assert (tmp_path / "service.out.1").read_bytes() == b"c" * 2000  # only one old file


def test_a_running_service_rotates_its_own_output(tmp_path: Path) -> None:
    out = tmp_path / "service.out"
    env = dict(os.environ, **{output.ENV: str(out)})
    with out.open("ab") as f:
        subprocess.run([sys.executable, "-c", CHILD], stdout=f, stderr=f, env=env, check=True)
    old = (tmp_path / "service.out.1").read_bytes()
    assert old.startswith(b"x" * 5000)
    assert out.read_bytes() == b"after\nTrue\n"


def test_without_the_variable_nothing_moves(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != output.ENV}
    r = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True
    )
    assert r.stdout == "False\n"
