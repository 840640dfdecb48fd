"""The environment doctor: versions, legacy Keras, the widgets front end, the GPU, the data cache and the mirror.

`recsys-lab doctor` prints these checks; `course.notebook.setup_notebook()` runs the same ones. Each problem
comes with its fix.

>>> print(format_checks(run_checks(deep_learning=False, data=False)))     # doctest: +SKIP
[ok  ] python             3.11.7
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Set before TensorFlow is first imported: its C++ logging then shows errors only (1 would keep warnings).
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "2"}
# What TensorFlow's C++ code writes to stderr on every start, whatever TF_CPP_MIN_LOG_LEVEL says: "WARNING: All
# log messages before absl::InitializeLog() ...", "oneDNN custom operations are on ..." (printed twice), the
# CPU-instructions notice and, from the full wheel without a GPU, the CUDA stubs' lines. Only
# TF_ENABLE_ONEDNN_OPTS=0 silences the oneDNN line at its source, and it also turns oneDNN's kernels off: the
# kit drops these lines instead (`tensorflow_start_up_filtered`).
TENSORFLOW_START_UP = re.compile(
    r"absl::InitializeLog|oneDNN custom operations are on|cpu_feature_guard|To enable the following instructions"
    r"|cudart_stub|Could not find cuda drivers|Unable to register cu(?:DNN|FFT|BLAS) factory|TF-TRT Warning"
)
# ipywidgets' major version -> the major version of the JupyterLab front end that renders it
WIDGETS_FRONT_END = {7: 1, 8: 3}


@dataclass(frozen=True)
class Check:
    """One finding: `status` is "ok", "info" (worth knowing, nothing to fix), "warn" or "fail"."""

    name: str
    status: str
    detail: str
    fix: str = ""


@contextlib.contextmanager
def quiet_tensorflow():
    """Within the block, `QUIET_TENSORFLOW`'s variables are set where the environment does not set them.

    For a command such as `recsys-lab doctor`. A value the user set wins; on leaving, only what was set here is
    removed again, so a caller's process (a test calling the CLI's `main`) keeps its environment. It acts only
    on a TensorFlow not yet imported. The start-up lines no variable silences are dropped where the kit imports
    TensorFlow (`tensorflow_start_up_filtered`).
    """
    added = [name for name in QUIET_TENSORFLOW if name not in os.environ]
    for name in added:
        os.environ[name] = QUIET_TENSORFLOW[name]
    try:
        yield
    finally:
        for name in added:
            if os.environ.get(name) == QUIET_TENSORFLOW[name]:
                del os.environ[name]


@contextlib.contextmanager
def tensorflow_start_up_filtered():
    """Within the block, what C code writes to stderr (file descriptor 2) is held back, then passed on to
    `sys.stderr` without TensorFlow's start-up lines (`TENSORFLOW_START_UP`): any other line still shows.

    TensorFlow writes those lines from C++, below Python's `sys.stderr`, so they reach a notebook as red stderr
    output (ipykernel forwards file descriptor 2) and a terminal as they are. Wrap the first `import tensorflow`
    in it (the doctor's checks do, and `setup_notebook` runs them first).

    >>> with tensorflow_start_up_filtered():      # doctest: +SKIP
    ...     import tensorflow
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (
        OSError,
        ValueError,
    ):  # no file descriptor 2 to redirect (e.g. a closed stderr): nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().decode(errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not TENSORFLOW_START_UP.search(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


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


_FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9.]*)")


def declared_floors() -> dict[str, str]:
    """The lowest version the kit declares for each dependency: `{"keras": "3.6", "tensorflow": "2.16", ...}`.

    Read from the installed kit's metadata (else the checkout's pyproject.toml), so the doctor checks the floors
    that pyproject declares and `.ci/floors-check` proves. Extras count only for TensorFlow (the cpu extra).
    """
    try:
        lines = importlib.metadata.requires("recsys-lab") or []
    except importlib.metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
        block = re.search(r"^dependencies = \[(.*?)^\]", text, re.DOTALL | re.MULTILINE)
        lines = re.findall(r'"([^"]+)"', block.group(1)) if block else []
        lines += [f"{name}>={floor}" for name, floor in re.findall(r'"(tensorflow[a-z-]*)>=([0-9.]+)', text)]
    floors: dict[str, str] = {}
    for line in lines:
        if (match := _FLOOR.match(line)) is None or ("extra ==" in line and "tensorflow" not in line):
            continue
        name = "tensorflow" if match[1].startswith("tensorflow") else match[1].lower()
        floors.setdefault(name, match[2])
    return floors


def tensorflow_version() -> str | None:
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
    floors = declared_floors()
    for dist in ("numpy", "pandas", "scipy", "plotly", "ipywidgets", "pooch"):
        minimum = floors.get(dist, "0")
        v = _version(dist)
        if v is None:
            checks.append(Check(dist, "fail", "not installed", f"pip install '{dist}>={minimum}'"))
        elif _as_tuple(v) < _as_tuple(minimum):
            checks.append(
                Check(dist, "fail", f"{v} is older than {minimum}", f"pip install -U '{dist}>={minimum}'")
            )
        else:
            checks.append(Check(dist, "ok", v))
    checks.append(check_widgets_front_end())
    return checks


