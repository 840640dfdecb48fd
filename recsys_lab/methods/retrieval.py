"""Top-K retrieval in a shared embedding space: for each user, the k items with the highest similarity.

    dot:     s(u, i) = ⟨u, i⟩ = Σ_k u_k i_k = uᵀi                 (length counts: long item vectors win)
    cosine:  s(u, i) = uᵀi / (‖u‖ ‖i‖) = cos ∠(u, i)            (direction only: lengths divided out)

Both need u and i in *one* space of one dimension d, learned together (`BiasedMF`, `TwoTower`): a 16-d user
code and a 64-d item vector have no inner product at all. For all users at once the scores are one matrix
product, S = U Iᵀ, shape `(num_users, num_items)`; `retrieve` computes it for a batch of users at a time (memory
stays `batch_size × num_items`) and keeps each row's k best with `metrics.top_k` (ties go to the lower item
index, items in `exclude` never come back, -1 pads a row with fewer than k allowed items).

>>> users = np.array([[1.0, 0.0], [0.0, 2.0]]); items = np.array([[3.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
>>> retrieve(users, items, k=2)[0]
array([[0, 1],
       [1, 2]])
>>> retrieve(users, items, k=2, metric="cosine")[0]     # item 0 is long, but item 1 points the same way
array([[0, 1],
       [2, 1]])

For catalogues far larger than MovieLens, `AnnIndex` answers the same question approximately with a
graph index (HNSW, from the optional `faiss-cpu` package); `recall_at_k` measures what the shortcut loses.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys_lab.protocol.metrics import PAD, csr_keys, keys_in, top_k

METRICS = ("dot", "cosine")
_BATCH_ENTRIES = 2**22  # scores held at once when batch_size is None: 4 M float64 = 32 MB


def _vectors(name: str, vectors) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)  # float64: a pair scores the same alone or in a batch
    if vectors.ndim != 2 or vectors.shape[0] == 0:
        raise ValueError(
            f"{name} must be a non-empty 2-D array (count, embedding_dim); got shape {vectors.shape}"
        )
    if not np.isfinite(vectors).all():
        raise ValueError(f"{name} holds NaN or infinite values: check the model that produced them")
    return vectors


def normalize(vectors) -> np.ndarray:
    """Rows scaled to unit length, `v / ‖v‖` (zero rows stay zero), as float64.

    >>> normalize([[3.0, 4.0], [0.0, 0.0]])
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def check_same_space(user_vectors: np.ndarray, item_vectors: np.ndarray) -> None:
    """Raise a ValueError unless both sets of vectors have the same dimension (the article's 16-d · 64-d bug)."""
    if user_vectors.shape[-1] != item_vectors.shape[-1]:
        raise ValueError(
            f"user vectors have {user_vectors.shape[-1]} dimensions but item vectors have "
            f"{item_vectors.shape[-1]}: an inner product needs both in one space of one dimension. "
            "Learn them together (BiasedMF, TwoTower); padding or cutting one side does not make the "
            "coordinates mean the same thing"
        )


