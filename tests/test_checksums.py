"""Checksum parsing: user input, Digest/Repr-Digest headers, sidecars and SUMS lists (pure)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.engine.checksums import (
    HEX_LENGTHS,
    Checksum,
    file_digest,
    from_response_headers,
    from_stored,
    parse_checksum,
    parse_digest_header,
    parse_repr_digest,
    parse_sidecar,
    parse_sums,
)
from app.engine.errors import BadInput

DATA = b"hello tether\n"
HEX = {a: hashlib.new(a, DATA).hexdigest() for a in HEX_LENGTHS}
B64 = {a: base64.b64encode(hashlib.new(a, DATA).digest()).decode() for a in HEX_LENGTHS}


@pytest.mark.parametrize("algo", list(HEX_LENGTHS))
def test_bare_hex_names_its_algorithm_by_length(algo: str) -> None:
    assert parse_checksum(HEX[algo]) == Checksum(algo, HEX[algo])
    assert parse_checksum("  " + HEX[algo].upper() + "\n") == Checksum(algo, HEX[algo])


@pytest.mark.parametrize(
    "text,algo",
    [
        (f"sha-256={HEX['sha256']}", "sha256"),  # aria2's spelling
        (f"SHA256={HEX['sha256']}", "sha256"),
        (f"sha256:{HEX['sha256']}", "sha256"),
        (f"md5={HEX['md5']}", "md5"),
        (f"sha-1={HEX['sha1']}", "sha1"),
        (f"sha512={HEX['sha512']}", "sha512"),
    ],
)
def test_algo_prefix(text: str, algo: str) -> None:
    assert parse_checksum(text) == Checksum(algo, HEX[algo])


@pytest.mark.parametrize(
    "text",
    ["", "xyz", "abc", "crc32=deadbeef", f"md5={HEX['sha256']}", "sha256=" + "g" * 64, "0" * 63],
)
def test_bad_checksums_are_one_line_errors(text: str) -> None:
    with pytest.raises(BadInput) as info:
        parse_checksum(text)
    assert "\n" not in str(info.value)


@given(st.sampled_from(sorted(HEX_LENGTHS)), st.binary(min_size=0, max_size=64))
def test_round_trip_through_the_stored_form(algo: str, data: bytes) -> None:
    c = parse_checksum(f"{algo}={hashlib.new(algo, data).hexdigest()}")
    assert from_stored(str(c)) == c
    assert parse_checksum(c.hex) == c  # the length alone is enough


@given(st.text(max_size=200))
def test_parse_checksum_never_crashes(text: str) -> None:
    try:
        c = parse_checksum(text)
    except BadInput:
        return
    assert len(c.hex) == HEX_LENGTHS[c.algo]


def test_from_stored_tolerates_junk() -> None:
    assert from_stored(None) is None
    assert from_stored("sha256") is None
    assert from_stored("sha256:xyz") is None


# ---------------------------------------------------------------------------- headers
def test_digest_header() -> None:
    value = f"MD5={B64['md5']}, SHA-256={B64['sha256']}, UNIXsum=30637"
    assert parse_digest_header(value) == [
        Checksum("md5", HEX["md5"]),
        Checksum("sha256", HEX["sha256"]),
    ]
    assert parse_digest_header(f"SHA={B64['sha1']}") == [Checksum("sha1", HEX["sha1"])]
    assert parse_digest_header("SHA-256=not base64!") == []
    assert parse_digest_header(None) == []


def test_repr_digest_header() -> None:
    value = f"sha-256=:{B64['sha256']}:, sha-512=:{B64['sha512']}:;x=1, id-sha-256=:AAAA:"
    got = parse_repr_digest(value)
    assert Checksum("sha256", HEX["sha256"]) in got and Checksum("sha512", HEX["sha512"]) in got
    assert parse_repr_digest(f"sha-256={B64['sha256']}") == []  # not a byte sequence


def test_which_answers_are_trusted() -> None:
    digest = {"Digest": f"SHA-256={B64['sha256']}"}
    repr_d = {"Repr-Digest": f"sha-512=:{B64['sha512']}:"}
    assert from_response_headers(200, digest, False) == Checksum("sha256", HEX["sha256"])
    assert from_response_headers(206, digest, False) is None  # may be the part's digest
    assert from_response_headers(206, digest, True) == Checksum("sha256", HEX["sha256"])
    assert from_response_headers(206, repr_d, False) == Checksum("sha512", HEX["sha512"])
    assert from_response_headers(304, repr_d, True) is None
    both = {**digest, **repr_d}
    assert from_response_headers(200, both, True) == Checksum("sha512", HEX["sha512"])


@given(st.text(max_size=300))
def test_header_parsers_never_crash(value: str) -> None:
    for c in parse_digest_header(value) + parse_repr_digest(value):
        assert len(c.hex) == HEX_LENGTHS[c.algo]


# ---------------------------------------------------------------------------- lists
SUMS = f"""-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

