"""§3.4 the MLP regression recommender: features, cold users, determinism, save/load, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab import splits
from recsys_lab.data.synthetic import make_synthetic
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean
from recsys_lab.protocol.evaluation import evaluate_ratings
from tests.helpers import additive_world


@pytest.fixture(scope="module")
def world():
    return make_synthetic(num_users=300, num_items=200, num_ratings=12_000, poster_size=None, seed=3)


@pytest.fixture(scope="module")
def fitted(world):
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.regression import MLPRegression

    split = splits.cold_user_split(world, 0.2, seed=0)
    config = TrainConfig(epochs=12, batch_size=256, learning_rate=3e-3, seed=1)
    model = MLPRegression(embedding_dim=8, hidden_units=(32, 16), dropout=0.1, id_dropout=0.2)
    return split, model.fit(split.train, users=world.users, items=world.items, config=config)


def taste_by_gender(seed=0):
    """A world where taste is gender: women rate items 1-50 high and 51-100 low, men the reverse (±noise)."""
    rng = np.random.default_rng(seed)
    users = pd.DataFrame({"user_id": np.arange(1, 301), "age": rng.integers(18, 60, 300),
                          "gender": rng.choice(["F", "M"], 300), "occupation": rng.choice(["a", "b", "c"], 300)})  # fmt: skip
    user_id, item_id = (
        np.repeat(users["user_id"], 30),
        np.concatenate([rng.choice(100, 30, False) + 1 for _ in range(300)]),
    )
    likes = (users.set_index("user_id").loc[user_id, "gender"].to_numpy() == "F") == (item_id <= 50)
    rating = np.clip(np.where(likes, 4.5, 1.5) + rng.normal(0, 0.3, len(item_id)), 1, 5).round()
    return pd.DataFrame({"user_id": user_id, "item_id": item_id, "rating": rating}), users


@pytest.mark.slow
def test_regression_scores_cold_users_from_demographics():
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.regression import MLPRegression

    ratings, users = taste_by_gender()
    split = splits.cold_user_split(ratings, 0.2, seed=0)
    model = MLPRegression(embedding_dim=4, hidden_units=(16, 8), id_dropout=0.3).fit(
        split.train, users=users, config=TrainConfig(epochs=20, batch_size=128, learning_rate=1e-2, seed=0)
    )
    cold_bias = evaluate_ratings(BiasBaseline().fit(split.train), split.test)[
        "rmse"
    ]  # ≈ 1.5: no idea of taste
    cold_mlp = evaluate_ratings(model, split.test)["rmse"]
    assert cold_bias > 1.2 and cold_mlp < 0.6, f"from gender alone: {cold_mlp:.3f} vs bias {cold_bias:.3f}"
    stranger = model.predict(np.full(100, 10**6), np.arange(1, 101))  # in no table: no features at all
    assert abs(stranger[:50].mean() - stranger[50:].mean()) < 0.5, "without features, no taste to go on"


def test_a_category_no_training_user_has_is_zeroed():
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.regression import MLPRegression

    ratings, users = taste_by_gender()
    users = users.copy()
    users.loc[users["user_id"] == 300, "occupation"] = "astronaut"  # only user 300, never in training
    users.loc[users["user_id"] == 299, "gender"] = None  # a missing value: no gender column set
    train = ratings[ratings["user_id"] != 300]
    model = MLPRegression(embedding_dim=2, hidden_units=(4,)).fit(
        train, users=users, config=TrainConfig(epochs=1, batch_size=512)
    )
    names = model.side["user"][2]
    rows = dict(zip(names, model.features("user", [300, 299]).T, strict=True))
    assert rows["occupation=astronaut"].tolist() == [0.0, 0.0], "an occupation unseen in training counts as 0"
    assert rows["gender=F"][1] == rows["gender=M"][1] == 0.0
    assert np.isfinite(model.predict([300, 299], [1, 1])).all()


@pytest.mark.slow
def test_regression_learns_taste_the_bias_model_cannot_on_held_out_ratings():
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.regression import MLPRegression

    # taste is an interaction (women like items 1-50, men 51-100): user and item biases cannot hold it, the id
    # embeddings can; scored on ratings held out of training, from the ids alone (no side features)
    ratings, _ = taste_by_gender()
    split = splits.random_split(ratings, 0.2, seed=0)
    model = MLPRegression(embedding_dim=8, hidden_units=(16, 8)).fit(
        split.train, config=TrainConfig(epochs=10, batch_size=128, learning_rate=1e-2, seed=0)
    )
    mlp = evaluate_ratings(model, split.test)["rmse"]
    bias = evaluate_ratings(BiasBaseline().fit(split.train), split.test)["rmse"]
    mean = evaluate_ratings(GlobalMean().fit(split.train), split.test)["rmse"]
    assert bias > 0.9 * mean, "the biases should explain little here, or the test shows nothing"
    assert mlp < bias - 0.6, (
        f"held-out RMSE {mlp:.3f} vs the bias model's {bias:.3f}"
    )  # measured 0.54 vs 1.60


def test_side_features_by_id_with_unknown_ids_as_zeros(world, fitted):
    _, model = fitted
    rows = model.features("user", [1, 10**6])
    assert rows.shape == (2, len(model.side["user"][2]))
    assert rows[0].any() and not rows[1].any()
    assert model.side["user"][2][0] == "age" and any(
        n.startswith("occupation=") for n in model.side["user"][2]
    )
    ids_only = model.__class__(embedding_dim=4, hidden_units=(8,))
    from recsys_lab.models.base import TrainConfig

    ids_only.fit(world.ratings.head(500), config=TrainConfig(epochs=1, batch_size=128))
    assert ids_only.features("user", [1, 2]).shape == (2, 0)


def test_same_seed_same_model_and_save_load_round_trip(world, fitted, tmp_path):
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.regression import MLPRegression

    split, model = fitted
    again = MLPRegression(embedding_dim=8, hidden_units=(32, 16), dropout=0.1, id_dropout=0.2).fit(
        split.train, users=world.users, items=world.items,
        config=TrainConfig(epochs=12, batch_size=256, learning_rate=3e-3, seed=1),
    )  # fmt: skip
    pairs = split.test.head(300)
    expected = model.predict(pairs["user_id"], pairs["item_id"])
    np.testing.assert_array_equal(again.predict(pairs["user_id"], pairs["item_id"]), expected)
    loaded = MLPRegression.load(model.save(tmp_path / "mlp.keras"))
    np.testing.assert_allclose(loaded.predict(pairs["user_id"], pairs["item_id"]), expected, rtol=1e-6)
    assert repr(loaded) == repr(model) and loaded.side["user"][2] == model.side["user"][2]
    np.testing.assert_allclose(loaded.score_items([0, 1]), model.score_items([0, 1]), rtol=1e-6)
    users = np.arange(20)  # scored 7 users at a time: the same as every pair at once
    every_pair = model.score_pairs(np.repeat(users, model.num_items), np.tile(np.arange(model.num_items), 20))
    np.testing.assert_allclose(
        model.score_items(users, users_per_batch=7), every_pair.reshape(20, -1), rtol=1e-6
    )


def test_bad_input_is_named(world, fitted):
    from recsys_lab.data.dataset import DataError
    from recsys_lab.models.regression import MLPRegression

    _, model = fitted
    with pytest.raises(ValueError, match="same shape"):
        model.predict([1, 2], [1])
    with pytest.raises(ValueError, match="hidden_units"):
        MLPRegression(hidden_units=())
    with pytest.raises(ValueError, match="dropout"):
        MLPRegression(dropout=1.0)
    with pytest.raises(ValueError, match="user_id column"):
        MLPRegression().fit(world.ratings, users=world.users.drop(columns="user_id"))
    bad = world.ratings.head(50).assign(rating=np.nan)
    with pytest.raises(DataError):
        MLPRegression().fit(bad)
    with pytest.raises(RuntimeError, match="not fitted"):
        MLPRegression().predict([1], [1])


@pytest.mark.slow
def test_predict_clips_to_the_rating_scale_where_the_network_leaves_it():
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.regression import MLPRegression

    train = additive_world()  # unseen pairs add up to 6 and 0, off the 1-5 scale
    config = TrainConfig(epochs=40, batch_size=64, learning_rate=1e-2, seed=0)
    model = MLPRegression(8, (16, 8)).fit(train, rating_scale=(1, 5), config=config)
    u, i = np.repeat(np.arange(30), 30), np.tile(np.arange(30), 30)
    raw = model.network([np.stack([u, i], 1), np.zeros((900, 0)), np.zeros((900, 0))]).numpy()  # ŷ, unclipped
    assert (raw > 5).sum() > 20 and (raw < 1).sum() > 20, "the network should leave the scale on both sides"
    pred = model.predict(model.user_encoder.inverse(u), model.item_encoder.inverse(i))
    assert pred.min() >= 1 and pred.max() <= 5
    np.testing.assert_allclose(pred, np.clip(raw, 1, 5), rtol=1e-5)
