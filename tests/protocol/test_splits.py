"""Splits: disjoint, complete, reproducible, and what they promise per user (checked row by row)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab import splits
from recsys_lab.data.synthetic import make_synthetic
from recsys_lab.protocol.splits import Split


def toy(num_users=40, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(1, num_users + 1):
        items = rng.choice(200, size=rng.integers(1, 30), replace=False)
        for i in items:
            rows.append(
                (u, int(i), float(rng.integers(1, 6)), int(rng.integers(0, 50)))
            )  # many equal timestamps
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])


def keys(frame: pd.DataFrame) -> set:
    return set(zip(frame.user_id, frame.item_id, strict=True))


def assert_partition(split: Split, ratings: pd.DataFrame):
    assert not keys(split.train) & keys(split.test)
    assert keys(split.train) | keys(split.test) == keys(ratings)
    assert len(split.train) + len(split.test) == len(ratings)


@pytest.mark.parametrize(
    "make",
    [
        lambda r, s: splits.random_split(r, 0.2, seed=s),
        lambda r, s: splits.random_split(r, 0.25, seed=s, by_user=True),
        lambda r, s: splits.temporal_split(r, last_n=2, seed=s),
        lambda r, s: splits.temporal_split(r, last_fraction=0.3, seed=s),
        lambda r, s: splits.leave_last_out(r, seed=s),
    ],
)
def test_every_split_partitions_and_is_reproducible(make):
    ratings = toy()
    a, b, c = make(ratings, 1), make(ratings, 1), make(ratings, 2)
    assert_partition(a, ratings)
    pd.testing.assert_frame_equal(a.test, b.test)
    assert keys(a.test) != keys(c.test) or len(a.test) == 0


def test_random_split_fraction():
    ratings = toy()
    split = splits.random_split(ratings, 0.2, seed=0)
    assert len(split.test) == round(0.2 * len(ratings))


def test_by_user_keeps_every_user_in_train_with_the_right_share():
    ratings = toy()
    split = splits.random_split(ratings, 0.25, seed=3, by_user=True)
    for user, group in ratings.groupby("user_id"):
        n_test = (split.test.user_id == user).sum()
        assert n_test == min(round(len(group) * 0.25), len(group) - 1)
    assert len(split.cold_users) == 0


def test_temporal_split_holds_out_each_users_latest():
    ratings = toy()
    split = splits.temporal_split(ratings, last_n=3, seed=0)
    for user, group in ratings.groupby("user_id"):
        test = split.test[split.test.user_id == user]
        train = split.train[split.train.user_id == user]
        assert len(test) == min(3, len(group) - 1)
        assert len(train) >= 1
        if len(test):
            assert test.timestamp.min() >= train.timestamp.max()  # nothing from the future in train


def test_leave_last_out_is_one_per_user():
    ratings = toy()
    split = splits.leave_last_out(ratings, seed=0)
    counts = ratings.user_id.value_counts()
    assert set(split.test.user_id) == set(counts[counts > 1].index)
    assert split.test.user_id.is_unique


def test_cold_users_and_items_are_reported_not_dropped():
    train = pd.DataFrame({"user_id": [1, 1, 2], "item_id": [10, 20, 10], "rating": [4.0, 3.0, 5.0]})
    test = pd.DataFrame({"user_id": [1, 3, 2], "item_id": [30, 10, 20], "rating": [2.0, 4.0, 1.0]})
    split = Split(train, test, "hand-made")
    assert split.cold_users.tolist() == [3] and split.cold_items.tolist() == [30]
    assert len(split.test) == 3 and len(split.warm_test()) == 1
    assert "1 user(s) and 1 item(s) never seen in training (2 test ratings" in split.report()
    assert split.matrix().shape == (2, 2) and split.matrix("test").nnz == 1


def test_bad_arguments():
    ratings = toy()
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        splits.random_split(ratings, 1.2, seed=0)
    with pytest.raises(ValueError, match="exactly one of last_n"):
        splits.temporal_split(ratings, seed=0)
    with pytest.raises(ValueError, match="needs a timestamp"):
        splits.temporal_split(ratings.drop(columns="timestamp"), last_n=1, seed=0)
    with pytest.raises(ValueError, match="NaN"):
        splits.random_split(ratings.assign(rating=np.nan), seed=0)


def test_official_folds_match_the_release(ml100k):
    for fold in splits.OFFICIAL_FOLDS:
        split = splits.official_fold(ml100k, fold)
        assert_partition(split, ml100k.ratings)
        if fold.startswith("u") and fold[1].isdigit():
            assert (len(split.train), len(split.test)) == (80_000, 20_000)
        else:
            assert (split.test.user_id.value_counts() == 10).all() and len(split.test) == 9_430
    tests = pd.concat([splits.official_fold(ml100k, f"u{k}").test for k in range(1, 6)])
    assert len(keys(tests)) == 100_000  # u1..u5 test sets are the five disjoint folds


def test_official_folds_are_ml100k_only(dataset):
    from recsys_lab.data.synthetic import make_synthetic

    with pytest.raises(ValueError, match="only for ml-100k.*random_split"):
        splits.official_fold(
            make_synthetic(num_users=50, num_items=60, num_ratings=1_000, poster_size=None, seed=0), "u1"
        )
    with pytest.raises(ValueError, match="unknown fold 'u9'"):
        splits.official_fold(dataset, "u9")


def test_default_splits(dataset):
    rating = splits.rating_split(dataset, seed=0)
    assert rating.name == ("u1" if dataset.name == "ml-100k" else "random 80/20 (seed=0)")
    ranking = splits.ranking_split(dataset, seed=0)
    assert len(ranking.cold_users) == 0
    assert len(ranking.test) / dataset.num_ratings == pytest.approx(0.25, abs=0.01)


def test_cold_user_split():
    ratings = make_synthetic(num_users=50, num_items=40, num_ratings=1000, poster_size=None, seed=0).ratings
    split = splits.cold_user_split(ratings, 0.2, seed=7)
    assert len(split.train) + len(split.test) == len(ratings)
    assert set(split.cold_users) == set(split.test["user_id"]) and len(split.cold_users) == 10
    assert splits.cold_user_split(ratings, 0.2, seed=7).test.equals(split.test)
    with pytest.raises(ValueError, match="strictly between"):
        splits.cold_user_split(ratings, 1.0, seed=0)


@pytest.fixture(scope="module")
def world(cnn_world):
    """§3.2's world (conftest.py), where the cold-item split is first used."""
    return cnn_world


