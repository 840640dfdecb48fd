"""§3.2 targets: CNN item features on cold-start items, against popularity and genre-average baselines.

    python scripts/item_cnn_targets.py                # synthetic world (posters + text) and ml-100k (text), 5 splits
    python scripts/item_cnn_targets.py --quick        # 1 split each, for a smoke run

Protocol, per split (seeds 0..n-1): `splits.cold_item_split` holds out 20 % of the items with all their ratings.
A `BiasedMF` (d = 32) is fitted on the rest; the text CNN (title + genres) and the poster CNN are trained to map
content into its item space (`ContentToMF`); every model scores the held-out items through
μ + b_u + b_i + ⟨p_u, q_i⟩. Reported on the held-out items: RMSE over all their test ratings, and NDCG@10 /
recall@10 ranking all held-out items for each user (relevant = the items the user rated, the course's default).
On the synthetic world, "planted factors" ranks by the true ⟨p_u, q_i⟩: what perfect item vectors could reach.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inner_product_targets import machine

from recsys_lab import splits
from recsys_lab.datasets import load_dataset
from recsys_lab.metrics import ranking_metrics, top_k
from recsys_lab.models import item_cnn as ic
from recsys_lab.models.base import TrainConfig
from recsys_lab.models.mf import BiasedMF

MF_TRAIN = TrainConfig(epochs=8, batch_size=4096, learning_rate=2e-2)
TEXT_TRAIN = TrainConfig(epochs=30, batch_size=128, learning_rate=3e-3)
POSTER_TRAIN = TrainConfig(epochs=60, batch_size=128, learning_rate=3e-3)
K = 10


def with_seed(config: TrainConfig, seed: int) -> TrainConfig:
    return TrainConfig(**{**config.__dict__, "seed": seed})


def planted_ndcg(ds, split: splits.Split, users: np.ndarray, cold_ids: np.ndarray) -> float:
    """NDCG@K of ranking the cold items by the synthetic world's true ⟨p_u, q_i⟩."""
    scores = ds.truth.user_factors[users - 1] @ ds.truth.item_factors[cold_ids - 1].T
    position = pd.Series(np.arange(len(cold_ids)), index=cold_ids)
    relevant = [
        set(position[g].tolist()) for g in split.test.groupby("user_id")["item_id"].agg(list).reindex(users)
    ]
    return ranking_metrics(top_k(scores, K), relevant, K)[f"ndcg@{K}"]


def one_split(ds, seed: int) -> pd.DataFrame:
    split = splits.cold_item_split(ds, 0.2, seed=seed)
    mf = BiasedMF(32, 0.1).fit(split.train, rating_scale=ds.rating_scale, config=with_seed(MF_TRAIN, seed))
    ids = ds.items["item_id"].to_numpy()
    cold = np.isin(ids, split.cold_items)
    models = ic.cold_baselines(mf, ds, ids[cold], seed=seed)
    texts = ic.item_text(ds, ids)
    vectorizer = ic.text_vectorizer([t for t, c in zip(texts, cold, strict=True) if not c])
    tokens = ic.tokenize(vectorizer, texts)
    text = ic.text_cnn(vectorizer.vocabulary_size(), tokens.shape[1], mf.embedding_dim + 1, seed=seed)
    fitted = ic.ContentToMF(text).fit(mf, ids, tokens, config=with_seed(TEXT_TRAIN, seed))
    models["text CNN"] = fitted.scorer(mf, ids[cold], tokens[cold])
    if ds.posters is not None:
        poster = ic.poster_cnn(ds.posters.shape[1:], mf.embedding_dim + 1, seed=seed)
        fitted = ic.ContentToMF(poster).fit(mf, ids, ds.posters, config=with_seed(POSTER_TRAIN, seed))
        models["poster CNN"] = fitted.scorer(mf, ids[cold], ds.posters[cold])
    table = ic.cold_start_table(models, split, k=K)
    if ds.truth is not None:
        users = np.unique(split.test["user_id"])
        table.loc["planted factors (ceiling)", f"ndcg@{K}"] = planted_ndcg(ds, split, users, ids[cold])
    return table.assign(seed=seed)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one split per dataset")
    parser.add_argument("--splits", type=int, default=5)
    args = parser.parse_args(argv)
    print(machine())
    for name in ("synthetic", "ml-100k"):
        ds = load_dataset(name, seed=0, fallback=None)
        rows = []
        for seed in range(1 if args.quick else args.splits):
            start = time.perf_counter()
            rows.append(one_split(ds, seed))
            print(f"{name}, split {seed} [{time.perf_counter() - start:.0f} s]", flush=True)
            print(rows[-1].drop(columns="seed").round(4).to_string(), flush=True)
        runs = pd.concat([r.rename_axis("model").reset_index() for r in rows])
        summary = runs.groupby("model", sort=False)[["rmse", f"ndcg@{K}", f"recall@{K}"]].agg(["mean", "std"])
        print(f"\n{name}: mean and standard deviation over {len(rows)} cold-item split(s)")
        print(summary.round(4).to_string())
        ndcg = runs.pivot(index="seed", columns="model", values=f"ndcg@{K}")
        rmse = runs.pivot(index="seed", columns="model", values="rmse")
        best = "poster CNN" if "poster CNN" in ndcg else "text CNN"
        for baseline in ("popularity", "genre average"):
            gain = ndcg[best] / ndcg[baseline] - 1
            print(
                f"{best} vs {baseline}: NDCG@{K} {gain.mean():+.1%} (per split {', '.join(f'{g:+.0%}' for g in gain)}); "
                f"RMSE {rmse[best].mean():.4f} vs {rmse[baseline].mean():.4f}; "
                f"better NDCG in {(gain > 0).sum()} of {len(gain)} splits"
            )
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
