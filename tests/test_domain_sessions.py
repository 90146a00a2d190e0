"""Who counts at an instant, quorum, and the decision of an item, on cases written out by hand
(pure domain). The rules are those Ley N° 27444 fixes (arts. 99-101): they hold whatever the
plan's details."""

from __future__ import annotations

from datetime import datetime

import pytest

from conaig_flow.clock import LIMA
from conaig_flow.domain.plan import QuorumRule
from conaig_flow.domain.quorum import Presence, QuorumCheck, check, required_for, voting_present_at
from conaig_flow.domain.voting import Decision, Sense, decide, tally

MEMBERS = [f"E{i:02d}" for i in range(21)]
FIRST = QuorumRule()
SECOND = QuorumRule(rule="fraction", numerator=1, denominator=3, minimum=3)
TWO_THIRDS = QuorumRule(rule="fraction", numerator=2, denominator=3, minimum=5)  # the second commission's


def _t(hh: int, mm: int = 0) -> datetime:
    return datetime(2022, 5, 20, hh, mm, tzinfo=LIMA)


# -- presence -------------------------------------------------------------------------------

def test_a_member_who_left_at_11_30_does_not_count_at_11_30() -> None:
    stay = Presence("E01", "titular", _t(10), _t(11, 30))
    assert stay.holds(_t(11, 29)) and not stay.holds(_t(11, 30)) and not stay.holds(_t(12))


def test_a_member_counts_from_the_minute_of_arrival_and_not_before() -> None:
    stay = Presence("E01", "titular", _t(10))
    assert stay.holds(_t(10)) and not stay.holds(_t(9, 59)) and stay.holds(_t(18))


def test_a_hand_over_at_one_instant_is_not_two_people_at_once_in_either_order() -> None:
    titular = Presence("E01", "titular", _t(10), _t(11))
    alterno = Presence("E01", "alterno", _t(11))
    assert not titular.overlaps(alterno) and not alterno.overlaps(titular)
    assert voting_present_at([alterno, titular], MEMBERS, _t(11)) == frozenset({"E01"})  # the alterno holds it at 11:00
    assert voting_present_at([titular, alterno], MEMBERS, _t(10, 59)) == frozenset({"E01"})


def test_two_stays_that_share_a_minute_overlap() -> None:
    titular = Presence("E01", "titular", _t(10), _t(11, 1))
    alterno = Presence("E01", "alterno", _t(11))
    assert titular.overlaps(alterno) and alterno.overlaps(titular)
    assert Presence("E01", "titular", _t(10)).overlaps(Presence("E01", "alterno", _t(12), _t(13)))
    assert not Presence("E01", "titular", _t(12)).overlaps(Presence("E01", "alterno", _t(10), _t(11)))


def test_only_titulares_and_alternos_of_voting_members_count() -> None:
    stays = [Presence("E01", "titular", _t(10)), Presence("E02", "alterno", _t(10)),
             Presence("DP", "invited", _t(10)), Presence("E03", "invited", _t(10)),
             Presence("MIMP-ST", "secretariat", _t(10)), Presence("XX", "titular", _t(10))]
    assert voting_present_at(stays, MEMBERS, _t(10)) == frozenset({"E01", "E02"})


# -- quorum ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("members", "first", "second", "two_thirds"), [
    (1, 1, 3, 5), (2, 2, 3, 5), (3, 2, 3, 5), (4, 3, 3, 5), (9, 5, 3, 6), (10, 6, 4, 7),
    (20, 11, 7, 14), (21, 11, 7, 14), (22, 12, 8, 15),
])
def test_quorum_sizes_written_out(members: int, first: int, second: int, two_thirds: int) -> None:
    assert (required_for(FIRST, members), required_for(SECOND, members), required_for(TWO_THIRDS, members)) == (
        first, second, two_thirds)


def test_eleven_of_twenty_one_make_quorum_and_ten_do_not() -> None:
    def at_vote(n: int) -> QuorumCheck:
        return check(FIRST, MEMBERS, [Presence(m, "titular", _t(10)) for m in MEMBERS[:n]], _t(11))

    assert (at_vote(11).met, at_vote(11).count, at_vote(11).required) == (True, 11, 11)
    assert (at_vote(10).met, at_vote(10).count) == (False, 10)


def test_an_alterno_replacing_the_titular_at_the_threshold_keeps_quorum_at_that_instant() -> None:
    stays = [Presence(m, "titular", _t(10)) for m in MEMBERS[:10]]
    stays += [Presence("E10", "titular", _t(10), _t(11, 30)), Presence("E10", "alterno", _t(11, 30))]
    assert check(FIRST, MEMBERS, stays, _t(11, 30)).met
    assert not check(FIRST, MEMBERS, stays[:-1], _t(11, 30)).met  # no alterno: 10 at 11:30


# -- the decision ---------------------------------------------------------------------------

