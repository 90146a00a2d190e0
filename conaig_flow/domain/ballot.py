"""Whether a ballot may be cast as given, and the voto singular's written grounds (pure).

- Members present and not impeded must vote; abstention only where the plan's rules allow it
  (a law must allow it: Ley N° 27444 art. 101.1), and then with written grounds (art. 101.2).
- Who votes against states the reasons (art. 100.2), or announces a voto singular whose
  written grounds may be handed until the end of the next day (art. 97.3): the acta waits
  for them (or for the member to waive them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from conaig_flow.domain.session_rules import SessionRules
from conaig_flow.domain.session_time import day_end, spoken_date
from conaig_flow.errors import SessionRuleViolation


def admit(rules: SessionRules, sense: str, reason: str | None, singular: bool) -> None:
    """Refuse a ballot the rules do not admit (the refusal cites the rule's article)."""
    basis = rules.legal_basis
    if sense == "abstain":
        if not rules.abstention.allowed:
            raise SessionRuleViolation(
                "No se admite la abstención: los integrantes presentes y no impedidos de intervenir votan a favor "
                f"o en contra ({basis.obligation_to_vote}). Quien tenga un impedimento legal lo declara como "
                "conflicto de intereses y no vota."
            )
        if rules.abstention.grounds_required and not reason:
            raise SessionRuleViolation(
                f"La abstención debe fundamentarse por escrito ({basis.abstention}): indique su fundamento."
            )
        if singular:
            raise SessionRuleViolation("Un voto singular es a favor o en contra, no una abstención.")
    if sense == "against" and not reason and not singular:
        raise SessionRuleViolation(
            f"Quien vota en contra expresa sus motivos ({basis.dissent}): indique el motivo, o anuncie un voto "
            f"singular cuyo fundamento escrito puede entregarse hasta el día siguiente ({basis.voto_singular})."
        )


def grounds_deadline(rules: SessionRules, vote_at: datetime) -> datetime:
    """The first instant at which a voto singular's grounds are late: midnight after the day
    following the vote (``voto_singular_days`` days after its day)."""
    return day_end(vote_at) + timedelta(days=rules.voto_singular_days)


@dataclass(frozen=True)
class Grounds:
    """Where a voto singular's written grounds stand at an instant."""

    status: str  # received | waived | pending | lapsed
    deadline: datetime

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    @property
    def label(self) -> str:
        last_day = spoken_date(self.deadline - timedelta(seconds=1))
        return {
            "received": "fundamento escrito entregado",
            "waived": "renunció a presentar fundamento escrito",
            "pending": f"fundamento escrito pendiente (plazo: hasta el {last_day})",
            "lapsed": f"no presentó fundamento escrito en el plazo (hasta el {last_day})",
        }[self.status]


def grounds_state(
    rules: SessionRules, vote_at: datetime, grounds: str | None, waived: bool, now: datetime
) -> Grounds:
    deadline = grounds_deadline(rules, vote_at)
    if grounds:
        return Grounds("received", deadline)
    if waived:
        return Grounds("waived", deadline)
    return Grounds("pending" if now < deadline else "lapsed", deadline)