{HEX["md5"].replace("a", "b")}  other.iso
{HEX["sha256"]} *debian-12.iso
{"0" * 64}  debian-12.iso.torrent
-----BEGIN PGP SIGNATURE-----
"""


def test_gnu_sums_list() -> None:
    assert parse_sums(SUMS, ["debian-12.iso"], "sha256") == Checksum("sha256", HEX["sha256"])
    assert parse_sums(SUMS, ["missing.iso"], "sha256") is None
    text = f"{HEX['sha512']}  ./sub/f.bin\n"
    assert parse_sums(text, ["f.bin"]) == Checksum("sha512", HEX["sha512"])  # length decides


def test_bsd_sums_list_as_fedora_publishes() -> None:
    text = (
        "# Fedora-Workstation-Live-40.iso: 2295853056 bytes\n"
        f"SHA256 (Fedora-Workstation-Live-40.iso) = {HEX['sha256']}\n"
        f"SHA256 (other.iso) = {'1' * 64}\n"
    )
    got = parse_sums(text, ["Fedora-Workstation-Live-40.iso"], "sha256")
    assert got == Checksum("sha256", HEX["sha256"])


def test_escaped_gnu_names() -> None:
    text = f"\\{HEX['sha256']}  we\\\\ird\\nname\n"
    assert parse_sums(text, ["we\\ird\nname"]) == Checksum("sha256", HEX["sha256"])


def test_sidecars() -> None:
    assert parse_sidecar(HEX["sha256"] + "\n", ["f"], "sha256") == Checksum("sha256", HEX["sha256"])
    assert parse_sidecar(f"{HEX['md5']}  f.bin\n", ["f.bin"], "md5") == Checksum("md5", HEX["md5"])
    assert parse_sidecar(f"{HEX['md5']}  g.bin\n", ["f.bin"], "md5") is None
    assert parse_sidecar("<html>Not found</html>", ["f.bin"], "sha256") is None
    assert parse_sidecar(HEX["md5"], ["f"], "sha256") is None  # wrong length for the name


@given(st.text(max_size=500), st.text(min_size=1, max_size=20))
def test_list_parsers_never_crash(text: str, name: str) -> None:
    for c in (parse_sums(text, [name]), parse_sidecar(text, [name], "sha256")):
        assert c is None or len(c.hex) == HEX_LENGTHS[c.algo]


@pytest.mark.parametrize("algo", list(HEX_LENGTHS))
def test_file_digest(tmp_path, algo: str) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "f"
    p.write_bytes(DATA * 1000)
    assert file_digest(str(p), algo) == hashlib.new(algo, DATA * 1000).hexdigest()


def test_a_bare_sha256_is_checked_by_the_same_rule_as_any_checksum() -> None:
    """One SHA-256 pattern (issue 10): `--sha256` and `--checksum sha256=` agree."""
    from app.engine.checksums import check_sha256

    good = "AB" * 32
    assert check_sha256(f" {good} ") == good.lower() == parse_checksum(f"sha256={good}").hex
    assert check_sha256("") is None and check_sha256(None) is None
    for bad in ("ab" * 31, "zz" * 32, "ab" * 33):
        with pytest.raises(BadInput, match="64 hex digits"):
            check_sha256(bad)
