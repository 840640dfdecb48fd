"""What `EASE` promises: its default λ, scores, explanations and deletions on tiny tables (docs/mutation.md).

With two modelled items i and j the closed form is small enough to solve by hand: (XᵀX + λI) is 2 × 2, and
B_ij = −P_ij / P_jj = c_ij / (n_i + λ), with n_i the ratings of item i and c_ij the users who rated both (the
ridge regression of item j on item i alone). Every expected value below is that formula on three users.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab.methods.ease import EASE

INF = np.inf


def implicit(pairs) -> pd.DataFrame:
    users, items = zip(*pairs, strict=True)
    return pd.DataFrame({"user_id": users, "item_id": items, "rating": 3.0})


# users 1 and 2 rated items 10 and 20, user 3 only item 10: n_10 = 3, n_20 = 2, c = 2
TWO_ITEMS = implicit([(1, 10), (1, 20), (2, 10), (2, 20), (3, 10)])
# the same, and user 3 also rated item 30, which min_item_ratings=2 leaves out of B
THREE_ITEMS = implicit([(1, 10), (1, 20), (2, 10), (2, 20), (3, 10), (3, 30)])


def test_the_default_ridge_penalty_is_500():
    model = EASE().fit(TWO_ITEMS)
    np.testing.assert_allclose(model.weights, [[0.0, 2 / 503], [2 / 502, 0.0]], rtol=1e-12)
    assert repr(model) == "EASE(l2=500, min_item_ratings=1)"


def test_any_positive_finite_l2_is_a_ridge_penalty_and_nothing_else_is():
    model = EASE(l2=0.5).fit(TWO_ITEMS)  # below 1 too
    np.testing.assert_allclose(model.weights, [[0.0, 2 / 3.5], [2 / 2.5, 0.0]], rtol=1e-12)
    for bad in (0.0, -2.0, INF, np.nan):
        with pytest.raises(ValueError, match=r"need l2 > 0 \(finite\) and min_item_ratings >= 1"):
            EASE(l2=bad)


def left_out_model() -> EASE:
    """THREE_ITEMS, λ = 4, item 30 left out: B_10→20 = 2 / (3 + 4) = 2/7, B_20→10 = 2 / (2 + 4) = 1/3."""
    return EASE(l2=4.0, min_item_ratings=2).fit(THREE_ITEMS)


# score_items of users 1, 2, 3 on items 10, 20, 30 (dense indices 0, 1, 2 on both sides):
# users 1 and 2 hold 10 and 20: item 10 gets B_20→10, item 20 gets B_10→20; user 3 holds 10 (and 30, left out)
HAND_SCORES = [[1 / 3, 2 / 7, -INF], [1 / 3, 2 / 7, -INF], [0.0, 2 / 7, -INF]]


def test_scores_do_not_depend_on_the_batch_size():
    model = left_out_model()
    np.testing.assert_array_equal(model.modelled, [0, 1])
    for batch in (1, 2, 1024):
        np.testing.assert_allclose(
            model.score_items([0, 1, 2], users_per_batch=batch), HAND_SCORES, rtol=1e-12
        )


def test_a_user_without_history_scores_zero_on_modelled_items_and_minus_infinity_on_left_out_ones():
    model = left_out_model()
    np.testing.assert_allclose(model.score_items([-1, 2]), [[0.0, 0.0, -INF], HAND_SCORES[2]], rtol=1e-12)


def test_predict_refuses_and_says_what_to_use_instead():
    with pytest.raises(NotImplementedError) as err:
        left_out_model().predict([1], [10])
    assert str(err.value) == (
        "EASE predicts no ratings: its scores only rank items, so an RMSE of them means nothing. "
        "Use score_items / recommend, and evaluation.evaluate_ranking for its metrics"
    )


def test_contributions_explain_the_first_modelled_item_too():
    model = left_out_model()
    items, terms = model.contributions(0, 0)  # user 1, item 10: B_20→10 = 1/3, then B_10→10 = 0
    np.testing.assert_array_equal(items, [1, 0])
    np.testing.assert_allclose(terms, [1 / 3, 0.0], rtol=1e-12)
    items, terms = model.contributions(2, 1)  # user 3, item 20: only item 10 counts, 30 is left out of B
    np.testing.assert_array_equal(items, [0])
    np.testing.assert_allclose(terms, [2 / 7], rtol=1e-12)


def test_deleting_history_items_subtracts_their_rows_of_b_the_first_item_included():
    model = left_out_model()
    removed = [
        [0, -1],
        [1, -1],
        [-1, -1],
        [0, 1],
    ]  # user 1 without 10, without 20, without nothing, without both
    expected = [[1 / 3, 0.0, -INF], [0.0, 2 / 7, -INF], HAND_SCORES[0], [0.0, 0.0, -INF]]
    np.testing.assert_allclose(model.score_items_without(0, removed), expected, rtol=1e-12, atol=1e-15)
    # user 3 without item 30: it is left out of B, so nothing changes; without 10: nothing is left
    np.testing.assert_allclose(model.score_items_without(2, [[2], [0]]), [HAND_SCORES[2], [0.0, 0.0, -INF]])


def test_deleting_nothing_leaves_the_scores():
    model = left_out_model()
    np.testing.assert_allclose(model.score_items_without(0, []), [HAND_SCORES[0]], rtol=1e-12)
    np.testing.assert_allclose(model.score_items_without(0, [[]]), [HAND_SCORES[0]], rtol=1e-12)
