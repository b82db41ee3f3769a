"""The browser extension: its pure logic under node's test runner, `web-ext lint` on the Firefox
build, and the per-browser manifests (app/browser/build.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.browser.build import build, manifest_for, source_dir

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "browser"
WEB_EXT = ROOT / "tests" / "browser" / "node_modules" / ".bin" / "web-ext"


def test_the_extensions_pure_logic_under_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (.ci/run installs it)")
    r = subprocess.run(
        [node, "--test", str(ROOT / "tests" / "browser")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "# fail 0" in r.stdout


def test_web_ext_lint_passes_for_the_firefox_build(tmp_path: Path) -> None:
    if not WEB_EXT.exists():
        pytest.skip("web-ext is not installed in tests/browser (.ci/run: npm install there)")
    built = build("firefox", tmp_path / "firefox", SOURCE)
    r = subprocess.run(
        [str(WEB_EXT), "lint", "--source-dir", str(built), "--no-input", "--warnings-as-errors",
         "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    report = json.loads(r.stdout)
    assert r.returncode == 0, json.dumps(report["errors"] + report["warnings"], indent=1)
    assert report["summary"] == {"errors": 0, "notices": 0, "warnings": 0}


def test_each_build_keeps_what_its_browser_reads(tmp_path: Path) -> None:
    source = json.loads((SOURCE / "manifest.json").read_text())
    chromium, firefox = manifest_for(source, "chromium"), manifest_for(source, "firefox")
    assert chromium["background"] == {"service_worker": "background.js", "type": "module"}
    assert "key" in chromium and "browser_specific_settings" not in chromium
    assert firefox["background"] == {"scripts": ["background.js"], "type": "module"}
    assert "key" not in firefox
    assert firefox["browser_specific_settings"]["gecko"]["id"] == "browser@tether-downloads.org"
    assert source["manifest_version"] == 3
    built = build("chromium", tmp_path / "c", SOURCE)
    assert not (built / "package.json").exists() and (built / "popup.html").exists()
    assert (source_dir() / "manifest.json").exists()
    with pytest.raises(ValueError):
        build("safari", tmp_path / "s", SOURCE)
