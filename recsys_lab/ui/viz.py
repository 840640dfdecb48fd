"""Plotly figures for the notebooks. Each function returns a figure and never shows it itself.

>>> fig = long_tail(ds)       # doctest: +SKIP
>>> fig.show()                # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from recsys_lab.data.dataset import Dataset
from recsys_lab.protocol.splits import Split

TEMPLATE = "plotly_white"


def rating_distribution(ds: Dataset) -> go.Figure:
    """Share of each rating value."""
    share = ds.ratings["rating"].value_counts(normalize=True).sort_index()
    fig = px.bar(
        x=share.index.astype(str),
        y=share.to_numpy(),
        labels={"x": "rating", "y": "share of ratings"},
        title=f"{ds.name}: how ratings are distributed (mean {ds.ratings['rating'].mean():.2f})",
        template=TEMPLATE,
    )
    fig.update_yaxes(tickformat=".0%")
    return fig


def item_popularity(ds: Dataset) -> np.ndarray:
    """Ratings per item, most rated first."""
    return np.sort(ds.ratings["item_id"].value_counts().to_numpy())[::-1]


def long_tail(ds: Dataset, head_share: float = 0.2) -> go.Figure:
    """Ratings per item, items sorted by popularity: the long tail, with the head's share marked."""
    counts = item_popularity(ds)
    head = max(1, round(head_share * len(counts)))
    held = counts[:head].sum() / counts.sum()
    fig = go.Figure(
        go.Scatter(
            x=np.arange(1, len(counts) + 1), y=counts, mode="lines", fill="tozeroy", name="ratings per item"
        )
    )
    fig.add_vline(
        x=head, line_dash="dash", annotation_text=f"top {head_share:.0%} of items hold {held:.0%} of ratings"
    )
    fig.update_layout(
        template=TEMPLATE,
        title=f"{ds.name}: the long tail of item popularity",
        xaxis_title="item rank (most rated first)",
        yaxis_title="number of ratings",
    )
    return fig


def user_activity(ds: Dataset) -> go.Figure:
    """Histogram of ratings per user (log-scaled bins: activity is heavy-tailed)."""
    counts = ds.ratings["user_id"].value_counts().to_numpy()
    fig = px.histogram(
        x=np.log10(counts),
        nbins=40,
        template=TEMPLATE,
        labels={"x": "log10(ratings per user)", "y": "users"},
        title=f"{ds.name}: ratings per user (median {np.median(counts):.0f}, "
        f"min {counts.min()}, max {counts.max()})",
    )
    fig.update_layout(yaxis_title="users")
    return fig


def sparsity_map(ds: Dataset, max_users: int = 150, max_items: int = 300) -> go.Figure:
    """The most active users × the most rated items, a dot per rating: even this densest corner has holes."""
    users = ds.ratings["user_id"].value_counts().index[:max_users]
    items = ds.ratings["item_id"].value_counts().index[:max_items]
    corner = ds.ratings[ds.ratings["user_id"].isin(users) & ds.ratings["item_id"].isin(items)]
    row = pd.Series(np.arange(len(users)), index=users)[corner["user_id"]].to_numpy()
    col = pd.Series(np.arange(len(items)), index=items)[corner["item_id"]].to_numpy()
    filled = len(corner) / (len(users) * len(items))
    fig = go.Figure(go.Scattergl(x=col, y=row, mode="markers", marker={"size": 2, "color": "#1f77b4"}))
    fig.update_layout(
        template=TEMPLATE,
        height=450,
        title=f"{ds.name}: densest corner ({len(users)} users × {len(items)} items) is {filled:.0%} "
        f"filled; the whole matrix is {ds.density:.1%}",
        xaxis_title="items, most rated first",
        yaxis_title="users, most active first",
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def demographics(ds: Dataset) -> go.Figure:
    """Age by gender, and occupations; a note where the release has no demographics."""
    if ds.users is None:
        fig = go.Figure()
        fig.add_annotation(text=f"{ds.name} has no user demographics", showarrow=False, font={"size": 16})
        fig.update_layout(template=TEMPLATE, xaxis_visible=False, yaxis_visible=False, height=250)
        return fig
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("age by gender", "occupation"), column_widths=[0.45, 0.55]
    )
    for gender, group in ds.users.groupby("gender", observed=True):
        fig.add_trace(go.Histogram(x=group["age"], name=str(gender), nbinsx=30, opacity=0.75), row=1, col=1)
    occupation = ds.users["occupation"].value_counts().sort_values()
    fig.add_trace(
        go.Bar(
            x=occupation.to_numpy(),
            y=occupation.index.astype(str),
            orientation="h",
            showlegend=False,
            marker_color="#7f7f7f",
        ),
        row=1,
        col=2,
    )
    fig.update_layout(template=TEMPLATE, barmode="overlay", height=500, title=f"{ds.name}: who the users are")
    return fig


def split_timeline(split: Split, bins: int = 60) -> go.Figure:
    """When train and test ratings were made: a random split mixes past and future, a temporal one does not."""
    edges = np.linspace(
        min(split.train["timestamp"].min(), split.test["timestamp"].min()),
        max(split.train["timestamp"].max(), split.test["timestamp"].max()),
        bins + 1,
    )
    centres = pd.to_datetime((edges[:-1] + edges[1:]) / 2, unit="s")
    fig = go.Figure()
    for part, frame in (("train", split.train), ("test", split.test)):
        counts, _ = np.histogram(frame["timestamp"], bins=edges)  # binned here: the figure stays small
        fig.add_trace(go.Bar(x=centres, y=counts, name=part, opacity=0.7))
    fig.update_layout(
        template=TEMPLATE,
        barmode="overlay",
        bargap=0,
        xaxis_title="date",
        yaxis_title="ratings",
        title=f"{split.name}: when the train and test ratings were made",
    )
    return fig