def check_widgets_front_end() -> Check:
    """Whether sliders and dropdowns will render: the JupyterLab front end matching ipywidgets.

    Checked in the kernel's environment; when JupyterLab runs from another environment, the front end
    must be installed there (the fix says so).
    """
    if in_colab():
        return Check("widgets front end", "ok", "Colab (its widget manager is enabled by setup_notebook)")
    widgets, front_end = _version("ipywidgets"), _version("jupyterlab_widgets")
    fix = (
        "pip install -U 'ipywidgets>=8' jupyterlab_widgets (in the environment JupyterLab runs from, "
        "if it is another one), then restart JupyterLab and reload the page"
    )
    if front_end is None:
        return Check(
            "widgets front end",
            "warn",
            "jupyterlab_widgets is not installed: sliders and dropdowns will show as text",
            fix,
        )
    want = WIDGETS_FRONT_END.get(_as_tuple(widgets)[0]) if widgets else None
    if want is not None and _as_tuple(front_end)[0] != want:
        return Check(
            "widgets front end",
            "warn",
            f"jupyterlab_widgets {front_end} does not render ipywidgets {widgets} (needs {want}.x): "
            "widgets show 'Error displaying widget'",
            fix,
        )
    return Check("widgets front end", "ok", f"jupyterlab_widgets {front_end}")


def nvidia_gpu_present() -> bool:
    """Whether this machine has an NVIDIA GPU and driver, whatever TensorFlow sees."""
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def check_gpu(gpus: list[str]) -> Check:
    """The GPU TensorFlow uses (`gpus`: its device names), or why there is none and how to get one."""
    if gpus:
        return Check("gpu", "ok", f"{len(gpus)} GPU(s): " + ", ".join(gpus))
    hidden = os.environ.get("CUDA_VISIBLE_DEVICES")
    if hidden is not None and hidden.strip() in ("", "-1"):
        return Check(
            "gpu",
            "warn",
            f"CUDA_VISIBLE_DEVICES={hidden!r} hides every GPU from TensorFlow",
            "unset CUDA_VISIBLE_DEVICES (or set it to 0) before starting Jupyter, then restart the kernel",
        )
    if in_colab():
        return Check(
            "gpu",
            "info",
            "none: models train on the CPU (every notebook is sized for one)",
            "optional: Runtime > Change runtime type > a GPU, then run the notebook again",
        )
    if nvidia_gpu_present():
        cpu_build = _version("tensorflow-cpu") is not None
        return Check(
            "gpu",
            "warn",
            "an NVIDIA GPU is present but TensorFlow does not see it"
            + (": tensorflow-cpu is installed" if cpu_build else ""),
            ("pip uninstall -y tensorflow-cpu && " if cpu_build else "")
            + "pip install 'recsys-lab[gpu]' (TensorFlow with its CUDA libraries, Linux); "
            "check the driver with nvidia-smi",
        )
    return Check(
        "gpu",
        "info",
        "none: models train on the CPU (every notebook is sized for a laptop CPU)",
        "optional: in Colab, Runtime > Change runtime type > GPU; locally pip install "
        "'recsys-lab[gpu]' with an NVIDIA driver",
    )


def legacy_keras_active() -> str | None:
    """Why legacy Keras 2 is (or will be) active in this process, or None."""
    if os.environ.get("TF_USE_LEGACY_KERAS", "0").strip().lower() in ("1", "true", "yes"):
        return "TF_USE_LEGACY_KERAS is set: tf.keras is legacy Keras 2"
    if "tf_keras" in sys.modules:
        return "tf_keras (legacy Keras 2) is imported in this process, e.g. by tensorflow_recommenders"
    return None


def tensorflow_gpus() -> list[str]:
    """Names of the GPUs TensorFlow will use (imports TensorFlow); empty on a CPU-only machine."""
    with tensorflow_start_up_filtered():  # the CUDA stubs speak when asked for devices, too
        import tensorflow as tf

        devices = tf.config.list_physical_devices("GPU")
    names = []
    for device in devices:
        try:
            names.append(tf.config.experimental.get_device_details(device).get("device_name") or device.name)
        except Exception:  # details are best effort; the device itself is what matters
            names.append(device.name)
    return names


