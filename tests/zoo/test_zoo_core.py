"""The cheap cases over every (server × scheme) of the zoo, through the real CLI.

Each `target` is a shared server: nginx, lighttpd and uvicorn (Starlette StaticFiles) over HTTP
and HTTPS, and tinyproxy in front of nginx (plain proxying for HTTP, CONNECT for HTTPS).
"""

from __future__ import annotations

import pytest

from tests.zoo.conftest import Target, Tether, file_sha
from tests.zoo.servers import CD_NAME


def assert_got(tether: Tether, target: Target, name: str, saved_as: str) -> None:
    assert tether.files() == [saved_as]
    path = tether.out / saved_as
    assert path.stat().st_size == target.folder.sizes[name]
    assert file_sha(path) == target.folder.digests[name]


def proxy_log_mark(target: Target) -> int:
    return len(target.proxy.log_text()) if target.proxy is not None else 0


def assert_through_proxy(target: Target, url: str, mark: int) -> None:
    """The proxy's log since `mark` shows this download's request (or its CONNECT tunnel)."""
    if target.proxy is None:
        return
    new = target.proxy.log_text()[mark:]
    if target.scheme == "https":
        assert f"CONNECT 127.0.0.1:{target.server.https_port} " in new, new[-2000:]
    else:
        assert f"GET {url} HTTP/1.1" in new, new[-2000:]


@pytest.mark.parametrize("connections", [1, 8])
def test_download_is_exact(target: Target, tether: Tether, connections: int) -> None:
    name = "files/small.bin"
    mark = proxy_log_mark(target)
    r = tether.get(target.url(name), connections=connections, env=target.env())
    assert r.returncode == 0, r.stderr
    assert_got(tether, target, name, "small.bin")
    assert_through_proxy(target, target.url(name), mark)


def test_redirect_lands_under_the_final_name(target: Target, tether: Tether) -> None:
    """/go/latest answers 302 to /files/small.bin: the file is small.bin, not `latest`."""
    r = tether.get(target.url("go/latest"), connections=4, env=target.env())
    assert r.returncode == 0, r.stderr
    assert_got(tether, target, "files/small.bin", "small.bin")


def test_name_from_content_disposition(target: Target, tether: Tether) -> None:
    """filename*=UTF-8''r%C3%A9sum%C3%A9%20final.bin wins over the URL's cd.bin."""
    r = tether.get(target.url("files/cd.bin"), connections=2, env=target.env())
    assert r.returncode == 0, r.stderr
    assert_got(tether, target, "files/cd.bin", CD_NAME)


def test_name_from_the_url_path_percent_decoded(target: Target, tether: Tether) -> None:
    """/files/na%C3%AFve%20file.bin is saved as `naïve file.bin`."""
    name = "files/naïve file.bin"
    url = target.url(name)
    assert "na%C3%AFve%20file.bin" in url
    r = tether.get(url, connections=2, env=target.env())
    assert r.returncode == 0, r.stderr
    assert_got(tether, target, name, "naïve file.bin")
