"""Messages built with the standard library's ``email`` package: ``EmailMessage`` under
``policy.SMTP`` (CRLF, lines folded at 78, RFC 5322 addresses, RFC 2047 encoded words for
non-ASCII header text, RFC 2231 parameters for non-ASCII file names), with 7-bit bodies
(ASCII as is, anything else in base64), so every message can cross any SMTP server,
8BITMIME or not.

The one shape conaig-flow sends: multipart/alternative (plain text + HTML), wrapped in
multipart/mixed when there are attachments (the .ics invitations).

What keeps the cost low is a policy, not a composer: ``SmtpPolicy`` is ``policy.SMTP`` that
remembers what it already did. Most headers repeat from message to message (From, the
recipients of an entity, Auto-Submitted, every part's Content-Type and
Content-Transfer-Encoding); the policy keeps the header object it parsed for a value and the
bytes it folded for that object, and hands them back the next time. A header object is
immutable and its folding a function of it, so the bytes are the same as without the memory
(``tests/test_notify_mime.py`` compares them byte for byte with plain ``policy.SMTP``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email.headerregistry import BaseHeader, ContentTypeHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from functools import lru_cache
from typing import Any

#: How many parsed header values and folded headers each policy remembers.
MEMORY = 4096


class _Registry(HeaderRegistry):
    """``HeaderRegistry`` builds a new class (``type(...)``) every time it is asked for a
    header's class, and ``Message.__setitem__`` asks for every header set; the classes are
    stateless, so one per header name is kept."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


class SmtpPolicy(EmailPolicy):
    """``policy.SMTP`` (with ``cte_type="7bit"`` by default) that remembers the header objects
    it parsed from a value and the folded bytes of each header object."""

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("linesep", "\r\n")
        kw.setdefault("cte_type", "7bit")
        kw.setdefault("header_factory", _Registry())
        super().__init__(**kw)
        self._forget()

    def _forget(self) -> None:
        store = super().header_store_parse
        object.__setattr__(self, "_parsed", lru_cache(maxsize=MEMORY)(store))
        object.__setattr__(self, "_folded", {})

    def clone(self, **kw: Any) -> SmtpPolicy:
        """A clone with other settings folds differently: it starts with its own memory."""
        new: SmtpPolicy = super().clone(**kw)
        new._forget()
        return new

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, str) and not hasattr(value, "name"):
            parsed: tuple[str, Any] = self._parsed(name, value)  # type: ignore[attr-defined]
            return parsed
        return super().header_store_parse(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if not isinstance(value, BaseHeader):
            return super().fold_binary(name, value)
        folded: dict[int, tuple[str, BaseHeader, bytes]] = self._folded  # type: ignore[attr-defined]
        hit = folded.get(id(value))
        if hit is not None and hit[1] is value and hit[0] == name:
            return hit[2]
        data: bytes = super().fold_binary(name, value)
        if len(folded) >= MEMORY:
            folded.clear()
        folded[id(value)] = (name, value, data)  # the entry holds the object: its id is not reused meanwhile
        return data


POLICY = SmtpPolicy()


@lru_cache(maxsize=64)
def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    """("text", "calendar", {"method": "REQUEST"}) from "text/calendar; method=REQUEST"."""
    header = POLICY.header_factory("Content-Type", value)
    assert isinstance(header, ContentTypeHeader)
    return header.maintype, header.subtype, dict(header.params)


def _cte(body: str) -> str | None:
    """7bit for ASCII bodies (the content manager's choice), base64 for the others: left to
    itself the content manager sniffs both encodings and then writes quoted-printable in pure
    Python, about a fifth of a message's build time."""
    return None if body.isascii() else "base64"


def compose(
    headers: Sequence[tuple[str, str]],
    text: str,
    html: str,
    attachments: Sequence[tuple[str, str, str]] = (),  # (filename, content type, text)
    seed: str = "",
    policy: EmailPolicy = POLICY,
) -> bytes:
    """The message as the bytes sent over SMTP. ``headers`` are (name, value) with values as a
    person would write them ("Ana Pérez <ana@minsa.gob.pe>, st@mimp.gob.pe"): the policy
    encodes and folds them. Attachments are text (UTF-8). The MIME boundaries derive from
    ``seed`` (the outbox key): the same message gives the same bytes. ``policy`` is for the
    tests that compare ``POLICY`` with plain ``policy.SMTP``."""
    msg = EmailMessage(policy=policy)
    for name, value in headers:
        if not name.lower().startswith("content-"):
            msg[name] = value
    msg.set_content(text, cte=_cte(text))
    msg.add_alternative(html, subtype="html", cte=_cte(html))
    for filename, content_type, content in attachments:
        maintype, subtype, params = _content_type(content_type)
        if maintype != "text":
            raise ValueError(f"adjunto «{filename}»: se esperaba un tipo de texto, no «{content_type}»")
        charset = params.pop("charset", "utf-8")
        msg.add_attachment(content, subtype=subtype, charset=charset, params=params, filename=filename,
                           cte=_cte(content))
    for name, value in headers:  # after the parts: making a multipart moves Content-* headers into its first part
        if name.lower().startswith("content-"):
            msg[name] = value
    token = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
    if not any(token in body for body in (text, html, *(a[2] for a in attachments))):
        # (a body that contained the token would keep the generator's random boundaries)
        if attachments:
            msg.set_boundary(f"conaig-mixed-{token}")
            alternative = msg.get_payload(0)
            assert isinstance(alternative, EmailMessage)
            alternative.set_boundary(f"conaig-alternative-{token}")
        else:
            msg.set_boundary(f"conaig-alternative-{token}")
    return msg.as_bytes()
