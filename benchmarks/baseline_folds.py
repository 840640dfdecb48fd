"""Baselines on ml-100k's official folds u1-u5: RMSE and MAE per fold, and their mean and spread.

    python -m benchmarks.baseline_folds         # needs ml-100k: downloads it, or set RECSYS_LAB_MIRROR

Also fits the bias baseline with regularisation chosen on a validation slice (10 % of each fold's training
part; the fold's test part is never looked at) beside the fixed defaults (Surprise's BaselineOnly settings:
reg_user=15, reg_item=10, 10 ALS epochs), so both can be read against Surprise's 0.9457 on these folds.
"""

from __future__ import annotations

import argparse
import itertools
import time

import pandas as pd

from recsys_lab import splits
from recsys_lab.data.movielens import load_movielens
from recsys_lab.methods.baselines import BiasBaseline, GlobalMean, Popularity
from recsys_lab.protocol.evaluation import evaluate_ratings

FOLDS = ("u1", "u2", "u3", "u4", "u5")
GRID = (2.0, 5.0, 10.0, 15.0, 25.0)


def tuned_bias(train: pd.DataFrame, seed: int) -> BiasBaseline:
    """BiasBaseline with (reg_user, reg_item) picked on a 10 % validation slice of `train`, refitted on all of it."""
    fit, valid = splits.random_split(train, 0.1, seed=seed)
    scores = {
        (ru, ri): evaluate_ratings(BiasBaseline(ru, ri).fit(fit, rating_scale=(1, 5)), valid)["rmse"]
        for ru, ri in itertools.product(GRID, GRID)
    }
    reg_user, reg_item = min(scores, key=scores.get)
    return BiasBaseline(reg_user, reg_item).fit(train, rating_scale=(1, 5))


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.baseline_folds", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the validation slices")
    args = parser.parse_args()
    ds = load_movielens("ml-100k")
    print(f"{ds!r}\n")
    rows = []
    for fold in FOLDS:
        train, test = splits.official_fold(ds, fold)
        models = {
            "global mean": GlobalMean().fit(train, rating_scale=(1, 5)),
            "popularity (damped item mean)": Popularity().fit(train, rating_scale=(1, 5)),
            "user+item bias (defaults)": BiasBaseline().fit(train, rating_scale=(1, 5)),
        }
        start = time.perf_counter()
        models["user+item bias (tuned on validation)"] = tuned = tuned_bias(train, args.seed)
        for name, model in models.items():
            rows.append({"fold": fold, "model": name, **evaluate_ratings(model, test)})
        print(
            f"{fold}: tuned bias chose reg_user={tuned.reg_user:g}, reg_item={tuned.reg_item:g} "
            f"({time.perf_counter() - start:.2f} s for the search)"
        )
    table = pd.DataFrame(rows)
    per_fold = table.pivot(index="model", columns="fold", values="rmse")
    summary = table.groupby("model")[["rmse", "mae"]].agg(["mean", "std"])
    print("\nRMSE per fold\n" + per_fold.round(4).to_string())
    print("\nmean and standard deviation over u1-u5\n" + summary.round(4).to_string())
    best = summary[("rmse", "mean")].min()
    print(f"\nbest baseline mean RMSE: {best:.4f} (target <= 0.946; Surprise BaselineOnly measures 0.9457)")


if __name__ == "__main__":
    main()
