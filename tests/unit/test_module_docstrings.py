"""Every module says what it is for in its first line, so a newcomer finds the room for a change."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "partnerdesk"
GENERATED = ("gui/forms/", "gui/resources_rc.py")  # made by pyside6-uic / pyside6-rcc


def _first_line(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    return doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""


def test_every_module_opens_with_a_line_saying_what_it_is_for():
    silent = [p.relative_to(PACKAGE).as_posix() for p in sorted(PACKAGE.rglob("*.py"))
              if not any(g in p.relative_to(PACKAGE).as_posix() for g in GENERATED) and len(_first_line(p)) < 10]
    assert silent == [], f"modules without a first line saying what they are for: {silent}"


def test_the_check_catches_a_module_without_one(tmp_path):
    bare = tmp_path / "bare.py"
    bare.write_text("import os\n", encoding="utf-8")
    said = tmp_path / "said.py"
    said.write_text('"""Reads the thing the user asked for."""\n', encoding="utf-8")
    assert _first_line(bare) == "" and _first_line(said) == "Reads the thing the user asked for."
