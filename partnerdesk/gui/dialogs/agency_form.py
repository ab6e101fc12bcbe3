"""The fields of an agency (the setup assistant's first step): names, letterhead, billing contact, remittance,
logo. The form only reads and shows values; saving is the caller's one service call."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QVBoxLayout, QWidget)

from partnerdesk.domain.dto import AgencyDTO
from partnerdesk.errors import UserError
from partnerdesk.gui.dialogs.files import FilePicker
from partnerdesk.gui.palette import span

KINDS = (("City", "city"), ("County", "county"), ("Town", "town"), ("District", "district"), ("Tribe", "tribe"),
         ("State agency", "state"), ("Other", "other"))
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _block(parent: QWidget, placeholder: str, lines: int = 3) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
    edit.setPlaceholderText(placeholder)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    return edit


class AgencyForm(QWidget):
    """The fields a statement prints about your agency, in two parts (one per step of the assistant, so Tab
    reads straight down): IDENTITY (names, address, ids, fiscal year) and BILLING (billing contact,
    remittance, EFT, BARS codes, logo). Mnemonics avoid N, B and F (the assistant's Next, Back and Finish)."""

    IDENTITY, BILLING = "identity", "billing"

    def __init__(self, services, part: str = IDENTITY, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.part = part
        self.logo: bytes | None = None
        self.remove_logo: QPushButton | None = None
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setHorizontalSpacing(12)

        def line(key, label, placeholder="", accessible=None):
            w = QLineEdit(self)
            w.setPlaceholderText(placeholder)
            w.setAccessibleName(accessible or label.replace("&", "").rstrip(":* "))
            form.addRow(label, w)
            self.fields[key] = w
            return w

        if part == self.IDENTITY:
            line("name", "&Legal name: *", "City of Springfield")
            line("code", "Short &code: *", "SPR — 2 to 12 letters, used in statement numbers")
            kind = QComboBox(self)
            for label, value in KINDS:
                kind.addItem(label, value)
            kind.setAccessibleName("Kind")
            form.addRow("&Kind:", kind)
            self.fields["kind"] = kind
            address = _block(self, "Street address, one line each (printed on your letterhead)")
            address.setAccessibleName("Address")
            form.addRow("&Address:", address)
            self.fields["address"] = address
            line("phone", "&Phone:", "(360) 555-0100")
            line("website", "&Website:", "https://www.springfield.gov")
            line("ubi", "&UBI:", "601-234-567 (Washington Unified Business Identifier)")
            line("ein", "&EIN:", "91-1234567 (federal Employer Identification Number)")
            month = QComboBox(self)
            for i, m in enumerate(MONTHS, 1):
                month.addItem(m, i)
            month.setAccessibleName("Fiscal year starts in")
            form.addRow("Fiscal &year starts:", month)
            self.fields["fy_start_month"] = month
        else:
            line("billing_contact_name", "Bill&ing contact:", "who answers questions about your statements",
                 "Billing contact name")
            line("billing_contact_email", "Billing e-&mail:")
            line("billing_contact_phone", "Billing p&hone:")
            remit = _block(self, "Where payments go (e.g. Finance Department, PO Box)", lines=4)
            remit.setAccessibleName("Remit to")
            form.addRow("&Remit to:", remit)
            self.fields["remit_to"] = remit
            eft = _block(self, "Bank, routing and account for EFT/ACH payments")
            eft.setAccessibleName("EFT details")
            form.addRow("EFT detail&s:", eft)
            self.fields["eft_instructions"] = eft
            line("bars_revenue_code", "BARS re&venue code:", "338.18 (intergovernmental services)")
            line("bars_expense_code", "BARS e&xpense code:", "518.81.41 (what partners book it under)")
            self.logo_preview = QLabel("(no logo)", self)
            self.logo_preview.setFixedSize(72, 72)
            self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.logo_preview.setObjectName("logoPreview")
            choose = QPushButton("Choose l&ogo…", self)
            choose.setAccessibleName("Choose logo")
            choose.clicked.connect(self.choose_logo)
            self.remove_logo = QPushButton("Remove logo", self)
            self.remove_logo.clicked.connect(lambda: self.set_logo(None))
            logo_row = QHBoxLayout()
            logo_row.addWidget(self.logo_preview)
            logo_row.addWidget(choose)
            logo_row.addWidget(self.remove_logo)
            logo_row.addStretch(1)
            form.addRow("Logo (PNG or JPEG):", logo_row)

        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addStretch(1)
        if part == self.BILLING:
            self.set_logo(None)

    # -- values ------------------------------------------------------------------------------------
    def values(self) -> dict:
        out = {}
        for key, w in self.fields.items():
            if isinstance(w, QComboBox):
                out[key] = w.currentData()
            elif isinstance(w, QPlainTextEdit):
                out[key] = w.toPlainText()
            else:
                out[key] = w.text()
        if self.part == self.BILLING:
            out["logo_image"] = self.logo
        return out

    def set_values(self, a: AgencyDTO) -> None:
        for key, w in self.fields.items():
            value = getattr(a, key)
            if isinstance(w, QComboBox):
                w.setCurrentIndex(max(w.findData(value), 0))
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(value or "")
            else:
                w.setText(value or "")
        if self.part == self.BILLING:
            self.set_logo(a.logo_image)

    # -- logo ----------------------------------------------------------------------------------------
    def choose_logo(self) -> None:
        path = FilePicker.open_file(self, "Choose your agency's logo", "Images (*.png *.jpg *.jpeg)")
        if not path:
            return
        try:
            self.set_logo(self.services.agencies.logo_from_file(path))
        except UserError as exc:
            self.show_problem(exc)

    def set_logo(self, data: bytes | None) -> None:
        self.logo = data or None
        self.remove_logo.setEnabled(self.logo is not None)
        if self.logo is None:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("(no logo)")
            return
        pix = QPixmap()
        pix.loadFromData(self.logo)
        # drawn at the screen's device pixels, aspect kept (the user's image, the one raster picture here)
        self.logo_preview.setPixmap(QIcon(pix).pixmap(QSize(68, 68), self.devicePixelRatioF()))

    # -- problems -----------------------------------------------------------------------------------
    def show_problem(self, exc: BaseException) -> None:
        """One line in red; the field it names gets the focus."""
        self.error.setText(span(str(exc), "bad"))
        field = getattr(exc, "field", None)
        widget = self.fields.get("logo_image" if field == "logo" else field or "")
        if widget is not None:
            widget.setFocus()

    def clear_problem(self) -> None:
        self.error.setText("")
