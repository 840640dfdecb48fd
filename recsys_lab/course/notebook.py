"""The notebooks' one setup call: versions, device, seed, Colab's widgets, and mixed precision on a GPU.

>>> from recsys_lab import setup_notebook
>>> info = setup_notebook(seed=42)       # doctest: +SKIP
recsys-lab 0.1.0 | Python 3.11.7 | TensorFlow 2.21.0 | Keras 3.15.1 (backend tensorflow) | CPU only | seed 42

It runs the doctor's checks (`course.doctor`) and prints only the problems, each with its fix.

Models train on a GPU when TensorFlow sees one, with no change to any notebook. Mixed precision (float16
compute, float32 weights) is an option for GPUs: `setup_notebook(seed=SEED, mixed_precision=True)`, or set
`RECSYS_LAB_MIXED_PRECISION=1` before starting Jupyter (or in `os.environ` before the setup cell). On a
CPU the option is ignored, with a note: float16 is slower there. AutoRec trains under it; biased MF and the
two-tower model do not yet (their float16 outputs meet float32 terms: tests/test_env.py keeps the list).
"""

from __future__ import annotations

import os
import platform

from recsys_lab.course.doctor import (
    Check,
    format_checks,
    in_colab,
    run_checks,
    tensorflow_gpus,
    tensorflow_version,
)

MIXED_PRECISION_ENV = "RECSYS_LAB_MIXED_PRECISION"


def enable_colab_widgets() -> Check:
    """Turn on Colab's widget manager, which ipywidgets 8 needs there; say how if it cannot be done."""
    try:
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()
    except Exception as exc:  # a changed Colab API must not stop the notebook, only be reported
        return Check(
            "colab widgets",
            "warn",
            f"could not enable Colab's widget manager ({type(exc).__name__}: {exc})",
            "run `from google.colab import output; output.enable_custom_widget_manager()`, then re-run "
            "the widget cells",
        )
    return Check("colab widgets", "ok", "Colab's widget manager is enabled")


def mixed_precision_requested(value: bool | None = None) -> bool:
    """`value` when given, else whether RECSYS_LAB_MIXED_PRECISION is set to 1/true/yes/on."""
    if value is not None:
        return value
    return os.environ.get(MIXED_PRECISION_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def apply_mixed_precision(enabled: bool, num_gpus: int) -> Check | None:
    """Set Keras' global dtype policy to mixed_float16 when `enabled` and a GPU is present.

    Layers then compute in float16 and keep float32 weights (Keras scales the loss); on a GPU with
    tensor cores (compute capability 7.0+) that is up to ~2x faster for the larger models. Not on a CPU,
    where float16 is slower: there the request is declined with a note. Returns None when not asked.
    """
    if not enabled:
        return None
    if not num_gpus:
        return Check(
            "mixed precision",
            "warn",
            "requested, but there is no GPU: staying with float32 (float16 is slower on a CPU)",
            f"use a GPU runtime, or turn it off (mixed_precision=False, or unset {MIXED_PRECISION_ENV})",
        )
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    return Check("mixed precision", "ok", "mixed_float16: float16 compute, float32 weights")


def setup_notebook(
    seed: int = 42, *, deep_learning: bool = True, mixed_precision: bool | None = None
) -> dict:
    """The notebooks' setup: versions, device, seed, and the fix for any problem found.

    Seeds Python's and numpy's global generators and (when `deep_learning`) Keras/TensorFlow with `seed`,
    as a safety net for third-party code: the kit itself takes `seed=` explicitly everywhere. Prints one
    summary line (versions, the GPU in use or "CPU only", the seed), then any problem with its fix
    (legacy Keras, widgets front end, TensorFlow too old, a GPU TensorFlow cannot see, data cache,
    mirror). In Colab it also enables the widget manager.

    Args:
        seed: the notebook's SEED.
        deep_learning: also check and seed TensorFlow/Keras (imports TensorFlow, a few seconds).
        mixed_precision: compute in float16 on a GPU (see `apply_mixed_precision`); None reads
            RECSYS_LAB_MIXED_PRECISION. Ignored, with a note, when there is no GPU.

    Returns:
        What it found: versions, `gpus` (how many TensorFlow uses) and `gpu_names`, `mixed_precision`,
        `seed`.
    """
    import random

    import numpy as np

    from recsys_lab import __version__

    checks = [enable_colab_widgets()] if in_colab() else []
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- seeds legacy global state for any third-party code; the kit passes seeds
    # the mirror's files are only listed here, not hashed: the loader verifies each file it reads
    checks += run_checks(deep_learning=deep_learning, data=True, verify=False)
    info = {
        "recsys_lab": __version__,
        "python": platform.python_version(),
        "seed": seed,
        "gpus": 0,
        "gpu_names": [],
        "mixed_precision": False,
    }
    parts = [f"recsys-lab {__version__}", f"Python {info['python']}"]
    if deep_learning:
        import keras

        keras.utils.set_random_seed(seed)
        info.update(tensorflow=tensorflow_version(), keras=keras.__version__)
        info["gpu_names"] = tensorflow_gpus()
        info["gpus"] = len(info["gpu_names"])
        precision = apply_mixed_precision(mixed_precision_requested(mixed_precision), info["gpus"])
        if precision is not None:
            checks.append(precision)
            info["mixed_precision"] = precision.status == "ok"
        device = f"GPU: {', '.join(info['gpu_names'])}" if info["gpus"] else "CPU only"
        parts += [
            f"TensorFlow {info['tensorflow']}",
            f"Keras {info['keras']} (backend {keras.backend.backend()})",
            device + (" (mixed precision)" if info["mixed_precision"] else ""),
        ]
    parts.append(f"seed {seed}")
    print(" | ".join(parts))
    problems = [c for c in checks if c.status in ("warn", "fail")]
    if problems:
        print(format_checks(problems))
    return info
