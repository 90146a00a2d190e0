"""Signing in to the web: password check, login throttling, server-side sessions.

The browser's cookie holds a random session id; the database keeps only its sha256, the
user, a CSRF token and the times that enforce the idle and absolute timeouts (read from
``app.clock``). Failed attempts are counted per account and per address in the database,
so the limits hold across several web workers.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, insert, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import AuthenticationRequired, InvalidCredentials, TooManyAttempts
from conaig_flow.services.audit import record_refusal
from conaig_flow.services.users import verify_password
from conaig_flow.store.tables import UserRow
from conaig_flow.store.tables_web import LoginAttemptRow, WebSessionRow

U = UserRow.__table__  # type: ignore[attr-defined]
S = WebSessionRow.__table__  # type: ignore[attr-defined]
LA = LoginAttemptRow.__table__  # type: ignore[attr-defined]

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
#: last_seen_at is refreshed at most this often (one write per minute, not per request)
TOUCH_EVERY = timedelta(minutes=1)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20

# Run on every signed-in request: built once, so SQLAlchemy reuses its cache key and compiled form.
_RESUME = (
    select(S, U.c.email, U.c.name, U.c.role, U.c.entity_code, U.c.active)
    .join(U, U.c.id == S.c.user_id)
    .where(S.c.id_hash == bindparam("key"))
)
_TOUCH = update(S).where(S.c.id_hash == bindparam("key")).values(last_seen_at=bindparam("now"))

#: A hash to verify against when the account does not exist, so that the time taken does
#: not reveal which accounts exist.
_DUMMY_HASH: str | None = None


@dataclass(frozen=True)
class WebSession:
    token: str  # the random id for the cookie (never stored)
    csrf_token: str
    actor: Actor
    user_id: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def anonymous(account: str) -> Actor:
    return Actor(email=account or "anónimo", name="", role="anonymous", entity="")


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        from conaig_flow.services.users import hash_password

        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def _failures(app: App, account: str, address: str) -> tuple[int, int]:
    since = app.clock.now() - THROTTLE_WINDOW
    with app.db.read() as conn:
        last_ok = conn.execute(
            select(func.max(LA.c.at)).where(LA.c.account == account, LA.c.succeeded.is_(True), LA.c.at >= since)
        ).scalar_one_or_none()
        start = max(since, last_ok) if last_ok is not None else since
        by_account = conn.execute(
            select(func.count()).select_from(LA).where(
                LA.c.account == account, LA.c.succeeded.is_(False), LA.c.at >= start
            )
        ).scalar_one()
        by_address = conn.execute(
            select(func.count()).select_from(LA).where(
                LA.c.address == address, LA.c.succeeded.is_(False), LA.c.at >= since
            )
        ).scalar_one()
    return int(by_account), int(by_address)


def login(app: App, email: str, password: str, address: str, user_agent: str = "") -> WebSession:
    """Check the password and open a new session (always a new id)."""
    account = email.strip().lower()[:320]
    address = address[:64]
    by_account, by_address = _failures(app, account, address)
    if by_account >= MAX_FAILURES_PER_ACCOUNT or by_address >= MAX_FAILURES_PER_ADDRESS:
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        exc = TooManyAttempts(
            "Demasiados intentos fallidos de inicio de sesión. Espere "
            f"{minutes} minutos e inténtelo de nuevo, o pida ayuda a la Secretaría Técnica."
        )
        record_refusal(app, anonymous(account), "login", f"cuenta {account} desde {address}", exc.message)
        raise exc
    with app.db.read() as conn:
        user = conn.execute(select(U).where(U.c.email == account)).first()
    stored = user.password_hash if user is not None and user.active and user.password_hash else None
    ok = verify_password(password, stored or _dummy_hash()) and stored is not None
    now = app.clock.now()
    with app.db.write() as conn:
        conn.execute(insert(LA).values(at=now, account=account, address=address, succeeded=ok))
        if ok and user is not None:
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            conn.execute(
                insert(S).values(
                    id_hash=_digest(token), user_id=user.id, csrf_token=csrf, created_at=now,
                    last_seen_at=now, address=address, user_agent=user_agent[:200],
                )
            )
    if not ok or user is None:
        exc2 = InvalidCredentials("Correo o contraseña incorrectos.")
        record_refusal(app, anonymous(account), "login", f"cuenta {account} desde {address}", exc2.message)
        raise exc2
    actor = Actor(email=user.email, name=user.name, role=user.role, entity=user.entity_code)
    return WebSession(token=token, csrf_token=csrf, actor=actor, user_id=int(user.id))


def resume(app: App, token: str | None) -> WebSession:
    """The session behind a cookie; AuthenticationRequired when missing, expired or ended."""
    if not token:
        raise AuthenticationRequired("Inicie sesión para continuar.")
    key = _digest(token)
    now = app.clock.now()
    with app.db.read() as conn:
        row = conn.execute(_RESUME, {"key": key}).first()
    if row is None:
        raise AuthenticationRequired("Inicie sesión para continuar.")
    expired = now - row.last_seen_at > IDLE_TIMEOUT or now - row.created_at > ABSOLUTE_TIMEOUT
    if expired or not row.active:
        with app.db.write() as conn:
            conn.execute(delete(S).where(S.c.id_hash == key))
        raise AuthenticationRequired("Su sesión expiró. Inicie sesión nuevamente.")
    if now - row.last_seen_at > TOUCH_EVERY:
        with app.db.write() as conn:
            conn.execute(_TOUCH, {"key": key, "now": now})
    actor = Actor(email=row.email, name=row.name, role=row.role, entity=row.entity_code)
    return WebSession(token=token, csrf_token=row.csrf_token, actor=actor, user_id=int(row.user_id))


def logout(app: App, token: str | None) -> None:
    """End the session: its id stops working at once, whoever holds it."""
    if token:
        with app.db.write() as conn:
            conn.execute(delete(S).where(S.c.id_hash == _digest(token)))


def csrf_matches(session: WebSession, presented: str | None) -> bool:
    return bool(presented) and secrets.compare_digest(session.csrf_token, str(presented))
