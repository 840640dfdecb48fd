"""What the metrics of `recsys_lab.protocol.metrics` promise beyond their hand examples (docs/mutation.md).

Inputs a caller may pass (None for a missing value, integer or long-double arrays, sparse matrices it keeps
using), the errors and what they name, the edges of every range check, and the ridge probe's split.
Every expected value is derived by hand, from a brute-force loop or from the docstring's definition.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recsys_lab.protocol import metrics
from recsys_lab.protocol.metrics import (
    catalogue_coverage,
    linear_probe_r2,
    mae,
    ranking_metrics,
    rated_ndcg,
    rmse,
    sample_negatives,
    sampled_ranking_metrics,
    top_k,
)

RANKED = "NaN cannot be ranked; check the model's outputs"
LONG_DOUBLE = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps
needs_long_double = pytest.mark.skipif(not LONG_DOUBLE, reason="np.longdouble is float64 on this platform")


def messy_csr() -> sp.csr_array:
    """A CSR as a caller may hold it: a duplicated entry (0, 0) and an explicit zero at (0, 2)."""
    return sp.csr_array((np.array([1.0, 1.0, 0.0]), np.array([0, 0, 2]), np.array([0, 3, 3])), shape=(2, 4))


def assert_unchanged(matrix: sp.csr_array) -> None:
    np.testing.assert_array_equal(matrix.data, [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(matrix.indices, [0, 0, 2])
    np.testing.assert_array_equal(matrix.indptr, [0, 3, 3])


# ---------------------------------------------------------------------------------------------------
# rmse / mae
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [rmse, mae])
def test_rating_errors_read_none_as_a_missing_value_and_name_the_argument_that_holds_it(func) -> None:
    hint = "predictions must be on the rating scale; fill them"
    with pytest.raises(ValueError, match=rf"^y_true holds 1 NaN of 2 values: {hint}"):
        func([4.0, None], [3.0, 2.0])
    with pytest.raises(ValueError, match=rf"^y_pred holds 1 NaN of 2 values: {hint}"):
        func([4.0, 2.0], [None, 2.0])


@pytest.mark.parametrize("func", [rmse, mae])
def test_rating_errors_say_what_is_wrong_with_the_shapes_or_an_empty_input(func) -> None:
    with pytest.raises(ValueError, match=r": pass one prediction per held-out rating, in the same order$"):
        func([4.0, 2.0], [3.0])
    with pytest.raises(ValueError, match=r"^y_true and y_pred are empty"):
        func([], [])


# ---------------------------------------------------------------------------------------------------
# top_k
# ---------------------------------------------------------------------------------------------------


def test_top_k_ranks_integer_scores_and_can_exclude_among_them() -> None:
    scores = np.array([[1, 3, 2, 5], [4, 4, 0, 1]])
    exclude = np.array([[False, False, False, True], [True, False, False, False]])
    # user 0: 5 is excluded, then 3 > 2 > 1; user 1: item 0 excluded, then 4 > 1 > 0
    np.testing.assert_array_equal(top_k(scores, 3, exclude=exclude), [[1, 2, 0], [1, 3, 2]])


@needs_long_double
def test_top_k_compares_long_double_scores_at_their_own_precision() -> None:
    scores = np.ones((1, 3), dtype=np.longdouble)
    scores[0, 2] += np.longdouble(2.0) ** -60  # above 1 in long double, 1.0 in float64
    np.testing.assert_array_equal(top_k(scores, 2), [[2, 0]])


def test_top_k_names_the_scores_holding_nan_and_why_it_refuses_them() -> None:
    with pytest.raises(ValueError, match=rf"^scores holds 1 NaN of 4 values: {RANKED}$"):
        top_k(np.array([[1.0, np.nan], [0.5, 0.2]]), k=1)


def test_top_k_masks_name_the_argument_that_does_not_fit() -> None:
    scores = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"^exclude has shape \(2, 2\), scores \(2, 3\)"):
        top_k(scores, 1, exclude=sp.csr_array(np.ones((2, 2))))
    with pytest.raises(ValueError, match=r"^last_among_ties must be a scipy.sparse matrix or a boolean"):
        top_k(scores, 1, last_among_ties=np.ones((2, 3)))


# ---------------------------------------------------------------------------------------------------
# ranking_metrics
# ---------------------------------------------------------------------------------------------------


def test_ranking_metrics_leaves_the_callers_relevant_matrix_as_it_was() -> None:
    relevant = messy_csr()
    result = ranking_metrics(np.array([[0, 2], [1, 3]]), relevant, k=2)
    # user 0's relevant items: 0 only (the explicit zero at item 2 is no hit); user 1 has none
    assert result["users"] == 1 and result["precision@2"] == 0.5 and result["hit_rate@2"] == 1.0
    assert_unchanged(relevant)


def test_ranking_metrics_compares_item_indices_exactly_even_beyond_float64_precision() -> None:
    big = 2**53  # big + 1 is not a float64: rounded, it would equal big
    relevant = [{big + 1}, set()]  # user 1 has no relevant item: skipped
    result = ranking_metrics(np.array([[big], [big + 1]]), relevant, k=1)
    assert result["users"] == 1 and result["hit_rate@1"] == 0.0
    assert ranking_metrics(np.array([[big + 1], [big]]), relevant, k=1)["hit_rate@1"] == 1.0


def test_ranking_metrics_with_lists_take_the_catalogue_from_the_largest_item_seen() -> None:
    # items 0 and the padding -1 only: the catalogue is [0, 1), and -3 is outside it
    with pytest.raises(ValueError, match=r"^recommended holds item indices outside \[0, 1\)"):
        ranking_metrics(np.array([[0, -3]]), [{0}], k=2)


def test_ranking_metrics_without_any_relevant_item_says_so() -> None:
    with pytest.raises(ValueError, match=r"^no user has a relevant item: check the test split"):
        ranking_metrics(np.array([[0, 1], [1, 0]]), [set(), set()], k=2)
    with pytest.raises(ValueError, match=r"^no user has a relevant item"):
        ranking_metrics(np.zeros((0, 1), dtype=np.int64), [], k=1)


def test_ranking_metrics_refuses_an_item_index_equal_to_the_catalogue_size() -> None:
    relevant = sp.csr_array(np.array([[1, 0, 0]]))
    with pytest.raises(ValueError, match=r"outside \[0, 3\)"):
        ranking_metrics(np.array([[0, 3]]), relevant, k=2)
    assert ranking_metrics(np.array([[0, 2]]), relevant, k=2)["hit_rate@2"] == 1.0  # 2 is the last item


def test_ranking_metrics_refuses_any_repeated_item_not_only_the_smallest() -> None:
    with pytest.raises(ValueError, match=r"^a row of recommended repeats an item: each item may be"):
        ranking_metrics(np.array([[5, 3, 5]]), [{3}], k=3)


def test_ranking_metrics_says_how_many_rows_and_users_disagree() -> None:
    with pytest.raises(ValueError, match=r"^recommended has 2 rows but relevant has 3 users"):
        ranking_metrics(np.array([[0, 1, 2], [1, 2, 0]]), [{0}, {1}, {2}], k=3)


# ---------------------------------------------------------------------------------------------------
# catalogue_coverage
# ---------------------------------------------------------------------------------------------------


def test_catalogue_coverage_of_a_one_item_catalogue() -> None:
    assert catalogue_coverage(np.array([[0], [-1]]), num_items=1) == 1.0
    assert catalogue_coverage(np.array([[-1]]), num_items=1) == 0.0


def test_catalogue_coverage_refuses_an_empty_catalogue_and_an_item_at_num_items() -> None:
    with pytest.raises(ValueError, match=r"^num_items must be at least 1, got 0"):
        catalogue_coverage(np.array([[0]]), num_items=0)
    with pytest.raises(ValueError, match=r"item index 2 but num_items=2"):
        catalogue_coverage(np.array([[0, 2]]), num_items=2)


# ---------------------------------------------------------------------------------------------------
# sampled_ranking_metrics
# ---------------------------------------------------------------------------------------------------


def test_sampled_ranking_metrics_of_a_single_pair() -> None:
    # one negative above the positive, one below: rank 2, ndcg 1/log2(3), mrr 1/2
    result = sampled_ranking_metrics([0.5], [[0.9, 0.1]], k=2)
    assert result == {"hit_rate@2": 1.0, "ndcg@2": pytest.approx(1 / math.log2(3)), "mrr": 0.5, "pairs": 1}
    with pytest.raises(ValueError, match=r"^no positive pairs to evaluate"):
        sampled_ranking_metrics(np.zeros(0), np.zeros((0, 2)), k=1)


def test_sampled_ranking_metrics_state_the_largest_k() -> None:
    with pytest.raises(ValueError, match=r"^k=4 is out of range: it must be between 1 and N \+ 1 = 3$"):
        sampled_ranking_metrics([0.5], [[0.9, 0.1]], k=4)


def test_sampled_ranking_metrics_read_none_as_nan_and_name_the_scores_holding_it() -> None:
    with pytest.raises(ValueError, match=rf"^positive_scores holds 1 NaN of 2 values: {RANKED}$"):
        sampled_ranking_metrics([0.5, None], [[0.9, 0.1], [0.2, 0.3]], k=1)
    with pytest.raises(ValueError, match=rf"^negative_scores holds 1 NaN of 4 values: {RANKED}$"):
        sampled_ranking_metrics([0.5, 0.4], [[0.9, None], [0.2, 0.3]], k=1)


# ---------------------------------------------------------------------------------------------------
# rated_ndcg
# ---------------------------------------------------------------------------------------------------


def test_rated_ndcg_cuts_at_10_by_default() -> None:
    # 11 ratings of one user, the best (5) scored last: it falls in position 11, outside the default cut
    rating = [1.0] * 10 + [5.0]
    score = np.arange(11, 0, -1.0)
    result = rated_ndcg([7] * 11, rating, score)
    ideal = 31 + sum(1 / math.log2(p + 1) for p in range(2, 11))  # 5 first, then nine 1s
    assert result == {
        "ndcg@10": pytest.approx(sum(1 / math.log2(p + 1) for p in range(1, 11)) / ideal),
        "users": 1,
    }


def test_rated_ndcg_takes_ratings_of_zero_and_skips_only_users_with_nothing_to_gain() -> None:
    # user 1: ratings 1 and 0, ranked 0 first: (0 + 1/log2 3) / 1; user 2: all 0, no gain: skipped
    result = rated_ndcg([1, 1, 2, 2], [1.0, 0.0, 0.0, 0.0], [0.1, 0.9, 0.5, 0.4], k=2)
    assert result == {"ndcg@2": pytest.approx(1 / math.log2(3)), "users": 1}


def test_rated_ndcg_reads_none_as_nan_and_names_the_argument_holding_it() -> None:
    with pytest.raises(ValueError, match=rf"^score holds 1 NaN of 2 values: {RANKED}$"):
        rated_ndcg([1, 1], [4.0, 5.0], [0.1, None])
    with pytest.raises(
        ValueError, match=r"^rating holds 1 NaN of 2 values: every test pair needs its rating$"
    ):
        rated_ndcg([1, 1], [4.0, None], [0.1, 0.2])


def test_rated_ndcg_without_a_user_to_rank_says_so() -> None:
    with pytest.raises(ValueError, match=r"^no user has 2 or more test ratings \(with a positive rating\)"):
        rated_ndcg([1, 2], [4.0, 5.0], [0.1, 0.2])


# ---------------------------------------------------------------------------------------------------
# sample_negatives
# ---------------------------------------------------------------------------------------------------


def test_repeats_marks_every_entry_equal_to_an_earlier_one_of_its_row() -> None:
    block = np.random.default_rng(0).integers(0, 7, size=(4, 300))
    expected = np.array([[value in row[:j] for j, value in enumerate(row)] for row in block.tolist()])
    np.testing.assert_array_equal(metrics._repeats(block), expected)


def test_sample_negatives_leaves_the_callers_seen_matrix_as_it_was() -> None:
    seen = messy_csr()
    negatives = sample_negatives(np.array([0, 1]), seen, num_items=4, num_negatives=2, seed=0)
    assert 0 not in negatives[0]  # user 0 saw item 0 (stored twice)
    assert_unchanged(seen)


def test_sample_negatives_take_user_index_in_any_integer_dtype() -> None:
    seen = sp.csr_array(np.eye(2, 300))  # user 0 saw item 0, user 1 item 1; 300 > the largest uint8
    as_int64 = sample_negatives(np.array([1, 0, 1]), seen, num_items=300, num_negatives=5, seed=3)
    as_uint8 = sample_negatives(
        np.array([1, 0, 1], dtype=np.uint8), seen, num_items=300, num_negatives=5, seed=3
    )
    np.testing.assert_array_equal(as_uint8, as_int64)


def test_sample_negatives_one_negative_per_pair() -> None:
    seen = sp.csr_array(np.array([[1, 1, 0]]))
    np.testing.assert_array_equal(sample_negatives(np.array([0, 0]), seen, 3, 1, seed=0), [[2], [2]])


@pytest.mark.parametrize("seed", range(20))
def test_sample_negatives_redraws_a_single_pair_until_nothing_seen_or_repeated_is_left(seed: int) -> None:
    seen = sp.csr_array(np.array([[1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0]]))  # unseen: 2, 6, 11
    negatives = sample_negatives(np.array([0]), seen, num_items=12, num_negatives=3, seed=seed)
    assert sorted(negatives[0].tolist()) == [2, 6, 11]


def test_sample_negatives_draw_every_unseen_item_equally_often_item_0_included() -> None:
    fresh = sample_negatives(np.zeros(20_000, np.int64), sp.csr_array((1, 4)), 4, 1, seed=0)  # nothing seen
    np.testing.assert_allclose(np.bincount(fresh.ravel(), minlength=4) / 20_000, 0.25, atol=0.02)
    # item 3 seen: a draw of it is redrawn, and the redraws must reach item 0 too (1/3 each)
    redrawn = sample_negatives(
        np.zeros(30_000, np.int64), sp.csr_array(np.array([[0, 0, 0, 1]])), 4, 1, seed=0
    )
    np.testing.assert_allclose(
        np.bincount(redrawn.ravel(), minlength=4) / 30_000, [1 / 3] * 3 + [0], atol=0.02
    )


def test_sample_negatives_errors_name_what_is_wrong() -> None:
    seen = sp.csr_array(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"^user_index must be 1-D \(P,\), got shape \(1, 1\)"):
        sample_negatives(np.array([[0]]), seen, num_items=5, num_negatives=1, seed=0)
    with pytest.raises(ValueError, match=r": build seen over the whole catalogue \(train and test\)$"):
        sample_negatives(np.array([0]), seen, num_items=4, num_negatives=1, seed=0)
    with pytest.raises(ValueError, match=r"^user_index must lie in \[0, 2\): seen has 2 users"):
        sample_negatives(np.array([2]), seen, num_items=5, num_negatives=1, seed=0)


def test_sample_negatives_counts_and_lists_up_to_3_users_with_too_few_unseen_items() -> None:
    # users 0-3 saw 3 of 5 items (2 unseen), user 4 saw 2 (exactly 3 unseen: enough for 3 negatives)
    seen = sp.csr_array(np.array([[1, 1, 1, 0, 0]] * 4 + [[1, 1, 0, 0, 0]]))
    with pytest.raises(ValueError, match=r"^4 user\(s\), e.g. user_index \[0, 1, 2\], have fewer than"):
        sample_negatives(np.arange(5), seen, num_items=5, num_negatives=3, seed=0)
    assert sample_negatives(np.array([4]), seen, num_items=5, num_negatives=3, seed=0).shape == (1, 3)


# ---------------------------------------------------------------------------------------------------
# linear_probe_r2
# ---------------------------------------------------------------------------------------------------


def spy_on_fits(monkeypatch) -> list[tuple[set, set, float, float]]:
    """Record every ridge fit of linear_probe_r2: (rows fitted, rows scored, ridge, R² returned)."""
    calls = []
    real = metrics._ridge_r2

    def spy(design, targets, fit, score, ridge):
        r2 = real(design, targets, fit, score, ridge)
        calls.append((set(fit.tolist()), set(score.tolist()), ridge, r2))
        return r2

    monkeypatch.setattr(metrics, "_ridge_r2", spy)
    return calls


def reference_r2(x, y, fit: set, score: set, ridge: float) -> float:
    """The docstring's fit by least squares on [X 1] stacked over sqrt(ridge) I, R² with column means."""
    design = np.c_[x, np.ones(len(x))]
    fit, score = sorted(fit), sorted(score)
    stacked = np.r_[design[fit], math.sqrt(ridge) * np.eye(design.shape[1])]
    weights = np.linalg.lstsq(stacked, np.r_[y[fit], np.zeros((design.shape[1], y.shape[1]))], rcond=None)[0]
    residual = ((y[score] - design[score] @ weights) ** 2).sum()
    return 1 - residual / ((y[score] - y[score].mean(axis=0)) ** 2).sum()