def metric_bars(table: pd.DataFrame, metrics: list[str], title: str = "") -> go.Figure:
    """One bar group per metric, one bar per model (rows of `table`)."""
    long = table[metrics].reset_index(names="model").melt(id_vars="model", var_name="metric")
    fig = px.bar(
        long,
        x="metric",
        y="value",
        color="model",
        barmode="group",
        template=TEMPLATE,
        title=title,
        text_auto=".3f",
    )
    return fig


def training_curves(
    histories: dict[str, list[float]],
    baseline: float | None = None,
    baseline_name: str = "user+item bias",
    metric: str = "validation RMSE",
) -> go.Figure:
    """One line per run (`name → value per epoch`), and the baseline to beat as a dashed line."""
    fig = go.Figure()
    for name, values in histories.items():
        fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers", name=name))
    if baseline is not None:
        fig.add_hline(y=baseline, line_dash="dash", annotation_text=f"{baseline_name} {baseline:.4f}")
    fig.update_layout(template=TEMPLATE, xaxis_title="epoch", yaxis_title=metric, title=f"{metric} per epoch")
    return fig


def loss_curves(runs: dict[str, np.ndarray], title: str = "training loss per step") -> go.Figure:
    """One line per run (`name → loss after each step, from step 0`) on a log axis; a line that stops early
    is a run that diverged."""
    fig = go.Figure()
    for name, losses in runs.items():
        fig.add_trace(go.Scatter(x=np.arange(len(losses)), y=losses, mode="lines", name=name))
    fig.update_layout(template=TEMPLATE, title=title, xaxis_title="gradient step", yaxis_title="loss L")
    fig.update_yaxes(type="log")
    return fig


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two principal components of centred `vectors`: `(coordinates (n, 2), explained share (2,))`.

    x − mean = U S Vᵀ (SVD); coordinates are the first two columns of U S, and component j explains
    S_j² / Σ S² of the variance.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"need at least 2 vectors of at least 2 dimensions; got shape {x.shape}")
    x = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    coords = u[:, :2] * s[:2]
    signs = np.where(coords[np.abs(coords).argmax(axis=0), [0, 1]] < 0, -1.0, 1.0)  # a fixed orientation
    return coords * signs, s[:2] ** 2 / np.sum(s**2)


def embedding_map(
    coords: np.ndarray, frame: pd.DataFrame, color: str, hover: list[str] | None = None, title: str = ""
) -> go.Figure:
    """Scatter of 2-D coordinates, one point per row of `frame`, coloured by its column `color`."""
    data = frame.assign(x=coords[:, 0], y=coords[:, 1])
    if isinstance(data[color].dtype, pd.CategoricalDtype) or data[color].dtype == object:
        data[color] = data[color].astype(str)
    fig = px.scatter(
        data,
        x="x",
        y="y",
        color=color,
        hover_data=hover,
        template=TEMPLATE,
        title=title,
        labels={"x": "component 1", "y": "component 2"},
        opacity=0.75,
    )
    fig.update_traces(marker={"size": 5})
    return fig


def prediction_histograms(groups: dict[str, np.ndarray], title: str = "") -> go.Figure:
    """Overlaid histograms of predicted ratings, one per group (e.g. rated vs unrated cells)."""
    fig = go.Figure()
    for name, values in groups.items():
        fig.add_trace(go.Histogram(x=values, name=name, opacity=0.6, histnorm="probability", nbinsx=60))
    fig.update_layout(
        template=TEMPLATE,
        barmode="overlay",
        xaxis_title="predicted rating",
        yaxis_title="share of cells",
        title=title,
    )
    return fig


def loglog(table: pd.DataFrame):
    """Epoch seconds and peak RSS of a `models.scale.growth` table against ratings on log-log axes.

    One line per model and a slope-1 guide.

    Rows with a `dataset` (real data) are drawn as separate diamonds, not joined to the synthetic line.
    """

    fig = make_subplots(rows=1, cols=2, subplot_titles=("epoch time (s)", "peak RSS (GB)"))
    data = table["dataset"].astype(object).fillna("") if "dataset" in table else pd.Series("", table.index)
    for (model, real), part in table.sort_values("num_ratings").groupby(["model", data], sort=False):
        name, mode = (f"{model} ({real})", "markers") if real else (model, "lines+markers")
        for col, y in ((1, "epoch_seconds"), (2, "peak_rss_gb")):
            marker = "diamond" if real else "circle"
            fig.add_scatter(x=part["num_ratings"], y=part[y], name=name, legendgroup=name, mode=mode,
                            marker_symbol=marker, showlegend=col == 1, row=1, col=col)  # fmt: skip
    xs = table["num_ratings"].agg(["min", "max"]).to_numpy(float)
    y0 = table.loc[table["num_ratings"].idxmin(), "epoch_seconds"]
    guide = dict(name="∝ ratings (slope 1)", line=dict(dash="dot", color="grey"), mode="lines")
    fig.add_scatter(x=xs, y=y0 * xs / xs[0], **guide, row=1, col=1)
    fig.update_xaxes(type="log", title_text="ratings")
    fig.update_yaxes(type="log")
    fig.update_layout(template=TEMPLATE, height=420, title="How training grows with the data (log-log)")
    return fig
