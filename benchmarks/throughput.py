"""Throughput: training samples/s and achieved FLOP/s of I-AutoRec, biased MF and the MLP beside a float32 matmul.

The ceiling is this machine's float32 matrix product (numpy/OpenBLAS and TensorFlow, 2048², the better of
the two), measured in the same run before and after the models; the higher measurement is used, so a
model's share is not flattered by a slow ceiling measurement.

FLOPs of one training example, forward pass counted and multiplied by 3 (the backward pass costs about
twice the forward):
* I-AutoRec, a row of width n through n → h → n: 3 · 2 · 2nh (the formula of benchmarks/bench_autorec.py);
* biased MF, d factors: p·q and the penalties ‖p‖², ‖q‖²: 3 · 6d (tiny: MF is lookups, not arithmetic);
* the MLP, dense layers in → 64 → 32 → 1: 3 · 2 Σ in·out.

Epoch time is the median over the epochs after the first (the first traces the graph).

>>> matmul_ceiling(n=256, repeats=3, tensorflow=False)["numpy"] > 0     # GFLOP/s  # doctest: +SKIP
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import SEED
from benchmarks.common import movielens_100k

TARGET_SHARE = 0.40
# GFLOP/s of a float32 matmul on this 2-core machine with nothing else running (shared/FACTS.md)
QUIET_CEILING = 130.0
# (batch_size, steps_per_execution); 1,650 is every item row of fold u1 in one step
AUTOREC_CONFIGS = ((64, 1), (256, 1), (256, 8), (1024, 1), (1024, 8), (1650, 1))


def _median_seconds(run, repeats: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (all threads of this process) of `run()`, after a warm-up."""
    run()
    wall, cpu = [], []
    for _ in range(repeats):
        start = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start[0])
        cpu.append(time.process_time() - start[1])
    return float(np.median(wall)), float(np.median(cpu))


def matmul_ceiling(n: int = 2048, repeats: int = 10, *, tensorflow: bool = True) -> dict[str, float]:
    """GFLOP/s of an n × n float32 matmul (2n³ FLOPs), median of `repeats`, by numpy and TensorFlow.

    Returns:
        `{"numpy": GFLOP/s, "numpy per CPU-s": GFLOP per CPU-second, "tensorflow": ..., "tensorflow per CPU-s": ...}`
        (the TensorFlow entries only with `tensorflow=True`).
    """
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    runs = {"numpy": lambda: a @ a}
    if tensorflow:
        import tensorflow as tf

        t = tf.constant(a)
        runs["tensorflow"] = lambda: tf.matmul(t, t).numpy()
    rates = {}
    for name, run in runs.items():
        wall, cpu = _median_seconds(run, repeats)
        rates[name], rates[f"{name} per CPU-s"] = 2 * n**3 / wall / 1e9, 2 * n**3 / max(cpu, 1e-9) / 1e9
    return rates


def _row(what, model, timer, examples, flops_per_example, settings) -> dict:
    epoch, cpu = timer.median()
    return {
        "model": what,
        **settings,
        "examples_per_epoch": int(examples),
        "epoch_seconds": epoch,
        "first_epoch_seconds": timer.seconds[0],
        "samples_per_second": examples / epoch,
        "gflops": examples * flops_per_example / epoch / 1e9,
        "epoch_cpu_seconds": cpu,
        "gflops_per_cpu_second": examples * flops_per_example / max(cpu, 1e-9) / 1e9,
    }


def autorec(train, batch_size: int, steps_per_execution: int, epochs: int, seed: int) -> dict:
    from recsys_lab.models import AutoRec, TrainConfig
    from recsys_lab.models.base import EpochTimer

    timer = EpochTimer()
    config = TrainConfig(epochs=epochs, batch_size=batch_size, steps_per_execution=steps_per_execution,
                         learning_rate=3e-3, seed=seed, progress=False)  # fmt: skip
    model = AutoRec("item", hidden_units=500, l2=1e-3, config=config).fit(train, callbacks=[timer])
    rows, width = model.rows.shape  # items × users
    settings = {"batch_size": batch_size, "steps_per_execution": steps_per_execution}
    row = _row("I-AutoRec", model, timer, rows, 3 * 2 * 2 * width * 500, settings)
    row["ratings_per_second"] = len(train) / row["epoch_seconds"]
    return row


