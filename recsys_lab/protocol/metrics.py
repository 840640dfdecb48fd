"""How good is a recommender? Rating errors, top-k lists and ranking metrics, in plain numpy.

Two families of metric, matching the two kinds of model in the course:

* rating prediction (explicit feedback): `rmse`, `mae` on held-out ratings;
* ranking (implicit feedback): `top_k` turns a score matrix into recommendation lists, then
  `ranking_metrics` (full ranking over the catalogue) or `sampled_ranking_metrics` (the NCF protocol:
  one positive against N sampled negatives, with `sample_negatives`) measure them.

>>> scores = np.array([[0.1, 0.9, 0.5], [0.7, 0.2, 0.4]])
>>> top_k(scores, k=2)
array([[1, 2],
       [0, 2]])

Nothing here imports TensorFlow: these functions are the independent reference the Keras code is
checked against. Padding in recommendation lists is always -1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

PAD = -1  # marks an empty slot in a recommendation list


def _check_no_nan(name: str, values: np.ndarray, hint: str) -> None:
    num_nan = int(np.isnan(values).sum())
    if num_nan:
        raise ValueError(f"{name} holds {num_nan} NaN of {values.size} values: {hint}")


def _check_pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}: "
            "pass one prediction per held-out rating, in the same order"
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty: there is nothing to evaluate")
    hint = "predictions must be on the rating scale; fill them (e.g. with the global mean) before scoring"
    _check_no_nan("y_true", y_true, hint)
    _check_no_nan("y_pred", y_pred, hint)
    return y_true, y_pred


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error, `sqrt(mean((y_true - y_pred)**2))`, computed in float64.

    Args:
        y_true: held-out ratings, any shape.
        y_pred: predictions, same shape as `y_true`.

    >>> rmse([4.0, 2.0], [3.0, 2.0])  # sqrt((1 + 0) / 2)
    0.7071067811865476
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error, `mean(|y_true - y_pred|)`, computed in float64.

    >>> mae([4.0, 2.0], [3.0, 2.5])  # (1 + 0.5) / 2
    0.75
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def _dense_mask(
    exclude: np.ndarray | sp.sparray | sp.spmatrix, shape: tuple[int, ...], name: str = "exclude"
) -> np.ndarray:
    if sp.issparse(exclude):
        exclude = sp.csr_array(exclude)
        if exclude.shape != shape:
            raise ValueError(f"{name} has shape {exclude.shape}, scores {shape}: they must match")
        mask = np.zeros(shape, dtype=bool)
        mask[exclude.nonzero()] = True  # explicit zeros are not "seen"
        return mask
    mask = np.asarray(exclude)
    if mask.dtype != bool or mask.shape != shape:
        raise ValueError(
            f"{name} must be a scipy.sparse matrix or a boolean array of shape {shape}, "
            f"got {mask.dtype} {mask.shape}"
        )
    return mask


def top_k(
    scores: np.ndarray,
    k: int,
    exclude: np.ndarray | sp.sparray | sp.spmatrix | None = None,
    *,
    last_among_ties: np.ndarray | sp.sparray | sp.spmatrix | None = None,
) -> np.ndarray:
    """The `k` best-scored items of each user, best first.

    Order: descending score; among equal scores, the items marked in `last_among_ties` come after the
    others, then the lower item index first. The result equals a full stable sort by
    `(-score, marked, item_index)` and is reproducible. Items marked in `exclude` (usually those seen
    in training) are never returned; a user with fewer than `k` other items gets -1 padding.
    `np.partition` finds each user's k-th best score in O(num_items), so only k items get sorted.

    Scoring a list against held-out items, pass those items as `last_among_ties`: a tie then never
    helps the model (as in `sampled_ranking_metrics`). A model that gives every item the same score
    knows nothing, and gets no hit at all, instead of the credit the lowest ids would give it.

    Args:
        scores: float array `(num_users, num_items)`, not modified.
        k: list length, `1 <= k <= num_items`.
        exclude: None, a scipy.sparse matrix (nonzero = excluded) or a boolean array, same shape.
        last_among_ties: None, a scipy.sparse matrix or a boolean array, same shape: items placed after
            every other item with the same score (usually each user's held-out relevant items).

    Returns:
        int64 array `(num_users, k)` of item indices.

    >>> top_k(np.array([[1.0, 3.0, 3.0, 2.0]]), k=2, exclude=np.array([[False, True, False, False]]))
    array([[2, 3]])
    >>> top_k(np.array([[2.0, 2.0, 2.0]]), k=2, last_among_ties=np.array([[True, False, False]]))
    array([[1, 2]])
    """
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"scores must be 2-D (num_users, num_items), got shape {scores.shape}")
    num_users, num_items = scores.shape
    if not 1 <= k <= num_items:
        raise ValueError(f"k={k} is out of range: it must be between 1 and num_items={num_items}")
    _check_no_nan("scores", scores, "NaN cannot be ranked; check the model's outputs")

    dtype = scores.dtype if np.issubdtype(scores.dtype, np.floating) else np.float64
    masked = scores.astype(dtype, copy=True)  # never write into the caller's array
    allowed = np.ones(scores.shape, dtype=bool)
    if exclude is not None:
        allowed = ~_dense_mask(exclude, scores.shape)
        masked[~allowed] = -np.inf

    # The k-th best score per user; everything strictly above it is in the top k ...
    kth = np.partition(masked, num_items - k, axis=1)[:, num_items - k, None]  # (num_users, 1)
    above = masked > kth
    # ... and the remaining slots go to the allowed items tied at kth: unmarked ones first, then marked
    # ones, each lowest index first.
    marked = (
        np.zeros(scores.shape, bool)
        if last_among_ties is None
        else _dense_mask(last_among_ties, scores.shape, "last_among_ties")
    )
    tied = (masked == kth) & allowed
    free_slots = k - above.sum(axis=1)
    crowded = tied.sum(axis=1) > free_slots  # users with more ties than free slots
    if crowded.any():
        free = free_slots[crowded, None]
        first = tied[crowded] & ~marked[crowded]
        first &= np.cumsum(first, axis=1) <= free
        then = tied[crowded] & marked[crowded]
        then &= np.cumsum(then, axis=1) <= free - first.sum(axis=1, keepdims=True)
        tied[crowded] = first | then
    chosen = above | tied  # at most k per user

    # Gather the chosen items (in index order) into a padded (num_users, k) array.
    rows, items = np.nonzero(chosen)
    counts = chosen.sum(axis=1)
    slot = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    result = np.full((num_users, k), PAD, dtype=np.int64)
    result[rows, slot] = items

    # Sort the k candidates by descending score, then unmarked before marked; lexsort is stable, so index
    # order stays among full ties, and the padding (scored -inf, placed last) stays last.
    candidate_scores = np.where(result >= 0, np.take_along_axis(masked, np.maximum(result, 0), 1), -np.inf)
    candidate_marked = np.take_along_axis(marked, np.maximum(result, 0), 1) & (result >= 0)
    order = np.lexsort((candidate_marked, -candidate_scores), axis=1)
    return np.take_along_axis(result, order, axis=1)


def _relevant_csr(relevant: sp.sparray | sp.spmatrix | Sequence, recommended: np.ndarray) -> sp.csr_array:
    if sp.issparse(relevant):
        rel = sp.csr_array(relevant, copy=True)
    else:
        lists = [np.asarray(list(items), dtype=np.int64) for items in relevant]
        rows = np.repeat(np.arange(len(lists)), [len(items) for items in lists])
        cols = np.concatenate([*lists, np.zeros(0, np.int64)])
        num_items = int(max(cols.max(initial=-1), recommended.max(initial=-1))) + 1
        rel = sp.csr_array((np.ones(cols.size), (rows, cols)), shape=(len(lists), num_items))
    rel.sum_duplicates()  # also sorts the indices of each row
    rel.eliminate_zeros()
    return rel


def keys_in(sorted_keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Membership test of `queries` in the sorted 1-D array `sorted_keys` (any shape of queries)."""
    if sorted_keys.size == 0:
        return np.zeros(queries.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, queries), sorted_keys.size - 1)
    return sorted_keys[pos] == queries


