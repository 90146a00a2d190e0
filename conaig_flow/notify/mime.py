"""A MIME composer for the one shape of message conaig-flow sends: multipart/alternative
(plain text + HTML), wrapped in multipart/mixed when there are attachments; UTF-8 bodies in
base64, non-ASCII headers as RFC 2047 encoded words, CRLF line endings.

Written by hand because building ``email.message`` objects (either policy) cost several
milliseconds per message here, more than sending it; the tests parse these bytes back with
the standard ``email`` parser (headers, both parts, attachments).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

CRLF = "\r\n"


def encode_header(name: str, value: str) -> str:
    """``Name: value`` folded, with RFC 2047 base64 words when ``value`` is not ASCII."""
    if value.isascii():
        return f"{name}: {value}"
    words: list[str] = []
    chunk = b""
    for ch in value:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > 42:  # 42 bytes → 56 base64 chars: each word fits a line
            words.append(chunk.decode("utf-8"))
            chunk = b""
        chunk += b
    if chunk:
        words.append(chunk.decode("utf-8"))
    encoded = [f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words]
    return f"{name}: " + (CRLF + " ").join(encoded)


def _body(text: str) -> str:
    return base64.encodebytes(text.encode("utf-8")).decode("ascii").replace("\n", CRLF)


def _part(content_type: str, text: str, disposition: str | None = None) -> str:
    head = [f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64"]
    if disposition:
        head.append(f"Content-Disposition: {disposition}")
    return CRLF.join(head) + CRLF + CRLF + _body(text)


def compose(
    headers: Sequence[tuple[str, str]],
    text: str,
    html: str,
    attachments: Sequence[tuple[str, str, str]] = (),  # (filename, content type, text)
    seed: str = "",
) -> bytes:
    token = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]
    alt, mixed = f"=_alt_{token}", f"=_mix_{token}"
    alternative = (
        f"--{alt}{CRLF}{_part('text/plain; charset=utf-8', text)}"
        f"--{alt}{CRLF}{_part('text/html; charset=utf-8', html)}"
        f"--{alt}--{CRLF}"
    )
    head = [encode_header(n, v) for n, v in headers] + ["MIME-Version: 1.0"]
    if not attachments:
        head.append(f'Content-Type: multipart/alternative; boundary="{alt}"')
        return (CRLF.join(head) + CRLF + CRLF + alternative).encode("ascii")
    head.append(f'Content-Type: multipart/mixed; boundary="{mixed}"')
    body = f"--{mixed}{CRLF}Content-Type: multipart/alternative; boundary=\"{alt}\"{CRLF}{CRLF}{alternative}"
    for filename, content_type, content in attachments:
        ctype = content_type if "charset=" in content_type else f"{content_type}; charset=utf-8"
        body += f"--{mixed}{CRLF}" + _part(ctype, content, f'attachment; filename="{filename}"')
    body += f"--{mixed}--{CRLF}"
    return (CRLF.join(head) + CRLF + CRLF + body).encode("ascii")
