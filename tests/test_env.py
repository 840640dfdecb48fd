"""The environment doctor and setup_notebook: each known problem is named with its fix (simulated here)."""

from __future__ import annotations

import sys
import types

import pytest

from recsys_lab import env


def _by_name(checks):
    return {c.name: c for c in checks}


# --- legacy Keras -------------------------------------------------------------------------------------


def test_legacy_keras_imported_in_the_process_is_flagged(monkeypatch):
    monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
    assert env.legacy_keras_active() is None
    monkeypatch.setitem(sys.modules, "tf_keras", types.ModuleType("tf_keras"))
    keras_check = _by_name(env.check_deep_learning())["keras"]
    assert keras_check.status == "fail" and "tf_keras" in keras_check.detail
    assert "tensorflow_recommenders" in keras_check.fix and "restart the kernel" in keras_check.fix


@pytest.mark.parametrize("value", ["1", "True", "yes"])
def test_legacy_keras_environment_variable_spellings(monkeypatch, value):
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", value)
    assert "TF_USE_LEGACY_KERAS" in env.legacy_keras_active()


# --- widgets front end ----------------------------------------------------------------------------------


def _versions(monkeypatch, **versions):
    real = env._version
    monkeypatch.setattr(env, "_version", lambda dist: versions[dist] if dist in versions else real(dist))


def test_missing_widgets_front_end_names_the_fix(monkeypatch):
    _versions(monkeypatch, jupyterlab_widgets=None)
    check = env.check_widgets_front_end()
    assert check.status == "warn" and "show as text" in check.detail
    assert "jupyterlab_widgets" in check.fix and "restart JupyterLab" in check.fix


def test_mismatched_widgets_front_end_is_flagged(monkeypatch):
    _versions(monkeypatch, ipywidgets="8.1.5", jupyterlab_widgets="1.1.1")
    check = env.check_widgets_front_end()
    assert check.status == "warn" and "needs 3.x" in check.detail
    _versions(monkeypatch, ipywidgets="8.1.5", jupyterlab_widgets="3.0.13")
    assert env.check_widgets_front_end().status == "ok"


def test_colab_renders_widgets_itself(monkeypatch):
    _versions(monkeypatch, jupyterlab_widgets=None)
    monkeypatch.setattr(env, "in_colab", lambda: True)
    assert env.check_widgets_front_end().status == "ok"


# --- TensorFlow and Keras versions -----------------------------------------------------------------------


def test_old_tensorflow_names_the_upgrade(monkeypatch):
    monkeypatch.setattr(env, "_tensorflow_version", lambda: "2.15.1")
    check = _by_name(env.check_deep_learning())["tensorflow"]
    assert check.status == "fail" and "older than 2.16" in check.detail
    assert check.fix == "pip install -U 'tensorflow>=2.16'"


def test_missing_tensorflow_names_the_extra(monkeypatch):
    monkeypatch.setattr(env, "_tensorflow_version", lambda: None)
    (check,) = env.check_deep_learning()
    assert check.status == "fail" and "recsys-lab[cpu]" in check.fix and "Colab" in check.fix


# --- GPU --------------------------------------------------------------------------------------------------


def test_gpu_in_use_is_ok():
    check = env.check_gpu(["NVIDIA H100 80GB HBM3"])
    assert check.status == "ok" and "1 GPU(s): NVIDIA H100" in check.detail


def test_no_gpu_is_information_not_a_problem(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(env, "nvidia_gpu_present", lambda: False)
    check = env.check_gpu([])
    assert check.status == "info" and "CPU" in check.detail and "recsys-lab[gpu]" in check.fix


def test_no_gpu_in_colab_names_the_runtime_menu(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(env, "in_colab", lambda: True)
    assert "Runtime > Change runtime type" in env.check_gpu([]).fix


def test_gpu_present_but_unused_is_flagged(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(env, "nvidia_gpu_present", lambda: True)
    _versions(monkeypatch, **{"tensorflow-cpu": "2.21.0"})
    check = env.check_gpu([])
    assert check.status == "warn" and "tensorflow-cpu is installed" in check.detail
    assert check.fix.startswith("pip uninstall -y tensorflow-cpu && pip install 'recsys-lab[gpu]'")


@pytest.mark.parametrize("value", ["", "-1"])
def test_gpu_hidden_by_cuda_visible_devices_is_flagged(monkeypatch, value):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", value)
    check = env.check_gpu([])
    assert check.status == "warn" and "unset CUDA_VISIBLE_DEVICES" in check.fix


# --- data cache and mirror --------------------------------------------------------------------------------


def test_relative_mirror_path_is_flagged(tmp_path, monkeypatch):
    (tmp_path / "ml-latest-small.zip").write_bytes(b"placeholder")
    monkeypatch.chdir(tmp_path.parent)
    monkeypatch.setenv("RECSYS_LAB_MIRROR", tmp_path.name)
    checks = _by_name(env.check_data(verify=False))
    assert checks["mirror"].status == "ok" and "present" in checks["mirror"].detail
    assert checks["mirror path"].status == "warn" and "absolute path" in checks["mirror path"].fix
    monkeypatch.chdir(tmp_path)  # the same setting from another folder (a notebook's) finds nothing
    mirror = _by_name(env.check_data(verify=False))["mirror"]
    assert mirror.status == "fail" and "relative path" in mirror.detail and "absolute path" in mirror.fix


def test_archive_extracted_into_its_own_name_is_flagged(tmp_path, monkeypatch):
    (tmp_path / "ml-100k" / "ml-100k").mkdir(parents=True)
    (tmp_path / "ml-100k" / "ml-100k" / "u.data").write_text("1\t1\t5\t0\n")
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path))
    checks = _by_name(env.check_data(verify=False))
    assert checks["mirror"].status == "fail"
    # the outer folder also misses its files, which is reported first; once they are there, the nesting is
    from recsys_lab.movielens import RELEASES

    for name in RELEASES["ml-100k"].files:
        (tmp_path / "ml-100k" / name).write_text("")
    mirror = _by_name(env.check_data(verify=False))["mirror"]
    assert mirror.status == "fail" and "ml-100k/ml-100k/" in mirror.detail and "up one level" in mirror.fix


def test_quick_mirror_check_lists_without_hashing(tmp_path, monkeypatch):
    (tmp_path / "ml-latest-small.zip").write_bytes(b"not the archive")
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path))
    assert _by_name(env.check_data(verify=False))["mirror"].status == "ok"
    assert _by_name(env.check_data(verify=True))["mirror"].status == "fail"


