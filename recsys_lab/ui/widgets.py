"""Interactive controls for the notebooks: thin ipywidgets front ends over pure, testable functions.

>>> explorer = data_tour_explorer()      # doctest: +SKIP
>>> explorer                             # dropdowns for dataset and split; figures update  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from recsys_lab.data.dataset import Dataset
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.protocol import splits
from recsys_lab.protocol.evaluation import evaluate_ranking, evaluate_ratings
from recsys_lab.ui import viz

SPLITS = ("course default", "random 80/20", "temporal last 20%", "leave last one out")


def make_split(ds: Dataset, split_name: str, *, seed: int) -> splits.Split:
    """The split called `split_name` (one of SPLITS) of `ds`."""
    if split_name == "course default":
        return splits.rating_split(ds, seed=seed)
    if split_name == "random 80/20":
        return splits.random_split(ds, 0.2, seed=seed)
    if split_name == "temporal last 20%":
        return splits.temporal_split(ds, last_fraction=0.2, seed=seed)
    if split_name == "leave last one out":
        return splits.leave_last_out(ds, seed=seed)
    raise ValueError(f"unknown split {split_name!r}; choose one of {SPLITS}")


def baseline_table(ds: Dataset, split: splits.Split, *, k: int = 10) -> pd.DataFrame:
    """RMSE, MAE and full-catalogue NDCG/recall@k of the three baselines on one split."""
    rows = {}
    for model in (GlobalMean(), Popularity(), BiasBaseline()):
        model.fit(split.train, rating_scale=ds.rating_scale)
        ranking = evaluate_ranking(model, split, k=k)
        rows[model.name] = {
            **{m: v for m, v in evaluate_ratings(model, split.test).items() if m != "ratings"},
            f"ndcg@{k}": ranking[f"ndcg@{k}"],
            f"recall@{k}": ranking[f"recall@{k}"],
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass
class TourView:
    """What the data-tour explorer shows for one dataset and split."""

    summary: pd.Series
    split_report: str
    baselines: pd.DataFrame
    figures: dict


def data_tour(ds: Dataset, split_name: str = "course default", *, seed: int = 42, k: int = 10) -> TourView:
    """Everything the explorer shows, computed without any widget (so it can be tested)."""
    split = make_split(ds, split_name, seed=seed)
    figures = {
        "ratings": viz.rating_distribution(ds),
        "long tail": viz.long_tail(ds),
        "activity": viz.user_activity(ds),
        "split": viz.split_timeline(split),
    }
    return TourView(ds.summary(), split.report(), baseline_table(ds, split, k=k), figures)


def dataset_label(requested: str, loaded: Dataset | None) -> str:
    """A dataset dropdown's label: the name chosen, or, once it fell back, what is shown instead."""
    if loaded is None or loaded.name == requested:
        return requested
    return f"{requested}: not here, showing {loaded.name}"


def data_tour_explorer(
    datasets: tuple[str, ...] = ("ml-100k", "ml-latest-small", "synthetic"),
    *,
    seed: int = 42,
    loader: Callable[..., Dataset] | None = None,
):
    """Dropdowns for dataset and split; shows the summary, the split report, the baselines and figures.

    Datasets are loaded once (with `recsys_lab.load_dataset`, falling back to the synthetic world when a
    release is unavailable) and kept for the session. The dropdown names the data shown: a release that fell back
    reads e.g. "ml-100k: not here, showing synthetic" (`dataset_label`).
    """
    import ipywidgets as w
    from IPython.display import display

    from recsys_lab.data.load import load_dataset

    loader = loader or (lambda name: load_dataset(name, seed=seed, verbose=False))
    cache: dict[str, Dataset] = {}
    dataset_box = w.Dropdown(options=list(datasets), description="dataset")
    split_box = w.Dropdown(options=list(SPLITS), description="split")
    out = w.Output()

    relabelling = []  # non-empty while the labels change: that is no new choice to show
    shown_labels = [(name, name) for name in datasets]

    def refresh(_=None):
        if relabelling:
            return
        with out:
            out.clear_output(wait=True)
            chosen = dataset_box.value
            if chosen not in cache:
                cache[chosen] = loader(chosen)
            labels = [(dataset_label(name, cache.get(name)), name) for name in datasets]
            if labels != shown_labels:  # a release fell back: the dropdown says what is shown
                relabelling.append(True)
                try:
                    dataset_box.options, dataset_box.value = labels, chosen
                    shown_labels[:] = labels
                finally:
                    relabelling.clear()
            view = data_tour(cache[chosen], split_box.value, seed=seed)
            display(view.summary.to_frame().T)
            print(view.split_report)
            display(view.baselines.round(4))
            for fig in view.figures.values():
                fig.show()

    dataset_box.observe(refresh, names="value")
    split_box.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([dataset_box, split_box]), out])


def new_user_recommendations(
    model, items: pd.DataFrame, ratings: dict[int, float], k: int = 10
) -> pd.DataFrame:
    """Top-`k` for a new user described only by `ratings` (item_id → rating), via the model's `fold_in`."""
    if not ratings:
        raise ValueError("rate at least one movie first")
    top = model.fold_in(list(ratings), list(ratings.values()), k=k)
    titles = items.set_index("item_id")["title"]
    return top.assign(title=titles.reindex(top["item_id"]).to_numpy())[["rank", "title", "score", "item_id"]]


