"""Tables of signed documents (issue 16): the PDF/A an acta is signed on, each PAdES signature
verified and accepted on it, and the PDFs prepared for signing outside the app. No key or
certificate password is ever stored; the certificates are in the signed PDFs themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from conaig_flow.store.tables import _ts


class SignedDocumentRow(SQLModel, table=True):
    __tablename__ = "signed_documents"
    id: int | None = Field(default=None, primary_key=True)
    acta_id: int = Field(foreign_key="session_actas.id", unique=True)
    name: str  # file name offered for download
    base_sha256: str = Field(foreign_key="documents.sha256")  # the PDF/A before any signature
    current_sha256: str = Field(foreign_key="documents.sha256")  # with every signature accepted so far
    slots: str  # JSON: [{key, role, entity, caption, page, box}]
    checkpoint_seq: int | None = None  # the audit checkpoint printed in the document
    checkpoint_root: str | None = None
    prepared_by: str
    prepared_at: datetime = Field(sa_column=_ts())
    completed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: the archived copy once every signature verified: the signed PDF with the validation
    #: material (DSS) and a document timestamp, PAdES B-LTA (migration 0007)
    archived_sha256: str | None = Field(default=None, foreign_key="documents.sha256")
    archive_level: str | None = None  # B-LTA, or the signatures' level when the copy could not be made
    archive_note: str | None = None  # why the copy is not B-LTA (Spanish)
    archived_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class PdfSignatureRow(SQLModel, table=True):
    __tablename__ = "pdf_signatures"
    __table_args__ = (UniqueConstraint("signed_document_id", "slot_key", name="uq_pdf_signature_slot"),)
    id: int | None = Field(default=None, primary_key=True)
    signed_document_id: int = Field(foreign_key="signed_documents.id", index=True)
    slot_key: str  # secretariat | presidency | member:RREE
    entity_code: str
    signer_name: str  # the certificate's common name
    subject: str
    issuer: str
    serial: str
    certificate_sha256: str
    level: str  # B-B | B-T (when accepted; the archived copy is B-LTA)
    method: str  # pkcs12 | external
    revision_sha256: str = Field(foreign_key="documents.sha256")  # the PDF as it was after this signature
    recorded_by: str
    recorded_at: datetime = Field(sa_column=_ts())


class ExternalSigningRow(SQLModel, table=True):
    """A PDF handed to a signer to sign with their own tool; the upload must be it plus one signature."""

    __tablename__ = "external_signings"
    id: int | None = Field(default=None, primary_key=True)
    signed_document_id: int = Field(foreign_key="signed_documents.id", index=True)
    slot_key: str
    from_sha256: str = Field(foreign_key="documents.sha256")  # the signed document's current PDF then
    prepared_sha256: str = Field(foreign_key="documents.sha256")
    prepared_by: str
    prepared_at: datetime = Field(sa_column=_ts())
