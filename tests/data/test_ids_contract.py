"""What `as_ids` and `IdEncoder` promise: int64 ids, errors naming the bad value, lookups (docs/mutation.md).

Every expected value here is written out by hand from the tiny id lists below.
"""

from __future__ import annotations

import numpy as np
import pytest

from recsys_lab.data.ids import IdEncoder, as_ids


def test_as_ids_returns_int64_for_whole_floats_and_for_empty_input_of_any_dtype():
    for ids in ([1.0, 2.0], np.array([3.0], np.float32), np.array([], str), np.array([], bool)):
        got = as_ids(ids)
        assert got.dtype == np.int64, ids
    np.testing.assert_array_equal(as_ids([1.0, 2.0]), [1, 2])
    assert as_ids(np.array([], str)).shape == (0,)


@pytest.mark.parametrize(
    ("ids", "shown"),
    [
        ([2.0, 1.7, 2.5], "got 1.7 (float64 values)"),  # the first bad float, as a plain Python float
        (np.array([1, 2], np.float32) / 4, "got 0.25 (float32 values)"),
        (["3", "x"], "got 'x' (<U1 values)"),  # the first string that is no number
        (["3"], "got '3' (<U1 values)"),  # a string of digits is still a string: it is named itself
        (["2", "inf"], "got 'inf' (<U3 values)"),  # a string reading as infinity or NaN is no whole number
        (["nan"], "got 'nan' (<U3 values)"),
        ([True], "got True (bool values)"),
        (np.array([4, "y"], dtype=object), "got 'y' (object values)"),  # a Python str, not a numpy scalar
    ],
)
def test_as_ids_error_names_the_first_bad_value_and_the_dtype(ids, shown):
    with pytest.raises(
        ValueError, match=r"^user_id must be whole numbers \(the ids of the training data\); "
    ) as err:
        as_ids(ids, "user_id")
    assert shown in str(err.value)


def test_the_default_name_is_id():
    with pytest.raises(ValueError, match=r"^id must be whole numbers"):
        as_ids([0.5])
    enc = IdEncoder([1, 2])
    assert repr(enc) == "IdEncoder(id: 2 ids)"
    with pytest.raises(ValueError, match=r"^unknown id 5: not in the training data"):
        enc.transform([5])


def test_the_encoder_refuses_bad_training_ids_under_its_own_name():
    with pytest.raises(ValueError, match=r"^item_id must be whole numbers \(.*\); got 1\.5 \(float64"):
        IdEncoder([1, 1.5], "item_id")


def test_contains_with_a_single_known_id_checks_ids_on_both_sides_of_it():
    enc = IdEncoder([5], "user_id")
    np.testing.assert_array_equal(enc.contains([3, 5, 7]), [False, True, False])
    np.testing.assert_array_equal(enc.transform([7, 5, 3], unknown="ignore"), [-1, 0, -1])


def test_unknown_ids_are_listed_in_full_up_to_five_and_cut_with_dots_beyond():
    enc = IdEncoder([1], "item_id")
    with pytest.raises(
        ValueError, match=r"^unknown item_id 2, 3, 4, 5, 6: not in the training data \(5 unknown\)"
    ):
        enc.transform([6, 5, 4, 3, 2])
    with pytest.raises(
        ValueError, match=r"^unknown item_id 2, 3, 4, 5, 6, \.\.\.: not in the training data \(6 unk"
    ):
        enc.transform([7, 6, 5, 4, 3, 2])


def test_the_unknown_id_error_says_what_to_do():
    with pytest.raises(ValueError) as err:
        IdEncoder([1], "user_id").transform([2])
    assert str(err.value) == (
        "unknown user_id 2: not in the training data (1 unknown); "
        "check the id, or treat it as a cold-start case (see the chapter on fold-in)"
    )


def test_inverse_of_no_indices_is_an_empty_id_array():
    enc = IdEncoder([30, 10], "item_id")
    got = enc.inverse([])
    assert got.shape == (0,) and got.dtype == np.int64
    np.testing.assert_array_equal(enc.inverse(np.array([1.0, 0.0])), [30, 10])  # whole floats index too


@pytest.mark.parametrize("unknown", ["ignroe", "IGNORE", None])
def test_transform_refuses_an_unknown_mode_instead_of_ignoring_silently(unknown):
    encoder = IdEncoder([10, 20], what="item_id")
    with pytest.raises(ValueError, match=r'^unknown must be "error" or "ignore"; got '):
        encoder.transform([10, 30], unknown=unknown)
