"""Tests for recsys_lab.data.synthetic: MovieLens conventions, the planted truth, and the signal in posters,
titles and demographics."""

import doctest

import numpy as np
import pandas as pd
import pytest

from recsys_lab import synthetic
from recsys_lab.data.dataset import check_ratings
from recsys_lab.data.synthetic import (
    GENRE_WORDS,
    OCCUPATION_COUNTS,
    TIME_RANGE,
    SyntheticTruth,
    make_synthetic,
)


@pytest.fixture(scope="module")
def default():
    """The ml-100k-sized world, with 32×32 posters."""
    return make_synthetic(seed=0)


@pytest.fixture(scope="module")
def small():
    return make_synthetic(num_users=150, num_items=300, num_ratings=6_000, poster_size=16, seed=3)


def ridge_r2(features, targets, lam=10.0, seed=0):
    """Held-out R² (averaged over target columns) of a closed-form ridge regression, 70/30 split."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(features))
    train, test = order[: int(0.7 * len(order))], order[int(0.7 * len(order)) :]
    mean, std = features[train].mean(axis=0), features[train].std(axis=0) + 1e-9
    x = np.c_[(features - mean) / std, np.ones(len(features))]
    w = np.linalg.solve(x[train].T @ x[train] + lam * np.eye(x.shape[1]), x[train].T @ targets[train])
    residual = ((targets[test] - x[test] @ w) ** 2).sum(axis=0)
    total = ((targets[test] - targets[train].mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(1 - residual / total))


def primary_genre(ds):
    return np.array([ds.genres.index(genres[0]) for genres in ds.items["genres"]])


# --- shape and conventions ---------------------------------------------------------------------


def test_tables_follow_the_column_conventions(default):
    ratings, items, users = default.ratings, default.items, default.users
    assert list(ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert [str(t) for t in ratings.dtypes] == ["int64", "int64", "float32", "int64"]
    assert isinstance(ratings.index, pd.RangeIndex)
    assert list(items.columns) == ["item_id", "title", "year", "genres"]
    assert items["item_id"].dtype == np.int64 and str(items["year"].dtype) == "Int64"
    assert pd.api.types.is_string_dtype(items["title"])
    assert list(users.columns) == ["user_id", "age", "gender", "occupation", "zip"]
    assert users["age"].dtype == np.int64 and users["user_id"].dtype == np.int64
    assert isinstance(users["gender"].dtype, pd.CategoricalDtype)
    assert isinstance(users["occupation"].dtype, pd.CategoricalDtype)
    assert default.name == "synthetic" and default.rating_scale == (1.0, 5.0)
    assert default.source.startswith("synthetic(seed=0")
    assert isinstance(default.truth, SyntheticTruth)


def test_ratings_pass_the_library_check(default):
    checked = check_ratings(default.ratings, rating_scale=(1, 5), require_timestamp=True)
    pd.testing.assert_frame_equal(checked, default.ratings)


def test_counts_are_exact_and_everyone_is_covered(default, small):
    for ds, (num_users, num_items, num_ratings) in [
        (default, (943, 1682, 100_000)),
        (small, (150, 300, 6_000)),
    ]:
        assert ds.num_ratings == num_ratings
        assert ds.num_users == num_users and ds.num_items == num_items
        assert set(ds.ratings["user_id"]) == set(range(1, num_users + 1))
        assert set(ds.ratings["item_id"]) == set(range(1, num_items + 1))
        assert len(ds.items) == num_items and len(ds.users) == num_users


def test_every_user_has_twenty_ratings_and_activity_is_skewed(default):
    per_user = default.ratings["user_id"].value_counts()
    assert per_user.min() >= 20
    assert per_user.max() > 5 * per_user.median()
    assert per_user.median() < per_user.mean()
    # No user rates more than half the catalogue.
    assert per_user.max() <= (1682 + 1) // 2


def test_item_popularity_has_a_long_tail(default):
    per_item = np.sort(default.ratings["item_id"].value_counts().to_numpy())[::-1]
    top_tenth = per_item[: len(per_item) // 10].sum() / per_item.sum()
    assert top_tenth > 0.35
    assert per_item.max() > 10 * np.median(per_item)


def test_rating_histogram_looks_like_movielens(default):
    rating = default.ratings["rating"]
    counts = rating.value_counts().sort_index()
    assert list(counts.index) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert counts.idxmax() == 4.0
    assert 3.2 < rating.mean() < 3.8
    assert 0.9 < rating.std() < 1.3


def test_ratings_are_sorted_by_user_then_time_within_the_movielens_range(default):
    ratings = default.ratings
    order = np.lexsort((ratings["timestamp"], ratings["user_id"]))
    np.testing.assert_array_equal(order, np.arange(len(ratings)))
    assert ratings["timestamp"].between(*TIME_RANGE).all()


def test_items_have_titles_years_and_genres(default):
    items = default.items
    years = items["title"].str.extract(r"^\S.* \((\d{4})\)$")[0].astype("Int64")
    pd.testing.assert_series_equal(years, items["year"], check_names=False)
    assert items["year"].between(1930, 1998).all() and items["year"].median() >= 1985
    assert items["genres"].map(len).between(1, 3).all()
    assert all(set(genres) <= set(default.genres) for genres in items["genres"])
    assert default.genres[:3] == ("Drama", "Comedy", "Action") and len(default.genres) == 12
    np.testing.assert_array_equal(default.genre_matrix(), default.truth.item_genres)


def test_users_have_movielens_demographics(default):
    users = default.users
    assert users["age"].between(7, 73).all() and 25 < users["age"].mean() < 45
    assert set(users["gender"].cat.categories) == {"F", "M"}
    assert 0.6 < (users["gender"] == "M").mean() < 0.8
    assert set(users["occupation"].cat.categories) == set(OCCUPATION_COUNTS)
    assert users["zip"].str.fullmatch(r"\d{5}").all()


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_world_and_posters_do_not_change_the_tables(small):
    again = make_synthetic(num_users=150, num_items=300, num_ratings=6_000, poster_size=16, seed=3)
    for name in ("ratings", "items", "users"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(small, name))
    np.testing.assert_array_equal(again.posters, small.posters)
    np.testing.assert_array_equal(again.truth.user_factors, small.truth.user_factors)
    without = make_synthetic(num_users=150, num_items=300, num_ratings=6_000, poster_size=None, seed=3)
    assert without.posters is None
    pd.testing.assert_frame_equal(without.ratings, small.ratings)


def test_different_seeds_differ(small):
    other = make_synthetic(num_users=150, num_items=300, num_ratings=6_000, poster_size=16, seed=4)
    assert not other.ratings.equals(small.ratings)
    assert not np.array_equal(other.truth.item_factors, small.truth.item_factors)
    assert not np.array_equal(other.posters, small.posters)


# --- the planted truth ---------------------------------------------------------------------------


def test_truth_explains_the_ratings_down_to_the_noise(default):
    ratings, truth = default.ratings, default.truth
    expected = truth.expected_rating(ratings["user_id"], ratings["item_id"])
    rmse_truth = np.sqrt(np.mean((expected - ratings["rating"]) ** 2))
    rmse_mean = np.sqrt(np.mean((ratings["rating"].mean() - ratings["rating"]) ** 2))
    assert rmse_truth < 0.8 * rmse_mean
    # noise 0.6 plus rounding (sd 0.29), less what clipping removes
    assert 0.5 < rmse_truth < np.hypot(0.6, 0.29) + 0.02


def test_without_noise_a_rating_is_the_rounded_expected_rating():
    ds = make_synthetic(num_users=80, num_items=120, num_ratings=2_000, noise=0.0, poster_size=None, seed=1)
    expected = ds.truth.expected_rating(ds.ratings["user_id"], ds.ratings["item_id"])
    assert np.abs(expected - ds.ratings["rating"]).max() <= 0.5 + 1e-9


def test_expected_rating_matches_the_formula_and_checks_ids(small):
    truth = small.truth
    u, i = 7, 42
    by_hand = truth.global_mean + truth.user_bias[u - 1] + truth.item_bias[i - 1]
    by_hand += truth.user_factors[u - 1] @ truth.item_factors[i - 1]
    assert truth.expected_rating(u, i) == pytest.approx(np.clip(by_hand, 1, 5))
    grid = truth.expected_rating(np.arange(1, 151)[:, None], np.arange(1, 301)[None, :])
    assert grid.shape == (150, 300) and grid.min() >= 1 and grid.max() <= 5
    with pytest.raises(ValueError, match="user_id 151 is outside 1..150"):
        truth.expected_rating([151], [1])
    with pytest.raises(ValueError, match="item_id 0"):
        truth.expected_rating([1], [0])


def test_best_items_are_the_oracle_top_k(small):
    truth = small.truth
    best = truth.best_items(5, k=10)
    assert len(best) == 10 and len(set(best)) == 10
    scores = truth.item_bias + truth.item_factors @ truth.user_factors[4]
    assert scores[best[0] - 1] == scores.max()
    rest = truth.best_items(5, k=10, exclude=best[:3])
    np.testing.assert_array_equal(rest[:7], best[3:])


def test_truth_is_read_only(small):
    with pytest.raises(ValueError):
        small.truth.user_factors[0, 0] = 1.0
    with pytest.raises(AttributeError):
        small.truth.noise = 0.0


def test_popular_items_rate_higher_and_users_pick_items_they_like(default):
    truth, ratings = default.truth, default.ratings
    assert np.corrcoef(truth.item_bias, np.log(truth.item_popularity))[0, 1] > 0.3
    np.testing.assert_allclose(truth.item_popularity.sum(), 1.0)
    # Selection bias: the taste term p·q is higher on rated pairs than on pairs drawn by popularity alone.
    rng = np.random.default_rng(0)
    users = rng.integers(0, 943, 200_000)
    items = rng.choice(1682, size=200_000, p=truth.item_popularity)
    random_taste = np.einsum("nd,nd->n", truth.user_factors[users], truth.item_factors[items]).mean()
    u, i = ratings["user_id"].to_numpy() - 1, ratings["item_id"].to_numpy() - 1
    rated_taste = np.einsum("nd,nd->n", truth.user_factors[u], truth.item_factors[i]).mean()
    assert rated_taste > random_taste + 0.03


# --- signal for the later chapters ---------------------------------------------------------------


def test_posters_carry_the_item_factors_and_the_genre(default):
    posters = default.posters
    assert posters.shape == (1682, 32, 32, 3) and posters.dtype == np.uint8
    assert posters.std() > 20  # not a blank canvas
    pooled = posters.reshape(1682, 8, 4, 8, 4, 3).mean(axis=(2, 4)).reshape(1682, -1) / 255.0
    assert ridge_r2(pooled, default.truth.item_factors) > 0.3
    # Nearest-centroid classifier of the primary genre, on held-out items.
    genre = primary_genre(default)
    order = np.random.default_rng(0).permutation(1682)
    train, test = order[:1200], order[1200:]
    centroids = np.stack([pooled[train][genre[train] == g].mean(axis=0) for g in range(len(default.genres))])
    predicted = ((pooled[test][:, None, :] - centroids[None]) ** 2).sum(axis=-1).argmin(axis=1)
    majority = np.bincount(genre[train]).max() / len(train)
    assert (predicted == genre[test]).mean() > max(0.5, 2 * majority)


def test_genres_explain_a_small_part_of_the_item_factors(default):
    """As on MovieLens, where genres explain 5-11 % of biased MF's item vectors: room for content beyond genres."""
    truth = default.truth
    genres = truth.item_genres.astype(float)
    genre_part = genres @ truth.genre_centroids / genres.sum(axis=1, keepdims=True)  # (items, d)
    q = truth.item_factors
    share = 1 - ((q - genre_part) ** 2).sum() / ((q - q.mean(axis=0)) ** 2).sum()
    assert 0.03 < share < 0.2, share  # measured: 0.095
    codes = synthetic.poster_codes(q)  # what the posters draw: monotone in each factor, in (-1, 1)
    assert codes.shape == (1682, 8) and np.abs(codes).max() < 1
    for j in range(8):
        order = np.argsort(q[:, j])
        assert np.all(np.diff(codes[order, j]) >= 0)


