"""Properties of every split (protocol/splits.py) on random small tables: what each docstring promises, row by row.

The reference is the input itself: each rating lands in exactly one part, per-user counts are recounted from
the parts, and the expected numbers come from the docstrings, not from the code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recsys_lab import splits
from recsys_lab.data.dataset import Dataset

from ..strategies import ratings_frames

FRACTIONS = st.one_of(st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 0.75, 0.9]), st.floats(0.01, 0.99))
SEEDS = st.integers(0, 2**32 - 1)

# every split of a ratings table, by name: (data, fraction, seed) -> Split
SPLITS = {
    "random": lambda data, f, seed: splits.random_split(data, f, seed=seed),
    "random by user": lambda data, f, seed: splits.random_split(data, f, seed=seed, by_user=True),
    "temporal last_n": lambda data, f, seed: splits.temporal_split(data, last_n=1 + round(4 * f), seed=seed),
    "temporal last_fraction": lambda data, f, seed: splits.temporal_split(data, last_fraction=f, seed=seed),
    "leave last out": lambda data, f, seed: splits.leave_last_out(data, seed=seed),
    "cold items": lambda data, f, seed: splits.cold_item_split(data, f, seed=seed),
    "cold users": lambda data, f, seed: splits.cold_user_split(data, f, seed=seed),
    "rating split": lambda data, f, seed: splits.rating_split(Dataset.from_frames(data), seed=seed),
    "ranking split": lambda data, f, seed: splits.ranking_split(Dataset.from_frames(data), seed=seed),
}
BY_USER = ("random by user", "temporal last_n", "temporal last_fraction", "leave last out", "ranking split")


def rows(frame: pd.DataFrame) -> list[tuple]:
    """The rows of a ratings table as sorted tuples (a multiset: a duplicate would show twice).

    Ratings are compared as float32, the kit's dtype for them (data/dataset.py).
    """
    frame = frame.astype({"user_id": np.int64, "item_id": np.int64, "rating": np.float32})
    return sorted(zip(frame.user_id, frame.item_id, frame.rating.astype(float), frame.timestamp, strict=True))


def per_user(frame: pd.DataFrame) -> dict[int, int]:
    return frame["user_id"].value_counts().to_dict()


@pytest.mark.parametrize("name", SPLITS)
@given(data=ratings_frames(), fraction=FRACTIONS, seed=SEEDS)
def test_every_split_partitions_the_ratings_without_a_shared_pair_reproducibly(name, data, fraction, seed):
    before = data.copy()
    split = SPLITS[name](data, fraction, seed)
    pd.testing.assert_frame_equal(data, before)  # "not modified"
    again = SPLITS[name](data, fraction, seed)  # the same seed gives the same split
    pd.testing.assert_frame_equal(split.train, again.train)
    pd.testing.assert_frame_equal(split.test, again.test)
    # each input row is in train or in test, once: none lost, none duplicated, none altered
    assert rows(pd.concat([split.train, split.test])) == rows(data)
    train_pairs = set(zip(split.train.user_id, split.train.item_id, strict=True))
    test_pairs = set(zip(split.test.user_id, split.test.item_id, strict=True))
    assert not train_pairs & test_pairs
    # the encoders know train's ids, and only those
    np.testing.assert_array_equal(split.user_encoder.ids, np.unique(split.train.user_id))
    np.testing.assert_array_equal(split.item_encoder.ids, np.unique(split.train.item_id))
    # cold-start ids are reported: exactly the test ids that train lacks
    assert set(split.cold_users) == set(split.test.user_id) - set(split.train.user_id)
    assert set(split.cold_items) == set(split.test.item_id) - set(split.train.item_id)


@pytest.mark.parametrize("name", BY_USER)
@given(data=ratings_frames(), fraction=FRACTIONS, seed=SEEDS)
def test_by_user_splits_keep_every_user_in_train(name, data, fraction, seed):
    split = SPLITS[name](data, fraction, seed)
    train = per_user(split.train)
    assert set(train) == set(data.user_id)  # each user keeps >= 1 training rating
    assert len(split.cold_users) == 0


@given(data=ratings_frames(), fraction=FRACTIONS, seed=SEEDS)
def test_random_split_holds_out_the_fraction_of_the_ratings(data, fraction, seed):
    split = splits.random_split(data, fraction, seed=seed)
    assert len(split.test) == round(fraction * len(data))


@given(data=ratings_frames(), fraction=FRACTIONS, seed=SEEDS)
def test_random_split_by_user_holds_out_each_users_share(data, fraction, seed):
    split = splits.random_split(data, fraction, seed=seed, by_user=True)
    train, test = per_user(split.train), per_user(split.test)
    for user, n in per_user(data).items():
        kept = train[user]
        assert kept + test.get(user, 0) == n
        assert kept == max(n - round(fraction * n), 1)  # round(f n) to test, half to even; one kept at least


def test_random_split_by_user_puts_the_documented_count_in_test():
    # round(f n) to test, half to even, at least one kept in train: n=5, f=0.3 gives round(1.5) = 2 in test
    for n, fraction, in_test in (
        (5, 0.3, 2),
        (5, 0.5, 2),
        (7, 0.5, 4),
        (3, 0.9, 2),
        (1, 0.5, 0),
        (10, 0.25, 2),
    ):
        data = pd.DataFrame({"user_id": [1] * n, "item_id": range(n), "rating": [3.0] * n})
        split = splits.random_split(data, fraction, seed=0, by_user=True)
        assert (len(split.test), len(split.train)) == (in_test, n - in_test), (n, fraction)


@given(data=ratings_frames(), fraction=FRACTIONS, seed=SEEDS, last_n=st.integers(1, 6))
def test_temporal_split_never_trains_on_a_rating_later_than_a_test_one(data, fraction, seed, last_n):
    for split in (
        splits.temporal_split(data, last_n=last_n, seed=seed),
        splits.temporal_split(data, last_fraction=fraction, seed=seed),
        splits.leave_last_out(data, seed=seed),
    ):
        latest_train = split.train.groupby("user_id")["timestamp"].max()
        earliest_test = split.test.groupby("user_id")["timestamp"].min()
        assert (latest_train[earliest_test.index] <= earliest_test).all()


@given(data=ratings_frames(), fraction=FRACTIONS, seed=SEEDS, last_n=st.integers(1, 6))
def test_temporal_split_holds_out_the_last_n_or_the_last_fraction_of_each_user(data, fraction, seed, last_n):
    by_n = per_user(splits.temporal_split(data, last_n=last_n, seed=seed).test)
    by_fraction = per_user(splits.temporal_split(data, last_fraction=fraction, seed=seed).test)
    last_one = per_user(splits.leave_last_out(data, seed=seed).test)
    for user, n in per_user(data).items():
        assert by_n.get(user, 0) == min(last_n, n - 1)
        assert last_one.get(user, 0) == min(1, n - 1)
        held = by_fraction.get(user, 0)
        assert held == n - 1 or abs(held - fraction * n) <= 0.5 + 1e-9


@pytest.mark.parametrize("kind", ["item", "user"])
@given(data=ratings_frames(), fraction=FRACTIONS, seed=SEEDS)
def test_cold_splits_hold_out_whole_items_or_users(kind, data, fraction, seed):
    make = splits.cold_item_split if kind == "item" else splits.cold_user_split
    split = make(data, fraction, seed=seed)
    column = f"{kind}_id"
    held_out = set(split.test[column])
    assert not held_out & set(split.train[column])  # no rating of a held-out id is in train
    assert len(held_out) == round(fraction * data[column].nunique())
    cold = split.cold_items if kind == "item" else split.cold_users
    assert set(cold) == held_out
