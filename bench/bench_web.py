"""Load test of the web app on 127.0.0.1 (SQLite and PostgreSQL).

50 concurrent signed-in users, each pausing 1 s between requests over «Mis entregables»,
a deliverable page and the dashboard: p50/p95/p99 latency. Then the saturation throughput
(no pause) of the same mix, against a floor measured in the same run: the same app's bare
page (/acerca: a static template, no database).

    .venv/bin/python bench/bench_web.py [--backend sqlite|postgresql|both] [--users 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
CONAIG = [str(Path(sys.executable).parent / "conaig")]
PG_DSN = os.environ.get("CONAIG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "conaig-2022"


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    requests: int = 0

    def add(self, seconds: float, ok: bool) -> None:
        self.requests += 1
        if ok:
            self.latencies.append(seconds)
        else:
            self.errors += 1

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return 1000 * data[min(len(data) - 1, int(q * len(data)))]


def server_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) the server process has used so far (Linux /proc)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """Requests per second, and CPU per request of the server and of this load generator: on a
    shared machine the rates move with other processes' load, the CPU per request much less."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.start = time.perf_counter()
        self.cpu = time.process_time()
        self.server = server_cpu(pid)

    def result(self, stats: Stats) -> dict[str, object]:
        elapsed = time.perf_counter() - self.start
        client = time.process_time() - self.cpu
        server_now = server_cpu(self.pid)
        n = max(1, stats.requests)
        return {"requests": stats.requests, "errors": stats.errors, "rps": stats.requests / elapsed,
                "p50_ms": stats.pct(0.50), "p95_ms": stats.pct(0.95), "p99_ms": stats.pct(0.99),
                "client_cpu_ms": 1000 * client / n,
                "server_cpu_ms": None if server_now is None or self.server is None else 1000 * (server_now - self.server) / n,
                "load_average": os.getloadavg()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def conaig(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([*CONAIG, *args], check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)


async def wait_ready(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as c:
        for _ in range(200):
            try:
                if (await c.get("/acerca")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


async def sign_in(base: str, email: str) -> tuple[httpx.AsyncClient, int | None]:
    c = httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=1))
    r = await c.post("/api/session", json={"email": email, "password": PASSWORD})
    r.raise_for_status()
    mine = (await c.get("/api/deliverables")).json()
    return c, (mine[0]["id"] if mine else None)


async def user_loop(c: httpx.AsyncClient, did: int, pause: float, until: float, stats: Stats) -> None:
    paths = ["/entregables", f"/entregables/{did}", "/tablero"]
    i = 0
    if pause:  # independent users: do not all start on the same instant
        await asyncio.sleep(random.uniform(0, pause))
    while time.monotonic() < until:
        t0 = time.perf_counter()
        r = await c.get(paths[i % 3])
        stats.add(time.perf_counter() - t0, r.status_code == 200)
        i += 1
        if pause:
            await asyncio.sleep(pause)


async def bare_loop(c: httpx.AsyncClient, until: float, stats: Stats) -> None:
    while time.monotonic() < until:
        t0 = time.perf_counter()
        r = await c.get("/acerca")
        stats.add(time.perf_counter() - t0, r.status_code == 200)


def officers() -> list[str]:
    from conaig_flow.store.definitions import default_plan_file, load_files

    plan = load_files(default_plan_file()).plan
    return [f"enlace.{e.code.lower()}@conaig.gob.pe" for e in plan.entities if e.participation == "member"]


async def measure(base: str, users: int, seconds: float, pid: int | None = None) -> dict[str, object]:
    emails = officers()
    clients: list[tuple[httpx.AsyncClient, int]] = []
    i = 0
    while len(clients) < users:  # officers of entities with at least one deliverable
        c, did = await sign_in(base, emails[i % len(emails)])
        i += 1
        if did is None:
            await c.aclose()
        else:
            clients.append((c, did))
    result: dict[str, object] = {}
    for name, pause in (("paced", 1.0), ("saturated", 0.0)):
        stats = Stats()
        until = time.monotonic() + seconds
        meter = Meter(pid)
        await asyncio.gather(*(user_loop(c, did, pause, until, stats) for c, did in clients))
        result[name] = meter.result(stats)
    stats = Stats()
    until = time.monotonic() + seconds
    meter = Meter(pid)
    await asyncio.gather(*(bare_loop(c, until, stats) for c, _ in clients))
    result["bare"] = meter.result(stats)
    for c, _ in clients:
        await c.aclose()
    return result


def run_backend(backend: str, users: int, seconds: float) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix=f"bench-web-{backend}-"))
    env = {**os.environ, "CONAIG_HOME": str(home), "CONAIG_NOW": "2022-05-16T10:00", "CONAIG_SQLITE_SYNCHRONOUS": "FULL"}
    schema = None
    if backend == "postgresql":
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        env["CONAIG_DB"] = f"{PG_DSN}?options=-csearch_path%3D{schema}"
    port = free_port()
    server = None
    try:
        where = ["--home", str(home)] + (["--db", env["CONAIG_DB"]] if "CONAIG_DB" in env else [])
        conaig([*where, "demo", "--no-serve"], env)
        server = subprocess.Popen([*CONAIG, *where, "serve", "--port", str(port)], env=env, cwd=REPO)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_ready(base))
        return asyncio.run(measure(base, users, seconds, server.pid))
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
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    report = {}
    for backend in backends:
        r = run_backend(backend, args.users, args.seconds)
        report[backend] = r
        paced, sat, bare = r["paced"], r["saturated"], r["bare"]
        assert isinstance(paced, dict) and isinstance(sat, dict) and isinstance(bare, dict)
        print(f"\n{backend}: {args.users} usuarios, {args.seconds:.0f} s por medición")
        print(f"  con pausa de 1 s: {paced['requests']} peticiones ({paced['errors']} errores), "
              f"p50 {paced['p50_ms']:.1f} ms, p95 {paced['p95_ms']:.1f} ms, p99 {paced['p99_ms']:.1f} ms")
        print(f"  saturación (sin pausa): {sat['rps']:.0f} pet/s, p50 {sat['p50_ms']:.1f} ms, p95 {sat['p95_ms']:.1f} ms "
              f"({sat['errors']} errores)")
        print(f"  página estática sin base de datos (piso): {bare['rps']:.0f} pet/s, p95 {bare['p95_ms']:.1f} ms")
        print(f"  razón piso / saturación: {bare['rps'] / sat['rps']:.2f}x (objetivo: ≤ 3x)")
        if isinstance(sat["server_cpu_ms"], float) and isinstance(bare["server_cpu_ms"], float):
            print(f"  CPU por petición, servidor: {sat['server_cpu_ms']:.2f} ms (mezcla) y {bare['server_cpu_ms']:.2f} ms "
                  f"(piso), razón {sat['server_cpu_ms'] / bare['server_cpu_ms']:.2f}x; generador de carga: "
                  f"{sat['client_cpu_ms']:.2f} y {bare['client_cpu_ms']:.2f} ms")
        print(f"  carga media del sistema al terminar: {os.getloadavg()[0]:.2f}")
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_web.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
