"""`conaig demo` keeps its clock moving forward across restarts and honours CONAIG_HOME."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.cli import cli
from conaig_flow.cli.demo import SECRETARIAT, demo_start, officer_email
from conaig_flow.clock import LIMA, FixedClock, ShiftedClock
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.recorded_time import latest_instant
from conaig_flow.store.tables import EventRow
from conaig_flow.store.tables_sessions import SessionRow
from tests.conftest import pdf_bytes

E = EventRow.__table__  # type: ignore[attr-defined]
S = SessionRow.__table__  # type: ignore[attr-defined]


def _demo(home: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "demo", "--no-serve"], env={"CONAIG_HOME": str(home), "CONAIG_NOW": ""})
    assert result.exit_code == 0, result.output
    return result.output


def _times_never_go_back(home: Path) -> None:
    app = bootstrap(Settings.from_env({}, home=home), clock=FixedClock(datetime(2022, 5, 16, tzinfo=LIMA)))
    try:
        with app.db.read() as conn:
            events = conn.execute(select(E.c.deliverable_id, E.c.seq, E.c.at).order_by(E.c.deliverable_id, E.c.seq)).all()
            held = conn.execute(select(S)).all()
    finally:
        app.close()
    last: dict[int, datetime] = {}
    for deliverable_id, seq, at in events:
        assert at >= last.get(deliverable_id, at), (deliverable_id, seq, at, last[deliverable_id])
        last[deliverable_id] = at
    for s in held:
        stamps = [t for t in (s.created_at, s.convened_at, s.opened_at, s.closed_at) if t is not None]
        assert stamps == sorted(stamps), s.id


def test_a_restarted_demo_continues_from_the_latest_record_and_honours_conaig_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "mi-demo"
    first = _demo(home)
    assert "Reloj de la demostración: 16 de mayo de 2022, 10:00" in first
    assert (home / "conaig.db").exists() and not (tmp_path / "conaig-demo").exists()

    # the demo was used until 10 June 2022, 15:00: the secretariat observed MIMP's protocol
    app = bootstrap(Settings.from_env({}, home=home), clock=FixedClock(datetime(2022, 6, 10, 15, 0, tzinfo=LIMA)))
    (mimp,) = deliverables.list_deliverables(app, entity="MIMP", activity="A1.1")
    deliverables.advance(app, users.actor_for(app, SECRETARIAT), mimp.id, "observe", comment="Precisar los plazos.")
    app.close()

    again = _demo(home)
    assert "Reloj de la demostración: 10 de junio de 2022, 15:00 (hora de Lima), a continuación del último registro." in again

    # what is done after the restart, on the demo's clock, comes after what was done before it
    app = bootstrap(Settings.from_env({}, home=home))
    app.clock = ShiftedClock(demo_start(latest_instant(app)))
    deliverables.advance(app, users.actor_for(app, officer_email("MIMP")), mimp.id, "resubmit",
                         documents=[("protocolo-mimp-v2.pdf", pdf_bytes())])
    (last,) = [e for e in deliverables.history(app, users.actor_for(app, SECRETARIAT), mimp.id) if e.trigger == "resubmit"]
    assert last.at > datetime(2022, 6, 10, 15, 0, tzinfo=LIMA)
    app.close()
    _times_never_go_back(home)

    explicit = _demo(home, "--now", "2022-05-20T09:00")
    assert "Reloj de la demostración: 20 de mayo de 2022, 09:00 (hora de Lima), como se indicó." in explicit
