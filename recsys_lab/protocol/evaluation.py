"""Evaluate any model of the kit the same way: rating error, full-catalogue ranking, sampled ranking.

Every chapter reports through these functions, so its numbers land unchanged in notebook 06's table; the
fourth, graded ranking of each user's rated test items, measures taste apart from popularity.

>>> evaluate_ratings(model, split.test)                  # {"rmse": ..., "mae": ..., "ratings": ...}  # doctest: +SKIP
>>> evaluate_ranking(model, split, k=10)                 # precision/recall/hit rate/NDCG/MRR@10, coverage  # doctest: +SKIP
>>> evaluate_sampled(model, split, k=10, seed=42)        # the same positives among 99 sampled negatives  # doctest: +SKIP
>>> evaluate_rated_ranking(model, split.test, k=10)      # graded NDCG@10 over each user's rated test items  # doctest: +SKIP
>>> evaluate_all(model, split, k=10, seed=42)            # all of the above but the graded one, as one row  # doctest: +SKIP

`model` is anything with the `Recommender` interface (`predict`, `score_items`, `score_pairs`,
`user_encoder`, `item_encoder`, `seen`).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys_lab.protocol.metrics import (
    catalogue_coverage,
    mae,
    ranking_metrics,
    rated_ndcg,
    rmse,
    sample_negatives,
    sampled_ranking_metrics,
    top_k,
)
from recsys_lab.protocol.splits import Split


def evaluate_ratings(model, test: pd.DataFrame) -> dict[str, float]:
    """RMSE and MAE of `model.predict` on every test rating (cold-start pairs use the model's fallback)."""
    pred = model.predict(test["user_id"].to_numpy(), test["item_id"].to_numpy())
    truth = test["rating"].to_numpy(np.float64)
    return {"rmse": rmse(truth, pred), "mae": mae(truth, pred), "ratings": len(test)}


def _relevant_pairs(
    model, test: pd.DataFrame, relevance_threshold: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Dense (user, item) indices of the test pairs that count as relevant and are known to the model."""
    if relevance_threshold is not None:
        test = test[test["rating"] >= relevance_threshold]
    u = model.user_encoder.transform(test["user_id"], unknown="ignore")
    i = model.item_encoder.transform(test["item_id"], unknown="ignore")
    keep = (u >= 0) & (i >= 0)
    return u[keep], i[keep]


def ranked_lists(
    model, split: Split, *, k: int = 10, relevance_threshold: float | None = None, batch_size: int = 1024
) -> tuple[np.ndarray, sp.csr_matrix]:
    """Every test user's top-`k` over the full catalogue (seen items excluded) and their relevant items.

    Ties count against the model: an item the user rated in test comes after every other item with the
    same score (`top_k(..., last_among_ties=relevant)`). So a model that scores all items alike gets no
    hit, never the credit that ranking ties by item id would give it (ml-100k's lowest ids are popular).

    Returns:
        `(recommended, relevant)`: `(num_users_tested, k)` dense item indices, best first (-1 = padding), and
        the users' rows of the `(num_users, num_items)` relevance matrix, in the same user order; what
        `metrics.ranking_metrics` (and any other top-k metric) takes.
    """
    u, i = _relevant_pairs(model, split.test, relevance_threshold)
    relevant = sp.csr_matrix((np.ones(len(u), bool), (u, i)), shape=(model.num_users, model.num_items))
    users = np.unique(u)
    if len(users) == 0:
        raise ValueError(
            "no test user has a relevant item known to the model; lower relevance_threshold "
            "or check that the model was fitted on split.train"
        )
    lists = []
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = model.score_items(batch)
        lists.append(top_k(scores, k, exclude=model.seen[batch], last_among_ties=relevant[batch]))
    return np.vstack(lists), relevant[users]


def evaluate_ranking(
    model, split: Split, *, k: int = 10, relevance_threshold: float | None = None, batch_size: int = 1024
) -> dict[str, float]:
    """Top-`k` metrics over the full catalogue, items seen in training excluded (`ranked_lists`).

    Args:
        model: a fitted model (on `split.train`).
        split: its relevant items are the test items of each user (known to the model).
        k: list length.
        relevance_threshold: count only test ratings >= this as relevant (None: every test rating).
        batch_size: users scored at once (memory ~ batch_size × num_items floats).

    Returns:
        `precision@k, recall@k, hit_rate@k, ndcg@k, mrr@k, users, coverage@k`.
    """
    recommended, relevant = ranked_lists(
        model, split, k=k, relevance_threshold=relevance_threshold, batch_size=batch_size
    )
    result = ranking_metrics(recommended, relevant, k)
    result[f"coverage@{k}"] = catalogue_coverage(recommended, model.num_items)
    return result


def evaluate_sampled(
    model,
    split: Split,
    *,
    k: int = 10,
    num_negatives: int = 99,
    seed: int,
    relevance_threshold: float | None = None,
) -> dict[str, float]:
    """The NCF protocol: each relevant test pair ranked against `num_negatives` items its user never rated.

    Negatives exclude everything the user rated, in train or test. Returns `hit_rate@k, ndcg@k, mrr, pairs`.
    """
    u, i = _relevant_pairs(model, split.test, relevance_threshold)
    all_u, all_i = _relevant_pairs(model, split.test, None)
    seen = (
        model.seen + sp.csr_matrix((np.ones(len(all_u), bool), (all_u, all_i)), shape=model.seen.shape)
    ).tocsr()
    negatives = sample_negatives(u, seen, model.num_items, num_negatives, seed)
    positive_scores = model.score_pairs(u, i)
    negative_scores = model.score_pairs(np.repeat(u, num_negatives), negatives.ravel()).reshape(
        negatives.shape
    )
    return sampled_ranking_metrics(positive_scores, negative_scores, k)


def evaluate_rated_ranking(model, test: pd.DataFrame, *, k: int = 10) -> dict[str, float]:
    """Graded NDCG@k ranking only each user's rated test items by `model.score_pairs` (`metrics.rated_ndcg`).

    Scores are unclipped, so items predicted above the top of the scale still differ; pairs whose user or item
    the model does not know are left out. Returns `ndcg@k` and `users` (those with >= 2 test ratings).
    """
    u = model.user_encoder.transform(test["user_id"], unknown="ignore")
    i = model.item_encoder.transform(test["item_id"], unknown="ignore")
    keep = (u >= 0) & (i >= 0)
    score = model.score_pairs(u[keep], i[keep])
    return rated_ndcg(u[keep], test["rating"].to_numpy(np.float64)[keep], score, k=k)


def compare(
    models: dict,
    split: Split,
    *,
    k: int = 10,
    seed: int,
    rating_scale=None,
    sampled: bool = True,
    num_negatives: int = 99,
) -> pd.DataFrame:
    """Fit each model on `split.train` and report all metrics in one table (one row per model).

    Args:
        models: name → unfitted model.
        split: the split to fit and evaluate on.
        k: list length for the ranking metrics.
        seed: seed of the negative sampling.
        rating_scale: passed to `fit`.
        sampled: also report the sampled-negative metrics, with `num_negatives` negatives per pair.
    """
    rows = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(split.train, rating_scale=rating_scale)
        row = {"fit seconds": time.perf_counter() - start}
        rows[name] = row | evaluate_all(
            model, split, k=k, seed=seed, sampled=sampled, num_negatives=num_negatives
        )
    return pd.DataFrame.from_dict(rows, orient="index")


def evaluate_all(
    model, split: Split, *, k: int = 10, seed: int, sampled: bool = True, num_negatives: int = 99
) -> dict[str, float]:
    """One fitted model's row of `compare`: `rmse, mae` (none for a model with `predicts_ratings = False`, which
    ranks only), `ndcg@k, recall@k, precision@k, coverage@k`, and `sampled hit_rate@k` when `sampled`."""
    row = {}
    if getattr(model, "predicts_ratings", True):
        row.update({m: v for m, v in evaluate_ratings(model, split.test).items() if m != "ratings"})
    ranking = evaluate_ranking(model, split, k=k)
    row.update({m: ranking[m] for m in (f"ndcg@{k}", f"recall@{k}", f"precision@{k}", f"coverage@{k}")})
    if sampled:
        row[f"sampled hit_rate@{k}"] = evaluate_sampled(
            model, split, k=k, num_negatives=num_negatives, seed=seed
        )[f"hit_rate@{k}"]
    return row
