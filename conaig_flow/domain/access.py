"""Who may see which deliverables (acting is decided by the lifecycle: see engine.authorize)."""

from __future__ import annotations

from collections.abc import Collection

from conaig_flow.domain.actors import Actor

SEES_EVERYTHING = frozenset({"secretariat", "admin", "system", "member"})


def can_see(actor: Actor, owner_entities: Collection[str], advisory_entities: Collection[str]) -> bool:
    """Officers see their entity's deliverables (and their team's); advisory reviewers also
    those of the activities they advise on; the secretariat, admins and members see all."""
    if actor.role in SEES_EVERYTHING:
        return True
    if actor.entity in owner_entities:
        return True
    return actor.role == "reviewer" and actor.entity in advisory_entities
