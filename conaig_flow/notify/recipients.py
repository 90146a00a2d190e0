"""Who receives what: audiences of a deliverable resolved against the users table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from conaig_flow.domain.plan import Plan
from conaig_flow.store.tables import TeamMemberRow, UserRow

U = UserRow.__table__  # type: ignore[attr-defined]
TM = TeamMemberRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    entity: str
    role: str
    capacity: str | None


@dataclass(frozen=True)
class Directory:
    """Active users and team memberships, read once per sweep or transition."""

    people: tuple[Person, ...]
    teams: dict[str, frozenset[str]]
    cache: dict[tuple[tuple[str, ...], str, str, str], list[str]] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, conn: Connection) -> Directory:
        people = tuple(
            Person(r.email, r.name, r.entity_code, r.role, r.capacity)
            for r in conn.execute(select(U).where(U.c.active.is_(True)).order_by(U.c.email))
        )
        teams: dict[str, frozenset[str]] = {}
        for t in conn.execute(select(TM.c.team_code, TM.c.entity_code)):
            teams[t.team_code] = teams.get(t.team_code, frozenset()) | {t.entity_code}
        return cls(people, teams)

    def owners(self, plan: Plan, owner: str, owner_kind: str) -> frozenset[str]:
        """The entities answerable for a deliverable (a team's member entities; the
        commission's own deliverables are the secretariat's entity)."""
        if owner_kind == "team":
            return self.teams.get(owner, frozenset())
        if owner_kind == "commission":
            return frozenset({plan.commission.secretariat.entity})
        return frozenset({owner})

    def audience(self, plan: Plan, groups: Iterable[str], owner: str, owner_kind: str, activity: str) -> list[str]:
        key = (tuple(groups), owner, owner_kind, activity)
        if key not in self.cache:
            self.cache[key] = self._audience(plan, key[0], owner, owner_kind, activity)
        return self.cache[key]

    def _audience(self, plan: Plan, groups: Iterable[str], owner: str, owner_kind: str, activity: str) -> list[str]:
        owners = self.owners(plan, owner, owner_kind)
        wanted = set(groups)
        advisory = {a.entity for a in plan.activity(activity).advisory} if "advisory" in wanted else set()
        out: list[str] = []
        for p in self.people:
            if (
                ("officers" in wanted and p.role == "officer" and p.entity in owners)
                or ("officers" in wanted and owner_kind == "commission" and p.role == "secretariat")
                or ("titular" in wanted and p.role == "member" and p.capacity == "titular" and p.entity in owners)
                or ("members" in wanted and p.role == "member")
                or ("secretariat" in wanted and p.role == "secretariat")
                or ("advisory" in wanted and p.role == "reviewer" and p.entity in advisory)
            ):
                out.append(p.email)
        return sorted(set(out))

    def members(self) -> list[str]:
        """Every commission member, titular and alterno."""
        return sorted({p.email for p in self.people if p.role == "member"})
