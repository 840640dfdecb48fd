"""One entry point for the notebooks' `DATASET` parameter: a MovieLens release or the synthetic world.

>>> ds = load_dataset("synthetic", seed=42)      # doctest: +SKIP
>>> ds = load_dataset("ml-100k")                 # doctest: +SKIP  (falls back to synthetic, and says so)
"""

from __future__ import annotations

import os

from recsys_lab.data.dataset import Dataset
from recsys_lab.data.movielens import load_movielens
from recsys_lab.data.releases import RELEASES, DataUnavailableError

DATASETS = ("synthetic", *RELEASES)


def load_dataset(
    name: str,
    *,
    seed: int = 0,
    fallback: str | None = "synthetic",
    data_home: str | os.PathLike | None = None,
    verbose: bool = True,
) -> Dataset:
    """Load `name` ("synthetic" or a MovieLens release); print where it came from.

    Args:
        name: "synthetic", "ml-100k", "ml-latest-small", ...
        seed: seed of the synthetic world (used for `name="synthetic"` and for the fallback).
        fallback: "synthetic" to use the synthetic world when the release cannot be had here
            (no network, no cache, no mirror), saying so; None to raise instead.
        data_home: cache folder for MovieLens (see `load_movielens`).
        verbose: print one line saying what was loaded and from where.
    """
    from recsys_lab.data.synthetic import make_synthetic

    if name == "synthetic":
        dataset = make_synthetic(seed=seed)
    elif name not in RELEASES:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    else:
        try:
            dataset = load_movielens(name, data_home=data_home)
        except DataUnavailableError as exc:
            if fallback != "synthetic":
                raise
            print(
                f"NOTE: {name} is not available here, so this notebook uses the synthetic world instead.\n"
                f"      Why: {exc}"
            )
            dataset = make_synthetic(seed=seed)
    if verbose:
        print(f"Loaded {dataset!r}")
    return dataset
