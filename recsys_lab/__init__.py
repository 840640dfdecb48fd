"""recsys-lab: learn deep learning for recommender systems on real MovieLens data.

The package backs the course notebooks. Its lower layers (data, splits, metrics, baselines) use only
numpy, pandas and scipy, so `import recsys_lab` is quick and never imports TensorFlow; the Keras models
live in `recsys_lab.models` and load TensorFlow when you use them.

>>> import recsys_lab
>>> ds = recsys_lab.load_dataset("ml-100k")          # doctest: +SKIP
>>> train, test = recsys_lab.splits.official_fold(ds, "u1")   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# Public names, resolved on first use so that importing the package stays cheap.
_EXPORTS = {
    "Dataset": "recsys_lab.data",
    "DataError": "recsys_lab.data",
    "check_ratings": "recsys_lab.data",
    "load_movielens": "recsys_lab.movielens",
    "DataUnavailableError": "recsys_lab.movielens",
    "CorruptDataError": "recsys_lab.movielens",
    "RELEASES": "recsys_lab.movielens",
    "make_synthetic": "recsys_lab.synthetic",
    "load_dataset": "recsys_lab.datasets",
}
_SUBMODULES = {
    "baselines",
    "challenges",
    "cli",
    "cold_start",
    "course",
    "data",
    "datasets",
    "ease",
    "env",
    "evaluation",
    "exercises",
    "explain",
    "features",
    "gradient_descent",
    "metrics",
    "movielens",
    "quiz",
    "recommender_app",
    "retrieval",
    "scale",
    "splits",
    "student",
    "synthetic",
    "viz",
    "viz_embeddings",
    "widgets",
    "widgets_embeddings",
}

__all__ = [  # noqa: RUF022 -- grouped: functions and classes, then submodules
    "CorruptDataError",
    "DataError",
    "DataUnavailableError",
    "Dataset",
    "RELEASES",
    "check_ratings",
    "load_dataset",
    "load_movielens",
    "make_synthetic",
    "baselines",
    "challenges",
    "cli",
    "cold_start",
    "course",
    "data",
    "datasets",
    "ease",
    "env",
    "evaluation",
    "exercises",
    "explain",
    "features",
    "gradient_descent",
    "metrics",
    "movielens",
    "quiz",
    "recommender_app",
    "retrieval",
    "scale",
    "splits",
    "student",
    "synthetic",
    "viz",
    "viz_embeddings",
    "widgets",
    "widgets_embeddings",
]

if TYPE_CHECKING:
    from recsys_lab.data import DataError, Dataset, check_ratings
    from recsys_lab.datasets import load_dataset
    from recsys_lab.movielens import RELEASES, CorruptDataError, DataUnavailableError, load_movielens
    from recsys_lab.synthetic import make_synthetic


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"recsys_lab.{name}")
    raise AttributeError(f"module 'recsys_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
