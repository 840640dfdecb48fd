"""Blending: fitted rating models combined by least squares on ratings none of them was trained on (§5).

    r̂_blend(u, i) = clip(w₀ + Σₘ wₘ r̂ₘ(u, i), rating scale)

The weights are a linear regression of held-out ratings on the models' predictions of them. Held out is the
point: on their own training ratings the models are too good (the flexible ones most), and weights fitted
there would trust the most overfitted model. So the training part is split once more: the models are fitted
on most of it, the weights on the rest, and the test part is touched only to report. Blends of many models
won the Netflix Prize; the winning one was never put in production, because its gain did not pay for running
a hundred models (Netflix technology blog, 2012): accuracy bought with complexity.

>>> part = splits.random_split(split.train, 0.1, seed=42)                     # doctest: +SKIP
>>> models = {"biased MF": BiasedMF().fit(part.train), "bias": BiasBaseline().fit(part.train)}  # doctest: +SKIP
>>> blend = fit_blend(models, part.test); blend.weights; blend.predict(users, items)            # doctest: +SKIP

Rankings blend the same way, on scores instead of ratings: `ScoreBlend` adds two rankers' scores, each
standardised per user, the second weighted by α, chosen by `fit_score_blend` on a validation slice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg

from recsys_lab.data.dataset import check_ratings


def fit_weights(predictions: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Least-squares weights with an intercept: w = argmin ‖[1, P] w − y‖², solved by QR.

    Args:
        predictions: P, `(n, m)`: m models' predictions of n held-out ratings.
        truth: y, `(n,)`: those ratings.

    Returns:
        w, `(m + 1,)`: the intercept, then one weight per model.

    Raises:
        ValueError: shapes that do not match, fewer than m + 2 ratings, or values that are not finite.
    """
    predictions, truth = np.asarray(predictions, np.float64), np.asarray(truth, np.float64)
    if (
        predictions.ndim != 2
        or truth.shape != predictions.shape[:1]
        or len(truth) <= predictions.shape[1] + 1
    ):
        raise ValueError(
            f"need P (n, m) and y (n,) with n > m + 1; got {predictions.shape} and {truth.shape}"
        )
    if not (np.isfinite(predictions).all() and np.isfinite(truth).all()):
        raise ValueError("predictions and ratings must be finite: a model predicted NaN or inf")
    design = np.column_stack([np.ones(len(truth)), predictions])  # [1, P], (n, m + 1)
    q, r = np.linalg.qr(design)  # design = Q R, R upper triangular (m + 1, m + 1)
    return scipy.linalg.solve_triangular(r, q.T @ truth)  # R w = Qᵀ y


def model_predictions(models: dict, user_id, item_id) -> np.ndarray:
    """Each model's `predict` of the pairs, one column per model in `models`' order: `(n, len(models))`."""
    return np.column_stack([np.asarray(m.predict(user_id, item_id), np.float64) for m in models.values()])


@dataclass(frozen=True)
class Blend:
    """Fitted rating models and their blend weights; `predict` like any recommender's (see `fit_blend`)."""

    models: dict
    weights: np.ndarray  # (1 + len(models),): intercept first
    rating_scale: tuple[float, float]
    name: str = "blend"

    def predict(self, user_id, item_id) -> np.ndarray:
        """The blended rating of each (user, item) pair, clipped to the rating scale: `(n,)`."""
        blended = self.weights[0] + model_predictions(self.models, user_id, item_id) @ self.weights[1:]
        return np.clip(blended, *self.rating_scale)

    @property
    def weight_table(self) -> pd.Series:
        """The weights by name, the intercept first."""
        return pd.Series(self.weights, index=["intercept", *self.models], name="weight")