def test_setup_notebook_names_data_problems(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("RECSYS_LAB_DATA", str(blocker / "cache"))
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path / "missing"))
    info = env.setup_notebook(seed=3, deep_learning=False)
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
    assert env.in_colab()
    env.setup_notebook(seed=1, deep_learning=False)
    assert calls == ["enabled"]
    assert "colab widgets" not in capsys.readouterr().out


def test_setup_notebook_says_how_when_colabs_widget_manager_fails(monkeypatch, capsys):
    def broken():
        raise AttributeError("enable_custom_widget_manager")

    _fake_colab(monkeypatch, broken)
    env.setup_notebook(seed=1, deep_learning=False)
    out = capsys.readouterr().out
    assert "[WARN] colab widgets" in out and "output.enable_custom_widget_manager()" in out


# --- mixed precision and the device line -------------------------------------------------------------------


@pytest.fixture
def float32_policy():
    import keras

    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("on", True), ("0", False), ("", False)]
)
def test_mixed_precision_is_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(env.MIXED_PRECISION_ENV, value)
    assert env.mixed_precision_requested() is expected
    assert env.mixed_precision_requested(False) is False


def test_mixed_precision_without_a_gpu_stays_float32(float32_policy):
    import keras

    check = env.apply_mixed_precision(True, num_gpus=0)
    assert check.status == "warn" and "no GPU" in check.detail
    assert keras.mixed_precision.global_policy().name == "float32"
    assert env.apply_mixed_precision(False, num_gpus=1) is None


def test_setup_notebook_reports_the_gpu_and_mixed_precision(monkeypatch, capsys, float32_policy):
    import keras

    monkeypatch.setattr(env, "tensorflow_gpus", lambda: ["NVIDIA H100 80GB HBM3"])
    monkeypatch.setenv(env.MIXED_PRECISION_ENV, "1")
    info = env.setup_notebook(seed=5)
    first = capsys.readouterr().out.splitlines()[0]
    assert "| GPU: NVIDIA H100 80GB HBM3 (mixed precision) | seed 5" in first
    assert info["gpus"] == 1 and info["mixed_precision"] is True
    assert keras.mixed_precision.global_policy().name == "mixed_float16"


def test_setup_notebook_says_cpu_only(monkeypatch, capsys):
    monkeypatch.setattr(env, "tensorflow_gpus", lambda: [])
    monkeypatch.delenv(env.MIXED_PRECISION_ENV, raising=False)
    info = env.setup_notebook(seed=5)
    assert "| CPU only | seed 5" in capsys.readouterr().out.splitlines()[0]
    assert info["gpus"] == 0 and info["mixed_precision"] is False


# Every model trains under mixed_float16 (a CPU runs the policy too, slowly): custom arithmetic that mixes
# float16 activations with float32 terms casts to float32 first.


@pytest.mark.slow
@pytest.mark.parametrize(
    "model",
    [
        "autorec",
        "mf",
        "two_tower",
        "regression",
    ],
)
def test_models_train_under_mixed_precision(model, float32_policy):
    import keras
    import numpy as np

    from recsys_lab import splits
    from recsys_lab.models.autorec import AutoRec
    from recsys_lab.models.base import TrainConfig
    from recsys_lab.models.mf import BiasedMF
    from recsys_lab.models.regression import MLPRegression
    from recsys_lab.models.two_tower import TwoTower
    from recsys_lab.synthetic import make_synthetic

    world = make_synthetic(seed=0)
    train = splits.rating_split(world, seed=0).train
    config = TrainConfig(epochs=1, batch_size=512, seed=0)
    keras.mixed_precision.set_global_policy("mixed_float16")
    if model == "autorec":
        fitted = AutoRec(hidden_units=16).fit(train, rating_scale=world.rating_scale, config=config)
    elif model == "mf":
        fitted = BiasedMF(8).fit(train, rating_scale=world.rating_scale, config=config)
    elif model == "regression":
        fitted = MLPRegression(8, (16,)).fit(train, users=world.users, items=world.items, config=config)
    else:
        fitted = TwoTower(8, 8).fit(train, users=world.users, items=world.items, config=config)
    assert np.isfinite(fitted.history["loss"]).all()
