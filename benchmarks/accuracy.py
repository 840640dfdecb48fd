"""Accuracy vs peers: RMSE and MAE on ml-100k's official folds, the kit's models beside Surprise's.

Per fold (`splits.official_fold`, 80,000 train / 20,000 test ratings):

* every rating model of the course (`recipes.RECIPES` minus two-tower, which predicts no ratings) is fitted on
  the fold's whole training part with its chapter's settings and scored on the fold's test part;
* the **blend**: a 10 % validation slice is cut from the training part (`splits.random_split(train, 0.1,
  seed=SEED)`); the same models are fitted again on the other 90 %; their predictions on the slice give the
  blend's weights (least squares with an intercept, `recsys_lab.methods.blend.fit_blend`, the blend notebook 08
  teaches); the blend of those 90 % models is scored on
  the test part. The test part is never used to choose anything. As a second, labelled row the same weights
  are applied to the models fitted on 100 % of the training part (weights learnt on 90 % fits, not refitted);
* Surprise's BaselineOnly, SVD, SVD++ (default settings, `random_state=SEED`) and KNNBaseline (item-based,
  pearson_baseline similarity, k = 40), fitted on the same training part.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import SEED
from benchmarks.common import mean_std, movielens_100k

FOLDS = ("u1", "u2", "u3", "u4", "u5")
TARGET_RMSE = 0.900
HEADLINE_BLEND = "blend (90 % fits)"
PUBLISHED = {  # the numbers, Surprise measured on these folds
    "Surprise SVD": 0.938,
    "Surprise SVD++": 0.922,
    "Surprise KNNBaseline": 0.920,
    "Surprise BaselineOnly": 0.946,
}


def rating_models() -> list[str]:
    """The course's models that predict ratings (two-tower only ranks)."""
    from recsys_lab.course.recipes import COMPARED

    return [name for name in COMPARED if name != "two-tower"]


def blend_models() -> list[str]:
    """What the blend mixes: the rating models but the global mean, which the intercept already is."""
    return [name for name in rating_models() if name != "global mean"]