def csr_keys(matrix: sp.csr_array) -> np.ndarray:
    """The sorted keys `user_index * num_items + item_index` of the stored entries of a canonical CSR."""
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    return rows * matrix.shape[1] + matrix.indices.astype(np.int64)


def ranking_metrics(
    recommended: np.ndarray, relevant: sp.sparray | sp.spmatrix | Sequence, k: int
) -> dict[str, float]:
    """Precision, recall, hit rate, NDCG and MRR at `k`, binary relevance, averaged over users.

    For one user with relevant set `rel` and hits at ranks `r` (1-based) among the first `k`:

        precision@k = hits / k              recall@k = hits / |rel|        hit_rate@k = [hits > 0]
        ndcg@k = sum_hit 1/log2(r + 1) / sum_{r=1}^{min(k, |rel|)} 1/log2(r + 1)
        mrr@k  = 1 / (rank of the first hit), 0 without a hit

    Users with no relevant item are skipped (not counted as zeros); "users" says how many were kept.

    Args:
        recommended: int array `(num_users, >= k)` of distinct item indices per row, -1 = padding
            (the output of `top_k`); only the first `k` columns are used.
        relevant: scipy.sparse `(num_users, num_items)` whose nonzero entries are the held-out items,
            or a list with one set/array of item indices per user.
        k: cut-off.

    >>> ranking_metrics(np.array([[3, 0, 2]]), [{3, 2}], k=3)["ndcg@3"]  # (1 + 1/2) / (1 + 1/log2(3))
    0.9197207891481876
    """
    recommended = np.asarray(recommended)
    if recommended.ndim != 2 or not np.issubdtype(recommended.dtype, np.integer):
        raise ValueError(
            f"recommended must be a 2-D int array (num_users, k), got {recommended.dtype} "
            f"{recommended.shape}; use top_k to build it"
        )
    if not 1 <= k <= recommended.shape[1]:
        raise ValueError(f"k={k} is out of range: recommended has {recommended.shape[1]} columns")
    recommended = recommended[:, :k].astype(np.int64)
    rel = _relevant_csr(relevant, recommended)
    num_users, num_items = rel.shape
    if recommended.shape[0] != num_users:
        raise ValueError(f"recommended has {recommended.shape[0]} rows but relevant has {num_users} users")
    if recommended.size and (recommended.min() < PAD or recommended.max() >= num_items):
        raise ValueError(f"recommended holds item indices outside [0, {num_items}) other than -1 padding")
    ordered = np.sort(recommended, axis=1)
    if np.any((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)):
        raise ValueError("a row of recommended repeats an item: each item may be recommended once")

    # hits[u, r] is True when the item at rank r + 1 of user u is relevant.
    queries = np.arange(num_users, dtype=np.int64)[:, None] * num_items + recommended  # (num_users, k)
    hits = keys_in(csr_keys(rel), queries) & (recommended >= 0)
    num_relevant = np.diff(rel.indptr)  # (num_users,)
    evaluated = num_relevant > 0
    if not evaluated.any():
        raise ValueError("no user has a relevant item: check the test split")
    hits, num_relevant = hits[evaluated], num_relevant[evaluated]

    num_hits = hits.sum(axis=1)
    discount = 1.0 / np.log2(np.arange(2, k + 2))  # 1/log2(r + 1) for r = 1..k
    dcg = hits @ discount
    idcg = np.cumsum(discount)[np.minimum(num_relevant, k) - 1]
    first_hit = np.argmax(hits, axis=1)  # 0 when there is no hit, hence the np.where below
    return {
        f"precision@{k}": float(np.mean(num_hits / k)),
        f"recall@{k}": float(np.mean(num_hits / num_relevant)),
        f"hit_rate@{k}": float(np.mean(num_hits > 0)),
        f"ndcg@{k}": float(np.mean(dcg / idcg)),
        f"mrr@{k}": float(np.mean(np.where(num_hits > 0, 1.0 / (first_hit + 1), 0.0))),
        "users": int(evaluated.sum()),
    }