def test_titles_name_the_primary_genre(default):
    genre = primary_genre(default)
    hits = [
        any(word in title.split() for word in GENRE_WORDS[default.genres[g]])
        for title, g in zip(default.items["title"], genre, strict=True)
    ]
    assert np.mean(hits) > 0.8


def test_demographics_carry_partial_signal_about_taste(default):
    users = default.users
    band = np.searchsorted(synthetic.AGE_BAND_EDGES, users["age"].to_numpy(), side="right")
    onehot = np.c_[
        np.eye(7)[band], np.eye(2)[users["gender"].cat.codes], np.eye(21)[users["occupation"].cat.codes]
    ]
    r2 = ridge_r2(onehot, default.truth.user_factors, lam=1.0)
    assert 0.1 < r2 < 0.8  # real but partial
    share = default.truth.demographic_factors.var(axis=0).sum() / default.truth.user_factors.var(axis=0).sum()
    assert 0.2 < share < 0.6


# --- arguments and edges -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_users": 0}, "num_users must be a positive integer"),
        ({"num_items": -5}, "num_items must be a positive integer"),
        ({"num_ratings": 10.5}, "num_ratings must be a positive integer"),
        ({"embedding_dim": True}, "embedding_dim must be a positive integer"),
        ({"num_ratings": 943 * 842}, "do not fit"),
        ({"num_ratings": 900}, "too few for 943 users"),
        ({"num_genres": 0}, "num_genres must be between 1 and 18"),
        ({"num_genres": 19}, "num_genres must be between 1 and 18"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"poster_size": 8}, "poster_size must be an integer from 16 to 128"),
        ({"poster_size": 256}, "poster_size"),
        ({"poster_size": 32.0}, "poster_size"),
        ({"num_users": 10**7, "num_items": 10**6, "num_ratings": 10**7}, "too large"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_synthetic(**kwargs)


@pytest.mark.parametrize(
    ("num_users", "num_items", "num_ratings", "embedding_dim", "num_genres", "poster_size"),
    [
        (10, 2, 10, 1, 1, None),  # one rating each from a two-item catalogue
        (30, 100, 30, 3, 18, 16),  # fewer ratings than items: not every item can be rated
        (5, 41, 105, 16, 4, 128),  # every user rates half the catalogue (the most allowed)
    ],
)
def test_small_and_extreme_worlds(num_users, num_items, num_ratings, embedding_dim, num_genres, poster_size):
    ds = make_synthetic(
        num_users,
        num_items,
        num_ratings,
        embedding_dim=embedding_dim,
        num_genres=num_genres,
        poster_size=poster_size,
        seed=0,
    )
    check_ratings(ds.ratings, rating_scale=(1, 5))
    assert ds.num_ratings == num_ratings and ds.num_users == num_users
    assert ds.num_items == min(num_items, num_ratings)
    assert ds.truth.user_factors.shape == (num_users, embedding_dim)
    assert len(ds.genres) == num_genres
    if poster_size is not None:
        assert ds.posters.shape == (num_items, poster_size, poster_size, 3)


def test_a_larger_world_is_generated_at_scale():
    ds = make_synthetic(num_users=20_000, num_items=5_000, num_ratings=1_000_000, poster_size=None, seed=0)
    assert ds.num_ratings == 1_000_000 and ds.num_users == 20_000 and ds.num_items == 5_000
    assert ds.ratings["user_id"].value_counts().min() >= 20
    assert not ds.ratings.duplicated(["user_id", "item_id"]).any()


def test_module_examples_run():
    assert doctest.testmod(synthetic).failed == 0
