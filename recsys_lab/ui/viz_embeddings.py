"""Figures for a learned embedding space (§3.3). Each function returns a plotly figure and never shows it.

>>> fig = norm_vs_popularity(model.item_vectors, counts)            # doctest: +SKIP
>>> fig = embedding_map(model.item_vectors, labels, hover=titles)   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from scipy import stats

from recsys_lab.ui.viz import TEMPLATE, pca_2d  # one PCA and one look for the whole kit


def norm_popularity_correlation(item_vectors: np.ndarray, counts: np.ndarray) -> float:
    """Spearman rank correlation between ‖i‖ and the item's number of training ratings (1 = same order)."""
    norms = np.linalg.norm(np.asarray(item_vectors, dtype=np.float64), axis=1)
    counts = np.asarray(counts)
    if norms.shape != counts.shape:
        raise ValueError(f"{len(norms)} item vectors but {len(counts)} counts: give one count per item")
    return float(stats.spearmanr(norms, counts).statistic)


def norm_vs_popularity(
    item_vectors: np.ndarray, counts: np.ndarray, *, hover: Sequence[str] | None = None, name: str = "model"
) -> go.Figure:
    """Each item's vector length ‖i‖ against its number of training ratings (log scale), with Spearman's ρ."""
    norms = np.linalg.norm(np.asarray(item_vectors, dtype=np.float64), axis=1)
    rho = norm_popularity_correlation(item_vectors, counts)
    fig = go.Figure(
        go.Scattergl(
            x=np.asarray(counts),
            y=norms,
            mode="markers",
            text=hover,
            marker={"size": 4, "opacity": 0.5},
            name=name,
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        height=420,
        xaxis_type="log",
        title=f"{name}: item vector length vs popularity (Spearman ρ = {rho:.2f})",
        xaxis_title="training ratings of the item (log scale)",
        yaxis_title="‖item vector‖",
    )
    return fig


def specific_genre(genres: Sequence[Sequence[str]], max_labels: int = 8) -> np.ndarray:
    """One label per item: its rarest genre (the most specific); labels past the `max_labels` most common → "other".

    >>> specific_genre([["Comedy", "Animation"], ["Comedy"], ["Drama"]], max_labels=2).tolist()
    ['Animation', 'Comedy', 'other']
    """
    counts = pd.Series([g for gs in genres for g in gs]).value_counts()
    rarest = [min(gs, key=lambda g: (counts[g], g)) if len(gs) else "(none)" for gs in genres]
    kept = pd.Series(rarest).value_counts().index[:max_labels]
    return np.array([g if g in kept else "other" for g in rarest], dtype=object)


def embedding_map(
    item_vectors: np.ndarray,
    labels: Sequence[str],
    *,
    hover: Sequence[str] | None = None,
    name: str = "model",
) -> go.Figure:
    """Items placed by the first two principal components of their vectors, coloured by `labels`."""
    coords, share = pca_2d(item_vectors)
    frame = pd.DataFrame(
        {
            "PC 1": coords[:, 0],
            "PC 2": coords[:, 1],
            "genre": np.asarray(labels),
            "item": hover if hover is not None else np.arange(len(coords)).astype(str),
        }
    )
    order = frame["genre"].value_counts().index.tolist()
    order = [g for g in order if g != "other"] + (["other"] if "other" in order else [])
    fig = px.scatter(
        frame,
        x="PC 1",
        y="PC 2",
        color="genre",
        hover_name="item",
        template=TEMPLATE,
        category_orders={"genre": order},
        opacity=0.7,
        height=520,
        title=f"{name}: items in the embedding space, 2-D PCA ({share.sum():.0%} of the variance)",
    )
    fig.update_traces(marker={"size": 5})
    for trace in fig.data:
        if trace.name == "other":
            trace.marker.color = "lightgrey"
    return fig
