"""The outage kit's directory.html searched as at 2 a.m.: its own script run by Node with a minimal DOM (no
network, no browser download). A real browser test needs chromium; this one checks the page's logic."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HARNESS = Path(__file__).with_name("directory_html_harness.js")
node = shutil.which("node")
pytestmark = pytest.mark.skipif(node is None, reason="Node.js is not installed (apt-get install nodejs)")


def _type(html: Path, query: str) -> tuple[list[dict], bool]:
    out = subprocess.run([node, str(HARNESS), str(html), query], capture_output=True, text=True, timeout=60,
                         check=True).stdout.splitlines()
    rows = [json.loads(line) for line in out]
    return [r for r in rows if "name" in r], rows[-1]["none"] == "block"


def test_typing_finds_the_right_people_with_tel_links(demo_ctx, tmp_path):
    kit = demo_ctx.services.directory.outage_kit(tmp_path / "usb")
    html = kit.html
    text = html.read_text(encoding="utf-8")
    assert "font-family: inherit" in text  # the search box in the page's font, not the browser's serif
    people, none = _type(html, "mlt firewall")
    expected = demo_ctx.services.directory.search("mlt firewall")  # Quinn Moreno: "Firewall" in the notes
    assert expected and not none
    assert [p["name"] for p in people] == [h.name for h in expected]
    assert all(t.startswith("tel:+1") and len(t) == len("tel:+14255550103") for p in people for t in p["tels"])
    any_of, _ = _type(html, "mlt cisco, pbx, firewall")
    wanted = demo_ctx.services.directory.search("mlt cisco, pbx, firewall")
    assert len(any_of) > len(people) and {p["name"] for p in any_of} == {h.name for h in wanted}
    nobody, none = _type(html, "zzzz")
    assert nobody == [] and none
