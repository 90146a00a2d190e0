"""The quorum-and-majority decision against a plain reference implementation."""

from __future__ import annotations

from hypothesis import event, given, settings, target
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
    # a tie the casting vote can settle: votes to settle between, and (counting those present)
    # one more vote for would be a majority of them
    settles = yes > 0 and (majority == "simple_of_votes" or yes + 1 > len(may_vote) / 2)
    if yes == no and settles:
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
    """Meetings biased to where the rules turn: attendance at the quorum of the call used, one
    below and one above (two draws in three), ties built on purpose, and the presidency
    abstaining (a casting vote that breaks nothing)."""
    call = draw(st.sampled_from(["first", "second"]))
    needed = 11 if call == "first" else 7
    size = draw(st.one_of(st.sampled_from([needed - 1, needed, needed + 1]), st.sampled_from([needed, needed + 1]),
                          st.integers(min_value=0, max_value=21)))
    present = set(draw(st.permutations(MEMBERS))[:size])
    impeded = set(draw(st.lists(st.sampled_from(sorted(present)), unique=True, max_size=3))) if present else set()
    voters = sorted(present - impeded)
    ballots: dict[str, str] = {}
    how = draw(st.sampled_from(["tie", "tie", "random", "favour", "incomplete"]))
    if how == "tie" and voters:
        pairs = draw(st.integers(min_value=0, max_value=len(voters) // 2))
        order = draw(st.permutations(voters))
        for i, m in enumerate(order):
            ballots[m] = "for" if i < pairs else "against" if i < 2 * pairs else "abstain"
    else:
        for m in voters:
            if how == "favour":  # most in favour: the majority's edge, not a landslide every time
                ballots[m] = draw(st.sampled_from(["for", "for", "for", "for", "against", "abstain"]))
            elif how == "random" or draw(st.booleans()):
                ballots[m] = draw(st.sampled_from(["for", "against", "abstain"]))
    own = ballots.get(PRESIDENCY)
    casting = own if own in ("for", "against", "abstain") else draw(st.sampled_from([None, "for", "against", "abstain"]))
    return present, impeded, ballots, call, casting, draw(st.integers(0, 9)) == 0


@settings(max_examples=600, deadline=None)
@given(meetings(), st.sampled_from(["simple_of_present", "simple_of_votes"]), st.sampled_from(["presidency", "none"]))
def test_decision_matches_the_reference_count(
    case: tuple[set[str], set[str], dict[str, str], str, str | None, bool], majority: str, tie_breaker: str
) -> None:
    present, impeded, ballots, call, casting, out_of_agenda = case
    rule = FIRST if call == "first" else SECOND
    decision = decide(
        voting_members=MEMBERS, present=present, impeded=impeded, ballots=ballots,
        quorum_required=required_for(rule, len(MEMBERS)), casting=casting,  # type: ignore[arg-type]
        out_of_agenda=out_of_agenda, majority=majority, tie_breaker=tie_breaker,
    )
    want = reference(present, impeded, ballots, call, casting, out_of_agenda, majority, tie_breaker)
    margin = len(present) - (11 if call == "first" else 7)
    event(f"present minus quorum: {margin if -1 <= margin <= 1 else ('< -1' if margin < -1 else '> 1')}")
    event(f"outcome: {want}")
    yes = sum(1 for v in ballots.values() if v == "for")
    no = sum(1 for v in ballots.values() if v == "against")
    if want not in ("no_quorum", "incomplete") and not out_of_agenda and yes == no:
        event(f"tie of votes (casting: {casting})")
    target(float(-abs(margin)), label="closeness to the quorum")
    assert decision.outcome == want


def test_quorum_sizes_follow_the_rules() -> None:
    """Written out: absolute majority (more than half) and one third rounded up, at least 3."""
    first = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 10: 6, 11: 6, 20: 11, 21: 11, 22: 12, 200: 101}
    second = {1: 3, 6: 3, 9: 3, 10: 4, 12: 4, 13: 5, 20: 7, 21: 7, 22: 8, 200: 67}
    assert {n: required_for(FIRST, n) for n in first} == first
    assert {n: required_for(SECOND, n) for n in second} == second


def test_quorum_of_the_conaig_is_eleven_then_seven() -> None:
    assert required_for(FIRST, 21) == 11
    assert required_for(SECOND, 21) == 7
