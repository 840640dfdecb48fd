"""What the `evaluate_*` functions, `ranked_lists` and `compare` promise a user beyond the numbers (docs/mutation.md).

Their defaults (`k=10`, `num_negatives=99`, `batch_size=1024`), the arguments they pass on (`rating_scale`,
`seed`, `sampled`, `batch_size`), the boolean relevance rows, the error for a split with nothing relevant, and
negatives that avoid an item a user rated in train and again in test. The split tables are built here; every
expected value is counted or derived by hand from them.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from recsys_lab.methods.recommender import Recommender
from recsys_lab.protocol.evaluation import (
    compare,
    evaluate_all,
    evaluate_ranking,
    evaluate_rated_ranking,
    evaluate_sampled,
    ranked_lists,
)
from recsys_lab.protocol.splits import Split

# The wide split: 12 users (ids 1..12) and 120 items (ids 0..119). User u (dense u - 1) rated the ten items
# 10(u-1) .. 10(u-1)+9 in train (ratings 2, 3, 4 only) and, in test, the first two items of the next user's
# block (the last user wraps to items 0, 1): 24 test pairs, all known, 108 never-rated items per user.
# Item 119 (the last dense index) has no test rating.
NUM_USERS, NUM_ITEMS, TEST_PAIRS = 12, 120, 24


METRICS = {"rmse", "mae", "ndcg@10", "recall@10", "precision@10", "coverage@10", "sampled hit_rate@10"}


def wide_split() -> Split:
    train = pd.DataFrame(
        {
            "user_id": np.repeat(np.arange(1, NUM_USERS + 1), 10),
            "item_id": np.arange(NUM_ITEMS),
            "rating": 2.0 + np.arange(NUM_ITEMS) % 3,
        }
    )
    first = 10 * (np.arange(1, NUM_USERS + 1) % NUM_USERS)  # first item of the next user's block
    test = pd.DataFrame(
        {
            "user_id": np.repeat(np.arange(1, NUM_USERS + 1), 2),
            "item_id": np.stack([first, first + 1], axis=1).ravel(),
            "rating": np.tile([5.0, 1.0], NUM_USERS),
        }
    )
    return Split(train, test, "wide")


class Recording(Recommender):
    """Scores 5 + item/1000 (above any rating scale here); records every `score_pairs` and `score_items` call."""

    def _fit(self, user_index, item_index, rating):
        self.pairs: list[tuple[np.ndarray, np.ndarray]] = []
        self.user_batches: list[int] = []

    def _predict(self, user_index, item_index):
        return 5.0 + item_index / 1000

    def score_pairs(self, user_index, item_index):
        self.pairs.append((np.asarray(user_index).copy(), np.asarray(item_index).copy()))
        return super().score_pairs(user_index, item_index)

    def score_items(self, user_index, users_per_batch=64):
        self.user_batches.append(len(user_index))
        return super().score_items(user_index, users_per_batch)


def negatives_of_last_call(model) -> np.ndarray:
    """The items of the last `score_pairs` call: the negatives, in `evaluate_sampled`."""
    return model.pairs[-1][1]


def test_ranking_functions_default_to_lists_of_ten():
    split = wide_split()
    model = Recording().fit(split.train)
    recommended, _ = ranked_lists(model, split)
    assert recommended.shape == (NUM_USERS, 10)
    assert {"precision@10", "recall@10", "hit_rate@10", "ndcg@10", "mrr@10", "coverage@10"} <= set(
        evaluate_ranking(model, split)
    )
    assert set(evaluate_rated_ranking(model, split.test)) == {"ndcg@10", "users"}


def test_evaluate_sampled_defaults_to_99_negatives_per_pair_and_k_10():
    split = wide_split()
    model = Recording().fit(split.train)
    got = evaluate_sampled(model, split, seed=0)
    assert got["pairs"] == TEST_PAIRS and "hit_rate@10" in got and "ndcg@10" in got
    positives, negatives = model.pairs[-2:]
    assert len(positives[0]) == TEST_PAIRS
    assert len(negatives[0]) == 99 * TEST_PAIRS


def test_sampled_negatives_exclude_an_item_rated_in_train_and_again_in_test():
    # user 1 rated items 0, 1, 2 in train and re-rated 2 (with 3) in test; user 2 rated 3, 4. User 1 never
    # rated only item 4, so it is the one possible negative for each of user 1's test pairs.
    train = pd.DataFrame({"user_id": [1, 1, 1, 2, 2], "item_id": [0, 1, 2, 3, 4], "rating": [4.0] * 5})
    test = pd.DataFrame({"user_id": [1, 1], "item_id": [2, 3], "rating": [5.0, 3.0]})
    split = Split(train, test, "re-rated")
    model = Recording().fit(train)
    for seed in range(10):
        evaluate_sampled(model, split, k=1, num_negatives=1, seed=seed)
        assert negatives_of_last_call(model).tolist() == [4, 4], seed


def test_ranked_lists_relevance_rows_are_boolean_and_mask_the_catalogue():
    split = wide_split()
    model = Recording().fit(split.train)
    _, relevant = ranked_lists(model, split, k=3)
    assert relevant.dtype == bool
    dense = relevant.toarray()
    items = np.arange(NUM_ITEMS)
    assert items[dense[0]].tolist() == [10, 11]  # user 1's test items
    assert items[dense[-1]].tolist() == [0, 1]  # user 12 wraps around


def test_ranked_lists_without_any_relevant_known_pair_says_what_to_do():
    split = wide_split()
    model = Recording().fit(split.train)
    with pytest.raises(ValueError) as error:
        ranked_lists(model, split, k=3, relevance_threshold=6)  # no test rating reaches 6
    assert str(error.value) == (
        "no test user has a relevant item known to the model; lower relevance_threshold "
        "or check that the model was fitted on split.train"
    )


def batch_split(num_users: int) -> Split:
    # user u rated item u % 12 in train and item (u + 1) % 12 in test: every user is a test user
    users = np.arange(num_users)
    train = pd.DataFrame({"user_id": users, "item_id": users % 12, "rating": 3.0})
    test = pd.DataFrame({"user_id": users, "item_id": (users + 1) % 12, "rating": 4.0})
    return Split(train, test, "many users")


def test_full_ranking_scores_1024_users_at_a_time_by_default_or_batch_size_when_given():
    split = batch_split(1025)
    model = Recording().fit(split.train)
    ranked_lists(model, split, k=2)
    assert model.user_batches == [1024, 1]
    model.user_batches.clear()
    got = evaluate_ranking(model, split, k=2)
    assert model.user_batches == [1024, 1]
    assert got["users"] == 1025
    model.user_batches.clear()
    evaluate_ranking(model, split, k=2, batch_size=400)
    assert model.user_batches == [400, 400, 225]


def test_compare_defaults_to_k_10_and_99_sampled_negatives_and_times_each_fit():
    split = wide_split()
    model = Recording()
    before = time.perf_counter()
    table = compare({"recording": model}, split, seed=0)
    elapsed = time.perf_counter() - before
    assert set(table.columns) == {"fit seconds", *METRICS}
    assert 0 <= table.loc["recording", "fit seconds"] <= elapsed
    assert len(negatives_of_last_call(model)) == 99 * TEST_PAIRS


def test_compare_without_sampling_has_no_sampled_column():
    table = compare({"recording": Recording()}, wide_split(), k=5, seed=0, sampled=False)
    assert "sampled hit_rate@5" not in table.columns
    assert {"ndcg@5", "recall@5", "precision@5", "coverage@5"} <= set(table.columns)


def test_compare_fits_each_model_with_the_rating_scale_given():
    # every prediction is above 5; the train ratings span 2..4. With rating_scale (1, 5) predictions clip to
    # 5, with the default (the train range) to 4. Test ratings: 5 and 1 for each user.
    split = wide_split()
    model = Recording()
    table = compare({"m": model}, split, k=5, seed=0, rating_scale=(1, 5), sampled=False)
    assert model.rating_scale == (1, 5)
    assert table.loc["m", "rmse"] == pytest.approx(np.sqrt((0**2 + 4**2) / 2))
    assert table.loc["m", "mae"] == pytest.approx(2.0)
    default = compare({"m": Recording()}, split, k=5, seed=0, sampled=False)
    assert default.loc["m", "rmse"] == pytest.approx(np.sqrt((1**2 + 3**2) / 2))


def test_compare_and_evaluate_all_draw_the_same_negatives_for_the_same_seed():
    split = wide_split()
    model = Recording()
    compare({"m": model}, split, k=5, seed=7, num_negatives=5)
    first = negatives_of_last_call(model)
    compare({"m": model}, split, k=5, seed=7, num_negatives=5)
    assert len(first) == 5 * TEST_PAIRS
    np.testing.assert_array_equal(negatives_of_last_call(model), first)
    evaluate_all(model, split, k=5, seed=7, num_negatives=5)
    np.testing.assert_array_equal(negatives_of_last_call(model), first)
    evaluate_all(model, split, k=5, seed=7, num_negatives=5)
    np.testing.assert_array_equal(negatives_of_last_call(model), first)


def test_evaluate_all_defaults_to_k_10_and_99_sampled_negatives():
    split = wide_split()
    model = Recording().fit(split.train)
    row = evaluate_all(model, split, seed=0)
    assert set(row) == METRICS
    assert len(negatives_of_last_call(model)) == 99 * TEST_PAIRS
