"""Error types. A UserError is the user's to fix: one clear line, exit code 2, nothing written."""


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