def training_explorer(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    *,
    seed: int,
    rating_scale: tuple[float, float],
    baseline_rmse: float | None = None,
    kind: str = "item",
):
    """Sliders for hidden units, L2, epochs and learning rate; "train" retrains AutoRec with a live curve.

    The validation RMSE is redrawn after every epoch, beside the bias baseline's (dashed).
    """
    import ipywidgets as w
    import keras

    from recsys_lab.models.autorec import TRAIN, AutoRec

    hidden = w.IntSlider(500, min=20, max=1000, step=20, description="hidden units")
    l2 = w.FloatLogSlider(1e-3, base=10, min=-5, max=-1, step=0.25, description="L2", readout_format=".1e")
    epochs = w.IntSlider(TRAIN.epochs, min=5, max=60, description="epochs")  # start at AutoRec's defaults
    rate = w.Dropdown(
        options=[1e-3, 3e-3, 1e-2, 3e-2], value=TRAIN.learning_rate, description="learning rate"
    )
    button = w.Button(description="train", button_style="primary")
    out = w.Output()
    runs: dict[str, list[float]] = {}

    class LiveCurve(keras.callbacks.Callback):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def on_epoch_end(self, epoch, logs=None):
            runs.setdefault(self.name, []).append(logs["val_rmse"])
            with out:
                out.clear_output(wait=True)
                viz.training_curves(runs, baseline=baseline_rmse).show()

    def train_once(_=None):
        name = f"h={hidden.value}, L2={l2.value:.0e}, lr={rate.value:g}"
        runs.pop(name, None)
        button.disabled = True
        try:
            AutoRec(kind, hidden_units=hidden.value, l2=l2.value).fit(
                train,
                rating_scale=rating_scale,
                validation=validation,
                callbacks=[LiveCurve(name)],
                config=dataclasses.replace(TRAIN, epochs=epochs.value, learning_rate=rate.value, seed=seed),
            )
        finally:
            button.disabled = False

    button.on_click(train_once)
    return w.VBox([w.HBox([hidden, l2]), w.HBox([epochs, rate, button]), out])


def learning_rate_explorer(x, y, *, seed: int, steps: int = 150, reference: float = 0.1):
    """A learning-rate slider; each move reruns gradient descent by hand on `(x, y)` from the same start.

    The loss curve is redrawn beside a `reference` learning rate's, and the title says whether it diverged.
    """
    import ipywidgets as w

    from recsys_lab.methods import gradient_descent as gd

    start = gd.init_params((x.shape[1], 8, 8, 1), seed=seed)
    rate = w.FloatLogSlider(reference, base=10, min=-3, max=0.3, step=0.05, description="learning rate")
    out = w.Output()
    fixed = gd.descend(start, x, y, learning_rate=reference, steps=steps).losses

    def draw(_=None):
        run = gd.descend(start, x, y, learning_rate=rate.value, steps=steps)
        verdict = (f"η = {rate.value:.3g} diverged after {len(run.losses) - 1} steps" if run.diverged
                   else f"η = {rate.value:.3g}: loss {run.losses[-1]:.4f} after {steps} steps")  # fmt: skip
        with out:
            out.clear_output(wait=True)
            viz.loss_curves({f"η = {reference:g} (reference)": fixed, f"η = {rate.value:.3g}": run.losses},
                            title=verdict).show()  # fmt: skip

    rate.observe(draw, names="value")
    draw()
    return w.VBox([rate, out])


def code_map_explorer(
    coords,
    frame: pd.DataFrame,
    options: list[str],
    *,
    hover: list[str] | None = None,
    title: str = "user codes",
):
    """A 2-D map of codes with a dropdown choosing which column of `frame` colours the points."""
    import ipywidgets as w

    color = w.Dropdown(options=options, description="colour by")
    out = w.Output()

    def draw(_=None):
        with out:
            out.clear_output(wait=True)
            viz.embedding_map(
                coords, frame, color.value, hover=hover, title=f"{title}, coloured by {color.value}"
            ).show()

    color.observe(draw, names="value")
    draw()
    return w.VBox([color, out])


def new_user_widget(model, items: pd.DataFrame, choices, *, k: int = 10, slots: int = 5):
    """Pick up to `slots` movies from `choices` (item ids) and rate them; "recommend" folds you in."""
    import ipywidgets as w
    from IPython.display import display

    titles = items.set_index("item_id")["title"]
    options = [("—", None)] + [(str(titles.get(i, i)), int(i)) for i in choices]
    pickers = [w.Dropdown(options=options, value=None, layout={"width": "360px"}) for _ in range(slots)]
    stars = [w.IntSlider(4, min=1, max=5, description="rating") for _ in range(slots)]
    button = w.Button(description="recommend", button_style="primary")
    out = w.Output()

    def recommend(_=None):
        ratings = {
            p.value: float(s.value) for p, s in zip(pickers, stars, strict=True) if p.value is not None
        }
        with out:
            out.clear_output(wait=True)
            if not ratings:
                print("Pick at least one movie and rate it.")
                return
            display(new_user_recommendations(model, items, ratings, k=k).round(3))

    button.on_click(recommend)
    rows = [w.HBox([p, s]) for p, s in zip(pickers, stars, strict=True)]
    return w.VBox([*rows, button, out])
