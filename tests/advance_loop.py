"""A writer for the audit tests: ``python -m tests.advance_loop URL HOME ENTITY STOPFILE``
walks ENTITY's A1.1 protocol through submit → observe → resubmit → observe … until STOPFILE
exists, printing the number of transitions it committed."""

from __future__ import annotations

import sys
from pathlib import Path

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.services import deliverables, users
from tests.conftest import pdf_bytes


def main(url: str, home: str, entity: str, stop_file: str) -> None:
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
            deliverables.advance(app, officer, d.id, "submit", documents=[("p.pdf", pdf_bytes(f"{entity} {done}"))])
        elif state == "observed":
            deliverables.advance(app, officer, d.id, "resubmit", documents=[("s.pdf", pdf_bytes(f"{entity} {done}"))])
        else:
            deliverables.advance(app, st, d.id, "observe", comment=f"Observación {done}")
        done += 1
    app.close()
    print(done)


if __name__ == "__main__":
    main(*sys.argv[1:5])
