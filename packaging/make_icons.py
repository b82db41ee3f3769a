#!/usr/bin/env python3
"""Render Tether's app icon into every raster format the packages need.

    QT_QPA_PLATFORM=offscreen python3 packaging/make_icons.py   # (the script sets it itself)

Sources (SVG, edited by hand):
  resources/icons/io.github.tether.Tether.svg            master artwork, used above SMALL_MAX px
  packaging/icons/io.github.tether.Tether-small.svg      pixel-hinted variant for 16-32 px

Outputs (committed, shipped in the app.resources package):
  resources/icons/hicolor/<N>x<N>/apps/io.github.tether.Tether.png   for N in HICOLOR_SIZES
  resources/icons/tether.ico     Windows (PyInstaller --icon): 16-256 px, PNG-compressed entries
  resources/icons/tether.icns    macOS (PyInstaller BUNDLE icon): 16-1024 px, PNG entries

Rendering uses PySide6's QtSvg (a runtime dependency already); the ICO and ICNS containers are
written here with `struct`, so no Pillow or ImageMagick is needed. Re-run after editing an SVG.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "io.github.tether.Tether"
MASTER_SVG = ROOT / "resources" / "icons" / f"{APP_ID}.svg"
SMALL_SVG = ROOT / "packaging" / "icons" / f"{APP_ID}-small.svg"
OUT_DIR = ROOT / "resources" / "icons"

HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
# ICNS element types holding PNG data, with their pixel size (the @2x ones are Retina variants).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"ic11", 32),  # 16@2x
    (b"icp5", 32),
    (b"ic12", 64),  # 32@2x
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic13", 256),  # 128@2x
    (b"ic08", 256),
    (b"ic14", 512),  # 256@2x
    (b"ic09", 512),
    (b"ic10", 1024),  # 512@2x
)
SMALL_MAX = 32  # sizes up to this use the hinted small artwork


def hicolor_png_path(size: int, out_dir: Path = OUT_DIR) -> Path:
    return out_dir / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG streams (read by Windows Vista and later at any size)."""
    sizes = sorted(pngs)
    if not sizes or sizes[-1] > 256:
        raise ValueError("ICO entries must be 1..256 px")
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        data = pngs[size]
        dim = 0 if size == 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset))
        blobs.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(blobs)


def build_icns(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file of PNG-compressed elements (readable by macOS 10.7+ and by iconutil)."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def _renderer(svg: Path):  # -> (size -> PNG bytes)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    global _qt_app  # QPainter on a QImage needs a Gui application for fonts/paint engines
    if QGuiApplication.instance() is None:
        _qt_app = QGuiApplication(["make_icons"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: QtSvg cannot parse this file")

    def render(size: int) -> bytes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise SystemExit(f"could not encode a {size}px PNG")
        buffer.close()
        return bytes(data.data())

    return render


_qt_app = None


def render_all(master: Path = MASTER_SVG, small: Path = SMALL_SVG) -> dict[int, bytes]:
    big_render = _renderer(master)
    small_render = _renderer(small) if small.exists() else big_render
    wanted = set(HICOLOR_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES}
    return {n: (small_render if n <= SMALL_MAX else big_render)(n) for n in sorted(wanted)}


def write_all(out_dir: Path = OUT_DIR) -> list[Path]:
    pngs = render_all()
    written = []
    for size in HICOLOR_SIZES:
        path = hicolor_png_path(size, out_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pngs[size])
        written.append(path)
    ico = out_dir / "tether.ico"
    ico.write_bytes(build_ico({n: pngs[n] for n in ICO_SIZES}))
    icns = out_dir / "tether.icns"
    icns.write_bytes(build_icns(pngs))
    written += [ico, icns]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="default: resources/icons")
    args = parser.parse_args(argv)
    for path in write_all(args.out_dir):
        try:
            shown = path.relative_to(ROOT)
        except ValueError:
            shown = path
        print(f"{path.stat().st_size:>8}  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
