"""The verdict on one PDF signature, in Firma Perú's terms (pure).

VÁLIDO: intact, cryptographically sound, a certificate that chains to a trusted root and was
neither revoked nor out of its validity, and no change to the document after it beyond what
later signatures add. NO VÁLIDO: the document or the signature is broken, or the certificate
was revoked. INDETERMINADO: what would make it valid cannot be established (unknown issuer,
certificate expired or not yet valid, revocation status unknown).
"""

from __future__ import annotations

from dataclasses import dataclass

VALID = "VÁLIDO"
INVALID = "NO VÁLIDO"
INDETERMINATE = "INDETERMINADO"

#: What an AdES sub-indication means, said for a person (ETSI EN 319 102-1 names).
_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "el certificado no fue emitido por una entidad de certificación de confianza",
    "CHAIN_CONSTRAINTS_FAILURE": "la cadena de certificación no cumple sus restricciones",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "no se pudo validar la cadena de certificación",
    "EXPIRED": "el certificado del firmante estaba vencido",
    "OUT_OF_BOUNDS_NO_POE": "el certificado del firmante estaba vencido o aún no era válido, sin sello de tiempo que pruebe la firma antes",
    "OUT_OF_BOUNDS_NOT_REVOKED": "el certificado del firmante está fuera de su período de validez",
    "NOT_YET_VALID": "el certificado del firmante aún no era válido",
    "TRY_LATER": "no se pudo obtener el estado de revocación del certificado (intente más tarde)",
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": "la información de revocación no cubre el momento de la firma",
    "REVOKED_NO_POE": "el certificado del firmante fue revocado",
    "REVOKED_CA_NO_POE": "un certificado de la cadena de certificación fue revocado",
    "SIG_CONSTRAINTS_FAILURE": "el certificado no está habilitado para firmar documentos",
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": "la firma usa algoritmos que ya no se consideran seguros",
    "NO_POE": "no hay prueba de existencia de la firma",
}


@dataclass(frozen=True)
class SignatureFacts:
    intact: bool  # the digest of the covered bytes matches
    valid: bool  # the signature value matches the certificate
    revoked: bool
    trust_problem: str | None  # an AdES sub-indication name, or None
    trusted: bool
    modifications_ok: bool  # nothing after the signature beyond later signatures and fields
    timestamp_ok: bool | None  # None: no signature timestamp


def describe_problem(name: str | None) -> str:
    if name is None:
        return "el certificado no es de confianza"
    return _PROBLEMS.get(name, f"la validación del certificado no concluyó ({name})")


def verdict(f: SignatureFacts) -> tuple[str, str]:
    """(verdict, reason in Spanish)."""
    if not f.intact:
        return INVALID, "el documento fue modificado después de la firma: su huella no coincide con la firmada"
    if not f.valid:
        return INVALID, "el valor de la firma no corresponde al certificado del firmante"
    if f.revoked:
        return INVALID, describe_problem("REVOKED_CA_NO_POE" if f.trust_problem == "REVOKED_CA_NO_POE" else "REVOKED_NO_POE")
    if not f.modifications_ok:
        return INVALID, "el documento tuvo cambios no permitidos después de esta firma"
    if not f.trusted:
        return INDETERMINATE, describe_problem(f.trust_problem)
    if f.timestamp_ok is False:
        return INDETERMINATE, "el sello de tiempo de la firma no es válido o no es de confianza"
    return VALID, "firma íntegra, certificado de confianza y vigente, documento sin cambios posteriores no permitidos"
