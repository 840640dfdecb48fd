"""AutoRec: the masked loss against numpy, its gradients, codes, fold-in, saving, errors, and that it learns."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from recsys_lab import splits
from recsys_lab.data.synthetic import make_synthetic
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean
from recsys_lab.models.autorec import AutoRec, masked_mse
from recsys_lab.models.base import TrainConfig
from recsys_lab.protocol.evaluation import evaluate_ratings

FAST = TrainConfig(epochs=40, batch_size=64, learning_rate=3e-3, seed=0)


@pytest.fixture(scope="module")
def world():
    return make_synthetic(num_users=200, num_items=150, num_ratings=9_000, poster_size=None, seed=3)


@pytest.fixture(scope="module")
def split(world):
    return splits.random_split(world, 0.2, seed=0)


@pytest.fixture(scope="module")
def item_model(split):
    return AutoRec("item", hidden_units=64, l2=1e-3).fit(split.train, rating_scale=(1, 5), config=FAST)


@pytest.fixture(scope="module")
def user_model(split):
    return AutoRec("user", hidden_units=64, l2=1e-3).fit(split.train, rating_scale=(1, 5), config=FAST)


def test_masked_mse_matches_numpy():
    rng = np.random.default_rng(0)
    y_true = np.where(rng.random((8, 12)) < 0.3, rng.integers(0, 6, (8, 12)), np.nan).astype("float32")
    y_pred = rng.normal(3, 1, (8, 12)).astype("float32")
    observed = ~np.isnan(y_true)
    assert (y_true[observed] == 0).any()  # observed ratings of 0 count like any other rating
    reference = ((y_true - y_pred) ** 2)[observed].mean()
    np.testing.assert_allclose(float(masked_mse(y_true, y_pred)), reference, rtol=1e-6)
    nothing = np.full((2, 3), np.nan, "float32")
    assert float(masked_mse(nothing, np.ones((2, 3), "float32"))) == 0.0


def test_unobserved_entries_get_no_gradient():
    y_true = tf.constant([[5.0, np.nan, 3.0], [np.nan, np.nan, 1.0]])
    y_pred = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with tf.GradientTape() as tape:
        loss = masked_mse(y_true, y_pred)
    grad = tape.gradient(loss, y_pred).numpy()
    unrated = np.isnan(y_true.numpy())
    np.testing.assert_array_equal(grad[unrated], 0.0)
    # d/dŷ of mean over 3 observed entries of (y - ŷ)²  =  -2 (y - ŷ) / 3
    np.testing.assert_allclose(grad[~unrated], [-2 * 4 / 3, 0.0, -2 * -5 / 3], rtol=1e-6)


def test_autorec_learns_beyond_the_baselines(item_model, user_model, split):
    mean = evaluate_ratings(GlobalMean().fit(split.train, rating_scale=(1, 5)), split.test)["rmse"]
    item = evaluate_ratings(item_model, split.test)["rmse"]
    user = evaluate_ratings(user_model, split.test)["rmse"]
    assert item < 0.93 * mean and user < 0.95 * mean, (item, user, mean)  # measured: 0.90 and 0.92 of it


def weighted_mse(weight):
    """Squared errors on rated entries weigh 1, on unrated ones (NaN targets, pulled to 0) `weight`; divided by
    the number of ratings."""

    def loss(y_true, y_pred):
        unrated = keras.ops.isnan(y_true)
        observed = keras.ops.cast(keras.ops.logical_not(unrated), "float32")
        target = keras.ops.where(unrated, 0.0, y_true)
        errors = keras.ops.square(target - y_pred) * (observed + weight * (1 - observed))
        return keras.ops.sum(errors) / keras.ops.maximum(keras.ops.sum(observed), 1.0)

    return loss


@pytest.mark.slow
def test_a_loss_of_your_own_trains_saves_and_loads(split, tmp_path):
    config = TrainConfig(epochs=3, batch_size=64, learning_rate=3e-3, seed=0)
    masked = AutoRec("item", hidden_units=16).fit(split.train, rating_scale=(1, 5), config=config)
    same = AutoRec("item", hidden_units=16, loss=weighted_mse(0.0)).fit(
        split.train, rating_scale=(1, 5), config=config
    )
    pulled = AutoRec("item", hidden_units=16, loss=weighted_mse(0.1)).fit(
        split.train, rating_scale=(1, 5), config=config
    )
    users, items = split.test["user_id"], split.test["item_id"]
    np.testing.assert_allclose(
        same.predict(users, items), masked.predict(users, items), rtol=1e-5
    )  # w = 0: masked
    assert not np.allclose(pulled.predict(users, items), masked.predict(users, items))
    assert same.name == "I-AutoRec (custom loss)"
    loaded = AutoRec.load(pulled.save(tmp_path / "custom.keras"))  # the loss is not needed to predict
    assert loaded.name == pulled.name
    np.testing.assert_allclose(loaded.predict(users, items), pulled.predict(users, items), rtol=1e-6)
    with pytest.raises(ValueError, match="loss must be a function"):
        AutoRec(loss="weighted")


@pytest.mark.slow
def test_unmasked_loss_predicts_the_empty_cells_as_zero(split):
    unmasked = AutoRec("item", hidden_units=64, masked=False).fit(
        split.train, rating_scale=(1, 5), config=FAST
    )
    rec = unmasked.reconstruct(unmasked.rows)
    empty = unmasked.rows.toarray() == 0
    assert rec[empty].mean() < 1.0  # it learned "unrated means 0", not the user's taste
    masked = AutoRec("item", hidden_units=64).fit(split.train, rating_scale=(1, 5), config=FAST)
    assert masked.reconstruct(masked.rows)[empty].mean() > 2.5


def test_codes_and_fold_in_of_a_training_user(user_model, split):
    codes = user_model.encode()
    assert codes.shape == (user_model.num_users, 64)
    user_id = int(split.train.user_id.iloc[0])
    u = user_model.user_encoder.transform([user_id])[0]
    np.testing.assert_allclose(user_model.encode(user_model.rows[u]), codes[u : u + 1], rtol=1e-5, atol=1e-6)
    mine = split.train[split.train.user_id == user_id]
    folded = user_model.fold_in(mine.item_id.to_numpy(), mine.rating.to_numpy(), k=10)
    expected = user_model.recommend(user_id, k=10)
    assert folded.item_id.tolist() == expected.item_id.tolist()
    np.testing.assert_allclose(folded.score, np.clip(expected.score, 1, 5), rtol=1e-5)


def test_fold_in_errors(item_model, user_model):
    with pytest.raises(ValueError, match="needs U-AutoRec.*retraining"):
        item_model.fold_in([1], [5.0])
    with pytest.raises(ValueError, match="at least one"):
        user_model.fold_in([], [])
    with pytest.raises(ValueError, match="unknown item_id 999999"):
        user_model.fold_in([999999], [4.0])
    with pytest.raises(ValueError, match=r"on the scale \[1, 5\]"):
        user_model.fold_in([1], [7.0])
    with pytest.raises(ValueError, match="same length"):
        user_model.fold_in([1, 2], [4.0])


def test_clear_errors_at_the_edge(item_model):
    with pytest.raises(ValueError, match="unknown user_id 999999"):
        item_model.recommend(999999)
    with pytest.raises(ValueError, match=r"each row must have \d+ entries"):
        item_model.reconstruct(np.ones((1, 3)))
    with pytest.raises(ValueError, match="kind must be"):
        AutoRec("both")
    with pytest.raises(ValueError, match="NaN"):
        AutoRec().fit(pd.DataFrame({"user_id": [1], "item_id": [1], "rating": [np.nan]}))


def test_cold_pairs_fall_back_to_biases(item_model, split):
    bias = BiasBaseline()
    bias.user_encoder, bias.item_encoder = item_model.user_encoder, item_model.item_encoder
    pred = item_model.predict([999999, 999999], [int(split.train.item_id.iloc[0]), 888888])
    assert np.all((pred >= 1) & (pred <= 5))
    assert pred[1] == pytest.approx(item_model.global_mean)


@pytest.mark.parametrize("kind", ["item", "user"])
def test_save_load_round_trip(kind, item_model, user_model, split, tmp_path):
    model = item_model if kind == "item" else user_model
    path = model.save(tmp_path / f"{kind}.keras")
    loaded = AutoRec.load(path)
    users, items = split.test.user_id.to_numpy(), split.test.item_id.to_numpy()
    np.testing.assert_array_equal(loaded.predict(users, items), model.predict(users, items))
    user_id = int(split.train.user_id.iloc[0])
    pd.testing.assert_frame_equal(loaded.recommend(user_id), model.recommend(user_id))
    assert loaded.kind == kind and loaded.name == model.name
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "model.h5")


@pytest.mark.slow
def test_same_seed_same_model(split):
    config = TrainConfig(epochs=3, batch_size=64, seed=7)
    a = AutoRec(hidden_units=16).fit(split.train, config=config)
    b = AutoRec(hidden_units=16).fit(split.train, config=config)
    users, items = split.test.user_id.to_numpy(), split.test.item_id.to_numpy()
    np.testing.assert_array_equal(a.predict(users, items), b.predict(users, items))


def test_validation_curve_is_recorded(split):
    model = AutoRec(hidden_units=16).fit(
        split.train, config=TrainConfig(epochs=3, seed=0), validation=split.test
    )
    assert len(model.history["val_rmse"]) == 3 and len(model.history["loss"]) == 3


def test_new_user_widgets(user_model, world, capsys):
    from recsys_lab import widgets

    liked = world.ratings.item_id.value_counts().index[:3]
    top = widgets.new_user_recommendations(user_model, world.items, {int(i): 5.0 for i in liked}, k=5)
    assert list(top.columns) == ["rank", "title", "score", "item_id"] and len(top) == 5
    assert top.title.notna().all() and not set(top.item_id) & set(liked)
    with pytest.raises(ValueError, match="rate at least one"):
        widgets.new_user_recommendations(user_model, world.items, {})
    box = widgets.new_user_widget(user_model, world.items, liked, k=5, slots=2)
    first_picker = box.children[0].children[0]
    first_picker.value = int(liked[0])
    box.children[2].click()  # "recommend" displays a table (outside a kernel: printed)
    assert "rank" in capsys.readouterr().out


def test_training_explorer_trains_with_a_live_curve(split, monkeypatch, capsys):
    import plotly.io as pio

    from recsys_lab import widgets

    monkeypatch.setattr(pio.renderers, "default", "json")  # outside a kernel, show() prints the figure
    box = widgets.training_explorer(split.train, split.test, seed=0, rating_scale=(1, 5), baseline_rmse=1.0)
    hidden = box.children[0].children[0]
    epochs, _, button = box.children[1].children
    hidden.value, epochs.value = 20, 5
    button.click()
    assert capsys.readouterr().out.count("validation RMSE per epoch") == 5  # redrawn after every epoch
    assert not button.disabled


def test_an_unseen_user_gets_the_global_mean_plus_the_items_bias(item_model, split):
    """The fallback is the user+item bias model: for a new user, μ + b_i (b_u = 0), not μ alone."""
    bias = BiasBaseline().fit(split.train, rating_scale=(1, 5))  # fitted on its own: an independent reference
    items = split.train["item_id"].drop_duplicates().to_numpy()[:20]
    expected = bias.predict(np.full(len(items), 999_999), items)
    np.testing.assert_allclose(item_model.predict(np.full(len(items), 999_999), items), expected, rtol=1e-6)
    assert np.ptp(expected) > 0.2  # the items' biases differ: a prediction of μ alone would fail above


@pytest.mark.parametrize("kind", ["item", "user"])
def test_known_pairs_are_predicted_by_the_network_not_the_fallback(kind, item_model, user_model, split):
    model = item_model if kind == "item" else user_model
    known = split.train.sample(300, random_state=0)
    u = model.user_encoder.transform(known["user_id"])
    i = model.item_encoder.transform(known["item_id"])
    rec = model.reconstruct(
        model.rows
    )  # rows × columns: items × users for I-AutoRec, users × items for U-AutoRec
    network = np.clip(rec[i, u] if kind == "item" else rec[u, i], 1, 5)
    pred = model.predict(known["user_id"], known["item_id"])
    np.testing.assert_allclose(pred, network, rtol=1e-5)
    fallback = (
        BiasBaseline().fit(split.train, rating_scale=(1, 5)).predict(known["user_id"], known["item_id"])
    )
    assert np.abs(pred - fallback).mean() > 0.1  # far from what the bias fallback alone would say


@pytest.mark.slow
def test_a_rating_of_zero_is_observed_not_missing():
    # On a 0-5 scale, 0 is a rating. Items that everybody rates 0 must be learned as such: the mask comes from
    # what was observed, not from the value (read as "unrated", those items would be predicted like the rest).
    rng = np.random.default_rng(3)
    pairs = rng.choice(40 * 30, size=500, replace=False)
    ratings = pd.DataFrame({"user_id": pairs // 30 + 1, "item_id": pairs % 30 + 1})
    ratings["rating"] = np.where(
        ratings["item_id"] <= 10, 0.0, rng.integers(3, 6, len(ratings)).astype(float)
    )
    config = TrainConfig(epochs=60, batch_size=8, learning_rate=1e-2, seed=0)
    model = AutoRec("item", hidden_units=16, l2=1e-4).fit(ratings, rating_scale=(0, 5), config=config)
    zero_items = model.item_encoder.transform(np.arange(1, 11))
    other = model.item_encoder.transform(np.arange(11, 31))
    rec = model.reconstruct(model.rows)
    assert rec[zero_items].mean() < rec[other].mean() - 2.0  # learned: those items get low predictions
    assert model.predict([1], [1])[0] < 1.5


@pytest.mark.parametrize("kind", ["item", "user"])
def test_predict_clips_the_networks_output_to_the_rating_scale(kind):
    world = make_synthetic(num_users=40, num_items=30, num_ratings=600, poster_size=None, seed=1)
    model = AutoRec(kind, hidden_units=8).fit(
        world.ratings, rating_scale=(1, 5), config=TrainConfig(epochs=2)
    )
    # push the network's output off the scale: the decoder's bias spans -6..12, one value per output unit
    bias = model.network.decoder.bias
    bias.assign(np.linspace(-6, 12, bias.shape[0]).astype("float32"))
    model.clear_cache()
    rec = model.reconstruct(model.rows)
    raw = rec.T if kind == "item" else rec  # (num_users, num_items): the network's output for every pair
    assert (raw < 0).sum() > 50 and (raw > 6).sum() > 50, "the output should leave [1, 5] on both sides"
    users, items = model.user_encoder.ids, model.item_encoder.ids
    pred = model.predict(np.repeat(users, len(items)), np.tile(items, len(users))).reshape(raw.shape)
    assert pred.min() >= 1 and pred.max() <= 5
    np.testing.assert_allclose(pred, np.clip(raw, 1, 5), rtol=1e-5)
    np.testing.assert_allclose(model.score_items(np.arange(len(users))), raw, rtol=1e-5)  # ranking: unclipped
