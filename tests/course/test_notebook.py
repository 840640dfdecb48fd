"""setup_notebook: the first line (device, seed), data problems named with their fix, Colab's widget manager,
mixed precision from the environment."""

from __future__ import annotations

import sys
import types

import pytest

from recsys_lab.course import doctor, notebook


def test_setup_notebook_names_data_problems(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("RECSYS_LAB_DATA", str(blocker / "cache"))
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path / "missing"))
    info = notebook.setup_notebook(seed=3, deep_learning=False)
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("| seed 3") and info["seed"] == 3
    assert "[FAIL] data cache" in out and "fix: set RECSYS_LAB_DATA" in out
    assert "[FAIL] mirror" in out and "fix: point RECSYS_LAB_MIRROR" in out


# --- Colab ------------------------------------------------------------------------------------------------


def _fake_colab(monkeypatch, enable):
    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(enable_custom_widget_manager=enable)
    monkeypatch.setitem(sys.modules, "google.colab", colab)


def test_setup_notebook_enables_colabs_widget_manager(monkeypatch, capsys):
    calls = []
    _fake_colab(monkeypatch, lambda: calls.append("enabled"))
    assert doctor.in_colab()
    notebook.setup_notebook(seed=1, deep_learning=False)
    assert calls == ["enabled"]
    assert "colab widgets" not in capsys.readouterr().out


def test_setup_notebook_says_how_when_colabs_widget_manager_fails(monkeypatch, capsys):
    def broken():
        raise AttributeError("enable_custom_widget_manager")

    _fake_colab(monkeypatch, broken)
    notebook.setup_notebook(seed=1, deep_learning=False)
    out = capsys.readouterr().out
    assert "[WARN] colab widgets" in out and "output.enable_custom_widget_manager()" in out


# --- mixed precision and the device line -------------------------------------------------------------------
# (float32_policy, in conftest.py, puts the global policy back after each test)


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("on", True), ("0", False), ("", False)]
)
def test_mixed_precision_is_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(notebook.MIXED_PRECISION_ENV, value)
    assert notebook.mixed_precision_requested() is expected
    assert notebook.mixed_precision_requested(False) is False


def test_mixed_precision_without_a_gpu_stays_float32(float32_policy):
    import keras

    check = notebook.apply_mixed_precision(True, num_gpus=0)
    assert check.status == "warn" and "no GPU" in check.detail
    assert keras.mixed_precision.global_policy().name == "float32"
    assert notebook.apply_mixed_precision(False, num_gpus=1) is None


def test_setup_notebook_reports_the_gpu_and_mixed_precision(monkeypatch, capsys, float32_policy):
    import keras

    monkeypatch.setattr(notebook, "tensorflow_gpus", lambda: ["NVIDIA H100 80GB HBM3"])
    monkeypatch.setenv(notebook.MIXED_PRECISION_ENV, "1")
    info = notebook.setup_notebook(seed=5)
    first = capsys.readouterr().out.splitlines()[0]
    assert "| GPU: NVIDIA H100 80GB HBM3 (mixed precision) | seed 5" in first
    assert info["gpus"] == 1 and info["mixed_precision"] is True
    assert keras.mixed_precision.global_policy().name == "mixed_float16"


def test_setup_notebook_says_cpu_only(monkeypatch, capsys):
    monkeypatch.setattr(notebook, "tensorflow_gpus", lambda: [])
    monkeypatch.delenv(notebook.MIXED_PRECISION_ENV, raising=False)
    info = notebook.setup_notebook(seed=5)
    assert "| CPU only | seed 5" in capsys.readouterr().out.splitlines()[0]
    assert info["gpus"] == 0 and info["mixed_precision"] is False


# --- TensorFlow's start-up lines -----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_setup_cell_shows_no_tensorflow_start_up_lines_in_a_fresh_kernel():
    """A learner's kernel (no TF_* variable set) runs notebook 01's setup cell: no absl/oneDNN/CUDA stderr."""
    import os

    import nbformat
    from nbclient import NotebookClient

    from ..helpers import CHAPTERS

    chapter = nbformat.read(CHAPTERS[0], as_version=4)
    setup = next(c.source for c in chapter.cells if c.cell_type == "code" and "setup_notebook(" in c.source)
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("SEED = 42"), nbformat.v4.new_code_cell(setup)]
    )
    # ipykernel forwards what C code writes to fd 2 only outside pytest (it looks for PYTEST_CURRENT_TEST)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_") and k != "PYTEST_CURRENT_TEST"}
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(env=env)
    streams = [o for c in nb.cells for o in c.outputs if o.output_type == "stream"]
    stderr = "".join(o.text for o in streams if o.name == "stderr")
    noise = [
        line for line in stderr.splitlines() if any(w in line.lower() for w in ("absl", "onednn", "cuda"))
    ]
    assert noise == [], stderr
    assert "| seed 42" in "".join(o.text for o in streams if o.name == "stdout")  # the cell did run
