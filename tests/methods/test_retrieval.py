"""§3.3 retrieval: top-k by inner product or cosine against brute-force numpy, ANN recall, similar items, recall@k."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recsys_lab.methods.retrieval import (
    AnnIndex,
    normalize,
    recall_at_k,
    retrieve,
    similar_items,
    similarity,
)


def brute_force(users, items, k, exclude=None, metric="dot"):
    """The definition: sort every item by (-score, item_index), drop the excluded ones, keep k (pad with -1)."""
    users, items = np.asarray(users, np.float64), np.asarray(items, np.float64)
    if metric == "cosine":
        users = users / np.linalg.norm(users, axis=1, keepdims=True)
        items = items / np.linalg.norm(items, axis=1, keepdims=True)
    scores = users @ items.T
    mask = np.zeros(scores.shape, bool) if exclude is None else np.asarray(exclude)
    result = np.full((len(users), k), -1)
    for u in range(len(users)):
        order = [i for i in np.lexsort((np.arange(len(items)), -scores[u])) if not mask[u, i]][:k]
        result[u, : len(order)] = order
    return result, scores


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    users, items = rng.normal(size=(40, 8)), rng.normal(size=(300, 8)) * rng.lognormal(0, 0.5, (300, 1))
    return users, items, rng.random((40, 300)) < 0.2


@pytest.mark.parametrize("metric", ["dot", "cosine"])
@pytest.mark.parametrize("k", [1, 10, 300])
def test_retrieve_equals_brute_force(vectors, metric, k):
    users, items, seen = vectors
    for exclude in (None, seen, sp.csr_matrix(seen)):
        dense = None if exclude is None else seen
        expected, scores = brute_force(users, items, k, dense, metric)
        found, found_scores = retrieve(users, items, k, exclude=exclude, metric=metric, batch_size=7)
        np.testing.assert_array_equal(found, expected)
        valid = found >= 0
        np.testing.assert_allclose(
            found_scores[valid], np.take_along_axis(scores, np.maximum(found, 0), 1)[valid]
        )
        assert np.all(found_scores[~valid] == -np.inf)


def test_ties_go_to_the_lower_index_whatever_the_batch():
    users = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    items = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # many exact ties
    expected, _ = brute_force(users, items, 4)
    for batch_size in (1, 2, None):
        np.testing.assert_array_equal(retrieve(users, items, 4, batch_size=batch_size)[0], expected)
    np.testing.assert_array_equal(expected[0], [0, 2, 4, 1])


def test_seen_items_never_come_back_and_short_rows_are_padded(vectors):
    users, items, seen = vectors
    found, _ = retrieve(users, items, 50, exclude=seen)
    rows = np.repeat(np.arange(len(users))[:, None], 50, axis=1)
    assert not seen[rows, found].any()
    only_two = np.ones((1, 300), bool)
    only_two[0, [5, 9]] = False
    found, scores = retrieve(users[:1], items, 4, exclude=only_two)
    assert sorted(found[0, :2]) == [5, 9] and list(found[0, 2:]) == [-1, -1]
    assert np.isneginf(scores[0, 2:]).all()


def test_all_users_at_once_equals_one_user_at_a_time(vectors):
    users, items, seen = vectors
    exclude = sp.csr_matrix(seen)
    together, together_scores = retrieve(users, items, 10, exclude=exclude)
    for u in range(len(users)):
        alone, alone_scores = retrieve(users[[u]], items, 10, exclude=exclude[[u]])
        np.testing.assert_array_equal(alone[0], together[u])
        np.testing.assert_allclose(alone_scores[0], together_scores[u])


def test_cosine_ignores_length_dot_does_not():
    users = np.array([[1.0, 0.1]])
    items = np.array([[0.5, 0.5], [10.0, 9.0], [1.0, 0.0]])
    assert retrieve(users, items, 1)[0][0, 0] == 1  # the long vector wins the inner product
    assert retrieve(users, items, 1, metric="cosine")[0][0, 0] == 2  # the best direction wins cosine
    rescaled = items * np.array([[3.0], [0.01], [7.0]])  # any positive lengths: cosine does not move
    np.testing.assert_array_equal(
        retrieve(users, rescaled, 3, metric="cosine")[0], retrieve(users, items, 3, metric="cosine")[0]
    )
    np.testing.assert_allclose(similarity(users, items, "cosine"), normalize(users) @ normalize(items).T)
    np.testing.assert_allclose(np.abs(similarity(items, items, "cosine")).max(), 1.0)


def test_bad_input_is_named():
    users, items = np.ones((2, 16)), np.ones((5, 64))
    with pytest.raises(ValueError, match="16 dimensions but item vectors have 64"):
        retrieve(users, items, 3)
    with pytest.raises(ValueError, match="k=6 is out of range"):
        retrieve(np.ones((2, 4)), np.ones((5, 4)), 6)
    with pytest.raises(ValueError, match="metric must be one of"):
        retrieve(np.ones((2, 4)), np.ones((5, 4)), 2, metric="euclid")
    with pytest.raises(ValueError, match="NaN"):
        retrieve(np.full((2, 4), np.nan), np.ones((5, 4)), 2)
    with pytest.raises(ValueError, match="exclude has shape"):
        retrieve(np.ones((2, 4)), np.ones((5, 4)), 2, exclude=np.zeros((3, 5), bool))
    with pytest.raises(ValueError, match="item_index 9"):
        similar_items(np.ones((5, 4)), 9)


def test_similar_items_leaves_the_item_out(vectors):
    _, items, _ = vectors
    found, scores = similar_items(items, 3, k=5)
    assert 3 not in found and np.all(np.diff(scores) <= 0)
    expected, _ = brute_force(items[[3]], items, 6, metric="cosine")
    np.testing.assert_array_equal(found, [i for i in expected[0] if i != 3][:5])


def test_recall_at_k():
    assert recall_at_k(np.array([[1, 2, 3]]), np.array([[3, 2, 1]])) == 1.0
    assert recall_at_k(np.array([[1, -1]]), np.array([[1, 4]])) == 0.5
    assert recall_at_k(np.array([[7, 8], [1, 2]]), np.array([[1, 2], [-1, -1]])) == 0.0  # padded row skipped
    with pytest.raises(ValueError, match="one row per query"):
        recall_at_k(np.zeros((2, 3)), np.zeros((3, 3)))


@pytest.mark.parametrize("metric", ["dot", "cosine"])
def test_ann_index_recalls_the_exact_top_k(vectors, metric):
    pytest.importorskip("faiss")
    users, items, seen = vectors
    exact, _ = retrieve(users, items, 10, exclude=seen, metric=metric)
    approx, scores = AnnIndex(items, metric=metric).search(users, 10, exclude=seen, ef_search=128)
    assert recall_at_k(approx, exact) >= 0.9
    rows = np.repeat(np.arange(len(users))[:, None], 10, axis=1)
    assert not seen[rows, approx].any()
    assert np.all(np.diff(scores, axis=1) <= 1e-5)  # best first