def catalogue_coverage(recommended: np.ndarray, num_items: int) -> float:
    """Fraction of the catalogue recommended to at least one user: `|distinct items| / num_items`.

    >>> catalogue_coverage(np.array([[0, 1], [1, -1]]), num_items=4)
    0.5
    """
    if num_items < 1:
        raise ValueError(f"num_items must be at least 1, got {num_items}")
    items = np.unique(np.asarray(recommended))
    items = items[items >= 0]
    if items.size and items.max() >= num_items:
        raise ValueError(f"recommended holds item index {items.max()} but num_items={num_items}")
    return items.size / num_items


def sampled_ranking_metrics(
    positive_scores: np.ndarray, negative_scores: np.ndarray, k: int
) -> dict[str, float]:
    """Hit rate, NDCG and MRR of each held-out positive ranked among N sampled negatives (NCF protocol).

    He et al. (2017) rank each test item against N (often 100) items the user never interacted with:

        rank = 1 + #{negatives with score >= the positive's score}      (1 = best, N + 1 = worst)
        hit_rate@k = [rank <= k]    ndcg@k = [rank <= k] / log2(rank + 1)    mrr = 1 / rank

    Ties count against the model. Otherwise a model that gives every item the same score (a collapsed
    embedding, a saturated sigmoid) would rank every positive first and score a perfect hit rate;
    with `>=` it gets the worst rank, N + 1, as it should for knowing nothing.

    Args:
        positive_scores: `(P,)` scores of the held-out positive pairs.
        negative_scores: `(P, N)` scores of the N negatives sampled for each pair's user.
        k: cut-off, `1 <= k <= N + 1`.

    >>> sampled_ranking_metrics(np.array([0.9, 0.1]), np.array([[0.5, 0.2], [0.3, 0.1]]), k=1)
    {'hit_rate@1': 0.5, 'ndcg@1': 0.5, 'mrr': 0.6666666666666666, 'pairs': 2}
    """
    positive_scores = np.asarray(positive_scores, dtype=np.float64)
    negative_scores = np.asarray(negative_scores, dtype=np.float64)
    shapes_ok = positive_scores.ndim == 1 and negative_scores.shape[:1] == positive_scores.shape
    if not shapes_ok or negative_scores.ndim != 2:
        raise ValueError(
            f"expected positive_scores (P,) and negative_scores (P, N), got "
            f"{positive_scores.shape} and {negative_scores.shape}"
        )
    if positive_scores.size == 0:
        raise ValueError("no positive pairs to evaluate")
    num_negatives = negative_scores.shape[1]
    if not 1 <= k <= num_negatives + 1:
        raise ValueError(f"k={k} is out of range: it must be between 1 and N + 1 = {num_negatives + 1}")
    _check_no_nan("positive_scores", positive_scores, "NaN cannot be ranked; check the model's outputs")
    _check_no_nan("negative_scores", negative_scores, "NaN cannot be ranked; check the model's outputs")

    rank = 1 + np.sum(negative_scores >= positive_scores[:, None], axis=1)  # (P,)
    hit = rank <= k
    return {
        f"hit_rate@{k}": float(np.mean(hit)),
        f"ndcg@{k}": float(np.mean(np.where(hit, 1.0 / np.log2(rank + 1), 0.0))),
        "mrr": float(np.mean(1.0 / rank)),
        "pairs": int(positive_scores.size),
    }


