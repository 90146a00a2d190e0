"""Who signs an acta and how a certificate is matched to a signer's place; the trust in force.

The set is computed (Ley N° 27444, art. 102; ``domain.acta.signers``): the secretary, the
presidency, every member who cast a voto singular and every attendee who asked to sign.
``signers_in`` gives it as the session's rules see it; ``required_signers`` gives the same set
with what the PAdES signing needs (the place reserved for each, how a certificate names it).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from conaig_flow.app import App
from conaig_flow.domain.acta import Signer, signers
from conaig_flow.domain.plan import Plan
from conaig_flow.errors import InvalidInput
from conaig_flow.services.plan_amendments import definitions_at
from conaig_flow.services.sessions.common import AC, SR, S
from conaig_flow.services.sessions.voto_singular import singular_votes
from conaig_flow.signing.verify import REVOCATION_MODES, Trust, load_certificates


def signers_in(app: App, conn: Any, session_id: int, acta_id: int) -> list[Signer]:
    """Who signs the acta (Ley N° 27444 art. 102): the presidency, the secretariat, every
    member with a voto singular in the session, and every attendee who asked."""
    plan = app.definitions().plan
    singular = {v.entity for v in singular_votes(app, conn, session_id)}
    asked = set(conn.execute(select(SR.c.entity_code).where(SR.c.acta_id == acta_id)).scalars())
    return signers(plan.commission.presidency, plan.commission.secretariat.entity, singular, asked)


@dataclass(frozen=True)
class RequiredSigner:
    key: str  # secretariat | presidency | member:RREE
    role: str  # secretariat | presidency | member
    entity: str
    entity_name: str
    capacity: str  # «Secretaría Técnica», «Presidencia», «Integrante (voto singular)», «Integrante (a su pedido)»
    #: the code a certificate of this signer names in its subject's O or OU: the entity's
    #: code, or the secretariat's unit (DGIGND) since the presidency is of the same entity
    ident: str = ""

    @property
    def identifier(self) -> str:
        return self.ident or self.entity

    @property
    def caption(self) -> str:
        return f"{self.capacity} — {self.entity_name} ({self.identifier})"

    @property
    def field(self) -> str:
        return "firma-" + self.key.replace(":", "-").lower()


def signer(plan: Plan, key: str, role: str, entity: str, capacity: str, ident: str = "") -> RequiredSigner:
    try:
        name = plan.entity(entity).name
    except KeyError:
        name = entity
    return RequiredSigner(key, role, entity, name, capacity, ident)


def required_signers(app: App, conn: Connection, session_id: int) -> list[RequiredSigner]:
    """The computed signer set (``signers_in``) with each signer's place for PAdES: the
    Technical Secretariat first, then the presidency, then the members in the set's order.
    A concluded session's signers are named as the entities were named when it concluded."""
    closed = conn.execute(select(S.c.closed_at).where(S.c.id == session_id)).scalar()
    plan = definitions_at(app, conn, closed).plan
    c = plan.commission
    acta_id = conn.execute(select(AC.c.id).where(AC.c.session_id == session_id)).scalar_one_or_none()
    computed = signers_in(app, conn, session_id, acta_id) if acta_id is not None else signers(
        c.presidency, c.secretariat.entity, (), ())
    out = [signer(plan, "secretariat", "secretariat", c.secretariat.entity, "Secretaría Técnica", c.secretariat.unit_code),
           signer(plan, "presidency", "presidency", c.presidency, "Presidencia")]
    for s in computed:
        if s.role == "member":
            capacity = "Integrante (voto singular)" if s.why == "voto_singular" else "Integrante (a su pedido)"
            out.append(signer(plan, f"member:{s.entity}", "member", s.entity, capacity))
    return out


def _norm(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.lower().split())


def matches(who: RequiredSigner, organisations: Sequence[str]) -> bool:
    """Whether a certificate belongs to the signer: its subject's O or OU is the signer's
    code (the entity's, or the secretariat unit's)."""
    orgs = {_norm(o) for o in organisations}
    return _norm(who.identifier) in orgs


def slot_for(signers: Sequence[RequiredSigner], organisations: Sequence[str]) -> RequiredSigner | None:
    hits = [s for s in signers if matches(s, organisations)]
    return hits[0] if len(hits) == 1 else None


def trust(app: App) -> Trust:
    """The trusted roots (CONAIG_TRUST_ROOTS: a file or a folder of certificates; default
    ``<home>/confianza``) and the revocation mode (CONAIG_REVOCATION)."""
    s = app.settings
    path = Path(s.trust_roots).expanduser() if s.trust_roots else s.home / "confianza"
    if s.revocation_mode not in REVOCATION_MODES:
        raise InvalidInput(f"CONAIG_REVOCATION debe ser uno de: {', '.join(REVOCATION_MODES)}.")
    roots = tuple(load_certificates(path)) if path.exists() else ()
    return Trust(roots, s.revocation_mode)
