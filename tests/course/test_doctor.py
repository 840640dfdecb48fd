"""The environment doctor: each known problem is named with its fix (simulated here)."""

from __future__ import annotations

import os
import sys
import types

import pytest

from recsys_lab.course import doctor

from ..helpers import MIRROR


def _by_name(checks):
    return {c.name: c for c in checks}


# --- legacy Keras -------------------------------------------------------------------------------------


def test_legacy_keras_imported_in_the_process_is_flagged(monkeypatch):
    monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
    assert doctor.legacy_keras_active() is None
    monkeypatch.setitem(sys.modules, "tf_keras", types.ModuleType("tf_keras"))
    keras_check = _by_name(doctor.check_deep_learning())["keras"]
    assert keras_check.status == "fail" and "tf_keras" in keras_check.detail
    assert "tensorflow_recommenders" in keras_check.fix and "restart the kernel" in keras_check.fix


@pytest.mark.parametrize("value", ["1", "True", "yes"])
def test_legacy_keras_environment_variable_spellings(monkeypatch, value):
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", value)
    assert "TF_USE_LEGACY_KERAS" in doctor.legacy_keras_active()


# --- widgets front end ----------------------------------------------------------------------------------


def _versions(monkeypatch, **versions):
    real = doctor._version
    monkeypatch.setattr(doctor, "_version", lambda dist: versions[dist] if dist in versions else real(dist))


def test_missing_widgets_front_end_names_the_fix(monkeypatch):
    _versions(monkeypatch, jupyterlab_widgets=None)
    check = doctor.check_widgets_front_end()
    assert check.status == "warn" and "show as text" in check.detail
    assert "jupyterlab_widgets" in check.fix and "restart JupyterLab" in check.fix


def test_mismatched_widgets_front_end_is_flagged(monkeypatch):
    _versions(monkeypatch, ipywidgets="8.1.5", jupyterlab_widgets="1.1.1")
    check = doctor.check_widgets_front_end()
    assert check.status == "warn" and "needs 3.x" in check.detail
    _versions(monkeypatch, ipywidgets="8.1.5", jupyterlab_widgets="3.0.13")
    assert doctor.check_widgets_front_end().status == "ok"


def test_colab_renders_widgets_itself(monkeypatch):
    _versions(monkeypatch, jupyterlab_widgets=None)
    monkeypatch.setattr(doctor, "in_colab", lambda: True)
    assert doctor.check_widgets_front_end().status == "ok"


# --- TensorFlow and Keras versions -----------------------------------------------------------------------


def test_old_tensorflow_names_the_upgrade(monkeypatch):
    monkeypatch.setattr(doctor, "tensorflow_version", lambda: "2.15.1")
    check = _by_name(doctor.check_deep_learning())["tensorflow"]
    assert check.status == "fail" and "older than 2.16" in check.detail
    assert check.fix == "pip install -U 'tensorflow>=2.16'"


def test_missing_tensorflow_names_the_extra(monkeypatch):
    monkeypatch.setattr(doctor, "tensorflow_version", lambda: None)
    (check,) = doctor.check_deep_learning()
    assert check.status == "fail" and "recsys-lab[cpu]" in check.fix and "Colab" in check.fix


# --- GPU --------------------------------------------------------------------------------------------------


def test_gpu_in_use_is_ok():
    check = doctor.check_gpu(["NVIDIA H100 80GB HBM3"])
    assert check.status == "ok" and "1 GPU(s): NVIDIA H100" in check.detail


def test_no_gpu_is_information_not_a_problem(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(doctor, "nvidia_gpu_present", lambda: False)
    check = doctor.check_gpu([])
    assert check.status == "info" and "CPU" in check.detail and "recsys-lab[gpu]" in check.fix


def test_no_gpu_in_colab_names_the_runtime_menu(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(doctor, "in_colab", lambda: True)
    assert "Runtime > Change runtime type" in doctor.check_gpu([]).fix


def test_gpu_present_but_unused_is_flagged(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(doctor, "nvidia_gpu_present", lambda: True)
    _versions(monkeypatch, **{"tensorflow-cpu": "2.21.0"})
    check = doctor.check_gpu([])
    assert check.status == "warn" and "tensorflow-cpu is installed" in check.detail
    assert check.fix.startswith("pip uninstall -y tensorflow-cpu && pip install 'recsys-lab[gpu]'")


@pytest.mark.parametrize("value", ["", "-1"])
def test_gpu_hidden_by_cuda_visible_devices_is_flagged(monkeypatch, value):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", value)
    check = doctor.check_gpu([])
    assert check.status == "warn" and "unset CUDA_VISIBLE_DEVICES" in check.fix


# --- data cache and mirror --------------------------------------------------------------------------------


def test_relative_mirror_path_is_flagged(tmp_path, monkeypatch):
    (tmp_path / "ml-latest-small.zip").write_bytes(b"placeholder")
    monkeypatch.chdir(tmp_path.parent)
    monkeypatch.setenv("RECSYS_LAB_MIRROR", tmp_path.name)
    checks = _by_name(doctor.check_data(verify=False))
    assert checks["mirror"].status == "ok" and "present" in checks["mirror"].detail
    assert checks["mirror path"].status == "warn" and "absolute path" in checks["mirror path"].fix
    monkeypatch.chdir(tmp_path)  # the same setting from another folder (a notebook's) finds nothing
    mirror = _by_name(doctor.check_data(verify=False))["mirror"]
    assert mirror.status == "fail" and "relative path" in mirror.detail and "absolute path" in mirror.fix


def test_archive_extracted_into_its_own_name_is_flagged(tmp_path, monkeypatch):
    (tmp_path / "ml-100k" / "ml-100k").mkdir(parents=True)
    (tmp_path / "ml-100k" / "ml-100k" / "u.data").write_text("1\t1\t5\t0\n")
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path))
    checks = _by_name(doctor.check_data(verify=False))
    assert checks["mirror"].status == "fail"
    # the outer folder also misses its files, which is reported first; once they are there, the nesting is
    from recsys_lab.data.releases import RELEASES

    for name in RELEASES["ml-100k"].files:
        (tmp_path / "ml-100k" / name).write_text("")
    mirror = _by_name(doctor.check_data(verify=False))["mirror"]
    assert mirror.status == "fail" and "ml-100k/ml-100k/" in mirror.detail and "up one level" in mirror.fix


def test_quick_mirror_check_lists_without_hashing(tmp_path, monkeypatch):
    (tmp_path / "ml-latest-small.zip").write_bytes(b"not the archive")
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path))
    assert _by_name(doctor.check_data(verify=False))["mirror"].status == "ok"
    assert _by_name(doctor.check_data(verify=True))["mirror"].status == "fail"


