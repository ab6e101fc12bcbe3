"""Agreement caps per fiscal year (DESIGN §4 rule 4): warn at 50/80/100 %."""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLDS = (50, 80, 100)


@dataclass(frozen=True)
class CapUse:
    cap_cents: int | None
    used_cents: int
    cap_minutes: int | None
    used_minutes: int

    @property
    def percent(self) -> float | None:
        """The larger of dollar and hour use, in percent; None when the agreement has no cap."""
        parts = []
        if self.cap_cents:
            parts.append(100.0 * self.used_cents / self.cap_cents)
        if self.cap_minutes:
            parts.append(100.0 * self.used_minutes / self.cap_minutes)
        return max(parts) if parts else None

    @property
    def level(self) -> int:
        """The highest threshold reached (0, 50, 80 or 100)."""
        p = self.percent
        if p is None:
            return 0
        reached = [t for t in THRESHOLDS if p >= t]
        return reached[-1] if reached else 0


def crossed(before: CapUse, after: CapUse) -> int:
    """The threshold an addition crosses (or reaches while already past it), else 0."""
    return after.level if after.level > before.level or after.level == 100 else 0