def probe_data(n: int = 40):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(n, 3))
    # two target columns far apart in mean: R² compares each with its own mean
    y = np.c_[x @ [1.0, -2.0, 0.5] + 100.0, x[:, 0]] + rng.normal(size=(n, 2))
    return x, y


def test_linear_probe_r2_is_the_ridge_fit_of_the_docstring_scored_on_rows_it_never_saw(monkeypatch) -> None:
    x, y = probe_data()
    calls = spy_on_fits(monkeypatch)
    r2 = linear_probe_r2(x, y, seed=0, ridge=30.0)
    [(fit, score, ridge, _)] = calls
    assert ridge == 30.0 and len(score) == 12 and not fit & score and fit | score == set(range(40))
    assert r2 == pytest.approx(reference_r2(x, y, fit, score, 30.0), rel=1e-9)


def test_linear_probe_r2_chooses_the_ridge_on_a_quarter_of_the_training_rows_only(monkeypatch) -> None:
    x, y = probe_data()
    calls = spy_on_fits(monkeypatch)
    r2 = linear_probe_r2(x, y, seed=0)
    *inner, (train, test, chosen, final) = calls
    assert len(test) == 12 and not train & test and train | test == set(range(40))
    assert [ridge for *_, ridge, _ in inner] == [0.1, 1, 10, 100, 1_000, 10_000]
    for fit, score, _, _ in inner:
        assert len(score) == 28 // 4 and not fit & score and fit | score == train  # never a held-out row
    assert chosen == max(inner, key=lambda call: call[3])[2] and r2 == final


