"""A pytest plugin that swaps one module for its mutant before anything imports it.

Loaded by the runner with ``-p tools.mutation.plugin``; the mutant comes from the environment
(``CONAIG_MUTANT=module.name:index``). The working tree is never written: the mutated syntax tree
is compiled in memory under the module's own file name, so several runs can share one checkout.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, ModuleType

from tools.mutation.mutants import mutated_tree


class _MutantLoader(importlib.abc.Loader):
    def __init__(self, code: CodeType) -> None:
        self.code = code

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(self.code, module.__dict__)


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, path: Path, code: CodeType) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_loader(fullname, _MutantLoader(self.code), origin=str(self.path))


def _install(spec: str) -> None:
    name, _, index = spec.rpartition(":")
    if name in sys.modules:
        raise RuntimeError(f"{name} was imported before the mutant could replace it")
    root = Path(__file__).resolve().parents[2]
    path = root.joinpath(*name.split(".")).with_suffix(".py")
    code = compile(mutated_tree(path, int(index)), str(path), "exec")
    sys.meta_path.insert(0, _MutantFinder(name, path, code))


if os.environ.get("CONAIG_MUTANT"):
    _install(os.environ["CONAIG_MUTANT"])