def _errors(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    from recsys_lab.protocol.metrics import mae, rmse

    return {"rmse": rmse(truth, pred), "mae": mae(truth, pred)}


def _scored(model, test) -> dict[str, float]:
    """RMSE and MAE of a kit model (or blend) on `test`, by the chapters' own `evaluation.evaluate_ratings`."""
    from recsys_lab.protocol.evaluation import evaluate_ratings

    scored = evaluate_ratings(model, test)
    return {"rmse": scored["rmse"], "mae": scored["mae"]}


def surprise_algorithms(quick: bool, seed: int) -> dict:
    """name → a function making the unfitted Surprise algorithm; {} if scikit-surprise is not installed."""
    try:
        import surprise
    except ImportError:
        return {}
    algorithms = {
        "Surprise BaselineOnly": lambda: surprise.BaselineOnly(verbose=False),
        "Surprise SVD": lambda: surprise.SVD(random_state=seed),
    }
    if not quick:  # SVD++ takes minutes per fold on 2 cores
        algorithms["Surprise SVD++"] = lambda: surprise.SVDpp(random_state=seed, cache_ratings=True)
        algorithms["Surprise KNNBaseline"] = lambda: surprise.KNNBaseline(
            k=40, sim_options={"name": "pearson_baseline", "user_based": False}, verbose=False
        )
    return algorithms


def fit_surprise(make, train, test) -> tuple[np.ndarray, float]:
    """Fit one Surprise algorithm on `train`; its predictions of `test` and its fit seconds."""
    import surprise

    data = surprise.Dataset.load_from_df(
        train[["user_id", "item_id", "rating"]], surprise.Reader(rating_scale=(1, 5))
    )
    algorithm, start = make(), time.perf_counter()
    algorithm.fit(data.build_full_trainset())
    seconds = time.perf_counter() - start
    pairs = zip(test["user_id"].to_numpy().tolist(), test["item_id"].to_numpy().tolist(), strict=True)
    return np.array([algorithm.predict(u, i).est for u, i in pairs]), seconds


def run_fold(ds, fold: str, *, quick: bool, seed: int = SEED, log=print) -> dict:
    """One fold: `{"models": {name: {"rmse", "mae", "fit_seconds", "kind"}}, "blend_weights": {...}}`."""
    from recsys_lab import recipes, splits
    from recsys_lab.methods.blend import Blend, fit_blend

    settings = {"epochs": 1} if quick else None
    split = splits.official_fold(ds, fold)
    truth = split.test["rating"].to_numpy(np.float64)
    rows = {}
    full = recipes.fit_all(ds, split.train, seed=seed, names=rating_models(), quick=settings)
    for name, model in full.items():
        rows[name] = {"kind": "kit", **_scored(model, split.test), "fit_seconds": model.fit_seconds}
    log(f"  {fold}: kit models fitted")

    inner = splits.random_split(split.train, 0.1, seed=seed)  # inner.train: 90 %, inner.test: the slice
    names = blend_models()
    part = recipes.fit_all(ds, inner.train, seed=seed, names=names, quick=settings)
    blend = fit_blend({name: part[name] for name in names}, inner.test, ds.rating_scale)
    fit_seconds = sum(m.fit_seconds for m in part.values())
    rows[HEADLINE_BLEND] = {"kind": "blend", **_scored(blend, split.test), "fit_seconds": fit_seconds}
    reused = Blend({name: full[name] for name in names}, blend.weights, blend.rating_scale)
    rows["blend weights on 100 % fits"] = {
        "kind": "blend variant",
        **_scored(reused, split.test),
        "fit_seconds": None,
    }
    for name in names:  # the 90 % models alone, to see what the blend adds
        rows[f"{name} (90 % fit)"] = {
            "kind": "blend part",
            **_scored(part[name], split.test),
            "fit_seconds": part[name].fit_seconds,
        }
    log(f"  {fold}: blend fitted, weights {np.round(blend.weights, 3).tolist()}")

    for name, make in surprise_algorithms(quick, seed).items():
        pred, seconds = fit_surprise(make, split.train, split.test)
        rows[name] = {"kind": "surprise", **_errors(truth, pred), "fit_seconds": seconds}
        log(f"  {fold}: {name} {rows[name]['rmse']:.4f} ({seconds:.0f} s)")
    return {"models": rows, "blend_weights": blend.weight_table.to_dict()}


def _mean_or_none(values) -> float | None:
    return None if None in values else float(np.mean(values))


def summarise(per_fold: dict[str, dict]) -> list[dict]:
    """One row per model: kind, RMSE and MAE mean/std over folds, mean fit seconds, RMSE per fold."""
    names = list(next(iter(per_fold.values()))["models"])
    rows = []
    for name in names:
        runs = [fold["models"][name] for fold in per_fold.values()]
        rmse, mae = mean_std([r["rmse"] for r in runs]), mean_std([r["mae"] for r in runs])
        rows.append({
            "model": name,
            "kind": runs[0]["kind"],
            "rmse_mean": rmse["mean"],
            "rmse_std": rmse["std"],
            "mae_mean": mae["mean"],
            "mae_std": mae["std"],
            "fit_seconds": _mean_or_none([r["fit_seconds"] for r in runs]),
            "rmse_per_fold": {fold: per_fold[fold]["models"][name]["rmse"] for fold in per_fold},
        })  # fmt: skip
    return rows


def verdict(rows: list[dict]) -> dict:
    """The target: best kit model or the kit's blend, mean RMSE ≤ 0.900.

    Eligible: the kit's models fitted on the whole training part and *blend (90 % fits)*, the blend declared
    before the run. The other blend row (the same weights on the 100 % fits), the blend's parts and Surprise
    are shown beside it but not chosen from, so that no variant is picked for its test score.
    """
    kit = [r for r in rows if r["kind"] == "kit" or r["model"] == HEADLINE_BLEND]
    best = min(kit, key=lambda r: r["rmse_mean"])
    peers = [r for r in rows if r["kind"] == "surprise"]
    best_peer = min(peers, key=lambda r: r["rmse_mean"]) if peers else None
    return {
        "target_rmse": TARGET_RMSE,
        "best_kit": best["model"],
        "best_kit_rmse": best["rmse_mean"],
        "met": bool(best["rmse_mean"] <= TARGET_RMSE),
        "margin": TARGET_RMSE - best["rmse_mean"],
        "best_single_kit": min((r for r in kit if r["kind"] == "kit"), key=lambda r: r["rmse_mean"])["model"],
        "best_peer": best_peer and best_peer["model"],
        "best_peer_rmse": best_peer and best_peer["rmse_mean"],
    }


def run(*, quick: bool = False, seed: int = SEED, log=print) -> dict:
    """The section: folds u1-u5 (quick: u1, 1 epoch per Keras model, Surprise's SVD and BaselineOnly only)."""
    ds = movielens_100k()
    folds = FOLDS[:1] if quick else FOLDS
    per_fold = {}
    for fold in folds:
        per_fold[fold] = run_fold(ds, fold, quick=quick, seed=seed, log=log)
    rows = summarise(per_fold)
    surprise_note = (
        None
        if surprise_algorithms(quick, seed)
        else "scikit-surprise is not installed: pip install -e '.[bench]'"
    )
    return {
        "folds": list(folds),
        "rows": rows,
        "blend_weights": {fold: r["blend_weights"] for fold, r in per_fold.items()},
        "blend_models": blend_models(),
        "verdict": verdict(rows),
        "published": PUBLISHED,
        "surprise_skipped": surprise_note,
    }
