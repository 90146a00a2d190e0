"""Benchmark: the progress report over a plan extended to regional governments.

    .venv/bin/python bench/bench_report.py [--entities 100] [--events 20000] [--db URL] [--repeat 3]

Builds a plan of (entities x activities) deliverables — the 21 CONAIG entities, the 25
gobiernos regionales and Lima Metropolitana and, to reach the size, municipalidades
provinciales — loads it with ``conaig init``'s service, writes the events in bulk with
correct per-deliverable hash chains (then proves them with ``audit verify``), and times the
report in every format. The floor is raw ``sqlite3`` (or one SQLAlchemy query on PostgreSQL)
reading the same deliverable and event rows, measured in the same run; figures are given as
seconds, as a ratio to that floor and as a ratio to the JSON format.

First, the seed plan (the CONAIG plan with the demo's history, as of 30 June 2022): each
format as a request makes it (figures gathered, then rendered), the formats interleaved
round by round, medians, and each format's ratio to the JSON format (target: at most 3x), beside
the floor of its library (a one-line document of the same format, made as the reports make it).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conaig_flow.bootstrap import Settings, bootstrap  # noqa: E402
from conaig_flow.cli import demo  # noqa: E402
from conaig_flow.clock import LIMA, FixedClock  # noqa: E402
from conaig_flow.domain.audit_chain import GENESIS, event_hash  # noqa: E402
from conaig_flow.rendering.reports import FORMATS, render  # noqa: E402
from conaig_flow.services import audit, plans  # noqa: E402
from conaig_flow.services.reports import reports  # noqa: E402
from conaig_flow.store.definitions import default_plan_file  # noqa: E402
from conaig_flow.store.tables import DeliverableRow, EventRow  # noqa: E402

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]

REGIONS = ["Amazonas", "Áncash", "Apurímac", "Arequipa", "Ayacucho", "Cajamarca", "Callao", "Cusco",
           "Huancavelica", "Huánuco", "Ica", "Junín", "La Libertad", "Lambayeque", "Lima", "Loreto",
           "Madre de Dios", "Moquegua", "Pasco", "Piura", "Puno", "San Martín", "Tacna", "Tumbes", "Ucayali"]
ACTIVITY_KINDS = ["protocol_norm", "implementation_report", "methodology", "governance_report", "urgent_measures_report"]


def bench_plan(n_entities: int, n_activities: int) -> dict[str, Any]:
    base = yaml.safe_load(default_plan_file().read_text(encoding="utf-8"))
    entities = [e for e in base["entities"] if e.get("participation", "member") == "member"]
    entities += [{"code": f"GORE{i:02d}", "name": f"Gobierno Regional de {r}", "participation": "invited"}
                 for i, r in enumerate(REGIONS, 1)]
    entities.append({"code": "MML", "name": "Municipalidad Metropolitana de Lima", "participation": "invited"})
    i = 0
    while len(entities) < n_entities:
        i += 1
        entities.append({"code": f"MPROV{i:03d}", "name": f"Municipalidad Provincial N° {i}", "participation": "invited"})
    entities = entities[:n_entities] + [e for e in base["entities"] if e.get("participation") == "invited"]
    codes = [e["code"] for e in entities if e["code"] != "DP"]
    activities = []
    for n in range(n_activities):
        objective = base["objectives"][n % len(base["objectives"])]["code"]
        activities.append({
            "code": f"R{n + 1:02d}", "objective": objective,
            "title": f"Actividad regionalizada {n + 1}",
            "product": {"kind": ACTIVITY_KINDS[n % len(ACTIVITY_KINDS)], "name": f"Producto {n + 1}"},
            "responsible": {"entities": codes},
            "schedule": [base["periods"][n % len(base["periods"])]["code"]],
        })
    kept = {e["code"] for e in entities}  # the plan-wide notes may name entities this plan leaves out
    notes = [n for n in base["plan"].get("notes", []) if set(n.get("entities", [])) <= kept]
    return {**base, "plan": {**base["plan"], "code": "conaig-regional-bench", "notes": notes}, "entities": entities,
            "activities": activities}


ENDINGS = {"approve": ["accept", "approve"], "accept": ["accept"], "withdraw": ["withdraw"], "observe": ["observe"]}


def make_path(length: int, ending: str) -> list[str]:
    """submit, (observe, resubmit) x k, then the ending: about ``length`` triggers."""
    tail = ENDINGS[ending]
    loops = max(0, (length - 1 - len(tail)) // 2)
    return ["submit", *(["observe", "resubmit"] * loops), *tail]


DEST = {"submit": "submitted", "observe": "observed", "resubmit": "submitted", "accept": "reviewed",
        "approve": "approved", "withdraw": "withdrawn"}


def write_events(app: Any, target: int, seed: int = 7) -> int:
    """Bulk-insert events with correct hash chains; ``target`` events in all (as near as the paths allow)."""
    rng = random.Random(seed)
    with app.db.write() as conn:
        rows = conn.execute(select(D.c.id, D.c.kind, D.c.due_at, D.c.state)).all()
        budget = target
        events: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for n, d in enumerate(rows):
            left = len(rows) - n
            want = round(budget / left)
            ending = rng.choices(list(ENDINGS), weights=[60, 15, 5, 20])[0]
            jitter = rng.randint(-3, 3) if left > 10 else 0
            path = make_path(want + jitter, ending)
            budget -= len(path)
            state, prev = d.state, GENESIS
            at = d.due_at - timedelta(days=rng.randint(30, 200))
            for seq, trigger in enumerate(path, 1):
                at += timedelta(days=rng.randint(1, 25 if trigger != "approve" else 60))
                fields = {
                    "deliverable_id": d.id, "seq": seq, "actor_email": "bench@example.pe", "actor_role": "secretariat",
                    "actor_entity": "MIMP", "trigger": trigger, "from_state": state, "to_state": DEST[trigger],
                    "comment": "observación" if trigger in ("observe", "withdraw") else None, "documents": [],
                    "norm_reference": "Resolución Ministerial N° 001-2022-MINSA" if trigger == "approve" and d.kind == "protocol_norm" else None,
                    "session_ref": "Sesión Ordinaria N° 003-2022" if trigger == "approve" and d.kind != "protocol_norm" else None,
                    "at": at.astimezone(UTC).isoformat(), "prev_hash": prev,
                }
                prev = event_hash(fields)
                events.append({**fields, "documents": "[]", "at": at, "hash": prev})
                state = DEST[trigger]
            updates.append({"b_id": d.id, "b_state": state, "b_version": len(path) + 1, "b_head": prev})
        conn.execute(insert(E), events)
        conn.execute(
            update(D).where(D.c.id == text(":b_id")).values(state=text(":b_state"), version=text(":b_version"),
                                                           head_hash=text(":b_head")),
            updates,
        )
    return len(events)


def floor_seconds(app: Any) -> float:
    """Reading the same rows with the least machinery available."""
    start = time.perf_counter()
    if app.db.is_sqlite:
        path = app.db.engine.url.database
        con = sqlite3.connect(path)
        con.execute("SELECT id, activity, kind, owner, owner_kind, period, title, due_at, created_at FROM deliverables").fetchall()
        con.execute("SELECT deliverable_id, seq, trigger, from_state, to_state, at, norm_reference, session_ref FROM events").fetchall()
        con.close()
    else:
        with app.db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT id, activity, kind, owner, owner_kind, period, title, due_at, created_at FROM deliverables").fetchall()
            conn.exec_driver_sql("SELECT deliverable_id, seq, trigger, from_state, to_state, at, norm_reference, session_ref FROM events").fetchall()
    return time.perf_counter() - start


def seed_plan(folder: Path, repeat: int) -> dict[str, float]:
    """Seconds per request (figures + render) of each format for the seed plan, and the ratios."""
    clock = FixedClock(datetime(2022, 7, 4, 9, 0, tzinfo=LIMA))
    app = bootstrap(Settings.from_env({}, home=folder / "seed", db_url=f"sqlite:///{folder / 'seed.db'}"), clock=clock)
    init = plans.init(app, default_plan_file())
    demo.seed(app)
    as_of = reports.parse_as_of("2022-06-30")

    def request(fmt: str) -> float:
        start = time.perf_counter()
        render(reports.progress_report(app, as_of, number=1), fmt)
        return time.perf_counter() - start

    floors = library_floors()
    for fmt in FORMATS:  # warm: imports, fonts, templates
        request(fmt)
    for make in floors.values():
        make()
    runs: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
    floor_runs: dict[str, list[float]] = {fmt: [] for fmt in floors}
    for n in range(repeat):
        for fmt in FORMATS if n % 2 == 0 else tuple(reversed(FORMATS)):
            runs[fmt].append(request(fmt))
            if fmt in floors:
                start = time.perf_counter()
                floors[fmt]()
                floor_runs[fmt].append(time.perf_counter() - start)
    app.close()
    median = {fmt: statistics.median(r) for fmt, r in runs.items()}
    floor = {fmt: statistics.median(r) for fmt, r in floor_runs.items()}
    print(f"plan semilla: {init.deliverables_created} entregables, historia de la demostración, corte 30/06/2022; "
          f"mediana de {repeat} rondas intercaladas (cifras + formato)")
    print("piso de la biblioteca: un documento de una línea del mismo formato, con las mismas fuentes y metadatos")
    print(f"{'formato':<8}{'ms':>10}{'x json':>9}{'≤ 3x':>7}{'piso ms':>10}{'piso x json':>13}{'x piso':>9}")
    for fmt in FORMATS:
        ratio = median[fmt] / median["json"]
        line = f"{fmt:<8}{median[fmt] * 1000:>10.1f}{ratio:>9.1f}{'sí' if ratio <= 3 else 'no':>7}"
        if fmt in floor:
            line += f"{floor[fmt] * 1000:>10.1f}{floor[fmt] / median['json']:>13.1f}{median[fmt] / floor[fmt]:>9.1f}"
        print(line)
    return median


def library_floors() -> dict[str, Any]:
    """What each document library costs for a one-line document of its format, as the reports
    make it (the PDF/A page with its three embedded DejaVu fonts, python-docx's default
    template, an openpyxl workbook): the part of a format's time that no report can avoid."""
    import io

    from docx import Document
    from openpyxl import Workbook

    from conaig_flow.rendering.pdfa import FONT, DocumentMeta, Letterhead, OfficialPdf

    def pdf() -> bytes:
        meta = DocumentMeta(title="Informe", author="Secretaría Técnica", subject="Informe",
                            letterhead=Letterhead("Entidad", "Unidad", "Secretaría Técnica", None),
                            created_at=datetime(2022, 7, 4, 9, 0, tzinfo=LIMA), verify_url="http://127.0.0.1:8000/verificar",
                            keywords="informe", audit_root=None)
        doc = OfficialPdf(meta)
        doc.add_page()
        doc.set_font(FONT, "", 10)
        doc.cell(0, 5, "Informe de avance")
        return doc.bytes()

    def docx() -> bytes:
        doc = Document()
        doc.add_paragraph("Informe de avance")
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()

    def xlsx() -> bytes:
        wb = Workbook()
        wb.active["A1"] = "Informe de avance"  # type: ignore[index]
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    return {"pdf": pdf, "docx": docx, "xlsx": xlsx}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entities", type=int, default=100)
    ap.add_argument("--activities", type=int, default=20)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--db", help="database URL (default: a SQLite file in a temporary folder)")
    ap.add_argument("--seed-repeat", type=int, default=7, help="rounds for the seed plan")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed = seed_plan(folder, args.seed_repeat)
        (folder / "plans").mkdir()
        plan_file = folder / "plans" / "bench.yaml"
        plan_file.write_text(yaml.safe_dump(bench_plan(args.entities, args.activities), allow_unicode=True), encoding="utf-8")
        url = args.db or f"sqlite:///{folder / 'bench.db'}"
        clock = FixedClock(datetime(2021, 7, 1, 9, 0, tzinfo=LIMA))
        app = bootstrap(Settings.from_env({}, home=folder / "home", db_url=url), clock=clock)
        t0 = time.perf_counter()
        init = plans.init(app, plan_file, ROOT / "workflows" / "lifecycles")
        n_events = write_events(app, args.events)
        built = time.perf_counter() - t0
        verified = audit.verify(app)
        assert verified.first_break is None, verified.first_break
        clock.set(datetime(2023, 2, 5, 10, 0, tzinfo=LIMA))
        as_of = reports.parse_as_of("2023-01-31")
        print(f"plan: {init.deliverables_created} entregables, {n_events} eventos ({app.db.dialect}); "
              f"construido en {built:.1f} s; audit verify: {verified.events} eventos íntegros")
        floor = statistics.median(floor_seconds(app) for _ in range(args.repeat))
        print(f"piso (lectura cruda de las mismas filas): {floor * 1000:.1f} ms")
        times = []
        for _ in range(args.repeat):
            s = time.perf_counter()
            report = reports.progress_report(app, as_of, number=1)
            times.append(time.perf_counter() - s)
        gather = statistics.median(times)
        t = report.progress.totals
        print(f"cifras (lectura + cálculo): {gather * 1000:.0f} ms = {gather / floor:.1f}x el piso; "
              f"{t.approved} aprobados, {t.overdue} vencidos, {t.withdrawn} retirados de {t.total}")
        results: dict[str, dict[str, float]] = {}
        print(f"{'formato':<8}{'render (s)':>12}{'total (s)':>12}{'x piso':>10}{'x json':>9}{'tamaño':>12}")
        for fmt in FORMATS:
            runs = []
            size = 0
            for _ in range(args.repeat):
                s = time.perf_counter()
                data = render(report, fmt)
                runs.append(time.perf_counter() - s)
                size = len(data)
            r = statistics.median(runs)
            results[fmt] = {"render_s": r, "total_s": r + gather, "ratio": (r + gather) / floor, "bytes": size}
        for fmt in FORMATS:
            f = results[fmt]
            f["x_json"] = f["total_s"] / results["json"]["total_s"]
            print(f"{fmt:<8}{f['render_s']:>12.2f}{f['total_s']:>12.2f}{f['ratio']:>10.0f}{f['x_json']:>9.1f}{int(f['bytes']):>12,}")
        app.close()
        print(json.dumps({"seed_s": seed, "seed_x_json": {k: v / seed["json"] for k, v in seed.items()},
                          "floor_s": floor, "gather_s": gather, "formats": results}))


if __name__ == "__main__":
    main()
