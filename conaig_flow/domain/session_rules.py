"""The rules of the collegiate body, as plan data (``session_rules``), each with where it
comes from.

The defaults are those of Ley N° 27444 for collegiate bodies (arts. 95-102 of the original
numbering): a commission whose reglamento interno sets otherwise says so in its plan, and
names its own article in ``legal_basis`` — every refusal that applies a rule cites it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
LAW = "Ley N° 27444"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class QuorumRule(_Model):
    """Quorum as a fraction of the voting members, with a floor.

    ``absolute_majority`` means more than half (11 of 21); otherwise ``numerator/denominator``
    rounded up, never fewer than ``minimum``.
    """

    rule: Literal["absolute_majority", "fraction"] = "absolute_majority"
    numerator: int = Field(default=1, ge=1)
    denominator: int = Field(default=2, ge=1)
    minimum: int = Field(default=1, ge=1)


class SecondCallRule(_Model):
    """When a second call may be held: ``next_day`` (the day after the first call, Ley N°
    27444 art. 99.2) or ``interval`` (at least ``minutes`` after the first, as a reglamento
    interno may set; its article goes in ``legal_basis.second_call``)."""

    when: Literal["next_day", "interval"] = "next_day"
    minutes: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _minutes(self) -> SecondCallRule:
        if self.when == "interval" and self.minutes is None:
            raise ValueError("una segunda convocatoria por intervalo necesita «minutes» (minutos después de la primera)")
        if self.when == "next_day" and self.minutes is not None:
            raise ValueError("«minutes» solo se usa con when: interval")
        return self


class AbstentionRule(_Model):
    """Whether members present may abstain. Ley N° 27444 art. 101.1: they must vote, unless a
    law allows abstention; art. 101.2: then it is grounded in writing."""

    allowed: bool = False
    grounds_required: bool = True


class LegalBasis(_Model):
    """The article each rule comes from, as the refusals cite it."""

    convocatoria: Text = f"arts. 97.1 y 98.2 de la {LAW}"
    quorum_first_call: Text = f"art. 99.1 de la {LAW}"
    quorum_second_call: Text = f"art. 99.2 de la {LAW}"
    second_call: Text = f"art. 99.2 de la {LAW}"
    majority: Text = f"art. 100.1 de la {LAW}"
    tie_breaker: Text = f"art. 100.1 de la {LAW}"
    dissent: Text = f"art. 100.2 de la {LAW}"
    voto_singular: Text = f"art. 97.3 de la {LAW}"
    obligation_to_vote: Text = f"art. 101.1 de la {LAW}"
    abstention: Text = f"art. 101.2 de la {LAW}"
    out_of_agenda: Text = f"art. 98.4 de la {LAW}"
    agenda_requests: Text = f"art. 97.4 de la {LAW}"  # a member may ask to put items on the agenda
    acta: Text = f"art. 102 de la {LAW}"


class SessionRules(_Model):
    voting: Literal["members"] = "members"
    quorum_first_call: QuorumRule = QuorumRule()
    quorum_second_call: QuorumRule = QuorumRule(rule="fraction", numerator=1, denominator=3, minimum=3)
    second_call: SecondCallRule = SecondCallRule()
    # simple_of_present: more votes for than half of the voting members present at the vote
    # (Ley N° 27444); simple_of_votes: more votes for than against (abstentions not counted).
    majority: Literal["simple_of_present", "simple_of_votes"] = "simple_of_present"
    tie_breaker: Literal["presidency", "none"] = "presidency"  # none: a tie rejects
    out_of_agenda: Literal["all_present_unanimous"] = "all_present_unanimous"
    abstention: AbstentionRule = AbstentionRule()
    #: Until when a voto singular's written grounds may be handed: the end of the day after
    #: the vote (Ley N° 27444 art. 97.3); 0 = in the session itself.
    voto_singular_days: int = Field(default=1, ge=0)
    notice_business_days: int = Field(default=2, ge=0)
    acta_number_pattern: Text = "ACTA N° {number:03d}-{year}-{commission}"
    session_number_pattern: Text = "{number:03d}-{year}"  # «Sesión ordinaria N° 001-2022»
    legal_basis: LegalBasis = LegalBasis()

    @model_validator(mode="after")
    def _departures_name_their_basis(self) -> SessionRules:
        """A rule that departs from the law must say which norm allows it."""
        given = self.legal_basis.model_fields_set
        if self.second_call.when == "interval" and "second_call" not in given:
            raise ValueError(
                "una segunda convocatoria por intervalo se aparta de la Ley N° 27444 (art. 99.2: al día siguiente): "
                "indique la norma que la dispone en legal_basis.second_call (p. ej. el artículo del reglamento interno)"
            )
        if self.abstention.allowed and "abstention" not in given:
            raise ValueError(
                "la abstención solo se admite cuando una ley la faculta (Ley N° 27444, art. 101): "
                "indique esa norma en legal_basis.abstention"
            )
        return self
