"""A person's own account: changing one's password, and resetting a forgotten one by email.

A reset link works once, for ``RESET_VALID`` after it was asked for; the database keeps only
the sha256 of its token. Asking for a link answers the same, in the same way, whether or not
the address belongs to an active account: a row is written in both cases (without a token for
an unknown address) and an email is queued only for a real account, so neither the words nor
the work done tell who has an account. Changing a password, either way, ends every open
session of that person.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput
from conaig_flow.notify.outbox import NewMessage, enqueue
from conaig_flow.services.audit import record_refusal
from conaig_flow.services.users import hash_password, verify_password
from conaig_flow.store.tables import UserRow
from conaig_flow.store.tables_web import PasswordResetRow, WebSessionRow

U = UserRow.__table__  # type: ignore[attr-defined]
S = WebSessionRow.__table__  # type: ignore[attr-defined]
PR = PasswordResetRow.__table__  # type: ignore[attr-defined]

MIN_PASSWORD = 10
RESET_VALID = timedelta(minutes=30)
#: at most this many links per account and hour (more requests are answered alike, and ignored)
RESETS_PER_HOUR = 3
INVALID_LINK = ("El enlace para restablecer la contraseña no es válido, ya se usó o caducó "
                f"(vale {int(RESET_VALID.total_seconds() // 60)} minutos). Solicite uno nuevo.")


def check_new_password(password: str, confirmation: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"La nueva contraseña debe tener al menos {MIN_PASSWORD} caracteres.")
    if password != confirmation:
        raise InvalidInput("La nueva contraseña y su confirmación no coinciden. Escríbala dos veces igual.")


def change_password(app: App, actor: Actor, user_id: int, current: str, new: str, confirmation: str) -> None:
    """Change one's own password (the current one is asked again); ends all one's sessions."""
    with app.db.read() as conn:
        stored = conn.execute(select(U.c.password_hash).where(U.c.id == user_id)).scalar_one_or_none()
    if not stored or not verify_password(current, stored):
        exc = InvalidInput("La contraseña actual no es correcta.")
        record_refusal(app, actor, "cambiar contraseña", actor.email, exc.message)
        raise exc
    check_new_password(new, confirmation)
    if new == current:
        raise InvalidInput("La nueva contraseña debe ser distinta de la actual.")
    with app.db.write() as conn:
        conn.execute(update(U).where(U.c.id == user_id).values(password_hash=hash_password(new)))
        conn.execute(delete(S).where(S.c.user_id == user_id))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def request_reset(app: App, email: str, address: str) -> None:
    """Queue a reset link for an active account; the same visible result for any address."""
    account = email.strip().lower()[:320]
    now = app.clock.now()
    token = secrets.token_urlsafe(32)
    with app.db.write() as conn:
        user = conn.execute(select(U).where(U.c.email == account)).first()
        recent = conn.execute(
            select(func.count()).select_from(PR).where(PR.c.account == account, PR.c.requested_at > now - timedelta(hours=1))
        ).scalar_one()
        real = user is not None and bool(user.active) and recent < RESETS_PER_HOUR
        reset_id = conn.execute(insert(PR).values(
            token_hash=_digest(token) if real else None, account=account,
            user_id=user.id if user is not None else None, address=address[:64],
            requested_at=now, expires_at=now + RESET_VALID,
        ).returning(PR.c.id)).scalar_one()
        if real and user is not None:
            enqueue(conn, NewMessage(
                key=f"cuenta:restablecer:{reset_id}", kind="account", template="restablecer_contrasena",
                to=[user.email],
                context={"name": user.name, "link": f"/contrasena/nueva?token={token}",
                         "expires_at": (now + RESET_VALID).isoformat(), "address": address[:64]},
            ), now)


@dataclass(frozen=True)
class ResetLink:
    account: str
    name: str


def check_reset(app: App, token: str) -> ResetLink:
    """The account a reset link is for, while it is valid; InvalidInput otherwise."""
    now = app.clock.now()
    with app.db.read() as conn:
        row = conn.execute(
            select(PR.c.account, U.c.name).join(U, U.c.id == PR.c.user_id)
            .where(PR.c.token_hash == _digest(token), PR.c.used_at.is_(None), PR.c.expires_at > now, U.c.active.is_(True))
        ).first()
    if row is None:
        raise InvalidInput(INVALID_LINK)
    return ResetLink(row.account, row.name)


def reset_password(app: App, token: str, new: str, confirmation: str) -> str:
    """Set a new password through a reset link (once); ends every session. Returns the account."""
    check_new_password(new, confirmation)
    now = app.clock.now()
    with app.db.write() as conn:
        row = conn.execute(
            select(PR.c.id, PR.c.user_id, PR.c.account).join(U, U.c.id == PR.c.user_id)
            .where(PR.c.token_hash == _digest(token), U.c.active.is_(True))
        ).first()
        # the link is spent by one conditional UPDATE: two uses at once cannot both pass
        spent = row is not None and conn.execute(
            update(PR).where(PR.c.id == row.id, PR.c.used_at.is_(None), PR.c.expires_at > now).values(used_at=now)
        ).rowcount == 1
        if not spent or row is None:
            raise InvalidInput(INVALID_LINK)
        conn.execute(update(U).where(U.c.id == row.user_id).values(password_hash=hash_password(new)))
        conn.execute(delete(S).where(S.c.user_id == row.user_id))
        # any other link still open for this account is spent too
        conn.execute(update(PR).where(PR.c.user_id == row.user_id, PR.c.used_at.is_(None)).values(used_at=now))
    return str(row.account)
