"""Error types. A UserError is the user's to fix: one clear line, exit code 2, nothing written."""

# An empty database (no home agency): what to do, in the one wording every surface uses.
NO_HOME = ("no home agency is set up yet: add your own with 'partnerdesk agencies add CODE --name NAME --home' "
           "(or explore the demo region in a database of its own: 'partnerdesk --db demo.sqlite3 demo')")


class PartnerdeskError(Exception):
    """Base for every error partnerdesk raises on purpose."""


class UserError(PartnerdeskError):
    """A mistake the user can fix (bad input, unknown code, wrong file). CLI exit code 2."""

    exit_code = 2


class ValidationError(UserError):
    """A value failed validation; ``field`` names it when known."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFoundError(UserError):
    """Something named by the user does not exist."""


class ImportFormatError(UserError):
    """An import file could not be read; the message names the file and the line or record."""


class DatabaseError(UserError):
    """The database file cannot be used (not SQLite, from a newer version, damaged)."""


class FrozenError(UserError):
    """An attempt to change something that is frozen (an issued statement, an invoiced entry)."""


class DuplicateError(UserError):
    """A time entry looks like one already logged (same partner, direction, date, hours and staff)."""

    def __init__(self, message: str, existing_id: str):
        super().__init__(message)
        self.existing_id = existing_id


class NoHomeError(ValidationError):
    """The database has no home agency yet (a new, empty one): nothing that needs "us" can work."""

    def __init__(self, message: str = NO_HOME):
        super().__init__(message)
