"""What `Popularity` and `BiasBaseline` promise: defaults, fallbacks and bias vectors (docs/mutation.md).

The expected values are worked out by hand from tiny tables, or by a plain loop over the ratings that follows
the update equations of `BiasBaseline`'s docstring (no numpy).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab.methods.baselines import BiasBaseline, Popularity


def ratings(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating"])


def alternating_biases_by_hand(rows, reg_user, reg_item, epochs):
    """The docstring's epochs, one rating at a time: b_u = Σ (r − μ − b_i) / (reg_user + |I(u)|), then b_i."""
    mu = sum(r for _, _, r in rows) / len(rows)
    user_bias = {u: 0.0 for u, _, _ in rows}
    item_bias = {i: 0.0 for _, i, _ in rows}
    for _ in range(epochs):
        for u in user_bias:
            mine = [(i, r) for v, i, r in rows if v == u]
            user_bias[u] = sum(r - mu - item_bias[i] for i, r in mine) / (reg_user + len(mine))
        for i in item_bias:
            mine = [(u, r) for u, j, r in rows if j == i]
            item_bias[i] = sum(r - mu - user_bias[u] for u, r in mine) / (reg_item + len(mine))
    return user_bias, item_bias


def two_communities():
    """Users 1-20 give items 1-20 a 5, users 21-40 give items 21-40 a 1; one rating links the two halves.

    The link is weak, so alternating least squares converges slowly and ten epochs differ from eleven.
    """
    rows = [(u, i, 5.0) for u in range(1, 21) for i in range(1, 21)]
    rows += [(u, i, 1.0) for u in range(21, 41) for i in range(21, 41)]
    return [*rows, (1, 40, 5.0)]


def test_popularity_damps_towards_the_mean_with_five_pseudo_ratings_by_default():
    # item 10: three 5s, item 20: one 1; μ = 16 / 4 = 4
    model = Popularity().fit(ratings([(1, 10, 5.0), (2, 10, 5.0), (3, 10, 5.0), (4, 20, 1.0)]))
    # (15 + 5 · 4) / (3 + 5) = 35 / 8 and (1 + 5 · 4) / (1 + 5) = 21 / 6
    np.testing.assert_allclose(model.predict([1, 1], [10, 20]), [35 / 8, 21 / 6], rtol=1e-15)
    assert repr(model) == "Popularity(damping=5.0)"


def test_popularity_scores_pairs_by_count_and_an_unknown_item_by_zero():
    model = Popularity().fit(ratings([(1, 10, 5.0), (2, 10, 4.0), (3, 10, 3.0), (4, 20, 1.0)]))
    got = model.score_pairs([0, 3, 0], [0, 1, -1])
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [3.0, 1.0, 0.0])
    empty = model.score_pairs([], [])  # no pairs, no scores (and no error)
    assert empty.shape == (0,) and empty.dtype == np.float64


def test_an_unfitted_popularity_says_so_when_asked_for_scores():
    with pytest.raises(RuntimeError, match="Popularity is not fitted yet"):
        Popularity().score_pairs([0], [0])


def test_bias_baseline_defaults_are_surprises_baseline_only_regularisation_and_ten_epochs():
    # Surprise's BaselineOnly (ALS): reg_u = 15, reg_i = 10, n_epochs = 10 (test_baselines' ml-100k target)
    rows = two_communities()
    model = BiasBaseline().fit(ratings(rows))
    user_bias, item_bias = alternating_biases_by_hand(rows, reg_user=15.0, reg_item=10.0, epochs=10)
    np.testing.assert_allclose(model.user_bias, [user_bias[u] for u in range(1, 41)], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.item_bias, [item_bias[i] for i in range(1, 41)], rtol=1e-10, atol=1e-12)


def test_bias_baseline_accepts_a_single_epoch_and_refuses_none():
    rows = two_communities()
    model = BiasBaseline(epochs=1).fit(ratings(rows))
    user_bias, item_bias = alternating_biases_by_hand(rows, reg_user=15.0, reg_item=10.0, epochs=1)
    np.testing.assert_allclose(model.user_bias, [user_bias[u] for u in range(1, 41)], rtol=1e-12)
    np.testing.assert_allclose(model.item_bias, [item_bias[i] for i in range(1, 41)], rtol=1e-12)
    for bad in ({"epochs": 0}, {"epochs": -3}, {"reg_item": -0.5}, {"reg_user": -1.0}):
        with pytest.raises(ValueError) as err:
            BiasBaseline(**bad)
        assert str(err.value) == "reg_user and reg_item must be >= 0 and epochs >= 1"


def hand_fitted() -> BiasBaseline:
    """fit_biases on users 0, 1 and items 0, 1 of vectors sized 3 and 4: ratings 4 (user 0, item 0), 2 (1, 1).

    With μ = 3, reg 1 and one epoch: b_u = (4 − 3) / (1 + 1) = 0.5 and (2 − 3) / 2 = −0.5, user 2 none: 0;
    b_i = (1 − 0.5) / 2 = 0.25 and (−1 + 0.5) / 2 = −0.25, items 2 and 3 none: 0.
    """
    return BiasBaseline(reg_user=1.0, reg_item=1.0, epochs=1).fit_biases(
        np.array([0, 1]), np.array([0, 1]), np.array([4.0, 2.0]), global_mean=3.0, num_users=3, num_items=4
    )


def test_fit_biases_sizes_the_vectors_as_asked_and_leaves_indices_without_ratings_at_zero():
    model = hand_fitted()
    np.testing.assert_allclose(model.user_bias, [0.5, -0.5, 0.0])
    np.testing.assert_allclose(model.item_bias, [0.25, -0.25, 0.0, 0.0])
    assert model.global_mean == 3.0


def test_predict_biases_counts_index_zero_and_gives_an_unseen_index_a_bias_of_zero():
    model = hand_fitted()
    # (0, 0): 3 + 0.5 + 0.25; (-1, 1): 3 + 0 − 0.25; (1, -1): 3 − 0.5 + 0; (-1, -1): μ
    got = model.predict_biases(np.array([0, -1, 1, -1]), np.array([0, 1, -1, -1]))
    np.testing.assert_allclose(got, [3.75, 2.75, 2.5, 3.0])


def test_score_items_is_the_mean_plus_both_biases_for_every_item():
    model = hand_fitted()
    expected = [
        [3.75, 3.25, 3.5, 3.5],  # user 0: 3 + 0.5 + b_i
        [2.75, 2.25, 2.5, 2.5],  # user 1: 3 − 0.5 + b_i
        [3.25, 2.75, 3.0, 3.0],  # user 2: no ratings
    ]
    np.testing.assert_allclose(model.score_items([0, 1, 2]), expected)
    assert model.score_items([]).shape == (0, 4)  # no users, no rows (and no error)
