"""recsys-lab: learn deep learning for recommender systems on real MovieLens data.

The package backs the course notebooks. It is laid out in layers, one folder each; a layer builds only on the
layers before it:

    data/      the Dataset, id encoding, MovieLens (releases, fetch, parsers), the synthetic world, posters, features
    protocol/  splits, metrics and the one way every model is evaluated
    methods/   the Recommender contract and the models without deep learning: baselines, EASE, retrieval,
               cold start, blends, explanations, gradient descent by hand, data-quality experiments
    models/    the Keras 3 models (importing them imports TensorFlow)
    ui/        plotly figures, ipywidgets front ends, the recommender app
    course/    notebook setup, the doctor, exercises, the quiz, student versions, the course's settings, the CLI

Every module is also reachable by its short name, so notebooks write `from recsys_lab import metrics, splits`.
The layers below `models/` use only numpy, pandas and scipy: `import recsys_lab` never imports TensorFlow.

>>> import recsys_lab
>>> ds = recsys_lab.load_dataset("ml-100k", seed=42)          # doctest: +SKIP
>>> split = recsys_lab.splits.rating_split(ds, seed=42)      # doctest: +SKIP
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

__version__ = "0.1.0"

LAYERS = ("data", "protocol", "methods", "models", "ui", "course")

# The package's own names, each with the module that defines it; resolved on first use.
_EXPORTS = {
    "Dataset": "recsys_lab.data.dataset",
    "DataError": "recsys_lab.data.dataset",
    "check_ratings": "recsys_lab.data.dataset",
    "load_movielens": "recsys_lab.data.movielens",
    "DataUnavailableError": "recsys_lab.data.releases",
    "CorruptDataError": "recsys_lab.data.releases",
    "RELEASES": "recsys_lab.data.releases",
    "make_synthetic": "recsys_lab.data.synthetic",
    "load_dataset": "recsys_lab.data.load",
    "setup_notebook": "recsys_lab.course.notebook",
}


@functools.cache
def short_names() -> dict[str, str]:
    """Every module of every layer by its short name: `{"metrics": "recsys_lab.protocol.metrics", ...}`.

    Read from the folders (nothing is imported), so a new module is reachable as soon as its file exists.
    A short name may live in one layer only.
    """
    names: dict[str, str] = {}
    root = Path(__file__).parent
    for layer in LAYERS:
        for module in pkgutil.iter_modules([str(root / layer)]):
            if module.name.startswith("_"):
                continue
            if module.name in names or module.name in LAYERS:
                raise ImportError(f"recsys_lab: module name {module.name!r} of {layer}/ is used twice")
            names[module.name] = f"recsys_lab.{layer}.{module.name}"
    return names


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in short_names():
        return importlib.import_module(short_names()[name])
    raise AttributeError(f"module 'recsys_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *short_names(), *LAYERS})
