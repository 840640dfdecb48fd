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
