"""The Recommender contract, on a hand-made model whose scores are known in advance: what `fit` sets up,
`predict` clipping and unseen ids, `score_items` in batches, `recommend`'s table, and the errors.

The baselines, EASE and the Keras models keep this contract too (methods/test_baselines.py and the models' tests);
here it is tested on its own, with nothing learned."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from recsys_lab.data.dataset import DataError
from recsys_lab.methods import recommender
from recsys_lab.methods.recommender import Recommender


class Grid(Recommender):
    """score(u, i) = 10 u + i on dense indices, so every number below can be worked out by hand.

    Records what `_fit` and `_predict` receive, and how many pairs `score_pairs` gets at once.
    """

    def _fit(self, user_index, item_index, rating):
        self.fitted_on = (user_index.copy(), item_index.copy(), rating.copy())
        self.largest_call = 0

    def _predict(self, user_index, item_index):
        self.last_call = (user_index.copy(), item_index.copy())
        self.largest_call = max(self.largest_call, len(user_index))
        return 10.0 * user_index + item_index


TRAIN = pd.DataFrame(
    {  # users 7, 3, 5 -> indices 2, 0, 1 (sorted ids); items 40, 10, 30, 20 -> 3, 0, 2, 1
        "user_id": [7, 7, 3, 5, 5, 5],
        "item_id": [40, 10, 10, 30, 20, 10],
        "rating": [5.0, 1.0, 4.0, 2.0, 3.0, 3.0],
    }
)


@pytest.fixture
def grid():
    return Grid().fit(TRAIN)


def test_the_docstring_example_runs():
    result = doctest.testmod(recommender, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0


def test_fit_encodes_ids_builds_seen_and_the_mean_without_touching_the_input():
    before = TRAIN.copy()
    model = Grid().fit(TRAIN)
    pd.testing.assert_frame_equal(TRAIN, before)
    assert (model.num_users, model.num_items) == (3, 4)
    np.testing.assert_array_equal(model.user_encoder.ids, [3, 5, 7])
    np.testing.assert_array_equal(model.item_encoder.ids, [10, 20, 30, 40])
    users, items, ratings = model.fitted_on
    np.testing.assert_array_equal(users, [2, 2, 0, 1, 1, 1])
    np.testing.assert_array_equal(items, [3, 0, 0, 2, 1, 0])
    assert ratings.dtype == np.float64 and ratings.tolist() == [5.0, 1.0, 4.0, 2.0, 3.0, 3.0]
    np.testing.assert_array_equal(
        model.seen.toarray(),
        [[1, 0, 0, 0], [1, 1, 1, 0], [1, 0, 0, 1]],  # user 3 rated 10; user 5 rated 10, 20, 30; user 7 10, 40
    )
    assert model.global_mean == pytest.approx(18 / 6)
    assert model.rating_scale == (1.0, 5.0)  # the lowest and highest training rating
    assert Grid().fit(TRAIN, rating_scale=(0.5, 5)).rating_scale == (0.5, 5)
    assert repr(model) == "Grid()"


def test_predict_clips_to_the_scale_and_passes_unseen_ids_as_minus_one(grid):
    # (user 3, item 20) = 10*0 + 1 = 1; (5, 10) = 10; (7, 40) = 23: clipped to the scale (1, 5)
    np.testing.assert_array_equal(grid.predict([3, 5, 7], [20, 10, 40]), [1.0, 5.0, 5.0])
    grid.predict([99, 3], [10, 77])
    np.testing.assert_array_equal(grid.last_call[0], [-1, 0])
    np.testing.assert_array_equal(grid.last_call[1], [0, -1])
    wide = Grid().fit(TRAIN, rating_scale=(-100, 100))
    np.testing.assert_array_equal(wide.predict([99, 3], [10, 77]), [-10.0, -1.0])  # -1 flows through
    assert wide.predict([[3, 5], [7, 7]], [[20, 20], [40, 10]]).tolist() == [[1.0, 11.0], [23.0, 20.0]]
    assert wide.predict(7, 30).shape == ()


def test_score_pairs_is_unclipped_and_score_items_is_every_pair_in_bounded_batches(grid):
    np.testing.assert_array_equal(grid.score_pairs([2, 1], [3, 0]), [23.0, 10.0])  # not clipped
    every_pair = 10.0 * np.arange(3)[:, None] + np.arange(4)[None, :]
    for per_batch in (1, 2, 64):
        grid.largest_call = 0
        scores = grid.score_items(np.array([2, 0, 1]), users_per_batch=per_batch)
        np.testing.assert_array_equal(scores, every_pair[[2, 0, 1]])
        assert grid.largest_call == min(per_batch, 3) * grid.num_items  # never more pairs than promised
    assert grid.score_items(np.array([], dtype=np.int64)).shape == (0, 4)


def test_recommend_ranks_unseen_items_best_first(grid):
    # user 5 (index 1) scores items 10, 20, 30, 40 as 10, 11, 12, 13 and has rated 10, 20, 30
    top = grid.recommend(5, k=3)
    assert list(top.columns) == ["rank", "item_id", "score"]
    assert top.to_dict("list") == {"rank": [1], "item_id": [40], "score": [13.0]}  # fewer than k are left
    everything = grid.recommend(5, k=3, exclude_seen=False)
    assert everything["item_id"].tolist() == [40, 30, 20] and everything["rank"].tolist() == [1, 2, 3]
    assert everything["score"].tolist() == [13.0, 12.0, 11.0]
    assert grid.recommend(3, k=10)["item_id"].tolist() == [40, 30, 20]  # k capped at the catalogue


def test_ties_go_to_the_lower_item_index():
    class Flat(Grid):
        def _predict(self, user_index, item_index):
            return np.where(item_index == 2, 1.0, 0.0)

    assert Flat().fit(TRAIN).recommend(3, k=3)["item_id"].tolist() == [30, 20, 40]


def test_errors_name_the_problem():
    with pytest.raises(RuntimeError, match=r"Grid is not fitted yet; call \.fit\(train\) first"):
        Grid().predict([1], [1])
    with pytest.raises(RuntimeError, match="not fitted"):
        Grid().score_pairs([0], [0])
    with pytest.raises(RuntimeError, match="not fitted"):
        Grid().recommend(1)
    model = Grid().fit(TRAIN)
    with pytest.raises(ValueError, match=r"same shape; got \(2,\) and \(1,\)"):
        model.predict([3, 5], [10])
    with pytest.raises(ValueError, match="unknown user_id 4: not in the training data"):
        model.recommend(4)
    with pytest.raises(ValueError, match="train is empty"):
        Grid().fit(TRAIN.iloc[:0])
    with pytest.raises(DataError, match="NaN"):
        Grid().fit(TRAIN.assign(rating=[np.nan, 1, 2, 3, 4, 5]))
    with pytest.raises(DataError, match="outside the scale"):
        Grid().fit(TRAIN, rating_scale=(1, 4))
    with pytest.raises(NotImplementedError):
        Recommender().fit(TRAIN)  # the two hooks are the subclass's to write


@pytest.mark.parametrize("bad", [1.7, np.nan])
def test_predict_and_recommend_refuse_ids_that_are_not_ids(grid, bad):
    """predict([1.7], ...) used to answer for user 1, and recommend(1.5) returned user 1's list."""
    with pytest.raises(ValueError, match="user_id must be whole numbers"):
        grid.predict([bad], [10])
    with pytest.raises(ValueError, match="item_id must be whole numbers"):
        grid.predict([1], [bad])
    with pytest.raises(ValueError, match="user_id must be whole numbers"):
        grid.recommend(bad)
    assert grid.predict([1.0], [10.0]) == grid.predict([1], [10])  # a whole number stored as a float is an id
