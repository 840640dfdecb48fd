"""Scale: how epoch time and peak memory grow with the data, one fresh process per measurement.

Synthetic worlds are sized along the line MovieLens itself follows: `shape_for` interpolates users and items
in log space between ml-100k (943 × 1,682, 100,000 ratings) and ml-25m (162,541 × 62,423, 25,000,095), so
the matrix gets sparser as it grows. `measure` trains one model in a child process (its peak RSS is that run's
alone); `growth` measures several sizes; `exponent` fits b in time ∝ ratings^b; `ui.viz.loglog` draws the table.

>>> shape_for(100_000), shape_for(25_000_095)
((943, 1682), (162541, 62423))
>>> table = growth([20_000, 40_000, 80_000], model="mf")      # doctest: +SKIP
>>> exponent(table)                                             # b ≈ 1: linear in ratings  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

ML100K, ML25M = (943, 1_682, 100_000), (162_541, 62_423, 25_000_095)  # (num_users, num_items, num_ratings)
MODELS = ("mf", "mf-lazy", "autorec")
BATCH_SIZE = {"mf": 4096, "mf-lazy": 4096, "autorec": 256}  # measure's default per model
MIN_RATINGS, MAX_DENSITY = 1_000, 0.2


def shape_for(num_ratings: int) -> tuple[int, int]:
    """(num_users, num_items) for a MovieLens-shaped world of `num_ratings` ratings.

    With t = log(n / 1e5) / log(n_25m / 1e5), users = 943 · (162,541 / 943)^t and items = 1,682 · (62,423 /
    1,682)^t: t = 0 is ml-100k, t = 1 ml-25m. Below ml-100k both are raised so that density stays ≤ 20 %.
    """
    if int(num_ratings) != num_ratings or num_ratings < MIN_RATINGS:
        raise ValueError(f"num_ratings must be an integer >= {MIN_RATINGS:,}; got {num_ratings!r}")
    t = math.log(num_ratings / ML100K[2]) / math.log(ML25M[2] / ML100K[2])
    users, items = (small * (large / small) ** t for small, large in zip(ML100K[:2], ML25M[:2], strict=True))
    grow = math.sqrt(max(1.0, num_ratings / (MAX_DENSITY * users * items)))  # tiny worlds: keep them sparse
    return round(users * grow), round(items * grow)


def measure(num_ratings: int | None, *, model: str = "mf", epochs: int = 1, batch_size: int | None = None,
            seed: int = 0, dataset: str | None = None) -> dict:  # fmt: skip
    """Train `model` for `epochs` on a synthetic world of `num_ratings` (or on `dataset`) in a child process.

    Args:
        num_ratings: size of the synthetic world (ignored, may be None, when `dataset` is given).
        model: "mf" (`BiasedMF`, rating triples in batches, Keras' Adam), "mf-lazy" (the same with
            `LazyAdam`, which moves only the rows a batch touched) or "autorec" (I-AutoRec: item rows, one
            input per user, densified one batch at a time by `sparse_row_batches`).
        epochs: epochs to time; with more than one, the first (which also builds the graph) is left out.
        batch_size: examples per step; default `BATCH_SIZE[model]`.
        seed: seed of the world and of the model.
        dataset: a MovieLens release (e.g. "ml-latest-small") to measure instead of a synthetic world.

    Returns:
        dict: `model, num_users, num_items, num_ratings, generate_seconds` (making or loading the data),
        `epoch_seconds`, `ratings_per_second`, `peak_rss_gb` (the child's peak, making the data included),
        `fit_peak_rss_gb` (peak from the start of training), `epoch_cpu_seconds` (CPU time of an epoch, all
        threads: less sensitive than wall time to other work on a shared machine), `epochs`, `batch_size`,
        `dataset`. Epoch times are medians over the epochs after the first.

    Raises:
        ValueError: unknown model or dataset, fewer than 1,000 ratings, epochs or batch_size < 1.
        RuntimeError: the child failed (its error output is in the message).
    """
    from recsys_lab.data.releases import RELEASES

    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if dataset is None:
        shape_for(num_ratings)  # checks num_ratings
    elif dataset not in RELEASES:
        raise ValueError(f"unknown dataset {dataset!r}; choose a MovieLens release: {', '.join(RELEASES)}")
    if epochs < 1 or (batch_size is not None and batch_size < 1):
        raise ValueError(f"epochs and batch_size must be >= 1; got {epochs} and {batch_size}")
    batch_size = batch_size or BATCH_SIZE[model]
    job = dict(
        num_ratings=num_ratings, model=model, epochs=epochs, batch_size=batch_size, seed=seed, dataset=dataset
    )
    env = {"TF_CPP_MIN_LOG_LEVEL": "2", **os.environ}
    done = subprocess.run([sys.executable, "-m", "recsys_lab.models.scale", json.dumps(job)], capture_output=True,
                          text=True, env=env)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"measurement {job} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def growth(sizes, *, model: str = "mf", epochs: int = 2, seed: int = 0, batch_size: int | None = None
           ) -> pd.DataFrame:  # fmt: skip
    """`measure` at each size, one row per size; each also costs a TensorFlow start-up (about 5-10 s)."""
    rows = [measure(int(n), model=model, epochs=epochs, seed=seed, batch_size=batch_size) for n in sizes]
    return pd.DataFrame(rows)


def exponent(table: pd.DataFrame, x: str = "num_ratings", y: str = "epoch_seconds") -> float:
    """b of the least-squares line log y = a + b log x: y grows like x^b (b = 1: linear)."""
    xs, ys = np.asarray(table[x], dtype=float), np.asarray(table[y], dtype=float)
    if len(xs) < 2 or np.unique(xs).size < 2 or (xs <= 0).any() or (ys <= 0).any():
        raise ValueError(f"need at least two distinct, positive {x} values and positive {y} values")
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def _peak_gb() -> float:
    """This process's peak resident memory in GB (VmHWM on Linux, else ru_maxrss)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1e6
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1e9 if sys.platform == "darwin" else 1e6)


