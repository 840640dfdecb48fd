"""Every model of the course with its chapter's settings, fitted and compared on one split (notebook 06).

The settings below are the ones in the chapters' `parameters` cells (a test keeps them equal), and the table is
made by `evaluation.compare`'s metrics, so a number in notebook 06's table is the number the chapter reports on
the same split and seed.

>>> fitted = fit_all(ds, split.train, seed=42)                   # name → fitted model  # doctest: +SKIP
>>> comparison_table(fitted, split, seed=42)                     # one row per model  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from recsys_lab.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.data import Dataset
from recsys_lab.evaluation import evaluate_all
from recsys_lab.splits import Split


@dataclass(frozen=True)
class Recipe:
    """How a chapter builds and trains one model.

    Attributes:
        chapter: the notebook that teaches it ("01".."05").
        settings: constructor arguments, plus the training settings `epochs`, `batch_size`, `learning_rate`,
            `steps_per_execution` (Keras models only), as in the chapter's parameters cell.
        side: whether `fit` gets the dataset's users and items tables (side features).
    """

    chapter: str
    settings: dict = field(default_factory=dict)
    side: bool = False


TRAINING = ("epochs", "batch_size", "learning_rate", "steps_per_execution")
RECIPES = {
    "global mean": Recipe("01"),
    "popularity": Recipe("01"),
    "user+item bias": Recipe("01"),
    "I-AutoRec": Recipe(
        "02", {"hidden_units": 500, "l2": 1e-3, "epochs": 25, "batch_size": 256, "learning_rate": 3e-3}
    ),
    "U-AutoRec": Recipe(
        "02", {"hidden_units": 500, "l2": 1e-3, "epochs": 25, "batch_size": 256, "learning_rate": 3e-3}
    ),
    "biased MF": Recipe(
        "04", {"embedding_dim": 32, "l2": 0.1, "epochs": 20, "batch_size": 1024, "learning_rate": 2e-3}
    ),
    "two-tower": Recipe(
        "04",
        {"embedding_dim": 32, "output_dim": 32, "epochs": 14, "batch_size": 1024, "learning_rate": 1e-3},
        side=True,
    ),
    "MLP regression": Recipe(
        "05",
        {
            "embedding_dim": 32,
            "hidden_units": (64, 32),
            "dropout": 0.3,
            "epochs": 8,
            "batch_size": 1024,
            "learning_rate": 2e-3,
            "steps_per_execution": 8,
        },
        side=True,
    ),
}


def build(name: str, *, seed: int, quick: dict | None = None) -> tuple[object, dict]:
    """An unfitted model `name` of `RECIPES` and the keyword arguments its `fit` needs besides the data.

    `quick` overrides training settings of the Keras models (e.g. `{"epochs": 2}` for a smoke run).
    """
    if name not in RECIPES:
        raise ValueError(f"unknown model {name!r}; the course's models are {sorted(RECIPES)}")
    recipe = RECIPES[name]
    model_args = {k: v for k, v in recipe.settings.items() if k not in TRAINING}
    simple = {"global mean": GlobalMean, "popularity": Popularity, "user+item bias": BiasBaseline}
    if name in simple:
        return simple[name](**model_args), {}
    from recsys_lab import models  # TensorFlow is imported only here

    training = {k: v for k, v in {**recipe.settings, **(quick or {})}.items() if k in TRAINING}
    config = models.TrainConfig(seed=seed, **training)
    if name.endswith("AutoRec"):
        return models.AutoRec("item" if name[0] == "I" else "user", config=config, **model_args), {}
    kind = {
        "biased MF": models.BiasedMF,
        "two-tower": models.TwoTower,
        "MLP regression": models.MLPRegression,
    }
    return kind[name](**model_args), {"config": config}


def fit_all(
    ds: Dataset,
    train: pd.DataFrame,
    *,
    seed: int,
    names=None,
    quick: dict | None = None,
    on_fit: Callable[[str, float], None] | None = None,
) -> dict[str, object]:
    """Fit the models `names` (default: all of `RECIPES`) on `train`; each keeps `fit_seconds`.

    `quick` is passed to `build`; `on_fit(name, seconds)` is called after each fit (e.g. to print progress).
    """
    fitted = {}
    for name in names or RECIPES:
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
