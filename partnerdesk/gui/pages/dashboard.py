"""Dashboard: where every partnership stands this fiscal year."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from partnerdesk.domain.dto import BalanceDTO
from partnerdesk.domain.wording import nouns, plural
from partnerdesk.gui import format as fmt
from partnerdesk.gui.models.table_model import Column
from partnerdesk.gui.pages.base import TablePage


@dataclass(frozen=True)
class DashboardData:
    fiscal_year: int
    balances: list[BalanceDTO]
    by_quarter: list[dict] = field(default_factory=list)


def _net_color(b: BalanceDTO) -> str | None:
    return "good" if b.net_cents > 0 else "bad" if b.net_cents < 0 else None  # palette roles


def _cap_color(b: BalanceDTO) -> str | None:
    p = b.cap_used_percent
    return None if p is None else "bad" if p >= 100 else "warn" if p >= 80 else None


class Card(QFrame):
    def __init__(self, caption: str, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        self.value = QLabel("—", self)
        f = self.value.font()
        f.setPointSizeF(f.pointSizeF() * 1.7)
        f.setBold(True)
        self.value.setFont(f)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("caption")
        lay.addWidget(self.value)
        lay.addWidget(self.caption)
        self.setAccessibleName(caption)


class DashboardPage(TablePage):
    title = "Dashboard"
    search_placeholder = "Filter partners…"
    columns = (
        Column("Partner", lambda b: b.partner_name, priority=0, elastic=True),
        Column("Code", lambda b: b.partner, priority=4),
        Column("Hours given", lambda b: b.minutes_given, fmt.hours, align_right=True,
               tooltip="Hours our staff gave this partner in the fiscal year", priority=0),
        Column("Hours received", lambda b: b.minutes_received, fmt.hours, align_right=True, priority=0),
        Column("Value given", lambda b: b.value_given_cents, fmt.money, align_right=True,
               tooltip="At the agreement's rates (ours)", priority=0),
        Column("Value received", lambda b: b.value_received_cents, fmt.money, align_right=True,
               tooltip="At the agreement's rates (theirs)", priority=0),
        Column("Net", lambda b: b.net_cents, fmt.money, align_right=True, color=_net_color,
               tooltip="Positive: they owe us", priority=0),
        Column("Quarter given", lambda b: b.quarter_minutes_given, fmt.hours, align_right=True, priority=2),
        Column("Quarter received", lambda b: b.quarter_minutes_received, fmt.hours, align_right=True, priority=2),
        Column("Cap used", lambda b: b.cap_used_percent, fmt.percent, align_right=True, color=_cap_color, priority=1),
        Column("Reciprocity", lambda b: b.reciprocity, lambda v: "" if v is None else f"{v:.2f}",
               align_right=True, tooltip="Hours received per hour given", priority=3),
    )

    def __init__(self, services, parent=None):
        super().__init__(services, parent)
        self.cards = {key: Card(caption, self) for key, caption in (
            ("given", "hours given"), ("received", "hours received"), ("value_given", "billable value given"),
            ("value_received", "value received"), ("net", "net position"))}
        for card in self.cards.values():
            self.ui.toolbarLayout.addWidget(card)
        self.finish_toolbar()
        from partnerdesk.gui.pages.dashboard_chart import QuarterChart

        self.chart = QuarterChart(self)
        self.ui.pageLayout.insertWidget(self.ui.pageLayout.indexOf(self.ui.table) + 1, self.chart)

    def footer_noun(self) -> str:
        return "partners"

    def _name_quarter_columns(self, quarter: str) -> None:
        """"Quarter given" reads "2026Q4 given": the header says which quarter."""
        for i, column in enumerate(self.columns):
            if column.header in ("Quarter given", "Quarter received"):
                header = column.header.replace("Quarter", quarter or "Quarter")
                self.model.columns[i] = replace(column, header=header,
                                                tooltip=f"Hours in {quarter or 'this quarter'}, the current quarter")
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)

    def fetch(self) -> DashboardData:
        fy = self.services.balances.current_fiscal_year()
        return DashboardData(fy, self.services.balances.balances(fy), self.services.balances.hours_by_quarter(fy))

    def apply(self, data: DashboardData) -> None:
        self.ui.title.setText(f"Dashboard — fiscal year {data.fiscal_year}")
        b = data.balances
        self.model.set_rows(b)
        self.chart.set_data(data.by_quarter)
        given = sum(x.minutes_given for x in b)
        received = sum(x.minutes_received for x in b)
        vg = sum(x.value_given_cents for x in b)
        vr = sum(x.value_received_cents for x in b)
        self.cards["given"].value.setText(fmt.hours(given))
        self.cards["received"].value.setText(fmt.hours(received))
        self.cards["value_given"].value.setText(fmt.money(vg))
        self.cards["value_received"].value.setText(fmt.money(vr))
        self.cards["net"].value.setText(fmt.money(vg - vr))
        q = b[0].quarter if b else ""
        self._name_quarter_columns(q)
        unpriced = sum(x.unpriced_entries for x in b)
        # the quarter's columns give way first on a narrow screen: say where they are either way
        note = (f"Totals for the fiscal year so far. This quarter, {q}, has columns of its own (right-click a "
                "column header to show or hide columns).") if q else ""
        if unpriced:
            note += (f" {plural(unpriced, 'entry')} {nouns(unpriced, 'has')} no agreement or rate and "
                     f"{nouns(unpriced, 'is')} not priced.")
        self.set_subtitle(note.strip())
