"""The store's contract, run against SQLite and PostgreSQL alike.

Optimistic locking under real concurrency, append-only hash-chained events, tamper
detection by ``conaig audit verify``, concurrent uploads of one document. The schema
(migrations, ``conaig init``, pragmas) is in test_store_schema.py.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select, text, update

from conaig_flow.bootstrap import App
from conaig_flow.domain.audit_chain import event_hash
from conaig_flow.domain.engine import Evidence
from conaig_flow.errors import ConaigError, ConcurrencyConflict, TransitionNotAllowed
from conaig_flow.services import audit, users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.tables import DeliverableRow, EventRow
from tests.conftest import PG_DSN, add_people, pdf_bytes, run_cli

#: The previous hash of every deliverable's first event, as stored chains have it (written out,
#: not imported: a change of the constant in the code must fail here).
FIRST_PREV = "0" * 64

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]


def _submitted(app: App, entity: str = "MINSA") -> int:
    """A protocol norm of ``entity`` in state «submitted» (version 2)."""
    add_people(app)
    (d,) = deliverables.list_deliverables(app, entity=entity, activity="A1.1")
    officer = users.actor_for(app, f"enlace.{entity.lower()}@example.pe")
    deliverables.advance(app, officer, d.id, "submit", documents=[("p.pdf", pdf_bytes())])
    return d.id


def _event_count(app: App, deliverable_id: int | None = None) -> int:
    q = select(func.count()).select_from(E)
    if deliverable_id is not None:
        q = q.where(E.c.deliverable_id == deliverable_id)
    with app.db.read() as conn:
        return int(conn.execute(q).scalar_one())


def _race(app: App, calls: list[Any]) -> list[object]:
    """Run the calls in threads released together; each result is a value or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except ConaigError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


# -- transactions -----------------------------------------------------------------------------


def test_a_write_after_reads_on_the_pooled_connections_is_still_all_or_nothing(app: App) -> None:
    """Reads may skip BEGIN/COMMIT (PostgreSQL: autocommit, see store/db.py); a write on a
    connection that served reads before is a transaction all the same."""
    did = _submitted(app)
    for _ in range(3):
        with app.db.read() as conn:
            title = conn.execute(select(D.c.title).where(D.c.id == did)).scalar_one()
    with pytest.raises(RuntimeError), app.db.write() as conn:
        conn.execute(update(D).where(D.c.id == did).values(title="cambiado"))
        raise RuntimeError("falla a mitad de la transacción")
    with app.db.read() as conn:
        assert conn.execute(select(D.c.title).where(D.c.id == did)).scalar_one() == title != "cambiado"


# -- optimistic locking ---------------------------------------------------------------------

def test_two_threads_advancing_from_the_same_version_commit_exactly_once(app: App) -> None:
    did = _submitted(app)
    st = users.actor_for(app, "st@example.pe")
    results = _race(app, [
        lambda: deliverables.advance(app, st, did, "accept", expected_version=2),
        lambda: deliverables.advance(app, st, did, "observe", comment="Falta el anexo.", expected_version=2),
    ])
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(ok) == 1 and len(refused) == 1
    assert isinstance(refused[0], ConcurrencyConflict)
    assert "fue modificado por otra persona" in refused[0].message
    after = deliverables.get(app, st, did)
    assert after.version == 3 and after.state == ok[0].state  # type: ignore[attr-defined]
    assert _event_count(app, did) == 2
    assert audit.verify(app).first_break is None


def test_the_same_trigger_fired_by_two_threads_moves_the_deliverable_once(app: App) -> None:
    did = _submitted(app)
    st = users.actor_for(app, "st@example.pe")
    results = _race(app, [lambda: deliverables.advance(app, st, did, "accept")] * 2)
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    # SQLite serialises writers (BEGIN IMMEDIATE): the loser sees «reviewed» and the trigger is
    # no longer allowed. PostgreSQL may let both read version 2: the loser's UPDATE finds 0 rows.
    assert isinstance(refused[0], ConcurrencyConflict | TransitionNotAllowed)
    assert deliverables.get(app, st, did).version == 3
    assert _event_count(app, did) == 2


def test_an_advance_with_a_stale_expected_version_is_refused_and_changes_nothing(app: App) -> None:
    did = _submitted(app)
    st = users.actor_for(app, "st@example.pe")
    with pytest.raises(ConcurrencyConflict) as caught:
        deliverables.advance(app, st, did, "accept", expected_version=1)
    assert "versión 1 ya no es la vigente" in caught.value.message
    d = deliverables.get(app, st, did)
    assert (d.state, d.version) == ("submitted", 2)
    assert _event_count(app, did) == 1
    assert audit.refused_attempts(app, 1)[0].reason == caught.value.message


