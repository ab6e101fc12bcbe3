"""Local file leak (issue 14, "Under attack"): a synced ``logo_path`` made the billing PC embed a private local
file in a frozen PDF that then went to everyone. A logo is an image kept in the database (PNG or JPEG,
checked); a path or bytes that are no image are refused at sync, listed, and never reach a PDF."""

from __future__ import annotations

import base64
import io

from PIL import Image
from sqlalchemy import select

from partnerdesk.db.models import Agency
from partnerdesk.domain.periods import Quarter
from tests.sync.conftest import sync_all
from tests.sync.test_frozen_through_sync import _forge
from tests.sync.test_invalid_values import _cli


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(buf, "PNG")
    return buf.getvalue()


def test_a_synced_path_or_non_image_never_gets_into_a_pdf(make_node, share, demo_template, tmp_path, capsys):
    a = make_node("lyn", template=demo_template)
    b = make_node("desk")
    a.sync.init(share)
    b.sync.join(share)
    sync_all([a, b])
    private = tmp_path / "private"
    private.mkdir()
    secret = private / "scan-of-a-signature.png"
    secret.write_bytes(_png(61, 37))  # a size no letterhead logo has: easy to find in a PDF
    keyfile = private / "id_ed25519"
    keyfile.write_bytes(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n")
    with a.db.read() as s:
        home = s.scalar(select(Agency).where(Agency.is_home.is_(True)))
        home_id, logo_before = home.id, home.logo_image
    _forge(b, "agency", home_id, {"logo_path": str(secret)})
    _forge(b, "agency", home_id, {"logo_image": {"$b64": base64.b64encode(keyfile.read_bytes()).decode()}})
    sync_all([b, a])

    with a.db.read() as s:
        assert s.get(Agency, home_id).logo_image == logo_before
    refused = {q.name.split("/")[-1]: q for q in a.sync.status().quarantine if q.status == "invalid"}
    assert {"logo_path", "logo_image"} <= set(refused) and refused["logo_path"].node == b.db.node_id
    assert "image" in refused["logo_image"].reason

    out = tmp_path / "out"
    out.mkdir()
    quarter = str(Quarter.of(a.db.clock.today()).previous())
    code, text = _cli(capsys, a, "statements", "issue", "--quarter", quarter, "--all", "--out", str(out))
    assert code == 0, text
    pdfs = list(out.glob("*.pdf"))
    assert pdfs
    for p in pdfs:
        data = p.read_bytes()
        assert b"/Width 61" not in data and b"OPENSSH" not in data, p.name


def test_a_logo_is_read_once_from_the_file_and_drawn_from_the_database(make_node, tmp_path, capsys):
    a = make_node("lyn")
    logo = tmp_path / "logo.png"
    logo.write_bytes(_png(59, 41))
    assert _cli(capsys, a, "agencies", "add", "LYN", "--name", "City of Lynnwood", "--home", "--logo",
                str(logo))[0] == 0
    logo.unlink()  # the database holds the image itself: no path to the file is kept
    with a.db.read() as s:
        assert s.scalar(select(Agency.logo_image).where(Agency.code == "LYN")) == _png(59, 41)
    assert not hasattr(Agency, "logo_path")


def test_the_statement_letterhead_draws_the_stored_image():
    from types import SimpleNamespace

    from reportlab.platypus import Image as ImageFlowable

    from partnerdesk.reports.statement import _logo

    drawn = _logo(SimpleNamespace(issuer=SimpleNamespace(logo_image=_png(59, 41), code="LYN")))
    assert isinstance(drawn, ImageFlowable) and (drawn.imageWidth, drawn.imageHeight) == (59, 41)
    assert not isinstance(_logo(SimpleNamespace(issuer=SimpleNamespace(logo_image=None, code="LYN"))),
                          ImageFlowable)  # no image: the name mark
