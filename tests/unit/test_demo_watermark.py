"""Every PDF made from the demo database carries a DEMO mark on every page (issue 16): statements (drafts and
issued), the statement of account, the emergency sheet and the wallet card. The same data in a database that
is not the demo carries none. An issued statement's PDF is rendered once, with the mark, and sealed as is."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from partnerdesk.services.base import DEMO_KEY
from tests.conftest import TODAY


def _pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def _every_pdf(services, tmp_path) -> dict[str, bytes]:
    st = services.statements
    out = {}
    issued = st.issue("2026Q2", partner="EDM", today=TODAY)[0].statement
    out["issued statement"] = st.pdf(issued.number)
    draft = st.draft("2026Q2", partner="MLT", today=TODAY)[0]
    out["draft statement"] = st.preview(draft.id, today=TODAY)
    out["credit note"] = st.pdf(st.credit_note(issued.number, "rate corrected", 1000, today=TODAY).number)
    out["statement of account"] = services.payments.write_account("EDM", tmp_path / "acct.pdf",
                                                                  as_of=TODAY).read_bytes()
    out["emergency sheet"] = services.directory.sheet_pdf("full", today=TODAY)
    out["wallet card"] = services.directory.sheet_pdf("wallet", today=TODAY)
    return out


@pytest.mark.parametrize("demo", [True, False], ids=["demo", "own region"])
def test_every_page_of_every_pdf_says_demo_only_on_the_demo_database(demo_ctx, tmp_path, demo):
    services = demo_ctx.services
    if not demo:  # the same region, in a database that is not the demo
        services.demo.db.set_meta(DEMO_KEY, None)
    assert services.demo.is_demo() is demo
    for what, pdf in _every_pdf(services, tmp_path).items():
        pages = _pages(pdf)
        assert pages, what
        for n, text in enumerate(pages, 1):
            assert ("DEMO" in text) is demo, f"{what}, page {n}"


def test_an_issued_demo_statement_stays_sealed_with_its_mark(demo_ctx, tmp_path):
    st = demo_ctx.services.statements
    number = st.issue("2026Q2", partner="EDM", today=TODAY)[0].statement.number
    path = st.write_pdf(number, tmp_path / "edm.pdf")
    assert "DEMO" in _pages(path.read_bytes())[0]
    result = st.verify(number, path)
    assert result.ok, result
