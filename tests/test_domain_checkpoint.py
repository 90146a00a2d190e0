"""Audit checkpoints (pure), against the format the module's docstring and the printed documents
promise, computed here with hashlib from texts written out by hand."""

from __future__ import annotations

import hashlib

from conaig_flow.domain.checkpoint import (
    GENESIS,
    canonical,
    deliverable_leaf,
    parse_deliverable_leaf,
    record_hash,
    root,
    short,
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_records_are_hashed_as_compact_json_with_sorted_keys_and_spanish_letters_kept() -> None:
    record = {"votos": [1, 2], "acta": "N° 003", "año": 2022}
    text = '{"acta":"N° 003","año":2022,"votos":[1,2]}'
    assert canonical(record) == text.encode("utf-8")
    assert record_hash(record) == sha(text)
    assert record_hash({"b": 1, "a": 2}) == record_hash({"a": 2, "b": 1})


def test_the_root_hashes_the_previous_root_and_the_leaves_in_name_order_one_per_line() -> None:
    leaves = {"sesion:3": "c" * 64, "entregable:12": "7:" + "a" * 64}
    expected = sha(f"anterior={'b' * 64}\nentregable:12=7:{'a' * 64}\nsesion:3={'c' * 64}")
    assert root(leaves, "b" * 64) == expected
    assert root({}, "b" * 64) == sha(f"anterior={'b' * 64}")


def test_the_first_checkpoint_chains_from_sixty_four_zeros() -> None:
    assert GENESIS == "0000000000000000000000000000000000000000000000000000000000000000"
    assert root({"entregable:1": "1:ff"}, GENESIS) == sha(
        "anterior=0000000000000000000000000000000000000000000000000000000000000000\nentregable:1=1:ff")


def test_a_root_is_printed_as_its_first_sixteen_hex_digits_in_four_groups_of_four_in_capitals() -> None:
    assert short("0123456789abcdef0123456789abcdef" * 2) == "0123-4567-89AB-CDEF"
    assert short("fedcba9876543210" + "0" * 48) == "FEDC-BA98-7654-3210"


def test_a_deliverables_leaf_carries_its_event_count_and_last_hash_and_reads_back() -> None:
    assert deliverable_leaf(7, "ab" * 32) == "7:" + "ab" * 32
    assert parse_deliverable_leaf("7:" + "ab" * 32) == (7, "ab" * 32)
    assert parse_deliverable_leaf(deliverable_leaf(12, "cd")) == (12, "cd")
