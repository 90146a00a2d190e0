"""The peer: SpiffWorkflow driving the same three-step approval (``approval.bpmn``), its
serializer writing every step to a SQLite file at the same durability setting.

Per step, in one transaction: read the workflow's JSON, restore it, complete the ready user
task, run the engine, serialize it, update the row (optimistic version check) and insert a
step row: what an app that keeps its workflows in the database does for every action. With
``kept_in_memory`` the workflow objects stay in memory and each step only serializes and
writes (the gentler variant, as a single long-lived process could do).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

BPMN = Path(__file__).resolve().parent / "approval.bpmn"
STEPS = ("submit", "accept", "approve")

SCHEMA = (
    "CREATE TABLE workflows (id INTEGER PRIMARY KEY, serialization TEXT NOT NULL, version INTEGER NOT NULL)",
    "CREATE TABLE steps (id INTEGER PRIMARY KEY, workflow_id INTEGER NOT NULL REFERENCES workflows(id),"
    " seq INTEGER NOT NULL, task TEXT NOT NULL, at TEXT NOT NULL, UNIQUE (workflow_id, seq))",
)


class SpiffWorkload:
    def __init__(self, path: Path, synchronous: str, n: int, *, kept_in_memory: bool = False) -> None:
        self.name = "spiffworkflow_in_memory" if kept_in_memory else "spiffworkflow"
        self.kept_in_memory = kept_in_memory
        self.n = n
        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN))
        spec = parser.get_spec("approval")
        self.serializer = BpmnWorkflowSerializer()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(path, isolation_level=None, timeout=30)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", f"synchronous={synchronous}"):
            self.con.execute(f"PRAGMA {pragma}")
        for statement in SCHEMA:
            self.con.execute(statement)
        self.live: dict[int, BpmnWorkflow] = {}
        self.con.execute("BEGIN IMMEDIATE")
        for i in range(1, n + 1):
            workflow = BpmnWorkflow(spec)
            workflow.do_engine_steps()
            self.live[i] = workflow
            self.con.execute("INSERT INTO workflows VALUES (?, ?, 1)", (i, self.serializer.serialize_json(workflow)))
        self.con.execute("COMMIT")

    def __len__(self) -> int:
        return self.n * len(STEPS)

    def step(self, i: int) -> None:
        step, wf_id = STEPS[i // self.n], i % self.n + 1
        con = self.con
        con.execute("BEGIN IMMEDIATE")
        text, version = con.execute("SELECT serialization, version FROM workflows WHERE id = ?", (wf_id,)).fetchone()
        workflow = self.live[wf_id] if self.kept_in_memory else self.serializer.deserialize_json(text)
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        if task is None or task.task_spec.name != step:
            raise SystemExit(f"spiff: workflow {wf_id} is not waiting for «{step}»")
        task.run()
        workflow.do_engine_steps()
        cur = con.execute(
            "UPDATE workflows SET serialization = ?, version = ? WHERE id = ? AND version = ?",
            (self.serializer.serialize_json(workflow), version + 1, wf_id, version),
        )
        if cur.rowcount != 1:
            raise SystemExit("spiff: concurrent update")
        con.execute("INSERT INTO steps (workflow_id, seq, task, at) VALUES (?, ?, ?, datetime('now'))", (wf_id, version, step))
        con.execute("COMMIT")

    def finish(self) -> dict[str, int]:
        try:
            (done,) = self.con.execute("SELECT count(*) FROM steps").fetchone()
            if done != len(self):
                raise SystemExit("spiff: not every step was recorded")
            for (text,) in self.con.execute("SELECT serialization FROM workflows"):
                if not self.serializer.deserialize_json(text).completed:
                    raise SystemExit("spiff: a workflow did not complete")
            return {"steps": done}
        finally:
            self.con.close()
