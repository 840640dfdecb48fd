"""Tests for recsys_lab.protocol.metrics: hand-derived values, brute-force references, limits and bad inputs."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import scipy.sparse as sp

from recsys_lab import metrics
from recsys_lab.protocol.metrics import (
    catalogue_coverage,
    mae,
    ranking_metrics,
    rmse,
    sample_negatives,
    sampled_ranking_metrics,
    top_k,
)

SEEDS = [0, 1, 2, 3]


# ---------------------------------------------------------------------------------------------------
# Brute-force references: per-user Python loops, written from the definitions.
# ---------------------------------------------------------------------------------------------------


def brute_top_k(
    scores: np.ndarray, k: int, exclude: np.ndarray | None = None, marked: np.ndarray | None = None
) -> np.ndarray:
    num_users, num_items = scores.shape
    result = np.full((num_users, k), -1, dtype=np.int64)
    for u in range(num_users):
        allowed = [i for i in range(num_items) if exclude is None or not exclude[u, i]]
        # tie: unmarked items before marked ones, then the lower index first
        ranked = sorted(allowed, key=lambda i: (-scores[u, i], marked is not None and marked[u, i], i))[:k]
        result[u, : len(ranked)] = ranked
    return result


def brute_ranking(recommended: np.ndarray, relevant_sets: list[set[int]], k: int) -> dict[str, float]:
    sums = {"precision": 0.0, "recall": 0.0, "hit_rate": 0.0, "ndcg": 0.0, "mrr": 0.0}
    users = 0
    for row, rel in zip(recommended, relevant_sets, strict=True):
        if not rel:
            continue
        users += 1
        top = [int(i) for i in row[:k]]
        hit_ranks = [r for r, item in enumerate(top, start=1) if item in rel]
        sums["precision"] += len(hit_ranks) / k
        sums["recall"] += len(hit_ranks) / len(rel)
        sums["hit_rate"] += 1.0 if hit_ranks else 0.0
        dcg = sum(1 / math.log2(r + 1) for r in hit_ranks)
        idcg = sum(1 / math.log2(r + 1) for r in range(1, min(k, len(rel)) + 1))
        sums["ndcg"] += dcg / idcg
        sums["mrr"] += 1 / hit_ranks[0] if hit_ranks else 0.0
    out = {f"{name}@{k}": total / users for name, total in sums.items()}
    out["users"] = users
    return out


def brute_sampled(pos: np.ndarray, neg: np.ndarray, k: int) -> dict[str, float]:
    hr = ndcg = mrr = 0.0
    for p, row in zip(pos, neg, strict=True):
        rank = 1 + sum(1 for s in row if s >= p)  # ties count against the model
        hr += rank <= k
        ndcg += 1 / math.log2(rank + 1) if rank <= k else 0.0
        mrr += 1 / rank
    n = len(pos)
    return {f"hit_rate@{k}": hr / n, f"ndcg@{k}": ndcg / n, "mrr": mrr / n, "pairs": n}


def random_scores(rng: np.random.Generator, shape: tuple[int, int], ties: bool) -> np.ndarray:
    # integer scores in {0, 1, 2} make ties the rule, including at the top-k boundary
    return rng.integers(0, 3, size=shape).astype(np.float64) if ties else rng.normal(size=shape)


def test_docstring_examples() -> None:
    assert doctest.testmod(metrics, raise_on_error=False).failed == 0


# ---------------------------------------------------------------------------------------------------
# rmse / mae
# ---------------------------------------------------------------------------------------------------


def test_rmse_mae_hand_values() -> None:
    # errors 1, -2, 0, 0.5: squares 1, 4, 0, 0.25 -> mean 1.3125; abs 1, 2, 0, 0.5 -> mean 0.875
    y_true = np.array([4.0, 3.0, 5.0, 1.0])
    y_pred = np.array([3.0, 5.0, 5.0, 0.5])
    assert rmse(y_true, y_pred) == pytest.approx(math.sqrt(1.3125))
    assert mae(y_true, y_pred) == pytest.approx(0.875)
    assert isinstance(rmse(y_true, y_pred), float)


def test_rmse_mae_limits_and_float64() -> None:
    x = np.random.default_rng(0).uniform(1, 5, size=100).astype(np.float32)
    assert rmse(x, x) == 0.0
    assert mae(x, x) == 0.0
    # float32 inputs are computed in float64: a tiny error is not lost
    assert rmse(np.float32([1e8]), np.float32([1e8 + 8])) == pytest.approx(8.0)
    assert rmse([1.0, 2.0], [2.0, 3.0]) == pytest.approx(mae([1.0, 2.0], [2.0, 3.0]))


@pytest.mark.parametrize("func", [rmse, mae])
def test_rmse_mae_bad_inputs(func) -> None:
    with pytest.raises(ValueError, match="shape"):
        func(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="empty"):
        func(np.array([]), np.array([]))
    with pytest.raises(ValueError, match=r"y_pred holds 2 NaN.*rating scale.*fill"):
        func(np.ones(3), np.array([1.0, np.nan, np.nan]))
    with pytest.raises(ValueError, match="y_true holds 1 NaN"):
        func(np.array([np.nan, 1.0]), np.ones(2))


# ---------------------------------------------------------------------------------------------------
# top_k
# ---------------------------------------------------------------------------------------------------


def test_top_k_hand_example() -> None:
    scores = np.array([[0.2, 0.9, 0.9, 0.1, 0.5], [1.0, 1.0, 1.0, 1.0, 1.0]])
    seen = np.array([[False, True, False, False, False], [False, False, True, False, False]])
    # user 0: 0.9 at items 1 and 2 (tie: 1 first), then 0.5 (item 4); item 1 excluded -> 2, 4, 0
    # user 1: all tied -> index order 0, 1, 3 once item 2 is excluded
    np.testing.assert_array_equal(top_k(scores, 3), [[1, 2, 4], [0, 1, 2]])
    np.testing.assert_array_equal(top_k(scores, 3, exclude=seen), [[2, 4, 0], [0, 1, 3]])
    assert top_k(scores, 3).dtype == np.int64


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
def test_top_k_matches_brute_force(seed: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    scores = random_scores(rng, (30, 17), ties)
    exclude = rng.random((30, 17)) < 0.3
    exclude[0, :] = True  # a user with nothing left: all padding
    exclude[1, :15] = True  # a user with 2 items left: padded
    for k in (1, 3, 5, 17):
        np.testing.assert_array_equal(top_k(scores, k), brute_top_k(scores, k))
        np.testing.assert_array_equal(top_k(scores, k, exclude=exclude), brute_top_k(scores, k, exclude))
    assert (top_k(scores, 5, exclude=exclude)[0] == -1).all()
    assert (top_k(scores, 5, exclude=exclude)[1, 2:] == -1).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_top_k_puts_marked_items_last_among_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = random_scores(rng, (30, 17), ties=True)
    exclude = rng.random((30, 17)) < 0.3
    marked = rng.random((30, 17)) < 0.3
    for k in (1, 3, 5, 17):
        got = top_k(scores, k, exclude=exclude, last_among_ties=marked)
        np.testing.assert_array_equal(got, brute_top_k(scores, k, exclude, marked))
        sparse = top_k(scores, k, exclude=sp.csr_array(exclude), last_among_ties=sp.csr_matrix(marked))
        np.testing.assert_array_equal(sparse, got)
    # marks change the order only among equal scores: with distinct scores the list is the same
    distinct = random_scores(rng, (30, 17), ties=False)
    np.testing.assert_array_equal(top_k(distinct, 5, last_among_ties=marked), top_k(distinct, 5))


def test_top_k_constant_scores_rank_every_marked_item_last() -> None:
    # a model that knows nothing scores all items alike: the held-out (marked) items never enter the top k
    scores = np.full((3, 8), 3.5)
    marked = np.zeros((3, 8), bool)
    marked[0, [0, 1]] = True  # the lowest ids, which a tie by index would rank first
    marked[1, [2, 5, 7]] = True
    marked[2, :5] = True
    top = top_k(scores, 3, last_among_ties=marked)
    np.testing.assert_array_equal(top, [[2, 3, 4], [0, 1, 3], [5, 6, 7]])
    assert not np.take_along_axis(marked, top, axis=1).any()
    with pytest.raises(ValueError, match="last_among_ties"):
        top_k(scores, 3, last_among_ties=np.zeros((3, 7), bool))


def test_top_k_sparse_exclude_any_format_and_never_returned() -> None:
    rng = np.random.default_rng(5)
    scores = random_scores(rng, (20, 12), ties=True)
    exclude = rng.random((20, 12)) < 0.4
    expected = brute_top_k(scores, 6, exclude)
    for matrix in (sp.csr_matrix(exclude), sp.coo_array(exclude), sp.csc_array(exclude.astype(np.float32))):
        got = top_k(scores, 6, exclude=matrix)
        np.testing.assert_array_equal(got, expected)
    rows, cols = np.nonzero(got >= 0)
    assert not exclude[rows, got[rows, cols]].any()


def test_top_k_minus_inf_scores_are_not_confused_with_excluded() -> None:
    # item 0 is allowed but scored -inf; items 1, 2 are excluded: item 0 must still be returned
    scores = np.array([[-np.inf, 5.0, 4.0, 1.0]])
    exclude = np.array([[False, True, True, False]])
    np.testing.assert_array_equal(top_k(scores, 3, exclude=exclude), [[3, 0, -1]])


def test_top_k_does_not_modify_input() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(5, 8))
    before = scores.copy()
    top_k(scores, 3, exclude=rng.random((5, 8)) < 0.5)
    np.testing.assert_array_equal(scores, before)


def test_top_k_bad_inputs() -> None:
    scores = np.zeros((3, 4))
    with pytest.raises(ValueError, match="k=0 is out of range"):
        top_k(scores, 0)
    with pytest.raises(ValueError, match="k=5 is out of range"):
        top_k(scores, 5)
    with pytest.raises(ValueError, match="2-D"):
        top_k(np.zeros(4), 1)
    with pytest.raises(ValueError, match="must match"):
        top_k(scores, 2, exclude=sp.csr_array((3, 5)))
    with pytest.raises(ValueError, match="boolean array"):
        top_k(scores, 2, exclude=np.zeros((3, 4), dtype=int))
    with pytest.raises(ValueError, match="1 NaN"):
        top_k(np.array([[0.0, np.nan]]), 1)


# ---------------------------------------------------------------------------------------------------
# ranking_metrics and catalogue_coverage
# ---------------------------------------------------------------------------------------------------


def test_ranking_metrics_hand_example() -> None:
    # user 0: top-3 = [3, 0, 2], relevant {3, 2}: hits at ranks 1 and 3
    #   precision 2/3, recall 2/2, hit 1, mrr 1/1
    #   ndcg = (1/log2(2) + 1/log2(4)) / (1/log2(2) + 1/log2(3)) = 1.5 / 1.6309 = 0.91972
    # user 1: top-3 = [1, 4, 0], relevant {4, 5, 6, 7}: hit at rank 2
    #   precision 1/3, recall 1/4, hit 1, mrr 1/2
    #   ndcg = (1/log2(3)) / (1 + 1/log2(3) + 1/log2(4)) = 0.63093 / 2.13093 = 0.29608
    # user 2: no relevant item -> skipped
    recommended = np.array([[3, 0, 2], [1, 4, 0], [5, 6, 7]])
    relevant = sp.csr_array(
        (np.ones(6), ([0, 0, 1, 1, 1, 1], [3, 2, 4, 5, 6, 7])),
        shape=(3, 8),
    )
    ndcg0 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    ndcg1 = (1 / math.log2(3)) / (1 + 1 / math.log2(3) + 1 / math.log2(4))
    expected = {
        "precision@3": (2 / 3 + 1 / 3) / 2,
        "recall@3": (1 + 1 / 4) / 2,
        "hit_rate@3": 1.0,
        "ndcg@3": (ndcg0 + ndcg1) / 2,
        "mrr@3": (1 + 1 / 2) / 2,
        "users": 2,
    }
    got = ranking_metrics(recommended, relevant, k=3)
    assert got.keys() == expected.keys()
    assert got == pytest.approx(expected)
    # the same with a list of sets, and with k smaller than the number of columns
    assert ranking_metrics(recommended, [{3, 2}, {4, 5, 6, 7}, set()], k=3) == pytest.approx(expected)
    assert ranking_metrics(recommended, relevant, k=1) == pytest.approx(
        {"precision@1": 0.5, "recall@1": 0.25, "hit_rate@1": 0.5, "ndcg@1": 0.5, "mrr@1": 0.5, "users": 2}
    )


def test_ranking_metrics_limits() -> None:
    # perfect ranking: all relevant items first -> ndcg 1, recall 1, mrr 1
    relevant = [{4, 1}, {0}]
    perfect = np.array([[1, 4, 0, 2], [0, 3, 2, 1]])
    got = ranking_metrics(perfect, relevant, k=4)
    assert got["ndcg@4"] == pytest.approx(1.0)
    assert got["recall@4"] == pytest.approx(1.0)
    assert got["mrr@4"] == pytest.approx(1.0)
    # k > |rel|: precision can not reach 1 -> (2/4 + 1/4) / 2
    assert got["precision@4"] == pytest.approx(0.375)
    # no hit at all -> every metric 0
    miss = ranking_metrics(np.array([[0, 2], [1, 2]]), relevant, k=2)
    assert all(miss[key] == 0.0 for key in miss if key != "users")


@pytest.mark.parametrize("seed", SEEDS)
def test_ranking_metrics_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    num_users, num_items = 40, 25
    train = rng.random((num_users, num_items)) < 0.2
    test = (rng.random((num_users, num_items)) < 0.15) & ~train
    scores = random_scores(rng, (num_users, num_items), ties=seed % 2 == 1)
    relevant_sets = [set(np.flatnonzero(row).tolist()) for row in test]
    for k in (1, 5, 10):
        recommended = top_k(scores, k, exclude=sp.csr_array(train))
        expected = brute_ranking(recommended, relevant_sets, k)
        assert ranking_metrics(recommended, sp.coo_matrix(test), k) == pytest.approx(expected)
        assert ranking_metrics(recommended, relevant_sets, k) == pytest.approx(expected)


def test_ranking_metrics_padding_and_explicit_zeros() -> None:
    # -1 padding is never a hit; an explicit zero in the sparse matrix is not relevant
    relevant = sp.csr_array((np.array([1.0, 0.0]), ([0, 0], [2, 3])), shape=(1, 4))
    got = ranking_metrics(np.array([[3, 2, -1]]), relevant, k=3)
    # |rel| = 1, hit at rank 2: ndcg = (1/log2(3)) / 1
    assert got["ndcg@3"] == pytest.approx(1 / math.log2(3))
    assert got["precision@3"] == pytest.approx(1 / 3)


def test_ranking_metrics_bad_inputs() -> None:
    relevant = sp.csr_array(np.eye(3))
    with pytest.raises(ValueError, match="rows"):
        ranking_metrics(np.zeros((2, 2), dtype=int), relevant, k=2)
    with pytest.raises(ValueError, match="k=3 is out of range"):
        ranking_metrics(np.zeros((3, 2), dtype=int), relevant, k=3)
    with pytest.raises(ValueError, match="repeats"):
        ranking_metrics(np.array([[0, 0], [1, 2], [2, 1]]), relevant, k=2)
    with pytest.raises(ValueError, match="outside"):
        ranking_metrics(np.array([[0, 9], [1, 2], [2, 1]]), relevant, k=2)
    with pytest.raises(ValueError, match="int array"):
        ranking_metrics(np.zeros((3, 2)), relevant, k=2)
    with pytest.raises(ValueError, match="no user has a relevant item"):
        ranking_metrics(np.zeros((3, 1), dtype=int), sp.csr_array((3, 3)), k=1)


def test_catalogue_coverage() -> None:
    # distinct items {0, 1, 3} over 6 -> 0.5; padding ignored
    assert catalogue_coverage(np.array([[0, 1], [1, 3], [-1, -1]]), num_items=6) == pytest.approx(0.5)
    assert catalogue_coverage(np.full((2, 3), -1), num_items=4) == 0.0
    assert catalogue_coverage(np.array([[0, 1, 2]]), num_items=3) == 1.0
    with pytest.raises(ValueError, match="num_items"):
        catalogue_coverage(np.array([[0, 5]]), num_items=3)


# ---------------------------------------------------------------------------------------------------
# sampled_ranking_metrics and sample_negatives
# ---------------------------------------------------------------------------------------------------


def test_sampled_ranking_metrics_hand_example() -> None:
    # pair 0: positive 0.9 beats both negatives -> rank 1
    # pair 1: positive 0.4, negatives 0.8 and 0.4 (a tie, counted against the model) -> rank 3
    # hit_rate@2 = 1/2, ndcg@2 = (1 + 0) / 2, mrr = (1 + 1/3) / 2
    got = sampled_ranking_metrics(np.array([0.9, 0.4]), np.array([[0.1, 0.5], [0.8, 0.4]]), k=2)
    assert got == pytest.approx({"hit_rate@2": 0.5, "ndcg@2": 0.5, "mrr": 2 / 3, "pairs": 2})
    # rank 3 is within k = 3: ndcg adds 1/log2(4) = 1/2
    assert sampled_ranking_metrics(np.array([0.9, 0.4]), np.array([[0.1, 0.5], [0.8, 0.4]]), k=3)[
        "ndcg@3"
    ] == pytest.approx((1 + 0.5) / 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_sampled_ranking_metrics_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pos = rng.integers(0, 4, size=50).astype(float)  # many ties
    neg = rng.integers(0, 4, size=(50, 20)).astype(float)
    for k in (1, 5, 21):
        assert sampled_ranking_metrics(pos, neg, k) == pytest.approx(brute_sampled(pos, neg, k))


def test_sampled_constant_scorer_gets_worst_rank() -> None:
    num_negatives = 99
    got = sampled_ranking_metrics(np.ones(10), np.ones((10, num_negatives)), k=10)
    assert got["hit_rate@10"] == 0.0
    assert got["ndcg@10"] == 0.0
    assert got["mrr"] == pytest.approx(1 / (num_negatives + 1))


def test_sampled_ranking_metrics_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"\(P,\)"):
        sampled_ranking_metrics(np.ones(3), np.ones((4, 5)), k=1)
    with pytest.raises(ValueError, match="k=7 is out of range"):
        sampled_ranking_metrics(np.ones(3), np.ones((3, 5)), k=7)
    with pytest.raises(ValueError, match="1 NaN"):
        sampled_ranking_metrics(np.array([1.0, np.nan]), np.ones((2, 5)), k=1)


def random_seen(rng: np.random.Generator, num_users: int, num_items: int, density: float) -> sp.csr_array:
    return sp.csr_array((rng.random((num_users, num_items)) < density).astype(np.float32))


@pytest.mark.parametrize("seed", SEEDS)
def test_sample_negatives_unseen_distinct_deterministic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    num_users, num_items, num_negatives = 30, 60, 20
    seen = random_seen(rng, num_users, num_items, density=0.5)
    seen_dense = seen.toarray() > 0
    # a user who has seen all but exactly num_negatives items: the answer is forced
    seen_dense[0] = True
    seen_dense[0, :num_negatives] = False
    seen = sp.csr_array(seen_dense)
    user_index = rng.integers(0, num_users, size=200)
    user_index[:3] = 0
    negatives = sample_negatives(user_index, seen, num_items, num_negatives, seed=seed)
    assert negatives.shape == (200, num_negatives)
    assert negatives.dtype == np.int64
    assert ((negatives >= 0) & (negatives < num_items)).all()
    for user, row in zip(user_index, negatives, strict=True):
        assert len(set(row.tolist())) == num_negatives  # no duplicates
        assert not seen_dense[user, row].any()  # never a seen item
    np.testing.assert_array_equal(np.sort(negatives[0]), np.arange(num_negatives))
    again = sample_negatives(user_index, seen, num_items, num_negatives, seed=seed)
    np.testing.assert_array_equal(negatives, again)
    other = sample_negatives(user_index, seen, num_items, num_negatives, seed=seed + 100)
    assert not np.array_equal(negatives, other)


@pytest.mark.parametrize("seed", SEEDS)
def test_sample_negatives_never_return_an_item_rated_in_train_or_test(seed: int) -> None:
    # seen as evaluation builds it: training interactions plus the test pairs, summed (some pairs in both)
    rng = np.random.default_rng(seed)
    num_users, num_items, num_negatives = 12, 40, 5
    train = random_seen(rng, num_users, num_items, density=0.4).toarray()
    test = random_seen(rng, num_users, num_items, density=0.4).toarray()
    train[0], test[0] = 0.0, 1.0  # user 0 rated every item but the last num_negatives, in test only:
    test[0, num_items - num_negatives :] = 0.0  # the answer is forced
    seen = sp.csr_matrix(train) + sp.coo_matrix(test)
    rated = (train > 0) | (test > 0)
    user_index = np.repeat(np.arange(num_users), 20)
    negatives = sample_negatives(user_index, seen, num_items, num_negatives, seed=seed)
    for user, row in zip(user_index, negatives, strict=True):
        assert not rated[user, row].any(), (user, row, np.flatnonzero(rated[user]))
        assert len(set(row.tolist())) == num_negatives
    np.testing.assert_array_equal(np.sort(negatives[:20], axis=1), [np.arange(35, 40)] * 20)


def test_sample_negatives_roughly_uniform() -> None:
    # one user who has seen items 0..4 of 10: each of 5..9 should be drawn about equally often
    seen = sp.csr_array(np.array([[1] * 5 + [0] * 5]))
    negatives = sample_negatives(np.zeros(2000, dtype=int), seen, 10, 2, seed=0)
    counts = np.bincount(negatives.ravel(), minlength=10)
    assert (counts[:5] == 0).all()
    assert np.all(np.abs(counts[5:] - 800) < 100)  # 4000 draws / 5 items


def test_sample_negatives_bad_inputs() -> None:
    seen = sp.csr_array(np.array([[1, 1, 1, 0], [0, 0, 0, 0]]))
    with pytest.raises(ValueError, match=r"1 user\(s\), e.g. user_index \[0\].*fewer than"):
        sample_negatives(np.array([0, 1]), seen, num_items=4, num_negatives=2, seed=0)
    with pytest.raises(ValueError, match="num_items"):
        sample_negatives(np.array([0]), seen, num_items=5, num_negatives=1, seed=0)
    with pytest.raises(ValueError, match="user_index must lie"):
        sample_negatives(np.array([2]), seen, num_items=4, num_negatives=1, seed=0)
    with pytest.raises(ValueError, match="at least 1"):
        sample_negatives(np.array([1]), seen, num_items=4, num_negatives=0, seed=0)


def test_linear_probe_r2_reference_points():
    from recsys_lab.protocol.metrics import linear_probe_r2

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5))
    y = x @ rng.normal(size=(5, 3)) + 0.1 * rng.normal(size=(300, 3))
    assert linear_probe_r2(x, y, seed=0) > 0.95
    noise = rng.normal(size=(300, 3))
    assert linear_probe_r2(x, noise, seed=0) < 0.05  # nothing to recover: about 0, never high
    # by hand: ridge 0 on an exact linear relation is exact
    assert linear_probe_r2(x, x[:, :2] * 3 + 1, seed=1, ridge=1e-9) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="as many feature rows"):
        linear_probe_r2(x, noise[:10], seed=0)


# ---------------------------------------------------------------------------------------------------
# rated_ndcg: graded NDCG over each user's rated test items
# ---------------------------------------------------------------------------------------------------


def brute_rated_ndcg(user_id, rating, score, k: int) -> dict[str, float]:
    """From the definition: per user, sort (score desc, rating asc on ties), gains 2^r - 1, IDCG by rating."""
    per_user: dict = {}
    for u, r, s in zip(user_id, rating, score, strict=True):
        per_user.setdefault(u, []).append((float(s), float(r)))
    values = []
    for pairs in per_user.values():
        if len(pairs) < 2:
            continue
        ranked = [r for _, r in sorted(pairs, key=lambda p: (-p[0], p[1]))][:k]
        ideal = sorted((r for _, r in pairs), reverse=True)[:k]
        dcg = sum((2**r - 1) / math.log2(p + 2) for p, r in enumerate(ranked))
        idcg = sum((2**r - 1) / math.log2(p + 2) for p, r in enumerate(ideal))
        if idcg > 0:
            values.append(dcg / idcg)
    return {f"ndcg@{k}": sum(values) / len(values), "users": len(values)}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k", [1, 3, 10])
def test_rated_ndcg_matches_brute_force(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    user_id = rng.choice([7, 3, 11, 42, 1000, 5, 8, 9, 13, 21], size=n)  # raw ids, unsorted, some with many
    rating = rng.integers(1, 6, size=n).astype(np.float64)
    score = rng.integers(0, 4, size=n).astype(np.float64)  # many ties
    result = metrics.rated_ndcg(user_id, rating, score, k=k)
    expected = brute_rated_ndcg(user_id, rating, score, k)
    assert result["users"] == expected["users"]
    assert result[f"ndcg@{k}"] == pytest.approx(expected[f"ndcg@{k}"], rel=1e-12)
    shuffled = rng.permutation(n)  # the input order does not matter, ties included
    again = metrics.rated_ndcg(user_id[shuffled], rating[shuffled], score[shuffled], k=k)
    assert again[f"ndcg@{k}"] == pytest.approx(result[f"ndcg@{k}"], rel=1e-12)


def test_rated_ndcg_hand_value_and_limits() -> None:
    user_id, rating = np.array([1, 1, 1, 2, 2, 3]), np.array([5.0, 3.0, 1.0, 4.0, 2.0, 1.0])
    perfect = metrics.rated_ndcg(user_id, rating, rating, k=10)
    assert perfect == {"ndcg@10": 1.0, "users": 2}  # user 3 has one rating: excluded
    reversed_order = metrics.rated_ndcg(user_id, rating, -rating, k=10)["ndcg@10"]
    assert 0 < reversed_order < 1
    constant = metrics.rated_ndcg(user_id, rating, np.zeros(6), k=10)["ndcg@10"]
    assert constant == pytest.approx(reversed_order)  # a tie never helps: the worst order
    # user 1 ranked 3, 5, 1: (7 + 31/log2 3 + 1/2) / (31 + 7/log2 3 + 1/2); user 2 perfect
    one = (7 + 31 / math.log2(3) + 1 / 2) / (31 + 7 / math.log2(3) + 1 / 2)
    score = np.array([0.5, 0.9, 0.1, 2.0, 1.0, 0.0])
    assert metrics.rated_ndcg(user_id, rating, score, k=10)["ndcg@10"] == pytest.approx((one + 1) / 2)
    top1 = metrics.rated_ndcg(user_id, rating, score, k=1)["ndcg@1"]  # only the first position counts
    assert top1 == pytest.approx((7 / 31 + 1) / 2)


def test_rated_ndcg_bad_inputs() -> None:
    with pytest.raises(ValueError, match="one length"):
        metrics.rated_ndcg([1, 1, 2], [4.0, 5.0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="1-D"):
        metrics.rated_ndcg([[1, 1]], [[4.0, 5.0]], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="NaN"):
        metrics.rated_ndcg([1, 1], [4.0, 5.0], [0.1, np.nan])
    with pytest.raises(ValueError, match=">= 0"):
        metrics.rated_ndcg([1, 1], [-1.0, 5.0], [0.1, 0.2])
    with pytest.raises(ValueError, match="at least 1"):
        metrics.rated_ndcg([1, 1], [4.0, 5.0], [0.1, 0.2], k=0)
    with pytest.raises(ValueError, match="2 or more test ratings"):
        metrics.rated_ndcg([1, 2, 3], [4.0, 5.0, 3.0], [0.1, 0.2, 0.3])
