"""Side features for the two-tower and regression models: missing tables, rows and years; ml-100k's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab.data.features import item_features, user_features


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
