"""EASE: a linear item-item model with a closed-form solution (Steck 2019), the ranking baseline to beat.

Every item's score for a user is a weighted sum of the items in the user's history, s_u = x_u B, with
x_u ∈ {0, 1}^num_items the user's row of the implicit training matrix X (1 = rated, whatever the rating).
B is the item-item weight matrix that best rebuilds X from itself without copying an item onto itself:

    min_B ‖X − X B‖²_F + λ ‖B‖²_F    subject to diag(B) = 0

With P = (XᵀX + λ I)⁻¹ the Lagrangian gives, column by column,

    B_ij = − P_ij / P_jj  (i ≠ j),    B_jj = 0,

one matrix inverse of num_items × num_items: no epochs, no learning rate, one hyper-parameter λ.

Scores are for *ranking*: they are not ratings (a user's scores are not on the 1-5 scale and an RMSE of them
means nothing), so `predict` raises; use `score_items`, `recommend` or `evaluation.evaluate_ranking`.
Because s_uj = Σ_{i ∈ history(u)} B_ij, a recommendation is explained exactly by its terms B_ij.

numpy and scipy only: no TensorFlow here.

>>> model = EASE(l2=500.0).fit(train)                      # doctest: +SKIP
>>> model.recommend(1, k=10)                                # rank, item_id, score  # doctest: +SKIP
>>> model.weights.shape                                     # (num_items, num_items), zero diagonal  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from recsys_lab.methods.recommender import Recommender


class EASE(Recommender):
    """Embarrassingly Shallow AutoEncoder: s_u = x_u B over the implicit training matrix (see the module docstring).

    Args:
        l2: λ > 0 and finite, the ridge penalty on B (larger: smoother weights, more weight on popular items).
        min_item_ratings: items with fewer training ratings are left out of B (never recommended, score -inf),
            which keeps the num_items² matrix small on large catalogues (ml-latest-small: use 5-10).

    Attributes (after `fit`): `weights` B `(num_modelled, num_modelled)`, `modelled` the dense indices of its
    items, `history` the CSR `(num_users, num_items)` 0/1 training matrix.
    """

    name = "EASE"
    score_name = "score (EASE's item-item sum)"  # a ranking score, not a rating

    def __init__(self, l2: float = 500.0, *, min_item_ratings: int = 1):
        if not 0 < l2 < np.inf or min_item_ratings < 1:  # an infinite l2 would make every weight NaN
            raise ValueError(
                f"need l2 > 0 (finite) and min_item_ratings >= 1; got {l2} and {min_item_ratings}"
            )
        self.l2, self.min_item_ratings = float(l2), int(min_item_ratings)

    def _fit(self, user_index, item_index, rating) -> None:
        self.history = self.seen.astype(np.float64).tocsr()  # X, (num_users, num_items), 1 = rated
        counts = np.bincount(item_index, minlength=self.num_items)
        self.modelled = np.flatnonzero(counts >= self.min_item_ratings)
        x = self.history[:, self.modelled]  # (num_users, m)
        gram = (x.T @ x).toarray()  # XᵀX, (m, m)
        gram[np.diag_indices_from(gram)] += self.l2
        p = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)  # P = (XᵀX + λI)⁻¹
        weights = p / -np.diag(p)[None, :]  # B_ij = −P_ij / P_jj
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights = np.ascontiguousarray(weights)  # LAPACK's inverse is column-major; rows are read below
        self._position = np.full(self.num_items, -1)  # dense item index → row/column of B, -1 if left out
        self._position[self.modelled] = np.arange(len(self.modelled))

    def score_items(self, user_index, users_per_batch: int = 1024) -> np.ndarray:
        """s_u = x_u B for every item: `(len(user_index), num_items)`; items left out of B score -inf."""
        self._check_fitted()
        user_index = np.asarray(user_index, dtype=np.int64)
        scores = np.full((len(user_index), self.num_items), -np.inf)
        known = user_index >= 0
        scores[np.ix_(~known, self.modelled)] = 0.0  # a user with no history: every modelled item scores 0
        rows = np.flatnonzero(known)
        for start in range(0, len(rows), users_per_batch):
            batch = rows[start : start + users_per_batch]
            x = self.history[user_index[batch]][:, self.modelled]  # (batch, m), sparse
            scores[np.ix_(batch, self.modelled)] = x @ self.weights  # (batch, m)
        return scores

    def _predict(self, user_index, item_index) -> np.ndarray:
        """Pair scores s_uj (what `score_pairs` returns), from full score rows of 256 users at a time."""
        user_index, item_index = np.asarray(user_index), np.asarray(item_index)
        users, inverse = np.unique(user_index, return_inverse=True)
        out = np.full(len(user_index), -np.inf)  # unknown items (-1) stay at -inf
        for start in range(0, len(users), 256):
            rows = self.score_items(users[start : start + 256])  # (≤ 256, num_items)
            pick = np.flatnonzero((inverse >= start) & (inverse < start + 256) & (item_index >= 0))
            out[pick] = rows[inverse[pick] - start, item_index[pick]]
        return out

    def predict(self, user_id, item_id) -> np.ndarray:
        raise NotImplementedError(
            "EASE predicts no ratings: its scores only rank items, so an RMSE of them means nothing. "
            "Use score_items / recommend, and evaluation.evaluate_ranking for its metrics"
        )

    def contributions(self, user_index: int, item_index: int) -> tuple[np.ndarray, np.ndarray]:
        """Why user u got item j: u's training items i and their terms B_ij, largest first; they sum to s_uj."""
        self._check_fitted()
        column = self._position[item_index]
        if column < 0:
            raise ValueError(
                f"item_index {item_index} is left out of B (fewer than {self.min_item_ratings} training ratings)"
            )
        history = self.history[user_index].indices  # dense indices of u's training items
        history = history[self._position[history] >= 0]
        terms = self.weights[self._position[history], column]
        order = np.argsort(-terms, kind="stable")
        return history[order], terms[order]

    def score_items_without(self, user_index: int, removed) -> np.ndarray:
        """User u's scores with some history items deleted, B unchanged: `(n, num_items)`, row r without `removed[r]`.

        s'_u = s_u − Σ_{i ∈ removed[r]} B_i·, exact because s_u is linear in the history (a deletion test of an
        explanation: does the item stay recommended without its reasons?). `removed` is `(n, m)` dense item indices
        of u's history, -1 for none.
        """
        removed = np.atleast_2d(np.asarray(removed, dtype=np.int64))  # (n, m)
        history = np.zeros(self.num_items, bool)
        history[self.history[user_index].indices] = True
        if not history[removed[removed >= 0]].all():
            raise ValueError(
                f"removed holds items that are not in user_index {user_index}'s training history"
            )
        rows = np.where(removed >= 0, self._position[np.maximum(removed, 0)], -1)  # rows of B; -1: none
        scores = np.repeat(self.score_items([user_index]), len(removed), axis=0)  # (n, num_items)
        change = np.zeros((len(removed), len(self.modelled)))  # (n, m)
        for column in rows.T:  # the first removed item of every row, then the second, ...
            change[column >= 0] += self.weights[column[column >= 0]]
        scores[:, self.modelled] -= change
        return scores

    def __repr__(self) -> str:
        return f"EASE(l2={self.l2:g}, min_item_ratings={self.min_item_ratings})"
