"""The package's import graph, read from the source (nothing is imported or run), and the layer
rules checked against it (see docs/architecture.md, "Layers").

An import counts when it can run: at module level or inside a function (an import in a function
hides a circle, it does not remove it). Imports under ``if TYPE_CHECKING:`` never run and are
left out, as in ``../shared/tools/import_cycles.py``: a type named in an annotation is not a
dependency of the running program.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

Graph = dict[str, set[str]]


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, name: str, is_package: bool, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()

    def resolve(target: str) -> str | None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        return target or None

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.update(r for a in child.names if (r := resolve(a.name)))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    pkg = name if is_package else name.rpartition(".")[0]
                    for _ in range(child.level - 1):
                        pkg = pkg.rpartition(".")[0]
                    base = f"{pkg}.{base}" if base else pkg
                for a in child.names:
                    if r := resolve(f"{base}.{a.name}") or resolve(base):
                        found.add(r)
            visit(child)

    visit(tree)
    found.discard(name)
    return found


def import_graph(root: Path) -> Graph:
    """Module → the package's modules it imports (migrations left out: Alembic loads them)."""
    files = {module_name(root, p): p for p in root.rglob("*.py") if "migrations" not in p.parts}
    known = set(files)
    return {m: _imports(p, m, p.name == "__init__.py", known) for m, p in files.items()}


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    group = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        group.append(w)
                        if w == v:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return found


@dataclass(frozen=True)
class Rule:
    """Modules matched by ``importer`` must not import modules matched by ``forbidden``."""

    text: str
    importer: Callable[[str], bool]
    forbidden: Callable[[str], bool]


def under(*prefixes: str) -> Callable[[str], bool]:
    """Matches each prefix as a module or a package (``a.b`` matches ``a.b`` and ``a.b.c``)."""
    return lambda m: any(m == p or m.startswith(p + ".") for p in prefixes)


def outside(*prefixes: str) -> Callable[[str], bool]:
    inside = under(*prefixes)
    return lambda m: not inside(m)


def layer_rules(pkg: str) -> list[Rule]:
    p = f"{pkg}."
    kernel = (p + "errors", p + "clock", p + "i18n")
    faces = (p + "cli", p + "web", p + "scheduler", p + "__main__")
    adapters = (p + "store", p + "notify", p + "rendering", p + "signing")
    services = (p + "services",)
    return [
        Rule("errors, clock and i18n import only each other", under(*kernel), outside(*kernel)),
        Rule("the domain imports only itself and errors, clock, i18n", under(p + "domain"),
             outside(p + "domain", *kernel)),
        Rule("app.py imports only the store, the domain and errors, clock, i18n", under(p + "app"),
             outside(p + "app", p + "store", p + "domain", *kernel)),
        Rule("adapters (store, notify, rendering, signing) import no service, no bootstrap, no cli or web",
             under(*adapters), under(*services, p + "bootstrap", *faces)),
        Rule("services import no bootstrap, no cli or web", under(*services), under(p + "bootstrap", *faces)),
        Rule("only the faces (cli, web, scheduler) import bootstrap", outside(*faces, p + "bootstrap"),
             under(p + "bootstrap")),
        Rule("the web's read models (web.views) are imported by the web only", outside(p + "web"),
             under(p + "web.views")),
    ]


def violations(graph: Mapping[str, set[str]], rules: Iterable[Rule]) -> list[str]:
    return [
        f"{rule.text}: {m} imports {target}"
        for rule in rules
        for m in sorted(graph)
        if rule.importer(m)
        for target in sorted(graph[m])
        if rule.forbidden(target)
    ]
