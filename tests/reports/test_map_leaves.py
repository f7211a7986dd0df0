"""A cell's packed entries adjusted in place equal the entries unpacked, changed and packed
again (ADR 0032): the vector path that writes use agrees with the plain definition."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from straz.reports.map.aggregates import Leaves, adjust_leaves, pack_leaves, unpack_leaves

entry = st.tuples(st.integers(-1, 40), st.integers(0, 7))
sums = st.lists(st.integers(-5, 5), min_size=4, max_size=4).map(
    lambda v: [v[0], v[1] * 1_000_003, v[2] * 2_000_017, v[3] * 97]
)
cells = st.dictionaries(entry, sums.filter(lambda v: v[0] != 0), max_size=30)
deltas = st.dictionaries(entry, sums.filter(any), max_size=8)


def reference(stored: Leaves, changes: Leaves) -> bytes:
    """The definition: add each delta to its entry; an entry whose count is zero goes."""
    leaves = {k: list(v) for k, v in stored.items()}
    for key, delta in changes.items():
        now = [a + b for a, b in zip(leaves.get(key, [0, 0, 0, 0]), delta, strict=True)]
        if now[0] == 0:
            leaves.pop(key, None)
        else:
            leaves[key] = now
    return pack_leaves(leaves) if leaves else b""


@settings(max_examples=300, deadline=None)
@given(stored=cells, changes=deltas)
def test_adjusting_packed_entries_equals_unpack_change_pack(stored: Leaves, changes: Leaves) -> None:
    blob = pack_leaves(stored) if stored else None
    assert adjust_leaves(blob, changes) == reference(stored, changes)


def test_an_emptied_cell_packs_to_nothing_and_a_single_entry_has_no_total() -> None:
    one = pack_leaves({(3, 1): [1, 10, 20, 7]})
    assert adjust_leaves(one, {(3, 1): [-1, -10, -20, -7]}) == b""
    two = adjust_leaves(one, {(4, 2): [1, 1, 1, 9]})
    assert unpack_leaves(two) == {(3, 1): [1, 10, 20, 7], (4, 2): [1, 1, 1, 9]}
    assert len(two) == 3 * len(one)  # the total first, then the two entries
    assert adjust_leaves(two, {(4, 2): [-1, -1, -1, -9]}) == one
