"""Dispatch of 1,000 messages (claim, render, build, send, mark sent) to a local aiosmtpd in
another process, against the floor: the same number of pre-built messages sent over one
reused aiosmtplib connection, in the same run.

    .venv/bin/python bench/notify_dispatch.py [--messages 1000]

The messages are real reminders (Spanish templates, both parts and the deadline .ics).
The messages are built with the standard library's ``email`` package (``notify/mime.py``)
and addressed by name (the users table), as dispatch sends them. Prints messages per second
for both and the ratio (target: at least 0.4 of the floor).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import aiosmtplib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch, renderer_for
from conaig_flow.notify.messages import NewMessage
from conaig_flow.notify.outbox import enqueue_many
from conaig_flow.notify.recipients import display_names
from conaig_flow.notify.reminder_context import expand_claimed
from conaig_flow.services import plans, users
from conaig_flow.services.notifications.reminders import sweep
from conaig_flow.store.definitions import default_plan_file

SERVER = """
import sys, time
from aiosmtpd.controller import Controller
class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 OK"
c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def floor(port: int, messages: list[tuple[str, list[str], bytes]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): connect, send, quit, as dispatch does per call."""
    t0, c0 = time.perf_counter(), time.process_time()
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await smtp.connect()
    for sender, rcpts, data in messages:
        await smtp.sendmail(sender, rcpts, data)
    await smtp.quit()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5, help="floor and dispatch alternate, one slice each per round")
    args = parser.parse_args()
    batch = 100
    per_round = args.messages // args.rounds
    if per_round % batch or per_round == 0:
        parser.error(f"--messages / --rounds must be a multiple of {batch}")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    try:
        tmp = Path(tempfile.mkdtemp(prefix="conaig-bench-dispatch-"))
        clock = FixedClock(datetime(2022, 6, 23, 9, 30, tzinfo=LIMA))
        app = bootstrap(Settings.from_env({"CONAIG_SMTP_HOST": "127.0.0.1", "CONAIG_SMTP_PORT": str(port),
                                           "CONAIG_SMTP_TLS": "none", "CONAIG_OUTBOX_BATCH": str(batch),
                                           "CONAIG_SMTP_FROM": "Secretaría Técnica CONAIG <st@mimp.gob.pe>"},
                                          home=tmp, db_url=f"sqlite:///{tmp / 'conaig.db'}"), clock=clock)
        plans.init(app, default_plan_file())
        users.add_user(app, "st@example.pe", "Secretaría Técnica", "MIMP", "secretariat")
        report = sweep(app, explain=True)  # a real reminder, copied under distinct keys
        template = report.planned[0].message
        msgs = [NewMessage(key=f"{template.key}:{i}", kind="reminder", template=template.template, to=template.to,
                           cc=template.cc, context=template.context, deliverable_id=template.deliverable_id)
                for i in range(per_round * args.rounds)]
        with app.db.write() as conn:
            conn.exec_driver_sql("DELETE FROM outbox")
            enqueue_many(conn, msgs, clock.now())
        renderer = renderer_for(app)
        claimed = ob.claim(app, "prebuild", len(msgs))
        with app.db.read() as conn:
            names = display_names(conn, (r for c in claimed for r in (*c.to, *c.cc)))
        prebuilt = [renderer.build(c, clock.now(), names) for c in expand_claimed(app, claimed)]
        with app.db.write() as conn:
            conn.exec_driver_sql("UPDATE outbox SET status='pending', claimed_by=NULL, lease_until=NULL, attempts=0")
        ratios: list[float] = []
        totals = {"floor": [0.0, 0.0], "dispatch": [0.0, 0.0]}
        for r in range(args.rounds):
            timings: dict[str, tuple[float, float]] = {}
            for which in (("floor", "dispatch") if r % 2 == 0 else ("dispatch", "floor")):
                if which == "floor":
                    timings[which] = asyncio.run(floor(port, prebuilt[r * per_round : (r + 1) * per_round]))
                else:
                    t0, c0 = time.perf_counter(), time.process_time()
                    result = dispatch(app, max_batches=per_round // batch)
                    timings[which] = (time.perf_counter() - t0, time.process_time() - c0)
                    assert result.sent == per_round and not result.errors, result
            for which, (wall, cpu) in timings.items():
                totals[which][0] += wall
                totals[which][1] += cpu
            ratios.append(timings["floor"][0] / timings["dispatch"][0])
        n = len(msgs)
        floor_rate, our_rate = n / totals["floor"][0], n / totals["dispatch"][0]
        print(f"messages: {n} in {args.rounds} rounds ({len(prebuilt[0][2])} bytes each, text + HTML + .ics)")
        print(f"floor, pre-built bytes over one aiosmtplib connection per round: {floor_rate:.0f} messages/s, "
              f"{totals['floor'][1] / n * 1000:.2f} ms CPU each (this process)")
        print(f"dispatch (claim + render + build + send + mark sent): {our_rate:.0f} messages/s, "
              f"{totals['dispatch'][1] / n * 1000:.2f} ms CPU each")
        print("per round: " + ", ".join(f"{x:.2f}" for x in ratios))
        print(f"ratio: {our_rate / floor_rate:.2f} of the floor, median round {statistics.median(ratios):.2f} "
              f"(target: at least 0.4)")
        app.close()
    finally:
        server.communicate("", timeout=30)


if __name__ == "__main__":
    main()
