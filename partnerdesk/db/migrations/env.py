"""Alembic environment: always called programmatically (db/migrate.py) with a live connection."""

from alembic import context

from partnerdesk.db.models import Base

VIRTUAL_TABLE_PREFIXES = ("contact_fts",)


def include_name(name, type_, parent_names):
    if type_ == "table" and name and name.startswith(VIRTUAL_TABLE_PREFIXES):
        return False
    return True


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
