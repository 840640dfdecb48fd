"""Properties of the models without deep learning (baselines, EASE) at the library's edge (#19), on random tables.

A valid small table with ONE bad value (NaN, infinite or off-scale rating; a non-integral, NaN, infinite or
string id; a repeated pair; a missing column) must be refused by `fit` with a ValueError that names the column,
before anything changes: the table is not modified and the model stays as it was. Ids that are no ids are
refused by `predict` and `recommend` the same way. The Keras models keep the same promises
(tests/models/test_base_properties.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from recsys_lab.methods.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.methods.ease import EASE

from ..strategies import BAD_IDS, SCALES, bad_frames, ratings_frames

MODELS = {
    "global mean": GlobalMean,
    "popularity": Popularity,
    "user+item bias": BiasBaseline,
    "EASE": lambda: EASE(l2=10.0),
}
RATING_MODELS = ("global mean", "popularity", "user+item bias")  # EASE only ranks: its predict raises


def assert_unfitted(model) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        model.recommend(1)


@pytest.mark.parametrize("name", MODELS)
@given(case=bad_frames(), with_scale=st.booleans())
def test_fit_refuses_a_table_with_one_bad_value_naming_its_column(name, case, with_scale):
    bad, kind, named = case
    before = bad.copy(deep=True)
    model = MODELS[name]()
    with pytest.raises(
        ValueError
    ) as refused:  # with or without a scale (NaN and infinity are off every scale)
        model.fit(bad, rating_scale=(1.0, 5.0) if with_scale or kind == "rating off the scale" else None)
    for column in named:
        assert column in str(refused.value), (kind, str(refused.value))
    pd.testing.assert_frame_equal(bad, before)  # the caller's table is not modified
    assert_unfitted(model)


@pytest.mark.parametrize("name", MODELS)
@given(case=bad_frames(), good=ratings_frames(min_rows=2))
def test_a_refused_fit_leaves_a_fitted_model_as_it_was(name, case, good):
    model = MODELS[name]().fit(good, rating_scale=(1.0, 5.0))
    users, items = good["user_id"].to_numpy(), good["item_id"].to_numpy()
    scores = model.score_items(model.user_encoder.transform(users))
    with pytest.raises(ValueError):
        model.fit(case[0], rating_scale=(1.0, 5.0))
    np.testing.assert_array_equal(model.score_items(model.user_encoder.transform(users)), scores)
    np.testing.assert_array_equal(model.item_encoder.inverse(np.arange(model.num_items)), np.unique(items))


@st.composite
def bad_id_queries(draw):
    """(a valid table, ids with one bad id at a random position, which column holds it)."""
    frame = draw(ratings_frames(min_rows=2))
    column = draw(st.sampled_from(["user_id", "item_id"]))
    ids = draw(st.lists(st.sampled_from(frame[column].tolist()), min_size=1, max_size=5))
    bad = draw(BAD_IDS)
    ids.insert(draw(st.integers(0, len(ids))), bad)
    return frame, column, ids, bad


def assert_names_the_bad_id(error: Exception, column: str, bad) -> None:
    message = str(error)
    assert column in message, message
    # the message shows the value to look for ("1" among ints cannot be told apart: numpy makes them all strings)
    if bad in ("x", "", 1.5, -0.5):
        assert repr(bad) in message, message


@pytest.mark.parametrize("name", RATING_MODELS)
@given(query=bad_id_queries())
# found by this property: a string among integer ids was reported as the first id ("got '0'"), not as 'x'
@example(
    query=(
        pd.DataFrame({"user_id": [0, 0], "item_id": [0, 1], "rating": [1.0, 1.0]}),
        "user_id",
        [0, "x"],
        "x",
    )
)
def test_predict_refuses_ids_that_are_no_ids_naming_the_column(name, query):
    frame, column, ids, bad = query
    model = MODELS[name]().fit(frame)
    other = "item_id" if column == "user_id" else "user_id"
    pairs = {column: ids, other: [frame[other].iloc[0]] * len(ids)}
    with pytest.raises(ValueError) as refused:
        model.predict(pairs["user_id"], pairs["item_id"])
    assert_names_the_bad_id(refused.value, column, bad)


@pytest.mark.parametrize("name", MODELS)
@given(frame=ratings_frames(min_rows=2), bad=BAD_IDS)
def test_recommend_refuses_a_user_id_that_is_no_id(name, frame, bad):
    model = MODELS[name]().fit(frame)
    with pytest.raises(ValueError) as refused:
        model.recommend(bad)
    assert_names_the_bad_id(refused.value, "user_id", bad)


@pytest.mark.parametrize("name", RATING_MODELS)
@given(case=SCALES.flatmap(lambda scale: st.tuples(st.just(scale), ratings_frames(rating_scale=scale))))
def test_predictions_lie_in_the_rating_scale(name, case):
    scale, frame = case
    model = MODELS[name]().fit(frame, rating_scale=scale)
    # every pair of known ids, and ids never seen in training (cold-start pairs get the fallback)
    users, items = np.r_[np.unique(frame.user_id), -(10**13)], np.r_[np.unique(frame.item_id), 10**13]
    user_id, item_id = np.repeat(users, len(items)), np.tile(items, len(users))
    pred = np.asarray(model.predict(user_id, item_id), np.float64)
    assert pred.shape == user_id.shape
    assert np.isfinite(pred).all()
    assert (pred >= scale[0]).all() and (pred <= scale[1]).all(), (pred.min(), pred.max(), scale)
