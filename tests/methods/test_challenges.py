"""Corruption helpers (exact rates, seeded, inputs untouched), the degradation runner, and the planted blob."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lab import splits
from recsys_lab.data.synthetic import make_synthetic
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean
from recsys_lab.methods.challenges import (
    add_rating_noise,
    degradation,
    drop_ratings,
    mass_inside,
    planted_blob,
)
from recsys_lab.protocol.evaluation import evaluate_ratings


def ratings_table(n=1_000, seed=0, half_stars=False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    steps = np.arange(1, 11) / 2 if half_stars else np.arange(1.0, 6.0)
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, 50, n),
            "item_id": np.arange(n) + 1,
            "rating": rng.choice(steps, n).astype(np.float32),
            "timestamp": np.arange(n),
        },
        index=np.arange(n) * 3,  # not a RangeIndex: labels must survive
    )


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.25, 0.5, 0.999])
def test_noise_changes_exactly_the_rate_and_stays_on_the_scale(rate):
    ratings = ratings_table()
    before = ratings.copy()
    noisy = add_rating_noise(ratings, rate, seed=1)
    pd.testing.assert_frame_equal(ratings, before)  # input untouched
    assert noisy is not ratings and list(noisy.index) == list(ratings.index)
    pd.testing.assert_frame_equal(noisy.drop(columns="rating"), ratings.drop(columns="rating"))
    changed = noisy["rating"].to_numpy() != ratings["rating"].to_numpy()
    assert changed.sum() == round(rate * len(ratings))
    assert set(noisy["rating"]) <= set(ratings["rating"]) and noisy["rating"].dtype == np.float32


def test_gaussian_noise_rounds_to_the_scale_and_picks_exactly_the_rate():
    ratings = ratings_table(half_stars=True)
    noisy = add_rating_noise(ratings, 0.3, seed=2, scale=1.0)
    changed = noisy["rating"].to_numpy() != ratings["rating"].to_numpy()
    assert 150 < changed.sum() <= 300  # a small draw can round back to the old value
    assert set(noisy["rating"]) <= set(np.arange(1, 11) / 2)
    big = add_rating_noise(ratings, 0.3, seed=2, scale=0.01)  # the same picked rows, tiny moves: none change
    assert (big["rating"] == ratings["rating"]).all()


def test_same_seed_same_damage_and_lower_rates_are_nested():
    ratings = ratings_table()
    pd.testing.assert_frame_equal(
        add_rating_noise(ratings, 0.2, seed=3), add_rating_noise(ratings, 0.2, seed=3)
    )
    assert not add_rating_noise(ratings, 0.2, seed=3).equals(add_rating_noise(ratings, 0.2, seed=4))
    low, high = add_rating_noise(ratings, 0.1, seed=3), add_rating_noise(ratings, 0.3, seed=3)
    hit_low = low["rating"] != ratings["rating"]
    assert (low["rating"][hit_low] == high["rating"][hit_low]).all()  # same rows, same new values
    kept_low, kept_high = drop_ratings(ratings, 0.1, seed=3), drop_ratings(ratings, 0.3, seed=3)
    assert set(kept_high.index) <= set(kept_low.index)
    pd.testing.assert_frame_equal(drop_ratings(ratings, 0.3, seed=3), kept_high)


@pytest.mark.parametrize("rate", [0.0, 0.2, 0.5, 0.9])
def test_drop_removes_exactly_the_rate_and_keeps_rows_as_they_were(rate):
    ratings = ratings_table()
    before = ratings.copy()
    kept = drop_ratings(ratings, rate, seed=5)
    pd.testing.assert_frame_equal(ratings, before)
    assert len(kept) == len(ratings) - round(rate * len(ratings))
    pd.testing.assert_frame_equal(kept, ratings.loc[kept.index])  # rows unchanged, order kept
    assert kept.index.is_monotonic_increasing


def test_bad_input_says_what_is_wrong():
    ratings = ratings_table(n=20)
    for rate in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"rate must lie in \[0, 1\)"):
            add_rating_noise(ratings, rate, seed=0)
        with pytest.raises(ValueError, match=r"rate must lie in \[0, 1\)"):
            drop_ratings(ratings, rate, seed=0)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['rating'\]"):
        add_rating_noise(ratings.drop(columns="rating"), 0.1, seed=0)
    with pytest.raises(ValueError, match="missing column"):
        drop_ratings(ratings.rename(columns={"user_id": "user"}), 0.1, seed=0)
    with pytest.raises(ValueError, match="DataFrame"):
        drop_ratings(ratings.to_numpy(), 0.1, seed=0)
    with pytest.raises(ValueError, match="scale must be > 0"):
        add_rating_noise(ratings, 0.1, seed=0, scale=0.0)
    with pytest.raises(ValueError, match="same value"):
        add_rating_noise(ratings.assign(rating=4.0), 0.1, seed=0)


def test_degradation_corrupts_train_only_and_is_tidy():
    world = make_synthetic(num_users=120, num_items=150, num_ratings=4_000, poster_size=None, seed=0)
    split = splits.random_split(world, 0.2, seed=0)
    test_before, train_before = split.test.copy(), split.train.copy()
    seen = []

    def bias(train):
        seen.append(len(train))
        return BiasBaseline().fit(train, rating_scale=(1, 5))

    models = {"global mean": lambda train: GlobalMean().fit(train), "bias": bias}
    noise = degradation(split, models, kind="noise", rates=[0.0, 0.5], seed=1)
    missing = degradation(split, models, kind="missing", rates=[0.0, 0.5], seed=1)
    pd.testing.assert_frame_equal(split.test, test_before)
    pd.testing.assert_frame_equal(split.train, train_before)
    assert list(noise.columns) == ["kind", "rate", "model", "train_ratings", "fit_seconds", "rmse", "mae"]
    assert len(noise) == len(missing) == 4 and set(noise["model"]) == set(models)
    assert list(missing["train_ratings"]) == [len(split.train)] * 2 + [len(split.train) // 2] * 2
    assert seen == [len(split.train)] * 3 + [len(split.train) // 2]
    clean = noise[(noise["rate"] == 0) & (noise["model"] == "bias")]["rmse"].item()
    reference = evaluate_ratings(BiasBaseline().fit(split.train, rating_scale=(1, 5)), split.test)["rmse"]
    assert clean == pytest.approx(reference)
    noisy = noise[(noise["rate"] == 0.5) & (noise["model"] == "bias")]["rmse"].item()
    assert noisy > clean  # half the training ratings replaced by random ones: the model gets worse

    custom = degradation(
        split,
        {"bias": bias},
        kind="missing",
        rates=[0.1],
        seed=1,
        evaluate=lambda m, s: {"train_size": len(s.train)},
    )
    assert custom["train_size"].item() == len(split.train) - round(0.1 * len(split.train))
    with pytest.raises(ValueError, match="kind must be one of"):
        degradation(split, models, kind="typos", rates=[0.1], seed=1)
    with pytest.raises(ValueError, match="models is empty"):
        degradation(split, {}, kind="noise", rates=[0.1], seed=1)


def test_planted_blob_sits_where_the_world_painted_it():
    world = make_synthetic(num_users=100, num_items=300, num_ratings=3_000, poster_size=32, seed=3)
    blob = planted_blob(world.truth.item_factors, 32)
    assert blob.shape == (300, 32, 32) and blob.min() >= 0 and blob.max() <= 1
    single = world.truth.item_genres.sum(axis=1) == 1  # single-genre items get a white blob: low saturation
    pixels = world.posters[single].astype(float)
    saturation = pixels.max(axis=-1) - pixels.min(axis=-1)  # (n, S, S)
    inside, outside = blob[single] > 0.8, blob[single] < 0.05
    assert saturation[inside].mean() < 0.5 * saturation[outside].mean()


def test_mass_inside():
    saliency = np.zeros((2, 4, 4))
    saliency[0, :2, :2] = 1.0  # all mass in the top-left quarter
    saliency[1] = 1.0  # spread evenly
    region = np.zeros((2, 4, 4), bool)
    region[:, :2, :2] = True
    np.testing.assert_allclose(mass_inside(saliency, region), [1.0, 0.25])
    np.testing.assert_allclose(mass_inside(np.zeros((1, 4, 4)), region[:1]), [0.0])
    with pytest.raises(ValueError, match="non-negative"):
        mass_inside(-saliency, region)
    with pytest.raises(ValueError, match=r"\(n, S, S\)"):
        mass_inside(saliency[0], region[0])
