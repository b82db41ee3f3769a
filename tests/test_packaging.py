"""Packaging: desktop files, icons, resource lookup, the Flatpak manifest, the PyInstaller bundle.

Fast tests check the shipped files (desktop-file-validate, appstreamcli, PNG/ICO/ICNS headers,
the Flatpak manifest's structure and local paths). The slow ones (`-m slow`) build the PyInstaller
bundle once and run it: `--version`, a real download, a headless window, the size budget.
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import glob
import hashlib
import http.server
import importlib.resources
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import resources_util

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "io.github.tether.Tether"
RESOURCES = ROOT / "resources"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
ICONS = RESOURCES / "icons"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
FLATPAK_DIR = ROOT / "packaging" / "flatpak"
FLATPAK_MANIFEST = FLATPAK_DIR / f"{APP_ID}.yml"
PYINSTALLER_DIR = ROOT / "packaging" / "pyinstaller"
BUNDLE_BUDGET_MB = 150

with open(ROOT / "pyproject.toml", "rb") as _f:
    PYPROJECT = tomllib.load(_f)
# the version lives in app/__init__.py (pyproject: dynamic = ["version"])
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (ROOT / "app" / "__init__.py").read_text(), re.MULTILINE
).group(1)
(SCRIPT_NAME,) = PYPROJECT["project"]["scripts"]  # "tether"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (CI installs it: see .ci/run)")
    return path


# --- PNG / ICO / ICNS readers (no Qt, no Pillow) --------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_header(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from a PNG's IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def ico_entries(data: bytes) -> list[tuple[int, int, bytes]]:
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1), "not an ICO file"
    entries = []
    for i in range(count):
        w, h, _, _, _, _, size, offset = struct.unpack("<BBBBHHII", data[6 + 16 * i : 22 + 16 * i])
        entries.append((w or 256, h or 256, data[offset : offset + size]))
    return entries


def icns_elements(data: bytes) -> dict[bytes, bytes]:
    assert data[:4] == b"icns", "not an ICNS file"
    (total,) = struct.unpack(">I", data[4:8])
    assert total == len(data)
    elements, pos = {}, 8
    while pos < total:
        kind, length = struct.unpack(">4sI", data[pos : pos + 8])
        assert length >= 8 and pos + length <= total
        elements[kind] = data[pos + 8 : pos + length]
        pos += length
    return elements


# --- desktop file ---------------------------------------------------------------------------------


def test_desktop_file_passes_desktop_file_validate() -> None:
    tool = _tool("desktop-file-validate")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=60)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    assert output == "", f"desktop-file-validate has remarks:\n{output}"


def test_desktop_file_launches_the_console_script_with_urls() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == f"{SCRIPT_NAME} %U"
    assert entry["Icon"] == APP_ID
    assert {"Network", "FileTransfer"} <= set(filter(None, entry["Categories"].split(";")))
    assert "MimeType" not in entry, "Tether registers no scheme handler"


# --- AppStream metainfo ---------------------------------------------------------------------------


def test_metainfo_passes_appstreamcli_validate() -> None:
    tool = _tool("appstreamcli")
    result = subprocess.run(
        [tool, "validate", "--no-net", "--explain", str(METAINFO)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Infos and pedantic remarks are fine (e.g. AppStream 0.16 does not know <developer> yet, and
    # the reverse-DNS id has capitals by Flatpak convention); errors and warnings are not.
    serious = [line for line in output.splitlines() if re.match(r"\s*[EW]: ", line)]
    assert not serious, output


def test_metainfo_matches_the_project() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("provides/binary") == SCRIPT_NAME
    assert root.find("content_rating") is not None
    assert root.findtext("project_license") == PYPROJECT["project"]["license"]["text"]
    releases = [r.get("version") for r in root.iterfind("releases/release")]
    assert VERSION in releases, f"add a <release version={VERSION!r}> to {METAINFO.name}"
    for release in root.iterfind("releases/release"):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", release.get("date", "")), release.attrib
    homepage = root.findtext("url[@type='homepage']") or ""
    assert homepage.startswith("https://") and "example." not in homepage


# --- icons ----------------------------------------------------------------------------------------


def test_svg_icons_are_square_svg() -> None:
    for svg in (ICONS / f"{APP_ID}.svg", ROOT / "packaging" / "icons" / f"{APP_ID}-small.svg"):
        root = ET.parse(svg).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", svg
        x, y, w, h = map(float, root.get("viewBox", "").split())
        assert (x, y) == (0, 0) and w == h, svg


@pytest.mark.parametrize("size", HICOLOR_SIZES)
def test_hicolor_png_has_its_size(size: int) -> None:
    png = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert png.is_file(), "run packaging/make_icons.py"
    width, height, depth, colour = png_header(png.read_bytes())
    assert (width, height) == (size, size)
    assert (depth, colour) == (8, 6), "expected 8-bit RGBA"


def test_no_stray_hicolor_sizes() -> None:
    found = sorted(p.name for p in (ICONS / "hicolor").iterdir())
    assert found == sorted(f"{n}x{n}" for n in HICOLOR_SIZES)


def test_windows_ico_holds_png_entries_up_to_256() -> None:
    entries = ico_entries((ICONS / "tether.ico").read_bytes())
    sizes = {w for w, _, _ in entries}
    assert {16, 24, 32, 48, 64, 128, 256} <= sizes
    for w, h, blob in entries:
        assert png_header(blob)[:2] == (w, h)


def test_macos_icns_holds_png_elements_up_to_1024() -> None:
    elements = icns_elements((ICONS / "tether.icns").read_bytes())
    expected = {b"ic07": 128, b"ic08": 256, b"ic09": 512, b"ic10": 1024, b"ic11": 32,
                b"ic12": 64, b"ic13": 256, b"ic14": 512}  # fmt: skip
    for kind, size in expected.items():
        assert kind in elements, kind
        assert png_header(elements[kind])[:2] == (size, size), kind


def test_make_icons_containers_round_trip() -> None:
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import make_icons
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    fake = {n: PNG_SIGNATURE + struct.pack(">I4sII", 13, b"IHDR", n, n) for n in (16, 256, 1024)}
    ico = ico_entries(make_icons.build_ico({16: fake[16], 256: fake[256]}))
    assert [(w, h) for w, h, _ in ico] == [(16, 16), (256, 256)]
    with pytest.raises(ValueError):
        make_icons.build_ico({1024: fake[1024]})
    pngs = {size: fake.get(size, fake[16]) for _, size in make_icons.ICNS_TYPES}
    assert set(icns_elements(make_icons.build_icns(pngs))) == {k for k, _ in make_icons.ICNS_TYPES}


# --- resource lookup ------------------------------------------------------------------------------


@pytest.fixture
def fresh_resources_root() -> Iterator[None]:
    resources_util.resources_root.cache_clear()
    yield
    resources_util.resources_root.cache_clear()


def test_resource_path_finds_the_app_icon(fresh_resources_root: None) -> None:
    icon = resources_util.app_icon_path()
    assert icon == resources_util.resource_path("icons", f"{APP_ID}.svg")
    assert icon.is_file()
    assert resources_util.resource_path(DESKTOP.name).read_bytes() == DESKTOP.read_bytes()
    pngs = resources_util.app_icon_pngs()
    assert [png_header(p.read_bytes())[0] for p in pngs] == list(HICOLOR_SIZES)


def test_resource_path_without_an_installed_package(
    fresh_resources_root: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(package: str) -> None:
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(importlib.resources, "files", missing)
    assert resources_util.resources_root() == RESOURCES
    assert resources_util.app_icon_path().is_file()


def test_resource_path_inside_a_pyinstaller_bundle(
    fresh_resources_root: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundled = tmp_path / "app" / "resources"
    (bundled / "icons").mkdir(parents=True)
    (bundled / "icons" / f"{APP_ID}.svg").write_text("<svg/>")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_util.app_icon_path() == bundled / "icons" / f"{APP_ID}.svg"


def test_resources_util_stays_free_of_qt() -> None:
    tree = ast.parse((ROOT / "app" / "resources_util.py").read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not any(name.startswith(("PySide6", "qasync")) for name in imported)


# --- Flatpak manifest -----------------------------------------------------------------------------


def _load_yaml(path: Path) -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the Flatpak manifest")
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, dict), path
    return data


def _flatpak_modules(modules: list, base: Path) -> Iterator[tuple[dict, Path]]:
    """Every module, following `- file.yml` includes (relative to the including file)."""
    for module in modules:
        if isinstance(module, str):
            included = base / module
            assert included.is_file(), f"module file {module} does not exist"
            data = _load_yaml(included)
            yield data, included.parent
            yield from _flatpak_modules(data.get("modules", []), included.parent)
        else:
            assert isinstance(module, dict)
            yield module, base
            yield from _flatpak_modules(module.get("modules", []), base)


def test_flatpak_manifest_is_consistent() -> None:
    manifest = _load_yaml(FLATPAK_MANIFEST)
    app_id = manifest.get("id") or manifest.get("app-id")
    assert app_id == APP_ID == FLATPAK_MANIFEST.stem
    assert manifest["runtime"] == "org.kde.Platform" and manifest["sdk"] == "org.kde.Sdk"
    assert manifest["base"] == "io.qt.PySide.BaseApp"
    assert str(manifest["runtime-version"]).startswith("6.")
    assert str(manifest["base-version"]) == str(manifest["runtime-version"])
    assert manifest["command"] == SCRIPT_NAME
    finish = set(manifest["finish-args"])
    assert {"--share=network", "--socket=wayland", "--socket=fallback-x11"} <= finish
    assert "--filesystem=xdg-download" in finish
    assert "--socket=x11" not in finish, "x11 only as the fallback"
    assert "/app/cleanup-BaseApp.sh" in manifest.get("cleanup-commands", [])

    commands: list[str] = []
    names = []
    for module, base in _flatpak_modules(manifest["modules"], FLATPAK_DIR):
        names.append(module["name"])
        for command in module.get("build-commands", []):
            # An unquoted `--flag=:x: y` silently turns into a YAML mapping and is dropped.
            assert isinstance(command, str), f"{module['name']}: build command is not a string"
            commands.append(command)
        for source in module.get("sources", []):
            if "path" in source:
                assert (base / source["path"]).exists(), f"{module['name']}: {source['path']}"
    assert len(names) == len(set(names)), "module names must be unique"
    tether = next(m for m, _ in _flatpak_modules(manifest["modules"], FLATPAK_DIR)
                  if m["name"] == "tether")  # fmt: skip
    (tree,) = [s for s in tether["sources"] if s["type"] == "dir"]
    assert (FLATPAK_DIR / tree["path"]).resolve() == ROOT

    # Every repository path the commands use exists (globs must match something).
    script = "\n".join(commands)
    for ref in set(re.findall(r"\bresources/[\w./*-]+", script)):
        assert glob.glob(str(ROOT / ref)), f"{ref} matches nothing"
    # The desktop integration lands under the app id.
    for target in (
        "share/applications/${FLATPAK_ID}.desktop",
        "share/metainfo/${FLATPAK_ID}.metainfo.xml",
        "share/icons/hicolor/scalable/apps/${FLATPAK_ID}.svg",
        "share/icons/hicolor/${size}/apps/${FLATPAK_ID}.png",
    ):
        assert target in script, target
    assert re.search(r"pip3 install .*--prefix=\$\{FLATPAK_DEST\} \.$", script, re.M)


def test_flatpak_python_modules_cover_the_dependencies() -> None:
    module = _load_yaml(FLATPAK_DIR / "python3-modules.yml")
    pins = "\n".join(s.get("contents", "") for s in module["sources"] if s["type"] == "inline")
    pinned = {re.split(r"[=<>~! ]", line, maxsplit=1)[0].lower().replace("_", "-")
              for line in pins.splitlines() if line.strip()}  # fmt: skip
    for requirement in PYPROJECT["project"]["dependencies"]:
        name = re.split(r"[=<>~!; \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        if name.startswith("pyside6"):
            continue  # from io.qt.PySide.BaseApp
        assert name in pinned, f"{name} is missing from packaging/flatpak/python3-modules.yml"


def test_flatpak_builder_reads_the_manifest() -> None:
    tool = shutil.which("flatpak-builder")
    if tool is None:
        pytest.skip("flatpak-builder is not installed (optional: apt-get install flatpak-builder)")
    result = subprocess.run(
        [tool, "--show-manifest", str(FLATPAK_MANIFEST)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert APP_ID in result.stdout and "python3-modules" in result.stdout


# --- PyInstaller files (fast) ---------------------------------------------------------------------


def test_pyinstaller_files_are_sane() -> None:
    spec = PYINSTALLER_DIR / "tether.spec"
    tree = ast.parse(spec.read_text(encoding="utf-8"))  # valid Python
    text = spec.read_text(encoding="utf-8")
    assert "entry.py" in text and (PYINSTALLER_DIR / "entry.py").is_file()
    assert "tether.ico" in text and "tether.icns" in text
    assert any(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "COLLECT"
               for n in ast.walk(tree)), "one-folder bundle"  # fmt: skip
    build = PYINSTALLER_DIR / "build.sh"
    assert os.access(build, os.X_OK)
    subprocess.run(["bash", "-n", str(build)], check=True, timeout=30)


# --- PyInstaller bundle (slow) --------------------------------------------------------------------


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves one payload at /payload.bin with Range support, like an ordinary web server."""

    payload = b""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def _answer(self, send_body: bool) -> None:
        if self.path.split("?")[0] != "/payload.bin":
            self.send_error(404)
            return
        data, total = self.payload, len(self.payload)
        start, end = 0, total - 1
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else total - 1, total - 1)
            if start >= total:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{total}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{total}")
        else:
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", '"payload-v1"')
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        if send_body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data[start : end + 1])


