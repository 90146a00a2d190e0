"""Reading plan and lifecycle files (YAML, safe loader) into validated models.

Every problem is reported as ``file: path.inside[3]: what was expected``; a file with any
problem yields a DefinitionError and nothing else happens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from conaig_flow.domain.lifecycle import Lifecycle, check_graph
from conaig_flow.domain.plan import Plan, cross_check
from conaig_flow.domain.validation import issues_from_validation
from conaig_flow.errors import DefinitionError, DefinitionIssue


@dataclass(frozen=True)
class Source:
    """A definition file's name and text, as read (and as stored in the database)."""

    name: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Definitions:
    plan: Plan
    lifecycles: Mapping[str, Lifecycle]
    plan_source: Source
    lifecycle_sources: tuple[Source, ...]


def default_workflows_dir() -> Path:
    """The plan and lifecycle files that ship with the package: ``conaig_flow/_workflows``, in a
    checkout a link to the repository's ``workflows/``, in an installed wheel the copy packed in it."""
    package = Path(__file__).resolve().parent.parent
    shipped = package / "_workflows"
    return shipped if shipped.is_dir() else package.parent / "workflows"


def default_plan_file() -> Path:
    return default_workflows_dir() / "plans" / "conaig-2021-2022.yaml"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_source(path: Path) -> Source:
    try:
        return Source(_display(path), path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DefinitionError([DefinitionIssue(_display(path), "", "el archivo no existe")]) from None
    except UnicodeDecodeError:
        raise DefinitionError([DefinitionIssue(_display(path), "", "el archivo no está en UTF-8")]) from None
    except OSError as exc:
        raise DefinitionError([DefinitionIssue(_display(path), "", f"no se puede leer ({exc.strerror})")]) from None


# libyaml's parser when PyYAML was built with it (the wheels are): the same safe constructor,
# parsing about ten times faster (every command reads the definitions in force once).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """The safe loader, refusing a key written twice in one mapping (PyYAML keeps the last
    silently, so a misplaced line would quietly replace another)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"la clave '{key}' está repetida en el mismo mapa", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _yaml(source: Source) -> Any:
    try:
        data = yaml.load(source.text, Loader=_StrictLoader)  # safe_load, plus duplicate keys refused
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"línea {mark.line + 1}, columna {mark.column + 1}" if mark else ""
        raise DefinitionError(
            [DefinitionIssue(source.name, where, f"YAML mal formado: {exc.problem}")]
        ) from None
    except yaml.YAMLError as exc:
        raise DefinitionError([DefinitionIssue(source.name, "", f"YAML mal formado: {exc}")]) from None
    if not isinstance(data, dict):
        raise DefinitionError(
            [DefinitionIssue(source.name, "", "se esperaba un mapa de claves y valores en la raíz del archivo")]
        )
    return data


def parse_lifecycle(source: Source) -> Lifecycle:
    data = _yaml(source)
    try:
        lc = Lifecycle.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(issues_from_validation(source.name, exc)) from None
    issues = check_graph(lc, source.name)
    if issues:
        raise DefinitionError(issues)
    return lc


def parse_plan(source: Source, lifecycle_kinds: set[str]) -> Plan:
    data = _yaml(source)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(issues_from_validation(source.name, exc)) from None
    issues = cross_check(plan, source.name, lifecycle_kinds)
    if issues:
        raise DefinitionError(issues)
    return plan


def parse_definitions(plan_source: Source, lifecycle_sources: tuple[Source, ...]) -> Definitions:
    lifecycles: dict[str, Lifecycle] = {}
    issues: list[DefinitionIssue] = []
    for src in lifecycle_sources:
        try:
            lc = parse_lifecycle(src)
        except DefinitionError as exc:
            issues.extend(exc.issues)
            continue
        if lc.kind in lifecycles:
            issues.append(DefinitionIssue(src.name, "kind", f"el tipo '{lc.kind}' ya está definido en otro archivo"))
        lifecycles[lc.kind] = lc
    if issues:
        raise DefinitionError(issues)
    plan = parse_plan(plan_source, set(lifecycles))
    return Definitions(plan, lifecycles, plan_source, lifecycle_sources)


def lifecycles_dir_for(plan_file: Path) -> Path:
    """Lifecycles live in ``../lifecycles`` beside the plans folder, else the shipped ones."""
    sibling = plan_file.resolve().parent.parent / "lifecycles"
    return sibling if sibling.is_dir() else default_workflows_dir() / "lifecycles"


def load_files(plan_file: Path, lifecycles_dir: Path | None = None) -> Definitions:
    folder = lifecycles_dir or lifecycles_dir_for(plan_file)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise DefinitionError([DefinitionIssue(_display(folder), "", "no hay archivos de ciclo de vida (*.yaml)")])
    return parse_definitions(read_source(plan_file), tuple(read_source(f) for f in files))
