"""The Directory's search layer: narrowing as you type, widening on backspace and the agency/skill filter
give the same rows as filtering from scratch."""

from __future__ import annotations

import gc

import pytest

from partnerdesk.gui.models.contacts_model import ContactMatches, ContactProxy, ContactTableModel
from partnerdesk.gui.models.table_model import ROW_ROLE


@pytest.fixture(autouse=True)
def _collect_here():
    """The models below have no parent: free them on the GUI thread, not in a later test's worker."""
    yield
    gc.collect()


def _names(proxy):
    return [proxy.index(r, 0).data(ROW_ROLE).name for r in range(proxy.rowCount())]


def _fresh(contacts, text, extra=None):
    model = ContactTableModel()
    model.set_contacts(contacts)
    matches = ContactMatches(model)
    matches.set_extra_filter(extra)
    matches.set_search(text)
    return [c.name for c in matches.rows]


def test_typing_forward_and_back_matches_a_fresh_filter(qtmodeltester, demo_ctx):
    contacts = demo_ctx.services.contacts.list()
    model = ContactTableModel()
    model.set_contacts(contacts)
    proxy = ContactProxy(ContactMatches(model))
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
    proxy = ContactProxy(ContactMatches(model))
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
