"""The state engine's cost model: Machines are built per lifecycle, and attaching a deliverable
to one (``add_model`` … ``remove_model``) costs the same whatever the number of deliverables."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from transitions import Machine

from conaig_flow.domain import engine as engine_module
from conaig_flow.domain.engine import LifecycleEngine
from conaig_flow.store.definitions import default_workflows_dir, load_files

KIND = "protocol_norm"
#: (state, trigger) pairs that walk the lifecycle; operations cycle through them.
WALK = (("draft", "submit"), ("submitted", "accept"), ("reviewed", "approve"))
#: Micro-measurements report the best of this many runs (the least disturbed by other load).
BEST_OF = 3


class _Plain:
    """A stand-in deliverable for the raw add_model/remove_model measurements."""

    def __init__(self) -> None:
        self.state = "draft"


@dataclass(frozen=True)
class EngineFacts:
    lifecycles: int
    machines_built_for_engine: int
    machines_built_during_ops: int
    models_attached_after: int
    # microseconds per operation, at each of the two sizes
    fire_us: tuple[float, float]
    add_remove_us: tuple[float, float]
    kept_attached_us: tuple[float, float]  # the anti-pattern, for contrast
    sizes: tuple[int, int]


def _fire(engine: LifecycleEngine, ops: int) -> float:
    start = time.perf_counter()
    for i in range(ops):
        state, trigger = WALK[i % len(WALK)]
        engine.fire(KIND, state, trigger)
    return (time.perf_counter() - start) / ops * 1e6


def _add_remove(machine: Machine, ops: int) -> float:
    """One fresh model per operation, attached and detached at once (what ``fire`` does)."""
    start = time.perf_counter()
    for _ in range(ops):
        model = _Plain()
        machine.add_model(model, initial="draft")
        machine.remove_model(model)
    return (time.perf_counter() - start) / ops * 1e6


def _kept_attached(machine: Machine, ops: int) -> float:
    """Every model attached and kept (as a long-lived Machine holding rows would), then removed."""
    models = [_Plain() for _ in range(ops)]
    start = time.perf_counter()
    for model in models:
        machine.add_model(model, initial="draft")
    for model in models:
        machine.remove_model(model)
    return (time.perf_counter() - start) / ops * 1e6


def measure(plan_file: Path, sizes: tuple[int, int]) -> EngineFacts:
    definitions = load_files(plan_file, default_workflows_dir() / "lifecycles")
    before = engine_module.machines_built
    engine = LifecycleEngine(definitions.lifecycles.values())
    built = engine_module.machines_built - before
    machine = engine.machine(KIND)
    _fire(engine, 200)  # warm-up
    fire = tuple(min(_fire(engine, n) for _ in range(BEST_OF)) for n in sizes)
    add_remove = tuple(min(_add_remove(machine, n) for _ in range(BEST_OF)) for n in sizes)
    during = engine_module.machines_built - before - built
    attached = sum(len(engine.machine(kind).models) for kind in engine.lifecycles)
    lc = definitions.lifecycles[KIND]
    contrast = Machine(  # built like the engine's, outside it (not counted in machines_built)
        model=[],
        states=[s.name for s in lc.states],
        transitions=[{"trigger": t.trigger, "source": list(t.source), "dest": t.dest} for t in lc.transitions],
        initial=lc.initial,
        auto_transitions=False,
    )
    kept = tuple(min(_kept_attached(contrast, n) for _ in range(BEST_OF)) for n in sizes)
    return EngineFacts(
        lifecycles=len(engine.lifecycles),
        machines_built_for_engine=built,
        machines_built_during_ops=during,
        models_attached_after=attached,
        fire_us=(fire[0], fire[1]),
        add_remove_us=(add_remove[0], add_remove[1]),
        kept_attached_us=(kept[0], kept[1]),
        sizes=sizes,
    )
