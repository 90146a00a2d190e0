"""A writer for the audit and backup tests:
``python -m tests.advance_loop URL HOME ENTITY STOPFILE [LOG]`` walks ENTITY's A1.1 protocol
through submit → observe → resubmit → observe … until STOPFILE exists, printing the number of
transitions it committed; with LOG, each committed transition is appended to it as
``<deliverable> <seq> <monotonic time after the commit>``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from tests.conftest import pdf_bytes


def main(url: str, home: str, entity: str, stop_file: str, log: str | None = None) -> None:
    app = bootstrap(Settings.from_env({}, home=home, db_url=url))
    officer = users.actor_for(app, f"enlace.{entity.lower()}@example.pe")
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, entity=entity, activity="A1.1")
    done = 0
    while not Path(stop_file).exists():
        if done == 2:  # definitions loaded, machines built: from now on it writes at full pace
            Path(f"{stop_file}.{entity}.ready").write_text("ok", encoding="utf-8")
        state = deliverables.get(app, st, d.id).state
        if state == "draft":
            after = deliverables.advance(app, officer, d.id, "submit", documents=[("p.pdf", pdf_bytes(f"{entity} {done}"))])
        elif state == "observed":
            after = deliverables.advance(app, officer, d.id, "resubmit",
                                         documents=[("s.pdf", pdf_bytes(f"{entity} {done}"))])
        else:
            after = deliverables.advance(app, st, d.id, "observe", comment=f"Observación {done}")
        done += 1
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{d.id} {after.version - 1} {time.monotonic()}\n")
    app.close()
    print(done)


if __name__ == "__main__":
    main(*sys.argv[1:6])
