"""Pages whose feature has not landed yet."""

from __future__ import annotations

from partnerdesk.gui.models.table_model import Column
from partnerdesk.gui.pages.base import TablePage


class PlaceholderPage(TablePage):
    """A page whose feature has not landed yet: it says so plainly."""

    message = ""

    def __init__(self, services, parent=None):
        super().__init__(services, parent)
        self.set_subtitle(self.message)
        self.ui.search.setVisible(False)

    def fetch(self):
        return []


class SyncPage(PlaceholderPage):
    title = "Sync"
    message = ("Sync through a shared network folder is not set up for this database. "
               "Your data stays on this computer.")
    columns = (Column("Node", lambda s: s), Column("Last seen", lambda s: s))