@pytest.fixture(scope="module")
def payload_server() -> Iterator[tuple[str, bytes]]:
    payload = os.urandom(3 * 1024 * 1024 + 12345)
    handler = type("Handler", (_RangeHandler,), {"payload": payload})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/payload.bin", payload
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build dist/tether with packaging/pyinstaller/build.sh (into a temp dir) once per run."""
    if not (ROOT / "app" / "__main__.py").is_file():
        pytest.fail("app/__main__.py is missing: the bundle has no entry point")
    out = tmp_path_factory.mktemp("pyinstaller")
    log = out / "build.log"
    with open(log, "w") as f:
        result = subprocess.run(
            ["bash", str(PYINSTALLER_DIR / "build.sh"),
             "--distpath", str(out / "dist"), "--workpath", str(out / "work")],
            stdout=f, stderr=subprocess.STDOUT, timeout=1500, cwd=ROOT,
            env={**os.environ, "PYTHON": sys.executable},
        )  # fmt: skip
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
    assert result.returncode == 0, f"build.sh failed:\n{tail}"
    executable = out / "dist" / "tether" / ("tether.exe" if os.name == "nt" else "tether")
    assert executable.is_file(), tail
    return executable


def _bundle_env(tmp: Path) -> dict[str, str]:
    """A clean home for the bundle: its own data dir, config, runtime dir; no display."""
    runtime = tmp / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_", "TETHER_"))}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_RUNTIME_DIR=str(runtime),
        TETHER_DATA_DIR=str(tmp / "tether-data"),  # relies on: app/paths.py honours it
    )
    return env


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_bundle_prints_its_version(bundle: Path, tmp_path: Path) -> None:
    # Relies on: `tether --version` printing "tether <version>" (app/__main__.py, argparse).
    result = subprocess.run(
        [str(bundle), "--version"], capture_output=True, text=True, timeout=60,
        env=_bundle_env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"tether {VERSION}"


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_bundle_downloads_a_file(
    bundle: Path, tmp_path: Path, payload_server: tuple[str, bytes]
) -> None:
    # Relies on: the headless CLI `tether get URL -o DIR` (app/cli/) saving the file under its
    # URL name and exiting 0 once every file is complete; TETHER_DATA_DIR isolating its state.
    url, payload = payload_server
    out = tmp_path / "downloads"
    out.mkdir()
    result = subprocess.run(
        [str(bundle), "get", url, "-o", str(out)], capture_output=True, text=True, timeout=180,
        env=_bundle_env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    saved = out / "payload.bin"
    assert saved.is_file(), sorted(p.name for p in out.iterdir())
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(payload).digest()
    assert not list(out.glob("*.part"))


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_bundle_window_starts_headless(bundle: Path, tmp_path: Path) -> None:
    # Relies on: `tether` without a command opening the window (app/ui) and staying up; the Qt
    # plugins the spec keeps (offscreen platform, svg icons) being enough to get there.
    log = tmp_path / "gui.log"
    with open(log, "w") as f:
        proc = subprocess.Popen([str(bundle)], stdout=f, stderr=subprocess.STDOUT,
                                env=_bundle_env(tmp_path))  # fmt: skip
        try:
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
            still_running = proc.poll() is None
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    output = log.read_text(errors="replace")
    assert still_running, f"the window exited early (code {proc.returncode}):\n{output}"
    assert "Traceback" not in output, output


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_bundle_fits_the_size_budget(bundle: Path) -> None:
    folder = bundle.parent
    total = sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"bundle size: {total / 1e6:.1f} MB")
    assert total < BUNDLE_BUDGET_MB * 1_000_000, f"{total / 1e6:.1f} MB"
    internal = folder / "_internal"
    assert (internal / "app" / "resources" / "icons" / f"{APP_ID}.svg").is_file()
    unwanted = re.compile(r"Qt6?(WebEngine|Qml|Quick|3D|Multimedia|Pdf|Charts)", re.IGNORECASE)
    assert not [p.name for p in internal.rglob("*") if unwanted.search(p.name)]
    assert not list(internal.rglob("*.qm")), "Qt translations should be stripped"


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd is Linux-only")
def test_bundle_keeps_every_qt_library_its_plugins_need(bundle: Path) -> None:
    """Trimming Qt must not strand a kept plugin: no bundled file may miss a Qt/PySide library."""
    internal = bundle.parent / "_internal"
    qt_lib = internal / "PySide6" / "Qt" / "lib"
    env = {**os.environ, "LD_LIBRARY_PATH": f"{internal}:{qt_lib}"}
    missing = set()
    for path in internal.rglob("*.so*"):
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            if "not found" in line and re.search(r"Qt6|pyside|shiboken", line, re.IGNORECASE):
                missing.add(f"{path.relative_to(internal)}: {line.strip()}")
    assert not missing, "\n".join(sorted(missing))
