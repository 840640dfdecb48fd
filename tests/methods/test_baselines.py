"""Baselines against independent references: a sparse ridge solve, hand-computed means and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg

from recsys_lab import splits
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.protocol.evaluation import evaluate_ratings


def random_ratings(seed=0, num_users=60, num_items=80, n=1_500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pairs = rng.choice(num_users * num_items, size=n, replace=False)
    return pd.DataFrame(
        {
            "user_id": pairs // num_items + 1,
            "item_id": pairs % num_items + 101,
            "rating": rng.integers(1, 6, n).astype(float),
        }
    )


def test_bias_baseline_converges_to_the_ridge_solution():
    ratings = random_ratings()
    model = BiasBaseline(reg_user=3.0, reg_item=7.0, epochs=300).fit(ratings)
    u = model.user_encoder.transform(ratings.user_id)
    i = model.item_encoder.transform(ratings.item_id)
    n = len(ratings)
    # min ||r - mu - X b||^2 + b' diag(reg) b, solved directly: (X'X + diag(reg)) b = X'(r - mu)
    design = sp.hstack(
        [sp.csr_matrix((np.ones(n), (np.arange(n), u))), sp.csr_matrix((np.ones(n), (np.arange(n), i)))]
    ).tocsc()
    reg = np.r_[np.full(model.num_users, 3.0), np.full(model.num_items, 7.0)]
    target = ratings.rating.to_numpy() - ratings.rating.mean()
    solution = scipy.sparse.linalg.spsolve((design.T @ design + sp.diags(reg)).tocsc(), design.T @ target)
    np.testing.assert_allclose(model.user_bias, solution[: model.num_users], atol=1e-6)
    np.testing.assert_allclose(model.item_bias, solution[model.num_users :], atol=1e-6)


def test_hand_computed_baselines():
    train = pd.DataFrame(
        {"user_id": [1, 1, 2, 3], "item_id": [10, 20, 10, 10], "rating": [5.0, 1.0, 4.0, 3.0]}
    )
    mean = GlobalMean().fit(train)
    assert mean.predict([1, 9], [20, 99]).tolist() == [3.25, 3.25]
    pop = Popularity(damping=1.0).fit(train)
    # item 10: (5 + 4 + 3 + 1 * 3.25) / (3 + 1); unseen item 99 -> mu
    np.testing.assert_allclose(pop.predict([1, 1], [10, 99]), [(12 + 3.25) / 4, 3.25])
    assert pop.recommend(3, k=5).item_id.tolist() == [20]  # 10 is seen by user 3
    assert pop.recommend(3, k=5, exclude_seen=False).item_id.tolist() == [10, 20]


def test_predictions_are_clipped_and_cold_pairs_fall_back():
    # unregularised biases: user 1 and item 10 are generous, user 2 and item 30 harsh, so the unseen pairs
    # (1, 10) and (2, 30) reach past the scale: μ + b_u + b_i leaves [1, 5] on both sides
    train = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3, 3],
            "item_id": [20, 30, 10, 20, 10, 30],
            "rating": [5.0, 3.0, 3.0, 1.0, 5.0, 1.0],
        }
    )
    model = BiasBaseline(reg_user=0, reg_item=0, epochs=50).fit(train, rating_scale=(1, 5))
    u, i = model.user_encoder.transform([1, 2]), model.item_encoder.transform([10, 30])
    raw = model.global_mean + model.user_bias[u] + model.item_bias[i]  # by hand, unclipped
    assert raw[0] > 5.2 and raw[1] < 0.8, raw
    np.testing.assert_allclose(model.score_pairs(u, i), raw)  # ranking scores stay unclipped
    np.testing.assert_array_equal(model.predict([1, 2], [10, 30]), [5.0, 1.0])
    every = model.predict(np.repeat([1, 2, 3], 3), np.tile([10, 20, 30], 3))
    np.testing.assert_allclose(every, np.clip(model.score_items([0, 1, 2]).ravel(), 1, 5))
    assert model.predict([77], [88]).item() == pytest.approx(model.global_mean)


def test_interface_errors_are_clear():
    model = BiasBaseline()
    with pytest.raises(RuntimeError, match="not fitted yet"):
        model.predict([1], [1])
    model.fit(random_ratings())
    with pytest.raises(ValueError, match="unknown user_id 99999: not in the training data"):
        model.recommend(99999)
    with pytest.raises(ValueError, match="same shape"):
        model.predict([1, 2], [3])
    with pytest.raises(ValueError, match=">= 0"):
        BiasBaseline(reg_user=-1)


def test_fit_does_not_mutate_and_recommend_excludes_seen():
    ratings = random_ratings()
    before = ratings.copy()
    model = BiasBaseline().fit(ratings)
    pd.testing.assert_frame_equal(ratings, before)
    top = model.recommend(1, k=10)
    assert not set(top.item_id) & set(ratings[ratings.user_id == 1].item_id)
    assert top.score.is_monotonic_decreasing and top["rank"].tolist() == list(range(1, 11))


def test_bias_baseline_beats_the_global_mean(dataset):
    split = splits.rating_split(dataset, seed=0)
    bias = evaluate_ratings(BiasBaseline().fit(split.train, rating_scale=dataset.rating_scale), split.test)
    mean = evaluate_ratings(GlobalMean().fit(split.train, rating_scale=dataset.rating_scale), split.test)
    assert bias["rmse"] < 0.9 * mean["rmse"]


def test_bias_baseline_on_official_folds_matches_the_target(ml100k):
    # Surprise's BaselineOnly (ALS, reg_u=15, reg_i=10, 10 epochs) measures 0.9457 on u1-u5; the same
    # model here must land at or below the target of 0.946.
    rmses = []
    for fold in ("u1", "u2", "u3", "u4", "u5"):
        train, test = splits.official_fold(ml100k, fold)
        rmses.append(evaluate_ratings(BiasBaseline().fit(train, rating_scale=(1, 5)), test)["rmse"])
    assert np.mean(rmses) <= 0.946


def test_popularity_ranks_by_count_not_by_mean_rating():
    """Item 1: three ratings of 2; item 2: one 5. Ranked by count item 1 leads; by (damped) mean item 2 would."""
    train = pd.DataFrame(
        {"user_id": [1, 2, 3, 4, 5], "item_id": [1, 1, 1, 2, 3], "rating": [2.0, 2, 2, 5, 3]}
    )
    model = Popularity().fit(train)
    assert model.recommend(5, k=2)["item_id"].tolist() == [
        1,
        2,
    ]  # 5 rated item 3: unseen 1 (3 ratings), 2 (1)
    np.testing.assert_array_equal(
        model.score_pairs(np.array([0, 0, 0]), np.array([0, 1, 2])), [3.0, 1.0, 1.0]
    )
    assert (
        model.predict([5], [2])[0] > model.predict([5], [1])[0]
    )  # while its predicted rating says otherwise
