"""Persistence: SQLAlchemy 2 models, engine pragmas, units of work, Alembic migrations."""
