"""Every dialog of the GUI, built on a main window's services (for the desktop-manners tests and
tools/render_gui.py). Standard Qt dialogs (message boxes, file pickers, input and progress dialogs) are not
ours to name and are left out."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterator

HOURS_CSV = ("Date,Partner,Direction,Hours,Staff,Category,Description\n"
             "2026-11-02,EDM,we helped,2,Pat Doe,NET,Core switch\n"
             "2026-11-03,SNO,they helped,1.5,Lee Kim,PHONE,PBX restore\n")


def open_each_dialog(window) -> Iterator[tuple[str, object]]:
    """(name, dialog) for each dialog, built but not shown; the caller shows, inspects and closes it."""
    from partnerdesk.gui.dialogs.about import AboutDialog
    from partnerdesk.gui.dialogs.account import AccountDialog
    from partnerdesk.gui.dialogs.agencies import AgenciesDialog, AgencyDialog
    from partnerdesk.gui.dialogs.agreement_edit import AgreementDialog, EndRateDialog, RateDialog
    from partnerdesk.gui.dialogs.backup import BackupDialog, RestoreDialog
    from partnerdesk.gui.dialogs.contact_dialog import ContactDialog
    from partnerdesk.gui.dialogs.entry_edit import EntryEditDialog
    from partnerdesk.gui.dialogs.export_dialog import ExportDialog
    from partnerdesk.gui.dialogs.hours_import import HoursImportDialog
    from partnerdesk.gui.dialogs.import_dialog import ImportDialog
    from partnerdesk.gui.dialogs.incidents import IncidentDialog, IncidentsDialog, InvoiceDialog, PayRatesDialog
    from partnerdesk.gui.dialogs.quick_log import QuickLogDialog
    from partnerdesk.gui.dialogs.statement_actions import CreditNoteDialog, PaymentDialog, VoidDialog
    from partnerdesk.gui.dialogs.welcome import WelcomeDialog

    sv = window.services
    contact = sv.contacts.list()[0]
    agreement = sv.agreements.list()[0]
    entry = sv.hours.list()[0]
    csv = Path(tempfile.mkdtemp(prefix="partnerdesk-dialogs-")) / "hours.csv"
    csv.write_text(HOURS_CSV, encoding="utf-8")
    yield "quick-log", QuickLogDialog(sv, window)
    yield "contact-new", ContactDialog(sv, None, window)
    yield "contact-edit", ContactDialog(sv, contact, window)
    yield "agreement-new", AgreementDialog(sv, None, window)
    yield "agreement-edit", AgreementDialog(sv, agreement, window)
    yield "rate", RateDialog(sv, agreement, window)
    yield "rate-end", EndRateDialog(sv, agreement, sv.agreements.rates(agreement.number)[0], window)
    yield "agencies", AgenciesDialog(sv, window)
    yield "agency-new", AgencyDialog(sv, None, window)
    yield "agency-edit", AgencyDialog(sv, sv.agencies.list()[1], window)
    yield "entry-edit", EntryEditDialog(sv, entry, window)
    yield "contacts-export", ExportDialog(window)
    yield "contacts-import", ImportDialog(sv, window)
    yield "hours-import", HoursImportDialog(sv, window.ctx.settings, csv, window)
    yield "incidents", IncidentsDialog(sv, window)
    incident = next((i for i in sv.incidents.list() if i.declaration), None)  # the demo's windstorms
    yield "incident-new", IncidentDialog(sv, None, window)
    if incident is not None:
        yield "incident-edit", IncidentDialog(sv, incident, window)
        yield "incident-invoice", InvoiceDialog(sv, incident, window)
    yield "pay-rates", PayRatesDialog(sv, window)
    yield "about", AboutDialog(window.ctx.paths, window)
    yield "welcome", WelcomeDialog("partnerdesk.sqlite3", window)
    yield "backup", BackupDialog(window)
    yield "restore", RestoreDialog(window, None)  # lists the backups in a worker
    yield "statement-account", AccountDialog(sv, "EDM", window)
    issued = [s for s in sv.statements.list() if s.status not in ("draft", "void") and s.balance_cents > 0]
    if issued:  # tools/render_gui.py issues the last quarter's statements before it opens the dialogs
        yield "statement-payment", PaymentDialog(sv, issued[0], window)
        yield "statement-credit", CreditNoteDialog(sv, issued[0], window)
        yield "statement-void", VoidDialog(sv, issued[0], window)
    # the setup assistant (a QWizard) is checked in test_setup_assistant.py, page by page, and deleted there