def _run(num_ratings, model, epochs, batch_size, seed, dataset) -> dict:
    """One measurement, in this process (the child `measure` starts)."""
    import dataclasses

    from recsys_lab.data.load import load_dataset
    from recsys_lab.data.synthetic import make_synthetic

    start = time.perf_counter()
    if dataset is None:
        data = make_synthetic(*shape_for(num_ratings), num_ratings, poster_size=None, seed=seed)
    else:
        data = load_dataset(dataset, fallback=None, verbose=False)
    ratings, generate_seconds = data.ratings, time.perf_counter() - start
    del data  # keep only the ratings table
    generate_peak = _peak_gb()
    try:  # Linux: reset the high-water mark, so what follows is training's own peak
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    from recsys_lab.models.autorec import AutoRec
    from recsys_lab.models.base import EpochTimer
    from recsys_lab.models.mf import TRAIN, BiasedMF

    timer, recommender = EpochTimer(), AutoRec("item") if model == "autorec" else BiasedMF()
    config = dataclasses.replace(recommender.config if model == "autorec" else TRAIN, epochs=epochs,
                                 batch_size=batch_size, seed=seed, progress=False)  # fmt: skip
    if model == "mf-lazy":
        config = dataclasses.replace(config, optimizer="lazy_adam")
    recommender.fit(ratings, config=config, callbacks=[timer])
    epoch_seconds, cpu = timer.median()
    fit_peak = _peak_gb()
    return dict(model=model, num_users=recommender.num_users, num_items=recommender.num_items,
                num_ratings=len(ratings), generate_seconds=generate_seconds, epoch_seconds=epoch_seconds,
                ratings_per_second=len(ratings) / epoch_seconds, peak_rss_gb=max(generate_peak, fit_peak),
                fit_peak_rss_gb=fit_peak, epoch_cpu_seconds=cpu, epochs=epochs, batch_size=batch_size,
                dataset=dataset)  # fmt: skip


if (
    __name__ == "__main__"
):  # python -m recsys_lab.models.scale '{"num_ratings": ..., ...}': one measurement as JSON
    print(json.dumps(_run(**json.loads(sys.argv[1]))))