def rated_ndcg(user_id: np.ndarray, rating: np.ndarray, score: np.ndarray, k: int = 10) -> dict[str, float]:
    """Graded NDCG@k over each user's *rated* test items: does the model order them as the user rated them?

    No unrated item takes part, so popularity (which items get rated at all) cannot help: only taste can.
    For a user with n_u >= 2 test ratings, sort them by descending score (ties: the lower rating first, so
    a tie never helps the model and a constant score gets the worst order), with gain g(r) = 2^r - 1:

        DCG@k = sum_{p=1}^{min(k, n_u)} g(r_(p)) / log2(p + 1)      r_(p): the rating at position p
        ndcg@k = DCG@k / IDCG@k                                      IDCG@k: DCG@k of the ratings sorted best first

    and average over the users with at least 2 test ratings (with one, every order is perfect), not all 0.

    Args:
        user_id: `(n,)` the user of each test rating (any hashable id).
        rating: `(n,)` the ratings, all >= 0.
        score: `(n,)` the model's score of each pair (higher = ranked first).
        k: cut-off, >= 1.

    >>> rated_ndcg([1, 1, 1], [5, 3, 1], [0.9, 0.1, 0.5], k=3)  # (31 + 1/log2 3 + 7/2) / (31 + 7/log2 3 + 1/2)
    {'ndcg@3': 0.9781276477263924, 'users': 1}
    """
    user_id, rating, score = np.asarray(user_id), np.asarray(rating, float), np.asarray(score, float)
    if not user_id.ndim == rating.ndim == score.ndim == 1 or not len(user_id) == len(rating) == len(score):
        raise ValueError(f"user_id, rating and score must be 1-D and of one length (one entry per test rating); "
                         f"got shapes {user_id.shape}, {rating.shape}, {score.shape}")  # fmt: skip
    if k < 1:
        raise ValueError(f"k={k} is out of range: it must be at least 1")
    _check_no_nan("score", score, "NaN cannot be ranked; check the model's outputs")
    _check_no_nan("rating", rating, "every test pair needs its rating")
    if rating.size and rating.min() < 0:
        raise ValueError(f"ratings must be >= 0 for the gain 2^r - 1, got {rating.min()}")
    users, user = np.unique(user_id, return_inverse=True)  # user: (n,) dense 0-based
    counts = np.bincount(user, minlength=len(users))

    def dcg(order: np.ndarray) -> np.ndarray:  # order: positions sorted by user, best first within a user
        start = np.cumsum(counts) - counts  # first position of each user
        position = np.arange(len(order)) - start[user[order]]  # 0-based rank within the user
        top = position < k
        gain = (2.0 ** rating[order] - 1) / np.log2(position + 2)
        return np.bincount(user[order][top], weights=gain[top], minlength=len(users))

    model = dcg(np.lexsort((rating, -score, user)))  # last key sorts first: user, then score, then rating
    ideal = dcg(np.lexsort((-rating, user)))
    keep = (counts >= 2) & (ideal > 0)
    if not keep.any():
        raise ValueError("no user has 2 or more test ratings (with a positive rating): nothing to rank")
    return {f"ndcg@{k}": float(np.mean(model[keep] / ideal[keep])), "users": int(keep.sum())}


