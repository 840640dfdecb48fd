"""§3.3 two-tower: learns, beats popularity on ml-100k, scores are inner products, save/load and edges."""

from __future__ import annotations

import numpy as np
import pytest

from recsys_lab import splits
from recsys_lab.methods.baselines import Popularity
from recsys_lab.methods.retrieval import (
    VectorScorer,
    retrieve,
    similarity,
)
from recsys_lab.protocol.evaluation import evaluate_ranking, evaluate_sampled

keras = pytest.importorskip("keras")
from recsys_lab.models.base import TrainConfig  # noqa: E402
from recsys_lab.models.two_tower import TwoTower  # noqa: E402


@pytest.fixture(scope="module")
def world(inner_product_world):
    """This module's world: §3.3's (conftest.py, with the MF and two-tower trained on it)."""
    return inner_product_world


def test_two_tower_learns(ranking_split, two_tower):
    rng = np.random.default_rng(0)
    shape = (two_tower.user_vectors.shape, two_tower.item_vectors.shape)
    chance = VectorScorer(two_tower, rng.normal(size=shape[0]), rng.normal(size=shape[1]))
    tt = evaluate_ranking(two_tower, ranking_split, k=10)["ndcg@10"]
    assert tt > 3 * evaluate_ranking(chance, ranking_split, k=10)["ndcg@10"]
    assert two_tower.user_feature_names[0] == "age" and "year unknown" in two_tower.item_feature_names


@pytest.mark.real_data
@pytest.mark.slow
def test_two_tower_beats_popularity_on_ml100k(ml100k):
    split = splits.ranking_split(ml100k, seed=42)
    config = TrainConfig(epochs=4, batch_size=1024, learning_rate=3e-3, seed=42)
    model = TwoTower().fit(split.train, users=ml100k.users, items=ml100k.items, config=config)
    popularity = Popularity().fit(split.train)
    tt, pop = (evaluate_ranking(m, split, k=10)["ndcg@10"] for m in (model, popularity))
    assert tt > 1.2 * pop, (tt, pop)  # the script and notebook measure the full model: see the README
    tt, pop = (evaluate_sampled(m, split, k=10, seed=42)["ndcg@10"] for m in (model, popularity))
    assert tt > pop, (tt, pop)


def test_two_tower_scores_are_inner_products_and_retrieval_agrees(ranking_split, two_tower):
    users, items = two_tower.user_vectors, two_tower.item_vectors
    np.testing.assert_allclose(two_tower.score_items([0, 4]), users[[0, 4]] @ items.T, rtol=1e-5)
    found, _ = retrieve(users[[4]], items, 10, exclude=two_tower.seen[[4]])
    recommended = two_tower.recommend(int(two_tower.user_encoder.inverse([4])[0]), k=10)
    np.testing.assert_array_equal(recommended["item_id"], two_tower.item_encoder.inverse(found[0]))
    dot = VectorScorer(two_tower, users, items, metric="dot")
    assert evaluate_ranking(dot, ranking_split, k=10) == evaluate_ranking(two_tower, ranking_split, k=10)
    cosine = VectorScorer(two_tower, users, items, metric="cosine")
    np.testing.assert_allclose(cosine.score_items([1]), similarity(users[[1]], items, "cosine"))


def test_two_tower_edges(tmp_path, world, ranking_split, two_tower):
    same = TwoTower.load(two_tower.save(tmp_path / "tt.keras"))
    np.testing.assert_array_equal(same.score_items(np.arange(20)), two_tower.score_items(np.arange(20)))
    assert same.item_feature_names == two_tower.item_feature_names
    with pytest.raises(TypeError, match="does not predict ratings"):
        two_tower.predict([1], [1])
    with pytest.raises(ValueError, match="seen in training"):
        two_tower.score_pairs([-1], [0])
    with pytest.raises(ValueError, match="unknown user_id"):
        two_tower.recommend(10**9)
    config = TrainConfig(epochs=1, batch_size=256, seed=5)
    ids_only = TwoTower(8, 8, positive_threshold=4).fit(ranking_split.train, config=config)  # no side tables
    assert ids_only.user_feature_names == [] and ids_only.item_vectors.shape == (ranking_split.num_items, 8)
    again = TwoTower(8, 8, positive_threshold=4).fit(ranking_split.train, config=config)
    np.testing.assert_array_equal(again.item_vectors, ids_only.item_vectors)  # same seed, same model
    loaded = TwoTower.load(ids_only.save(tmp_path / "ids.keras"))
    assert loaded.positive_threshold == 4
    with pytest.raises(ValueError, match="positive_threshold"):
        TwoTower(positive_threshold=9).fit(ranking_split.train, config=config)
