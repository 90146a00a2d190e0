"""Deciding an agenda item from its ballots (pure; the rules are data of the plan).

- The electorate of an item is the voting members present at its vote and not impeded
  (a member who declared a conflict of interest does not vote on it).
- ``simple_of_present`` (Ley N° 27444: "mayoría de asistentes al tiempo de la votación"):
  the item passes when the votes for are more than half of that electorate, so an
  abstention weighs like a vote not in favour. ``simple_of_votes``: more for than against.
- A tie is one the presidency's casting vote can settle (art. 100.1: "voto dirimente en caso
  de empate"), so it needs votes to settle between. Under ``simple_of_present`` it is as many
  for as against (for > 0) where the casting vote, added to the votes for, makes a majority of
  the electorate (2 × (for + 1) > electorate): 10–10, or 5–5 with one abstention (6 of 11).
  Where even that is no majority of the present, the item is rejected: 0–0 with everybody
  abstaining, 2–2 with seven abstentions, 5–5 with two. Under ``simple_of_votes`` it is as
  many for as against, and at least one for (0–0, everybody abstaining, is rejected).
- A tie is decided by the presidency's casting vote when ``tie_breaker`` is ``presidency``;
  without that vote (or with an abstention as the casting vote) the decision waits for it.
  With ``tie_breaker`` ``none`` a tie is rejected.
- An item outside the agenda passes only with every voting member present and every one of
  them who may vote voting for it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

Sense = Literal["for", "against", "abstain"]
SENSES: tuple[Sense, ...] = ("for", "against", "abstain")
Outcome = Literal["passed", "rejected", "no_quorum", "incomplete", "tie"]


@dataclass(frozen=True)
class Tally:
    votes_for: int
    against: int
    abstentions: int
    electorate: int  # present, voting and not impeded
    present: int  # voting members present (quorum count)
    missing: frozenset[str]  # in the electorate and not voted yet


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    tally: Tally
    tie_broken: bool = False  # the presidency's casting vote decided

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


def tally(
    present: Collection[str], impeded: Collection[str], ballots: Mapping[str, Sense]
) -> Tally:
    electorate = set(present) - set(impeded)
    counted = {e: s for e, s in ballots.items() if e in electorate}
    return Tally(
        votes_for=sum(1 for s in counted.values() if s == "for"),
        against=sum(1 for s in counted.values() if s == "against"),
        abstentions=sum(1 for s in counted.values() if s == "abstain"),
        electorate=len(electorate),
        present=len(set(present)),
        missing=frozenset(electorate - set(counted)),
    )


def decide(
    *,
    voting_members: Collection[str],
    present: Collection[str],
    impeded: Collection[str],
    ballots: Mapping[str, Sense],
    quorum_required: int,
    majority: str = "simple_of_present",
    tie_breaker: str = "presidency",
    casting: Sense | None = None,
    out_of_agenda: bool = False,
) -> Decision:
    """``present``: voting members present at the vote; ``casting``: the presidency's
    deciding vote for a tie (its own ballot, or one given to break the tie)."""
    present_voting = set(present) & set(voting_members)
    t = tally(present_voting, impeded, ballots)
    if len(present_voting) < quorum_required:
        return Decision("no_quorum", t)
    if t.missing:
        return Decision("incomplete", t)
    if out_of_agenda:
        unanimous = present_voting == set(voting_members) and t.electorate > 0 and t.votes_for == t.electorate
        return Decision("passed" if unanimous else "rejected", t)
    if majority == "simple_of_votes":
        if t.votes_for > t.against:
            return Decision("passed", t)
        tied = t.votes_for == t.against and t.votes_for > 0
    else:
        if 2 * t.votes_for > t.electorate:
            return Decision("passed", t)
        tied = t.votes_for == t.against and t.votes_for > 0 and 2 * (t.votes_for + 1) > t.electorate
    if tied and tie_breaker == "presidency":
        if casting is None or casting == "abstain":
            return Decision("tie", t)
        return Decision("passed" if casting == "for" else "rejected", t, tie_broken=True)
    return Decision("rejected", t)
