"""Use cases. One unit of work per call; ORM in, DTOs out. Every write goes through here."""

from __future__ import annotations

from partnerdesk.db.uow import Database
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
from partnerdesk.services.interchange import InterchangeService
from partnerdesk.services.payments import PaymentService
from partnerdesk.services.statements import StatementService


class Services:
    """The service objects for one database, built once by the composition root."""

    def __init__(self, db: Database):
        self.db = db
        self.agencies = AgencyService(db)
        self.contacts = ContactService(db)
        self.agreements = AgreementService(db)
        self.hours = HoursService(db)
        self.hours_import = HoursImportService(db)
        self.balances = BalanceService(db)
        self.audit = AuditService(db)
        self.interchange = InterchangeService(db)
        self.demo = DemoService(db)
        self.statements = StatementService(db)
        self.payments = PaymentService(db)
        self.directory = DirectoryService(db)
        self.backups = BackupService(db.path, db.backup_dir)
