"""What `Dataset.from_frames`, `summary`, `genre_matrix` and `favourite_genres` promise a user (docs/mutation.md).

Every expected value here is derived by hand from the tiny tables below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab.data.dataset import DataError, Dataset, check_ratings, favourite_genres


def ratings(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating"])


def test_from_frames_without_items_lists_each_rated_item_once_with_a_blank_title_year_and_genres():
    ds = Dataset.from_frames(ratings([(1, 30, 4.0), (2, 10, 3.0), (1, 10, 5.0)]))
    assert ds.name == "custom"
    assert list(ds.items.columns) == ["item_id", "title", "year", "genres"]
    assert ds.items["item_id"].tolist() == [10, 30]  # sorted, once each
    assert ds.items["title"].tolist() == ["", ""]
    assert str(ds.items["year"].dtype) == "Int64" and ds.items["year"].isna().all()
    assert ds.items["genres"].tolist() == [[], []]
    assert ds.genres == ()


def test_from_frames_refuses_items_without_an_item_id_and_names_the_columns_it_has():
    items = pd.DataFrame({"movie": [10], "title": ["Heat"]})
    with pytest.raises(DataError, match=r"items needs an item_id column; it has \['movie', 'title'\]"):
        Dataset.from_frames(ratings([(1, 10, 4.0)]), items)


def test_genre_matrix_is_multi_hot_uint8_in_items_order():
    items = pd.DataFrame(
        {"item_id": [20, 10], "title": ["b", "a"], "genres": [["Drama", "Comedy"], ["Drama"]]}
    )
    ds = Dataset.from_frames(ratings([(1, 10, 4.0), (1, 20, 3.0)]), items)
    assert ds.genres == ("Comedy", "Drama")
    matrix = ds.genre_matrix()
    assert matrix.dtype == np.uint8
    np.testing.assert_array_equal(matrix, [[1, 1], [0, 1]])


def test_summary_gives_the_headline_numbers_under_their_names():
    # 3 users x 3 items, 7 ratings: density 7/9 = 0.77777..., mean rating 25/7 = 3.5714...
    rows = [(1, 1, 5.0), (1, 2, 4.0), (1, 3, 3.0), (2, 1, 4.0), (2, 2, 3.0), (3, 1, 5.0), (3, 3, 1.0)]
    ds = Dataset.from_frames(ratings(rows), name="tiny", rating_scale=(1.0, 5.0))
    expected = pd.Series(
        {
            "ratings": 7,
            "users": 3,
            "items": 3,
            "density": 0.7778,
            "rating scale": "1–5",
            "mean rating": 3.571,
            "genres": 0,
            "demographics": False,
            "posters": False,
            "source": "from_frames",
        },
        name="tiny",
    )
    pd.testing.assert_series_equal(ds.summary(), expected)


def test_summary_says_when_demographics_and_posters_are_there():
    ds = Dataset.from_frames(ratings([(1, 10, 4.0)]), users=pd.DataFrame({"user_id": [1], "age": [30]}))
    ds = Dataset(**{**ds.__dict__, "posters": np.zeros((1, 2, 2, 3), np.uint8)})
    summary = ds.summary()
    assert summary["demographics"] is True
    assert summary["posters"] is True


def favourite_world() -> Dataset:
    # user 1 likes the drama at exactly 4.0 (the default threshold) and not the comedy; user 2 the comedy;
    # user 3 likes nothing. Half of all ratings fall on each genre, so a liked genre is over-represented.
    items = pd.DataFrame({"item_id": [10, 20], "title": ["d", "c"], "genres": [["Drama"], ["Comedy"]]})
    rows = [(1, 10, 4.0), (1, 20, 2.0), (2, 20, 5.0), (2, 10, 1.0), (3, 10, 3.0), (3, 20, 3.0)]
    return Dataset.from_frames(ratings(rows), items)


def test_favourite_genre_counts_a_rating_of_exactly_min_rating_as_liked():
    favourite = favourite_genres(favourite_world())
    assert favourite.name == "favourite genre"
    assert favourite.to_dict() == {1: "Drama", 2: "Comedy", 3: "none"}


def test_favourite_genre_is_none_for_users_without_a_liked_item():
    favourite = favourite_genres(favourite_world(), min_rating=4.5)
    assert favourite.to_dict() == {1: "none", 2: "Comedy", 3: "none"}


def test_require_timestamp_accepts_a_table_that_has_one():
    table = pd.DataFrame({"user_id": [1], "item_id": [10], "rating": [4.0], "timestamp": [5]})
    assert check_ratings(table, require_timestamp=True)["timestamp"].tolist() == [5]


def test_a_rating_that_is_not_a_number_is_a_data_error_naming_the_row():
    table = pd.DataFrame({"user_id": [1, 2], "item_id": [10, 10], "rating": [4.0, "four"]})
    with pytest.raises(DataError, match=r"1 rating\(s\) are NaN or not numbers \(rows 1\)"):
        check_ratings(table)


def test_a_missing_or_unreadable_timestamp_is_a_data_error_naming_the_rows():
    table = pd.DataFrame(
        {"user_id": [1, 2, 3], "item_id": [10, 10, 10], "rating": [4.0] * 3, "timestamp": [5, None, "x"]}
    )
    with pytest.raises(DataError, match=r"ratings: 2 timestamp\(s\) are missing \(rows 1, 2\)"):
        check_ratings(table)


def test_from_frames_keeps_the_rating_scale_and_reads_items_without_genres():
    items = pd.DataFrame({"item_id": [10], "title": ["Heat"]})
    ds = Dataset.from_frames(ratings([(1, 10, 0.5)]), items, rating_scale=(0.5, 5.0))
    assert ds.rating_scale == (0.5, 5.0)
    assert ds.genres == ()


def test_an_error_lists_at_most_three_example_rows_and_says_when_there_are_more():
    three = ratings([(1, 10, 9.0), (1, 11, 9.0), (1, 12, 9.0), (1, 13, 4.0)])
    with pytest.raises(DataError, match=r"\(rows 0, 1, 2, e\.g\. 9\.0\)"):
        check_ratings(three, rating_scale=(1, 5))
    four = ratings([(1, 10, 9.0), (1, 11, 9.0), (1, 12, 9.0), (1, 13, 9.0)])
    with pytest.raises(DataError, match=r"\(rows 0, 1, 2, \.\.\., e\.g\. 9\.0\)"):
        check_ratings(four, rating_scale=(1, 5))


def test_an_id_that_is_neither_a_number_nor_text_is_refused_as_a_data_error():
    odd = pd.DataFrame({"user_id": [1, (1, 2)], "item_id": [10, 11], "rating": [4.0, 3.0]})
    with pytest.raises(
        DataError, match=r"1 row\(s\) have a missing, infinite or non-integer user_id \(rows 1\)"
    ):
        check_ratings(odd)


def test_a_missing_timestamp_error_says_what_to_do():
    table = pd.DataFrame(
        {"user_id": [1, 2], "item_id": [10, 10], "rating": [4.0, 3.0], "timestamp": [5, None]}
    )
    message = r"^ratings: 1 timestamp\(s\) are missing \(rows 1\); fill them or drop the timestamp column$"
    with pytest.raises(DataError, match=message):
        check_ratings(table)


def test_a_duplicate_error_names_the_first_repeated_pair_and_how_to_keep_one():
    table = ratings([(1, 10, 4.0), (2, 20, 3.0), (1, 10, 5.0), (2, 20, 1.0)])
    message = (
        r"^ratings: 4 rows repeat a \(user_id, item_id\) pair \(rows 0, 1, 2, \.\.\., e\.g\. user 1, item 10\); "
        r"keep one rating per pair, e\.g\. ratings\.sort_values\('timestamp'\)"
        r"\.drop_duplicates\(\['user_id', 'item_id'\], keep='last'\)$"
    )
    with pytest.raises(DataError, match=message):
        check_ratings(table)
