"""EASE against an independent reference: each column of B is a ridge regression of one item on all the others."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab.methods.ease import EASE
from recsys_lab.protocol.metrics import top_k


def implicit_ratings(seed=0, num_users=300, num_items=40, n=2_500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    popularity = rng.dirichlet(np.full(num_items, 0.5))  # skewed, so that some items are rare
    pairs = rng.choice(
        num_users * num_items, size=n, replace=False, p=np.tile(popularity, num_users) / num_users
    )
    return pd.DataFrame(
        {
            "user_id": pairs // num_items + 1,
            "item_id": pairs % num_items + 11,
            "rating": rng.integers(1, 6, n) * 1.0,
        }
    )


def test_each_column_is_the_constrained_least_squares_solution():
    ratings, l2 = implicit_ratings(), 7.0
    model = EASE(l2=l2).fit(ratings)
    x = model.history.toarray()  # (num_users, num_items) 0/1
    np.testing.assert_array_equal(np.diag(model.weights), 0.0)
    for j in range(model.num_items):
        others = np.delete(np.arange(model.num_items), j)
        a = x[:, others]  # min ||x_j - A b||^2 + l2 ||b||^2, b_jj = 0 by leaving x_j out of A
        b = np.linalg.solve(a.T @ a + l2 * np.eye(len(others)), a.T @ x[:, j])
        np.testing.assert_allclose(model.weights[others, j], b, rtol=1e-8, atol=1e-10)


def test_weights_minimise_the_objective_under_the_constraint():
    ratings, l2 = implicit_ratings(seed=1, num_items=15, n=900), 3.0
    model = EASE(l2=l2).fit(ratings)
    x, b = model.history.toarray(), model.weights

    def objective(weights):
        return np.sum((x - x @ weights) ** 2) + l2 * np.sum(weights**2)

    rng = np.random.default_rng(0)
    for _ in range(20):  # any off-diagonal nudge makes it worse
        nudge = rng.normal(scale=1e-3, size=b.shape)
        np.fill_diagonal(nudge, 0.0)
        assert objective(b + nudge) > objective(b)


def test_scores_are_history_times_weights_and_pairs_agree():
    ratings = implicit_ratings(seed=2, num_users=600)
    model = EASE(l2=10.0).fit(ratings)
    users = np.arange(model.num_users)
    scores = model.score_items(users)
    np.testing.assert_allclose(scores, model.history.toarray() @ model.weights)
    rng = np.random.default_rng(1)  # more than 256 distinct users: pairs are scored in chunks
    u, i = rng.integers(0, model.num_users, 5_000), rng.integers(0, model.num_items, 5_000)
    np.testing.assert_allclose(model.score_pairs(u, i), scores[u, i])


def test_recommend_excludes_seen_and_contributions_explain_the_score():
    ratings = implicit_ratings(seed=3)
    model = EASE(l2=5.0).fit(ratings)
    user_id = int(ratings["user_id"].iloc[0])
    top = model.recommend(user_id, k=5)
    seen = set(ratings.loc[ratings["user_id"] == user_id, "item_id"])
    assert not seen & set(top["item_id"])
    u = model.user_encoder.transform([user_id])[0]
    j = model.item_encoder.transform([top["item_id"].iloc[0]])[0]
    items, terms = model.contributions(u, j)
    assert set(model.item_encoder.inverse(items)) == seen and np.all(np.diff(terms) <= 0)
    np.testing.assert_allclose(terms.sum(), top["score"].iloc[0])
    expected = top_k(model.score_items([u]), 5, exclude=model.seen[[u]])[0]
    np.testing.assert_array_equal(model.item_encoder.transform(top["item_id"]), expected)


def test_rare_items_left_out_score_minus_infinity():
    ratings = implicit_ratings(seed=4)
    counts = ratings["item_id"].value_counts()
    model = EASE(l2=5.0, min_item_ratings=20).fit(ratings)
    kept = model.item_encoder.inverse(model.modelled)
    assert set(kept) == set(counts.index[counts >= 20]) and len(kept) < model.num_items
    scores = model.score_items(np.arange(model.num_users))
    left_out = np.setdiff1d(np.arange(model.num_items), model.modelled)
    assert np.all(scores[:, left_out] == -np.inf) and np.isfinite(scores[:, model.modelled]).all()
    with pytest.raises(ValueError, match="left out"):
        model.contributions(0, left_out[0])
    np.testing.assert_array_equal(model.score_pairs([-1, 0], [model.modelled[0], -1]), [0.0, -np.inf])


def test_no_ratings_from_a_ranking_model_and_bad_arguments():
    model = EASE().fit(implicit_ratings())
    with pytest.raises(NotImplementedError, match="no ratings"):
        model.predict([1], [11])
    for bad in ({"l2": 0.0}, {"l2": -1.0}, {"min_item_ratings": 0}):
        with pytest.raises(ValueError, match="l2 > 0"):
            EASE(**bad)
    with pytest.raises(RuntimeError, match="not fitted"):
        EASE().score_pairs([0], [0])


def test_deleting_history_items_equals_scoring_the_shorter_history():
    ratings = implicit_ratings(seed=5)
    model = EASE(l2=4.0, min_item_ratings=5).fit(ratings)
    u = 7
    history = model.history[u].indices
    removed = np.array([[history[0], -1], [history[1], history[2]], [-1, -1]])
    got = model.score_items_without(u, removed)
    for row, gone in zip(got, removed, strict=True):
        x = model.history[u].toarray()[0]
        x[gone[gone >= 0]] = 0.0
        expected = np.full(model.num_items, -np.inf)
        expected[model.modelled] = x[model.modelled] @ model.weights
        np.testing.assert_allclose(row, expected)
    with pytest.raises(ValueError, match="not in user_index 7's training history"):
        model.score_items_without(u, [[np.setdiff1d(np.arange(model.num_items), history)[0]]])
