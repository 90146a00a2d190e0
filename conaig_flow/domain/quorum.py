"""Who is present at an instant, and whether they make quorum (pure; rules from the plan).

Quorum counts voting members only: invited entities and the secretariat have a voice and no
vote and never count. An entity is present at ``at`` when one of its attendance intervals
holds it: arrived at or before ``at`` and not yet left (``left_at`` is exclusive). A stay with
no recorded departure ends with its day (Lima): whoever came to a first call that did not
install is not present at the second call of the next day unless recorded again.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from conaig_flow.domain.plan import QuorumRule
from conaig_flow.domain.session_time import day_end


@dataclass(frozen=True)
class Presence:
    """One stay of one person in the session: an entity, a capacity, arrival and departure."""

    entity: str
    capacity: str  # titular | alterno | invited | secretariat
    arrived_at: datetime
    left_at: datetime | None = None

    @property
    def ends_at(self) -> datetime:
        """The departure, or the end of the arrival's day when none was recorded."""
        return self.left_at if self.left_at is not None else day_end(self.arrived_at)

    def holds(self, at: datetime) -> bool:
        return self.arrived_at <= at < self.ends_at

    def overlaps(self, other: Presence) -> bool:
        return self.arrived_at < other.ends_at and other.arrived_at < self.ends_at


@dataclass(frozen=True)
class QuorumCheck:
    required: int
    present: frozenset[str]  # voting member entities present

    @property
    def count(self) -> int:
        return len(self.present)

    @property
    def met(self) -> bool:
        return self.count >= self.required


def required_for(rule: QuorumRule, voting_count: int) -> int:
    """Absolute majority: more than half (11 of 21); fraction: rounded up, never below minimum."""
    if rule.rule == "absolute_majority":
        return voting_count // 2 + 1
    return max(math.ceil(voting_count * rule.numerator / rule.denominator), rule.minimum)


def voting_present_at(
    stays: Iterable[Presence], voting_members: Collection[str], at: datetime
) -> frozenset[str]:
    """Voting member entities present at ``at`` as titular or alterno."""
    return frozenset(
        s.entity
        for s in stays
        if s.entity in voting_members and s.capacity in ("titular", "alterno") and s.holds(at)
    )


def check(
    rule: QuorumRule, voting_members: Collection[str], stays: Iterable[Presence], at: datetime
) -> QuorumCheck:
    return QuorumCheck(required_for(rule, len(voting_members)), voting_present_at(stays, voting_members, at))
