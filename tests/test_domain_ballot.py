"""Which ballots the rules admit, and when a voto singular's written grounds are due (pure),
against Ley N° 27444 arts. 97.3, 100.2 and 101 as written out here, not as the module says them."""

from __future__ import annotations

from datetime import datetime

import pytest

from conaig_flow.clock import LIMA
from conaig_flow.domain.ballot import admit, grounds_deadline, grounds_state
from conaig_flow.domain.session_rules import AbstentionRule, LegalBasis, SessionRules
from conaig_flow.errors import SessionRuleViolation


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LIMA)


LAW = SessionRules()
ABSTAIN_GROUNDED = SessionRules(abstention=AbstentionRule(allowed=True), legal_basis=LegalBasis(abstention="art. 5 de la Ley X"))
ABSTAIN_FREELY = SessionRules(abstention=AbstentionRule(allowed=True, grounds_required=False),
                              legal_basis=LegalBasis(abstention="art. 5 de la Ley X"))
SAME_DAY = SessionRules(voto_singular_days=0)
VOTE = at("2022-05-20T11:40")


def test_a_vote_for_needs_no_reason_under_any_rules() -> None:
    for rules in (LAW, ABSTAIN_GROUNDED, ABSTAIN_FREELY):
        admit(rules, "for", None, False)


def test_by_law_members_present_may_not_abstain() -> None:
    with pytest.raises(SessionRuleViolation) as refused:
        admit(LAW, "abstain", "tengo dudas", False)
    assert str(refused.value) == (
        "No se admite la abstención: los integrantes presentes y no impedidos de intervenir votan a favor o en "
        "contra (art. 101.1 de la Ley N° 27444). Quien tenga un impedimento legal lo declara como conflicto de "
        "intereses y no vota."
    )


def test_where_a_law_allows_abstention_it_is_admitted_with_written_grounds_and_refused_without() -> None:
    admit(ABSTAIN_GROUNDED, "abstain", "no conozco el expediente", False)
    for missing in (None, ""):
        with pytest.raises(SessionRuleViolation) as refused:
            admit(ABSTAIN_GROUNDED, "abstain", missing, False)
        assert str(refused.value) == "La abstención debe fundamentarse por escrito (art. 5 de la Ley X): indique su fundamento."


def test_where_grounds_are_not_required_an_abstention_without_them_is_admitted() -> None:
    admit(ABSTAIN_FREELY, "abstain", None, False)


def test_an_abstention_cannot_be_a_voto_singular() -> None:
    with pytest.raises(SessionRuleViolation) as refused:
        admit(ABSTAIN_GROUNDED, "abstain", "motivo", True)
    assert str(refused.value) == "Un voto singular es a favor o en contra, no una abstención."


def test_a_vote_against_states_its_reason_or_announces_a_voto_singular() -> None:
    admit(LAW, "against", "el costo no está sustentado", False)
    admit(LAW, "against", None, True)
    with pytest.raises(SessionRuleViolation) as refused:
        admit(LAW, "against", None, False)
    assert str(refused.value) == (
        "Quien vota en contra expresa sus motivos (art. 100.2 de la Ley N° 27444): indique el motivo, o anuncie un "
        "voto singular cuyo fundamento escrito puede entregarse hasta el día siguiente (art. 97.3 de la Ley N° 27444)."
    )


def test_a_voto_singulars_grounds_are_due_by_the_end_of_the_next_day() -> None:
    assert grounds_deadline(LAW, VOTE) == at("2022-05-22T00:00")
    assert grounds_deadline(SAME_DAY, VOTE) == at("2022-05-21T00:00")


def test_grounds_are_pending_until_the_last_second_of_the_next_day_then_lapsed() -> None:
    pending = grounds_state(LAW, VOTE, None, False, at("2022-05-21T23:59"))
    assert pending.status == "pending" and pending.pending
    assert pending.label == "fundamento escrito pendiente (plazo: hasta el 21 de mayo de 2022)"
    lapsed = grounds_state(LAW, VOTE, None, False, at("2022-05-22T00:00"))
    assert lapsed.status == "lapsed" and not lapsed.pending
    assert lapsed.label == "no presentó fundamento escrito en el plazo (hasta el 21 de mayo de 2022)"


def test_grounds_handed_or_waived_are_no_longer_pending_whatever_the_hour() -> None:
    for now in (at("2022-05-20T12:00"), at("2022-06-30T12:00")):
        received = grounds_state(LAW, VOTE, "Fundamento: el costo no está sustentado.", False, now)
        assert received.status == "received" and not received.pending
        assert received.label == "fundamento escrito entregado"
        waived = grounds_state(LAW, VOTE, None, True, now)
        assert waived.status == "waived" and not waived.pending
        assert waived.label == "renunció a presentar fundamento escrito"
    assert grounds_state(LAW, VOTE, "texto", True, VOTE).status == "received"


def test_with_grounds_due_in_the_session_itself_the_label_names_the_votes_day() -> None:
    assert grounds_state(SAME_DAY, VOTE, None, False, VOTE).label == (
        "fundamento escrito pendiente (plazo: hasta el 20 de mayo de 2022)"
    )
