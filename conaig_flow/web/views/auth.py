"""Signing in to the web: password check, login throttling, server-side sessions.

The browser's cookie holds a random session id; the database keeps only its sha256, the
user, a CSRF token and the times that enforce the idle and absolute timeouts (read from
``app.clock``).

Throttling is per (account, address) pair and never locks the real owner out: each pair has
``FREE_FAILURES`` free failures, then waits twice as long after each further one (1 s, 2 s,
4 s … up to ``MAX_DELAY``). Before a password is checked, the pair's next check is claimed with
one conditional UPDATE in the database, so concurrent attempts — from one worker or several —
cannot all pass the count at once. A success clears the pair. The owner, signing in from
another address, is not delayed by an attacker's failures.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import AccountDisabled, AuthenticationRequired, InvalidCredentials, TooManyAttempts
from conaig_flow.services.audit import record_anonymous_refusal, record_refusal
from conaig_flow.services.users import verify_password
from conaig_flow.store.tables import UserRow
from conaig_flow.store.tables_web import LoginAttemptRow, LoginThrottleRow, WebSessionRow

U = UserRow.__table__  # type: ignore[attr-defined]
S = WebSessionRow.__table__  # type: ignore[attr-defined]
LA = LoginAttemptRow.__table__  # type: ignore[attr-defined]
LT = LoginThrottleRow.__table__  # type: ignore[attr-defined]

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
#: last_seen_at is refreshed at most this often (one write per minute, not per request)
TOUCH_EVERY = timedelta(minutes=1)
FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=15)
#: while one attempt of a pair is being checked, the others of that pair wait (its own claim)
CHECK_LEASE = timedelta(seconds=30)

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


def delay_after(failures: int) -> timedelta:
    """How long a pair waits after its ``failures``-th failure in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(MAX_DELAY, timedelta(seconds=2 ** (failures - FREE_FAILURES)))


def wait_phrase(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return "1 segundo" if seconds == 1 else f"{seconds} segundos"
    minutes = math.ceil(seconds / 60)
    return "1 minuto" if minutes == 1 else f"{minutes} minutos"


def _ensure_pair(conn: Connection, account: str, address: str, now: datetime) -> None:
    """The pair's row, created once even when several attempts arrive together."""
    insert_ = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert_(LT).values(account=account, address=address, failures=0, next_allowed_at=now,
                                    updated_at=now).on_conflict_do_nothing())


def _claim_check(app: App, account: str, address: str) -> None:
    """Claim the right to check one password for this pair now, or refuse with the wait."""
    now = app.clock.now()
    with app.db.write() as conn:
        _ensure_pair(conn, account, address, now)
        # one conditional UPDATE: of attempts arriving together, exactly one finds the pair free
        claimed = conn.execute(
            update(LT).where(LT.c.account == account, LT.c.address == address, LT.c.next_allowed_at <= now)
            .values(next_allowed_at=now + CHECK_LEASE, updated_at=now)
        ).rowcount
        waiting = None if claimed == 1 else conn.execute(
            select(LT.c.next_allowed_at).where(LT.c.account == account, LT.c.address == address)
        ).scalar_one()
    if waiting is not None:
        seconds = (waiting - now).total_seconds()
        exc = TooManyAttempts(
            "Demasiados intentos fallidos de inicio de sesión con esta cuenta desde su conexión. "
            f"Espere {wait_phrase(seconds)} e inténtelo de nuevo, o restablezca su contraseña con "
            "«¿Olvidó su contraseña?».",
            retry_after=max(1, math.ceil(seconds)),
        )
        record_anonymous_refusal(app, "login", f"cuenta {account} desde {address}", exc.message)
        raise exc


def _settle(conn: Connection, account: str, address: str, ok: bool, now: datetime) -> None:
    if ok:
        conn.execute(delete(LT).where(LT.c.account == account, LT.c.address == address))
        return
    _ensure_pair(conn, account, address, now)
    # this attempt holds the pair's claim, so no other check of the pair runs meanwhile
    n = int(conn.execute(
        select(LT.c.failures).where(LT.c.account == account, LT.c.address == address)
    ).scalar_one()) + 1
    conn.execute(update(LT).where(LT.c.account == account, LT.c.address == address)
                 .values(failures=n, next_allowed_at=now + delay_after(n), updated_at=now))


def login(app: App, email: str, password: str, address: str, user_agent: str = "") -> WebSession:
    """Check the password and open a new session (always a new id)."""
    account = email.strip().lower()[:320]
    address = address[:64]
    _claim_check(app, account, address)
    with app.db.read() as conn:
        user = conn.execute(select(U).where(U.c.email == account)).first()
    stored = user.password_hash if user is not None and user.password_hash else None
    matches = verify_password(password, stored or _dummy_hash()) and stored is not None
    ok = matches and user is not None and bool(user.active)
    now = app.clock.now()
    with app.db.write() as conn:
        conn.execute(insert(LA).values(at=now, account=account, address=address, succeeded=ok))
        _settle(conn, account, address, matches, now)
        if ok and user is not None:
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            conn.execute(
                insert(S).values(
                    id_hash=_digest(token), user_id=user.id, csrf_token=csrf, created_at=now,
                    last_seen_at=now, address=address, user_agent=user_agent[:200],
                )
            )
    if matches and user is not None and not user.active:
        # only whoever knows the password learns that the account exists and is deactivated
        exc1 = AccountDisabled(
            "Su cuenta está desactivada. Pida a la administración del sistema (o a la Secretaría "
            "Técnica) que la reactive."
        )
        record_refusal(app, anonymous(account), "login", f"cuenta {account} desde {address}", exc1.message)
        raise exc1
    if not ok or user is None:
        exc2 = InvalidCredentials("Correo o contraseña incorrectos.")
        record_refusal(app, anonymous(account), "login", f"cuenta {account} desde {address}", exc2.message)
        raise exc2
    actor = Actor(email=user.email, name=user.name, role=user.role, entity=user.entity_code)
    return WebSession(token=token, csrf_token=csrf, actor=actor, user_id=int(user.id))


def open_session(app: App, user_id: int, address: str, user_agent: str = "") -> WebSession:
    """A new session for a user who just proved who they are (e.g. after changing the password)."""
    now = app.clock.now()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with app.db.write() as conn:
        user = conn.execute(select(U).where(U.c.id == user_id)).one()
        conn.execute(insert(S).values(id_hash=_digest(token), user_id=user_id, csrf_token=csrf, created_at=now,
                                      last_seen_at=now, address=address[:64], user_agent=user_agent[:200]))
    actor = Actor(email=user.email, name=user.name, role=user.role, entity=user.entity_code)
    return WebSession(token=token, csrf_token=csrf, actor=actor, user_id=user_id)


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