def _ballots(**counts: int) -> dict[str, Sense]:
    """``for_=6, against=3, abstain=2`` → ballots of E00, E01 … in that order."""
    out: dict[str, Sense] = {}
    names = iter(MEMBERS)
    for sense, n in (("for", counts.get("for_", 0)), ("against", counts.get("against", 0)), ("abstain", counts.get("abstain", 0))):
        for _ in range(n):
            out[next(names)] = sense  # type: ignore[assignment]
    return out


def _decide(ballots: dict[str, Sense], present: list[str] | None = None, **kw: object) -> Decision:
    return decide(voting_members=MEMBERS, present=list(ballots) if present is None else present, impeded=[],
                  ballots=ballots, quorum_required=11, **kw)  # type: ignore[arg-type]


def test_an_acta_counts_each_abstention_once() -> None:
    t = tally(MEMBERS[:12], [], _ballots(for_=7, against=3, abstain=2))
    assert (t.votes_for, t.against, t.abstentions, t.electorate, t.present, t.missing) == (7, 3, 2, 12, 12, frozenset())


def test_an_abstention_weighs_as_not_in_favour_of_the_present() -> None:
    assert _decide(_ballots(for_=6, against=3, abstain=3)).outcome == "rejected"  # 6 of 12 is not more than half
    assert _decide(_ballots(for_=7, against=2, abstain=3)).outcome == "passed"


def test_with_majority_of_votes_cast_abstentions_do_not_count() -> None:
    d = _decide(_ballots(for_=5, against=4, abstain=3), majority="simple_of_votes")
    assert d.outcome == "passed" and d.passed


def test_a_tie_of_votes_cast_goes_to_the_presidency() -> None:
    tie = _ballots(for_=5, against=5, abstain=2)
    assert _decide(tie, majority="simple_of_votes").outcome == "tie"
    broken = _decide(tie, majority="simple_of_votes", casting="for")
    assert (broken.outcome, broken.tie_broken, broken.passed) == ("passed", True, True)
    against = _decide(tie, majority="simple_of_votes", casting="against")
    assert (against.outcome, against.tie_broken) == ("rejected", True)


def test_a_casting_abstention_does_not_break_a_tie() -> None:
    tie = _ballots(for_=6, against=6)
    assert _decide(tie, casting="abstain").outcome == "tie" and _decide(tie).outcome == "tie"


def test_without_a_tie_breaker_a_tie_is_rejected() -> None:
    d = _decide(_ballots(for_=6, against=6), tie_breaker="none", casting="for")
    assert (d.outcome, d.tie_broken) == ("rejected", False)


def test_a_vote_without_quorum_decides_nothing_and_non_members_do_not_make_quorum() -> None:
    ballots = _ballots(for_=10)
    assert _decide(ballots).outcome == "no_quorum"
    assert _decide(ballots, present=[*ballots, "DP", "MIMP-ST"]).outcome == "no_quorum"
    assert _decide(_ballots(for_=11)).outcome == "passed"


def test_the_vote_waits_for_every_member_who_may_vote() -> None:
    ballots = _ballots(for_=10)
    d = _decide(ballots, present=[*ballots, "E15", "E16"])
    assert d.outcome == "incomplete" and d.tally.missing == frozenset({"E15", "E16"})


def test_an_impeded_member_is_present_for_quorum_but_not_in_the_electorate() -> None:
    ballots = _ballots(for_=6, against=5)
    ballots["E20"] = "for"  # impeded: the ballot does not count
    d = decide(voting_members=MEMBERS, present=list(ballots), impeded=["E20", "E00"], ballots=ballots, quorum_required=11)
    assert (d.tally.present, d.tally.electorate, d.tally.votes_for, d.tally.against) == (12, 10, 5, 5)
    assert d.outcome == "tie"


def test_a_ballot_of_someone_absent_is_not_counted() -> None:
    t = tally(MEMBERS[:11], [], {**_ballots(for_=11), "E15": "against"})
    assert (t.votes_for, t.against, t.electorate) == (11, 0, 11)


def test_an_item_outside_the_agenda_needs_everyone_present_and_unanimous() -> None:
    all_for = {m: "for" for m in MEMBERS}
    assert _decide(all_for, out_of_agenda=True).outcome == "passed"  # type: ignore[arg-type]
    one_against = {**all_for, "E05": "against"}
    assert _decide(one_against, out_of_agenda=True).outcome == "rejected"  # type: ignore[arg-type]
    one_away = {m: "for" for m in MEMBERS[:20]}
    assert _decide(one_away, out_of_agenda=True).outcome == "rejected"  # type: ignore[arg-type]
    everyone_impeded = decide(voting_members=MEMBERS, present=MEMBERS, impeded=MEMBERS, ballots={}, quorum_required=11,
                              out_of_agenda=True)
    assert everyone_impeded.outcome == "rejected"


def test_an_item_outside_the_agenda_passes_with_the_one_member_who_may_vote_in_favour() -> None:
    """Everyone present, all but one impeded: the one who may vote decides it (unanimity of
    those who may vote)."""
    d = decide(voting_members=MEMBERS, present=MEMBERS, impeded=MEMBERS[1:], ballots={"E00": "for"},
               quorum_required=11, out_of_agenda=True)
    assert (d.outcome, d.tally.electorate) == ("passed", 1)
