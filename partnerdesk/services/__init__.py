"""Use cases. One unit of work per call; ORM in, DTOs out. Every write goes through here.

The container that builds them for one database is partnerdesk/container.py.
"""
