"""Server-side cost of the pages of bench_web.py, in-process, without HTTP or a load generator.

Builds the demo like ``conaig demo --no-serve`` (SQLite in a temporary folder, or a fresh
PostgreSQL schema) and calls the ASGI app directly for «Mis entregables», a deliverable page, the
dashboard and the bare /acerca page, signed in as MINSA's officer. Each page is timed in rounds
of --n requests, interleaved, and the best round is kept (CPU time of this process), so other
processes on the machine disturb it little. By default the synchronous routes run inline
(no worker-thread hop) so that the figures and --profile show the pages' own work; --threads
keeps FastAPI's worker threads.

    .venv/bin/python bench/profile_web.py [--backend sqlite|postgresql] [--n 50] [--rounds 15]
    .venv/bin/python bench/profile_web.py --profile detail      # cProfile of one page, by own time
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CONAIG = [str(Path(sys.executable).parent / "conaig")]
PG_DSN = os.environ.get("CONAIG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
NOW = "2022-05-16T10:00"


def run_inline() -> None:
    """Run FastAPI's synchronous dependencies and endpoints in the calling thread."""
    import fastapi.dependencies.utils
    import fastapi.routing

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    fastapi.routing.run_in_threadpool = inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[assignment]


def asgi_get(web: Any, cookie: bytes) -> Callable[[str], Awaitable[int]]:
    async def get(path: str) -> int:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "root_path": "", "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie)],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {}}
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await web(scope, receive, send)
        return status[0]

    return get


async def measure(args: argparse.Namespace, home: Path, db_url: str | None) -> None:
    from conaig_flow.bootstrap import Settings, bootstrap
    from conaig_flow.services.deliverables import deliverables
    from conaig_flow.web import create_app
    from conaig_flow.web.views import auth as web_auth

    app = bootstrap(Settings.from_env({"CONAIG_NOW": NOW}, home=home, db_url=db_url))
    web = create_app(app)
    session = web_auth.login(app, "enlace.minsa@conaig.gob.pe", "conaig-2022", "127.0.0.1")
    did = deliverables.list_deliverables(app, session.actor, entity=session.actor.entity)[0].id
    get = asgi_get(web, f"conaig_sesion={session.token}".encode())
    paths = {"list": "/entregables", "detail": f"/entregables/{did}", "board": "/tablero", "bare": "/acerca"}
    for path in paths.values():
        for _ in range(20):
            assert await get(path) == 200, path
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.n * args.rounds):
            await get(paths[args.profile])
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        return
    best = dict.fromkeys(paths, float("inf"))
    for _ in range(args.rounds):
        for name, path in paths.items():
            start = time.process_time()
            for _ in range(args.n):
                await get(path)
            best[name] = min(best[name], (time.process_time() - start) / args.n)
    mix = (best["list"] + best["detail"] + best["board"]) / 3
    print(f"{args.backend}, {'worker threads' if args.threads else 'inline'}: CPU ms per request (best of {args.rounds} rounds "
          f"of {args.n}); load average {os.getloadavg()[0]:.2f}")
    for name, value in best.items():
        print(f"  {name:7s} {1000 * value:7.3f}")
    print(f"  mix ÷ bare {mix / best['bare']:.2f}x")
    app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", action="store_true", help="keep FastAPI's worker threads")
    parser.add_argument("--profile", choices=["list", "detail", "board", "bare"])
    args = parser.parse_args()
    if not args.threads:
        run_inline()
    home = Path(tempfile.mkdtemp(prefix="profile-web-"))
    env = {**os.environ, "CONAIG_HOME": str(home), "CONAIG_NOW": NOW}
    schema = None
    db_url = None
    if args.backend == "postgresql":
        import psycopg

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        db_url = f"{PG_DSN}?options=-csearch_path%3D{schema}"
    try:
        where = ["--home", str(home)] + (["--db", db_url] if db_url else [])
        subprocess.run([*CONAIG, *where, "demo", "--no-serve"], check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
        asyncio.run(measure(args, home, db_url))
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
