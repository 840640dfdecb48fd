"""The data-tour figures: each shows the numbers it claims, on a small synthetic world."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from recsys_lab import splits, viz, widgets


@pytest.fixture(scope="module")
def world(tour_world):
    """This module's world: the small one of conftest.py, shared with test_widgets.py."""
    return tour_world


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


def test_metric_bars(world):
    split = splits.random_split(world, seed=0)
    table = widgets.baseline_table(world, split, k=5)
    fig = viz.metric_bars(table, ["rmse", "mae"])
    assert len(fig.data) == 3
