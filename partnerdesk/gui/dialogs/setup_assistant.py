"""The setup assistant (issue 16): your agency (who you are, then billing), your partners, optionally a first
agreement with its rates and a contacts import. Every step but the agency's name and code can be skipped, and the assistant comes back
from File ▸ Set up my agency… to edit any of it. Each step saves through one service call when you go on."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QPushButton, QVBoxLayout, QWidget, QWizard, QWizardPage)

from partnerdesk.errors import UserError, ValidationError
from partnerdesk.gui.dialogs.agency_form import KINDS, AgencyForm
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.palette import span
from partnerdesk.container import Services

# Mnemonics on these pages avoid N, B and F: the assistant's own Next, Back and Finish.


class AgencyPage(QWizardPage):
    """Your agency, in two steps (IDENTITY, then BILLING): each saves its part when you go on."""

    TEXT = {AgencyForm.IDENTITY: ("Your agency", "Who you are, as your statements print it. Only the legal name and "
                                  "the short code are needed now; the rest can wait (File ▸ Set up my agency… "
                                  "brings this back)."),
            AgencyForm.BILLING: ("Your agency: billing", "Who answers questions about your statements, where and "
                                 "how partners pay you, your BARS codes and your logo. All optional.")}

    def __init__(self, services: Services, part: str = AgencyForm.IDENTITY, parent=None):
        super().__init__(parent)
        self.services = services
        self.setTitle(self.TEXT[part][0])
        self.setSubTitle(self.TEXT[part][1])
        self.form = AgencyForm(services, part, self)
        QVBoxLayout(self).addWidget(self.form)

    def initializePage(self) -> None:
        home = self.services.agencies.home()
        if home is not None:
            self.form.set_values(home)
        next(iter(self.form.fields.values())).setFocus()

    def validatePage(self) -> bool:
        values = self.form.values()
        home = self.services.agencies.home()
        try:
            if home is not None:
                home = self.services.agencies.update(home.id, **values)
            else:
                home = self.services.agencies.create(is_home=True, **values)
        except UserError as exc:
            self.form.show_problem(exc)
            return False
        self.form.clear_problem()
        self.wizard().saved.append(f"your agency, {home.name} ({home.code})")
        return True


class _AddOnEnter(QLineEdit):
    """A line edit where Enter adds the partner (instead of going to the next step)."""

    def __init__(self, add, parent: QWidget):
        super().__init__(parent)
        self.add = add

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            event.accept()
            self.add()
            return
        super().keyPressEvent(event)


class PartnersPage(QWizardPage):
    def __init__(self, services: Services, parent=None):
        super().__init__(parent)
        self.services = services
        self.setTitle("Your partners")
        self.setSubTitle("The agencies you trade favours with. Add them one by one (Enter adds), or import a CSV "
                         "with a code and a name column. More can be added later.")
        self.name = _AddOnEnter(self.add_partner, self)
        self.name.setPlaceholderText("City of Shelbyville")
        self.name.setAccessibleName("Partner's legal name")
        self.code = _AddOnEnter(self.add_partner, self)
        self.code.setPlaceholderText("suggested from the name")
        self.code.setAccessibleName("Partner's short code")
        self.kind = QComboBox(self)
        for label, value in KINDS:
            self.kind.addItem(label, value)
        self.kind.setAccessibleName("Partner's kind")
        add = QPushButton("&Add partner", self)
        add.clicked.connect(self.add_partner)
        importer = QPushButton("&Import a CSV of agencies…", self)
        importer.clicked.connect(self.import_csv)
        form = QFormLayout()
        form.addRow("&Legal name:", self.name)
        form.addRow("Short &code:", self.code)
        form.addRow("&Kind:", self.kind)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(importer)
        row.addStretch(1)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Partners")
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(row)
        lay.addWidget(self.message)
        caption = QLabel("&Partners so far:", self)
        caption.setBuddy(self.list)
        lay.addWidget(caption)
        lay.addWidget(self.list, 1)

    def initializePage(self) -> None:
        self._refresh()
        self.name.setFocus()

    def _refresh(self) -> None:
        self.list.clear()
        for a in self.services.agencies.list(include_retired=False):
            if not a.is_home:
                self.list.addItem(f"{a.name} ({a.code})")

    def add_partner(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.message.setText(span("Type the partner's legal name first.", "bad"))
            self.name.setFocus()
            return
        try:
            code = self.code.text().strip() or self.services.agencies.suggest_code(name)
            a = self.services.agencies.create(name=name, code=code, kind=self.kind.currentData())
        except UserError as exc:
            self.message.setText(span(str(exc), "bad"))
            (self.code if getattr(exc, "field", None) == "code" else self.name).setFocus()
            return
        self.wizard().saved.append(f"partner {a.code}")
        self.message.setText(f"Added {a.name} as {a.code}.")
        self.name.clear()
        self.code.clear()
        self._refresh()
        self.name.setFocus()

    def import_csv(self) -> None:
        path = FilePicker.open_file(self, "Import a CSV of agencies", "CSV files (*.csv *.txt);;All files (*)")
        if not path:
            return
        try:
            added = self.services.agencies.import_csv(path)
        except UserError as exc:
            self.message.setText(span(str(exc), "bad"))
            return
        self.wizard().saved.append(f"{len(added)} partners imported")
        self.message.setText(f"Imported {len(added)} agencies: {', '.join(a.code for a in added)}.")
        self._refresh()


class AgreementPage(QWizardPage):
    def __init__(self, services: Services, parent=None):
        super().__init__(parent)
        self.services = services
        self.created: str | None = None  # the number saved, once saved (Back then Next does not add it twice)
        self.rates_added: set[str] = set()
        self.setTitle("Your first agreement (optional)")
        self.setSubTitle("The interlocal agreement hours are logged under, with each side's hourly rate. Leave the "
                         "number empty to skip this step.")
        self.number = QLineEdit(self)
        self.number.setPlaceholderText("ILA-2026-01")
        self.partner = QComboBox(self)
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText("IT mutual support")
        self.start = QLineEdit(self)
        self.end = QLineEdit(self)
        self.end.setPlaceholderText("YYYY-MM-DD, or empty: open-ended")
        self.filed = QLineEdit(self)
        self.filed.setPlaceholderText("county auditor no. or web listing (needed before billing, RCW 39.34.040)")
        self.cap = QLineEdit(self)
        self.cap.setPlaceholderText("not-to-exceed $ per fiscal year, or empty")
        self.offsets = QCheckBox("&Offsets: hours they give us are credited on our statements", self)
        self.our_rate = QLineEdit(self)
        self.our_rate.setPlaceholderText("$ per hour our staff bill")
        self.their_rate = QLineEdit(self)
        self.their_rate.setPlaceholderText("$ per hour their staff bill")
        form = QFormLayout()
        for label, w, name in (("Agreement n&umber:", self.number, "Agreement number"),
                               ("&Partner:", self.partner, "Partner"), ("&Title:", self.title_edit, "Title"),
                               ("&Starts:", self.start, "Starts"), ("&Ends:", self.end, "Ends"),
                               ("Filing &reference:", self.filed, "Filing reference"), ("&Cap:", self.cap, "Cap"),
                               ("", self.offsets, "Offsets"), ("Our hourly r&ate:", self.our_rate, "Our hourly rate"),
                               ("Their &hourly rate:", self.their_rate, "Their hourly rate")):
            w.setAccessibleName(name)
            form.addRow(label, w)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addStretch(1)

    def initializePage(self) -> None:
        today = self.services.clock.today()
        if not self.start.text():
            self.start.setText(today.replace(month=1, day=1).isoformat())
        current = self.partner.currentData()
        self.partner.clear()
        for a in self.services.agencies.list(include_retired=False):
            if not a.is_home:
                self.partner.addItem(f"{a.name} ({a.code})", a.code)
        self.partner.setCurrentIndex(max(self.partner.findData(current), 0))
        self.number.setFocus()

    def _cents(self, edit: QLineEdit, field: str) -> int | None:
        from partnerdesk.gui.dialogs.agreement_edit import money_cents

        return money_cents(edit.text(), field)

    def validatePage(self) -> bool:
        number = self.number.text().strip()
        if not number:
            return True  # skipped
        try:
            partner = self.partner.currentData()
            if partner is None:
                raise ValidationError("partner: add a partner on the previous step first", "partner")
            home = self.services.agencies.home()
            our, theirs = self._cents(self.our_rate, "our rate"), self._cents(self.their_rate, "their rate")
            cap = self._cents(self.cap, "cap")
            if self.created != number:
                self.services.agreements.create(
                    parties=[(home.code, "both"), (partner, "both")], number=number,
                    title=self.title_edit.text().strip() or f"Interlocal agreement with {partner}",
                    effective_date=self.start.text().strip(), expiry_date=self.end.text().strip() or None,
                    filing_reference=self.filed.text().strip() or None, cap_cents=cap,
                    offset_allowed=self.offsets.isChecked())
                self.created = number
                self.wizard().saved.append(f"agreement {number}")
            for provider, cents in ((home.code, our), (partner, theirs)):
                if cents is not None and provider not in self.rates_added:
                    self.services.agreements.add_rate(number, provider=provider, hourly_rate_cents=cents,
                                                      effective_from=self.start.text().strip())
                    self.rates_added.add(provider)
        except UserError as exc:
            self.message.setText(span(str(exc), "bad"))
            return False
        self.message.setText("")
        return True


class ContactsPage(QWizardPage):
    def __init__(self, services: Services, parent=None):
        super().__init__(parent)
        self.services = services
        self.setTitle("Your contacts (optional)")
        self.setSubTitle("The people to call at each agency, from a vCard file or a CSV export of Outlook or Google "
                         "Contacts. Each contact's company is matched to the agencies above.")
        button = self.button = QPushButton("&Import contacts…", self)
        button.clicked.connect(self.import_contacts)
        self.message = QLabel("Nothing imported yet. Skip this step if you like: Directory ▸ Import does the same "
                              "later.", self)
        self.message.setWordWrap(True)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(button)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.message)
        lay.addStretch(1)

    def import_contacts(self) -> None:
        from partnerdesk.gui.dialogs.import_dialog import AGENCIES_NAMED, ImportDialog

        dlg = ImportDialog(self.services, self)
        self.open_dialog = dlg
        if dlg.exec() and dlg.result:
            self.message.setText(dlg.result.summary(agencies_named=AGENCIES_NAMED))
            self.wizard().saved.append("contacts imported")


class DonePage(QWizardPage):
    def __init__(self, services: Services, parent=None):
        super().__init__(parent)
        self.services = services
        self.setTitle("Ready")
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        QVBoxLayout(self).addWidget(self.summary)

    def initializePage(self) -> None:
        home = self.services.agencies.home()
        partners = [a for a in self.services.agencies.list(include_retired=False) if not a.is_home]
        agreements = self.services.agreements.list()
        lines = [f"<b>{home.name}</b> ({home.code}) is your agency." if home else "",
                 f"{len(partners)} partner{'s' if len(partners) != 1 else ''}: "
                 + (", ".join(a.code for a in partners) or "none yet") + ".",
                 f"{len(agreements)} agreement{'s' if len(agreements) != 1 else ''}."]
        missing = [label for label, value in (("UBI", home and home.ubi), ("billing contact",
                                              home and home.billing_contact_name),
                                              ("remit-to address", home and (home.remit_to or home.address)))
                   if not value]
        if missing:
            lines.append(span("Your statements will lack: " + ", ".join(missing) + ". Add them any time from File ▸ "
                              "Set up my agency….", "warn"))
        lines.append("Finish opens the Dashboard. Ctrl+L logs hours.")
        self.summary.setText("<br><br>".join(x for x in lines if x))


class SetupAssistant(QWizard):
    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.saved: list[str] = []  # what each step saved, for the status bar
        self.setWindowTitle("Set up PartnerDesk")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)  # the same on every platform (and in docs/)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.pages = {}
        for key, page in (("agency", AgencyPage(services, AgencyForm.IDENTITY, self)),
                          ("billing", AgencyPage(services, AgencyForm.BILLING, self)),
                          ("partners", PartnersPage(services, self)), ("agreement", AgreementPage(services, self)),
                          ("contacts", ContactsPage(services, self)), ("done", DonePage(services, self))):
            self.pages[key] = page
            self.addPage(page)
        self.currentIdChanged.connect(self._page_changed)
        self.resize(820, 600)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._buttons_last()  # QWizard laid its buttons out as it was shown

    def _page_changed(self, page_id: int) -> None:
        if page_id >= 0:  # -1: the assistant is being taken apart
            QTimer.singleShot(0, self, self._buttons_last)  # after QWizard's own layout; dropped if we are gone

    def _buttons_last(self) -> None:
        """Tab reads down the step, then the buttons: QWizard puts its buttons right after the page frame,
        before the steps' fields (again each time it lays them out), so they go after the last field."""
        if "contacts" not in getattr(self, "pages", {}):
            return  # still being built
        last = self.pages["contacts"].button  # the last widget Tab can stop at on any step
        b = QWizard.WizardButton
        previous = last
        for which in (b.NextButton, b.CommitButton, b.FinishButton, b.CancelButton):
            QWidget.setTabOrder(previous, self.button(which))
            previous = self.button(which)
        QWidget.setTabOrder(last, self.button(b.BackButton))  # Back before Next (Qt refuses it as the first move)