def test_doctor_names_a_tampered_mirror_file(tmp_path, monkeypatch):
    (tmp_path / "ml-latest-small.zip").write_bytes(b"not the archive")
    monkeypatch.setenv("RECSYS_LAB_MIRROR", str(tmp_path))
    mirror = next(c for c in doctor.check_data() if c.name == "mirror")
    assert mirror.status == "fail" and "ml-latest-small.zip" in mirror.detail


def test_doctor_reports_the_real_mirror(monkeypatch):
    if not MIRROR:
        pytest.skip("RECSYS_LAB_MIRROR is not set")
    mirror = next(c for c in doctor.check_data() if c.name == "mirror")
    assert mirror.status == "ok"


def test_legacy_keras_is_flagged(monkeypatch):
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    checks = {c.name: c for c in doctor.check_deep_learning()}
    assert checks["keras"].status == "fail" and "unset TF_USE_LEGACY_KERAS" in checks["keras"].fix
    assert checks["tensorflow"].status == "ok"


def test_unwritable_cache_is_flagged(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("RECSYS_LAB_DATA", str(blocker / "cache"))
    cache = next(c for c in doctor.check_data() if c.name == "data cache")
    assert cache.status == "fail" and "RECSYS_LAB_DATA" in cache.fix


def test_version_parsing():
    assert doctor._as_tuple("2.16.0rc1") == (2, 16, 0)
    assert doctor._as_tuple("3.15.1") >= (3,)


def test_quiet_tensorflow_sets_only_what_the_user_left_unset_and_undoes_it(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # the user's explicit setting wins
    with doctor.quiet_tensorflow():
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL")
    with doctor.quiet_tensorflow():
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    # TF_ENABLE_ONEDNN_OPTS=0 would silence the oneDNN line by turning oneDNN's kernels off: never set by the kit
    assert set(doctor.QUIET_TENSORFLOW) == {"TF_CPP_MIN_LOG_LEVEL"}


def test_tensorflow_start_up_lines_are_dropped_and_every_other_line_passes(capfd):
    start_up = (  # as TensorFlow 2.21 writes them from C++ (the full wheel adds the CUDA stub's line)
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796302921.184661   25239 port.cc:153] oneDNN custom operations are on. You may see slightly "
        "different numerical results due to floating-point round-off errors.\n"
        "I0000 00:00:1796303031.413849   27175 cpu_feature_guard.cc:227] This TensorFlow binary is optimized.\n"
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow.\n"
        "2025-01-01 10:00:00.1: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] Could not find cuda drivers "
        "on your machine, GPU will not be used.\n"
    )
    with doctor.tensorflow_start_up_filtered():
        os.write(2, b"E0000 a real error from C++\n" + start_up.encode() + b"the end, without a newline")
    assert capfd.readouterr().err == "E0000 a real error from C++\nthe end, without a newline"


def test_the_doctor_checks_the_floors_pyproject_declares():
    """One source: the floors come from the kit's metadata (pyproject), which .ci/floors-check proves."""
    from .. import helpers

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    declared = tomllib.loads((helpers.ROOT / "pyproject.toml").read_text())["project"]
    floors = doctor.declared_floors()
    for line in declared["dependencies"]:
        name, _, floor = line.partition(">=")
        assert floors[name.strip().lower()] == floor.strip(), line
    cpu = [line for line in declared["optional-dependencies"]["cpu"] if line.startswith("tensorflow-cpu")]
    assert floors["tensorflow"] == cpu[0].split(">=")[1].split(";")[0].strip()
    assert "pytest" not in floors  # a test tool's floor is not the learner's business


def test_a_package_below_its_floor_fails_with_the_declared_floor(monkeypatch):
    monkeypatch.setattr(doctor, "declared_floors", lambda: {"numpy": "9.1", "keras": "3.6"})
    numpy = next(c for c in doctor.check_packages() if c.name == "numpy")
    assert numpy.status == "fail" and "older than 9.1" in numpy.detail and "numpy>=9.1" in numpy.fix
