"""Cold-start scoring in a biased MF's item space, by hand: ItemSpaceScorer, the genre average, the baselines,
the cold-start table and the synthetic world's ceiling.

Most tests use a hand-made "MF" of numpy arrays (no Keras); the genre average is also checked on §3.2's trained
MF. The content models that feed ItemSpaceScorer are tested in models/test_item_cnn.py."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recsys_lab import cold_start, splits
from recsys_lab.data.dataset import Dataset
from recsys_lab.data.ids import IdEncoder
from recsys_lab.data.synthetic import make_synthetic
from recsys_lab.protocol.evaluation import evaluate_ranking, evaluate_rated_ranking, evaluate_ratings
from recsys_lab.protocol.metrics import rated_ndcg
from recsys_lab.protocol.splits import Split


class HandMF(SimpleNamespace):
    """What cold_start reads of a fitted BiasedMF: users 1, 2 and warm items 10, 20, with numbers chosen by hand."""


def hand_mf() -> HandMF:
    return HandMF(
        user_encoder=IdEncoder([1, 2], "user_id"),
        item_encoder=IdEncoder([10, 20], "item_id"),
        user_embeddings=np.array([[1.0, 0.0], [0.0, 2.0]]),  # p_1, p_2
        user_bias=np.array([0.5, -0.5]),
        item_embeddings=np.array([[1.0, 1.0], [2.0, 0.0]]),  # q_10, q_20
        item_bias=np.array([0.1, 0.3]),
        global_mean=3.0,
        rating_scale=(1.0, 5.0),
        embedding_dim=2,
        num_items=2,
        seen=sp.csr_matrix(np.array([[1, 0], [1, 1]], bool)),  # user 1 rated 10; user 2 rated 10 and 20
    )


def hand_dataset() -> Dataset:
    """Items 10 (A), 20 (A, B), 30 (B, A; cold) and 40 (no genre; cold)."""
    ratings = pd.DataFrame(
        {"user_id": [1, 2, 2, 1, 2, 2], "item_id": [10, 10, 20, 30, 30, 40], "rating": [4.0, 2, 3, 5, 3, 4]}
    )
    items = pd.DataFrame(
        {"item_id": [10, 20, 30, 40], "title": list("abcd"), "year": [2000] * 4,
         "genres": [["A"], ["A", "B"], ["B", "A"], []]}
    )  # fmt: skip
    return Dataset.from_frames(ratings, items)


def test_item_space_scorer_by_hand():
    # items given unsorted: 30 (cold) and 20 (warm); the scorer keeps them in sorted-id rows
    scorer = cold_start.ItemSpaceScorer(hand_mf(), [30, 20], [[0.0, 1.0], [2.0, 0.0]], [0.2, 0.3])
    np.testing.assert_array_equal(scorer.item_encoder.ids, [20, 30])
    # μ + b_u + b_i + <p_u, q_i>: (1, 30) = 3 + .5 + .2 + 0; (2, 30) = 3 - .5 + .2 + 2; (2, 20) = 3 - .5 + .3 + 0;
    # (1, 20) = 3 + .5 + .3 + 2 = 5.8, clipped to 5; user 99 is unknown to the MF: μ + b_i = 3.2
    np.testing.assert_allclose(
        scorer.predict([1, 2, 2, 1, 99], [30, 30, 20, 20, 30]), [3.7, 4.7, 2.8, 5.0, 3.2]
    )
    np.testing.assert_allclose(scorer.score_items([0, 1]), [[5.8, 3.7], [2.8, 4.7]])  # unclipped, sorted rows
    np.testing.assert_allclose(scorer.score_pairs([0, 1], [1, 0]), [3.7, 2.8])
    np.testing.assert_array_equal(scorer.seen.toarray(), [[False, False], [True, False]])  # the MF's, of 20
    impersonal = cold_start.ItemSpaceScorer(
        hand_mf(), [30, 20], [[0.0, 1.0], [2.0, 0.0]], [0.2, 0.3], personal=False
    )
    np.testing.assert_allclose(impersonal.predict([1, 2], [30, 30]), [3.2, 3.2])  # μ + b_i for everyone
    assert scorer.predict([[1], [2]], [[30], [30]]).shape == (2, 1)


def test_item_space_scorer_refuses_bad_items():
    mf = hand_mf()
    with pytest.raises(ValueError, match="distinct item_ids"):
        cold_start.ItemSpaceScorer(mf, [30, 30], np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"of shape \(2, 2\); got \(2, 3\)"):
        cold_start.ItemSpaceScorer(mf, [30, 40], np.zeros((2, 3)), np.zeros(2))
    scorer = cold_start.ItemSpaceScorer(mf, [30], np.zeros((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match="unknown item_id 40"):
        scorer.predict([1], [40])


def test_genre_average_of_hand_numbers():
    q, b = cold_start.genre_average(hand_mf(), hand_dataset())
    # genre A over the warm items 10 and 20: q = (1.5, .5), b = .2; genre B over 20 alone: q = (2, 0), b = .3.
    # Item 30 is cold: it gets its genres' means but adds nothing to them. Item 40 has no genre: zeros.
    np.testing.assert_allclose(q, [[1.5, 0.5], [1.75, 0.25], [1.75, 0.25], [0.0, 0.0]])
    np.testing.assert_allclose(b, [0.2, 0.25, 0.25, 0.0])


def test_cold_baselines_score_what_they_say():
    models = cold_start.cold_baselines(hand_mf(), hand_dataset(), [40, 30], seed=0)
    assert list(models) == ["popularity", "user bias", "genre average"]
    users, items = [1, 2, 1, 2], [30, 30, 40, 40]
    np.testing.assert_allclose(models["popularity"].predict(users, items), 3.0, atol=1e-8)  # μ, ties jittered
    np.testing.assert_allclose(models["user bias"].predict(users, items), [3.5, 2.5, 3.5, 2.5], atol=1e-8)
    # genre average: item 30 = (1.75, .25) and b .25; item 40 = zeros. (1, 30) = 3 + .5 + .25 + 1.75, clipped
    np.testing.assert_allclose(models["genre average"].predict(users, items), [5.0, 3.25, 3.5, 2.5])
    again = cold_start.cold_baselines(hand_mf(), hand_dataset(), [40, 30], seed=0)
    np.testing.assert_array_equal(
        again["popularity"].item_bias, models["popularity"].item_bias
    )  # seeded ties
    assert np.ptp(models["popularity"].item_bias) < 1e-8
    # ... but a random order, not a tie: the tie rules of every protocol would give a tie the worst order
    scores = models["popularity"].score_items([0, 1])
    assert all(len(np.unique(row)) == row.size for row in scores)
    orders = {tuple(np.argsort(cold_start.cold_baselines(hand_mf(), hand_dataset(), [40, 30], seed=s)[
        "popularity"].score_items([0])[0])) for s in range(8)}  # fmt: skip
    assert len(orders) == 2  # the seed decides the order


def test_cold_start_table_is_the_evaluation_functions_side_by_side():
    ds = hand_dataset()
    ratings = ds.ratings
    split = Split(ratings[ratings["item_id"] <= 20], ratings[ratings["item_id"] > 20], "cold items 30, 40")
    models = cold_start.cold_baselines(hand_mf(), ds, [30, 40], seed=0)
    table = cold_start.cold_start_table(models, split, k=2)
    assert list(table.index) == list(models)
    assert list(table.columns) == [
        "rmse",
        "ndcg@2 (cold catalogue)",
        "recall@2 (cold catalogue)",
        "ndcg@2 (rated, graded)",
    ]
    # user bias on the test ratings (1, 30, 5), (2, 30, 3), (2, 40, 4): predictions 3.5, 2.5, 2.5
    assert table.loc["user bias", "rmse"] == pytest.approx(np.sqrt((1.5**2 + 0.5**2 + 1.5**2) / 3))
    for name, model in models.items():
        assert table.loc[name, "rmse"] == evaluate_ratings(model, split.test)["rmse"]
        assert table.loc[name, "ndcg@2 (cold catalogue)"] == evaluate_ranking(model, split, k=2)["ndcg@2"]
        assert (
            table.loc[name, "ndcg@2 (rated, graded)"]
            == evaluate_rated_ranking(model, split.test, k=2)["ndcg@2"]
        )
    # both cold items are each user's only candidates: every model recalls all of them in its top 2
    assert (table["recall@2 (cold catalogue)"] == 1.0).all()


def test_planted_ceiling_ranks_by_the_truth():
    with pytest.raises(ValueError, match="has no planted truth: only the synthetic world"):
        cold_start.planted_ceiling(hand_dataset(), Split(hand_dataset().ratings, hand_dataset().ratings, "x"))
    world = make_synthetic(num_users=60, num_items=80, num_ratings=2_000, poster_size=None, seed=2)
    split = splits.cold_item_split(world, 0.25, seed=0)
    ceiling = cold_start.planted_ceiling(world, split, k=5)
    assert set(ceiling) == {"ndcg@5 (cold catalogue)", "ndcg@5 (rated, graded)"}
    test = split.test
    expected = world.truth.expected_rating(test["user_id"], test["item_id"])
    graded = rated_ndcg(test["user_id"], test["rating"], expected, k=5)["ndcg@5"]
    assert ceiling["ndcg@5 (rated, graded)"] == graded  # each user's rated cold items ranked by the truth
    shuffled = np.random.default_rng(0).permutation(expected)
    assert graded > rated_ndcg(test["user_id"], test["rating"], shuffled, k=5)["ndcg@5"]
    assert 0 < ceiling["ndcg@5 (cold catalogue)"] <= 1


# --- on §3.2's trained MF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(cnn_world):
    """This module's world: §3.2's (conftest.py; the one models/test_item_cnn.py uses)."""
    return cnn_world


@pytest.fixture(scope="module")
def mf(cnn_mf):
    """§3.2's teacher MF, fitted on the cold-item split's training ratings (conftest.py)."""
    return cnn_mf


def test_genre_average_by_hand(world, mf):
    q, b = cold_start.genre_average(mf, world)
    genres = world.genre_matrix()
    warm = mf.item_encoder.contains(world.items["item_id"])
    target = np.flatnonzero(genres.sum(axis=1) == 2)[0]  # an item with two genres
    per_genre = []
    for g in np.flatnonzero(genres[target]):
        members = mf.item_encoder.transform(world.items["item_id"][warm & (genres[:, g] == 1)])
        per_genre.append(np.r_[mf.item_embeddings[members].mean(axis=0), mf.item_bias[members].mean()])
    np.testing.assert_allclose(np.r_[q[target], b[target]], np.mean(per_genre, axis=0), rtol=1e-5, atol=1e-7)
