"""File naming: sanitising never lets a name leave the folder; collisions get (1), (2)…"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.naming import (
    FALLBACK_NAME,
    MAX_NAME_BYTES,
    choose_name,
    is_inside,
    name_from_url,
    numbered,
    sanitize,
    unique_name,
)

TRICKY = st.one_of(
    st.text(),
    st.text(alphabet='./\\:*?"<>|\x00\x1f \u202e\u200b.aCONPRNLPT1', max_size=40),
    st.sampled_from(
        [
            "..",
            ".",
            "../..",
            "CON",
            "con.txt",
            "NUL.tar.gz",
            "COM1",
            "lpt9.log",
            "C:\\Windows\\evil.exe",
            "\\\\server\\share\\x",
            "/etc/passwd",
            " ",
            "...",
            "a" * 1000,
            "é" * 400,
            ".bashrc",
            "file.\u202etxt.exe",
        ]
    ),
)


@given(TRICKY)
def test_sanitize_yields_one_safe_component(name: str) -> None:
    safe = sanitize(name)
    assert safe
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert safe not in (".", "..")
    assert not safe.startswith(".")
    assert not safe.endswith((".", " "))
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES + 1
    assert all(ord(c) >= 0x20 and c != "\x7f" for c in safe)
    assert "\u202e" not in safe
    stem = safe.split(".")[0].lower()
    assert stem not in {"con", "prn", "aux", "nul"} and not (
        len(stem) == 4 and stem[:3] in ("com", "lpt") and stem[3].isdigit()
    )


@settings(max_examples=200)
@given(TRICKY)
def test_sanitized_names_stay_inside(tmp_path_factory: object, name: str) -> None:
    base = "/tmp/tether-naming-check"
    assert is_inside(base, sanitize(name))


def test_examples() -> None:
    assert sanitize("../../evil.sh") == "evil.sh"
    assert sanitize("C:\\Windows\\system32\\drivers.sys") == "drivers.sys"
    assert sanitize(".hidden") == "hidden"
    assert sanitize("CON") == "_CON"
    assert sanitize("aux.txt") == "_aux.txt"
    assert sanitize("a:b*c?.txt") == "a_b_c_.txt"
    assert sanitize("") == FALLBACK_NAME
    assert sanitize("..") == FALLBACK_NAME
    long = sanitize("x" * 500 + ".iso")
    assert long.endswith(".iso") and len(long.encode()) <= MAX_NAME_BYTES


def test_name_from_url() -> None:
    assert name_from_url("http://h/a/b/file%20name.zip?x=1#f") == "file name.zip"
    assert name_from_url("http://h/dir/") is None
    assert name_from_url("http://h") is None


def test_choose_name_order() -> None:
    assert choose_name('attachment; filename="h.bin"', "http://h/f.iso", "http://h/a") == "h.bin"
    assert choose_name(None, "http://h/final.iso", "http://h/orig") == "final.iso"
    assert choose_name(None, "http://h/", "http://h/orig.zip") == "orig.zip"
    assert choose_name(None, "http://h/", "http://h/") == FALLBACK_NAME


def test_numbered_keeps_extensions() -> None:
    assert numbered("a.iso", 1) == "a (1).iso"
    assert numbered("a.tar.gz", 2) == "a (2).tar.gz"
    assert numbered("noext", 3) == "noext (3)"


def test_unique_name_avoids_files_parts_and_reservations(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(b"")
    (tmp_path / "f (1).bin.part").write_bytes(b"")
    assert unique_name(str(tmp_path), "f.bin", taken={"F (2).bin"}) == "f (3).bin"
    assert unique_name(str(tmp_path), "new.bin") == "new.bin"


def test_is_inside_catches_symlink_escape(tmp_path: Path) -> None:
    os.symlink("/etc", tmp_path / "link")
    assert not is_inside(str(tmp_path), "link/passwd")


def test_the_name_book_never_gives_two_jobs_one_name(tmp_path: Path) -> None:
    from app.engine.naming import NameBook

    book = NameBook()
    folder = str(tmp_path)
    assert book.reserve(folder, "f.iso", 1) == "f.iso"
    assert book.reserve(folder, "f.iso", 2) == "f (1).iso"  # neither file exists yet
    assert book.reserve(folder, "f.iso", 1) == "f.iso"  # a job keeps its own name
    assert book.reserve(str(tmp_path / "other"), "f.iso", 3) == "f.iso"  # per folder
    book.forget(1)
    assert book.reserve(folder, "f.iso", 4) == "f.iso"
    book.record(5, folder, "g.iso")
    assert book.reserve(folder, "g.iso", 6) == "g (1).iso"


def test_a_completed_job_holds_its_name_only_while_its_file_exists(tmp_path: Path) -> None:
    from app.engine.naming import NameBook

    completed = {1}
    book = NameBook(lambda job_id: job_id in completed)
    folder = str(tmp_path)
    book.record(1, folder, "done.iso")
    (tmp_path / "done.iso").write_bytes(b"x")
    # the file is there: its name is held, in any case
    assert book.reserve(folder, "DONE.iso", 2) == "DONE (1).iso"
    (tmp_path / "done.iso").unlink()  # the user deleted it
    assert book.reserve(folder, "done.iso", 4) == "done.iso"
    # job 4 is unfinished: it holds the name though no file exists yet
    assert book.reserve(folder, "done.iso", 5) == "done (2).iso"
    book.record(6, folder, "next.iso")  # unfinished, no file: still reserved
    assert book.reserve(folder, "next.iso", 7) == "next (1).iso"


def test_reserving_a_name_looks_on_disk_only_for_the_names_it_tries() -> None:
    """A batch of N files into one folder: each reservation must not stat every completed job
    of the folder (N² stats for the batch), only the candidates it tries."""
    from app.engine.naming import NameBook

    looked: list[str] = []

    def exists(path: str) -> bool:
        looked.append(path)
        return path.endswith("/f0.bin")  # the completed job's file is still there

    book = NameBook(is_completed=lambda jid: True, exists=exists)
    for jid in range(500):
        book.record(jid, "/d", f"f{jid}.bin")
    assert book.reserve("/d", "new.bin", 1000) == "new.bin"
    assert len(looked) <= 2  # new.bin and new.bin.part, nothing about the 500 others
    looked.clear()
    # a completed job whose file is there keeps its name; one whose file is gone frees it
    assert book.reserve("/d", "f0.bin", 1001) == "f0 (1).bin"
    assert book.reserve("/d", "f1.bin", 1002) == "f1.bin"
    assert len(looked) <= 8
