"""Checksums: what the user gives, what servers publish (headers, sidecars, SUMS lists), hashing.

Everything here but `file_digest` is a pure function over text, so each parser is unit- and
property-tested on its own; fetching the published files lives in autochecksum.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.engine.errors import BadInput

# Hex length of each supported digest. Lengths are distinct, so a bare hex string names its
# algorithm (what the Add dialog relies on).
HEX_LENGTHS: dict[str, int] = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
_BY_LENGTH = {n: a for a, n in HEX_LENGTHS.items()}
# Preference when a server publishes several: the strongest wins.
_STRENGTH = {"md5": 0, "sha1": 1, "sha256": 2, "sha512": 3}
LABELS = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
MAX_INPUT = 4096  # a checksum argument longer than this is not a checksum


@dataclass(frozen=True, slots=True)
class Checksum:
    """An expected digest: `algo` is a key of HEX_LENGTHS, `hex` is lower-case."""

    algo: str
    hex: str

    def __str__(self) -> str:  # the stored form, "sha256:ab12…"
        return f"{self.algo}:{self.hex}"

    @property
    def label(self) -> str:
        return LABELS[self.algo]


def normalize_algo(name: str) -> str | None:
    """`SHA-256`, `sha256`, `Sha_256` → "sha256"; RFC 3230's `SHA` is SHA-1; None if unknown."""
    key = name.strip().lower().replace("-", "").replace("_", "")
    if key == "sha":
        key = "sha1"
    return key if key in HEX_LENGTHS else None


def make(algo: str, hex_digest: str) -> Checksum | None:
    """A Checksum if `hex_digest` has the right length and digits for `algo`, else None."""
    name = normalize_algo(algo)
    text = hex_digest.strip()
    if name is None or len(text) != HEX_LENGTHS[name] or not _HEX.match(text):
        return None
    return Checksum(name, text.lower())


def check_sha256(value: str | None) -> str | None:
    """A SHA-256 given on its own (`--sha256`, the API's sha256): lower-case hex, None when
    empty, BadInput (one line) when it is not 64 hex digits."""
    if value is None or value == "":
        return None
    found = make("sha256", value)
    if found is None:
        raise BadInput(f"not a SHA-256 (64 hex digits): {value!r}")
    return found.hex


def parse_checksum(text: str) -> Checksum:
    """User input: `ALGO=HEX` (aria2's `--checksum`), `ALGO:HEX`, or bare HEX whose length
    names the algorithm. BadInput with one line otherwise."""
    raw = text.strip()
    if not raw or len(raw) > MAX_INPUT:
        raise BadInput(f"not a checksum: {text[:80]!r}")
    for sep in ("=", ":"):
        if sep in raw:
            algo, _, digest = raw.partition(sep)
            name = normalize_algo(algo)
            if name is None:
                raise BadInput(
                    f"unknown checksum algorithm {algo.strip()[:20]!r} "
                    "(use md5, sha1, sha256 or sha512)"
                )
            found = make(name, digest)
            if found is None:
                shown = digest.strip()[:140]
                raise BadInput(f"not a {LABELS[name]} ({HEX_LENGTHS[name]} hex digits): {shown!r}")
            return found
    if _HEX.match(raw) and len(raw) in _BY_LENGTH:
        return Checksum(_BY_LENGTH[len(raw)], raw.lower())
    raise BadInput(f"not a checksum (32, 40, 64 or 128 hex digits, or ALGO=HEX): {raw[:140]!r}")


def from_stored(value: str | None) -> Checksum | None:
    """The database's "algo:hex" (None for anything else: a bad row is never fatal)."""
    if not value or ":" not in value:
        return None
    algo, _, digest = value.partition(":")
    return make(algo, digest)


def strongest(found: Iterable[Checksum]) -> Checksum | None:
    best: Checksum | None = None
    for c in found:
        if best is None or _STRENGTH[c.algo] > _STRENGTH[best.algo]:
            best = c
    return best


# ---------------------------------------------------------------------------- response headers
def _b64_to_hex(text: str) -> str | None:
    try:
        return base64.b64decode(text.strip(), validate=True).hex()
    except (binascii.Error, ValueError):
        return None


def parse_digest_header(value: str | None) -> list[Checksum]:
    """RFC 3230 `Digest: SHA-256=<base64>, MD5=<base64>` (unknown algorithms skipped)."""
    out: list[Checksum] = []
    for item in (value or "").split(","):
        algo, sep, b64 = item.partition("=")
        if not sep:
            continue
        name = normalize_algo(algo)
        hex_digest = _b64_to_hex(b64) if name else None
        found = make(name, hex_digest) if name and hex_digest else None
        if found is not None:
            out.append(found)
    return out


