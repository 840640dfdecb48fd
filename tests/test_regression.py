"""§3.4 regression: gradients by hand against finite differences and GradientTape, one SGD step against Keras',
the MLP regression recommender (features, cold users, determinism, save/load, bad input), the cold-user split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from recsys_lab import gradient_descent as gd
from recsys_lab import splits, viz, widgets
from recsys_lab.baselines import BiasBaseline, GlobalMean
from recsys_lab.evaluation import evaluate_ratings
from recsys_lab.synthetic import make_synthetic


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    return (
        x,
        3 + x[:, 0] - 0.5 * x[:, 1] ** 2 + 0.1 * rng.normal(size=64),
        gd.init_params((3, 5, 4, 1), seed=0),
    )


def test_hand_gradients_equal_finite_differences(toy):
    x, y, params = toy
    grads, eps = gd.gradients(params, x, y), 1e-6
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = dict(params), dict(params)
            plus[name], minus[name] = value.copy(), value.copy()
            plus[name][index] += eps
            minus[name][index] -= eps
            numeric[index] = (gd.loss(plus, x, y) - gd.loss(minus, x, y)) / (2 * eps)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def keras_replica(params):
    """The same network as Keras layers, weights copied from `params`."""
    import keras

    layers = [keras.layers.Dense(params[f"W{k}"].shape[1], "tanh" if k < 3 else None) for k in (1, 2, 3)]
    model = keras.Sequential([keras.Input((params["W1"].shape[0],)), *layers])
    for k, layer in enumerate(layers, start=1):
        layer.set_weights([params[f"W{k}"], params[f"b{k}"]])
    return model, [v for k in (1, 2, 3) for v in (layers[k - 1].kernel, layers[k - 1].bias)]


def test_hand_gradients_equal_gradient_tape(toy):
    import tensorflow as tf

    x, y, params = toy
    model, variables = keras_replica({k: v.astype(np.float64) for k, v in params.items()})
    with tf.GradientTape() as tape:
        y_hat = model(x.astype(np.float32))[:, 0]
        loss = tf.reduce_mean((y.astype(np.float32) - y_hat) ** 2) / 2  # L = 1/(2N) Σ (y − ŷ)²
    tape_grads = tape.gradient(loss, variables)
    hand = gd.gradients(params, x, y)
    for name, grad in zip(("W1", "b1", "W2", "b2", "W3", "b3"), tape_grads, strict=True):
        np.testing.assert_allclose(grad.numpy(), hand[name], rtol=1e-4, atol=1e-6, err_msg=name)
    assert float(loss) == pytest.approx(gd.loss(params, x, y), rel=1e-5)


def test_one_hand_step_equals_the_keras_sgd_step(toy):
    import keras

    x, y, params = toy
    _, variables = keras_replica(params)
    hand = gd.gradients(params, x, y)
    names = ("W1", "b1", "W2", "b2", "W3", "b3")
    keras.optimizers.SGD(learning_rate=0.05).apply_gradients(
        [(hand[n].astype(np.float32), v) for n, v in zip(names, variables, strict=True)]
    )
    stepped = gd.step(params, hand, 0.05)
    for name, variable in zip(names, variables, strict=True):
        np.testing.assert_allclose(variable.numpy(), stepped[name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_descend_converges_or_says_it_diverged(toy):
    x, y, params = toy
    before = {k: v.copy() for k, v in params.items()}
    slow = gd.descend(params, x, y, learning_rate=0.05, steps=100)
    assert not slow.diverged and len(slow.losses) == 101
    assert np.all(np.diff(slow.losses) <= 1e-12), "a small step size never increases the loss"
    assert slow.losses[-1] < 0.5 * slow.losses[0]
    wild = gd.descend(params, x, y, learning_rate=50.0, steps=100)
    assert wild.diverged and len(wild.losses) < 101
    for name in params:  # never modified in place
        np.testing.assert_array_equal(params[name], before[name])
    with pytest.raises(ValueError, match="learning_rate"):
        gd.descend(params, x, y, learning_rate=0, steps=10)
    with pytest.raises(ValueError, match="sizes"):
        gd.init_params((2, 3, 1), seed=0)


def test_tiny_problem_leaves_the_rating_out_of_its_features():
    ratings = pd.DataFrame({"user_id": [1, 1, 1, 2, 2, 3], "item_id": [1, 2, 3, 1, 2, 1],
                            "rating": [5.0, 3.0, 1.0, 4.0, 2.0, 3.0]})  # fmt: skip
    x, y = gd.tiny_problem(ratings, size=6, seed=0)
    mu = ratings["rating"].mean()
    raw = []  # brute force: the user's and item's mean over their *other* ratings (μ when there are none)
    for row in ratings.itertuples():
        others = ratings.drop(index=row.Index)
        mean = [
            others.loc[others[key] == getattr(row, key), "rating"].mean() for key in ("user_id", "item_id")
        ]
        raw.append([mu if np.isnan(m) else m for m in mean])
    order = np.random.default_rng(0).choice(6, 6, replace=False)
    expected = np.array(raw)[order]
    np.testing.assert_allclose(x, (expected - expected.mean(0)) / expected.std(0))
    np.testing.assert_array_equal(y, ratings["rating"].to_numpy()[order])
    with pytest.raises(ValueError, match="at least size=10"):
        gd.tiny_problem(ratings, size=10, seed=0)


def test_loss_curves_and_learning_rate_explorer(toy):
    x, y, _ = toy
    fig = viz.loss_curves({"a": np.array([3.0, 2.0, 1.0]), "b": np.array([3.0, 30.0])})
    assert isinstance(fig, go.Figure) and [len(t.y) for t in fig.data] == [3, 2]
    assert fig.layout.yaxis.type == "log"
    box = widgets.learning_rate_explorer(x, y, seed=0, steps=20)
    slider = box.children[0]
    slider.value = 1.5  # a rate that diverges: the widget redraws without raising
    assert (
        slider.value == 1.5
        and gd.descend(gd.init_params((3, 8, 8, 1), seed=0), x, y, learning_rate=1.5, steps=20).diverged
    )


# ---------------------------------------------------------------------------- the MLP regression recommender


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


def test_regression_learns_on_a_synthetic_world(world, fitted):
    split, model = fitted
    warm_train = evaluate_ratings(model, split.train)["rmse"]
    assert warm_train < evaluate_ratings(GlobalMean().fit(split.train), split.train)["rmse"] - 0.1


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
    from recsys_lab.data import DataError
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


def test_cold_user_split():
    ratings = make_synthetic(num_users=50, num_items=40, num_ratings=1000, poster_size=None, seed=0).ratings
    split = splits.cold_user_split(ratings, 0.2, seed=7)
    assert len(split.train) + len(split.test) == len(ratings)
    assert set(split.cold_users) == set(split.test["user_id"]) and len(split.cold_users) == 10
    assert splits.cold_user_split(ratings, 0.2, seed=7).test.equals(split.test)
    with pytest.raises(ValueError, match="strictly between"):
        splits.cold_user_split(ratings, 1.0, seed=0)
