"""The acta's small lifecycle and its number (pure).

draft (generated when the session closes) → approved (at the end of the same session or at
the start of the next) → signed, once every signer has signed. The signers are computed
(Ley N° 27444 art. 102): the secretariat, the presidency, every member who cast a voto
singular, and any attendee who asks to sign.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ACTA_STATES = {"draft": "Borrador", "approved": "Aprobada", "signed": "Firmada"}
SIGNER_LABELS = {"presidency": "Presidencia", "secretariat": "Secretaría Técnica", "member": "Integrante"}


def acta_code(pattern: str, number: int, year: int, commission: str) -> str:
    """``ACTA N° {number:03d}-{year}-{commission}`` → ``ACTA N° 003-2022-CONAIG``."""
    return pattern.format(number=number, year=year, commission=commission)


@dataclass(frozen=True)
class Signer:
    entity: str
    role: str  # presidency | secretariat | member
    why: str  # presidency | secretariat | voto_singular | asked


WHY_LABELS = {"presidency": "Presidencia", "secretariat": "Secretaría Técnica", "voto_singular": "voto singular",
              "asked": "lo solicitó"}


def signers(presidency: str, secretariat: str, singular: Iterable[str], asked: Iterable[str]) -> list[Signer]:
    """Who signs the acta: the presidency, the secretariat, every member with a voto singular,
    and every attendee who asked (once each; the presidency signs as such)."""
    out = [Signer(presidency, "presidency", "presidency"), Signer(secretariat, "secretariat", "secretariat")]
    seen = {presidency}
    for why, entities in (("voto_singular", sorted(set(singular))), ("asked", sorted(set(asked)))):
        for e in entities:
            if e not in seen:
                seen.add(e)
                out.append(Signer(e, "member", why))
    return out

