"""What every section and experiment shares: the data, the machine's description, a mean ± std, the repository root."""

from __future__ import annotations

import functools
import os
import platform
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def movielens_100k():
    """ml-100k from the cache or `RECSYS_LAB_MIRROR`; raises (no synthetic fallback): benchmarks need real data."""
    from recsys_lab import load_dataset

    return load_dataset("ml-100k", seed=42, fallback=None, verbose=False)


def mean_std(values) -> dict[str, float]:
    """`{"mean": ..., "std": ...}` with the sample standard deviation (ddof=1; 0 for a single value)."""
    values = np.asarray(values, dtype=np.float64)
    std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return {"mean": float(values.mean()), "std": std}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def machine() -> dict:
    """The machine and the versions that matter for the numbers; TensorFlow's only if already imported."""
    import sys

    import keras
    import pandas
    import scipy

    info = {
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "keras": keras.__version__,
    }
    if "tensorflow" in sys.modules:
        info["tensorflow"] = sys.modules["tensorflow"].__version__
    try:
        import surprise

        info["scikit-surprise"] = surprise.__version__
    except ImportError:
        info["scikit-surprise"] = None
    return info


def describe_machine() -> str:
    """`machine()` on one line, as the experiment modules print it and docs/scale.json keeps it:
    host | CPU | cores | Python | Keras (backend) | numpy."""
    import keras

    info = machine()
    return (
        f"{platform.node()} | {info['cpu']} | {info['cpus']} CPUs | Python {info['python']} | "
        f"Keras {info['keras']} ({keras.backend.backend()}) | numpy {info['numpy']}"
    )


def load() -> list[float]:
    """The 1-, 5- and 15-minute load averages (os.getloadavg): above the core count means contention."""
    return [round(x, 2) for x in os.getloadavg()]
