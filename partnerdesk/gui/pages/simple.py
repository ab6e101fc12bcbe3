"""Directory, Agreements, Hours, Statements and Sync pages (first versions: real data, plain tables)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from partnerdesk.gui import format as fmt
from partnerdesk.gui.models.table_model import Column
from partnerdesk.gui.pages.base import TablePage


class DirectoryPage(TablePage):
    title = "Directory"
    search_placeholder = "Search name, agency, skill, phone…"
    columns = (
        Column("Name", lambda c: c.name),
        Column("Agency", lambda c: c.agency_name),
        Column("Title", lambda c: c.title),
        Column("Work", lambda c: c.work_phone),
        Column("Mobile", lambda c: c.mobile_phone),
        Column("After hours", lambda c: c.after_hours_phone),
        Column("Esc.", lambda c: c.escalation_order, align_right=True, tooltip="Escalation order"),
        Column("Skills", lambda c: ", ".join(c.skills)),
    )

    def footer_noun(self) -> str:
        return "contacts"

    def fetch(self):
        return self.services.contacts.list()

    def apply(self, data) -> None:
        def hay(c):
            import re

            phones = [p for p in (c.work_phone, c.mobile_phone, c.after_hours_phone) if p]
            return " ".join([c.name, c.agency_name, c.agency_code, c.title or "", " ".join(c.skills), c.notes or "",
                             c.on_call_notes or "", *phones, *(re.sub(r"\D", "", p) for p in phones)])

        self.model.set_rows(data, hay)


class AgreementsPage(TablePage):
    title = "Agreements"
    search_placeholder = "Search agreements…"
    columns = (
        Column("Number", lambda a: a.number),
        Column("Title", lambda a: a.title),
        Column("Status", lambda a: a.status,
               color=lambda a: {"expired": "#b3261e", "unfiled": "#a15c00", "expiring": "#a15c00",
                                "draft": "#666666"}.get(a.status)),
        Column("Kind", lambda a: a.kind.replace("_", " ")),
        Column("Parties", lambda a: a.party_codes),
        Column("Effective", lambda a: a.effective_date),
        Column("Expires", lambda a: a.expiry_date),
        Column("Cap $", lambda a: a.cap_cents, lambda v: fmt.money(v) if v else "", align_right=True),
        Column("Cap hours", lambda a: a.cap_minutes, lambda v: f"{v // 60:,}" if v else "", align_right=True),
        Column("Offset", lambda a: a.offset_allowed),
        Column("Filing reference", lambda a: a.filing_reference),
    )

    def footer_noun(self) -> str:
        return "agreements"

    def fetch(self):
        return self.services.agreements.list()


class HoursPage(TablePage):
    title = "Hours"
    search_placeholder = "Filter hours…"
    default_sort = (0, Qt.SortOrder.DescendingOrder)
    columns = (
        Column("Date", lambda e: e.work_date),
        Column("Direction", lambda e: e.direction, fmt.direction),
        Column("Partner", lambda e: e.partner_code),
        Column("Category", lambda e: e.category_code),
        Column("Staff", lambda e: e.staff_name),
        Column("Hours", lambda e: e.minutes, fmt.hours, align_right=True),
        Column("Amount", lambda e: e.amount_cents, fmt.money, align_right=True),
        Column("Status", lambda e: e.status),
        Column("Agreement", lambda e: e.agreement_number),
        Column("Description", lambda e: e.description),
    )

    def footer_noun(self) -> str:
        return "entries"

    def fetch(self):
        fy = self.services.balances.current_fiscal_year()
        return self.services.hours.list(fiscal_year=fy)


class PlaceholderPage(TablePage):
    """A page whose feature has not landed yet: it says so plainly."""

    message = ""

    def __init__(self, services, parent=None):
        super().__init__(services, parent)
        self.set_subtitle(self.message)
        self.ui.search.setVisible(False)

    def fetch(self):
        return []


class StatementsPage(PlaceholderPage):
    title = "Statements"
    message = ("Quarterly intergovernmental billing statements are drafted, issued and printed here. "
               "No statement has been issued from this database yet.")
    columns = (Column("Number", lambda s: s), Column("Partner", lambda s: s), Column("Period", lambda s: s))


class SyncPage(PlaceholderPage):
    title = "Sync"
    message = ("Sync through a shared network folder is not set up for this database. "
               "Your data stays on this computer.")
    columns = (Column("Node", lambda s: s), Column("Last seen", lambda s: s))
