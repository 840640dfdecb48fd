"""I-AutoRec training speed on ml-100k's shape: epoch time and achieved FLOP/s beside a plain matmul's.

    python -m benchmarks.bench_autorec              # prints a table; medians over repeated epochs

FLOPs of one epoch: a dense layer of a (B × n) batch through (n × h) costs 2·B·n·h multiply-adds forward and
about twice that backward, so an epoch over R rows with in/out width n and code h costs ≈ 3 · 2 · R · 2·n·h.
The ceiling is the same machine's float32 matmul (numpy/OpenBLAS and TensorFlow), measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pandas as pd
import tensorflow as tf

from recsys_lab import splits
from recsys_lab.data.load import load_dataset
from recsys_lab.models.autorec import AutoRec
from recsys_lab.models.base import EpochTimer, TrainConfig


def matmul_gflops(n: int = 2048, repeats: int = 10) -> tuple[float, float]:
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a
        times.append(time.perf_counter() - start)
    numpy_rate = 2 * n**3 / np.median(times) / 1e9
    t = tf.constant(a)
    tf.matmul(t, t).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tf.matmul(t, t).numpy()
        times.append(time.perf_counter() - start)
    return numpy_rate, 2 * n**3 / np.median(times) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_autorec", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--hidden", type=int, default=500)
    args = parser.parse_args()
    ds = load_dataset("ml-100k", verbose=False)
    split = splits.rating_split(ds, seed=0)
    rows = []
    for batch_size in (64, 256):
        timer = EpochTimer()
        model = AutoRec("item", hidden_units=args.hidden).fit(
            split.train,
            config=TrainConfig(epochs=args.epochs, batch_size=batch_size, seed=0, progress=False),
            callbacks=[timer],
        )
        num_rows, width = model.rows.shape
        flops = 3 * 2 * num_rows * 2 * width * args.hidden
        epoch = float(np.median(timer.seconds[1:]))  # the first epoch includes tracing
        rows.append(
            {
                "what": f"I-AutoRec epoch, batch {batch_size}",
                "median seconds": epoch,
                "GFLOP/s": flops / epoch / 1e9,
                "first epoch seconds": timer.seconds[0],
            }
        )
    numpy_rate, tf_rate = matmul_gflops()
    rows += [
        {"what": "float32 matmul 2048², numpy", "GFLOP/s": numpy_rate},
        {"what": "float32 matmul 2048², TensorFlow", "GFLOP/s": tf_rate},
    ]
    print(
        f"{ds!r}\nmachine: {platform.machine()}, {os.cpu_count()} CPUs, TensorFlow {tf.__version__}; "
        f"I-AutoRec {num_rows} rows × {width} inputs, {args.hidden} hidden units\n"
    )
    print(pd.DataFrame(rows).set_index("what").round(3).to_string())


if __name__ == "__main__":
    main()
