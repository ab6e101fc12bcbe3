"""Re-export of the issuing-rights rule, which lives in domain/issuing.py (sync modules import it from here)."""

from partnerdesk.domain.issuing import can_issue_numbers

__all__ = ["can_issue_numbers"]
