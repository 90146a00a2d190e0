"""The measured workloads: conaig-flow's real transition service and the stdlib sqlite3 floor.

Both run on a fresh SQLite file initialised by ``conaig init`` with a plan generated for the
benchmark, so they see the same schema, indexes and rows, and both take every deliverable
through the same three transitions (submit → accept → approve of the ``protocol_norm``
lifecycle), one transaction per transition with its event row. A workload is prepared
untimed; the driver then calls ``step(i)`` for each transition and times only that.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from conaig_flow.bootstrap import App, Settings, bootstrap
from conaig_flow.domain import engine as engine_module
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.engine import Evidence
from conaig_flow.services import audit, plans
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.definitions import default_workflows_dir

ENTITIES = 20  # about the size of a real commission (CONAIG has 21 members)
NORM = "Resolución Ministerial N° 123-2022-MINSA"
SECRETARIAT = Actor(email="st@bench.example.pe", name="Secretaría Técnica", role="secretariat", entity="E01")
#: (trigger, destination state, fired by the owning entity's officer?) in lifecycle order.
LIFECYCLE = (("submit", "submitted", True), ("accept", "reviewed", False), ("approve", "approved", True))


def bench_plan(n: int) -> dict[str, object]:
    """A plan with 20 entities that each owe one protocol norm per month: at least ``n``
    deliverables, as many months as needed (the plan's lookups stay the size of a real plan)."""
    months = max(1, -(-n // ENTITIES))
    codes = [f"E{i:02d}" for i in range(1, ENTITIES + 1)]
    periods = []
    for m in range(months):
        year, month = 2021 + m // 12, m % 12 + 1
        last = calendar.monthrange(year, month)[1]
        periods.append(
            {"code": f"M{m + 1:03d}", "name": f"Mes {m + 1}", "start": date(year, month, 1), "end": date(year, month, last)}
        )
    return {
        "schema_version": 1,
        "plan": {"code": "bench", "title": "Plan sintético para medir transiciones"},
        "commission": {
            "code": "BENCH",
            "name": "Comisión de prueba",
            "presidency": "E01",
            "secretariat": {"entity": "E01", "unit_code": "ST", "unit_name": "Secretaría Técnica"},
        },
        "entities": [{"code": c, "name": f"Entidad {c}"} for c in codes],
        "periods": periods,
        "objectives": [{"code": "OB1", "number": 1, "title": "Medir el rendimiento"}],
        "activities": [
            {
                "code": "B1",
                "objective": "OB1",
                "title": "Protocolos mensuales (sintéticos)",
                "product": {"kind": "protocol_norm", "name": "Norma institucional que aprueba el protocolo"},
                "responsible": {"entities": codes},
                "schedule": [p["code"] for p in periods],
                "recurrence": "per_period",
            }
        ],
    }


def write_plan(folder: Path, n: int) -> Path:
    path = folder / "plans" / "bench.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(bench_plan(n), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def fresh_app(folder: Path, plan_file: Path, synchronous: str) -> tuple[App, list[tuple[int, str]]]:
    """A new SQLite file with the bench plan loaded; the ids and owners of its deliverables."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {"CONAIG_SQLITE_SYNCHRONOUS": synchronous}
    app = bootstrap(Settings.from_env(env, home=folder, db_url=f"sqlite:///{folder / 'conaig.db'}"))
    plans.init(app, plan_file, default_workflows_dir() / "lifecycles")
    targets = [(d.id, d.owner) for d in deliverables.list_deliverables(app)]
    return app, targets


def _pdf() -> bytes:
    from conaig_flow.cli.demo import demo_pdf

    return demo_pdf("Protocolo", "benchmark")


class ConaigWorkload:
    """The real service: ``advance_in`` inside ``app.db.write()``, exactly as ``advance`` runs it
    (``advance`` adds only the storing of uploaded files and the refusal record)."""

    name = "conaig_flow"

    def __init__(self, folder: Path, plan_file: Path, synchronous: str, n: int, *, notices: bool = False) -> None:
        before = engine_module.machines_built
        self.app, targets = fresh_app(folder, plan_file, synchronous)
        self.machines_for_app = engine_module.machines_built - before
        if notices:
            # the shipped configuration: each state change also writes the notices it causes
            # (issue 4) to the outbox, in the same transaction
            self.name = "conaig_flow_with_notices"
        else:
            # the state change as the floor does it: versioned row update + hash-chained event
            self.app.transition_listeners.clear()
        self.targets = targets[:n]
        stored = self.app.documents.put("protocolo.pdf", _pdf())
        with self.app.db.write() as conn:  # registered as an upload registers it (the audit checks it)
            deliverables.record_document(self.app, conn, stored)
        document = stored.sha256
        evidence = {
            "submit": Evidence(documents=(document,)),
            "accept": Evidence(),
            "approve": Evidence(norm_reference=NORM, documents=(document,)),
        }
        officers = {o: Actor(f"enlace.{o.lower()}@bench.example.pe", f"Enlace {o}", "officer", o) for _, o in self.targets}
        self.ops = [
            (officers[owner] if by_officer else SECRETARIAT, deliverable_id, trigger, evidence[trigger])
            for trigger, _, by_officer in LIFECYCLE
            for deliverable_id, owner in self.targets
        ]
        self.machines_before_steps = engine_module.machines_built

    def __len__(self) -> int:
        return len(self.ops)

    def step(self, i: int) -> None:
        actor, deliverable_id, trigger, evidence = self.ops[i]
        with self.app.db.write() as conn:
            deliverables.advance_in(self.app, conn, actor, deliverable_id, trigger, evidence)

    def finish(self) -> dict[str, int]:
        """Check the outcome (every deliverable approved, audit chain intact) and count Machines."""
        try:
            during = engine_module.machines_built - self.machines_before_steps
            engine = self.app.engine()
            attached = sum(len(engine.machine(kind).models) for kind in engine.lifecycles)
            states = {d.id: d.state for d in deliverables.list_deliverables(self.app)}
            if any(states[i] != "approved" for i, _ in self.targets):
                raise SystemExit("benchmark: not every deliverable reached «approved»")
            broken = audit.verify(self.app).first_break
            if broken is not None:
                raise SystemExit(f"benchmark: the audit chain is broken: {broken}")
            return {
                "lifecycles": len(engine.lifecycles),
                "machines_for_app": self.machines_for_app,
                "machines_during_transitions": during,
                "models_attached_after": attached,
                "transitions": len(self.ops),
            }
        finally:
            self.app.close()


class FloorWorkload:
    """The same work with stdlib sqlite3 and nothing else: per transition BEGIN IMMEDIATE,
    read the row, update it (optimistic version check), insert the event row, COMMIT."""

    name = "floor_sqlite3"

    def __init__(self, folder: Path, plan_file: Path, synchronous: str, n: int) -> None:
        app, targets = fresh_app(folder, plan_file, synchronous)
        app.close()
        self.ops = [(d, owner, trigger, dest) for trigger, dest, _ in LIFECYCLE for d, owner in targets[:n]]
        self.con = sqlite3.connect(folder / "conaig.db", isolation_level=None, timeout=30)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", f"synchronous={synchronous}"):
            self.con.execute(f"PRAGMA {pragma}")

    def __len__(self) -> int:
        return len(self.ops)

    def step(self, i: int) -> None:
        deliverable_id, owner, trigger, dest = self.ops[i]
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        state, version, head = con.execute(
            "SELECT state, version, head_hash FROM deliverables WHERE id = ?", (deliverable_id,)
        ).fetchone()
        at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        digest = hashlib.sha256(f"{head}|{deliverable_id}|{version}|{trigger}|{dest}|{at}".encode()).hexdigest()
        cur = con.execute(
            "UPDATE deliverables SET state = ?, version = ?, head_hash = ?, updated_at = ? WHERE id = ? AND version = ?",
            (dest, version + 1, digest, at, deliverable_id, version),
        )
        if cur.rowcount != 1:
            raise SystemExit("floor: concurrent update")
        con.execute(
            "INSERT INTO events (deliverable_id, seq, actor_email, actor_role, actor_entity, trigger, from_state,"
            " to_state, comment, documents, norm_reference, session_ref, at, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (deliverable_id, version, "st@bench.example.pe", "secretariat", owner, trigger, state, dest,
             None, json.dumps([]), None, None, at, head, digest),
        )
        con.execute("COMMIT")

    def finish(self) -> dict[str, int]:
        try:
            done = self.con.execute("SELECT count(*) FROM deliverables WHERE state = 'approved'").fetchone()[0]
            if done != len(self.ops) // len(LIFECYCLE):
                raise SystemExit("floor: not every deliverable reached «approved»")
            return {"transitions": len(self.ops)}
        finally:
            self.con.close()
