"""Scoring items nobody has rated, in a fitted biased MF's item space: baselines and the cold-start table (§3.2).

A `BiasedMF` fitted on the warm items scores r̂(u, i) = μ + b_u + b_i + ⟨p_u, q_i⟩. A cold item has no (q_i, b_i)
of its own; give it one from anywhere (a content CNN, its genres, zeros) and `ItemSpaceScorer` scores it for the
MF's users like any other item. Two ranking protocols measure the result (`cold_start_table`):

* ndcg@k / recall@k (cold catalogue): rank *all* cold items per user, relevant = the ones the user rated.
  Which items get rated is mostly popularity, which no content shows: this is the "will they watch it" task.
* ndcg@k (rated, graded): rank only the cold items each user rated, gain 2^r - 1 (`metrics.rated_ndcg`):
  the "will they like it" task, where content about taste can show.

numpy/scipy/pandas over the MF's arrays: no TensorFlow here.

>>> models = cold_baselines(mf, ds, split.cold_items, seed=0)    # popularity, user bias, genre average  # doctest: +SKIP
>>> cold_start_table(models, split, k=10)                         # one row per model  # doctest: +SKIP
>>> planted_ceiling(synthetic_ds, split, k=10)                    # the synthetic world's truth  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys_lab.data.dataset import Dataset
from recsys_lab.data.ids import IdEncoder
from recsys_lab.protocol.evaluation import evaluate_ranking, evaluate_rated_ranking, evaluate_ratings
from recsys_lab.protocol.metrics import ranking_metrics, rated_ndcg, top_k
from recsys_lab.protocol.splits import Split


class ItemSpaceScorer:
    """r̂(u, i) = μ + b_u + b_i + ⟨p_u, q_i⟩ with a fitted BiasedMF's users and *any* items given as (q_i, b_i).

    Has what `evaluation.evaluate_ratings` / `evaluate_ranking` and `widgets_embeddings.similar_movies` read,
    over its own items (e.g. the cold ones); `seen` holds the MF's training ratings of those items.
    `personal=False` drops μ's companions b_u and p_u: r̂ = μ + b_i.

    Args:
        mf: a fitted `BiasedMF` (its users, μ and rating scale are used).
        item_ids: `(n,)` distinct raw item ids.
        item_vectors: `(n, d)` q_i, rows in `item_ids` order.
        item_bias: `(n,)` b_i.
    """

    def __init__(
        self, mf, item_ids, item_vectors, item_bias, *, name: str = "content", personal: bool = True
    ):
        self.item_encoder, self.name = IdEncoder(item_ids, "item_id"), name
        order = np.argsort(np.asarray(item_ids, dtype=np.int64), kind="stable")  # encoder rows: sorted ids
        if len(order) != len(self.item_encoder) or np.shape(item_vectors) != (len(order), mf.embedding_dim):
            raise ValueError(f"need distinct item_ids and item_vectors of shape ({len(order)}, "
                             f"{mf.embedding_dim}); got {np.shape(item_vectors)}")  # fmt: skip
        self.item_vectors = np.asarray(item_vectors, np.float64)[order]  # (num_items, d)
        self.item_bias = np.asarray(item_bias, np.float64)[order]  # (num_items,)
        self.user_encoder, self.global_mean, self.rating_scale = (mf.user_encoder, mf.global_mean,
                                                                  mf.rating_scale)  # fmt: skip
        self.user_vectors = mf.user_embeddings * personal  # (num_users, d)
        self.user_bias = mf.user_bias * personal  # (num_users,)
        self.num_users, self.num_items = len(self.user_encoder), len(self.item_encoder)
        mf_index = mf.item_encoder.transform(self.item_encoder.ids, unknown="ignore")
        warm = np.flatnonzero(mf_index >= 0)
        select = sp.csr_matrix(  # (MF items, these items): MF item column → this scorer's column
            (np.ones(len(warm)), (mf_index[warm], warm)), shape=(mf.num_items, self.num_items)
        )
        self.seen = (mf.seen.astype(np.float64) @ select).astype(bool).tocsr()

    def score_items(self, user_index) -> np.ndarray:
        u = np.asarray(user_index, dtype=np.int64)  # (n,) → scores (n, num_items)
        dots = self.user_vectors[u] @ self.item_vectors.T  # (n, d) @ (d, num_items)
        return self.global_mean + self.user_bias[u, None] + self.item_bias[None, :] + dots

    def score_pairs(self, user_index, item_index) -> np.ndarray:
        u, i = np.asarray(user_index, dtype=np.int64), np.asarray(item_index, dtype=np.int64)
        dots = np.einsum("nd,nd->n", self.user_vectors[u], self.item_vectors[i])  # (n,)
        return self.global_mean + self.user_bias[u] + self.item_bias[i] + dots

    def predict(self, user_id, item_id) -> np.ndarray:
        """Ratings for raw id pairs, clipped; a user the MF never saw gets b_u = 0 and p_u = 0."""
        i = self.item_encoder.transform(np.ravel(item_id))  # unknown items: a ValueError naming them
        u = self.user_encoder.transform(np.ravel(user_id), unknown="ignore")
        scores = self.global_mean + self.item_bias[i]
        scores[u >= 0] = self.score_pairs(u[u >= 0], i[u >= 0])
        return np.clip(scores, *self.rating_scale).reshape(np.shape(item_id))


def genre_average(mf, ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(q, b) of every item of `ds.items` = the mean over its genres of the per-genre mean (q_i, b_i).

    Per-genre means are taken over the items the MF was fitted on; an item without a genre gets (0, 0).
    Returns `(len(ds.items), d)` and `(len(ds.items),)`, rows in `ds.items` order.
    """
    genres = ds.genre_matrix().astype(np.float64)  # (n, G) multi-hot
    index = mf.item_encoder.transform(ds.items["item_id"], unknown="ignore")
    rows = genres[index >= 0]  # (warm items, G)
    per_genre = rows.T @ np.c_[mf.item_embeddings, mf.item_bias][index[index >= 0]]  # (G, d + 1)
    per_genre /= np.maximum(rows.sum(axis=0), 1)[:, None]
    mean = genres @ per_genre / np.maximum(genres.sum(axis=1), 1)[:, None]  # (n, d + 1)
    return mean[:, :-1], mean[:, -1]


