"""Replication through a shared folder (DESIGN §5). Qt-free."""
