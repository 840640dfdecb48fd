"""Baselines every model must beat, and the fit / predict / recommend interface all models share.

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
import pandas as pd
import scipy.sparse as sp

from recsys_lab.data import check_ratings
from recsys_lab.splits import IdEncoder


class Recommender:
    """The interface every model of the kit has (baselines here, Keras models in `recsys_lab.models`).

    Subclasses implement `_fit(user_index, item_index, rating)` and `_predict(user_index, item_index)`
    (dense indices; -1 marks a user or item unseen in training, which the model must handle), and may
    override `score_items` with a faster all-items version.

    After `fit`: `user_encoder`, `item_encoder` (raw id ↔ dense index), `seen` (CSR of training
    interactions, `(num_users, num_items)`), `global_mean`, `rating_scale`.
    """

    name = "recommender"

    def fit(self, train: pd.DataFrame, *, rating_scale: tuple[float, float] | None = None) -> Recommender:
        """Fit on a ratings table (`user_id, item_id, rating`); returns self.

        Args:
            train: training ratings; checked with `check_ratings` (never modified).
            rating_scale: `(low, high)` used to clip predictions; default: the lowest and highest
                training rating.
        """
        train = check_ratings(train, rating_scale=rating_scale, what="train")
        if len(train) == 0:
            raise ValueError("train is empty: a model needs at least one rating to fit")
        rating = train["rating"].to_numpy(np.float64)
        self.rating_scale = rating_scale or (float(rating.min()), float(rating.max()))
        self.user_encoder = IdEncoder(train["user_id"], "user_id")
        self.item_encoder = IdEncoder(train["item_id"], "item_id")
        user_index = self.user_encoder.transform(train["user_id"])
        item_index = self.item_encoder.transform(train["item_id"])
        self.seen = sp.csr_matrix(
            (np.ones(len(train), bool), (user_index, item_index)), shape=(self.num_users, self.num_items)
        )
        self.global_mean = float(rating.mean())
        self._fit(user_index, item_index, rating)
        return self

    @property
    def num_users(self) -> int:
        return len(self.user_encoder)

    @property
    def num_items(self) -> int:
        return len(self.item_encoder)

    def _fit(self, user_index: np.ndarray, item_index: np.ndarray, rating: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, user_index: np.ndarray, item_index: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def clear_cache(self) -> None:
        """Forget anything cached from the fitted parameters (models that cache predictions override this)."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "user_encoder"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call .fit(train) first")

    def predict(self, user_id, item_id) -> np.ndarray:
        """Predicted ratings for pairs of raw ids, clipped to the rating scale.

        Users or items unseen in training get the model's fallback (for the baselines: their
        biases count as zero), never an error: test sets contain such cold-start pairs.
        """
        self._check_fitted()
        user_id, item_id = np.asarray(user_id), np.asarray(item_id)
        if user_id.shape != item_id.shape:
            raise ValueError(
                f"user_id and item_id must have the same shape; got {user_id.shape} and {item_id.shape}"
            )
        u = self.user_encoder.transform(user_id.ravel(), unknown="ignore")
        i = self.item_encoder.transform(item_id.ravel(), unknown="ignore")
        pred = self._predict_ids(u, i, user_id.ravel(), item_id.ravel())
        return np.clip(pred, *self.rating_scale).reshape(user_id.shape)

    def _predict_ids(self, user_index, item_index, user_id, item_id) -> np.ndarray:
        """`_predict`, for a model that also needs the raw ids (to look up side features of unseen ids)."""
        return self._predict(user_index, item_index)

    def score_pairs(self, user_index: np.ndarray, item_index: np.ndarray) -> np.ndarray:
        """Ranking scores of (user, item) pairs of dense indices; higher = recommend first.

        For rating models this is the unclipped predicted rating; a pure ranking model may score differently.
        """
        self._check_fitted()
        return self._predict(np.asarray(user_index, dtype=np.int64), np.asarray(item_index, dtype=np.int64))

    def score_items(self, user_index: np.ndarray, users_per_batch: int = 64) -> np.ndarray:
        """Ranking scores of every training item for each user: shape `(len(user_index), num_items)`.

        Scored through `score_pairs` for `users_per_batch` users at a time, so the pairs (and whatever a model
        builds per pair, such as feature rows) never number more than `users_per_batch × num_items`.
        """
        user_index = np.asarray(user_index, dtype=np.int64)
        scores = np.empty((len(user_index), self.num_items))
        for start in range(0, len(user_index), users_per_batch):
            chunk = user_index[start : start + users_per_batch]
            users, items = np.repeat(chunk, self.num_items), np.tile(np.arange(self.num_items), len(chunk))
            scores[start : start + len(chunk)] = self.score_pairs(users, items).reshape(len(chunk), -1)
        return scores

    def recommend(self, user_id: int, k: int = 10, *, exclude_seen: bool = True) -> pd.DataFrame:
        """The top-`k` items for one known user: a DataFrame `rank, item_id, score`.

        Raises:
            ValueError: the user was not in the training data.
        """
        from recsys_lab.metrics import top_k

        self._check_fitted()
        u = self.user_encoder.transform([user_id])
        scores = self.score_items(u)
        exclude = self.seen[u] if exclude_seen else None
        top = top_k(scores, min(k, self.num_items), exclude=exclude)[0]
        top = top[top >= 0]
        return pd.DataFrame(
            {
                "rank": np.arange(1, len(top) + 1),
                "item_id": self.item_encoder.inverse(top),
                "score": scores[0, top],
            }
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


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

    def __init__(self, damping: float = 5.0):
        self.damping = damping

    def _fit(self, user_index, item_index, rating) -> None:
        self.item_count = np.bincount(item_index, minlength=self.num_items).astype(np.float64)
        total = np.bincount(item_index, weights=rating, minlength=self.num_items)
        self.item_mean = (total + self.damping * self.global_mean) / (self.item_count + self.damping)

    def _predict(self, user_index, item_index) -> np.ndarray:
        return np.where(item_index >= 0, self.item_mean[item_index], self.global_mean)

    def score_pairs(self, user_index, item_index) -> np.ndarray:
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
        residual = rating - self.global_mean
        user_count = np.bincount(user_index, minlength=self.num_users)
        item_count = np.bincount(item_index, minlength=self.num_items)
        self.user_bias = np.zeros(self.num_users)
        self.item_bias = np.zeros(self.num_items)
        for _ in range(self.epochs):
            self.user_bias = np.bincount(
                user_index, residual - self.item_bias[item_index], self.num_users
            ) / (self.reg_user + user_count)
            self.item_bias = np.bincount(
                item_index, residual - self.user_bias[user_index], self.num_items
            ) / (self.reg_item + item_count)

    def _predict(self, user_index, item_index) -> np.ndarray:
        b_u = np.where(user_index >= 0, self.user_bias[user_index], 0.0)
        b_i = np.where(item_index >= 0, self.item_bias[item_index], 0.0)
        return self.global_mean + b_u + b_i

    def score_items(self, user_index) -> np.ndarray:
        user_index = np.asarray(user_index, dtype=np.int64)
        return self.global_mean + self.user_bias[user_index, None] + self.item_bias[None, :]

    def __repr__(self) -> str:
        return f"BiasBaseline(reg_user={self.reg_user}, reg_item={self.reg_item}, epochs={self.epochs})"
