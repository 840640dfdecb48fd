"""IdEncoder: raw ids to dense indices and back, unknown ids named or marked -1."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

from recsys_lab.data.ids import IdEncoder, as_ids


def test_id_encoder_round_trip_and_unknown_ids():
    enc = IdEncoder([30, 10, 20, 10], "user_id")
    np.testing.assert_array_equal(enc.transform([10, 20, 30]), [0, 1, 2])
    np.testing.assert_array_equal(enc.inverse(enc.transform([30, 10])), [30, 10])
    np.testing.assert_array_equal(enc.transform([10, 99], unknown="ignore"), [0, -1])
    with pytest.raises(ValueError, match="unknown user_id 5, 99: not in the training data"):
        enc.transform([99, 10, 5])
    assert IdEncoder([], "x").contains([1]).tolist() == [False]


def test_the_docstring_examples_run():
    from recsys_lab.data import ids

    result = doctest.testmod(ids)
    assert result.attempted == 4 and result.failed == 0  # IdEncoder (3) and as_ids (1)


def test_indices_follow_the_sorted_ids_and_keep_the_input_shape():
    enc = IdEncoder(np.array([7, -3, 1_000_000_000_000, 7]), "item_id")
    assert len(enc) == 3 and repr(enc) == "IdEncoder(item_id: 3 ids)"
    np.testing.assert_array_equal(enc.ids, [-3, 7, 1_000_000_000_000])  # any integers, int64
    assert enc.transform(7).shape == () and int(enc.transform(7)) == 1
    np.testing.assert_array_equal(enc.transform([[7, -3], [1_000_000_000_000, 7]]), [[1, 0], [2, 1]])
    np.testing.assert_array_equal(enc.contains([-4, -3, 8, 2_000_000_000_000]), [False, True, False, False])
    assert enc.transform([], unknown="ignore").shape == (0,)
    np.testing.assert_array_equal(enc.inverse([2, 0]), [1_000_000_000_000, -3])


def test_many_unknown_ids_are_counted_and_the_first_five_named():
    enc = IdEncoder([1, 2], "item_id")
    with pytest.raises(
        ValueError, match=r"unknown item_id 3, 4, 5, 6, 7, \.\.\.: not in the training data \(7 unknown\)"
    ):
        enc.transform([9, 8, 7, 6, 5, 4, 3, 3, 1])
    np.testing.assert_array_equal(IdEncoder([], "x").transform([5], unknown="ignore"), [-1])
    with pytest.raises(ValueError, match="unknown x 5"):
        IdEncoder([], "x").transform([5])


@pytest.mark.parametrize("bad", [[1.7], [np.nan], [np.inf], ["1"], [True], [None]])
def test_ids_that_are_not_whole_numbers_are_refused_not_cast(bad):
    """1.7 used to become id 1 and NaN INT64_MIN (a silent cold-start fallback): fit refuses them, so must these."""
    enc = IdEncoder([1, 2, 3], "user_id")
    with pytest.raises(ValueError, match="user_id must be whole numbers"):
        enc.transform(bad, unknown="ignore")
    with pytest.raises(ValueError, match="user_id must be whole numbers"):
        enc.contains(bad)


def test_whole_numbers_in_any_numeric_dtype_are_ids():
    enc = IdEncoder([1, 2, 3], "user_id")
    np.testing.assert_array_equal(enc.transform([2.0, 3.0]), [1, 2])  # ids with gaps are floats in pandas
    np.testing.assert_array_equal(enc.transform(np.array([1, 3], dtype=np.uint8)), [0, 2])
    np.testing.assert_array_equal(enc.transform(pd.Series([3, 1], dtype=object)), [2, 0])
    np.testing.assert_array_equal(as_ids([]), np.array([], dtype=np.int64))