def _wait_for_lock_wait(schema_marker: str, timeout: float = 15.0) -> bool:
    """True once a PostgreSQL backend is waiting on a lock while updating deliverables."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query ILIKE 'UPDATE deliverables%%' AND application_name = %s",
                (schema_marker,),
            ).fetchone()
            if row and row[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.postgres
def test_postgres_second_writer_that_read_the_old_version_gets_a_conflict(
    pg_url: str, tmp_path: Path, clock: Any
) -> None:
    """Two real connections interleaved: B reads version 2 while A's update is uncommitted;
    B's UPDATE waits for A's row lock and then matches no row → ConcurrencyConflict."""
    from conaig_flow.services import plans
    from conaig_flow.store.definitions import default_plan_file
    from tests.conftest import make_app

    marker = f"conaig-race-{uuid.uuid4().hex[:16]}"
    app = make_app(f"{pg_url}&application_name={marker}", tmp_path / "home", clock)
    try:
        plans.init(app, default_plan_file())
        did = _submitted(app)
        st = users.actor_for(app, "st@example.pe")
        a_updated = threading.Event()
        release_a = threading.Event()
        outcome: dict[str, object] = {}

        def writer_a() -> None:
            with app.db.write() as conn:
                deliverables.advance_in(app, conn, st, did, "accept", Evidence())
                a_updated.set()
                release_a.wait(30)

        def writer_b() -> None:
            try:
                outcome["b"] = deliverables.advance(app, st, did, "observe", comment="Falta el anexo.")
            except ConaigError as exc:
                outcome["b"] = exc

        ta = threading.Thread(target=writer_a)
        ta.start()
        assert a_updated.wait(30)
        tb = threading.Thread(target=writer_b)
        tb.start()
        assert _wait_for_lock_wait(marker), "B never waited on A's row lock"
        release_a.set()
        ta.join(30)
        tb.join(30)
        assert isinstance(outcome["b"], ConcurrencyConflict)
        d = deliverables.get(app, st, did)
        assert (d.state, d.version) == ("reviewed", 3)
        assert _event_count(app, did) == 2
        assert audit.verify(app).first_break is None
    finally:
        app.close()


# -- append-only, hash-chained events -------------------------------------------------------

def _walk(app: App) -> int:
    """MINSA's protocol through submit → observe → resubmit → accept; returns its id."""
    did = _submitted(app)
    st = users.actor_for(app, "st@example.pe")
    minsa = users.actor_for(app, "enlace.minsa@example.pe")
    deliverables.advance(app, st, did, "observe", comment="Precisar los plazos.")
    deliverables.advance(app, minsa, did, "resubmit", documents=[("p2.pdf", pdf_bytes("v2"))])
    deliverables.advance(app, st, did, "accept")
    return did


def test_every_transition_appends_one_event_chained_to_the_previous_one(app: App) -> None:
    did = _walk(app)
    events = deliverables.history(app, users.actor_for(app, "st@example.pe"), did)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.trigger for e in events] == ["submit", "observe", "resubmit", "accept"]
    assert [(e.from_state, e.to_state) for e in events] == [
        ("draft", "submitted"), ("submitted", "observed"), ("observed", "submitted"), ("submitted", "reviewed"),
    ]
    with app.db.read() as conn:
        rows = [dict(r) for r in conn.execute(select(E).where(E.c.deliverable_id == did).order_by(E.c.seq)).mappings()]
        head = conn.execute(select(D.c.head_hash).where(D.c.id == did)).scalar_one()
    prev = FIRST_PREV
    for row in rows:
        assert row["prev_hash"] == prev
        fields = {**row, "documents": json.loads(row["documents"]), "at": row["at"].isoformat()}
        assert event_hash(fields) == row["hash"]
        prev = row["hash"]
    assert head == prev
    assert events[0].actor_email == "enlace.minsa@example.pe" and events[0].actor_entity == "MINSA"
    assert events[1].comment == "Precisar los plazos." and events[1].actor_role == "secretariat"
    assert len(events[0].documents) == 1 and len(events[0].documents[0]) == 64


