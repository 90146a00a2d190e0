"""The collegiate body's rules as plan data (pure): Ley N° 27444's defaults, written out here from
the law (arts. 97.3, 99, 101), and what a plan may and may not set."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from conaig_flow.domain.quorum import required_for
from conaig_flow.domain.session_rules import AbstentionRule, LegalBasis, QuorumRule, SecondCallRule, SessionRules


def test_by_default_the_first_call_needs_an_absolute_majority_and_the_second_a_third_and_at_least_three() -> None:
    rules = SessionRules()
    assert [required_for(rules.quorum_first_call, n) for n in (21, 20, 6)] == [11, 11, 4]
    assert [required_for(rules.quorum_second_call, n) for n in (21, 20, 9, 6)] == [7, 7, 3, 3]


def test_a_fraction_rule_given_without_numbers_is_a_half_rounded_up_with_a_floor_of_one() -> None:
    half = QuorumRule(rule="fraction")
    assert [required_for(half, n) for n in (21, 20, 1)] == [11, 10, 1]
    assert required_for(QuorumRule(rule="fraction", numerator=2, denominator=3), 21) == 14


def test_a_fraction_rule_never_lets_a_session_stand_with_nobody_present() -> None:
    # with every voting member away (none counted), one present is still required, not zero
    assert required_for(QuorumRule(rule="fraction"), 0) == 1
    assert required_for(QuorumRule(rule="fraction", numerator=1, denominator=3), 0) == 1


@pytest.mark.parametrize("field", ["numerator", "denominator", "minimum"])
def test_a_quorum_fraction_of_zero_is_refused_and_one_is_accepted(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        QuorumRule(rule="fraction", **{field: 0})
    assert getattr(QuorumRule(rule="fraction", **{field: 1}), field) == 1


def test_by_law_the_second_call_is_the_next_day_and_takes_no_minutes() -> None:
    assert SessionRules().second_call == SecondCallRule(when="next_day", minutes=None)
    with pytest.raises(ValidationError, match="«minutes» solo se usa con when: interval"):
        SecondCallRule(when="next_day", minutes=30)


def test_an_interval_second_call_needs_at_least_one_minute() -> None:
    with pytest.raises(ValidationError, match="una segunda convocatoria por intervalo necesita «minutes»"):
        SecondCallRule(when="interval")
    with pytest.raises(ValidationError, match="minutes"):
        SecondCallRule(when="interval", minutes=0)
    rule = SecondCallRule(when="interval", minutes=1)
    assert (rule.when, rule.minutes) == ("interval", 1)


def test_an_interval_second_call_departs_from_the_law_and_must_name_its_norm() -> None:
    with pytest.raises(ValidationError, match=r"se aparta de la Ley N° 27444 \(art. 99.2: al día siguiente\)"):
        SessionRules(second_call=SecondCallRule(when="interval", minutes=30))
    rules = SessionRules(second_call=SecondCallRule(when="interval", minutes=30),
                         legal_basis=LegalBasis(second_call="art. 8 del Reglamento Interno"))
    assert rules.second_call.minutes == 30 and rules.legal_basis.second_call == "art. 8 del Reglamento Interno"


def test_by_law_members_may_not_abstain_and_where_a_law_allows_it_the_grounds_are_written() -> None:
    rules = SessionRules()
    assert rules.abstention == AbstentionRule(allowed=False, grounds_required=True)
    assert AbstentionRule(allowed=True).grounds_required is True


def test_allowing_abstention_must_name_the_law_that_allows_it() -> None:
    with pytest.raises(ValidationError, match=r"la abstención solo se admite cuando una ley la faculta \(Ley N° 27444, art. 101\)"):
        SessionRules(abstention=AbstentionRule(allowed=True))
    rules = SessionRules(abstention=AbstentionRule(allowed=True), legal_basis=LegalBasis(abstention="art. 5 de la Ley X"))
    assert rules.abstention.allowed and rules.legal_basis.abstention == "art. 5 de la Ley X"


def test_a_voto_singulars_grounds_are_due_the_next_day_and_may_be_due_in_the_session_itself() -> None:
    assert SessionRules().voto_singular_days == 1
    assert SessionRules(voto_singular_days=0).voto_singular_days == 0
    with pytest.raises(ValidationError, match="voto_singular_days"):
        SessionRules(voto_singular_days=-1)


def test_a_convocatoria_gives_two_business_days_notice_by_default_and_may_give_none() -> None:
    assert SessionRules().notice_business_days == 2
    assert SessionRules(notice_business_days=0).notice_business_days == 0
    with pytest.raises(ValidationError, match="notice_business_days"):
        SessionRules(notice_business_days=-1)


def test_the_default_articles_are_those_of_the_law() -> None:
    basis = SessionRules().legal_basis
    assert (basis.second_call, basis.obligation_to_vote, basis.abstention, basis.voto_singular, basis.acta) == (
        "art. 99.2 de la Ley N° 27444", "art. 101.1 de la Ley N° 27444", "art. 101.2 de la Ley N° 27444",
        "art. 97.3 de la Ley N° 27444", "art. 102 de la Ley N° 27444")


def test_a_blank_article_is_refused_and_one_with_spaces_around_is_trimmed() -> None:
    for blank in ("", "   "):
        with pytest.raises(ValidationError, match="acta"):
            LegalBasis(acta=blank)
    assert LegalBasis(acta="  art. 3 del Reglamento  ").acta == "art. 3 del Reglamento"
    assert LegalBasis(acta="X").acta == "X"  # any non-blank name of a norm is kept as written


def test_a_loaded_rule_cannot_be_changed_afterwards() -> None:
    rules = SessionRules()
    with pytest.raises(ValidationError, match="frozen"):
        rules.voto_singular_days = 5  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        rules.abstention.allowed = True  # type: ignore[misc]
    assert rules == SessionRules() and hash(rules) == hash(SessionRules())


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="quorum"):
        SessionRules.model_validate({"quorum": 3})
