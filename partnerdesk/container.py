"""The composition root's service container: every service object for one database, each built on first use.

Building on first use keeps start-up to what the first page needs (the directory's vCard library,
ReportLab, the sync engine's crypto stay unloaded until someone asks for them). It sits above services/
and sync/ because it builds both; app.py and the CLI self-test create it.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from partnerdesk.db.uow import Database

if TYPE_CHECKING:
    from partnerdesk.services.agencies import AgencyService
    from partnerdesk.services.agreements import AgreementService
    from partnerdesk.services.audit import AuditService
    from partnerdesk.services.backup import BackupService
    from partnerdesk.services.balances import BalanceService
    from partnerdesk.services.contacts import ContactService
    from partnerdesk.services.demo import DemoService
    from partnerdesk.services.directory import DirectoryService
    from partnerdesk.services.hours import HoursService
    from partnerdesk.services.hours_import import HoursImportService
    from partnerdesk.services.incidents import IncidentService
    from partnerdesk.services.statements_mutual_aid import MutualAidService
    from partnerdesk.services.interchange import InterchangeService
    from partnerdesk.services.payments import PaymentService
    from partnerdesk.services.settlement import SettlementService
    from partnerdesk.services.statements import StatementService
    from partnerdesk.sync.service import SyncService


class Services:
    """The service objects for one database, built by the composition root (each on first use)."""

    def __init__(self, db: Database):
        self.db = db
        self.clock = db.clock  # the one clock, for the GUI's "today"

    @cached_property
    def agencies(self) -> "AgencyService":
        from partnerdesk.services.agencies import AgencyService

        return AgencyService(self.db)

    @cached_property
    def contacts(self) -> "ContactService":
        from partnerdesk.services.contacts import ContactService

        return ContactService(self.db)

    @cached_property
    def agreements(self) -> "AgreementService":
        from partnerdesk.services.agreements import AgreementService

        return AgreementService(self.db)

    @cached_property
    def hours(self) -> "HoursService":
        from partnerdesk.services.hours import HoursService

        return HoursService(self.db)

    @cached_property
    def hours_import(self) -> "HoursImportService":
        from partnerdesk.services.hours_import import HoursImportService

        return HoursImportService(self.db)

    @cached_property
    def balances(self) -> "BalanceService":
        from partnerdesk.services.balances import BalanceService

        return BalanceService(self.db)

    @cached_property
    def audit(self) -> "AuditService":
        from partnerdesk.services.audit import AuditService

        return AuditService(self.db)

    @cached_property
    def interchange(self) -> "InterchangeService":
        from partnerdesk.services.interchange import InterchangeService

        return InterchangeService(self.db)

    @cached_property
    def demo(self) -> "DemoService":
        from partnerdesk.services.demo import DemoService

        return DemoService(self.db)

    @cached_property
    def statements(self) -> "StatementService":
        from partnerdesk.services.statements import StatementService

        return StatementService(self.db)

    @cached_property
    def incidents(self) -> "IncidentService":
        from partnerdesk.services.incidents import IncidentService

        return IncidentService(self.db)

    @cached_property
    def mutual_aid(self) -> "MutualAidService":
        from partnerdesk.services.statements_mutual_aid import MutualAidService

        return MutualAidService(self.db)

    @cached_property
    def payments(self) -> "PaymentService":
        from partnerdesk.services.payments import PaymentService

        return PaymentService(self.db)

    @cached_property
    def settlement(self) -> "SettlementService":
        from partnerdesk.services.settlement import SettlementService

        return SettlementService(self.db)

    @cached_property
    def directory(self) -> "DirectoryService":
        from partnerdesk.services.directory import DirectoryService

        return DirectoryService(self.db)

    @cached_property
    def sync(self) -> "SyncService":
        from partnerdesk.sync.service import SyncService

        return SyncService(self.db)

    @cached_property
    def backups(self) -> "BackupService":
        from partnerdesk.services.backup import BackupService

        return BackupService(self.db.path, self.db.backup_dir, self.db.clock, database=self.db)

    def reset(self) -> None:
        """Forget the service objects built so far, and whatever they cached: the database file was swapped
        (a restore). The next use of each builds it afresh."""
        for name, attr in vars(type(self)).items():
            if isinstance(attr, cached_property):
                self.__dict__.pop(name, None)
