"""Baselines every model must beat, each a `Recommender` (the interface all models share, `methods.recommender`).

>>> model = BiasBaseline().fit(train)                      # doctest: +SKIP
>>> model.predict([1, 1], [50, 172])                        # ratings on the dataset's scale  # doctest: +SKIP
>>> model.recommend(1, k=10)                                # a DataFrame: user_id, rank, item_id, score  # doctest: +SKIP

| baseline       | predicts r̂(u, i)                                         | ranks items by        |
|----------------|----------------------------------------------------------|-----------------------|
| GlobalMean     | μ                                                        | nothing (all tie)     |
| Popularity     | the item's mean rating, shrunk towards μ                 | number of ratings     |
| BiasBaseline   | μ + b_u + b_i, biases fitted by regularised least squares | μ + b_u + b_i         |
"""

from __future__ import annotations

import numpy as np

from recsys_lab.methods.recommender import Recommender


class GlobalMean(Recommender):
    """r̂(u, i) = μ, the mean training rating: the floor every model must clear."""

    name = "global mean"

    def _fit(self, user_index, item_index, rating) -> None:
        pass

    def _predict(self, user_index, item_index) -> np.ndarray:
        return np.full(len(user_index), self.global_mean)


class Popularity(Recommender):
    """Ranks items by how many training ratings they have; predicts the item's damped mean rating.

    r̂(u, i) = (Σ_{u'} r_{u'i} + damping · μ) / (n_i + damping), so items with few ratings stay near μ.
    """

    name = "popularity"
    score_name = "score (ratings count)"  # it ranks by count, not by its predicted rating (see score_pairs)

    def __init__(self, damping: float = 5.0):
        self.damping = damping

    def _fit(self, user_index, item_index, rating) -> None:
        self.item_count = np.bincount(item_index, minlength=self.num_items).astype(np.float64)
        total = np.bincount(item_index, weights=rating, minlength=self.num_items)
        self.item_mean = (total + self.damping * self.global_mean) / (self.item_count + self.damping)

    def _predict(self, user_index, item_index) -> np.ndarray:
        return np.where(item_index >= 0, self.item_mean[item_index], self.global_mean)

    def score_pairs(self, user_index, item_index) -> np.ndarray:
        self._check_fitted()
        item_index = np.asarray(item_index, dtype=np.int64)
        return np.where(item_index >= 0, self.item_count[item_index], 0.0)

    def __repr__(self) -> str:
        return f"Popularity(damping={self.damping})"


class BiasBaseline(Recommender):
    """r̂(u, i) = μ + b_u + b_i, with biases fitted by regularised alternating least squares.

    Each epoch solves, in closed form,
        b_u = Σ_{i ∈ I(u)} (r_ui − μ − b_i) / (reg_user + |I(u)|)
        b_i = Σ_{u ∈ U(i)} (r_ui − μ − b_u) / (reg_item + |U(i)|)
    which minimises Σ (r_ui − μ − b_u − b_i)² + reg_user Σ b_u² + reg_item Σ b_i² (Koren 2010, §2.1).
    Unseen users or items get a bias of 0.
    """

    name = "user+item bias"

    def __init__(self, reg_user: float = 15.0, reg_item: float = 10.0, epochs: int = 10):
        if reg_user < 0 or reg_item < 0 or epochs < 1:
            raise ValueError("reg_user and reg_item must be >= 0 and epochs >= 1")
        self.reg_user, self.reg_item, self.epochs = reg_user, reg_item, epochs

    def _fit(self, user_index, item_index, rating) -> None:
        self.fit_biases(
            user_index,
            item_index,
            rating,
            global_mean=self.global_mean,
            num_users=self.num_users,
            num_items=self.num_items,
        )

    def fit_biases(
        self,
        user_index: np.ndarray,
        item_index: np.ndarray,
        rating: np.ndarray,
        *,
        global_mean: float,
        num_users: int,
        num_items: int,
    ) -> BiasBaseline:
        """Fit μ, b_u and b_i on dense indices (no id encoding, no checks): for models that keep a bias fallback.

        Args:
            user_index, item_index: dense 0-based indices of the training ratings, shape `(n,)`.
            rating: the ratings, shape `(n,)`.
            global_mean: μ; num_users, num_items: the sizes of the bias vectors.
        """
        self.global_mean = global_mean
        residual = rating - global_mean
        user_count = np.bincount(user_index, minlength=num_users)
        item_count = np.bincount(item_index, minlength=num_items)
        self.user_bias = np.zeros(num_users)
        self.item_bias = np.zeros(num_items)
        for _ in range(self.epochs):
            self.user_bias = np.bincount(user_index, residual - self.item_bias[item_index], num_users) / (
                self.reg_user + user_count
            )
            self.item_bias = np.bincount(item_index, residual - self.user_bias[user_index], num_items) / (
                self.reg_item + item_count
            )
        return self

    def _predict(self, user_index, item_index) -> np.ndarray:
        return self.predict_biases(user_index, item_index)

    def predict_biases(self, user_index: np.ndarray, item_index: np.ndarray) -> np.ndarray:
        """μ + b_u + b_i for dense indices, unclipped; an index of -1 (unseen) counts its bias as 0."""
        b_u = np.where(user_index >= 0, self.user_bias[user_index], 0.0)
        b_i = np.where(item_index >= 0, self.item_bias[item_index], 0.0)
        return self.global_mean + b_u + b_i

    def score_items(self, user_index) -> np.ndarray:
        user_index = np.asarray(user_index, dtype=np.int64)
        return self.global_mean + self.user_bias[user_index, None] + self.item_bias[None, :]

    def __repr__(self) -> str:
        return f"BiasBaseline(reg_user={self.reg_user}, reg_item={self.reg_item}, epochs={self.epochs})"
