"""The quorum-and-majority decision against a plain reference implementation."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conaig_flow.domain.plan import QuorumRule
from conaig_flow.domain.quorum import required_for
from conaig_flow.domain.voting import decide

MEMBERS = [f"E{i:02d}" for i in range(21)]
PRESIDENCY = "E00"
FIRST = QuorumRule()
SECOND = QuorumRule(rule="fraction", numerator=1, denominator=3, minimum=3)


def reference(present: set[str], impeded: set[str], ballots: dict[str, str], call: str, casting: str | None,
              out_of_agenda: bool, majority: str = "simple_of_present", tie_breaker: str = "presidency") -> str:
    """Ley N° 27444 as a person would count it, one step at a time."""
    needed = 11 if call == "first" else 7  # 21 members: absolute majority; one third, at least 3
    if len(present) < needed:
        return "no_quorum"
    may_vote = [m for m in MEMBERS if m in present and m not in impeded]
    for m in may_vote:
        if m not in ballots:
            return "incomplete"
    yes = no = 0
    for m in may_vote:
        if ballots[m] == "for":
            yes += 1
        elif ballots[m] == "against":
            no += 1
    if out_of_agenda:
        everyone = len(present) == 21
        return "passed" if everyone and len(may_vote) > 0 and yes == len(may_vote) else "rejected"
    if majority == "simple_of_present" and yes > len(may_vote) / 2:
        return "passed"
    if majority == "simple_of_votes" and yes > no:
        return "passed"
    if yes == no:
        if tie_breaker == "none":
            return "rejected"
        if casting == "for":
            return "passed"
        if casting == "against":
            return "rejected"
        return "tie"
    return "rejected"


@st.composite
def meetings(draw: st.DrawFn) -> tuple[set[str], set[str], dict[str, str], str, str | None, bool]:
    present = set(draw(st.lists(st.sampled_from(MEMBERS), unique=True)))
    impeded = set(draw(st.lists(st.sampled_from(sorted(present)), unique=True, max_size=3))) if present else set()
    complete = draw(st.booleans())
    ballots: dict[str, str] = {}
    for m in sorted(present - impeded):
        if complete or draw(st.booleans()):
            ballots[m] = draw(st.sampled_from(["for", "against", "abstain"]))
    call = draw(st.sampled_from(["first", "second"]))
    own = ballots.get(PRESIDENCY)
    casting = own if own in ("for", "against") else draw(st.sampled_from([None, "for", "against"]))
    return present, impeded, ballots, call, casting, draw(st.booleans())


@settings(max_examples=600, deadline=None)
@given(meetings(), st.sampled_from(["simple_of_present", "simple_of_votes"]), st.sampled_from(["presidency", "none"]))
def test_decision_matches_the_reference_count(
    case: tuple[set[str], set[str], dict[str, str], str, str | None, bool], majority: str, tie_breaker: str
) -> None:
    present, impeded, ballots, call, casting, out_of_agenda = case
    rule = FIRST if call == "first" else SECOND
    decision = decide(
        voting_members=MEMBERS, present=present, impeded=impeded, ballots=ballots,
        quorum_required=required_for(rule, len(MEMBERS)), casting=casting,
        out_of_agenda=out_of_agenda, majority=majority, tie_breaker=tie_breaker,
    )
    assert decision.outcome == reference(present, impeded, ballots, call, casting, out_of_agenda, majority, tie_breaker)


@given(st.integers(min_value=1, max_value=200))
def test_quorum_sizes_follow_the_rules(n: int) -> None:
    assert required_for(FIRST, n) == n // 2 + 1
    assert required_for(SECOND, n) == max(-(-n // 3), 3)


def test_quorum_of_the_conaig_is_eleven_then_seven() -> None:
    assert required_for(FIRST, 21) == 11
    assert required_for(SECOND, 21) == 7
