"""Figures and the data-tour explorer: the pure functions behind them, on a small synthetic world."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from recsys_lab import splits, viz, widgets
from recsys_lab.synthetic import make_synthetic


@pytest.fixture(scope="module")
def world():
    return make_synthetic(num_users=120, num_items=200, num_ratings=4_000, poster_size=None, seed=1)


def test_figures_show_the_numbers_they_claim(world):
    fig = viz.rating_distribution(world)
    assert isinstance(fig, go.Figure)
    np.testing.assert_allclose(sum(fig.data[0].y), 1.0)
    tail = viz.long_tail(world)
    counts = world.ratings.item_id.value_counts().to_numpy()
    np.testing.assert_array_equal(tail.data[0].y, np.sort(counts)[::-1])
    share = np.sort(counts)[::-1][:40].sum() / counts.sum()
    assert f"hold {share:.0%} of ratings" in tail.layout.annotations[0].text
    assert "median" in viz.user_activity(world).layout.title.text
    corner = viz.sparsity_map(world, max_users=30, max_items=50)
    assert len(corner.data[0].x) <= 30 * 50


def test_split_timeline_counts_every_rating(world):
    split = splits.temporal_split(world, last_fraction=0.2, seed=0)
    fig = viz.split_timeline(split)
    assert [t.name for t in fig.data] == ["train", "test"]
    assert sum(fig.data[0].y) == len(split.train) and sum(fig.data[1].y) == len(split.test)


def test_demographics_with_and_without_users(world):
    assert len(viz.demographics(world).data) >= 2
    no_users = type(world)(name="x", ratings=world.ratings, items=world.items)
    assert "no user demographics" in viz.demographics(no_users).layout.annotations[0].text


def test_data_tour_view(world):
    view = widgets.data_tour(world, "temporal last 20%", seed=0)
    assert list(view.baselines.index) == ["global mean", "popularity", "user+item bias"]
    assert view.baselines.loc["user+item bias", "rmse"] < view.baselines.loc["global mean", "rmse"]
    assert "temporal last 20%" in view.split_report
    assert set(view.figures) == {"ratings", "long tail", "activity", "split"}
    with pytest.raises(ValueError, match="unknown split 'nope'"):
        widgets.make_split(world, "nope", seed=0)


def test_explorer_switches_dataset_and_split(world):
    loaded = []

    def loader(name):
        loaded.append(name)
        return world

    box = widgets.data_tour_explorer(("a", "b"), seed=0, loader=loader)
    dataset_box, split_box = box.children[0].children
    split_box.value = "leave last one out"
    dataset_box.value = "b"
    dataset_box.value = "a"
    assert loaded == ["a", "b"]  # each dataset is loaded once


def test_metric_bars(world):
    split = splits.random_split(world, seed=0)
    table = widgets.baseline_table(world, split, k=5)
    fig = viz.metric_bars(table, ["rmse", "mae"])
    assert len(fig.data) == 3


def test_favourite_genres_prefers_over_represented_genres():
    import pandas as pd

    from recsys_lab.data import Dataset, favourite_genres

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


def test_code_map_explorer_and_projection(world):
    import pandas as pd

    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 6)) * [5, 3, 1, 1, 1, 1]
    coords, _ = viz.pca_2d(points)
    assert coords.shape == (50, 2) and coords[:, 0].var() > coords[:, 1].var()
    frame = pd.DataFrame({"user_id": range(50), "group": ["a", "b"] * 25})
    box = widgets.code_map_explorer(coords, frame, ["group", "user_id"], hover=["user_id"])
    box.children[0].value = "user_id"
    fig = viz.embedding_map(coords, frame, "group")
    assert {t.name for t in fig.data} == {"a", "b"}
