"""§3.3 inner-product similarity: retrieval against brute-force numpy, biased MF, two-tower, features, figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import scipy.sparse as sp

from recsys_lab import splits
from recsys_lab.baselines import BiasBaseline, Popularity
from recsys_lab.evaluation import evaluate_ranking, evaluate_ratings, evaluate_sampled
from recsys_lab.features import item_features, user_features
from recsys_lab.retrieval import (
    AnnIndex,
    VectorScorer,
    normalize,
    recall_at_k,
    retrieve,
    similar_items,
    similarity,
)
from recsys_lab.synthetic import make_synthetic


def brute_force(users, items, k, exclude=None, metric="dot"):
    """The definition: sort every item by (-score, item_index), drop the excluded ones, keep k (pad with -1)."""
    users, items = np.asarray(users, np.float64), np.asarray(items, np.float64)
    if metric == "cosine":
        users = users / np.linalg.norm(users, axis=1, keepdims=True)
        items = items / np.linalg.norm(items, axis=1, keepdims=True)
    scores = users @ items.T
    mask = np.zeros(scores.shape, bool) if exclude is None else np.asarray(exclude)
    result = np.full((len(users), k), -1)
    for u in range(len(users)):
        order = [i for i in np.lexsort((np.arange(len(items)), -scores[u])) if not mask[u, i]][:k]
        result[u, : len(order)] = order
    return result, scores


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    users, items = rng.normal(size=(40, 8)), rng.normal(size=(300, 8)) * rng.lognormal(0, 0.5, (300, 1))
    return users, items, rng.random((40, 300)) < 0.2


@pytest.mark.parametrize("metric", ["dot", "cosine"])
@pytest.mark.parametrize("k", [1, 10, 300])
def test_retrieve_equals_brute_force(vectors, metric, k):
    users, items, seen = vectors
    for exclude in (None, seen, sp.csr_matrix(seen)):
        dense = None if exclude is None else seen
        expected, scores = brute_force(users, items, k, dense, metric)
        found, found_scores = retrieve(users, items, k, exclude=exclude, metric=metric, batch_size=7)
        np.testing.assert_array_equal(found, expected)
        valid = found >= 0
        np.testing.assert_allclose(
            found_scores[valid], np.take_along_axis(scores, np.maximum(found, 0), 1)[valid]
        )
        assert np.all(found_scores[~valid] == -np.inf)


def test_ties_go_to_the_lower_index_whatever_the_batch():
    users = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    items = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # many exact ties
    expected, _ = brute_force(users, items, 4)
    for batch_size in (1, 2, None):
        np.testing.assert_array_equal(retrieve(users, items, 4, batch_size=batch_size)[0], expected)
    np.testing.assert_array_equal(expected[0], [0, 2, 4, 1])


def test_seen_items_never_come_back_and_short_rows_are_padded(vectors):
    users, items, seen = vectors
    found, _ = retrieve(users, items, 50, exclude=seen)
    rows = np.repeat(np.arange(len(users))[:, None], 50, axis=1)
    assert not seen[rows, found].any()
    only_two = np.ones((1, 300), bool)
    only_two[0, [5, 9]] = False
    found, scores = retrieve(users[:1], items, 4, exclude=only_two)
    assert sorted(found[0, :2]) == [5, 9] and list(found[0, 2:]) == [-1, -1]
    assert np.isneginf(scores[0, 2:]).all()


def test_all_users_at_once_equals_one_user_at_a_time(vectors):
    users, items, seen = vectors
    exclude = sp.csr_matrix(seen)
    together, together_scores = retrieve(users, items, 10, exclude=exclude)
    for u in range(len(users)):
        alone, alone_scores = retrieve(users[[u]], items, 10, exclude=exclude[[u]])
        np.testing.assert_array_equal(alone[0], together[u])
        np.testing.assert_allclose(alone_scores[0], together_scores[u])


def test_cosine_ignores_length_dot_does_not():
    users = np.array([[1.0, 0.1]])
    items = np.array([[0.5, 0.5], [10.0, 9.0], [1.0, 0.0]])
    assert retrieve(users, items, 1)[0][0, 0] == 1  # the long vector wins the inner product
    assert retrieve(users, items, 1, metric="cosine")[0][0, 0] == 2  # the best direction wins cosine
    rescaled = items * np.array([[3.0], [0.01], [7.0]])  # any positive lengths: cosine does not move
    np.testing.assert_array_equal(
        retrieve(users, rescaled, 3, metric="cosine")[0], retrieve(users, items, 3, metric="cosine")[0]
    )
    np.testing.assert_allclose(similarity(users, items, "cosine"), normalize(users) @ normalize(items).T)
    np.testing.assert_allclose(np.abs(similarity(items, items, "cosine")).max(), 1.0)


def test_bad_input_is_named():
    users, items = np.ones((2, 16)), np.ones((5, 64))
    with pytest.raises(ValueError, match="16 dimensions but item vectors have 64"):
        retrieve(users, items, 3)
    with pytest.raises(ValueError, match="k=6 is out of range"):
        retrieve(np.ones((2, 4)), np.ones((5, 4)), 6)
    with pytest.raises(ValueError, match="metric must be one of"):
        retrieve(np.ones((2, 4)), np.ones((5, 4)), 2, metric="euclid")
    with pytest.raises(ValueError, match="NaN"):
        retrieve(np.full((2, 4), np.nan), np.ones((5, 4)), 2)
    with pytest.raises(ValueError, match="exclude has shape"):
        retrieve(np.ones((2, 4)), np.ones((5, 4)), 2, exclude=np.zeros((3, 5), bool))
    with pytest.raises(ValueError, match="item_index 9"):
        similar_items(np.ones((5, 4)), 9)


def test_similar_items_leaves_the_item_out(vectors):
    _, items, _ = vectors
    found, scores = similar_items(items, 3, k=5)
    assert 3 not in found and np.all(np.diff(scores) <= 0)
    expected, _ = brute_force(items[[3]], items, 6, metric="cosine")
    np.testing.assert_array_equal(found, [i for i in expected[0] if i != 3][:5])


def test_recall_at_k():
    assert recall_at_k(np.array([[1, 2, 3]]), np.array([[3, 2, 1]])) == 1.0
    assert recall_at_k(np.array([[1, -1]]), np.array([[1, 4]])) == 0.5
    assert recall_at_k(np.array([[7, 8], [1, 2]]), np.array([[1, 2], [-1, -1]])) == 0.0  # padded row skipped
    with pytest.raises(ValueError, match="one row per query"):
        recall_at_k(np.zeros((2, 3)), np.zeros((3, 3)))


@pytest.mark.parametrize("metric", ["dot", "cosine"])
def test_ann_index_recalls_the_exact_top_k(vectors, metric):
    pytest.importorskip("faiss")
    users, items, seen = vectors
    exact, _ = retrieve(users, items, 10, exclude=seen, metric=metric)
    approx, scores = AnnIndex(items, metric=metric).search(users, 10, exclude=seen, ef_search=128)
    assert recall_at_k(approx, exact) >= 0.9
    rows = np.repeat(np.arange(len(users))[:, None], 10, axis=1)
    assert not seen[rows, approx].any()
    assert np.all(np.diff(scores, axis=1) <= 1e-5)  # best first


def test_ann_without_faiss_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_faiss(name, *args, **kwargs):
        if name == "faiss":
            raise ImportError("no faiss here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_faiss)
    with pytest.raises(ImportError, match="pip install faiss-cpu"):
        AnnIndex(np.ones((5, 4)))


# --- side features ------------------------------------------------------------------------------------------


def test_features_handle_missing_tables_rows_and_years():
    users = pd.DataFrame(
        {"user_id": [1, 2, 3], "age": [20, 30, 40], "gender": pd.Categorical(["M", "F", "M"])}
    )
    table, names = user_features(users, np.array([3, 1, 42]))
    assert names == ["age", "gender=F", "gender=M"]
    np.testing.assert_allclose(table[:, 0], [1.0, -1.0, 0.0])  # standardised; unknown user 42 is all zeros
    np.testing.assert_array_equal(table[:, 1:], [[0, 1], [0, 1], [0, 0]])
    assert user_features(None, np.array([1, 2]))[0].shape == (2, 0)
    items = pd.DataFrame(
        {"item_id": [10, 11], "genres": [["Drama"], []], "year": pd.array([1990, pd.NA], dtype="Int64")}
    )
    table, names = item_features(items, np.array([11, 10, 12]))
    assert names == ["genre=Drama", "year", "year unknown"]
    np.testing.assert_array_equal(table[:, 0], [0, 1, 0])
    np.testing.assert_array_equal(table[:, 2], [1, 0, 1])  # unknown year flagged, unknown item too
    assert not np.isnan(table).any()


@pytest.mark.real_data
def test_features_of_ml100k(ml100k):
    table, names = user_features(ml100k.users, np.unique(ml100k.ratings["user_id"]))
    assert table.shape == (943, 1 + 2 + 21) and names[0] == "age"
    table, names = item_features(ml100k.items, np.unique(ml100k.ratings["item_id"]))
    assert table.shape == (1682, len(ml100k.genres) + 2)
    assert table[:, names.index("year unknown")].sum() == 1  # ml-100k has one movie without a date


# --- models -------------------------------------------------------------------------------------------------

keras = pytest.importorskip("keras")
from recsys_lab.models.base import TrainConfig  # noqa: E402
from recsys_lab.models.mf import BiasedMF  # noqa: E402
from recsys_lab.models.two_tower import TwoTower  # noqa: E402


@pytest.fixture(scope="module")
def world():
    return make_synthetic(num_users=300, num_items=400, num_ratings=24_000, poster_size=None, seed=3)


@pytest.fixture(scope="module")
def world_split(world):
    return splits.random_split(world, 0.2, seed=0)


@pytest.fixture(scope="module")
def mf(world, world_split):
    config = TrainConfig(epochs=12, batch_size=1024, learning_rate=1e-2, seed=7)
    return BiasedMF(embedding_dim=16, l2=0.05).fit(
        world_split.train, rating_scale=world.rating_scale, config=config
    )


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


@pytest.fixture(scope="module")
def ranking_split(world):
    return splits.ranking_split(world, seed=0)


@pytest.fixture(scope="module")
def two_tower(world, ranking_split):
    config = TrainConfig(epochs=6, batch_size=512, learning_rate=5e-3, seed=5)
    return TwoTower(16, 16).fit(ranking_split.train, users=world.users, items=world.items, config=config)


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


# --- figures and explorers ----------------------------------------------------------------------------------


def test_embedding_figures(world, two_tower):
    from recsys_lab import viz_embeddings as ve

    vectors = two_tower.item_vectors
    coords, share = ve.pca_2d(vectors)
    centred = vectors - vectors.mean(axis=0)
    eigenvalues = np.sort(np.linalg.eigvalsh(np.cov(centred.T, bias=True)))[::-1]
    np.testing.assert_allclose(coords.var(axis=0), eigenvalues[:2], rtol=1e-5)
    np.testing.assert_allclose(share, eigenvalues[:2] / eigenvalues.sum(), rtol=1e-5)
    counts = np.asarray(two_tower.seen.sum(axis=0)).ravel()
    assert isinstance(ve.norm_vs_popularity(vectors, counts), go.Figure)
    assert -1 <= ve.norm_popularity_correlation(vectors, counts) <= 1
    genres = world.items.set_index("item_id").loc[two_tower.item_encoder.ids, "genres"]
    labels = ve.specific_genre(list(genres), max_labels=4)
    fig = ve.embedding_map(vectors, labels)
    assert sum(len(t.x) for t in fig.data) == len(vectors) and len({*labels}) <= 5


def test_explorer_tables(world, ranking_split, two_tower, mf):
    from recsys_lab import widgets_embeddings as we

    item_id = int(two_tower.item_encoder.ids[0])
    table = we.similar_movies(two_tower, world.items, item_id, k=5)
    assert len(table) == 5 and item_id not in set(table["item_id"]) and "title" in table
    user_id = int(two_tower.user_encoder.ids[0])
    liked, recommended = we.user_top_k(two_tower, world.items, user_id, 10, train=ranking_split.train,
                                       test=ranking_split.test)  # fmt: skip
    seen = set(ranking_split.train.loc[ranking_split.train.user_id == user_id, "item_id"])
    assert len(recommended) == 10 and not seen & set(recommended["item_id"]) and len(liked) == 5
    assert set(recommended["in test"]) <= {"", "✓"}
    assert we.model_vectors(mf)[1].shape == mf.item_embeddings.shape
    with pytest.raises(ValueError, match="unknown item_id"):
        we.similar_movies(two_tower, world.items, 10**9)
    box = we.similar_movies_explorer(two_tower, world.items, choices=20)
    box.children[1].value = "dot"  # the metric toggle redraws the table without error
    box = we.user_top_k_explorer(two_tower, world.items, train=ranking_split.train)
    box.children[0].children[0].value = int(two_tower.user_encoder.ids[1])
