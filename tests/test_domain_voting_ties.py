"""What is a tie the presidency's casting vote can settle (Ley N° 27444, art. 100.1), and what is not.

Under ``simple_of_present`` an abstention weighs like a vote not in favour: votes for and against
that are equal are a tie only when the casting vote, added to the votes for, makes a majority of
those present (10–10, 5–5–1); where even that is no majority (0–0–11, 2–2–7, 5–5–2, 1–1–9) the
item is rejected. Under ``simple_of_votes`` abstentions do not count: for = against is a tie, but
0–0 (everybody abstained) is a rejection, never a tie.
"""

from __future__ import annotations

import pytest

from conaig_flow.domain.voting import Decision, Sense, decide

MEMBERS = [f"E{i:02d}" for i in range(21)]


def _ballots(for_: int = 0, against: int = 0, abstain: int = 0) -> dict[str, Sense]:
    senses: list[Sense] = ["for"] * for_ + ["against"] * against + ["abstain"] * abstain
    return dict(zip(MEMBERS, senses, strict=False))


def _decide(ballots: dict[str, Sense], *, impeded: list[str] | None = None, present: list[str] | None = None,
            **kw: object) -> Decision:
    return decide(voting_members=MEMBERS, present=list(ballots) if present is None else present,
                  impeded=impeded or [], ballots=ballots, quorum_required=11, **kw)  # type: ignore[arg-type]


# --- simple_of_present: the law's majority of those present -----------------------------------------

@pytest.mark.parametrize(("for_", "against", "abstain"), [(0, 0, 11), (2, 2, 7), (5, 5, 2), (1, 1, 9)])
@pytest.mark.parametrize("casting", [None, "for", "against", "abstain"])
def test_equal_votes_with_abstentions_are_no_tie_of_the_present(for_: int, against: int, abstain: int,
                                                                 casting: Sense | None) -> None:
    d = _decide(_ballots(for_, against, abstain), casting=casting)
    assert (d.outcome, d.tie_broken, d.passed) == ("rejected", False, False)
    assert (d.tally.votes_for, d.tally.against, d.tally.abstentions, d.tally.electorate) == (
        for_, against, abstain, for_ + against + abstain)


def test_everybody_abstaining_is_rejected_and_the_casting_vote_cannot_approve_it() -> None:
    d = _decide(_ballots(abstain=11), casting="for")
    assert d.outcome == "rejected" and not d.tie_broken and not d.passed


def test_an_even_split_of_the_whole_electorate_is_a_tie() -> None:
    d = _decide(_ballots(for_=10, against=10))
    assert (d.outcome, d.tie_broken) == ("tie", False)
    assert _decide(_ballots(for_=10, against=10), casting="abstain").outcome == "tie"


def test_one_abstention_beside_an_even_split_is_a_tie_the_casting_vote_settles() -> None:
    """5–5–1: the casting vote for makes 6 of 11, a majority of those present."""
    tie = _ballots(for_=5, against=5, abstain=1)
    assert _decide(tie).outcome == "tie"
    d = _decide(tie, casting="for")
    assert (d.outcome, d.tie_broken, d.passed, d.tally.electorate) == ("passed", True, True, 11)
    assert _decide(tie, casting="against").outcome == "rejected"


def test_the_casting_vote_decides_a_true_tie() -> None:
    tie = _ballots(for_=10, against=10)
    approved = _decide(tie, casting="for")
    assert (approved.outcome, approved.tie_broken, approved.passed) == ("passed", True, True)
    rejected = _decide(tie, casting="against")
    assert (rejected.outcome, rejected.tie_broken, rejected.passed) == ("rejected", True, False)


def test_without_a_tie_breaker_a_true_tie_is_rejected() -> None:
    d = _decide(_ballots(for_=10, against=10), tie_breaker="none", casting="for")
    assert (d.outcome, d.tie_broken) == ("rejected", False)


def test_the_smallest_true_tie_is_one_for_one_against() -> None:
    """Eleven present, nine impeded: the electorate is two, and 1–1 splits all of it."""
    ballots = _ballots(for_=1, against=1)
    present = MEMBERS[:11]
    impeded = MEMBERS[2:11]
    assert _decide(ballots, present=present, impeded=impeded).outcome == "tie"
    d = _decide(ballots, present=present, impeded=impeded, casting="for")
    assert (d.outcome, d.tie_broken, d.tally.electorate) == ("passed", True, 2)


def test_an_impeded_member_leaves_the_electorate_so_an_even_split_of_the_rest_is_a_tie() -> None:
    ballots = {**_ballots(for_=6, against=6), "E20": "abstain"}
    d = _decide(ballots, impeded=["E20", "E00", "E06"])  # E00 (for) and E06 (against) impeded too
    assert (d.tally.votes_for, d.tally.against, d.tally.electorate, d.outcome) == (5, 5, 10, "tie")


def test_half_of_the_electorate_in_favour_without_equal_votes_against_is_rejected() -> None:
    """6 for, 6 abstain: 2 × for equals the electorate, but there is nothing to settle."""
    d = _decide(_ballots(for_=6, abstain=6), casting="for")
    assert (d.outcome, d.tie_broken) == ("rejected", False)
    d = _decide(_ballots(for_=6, against=5, abstain=1), casting="for")  # 6 of 12 is not more than half
    assert (d.outcome, d.tie_broken) == ("rejected", False)


def test_an_electorate_of_nobody_is_no_tie() -> None:
    """Quorum present, every one of them impeded on the item: 0 = 0 is nothing to settle."""
    d = decide(voting_members=MEMBERS, present=MEMBERS[:11], impeded=MEMBERS[:11], ballots={}, quorum_required=11,
               casting="for")
    assert (d.outcome, d.tie_broken, d.tally.electorate) == ("rejected", False, 0)


def test_a_majority_of_the_present_still_passes() -> None:
    assert _decide(_ballots(for_=6, against=0, abstain=5)).outcome == "passed"
    assert _decide(_ballots(for_=11, against=10)).outcome == "passed"


# --- simple_of_votes: more for than against, abstentions not counted ---------------------------------

def test_of_votes_equal_votes_with_abstentions_are_a_tie() -> None:
    tie = _ballots(for_=2, against=2, abstain=7)
    assert _decide(tie, majority="simple_of_votes").outcome == "tie"
    d = _decide(tie, majority="simple_of_votes", casting="for")
    assert (d.outcome, d.tie_broken, d.passed) == ("passed", True, True)
    d = _decide(tie, majority="simple_of_votes", casting="against")
    assert (d.outcome, d.tie_broken) == ("rejected", True)


def test_of_votes_one_for_one_against_is_a_tie() -> None:
    assert _decide(_ballots(for_=1, against=1, abstain=9), majority="simple_of_votes").outcome == "tie"


@pytest.mark.parametrize("casting", [None, "for", "against", "abstain"])
def test_of_votes_everybody_abstaining_is_rejected_never_a_tie(casting: Sense | None) -> None:
    d = _decide(_ballots(abstain=11), majority="simple_of_votes", casting=casting)
    assert (d.outcome, d.tie_broken, d.passed) == ("rejected", False, False)


def test_of_votes_fewer_for_than_against_is_rejected_whatever_the_casting_vote() -> None:
    d = _decide(_ballots(for_=3, against=5, abstain=3), majority="simple_of_votes", casting="for")
    assert (d.outcome, d.tie_broken) == ("rejected", False)


def test_of_votes_more_for_than_against_passes() -> None:
    assert _decide(_ballots(for_=2, against=1, abstain=8), majority="simple_of_votes").outcome == "passed"
