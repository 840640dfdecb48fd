"""check_ratings and Dataset: bad input gets a clear error at the edge; good input is normalised, never mutated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab.data.dataset import DataError, Dataset, check_ratings


def ratings(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 3],
            "item_id": [10, 20, 10, 30],
            "rating": [4.0, 3.0, 5.0, 1.0],
            "timestamp": [100, 200, 150, 120],
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_normalises_dtypes_and_order_without_touching_the_input():
    raw = ratings().astype({"user_id": "int32", "rating": "int64"})[
        ["rating", "item_id", "user_id", "timestamp"]
    ]
    raw.index = [7, 8, 9, 10]
    before = raw.copy()
    out = check_ratings(raw, rating_scale=(1, 5))
    pd.testing.assert_frame_equal(raw, before)
    assert list(out.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert [str(t) for t in out.dtypes] == ["int64", "int64", "float32", "int64"]
    assert out.index.equals(pd.RangeIndex(4))


def test_datetime_timestamps_become_seconds():
    out = check_ratings(ratings(timestamp=pd.to_datetime([0, 1, 2, 3], unit="s")))
    assert out.timestamp.tolist() == [0, 1, 2, 3]


def test_nan_rating_is_named():
    with pytest.raises(DataError, match=r"1 rating\(s\) are NaN.*rows 2.*dropna"):
        check_ratings(ratings(rating=[4.0, 3.0, np.nan, 1.0]))


def test_out_of_range_rating_is_named():
    with pytest.raises(DataError, match=r"outside the scale \[1, 5\].*rows 1.*e\.g\. 6\.0"):
        check_ratings(ratings(rating=[4.0, 6.0, 5.0, 1.0]), rating_scale=(1, 5))
    check_ratings(ratings(rating=[4.0, 6.0, 5.0, 1.0]))  # no scale given: no range check


def test_duplicate_pairs_are_named_with_the_fix():
    frame = ratings(item_id=[10, 10, 10, 30])
    with pytest.raises(DataError, match=r"2 rows repeat.*user 1, item 10.*drop_duplicates"):
        check_ratings(frame)


def test_missing_or_misnamed_columns_suggest_the_rename():
    frame = ratings().rename(columns={"user_id": "userId", "item_id": "movieId"})
    with pytest.raises(
        DataError,
        match=r"missing column\(s\) \['user_id', 'item_id'\].*rename\(columns="
        r"\{'userId': 'user_id', 'movieId': 'item_id'\}\)",
    ):
        check_ratings(frame)
    with pytest.raises(DataError, match="expects columns"):
        check_ratings(ratings().drop(columns="rating"))
    with pytest.raises(DataError, match="timestamp"):
        check_ratings(ratings().drop(columns="timestamp"), require_timestamp=True)


def test_infinite_rating_is_named_even_without_a_scale():
    with pytest.raises(DataError, match=r"1 rating\(s\) are infinite \(rows 1\)"):
        check_ratings(ratings(rating=[4.0, np.inf, 3.0, 1.0]))
    with pytest.raises(DataError, match=r"1 rating\(s\) are infinite \(rows 3\)"):
        check_ratings(ratings(rating=[4.0, 2.0, 3.0, -np.inf]))


@pytest.mark.parametrize("bad", [[1.5, 1, 2, 3], [1, None, 2, 3], [np.inf, 1, 2, 3]])
def test_ids_must_be_integers(bad):
    with pytest.raises(DataError, match="missing, infinite or non-integer user_id"):
        check_ratings(ratings(user_id=bad))


@pytest.mark.parametrize("bad", [["a", 1, 2, 3], [1, "7", 2, 3], np.array(["1", "1", "2", "3"])])
def test_ids_written_as_text_are_refused_as_predict_refuses_them(bad):
    # "7" would convert to 7 here, while predict refuses it: one rule at both edges
    with pytest.raises(DataError, match=r"user_id written as text.*astype\('int64'\)"):
        check_ratings(ratings(user_id=bad))
    with pytest.raises(ValueError, match="whole numbers"):
        from recsys_lab.data.ids import as_ids

        as_ids(np.asarray([str(v) for v in bad]), "user_id")


def test_not_a_dataframe():
    with pytest.raises(DataError, match="must be a pandas DataFrame.*got list"):
        check_ratings([[1, 2, 3]])


def test_dataset_from_frames_and_its_numbers():
    ds = Dataset.from_frames(ratings(), rating_scale=(1, 5))
    assert (ds.num_users, ds.num_items, ds.num_ratings) == (3, 3, 4)
    assert ds.density == pytest.approx(4 / 9)
    assert ds.summary()["ratings"] == 4
    assert "4 ratings" in repr(ds)
    with pytest.raises(DataError, match="outside the scale"):
        Dataset.from_frames(ratings(rating=[0.0, 1, 2, 3]), rating_scale=(1, 5))


def test_genre_matrix_follows_item_order():
    items = pd.DataFrame(
        {
            "item_id": [10, 20, 30],
            "title": ["a", "b", "c"],
            "year": [1990, 1991, 1992],
            "genres": [["Drama"], [], ["Comedy", "Drama"]],
        }
    )
    ds = Dataset.from_frames(ratings(), items)
    assert ds.genres == ("Comedy", "Drama")
    np.testing.assert_array_equal(ds.genre_matrix(), [[0, 1], [0, 0], [1, 1]])


def test_favourite_genres_prefers_over_represented_genres():
    import pandas as pd

    from recsys_lab.data.dataset import Dataset, favourite_genres

    items = pd.DataFrame(
        {
            "item_id": [1, 2, 3, 4],
            "title": list("abcd"),
            "year": [2000] * 4,
            "genres": [["Drama"], ["Drama"], ["Drama"], ["Horror"]],
        }
    )
    ratings = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 2, 3],
            "item_id": [1, 2, 4, 1, 3, 1],
            "rating": [5.0, 5.0, 5.0, 5.0, 4.0, 1.0],
        }
    )
    fav = favourite_genres(Dataset.from_frames(ratings, items))
    # overall shares: Drama 5/6, Horror 1/6. User 1 likes 2 dramas + 1 horror: horror share 1/3 > 1/6.
    assert fav.to_dict() == {1: "Horror", 2: "Drama", 3: "none"}