def fit_blend(
    models: dict, validation: pd.DataFrame, rating_scale: tuple[float, float] | None = None
) -> Blend:
    """Blend weights for fitted `models` (name → model with `predict`) from `validation`'s ratings.

    Args:
        models: the fitted models, none of them trained on `validation`.
        validation: held-out ratings (`user_id`, `item_id`, `rating`).
        rating_scale: (lowest, highest) to clip to; default the first model's `rating_scale`, else (1, 5).

    Raises:
        ValueError: no models, or too few ratings for the number of models.
        DataError: a bad ratings table (missing columns, NaN, ratings outside the scale).
    """
    if not models:
        raise ValueError("fit_blend needs at least one fitted model")
    scale = rating_scale or getattr(next(iter(models.values())), "rating_scale", None) or (1.0, 5.0)
    validation = check_ratings(validation, rating_scale=scale, what="validation ratings")
    users, items = validation["user_id"].to_numpy(), validation["item_id"].to_numpy()
    weights = fit_weights(model_predictions(models, users, items), validation["rating"].to_numpy(np.float64))
    return Blend(dict(models), weights, tuple(float(s) for s in scale))


class ScoreBlend:
    """Two rankers on one ranking: s(u, i) = z₁(u, i) + α z₂(u, i), each model's scores of every item
    standardised over the items for that user (zero mean, unit spread), so that scales that differ (EASE's
    reconstructions, a two-tower model's inner products) can be added. α is chosen by `fit_score_blend`.

    A recommender for the evaluation functions (`score_items`, `score_pairs`, `seen`, the encoders); both models
    must be fitted on the same training ratings.
    """

    name = "score blend"
    predicts_ratings = False

    def __init__(self, first, second, alpha: float):
        for attribute in ("user_encoder", "item_encoder"):
            if not np.array_equal(getattr(first, attribute).ids, getattr(second, attribute).ids):
                raise ValueError(
                    f"the two models know different {attribute.split('_')[0]}s: fit both on one table"
                )
        self.first, self.second, self.alpha = first, second, float(alpha)
        self.seen, self.user_encoder, self.item_encoder = first.seen, first.user_encoder, first.item_encoder
        self.num_users, self.num_items = first.num_users, first.num_items

    def score_items(self, user_index) -> np.ndarray:
        """`(len(user_index), num_items)`: z₁ + α z₂ per user."""
        return _standardised(self.first.score_items(user_index)) + self.alpha * _standardised(
            self.second.score_items(user_index)
        )

    def score_pairs(self, user_index, item_index) -> np.ndarray:
        """The blended score of each (user, item) pair of dense indices: `(n,)`."""
        user_index, item_index = np.asarray(user_index, np.int64), np.asarray(item_index, np.int64)
        users, row = np.unique(user_index, return_inverse=True)
        out = np.empty(len(user_index))
        for start in range(0, len(users), 256):  # each user's standardisation needs their whole row
            part = (row >= start) & (row < start + 256)
            out[part] = self.score_items(users[start : start + 256])[row[part] - start, item_index[part]]
        return out


def _standardised(scores: np.ndarray) -> np.ndarray:
    """Each row minus its mean, divided by its standard deviation (rows of equal scores stay 0)."""
    spread = scores.std(axis=1, keepdims=True)
    return (scores - scores.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0)


def fit_score_blend(first, second, validation, *, grid=(0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0), k: int = 10):
    """The `ScoreBlend` of two rankers fitted on `validation.train` whose α has the best NDCG@k on `validation`.

    Args:
        first, second: fitted on `validation.train` (a slice held out of the training part, never the test).
        validation: a `Split` whose test part is the held-out slice.
        grid: the α values tried; α = 0 is the first model alone.

    Returns:
        `(blend, curve)`: the best blend, and α → validation NDCG@k for every α tried.
    """
    from recsys_lab.protocol.evaluation import evaluate_ranking

    if not len(grid):
        raise ValueError("grid must hold at least one α")
    curve = {
        float(a): evaluate_ranking(ScoreBlend(first, second, a), validation, k=k)[f"ndcg@{k}"] for a in grid
    }
    return ScoreBlend(first, second, max(curve, key=curve.get)), curve
