"""Every signature of a PDF validated with pyHanko, each with its verdict."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import pem, x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from conaig_flow.domain.signature_verdict import SignatureFacts, verdict
from conaig_flow.errors import InvalidInput

REVOCATION_MODES = ("soft-fail", "hard-fail", "require")


@dataclass(frozen=True)
class Trust:
    """Which roots are trusted and how revocation is checked (CRL/OCSP fetched from the
    addresses the certificates name)."""

    roots: tuple[x509.Certificate, ...]
    revocation_mode: str = "hard-fail"
    allow_fetching: bool = True


def load_certificates(path: Path) -> list[x509.Certificate]:
    """PEM or DER certificates from a file, or from every .pem/.crt/.cer file of a folder."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer")) if path.is_dir() else [path]
    out: list[x509.Certificate] = []
    for f in files:
        data = f.read_bytes()
        if pem.detect(data):
            out.extend(x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
        else:
            out.append(x509.Certificate.load(data))
    return out


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str  # the certificate's common name
    subject: str
    issuer: str
    organisations: tuple[str, ...]  # O and OU of the subject
    serial: str
    certificate_sha256: str
    signed_at: datetime | None  # the signer's claimed time
    timestamp_at: datetime | None  # the TSA's time (PAdES B-T)
    level: str  # B-B | B-T | B-LTA
    covers_whole_file: bool
    modified_after: bool
    signed_length: int  # bytes from the file's start up to the end of this revision
    verdict: str
    reason: str
    #: B-LTA: the time of the oldest document timestamp after this signature (the archive's)
    archive_timestamp_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "campo": self.field, "firmante": self.signer, "sujeto": self.subject, "emisor": self.issuer,
            "numero_de_serie": self.serial, "fecha_de_firma": self.signed_at.isoformat() if self.signed_at else None,
            "sello_de_tiempo": self.timestamp_at.isoformat() if self.timestamp_at else None, "nivel": f"PAdES {self.level}",
            "sello_de_archivo": self.archive_timestamp_at.isoformat() if self.archive_timestamp_at else None,
            "modificado_despues": self.modified_after, "veredicto": self.verdict, "motivo": self.reason,
        }


#: Distinguished-name attributes in the short form Firma Perú's validator and RFC 4514 use.
_DN_KEYS = {"common_name": "CN", "serial_number": "SERIALNUMBER", "organizational_unit_name": "OU",
            "organization_name": "O", "locality_name": "L", "state_or_province_name": "ST", "country_name": "C",
            "email_address": "E", "title": "T", "given_name": "G", "surname": "SN"}


def distinguished_name(name: x509.Name) -> str:
    """«CN=…, SERIALNUMBER=…, OU=…, O=…, C=PE»: the same for any reader, in no one's language."""
    parts = []
    for rdn in reversed(list(name.chosen)):
        for attr in rdn:
            key = str(attr["type"].native)
            parts.append(f"{_DN_KEYS.get(key, attr['type'].dotted)}={attr['value'].native}")
    return ", ".join(parts)


def _subject_parts(cert: x509.Certificate) -> tuple[str, tuple[str, ...]]:
    native = cert.subject.native
    orgs: list[str] = []
    for key in ("organization_name", "organizational_unit_name"):
        value = native.get(key)
        if isinstance(value, list):
            orgs.extend(str(v) for v in value)
        elif value:
            orgs.append(str(value))
    return str(native.get("common_name", "")), tuple(orgs)


def _report(embedded: object, status: PdfSignatureStatus, total: int) -> SignatureReport:
    cert = status.signing_cert
    cn, orgs = _subject_parts(cert)
    level = status.modification_level
    modifications_ok = bool(status.docmdp_ok) or level is None
    covers_whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    ts = getattr(status, "timestamp_validity", None)
    facts = SignatureFacts(
        intact=status.intact, valid=status.valid, revoked=status.revoked,
        trust_problem=str(getattr(status.trust_problem_indic, "name", "")) or None,
        trusted=status.trusted, modifications_ok=modifications_ok,
        timestamp_ok=None if ts is None else bool(ts.valid and ts.intact and ts.trusted),
    )
    v, why = verdict(facts)
    if v == "VÁLIDO" and status.revocation_details is None and not covers_whole:
        why += "; firmas o datos de validación posteriores añadidos como actualizaciones incrementales"
    byte_range = getattr(embedded, "byte_range", None)
    signed_length = int(byte_range[2]) + int(byte_range[3]) if byte_range is not None and len(byte_range) == 4 else total
    return SignatureReport(
        field=str(getattr(embedded, "field_name", "")), signer=cn, subject=distinguished_name(cert.subject),
        issuer=distinguished_name(cert.issuer), organisations=orgs, serial=format(cert.serial_number, "x"),
        certificate_sha256=cert.sha256.hex(), signed_at=getattr(embedded, "self_reported_timestamp", None),
        timestamp_at=ts.timestamp if ts is not None else None, level="B-T" if ts is not None else "B-B",
        covers_whole_file=covers_whole, modified_after=not covers_whole and not modifications_ok,
        signed_length=signed_length, verdict=v, reason=why,
    )