def similarity(user_vectors, item_vectors, metric: str = "dot") -> np.ndarray:
    """The full score matrix `(num_users, num_items)`: U Iᵀ for "dot", the same on unit rows for "cosine"."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}")
    users, items = _vectors("user_vectors", user_vectors), _vectors("item_vectors", item_vectors)
    check_same_space(users, items)
    if metric == "cosine":
        users, items = normalize(users), normalize(items)
    return users @ items.T  # (num_users, d) @ (d, num_items)


def pair_scores(user_vectors, item_vectors, user_index, item_index, chunk: int = 65_536) -> np.ndarray:
    """⟨u, i⟩ for pairs of rows, `(n,)`: `sum(user_vectors[user_index] * item_vectors[item_index], axis=1)`.

    Computed `chunk` pairs at a time, so that scoring millions of pairs (99 sampled negatives per test
    rating) never gathers a `(n, d)` copy of the vectors at once.
    """
    user_index, item_index = np.asarray(user_index, dtype=np.int64), np.asarray(item_index, dtype=np.int64)
    out = np.empty(len(user_index), dtype=np.result_type(user_vectors, item_vectors))
    for start in range(0, len(user_index), chunk):
        part = slice(start, start + chunk)
        out[part] = np.einsum("nd,nd->n", user_vectors[user_index[part]], item_vectors[item_index[part]])
    return out


def retrieve(
    user_vectors,
    item_vectors,
    k: int,
    *,
    exclude: np.ndarray | sp.sparray | sp.spmatrix | None = None,
    metric: str = "dot",
    batch_size: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The top-`k` items of every user by inner product (or cosine), best first, in batches of users.

    Args:
        user_vectors: `(num_users, d)` float; one query per row.
        item_vectors: `(num_items, d)` float, the same space as `user_vectors`.
        k: list length, `1 <= k <= num_items`.
        exclude: None, or scipy.sparse / boolean `(num_users, num_items)`: nonzero = never return
            (usually the items each user saw in training, e.g. `model.seen[users]`).
        metric: "dot" or "cosine".
        batch_size: users scored per matrix product; None picks one that keeps ~4 M scores in memory.

    Returns:
        `(indices, scores)`: int64 `(num_users, k)` item indices (-1 = padding) and float64
        `(num_users, k)` scores (-inf at padding). Equals a full stable sort of each row by
        `(-score, item_index)`, whatever the batch size.
    """
    users, items = _vectors("user_vectors", user_vectors), _vectors("item_vectors", item_vectors)
    check_same_space(users, items)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got {metric!r}")
    num_users, num_items = len(users), len(items)
    if not 1 <= k <= num_items:
        raise ValueError(f"k={k} is out of range: it must be between 1 and num_items={num_items}")
    if exclude is not None:
        if not sp.issparse(exclude):
            exclude = np.asarray(exclude)
        if exclude.shape != (num_users, num_items):
            raise ValueError(
                f"exclude has shape {exclude.shape}; it must be (num_users, num_items) = "
                f"{(num_users, num_items)}"
            )
        exclude = sp.csr_array(exclude) if sp.issparse(exclude) else exclude
    if metric == "cosine":
        users, items = normalize(users), normalize(items)
    if batch_size is None:
        batch_size = max(1, _BATCH_ENTRIES // num_items)
    elif batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    indices = np.empty((num_users, k), dtype=np.int64)
    scores = np.empty((num_users, k), dtype=np.float64)
    for start in range(0, num_users, batch_size):
        rows = slice(start, start + batch_size)
        block = users[rows] @ items.T  # (batch, num_items)
        top = top_k(block, k, exclude=None if exclude is None else exclude[rows])  # (batch, k)
        indices[rows] = top
        scores[rows] = np.where(top >= 0, np.take_along_axis(block, np.maximum(top, 0), axis=1), -np.inf)
    return indices, scores


def similar_items(
    item_vectors, item_index: int, k: int = 10, *, metric: str = "cosine"
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` items nearest to item `item_index` (itself excluded): `(indices, scores)`, each `(k,)`."""
    items = _vectors("item_vectors", item_vectors)
    if not 0 <= item_index < len(items):
        raise ValueError(
            f"item_index {item_index} is outside [0, {len(items)}): use the model's item_encoder"
        )
    if not 1 <= k < len(items):
        raise ValueError(f"k={k} is out of range: it must be between 1 and {len(items) - 1}")
    itself = np.zeros((1, len(items)), dtype=bool)
    itself[0, item_index] = True
    indices, scores = retrieve(items[[item_index]], items, k, exclude=itself, metric=metric)
    return indices[0], scores[0]


def recall_at_k(approx: np.ndarray, exact: np.ndarray) -> float:
    """Share of the exact top-k that the approximate search also returned, averaged over rows.

        recall = mean over rows of |approx_row ∩ exact_row| / |exact_row|        (-1 padding ignored)

    >>> round(recall_at_k(np.array([[1, 2, 9], [4, 5, 6]]), np.array([[1, 2, 3], [4, 5, 6]])), 4)  # (2/3 + 1) / 2
    0.8333
    """
    approx, exact = np.asarray(approx), np.asarray(exact)
    if approx.ndim != 2 or approx.shape[0] != exact.shape[0] or exact.ndim != 2:
        raise ValueError(
            f"approx and exact must be 2-D with one row per query; got {approx.shape}, {exact.shape}"
        )
    found = (approx[:, :, None] == exact[:, None, :]) & (exact[:, None, :] != PAD)  # (rows, k_approx, k)
    num_exact = (exact != PAD).sum(axis=1)
    keep = num_exact > 0
    if not keep.any():
        raise ValueError("exact holds no item: nothing to recall")
    return float(np.mean(found.any(axis=1).sum(axis=1)[keep] / num_exact[keep]))


class VectorScorer:
    """A fitted model seen through its vectors and a chosen similarity, usable wherever a model is evaluated.

    `evaluation.evaluate_ranking` and `evaluate_sampled` only need `score_items`, `score_pairs`, the id
    encoders and `seen`; this borrows those from `model` and scores with `metric` on the given vectors, so
    "the same model, ranked by cosine instead of dot" is one line:

    >>> cosine = VectorScorer(model, model.user_vectors, model.item_vectors, metric="cosine")  # doctest: +SKIP
    >>> evaluation.evaluate_ranking(cosine, split, k=10)                                      # doctest: +SKIP
    """

    def __init__(self, model, user_vectors, item_vectors, metric: str = "dot"):
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}; got {metric!r}")
        users, items = _vectors("user_vectors", user_vectors), _vectors("item_vectors", item_vectors)
        check_same_space(users, items)
        if (len(users), len(items)) != model.seen.shape:
            raise ValueError(
                f"{len(users)} user and {len(items)} item vectors do not match the model's "
                f"{model.seen.shape[0]} users and {model.seen.shape[1]} items"
            )
        if metric == "cosine":
            users, items = normalize(users), normalize(items)
        self.users, self.items, self.metric = users, items, metric
        self.user_encoder, self.item_encoder, self.seen = model.user_encoder, model.item_encoder, model.seen
        self.num_users, self.num_items = len(users), len(items)
        self.name = f"{getattr(model, 'name', type(model).__name__)} ({metric})"

    def score_items(self, user_index) -> np.ndarray:
        return self.users[np.asarray(user_index, dtype=np.int64)] @ self.items.T  # (users, num_items)

    def score_pairs(self, user_index, item_index) -> np.ndarray:
        return pair_scores(self.users, self.items, user_index, item_index)


def _import_faiss():
    try:
        import faiss
    except ImportError as exc:
        raise ImportError(
            "AnnIndex needs faiss: pip install faiss-cpu (a wheel for Linux, macOS and Windows)"
        ) from exc
    return faiss


class AnnIndex:
    """Approximate top-K by inner product: an HNSW graph over the item vectors (faiss; Malkov & Yashunin 2018).

    The graph links each item to about `m` near neighbours in several layers; a query walks it greedily,
    keeping the `ef_search` best candidates seen. Cost per query grows like log(num_items) instead of
    num_items, at the price of sometimes missing a true top-k item: measure it with `recall_at_k` against
    `retrieve`. Larger `ef_search` = higher recall, slower queries.

    >>> index = AnnIndex(item_vectors, metric="dot")                      # doctest: +SKIP
    >>> approx, _ = index.search(user_vectors, k=10, exclude=seen)        # doctest: +SKIP
    >>> recall_at_k(approx, retrieve(user_vectors, item_vectors, 10, exclude=seen)[0])   # doctest: +SKIP

    Args:
        item_vectors: `(num_items, d)`.
        metric: "dot" or "cosine" (the items are normalised once; queries at search time).
        m: graph degree. ef_construction: candidates kept while building.
        num_threads: threads used to build the graph; 1 (the default) builds the same graph every time.
    """

    def __init__(
        self,
        item_vectors,
        *,
        metric: str = "dot",
        m: int = 32,
        ef_construction: int = 80,
        num_threads: int = 1,
    ):
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}; got {metric!r}")
        faiss = _import_faiss()
        items = _vectors("item_vectors", item_vectors)
        if metric == "cosine":
            items = normalize(items)
        self.metric, self.num_items, self.dim = metric, len(items), items.shape[1]
        self.index = faiss.IndexHNSWFlat(self.dim, m, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = ef_construction
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(num_threads)
        try:
            self.index.add(np.ascontiguousarray(items, dtype=np.float32))
        finally:
            faiss.omp_set_num_threads(threads)

    def search(
        self, user_vectors, k: int, *, exclude=None, ef_search: int = 64
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like `retrieve`: `(indices, scores)`, each `(num_users, k)`, -1 / -inf where nothing was found.

        Excluded items are dropped from a longer candidate list (k + the most items any query excludes).
        """
        users = _vectors("user_vectors", user_vectors)
        check_same_space(users, np.empty((0, self.dim)))
        if not 1 <= k <= self.num_items:
            raise ValueError(f"k={k} is out of range: it must be between 1 and num_items={self.num_items}")
        if self.metric == "cosine":
            users = normalize(users)
        extra = 0
        if exclude is not None:
            exclude = sp.csr_array(exclude, copy=True)  # never modify the caller's matrix
            if exclude.shape != (len(users), self.num_items):
                raise ValueError(
                    f"exclude has shape {exclude.shape}; it must be {(len(users), self.num_items)}"
                )
            exclude.eliminate_zeros()
            extra = int(np.diff(exclude.indptr).max(initial=0))
        wanted = min(k + extra, self.num_items)
        self.index.hnsw.efSearch = max(ef_search, wanted)
        scores, found = self.index.search(np.ascontiguousarray(users, dtype=np.float32), wanted)
        if exclude is not None:
            exclude.sort_indices()
            keys = np.arange(len(users), dtype=np.int64)[:, None] * self.num_items + found  # (users, wanted)
            found = np.where((found >= 0) & keys_in(csr_keys(exclude), keys), PAD, found)
        valid = found >= 0
        order = np.argsort(~valid, axis=1, kind="stable")[:, :k]  # keep found items in rank order
        indices = np.take_along_axis(found, order, axis=1).astype(np.int64)
        scores = np.where(indices >= 0, np.take_along_axis(scores, order, axis=1), -np.inf).astype(np.float64)
        return indices, scores
