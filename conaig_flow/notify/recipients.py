"""Who receives what: audiences of a deliverable resolved against the users table."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, or_, select

from conaig_flow.domain.plan import Plan
from conaig_flow.store.tables import TeamMemberRow, UserRow

U = UserRow.__table__  # type: ignore[attr-defined]
TM = TeamMemberRow.__table__  # type: ignore[attr-defined]
_COLUMNS = (U.c.email, U.c.name, U.c.entity_code, U.c.role, U.c.capacity)
_PEOPLE = select(*_COLUMNS).where(U.c.active.is_(True)).order_by(U.c.email)
_PEOPLE_OF = (
    select(*_COLUMNS)
    .where(U.c.active.is_(True), or_(U.c.role == "secretariat", U.c.entity_code.in_(bindparam("entities", expanding=True))))
    .order_by(U.c.email)
)
_TEAMS = select(TM.c.team_code, TM.c.entity_code)
_NAMES = select(U.c.email, U.c.name).where(U.c.email.in_(bindparam("emails", expanding=True)))


def display_names(conn: Connection, addresses: Iterable[str]) -> dict[str, str]:
    """The name of every address that belongs to a user (active or not: a message already
    addressed to someone is addressed by their name), read when messages are built, so a
    corrected name is used from then on. Addresses of no user (an organisation's contact in
    a consultation) are left out: they are written bare."""
    wanted = sorted(set(addresses))
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        for r in conn.execute(_NAMES, {"emails": wanted[start : start + 500]}):
            if r.name and r.name.strip():
                names[r.email] = r.name
    return names


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
    def load(cls, conn: Connection, entities: Collection[str] | None = None, *, teams: bool = True) -> Directory:
        """Everyone active; or, with ``entities``, only the people of those entities (teams
        expanded to their member entities) and the secretariat: enough for one deliverable's
        audiences, and far fewer rows to read inside a state change's transaction."""
        memberships: dict[str, frozenset[str]] = {}
        if teams:
            for t in conn.execute(_TEAMS):
                memberships[t.team_code] = memberships.get(t.team_code, frozenset()) | {t.entity_code}
        if entities is None:
            rows = conn.execute(_PEOPLE)
        else:
            wanted = set(entities).union(*(memberships.get(e, frozenset()) for e in entities))
            rows = conn.execute(_PEOPLE_OF, {"entities": sorted(wanted)})
        people = tuple(Person(r.email, r.name, r.entity_code, r.role, r.capacity) for r in rows)
        return cls(people, memberships)

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
