"""Dispatch of 1,000 messages (claim, render, build, send, mark sent) to a local aiosmtpd in
another process, against the floor: the same number of pre-built messages sent over one
reused aiosmtplib connection, in the same run.

    .venv/bin/python bench/notify_dispatch.py [--messages 1000]

The messages are real reminders (Spanish templates, both parts and the deadline .ics).
Prints messages per second for both and the ratio (target: at least half of the floor).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
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
from conaig_flow.notify import NewMessage, dispatch, enqueue_many
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import renderer_for
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


async def floor(port: int, messages: list[tuple[str, list[str], bytes]]) -> float:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await smtp.connect()
    t0 = time.perf_counter()
    for sender, rcpts, data in messages:
        await smtp.sendmail(sender, rcpts, data)
    elapsed = time.perf_counter() - t0
    await smtp.quit()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    try:
        tmp = Path(tempfile.mkdtemp(prefix="conaig-bench-dispatch-"))
        clock = FixedClock(datetime(2022, 6, 23, 9, 30, tzinfo=LIMA))
        app = bootstrap(Settings.from_env({"CONAIG_SMTP_HOST": "127.0.0.1", "CONAIG_SMTP_PORT": str(port),
                                           "CONAIG_SMTP_TLS": "none", "CONAIG_OUTBOX_BATCH": "100"},
                                          home=tmp, db_url=f"sqlite:///{tmp / 'conaig.db'}"), clock=clock)
        plans.init(app, default_plan_file())
        users.add_user(app, "st@example.pe", "Secretaría Técnica", "MIMP", "secretariat")
        report = sweep(app, explain=True)  # a real reminder, copied 1,000 times under distinct keys
        template = report.planned[0].message
        msgs = [NewMessage(key=f"{template.key}:{i}", kind="reminder", template=template.template, to=template.to,
                           cc=template.cc, context=template.context, deliverable_id=template.deliverable_id)
                for i in range(args.messages)]
        with app.db.write() as conn:
            conn.exec_driver_sql("DELETE FROM outbox")
            enqueue_many(conn, msgs, clock.now())
        renderer = renderer_for(app)
        claimed = ob.claim(app, "prebuild", args.messages)
        prebuilt = [renderer.build(c, clock.now()) for c in expand_claimed(app, claimed)]
        with app.db.write() as conn:
            conn.exec_driver_sql("UPDATE outbox SET status='pending', claimed_by=NULL, lease_until=NULL, attempts=0")
        floor_s = asyncio.run(floor(port, prebuilt))
        t0 = time.perf_counter()
        result = dispatch(app)
        ours_s = time.perf_counter() - t0
        assert result.sent == args.messages, result
        floor_rate, our_rate = args.messages / floor_s, args.messages / ours_s
        print(f"messages: {args.messages} ({len(prebuilt[0][2])} bytes each, text + HTML + .ics)")
        print(f"floor, pre-built bytes over one reused connection: {floor_rate:.0f} messages/s")
        print(f"dispatch (claim + render + build + send + mark sent): {our_rate:.0f} messages/s")
        print(f"ratio: {our_rate / floor_rate:.2f} of the floor (target: at least 0.5)")
        app.close()
    finally:
        server.communicate("", timeout=30)


if __name__ == "__main__":
    main()
