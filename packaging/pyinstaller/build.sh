#!/usr/bin/env bash
# Build Tether's one-folder bundle with PyInstaller: dist/tether/ (and dist/Tether.app on macOS).
#
#   packaging/pyinstaller/build.sh [--distpath DIR] [--workpath DIR] [other pyinstaller options]
#
# Defaults: dist/ and build/pyinstaller/ at the top of the repository. Uses the python3 on PATH
# (or $PYTHON); installs PyInstaller into it if missing. The app's own dependencies (PySide6,
# requests, ...) must already be installed there: `pip install .` or `pip install -e .`.
# On Windows run the same from Git Bash, or call pyinstaller directly (see packaging/README.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"

if ! "$python" -c "import PyInstaller" 2>/dev/null; then
    echo "build.sh: installing PyInstaller" >&2
    "$python" -m pip install --quiet "pyinstaller>=6.5"
fi

distpath="$root/dist"
workpath="$root/build/pyinstaller"
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --distpath) distpath="$2"; shift 2 ;;
        --workpath) workpath="$2"; shift 2 ;;
        *) extra+=("$1"); shift ;;
    esac
done

cd "$root"
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$distpath" --workpath "$workpath" \
    ${extra[@]+"${extra[@]}"} "$here/tether.spec"

bundle="$distpath/tether"
echo "build.sh: built $bundle ($(du -sh "$bundle" | cut -f1))"