def check_deep_learning() -> list[Check]:
    """TensorFlow, Keras 3 and the GPU; imports TensorFlow (a few seconds)."""
    checks = []
    floors = declared_floors()
    min_tf, min_keras = (
        floors.get("tensorflow", "2.16"),
        floors.get("keras", "3"),
    )  # 2.16: the first with Keras 3
    tf_version = tensorflow_version()
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
    if _as_tuple(tf_version) < _as_tuple(min_tf):
        checks.append(
            Check(
                "tensorflow",
                "fail",
                f"{tf_version} is older than {min_tf}, the oldest the kit is tested with (Keras 3 needs 2.16+)",
                f"pip install -U 'tensorflow>={min_tf}'",
            )
        )
    else:
        checks.append(Check("tensorflow", "ok", tf_version))
    legacy = legacy_keras_active()
    if legacy:
        checks.append(
            Check(
                "keras",
                "fail",
                legacy,
                "unset TF_USE_LEGACY_KERAS, do not import tf_keras or tensorflow_recommenders, and restart "
                "the kernel; the kit uses `import keras` (Keras 3)",
            )
        )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow's first import, to count
    try:
        with tensorflow_start_up_filtered():
            import keras
            import tensorflow  # noqa: F401 -- a broken install fails here, reported below
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
                f"pip install -U 'keras>={min_keras}' and uninstall tf-keras",
            )
        )
    elif _as_tuple(keras.__version__) < _as_tuple(min_keras):
        checks.append(
            Check(
                "keras",
                "fail",
                f"Keras {keras.__version__} is older than {min_keras}, the oldest the kit is tested with",
                f"pip install -U 'keras>={min_keras}', then restart the kernel",
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
    checks.append(check_gpu(tensorflow_gpus()))
    return checks


def check_data(*, verify: bool = True) -> list[Check]:
    """Data cache writable; mirror set and usable; which releases are cached.

    Args:
        verify: check the mirror's files against their pinned hashes (a second or so per release); without
            it only their presence is checked, as the loader verifies every file it reads anyway.
    """
    from recsys_lab.data.fetch import default_data_home, file_hash
    from recsys_lab.data.releases import MIRROR_ENV, RELEASES, VERIFIED_MARKER

    checks = []
    cache = default_data_home()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache):
            pass
        cached = [n for n, r in RELEASES.items() if (cache / r.folder / VERIFIED_MARKER).is_file()]
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
    relative = "" if root.is_absolute() else f" (a relative path, read from {Path.cwd()})"
    if not root.is_dir():
        checks.append(
            Check(
                "mirror",
                "fail",
                f"{MIRROR_ENV}={mirror} is not a folder{relative}",
                f"point {MIRROR_ENV} at a folder holding e.g. ml-100k/ or ml-100k.zip"
                + (", as an absolute path" if relative else "")
                + ", or unset it",
            )
        )
        return checks
    if not os.access(root, os.R_OK | os.X_OK):
        checks.append(
            Check("mirror", "fail", f"{root} is not readable", f"make it readable, or unset {MIRROR_ENV}")
        )
        return checks
    found, bad, nested = [], [], []
    for name, release in RELEASES.items():
        folder = root / release.folder
        if (folder / release.folder).is_dir():
            nested.append(f"{release.folder}/{release.folder}/")
        if folder.is_dir() and release.pinned:
            broken = [
                f
                for f, sha in release.files.items()
                if not (folder / f).is_file() or (verify and file_hash(folder / f) != sha)
            ]
            (bad if broken else found).append(f"{name}/" + (f" ({', '.join(broken)})" if broken else ""))
        elif (root / f"{name}.zip").is_file():
            ok = not verify or file_hash(root / f"{name}.zip", "md5") == release.md5
            (found if ok else bad).append(f"{name}.zip")
    what = "verified" if verify else "present (hashes are checked when loaded)"
    if bad:
        checks.append(
            Check(
                "mirror",
                "fail",
                f"{root}: {'failed hash check' if verify else 'missing files'}: {', '.join(bad)}",
                "replace those files with fresh copies of the official archives",
            )
        )
    elif nested:
        checks.append(
            Check(
                "mirror",
                "fail",
                f"{root} holds {', '.join(nested)}: an archive extracted into a folder of its own name",
                "move the inner folder's files up one level (the mirror wants ml-100k/u.data)",
            )
        )
    elif found:
        checks.append(Check("mirror", "ok", f"{root}: {', '.join(found)} {what}"))
    else:
        checks.append(
            Check(
                "mirror",
                "warn",
                f"{root} holds no MovieLens release the kit knows",
                "copy official archives (e.g. ml-100k.zip) there, or run `recsys-lab download`",
            )
        )
    if relative and found:
        checks.append(
            Check(
                "mirror path",
                "warn",
                f"{MIRROR_ENV}={mirror} is relative: it only works from {Path.cwd()}",
                f"set {MIRROR_ENV} to an absolute path",
            )
        )
    return checks


def run_checks(*, deep_learning: bool = True, data: bool = True, verify: bool = True) -> list[Check]:
    """All checks: packages, then (optionally) TensorFlow/Keras/GPU and the data cache and mirror."""
    checks = check_packages()
    if deep_learning:
        checks += check_deep_learning()
    if data:
        checks += check_data(verify=verify)
    return checks


def format_checks(checks: list[Check]) -> str:
    marks = {"ok": "ok  ", "info": "info", "warn": "WARN", "fail": "FAIL"}
    lines = []
    for c in checks:
        lines.append(f"[{marks[c.status]}] {c.name:<18} {c.detail}")
        if c.fix and c.status != "ok":
            lines.append(f"{'':25}fix: {c.fix}")
    return "\n".join(lines)
