"""Which certificate authorities Tether trusts, and the one SSL context built from that choice.

Precedence (first that applies wins):

    explicit CA file (--ca-certificate, the `ca_certificate` setting)
    > REQUESTS_CA_BUNDLE > CURL_CA_BUNDLE          (what requests and curl read)
    > SSL_CERT_FILE                                (what OpenSSL reads)
    > the operating system's store (truststore: corporate and user-installed CAs, as a browser)
    > certifi's bundle, only if the system store can't be used at all

Verification is never off: every route ends in a context with CERT_REQUIRED and host checks.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.engine.errors import PermanentError

# Environment variables naming a CA bundle, in the order they win.
CA_ENV_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


@dataclass(frozen=True, slots=True)
class Trust:
    """Where the trusted CAs come from: a file (or folder) of PEM certificates, or the system."""

    kind: Literal["file", "system"]
    path: str | None = None
    source: str = "the system store"  # for messages: "--ca-certificate", "SSL_CERT_FILE", ...


def choose_trust(explicit: str | None, env: Mapping[str, str]) -> Trust:
    """Apply the precedence above (pure). Empty values count as unset, never as "don't verify"."""
    if explicit:
        return Trust("file", explicit, "--ca-certificate or the CA certificate setting")
    for name in CA_ENV_VARS:
        value = env.get(name, "").strip()
        if value:
            return Trust("file", value, name)
    return Trust("system")


def _strict(ctx: ssl.SSLContext) -> ssl.SSLContext:
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    return ctx


def _file_context(trust: Trust) -> ssl.SSLContext:
    path = os.path.expanduser(trust.path or "")
    try:
        if os.path.isdir(path):
            return _strict(ssl.create_default_context(capath=path))
        return _strict(ssl.create_default_context(cafile=path))
    except (OSError, ssl.SSLError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or "not PEM certificates"
        raise PermanentError(
            f"cannot use the CA certificates in {path} (from {trust.source}): {why}"
        ) from exc


def system_context() -> ssl.SSLContext:
    """The OS trust store through truststore; certifi's bundle if that can't be loaded."""
    try:
        import truststore

        return _strict(truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    except (ImportError, OSError, ssl.SSLError, RuntimeError):
        import certifi

        return _strict(ssl.create_default_context(cafile=certifi.where()))


def build_context(trust: Trust) -> ssl.SSLContext:
    """One context for every connection made with these settings (building costs ~ms)."""
    if trust.kind == "file":
        return _file_context(trust)
    return system_context()


def trust_for(verify: bool | str, env: Mapping[str, str] | None = None) -> Trust:
    """EngineSettings.verify_tls (True, or a CA file) plus the environment → a Trust (pure given
    env). `False` is not accepted: nothing in Tether turns verification off."""
    explicit = verify if isinstance(verify, str) else None
    return choose_trust(explicit, os.environ if env is None else env)
