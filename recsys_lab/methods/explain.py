"""Explain a recommendation by its neighbours: "because you liked X and Y", measured in an item embedding space.

A recommended item is explained by the items the user liked (`liked`: rated 4 or more, or above their own mean)
that lie nearest to it, by cosine similarity of item vectors (e.g. a biased MF's q_i). A reason must point towards
the item: a liked movie at a cosine of 0 or below is no reason, and a movie without one says so (`NO_REASON`).
The explanation is about the *space*, not about how a given model scored the item, so one space can explain the
lists of every model side by side.

numpy only: no TensorFlow here.

>>> reason, similarity = nearest_liked(item_vectors, liked_index=[3, 17], candidate_index=[5, 8], k=1)
>>> because_you_liked(titles, reason[0], similarity[0])      # 'because you liked Star Wars (1977) (cos 0.81)'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recsys_lab.methods.retrieval import normalize

NO_REASON = "no movie you rated highly points to it"


def liked(ratings) -> np.ndarray:
    """Which of one user's ratings say "I liked it": 4 or more, or above the user's own mean rating.

    The mean lets a harsh rater's best count (2, 2, 3: the 3 is liked); a lone 1 is no like, though it is the
    user's best. Returns a boolean mask of the ratings' shape.

    >>> liked([5, 3, 2, 2]).tolist(), liked([3, 2, 2]).tolist()
    ([True, True, False, False], [True, False, False])
    """
    r = np.asarray(ratings, dtype=np.float64)
    return (r >= 4) | (r > r.mean()) if r.size else np.zeros(r.shape, bool)


def nearest_liked(item_vectors, liked_index, candidate_index, *, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """For each candidate, the `k` liked items nearest to it by cosine similarity.

    The nearest may still point away (cosine <= 0): `because_you_liked` names only those pointing towards it.

    Args:
        item_vectors: `(num_items, d)` one vector per dense item index.
        liked_index: `(m,)` dense indices of the items the user liked (may be empty).
        candidate_index: `(n,)` dense indices of the items to explain.
        k: reasons per candidate.

    Returns:
        `reason` `(n, k)` dense indices into `item_vectors`, nearest first, and `similarity` `(n, k)` their
        cosines; where fewer than k items are liked (or a liked item is the candidate itself) the row is padded
        with -1 and NaN.
    """
    vectors = normalize(item_vectors)  # (num_items, d), unit rows
    liked = np.unique(np.asarray(liked_index, dtype=np.int64))
    candidates = np.asarray(candidate_index, dtype=np.int64)
    for name, index in (("liked_index", liked), ("candidate_index", candidates)):
        if index.size and (index.min() < 0 or index.max() >= len(vectors)):
            raise ValueError(
                f"{name} holds indices outside 0..{len(vectors) - 1}: dense item indices expected"
            )
    reason = np.full((len(candidates), k), -1, dtype=np.int64)
    similarity = np.full((len(candidates), k), np.nan)
    if liked.size == 0 or candidates.size == 0:
        return reason, similarity
    cos = vectors[candidates] @ vectors[liked].T  # (n, m)
    cos[candidates[:, None] == liked[None, :]] = -np.inf  # an item does not explain itself
    order = np.argsort(-cos, axis=1, kind="stable")[:, :k]  # (n, min(k, m))
    best = np.take_along_axis(cos, order, axis=1)
    found = np.isfinite(best)
    reason[:, : order.shape[1]] = np.where(found, liked[order], -1)
    similarity[:, : order.shape[1]] = np.where(found, best, np.nan)
    return reason, similarity


def because_you_liked(titles: Sequence[str], reason, similarity) -> str:
    """One line for one candidate: its reasons (a row of `nearest_liked`) as titles with their cosines.

    `titles[j]` is the title of dense item j. Only reasons with a positive cosine are named: a liked movie whose
    vector points away from the candidate does not support it. A row without such a reason says so
    (`NO_REASON`) instead of inventing one.
    """
    parts = [
        f"{titles[j]} (cos {s:.2f})" for j, s in zip(reason, similarity, strict=True) if j >= 0 and s > 0
    ]
    return "because you liked " + " and ".join(parts) if parts else NO_REASON
