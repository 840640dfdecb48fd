"""Explorers for a learned embedding space (§3.3): thin ipywidgets front ends over pure, testable functions.

>>> similar_movies(model, ds.items, item_id=50, k=10, metric="cosine")      # a DataFrame   # doctest: +SKIP
>>> similar_movies_explorer(model, ds.items)                                # dropdowns     # doctest: +SKIP
>>> user_top_k(model, ds.items, user_id=1, k=10, test=split.test)           # two DataFrames  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lab.methods.retrieval import METRICS, retrieve, similar_items


def model_vectors(model) -> tuple[np.ndarray, np.ndarray]:
    """The (user, item) vectors a model scores with: TwoTower's tower outputs, or BiasedMF's p_u and q_i."""
    if hasattr(model, "user_vectors"):
        return model.user_vectors, model.item_vectors
    if hasattr(model, "user_embeddings"):
        return model.user_embeddings, model.item_embeddings
    raise TypeError(f"{type(model).__name__} has no user/item vectors; use a TwoTower or BiasedMF")


def _describe(items: pd.DataFrame, item_ids: np.ndarray, counts: pd.Series | None = None) -> pd.DataFrame:
    table = items.set_index("item_id").reindex(item_ids)
    out = pd.DataFrame(
        {
            "item_id": item_ids,
            "title": table["title"].fillna("?").to_numpy(),
            "genres": [", ".join(g) if isinstance(g, list) else "" for g in table["genres"]],
        }
    )
    if counts is not None:
        out["ratings"] = counts.reindex(item_ids).fillna(0).astype(int).to_numpy()
    return out


def _rating_counts(model) -> pd.Series:
    return pd.Series(np.asarray(model.seen.sum(axis=0)).ravel(), index=model.item_encoder.ids)


def similar_movies(
    model, items: pd.DataFrame, item_id: int, k: int = 10, *, metric: str = "cosine"
) -> pd.DataFrame:
    """The `k` items whose vectors are nearest to `item_id`'s: `rank, item_id, title, genres, ratings, score`.

    Raises:
        ValueError: `item_id` was not in the model's training data.
    """
    _, item_vectors = model_vectors(model)
    index = int(model.item_encoder.transform([item_id])[0])  # unknown ids raise a clear ValueError
    found, scores = similar_items(item_vectors, index, k, metric=metric)
    ids = model.item_encoder.inverse(found)
    table = _describe(items, ids, _rating_counts(model))
    table.insert(0, "rank", np.arange(1, len(ids) + 1))
    table[metric] = scores
    return table


def user_top_k(
    model,
    items: pd.DataFrame,
    user_id: int,
    k: int = 10,
    *,
    metric: str = "dot",
    train: pd.DataFrame | None = None,
    test: pd.DataFrame | None = None,
    history: int = 5,
):
    """A user's top-`k` by retrieval in the model's space (seen items excluded), and what they liked in training.

    Returns:
        `(liked, recommended)`: the user's `history` highest-rated training items (needs `train`), and the
        top-`k` with a column `in test` marking the items the user rated in `test` (when given).
    """
    user_vectors, item_vectors = model_vectors(model)
    u = model.user_encoder.transform([user_id])  # unknown ids raise a clear ValueError
    found, scores = retrieve(user_vectors[u], item_vectors, k, exclude=model.seen[u], metric=metric)
    ids = model.item_encoder.inverse(found[0][found[0] >= 0])
    counts = _rating_counts(model)
    recommended = _describe(items, ids, counts)
    recommended.insert(0, "rank", np.arange(1, len(ids) + 1))
    recommended[metric] = scores[0][: len(ids)]
    if test is not None:
        held_out = set(test.loc[test["user_id"] == user_id, "item_id"])
        recommended["in test"] = ["✓" if i in held_out else "" for i in ids]
    liked = pd.DataFrame()
    if train is not None:
        mine = train[train["user_id"] == user_id].sort_values(["rating", "item_id"], ascending=[False, True])
        liked = _describe(items, mine["item_id"].to_numpy()[:history], counts)
        liked["rating"] = mine["rating"].to_numpy()[:history]
    return liked, recommended


def similar_movies_explorer(model, items: pd.DataFrame, *, k: int = 10, choices: int = 300):
    """Pick one of the `choices` most-rated movies, dot or cosine, and k: its nearest neighbours in the space."""
    import ipywidgets as w
    from IPython.display import display

    counts = _rating_counts(model).sort_values(ascending=False, kind="stable")
    titles = items.set_index("item_id")["title"].reindex(counts.index[:choices]).fillna("?")
    options = sorted(((f"{t} [{i}]", int(i)) for i, t in titles.items()), key=lambda o: o[0])
    movie = w.Dropdown(
        options=options, value=int(counts.index[0]), description="movie", layout={"width": "420px"}
    )
    metric = w.ToggleButtons(options=list(METRICS), value="cosine", description="similarity")
    size = w.IntSlider(value=k, min=1, max=30, description="k")
    out = w.Output()

    def refresh(_=None):
        with out:
            out.clear_output(wait=True)
            display(similar_movies(model, items, movie.value, size.value, metric=metric.value).round(3))

    for control in (movie, metric, size):
        control.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([movie, size]), metric, out])


def user_top_k_explorer(model, items: pd.DataFrame, *, k: int = 10, train=None, test=None):
    """Pick a user and dot or cosine: what they liked in training, and their top-k (✓ = in their test set)."""
    import ipywidgets as w
    from IPython.display import display

    user = w.Dropdown(options=[int(u) for u in model.user_encoder.ids], description="user")
    metric = w.ToggleButtons(options=list(METRICS), value="dot", description="similarity")
    out = w.Output()

    def refresh(_=None):
        with out:
            out.clear_output(wait=True)
            liked, recommended = user_top_k(
                model, items, user.value, k, metric=metric.value, train=train, test=test
            )
            if len(liked):
                print(f"user {user.value} rated highest in training:")
                display(liked)
            print(f"top-{k} by {metric.value} (seen items excluded):")
            display(recommended.round(3))

    user.observe(refresh, names="value")
    metric.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([user, metric]), out])