def biased_mf(train, epochs: int, seed: int, batch_size: int = 1024, steps_per_execution: int = 1) -> dict:
    from recsys_lab.models import BiasedMF, TrainConfig
    from recsys_lab.models.base import EpochTimer

    timer, d = EpochTimer(), 32
    config = TrainConfig(epochs=epochs, batch_size=batch_size, learning_rate=2e-3,
                         steps_per_execution=steps_per_execution, seed=seed, progress=False)  # fmt: skip
    model = BiasedMF(embedding_dim=d, l2=0.1).fit(train, config=config, callbacks=[timer])
    settings = {"batch_size": batch_size, "steps_per_execution": steps_per_execution}
    return _row("biased MF", model, timer, len(train), 3 * 6 * d, settings)


def mlp(ds, train, epochs: int, seed: int) -> dict:
    from recsys_lab import recipes
    from recsys_lab.models.base import EpochTimer

    model, fit_args = recipes.build("MLP regression", seed=seed, quick={"epochs": epochs, "progress": False})
    config, timer = fit_args["config"], EpochTimer()
    model.fit(train, users=ds.users, items=ds.items, config=config, callbacks=[timer])
    dense = [*model.network.hidden, model.network.out]
    flops = 3 * 2 * sum(int(np.prod(layer.kernel.shape)) for layer in dense)  # 3 · 2 Σ in·out
    settings = {"batch_size": config.batch_size, "steps_per_execution": config.steps_per_execution}
    return _row("MLP regression", model, timer, len(train), flops, settings)


def run(*, quick: bool = False, seed: int = SEED, log=print) -> dict:
    """The section (quick: a 512² ceiling, one AutoRec setting, 2 epochs per model)."""
    from recsys_lab import splits

    ds = movielens_100k()
    train = splits.official_fold(ds, "u1").train
    n, repeats, epochs = (512, 3, 2) if quick else (2048, 10, 8)
    before = matmul_ceiling(n, repeats)
    log(f"  matmul {n}²: " + ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in before.items()))
    rows = []
    for batch_size, per_call in AUTOREC_CONFIGS[1:2] if quick else AUTOREC_CONFIGS:
        rows.append(autorec(train, batch_size, per_call, epochs, seed))
        log(f"  I-AutoRec batch {batch_size}, steps/call {per_call}: {rows[-1]['gflops']:.1f} GFLOP/s")
    for batch_size in (1024,) if quick else (1024, 8192):
        rows.append(biased_mf(train, epochs if quick else 4, seed, batch_size=batch_size))
    rows.append(mlp(ds, train, epochs if quick else 4, seed))
    after = matmul_ceiling(n, repeats)
    ceiling = max(v for m in (before, after) for k, v in m.items() if "CPU" not in k)
    per_cpu = max(v for m in (before, after) for k, v in m.items() if "CPU" in k)
    for row in rows:
        row["share_of_ceiling"] = row["gflops"] / ceiling
        row["cpu_share_of_ceiling"] = row["gflops_per_cpu_second"] / per_cpu
        row["share_of_quiet_ceiling"] = row["gflops"] / QUIET_CEILING
    result = {
        "matmul_n": n,
        "ceiling_before": before,
        "ceiling_after": after,
        "ceiling_gflops": ceiling,
        "ceiling_gflops_per_cpu_second": per_cpu,
        "quiet_ceiling_gflops": QUIET_CEILING,
        "rows": rows,
    }
    return {**result, "verdict": verdict(result)}


def verdict(result: dict) -> dict:
    """The target, I-AutoRec ≥ 40 % of the matmul ceiling measured in the same run, from the measurements.

    `met` is None (not decided) when that ceiling came out below 80 % of the quiet machine's (`QUIET_CEILING`):
    then other work held the cores, the ceiling is not the machine's, and a share of it says little. The shares
    by CPU time and of the quiet ceiling are given beside it either way.
    """
    best = max((r for r in result["rows"] if r["model"] == "I-AutoRec"), key=lambda r: r["share_of_ceiling"])
    contended = result["ceiling_gflops"] < 0.8 * QUIET_CEILING
    return {
        "target_share": TARGET_SHARE,
        "best_autorec": {
            "batch_size": best["batch_size"],
            "steps_per_execution": best["steps_per_execution"],
        },
        "best_share": best["share_of_ceiling"],
        "best_cpu_share": best["cpu_share_of_ceiling"],
        "best_quiet_share": best["share_of_quiet_ceiling"],
        "best_cpu_share_any": max(
            r["cpu_share_of_ceiling"] for r in result["rows"] if r["model"] == "I-AutoRec"
        ),
        "ceiling_contended": bool(contended),
        "met": None if contended else bool(best["share_of_ceiling"] >= TARGET_SHARE),
        "margin": best["share_of_ceiling"] - TARGET_SHARE,
    }
