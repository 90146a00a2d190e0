"""Audit checkpoints (pure): the heads of every hash chain and record, hashed to one root.

A checkpoint's leaves are ``name → hash`` (``entregable:12 → head hash at event N° 7``,
``sesion:3 → hash of the closed session's record``). The root is the SHA-256 of the sorted
leaves, one ``name=value`` line each, and of the previous checkpoint's hash, so the
checkpoints form a chain of their own: one edited, removed or reordered breaks the next.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def canonical(value: Any) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


def record_hash(value: Any) -> str:
    """The hash of a record (a session and its votes, an acta…) in canonical JSON."""
    return hashlib.sha256(canonical(value)).hexdigest()


def root(leaves: Mapping[str, str], previous: str) -> str:
    lines = [f"anterior={previous}"] + [f"{name}={leaves[name]}" for name in sorted(leaves)]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def short(root_hex: str) -> str:
    """The root's short form printed in documents: its first 16 hex digits, in groups of four."""
    head = root_hex[:16].upper()
    return "-".join(head[i:i + 4] for i in range(0, 16, 4))


def deliverable_leaf(events: int, head_hash: str) -> str:
    """A deliverable's leaf: how many events its chain had, and the hash of the last."""
    return f"{events}:{head_hash}"


def parse_deliverable_leaf(value: str) -> tuple[int, str]:
    count, _, head = value.partition(":")
    return int(count), head


GENESIS = "0" * 64
