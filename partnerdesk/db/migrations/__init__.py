"""Alembic migrations of the database schema, run at start-up by db/migrate.py after a backup."""