def _repeats(block: np.ndarray) -> np.ndarray:
    """True where an entry repeats an earlier entry of its row: `_repeats([[4, 2, 4]]) -> [[F, F, T]]`."""
    order = np.argsort(block, axis=1, kind="stable")  # equal values stay in column order
    ranked = np.take_along_axis(block, order, axis=1)
    repeat_ranked = np.zeros(block.shape, dtype=bool)
    repeat_ranked[:, 1:] = ranked[:, 1:] == ranked[:, :-1]
    repeat = np.zeros(block.shape, dtype=bool)
    np.put_along_axis(repeat, order, repeat_ranked, axis=1)  # back to the original columns
    return repeat


def sample_negatives(
    user_index: np.ndarray, seen: sp.sparray | sp.spmatrix, num_items: int, num_negatives: int, seed: int
) -> np.ndarray:
    """For each positive pair, `num_negatives` distinct items its user has never interacted with.

    Rejection sampling, vectorised: draw uniformly, then re-draw every draw that the user has seen
    (looked up among the sorted keys `user_index * num_items + item_index` of `seen`) or that
    repeats an earlier draw in its row, until none is left. Rows that keep failing (users who have
    seen almost everything) are finished exactly from their list of unseen items.

    Args:
        user_index: `(P,)` the user of each held-out positive pair.
        seen: scipy.sparse `(num_users, num_items)`, nonzero = known interaction (train and test).
        num_items: size of the catalogue.
        num_negatives: N, negatives per pair.
        seed: seeds `np.random.default_rng`; the same seed gives the same negatives.

    Returns:
        int64 array `(P, num_negatives)`.

    >>> seen = sp.csr_array(np.array([[1, 1, 0, 0, 0]]))
    >>> sorted(sample_negatives(np.array([0]), seen, num_items=5, num_negatives=3, seed=0)[0].tolist())
    [2, 3, 4]
    """
    user_index = np.asarray(user_index, dtype=np.int64)
    seen = sp.csr_array(seen, copy=True)
    seen.sum_duplicates()
    seen.eliminate_zeros()
    if user_index.ndim != 1:
        raise ValueError(f"user_index must be 1-D (P,), got shape {user_index.shape}")
    if seen.shape[1] != num_items:
        raise ValueError(
            f"seen has {seen.shape[1]} columns but num_items={num_items}: "
            "build seen over the whole catalogue (train and test)"
        )
    if user_index.size and (user_index.min() < 0 or user_index.max() >= seen.shape[0]):
        raise ValueError(f"user_index must lie in [0, {seen.shape[0]}): seen has {seen.shape[0]} users")
    if num_negatives < 1:
        raise ValueError(f"num_negatives must be at least 1, got {num_negatives}")
    num_unseen = num_items - np.diff(seen.indptr)[user_index]
    if np.any(num_unseen < num_negatives):
        short = np.unique(user_index[num_unseen < num_negatives])
        raise ValueError(
            f"{short.size} user(s), e.g. user_index {short[:3].tolist()}, have fewer than "
            f"num_negatives={num_negatives} unseen items: lower num_negatives"
        )

    rng = np.random.default_rng(seed)
    seen_keys = csr_keys(seen)
    negatives = rng.integers(0, num_items, size=(user_index.size, num_negatives))
    todo = np.arange(user_index.size)  # rows that may still hold a rejected draw
    for _ in range(50):
        block = negatives[todo]  # (rows, num_negatives)
        rejected = keys_in(seen_keys, user_index[todo, None] * num_items + block)
        rejected |= _repeats(block)
        todo = todo[rejected.any(axis=1)]
        if todo.size == 0:
            return negatives
        block[rejected] = rng.integers(0, num_items, size=int(rejected.sum()))
        negatives[todo] = block[rejected.any(axis=1)]
    for row in todo:  # exact finish for the few rows that rejection sampling could not fill
        user = user_index[row]
        unseen = np.setdiff1d(np.arange(num_items), seen.indices[seen.indptr[user] : seen.indptr[user + 1]])
        negatives[row] = rng.choice(unseen, size=num_negatives, replace=False)
    return negatives


