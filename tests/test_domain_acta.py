"""The acta's number and who signs it (Ley N° 27444 art. 102), pure, with entities written out."""

from __future__ import annotations

from conaig_flow.domain.acta import Signer, acta_code, signers


def test_an_acta_is_numbered_with_three_digits_the_year_and_the_commission() -> None:
    assert acta_code("ACTA N° {number:03d}-{year}-{commission}", 3, 2022, "CONAIG") == "ACTA N° 003-2022-CONAIG"
    assert acta_code("Acta {year}/{number}", 12, 2023, "X") == "Acta 2023/12"


def test_the_presidency_and_the_secretariat_sign_every_acta() -> None:
    assert signers("MINSA", "PCM", (), ()) == [Signer("MINSA", "presidency", "presidency"),
                                               Signer("PCM", "secretariat", "secretariat")]


def test_each_voto_singular_and_each_attendee_who_asked_signs_once_in_name_order() -> None:
    assert signers("MINSA", "PCM", ["RREE", "MEF", "RREE"], ["MIMP", "RREE", "MIMP"]) == [
        Signer("MINSA", "presidency", "presidency"),
        Signer("PCM", "secretariat", "secretariat"),
        Signer("MEF", "member", "voto_singular"),
        Signer("RREE", "member", "voto_singular"),
        Signer("MIMP", "member", "asked"),
    ]


def test_the_presidency_signs_as_such_even_with_a_voto_singular_or_when_asking() -> None:
    assert signers("MINSA", "PCM", ["MINSA"], ["MINSA"]) == [Signer("MINSA", "presidency", "presidency"),
                                                             Signer("PCM", "secretariat", "secretariat")]
