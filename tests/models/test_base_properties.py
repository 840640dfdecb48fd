"""Properties every public Keras model keeps (AutoRec item/user, biased MF, MLP regression, two-tower), on random
small tables: the library's edge (#19), predictions on the rating scale, and save -> load bit for bit.

The models are built as the course builds them (`recipes.build`, its RECIPES), trained for one epoch: these
tests are about the contract, not about accuracy. The baselines keep the same edge promises
(tests/methods/test_recommender_properties.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ..strategies import BAD_IDS, SCALES, bad_frames, ratings_frames

pytest.importorskip("keras")

from recsys_lab import recipes
from recsys_lab.models.base import KerasRecommender

pytestmark = pytest.mark.slow  # each example builds (and most fit) a Keras model

MODELS = ("I-AutoRec", "U-AutoRec", "biased MF", "MLP regression", "two-tower")
RATING_MODELS = ("I-AutoRec", "U-AutoRec", "biased MF", "MLP regression")  # the two-tower only ranks
WITH_VALIDATION = ("I-AutoRec", "U-AutoRec", "biased MF", "MLP regression")  # fit(..., validation=table)
QUICK = {"epochs": 1, "batch_size": 32, "progress": False}


def build(name: str):
    """An unfitted model as the course builds it, and the keyword arguments its fit needs (one quick epoch)."""
    return recipes.build(name, seed=0, quick=QUICK)


def assert_unfitted(model) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        model.recommend(1)


@pytest.mark.parametrize("name", MODELS)
@settings(max_examples=10)
@given(case=bad_frames(max_rows=12))
def test_fit_refuses_a_table_with_one_bad_value_naming_its_column(name, case):
    bad, kind, named = case
    before = bad.copy(deep=True)
    model, fit_args = build(name)
    with pytest.raises(ValueError) as refused:
        model.fit(bad, rating_scale=(1.0, 5.0), **fit_args)
    assert all(column in str(refused.value) for column in named), (kind, str(refused.value))
    pd.testing.assert_frame_equal(bad, before)
    assert_unfitted(model)


@pytest.mark.parametrize("name", WITH_VALIDATION)
@settings(max_examples=10)
@given(case=bad_frames(max_rows=12), good=ratings_frames(min_rows=2, max_rows=12))
def test_fit_refuses_a_validation_table_with_one_bad_value_before_training(name, case, good):
    bad, kind, named = case
    before, good_before = bad.copy(deep=True), good.copy(deep=True)
    model, fit_args = build(name)
    with pytest.raises(ValueError) as refused:
        model.fit(good, rating_scale=(1.0, 5.0), validation=bad, **fit_args)
    message = str(refused.value)
    assert "validation" in message and all(column in message for column in named), (kind, message)
    pd.testing.assert_frame_equal(bad, before)
    pd.testing.assert_frame_equal(good, good_before)
    assert_unfitted(model)


TRAIN = pd.DataFrame(  # 6 users × 5 items, every pair rated: a fixed table for the models the id tests query
    {
        "user_id": np.repeat([3, 10, 11, 40, 41, 99], 5),
        "item_id": np.tile([1, 2, 7, 50, 51], 6),
        "rating": np.random.default_rng(0).integers(1, 6, 30).astype(float),
    }
)


@pytest.fixture(scope="module")
def fitted() -> dict[str, KerasRecommender]:
    models = {}
    for name in MODELS:
        model, fit_args = build(name)
        models[name] = model.fit(TRAIN, rating_scale=(1.0, 5.0), **fit_args)
    return models


@pytest.mark.parametrize("name", MODELS)
@settings(max_examples=10)
@given(bad=BAD_IDS, column=st.sampled_from(["user_id", "item_id"]), position=st.integers(0, 3))
def test_predict_and_recommend_refuse_ids_that_are_no_ids_naming_the_column(
    fitted, name, bad, column, position
):
    model = fitted[name]
    with pytest.raises(ValueError, match="user_id"):
        model.recommend(bad)
    if name not in RATING_MODELS:
        return
    ids = TRAIN[column].drop_duplicates().tolist()[:3]
    ids.insert(position, bad)
    other = TRAIN["item_id" if column == "user_id" else "user_id"].iloc[:1].tolist() * len(ids)
    with pytest.raises(ValueError, match=column):
        model.predict(*((ids, other) if column == "user_id" else (other, ids)))


def all_pairs(frame: pd.DataFrame, cold_user: int, cold_item: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (user, item) pair of the table's ids, plus a user and an item never seen in it."""
    users, items = np.r_[np.unique(frame.user_id), cold_user], np.r_[np.unique(frame.item_id), cold_item]
    return np.repeat(users, len(items)), np.tile(items, len(users))


SCALED_FRAMES = SCALES.flatmap(lambda scale: st.tuples(st.just(scale), ratings_frames(rating_scale=scale)))
# found by this property: biased MF predicts in float32, and 0.7 clipped in float32 is 0.69999999 < 0.7
ONE_RATING_ON_THE_FLOOR = ((0.7, 1.3), pd.DataFrame({"user_id": [0], "item_id": [0], "rating": [0.7]}))


@pytest.mark.parametrize("name", RATING_MODELS)
@settings(max_examples=5)
@given(case=SCALED_FRAMES)
@example(case=ONE_RATING_ON_THE_FLOOR)
def test_predictions_lie_in_the_rating_scale(name, case):
    scale, frame = case
    model, fit_args = build(name)
    model.fit(frame, rating_scale=scale, **fit_args)
    user_id, item_id = all_pairs(frame, -(10**13), 10**13)
    pred = np.asarray(
        model.predict(user_id, item_id), np.float64
    )  # compared in float64, as a learner reads it
    assert np.isfinite(pred).all()
    assert (pred >= scale[0]).all() and (pred <= scale[1]).all(), (pred.min(), pred.max(), scale)


@pytest.mark.parametrize("name", MODELS)
@settings(max_examples=3)
@given(frame=ratings_frames(min_rows=2, max_rows=30))
def test_save_then_load_gives_the_same_model_bit_for_bit(name, frame):
    model, fit_args = build(name)
    model.fit(frame, rating_scale=(1.0, 5.0), **fit_args)
    with tempfile.TemporaryDirectory() as folder:
        loaded = KerasRecommender.load(model.save(Path(folder) / "model.keras"))
    assert type(loaded) is type(model) and loaded.rating_scale == model.rating_scale
    users = np.arange(model.num_users)
    np.testing.assert_array_equal(loaded.score_items(users), model.score_items(users))
    first = int(frame.user_id.iloc[0])
    pd.testing.assert_frame_equal(loaded.recommend(first, k=3), model.recommend(first, k=3))
    if name in RATING_MODELS:
        user_id, item_id = all_pairs(frame, -(10**13), 10**13)
        np.testing.assert_array_equal(loaded.predict(user_id, item_id), model.predict(user_id, item_id))
