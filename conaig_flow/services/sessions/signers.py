"""Who signs an acta and how a certificate is matched to a signer's place; the trust in force.

``required_signers`` is the interim signer set (Ley N° 27444, art. 102: the secretary, the
presidency, those with a voto singular, those who ask) read from today's rows; the signing
itself (``acta_signing``) takes the set as input, so the computed set of the official-record
work replaces this function alone.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select

from conaig_flow.app import App
from conaig_flow.domain.plan import Plan
from conaig_flow.errors import InvalidInput
from conaig_flow.services.sessions.common import AC, AG, IT, SG
from conaig_flow.signing.verify import REVOCATION_MODES, Trust, load_certificates
from conaig_flow.store.tables_sessions import VoteRow

V = VoteRow.__table__  # type: ignore[attr-defined]


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
    """The acta's signers: the Technical Secretariat, the presidency, every member who cast a
    voto singular (against, with its grounds) and every member recorded as asking to sign."""
    plan = app.definitions().plan
    c = plan.commission
    out = [signer(plan, "secretariat", "secretariat", c.secretariat.entity, "Secretaría Técnica", c.secretariat.unit_code),
           signer(plan, "presidency", "presidency", c.presidency, "Presidencia")]
    seen = {c.presidency, c.secretariat.entity}
    dissent = conn.execute(
        select(V.c.entity_code).join(IT, IT.c.id == V.c.item_id).join(AG, AG.c.item_id == IT.c.id)
        .where(IT.c.session_id == session_id, V.c.sense == "against", V.c.reason.is_not(None)).order_by(V.c.id)
    ).scalars()
    for entity in dissent:
        if entity not in seen:
            seen.add(entity)
            out.append(signer(plan, f"member:{entity}", "member", entity, "Integrante (voto singular)"))
    asked = conn.execute(
        select(SG.c.entity_code).join(AC, AC.c.id == SG.c.acta_id)
        .where(AC.c.session_id == session_id, SG.c.role == "member").order_by(SG.c.id)
    ).scalars()
    for entity in asked:
        if entity not in seen:
            seen.add(entity)
            out.append(signer(plan, f"member:{entity}", "member", entity, "Integrante (a su pedido)"))
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
