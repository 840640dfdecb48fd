"""The environment doctor and the notebooks' one setup call.

`recsys-lab doctor` and `setup_notebook()` run the same checks; each problem comes with its fix.

>>> from recsys_lab.env import setup_notebook
>>> info = setup_notebook(seed=42)       # doctest: +SKIP
recsys-lab 0.1.0 | Python 3.11.7 | TensorFlow 2.21.0 | Keras 3.15.1 (backend tensorflow) | CPU only | seed 42
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

MIN_TENSORFLOW = (2, 16)


@dataclass(frozen=True)
class Check:
    """One finding: `status` is "ok", "info" (worth knowing, nothing to fix), "warn" or "fail"."""

    name: str
    status: str
    detail: str
    fix: str = ""


def in_colab() -> bool:
    return "google.colab" in sys.modules


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _as_tuple(version: str) -> tuple[int, ...]:
    """ "2.16.0rc1" -> (2, 16, 0): the leading number of each of the first three parts."""
    return tuple(int(m.group()) if (m := re.match(r"\d+", p)) else 0 for p in version.split(".")[:3])


def _tensorflow_version() -> str | None:
    for dist in ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly"):
        if (v := _version(dist)) is not None:
            return v
    return None


def check_packages() -> list[Check]:
    """Python and the pure-Python stack; no TensorFlow import."""
    checks = []
    py = sys.version_info
    ok = (3, 10) <= py[:2] <= (3, 13)
    checks.append(
        Check(
            "python",
            "ok" if ok else "warn",
            platform.python_version(),
            "" if ok else "the kit is tested on Python 3.10-3.13; create a venv with one of them",
        )
    )
    for dist, minimum in [
        ("numpy", "1.24"),
        ("pandas", "2.0"),
        ("scipy", "1.10"),
        ("plotly", "5.20"),
        ("ipywidgets", "8.0"),
        ("pooch", "1.8"),
    ]:
        v = _version(dist)
        if v is None:
            checks.append(Check(dist, "fail", "not installed", f"pip install '{dist}>={minimum}'"))
        elif _as_tuple(v) < _as_tuple(minimum):
            checks.append(
                Check(dist, "fail", f"{v} is older than {minimum}", f"pip install -U '{dist}>={minimum}'")
            )
        else:
            checks.append(Check(dist, "ok", v))
    if in_colab():
        checks.append(Check("widgets front end", "ok", "Colab (widgets enabled by setup_notebook)"))
    elif _version("jupyterlab_widgets") is None:
        checks.append(
            Check(
                "widgets front end",
                "warn",
                "jupyterlab_widgets is not installed: sliders and dropdowns will show as text",
                "pip install 'ipywidgets>=8' jupyterlab_widgets, then restart JupyterLab",
            )
        )
    else:
        checks.append(
            Check("widgets front end", "ok", f"jupyterlab_widgets {_version('jupyterlab_widgets')}")
        )
    return checks


def check_deep_learning() -> list[Check]:
    """TensorFlow, Keras 3 and the GPU; imports TensorFlow (a few seconds)."""
    checks = []
    tf_version = _tensorflow_version()
    if tf_version is None:
        return [
            Check(
                "tensorflow",
                "fail",
                "not installed",
                "pip install 'recsys-lab[cpu]' (or '[gpu]' with an NVIDIA GPU on Linux); "
                "in Colab TensorFlow is preinstalled",
            )
        ]
    if _as_tuple(tf_version) < MIN_TENSORFLOW:
        checks.append(
            Check(
                "tensorflow",
                "fail",
                f"{tf_version} is older than 2.16 (Keras 3 needs 2.16+)",
                "pip install -U 'tensorflow>=2.16'",
            )
        )
    else:
        checks.append(Check("tensorflow", "ok", tf_version))
    legacy = os.environ.get("TF_USE_LEGACY_KERAS", "0").lower() in ("1", "true", "yes")
    if legacy:
        checks.append(
            Check(
                "keras",
                "fail",
                "TF_USE_LEGACY_KERAS is set: tf.keras is legacy Keras 2",
                "unset TF_USE_LEGACY_KERAS (and restart the kernel); the kit uses `import keras` (Keras 3)",
            )
        )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import keras
        import tensorflow as tf
    except Exception as exc:  # a broken install must be reported, not crash the doctor
        return [
            *checks,
            Check(
                "tensorflow import",
                "fail",
                f"{type(exc).__name__}: {exc}",
                "reinstall: pip install --force-reinstall 'recsys-lab[cpu]'",
            ),
        ]
    if legacy:
        pass  # already reported above
    elif _as_tuple(keras.__version__) < (3,):
        checks.append(
            Check(
                "keras",
                "fail",
                f"Keras {keras.__version__} is legacy Keras 2",
                "pip install -U 'keras>=3.3' and uninstall tf-keras",
            )
        )
    elif keras.backend.backend() != "tensorflow":
        checks.append(
            Check(
                "keras",
                "warn",
                f"Keras {keras.__version__} with backend {keras.backend.backend()}",
                "set KERAS_BACKEND=tensorflow before starting Jupyter; the kit is tested on TensorFlow",
            )
        )
    else:
        checks.append(Check("keras", "ok", f"{keras.__version__} (backend tensorflow)"))
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        checks.append(Check("gpu", "ok", f"{len(gpus)} GPU(s): " + ", ".join(g.name for g in gpus)))
    else:
        checks.append(
            Check(
                "gpu",
                "info",
                "none: models train on the CPU (every notebook is sized for a laptop CPU)",
                "optional: in Colab, Runtime > Change runtime type > GPU; locally pip install "
                "'recsys-lab[gpu]' with an NVIDIA driver",
            )
        )
    return checks


def check_data() -> list[Check]:
    """Data cache writable; mirror set and usable; which releases are cached."""
    from recsys_lab.movielens import _MARKER, MIRROR_ENV, RELEASES, default_data_home, file_hash

    checks = []
    cache = default_data_home()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache):
            pass
        cached = [n for n, r in RELEASES.items() if (cache / r.folder / _MARKER).is_file()]
        checks.append(Check("data cache", "ok", f"{cache} (cached: {', '.join(cached) or 'nothing yet'})"))
    except OSError as exc:
        checks.append(
            Check(
                "data cache",
                "fail",
                f"{cache} is not writable ({exc.strerror})",
                "set RECSYS_LAB_DATA to a writable folder",
            )
        )
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror:
        checks.append(Check("mirror", "info", f"{MIRROR_ENV} is not set: data is downloaded from GroupLens"))
        return checks
    root = Path(mirror).expanduser()
    if not root.is_dir():
        checks.append(
            Check(
                "mirror",
                "fail",
                f"{MIRROR_ENV}={mirror} is not a folder",
                f"point {MIRROR_ENV} at a folder holding e.g. ml-100k/ or ml-100k.zip, or unset it",
            )
        )
        return checks
    found, bad = [], []
    for name, release in RELEASES.items():
        if (root / release.folder).is_dir() and release.pinned:
            broken = [
                f
                for f, sha in release.files.items()
                if not (root / release.folder / f).is_file() or file_hash(root / release.folder / f) != sha
            ]
            (bad if broken else found).append(f"{name}/" + (f" ({', '.join(broken)})" if broken else ""))
        elif (root / f"{name}.zip").is_file():
            ok = file_hash(root / f"{name}.zip", "md5") == release.md5
            (found if ok else bad).append(f"{name}.zip")
    if bad:
        checks.append(
            Check(
                "mirror",
                "fail",
                f"{root}: failed hash check: {', '.join(bad)}",
                "replace those files with fresh copies of the official archives",
            )
        )
    elif found:
        checks.append(Check("mirror", "ok", f"{root}: {', '.join(found)} verified"))
    else:
        checks.append(
            Check(
                "mirror",
                "warn",
                f"{root} holds no MovieLens release the kit knows",
                "copy official archives (e.g. ml-100k.zip) there, or run `recsys-lab download`",
            )
        )
    return checks


def run_checks(*, deep_learning: bool = True, data: bool = True) -> list[Check]:
    checks = check_packages()
    if deep_learning:
        checks += check_deep_learning()
    if data:
        checks += check_data()
    return checks


def format_checks(checks: list[Check]) -> str:
    marks = {"ok": "ok  ", "info": "info", "warn": "WARN", "fail": "FAIL"}
    lines = []
    for c in checks:
        lines.append(f"[{marks[c.status]}] {c.name:<18} {c.detail}")
        if c.fix and c.status != "ok":
            lines.append(f"{'':25}fix: {c.fix}")
    return "\n".join(lines)


def setup_notebook(seed: int = 42, *, deep_learning: bool = True) -> dict:
    """The notebooks' setup: versions, device, seed, and the fix for any problem found.

    Seeds Python's and numpy's global generators and (when `deep_learning`) Keras/TensorFlow with `seed`,
    as a safety net for third-party code: the kit itself takes `seed=` explicitly everywhere. Prints one
    summary line, then any problems with their fixes. In Colab it also enables the widget manager.
    Returns a dict of what it found (versions, number of GPUs, seed).
    """
    import random

    import numpy as np

    from recsys_lab import __version__

    if in_colab():
        from google.colab import output  # type: ignore[import-not-found]

        output.enable_custom_widget_manager()
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 -- seeds legacy global state for any third-party code; the kit passes seeds
    checks = run_checks(deep_learning=deep_learning, data=False)
    info = {"recsys_lab": __version__, "python": platform.python_version(), "seed": seed, "gpus": 0}
    parts = [f"recsys-lab {__version__}", f"Python {info['python']}"]
    if deep_learning:
        import keras

        keras.utils.set_random_seed(seed)
        info.update(tensorflow=_tensorflow_version(), keras=keras.__version__)
        gpu = next((c for c in checks if c.name == "gpu"), None)
        info["gpus"] = int(gpu.detail.split()[0]) if gpu and gpu.status == "ok" else 0
        parts += [
            f"TensorFlow {info['tensorflow']}",
            f"Keras {info['keras']} (backend {keras.backend.backend()})",
            f"{info['gpus']} GPU(s)" if info["gpus"] else "CPU only",
        ]
    parts.append(f"seed {seed}")
    print(" | ".join(parts))
    problems = [c for c in checks if c.status in ("warn", "fail")]
    if problems:
        print(format_checks(problems))
    return info
