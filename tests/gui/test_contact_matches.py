"""The Directory's search layer: narrowing as you type, widening on backspace and the agency/skill filter
give the same rows as filtering from scratch."""

from __future__ import annotations

import gc

import pytest

from PySide6.QtCore import Qt

from partnerdesk.gui.models.contacts_model import ContactMatches, ContactTableModel
from partnerdesk.gui.models.table_model import ROW_ROLE


@pytest.fixture(autouse=True)
def _collect_here():
    """The models below have no parent: free them on the GUI thread, not in a later test's worker."""
    yield
    gc.collect()


def _names(proxy):
    return [proxy.index(r, 0).data(ROW_ROLE).name for r in range(proxy.rowCount())]


def _fresh(contacts, text, extra=None, sort=None):
    model = ContactTableModel()
    model.set_contacts(contacts)
    matches = ContactMatches(model)
    if sort is not None:
        matches.sort(*sort)
    matches.set_extra_filter(extra)
    matches.set_search(text)
    return [c.name for c in matches.rows]


def test_typing_forward_and_back_matches_a_fresh_filter(qtmodeltester, demo_ctx):
    contacts = demo_ctx.services.contacts.list()
    model = ContactTableModel()
    model.set_contacts(contacts)
    proxy = ContactMatches(model)
    qtmodeltester.check(proxy)
    typed = ""
    for ch in "mukilteo avaya":
        typed += ch
        proxy.set_search(typed)
        assert _names(proxy) == _fresh(contacts, typed), typed
    while typed:
        typed = typed[:-1]
        proxy.set_search(typed)
        assert _names(proxy) == _fresh(contacts, typed), typed
    assert proxy.rowCount() == len(contacts)


def test_extra_filter_and_digits(demo_ctx):
    contacts = demo_ctx.services.contacts.list()
    model = ContactTableModel()
    model.set_contacts(contacts)
    proxy = ContactMatches(model)
    muk = lambda c: c.agency_code == "MUK"  # noqa: E731
    proxy.set_extra_filter(muk)
    assert _names(proxy) and all(proxy.index(r, 0).data(ROW_ROLE).agency_code == "MUK"
                                 for r in range(proxy.rowCount()))
    proxy.set_search("pbx")
    assert _names(proxy) == _fresh(contacts, "pbx", muk)
    proxy.set_extra_filter(None)
    assert _names(proxy) == _fresh(contacts, "pbx")
    number = next(c.work_phone for c in contacts if c.work_phone)
    digits = "".join(ch for ch in number if ch.isdigit())[-7:]
    proxy.set_search(digits)
    assert number in [proxy.index(r, 0).data(ROW_ROLE).work_phone for r in range(proxy.rowCount())]


def test_a_proxy_that_maps_to_and_from_its_source(demo_ctx):
    from PySide6.QtCore import QAbstractProxyModel

    contacts = demo_ctx.services.contacts.list()
    model = ContactTableModel()
    model.set_contacts(contacts)
    proxy = ContactMatches(model)
    proxy.set_search("pbx")
    proxy.sort(0, Qt.SortOrder.DescendingOrder)
    assert isinstance(proxy, QAbstractProxyModel) and proxy.sourceModel() is model
    assert ContactMatches(model, model).parent() is model  # (as a QObject; items have no parent)
    assert 0 < proxy.rowCount() < model.rowCount()
    for r in range(proxy.rowCount()):
        here = proxy.index(r, 2)
        there = proxy.mapToSource(here)
        assert there.data(ROW_ROLE) is here.data(ROW_ROLE) and there.column() == 2
        assert proxy.mapFromSource(there) == here
    hidden = next(i for i in range(model.rowCount()) if "pbx" not in " ".join(contacts[i].skills).casefold()
                  and "pbx" not in model._search[i])
    assert not proxy.mapFromSource(model.index(hidden, 0)).isValid()


def test_phone_typed_with_punctuation_or_as_digits(demo_ctx):
    contacts = demo_ctx.services.contacts.list()
    model = ContactTableModel()
    model.set_contacts(contacts)
    matches = ContactMatches(model)
    c = next(c for c in contacts if c.work_phone and c.work_phone.startswith("("))  # "(425) 555-0120"
    area, rest = c.work_phone.split(" ", 1)
    for typed in (c.work_phone, rest, area + " " + rest[:5], "".join(ch for ch in rest if ch.isdigit())):
        matches.set_search(typed)
        assert c.id in [r.id for r in matches.rows], typed
    matches.set_search(rest + " nobody-has-this-word")
    assert matches.rowCount() == 0


def test_sorting_by_a_column_keeps_the_search_and_the_current_contact(qtbot, qtmodeltester, demo_ctx):
    from PySide6.QtWidgets import QTableView

    first = demo_ctx.services.contacts.list()
    for c in first[:3]:  # some people without an escalation order
        demo_ctx.services.contacts.update(c.id, escalation_order=None)
    contacts = demo_ctx.services.contacts.list()
    model = ContactTableModel()
    model.set_contacts(contacts)
    matches = ContactMatches(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(matches)
    view.setSortingEnabled(True)
    esc = next(i for i, c in enumerate(matches.columns) if c.header == "Esc.")
    view.sortByColumn(esc, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(matches)
    orders = [r.escalation_order for r in matches.rows]
    numbers = [o for o in orders if o is not None]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] > numbers[-1]  # as numbers, not text
    assert len(numbers) < len(orders) and all(o is None for o in orders[len(numbers):])  # empty cells last
    view.sortByColumn(esc, Qt.SortOrder.AscendingOrder)
    orders = [r.escalation_order for r in matches.rows]
    assert orders[:len(numbers)] == sorted(numbers) and orders[len(numbers):] == [None] * (len(orders) - len(numbers))
    view.setCurrentIndex(matches.index(3, 0))
    current = matches.rows[3].id
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    names = [r.name.casefold() for r in matches.rows]
    assert names == sorted(names)
    assert matches.rows[view.currentIndex().row()].id == current  # the same contact stays current
    # typing keeps the chosen order; sorting back to "as loaded" (-1) restores the service's order
    for typed in ("m", "mu", "muk"):
        matches.set_search(typed)
        assert [r.name for r in matches.rows] == _fresh(contacts, typed, sort=(0, Qt.SortOrder.AscendingOrder))
    matches.sort(-1)
    assert [r.name for r in matches.rows] == _fresh(contacts, "muk")
