"""§3.4 targets on ml-100k: the MLP regression recommender on the official folds, against the bias baseline and
biased MF, and on cold-start users.

    python -m benchmarks.regression_targets           # needs ml-100k: downloads it, or set RECSYS_LAB_MIRROR
    python -m benchmarks.regression_targets --quick   # u1 only, one grid point, one seed: a smoke run

1. Folds u1-u5. For each fold, the MLP's (embedding_dim, dropout) and number of epochs are chosen on a
   validation slice (10 % of the fold's training part, random, seeded): each grid point trains with early
   stopping on the slice's RMSE; the best is refitted on the whole training part for its best epoch count and
   scored once on the fold's test part. The bias baseline (as fitted by the kit's BiasBaseline) and biased MF
   (chapter 03's model, tuned the same way by benchmarks/inner_product_targets.py's grid) are scored on the same folds. Target: MLP mean RMSE <= 0.935
   and below the bias baseline on every fold.
2. Cold-start users: 10 % of users held out with all their ratings, for several seeds. RMSE on them of the
   bias baseline (μ + b_i), the MLP with an "unknown user" row only, and the MLP with demographics.
"""

from __future__ import annotations

import time

import pandas as pd

from benchmarks.inner_product_targets import MF_GRID, MF_TRAIN, begin, tuned
from recsys_lab import recipes, splits
from recsys_lab.methods.baselines import BiasBaseline
from recsys_lab.models.base import TrainConfig
from recsys_lab.models.mf import BiasedMF
from recsys_lab.models.regression import MLPRegression
from recsys_lab.protocol.evaluation import evaluate_ratings

FOLDS = ("u1", "u2", "u3", "u4", "u5")
GRID = {"embedding_dim": (32, 64), "dropout": (0.3, 0.5)}
TRAIN = TrainConfig(epochs=40, batch_size=1024, learning_rate=2e-3, steps_per_execution=8)
PROG = "python -m benchmarks.regression_targets"


def fold_row(ds, fold: str, grid: dict, seed: int) -> dict:
    start = time.perf_counter()
    train, test = splits.official_fold(ds, fold)
    config = TrainConfig(**{**TRAIN.__dict__, "seed": seed})
    mlp, best = tuned(MLPRegression, train, grid, config, seed, rating_scale=ds.rating_scale, users=ds.users,
                      items=ds.items)  # fmt: skip
    mf_grid = (
        MF_GRID
        if len(grid["embedding_dim"]) * len(grid["dropout"]) > 1
        else {"embedding_dim": (32,), "l2": (0.1,)}
    )
    mf, _ = tuned(BiasedMF, train, mf_grid, MF_TRAIN, seed, rating_scale=(1, 5))
    mlp_result = evaluate_ratings(mlp, test)
    row = {
        "fold": fold,
        "bias": evaluate_ratings(BiasBaseline().fit(train, rating_scale=ds.rating_scale), test)["rmse"],
        "biased MF": evaluate_ratings(mf, test)["rmse"],
        "MLP": mlp_result["rmse"],
        "MLP mae": mlp_result["mae"],
        **{k: best[k] for k in ("embedding_dim", "dropout", "epochs")},
        "seconds": time.perf_counter() - start,
    }
    print(f"{fold}: MLP {row['MLP']:.4f} | bias {row['bias']:.4f} | biased MF {row['biased MF']:.4f} | chose "
          f"embedding_dim={best['embedding_dim']}, dropout={best['dropout']}, epochs={best['epochs']} "
          f"(validation {best['val_rmse']:.4f}) [{row['seconds']:.0f} s]", flush=True)  # fmt: skip
    return row


def cold_users(ds, seeds) -> pd.DataFrame:
    rows = []
    for seed in seeds:
        cold = splits.cold_user_split(ds, 0.1, seed=seed)
        config = recipes.train_config("MLP regression, new users", seed=seed)  # chapter 05's setting
        models = {
            "bias (μ + b_i)": BiasBaseline().fit(cold.train, rating_scale=ds.rating_scale),
            "MLP, unknown-user row": MLPRegression(dropout=0.3, id_dropout=0.2).fit(
                cold.train, items=ds.items, rating_scale=ds.rating_scale, config=config),
            "MLP + demographics": MLPRegression(dropout=0.3, id_dropout=0.2).fit(
                cold.train, users=ds.users, items=ds.items, rating_scale=ds.rating_scale, config=config),
        }  # fmt: skip
        rows.append(
            {"seed": seed, **{name: evaluate_ratings(m, cold.test)["rmse"] for name, m in models.items()}}
        )
        print(
            f"cold users, seed {seed}: "
            + ", ".join(f"{k} {v:.4f}" for k, v in rows[-1].items() if k != "seed")
        )
    return pd.DataFrame(rows).set_index("seed")


def main() -> None:
    args, ds = begin(PROG, __doc__, "u1 only, one grid point, one cold-user seed")
    start = time.perf_counter()
    folds = FOLDS[:1] if args.quick else FOLDS
    grid = {"embedding_dim": (32,), "dropout": (0.3,)} if args.quick else GRID
    print(f"1. MLP regression, grid {grid}, {TRAIN}")
    table = pd.DataFrame([fold_row(ds, fold, grid, args.seed) for fold in folds]).set_index("fold")
    print("\n" + table.round(4).to_string())
    mean = table[["bias", "biased MF", "MLP"]].mean()
    print(f"\nmean RMSE over {', '.join(folds)}: MLP {mean['MLP']:.4f} (std {table['MLP'].std():.4f}), "
          f"bias {mean['bias']:.4f}, biased MF {mean['biased MF']:.4f}; target MLP <= 0.935")  # fmt: skip
    print(f"MLP below the bias baseline on every fold: {bool((table['MLP'] < table['bias']).all())}")
    print(f"MLP - biased MF, mean: {mean['MLP'] - mean['biased MF']:+.4f} (positive: the dot product wins)\n")
    seeds = [args.seed] if args.quick else [args.seed, args.seed + 1, args.seed + 2]
    print("2. Cold-start users (10 % of users held out with all their ratings)")
    cold = cold_users(ds, seeds)
    print("\n" + cold.round(4).to_string() + "\nmean:\n" + cold.mean().round(4).to_string())
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
