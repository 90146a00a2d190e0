"""Where messages leave: SMTP (aiosmtplib, one connection reused per batch, reconnect on
disconnect) or, with no SMTP configured, a Maildir under the data directory."""

from __future__ import annotations

import mailbox
import ssl
from pathlib import Path
from typing import Protocol

import aiosmtplib

from conaig_flow.app import Settings


class SendFailed(Exception):
    """One message could not be sent; ``permanent`` for 5xx replies (no retry)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    async def open(self) -> None: ...

    async def send(self, envelope_from: str, recipients: list[str], data: bytes) -> str:
        """Send one message; returns the server's reply. Raises SendFailed."""
        ...

    async def close(self) -> None: ...


class MaildirSender:
    """The embedded default: every message becomes a file a person can open."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._box: mailbox.Maildir | None = None

    async def open(self) -> None:
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self._box = mailbox.Maildir(self.folder, create=True)

    async def send(self, envelope_from: str, recipients: list[str], data: bytes) -> str:
        if not recipients:
            raise SendFailed("Sin destinatarios.", permanent=True)
        assert self._box is not None
        return f"maildir {self._box.add(data)}"

    async def close(self) -> None:
        self._box = None


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host
        self.settings = settings
        self._smtp: aiosmtplib.SMTP | None = None

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_tls == "implicit",
            start_tls=s.smtp_tls == "starttls",
            username=s.smtp_user,
            password=s.smtp_password,
            timeout=s.smtp_timeout,
            tls_context=self._tls_context() if s.smtp_tls != "none" else None,
        )

    def _tls_context(self) -> ssl.SSLContext:
        """The system's trusted authorities, or only CONAIG_SMTP_CA_FILE's; the certificate must
        name the host (no option turns verification off)."""
        ca = self.settings.smtp_ca_file
        try:
            return ssl.create_default_context(cafile=str(ca) if ca else None)
        except (OSError, ssl.SSLError) as exc:
            raise SendFailed(f"no se puede leer el archivo de autoridades de certificación «{ca}» ({exc})",
                             permanent=False) from exc

    def _certificate_refused(self, exc: BaseException) -> SendFailed | None:
        """A clear error when the server's TLS certificate is not trusted (the message stays
        in the outbox, to be retried once the server or CONAIG_SMTP_CA_FILE is fixed)."""
        detail: str | None = None
        seen: BaseException | None = exc
        while seen is not None and detail is None:
            if isinstance(seen, ssl.SSLCertVerificationError):
                detail = str(seen.verify_message or seen)
            seen = seen.__cause__ or seen.__context__
        if detail is None and "certificate verify failed" in str(exc).lower():
            detail = str(exc)
        if detail is None:
            return None
        s = self.settings
        return SendFailed(
            f"certificado TLS del servidor de correo {s.smtp_host}:{s.smtp_port} rechazado: no es de una autoridad de "
            f"confianza o no corresponde a ese servidor ({detail}); no se envió nada. Revise el certificado del "
            "servidor o CONAIG_SMTP_CA_FILE.",
            permanent=False,
        )

    async def open(self) -> None:
        """Connect lazily: the first send opens the connection."""

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is None or not self._smtp.is_connected:
            self._smtp = self._client()
            try:
                await self._smtp.connect()
            except aiosmtplib.SMTPResponseException as exc:
                self._smtp = None
                raise SendFailed(f"{exc.code} {exc.message}", permanent=False) from exc
            except (aiosmtplib.SMTPException, OSError) as exc:
                self._smtp = None
                refused = self._certificate_refused(exc)
                raise (refused or SendFailed(f"conexión: {exc}", permanent=False)) from exc
        return self._smtp

    async def send(self, envelope_from: str, recipients: list[str], data: bytes) -> str:
        if not recipients:
            raise SendFailed("Sin destinatarios.", permanent=True)
        smtp = await self._connected()
        try:
            errors, reply = await smtp.sendmail(envelope_from, recipients, data)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            raise SendFailed(text, permanent=all(c >= 500 for c in codes)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 421:
                await self._drop()
            raise SendFailed(f"{exc.code} {exc.message}", permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._drop()
            raise SendFailed(f"conexión: {type(exc).__name__}: {exc}", permanent=False) from exc
        refused = "; ".join(f"{rcpt}: {r.code} {r.message}" for rcpt, r in errors.items())
        return f"{reply}" + (f" (rechazados: {refused})" if refused else "")

    async def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None

    async def close(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                self._smtp.close()
        self._smtp = None


def sender_for(settings: Settings) -> Sender:
    if settings.smtp_host:
        return SmtpSender(settings)
    return MaildirSender(settings.home / "maildir")