def cold_baselines(mf, ds: Dataset, item_ids, *, seed: int) -> dict[str, ItemSpaceScorer]:
    """Baselines for `item_ids` (items nobody has rated), on the same scale as the content models.

    popularity: a cold item has no ratings, so no count and no mean: it predicts μ, and its ranking is a
    tie, broken at random (seeded). user bias: μ + b_u, the user's leniency, nothing of the item (within one
    user it ranks like popularity). genre average: (q, b) from `genre_average`.
    """
    rows = pd.Series(np.arange(len(ds.items)), index=ds.items["item_id"].to_numpy()).loc[item_ids].to_numpy()
    q, b = genre_average(mf, ds)
    zeros = np.zeros((len(rows), mf.embedding_dim))
    jitter = 1e-9 * np.random.default_rng(seed).random(len(rows))
    return {"popularity": ItemSpaceScorer(mf, item_ids, zeros, jitter, name="popularity", personal=False),
            "user bias": ItemSpaceScorer(mf, item_ids, zeros, jitter, name="user bias"),
            "genre average": ItemSpaceScorer(mf, item_ids, q[rows], b[rows], name="genre average")}  # fmt: skip


def cold_start_table(models: dict, split: Split, *, k: int = 10) -> pd.DataFrame:
    """One row per model: RMSE on every test rating, and both ranking protocols of the module docstring.

    Columns: `rmse`, `ndcg@k (cold catalogue)`, `recall@k (cold catalogue)`, `ndcg@k (rated, graded)`.
    """
    rows = {}
    for name, model in models.items():
        catalogue = evaluate_ranking(model, split, k=k)
        rows[name] = {"rmse": evaluate_ratings(model, split.test)["rmse"],
                      **{f"{m}@{k} (cold catalogue)": catalogue[f"{m}@{k}"] for m in ("ndcg", "recall")},
                      f"ndcg@{k} (rated, graded)": evaluate_rated_ranking(model, split.test, k=k)[f"ndcg@{k}"]}  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index")


def planted_ceiling(ds: Dataset, split: Split, *, k: int = 10) -> dict[str, float]:
    """Both NDCG@k of a synthetic world's truth on `split`'s cold items: what perfect item vectors could reach.

    Cold catalogue: every test user's cold items ranked by the true taste ⟨p_u, q_i⟩. Rated, graded: each
    user's rated cold items ranked by the true expected rating μ + b_u + b_i + ⟨p_u, q_i⟩.
    """
    if ds.truth is None:
        raise ValueError(f"{ds.name} has no planted truth: only the synthetic world has one")
    test, cold = split.test, np.asarray(split.cold_items)  # cold: sorted ids
    users = np.unique(test["user_id"])
    scores = ds.truth.user_factors[users - 1] @ ds.truth.item_factors[cold - 1].T  # (users, cold items)
    relevant = sp.csr_matrix((np.ones(len(test)), (np.searchsorted(users, test["user_id"]),
                                                   np.searchsorted(cold, test["item_id"]))), shape=scores.shape)  # fmt: skip
    expected = ds.truth.expected_rating(test["user_id"], test["item_id"])
    return {f"ndcg@{k} (cold catalogue)": ranking_metrics(top_k(scores, k, last_among_ties=relevant), relevant, k)[f"ndcg@{k}"],
            f"ndcg@{k} (rated, graded)": rated_ndcg(test["user_id"], test["rating"], expected, k=k)[f"ndcg@{k}"]}  # fmt: skip
