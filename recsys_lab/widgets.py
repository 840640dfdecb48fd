"""Interactive controls for the notebooks: thin ipywidgets front ends over pure, testable functions.

>>> explorer = data_tour_explorer()      # doctest: +SKIP
>>> explorer                             # dropdowns for dataset and split; figures update  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from recsys_lab import splits, viz
from recsys_lab.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.data import Dataset
from recsys_lab.evaluation import evaluate_ranking, evaluate_ratings

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


def data_tour_explorer(
    datasets: tuple[str, ...] = ("ml-100k", "ml-latest-small", "synthetic"),
    *,
    seed: int = 42,
    loader: Callable[..., Dataset] | None = None,
):
    """Dropdowns for dataset and split; shows the summary, the split report, the baselines and figures.

    Datasets are loaded once (with `recsys_lab.load_dataset`, falling back to the synthetic world when a
    release is unavailable) and kept for the session.
    """
    import ipywidgets as w
    from IPython.display import display

    from recsys_lab.datasets import load_dataset

    loader = loader or (lambda name: load_dataset(name, seed=seed, verbose=False))
    cache: dict[str, Dataset] = {}
    dataset_box = w.Dropdown(options=list(datasets), description="dataset")
    split_box = w.Dropdown(options=list(SPLITS), description="split")
    out = w.Output()

    def refresh(_=None):
        with out:
            out.clear_output(wait=True)
            if dataset_box.value not in cache:
                cache[dataset_box.value] = loader(dataset_box.value)
            view = data_tour(cache[dataset_box.value], split_box.value, seed=seed)
            display(view.summary.to_frame().T)
            print(view.split_report)
            display(view.baselines.round(4))
            for fig in view.figures.values():
                fig.show()

    dataset_box.observe(refresh, names="value")
    split_box.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([dataset_box, split_box]), out])
