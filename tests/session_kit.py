"""Helpers for the session tests: people, a convened session, arrivals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.actors import Actor
from conaig_flow.services import plans, users
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import sessions
from conaig_flow.store.definitions import default_plan_file
from tests.conftest import add_people, make_app

SEC = "st@example.pe"
DAY = "2022-05-20"  # a Friday; convened on Monday the 16th


def lima(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LIMA)


def setup_people(app: App) -> Actor:
    """Officers, the secretariat, and a titular and an alterno member for every entity."""
    add_people(app)
    for e in app.definitions().plan.entities:
        users.add_user(app, f"titular.{e.code.lower()}@example.pe", f"Titular de {e.code}", e.code, "member", capacity="titular")
        users.add_user(app, f"alterno.{e.code.lower()}@example.pe", f"Alterno de {e.code}", e.code, "member", capacity="alterno")
    return users.actor_for(app, SEC)


def voting_codes(app: App) -> list[str]:
    return [e.code for e in app.definitions().plan.voting_members]


def convened_session(
    app: App, clock: FixedClock, st: Actor, *, day: str = DAY, others: Iterable[str] = ("Punto uno", "Punto dos"),
    second_call: str | None = None, convene_on: str = "2022-05-16T09:00", recorded_at: str = "18:00",
) -> int:
    clock.set(lima(convene_on))
    created = sessions.create_session(
        app, st, scheduled_at=lima(f"{day}T10:00"), kind="ordinaria", place="Sala de sesiones del MIMP",
        second_call_at=lima(second_call) if second_call else None,
    )
    for text in others:
        sessions.add_item(app, st, created.id, other=text)
    sessions.convene(app, st, created.id)
    # The secretariat records the session's times afterwards, the same evening: every time
    # given with ``at`` is then in the past of the clock, as the services require.
    clock.set(lima(f"{day}T{recorded_at}"))
    return created.id


def arrive(app: App, st: Actor, sid: int, entities: Iterable[str], at: str, day: str = DAY) -> None:
    for code in entities:
        session_attendance.attend(app, st, sid, code, at=lima(f"{day}T{at}"))


#: The CONAIG plan as a commission whose norm allows a grounded abstention (its legal basis is
#: already written in the plan): ``variant_plan``/``variant_app`` replacements.
ABSTENTION_ALLOWED = {"abstention: {allowed: false}": "abstention: {allowed: true, grounds_required: true}"}


def variant_plan(tmp_path: Path, replacements: dict[str, str]) -> Path:
    """The CONAIG plan with some lines of its ``session_rules`` replaced (a commission whose
    reglamento interno sets other rules); the shipped lifecycles are used."""
    text = default_plan_file().read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    folder = tmp_path / "variant" / "plans"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "conaig-variante.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def variant_app(store_url: str, tmp_path: Path, clock: FixedClock, replacements: dict[str, str]) -> App:
    app = make_app(store_url, tmp_path / "home-variant", clock)
    plans.init(app, variant_plan(tmp_path, replacements))
    return app


@contextmanager
def abstention_allowed_app(tmp_path: Path, clock: FixedClock, store_url: str | None = None) -> Iterator[App]:
    """An app whose plan allows a grounded abstention (``ABSTENTION_ALLOWED``), closed at the end;
    on a SQLite file in ``tmp_path`` unless ``store_url`` is given."""
    app = variant_app(store_url or f"sqlite:///{tmp_path / 'conaig.db'}", tmp_path, clock, ABSTENTION_ALLOWED)
    try:
        yield app
    finally:
        app.close()
