"""The contract every model of the kit keeps: `fit` on a ratings table, `predict` ratings, `recommend` a top-k.

A model implements two hooks on dense indices and inherits the rest:

>>> class Constant(Recommender):                      # predicts 3.5 for every pair
...     def _fit(self, user_index, item_index, rating):
...         pass
...     def _predict(self, user_index, item_index):
...         return np.full(len(user_index), 3.5)
>>> import pandas as pd
>>> Constant().fit(pd.DataFrame({"user_id": [1, 2], "item_id": [10, 20], "rating": [4.0, 2.0]})).predict([1], [20])
array([3.5])

`fit` checks the table (`data.dataset.check_ratings`), fits the id encoders (`data.ids`) and the seen-items matrix;
`predict` clips to the rating scale and handles unseen ids; `recommend` ranks every item (`protocol.metrics.top_k`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys_lab.data.dataset import check_ratings
from recsys_lab.data.ids import IdEncoder
from recsys_lab.protocol.metrics import top_k


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
        # in float64: a float32 prediction clipped to 0.7 would read 0.69999999, below the scale
        return np.clip(np.asarray(pred, np.float64), *self.rating_scale).reshape(user_id.shape)

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
