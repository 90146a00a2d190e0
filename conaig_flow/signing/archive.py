"""The archived copy of a signed PDF (PAdES B-LTA): the validation material of every signature
(certificates, CRLs, OCSP responses) in the document security store (DSS), then a document
timestamp over the whole, so the signatures can be checked when the certificates have expired
or the CRLs are no longer published.

Everything is pyHanko's: ``add_validation_info`` fetches the revocation information of every
certificate of each signature's path (and of its signature timestamp) and writes it as an
incremental update; ``PdfTimeStamper.timestamp_pdf`` adds the document timestamp and the
validation material of the timestamp authority. Revocation is always required here
(``hard-fail``): a copy without it would not be B-LTA, whatever the installation accepts when
it verifies signatures. If the information cannot be had, the signed PDF is returned untouched
with the reason, in Spanish.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext

from conaig_flow.signing.verify import Trust

log = logging.getLogger(__name__)

LTA = "B-LTA"


@dataclass(frozen=True)
class Archived:
    pdf: bytes  # the archived copy (B-LTA), or the signed PDF unchanged
    lta: bool
    problem: str | None  # why the copy is not B-LTA, in Spanish


def _context(trust: Trust) -> ValidationContext:
    return ValidationContext(trust_roots=list(trust.roots), allow_fetching=True, revocation_mode="hard-fail")


def archive(pdf: bytes, trust: Trust, tsa_url: str | None) -> Archived:
    """``pdf`` plus a DSS with every signature's validation material and a document timestamp."""
    if not tsa_url:
        return Archived(pdf, False, "no hay una autoridad de sellado de tiempo configurada: sin sello de tiempo del "
                                    "documento la copia de archivo no puede ser PAdES B-LTA")
    out = pdf
    try:
        count = len(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures)
        for n in range(count):
            # one incremental update per signature; material already in the DSS is not repeated
            sig = PdfFileReader(io.BytesIO(out), strict=False).embedded_regular_signatures[n]
            out = bytes(add_validation_info(sig, _context(trust)).getvalue())
    except Exception:  # pyHanko, its validator and HTTP each raise their own
        log.warning("revocation information for the archived copy not available", exc_info=True)
        return Archived(pdf, False, "no se pudo obtener la información de revocación (CRL u OCSP) de todos los "
                                    "certificados de las firmas: la entidad de certificación no respondió")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(out), strict=False)
        stamped = PdfTimeStamper(HTTPTimeStamper(tsa_url)).timestamp_pdf(writer, "sha256", validation_context=_context(trust))
    except Exception:  # the same: the reason is logged, the copy stays as signed
        log.warning("document timestamp for the archived copy not available", exc_info=True)
        return Archived(pdf, False, "no se pudo obtener el sello de tiempo del documento, o la información de "
                                    "revocación del certificado de la autoridad de sellado de tiempo")
    return Archived(bytes(stamped.getvalue()), True, None)

