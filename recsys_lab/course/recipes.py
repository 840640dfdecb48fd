"""The course's settings for every model it trains, in one table, and the comparison of notebook 06.

Each Keras model keeps its default training settings beside it (`TRAIN` in `models/mf.py`, `models/autorec.py`,
...), as nanoGPT keeps `GPTConfig` beside its model. `RECIPES` says how the course builds each model: its
constructor arguments and, where a chapter trains differently from the default, a few overrides. The
notebooks, the benchmarks and the recommender app all read their settings from here, and a test fails when a
notebook trains with a setting that is not in this table.

>>> train_config("biased MF", seed=42)                        # models/mf.py's TRAIN, seeded  # doctest: +SKIP
TrainConfig(epochs=20, batch_size=1024, learning_rate=0.002, optimizer='adam', seed=42, verbose=0, ...)
>>> RECIPES["biased MF, item space"].train                    # chapter 04 trains it faster
{'epochs': 8, 'batch_size': 4096, 'learning_rate': 0.02}
>>> fitted = fit_all(ds, split.train, seed=42)                # name → fitted model  # doctest: +SKIP
>>> comparison_table(fitted, split, seed=42)                  # one row per model  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from recsys_lab.data.dataset import Dataset
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.protocol.evaluation import evaluate_all
from recsys_lab.protocol.splits import Split

# A Keras model's module in recsys_lab.models: its class and its default training settings (`TRAIN`).
KERAS_MODELS = {
    "AutoRec": "autorec",
    "BiasedMF": "mf",
    "TwoTower": "two_tower",
    "MLPRegression": "regression",
    "ContentToMF": "item_cnn",
}
BASELINES = {"GlobalMean": GlobalMean, "Popularity": Popularity, "BiasBaseline": BiasBaseline}


@dataclass(frozen=True)
class Recipe:
    """How the course builds and trains one model.

    Attributes:
        chapter: the notebook that teaches it ("01".."09").
        model: the class: a key of `KERAS_MODELS` or `BASELINES`, or "keras" for a network a chapter builds in
            its own cells (only its training settings live here).
        args: constructor arguments.
        train: training settings that differ from the model's default `TRAIN` (or from `TrainConfig()`).
        side: whether `fit` gets the dataset's users and items tables (side features).
        compared: whether it is one of the course's models, fitted and compared in notebook 06.
    """

    chapter: str
    model: str
    args: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)
    side: bool = False
    compared: bool = True


_MF = {"embedding_dim": 32, "l2": 0.1}
_AUTOREC = {"hidden_units": 500, "l2": 1e-3}
_MLP = {"embedding_dim": 32, "hidden_units": (64, 32), "dropout": 0.3}
RECIPES = {
    # the course's models, one per chapter's lesson, compared on one table in notebook 06
    "global mean": Recipe("01", "GlobalMean"),
    "popularity": Recipe("01", "Popularity"),
    "user+item bias": Recipe("01", "BiasBaseline"),
    "I-AutoRec": Recipe("02", "AutoRec", {"kind": "item", **_AUTOREC}),
    "U-AutoRec": Recipe("02", "AutoRec", {"kind": "user", **_AUTOREC}),
    "biased MF": Recipe("03", "BiasedMF", _MF),
    "two-tower": Recipe("03", "TwoTower", {"embedding_dim": 32, "output_dim": 32}, side=True),
    "MLP regression": Recipe("05", "MLPRegression", _MLP, side=True),
    # settings of one step of a chapter's lesson
    "I-AutoRec, in cells": Recipe(  # §3.1's network written in chapter 02's cells: a few epochs, for reading
        "02", "AutoRec", {"kind": "item", **_AUTOREC}, {"epochs": 5}, compared=False
    ),
    "article autoencoder": Recipe(  # §4's history autoencoder, trained as the article does (no mask)
        "02", "keras", train={"epochs": 20, "batch_size": 64, "learning_rate": 1e-3}, compared=False
    ),
    "biased MF, in cells": Recipe(  # chapter 03's MF written in cells: a few epochs, to watch the loss fall
        "03", "keras", train={"epochs": 3, "batch_size": 1024, "learning_rate": 1e-2}, compared=False
    ),
    "two-tower, in cells": Recipe(  # chapter 03's two towers written in cells, trained by a GradientTape loop
        "03", "keras", train={"epochs": 2, "batch_size": 1024, "learning_rate": 1e-3}, compared=False
    ),
    "biased MF, item space": Recipe(
        "04", "BiasedMF", _MF, {"epochs": 8, "batch_size": 4096, "learning_rate": 2e-2}, compared=False
    ),
    "text CNN": Recipe("04", "ContentToMF", compared=False),
    "poster CNN": Recipe("04", "ContentToMF", train={"epochs": 20}, compared=False),
    # the same two CNNs written in chapter 04's cells, trained a few epochs only: they are there to be read
    "text CNN, in cells": Recipe("04", "ContentToMF", train={"epochs": 5}, compared=False),
    "poster CNN, in cells": Recipe("04", "ContentToMF", train={"epochs": 3}, compared=False),
    "poster autoencoder": Recipe(
        "04", "keras", train={"epochs": 10, "batch_size": 128, "learning_rate": 3e-3}, compared=False
    ),
    "MLP regression, in cells": Recipe(  # the network of chapter 05's cells: one GradientTape epoch, then fit
        "05", "MLPRegression", _MLP, {"epochs": 2}, side=True, compared=False
    ),
    "MLP regression, optimizers": Recipe(
        "05", "MLPRegression", _MLP, {"epochs": 3}, side=True, compared=False
    ),
    "MLP regression, new users": Recipe(
        "05", "MLPRegression", {**_MLP, "id_dropout": 0.2}, {"epochs": 6}, side=True, compared=False
    ),
    "biased MF, fast": Recipe(
        "07",
        "BiasedMF",
        _MF,
        {"epochs": 6, "batch_size": 4096, "learning_rate": 3e-2, "steps_per_execution": 8},
        compared=False,
    ),
    "biased MF, scale run": Recipe(
        "07", "BiasedMF", _MF, {"epochs": 4}, compared=False
    ),  # epochs 2-4 are timed
    "poster CNN, saliency": Recipe(
        "08", "keras", train={"epochs": 10, "batch_size": 64, "learning_rate": 3e-3}, compared=False
    ),
}
COMPARED = tuple(name for name, recipe in RECIPES.items() if recipe.compared)
# Chapter 05 compares optimizers on the budget of "MLP regression, optimizers". One learning rate each would compare
# the rates as much as the optimizers, so each tries three rates, a factor of about 3 apart, and keeps the one with
# the lowest validation RMSE. Measured on ml-100k, each grid has its best rate in the middle: 1.0 makes plain SGD
# diverge, 0.6 overshoots with momentum, 0.02 with Adam (ml-latest-small's best momentum rate is 0.6, the edge).
OPTIMIZER_RATES = {
    "sgd": (0.1, 0.3, 1.0),
    "momentum": (0.06, 0.2, 0.6),
    "adam": (2e-3, 6e-3, 2e-2),
}


def _recipe(name: str) -> Recipe:
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; the course's recipes are {sorted(RECIPES)}")
    return RECIPES[name]


def train_config(name: str, *, seed: int, **overrides):
    """The `TrainConfig` recipe `name` trains with: the model's default `TRAIN`, the recipe's overrides, `seed`.

    `overrides` are for experiments that vary a setting on purpose (a learning-rate sweep, a quick smoke run).
    Imports TensorFlow (through `recsys_lab.models`).
    """
    from recsys_lab.models.base import TrainConfig  # TensorFlow is imported only here

    recipe = _recipe(name)
    if recipe.model in BASELINES:
        raise ValueError(f"{name!r} is fitted in closed form: it has no training settings")
    default = (
        importlib.import_module(f"recsys_lab.models.{KERAS_MODELS[recipe.model]}").TRAIN
        if recipe.model in KERAS_MODELS
        else TrainConfig()
    )
    return dataclasses.replace(default, **{**recipe.train, **overrides, "seed": seed})


def build(name: str, *, seed: int, quick: dict | None = None) -> tuple[object, dict]:
    """An unfitted model `name` of `RECIPES` and the keyword arguments its `fit` needs besides the data.

    `quick` overrides training settings of the Keras models (e.g. `{"epochs": 2}` for a smoke run).
    """
    recipe = _recipe(name)
    if recipe.model in BASELINES:
        return BASELINES[recipe.model](**recipe.args), {}
    if recipe.model not in KERAS_MODELS or recipe.model == "ContentToMF":
        raise ValueError(
            f"{name!r} is a step of chapter {recipe.chapter}'s lesson, not a recommender to build"
        )
    module = importlib.import_module(f"recsys_lab.models.{KERAS_MODELS[recipe.model]}")
    config = train_config(name, seed=seed, **(quick or {}))
    args = dict(recipe.args)
    if recipe.model == "AutoRec":  # AutoRec takes its settings in the constructor
        return module.AutoRec(args.pop("kind"), config=config, **args), {}
    return getattr(module, recipe.model)(**args), {"config": config}


def fit_all(
    ds: Dataset,
    train: pd.DataFrame,
    *,
    seed: int,
    names=None,
    quick: dict | None = None,
    on_fit: Callable[[str, float], None] | None = None,
) -> dict[str, object]:
    """Fit the models `names` (default: the course's models, `COMPARED`) on `train`; each keeps `fit_seconds`.

    `quick` is passed to `build`; `on_fit(name, seconds)` is called after each fit (e.g. to print progress).
    """
    fitted = {}
    for name in names or COMPARED:
        model, fit_args = build(name, seed=seed, quick=quick)
        if RECIPES[name].side:
            fit_args.update(users=ds.users, items=ds.items)
        start = time.perf_counter()
        fitted[name] = model.fit(train, rating_scale=ds.rating_scale, **fit_args)
        fitted[name].fit_seconds = time.perf_counter() - start
        if on_fit:
            on_fit(name, fitted[name].fit_seconds)
    return fitted


def comparison_table(fitted: dict, split: Split, *, k: int = 10, seed: int) -> pd.DataFrame:
    """One row per fitted model: RMSE, MAE, full-catalogue NDCG/Recall@k, sampled HR@k (99 negatives), fit time.

    A model that predicts no ratings (`predicts_ratings = False`, e.g. a ranking-only model) gets NaN RMSE/MAE.
    """
    shown = ("rmse", "mae", f"ndcg@{k}", f"recall@{k}", f"sampled hit_rate@{k}")
    rows = {}
    for name, model in fitted.items():
        row = {"chapter": RECIPES[name].chapter if name in RECIPES else getattr(model, "chapter", "")}
        metrics = evaluate_all(model, split, k=k, seed=seed)  # the row `evaluation.compare` reports
        row |= {m: metrics[m] for m in shown if m in metrics}
        rows[name] = row | {"fit seconds": getattr(model, "fit_seconds", float("nan"))}
    return pd.DataFrame.from_dict(rows, orient="index")
