"""The directory use cases in one place for the GUI and CLI: search, import, export, the emergency sheet
and the outage kit (sheet PDF + wallet card + vCard + a self-contained directory.html)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from partnerdesk.db.uow import Database
from partnerdesk.domain.directory import ImportResult, OutageKit, SearchHit
from partnerdesk.errors import UserError
from partnerdesk.services.agencies import AgencyService
from partnerdesk.services.audit import AuditService
from partnerdesk.services.base import DEMO_KEY
from partnerdesk.services.contact_export import EXPORT_FORMATS, to_outlook_csv, to_vcard, write_atomic
from partnerdesk.services.contact_import import ContactImporter
from partnerdesk.services.contacts import ContactService
from partnerdesk.services.search import SearchService


class DirectoryService:
    def __init__(self, db: Database):
        self.db = db
        self.contacts = ContactService(db)
        self.agencies = AgencyService(db)
        self.searcher = SearchService(db)
        self.importer = ContactImporter(db)

    # search
    def search(self, text: str, limit: int = 50, include_personal: bool = False) -> list[SearchHit]:
        return self.searcher.search(text, limit=limit, include_personal=include_personal)

    # import
    def import_file(self, path: Path | str, fmt: str = "auto", dry_run: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> ImportResult:
        return self.importer.import_file(path, fmt, dry_run=dry_run, progress=progress)

    def preview_import(self, path: Path | str, fmt: str = "auto") -> ImportResult:
        return self.importer.preview(path, fmt)

    # export
    def export(self, path: Path | str, fmt: str = "vcard", include_personal: bool = False,
               progress: Callable[[int, int], None] | None = None) -> int:
        """``progress(done, total)``: contacts read, file made, file written."""
        path = Path(path)
        if fmt not in EXPORT_FORMATS:
            raise UserError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, not '{fmt}'")
        step = progress or (lambda done, total: None)
        step(0, 3)
        contacts = self.contacts.list()
        step(1, 3)
        text = to_vcard(contacts, include_personal) if fmt == "vcard" else to_outlook_csv(contacts, include_personal)
        step(2, 3)
        write_atomic(path, text.encode("utf-8"))
        step(3, 3)
        if include_personal:
            self._record_personal("contacts export", path, fmt, len(contacts))
        return len(contacts)

    def _record_personal(self, what: str, path: Path, fmt: str, count: int) -> None:
        AuditService(self.db).record(
            "export_personal", "contact",
            summary=f"{what} to {path.name} included personal numbers and on-call notes",
            details={"file": str(path), "format": fmt, "contacts": count})

    # emergency sheet
    def sheet_data(self, include_personal: bool = False, today: date | None = None):
        from partnerdesk.reports.contact_sheet import SheetData

        return SheetData(contacts=tuple(self.contacts.list()), agencies=tuple(self.agencies.list()),
                         home=self.agencies.home(), today=today or self.db.clock.today(), generated=self.db.clock.local_now(),
                         include_personal=include_personal, demo=self._is_demo())

    def _is_demo(self) -> bool:
        return self.db.meta(DEMO_KEY) == "1"

    def sheet_pdf(self, layout: str = "full", include_personal: bool = False, today: date | None = None,
                  progress: Callable[[int, int], None] | None = None) -> bytes:
        """``progress(done, total)``: the contacts read, the PDF drawn."""
        from partnerdesk.reports.contact_sheet import LAYOUTS, render

        if layout not in LAYOUTS:
            raise UserError(f"--layout must be one of {', '.join(LAYOUTS)}, not '{layout}'")
        step = progress or (lambda done, total: None)
        step(0, 3)
        data = self.sheet_data(include_personal, today)
        step(1, 3)
        pdf = render(data, layout)
        step(2, 3)
        return pdf

    def write_sheet(self, path: Path | str, layout: str = "full", include_personal: bool = False,
                    today: date | None = None, progress: Callable[[int, int], None] | None = None) -> Path:
        path = Path(path)
        pdf = self.sheet_pdf(layout, include_personal, today, progress)
        write_atomic(path, pdf)
        if progress is not None:
            progress(3, 3)
        if include_personal:
            self._record_personal("emergency sheet", path, f"pdf-{layout}", self.contacts.count())
        return path

    # outage kit
    def outage_kit(self, directory: Path | str, include_personal: bool = False,
                   today: date | None = None, progress: Callable[[int, int], None] | None = None) -> OutageKit:
        """The four files for a power or network outage; ``progress(done, total)`` as each is written."""
        from partnerdesk.reports.directory_html import render_html

        d = Path(directory)
        if d.exists() and not d.is_dir():
            raise UserError(f"{d}: exists and is not a folder")
        d.mkdir(parents=True, exist_ok=True)
        step = progress or (lambda done, total: None)
        step(0, 5)
        data = self.sheet_data(include_personal, today)
        step(1, 5)
        from partnerdesk.reports.contact_sheet import render

        sheet, wallet = d / "emergency-contacts.pdf", d / "emergency-wallet-card.pdf"
        vcf, html = d / "contacts.vcf", d / "directory.html"
        write_atomic(sheet, render(data, "full"))
        step(2, 5)
        write_atomic(wallet, render(data, "wallet"))
        step(3, 5)
        write_atomic(vcf, to_vcard(data.contacts, include_personal).encode("utf-8"))
        step(4, 5)
        write_atomic(html, render_html(data).encode("utf-8"))
        step(5, 5)
        if include_personal:
            self._record_personal("outage kit", d, "outage-kit", len(data.contacts))
        return OutageKit(d, sheet, wallet, vcf, html, len(data.contacts))