def test_the_event_hash_is_the_sha256_of_the_canonical_json_of_its_fields() -> None:
    """The chains already stored stay verifiable: the hash is over this exact text (compact
    separators, non-ASCII kept as UTF-8, fields in HASHED_FIELDS order)."""
    import hashlib

    fields = {
        "deliverable_id": 7, "seq": 2, "actor_email": "st@example.pe", "actor_role": "secretariat",
        "actor_entity": "MIMP", "trigger": "observe", "from_state": "submitted", "to_state": "observed",
        "comment": "Precisar los plazos «según la norma»", "documents": ["ab" * 32], "norm_reference": None,
        "session_ref": None, "at": "2021-07-01T14:00:00+00:00", "prev_hash": FIRST_PREV, "hash": "ignored", "id": 99,
    }
    canonical = (
        '[7,2,"st@example.pe","secretariat","MIMP","observe","submitted","observed",'
        '"Precisar los plazos «según la norma»",["' + "ab" * 32 + '"],null,null,"2021-07-01T14:00:00+00:00","'
        + "0" * 64 + '"]'
    )
    assert event_hash(fields) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_events_of_earlier_transitions_are_never_rewritten(app: App) -> None:
    did = _submitted(app)
    with app.db.read() as conn:
        before = [tuple(r) for r in conn.execute(select(E).order_by(E.c.id))]
    st = users.actor_for(app, "st@example.pe")
    deliverables.advance(app, st, did, "accept")
    with app.db.read() as conn:
        after = [tuple(r) for r in conn.execute(select(E).order_by(E.c.id))]
    assert after[: len(before)] == before and len(after) == len(before) + 1


# -- tamper detection through the CLI -------------------------------------------------------