def _ridge_r2(
    design: np.ndarray, targets: np.ndarray, fit: np.ndarray, score: np.ndarray, ridge: float
) -> float:
    gram = design[fit].T @ design[fit] + ridge * np.eye(design.shape[1])
    weights = np.linalg.solve(gram, design[fit].T @ targets[fit])
    residual = targets[score] - design[score] @ weights
    spread = targets[score] - targets[score].mean(axis=0)
    return float(1 - (residual**2).sum() / (spread**2).sum())


def linear_probe_r2(
    features: np.ndarray,
    targets: np.ndarray,
    *,
    seed: int,
    test_fraction: float = 0.3,
    ridge: float | None = None,
    ridges: tuple[float, ...] = (0.1, 1, 10, 100, 1_000, 10_000),
) -> float:
    """How much of `targets` a linear map from `features` recovers on held-out rows: R² of a ridge fit.

    Fits W = argmin ‖[X 1] W − Y‖² + ridge ‖W‖² on a random (1 − test_fraction) of the rows and returns
    R² = 1 − Σ(Y − Ŷ)² / Σ(Y − Ȳ)² over the held-out rows, all target columns pooled. 1 is perfect; 0 is no
    better than predicting the mean; it can be negative. At least 2 rows are held out (one row has no spread).
    With `ridge=None` the strength is chosen from `ridges` on a quarter of the training rows (at least 2;
    the held-out rows are never used for the choice), so feature sets of different sizes are compared fairly.

    >>> x = np.random.default_rng(0).normal(size=(200, 3))
    >>> round(linear_probe_r2(x, x @ np.ones((3, 2)), seed=0, ridge=1e-9), 3)
    1.0
    """
    features, targets = np.asarray(features, np.float64), np.asarray(targets, np.float64)
    if targets.ndim == 1:
        targets = targets[:, None]
    if len(features) != len(targets) or len(features) < 8:
        raise ValueError(
            f"need as many feature rows as target rows (at least 8); got {len(features)} and {len(targets)}"
        )
    order = np.random.default_rng(seed).permutation(len(features))
    n_test = max(2, round(test_fraction * len(features)))  # one row has no spread: its R² divides by 0
    test, train = order[:n_test], order[n_test:]
    design = np.c_[features, np.ones(len(features))]
    if ridge is None:
        n_inner = max(2, len(train) // 4)
        inner_score, inner_fit = train[:n_inner], train[n_inner:]
        ridge = max(ridges, key=lambda r: _ridge_r2(design, targets, inner_fit, inner_score, r))
    return _ridge_r2(design, targets, train, test, ridge)