def test_cold_item_split(world):
    split = splits.cold_item_split(world, 0.25, seed=1)
    assert len(split.train) + len(split.test) == world.num_ratings
    assert not set(split.train["item_id"]) & set(split.test["item_id"])  # no rating of a test item in train
    np.testing.assert_array_equal(split.cold_items, np.unique(split.test["item_id"]))
    assert len(split.cold_items) == round(0.25 * world.num_items)
    pd.testing.assert_frame_equal(split.test, splits.cold_item_split(world, 0.25, seed=1).test)
    assert set(split.cold_items) != set(splits.cold_item_split(world, 0.25, seed=2).cold_items)
    with pytest.raises(ValueError, match="strictly between"):
        splits.cold_item_split(world, 1.0, seed=1)


@pytest.mark.parametrize("test_fraction", [0.75, 0.9])
def test_by_user_split_keeps_every_user_a_training_rating_even_at_a_high_test_fraction(test_fraction):
    """At 0.25 the guard never acts (round(n / 4) < n): at 0.75 or 0.9 users with 1-3 ratings need it."""
    ratings = pd.DataFrame(
        {
            "user_id": [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
            "item_id": [1, 1, 2, 1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "rating": [4.0] * 16,
        }
    )
    train, test = splits.random_split(ratings, test_fraction, seed=0, by_user=True)
    assert set(train["user_id"]) == {1, 2, 3, 4}  # nobody loses all their ratings to test
    counts = ratings["user_id"].value_counts()
    expected = np.minimum(np.rint(counts * test_fraction), counts - 1)  # the documented rule, n_u known
    assert test["user_id"].value_counts().reindex(counts.index, fill_value=0).to_dict() == expected.to_dict()
