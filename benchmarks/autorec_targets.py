"""I-AutoRec on ml-100k against its targets: random 90/10 split, and the official folds u1-u5.

    python -m benchmarks.autorec_targets           # about 10 minutes on a 2-core CPU
    python -m benchmarks.autorec_targets --quick   # one fold and the 90/10 split only

For every split, hyper-parameters (learning rate, L2, number of epochs) are chosen on a validation slice
(10 %) of that split's *training* part; the model is then refitted on the whole training part and scored once
on the test part. The test part is never used for a choice. The bias baseline is fitted on the same parts.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time

import numpy as np
import pandas as pd

from recsys_lab import splits
from recsys_lab.data.movielens import load_movielens
from recsys_lab.methods.baselines import BiasBaseline
from recsys_lab.models.autorec import AutoRec
from recsys_lab.models.base import TrainConfig
from recsys_lab.protocol.evaluation import evaluate_ratings

LEARNING_RATES = (1e-3, 3e-3)
L2S = (3e-4, 1e-3, 3e-3)
MAX_EPOCHS = 40


def choose(train: pd.DataFrame, seed: int) -> tuple[dict, float]:
    """Best (learning_rate, l2, epochs) by validation RMSE on a 10 % slice of `train`."""
    fit, valid = splits.random_split(train, 0.1, seed=seed)
    best, best_rmse = None, np.inf
    for lr, l2 in itertools.product(LEARNING_RATES, L2S):
        model = AutoRec("item", l2=l2).fit(
            fit,
            rating_scale=(1, 5),
            validation=valid,
            config=TrainConfig(epochs=MAX_EPOCHS, learning_rate=lr, seed=seed),
        )
        curve = model.history["val_rmse"]
        epoch = int(np.argmin(curve))
        if curve[epoch] < best_rmse:
            best, best_rmse = {"learning_rate": lr, "l2": l2, "epochs": epoch + 1}, curve[epoch]
    return best, best_rmse


def run(name: str, split: splits.Split, seed: int) -> dict:
    start = time.perf_counter()
    params, valid_rmse = choose(split.train, seed)
    model = AutoRec("item", l2=params["l2"]).fit(
        split.train,
        rating_scale=(1, 5),
        config=TrainConfig(epochs=params["epochs"], learning_rate=params["learning_rate"], seed=seed),
    )
    autorec = evaluate_ratings(model, split.test)["rmse"]
    bias = evaluate_ratings(BiasBaseline().fit(split.train, rating_scale=(1, 5)), split.test)["rmse"]
    row = {
        "split": name,
        **params,
        "validation rmse": valid_rmse,
        "I-AutoRec rmse": autorec,
        "bias rmse": bias,
        "minutes": (time.perf_counter() - start) / 60,
    }
    print(pd.Series(row).to_string(), "\n", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.autorec_targets", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="u1 and the 90/10 split only")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.python_version()}; grid lr={LEARNING_RATES} l2={L2S}, "
        f"epochs chosen by validation up to {MAX_EPOCHS}\n"
    )
    ds = load_movielens("ml-100k")
    rows = [run("random 90/10", splits.random_split(ds, 0.1, seed=args.seed), args.seed)]
    for fold in ("u1",) if args.quick else ("u1", "u2", "u3", "u4", "u5"):
        rows.append(run(fold, splits.official_fold(ds, fold), args.seed))
    table = pd.DataFrame(rows).set_index("split")
    print(table.round(4).to_string())
    folds = table.drop(index="random 90/10")
    print(
        f"\nrandom 90/10: I-AutoRec RMSE {table.loc['random 90/10', 'I-AutoRec rmse']:.4f} (target <= 0.900)"
    )
    print(
        f"folds {', '.join(folds.index)}: mean I-AutoRec RMSE {folds['I-AutoRec rmse'].mean():.4f} "
        f"(target <= 0.910); bias {folds['bias rmse'].mean():.4f}; "
        f"better than bias on every fold: {bool((folds['I-AutoRec rmse'] < folds['bias rmse']).all())}"
    )


if __name__ == "__main__":
    main()
