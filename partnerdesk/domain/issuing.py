"""Who may issue statement numbers: only the installation named by the issuer agency's ``billing_node``."""

from __future__ import annotations

from typing import Any


def can_issue_numbers(agency: Any, node_id: str) -> bool:
    """True when this installation (``node_id``) may assign numbers for ``agency`` (an Agency row or DTO).

    An agency without a billing node has not been shared through sync: its own installation numbers it."""
    billing = getattr(agency, "billing_node", None)
    return billing is None or billing == node_id
