"""What `Split.matrix`, `Split.warm_test`, `official_fold` and the cold splits' defaults promise (docs/mutation.md).

`official_fold` is checked on ml-100k-shaped files written here (tab-separated, no header), so it is tested
without the real release; every expected value is derived by hand from the tiny tables below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab.data.dataset import DataError, Dataset
from recsys_lab.protocol import splits
from recsys_lab.protocol.splits import Split

COLUMNS = ["user_id", "item_id", "rating", "timestamp"]


def frame(rows) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.astype({"user_id": "int64", "item_id": "int64", "rating": "float32", "timestamp": "int64"})


def tiny_split() -> Split:
    # train: users 1, 2 and items 10, 20; test: a warm pair (1, 20), a cold user 3 and a cold item 30
    train = frame([(1, 10, 4.0, 0), (2, 10, 3.0, 0), (2, 20, 5.0, 0)])
    test = frame([(3, 10, 2.0, 1), (1, 20, 1.0, 1), (2, 30, 4.0, 1)])
    return Split(train, test, "tiny")


def test_matrix_defaults_to_train_and_has_one_row_per_train_user_and_one_column_per_train_item():
    split = tiny_split()
    expected_train = [[4.0, 0.0], [3.0, 5.0]]
    np.testing.assert_array_equal(split.matrix().toarray(), expected_train)
    np.testing.assert_array_equal(split.matrix("train").toarray(), expected_train)


def test_matrix_of_test_keeps_warm_pairs_at_the_train_shape():
    test = tiny_split().matrix("test")
    assert test.shape == (2, 2)  # user 2 and item 10 have no warm test rating: the shape still holds them
    np.testing.assert_array_equal(test.toarray(), [[0.0, 1.0], [0.0, 0.0]])


def test_warm_test_has_the_test_columns_and_a_fresh_index():
    warm = tiny_split().warm_test()
    assert list(warm.columns) == COLUMNS
    assert warm.index.equals(pd.RangeIndex(1))
    assert warm[["user_id", "item_id"]].values.tolist() == [[1, 20]]


def fold_dataset(tmp_path, name="ml-100k", base_rows=None, test_rows=None) -> Dataset:
    base_rows = base_rows or ["1\t10\t4\t881250949", "2\t10\t3\t891717742", "2\t20\t5\t878887116"]
    test_rows = test_rows or ["1\t20\t1\t880606923"]
    (tmp_path / "u1.base").write_text("\n".join(base_rows) + "\n")
    (tmp_path / "u1.test").write_text("\n".join(test_rows) + "\n")
    ratings = frame([(1, 10, 4.0, 0)])
    ds = Dataset.from_frames(ratings, name=name)
    files = {"u1.base": tmp_path / "u1.base", "u1.test": tmp_path / "u1.test"}
    return Dataset(**{**ds.__dict__, "files": files})


def test_official_fold_reads_the_release_files_as_train_and_test(tmp_path):
    split = splits.official_fold(fold_dataset(tmp_path), "u1")
    assert split.name == "u1"
    expected_train = frame([(1, 10, 4.0, 881250949), (2, 10, 3.0, 891717742), (2, 20, 5.0, 878887116)])
    pd.testing.assert_frame_equal(split.train, expected_train)
    pd.testing.assert_frame_equal(split.test, frame([(1, 20, 1.0, 880606923)]))


def test_official_fold_checks_the_files_against_the_rating_scale_and_names_the_file(tmp_path):
    ds = fold_dataset(tmp_path, test_rows=["1\t20\t9\t880606923"])
    with pytest.raises(DataError, match=r"^u1\.test: 1 rating\(s\) lie outside the scale \[1\.0, 5\.0\]"):
        splits.official_fold(ds, "u1")


def test_official_fold_exists_only_for_ml100k_with_its_files(tmp_path):
    message = (
        r"official folds exist only for ml-100k \(this is 'ml-latest-small'\); "
        r"use random_split\(\.\.\., seed=SEED\) or rating_split\(dataset, seed=SEED\)"
    )
    with pytest.raises(ValueError, match=message):
        splits.official_fold(fold_dataset(tmp_path, name="ml-latest-small"), "u1")
    no_files = Dataset.from_frames(frame([(1, 10, 4.0, 0)]), name="ml-100k")
    with pytest.raises(ValueError, match="official folds exist only for ml-100k"):
        splits.official_fold(no_files, "u1")
    with pytest.raises(ValueError, match="official folds are u1, u2, u3, u4, u5, ua, ub"):
        splits.official_fold(fold_dataset(tmp_path), "u9")


def many_ratings() -> pd.DataFrame:
    # 20 users x 10 items, every pair rated once
    rows = [(u, i, 3.0, 0) for u in range(1, 21) for i in range(1, 11)]
    return frame(rows)


def test_cold_item_split_holds_out_a_fifth_of_the_items_by_default():
    split = splits.cold_item_split(many_ratings(), seed=0)
    assert len(split.cold_items) == 2  # round(0.2 * 10)


def test_cold_user_split_holds_out_a_tenth_of_the_users_by_default():
    split = splits.cold_user_split(many_ratings(), seed=0)
    assert len(split.cold_users) == 2  # round(0.1 * 20)


def timed_ratings() -> pd.DataFrame:
    # 4 users x 5 items, timestamps rising with the item, ratings 1..5 (in the default scale)
    rows = [(u, i, float(i), 100 * u + i) for u in range(1, 5) for i in range(1, 6)]
    return frame(rows)


def test_a_dataset_is_checked_against_its_own_rating_scale():
    ds = Dataset.from_frames(frame([(1, 10, 4.0, 0), (2, 10, 3.0, 0)]), name="tiny")
    out_of_scale = Dataset(**{**ds.__dict__, "ratings": frame([(1, 10, 4.0, 0), (2, 10, 7.0, 0)])})
    for split_of in (
        lambda data: splits.random_split(data, seed=0),
        lambda data: splits.temporal_split(data, last_n=1, seed=0),
        lambda data: splits.cold_item_split(data, seed=0),
    ):
        with pytest.raises(DataError, match=r"1 rating\(s\) lie outside the scale \[1\.0, 5\.0\]"):
            split_of(out_of_scale)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_fractions_must_lie_strictly_between_0_and_1(fraction):
    ratings = timed_ratings()
    with pytest.raises(ValueError, match=f"test_fraction must lie strictly between 0 and 1; got {fraction}"):
        splits.random_split(ratings, fraction, seed=0)
    with pytest.raises(ValueError, match=f"last_fraction must lie strictly between 0 and 1; got {fraction}"):
        splits.temporal_split(ratings, last_fraction=fraction, seed=0)
    for cold in (splits.cold_item_split, splits.cold_user_split):
        with pytest.raises(
            ValueError, match=f"test_fraction must lie strictly between 0 and 1; got {fraction}"
        ):
            cold(ratings, fraction, seed=0)


def test_each_split_is_named_for_reports_and_tables():
    ratings = timed_ratings()
    assert splits.random_split(ratings, 0.2, seed=3).name == "random 80/20 (seed=3)"
    assert splits.random_split(ratings, 0.25, seed=3, by_user=True).name == "random 75/25 by user (seed=3)"
    assert splits.temporal_split(ratings, last_n=2, seed=3).name == "temporal last 2 per user (seed=3)"
    assert (
        splits.temporal_split(ratings, last_fraction=0.4, seed=3).name
        == "temporal last 40% per user (seed=3)"
    )
    assert splits.leave_last_out(ratings, seed=3).name == "leave-last-one-out (seed=3)"
    assert splits.cold_item_split(ratings, 0.4, seed=3).name == "cold items 40% (seed=3)"
    assert splits.cold_user_split(ratings, 0.5, seed=3).name == "cold users 50% (seed=3)"
    # shares whose percentage is not a round number of hundredths of 101 (0.6 -> 60, never 61)
    assert splits.random_split(ratings, 0.6, seed=3).name == "random 40/60 (seed=3)"
    assert (
        splits.temporal_split(ratings, last_fraction=0.6, seed=3).name
        == "temporal last 60% per user (seed=3)"
    )
    assert splits.cold_item_split(ratings, 0.6, seed=3).name == "cold items 60% (seed=3)"


def test_train_and_test_have_the_rating_columns_and_a_fresh_index():
    ratings = timed_ratings()
    for split in (
        splits.random_split(ratings, 0.4, seed=1),
        splits.random_split(ratings, 0.4, seed=1, by_user=True),
        splits.temporal_split(ratings, last_n=2, seed=1),
        splits.temporal_split(ratings, last_fraction=0.4, seed=1),
        splits.cold_item_split(ratings, 0.4, seed=1),
        splits.cold_user_split(ratings, 0.5, seed=1),
    ):
        for part in (split.train, split.test):
            assert list(part.columns) == COLUMNS, split.name
            assert part.index.equals(pd.RangeIndex(len(part))), split.name


def test_temporal_split_holds_out_each_users_latest_ratings():
    split = splits.temporal_split(timed_ratings(), last_fraction=0.4, seed=0)  # round(0.4 * 5) = 2 per user
    assert sorted(split.test.itertuples(index=False, name=None)) == [
        (u, i, float(i), 100 * u + i) for u in range(1, 5) for i in (4, 5)
    ]


def test_rating_split_is_the_official_u1_fold_on_ml100k(tmp_path):
    split = splits.rating_split(fold_dataset(tmp_path), seed=0)
    assert split.name == "u1"
    assert split.test[["user_id", "item_id"]].values.tolist() == [[1, 20]]


def test_rating_split_is_random_80_20_elsewhere_and_follows_the_seed(tmp_path):
    ratings = timed_ratings()
    files = fold_dataset(tmp_path).files  # fold files beside a dataset that is not ml-100k are not used
    ds = Dataset(**{**Dataset.from_frames(ratings, name="ml-latest-small").__dict__, "files": files})
    split = splits.rating_split(ds, seed=5)
    assert split.name == "random 80/20 (seed=5)"
    assert (len(split.train), len(split.test)) == (16, 4)
    pd.testing.assert_frame_equal(split.test, splits.random_split(ratings, 0.2, seed=5).test)
    assert not split.test.equals(splits.rating_split(ds, seed=6).test)


def test_ranking_split_is_75_25_by_user_and_follows_the_seed():
    ds = Dataset.from_frames(timed_ratings(), name="tiny")
    split = splits.ranking_split(ds, seed=5)
    assert split.name == "random 75/25 by user (seed=5)"
    assert split.test.groupby("user_id").size().to_dict() == {1: 1, 2: 1, 3: 1, 4: 1}  # rint(0.25 * 5) = 1
    pd.testing.assert_frame_equal(split.test, splits.random_split(ds, 0.25, seed=5, by_user=True).test)
    assert not split.test.equals(splits.ranking_split(ds, seed=6).test)


def test_temporal_split_says_what_to_give_when_its_arguments_are_wrong():
    ratings = timed_ratings()
    exactly_one = r"^give exactly one of last_n \(e\.g\. 1\) or last_fraction \(e\.g\. 0\.2\)$"
    with pytest.raises(ValueError, match=exactly_one):
        splits.temporal_split(ratings, seed=0)
    with pytest.raises(ValueError, match=exactly_one):
        splits.temporal_split(ratings, last_n=1, last_fraction=0.2, seed=0)
    with pytest.raises(ValueError, match=r"^last_n must be at least 1; got 0$"):
        splits.temporal_split(ratings, last_n=0, seed=0)
    no_time = ratings.drop(columns="timestamp")
    with pytest.raises(
        ValueError, match=r"^a temporal split needs a timestamp column; use random_split instead$"
    ):
        splits.temporal_split(no_time, last_n=1, seed=0)


def test_a_splits_encoders_name_the_column_of_an_unknown_id():
    split = tiny_split()
    with pytest.raises(ValueError, match=r"unknown user_id 99: not in the training data"):
        split.user_encoder.transform([99])
    with pytest.raises(ValueError, match=r"unknown item_id 99: not in the training data"):
        split.item_encoder.transform([99])
