"""The verdict on a PDF signature in Firma Perú's terms (pure): each fact that breaks a signature
gives its own verdict and reason, checked in the order a verifier reports them."""

from __future__ import annotations

from dataclasses import replace

from conaig_flow.domain.signature_verdict import SignatureFacts, describe_problem, verdict

GOOD = SignatureFacts(intact=True, valid=True, revoked=False, trust_problem=None, trusted=True,
                      modifications_ok=True, timestamp_ok=None)


def test_an_intact_sound_trusted_signature_without_later_changes_is_valid() -> None:
    expected = ("VÁLIDO", "firma íntegra, certificado de confianza y vigente, documento sin cambios posteriores no permitidos")
    assert verdict(GOOD) == expected
    assert verdict(replace(GOOD, timestamp_ok=True)) == expected


def test_a_document_changed_after_signing_is_not_valid_whatever_else_holds() -> None:
    assert verdict(replace(GOOD, intact=False, valid=False, revoked=True, trusted=False)) == (
        "NO VÁLIDO", "el documento fue modificado después de la firma: su huella no coincide con la firmada")


def test_a_signature_value_that_does_not_match_the_certificate_is_not_valid() -> None:
    assert verdict(replace(GOOD, valid=False, revoked=True)) == (
        "NO VÁLIDO", "el valor de la firma no corresponde al certificado del firmante")


def test_a_revoked_certificate_is_not_valid_and_says_whose() -> None:
    assert verdict(replace(GOOD, revoked=True, trusted=False)) == ("NO VÁLIDO", "el certificado del firmante fue revocado")
    assert verdict(replace(GOOD, revoked=True, trust_problem="REVOKED_CA_NO_POE")) == (
        "NO VÁLIDO", "un certificado de la cadena de certificación fue revocado")
    assert verdict(replace(GOOD, revoked=True, trust_problem="TRY_LATER")) == (
        "NO VÁLIDO", "el certificado del firmante fue revocado")


def test_changes_not_allowed_after_the_signature_make_it_not_valid() -> None:
    assert verdict(replace(GOOD, modifications_ok=False, trusted=False)) == (
        "NO VÁLIDO", "el documento tuvo cambios no permitidos después de esta firma")


def test_an_untrusted_certificate_is_indeterminate_with_the_validators_reason() -> None:
    assert verdict(replace(GOOD, trusted=False)) == ("INDETERMINADO", "el certificado no es de confianza")
    assert verdict(replace(GOOD, trusted=False, trust_problem="EXPIRED", timestamp_ok=False)) == (
        "INDETERMINADO", "el certificado del firmante estaba vencido")
    assert verdict(replace(GOOD, trusted=False, trust_problem="NO_CERTIFICATE_CHAIN_FOUND")) == (
        "INDETERMINADO", "el certificado no fue emitido por una entidad de certificación de confianza")


def test_a_bad_timestamp_on_an_otherwise_good_signature_is_indeterminate() -> None:
    assert verdict(replace(GOOD, timestamp_ok=False)) == (
        "INDETERMINADO", "el sello de tiempo de la firma no es válido o no es de confianza")


def test_an_unknown_sub_indication_is_named_as_it_came() -> None:
    assert describe_problem("ALGO_NUEVO") == "la validación del certificado no concluyó (ALGO_NUEVO)"
    assert describe_problem(None) == "el certificado no es de confianza"
    assert describe_problem("TRY_LATER") == "no se pudo obtener el estado de revocación del certificado (intente más tarde)"
