"""KeyIndex.find gives numpy's searchsorted (side "left") positions, by either of its two paths; KeyBits gives
membership and the same positions from a bitmap."""

from __future__ import annotations

import numpy as np
import pytest

from quality.signals.fluency import KEY_BLOCK, MANY_QUERIES, MAX_KEY_BITS, KeyBits, KeyIndex


@pytest.mark.parametrize("n_queries", [0, 1, 7, MANY_QUERIES - 1, MANY_QUERIES, 5 * MANY_QUERIES])
def test_find_equals_searchsorted(n_queries):
    rng = np.random.default_rng(n_queries)
    for n_keys in (1, KEY_BLOCK - 1, KEY_BLOCK, KEY_BLOCK + 1, 10 * KEY_BLOCK + 5):
        keys = np.unique(rng.integers(0, 50 * n_keys, 3 * n_keys))[:n_keys]
        queries = rng.integers(-5, 50 * n_keys + 5, n_queries)
        queries[: min(n_queries, 4)] = keys[: min(n_queries, 4)]  # exact hits
        found = KeyIndex(keys).find(queries)
        assert found.tolist() == np.searchsorted(keys, queries).tolist()


def test_queries_past_every_key_find_the_end():
    keys = np.arange(0, 3 * KEY_BLOCK, 3)
    queries = np.full(MANY_QUERIES, keys[-1] + 1)
    assert (KeyIndex(keys).find(queries) == len(keys)).all()
    assert (KeyIndex(keys).find(queries[:3]) == len(keys)).all()


def test_no_keys():
    assert KeyIndex(np.zeros(0, dtype=np.int64)).find(np.arange(200)).tolist() == [0] * 200


@pytest.mark.parametrize(
    "payload",
    [np.arange(70, dtype=np.float64) / 7, (np.arange(140, dtype=np.float32) / 3).reshape(70, 2)],
)
def test_payload_keeps_its_values_beside_the_keys(payload):
    keys = np.arange(70, dtype=np.int64) * 5
    index = KeyIndex(keys, payload=payload)
    assert index.payload.shape == payload.shape and index.payload.dtype == payload.dtype
    assert np.array_equal(index.payload, payload)
    assert np.array_equal(index.keys, keys)
    queries = np.array([0, 4, 5, 344, 345, 346])
    assert index.find(queries).tolist() == [0, 1, 1, 69, 69, 70]


@pytest.mark.skipif(not KeyBits.fits(1), reason="KeyBits needs numpy's bitwise_count (numpy 2)")
@pytest.mark.parametrize("limit", [1, 63, 64, 65, 1000, 4096])
def test_key_bits_find_members_and_their_positions(limit):
    rng = np.random.default_rng(limit)
    keys = np.unique(rng.integers(0, limit, max(limit // 3, 1)))
    keys = np.union1d(keys, [0, limit - 1])  # the range's two ends, and word edges among the rest
    queries = np.concatenate((np.arange(limit), rng.integers(0, limit, 50)))
    present, where = KeyBits(keys, limit).find(queries)
    assert present.tolist() == np.isin(queries, keys).tolist()
    # a member's position in the keys; for the rest, where the first larger key sits
    assert where.tolist() == np.searchsorted(keys, queries).tolist()


def test_key_bits_only_for_small_ranges():
    assert not KeyBits.fits(MAX_KEY_BITS + 1)
