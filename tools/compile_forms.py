"""Regenerate partnerdesk/gui/forms/ui_*.py from ui/*.ui and the resource module from resources/*.qrc.

Generated files are committed (STYLE habit 7); tests check that regenerating gives the same bytes.
Usage: python tools/compile_forms.py [--check]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "partnerdesk" / "gui" / "forms"
HEADER = "# Generated from {src} by tools/compile_forms.py (pyside6-uic). Do not edit.\n"


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else name


def generate() -> dict[Path, bytes]:
    out: dict[Path, bytes] = {}
    for ui in sorted((ROOT / "ui").glob("*.ui")):
        code = subprocess.run([_tool("pyside6-uic"), "--no-autoconnection", str(ui)], check=True,
                              capture_output=True).stdout.decode("utf-8")
        code = "\n".join(line.rstrip() for line in code.splitlines()) + "\n"
        out[FORMS / f"ui_{ui.stem}.py"] = (HEADER.format(src=f"ui/{ui.name}") + code).encode("utf-8")
    qrc = ROOT / "resources" / "partnerdesk.qrc"
    code = subprocess.run([_tool("pyside6-rcc"), "--no-compress", "--format-version", "1", str(qrc)], check=True,
                          capture_output=True).stdout.decode("utf-8")
    code = "\n".join(line.rstrip() for line in code.splitlines()) + "\n"
    out[ROOT / "partnerdesk" / "gui" / "resources_rc.py"] = (
        HEADER.format(src="resources/partnerdesk.qrc").replace("pyside6-uic", "pyside6-rcc") + code).encode()
    return out


def main(argv: list[str]) -> int:
    files = generate()
    stale = [p for p, data in files.items() if not p.exists() or p.read_bytes() != data]
    if "--check" in argv:
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)}")
        return 1 if stale else 0
    for p in stale:
        p.write_bytes(files[p])
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
