"""Challenges of §5, as measurements: corrupt the training ratings on purpose, and check a saliency map.

Data quality. `add_rating_noise` and `drop_ratings` return a *new* ratings table with an exact share of the rows
perturbed or removed; `degradation` fits each model on corrupted training ratings only and scores it on the
untouched test part, one tidy row per (corruption, rate, model). The rows picked at a lower rate are a subset of
those picked at a higher rate (same seed), so a degradation curve moves by adding damage, not by redrawing it.

Explainability. `planted_blob` redraws the blob that `make_synthetic` paints on each poster from the planted
factors, and `mass_inside` says what share of a saliency map falls on it: the check of a saliency map against a
signal we planted ourselves.

numpy and pandas only: no TensorFlow here.

>>> noisy = add_rating_noise(split.train, 0.2, seed=42)                       # doctest: +SKIP
>>> table = degradation(split, {"bias": lambda t: BiasBaseline().fit(t)}, kind="noise",
...                     rates=[0, 0.2, 0.4], seed=42)                           # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from recsys_lab.data.synthetic import poster_codes
from recsys_lab.protocol.evaluation import evaluate_ratings
from recsys_lab.protocol.splits import Split

KINDS = ("noise", "missing")


def _check(ratings: pd.DataFrame, rate: float, what: str) -> None:
    if not isinstance(ratings, pd.DataFrame):
        raise ValueError(f"ratings must be a pandas DataFrame; got {type(ratings).__name__}")
    missing = [c for c in ("user_id", "item_id", "rating") if c not in ratings.columns]
    if missing:
        raise ValueError(f"ratings is missing column(s) {missing}; it has {list(ratings.columns)}")
    if not 0 <= rate < 1:
        raise ValueError(f"{what} rate must lie in [0, 1); got {rate}")


def _picked(num_rows: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """The first round(rate × n) positions of a seeded permutation: nested across rates."""
    return rng.permutation(num_rows)[: round(rate * num_rows)]


def add_rating_noise(
    ratings: pd.DataFrame, rate: float, *, seed: int, scale: float | None = None
) -> pd.DataFrame:
    """A copy of `ratings` in which exactly round(rate × n) ratings are corrupted, the rest untouched.

    Args:
        ratings: a ratings table (`user_id, item_id, rating`, ...); never modified.
        rate: the share of rows to corrupt, in [0, 1).
        seed: which rows, and their new values.
        scale: None replaces each picked rating by another value the table uses (1..5, or 0.5..5 in half
            stars), drawn uniformly: a careless or random click; exactly round(rate × n) ratings change. A
            number adds N(0, scale²) and rounds to the nearest value the table uses: a user unsure of their own
            taste; a small draw can round back to the old value, so fewer ratings may change.

    Returns:
        A new DataFrame, same columns, index and order; corrupted ratings stay on the rating scale.
    """
    _check(ratings, rate, "noise")
    if scale is not None and not scale > 0:
        raise ValueError(f"scale must be > 0 (the noise's standard deviation) or None; got {scale}")
    out = ratings.copy()
    rng = np.random.default_rng(seed)
    picked = _picked(len(out), rate, rng)
    values = np.unique(out["rating"].to_numpy())  # the scale's steps, sorted
    if len(values) < 2 and len(picked):
        raise ValueError(
            "every rating has the same value: there is no other value on the scale to replace it by"
        )
    old = out["rating"].to_numpy()[picked]
    if scale is None:  # one of the other len(values) - 1 steps, uniformly
        step = np.minimum((rng.random(len(out)) * (len(values) - 1)).astype(np.int64), len(values) - 2)
        step = step[: len(picked)]  # drawn for every row, so that the draws are nested across rates too
        new = values[step + (step >= np.searchsorted(values, old))]
    else:  # the step nearest to old + noise (ties to the lower one)
        noisy = old + rng.normal(0, scale, len(out))[: len(picked)]
        new = values[np.abs(noisy[:, None] - values[None, :]).argmin(axis=1)]
    column = out.columns.get_loc("rating")
    out.iloc[picked, column] = new.astype(out["rating"].dtype)
    return out


def drop_ratings(ratings: pd.DataFrame, rate: float, *, seed: int) -> pd.DataFrame:
    """A copy of `ratings` without exactly round(rate × n) rows picked at random (missing at random).

    Users or items that lose all their ratings become cold-start cases for the test part: the models' fallbacks
    score them. Rows keep their order and index labels.
    """
    _check(ratings, rate, "missing")
    keep = np.ones(len(ratings), bool)
    keep[_picked(len(ratings), rate, np.random.default_rng(seed))] = False
    return ratings[keep].copy()


def degradation(
    split: Split,
    models: Mapping[str, Callable[[pd.DataFrame], object]],
    *,
    kind: str,
    rates: Sequence[float],
    seed: int,
    scale: float | None = None,
    evaluate: Callable[[object, Split], Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Fit every model on the corrupted training part at every rate; score it on the untouched test part.

    Args:
        split: its `train` is corrupted, its `test` never.
        models: name → a function that takes a training table and returns a *fitted* model (so it can set
            epochs, seeds and the rating scale), e.g. `lambda train: BiasBaseline().fit(train)`.
        kind: "noise" (`add_rating_noise`) or "missing" (`drop_ratings`).
        rates: the shares to corrupt, each in [0, 1); 0 is the clean reference.
        seed: seed of the corruption (the same rows for every model).
        scale: passed to `add_rating_noise`.
        evaluate: (fitted model, split with the corrupted train) → metrics; default: RMSE and MAE on the test
            part (`evaluation.evaluate_ratings`).

    Returns:
        A tidy DataFrame, one row per (rate, model): `kind, rate, model, train_ratings, fit_seconds` and the
        metrics.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    if not models:
        raise ValueError("models is empty: give at least one name → fitting function")
    rows = []
    for rate in rates:
        if kind == "noise":
            train = add_rating_noise(split.train, rate, seed=seed, scale=scale)
        else:
            train = drop_ratings(split.train, rate, seed=seed)
        corrupted = Split(train, split.test, f"{split.name}, {kind} {rate:g}")
        for name, fit in models.items():
            start = time.perf_counter()
            model = fit(train)
            seconds = time.perf_counter() - start
            metrics = evaluate(model, corrupted) if evaluate else evaluate_ratings(model, split.test)
            row = {"kind": kind, "rate": float(rate), "model": name, "train_ratings": len(train)}
            rows.append(
                {**row, "fit_seconds": seconds, **{k: v for k, v in metrics.items() if k != "ratings"}}
            )
    return pd.DataFrame(rows)


def planted_blob(item_factors: np.ndarray, size: int) -> np.ndarray:
    """The blob `make_synthetic` paints on each poster, as weights in [0, 1]: `(num_items, size, size)`.

    Redrawn from the planted factors (`ds.truth.item_factors`) exactly as the world draws it: factor j enters
    as t_j (`synthetic.poster_codes`); the blob is centred at (0.3 t_2, 0.3 t_3) with radius 0.15 + 0.07 t_4,
    in poster coordinates running from -0.5 to 0.5.
    """
    t = poster_codes(item_factors).astype(np.float64)  # (n, 8)
    axis = (np.arange(size) + 0.5) / size - 0.5
    y, x = np.meshgrid(axis, axis, indexing="ij")  # (S, S) each: row = y, column = x
    radius = (0.15 + 0.07 * t[:, 4])[:, None, None]
    centre_x, centre_y = 0.3 * t[:, 2, None, None], 0.3 * t[:, 3, None, None]
    return np.exp(-((x - centre_x) ** 2 + (y - centre_y) ** 2) / (2 * radius**2))


def mass_inside(saliency: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Share of each saliency map's mass inside a region: `(n,)`, in [0, 1].

    Args:
        saliency: `(n, S, S)` non-negative maps (e.g. |gradient| summed over colour channels).
        region: `(n, S, S)` booleans, or weights in [0, 1] (a soft region, such as `planted_blob`).

    Compare it with the region's share of the poster (`region.mean(axis=(1, 2))`): a map that ignores the
    region puts about that share inside it; a map that looks at it puts more.
    """
    saliency, region = np.asarray(saliency, dtype=np.float64), np.asarray(region, dtype=np.float64)
    if saliency.shape != region.shape or saliency.ndim != 3:
        raise ValueError(
            f"saliency and region must both be (n, S, S); got {saliency.shape} and {region.shape}"
        )
    if (saliency < 0).any():
        raise ValueError("saliency must be non-negative: take the absolute value of the gradient first")
    total = saliency.sum(axis=(1, 2))
    return (saliency * region).sum(axis=(1, 2)) / np.where(total > 0, total, 1.0)
