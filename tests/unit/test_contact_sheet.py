"""The emergency contact sheet and the outage kit, read back with pypdf."""

from __future__ import annotations

import json
import re
from datetime import date
from io import BytesIO

from pypdf import PdfReader

from tests.conftest import TODAY


def _text(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(BytesIO(pdf)).pages]


def test_full_sheet(demo_ctx, samples):
    demo_ctx.services.directory.import_file(samples / "contacts-iphone.vcf")
    pdf = demo_ctx.services.directory.sheet_pdf("full", today=TODAY)
    pages = _text(pdf)
    assert len(pages) >= 2
    for i, t in enumerate(pages, 1):
        assert f"page {i} of {len(pages)}" in t
        assert re.search(r"generated \d{4}-\d{2}-\d{2}", t)
    everything = "\n".join(pages)
    assert "Emergency IT contacts — City of Lynnwood" in pages[0]
    for name in ("Nguyễn Thompson", "Leilani García-Ruiz", "Søren", "Zoë"):
        assert name in everything, name  # DejaVu renders every sample name
    assert "City of Mukilteo (MUK)" in everything and "TELEPHONY / PBX" in everything
    assert "(425) 555-0140" in everything and "425.555.0140" not in everything  # Leilani's after-hours
    # number, typed 425.555.0140: every number is printed in the one national format
    assert "CHECK" in everything and "never verified" in everything  # imported, never verified
    assert "personal numbers not printed" in pages[0]
    reader = PdfReader(BytesIO(pdf))
    fonts = {f for p in reader.pages for f in (p["/Resources"]["/Font"].values())}
    assert any("DejaVuSans" in str(f.get_object()["/BaseFont"]) for f in fonts)


def test_sheet_personal_numbers_only_when_asked(demo_ctx, samples, tmp_path):
    demo_ctx.services.directory.import_file(samples / "contacts-outlook-21.vcf")
    assert "(206) 555-0140" not in "".join(_text(demo_ctx.services.directory.sheet_pdf(today=TODAY)))
    out = demo_ctx.services.directory.write_sheet(tmp_path / "s.pdf", include_personal=True, today=TODAY)
    assert "(206) 555-0140" in "".join(_text(out.read_bytes()))
    assert [e for e in demo_ctx.services.audit.list() if e.action == "export_personal"]


def test_wallet_card(demo_ctx):
    pages = _text(demo_ctx.services.directory.sheet_pdf("wallet", today=TODAY))
    assert len(pages) == 1
    t = pages[0]
    assert "IT EMERGENCY" in t and "page 1 of 1" in t and "City of Mukilteo" in t
    assert t.count("AH") >= 8


def test_sheet_grouping_order(demo_ctx):
    from partnerdesk.reports.contact_sheet import grouped

    data = demo_ctx.services.directory.sheet_data(today=TODAY)
    groups = grouped(data)
    assert groups[0][1] == "City of Lynnwood"  # home first
    for _agency, _name, roles in groups:
        for _role, people in roles:
            orders = [p.escalation_order or 99 for p in people]
            assert orders == sorted(orders)


def test_stale_marker():
    from partnerdesk.domain.directory import is_stale

    today = date(2026, 11, 26)
    assert is_stale(None, today)
    assert is_stale(date(2025, 11, 25), today)
    assert not is_stale(date(2025, 11, 26), today)
    assert not is_stale(date(2026, 3, 1), date(2027, 2, 28))


def test_outage_kit(demo_ctx, tmp_path):
    kit = demo_ctx.services.directory.outage_kit(tmp_path / "kit", today=TODAY)
    names = sorted(p.name for p in (tmp_path / "kit").iterdir())
    assert names == ["contacts.vcf", "directory.html", "emergency-contacts.pdf", "emergency-wallet-card.pdf"]
    assert kit.contacts == 48
    html = kit.html.read_text(encoding="utf-8")
    # self-contained: no external file, no network
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//|[^"'#]*\.(js|css))""", html, re.I)
    assert "http://" not in html and "https://" not in html
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert len(data) == 48 and all(p["kind"] != "personal" for d in data for p in d["phones"])
    assert "addEventListener" in html
    assert not [e for e in demo_ctx.services.audit.list() if e.action == "export_personal"]


def test_outage_kit_html_escapes_data(ctx, tmp_path):
    ctx.services.agencies.create(name="City of <script>", code="XSS")
    ctx.services.contacts.create(agency="XSS", name="</script><script>alert(1)</script>")
    kit = ctx.services.directory.outage_kit(tmp_path / "kit", today=TODAY)
    html = kit.html.read_text(encoding="utf-8")
    assert "alert(1)</script>" not in html and html.count("</script>") == 2


def test_sheet_reads_from_number_one_and_strands_no_heading(demo_ctx, samples):
    """Call 1 first: each agency starts with its #1. No agency header or role label is left alone at a page's
    foot, and a page that goes on with an agency or a role says so ("continued") above its people."""
    from partnerdesk.reports.contact_sheet import ROLE_GROUPS

    demo_ctx.services.directory.import_file(samples / "contacts-iphone.vcf")
    pages = [t.splitlines() for t in _text(demo_ctx.services.directory.sheet_pdf("full", today=TODAY))]
    assert len(pages) >= 3
    roles = {g.upper() for g, _ in ROLE_GROUPS} | {"OTHER"}
    is_label = lambda line: line.removesuffix(" — continued") in roles  # noqa: E731
    is_person = lambda line: re.fullmatch(r" ?(\d+|–)", line) is not None  # the # column  # noqa: E731
    agencies = {a.name for a in demo_ctx.services.agencies.list()}
    first_number: dict[str, str] = {}
    for n, lines in enumerate(pages, 1):
        starts = [i for i, line in enumerate(lines) if re.sub(r" \(\w+\)( — continued)?$", "", line) in agencies]
        assert starts, f"page {n} has no agency header"
        for i in starts:
            head = lines[i:i + 9]
            assert head[7] == "Verified" and is_label(head[8]), (n, head)  # the heads, then a role label
            assert any(is_person(x) for x in lines[i + 9:i + 14]), (n, head)  # and someone under it
            agency = re.sub(r" \(\w+\)( — continued)?$", "", lines[i])
            if not lines[i].endswith("continued"):
                first_number.setdefault(agency, next(x for x in lines[i + 9:] if is_person(x)).strip())
        if n > 1 and starts[0] == 0 and lines[0].endswith("— continued"):
            assert is_label(lines[8]), f"page {n} goes on without its role label"
        labels = [i for i, line in enumerate(lines) if is_label(line)]
        assert any(is_person(x) for x in lines[labels[-1]:]), f"page {n} ends on a role label"
    with_number_one = {c.agency_name for c in demo_ctx.services.contacts.list() if c.escalation_order == 1}
    assert with_number_one and all(first_number[a] == "1" for a in with_number_one), first_number


def test_each_demo_agency_has_its_own_main_number(demo_ctx):
    agencies = demo_ctx.services.agencies.list()
    assert len({a.phone for a in agencies}) == len(agencies)
    assert len({a.ap_contact_phone for a in agencies}) == len(agencies)
