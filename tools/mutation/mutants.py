"""The mutants of one module: small changes to its syntax tree, one at a time (stdlib only).

Operators (the classic ones; each names what it does in the report):

- a comparison flipped: ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``, ``in`` ↔ ``not in``,
  ``is`` ↔ ``is not``;
- an integer constant moved by one (``n+1`` and ``n-1``), a boolean constant negated;
- ``and`` ↔ ``or``; a ``not`` removed;
- arithmetic swapped: ``+`` ↔ ``-``, ``*`` ↔ ``/``, ``//`` → ``/``, ``%`` → ``//``, and the same
  for augmented assignments (``+=`` ↔ ``-=``);
- a ``return``, ``raise``, ``continue`` or ``break`` deleted (replaced by ``pass``).

Docstrings, string constants, annotations and ``from __future__`` imports are left alone (a
change there is never observable). A mutant is named by its module, the function or class it
sits in, its operator and the source of the node it changes, plus an ordinal when that name
repeats, so the list of equivalent mutants survives unrelated edits of the module.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BIN_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
}
_SYMBOL: dict[type[ast.AST], str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.And: "and", ast.Or: "or",
}


@dataclass(frozen=True)
class Mutant:
    module: str  # dotted name, e.g. conaig_flow.domain.quorum
    index: int  # position among the module's mutants (what the plugin applies)
    line: int
    scope: str  # qualified name of the enclosing function/class, or <module>
    op: str  # e.g. "<= → <"
    source: str  # the original node's source, shortened

    @property
    def name(self) -> str:
        short = self.module.rsplit(".", 1)[-1]
        return f"{short}.py:{self.scope}: {self.op} in `{self.source}`"


def _short(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 70 else text[:67] + "..."


class _Walker(ast.NodeTransformer):
    """Enumerates the mutation points in a fixed order; with ``target`` set, applies that one."""

    def __init__(self, target: int | None = None) -> None:
        self.target = target
        self.count = 0
        self.found: list[tuple[int, str, str, str]] = []  # line, scope, op, source
        self.applied = False
        self._scope: list[str] = []
        self._parents: list[ast.AST] = []

    def generic_visit(self, node: ast.AST) -> ast.AST:
        self._parents.append(node)
        try:
            return super().generic_visit(node)
        finally:
            self._parents.pop()

    def _context(self) -> ast.AST | None:
        """The innermost enclosing expression that is more than a name or a constant."""
        for parent in reversed(self._parents):
            if isinstance(parent, ast.expr) and not isinstance(parent, ast.Constant | ast.Name):
                return parent
            if isinstance(parent, ast.stmt | ast.keyword):
                return parent
        return None

    # -- bookkeeping --------------------------------------------------------------------
    def _point(self, node: ast.AST, op: str, shown: ast.AST | None = None) -> bool:
        """Record a mutation point; True when it is the one to apply."""
        index = self.count
        self.count += 1
        self.found.append((getattr(node, "lineno", 0), ".".join(self._scope) or "<module>", op, _short(shown or node)))
        if index == self.target:
            self.applied = True
            return True
        return False

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> ast.AST:
        self._scope.append(node.name)
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        if isinstance(node, ast.ClassDef):
            node.bases = [self.visit(b) for b in node.bases]
            node.keywords = [self.visit(k) for k in node.keywords]
        else:
            self._visit_defaults(node.args)
        node.body = self._body(node.body)
        self._scope.pop()
        return node

    def _visit_defaults(self, args: ast.arguments) -> None:  # annotations are skipped
        args.defaults = [self.visit(d) for d in args.defaults]
        args.kw_defaults = [None if d is None else self.visit(d) for d in args.kw_defaults]

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, stmt in enumerate(body):
            if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                out.append(stmt)  # docstring
                continue
            new = self.visit(stmt)
            if isinstance(new, list):
                out.extend(new)
            elif new is not None:
                out.append(new)
        return out or [ast.Pass()]

    # -- scopes and statements ------------------------------------------------------------
    def visit_Module(self, node: ast.Module) -> ast.AST:
        node.body = self._body(node.body)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._scoped(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._scoped(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return self._scoped(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node  # only annotations live here

    def _delete(self, node: ast.stmt, what: str) -> ast.AST:
        if self._point(node, f"{what} deleted"):
            return ast.copy_location(ast.Pass(), node)
        return self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> ast.AST:
        return self._delete(node, "return")

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        return self._delete(node, "raise")

    def visit_Continue(self, node: ast.Continue) -> ast.AST:
        return self._delete(node, "continue")

    def visit_Break(self, node: ast.Break) -> ast.AST:
        return self._delete(node, "break")

    def visit_If(self, node: ast.If) -> ast.AST:
        node.test = self.visit(node.test)
        node.body = self._body(node.body)
        node.orelse = self._body(node.orelse) if node.orelse else []
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        node.iter = self.visit(node.iter)
        node.body = self._body(node.body)
        node.orelse = self._body(node.orelse) if node.orelse else []
        return node

    def visit_While(self, node: ast.While) -> ast.AST:
        node.test = self.visit(node.test)
        node.body = self._body(node.body)
        node.orelse = self._body(node.orelse) if node.orelse else []
        return node

    def visit_Try(self, node: ast.Try) -> ast.AST:
        node.body = self._body(node.body)
        for handler in node.handlers:
            handler.body = self._body(handler.body)
        node.orelse = self._body(node.orelse) if node.orelse else []
        node.finalbody = self._body(node.finalbody) if node.finalbody else []
        return node

    def visit_With(self, node: ast.With) -> ast.AST:
        node.items = [self.visit(i) for i in node.items]
        node.body = self._body(node.body)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        swap = _BIN_SWAP.get(type(node.op))
        if swap is not None and self._point(node, f"{_SYMBOL[type(node.op)]}= → {_SYMBOL[swap]}="):
            node.op = swap()
            return node
        return self.generic_visit(node)

    # -- expressions ----------------------------------------------------------------------
    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node  # f-strings: messages, not decisions

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            swap = _CMP_SWAP.get(type(op))
            if swap is not None and self._point(node, f"{_SYMBOL[type(op)]} → {_SYMBOL[swap]}"):
                node.ops[i] = swap()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        swap: type[ast.boolop] = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, f"{_SYMBOL[type(node.op)]} → {_SYMBOL[swap]}"):
            node.op = swap()
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._point(node, "not removed"):
            return node.operand
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        swap = _BIN_SWAP.get(type(node.op))
        if swap is not None and self._point(node, f"{_SYMBOL[type(node.op)]} → {_SYMBOL[swap]}"):
            node.op = swap()
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._point(node, f"{value} → {not value}", self._context()):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, int):
            for delta in (1, -1):
                if self._point(node, f"{value} → {value + delta}", self._context()):
                    return ast.copy_location(ast.Constant(value + delta), node)
        return node


def module_name(path: Path, root: Path) -> str:
    rel = path.resolve().relative_to(root.resolve()).with_suffix("")
    return ".".join(rel.parts)


def enumerate_mutants(path: Path, module: str) -> list[Mutant]:
    walker = _Walker()
    walker.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return [Mutant(module, i, line, scope, op, src) for i, (line, scope, op, src) in enumerate(walker.found)]


def mutated_tree(path: Path, index: int) -> ast.Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    walker = _Walker(target=index)
    new = walker.visit(copy.deepcopy(tree))
    if not walker.applied:
        raise LookupError(f"{path}: no mutant n.° {index} (the module has {walker.count})")
    assert isinstance(new, ast.Module)
    return ast.fix_missing_locations(new)


def mutated_source(path: Path, index: int) -> str:
    return ast.unparse(mutated_tree(path, index))


def names_with_ordinals(mutants: list[Mutant]) -> Iterator[tuple[Mutant, str]]:
    """Each mutant with its stable name (``#2`` … appended when the same name repeats)."""
    seen: dict[str, int] = {}
    for m in mutants:
        n = seen.get(m.name, 0) + 1
        seen[m.name] = n
        yield m, m.name if n == 1 else f"{m.name} #{n}"