def _verify(app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_cli(["--db", app.settings.db_url, "--home", str(tmp_path / "home"), "audit", "verify"], capsys)


def _events_of(app: App, did: int) -> list[Any]:
    with app.db.read() as conn:
        return list(conn.execute(select(E.c.id, E.c.seq).where(E.c.deliverable_id == did).order_by(E.c.seq)))


def _tamper(app: App, sql: str, **params: object) -> None:
    with app.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_audit_verify_passes_on_an_untouched_history(app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _walk(app)
    code, out, _ = _verify(app, tmp_path, capsys)
    assert code == 0
    assert "Historial íntegro: 4 eventos de" in out


def test_audit_verify_names_an_edited_event(app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    did = _walk(app)
    second = _events_of(app, did)[1]
    _tamper(app, "UPDATE events SET comment = 'Todo conforme.' WHERE id = :id", id=second.id)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"entregable {did}, evento {second.id} (N° 2)" in err
    assert "evento modificado" in err


def test_audit_verify_names_the_event_after_an_edit_whose_hash_was_recomputed(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = _walk(app)
    events = _events_of(app, did)
    with app.db.read() as conn:
        row = dict(conn.execute(select(E).where(E.c.id == events[1].id)).mappings().one())
    row.update(comment="Todo conforme.", documents=[], at=row["at"].isoformat())
    _tamper(app, "UPDATE events SET comment = :c, hash = :h WHERE id = :id", c="Todo conforme.",
            h=event_hash(row), id=events[1].id)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"evento {events[2].id} (N° 3)" in err and "no enlaza con el evento anterior" in err


def test_audit_verify_catches_an_edit_of_the_last_event_whose_hash_was_recomputed(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = _walk(app)
    last = _events_of(app, did)[-1]
    with app.db.read() as conn:
        row = dict(conn.execute(select(E).where(E.c.id == last.id)).mappings().one())
    row.update(comment="Aceptado sin observaciones.", documents=json.loads(row["documents"]), at=row["at"].isoformat())
    _tamper(app, "UPDATE events SET comment = :c, hash = :h WHERE id = :id", c=row["comment"], h=event_hash(row), id=last.id)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert (f"entregable {did}, datos del entregable: el último evento (N° 4) no coincide con la huella que guarda "
            "el entregable (último evento modificado y su huella recalculada)") in err


def test_audit_verify_names_the_gap_left_by_a_deleted_middle_event(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = _walk(app)
    events = _events_of(app, did)
    _tamper(app, "DELETE FROM events WHERE id = :id", id=events[1].id)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"entregable {did}, evento {events[2].id} (N° 3)" in err
    assert "borrados" in err


def test_audit_verify_detects_a_deleted_last_event(app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    did = _walk(app)
    events = _events_of(app, did)
    _tamper(app, "DELETE FROM events WHERE id = :id", id=events[-1].id)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"entregable {did}, final de la cadena" in err
    assert "último evento borrado" in err


def test_audit_verify_detects_reordered_events(app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    did = _walk(app)
    a, b = _events_of(app, did)[1:3]
    # Swap the two rows' places in the log (their ids), keeping each row's content.
    _tamper(app, "UPDATE events SET id = -1 WHERE id = :a", a=a.id)
    _tamper(app, "UPDATE events SET id = :a WHERE id = :b", a=a.id, b=b.id)
    _tamper(app, "UPDATE events SET id = :b WHERE id = -1", b=b.id)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"entregable {did}, evento {a.id} (N° 3)" in err
    assert "reordenados" in err


def test_audit_verify_detects_renumbered_events(app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    did = _walk(app)
    a, b = _events_of(app, did)[1:3]
    _tamper(app, "UPDATE events SET seq = -1 WHERE id = :a", a=a.id)
    _tamper(app, "UPDATE events SET seq = 2 WHERE id = :b", b=b.id)
    _tamper(app, "UPDATE events SET seq = 3 WHERE id = :a", a=a.id)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"entregable {did}, evento {a.id}" in err or f"entregable {did}, evento {b.id}" in err


def test_audit_verify_detects_a_state_changed_without_an_event(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = _walk(app)
    _tamper(app, "UPDATE deliverables SET state = 'approved' WHERE id = :d", d=did)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"entregable {did}, final de la cadena: el estado del entregable («approved») no coincide con el último evento («reviewed»)" in err


def test_audit_verify_detects_an_event_inserted_at_the_end(
    app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = _walk(app)
    with app.db.read() as conn:
        last = dict(conn.execute(select(E).where(E.c.deliverable_id == did).order_by(E.c.seq.desc()).limit(1)).mappings().one())
    forged = {**last, "seq": last["seq"] + 1, "trigger": "approve", "from_state": "reviewed", "to_state": "approved",
              "prev_hash": last["hash"], "documents": []}
    forged["hash"] = event_hash({**forged, "at": last["at"].isoformat()})
    _tamper(app, "INSERT INTO events (deliverable_id, seq, actor_email, actor_role, actor_entity, trigger, from_state, "
                 "to_state, documents, at, prev_hash, hash) VALUES (:deliverable_id, :seq, :actor_email, :actor_role, "
                 ":actor_entity, :trigger, :from_state, :to_state, '[]', :at, :prev_hash, :hash)",
            **{k: v for k, v in forged.items() if k not in ("id", "documents", "comment", "norm_reference", "session_ref")})
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"entregable {did}, final de la cadena" in err and "añadido" in err


def test_audit_verify_reports_only_the_first_break(app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _walk(app)
    later = _submitted_again(app)
    _tamper(app, "UPDATE events SET trigger = 'approve' WHERE deliverable_id = :d", d=later)
    _tamper(app, "UPDATE events SET actor_email = 'otro@example.pe' WHERE id = :id", id=_events_of(app, first)[0].id)
    code, _, err = _verify(app, tmp_path, capsys)
    assert code == 1
    assert f"entregable {first}, evento {_events_of(app, first)[0].id} (N° 1)" in err
    assert err.count("Historial alterado") == 1


def _submitted_again(app: App) -> int:
    (d,) = deliverables.list_deliverables(app, entity="MINEDU", activity="A1.1")
    deliverables.advance(app, users.actor_for(app, "enlace.minedu@example.pe"), d.id, "submit",
                         documents=[("p.pdf", pdf_bytes())])
    return d.id


def test_the_same_document_attached_concurrently_to_two_deliverables(app: App) -> None:
    add_people(app)
    content = pdf_bytes("plantilla común")
    calls = []
    for entity in ("MINSA", "MINEDU", "MTPE", "MIDIS"):
        (d,) = deliverables.list_deliverables(app, entity=entity, activity="A1.1")
        officer = users.actor_for(app, f"enlace.{entity.lower()}@example.pe")
        calls.append(lambda o=officer, i=d.id: deliverables.advance(app, o, i, "submit", documents=[("p.pdf", content)]))
    results = _race(app, calls)
    assert [getattr(r, "state", r) for r in results] == ["submitted"] * 4
    with app.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM deliverable_documents")).scalar_one() == 4


def test_no_code_of_the_package_updates_or_deletes_events() -> None:
    """Append-only by construction: the only statement on ``events`` is the insert."""
    import re

    import conaig_flow

    pattern = re.compile(r"(update|delete)\(\s*(E|EventRow|events)\b|(UPDATE|DELETE\s+FROM)\s+events\b", re.I)
    offenders = [
        f"{path}:{n}" for path in Path(conaig_flow.__file__).parent.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)
    ]
    assert offenders == []