def parse_repr_digest(value: str | None) -> list[Checksum]:
    """RFC 9530 `Repr-Digest: sha-256=:<base64>:, sha-512=:<base64>:` (a structured-field
    dictionary of byte sequences; parameters after `;` are ignored)."""
    out: list[Checksum] = []
    for item in (value or "").split(","):
        key, sep, rest = item.partition("=")
        rest = rest.split(";", 1)[0].strip()
        if not sep or len(rest) < 2 or rest[0] != ":" or rest[-1] != ":":
            continue
        name = normalize_algo(key)
        hex_digest = _b64_to_hex(rest[1:-1]) if name else None
        found = make(name, hex_digest) if name and hex_digest else None
        if found is not None:
            out.append(found)
    return out


def from_response_headers(
    status: int, headers: Mapping[str, str], covers_whole_file: bool
) -> Checksum | None:
    """The checksum of the whole file a probe answer states, if it can be trusted for that.

    Repr-Digest (RFC 9530) is by definition about the selected representation, whatever range
    the body is: trusted on a 200 and on a 206. RFC 3230's Digest also meant the whole
    "instance", but servers and proxies have long computed it over the body actually sent (a
    206's partial content), and nothing in the answer says which: on a 206 it is trusted only
    when that body is the whole file (`covers_whole_file`), where both readings agree.
    """
    if status not in (200, 206):
        return None
    repr_digest = strongest(parse_repr_digest(headers.get("Repr-Digest")))
    if repr_digest is not None:
        return repr_digest
    if status == 200 or covers_whole_file:
        return strongest(parse_digest_header(headers.get("Digest")))
    return None


# ---------------------------------------------------------------------------- published files
_BSD = re.compile(r"^(MD5|SHA1|SHA-1|SHA256|SHA-256|SHA512|SHA-512) ?\((.*)\) ?= ?([0-9a-fA-F]+)$")
_GNU = re.compile(r"^([0-9a-fA-F]+) [ *](.*)$")


def _unescape_gnu(name: str) -> str:
    # coreutils escapes `\` and newline in names and marks such lines with a leading `\`
    return name.replace("\\\\", "\0").replace("\\n", "\n").replace("\0", "\\")


def _same_name(listed: str, name: str) -> bool:
    listed = listed.strip()
    if listed.startswith("./"):
        listed = listed[2:]
    return listed == name or listed.rsplit("/", 1)[-1] == name


def parse_sums(text: str, names: Iterable[str], algo: str | None = None) -> Checksum | None:
    """The checksum listed for one of `names` in a SHA256SUMS-style list.

    GNU coreutils lines (`HEX  name`, `HEX *name`, `\\HEX  escaped\\nname`) and BSD/`--tag`
    lines (`SHA256 (name) = HEX`, Fedora's CHECKSUM files); PGP armour, comments and other
    files' lines are skipped. `algo` is what the list's own name says (SHA256SUMS); the hex
    length decides when it is not known. The strongest match wins.
    """
    wanted = [n for n in names if n]
    found: list[Checksum] = []
    for raw_line in text.splitlines():
        line = raw_line.strip("\r\n\t ")
        if not line or line.startswith(("#", "-----", "Hash:")):
            continue
        bsd = _BSD.match(line)
        if bsd:
            tag, listed, digest = bsd.groups()
            if any(_same_name(listed, n) for n in wanted):
                c = make(tag, digest)
                if c is not None:
                    found.append(c)
            continue
        escaped = line.startswith("\\")
        gnu = _GNU.match(line[1:] if escaped else line)
        if not gnu:
            continue
        digest, listed = gnu.groups()
        if escaped:
            listed = _unescape_gnu(listed)
        if not any(_same_name(listed, n) for n in wanted):
            continue
        name = algo if algo is not None else _BY_LENGTH.get(len(digest))
        c = make(name, digest) if name else None
        if c is not None:
            found.append(c)
    return strongest(found)


def parse_sidecar(text: str, names: Iterable[str], algo: str) -> Checksum | None:
    """`URL.sha256` and friends: one `HEX` alone, or a one-file SUMS list naming our file.

    A lone digest is accepted; a list must name the file (a sidecar for another file, or an
    HTML "not found" page served with 200, gives nothing).
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) == 1 and len(lines[0].split()) == 1:
        return make(algo, lines[0])
    return parse_sums(text, names, algo)


# ---------------------------------------------------------------------------- hashing
def file_digest(path: str, algo: str) -> str:
    """Read the file back once and hash it (hex): for a file none of whose bytes were hashed
    as they arrived (inorder.py)."""
    h = hashlib.new(algo)
    buf = bytearray(1024 * 1024)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()
