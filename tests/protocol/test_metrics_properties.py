"""Properties of the metrics (protocol/metrics.py) on random inputs, each against a brute-force definition.

The references are plain Python loops over one user (or one pair) at a time, written from the docstrings'
formulas. `top_k` is checked on distinct scores only: its order among tied scores is a choice of the
evaluation protocol, pinned by tests/protocol/test_metrics.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from recsys_lab import metrics

FINITE = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def recommendations(draw):
    """(recommended (num_users, width) with distinct items per row and trailing -1 padding, relevant sets, k)."""
    num_items = draw(st.integers(1, 12))
    num_users = draw(st.integers(1, 6))
    width = draw(st.integers(1, num_items))
    items = st.integers(0, num_items - 1)
    recommended = [draw(st.lists(items, unique=True, max_size=width)) for _ in range(num_users)]
    recommended = np.array([row + [-1] * (width - len(row)) for row in recommended], np.int64)
    relevant = [draw(st.sets(items, max_size=num_items)) for _ in range(num_users - 1)]
    relevant.insert(draw(st.integers(0, num_users - 1)), draw(st.sets(items, min_size=1)))  # one user counts
    return recommended, relevant, draw(st.integers(1, width))


def brute_force_ranking_metrics(recommended, relevant, k) -> dict[str, float]:
    sums = dict.fromkeys(["precision", "recall", "hit_rate", "ndcg", "mrr"], 0.0)
    users = 0
    for row, rel in zip(recommended, relevant, strict=True):
        if not rel:
            continue  # users without a relevant item are skipped
        users += 1
        hits = [rank for rank, item in enumerate(row[:k].tolist(), 1) if item >= 0 and item in rel]
        sums["precision"] += len(hits) / k
        sums["recall"] += len(hits) / len(rel)
        sums["hit_rate"] += 1.0 if hits else 0.0
        ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(k, len(rel)) + 1))
        sums["ndcg"] += sum(1 / math.log2(rank + 1) for rank in hits) / ideal
        sums["mrr"] += 1 / hits[0] if hits else 0.0
    return {f"{name}@{k}": total / users for name, total in sums.items()} | {"users": users}


@given(case=recommendations())
def test_ranking_metrics_equal_their_per_user_definitions_and_lie_in_0_1(case):
    recommended, relevant, k = case
    got = metrics.ranking_metrics(recommended, relevant, k)
    want = brute_force_ranking_metrics(recommended, relevant, k)
    assert got.keys() == want.keys()
    assert got["users"] == want["users"]
    for name in want:
        assert got[name] == pytest.approx(want[name], rel=1e-12, abs=1e-12), name
        assert 0.0 <= got[name] <= 1.0 or name == "users"
    # the same relevance as a sparse matrix gives the same numbers
    rows = [u for u, rel in enumerate(relevant) for _ in rel]
    cols = [i for rel in relevant for i in sorted(rel)]
    matrix = sp.csr_array((np.ones(len(cols)), (rows, cols)), shape=(len(relevant), 12))
    assert metrics.ranking_metrics(recommended, matrix, k) == pytest.approx(got, rel=1e-12)


@st.composite
def distinct_scores(draw):
    """(scores (num_users, num_items) with all values distinct, exclude mask, k)."""
    num_users, num_items = draw(st.integers(1, 5)), draw(st.integers(1, 10))
    n = num_users * num_items
    values = draw(st.lists(FINITE, min_size=n, max_size=n, unique=True))
    scores = np.array(values, np.float64).reshape(num_users, num_items)
    exclude = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool).reshape(scores.shape)
    return scores, exclude, draw(st.integers(1, num_items))


def brute_force_top_k(scores, exclude, k) -> np.ndarray:
    out = np.full((len(scores), k), metrics.PAD)
    for user, row in enumerate(scores):
        order = sorted(range(len(row)), key=lambda item: (-row[item], item))  # a full sort, best first
        allowed = [item for item in order if not exclude[user, item]][:k]
        out[user, : len(allowed)] = allowed
    return out


@given(case=distinct_scores(), as_sparse=st.booleans())
def test_top_k_equals_a_full_sort_and_never_returns_an_excluded_item(case, as_sparse):
    scores, exclude, k = case
    before = scores.copy()
    mask = sp.csr_matrix(exclude) if as_sparse else exclude
    got = metrics.top_k(scores, k, exclude=mask)
    np.testing.assert_array_equal(scores, before)  # "not modified"
    assert got.dtype == np.int64 and got.shape == (len(scores), k)
    np.testing.assert_array_equal(got, brute_force_top_k(scores, exclude, k))
    users, slots = np.nonzero(got >= 0)
    assert not exclude[users, got[users, slots]].any()
    # without exclusions: the k best of each row
    np.testing.assert_array_equal(
        metrics.top_k(scores, k), brute_force_top_k(scores, np.zeros(scores.shape, bool), k)
    )


@given(pairs=st.lists(st.tuples(FINITE, FINITE), min_size=1, max_size=30))
def test_rmse_and_mae_equal_their_definitions(pairs):
    y_true, y_pred = np.array(pairs).T
    n = len(pairs)
    rmse = math.sqrt(math.fsum((t - p) ** 2 for t, p in pairs) / n)
    mae = math.fsum(abs(t - p) for t, p in pairs) / n
    assert metrics.rmse(y_true, y_pred) == pytest.approx(rmse, rel=1e-9, abs=1e-9)
    assert metrics.mae(y_true, y_pred) == pytest.approx(mae, rel=1e-9, abs=1e-9)
    assert metrics.rmse(y_true, y_true) == 0.0 and metrics.mae(y_pred, y_pred) == 0.0
    assert metrics.mae(y_true, y_pred) <= metrics.rmse(y_true, y_pred) * (1 + 1e-12) + 1e-12


@st.composite
def sampled_scores(draw):
    """(positive (P,), negatives (P, N), k) from few distinct values: ties with the positive are common."""
    p, n = draw(st.integers(1, 6)), draw(st.integers(1, 8))
    value = st.integers(0, 3).map(float)
    positive = np.array(draw(st.lists(value, min_size=p, max_size=p)))
    negative = np.array(draw(st.lists(value, min_size=p * n, max_size=p * n))).reshape(p, n)
    return positive, negative, draw(st.integers(1, n + 1))


@given(case=sampled_scores())
def test_sampled_ranking_metrics_equal_a_rank_count_with_ties_against_the_model(case):
    positive, negative, k = case
    ranks = [1 + sum(score >= pos for score in row) for pos, row in zip(positive, negative, strict=True)]
    got = metrics.sampled_ranking_metrics(positive, negative, k)
    assert got["pairs"] == len(ranks)
    assert got[f"hit_rate@{k}"] == pytest.approx(np.mean([r <= k for r in ranks]), rel=1e-12)
    ndcg = [1 / math.log2(r + 1) if r <= k else 0.0 for r in ranks]
    assert got[f"ndcg@{k}"] == pytest.approx(np.mean(ndcg), rel=1e-12)
    assert got["mrr"] == pytest.approx(np.mean([1 / r for r in ranks]), rel=1e-12)
    for name in (f"hit_rate@{k}", f"ndcg@{k}", "mrr"):
        assert 0.0 <= got[name] <= 1.0
    # a model that scores everything alike ranks every positive last: N + 1
    flat = metrics.sampled_ranking_metrics(np.zeros(len(positive)), np.zeros(negative.shape), k)
    assert flat["mrr"] == pytest.approx(1 / (negative.shape[1] + 1))


@st.composite
def rated_test_sets(draw):
    n = draw(st.integers(1, 20))
    user = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    rating = draw(st.lists(st.integers(0, 5).map(float), min_size=n, max_size=n))
    score = draw(st.lists(st.integers(0, 4).map(float), min_size=n, max_size=n))  # ties are common
    return np.array(user), np.array(rating), np.array(score), draw(st.integers(1, 6))


def brute_force_rated_ndcg(user, rating, score, k):
    def dcg(order):
        return sum((2.0 ** rating[j] - 1) / math.log2(p + 2) for p, j in enumerate(order[:k]))

    values = []
    for u in sorted(set(user.tolist())):
        rows = [j for j in range(len(user)) if user[j] == u]
        model = sorted(rows, key=lambda j: (-score[j], rating[j]))  # a tie puts the lower rating first
        ideal = sorted(rows, key=lambda j: -rating[j])
        if len(rows) >= 2 and dcg(ideal) > 0:
            values.append(dcg(model) / dcg(ideal))
    return values


@given(case=rated_test_sets())
def test_rated_ndcg_equals_its_per_user_definition_and_lies_in_0_1(case):
    user, rating, score, k = case
    values = brute_force_rated_ndcg(user, rating, score, k)
    if not values:
        with pytest.raises(ValueError, match="2 or more test ratings"):
            metrics.rated_ndcg(user, rating, score, k)
        return
    got = metrics.rated_ndcg(user, rating, score, k)
    assert got == {f"ndcg@{k}": pytest.approx(np.mean(values), rel=1e-12), "users": len(values)}
    assert 0.0 <= got[f"ndcg@{k}"] <= 1.0 + 1e-12


@given(data=st.data(), num_items=st.integers(1, 12), seed=st.integers(0, 99))
def test_sample_negatives_are_distinct_unseen_items(data, num_items, seed):
    num_users, num_negatives = data.draw(st.integers(1, 4)), data.draw(st.integers(1, num_items))
    seen = np.array(
        data.draw(st.lists(st.booleans(), min_size=num_users * num_items, max_size=num_users * num_items))
    ).reshape(num_users, num_items)
    seen[:, :num_negatives] = False  # every user has enough unseen items
    user_index = np.array(data.draw(st.lists(st.integers(0, num_users - 1), min_size=1, max_size=8)))
    negatives = metrics.sample_negatives(user_index, sp.csr_array(seen), num_items, num_negatives, seed)
    assert negatives.shape == (len(user_index), num_negatives)
    for user, row in zip(user_index, negatives, strict=True):
        assert len(set(row.tolist())) == num_negatives
        assert all(0 <= item < num_items and not seen[user, item] for item in row)