def test_linear_probe_r2_holds_out_2_rows_at_least_and_chooses_the_ridge_on_2_rows_at_least(
    monkeypatch,
) -> None:
    x, y = probe_data(n=8)  # the smallest input: 0.01 * 8 rounds to 0 rows, 6 // 4 to 1
    calls = spy_on_fits(monkeypatch)
    r2 = linear_probe_r2(x, y, seed=0, test_fraction=0.01)
    *inner, (train, test, _, _) = calls
    assert len(test) == 2 and len(train) == 6 and all(len(score) == 2 for _, score, _, _ in inner)
    assert math.isfinite(r2)  # one held-out row has no spread: its R² would divide by 0


def test_linear_probe_r2_needs_8_rows() -> None:
    x, y = probe_data(n=8)
    assert math.isfinite(linear_probe_r2(x, y, seed=0))
    with pytest.raises(ValueError, match="at least 8"):
        linear_probe_r2(x[:7], y[:7], seed=0)


def test_linear_probe_r2_takes_one_target_as_a_1d_array() -> None:
    x, y = probe_data()
    assert linear_probe_r2(x, y[:, 0], seed=1) == linear_probe_r2(x, y[:, :1], seed=1)


def test_linear_probe_r2_is_reproducible_for_a_seed_and_the_seed_chooses_the_split() -> None:
    x, y = probe_data()
    values = [linear_probe_r2(x, y, seed=seed, ridge=1.0) for seed in (0, 0, 1)]
    assert values[0] == values[1] != values[2]


@needs_long_double
def test_linear_probe_r2_gives_the_same_r2_for_the_same_numbers_in_any_float_dtype() -> None:
    x, y = probe_data()
    expected = linear_probe_r2(x, y, seed=0, ridge=1.0)
    assert linear_probe_r2(x.astype(np.longdouble), y, seed=0, ridge=1.0) == expected
    assert linear_probe_r2(x, y.astype(np.longdouble), seed=0, ridge=1.0) == expected
