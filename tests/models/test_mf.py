"""§3.3 biased MF: learns more than the biases, its formula by hand, unknown ids, save/load, seeds, strategies."""

from __future__ import annotations

import numpy as np
import pytest

from recsys_lab.data.synthetic import make_synthetic
from recsys_lab.methods.baselines import BiasBaseline
from recsys_lab.protocol.evaluation import evaluate_ratings
from tests.helpers import additive_world

keras = pytest.importorskip("keras")
from recsys_lab.models.base import TrainConfig  # noqa: E402
from recsys_lab.models.mf import BiasedMF  # noqa: E402


@pytest.fixture(scope="module")
def world(inner_product_world):
    """This module's world: §3.3's (conftest.py, with the MF and two-tower trained on it)."""
    return inner_product_world


@pytest.fixture(scope="module")
def mf(inner_product_mf):
    """§3.3's biased MF, fitted on `world_split.train` (conftest.py)."""
    return inner_product_mf


def test_mf_learns_more_than_the_biases(world, world_split, mf):
    bias = BiasBaseline().fit(world_split.train, rating_scale=world.rating_scale)
    mf_rmse = evaluate_ratings(mf, world_split.test)["rmse"]
    bias_rmse = evaluate_ratings(bias, world_split.test)["rmse"]
    assert mf_rmse < bias_rmse - 0.02, (mf_rmse, bias_rmse)
    assert mf.user_embeddings.shape == (world_split.num_users, 16)
    assert mf.item_embeddings.shape == (world_split.num_items, 16)


def test_mf_formula_unknown_ids_and_score_items(world_split, mf):
    u, i = np.array([0, 5, 9]), np.array([3, 3, 7])
    by_hand = (
        mf.global_mean
        + mf.user_bias[u]
        + mf.item_bias[i]
        + np.sum(mf.user_embeddings[u] * mf.item_embeddings[i], 1)
    )
    np.testing.assert_allclose(mf.score_pairs(u, i), by_hand, rtol=1e-6)
    np.testing.assert_allclose(mf.score_items(u)[np.arange(3), i], by_hand, rtol=1e-6)
    item_id = mf.item_encoder.inverse([3])[0]
    expected = np.clip(mf.global_mean + mf.item_bias[3], *mf.rating_scale)
    np.testing.assert_allclose(mf.predict([10**9], [item_id]), [expected], rtol=1e-6)  # unknown user: μ + b_i
    np.testing.assert_allclose(mf.predict([10**9], [10**9]), [mf.global_mean], rtol=1e-6)
    with pytest.raises(ValueError, match="unknown user_id 1000000000"):
        mf.recommend(10**9)


def test_mf_save_load_and_seed(tmp_path, world, world_split, mf):
    same = BiasedMF.load(mf.save(tmp_path / "mf.keras"))
    test = world_split.test
    np.testing.assert_array_equal(
        mf.predict(test.user_id, test.item_id), same.predict(test.user_id, test.item_id)
    )
    assert repr(same) == repr(mf) and same.rating_scale == mf.rating_scale
    config = TrainConfig(epochs=1, batch_size=1024, seed=11)
    a, b = (BiasedMF(8).fit(world_split.train, config=config) for _ in range(2))
    np.testing.assert_array_equal(a.item_embeddings, b.item_embeddings)  # same seed, same numbers
    with pytest.raises(ValueError, match="embedding_dim"):
        BiasedMF(embedding_dim=0)


@pytest.mark.slow
def test_biased_mf_trains_the_same_under_a_mirrored_strategy():
    """Notebook 07's tf.distribute snippet: the kit's models build their variables inside strategy.scope()."""
    tf = pytest.importorskip("tensorflow")
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.mf import BiasedMF

    world = make_synthetic(num_users=100, num_items=120, num_ratings=3_000, poster_size=None, seed=0)
    config = TrainConfig(epochs=2, batch_size=256, learning_rate=1e-2, seed=0)
    plain = BiasedMF(8).fit(world.ratings, config=config)
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        mirrored = BiasedMF(8).fit(world.ratings, config=config)
    assert strategy.extended.variable_created_in_scope(mirrored.network.user_embedding.embeddings.value)
    users, items = world.ratings["user_id"][:200], world.ratings["item_id"][:200]
    np.testing.assert_allclose(mirrored.predict(users, items), plain.predict(users, items), rtol=1e-5)


@pytest.mark.slow
def test_predict_clips_to_the_rating_scale_where_the_formula_leaves_it():
    train = additive_world()  # unseen pairs add up to 6 and 0, off the 1-5 scale
    config = TrainConfig(epochs=40, batch_size=64, learning_rate=2e-2, seed=0)
    mf = BiasedMF(4, l2=0.0).fit(train, rating_scale=(1, 5), config=config)
    u, i = np.repeat(np.arange(30), 30), np.tile(np.arange(30), 30)
    by_hand = (
        mf.global_mean
        + mf.user_bias[u]
        + mf.item_bias[i]
        + np.sum(mf.user_embeddings[u] * mf.item_embeddings[i], 1)
    )
    generous_loved = (u < 10) & (i < 10)
    assert by_hand[generous_loved].min() > 5.5, "the unclipped formula should leave the scale here"
    pred = mf.predict(mf.user_encoder.inverse(u), mf.item_encoder.inverse(i))
    assert pred.min() >= 1 and pred.max() <= 5
    np.testing.assert_allclose(pred[generous_loved], 5.0)
    np.testing.assert_allclose(pred, np.clip(by_hand, 1, 5), rtol=1e-5)
