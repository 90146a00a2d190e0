"""What the acta's signing page reads: who signs, who has signed, which signatures the person
reading may bring, the archived copy's level. Reading it needs what reading a session needs."""

from __future__ import annotations

from dataclasses import dataclass

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import SessionRuleViolation
from conaig_flow.services.sessions import signing
from conaig_flow.services.sessions.signers import RequiredSigner
from conaig_flow.services.sessions.signing import SigningState
from conaig_flow.services.sessions.views import SessionRecord
from conaig_flow.web.views import sessions as session_pages


@dataclass(frozen=True)
class SignerLine:
    signer: RequiredSigner
    signed_by: str | None  # the name on the certificate, once the signature verified
    mine: bool  # the reader may download the copy to sign and upload the signed PDF


@dataclass(frozen=True)
class SigningPage:
    record: SessionRecord
    state: SigningState | None  # None: not prepared for signing yet
    lines: list[SignerLine]
    can_prepare: bool  # the secretariat, on an approved acta not prepared yet
    can_archive: bool  # the secretariat, on a signed acta whose copy is not B-LTA


def signing_page(app: App, actor: Actor, session_id: int) -> SigningPage:
    record = session_pages.record_for(app, actor, session_id)
    if record.acta_code is None or record.kind == "trabajo":
        raise SessionRuleViolation("La sesión no tiene acta todavía: se genera al concluir la sesión.")
    runner = session_pages.can_run(actor)
    try:
        st: SigningState | None = signing.state(app, session_id)
    except SessionRuleViolation:
        st = None
    if st is None:
        return SigningPage(record, None, [], runner and record.acta_state == "approved", False)
    mine = {s.key for s in signing.signable(app, actor, session_id)}
    lines = [SignerLine(s, name, s.key in mine) for s, name in st.signers]
    return SigningPage(record, st, lines, False,
                       runner and st.acta_state == "signed" and st.archive.level not in (None, "B-LTA"))
