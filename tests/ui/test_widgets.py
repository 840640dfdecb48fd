"""The data-tour explorer, the code-map explorer and the learning-rate explorer: the pure functions behind them."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from recsys_lab import gradient_descent as gd
from recsys_lab import viz, widgets


@pytest.fixture(scope="module")
def world(tour_world):
    """This module's world: the small one of conftest.py, shared with test_viz.py."""
    return tour_world


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


def test_explorer_names_the_data_it_shows_when_a_release_fell_back(world):
    import dataclasses

    assert world.name == "synthetic"
    real = dataclasses.replace(world, name="b")  # "b" loads as itself; "a" falls back to the synthetic world
    box = widgets.data_tour_explorer(("a", "b"), seed=0, loader=lambda name: world if name == "a" else real)
    dataset_box = box.children[0].children[0]
    assert dataset_box.value == "a" and "synthetic" in dataset_box.label and dataset_box.label != "a"
    dataset_box.value = "b"
    assert dataset_box.label == "b" and "synthetic" in dict((v, k) for k, v in dataset_box.options)["a"]


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


def test_loss_curves_and_learning_rate_explorer(toy):
    x, y, _ = toy
    fig = viz.loss_curves({"a": np.array([3.0, 2.0, 1.0]), "b": np.array([3.0, 30.0])})
    assert isinstance(fig, go.Figure) and [len(t.y) for t in fig.data] == [3, 2]
    assert fig.layout.yaxis.type == "log"
    box = widgets.learning_rate_explorer(x, y, seed=0, steps=20)
    slider = box.children[0]
    slider.value = 1.5  # a rate that diverges: the widget redraws without raising
    assert (
        slider.value == 1.5
        and gd.descend(gd.init_params((3, 8, 8, 1), seed=0), x, y, learning_rate=1.5, steps=20).diverged
    )
