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


def test_explorer_switches_dataset_and_split_and_shows_the_choice(world, screen, capsys):
    loaded = []
    small = type(world)(name="small", ratings=world.ratings.head(1_500), items=world.items, users=world.users)

    def loader(name):
        loaded.append(name)
        return {"a": world, "b": small}[name]

    box = widgets.data_tour_explorer(("a", "b"), seed=0, loader=loader)
    dataset_box, split_box = box.children[0].children
    summary, _, *figures = screen  # the summary row, the baselines, then the four figures
    assert summary.loc[world.name, "ratings"] == len(world.ratings) and len(figures) == 4
    assert (
        widgets.make_split(world, "course default", seed=0).report() in capsys.readouterr().out.splitlines()
    )
    screen.clear()
    split_box.value = "leave last one out"
    report = widgets.make_split(world, "leave last one out", seed=0).report()
    assert report in capsys.readouterr().out.splitlines()
    assert screen[0].loc[world.name, "ratings"] == len(world.ratings)
    split_figure = screen[-1]
    assert sum(split_figure.data[1].y) == len(world.ratings["user_id"].unique())  # one test rating per user
    screen.clear()
    dataset_box.value = "b"
    assert screen[0].loc["small", "ratings"] == 1_500  # the summary now describes the other dataset
    small_report = widgets.make_split(small, "leave last one out", seed=0).report()
    assert small_report in capsys.readouterr().out.splitlines() and small_report != report
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
    fig = viz.embedding_map(coords, frame, "group")
    assert {t.name for t in fig.data} == {"a", "b"}


def test_code_map_explorer_recolours_the_map_when_the_dropdown_changes(screen):
    import pandas as pd

    coords = np.arange(20.0).reshape(10, 2)
    frame = pd.DataFrame({"user_id": range(10), "group": ["a", "b"] * 5})
    box = widgets.code_map_explorer(coords, frame, ["group", "user_id"], hover=["user_id"])
    first = screen[-1]
    assert first.layout.title.text == "user codes, coloured by group"
    assert {t.name: list(t.x) for t in first.data} == {"a": [0, 4, 8, 12, 16], "b": [2, 6, 10, 14, 18]}
    box.children[0].value = "user_id"
    assert len(screen) == 2
    second = screen[-1]
    assert second.layout.title.text == "user codes, coloured by user_id"
    assert len(second.data) == 1 and list(second.data[0].marker.color) == list(range(10))  # one colour scale


def test_loss_curves_and_learning_rate_explorer(toy, screen):
    x, y, _ = toy
    fig = viz.loss_curves({"a": np.array([3.0, 2.0, 1.0]), "b": np.array([3.0, 30.0])})
    assert isinstance(fig, go.Figure) and [len(t.y) for t in fig.data] == [3, 2]
    assert fig.layout.yaxis.type == "log"
    box = widgets.learning_rate_explorer(x, y, seed=0, steps=20)
    start = gd.init_params((3, 8, 8, 1), seed=0)
    reference = gd.descend(start, x, y, learning_rate=0.1, steps=20)
    assert screen[-1].layout.title.text == f"η = 0.1: loss {reference.losses[-1]:.4f} after 20 steps"
    slider = box.children[0]
    slider.value = 1.5  # a rate that diverges: the widget redraws the curve and says so
    run = gd.descend(start, x, y, learning_rate=1.5, steps=20)
    assert run.diverged and len(screen) == 2
    drawn = screen[-1]
    assert drawn.layout.title.text == f"η = 1.5 diverged after {len(run.losses) - 1} steps"
    assert [t.name for t in drawn.data] == ["η = 0.1 (reference)", "η = 1.5"]
    np.testing.assert_allclose(drawn.data[0].y, reference.losses)
    np.testing.assert_allclose(drawn.data[1].y, run.losses)
    slider.value = 0.05
    slow = gd.descend(start, x, y, learning_rate=0.05, steps=20)
    assert screen[-1].layout.title.text == f"η = 0.05: loss {slow.losses[-1]:.4f} after 20 steps"
    np.testing.assert_allclose(screen[-1].data[1].y, slow.losses)
