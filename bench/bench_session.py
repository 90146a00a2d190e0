"""A live session under load, on 127.0.0.1 (SQLite or PostgreSQL): 21 entities check in from
their phones and the console confirms them, the session is installed, 10 items are each
opened, voted by all 21 present from their phones and closed, and the session concluded —
with two consoles and 21 member pages open, each polling the live fragment every 1.2 s with
If-None-Match, as /static/live.js does.

Reported: requests and server CPU for the whole session, the p95 of each action's response
(the POST, and the page it redirects to), beside the floor of a static page (/acerca, no
database) measured in the same run on the same server.

    .venv/bin/python bench/bench_session.py [--backend sqlite|postgresql|both] [--items 10] [--poll 1.2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_web import free_port, server_cpu

REPO = Path(__file__).resolve().parent.parent
CONAIG = [str(Path(sys.executable).parent / "conaig")]
PG_DSN = os.environ.get("CONAIG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "clave-de-banco-2022"
SECRETARIAT = "st@bench.pe"
DAY = "2022-05-20"


async def wait_ready(base: str, seconds: float = 120) -> None:
    """The server answers (a loaded machine may take a while to start it)."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base) as c:
        while time.monotonic() < deadline:
            try:
                if (await c.get("/acerca")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


def p95(values: list[float]) -> float:
    data = sorted(values)
    return 1000 * data[min(len(data) - 1, int(0.95 * len(data)))] if data else float("nan")


def prepare(home: Path, db: str | None, items: int) -> tuple[int, list[str]]:
    """The plan, the secretariat, a titular member for each entity with vote, and a session
    for 20 May 2022 at 10:00 with ``items`` items, convened on the 16th. Returns (id, entities)."""
    from conaig_flow.app import Settings
    from conaig_flow.bootstrap import bootstrap
    from conaig_flow.clock import LIMA, FixedClock
    from conaig_flow.services import plans, users
    from conaig_flow.services.sessions import sessions
    from conaig_flow.store.definitions import default_plan_file

    clock = FixedClock(datetime(2022, 5, 16, 9, 0, tzinfo=LIMA))
    app = bootstrap(Settings.from_env({}, home=home, db_url=db), clock=clock)
    try:
        plans.init(app, default_plan_file())
        users.add_user(app, SECRETARIAT, "Secretaría Técnica", "MIMP", "secretariat", PASSWORD)
        codes = [e.code for e in app.definitions().plan.voting_members]
        for code in codes:
            users.add_user(app, f"titular.{code.lower()}@bench.pe", f"Titular de {code}", code, "member", PASSWORD, "titular")
        st = users.actor_for(app, SECRETARIAT)
        created = sessions.create_session(app, st, scheduled_at=datetime(2022, 5, 20, 10, 0, tzinfo=LIMA), place="Sala")
        for n in range(1, items + 1):
            sessions.add_item(app, st, created.id, other=f"Asunto N° {n}")
        sessions.convene(app, st, created.id)
        return created.id, codes
    finally:
        app.close()


class Run:
    def __init__(self, base: str, pid: int) -> None:
        self.base = base
        self.pid = pid
        self.times: dict[str, list[float]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []
        self.polling = True

    async def client(self, email: str) -> tuple[httpx.AsyncClient, str]:
        c = httpx.AsyncClient(base_url=self.base, timeout=120, limits=httpx.Limits(max_connections=2, keepalive_expiry=2.0))  # under uvicorn's 5 s
        r = await c.post("/api/session", json={"email": email, "password": PASSWORD})
        r.raise_for_status()
        return c, str(r.json()["csrf_token"])

    async def action(self, kind: str, c: httpx.AsyncClient, csrf: str, path: str, data: dict[str, str] | None = None) -> None:
        """A form POST (its response time is the action's) and the page it redirects to."""
        t0 = time.perf_counter()
        r = await c.post(path, data={"csrf_token": csrf, **(data or {})})
        self.times[kind].append(time.perf_counter() - t0)
        self.counts["acciones"] += 1
        if r.status_code != 303:
            self.errors.append(f"{kind} {path}: {r.status_code} {r.text[:300]}")
            return
        t0 = time.perf_counter()
        page = await c.get(r.headers["location"])
        self.times["página tras la acción"].append(time.perf_counter() - t0)
        self.counts["páginas"] += 1
        if page.status_code != 200 or 'id="confirmacion"' not in page.text:
            self.errors.append(f"{kind}: no confirmation after {path}")

    async def poll(self, c: httpx.AsyncClient, path: str) -> None:
        tag = None
        while self.polling:
            t0 = time.perf_counter()
            try:
                r = await c.get(path, headers={"If-None-Match": tag} if tag else {})
            except httpx.TransportError:  # a kept-alive connection the server closed: a browser retries too
                self.counts["sondeos reconectados"] += 1
                continue
            self.times["sondeo en vivo"].append(time.perf_counter() - t0)
            self.counts["sondeos"] += 1
            self.counts["sondeos 304"] += r.status_code == 304
            if r.status_code == 200:
                tag = r.headers.get("etag")
            elif r.status_code != 304:
                self.errors.append(f"poll: {r.status_code}")
            await asyncio.sleep(1.2)

    async def floor(self, n: int = 200) -> dict[str, float]:
        async with httpx.AsyncClient(base_url=self.base) as c:
            cpu0 = server_cpu(self.pid)
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                (await c.get("/acerca")).raise_for_status()
                times.append(time.perf_counter() - t0)
            cpu1 = server_cpu(self.pid)
        return {"p95_ms": p95(times), "server_cpu_ms": 1000 * ((cpu1 or 0) - (cpu0 or 0)) / n}


async def session_run(base: str, pid: int, sid: int, codes: list[str], items: int) -> dict[str, object]:
    run = Run(base, pid)
    floor_before = await run.floor()
    consoles = [await run.client(SECRETARIAT) for _ in range(2)]
    phones = {code: await run.client(f"titular.{code.lower()}@bench.pe") for code in codes}
    cpu0, t0 = server_cpu(pid), time.perf_counter()
    pollers = [asyncio.create_task(run.poll(c, f"/sesiones/{sid}/en-vivo")) for c, _ in [*consoles, *phones.values()]]
    st, csrf = consoles[0]
    console = f"/sesiones/{sid}/consola"
    await run.action("abrir el registro", st, csrf, f"{console}/registro", {"abrir": "si"})
    await asyncio.gather(*(run.action("registro de asistencia (integrante)", c, k, f"/sesiones/{sid}/participar/asistencia")
                           for c, k in phones.values()))
    for n in range(1, len(codes) + 1):
        await run.action("confirmar asistencia", st, csrf, f"{console}/registros/{n}", {"accion": "confirmar"})
    await run.action("instalar", st, csrf, f"{console}/instalar")
    for item in range(1, items + 1):
        await run.action("abrir la votación", st, csrf, f"{console}/puntos/{item}/abrir")
        await asyncio.gather(*(run.action("voto (integrante)", c, k, f"/sesiones/{sid}/participar/puntos/{item}/voto",
                                          {"sentido": "for"}) for c, k in phones.values()))
        await run.action("cerrar la votación", st, csrf, f"{console}/puntos/{item}/cerrar", {"confirmo": "si"})
    await run.action("concluir la sesión", st, csrf, f"{console}/concluir", {"confirmo": "si"})
    elapsed, cpu1 = time.perf_counter() - t0, server_cpu(pid)
    # then 12 s with nothing happening: every open page keeps polling an unchanged session
    polls0, n304_0, rest0 = run.counts["sondeos"], run.counts["sondeos 304"], server_cpu(pid)
    await asyncio.sleep(12)
    rest_polls, rest_304 = run.counts["sondeos"] - polls0, run.counts["sondeos 304"] - n304_0
    rest_cpu = (server_cpu(pid) or 0) - (rest0 or 0)
    run.polling = False
    await asyncio.gather(*pollers)
    floor_after = await run.floor()
    for c, _ in [*consoles, *phones.values()]:
        await c.aclose()
    requests = run.counts["acciones"] + run.counts["páginas"] + run.counts["sondeos"]
    return {
        "seconds": elapsed, "requests": requests, "counts": dict(run.counts),
        "server_cpu_s": (cpu1 or 0) - (cpu0 or 0),
        "server_cpu_ms_per_request": 1000 * ((cpu1 or 0) - (cpu0 or 0)) / max(1, requests),
        "p95_ms": {k: p95(v) for k, v in run.times.items()}, "n": {k: len(v) for k, v in run.times.items()},
        "rest": {"polls": rest_polls, "not_modified": rest_304,
                 "server_cpu_ms_per_poll": 1000 * rest_cpu / max(1, rest_polls)},
        "floor_before": floor_before, "floor_after": floor_after, "errors": run.errors[:10],
        "load_average": os.getloadavg(),
    }


def run_backend(backend: str, items: int) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix=f"bench-session-{backend}-"))
    env = {**os.environ, "CONAIG_HOME": str(home), "CONAIG_SQLITE_SYNCHRONOUS": "FULL"}
    env.pop("CONAIG_NOW", None)
    schema = db = None
    if backend == "postgresql":
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        db = f"{PG_DSN}?options=-csearch_path%3D{schema}"
    server = None
    try:
        sid, codes = prepare(home, db, items)
        where = ["--home", str(home)] + (["--db", db] if db else [])
        port = free_port()
        server = subprocess.Popen([*CONAIG, *where, "--now", f"{DAY}T10:00", "serve", "--port", str(port), "--no-worker"],
                                  env=env, cwd=REPO)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_ready(base))
        return asyncio.run(session_run(base, server.pid, sid, codes, items))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if schema is not None:
            import psycopg

            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--items", type=int, default=10)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    report = {}
    for backend in backends:
        r = run_backend(backend, args.items)
        report[backend] = r
        floor = r["floor_before"]
        assert isinstance(floor, dict) and isinstance(r["p95_ms"], dict) and isinstance(r["counts"], dict)
        print(f"\n{backend}: sesión de 21 entidades y {args.items} puntos, 2 consolas y 21 teléfonos abiertos")
        print(f"  duración {r['seconds']:.1f} s; {r['requests']} peticiones ({r['counts']}); errores: {r['errors']}")
        print(f"  CPU del servidor: {r['server_cpu_s']:.2f} s en la sesión, {r['server_cpu_ms_per_request']:.2f} ms por petición")
        print(f"  piso (/acerca): p95 {floor['p95_ms']:.1f} ms, CPU {floor['server_cpu_ms']:.2f} ms por petición "
              f"(después: p95 {r['floor_after']['p95_ms']:.1f} ms)")  # type: ignore[index]
        rest = r["rest"]
        assert isinstance(rest, dict)
        print(f"  en reposo (12 s sin cambios): {rest['polls']} sondeos, {rest['not_modified']} con 304; "
              f"CPU del servidor {rest['server_cpu_ms_per_poll']:.2f} ms por sondeo")
        for kind, value in sorted(r["p95_ms"].items()):
            print(f"  p95 {kind}: {value:.1f} ms ({value / floor['p95_ms']:.1f}x el piso; n={r['n'][kind]})")  # type: ignore[index]
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_session.json").write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