def lta_spec(trust: Trust) -> PdfSignatureValidationSpec:
    """Validation from what the document holds: its DSS and its document timestamps, nothing
    fetched (what a validator does years later, when the CRLs are gone)."""
    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=list(trust.roots)),
            revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("hard-fail")),
        ),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY),
    ))


def archive_time(sig: EmbeddedPdfSignature, trust: Trust) -> datetime | None:
    """The document timestamp that makes ``sig`` PAdES B-LTA (pyHanko's AdES LTA validation from
    the document's DSS alone passes), or None."""
    reader = sig.reader
    if "/DSS" not in reader.root or not any(
        ts.signed_revision > sig.signed_revision for ts in reader.embedded_timestamp_signatures
    ):
        return None
    result = asyncio.run(ades_lta_validation(sig, lta_spec(trust)))
    if result.ades_subindic != AdESPassed.OK:
        return None
    return result.oldest_evidence_record_timestamp


def verify(pdf: bytes, trust: Trust) -> list[SignatureReport]:
    """A report per signature, in the order they were applied (document timestamps are not
    signatures: they make the ones before them B-LTA)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InvalidInput(f"El archivo no es un PDF legible: {exc}.") from None
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None

    def context(mode: str, fetch: bool) -> ValidationContext:
        """The trust in force, with the certificates, CRLs and OCSP responses the document's DSS holds."""
        kwargs = {"trust_roots": list(trust.roots), "allow_fetching": fetch, "revocation_mode": mode}
        return dss.as_validation_context(kwargs) if dss is not None else ValidationContext(**kwargs)  # type: ignore[arg-type]

    def validated(sig: EmbeddedPdfSignature, fetch: bool) -> SignatureReport:
        status = validate_pdf_signature(sig, context(trust.revocation_mode, fetch),
                                        ts_validation_context=context("soft-fail", fetch))
        return _report(sig, status, len(pdf))

    stamped = [ts.signed_revision for ts in reader.embedded_timestamp_signatures]
    reports = []
    for sig in embedded:
        # An archived copy verifies from its own DSS while that material is current: a document
        # timestamp after the signature fixes when that material was gathered. Anyone can add a
        # DSS to a PDF before signing it (a CRL issued before their certificate was revoked), so
        # a signature no document timestamp covers is checked against what the certificates'
        # addresses answer now, with the DSS's material as well, whatever the revocation policy.
        archived = dss is not None and any(rev > sig.signed_revision for rev in stamped)
        report = validated(sig, False) if archived else None
        if report is None or report.verdict != "VÁLIDO":
            report = validated(sig, trust.allow_fetching)
        if report.verdict == "VÁLIDO" and report.level == "B-T":  # pyHanko's LTA validation wants a signature timestamp
            at = archive_time(sig, trust)
            if at is not None:
                report = dataclasses.replace(report, level="B-LTA", archive_timestamp_at=at)
        reports.append(report)
    return reports


def signature_count(pdf: bytes) -> int:
    try:
        return len(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InvalidInput(f"El archivo no es un PDF legible: {exc}.") from None


def validation_material(pdf: bytes) -> tuple[bool, int]:
    """Whether ``pdf`` holds a document security store (DSS), and how many document timestamps."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        return "/DSS" in reader.root, len(reader.embedded_timestamp_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InvalidInput(f"El archivo no es un PDF legible: {exc}.") from None


def first_problem(reports: Sequence[SignatureReport]) -> SignatureReport | None:
    return next((r for r in reports if r.verdict != "VÁLIDO"), None)
